//! The cells of each kind's row, following kube-apiserver's printers with wide output (the server
//! always sends the priority-1 cells; kubectl hides them without `-o wide`).

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde_json::Value;

use super::age::{parse_time, rfc3339, since};
use super::columns::{self, ColumnDefinition};
use super::fields::{array, i64_at, len_at, map, none_if_empty, str_at};
use super::pod::pod_row;
use crate::selector::{LabelSelector, format_label_selector, format_labels};

/// Which printer handles a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Printer {
    Pod,
    Node,
    Namespace,
    Service,
    Endpoints,
    Event,
    ConfigMap,
    Secret,
    ServiceAccount,
    Deployment,
    ReplicaSet,
    Ingress,
    IngressClass,
    NetworkPolicy,
    EndpointSlice,
    RoleBinding,
    ClusterRoleBinding,
    Lease,
    /// Kinds without a printer (Role, ClusterRole, ...): Name and Created At.
    Default,
}

fn printer(group: &str, kind: &str) -> Printer {
    match (group, kind) {
        ("", "Pod") => Printer::Pod,
        ("", "Node") => Printer::Node,
        ("", "Namespace") => Printer::Namespace,
        ("", "Service") => Printer::Service,
        ("", "Endpoints") => Printer::Endpoints,
        ("" | "events.k8s.io", "Event") => Printer::Event,
        ("", "ConfigMap") => Printer::ConfigMap,
        ("", "Secret") => Printer::Secret,
        ("", "ServiceAccount") => Printer::ServiceAccount,
        ("apps", "Deployment") => Printer::Deployment,
        ("apps", "ReplicaSet") => Printer::ReplicaSet,
        ("networking.k8s.io", "Ingress") => Printer::Ingress,
        ("networking.k8s.io", "IngressClass") => Printer::IngressClass,
        ("networking.k8s.io", "NetworkPolicy") => Printer::NetworkPolicy,
        ("discovery.k8s.io", "EndpointSlice") => Printer::EndpointSlice,
        ("rbac.authorization.k8s.io", "RoleBinding") => Printer::RoleBinding,
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => Printer::ClusterRoleBinding,
        ("coordination.k8s.io", "Lease") => Printer::Lease,
        _ => Printer::Default,
    }
}

/// The column definitions of a kind.
pub(super) fn columns_of(group: &str, kind: &str) -> &'static [ColumnDefinition] {
    match printer(group, kind) {
        Printer::Pod => columns::POD,
        Printer::Node => columns::NODE,
        Printer::Namespace => columns::NAMESPACE,
        Printer::Service => columns::SERVICE,
        Printer::Endpoints => columns::ENDPOINTS,
        Printer::Event => columns::EVENT,
        Printer::ConfigMap => columns::CONFIG_MAP,
        Printer::Secret => columns::SECRET,
        Printer::ServiceAccount => columns::SERVICE_ACCOUNT,
        Printer::Deployment => columns::DEPLOYMENT,
        Printer::ReplicaSet => columns::REPLICA_SET,
        Printer::Ingress => columns::INGRESS,
        Printer::IngressClass => columns::INGRESS_CLASS,
        Printer::NetworkPolicy => columns::NETWORK_POLICY,
        Printer::EndpointSlice => columns::ENDPOINT_SLICE,
        Printer::RoleBinding => columns::ROLE_BINDING,
        Printer::ClusterRoleBinding => columns::CLUSTER_ROLE_BINDING,
        Printer::Lease => columns::LEASE,
        Printer::Default => columns::DEFAULT,
    }
}

