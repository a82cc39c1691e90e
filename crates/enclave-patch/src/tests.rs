//! Table-driven tests of the patch types.

use serde_json::{Value, json};

use super::*;

fn merge(strategy: &str, key: Option<&str>, ty: &str) -> FieldSchema {
    FieldSchema {
        type_name: Some(ty.into()),
        patch_strategy: Some(strategy.into()),
        patch_merge_key: key.map(str::to_string),
    }
}

fn typed(ty: &str) -> FieldSchema {
    FieldSchema {
        type_name: Some(ty.into()),
        ..FieldSchema::default()
    }
}

/// A Deployment-shaped schema.
fn schema() -> LiteralSchema {
    LiteralSchema::default()
        .with("Deployment", "metadata", typed("ObjectMeta"))
        .with("Deployment", "spec", typed("DeploymentSpec"))
        .with("ObjectMeta", "finalizers", merge("merge", None, "string"))
        .with(
            "ObjectMeta",
            "ownerReferences",
            merge("merge", Some("uid"), "OwnerReference"),
        )
        .with("DeploymentSpec", "template", typed("PodTemplateSpec"))
        .with(
            "DeploymentSpec",
            "strategy",
            merge("retainKeys", None, "DeploymentStrategy"),
        )
        .with("PodTemplateSpec", "spec", typed("PodSpec"))
        .with(
            "PodSpec",
            "containers",
            merge("merge", Some("name"), "Container"),
        )
        .with(
            "PodSpec",
            "volumes",
            merge("merge,retainKeys", Some("name"), "Volume"),
        )
        .with("PodSpec", "tolerations", typed("Toleration"))
        .with(
            "Container",
            "ports",
            merge("merge", Some("containerPort"), "ContainerPort"),
        )
        .with("Container", "env", merge("merge", Some("name"), "EnvVar"))
}

fn smp(doc: Value, patch: Value) -> Value {
    strategic_merge_patch(&doc, &patch, &schema(), "Deployment").unwrap()
}

fn deployment() -> Value {
    json!({"metadata":{"name":"web","finalizers":["a"]},
        "spec":{"replicas":1,"template":{"spec":{
            "containers":[{"name":"web","image":"nginx:1.25","ports":[{"containerPort":80,"protocol":"TCP"}],
                           "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
                          {"name":"side","image":"busybox"}],
            "tolerations":[{"key":"a"},{"key":"b"}]}}}})
}

#[test]
fn kubectl_apply_patch_keeps_unmentioned_container_fields() {
    let out = smp(
        deployment(),
        json!({"spec":{"template":{"spec":{
            "$setElementOrder/containers":[{"name":"web"},{"name":"side"}],
            "containers":[{"image":"nginx:1.26","name":"web"}]}}}}),
    );
    let web = &out["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(web["image"], "nginx:1.26");
    assert_eq!(web["ports"][0]["containerPort"], 80);
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][1]["name"],
        "side"
    );
    assert!(!out.to_string().contains('$'), "no directive leaks: {out}");
}

