//! Validation of built-in kinds, returning kube-apiserver field errors; strict decoding of unknown fields.
//!
//! [`decode`] turns a request body into the object the server works on (rejecting or warning
//! about unknown fields), [`crate::defaults::apply_defaults`] fills in defaults, and
//! [`validate`] lists every problem with kube-apiserver's wording. Rules and messages follow
//! kubernetes `pkg/apis/*/validation/validation.go` and apimachinery's `validation` packages;
//! each module names the Go function a rule comes from.

mod cluster;
mod core;
mod decode;
mod meta;
pub mod names;
mod networking;
mod pods;
mod walker;
mod workloads;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::registry::ResourceInfo;
use crate::status::{ApiError, FieldError};

pub use decode::{FieldValidation, decode, decode_bytes};

/// Lists every problem of `obj` (already defaulted) as kube-apiserver's validation would, for a
/// create (`old` is `None`) or an update (`old` is the stored object).
///
/// The object's `metadata.name` must already be generated from `generateName` on create, as
/// kube-apiserver does before validating; an empty name with a `generateName` is accepted.
pub fn validate(resource: &ResourceInfo, obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errs = Errors::default();
    let name_rule = name_rule(resource);
    meta::object_meta(&mut errs, obj, resource.namespaced, name_rule);
    if let Some(old) = old {
        meta::object_meta_update(&mut errs, obj, old);
    }
    match (resource.group, resource.kind) {
        ("", "Pod") => pods::pod(&mut errs, obj, old),
        ("", "Service") => core::service(&mut errs, obj, old),
        ("", "Namespace") => core::namespace(&mut errs, obj),
        ("", "ConfigMap") => core::config_map(&mut errs, obj, old),
        ("", "Secret") => core::secret(&mut errs, obj, old),
        ("", "Event") => core::event(&mut errs, obj),
        ("", "Node") => core::node(&mut errs, obj),
        ("", "Endpoints") => core::endpoints(&mut errs, obj),
        ("apps", "Deployment") => workloads::deployment(&mut errs, obj, old),
        ("apps", "ReplicaSet") => workloads::replica_set(&mut errs, obj, old),
        ("networking.k8s.io", "Ingress") => networking::ingress(&mut errs, obj),
        ("networking.k8s.io", "IngressClass") => networking::ingress_class(&mut errs, obj, old),
        ("networking.k8s.io", "NetworkPolicy") => networking::network_policy(&mut errs, obj),
        ("discovery.k8s.io", "EndpointSlice") => networking::endpoint_slice(&mut errs, obj, old),
        ("events.k8s.io", "Event") => core::event(&mut errs, obj),
        ("rbac.authorization.k8s.io", "Role") => cluster::role(&mut errs, obj, true),
        ("rbac.authorization.k8s.io", "ClusterRole") => cluster::role(&mut errs, obj, false),
        ("rbac.authorization.k8s.io", "RoleBinding") => {
            cluster::role_binding(&mut errs, obj, old, true);
        }
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => {
            cluster::role_binding(&mut errs, obj, old, false);
        }
        ("coordination.k8s.io", "Lease") => cluster::lease(&mut errs, obj),
        _ => {}
    }
    errs.0
}

/// Validates and wraps the problems into kube-apiserver's 422 Invalid error, or `Ok(())`.
pub fn check(resource: &ResourceInfo, obj: &Value, old: Option<&Value>) -> Result<(), ApiError> {
    let causes = validate(resource, obj, old);
    if causes.is_empty() {
        return Ok(());
    }
    Err(ApiError::Invalid {
        group: resource.group.to_string(),
        kind: resource.kind.to_string(),
        name: text(obj, &["metadata", "name"]).to_string(),
        causes,
    })
}

/// How a kind's `metadata.name` is checked (`ValidateXName` in the kind's validation.go).
pub(crate) type NameRule = fn(&str, bool) -> Vec<String>;

fn name_rule(resource: &ResourceInfo) -> NameRule {
    match (resource.group, resource.kind) {
        // core ValidateServiceName and ValidateNamespaceName.
        ("", "Service") => names::name_is_dns1035_label,
        ("", "Namespace") => names::name_is_dns_label,
        // rbac ValidateRBACName.
        ("rbac.authorization.k8s.io", _) => names::path_segment_name,
        _ => names::name_is_dns_subdomain,
    }
}

