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

/// Every Pod of the cluster as a watch stream, lean: controllers that cache pods never read
/// `managedFields` or the last-applied annotation, which are most of a pod's size (10,000 pods
/// are cached by three controllers).
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
    .modify(|pod: &mut k8s_openapi::api::core::v1::Pod| {
        pod.metadata.managed_fields = None;
        if let Some(annotations) = pod.metadata.annotations.as_mut() {
            annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    })
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
