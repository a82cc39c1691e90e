//! Coalesced pod status writes: the latest status of each pod waits in a queue; a fixed set
//! of writers sends them through the status subresource, one write per pod at a time, so a
//! burst of changes to one pod becomes one write and a thousand pods never mean a thousand
//! concurrent requests.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Patch, PatchParams};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// How many status writes are in flight at once.
pub(crate) const WRITERS: usize = 16;

/// A status to write.
#[derive(Debug, Clone)]
pub(crate) struct StatusUpdate {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) uid: String,
    pub(crate) status: Value,
}

#[derive(Debug, Default)]
struct Queue {
    order: VecDeque<String>,
    latest: HashMap<String, StatusUpdate>,
    in_flight: HashSet<String>,
}

/// The queue of status writes.
#[derive(Debug, Default)]
pub(crate) struct StatusWriter {
    queue: Mutex<Queue>,
    wakeup: Notify,
}

impl StatusWriter {
    /// Queues `update`, replacing a queued status of the same pod.
    pub(crate) fn submit(&self, update: StatusUpdate) {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let uid = update.uid.clone();
        let fresh = queue.latest.insert(uid.clone(), update).is_none();
        if fresh && !queue.in_flight.contains(&uid) {
            queue.order.push_back(uid);
            drop(queue);
            self.wakeup.notify_one();
        }
    }

    /// Forgets a queued status (the pod is gone).
    pub(crate) fn forget(&self, uid: &str) {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.latest.remove(uid);
        queue.order.retain(|u| u != uid);
    }

    fn take(&self) -> Option<StatusUpdate> {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some(uid) = queue.order.pop_front() {
            if let Some(update) = queue.latest.remove(&uid) {
                queue.in_flight.insert(uid);
                return Some(update);
            }
        }
        None
    }

    fn finish(&self, uid: &str) {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.in_flight.remove(uid);
        if queue.latest.contains_key(uid) {
            queue.order.push_back(uid.to_string());
            drop(queue);
            self.wakeup.notify_one();
        }
    }

    /// Runs the writers (forever; the runtime aborts them when it stops).
    pub(crate) async fn run(self: Arc<Self>, client: kube::Client) {
        let workers = (0..WRITERS).map(|_| {
            let this = self.clone();
            let client = client.clone();
            async move {
                loop {
                    let notified = this.wakeup.notified();
                    match this.take() {
                        Some(update) => {
                            if let Err(e) = write_status(&client, &update).await {
                                tracing::debug!(pod = %update.name, namespace = %update.namespace, error = %e, "pod status not written");
                            }
                            this.finish(&update.uid);
                        }
                        None => notified.await,
                    }
                }
            }
        });
        futures::future::join_all(workers).await;
    }
}

/// Writes one status through the status subresource. A JSON patch that first tests the uid
/// keeps a late write from landing on a new pod of the same name.
pub(crate) async fn write_status(
    client: &kube::Client,
    update: &StatusUpdate,
) -> Result<(), kube::Error> {
    let api: Api<Pod> = Api::namespaced(client.clone(), &update.namespace);
    let mut ops = vec![json!({ "op": "test", "path": "/metadata/uid", "value": update.uid })];
    if let Some(fields) = update.status.as_object() {
        for (field, value) in fields {
            ops.push(json!({ "op": "add", "path": format!("/status/{field}"), "value": value }));
        }
    }
    let patch: json_patch::Patch =
        serde_json::from_value(Value::Array(ops)).map_err(kube::Error::SerdeError)?;
    api.patch_status(
        &update.name,
        &PatchParams::default(),
        &Patch::<()>::Json(patch),
    )
    .await
    .map(drop)
}
