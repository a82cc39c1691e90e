//! Server-side Table output, over `enclave_api::table`.

use enclave_api::ResourceInfo;
use enclave_api::table::{self, ListMeta};
use serde_json::{Value, json};

pub use enclave_api::table::IncludeObject;

/// Reads the `includeObject` query parameter (default `Metadata`).
pub fn include_object(v: Option<&str>) -> IncludeObject {
    IncludeObject::from_query(v.unwrap_or("")).unwrap_or_default()
}

/// The Table's column definitions for a resource.
pub fn column_definitions(info: &ResourceInfo) -> Value {
    json!(table::columns(info.group, info.kind))
}

/// One Table row for an object.
pub fn row(info: &ResourceInfo, obj: &Value, include: IncludeObject, v1beta1: bool) -> Value {
    let mut row = table::table_row(info.group, info.kind, obj, include, jiff::Timestamp::now());
    if v1beta1 && let Some(o) = row.get_mut("object").and_then(|o| o.get_mut("apiVersion")) {
        *o = json!("meta.k8s.io/v1beta1");
    }
    row
}

/// A whole one-object Table (GET of one object, or one watch event).
pub fn single(
    info: &ResourceInfo,
    obj: &Value,
    include: IncludeObject,
    v1beta1: bool,
    headers: bool,
) -> Value {
    let mut t = table::table(
        info.group,
        info.kind,
        std::iter::once(obj),
        include,
        jiff::Timestamp::now(),
        &ListMeta::of_object(obj),
        !headers,
    );
    if v1beta1 {
        t["apiVersion"] = json!("meta.k8s.io/v1beta1");
        if let Some(o) = t.pointer_mut("/rows/0/object/apiVersion") {
            *o = json!("meta.k8s.io/v1beta1");
        }
    }
    t
}

/// `PartialObjectMetadata` of an object.
pub fn partial_metadata(obj: &Value, v1beta1: bool) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": if v1beta1 { "meta.k8s.io/v1beta1" } else { "meta.k8s.io/v1" },
        "metadata": obj.get("metadata").cloned().unwrap_or(json!({})),
    })
}
