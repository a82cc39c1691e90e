//! NSX Policy objects of the topology (Tier-0, Tier-1, Segment, SegmentPort, PolicyNatRule,
//! LBService, LBVirtualServer, LBPool) with NSX's JSON field names and shapes.

use serde::{Deserialize, Serialize};

use crate::Name;

/// An NSX tag: `{"scope": ..., "tag": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// The scope (`ncp/project`, or a pod label's key).
    pub scope: Name,
    /// The value.
    pub tag: Name,
}

/// The `resource_type` of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResourceType {
    /// A Tier-0 gateway.
    Tier0,
    /// A Tier-1 gateway.
    Tier1,
    /// A segment.
    Segment,
    /// A port of a segment.
    SegmentPort,
    /// A NAT rule of a Tier-1.
    PolicyNatRule,
    /// A load balancer service (attached to a Tier-1).
    #[serde(rename = "LBService")]
    LbService,
    /// A load balancer virtual server (VIP and ports).
    #[serde(rename = "LBVirtualServer")]
    LbVirtualServer,
    /// A load balancer pool (members).
    #[serde(rename = "LBPool")]
    LbPool,
}

impl ResourceType {
    /// The name NSX uses (`LBPool`).
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Tier0 => "Tier0",
            ResourceType::Tier1 => "Tier1",
            ResourceType::Segment => "Segment",
            ResourceType::SegmentPort => "SegmentPort",
            ResourceType::PolicyNatRule => "PolicyNatRule",
            ResourceType::LbService => "LBService",
            ResourceType::LbVirtualServer => "LBVirtualServer",
            ResourceType::LbPool => "LBPool",
        }
    }
}

/// NSX's `_protection` of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Protection {
    /// Only its owner (a principal identity) may change it.
    Protected,
    /// Anyone may change it.
    NotProtected,
    /// A super user may change it with `X-Allow-Overwrite: true` (objects NCP owns).
    RequireOverride,
    /// Unknown.
    Unknown,
}

/// The metadata every NSX Policy object carries. `_revision` is 0 in the intent; the realized
/// state (the shell) counts revisions, and adds the `_create_time`/`_last_modified_time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The object's type.
    pub resource_type: ResourceType,
    /// The id (last path segment).
    pub id: Name,
    /// The display name.
    pub display_name: Name,
    /// The full policy path (`/infra/tier-1s/<id>`).
    pub path: Name,
    /// The parent's path.
    pub parent_path: Name,
    /// The path relative to the parent (the id).
    pub relative_path: Name,
    /// The tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// The revision (optimistic concurrency).
    #[serde(rename = "_revision", default)]
    pub revision: u64,
    /// Whether the system owns it.
    #[serde(rename = "_system_owned", default)]
    pub system_owned: bool,
    /// Who created it.
    #[serde(rename = "_create_user")]
    pub create_user: Name,
    /// Who changed it last.
    #[serde(rename = "_last_modified_user")]
    pub last_modified_user: Name,
    /// Who may change it.
    #[serde(rename = "_protection")]
    pub protection: Protection,
}

/// A Tier-0 gateway (the provider gateway; created by the administrator, not NCP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier0 {
    /// Common metadata.
    #[serde(flatten)]
    pub meta: Metadata,
    /// `ACTIVE_STANDBY`.
    pub ha_mode: Name,
    /// `NON_PREEMPTIVE`.
    pub failover_mode: Name,
    /// Whether the gateway firewall is off.
    pub disable_firewall: bool,
    /// Deprecated allow-list switch (false).
    pub force_whitelisting: bool,
    /// Whether the default rule logs.
    pub default_rule_logging: bool,
}

/// A Tier-1 gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier1 {
    /// Common metadata.
    #[serde(flatten)]
    pub meta: Metadata,
    /// The Tier-0 it connects to.
    pub tier0_path: Name,
    /// `NON_PREEMPTIVE`.
    pub failover_mode: Name,
    /// What it advertises to the Tier-0.
    pub route_advertisement_types: Vec<Name>,
    /// Whether the gateway firewall is off.
    pub disable_firewall: bool,
    /// Deprecated allow-list switch (false).
    pub force_whitelisting: bool,
    /// Whether the default rule logs.
    pub default_rule_logging: bool,
}

/// One subnet of a segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentSubnet {
    /// The gateway with its prefix (`10.244.0.1/28`).
    pub gateway_address: Name,
    /// The network (`10.244.0.0/28`).
    pub network: Name,
}

