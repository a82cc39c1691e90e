//! `Ipv4Cidr`: the project's IPv4 network type (parse, display, containment, overlap, carving
//! into subnets, addressing hosts by offset).

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::NetError;

/// An IPv4 network such as `10.244.0.0/19`. The host bits of `network` are always clear and
/// the prefix is at most 32 (the constructors refuse anything else).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ipv4Cidr {
    network: Ipv4Addr,
    prefix: u8,
}

impl Ipv4Cidr {
    /// The network `network/prefix`; an error if the prefix is over 32 or host bits are set.
    pub fn new(network: Ipv4Addr, prefix: u8) -> Result<Self, NetError> {
        let cidr = Ipv4Cidr { network, prefix };
        if prefix > 32 || u32::from(network) & !mask(prefix) != 0 {
            return Err(NetError::InvalidCidr(format!("{network}/{prefix}")));
        }
        Ok(cidr)
    }

    /// The network of `/prefix` containing `ip` (host bits cleared; a prefix over 32 counts
    /// as 32).
    pub fn containing(ip: Ipv4Addr, prefix: u8) -> Self {
        let prefix = prefix.min(32);
        Ipv4Cidr {
            network: Ipv4Addr::from(u32::from(ip) & mask(prefix)),
            prefix,
        }
    }

    /// The network address.
    pub fn network(&self) -> Ipv4Addr {
        self.network
    }

    /// The prefix length (0-32).
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// The number of addresses in the network (2^(32-prefix)).
    pub fn size(&self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }

    /// The first address as an integer.
    pub fn first(&self) -> u32 {
        u32::from(self.network)
    }

    /// The last (broadcast) address as an integer.
    pub fn last(&self) -> u32 {
        self.first() | !mask(self.prefix)
    }

    /// The last address of the network (its broadcast address when prefix <= 30).
    pub fn broadcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.last())
    }

    /// Whether `ip` lies in the network.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & mask(self.prefix) == self.first()
    }

    /// Whether `other` lies entirely inside this network.
    pub fn contains_cidr(&self, other: &Ipv4Cidr) -> bool {
        other.prefix >= self.prefix && self.contains(other.network)
    }

    /// Whether the two networks share at least one address (for CIDRs: one contains the other).
    pub fn overlaps(&self, other: &Ipv4Cidr) -> bool {
        self.contains_cidr(other) || other.contains_cidr(self)
    }

    /// The address at `offset` from the network address (`nth(0)` is the network address,
    /// `nth(1)` the first host); `None` past the end.
    pub fn nth(&self, offset: u64) -> Option<Ipv4Addr> {
        if offset >= self.size() {
            return None;
        }
        let offset = u32::try_from(offset).ok()?;
        Some(Ipv4Addr::from(self.first().wrapping_add(offset)))
    }

    /// The offset of `ip` from the network address, if it lies in the network.
    pub fn offset_of(&self, ip: Ipv4Addr) -> Option<u64> {
        self.contains(ip)
            .then(|| u64::from(u32::from(ip) - self.first()))
    }

    /// How many subnets of `/prefix` the network holds; an error if `prefix` is shorter than
    /// the network's or over 32.
    pub fn subnet_count(&self, prefix: u8) -> Result<u64, NetError> {
        if prefix < self.prefix || prefix > 32 {
            return Err(NetError::BadSubnetPrefix {
                network: *self,
                subnet_prefix: prefix,
            });
        }
        Ok(1u64 << u32::from(prefix - self.prefix))
    }

    /// The `index`th subnet of `/prefix` (in address order); `None` if out of range or the
    /// prefix does not fit.
    pub fn nth_subnet(&self, prefix: u8, index: u64) -> Option<Ipv4Cidr> {
        if index >= self.subnet_count(prefix).ok()? {
            return None;
        }
        let step = 1u64 << (32 - u32::from(prefix));
        let start = u64::from(self.first()) + index * step;
        Some(Ipv4Cidr {
            network: Ipv4Addr::from(u32::try_from(start).ok()?),
            prefix,
        })
    }

    /// The index of the `/prefix` subnet holding `ip` (as `nth_subnet` counts), if `ip` is in
    /// the network and the prefix fits.
    pub fn subnet_index_of(&self, ip: Ipv4Addr, prefix: u8) -> Option<u64> {
        self.subnet_count(prefix).ok()?;
        Some(self.offset_of(ip)? >> (32 - u32::from(prefix)))
    }

    /// Every subnet of `/prefix`, in address order; an error if the prefix does not fit.
    pub fn subnets(&self, prefix: u8) -> Result<impl Iterator<Item = Ipv4Cidr> + use<>, NetError> {
        let count = self.subnet_count(prefix)?;
        let network = *self;
        Ok((0..count).filter_map(move |index| network.nth_subnet(prefix, index)))
    }
}

