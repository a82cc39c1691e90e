//! Managed fields upkeep after creates, updates and status writes.

use serde_json::json;

use super::*;
use crate::testing::{DEPLOYMENT, kube_schema};

fn update(
    old: Option<&Value>,
    new: &Value,
    manager: &str,
    subresource: Option<&str>,
    managed: &[ManagedFieldsEntry],
    now: &str,
) -> Vec<ManagedFieldsEntry> {
    update_managed_fields(
        old,
        new,
        manager,
        subresource,
        managed,
        &kube_schema(),
        DEPLOYMENT,
        now,
        "apps/v1",
    )
}

fn deployment(replicas: i64, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "web", "image": image}]}}},
        "status": {"replicas": 0}})
}

#[test]
fn create_owns_everything_set() {
    let created = deployment(1, "nginx");
    let entries = update(None, &created, "kubectl-create", None, &[], "T1");
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(
        serde_json::to_value(entry).ok(),
        Some(json!({
            "manager": "kubectl-create", "operation": "Update", "apiVersion": "apps/v1",
            "time": "T1", "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}}}}}}
        }))
    );
}

#[test]
fn later_writer_takes_changed_fields_only() {
    let created = deployment(1, "nginx");
    let first = update(None, &created, "kubectl-create", None, &[], "T1");
    let scaled = deployment(5, "nginx");
    let entries = update(Some(&created), &scaled, "kubectl-scale", None, &first, "T2");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].manager, "kubectl-create");
    assert_eq!(entries[0].time.as_deref(), Some("T1"));
    assert_eq!(
        entries[0].fields_v1["f:spec"].get("f:replicas"),
        None,
        "replicas moved to the scaler"
    );
    assert_eq!(entries[1].manager, "kubectl-scale");
    assert_eq!(entries[1].fields_v1, json!({"f:spec": {"f:replicas": {}}}));
}

#[test]
fn entries_that_lose_everything_are_dropped() {
    let created = deployment(1, "nginx");
    let scaler = update(
        None,
        &json!({"spec": {"replicas": 1}}),
        "scaler",
        None,
        &[],
        "T0",
    );
    let entries = update(
        Some(&created),
        &deployment(2, "nginx"),
        "other",
        None,
        &scaler,
        "T1",
    );
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].manager, "other");
}

#[test]
fn removed_fields_leave_all_owners() {
    let created = deployment(1, "nginx");
    let first = update(None, &created, "kubectl-create", None, &[], "T1");
    let mut edited = created.clone();
    if let Some(labels) = edited
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove("app");
    }
    let entries = update(Some(&created), &edited, "kubectl-edit", None, &first, "T2");
    assert_eq!(entries.len(), 1, "the editor changed nothing it could own");
    assert_eq!(
        entries[0].fields_v1.pointer("/f:metadata/f:labels/f:app"),
        None
    );
}

#[test]
fn same_manager_entries_merge() {
    let created = deployment(1, "nginx");
    let first = update(None, &created, "ctl", None, &[], "T1");
    let entries = update(
        Some(&created),
        &deployment(1, "httpd"),
        "ctl",
        None,
        &first,
        "T2",
    );
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].time.as_deref(), Some("T2"));
    assert!(entries[0].fields_v1.pointer("/f:spec/f:replicas").is_some());
}

#[test]
fn status_writes_track_status_only_there() {
    let created = deployment(1, "nginx");
    let mut with_status = created.clone();
    with_status["status"] = json!({"replicas": 1, "readyReplicas": 1});
    let main = update(Some(&created), &with_status, "ctl", None, &[], "T1");
    assert!(
        main.is_empty(),
        "status is not tracked for main-resource writes"
    );
    let status = update(
        Some(&created),
        &with_status,
        "ctl",
        Some("status"),
        &[],
        "T1",
    );
    assert_eq!(status.len(), 1);
    assert_eq!(status[0].subresource.as_deref(), Some("status"));
    assert_eq!(
        status[0].fields_v1,
        json!({"f:status": {"f:readyReplicas": {}, "f:replicas": {}}})
    );
}

#[test]
fn entries_are_sorted_apply_first_then_time() {
    let entry = |manager: &str, operation: &str, time: &str| ManagedFieldsEntry {
        manager: manager.into(),
        operation: operation.into(),
        api_version: "apps/v1".into(),
        time: Some(time.into()),
        fields_type: "FieldsV1".into(),
        fields_v1: json!({"f:spec": {"f:paused": {}}}),
        subresource: None,
    };
    let entries = update(
        Some(&deployment(1, "a")),
        &deployment(1, "a"),
        "nobody",
        None,
        &[
            entry("z", "Update", "2"),
            entry("y", "Update", "1"),
            entry("x", "Apply", "3"),
        ],
        "9",
    );
    let order: Vec<&str> = entries.iter().map(|e| e.manager.as_str()).collect();
    assert_eq!(order, vec!["x", "y", "z"]);
}

#[test]
fn read_and_write_round_trip() {
    let mut object = deployment(1, "nginx");
    let entries = update(None, &object, "kubectl-create", None, &[], "T1");
    write_managed_fields(&mut object, &entries);
    assert_eq!(read_managed_fields(&object), entries);
    write_managed_fields(&mut object, &[]);
    assert_eq!(object.pointer("/metadata/managedFields"), None);
    assert!(
        read_managed_fields(&json!({"metadata": {"managedFields": [3, {"bad": 1}]}})).is_empty()
    );
}
