//! The replicaset controller: keeps `spec.replicas` active pods matching each ReplicaSet's
//! selector (creating from the template, adopting orphans, releasing pods it no longer
//! selects, deleting the least valuable pods first on scale-down) and reports the counts in
//! its status, as kube-controller-manager's ReplicaSet controller.

use std::sync::Arc;
use std::time::Duration;

use enclave_api::selector::LabelSelector;
use futures::StreamExt;
use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetCondition, ReplicaSetStatus};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{DeleteParams, PostParams};
use kube::runtime::controller::Action;
use kube::runtime::events::EventType;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::{Controller, watcher};
use kube::{Api, Client, Resource, ResourceExt};

use crate::workloads::claim::{self, Claim};
use crate::workloads::events::EventPublisher;
use crate::workloads::{api, pods};
use crate::{Context, Error};

/// The reporting controller of events and the field manager of writes.
pub(crate) const CONTROLLER_NAME: &str = "replicaset-controller";

/// Most pods created or deleted in one sync (kube's `burstReplicas`).
const BURST_REPLICAS: usize = 500;

/// How long a failed sync waits before it is retried.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The slow-start batch sizes for creating `count` pods: 1, 2, 4, ... until `count`, so
/// that a failing create is tried few times before the rest.
pub(crate) fn slow_start_batches(count: usize) -> Vec<usize> {
    let mut batches = Vec::new();
    let mut remaining = count;
    let mut size = 1usize;
    while remaining > 0 {
        let batch = size.min(remaining);
        batches.push(batch);
        remaining -= batch;
        size = size.saturating_mul(2);
    }
    batches
}

/// The pod a ReplicaSet creates: the template's labels, annotations, finalizers and spec,
/// `generateName: <rs>-` and the ReplicaSet as controller.
pub(crate) fn pod_from_template(rs: &ReplicaSet) -> Pod {
    let template = rs.spec.as_ref().and_then(|s| s.template.clone());
    let template_meta = template
        .as_ref()
        .and_then(|t| t.metadata.clone())
        .unwrap_or_default();
    Pod {
        metadata: ObjectMeta {
            generate_name: Some(format!("{}-", rs.name_any())),
            namespace: rs.namespace(),
            labels: template_meta.labels,
            annotations: template_meta.annotations,
            finalizers: template_meta.finalizers,
            owner_references: Some(vec![claim::controller_ref(rs)]),
            ..ObjectMeta::default()
        },
        spec: template.and_then(|t| t.spec),
        status: None,
    }
}

/// The status a ReplicaSet should report over its active, claimed pods. `manage_error` is
/// the failure of this sync's creates or deletes, which raises `ReplicaFailure`.
pub(crate) fn calculate_status(
    rs: &ReplicaSet,
    claimed: &[&Pod],
    manage_error: Option<&str>,
    now: Timestamp,
) -> ReplicaSetStatus {
    let spec = rs.spec.as_ref();
    let min_ready = spec.and_then(|s| s.min_ready_seconds).unwrap_or(0);
    let desired = spec.and_then(|s| s.replicas).unwrap_or(1);
    let template_labels = spec
        .and_then(|s| s.template.as_ref())
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let fully_labeled = claimed
        .iter()
        .filter(|p| {
            let labels = p.metadata.labels.as_ref();
            template_labels
                .iter()
                .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
        })
        .count();
    let ready = claimed.iter().filter(|p| pods::is_ready(p)).count();
    let available = claimed
        .iter()
        .filter(|p| pods::is_available(p, min_ready, now))
        .count();
    let mut status = rs.status.clone().unwrap_or_default();
    let mut conditions = status.conditions.take().unwrap_or_default();
    let has_failure = conditions.iter().any(|c| c.type_ == "ReplicaFailure");
    match manage_error {
        Some(message) if !has_failure => {
            let diff = count(claimed.len()) - desired;
            let reason = match diff.cmp(&0) {
                std::cmp::Ordering::Less => "FailedCreate",
                std::cmp::Ordering::Greater => "FailedDelete",
                std::cmp::Ordering::Equal => "",
            };
            conditions.push(ReplicaSetCondition {
                type_: "ReplicaFailure".into(),
                status: "True".into(),
                reason: Some(reason.into()),
                message: Some(message.into()),
                last_transition_time: Some(Time(now)),
            });
        }
        None if has_failure => conditions.retain(|c| c.type_ != "ReplicaFailure"),
        _ => {}
    }
    status.conditions = (!conditions.is_empty()).then_some(conditions);
    status.replicas = count(claimed.len());
    status.fully_labeled_replicas = nonzero(count(fully_labeled));
    status.ready_replicas = nonzero(count(ready));
    status.available_replicas = nonzero(count(available));
    status.observed_generation = rs.metadata.generation;
    status
}

