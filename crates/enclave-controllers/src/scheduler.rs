//! The scheduler (`default-scheduler`): binds pending pods to Ready, schedulable Nodes through
//! the `pods/binding` subresource, and reports pods that fit nowhere (`FailedScheduling`
//! events and `PodScheduled=False`, reason `Unschedulable`).
//!
//! Nodes and pods are held in reflector caches, so a scheduling decision makes no request.
//! Decisions are taken in batches over one snapshot of node usage; a pod chosen for a node is
//! "assumed" there (counted in later snapshots) until the cache shows it bound, so that
//! concurrent binds never overcommit a node. Unschedulable pods wait until a node or a pod
//! changes in a way that could make room, or until a periodic retry.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Resource};
use serde_json::json;
use tokio::task::JoinSet;

use crate::services::scheduling::{
    NodeState, SCHEDULER_NAME, bound_node, choose_node, is_terminal, wants_scheduling,
};
use crate::{Context, Error};

/// How many binds and status reports may be in flight at once.
const MAX_IN_FLIGHT: usize = 256;
/// How often unschedulable pods are tried again even when nothing seemed to change.
const UNSCHEDULABLE_RETRY: Duration = Duration::from_secs(30);
/// How long a failed bind waits before its pod is tried again.
const BIND_RETRY: Duration = Duration::from_secs(1);
/// How many queued watch events are taken in before a scheduling batch runs.
const MAX_EVENTS_PER_TURN: usize = 2048;

/// A pod by namespace and name.
type PodKey = (String, String);

/// A change seen by one of the two watches.
enum Change {
    Node(Box<watcher::Event<Node>>),
    Pod(Box<watcher::Event<Pod>>),
}

/// What a finished background task tells the loop.
enum Outcome {
    /// The pod is bound (or another binder won); forget it.
    Done { key: PodKey },
    /// The bind failed: the pod is no longer assumed on its node and is tried again later.
    BindFailed { key: PodKey, uid: String },
    /// A delayed retry is due.
    Requeue { key: PodKey },
    /// A report (condition and event) was written.
    Reported,
}

/// Runs the scheduler.
pub(crate) async fn run(context: Context) -> Result<(), Error> {
    let client = context.client.clone();
    let (nodes, node_writer) = reflector::store();
    let (pods, pod_writer) = reflector::store();
    let node_changes = reflector::reflector(
        node_writer,
        watcher(Api::<Node>::all(client.clone()), watcher::Config::default()),
    )
    .default_backoff()
    .map(|e| e.map(|e| Change::Node(Box::new(e))));
    let pod_changes = reflector::reflector(pod_writer, crate::lean_pod_watcher(&client))
        .default_backoff()
        .map(|e| e.map(|e| Change::Pod(Box::new(e))));
    let mut changes = std::pin::pin!(futures::stream::select(node_changes, pod_changes));
    let mut scheduler = Scheduler::new(client, nodes, pods);
    let mut retry = tokio::time::interval(UNSCHEDULABLE_RETRY);
    loop {
        tokio::select! {
            change = changes.next() => match change {
                Some(Ok(change)) => scheduler.on_change(change),
                Some(Err(error)) => tracing::debug!(%error, "scheduler watch error; retrying"),
                None => return Ok(()),
            },
            Some(outcome) = scheduler.tasks.join_next(), if !scheduler.tasks.is_empty() => {
                scheduler.on_outcome(outcome);
            }
            _ = retry.tick() => scheduler.flush_unschedulable(),
        }
        // Take in whatever else is ready before deciding, so that a burst of new pods is
        // decided in a few batches rather than one snapshot per pod.
        for _ in 0..MAX_EVENTS_PER_TURN {
            match changes.next().now_or_never() {
                Some(Some(Ok(change))) => scheduler.on_change(change),
                Some(Some(Err(error))) => {
                    tracing::debug!(%error, "scheduler watch error; retrying")
                }
                Some(None) => return Ok(()),
                None => break,
            }
        }
        while let Some(Some(outcome)) = scheduler.tasks.join_next().now_or_never() {
            scheduler.on_outcome(outcome);
        }
        scheduler.schedule_batch();
    }
}

