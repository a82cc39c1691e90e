//! Kubernetes API errors and their `Status` objects, with kube-apiserver's reasons and messages.
//!
//! This is the one place that turns a failure into the `Status` body a client sees; every other
//! crate returns an [`ApiError`] (or maps its own error into one).

use serde_json::{Value, json};

/// One field problem of an Invalid error (`details.causes[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`, `FieldValueDuplicate`,
    /// `FieldValueForbidden`, `FieldValueTooLong`, `FieldValueTypeInvalid`.
    pub reason: &'static str,
    /// The field path, e.g. `spec.replicas`.
    pub field: String,
    /// The message without the field path: `Invalid value: -1: must be greater than or equal to 0`.
    pub message: String,
}

impl FieldError {
    /// `Invalid value: <value>: <detail>`, as apimachinery's `field.Invalid`.
    pub fn invalid(field: impl Into<String>, value: &Value, detail: &str) -> Self {
        let shown = match value {
            Value::String(s) => format!("\"{s}\""),
            Value::Null => "null".to_string(),
            other => other.to_string(),
        };
        Self {
            reason: "FieldValueInvalid",
            field: field.into(),
            message: format!("Invalid value: {shown}: {detail}"),
        }
    }

    /// `Required value[: detail]`, as apimachinery's `field.Required`.
    pub fn required(field: impl Into<String>, detail: &str) -> Self {
        let message = if detail.is_empty() {
            "Required value".to_string()
        } else {
            format!("Required value: {detail}")
        };
        Self {
            reason: "FieldValueRequired",
            field: field.into(),
            message,
        }
    }

    /// `Unsupported value: "x": supported values: "a", "b"`, as apimachinery's `field.NotSupported`.
    pub fn not_supported(field: impl Into<String>, value: &Value, supported: &[&str]) -> Self {
        let shown = match value {
            Value::String(s) => format!("\"{s}\""),
            other => other.to_string(),
        };
        let list = supported
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            reason: "FieldValueNotSupported",
            field: field.into(),
            message: format!("Unsupported value: {shown}: supported values: {list}"),
        }
    }

    /// `Duplicate value: <value>`.
    pub fn duplicate(field: impl Into<String>, value: &Value) -> Self {
        Self {
            reason: "FieldValueDuplicate",
            field: field.into(),
            message: format!("Duplicate value: {value}"),
        }
    }

    /// `Forbidden: <detail>`.
    pub fn forbidden(field: impl Into<String>, detail: &str) -> Self {
        Self {
            reason: "FieldValueForbidden",
            field: field.into(),
            message: format!("Forbidden: {detail}"),
        }
    }

    /// `field: message`, as the error list prints it.
    pub fn to_message(&self) -> String {
        format!("{}: {}", self.field, self.message)
    }
}

/// A failed API request, carrying everything its `Status` needs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 404: `<resource>.<group> "<name>" not found`.
    #[error("{}", not_found_message(.group, .resource, .name))]
    NotFound {
        group: String,
        resource: String,
        name: String,
    },
    /// 409: `<resource>.<group> "<name>" already exists`.
    #[error("{}", format!("{} \"{}\" already exists", qualified(.group, .resource), .name))]
    AlreadyExists {
        group: String,
        resource: String,
        name: String,
    },
    /// 409: the object changed since the client read it.
    #[error("Operation cannot be fulfilled on {} \"{}\": {}", qualified(.group, .resource), .name, .detail)]
    Conflict {
        group: String,
        resource: String,
        name: String,
        detail: String,
    },
    /// 409 from server-side apply: fields owned by other managers.
    #[error("{message}")]
    ApplyConflict {
        message: String,
        causes: Vec<(String, String)>,
    },
    /// 422: the object fails validation.
    #[error("{}", invalid_message(.group, .kind, .name, .causes))]
    Invalid {
        group: String,
        kind: String,
        name: String,
        causes: Vec<FieldError>,
    },
    /// 400.
    #[error("{0}")]
    BadRequest(String),
    /// 401.
    #[error("Unauthorized")]
    Unauthorized,
    /// 403 with kube-apiserver's full message.
    #[error("{message}")]
    Forbidden {
        group: String,
        resource: String,
        name: String,
        message: String,
    },
    /// 405.
    #[error("the server does not allow this method on the requested resource")]
    MethodNotAllowed,
    /// 406.
    #[error("{0}")]
    NotAcceptable(String),
    /// 415.
    #[error("the body of the request was in an unknown format - accepted media types include: {0}")]
    UnsupportedMediaType(String),
    /// 410 on watch or continue from a compacted revision.
    #[error("{0}")]
    Expired(String),
    /// 413.
    #[error("{0}")]
    RequestEntityTooLarge(String),
    /// 422 without field causes, e.g. a JSON patch whose `test` fails.
    #[error("{message}")]
    Unprocessable { message: String },
    /// 429.
    #[error("{0}")]
    TooManyRequests(String),
    /// 500: a bug or a store failure. Never used for user input.
    #[error("{0}")]
    Internal(String),
    /// 503.
    #[error("{0}")]
    ServiceUnavailable(String),
    /// 504.
    #[error("{0}")]
    Timeout(String),
    /// 404 for a path that names no resource.
    #[error("the server could not find the requested resource")]
    PathNotFound,
}

