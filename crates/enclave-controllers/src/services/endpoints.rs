//! Which pods back a Service and on which ports (shared by the Endpoints and EndpointSlice
//! controllers), and the desired `Endpoints` object of a Service (kube's endpoint controller:
//! ready and not-ready addresses, subsets repacked by port set, labels copied from the
//! Service, the last-change trigger time).

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, EndpointSubset, Endpoints, ObjectReference, Pod, Service,
    ServicePort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The annotation kube sets to the time of the change that triggered an Endpoints write.
pub(crate) const TRIGGER_TIME_ANNOTATION: &str = "endpoints.kubernetes.io/last-change-trigger-time";
/// The label kube puts on the Endpoints of a headless Service.
pub(crate) const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";

/// The Service's selector, when it has a non-empty one (selector-less Services have
/// user-managed endpoints).
pub(crate) fn selector(service: &Service) -> Option<&BTreeMap<String, String>> {
    service
        .spec
        .as_ref()
        .and_then(|s| s.selector.as_ref())
        .filter(|s| !s.is_empty())
}

/// Whether a Service selects a pod (same namespace, every selector label matches).
pub(crate) fn selects(service: &Service, pod: &Pod) -> bool {
    let Some(selector) = selector(service) else {
        return false;
    };
    if service.metadata.namespace != pod.metadata.namespace {
        return false;
    }
    let empty = BTreeMap::new();
    let labels = pod.metadata.labels.as_ref().unwrap_or(&empty);
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Whether the pod's `Ready` condition is `True`.
pub(crate) fn is_ready(pod: &Pod) -> bool {
    ready_condition(pod).is_some_and(|c| c.status == "True")
}

fn ready_condition(pod: &Pod) -> Option<&k8s_openapi::api::core::v1::PodCondition> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready")
}

/// The pod's primary IP, if it has one.
pub(crate) fn pod_ip(pod: &Pod) -> Option<&str> {
    let status = pod.status.as_ref()?;
    status
        .pod_ip
        .as_deref()
        .filter(|ip| !ip.is_empty())
        .or_else(|| status.pod_ips.as_ref()?.first().map(|p| p.ip.as_str()))
        .filter(|ip| !ip.is_empty())
}

