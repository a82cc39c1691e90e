//! The desired `discovery.k8s.io/v1` EndpointSlices of a Service and the smallest set of
//! writes that gets there from the existing ones (kube's endpointslice reconciler): endpoints
//! grouped by port set, at most [`MAX_ENDPOINTS_PER_SLICE`] per slice, existing slices kept
//! and filled before new ones are made, and one empty placeholder slice when nothing is
//! selected.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use super::endpoints::{
    HEADLESS_LABEL, TRIGGER_TIME_ANNOTATION, is_headless, is_ready, pod_ip, pod_reference,
    resolve_port, selector, selects, should_be_in_endpoints, trigger_time,
};

/// Kube's default `--max-endpoints-per-slice`.
pub(crate) const MAX_ENDPOINTS_PER_SLICE: usize = 100;
/// The label naming a slice's Service.
pub(crate) const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
/// The label naming the controller that manages a slice.
pub(crate) const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
/// This controller's name, in [`MANAGED_BY_LABEL`] and as the events' reporting controller.
pub(crate) const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";

/// A port set, sortable: (name, port, protocol, appProtocol).
type PortKey = Vec<(String, i32, String, Option<String>)>;

/// The writes that bring a Service's slices to the desired state.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct SliceChanges {
    /// New slices (with `generateName`).
    pub(crate) create: Vec<EndpointSlice>,
    /// Existing slices with new contents (carrying the resourceVersion they were read at).
    pub(crate) update: Vec<EndpointSlice>,
    /// Names of slices to delete.
    pub(crate) delete: Vec<String>,
}

impl SliceChanges {
    /// Whether nothing needs writing.
    pub(crate) fn is_empty(&self) -> bool {
        self.create.is_empty() && self.update.is_empty() && self.delete.is_empty()
    }
}

/// Whether a slice is one this controller manages for the Service.
pub(crate) fn is_managed_slice_of(slice: &EndpointSlice, namespace: &str, service: &str) -> bool {
    let labels = slice.metadata.labels.as_ref();
    slice.metadata.namespace.as_deref() == Some(namespace)
        && labels
            .and_then(|l| l.get(SERVICE_NAME_LABEL))
            .map(String::as_str)
            == Some(service)
        && labels
            .and_then(|l| l.get(MANAGED_BY_LABEL))
            .map(String::as_str)
            == Some(CONTROLLER_NAME)
}

/// The slice endpoints of a Service by port set, each list ordered by address.
fn desired_endpoints(service: &Service, pods: &[Arc<Pod>]) -> BTreeMap<PortKey, Vec<Endpoint>> {
    let spec = service.spec.as_ref();
    let publish_not_ready = spec.and_then(|s| s.publish_not_ready_addresses) == Some(true);
    let service_ports = spec.and_then(|s| s.ports.as_deref()).unwrap_or(&[]);
    let service_name = service.metadata.name.as_deref().unwrap_or("");
    let mut groups: BTreeMap<PortKey, Vec<Endpoint>> = BTreeMap::new();
    for pod in pods {
        if !selects(service, pod) || !should_be_in_endpoints(pod, true) {
            continue;
        }
        // IPv4 slices only: the Supervisor's pod network is IPv4.
        let Some(ip) = pod_ip(pod).filter(|ip| !ip.contains(':')) else {
            continue;
        };
        let terminating = pod.metadata.deletion_timestamp.is_some();
        let serving = publish_not_ready || is_ready(pod);
        let pod_spec = pod.spec.as_ref();
        let endpoint = Endpoint {
            addresses: vec![ip.to_string()],
            conditions: Some(EndpointConditions {
                ready: Some(serving && !terminating),
                serving: Some(serving),
                terminating: Some(terminating),
            }),
            hostname: pod_spec
                .filter(|s| s.subdomain.as_deref() == Some(service_name))
                .and_then(|s| s.hostname.clone())
                .filter(|h| !h.is_empty()),
            node_name: pod_spec.and_then(|s| s.node_name.clone()),
            target_ref: Some(pod_reference(pod)),
            ..Endpoint::default()
        };
        let mut ports: PortKey = service_ports
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
        ports.sort();
        groups.entry(ports).or_default().push(endpoint);
    }
    for endpoints in groups.values_mut() {
        endpoints.sort_by(|a, b| a.addresses.cmp(&b.addresses));
    }
    groups
}