/// The error list under construction.
#[derive(Debug, Default)]
pub(crate) struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// `field.Invalid` with a value already rendered the Go way.
    pub fn invalid_shown(&mut self, field: &str, shown: &str, detail: &str) {
        self.0.push(FieldError {
            reason: "FieldValueInvalid",
            field: field.to_string(),
            message: format!("Invalid value: {shown}: {detail}"),
        });
    }

    /// `field.Invalid` for a string value (`%q`).
    pub fn invalid_str(&mut self, field: &str, value: &str, detail: &str) {
        self.invalid_shown(field, &go_quote(value), detail);
    }

    /// `field.Invalid` for an integer value.
    pub fn invalid_int(&mut self, field: &str, value: i64, detail: &str) {
        self.invalid_shown(field, &value.to_string(), detail);
    }

    /// One `field.Invalid` per message, for a string value.
    pub fn invalid_each(&mut self, field: &str, value: &str, messages: Vec<String>) {
        for m in messages {
            self.invalid_str(field, value, &m);
        }
    }

    pub fn required(&mut self, field: &str, detail: &str) {
        self.0.push(FieldError::required(field, detail));
    }

    pub fn forbidden(&mut self, field: &str, detail: &str) {
        self.0.push(FieldError::forbidden(field, detail));
    }

    /// `field.NotSupported` for a string value.
    pub fn not_supported(&mut self, field: &str, value: &str, supported: &[&str]) {
        self.0.push(FieldError {
            reason: "FieldValueNotSupported",
            field: field.to_string(),
            message: format!(
                "Unsupported value: {}: supported values: {}",
                go_quote(value),
                supported
                    .iter()
                    .map(|s| go_quote(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }

    /// `field.Duplicate` with a value already rendered the Go way.
    pub fn duplicate_shown(&mut self, field: &str, shown: &str) {
        self.0.push(FieldError {
            reason: "FieldValueDuplicate",
            field: field.to_string(),
            message: format!("Duplicate value: {shown}"),
        });
    }

    /// `field.TooLong` (apimachinery 1.32 wording).
    pub fn too_long(&mut self, field: &str, max: usize) {
        let unit = if max == 1 { "byte" } else { "bytes" };
        self.0.push(FieldError {
            reason: "FieldValueTooLong",
            field: field.to_string(),
            message: format!("Too long: may not be more than {max} {unit}"),
        });
    }

    /// `field.NotFound`.
    pub fn not_found_str(&mut self, field: &str, value: &str) {
        self.0.push(FieldError {
            reason: "FieldValueNotFound",
            field: field.to_string(),
            message: format!("Not found: {}", go_quote(value)),
        });
    }

    /// `ValidateNonnegativeField`.
    pub fn nonnegative(&mut self, field: &str, value: Option<i64>) {
        if let Some(v) = value
            && v < 0
        {
            self.invalid_int(field, v, "must be greater than or equal to 0");
        }
    }
}

pub(crate) use crate::go_fmt::go_quote;

/// Go's `%#v` of a `map[string]string` (keys sorted, as fmt prints maps).
pub(crate) fn go_string_map(map: Option<&Map<String, Value>>) -> String {
    let Some(map) = map else {
        return "map[string]string(nil)".into();
    };
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let body = entries
        .iter()
        .map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v.as_str().unwrap_or(""))))
        .collect::<Vec<_>>()
        .join(", ");
    format!("map[string]string{{{body}}}")
}

/// Go's `%#v` of a `[]string`.
pub(crate) fn go_string_slice(items: &[Value]) -> String {
    if items.is_empty() {
        return "[]string(nil)".into();
    }
    let body = items
        .iter()
        .map(|v| go_quote(v.as_str().unwrap_or("")))
        .collect::<Vec<_>>()
        .join(", ");
    format!("[]string{{{body}}}")
}

/// Go's `%#v` of an `intstr.IntOrString`.
pub(crate) fn go_int_or_string(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => {
            format!(
                "intstr.IntOrString{{Type:1, IntVal:0, StrVal:{}}}",
                go_quote(s)
            )
        }
        Some(v) => format!(
            "intstr.IntOrString{{Type:0, IntVal:{}, StrVal:\"\"}}",
            v.as_i64().unwrap_or(0)
        ),
        None => "intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}".into(),
    }
}

/// The value at a path of member names, if present.
pub(crate) fn at<'v>(obj: &'v Value, path: &[&str]) -> Option<&'v Value> {
    let mut current = obj;
    for key in path {
        current = current.get(key)?;
    }
    Some(current)
}

/// The string at a path, `""` when absent or not a string (Go's zero value).
pub(crate) fn text<'v>(obj: &'v Value, path: &[&str]) -> &'v str {
    at(obj, path).and_then(Value::as_str).unwrap_or("")
}

/// The integer at a path, if present.
pub(crate) fn int(obj: &Value, path: &[&str]) -> Option<i64> {
    at(obj, path).and_then(Value::as_i64)
}

/// The list at a path, empty when absent.
pub(crate) fn list<'v>(obj: &'v Value, path: &[&str]) -> &'v [Value] {
    at(obj, path)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The object at a path, if present.
pub(crate) fn object<'v>(obj: &'v Value, path: &[&str]) -> Option<&'v Map<String, Value>> {
    at(obj, path).and_then(Value::as_object)
}

/// The boolean at a path, `false` when absent.
pub(crate) fn flag(obj: &Value, path: &[&str]) -> bool {
    at(obj, path).and_then(Value::as_bool).unwrap_or(false)
}
