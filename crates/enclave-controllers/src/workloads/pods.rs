//! Pod predicates the workload controllers share (active, ready, available) and the order in
//! which a ReplicaSet gives up pods when it scales down, as kube-controller-manager ranks them.

use std::cmp::Ordering;
use std::collections::HashMap;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use k8s_openapi::jiff::{SignedDuration, Timestamp};

/// The annotation that lowers or raises a pod's cost of deletion on scale-down.
const POD_DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";

/// The controller reference among an object's owners, if any.
pub(crate) fn controller_of(meta: &ObjectMeta) -> Option<&OwnerReference> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true))
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// Whether a pod counts towards a controller's replicas: not terminating, not terminal.
pub(crate) fn is_active(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none() && !matches!(phase(pod), "Succeeded" | "Failed")
}

/// When the pod's `Ready` condition last turned, if it is `True` now.
pub(crate) fn ready_since(pod: &Pod) -> Option<Option<Timestamp>> {
    let condition = pod
        .status
        .as_ref()?
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Ready")?;
    (condition.status == "True").then(|| condition.last_transition_time.as_ref().map(|t| t.0))
}

/// Whether the pod's `Ready` condition is `True`.
pub(crate) fn is_ready(pod: &Pod) -> bool {
    ready_since(pod).is_some()
}

/// Whether the pod has been ready for at least `min_ready_seconds` at `now`.
pub(crate) fn is_available(pod: &Pod, min_ready_seconds: i32, now: Timestamp) -> bool {
    match ready_since(pod) {
        None => false,
        Some(_) if min_ready_seconds <= 0 => true,
        Some(None) => false,
        Some(Some(since)) => since
            .checked_add(SignedDuration::from_secs(i64::from(min_ready_seconds)))
            .is_ok_and(|at| at < now),
    }
}

/// How long until a ready pod becomes available, when it is ready but not yet available.
pub(crate) fn time_to_available(
    pod: &Pod,
    min_ready_seconds: i32,
    now: Timestamp,
) -> Option<SignedDuration> {
    let since = ready_since(pod)??;
    if min_ready_seconds <= 0 {
        return None;
    }
    let at = since
        .checked_add(SignedDuration::from_secs(i64::from(min_ready_seconds)))
        .ok()?;
    (at >= now).then(|| at.duration_since(now))
}

fn phase_ordinal(pod: &Pod) -> u8 {
    match phase(pod) {
        "Unknown" => 1,
        "Running" => 2,
        _ => 0,
    }
}

fn deletion_cost(pod: &Pod) -> i32 {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(POD_DELETION_COST))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn node_name(pod: &Pod) -> &str {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .unwrap_or("")
}

/// The highest restart count of the regular containers and of the sidecars (restartable init
/// containers).
fn max_restarts(pod: &Pod) -> (i32, i32) {
    let Some(status) = pod.status.as_ref() else {
        return (0, 0);
    };
    let regular = status
        .container_statuses
        .iter()
        .flatten()
        .map(|c| c.restart_count)
        .max()
        .unwrap_or(0);
    let sidecars: Vec<&str> = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .into_iter()
        .flatten()
        .filter(|c| c.restart_policy.as_deref() == Some("Always"))
        .map(|c| c.name.as_str())
        .collect();
    let sidecar = status
        .init_container_statuses
        .iter()
        .flatten()
        .filter(|c| sidecars.contains(&c.name.as_str()))
        .map(|c| c.restart_count)
        .max()
        .unwrap_or(0);
    (regular, sidecar)
}

/// The bucket of an age on a logarithmic scale (kube's LogarithmicScaleDown): pods of about
/// the same age are treated alike, so that scale-down does not always pick the very newest.
fn log_age_rank(at: Timestamp, now: Timestamp) -> i64 {
    let nanos = now.duration_since(at).as_nanos();
    if nanos > 0 {
        (nanos as f64).log2() as i64
    } else {
        -1
    }
}

