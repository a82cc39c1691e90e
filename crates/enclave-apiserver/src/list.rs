//! LIST: paged reads from the store at one revision, filtered by selectors, streamed to the
//! client item by item so memory does not grow with the size of the list.

use axum::body::Body;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::{BufMut, Bytes, BytesMut};
use enclave_api::ApiError;
use enclave_store::{RangeRequest, Revision};
use http::StatusCode;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::convert;
use crate::filter::ListFilter;
use crate::handlers::{Ctx, store_error};
use crate::meta;
use crate::negotiate::Representation;
use crate::response;
use crate::tables::{self, IncludeObject};

/// Keys read from the store per page.
const PAGE: usize = 500;
/// Bytes buffered before a chunk is sent.
const CHUNK: usize = 64 * 1024;

/// Where a list starts: its revision and the key after which to continue.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    revision: Option<Revision>,
    start_after: Option<String>,
}

fn encode_continue(revision: Revision, last_key: &str) -> String {
    let token = json!({"v": "meta.k8s.io/v1", "rv": revision, "start": last_key});
    URL_SAFE_NO_PAD.encode(token.to_string())
}

fn decode_continue(token: &str, prefix: &str) -> Result<Cursor, ApiError> {
    let bad = || ApiError::BadRequest(format!("continue key is not valid: {token}"));
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let rv = v.get("rv").and_then(Value::as_u64).ok_or_else(bad)?;
    let start = v.get("start").and_then(Value::as_str).ok_or_else(bad)?;
    // A token from another list must not read outside this one.
    if !start.starts_with(prefix) {
        return Err(bad());
    }
    Ok(Cursor {
        revision: Some(rv),
        start_after: Some(start.to_string()),
    })
}

struct ListPlan {
    prefix: String,
    cursor: Cursor,
    limit: Option<usize>,
    filter: ListFilter,
}

fn plan(ctx: &Ctx) -> Result<ListPlan, ApiError> {
    let resource = ctx.resource;
    let prefix = match ctx.namespace() {
        Some(ns) => resource.namespace_prefix(ns),
        None => resource.key_prefix(),
    };
    let filter = ListFilter::parse(
        resource,
        ctx.params.get("labelSelector"),
        ctx.params.get("fieldSelector"),
    )?;
    let limit = match ctx.params.get("limit") {
        None | Some("") => None,
        Some(l) => match l.parse::<i64>() {
            Ok(n) if n > 0 => Some(n as usize),
            Ok(_) => None,
            Err(_) => {
                return Err(ApiError::BadRequest(format!(
                    "invalid limit {l:?}: must be an integer"
                )));
            }
        },
    };
    let rv_param = ctx.params.get("resourceVersion").unwrap_or("");
    let cursor = match ctx.params.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => {
            if !rv_param.is_empty() && rv_param != "0" {
                return Err(ApiError::BadRequest(
                    "specifying resource version is not allowed when using continue".into(),
                ));
            }
            decode_continue(token, &prefix)?
        }
        None => {
            let exact = ctx.params.get("resourceVersionMatch") == Some("Exact");
            let revision = if exact {
                Some(rv_param.parse::<u64>().map_err(|_| {
                    ApiError::BadRequest(format!(
                        "invalid resource version {rv_param:?} for resourceVersionMatch=Exact"
                    ))
                })?)
            } else {
                if !rv_param.is_empty() && rv_param.parse::<u64>().is_err() {
                    return Err(ApiError::BadRequest(format!(
                        "invalid resource version {rv_param:?}"
                    )));
                }
                None
            };
            Cursor {
                revision,
                start_after: None,
            }
        }
    };
    Ok(ListPlan {
        prefix,
        cursor,
        limit,
        filter,
    })
}

/// Reads every object the request's selectors match (for deletecollection).
pub(crate) async fn matching_objects(ctx: &Ctx) -> Result<Vec<Value>, ApiError> {
    let plan = plan(ctx)?;
    let mut out = Vec::new();
    let mut start_after = None;
    loop {
        let page = ctx
            .server
            .store
            .range(RangeRequest {
                prefix: plan.prefix.clone(),
                start_after: start_after.clone(),
                limit: Some(PAGE),
                revision: None,
            })
            .await
            .map_err(|e| store_error(ctx.resource, "", e))?;
        for kv in &page.kvs {
            let obj = convert::from_storage(ctx.resource, meta::decode(kv)?);
            if plan.filter.matches(&obj) {
                out.push(obj);
            }
        }
        match (page.more, page.kvs.last()) {
            (true, Some(last)) => start_after = Some(last.key.clone()),
            _ => return Ok(out),
        }
    }
}

/// How list items are written.
#[derive(Clone, Copy)]
enum ItemEncoding {
    Object,
    Table {
        include: IncludeObject,
        v1beta1: bool,
    },
    Metadata {
        v1beta1: bool,
    },
}

