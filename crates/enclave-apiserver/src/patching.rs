//! Applying the patch types to a stored object, over `enclave_patch` and the built-in kinds'
//! merge metadata.

use enclave_api::patch_schema::{patch_schema, root_type};
use enclave_api::{ApiError, ResourceInfo};
use enclave_patch::PatchError;
use serde_json::Value;

use crate::negotiate::{self, BodyType};

fn patch_error(e: PatchError) -> ApiError {
    if e.http_status() == 422 {
        ApiError::Unprocessable {
            message: e.to_string(),
        }
    } else {
        ApiError::BadRequest(e.to_string())
    }
}

/// Applies a JSON, merge or strategic merge patch to `current`.
pub fn apply_patch(
    info: &ResourceInfo,
    current: &Value,
    patch: &[u8],
    kind: BodyType,
) -> Result<Value, ApiError> {
    let parse = || -> Result<Value, ApiError> {
        serde_json::from_slice(patch)
            .map_err(|e| ApiError::BadRequest(format!("error decoding patch: {e}")))
    };
    match kind {
        BodyType::JsonPatch => enclave_patch::json_patch(current, patch).map_err(patch_error),
        BodyType::MergePatch => Ok(enclave_patch::merge_patch(current, &parse()?)),
        BodyType::StrategicMergePatch => enclave_patch::strategic_merge_patch(
            current,
            &parse()?,
            patch_schema(),
            &root_type(info),
        )
        .map_err(patch_error),
        // Server-side apply merges the applied configuration like a strategic merge patch;
        // ownership of fields is tracked in managedFields.
        BodyType::ApplyPatch => enclave_patch::strategic_merge_patch(
            current,
            &negotiate::decode_yaml(patch)?,
            patch_schema(),
            &root_type(info),
        )
        .map_err(patch_error),
        _ => Err(ApiError::UnsupportedMediaType(
            negotiate::PATCH_MEDIA_TYPES.into(),
        )),
    }
}
