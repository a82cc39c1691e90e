//! Kubernetes REST over the store: discovery, OpenAPI, CRUD, list/watch, patch, apply, tables.
//!
//! The crate exposes an axum [`Router`](axum::Router) (a tower service), so the same server
//! answers external clients over TLS and in-process clients (controllers) without a socket.
//! Authentication arrives as an [`auth::Identity`] request extension; authorization is the
//! [`auth::Authorizer`] hook.

mod admission;
pub mod auth;
mod binding;
mod convert;
pub mod discovery;
mod filter;
mod handlers;
mod in_process;
mod list;
mod meta;
mod namespace;
pub mod negotiate;
pub mod node_proxy;
mod openapi;
mod patching;
pub mod request;
mod response;
mod reviews;
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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server_address: "127.0.0.1:6443".into(),
            bookmark_interval: Duration::from_secs(60),
            max_watch_timeout: Duration::from_secs(30 * 60),
            max_body_bytes: 3 * 1024 * 1024,
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
}

impl ApiServer {
    /// A server over a store, with an authorizer.
    pub fn new(
        store: Arc<dyn Store>,
        authorizer: Arc<dyn auth::Authorizer>,
        config: Config,
    ) -> Arc<Self> {
        Arc::new(Self {
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
    #[allow(dead_code)]
    pub(crate) fn node_proxy(&self) -> Option<&Arc<dyn node_proxy::NodeProxy>> {
        self.node_proxy.get()
    }

    /// The store behind the server.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}
