//! The runtime: owns the port map, the logs, the address allocator and the running pods;
//! `run` registers the nodes, watches the pods bound to them and hands each one to its
//! lifecycle task (`pod`), until shutdown.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use enclave_workloads::{Exit, WorkloadContext, WorkloadSpec};
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, Preconditions};
use kube::runtime::watcher;
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::Error;
use crate::addresses::{AddressError, PodAddresses, SubnetAllocator};
use crate::config::RuntimeConfig;
use crate::events::{EventRecord, Events, PodRef};
use crate::logs::{LogRequest, LogStore};
use crate::pod::{PodControl, Shared, StopRequest};
use crate::ports::PortMap;
use crate::status::KUBELET_CONDITIONS;
use crate::status_writer::StatusWriter;

/// Runs a container's workload. The runtime uses `BuiltinWorkloads`; tests and embedders may
/// plug in their own workloads through the same interface.
pub trait WorkloadRunner: Send + Sync + 'static {
    /// Runs one container until it exits or `stop` asks it to (the value is the grace period).
    fn run(
        &self,
        spec: WorkloadSpec,
        context: WorkloadContext,
        stop: watch::Receiver<Option<Duration>>,
    ) -> BoxFuture<'static, Result<Exit, enclave_workloads::Error>>;
}

/// The built-in workloads of `enclave-workloads`, chosen by image name.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinWorkloads;

impl WorkloadRunner for BuiltinWorkloads {
    fn run(
        &self,
        spec: WorkloadSpec,
        context: WorkloadContext,
        stop: watch::Receiver<Option<Duration>>,
    ) -> BoxFuture<'static, Result<Exit, enclave_workloads::Error>> {
        Box::pin(enclave_workloads::run(spec, context, stop))
    }
}

/// An allocator standing in when the configured pool cannot work: every allocation fails
/// with the configuration error (and `run` refuses to start).
struct NoAddresses(AddressError);

impl PodAddresses for NoAddresses {
    fn allocate(&self, _: &str, _: &str) -> Result<Ipv4Addr, AddressError> {
        Err(self.0.clone())
    }
    fn restore(&self, _: &str, _: &str, _: Ipv4Addr) -> Result<(), AddressError> {
        Err(self.0.clone())
    }
    fn release(&self, _: &str) {}
}

/// A pod the runtime runs.
pub(crate) struct PodHandle {
    pub(crate) control: watch::Sender<PodControl>,
    pub(crate) task: JoinHandle<()>,
}

/// The vSphere Pod runtime (kubelet role) of all configured nodes.
pub struct Runtime {
    pub(crate) config: Arc<RuntimeConfig>,
    pub(crate) runner: Arc<dyn WorkloadRunner>,
    pub(crate) addresses: Arc<dyn PodAddresses>,
    config_error: Option<AddressError>,
    pub(crate) ports: Arc<PortMap>,
    pub(crate) logs: LogStore,
    pub(crate) pods: Mutex<HashMap<String, PodHandle>>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A runtime running the built-in workloads, with the placeholder address allocator.
    pub fn new(config: RuntimeConfig) -> Arc<Runtime> {
        Self::with_runner(config, Arc::new(BuiltinWorkloads))
    }

    /// A runtime running its containers through `runner`.
    pub fn with_runner(config: RuntimeConfig, runner: Arc<dyn WorkloadRunner>) -> Arc<Runtime> {
        let (addresses, config_error): (Arc<dyn PodAddresses>, _) =
            match SubnetAllocator::new(config.pod_cidr, config.subnet_prefix) {
                Ok(allocator) => (Arc::new(allocator), None),
                Err(e) => (Arc::new(NoAddresses(e.clone())), Some(e)),
            };
        Self::with_parts(config, runner, addresses, config_error)
    }

    /// A runtime taking pod IPs from `addresses` (the network manager) instead of the
    /// placeholder allocator.
    pub fn with_addresses(
        config: RuntimeConfig,
        runner: Arc<dyn WorkloadRunner>,
        addresses: Arc<dyn PodAddresses>,
    ) -> Arc<Runtime> {
        Self::with_parts(config, runner, addresses, None)
    }

