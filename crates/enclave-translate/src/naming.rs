//! The names of everything the translation creates. Display names are what users see (the
//! seed's `ns-hackazon-app-hackazon-app-network-policy-allowlist` and
//! `TCP.80-ingress-allow`); ids are NCP-like and built from UIDs, so that they never collide
//! (`a-b` + `c` and `a` + `b-c` would) and stay the same while the object is unchanged,
//! which keeps rule paths and therefore rule IDs stable.

/// The rule of the namespace defaults that drops ingress from other namespaces.
pub const DENY_ALL_INGRESS: &str = "deny-all-ingress";
/// NSX's limit on display names.
pub const MAX_DISPLAY_NAME: usize = 255;

/// Tag scopes NCP uses.
pub mod scope {
    /// The cluster id.
    pub const CLUSTER: &str = "ncp/cluster";
    /// The namespace name.
    pub const PROJECT: &str = "ncp/project";
    /// The namespace UID.
    pub const PROJECT_UID: &str = "ncp/project_uid";
    /// The NetworkPolicy name.
    pub const NETWORK_POLICY: &str = "ncp/network_policy";
    /// The NetworkPolicy UID.
    pub const NETWORK_POLICY_UID: &str = "ncp/network_policy_uid";
    /// What an object was created for (`network_policy`, `namespace_baseline`).
    pub const CREATED_FOR: &str = "ncp/created_for";
    /// The kind of a security policy (`networkpolicies`, `ncp/isol_sect_id`, `baseline`).
    pub const SEC_POLICY_TYPE: &str = "ncp/sec_policy_type";
    /// The pod name on a pod's port.
    pub const POD: &str = "ncp/pod";
    /// The pod UID on a pod's port.
    pub const POD_UID: &str = "ncp/pod_uid";
}

/// Cuts a display name to NSX's limit on a character boundary.
pub fn display(name: String) -> String {
    if name.len() <= MAX_DISPLAY_NAME {
        return name;
    }
    let mut end = MAX_DISPLAY_NAME;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

/// The key a NetworkPolicy's ids are built from: its UID, else `<namespace>.<name>` (a
/// namespace name holds no dot, so this cannot collide).
pub fn policy_key(namespace: &str, name: &str, uid: &str) -> String {
    if uid.is_empty() {
        format!("{namespace}.{name}")
    } else {
        uid.to_string()
    }
}

/// `np_<key>_allowlist`.
pub fn allowlist_id(key: &str) -> String {
    format!("np_{key}_allowlist")
}

/// `<namespace>-<policy>-allowlist`, as in the seed.
pub fn allowlist_display(namespace: &str, name: &str) -> String {
    display(format!("{namespace}-{name}-allowlist"))
}

/// `np_<key>_isolation`.
pub fn isolation_id(key: &str) -> String {
    format!("np_{key}_isolation")
}

/// `<namespace>-<policy>-isolation`.
pub fn isolation_display(namespace: &str, name: &str) -> String {
    display(format!("{namespace}-{name}-isolation"))
}

/// Which way a NetworkPolicy rule points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Way {
    /// `spec.ingress`.
    Ingress,
    /// `spec.egress`.
    Egress,
}

impl Way {
    /// `ingress` or `egress`.
    pub fn as_str(self) -> &'static str {
        match self {
            Way::Ingress => "ingress",
            Way::Egress => "egress",
        }
    }

    /// NCP's rule id prefix: `ir` or `er`.
    pub fn short(self) -> &'static str {
        match self {
            Way::Ingress => "ir",
            Way::Egress => "er",
        }
    }
}

/// The display name of an allow rule: `<service>-<way>-allow` (`TCP.80-ingress-allow`,
/// `ANY-egress-allow` for a rule without ports).
pub fn allow_rule_display(service: &str, way: Way) -> String {
    format!("{service}-{}-allow", way.as_str())
}

/// The id of an allow rule: `<ir|er>_<rule index>_<port index>_<service>`, or
/// `<ir|er>_<rule index>_ANY` without ports.
pub fn allow_rule_id(way: Way, rule: usize, port: Option<usize>, service: &str) -> String {
    match port {
        Some(port) => format!("{}_{rule}_{port}_{service}", way.short()),
        None => format!("{}_{rule}_{service}", way.short()),
    }
}

/// The display name (and id) of an isolation rule: `ingress-isolation`, `egress-isolation`.
pub fn isolation_rule(way: Way) -> String {
    format!("{}-isolation", way.as_str())
}

/// `np_<key>_tgt`: the pods a NetworkPolicy selects.
pub fn target_group_id(key: &str) -> String {
    format!("np_{key}_tgt")
}

/// `np_<key>_<ir|er>_<rule index>_peers`: the peers of one rule.
pub fn peer_group_id(key: &str, way: Way, rule: usize) -> String {
    format!("np_{key}_{}_{rule}_peers", way.short())
}

/// `np_<key>_<ir|er>_<rule>_<port>_<service>_dst`: the pods a named port resolved to this
/// number on.
pub fn named_port_group_id(key: &str, way: Way, rule: usize, port: usize, service: &str) -> String {
    format!("np_{key}_{}_{rule}_{port}_{service}_dst", way.short())
}

/// `np_<key>_<service>`: a service of a NetworkPolicy.
pub fn service_id(key: &str, service: &str) -> String {
    format!("np_{key}_{service}")
}

/// `ns_<namespace>`: every pod of a namespace (a condition on its segments' tags).
pub fn namespace_group_id(namespace: &str) -> String {
    format!("ns_{namespace}")
}

/// `cluster_<cluster>_pods`: every pod of the cluster.
pub fn cluster_pods_group_id(cluster: &str) -> String {
    format!("cluster_{cluster}_pods")
}

/// `cluster_<cluster>_zero_trust_namespaces`: the pods of every namespace with the
/// Supervisor baseline, the applied-to of `deny-all-ingress`.
pub fn zero_trust_group_id(cluster: &str) -> String {
    format!("cluster_{cluster}_zero_trust_namespaces")
}

/// `ncp_<cluster>_namespace_defaults`: the policy holding the namespace defaults.
pub fn baseline_policy_id(cluster: &str) -> String {
    format!("ncp_{cluster}_namespace_defaults")
}

/// `<cluster>-namespace-defaults`.
pub fn baseline_policy_display(cluster: &str) -> String {
    display(format!("{cluster}-namespace-defaults"))
}

/// `ns_<namespace>_allow_intra`: the rule letting a namespace's pods talk to each other.
pub fn intra_namespace_rule_id(namespace: &str) -> String {
    format!("ns_{namespace}_allow_intra")
}

/// `<namespace>-allow-intra-namespace`.
pub fn intra_namespace_rule_display(namespace: &str) -> String {
    display(format!("{namespace}-allow-intra-namespace"))
}