struct Scheduler {
    client: Client,
    recorder: Recorder,
    nodes: Store<Node>,
    pods: Store<Pod>,
    nodes_synced: bool,
    pods_synced: bool,
    queue: VecDeque<PodKey>,
    queued: HashSet<PodKey>,
    /// Pods that fit nowhere, with the generation they were tried at.
    unschedulable: HashMap<PodKey, Option<i64>>,
    /// Pods being bound, by UID: their key and the node they are counted on.
    assumed: HashMap<String, (PodKey, String)>,
    in_flight: HashSet<PodKey>,
    /// What of each node matters to scheduling, to retry only on relevant node changes.
    node_fingerprints: HashMap<String, String>,
    tasks: JoinSet<Outcome>,
}

impl Scheduler {
    fn new(client: Client, nodes: Store<Node>, pods: Store<Pod>) -> Self {
        let recorder = Recorder::new(
            client.clone(),
            Reporter {
                controller: SCHEDULER_NAME.into(),
                instance: None,
            },
        );
        Self {
            client,
            recorder,
            nodes,
            pods,
            nodes_synced: false,
            pods_synced: false,
            queue: VecDeque::new(),
            queued: HashSet::new(),
            unschedulable: HashMap::new(),
            assumed: HashMap::new(),
            in_flight: HashSet::new(),
            node_fingerprints: HashMap::new(),
            tasks: JoinSet::new(),
        }
    }

    fn enqueue(&mut self, key: PodKey) {
        if self.queued.insert(key.clone()) {
            self.queue.push_back(key);
        }
    }

    fn flush_unschedulable(&mut self) {
        let keys: Vec<PodKey> = self.unschedulable.drain().map(|(k, _)| k).collect();
        for key in keys {
            self.enqueue(key);
        }
    }

    fn on_change(&mut self, change: Change) {
        match change {
            Change::Node(event) => self.on_node(*event),
            Change::Pod(event) => self.on_pod(*event),
        }
    }

    fn on_node(&mut self, event: watcher::Event<Node>) {
        match event {
            watcher::Event::Apply(node) | watcher::Event::InitApply(node) => {
                let name = node.metadata.name.clone().unwrap_or_default();
                let fingerprint = node_fingerprint(&node);
                if self.node_fingerprints.get(&name) != Some(&fingerprint) {
                    self.node_fingerprints.insert(name, fingerprint);
                    self.flush_unschedulable();
                }
            }
            watcher::Event::Delete(node) => {
                if let Some(name) = &node.metadata.name {
                    self.node_fingerprints.remove(name);
                }
            }
            watcher::Event::Init => self.nodes_synced = false,
            watcher::Event::InitDone => {
                self.nodes_synced = true;
                self.flush_unschedulable();
            }
        }
    }

    fn on_pod(&mut self, event: watcher::Event<Pod>) {
        match event {
            watcher::Event::Apply(pod) | watcher::Event::InitApply(pod) => {
                let key = pod_key(&pod);
                let uid = pod.metadata.uid.clone().unwrap_or_default();
                if bound_node(&pod).is_some() || is_terminal(&pod) {
                    self.assumed.remove(&uid);
                    self.unschedulable.remove(&key);
                    if is_terminal(&pod) {
                        // A finished pod frees its node's resources.
                        self.flush_unschedulable();
                    }
                } else if wants_scheduling(&pod) && !self.in_flight.contains(&key) {
                    // A pod reported unschedulable changes (its own status write) without
                    // becoming schedulable; only a spec change retries it at once.
                    let generation = pod.metadata.generation;
                    match self.unschedulable.get(&key) {
                        Some(tried) if *tried == generation => {}
                        _ => {
                            self.unschedulable.remove(&key);
                            self.enqueue(key);
                        }
                    }
                }
            }
            watcher::Event::Delete(pod) => {
                let key = pod_key(&pod);
                if let Some(uid) = &pod.metadata.uid {
                    self.assumed.remove(uid);
                }
                self.unschedulable.remove(&key);
                if bound_node(&pod).is_some() {
                    self.flush_unschedulable();
                }
            }
            watcher::Event::Init => self.pods_synced = false,
            watcher::Event::InitDone => self.pods_synced = true,
        }
    }

