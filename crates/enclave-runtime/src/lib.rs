//! The vSphere Pod runtime (the kubelet role): registers the nodes that stand for the ESXi
//! hosts, runs the pods bound to them as isolated built-in workloads, probes them, keeps their
//! logs and reports their status through an in-process `kube::Client`.
//!
//! Decisions are pure functions (`addresses`, `backoff`, `env`, `logs`, `probe`, `status`,
//! `node`); `pod` drives one pod's lifecycle and `runtime` wires them to the API server.
//!
//! Limits, by design:
//! - Probes are `httpGet` (scheme HTTP) and `tcpSocket`, carried out through the port map.
//!   Built-in workloads have no shell, so `exec` (and `grpc`, and HTTPS) probes cannot be
//!   answered: each attempt fails with a Warning `Unhealthy` event saying so
//!   (`Readiness probe failed: exec probes are not supported by built-in workloads`), and the
//!   probe counts as failed (a readiness probe keeps the pod unready, a liveness or startup
//!   probe restarts the container once its failure threshold is reached).
//! - A workload that ends with an error from `run` failed to start: it is reported as
//!   kubelet reports a failed start (`lastState.terminated` reason `StartError`, exit code
//!   128, waiting `RunContainerError`, event `Failed`), then restarted with back-off.
//! - Service environment variables (`KUBERNETES_SERVICE_HOST`, `enableServiceLinks`) are not
//!   injected.

mod addresses;
mod backoff;
mod config;
mod env;
mod events;
mod logs;
mod node;
mod pod;
mod ports;
mod probe;
mod runtime;
mod status;
mod status_writer;
mod time;

pub use addresses::{AddressError, Ipv4Cidr, PodAddresses, SubnetAllocator};
pub use config::{NodeCapacity, RuntimeConfig};
pub use logs::LogRequest;
pub use runtime::{BuiltinWorkloads, Runtime, WorkloadRunner};

/// Errors of the runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A log request for something the node does not have (no previous instance, container
    /// waiting to start); kubelet answers these with 400 Bad Request and this message.
    #[error("{0}")]
    LogNotFound(String),
    /// The runtime does not run this pod (or not yet).
    #[error("{0}")]
    Unavailable(String),
    /// A log request with a malformed option.
    #[error("{0}")]
    BadRequest(String),
    /// The API server refused or failed a request.
    #[error("kubernetes API: {0}")]
    Kube(#[from] kube::Error),
    /// The configuration cannot work (for example a pod CIDR that cannot hold a subnet).
    #[error("invalid runtime configuration: {0}")]
    Config(String),
    /// The open-file limit could not be raised.
    #[error("raising the open-file limit: {0}")]
    FdLimit(#[source] std::io::Error),
}

/// Raises the soft limit on open files (`RLIMIT_NOFILE`) to the hard limit, so that thousands
/// of pods can each hold their listening sockets. Returns the new soft limit.
pub fn raise_fd_limit() -> Result<u64, Error> {
    let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).map_err(Error::FdLimit)?;
    rlimit::increase_nofile_limit(hard).map_err(Error::FdLimit)
}

#[cfg(test)]
mod tests;
