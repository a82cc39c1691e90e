//! Patches of Kubernetes objects: JSON patch (RFC 6902), merge patch (RFC 7396) and strategic
//! merge patch, over `serde_json::Value` and generic over a [`Schema`] that knows the merge keys.
//!
//! Pure: no I/O. Malformed patches are errors, never panics; recursion is depth-limited.

use serde_json::{Map, Value};

/// How deep a patch may nest before it is refused.
const MAX_DEPTH: usize = 128;

/// What a schema knows about one field of a type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSchema {
    /// The type of the value; for lists and maps, of their items. `None` when untyped.
    pub type_name: Option<String>,
    /// `patchStrategy`: `merge`, `retainKeys`, `merge,retainKeys` or `replace`.
    pub patch_strategy: Option<String>,
    /// `patchMergeKey` of a list of objects merged by key.
    pub patch_merge_key: Option<String>,
}

impl FieldSchema {
    fn merges(&self) -> bool {
        self.patch_strategy
            .as_deref()
            .is_some_and(|s| s.split(',').any(|p| p == "merge"))
    }
}

/// The merge metadata of a family of types (Kubernetes built-ins, for the API server).
pub trait Schema {
    /// The schema of `field` in `type_name`, or `None` when unknown (treated as plain JSON).
    fn field(&self, type_name: &str, field: &str) -> Option<FieldSchema>;
}

/// A schema that knows nothing: strategic merge patch then behaves like merge patch, except
/// for its directives.
#[derive(Debug, Default, Clone, Copy)]
pub struct Untyped;

impl Schema for Untyped {
    fn field(&self, _type_name: &str, _field: &str) -> Option<FieldSchema> {
        None
    }
}

/// Why a patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// The patch is not well-formed (400 BadRequest).
    #[error("{0}")]
    Malformed(String),
    /// The patch is well-formed but does not apply to the object (422).
    #[error("{0}")]
    CannotApply(String),
}

/// Applies an RFC 6902 JSON patch.
pub fn json_patch(doc: &Value, patch: &[u8]) -> Result<Value, PatchError> {
    let ops: json_patch::Patch = serde_json::from_slice(patch)
        .map_err(|e| PatchError::Malformed(format!("error decoding patch: {e}")))?;
    let mut out = doc.clone();
    json_patch::patch(&mut out, &ops).map_err(|e| PatchError::CannotApply(e.to_string()))?;
    Ok(out)
}

/// Applies an RFC 7396 merge patch.
pub fn merge_patch(doc: &Value, patch: &Value) -> Result<Value, PatchError> {
    depth_ok(patch, 0)?;
    let mut out = doc.clone();
    json_patch::merge(&mut out, patch);
    Ok(out)
}

fn depth_ok(v: &Value, depth: usize) -> Result<(), PatchError> {
    if depth > MAX_DEPTH {
        return Err(PatchError::Malformed("patch nests too deeply".into()));
    }
    match v {
        Value::Object(m) => m.values().try_for_each(|c| depth_ok(c, depth + 1)),
        Value::Array(a) => a.iter().try_for_each(|c| depth_ok(c, depth + 1)),
        _ => Ok(()),
    }
}

/// Applies a strategic merge patch to `doc`, whose type is `root_type` in `schema`.
pub fn strategic_merge_patch(
    doc: &Value,
    patch: &Value,
    schema: &dyn Schema,
    root_type: &str,
) -> Result<Value, PatchError> {
    let Value::Object(patch) = patch else {
        return Err(PatchError::Malformed(
            "strategic merge patch must be a JSON object".into(),
        ));
    };
    let empty = Map::new();
    let original = doc.as_object().unwrap_or(&empty);
    let merger = Merger { schema };
    match merger.merge_map(original, patch, Some(root_type), 0)? {
        Some(m) => Ok(Value::Object(m)),
        None => Ok(Value::Object(Map::new())),
    }
}

struct Merger<'a> {
    schema: &'a dyn Schema,
}

const PATCH: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ORDER: &str = "$setElementOrder/";
const DELETE_PRIMITIVE: &str = "$deleteFromPrimitiveList/";

