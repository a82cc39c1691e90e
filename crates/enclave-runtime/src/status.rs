//! A pod's status as kubelet computes it: the containers' states go in, the phase, the
//! conditions (with their transition times) and the container statuses come out as the JSON
//! of `status`. Also the QoS class and the image names the container runtime reports.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use crate::env::parse_quantity;
use crate::time::rfc3339_seconds;

/// How a container instance ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Terminated {
    pub(crate) exit_code: i32,
    pub(crate) reason: String,
    pub(crate) message: Option<String>,
    pub(crate) started_at: Timestamp,
    pub(crate) finished_at: Timestamp,
    pub(crate) container_id: String,
}

/// The state of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunState {
    Waiting {
        reason: String,
        message: Option<String>,
    },
    Running {
        started_at: Timestamp,
    },
    Terminated(Terminated),
}

/// What the status reports of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContainerModel {
    pub(crate) name: String,
    pub(crate) image: String,
    pub(crate) state: RunState,
    pub(crate) last: Option<Terminated>,
    pub(crate) ready: bool,
    pub(crate) started: bool,
    pub(crate) restart_count: i32,
    pub(crate) container_id: Option<String>,
}

impl ContainerModel {
    pub(crate) fn waiting(name: &str, image: &str, reason: &str) -> Self {
        ContainerModel {
            name: name.to_string(),
            image: image.to_string(),
            state: RunState::Waiting {
                reason: reason.to_string(),
                message: None,
            },
            last: None,
            ready: false,
            started: false,
            restart_count: 0,
            container_id: None,
        }
    }

    fn succeeded(&self) -> bool {
        matches!(&self.state, RunState::Terminated(t) if t.exit_code == 0)
    }
}

/// The restart policy of a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RestartPolicy {
    Always,
    OnFailure,
    Never,
}

impl RestartPolicy {
    pub(crate) fn of(pod: &Pod) -> Self {
        match pod.spec.as_ref().and_then(|s| s.restart_policy.as_deref()) {
            Some("Never") => RestartPolicy::Never,
            Some("OnFailure") => RestartPolicy::OnFailure,
            _ => RestartPolicy::Always,
        }
    }

    /// Whether a container that exited with `code` is started again.
    pub(crate) fn restarts(self, code: i32) -> bool {
        match self {
            RestartPolicy::Always => true,
            RestartPolicy::OnFailure => code != 0,
            RestartPolicy::Never => false,
        }
    }
}

/// The kubelet-owned conditions, in the order kubelet writes them.
pub(crate) const KUBELET_CONDITIONS: [&str; 4] = [
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
];

/// One computed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    pub(crate) kind: &'static str,
    pub(crate) status: bool,
    pub(crate) reason: Option<&'static str>,
    pub(crate) message: Option<String>,
}

/// Everything the status is computed from.
#[derive(Debug, Clone)]
pub(crate) struct PodModel {
    pub(crate) init: Vec<ContainerModel>,
    pub(crate) containers: Vec<ContainerModel>,
    pub(crate) restart_policy: RestartPolicy,
    pub(crate) pod_ip: Option<Ipv4Addr>,
    pub(crate) host_ip: Option<Ipv4Addr>,
    pub(crate) start_time: Option<Timestamp>,
    pub(crate) qos_class: &'static str,
    pub(crate) sandbox_ready: bool,
    /// Set once the pod is done for good (all containers stopped for the last time).
    pub(crate) terminal: bool,
    /// The last status and transition time of each kubelet condition.
    pub(crate) transitions: [Option<(bool, Timestamp)>; 4],
    /// Conditions other components own (PodScheduled, ...), kept as they are.
    pub(crate) other_conditions: Vec<Value>,
}

/// kubelet's `getPhase`.
pub(crate) fn phase(model: &PodModel) -> &'static str {
    let mut pending_init = 0;
    let mut failed_init = 0;
    for c in &model.init {
        match &c.state {
            RunState::Running { .. } => pending_init += 1,
            RunState::Terminated(t) => {
                if t.exit_code != 0 {
                    failed_init += 1;
                }
            }
            RunState::Waiting { .. } => match &c.last {
                Some(t) if t.exit_code != 0 => failed_init += 1,
                Some(_) => {}
                None => pending_init += 1,
            },
        }
    }
    let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
    for c in &model.containers {
        match &c.state {
            RunState::Running { .. } => running += 1,
            RunState::Terminated(t) => {
                stopped += 1;
                if t.exit_code == 0 {
                    succeeded += 1;
                }
            }
            RunState::Waiting { .. } => {
                if c.last.is_some() {
                    stopped += 1;
                } else {
                    waiting += 1;
                }
            }
        }
    }
    if failed_init > 0 && model.restart_policy == RestartPolicy::Never {
        return "Failed";
    }
    if pending_init > 0 || waiting > 0 {
        return "Pending";
    }
    if running > 0 {
        return "Running";
    }
    if stopped > 0 {
        if model.terminal {
            return if stopped == succeeded {
                "Succeeded"
            } else {
                "Failed"
            };
        }
        return match model.restart_policy {
            RestartPolicy::Always => "Running",
            _ if stopped == succeeded => "Succeeded",
            RestartPolicy::Never => "Failed",
            RestartPolicy::OnFailure => "Running",
        };
    }
    "Pending"
}

