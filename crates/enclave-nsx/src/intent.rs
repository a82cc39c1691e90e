//! NCP's decision as a pure function: from the Kubernetes objects the network depends on and
//! the address allocations, the whole network intent (the topology and the firewall
//! translation). The NCP loop feeds it from its watch caches; benchmarks feed it synthetic
//! clusters; both run exactly this code.

use std::collections::HashMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Endpoints, Namespace, Pod, Service};
use k8s_openapi::api::networking::v1::NetworkPolicy;

/// The Kubernetes objects NCP reads, shared with the caches they come from.
#[derive(Debug, Clone, Default)]
pub struct ClusterObjects {
    /// Every namespace.
    pub namespaces: Vec<Arc<Namespace>>,
    /// Every pod.
    pub pods: Vec<Arc<Pod>>,
    /// Every Service (those of type LoadBalancer get a load balancer).
    pub services: Vec<Arc<Service>>,
    /// Every Endpoints object (the load balancers' pool members).
    pub endpoints: Vec<Arc<Endpoints>>,
    /// Every NetworkPolicy.
    pub network_policies: Vec<Arc<NetworkPolicy>>,
}

/// The whole network intent of one cluster state.
#[derive(Debug, Clone)]
pub struct Intent {
    /// Tier-0, Tier-1s, segments, ports, NAT and load balancers.
    pub topology: enclave_net::Topology,
    /// The firewall NCP owns, the inventory of enforcement points, and the problems found in
    /// user objects.
    pub translation: enclave_translate::Translation,
}

/// Builds the topology from `objects` and the allocations in `ipam`, places every namespace
/// and pod in it, and translates the NetworkPolicies and namespace defaults into the firewall.
pub fn build_intent(
    objects: &ClusterObjects,
    ipam: &enclave_net::Ipam,
    settings: &enclave_translate::Settings,
) -> Intent {
    let snapshot = net_snapshot(objects);
    let topology = enclave_net::topology(&snapshot, ipam, ipam.config());
    let placement = placement(&topology, &objects.pods);
    let firewall = enclave_translate::SnapshotView {
        namespaces: objects.namespaces.iter().map(|n| &**n).collect(),
        pods: objects.pods.iter().map(|p| &**p).collect(),
        network_policies: objects.network_policies.iter().map(|p| &**p).collect(),
        placement: &placement,
    };
    let translation = enclave_translate::translate_view(&firewall, settings);
    Intent {
        topology,
        translation,
    }
}

/// Where each namespace and pod sits in the topology (segments, ports, MACs).
fn placement(topology: &enclave_net::Topology, pods: &[Arc<Pod>]) -> enclave_translate::Placement {
    let mut placement = enclave_translate::Placement::default();
    for (path, segment) in &topology.segments {
        if let Some(ns) = segment
            .meta
            .tags
            .iter()
            .find(|t| &*t.scope == "ncp/project")
        {
            placement
                .namespaces
                .entry(ns.tag.to_string())
                .or_default()
                .push(path.to_string());
        }
    }
    for pod in pods {
        let (Some(uid), Some(ip)) = (
            pod.metadata.uid.as_deref(),
            pod.status
                .as_ref()
                .and_then(|s| s.pod_ip.as_deref())
                .and_then(|ip| ip.parse().ok()),
        ) else {
            continue;
        };
        if let enclave_net::Location::Pod(at) = enclave_net::locate(topology, ip)
            && &*at.pod_uid == uid
        {
            placement.pods.insert(
                uid.to_string(),
                enclave_translate::PortPlacement {
                    port_path: at.port_path.to_string(),
                    segment_path: at.segment_path.to_string(),
                    mac: at.mac.to_string(),
                },
            );
        }
    }
    placement
}

/// The objects the topology is built from.
fn net_snapshot(objects: &ClusterObjects) -> enclave_net::NetSnapshot {
    use enclave_net::{Endpoint, LoadBalancerInfo, LoadBalancerPort, NamespaceInfo, PodInfo};
    let namespaces = objects
        .namespaces
        .iter()
        .filter_map(|ns| {
            Some(NamespaceInfo {
                name: ns.metadata.name.as_deref()?.into(),
                uid: ns.metadata.uid.as_deref()?.into(),
            })
        })
        .collect();
    let pods = objects
        .pods
        .iter()
        .filter_map(|pod| {
            Some(PodInfo {
                namespace: pod.metadata.namespace.as_deref()?.into(),
                name: pod.metadata.name.as_deref()?.into(),
                uid: pod.metadata.uid.as_deref()?.into(),
                labels: pod
                    .metadata
                    .labels
                    .iter()
                    .flatten()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
                node: pod
                    .spec
                    .as_ref()
                    .and_then(|s| s.node_name.as_deref())
                    .map(Into::into),
            })
        })
        .collect();
    let endpoints: HashMap<(&str, &str), &Endpoints> = objects
        .endpoints
        .iter()
        .filter_map(|e| {
            Some((
                (
                    e.metadata.namespace.as_deref()?,
                    e.metadata.name.as_deref()?,
                ),
                &**e,
            ))
        })
        .collect();
    let load_balancers = objects
        .services
        .iter()
        .filter(|svc| svc.spec.as_ref().and_then(|s| s.type_.as_deref()) == Some("LoadBalancer"))
        .filter_map(|svc| {
            let namespace = svc.metadata.namespace.as_deref()?;
            let name = svc.metadata.name.as_deref()?;
            let endpoints = endpoints.get(&(namespace, name)).copied();
            let ports = svc
                .spec
                .as_ref()?
                .ports
                .iter()
                .flatten()
                .filter_map(|port| {
                    let protocol = match port.protocol.as_deref().unwrap_or("TCP") {
                        "TCP" => enclave_net::nsx::Protocol::Tcp,
                        "UDP" => enclave_net::nsx::Protocol::Udp,
                        _ => return None,
                    };
                    let ready: Vec<Endpoint> = endpoints
                        .iter()
                        .flat_map(|e| e.subsets.iter().flatten())
                        .flat_map(|subset| {
                            let number = subset
                                .ports
                                .iter()
                                .flatten()
                                .find(|p| p.name == port.name)
                                .and_then(|p| u16::try_from(p.port).ok());
                            subset.addresses.iter().flatten().filter_map(move |a| {
                                Some(Endpoint {
                                    ip: a.ip.parse().ok()?,
                                    port: number?,
                                })
                            })
                        })
                        .collect();
                    Some(LoadBalancerPort {
                        name: port.name.as_deref().map(Into::into),
                        protocol,
                        port: u16::try_from(port.port).ok()?,
                        endpoints: ready,
                    })
                })
                .collect();
            Some(LoadBalancerInfo {
                namespace: namespace.into(),
                name: name.into(),
                uid: svc.metadata.uid.as_deref()?.into(),
                ports,
            })
        })
        .collect();
    enclave_net::NetSnapshot {
        namespaces,
        pods,
        load_balancers,
    }
}
