//! The translation's input: the Kubernetes objects it reads, where the network manager put
//! each namespace and pod, and the cluster-wide settings.

use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::core::v1::{Namespace, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde::{Deserialize, Serialize};

use crate::placement::Placement;

/// The namespace annotation that overrides the cluster's baseline for one namespace:
/// `supervisor` or `allow-cluster`.
pub const BASELINE_ANNOTATION: &str = "enclave.io/baseline-policy";

/// The label kube-apiserver puts on every namespace; the translation assumes it when a
/// snapshot's namespace lacks it, as the API server guarantees it.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// The default firewall of a namespace, before any NetworkPolicy (NCP's
/// `baseline_policy_type`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum Baseline {
    /// The Supervisor's zero trust: pods of the namespace may talk to each other; ingress
    /// from pods of other namespaces is dropped by `deny-all-ingress`; north-south traffic
    /// (from the load balancer and outside the cluster) and egress are allowed.
    #[default]
    Supervisor,
    /// Plain Kubernetes: everything may connect until a NetworkPolicy isolates a pod.
    AllowCluster,
}

impl Baseline {
    /// The name used on the command line and in the annotation.
    pub fn as_str(self) -> &'static str {
        match self {
            Baseline::Supervisor => "supervisor",
            Baseline::AllowCluster => "allow-cluster",
        }
    }
}

impl fmt::Display for Baseline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Baseline {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "supervisor" => Ok(Baseline::Supervisor),
            "allow-cluster" => Ok(Baseline::AllowCluster),
            other => Err(format!(
                "invalid baseline policy {other:?}: supervisor or allow-cluster"
            )),
        }
    }
}

/// Cluster-wide settings of the translation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The default of every namespace that neither is a system namespace nor carries
    /// [`BASELINE_ANNOTATION`] (`enclave up --baseline-policy`).
    pub baseline: Baseline,
    /// The cluster id NCP puts in names and the `ncp/cluster` tag (`domain-c8`).
    pub cluster: String,
    /// The NSX domain of every group and policy (`/infra/domains/<domain>/...`).
    pub domain: String,
}

impl Default for Settings {
    /// The seed's Supervisor: zero trust, cluster `domain-c8`, objects in the domain named
    /// after the cluster as NCP does.
    fn default() -> Self {
        Settings {
            baseline: Baseline::Supervisor,
            cluster: "domain-c8".into(),
            domain: "domain-c8".into(),
        }
    }
}

/// Everything the translation reads.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Namespaces (name, uid, labels, annotations are read).
    pub namespaces: Vec<Namespace>,
    /// Pods (namespace, name, uid, labels, `status.podIP`, `status.phase`, container ports).
    /// Pods without an IPv4 address, finished pods and pods without a placement are not
    /// firewall members.
    pub pods: Vec<Pod>,
    /// NetworkPolicies.
    pub network_policies: Vec<NetworkPolicy>,
    /// Where the network manager put each namespace and pod.
    pub placement: Placement,
}

impl Snapshot {
    /// The snapshot, borrowed.
    pub fn view(&self) -> SnapshotView<'_> {
        SnapshotView {
            namespaces: self.namespaces.iter().collect(),
            pods: self.pods.iter().collect(),
            network_policies: self.network_policies.iter().collect(),
            placement: &self.placement,
        }
    }
}

/// A [`Snapshot`] borrowed from where its objects live (NCP's caches hold them in `Arc`s).
#[derive(Debug, Clone)]
pub struct SnapshotView<'a> {
    /// Namespaces.
    pub namespaces: Vec<&'a Namespace>,
    /// Pods.
    pub pods: Vec<&'a Pod>,
    /// NetworkPolicies.
    pub network_policies: Vec<&'a NetworkPolicy>,
    /// Where the network manager put each namespace and pod.
    pub placement: &'a Placement,
}
