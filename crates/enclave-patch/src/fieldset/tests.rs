//! Field set construction, comparison, algebra and `fieldsV1` encoding.

use serde_json::json;

use super::*;
use crate::testing::{DEPLOYMENT, POD, kube_schema};
use crate::{EmptySchema, LiteralSchema};

#[test]
fn field_set_of_a_deployment() {
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "uid": "u", "resourceVersion": "5",
            "generation": 2, "creationTimestamp": "2025-01-01T00:00:00Z",
            "labels": {"app": "web"}, "managedFields": [{"manager": "x"}]},
        "spec": {"replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx",
                    "ports": [{"containerPort": 80}], "args": ["a"], "resources": {}}],
                    "tolerations": [{"key": "k"}],
                    "nodeSelector": {"disk": "ssd"}}}},
        "status": {"replicas": 2}
    });
    let set = field_set(&deployment, &kube_schema(), DEPLOYMENT, false);
    assert_eq!(
        set.to_fields_v1(),
        json!({
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:selector": {},
                "f:template": {
                    "f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {
                        "f:containers": {"k:{\"name\":\"web\"}": {
                            ".": {}, "f:args": {}, "f:image": {}, "f:name": {},
                            "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {
                                ".": {}, "f:containerPort": {}}},
                            "f:resources": {}}},
                        "f:nodeSelector": {},
                        "f:tolerations": {}}}}
        })
    );
    let with_status = field_set(&deployment, &kube_schema(), DEPLOYMENT, true);
    assert_eq!(
        with_status.to_fields_v1()["f:status"],
        json!({"f:replicas": {}})
    );
}

#[test]
fn sets_and_atomic_items() {
    let pod = json!({"metadata": {"finalizers": ["a", "b"],
        "ownerReferences": [{"uid": "1", "kind": "ReplicaSet", "name": "rs"}]}});
    let set = field_set(&pod, &kube_schema(), POD, false);
    assert_eq!(
        set.to_fields_v1(),
        json!({"f:metadata": {
            "f:finalizers": {"v:\"a\"": {}, "v:\"b\"": {}},
            "f:ownerReferences": {"k:{\"uid\":\"1\"}": {}}}})
    );
}

#[test]
fn untyped_objects_mark_every_key() {
    let widget = json!({"apiVersion": "x/v1", "kind": "W", "metadata": {"name": "w"},
        "spec": {"size": 1, "nested": {"a": true}, "list": [1]}});
    let set = field_set(&widget, &EmptySchema, "example.com.v1.Widget", false);
    assert_eq!(
        set.to_fields_v1(),
        json!({"f:spec": {".": {}, "f:list": {}, "f:nested": {".": {}, "f:a": {}}, "f:size": {}}})
    );
}

#[test]
fn fields_v1_round_trip_and_paths() {
    let encoded = json!({
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
        "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:image": {}}},
            "f:finalizers": {"v:\"a\"": {}}, "f:list": {"i:0": {}}}
    });
    let set = FieldSet::from_fields_v1(&encoded);
    assert_eq!(set.to_fields_v1(), encoded);
    assert_eq!(
        set.paths(),
        vec![
            ".metadata.labels",
            ".metadata.labels.app",
            ".spec.containers[name=\"web\"]",
            ".spec.containers[name=\"web\"].image",
            ".spec.finalizers[=\"a\"]",
            ".spec.list[0]",
        ]
    );
}

#[test]
fn fields_v1_parsing_is_lenient() {
    let encoded = json!({"f:a": {}, "bogus": {}, "k:not json": {}, "f:b": 3, "f:c": {"i:x": {}}});
    let set = FieldSet::from_fields_v1(&encoded);
    assert_eq!(set.to_fields_v1(), json!({"f:a": {}, "f:c": {}}));
    assert!(FieldSet::from_fields_v1(&json!("x")).is_empty());
}

#[test]
fn multi_field_keys_print_sorted() {
    let set = FieldSet::from_fields_v1(
        &json!({"f:ports": {"k:{\"protocol\":\"TCP\",\"containerPort\":80}": {}}}),
    );
    assert_eq!(
        set.paths(),
        vec![".ports[containerPort=80,protocol=\"TCP\"]"]
    );
}

#[test]
fn set_algebra() {
    let a = FieldSet::from_fields_v1(&json!({"f:a": {}, "f:b": {"f:c": {}, "f:d": {}}}));
    let b = FieldSet::from_fields_v1(&json!({"f:b": {"f:c": {}}, "f:e": {}}));
    assert_eq!(
        a.union(&b).to_fields_v1(),
        json!({"f:a": {}, "f:b": {"f:c": {}, "f:d": {}}, "f:e": {}})
    );
    assert_eq!(
        a.difference(&b).to_fields_v1(),
        json!({"f:a": {}, "f:b": {"f:d": {}}})
    );
    assert_eq!(
        a.intersection(&b).to_fields_v1(),
        json!({"f:b": {"f:c": {}}})
    );
    assert!(a.difference(&a).is_empty());
}

#[test]
fn comparison_of_two_versions() {
    let schema = kube_schema();
    let old = json!({"metadata": {"labels": {"app": "web"}},
        "spec": {"replicas": 1, "template": {"spec": {"containers": [
            {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}}}});
    let new = json!({"metadata": {"labels": {"app": "web"}, "annotations": {"x": "y"}},
        "spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "a", "image": "a:2"}, {"name": "c", "image": "c:1"}]}}}});
    let comparison = compare(&old, &new, &schema, DEPLOYMENT, false);
    assert_eq!(
        comparison.added.to_fields_v1(),
        json!({"f:metadata": {"f:annotations": {".": {}, "f:x": {}}},
            "f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"c\"}": {
                ".": {}, "f:image": {}, "f:name": {}}}}}}})
    );
    assert_eq!(
        comparison.modified.to_fields_v1(),
        json!({"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
            "k:{\"name\":\"a\"}": {"f:image": {}}}}}}})
    );
    assert_eq!(
        comparison.removed.to_fields_v1(),
        json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"b\"}": {
            ".": {}, "f:image": {}, "f:name": {}}}}}}})
    );
}

#[test]
fn deep_values_do_not_overflow() {
    let mut value = json!(1);
    for _ in 0..(crate::MAX_DEPTH * 2) {
        value = json!({"x": value});
    }
    let set = field_set(&value, &LiteralSchema::new(), "T", false);
    assert!(!set.is_empty());
    let comparison = compare(&value, &json!({}), &LiteralSchema::new(), "T", false);
    assert!(!comparison.removed.is_empty());
}