/// The cells of an object's row and, for pods that finished, the row's conditions.
pub(super) fn row_of(
    group: &str,
    kind: &str,
    obj: &Value,
    now: Timestamp,
) -> (Vec<Value>, Option<Value>) {
    let name = || Value::from(str_at(obj, "/metadata/name"));
    let age = || {
        Value::from(since(
            parse_time(obj.pointer("/metadata/creationTimestamp")),
            now,
        ))
    };
    let cells = match printer(group, kind) {
        Printer::Pod => return pod_row(obj, now),
        Printer::Node => node(obj, now),
        Printer::Namespace => vec![name(), str_at(obj, "/status/phase").into(), age()],
        Printer::Service => service(obj, now),
        Printer::Endpoints => vec![name(), endpoints(obj).into(), age()],
        Printer::Event => event(obj, now),
        Printer::ConfigMap => {
            let count = len_at(obj, "/data") + len_at(obj, "/binaryData");
            vec![name(), count.into(), age()]
        }
        Printer::Secret => vec![
            name(),
            str_at(obj, "/type").into(),
            len_at(obj, "/data").into(),
            age(),
        ],
        Printer::ServiceAccount => vec![name(), len_at(obj, "/secrets").into(), age()],
        Printer::Deployment => deployment(obj, now),
        Printer::ReplicaSet => replica_set(obj, now),
        Printer::Ingress => ingress(obj, now),
        Printer::IngressClass => ingress_class(obj, now),
        Printer::NetworkPolicy => vec![
            name(),
            format_label_selector(obj.pointer("/spec/podSelector").unwrap_or(&Value::Null)).into(),
            age(),
        ],
        Printer::EndpointSlice => endpoint_slice(obj, now),
        Printer::RoleBinding | Printer::ClusterRoleBinding => role_binding(obj, now),
        Printer::Lease => vec![name(), str_at(obj, "/spec/holderIdentity").into(), age()],
        Printer::Default => vec![
            name(),
            rfc3339(parse_time(obj.pointer("/metadata/creationTimestamp"))).into(),
        ],
    };
    (cells, None)
}

fn age_of(obj: &Value, now: Timestamp) -> Value {
    since(parse_time(obj.pointer("/metadata/creationTimestamp")), now).into()
}

/// `layoutContainerCells`: container names and images, each joined with commas.
fn containers_and_images(obj: &Value, pointer: &str) -> (String, String) {
    let containers = array(obj, pointer);
    let names: Vec<&str> = containers.iter().map(|c| str_at(c, "/name")).collect();
    let images: Vec<&str> = containers.iter().map(|c| str_at(c, "/image")).collect();
    (names.join(","), images.join(","))
}

fn deployment(obj: &Value, now: Timestamp) -> Vec<Value> {
    let desired = obj
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let ready = i64_at(obj, "/status/readyReplicas");
    let (names, images) = containers_and_images(obj, "/spec/template/spec/containers");
    let selector = match LabelSelector::from_label_selector_json(
        obj.pointer("/spec/selector").unwrap_or(&Value::Null),
    ) {
        Ok(s) => s.to_string(),
        Err(_) => "<invalid>".to_string(),
    };
    vec![
        str_at(obj, "/metadata/name").into(),
        format!("{ready}/{desired}").into(),
        i64_at(obj, "/status/updatedReplicas").into(),
        i64_at(obj, "/status/availableReplicas").into(),
        age_of(obj, now),
        names.into(),
        images.into(),
        selector.into(),
    ]
}

fn replica_set(obj: &Value, now: Timestamp) -> Vec<Value> {
    let desired = obj
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let (names, images) = containers_and_images(obj, "/spec/template/spec/containers");
    vec![
        str_at(obj, "/metadata/name").into(),
        desired.into(),
        i64_at(obj, "/status/replicas").into(),
        i64_at(obj, "/status/readyReplicas").into(),
        age_of(obj, now),
        names.into(),
        images.into(),
        format_label_selector(obj.pointer("/spec/selector").unwrap_or(&Value::Null)).into(),
    ]
}

/// The load balancer's IPs, else hostnames, sorted and without duplicates. The server prints
/// wide output, so the 16-character clipping of `kubectl get` without a server Table never
/// applies.
fn load_balancer_addresses(obj: &Value) -> Vec<String> {
    let mut set = BTreeSet::new();
    for ingress in array(obj, "/status/loadBalancer/ingress") {
        let ip = str_at(ingress, "/ip");
        let hostname = str_at(ingress, "/hostname");
        if !ip.is_empty() {
            set.insert(ip.to_string());
        } else if !hostname.is_empty() {
            set.insert(hostname.to_string());
        }
    }
    set.into_iter().collect()
}

