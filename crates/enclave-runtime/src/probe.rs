//! Probes: readiness, liveness and startup probes read from the pod spec, carried out through
//! the port map (HTTP GET or TCP connect to the loopback socket standing for the pod port),
//! and kubelet's threshold logic deciding when a result changes.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use k8s_openapi::api::core::v1::{Container, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::ports::PortMap;

/// Which probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProbeKind {
    Startup,
    Readiness,
    Liveness,
}

impl ProbeKind {
    /// The word kubelet starts its event messages with.
    pub(crate) fn title(self) -> &'static str {
        match self {
            ProbeKind::Startup => "Startup",
            ProbeKind::Readiness => "Readiness",
            ProbeKind::Liveness => "Liveness",
        }
    }

    /// The result before the first probe: not ready, alive, not started.
    fn initial(self) -> Option<bool> {
        match self {
            ProbeKind::Readiness => Some(false),
            ProbeKind::Liveness => Some(true),
            ProbeKind::Startup => None,
        }
    }
}

/// What a probe does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProbeAction {
    Http {
        port: u16,
        path: String,
        headers: Vec<(String, String)>,
        host: Option<String>,
        https: bool,
    },
    Tcp {
        port: u16,
    },
    /// A probe the built-in workloads cannot answer (exec, gRPC, a port name the container
    /// does not declare): always a failure with this message, reported as a Warning event.
    Unsupported(String),
}

/// One probe of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProbeSpec {
    pub(crate) kind: ProbeKind,
    pub(crate) action: ProbeAction,
    pub(crate) initial_delay: Duration,
    pub(crate) period: Duration,
    pub(crate) timeout: Duration,
    pub(crate) success_threshold: u32,
    pub(crate) failure_threshold: u32,
}

fn seconds(value: Option<i32>, default: u64) -> Duration {
    Duration::from_secs(value.map_or(default, |v| u64::try_from(v).unwrap_or(0)))
}

fn resolve_port(port: &IntOrString, container: &Container) -> Result<u16, String> {
    match port {
        IntOrString::Int(n) => u16::try_from(*n).map_err(|_| format!("invalid port number: {n}")),
        IntOrString::String(name) => {
            if let Ok(n) = name.parse::<u16>() {
                return Ok(n);
            }
            container
                .ports
                .iter()
                .flatten()
                .find(|p| p.name.as_deref() == Some(name.as_str()))
                .and_then(|p| u16::try_from(p.container_port).ok())
                .ok_or_else(|| format!("couldn't find port: {name} in {}", container.name))
        }
    }
}

impl ProbeSpec {
    /// The probe of `kind` as the pod spec writes it, with Kubernetes' defaults.
    pub(crate) fn from_spec(kind: ProbeKind, probe: &Probe, container: &Container) -> Self {
        let action = if let Some(http) = &probe.http_get {
            match resolve_port(&http.port, container) {
                Ok(port) => ProbeAction::Http {
                    port,
                    path: http.path.clone().unwrap_or_else(|| "/".into()),
                    headers: http
                        .http_headers
                        .iter()
                        .flatten()
                        .map(|h| (h.name.clone(), h.value.clone()))
                        .collect(),
                    host: http.host.clone().filter(|h| !h.is_empty()),
                    https: http.scheme.as_deref() == Some("HTTPS"),
                },
                Err(message) => ProbeAction::Unsupported(message),
            }
        } else if let Some(tcp) = &probe.tcp_socket {
            match resolve_port(&tcp.port, container) {
                Ok(port) => ProbeAction::Tcp { port },
                Err(message) => ProbeAction::Unsupported(message),
            }
        } else if probe.exec.is_some() {
            ProbeAction::Unsupported("exec probes are not supported by built-in workloads".into())
        } else if probe.grpc.is_some() {
            ProbeAction::Unsupported("gRPC probes are not supported by built-in workloads".into())
        } else {
            ProbeAction::Unsupported("probe has no handler".into())
        };
        let success_threshold = match kind {
            // Liveness and startup probes must use 1.
            ProbeKind::Readiness => probe.success_threshold.unwrap_or(1).max(1) as u32,
            _ => 1,
        };
        ProbeSpec {
            kind,
            action,
            initial_delay: seconds(probe.initial_delay_seconds, 0),
            period: seconds(probe.period_seconds, 10).max(Duration::from_secs(1)),
            timeout: seconds(probe.timeout_seconds, 1).max(Duration::from_secs(1)),
            success_threshold,
            failure_threshold: probe.failure_threshold.unwrap_or(3).max(1) as u32,
        }
    }

    /// The probes of a container, startup first.
    pub(crate) fn of_container(container: &Container) -> Vec<ProbeSpec> {
        [
            (ProbeKind::Startup, &container.startup_probe),
            (ProbeKind::Readiness, &container.readiness_probe),
            (ProbeKind::Liveness, &container.liveness_probe),
        ]
        .into_iter()
        .filter_map(|(kind, probe)| probe.as_ref().map(|p| Self::from_spec(kind, p, container)))
        .collect()
    }
}