/// Whether a pod belongs in a Service's endpoints at all (kube's `ShouldPodBeInEndpoints`):
/// it has an IP, it is not finished, and it is not terminating unless terminating pods are
/// wanted.
pub(crate) fn should_be_in_endpoints(pod: &Pod, include_terminating: bool) -> bool {
    if pod_ip(pod).is_none() {
        return false;
    }
    if !include_terminating && pod.metadata.deletion_timestamp.is_some() {
        return false;
    }
    !matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// The pod port a Service port reaches (kube's `FindPort`): a number as is, a name looked up
/// among the pod's container ports of the same protocol, no targetPort meaning the port.
pub(crate) fn resolve_port(pod: &Pod, service_port: &ServicePort) -> Option<i32> {
    match &service_port.target_port {
        None => Some(service_port.port),
        Some(IntOrString::Int(port)) => Some(*port),
        Some(IntOrString::String(name)) => {
            if let Ok(port) = name.parse::<i32>() {
                return Some(port);
            }
            let protocol = service_port.protocol.as_deref().unwrap_or("TCP");
            pod.spec
                .as_ref()?
                .containers
                .iter()
                .flat_map(|c| c.ports.iter().flatten())
                .find(|p| {
                    p.name.as_deref() == Some(name.as_str())
                        && p.protocol.as_deref().unwrap_or("TCP") == protocol
                })
                .map(|p| p.container_port)
        }
    }
}

/// A reference to the pod, as endpoints carry it.
pub(crate) fn pod_reference(pod: &Pod) -> ObjectReference {
    ObjectReference {
        kind: Some("Pod".into()),
        namespace: pod.metadata.namespace.clone(),
        name: pod.metadata.name.clone(),
        uid: pod.metadata.uid.clone(),
        ..ObjectReference::default()
    }
}

pub(crate) fn is_headless(service: &Service) -> bool {
    service.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some("None")
}

/// The subsets of a Service's Endpoints, repacked so that addresses sharing a port set share
/// a subset; ordered by port set, addresses by IP.
pub(crate) fn desired_subsets(service: &Service, pods: &[Arc<Pod>]) -> Vec<EndpointSubset> {
    let spec = service.spec.as_ref();
    let publish_not_ready = spec.and_then(|s| s.publish_not_ready_addresses) == Some(true);
    let service_ports: &[ServicePort] = spec.and_then(|s| s.ports.as_deref()).unwrap_or(&[]);
    let service_name = service.metadata.name.as_deref().unwrap_or("");
    // Port set (name, port, protocol, appProtocol) -> (ready, not ready) addresses.
    type PortKey = Vec<(String, i32, String, Option<String>)>;
    let mut groups: BTreeMap<PortKey, (Vec<EndpointAddress>, Vec<EndpointAddress>)> =
        BTreeMap::new();
    for pod in pods {
        if !selects(service, pod) || !should_be_in_endpoints(pod, publish_not_ready) {
            continue;
        }
        let Some(ip) = pod_ip(pod) else { continue };
        let pod_spec = pod.spec.as_ref();
        let hostname = pod_spec
            .filter(|s| s.subdomain.as_deref() == Some(service_name))
            .and_then(|s| s.hostname.clone())
            .filter(|h| !h.is_empty());
        let address = EndpointAddress {
            ip: ip.to_string(),
            hostname,
            node_name: pod_spec.and_then(|s| s.node_name.clone()),
            target_ref: Some(pod_reference(pod)),
        };
        let ports: PortKey = if service_ports.is_empty() && is_headless(service) {
            Vec::new()
        } else {
            let ports: PortKey = service_ports
                .iter()
                .filter_map(|sp| {
                    Some((
                        sp.name.clone().unwrap_or_default(),
                        resolve_port(pod, sp)?,
                        sp.protocol.clone().unwrap_or_else(|| "TCP".into()),
                        sp.app_protocol.clone(),
                    ))
                })
                .collect();
            if ports.is_empty() {
                // No port of the Service resolves on this pod: it serves nothing.
                continue;
            }
            ports
        };
        let group = groups.entry(ports).or_default();
        if publish_not_ready || is_ready(pod) {
            group.0.push(address);
        } else {
            group.1.push(address);
        }
    }
    groups
        .into_iter()
        .map(|(mut ports, (mut ready, mut not_ready))| {
            ready.sort_by(|a, b| a.ip.cmp(&b.ip));
            not_ready.sort_by(|a, b| a.ip.cmp(&b.ip));
            ports.sort();
            EndpointSubset {
                addresses: (!ready.is_empty()).then_some(ready),
                not_ready_addresses: (!not_ready.is_empty()).then_some(not_ready),
                ports: (!ports.is_empty()).then(|| {
                    ports
                        .into_iter()
                        .map(|(name, port, protocol, app_protocol)| EndpointPort {
                            name: (!name.is_empty()).then_some(name),
                            port,
                            protocol: Some(protocol),
                            app_protocol,
                        })
                        .collect()
                }),
            }
        })
        .collect()
}

/// The Endpoints labels: the Service's, plus kube's headless marker for a headless Service.
fn desired_labels(service: &Service) -> BTreeMap<String, String> {
    let mut labels = service.metadata.labels.clone().unwrap_or_default();
    if is_headless(service) {
        labels.insert(HEADLESS_LABEL.into(), String::new());
    } else {
        labels.remove(HEADLESS_LABEL);
    }
    labels
}

/// The latest change that could have moved the endpoints: the Service's creation, and each
/// selected pod's creation or readiness transition.
pub(crate) fn trigger_time(service: &Service, pods: &[Arc<Pod>]) -> Option<Time> {
    let mut latest = service.metadata.creation_timestamp.clone();
    for pod in pods.iter().filter(|p| selects(service, p)) {
        let pod_time = ready_condition(pod)
            .and_then(|c| c.last_transition_time.clone())
            .or_else(|| pod.metadata.creation_timestamp.clone());
        if pod_time.as_ref().map(|t| t.0) > latest.as_ref().map(|t| t.0) {
            latest = pod_time;
        }
    }
    latest
}

/// The Endpoints a Service with a selector should have, or `None` when `current` already
/// says the same (subsets and labels; kube does not write for the trigger time alone).
pub(crate) fn desired_endpoints(
    service: &Service,
    pods: &[Arc<Pod>],
    current: Option<&Endpoints>,
) -> Option<Endpoints> {
    selector(service)?;
    let subsets = desired_subsets(service, pods);
    let labels = desired_labels(service);
    if let Some(current) = current {
        let current_subsets = current.subsets.clone().unwrap_or_default();
        let current_labels = current.metadata.labels.clone().unwrap_or_default();
        if current_subsets == subsets && current_labels == labels {
            return None;
        }
    }
    let mut annotations = current
        .and_then(|c| c.metadata.annotations.clone())
        .unwrap_or_default();
    match trigger_time(service, pods) {
        Some(time) => {
            annotations.insert(TRIGGER_TIME_ANNOTATION.into(), time.0.to_string());
        }
        None => {
            annotations.remove(TRIGGER_TIME_ANNOTATION);
        }
    }
    Some(Endpoints {
        metadata: ObjectMeta {
            name: service.metadata.name.clone(),
            namespace: service.metadata.namespace.clone(),
            labels: (!labels.is_empty()).then_some(labels),
            annotations: (!annotations.is_empty()).then_some(annotations),
            resource_version: current.and_then(|c| c.metadata.resource_version.clone()),
            ..ObjectMeta::default()
        },
        subsets: (!subsets.is_empty()).then_some(subsets),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn service(spec: serde_json::Value) -> Service {
        serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "default", "labels": {"tier": "front"},
                "creationTimestamp": "2025-01-01T00:00:00Z"},
            "spec": spec,
        }))
        .unwrap()
    }

    pub(crate) fn pod(name: &str, ip: &str, ready: bool, http_port: i32) -> Arc<Pod> {
        Arc::new(
            serde_json::from_value(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"),
                    "labels": {"app": "web"}, "creationTimestamp": "2025-01-01T00:00:01Z"},
                "spec": {"nodeName": "node-a", "containers": [{"name": "c", "image": "nginx",
                    "ports": [{"name": "http", "containerPort": http_port}]}]},
                "status": {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready",
                    "status": if ready { "True" } else { "False" },
                    "lastTransitionTime": "2025-01-01T00:00:05Z"}]},
            }))
            .unwrap(),
        )
    }

    fn web_service() -> Service {
        service(json!({"selector": {"app": "web"}, "ports": [
            {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}))
    }

    #[test]
    fn ready_and_not_ready_pods_on_a_named_port() {
        let pods = vec![
            pod("b", "10.0.0.2", true, 8080),
            pod("a", "10.0.0.1", true, 8080),
            pod("c", "10.0.0.3", false, 8080),
        ];
        let endpoints = desired_endpoints(&web_service(), &pods, None).unwrap();
        assert_eq!(
            serde_json::to_value(&endpoints).unwrap(),
            json!({
                "apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": "web", "namespace": "default", "labels": {"tier": "front"},
                    "annotations": {TRIGGER_TIME_ANNOTATION: "2025-01-01T00:00:05Z"}},
                "subsets": [{
                    "addresses": [
                        {"ip": "10.0.0.1", "nodeName": "node-a", "targetRef": {"kind": "Pod", "namespace": "default", "name": "a", "uid": "uid-a"}},
                        {"ip": "10.0.0.2", "nodeName": "node-a", "targetRef": {"kind": "Pod", "namespace": "default", "name": "b", "uid": "uid-b"}}],
                    "notReadyAddresses": [
                        {"ip": "10.0.0.3", "nodeName": "node-a", "targetRef": {"kind": "Pod", "namespace": "default", "name": "c", "uid": "uid-c"}}],
                    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]
            })
        );
        assert_eq!(
            desired_endpoints(&web_service(), &pods, Some(&endpoints)),
            None
        );
    }

    #[test]
    fn pods_with_different_target_ports_get_their_own_subsets() {
        let pods = vec![
            pod("a", "10.0.0.1", true, 8080),
            pod("b", "10.0.0.2", true, 9090),
        ];
        let subsets = desired_subsets(&web_service(), &pods);
        assert_eq!(subsets.len(), 2);
        assert_eq!(subsets[0].ports.as_ref().unwrap()[0].port, 8080);
        assert_eq!(subsets[1].ports.as_ref().unwrap()[0].port, 9090);
    }

    #[test]
    fn terminating_finished_and_ipless_pods_are_left_out_unless_published() {
        let mut terminating = (*pod("t", "10.0.0.4", true, 80)).clone();
        terminating.metadata.deletion_timestamp =
            Some(Time("2025-01-02T00:00:00Z".parse().unwrap()));
        let mut finished = (*pod("f", "10.0.0.5", false, 80)).clone();
        finished.status.as_mut().unwrap().phase = Some("Succeeded".into());
        let no_ip = pod("n", "", true, 80);
        let pods = vec![
            Arc::new(terminating),
            Arc::new(finished),
            no_ip,
            pod("ok", "10.0.0.1", false, 80),
        ];
        let subsets = desired_subsets(&web_service(), &pods);
        assert_eq!(subsets.len(), 1);
        assert!(subsets[0].addresses.is_none());
        assert_eq!(subsets[0].not_ready_addresses.as_ref().unwrap().len(), 1);

        let published = service(
            json!({"selector": {"app": "web"}, "publishNotReadyAddresses": true,
            "ports": [{"port": 80, "targetPort": 8080}]}),
        );
        let subsets = desired_subsets(&published, &pods);
        let ips: Vec<&str> = subsets[0]
            .addresses
            .as_ref()
            .unwrap()
            .iter()
            .map(|a| a.ip.as_str())
            .collect();
        assert_eq!(ips, ["10.0.0.1", "10.0.0.4"]);
        assert_eq!(subsets[0].ports.as_ref().unwrap()[0].port, 8080);
        assert_eq!(subsets[0].ports.as_ref().unwrap()[0].name, None);
    }

    #[test]
    fn selectorless_services_are_left_alone_and_other_namespaces_ignored() {
        let manual = service(json!({"ports": [{"port": 443}]}));
        assert_eq!(
            desired_endpoints(&manual, &[pod("a", "10.0.0.1", true, 80)], None),
            None
        );
        let mut elsewhere = (*pod("a", "10.0.0.1", true, 80)).clone();
        elsewhere.metadata.namespace = Some("other".into());
        assert!(desired_subsets(&web_service(), &[Arc::new(elsewhere)]).is_empty());
    }

    #[test]
    fn an_unresolvable_named_port_drops_the_pod() {
        let svc = service(json!({"selector": {"app": "web"}, "ports": [
            {"port": 80, "targetPort": "metrics"}]}));
        assert!(desired_subsets(&svc, &[pod("a", "10.0.0.1", true, 80)]).is_empty());
        let empty = desired_endpoints(&svc, &[pod("a", "10.0.0.1", true, 80)], None).unwrap();
        assert_eq!(empty.subsets, None);
    }
}
