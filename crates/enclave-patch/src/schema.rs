//! The schema abstraction the patch engines consult, a literal schema for tests, and the
//! resolution of a field's metadata into the shape a value is walked with.

use std::collections::HashMap;

/// Merge metadata of one field of a named type.
///
/// `type_name` is the type of the value; for lists and maps it is the type of the items.
/// `map_type: Some("atomic")` marks a map field as atomic, a struct field as an atomic struct,
/// and for a list field marks its items as atomic structs (OpenAPI `x-kubernetes-map-type`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSchema {
    /// Type of the value (of the items for lists and maps), e.g. `io.k8s.api.core.v1.Container`.
    pub type_name: Option<String>,
    /// The field holds a JSON array.
    pub is_list: bool,
    /// The field holds a JSON object keyed by arbitrary strings (not a struct).
    pub is_map: bool,
    /// Strategic merge patch strategy: `merge`, `retainKeys`, `merge,retainKeys` or `replace`.
    pub patch_strategy: Option<String>,
    /// Strategic merge patch key of a merged list of objects.
    pub patch_merge_key: Option<String>,
    /// Server-side apply list type: `atomic`, `set` or `map`.
    pub list_type: Option<String>,
    /// Key fields of a `map` list, in schema order.
    pub list_map_keys: Vec<String>,
    /// `granular` or `atomic` (see the type documentation for what it applies to).
    pub map_type: Option<String>,
}

impl FieldSchema {
    /// Whether the strategic merge patch strategy includes `merge`.
    pub fn has_merge_strategy(&self) -> bool {
        self.strategies().any(|strategy| strategy == "merge")
    }

    /// Whether the strategic merge patch strategy is `replace`.
    pub fn has_replace_strategy(&self) -> bool {
        self.strategies().any(|strategy| strategy == "replace")
    }

    fn strategies(&self) -> impl Iterator<Item = &str> {
        self.patch_strategy
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
    }

    fn is_atomic_marked(&self) -> bool {
        self.map_type.as_deref() == Some("atomic")
    }
}

/// Source of field merge metadata, looked up by type name and JSON field name.
///
/// Returning `None` means the field (or the whole type) is unknown: its value is then treated as
/// plain JSON (objects merge recursively, lists are replaced/atomic).
pub trait Schema {
    /// Metadata of `field` in the type named `type_name`.
    fn field(&self, type_name: &str, field: &str) -> Option<FieldSchema>;

    /// Default value of `field` in `type_name`, if the schema declares one.
    ///
    /// Server-side apply uses it for list-map key fields an item omits (a container port
    /// without `protocol` is keyed with `"protocol":"TCP"`, as the stored, defaulted object is).
    fn field_default(&self, type_name: &str, field: &str) -> Option<serde_json::Value> {
        let _ = (type_name, field);
        None
    }
}

/// A schema that knows nothing: every value is plain JSON.
#[derive(Clone, Copy, Debug, Default)]
pub struct EmptySchema;

impl Schema for EmptySchema {
    fn field(&self, _type_name: &str, _field: &str) -> Option<FieldSchema> {
        None
    }
}

/// A schema written out field by field, mainly for tests.
#[derive(Clone, Debug, Default)]
pub struct LiteralSchema {
    fields: HashMap<(String, String), FieldSchema>,
    defaults: HashMap<(String, String), serde_json::Value>,
}

impl LiteralSchema {
    /// An empty literal schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares `field` of `type_name` with full metadata.
    pub fn with_field(mut self, type_name: &str, field: &str, schema: FieldSchema) -> Self {
        self.fields
            .insert((type_name.to_owned(), field.to_owned()), schema);
        self
    }

    /// Declares the default value of `field` in `type_name`.
    pub fn with_default(mut self, type_name: &str, field: &str, value: serde_json::Value) -> Self {
        self.defaults
            .insert((type_name.to_owned(), field.to_owned()), value);
        self
    }

    /// Declares a scalar field (string, number, bool).
    pub fn scalar(self, type_name: &str, field: &str) -> Self {
        self.with_field(type_name, field, FieldSchema::default())
    }

    /// Declares a field holding a struct of type `value_type`.
    pub fn object(self, type_name: &str, field: &str, value_type: &str) -> Self {
        self.with_field(
            type_name,
            field,
            FieldSchema {
                type_name: Some(value_type.to_owned()),
                ..FieldSchema::default()
            },
        )
    }

    /// Declares a field holding an atomic struct of type `value_type`.
    pub fn atomic_object(self, type_name: &str, field: &str, value_type: &str) -> Self {
        self.with_field(
            type_name,
            field,
            FieldSchema {
                type_name: Some(value_type.to_owned()),
                map_type: Some("atomic".to_owned()),
                ..FieldSchema::default()
            },
        )
    }

    /// Declares a granular string-keyed map whose values have type `value_type` (None: scalars).
    pub fn map(self, type_name: &str, field: &str, value_type: Option<&str>) -> Self {
        self.with_field(
            type_name,
            field,
            FieldSchema {
                type_name: value_type.map(str::to_owned),
                is_map: true,
                ..FieldSchema::default()
            },
        )
    }

    /// Declares an atomic string-keyed map of scalars.
    pub fn atomic_map(self, type_name: &str, field: &str) -> Self {
        self.with_field(
            type_name,
            field,
            FieldSchema {
                is_map: true,
                map_type: Some("atomic".to_owned()),
                ..FieldSchema::default()
            },
        )
    }

