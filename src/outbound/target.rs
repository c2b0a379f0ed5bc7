//! Where one hop may go: the URL checks (scheme, userinfo, host, request-line bytes) and
//! the addresses the connection is allowed to use.

use std::net::{IpAddr, SocketAddr};

use url::{Host, Url};

use super::address;
use super::allowlist::PrivateAllowList;
use super::error::OutboundError;
use super::resolve::{self, NameResolver};

/// How a checked hop is sent.
#[derive(Debug)]
pub(super) enum Route {
    /// Through the shared client: the host is an IP literal already checked here (reqwest
    /// never resolves literals), or a name that client's resolver checks at connect time.
    Shared,
    /// Through a client whose only addresses for `host` are these, checked here with the
    /// port in hand (the allow-list has an exact entry for this port).
    Pinned {
        host: String,
        addrs: Vec<SocketAddr>,
    },
}

/// Checks `url` and decides how to reach it. Nothing is connected to before this returns.
pub(super) async fn route(
    url: &Url,
    allow: &PrivateAllowList,
    names: &dyn NameResolver,
) -> Result<Route, OutboundError> {
    check_url(url)?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| refused(format!("{url} has no port")))?;
    // The host as the URL writes it: lowercase, IPv6 in brackets, odd IPv4 forms normalised.
    let host_key = url.host_str().unwrap_or_default();
    let name = match url.host() {
        Some(Host::Ipv4(ip)) => return check_literal(IpAddr::V4(ip), host_key, port, allow),
        Some(Host::Ipv6(ip)) => return check_literal(IpAddr::V6(ip), host_key, port, allow),
        Some(Host::Domain(name)) if !name.is_empty() => name,
        _ => return Err(refused(format!("{url} has no host"))),
    };
    if let Ok(ip) = name.parse::<IpAddr>() {
        // `url` parses every IP form itself; this only guards against a future change.
        return check_literal(ip, host_key, port, allow);
    }
    if !allow.names_port(port) {
        // Only public addresses (or everything, with "*") are allowed on this port: the
        // shared client's resolver can decide that without knowing the port.
        return Ok(Route::Shared);
    }
    let found = names
        .resolve(name, port)
        .await
        .map_err(|e| OutboundError::Connect(format!("resolving {name}: {e}")))?;
    if found.is_empty() {
        return Err(OutboundError::Connect(
            resolve::no_addresses(name).to_string(),
        ));
    }
    let addrs = resolve::vet(name, port, found, |ip| allow.allows(host_key, port, ip))
        .map_err(|refusal| refused(refusal.0))?;
    Ok(Route::Pinned {
        host: name.to_owned(),
        addrs,
    })
}

/// The value a request to `url` carries in `Host`: the host, plus `:port` when it is not
/// the scheme's default. Signers that sign `host` must use exactly this.
pub fn host_header(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// Scheme, credentials and the bytes that will reach the request line.
fn check_url(url: &Url) -> Result<(), OutboundError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refused(format!("{} URLs are not fetched", url.scheme())));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused("URL carries a user name or password".to_owned()));
    }
    // `Url` percent-encodes everything else, so this never fires today; it makes sure no
    // control byte, space or non-ASCII byte from a URL reaches the request line (S17).
    if !url.as_str().bytes().all(|b| b.is_ascii_graphic()) {
        return Err(refused("URL contains bytes that cannot be sent".to_owned()));
    }
    Ok(())
}

fn check_literal(
    ip: IpAddr,
    host_key: &str,
    port: u16,
    allow: &PrivateAllowList,
) -> Result<Route, OutboundError> {
    match address::special_use(ip) {
        Some(special) if !allow.allows(host_key, port, ip) => Err(refused(format!(
            "{ip} is {special}, and {host_key}:{port} is not an allowed private host"
        ))),
        _ => Ok(Route::Shared),
    }
}

fn refused(reason: String) -> OutboundError {
    OutboundError::Refused(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL parses")
    }

    #[test]
    fn host_header_follows_the_wire_form() {
        assert_eq!(
            host_header(&url("https://a.test/x")).as_deref(),
            Some("a.test")
        );
        assert_eq!(
            host_header(&url("https://a.test:443/x")).as_deref(),
            Some("a.test")
        );
        assert_eq!(
            host_header(&url("http://A.test:8080/")).as_deref(),
            Some("a.test:8080")
        );
        assert_eq!(
            host_header(&url("http://[::1]:81/")).as_deref(),
            Some("[::1]:81")
        );
    }

    #[test]
    fn schemes_and_credentials_are_checked() {
        assert!(check_url(&url("https://a.test/")).is_ok());
        for bad in [
            "file:///etc/passwd",
            "gopher://a.test/",
            "ftp://a.test/",
            "data:application/json,{}",
            "https://victim.test@evil.test/",
            "https://:pw@evil.test/",
        ] {
            assert!(check_url(&url(bad)).is_err(), "{bad} accepted");
        }
    }
}
