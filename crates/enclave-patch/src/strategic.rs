//! Kubernetes strategic merge patch: merge keys, merge strategies and the `$patch`,
//! `$retainKeys`, `$setElementOrder/` and `$deleteFromPrimitiveList/` directives.

use serde_json::{Map, Value};

use crate::schema::{ListShape, Shape, child_shape, field_schema};
use crate::{MAX_DEPTH, PatchError, Schema};

const PATCH_DIRECTIVE: &str = "$patch";
const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";
const SET_ELEMENT_ORDER_PREFIX: &str = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE_LIST_PREFIX: &str = "$deleteFromPrimitiveList/";

/// Applies a strategic merge patch to `doc`, an object of type `root_type`.
///
/// Objects merge recursively and `null` deletes; lists whose field has patch strategy `merge`
/// merge by their merge key (objects) or as a union (scalars); other lists are replaced. The
/// directives `$patch` (`replace`, `merge`, `delete`), `$retainKeys`, `$setElementOrder/<field>`
/// and `$deleteFromPrimitiveList/<field>` are honoured and never appear in the result.
pub fn strategic_merge_patch(
    doc: &Value,
    patch: &Value,
    schema: &dyn Schema,
    root_type: &str,
) -> Result<Value, PatchError> {
    let Value::Object(patch_fields) = patch else {
        return Err(PatchError::malformed(
            "a strategic merge patch must be a JSON object",
        ));
    };
    let original = match doc {
        Value::Object(fields) => fields.clone(),
        Value::Null => Map::new(),
        _ => {
            return Err(PatchError::CannotApply(
                "the patched document is not a JSON object".into(),
            ));
        }
    };
    let root_shape = Shape::Struct((!root_type.is_empty()).then(|| root_type.to_owned()));
    let merger = Merger { schema };
    merger
        .merge_map(original, patch_fields, &root_shape, 0)
        .map(Value::Object)
}

struct Merger<'a> {
    schema: &'a dyn Schema,
}

fn is_directive_key(key: &str) -> bool {
    key == PATCH_DIRECTIVE
        || key == RETAIN_KEYS_DIRECTIVE
        || key.starts_with(SET_ELEMENT_ORDER_PREFIX)
        || key.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX)
}

fn check_depth(depth: usize) -> Result<(), PatchError> {
    if depth > MAX_DEPTH {
        Err(PatchError::TooDeep(MAX_DEPTH))
    } else {
        Ok(())
    }
}

