//! Server-side apply scenarios over a Deployment schema.

use serde_json::json;

use super::*;
use crate::testing::{DEPLOYMENT, kube_schema};
use crate::update_managed_fields;

fn apply_as(
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    force: bool,
    now: &str,
) -> Result<ApplyOutcome, ApplyError> {
    let managed = live.map(crate::read_managed_fields).unwrap_or_default();
    apply(
        live,
        config,
        manager,
        force,
        &managed,
        &kube_schema(),
        DEPLOYMENT,
        now,
        "apps/v1",
    )
}

fn applied(result: Result<ApplyOutcome, ApplyError>) -> ApplyOutcome {
    match result {
        Ok(outcome) => outcome,
        Err(error) => panic!("apply failed: {}", error.message()),
    }
}

fn config(replicas: i64, labels: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": labels},
        "spec": {"replicas": replicas,
            "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.26"}]}}}})
}

fn owners_of(object: &Value) -> Vec<(String, String)> {
    crate::read_managed_fields(object)
        .into_iter()
        .map(|entry| (entry.manager, entry.operation))
        .collect()
}

#[test]
fn apply_creates_and_records_ownership() {
    let outcome = applied(apply_as(
        None,
        &config(2, json!({"app": "web"})),
        "kubectl",
        false,
        "T1",
    ));
    assert_eq!(outcome.object["spec"]["replicas"], json!(2));
    assert_eq!(
        serde_json::to_value(&outcome.managed_fields).ok(),
        Some(json!([{
            "manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "time": "T1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}}}}}}
        }]))
    );
    assert_eq!(
        outcome.object["metadata"]["managedFields"],
        serde_json::to_value(&outcome.managed_fields).unwrap_or_default()
    );
}

#[test]
fn applying_twice_is_idempotent() {
    let desired = config(2, json!({"app": "web"}));
    let first = applied(apply_as(None, &desired, "kubectl", false, "T1"));
    let second = applied(apply_as(
        Some(&first.object),
        &desired,
        "kubectl",
        false,
        "T1",
    ));
    assert_eq!(second, first);
}

#[test]
fn two_appliers_conflict_unless_values_agree() {
    let first = applied(apply_as(
        None,
        &config(2, json!({"app": "web"})),
        "alice",
        false,
        "T1",
    ));
    let bob = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"}, "spec": {"replicas": 3}});
    let error = apply_as(Some(&first.object), &bob, "bob", false, "T2");
    let Err(error) = error else {
        panic!("expected a conflict");
    };
    assert_eq!(
        error.message(),
        "Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas"
    );
    assert_eq!(error.http_status(), 409);

    let agreeing = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"}, "spec": {"replicas": 2}});
    let shared = applied(apply_as(Some(&first.object), &agreeing, "bob", false, "T2"));
    let replicas_owners: Vec<&str> = shared
        .managed_fields
        .iter()
        .filter(|entry| entry.fields_v1.pointer("/f:spec/f:replicas").is_some())
        .map(|entry| entry.manager.as_str())
        .collect();
    assert_eq!(replicas_owners, vec!["alice", "bob"]);
}

#[test]
fn force_moves_ownership() {
    let first = applied(apply_as(
        None,
        &config(2, json!({"app": "web"})),
        "alice",
        false,
        "T1",
    ));
    let bob = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"}, "spec": {"replicas": 3}});
    let forced = applied(apply_as(Some(&first.object), &bob, "bob", true, "T2"));
    assert_eq!(forced.object["spec"]["replicas"], json!(3));
    let alice = &forced.managed_fields[0];
    assert_eq!(alice.manager, "alice");
    assert_eq!(alice.fields_v1.pointer("/f:spec/f:replicas"), None);
    assert!(alice.fields_v1.pointer("/f:spec/f:template").is_some());
    let bob_entry = &forced.managed_fields[1];
    assert_eq!(bob_entry.fields_v1, json!({"f:spec": {"f:replicas": {}}}));
}

