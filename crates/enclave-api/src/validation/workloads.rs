//! Deployments and ReplicaSets: kubernetes `pkg/apis/apps/validation/validation.go`
//! (`ValidateDeploymentSpec`, `ValidateDeploymentStrategy`, `ValidateRollingUpdateDeployment`,
//! `ValidatePositiveIntOrPercent`, `IsNotMoreThan100Percent`, `ValidateReplicaSetSpec`,
//! `ValidatePodTemplateSpecForReplicaSet`, `ValidateDeploymentUpdate`).

use serde_json::Value;

use super::meta;
use super::names;
use super::pods;
use super::{Errors, at, go_int_or_string, go_string_map, int, object, text};

/// `ValidateDeployment` / `ValidateDeploymentUpdate`.
pub(crate) fn deployment(errs: &mut Errors, obj: &Value, old: Option<&Value>) {
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    errs.nonnegative("spec.replicas", int(spec, &["replicas"]));
    selector_and_template(errs, spec);
    strategy(errs, spec);
    let min_ready = int(spec, &["minReadySeconds"]).unwrap_or(0);
    errs.nonnegative("spec.minReadySeconds", Some(min_ready));
    errs.nonnegative(
        "spec.revisionHistoryLimit",
        int(spec, &["revisionHistoryLimit"]),
    );
    if let Some(deadline) = int(spec, &["progressDeadlineSeconds"]) {
        errs.nonnegative("spec.progressDeadlineSeconds", Some(deadline));
        if deadline <= min_ready {
            errs.invalid_int(
                "spec.progressDeadlineSeconds",
                deadline,
                "must be greater than minReadySeconds",
            );
        }
    }
    if let Some(old) = old {
        selector_immutable(errs, obj, old);
    }
}

/// `ValidateReplicaSet` / `ValidateReplicaSetUpdate`.
pub(crate) fn replica_set(errs: &mut Errors, obj: &Value, old: Option<&Value>) {
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    errs.nonnegative("spec.replicas", int(spec, &["replicas"]));
    errs.nonnegative("spec.minReadySeconds", int(spec, &["minReadySeconds"]));
    selector_and_template(errs, spec);
    if let Some(old) = old {
        selector_immutable(errs, obj, old);
    }
}

/// apps/v1 selectors never change (`ValidateImmutableField` on `spec.selector`).
fn selector_immutable(errs: &mut Errors, obj: &Value, old: &Value) {
    let now = at(obj, &["spec", "selector"]);
    let before = at(old, &["spec", "selector"]);
    if normalized_selector(now) != normalized_selector(before) {
        errs.invalid_shown(
            "spec.selector",
            &meta::go_label_selector(now),
            "field is immutable",
        );
    }
}

/// A selector with empty members dropped, so `{}` and absent members compare equal as in Go.
fn normalized_selector(selector: Option<&Value>) -> Option<Value> {
    let mut selector = selector?.clone();
    if let Some(members) = selector.as_object_mut() {
        members.retain(|_, v| match v {
            Value::Object(m) => !m.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Null => false,
            _ => true,
        });
    }
    Some(selector)
}

/// The selector rules shared by Deployment and ReplicaSet, then the template.
fn selector_and_template(errs: &mut Errors, spec: &Value) {
    let selector = at(spec, &["selector"]).filter(|s| !s.is_null());
    match selector {
        None => errs.required("spec.selector", ""),
        Some(sel) => {
            meta::label_selector(errs, Some(sel), "spec.selector");
            if meta::selector_is_empty(sel) {
                // The ReplicaSet check reuses the Deployment wording upstream.
                errs.invalid_shown(
                    "spec.selector",
                    &meta::go_label_selector(Some(sel)),
                    "empty selector is invalid for deployment",
                );
            }
        }
    }
    let template_labels = object(spec, &["template", "metadata", "labels"]);
    // LabelSelectorAsSelector: nil selects nothing, {} everything; a bad operator fails.
    let matches = match selector {
        None => Some(false),
        Some(sel) if meta::selector_is_empty(sel) => Some(true),
        Some(sel) => meta::selector_matches(sel, template_labels),
    };
    match matches {
        None => errs.invalid_shown(
            "spec.selector",
            &meta::go_label_selector(selector),
            "invalid label selector",
        ),
        Some(matched) => {
            if !matched {
                errs.invalid_shown(
                    "spec.template.metadata.labels",
                    &go_string_map(template_labels),
                    "`selector` does not match template `labels`",
                );
            }
            let empty = Value::Null;
            let template = at(spec, &["template"]).unwrap_or(&empty);
            pods::pod_template(errs, template, "spec.template");
            let restart = text(template, &["spec", "restartPolicy"]);
            if restart != "Always" {
                errs.not_supported("spec.template.spec.restartPolicy", restart, &["Always"]);
            }
            if at(template, &["spec", "activeDeadlineSeconds"]).is_some_and(|v| !v.is_null()) {
                errs.forbidden(
                    "spec.template.spec.activeDeadlineSeconds",
                    "activeDeadlineSeconds in ReplicaSet is not Supported",
                );
            }
        }
    }
}