fn port_key(slice: &EndpointSlice) -> PortKey {
    let mut key: PortKey = slice
        .ports
        .iter()
        .flatten()
        .map(|p| {
            (
                p.name.clone().unwrap_or_default(),
                p.port.unwrap_or_default(),
                p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                p.app_protocol.clone(),
            )
        })
        .collect();
    key.sort();
    key
}

fn endpoint_ports(key: &PortKey) -> Option<Vec<EndpointPort>> {
    Some(
        key.iter()
            .map(|(name, port, protocol, app_protocol)| EndpointPort {
                name: Some(name.clone()),
                port: Some(*port),
                protocol: Some(protocol.clone()),
                app_protocol: app_protocol.clone(),
            })
            .collect(),
    )
}

/// The labels of the Service's slices: the Service's own, the service name, managed-by, and
/// kube's headless marker.
fn slice_labels(service: &Service) -> BTreeMap<String, String> {
    let mut labels = service.metadata.labels.clone().unwrap_or_default();
    labels.insert(
        SERVICE_NAME_LABEL.into(),
        service.metadata.name.clone().unwrap_or_default(),
    );
    labels.insert(MANAGED_BY_LABEL.into(), CONTROLLER_NAME.into());
    if is_headless(service) {
        labels.insert(HEADLESS_LABEL.into(), String::new());
    } else {
        labels.remove(HEADLESS_LABEL);
    }
    labels
}

