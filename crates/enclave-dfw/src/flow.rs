//! What the firewall judges and what it answers: the inventory of ports that enforce rules,
//! a flow's first packet, and the verdict with the rule that decided each side.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::model::Tag;

/// A segment (one per vSphere Namespace) with its tags (`ncp/project`, `ncp/project_uid`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventorySegment {
    /// The segment's policy path, `/infra/segments/<id>`.
    pub path: String,
    /// Its tags; conditions on `Segment` members look at these.
    pub tags: Vec<Tag>,
}

/// A port that enforces rules: a pod's vNIC on its namespace segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The segment port's policy path, `/infra/segments/<seg>/ports/<id>`.
    pub path: String,
    /// The workload's name (`Name` conditions), e.g. the pod's `<namespace>/<name>`.
    pub name: String,
    /// The path of the segment the port is on.
    pub segment: String,
    /// The port's IPv4 address.
    pub ip: Ipv4Addr,
    /// The port's MAC address, `04:50:56:00:00:01`.
    pub mac: String,
    /// The port's tags: NCP's (`ncp/project`, ...) and the pod's labels as `key|value`.
    pub tags: Vec<Tag>,
}

/// Index of a member in [`Inventory::members`].
pub type MemberId = usize;

/// Everything rules can be applied to and groups can select.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Inventory {
    /// The segments.
    pub segments: Vec<InventorySegment>,
    /// The ports, in any order; a [`MemberId`] is an index into this list.
    pub members: Vec<Member>,
}

impl Inventory {
    /// The segment at `path`.
    pub fn segment(&self, path: &str) -> Option<&InventorySegment> {
        self.segments.iter().find(|s| s.path == path)
    }

    /// The member whose IP is `ip` (the first one, if a broken inventory has two).
    pub fn member_by_ip(&self, ip: Ipv4Addr) -> Option<MemberId> {
        self.members.iter().position(|m| m.ip == ip)
    }
}

/// The first packet of a connection, as the firewall sees it. For ICMP, `src_port` carries
/// the ICMP type and `dst_port` the code, as flow classifiers conventionally do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Flow {
    /// Source address.
    pub src_ip: Ipv4Addr,
    /// Destination address.
    pub dst_ip: Ipv4Addr,
    /// IP protocol number (6 TCP, 17 UDP, 1 ICMP).
    pub protocol: u8,
    /// Source port (ICMP: type).
    pub src_port: u16,
    /// Destination port (ICMP: code).
    pub dst_port: u16,
}

/// A flow and where it is checked: the source's port checks OUT rules, the destination's port
/// checks IN rules. A side outside the inventory (an external address, the load balancer)
/// enforces nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Connection {
    /// The packet.
    pub flow: Flow,
    /// The port that sends it, if it is one of the inventory's.
    pub source: Option<MemberId>,
    /// The port that receives it, if it is one of the inventory's.
    pub destination: Option<MemberId>,
}

/// The outcome for a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    /// The flow passes.
    Allow,
    /// The flow is dropped silently.
    Drop,
    /// The flow is refused (TCP reset, ICMP unreachable).
    Reject,
}

/// Where a rule is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Side {
    /// At the source's port, on the way out (OUT and IN_OUT rules).
    Egress,
    /// At the destination's port, on the way in (IN and IN_OUT rules).
    Ingress,
}

/// The verdict of one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SideVerdict {
    /// The member whose port decided.
    pub member: MemberId,
    /// What happened.
    pub decision: Decision,
    /// The rule that matched, as an index into [`crate::Ruleset::rules`]; none when no rule
    /// matched and the flow passed by default.
    pub rule: Option<usize>,
}

/// The verdict for a connection: the egress side first; the ingress side is checked only if
/// the egress side let the flow out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Verdict {
    /// The overall outcome: Allow only if both sides allow.
    pub decision: Decision,
    /// The source's port, if it is in the inventory.
    pub egress: Option<SideVerdict>,
    /// The destination's port, if it is in the inventory and the flow got that far.
    pub ingress: Option<SideVerdict>,
}

impl Verdict {
    /// Combines the two sides: the first side that does not allow decides.
    pub fn from_sides(egress: Option<SideVerdict>, ingress: Option<SideVerdict>) -> Self {
        let decision = [egress, ingress]
            .into_iter()
            .flatten()
            .map(|s| s.decision)
            .find(|d| *d != Decision::Allow)
            .unwrap_or(Decision::Allow);
        Verdict {
            decision,
            egress,
            ingress,
        }
    }

    /// The side verdict that blocked the flow, if one did.
    pub fn blocking(&self) -> Option<(Side, SideVerdict)> {
        match (self.egress, self.ingress) {
            (Some(e), _) if e.decision != Decision::Allow => Some((Side::Egress, e)),
            (_, Some(i)) if i.decision != Decision::Allow => Some((Side::Ingress, i)),
            _ => None,
        }
    }
}
