//! Which cluster IPs of the Service CIDR and which node ports of the node-port range are taken,
//! and by which Service: kube-apiserver's bitmap allocators, as pure state (no I/O, no lock).
//!
//! Every value remembers its owner (the Service's uid), so that a late release by a Service
//! that no longer holds a value never frees it under another Service.

use std::collections::HashMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// A malformed `service_cidr` or `node_port_range` setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SettingError(String);

/// An IPv4 network in CIDR notation, e.g. the Service CIDR `10.96.0.0/22`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Cidr {
    network: Ipv4Addr,
    prefix_len: u8,
}

/// The smallest prefix kube-apiserver accepts for a Service CIDR (at most 2^20 addresses).
const MIN_SERVICE_PREFIX: u8 = 12;

impl Ipv4Cidr {
    /// kube's default Service CIDR on a Supervisor: `10.96.0.0/22`.
    pub const DEFAULT_SERVICE_CIDR: Ipv4Cidr = Ipv4Cidr {
        network: Ipv4Addr::new(10, 96, 0, 0),
        prefix_len: 22,
    };

    /// The network of `address` (host bits cleared) with `prefix_len` bits, for prefixes from
    /// /12 (kube-apiserver's largest Service CIDR) to /30 (two usable addresses).
    pub fn new(address: Ipv4Addr, prefix_len: u8) -> Result<Self, SettingError> {
        if !(MIN_SERVICE_PREFIX..=30).contains(&prefix_len) {
            return Err(SettingError(format!(
                "the prefix length of {address}/{prefix_len} must be between /{MIN_SERVICE_PREFIX} and /30"
            )));
        }
        let mask = u32::MAX << (32 - u32::from(prefix_len));
        Ok(Self {
            network: Ipv4Addr::from(u32::from(address) & mask),
            prefix_len,
        })
    }

    /// The network address.
    pub fn network(&self) -> Ipv4Addr {
        self.network
    }

    /// The prefix length.
    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    /// The number of addresses, network and broadcast included.
    fn size(&self) -> u32 {
        1u32 << (32 - u32::from(self.prefix_len))
    }

    /// The first host address (`10.96.0.1`), kept for the `kubernetes` Service.
    pub fn first_host(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.network) + 1)
    }

    /// Whether `ip` is in the network.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip).wrapping_sub(u32::from(self.network)) < self.size()
    }
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix_len)
    }
}

impl FromStr for Ipv4Cidr {
    type Err = SettingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SettingError(format!("{s:?} is not an IPv4 CIDR such as 10.96.0.0/22"));
        let (address, prefix) = s.trim().split_once('/').ok_or_else(bad)?;
        let address: Ipv4Addr = address.parse().map_err(|_| bad())?;
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        Self::new(address, prefix)
    }
}

/// An inclusive range of node ports, e.g. `30000-32767`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodePortRange {
    first: u16,
    last: u16,
}

impl NodePortRange {
    /// kube-apiserver's default `--service-node-port-range`: `30000-32767`.
    pub const DEFAULT: NodePortRange = NodePortRange {
        first: 30000,
        last: 32767,
    };

    /// The ports `first..=last` (`first` at least 1, `last` not below `first`).
    pub fn new(first: u16, last: u16) -> Result<Self, SettingError> {
        if first == 0 || last < first {
            return Err(SettingError(format!(
                "{first}-{last} is not a port range: the first port must be at least 1 and not above the last"
            )));
        }
        Ok(Self { first, last })
    }

    /// The first port.
    pub fn first(&self) -> u16 {
        self.first
    }

    /// The last port.
    pub fn last(&self) -> u16 {
        self.last
    }

    /// Whether `port` is in the range.
    pub fn contains(&self, port: i64) -> bool {
        (i64::from(self.first)..=i64::from(self.last)).contains(&port)
    }

    fn size(&self) -> u32 {
        u32::from(self.last - self.first) + 1
    }
}