fn owner_reference(service: &Service) -> OwnerReference {
    OwnerReference {
        api_version: "v1".into(),
        kind: "Service".into(),
        name: service.metadata.name.clone().unwrap_or_default(),
        uid: service.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The writes that make the Service's slices match its pods. `existing` are the slices this
/// controller manages for the Service.
pub(crate) fn reconcile(
    service: &Service,
    pods: &[Arc<Pod>],
    existing: &[Arc<EndpointSlice>],
) -> SliceChanges {
    let mut changes = SliceChanges::default();
    if selector(service).is_none() {
        return changes;
    }
    let labels = slice_labels(service);
    let owner = owner_reference(service);
    let mut annotations = BTreeMap::new();
    if let Some(time) = trigger_time(service, pods) {
        annotations.insert(TRIGGER_TIME_ANNOTATION.to_string(), time.0.to_string());
    }
    let new_slice = |key: &PortKey, endpoints: Vec<Endpoint>| EndpointSlice {
        metadata: ObjectMeta {
            generate_name: Some(format!(
                "{}-",
                service.metadata.name.as_deref().unwrap_or("")
            )),
            namespace: service.metadata.namespace.clone(),
            labels: Some(labels.clone()),
            annotations: (!annotations.is_empty()).then(|| annotations.clone()),
            owner_references: Some(vec![owner.clone()]),
            ..ObjectMeta::default()
        },
        address_type: "IPv4".into(),
        endpoints,
        ports: endpoint_ports(key),
    };
    let mut existing: Vec<&Arc<EndpointSlice>> = existing.iter().collect();
    existing.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    let desired = desired_endpoints(service, pods);

    if desired.is_empty() {
        // Kube keeps exactly one placeholder slice: no ports, no endpoints.
        let placeholder = existing
            .iter()
            .position(|s| s.endpoints.is_empty() && s.ports.as_ref().is_none_or(Vec::is_empty));
        match placeholder {
            Some(index) => {
                let slice = existing[index];
                if slice.metadata.labels.as_ref() != Some(&labels) {
                    let mut updated = (**slice).clone();
                    updated.metadata.labels = Some(labels.clone());
                    updated.metadata.owner_references = Some(vec![owner.clone()]);
                    changes.update.push(updated);
                }
            }
            None => {
                let mut slice = new_slice(&PortKey::new(), Vec::new());
                slice.ports = None;
                changes.create.push(slice);
            }
        }
        changes.delete = existing
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != placeholder)
            .filter_map(|(_, s)| s.metadata.name.clone())
            .collect();
        return changes;
    }

    for slice in &existing {
        if !desired.contains_key(&port_key(slice)) {
            changes.delete.extend(slice.metadata.name.clone());
        }
    }
    for (key, endpoints) in desired {
        let mut wanted: BTreeMap<Vec<String>, Endpoint> = endpoints
            .into_iter()
            .map(|e| (e.addresses.clone(), e))
            .collect();
        // Pass 1: existing slices keep the endpoints still wanted (updated in place) and
        // drop the rest.
        let mut kept: Vec<(EndpointSlice, bool)> = Vec::new();
        for slice in existing.iter().filter(|s| port_key(s) == key) {
            let mut updated = (***slice).clone();
            let mut seen = HashSet::new();
            updated.endpoints = slice
                .endpoints
                .iter()
                .filter_map(|e| {
                    if !seen.insert(e.addresses.clone()) {
                        return None;
                    }
                    wanted.remove(&e.addresses)
                })
                .collect();
            let changed = updated.endpoints != slice.endpoints
                || slice.metadata.labels.as_ref() != Some(&labels)
                || slice.metadata.owner_references.as_ref() != Some(&vec![owner.clone()]);
            kept.push((updated, changed));
        }
        // Pass 2: the remaining endpoints go to slices already being updated, then to other
        // slices with room, then to new slices.
        let mut remaining: std::collections::VecDeque<Endpoint> = wanted.into_values().collect();
        for prefer_changed in [true, false] {
            for (slice, changed) in kept.iter_mut() {
                if *changed != prefer_changed || slice.endpoints.is_empty() {
                    continue;
                }
                while slice.endpoints.len() < MAX_ENDPOINTS_PER_SLICE
                    && let Some(endpoint) = remaining.pop_front()
                {
                    slice.endpoints.push(endpoint);
                    *changed = true;
                }
            }
        }
        for (mut slice, mut changed) in kept {
            if slice.endpoints.is_empty() && !remaining.is_empty() {
                // An emptied slice takes new endpoints rather than being deleted and replaced.
                let take = remaining.len().min(MAX_ENDPOINTS_PER_SLICE);
                slice.endpoints = remaining.drain(..take).collect();
                changed = true;
            }
            if slice.endpoints.is_empty() {
                changes.delete.extend(slice.metadata.name.clone());
            } else if changed {
                slice.metadata.labels = Some(labels.clone());
                slice.metadata.owner_references = Some(vec![owner.clone()]);
                let mut merged = slice.metadata.annotations.clone().unwrap_or_default();
                merged.extend(annotations.clone());
                slice.metadata.annotations = (!merged.is_empty()).then_some(merged);
                changes.update.push(slice);
            }
        }
        while !remaining.is_empty() {
            let take = remaining.len().min(MAX_ENDPOINTS_PER_SLICE);
            changes
                .create
                .push(new_slice(&key, remaining.drain(..take).collect()));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::endpoints::tests::{pod, service};
    use serde_json::json;

    fn web_service() -> Service {
        let mut s = service(json!({"selector": {"app": "web"}, "ports": [
            {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}));
        s.metadata.uid = Some("svc-uid".into());
        s
    }

    fn pods(count: usize) -> Vec<Arc<Pod>> {
        (0..count)
            .map(|i| {
                pod(
                    &format!("p{i:03}"),
                    &format!("10.0.{}.{}", i / 200, i % 200 + 1),
                    i % 2 == 0,
                    8080,
                )
            })
            .collect()
    }

    /// Applies changes as the API server would, naming created slices in order.
    fn apply(existing: &[Arc<EndpointSlice>], changes: &SliceChanges) -> Vec<Arc<EndpointSlice>> {
        let mut result: Vec<Arc<EndpointSlice>> = existing
            .iter()
            .filter(|s| !changes.delete.contains(s.metadata.name.as_ref().unwrap()))
            .map(|s| {
                changes
                    .update
                    .iter()
                    .find(|u| u.metadata.name == s.metadata.name)
                    .map(|u| Arc::new(u.clone()))
                    .unwrap_or_else(|| s.clone())
            })
            .collect();
        for (i, created) in changes.create.iter().enumerate() {
            let mut slice = created.clone();
            slice.metadata.name = Some(format!("web-new{}{i}", existing.len()));
            result.push(Arc::new(slice));
        }
        result
    }

    #[test]
    fn a_new_service_gets_one_slice_with_kubes_fields() {
        let changes = reconcile(&web_service(), &pods(2), &[]);
        assert_eq!(changes.create.len(), 1);
        let slice = serde_json::to_value(&changes.create[0]).unwrap();
        assert_eq!(
            slice,
            json!({
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {
                    "generateName": "web-", "namespace": "default",
                    "labels": {"tier": "front", SERVICE_NAME_LABEL: "web", MANAGED_BY_LABEL: CONTROLLER_NAME},
                    "annotations": {TRIGGER_TIME_ANNOTATION: "2025-01-01T00:00:05Z"},
                    "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": "web",
                        "uid": "svc-uid", "controller": true, "blockOwnerDeletion": true}]},
                "addressType": "IPv4",
                "endpoints": [
                    {"addresses": ["10.0.0.1"], "conditions": {"ready": true, "serving": true, "terminating": false},
                     "nodeName": "node-a", "targetRef": {"kind": "Pod", "namespace": "default", "name": "p000", "uid": "uid-p000"}},
                    {"addresses": ["10.0.0.2"], "conditions": {"ready": false, "serving": false, "terminating": false},
                     "nodeName": "node-a", "targetRef": {"kind": "Pod", "namespace": "default", "name": "p001", "uid": "uid-p001"}}],
                "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]
            })
        );
    }

    #[test]
    fn slices_hold_at_most_a_hundred_and_converge() {
        let all = pods(250);
        let first = reconcile(&web_service(), &all, &[]);
        let sizes: Vec<usize> = first.create.iter().map(|s| s.endpoints.len()).collect();
        assert_eq!(sizes, [100, 100, 50]);
        let slices = apply(&[], &first);
        assert!(reconcile(&web_service(), &all, &slices).is_empty());

        // One pod goes, one arrives: one slice is updated, nothing else is written.
        let mut changed: Vec<Arc<Pod>> = all[1..].to_vec();
        changed.push(pod("new", "10.9.9.9", true, 8080));
        let second = reconcile(&web_service(), &changed, &slices);
        assert!(
            second.create.is_empty() && second.delete.is_empty(),
            "{second:?}"
        );
        assert_eq!(second.update.len(), 1);
        let slices = apply(&slices, &second);
        assert!(reconcile(&web_service(), &changed, &slices).is_empty());
        let total: usize = slices.iter().map(|s| s.endpoints.len()).sum();
        assert_eq!(total, 250);
    }

    #[test]
    fn a_terminating_pod_is_serving_but_not_ready() {
        let mut terminating = (*pod("t", "10.0.0.7", true, 8080)).clone();
        terminating.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                "2025-01-02T00:00:00Z".parse().unwrap(),
            ));
        let changes = reconcile(&web_service(), &[Arc::new(terminating)], &[]);
        assert_eq!(
            changes.create[0].endpoints[0].conditions,
            Some(EndpointConditions {
                ready: Some(false),
                serving: Some(true),
                terminating: Some(true)
            })
        );
    }

    #[test]
    fn no_pods_leaves_one_placeholder() {
        let first = reconcile(&web_service(), &pods(3), &[]);
        let slices = apply(&[], &first);
        let emptied = reconcile(&web_service(), &[], &slices);
        assert_eq!(emptied.delete.len(), 1);
        assert_eq!(emptied.create.len(), 1);
        assert!(emptied.create[0].endpoints.is_empty() && emptied.create[0].ports.is_none());
        let slices = apply(&slices, &emptied);
        assert!(reconcile(&web_service(), &[], &slices).is_empty());
        // Pods come back: the placeholder (another port set) gives way.
        let back = reconcile(&web_service(), &pods(1), &slices);
        assert_eq!((back.create.len(), back.delete.len()), (1, 1));
    }

    #[test]
    fn selectorless_services_get_no_slices() {
        let manual = service(json!({"ports": [{"port": 80}]}));
        assert!(reconcile(&manual, &pods(2), &[]).is_empty());
    }
}
