//! The garbage collector: deletes objects whose owners are all gone (background cascading
//! deletion), deletes the dependents of owners marked with the `foregroundDeletion`
//! finalizer and then lets the owner go, and strips owner references from the dependents
//! of owners marked with the `orphan` finalizer, as kube-controller-manager's garbage
//! collector.
//!
//! A graph of owner references is kept from watches over every kind of the registry that
//! supports list, watch and delete. The graph only says where to look: before deleting or
//! orphaning anything the collector reads the objects involved from the API server and
//! compares uids, so that an owner merely not seen yet never gets its dependents deleted.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use enclave_api::registry::{RESOURCES, ResourceInfo};
use futures::StreamExt;
use futures::stream::BoxStream;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::api::{DeleteParams, Patch, Preconditions, PropagationPolicy};
use kube::core::{ApiResource, DynamicObject};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, ResourceExt};
use serde_json::json;
use tokio::sync::mpsc;

use crate::workloads::{api, claim};
use crate::{Context, Error};

/// The reporting controller and field manager of the collector.
pub(crate) const CONTROLLER_NAME: &str = "garbage-collector-controller";

/// The finalizer of an owner deleted with `propagationPolicy: Foreground`.
pub(crate) const FOREGROUND: &str = "foregroundDeletion";
/// The finalizer of an owner deleted with `propagationPolicy: Orphan`.
pub(crate) const ORPHAN: &str = "orphan";

/// How long a failed piece of work waits before it is tried again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The kinds the collector watches: stored kinds that support list, watch and delete
/// (events excepted, as upstream: they are many and never own anything).
pub(crate) fn collected_kinds() -> Vec<&'static ResourceInfo> {
    RESOURCES
        .iter()
        .filter(|r| r.storage_of.is_none())
        .filter(|r| {
            ["list", "watch", "delete"]
                .iter()
                .all(|v| r.verbs.contains(v))
        })
        .filter(|r| r.plural != "events")
        .collect()
}

/// The registry entry an owner reference names (by group and kind, as the REST mapper).
pub(crate) fn resolve_owner(reference: &OwnerReference) -> Option<&'static ResourceInfo> {
    let group = match reference.api_version.split_once('/') {
        Some((group, _version)) => group,
        None => "",
    };
    RESOURCES
        .iter()
        .find(|r| r.storage_of.is_none() && r.group == group && r.kind == reference.kind)
}

fn api_resource(info: &ResourceInfo) -> ApiResource {
    ApiResource {
        group: info.group.into(),
        version: info.version.into(),
        api_version: if info.group.is_empty() {
            info.version.into()
        } else {
            format!("{}/{}", info.group, info.version)
        },
        kind: info.kind.into(),
        plural: info.plural.into(),
    }
}

fn dynamic_api(
    client: &Client,
    info: &ResourceInfo,
    namespace: Option<&str>,
) -> Api<DynamicObject> {
    let resource = api_resource(info);
    match (info.namespaced, namespace) {
        (true, Some(ns)) => Api::namespaced_with(client.clone(), ns, &resource),
        _ => Api::all_with(client.clone(), &resource),
    }
}

/// What an owner reference points at, as the API server says now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OwnerState {
    /// The owner exists and is not deleting its dependents first.
    Solid,
    /// No object with that name and uid exists.
    Dangling,
    /// The owner is being deleted in the foreground: its dependents go first.
    WaitingForDependents,
}

/// What to do with a dependent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Keep it.
    Keep,
    /// Keep it but drop the references to these owner uids (dangling or deleting owners).
    RemoveReferences(Vec<String>),
    /// Delete it with this propagation policy.
    Delete(&'static str),
}