fn strings(obj: &Value, pointer: &str) -> Vec<String> {
    array(obj, pointer)
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn service(obj: &Value, now: Timestamp) -> Vec<Value> {
    let svc_type = match str_at(obj, "/spec/type") {
        "" => "ClusterIP",
        t => t,
    };
    let cluster_ip = obj
        .pointer("/spec/clusterIPs/0")
        .and_then(Value::as_str)
        .unwrap_or_else(|| str_at(obj, "/spec/clusterIP"));
    let external_ips = strings(obj, "/spec/externalIPs");
    let external = match svc_type {
        "ClusterIP" | "NodePort" if !external_ips.is_empty() => external_ips.join(","),
        "ClusterIP" | "NodePort" => "<none>".to_string(),
        "LoadBalancer" => {
            let mut all = load_balancer_addresses(obj);
            all.extend(external_ips);
            if all.is_empty() {
                "<pending>".to_string()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => str_at(obj, "/spec/externalName").to_string(),
        _ => "<unknown>".to_string(),
    };
    let ports: Vec<String> = array(obj, "/spec/ports")
        .iter()
        .map(|p| {
            let port = i64_at(p, "/port");
            let protocol = match str_at(p, "/protocol") {
                "" => "TCP",
                proto => proto,
            };
            let node_port = i64_at(p, "/nodePort");
            if node_port > 0 {
                format!("{port}:{node_port}/{protocol}")
            } else {
                format!("{port}/{protocol}")
            }
        })
        .collect();
    vec![
        str_at(obj, "/metadata/name").into(),
        svc_type.into(),
        none_if_empty(cluster_ip).into(),
        external.into(),
        none_if_empty(&ports.join(",")).into(),
        age_of(obj, now),
        format_labels(map(obj, "/spec/selector")).into(),
    ]
}

/// `net.JoinHostPort`: brackets around IPv6 addresses.
fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// `formatEndpoints`: up to three `ip:port`, then `+ N more...`.
fn endpoints(obj: &Value) -> String {
    const MAX: usize = 3;
    let subsets = array(obj, "/subsets");
    if subsets.is_empty() {
        return "<none>".to_string();
    }
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    for subset in subsets {
        let addresses = array(subset, "/addresses");
        let ports = array(subset, "/ports");
        if ports.is_empty() {
            // Headless services may have no ports.
            count += addresses.len();
            for address in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(str_at(address, "/ip").to_string());
            }
            continue;
        }
        for port in ports {
            count += addresses.len();
            for address in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(join_host_port(
                    str_at(address, "/ip"),
                    i64_at(port, "/port"),
                ));
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count.saturating_sub(MAX))
    } else {
        joined
    }
}

/// `listWithMoreString`: up to three items, `+ N more...`, `<unset>` when empty.
fn list_with_more(items: impl Iterator<Item = String>) -> String {
    const MAX: usize = 3;
    let mut list = Vec::new();
    let mut count = 0usize;
    for item in items {
        if list.len() < MAX {
            list.push(item);
        }
        count += 1;
    }
    let joined = list.join(",");
    if count > MAX {
        return format!("{joined} + {} more...", count - MAX);
    }
    if joined.is_empty() {
        "<unset>".to_string()
    } else {
        joined
    }
}

fn endpoint_slice(obj: &Value, now: Timestamp) -> Vec<Value> {
    let ports = array(obj, "/ports").iter().map(|p| {
        match (
            p.get("port").and_then(Value::as_i64),
            p.get("name").and_then(Value::as_str),
        ) {
            (Some(port), _) => port.to_string(),
            (None, Some(name)) => name.to_string(),
            (None, None) => "*".to_string(),
        }
    });
    let addresses = array(obj, "/endpoints")
        .iter()
        .flat_map(|e| array(e, "/addresses").iter())
        .map(|a| a.as_str().unwrap_or_default().to_string());
    vec![
        str_at(obj, "/metadata/name").into(),
        str_at(obj, "/addressType").into(),
        list_with_more(ports).into(),
        list_with_more(addresses).into(),
        age_of(obj, now),
    ]
}

/// `formatHosts`: up to three rule hosts, `*` when no rule names a host.
fn ingress_hosts(obj: &Value) -> String {
    const MAX: usize = 3;
    let rules = array(obj, "/spec/rules");
    let mut list: Vec<&str> = Vec::new();
    let mut more = false;
    for rule in rules {
        if list.len() == MAX {
            more = true;
        }
        let host = str_at(rule, "/host");
        if !more && !host.is_empty() {
            list.push(host);
        }
    }
    if list.is_empty() {
        return "*".to_string();
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", rules.len() - MAX)
    } else {
        joined
    }
}

fn ingress(obj: &Value, now: Timestamp) -> Vec<Value> {
    let class = match obj
        .pointer("/spec/ingressClassName")
        .and_then(Value::as_str)
    {
        Some(c) => c.to_string(),
        None => "<none>".to_string(),
    };
    let ports = if array(obj, "/spec/tls").is_empty() {
        "80"
    } else {
        "80, 443"
    };
    vec![
        str_at(obj, "/metadata/name").into(),
        class.into(),
        ingress_hosts(obj).into(),
        load_balancer_addresses(obj).join(",").into(),
        ports.into(),
        age_of(obj, now),
    ]
}

fn ingress_class(obj: &Value, now: Timestamp) -> Vec<Value> {
    let parameters = match obj.pointer("/spec/parameters") {
        Some(p) if p.is_object() => {
            let mut text = str_at(p, "/kind").to_string();
            if let Some(group) = p.get("apiGroup").and_then(Value::as_str) {
                text.push('.');
                text.push_str(group);
            }
            format!("{text}/{}", str_at(p, "/name"))
        }
        _ => "<none>".to_string(),
    };
    vec![
        str_at(obj, "/metadata/name").into(),
        str_at(obj, "/spec/controller").into(),
        parameters.into(),
        age_of(obj, now),
    ]
}

fn node(obj: &Value, now: Timestamp) -> Vec<Value> {
    let mut status: Vec<String> = Vec::new();
    // Only the Ready condition counts; with several, the last one wins as in a Go map.
    if let Some(ready) = array(obj, "/status/conditions")
        .iter()
        .rev()
        .find(|c| str_at(c, "/type") == "Ready")
    {
        status.push(if str_at(ready, "/status") == "True" {
            "Ready".to_string()
        } else {
            "NotReady".to_string()
        });
    }
    if status.is_empty() {
        status.push("Unknown".to_string());
    }
    if obj
        .pointer("/spec/unschedulable")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        status.push("SchedulingDisabled".to_string());
    }
    let mut roles = BTreeSet::new();
    for (key, value) in map(obj, "/metadata/labels").into_iter().flatten() {
        if let Some(role) = key.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.insert(role.to_string());
            }
        } else if key == "kubernetes.io/role" {
            let role = value.as_str().unwrap_or_default();
            if !role.is_empty() {
                roles.insert(role.to_string());
            }
        }
    }
    let roles = roles.into_iter().collect::<Vec<_>>().join(",");
    let address = |kind: &str| {
        array(obj, "/status/addresses")
            .iter()
            .find(|a| str_at(a, "/type") == kind)
            .map_or_else(
                || "<none>".to_string(),
                |a| str_at(a, "/address").to_string(),
            )
    };
    let unknown_if_empty = |s: &str| {
        if s.is_empty() {
            "<unknown>".to_string()
        } else {
            s.to_string()
        }
    };
    vec![
        str_at(obj, "/metadata/name").into(),
        status.join(",").into(),
        none_if_empty(&roles).into(),
        age_of(obj, now),
        str_at(obj, "/status/nodeInfo/kubeletVersion").into(),
        address("InternalIP").into(),
        address("ExternalIP").into(),
        unknown_if_empty(str_at(obj, "/status/nodeInfo/osImage")).into(),
        unknown_if_empty(str_at(obj, "/status/nodeInfo/kernelVersion")).into(),
        unknown_if_empty(str_at(obj, "/status/nodeInfo/containerRuntimeVersion")).into(),
    ]
}

