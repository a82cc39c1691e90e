//! Where namespaces and pods sit in the topology: segment paths per namespace, and the
//! segment port (path, segment, MAC) of each pod. The network manager computes these; the
//! translation takes them as plain data. [`Placement::simple`] is a deterministic stand-in
//! for tests.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Namespace, Pod};
use serde::{Deserialize, Serialize};

/// The segment port of one pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortPlacement {
    /// `/infra/segments/<segment>/ports/<port>`.
    pub port_path: String,
    /// `/infra/segments/<segment>`.
    pub segment_path: String,
    /// The vNIC's MAC, `04:50:56:00:00:12`.
    pub mac: String,
}

/// The placement of every namespace and pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Placement {
    /// Namespace name -> the paths of its segments (one, more when its subnets ran out).
    pub namespaces: BTreeMap<String, Vec<String>>,
    /// Pod UID -> its port.
    pub pods: BTreeMap<String, PortPlacement>,
}

impl Placement {
    /// A deterministic placement: one segment `/infra/segments/seg-<namespace>-0` per
    /// namespace, a port `port-<pod uid>` per pod, the MAC `04:50:56` followed by the last
    /// three bytes of the pod's IPv4 address (zeros without one).
    pub fn simple(namespaces: &[Namespace], pods: &[Pod]) -> Self {
        let segment = |ns: &str| format!("/infra/segments/seg-{ns}-0");
        let mut placement = Placement::default();
        for ns in namespaces {
            if let Some(name) = ns.metadata.name.as_deref() {
                placement
                    .namespaces
                    .insert(name.to_string(), vec![segment(name)]);
            }
        }
        for pod in pods {
            let (Some(ns), Some(uid)) = (
                pod.metadata.namespace.as_deref(),
                pod.metadata.uid.as_deref(),
            ) else {
                continue;
            };
            let ip: Option<std::net::Ipv4Addr> = pod
                .status
                .as_ref()
                .and_then(|s| s.pod_ip.as_deref())
                .and_then(|ip| ip.parse().ok());
            let [_, b, c, d] = ip.map(|ip| ip.octets()).unwrap_or_default();
            let segment_path = segment(ns);
            placement.pods.insert(
                uid.to_string(),
                PortPlacement {
                    port_path: format!("{segment_path}/ports/port-{uid}"),
                    segment_path,
                    mac: format!("04:50:56:{b:02x}:{c:02x}:{d:02x}"),
                },
            );
        }
        placement
    }
}