/// kube's `attemptToDeleteItem` decision over the classified owner references of a
/// dependent, whether it has dependents of its own, and its own finalizers.
pub(crate) fn decide(
    owners: &[(OwnerReference, OwnerState)],
    has_dependents: bool,
    finalizers: &[String],
) -> Decision {
    if owners.is_empty() {
        return Decision::Keep;
    }
    let solid = owners.iter().any(|(_, s)| *s == OwnerState::Solid);
    let waiting = owners
        .iter()
        .any(|(_, s)| *s == OwnerState::WaitingForDependents);
    if solid {
        let removed: Vec<String> = owners
            .iter()
            .filter(|(_, s)| *s != OwnerState::Solid)
            .map(|(r, _)| r.uid.clone())
            .collect();
        return if removed.is_empty() {
            Decision::Keep
        } else {
            Decision::RemoveReferences(removed)
        };
    }
    if waiting && has_dependents {
        return Decision::Delete("Foreground");
    }
    if finalizers.iter().any(|f| f == ORPHAN) {
        Decision::Delete("Orphan")
    } else if finalizers.iter().any(|f| f == FOREGROUND) {
        Decision::Delete("Foreground")
    } else {
        Decision::Delete("Background")
    }
}

/// One object of the graph.
#[derive(Debug, Clone, PartialEq)]
struct Node {
    kind: usize,
    namespace: Option<String>,
    name: String,
    owners: Vec<OwnerReference>,
    deleting: bool,
    finalizers: Vec<String>,
}

impl Node {
    fn deleting_with(&self, finalizer: &str) -> bool {
        self.deleting && self.finalizers.iter().any(|f| f == finalizer)
    }
}

/// Work for the collector, by object uid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Work {
    /// Delete the object if its owners are gone or deleting in the foreground.
    AttemptToDelete(String),
    /// Delete the dependents of a foreground-deleting owner; let it go when none blocks.
    DeleteDependents(String),
    /// Strip the owner's references from its dependents, then let it go.
    Orphan(String),
}

#[derive(Default)]
struct Graph {
    nodes: HashMap<String, Node>,
    dependents: HashMap<String, HashSet<String>>,
    /// Uids seen in the relist under way, by kind.
    relisting: HashMap<usize, HashSet<String>>,
    synced: HashSet<usize>,
}

impl Graph {
    fn node_of(kind: usize, object: &DynamicObject) -> Option<(String, Node)> {
        let uid = object.metadata.uid.clone()?;
        Some((
            uid,
            Node {
                kind,
                namespace: object.metadata.namespace.clone(),
                name: object.name_any(),
                owners: object.metadata.owner_references.clone().unwrap_or_default(),
                deleting: object.metadata.deletion_timestamp.is_some(),
                finalizers: object.metadata.finalizers.clone().unwrap_or_default(),
            },
        ))
    }

    fn upsert(&mut self, kind: usize, object: &DynamicObject, work: &mut Vec<Work>) {
        let Some((uid, node)) = Self::node_of(kind, object) else {
            return;
        };
        if let Some(seen) = self.relisting.get_mut(&kind) {
            seen.insert(uid.clone());
        }
        let old = self.nodes.insert(uid.clone(), node.clone());
        if old.as_ref() == Some(&node) {
            return;
        }
        if let Some(old) = &old {
            for owner in &old.owners {
                if let Some(set) = self.dependents.get_mut(&owner.uid) {
                    set.remove(&uid);
                }
            }
        }
        for owner in &node.owners {
            self.dependents
                .entry(owner.uid.clone())
                .or_default()
                .insert(uid.clone());
        }
        let owners_changed = old.as_ref().is_none_or(|o| o.owners != node.owners);
        if owners_changed && !node.owners.is_empty() {
            // Only references the graph cannot vouch for need a look at the API server.
            let suspicious = node.owners.iter().any(|o| match self.nodes.get(&o.uid) {
                None => true,
                Some(owner) => owner.deleting_with(FOREGROUND) || owner.name != o.name,
            });
            if suspicious {
                work.push(Work::AttemptToDelete(uid.clone()));
            }
        }
        if node.deleting_with(FOREGROUND) {
            work.push(Work::DeleteDependents(uid.clone()));
            for dependent in self.dependents.get(&uid).into_iter().flatten() {
                work.push(Work::AttemptToDelete(dependent.clone()));
            }
        }
        if node.deleting_with(ORPHAN) {
            work.push(Work::Orphan(uid));
        }
    }