impl Merger<'_> {
    fn merge_map(
        &self,
        mut original: Map<String, Value>,
        patch: &Map<String, Value>,
        shape: &Shape,
        depth: usize,
    ) -> Result<Map<String, Value>, PatchError> {
        check_depth(depth)?;
        if let Some(directive) = patch.get(PATCH_DIRECTIVE) {
            match directive.as_str() {
                Some("replace") => {
                    let mut replacement = patch.clone();
                    replacement.remove(PATCH_DIRECTIVE);
                    return self.merge_map(Map::new(), &replacement, shape, depth + 1);
                }
                Some("delete") => return Ok(Map::new()),
                // Merging is what happens anyway.
                Some("merge") => {}
                _ => {
                    return Err(PatchError::malformed(format!(
                        "unknown patch type {directive} in map"
                    )));
                }
            }
        }

        if let Some(retain) = patch.get(RETAIN_KEYS_DIRECTIVE) {
            let keep = string_list(retain).ok_or_else(|| {
                PatchError::malformed("invalid patch: $retainKeys must be a list of strings")
            })?;
            original.retain(|key, _| keep.contains(&key.as_str()));
        }

        let mut ordered_fields: Vec<&str> = Vec::new();
        for (key, order) in patch {
            let Some(field) = key.strip_prefix(SET_ELEMENT_ORDER_PREFIX) else {
                continue;
            };
            let Value::Array(order) = order else {
                return Err(PatchError::malformed(format!(
                    "invalid patch: {key} must be a list"
                )));
            };
            if patch.get(field).is_some_and(Value::is_null) {
                continue;
            }
            self.merge_ordered_list(&mut original, patch, field, order, shape, depth)?;
            ordered_fields.push(field);
        }

        for (key, values) in patch {
            let Some(field) = key.strip_prefix(DELETE_FROM_PRIMITIVE_LIST_PREFIX) else {
                continue;
            };
            let Value::Array(values) = values else {
                return Err(PatchError::malformed(format!(
                    "invalid patch: {key} must be a list"
                )));
            };
            if let Some(Value::Array(items)) = original.get_mut(field) {
                items.retain(|item| !values.contains(item));
            }
        }

        for (key, patch_value) in patch {
            if is_directive_key(key) || ordered_fields.contains(&key.as_str()) {
                continue;
            }
            if patch_value.is_null() {
                original.remove(key);
                continue;
            }
            let (child, _) = child_shape(self.schema, shape, key);
            let replace_strategy = field_schema(self.schema, shape, key)
                .is_some_and(|field| field.has_replace_strategy());
            let merged = match original.get_mut(key) {
                Some(Value::Object(existing)) if patch_value.is_object() && !replace_strategy => {
                    let existing = std::mem::take(existing);
                    let Value::Object(patch_fields) = patch_value else {
                        continue;
                    };
                    Value::Object(self.merge_map(existing, patch_fields, &child, depth + 1)?)
                }
                Some(Value::Array(existing)) if patch_value.is_array() => {
                    let existing = std::mem::take(existing);
                    let Value::Array(patch_items) = patch_value else {
                        continue;
                    };
                    Value::Array(self.merge_list_field(existing, patch_items, &child, depth + 1)?)
                }
                _ => self.fresh(patch_value, &child, depth + 1)?,
            };
            original.insert(key.clone(), merged);
        }
        Ok(original)
    }

    /// Merges or replaces a list field according to its strategy.
    fn merge_list_field(
        &self,
        original: Vec<Value>,
        patch: &[Value],
        shape: &Shape,
        depth: usize,
    ) -> Result<Vec<Value>, PatchError> {
        match shape {
            Shape::List(list) if list.merge_strategy => {
                self.merge_list(original, patch, list, depth)
            }
            _ => self.fresh_list(patch, shape, depth),
        }
    }

    /// A patch value for a place that has nothing to merge with: directives resolved and
    /// dropped, nulls dropped.
    fn fresh(&self, value: &Value, shape: &Shape, depth: usize) -> Result<Value, PatchError> {
        check_depth(depth)?;
        Ok(match value {
            Value::Object(fields) => {
                Value::Object(self.merge_map(Map::new(), fields, shape, depth)?)
            }
            Value::Array(items) => Value::Array(self.fresh_list(items, shape, depth)?),
            scalar => scalar.clone(),
        })
    }

    fn fresh_list(
        &self,
        items: &[Value],
        shape: &Shape,
        depth: usize,
    ) -> Result<Vec<Value>, PatchError> {
        check_depth(depth)?;
        let (item_shape, merged) = match shape {
            Shape::List(list) => (Shape::Struct(list.item_type.clone()), list.merge_strategy),
            _ => (Shape::Struct(None), false),
        };
        let mut fresh = Vec::with_capacity(items.len());
        for item in items {
            // Directive-only list elements (`{"$patch": "replace"}`, deletions) have nothing
            // to act on in a new list.
            if merged && item.get(PATCH_DIRECTIVE).is_some() {
                continue;
            }
            let item = self.fresh(item, &item_shape, depth + 1)?;
            if !(merged && !item.is_object() && fresh.contains(&item)) {
                fresh.push(item);
            }
        }
        Ok(fresh)
    }

    /// Merges two lists of a field with patch strategy `merge`.
    fn merge_list(
        &self,
        original: Vec<Value>,
        patch: &[Value],
        list: &ListShape,
        depth: usize,
    ) -> Result<Vec<Value>, PatchError> {
        check_depth(depth)?;
        if original.is_empty() && patch.is_empty() {
            return Ok(original);
        }
        let of_objects = element_kind_is_object(&original, patch)?;
        if !of_objects {
            let mut merged: Vec<Value> = Vec::with_capacity(original.len() + patch.len());
            for item in original.iter().chain(patch) {
                if !merged.contains(item) {
                    merged.push(item.clone());
                }
            }
            let (patch_items, server_only) = partition_by_presence(merged, patch, None);
            return Ok(normalize_element_order(
                patch_items,
                server_only,
                patch,
                &original,
                None,
            ));
        }
        let Some(merge_key) = list.merge_key.as_deref() else {
            return Err(PatchError::CannotApply(
                "cannot merge lists of objects without a merge key".into(),
            ));
        };
        let (original, patch_items) = apply_list_directives(original, patch, merge_key)?;
        let item_shape = Shape::Struct(list.item_type.clone());
        let mut merged = original.clone();
        for item in patch_items {
            let Value::Object(item_fields) = item else {
                continue;
            };
            let key_value = item_fields.get(merge_key).ok_or_else(|| {
                PatchError::malformed(format!(
                    "map: {item} does not contain declared merge key: {merge_key}"
                ))
            })?;
            let position = merged
                .iter()
                .position(|candidate| candidate.get(merge_key) == Some(key_value));
            match position.and_then(|index| merged.get_mut(index)) {
                Some(Value::Object(existing)) => {
                    let existing_fields = std::mem::take(existing);
                    *existing =
                        self.merge_map(existing_fields, item_fields, &item_shape, depth + 1)?;
                }
                _ => merged.push(self.fresh(item, &item_shape, depth + 1)?),
            }
        }
        let (patch_present, server_only) = partition_by_presence(merged, patch, Some(merge_key));
        Ok(normalize_element_order(
            patch_present,
            server_only,
            patch,
            &original,
            Some(merge_key),
        ))
    }

    /// Handles `$setElementOrder/<field>`: merges the field's list and orders the result by
    /// the order list first, then the patch, then the live list.
    fn merge_ordered_list(
        &self,
        original: &mut Map<String, Value>,
        patch: &Map<String, Value>,
        field: &str,
        order: &[Value],
        shape: &Shape,
        depth: usize,
    ) -> Result<(), PatchError> {
        let (child, _) = child_shape(self.schema, shape, field);
        let merge_key = match &child {
            Shape::List(list) if list.merge_strategy => list.merge_key.clone(),
            _ => None,
        };
        let patch_list = match patch.get(field) {
            None => None,
            Some(Value::Array(items)) => Some(items.as_slice()),
            Some(_) => {
                return Err(PatchError::malformed(format!(
                    "invalid patch: {field} must be a list to be ordered by $setElementOrder"
                )));
            }
        };
        let original_list = match original.get_mut(field) {
            None => None,
            Some(Value::Array(items)) => Some(std::mem::take(items)),
            Some(_) => {
                return Err(PatchError::CannotApply(format!(
                    "{field} is not a list and cannot be ordered"
                )));
            }
        };
        if let Some(patch_list) = patch_list {
            validate_patch_with_order(patch_list, order, merge_key.as_deref())?;
        }
        let server_order = original_list.clone().unwrap_or_default();
        let merged = match (original_list, patch_list) {
            (Some(existing), None) => existing,
            (None, Some(patch_items)) => self.fresh_list(patch_items, &child, depth + 1)?,
            (Some(existing), Some(patch_items)) => {
                self.merge_list_field(existing, patch_items, &child, depth + 1)?
            }
            (None, None) => return Ok(()),
        };
        let (patch_present, server_only) =
            partition_by_presence(merged, order, merge_key.as_deref());
        let ordered = normalize_element_order(
            patch_present,
            server_only,
            order,
            &server_order,
            merge_key.as_deref(),
        );
        original.insert(field.to_owned(), Value::Array(ordered));
        Ok(())
    }
}

