//! Content negotiation: which representation a client accepts (object, Table, metadata, YAML)
//! and how to read a request body of a given media type.

use enclave_api::ApiError;
use serde_json::Value;

/// The representation of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    /// The object or list as JSON.
    Json,
    /// The object or list as YAML.
    Yaml,
    /// A `meta.k8s.io` Table (`v1` or `v1beta1`).
    Table {
        /// The Table's version: `v1` or `v1beta1`.
        v1beta1: bool,
    },
    /// `PartialObjectMetadata` (list) of `meta.k8s.io/v1`.
    PartialMetadata {
        /// The Table's version: `v1` or `v1beta1`.
        v1beta1: bool,
    },
}

/// One entry of an Accept header.
#[derive(Debug, Default)]
struct MediaRange<'a> {
    essence: &'a str,
    as_kind: Option<&'a str>,
    group: Option<&'a str>,
    version: Option<&'a str>,
}

fn parse_media_range(s: &str) -> MediaRange<'_> {
    let mut parts = s.split(';').map(str::trim);
    let mut range = MediaRange {
        essence: parts.next().unwrap_or(""),
        ..MediaRange::default()
    };
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            let v = v.trim().trim_matches('"');
            match k.trim() {
                "as" => range.as_kind = Some(v),
                "g" => range.group = Some(v),
                "v" => range.version = Some(v),
                _ => {}
            }
        }
    }
    range
}

/// Picks the representation for an Accept header (first acceptable entry wins, as in
/// kube-apiserver); `None` when nothing the client accepts can be produced.
pub fn representation(accept: Option<&str>) -> Option<Representation> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(Representation::Json);
    };
    for entry in accept.split(',') {
        let range = parse_media_range(entry.trim());
        let json_like = matches!(range.essence, "application/json" | "*/*" | "application/*");
        match range.as_kind {
            Some("Table") if json_like && range.group == Some("meta.k8s.io") => {
                match range.version {
                    Some("v1") => return Some(Representation::Table { v1beta1: false }),
                    Some("v1beta1") => return Some(Representation::Table { v1beta1: true }),
                    _ => continue,
                }
            }
            Some("PartialObjectMetadata" | "PartialObjectMetadataList")
                if json_like && range.group == Some("meta.k8s.io") =>
            {
                match range.version {
                    Some("v1") => {
                        return Some(Representation::PartialMetadata { v1beta1: false });
                    }
                    Some("v1beta1") => {
                        return Some(Representation::PartialMetadata { v1beta1: true });
                    }
                    _ => continue,
                }
            }
            Some(_) => continue,
            None => {}
        }
        if json_like {
            return Some(Representation::Json);
        }
        if matches!(range.essence, "application/yaml" | "text/yaml") {
            return Some(Representation::Yaml);
        }
    }
    None
}

/// The 406 answer when no representation fits.
pub fn not_acceptable() -> ApiError {
    ApiError::NotAcceptable(
        "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf".into(),
    )
}

/// The media types a body may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    /// `application/json` (also assumed when no Content-Type is sent).
    Json,
    /// `application/yaml`.
    Yaml,
    /// `application/vnd.kubernetes.protobuf`.
    Protobuf,
    /// `application/json-patch+json`.
    JsonPatch,
    /// `application/merge-patch+json`.
    MergePatch,
    /// `application/strategic-merge-patch+json`.
    StrategicMergePatch,
    /// `application/apply-patch+yaml` (server-side apply; JSON is valid YAML).
    ApplyPatch,
}

/// The media types accepted for creates and updates, as kube-apiserver lists them.
pub const OBJECT_MEDIA_TYPES: &str =
    "application/json, application/yaml, application/vnd.kubernetes.protobuf";
/// The media types accepted for patches.
pub const PATCH_MEDIA_TYPES: &str = "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml";

/// Reads a Content-Type header.
pub fn body_type(content_type: Option<&str>) -> Option<BodyType> {
    let essence = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    Some(match essence.as_str() {
        "" | "application/json" => BodyType::Json,
        "application/yaml" | "text/yaml" | "application/x-yaml" => BodyType::Yaml,
        "application/vnd.kubernetes.protobuf" => BodyType::Protobuf,
        "application/json-patch+json" => BodyType::JsonPatch,
        "application/merge-patch+json" => BodyType::MergePatch,
        "application/strategic-merge-patch+json" => BodyType::StrategicMergePatch,
        "application/apply-patch+yaml" | "application/apply-patch+json" => BodyType::ApplyPatch,
        _ => return None,
    })
}

/// Decodes an object body (create, update) into JSON.
pub fn decode_object(body: &[u8], kind: BodyType) -> Result<Value, ApiError> {
    match kind {
        BodyType::Json => decode_json(body),
        BodyType::Yaml => decode_yaml(body),
        BodyType::Protobuf => decode_protobuf(body),
        _ => Err(ApiError::UnsupportedMediaType(OBJECT_MEDIA_TYPES.into())),
    }
}

/// Decodes a Kubernetes protobuf body (`k8s\0` envelope).
fn decode_protobuf(body: &[u8]) -> Result<Value, ApiError> {
    enclave_protobuf::decode(body).map_err(|e| {
        if e.http_status() == 415 {
            ApiError::UnsupportedMediaType(OBJECT_MEDIA_TYPES.into())
        } else {
            ApiError::BadRequest(format!("unable to decode protobuf body: {e}"))
        }
    })
}

/// Decodes a JSON body, with kube-apiserver's wording for malformed input.
pub fn decode_json(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest(
            "couldn't get version/kind; json parse error: unexpected end of JSON input".into(),
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::BadRequest(format!(
            "couldn't get version/kind; json parse error: {}",
            json_error_text(&e)
        ))
    })
}

/// Decodes a YAML (or JSON) body.
pub fn decode_yaml(body: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::BadRequest("error converting YAML to JSON: invalid UTF-8".into()))?;
    // JSON is YAML, and serde_json reports JSON errors better.
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return Ok(v);
    }
    serde_saphyr::from_str::<Value>(text)
        .map_err(|e| ApiError::BadRequest(format!("error converting YAML to JSON: {e}")))
}

fn json_error_text(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of JSON input".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_table_accept_gives_table() {
        let a = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(
            representation(Some(a)),
            Some(Representation::Table { v1beta1: false })
        );
    }

    #[test]
    fn protobuf_first_falls_back_to_json() {
        let a = "application/vnd.kubernetes.protobuf,application/json";
        assert_eq!(representation(Some(a)), Some(Representation::Json));
        assert_eq!(
            representation(Some("application/vnd.kubernetes.protobuf")),
            None
        );
        assert_eq!(representation(None), Some(Representation::Json));
        assert_eq!(
            representation(Some("application/yaml")),
            Some(Representation::Yaml)
        );
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        let err = decode_json(b"{\"kind\":").unwrap_err();
        assert_eq!(err.code(), 400);
        assert!(err.to_string().contains("unexpected end of JSON input"));
    }

    #[test]
    fn body_types() {
        assert_eq!(body_type(None), Some(BodyType::Json));
        assert_eq!(
            body_type(Some(
                "application/strategic-merge-patch+json; charset=utf-8"
            )),
            Some(BodyType::StrategicMergePatch)
        );
        assert_eq!(body_type(Some("text/plain")), None);
    }
}
