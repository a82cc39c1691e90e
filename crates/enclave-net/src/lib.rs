//! Network intent of the Supervisor (the NSX role's model): CIDRs and settings, IPAM, the
//! NSX Policy topology NCP would create, its diff, and the location of an IP.

mod cidr;
mod config;
mod error;
mod name;

pub use cidr::Ipv4Cidr;
pub use config::NetworkConfig;
pub use error::{NetError, NsxApiError};
pub use name::Name;
