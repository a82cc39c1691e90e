//! `Ipam`: every address the network manager hands out (namespace subnets, pod IPs and MACs,
//! SNAT IPs, LoadBalancer VIPs), as plain serializable state plus indexes rebuilt from it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::bitmap::Bitmap;
use crate::config::check_id;
use crate::ids::derived_uuid;
use crate::{Ipv4Cidr, Name, NetError, NetworkConfig};

/// A MAC address, written `04:50:56:f4:00:12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddress(pub [u8; 6]);

impl MacAddress {
    /// The MAC of a pod's port: the locally administered prefix `04:50:56` followed by the low
    /// 24 bits of its IP, so it is unique while the Namespace Network is at most a /8 (which
    /// `NetworkConfig::validate` requires) and the same IP always gets the same MAC.
    pub fn for_pod_ip(ip: Ipv4Addr) -> Self {
        let [_, b, c, d] = ip.octets();
        MacAddress([0x04, 0x50, 0x56, b, c, d])
    }
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl FromStr for MacAddress {
    type Err = NetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || NetError::InvalidName {
            what: "MAC address",
            value: text.chars().take(64).collect(),
            reason: "expected six hex pairs separated by ':'",
        };
        let mut bytes = [0u8; 6];
        let mut parts = text.split(':');
        for byte in &mut bytes {
            let part = parts.next().ok_or_else(bad)?;
            if part.len() != 2 {
                return Err(bad());
            }
            *byte = u8::from_str_radix(part, 16).map_err(|_| bad())?;
        }
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(MacAddress(bytes))
    }
}

impl Serialize for MacAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MacAddress {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The network of one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceNetwork {
    /// The namespace's uid (ids of its segments and NAT rules derive from it).
    pub uid: Name,
    /// The id of its Tier-1 (`t1_<uuid>_rtr`; the system Tier-1 for system namespaces).
    pub tier1_id: Name,
    /// Whether the Tier-1 is the shared system one.
    pub shared_tier1: bool,
    /// Its SNAT IP, from the Egress CIDR.
    pub snat_ip: Ipv4Addr,
    /// Its subnets by slot (slot `n` is segment `seg_<uid>_<n>` and annotation
    /// `ncp/subnet-<n>`); the lowest slot is kept while the namespace lives.
    pub subnets: BTreeMap<u32, Ipv4Cidr>,
    /// The last pod address handed out, where the next search starts (so a released address
    /// is not handed out again while others are free).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_allocated: Option<Ipv4Addr>,
}

impl NamespaceNetwork {
    /// The segment id of a subnet slot: `seg_<namespace uid>_<slot>`.
    pub fn segment_id(&self, slot: u32) -> String {
        format!("seg_{}_{slot}", self.uid)
    }
}

/// A pod's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodAddress {
    /// The pod's namespace.
    pub namespace: Name,
    /// Its IP.
    pub ip: Ipv4Addr,
    /// Its port's MAC.
    pub mac: MacAddress,
}

/// A LoadBalancer Service's VIP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadBalancerVip {
    /// The Service's namespace.
    pub namespace: Name,
    /// The VIP, from the Ingress CIDR.
    pub ip: Ipv4Addr,
}

/// Where the next searches start, so that freed subnets and addresses rest before reuse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursors {
    /// The next subnet index of the Namespace Network to try.
    pub subnet: u64,
    /// The next offset in the Egress CIDR to try.
    pub snat: u64,
    /// The next offset in the Ingress CIDR to try.
    pub vip: u64,
}

/// Every allocation, as plain data: what the shell persists. `Ipam::from_state` checks it
/// and rebuilds the indexes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpamState {
    /// Namespace networks by namespace name.
    #[serde(default)]
    pub namespaces: BTreeMap<Name, NamespaceNetwork>,
    /// Pod addresses by pod uid.
    #[serde(default)]
    pub pods: BTreeMap<Name, PodAddress>,
    /// LoadBalancer VIPs by Service uid.
    #[serde(default)]
    pub load_balancers: BTreeMap<Name, LoadBalancerVip>,
    /// Search positions.
    #[serde(default)]
    pub cursors: Cursors,
}

/// What `release_namespace` took back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleasedNamespace {
    /// The namespace's network as it was.
    pub network: Option<NamespaceNetwork>,
    /// The uids of the pods whose addresses were freed.
    pub pods: Vec<Name>,
    /// The uids of the Services whose VIPs were freed.
    pub services: Vec<Name>,
}

/// One carved subnet's use.
#[derive(Debug, Clone)]
struct SubnetUse {
    namespace: Name,
    slot: u32,
    used: Bitmap,
    count: u64,
}

/// Lookups derived from the state (never persisted).
#[derive(Debug, Clone)]
struct Index {
    subnet_count: u64,
    subnet_size: u64,
    carved: Bitmap,
    subnets: HashMap<u64, SubnetUse>,
    snat: Bitmap,
    vips: Bitmap,
    pod_by_ip: HashMap<Ipv4Addr, Name>,
    vips_by_namespace: HashMap<Name, BTreeSet<Name>>,
    /// Free pod addresses per namespace, so a full namespace carves at once.
    free_by_namespace: HashMap<Name, u64>,
    /// Tier-1 ids of namespaces with their own Tier-1.
    tier1_ids: HashMap<Name, Name>,
}

/// The offsets of a pool (Ingress, Egress) that may be handed out: all but network and
/// broadcast, except in /31 and /32.
fn usable(cidr: &Ipv4Cidr) -> (u64, u64) {
    if cidr.prefix() <= 30 {
        (1, cidr.size() - 1)
    } else {
        (0, cidr.size())
    }
}

/// Checks a Kubernetes name or uid that ends up in NSX ids and paths.
fn check_name(what: &'static str, value: &str) -> Result<(), NetError> {
    let reason = if value.is_empty() {
        Some("must not be empty")
    } else if value.len() > 253 {
        Some("is longer than 253 characters")
    } else if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        Some("may hold only letters, digits, '-', '_' and '.'")
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(NetError::InvalidName {
            what,
            value: value.chars().take(64).collect(),
            reason,
        }),
    }
}

/// The IPAM of the Supervisor network: see the crate docs for its rules.
#[derive(Debug, Clone)]
pub struct Ipam {
    config: NetworkConfig,
    state: IpamState,
    index: Index,
}

