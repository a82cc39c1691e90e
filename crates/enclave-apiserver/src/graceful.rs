//! Graceful deletion, as kube-apiserver's `rest.BeforeDelete` and the pod strategy's
//! `CheckGracefulDelete` decide it: a running pod is not removed by a DELETE but marked with
//! `deletionTimestamp` (now + grace period) and `deletionGracePeriodSeconds`; its node agent
//! removes it with a grace period of 0 once the containers stopped. Pure: time is a parameter.

use enclave_api::ResourceInfo;
use serde_json::{Value, json};

/// The grace period of a pod that does not set `spec.terminationGracePeriodSeconds`.
const DEFAULT_GRACE_SECONDS: i64 = 30;

/// What a DELETE does to an object, before finalizers are considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Graceful {
    /// The kind (or this object) is not deleted gracefully.
    No,
    /// A graceful deletion with an equal or shorter period is already under way: nothing
    /// changes and the object is answered as it is.
    AlreadyPending,
    /// The object was given (or had shortened) its deletion timestamp and grace period,
    /// which must be written; with a period of 0 the object then goes at once.
    Marked {
        /// The grace period now in the object.
        seconds: i64,
    },
}

/// Whether the kind is deleted gracefully (only Pods among the built-in kinds).
pub(crate) fn is_graceful_kind(resource: &ResourceInfo) -> bool {
    resource.group.is_empty() && resource.plural == "pods"
}

fn int_at(obj: &Value, pointer: &str) -> Option<i64> {
    obj.pointer(pointer).and_then(Value::as_i64)
}

fn rfc3339(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The pod strategy's `CheckGracefulDelete`: the requested period, else the pod's own, but 0
/// for a pod that no node runs (unscheduled) or whose containers all ended.
fn pod_grace_period(pod: &Value, requested: Option<i64>) -> i64 {
    let mut period = requested
        .or_else(|| int_at(pod, "/spec/terminationGracePeriodSeconds"))
        .unwrap_or(DEFAULT_GRACE_SECONDS);
    let unscheduled = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty);
    let terminal = matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed")
    );
    if unscheduled || terminal {
        period = 0;
    }
    // Negative periods mean "as soon as possible", which upstream rounds to one second.
    if period < 0 { 1 } else { period }
}

/// `rest.BeforeDelete` for graceful kinds: decides and updates `obj`'s deletion metadata in
/// place. `requested` is the DELETE's `gracePeriodSeconds` (negative values count as 1).
pub(crate) fn decide(
    resource: &ResourceInfo,
    obj: &mut Value,
    requested: Option<i64>,
    now: jiff::Timestamp,
) -> Graceful {
    if !is_graceful_kind(resource) {
        return Graceful::No;
    }
    let requested = requested.map(|g| if g < 0 { 1 } else { g });
    let current_grace = int_at(obj, "/metadata/deletionGracePeriodSeconds");
    let current_deadline = obj
        .pointer("/metadata/deletionTimestamp")
        .and_then(Value::as_str)
        .map(str::to_string);
    let period = match &current_deadline {
        Some(_) => requested.unwrap_or(0),
        None => pod_grace_period(obj, requested),
    };
    let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return Graceful::No;
    };
    let Some(deadline) = current_deadline else {
        let deadline = now
            .checked_add(jiff::SignedDuration::from_secs(period))
            .unwrap_or(now);
        m.insert("deletionTimestamp".into(), json!(rfc3339(deadline)));
        m.insert("deletionGracePeriodSeconds".into(), json!(period));
        // The first mark of a deletion bumps the generation, as upstream does for every kind.
        if let Some(generation) = m.get("generation").and_then(Value::as_i64)
            && generation > 0
        {
            m.insert("generation".into(), json!(generation + 1));
        }
        return Graceful::Marked { seconds: period };
    };
    // Already being deleted. A period of 0 (or none) recorded means a deletion that was
    // marked but not finished (finalizers, or a failed delete): it proceeds at once.
    let current = current_grace.unwrap_or(0);
    if current <= 0 {
        return Graceful::No;
    }
    // Only a shorter grace period changes anything; the deadline moves by the difference.
    if requested.is_none_or(|p| p >= current) {
        return Graceful::AlreadyPending;
    }
    let start = deadline
        .parse::<jiff::Timestamp>()
        .ok()
        .and_then(|d| d.checked_sub(jiff::SignedDuration::from_secs(current)).ok())
        .unwrap_or(now);
    let new_deadline = start
        .checked_add(jiff::SignedDuration::from_secs(period))
        .unwrap_or(now);
    m.insert("deletionTimestamp".into(), json!(rfc3339(new_deadline)));
    m.insert("deletionGracePeriodSeconds".into(), json!(period));
    Graceful::Marked { seconds: period }
}

