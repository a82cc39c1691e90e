//! WATCH: a stream of newline-terminated JSON events (ADDED, MODIFIED, DELETED, BOOKMARK,
//! ERROR) from a resourceVersion, filtered by selectors with kube-apiserver's transitions (an
//! object that stops matching is DELETED for this watcher, one that starts matching is ADDED).

use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use enclave_api::{ApiError, ResourceInfo};
use enclave_store::{Event, RangeRequest, Revision, StoreError};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::convert;
use crate::filter::ListFilter;
use crate::handlers::{Ctx, store_error};
use crate::meta;
use crate::negotiate::Representation;
use crate::tables::{self, IncludeObject};

/// How the objects of events are written.
#[derive(Clone, Copy)]
enum EventEncoding {
    Object,
    Table {
        include: IncludeObject,
        v1beta1: bool,
    },
    Metadata {
        v1beta1: bool,
    },
}

struct Encoder {
    resource: &'static ResourceInfo,
    encoding: EventEncoding,
    sent_columns: bool,
}

impl Encoder {
    fn event(&mut self, kind: &str, obj: &Value) -> Bytes {
        let object = match self.encoding {
            EventEncoding::Object => obj.clone(),
            EventEncoding::Metadata { v1beta1 } => tables::partial_metadata(obj, v1beta1),
            EventEncoding::Table { include, v1beta1 } => {
                // As kube-apiserver: the column definitions travel with the first event only.
                let headers = !self.sent_columns;
                self.sent_columns = true;
                tables::single(self.resource, obj, include, v1beta1, headers)
            }
        };
        line(&json!({"type": kind, "object": object}))
    }

    fn bookmark(&self, revision: Revision, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": revision.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let (api_version, kind) = match self.encoding {
            EventEncoding::Object => (self.resource.api_version(), self.resource.kind.to_string()),
            EventEncoding::Table { v1beta1, .. } => (meta_version(v1beta1), "Table".into()),
            EventEncoding::Metadata { v1beta1 } => {
                (meta_version(v1beta1), "PartialObjectMetadata".into())
            }
        };
        line(&json!({
            "type": "BOOKMARK",
            "object": {"kind": kind, "apiVersion": api_version, "metadata": metadata},
        }))
    }
}

fn meta_version(v1beta1: bool) -> String {
    if v1beta1 {
        "meta.k8s.io/v1beta1".into()
    } else {
        "meta.k8s.io/v1".into()
    }
}

fn line(v: &Value) -> Bytes {
    let mut out = serde_json::to_vec(v).unwrap_or_default();
    out.push(b'\n');
    Bytes::from(out)
}

fn error_line(err: &ApiError) -> Bytes {
    line(&json!({"type": "ERROR", "object": err.to_status()}))
}

