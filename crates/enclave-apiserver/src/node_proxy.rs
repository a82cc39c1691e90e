//! The hook through which the API server reaches the node agents for what is not in the
//! store: container logs (and later exec). The binary plugs the runtime in; without it these
//! subresources answer that no node agent is available.

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;

/// What `GET pods/{name}/log` asks of one container, after the API server checked the pod and
/// the container name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// The container (always resolved: the only container, or the one named).
    pub container: String,
    /// Keep streaming new lines until the container stops or the client leaves.
    pub follow: bool,
    /// The log of the previous, terminated instance of the container.
    pub previous: bool,
    /// Only the last N lines.
    pub tail_lines: Option<u64>,
    /// Only lines written in the last N seconds.
    pub since_seconds: Option<u64>,
    /// Only lines written at or after this RFC 3339 time.
    pub since_time: Option<String>,
    /// Prefix each line with its RFC 3339 timestamp.
    pub timestamps: bool,
    /// Stop after this many bytes.
    pub limit_bytes: Option<u64>,
}

/// Why a node agent could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    /// The pod or the container instance is not known to the node (for example no previous
    /// terminated instance); answered as 400 BadRequest with this message, as kubelet does.
    #[error("{0}")]
    NotFound(String),
    /// The node agent is not reachable or not running this pod yet.
    #[error("{0}")]
    Unavailable(String),
}

/// The node agents (kubelets) behind the API server.
#[async_trait]
pub trait NodeProxy: Send + Sync + 'static {
    /// The log of one container of the pod `namespace/name` with the given uid.
    async fn container_logs(
        &self,
        namespace: &str,
        pod: &str,
        uid: &str,
        options: &LogOptions,
    ) -> Result<BoxStream<'static, Bytes>, NodeError>;
}