#[cfg(test)]
mod tests {
    use enclave_api::registry;

    use super::*;

    fn pods() -> &'static ResourceInfo {
        registry::find("", "v1", "pods").unwrap()
    }

    fn now() -> jiff::Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    fn pod(node: Option<&str>, phase: &str) -> Value {
        let mut p = json!({"metadata":{"name":"web","generation":1},
            "spec":{"containers":[{"name":"c","image":"nginx"}],"terminationGracePeriodSeconds":30},
            "status":{"phase":phase}});
        if let Some(n) = node {
            p["spec"]["nodeName"] = json!(n);
        }
        p
    }

    #[test]
    fn bound_running_pod_is_marked_with_its_grace_period() {
        let mut p = pod(Some("node-1"), "Running");
        assert_eq!(
            decide(pods(), &mut p, None, now()),
            Graceful::Marked { seconds: 30 }
        );
        assert_eq!(p["metadata"]["deletionTimestamp"], "2026-01-01T00:00:30Z");
        assert_eq!(p["metadata"]["deletionGracePeriodSeconds"], 30);
        assert_eq!(p["metadata"]["generation"], 2);
        let mut q = pod(Some("node-1"), "Running");
        assert_eq!(
            decide(pods(), &mut q, Some(5), now()),
            Graceful::Marked { seconds: 5 }
        );
        let mut r = pod(Some("node-1"), "Running");
        assert_eq!(
            decide(pods(), &mut r, Some(-3), now()),
            Graceful::Marked { seconds: 1 }
        );
        let mut default = pod(Some("node-1"), "Running");
        default["spec"]
            .as_object_mut()
            .unwrap()
            .remove("terminationGracePeriodSeconds");
        assert_eq!(
            decide(pods(), &mut default, None, now()),
            Graceful::Marked { seconds: 30 }
        );
    }

    #[test]
    fn unbound_terminal_or_forced_pods_get_zero() {
        for (mut p, requested) in [
            (pod(None, "Pending"), None),
            (pod(Some("n"), "Succeeded"), None),
            (pod(Some("n"), "Failed"), Some(10)),
            (pod(Some("n"), "Running"), Some(0)),
        ] {
            assert_eq!(
                decide(pods(), &mut p, requested, now()),
                Graceful::Marked { seconds: 0 }
            );
            assert_eq!(p["metadata"]["deletionTimestamp"], "2026-01-01T00:00:00Z");
        }
    }

    #[test]
    fn a_later_delete_may_only_shorten() {
        let mut p = pod(Some("node-1"), "Running");
        decide(pods(), &mut p, None, now());
        let later: jiff::Timestamp = "2026-01-01T00:00:10Z".parse().unwrap();
        assert_eq!(
            decide(pods(), &mut p, None, later),
            Graceful::AlreadyPending
        );
        assert_eq!(
            decide(pods(), &mut p, Some(60), later),
            Graceful::AlreadyPending
        );
        assert_eq!(
            decide(pods(), &mut p, Some(10), later),
            Graceful::Marked { seconds: 10 }
        );
        assert_eq!(p["metadata"]["deletionTimestamp"], "2026-01-01T00:00:10Z");
        assert_eq!(
            p["metadata"]["generation"], 2,
            "only the first mark bumps it"
        );
        assert_eq!(
            decide(pods(), &mut p, Some(0), later),
            Graceful::Marked { seconds: 0 }
        );
        assert_eq!(p["metadata"]["deletionTimestamp"], "2026-01-01T00:00:00Z");
        assert_eq!(decide(pods(), &mut p, None, later), Graceful::No);
    }

    #[test]
    fn other_kinds_are_not_graceful() {
        let cms = registry::find("", "v1", "configmaps").unwrap();
        let mut cm = json!({"metadata":{"name":"c"}});
        assert_eq!(decide(cms, &mut cm, Some(30), now()), Graceful::No);
        assert!(cm["metadata"].get("deletionTimestamp").is_none());
    }
}
