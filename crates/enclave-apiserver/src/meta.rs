//! Object metadata the server owns: how objects are stored, resourceVersion from the store's
//! revisions, uid, timestamps, generation, and what an update may and may not change.

use bytes::Bytes;
use enclave_api::{ApiError, ResourceInfo};
use enclave_store::KeyValue;
use serde_json::{Map, Value, json};

/// Now, as kube-apiserver writes timestamps (RFC 3339, seconds, UTC).
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Encodes an object for the store. The resourceVersion is not stored: the store's
/// modification revision is the resourceVersion.
pub fn encode(obj: &Value) -> Result<Bytes, ApiError> {
    let mut obj = obj.clone();
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
    }
    serde_json::to_vec(&obj)
        .map(Bytes::from)
        .map_err(|e| ApiError::Internal(format!("encoding object: {e}")))
}

/// Decodes a stored object and sets its resourceVersion from the store.
pub fn decode(kv: &KeyValue) -> Result<Value, ApiError> {
    decode_at(&kv.value, kv.mod_revision)
}

/// Decodes stored bytes with a given resourceVersion.
pub fn decode_at(bytes: &[u8], revision: u64) -> Result<Value, ApiError> {
    let mut obj: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::Internal(format!("decoding stored object: {e}")))?;
    set_resource_version(&mut obj, revision);
    Ok(obj)
}

/// Sets `metadata.resourceVersion`.
pub fn set_resource_version(obj: &mut Value, revision: u64) {
    if let Some(m) = metadata_mut(obj) {
        m.insert("resourceVersion".into(), json!(revision.to_string()));
    }
}

/// `metadata` as a mutable map, created if missing (None if the object is not an object).
pub fn metadata_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    let o = obj.as_object_mut()?;
    let m = o
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !m.is_object() {
        *m = Value::Object(Map::new());
    }
    m.as_object_mut()
}

/// A string field of metadata.
pub fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")?.get(field)?.as_str()
}

/// The resourceVersion a client sent, parsed; `Ok(None)` when absent or empty.
pub fn resource_version_of(obj: &Value) -> Result<Option<u64>, ApiError> {
    match meta_str(obj, "resourceVersion") {
        None | Some("") => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            ApiError::BadRequest(format!("invalid resourceVersion {s:?}: must be a number"))
        }),
    }
}

/// Kinds whose `metadata.generation` tracks changes of their desired state.
fn tracks_generation(obj: &Value) -> bool {
    obj.get("spec").is_some()
}

/// Fills what the server owns on create: uid, creationTimestamp, generation; clears what a
/// client may not set.
pub fn prepare_create(obj: &mut Value, now: &str) {
    let has_spec = tracks_generation(obj);
    if let Some(m) = metadata_mut(obj) {
        m.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
        m.insert("creationTimestamp".into(), json!(now));
        m.remove("resourceVersion");
        m.remove("deletionTimestamp");
        m.remove("deletionGracePeriodSeconds");
        m.remove("selfLink");
        if has_spec {
            m.insert("generation".into(), json!(1));
        } else {
            m.remove("generation");
        }
    }
}

/// Carries server-owned metadata from the stored object into an update, and bumps the
/// generation when the desired state changed. `status_only` is an update of the status
/// subresource: everything but the status comes from the old object.
pub fn prepare_update(old: &Value, new: &mut Value, subresource: Update) {
    match subresource {
        Update::Main | Update::Finalize => {
            // A write to the main resource never changes the status.
            match old.get("status") {
                Some(status) => {
                    if let Some(o) = new.as_object_mut() {
                        o.insert("status".into(), status.clone());
                    }
                }
                None => {
                    if let Some(o) = new.as_object_mut() {
                        o.remove("status");
                    }
                }
            }
        }
        Update::Status => {
            let status = new.get("status").cloned();
            let mut merged = old.clone();
            if let Some(o) = merged.as_object_mut() {
                match status {
                    Some(s) => {
                        o.insert("status".into(), s);
                    }
                    None => {
                        o.remove("status");
                    }
                }
            }
            // The status subresource may not change metadata either, except that clients
            // send the resourceVersion they read, which must be kept for the precondition.
            let rv = meta_str(new, "resourceVersion").map(str::to_string);
            *new = merged;
            if let (Some(rv), Some(m)) = (rv, metadata_mut(new)) {
                m.insert("resourceVersion".into(), json!(rv));
            }
        }
    }
    let old_meta = old.get("metadata").cloned().unwrap_or(json!({}));
    let spec_changed = old.get("spec") != new.get("spec");
    let has_spec = tracks_generation(new);
    if let Some(m) = metadata_mut(new) {
        for field in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            match old_meta.get(field) {
                Some(v) => {
                    m.insert(field.into(), v.clone());
                }
                None => {
                    m.remove(field);
                }
            }
        }
        m.remove("selfLink");
        if has_spec {
            let generation = old_meta
                .get("generation")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let generation = if spec_changed {
                generation + 1
            } else {
                generation
            };
            m.insert("generation".into(), json!(generation));
        } else {
            m.remove("generation");
        }
    }
}

/// Which part of an object an update writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// The main resource (spec, metadata).
    Main,
    /// The status subresource.
    Status,
    /// The `finalize` subresource of a namespace: the only write that changes
    /// `spec.finalizers`.
    Finalize,
}

