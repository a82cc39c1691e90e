//! Field selectors: the `fieldSelector` query syntax, the field labels each kind supports (with
//! kube-apiserver's errors for the others), and matching against objects.

use std::fmt;

use serde_json::Value;

use super::SelectorError;
use crate::go_fmt::go_quote;

/// One `field=value` or `field!=value` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldTerm {
    field: String,
    value: String,
    negated: bool,
}

impl FieldTerm {
    /// The field label, as written in the query.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The value, unescaped.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether the term is `!=`.
    pub fn is_negated(&self) -> bool {
        self.negated
    }
}

/// A parsed field selector: all terms must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
}

/// The field labels of one kind whose API version registers its own conversion, each as written
/// in a query and as the name of the selectable field it reads.
struct KindFieldLabels {
    group: &'static str,
    kind: &'static str,
    labels: &'static [(&'static str, &'static str)],
}

const fn same(label: &'static str) -> (&'static str, &'static str) {
    (label, label)
}

static KIND_FIELD_LABELS: &[KindFieldLabels] = &[
    KindFieldLabels {
        group: "",
        kind: "Pod",
        labels: &[
            same("metadata.name"),
            same("metadata.namespace"),
            same("spec.nodeName"),
            same("spec.restartPolicy"),
            same("spec.schedulerName"),
            same("spec.serviceAccountName"),
            same("spec.hostNetwork"),
            same("status.phase"),
            same("status.podIP"),
            same("status.podIPs"),
            same("status.nominatedNodeName"),
            // Old v1 clients send spec.host.
            ("spec.host", "spec.nodeName"),
        ],
    },
    KindFieldLabels {
        group: "",
        kind: "Node",
        labels: &[same("metadata.name"), same("spec.unschedulable")],
    },
    KindFieldLabels {
        group: "",
        kind: "ReplicationController",
        labels: &[
            same("metadata.name"),
            same("metadata.namespace"),
            same("status.replicas"),
        ],
    },
    KindFieldLabels {
        group: "",
        kind: "Event",
        labels: &[
            same("involvedObject.kind"),
            same("involvedObject.namespace"),
            same("involvedObject.name"),
            same("involvedObject.uid"),
            same("involvedObject.apiVersion"),
            same("involvedObject.resourceVersion"),
            same("involvedObject.fieldPath"),
            same("reason"),
            same("reportingComponent"),
            same("source"),
            same("type"),
            same("metadata.namespace"),
            same("metadata.name"),
        ],
    },
    KindFieldLabels {
        group: "events.k8s.io",
        kind: "Event",
        labels: &[
            same("reason"),
            ("regarding.kind", "involvedObject.kind"),
            ("regarding.namespace", "involvedObject.namespace"),
            ("regarding.name", "involvedObject.name"),
            ("regarding.uid", "involvedObject.uid"),
            ("regarding.apiVersion", "involvedObject.apiVersion"),
            (
                "regarding.resourceVersion",
                "involvedObject.resourceVersion",
            ),
            ("regarding.fieldPath", "involvedObject.fieldPath"),
            ("reportingController", "reportingComponent"),
            same("source"),
            same("type"),
            same("metadata.namespace"),
            same("metadata.name"),
        ],
    },
    KindFieldLabels {
        group: "",
        kind: "Namespace",
        labels: &[same("status.phase"), same("metadata.name")],
    },
    KindFieldLabels {
        group: "",
        kind: "Secret",
        labels: &[
            same("type"),
            same("metadata.namespace"),
            same("metadata.name"),
        ],
    },
    KindFieldLabels {
        group: "",
        kind: "Service",
        labels: &[
            same("metadata.namespace"),
            same("metadata.name"),
            same("spec.clusterIP"),
            same("spec.type"),
        ],
    },
    KindFieldLabels {
        group: "apps",
        kind: "ReplicaSet",
        labels: &[
            same("metadata.name"),
            same("metadata.namespace"),
            same("status.replicas"),
        ],
    },
    KindFieldLabels {
        group: "batch",
        kind: "Job",
        labels: &[
            same("metadata.name"),
            same("metadata.namespace"),
            same("status.successful"),
        ],
    },
];