impl fmt::Display for NodePortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

impl FromStr for NodePortRange {
    type Err = SettingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SettingError(format!("{s:?} is not a port range such as 30000-32767"));
        let (first, last) = s.trim().split_once('-').ok_or_else(bad)?;
        let first: u16 = first.trim().parse().map_err(|_| bad())?;
        let last: u16 = last.trim().parse().map_err(|_| bad())?;
        Self::new(first, last)
    }
}

/// Why a requested value could not be taken (the allocators' error texts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Another Service holds it.
    Taken,
    /// Outside the range.
    OutOfRange,
    /// Nothing is free.
    Full,
}

/// A range of `size` slots; dynamic allocation starts at a random slot of the upper band
/// `[offset, size)` and falls back to the lower band `[first_dynamic, offset)`, as the
/// upstream bitmap allocator does, so that static requests mostly find the lower band free.
#[derive(Debug, Clone)]
struct Slots {
    size: u32,
    offset: u32,
    first_dynamic: u32,
    /// Each taken slot's owner, and how many takes of that owner are outstanding: two
    /// concurrent writes of one Service may both take a value, and the one that fails must
    /// not free it under the one that was stored.
    owners: HashMap<u32, (String, u32)>,
}

impl Slots {
    /// `calculateRangeOffset`: `size/step` clamped to `[min, max]`, 0 for tiny ranges.
    fn new(size: u32, total: u32, min: u32, max: u32, step: u32, first_dynamic: u32) -> Self {
        let offset = if total < min {
            0
        } else {
            (total / step).clamp(min, max).min(size)
        };
        Self {
            size,
            offset: offset.max(first_dynamic),
            first_dynamic,
            owners: HashMap::new(),
        }
    }

    fn take(&mut self, slot: u32, owner: &str) -> Result<(), Refusal> {
        if slot >= self.size {
            return Err(Refusal::OutOfRange);
        }
        match self.owners.get_mut(&slot) {
            Some((held, count)) if held == owner => {
                *count += 1;
                Ok(())
            }
            Some(_) => Err(Refusal::Taken),
            None => {
                self.owners.insert(slot, (owner.to_string(), 1));
                Ok(())
            }
        }
    }

    fn take_next(&mut self, owner: &str, random: u64) -> Result<u32, Refusal> {
        let free = |lo: u32, hi: u32| -> Option<u32> {
            if hi <= lo {
                return None;
            }
            let width = hi - lo;
            let start = (random % u64::from(width)) as u32;
            (0..width)
                .map(|i| lo + (start + i) % width)
                .find(|slot| !self.owners.contains_key(slot))
        };
        let slot = free(self.offset, self.size)
            .or_else(|| free(self.first_dynamic, self.offset))
            .ok_or(Refusal::Full)?;
        self.owners.insert(slot, (owner.to_string(), 1));
        Ok(slot)
    }

    fn release(&mut self, slot: u32, owner: &str) {
        if let Some((held, count)) = self.owners.get_mut(&slot)
            && held == owner
        {
            *count -= 1;
            if *count == 0 {
                self.owners.remove(&slot);
            }
        }
    }

    #[cfg(test)]
    fn owner(&self, slot: u32) -> Option<&str> {
        self.owners.get(&slot).map(|(owner, _)| owner.as_str())
    }
}

/// One taken value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Held {
    /// A cluster IP.
    Ip(Ipv4Addr),
    /// A node port (also health-check node ports).
    Port(u16),
}

/// The cluster IPs and node ports in use.
#[derive(Debug, Clone)]
pub(crate) struct Allocations {
    cidr: Ipv4Cidr,
    ips: Slots,
    ports_range: NodePortRange,
    ports: Slots,
}

