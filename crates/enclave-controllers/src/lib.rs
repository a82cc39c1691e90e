//! The Supervisor's controllers: Deployments, ReplicaSets, garbage collection, Endpoints and
//! EndpointSlices, the scheduler and ServiceAccounts, each a loop over an in-process
//! `kube::Client`.
//!
//! Controllers reach the API server the way every external client does (the client is built
//! on `enclave_apiserver::in_process_service`), so each controller doubles as a compatibility
//! test of the API server. Mistakes in user objects become status conditions and events; a
//! controller never stops on them.

mod deployment;
mod endpoints;
mod endpointslice;
mod gc;
mod replicaset;
mod scheduler;
mod serviceaccount;
mod services;
mod workloads;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use kube::Client;
use tokio::task::JoinSet;

/// Why a controller's loop failed. Failures of one object never end up here: they become
/// events and conditions on that object.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request to the API server failed.
    #[error("API request failed: {0}")]
    Api(#[from] kube::Error),
    /// A watch stream failed.
    #[error("watch failed: {0}")]
    Watch(#[from] kube::runtime::watcher::Error),
    /// An object could not be understood.
    #[error("{0}")]
    Invalid(String),
}

/// Settings of the controllers.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The cluster CA certificate (PEM), published in every namespace as the
    /// `kube-root-ca.crt` ConfigMap; `None` publishes nothing.
    pub root_ca_pem: Option<String>,
}

/// What every controller gets: the client and the settings.
#[derive(Clone)]
#[allow(dead_code)] // until every controller is written
pub(crate) struct Context {
    pub(crate) client: Client,
    pub(crate) config: Arc<Config>,
}

/// A controller's entry point: runs until its future is dropped.
type ControllerFn = fn(Context) -> futures::future::BoxFuture<'static, Result<(), Error>>;

/// Every Pod of the cluster as a watch stream, cut down to `cached_pod_fields`: the
/// scheduler, Endpoints and EndpointSlice controllers each cache every pod, and a whole pod
/// (containers' env, volumes, container statuses, managedFields) is most of a 10,000-pod
/// server's memory when held three times.
pub(crate) fn lean_pod_watcher(
    client: &Client,
) -> impl futures::Stream<
    Item = Result<
        kube::runtime::watcher::Event<k8s_openapi::api::core::v1::Pod>,
        kube::runtime::watcher::Error,
    >,
> + Send
+ 'static {
    use kube::runtime::WatchStreamExt;
    kube::runtime::watcher(
        kube::Api::all(client.clone()),
        kube::runtime::watcher::Config::default(),
    )
    .modify(cached_pod_fields)
}

/// Keeps only what the pod-caching controllers read: identity, labels, owners, deletion and
/// creation times; the scheduler's inputs (node name and selector, affinity, tolerations,
/// scheduler name and gates, overhead, each container's resources); the endpoint
/// controllers' (hostname, subdomain, each container's ports for named target ports, phase,
/// conditions, pod IPs).
pub(crate) fn cached_pod_fields(pod: &mut k8s_openapi::api::core::v1::Pod) {
    use k8s_openapi::api::core::v1::{Container, PodSpec, PodStatus};
    let metadata = &mut pod.metadata;
    metadata.managed_fields = None;
    metadata.annotations = None;
    metadata.finalizers = None;
    metadata.generate_name = None;
    metadata.self_link = None;
    let lean_container = |container: Container| Container {
        name: container.name,
        ports: container.ports,
        resources: container.resources,
        ..Container::default()
    };
    if let Some(spec) = pod.spec.take() {
        pod.spec = Some(PodSpec {
            containers: spec.containers.into_iter().map(lean_container).collect(),
            init_containers: spec
                .init_containers
                .map(|containers| containers.into_iter().map(lean_container).collect()),
            node_name: spec.node_name,
            node_selector: spec.node_selector,
            affinity: spec.affinity,
            tolerations: spec.tolerations,
            scheduler_name: spec.scheduler_name,
            scheduling_gates: spec.scheduling_gates,
            overhead: spec.overhead,
            hostname: spec.hostname,
            subdomain: spec.subdomain,
            ..PodSpec::default()
        });
    }
    if let Some(status) = pod.status.take() {
        pod.status = Some(PodStatus {
            phase: status.phase,
            conditions: status.conditions,
            pod_ip: status.pod_ip,
            pod_ips: status.pod_ips,
            ..PodStatus::default()
        });
    }
}

/// How many pods one page of a controller's pod list holds.
const POD_PAGE: u32 = 500;

/// Every pod `api` lists, read page by page and kept lean as `lean_pod_watcher` keeps them:
/// a namespace of 10,000 pods listed whole with their managedFields held hundreds of
/// megabytes for the length of a sync.
pub(crate) async fn list_lean_pods(
    api: &kube::Api<k8s_openapi::api::core::v1::Pod>,
) -> Result<Vec<k8s_openapi::api::core::v1::Pod>, kube::Error> {
    let mut pods = Vec::new();
    let mut params = kube::api::ListParams::default().limit(POD_PAGE);
    loop {
        let page = api.list(&params).await?;
        pods.extend(page.items.into_iter().map(|mut pod| {
            pod.metadata.managed_fields = None;
            if let Some(annotations) = pod.metadata.annotations.as_mut() {
                annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
            }
            pod
        }));
        match page.metadata.continue_.filter(|token| !token.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(pods),
        }
    }
}