    fn remove(&mut self, uid: &str, work: &mut Vec<Work>) {
        let Some(node) = self.nodes.remove(uid) else {
            return;
        };
        for owner in &node.owners {
            if let Some(set) = self.dependents.get_mut(&owner.uid) {
                set.remove(uid);
                if set.is_empty() {
                    self.dependents.remove(&owner.uid);
                }
            }
            if self
                .nodes
                .get(&owner.uid)
                .is_some_and(|o| o.deleting_with(FOREGROUND))
            {
                work.push(Work::DeleteDependents(owner.uid.clone()));
            }
        }
        for dependent in self.dependents.get(uid).into_iter().flatten() {
            work.push(Work::AttemptToDelete(dependent.clone()));
        }
    }

    fn apply(&mut self, kind: usize, event: watcher::Event<DynamicObject>, work: &mut Vec<Work>) {
        match event {
            watcher::Event::Apply(o) | watcher::Event::InitApply(o) => self.upsert(kind, &o, work),
            watcher::Event::Delete(o) => {
                if let Some(uid) = o.metadata.uid.as_deref() {
                    self.remove(uid, work);
                }
            }
            watcher::Event::Init => {
                self.relisting.insert(kind, HashSet::new());
            }
            watcher::Event::InitDone => {
                let seen = self.relisting.remove(&kind).unwrap_or_default();
                let gone: Vec<String> = self
                    .nodes
                    .iter()
                    .filter(|(uid, n)| n.kind == kind && !seen.contains(*uid))
                    .map(|(uid, _)| uid.clone())
                    .collect();
                for uid in gone {
                    self.remove(&uid, work);
                }
                self.synced.insert(kind);
            }
        }
    }
}

/// A watch event of the kind at this index of the collected kinds.
type KindEvent = (usize, Result<watcher::Event<DynamicObject>, watcher::Error>);

struct Collector {
    client: Client,
    kinds: Vec<&'static ResourceInfo>,
    graph: Graph,
}

/// Runs the garbage collector.
pub(crate) async fn run(context: Context) -> Result<(), Error> {
    let client = context.client.clone();
    let kinds = collected_kinds();
    let streams: Vec<BoxStream<'static, KindEvent>> = kinds
        .iter()
        .enumerate()
        .map(|(index, info)| {
            watcher(dynamic_api(&client, info, None), watcher::Config::default())
                .default_backoff()
                .map(move |event| (index, event))
                .boxed()
        })
        .collect();
    let mut events = futures::stream::select_all(streams);
    let mut collector = Collector {
        client,
        kinds,
        graph: Graph::default(),
    };
    let (retry_tx, mut retry_rx) = mpsc::unbounded_channel::<Work>();
    let mut queue: VecDeque<Work> = VecDeque::new();
    let mut queued: HashSet<Work> = HashSet::new();
    let enqueue = |queue: &mut VecDeque<Work>, queued: &mut HashSet<Work>, work: Vec<Work>| {
        for w in work {
            if queued.insert(w.clone()) {
                queue.push_back(w);
            }
        }
    };
    loop {
        let ready = !queue.is_empty() && collector.graph.synced.len() == collector.kinds.len();
        tokio::select! {
            biased;
            next = events.next() => {
                let Some((kind, event)) = next else {
                    return Ok(());
                };
                match event {
                    Ok(event) => {
                        let mut work = Vec::new();
                        collector.graph.apply(kind, event, &mut work);
                        enqueue(&mut queue, &mut queued, work);
                    }
                    Err(error) => tracing::debug!(controller = CONTROLLER_NAME, %error, "watch failed"),
                }
            }
            Some(work) = retry_rx.recv() => enqueue(&mut queue, &mut queued, vec![work]),
            () = futures::future::ready(()), if ready => {
                let Some(work) = queue.pop_front() else { continue };
                queued.remove(&work);
                let mut more = Vec::new();
                if let Err(error) = collector.process(&work, &mut more).await {
                    tracing::debug!(controller = CONTROLLER_NAME, %error, ?work, "retrying");
                    let retry = retry_tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(RETRY_AFTER).await;
                        let _ = retry.send(work);
                    });
                }
                enqueue(&mut queue, &mut queued, more);
            }
        }
    }
}

