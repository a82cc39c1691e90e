//! Problems found while translating: which object, a kube-style reason and a message, for the
//! shell to publish as Warning Events.

use serde::{Deserialize, Serialize};

use crate::TranslateError;

/// The object a problem is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectRef {
    /// `NetworkPolicy`, `Namespace` or `Pod`.
    pub kind: String,
    /// The namespace (empty for namespaces).
    pub namespace: String,
    /// The name.
    pub name: String,
    /// The UID.
    pub uid: String,
}

/// One problem with one object; the rest of the object still translated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Problem {
    /// The object.
    pub object: ObjectRef,
    /// CamelCase reason (`NamedPortNotFound`, `InvalidIPBlock`, ...).
    pub reason: String,
    /// Human-readable message, saying where in the object and what was done instead.
    pub message: String,
}

impl Problem {
    /// A problem from an error, with `at` (a field path such as `spec.ingress[0].from[1]`)
    /// prefixed to the message when not empty.
    pub fn new(object: &ObjectRef, at: &str, error: &TranslateError) -> Self {
        let message = if at.is_empty() {
            error.to_string()
        } else {
            format!("{at}: {error}")
        };
        Problem {
            object: object.clone(),
            reason: error.reason().to_string(),
            message,
        }
    }
}
