//! Which address a request comes from. The peer of the TCP connection, unless that peer
//! is a configured trusted proxy: then the right-most `X-Forwarded-For` entry that is
//! not itself a trusted proxy (what the proxy saw; entries to its left are the client's
//! own claims). `Forwarded`, `X-Real-IP`, `True-Client-IP` and `CF-Connecting-IP` are
//! never read: anyone can send them.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::{IpNet, Ipv6Net};
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::state::AppState;

/// A trusted-proxy entry: an address or a CIDR range.
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    if let Ok(net) = s.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    s.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("http.trusted_proxies: `{s}` is not an address or CIDR range"))
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// One `X-Forwarded-For` entry: an address, perhaps with a port.
fn parse_entry(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .map(canonical)
}

/// The client address of a request that arrived from `peer`.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut leftmost_trusted = None;
    for entry in entries.iter().rev() {
        match parse_entry(entry) {
            Some(ip) if is_trusted(&ip) => leftmost_trusted = Some(ip),
            Some(ip) => return ip,
            // A proxy would not write this: the chain is not to be believed past here.
            None => break,
        }
    }
    leftmost_trusted.unwrap_or(peer)
}

/// The address as a throttle key: IPv6 clients by their /64, which one site holds.
pub fn throttle_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => Ipv6Net::new(v6, 64)
            .map(|n| n.trunc().to_string())
            .unwrap_or_else(|_| v6.to_string()),
        v4 => v4.to_string(),
    }
}

/// The client address of this request (see [`resolve`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    pub fn key(&self) -> String {
        throttle_key(self.0)
    }

    pub fn of(parts: &Parts, state: &AppState) -> ClientIp {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        ClientIp(state.limits.client_ip(peer, &parts.headers))
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(ClientIp::of(parts, state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_are_themselves_whatever_they_send() {
        let trusted = vec![parse_net("10.0.0.1").unwrap()];
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("forwarded", "for=2.2.2.2"),
            ("x-real-ip", "3.3.3.3"),
            ("true-client-ip", "4.4.4.4"),
            ("cf-connecting-ip", "5.5.5.5"),
        ]);
        assert_eq!(resolve(ip("203.0.113.7"), &h, &trusted), ip("203.0.113.7"));
        assert_eq!(resolve(ip("203.0.113.7"), &h, &[]), ip("203.0.113.7"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_entry_counts() {
        let trusted = vec![
            parse_net("127.0.0.0/8").unwrap(),
            parse_net("10.0.0.0/8").unwrap(),
        ];
        // The client claimed 1.1.1.1; the proxy appended what it saw.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.4")]);
        assert_eq!(resolve(ip("127.0.0.1"), &h, &trusted), ip("198.51.100.4"));
        // Two proxies in a row, the header split over two lines.
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6, 198.51.100.4"),
            ("x-forwarded-for", "10.1.2.3"),
        ]);
        assert_eq!(resolve(ip("10.0.0.9"), &h, &trusted), ip("198.51.100.4"));
        // Garbage stops the walk; no header leaves the proxy itself.
        let h = headers(&[("x-forwarded-for", "7.7.7.7, nonsense")]);
        assert_eq!(resolve(ip("127.0.0.1"), &h, &trusted), ip("127.0.0.1"));
        assert_eq!(
            resolve(ip("127.0.0.1"), &HeaderMap::new(), &trusted),
            ip("127.0.0.1")
        );
        // Ports and mapped addresses.
        let h = headers(&[("x-forwarded-for", "[2001:db8::1]:443")]);
        assert_eq!(
            resolve(ip("::ffff:127.0.0.1"), &h, &trusted),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        assert_eq!(
            throttle_key(ip("2001:db8:1:2:3:4:5:6")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(throttle_key(ip("192.0.2.1")), "192.0.2.1");
        assert!(parse_net("nonsense").is_err());
        assert!(parse_net("2001:db8::/32").is_ok());
    }
}
