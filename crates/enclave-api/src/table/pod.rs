//! The Pod row: readiness, the status reason logic (init containers, waiting and terminated
//! reasons, Completed, Terminating, NodeLost), restarts with the last restart's age, and the
//! wide columns.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::age::{parse_time, since};
use super::fields::{array, i64_at, none_if_empty, str_at};

/// The pod's cells and, for finished pods, the row conditions kube-apiserver attaches.
pub(super) fn pod_row(pod: &Value, now: Timestamp) -> (Vec<Value>, Option<Value>) {
    let init_specs = array(pod, "/spec/initContainers");
    let is_restartable_init = |name: &str| {
        init_specs
            .iter()
            .any(|c| str_at(c, "/name") == name && str_at(c, "/restartPolicy") == "Always")
    };
    let phase = str_at(pod, "/status/phase");
    let mut reason = match str_at(pod, "/status/reason") {
        "" => phase.to_string(),
        r => r.to_string(),
    };
    let conditions = array(pod, "/status/conditions");
    if conditions
        .iter()
        .any(|c| str_at(c, "/type") == "PodScheduled" && str_at(c, "/reason") == "SchedulingGated")
    {
        reason = "SchedulingGated".to_string();
    }
    let row_conditions = match phase {
        "Succeeded" => Some(
            json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}]),
        ),
        "Failed" => Some(
            json!([{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]),
        ),
        _ => None,
    };

    let mut total = array(pod, "/spec/containers").len();
    total += init_specs
        .iter()
        .filter(|c| str_at(c, "/restartPolicy") == "Always")
        .count();
    let mut ready = 0usize;
    let mut restarts: i64 = 0;
    let mut restartable_init_restarts: i64 = 0;
    let mut last_restart: Option<Timestamp> = None;
    let mut last_restartable_init_restart: Option<Timestamp> = None;

    let mut initializing = false;
    for (i, status) in array(pod, "/status/initContainerStatuses")
        .iter()
        .enumerate()
    {
        let restart_count = i64_at(status, "/restartCount");
        restarts = restarts.saturating_add(restart_count);
        let finished = parse_time(status.pointer("/lastState/terminated/finishedAt"));
        last_restart = later(last_restart, finished);
        let restartable = is_restartable_init(str_at(status, "/name"));
        if restartable {
            restartable_init_restarts = restartable_init_restarts.saturating_add(restart_count);
            last_restartable_init_restart = later(last_restartable_init_restart, finished);
        }
        let terminated = status.pointer("/state/terminated");
        let waiting_reason = str_at(status, "/state/waiting/reason");
        if terminated.is_some() && i64_at(status, "/state/terminated/exitCode") == 0 {
            continue;
        }
        if restartable && status.get("started").and_then(Value::as_bool) == Some(true) {
            if status.get("ready").and_then(Value::as_bool) == Some(true) {
                ready += 1;
            }
            continue;
        }
        if terminated.is_some() {
            reason = match str_at(status, "/state/terminated/reason") {
                "" => {
                    let signal = i64_at(status, "/state/terminated/signal");
                    if signal != 0 {
                        format!("Init:Signal:{signal}")
                    } else {
                        format!(
                            "Init:ExitCode:{}",
                            i64_at(status, "/state/terminated/exitCode")
                        )
                    }
                }
                r => format!("Init:{r}"),
            };
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            reason = format!("Init:{waiting_reason}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    let initialized = conditions
        .iter()
        .any(|c| str_at(c, "/type") == "Initialized" && str_at(c, "/status") == "True");
    if !initializing || initialized {
        restarts = restartable_init_restarts;
        last_restart = last_restartable_init_restart;
        let mut has_running = false;
        for status in array(pod, "/status/containerStatuses").iter().rev() {
            restarts = restarts.saturating_add(i64_at(status, "/restartCount"));
            last_restart = later(
                last_restart,
                parse_time(status.pointer("/lastState/terminated/finishedAt")),
            );
            let waiting_reason = str_at(status, "/state/waiting/reason");
            let terminated = status.pointer("/state/terminated");
            let terminated_reason = str_at(status, "/state/terminated/reason");
            if status.pointer("/state/waiting").is_some() && !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if terminated.is_some() && !terminated_reason.is_empty() {
                reason = terminated_reason.to_string();
            } else if terminated.is_some() {
                let signal = i64_at(status, "/state/terminated/signal");
                reason = if signal != 0 {
                    format!("Signal:{signal}")
                } else {
                    format!("ExitCode:{}", i64_at(status, "/state/terminated/exitCode"))
                };
            } else if status.get("ready").and_then(Value::as_bool) == Some(true)
                && status.pointer("/state/running").is_some()
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| str_at(c, "/type") == "Ready" && str_at(c, "/status") == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.to_string();
        }
    }

    let deleting = parse_time(pod.pointer("/metadata/deletionTimestamp")).is_some();
    if deleting && str_at(pod, "/status/reason") == "NodeLost" {
        reason = "Unknown".to_string();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".to_string();
    }

    let restarts_cell = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", since(Some(t), now)),
        _ => restarts.to_string(),
    };

    let pod_ip = pod
        .pointer("/status/podIPs/0/ip")
        .and_then(Value::as_str)
        .unwrap_or_else(|| str_at(pod, "/status/podIP"));
    let gates = array(pod, "/spec/readinessGates");
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let true_conditions = gates
            .iter()
            .filter(|gate| {
                let wanted = str_at(gate, "/conditionType");
                conditions
                    .iter()
                    .find(|c| str_at(c, "/type") == wanted)
                    .is_some_and(|c| str_at(c, "/status") == "True")
            })
            .count();
        format!("{true_conditions}/{}", gates.len())
    };

    let cells = vec![
        Value::from(str_at(pod, "/metadata/name")),
        Value::from(format!("{ready}/{total}")),
        Value::from(reason),
        Value::from(restarts_cell),
        Value::from(since(
            parse_time(pod.pointer("/metadata/creationTimestamp")),
            now,
        )),
        Value::from(none_if_empty(pod_ip)),
        Value::from(none_if_empty(str_at(pod, "/spec/nodeName"))),
        Value::from(none_if_empty(str_at(pod, "/status/nominatedNodeName"))),
        Value::from(readiness_gates),
    ];
    (cells, row_conditions)
}

/// The later of two optional times (a missing time is Go's zero time).
fn later(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}
