//! `federation.allowed_private_hosts`: the exact `host:port` pairs on private addresses that
//! outbound requests may still reach (test peers, development). Everything else private
//! stays refused, so SSRF defences can be tested with a peer on loopback (DESIGN.md §5).

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};

#[derive(Debug, Clone, Default)]
pub struct PrivateAllowList {
    /// `"*"` was listed: every private address is allowed (development only).
    any: bool,
    /// Normalised `host:port` entries: lowercase, IPv6 in brackets, ports without zeros.
    entries: HashSet<String>,
    /// The ports named by `entries`.
    ports: HashSet<u16>,
}

impl PrivateAllowList {
    /// Reads the configured entries; an entry that is not `"*"` or `host:port` is an error,
    /// so a typo does not silently allow nothing (or everything).
    pub fn parse(entries: &[String]) -> Result<PrivateAllowList, String> {
        let mut list = PrivateAllowList::default();
        for raw in entries {
            let entry = raw.trim().to_ascii_lowercase();
            if entry == "*" {
                list.any = true;
                continue;
            }
            let (key, port) = normalise(&entry).ok_or_else(|| {
                format!("allowed_private_hosts: {raw:?} is not \"*\" or host:port")
            })?;
            list.entries.insert(key);
            list.ports.insert(port);
        }
        Ok(list)
    }

    /// Whether `"*"` was listed.
    pub fn allows_any(&self) -> bool {
        self.any
    }

    /// Whether some exact entry names `port`: a name on that port may then resolve to an
    /// allowed private address, which only a port-aware check can tell.
    pub fn names_port(&self, port: u16) -> bool {
        self.ports.contains(&port)
    }

    /// Whether a private `ip`, reached as `host:port` (host as the URL writes it: lowercase,
    /// IPv6 in brackets), is allowed: `"*"`, or `host:port` listed, or `ip:port` listed.
    pub fn allows(&self, host: &str, port: u16, ip: IpAddr) -> bool {
        self.any
            || self.entries.contains(&format!("{host}:{port}"))
            || self
                .entries
                .contains(&SocketAddr::new(ip, port).to_string())
    }
}

/// `host:port` in the form `allows` compares against, and the port.
fn normalise(entry: &str) -> Option<(String, u16)> {
    if let Ok(addr) = entry.parse::<SocketAddr>() {
        // Canonical text for addresses: "[::1]:80", not "[0:0::1]:80".
        let canonical = SocketAddr::new(addr.ip(), addr.port());
        return Some((canonical.to_string(), addr.port()));
    }
    let (host, port) = entry.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let name_chars = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_';
    if host.is_empty() || !host.chars().all(name_chars) {
        return None;
    }
    Some((format!("{host}:{port}"), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> PrivateAllowList {
        let owned: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
        PrivateAllowList::parse(&owned).expect("valid test list")
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address parses")
    }

    #[test]
    fn exact_entries_allow_only_their_port() {
        let l = list(&["127.0.0.1:4000", "Peer.Test:5000", "[0:0::1]:6000"]);
        assert!(l.allows("127.0.0.1", 4000, ip("127.0.0.1")));
        assert!(!l.allows("127.0.0.1", 4001, ip("127.0.0.1")));
        assert!(l.allows("peer.test", 5000, ip("10.0.0.1")));
        assert!(!l.allows("peer.test", 5001, ip("10.0.0.1")));
        assert!(
            l.allows("evil.test", 4000, ip("127.0.0.1")),
            "ip:port entry"
        );
        assert!(!l.allows("evil.test", 4000, ip("127.0.0.2")));
        assert!(l.allows("[::1]", 6000, ip("::1")));
        assert!(!l.allows_any());
        assert!(l.names_port(5000) && !l.names_port(80));
    }

    #[test]
    fn star_allows_everything() {
        let l = list(&["*"]);
        assert!(l.allows_any());
        assert!(l.allows("anything", 1, ip("10.0.0.1")));
    }

    #[test]
    fn malformed_entries_are_errors() {
        for bad in [
            "localhost",
            "::1:80",
            "[::1]",
            "host:",
            ":80",
            "a b:80",
            "h:99999",
            "",
        ] {
            assert!(
                PrivateAllowList::parse(&[bad.to_string()]).is_err(),
                "{bad:?} accepted"
            );
        }
    }
}
