//! One pod's lifecycle, on one task: resolve each container's environment, run the init
//! containers in order, then the containers, each workload on its own task; probe them,
//! restart them with back-off, record kubelet's events and publish the status; stop them
//! when the pod is deleted (then finalize it in the API) or the runtime shuts down.

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use enclave_workloads::{DeclaredPort, Exit, PodIdentity, WorkloadContext, WorkloadSpec};
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod, Secret};
use kube::api::Api;
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::backoff::BackOff;
use crate::env::{self, EnvSources, PodFacts};
use crate::events::{EventRecord, Events, PodRef, field_path};
use crate::logs::InstanceLog;
use crate::ports::InstancePorts;
use crate::probe::{self, ProbeKind, ProbeSpec, ProbeTracker};
use crate::runtime::{Runtime, finalize_in_api};
use crate::status::{self, ContainerModel, PodModel, RestartPolicy, RunState, Terminated};
use crate::status_writer::{StatusUpdate, StatusWriter, write_status};

/// What every pod task shares.
pub(crate) struct Shared {
    pub(crate) runtime: Arc<Runtime>,
    pub(crate) client: kube::Client,
    pub(crate) events: Events,
    pub(crate) status: Arc<StatusWriter>,
}

/// How the runtime steers a pod's task.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PodControl {
    pub(crate) stop: Option<StopRequest>,
    /// Conditions of the pod that others own (PodScheduled, ...).
    pub(crate) other_conditions: Vec<Value>,
}

/// Stop the pod's containers with `grace`; `finalize` = the pod is being deleted: report
/// and delete it once stopped (otherwise the runtime is shutting down or the pod is gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StopRequest {
    pub(crate) grace: Duration,
    pub(crate) finalize: bool,
}

/// How long a workload has to fail before it counts as started.
const START_WINDOW: Duration = Duration::from_millis(100);
/// The delay before retrying a container whose configuration (env) could not be built, and
/// the least delay before retrying one that failed to start.
const CONFIG_RETRY: Duration = Duration::from_secs(10);
const START_RETRY: Duration = Duration::from_secs(1);
/// The grace beyond the pod's own after which a workload that does not stop is aborted.
const STOP_SLACK: Duration = Duration::from_secs(2);

struct Instance {
    number: u32,
    stop: watch::Sender<Option<Duration>>,
    ports: Arc<InstancePorts>,
    log: Arc<InstanceLog>,
    abort: AbortHandle,
    started_at: Timestamp,
    container_id: String,
}

struct ProbeState {
    spec: ProbeSpec,
    tracker: ProbeTracker,
    due: Option<Instant>,
    in_flight: bool,
}

struct Slot {
    container: Container,
    init: bool,
    model: ContainerModel,
    probes: Vec<ProbeState>,
    backoff: BackOff,
    instance: Option<Instance>,
    /// When to start the container (again); `None` = not to be started now.
    start_at: Option<Instant>,
    instances: u32,
    /// The liveness or startup probe whose failure stopped the instance.
    killed_by_probe: bool,
}

impl Slot {
    fn has_probe(&self, kind: ProbeKind) -> bool {
        self.probes.iter().any(|p| p.spec.kind == kind)
    }
}

type ExitFuture = BoxFuture<'static, (usize, u32, Result<Exit, String>)>;
type ProbeFuture = BoxFuture<'static, (usize, usize, u32, Result<(), String>)>;

struct PodTask {
    shared: Arc<Shared>,
    pod: Pod,
    pod_ref: Arc<PodRef>,
    ip: Ipv4Addr,
    host_ip: Option<Ipv4Addr>,
    slots: Vec<Slot>,
    restart_policy: RestartPolicy,
    start_time: Timestamp,
    qos_class: &'static str,
    terminal: bool,
    transitions: [Option<(bool, Timestamp)>; 4],
    other_conditions: Vec<Value>,
    last_published: u64,
    exits: FuturesUnordered<ExitFuture>,
    probes: FuturesUnordered<ProbeFuture>,
}