fn qualified(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

fn not_found_message(group: &str, resource: &str, name: &str) -> String {
    let gr = qualified(group, resource);
    if name.is_empty() {
        format!("{gr} not found")
    } else {
        format!("{gr} \"{name}\" not found")
    }
}

fn invalid_message(group: &str, kind: &str, name: &str, causes: &[FieldError]) -> String {
    let gk = if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    };
    let head = format!("{gk} \"{name}\" is invalid");
    match causes {
        [] => head,
        [one] => format!("{head}: {}", one.to_message()),
        many => format!(
            "{head}: [{}]",
            many.iter()
                .map(FieldError::to_message)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl ApiError {
    /// Conflict for a stale resourceVersion, with kube-apiserver's wording.
    pub fn stale(group: &str, resource: &str, name: &str) -> Self {
        Self::Conflict {
            group: group.into(),
            resource: resource.into(),
            name: name.into(),
            detail: "the object has been modified; please apply your changes to the latest version and try again".into(),
        }
    }

    /// The HTTP status code.
    pub fn code(&self) -> u16 {
        match self {
            Self::NotFound { .. } | Self::PathNotFound => 404,
            Self::AlreadyExists { .. } | Self::Conflict { .. } | Self::ApplyConflict { .. } => 409,
            Self::Invalid { .. } | Self::Unprocessable { .. } => 422,
            Self::BadRequest(_) => 400,
            Self::Unauthorized => 401,
            Self::Forbidden { .. } => 403,
            Self::MethodNotAllowed => 405,
            Self::NotAcceptable(_) => 406,
            Self::UnsupportedMediaType(_) => 415,
            Self::Expired(_) => 410,
            Self::RequestEntityTooLarge(_) => 413,
            Self::TooManyRequests(_) => 429,
            Self::Internal(_) => 500,
            Self::ServiceUnavailable(_) => 503,
            Self::Timeout(_) => 504,
        }
    }

    /// The `reason` field of the Status.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NotFound { .. } | Self::PathNotFound => "NotFound",
            Self::AlreadyExists { .. } => "AlreadyExists",
            Self::Conflict { .. } | Self::ApplyConflict { .. } => "Conflict",
            Self::Invalid { .. } => "Invalid",
            Self::Forbidden { .. } => "Forbidden",
            Self::Unprocessable { .. } => "Invalid",
            Self::BadRequest(_) => "BadRequest",
            Self::Unauthorized => "Unauthorized",
            Self::MethodNotAllowed => "MethodNotAllowed",
            Self::NotAcceptable(_) => "NotAcceptable",
            Self::UnsupportedMediaType(_) => "UnsupportedMediaType",
            Self::Expired(_) => "Expired",
            Self::RequestEntityTooLarge(_) => "RequestEntityTooLarge",
            Self::TooManyRequests(_) => "TooManyRequests",
            Self::Internal(_) => "InternalError",
            Self::ServiceUnavailable(_) => "ServiceUnavailable",
            Self::Timeout(_) => "Timeout",
        }
    }

    /// The `Status` object kube-apiserver would send for this error.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.to_string(),
            "reason": self.reason(),
            "code": self.code(),
        });
        let details = match self {
            Self::NotFound {
                group,
                resource,
                name,
            }
            | Self::AlreadyExists {
                group,
                resource,
                name,
            }
            | Self::Conflict {
                group,
                resource,
                name,
                ..
            }
            | Self::Forbidden {
                group,
                resource,
                name,
                ..
            } => Some(details(name, group, resource)),
            Self::Invalid {
                group,
                kind,
                name,
                causes,
            } => {
                let mut d = details(name, group, kind);
                d["causes"] = causes
                    .iter()
                    .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
                    .collect();
                Some(d)
            }
            Self::ApplyConflict { causes, .. } => Some(json!({
                "causes": causes
                    .iter()
                    .map(|(message, field)| json!({"reason": "FieldManagerConflict", "message": message, "field": field}))
                    .collect::<Vec<_>>()
            })),
            _ => None,
        };
        if let Some(d) = details {
            status["details"] = d;
        }
        // kube-apiserver omits an empty reason only for unknown errors; "InternalError" keeps it.
        status
    }
}

fn details(name: &str, group: &str, kind: &str) -> Value {
    let mut d = serde_json::Map::new();
    if !name.is_empty() {
        d.insert("name".into(), Value::String(name.into()));
    }
    if !group.is_empty() {
        d.insert("group".into(), Value::String(group.into()));
    }
    d.insert("kind".into(), Value::String(kind.into()));
    Value::Object(d)
}

/// A `Status` of success, as DELETE of a collection or an object without a body returns.
pub fn success_status(details: Option<Value>) -> Value {
    let mut s = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
    });
    if let Some(d) = details {
        s["details"] = d;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_matches_kube_apiserver() {
        let e = ApiError::NotFound {
            group: "apps".into(),
            resource: "deployments".into(),
            name: "web".into(),
        };
        assert_eq!(
            e.to_status(),
            json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
                "message":"deployments.apps \"web\" not found","reason":"NotFound",
                "details":{"name":"web","group":"apps","kind":"deployments"},"code":404})
        );
    }

    #[test]
    fn invalid_lists_causes() {
        let e = ApiError::Invalid {
            group: "apps".into(),
            kind: "Deployment".into(),
            name: "web".into(),
            causes: vec![FieldError::invalid(
                "spec.replicas",
                &json!(-1),
                "must be greater than or equal to 0",
            )],
        };
        assert_eq!(
            e.to_string(),
            "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
        assert_eq!(
            e.to_status()["details"]["causes"][0]["field"],
            "spec.replicas"
        );
        assert_eq!(e.code(), 422);
    }

    #[test]
    fn conflict_wording() {
        let e = ApiError::stale("", "pods", "p");
        assert_eq!(
            e.to_string(),
            "Operation cannot be fulfilled on pods \"p\": the object has been modified; please apply your changes to the latest version and try again"
        );
    }
}
