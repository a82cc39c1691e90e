//! Core kinds other than Pod: kubernetes `pkg/apis/core/validation/validation.go`
//! (`ValidateService`, `validateServicePort`, `ValidatePortNumOrName`,
//! `validateUpgradeDowngradeClusterIPs`, `ValidateNamespace`, `ValidateConfigMap`,
//! `ValidateConfigMapUpdate`, `ValidateSecret`, `ValidateSecretUpdate`, `ValidateEventCreate`,
//! `ValidateNode`, `ValidateEndpoints`). Node ports are checked against the range by the API
//! server's allocator, which knows the configured range.

use std::collections::HashSet;

use serde_json::Value;

use super::meta;
use super::names;
use super::pods::PORT_PROTOCOLS;
use super::{
    Errors, at, flag, go_int_or_string, go_quote, go_string_slice, int, list, object, text,
};

/// `core.MaxSecretSize`.
const MAX_SECRET_SIZE: usize = 1024 * 1024;

/// The kubelet port, never exposed by a LoadBalancer (`ports.KubeletPort`).
const KUBELET_PORT: i64 = 10250;

/// The cluster IPs as the registry normalises them: `clusterIPs`, else `[clusterIP]`.
fn cluster_ips(spec: &Value) -> Vec<String> {
    let ips: Vec<String> = list(spec, &["clusterIPs"])
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    if ips.is_empty() {
        let ip = text(spec, &["clusterIP"]);
        if !ip.is_empty() {
            return vec![ip.to_string()];
        }
    }
    ips
}

/// `ValidateService` / `ValidateServiceUpdate`.
pub(crate) fn service(errs: &mut Errors, obj: &Value, old: Option<&Value>) {
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    let kind = text(spec, &["type"]);
    let ips = cluster_ips(spec);
    let headless = ips.first().is_some_and(|ip| ip == "None");
    let ports = list(spec, &["ports"]);
    if ports.is_empty() && !headless && kind != "ExternalName" {
        errs.required("spec.ports", "");
    }
    match kind {
        "LoadBalancer" => {
            if headless {
                errs.invalid_str(
                    "spec.clusterIPs[0]",
                    "None",
                    "may not be set to 'None' for LoadBalancer services",
                );
            }
            for (i, port) in ports.iter().enumerate() {
                if int(port, &["port"]) == Some(KUBELET_PORT) {
                    errs.invalid_int(
                        &format!("spec.ports[{i}]"),
                        KUBELET_PORT,
                        "may not expose port 10250 externally since it is used by kubelet",
                    );
                }
            }
        }
        "NodePort" if headless => {
            errs.invalid_str(
                "spec.clusterIPs[0]",
                "None",
                "may not be set to 'None' for NodePort services",
            );
        }
        "ExternalName" => {
            if !ips.is_empty() {
                errs.forbidden(
                    "spec.clusterIPs",
                    "may not be set for ExternalName services",
                );
            }
            if !list(spec, &["ipFamilies"]).is_empty() {
                errs.forbidden(
                    "spec.ipFamilies",
                    "may not be set for ExternalName services",
                );
            }
            if at(spec, &["ipFamilyPolicy"]).is_some_and(|v| !v.is_null()) {
                errs.forbidden(
                    "spec.ipFamilyPolicy",
                    "may not be set for ExternalName services",
                );
            }
            let external = text(spec, &["externalName"]);
            let cname = external.strip_suffix('.').unwrap_or(external);
            if cname.is_empty() {
                errs.required("spec.externalName", "");
            } else {
                errs.invalid_each("spec.externalName", cname, names::dns1123_subdomain(cname));
            }
        }
        _ => {}
    }
    let mut port_names = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        service_port(
            errs,
            port,
            ports.len() > 1,
            &mut port_names,
            &format!("spec.ports[{i}]"),
        );
    }
    meta::labels(errs, object(spec, &["selector"]), "spec.selector");
    match text(spec, &["sessionAffinity"]) {
        "" => errs.required("spec.sessionAffinity", ""),
        "ClientIP" | "None" => {}
        other => errs.not_supported("spec.sessionAffinity", other, &["ClientIP", "None"]),
    }
    for (i, ip) in ips.iter().enumerate() {
        if ip != "None" && names::parse_ip_sloppy(ip).is_none() {
            errs.invalid_str(&format!("spec.clusterIPs[{i}]"), ip, names::INVALID_IP);
        }
    }
    match kind {
        "" => errs.required("spec.type", ""),
        "ClusterIP" | "ExternalName" | "LoadBalancer" | "NodePort" => {}
        other => errs.not_supported(
            "spec.type",
            other,
            &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
        ),
    }
    if kind == "ClusterIP" {
        for (i, port) in ports.iter().enumerate() {
            if int(port, &["nodePort"]).unwrap_or(0) != 0 {
                errs.forbidden(
                    &format!("spec.ports[{i}].nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                );
            }
        }
    }
    let mut node_ports = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let node_port = int(port, &["nodePort"]).unwrap_or(0);
        if node_port == 0 {
            continue;
        }
        if !node_ports.insert((text(port, &["protocol"]), node_port)) {
            errs.duplicate_shown(&format!("spec.ports[{i}].nodePort"), &node_port.to_string());
        }
        // The range is the node-port allocator's to check (the API server's configured range).
    }
    let mut seen = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let protocol = text(port, &["protocol"]);
        let number = int(port, &["port"]).unwrap_or(0);
        if !seen.insert((protocol, number)) {
            // Duplicate(portPath, key) prints the key struct with `%#v`.
            errs.duplicate_shown(
                &format!("spec.ports[{i}]"),
                &format!(
                    "core.ServicePort{{Name:\"\", Protocol:{}, AppProtocol:(*string)(nil), Port:{number}, TargetPort:{}, NodePort:0}}",
                    go_quote(protocol),
                    go_int_or_string(None)
                ),
            );
        }
    }
    for policy in ["externalTrafficPolicy", "internalTrafficPolicy"] {
        let value = text(spec, &[policy]);
        if !value.is_empty() && value != "Cluster" && value != "Local" {
            errs.not_supported(&format!("spec.{policy}"), value, &["Cluster", "Local"]);
        }
    }
    if let Some(old) = old {
        let old_spec = at(old, &["spec"]).unwrap_or(&empty);
        let old_ips = cluster_ips(old_spec);
        let involves_external_name =
            kind == "ExternalName" || text(old_spec, &["type"]) == "ExternalName";
        if !involves_external_name
            && let (Some(before), Some(now)) = (old_ips.first(), ips.first())
            && before != now
        {
            let shown: Vec<Value> = ips.iter().map(|s| Value::String(s.clone())).collect();
            errs.invalid_shown(
                "spec.clusterIPs[0]",
                &go_string_slice(&shown),
                "may not change once set",
            );
        }
    }
}

