//! Events as kubelet records them (core/v1, source `kubelet` on the node): emitted without
//! waiting, written by one background writer with bounded concurrency, repeats of the same
//! event aggregated into its `count`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::time::rfc3339_seconds;

/// How many event writes are in flight at once.
const WRITERS: usize = 8;
/// How many distinct events are remembered for aggregation.
const REMEMBERED: usize = 4096;

/// The pod an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PodRef {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) uid: String,
    pub(crate) node: String,
}

/// One event to record.
#[derive(Debug, Clone)]
pub(crate) struct EventRecord {
    pub(crate) pod: Arc<PodRef>,
    /// `spec.containers{web}`, or none for the pod itself.
    pub(crate) field_path: Option<String>,
    pub(crate) warning: bool,
    pub(crate) reason: &'static str,
    pub(crate) message: String,
}

/// The sending side; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Events {
    tx: mpsc::UnboundedSender<EventRecord>,
}

impl Events {
    pub(crate) fn new() -> (Self, mpsc::UnboundedReceiver<EventRecord>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Events { tx }, rx)
    }

    pub(crate) fn emit(&self, record: EventRecord) {
        // The writer only stops with the runtime; events after that are not needed.
        let _ = self.tx.send(record);
    }
}

/// The field path of a container: `spec.containers{web}` or `spec.initContainers{init}`.
pub(crate) fn field_path(init: bool, container: &str) -> String {
    if init {
        format!("spec.initContainers{{{container}}}")
    } else {
        format!("spec.containers{{{container}}}")
    }
}

/// The JSON of a new event.
pub(crate) fn event_json(record: &EventRecord, name: &str, now: Timestamp) -> Value {
    let at = rfc3339_seconds(now);
    let mut involved = json!({
        "kind": "Pod",
        "namespace": record.pod.namespace,
        "name": record.pod.name,
        "uid": record.pod.uid,
        "apiVersion": "v1",
    });
    if let Some(path) = &record.field_path {
        involved["fieldPath"] = json!(path);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": { "name": name, "namespace": record.pod.namespace },
        "involvedObject": involved,
        "reason": record.reason,
        "message": record.message,
        "source": { "component": "kubelet", "host": record.pod.node },
        "firstTimestamp": at,
        "lastTimestamp": at,
        "count": 1,
        "type": if record.warning { "Warning" } else { "Normal" },
        "eventTime": null,
        "reportingComponent": "kubelet",
        "reportingInstance": record.pod.node,
    })
}

type AggregationKey = (String, Option<String>, &'static str, String);

/// Writes events until every sender is gone.
pub(crate) async fn run_writer(client: kube::Client, rx: mpsc::UnboundedReceiver<EventRecord>) {
    let seen: Arc<Mutex<HashMap<AggregationKey, (String, u32)>>> = Arc::default();
    let sequence = Arc::new(AtomicU64::new(0));
    tokio_stream_from(rx)
        .map(|record| {
            let client = client.clone();
            let seen = seen.clone();
            let sequence = sequence.clone();
            async move { write_one(client, &seen, &sequence, record).await }
        })
        .buffer_unordered(WRITERS)
        .for_each(|()| async {})
        .await;
}

fn tokio_stream_from(
    mut rx: mpsc::UnboundedReceiver<EventRecord>,
) -> impl futures::Stream<Item = EventRecord> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

async fn write_one(
    client: kube::Client,
    seen: &Mutex<HashMap<AggregationKey, (String, u32)>>,
    sequence: &AtomicU64,
    record: EventRecord,
) {
    let now = Timestamp::now();
    let api: Api<Event> = Api::namespaced(client, &record.pod.namespace);
    let key: AggregationKey = (
        record.pod.uid.clone(),
        record.field_path.clone(),
        record.reason,
        record.message.clone(),
    );
    let repeat = {
        let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
        match seen.get_mut(&key) {
            Some((name, count)) => {
                *count += 1;
                Some((name.clone(), *count))
            }
            None => {
                if seen.len() >= REMEMBERED {
                    seen.clear();
                }
                None
            }
        }
    };
    if let Some((name, count)) = repeat {
        let patch = json!({ "count": count, "lastTimestamp": rfc3339_seconds(now) });
        match api
            .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(_) => return,
            Err(e) => {
                tracing::debug!(event = %name, error = %e, "event aggregation failed; recording anew")
            }
        }
    }
    // kubelet names events `<object>.<unix nanos in hex>`; the sequence keeps two events of
    // the same nanosecond apart.
    let nanos = u64::try_from(now.as_nanosecond()).unwrap_or(0);
    let unique = nanos.max(sequence.fetch_add(1, Ordering::Relaxed));
    sequence.fetch_max(unique + 1, Ordering::Relaxed);
    let name = format!("{}.{unique:x}", record.pod.name);
    let event: Event = match serde_json::from_value(event_json(&record, &name, now)) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(error = %e, "event does not decode");
            return;
        }
    };
    match api.create(&PostParams::default(), &event).await {
        Ok(_) => {
            seen.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key, (name, 1));
        }
        Err(e) => {
            tracing::debug!(pod = %record.pod.name, reason = record.reason, error = %e, "event not recorded")
        }
    }
}
