//! Kubernetes vocabulary shared by the API server and controllers: the resource registry,
//! Status errors, defaulting, validation, server-side tables, selectors and OpenAPI documents.
//!
//! Pure: no I/O, no clock (time is a parameter), no async runtime.

pub mod defaults;
pub mod go_fmt;
pub mod openapi;
pub mod patch_schema;
pub mod registry;
pub mod selector;
pub mod status;
pub mod table;
pub mod validation;

pub use registry::{RESOURCES, ResourceInfo};
pub use status::{ApiError, FieldError};
