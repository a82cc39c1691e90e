//! Applying the four patch types to a stored object, over `enclave_patch`.

use enclave_api::{ApiError, ResourceInfo};
use serde_json::Value;

use crate::negotiate::BodyType;

/// Applies a JSON, merge or strategic merge patch to `current`.
pub fn apply_patch(
    _info: &ResourceInfo,
    current: &Value,
    patch: &[u8],
    kind: BodyType,
) -> Result<Value, ApiError> {
    match kind {
        BodyType::JsonPatch => {
            let ops: json_patch::Patch = serde_json::from_slice(patch)
                .map_err(|e| ApiError::BadRequest(format!("error decoding patch: {e}")))?;
            let mut doc = current.clone();
            json_patch::patch(&mut doc, &ops).map_err(|e| ApiError::BadRequest(e.to_string()))?;
            Ok(doc)
        }
        BodyType::MergePatch | BodyType::StrategicMergePatch => {
            let p: Value = serde_json::from_slice(patch)
                .map_err(|e| ApiError::BadRequest(format!("error decoding patch: {e}")))?;
            let mut doc = current.clone();
            json_patch::merge(&mut doc, &p);
            Ok(doc)
        }
        _ => Err(ApiError::UnsupportedMediaType(
            crate::negotiate::PATCH_MEDIA_TYPES.into(),
        )),
    }
}
