//! Pods, pod templates and containers: kubernetes `pkg/apis/core/validation/validation.go`
//! (`ValidatePodSpec`, `validateContainers`, `validateContainerPorts`, `validateEnv`,
//! `validateRestartPolicy`, `validateDNSPolicy`, `validatePullPolicy`, `ValidatePodUpdate`,
//! `ValidatePodTemplateSpec`).

use std::collections::HashSet;

use serde_json::Value;

use super::meta;
use super::names;
use super::{Errors, at, int, list, object, text};

/// `supportedPortProtocols`, sorted as `sets.List` returns them.
pub(crate) const PORT_PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];

/// `ValidatePodCreate` / `ValidatePodUpdate` for a whole Pod.
pub(crate) fn pod(errs: &mut Errors, obj: &Value, old: Option<&Value>) {
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    pod_spec(errs, spec, "spec");
    if let Some(old) = old {
        pod_update(errs, spec, at(old, &["spec"]).unwrap_or(&empty));
    }
}

/// `ValidatePodTemplateSpec`: template metadata and spec.
pub(crate) fn pod_template(errs: &mut Errors, template: &Value, field: &str) {
    meta::labels(
        errs,
        object(template, &["metadata", "labels"]),
        &format!("{field}.metadata.labels"),
    );
    meta::annotations(
        errs,
        object(template, &["metadata", "annotations"]),
        &format!("{field}.metadata.annotations"),
    );
    let empty = Value::Null;
    pod_spec(
        errs,
        at(template, &["spec"]).unwrap_or(&empty),
        &format!("{field}.spec"),
    );
}

/// `ValidatePodSpec`.
pub(crate) fn pod_spec(errs: &mut Errors, spec: &Value, field: &str) {
    let volumes: HashSet<&str> = list(spec, &["volumes"])
        .iter()
        .map(|v| text(v, &["name"]))
        .collect();
    volume_names(errs, list(spec, &["volumes"]), &format!("{field}.volumes"));
    let containers = list(spec, &["containers"]);
    let init_containers = list(spec, &["initContainers"]);
    let mut seen_names = HashSet::new();
    for (i, c) in init_containers.iter().enumerate() {
        container(
            errs,
            c,
            &format!("{field}.initContainers[{i}]"),
            &mut seen_names,
            &volumes,
        );
    }
    if containers.is_empty() {
        errs.required(&format!("{field}.containers"), "");
    }
    for (i, c) in containers.iter().enumerate() {
        container(
            errs,
            c,
            &format!("{field}.containers[{i}]"),
            &mut seen_names,
            &volumes,
        );
    }
    restart_policy(
        errs,
        text(spec, &["restartPolicy"]),
        &format!("{field}.restartPolicy"),
    );
    dns_policy(
        errs,
        text(spec, &["dnsPolicy"]),
        &format!("{field}.dnsPolicy"),
    );
    errs.nonnegative(
        &format!("{field}.terminationGracePeriodSeconds"),
        int(spec, &["terminationGracePeriodSeconds"]),
    );
    if let Some(deadline) = int(spec, &["activeDeadlineSeconds"])
        && !(1..=i64::from(i32::MAX)).contains(&deadline)
    {
        errs.invalid_int(
            &format!("{field}.activeDeadlineSeconds"),
            deadline,
            &names::inclusive_range_error(1, i64::from(i32::MAX)),
        );
    }
    let service_account = text(spec, &["serviceAccountName"]);
    if !service_account.is_empty() {
        errs.invalid_each(
            &format!("{field}.serviceAccountName"),
            service_account,
            names::name_is_dns_subdomain(service_account, false),
        );
    }
    let node_name = text(spec, &["nodeName"]);
    if !node_name.is_empty() {
        errs.invalid_each(
            &format!("{field}.nodeName"),
            node_name,
            names::name_is_dns_subdomain(node_name, false),
        );
    }
    let hostname = text(spec, &["hostname"]);
    if !hostname.is_empty() {
        errs.invalid_each(
            &format!("{field}.hostname"),
            hostname,
            names::dns1123_label(hostname),
        );
    }
    let subdomain = text(spec, &["subdomain"]);
    if !subdomain.is_empty() {
        errs.invalid_each(
            &format!("{field}.subdomain"),
            subdomain,
            names::dns1123_label(subdomain),
        );
    }
    // `validateTolerations`: the operator values.
    for (i, toleration) in list(spec, &["tolerations"]).iter().enumerate() {
        let operator = text(toleration, &["operator"]);
        let path = format!("{field}.tolerations[{i}]");
        match operator {
            "" | "Equal" => {}
            "Exists" => {
                if !text(toleration, &["value"]).is_empty() {
                    errs.invalid_str(
                        &format!("{path}.operator"),
                        text(toleration, &["value"]),
                        "value must be empty when `operator` is 'Exists'",
                    );
                }
            }
            other => errs.not_supported(&format!("{path}.operator"), other, &["Equal", "Exists"]),
        }
        let effect = text(toleration, &["effect"]);
        if !effect.is_empty() && !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect)
        {
            errs.not_supported(
                &format!("{path}.effect"),
                effect,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            );
        }
    }
}

