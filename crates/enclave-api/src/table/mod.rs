//! Server-side Table output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) with the
//! columns and cells kube-apiserver 1.32 prints for each kind.
//!
//! Whole tables come from [`table`]; long lists and watch events can be written piece by piece
//! with [`TableStream`] (or [`table_header`], [`table_row`] and [`TABLE_END`]) so a LIST of
//! thousands of objects never holds its whole Table in memory.

mod age;
mod cells;
mod columns;
mod fields;
mod pod;
#[cfg(test)]
mod tests;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

pub use age::human_duration;
pub use columns::ColumnDefinition;

/// What each row's `object` holds (the `includeObject` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeObject {
    /// `"object": null`.
    None,
    /// A `PartialObjectMetadata` with the object's metadata (the default).
    #[default]
    Metadata,
    /// The whole object, as given.
    Object,
}

impl IncludeObject {
    /// Reads the `includeObject` query value: `None`, `Metadata` (or empty), `Object`.
    pub fn from_query(value: &str) -> Option<Self> {
        match value {
            "None" => Some(Self::None),
            "" | "Metadata" => Some(Self::Metadata),
            "Object" => Some(Self::Object),
            _ => None,
        }
    }
}

/// The Table's `metadata` (a `ListMeta`); empty fields are left out as kube-apiserver does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListMeta {
    /// The list's resourceVersion, or the object's for a single object or a watch event.
    pub resource_version: String,
    /// The continue token of a paged list.
    pub continue_token: String,
    /// Items left after this page, when known.
    pub remaining_item_count: Option<i64>,
}

impl ListMeta {
    /// The metadata of a Table of one object (GET of an object, a watch event): the object's
    /// resourceVersion.
    pub fn of_object(object: &Value) -> Self {
        Self {
            resource_version: object
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            ..Self::default()
        }
    }

    fn to_json(&self) -> Value {
        let mut meta = Map::new();
        if !self.resource_version.is_empty() {
            meta.insert(
                "resourceVersion".into(),
                self.resource_version.clone().into(),
            );
        }
        if !self.continue_token.is_empty() {
            meta.insert("continue".into(), self.continue_token.clone().into());
        }
        if let Some(n) = self.remaining_item_count {
            meta.insert("remainingItemCount".into(), n.into());
        }
        Value::Object(meta)
    }
}

/// The column definitions of a kind (with priority-1 `-o wide` columns); kinds without a printer
/// get the default `Name`, `Created At`.
pub fn columns(group: &str, kind: &str) -> &'static [ColumnDefinition] {
    cells::columns_of(group, kind)
}

/// The cells of one object's row, one per column of [`columns`], computed at `now`.
pub fn row_cells(group: &str, kind: &str, obj: &Value, now: Timestamp) -> Vec<Value> {
    cells::row_of(group, kind, obj, now).0
}

/// One `rows[]` entry: `cells`, `conditions` for finished pods, and `object` as asked.
pub fn table_row(
    group: &str,
    kind: &str,
    obj: &Value,
    include_object: IncludeObject,
    now: Timestamp,
) -> Value {
    let (cells, conditions) = cells::row_of(group, kind, obj, now);
    let mut row = Map::new();
    row.insert("cells".into(), Value::Array(cells));
    if let Some(conditions) = conditions {
        row.insert("conditions".into(), conditions);
    }
    let object = match include_object {
        IncludeObject::None => Value::Null,
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
        }),
        IncludeObject::Object => obj.clone(),
    };
    row.insert("object".into(), object);
    Value::Object(row)
}

fn columns_json(group: &str, kind: &str) -> Value {
    Value::Array(
        columns(group, kind)
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "type": c.type_,
                    "format": c.format,
                    "description": c.description,
                    "priority": c.priority,
                })
            })
            .collect(),
    )
}

/// A whole Table. With `no_headers` (watch events after the first, `TableOptions.noHeaders`)
/// `columnDefinitions` is null, as kube-apiserver sends it.
pub fn table<'a>(
    group: &str,
    kind: &str,
    objects: impl IntoIterator<Item = &'a Value>,
    include_object: IncludeObject,
    now: Timestamp,
    list_meta: &ListMeta,
    no_headers: bool,
) -> Value {
    let rows: Vec<Value> = objects
        .into_iter()
        .map(|obj| table_row(group, kind, obj, include_object, now))
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta.to_json(),
        "columnDefinitions": if no_headers { Value::Null } else { columns_json(group, kind) },
        "rows": rows,
    })
}

/// The JSON text of a Table up to and including `"rows":[`; write the rows (comma-separated)
/// and then [`TABLE_END`] to complete it.
pub fn table_header(group: &str, kind: &str, list_meta: &ListMeta, no_headers: bool) -> String {
    let columns = if no_headers {
        Value::Null
    } else {
        columns_json(group, kind)
    };
    format!(
        "{{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{},\"columnDefinitions\":{},\"rows\":[",
        list_meta.to_json(),
        columns
    )
}

/// The JSON text that closes a Table begun with [`table_header`].
pub const TABLE_END: &str = "]}";

/// Writes a Table as text pieces: [`TableStream::header`], one [`TableStream::row`] per
/// object (commas included), then [`TableStream::end`]. The concatenation equals [`table`].
#[derive(Debug, Clone)]
pub struct TableStream<'a> {
    group: &'a str,
    kind: &'a str,
    include_object: IncludeObject,
    now: Timestamp,
    rows_written: usize,
}

impl<'a> TableStream<'a> {
    /// A stream of rows of one kind, computed at `now`.
    pub fn new(
        group: &'a str,
        kind: &'a str,
        include_object: IncludeObject,
        now: Timestamp,
    ) -> Self {
        Self {
            group,
            kind,
            include_object,
            now,
            rows_written: 0,
        }
    }

    /// The Table's opening text, through `"rows":[`.
    pub fn header(&self, list_meta: &ListMeta, no_headers: bool) -> String {
        table_header(self.group, self.kind, list_meta, no_headers)
    }

    /// The next row's text, preceded by a comma after the first.
    pub fn row(&mut self, obj: &Value) -> String {
        let row = table_row(self.group, self.kind, obj, self.include_object, self.now);
        let text = if self.rows_written == 0 {
            row.to_string()
        } else {
            format!(",{row}")
        };
        self.rows_written += 1;
        text
    }

    /// The closing text.
    pub fn end(&self) -> &'static str {
        TABLE_END
    }
}