impl Allocations {
    /// Empty allocators over a Service CIDR and a node-port range. The first host of the CIDR
    /// is never handed out dynamically: it belongs to the `kubernetes` Service.
    pub(crate) fn new(cidr: Ipv4Cidr, ports_range: NodePortRange) -> Self {
        // Hosts exclude the network and broadcast addresses; slot 0 is the first host.
        let hosts = cidr.size().saturating_sub(2);
        Self {
            cidr,
            ips: Slots::new(hosts, cidr.size(), 16, 256, 16, 1),
            ports_range,
            ports: Slots::new(ports_range.size(), ports_range.size(), 16, 128, 32, 0),
        }
    }

    /// The Service CIDR.
    pub(crate) fn cidr(&self) -> Ipv4Cidr {
        self.cidr
    }

    /// The node-port range.
    pub(crate) fn ports_range(&self) -> NodePortRange {
        self.ports_range
    }

    fn ip_slot(&self, ip: Ipv4Addr) -> Option<u32> {
        if !self.cidr.contains(ip) {
            return None;
        }
        let slot = u32::from(ip)
            .wrapping_sub(u32::from(self.cidr.network))
            .checked_sub(1)?;
        (slot < self.ips.size).then_some(slot)
    }

    fn port_slot(&self, port: i64) -> Option<u32> {
        if !self.ports_range.contains(port) {
            return None;
        }
        u32::try_from(port - i64::from(self.ports_range.first)).ok()
    }

    /// Takes a value for `owner`; an owner may take a value again, and must then release it
    /// as many times.
    pub(crate) fn take(&mut self, value: Held, owner: &str) -> Result<(), Refusal> {
        match value {
            Held::Ip(ip) => {
                let slot = self.ip_slot(ip).ok_or(Refusal::OutOfRange)?;
                self.ips.take(slot, owner)
            }
            Held::Port(port) => {
                let slot = self.port_slot(i64::from(port)).ok_or(Refusal::OutOfRange)?;
                self.ports.take(slot, owner)
            }
        }
    }

    /// Takes a free cluster IP for `owner`; `random` picks where the search starts.
    pub(crate) fn take_next_ip(&mut self, owner: &str, random: u64) -> Result<Ipv4Addr, Refusal> {
        let slot = self.ips.take_next(owner, random)?;
        Ok(Ipv4Addr::from(u32::from(self.cidr.network) + 1 + slot))
    }

    /// Takes a free node port for `owner`; `random` picks where the search starts.
    pub(crate) fn take_next_port(&mut self, owner: &str, random: u64) -> Result<u16, Refusal> {
        let slot = self.ports.take_next(owner, random)?;
        u16::try_from(u32::from(self.ports_range.first) + slot).map_err(|_| Refusal::Full)
    }

    /// Frees a value if `owner` holds it.
    pub(crate) fn release(&mut self, value: Held, owner: &str) {
        match value {
            Held::Ip(ip) => {
                if let Some(slot) = self.ip_slot(ip) {
                    self.ips.release(slot, owner);
                }
            }
            Held::Port(port) => {
                if let Some(slot) = self.port_slot(i64::from(port)) {
                    self.ports.release(slot, owner);
                }
            }
        }
    }