/// Compares two times the way scale-down wants: a missing time first, then the more recent
/// (on a logarithmic scale, ties broken by uid).
fn compare_recent_first(
    t1: Option<Timestamp>,
    t2: Option<Timestamp>,
    uids: (&str, &str),
    now: Timestamp,
) -> Option<Ordering> {
    if t1 == t2 {
        return None;
    }
    match (t1, t2) {
        (None, _) => Some(Ordering::Less),
        (_, None) => Some(Ordering::Greater),
        (Some(a), Some(b)) => {
            let diff = log_age_rank(a, now) - log_age_rank(b, now);
            Some(match diff.cmp(&0) {
                Ordering::Equal => uids.0.cmp(uids.1),
                other => other,
            })
        }
    }
}

/// Orders pods so that the ones to delete first come first, as kube's `ActivePodsWithRanks`:
/// unassigned before assigned, Pending before Unknown before Running, not ready before ready,
/// lower deletion cost first, pods doubled up on a node with more related pods first, more
/// recently ready first, more restarts first, newer first.
pub(crate) fn order_for_deletion(pods: &mut [&Pod], related: &[&Pod], now: Timestamp) {
    let mut on_node: HashMap<&str, usize> = HashMap::new();
    for pod in related.iter().filter(|p| is_active(p)) {
        *on_node.entry(node_name(pod)).or_default() += 1;
    }
    let rank = |p: &Pod| on_node.get(node_name(p)).copied().unwrap_or(0);
    pods.sort_by(|a, b| compare_for_deletion(a, b, rank(a), rank(b), now));
}