/// GET on a collection with `watch=true`.
pub(crate) async fn watch(ctx: &Ctx) -> Result<Response, ApiError> {
    let repr = ctx.representation()?;
    let resource = ctx.resource;
    let filter = ListFilter::parse(
        resource,
        ctx.params.get("labelSelector"),
        ctx.params.get("fieldSelector"),
    )?;
    let prefix = match ctx.namespace() {
        Some(ns) => resource.namespace_prefix(ns),
        None => resource.key_prefix(),
    };
    let rv_param = ctx.params.get("resourceVersion").unwrap_or("");
    let start: Option<Revision> = match rv_param {
        "" | "0" => None,
        s => Some(
            s.parse()
                .map_err(|_| ApiError::BadRequest(format!("invalid resource version {s:?}")))?,
        ),
    };
    let send_initial = ctx.params.flag("sendInitialEvents") || start.is_none();
    let bookmarks = ctx.params.flag("allowWatchBookmarks");
    let timeout = ctx
        .params
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(ctx.server.config.max_watch_timeout)
        .min(ctx.server.config.max_watch_timeout);
    let bookmark_interval = ctx.server.config.bookmark_interval;
    let encoding = match repr {
        Representation::Table { v1beta1 } => EventEncoding::Table {
            include: tables::include_object(ctx.params.get("includeObject")),
            v1beta1,
        },
        Representation::PartialMetadata { v1beta1 } => EventEncoding::Metadata { v1beta1 },
        _ => EventEncoding::Object,
    };
    let mut encoder = Encoder {
        resource,
        encoding,
        sent_columns: false,
    };
    let store = ctx.server.store.clone();
    let mut shutdown = ctx.server.shutdown.subscribe();
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(16);

    // Initial state (rv unset or 0, or sendInitialEvents): synthetic ADDED events at one
    // revision, then the changes after it.
    let mut initial = Vec::new();
    let mut from = start.unwrap_or(0);
    if send_initial {
        let mut start_after = None;
        let mut revision = start;
        loop {
            let page = store
                .range(RangeRequest {
                    prefix: prefix.clone(),
                    start_after: start_after.clone(),
                    limit: Some(500),
                    revision,
                })
                .await
                .map_err(|e| store_error(resource, "", e))?;
            revision = Some(page.revision);
            for kv in &page.kvs {
                let obj = convert::from_storage(resource, meta::decode(kv)?);
                if filter.matches(&obj) {
                    initial.push(encoder.event("ADDED", &obj));
                }
            }
            match (page.more, page.kvs.last()) {
                (true, Some(last)) => start_after = Some(last.key.clone()),
                _ => break,
            }
        }
        from = revision.unwrap_or(0);
        if ctx.params.flag("sendInitialEvents") && bookmarks {
            initial.push(encoder.bookmark(from, true));
        }
    }
    let events = store.watch(&prefix, from).await;
    tokio::spawn(async move {
        for chunk in initial {
            if tx.send(Ok(chunk)).await.is_err() {
                return;
            }
        }
        let mut events = match events {
            Ok(s) => s,
            Err(e) => {
                let err = store_error(resource, "", e);
                let _ = tx.send(Ok(error_line(&err))).await;
                return;
            }
        };
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut ticker = tokio::time::interval(bookmark_interval);
        ticker.reset();
        let mut last_revision = from;
        loop {
            tokio::select! {
                _ = &mut deadline => return,
                _ = shutdown.changed() => return,
                _ = ticker.tick(), if bookmarks => {
                    if tx.send(Ok(encoder.bookmark(last_revision, false))).await.is_err() {
                        return;
                    }
                }
                next = events.next() => {
                    let chunk = match next {
                        None => return,
                        Some(Err(e)) => {
                            let err = match e {
                                StoreError::Compacted { requested, compacted } => ApiError::Expired(
                                    format!("too old resource version: {requested} ({compacted})"),
                                ),
                                other => store_error(resource, "", other),
                            };
                            let _ = tx.send(Ok(error_line(&err))).await;
                            return;
                        }
                        Some(Ok(event)) => {
                            last_revision = event.revision();
                            match translate(resource, &filter, &event) {
                                Some((kind, obj)) => encoder.event(kind, &obj),
                                None => continue,
                            }
                        }
                    };
                    if tx.send(Ok(chunk)).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    let content_type = match repr {
        Representation::Table { v1beta1: false } => "application/json;as=Table;v=v1;g=meta.k8s.io",
        Representation::Table { v1beta1: true } => {
            "application/json;as=Table;v=v1beta1;g=meta.k8s.io"
        }
        _ => "application/json",
    };
    let mut resp = crate::handlers::streaming_response(
        content_type,
        Body::from_stream(ReceiverStream::new(rx)),
    );
    resp.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-cache, private"),
    );
    Ok(resp)
}

/// The watch event a store change is for this watcher, if any.
fn translate(
    resource: &'static ResourceInfo,
    filter: &ListFilter,
    event: &Event,
) -> Option<(&'static str, Value)> {
    match event {
        Event::Put { kv, prev } => {
            let obj = convert::from_storage(resource, meta::decode(kv).ok()?);
            let now = filter.matches(&obj);
            let before = match prev {
                Some(p) => meta::decode(p)
                    .ok()
                    .map(|o| convert::from_storage(resource, o))
                    .is_some_and(|o| filter.matches(&o)),
                None => false,
            };
            match (prev.is_some() && before, now) {
                (true, true) => Some(("MODIFIED", obj)),
                (false, true) => Some(("ADDED", obj)),
                (true, false) => Some(("DELETED", obj)),
                (false, false) => None,
            }
        }
        Event::Delete { kv } => {
            let obj = convert::from_storage(resource, meta::decode(kv).ok()?);
            filter.matches(&obj).then_some(("DELETED", obj))
        }
    }
}
