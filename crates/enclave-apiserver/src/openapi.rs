//! Serving the OpenAPI v3 documents of `enclave_api::openapi`.

use std::sync::Arc;

use serde_json::{Value, json};

/// `GET /openapi/v3`.
pub fn root() -> Value {
    json!({"paths": {}})
}

/// `GET /openapi/v3/<prefix>/<group>/<version>`.
pub fn document(_group: &str, _version: &str) -> Option<Arc<Value>> {
    None
}