impl Ipam {
    /// An empty IPAM over a validated configuration.
    pub fn new(config: NetworkConfig) -> Result<Self, NetError> {
        config.validate()?;
        let subnet_count = config
            .namespace_network
            .subnet_count(config.subnet_prefix)?;
        let index = Index {
            subnet_count,
            subnet_size: 1u64 << (32 - u32::from(config.subnet_prefix)),
            carved: Bitmap::new(subnet_count),
            subnets: HashMap::new(),
            snat: Bitmap::new(config.egress_cidr.size()),
            vips: Bitmap::new(config.ingress_cidr.size()),
            pod_by_ip: HashMap::new(),
            vips_by_namespace: HashMap::new(),
            free_by_namespace: HashMap::new(),
            tier1_ids: HashMap::new(),
        };
        Ok(Ipam {
            config,
            state: IpamState::default(),
            index,
        })
    }

    /// The IPAM holding persisted allocations; an error if they do not fit the configuration
    /// (a range changed under them) or contradict each other.
    pub fn from_state(config: NetworkConfig, state: IpamState) -> Result<Self, NetError> {
        let mut ipam = Ipam::new(config)?;
        let inconsistent = |error: NetError| NetError::InconsistentState(error.to_string());
        for (name, network) in &state.namespaces {
            ipam.index_namespace(name, network).map_err(inconsistent)?;
        }
        for (uid, pod) in &state.pods {
            ipam.index_pod(uid, pod).map_err(inconsistent)?;
        }
        for (uid, vip) in &state.load_balancers {
            ipam.index_vip(uid, vip).map_err(inconsistent)?;
        }
        ipam.state = state;
        Ok(ipam)
    }

    /// The allocations, to persist (serde).
    pub fn state(&self) -> &IpamState {
        &self.state
    }

    /// The configuration.
    pub fn config(&self) -> &NetworkConfig {
        &self.config
    }

    /// The network of a namespace.
    pub fn namespace(&self, name: &str) -> Option<&NamespaceNetwork> {
        self.state.namespaces.get(name)
    }

    /// A pod's address.
    pub fn pod(&self, uid: &str) -> Option<&PodAddress> {
        self.state.pods.get(uid)
    }

    /// A Service's VIP.
    pub fn vip(&self, service_uid: &str) -> Option<Ipv4Addr> {
        self.state.load_balancers.get(service_uid).map(|vip| vip.ip)
    }

    /// The id of the Tier-1 shared by the system namespaces: `t1_<uuid>_rtr`, the uuid
    /// derived from the cluster id.
    pub fn system_tier1_id(&self) -> String {
        format!(
            "t1_{}_rtr",
            derived_uuid(&["system-tier1", &self.config.cluster_id])
        )
    }

    /// Sets up the network of a namespace (idempotent for the same uid): its Tier-1 id (the
    /// shared system one for system namespaces), its first subnet and its SNAT IP.
    pub fn setup_namespace(
        &mut self,
        name: &str,
        uid: &str,
    ) -> Result<&NamespaceNetwork, NetError> {
        check_name("namespace", name)?;
        check_name("namespace uid", uid)?;
        if let Some(existing) = self.state.namespaces.get(name) {
            if existing.uid != uid {
                return Err(NetError::NamespaceUidConflict {
                    namespace: name.to_string(),
                    existing_uid: existing.uid.to_string(),
                    uid: uid.to_string(),
                });
            }
        } else {
            let network = self.new_namespace_network(name, uid)?;
            self.index_namespace(name, &network)?;
            let first_subnet = network.subnets.values().next().map(Ipv4Cidr::network);
            if let Some(index) = first_subnet.and_then(|ip| self.subnet_index(ip)) {
                self.state.cursors.subnet = index + 1;
            }
            if let Some(offset) = self.config.egress_cidr.offset_of(network.snat_ip) {
                self.state.cursors.snat = offset + 1;
            }
            self.state.namespaces.insert(Name::from(name), network);
        }
        self.state
            .namespaces
            .get(name)
            .ok_or_else(|| NetError::UnknownNamespace(name.to_string()))
    }

    /// Chooses the resources of a new namespace without changing anything.
    fn new_namespace_network(&self, name: &str, uid: &str) -> Result<NamespaceNetwork, NetError> {
        let shared_tier1 = self.config.is_system_namespace(name);
        let tier1_id = if shared_tier1 {
            self.system_tier1_id()
        } else {
            // A hash collision with another namespace's Tier-1 is astronomically unlikely;
            // still, never share one by accident: rehash with a counter.
            let mut attempt = 0u32;
            loop {
                let counter = attempt.to_string();
                let parts: &[&str] = if attempt == 0 {
                    &["tier1", uid]
                } else {
                    &["tier1", uid, &counter]
                };
                let id = format!("t1_{}_rtr", derived_uuid(parts));
                if !self.index.tier1_ids.contains_key(id.as_str()) || attempt > 16 {
                    break id;
                }
                attempt += 1;
            }
        };
        let egress = self.config.egress_cidr;
        let (lo, hi) = usable(&egress);
        let snat_offset = self
            .index
            .snat
            .first_clear_wrapping(lo, hi, self.state.cursors.snat)
            .ok_or_else(|| NetError::Exhausted {
                range_name: "egress CIDR",
                range: egress,
                what: format!("no SNAT IP for namespace {name:?}"),
            })?;
        let subnet = self.free_subnet().ok_or_else(|| self.no_subnet(name))?;
        Ok(NamespaceNetwork {
            uid: Name::from(uid),
            tier1_id: Name::from(tier1_id),
            shared_tier1,
            snat_ip: egress
                .nth(snat_offset)
                .ok_or_else(|| self.no_subnet(name))?,
            subnets: BTreeMap::from([(0, subnet)]),
            last_allocated: None,
        })
    }

    fn no_subnet(&self, namespace: &str) -> NetError {
        NetError::Exhausted {
            range_name: "namespace network",
            range: self.config.namespace_network,
            what: format!(
                "no free /{} subnet for namespace {namespace:?}",
                self.config.subnet_prefix
            ),
        }
    }

    /// The next uncarved subnet from the cursor on.
    fn free_subnet(&self) -> Option<Ipv4Cidr> {
        let index = self.index.carved.first_clear_wrapping(
            0,
            self.index.subnet_count,
            self.state.cursors.subnet,
        )?;
        self.config
            .namespace_network
            .nth_subnet(self.config.subnet_prefix, index)
    }

    fn subnet_index(&self, ip: Ipv4Addr) -> Option<u64> {
        self.config
            .namespace_network
            .subnet_index_of(ip, self.config.subnet_prefix)
    }