#[test]
fn fields_no_longer_applied_are_removed_unless_owned_elsewhere() {
    let first = applied(apply_as(
        None,
        &config(2, json!({"app": "web", "tier": "fe", "team": "a"})),
        "alice",
        false,
        "T1",
    ));
    let bob = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"team": "a"}}});
    let shared = applied(apply_as(Some(&first.object), &bob, "bob", false, "T2"));
    let second = applied(apply_as(
        Some(&shared.object),
        &config(2, json!({"app": "web"})),
        "alice",
        false,
        "T3",
    ));
    assert_eq!(
        second.object["metadata"]["labels"],
        json!({"app": "web", "team": "a"}),
        "tier dropped, team kept because bob still applies it"
    );
    assert_eq!(second.object["metadata"]["name"], json!("web"));
}

#[test]
fn dropping_a_container_removes_it_but_not_its_neighbours() {
    let two = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [
            {"name": "web", "image": "nginx"}, {"name": "sidecar", "image": "envoy"}]}}}});
    let first = applied(apply_as(None, &two, "alice", false, "T1"));
    let one = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}}});
    let second = applied(apply_as(Some(&first.object), &one, "alice", false, "T2"));
    assert_eq!(
        second.object["spec"]["template"]["spec"]["containers"],
        json!([{"name": "web", "image": "nginx"}])
    );
}

#[test]
fn container_list_map_merge_keeps_other_managers_items_and_fields() {
    let created = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 1, "template": {"spec": {"containers": [
            {"name": "web", "image": "nginx", "imagePullPolicy": "Always",
             "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}}}});
    let managed = update_managed_fields(
        None,
        &created,
        "kubectl-create",
        None,
        &[],
        &kube_schema(),
        DEPLOYMENT,
        "T0",
        "apps/v1",
    );
    let mut live = created.clone();
    crate::write_managed_fields(&mut live, &managed);

    let sidecar = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [
            {"name": "web", "ports": [{"containerPort": 80}]},
            {"name": "sidecar", "image": "envoy"}]}}}});
    let outcome = applied(apply_as(Some(&live), &sidecar, "mesh", false, "T1"));
    assert_eq!(
        outcome.object["spec"]["template"]["spec"]["containers"],
        json!([
            {"name": "web", "image": "nginx", "imagePullPolicy": "Always",
             "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "sidecar", "image": "envoy"}
        ]),
        "the port without protocol matched the defaulted live port"
    );

    let retag = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 4, "template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}}});
    let Err(error) = apply_as(Some(&outcome.object), &retag, "mesh", false, "T2") else {
        panic!("expected conflicts");
    };
    assert_eq!(
        error.message(),
        "Apply failed with 2 conflicts: conflicts with \"kubectl-create\" using apps/v1:\n\
         - .spec.replicas\n\
         - .spec.template.spec.containers[name=\"web\"].image"
    );
}

#[test]
fn update_after_apply_takes_ownership() {
    let first = applied(apply_as(
        None,
        &config(2, json!({"app": "web"})),
        "kubectl",
        false,
        "T1",
    ));
    let mut scaled = first.object.clone();
    scaled["spec"]["replicas"] = json!(5);
    let managed = update_managed_fields(
        Some(&first.object),
        &scaled,
        "kubectl-scale",
        None,
        &first.managed_fields,
        &kube_schema(),
        DEPLOYMENT,
        "T2",
        "apps/v1",
    );
    crate::write_managed_fields(&mut scaled, &managed);
    assert_eq!(
        owners_of(&scaled),
        vec![
            ("kubectl".to_owned(), "Apply".to_owned()),
            ("kubectl-scale".to_owned(), "Update".to_owned())
        ]
    );
    assert_eq!(
        managed[0].fields_v1.pointer("/f:spec/f:replicas"),
        None,
        "the applier lost replicas"
    );
    let Err(error) = apply_as(
        Some(&scaled),
        &config(2, json!({"app": "web"})),
        "kubectl",
        false,
        "T3",
    ) else {
        panic!("expected a conflict");
    };
    assert_eq!(
        error.message(),
        "Apply failed with 1 conflict: conflict with \"kubectl-scale\" using apps/v1: .spec.replicas"
    );
    // Re-applying without replicas leaves the scaler's value alone.
    let mut without_replicas = config(2, json!({"app": "web"}));
    if let Some(spec) = without_replicas["spec"].as_object_mut() {
        spec.remove("replicas");
    }
    let outcome = applied(apply_as(
        Some(&scaled),
        &without_replicas,
        "kubectl",
        false,
        "T3",
    ));
    assert_eq!(outcome.object["spec"]["replicas"], json!(5));
}