    /// Declares a list with no merge metadata (replaced by patches, atomic for apply).
    pub fn atomic_list(self, type_name: &str, field: &str, item_type: Option<&str>) -> Self {
        self.with_field(
            type_name,
            field,
            FieldSchema {
                type_name: item_type.map(str::to_owned),
                is_list: true,
                list_type: Some("atomic".to_owned()),
                ..FieldSchema::default()
            },
        )
    }

    /// Declares a primitive list merged as a set (`patchStrategy: merge`, `listType: set`).
    pub fn set_list(self, type_name: &str, field: &str) -> Self {
        self.with_field(
            type_name,
            field,
            FieldSchema {
                is_list: true,
                patch_strategy: Some("merge".to_owned()),
                list_type: Some("set".to_owned()),
                ..FieldSchema::default()
            },
        )
    }

    /// Declares a list of `item_type` objects merged by `merge_key` for strategic merge patch
    /// and keyed by `map_keys` for server-side apply.
    pub fn keyed_list(
        self,
        type_name: &str,
        field: &str,
        item_type: &str,
        merge_key: &str,
        map_keys: &[&str],
    ) -> Self {
        self.with_field(
            type_name,
            field,
            FieldSchema {
                type_name: Some(item_type.to_owned()),
                is_list: true,
                patch_strategy: Some("merge".to_owned()),
                patch_merge_key: Some(merge_key.to_owned()),
                list_type: Some("map".to_owned()),
                list_map_keys: map_keys.iter().map(|key| (*key).to_owned()).collect(),
                ..FieldSchema::default()
            },
        )
    }
}

impl Schema for LiteralSchema {
    fn field(&self, type_name: &str, field: &str) -> Option<FieldSchema> {
        self.fields
            .get(&(type_name.to_owned(), field.to_owned()))
            .cloned()
    }

    fn field_default(&self, type_name: &str, field: &str) -> Option<serde_json::Value> {
        self.defaults
            .get(&(type_name.to_owned(), field.to_owned()))
            .cloned()
    }
}

/// How server-side apply treats the items of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ListKind {
    /// The list is one value.
    Atomic,
    /// Scalar items identified by their value.
    Set,
    /// Object items identified by the values of these key fields.
    Map(Vec<String>),
}

/// The shape a value is walked with, resolved from its field's metadata.
#[derive(Clone, Debug)]
pub(crate) enum Shape {
    /// An object whose keys are struct fields of the named type (None: untyped JSON object).
    Struct(Option<String>),
    /// A granular map whose values have the given type.
    Map(Option<String>),
    /// A list with its apply semantics and strategic merge metadata.
    List(ListShape),
    /// A value owned and replaced as a whole (atomic struct or map).
    Atomic,
}

/// Metadata of a list field.
#[derive(Clone, Debug)]
pub(crate) struct ListShape {
    pub(crate) item_type: Option<String>,
    pub(crate) items_atomic: bool,
    pub(crate) kind: ListKind,
    pub(crate) merge_strategy: bool,
    pub(crate) merge_key: Option<String>,
}

impl ListShape {
    /// Shape of each item.
    pub(crate) fn item_shape(&self) -> Shape {
        if self.items_atomic {
            Shape::Atomic
        } else {
            Shape::Struct(self.item_type.clone())
        }
    }
}

/// Field metadata of `field` in an object walked with `parent` (None when unknown).
pub(crate) fn field_schema(
    schema: &dyn Schema,
    parent: &Shape,
    field: &str,
) -> Option<FieldSchema> {
    match parent {
        Shape::Struct(Some(type_name)) => schema.field(type_name, field),
        _ => None,
    }
}

/// Shape of the value of `field` in an object walked with `parent`, plus whether the field is
/// a declared struct field (map entries and unknown fields are not).
pub(crate) fn child_shape(schema: &dyn Schema, parent: &Shape, field: &str) -> (Shape, bool) {
    match parent {
        Shape::Map(item_type) => (Shape::Struct(item_type.clone()), false),
        Shape::Struct(Some(_)) => match field_schema(schema, parent, field) {
            Some(field_schema) => (shape_of(&field_schema), true),
            None => (Shape::Struct(None), false),
        },
        _ => (Shape::Struct(None), false),
    }
}

/// Shape of a value described by `field_schema`.
pub(crate) fn shape_of(field_schema: &FieldSchema) -> Shape {
    if field_schema.is_list {
        let kind = match field_schema.list_type.as_deref() {
            Some("set") => ListKind::Set,
            Some("map") => ListKind::Map(map_keys(field_schema)),
            Some(_) => ListKind::Atomic,
            // Older schemas only carry the strategic merge metadata; apply derives from it.
            None if field_schema.has_merge_strategy() => match &field_schema.patch_merge_key {
                Some(key) => ListKind::Map(vec![key.clone()]),
                None => ListKind::Set,
            },
            None => ListKind::Atomic,
        };
        return Shape::List(ListShape {
            item_type: field_schema.type_name.clone(),
            items_atomic: field_schema.is_atomic_marked(),
            kind,
            merge_strategy: field_schema.has_merge_strategy(),
            merge_key: field_schema.patch_merge_key.clone(),
        });
    }
    if field_schema.is_atomic_marked() {
        return Shape::Atomic;
    }
    if field_schema.is_map {
        return Shape::Map(field_schema.type_name.clone());
    }
    Shape::Struct(field_schema.type_name.clone())
}

fn map_keys(field_schema: &FieldSchema) -> Vec<String> {
    if !field_schema.list_map_keys.is_empty() {
        return field_schema.list_map_keys.clone();
    }
    field_schema.patch_merge_key.iter().cloned().collect()
}