    /// Pod offsets in a subnet: after network and gateway, before broadcast.
    fn pod_offsets(&self) -> (u64, u64) {
        (2, self.index.subnet_size - 1)
    }

    /// Checks a namespace network and adds it to the indexes (all or nothing).
    fn index_namespace(&mut self, name: &str, network: &NamespaceNetwork) -> Result<(), NetError> {
        check_name("namespace", name)?;
        check_name("namespace uid", &network.uid)?;
        check_id("tier-1 id", &network.tier1_id, 255)?;
        if !network.shared_tier1
            && let Some(other) = self.index.tier1_ids.get(network.tier1_id.as_str())
        {
            return Err(NetError::InvalidSetting {
                setting: "tier-1 id",
                reason: format!(
                    "{} already belongs to namespace {other:?}",
                    network.tier1_id
                ),
            });
        }
        let egress = self.config.egress_cidr;
        let (lo, hi) = usable(&egress);
        let snat_offset = egress
            .offset_of(network.snat_ip)
            .filter(|offset| (lo..hi).contains(offset))
            .ok_or_else(|| NetError::AddressUnavailable {
                ip: network.snat_ip,
                holder: format!("namespace {name}"),
                reason: format!("not a usable address of the egress CIDR {egress}"),
            })?;
        if self.index.snat.get(snat_offset) {
            return Err(NetError::AddressUnavailable {
                ip: network.snat_ip,
                holder: format!("namespace {name}"),
                reason: "SNAT IP of another namespace".to_string(),
            });
        }
        if network.subnets.is_empty() {
            return Err(NetError::InvalidSetting {
                setting: "namespace subnets",
                reason: format!("namespace {name:?} has no subnet"),
            });
        }
        let mut indexes = Vec::with_capacity(network.subnets.len());
        for subnet in network.subnets.values() {
            let index = self
                .subnet_index(subnet.network())
                .filter(|_| subnet.prefix() == self.config.subnet_prefix)
                .filter(|index| !self.index.carved.get(*index) && !indexes.contains(index))
                .ok_or_else(|| NetError::AddressUnavailable {
                    ip: subnet.network(),
                    holder: format!("namespace {name}"),
                    reason: format!(
                        "{subnet} is not a free /{} of the namespace network {}",
                        self.config.subnet_prefix, self.config.namespace_network
                    ),
                })?;
            indexes.push(index);
        }
        // Checked: now index.
        let name = Name::from(name);
        let (plo, phi) = self.pod_offsets();
        self.index.snat.set(snat_offset, true);
        for (index, &slot) in indexes.iter().zip(network.subnets.keys()) {
            self.index.carved.set(*index, true);
            self.index.subnets.insert(
                *index,
                SubnetUse {
                    namespace: name.clone(),
                    slot,
                    used: Bitmap::new(self.index.subnet_size),
                    count: 0,
                },
            );
        }
        self.index
            .free_by_namespace
            .insert(name.clone(), (phi - plo) * indexes.len() as u64);
        if !network.shared_tier1 {
            self.index
                .tier1_ids
                .insert(network.tier1_id.clone(), name.clone());
        }
        Ok(())
    }

    /// Checks where `ip` can go for a pod of `namespace`: (subnet index, offset, whether the
    /// subnet must be carved first).
    fn pod_place(
        &self,
        namespace: &str,
        uid: &str,
        ip: Ipv4Addr,
    ) -> Result<(u64, u64, bool), NetError> {
        let unavailable = |reason: String| NetError::AddressUnavailable {
            ip,
            holder: format!("pod {uid}"),
            reason,
        };
        let network = self.config.namespace_network;
        let index = self
            .subnet_index(ip)
            .ok_or_else(|| unavailable(format!("outside the namespace network {network}")))?;
        let subnet = Ipv4Cidr::containing(ip, self.config.subnet_prefix);
        let offset = subnet.offset_of(ip).unwrap_or(0);
        let (lo, hi) = self.pod_offsets();
        if !(lo..hi).contains(&offset) {
            return Err(unavailable(format!(
                "the network, gateway or broadcast address of {subnet}"
            )));
        }
        match self.index.subnets.get(&index) {
            Some(used) if used.namespace != namespace => Err(unavailable(format!(
                "{subnet} belongs to namespace {:?}",
                used.namespace
            ))),
            Some(used) if used.used.get(offset) => {
                let holder = self
                    .index
                    .pod_by_ip
                    .get(&ip)
                    .map(|uid| format!("pod {uid}"))
                    .unwrap_or_else(|| "another pod".to_string());
                Err(unavailable(format!("held by {holder}")))
            }
            Some(_) => Ok((index, offset, false)),
            None => Ok((index, offset, true)),
        }
    }

    /// Adds a checked pod address to the indexes, carving its subnet for its namespace first
    /// if needed (the namespace's network in the state gets the subnet too).
    fn take_pod_address(
        &mut self,
        namespace: &Name,
        uid: &Name,
        index: u64,
        offset: u64,
        carve: bool,
    ) {
        let (lo, hi) = self.pod_offsets();
        if carve {
            let Some(subnet) = self
                .config
                .namespace_network
                .nth_subnet(self.config.subnet_prefix, index)
            else {
                return;
            };
            let Some(network) = self.state.namespaces.get_mut(namespace.as_str()) else {
                return;
            };
            let slot = (0u32..)
                .find(|slot| !network.subnets.contains_key(slot))
                .unwrap_or(u32::MAX);
            network.subnets.insert(slot, subnet);
            self.index.carved.set(index, true);
            self.index.subnets.insert(
                index,
                SubnetUse {
                    namespace: namespace.clone(),
                    slot,
                    used: Bitmap::new(self.index.subnet_size),
                    count: 0,
                },
            );
            *self
                .index
                .free_by_namespace
                .entry(namespace.clone())
                .or_default() += hi - lo;
            self.state.cursors.subnet = index + 1;
        }
        if let Some(used) = self.index.subnets.get_mut(&index) {
            used.used.set(offset, true);
            used.count += 1;
        }
        if let Some(free) = self.index.free_by_namespace.get_mut(namespace.as_str()) {
            *free = free.saturating_sub(1);
        }
        let base =
            u64::from(self.config.namespace_network.first()) + index * self.index.subnet_size;
        if let Ok(ip) = u32::try_from(base + offset).map(Ipv4Addr::from) {
            self.index.pod_by_ip.insert(ip, uid.clone());
        }
    }

