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

/// The field manager of a write: the `fieldManager` parameter, else the client's name from
/// its User-Agent (kube-apiserver's default).
pub fn field_manager(param: Option<&str>, user_agent: Option<&str>) -> String {
    if let Some(m) = param.filter(|m| !m.is_empty()) {
        return m.to_string();
    }
    user_agent
        .and_then(|ua| ua.split('/').next())
        .filter(|s| !s.is_empty())
        .unwrap_or("unknown")
        .to_string()
}

/// Records in `new`'s managedFields that `manager` owns what it changed from `old`, unless the
/// write set managedFields itself (server-side apply does, and clients may).
pub fn track_fields(
    info: &ResourceInfo,
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    subresource: Option<&str>,
    now: &str,
) {
    let old_entries = old
        .map(enclave_patch::read_managed_fields)
        .unwrap_or_default();
    if old.is_some() && enclave_patch::read_managed_fields(new) != old_entries {
        return;
    }
    if old.is_none() && new.pointer("/metadata/managedFields").is_some() {
        return;
    }
    let entries = enclave_patch::update_managed_fields(
        old,
        new,
        manager,
        subresource,
        &old_entries,
        patch_schema(),
        &root_type(info),
        now,
        &info.api_version(),
    );
    enclave_patch::write_managed_fields(new, &entries);
}

/// Server-side apply of `applied` over `live` (None: the object is created).
pub fn server_side_apply(
    info: &ResourceInfo,
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: &str,
) -> Result<Value, ApiError> {
    let managed = live
        .map(enclave_patch::read_managed_fields)
        .unwrap_or_default();
    let outcome = enclave_patch::apply(
        live,
        applied,
        manager,
        force,
        &managed,
        patch_schema(),
        &root_type(info),
        now,
        &info.api_version(),
    )
    .map_err(|e| match e {
        enclave_patch::ApplyError::Conflicts(conflicts) => ApiError::ApplyConflict {
            message: enclave_patch::ApplyError::Conflicts(conflicts.clone()).to_string(),
            causes: conflicts
                .iter()
                .map(|c| (c.cause_message(), c.field.clone()))
                .collect(),
        },
        enclave_patch::ApplyError::Merge(p) => patch_error(p),
        other => ApiError::BadRequest(other.to_string()),
    })?;
    let mut object = outcome.object;
    enclave_patch::write_managed_fields(&mut object, &outcome.managed_fields);
    Ok(object)
}
