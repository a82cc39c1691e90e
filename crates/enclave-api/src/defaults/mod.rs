//! Defaulting of built-in kinds, as kube-apiserver applies it on create and update.
//!
//! The values are those of kubernetes `pkg/apis/<group>/v1/defaults.go` (the `SetDefaults_*`
//! functions and `+default` markers), plus the few fields kube-apiserver fills in during
//! create that `kubectl describe` relies on (Service IP families from the service registry,
//! Pod priority from the Priority admission plugin, Namespace finalizers from its strategy).
//! Allocation (cluster IPs, node ports, names from `generateName`, the service account
//! token volume) is left to the API server. Every default only fills an absent field, so
//! applying the defaults twice changes nothing.

mod pods;

use serde_json::{Map, Value, json};

use crate::registry::ResourceInfo;

pub use pods::{apply_pod_spec_defaults, default_image_pull_policy};

/// Fills in the upstream defaults of `obj`, an object of `resource`'s kind. Objects of other
/// shapes (not a JSON object) are left alone.
pub fn apply_defaults(resource: &ResourceInfo, obj: &mut Value) {
    let Some(object) = obj.as_object_mut() else {
        return;
    };
    match (resource.group, resource.kind) {
        ("", "Pod") => pods::pod(object),
        ("", "Service") => service(object),
        ("", "Namespace") => namespace(object),
        ("", "Secret") => set_if_absent(object, "type", json!("Opaque")),
        ("", "Endpoints") => endpoints(object),
        ("", "Node") => node(object),
        ("apps", "Deployment") => deployment(object),
        ("apps", "ReplicaSet") => replica_set(object),
        ("networking.k8s.io", "NetworkPolicy") => network_policy(object),
        ("networking.k8s.io", "IngressClass") => ingress_class(object),
        ("discovery.k8s.io", "EndpointSlice") => endpoint_slice(object),
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            role_binding(object);
        }
        _ => {}
    }
}

/// Sets `key` when it is absent or `null`.
pub(crate) fn set_if_absent(object: &mut Map<String, Value>, key: &str, value: Value) {
    if object.get(key).is_none_or(Value::is_null) {
        object.insert(key.to_string(), value);
    }
}

/// Sets `key` when it is absent, `null` or `""` (Go's zero string).
pub(crate) fn set_if_empty_str(object: &mut Map<String, Value>, key: &str, value: &str) {
    if object
        .get(key)
        .is_none_or(|v| v.is_null() || v.as_str() == Some(""))
    {
        object.insert(key.to_string(), Value::String(value.to_string()));
    }
}

/// The object member `key`, created as `{}` when absent or `null`; `None` when it has another type.
pub(crate) fn child<'o>(
    object: &'o mut Map<String, Value>,
    key: &str,
) -> Option<&'o mut Map<String, Value>> {
    set_if_absent(object, key, Value::Object(Map::new()));
    object.get_mut(key).and_then(Value::as_object_mut)
}

/// The object member `key` if it is present and an object.
pub(crate) fn existing<'o>(
    object: &'o mut Map<String, Value>,
    key: &str,
) -> Option<&'o mut Map<String, Value>> {
    object.get_mut(key).and_then(Value::as_object_mut)
}

/// Every object element of the list member `key`.
pub(crate) fn each<'o>(
    object: &'o mut Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'o mut Map<String, Value>> {
    object
        .get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

fn is_empty_list(object: &Map<String, Value>, key: &str) -> bool {
    object
        .get(key)
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
}

/// apps/v1 `SetDefaults_Deployment`, then the pod template.
fn deployment(object: &mut Map<String, Value>) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    set_if_absent(spec, "replicas", json!(1));
    if let Some(strategy) = child(spec, "strategy") {
        set_if_empty_str(strategy, "type", "RollingUpdate");
        if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate")
            && let Some(rolling) = child(strategy, "rollingUpdate")
        {
            set_if_absent(rolling, "maxUnavailable", json!("25%"));
            set_if_absent(rolling, "maxSurge", json!("25%"));
        }
    }
    set_if_absent(spec, "revisionHistoryLimit", json!(10));
    set_if_absent(spec, "progressDeadlineSeconds", json!(600));
    template(spec);
}

/// apps/v1 `SetDefaults_ReplicaSet`, then the pod template.
fn replica_set(object: &mut Map<String, Value>) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    set_if_absent(spec, "replicas", json!(1));
    template(spec);
}

/// The defaults of a pod template's spec (no Pod-only defaults).
fn template(spec: &mut Map<String, Value>) {
    if let Some(template) = existing(spec, "template")
        && let Some(pod_spec) = existing(template, "spec")
    {
        apply_pod_spec_defaults(pod_spec);
    }
}

