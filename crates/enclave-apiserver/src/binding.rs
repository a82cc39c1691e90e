//! The `pods/binding` subresource: a scheduler binds a pod to a node by POSTing a `v1 Binding`,
//! which sets `spec.nodeName` and the `PodScheduled=True` condition in one write.
//!
//! As kube-apiserver's BindingREST: the pod's spec is otherwise immutable, so the binding
//! writes the stored pod directly (no pod validation, no field manager: the Binding is the
//! request, not the pod), and any failure that is not already an API status becomes a
//! Conflict on `pods/binding`.

use axum::response::Response;
use enclave_api::{ApiError, FieldError};
use http::{StatusCode, header};
use serde_json::{Value, json};

use crate::handlers::{Ctx, read, store_error};
use crate::{convert, meta, negotiate, response};

/// How often a binding is retried when the pod changed between its read and its write.
const MAX_BIND_RETRIES: usize = 32;

/// `POST .../pods/{name}/binding`: answers 201 with a Success Status.
pub(crate) async fn create(ctx: &Ctx, body: &[u8]) -> Result<Response, ApiError> {
    let kind = negotiate::body_type(
        ctx.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    )
    .ok_or_else(|| ApiError::UnsupportedMediaType(negotiate::OBJECT_MEDIA_TYPES.into()))?;
    let binding = negotiate::decode_object(body, kind)?;
    let request = BindingRequest::parse(&binding, &ctx.info.name, ctx.namespace())?;
    let dry_run = ctx
        .params
        .get("dryRun")
        .is_some_and(|d| d.split(',').any(|v| v == "All"));
    let now = meta::now_rfc3339();
    let mut outcome = Err(ApiError::stale("", "pods", &ctx.info.name));
    for _ in 0..MAX_BIND_RETRIES {
        let (kv, pod) = read(ctx).await?;
        let bound = match bind_pod(&pod, &request, &now) {
            Ok(bound) => bound,
            Err(detail) => return Err(binding_conflict(&ctx.info.name, detail)),
        };
        if dry_run {
            outcome = Ok(());
            break;
        }
        let written = ctx
            .server
            .store
            .update(
                &kv.key,
                meta::encode(&convert::to_storage(ctx.resource, bound))?,
                kv.mod_revision,
            )
            .await
            .map_err(|e| store_error(ctx.resource, &ctx.info.name, e));
        match written {
            Ok(_) => {
                outcome = Ok(());
                break;
            }
            Err(ApiError::Conflict { .. }) => continue,
            Err(other) => return Err(other),
        }
    }
    outcome?;
    let mut status = enclave_api::status::success_status(None);
    status["code"] = json!(201);
    Ok(response::json(StatusCode::CREATED, &status))
}

/// What a Binding asks for, after the checks kube-apiserver makes before touching the pod.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BindingRequest {
    /// The node to bind to.
    pub(crate) node: String,
    /// The pod UID the binder saw, when it gave one (a precondition).
    pub(crate) uid: Option<String>,
    /// Annotations the binder adds to the pod.
    pub(crate) annotations: serde_json::Map<String, Value>,
}