fn compare_for_deletion(
    s1: &Pod,
    s2: &Pod,
    rank1: usize,
    rank2: usize,
    now: Timestamp,
) -> Ordering {
    let (n1, n2) = (node_name(s1), node_name(s2));
    if n1 != n2 && (n1.is_empty() || n2.is_empty()) {
        return if n1.is_empty() {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    let by_phase = phase_ordinal(s1).cmp(&phase_ordinal(s2));
    if by_phase != Ordering::Equal {
        return by_phase;
    }
    let (r1, r2) = (ready_since(s1), ready_since(s2));
    if r1.is_some() != r2.is_some() {
        return if r1.is_none() {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    let by_cost = deletion_cost(s1).cmp(&deletion_cost(s2));
    if by_cost != Ordering::Equal {
        return by_cost;
    }
    if rank1 != rank2 {
        return rank2.cmp(&rank1);
    }
    let uids = (
        s1.metadata.uid.as_deref().unwrap_or(""),
        s2.metadata.uid.as_deref().unwrap_or(""),
    );
    if let (Some(t1), Some(t2)) = (r1, r2)
        && let Some(order) = compare_recent_first(t1, t2, uids, now)
    {
        return order;
    }
    let ((reg1, side1), (reg2, side2)) = (max_restarts(s1), max_restarts(s2));
    if reg1 != reg2 {
        return reg2.cmp(&reg1);
    }
    if side1 != side2 {
        return side2.cmp(&side1);
    }
    let created = |p: &Pod| p.metadata.creation_timestamp.as_ref().map(|t| t.0);
    compare_recent_first(created(s1), created(s2), uids, now).unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(yaml: serde_json::Value) -> Pod {
        serde_json::from_value(yaml).unwrap_or_else(|e| panic!("bad pod: {e}"))
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap_or_else(|e| panic!("bad time {s}: {e}"))
    }

    fn named(name: &str, extra: serde_json::Value) -> Pod {
        let mut v = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "uid": format!("uid-{name}"),
                         "creationTimestamp": "2025-01-01T00:00:00Z"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        });
        merge(&mut v, extra);
        pod(v)
    }

    fn merge(into: &mut serde_json::Value, from: serde_json::Value) {
        match (into, from) {
            (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
                for (k, v) in b {
                    merge(a.entry(k).or_insert(serde_json::Value::Null), v);
                }
            }
            (slot, v) => *slot = v,
        }
    }

    fn running_ready(name: &str, node: &str, ready_at: &str) -> Pod {
        named(
            name,
            serde_json::json!({
                "spec": {"nodeName": node},
                "status": {"phase": "Running", "conditions": [
                    {"type": "Ready", "status": "True", "lastTransitionTime": ready_at}]},
            }),
        )
    }

    #[test]
    fn activity_and_availability() {
        let now = ts("2025-01-01T00:10:00Z");
        let ready = running_ready("a", "n1", "2025-01-01T00:09:50Z");
        assert!(is_active(&ready) && is_ready(&ready));
        assert!(is_available(&ready, 0, now));
        assert!(is_available(&ready, 5, now));
        assert!(!is_available(&ready, 30, now));
        assert_eq!(
            time_to_available(&ready, 30, now),
            Some(SignedDuration::from_secs(20))
        );
        let failed = named("b", serde_json::json!({"status": {"phase": "Failed"}}));
        assert!(!is_active(&failed));
        let deleting = named(
            "c",
            serde_json::json!({"metadata": {"deletionTimestamp": "2025-01-01T00:00:00Z"}}),
        );
        assert!(!is_active(&deleting));
        let not_ready = named(
            "d",
            serde_json::json!({"status": {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "False"}]}}),
        );
        assert!(!is_ready(&not_ready) && !is_available(&not_ready, 0, now));
    }

    #[test]
    fn scale_down_prefers_unassigned_pending_unready_recent_restarting() {
        let now = ts("2025-01-02T00:00:00Z");
        let unassigned = named(
            "unassigned",
            serde_json::json!({"status": {"phase": "Pending"}}),
        );
        let pending = named(
            "pending",
            serde_json::json!({"spec": {"nodeName": "n1"}, "status": {"phase": "Pending"}}),
        );
        let unready = named(
            "unready",
            serde_json::json!({"spec": {"nodeName": "n1"}, "status": {"phase": "Running"}}),
        );
        let young = running_ready("young", "n2", "2025-01-01T23:59:00Z");
        let old = running_ready("old", "n3", "2025-01-01T00:00:00Z");
        let mut restarting = running_ready("restarting", "n4", "2025-01-01T00:00:00Z");
        if let Some(s) = restarting.status.as_mut() {
            s.container_statuses = Some(vec![
                serde_json::from_value(serde_json::json!({
                "name": "c", "image": "nginx", "imageID": "", "ready": true,
                "restartCount": 4}))
                .unwrap_or_else(|e| panic!("{e}")),
            ]);
        }
        let all = [&old, &young, &unready, &restarting, &pending, &unassigned];
        let mut pods: Vec<&Pod> = all.to_vec();
        order_for_deletion(&mut pods, &all, now);
        let names: Vec<&str> = pods
            .iter()
            .map(|p| p.metadata.name.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(
            names,
            [
                "unassigned",
                "pending",
                "unready",
                "young",
                "restarting",
                "old"
            ]
        );
    }

    #[test]
    fn scale_down_prefers_doubled_up_nodes_and_cheap_pods() {
        let now = ts("2025-01-02T00:00:00Z");
        let a = running_ready("a", "crowded", "2025-01-01T00:00:00Z");
        let b = running_ready("b", "crowded", "2025-01-01T00:00:00Z");
        let c = running_ready("c", "alone", "2025-01-01T00:00:00Z");
        let mut pods = vec![&c, &a, &b];
        let related = pods.clone();
        order_for_deletion(&mut pods, &related, now);
        assert_eq!(pods[2].metadata.name.as_deref(), Some("c"));
        let mut cheap = running_ready("cheap", "alone2", "2025-01-01T00:00:00Z");
        cheap.metadata.annotations = Some(
            [(POD_DELETION_COST.to_string(), "-10".to_string())]
                .into_iter()
                .collect(),
        );
        let mut pods = vec![&a, &b, &cheap];
        order_for_deletion(&mut pods, &related, now);
        assert_eq!(pods[0].metadata.name.as_deref(), Some("cheap"));
    }
}
