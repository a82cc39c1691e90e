//! Field sets (Kubernetes `fieldsV1`): building them from objects, comparing two objects,
//! set algebra, and the `fieldsV1` JSON encoding.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::MAX_DEPTH;
use crate::Schema;
use crate::schema::{ListKind, ListShape, Shape, child_shape};

/// One step of a field path, ordered like structured-merge-diff orders them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum PathElement {
    /// A struct field or map key (`f:name`).
    Field(String),
    /// A list-map item by the canonical JSON object of its key fields (`k:{"name":"web"}`).
    Key(String),
    /// A set item by its JSON value (`v:"a"`).
    Value(String),
    /// A list item by position (`i:0`).
    Index(usize),
}

impl PathElement {
    fn encode(&self) -> String {
        match self {
            PathElement::Field(name) => format!("f:{name}"),
            PathElement::Key(key) => format!("k:{key}"),
            PathElement::Value(value) => format!("v:{value}"),
            PathElement::Index(index) => format!("i:{index}"),
        }
    }

    fn decode(encoded: &str) -> Option<PathElement> {
        let (kind, rest) = encoded.split_at_checked(2)?;
        match kind {
            "f:" => Some(PathElement::Field(rest.to_owned())),
            "k:" => match serde_json::from_str::<Value>(rest).ok()? {
                Value::Object(fields) => Some(PathElement::Key(canonical_key(fields))),
                _ => None,
            },
            "v:" => serde_json::from_str::<Value>(rest)
                .ok()
                .map(|value| PathElement::Value(value.to_string())),
            "i:" => rest.parse().ok().map(PathElement::Index),
            _ => None,
        }
    }

    /// The element as kube-apiserver prints it in conflicts: `.name`, `[name="web"]`,
    /// `[="a"]`, `[0]`.
    pub(crate) fn display(&self) -> String {
        match self {
            PathElement::Field(name) => format!(".{name}"),
            PathElement::Key(key) => {
                let fields = match serde_json::from_str::<Value>(key) {
                    Ok(Value::Object(fields)) => fields,
                    _ => Map::new(),
                };
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(name, value)| format!("{name}={value}"))
                    .collect();
                format!("[{}]", parts.join(","))
            }
            PathElement::Value(value) => format!("[={value}]"),
            PathElement::Index(index) => format!("[{index}]"),
        }
    }
}

/// Canonical JSON of a key object: fields sorted by name.
fn canonical_key(fields: Map<String, Value>) -> String {
    let sorted: BTreeMap<String, Value> = fields.into_iter().collect();
    let ordered: Map<String, Value> = sorted.into_iter().collect();
    Value::Object(ordered).to_string()
}

/// A path of elements from the object root.
pub(crate) type FieldPath = Vec<PathElement>;

/// Prints a path the way kube-apiserver does in apply conflicts, e.g. `.spec.replicas`.
pub(crate) fn path_string(path: &[PathElement]) -> String {
    path.iter().map(PathElement::display).collect()
}

/// A set of field paths, as in a managed fields entry's `fieldsV1`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSet {
    root: SetNode,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct SetNode {
    member: bool,
    children: BTreeMap<PathElement, SetNode>,
}

impl SetNode {
    fn is_empty(&self) -> bool {
        !self.member && self.children.values().all(SetNode::is_empty)
    }

    fn prune(&mut self) {
        self.children.retain(|_, child| {
            child.prune();
            !child.is_empty()
        });
    }

    fn union_with(&mut self, other: &SetNode) {
        self.member |= other.member;
        for (element, child) in &other.children {
            self.children
                .entry(element.clone())
                .or_default()
                .union_with(child);
        }
    }

    fn subtract(&mut self, other: &SetNode) {
        if other.member {
            self.member = false;
        }
        for (element, child) in &other.children {
            if let Some(mine) = self.children.get_mut(element) {
                mine.subtract(child);
            }
        }
    }

    fn intersect(&self, other: &SetNode) -> SetNode {
        SetNode {
            member: self.member && other.member,
            children: self
                .children
                .iter()
                .filter_map(|(element, child)| {
                    let theirs = other.children.get(element)?;
                    Some((element.clone(), child.intersect(theirs)))
                })
                .collect(),
        }
    }

