//! `locate`: what an IP address is in the topology (a pod's port, a segment gateway, a
//! namespace's SNAT IP, a LoadBalancer VIP, the Service CIDR, an unassigned address of a
//! range, or external). The data plane and Traceflow both route with it.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use crate::nsx::Protocol;
use crate::{Ipv4Cidr, MacAddress, Name, NetworkConfig, Topology};

/// A pod's port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodLocation {
    /// The namespace.
    pub namespace: Name,
    /// The pod's name.
    pub pod: Name,
    /// The pod's uid.
    pub pod_uid: Name,
    /// The node it runs on, if scheduled.
    pub node: Option<Name>,
    /// Its MAC.
    pub mac: MacAddress,
    /// The segment port's path.
    pub port_path: Name,
    /// The segment's path.
    pub segment_path: Name,
    /// The Tier-1's path.
    pub tier1_path: Name,
}

/// The gateway address of a namespace subnet (on its Tier-1's downlink).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayLocation {
    /// The namespace.
    pub namespace: Name,
    /// The subnet.
    pub subnet: Ipv4Cidr,
    /// The segment's path.
    pub segment_path: Name,
    /// The Tier-1's path.
    pub tier1_path: Name,
}

/// A namespace's SNAT IP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnatLocation {
    /// The namespace.
    pub namespace: Name,
    /// The Tier-1 that translates.
    pub tier1_path: Name,
}

/// One port of a VIP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VipPort {
    /// The protocol.
    pub protocol: Protocol,
    /// The port.
    pub port: u16,
    /// The virtual server's path.
    pub virtual_server_path: Name,
    /// The pool's path.
    pub pool_path: Name,
}

/// A LoadBalancer Service's VIP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VipLocation {
    /// The Service's namespace.
    pub namespace: Name,
    /// The Service's name.
    pub service: Name,
    /// The Service's uid.
    pub service_uid: Name,
    /// The Tier-1 carrying its load balancer.
    pub tier1_path: Name,
    /// Its ports, sorted.
    pub ports: Vec<VipPort>,
}

/// A range of the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// The Namespace Network (pod addresses).
    NamespaceNetwork,
    /// The Ingress CIDR (VIPs).
    Ingress,
    /// The Egress CIDR (SNAT IPs).
    Egress,
}

/// What an IP is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location<'a> {
    /// A pod's port.
    Pod(&'a PodLocation),
    /// A segment gateway.
    Gateway(&'a GatewayLocation),
    /// A namespace's SNAT IP.
    Snat(&'a SnatLocation),
    /// A LoadBalancer VIP.
    LoadBalancerVip(&'a VipLocation),
    /// In the Service CIDR (a ClusterIP or a free one: the API server knows which).
    ServiceCidr,
    /// In a range of ours, held by nothing in the topology.
    Unassigned(Range),
    /// Outside every range.
    External,
}

/// An exactly known address.
#[derive(Debug, Clone)]
pub(crate) enum Located {
    Pod(PodLocation),
    Gateway(GatewayLocation),
    Snat(SnatLocation),
    Vip(VipLocation),
}

/// The lookup table of a topology: one hash lookup per address, then a few range checks.
#[derive(Debug, Clone, Default)]
pub(crate) struct Locator {
    exact: HashMap<Ipv4Addr, Located>,
    ranges: Option<Ranges>,
}

#[derive(Debug, Clone)]
struct Ranges {
    namespace_network: Ipv4Cidr,
    service_cidr: Ipv4Cidr,
    ingress_cidr: Ipv4Cidr,
    egress_cidr: Ipv4Cidr,
}

impl Locator {
    pub(crate) fn new(config: &NetworkConfig, capacity: usize) -> Self {
        Locator {
            exact: HashMap::with_capacity(capacity),
            ranges: Some(Ranges {
                namespace_network: config.namespace_network,
                service_cidr: config.service_cidr,
                ingress_cidr: config.ingress_cidr,
                egress_cidr: config.egress_cidr,
            }),
        }
    }

    pub(crate) fn insert(&mut self, ip: Ipv4Addr, located: Located) {
        self.exact.insert(ip, located);
    }

    pub(crate) fn locate(&self, ip: Ipv4Addr) -> Location<'_> {
        match self.exact.get(&ip) {
            Some(Located::Pod(pod)) => return Location::Pod(pod),
            Some(Located::Gateway(gateway)) => return Location::Gateway(gateway),
            Some(Located::Snat(snat)) => return Location::Snat(snat),
            Some(Located::Vip(vip)) => return Location::LoadBalancerVip(vip),
            None => {}
        }
        let Some(ranges) = &self.ranges else {
            return Location::External;
        };
        if ranges.namespace_network.contains(ip) {
            Location::Unassigned(Range::NamespaceNetwork)
        } else if ranges.service_cidr.contains(ip) {
            Location::ServiceCidr
        } else if ranges.ingress_cidr.contains(ip) {
            Location::Unassigned(Range::Ingress)
        } else if ranges.egress_cidr.contains(ip) {
            Location::Unassigned(Range::Egress)
        } else {
            Location::External
        }
    }
}

/// What `ip` is in `topology`: one hash lookup, then range checks (no scan over ports).
pub fn locate(topology: &Topology, ip: Ipv4Addr) -> Location<'_> {
    topology.locator.locate(ip)
}
