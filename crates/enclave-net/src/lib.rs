//! Network intent of the Supervisor (the NSX role's model): CIDRs and settings, IPAM, the
//! NSX Policy topology NCP would create, its diff, and the location of an IP.
//!
//! Pure: no I/O, no clock, no randomness. The shell (the network manager service) keeps an
//! [`Ipam`], persists [`Ipam::state`] after every change, rebuilds the intent with
//! [`topology`] from a [`NetSnapshot`] of the Kubernetes objects, and realizes only what
//! [`diff`] reports.
//!
//! # Settings
//! [`NetworkConfig::default`] is the contract: Namespace Network `10.244.0.0/19` carved into
//! `/28`s, Service CIDR `10.96.0.0/22`, Ingress CIDR `10.15.8.0/24` (VIPs), Egress CIDR
//! `10.15.9.0/24` (SNAT), cluster `domain-c8`, Tier-0 `T0-GW`. [`NetworkConfig::validate`]
//! refuses overlapping ranges, ranges touching `0.0.0.0/8`, loopback or multicast, a subnet
//! prefix shorter than the Namespace Network or longer than /30, a Namespace Network larger
//! than a /8, and ids unusable in NSX paths. System namespaces (`default`, `kube-system`,
//! `kube-public`, `kube-node-lease`, `vmware-system-*`) share one Tier-1; every other namespace,
//! `svc-*` included, gets its own.
//!
//! # IPAM
//! - [`Ipam::setup_namespace`] gives a namespace its Tier-1 id `t1_<uuid>_rtr` (uuid derived
//!   from the namespace uid; the system one from the cluster id), a first subnet (slot 0, the
//!   next free `/28` after the last one carved) and a SNAT IP from the Egress CIDR. Idempotent
//!   for the same uid; another uid under the same name is an error.
//! - [`Ipam::allocate_pod`]: in a subnet, `.0` is the network, `.1` the gateway, the last the
//!   broadcast; pods get the others. The search goes round-robin from the last address handed
//!   out, so a freed address is reused only after a full turn. When every subnet of the
//!   namespace is full a new one is carved (next slot, segment `seg_<ns-uid>_<slot>`); when a
//!   subnet other than the namespace's first becomes empty it is released. MACs are
//!   `04:50:56` plus the low 24 bits of the IP.
//! - [`Ipam::allocate_vip`]: a LoadBalancer VIP per Service uid from the Ingress CIDR,
//!   stable; `spec.loadBalancerIP` is honoured when it is a free usable address (else an
//!   error and the Service keeps its VIP).
//! - [`Ipam::restore_pod`] / [`Ipam::restore_vip`] take back addresses observed after a
//!   restart; a conflict is an error, never an overwrite.
//! - [`Ipam::release_pod`], [`Ipam::release_vip`], [`Ipam::release_namespace`] free them.
//! - Every refused operation returns a [`NetError`] (with its NSX error body,
//!   [`NetError::to_nsx`]) and changes nothing; exhaustion is an error, never a panic.
//!   [`Ipam::from_state`] reloads persisted state and refuses state that does not fit the
//!   configuration or gives one address twice.
//!
//! # Topology
//! [`topology`] builds, with NSX's field names ([`nsx`]): the Tier-0; a Tier-1 per namespace
//! (one shared by the system namespaces) with an `LBService`; a `Segment` per namespace subnet;
//! a `SegmentPort` per pod with an address (`app_id` `nsx.<ns>.<pod>`, IP+MAC binding, tags
//! `ncp/cluster`, `ncp/project`, `ncp/project_uid`, `ncp/node_name` and the pod's labels as
//! scope/tag pairs); a SNAT `PolicyNatRule` per subnet (`nat_<ns-uid>_<slot>`, sequence 100)
//! under `<tier-1>/nat/USER`; per LoadBalancer Service port an `LBPool` (members = endpoints)
//! and an `LBVirtualServer` (`<cluster>_<ns>_<svc>_<port>_<5 letters>`, VIP and port). Objects
//! NCP owns carry `_create_user` [`ncp_principal`] and `_protection: REQUIRE_OVERRIDE`;
//! `_revision` is 0 (the realized state counts revisions). Only what both the snapshot and
//! the IPAM know appears. The snapshot's lists are expected unique by uid.
//! [`ncp_annotations`] gives a namespace's `ncp/router_id`, `ncp/snat_ip`, `ncp/subnet-<n>`,
//! `ls_id-<n>`, `ncp/extpoolid`; [`load_balancer_ingress`] a Service's
//! `status.loadBalancer.ingress`.
//!
//! # Location
//! [`locate`] says what an address is (pod port, gateway, SNAT IP, VIP, Service CIDR,
//! unassigned address of a range, external) with one hash lookup: the data plane and
//! Traceflow must both route with it.

mod bitmap;
mod cidr;
mod config;
mod error;
mod ids;
mod ipam;
mod locate;
mod name;
pub mod nsx;
mod topology;

pub use cidr::Ipv4Cidr;
pub use config::NetworkConfig;
pub use error::{NetError, NsxApiError};
pub use ipam::{
    Cursors, Ipam, IpamState, LoadBalancerVip, MacAddress, NamespaceNetwork, PodAddress,
    ReleasedNamespace,
};
pub use locate::{
    GatewayLocation, Location, PodLocation, Range, SnatLocation, VipLocation, VipPort, locate,
};
pub use name::Name;
pub use topology::{
    Change, ChangeKind, Endpoint, LoadBalancerInfo, LoadBalancerIngress, LoadBalancerPort,
    NamespaceInfo, NetSnapshot, PodInfo, Topology, diff, load_balancer_ingress, ncp_annotations,
    ncp_principal, topology,
};
