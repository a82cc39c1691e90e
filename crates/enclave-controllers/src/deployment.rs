//! The deployment controller: rolls each Deployment out through ReplicaSets named
//! `<deployment>-<pod-template-hash>` (RollingUpdate within maxSurge/maxUnavailable, or
//! Recreate), keeps the revision annotations `kubectl rollout undo` relies on, trims the
//! revision history and reports status and conditions as kube-controller-manager 1.32.
//!
//! The decisions are made by [`crate::workloads::rollout::plan`]; this module reads the
//! objects, claims ReplicaSets and performs the planned writes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, ListParams, Patch, PostParams, Preconditions};
use kube::runtime::controller::Action;
use kube::runtime::events::EventType;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::{Controller, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use serde_json::json;

use crate::workloads::claim::{self, Claim};
use crate::workloads::events::EventPublisher;
use crate::workloads::hash::equal_ignoring_hash;
use crate::workloads::rollout::{self, Input, REVISION, Step};
use crate::workloads::{api, pods};
use crate::{Context, Error};

/// The reporting controller of events and the field manager of writes.
pub(crate) const CONTROLLER_NAME: &str = "deployment-controller";

/// How long a failed sync waits before it is retried.
const RETRY_AFTER: Duration = Duration::from_secs(1);

struct State {
    client: Client,
    events: EventPublisher,
}

/// The Deployments that may want a ReplicaSet: its controller, or for an orphan every
/// Deployment of its namespace whose selector matches.
fn deployments_for_rs(store: &Store<Deployment>, rs: &ReplicaSet) -> Vec<ObjectRef<Deployment>> {
    let namespace = rs.namespace().unwrap_or_default();
    if let Some(controller) = pods::controller_of(&rs.metadata) {
        if controller.kind == "Deployment" && controller.api_version == "apps/v1" {
            return vec![ObjectRef::new(&controller.name).within(&namespace)];
        }
        return Vec::new();
    }
    let labels = rs.labels().clone();
    store
        .state()
        .iter()
        .filter(|d| d.namespace().as_deref() == Some(namespace.as_str()))
        .filter(|d| {
            d.spec
                .as_ref()
                .and_then(|s| claim::selector_of(&s.selector).ok())
                .is_some_and(|sel| !sel.is_everything() && sel.matches_map(&labels))
        })
        .map(|d| ObjectRef::from_obj(d.as_ref()))
        .collect()
}

/// Runs the deployment controller.
pub(crate) async fn run(context: Context) -> Result<(), Error> {
    let client = context.client.clone();
    let controller = Controller::new(
        Api::<Deployment>::all(client.clone()),
        watcher::Config::default(),
    );
    let store = controller.store();
    let state = Arc::new(State {
        events: EventPublisher::new(client.clone(), CONTROLLER_NAME),
        client: client.clone(),
    });
    controller
        .watches(
            Api::<ReplicaSet>::all(client),
            watcher::Config::default(),
            move |rs| deployments_for_rs(&store, &rs),
        )
        .run(reconcile, error_policy, state)
        .for_each(|_| futures::future::ready(()))
        .await;
    Ok(())
}

fn error_policy(_d: Arc<Deployment>, error: &Error, _state: Arc<State>) -> Action {
    tracing::debug!(controller = CONTROLLER_NAME, %error, "sync failed; retrying");
    Action::requeue(RETRY_AFTER)
}

async fn reconcile(cached: Arc<Deployment>, state: Arc<State>) -> Result<Action, Error> {
    let namespace = cached.namespace().unwrap_or_default();
    let deployments: Api<Deployment> = Api::namespaced(state.client.clone(), &namespace);
    let Some(d) = deployments.get_opt(&cached.name_any()).await? else {
        return Ok(Action::await_change());
    };
    let reference = d.object_ref(&());
    let Some(spec) = d.spec.as_ref() else {
        return Ok(Action::await_change());
    };
    let selector = match claim::selector_of(&spec.selector) {
        Ok(s) => s,
        Err(message) => {
            state
                .events
                .publish(
                    &reference,
                    EventType::Warning,
                    "InvalidSelector",
                    "Sync",
                    message,
                )
                .await;
            return Ok(Action::await_change());
        }
    };
    let rs_api: Api<ReplicaSet> = Api::namespaced(state.client.clone(), &namespace);
    let mut owned = Vec::new();
    if !selector.is_everything() {
        let uid = d.uid().unwrap_or_default();
        let deleting = d.metadata.deletion_timestamp.is_some();
        let reference = claim::controller_ref(&d);
        for mut rs in rs_api.list(&ListParams::default()).await?.items {
            match claim::claim(&uid, &namespace, deleting, &selector, &rs.metadata) {
                Claim::Owned => owned.push(rs),
                Claim::Adopt => {
                    match claim::adopt(&rs_api, &rs.metadata, &reference, CONTROLLER_NAME).await {
                        Ok(()) => {
                            rs.metadata
                                .owner_references
                                .get_or_insert_with(Vec::new)
                                .push(reference.clone());
                            // The adoption changed the resourceVersion: read it again.
                            if let Some(fresh) = rs_api.get_opt(&rs.name_any()).await? {
                                owned.push(fresh);
                            }
                        }
                        Err(e) if api::is_not_found(&e) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Claim::Release => {
                    claim::release(&rs_api, &rs.metadata, &uid, CONTROLLER_NAME).await?;
                }
                Claim::Ignore => {}
            }
        }
    }
    let recreate = spec.strategy.as_ref().and_then(|s| s.type_.as_deref()) == Some("Recreate");
    let mut pods_by_rs: HashMap<String, Vec<Pod>> = HashMap::new();
    if recreate {
        let pod_api: Api<Pod> = Api::namespaced(state.client.clone(), &namespace);
        let owned_uids: Vec<String> = owned.iter().filter_map(|rs| rs.uid()).collect();
        for pod in crate::list_lean_pods(&pod_api).await? {
            let labels = pod.labels().clone();
            if !selector.matches_map(&labels) {
                continue;
            }
            if let Some(owner) = pods::controller_of(&pod.metadata)
                && owned_uids.contains(&owner.uid)
            {
                pods_by_rs.entry(owner.uid.clone()).or_default().push(pod);
            }
        }
    }
    let plan = match rollout::plan(Input {
        deployment: &d,
        replica_sets: owned,
        pods: pods_by_rs,
        now: Timestamp::now(),
    }) {
        Ok(plan) => plan,
        Err(message) => {
            state
                .events
                .publish(
                    &reference,
                    EventType::Warning,
                    "InvalidDeployment",
                    "Sync",
                    message,
                )
                .await;
            return Ok(Action::await_change());
        }
    };
    execute(&state, &d, &deployments, &rs_api, plan).await
}

/// Performs a plan's writes in order; the first failure ends the sync.
async fn execute(
    state: &State,
    d: &Deployment,
    deployments: &Api<Deployment>,
    rs_api: &Api<ReplicaSet>,
    plan: rollout::Plan,
) -> Result<Action, Error> {
    let reference = d.object_ref(&());
    // Writes to a ReplicaSet created or updated earlier in this sync carry the version that
    // write returned.
    let mut versions: HashMap<String, String> = HashMap::new();
    for step in plan.steps {
        match step {
            Step::CreateReplicaSet(rs) => {
                let mut rs = *rs;
                rs.metadata.creation_timestamp = None;
                let name = rs.name_any();
                match rs_api.create(&PostParams::default(), &rs).await {
                    Ok(created) => {
                        versions.insert(name, created.resource_version().unwrap_or_default());
                    }
                    Err(e) if api::is_already_exists(&e) => {
                        return on_name_collision(d, deployments, rs_api, &name).await;
                    }
                    Err(e) => {
                        let message = api::message(&e);
                        if let Some(status) =
                            rollout::create_failed_status(d, &name, &message, Timestamp::now())
                        {
                            let mut failed = d.clone();
                            failed.status = Some(status);
                            // The failure itself is what matters; a lost status write is
                            // retried with the next sync.
                            let _ = deployments
                                .replace_status(&d.name_any(), &PostParams::default(), &failed)
                                .await;
                        }
                        state
                            .events
                            .publish(
                                &reference,
                                EventType::Warning,
                                rollout::reason::RS_CREATE_ERROR,
                                "Create",
                                format!("Failed to create new replica set {name:?}: {message}"),
                            )
                            .await;
                        return Err(e.into());
                    }
                }
            }
            Step::UpdateReplicaSet(rs) => {
                let mut rs = *rs;
                let name = rs.name_any();
                if let Some(version) = versions.get(&name) {
                    rs.metadata.resource_version = Some(version.clone());
                }
                let updated = rs_api.replace(&name, &PostParams::default(), &rs).await?;
                versions.insert(name, updated.resource_version().unwrap_or_default());
            }
            Step::DeleteReplicaSet { name, uid } => {
                let params = DeleteParams {
                    preconditions: Some(Preconditions {
                        uid,
                        resource_version: None,
                    }),
                    ..DeleteParams::background()
                };
                match rs_api.delete(&name, &params).await {
                    Ok(_) => {}
                    Err(e) if api::is_not_found(&e) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Step::Event {
                warning,
                reason,
                note,
            } => {
                let type_ = if warning {
                    EventType::Warning
                } else {
                    EventType::Normal
                };
                state
                    .events
                    .publish(&reference, type_, &reason, "Sync", note)
                    .await;
            }
        }
    }
    let mut current = d.clone();
    if let Some(revision) = plan.revision {
        let patch = json!({"metadata": {"annotations": {REVISION: revision}}});
        current = deployments
            .patch(
                &d.name_any(),
                &claim::manager_params(CONTROLLER_NAME),
                &Patch::Merge(&patch),
            )
            .await?;
    }
    if let Some(status) = plan.status {
        current.status = Some(status);
        deployments
            .replace_status(&d.name_any(), &PostParams::default(), &current)
            .await?;
    }
    Ok(match plan.requeue_after {
        Some(after) => Action::requeue(after),
        None => Action::await_change(),
    })
}

/// The new ReplicaSet's name is taken: if it is ours with the same template the next sync
/// finds it; otherwise count the collision so that the next hash differs.
async fn on_name_collision(
    d: &Deployment,
    deployments: &Api<Deployment>,
    rs_api: &Api<ReplicaSet>,
    name: &str,
) -> Result<Action, Error> {
    let existing = rs_api.get_opt(name).await?;
    let ours = existing.as_ref().is_some_and(|rs| {
        pods::controller_of(&rs.metadata).map(|c| c.uid.as_str()) == d.uid().as_deref()
            && match (
                rs.spec.as_ref().and_then(|s| s.template.as_ref()),
                d.spec.as_ref().map(|s| &s.template),
            ) {
                (Some(a), Some(b)) => equal_ignoring_hash(a, b),
                _ => false,
            }
    });
    if ours {
        return Ok(Action::requeue(RETRY_AFTER));
    }
    let mut collided = d.clone();
    let status = collided.status.get_or_insert_with(Default::default);
    status.collision_count = Some(status.collision_count.unwrap_or(0).saturating_add(1));
    deployments
        .replace_status(&d.name_any(), &PostParams::default(), &collided)
        .await?;
    Ok(Action::await_change())
}