/// `validateServicePort`.
fn service_port<'v>(
    errs: &mut Errors,
    port: &'v Value,
    require_name: bool,
    names_seen: &mut HashSet<&'v str>,
    field: &str,
) {
    let name = text(port, &["name"]);
    if require_name && name.is_empty() {
        errs.required(&format!("{field}.name"), "");
    } else if !name.is_empty() {
        errs.invalid_each(&format!("{field}.name"), name, names::dns1123_label(name));
        if !names_seen.insert(name) {
            errs.duplicate_shown(&format!("{field}.name"), &go_quote(name));
        }
    }
    let number = int(port, &["port"]).unwrap_or(0);
    for m in names::port_num(number) {
        errs.invalid_int(&format!("{field}.port"), number, &m);
    }
    match text(port, &["protocol"]) {
        "" => errs.required(&format!("{field}.protocol"), ""),
        p if PORT_PROTOCOLS.contains(&p) => {}
        other => errs.not_supported(&format!("{field}.protocol"), other, PORT_PROTOCOLS),
    }
    port_num_or_name(
        errs,
        at(port, &["targetPort"]),
        &format!("{field}.targetPort"),
    );
}

/// `ValidatePortNumOrName` (an absent target port is the zero IntOrString: port 0).
pub(crate) fn port_num_or_name(errs: &mut Errors, value: Option<&Value>, field: &str) {
    match value {
        Some(Value::String(s)) => errs.invalid_each(field, s, names::port_name(s)),
        other => {
            let n = other.and_then(Value::as_i64).unwrap_or(0);
            for m in names::port_num(n) {
                errs.invalid_int(field, n, &m);
            }
        }
    }
}

/// `ValidateNamespace`: the finalizers of the spec.
pub(crate) fn namespace(errs: &mut Errors, obj: &Value) {
    meta::finalizers(errs, list(obj, &["spec", "finalizers"]), "spec.finalizers");
}