/// kubelet's result tracking: a result changes after `successThreshold` consecutive successes
/// or `failureThreshold` consecutive failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProbeTracker {
    /// The current result (`None` = unknown).
    pub(crate) result: Option<bool>,
    last: Option<bool>,
    run: u32,
}

impl ProbeTracker {
    pub(crate) fn new(kind: ProbeKind) -> Self {
        ProbeTracker {
            result: kind.initial(),
            last: None,
            run: 0,
        }
    }

    /// Records one outcome; true when the result changed.
    pub(crate) fn record(&mut self, ok: bool, spec: &ProbeSpec) -> bool {
        if self.last == Some(ok) {
            self.run = self.run.saturating_add(1);
        } else {
            self.last = Some(ok);
            self.run = 1;
        }
        let threshold = if ok {
            spec.success_threshold
        } else {
            spec.failure_threshold
        };
        if self.run < threshold || self.result == Some(ok) {
            return false;
        }
        self.result = Some(ok);
        true
    }
}

/// Carries out one probe; `Err` holds kubelet's failure text.
pub(crate) async fn run_probe(
    action: &ProbeAction,
    pod_ip: Ipv4Addr,
    ports: &PortMap,
    timeout: Duration,
) -> Result<(), String> {
    match action {
        ProbeAction::Unsupported(message) => Err(message.clone()),
        ProbeAction::Tcp { port } => {
            let target = format!("{pod_ip}:{port}");
            let connect = async {
                let addr = ports
                    .get(IpAddr::V4(pod_ip), *port)
                    .ok_or_else(|| format!("dial tcp {target}: connect: connection refused"))?;
                TcpStream::connect(addr)
                    .await
                    .map(drop)
                    .map_err(|e| format!("dial tcp {target}: connect: {}", io_text(&e)))
            };
            tokio::time::timeout(timeout, connect)
                .await
                .unwrap_or_else(|_| Err(format!("dial tcp {target}: i/o timeout")))
        }
        ProbeAction::Http {
            port,
            path,
            headers,
            host,
            https,
        } => {
            let scheme = if *https { "https" } else { "http" };
            let path = if path.starts_with('/') {
                path.clone()
            } else {
                format!("/{path}")
            };
            let url = format!("{scheme}://{pod_ip}:{port}{path}");
            if *https {
                return Err(format!(
                    "Get {url:?}: HTTPS probes are not supported by built-in workloads"
                ));
            }
            let target = format!("{pod_ip}:{port}");
            let request = http_request(&path, host.as_deref().unwrap_or(&target), headers);
            let exchange = async {
                let addr = ports.get(IpAddr::V4(pod_ip), *port).ok_or_else(|| {
                    format!("Get {url:?}: dial tcp {target}: connect: connection refused")
                })?;
                let mut stream = TcpStream::connect(addr).await.map_err(|e| {
                    format!("Get {url:?}: dial tcp {target}: connect: {}", io_text(&e))
                })?;
                stream
                    .write_all(request.as_bytes())
                    .await
                    .map_err(|e| format!("Get {url:?}: {}", io_text(&e)))?;
                read_status(&mut stream)
                    .await
                    .map_err(|e| format!("Get {url:?}: {e}"))
            };
            match tokio::time::timeout(timeout, exchange).await {
                Err(_) => Err(format!(
                    "Get {url:?}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
                )),
                Ok(Err(message)) => Err(message),
                Ok(Ok(code)) if (200..400).contains(&code) => Ok(()),
                Ok(Ok(code)) => Err(format!("HTTP probe failed with statuscode: {code}")),
            }
        }
    }
}

fn io_text(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::ConnectionReset => "connection reset by peer".into(),
        _ => error.to_string(),
    }
}

fn http_request(path: &str, host: &str, headers: &[(String, String)]) -> String {
    let mut request = format!("GET {path} HTTP/1.1\r\n");
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let host = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map_or(host, |(_, v)| v.as_str());
    request.push_str(&format!("Host: {host}\r\n"));
    if !has("user-agent") {
        request.push_str("User-Agent: kube-probe/1.32\r\n");
    }
    if !has("accept") {
        request.push_str("Accept: */*\r\n");
    }
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("host") {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    request.push_str("Connection: close\r\n\r\n");
    request
}

/// Reads the status code of an HTTP/1.x response.
async fn read_status(stream: &mut TcpStream) -> Result<u16, String> {
    let mut buffer = Vec::with_capacity(256);
    let mut chunk = [0u8; 256];
    loop {
        if let Some(end) = buffer.iter().position(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(&buffer[..end]);
            let mut parts = line.split_whitespace();
            let version = parts.next().unwrap_or_default();
            let code = parts.next().and_then(|c| c.parse::<u16>().ok());
            return match code {
                Some(code) if version.starts_with("HTTP/") => Ok(code),
                _ => Err(format!("malformed HTTP response {:?}", line.trim_end())),
            };
        }
        if buffer.len() > 8192 {
            return Err("malformed HTTP response: status line too long".into());
        }
        let read = stream.read(&mut chunk).await.map_err(|e| io_text(&e))?;
        if read == 0 {
            return Err("EOF".into());
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}