    fn collect_members(&self, prefix: &mut FieldPath, out: &mut Vec<FieldPath>) {
        if self.member && !prefix.is_empty() {
            out.push(prefix.clone());
        }
        for (element, child) in &self.children {
            prefix.push(element.clone());
            child.collect_members(prefix, out);
            prefix.pop();
        }
    }

    fn to_json(&self, depth: usize) -> Value {
        let mut fields = Map::new();
        if self.member && !self.children.is_empty() {
            fields.insert(".".to_owned(), Value::Object(Map::new()));
        }
        if depth < MAX_DEPTH {
            for (element, child) in &self.children {
                if !child.is_empty() {
                    fields.insert(element.encode(), child.to_json(depth + 1));
                }
            }
        }
        Value::Object(fields)
    }

    fn from_json(fields: &Map<String, Value>, depth: usize) -> SetNode {
        let mut node = SetNode::default();
        for (key, value) in fields {
            if key == "." {
                node.member = true;
                continue;
            }
            let (Some(element), Value::Object(child_fields)) = (PathElement::decode(key), value)
            else {
                continue;
            };
            let child = if depth < MAX_DEPTH {
                SetNode::from_json(child_fields, depth + 1)
            } else {
                SetNode::default()
            };
            // A node without children is a leaf, which is a member.
            let child = if child.children.is_empty() {
                SetNode {
                    member: true,
                    ..child
                }
            } else {
                child
            };
            node.children.entry(element).or_default().union_with(&child);
        }
        node
    }
}

impl FieldSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a `fieldsV1` object; unknown or malformed entries are ignored.
    pub fn from_fields_v1(fields_v1: &Value) -> Self {
        match fields_v1 {
            Value::Object(fields) => FieldSet {
                root: SetNode::from_json(fields, 0),
            },
            _ => FieldSet::default(),
        }
    }

    /// The `fieldsV1` JSON of this set.
    pub fn to_fields_v1(&self) -> Value {
        self.root.to_json(0)
    }

    /// Whether the set has no member paths.
    pub fn is_empty(&self) -> bool {
        self.root.is_empty()
    }

    /// Every member path, printed like kube-apiserver does (`.spec.containers[name="a"].image`).
    pub fn paths(&self) -> Vec<String> {
        self.member_paths()
            .iter()
            .map(|path| path_string(path))
            .collect()
    }

    pub(crate) fn member_paths(&self) -> Vec<FieldPath> {
        let mut out = Vec::new();
        self.root.collect_members(&mut Vec::new(), &mut out);
        out
    }

    pub(crate) fn insert(&mut self, path: &[PathElement]) {
        if path.is_empty() {
            return;
        }
        let mut node = &mut self.root;
        for element in path {
            node = node.children.entry(element.clone()).or_default();
        }
        node.member = true;
    }

    /// Members of either set.
    pub fn union(&self, other: &FieldSet) -> FieldSet {
        let mut result = self.clone();
        result.root.union_with(&other.root);
        result
    }

    /// Members of `self` that are not members of `other`.
    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        let mut result = self.clone();
        result.root.subtract(&other.root);
        result.root.prune();
        result
    }

    /// Members of both sets.
    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        let mut result = FieldSet {
            root: self.root.intersect(&other.root),
        };
        result.root.prune();
        result
    }

    /// Whether any member lies at `path` or below it.
    pub(crate) fn covers(&self, path: &[PathElement]) -> bool {
        let mut node = &self.root;
        for element in path {
            match node.children.get(element) {
                Some(child) => node = child,
                None => return false,
            }
        }
        !node.is_empty()
    }

    /// Drops the member flag at `path`, keeping what lies below.
    fn unmark(&mut self, path: &[PathElement]) {
        let mut node = &mut self.root;
        for element in path {
            match node.children.get_mut(element) {
                Some(child) => node = child,
                None => return,
            }
        }
        node.member = false;
    }

    /// Drops `path` and everything below it.
    fn remove_subtree(&mut self, path: &[PathElement]) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut node = &mut self.root;
        for element in parents {
            match node.children.get_mut(element) {
                Some(child) => node = child,
                None => return,
            }
        }
        node.children.remove(last);
    }

    /// Removes what kube-apiserver never tracks: type meta, identity and system metadata,
    /// and `status` unless the write is to the status subresource.
    pub(crate) fn strip_untracked(&mut self, include_status: bool) {
        let field = |name: &str| PathElement::Field(name.to_owned());
        self.remove_subtree(&[field("apiVersion")]);
        self.remove_subtree(&[field("kind")]);
        self.unmark(&[field("metadata")]);
        for name in [
            "name",
            "namespace",
            "creationTimestamp",
            "selfLink",
            "uid",
            "clusterName",
            "generation",
            "managedFields",
            "resourceVersion",
        ] {
            self.remove_subtree(&[field("metadata"), field(name)]);
        }
        if !include_status {
            self.remove_subtree(&[field("status")]);
        }
        self.root.prune();
    }
}