fn string_list(value: &Value) -> Option<Vec<&str>> {
    value.as_array()?.iter().map(Value::as_str).collect()
}

/// Whether the items of both lists are objects (true) or scalars (false); mixed kinds and
/// nested lists cannot be merged.
fn element_kind_is_object(original: &[Value], patch: &[Value]) -> Result<bool, PatchError> {
    let mut kind = None;
    for item in original.iter().chain(patch) {
        if item.is_array() {
            return Err(PatchError::CannotApply(
                "lists of lists are not supported".into(),
            ));
        }
        let is_object = item.is_object();
        match kind {
            None => kind = Some(is_object),
            Some(previous) if previous != is_object => {
                return Err(PatchError::malformed(
                    "list items must all be objects or all be scalars",
                ));
            }
            Some(_) => {}
        }
    }
    Ok(kind.unwrap_or(false))
}

/// Resolves `$patch` list elements: deletions remove matching live items, a `replace` marker
/// drops the live list. Returns the live items left and the ordinary patch items.
fn apply_list_directives<'p>(
    mut original: Vec<Value>,
    patch: &'p [Value],
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<&'p Value>), PatchError> {
    let mut ordinary = Vec::with_capacity(patch.len());
    let mut replace = false;
    for item in patch {
        let Some(directive) = item.get(PATCH_DIRECTIVE) else {
            ordinary.push(item);
            continue;
        };
        match directive.as_str() {
            Some("delete") => {
                let key_value = item.get(merge_key).ok_or_else(|| {
                    PatchError::malformed(format!(
                        "map: {item} does not contain declared merge key: {merge_key}"
                    ))
                })?;
                original.retain(|candidate| candidate.get(merge_key) != Some(key_value));
            }
            Some("replace") => replace = true,
            // A merge marker changes nothing; an element carrying data is still merged.
            Some("merge") => {
                if item.get(merge_key).is_some() {
                    ordinary.push(item);
                }
            }
            _ => {
                return Err(PatchError::malformed(format!(
                    "unknown patch type {directive} in list element {item}"
                )));
            }
        }
    }
    if replace {
        original.clear();
    }
    Ok((original, ordinary))
}

