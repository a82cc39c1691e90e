//! Pod IP allocation: the `PodAddresses` trait the runtime asks for a pod's IP, and the
//! placeholder allocator behind it until the network manager exists. Each namespace gets its
//! own subnets (`/28` by default) carved from the Namespace Network, more on demand; the first
//! usable address (`.1`) of a subnet is its segment gateway, pods take addresses from `.2`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};

/// An IPv4 network (`10.244.0.0/19`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Cidr {
    /// The network address.
    pub network: Ipv4Addr,
    /// The prefix length (0-32).
    pub prefix: u8,
}

impl Ipv4Cidr {
    /// The number of addresses in the network.
    pub fn size(&self) -> u64 {
        1u64 << (32 - u32::from(self.prefix.min(32)))
    }

    /// Whether `ip` lies in the network.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let offset = u64::from(u32::from(ip)).wrapping_sub(u64::from(u32::from(self.network)));
        u32::from(ip) >= u32::from(self.network) && offset < self.size()
    }
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl FromStr for Ipv4Cidr {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || AddressError::InvalidCidr(text.to_string());
        let (addr, prefix) = text.split_once('/').ok_or_else(bad)?;
        let addr: Ipv4Addr = addr.parse().map_err(|_| bad())?;
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        if prefix > 32 {
            return Err(bad());
        }
        let mask = if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(prefix))
        };
        if u32::from(addr) & !mask != 0 {
            return Err(bad());
        }
        Ok(Ipv4Cidr {
            network: addr,
            prefix,
        })
    }
}

/// Why an address could not be given or kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Not an IPv4 CIDR with its host bits clear.
    #[error("invalid CIDR {0:?}")]
    InvalidCidr(String),
    /// The subnet prefix does not fit in the pool (or leaves no room for pods).
    #[error("subnet prefix /{subnet_prefix} does not fit in pool {pool}")]
    BadSubnetPrefix {
        /// The pool.
        pool: Ipv4Cidr,
        /// The prefix asked for.
        subnet_prefix: u8,
    },
    /// Every subnet of the pool is taken and the namespace's subnets are full.
    #[error("no free IP address for a pod in namespace {namespace:?}: pool {pool} is exhausted")]
    Exhausted {
        /// The namespace.
        namespace: String,
        /// The pool.
        pool: Ipv4Cidr,
    },
    /// The network manager could not give or keep the address.
    #[error("pod network: {0}")]
    Network(String),
    /// An address that cannot be restored for this pod (outside the pool, a gateway, taken,
    /// or in another namespace's subnet).
    #[error("address {ip} cannot be restored for a pod of namespace {namespace:?}")]
    Unavailable {
        /// The address.
        ip: Ipv4Addr,
        /// The namespace.
        namespace: String,
    },
}

/// Gives pods their IP addresses. The network manager implements it later; until then
/// `SubnetAllocator` does.
pub trait PodAddresses: Send + Sync + 'static {
    /// An address for the pod `uid` of `namespace` (the same one if it already has one).
    fn allocate(&self, namespace: &str, uid: &str) -> Result<Ipv4Addr, AddressError>;
    /// Takes back an address a pod already holds (from its `status.podIP`, after a restart).
    fn restore(&self, namespace: &str, uid: &str, ip: Ipv4Addr) -> Result<(), AddressError>;
    /// Frees the pod's address (no-op for an unknown pod).
    fn release(&self, uid: &str);
}

/// One carved subnet.
#[derive(Debug, Clone)]
struct Subnet {
    namespace: String,
    /// One bit per address of the subnet; set = taken (network, gateway and broadcast are
    /// never handed out and are not marked).
    used: Vec<u64>,
    free: u32,
}

impl Subnet {
    fn is_used(&self, offset: u32) -> bool {
        self.used
            .get((offset / 64) as usize)
            .is_some_and(|word| word & (1 << (offset % 64)) != 0)
    }

    fn set(&mut self, offset: u32, taken: bool) {
        if let Some(word) = self.used.get_mut((offset / 64) as usize) {
            let bit = 1u64 << (offset % 64);
            if taken && *word & bit == 0 {
                *word |= bit;
                self.free = self.free.saturating_sub(1);
            } else if !taken && *word & bit != 0 {
                *word &= !bit;
                self.free += 1;
            }
        }
    }
}

/// The allocator's data, kept apart from its lock so that it is a plain value to test.
#[derive(Debug, Clone)]
pub(crate) struct AllocatorState {
    pool: Ipv4Cidr,
    subnet_prefix: u8,
    /// Carved subnets by index within the pool.
    subnets: BTreeMap<u32, Subnet>,
    /// The subnets of each namespace, in carving order.
    by_namespace: HashMap<String, Vec<u32>>,
    /// Each pod's address: (subnet index, offset within the subnet).
    by_pod: HashMap<String, (u32, u32)>,
}

impl AllocatorState {
    pub(crate) fn new(pool: Ipv4Cidr, subnet_prefix: u8) -> Result<Self, AddressError> {
        // A subnet needs network, gateway, broadcast and at least one pod address.
        if subnet_prefix < pool.prefix || subnet_prefix > 30 {
            return Err(AddressError::BadSubnetPrefix {
                pool,
                subnet_prefix,
            });
        }
        Ok(AllocatorState {
            pool,
            subnet_prefix,
            subnets: BTreeMap::new(),
            by_namespace: HashMap::new(),
            by_pod: HashMap::new(),
        })
    }

    fn subnet_size(&self) -> u32 {
        1u32 << (32 - u32::from(self.subnet_prefix))
    }

    fn subnet_count(&self) -> u32 {
        1u32 << u32::from(self.subnet_prefix - self.pool.prefix)
    }

