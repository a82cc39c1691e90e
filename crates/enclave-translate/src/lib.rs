//! NCP's translation of Kubernetes objects into the distributed firewall: the namespace
//! defaults (the Supervisor's zero trust or plain Kubernetes), and every NetworkPolicy with
//! its full upstream semantics as an allowlist policy, an isolation policy, groups and
//! services, plus the inventory (segments and pod ports) the rules are evaluated over.
//! Pure: objects in, firewall configuration out; no I/O, no clock.
//!
//! Order in the Application category (ascending policy sequence numbers): every
//! NetworkPolicy's allowlist ([`ALLOWLIST_SEQUENCE`]), then every isolation policy
//! ([`ISOLATION_SEQUENCE`]), then the namespace defaults ([`BASELINE_SEQUENCE`]). Allows of
//! all policies come before any isolation drop, which gives NetworkPolicy's union semantics.

#![warn(missing_docs)]

mod groups;
pub mod ipblock;
pub mod naming;
pub mod placement;
pub mod ports;
pub mod problem;
pub mod selector;
pub mod snapshot;
mod translate;

pub use placement::{Placement, PortPlacement};
pub use problem::{ObjectRef, Problem};
pub use snapshot::{BASELINE_ANNOTATION, Baseline, Settings, Snapshot, SnapshotView};
pub use translate::{
    ALLOWLIST_SEQUENCE, BASELINE_SEQUENCE, ISOLATION_SEQUENCE, Translation, is_system_namespace,
    translate, translate_view,
};

/// What can be wrong with a Kubernetes object the translation reads. Each becomes a
/// [`Problem`] on the object (the shell turns it into an Event); the rest of the object and
/// every other object still translate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranslateError {
    /// A label selector that does not parse (unknown operator, missing values).
    #[error("invalid label selector: {0}")]
    InvalidSelector(String),
    /// An ipBlock CIDR that does not parse.
    #[error("ipBlock cidr {0:?} is not a valid CIDR")]
    InvalidCidr(String),
    /// An ipBlock except entry that does not parse.
    #[error("ipBlock except {0:?} is not a valid CIDR")]
    InvalidExcept(String),
    /// An except entry that is not inside its ipBlock's CIDR.
    #[error("ipBlock except {except:?} must be a strict subset of cidr {cidr:?}")]
    ExceptOutsideCidr {
        /// The block.
        cidr: String,
        /// The entry.
        except: String,
    },
    /// A peer that sets none, or an invalid combination, of its fields.
    #[error("invalid peer: {0}")]
    InvalidPeer(String),
    /// A port, port range or protocol that is out of range or unknown.
    #[error("invalid port: {0}")]
    InvalidPort(String),
    /// A protocol the firewall cannot filter by port.
    #[error("protocol {0} is not supported with ports by the distributed firewall")]
    UnsupportedProtocol(String),
    /// A named port that no pod it applies to declares.
    #[error("named port {name:?} ({protocol}) is not declared by any {on}")]
    NamedPortNotFound {
        /// The port name.
        name: String,
        /// The protocol.
        protocol: String,
        /// Which pods were searched.
        on: String,
    },
    /// An unknown policy type.
    #[error("unsupported policyType {0:?}: Ingress or Egress")]
    InvalidPolicyType(String),
    /// A bad value of the baseline annotation.
    #[error(
        "annotation {annotation} has the invalid value {value:?}: supervisor or allow-cluster; using {used}"
    )]
    InvalidBaseline {
        /// The annotation key.
        annotation: String,
        /// Its value.
        value: String,
        /// The baseline applied instead.
        used: String,
    },
    /// Two objects with the same UID (the later one is ignored).
    #[error("{kind} UID {uid:?} is also used by {other}; this object is ignored")]
    DuplicateUid {
        /// The kind.
        kind: String,
        /// The UID.
        uid: String,
        /// The object that keeps it.
        other: String,
    },
    /// Two pods with the same IP (the later one is not a firewall member).
    #[error("pod IP {ip} is also used by {other}; this pod is not enforced")]
    DuplicateIp {
        /// The IP.
        ip: String,
        /// The pod that keeps it.
        other: String,
    },
}

impl TranslateError {
    /// The Event reason, in Kubernetes' CamelCase style.
    pub fn reason(&self) -> &'static str {
        match self {
            TranslateError::InvalidSelector(_) => "InvalidSelector",
            TranslateError::InvalidCidr(_) | TranslateError::InvalidExcept(_) => "InvalidIPBlock",
            TranslateError::ExceptOutsideCidr { .. } => "ExceptOutsideCIDR",
            TranslateError::InvalidPeer(_) => "InvalidPeer",
            TranslateError::InvalidPort(_) => "InvalidPort",
            TranslateError::UnsupportedProtocol(_) => "UnsupportedProtocol",
            TranslateError::NamedPortNotFound { .. } => "NamedPortNotFound",
            TranslateError::InvalidPolicyType(_) => "InvalidPolicyType",
            TranslateError::InvalidBaseline { .. } => "InvalidBaselinePolicy",
            TranslateError::DuplicateUid { .. } => "DuplicateUID",
            TranslateError::DuplicateIp { .. } => "DuplicatePodIP",
        }
    }
}