/// `ValidateVolumes`: names are DNS labels and unique.
fn volume_names(errs: &mut Errors, volumes: &[Value], field: &str) {
    let mut seen = HashSet::new();
    for (i, volume) in volumes.iter().enumerate() {
        let name = text(volume, &["name"]);
        let path = format!("{field}[{i}].name");
        if name.is_empty() {
            errs.required(&path, "");
        } else {
            errs.invalid_each(&path, name, names::dns1123_label(name));
            if !seen.insert(name) {
                errs.duplicate_shown(&path, &super::go_quote(name));
            }
        }
    }
}

/// `validateRestartPolicy`.
fn restart_policy(errs: &mut Errors, policy: &str, field: &str) {
    match policy {
        "Always" | "OnFailure" | "Never" => {}
        "" => errs.required(field, ""),
        other => errs.not_supported(field, other, &["Always", "OnFailure", "Never"]),
    }
}

/// `validateDNSPolicy`.
fn dns_policy(errs: &mut Errors, policy: &str, field: &str) {
    match policy {
        "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" | "None" => {}
        "" => errs.required(field, ""),
        other => errs.not_supported(
            field,
            other,
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        ),
    }
}

/// `validateContainerCommon` and `validateContainers` for one container.
fn container<'v>(
    errs: &mut Errors,
    c: &'v Value,
    field: &str,
    seen_names: &mut HashSet<&'v str>,
    volumes: &HashSet<&str>,
) {
    let name = text(c, &["name"]);
    let name_path = format!("{field}.name");
    if name.is_empty() {
        errs.required(&name_path, "");
    } else {
        errs.invalid_each(&name_path, name, names::dns1123_label(name));
        if !seen_names.insert(name) {
            errs.duplicate_shown(&name_path, &super::go_quote(name));
        }
    }
    if text(c, &["image"]).is_empty() {
        errs.required(&format!("{field}.image"), "");
    }
    match text(c, &["imagePullPolicy"]) {
        "Always" | "IfNotPresent" | "Never" => {}
        "" => errs.required(&format!("{field}.imagePullPolicy"), ""),
        other => errs.not_supported(
            &format!("{field}.imagePullPolicy"),
            other,
            &["Always", "IfNotPresent", "Never"],
        ),
    }
    match text(c, &["terminationMessagePolicy"]) {
        "File" | "FallbackToLogsOnError" => {}
        "" => errs.required(&format!("{field}.terminationMessagePolicy"), ""),
        other => errs.not_supported(
            &format!("{field}.terminationMessagePolicy"),
            other,
            &["File", "FallbackToLogsOnError"],
        ),
    }
    container_ports(errs, list(c, &["ports"]), &format!("{field}.ports"));
    env(errs, list(c, &["env"]), &format!("{field}.env"));
    for (i, mount) in list(c, &["volumeMounts"]).iter().enumerate() {
        let path = format!("{field}.volumeMounts[{i}]");
        let mount_name = text(mount, &["name"]);
        if mount_name.is_empty() {
            errs.required(&format!("{path}.name"), "");
        } else if !volumes.contains(mount_name) {
            errs.not_found_str(&format!("{path}.name"), mount_name);
        }
        if text(mount, &["mountPath"]).is_empty() {
            errs.required(&format!("{path}.mountPath"), "");
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = at(c, &[probe]) {
            probe_fields(errs, p, &format!("{field}.{probe}"));
        }
    }
}

/// `validateProbe`: the numeric fields.
fn probe_fields(errs: &mut Errors, probe: &Value, field: &str) {
    for member in [
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ] {
        errs.nonnegative(&format!("{field}.{member}"), int(probe, &[member]));
    }
}

/// `validateContainerPorts`.
fn container_ports(errs: &mut Errors, ports: &[Value], field: &str) {
    let mut names_seen = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let path = format!("{field}[{i}]");
        let name = text(port, &["name"]);
        if !name.is_empty() {
            let messages = names::port_name(name);
            if !messages.is_empty() {
                errs.invalid_each(&format!("{path}.name"), name, messages);
            } else if !names_seen.insert(name) {
                errs.duplicate_shown(&format!("{path}.name"), &super::go_quote(name));
            }
        }
        match int(port, &["containerPort"]) {
            None | Some(0) => errs.required(&format!("{path}.containerPort"), ""),
            Some(p) => {
                for m in names::port_num(p) {
                    errs.invalid_int(&format!("{path}.containerPort"), p, &m);
                }
            }
        }
        if let Some(host_port) = int(port, &["hostPort"])
            && host_port != 0
        {
            for m in names::port_num(host_port) {
                errs.invalid_int(&format!("{path}.hostPort"), host_port, &m);
            }
        }
        match text(port, &["protocol"]) {
            "" => errs.required(&format!("{path}.protocol"), ""),
            p if PORT_PROTOCOLS.contains(&p) => {}
            other => errs.not_supported(&format!("{path}.protocol"), other, PORT_PROTOCOLS),
        }
    }
}