    /// Checks a persisted pod address and indexes it.
    fn index_pod(&mut self, uid: &Name, pod: &PodAddress) -> Result<(), NetError> {
        check_name("pod uid", uid)?;
        if !self.state.namespaces.contains_key(pod.namespace.as_str())
            && !self
                .index
                .free_by_namespace
                .contains_key(pod.namespace.as_str())
        {
            return Err(NetError::UnknownNamespace(pod.namespace.to_string()));
        }
        let (index, offset, carve) = self.pod_place(&pod.namespace, uid, pod.ip)?;
        if carve {
            return Err(NetError::AddressUnavailable {
                ip: pod.ip,
                holder: format!("pod {uid}"),
                reason: format!("not in a subnet of namespace {:?}", pod.namespace),
            });
        }
        self.take_pod_address(&pod.namespace, uid, index, offset, false);
        Ok(())
    }

    /// Gives the pod `uid` of `namespace` an address and MAC (the same ones if it already has
    /// them): the next free address after the last one handed out in the namespace's subnets,
    /// a new subnet when they are all full.
    pub fn allocate_pod(&mut self, namespace: &str, uid: &str) -> Result<PodAddress, NetError> {
        if let Some(pod) = self.existing_pod(namespace, uid)? {
            return Ok(pod);
        }
        check_name("pod uid", uid)?;
        let network = self
            .state
            .namespaces
            .get(namespace)
            .ok_or_else(|| NetError::UnknownNamespace(namespace.to_string()))?;
        let found = if self
            .index
            .free_by_namespace
            .get(namespace)
            .copied()
            .unwrap_or(0)
            > 0
        {
            self.find_pod_address(network)
        } else {
            None
        };
        let (index, offset, carve) = match found {
            Some((index, offset)) => (index, offset, false),
            None => {
                let subnet = self
                    .free_subnet()
                    .ok_or_else(|| self.no_subnet(namespace))?;
                let index = self
                    .subnet_index(subnet.network())
                    .ok_or_else(|| self.no_subnet(namespace))?;
                (index, self.pod_offsets().0, true)
            }
        };
        let namespace = Name::from(namespace);
        let uid = Name::from(uid);
        self.take_pod_address(&namespace, &uid, index, offset, carve);
        let base =
            u64::from(self.config.namespace_network.first()) + index * self.index.subnet_size;
        let ip = u32::try_from(base + offset)
            .map(Ipv4Addr::from)
            .map_err(|_| self.no_subnet(&namespace))?;
        Ok(self.record_pod(namespace, uid, ip))
    }

    fn record_pod(&mut self, namespace: Name, uid: Name, ip: Ipv4Addr) -> PodAddress {
        if let Some(network) = self.state.namespaces.get_mut(namespace.as_str()) {
            network.last_allocated = Some(ip);
        }
        let pod = PodAddress {
            namespace,
            ip,
            mac: MacAddress::for_pod_ip(ip),
        };
        self.state.pods.insert(uid, pod.clone());
        pod
    }

    /// The pod's current address, or an error if it is known in another namespace.
    fn existing_pod(&self, namespace: &str, uid: &str) -> Result<Option<PodAddress>, NetError> {
        match self.state.pods.get(uid) {
            Some(pod) if pod.namespace != namespace => Err(NetError::WrongNamespace {
                holder: format!("pod {uid}"),
                existing: pod.namespace.to_string(),
                namespace: namespace.to_string(),
            }),
            Some(pod) => Ok(Some(pod.clone())),
            None => Ok(None),
        }
    }

    /// Round-robin search over the namespace's subnets, from just after the last address
    /// handed out.
    fn find_pod_address(&self, network: &NamespaceNetwork) -> Option<(u64, u64)> {
        let (lo, hi) = self.pod_offsets();
        let (start_slot, start_offset) = network
            .last_allocated
            .and_then(|ip| {
                let index = self.subnet_index(ip)?;
                let used = self.index.subnets.get(&index)?;
                let offset = Ipv4Cidr::containing(ip, self.config.subnet_prefix).offset_of(ip)?;
                Some((used.slot, offset + 1))
            })
            .unwrap_or((0, lo));
        let subnets = network.subnets.range(start_slot..);
        let wrapped = network.subnets.range(..start_slot);
        let index_of = |subnet: &Ipv4Cidr| self.subnet_index(subnet.network());
        for (position, (&slot, subnet)) in subnets.chain(wrapped).enumerate() {
            let index = index_of(subnet)?;
            let used = &self.index.subnets.get(&index)?.used;
            let from = if position == 0 && slot == start_slot {
                start_offset
            } else {
                lo
            };
            if let Some(offset) = used.first_clear_in(from, hi) {
                return Some((index, offset));
            }
        }
        // Back to the start subnet, before the last address handed out.
        let (_, subnet) = network.subnets.range(start_slot..).next()?;
        let index = index_of(subnet)?;
        let offset = self
            .index
            .subnets
            .get(&index)?
            .used
            .first_clear_in(lo, start_offset.min(hi))?;
        Some((index, offset))
    }

    /// Takes back an address a pod already holds (observed after a restart). Idempotent for
    /// the same address; an error, changing nothing, if the pod holds another address, the
    /// address is held by another pod or belongs to another namespace's subnet, or is not a
    /// pod address of the Namespace Network. A free subnet is carved for the namespace.
    pub fn restore_pod(
        &mut self,
        namespace: &str,
        uid: &str,
        ip: Ipv4Addr,
    ) -> Result<PodAddress, NetError> {
        if let Some(pod) = self.existing_pod(namespace, uid)? {
            return if pod.ip == ip {
                Ok(pod)
            } else {
                Err(NetError::AlreadyHolds {
                    holder: format!("pod {uid}"),
                    existing: pod.ip,
                    ip,
                })
            };
        }
        check_name("pod uid", uid)?;
        if !self.state.namespaces.contains_key(namespace) {
            return Err(NetError::UnknownNamespace(namespace.to_string()));
        }
        let (index, offset, carve) = self.pod_place(namespace, uid, ip)?;
        let namespace = Name::from(namespace);
        let uid = Name::from(uid);
        let cursor = self.state.cursors.subnet;
        self.take_pod_address(&namespace, &uid, index, offset, carve);
        // A restore does not move the carving cursor.
        self.state.cursors.subnet = cursor;
        let last = self
            .state
            .namespaces
            .get(namespace.as_str())
            .and_then(|network| network.last_allocated);
        let pod = self.record_pod(namespace.clone(), uid, ip);
        if let Some(network) = self.state.namespaces.get_mut(namespace.as_str()) {
            network.last_allocated = last.or(Some(ip));
        }
        Ok(pod)
    }