/// A count as the API's int32.
fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Go's `omitempty`: zero counters are not written.
fn nonzero(n: i32) -> Option<i32> {
    (n != 0).then_some(n)
}

/// When to look again so that pods turning available after `minReadySeconds` are counted.
pub(crate) fn requeue_for_availability(
    rs: &ReplicaSet,
    claimed: &[&Pod],
    now: Timestamp,
) -> Option<Duration> {
    let min_ready = rs
        .spec
        .as_ref()
        .and_then(|s| s.min_ready_seconds)
        .unwrap_or(0);
    claimed
        .iter()
        .filter_map(|p| pods::time_to_available(p, min_ready, now))
        .min()
        .map(|d| Duration::try_from(d).unwrap_or_default() + Duration::from_millis(500))
}

/// The ReplicaSets that may want a pod: its controller, or for an orphan every ReplicaSet of
/// its namespace whose selector matches.
fn replicasets_for_pod(store: &Store<ReplicaSet>, pod: &Pod) -> Vec<ObjectRef<ReplicaSet>> {
    let namespace = pod.namespace().unwrap_or_default();
    if let Some(controller) = pods::controller_of(&pod.metadata) {
        if controller.kind == "ReplicaSet" && controller.api_version == "apps/v1" {
            return vec![ObjectRef::new(&controller.name).within(&namespace)];
        }
        return Vec::new();
    }
    if pod.metadata.deletion_timestamp.is_some() {
        return Vec::new();
    }
    let labels = pod.labels().clone();
    store
        .state()
        .iter()
        .filter(|rs| rs.namespace().as_deref() == Some(namespace.as_str()))
        .filter(|rs| {
            rs.spec
                .as_ref()
                .and_then(|s| claim::selector_of(&s.selector).ok())
                .is_some_and(|sel| !sel.is_everything() && sel.matches_map(&labels))
        })
        .map(|rs| ObjectRef::from_obj(rs.as_ref()))
        .collect()
}

struct State {
    client: Client,
    events: EventPublisher,
}

/// Runs the replicaset controller.
pub(crate) async fn run(context: Context) -> Result<(), Error> {
    let client = context.client.clone();
    let controller = Controller::new(
        Api::<ReplicaSet>::all(client.clone()),
        watcher::Config::default(),
    );
    let store = controller.store();
    let state = Arc::new(State {
        events: EventPublisher::new(client.clone(), CONTROLLER_NAME),
        client,
    });
    controller
        .watches(
            Api::<Pod>::all(state.client.clone()),
            watcher::Config::default(),
            move |pod| replicasets_for_pod(&store, &pod),
        )
        .run(reconcile, error_policy, state)
        .for_each(|_| futures::future::ready(()))
        .await;
    Ok(())
}

fn error_policy(_rs: Arc<ReplicaSet>, error: &Error, _state: Arc<State>) -> Action {
    tracing::debug!(controller = CONTROLLER_NAME, %error, "sync failed; retrying");
    Action::requeue(RETRY_AFTER)
}

async fn reconcile(cached: Arc<ReplicaSet>, state: Arc<State>) -> Result<Action, Error> {
    let namespace = cached.namespace().unwrap_or_default();
    let rs_api: Api<ReplicaSet> = Api::namespaced(state.client.clone(), &namespace);
    // The cache may lag behind a Deployment's scaling: decide on the stored object.
    let Some(rs) = rs_api.get_opt(&cached.name_any()).await? else {
        return Ok(Action::await_change());
    };
    let Some(spec) = rs.spec.as_ref() else {
        return Ok(Action::await_change());
    };
    let selector = match claim::selector_of(&spec.selector) {
        Ok(s) => s,
        Err(message) => {
            tracing::info!(replicaset = %rs.name_any(), %message, "invalid selector");
            return Ok(Action::await_change());
        }
    };
    let pod_api: Api<Pod> = Api::namespaced(state.client.clone(), &namespace);
    let all_pods = crate::list_lean_pods(&pod_api).await?;
    let claimed = claim_pods(&rs, &selector, &pod_api, all_pods).await?;
    let claimed_refs: Vec<&Pod> = claimed.iter().collect();
    let manage_error = if rs.metadata.deletion_timestamp.is_none() {
        manage_replicas(&state, &rs, &pod_api, &claimed_refs).await
    } else {
        None
    };
    let now = Timestamp::now();
    let status = calculate_status(&rs, &claimed_refs, manage_error.as_deref(), now);
    if rs.status.as_ref() != Some(&status) {
        let mut updated = rs.clone();
        updated.status = Some(status);
        rs_api
            .replace_status(&rs.name_any(), &PostParams::default(), &updated)
            .await?;
    }
    if let Some(message) = manage_error {
        return Err(Error::Invalid(message));
    }
    Ok(match requeue_for_availability(&rs, &claimed_refs, now) {
        Some(after) => Action::requeue(after),
        None => Action::await_change(),
    })
}

