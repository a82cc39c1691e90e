//! Table-driven strategic merge patch cases over a Deployment/Pod schema.

use serde_json::{Value, json};

use super::*;
use crate::testing::{DEPLOYMENT, POD, kube_schema};

struct Case {
    name: &'static str,
    root: &'static str,
    doc: Value,
    patch: Value,
    expected: Value,
}

fn pod_spec(spec: Value) -> Value {
    json!({"spec": spec})
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "scalar fields replace and null deletes",
            root: DEPLOYMENT,
            doc: json!({"spec": {"replicas": 1, "paused": true}}),
            patch: json!({"spec": {"replicas": 3, "paused": null}}),
            expected: json!({"spec": {"replicas": 3}}),
        },
        Case {
            name: "maps merge recursively",
            root: DEPLOYMENT,
            doc: json!({"metadata": {"name": "web", "labels": {"app": "web", "tier": "fe"}}}),
            patch: json!({"metadata": {"labels": {"tier": null, "env": "prod"}}}),
            expected: json!({"metadata": {"name": "web", "labels": {"app": "web", "env": "prod"}}}),
        },
        Case {
            name: "kubectl client-side apply keeps unmentioned container fields",
            root: DEPLOYMENT,
            doc: json!({"spec": {"replicas": 1, "template": {"spec": {"containers": [
                {"name": "nginx", "image": "nginx:1.25",
                 "ports": [{"containerPort": 80, "protocol": "TCP"}],
                 "imagePullPolicy": "IfNotPresent"}
            ]}}}}),
            patch: json!({"metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}\n"}},
                "spec": {"replicas": 3, "template": {"spec": {
                    "$setElementOrder/containers": [{"name": "nginx"}],
                    "containers": [{"image": "nginx:1.26", "name": "nginx"}]}}}}),
            expected: json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "nginx", "image": "nginx:1.26",
                 "ports": [{"containerPort": 80, "protocol": "TCP"}],
                 "imagePullPolicy": "IfNotPresent"}
            ]}}}, "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}\n"}}}),
        },
        Case {
            name: "containers merge by name, new ones append",
            root: POD,
            doc: pod_spec(
                json!({"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}),
            ),
            patch: pod_spec(
                json!({"containers": [{"name": "c", "image": "c:1"}, {"name": "a", "image": "a:2"}]}),
            ),
            expected: pod_spec(json!({"containers": [
                {"name": "c", "image": "c:1"}, {"name": "a", "image": "a:2"}, {"name": "b", "image": "b:1"}]})),
        },
        Case {
            name: "ports merge by containerPort inside a merged container",
            root: POD,
            doc: pod_spec(json!({"containers": [{"name": "web", "ports": [
                {"containerPort": 80, "name": "http"}, {"containerPort": 443, "name": "https"}]}]})),
            patch: pod_spec(json!({"containers": [{"name": "web", "ports": [
                {"containerPort": 443, "hostPort": 8443}, {"containerPort": 9090, "name": "metrics"}]}]})),
            expected: pod_spec(json!({"containers": [{"name": "web", "ports": [
                {"containerPort": 80, "name": "http"},
                {"containerPort": 443, "name": "https", "hostPort": 8443},
                {"containerPort": 9090, "name": "metrics"}]}]})),
        },
        Case {
            name: "env merges by name and $patch delete removes an item",
            root: POD,
            doc: pod_spec(json!({"containers": [{"name": "web", "env": [
                {"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}]}]})),
            patch: pod_spec(json!({"containers": [{"name": "web", "env": [
                {"name": "B", "$patch": "delete"}, {"name": "C", "value": "33"}]}]})),
            expected: pod_spec(json!({"containers": [{"name": "web", "env": [
                {"name": "A", "value": "1"}, {"name": "C", "value": "33"}]}]})),
        },
        Case {
            name: "volumes merge by name and $retainKeys drops the other source",
            root: POD,
            doc: pod_spec(json!({"volumes": [
                {"name": "cfg", "configMap": {"name": "cm"}}, {"name": "tmp", "emptyDir": {}}]})),
            patch: pod_spec(json!({"volumes": [
                {"name": "cfg", "$retainKeys": ["emptyDir", "name"], "emptyDir": {"medium": "Memory"}}]})),
            expected: pod_spec(json!({"volumes": [
                {"name": "cfg", "emptyDir": {"medium": "Memory"}}, {"name": "tmp", "emptyDir": {}}]})),
        },
        Case {
            name: "deployment strategy $retainKeys from kubectl apply",
            root: DEPLOYMENT,
            doc: json!({"spec": {"strategy": {"type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}}}),
            patch: json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": null}}}),
            expected: json!({"spec": {"strategy": {"type": "Recreate"}}}),
        },
        Case {
            name: "conditions merge by type",
            root: DEPLOYMENT,
            doc: json!({"status": {"conditions": [
                {"type": "Available", "status": "False"}, {"type": "Progressing", "status": "True"}]}}),
            patch: json!({"status": {"conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}]}}),
            expected: json!({"status": {"conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                {"type": "Progressing", "status": "True"}]}}),
        },
        Case {
            name: "ownerReferences merge by uid",
            root: POD,
            doc: json!({"metadata": {"ownerReferences": [{"uid": "1", "kind": "ReplicaSet", "name": "rs"}]}}),
            patch: json!({"metadata": {"ownerReferences": [{"uid": "2", "kind": "Node", "name": "n"},
                {"uid": "1", "controller": true}]}}),
            expected: json!({"metadata": {"ownerReferences": [
                {"uid": "2", "kind": "Node", "name": "n"},
                {"uid": "1", "kind": "ReplicaSet", "name": "rs", "controller": true}]}}),
        },
        Case {
            name: "tolerations have no merge key and are replaced",
            root: POD,
            doc: pod_spec(json!({"tolerations": [{"key": "a", "operator": "Exists"}]})),
            patch: pod_spec(json!({"tolerations": [{"key": "b", "operator": "Exists"}]})),
            expected: pod_spec(json!({"tolerations": [{"key": "b", "operator": "Exists"}]})),
        },
        Case {
            name: "atomic lists without strategy are replaced (args)",
            root: POD,
            doc: pod_spec(json!({"containers": [{"name": "c", "args": ["a", "b"]}]})),
            patch: pod_spec(json!({"containers": [{"name": "c", "args": ["c"]}]})),
            expected: pod_spec(json!({"containers": [{"name": "c", "args": ["c"]}]})),
        },
        Case {
            name: "primitive merge lists are unioned (finalizers)",
            root: POD,
            doc: json!({"metadata": {"finalizers": ["a", "b"]}}),
            patch: json!({"metadata": {"finalizers": ["c", "a"]}}),
            expected: json!({"metadata": {"finalizers": ["c", "a", "b"]}}),
        },
        Case {
            name: "$deleteFromPrimitiveList removes values",
            root: POD,
            doc: json!({"metadata": {"finalizers": ["a", "b", "c"]}}),
            patch: json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b", "zzz"]}}),
            expected: json!({"metadata": {"finalizers": ["a", "c"]}}),
        },
        Case {
            name: "$deleteFromPrimitiveList with additions",
            root: POD,
            doc: json!({"metadata": {"finalizers": ["a", "b"]}}),
            patch: json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"], "finalizers": ["d"]}}),
            expected: json!({"metadata": {"finalizers": ["d", "b"]}}),
        },
        Case {
            name: "$setElementOrder reorders containers, keeps server-only ones",
            root: POD,
            doc: pod_spec(json!({"containers": [
                {"name": "a", "image": "a"}, {"name": "b", "image": "b"}, {"name": "side", "image": "s"}]})),
            patch: pod_spec(
                json!({"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                "containers": [{"name": "a", "image": "a2"}]}),
            ),
            expected: pod_spec(json!({"containers": [
                {"name": "b", "image": "b"}, {"name": "a", "image": "a2"}, {"name": "side", "image": "s"}]})),
        },
        Case {
            name: "kubectl three-way patch deleting a container",
            root: POD,
            doc: pod_spec(
                json!({"containers": [{"name": "a", "image": "a"}, {"name": "b", "image": "b"}]}),
            ),
            patch: pod_spec(json!({"$setElementOrder/containers": [{"name": "a"}],
                "containers": [{"$patch": "delete", "name": "b"}]})),
            expected: pod_spec(json!({"containers": [{"name": "a", "image": "a"}]})),
        },
        Case {
            name: "$setElementOrder on primitive list",
            root: POD,
            doc: json!({"metadata": {"finalizers": ["a", "b"]}}),
            patch: json!({"metadata": {"$setElementOrder/finalizers": ["b", "c", "a"], "finalizers": ["c"]}}),
            expected: json!({"metadata": {"finalizers": ["b", "c", "a"]}}),
        },
        Case {
            name: "$setElementOrder for a list the object does not have yet",
            root: POD,
            doc: pod_spec(json!({})),
            patch: pod_spec(
                json!({"$setElementOrder/containers": [{"name": "x"}, {"name": "y"}],
                "containers": [{"name": "x", "image": "x"}, {"name": "y", "image": "y", "gone": null}]}),
            ),
            expected: pod_spec(
                json!({"containers": [{"name": "x", "image": "x"}, {"name": "y", "image": "y"}]}),
            ),
        },
        Case {
            name: "$patch replace on a list",
            root: POD,
            doc: pod_spec(
                json!({"containers": [{"name": "a", "image": "a"}, {"name": "b", "image": "b"}]}),
            ),
            patch: pod_spec(
                json!({"containers": [{"$patch": "replace"}, {"name": "c", "image": "c"}]}),
            ),
            expected: pod_spec(json!({"containers": [{"name": "c", "image": "c"}]})),
        },
        Case {
            name: "$patch replace on a map",
            root: DEPLOYMENT,
            doc: json!({"metadata": {"labels": {"a": "1", "b": "2"}}}),
            patch: json!({"metadata": {"labels": {"$patch": "replace", "c": "3"}}}),
            expected: json!({"metadata": {"labels": {"c": "3"}}}),
        },
        Case {
            name: "$patch delete on a map empties it",
            root: DEPLOYMENT,
            doc: json!({"metadata": {"labels": {"a": "1"}, "name": "x"}}),
            patch: json!({"metadata": {"labels": {"$patch": "delete"}}}),
            expected: json!({"metadata": {"labels": {}, "name": "x"}}),
        },
        Case {
            name: "$patch merge on a map merges",
            root: DEPLOYMENT,
            doc: json!({"metadata": {"labels": {"a": "1"}}}),
            patch: json!({"metadata": {"labels": {"$patch": "merge", "b": "2"}}}),
            expected: json!({"metadata": {"labels": {"a": "1", "b": "2"}}}),
        },
        Case {
            name: "directives in new subtrees never leak",
            root: POD,
            doc: json!({}),
            patch: json!({"metadata": {"labels": {"$patch": "merge", "a": "1", "gone": null}},
                "spec": {"$setElementOrder/containers": [{"name": "a"}],
                    "containers": [{"name": "a", "env": [{"name": "X", "value": "1"}, {"name": "Y", "$patch": "delete"}]}]}}),
            expected: json!({"metadata": {"labels": {"a": "1"}},
                "spec": {"containers": [{"name": "a", "env": [{"name": "X", "value": "1"}]}]}}),
        },
        Case {
            name: "unknown fields merge like JSON, their lists replace",
            root: POD,
            doc: json!({"extra": {"a": 1, "list": [1, 2], "keep": true}}),
            patch: json!({"extra": {"a": 2, "list": [3]}}),
            expected: json!({"extra": {"a": 2, "list": [3], "keep": true}}),
        },
        Case {
            name: "unknown root type is plain JSON",
            root: "example.com.v1.Widget",
            doc: json!({"spec": {"items": [{"name": "a", "x": 1}], "size": 1}}),
            patch: json!({"spec": {"items": [{"name": "a", "y": 2}]}}),
            expected: json!({"spec": {"items": [{"name": "a", "y": 2}], "size": 1}}),
        },
        Case {
            name: "type change replaces",
            root: POD,
            doc: json!({"extra": {"a": 1}}),
            patch: json!({"extra": "flat"}),
            expected: json!({"extra": "flat"}),
        },
        Case {
            name: "atomic nodeSelector map is still merged by SMP (no replace strategy)",
            root: POD,
            doc: pod_spec(json!({"nodeSelector": {"a": "1"}})),
            patch: pod_spec(json!({"nodeSelector": {"b": "2"}})),
            expected: pod_spec(json!({"nodeSelector": {"a": "1", "b": "2"}})),
        },
        Case {
            name: "rollout restart annotation",
            root: DEPLOYMENT,
            doc: json!({"spec": {"template": {"metadata": {"labels": {"app": "web"}}}}}),
            patch: json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z"}}}}}),
            expected: json!({"spec": {"template": {"metadata": {"labels": {"app": "web"},
                "annotations": {"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z"}}}}}),
        },
        Case {
            name: "imagePullSecrets merge by name",
            root: POD,
            doc: pod_spec(json!({"imagePullSecrets": [{"name": "a"}]})),
            patch: pod_spec(json!({"imagePullSecrets": [{"name": "b"}]})),
            expected: pod_spec(json!({"imagePullSecrets": [{"name": "b"}, {"name": "a"}]})),
        },
    ]
}

#[test]
fn strategic_merge_patch_cases() {
    let schema = kube_schema();
    for case in cases() {
        let result = strategic_merge_patch(&case.doc, &case.patch, &schema, case.root);
        assert_eq!(result, Ok(case.expected), "case: {}", case.name);
    }
}

#[test]
fn malformed_patches_are_errors() {
    let schema = kube_schema();
    let doc = json!({"metadata": {"finalizers": ["a"], "labels": {"a": "b"}},
        "spec": {"containers": [{"name": "a"}]}});
    let malformed = [
        json!([1, 2]),
        json!("text"),
        json!({"metadata": {"labels": {"$patch": "explode"}}}),
        json!({"metadata": {"$retainKeys": "labels"}}),
        json!({"metadata": {"$retainKeys": [1]}}),
        json!({"metadata": {"$setElementOrder/finalizers": "a"}}),
        json!({"metadata": {"$deleteFromPrimitiveList/finalizers": {"a": 1}}}),
        json!({"spec": {"containers": [{"image": "no-name"}]}}),
        json!({"spec": {"containers": [{"$patch": "delete"}]}}),
        json!({"spec": {"containers": [{"$patch": "bogus", "name": "a"}]}}),
        json!({"spec": {"containers": ["scalar"]}}),
        json!({"spec": {"$setElementOrder/containers": [{"name": "a"}], "containers": 5}}),
        json!({"spec": {"$setElementOrder/containers": [{"name": "a"}],
            "containers": [{"name": "b"}, {"name": "a"}]}}),
    ];
    for patch in malformed {
        let result = strategic_merge_patch(&doc, &patch, &schema, POD);
        assert!(
            matches!(result, Err(PatchError::Malformed(_))),
            "{patch} gave {result:?}"
        );
    }
    let unmergeable = json!({"metadata": {"finalizers": [["nested"]]}});
    assert!(matches!(
        strategic_merge_patch(&doc, &unmergeable, &schema, POD),
        Err(PatchError::CannotApply(_))
    ));
    assert!(matches!(
        strategic_merge_patch(&json!(3), &json!({}), &schema, POD),
        Err(PatchError::CannotApply(_))
    ));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let mut patch = json!({"leaf": 1});
    let mut doc = json!({"leaf": 0});
    for _ in 0..(crate::MAX_DEPTH + 10) {
        patch = json!({"nested": patch});
        doc = json!({"nested": doc});
    }
    let result = strategic_merge_patch(&doc, &patch, &kube_schema(), POD);
    assert_eq!(result, Err(PatchError::TooDeep(crate::MAX_DEPTH)));
    let fresh = strategic_merge_patch(&json!({}), &patch, &kube_schema(), POD);
    assert_eq!(fresh, Err(PatchError::TooDeep(crate::MAX_DEPTH)));
}

#[test]
fn empty_patch_is_identity() {
    let doc = json!({"metadata": {"name": "x"}, "spec": {"containers": [{"name": "a"}]}});
    assert_eq!(
        strategic_merge_patch(&doc, &json!({}), &kube_schema(), POD),
        Ok(doc)
    );
}