    /// Frees a pod's address (`None` for an unknown pod). A subnet that becomes empty is
    /// released unless it is the namespace's first.
    pub fn release_pod(&mut self, uid: &str) -> Option<PodAddress> {
        let pod = self.state.pods.remove(uid)?;
        self.index.pod_by_ip.remove(&pod.ip);
        let index = self.subnet_index(pod.ip)?;
        let offset = Ipv4Cidr::containing(pod.ip, self.config.subnet_prefix).offset_of(pod.ip)?;
        if let Some(free) = self.index.free_by_namespace.get_mut(pod.namespace.as_str()) {
            *free += 1;
        }
        let used = self.index.subnets.get_mut(&index)?;
        used.used.set(offset, false);
        used.count = used.count.saturating_sub(1);
        let (empty, slot) = (used.count == 0, used.slot);
        let network = self.state.namespaces.get_mut(pod.namespace.as_str())?;
        let first_slot = network.subnets.keys().next().copied();
        if empty && first_slot != Some(slot) {
            network.subnets.remove(&slot);
            self.index.subnets.remove(&index);
            self.index.carved.set(index, false);
            let (lo, hi) = (2, self.index.subnet_size - 1);
            if let Some(free) = self.index.free_by_namespace.get_mut(pod.namespace.as_str()) {
                *free = free.saturating_sub(hi - lo);
            }
        }
        Some(pod)
    }

    /// Checks a VIP for a Service: usable in the Ingress CIDR and free (or already its own).
    fn vip_offset(&self, service_uid: &str, ip: Ipv4Addr) -> Result<u64, NetError> {
        let ingress = self.config.ingress_cidr;
        let (lo, hi) = usable(&ingress);
        let unavailable = |reason: String| NetError::AddressUnavailable {
            ip,
            holder: format!("service {service_uid}"),
            reason,
        };
        let offset = ingress
            .offset_of(ip)
            .filter(|offset| (lo..hi).contains(offset))
            .ok_or_else(|| {
                unavailable(format!(
                    "not a usable address of the ingress CIDR {ingress}"
                ))
            })?;
        if self.index.vips.get(offset) && self.vip(service_uid) != Some(ip) {
            return Err(unavailable("the VIP of another Service".to_string()));
        }
        Ok(offset)
    }

    fn index_vip(&mut self, uid: &Name, vip: &LoadBalancerVip) -> Result<(), NetError> {
        check_name("service uid", uid)?;
        if !self.state.namespaces.contains_key(vip.namespace.as_str())
            && !self
                .index
                .free_by_namespace
                .contains_key(vip.namespace.as_str())
        {
            return Err(NetError::UnknownNamespace(vip.namespace.to_string()));
        }
        let offset = self.vip_offset(uid, vip.ip)?;
        if self.index.vips.get(offset) {
            return Err(NetError::AddressUnavailable {
                ip: vip.ip,
                holder: format!("service {uid}"),
                reason: "the VIP of another Service".to_string(),
            });
        }
        self.index.vips.set(offset, true);
        self.index
            .vips_by_namespace
            .entry(vip.namespace.clone())
            .or_default()
            .insert(uid.clone());
        Ok(())
    }

    fn existing_vip(
        &self,
        namespace: &str,
        service_uid: &str,
    ) -> Result<Option<Ipv4Addr>, NetError> {
        match self.state.load_balancers.get(service_uid) {
            Some(vip) if vip.namespace != namespace => Err(NetError::WrongNamespace {
                holder: format!("service {service_uid}"),
                existing: vip.namespace.to_string(),
                namespace: namespace.to_string(),
            }),
            Some(vip) => Ok(Some(vip.ip)),
            None => Ok(None),
        }
    }

    /// The VIP of a LoadBalancer Service from the Ingress CIDR, stable once given. A
    /// `requested` address (`spec.loadBalancerIP`) is honoured if it is a usable, free
    /// address of the Ingress CIDR (the Service moves to it); otherwise an error, and the
    /// Service keeps what it had.
    pub fn allocate_vip(
        &mut self,
        namespace: &str,
        service_uid: &str,
        requested: Option<Ipv4Addr>,
    ) -> Result<Ipv4Addr, NetError> {
        let existing = self.existing_vip(namespace, service_uid)?;
        if let Some(ip) = existing
            && requested.is_none_or(|requested| requested == ip)
        {
            return Ok(ip);
        }
        check_name("service uid", service_uid)?;
        if !self.state.namespaces.contains_key(namespace) {
            return Err(NetError::UnknownNamespace(namespace.to_string()));
        }
        let ingress = self.config.ingress_cidr;
        let offset = match requested {
            Some(ip) => self.vip_offset(service_uid, ip)?,
            None => {
                let (lo, hi) = usable(&ingress);
                let offset = self
                    .index
                    .vips
                    .first_clear_wrapping(lo, hi, self.state.cursors.vip)
                    .ok_or_else(|| NetError::Exhausted {
                        range_name: "ingress CIDR",
                        range: ingress,
                        what: format!("no VIP for service {service_uid}"),
                    })?;
                self.state.cursors.vip = offset + 1;
                offset
            }
        };
        let ip = ingress.nth(offset).ok_or_else(|| NetError::Exhausted {
            range_name: "ingress CIDR",
            range: ingress,
            what: format!("no VIP for service {service_uid}"),
        })?;
        if existing.is_some() {
            self.release_vip(service_uid);
        }
        self.take_vip(Name::from(namespace), Name::from(service_uid), offset, ip);
        Ok(ip)
    }

    fn take_vip(&mut self, namespace: Name, uid: Name, offset: u64, ip: Ipv4Addr) {
        self.index.vips.set(offset, true);
        self.index
            .vips_by_namespace
            .entry(namespace.clone())
            .or_default()
            .insert(uid.clone());
        self.state
            .load_balancers
            .insert(uid, LoadBalancerVip { namespace, ip });
    }