    /// Who holds a value.
    #[cfg(test)]
    pub(crate) fn owner(&self, value: Held) -> Option<&str> {
        match value {
            Held::Ip(ip) => self.ips.owner(self.ip_slot(ip)?),
            Held::Port(port) => self.ports.owner(self.port_slot(i64::from(port))?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allocations(cidr: &str, ports: &str) -> Allocations {
        Allocations::new(cidr.parse().unwrap(), ports.parse().unwrap())
    }

    #[test]
    fn settings_parse_and_print() {
        let cidr: Ipv4Cidr = "10.96.0.0/22".parse().unwrap();
        assert_eq!(cidr.to_string(), "10.96.0.0/22");
        assert_eq!(cidr.first_host(), Ipv4Addr::new(10, 96, 0, 1));
        assert_eq!(
            "10.96.1.7/22".parse::<Ipv4Cidr>().unwrap().to_string(),
            "10.96.0.0/22",
            "host bits are cleared"
        );
        assert!("10.96.0.0".parse::<Ipv4Cidr>().is_err());
        assert!("10.0.0.0/8".parse::<Ipv4Cidr>().is_err());
        assert!("10.96.0.0/31".parse::<Ipv4Cidr>().is_err());
        let range: NodePortRange = "30000-32767".parse().unwrap();
        assert_eq!(range.to_string(), "30000-32767");
        assert!("32767-30000".parse::<NodePortRange>().is_err());
        assert!("0-10".parse::<NodePortRange>().is_err());
        assert!("x".parse::<NodePortRange>().is_err());
    }

    #[test]
    fn dynamic_ips_skip_network_first_host_and_broadcast() {
        let mut a = allocations("10.96.0.0/29", "30000-30001");
        // 8 addresses: 6 hosts, the first kept for the kubernetes Service.
        let mut seen = Vec::new();
        for i in 0..5 {
            seen.push(a.take_next_ip(&format!("s{i}"), i * 7919).unwrap());
        }
        seen.sort();
        let want: Vec<Ipv4Addr> = (2..=6).map(|h| Ipv4Addr::new(10, 96, 0, h)).collect();
        assert_eq!(seen, want);
        assert_eq!(a.take_next_ip("s9", 3), Err(Refusal::Full));
        assert_eq!(
            a.take(Held::Ip(Ipv4Addr::new(10, 96, 0, 1)), "kubernetes"),
            Ok(())
        );
        assert_eq!(
            a.take(Held::Ip(Ipv4Addr::new(10, 96, 0, 7)), "x"),
            Err(Refusal::OutOfRange),
            "broadcast"
        );
        assert_eq!(
            a.take(Held::Ip(Ipv4Addr::new(10, 96, 0, 0)), "x"),
            Err(Refusal::OutOfRange),
            "network"
        );
    }

    #[test]
    fn requested_values_are_checked_and_owned() {
        let mut a = allocations("10.96.0.0/22", "30000-32767");
        let ip = Held::Ip(Ipv4Addr::new(10, 96, 0, 5));
        assert_eq!(a.take(ip, "a"), Ok(()));
        assert_eq!(a.take(ip, "a"), Ok(()), "the holder may ask again");
        assert_eq!(a.take(ip, "b"), Err(Refusal::Taken));
        a.release(ip, "b");
        assert_eq!(a.owner(ip), Some("a"), "only the holder releases");
        a.release(ip, "a");
        assert_eq!(a.owner(ip), Some("a"), "one take is still outstanding");
        a.release(ip, "a");
        assert_eq!(a.owner(ip), None);
        assert_eq!(
            a.take(Held::Ip(Ipv4Addr::new(10, 97, 0, 5)), "a"),
            Err(Refusal::OutOfRange)
        );
        assert_eq!(a.take(Held::Port(30080), "a"), Ok(()));
        assert_eq!(a.take(Held::Port(30080), "b"), Err(Refusal::Taken));
        assert_eq!(a.take(Held::Port(80), "b"), Err(Refusal::OutOfRange));
    }

    #[test]
    fn dynamic_ports_prefer_the_upper_band_and_fill_the_range() {
        let mut a = allocations("10.96.0.0/22", "30000-30099");
        // 100 ports: offset 16, so the first 84 come from 30016..30099.
        let mut ports: Vec<u16> = (0..84)
            .map(|i| a.take_next_port(&format!("s{i}"), i * 31).unwrap())
            .collect();
        ports.sort();
        assert_eq!(ports.first(), Some(&30016));
        assert_eq!(ports.last(), Some(&30099));
        for i in 84..100 {
            let p = a.take_next_port(&format!("s{i}"), i).unwrap();
            assert!(p < 30016);
        }
        assert_eq!(a.take_next_port("z", 1), Err(Refusal::Full));
    }
}
