//! Name resolution for outbound requests: a pluggable `NameResolver` (the system resolver by
//! default; tests map names like `evil.test` to loopback), the check applied to every answer,
//! and the reqwest resolver that applies it at connect time, so the connection goes to
//! exactly the addresses that were checked (no DNS-rebinding gap, security.md S14).

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use super::address;
use super::allowlist::PrivateAllowList;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Turns a host name into addresses.
pub trait NameResolver: Send + Sync {
    /// The addresses of `host`. `port` is the port the request will use, or 0 when the
    /// caller does not know it; the port of each returned address is ignored.
    fn resolve(&self, host: &str, port: u16) -> BoxFuture<'_, io::Result<Vec<SocketAddr>>>;
}

/// The operating system's resolver (`tokio::net::lookup_host`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl NameResolver for SystemResolver {
    fn resolve(&self, host: &str, port: u16) -> BoxFuture<'_, io::Result<Vec<SocketAddr>>> {
        let host = host.to_owned();
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), port))
                .await?
                .collect())
        })
    }
}

/// A destination we will not connect to. Raised inside reqwest's resolver too, where the
/// client recognises it in the error chain and reports `OutboundError::Refused`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// Checks every address `host` resolved to. One non-public address that `allowed` does not
/// accept refuses the whole name (a name with any private address is refused, S13).
/// Returns the addresses with `port` set, ready to connect to. Callers treat an empty answer
/// as a resolution failure (transient), not as a refusal.
pub fn vet(
    host: &str,
    port: u16,
    addrs: Vec<SocketAddr>,
    allowed: impl Fn(IpAddr) -> bool,
) -> Result<Vec<SocketAddr>, Refusal> {
    for addr in &addrs {
        if let Some(special) = address::special_use(addr.ip())
            && !allowed(addr.ip())
        {
            return Err(Refusal(format!(
                "{host} resolves to {}, which is {special}",
                addr.ip()
            )));
        }
    }
    Ok(addrs
        .into_iter()
        .map(|addr| SocketAddr::new(addr.ip(), port))
        .collect())
}

/// The resolver inside the shared reqwest client. reqwest tells it only the name, never the
/// port, so it accepts what is allowed on every port: public addresses, or anything when
/// the allow-list holds `"*"`. Names whose private addresses are allowed for one port only
/// are resolved and pinned by the caller before the request (see `target.rs`).
pub(super) struct VettingResolver {
    pub(super) names: Arc<dyn NameResolver>,
    pub(super) allow: Arc<PrivateAllowList>,
}

impl reqwest::dns::Resolve for VettingResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let names = self.names.clone();
        let allow_any = self.allow.allows_any();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = names.resolve(&host, 0).await?;
            if found.is_empty() {
                return Err(no_addresses(&host).into());
            }
            // Port 0: reqwest then connects on the URL's port (explicit or the default).
            let vetted = vet(&host, 0, found, |_| allow_any)?;
            let addrs: reqwest::dns::Addrs = Box::new(vetted.into_iter());
            Ok(addrs)
        })
    }
}

/// The error for a name with no addresses.
pub fn no_addresses(host: &str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("{host} has no addresses"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("test address parses")
    }

    #[test]
    fn one_private_address_refuses_the_name() {
        let found = vec![addr("93.184.215.14:0"), addr("127.0.0.1:0")];
        let refusal = vet("mixed.test", 443, found, |_| false).expect_err("refused");
        assert!(refusal.0.contains("127.0.0.1"), "{refusal}");
    }

    #[test]
    fn vetted_addresses_carry_the_port() {
        let found = vec![addr("93.184.215.14:9"), addr("10.0.0.1:9")];
        let allowed = |ip: IpAddr| ip == addr("10.0.0.1:0").ip();
        let vetted = vet("ok.test", 8443, found, allowed).expect("allowed");
        assert_eq!(
            vetted,
            vec![addr("93.184.215.14:8443"), addr("10.0.0.1:8443")]
        );
    }
}
