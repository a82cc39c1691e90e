//! Server-side apply: merging an applied configuration into the live object, pruning fields
//! the applier stopped applying, field ownership and conflicts.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::{Map, Value};

use crate::fieldset::{
    FieldPath, PathElement, compare, field_set, item_element, path_string, root_shape,
};
use crate::managed::{APPLY, ManagedFieldsEntry, Owner, UPDATE, decode, encode};
use crate::schema::{ListKind, ListShape, Shape, child_shape};
use crate::{ApplyError, Conflict, MAX_DEPTH, PatchError, Schema, write_managed_fields};

/// Manager kube-apiserver assigns the existing fields of an object that has no managed fields
/// when it is first applied to.
const BEFORE_FIRST_APPLY: &str = "before-first-apply";

/// Result of a successful server-side apply.
#[derive(Clone, Debug, PartialEq)]
pub struct ApplyOutcome {
    /// The object to store; its `metadata.managedFields` already holds `managed_fields`.
    pub object: Value,
    /// The new managed fields entries.
    pub managed_fields: Vec<ManagedFieldsEntry>,
}

/// Server-side applies `applied` (an object of type `root_type`) for `manager`.
///
/// `live` is the stored object (None: the apply creates it) and `managed` its managed fields.
/// The configuration is merged in (list-maps by key, sets by value, atomic values replaced),
/// fields this manager applied before but no longer applies are removed unless another manager
/// owns them, and fields other managers own whose value would change are conflicts unless
/// `force` moves their ownership. `null` values in the configuration are treated as absent.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    managed: &[ManagedFieldsEntry],
    schema: &dyn Schema,
    root_type: &str,
    now: &str,
    api_version: &str,
) -> Result<ApplyOutcome, ApplyError> {
    let Value::Object(_) = applied else {
        return Err(ApplyError::Invalid(
            "the applied configuration must be a JSON object".into(),
        ));
    };
    if applied
        .pointer("/metadata/managedFields")
        .is_some_and(|fields| !fields.is_null())
    {
        return Err(ApplyError::Invalid(
            "metadata.managedFields must be nil".into(),
        ));
    }
    let config = without_nulls(applied, 0)?;
    let shape = root_shape(root_type);
    let live_value = live.cloned().unwrap_or_else(|| Value::Object(Map::new()));

    let mut owners = decode(managed);
    if owners.is_empty()
        && let Some(existing) = live
    {
        owners.push(Owner {
            entry: entry(BEFORE_FIRST_APPLY, UPDATE, api_version, None),
            set: field_set(existing, schema, root_type, false),
        });
    }
    let applier = entry(manager, APPLY, api_version, Some(now));
    let previous_set = owners
        .iter()
        .position(|owner| owner.entry.same_identity(&applier))
        .map(|index| owners.remove(index).set)
        .unwrap_or_default();
    let applied_set = field_set(&config, schema, root_type, false);

    let merger = Merger { schema };
    let mut object = merger.merge(&live_value, &config, &shape, &mut Vec::new(), 0)?;

    let no_longer_applied = previous_set.difference(&applied_set);
    if !no_longer_applied.is_empty() {
        let still_owned = owners
            .iter()
            .fold(applied_set.clone(), |all, owner| all.union(&owner.set));
        for path in no_longer_applied.member_paths() {
            if !still_owned.covers(&path) {
                merger.remove(&mut object, &shape, &path, 0);
            }
        }
    }

    let comparison = compare(&live_value, &object, schema, root_type, false);
    let changed = comparison.changed();
    let mut conflicts = Vec::new();
    for owner in &owners {
        for path in owner.set.intersection(&changed).member_paths() {
            conflicts.push(Conflict {
                manager: owner.entry.manager.clone(),
                operation: owner.entry.operation.clone(),
                api_version: owner.entry.api_version.clone(),
                subresource: owner.entry.subresource.clone(),
                field: path_string(&path),
            });
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(ApplyError::Conflicts(conflicts));
    }
    for owner in &mut owners {
        owner.set = owner
            .set
            .difference(&changed)
            .difference(&comparison.removed);
    }
    owners.push(Owner {
        entry: applier,
        set: applied_set,
    });
    let managed_fields = encode(owners);
    write_managed_fields(&mut object, &managed_fields);
    Ok(ApplyOutcome {
        object,
        managed_fields,
    })
}

fn entry(
    manager: &str,
    operation: &str,
    api_version: &str,
    time: Option<&str>,
) -> ManagedFieldsEntry {
    ManagedFieldsEntry {
        manager: manager.to_owned(),
        operation: operation.to_owned(),
        api_version: api_version.to_owned(),
        time: time.map(str::to_owned),
        fields_type: "FieldsV1".to_owned(),
        fields_v1: Value::Null,
        subresource: None,
    }
}

fn without_nulls(value: &Value, depth: usize) -> Result<Value, ApplyError> {
    if depth > MAX_DEPTH {
        return Err(PatchError::TooDeep(MAX_DEPTH).into());
    }
    Ok(match value {
        Value::Object(fields) => {
            let mut kept = Map::new();
            for (key, child) in fields {
                if !child.is_null() {
                    kept.insert(key.clone(), without_nulls(child, depth + 1)?);
                }
            }
            Value::Object(kept)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| without_nulls(item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        scalar => scalar.clone(),
    })
}

fn granular_list(shape: &Shape) -> Option<&ListShape> {
    match shape {
        Shape::List(list) if list.kind != ListKind::Atomic => Some(list),
        _ => None,
    }
}

struct Merger<'a> {
    schema: &'a dyn Schema,
}

impl Merger<'_> {
    /// Merges `config` over `live`: objects field by field, granular lists item by item,
    /// everything else replaced by the configuration.
    fn merge(
        &self,
        live: &Value,
        config: &Value,
        shape: &Shape,
        path: &mut FieldPath,
        depth: usize,
    ) -> Result<Value, ApplyError> {
        if depth > MAX_DEPTH {
            return Err(PatchError::TooDeep(MAX_DEPTH).into());
        }
        match (live, config, shape) {
            (_, _, Shape::Atomic) => Ok(config.clone()),
            (
                Value::Object(live_fields),
                Value::Object(config_fields),
                Shape::Struct(_) | Shape::Map(_),
            ) => {
                let mut merged = live_fields.clone();
                for (key, config_value) in config_fields {
                    let (child, _) = child_shape(self.schema, shape, key);
                    path.push(PathElement::Field(key.clone()));
                    let value = match live_fields.get(key) {
                        Some(live_value) => {
                            self.merge(live_value, config_value, &child, path, depth + 1)?
                        }
                        None => self.merge(&Value::Null, config_value, &child, path, depth + 1)?,
                    };
                    path.pop();
                    merged.insert(key.clone(), value);
                }
                Ok(Value::Object(merged))
            }
            (_, Value::Array(config_items), shape) => match granular_list(shape) {
                Some(list) => {
                    let live_items = live.as_array().map(Vec::as_slice).unwrap_or(&[]);
                    self.merge_list(live_items, config_items, list, path, depth)
                        .map(Value::Array)
                }
                None => Ok(config.clone()),
            },
            (_, Value::Object(_), Shape::Struct(_) | Shape::Map(_)) => {
                // Nothing live to merge with; still validate nested lists for duplicates.
                self.merge(&Value::Object(Map::new()), config, shape, path, depth)
            }
            _ => Ok(config.clone()),
        }
    }

    /// Merges list items by identity, keeping live-only items in place and shared items in
    /// the configuration's order (structured-merge-diff's algorithm).
    fn merge_list(
        &self,
        live: &[Value],
        config: &[Value],
        list: &ListShape,
        path: &mut FieldPath,
        depth: usize,
    ) -> Result<Vec<Value>, ApplyError> {
        let element = |items: &[Value]| -> Vec<PathElement> {
            items
                .iter()
                .enumerate()
                .map(|(index, item)| item_element(self.schema, list, item, index))
                .collect()
        };
        let live_elements = element(live);
        let config_elements = element(config);
        let mut live_index: BTreeMap<&PathElement, usize> = BTreeMap::new();
        for (position, element) in live_elements.iter().enumerate() {
            live_index.entry(element).or_insert(position);
        }
        let mut config_index: BTreeMap<&PathElement, usize> = BTreeMap::new();
        for (position, element) in config_elements.iter().enumerate() {
            if config_index.insert(element, position).is_some() {
                return Err(ApplyError::Invalid(format!(
                    "{}: duplicate entries for key {}",
                    path_string(path),
                    element.display()
                )));
            }
        }
        let mut shared_order: VecDeque<&PathElement> = config_elements
            .iter()
            .filter(|element| live_index.contains_key(element))
            .collect();
        let mut next_shared = shared_order.pop_front();
        let mut merged_config: BTreeSet<&PathElement> = BTreeSet::new();
        let item_shape = list.item_shape();
        let mut out = Vec::with_capacity(live.len().max(config.len()));
        let (mut live_at, mut config_at) = (0, 0);
        while live_at < live.len() || config_at < config.len() {
            let before = (live_at, config_at);
            if let (Some(live_element), Some(config_element)) =
                (live_elements.get(live_at), config_elements.get(config_at))
            {
                if live_element == config_element {
                    merged_config.insert(config_element);
                    out.push(self.merge_item(
                        live_index.get(live_element).and_then(|&i| live.get(i)),
                        &config[config_at],
                        live_element,
                        &item_shape,
                        path,
                        depth,
                    )?);
                    live_at += 1;
                    config_at += 1;
                    next_shared = shared_order.pop_front();
                    continue;
                }
                if config_index.contains_key(live_element)
                    && next_shared.is_some_and(|shared| shared != live_element)
                {
                    live_at += 1;
                    continue;
                }
            }
            if let Some(live_element) = live_elements.get(live_at) {
                if !config_index.contains_key(live_element) {
                    out.push(live[live_at].clone());
                    live_at += 1;
                    continue;
                }
                if merged_config.contains(live_element) {
                    live_at += 1;
                    continue;
                }
            }
            if let Some(config_element) = config_elements.get(config_at) {
                merged_config.insert(config_element);
                out.push(self.merge_item(
                    live_index.get(config_element).and_then(|&i| live.get(i)),
                    &config[config_at],
                    config_element,
                    &item_shape,
                    path,
                    depth,
                )?);
                config_at += 1;
                if next_shared == Some(config_element) {
                    next_shared = shared_order.pop_front();
                }
            }
            if before == (live_at, config_at) {
                // Cannot happen with consistent indexes; never spin on inconsistent input.
                live_at += 1;
            }
        }
        Ok(out)
    }

    fn merge_item(
        &self,
        live: Option<&Value>,
        config: &Value,
        element: &PathElement,
        shape: &Shape,
        path: &mut FieldPath,
        depth: usize,
    ) -> Result<Value, ApplyError> {
        path.push(element.clone());
        let merged = self.merge(live.unwrap_or(&Value::Null), config, shape, path, depth + 1);
        path.pop();
        merged
    }

    /// Removes the value at `path` from `value`, if present.
    fn remove(&self, value: &mut Value, shape: &Shape, path: &[PathElement], depth: usize) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        if depth > MAX_DEPTH {
            return;
        }
        match (first, value) {
            (PathElement::Field(name), Value::Object(fields)) => {
                if rest.is_empty() {
                    fields.remove(name);
                } else if let Some(child_value) = fields.get_mut(name) {
                    let (child, _) = child_shape(self.schema, shape, name);
                    self.remove(child_value, &child, rest, depth + 1);
                }
            }
            (element, Value::Array(items)) => {
                let Some(list) = granular_list(shape) else {
                    return;
                };
                let matches = |index: usize, item: &Value| {
                    item_element(self.schema, list, item, index) == *element
                };
                if rest.is_empty() {
                    let mut index = 0;
                    items.retain(|item| {
                        let keep = !matches(index, item);
                        index += 1;
                        keep
                    });
                } else {
                    let item_shape = list.item_shape();
                    for (index, item) in items.iter_mut().enumerate() {
                        if matches(index, item) {
                            self.remove(item, &item_shape, rest, depth + 1);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