/// The keys checks shared by ConfigMap `data`/`binaryData` and Secret `data`.
fn data_keys(errs: &mut Errors, obj: &Value, member: &str) -> usize {
    let mut total = 0;
    if let Some(data) = object(obj, &[member]) {
        for (key, value) in data {
            errs.invalid_each(&format!("{member}[{key}]"), key, names::config_map_key(key));
            total += value.as_str().map_or(0, str::len);
        }
    }
    total
}

/// `ValidateConfigMap` / `ValidateConfigMapUpdate`.
pub(crate) fn config_map(errs: &mut Errors, obj: &Value, old: Option<&Value>) {
    let mut total = data_keys(errs, obj, "data");
    if let (Some(data), Some(binary)) = (object(obj, &["data"]), object(obj, &["binaryData"])) {
        for key in data.keys().filter(|k| binary.contains_key(*k)) {
            errs.invalid_str(
                &format!("data[{key}]"),
                key,
                "duplicate of key present in binaryData",
            );
        }
    }
    total += data_keys(errs, obj, "binaryData");
    if total > MAX_SECRET_SIZE {
        errs.too_long("", MAX_SECRET_SIZE);
    }
    if let Some(old) = old {
        immutable_data(errs, obj, old, &["data", "binaryData"]);
    }
}

/// The `immutable: true` rule of ConfigMap and Secret updates.
fn immutable_data(errs: &mut Errors, obj: &Value, old: &Value, members: &[&str]) {
    if !flag(old, &["immutable"]) {
        return;
    }
    if !flag(obj, &["immutable"]) {
        errs.forbidden("immutable", "field is immutable when `immutable` is set");
    }
    for member in members {
        let now = object(obj, &[member]).filter(|m| !m.is_empty());
        let before = object(old, &[member]).filter(|m| !m.is_empty());
        if now != before {
            errs.forbidden(member, "field is immutable when `immutable` is set");
        }
    }
}

/// `ValidateSecret` / `ValidateSecretUpdate`. `stringData` counts as `data` (the conversion
/// merges it before validation).
pub(crate) fn secret(errs: &mut Errors, obj: &Value, old: Option<&Value>) {
    let mut total = data_keys(errs, obj, "data");
    if let Some(string_data) = object(obj, &["stringData"]) {
        for (key, value) in string_data {
            errs.invalid_each(&format!("data[{key}]"), key, names::config_map_key(key));
            total += value.as_str().map_or(0, str::len);
        }
    }
    if total > MAX_SECRET_SIZE {
        errs.too_long("data", MAX_SECRET_SIZE);
    }
    let has_key = |key: &str| {
        object(obj, &["data"]).is_some_and(|d| d.contains_key(key))
            || object(obj, &["stringData"]).is_some_and(|d| d.contains_key(key))
    };
    // The keys each secret type must carry (all of them, or for basic-auth either one).
    let (required, any_one): (&[&str], bool) = match text(obj, &["type"]) {
        "kubernetes.io/tls" => (&["tls.crt", "tls.key"], false),
        "kubernetes.io/dockerconfigjson" => (&[".dockerconfigjson"], false),
        "kubernetes.io/dockercfg" => (&[".dockercfg"], false),
        "kubernetes.io/ssh-auth" => (&["ssh-privatekey"], false),
        "kubernetes.io/basic-auth" => (&["username", "password"], true),
        _ => (&[], false),
    };
    let satisfied = if any_one {
        required.iter().any(|k| has_key(k))
    } else {
        required.iter().all(|k| has_key(k))
    };
    if !satisfied {
        for key in required.iter().filter(|k| any_one || !has_key(k)) {
            errs.required(&format!("data[{key}]"), "");
        }
    }
    let service_account = text(
        obj,
        &[
            "metadata",
            "annotations",
            "kubernetes.io/service-account.name",
        ],
    );
    if text(obj, &["type"]) == "kubernetes.io/service-account-token" && service_account.is_empty() {
        errs.required(
            "metadata.annotations[kubernetes.io/service-account.name]",
            "",
        );
    }
    if let Some(old) = old {
        let (now, before) = (text(obj, &["type"]), text(old, &["type"]));
        if now != before {
            errs.invalid_str("type", now, "field is immutable");
        }
        immutable_data(errs, obj, old, &["data"]);
    }
}