/// The netmask of a prefix length (clamped to 32).
fn mask(prefix: u8) -> u32 {
    match prefix {
        0 => 0,
        p if p >= 32 => u32::MAX,
        p => u32::MAX << (32 - u32::from(p)),
    }
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl FromStr for Ipv4Cidr {
    type Err = NetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || NetError::InvalidCidr(text.chars().take(64).collect());
        let (addr, prefix) = text.split_once('/').ok_or_else(bad)?;
        let addr: Ipv4Addr = addr.parse().map_err(|_| bad())?;
        // Only plain decimal digits: `u8::from_str` would also take a leading `+`.
        if prefix.is_empty() || prefix.len() > 2 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        Ipv4Cidr::new(addr, prefix).map_err(|_| bad())
    }
}

impl Serialize for Ipv4Cidr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Ipv4Cidr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Ipv4Cidr {
        text.parse().unwrap()
    }

    #[test]
    fn parses_and_displays() {
        assert_eq!(cidr("10.244.0.0/19").to_string(), "10.244.0.0/19");
        assert_eq!(cidr("0.0.0.0/0").size(), 1 << 32);
        assert_eq!(cidr("10.1.2.3/32").size(), 1);
        for bad in [
            "10.244.0.1/19",
            "10.244.0.0/33",
            "10.244.0.0",
            "10.244.0.0/",
            "10.244.0.0/+8",
            "10.244.0.0/019",
            "10.244.0/19",
            "a.b.c.d/8",
            "",
            "/",
        ] {
            assert!(bad.parse::<Ipv4Cidr>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn contains_and_overlaps() {
        let net = cidr("10.244.0.0/19");
        assert!(net.contains("10.244.31.255".parse().unwrap()));
        assert!(!net.contains("10.244.32.0".parse().unwrap()));
        assert!(net.contains_cidr(&cidr("10.244.0.16/28")));
        assert!(!cidr("10.244.0.16/28").contains_cidr(&net));
        assert!(net.overlaps(&cidr("10.244.0.16/28")));
        assert!(cidr("10.244.0.16/28").overlaps(&net));
        assert!(!net.overlaps(&cidr("10.96.0.0/22")));
        assert!(cidr("0.0.0.0/0").overlaps(&net));
    }

    #[test]
    fn carves_subnets_and_hosts() {
        let net = cidr("10.244.0.0/19");
        assert_eq!(net.subnet_count(28).unwrap(), 512);
        assert_eq!(net.nth_subnet(28, 5), Some(cidr("10.244.0.80/28")));
        assert_eq!(net.nth_subnet(28, 512), None);
        assert_eq!(
            net.subnet_index_of("10.244.0.85".parse().unwrap(), 28),
            Some(5)
        );
        assert!(net.subnets(18).is_err());
        assert!(net.subnets(33).is_err());
        let all: Vec<_> = net.subnets(20).unwrap().collect();
        assert_eq!(all, vec![cidr("10.244.0.0/20"), cidr("10.244.16.0/20")]);
        let sub = cidr("10.244.0.80/28");
        assert_eq!(sub.nth(1), Some("10.244.0.81".parse().unwrap()));
        assert_eq!(sub.nth(16), None);
        assert_eq!(sub.broadcast(), "10.244.0.95".parse::<Ipv4Addr>().unwrap());
        assert_eq!(cidr("255.255.255.0/24").nth(255), Some(Ipv4Addr::BROADCAST));
        assert_eq!(
            cidr("0.0.0.0/0").nth_subnet(32, u64::from(u32::MAX)),
            Some(cidr("255.255.255.255/32"))
        );
    }

    #[test]
    fn serde_as_string() {
        let net = cidr("10.15.8.0/24");
        let json = serde_json::to_string(&net).unwrap();
        assert_eq!(json, "\"10.15.8.0/24\"");
        assert_eq!(serde_json::from_str::<Ipv4Cidr>(&json).unwrap(), net);
        assert!(serde_json::from_str::<Ipv4Cidr>("\"10.15.8.1/24\"").is_err());
    }
}