    fn with_parts(
        config: RuntimeConfig,
        runner: Arc<dyn WorkloadRunner>,
        addresses: Arc<dyn PodAddresses>,
        config_error: Option<AddressError>,
    ) -> Arc<Runtime> {
        Arc::new(Runtime {
            config: Arc::new(config),
            runner,
            addresses,
            config_error,
            ports: Arc::new(PortMap::default()),
            logs: LogStore::default(),
            pods: Mutex::new(HashMap::new()),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// The loopback socket standing for `pod_ip:port`, while a container serves it.
    pub fn endpoint(&self, pod_ip: IpAddr, port: u16) -> Option<SocketAddr> {
        self.ports.get(pod_ip, port)
    }

    /// How many pods the runtime runs now.
    pub fn running_pods(&self) -> usize {
        self.pods
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// The log of one container of pod `namespace/pod` (uid `uid`), as `kubectl logs` asks.
    /// Errors are kubelet's: `LogNotFound` (answered as 400), `Unavailable`, `BadRequest`.
    pub fn container_logs(
        &self,
        namespace: &str,
        pod: &str,
        uid: &str,
        container: &str,
        request: LogRequest,
    ) -> Result<BoxStream<'static, Bytes>, Error> {
        self.logs
            .open(namespace, pod, uid, container, &request, Timestamp::now())
    }

    /// Registers the nodes, runs the pods bound to them and keeps their status, until
    /// `shutdown` resolves; then stops every workload without deleting any pod.
    pub async fn run(
        self: Arc<Self>,
        client: kube::Client,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), Error> {
        if let Some(e) = &self.config_error {
            return Err(Error::Config(e.to_string()));
        }
        let since = Timestamp::now();
        let mut uids = Vec::with_capacity(self.config.nodes.len());
        for name in &self.config.nodes {
            uids.push(crate::node::register(&client, &self.config, name, since).await?);
        }
        for (name, uid) in self.config.nodes.iter().zip(&uids) {
            crate::node::renew_lease(&client, name, uid.as_deref()).await?;
        }
        let (events, event_rx) = Events::new();
        let status = Arc::new(StatusWriter::default());
        let background = [
            tokio::spawn(crate::node::run_heartbeats(
                client.clone(),
                self.config.clone(),
                uids,
                since,
            )),
            tokio::spawn(crate::events::run_writer(client.clone(), event_rx)),
            tokio::spawn(status.clone().run(client.clone())),
        ];
        let shared = Arc::new(Shared {
            runtime: self.clone(),
            client: client.clone(),
            events,
            status,
        });
        tracing::info!(nodes = ?self.config.nodes, "pod runtime started");
        tokio::select! {
            () = shutdown => {}
            () = self.clone().watch_pods(shared.clone()) => {}
        }
        self.stop_all().await;
        // Let the last events go out before the writers stop.
        drop(shared);
        for task in background {
            task.abort();
        }
        tracing::info!("pod runtime stopped");
        Ok(())
    }

    /// Stops every workload (runtime shutdown): pods stay in the API, IPs in their status.
    async fn stop_all(&self) {
        let handles: Vec<PodHandle> = self
            .pods
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .map(|(_, h)| h)
            .collect();
        for handle in &handles {
            handle.control.send_modify(|c| {
                c.stop.get_or_insert(StopRequest {
                    grace: SHUTDOWN_GRACE,
                    finalize: false,
                });
            });
        }
        for handle in handles {
            if tokio::time::timeout(SHUTDOWN_GRACE + Duration::from_secs(3), handle.task)
                .await
                .is_err()
            {
                tracing::warn!("a pod did not stop in time");
            }
        }
    }

    async fn watch_pods(self: Arc<Self>, shared: Arc<Shared>) {
        let api: Api<Pod> = Api::all(shared.client.clone());
        let config = watcher::Config::default().fields("spec.nodeName!=");
        let mut stream = watcher(api, config).boxed();
        let mut initial: Option<Vec<Pod>> = None;
        while let Some(event) = stream.next().await {
            match event {
                Ok(watcher::Event::Init) => initial = Some(Vec::new()),
                Ok(watcher::Event::InitApply(pod)) => match initial.as_mut() {
                    Some(list) => list.push(pod),
                    None => self.reconcile(&shared, pod),
                },
                Ok(watcher::Event::InitDone) => {
                    let pods = initial.take().unwrap_or_default();
                    self.resync(&shared, pods);
                }
                Ok(watcher::Event::Apply(pod)) => self.reconcile(&shared, pod),
                Ok(watcher::Event::Delete(pod)) => self.forget(&pod),
                Err(e) => {
                    tracing::warn!(error = %e, "pod watch failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// A full list of our pods: first take back the IPs they hold (so that a restart keeps
    /// them and new pods do not take them), then handle each, and stop pods that are gone.
    fn resync(&self, shared: &Arc<Shared>, pods: Vec<Pod>) {
        let mine: Vec<Pod> = pods.into_iter().filter(|p| self.is_ours(p)).collect();
        let known: HashSet<String> = self
            .pods
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .cloned()
            .collect();
        for pod in &mine {
            let (namespace, uid) = (namespace_of(pod), uid_of(pod));
            if known.contains(&uid) || is_terminal(pod) || pod.metadata.deletion_timestamp.is_some()
            {
                continue;
            }
            if let Some(ip) = pod_ip_of(pod)
                && let Err(e) = self.addresses.restore(&namespace, &uid, ip)
            {
                tracing::warn!(pod = ?pod.metadata.name, error = %e, "pod IP not restored; a new one will be given");
            }
        }
        let listed: HashSet<String> = mine.iter().map(uid_of).collect();
        for gone in known.difference(&listed) {
            self.stop_gone(gone);
        }
        for pod in mine {
            self.reconcile(shared, pod);
        }
    }

    fn is_ours(&self, pod: &Pod) -> bool {
        pod.spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .is_some_and(|n| self.config.is_ours(n))
    }

    /// Handles one added or changed pod.
    fn reconcile(&self, shared: &Arc<Shared>, pod: Pod) {
        if !self.is_ours(&pod) {
            return;
        }
        let uid = uid_of(&pod);
        if uid.is_empty() {
            return;
        }
        let others = other_conditions(&pod);
        let deleting = pod.metadata.deletion_timestamp.is_some();
        let grace = Duration::from_secs(
            pod.metadata
                .deletion_grace_period_seconds
                .and_then(|g| u64::try_from(g).ok())
                .unwrap_or(0),
        );
        let mut pods = self.pods.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(handle) = pods.get(&uid) {
            handle.control.send_if_modified(|c| {
                let mut changed = false;
                if deleting && c.stop.is_none() {
                    c.stop = Some(StopRequest {
                        grace,
                        finalize: true,
                    });
                    changed = true;
                }
                if c.other_conditions != others {
                    c.other_conditions = others;
                    changed = true;
                }
                changed
            });
            return;
        }
        if deleting {
            // Not running here (never started, finished, or from before a restart): only
            // the API object is left to finalize.
            drop(pods);
            self.addresses.release(&uid);
            self.logs.remove(&uid);
            let client = shared.client.clone();
            tokio::spawn(async move { finalize_in_api(&client, &pod).await });
            return;
        }
        if is_terminal(&pod) {
            return;
        }
        let namespace = namespace_of(&pod);
        let ip = match self.addresses.allocate(&namespace, &uid) {
            Ok(ip) => ip,
            Err(e) => {
                drop(pods);
                let pod_ref = Arc::new(PodRef {
                    namespace,
                    name: pod.metadata.name.clone().unwrap_or_default(),
                    uid,
                    node: node_of(&pod),
                });
                let retry = (
                    pod_ref.namespace.clone(),
                    pod_ref.name.clone(),
                    pod_ref.uid.clone(),
                );
                shared.events.emit(EventRecord {
                    pod: pod_ref,
                    field_path: None,
                    warning: true,
                    reason: "FailedCreatePodSandBox",
                    message: format!("Failed to create pod sandbox: {e}"),
                });
                // As kubelet does, try the sandbox again later (the namespace's network may
                // not be set up yet, or addresses may free up), with the pod as it is then.
                let shared = shared.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(SANDBOX_RETRY).await;
                    let (namespace, name, uid) = retry;
                    let api: Api<Pod> = Api::namespaced(shared.client.clone(), &namespace);
                    if let Ok(Some(pod)) = api.get_opt(&name).await
                        && pod.metadata.uid.as_deref() == Some(uid.as_str())
                    {
                        shared.runtime.reconcile(&shared, pod);
                    }
                });
                return;
            }
        };
        let (control, control_rx) = watch::channel(PodControl {
            stop: None,
            other_conditions: others,
        });
        let task = tokio::spawn(crate::pod::run_pod(shared.clone(), pod, ip, control_rx));
        pods.insert(uid, PodHandle { control, task });
    }

    /// A pod deleted from the API (or no longer listed): stop it at once, nothing to write.
    fn forget(&self, pod: &Pod) {
        let uid = uid_of(pod);
        self.stop_gone(&uid);
        self.logs.remove(&uid);
    }

    fn stop_gone(&self, uid: &str) {
        let handle = self
            .pods
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(uid);
        if let Some(handle) = handle {
            // The task frees the address once its workloads stopped (and their ports with
            // them), so that a new pod cannot meet a port still bound under that address.
            handle.control.send_modify(|c| {
                c.stop = Some(StopRequest {
                    grace: Duration::ZERO,
                    finalize: false,
                });
            });
        } else {
            self.addresses.release(uid);
        }
    }

    /// Called by a pod's task when it finished for good (deleted or stopped).
    pub(crate) fn pod_finished(&self, uid: &str) {
        self.pods
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(uid);
        self.addresses.release(uid);
    }
}

/// The grace period workloads get when the runtime shuts down.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Deletes the pod for good (grace 0, only this uid), as kubelet does once its containers
/// are stopped.
pub(crate) async fn finalize_in_api(client: &kube::Client, pod: &Pod) {
    let namespace = namespace_of(pod);
    let name = pod.metadata.name.clone().unwrap_or_default();
    let api: Api<Pod> = Api::namespaced(client.clone(), &namespace);
    let params = DeleteParams {
        grace_period_seconds: Some(0),
        preconditions: Some(Preconditions {
            uid: pod.metadata.uid.clone(),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    match api.delete(&name, &params).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.is_not_found() || s.is_conflict() => {}
        Err(e) => {
            tracing::warn!(pod = %name, namespace = %namespace, error = %e, "pod deletion failed")
        }
    }
}

/// How long a pod whose sandbox could not be created waits before the next attempt.
const SANDBOX_RETRY: Duration = Duration::from_secs(2);

pub(crate) fn uid_of(pod: &Pod) -> String {
    pod.metadata.uid.clone().unwrap_or_default()
}

pub(crate) fn namespace_of(pod: &Pod) -> String {
    pod.metadata.namespace.clone().unwrap_or_default()
}

pub(crate) fn node_of(pod: &Pod) -> String {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.clone())
        .unwrap_or_default()
}

fn pod_ip_of(pod: &Pod) -> Option<Ipv4Addr> {
    pod.status.as_ref()?.pod_ip.as_deref()?.parse().ok()
}

fn is_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// The conditions of the pod that other components own, kept as they are.
fn other_conditions(pod: &Pod) -> Vec<Value> {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .map(|list| {
            list.iter()
                .filter(|c| !KUBELET_CONDITIONS.contains(&c.type_.as_str()))
                .filter_map(|c| serde_json::to_value(c).ok())
                .collect()
        })
        .unwrap_or_default()
}