    /// Takes back a VIP a Service already holds (from its `status.loadBalancer`, after a
    /// restart); idempotent for the same address, an error if the Service holds another one
    /// or the address is not free and usable.
    pub fn restore_vip(
        &mut self,
        namespace: &str,
        service_uid: &str,
        ip: Ipv4Addr,
    ) -> Result<(), NetError> {
        if let Some(existing) = self.existing_vip(namespace, service_uid)? {
            return if existing == ip {
                Ok(())
            } else {
                Err(NetError::AlreadyHolds {
                    holder: format!("service {service_uid}"),
                    existing,
                    ip,
                })
            };
        }
        check_name("service uid", service_uid)?;
        if !self.state.namespaces.contains_key(namespace) {
            return Err(NetError::UnknownNamespace(namespace.to_string()));
        }
        let offset = self.vip_offset(service_uid, ip)?;
        self.take_vip(Name::from(namespace), Name::from(service_uid), offset, ip);
        Ok(())
    }

    /// Frees a Service's VIP (`None` if it had none).
    pub fn release_vip(&mut self, service_uid: &str) -> Option<Ipv4Addr> {
        let vip = self.state.load_balancers.remove(service_uid)?;
        if let Some(offset) = self.config.ingress_cidr.offset_of(vip.ip) {
            self.index.vips.set(offset, false);
        }
        if let Some(uids) = self.index.vips_by_namespace.get_mut(vip.namespace.as_str()) {
            uids.remove(service_uid);
            if uids.is_empty() {
                self.index.vips_by_namespace.remove(vip.namespace.as_str());
            }
        }
        Some(vip.ip)
    }