    fn on_outcome(&mut self, outcome: Result<Outcome, tokio::task::JoinError>) {
        match outcome {
            Ok(Outcome::Done { key }) => {
                self.in_flight.remove(&key);
            }
            Ok(Outcome::BindFailed { key, uid }) => {
                self.in_flight.remove(&key);
                self.assumed.remove(&uid);
                self.tasks.spawn(async move {
                    tokio::time::sleep(BIND_RETRY).await;
                    Outcome::Requeue { key }
                });
            }
            Ok(Outcome::Requeue { key }) => self.enqueue(key),
            Ok(Outcome::Reported) => {}
            Err(error) => tracing::warn!(%error, "scheduler task failed"),
        }
    }

    /// The nodes with what is on them: bound pods from the cache, plus assumed ones.
    fn snapshot(&self) -> Vec<NodeState> {
        let mut nodes: Vec<NodeState> =
            self.nodes.state().into_iter().map(NodeState::new).collect();
        nodes.sort_by(|a, b| a.name().cmp(b.name()));
        let index: HashMap<String, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name().to_string(), i))
            .collect();
        for pod in self.pods.state() {
            if is_terminal(&pod) {
                continue;
            }
            let node = match bound_node(&pod) {
                Some(node) => Some(node),
                None => pod
                    .metadata
                    .uid
                    .as_ref()
                    .and_then(|uid| self.assumed.get(uid))
                    .map(|(_, node)| node.as_str()),
            };
            if let Some(&i) = node.and_then(|n| index.get(n)) {
                nodes[i].add_pod(&pod);
            }
        }
        nodes
    }

    fn schedule_batch(&mut self) {
        if !self.nodes_synced || !self.pods_synced || self.queue.is_empty() {
            return;
        }
        if self.tasks.len() >= MAX_IN_FLIGHT {
            return;
        }
        let mut snapshot = self.snapshot();
        while self.tasks.len() < MAX_IN_FLIGHT {
            let Some(key) = self.queue.pop_front() else {
                break;
            };
            self.queued.remove(&key);
            let Some(pod) = self.pods.get(&ObjectRef::<Pod>::new(&key.1).within(&key.0)) else {
                continue;
            };
            if !wants_scheduling(&pod) || self.in_flight.contains(&key) {
                continue;
            }
            match choose_node(&pod, &snapshot) {
                Ok(index) => {
                    snapshot[index].add_pod(&pod);
                    let node = snapshot[index].name().to_string();
                    let uid = pod.metadata.uid.clone().unwrap_or_default();
                    self.assumed
                        .insert(uid.clone(), (key.clone(), node.clone()));
                    self.in_flight.insert(key.clone());
                    let (client, recorder) = (self.client.clone(), self.recorder.clone());
                    self.tasks
                        .spawn(bind(client, recorder, pod, key, uid, node));
                }
                Err(message) => {
                    tracing::debug!(pod = %format!("{}/{}", key.0, key.1), %message, "unschedulable");
                    self.unschedulable.insert(key, pod.metadata.generation);
                    let (client, recorder) = (self.client.clone(), self.recorder.clone());
                    self.tasks
                        .spawn(report_unschedulable(client, recorder, pod, message));
                }
            }
        }
    }
}

fn pod_key(pod: &Pod) -> PodKey {
    (
        pod.metadata.namespace.clone().unwrap_or_default(),
        pod.metadata.name.clone().unwrap_or_default(),
    )
}

/// The parts of a node that scheduling reads; heartbeats do not change it.
fn node_fingerprint(node: &Node) -> String {
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .map(|c| c.status.clone());
    json!({
        "labels": node.metadata.labels,
        "spec": node.spec,
        "allocatable": node.status.as_ref().and_then(|s| s.allocatable.as_ref()),
        "ready": ready,
    })
    .to_string()
}