/// An Event's printed fields, read from either the core/v1 or the events.k8s.io/v1 shape.
struct EventFields<'a> {
    object_ref: Option<&'a Value>,
    message: &'a str,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    count: i64,
    source_component: &'a str,
    source_host: &'a str,
    reporting_controller: &'a str,
    reporting_instance: &'a str,
}

impl<'a> EventFields<'a> {
    fn read(obj: &'a Value) -> Self {
        if crate::selector::is_events_k8s_io_shape(obj) {
            Self {
                object_ref: obj.get("regarding"),
                message: str_at(obj, "/note"),
                first: parse_time(obj.get("deprecatedFirstTimestamp")),
                last: parse_time(obj.get("deprecatedLastTimestamp")),
                count: i64_at(obj, "/deprecatedCount"),
                source_component: str_at(obj, "/deprecatedSource/component"),
                source_host: str_at(obj, "/deprecatedSource/host"),
                reporting_controller: str_at(obj, "/reportingController"),
                reporting_instance: str_at(obj, "/reportingInstance"),
            }
        } else {
            Self {
                object_ref: obj.get("involvedObject"),
                message: str_at(obj, "/message"),
                first: parse_time(obj.get("firstTimestamp")),
                last: parse_time(obj.get("lastTimestamp")),
                count: i64_at(obj, "/count"),
                source_component: str_at(obj, "/source/component"),
                source_host: str_at(obj, "/source/host"),
                reporting_controller: str_at(obj, "/reportingComponent"),
                reporting_instance: str_at(obj, "/reportingInstance"),
            }
        }
    }
}

