//! Network intent of the Supervisor (the NSX role's model): CIDRs and settings, IPAM, the
//! NSX Policy topology NCP would create, its diff, and the location of an IP.

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
