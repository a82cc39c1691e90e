//! The built-in workloads that containers of vSphere Pods run. No image is pulled: the image
//! name chooses the workload (the catalogue is in docs/workloads.md), and the workload serves
//! real sockets on loopback that the runtime binds for it.
//!
//! Layout: [`run`] asks `select` which workload a container runs, then hands it to the module
//! that implements it (`shop`, `echo`, `agnhost`, `pod_info`, `host_process`); `http` serves
//! the sockets and `support` holds the small shared helpers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

mod access_log;
mod agnhost;
mod echo;
mod host_process;
mod http;
mod pod_info;
mod select;
mod shop;
mod support;

pub use select::{Workload, select_workload};

/// The pod a container belongs to, as the workload sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodIdentity {
    /// Pod name.
    pub name: String,
    /// Pod namespace.
    pub namespace: String,
    /// Pod uid.
    pub uid: String,
    /// The pod's IP (virtual: never a socket address on this machine).
    pub ip: String,
    /// The node (ESXi host) the pod runs on.
    pub node: String,
}

/// A port the container declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredPort {
    /// `ports[].name`, if any.
    pub name: Option<String>,
    /// `ports[].containerPort`.
    pub port: u16,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
}

/// One container to run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkloadSpec {
    /// The container name.
    pub container: String,
    /// The image reference, as written in the pod.
    pub image: String,
    /// `command` (the entrypoint), empty when unset.
    pub command: Vec<String>,
    /// `args`, empty when unset.
    pub args: Vec<String>,
    /// The resolved environment, in order (values of `valueFrom` already filled in).
    pub env: Vec<(String, String)>,
    /// Declared container ports.
    pub ports: Vec<DeclaredPort>,
    /// The pod.
    pub pod: PodIdentity,
}

/// Where a container's output goes (the runtime keeps it for `kubectl logs`).
pub trait LogSink: Send + Sync + 'static {
    /// One line written to stdout (`stderr == false`) or stderr, without its newline.
    fn line(&self, stderr: bool, line: &str);
}

/// Binds the pod's ports. The runtime binds a real loopback socket for each container port
/// and remembers which pod IP and port it stands for, so that the data plane and probes can
/// reach it.
pub trait PortBinder: Send + Sync + 'static {
    /// A listening TCP socket (non-blocking) standing for `pod IP:container_port`.
    fn bind_tcp(&self, container_port: u16) -> std::io::Result<std::net::TcpListener>;

    /// The client of a connection accepted on the socket bound for `container_port`, as the
    /// pod should see it (access logs, `/clientip`, the echo server). The dataplane connects
    /// from loopback; a runtime that knows which virtual address stands behind `peer` returns
    /// it here. The default is `peer` itself.
    fn client_address(&self, container_port: u16, peer: SocketAddr) -> SocketAddr {
        let _ = container_port;
        peer
    }
}

/// What a workload gets from the runtime.
#[derive(Clone)]
pub struct WorkloadContext {
    /// Where the container's ports are bound.
    pub binder: Arc<dyn PortBinder>,
    /// Where its output goes.
    pub log: Arc<dyn LogSink>,
    /// Whether a container whose command is an absolute host path may run as a host process
    /// (`enclave up --allow-host-processes`).
    pub allow_host_processes: bool,
}

/// How a container ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// The exit code (0 for success).
    pub code: i32,
    /// The reason kubelet reports: `Completed`, `Error`, `OOMKilled`, ...
    pub reason: String,
    /// A message for the container status, if any.
    pub message: Option<String>,
}

impl Exit {
    /// How a process that ended with `code` is reported: reason `Completed` for 0, else
    /// `Error` (kubelet's reasons), without a message.
    pub fn from_code(code: i32) -> Self {
        Self {
            code,
            reason: if code == 0 { "Completed" } else { "Error" }.to_string(),
            message: None,
        }
    }
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The workload could not start (for example a port could not be bound).
    #[error("{0}")]
    Start(String),
}

/// Runs one container until it exits by itself or `stop` asks it to (the value is the grace
/// period: a host process gets SIGTERM, then SIGKILL when the grace period is over). Built-in
/// workloads end at once when asked, with the exit code the real image ends with (see
/// docs/workloads.md). `Err` means the container could not start (a port could not be bound,
/// a host program is not allowed or does not exist).
pub async fn run(
    spec: WorkloadSpec,
    context: WorkloadContext,
    stop: tokio::sync::watch::Receiver<Option<Duration>>,
) -> Result<Exit, Error> {
    let workload = select_workload(&spec, context.allow_host_processes)?;
    tracing::debug!(
        pod = %spec.pod.name,
        namespace = %spec.pod.namespace,
        container = %spec.container,
        image = %spec.image,
        ?workload,
        "starting built-in workload"
    );
    match workload {
        Workload::Shop => shop::run(&spec, &context, stop).await,
        Workload::EchoServer => echo::run(&spec, &context, stop).await,
        Workload::Agnhost { argv } => agnhost::run(&argv, &spec, &context, stop).await,
        Workload::PodInfo => pod_info::run(&spec, &context, stop).await,
        Workload::HostProcess { program, args } => {
            host_process::run(&program, &args, &spec, &context, stop).await
        }
    }
}