/// `ValidateDeploymentStrategy`.
fn strategy(errs: &mut Errors, spec: &Value) {
    let kind = text(spec, &["strategy", "type"]);
    let rolling = at(spec, &["strategy", "rollingUpdate"]).filter(|v| !v.is_null());
    match kind {
        "Recreate" => {
            if rolling.is_some() {
                errs.forbidden(
                    "spec.strategy.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                );
            }
        }
        "RollingUpdate" => match rolling {
            None => errs.required(
                "spec.strategy.rollingUpdate",
                "this should be defaulted and never be nil",
            ),
            Some(rolling) => rolling_update(errs, rolling),
        },
        other => {
            // NotSupported prints the whole strategy struct (`%#v`).
            let rolling_shown = if rolling.is_some() {
                "(*apps.RollingUpdateDeployment)(0xc000000000)"
            } else {
                "(*apps.RollingUpdateDeployment)(nil)"
            };
            errs.push(crate::status::FieldError {
                reason: "FieldValueNotSupported",
                field: "spec.strategy".into(),
                message: format!(
                    "Unsupported value: apps.DeploymentStrategy{{Type:{}, RollingUpdate:{rolling_shown}}}: supported values: \"Recreate\", \"RollingUpdate\"",
                    super::go_quote(other)
                ),
            });
        }
    }
}

/// `getIntOrPercentValue` (a malformed percent or string counts as 0).
fn int_or_percent_value(value: Option<&Value>) -> i64 {
    match value {
        Some(Value::String(s)) => s.strip_suffix('%').unwrap_or(s).parse::<i64>().unwrap_or(0),
        Some(v) => v.as_i64().unwrap_or(0),
        None => 0,
    }
}

/// `ValidateRollingUpdateDeployment`.
fn rolling_update(errs: &mut Errors, rolling: &Value) {
    let unavailable = at(rolling, &["maxUnavailable"]);
    let surge = at(rolling, &["maxSurge"]);
    positive_int_or_percent(
        errs,
        unavailable,
        "spec.strategy.rollingUpdate.maxUnavailable",
    );
    positive_int_or_percent(errs, surge, "spec.strategy.rollingUpdate.maxSurge");
    if int_or_percent_value(unavailable) == 0 && int_or_percent_value(surge) == 0 {
        errs.invalid_shown(
            "spec.strategy.rollingUpdate.maxUnavailable",
            &go_int_or_string(unavailable),
            "may not be 0 when `maxSurge` is 0",
        );
    }
    if let Some(Value::String(s)) = unavailable
        && let Some(Ok(percent)) = s.strip_suffix('%').map(str::parse::<i64>)
        && percent > 100
    {
        errs.invalid_str(
            "spec.strategy.rollingUpdate.maxUnavailable",
            s,
            "must not be greater than 100%",
        );
    }
}

/// `ValidatePositiveIntOrPercent`.
fn positive_int_or_percent(errs: &mut Errors, value: Option<&Value>, field: &str) {
    match value {
        Some(Value::String(s)) => {
            for m in names::percent(s) {
                errs.invalid_shown(field, &go_int_or_string(value), &m);
            }
        }
        Some(v) => errs.nonnegative(field, v.as_i64()),
        None => {}
    }
}