impl Collector {
    fn api_of(&self, node: &Node) -> Api<DynamicObject> {
        dynamic_api(
            &self.client,
            self.kinds[node.kind],
            node.namespace.as_deref(),
        )
    }

    /// The object as stored now, if it is still the one the graph knows by `uid`.
    async fn latest(&self, uid: &str) -> Result<Option<(Node, DynamicObject)>, kube::Error> {
        let Some(node) = self.graph.nodes.get(uid).cloned() else {
            return Ok(None);
        };
        let object = self.api_of(&node).get_opt(&node.name).await?;
        Ok(object
            .filter(|o| o.metadata.uid.as_deref() == Some(uid))
            .map(|o| (node, o)))
    }

    async fn process(&mut self, work: &Work, more: &mut Vec<Work>) -> Result<(), kube::Error> {
        match work {
            Work::AttemptToDelete(uid) => self.attempt_to_delete(uid, more).await,
            Work::DeleteDependents(uid) => self.delete_dependents(uid, more).await,
            Work::Orphan(uid) => self.orphan(uid).await,
        }
    }

    async fn owner_state(
        &self,
        dependent: &DynamicObject,
        reference: &OwnerReference,
    ) -> Result<OwnerState, kube::Error> {
        let Some(info) = resolve_owner(reference) else {
            // A kind this server does not know: never treat its objects as gone.
            return Ok(OwnerState::Solid);
        };
        let namespace = dependent.metadata.namespace.as_deref();
        if info.namespaced && namespace.is_none() {
            return Ok(OwnerState::Solid);
        }
        let owner = dynamic_api(&self.client, info, namespace)
            .get_opt(&reference.name)
            .await?;
        Ok(match owner {
            None => OwnerState::Dangling,
            Some(o) if o.metadata.uid.as_deref() != Some(reference.uid.as_str()) => {
                OwnerState::Dangling
            }
            Some(o)
                if o.metadata.deletion_timestamp.is_some()
                    && o.finalizers().iter().any(|f| f == FOREGROUND) =>
            {
                OwnerState::WaitingForDependents
            }
            Some(_) => OwnerState::Solid,
        })
    }

    async fn attempt_to_delete(
        &mut self,
        uid: &str,
        more: &mut Vec<Work>,
    ) -> Result<(), kube::Error> {
        let Some((node, latest)) = self.latest(uid).await? else {
            return Ok(());
        };
        if latest.metadata.deletion_timestamp.is_some() {
            if latest.finalizers().iter().any(|f| f == FOREGROUND) {
                more.push(Work::DeleteDependents(uid.into()));
            }
            return Ok(());
        }
        let references = latest.metadata.owner_references.clone().unwrap_or_default();
        let mut owners = Vec::with_capacity(references.len());
        for reference in references {
            let state = self.owner_state(&latest, &reference).await?;
            owners.push((reference, state));
        }
        let has_dependents = self
            .graph
            .dependents
            .get(uid)
            .is_some_and(|d| !d.is_empty());
        let api = self.api_of(&node);
        match decide(&owners, has_dependents, latest.finalizers()) {
            Decision::Keep => Ok(()),
            Decision::RemoveReferences(uids) => remove_references(&api, &latest, &uids).await,
            Decision::Delete(policy) => {
                tracing::debug!(controller = CONTROLLER_NAME, name = %node.name, policy, "deleting dependent");
                let params = DeleteParams {
                    propagation_policy: Some(match policy {
                        "Foreground" => PropagationPolicy::Foreground,
                        "Orphan" => PropagationPolicy::Orphan,
                        _ => PropagationPolicy::Background,
                    }),
                    preconditions: Some(Preconditions {
                        uid: Some(uid.into()),
                        resource_version: None,
                    }),
                    ..DeleteParams::default()
                };
                match api.delete(&node.name, &params).await {
                    Ok(_) => Ok(()),
                    Err(e) if api::is_not_found(&e) || api::is_conflict(&e) => Ok(()),
                    Err(e) => Err(e),
                }
            }
        }
    }

