//! The textual literals of firewall objects: IPv4 addresses, CIDRs and ranges, port numbers
//! and port ranges, and protocol names.

use std::net::{IpAddr, Ipv4Addr};

use crate::DfwError;

/// An inclusive IPv4 range; single addresses and CIDRs are ranges too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddressRange {
    /// The first address.
    pub first: u32,
    /// The last address (inclusive).
    pub last: u32,
}

impl AddressRange {
    /// Whether the range holds `ip`.
    pub fn contains(self, ip: Ipv4Addr) -> bool {
        let ip = u32::from(ip);
        self.first <= ip && ip <= self.last
    }
}

/// What an address literal of a rule or group stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressLiteral {
    /// IPv4 addresses.
    V4(AddressRange),
    /// An IPv6 literal: valid, but it never matches the IPv4 flows Enclave carries.
    V6,
}

/// Parses `10.0.0.1`, `10.0.0.0/24` or `10.0.0.1-10.0.0.9` (IPv6 forms are accepted and match
/// nothing). Returns `None` if `text` is not an address literal at all (a group path, say).
pub fn parse_address(text: &str) -> Option<Result<AddressLiteral, DfwError>> {
    let text = text.trim();
    if text.starts_with('/') {
        return None;
    }
    Some(parse_address_strict(text))
}

fn parse_address_strict(text: &str) -> Result<AddressLiteral, DfwError> {
    let bad = || DfwError::InvalidAddress(text.to_string());
    if let Some((first, last)) = text.split_once('-') {
        let (first, last) = (first.trim(), last.trim());
        return match (first.parse::<IpAddr>(), last.parse::<IpAddr>()) {
            (Ok(IpAddr::V4(a)), Ok(IpAddr::V4(b))) if u32::from(a) <= u32::from(b) => {
                Ok(AddressLiteral::V4(AddressRange {
                    first: a.into(),
                    last: b.into(),
                }))
            }
            (Ok(IpAddr::V6(a)), Ok(IpAddr::V6(b))) if a <= b => Ok(AddressLiteral::V6),
            _ => Err(bad()),
        };
    }
    if let Some((network, prefix)) = text.split_once('/') {
        let prefix: u32 = prefix.parse().map_err(|_| bad())?;
        return match network.parse::<IpAddr>().map_err(|_| bad())? {
            IpAddr::V4(network) if prefix <= 32 => {
                let mask = if prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - prefix)
                };
                let first = u32::from(network) & mask;
                Ok(AddressLiteral::V4(AddressRange {
                    first,
                    last: first | !mask,
                }))
            }
            IpAddr::V6(_) if prefix <= 128 => Ok(AddressLiteral::V6),
            _ => Err(bad()),
        };
    }
    match text.parse::<IpAddr>().map_err(|_| bad())? {
        IpAddr::V4(ip) => Ok(AddressLiteral::V4(AddressRange {
            first: ip.into(),
            last: ip.into(),
        })),
        IpAddr::V6(_) => Ok(AddressLiteral::V6),
    }
}

/// An inclusive port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    /// The first port.
    pub first: u16,
    /// The last port (inclusive).
    pub last: u16,
}

impl PortRange {
    /// Every port.
    pub const ALL: PortRange = PortRange {
        first: 0,
        last: u16::MAX,
    };

    /// Whether the range holds `port`.
    pub fn contains(self, port: u16) -> bool {
        self.first <= port && port <= self.last
    }
}

/// Parses `"80"` or `"8282-8286"` (ports 1 to 65535, first not above last).
pub fn parse_ports(text: &str) -> Result<PortRange, DfwError> {
    let bad = || DfwError::InvalidPort(text.to_string());
    let port = |s: &str| -> Result<u16, DfwError> {
        match s.trim().parse::<u16>() {
            Ok(p) if p > 0 => Ok(p),
            _ => Err(bad()),
        }
    };
    match text.split_once('-') {
        Some((first, last)) => {
            let (first, last) = (port(first)?, port(last)?);
            if first > last {
                return Err(bad());
            }
            Ok(PortRange { first, last })
        }
        None => {
            let p = port(text)?;
            Ok(PortRange { first: p, last: p })
        }
    }
}

/// IP protocol numbers the firewall names.
pub mod protocol {
    /// ICMP.
    pub const ICMP: u8 = 1;
    /// TCP.
    pub const TCP: u8 = 6;
    /// UDP.
    pub const UDP: u8 = 17;
    /// SCTP.
    pub const SCTP: u8 = 132;
}

/// The protocol number of an `l4_protocol` name (`TCP`, `UDP`; case-insensitive).
pub fn l4_protocol(name: &str) -> Result<u8, DfwError> {
    if name.eq_ignore_ascii_case("TCP") {
        Ok(protocol::TCP)
    } else if name.eq_ignore_ascii_case("UDP") {
        Ok(protocol::UDP)
    } else {
        Err(DfwError::InvalidProtocol(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(text: &str) -> AddressRange {
        match parse_address(text) {
            Some(Ok(AddressLiteral::V4(range))) => range,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn addresses_cidrs_and_ranges() {
        let one = v4("10.244.0.18");
        assert_eq!(one.first, one.last);
        let net = v4("10.244.0.0/19");
        assert!(net.contains(Ipv4Addr::new(10, 244, 31, 255)));
        assert!(!net.contains(Ipv4Addr::new(10, 244, 32, 0)));
        assert_eq!(
            v4("10.1.2.3/24").first,
            u32::from(Ipv4Addr::new(10, 1, 2, 0))
        );
        assert_eq!(v4("0.0.0.0/0").last, u32::MAX);
        let range = v4("10.0.0.5-10.0.0.9");
        assert!(range.contains(Ipv4Addr::new(10, 0, 0, 9)));
        assert!(!range.contains(Ipv4Addr::new(10, 0, 0, 10)));
        assert_eq!(parse_address("fd00::/64"), Some(Ok(AddressLiteral::V6)));
    }

    #[test]
    fn paths_are_not_addresses_and_bad_literals_are_errors() {
        assert_eq!(parse_address("/infra/domains/default/groups/web"), None);
        assert_eq!(parse_address("ANY").map(|r| r.is_ok()), Some(false));
        for bad in [
            "10.0.0.0/33",
            "10.0.0.9-10.0.0.1",
            "10.0.0.256",
            "10.0.0.0/x",
            "1.2.3.4-fd00::1",
        ] {
            assert!(
                matches!(parse_address(bad), Some(Err(DfwError::InvalidAddress(_)))),
                "{bad}"
            );
        }
    }

    #[test]
    fn ports() {
        assert_eq!(
            parse_ports("80").unwrap(),
            PortRange {
                first: 80,
                last: 80
            }
        );
        assert_eq!(
            parse_ports("8282-8286").unwrap(),
            PortRange {
                first: 8282,
                last: 8286
            }
        );
        for bad in ["0", "65536", "90-80", "http", "", "-1"] {
            assert!(parse_ports(bad).is_err(), "{bad}");
        }
    }
}