/// GET on a collection.
pub(crate) async fn list(ctx: &Ctx) -> Result<Response, ApiError> {
    let repr = ctx.representation()?;
    let plan = plan(ctx)?;
    let resource = ctx.resource;
    let store = ctx.server.store.clone();
    // The first page is read before answering, so that a bad revision or a compacted
    // continue token is a proper error status rather than a broken stream.
    let first = store
        .range(RangeRequest {
            prefix: plan.prefix.clone(),
            start_after: plan.cursor.start_after.clone(),
            limit: Some(PAGE),
            revision: plan.cursor.revision,
        })
        .await
        .map_err(|e| match e {
            enclave_store::StoreError::Compacted { .. } if plan.cursor.start_after.is_some() => {
                ApiError::Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.".into())
            }
            other => store_error(resource, "", other),
        })?;
    let revision = first.revision;
    let list_kind = format!("{}List", resource.kind);
    let (encoding, head) = match repr {
        Representation::Table { v1beta1 } => {
            let include = tables::include_object(ctx.params.get("includeObject"));
            let head = json!({
                "kind": "Table",
                "apiVersion": if v1beta1 { "meta.k8s.io/v1beta1" } else { "meta.k8s.io/v1" },
                "columnDefinitions": tables::column_definitions(resource),
            });
            (ItemEncoding::Table { include, v1beta1 }, (head, "rows"))
        }
        Representation::PartialMetadata { v1beta1 } => (
            ItemEncoding::Metadata { v1beta1 },
            (
                json!({
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": if v1beta1 { "meta.k8s.io/v1beta1" } else { "meta.k8s.io/v1" },
                }),
                "items",
            ),
        ),
        _ => (
            ItemEncoding::Object,
            (
                json!({"kind": list_kind, "apiVersion": resource.api_version()}),
                "items",
            ),
        ),
    };
    let (head_value, items_field) = head;
    if repr == Representation::Yaml {
        // YAML is for people: build the whole list.
        let mut items = Vec::new();
        let mut page = first;
        loop {
            for kv in &page.kvs {
                let obj = convert::from_storage(resource, meta::decode(kv)?);
                if plan.filter.matches(&obj) {
                    items.push(obj);
                }
            }
            let Some(last) = page.kvs.last().filter(|_| page.more).map(|k| k.key.clone()) else {
                break;
            };
            page = store
                .range(RangeRequest {
                    prefix: plan.prefix.clone(),
                    start_after: Some(last),
                    limit: Some(PAGE),
                    revision: Some(revision),
                })
                .await
                .map_err(|e| store_error(resource, "", e))?;
        }
        let mut list = head_value;
        list["metadata"] = json!({"resourceVersion": revision.to_string()});
        list[items_field] = Value::Array(items);
        return Ok(response::object(StatusCode::OK, &list, repr));
    }

    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let head_text = head_value.to_string();
    let mut buf = BytesMut::with_capacity(CHUNK + 4096);
    buf.put_slice(&head_text.as_bytes()[..head_text.len() - 1]);
    buf.put_slice(format!(",\"{items_field}\":[").as_bytes());
    let prefix = plan.prefix;
    let filter = plan.filter;
    let limit = plan.limit;
    tokio::spawn(async move {
        let mut page = first;
        let mut written = 0usize;
        let mut continue_token = None;
        'pages: loop {
            let mut last_key = None;
            for kv in &page.kvs {
                last_key = Some(kv.key.clone());
                let Ok(obj) = meta::decode(kv) else { continue };
                let obj = convert::from_storage(resource, obj);
                if !filter.matches(&obj) {
                    continue;
                }
                if limit.is_some_and(|l| written >= l) {
                    // One more match exists beyond the limit: the client continues from the
                    // last key written.
                    break 'pages;
                }
                if written > 0 {
                    buf.put_u8(b',');
                }
                let item = match encoding {
                    ItemEncoding::Object => obj,
                    ItemEncoding::Table { include, v1beta1 } => {
                        tables::row(resource, &obj, include, v1beta1)
                    }
                    ItemEncoding::Metadata { v1beta1 } => tables::partial_metadata(&obj, v1beta1),
                };
                if serde_json::to_writer((&mut buf).writer(), &item).is_err() {
                    return;
                }
                written += 1;
                if limit == Some(written) {
                    continue_token = Some(kv.key.clone());
                }
                if buf.len() >= CHUNK && tx.send(Ok(buf.split().freeze())).await.is_err() {
                    return;
                }
            }
            let Some(last) = last_key.filter(|_| page.more) else {
                // Nothing beyond this page: no continue token, even if the limit was hit
                // exactly on the last item.
                continue_token = None;
                break;
            };
            let next = store
                .range(RangeRequest {
                    prefix: prefix.clone(),
                    start_after: Some(last),
                    limit: Some(PAGE),
                    revision: Some(revision),
                })
                .await;
            match next {
                Ok(p) => page = p,
                Err(e) => {
                    tracing::warn!(error = %e, "List stream aborted");
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            }
        }
        let mut metadata = json!({"resourceVersion": revision.to_string()});
        if let Some(last) = continue_token {
            metadata["continue"] = json!(encode_continue(revision, &last));
        }
        buf.put_slice(format!("],\"metadata\":{metadata}}}").as_bytes());
        let _ = tx.send(Ok(buf.freeze())).await;
    });
    let content_type = match repr {
        Representation::Table { v1beta1: false } => "application/json;as=Table;v=v1;g=meta.k8s.io",
        Representation::Table { v1beta1: true } => {
            "application/json;as=Table;v=v1beta1;g=meta.k8s.io"
        }
        _ => "application/json",
    };
    Ok(crate::handlers::streaming_response(
        content_type,
        Body::from_stream(ReceiverStream::new(rx)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_stay_in_their_prefix() {
        let t = encode_continue(42, "/registry/core/pods/a/web-1");
        let c = decode_continue(&t, "/registry/core/pods/a/").unwrap();
        assert_eq!(c.revision, Some(42));
        assert_eq!(
            c.start_after.as_deref(),
            Some("/registry/core/pods/a/web-1")
        );
        assert!(decode_continue(&t, "/registry/core/secrets/").is_err());
        assert!(decode_continue("!!!", "/").is_err());
    }
}