/// Checks that a body names the kind the URL names; fills apiVersion/kind when missing.
pub fn check_type(info: &ResourceInfo, obj: &mut Value) -> Result<(), ApiError> {
    let Some(o) = obj.as_object_mut() else {
        return Err(ApiError::BadRequest(format!(
            "{} in version \"{}\" cannot be handled as a {}: the object must be a JSON object",
            info.kind, info.version, info.kind
        )));
    };
    let want_api_version = info.api_version();
    let api_version = o.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = o.get("kind").and_then(Value::as_str).unwrap_or("");
    if api_version.is_empty() && kind.is_empty() {
        o.insert("apiVersion".into(), json!(want_api_version));
        o.insert("kind".into(), json!(info.kind));
        return Ok(());
    }
    if kind.is_empty() {
        return Err(ApiError::BadRequest(
            "Object 'Kind' is missing in '".to_string() + &compact(obj) + "'",
        ));
    }
    if api_version != want_api_version || kind != info.kind {
        return Err(ApiError::BadRequest(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({want_api_version})"
        ))
        .with_kind_mismatch(kind, info.kind));
    }
    Ok(())
}

fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 200 {
        format!("{}...", &s[..s.floor_char_boundary(200)])
    } else {
        s
    }
}

trait KindMismatch {
    fn with_kind_mismatch(self, got: &str, want: &str) -> Self;
}

impl KindMismatch for ApiError {
    fn with_kind_mismatch(self, got: &str, want: &str) -> Self {
        if got != want {
            ApiError::BadRequest(format!(
                "the kind in the data ({got}) does not match the expected kind ({want})"
            ))
        } else {
            self
        }
    }
}

/// Fills `metadata.name` from `generateName` (5 random lower-case alphanumerics, as upstream).
pub fn generate_name(obj: &mut Value) {
    let Some(m) = metadata_mut(obj) else { return };
    let has_name = m
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    if has_name {
        return;
    }
    let Some(prefix) = m
        .get("generateName")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
    else {
        return;
    };
    // kube-apiserver keeps names within 63 characters: the prefix is cut to 58.
    let prefix: String = prefix.chars().take(58).collect();
    m.insert(
        "name".into(),
        json!(format!("{prefix}{}", random_suffix(5))),
    );
}

/// Random lower-case alphanumerics without vowels, as apimachinery's `rand.String`.
pub fn random_suffix(n: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    (0..n)
        .map(|i| ALPHABET[bytes[i % bytes.len()] as usize % ALPHABET.len()] as char)
        .collect()
}

/// The namespace an object should be in: the URL's, which must agree with the body's.
pub fn check_namespace(
    info: &ResourceInfo,
    obj: &mut Value,
    url_namespace: Option<&str>,
) -> Result<(), ApiError> {
    let Some(m) = metadata_mut(obj) else {
        return Ok(());
    };
    if !info.namespaced {
        m.remove("namespace");
        return Ok(());
    }
    let body_ns = m.get("namespace").and_then(Value::as_str).unwrap_or("");
    match url_namespace {
        Some(ns) if body_ns.is_empty() => {
            m.insert("namespace".into(), json!(ns));
            Ok(())
        }
        Some(ns) if body_ns != ns => Err(ApiError::BadRequest(
            "the namespace of the provided object does not match the namespace sent on the request"
                .into(),
        )),
        Some(_) => Ok(()),
        None => Err(ApiError::BadRequest(
            "the server could not find the requested resource".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_bumps_only_on_spec_change() {
        let old = json!({"metadata":{"name":"a","uid":"u","generation":3,"creationTimestamp":"t"},"spec":{"replicas":1},"status":{"x":1}});
        let mut same = json!({"metadata":{"name":"a","labels":{"a":"b"}},"spec":{"replicas":1},"status":{"x":9}});
        prepare_update(&old, &mut same, Update::Main);
        assert_eq!(same["metadata"]["generation"], 3);
        assert_eq!(same["status"]["x"], 1, "main writes keep the status");
        assert_eq!(same["metadata"]["uid"], "u");
        let mut changed = json!({"metadata":{"name":"a"},"spec":{"replicas":2}});
        prepare_update(&old, &mut changed, Update::Main);
        assert_eq!(changed["metadata"]["generation"], 4);
    }

    #[test]
    fn status_update_changes_only_status() {
        let old = json!({"metadata":{"name":"a","generation":1},"spec":{"replicas":1}});
        let mut new = json!({"metadata":{"name":"a","labels":{"x":"y"},"resourceVersion":"7"},"spec":{"replicas":5},"status":{"ready":1}});
        prepare_update(&old, &mut new, Update::Status);
        assert_eq!(new["spec"]["replicas"], 1);
        assert_eq!(new["status"]["ready"], 1);
        assert!(new["metadata"].get("labels").is_none());
        assert_eq!(new["metadata"]["resourceVersion"], "7");
    }

    #[test]
    fn generate_name_appends_suffix() {
        let mut o = json!({"metadata":{"generateName":"web-"}});
        generate_name(&mut o);
        let name = o["metadata"]["name"].as_str().unwrap();
        assert!(name.starts_with("web-") && name.len() == 9);
    }
}