fn go_list(names: &[&str]) -> String {
    format!("[{}]", names.join(" "))
}

/// The kubelet conditions of the pod in phase `phase`.
pub(crate) fn conditions(model: &PodModel, phase: &str) -> [Condition; 4] {
    let completed = matches!(phase, "Succeeded" | "Failed");
    let sandbox = Condition {
        kind: "PodReadyToStartContainers",
        status: model.sandbox_ready && !completed,
        reason: None,
        message: None,
    };
    let any_started = model
        .containers
        .iter()
        .any(|c| !matches!(c.state, RunState::Waiting { .. }) || c.last.is_some());
    let incomplete: Vec<&str> = model
        .init
        .iter()
        .filter(|c| !c.succeeded())
        .map(|c| c.name.as_str())
        .collect();
    let initialized = if incomplete.is_empty() || any_started {
        Condition {
            kind: "Initialized",
            status: true,
            reason: None,
            message: None,
        }
    } else if completed {
        Condition {
            kind: "Initialized",
            status: false,
            reason: Some("PodCompleted"),
            message: None,
        }
    } else {
        Condition {
            kind: "Initialized",
            status: false,
            reason: Some("ContainersNotInitialized"),
            message: Some(format!(
                "containers with incomplete status: {}",
                go_list(&incomplete)
            )),
        }
    };
    let unready: Vec<&str> = model
        .containers
        .iter()
        .filter(|c| !c.ready)
        .map(|c| c.name.as_str())
        .collect();
    let (ready, reason, message) = if completed {
        (false, Some("PodCompleted"), None)
    } else if unready.is_empty() {
        (true, None, None)
    } else {
        (
            false,
            Some("ContainersNotReady"),
            Some(format!(
                "containers with unready status: {}",
                go_list(&unready)
            )),
        )
    };
    [
        sandbox,
        initialized,
        Condition {
            kind: "Ready",
            status: ready,
            reason,
            message: message.clone(),
        },
        Condition {
            kind: "ContainersReady",
            status: ready,
            reason,
            message,
        },
    ]
}

fn terminated_json(t: &Terminated) -> Value {
    let mut out = json!({
        "exitCode": t.exit_code,
        "reason": t.reason,
    });
    if let Some(message) = &t.message {
        out["message"] = json!(message);
    }
    out["startedAt"] = json!(rfc3339_seconds(t.started_at));
    out["finishedAt"] = json!(rfc3339_seconds(t.finished_at));
    out["containerID"] = json!(t.container_id);
    out
}

fn state_json(state: &RunState) -> Value {
    match state {
        RunState::Waiting { reason, message } => {
            let mut waiting = json!({ "reason": reason });
            if let Some(message) = message {
                waiting["message"] = json!(message);
            }
            json!({ "waiting": waiting })
        }
        RunState::Running { started_at } => {
            json!({ "running": { "startedAt": rfc3339_seconds(*started_at) } })
        }
        RunState::Terminated(t) => json!({ "terminated": terminated_json(t) }),
    }
}

fn container_json(c: &ContainerModel) -> Value {
    let mut out = json!({
        "name": c.name,
        "state": state_json(&c.state),
        "lastState": c.last.as_ref().map_or(json!({}), |t| json!({ "terminated": terminated_json(t) })),
        "ready": c.ready,
        "restartCount": c.restart_count,
        "image": normalize_image(&c.image),
        "imageID": if c.container_id.is_some() { image_id(&c.image) } else { String::new() },
    });
    if let Some(id) = &c.container_id {
        out["containerID"] = json!(id);
    }
    out["started"] = json!(c.started);
    out
}