/// Runs pod `pod` with address `ip` until it is stopped.
pub(crate) async fn run_pod(
    shared: Arc<Shared>,
    pod: Pod,
    ip: Ipv4Addr,
    mut control: watch::Receiver<PodControl>,
) {
    let mut task = PodTask::new(shared, pod, ip, control.borrow().other_conditions.clone());
    task.publish();
    let stop = loop {
        task.start_due().await;
        task.publish();
        let deadline = task.next_deadline();
        tokio::select! {
            Some((slot, number, result)) = task.exits.next() => task.on_exit(slot, number, result),
            Some((slot, probe, number, result)) = task.probes.next() => task.on_probe(slot, probe, number, result),
            () = sleep_until(deadline) => task.launch_due_probes(),
            changed = control.changed() => {
                let current = control.borrow_and_update().clone();
                task.other_conditions = current.other_conditions;
                match (changed, current.stop) {
                    (Ok(()), Some(stop)) => break stop,
                    (Ok(()), None) => {}
                    // The runtime dropped the handle: stop at once.
                    (Err(_), _) => break StopRequest { grace: Duration::ZERO, finalize: false },
                }
            }
        }
    };
    task.stop(stop).await;
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// What of the pod's spec the environment's field and resource references read, once the
/// containers themselves are held by their slots: 10,000 running pods each keep this.
fn env_spec(spec: &k8s_openapi::api::core::v1::PodSpec) -> k8s_openapi::api::core::v1::PodSpec {
    let names_and_resources = |containers: &[Container]| -> Vec<Container> {
        containers
            .iter()
            .map(|c| Container {
                name: c.name.clone(),
                resources: c.resources.clone(),
                ..Container::default()
            })
            .collect()
    };
    k8s_openapi::api::core::v1::PodSpec {
        node_name: spec.node_name.clone(),
        service_account_name: spec.service_account_name.clone(),
        containers: names_and_resources(&spec.containers),
        init_containers: spec.init_containers.as_deref().map(names_and_resources),
        ..Default::default()
    }
}

/// The pod without what the runtime does not need to keep (managed fields, status).
fn slim(mut pod: Pod) -> Pod {
    pod.metadata.managed_fields = None;
    pod.status = None;
    pod
}

impl PodTask {
    fn new(shared: Arc<Shared>, pod: Pod, ip: Ipv4Addr, other_conditions: Vec<Value>) -> Self {
        let node = crate::runtime::node_of(&pod);
        let host_ip = shared.runtime.config.node_ip(&node);
        let pod_ref = Arc::new(PodRef {
            namespace: crate::runtime::namespace_of(&pod),
            name: pod.metadata.name.clone().unwrap_or_default(),
            uid: crate::runtime::uid_of(&pod),
            node,
        });
        let previous: HashMap<String, i32> = pod
            .status
            .iter()
            .flat_map(|s| {
                s.container_statuses
                    .iter()
                    .flatten()
                    .chain(s.init_container_statuses.iter().flatten())
            })
            .map(|c| (c.name.clone(), c.restart_count))
            .collect();
        // A pod adopted after a restart keeps its start time and restart counts.
        let start_time = pod
            .status
            .as_ref()
            .and_then(|s| s.start_time.as_ref())
            .and_then(|t| t.0.to_string().parse::<Timestamp>().ok())
            .unwrap_or_else(Timestamp::now);
        let restart_policy = RestartPolicy::of(&pod);
        let qos_class = status::qos_class(&pod);
        let mut pod = slim(pod);
        let spec = pod.spec.take().unwrap_or_default();
        pod.spec = Some(env_spec(&spec));
        let has_init = spec.init_containers.as_ref().is_some_and(|i| !i.is_empty());
        let waiting_reason = if has_init {
            "PodInitializing"
        } else {
            "ContainerCreating"
        };
        let mut slots = Vec::new();
        for (init, container) in spec
            .init_containers
            .iter()
            .flatten()
            .map(|c| (true, c))
            .chain(spec.containers.iter().map(|c| (false, c)))
        {
            let mut model = ContainerModel::waiting(
                &container.name,
                container.image.as_deref().unwrap_or_default(),
                waiting_reason,
            );
            model.restart_count = previous.get(&container.name).copied().unwrap_or(0);
            let probes = if init {
                Vec::new()
            } else {
                ProbeSpec::of_container(container)
                    .into_iter()
                    .map(|spec| ProbeState {
                        tracker: ProbeTracker::new(spec.kind),
                        spec,
                        due: None,
                        in_flight: false,
                    })
                    .collect()
            };
            slots.push(Slot {
                container: container.clone(),
                init,
                model,
                probes,
                backoff: BackOff::default(),
                instance: None,
                start_at: None,
                instances: 0,
                killed_by_probe: false,
            });
        }
        // The first init container, or all containers, may start now.
        let now = Instant::now();
        match slots.iter().position(|s| s.init) {
            Some(first) => slots[first].start_at = Some(now),
            None => slots.iter_mut().for_each(|s| s.start_at = Some(now)),
        }
        let names: Vec<(String, &'static str)> = slots
            .iter()
            .map(|s| (s.model.name.clone(), waiting_reason))
            .collect();
        shared
            .runtime
            .logs
            .register(&pod_ref.uid, &pod_ref.name, &names);
        PodTask {
            shared,
            pod,
            pod_ref,
            ip,
            host_ip,
            slots,
            restart_policy,
            start_time,
            qos_class,
            terminal: false,
            transitions: [None; 4],
            other_conditions,
            last_published: 0,
            exits: FuturesUnordered::new(),
            probes: FuturesUnordered::new(),
        }
    }

    fn event(&self, slot: Option<usize>, warning: bool, reason: &'static str, message: String) {
        let field_path = slot
            .and_then(|i| self.slots.get(i))
            .map(|s| field_path(s.init, &s.model.name));
        self.shared.events.emit(EventRecord {
            pod: self.pod_ref.clone(),
            field_path,
            warning,
            reason,
            message,
        });
    }

    fn pod_label(&self) -> String {
        format!(
            "{}_{}({})",
            self.pod_ref.name, self.pod_ref.namespace, self.pod_ref.uid
        )
    }

    fn model(&self) -> PodModel {
        PodModel {
            init: self
                .slots
                .iter()
                .filter(|s| s.init)
                .map(|s| s.model.clone())
                .collect(),
            containers: self
                .slots
                .iter()
                .filter(|s| !s.init)
                .map(|s| s.model.clone())
                .collect(),
            restart_policy: self.restart_policy,
            pod_ip: Some(self.ip),
            host_ip: self.host_ip,
            start_time: Some(self.start_time),
            qos_class: self.qos_class,
            sandbox_ready: !self.terminal,
            terminal: self.terminal,
            transitions: self.transitions,
            other_conditions: self.other_conditions.clone(),
        }
    }

    fn compute_status(&mut self) -> Value {
        let mut model = self.model();
        let status = status::status_json(&mut model, Timestamp::now());
        self.transitions = model.transitions;
        status
    }

    /// Queues the status if it changed since the last one.
    fn publish(&mut self) {
        let status = self.compute_status();
        let mut hasher = DefaultHasher::new();
        status.to_string().hash(&mut hasher);
        let digest = hasher.finish();
        if digest == self.last_published {
            return;
        }
        self.last_published = digest;
        self.shared.status.submit(StatusUpdate {
            namespace: self.pod_ref.namespace.clone(),
            name: self.pod_ref.name.clone(),
            uid: self.pod_ref.uid.clone(),
            status,
        });
    }

    fn next_deadline(&self) -> Option<Instant> {
        let starts = self.slots.iter().filter_map(|s| s.start_at);
        let probes = self
            .slots
            .iter()
            .filter(|s| s.instance.is_some())
            .flat_map(|s| {
                s.probes
                    .iter()
                    .filter(|p| !p.in_flight)
                    .filter_map(|p| p.due)
            });
        starts.chain(probes).min()
    }

    /// Starts every container whose time has come.
    async fn start_due(&mut self) {
        let now = Instant::now();
        let due: Vec<usize> = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.instance.is_none() && s.start_at.is_some_and(|at| at <= now))
            .map(|(i, _)| i)
            .collect();
        for index in due {
            self.start(index).await;
        }
    }

    /// Starts one container: its environment, kubelet's events, the workload on its task.
    async fn start(&mut self, index: usize) {
        let Some(slot) = self.slots.get(index) else {
            return;
        };
        let container = slot.container.clone();
        let env = resolve_env(&self.shared, &self.pod, self.ip, self.host_ip, &container).await;
        self.start_with_env(index, container, env).await;
    }

    async fn start_with_env(
        &mut self,
        index: usize,
        container: Container,
        env: Result<Vec<(String, String)>, String>,
    ) {
        let image = container.image.clone().unwrap_or_default();
        let env = match env {
            Ok(env) => env,
            Err(message) => {
                self.event(Some(index), true, "Failed", format!("Error: {message}"));
                if let Some(slot) = self.slots.get_mut(index) {
                    slot.model.state = RunState::Waiting {
                        reason: "CreateContainerConfigError".into(),
                        message: Some(message),
                    };
                    slot.start_at = Some(Instant::now() + CONFIG_RETRY);
                }
                return;
            }
        };
        self.event(
            Some(index),
            false,
            "Pulled",
            format!("Container image {image:?} already present on machine"),
        );
        self.event(
            Some(index),
            false,
            "Created",
            format!("Created container: {}", container.name),
        );
        let spec = WorkloadSpec {
            container: container.name.clone(),
            image: image.clone(),
            command: env::expand_all(container.command.as_deref().unwrap_or_default(), &env),
            args: env::expand_all(container.args.as_deref().unwrap_or_default(), &env),
            env,
            ports: container
                .ports
                .iter()
                .flatten()
                .filter_map(|p| {
                    Some(DeclaredPort {
                        name: p.name.clone(),
                        port: u16::try_from(p.container_port).ok()?,
                        protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                    })
                })
                .collect(),
            pod: PodIdentity {
                name: self.pod_ref.name.clone(),
                namespace: self.pod_ref.namespace.clone(),
                uid: self.pod_ref.uid.clone(),
                ip: self.ip.to_string(),
                node: self.pod_ref.node.clone(),
            },
        };
        let runtime = &self.shared.runtime;
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        let number = slot.instances;
        slot.instances += 1;
        let log = runtime
            .logs
            .new_instance(&self.pod_ref.uid, &container.name);
        let ports = InstancePorts::new(runtime.ports.clone(), IpAddr::V4(self.ip));
        let (stop, stop_rx) = watch::channel(None);
        let context = WorkloadContext {
            binder: ports.clone(),
            log: log.clone(),
            allow_host_processes: runtime.config.allow_host_processes,
        };
        let mut handle = tokio::spawn(runtime.runner.run(spec, context, stop_rx));
        let started_at = Timestamp::now();
        let container_id = status::container_id(&self.pod_ref.uid, &container.name, number);
        slot.instance = Some(Instance {
            number,
            stop,
            ports,
            log,
            abort: handle.abort_handle(),
            started_at,
            container_id: container_id.clone(),
        });
        slot.start_at = None;
        // Restarts count from the second instance; an adopted pod keeps its count.
        if number > 0 {
            slot.model.restart_count += 1;
        }
        let early = tokio::time::timeout(START_WINDOW, &mut handle).await;
        let failed_to_start = matches!(&early, Ok(Ok(Err(_))));
        if !failed_to_start {
            self.event(
                Some(index),
                false,
                "Started",
                format!("Started container {}", container.name),
            );
        }
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        slot.model.state = RunState::Running { started_at };
        slot.model.container_id = Some(container_id);
        slot.killed_by_probe = false;
        slot.model.started = !slot.has_probe(ProbeKind::Startup);
        slot.model.ready =
            !slot.init && slot.model.started && !slot.has_probe(ProbeKind::Readiness);
        let now = Instant::now();
        for probe in &mut slot.probes {
            probe.tracker = ProbeTracker::new(probe.spec.kind);
            probe.due = Some(now + probe.spec.initial_delay);
            probe.in_flight = false;
        }
        match early {
            Ok(result) => self.on_exit(index, number, flatten(result)),
            Err(_) => self.exits.push(Box::pin(
                async move { (index, number, flatten(handle.await)) },
            )),
        }
    }

    /// A container instance ended (by itself, by a failed start, or stopped).
    fn on_exit(&mut self, index: usize, number: u32, result: Result<Exit, String>) {
        let now = Instant::now();
        let finished_at = Timestamp::now();
        let restart_policy = self.restart_policy;
        let pod_label = self.pod_label();
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        if slot.instance.as_ref().is_none_or(|i| i.number != number) {
            return;
        }
        let Some(instance) = slot.instance.take() else {
            return;
        };
        instance.ports.release();
        instance.log.close();
        let start_error = result.as_ref().err().cloned();
        let terminated = match result {
            Ok(exit) => Terminated {
                exit_code: exit.code,
                reason: exit.reason,
                message: exit.message,
                started_at: instance.started_at,
                finished_at,
                container_id: instance.container_id,
            },
            Err(message) => Terminated {
                exit_code: 128,
                reason: "StartError".into(),
                message: Some(message),
                started_at: instance.started_at,
                finished_at,
                container_id: instance.container_id,
            },
        };
        slot.model.ready = false;
        slot.model.started = false;
        for probe in &mut slot.probes {
            probe.due = None;
        }
        let code = terminated.exit_code;
        let name = slot.model.name.clone();
        let init = slot.init;
        if let Some(message) = &start_error {
            self.event(Some(index), true, "Failed", format!("Error: {message}"));
        }
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        if init && code == 0 {
            slot.model.state = RunState::Terminated(terminated);
            // The next init container, or the containers, may start.
            let next_init = self.slots.iter().position(|s| {
                s.init && !matches!(&s.model.state, RunState::Terminated(t) if t.exit_code == 0)
            });
            match next_init {
                Some(next) => {
                    if let Some(s) = self.slots.get_mut(next) {
                        s.start_at = Some(now);
                    }
                }
                None => {
                    for s in self.slots.iter_mut().filter(|s| !s.init) {
                        s.start_at = Some(now);
                        s.model.state = RunState::Waiting {
                            reason: "ContainerCreating".into(),
                            message: None,
                        };
                    }
                }
            }
            return;
        }
        // A container stopped by a failed liveness or startup probe is restarted unless the
        // policy is Never, whatever code it stopped with.
        let probe_kill = slot.killed_by_probe && restart_policy != RestartPolicy::Never;
        if !restart_policy.restarts(code) && !probe_kill {
            slot.model.state = RunState::Terminated(terminated);
            self.check_terminal();
            return;
        }
        let delay = slot.backoff.restart_delay(now);
        slot.model.last = Some(terminated);
        match (&start_error, delay.is_zero()) {
            (Some(message), true) => {
                slot.model.state = RunState::Waiting {
                    reason: "RunContainerError".into(),
                    message: Some(message.clone()),
                };
                slot.start_at = Some(now + START_RETRY);
            }
            (None, true) => slot.start_at = Some(now),
            (_, false) => {
                slot.model.state = RunState::Waiting {
                    reason: "CrashLoopBackOff".into(),
                    message: Some(format!(
                        "back-off {} restarting failed container={name} pod={pod_label}",
                        crate::time::go_duration(delay)
                    )),
                };
                slot.start_at = Some(now + delay);
                self.event(
                    Some(index),
                    true,
                    "BackOff",
                    format!("Back-off restarting failed container {name} in pod {pod_label}"),
                );
            }
        }
    }

    /// Marks the pod terminal when nothing will run in it again, and frees its address.
    fn check_terminal(&mut self) {
        let init_failed = self.restart_policy == RestartPolicy::Never
            && self.slots.iter().any(|s| {
                s.init && matches!(&s.model.state, RunState::Terminated(t) if t.exit_code != 0)
            });
        let all_done = self.slots.iter().filter(|s| !s.init).all(|s| {
            s.instance.is_none()
                && s.start_at.is_none()
                && matches!(s.model.state, RunState::Terminated(_))
        });
        if init_failed || all_done {
            self.terminal = true;
            for slot in &mut self.slots {
                slot.start_at = None;
            }
            self.shared.runtime.addresses.release(&self.pod_ref.uid);
        }
    }

    fn launch_due_probes(&mut self) {
        let now = Instant::now();
        for (index, slot) in self.slots.iter_mut().enumerate() {
            let Some(instance) = slot.instance.as_ref() else {
                continue;
            };
            let started = slot.model.started;
            for (probe_index, probe) in slot.probes.iter_mut().enumerate() {
                if probe.in_flight || probe.due.is_none_or(|d| d > now) {
                    continue;
                }
                // Readiness and liveness wait for the startup probe; the startup probe ends
                // once it succeeded.
                let gated = match probe.spec.kind {
                    ProbeKind::Startup => started,
                    _ => !started,
                };
                if gated {
                    probe.due = Some(now + probe.spec.period);
                    continue;
                }
                probe.in_flight = true;
                let action = probe.spec.action.clone();
                let timeout = probe.spec.timeout;
                let ports = self.shared.runtime.ports.clone();
                let ip = self.ip;
                let number = instance.number;
                self.probes.push(Box::pin(async move {
                    let result = probe::run_probe(&action, ip, &ports, timeout).await;
                    (index, probe_index, number, result)
                }));
            }
        }
    }

    fn on_probe(
        &mut self,
        index: usize,
        probe_index: usize,
        number: u32,
        result: Result<(), String>,
    ) {
        let now = Instant::now();
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        let current = slot.instance.as_ref().map(|i| i.number);
        let Some(probe) = slot.probes.get_mut(probe_index) else {
            return;
        };
        probe.in_flight = false;
        if current != Some(number) {
            return;
        }
        probe.due = Some(now + probe.spec.period);
        let kind = probe.spec.kind;
        let changed = probe.tracker.record(result.is_ok(), &probe.spec);
        let outcome = probe.tracker.result;
        let name = slot.model.name.clone();
        if let Err(message) = &result {
            self.event(
                Some(index),
                true,
                "Unhealthy",
                format!("{} probe failed: {message}", kind.title()),
            );
        }
        if !changed {
            return;
        }
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        match (kind, outcome) {
            (ProbeKind::Readiness, Some(ready)) => slot.model.ready = ready,
            (ProbeKind::Startup, Some(true)) => {
                slot.model.started = true;
                slot.model.ready = !slot.has_probe(ProbeKind::Readiness);
            }
            (ProbeKind::Startup | ProbeKind::Liveness, Some(false)) => {
                let grace = self.grace();
                let Some(slot) = self.slots.get_mut(index) else {
                    return;
                };
                if let Some(instance) = &slot.instance
                    && !slot.killed_by_probe
                {
                    slot.killed_by_probe = true;
                    instance.stop.send_replace(Some(grace));
                    let word = if kind == ProbeKind::Liveness {
                        "liveness"
                    } else {
                        "startup"
                    };
                    self.event(
                        Some(index),
                        false,
                        "Killing",
                        format!("Container {name} failed {word} probe, will be restarted"),
                    );
                }
            }
            _ => {}
        }
    }

    /// The pod's termination grace period.
    fn grace(&self) -> Duration {
        let seconds = self
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.termination_grace_period_seconds)
            .unwrap_or(30);
        Duration::from_secs(u64::try_from(seconds).unwrap_or(0))
    }

    /// Stops every container; when the pod is being deleted, reports the final status and
    /// deletes it.
    async fn stop(mut self, request: StopRequest) {
        let running: Vec<usize> = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.instance.is_some())
            .map(|(i, _)| i)
            .collect();
        for &index in &running {
            if let Some(slot) = self.slots.get(index) {
                if request.finalize {
                    self.event(
                        Some(index),
                        false,
                        "Killing",
                        format!("Stopping container {}", slot.model.name),
                    );
                }
                if let Some(instance) = &slot.instance {
                    instance.stop.send_replace(Some(request.grace));
                }
            }
        }
        for slot in &mut self.slots {
            slot.start_at = None;
        }
        let deadline = Instant::now() + request.grace + STOP_SLACK;
        while self.slots.iter().any(|s| s.instance.is_some()) {
            match tokio::time::timeout_at(deadline, self.exits.next()).await {
                Ok(Some((index, number, result))) => self.record_stopped(index, number, result),
                Ok(None) => break,
                Err(_) => {
                    for index in 0..self.slots.len() {
                        if let Some(instance) =
                            self.slots.get(index).and_then(|s| s.instance.as_ref())
                        {
                            instance.abort.abort();
                            let number = instance.number;
                            self.record_stopped(
                                index,
                                number,
                                Ok(Exit {
                                    code: 137,
                                    reason: "Error".into(),
                                    message: None,
                                }),
                            );
                        }
                    }
                }
            }
        }
        let runtime = self.shared.runtime.clone();
        runtime.addresses.release(&self.pod_ref.uid);
        if request.finalize {
            self.terminal = true;
            let status = self.compute_status();
            self.shared.status.forget(&self.pod_ref.uid);
            let update = StatusUpdate {
                namespace: self.pod_ref.namespace.clone(),
                name: self.pod_ref.name.clone(),
                uid: self.pod_ref.uid.clone(),
                status,
            };
            if let Err(e) = write_status(&self.shared.client, &update).await {
                tracing::debug!(pod = %update.name, error = %e, "final pod status not written");
            }
            finalize_in_api(&self.shared.client, &self.pod).await;
            runtime.logs.remove(&self.pod_ref.uid);
            runtime.pod_finished(&self.pod_ref.uid);
        }
    }

    /// A container that stopped because the pod stops: terminated, never restarted.
    fn record_stopped(&mut self, index: usize, number: u32, result: Result<Exit, String>) {
        let finished_at = Timestamp::now();
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        if slot.instance.as_ref().is_none_or(|i| i.number != number) {
            return;
        }
        let Some(instance) = slot.instance.take() else {
            return;
        };
        instance.ports.release();
        instance.log.close();
        let (exit_code, reason, message) = match result {
            Ok(exit) => (exit.code, exit.reason, exit.message),
            Err(message) => (128, "StartError".to_string(), Some(message)),
        };
        slot.model.ready = false;
        slot.model.started = false;
        slot.model.state = RunState::Terminated(Terminated {
            exit_code,
            reason,
            message,
            started_at: instance.started_at,
            finished_at,
            container_id: instance.container_id,
        });
    }
}