/// The controllers, by name.
const CONTROLLERS: &[(&str, ControllerFn)] = &[
    ("replicaset", |c| Box::pin(replicaset::run(c))),
    ("deployment", |c| Box::pin(deployment::run(c))),
    ("garbage-collector", |c| Box::pin(gc::run(c))),
    ("endpoints", |c| Box::pin(endpoints::run(c))),
    ("endpointslice", |c| Box::pin(endpointslice::run(c))),
    ("scheduler", |c| Box::pin(scheduler::run(c))),
    ("serviceaccount", |c| Box::pin(serviceaccount::run(c))),
];

/// Runs every controller until `shutdown` completes. A controller whose loop fails is logged
/// and restarted after a pause, so that one failure never stops the others.
pub async fn run(client: Client, config: Config, shutdown: impl Future<Output = ()> + Send) {
    let context = Context {
        client,
        config: Arc::new(config),
    };
    let mut tasks = JoinSet::new();
    for &(name, controller) in CONTROLLERS {
        let context = context.clone();
        tasks.spawn(async move {
            loop {
                match controller(context.clone()).await {
                    Ok(()) => tracing::debug!(controller = name, "controller ended"),
                    Err(error) => {
                        tracing::warn!(controller = name, %error, "controller failed; restarting")
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
    shutdown.await;
    tasks.shutdown().await;
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use k8s_openapi::api::core::v1::{Pod, Service};
    use serde_json::json;

    use super::cached_pod_fields;
    use crate::services::endpoints::desired_endpoints;
    use crate::services::endpointslices::reconcile;
    use crate::services::scheduling::{controller_uid, pod_requests, wants_scheduling};

    fn full_pod(node: Option<&str>) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "web-1", "namespace": "default", "uid": "u1",
                "labels": {"app": "web"}, "annotations": {"note": "x".repeat(4096)},
                "creationTimestamp": "2025-01-01T00:00:01Z",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": "web", "uid": "rs1", "controller": true}],
                "managedFields": [{"manager": "kubectl", "operation": "Apply"}]},
            "spec": {"nodeName": node, "hostname": "web-1", "subdomain": "web",
                "tolerations": [{"key": "k", "operator": "Exists"}],
                "nodeSelector": {"zone": "a"},
                "volumes": [{"name": "data", "emptyDir": {}}],
                "initContainers": [{"name": "init", "image": "busybox",
                    "resources": {"requests": {"cpu": "2"}}}],
                "containers": [{"name": "app", "image": "nginx", "args": ["-g", "daemon off;"],
                    "env": [{"name": "A", "value": "1"}],
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                    "ports": [{"name": "http", "containerPort": 8080}],
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]},
            "status": {"phase": "Running", "podIP": "10.0.0.5", "podIPs": [{"ip": "10.0.0.5"}],
                "conditions": [{"type": "Ready", "status": "True",
                    "lastTransitionTime": "2025-01-01T00:00:03Z"}],
                "containerStatuses": [{"name": "app", "image": "nginx", "imageID": "",
                    "ready": true, "restartCount": 0}]}
        }))
        .unwrap()
    }

    fn lean(pod: &Pod) -> Pod {
        let mut lean = pod.clone();
        cached_pod_fields(&mut lean);
        lean
    }

    #[test]
    fn cached_pods_drop_what_no_controller_reads() {
        let lean = lean(&full_pod(Some("node-1")));
        assert!(lean.metadata.annotations.is_none() && lean.metadata.managed_fields.is_none());
        let spec = lean.spec.as_ref().unwrap();
        assert!(spec.volumes.is_none());
        assert!(spec.containers[0].env.is_none() && spec.containers[0].image.is_none());
        assert!(lean.status.as_ref().unwrap().container_statuses.is_none());
    }

    #[test]
    fn controllers_decide_the_same_on_cached_pods() {
        let service: Service = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "default",
                "creationTimestamp": "2025-01-01T00:00:00Z"},
            "spec": {"selector": {"app": "web"}, "ports": [
                {"name": "http", "port": 80, "targetPort": "http"}]}
        }))
        .unwrap();
        let full = Arc::new(full_pod(Some("node-1")));
        let cached = Arc::new(lean(&full));
        assert_eq!(
            desired_endpoints(&service, std::slice::from_ref(&full), None),
            desired_endpoints(&service, std::slice::from_ref(&cached), None)
        );
        assert_eq!(
            format!(
                "{:?}",
                reconcile(&service, std::slice::from_ref(&full), &[])
            ),
            format!(
                "{:?}",
                reconcile(&service, std::slice::from_ref(&cached), &[])
            )
        );
        let unbound = full_pod(None);
        assert_eq!(pod_requests(&unbound), pod_requests(&lean(&unbound)));
        assert_eq!(
            wants_scheduling(&unbound),
            wants_scheduling(&lean(&unbound))
        );
        assert_eq!(controller_uid(&full), controller_uid(&cached));
    }
}