/// Adopts and releases; returns the active pods the ReplicaSet owns afterwards.
async fn claim_pods(
    rs: &ReplicaSet,
    selector: &LabelSelector,
    pod_api: &Api<Pod>,
    all_pods: Vec<Pod>,
) -> Result<Vec<Pod>, Error> {
    let uid = rs.uid().unwrap_or_default();
    let namespace = rs.namespace().unwrap_or_default();
    let deleting = rs.metadata.deletion_timestamp.is_some();
    let reference = claim::controller_ref(rs);
    let mut claimed = Vec::new();
    for mut pod in all_pods.into_iter().filter(pods::is_active) {
        match claim::claim(&uid, &namespace, deleting, selector, &pod.metadata) {
            Claim::Owned => claimed.push(pod),
            Claim::Adopt => {
                match claim::adopt(pod_api, &pod.metadata, &reference, CONTROLLER_NAME).await {
                    Ok(()) => {
                        add_owner(&mut pod.metadata, reference.clone());
                        claimed.push(pod);
                    }
                    Err(e) if api::is_not_found(&e) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Claim::Release => {
                claim::release(pod_api, &pod.metadata, &uid, CONTROLLER_NAME).await?;
            }
            Claim::Ignore => {}
        }
    }
    Ok(claimed)
}

fn add_owner(meta: &mut ObjectMeta, reference: OwnerReference) {
    meta.owner_references
        .get_or_insert_with(Vec::new)
        .push(reference);
}

/// Creates or deletes pods towards `spec.replicas`; the failure, if any, as kube words it.
async fn manage_replicas(
    state: &State,
    rs: &ReplicaSet,
    pod_api: &Api<Pod>,
    claimed: &[&Pod],
) -> Option<String> {
    let desired =
        usize::try_from(rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)).unwrap_or(0);
    let reference = rs.object_ref(&());
    if claimed.len() < desired {
        let missing = (desired - claimed.len()).min(BURST_REPLICAS);
        let pod = pod_from_template(rs);
        for batch in slow_start_batches(missing) {
            let params = PostParams::default();
            let creates = (0..batch).map(|_| pod_api.create(&params, &pod));
            let results = futures::future::join_all(creates).await;
            let mut failure = None;
            for result in results {
                match result {
                    Ok(created) => {
                        state
                            .events
                            .publish(
                                &reference,
                                EventType::Normal,
                                "SuccessfulCreate",
                                "Create",
                                format!("Created pod: {}", created.name_any()),
                            )
                            .await;
                    }
                    // Creating into a namespace being deleted is expected to fail.
                    Err(e) if api::is_namespace_terminating(&e) => {}
                    Err(e) => {
                        let message = api::message(&e);
                        state
                            .events
                            .publish(
                                &reference,
                                EventType::Warning,
                                "FailedCreate",
                                "Create",
                                format!("Error creating: {message}"),
                            )
                            .await;
                        failure.get_or_insert(message);
                    }
                }
            }
            if failure.is_some() {
                return failure;
            }
        }
        return None;
    }
    if claimed.len() > desired {
        let surplus = (claimed.len() - desired).min(BURST_REPLICAS);
        let mut ordered: Vec<&Pod> = claimed.to_vec();
        if surplus < ordered.len() {
            pods::order_for_deletion(&mut ordered, claimed, Timestamp::now());
        }
        let deletes = ordered.iter().take(surplus).map(|pod| async move {
            let name = pod.name_any();
            let params = DeleteParams {
                preconditions: pod.uid().map(|uid| kube::api::Preconditions {
                    uid: Some(uid),
                    resource_version: None,
                }),
                ..DeleteParams::default()
            };
            (name.clone(), pod_api.delete(&name, &params).await)
        });
        let mut failure = None;
        for (name, result) in futures::future::join_all(deletes).await {
            match result {
                Ok(_) => {
                    state
                        .events
                        .publish(
                            &reference,
                            EventType::Normal,
                            "SuccessfulDelete",
                            "Delete",
                            format!("Deleted pod: {name}"),
                        )
                        .await;
                }
                Err(e) if api::is_not_found(&e) => {}
                Err(e) => {
                    let message = api::message(&e);
                    state
                        .events
                        .publish(
                            &reference,
                            EventType::Warning,
                            "FailedDelete",
                            "Delete",
                            format!("Error deleting: {message}"),
                        )
                        .await;
                    failure.get_or_insert(message);
                }
            }
        }
        return failure;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(json: serde_json::Value) -> ReplicaSet {
        serde_json::from_value(json).unwrap_or_else(|e| panic!("bad replicaset: {e}"))
    }

    fn web_rs() -> ReplicaSet {
        rs(serde_json::json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-7c5ddbdf54", "namespace": "ns", "uid": "rs-uid",
                         "generation": 3},
            "spec": {"replicas": 3, "minReadySeconds": 10,
                     "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web", "tier": "front"},
                                               "annotations": {"a": "b"}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
        }))
    }

    fn pod(name: &str, labels: serde_json::Value, ready_at: Option<&str>) -> Pod {
        let conditions = match ready_at {
            Some(at) => serde_json::json!([{"type": "Ready", "status": "True",
                                           "lastTransitionTime": at}]),
            None => serde_json::json!([]),
        };
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            "status": {"phase": "Running", "conditions": conditions},
        }))
        .unwrap_or_else(|e| panic!("bad pod: {e}"))
    }

    #[test]
    fn slow_start_doubles() {
        assert_eq!(slow_start_batches(0), Vec::<usize>::new());
        assert_eq!(slow_start_batches(1), vec![1]);
        assert_eq!(slow_start_batches(10), vec![1, 2, 4, 3]);
    }

    #[test]
    fn pods_come_from_the_template_with_a_controller_ref() {
        let pod = pod_from_template(&web_rs());
        let value = serde_json::to_value(&pod).unwrap_or_default();
        assert_eq!(
            value["metadata"],
            serde_json::json!({
                "generateName": "web-7c5ddbdf54-",
                "namespace": "ns",
                "labels": {"app": "web", "tier": "front"},
                "annotations": {"a": "b"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": "web-7c5ddbdf54", "uid": "rs-uid", "controller": true,
                    "blockOwnerDeletion": true}],
            })
        );
        assert_eq!(value["spec"]["containers"][0]["image"], "nginx");
    }

    #[test]
    fn status_counts_labels_readiness_and_availability() {
        let now: Timestamp = "2025-01-01T00:01:00Z".parse().unwrap_or_default();
        let full = serde_json::json!({"app": "web", "tier": "front"});
        let a = pod("a", full.clone(), Some("2025-01-01T00:00:00Z"));
        let b = pod("b", full, Some("2025-01-01T00:00:55Z"));
        let c = pod("c", serde_json::json!({"app": "web"}), None);
        let status = calculate_status(&web_rs(), &[&a, &b, &c], None, now);
        assert_eq!(
            serde_json::to_value(&status).unwrap_or_default(),
            serde_json::json!({"replicas": 3, "fullyLabeledReplicas": 2, "readyReplicas": 2,
                               "availableReplicas": 1, "observedGeneration": 3})
        );
        assert_eq!(
            requeue_for_availability(&web_rs(), &[&a, &b, &c], now),
            Some(Duration::from_millis(5500))
        );
    }

    #[test]
    fn failures_raise_and_clear_replica_failure() {
        let now = Timestamp::UNIX_EPOCH;
        let failed = calculate_status(&web_rs(), &[], Some("pods \"x\" is forbidden"), now);
        let conditions = failed.conditions.clone().unwrap_or_default();
        assert_eq!(conditions.len(), 1);
        assert_eq!(conditions[0].reason.as_deref(), Some("FailedCreate"));
        assert_eq!(
            conditions[0].message.as_deref(),
            Some("pods \"x\" is forbidden")
        );
        let mut rs = web_rs();
        rs.status = Some(failed);
        let cleared = calculate_status(&rs, &[], None, now);
        assert_eq!(cleared.conditions, None);
        assert_eq!(cleared.replicas, 0);
    }
}
