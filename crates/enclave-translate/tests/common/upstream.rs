//! An independent evaluator of upstream Kubernetes NetworkPolicy semantics, written from the
//! API reference (networking.k8s.io/v1) and not from the translation: a connection needs the
//! source's egress and the destination's ingress allowed; a pod is isolated in a direction
//! when a policy of its namespace selects it with that policy type; an isolated pod allows
//! what any rule of any such policy allows.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::{Namespace, Pod};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The cluster the evaluator looks at.
pub struct Cluster<'a> {
    pub namespaces: &'a [Namespace],
    pub pods: &'a [Pod],
    pub policies: &'a [NetworkPolicy],
}

fn labels_of(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> BTreeMap<String, String> {
    meta.labels.clone().unwrap_or_default()
}

/// LabelSelector semantics: every matchLabels pair and every matchExpression must hold.
pub fn selects(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    for (k, v) in selector.match_labels.iter().flatten() {
        if labels.get(k) != Some(v) {
            return false;
        }
    }
    for e in selector.match_expressions.iter().flatten() {
        let values = e.values.clone().unwrap_or_default();
        let value = labels.get(&e.key);
        let ok = match e.operator.as_str() {
            "In" => value.is_some_and(|v| values.contains(v)),
            "NotIn" => value.is_none_or(|v| !values.contains(v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

fn ns_of(pod: &Pod) -> &str {
    pod.metadata.namespace.as_deref().unwrap_or_default()
}

fn ip_of(pod: &Pod) -> Ipv4Addr {
    pod.status
        .as_ref()
        .and_then(|s| s.pod_ip.as_deref())
        .and_then(|s| s.parse().ok())
        .unwrap_or(Ipv4Addr::UNSPECIFIED)
}

fn in_cidr(ip: Ipv4Addr, cidr: &str) -> bool {
    let Some((net, len)) = cidr.split_once('/') else {
        return false;
    };
    let (Ok(net), Ok(len)) = (net.parse::<Ipv4Addr>(), len.parse::<u32>()) else {
        return false;
    };
    if len > 32 {
        return false;
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(ip) & mask == u32::from(net) & mask
}

/// Which policy types a policy has (the API defaults: Ingress always, Egress when it has
/// egress rules).
fn types(np: &NetworkPolicy) -> (bool, bool) {
    let spec = np.spec.clone().unwrap_or_default();
    match spec.policy_types.filter(|t| !t.is_empty()) {
        Some(t) => (
            t.iter().any(|x| x == "Ingress"),
            t.iter().any(|x| x == "Egress"),
        ),
        None => (true, spec.egress.is_some_and(|e| !e.is_empty())),
    }
}

impl Cluster<'_> {
    fn namespace_labels(&self, name: &str) -> BTreeMap<String, String> {
        self.namespaces
            .iter()
            .find(|n| n.metadata.name.as_deref() == Some(name))
            .map(|n| labels_of(&n.metadata))
            .unwrap_or_default()
    }

    /// The policies of the pod's namespace whose podSelector selects it.
    fn selecting<'p>(&'p self, pod: &Pod) -> impl Iterator<Item = &'p NetworkPolicy> + 'p {
        let ns = ns_of(pod).to_string();
        let labels = labels_of(&pod.metadata);
        self.policies.iter().filter(move |np| {
            np.metadata.namespace.as_deref() == Some(ns.as_str())
                && selects(
                    &np.spec
                        .clone()
                        .unwrap_or_default()
                        .pod_selector
                        .unwrap_or_default(),
                    &labels,
                )
        })
    }

    /// Whether any policy isolates the pod for ingress.
    pub fn ingress_isolated(&self, pod: &Pod) -> bool {
        self.selecting(pod).any(|np| types(np).0)
    }

    fn peer_matches(&self, peer: &NetworkPolicyPeer, policy_ns: &str, other: &Pod) -> bool {
        if let Some(block) = &peer.ip_block {
            let ip = ip_of(other);
            return in_cidr(ip, &block.cidr)
                && !block.except.iter().flatten().any(|e| in_cidr(ip, e));
        }
        let ns_ok = match &peer.namespace_selector {
            None => ns_of(other) == policy_ns,
            Some(s) => selects(s, &self.namespace_labels(ns_of(other))),
        };
        let pod_ok = match &peer.pod_selector {
            None => true,
            Some(s) => selects(s, &labels_of(&other.metadata)),
        };
        (peer.namespace_selector.is_some() || peer.pod_selector.is_some()) && ns_ok && pod_ok
    }

    fn port_matches(port: &NetworkPolicyPort, server: &Pod, proto: &str, number: u16) -> bool {
        if port.protocol.as_deref().unwrap_or("TCP") != proto {
            return false;
        }
        match &port.port {
            None => true,
            Some(IntOrString::Int(p)) => {
                let last = port.end_port.unwrap_or(*p);
                *p <= i32::from(number) && i32::from(number) <= last
            }
            Some(IntOrString::String(name)) => server
                .spec
                .iter()
                .flat_map(|s| &s.containers)
                .flat_map(|c| c.ports.iter().flatten())
                .any(|cp| {
                    cp.name.as_deref() == Some(name.as_str())
                        && cp.protocol.as_deref().unwrap_or("TCP") == proto
                        && cp.container_port == i32::from(number)
                }),
        }
    }

    fn rule_matches(
        &self,
        peers: Option<&Vec<NetworkPolicyPeer>>,
        ports: Option<&Vec<NetworkPolicyPort>>,
        policy_ns: &str,
        other: &Pod,
        server: &Pod,
        (proto, number): (&str, u16),
    ) -> bool {
        let peer_ok = match peers {
            None => true,
            Some(list) if list.is_empty() => true,
            Some(list) => list.iter().any(|p| self.peer_matches(p, policy_ns, other)),
        };
        let port_ok = match ports {
            None => true,
            Some(list) if list.is_empty() => true,
            Some(list) => list
                .iter()
                .any(|p| Self::port_matches(p, server, proto, number)),
        };
        peer_ok && port_ok
    }

    /// Whether `client` may open a connection to `server` on `proto`/`number`.
    pub fn allowed(&self, client: &Pod, server: &Pod, proto: &str, number: u16) -> bool {
        let egress: Vec<&NetworkPolicy> = self.selecting(client).filter(|np| types(np).1).collect();
        let egress_ok = egress.is_empty()
            || egress.iter().any(|np| {
                let spec = np.spec.clone().unwrap_or_default();
                spec.egress.iter().flatten().any(|r| {
                    self.rule_matches(
                        r.to.as_ref(),
                        r.ports.as_ref(),
                        ns_of(client),
                        server,
                        server,
                        (proto, number),
                    )
                })
            });
        let ingress: Vec<&NetworkPolicy> =
            self.selecting(server).filter(|np| types(np).0).collect();
        let ingress_ok = ingress.is_empty()
            || ingress.iter().any(|np| {
                let spec = np.spec.clone().unwrap_or_default();
                spec.ingress.iter().flatten().any(|r| {
                    self.rule_matches(
                        r.from.as_ref(),
                        r.ports.as_ref(),
                        ns_of(server),
                        client,
                        server,
                        (proto, number),
                    )
                })
            });
        egress_ok && ingress_ok
    }
}