    /// Frees everything of a namespace: its subnets, SNAT IP, pod addresses and VIPs.
    pub fn release_namespace(&mut self, name: &str) -> ReleasedNamespace {
        let mut released = ReleasedNamespace::default();
        if let Some(uids) = self.index.vips_by_namespace.get(name).cloned() {
            for uid in uids {
                self.release_vip(&uid);
                released.services.push(uid);
            }
        }
        let Some(network) = self.state.namespaces.remove(name) else {
            return released;
        };
        let (lo, hi) = self.pod_offsets();
        for subnet in network.subnets.values() {
            let Some(index) = self.subnet_index(subnet.network()) else {
                continue;
            };
            if let Some(used) = self.index.subnets.remove(&index) {
                for offset in (lo..hi).filter(|offset| used.used.get(*offset)) {
                    let Some(ip) = subnet.nth(offset) else {
                        continue;
                    };
                    if let Some(uid) = self.index.pod_by_ip.remove(&ip) {
                        self.state.pods.remove(uid.as_str());
                        released.pods.push(uid);
                    }
                }
            }
            self.index.carved.set(index, false);
        }
        if let Some(offset) = self.config.egress_cidr.offset_of(network.snat_ip) {
            self.index.snat.set(offset, false);
        }
        if !network.shared_tier1 {
            self.index.tier1_ids.remove(network.tier1_id.as_str());
        }
        self.index.free_by_namespace.remove(name);
        released.pods.sort();
        released.network = Some(network);
        released
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    fn ipam() -> Ipam {
        Ipam::new(NetworkConfig::default()).unwrap()
    }

    /// A configuration small enough to exhaust: four /28s, a /30 of VIPs, a /30 of SNAT IPs.
    fn small() -> Ipam {
        Ipam::new(NetworkConfig {
            namespace_network: "10.244.0.0/26".parse().unwrap(),
            ingress_cidr: "10.15.8.0/30".parse().unwrap(),
            egress_cidr: "10.15.9.0/30".parse().unwrap(),
            ..NetworkConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn namespace_setup() {
        let mut ipam = ipam();
        let network = ipam
            .setup_namespace("ns-hackazon-app", "uid-a")
            .unwrap()
            .clone();
        assert!(network.tier1_id.starts_with("t1_") && network.tier1_id.ends_with("_rtr"));
        assert_eq!(network.tier1_id.len(), "t1_".len() + 36 + "_rtr".len());
        assert!(!network.shared_tier1);
        assert_eq!(network.snat_ip, ip("10.15.9.1"));
        assert_eq!(network.subnets[&0].to_string(), "10.244.0.0/28");
        assert_eq!(network.segment_id(0), "seg_uid-a_0");
        // Idempotent, and the Tier-1 id is a function of the uid.
        assert_eq!(
            ipam.setup_namespace("ns-hackazon-app", "uid-a").unwrap(),
            &network
        );
        let mut other = self::ipam();
        other.setup_namespace("first", "uid-0").unwrap();
        assert_eq!(
            other.setup_namespace("renamed", "uid-a").unwrap().tier1_id,
            network.tier1_id
        );
        let conflict = ipam
            .setup_namespace("ns-hackazon-app", "uid-b")
            .unwrap_err();
        assert!(
            matches!(conflict, NetError::NamespaceUidConflict { .. }),
            "{conflict}"
        );
        // System namespaces share one Tier-1 but have their own subnet and SNAT IP.
        let system = ipam
            .setup_namespace("kube-system", "uid-k")
            .unwrap()
            .clone();
        let default = ipam.setup_namespace("default", "uid-d").unwrap().clone();
        assert!(system.shared_tier1 && default.shared_tier1);
        assert_eq!(system.tier1_id, default.tier1_id);
        assert_eq!(system.tier1_id, ipam.system_tier1_id());
        assert_ne!(system.subnets[&0], default.subnets[&0]);
        assert_ne!(system.snat_ip, default.snat_ip);
        for bad in ["", "a/b", "x y", &"n".repeat(254)] {
            assert!(ipam.setup_namespace(bad, "uid-z").is_err(), "{bad:?}");
            assert!(ipam.setup_namespace("fine", bad).is_err(), "{bad:?}");
        }
        assert!(ipam.namespace("fine").is_none());
    }

    #[test]
    fn pod_addresses_fill_and_carve_subnets() {
        let mut ipam = ipam();
        ipam.setup_namespace("ns", "uid-ns").unwrap();
        assert!(matches!(
            ipam.allocate_pod("nope", "p"),
            Err(NetError::UnknownNamespace(_))
        ));
        let mut ips = Vec::new();
        for n in 0..13 {
            ips.push(ipam.allocate_pod("ns", &format!("pod-{n}")).unwrap().ip);
        }
        // .0 network, .1 gateway, .15 broadcast are never handed out.
        assert_eq!(ips.first(), Some(&ip("10.244.0.2")));
        assert_eq!(ips.last(), Some(&ip("10.244.0.14")));
        let again = ipam.allocate_pod("ns", "pod-3").unwrap();
        assert_eq!(again.ip, ip("10.244.0.5"));
        assert_eq!(again.mac.to_string(), "04:50:56:f4:00:05");
        // The 14th pod gets a new /28 in slot 1.
        let extra = ipam.allocate_pod("ns", "pod-13").unwrap();
        assert_eq!(extra.ip, ip("10.244.0.18"));
        let subnets: Vec<String> = ipam
            .namespace("ns")
            .unwrap()
            .subnets
            .values()
            .map(ToString::to_string)
            .collect();
        assert_eq!(subnets, ["10.244.0.0/28", "10.244.0.16/28"]);
        // A pod can not move namespaces by asking.
        ipam.setup_namespace("other", "uid-other").unwrap();
        assert!(matches!(
            ipam.allocate_pod("other", "pod-3"),
            Err(NetError::WrongNamespace { .. })
        ));
        // The extra subnet goes when it empties; the first one stays.
        assert_eq!(ipam.release_pod("pod-13").unwrap().ip, extra.ip);
        assert_eq!(ipam.namespace("ns").unwrap().subnets.len(), 1);
        assert!(ipam.release_pod("pod-13").is_none());
        for n in 0..13 {
            ipam.release_pod(&format!("pod-{n}"));
        }
        assert_eq!(ipam.namespace("ns").unwrap().subnets.len(), 1);
        assert!(ipam.state().pods.is_empty());
    }

    #[test]
    fn released_addresses_rest_while_others_are_free() {
        let mut ipam = ipam();
        ipam.setup_namespace("ns", "uid-ns").unwrap();
        let a = ipam.allocate_pod("ns", "a").unwrap().ip;
        let b = ipam.allocate_pod("ns", "b").unwrap().ip;
        ipam.release_pod("a");
        let c = ipam.allocate_pod("ns", "c").unwrap().ip;
        assert_ne!(c, a);
        assert_ne!(c, b);
        // After a full turn the freed address comes back.
        let mut seen = vec![c];
        for n in 0..11 {
            seen.push(ipam.allocate_pod("ns", &format!("fill-{n}")).unwrap().ip);
        }
        assert_eq!(seen.last(), Some(&a));
    }

    #[test]
    fn restore_never_overwrites() {
        let mut ipam = ipam();
        ipam.setup_namespace("ns", "uid-ns").unwrap();
        ipam.setup_namespace("other", "uid-other").unwrap();
        let held = ipam.allocate_pod("ns", "a").unwrap().ip;
        assert_eq!(ipam.restore_pod("ns", "a", held).unwrap().ip, held);
        let before = ipam.state().clone();
        let cases = [
            ("ns", "a", "10.244.0.9"),    // holds another address
            ("ns", "b", "10.244.0.2"),    // held by a
            ("ns", "b", "10.244.0.1"),    // gateway
            ("ns", "b", "10.244.0.0"),    // network
            ("ns", "b", "10.244.0.15"),   // broadcast
            ("ns", "b", "10.244.0.18"),   // other's subnet
            ("ns", "b", "10.96.0.10"),    // outside
            ("other", "a", "10.244.0.2"), // a is in ns
            ("missing", "b", "10.244.0.3"),
            ("ns", "b/c", "10.244.0.3"),
        ];
        for (namespace, uid, address) in cases {
            let error = ipam.restore_pod(namespace, uid, ip(address)).unwrap_err();
            assert!(!error.to_string().is_empty());
            assert_eq!(
                ipam.state(),
                &before,
                "{namespace} {uid} {address}: {error}"
            );
        }
        // A free subnet is carved for the namespace on restore, in the next slot.
        let restored = ipam.restore_pod("ns", "b", ip("10.244.1.3")).unwrap();
        assert_eq!(restored.mac, MacAddress::for_pod_ip(ip("10.244.1.3")));
        assert_eq!(
            ipam.namespace("ns").unwrap().subnets[&1].to_string(),
            "10.244.1.0/28"
        );
        assert!(ipam.restore_pod("other", "c", ip("10.244.1.4")).is_err());
        assert_eq!(ipam.allocate_pod("ns", "d").unwrap().ip, ip("10.244.0.3"));
    }

    #[test]
    fn vips_are_stable_and_honour_requests() {
        let mut ipam = ipam();
        ipam.setup_namespace("svc-contour-domain-c8", "uid-c")
            .unwrap();
        ipam.setup_namespace("ns", "uid-ns").unwrap();
        let envoy = ipam
            .allocate_vip("svc-contour-domain-c8", "envoy", None)
            .unwrap();
        assert_eq!(envoy, ip("10.15.8.1"));
        assert_eq!(
            ipam.allocate_vip("svc-contour-domain-c8", "envoy", None)
                .unwrap(),
            envoy
        );
        assert_eq!(
            ipam.allocate_vip("ns", "wanted", Some(ip("10.15.8.77")))
                .unwrap(),
            ip("10.15.8.77")
        );
        for (uid, requested) in [
            ("x", "10.15.8.77"),
            ("x", "10.15.8.0"),
            ("x", "10.15.8.255"),
            ("x", "10.15.9.7"),
        ] {
            let error = ipam
                .allocate_vip("ns", uid, Some(ip(requested)))
                .unwrap_err();
            assert!(
                matches!(error, NetError::AddressUnavailable { .. }),
                "{error}"
            );
        }
        assert_eq!(ipam.vip("x"), None);
        // A refused move keeps the old VIP; a possible one moves.
        assert!(ipam.allocate_vip("ns", "wanted", Some(envoy)).is_err());
        assert_eq!(ipam.vip("wanted"), Some(ip("10.15.8.77")));
        assert_eq!(
            ipam.allocate_vip("ns", "wanted", Some(ip("10.15.8.78")))
                .unwrap(),
            ip("10.15.8.78")
        );
        assert_eq!(
            ipam.allocate_vip("ns", "reuse", Some(ip("10.15.8.77")))
                .unwrap(),
            ip("10.15.8.77")
        );
        assert!(matches!(
            ipam.allocate_vip("ns", "envoy", None),
            Err(NetError::WrongNamespace { .. })
        ));
        assert!(ipam.restore_vip("ns", "reuse", ip("10.15.8.77")).is_ok());
        assert!(ipam.restore_vip("ns", "reuse", ip("10.15.8.79")).is_err());
        assert!(ipam.restore_vip("ns", "new", envoy).is_err());
        assert!(ipam.restore_vip("ns", "new", ip("10.15.8.200")).is_ok());
        assert_eq!(ipam.release_vip("new"), Some(ip("10.15.8.200")));
        assert_eq!(ipam.release_vip("new"), None);
    }

    #[test]
    fn exhaustion_is_an_error_that_changes_nothing() {
        let mut ipam = small();
        // The egress /30 has two usable addresses: a third namespace is refused whole.
        ipam.setup_namespace("a", "uid-a").unwrap();
        ipam.setup_namespace("b", "uid-b").unwrap();
        let before = ipam.state().clone();
        let error = ipam.setup_namespace("c", "uid-c").unwrap_err();
        assert!(
            matches!(
                error,
                NetError::Exhausted {
                    range_name: "egress CIDR",
                    ..
                }
            ),
            "{error}"
        );
        assert_eq!(error.to_nsx().error_code, 500030);
        assert_eq!(ipam.state(), &before);
        // Four /28s of 13 pods: 52 pod addresses in all.
        let mut count = 0;
        let error = loop {
            match ipam.allocate_pod(if count % 2 == 0 { "a" } else { "b" }, &format!("p{count}")) {
                Ok(_) => count += 1,
                Err(error) => break error,
            }
        };
        assert!(count >= 52 - 1, "{count}");
        assert!(
            matches!(
                error,
                NetError::Exhausted {
                    range_name: "namespace network",
                    ..
                }
            ),
            "{error}"
        );
        // Two VIPs in a /30.
        ipam.allocate_vip("a", "s1", None).unwrap();
        ipam.allocate_vip("a", "s2", None).unwrap();
        assert!(matches!(
            ipam.allocate_vip("a", "s3", None),
            Err(NetError::Exhausted { .. })
        ));
    }

    #[test]
    fn release_namespace_frees_everything() {
        let mut ipam = small();
        ipam.setup_namespace("a", "uid-a").unwrap();
        ipam.setup_namespace("b", "uid-b").unwrap();
        for n in 0..20 {
            ipam.allocate_pod("a", &format!("a{n}")).unwrap();
        }
        ipam.allocate_pod("b", "b0").unwrap();
        ipam.allocate_vip("a", "svc-a", None).unwrap();
        ipam.allocate_vip("b", "svc-b", None).unwrap();
        let released = ipam.release_namespace("a");
        assert_eq!(released.pods.len(), 20);
        assert_eq!(released.services, vec![Name::from("svc-a")]);
        assert_eq!(released.network.unwrap().subnets.len(), 2);
        assert_eq!(ipam.state().pods.len(), 1);
        assert_eq!(ipam.state().load_balancers.len(), 1);
        assert_eq!(ipam.release_namespace("a"), ReleasedNamespace::default());
        // Its resources are free again.
        ipam.setup_namespace("c", "uid-c").unwrap();
        for n in 0..26 {
            ipam.allocate_pod("c", &format!("c{n}")).unwrap();
        }
        ipam.allocate_vip("c", "svc-c", None).unwrap();
    }

    #[test]
    fn state_round_trips() {
        let mut ipam = ipam();
        ipam.setup_namespace("kube-system", "uid-k").unwrap();
        ipam.setup_namespace("ns", "uid-ns").unwrap();
        for n in 0..20 {
            ipam.allocate_pod("ns", &format!("p{n}")).unwrap();
        }
        ipam.release_pod("p4");
        ipam.allocate_vip("ns", "svc", None).unwrap();
        let json = serde_json::to_string_pretty(ipam.state()).unwrap();
        let state: IpamState = serde_json::from_str(&json).unwrap();
        assert_eq!(&state, ipam.state());
        let mut restored = Ipam::from_state(NetworkConfig::default(), state).unwrap();
        // Both continue identically.
        for n in 20..30 {
            let uid = format!("p{n}");
            assert_eq!(
                restored.allocate_pod("ns", &uid).unwrap(),
                ipam.allocate_pod("ns", &uid).unwrap()
            );
        }
        assert_eq!(
            restored.allocate_vip("ns", "svc2", None).unwrap(),
            ipam.allocate_vip("ns", "svc2", None).unwrap()
        );
        assert_eq!(
            restored.setup_namespace("x", "uid-x").unwrap(),
            ipam.setup_namespace("x", "uid-x").unwrap()
        );
        assert_eq!(restored.state(), ipam.state());
    }

    #[test]
    fn inconsistent_state_is_refused() {
        let mut ipam = ipam();
        ipam.setup_namespace("ns", "uid-ns").unwrap();
        ipam.setup_namespace("other", "uid-other").unwrap();
        ipam.allocate_pod("ns", "a").unwrap();
        ipam.allocate_vip("ns", "svc", None).unwrap();
        let good = ipam.state().clone();
        let mut twice = good.clone();
        let pod = twice.pods["a"].clone();
        twice.pods.insert(Name::from("b"), pod);
        let mut foreign = good.clone();
        foreign.pods.get_mut("a").unwrap().namespace = Name::from("other");
        let mut shared_subnet = good.clone();
        let subnet = shared_subnet.namespaces["ns"].subnets[&0];
        shared_subnet
            .namespaces
            .get_mut("other")
            .unwrap()
            .subnets
            .insert(1, subnet);
        let mut same_snat = good.clone();
        same_snat.namespaces.get_mut("other").unwrap().snat_ip = good.namespaces["ns"].snat_ip;
        let mut orphan_vip = good.clone();
        orphan_vip.load_balancers.get_mut("svc").unwrap().namespace = Name::from("gone");
        for state in [twice, foreign, shared_subnet, same_snat, orphan_vip] {
            let error = Ipam::from_state(NetworkConfig::default(), state).unwrap_err();
            assert!(matches!(error, NetError::InconsistentState(_)), "{error}");
        }
        // A range changed under the allocations.
        let moved = NetworkConfig {
            namespace_network: "10.128.0.0/19".parse().unwrap(),
            ..NetworkConfig::default()
        };
        assert!(Ipam::from_state(moved, good.clone()).is_err());
        assert!(Ipam::from_state(NetworkConfig::default(), good).is_ok());
    }

    #[test]
    fn mac_addresses_parse_and_print() {
        let mac: MacAddress = "04:50:56:f4:00:12".parse().unwrap();
        assert_eq!(mac.to_string(), "04:50:56:f4:00:12");
        for bad in [
            "",
            "04:50:56:f4:00",
            "04:50:56:f4:00:12:13",
            "g4:50:56:f4:00:12",
            "4:50:56:f4:00:123",
        ] {
            assert!(bad.parse::<MacAddress>().is_err(), "{bad}");
        }
    }
}