#[test]
fn cases() {
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "null deletes a field",
            json!({"spec":{"replicas":null}}),
            json!({"spec":{"strategy":{"type":"RollingUpdate"}}}),
        ),
        (
            "new container appended by key",
            json!({"spec":{"template":{"spec":{"containers":[{"name":"new","image":"x"}]}}}}),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"web"},{"name":"side"},{"name":"new","image":"x"}]}}}}),
        ),
        (
            "delete directive on a list item",
            json!({"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"web"}]}}}}),
        ),
        (
            "port merged by containerPort",
            json!({"spec":{"template":{"spec":{"containers":[{"name":"web","ports":[{"containerPort":443}]}]}}}}),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"web","ports":[{"containerPort":80},{"containerPort":443}]},{"name":"side"}]}}}}),
        ),
        (
            "env var changed by name",
            json!({"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"3"}]}]}}}}),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"A","value":"1"},{"name":"B","value":"3"}]},{"name":"side"}]}}}}),
        ),
        (
            "tolerations have no merge key: replaced",
            json!({"spec":{"template":{"spec":{"tolerations":[{"key":"c"}]}}}}),
            json!({"spec":{"template":{"spec":{"tolerations":[{"key":"c"}]}}}}),
        ),
        (
            "primitive merge list is a union",
            json!({"metadata":{"finalizers":["b","a"]}}),
            json!({"metadata":{"finalizers":["a","b"]}}),
        ),
        (
            "deleteFromPrimitiveList",
            json!({"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}),
            json!({"metadata":{"finalizers":[]}}),
        ),
        (
            "replace directive on a map",
            json!({"spec":{"template":{"spec":{"$patch":"replace","containers":[{"name":"only"}]}}}}),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"only"}]}}}}),
        ),
        (
            "replace directive in a list",
            json!({"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"solo"}]}}}}),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"solo"}]}}}}),
        ),
        (
            "retainKeys drops what the patch does not retain",
            json!({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}),
            json!({"spec":{"strategy":{"type":"Recreate"}}}),
        ),
        (
            "setElementOrder reorders",
            json!({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"side"},{"name":"web"}]}}}}),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"side"},{"name":"web"}]}}}}),
        ),
    ];
    for (name, patch, expect) in cases {
        let mut doc = deployment();
        doc["spec"]["strategy"] = json!({"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}});
        let out = smp(doc, patch);
        assert!(contains(&out, &expect), "{name}: {out}");
        assert!(
            !out.to_string().contains("\"$"),
            "{name}: directive leaked: {out}"
        );
    }
}

/// Whether `actual` has everything `expected` has; lists must match item for item.
fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| contains(av, ev))),
        (Value::Array(a), Value::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(x, y)| contains(x, y))
        }
        (a, e) => a == e,
    }
}

#[test]
fn null_removes_the_field() {
    let out = smp(deployment(), json!({"spec":{"replicas":null}}));
    assert!(out["spec"].get("replicas").is_none());
}

#[test]
fn missing_merge_key_is_malformed() {
    let err = strategic_merge_patch(
        &deployment(),
        &json!({"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}),
        &schema(),
        "Deployment",
    )
    .unwrap_err();
    assert!(
        matches!(err, PatchError::Malformed(m) if m.contains("does not contain declared merge key: name"))
    );
}

#[test]
fn non_object_patch_is_malformed() {
    assert!(strategic_merge_patch(&deployment(), &json!([1]), &schema(), "Deployment").is_err());
    assert!(
        strategic_merge_patch(
            &deployment(),
            &json!({"spec":{"$patch":7}}),
            &schema(),
            "Deployment"
        )
        .is_err()
    );
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let mut patch = json!(1);
    // Deeper than the limit, yet shallow enough to build (serde_json itself refuses to parse
    // more than 128 levels, so the API server never sees deeper bodies).
    for _ in 0..300 {
        patch = json!({ "a": patch });
    }
    assert!(strategic_merge_patch(&json!({}), &patch, &Untyped, "X").is_err());
    assert!(merge_patch(&json!({}), &patch).is_err());
}

#[test]
fn json_and_merge_patches() {
    let doc = json!({"a":{"b":1,"c":2}});
    assert_eq!(
        merge_patch(&doc, &json!({"a":{"b":null,"d":3}})).unwrap(),
        json!({"a":{"c":2,"d":3}})
    );
    assert_eq!(
        json_patch(&doc, br#"[{"op":"replace","path":"/a/b","value":9}]"#).unwrap(),
        json!({"a":{"b":9,"c":2}})
    );
    assert!(matches!(
        json_patch(&doc, br#"[{"op":"test","path":"/a/b","value":5}]"#),
        Err(PatchError::CannotApply(_))
    ));
    assert!(matches!(
        json_patch(&doc, b"{"),
        Err(PatchError::Malformed(_))
    ));
}