    async fn delete_dependents(
        &mut self,
        uid: &str,
        more: &mut Vec<Work>,
    ) -> Result<(), kube::Error> {
        let Some((node, latest)) = self.latest(uid).await? else {
            return Ok(());
        };
        if latest.metadata.deletion_timestamp.is_none()
            || !latest.finalizers().iter().any(|f| f == FOREGROUND)
        {
            return Ok(());
        }
        let dependents: Vec<(String, Node)> = self
            .graph
            .dependents
            .get(uid)
            .into_iter()
            .flatten()
            .filter_map(|d| self.graph.nodes.get(d).map(|n| (d.clone(), n.clone())))
            .collect();
        let blocking = dependents.iter().any(|(_, n)| {
            n.owners
                .iter()
                .any(|o| o.uid == uid && o.block_owner_deletion == Some(true))
        });
        if !blocking {
            return remove_finalizer(&self.api_of(&node), &latest, FOREGROUND).await;
        }
        for (dependent, n) in dependents {
            if !n.deleting {
                more.push(Work::AttemptToDelete(dependent));
            }
        }
        Ok(())
    }

    async fn orphan(&mut self, uid: &str) -> Result<(), kube::Error> {
        let Some((node, latest)) = self.latest(uid).await? else {
            return Ok(());
        };
        if latest.metadata.deletion_timestamp.is_none()
            || !latest.finalizers().iter().any(|f| f == ORPHAN)
        {
            return Ok(());
        }
        let dependents: Vec<Node> = self
            .graph
            .dependents
            .get(uid)
            .into_iter()
            .flatten()
            .filter_map(|d| self.graph.nodes.get(d).cloned())
            .collect();
        for dependent in dependents {
            let api = self.api_of(&dependent);
            let Some(object) = api.get_opt(&dependent.name).await? else {
                continue;
            };
            remove_references(&api, &object, &[uid.to_string()]).await?;
        }
        remove_finalizer(&self.api_of(&node), &latest, ORPHAN).await
    }
}