/// Position of `item` in `list`, by merge key value for objects, by value for scalars.
fn index_of(list: &[Value], item: &Value, merge_key: Option<&str>) -> Option<usize> {
    match merge_key {
        Some(key) => {
            let key_value = item.get(key)?;
            list.iter()
                .position(|candidate| candidate.get(key) == Some(key_value))
        }
        None => list.iter().position(|candidate| candidate == item),
    }
}

/// Splits `merged` into the items present in `reference` and the others.
fn partition_by_presence(
    merged: Vec<Value>,
    reference: &[Value],
    merge_key: Option<&str>,
) -> (Vec<Value>, Vec<Value>) {
    merged.into_iter().partition(|item| {
        index_of(reference, item, merge_key).is_some()
            && !(merge_key.is_some() && is_directive_item(item))
    })
}

fn is_directive_item(item: &Value) -> bool {
    item.get(PATCH_DIRECTIVE).is_some()
}

/// Orders patch items by `patch_order` and server-only items by `server_order`, then
/// interleaves them keeping server-only items where the live list had them.
fn normalize_element_order(
    mut patch_items: Vec<Value>,
    mut server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: Option<&str>,
) -> Vec<Value> {
    sort_by_reference(&mut patch_items, patch_order, merge_key);
    sort_by_reference(&mut server_only, server_order, merge_key);
    merge_sorted(server_only, patch_items, server_order, merge_key)
}

fn sort_by_reference(items: &mut [Value], order: &[Value], merge_key: Option<&str>) {
    items.sort_by_key(|item| index_of(order, item, merge_key).unwrap_or(usize::MAX));
}

fn merge_sorted(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[Value],
    merge_key: Option<&str>,
) -> Vec<Value> {
    let mut result = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => match (
                index_of(server_order, l, merge_key),
                index_of(server_order, r, merge_key),
            ) {
                (Some(li), Some(ri)) => li < ri,
                _ => false,
            },
        };
        let next = if take_left { left.next() } else { right.next() };
        result.extend(next);
    }
    result
}

/// The patch list must follow the relative order of its `$setElementOrder` list.
fn validate_patch_with_order(
    patch_list: &[Value],
    order: &[Value],
    merge_key: Option<&str>,
) -> Result<(), PatchError> {
    if order.is_empty() || patch_list.is_empty() {
        return Ok(());
    }
    let items: Vec<&Value> = patch_list
        .iter()
        .filter(|item| !is_directive_item(item))
        .collect();
    let (mut patch_index, mut order_index) = (0, 0);
    while patch_index < items.len() && order_index < order.len() {
        let same = match merge_key {
            Some(key) => match (items[patch_index].get(key), order[order_index].get(key)) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
            None => items[patch_index] == &order[order_index],
        };
        if same {
            patch_index += 1;
        }
        order_index += 1;
    }
    if patch_index < items.len() {
        return Err(PatchError::malformed(format!(
            "invalid patch: the order in the patch list {} does not match the $setElementOrder list {}",
            Value::Array(patch_list.to_vec()),
            Value::Array(order.to_vec())
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
