//! Which IP addresses are public. Written by hand on `std::net` (`IpAddr::is_global` is
//! still unstable) from the IANA special-purpose registries, plus the IPv6 forms that
//! smuggle an IPv4 address inside them (security.md S13).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not a public unicast address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialUse {
    /// The special-purpose range, e.g. "loopback (127.0.0.0/8)".
    pub range: &'static str,
    /// The IPv6 form that carried an IPv4 address in `range`, if any.
    pub embedded_in: Option<&'static str>,
}

impl fmt::Display for SpecialUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.embedded_in {
            Some(outer) => write!(f, "{} inside {}", self.range, outer),
            None => f.write_str(self.range),
        }
    }
}

/// `None` for a public unicast address; otherwise the range that makes it special.
pub fn special_use(ip: IpAddr) -> Option<SpecialUse> {
    match ip {
        IpAddr::V4(v4) => special_use_v4(v4).map(|range| SpecialUse {
            range,
            embedded_in: None,
        }),
        IpAddr::V6(v6) => special_use_v6(v6),
    }
}

/// Whether a connection to `ip` would reach the public internet and nothing else.
pub fn is_public(ip: IpAddr) -> bool {
    special_use(ip).is_none()
}

/// IPv4 special-purpose ranges. 255.255.255.255 comes before 240/4 for a clearer name.
const V4_RANGES: &[([u8; 4], u8, &str)] = &[
    ([0, 0, 0, 0], 8, "\"this network\" (0.0.0.0/8)"),
    ([10, 0, 0, 0], 8, "private (10.0.0.0/8)"),
    (
        [100, 64, 0, 0],
        10,
        "shared address space, CGNAT (100.64.0.0/10)",
    ),
    ([127, 0, 0, 0], 8, "loopback (127.0.0.0/8)"),
    ([169, 254, 0, 0], 16, "link-local (169.254.0.0/16)"),
    ([172, 16, 0, 0], 12, "private (172.16.0.0/12)"),
    (
        [192, 0, 0, 0],
        24,
        "IETF protocol assignments (192.0.0.0/24)",
    ),
    ([192, 0, 2, 0], 24, "documentation (192.0.2.0/24)"),
    ([192, 88, 99, 0], 24, "6to4 relay anycast (192.88.99.0/24)"),
    ([192, 168, 0, 0], 16, "private (192.168.0.0/16)"),
    ([198, 18, 0, 0], 15, "benchmarking (198.18.0.0/15)"),
    ([198, 51, 100, 0], 24, "documentation (198.51.100.0/24)"),
    ([203, 0, 113, 0], 24, "documentation (203.0.113.0/24)"),
    ([224, 0, 0, 0], 4, "multicast (224.0.0.0/4)"),
    ([255, 255, 255, 255], 32, "broadcast (255.255.255.255)"),
    ([240, 0, 0, 0], 4, "reserved (240.0.0.0/4)"),
];