impl Merger<'_> {
    fn field(&self, ty: Option<&str>, field: &str) -> FieldSchema {
        ty.and_then(|t| self.schema.field(t, field))
            .unwrap_or_default()
    }

    /// Merges a patch map into an original map; `None` means the map is deleted.
    fn merge_map(
        &self,
        original: &Map<String, Value>,
        patch: &Map<String, Value>,
        ty: Option<&str>,
        depth: usize,
    ) -> Result<Option<Map<String, Value>>, PatchError> {
        if depth > MAX_DEPTH {
            return Err(PatchError::Malformed("patch nests too deeply".into()));
        }
        match patch.get(PATCH) {
            None => {}
            Some(Value::String(d)) if d == "replace" => {
                let mut replaced = Map::new();
                for (k, v) in patch.iter().filter(|(k, _)| k.as_str() != PATCH) {
                    replaced.insert(k.clone(), v.clone());
                }
                return self.merge_map(&Map::new(), &replaced, ty, depth + 1);
            }
            Some(Value::String(d)) if d == "delete" => return Ok(None),
            Some(Value::String(d)) if d == "merge" => {}
            Some(other) => {
                return Err(PatchError::Malformed(format!(
                    "Unknown patch type: {other} in map: {}",
                    Value::Object(patch.clone())
                )));
            }
        }
        let mut out = original.clone();
        // Deletions from primitive lists apply to the original list before merging.
        for (k, v) in patch {
            if let Some(field) = k.strip_prefix(DELETE_PRIMITIVE) {
                let Value::Array(remove) = v else {
                    return Err(PatchError::Malformed(format!(
                        "{k} must be a list, got {v}"
                    )));
                };
                if let Some(Value::Array(list)) = out.get_mut(field) {
                    list.retain(|item| !remove.contains(item));
                }
            }
        }
        for (k, v) in patch {
            if k.starts_with('$') {
                continue;
            }
            if v.is_null() {
                out.remove(k);
                continue;
            }
            let fs = self.field(ty, k);
            let child_ty = fs.type_name.as_deref();
            let merged = match (out.get(k), v) {
                (Some(Value::Object(o)), Value::Object(p)) => self
                    .merge_map(o, p, child_ty, depth + 1)?
                    .map(Value::Object),
                (None, Value::Object(p)) => self
                    .merge_map(&Map::new(), p, child_ty, depth + 1)?
                    .map(Value::Object),
                (Some(Value::Array(o)), Value::Array(p)) => {
                    Some(Value::Array(self.merge_list(o, p, &fs, depth + 1)?))
                }
                (None, Value::Array(p)) => {
                    Some(Value::Array(self.merge_list(&[], p, &fs, depth + 1)?))
                }
                (_, scalar) => Some(scalar.clone()),
            };
            match merged {
                Some(value) => {
                    out.insert(k.clone(), value);
                }
                None => {
                    out.remove(k);
                }
            }
        }
        for (k, v) in patch {
            if let Some(field) = k.strip_prefix(SET_ORDER) {
                let Value::Array(order) = v else {
                    return Err(PatchError::Malformed(format!(
                        "{k} must be a list, got {v}"
                    )));
                };
                let key = self.field(ty, field).patch_merge_key;
                if let Some(Value::Array(list)) = out.get_mut(field) {
                    reorder(list, order, key.as_deref());
                }
            }
        }
        if let Some(retain) = patch.get(RETAIN_KEYS) {
            let Value::Array(keys) = retain else {
                return Err(PatchError::Malformed(format!(
                    "$retainKeys must be a list, got {retain}"
                )));
            };
            let keep: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
            out.retain(|k, _| keep.contains(&k.as_str()));
        }
        Ok(Some(out))
    }

    fn merge_list(
        &self,
        original: &[Value],
        patch: &[Value],
        fs: &FieldSchema,
        depth: usize,
    ) -> Result<Vec<Value>, PatchError> {
        if depth > MAX_DEPTH {
            return Err(PatchError::Malformed("patch nests too deeply".into()));
        }
        let item_ty = fs.type_name.as_deref();
        // A list holding `{"$patch": "replace"}` replaces the original with its other items.
        let replace = patch.iter().any(|i| {
            i.as_object()
                .is_some_and(|m| m.len() == 1 && m.get(PATCH) == Some(&Value::from("replace")))
        });
        if replace || !fs.merges() {
            let items: Vec<&Value> = patch
                .iter()
                .filter(|i| {
                    !i.as_object()
                        .is_some_and(|m| m.get(PATCH) == Some(&Value::from("replace")))
                })
                .collect();
            return items
                .into_iter()
                .filter_map(|i| self.clean(i, item_ty, depth + 1).transpose())
                .collect();
        }
        let Some(key) = fs.patch_merge_key.as_deref() else {
            // A set of primitives: union, keeping the original order.
            let mut out = original.to_vec();
            for item in patch {
                if item.is_object() {
                    return Err(PatchError::Malformed(format!(
                        "found a map in a list of primitives: {item}"
                    )));
                }
                if !out.contains(item) {
                    out.push(item.clone());
                }
            }
            return Ok(out);
        };
        let mut out: Vec<Value> = original.to_vec();
        for item in patch {
            let Value::Object(p) = item else {
                return Err(PatchError::Malformed(format!(
                    "found a primitive in a list merged by key {key:?}: {item}"
                )));
            };
            let Some(key_value) = p.get(key) else {
                return Err(PatchError::Malformed(format!(
                    "map: {item} does not contain declared merge key: {key}"
                )));
            };
            let pos = out.iter().position(|o| o.get(key) == Some(key_value));
            match p.get(PATCH).and_then(Value::as_str) {
                Some("delete") => {
                    out.retain(|o| o.get(key) != Some(key_value));
                    continue;
                }
                Some("replace") => {
                    let mut replaced = p.clone();
                    replaced.remove(PATCH);
                    let cleaned = self
                        .merge_map(&Map::new(), &replaced, item_ty, depth + 1)?
                        .map(Value::Object)
                        .unwrap_or(Value::Null);
                    match pos {
                        Some(i) => out[i] = cleaned,
                        None => out.push(cleaned),
                    }
                    continue;
                }
                _ => {}
            }
            let base = pos
                .and_then(|i| out[i].as_object().cloned())
                .unwrap_or_default();
            let merged = self.merge_map(&base, p, item_ty, depth + 1)?;
            match (pos, merged) {
                (Some(i), Some(m)) => out[i] = Value::Object(m),
                (Some(i), None) => {
                    out.remove(i);
                }
                (None, Some(m)) => out.push(Value::Object(m)),
                (None, None) => {}
            }
        }
        Ok(out)
    }

    /// A patch value inserted where the original has nothing: directives resolved away.
    fn clean(
        &self,
        v: &Value,
        ty: Option<&str>,
        depth: usize,
    ) -> Result<Option<Value>, PatchError> {
        match v {
            Value::Object(m) => Ok(self
                .merge_map(&Map::new(), m, ty, depth + 1)?
                .map(Value::Object)),
            other => Ok(Some(other.clone())),
        }
    }
}

