//! ObjectMeta, labels, annotations and label selectors: apimachinery
//! `pkg/api/validation/objectmeta.go` (`ValidateObjectMeta`, `ValidateObjectMetaUpdate`,
//! `ValidateAnnotations`, `ValidateFinalizers`) and `pkg/apis/meta/v1/validation`
//! (`ValidateLabels`, `ValidateLabelSelector`).

use serde_json::{Map, Value};

use super::names;
use super::{Errors, NameRule, at, go_quote, go_string_map, int, list, object, text};

/// `TotalAnnotationSizeLimitB`.
const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// `ValidateObjectMeta` (the `metadata` of a top-level object).
pub(crate) fn object_meta(errs: &mut Errors, obj: &Value, namespaced: bool, name_rule: NameRule) {
    let generate_name = text(obj, &["metadata", "generateName"]);
    if !generate_name.is_empty() {
        errs.invalid_each(
            "metadata.generateName",
            generate_name,
            name_rule(generate_name, true),
        );
    }
    let name = text(obj, &["metadata", "name"]);
    if name.is_empty() {
        // The server generates the name from generateName before validating.
        if generate_name.is_empty() {
            errs.required("metadata.name", "name or generateName is required");
        }
    } else {
        errs.invalid_each("metadata.name", name, name_rule(name, false));
    }
    let namespace = text(obj, &["metadata", "namespace"]);
    if namespaced {
        if namespace.is_empty() {
            errs.required("metadata.namespace", "");
        } else {
            errs.invalid_each(
                "metadata.namespace",
                namespace,
                names::name_is_dns_label(namespace, false),
            );
        }
    } else if !namespace.is_empty() {
        errs.forbidden("metadata.namespace", "not allowed on this type");
    }
    errs.nonnegative("metadata.generation", int(obj, &["metadata", "generation"]));
    labels(
        errs,
        object(obj, &["metadata", "labels"]),
        "metadata.labels",
    );
    annotations(
        errs,
        object(obj, &["metadata", "annotations"]),
        "metadata.annotations",
    );
    owner_references(errs, list(obj, &["metadata", "ownerReferences"]));
    finalizers(
        errs,
        list(obj, &["metadata", "finalizers"]),
        "metadata.finalizers",
    );
}

/// `ValidateObjectMetaUpdate`: identity fields never change.
pub(crate) fn object_meta_update(errs: &mut Errors, new: &Value, old: &Value) {
    for field in ["name", "namespace", "uid"] {
        let now = text(new, &["metadata", field]);
        let before = text(old, &["metadata", field]);
        if now != before {
            errs.invalid_str(&format!("metadata.{field}"), now, "field is immutable");
        }
    }
    let created = text(new, &["metadata", "creationTimestamp"]);
    let created_before = text(old, &["metadata", "creationTimestamp"]);
    if created != created_before && !created_before.is_empty() {
        // metav1.Time renders through its String method: Go's time layout.
        errs.invalid_shown(
            "metadata.creationTimestamp",
            &go_time(created),
            "field is immutable",
        );
    }
}

/// Renders an RFC 3339 time as Go's `time.Time.String()` in UTC does.
fn go_time(rfc3339: &str) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(ts) => format!("{}", ts.strftime("%Y-%m-%d %H:%M:%S +0000 UTC")),
        Err(_) => "0001-01-01 00:00:00 +0000 UTC".into(),
    }
}

/// `ValidateLabels`: every key a qualified name, every value a label value; errors on the map.
pub(crate) fn labels(errs: &mut Errors, labels: Option<&Map<String, Value>>, field: &str) {
    let Some(labels) = labels else { return };
    for (key, value) in labels {
        errs.invalid_each(field, key, names::qualified_name(key));
        let value = value.as_str().unwrap_or("");
        errs.invalid_each(field, value, names::label_value(value));
    }
}

/// `ValidateAnnotations`: keys are qualified names (checked lower-cased), total size bounded.
pub(crate) fn annotations(
    errs: &mut Errors,
    annotations: Option<&Map<String, Value>>,
    field: &str,
) {
    let Some(annotations) = annotations else {
        return;
    };
    let mut total = 0usize;
    for (key, value) in annotations {
        errs.invalid_each(field, key, names::qualified_name(&key.to_lowercase()));
        total += key.len() + value.as_str().map_or(0, str::len);
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.too_long(field, TOTAL_ANNOTATION_SIZE_LIMIT);
    }
}

/// `ValidateOwnerReferences` (the required members only).
fn owner_references(errs: &mut Errors, references: &[Value]) {
    let mut controllers = 0;
    for reference in references {
        let field = "metadata.ownerReferences";
        let api_version = text(reference, &["apiVersion"]);
        // schema.FromAPIVersionAndKind: the version is the part after the last `/`.
        if api_version.rsplit('/').next().unwrap_or("").is_empty() {
            errs.invalid_str(
                &format!("{field}.apiVersion"),
                api_version,
                "version must not be empty",
            );
        }
        for (member, message) in [
            ("kind", "kind must not be empty"),
            ("name", "name must not be empty"),
            ("uid", "uid must not be empty"),
        ] {
            if text(reference, &[member]).is_empty() {
                errs.invalid_str(&format!("{field}.{member}"), "", message);
            }
        }
        if at(reference, &["controller"]).and_then(Value::as_bool) == Some(true) {
            controllers += 1;
        }
    }
    if controllers > 1 {
        errs.invalid_shown(
            "metadata.ownerReferences",
            "[]v1.OwnerReference{...}",
            "Only one reference can have Controller set to true",
        );
    }
}