    fn address(&self, index: u32, offset: u32) -> Ipv4Addr {
        Ipv4Addr::from(
            u32::from(self.pool.network)
                .wrapping_add(index.wrapping_mul(self.subnet_size()))
                .wrapping_add(offset),
        )
    }

    /// Pod offsets of a subnet: from `.2` up to the one before broadcast.
    fn pod_offsets(&self) -> std::ops::Range<u32> {
        2..self.subnet_size() - 1
    }

    fn carve(&mut self, namespace: &str) -> Option<u32> {
        let index = (0..self.subnet_count()).find(|i| !self.subnets.contains_key(i))?;
        let words = self.subnet_size().div_ceil(64) as usize;
        let free = self.pod_offsets().len() as u32;
        self.subnets.insert(
            index,
            Subnet {
                namespace: namespace.to_string(),
                used: vec![0; words],
                free,
            },
        );
        self.by_namespace
            .entry(namespace.to_string())
            .or_default()
            .push(index);
        Some(index)
    }

    pub(crate) fn allocate(
        &mut self,
        namespace: &str,
        uid: &str,
    ) -> Result<Ipv4Addr, AddressError> {
        if let Some(&(index, offset)) = self.by_pod.get(uid) {
            return Ok(self.address(index, offset));
        }
        let existing = self.by_namespace.get(namespace).and_then(|list| {
            list.iter()
                .copied()
                .find(|i| self.subnets.get(i).is_some_and(|s| s.free > 0))
        });
        let index = match existing {
            Some(index) => index,
            None => self
                .carve(namespace)
                .ok_or_else(|| AddressError::Exhausted {
                    namespace: namespace.to_string(),
                    pool: self.pool,
                })?,
        };
        let offsets = self.pod_offsets();
        let subnet = self
            .subnets
            .get_mut(&index)
            .ok_or_else(|| AddressError::Exhausted {
                namespace: namespace.to_string(),
                pool: self.pool,
            })?;
        let offset = offsets
            .clone()
            .find(|o| !subnet.is_used(*o))
            .ok_or_else(|| AddressError::Exhausted {
                namespace: namespace.to_string(),
                pool: self.pool,
            })?;
        subnet.set(offset, true);
        self.by_pod.insert(uid.to_string(), (index, offset));
        Ok(self.address(index, offset))
    }

    pub(crate) fn restore(
        &mut self,
        namespace: &str,
        uid: &str,
        ip: Ipv4Addr,
    ) -> Result<(), AddressError> {
        let unavailable = || AddressError::Unavailable {
            ip,
            namespace: namespace.to_string(),
        };
        if let Some(&(index, offset)) = self.by_pod.get(uid) {
            return if self.address(index, offset) == ip {
                Ok(())
            } else {
                Err(unavailable())
            };
        }
        if !self.pool.contains(ip) {
            return Err(unavailable());
        }
        let relative = u32::from(ip) - u32::from(self.pool.network);
        let (index, offset) = (relative / self.subnet_size(), relative % self.subnet_size());
        if !self.pod_offsets().contains(&offset) {
            return Err(unavailable());
        }
        match self.subnets.get(&index) {
            Some(subnet) if subnet.namespace != namespace || subnet.is_used(offset) => {
                return Err(unavailable());
            }
            Some(_) => {}
            None => {
                let words = self.subnet_size().div_ceil(64) as usize;
                let free = self.pod_offsets().len() as u32;
                self.subnets.insert(
                    index,
                    Subnet {
                        namespace: namespace.to_string(),
                        used: vec![0; words],
                        free,
                    },
                );
                self.by_namespace
                    .entry(namespace.to_string())
                    .or_default()
                    .push(index);
            }
        }
        if let Some(subnet) = self.subnets.get_mut(&index) {
            subnet.set(offset, true);
        }
        self.by_pod.insert(uid.to_string(), (index, offset));
        Ok(())
    }

    pub(crate) fn release(&mut self, uid: &str) {
        if let Some((index, offset)) = self.by_pod.remove(uid)
            && let Some(subnet) = self.subnets.get_mut(&index)
        {
            // The subnet stays with its namespace, as a segment does.
            subnet.set(offset, false);
        }
    }

    /// The subnets carved for `namespace`, in order.
    pub(crate) fn subnets_of(&self, namespace: &str) -> Vec<Ipv4Cidr> {
        self.by_namespace
            .get(namespace)
            .map(|list| {
                list.iter()
                    .map(|&i| Ipv4Cidr {
                        network: self.address(i, 0),
                        prefix: self.subnet_prefix,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The placeholder allocator: per-namespace subnets carved from one pool, in memory (rebuilt
/// from the pods' `status.podIP` when the runtime starts).
#[derive(Debug)]
pub struct SubnetAllocator {
    state: Mutex<AllocatorState>,
}

impl SubnetAllocator {
    /// An allocator over `pool`, carving subnets of `/subnet_prefix`.
    pub fn new(pool: Ipv4Cidr, subnet_prefix: u8) -> Result<Self, AddressError> {
        Ok(SubnetAllocator {
            state: Mutex::new(AllocatorState::new(pool, subnet_prefix)?),
        })
    }

    /// The subnets carved for `namespace`, in order.
    pub fn subnets_of(&self, namespace: &str) -> Vec<Ipv4Cidr> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .subnets_of(namespace)
    }
}

impl PodAddresses for SubnetAllocator {
    fn allocate(&self, namespace: &str, uid: &str) -> Result<Ipv4Addr, AddressError> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .allocate(namespace, uid)
    }

    fn restore(&self, namespace: &str, uid: &str, ip: Ipv4Addr) -> Result<(), AddressError> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .restore(namespace, uid, ip)
    }

    fn release(&self, uid: &str) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .release(uid);
    }
}
