//! Kubernetes REST over the store: discovery, OpenAPI, CRUD, list/watch, patch, apply, tables.
//!
//! The crate exposes an axum [`Router`](axum::Router) (a tower service), so the same server
//! answers external clients over TLS and in-process clients (controllers) without a socket.
//! Authentication arrives as an [`auth::Identity`] request extension; authorization is the
//! [`auth::Authorizer`] hook.

mod admission;
pub mod allocator;
pub mod auth;
mod binding;
mod convert;
pub mod discovery;
mod filter;
mod graceful;
mod handlers;
mod in_process;
mod list;
mod logs;
mod meta;
mod namespace;
pub mod negotiate;
pub mod node_proxy;
mod openapi;
mod patching;
pub mod request;
mod response;
mod reviews;
mod services;
mod tables;
mod watch;

use std::sync::Arc;
use std::time::Duration;

use enclave_store::Store;

pub use handlers::router;
pub use handlers::version;
pub use in_process::{InProcessService, in_process_service};
pub use namespace::{bootstrap, run_namespace_finalizer};

/// Settings of the API server.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `host:port` clients reach the server at, for `/api` discovery.
    pub server_address: String,
    /// How often watches get a BOOKMARK when they asked for bookmarks.
    pub bookmark_interval: Duration,
    /// The longest a watch stays open when the client sets no timeout.
    pub max_watch_timeout: Duration,
    /// Largest accepted request body in bytes (kube-apiserver: 3 MiB).
    pub max_body_bytes: usize,
    /// Where Service cluster IPs come from (`--service-cluster-ip-range`); its first host
    /// address is the `kubernetes` Service's.
    pub service_cidr: allocator::Ipv4Cidr,
    /// Where NodePort and LoadBalancer Services get their node ports
    /// (`--service-node-port-range`).
    pub node_port_range: allocator::NodePortRange,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server_address: "127.0.0.1:6443".into(),
            bookmark_interval: Duration::from_secs(60),
            max_watch_timeout: Duration::from_secs(30 * 60),
            max_body_bytes: 3 * 1024 * 1024,
            service_cidr: allocator::Ipv4Cidr::DEFAULT_SERVICE_CIDR,
            node_port_range: allocator::NodePortRange::DEFAULT,
        }
    }
}

/// Shared state of the API server.
pub struct ApiServer {
    store: Arc<dyn Store>,
    authorizer: Arc<dyn auth::Authorizer>,
    config: Config,
    /// Wakes the namespace finalizer when a namespace is marked for deletion.
    namespace_wakeup: tokio::sync::Notify,
    /// Turns true when the server shuts down, which ends open watches.
    shutdown: tokio::sync::watch::Sender<bool>,
    /// The node agents, for container logs; plugged in once the runtime runs.
    node_proxy: std::sync::OnceLock<Arc<dyn node_proxy::NodeProxy>>,
    /// The cluster IPs and node ports in use.
    services: services::ServiceAllocators,
}

impl ApiServer {
    /// A server over a store, with an authorizer.
    pub fn new(
        store: Arc<dyn Store>,
        authorizer: Arc<dyn auth::Authorizer>,
        config: Config,
    ) -> Arc<Self> {
        let services =
            services::ServiceAllocators::new(config.service_cidr, config.node_port_range);
        Arc::new(Self {
            services,
            store,
            authorizer,
            config,
            namespace_wakeup: tokio::sync::Notify::new(),
            shutdown: tokio::sync::watch::Sender::new(false),
            node_proxy: std::sync::OnceLock::new(),
        })
    }

    /// Ends open watches so that a graceful shutdown does not wait for them.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Plugs in the node agents (once; later calls are ignored).
    pub fn set_node_proxy(&self, proxy: Arc<dyn node_proxy::NodeProxy>) {
        let _ = self.node_proxy.set(proxy);
    }

    /// The node agents, when plugged in.
    pub(crate) fn node_proxy(&self) -> Option<&Arc<dyn node_proxy::NodeProxy>> {
        self.node_proxy.get()
    }

    /// The store behind the server.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}
