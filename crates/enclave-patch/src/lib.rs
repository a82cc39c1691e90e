//! Patches of Kubernetes objects over `serde_json::Value`: JSON patch, merge patch, strategic
//! merge patch, managed fields and server-side apply, generic over a [`Schema`].

mod apply;
mod error;
mod fieldset;

mod json;
mod managed;

mod schema;
mod strategic;
#[cfg(test)]
mod testing;

pub use apply::{ApplyOutcome, apply};
pub use error::{ApplyError, Conflict, PatchError};

pub use fieldset::{FieldSet, field_set};
pub use json::{json_patch, merge_patch};
pub use managed::{
    ManagedFieldsEntry, read_managed_fields, update_managed_fields, write_managed_fields,
};
pub use schema::{EmptySchema, FieldSchema, LiteralSchema, Schema};
pub use strategic::strategic_merge_patch;

/// Deepest nesting of objects and arrays the engines walk before giving up.
pub const MAX_DEPTH: usize = 200;