fn event(obj: &Value, now: Timestamp) -> Vec<Value> {
    let fields = EventFields::read(obj);
    let first_seen = match fields.first {
        Some(t) => since(Some(t), now),
        None => since(parse_time(obj.get("eventTime")), now),
    };
    let mut last_seen = match fields.last {
        Some(t) => since(Some(t), now),
        None => first_seen.clone(),
    };
    let mut count = fields.count;
    if let Some(series) = obj.get("series").filter(|s| s.is_object()) {
        last_seen = since(parse_time(series.get("lastObservedTime")), now);
        count = i64_at(series, "/count");
    } else if count == 0 {
        // Singleton events of the new API carry no count.
        count = 1;
    }
    let (kind, name, field_path) = match fields.object_ref {
        Some(r) => (
            str_at(r, "/kind"),
            str_at(r, "/name"),
            str_at(r, "/fieldPath"),
        ),
        None => ("", "", ""),
    };
    let target = if name.is_empty() {
        kind.to_lowercase()
    } else {
        format!("{}/{name}", kind.to_lowercase())
    };
    let component = first_non_empty(fields.source_component, fields.reporting_controller);
    let instance = first_non_empty(fields.source_host, fields.reporting_instance);
    let source = if instance.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {instance}")
    };
    vec![
        last_seen.into(),
        str_at(obj, "/type").into(),
        str_at(obj, "/reason").into(),
        target.into(),
        field_path.into(),
        source.into(),
        fields.message.trim().into(),
        first_seen.into(),
        count.into(),
        str_at(obj, "/metadata/name").into(),
    ]
}

fn first_non_empty<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() { b } else { a }
}

/// Role, age, and the subjects split into users, groups and `namespace/name` service accounts.
fn role_binding(obj: &Value, now: Timestamp) -> Vec<Value> {
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut service_accounts = Vec::new();
    for subject in array(obj, "/subjects") {
        let name = str_at(subject, "/name");
        match str_at(subject, "/kind") {
            "ServiceAccount" => {
                service_accounts.push(format!("{}/{name}", str_at(subject, "/namespace")));
            }
            "User" => users.push(name.to_string()),
            "Group" => groups.push(name.to_string()),
            _ => {}
        }
    }
    vec![
        str_at(obj, "/metadata/name").into(),
        format!(
            "{}/{}",
            str_at(obj, "/roleRef/kind"),
            str_at(obj, "/roleRef/name")
        )
        .into(),
        age_of(obj, now),
        users.join(", ").into(),
        groups.join(", ").into(),
        service_accounts.join(", ").into(),
    ]
}