/// What every other kind accepts (apimachinery's default field label conversion).
const DEFAULT_LABELS: &[(&str, &str)] = &[same("metadata.name"), same("metadata.namespace")];

fn kind_labels(group: &str, kind: &str) -> Option<&'static KindFieldLabels> {
    KIND_FIELD_LABELS
        .iter()
        .find(|k| k.group == group && k.kind == kind)
}

/// The field labels a `fieldSelector` may use for a kind, as written in queries.
pub fn supported_field_labels(group: &str, kind: &str) -> Vec<&'static str> {
    kind_labels(group, kind)
        .map_or(DEFAULT_LABELS, |k| k.labels)
        .iter()
        .map(|(label, _)| *label)
        .collect()
}

/// The selectable field a query label reads for a kind, or kube-apiserver's error.
fn canonical_label(group: &str, kind: &str, label: &str) -> Result<&'static str, SelectorError> {
    match kind_labels(group, kind) {
        Some(k) => k
            .labels
            .iter()
            .find(|(wire, _)| *wire == label)
            .map(|(_, canonical)| *canonical)
            .ok_or_else(|| SelectorError::new(format!("field label not supported: {label}"))),
        None => DEFAULT_LABELS
            .iter()
            .find(|(wire, _)| *wire == label)
            .map(|(_, canonical)| *canonical)
            .ok_or_else(|| {
                SelectorError::new(format!(
                    "{} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
                    go_quote(label)
                ))
            }),
    }
}

impl FieldSelector {
    /// Parses the `fieldSelector` query syntax (`a=b`, `a==b`, `a!=b`, comma-joined, `\`
    /// escapes in values), with apimachinery's error messages.
    pub fn parse(selector: &str) -> Result<Self, SelectorError> {
        let mut parts = split_terms(selector);
        parts.sort_unstable();
        let mut terms = Vec::new();
        for part in parts {
            if part.is_empty() {
                continue;
            }
            let Some((lhs, op, rhs)) = split_term(part) else {
                return Err(SelectorError::new(format!(
                    "invalid selector: '{selector}'; can't understand '{part}'"
                )));
            };
            terms.push(FieldTerm {
                field: lhs.to_string(),
                value: unescape_value(rhs)?,
                negated: op == "!=",
            });
        }
        Ok(Self { terms })
    }

    /// The terms, in the order kube-apiserver sorts them.
    pub fn terms(&self) -> &[FieldTerm] {
        &self.terms
    }

    /// Whether the selector has no terms (selects everything).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The value a `label=value` term requires, if there is one; lets the caller narrow a list
    /// (`metadata.name`, `metadata.namespace`) before matching.
    pub fn required_value(&self, label: &str) -> Option<&str> {
        self.terms
            .iter()
            .find(|t| !t.negated && t.field == label)
            .map(|t| t.value.as_str())
    }

    /// Checks every label is supported for the kind: kube-apiserver's
    /// `field label not supported: <label>`, or for kinds without their own field labels
    /// `"<label>" is not a known field selector: only "metadata.name", "metadata.namespace"`.
    pub fn validate(&self, group: &str, kind: &str) -> Result<(), SelectorError> {
        for term in &self.terms {
            canonical_label(group, kind, &term.field)?;
        }
        Ok(())
    }

    /// Whether an object satisfies every term. Unsupported labels never match; call
    /// [`FieldSelector::validate`] first to report them.
    pub fn matches(&self, group: &str, kind: &str, object: &Value) -> bool {
        self.terms.iter().all(|term| {
            let Ok(canonical) = canonical_label(group, kind, &term.field) else {
                return false;
            };
            let have = selectable_field(kind, canonical, object);
            (have == term.value) != term.negated
        })
    }
}

impl fmt::Display for FieldSelector {
    /// The canonical form, `a=b,c!=d`, values escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, term) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            let op = if term.negated { "!=" } else { "=" };
            write!(f, "{}{op}{}", term.field, escape_value(&term.value))?;
        }
        Ok(())
    }
}

/// Splits on commas not escaped by a backslash.
fn split_terms(selector: &str) -> Vec<&str> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in selector.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&selector[start..i]);
            start = i + 1;
        }
    }
    terms.push(&selector[start..]);
    terms
}