/// Reads the ConfigMaps and Secrets a container's environment refers to, then resolves it.
async fn resolve_env(
    shared: &Shared,
    pod: &Pod,
    ip: Ipv4Addr,
    host_ip: Option<Ipv4Addr>,
    container: &Container,
) -> Result<Vec<(String, String)>, String> {
    let (config_maps, secrets) = env::referenced_sources(container);
    let mut sources = EnvSources::default();
    let namespace = pod.metadata.namespace.as_deref().unwrap_or_default();
    for name in config_maps {
        let api: Api<ConfigMap> = Api::namespaced(shared.client.clone(), namespace);
        let data = api
            .get_opt(&name)
            .await
            .map_err(|e| e.to_string())?
            .map(|cm| {
                let mut data: BTreeMap<String, String> = cm.data.unwrap_or_default();
                for (key, value) in cm.binary_data.unwrap_or_default() {
                    data.insert(key, String::from_utf8_lossy(&value.0).into_owned());
                }
                data
            });
        sources.config_maps.insert(name, data);
    }
    for name in secrets {
        let api: Api<Secret> = Api::namespaced(shared.client.clone(), namespace);
        let data = api
            .get_opt(&name)
            .await
            .map_err(|e| e.to_string())?
            .map(|s| {
                s.data
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, String::from_utf8_lossy(&v.0).into_owned()))
                    .collect()
            });
        sources.secrets.insert(name, data);
    }
    let ip = ip.to_string();
    let host_ip = host_ip.map(|h| h.to_string()).unwrap_or_default();
    let config = &shared.runtime.config;
    let facts = PodFacts {
        pod,
        pod_ip: &ip,
        host_ip: &host_ip,
        node_cpu: &config.capacity.cpu,
        node_memory: &config.capacity.memory,
    };
    env::resolve_env(facts, container, &sources)
}

/// A workload's result, with a task that panicked or was aborted as a failed exit.
fn flatten(
    result: Result<Result<Exit, enclave_workloads::Error>, tokio::task::JoinError>,
) -> Result<Exit, String> {
    match result {
        Ok(Ok(exit)) => Ok(exit),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) if e.is_cancelled() => Ok(Exit {
            code: 137,
            reason: "Error".into(),
            message: None,
        }),
        Err(_) => Ok(Exit {
            code: 2,
            reason: "Error".into(),
            message: Some("the workload crashed".into()),
        }),
    }
}
