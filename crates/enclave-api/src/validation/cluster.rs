//! RBAC and Lease: kubernetes `pkg/apis/rbac/validation/validation.go` (`ValidatePolicyRule`,
//! `ValidateRoleBinding`, `ValidateRoleBindingSubject`, `ValidateRoleBindingUpdate`) and
//! `pkg/apis/coordination/validation/validation.go` (`ValidateLeaseSpec`).

use serde_json::Value;

use super::names;
use super::{Errors, at, go_quote, int, list, text};

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// `ValidateRole` / `ValidateClusterRole`: every rule.
pub(crate) fn role(errs: &mut Errors, obj: &Value, namespaced: bool) {
    for (i, rule) in list(obj, &["rules"]).iter().enumerate() {
        let path = format!("rules[{i}]");
        if list(rule, &["verbs"]).is_empty() {
            errs.required(
                &format!("{path}.verbs"),
                "verbs must contain at least one value",
            );
        }
        let urls = list(rule, &["nonResourceURLs"]);
        if !urls.is_empty() {
            let shown = super::go_string_slice(urls);
            if namespaced {
                errs.invalid_shown(
                    &format!("{path}.nonResourceURLs"),
                    &shown,
                    "namespaced rules cannot apply to non-resource URLs",
                );
            }
            if !list(rule, &["apiGroups"]).is_empty()
                || !list(rule, &["resources"]).is_empty()
                || !list(rule, &["resourceNames"]).is_empty()
            {
                errs.invalid_shown(
                    &format!("{path}.nonResourceURLs"),
                    &shown,
                    "rules cannot apply to both regular resources and non-resource URLs",
                );
            }
            continue;
        }
        if list(rule, &["apiGroups"]).is_empty() {
            errs.required(
                &format!("{path}.apiGroups"),
                "resource rules must supply at least one api group",
            );
        }
        if list(rule, &["resources"]).is_empty() {
            errs.required(
                &format!("{path}.resources"),
                "resource rules must supply at least one resource",
            );
        }
    }
}

/// `ValidateRoleBinding` / `ValidateClusterRoleBinding` and their updates.
pub(crate) fn role_binding(errs: &mut Errors, obj: &Value, old: Option<&Value>, namespaced: bool) {
    let api_group = text(obj, &["roleRef", "apiGroup"]);
    if api_group != RBAC_GROUP {
        errs.not_supported("roleRef.apiGroup", api_group, &[RBAC_GROUP]);
    }
    let kind = text(obj, &["roleRef", "kind"]);
    let allowed: &[&str] = if namespaced {
        &["Role", "ClusterRole"]
    } else {
        &["ClusterRole"]
    };
    if !allowed.contains(&kind) {
        errs.not_supported("roleRef.kind", kind, allowed);
    }
    let name = text(obj, &["roleRef", "name"]);
    if name.is_empty() {
        errs.required("roleRef.name", "");
    } else {
        errs.invalid_each("roleRef.name", name, names::path_segment_name(name, false));
    }
    for (i, subject) in list(obj, &["subjects"]).iter().enumerate() {
        role_binding_subject(errs, subject, namespaced, &format!("subjects[{i}]"));
    }
    if let Some(old) = old {
        let now = at(obj, &["roleRef"]);
        let before = at(old, &["roleRef"]);
        if now != before {
            errs.invalid_shown(
                "roleRef",
                &format!(
                    "rbac.RoleRef{{APIGroup:{}, Kind:{}, Name:{}}}",
                    go_quote(api_group),
                    go_quote(kind),
                    go_quote(name)
                ),
                "cannot change roleRef",
            );
        }
    }
}

/// `ValidateRoleBindingSubject`.
fn role_binding_subject(errs: &mut Errors, subject: &Value, namespaced: bool, field: &str) {
    let name = text(subject, &["name"]);
    if name.is_empty() {
        errs.required(&format!("{field}.name"), "");
    }
    let api_group = text(subject, &["apiGroup"]);
    match text(subject, &["kind"]) {
        "ServiceAccount" => {
            if !name.is_empty() {
                errs.invalid_each(
                    &format!("{field}.name"),
                    name,
                    names::name_is_dns_subdomain(name, false),
                );
            }
            if !api_group.is_empty() {
                errs.not_supported(&format!("{field}.apiGroup"), api_group, &[""]);
            }
            if !namespaced && text(subject, &["namespace"]).is_empty() {
                errs.required(&format!("{field}.namespace"), "");
            }
        }
        "User" | "Group" => {
            if api_group != RBAC_GROUP {
                errs.not_supported(&format!("{field}.apiGroup"), api_group, &[RBAC_GROUP]);
            }
        }
        other => errs.not_supported(
            &format!("{field}.kind"),
            other,
            &["ServiceAccount", "User", "Group"],
        ),
    }
}

/// `ValidateLeaseSpec`.
pub(crate) fn lease(errs: &mut Errors, obj: &Value) {
    if let Some(duration) = int(obj, &["spec", "leaseDurationSeconds"])
        && duration <= 0
    {
        errs.invalid_int(
            "spec.leaseDurationSeconds",
            duration,
            "must be greater than 0",
        );
    }
    errs.nonnegative(
        "spec.leaseTransitions",
        int(obj, &["spec", "leaseTransitions"]),
    );
    let strategy = text(obj, &["spec", "strategy"]);
    if !strategy.is_empty() && strategy != "OldestEmulationVersion" {
        errs.not_supported("spec.strategy", strategy, &["OldestEmulationVersion"]);
    }
}
