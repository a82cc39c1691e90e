//! RFC 6902 JSON patch and RFC 7396 JSON merge patch.

use serde_json::Value;

use crate::{MAX_DEPTH, PatchError};

/// Applies an RFC 6902 JSON patch (the raw request body) to `doc`.
///
/// A body that is not a JSON array of operations is [`PatchError::Malformed`]; a failing
/// `test` is [`PatchError::TestFailed`]; any other failing operation is
/// [`PatchError::CannotApply`].
pub fn json_patch(doc: &Value, patch: &[u8]) -> Result<Value, PatchError> {
    let operations: json_patch::Patch = serde_json::from_slice(patch)
        .map_err(|error| PatchError::malformed(format!("invalid JSON patch: {error}")))?;
    let mut patched = doc.clone();
    json_patch::patch(&mut patched, &operations).map_err(|error| match error.kind {
        json_patch::PatchErrorKind::TestFailed => PatchError::TestFailed(format!(
            "the test operation at {} failed: {}",
            error.path, error.kind
        )),
        _ => PatchError::CannotApply(error.to_string()),
    })?;
    Ok(patched)
}

/// Applies an RFC 7396 JSON merge patch: objects merge recursively, `null` deletes, anything
/// else (arrays included) replaces.
pub fn merge_patch(doc: &Value, patch: &Value) -> Value {
    let mut merged = doc.clone();
    merge_into(&mut merged, patch, 0);
    merged
}

fn merge_into(target: &mut Value, patch: &Value, depth: usize) {
    let Value::Object(patch_fields) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    let Value::Object(target_fields) = target else {
        return;
    };
    for (key, patch_value) in patch_fields {
        if patch_value.is_null() {
            target_fields.remove(key);
        } else if depth >= MAX_DEPTH {
            // Values this deep cannot come from a parsed request; replace instead of recursing.
            target_fields.insert(key.clone(), strip_nulls(patch_value));
        } else {
            let slot = target_fields.entry(key.clone()).or_insert(Value::Null);
            merge_into(slot, patch_value, depth + 1);
        }
    }
}

fn strip_nulls(value: &Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_rfc7396_examples() {
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!([1, 2]),
                json!({"a": "b", "c": null}),
                json!({"a": "b"}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (doc, patch, expected) in cases {
            assert_eq!(merge_patch(&doc, &patch), expected, "{doc} + {patch}");
        }
    }

    #[test]
    fn merge_patch_labels_like_kubectl_label() {
        let doc = json!({"metadata": {"name": "web", "labels": {"app": "web"}}});
        let patch = json!({"metadata": {"labels": {"tier": "fe", "app": null}}});
        assert_eq!(
            merge_patch(&doc, &patch),
            json!({"metadata": {"name": "web", "labels": {"tier": "fe"}}})
        );
    }

    #[test]
    fn json_patch_operations() {
        let doc = json!({"spec": {"replicas": 1, "list": [1, 2]}});
        let patch = br#"[
            {"op": "test", "path": "/spec/replicas", "value": 1},
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "add", "path": "/spec/list/-", "value": 3},
            {"op": "remove", "path": "/spec/list/0"},
            {"op": "copy", "from": "/spec/replicas", "path": "/spec/copied"},
            {"op": "move", "from": "/spec/copied", "path": "/moved"}
        ]"#;
        assert_eq!(
            json_patch(&doc, patch),
            Ok(json!({"spec": {"replicas": 3, "list": [2, 3]}, "moved": 3}))
        );
    }

    #[test]
    fn json_patch_errors_are_classified() {
        let doc = json!({"spec": {"replicas": 1}});
        let test_failure = json_patch(
            &doc,
            br#"[{"op":"test","path":"/spec/replicas","value":2}]"#,
        );
        assert!(matches!(test_failure, Err(PatchError::TestFailed(_))));
        let missing = json_patch(&doc, br#"[{"op":"remove","path":"/spec/nope"}]"#);
        assert!(matches!(missing, Err(PatchError::CannotApply(_))));
        for malformed in [
            &b"{"[..],
            br#"{"op":"add"}"#,
            br#"[{"op":"explode","path":"/a"}]"#,
            br#"[{"op":"add","path":"/a"}]"#,
            b"",
        ] {
            let result = json_patch(&doc, malformed);
            assert!(
                matches!(result, Err(PatchError::Malformed(_))),
                "{result:?}"
            );
            assert_eq!(result.map_err(|e| e.http_status()), Err(400));
        }
    }
}
