//! The distributed firewall (NSX DFW): the policy model in the Policy API's JSON shapes,
//! validation, rule IDs, the evaluation order, and the reference evaluator that states the
//! semantics. Pure: no I/O, no clock.
//!
//! A flow is judged twice, as NSX does on every vNIC: at the source's port by the OUT and
//! IN_OUT rules applied to it, then at the destination's port by the IN and IN_OUT rules
//! applied to it; it passes only if both sides allow. See [`reference`] for the exact rules.

mod classifier;
pub mod conntrack;
pub mod defaults;
pub mod engine;
pub mod flow;
mod hash;
pub mod intervals;
pub mod literal;
pub mod model;
pub mod reference;
mod resolve;
pub mod rule_ids;
pub mod ruleset;
pub mod stats;
pub mod validate;

pub use conntrack::{ConnTrack, Packet, PacketVerdict};
pub use engine::{Engine, EngineStats, GroupMembers};
pub use flow::{
    Connection, Decision, Flow, Inventory, InventorySegment, Member, MemberId, Side, SideVerdict,
    Verdict,
};
pub use model::{
    Action, Category, Condition, Conjunction, ConnectivityPreference, Direction, Expression,
    FirewallConfig, Group, IpProtocol, ObjectMeta, Rule, SecurityPolicy, Service, ServiceEntry,
    Tag,
};
pub use reference::Reference;
pub use rule_ids::RuleIds;
pub use ruleset::{OrderedRule, PolicyChange, Ruleset};
pub use stats::{RuleStatistics, Stats};
pub use validate::validate;

/// What can be wrong with firewall input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DfwError {
    /// An address literal that does not parse.
    #[error("invalid IP address, CIDR or range {0:?}")]
    InvalidAddress(String),
    /// A port or port range that does not parse or is out of range.
    #[error("invalid port or port range {0:?}: ports are 1-65535, ranges first-last")]
    InvalidPort(String),
    /// An unknown protocol name.
    #[error("invalid protocol {0:?}")]
    InvalidProtocol(String),
    /// A path that names no object.
    #[error("{at}: {path} does not exist")]
    UnknownReference {
        /// Where the reference is.
        at: String,
        /// What it names.
        path: String,
    },
    /// Over one of NSX's limits.
    #[error("too many {what} (at most {limit})")]
    TooMany {
        /// What is counted.
        what: String,
        /// The limit.
        limit: usize,
    },
    /// Any other invalid input.
    #[error("{0}")]
    Invalid(String),
}