/// Finalizer names without a `/` that are still allowed (`IsStandardFinalizerName`).
const STANDARD_FINALIZERS: &[&str] = &["kubernetes", "orphan", "foregroundDeletion"];

/// `ValidateFinalizers` / `ValidateFinalizerName` (apimachinery) followed by
/// `validateKubeFinalizerName` (core): a name without `/` must be a standard one.
pub(crate) fn finalizers(errs: &mut Errors, finalizers: &[Value], field: &str) {
    for finalizer in finalizers {
        let name = finalizer.as_str().unwrap_or("");
        errs.invalid_each(field, name, names::qualified_name(name));
        if !name.contains('/') && !STANDARD_FINALIZERS.contains(&name) {
            errs.invalid_str(
                field,
                name,
                "name is neither a standard finalizer name nor is it fully qualified",
            );
        }
    }
}

/// `ValidateLabelSelector` (strict: invalid label values in selectors are errors).
pub(crate) fn label_selector(errs: &mut Errors, selector: Option<&Value>, field: &str) {
    let Some(selector) = selector else { return };
    labels(
        errs,
        object(selector, &["matchLabels"]),
        &format!("{field}.matchLabels"),
    );
    for (i, requirement) in list(selector, &["matchExpressions"]).iter().enumerate() {
        let path = format!("{field}.matchExpressions[{i}]");
        let operator = text(requirement, &["operator"]);
        let values = list(requirement, &["values"]);
        match operator {
            "In" | "NotIn" => {
                if values.is_empty() {
                    errs.required(
                        &format!("{path}.values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    );
                }
            }
            "Exists" | "DoesNotExist" => {
                if !values.is_empty() {
                    errs.forbidden(
                        &format!("{path}.values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    );
                }
            }
            _ => errs.invalid_str(
                &format!("{path}.operator"),
                operator,
                "not a valid selector operator",
            ),
        }
        let key = text(requirement, &["key"]);
        errs.invalid_each(&format!("{path}.key"), key, names::qualified_name(key));
        for (j, value) in values.iter().enumerate() {
            let value = value.as_str().unwrap_or("");
            errs.invalid_each(
                &format!("{path}.values[{j}]"),
                value,
                names::label_value(value),
            );
        }
    }
}

/// Whether a selector has no requirement at all (`{}` selects everything).
pub(crate) fn selector_is_empty(selector: &Value) -> bool {
    object(selector, &["matchLabels"]).is_none_or(Map::is_empty)
        && list(selector, &["matchExpressions"]).is_empty()
}

/// Whether a selector with valid operators matches a label set (`LabelSelectorAsSelector` then
/// `Matches`). `None` when an operator is invalid (the conversion fails).
pub(crate) fn selector_matches(
    selector: &Value,
    labels: Option<&Map<String, Value>>,
) -> Option<bool> {
    let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
    let mut matched = true;
    if let Some(match_labels) = object(selector, &["matchLabels"]) {
        for (key, value) in match_labels {
            if label(key) != value.as_str() {
                matched = false;
            }
        }
    }
    // labels.NewRequirement refuses what validation reports; the conversion then fails.
    if let Some(match_labels) = object(selector, &["matchLabels"])
        && match_labels.iter().any(|(k, v)| {
            !names::qualified_name(k).is_empty()
                || !names::label_value(v.as_str().unwrap_or("")).is_empty()
        })
    {
        return None;
    }
    for requirement in list(selector, &["matchExpressions"]) {
        let key = text(requirement, &["key"]);
        let values: Vec<&str> = list(requirement, &["values"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        if !names::qualified_name(key).is_empty()
            || values.iter().any(|v| !names::label_value(v).is_empty())
        {
            return None;
        }
        let ok = match text(requirement, &["operator"]) {
            "In" if !values.is_empty() => label(key).is_some_and(|v| values.contains(&v)),
            "NotIn" if !values.is_empty() => label(key).is_none_or(|v| !values.contains(&v)),
            "Exists" if values.is_empty() => label(key).is_some(),
            "DoesNotExist" if values.is_empty() => label(key).is_none(),
            _ => return None,
        };
        if !ok {
            matched = false;
        }
    }
    Some(matched)
}

/// Go's `%#v` of a `v1.LabelSelector` value, as immutability errors print it.
pub(crate) fn go_label_selector(selector: Option<&Value>) -> String {
    let Some(selector) = selector else {
        return "null".into();
    };
    let expressions = list(selector, &["matchExpressions"]);
    let expressions = if expressions.is_empty() {
        "[]v1.LabelSelectorRequirement(nil)".to_string()
    } else {
        let body = expressions
            .iter()
            .map(|r| {
                format!(
                    "v1.LabelSelectorRequirement{{Key:{}, Operator:{}, Values:{}}}",
                    go_quote(text(r, &["key"])),
                    go_quote(text(r, &["operator"])),
                    super::go_string_slice(list(r, &["values"]))
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!("[]v1.LabelSelectorRequirement{{{body}}}")
    };
    format!(
        "v1.LabelSelector{{MatchLabels:{}, MatchExpressions:{expressions}}}",
        go_string_map(object(selector, &["matchLabels"]))
    )
}
