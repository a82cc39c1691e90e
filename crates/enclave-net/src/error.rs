//! `NetError`, the crate's one error type, and its NSX `ApiError` body.

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::Ipv4Cidr;

/// Why a network configuration, allocation or restore was refused. Nothing is changed when an
/// operation returns an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// Not an IPv4 CIDR with its host bits clear and a prefix of at most 32.
    #[error("invalid CIDR {0:?}")]
    InvalidCidr(String),
    /// The subnet prefix is shorter than the network's, or leaves no room for a pod.
    #[error("subnet prefix /{subnet_prefix} does not fit in network {network}")]
    BadSubnetPrefix {
        /// The network.
        network: Ipv4Cidr,
        /// The prefix asked for.
        subnet_prefix: u8,
    },
    /// Two ranges of the configuration share addresses.
    #[error("{first_name} {first} overlaps {second_name} {second}")]
    OverlappingRanges {
        /// The setting of the first range.
        first_name: &'static str,
        /// The first range.
        first: Ipv4Cidr,
        /// The setting of the second range.
        second_name: &'static str,
        /// The second range.
        second: Ipv4Cidr,
    },
    /// A setting that is not acceptable (empty id, a range too small to hand out one address...).
    #[error("invalid network setting {setting}: {reason}")]
    InvalidSetting {
        /// The setting.
        setting: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A name or uid that cannot be part of an NSX id or path.
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidName {
        /// What it names (namespace, uid...).
        what: &'static str,
        /// The value (truncated).
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The namespace has no network yet (set it up first).
    #[error("namespace {0:?} has no network")]
    UnknownNamespace(String),
    /// A namespace of that name already has a network under another uid.
    #[error("namespace {namespace:?} already has a network for uid {existing_uid:?}, not {uid:?}")]
    NamespaceUidConflict {
        /// The namespace.
        namespace: String,
        /// The uid its network belongs to.
        existing_uid: String,
        /// The uid asked for.
        uid: String,
    },
    /// A range has no free address (or the Namespace Network no free subnet).
    #[error("{range_name} {range} is exhausted: {what}")]
    Exhausted {
        /// The setting of the range.
        range_name: &'static str,
        /// The range.
        range: Ipv4Cidr,
        /// What was asked for.
        what: String,
    },
    /// An address that cannot be taken by this holder: outside its range, a network, gateway
    /// or broadcast address, in another namespace's subnet, or held by someone else.
    #[error("address {ip} is not available for {holder}: {reason}")]
    AddressUnavailable {
        /// The address.
        ip: Ipv4Addr,
        /// Who asked (`pod <uid>`, `service <uid>`).
        holder: String,
        /// Why not.
        reason: String,
    },
    /// The holder already has a different address (a restore never overwrites).
    #[error("{holder} already holds {existing}, not {ip}")]
    AlreadyHolds {
        /// Who asked.
        holder: String,
        /// The address it holds.
        existing: Ipv4Addr,
        /// The address asked for.
        ip: Ipv4Addr,
    },
    /// The holder is known under another namespace.
    #[error("{holder} belongs to namespace {existing:?}, not {namespace:?}")]
    WrongNamespace {
        /// Who asked.
        holder: String,
        /// The namespace it is known in.
        existing: String,
        /// The namespace asked for.
        namespace: String,
    },
    /// Persisted allocations that do not fit the configuration (or each other).
    #[error("persisted allocations do not fit the configuration: {0}")]
    InconsistentState(String),
}

/// The NSX `ApiError` body for an error (`httpStatus`, `error_code`, `module_name`,
/// `error_message`), as the NSX Policy API answers a refused request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NsxApiError {
    /// The HTTP status name (`BAD_REQUEST`).
    #[serde(rename = "httpStatus")]
    pub http_status: &'static str,
    /// The HTTP status code (not serialized: it is the response's status).
    #[serde(skip)]
    pub status_code: u16,
    /// NSX's error code.
    pub error_code: u32,
    /// The NSX module answering.
    pub module_name: &'static str,
    /// The message.
    pub error_message: String,
}

impl NetError {
    /// The NSX error body this error is answered with.
    pub fn to_nsx(&self) -> NsxApiError {
        // Codes from NSX's own table: 500105 overlapping addresses, 500012 invalid
        // path/argument, 202 not found, 500030 resource in use (exhaustion is close to it).
        let (status_code, http_status, error_code) = match self {
            NetError::OverlappingRanges { .. } => (400, "BAD_REQUEST", 500105),
            NetError::UnknownNamespace(_) => (404, "NOT_FOUND", 202),
            NetError::Exhausted { .. } => (400, "BAD_REQUEST", 500030),
            NetError::AddressUnavailable { .. }
            | NetError::AlreadyHolds { .. }
            | NetError::NamespaceUidConflict { .. }
            | NetError::WrongNamespace { .. } => (400, "BAD_REQUEST", 500105),
            NetError::InconsistentState(_) => (500, "INTERNAL_SERVER_ERROR", 500012),
            NetError::InvalidCidr(_)
            | NetError::BadSubnetPrefix { .. }
            | NetError::InvalidSetting { .. }
            | NetError::InvalidName { .. } => (400, "BAD_REQUEST", 500012),
        };
        NsxApiError {
            http_status,
            status_code,
            error_code,
            module_name: "Policy",
            error_message: self.to_string(),
        }
    }
}