/// The set of fields `obj` (an object of type `root_type`) sets, in `fieldsV1` terms.
///
/// Type meta, `metadata.{name,namespace,uid,resourceVersion,generation,creationTimestamp,
/// managedFields,selfLink}` are never tracked; `status` only when `include_status`.
pub fn field_set(
    obj: &Value,
    schema: &dyn Schema,
    root_type: &str,
    include_status: bool,
) -> FieldSet {
    let walker = Walker {
        schema,
        mark_maps: false,
    };
    let mut set = FieldSet::new();
    walker.collect(
        obj,
        &root_shape(root_type),
        false,
        &mut Vec::new(),
        &mut set,
        0,
    );
    set.strip_untracked(include_status);
    set
}

pub(crate) fn root_shape(root_type: &str) -> Shape {
    Shape::Struct((!root_type.is_empty()).then(|| root_type.to_owned()))
}

/// What changed between two versions of an object.
#[derive(Debug, Default)]
pub(crate) struct Comparison {
    pub(crate) added: FieldSet,
    pub(crate) modified: FieldSet,
    pub(crate) removed: FieldSet,
}

impl Comparison {
    /// Added or modified fields: what a writer takes ownership of.
    pub(crate) fn changed(&self) -> FieldSet {
        self.added.union(&self.modified)
    }
}

/// Compares two versions of an object of type `root_type`.
pub(crate) fn compare(
    old: &Value,
    new: &Value,
    schema: &dyn Schema,
    root_type: &str,
    include_status: bool,
) -> Comparison {
    let walker = Walker {
        schema,
        mark_maps: true,
    };
    let mut comparison = Comparison::default();
    walker.compare(
        Some(old),
        Some(new),
        &root_shape(root_type),
        false,
        &mut Vec::new(),
        &mut comparison,
        0,
    );
    comparison.added.strip_untracked(include_status);
    comparison.modified.strip_untracked(include_status);
    comparison.removed.strip_untracked(include_status);
    comparison
}

/// The path element identifying `item` (at `index`) in a non-atomic list.
pub(crate) fn item_element(
    schema: &dyn Schema,
    list: &ListShape,
    item: &Value,
    index: usize,
) -> PathElement {
    match &list.kind {
        ListKind::Map(keys) => {
            let Value::Object(fields) = item else {
                return PathElement::Index(index);
            };
            let mut key_fields = Map::new();
            for key in keys {
                let value = fields.get(key).cloned().or_else(|| {
                    list.item_type
                        .as_deref()
                        .and_then(|item_type| schema.field_default(item_type, key))
                });
                if let Some(value) = value {
                    key_fields.insert(key.clone(), value);
                }
            }
            if key_fields.is_empty() {
                PathElement::Index(index)
            } else {
                PathElement::Key(canonical_key(key_fields))
            }
        }
        ListKind::Set | ListKind::Atomic => PathElement::Value(item.to_string()),
    }
}

fn is_granular_list(shape: &Shape) -> Option<&ListShape> {
    match shape {
        Shape::List(list) if list.kind != ListKind::Atomic => Some(list),
        _ => None,
    }
}

struct Walker<'a> {
    schema: &'a dyn Schema,
    /// Mark granular maps themselves as members (kube's comparisons do; field sets do not).
    mark_maps: bool,
}