/// Drops the references to `owner_uids` from an object (guarded by its resourceVersion).
async fn remove_references(
    api: &Api<DynamicObject>,
    object: &DynamicObject,
    owner_uids: &[String],
) -> Result<(), kube::Error> {
    let references = object.metadata.owner_references.clone().unwrap_or_default();
    let kept: Vec<&OwnerReference> = references
        .iter()
        .filter(|r| !owner_uids.contains(&r.uid))
        .collect();
    if kept.len() == references.len() {
        return Ok(());
    }
    let patch = json!({"metadata": {
        "ownerReferences": if kept.is_empty() { serde_json::Value::Null } else { json!(kept) },
        "resourceVersion": object.metadata.resource_version,
    }});
    match api
        .patch(
            &object.name_any(),
            &claim::manager_params(CONTROLLER_NAME),
            &Patch::Merge(&patch),
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if api::is_not_found(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Removes one finalizer (guarded by the resourceVersion); the API server deletes the
/// object when it was the last.
async fn remove_finalizer(
    api: &Api<DynamicObject>,
    object: &DynamicObject,
    finalizer: &str,
) -> Result<(), kube::Error> {
    let kept: Vec<&String> = object
        .finalizers()
        .iter()
        .filter(|f| *f != finalizer)
        .collect();
    let patch = json!({"metadata": {
        "finalizers": if kept.is_empty() { serde_json::Value::Null } else { json!(kept) },
        "resourceVersion": object.metadata.resource_version,
    }});
    match api
        .patch(
            &object.name_any(),
            &claim::manager_params(CONTROLLER_NAME),
            &Patch::Merge(&patch),
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if api::is_not_found(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(uid: &str) -> OwnerReference {
        serde_json::from_value(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "name": format!("rs-{uid}"), "uid": uid, "controller": true,
            "blockOwnerDeletion": true}))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn kinds_cover_namespaced_workloads_but_not_events() {
        let kinds = collected_kinds();
        let has = |g: &str, p: &str| kinds.iter().any(|k| k.group == g && k.plural == p);
        assert!(has("", "pods") && has("apps", "replicasets") && has("apps", "deployments"));
        assert!(has("", "configmaps") && has("discovery.k8s.io", "endpointslices"));
        assert!(!has("", "events") && !has("events.k8s.io", "events"));
        assert!(!kinds.iter().any(|k| k.plural == "selfsubjectaccessreviews"));
    }

    #[test]
    fn owner_references_resolve_by_group_and_kind() {
        let rs = resolve_owner(&reference("a")).map(|r| r.plural);
        assert_eq!(rs, Some("replicasets"));
        let mut cm = reference("b");
        cm.api_version = "v1".into();
        cm.kind = "ConfigMap".into();
        assert_eq!(resolve_owner(&cm).map(|r| r.plural), Some("configmaps"));
        cm.kind = "Widget".into();
        assert_eq!(resolve_owner(&cm), None);
    }

    #[test]
    fn decisions_follow_kube() {
        use OwnerState::*;
        let none: &[String] = &[];
        assert_eq!(decide(&[], false, none), Decision::Keep);
        assert_eq!(
            decide(&[(reference("a"), Solid)], false, none),
            Decision::Keep
        );
        assert_eq!(
            decide(&[(reference("a"), Dangling)], false, none),
            Decision::Delete("Background")
        );
        assert_eq!(
            decide(
                &[(reference("a"), Solid), (reference("b"), Dangling)],
                false,
                none
            ),
            Decision::RemoveReferences(vec!["b".into()])
        );
        assert_eq!(
            decide(&[(reference("a"), WaitingForDependents)], true, none),
            Decision::Delete("Foreground")
        );
        assert_eq!(
            decide(&[(reference("a"), WaitingForDependents)], false, none),
            Decision::Delete("Background")
        );
        assert_eq!(
            decide(
                &[(reference("a"), Dangling)],
                false,
                &["orphan".to_string()]
            ),
            Decision::Delete("Orphan")
        );
    }

    #[test]
    fn graph_asks_about_unknown_owners_and_reacts_to_deletions() {
        let mut graph = Graph::default();
        let mut work = Vec::new();
        let owner: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "rs-a", "namespace": "ns", "uid": "a"}}))
        .unwrap_or_else(|e| panic!("{e}"));
        let pod: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "ns", "uid": "p",
                         "ownerReferences": [reference("a")]}}))
        .unwrap_or_else(|e| panic!("{e}"));
        graph.upsert(1, &pod, &mut work);
        assert_eq!(work, vec![Work::AttemptToDelete("p".into())]);
        work.clear();
        graph.upsert(0, &owner, &mut work);
        graph.upsert(1, &pod, &mut work);
        assert!(work.is_empty());
        let mut deleting = owner.clone();
        deleting.metadata.deletion_timestamp = pod.metadata.creation_timestamp.clone().or(Some(
            k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                k8s_openapi::jiff::Timestamp::UNIX_EPOCH,
            ),
        ));
        deleting.metadata.finalizers = Some(vec![FOREGROUND.into()]);
        graph.upsert(0, &deleting, &mut work);
        assert_eq!(
            work,
            vec![
                Work::DeleteDependents("a".into()),
                Work::AttemptToDelete("p".into())
            ]
        );
        work.clear();
        graph.remove("p", &mut work);
        assert_eq!(work, vec![Work::DeleteDependents("a".into())]);
    }
}