#[test]
fn client_side_apply_conflict_matches_kube_text() {
    let created = config(1, json!({"app": "web"}));
    let managed = update_managed_fields(
        None,
        &created,
        "kubectl-client-side-apply",
        None,
        &[],
        &kube_schema(),
        DEPLOYMENT,
        "T0",
        "apps/v1",
    );
    let mut live = created.clone();
    crate::write_managed_fields(&mut live, &managed);
    let Err(error) = apply_as(
        Some(&live),
        &config(3, json!({"app": "web"})),
        "kubectl",
        false,
        "T1",
    ) else {
        panic!("expected a conflict");
    };
    assert_eq!(
        error.message(),
        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
    );
    let ApplyError::Conflicts(conflicts) = &error else {
        panic!("expected conflicts");
    };
    assert_eq!(conflicts[0].field, ".spec.replicas");
    assert_eq!(
        conflicts[0].cause_message(),
        "conflict with \"kubectl-client-side-apply\" using apps/v1"
    );
}

#[test]
fn objects_without_managed_fields_belong_to_before_first_apply() {
    let live = config(1, json!({"app": "web"}));
    let Err(error) = apply_as(
        Some(&live),
        &config(3, json!({"app": "web"})),
        "kubectl",
        false,
        "T1",
    ) else {
        panic!("expected a conflict");
    };
    assert_eq!(
        error.message(),
        "Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: .spec.replicas"
    );
}

#[test]
fn invalid_configurations_are_rejected() {
    let with_managed = json!({"metadata": {"name": "x", "managedFields": []}});
    let duplicate = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "a"}, {"name": "a"}]}}}});
    for (config, message) in [
        (json!([]), "the applied configuration must be a JSON object"),
        (with_managed, "metadata.managedFields must be nil"),
        (
            duplicate,
            ".spec.template.spec.containers: duplicate entries for key [name=\"a\"]",
        ),
    ] {
        let result = apply_as(None, &config, "m", false, "T");
        assert_eq!(result, Err(ApplyError::Invalid(message.into())));
    }
}

#[test]
fn nulls_in_the_configuration_are_absent() {
    let first = applied(apply_as(
        None,
        &config(2, json!({"app": "web"})),
        "kubectl",
        false,
        "T1",
    ));
    let mut nulled = config(2, json!({"app": "web"}));
    nulled["spec"]["replicas"] = Value::Null;
    let second = applied(apply_as(
        Some(&first.object),
        &nulled,
        "kubectl",
        false,
        "T2",
    ));
    assert_eq!(second.object["spec"].get("replicas"), None);
}

#[test]
fn shared_items_follow_the_applied_order() {
    let list = |names: &[&str]| {
        let containers: Vec<Value> = names.iter().map(|n| json!({"name": n})).collect();
        json!({"spec": {"template": {"spec": {"containers": containers}}}})
    };
    let first = applied(apply_as(None, &list(&["a", "b", "c"]), "one", false, "T1"));
    let second = applied(apply_as(
        Some(&first.object),
        &list(&["c", "a"]),
        "two",
        false,
        "T2",
    ));
    let names: Vec<&str> = second.object["spec"]["template"]["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    // Live-only "b" keeps its place before the first shared item; shared items follow the
    // applied order (structured-merge-diff's list merge).
    assert_eq!(names, vec!["b", "c", "a"]);
}
