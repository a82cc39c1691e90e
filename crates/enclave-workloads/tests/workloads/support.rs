//! Test harness: a PortBinder that binds 127.0.0.1:0 and remembers where each container port
//! went, a LogSink that collects lines, and a running container with its stop switch.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use enclave_workloads::{
    DeclaredPort, Error, Exit, LogSink, PodIdentity, PortBinder, WorkloadContext, WorkloadSpec,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long any awaited condition may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct TestBinder {
    bound: Mutex<HashMap<u16, SocketAddr>>,
}

impl PortBinder for TestBinder {
    fn bind_tcp(&self, container_port: u16) -> std::io::Result<std::net::TcpListener> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        self.bound
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .insert(container_port, address);
        Ok(listener)
    }
}

impl TestBinder {
    pub fn bound_ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self.bound.lock().expect("lock").keys().copied().collect();
        ports.sort_unstable();
        ports
    }
}

/// A binder whose sockets cannot be bound.
pub struct FailingBinder;

impl PortBinder for FailingBinder {
    fn bind_tcp(&self, _container_port: u16) -> std::io::Result<std::net::TcpListener> {
        Err(std::io::Error::new(
            std::io::ErrorKind::AddrInUse,
            "address already in use",
        ))
    }
}

#[derive(Default)]
pub struct TestLog {
    lines: Mutex<Vec<(bool, String)>>,
}

impl LogSink for TestLog {
    fn line(&self, stderr: bool, line: &str) {
        self.lines
            .lock()
            .expect("lock")
            .push((stderr, line.to_string()));
    }
}

impl TestLog {
    pub fn lines(&self) -> Vec<(bool, String)> {
        self.lines.lock().expect("lock").clone()
    }

    pub fn stdout(&self) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|(stderr, _)| !stderr)
            .map(|(_, line)| line)
            .collect()
    }

    pub fn stderr(&self) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|(stderr, _)| *stderr)
            .map(|(_, line)| line)
            .collect()
    }
}

pub fn pod() -> PodIdentity {
    PodIdentity {
        name: "web-6bb78d9f74-gwn6r".into(),
        namespace: "ns-demo".into(),
        uid: "8a2f0c1e-0000-4000-8000-000000000001".into(),
        ip: "10.244.0.18".into(),
        node: "esx-01.enclave.local".into(),
    }
}

pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

pub fn spec(image: &str) -> WorkloadSpec {
    WorkloadSpec {
        container: "main".into(),
        image: image.into(),
        pod: pod(),
        ..WorkloadSpec::default()
    }
}

pub fn tcp_port(port: u16) -> DeclaredPort {
    DeclaredPort {
        name: None,
        port,
        protocol: "TCP".into(),
    }
}

/// A container being run.
pub struct Running {
    pub binder: Arc<TestBinder>,
    pub log: Arc<TestLog>,
    stop: watch::Sender<Option<Duration>>,
    task: JoinHandle<Result<Exit, Error>>,
}

pub fn start(spec: WorkloadSpec, allow_host_processes: bool) -> Running {
    start_with(spec, allow_host_processes, None)
}

pub fn start_with(
    spec: WorkloadSpec,
    allow_host_processes: bool,
    binder: Option<Arc<dyn PortBinder>>,
) -> Running {
    let test_binder = Arc::new(TestBinder::default());
    let log = Arc::new(TestLog::default());
    let context = WorkloadContext {
        binder: binder.unwrap_or_else(|| test_binder.clone()),
        log: log.clone(),
        allow_host_processes,
    };
    let (stop, stop_receiver) = watch::channel(None);
    let task = tokio::spawn(enclave_workloads::run(spec, context, stop_receiver));
    Running {
        binder: test_binder,
        log,
        stop,
        task,
    }
}

impl Running {
    /// Where the container's `port` is served, once it is bound.
    pub async fn address(&self, port: u16) -> SocketAddr {
        let wait = async {
            loop {
                if let Some(address) = self.binder.bound.lock().expect("lock").get(&port) {
                    return *address;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(PATIENCE, wait)
            .await
            .unwrap_or_else(|_| panic!("port {port} was never bound; log: {:?}", self.log.lines()))
    }

    /// `http://<address><path>` for the container's `port`.
    pub async fn url(&self, port: u16, path: &str) -> String {
        format!("http://{}{path}", self.address(port).await)
    }

    /// Waits until a log line satisfies `predicate`, and returns it.
    pub async fn line(&self, predicate: impl Fn(bool, &str) -> bool) -> String {
        let wait = async {
            loop {
                if let Some((_, line)) = self
                    .log
                    .lines()
                    .into_iter()
                    .find(|(stderr, line)| predicate(*stderr, line))
                {
                    return line;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(PATIENCE, wait)
            .await
            .unwrap_or_else(|_| panic!("no such log line; log: {:?}", self.log.lines()))
    }

    /// Asks the container to stop with `grace` and waits for it to end.
    pub async fn stop(self, grace: Duration) -> Result<Exit, Error> {
        let _ = self.stop.send(Some(grace));
        self.finish().await
    }

    /// Waits for the container to end by itself.
    pub async fn finish(self) -> Result<Exit, Error> {
        let log = self.log.clone();
        let _keep_stop_open = self.stop;
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .unwrap_or_else(|_| panic!("the container did not end; log: {:?}", log.lines()))
            .expect("the workload task panicked")
    }
}

/// An HTTP client that never goes through a proxy.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(PATIENCE)
        .build()
        .expect("client")
}

pub async fn get_text(url: &str) -> (u16, String) {
    let response = client().get(url).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

pub fn exit(code: i32) -> Exit {
    Exit::from_code(code)
}