/// Binds a pod and records `Scheduled`.
async fn bind(
    client: Client,
    recorder: Recorder,
    pod: Arc<Pod>,
    key: PodKey,
    uid: String,
    node: String,
) -> Outcome {
    let (namespace, name) = (&key.0, &key.1);
    let api: Api<Pod> = Api::namespaced(client, namespace);
    let binding = json!({
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": name, "namespace": namespace, "uid": uid},
        "target": {"apiVersion": "v1", "kind": "Node", "name": node},
    });
    let result = api
        .create_subresource::<_, serde_json::Value>(
            "binding",
            name,
            &PostParams::default(),
            &binding,
        )
        .await;
    match result {
        Ok(_) => {
            let event = Event {
                type_: EventType::Normal,
                reason: "Scheduled".into(),
                note: Some(format!(
                    "Successfully assigned {namespace}/{name} to {node}"
                )),
                action: "Binding".into(),
                secondary: None,
            };
            if let Err(error) = recorder.publish(&event, &pod.object_ref(&())).await {
                tracing::debug!(%error, "could not record Scheduled");
            }
            Outcome::Done { key }
        }
        // Gone, or bound by someone else: the watch brings the news.
        Err(kube::Error::Api(status)) if status.code == 404 || status.code == 409 => {
            tracing::debug!(pod = %format!("{namespace}/{name}"), message = %status.message, "bind refused");
            Outcome::BindFailed { key, uid }
        }
        Err(error) => {
            tracing::warn!(pod = %format!("{namespace}/{name}"), %error, "bind failed");
            Outcome::BindFailed { key, uid }
        }
    }
}

/// Writes `PodScheduled=False` (reason `Unschedulable`) when it changed, and `FailedScheduling`.
async fn report_unschedulable(
    client: Client,
    recorder: Recorder,
    pod: Arc<Pod>,
    message: String,
) -> Outcome {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let existing = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "PodScheduled"));
    let unchanged = existing.is_some_and(|c| {
        c.status == "False"
            && c.reason.as_deref() == Some("Unschedulable")
            && c.message.as_deref() == Some(message.as_str())
    });
    if !unchanged {
        let transition = match existing {
            Some(c) if c.status == "False" => c
                .last_transition_time
                .as_ref()
                .map(|t| t.0.to_string())
                .unwrap_or_else(scheduling_now),
            _ => scheduling_now(),
        };
        let patch = json!({"status": {"conditions": [{
            "type": "PodScheduled",
            "status": "False",
            "reason": "Unschedulable",
            "message": message,
            "lastProbeTime": null,
            "lastTransitionTime": transition,
        }]}});
        let api: Api<Pod> = Api::namespaced(client, &namespace);
        if let Err(error) = api
            .patch_status(&name, &PatchParams::default(), &Patch::Strategic(patch))
            .await
        {
            tracing::debug!(pod = %format!("{namespace}/{name}"), %error, "could not set PodScheduled");
        }
    }
    let event = Event {
        type_: EventType::Warning,
        reason: "FailedScheduling".into(),
        note: Some(message),
        action: "Scheduling".into(),
        secondary: None,
    };
    if let Err(error) = recorder.publish(&event, &pod.object_ref(&())).await {
        tracing::debug!(%error, "could not record FailedScheduling");
    }
    Outcome::Reported
}

fn scheduling_now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_do_not_change_a_nodes_fingerprint() {
        let node = |heartbeat: &str, cpu: &str| -> Node {
            serde_json::from_value(json!({"metadata": {"name": "n"}, "status": {
                "allocatable": {"cpu": cpu},
                "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": heartbeat}]}}))
            .unwrap()
        };
        assert_eq!(
            node_fingerprint(&node("2025-01-01T00:00:00Z", "4")),
            node_fingerprint(&node("2025-01-01T00:01:00Z", "4"))
        );
        assert_ne!(
            node_fingerprint(&node("2025-01-01T00:00:00Z", "4")),
            node_fingerprint(&node("2025-01-01T00:00:00Z", "8"))
        );
    }
}