impl Walker<'_> {
    /// Whether the node holding `value` is itself a member of a field set.
    fn is_member(&self, value: &Value, shape: &Shape, declared: bool) -> bool {
        match (value, shape) {
            (_, Shape::Atomic) => true,
            (Value::Array(_), shape) => is_granular_list(shape).is_none(),
            (Value::Object(fields), Shape::Struct(_) | Shape::Map(_)) => {
                fields.is_empty() || !declared || (self.mark_maps && matches!(shape, Shape::Map(_)))
            }
            _ => true,
        }
    }

    /// Adds `value` (at `path`) and everything below it to `set`.
    fn collect(
        &self,
        value: &Value,
        shape: &Shape,
        declared: bool,
        path: &mut FieldPath,
        set: &mut FieldSet,
        depth: usize,
    ) {
        if self.is_member(value, shape, declared) {
            set.insert(path);
        }
        if depth >= MAX_DEPTH {
            set.insert(path);
            return;
        }
        match (value, shape) {
            (_, Shape::Atomic) => {}
            (Value::Object(fields), Shape::Struct(_) | Shape::Map(_)) => {
                for (key, child_value) in fields {
                    let (child, child_declared) = child_shape(self.schema, shape, key);
                    path.push(PathElement::Field(key.clone()));
                    self.collect(child_value, &child, child_declared, path, set, depth + 1);
                    path.pop();
                }
            }
            (Value::Array(items), shape) => {
                let Some(list) = is_granular_list(shape) else {
                    return;
                };
                let item_shape = list.item_shape();
                for (index, item) in items.iter().enumerate() {
                    path.push(item_element(self.schema, list, item, index));
                    self.collect(item, &item_shape, false, path, set, depth + 1);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compare(
        &self,
        old: Option<&Value>,
        new: Option<&Value>,
        shape: &Shape,
        declared: bool,
        path: &mut FieldPath,
        out: &mut Comparison,
        depth: usize,
    ) {
        let (old, new) = match (old, new) {
            (None, None) => return,
            (Some(old), None) => {
                self.collect(old, shape, declared, path, &mut out.removed, depth);
                return;
            }
            (None, Some(new)) => {
                self.collect(new, shape, declared, path, &mut out.added, depth);
                return;
            }
            (Some(old), Some(new)) => (old, new),
        };
        if depth >= MAX_DEPTH {
            if old != new {
                out.modified.insert(path);
            }
            return;
        }
        match (old, new, shape) {
            (_, _, Shape::Atomic) => {}
            (
                Value::Object(old_fields),
                Value::Object(new_fields),
                Shape::Struct(_) | Shape::Map(_),
            ) => {
                for (key, old_value) in old_fields {
                    let (child, child_declared) = child_shape(self.schema, shape, key);
                    path.push(PathElement::Field(key.clone()));
                    self.compare(
                        Some(old_value),
                        new_fields.get(key),
                        &child,
                        child_declared,
                        path,
                        out,
                        depth + 1,
                    );
                    path.pop();
                }
                for (key, new_value) in new_fields {
                    if old_fields.contains_key(key) {
                        continue;
                    }
                    let (child, child_declared) = child_shape(self.schema, shape, key);
                    path.push(PathElement::Field(key.clone()));
                    self.compare(
                        None,
                        Some(new_value),
                        &child,
                        child_declared,
                        path,
                        out,
                        depth + 1,
                    );
                    path.pop();
                }
                return;
            }
            (Value::Array(old_items), Value::Array(new_items), shape) => {
                if let Some(list) = is_granular_list(shape) {
                    self.compare_items(old_items, new_items, list, path, out, depth);
                    return;
                }
            }
            _ => {}
        }
        if old != new {
            out.modified.insert(path);
        }
    }

    fn compare_items(
        &self,
        old_items: &[Value],
        new_items: &[Value],
        list: &ListShape,
        path: &mut FieldPath,
        out: &mut Comparison,
        depth: usize,
    ) {
        let index = |items: &[Value]| -> BTreeMap<PathElement, usize> {
            let mut by_element = BTreeMap::new();
            for (position, item) in items.iter().enumerate() {
                by_element
                    .entry(item_element(self.schema, list, item, position))
                    .or_insert(position);
            }
            by_element
        };
        let old_index = index(old_items);
        let new_index = index(new_items);
        let item_shape = list.item_shape();
        let mut elements: Vec<&PathElement> = old_index.keys().collect();
        elements.extend(new_index.keys().filter(|key| !old_index.contains_key(key)));
        for element in elements {
            let old_item = old_index.get(element).and_then(|&i| old_items.get(i));
            let new_item = new_index.get(element).and_then(|&i| new_items.get(i));
            path.push(element.clone());
            self.compare(old_item, new_item, &item_shape, false, path, out, depth + 1);
            path.pop();
        }
    }
}

#[cfg(test)]
mod tests;