/// Finds the first operator, trying `!=`, `==` then `=` at each position.
fn split_term(term: &str) -> Option<(&str, &'static str, &str)> {
    for (i, _) in term.char_indices() {
        let remaining = &term[i..];
        for op in ["!=", "==", "="] {
            if remaining.starts_with(op) {
                return Some((&term[..i], op, &term[i + op.len()..]));
            }
        }
    }
    None
}

fn unescape_value(s: &str) -> Result<String, SelectorError> {
    if !s.contains(['\\', ',', '=']) {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            match c {
                '\\' | ',' | '=' => out.push(c),
                other => {
                    return Err(SelectorError::new(format!(
                        "invalid field selector: invalid escape sequence: \\{other}"
                    )));
                }
            }
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Go prints the rune with %v, which is its number.
            ',' | '=' => {
                return Err(SelectorError::new(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                )));
            }
            other => out.push(other),
        }
    }
    if in_slash {
        return Err(SelectorError::new(
            "invalid field selector: invalid escape sequence: \\",
        ));
    }
    Ok(out)
}

fn escape_value(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(',', "\\,")
        .replace('=', "\\=")
}

fn text_at(object: &Value, pointer: &str) -> String {
    match object.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn bool_at(object: &Value, pointer: &str) -> String {
    object
        .pointer(pointer)
        .and_then(Value::as_bool)
        .unwrap_or(false)
        .to_string()
}

fn int_at(object: &Value, pointer: &str) -> String {
    object
        .pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or(0)
        .to_string()
}

/// Whether an Event object is in the events.k8s.io shape (regarding, note, ...).
pub(crate) fn is_events_k8s_io_shape(object: &Value) -> bool {
    object
        .get("apiVersion")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("events.k8s.io/"))
}

/// The value of a selectable field (by its canonical name), as kube-apiserver's
/// `ToSelectableFields` computes it; absent fields read as the empty string.
fn selectable_field(kind: &str, label: &str, object: &Value) -> String {
    match (kind, label) {
        (_, "metadata.name") => text_at(object, "/metadata/name"),
        (_, "metadata.namespace") => text_at(object, "/metadata/namespace"),
        ("Pod", "spec.hostNetwork") => bool_at(object, "/spec/hostNetwork"),
        ("Pod", "status.podIP") => object
            .pointer("/status/podIPs/0/ip")
            .and_then(Value::as_str)
            .map_or_else(|| text_at(object, "/status/podIP"), str::to_string),
        ("Pod", "status.podIPs") => {
            let ips: Vec<&str> = object
                .pointer("/status/podIPs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|ip| ip.get("ip").and_then(Value::as_str))
                .collect();
            if ips.is_empty() {
                text_at(object, "/status/podIP")
            } else {
                ips.join(",")
            }
        }
        ("Node", "spec.unschedulable") => bool_at(object, "/spec/unschedulable"),
        ("ReplicaSet" | "ReplicationController", "status.replicas") => {
            int_at(object, "/status/replicas")
        }
        ("Job", "status.successful") => int_at(object, "/status/succeeded"),
        ("Event", label) => event_field(label, object),
        (_, label) => text_at(object, &json_pointer(label)),
    }
}

fn event_field(label: &str, object: &Value) -> String {
    let events_shape = is_events_k8s_io_shape(object);
    if let Some(sub) = label.strip_prefix("involvedObject.") {
        let base = if events_shape {
            "/regarding/"
        } else {
            "/involvedObject/"
        };
        return text_at(object, &format!("{base}{sub}"));
    }
    let reporting = if events_shape {
        text_at(object, "/reportingController")
    } else {
        text_at(object, "/reportingComponent")
    };
    match label {
        "reportingComponent" => reporting,
        "source" => {
            let component = if events_shape {
                text_at(object, "/deprecatedSource/component")
            } else {
                text_at(object, "/source/component")
            };
            if component.is_empty() {
                reporting
            } else {
                component
            }
        }
        other => text_at(object, &json_pointer(other)),
    }
}

/// `spec.clusterIP` as a JSON pointer, `/spec/clusterIP`.
fn json_pointer(label: &str) -> String {
    let mut out = String::with_capacity(label.len() + 1);
    for part in label.split('.') {
        out.push('/');
        out.push_str(&part.replace('~', "~0").replace('/', "~1"));
    }
    out
}
