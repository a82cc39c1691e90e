//! Serving the OpenAPI v3 documents of `enclave_api::openapi`.

use std::sync::Arc;

use serde_json::Value;

/// `GET /openapi/v3`.
pub fn root() -> Value {
    enclave_api::openapi::discovery_paths()
}

/// `GET /openapi/v3/<prefix>/<group>/<version>`.
pub fn document(group: &str, version: &str) -> Option<Arc<Value>> {
    enclave_api::openapi::group_version_document(group, version)
}