impl BindingRequest {
    /// Checks a Binding body against the URL: kind, name and namespace, and its target.
    pub(crate) fn parse(
        binding: &Value,
        pod_name: &str,
        namespace: Option<&str>,
    ) -> Result<Self, ApiError> {
        if let Some(kind) = binding.get("kind").and_then(Value::as_str)
            && kind != "Binding"
        {
            return Err(ApiError::BadRequest(format!(
                "not a Binding object: kind \"{kind}\""
            )));
        }
        let name = binding.pointer("/metadata/name").and_then(Value::as_str);
        if name != Some(pod_name) {
            return Err(ApiError::BadRequest(
                "name in URL does not match name in Binding object".into(),
            ));
        }
        if let (Some(body_ns), Some(url_ns)) = (
            binding
                .pointer("/metadata/namespace")
                .and_then(Value::as_str),
            namespace,
        ) && !body_ns.is_empty()
            && body_ns != url_ns
        {
            return Err(ApiError::BadRequest(
                "the namespace of the provided object does not match the namespace sent on the request".into(),
            ));
        }
        let target_kind = binding
            .pointer("/target/kind")
            .and_then(Value::as_str)
            .unwrap_or("");
        let node = binding
            .pointer("/target/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut causes = Vec::new();
        if !target_kind.is_empty() && target_kind != "Node" {
            causes.push(FieldError::not_supported(
                "target.kind",
                &json!(target_kind),
                &["Node", "<empty>"],
            ));
        }
        if node.is_empty() {
            causes.push(FieldError::required("target.name", ""));
        }
        if !causes.is_empty() {
            return Err(ApiError::Invalid {
                group: String::new(),
                kind: "Binding".into(),
                name: pod_name.into(),
                causes,
            });
        }
        Ok(Self {
            node: node.into(),
            uid: binding
                .pointer("/metadata/uid")
                .and_then(Value::as_str)
                .filter(|u| !u.is_empty())
                .map(str::to_string),
            annotations: binding
                .pointer("/metadata/annotations")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        })
    }
}

/// The pod bound to the requested node, or why it cannot be (kube-apiserver's wording).
pub(crate) fn bind_pod(pod: &Value, request: &BindingRequest, now: &str) -> Result<Value, String> {
    let name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let uid = pod
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("");
    if let Some(wanted) = &request.uid
        && wanted != uid
    {
        return Err(format!(
            "Precondition failed: UID in precondition: {wanted}, UID in object meta: {uid}"
        ));
    }
    if pod.pointer("/metadata/deletionTimestamp").is_some() {
        return Err(format!(
            "pod {name} is being deleted, cannot be assigned to a host"
        ));
    }
    if let Some(node) = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    {
        return Err(format!("pod {name} is already assigned to node \"{node}\""));
    }
    if pod
        .pointer("/spec/schedulingGates")
        .and_then(Value::as_array)
        .is_some_and(|g| !g.is_empty())
    {
        return Err(format!("pod {name} has non-empty .spec.schedulingGates"));
    }
    let mut bound = pod.clone();
    let Some(object) = bound.as_object_mut() else {
        return Err(format!("pod {name} is not an object"));
    };
    if let Some(spec) = object
        .entry("spec")
        .or_insert_with(|| json!({}))
        .as_object_mut()
    {
        spec.insert("nodeName".into(), json!(request.node));
    }
    if !request.annotations.is_empty()
        && let Some(metadata) = object
            .entry("metadata")
            .or_insert_with(|| json!({}))
            .as_object_mut()
        && let Some(annotations) = metadata
            .entry("annotations")
            .or_insert_with(|| json!({}))
            .as_object_mut()
    {
        for (key, value) in &request.annotations {
            annotations.insert(key.clone(), value.clone());
        }
    }
    let status = object.entry("status").or_insert_with(|| json!({}));
    set_scheduled_condition(status, now);
    Ok(bound)
}

/// As UpdatePodCondition: replaces any `PodScheduled` condition by `True`, keeping its
/// transition time when it was already `True`.
fn set_scheduled_condition(status: &mut Value, now: &str) {
    let Some(status) = status.as_object_mut() else {
        return;
    };
    let conditions = status.entry("conditions").or_insert_with(|| json!([]));
    if !conditions.is_array() {
        *conditions = json!([]);
    }
    let Some(conditions) = conditions.as_array_mut() else {
        return;
    };
    let existing = conditions
        .iter()
        .position(|c| c.get("type").and_then(Value::as_str) == Some("PodScheduled"));
    let mut condition = json!({
        "type": "PodScheduled",
        "status": "True",
        "lastProbeTime": null,
        "lastTransitionTime": now,
    });
    match existing {
        Some(index) => {
            if conditions[index].get("status").and_then(Value::as_str) == Some("True")
                && let Some(previous) = conditions[index].get("lastTransitionTime")
            {
                condition["lastTransitionTime"] = previous.clone();
            }
            conditions[index] = condition;
        }
        None => conditions.push(condition),
    }
}

/// As kube-apiserver's assignPod: a refusal is a Conflict on `pods/binding`.
fn binding_conflict(pod_name: &str, detail: String) -> ApiError {
    ApiError::Conflict {
        group: String::new(),
        resource: "pods/binding".into(),
        name: pod_name.into(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending_pod() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "default", "uid": "u-1"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            "status": {"phase": "Pending", "conditions": [{
                "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "message": "0/1 nodes are available", "lastProbeTime": null,
                "lastTransitionTime": "2024-01-01T00:00:00Z"}]}
        })
    }

    fn binding(node: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Binding",
            "metadata": {"name": "web", "annotations": {"a": "b"}},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node}})
    }

    #[test]
    fn binding_sets_the_node_and_replaces_the_unschedulable_condition() {
        let request = BindingRequest::parse(&binding("n1"), "web", Some("default")).unwrap();
        let bound = bind_pod(&pending_pod(), &request, "2025-01-01T00:00:00Z").unwrap();
        assert_eq!(bound["spec"]["nodeName"], "n1");
        assert_eq!(bound["metadata"]["annotations"]["a"], "b");
        assert_eq!(
            bound["status"]["conditions"],
            json!([{"type": "PodScheduled", "status": "True", "lastProbeTime": null,
                "lastTransitionTime": "2025-01-01T00:00:00Z"}])
        );
    }

    #[test]
    fn a_bound_pod_cannot_be_bound_again() {
        let request = BindingRequest::parse(&binding("n2"), "web", Some("default")).unwrap();
        let mut pod = pending_pod();
        pod["spec"]["nodeName"] = json!("n1");
        let detail = bind_pod(&pod, &request, "t").unwrap_err();
        assert_eq!(detail, "pod web is already assigned to node \"n1\"");
        assert_eq!(
            binding_conflict("web", detail).to_string(),
            "Operation cannot be fulfilled on pods/binding \"web\": pod web is already assigned to node \"n1\""
        );
    }

    #[test]
    fn malformed_bindings_are_rejected_before_the_pod_is_read() {
        let mut other_name = binding("n1");
        other_name["metadata"]["name"] = json!("db");
        assert!(matches!(
            BindingRequest::parse(&other_name, "web", None),
            Err(ApiError::BadRequest(_))
        ));
        let mut no_target = binding("");
        no_target["target"]["kind"] = json!("Pod");
        let err = BindingRequest::parse(&no_target, "web", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Binding \"web\" is invalid: [target.kind: Unsupported value: \"Pod\": supported values: \"Node\", \"<empty>\", target.name: Required value]"
        );
    }

    #[test]
    fn a_uid_precondition_must_match() {
        let mut body = binding("n1");
        body["metadata"]["uid"] = json!("other");
        let request = BindingRequest::parse(&body, "web", None).unwrap();
        assert!(
            bind_pod(&pending_pod(), &request, "t")
                .unwrap_err()
                .starts_with("Precondition failed")
        );
    }
}