/// Advanced settings of a segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentAdvancedConfig {
    /// `ON`: connected to its gateway.
    pub connectivity: Name,
}

/// A segment (one per namespace subnet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Common metadata.
    #[serde(flatten)]
    pub meta: Metadata,
    /// The Tier-1 it connects to.
    pub connectivity_path: Name,
    /// Its subnets.
    pub subnets: Vec<SegmentSubnet>,
    /// `ROUTED`.
    #[serde(rename = "type")]
    pub segment_type: Name,
    /// `UP`.
    pub admin_state: Name,
    /// `MTEP`.
    pub replication_mode: Name,
    /// Advanced settings.
    pub advanced_config: SegmentAdvancedConfig,
}

/// How a port attaches its workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortAttachment {
    /// `CHILD` (a container on a parent VIF).
    #[serde(rename = "type")]
    pub attachment_type: Name,
    /// `BOTH`.
    pub allocate_addresses: Name,
    /// `nsx.<namespace>.<pod>`.
    pub app_id: Name,
    /// The parent VIF (derived from the node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_id: Option<Name>,
    /// The attachment id.
    pub id: Name,
}

/// An address bound to a port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortAddressBinding {
    /// The IP.
    pub ip_address: Name,
    /// The MAC.
    pub mac_address: Name,
}

/// A segment port (one per pod with an address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentPort {
    /// Common metadata.
    #[serde(flatten)]
    pub meta: Metadata,
    /// The attachment.
    pub attachment: PortAttachment,
    /// Its IP and MAC.
    pub address_bindings: Vec<PortAddressBinding>,
    /// `UP`.
    pub admin_state: Name,
}

/// A NAT rule of a Tier-1 (SNAT of a namespace subnet to its SNAT IP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyNatRule {
    /// Common metadata.
    #[serde(flatten)]
    pub meta: Metadata,
    /// `SNAT`.
    pub action: Name,
    /// The namespace subnet.
    pub source_network: Name,
    /// The SNAT IP.
    pub translated_network: Name,
    /// 100.
    pub sequence_number: u32,
    /// Whether it applies.
    pub enabled: bool,
    /// Whether it logs.
    pub logging: bool,
}

/// A load balancer service attached to a Tier-1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbService {
    /// Common metadata.
    #[serde(flatten)]
    pub meta: Metadata,
    /// The Tier-1.
    pub connectivity_path: Name,
    /// `SMALL`.
    pub size: Name,
    /// Whether it runs.
    pub enabled: bool,
    /// `INFO`.
    pub error_log_level: Name,
}

/// A virtual server: one port of a LoadBalancer Service on its VIP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbVirtualServer {
    /// Common metadata.
    #[serde(flatten)]
    pub meta: Metadata,
    /// The VIP.
    pub ip_address: Name,
    /// The ports (`["80"]`).
    pub ports: Vec<Name>,
    /// The LB service.
    pub lb_service_path: Name,
    /// The pool.
    pub pool_path: Name,
    /// The application profile (TCP or UDP default profile).
    pub application_profile_path: Name,
    /// Whether it serves.
    pub enabled: bool,
}

/// A pool member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbPoolMember {
    /// The endpoint IP.
    pub ip_address: Name,
    /// The endpoint port.
    pub port: Name,
    /// 1.
    pub weight: u32,
    /// `ENABLED`.
    pub admin_state: Name,
    /// false.
    pub backup_member: bool,
}

/// The SNAT of a pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbSnatTranslation {
    /// `LBSnatAutoMap`.
    #[serde(rename = "type")]
    pub snat_type: Name,
}

/// A pool: the endpoints of one Service port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbPool {
    /// Common metadata.
    #[serde(flatten)]
    pub meta: Metadata,
    /// `ROUND_ROBIN`.
    pub algorithm: Name,
    /// 1.
    pub min_active_members: u32,
    /// The members, sorted.
    pub members: Vec<LbPoolMember>,
    /// The SNAT.
    pub snat_translation: LbSnatTranslation,
}

/// A Service port's protocol, as Kubernetes spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Protocol {
    /// TCP.
    #[serde(rename = "TCP")]
    Tcp,
    /// UDP.
    #[serde(rename = "UDP")]
    Udp,
    /// SCTP.
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    /// `TCP`, `UDP` or `SCTP`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}