/// Orders `list` as `order` says: mentioned items first in that order, the others after, in
/// their current relative order.
fn reorder(list: &mut Vec<Value>, order: &[Value], key: Option<&str>) {
    let id = |v: &Value| -> Option<Value> {
        match key {
            Some(k) => v.get(k).cloned(),
            None => Some(v.clone()),
        }
    };
    let wanted: Vec<Value> = order.iter().filter_map(id).collect();
    let mut ordered: Vec<Value> = Vec::with_capacity(list.len());
    for w in &wanted {
        if let Some(pos) = list.iter().position(|v| id(v).as_ref() == Some(w)) {
            ordered.push(list.remove(pos));
        }
    }
    ordered.append(list);
    *list = ordered;
}

/// A schema given as a literal table, for tests and small uses.
#[derive(Debug, Default, Clone)]
pub struct LiteralSchema {
    fields: Vec<(String, String, FieldSchema)>,
}

impl LiteralSchema {
    /// Adds a field of a type.
    pub fn with(mut self, type_name: &str, field: &str, schema: FieldSchema) -> Self {
        self.fields
            .push((type_name.to_string(), field.to_string(), schema));
        self
    }
}

impl Schema for LiteralSchema {
    fn field(&self, type_name: &str, field: &str) -> Option<FieldSchema> {
        self.fields
            .iter()
            .find(|(t, f, _)| t == type_name && f == field)
            .map(|(_, _, s)| s.clone())
    }
}

#[cfg(test)]
mod tests;