/// The pod's `status`, updating the conditions' transition times to `now` where they change.
pub(crate) fn status_json(model: &mut PodModel, now: Timestamp) -> Value {
    let phase = phase(model);
    let computed = conditions(model, phase);
    let mut list = Vec::with_capacity(computed.len() + model.other_conditions.len());
    for (slot, condition) in model.transitions.iter_mut().zip(computed.iter()) {
        let since = match slot {
            Some((status, since)) if *status == condition.status => *since,
            _ => now,
        };
        *slot = Some((condition.status, since));
        let mut entry = json!({
            "type": condition.kind,
            "status": if condition.status { "True" } else { "False" },
            "lastProbeTime": null,
            "lastTransitionTime": rfc3339_seconds(since),
        });
        if let Some(reason) = condition.reason {
            entry["reason"] = json!(reason);
        }
        if let Some(message) = &condition.message {
            entry["message"] = json!(message);
        }
        list.push(entry);
    }
    list.extend(model.other_conditions.iter().cloned());
    let mut status = json!({
        "phase": phase,
        "conditions": list,
    });
    if let Some(host_ip) = model.host_ip {
        status["hostIP"] = json!(host_ip.to_string());
        status["hostIPs"] = json!([{ "ip": host_ip.to_string() }]);
    }
    if let Some(pod_ip) = model.pod_ip {
        status["podIP"] = json!(pod_ip.to_string());
        status["podIPs"] = json!([{ "ip": pod_ip.to_string() }]);
    }
    if let Some(start) = model.start_time {
        status["startTime"] = json!(rfc3339_seconds(start));
    }
    if !model.init.is_empty() {
        status["initContainerStatuses"] =
            Value::Array(model.init.iter().map(container_json).collect());
    }
    status["containerStatuses"] =
        Value::Array(model.containers.iter().map(container_json).collect());
    status["qosClass"] = json!(model.qos_class);
    status
}

/// The pod's QoS class: Guaranteed when every container's requests equal its limits for
/// CPU and memory, BestEffort when none sets any, Burstable otherwise.
pub(crate) fn qos_class(pod: &Pod) -> &'static str {
    let Some(spec) = pod.spec.as_ref() else {
        return "BestEffort";
    };
    let mut any = false;
    let mut guaranteed = true;
    for container in spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
    {
        let resources = container.resources.as_ref();
        let limits = resources.and_then(|r| r.limits.as_ref());
        let requests = resources.and_then(|r| r.requests.as_ref());
        for name in ["cpu", "memory"] {
            let limit = limits
                .and_then(|l| l.get(name))
                .and_then(|q| parse_quantity(&q.0));
            let request = requests
                .and_then(|r| r.get(name))
                .and_then(|q| parse_quantity(&q.0))
                .or(limit);
            if limit.is_some_and(|l| l != 0.0) || request.is_some_and(|r| r != 0.0) {
                any = true;
            }
            match (limit, request) {
                (Some(l), Some(r)) if l == r && l != 0.0 => {}
                _ => guaranteed = false,
            }
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

/// The image as containerd reports it: `nginx` is `docker.io/library/nginx:latest`.
pub(crate) fn normalize_image(image: &str) -> String {
    let (first, _) = image.split_once('/').unwrap_or(("", image));
    let has_domain =
        image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let mut name = if has_domain {
        image.to_string()
    } else if image.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    };
    let last = name.rsplit('/').next().unwrap_or_default();
    if !last.contains(':') && !last.contains('@') {
        name.push_str(":latest");
    }
    name
}

/// A stable digest-like id for an image (no image is pulled, so no real digest exists).
pub(crate) fn image_id(image: &str) -> String {
    let normalized = normalize_image(image);
    let repository = match normalized.rsplit_once('@') {
        Some((repo, _)) => repo.to_string(),
        None => {
            let slash = normalized.rfind('/').unwrap_or(0);
            match normalized[slash..].rfind(':') {
                Some(colon) => normalized[..slash + colon].to_string(),
                None => normalized.clone(),
            }
        }
    };
    format!("{repository}@sha256:{}", hex64(&normalized))
}

/// A container id in containerd's form, stable for one instance of one container.
pub(crate) fn container_id(pod_uid: &str, container: &str, instance: u32) -> String {
    format!(
        "containerd://{}",
        hex64(&format!("{pod_uid}/{container}/{instance}"))
    )
}

/// 64 hex digits derived from `text` (FNV-1a with four seeds).
fn hex64(text: &str) -> String {
    let mut out = String::with_capacity(64);
    for seed in 0u64..4 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for byte in text.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        let _ = write!(out, "{hash:016x}");
    }
    out
}