/// `validateEnv` with `RelaxedEnvironmentVariableValidation` (on by default in 1.32).
fn env(errs: &mut Errors, vars: &[Value], field: &str) {
    for (i, var) in vars.iter().enumerate() {
        let path = format!("{field}[{i}]");
        let name = text(var, &["name"]);
        if name.is_empty() {
            errs.required(&format!("{path}.name"), "");
        } else if !name
            .bytes()
            .all(|c| (b' '..=b'~').contains(&c) && c != b'=')
        {
            errs.invalid_str(
                &format!("{path}.name"),
                name,
                "a valid environment variable name must consist only of printable ASCII characters other than '='",
            );
        }
        if let Some(from) = at(var, &["valueFrom"]) {
            if !text(var, &["value"]).is_empty() {
                errs.invalid_str(
                    &format!("{path}.valueFrom"),
                    "",
                    "may not be specified when `value` is not empty",
                );
            }
            let sources = [
                "fieldRef",
                "resourceFieldRef",
                "configMapKeyRef",
                "secretKeyRef",
            ]
            .iter()
            .filter(|s| at(from, &[s]).is_some())
            .count();
            if sources == 0 {
                errs.invalid_str(
                    &format!("{path}.valueFrom"),
                    "",
                    "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
                );
            } else if sources > 1 {
                errs.invalid_str(
                    &format!("{path}.valueFrom"),
                    "",
                    "may not have more than one field specified at a time",
                );
            }
        }
    }
}

/// The spec with every field a pod update may change reset to the old value, to compare the rest.
fn pod_update(errs: &mut Errors, spec: &Value, old_spec: &Value) {
    let mut comparable = spec.clone();
    let mut old_comparable = old_spec.clone();
    for (new_list, old_list) in [
        ("containers", "containers"),
        ("initContainers", "initContainers"),
    ] {
        let old_images: Vec<Value> = list(old_spec, &[old_list])
            .iter()
            .map(|c| at(c, &["image"]).cloned().unwrap_or(Value::Null))
            .collect();
        if let Some(Value::Array(items)) = comparable.get_mut(new_list) {
            for (item, old_image) in items.iter_mut().zip(old_images) {
                if let Some(members) = item.as_object_mut() {
                    members.insert("image".into(), old_image);
                }
            }
        }
    }
    for member in ["activeDeadlineSeconds", "terminationGracePeriodSeconds"] {
        match old_spec.get(member) {
            Some(v) => {
                if let Some(m) = comparable.as_object_mut() {
                    m.insert(member.into(), v.clone());
                }
            }
            None => {
                if let Some(m) = comparable.as_object_mut() {
                    m.remove(member);
                }
            }
        }
    }
    // Tolerations may only be added to.
    let old_tolerations = list(old_spec, &["tolerations"]);
    let new_tolerations = list(spec, &["tolerations"]);
    if old_tolerations.iter().all(|t| new_tolerations.contains(t)) {
        for m in [comparable.as_object_mut(), old_comparable.as_object_mut()]
            .into_iter()
            .flatten()
        {
            m.remove("tolerations");
        }
    }
    if comparable != old_comparable {
        // ValidatePodUpdate; the real message ends with a diff of the specs, omitted here.
        errs.forbidden(
            "spec",
            "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
        );
    }
}