/// `ValidateEventCreate` (`legacyValidateEvent`) for core/v1 and events.k8s.io/v1 events.
pub(crate) fn event(errs: &mut Errors, obj: &Value) {
    let namespace = text(obj, &["metadata", "namespace"]);
    // events.k8s.io/v1 names the involved object `regarding`.
    let involved_namespace = if at(obj, &["regarding"]).is_some() {
        text(obj, &["regarding", "namespace"])
    } else {
        text(obj, &["involvedObject", "namespace"])
    };
    let event_time = text(obj, &["eventTime"]);
    let new_style = !event_time.is_empty();
    if !new_style {
        let agrees = if involved_namespace.is_empty() {
            namespace.is_empty() || namespace == "default"
        } else {
            namespace == involved_namespace
        };
        if !agrees {
            errs.invalid_str(
                "involvedObject.namespace",
                involved_namespace,
                "does not match event.namespace",
            );
        }
    } else {
        if involved_namespace.is_empty() && namespace != "default" && namespace != "kube-system" {
            errs.invalid_str(
                "involvedObject.namespace",
                involved_namespace,
                "does not match event.namespace",
            );
        }
        let controller = text(obj, &["reportingController"]);
        let controller = if controller.is_empty() {
            text(obj, &["reportingComponent"])
        } else {
            controller
        };
        if controller.is_empty() {
            errs.required("reportingController", "");
        }
        if text(obj, &["reportingInstance"]).is_empty() {
            errs.required("reportingInstance", "");
        }
        if text(obj, &["action"]).is_empty() {
            errs.required("action", "");
        }
        if text(obj, &["reason"]).is_empty() {
            errs.required("reason", "");
        }
    }
    let kind = text(obj, &["type"]);
    if new_style && kind != "Normal" && kind != "Warning" {
        errs.not_supported("type", kind, &["Normal", "Warning"]);
    }
}

/// `ValidateNode`: pod CIDRs and taint effects.
pub(crate) fn node(errs: &mut Errors, obj: &Value) {
    for (i, cidr) in list(obj, &["spec", "podCIDRs"]).iter().enumerate() {
        let cidr = cidr.as_str().unwrap_or("");
        if names::parse_cidr_sloppy(cidr).is_none() {
            errs.invalid_str(&format!("spec.podCIDRs[{i}]"), cidr, names::INVALID_CIDR);
        }
    }
    for (i, taint) in list(obj, &["spec", "taints"]).iter().enumerate() {
        let path = format!("spec.taints[{i}]");
        let key = text(taint, &["key"]);
        errs.invalid_each(&format!("{path}.key"), key, names::qualified_name(key));
        match text(taint, &["effect"]) {
            "" => errs.required(&format!("{path}.effect"), ""),
            "NoSchedule" | "PreferNoSchedule" | "NoExecute" => {}
            other => errs.not_supported(
                &format!("{path}.effect"),
                other,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            ),
        }
    }
}

/// `ValidateEndpoints`: addresses are IPs, ports valid.
pub(crate) fn endpoints(errs: &mut Errors, obj: &Value) {
    for (i, subset) in list(obj, &["subsets"]).iter().enumerate() {
        for member in ["addresses", "notReadyAddresses"] {
            for (j, address) in list(subset, &[member]).iter().enumerate() {
                let ip = text(address, &["ip"]);
                if names::parse_ip_sloppy(ip).is_none() {
                    errs.invalid_str(
                        &format!("subsets[{i}].{member}[{j}].ip"),
                        ip,
                        names::INVALID_IP,
                    );
                }
            }
        }
        for (j, port) in list(subset, &["ports"]).iter().enumerate() {
            let path = format!("subsets[{i}].ports[{j}]");
            let name = text(port, &["name"]);
            if !name.is_empty() {
                errs.invalid_each(&format!("{path}.name"), name, names::dns1123_label(name));
            }
            let number = int(port, &["port"]).unwrap_or(0);
            for m in names::port_num(number) {
                errs.invalid_int(&format!("{path}.port"), number, &m);
            }
            match text(port, &["protocol"]) {
                "" => errs.required(&format!("{path}.protocol"), ""),
                p if PORT_PROTOCOLS.contains(&p) => {}
                other => errs.not_supported(&format!("{path}.protocol"), other, PORT_PROTOCOLS),
            }
        }
    }
}