/// core/v1 `SetDefaults_Service`, plus the IP families the service registry sets on create.
fn service(object: &mut Map<String, Value>) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    set_if_empty_str(spec, "sessionAffinity", "None");
    match spec.get("sessionAffinity").and_then(Value::as_str) {
        Some("None") => {
            spec.remove("sessionAffinityConfig");
        }
        Some("ClientIP") => {
            let has_timeout = spec
                .get("sessionAffinityConfig")
                .and_then(|c| c.get("clientIP"))
                .and_then(|c| c.get("timeoutSeconds"))
                .is_some_and(|t| !t.is_null());
            if !has_timeout {
                spec.insert(
                    "sessionAffinityConfig".into(),
                    json!({"clientIP": {"timeoutSeconds": 10800}}),
                );
            }
        }
        _ => {}
    }
    set_if_empty_str(spec, "type", "ClusterIP");
    for port in each(spec, "ports") {
        set_if_empty_str(port, "protocol", "TCP");
        let target_unset = match port.get("targetPort") {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(v) => v.as_i64() == Some(0),
        };
        if target_unset && let Some(p) = port.get("port").cloned() {
            port.insert("targetPort".into(), p);
        }
    }
    let kind = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let externally_accessible = kind == "LoadBalancer"
        || kind == "NodePort"
        || (kind == "ClusterIP" && !is_empty_list(spec, "externalIPs"));
    if externally_accessible {
        set_if_empty_str(spec, "externalTrafficPolicy", "Cluster");
    }
    if matches!(kind.as_str(), "ClusterIP" | "NodePort" | "LoadBalancer") {
        set_if_absent(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if kind == "LoadBalancer" {
        set_if_absent(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    if kind != "ExternalName" {
        // The service registry (pkg/registry/core/service/storage, `initIPFamilyFields`) on a
        // single-stack IPv4 cluster: selectorless headless services ask for dual stack.
        let headless = spec.get("clusterIP").and_then(Value::as_str) == Some("None");
        let selectorless = spec
            .get("selector")
            .and_then(Value::as_object)
            .is_none_or(Map::is_empty);
        let policy = if headless && selectorless {
            "RequireDualStack"
        } else {
            "SingleStack"
        };
        set_if_absent(spec, "ipFamilyPolicy", json!(policy));
        if is_empty_list(spec, "ipFamilies") {
            spec.insert("ipFamilies".into(), json!(["IPv4"]));
        }
    }
}

/// core/v1 `SetDefaults_Namespace` (the name label) and `SetDefaults_NamespaceStatus`, plus the
/// `kubernetes` finalizer the namespace strategy adds on create.
fn namespace(object: &mut Map<String, Value>) {
    let name = object
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !name.is_empty()
        && let Some(metadata) = child(object, "metadata")
        && let Some(labels) = child(metadata, "labels")
    {
        labels.insert("kubernetes.io/metadata.name".into(), Value::String(name));
    }
    if let Some(spec) = child(object, "spec") {
        set_if_absent(spec, "finalizers", json!([]));
        if let Some(finalizers) = spec.get_mut("finalizers").and_then(Value::as_array_mut)
            && !finalizers.iter().any(|f| f.as_str() == Some("kubernetes"))
        {
            finalizers.push(json!("kubernetes"));
        }
    }
    if let Some(status) = child(object, "status") {
        set_if_empty_str(status, "phase", "Active");
    }
}

/// core/v1 `SetDefaults_Endpoints`: port protocols.
fn endpoints(object: &mut Map<String, Value>) {
    for subset in each(object, "subsets") {
        for port in each(subset, "ports") {
            set_if_empty_str(port, "protocol", "TCP");
        }
    }
}

/// core/v1 `SetDefaults_NodeStatus`: allocatable defaults to capacity.
fn node(object: &mut Map<String, Value>) {
    if let Some(status) = existing(object, "status")
        && let Some(capacity) = status.get("capacity").cloned()
    {
        set_if_absent(status, "allocatable", capacity);
    }
}

/// networking/v1 `SetDefaults_NetworkPolicy` and `SetDefaults_NetworkPolicyPort`.
fn network_policy(object: &mut Map<String, Value>) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    for direction in ["ingress", "egress"] {
        for rule in each(spec, direction) {
            for port in each(rule, "ports") {
                set_if_absent(port, "protocol", json!("TCP"));
            }
        }
    }
    if is_empty_list(spec, "policyTypes") {
        let mut types = vec![json!("Ingress")];
        if !is_empty_list(spec, "egress") {
            types.push(json!("Egress"));
        }
        spec.insert("policyTypes".into(), Value::Array(types));
    }
}

/// networking/v1 `SetDefaults_IngressClass`: parameters are cluster-scoped unless told.
fn ingress_class(object: &mut Map<String, Value>) {
    if let Some(spec) = existing(object, "spec")
        && let Some(parameters) = existing(spec, "parameters")
    {
        set_if_absent(parameters, "scope", json!("Cluster"));
    }
}

/// discovery/v1 `SetDefaults_EndpointPort`.
fn endpoint_slice(object: &mut Map<String, Value>) {
    for port in each(object, "ports") {
        set_if_absent(port, "name", json!(""));
        set_if_absent(port, "protocol", json!("TCP"));
    }
}

/// rbac/v1 `SetDefaults_RoleBinding`/`ClusterRoleBinding` and `SetDefaults_Subject`.
fn role_binding(object: &mut Map<String, Value>) {
    if let Some(role_ref) = existing(object, "roleRef") {
        set_if_empty_str(role_ref, "apiGroup", "rbac.authorization.k8s.io");
    }
    for subject in each(object, "subjects") {
        let kind = subject.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind == "User" || kind == "Group" {
            set_if_empty_str(subject, "apiGroup", "rbac.authorization.k8s.io");
        }
    }
}

#[cfg(test)]
mod tests;
