//! Reading API errors the way the workload controllers need to: not found, conflict,
//! already exists, namespace terminating, and the message kube-controller-manager prints.

/// The HTTP code of an API error, if the request reached the server.
fn code(error: &kube::Error) -> Option<u16> {
    match error {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

/// Whether the object was not found.
pub(crate) fn is_not_found(error: &kube::Error) -> bool {
    code(error) == Some(404)
}

/// Whether a write lost a race (stale resourceVersion).
pub(crate) fn is_conflict(error: &kube::Error) -> bool {
    code(error) == Some(409) && matches!(error, kube::Error::Api(s) if s.reason != "AlreadyExists")
}

/// Whether a create found the name taken.
pub(crate) fn is_already_exists(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(s) if s.reason == "AlreadyExists")
}

/// Whether a create was refused because the namespace is being deleted.
pub(crate) fn is_namespace_terminating(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(s) if s
        .details
        .as_ref()
        .is_some_and(|d| d.causes.iter().any(|c| c.reason == "NamespaceTerminating"))
        || s.message.contains("because it is being terminated"))
}

/// The message of an error as Go's `err.Error()` prints a Status error: its message.
pub(crate) fn message(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) if !status.message.is_empty() => status.message.clone(),
        other => other.to_string(),
    }
}
