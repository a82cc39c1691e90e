//! Decoding of Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`) into
//! the JSON objects kube-apiserver would see, for the kinds kubectl sends as protobuf.
//!
//! A body is the 4-byte prefix `k8s\0` followed by a `runtime.Unknown` message
//! `{1: typeMeta {1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding, 4: contentType}` whose
//! `raw` is the object's own protobuf encoding. A generic wire reader walks `raw` guided by a
//! schema table generated from the public API's field numbers (see `tools/gen_schema.py`).

mod decode;
mod schema;
mod schema_table;
mod special;
mod wire;

use serde_json::{Map, Value};

use crate::wire::{WireReader, WireValue};

/// The `Content-Type` of Kubernetes protobuf bodies.
pub const PROTOBUF_CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The prefix every Kubernetes protobuf body starts with.
pub const MAGIC: &[u8; 4] = b"k8s\0";

/// Why a protobuf body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The envelope is valid but names a kind this crate has no schema for (answer 415).
    #[error("no protobuf decoder for kind {kind:?} in apiVersion {api_version:?}")]
    UnsupportedKind {
        /// `apiVersion` from the envelope's typeMeta.
        api_version: String,
        /// `kind` from the envelope's typeMeta.
        kind: String,
    },
    /// The envelope's `contentEncoding` is set (no Kubernetes client compresses the inner
    /// object), so the object cannot be read (answer 415).
    #[error("unsupported protobuf content encoding {0:?}")]
    UnsupportedContentEncoding(String),
    /// The body does not start with `k8s\0` (answer 400).
    #[error("the body does not start with the Kubernetes protobuf prefix")]
    MissingMagic,
    /// The envelope has no typeMeta kind (answer 400).
    #[error("the protobuf envelope does not name a kind")]
    MissingKind,
    /// The bytes are not a valid encoding of the named message (answer 400).
    #[error("malformed protobuf in {message}: {reason}")]
    Malformed {
        /// The protobuf message being read when the problem was found.
        message: String,
        /// What was wrong.
        reason: String,
    },
    /// Messages nest deeper than any real Kubernetes object (answer 400).
    #[error("protobuf messages nest deeper than {limit} levels")]
    TooDeep {
        /// The nesting limit.
        limit: usize,
    },
}

impl DecodeError {
    /// The HTTP status kube-apiserver answers with: 415 Unsupported Media Type when the body is
    /// well-formed but its kind or encoding cannot be decoded, 400 Bad Request otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            DecodeError::UnsupportedKind { .. } | DecodeError::UnsupportedContentEncoding(_) => 415,
            _ => 400,
        }
    }
}

/// Decodes a Kubernetes protobuf body (`k8s\0` + `runtime.Unknown`) into the object's JSON, as
/// kube-apiserver would write it, with `kind` and `apiVersion` taken from the envelope.
///
/// Zero values follow Go's JSON rules for the target type: pointer fields keep a present zero
/// (`"replicas": 0`), `omitempty` value fields drop it, present empty messages are `{}` and an
/// empty `Time` is `null`. Unknown field numbers are skipped. Never panics.
pub fn decode(body: &[u8]) -> Result<Value, DecodeError> {
    decode_envelope(body, 0)
}

/// Whether a `Content-Type` header value names the Kubernetes protobuf media type (parameters
/// and letter case are ignored).
pub fn is_protobuf_content_type(content_type: &str) -> bool {
    content_type.split(';').next().is_some_and(|media_type| {
        media_type
            .trim()
            .eq_ignore_ascii_case(PROTOBUF_CONTENT_TYPE)
    })
}

/// Whether `decode` has a schema for this `apiVersion` and `kind`.
pub fn is_supported(api_version: &str, kind: &str) -> bool {
    find_kind(api_version, kind).is_some()
}

/// Every `(apiVersion, kind)` pair `decode` accepts.
pub fn supported_kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
    schema_table::ROOT_KINDS
        .iter()
        .map(|(api_version, kind, _)| (*api_version, *kind))
}

fn find_kind(api_version: &str, kind: &str) -> Option<&'static schema::MessageSchema> {
    schema_table::ROOT_KINDS
        .iter()
        .find(|(v, k, _)| *v == api_version && *k == kind)
        .map(|(_, _, message)| *message)
}

fn envelope_error(reason: String) -> DecodeError {
    DecodeError::Malformed {
        message: "runtime.Unknown".to_owned(),
        reason,
    }
}

/// Reads the envelope and decodes its object; `depth` counts envelopes nested in RawExtensions.
pub(crate) fn decode_envelope(body: &[u8], depth: usize) -> Result<Value, DecodeError> {
    if depth > decode::MAX_DEPTH {
        return Err(DecodeError::TooDeep {
            limit: decode::MAX_DEPTH,
        });
    }
    let Some(unknown) = body.strip_prefix(MAGIC.as_slice()) else {
        return Err(DecodeError::MissingMagic);
    };
    let mut type_meta: &[u8] = &[];
    let mut raw: &[u8] = &[];
    let mut content_encoding: &[u8] = &[];
    let mut reader = WireReader::new(unknown);
    while let Some((number, value)) = reader.next_field().map_err(envelope_error)? {
        match (number, value) {
            (1, WireValue::LengthDelimited(bytes)) => type_meta = bytes,
            (2, WireValue::LengthDelimited(bytes)) => raw = bytes,
            (3, WireValue::LengthDelimited(bytes)) => content_encoding = bytes,
            // contentType (4) only repeats the request's Content-Type.
            (4, WireValue::LengthDelimited(_)) => {}
            (1..=4, other) => {
                return Err(envelope_error(format!(
                    "field {number} has unexpected wire type {}",
                    other.wire_type_name()
                )));
            }
            _ => {}
        }
    }
    let mut api_version = String::new();
    let mut kind = String::new();
    let mut reader = WireReader::new(type_meta);
    while let Some((number, value)) = reader.next_field().map_err(envelope_error)? {
        match (number, value) {
            (1, WireValue::LengthDelimited(bytes)) => {
                api_version = String::from_utf8_lossy(bytes).into_owned();
            }
            (2, WireValue::LengthDelimited(bytes)) => {
                kind = String::from_utf8_lossy(bytes).into_owned();
            }
            (1 | 2, other) => {
                return Err(envelope_error(format!(
                    "typeMeta field {number} has unexpected wire type {}",
                    other.wire_type_name()
                )));
            }
            _ => {}
        }
    }
    if kind.is_empty() {
        return Err(DecodeError::MissingKind);
    }
    if !content_encoding.is_empty() {
        return Err(DecodeError::UnsupportedContentEncoding(
            String::from_utf8_lossy(content_encoding).into_owned(),
        ));
    }
    let Some(schema) = find_kind(&api_version, &kind) else {
        return Err(DecodeError::UnsupportedKind { api_version, kind });
    };
    let Value::Object(fields) = decode::decode_message(schema, raw, depth)? else {
        return Err(envelope_error("the object is not a message".to_owned()));
    };
    // Go writes TypeMeta first: kind, then apiVersion.
    let mut object = Map::new();
    object.insert("kind".to_owned(), Value::String(kind));
    object.insert("apiVersion".to_owned(), Value::String(api_version));
    object.extend(fields);
    Ok(Value::Object(object))
}

#[cfg(test)]
mod tests;
