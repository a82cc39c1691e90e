//! Events of the workload controllers, published with kube's `Recorder` under the reporting
//! controller names kube-controller-manager uses.

use std::collections::HashMap;
use std::sync::Mutex;

use k8s_openapi::api::core::v1::ObjectReference;
use kube::Client;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};

/// Recorders kept at most; beyond this the cache starts afresh (only the series counting of
/// repeated events is lost).
const MAX_RECORDERS: usize = 1024;

/// Publishes events for one controller. A `Recorder` folds repeated events with the same
/// reason into one series and keeps the first note, so each distinct (object, reason, note)
/// gets its own recorder: "Created pod: a" and "Created pod: b" stay two events.
pub(crate) struct EventPublisher {
    client: Client,
    controller: &'static str,
    recorders: Mutex<HashMap<String, Recorder>>,
}

impl EventPublisher {
    /// A publisher reporting as `controller` (e.g. `replicaset-controller`).
    pub(crate) fn new(client: Client, controller: &'static str) -> Self {
        Self {
            client,
            controller,
            recorders: Mutex::new(HashMap::new()),
        }
    }

    fn recorder_for(&self, key: String) -> Recorder {
        let mut recorders = match self.recorders.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if recorders.len() >= MAX_RECORDERS && !recorders.contains_key(&key) {
            recorders.clear();
        }
        recorders
            .entry(key)
            .or_insert_with(|| {
                Recorder::new(
                    self.client.clone(),
                    Reporter {
                        controller: self.controller.into(),
                        instance: None,
                    },
                )
            })
            .clone()
    }

    /// Publishes an event about `regarding`. A failure is logged: events are best effort.
    pub(crate) async fn publish(
        &self,
        regarding: &ObjectReference,
        type_: EventType,
        reason: &str,
        action: &str,
        note: String,
    ) {
        let key = format!(
            "{}/{}/{}\0{reason}\0{note}",
            regarding.namespace.as_deref().unwrap_or(""),
            regarding.name.as_deref().unwrap_or(""),
            regarding.uid.as_deref().unwrap_or(""),
        );
        let recorder = self.recorder_for(key);
        let event = Event {
            type_,
            reason: reason.into(),
            note: Some(note),
            action: action.into(),
            secondary: None,
        };
        if let Err(error) = recorder.publish(&event, regarding).await {
            tracing::debug!(controller = self.controller, %error, reason, "event not recorded");
        }
    }
}
