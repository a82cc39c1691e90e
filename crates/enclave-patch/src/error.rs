//! The crate's error types: patch failures and server-side apply conflicts.

/// Why a patch could not be applied.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PatchError {
    /// The patch body is malformed (not JSON, wrong shape, bad directive). HTTP 400.
    #[error("{0}")]
    Malformed(String),
    /// A JSON patch `test` operation did not match. HTTP 422.
    #[error("{0}")]
    TestFailed(String),
    /// The patch is well formed but cannot be applied to this object. HTTP 422.
    #[error("{0}")]
    CannotApply(String),
    /// The document or patch nests deeper than [`crate::MAX_DEPTH`]. HTTP 400.
    #[error("patch or object nests deeper than {0} levels")]
    TooDeep(usize),
}

impl PatchError {
    /// HTTP status kube-apiserver answers with: 400 for malformed input, 422 otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            PatchError::Malformed(_) | PatchError::TooDeep(_) => 400,
            PatchError::TestFailed(_) | PatchError::CannotApply(_) => 422,
        }
    }

    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        PatchError::Malformed(message.into())
    }
}

/// One field another manager owns whose value an apply would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Name of the manager owning the field.
    pub manager: String,
    /// Operation of the owning entry: `Apply` or `Update`.
    pub operation: String,
    /// API version of the owning entry.
    pub api_version: String,
    /// Subresource of the owning entry, if any.
    pub subresource: Option<String>,
    /// Path of the field, e.g. `.spec.replicas` or `.spec.containers[name="web"].image`.
    pub field: String,
}

impl Conflict {
    /// How kube-apiserver names the owning manager: `"m"`, `"m" using apps/v1` for updaters,
    /// `"m" with subresource "status" using v1`.
    pub fn manager_description(&self) -> String {
        let mut description = go_quote(&self.manager);
        if let Some(subresource) = self.subresource.as_deref().filter(|s| !s.is_empty()) {
            description.push_str(" with subresource ");
            description.push_str(&go_quote(subresource));
        }
        if self.operation == "Update" {
            description.push_str(" using ");
            description.push_str(&self.api_version);
        }
        description
    }

    /// The message of this conflict's `FieldManagerConflict` status cause:
    /// `conflict with "m" using apps/v1`.
    pub fn cause_message(&self) -> String {
        format!("conflict with {}", self.manager_description())
    }

    /// Identity used to group and order conflicts the way kube-apiserver does (its managers
    /// are keyed by the JSON of manager, operation, apiVersion for updaters, subresource).
    fn manager_identifier(&self) -> String {
        let mut identifier = serde_json::Map::new();
        identifier.insert("manager".into(), self.manager.clone().into());
        identifier.insert("operation".into(), self.operation.clone().into());
        if self.operation != "Apply" {
            identifier.insert("apiVersion".into(), self.api_version.clone().into());
        }
        if let Some(subresource) = self.subresource.as_deref().filter(|s| !s.is_empty()) {
            identifier.insert("subresource".into(), subresource.into());
        }
        serde_json::Value::Object(identifier).to_string()
    }
}

/// Why a server-side apply was refused.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ApplyError {
    /// Other managers own fields the apply would change (HTTP 409, reason Conflict).
    #[error("{}", conflicts_message(.0))]
    Conflicts(Vec<Conflict>),
    /// The applied configuration is not an object or is malformed (HTTP 400).
    #[error("{0}")]
    Invalid(String),
    /// The configuration could not be merged into the live object (HTTP 500 in kube).
    #[error("{0}")]
    Merge(#[from] PatchError),
}

impl ApplyError {
    /// kube-apiserver's message text, e.g. `Apply failed with 1 conflict: conflict with
    /// "kubectl-client-side-apply" using apps/v1: .spec.replicas`.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// HTTP status kube-apiserver answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            ApplyError::Conflicts(_) => 409,
            ApplyError::Invalid(_) => 400,
            ApplyError::Merge(error) => error.http_status(),
        }
    }
}

fn conflicts_message(conflicts: &[Conflict]) -> String {
    if let [only] = conflicts {
        return format!(
            "Apply failed with 1 conflict: {}: {}",
            only.cause_message(),
            only.field
        );
    }
    // Grouped per manager, managers sorted by identifier, fields in their original order.
    let mut groups: Vec<(String, String, Vec<&str>)> = Vec::new();
    for conflict in conflicts {
        let identifier = conflict.manager_identifier();
        match groups.iter_mut().find(|(id, _, _)| *id == identifier) {
            Some((_, _, fields)) => fields.push(&conflict.field),
            None => groups.push((
                identifier,
                conflict.manager_description(),
                vec![conflict.field.as_str()],
            )),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let mut lines = Vec::new();
    for (_, description, fields) in groups {
        lines.push(format!("conflicts with {description}:"));
        lines.extend(fields.into_iter().map(|field| format!("- {field}")));
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}

/// Quotes like Go's `%q` for the printable strings manager names are.
fn go_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                quoted.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conflict(manager: &str, operation: &str, field: &str) -> Conflict {
        Conflict {
            manager: manager.into(),
            operation: operation.into(),
            api_version: "apps/v1".into(),
            subresource: None,
            field: field.into(),
        }
    }

    #[test]
    fn single_conflict_message_matches_kube() {
        let error = ApplyError::Conflicts(vec![conflict(
            "kubectl-client-side-apply",
            "Update",
            ".spec.replicas",
        )]);
        assert_eq!(
            error.message(),
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
        );
        assert_eq!(error.http_status(), 409);
    }

    #[test]
    fn applier_conflict_omits_version() {
        let error = ApplyError::Conflicts(vec![conflict("other", "Apply", ".spec.replicas")]);
        assert_eq!(
            error.message(),
            "Apply failed with 1 conflict: conflict with \"other\": .spec.replicas"
        );
    }

    #[test]
    fn several_conflicts_grouped_by_sorted_manager() {
        let error = ApplyError::Conflicts(vec![
            conflict("m", "Update", ".spec.a"),
            conflict("b", "Apply", ".spec.c"),
            conflict("m", "Update", ".spec.b"),
        ]);
        assert_eq!(
            error.message(),
            "Apply failed with 3 conflicts: conflicts with \"b\":\n- .spec.c\nconflicts with \"m\" using apps/v1:\n- .spec.a\n- .spec.b"
        );
    }

    #[test]
    fn subresource_is_named() {
        let mut status_conflict = conflict("ctl", "Update", ".status.phase");
        status_conflict.subresource = Some("status".into());
        assert_eq!(
            status_conflict.cause_message(),
            "conflict with \"ctl\" with subresource \"status\" using apps/v1"
        );
    }

    #[test]
    fn patch_error_statuses() {
        assert_eq!(PatchError::malformed("x").http_status(), 400);
        assert_eq!(PatchError::TestFailed("x".into()).http_status(), 422);
        assert_eq!(PatchError::CannotApply("x".into()).http_status(), 422);
    }
}
