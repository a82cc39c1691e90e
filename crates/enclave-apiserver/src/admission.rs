//! What every write goes through before the store: strict decoding, defaulting, validation.

use enclave_api::{ApiError, ResourceInfo, defaults, validation};
use serde_json::Value;

pub use enclave_api::validation::FieldValidation;

/// Reads the `fieldValidation` query parameter (kube-apiserver's default is Warn).
pub fn field_validation(v: Option<&str>) -> Result<FieldValidation, ApiError> {
    FieldValidation::parse(v).map_err(|cause| ApiError::BadRequest(cause.to_message()))
}

/// Decodes a body strictly per `mode`, returning the object with unknown fields dropped and
/// the warnings to send.
pub fn decode(
    info: &ResourceInfo,
    obj: Value,
    mode: FieldValidation,
) -> Result<(Value, Vec<String>), ApiError> {
    validation::decode(info, &obj, mode)
}

/// Applies the defaults of the kind.
pub fn default(info: &ResourceInfo, obj: &mut Value) {
    defaults::apply_defaults(info, obj);
}

/// Validates an object (and the update from `old`), as an Invalid error with every cause.
pub fn validate(info: &ResourceInfo, obj: &Value, old: Option<&Value>) -> Result<(), ApiError> {
    validation::check(info, obj, old)
}