/// IPv6 special-purpose ranges, checked after the IPv4-carrying forms.
/// Specific entries come before the ranges that contain them.
const V6_RANGES: &[([u16; 8], u8, &str)] = &[
    ([0, 0, 0, 0, 0, 0, 0, 0], 128, "unspecified (::)"),
    ([0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback (::1)"),
    (
        [0, 0, 0, 0, 0, 0, 0, 0],
        96,
        "IPv4-compatible, deprecated (::/96)",
    ),
    (
        [0, 0, 0, 0, 0xffff, 0, 0, 0],
        96,
        "IPv4-translated (::ffff:0:0:0/96)",
    ),
    (
        [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
        48,
        "local-use NAT64 (64:ff9b:1::/48)",
    ),
    ([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only (100::/64)"),
    ([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, "Teredo (2001::/32)"),
    (
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "IETF protocol assignments (2001::/23)",
    ),
    (
        [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
        32,
        "documentation (2001:db8::/32)",
    ),
    (
        [0x3fff, 0, 0, 0, 0, 0, 0, 0],
        20,
        "documentation (3fff::/20)",
    ),
    (
        [0x5f00, 0, 0, 0, 0, 0, 0, 0],
        16,
        "SRv6 segment ids (5f00::/16)",
    ),
    ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique-local (fc00::/7)"),
    ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local (fe80::/10)"),
    (
        [0xfec0, 0, 0, 0, 0, 0, 0, 0],
        10,
        "site-local, deprecated (fec0::/10)",
    ),
    ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast (ff00::/8)"),
];

const MAPPED: &str = "IPv4-mapped IPv6 (::ffff:0:0/96)";
const NAT64: &str = "NAT64 (64:ff9b::/96)";
const SIX_TO_FOUR: &str = "6to4 (2002::/16)";

fn special_use_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let bits = u32::from(ip);
    V4_RANGES
        .iter()
        .find(|(net, len, _)| same_prefix_v4(bits, u32::from_be_bytes(*net), *len))
        .map(|(_, _, name)| *name)
}

fn special_use_v6(ip: Ipv6Addr) -> Option<SpecialUse> {
    if let Some((outer, v4)) = embedded_v4(ip) {
        return special_use_v4(v4).map(|range| SpecialUse {
            range,
            embedded_in: Some(outer),
        });
    }
    let bits = u128::from(ip);
    let range = V6_RANGES
        .iter()
        .find(|(net, len, _)| same_prefix_v6(bits, u128::from(Ipv6Addr::from(*net)), *len))
        .map(|(_, _, name)| *name)
        .or_else(|| {
            // IANA has allocated only 2000::/3 for global unicast.
            (!same_prefix_v6(bits, 0x2000 << 112, 3)).then_some("outside global unicast (2000::/3)")
        })?;
    Some(SpecialUse {
        range,
        embedded_in: None,
    })
}

/// The IPv4 address carried by an IPv4-mapped, NAT64 (well-known prefix) or 6to4 address.
/// Such an address is exactly as public as the IPv4 address inside it.
fn embedded_v4(ip: Ipv6Addr) -> Option<(&'static str, Ipv4Addr)> {
    let bits = u128::from(ip);
    let low32 = Ipv4Addr::from(bits as u32);
    if same_prefix_v6(bits, 0xffff << 32, 96) {
        return Some((MAPPED, low32));
    }
    if same_prefix_v6(bits, 0x0064_ff9b << 96, 96) {
        return Some((NAT64, low32));
    }
    if same_prefix_v6(bits, 0x2002 << 112, 16) {
        // 2002:AABB:CCDD::/48 carries AA.BB.CC.DD in bits 16..48.
        return Some((SIX_TO_FOUR, Ipv4Addr::from((bits >> 80) as u32)));
    }
    None
}

fn same_prefix_v4(addr: u32, net: u32, len: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    addr & mask == net & mask
}

fn same_prefix_v6(addr: u128, net: u128, len: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    addr & mask == net & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address parses")
    }

    #[test]
    fn non_public_addresses_are_recognised() {
        let table = [
            ("0.0.0.0", "this network"),
            ("0.1.2.3", "this network"),
            ("10.0.0.1", "private (10."),
            ("10.255.255.255", "private (10."),
            ("100.64.0.1", "CGNAT"),
            ("100.127.255.254", "CGNAT"),
            ("127.0.0.1", "loopback"),
            ("127.1.2.3", "loopback"),
            ("169.254.169.254", "link-local"),
            ("172.16.0.1", "private (172."),
            ("172.31.255.255", "private (172."),
            ("192.0.0.1", "IETF protocol"),
            ("192.0.0.170", "IETF protocol"),
            ("192.0.2.1", "documentation"),
            ("192.88.99.1", "6to4 relay"),
            ("192.168.0.1", "private (192.168."),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.254", "reserved"),
            ("255.255.255.255", "broadcast"),
            ("::", "unspecified"),
            ("::1", "loopback (::1)"),
            ("::7f00:1", "IPv4-compatible"),
            ("::8.8.8.8", "IPv4-compatible"),
            (
                "::ffff:127.0.0.1",
                "loopback (127.0.0.0/8) inside IPv4-mapped",
            ),
            ("::ffff:7f00:1", "inside IPv4-mapped"),
            ("::ffff:0.0.0.0", "this network"),
            ("::ffff:10.1.2.3", "private"),
            ("::ffff:169.254.169.254", "link-local"),
            ("::ffff:0:7f00:1", "IPv4-translated"),
            ("64:ff9b::7f00:1", "loopback (127.0.0.0/8) inside NAT64"),
            ("64:ff9b::a00:1", "private (10.0.0.0/8) inside NAT64"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("64:ff9b:1::8.8.8.8", "local-use NAT64"),
            ("100::1", "discard-only"),
            ("2001:0000:4136:e378:8000:63bf:80ff:fffe", "Teredo"),
            ("2001::1", "Teredo"),
            ("2001:2::1", "IETF protocol"),
            ("2001:db8::1", "documentation"),
            ("2002:7f00:1::", "loopback (127.0.0.0/8) inside 6to4"),
            ("2002:a00:1::1", "private (10.0.0.0/8) inside 6to4"),
            ("2002:c0a8:101::", "private (192.168.0.0/16) inside 6to4"),
            ("3fff::1", "documentation (3fff"),
            ("5f00::1", "SRv6"),
            ("fc00::1", "unique-local"),
            ("fd12:3456::1", "unique-local"),
            ("fe80::1", "link-local (fe80"),
            ("febf::1", "link-local (fe80"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
            ("ff0e::1", "multicast"),
            ("4000::1", "outside global unicast"),
            ("1234::1", "outside global unicast"),
        ];
        for (addr, want) in table {
            let got = special_use(ip(addr)).map(|s| s.to_string());
            match got {
                Some(text) => assert!(text.contains(want), "{addr}: {text:?} lacks {want:?}"),
                None => panic!("{addr} classified as public, expected {want:?}"),
            }
        }
    }

    #[test]
    fn public_addresses_pass() {
        let table = [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "192.0.3.1",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "2001:4860:4860::8888",
            "2001:200::1",
            "3ffe::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ];
        for addr in table {
            assert_eq!(special_use(ip(addr)), None, "{addr} should be public");
        }
    }

    #[test]
    fn prefix_helpers_handle_zero_and_full_lengths() {
        assert!(same_prefix_v4(0x0102_0304, 0xffff_ffff, 0));
        assert!(same_prefix_v4(0x0102_0304, 0x0102_0304, 32));
        assert!(!same_prefix_v4(0x0102_0304, 0x0102_0305, 32));
        assert!(same_prefix_v6(1, u128::MAX, 0));
        assert!(!same_prefix_v6(1, 0, 128));
    }
}
