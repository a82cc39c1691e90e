//! Patches of Kubernetes objects over `serde_json::Value`: JSON patch, merge patch, strategic
//! merge patch, managed fields and server-side apply, generic over a [`Schema`].

mod error;

mod json;

mod schema;
mod strategic;
#[cfg(test)]
mod testing;

pub use error::{ApplyError, Conflict, PatchError};

pub use json::{json_patch, merge_patch};
pub use schema::{EmptySchema, FieldSchema, LiteralSchema, Schema};
pub use strategic::strategic_merge_patch;

/// Deepest nesting of objects and arrays the engines walk before giving up.
pub const MAX_DEPTH: usize = 200;
