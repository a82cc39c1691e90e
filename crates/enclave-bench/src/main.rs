//! `enclave-bench`: measures the embedded store's durable write rate against etcd, and the API
//! server's create/get/list/watch throughput and latency, in one run on this machine.
//!
//! Only loopback is used; every loop is bounded by a count; every process started is killed
//! when its guard is dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use clap::Parser;
use enclave_store::Store;
use enclave_store::embedded::EmbeddedStore;
use futures::StreamExt;
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(about = "Benchmarks of Enclave's API server and store")]
struct Args {
    /// The enclave binary to benchmark (a release build).
    #[arg(long, default_value = "target/release/enclave")]
    enclave_bin: PathBuf,
    /// The etcd binary to compare the store with; skipped when missing.
    #[arg(long, default_value = "etcd")]
    etcd_bin: String,
    /// Where to write the results as JSON.
    #[arg(long, default_value = "target/bench-results.json")]
    json: PathBuf,
    /// Writes per concurrency level in the store benchmark.
    #[arg(long, default_value_t = 4000)]
    store_writes: usize,
    /// Requests per concurrency level in the API benchmark.
    #[arg(long, default_value_t = 4000)]
    requests: usize,
    /// Pods in the big LIST.
    #[arg(long, default_value_t = 10_000)]
    list_pods: usize,
    /// Run only these phases (all when empty), e.g. `--only api-crud` while profiling.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Phase>,
    /// Replicas of the Deployment timed from create to all Ready (`pods` phase).
    #[arg(long, default_value_t = 1_000)]
    deploy_replicas: usize,
    /// Running pods at which the server's memory is measured (`pods` phase).
    #[arg(long, default_value_t = 10_000)]
    running_pods: usize,
    /// Seconds to wait after the pods are Ready before reading the settled memory (`pods` phase).
    #[arg(long, default_value_t = 10)]
    settle_secs: u64,
    /// A command the server runs under, split on spaces (e.g. `valgrind --tool=massif`), to
    /// profile it; the phases then take much longer.
    #[arg(long)]
    enclave_wrapper: Option<String>,
    /// Environment given to the server, `KEY=VALUE`, repeatable (e.g. `MIMALLOC_PURGE_DELAY=0`).
    #[arg(long = "enclave-env")]
    enclave_env: Vec<String>,
    /// Concurrency levels of the API create/get phase.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 10, 100])]
    api_clients: Vec<usize>,
}

/// The benchmark's phases, selectable with `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Phase {
    Store,
    ApiCrud,
    ApiList,
    Watch,
    BigList,
    Pods,
}

impl Args {
    fn runs(&self, phase: Phase) -> bool {
        self.only.is_empty() || self.only.contains(&phase)
    }
}

/// Throughput and latency of one phase.
#[derive(Debug, Clone)]
struct Figure {
    name: String,
    clients: usize,
    ops: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Figure {
    fn new(name: &str, clients: usize, wall: Duration, mut latencies: Vec<Duration>) -> Self {
        latencies.sort();
        let pct = |p: f64| {
            latencies
                .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(0.0)
        };
        Figure {
            name: name.into(),
            clients,
            ops: latencies.len(),
            per_second: latencies.len() as f64 / wall.as_secs_f64(),
            p50_ms: pct(0.50),
            p99_ms: pct(0.99),
        }
    }

    fn json(&self) -> Value {
        json!({"name": self.name, "clients": self.clients, "ops": self.ops,
            "per_second": self.per_second, "p50_ms": self.p50_ms, "p99_ms": self.p99_ms})
    }
}

/// Kills a child process when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Runs `total` operations split over `clients` tasks; returns each operation's latency.
async fn run_concurrent<F, Fut>(
    clients: usize,
    total: usize,
    op: F,
) -> Result<(Duration, Vec<Duration>)>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let op = Arc::new(op);
    let started = Instant::now();
    let per_client = total.div_ceil(clients);
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let op = op.clone();
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per_client);
                for i in (c * per_client..(c + 1) * per_client).take_while(|i| *i < total) {
                    let t = Instant::now();
                    op(i).await?;
                    lat.push(t.elapsed());
                }
                anyhow::Ok(lat)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(total);
    for t in tasks {
        all.extend(t.await??);
    }
    Ok((started.elapsed(), all))
}

// === store vs etcd ===

async fn bench_store(args: &Args, out: &mut Vec<Figure>) -> Result<()> {
    let value = Bytes::from(vec![b'x'; 256]);
    for clients in [1, 16, 64] {
        let dir = tempfile::tempdir()?;
        let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(&dir.path().join("b.redb"))?);
        let (s, v) = (store.clone(), value.clone());
        let (wall, lat) = run_concurrent(clients, args.store_writes, move |i| {
            let (s, v) = (s.clone(), v.clone());
            async move {
                s.create(&format!("/bench/{i:08}"), v).await?;
                Ok(())
            }
        })
        .await?;
        out.push(Figure::new(
            "store: embedded durable create",
            clients,
            wall,
            lat,
        ));
        store.close().await?;
    }
    let Some(etcd) = start_etcd(&args.etcd_bin)? else {
        eprintln!(
            "etcd not found ({}): skipping the etcd baseline",
            args.etcd_bin
        );
        return Ok(());
    };
    let client = reqwest::Client::new();
    for clients in [1, 16, 64] {
        let (c, url) = (client.clone(), etcd.url.clone());
        let value = STANDARD.encode([b'x'; 256]);
        let (wall, lat) = run_concurrent(clients, args.store_writes, move |i| {
            let (c, url, value) = (c.clone(), url.clone(), value.clone());
            async move {
                let key = STANDARD.encode(format!("/bench/{clients}/{i:08}"));
                let r = c
                    .post(format!("{url}/v3/kv/put"))
                    .json(&json!({"key": key, "value": value}))
                    .send()
                    .await?;
                if !r.status().is_success() {
                    bail!("etcd put failed: {}", r.status());
                }
                Ok(())
            }
        })
        .await?;
        out.push(Figure::new(
            "store: etcd 3.4 durable put (HTTP gateway)",
            clients,
            wall,
            lat,
        ));
    }
    drop(etcd);
    Ok(())
}

struct Etcd {
    url: String,
    _guard: Guard,
    _dir: tempfile::TempDir,
}

fn start_etcd(bin: &str) -> Result<Option<Etcd>> {
    if Command::new(bin).arg("--version").output().is_err() {
        return Ok(None);
    }
    let dir = tempfile::tempdir()?;
    let (client, peer) = (free_port()?, free_port()?);
    let url = format!("http://127.0.0.1:{client}");
    let child = Command::new(bin)
        .args(["--data-dir"])
        .arg(dir.path())
        .args([
            "--listen-client-urls",
            &url,
            "--advertise-client-urls",
            &url,
        ])
        .args(["--listen-peer-urls", &format!("http://127.0.0.1:{peer}")])
        .args([
            "--initial-advertise-peer-urls",
            &format!("http://127.0.0.1:{peer}"),
        ])
        .args([
            "--initial-cluster",
            &format!("default=http://127.0.0.1:{peer}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting etcd")?;
    let guard = Guard(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", client)).is_ok() {
            return Ok(Some(Etcd {
                url,
                _guard: guard,
                _dir: dir,
            }));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("etcd did not start")
}

// === API server ===

struct Enclave {
    url: String,
    client: reqwest::Client,
    pid: u32,
    _guard: Guard,
    _dir: tempfile::TempDir,
}

fn client_from_kubeconfig(path: &Path) -> Result<reqwest::Client> {
    let config: Value = serde_saphyr::from_str(&std::fs::read_to_string(path)?)?;
    let field = |ptr: &str| -> Result<Vec<u8>> {
        let b64 = config
            .pointer(ptr)
            .and_then(Value::as_str)
            .context("kubeconfig field")?;
        Ok(STANDARD.decode(b64)?)
    };
    let mut identity = field("/users/0/user/client-certificate-data")?;
    identity.extend(field("/users/0/user/client-key-data")?);
    Ok(reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&field(
            "/clusters/0/cluster/certificate-authority-data",
        )?)?)
        .identity(reqwest::Identity::from_pem(&identity)?)
        .pool_max_idle_per_host(256)
        .build()?)
}

fn start_enclave(args: &Args, extra_args: &[&str]) -> Result<Enclave> {
    let bin = &args.enclave_bin;
    let dir = tempfile::tempdir()?;
    let port = free_port()?;
    let mut command = match args.enclave_wrapper.as_deref() {
        Some(wrapper) => {
            let mut words = wrapper.split_whitespace();
            let mut c = Command::new(words.next().context("empty --enclave-wrapper")?);
            c.args(words).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    for pair in &args.enclave_env {
        let (key, value) = pair
            .split_once('=')
            .with_context(|| format!("--enclave-env {pair}: not KEY=VALUE"))?;
        command.env(key, value);
    }
    let mut child = command
        .arg("up")
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--api-listen", &format!("127.0.0.1:{port}")])
        .args(extra_args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let stdout = child.stdout.take().context("stdout")?;
    let pid = child.id();
    let guard = Guard(child);
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.trim() == "enclave is ready" => break,
            Some(Ok(_)) => {}
            _ => bail!("enclave did not become ready"),
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let client = client_from_kubeconfig(&dir.path().join("admin.kubeconfig"))?;
    Ok(Enclave {
        url: format!("https://127.0.0.1:{port}"),
        client,
        pid,
        _guard: guard,
        _dir: dir,
    })
}

fn memory_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The server's memory at one moment, from `/proc/PID/status`.
#[derive(Debug, Clone, Copy)]
struct Memory {
    /// Resident set (`VmRSS`).
    rss_kib: u64,
    /// Its anonymous part (`RssAnon`): the heap and stacks, without the mapped binary.
    anon_kib: u64,
    /// The peak resident set so far (`VmHWM`).
    peak_kib: u64,
}

impl Memory {
    fn read(pid: u32) -> Memory {
        Memory {
            rss_kib: memory_kib(pid, "VmRSS:"),
            anon_kib: memory_kib(pid, "RssAnon:"),
            peak_kib: memory_kib(pid, "VmHWM:"),
        }
    }

    fn describe(&self) -> String {
        format!(
            "RSS {} MiB (anon {} MiB, peak {} MiB)",
            self.rss_kib / 1024,
            self.anon_kib / 1024,
            self.peak_kib / 1024
        )
    }

    fn json(&self) -> Value {
        json!({"rss_kib": self.rss_kib, "anon_kib": self.anon_kib, "peak_kib": self.peak_kib})
    }
}

fn pod(name: &str) -> Value {
    json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":name,"labels":{"app":"bench","tier":"web"},
        "annotations":{"example.com/owner":"team-a","example.com/description":"a benchmark pod with a realistic size"}},
        "spec":{"containers":[{"name":"web","image":"projects.registry.vmware.com/tanzu_ese_poc/hackazon:1.0",
            "ports":[{"containerPort":80,"protocol":"TCP"}],
            "env":[{"name":"MODE","value":"production"},{"name":"LOG_LEVEL","value":"info"}],
            "resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},
            "readinessProbe":{"httpGet":{"path":"/healthz","port":80},"periodSeconds":5}}],
            "nodeName":"bench-unmanaged-node"}})
}

async fn create_namespace(e: &Enclave, name: &str) -> Result<()> {
    let r = e
        .client
        .post(format!("{}/api/v1/namespaces", e.url))
        .json(&json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":name}}))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("creating namespace {name}: {}", r.status());
    }
    Ok(())
}

async fn bench_api(args: &Args, out: &mut Vec<Figure>, notes: &mut Vec<String>) -> Result<()> {
    let e = start_enclave(args, &[])?;
    for &clients in &args.api_clients {
        if !args.runs(Phase::ApiCrud) {
            break;
        }
        let ns = format!("bench-{clients}");
        create_namespace(&e, &ns).await?;
        let base = format!("{}/api/v1/namespaces/{ns}/configmaps", e.url);
        let (c, b) = (e.client.clone(), base.clone());
        let (wall, lat) = run_concurrent(clients, args.requests, move |i| {
            let (c, b) = (c.clone(), b.clone());
            async move {
                let body = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":format!("cm-{i}")},"data":{"k":"v"}});
                let r = c.post(&b).json(&body).send().await?;
                if r.status().as_u16() != 201 {
                    bail!("create: {}", r.status());
                }
                Ok(())
            }
        })
        .await?;
        out.push(Figure::new("api: create ConfigMap", clients, wall, lat));
        let (c, b) = (e.client.clone(), base.clone());
        let n = args.requests;
        let (wall, lat) = run_concurrent(clients, args.requests, move |i| {
            let (c, b) = (c.clone(), b.clone());
            async move {
                let r = c.get(format!("{b}/cm-{}", i % n)).send().await?;
                if !r.status().is_success() {
                    bail!("get: {}", r.status());
                }
                r.bytes().await?;
                Ok(())
            }
        })
        .await?;
        out.push(Figure::new("api: get ConfigMap", clients, wall, lat));
    }
    if args.runs(Phase::ApiList) {
        bench_small_list(&e, args, out).await?;
    }
    if args.runs(Phase::Watch) {
        bench_watch(&e, args, out).await?;
    }
    if args.runs(Phase::BigList) {
        bench_big_list(&e, args, out, notes).await?;
    }
    Ok(())
}

/// LIST of a namespace holding 100 pods.
async fn bench_small_list(e: &Enclave, args: &Args, out: &mut Vec<Figure>) -> Result<()> {
    create_namespace(e, "bench-list").await?;
    for i in 0..100 {
        e.client
            .post(format!("{}/api/v1/namespaces/bench-list/pods", e.url))
            .json(&pod(&format!("p-{i}")))
            .send()
            .await?;
    }
    for clients in [1, 10, 100] {
        let (c, url) = (
            e.client.clone(),
            format!("{}/api/v1/namespaces/bench-list/pods", e.url),
        );
        let (wall, lat) = run_concurrent(clients, args.requests / 4, move |_| {
            let (c, url) = (c.clone(), url.clone());
            async move {
                let r = c.get(&url).send().await?;
                if !r.status().is_success() {
                    bail!("list: {}", r.status());
                }
                r.bytes().await?;
                Ok(())
            }
        })
        .await?;
        out.push(Figure::new("api: list 100 pods", clients, wall, lat));
    }
    Ok(())
}

/// Watch delivery: K watchers on a namespace; latency from a create's acknowledgment to the
/// event's arrival at each watcher.
async fn bench_watch(e: &Enclave, args: &Args, out: &mut Vec<Figure>) -> Result<()> {
    for watchers in [1, 10, 100] {
        let ns = format!("watch-{watchers}");
        create_namespace(e, &ns).await?;
        let events = args.requests / 10;
        let acked: Arc<std::sync::Mutex<Vec<Option<Instant>>>> =
            Arc::new(std::sync::Mutex::new(vec![None; events]));
        let mut tasks = Vec::new();
        for _ in 0..watchers {
            let url = format!(
                "{}/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion=1&timeoutSeconds=120",
                e.url
            );
            let (c, acked) = (e.client.clone(), acked.clone());
            let resp = c.get(&url).send().await?;
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut stream = resp.bytes_stream();
                let mut buf = Vec::new();
                while lat.len() < events {
                    let Some(chunk) = stream.next().await else {
                        break;
                    };
                    buf.extend_from_slice(&chunk?);
                    while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                        let line: Vec<u8> = buf.drain(..=pos).collect();
                        let v: Value = serde_json::from_slice(&line)?;
                        let name = v
                            .pointer("/object/metadata/name")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        if let Some(i) = name
                            .strip_prefix("w-")
                            .and_then(|n| n.parse::<usize>().ok())
                            && let Some(Some(t)) = acked
                                .lock()
                                .map_err(|_| anyhow::anyhow!("lock"))?
                                .get(i)
                                .copied()
                        {
                            lat.push(t.elapsed());
                        }
                    }
                }
                anyhow::Ok(lat)
            }));
        }
        let started = Instant::now();
        for i in 0..events {
            let body =
                json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":format!("w-{i}")}});
            // The clock starts when the create is sent (an event may arrive before the
            // response does), so the figure is create-to-event latency.
            if let Ok(mut a) = acked.lock() {
                a[i] = Some(Instant::now());
            }
            e.client
                .post(format!("{}/api/v1/namespaces/{ns}/configmaps", e.url))
                .json(&body)
                .send()
                .await?;
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(tokio::time::timeout(Duration::from_secs(60), t).await???);
        }
        out.push(Figure::new(
            "api: watch, create-to-event latency",
            watchers,
            started.elapsed(),
            all,
        ));
    }
    Ok(())
}

async fn bench_big_list(
    e: &Enclave,
    args: &Args,
    out: &mut Vec<Figure>,
    notes: &mut Vec<String>,
) -> Result<()> {
    create_namespace(e, "big").await?;
    let mut created = 0;
    for (target, label) in [(args.list_pods / 10, "small"), (args.list_pods, "large")] {
        let (c, url) = (
            e.client.clone(),
            format!("{}/api/v1/namespaces/big/pods", e.url),
        );
        let start = created;
        run_concurrent(32, target - created, move |i| {
            let (c, url) = (c.clone(), url.clone());
            async move {
                let r = c
                    .post(&url)
                    .json(&pod(&format!("pod-{:06}", start + i)))
                    .send()
                    .await?;
                if r.status().as_u16() != 201 {
                    bail!("create pod: {}", r.status());
                }
                Ok(())
            }
        })
        .await?;
        created = target;
        let rss_before = memory_kib(e.pid, "VmRSS:");
        for (accept, name) in [
            ("application/json", "api: LIST pods (JSON)"),
            (
                "application/json;as=Table;v=v1;g=meta.k8s.io",
                "api: LIST pods (Table)",
            ),
        ] {
            let t = Instant::now();
            let r = e
                .client
                .get(format!("{}/api/v1/namespaces/big/pods", e.url))
                .header("accept", accept)
                .send()
                .await?;
            let mut bytes = 0usize;
            let mut stream = r.bytes_stream();
            while let Some(chunk) = stream.next().await {
                bytes += chunk?.len();
            }
            let wall = t.elapsed();
            out.push(Figure::new(
                &format!("{name}, {target} pods"),
                1,
                wall,
                vec![wall],
            ));
            notes.push(format!(
                "{name} of {target} pods: {bytes} bytes in {:.0} ms",
                wall.as_secs_f64() * 1000.0
            ));
        }
        let rss_after = memory_kib(e.pid, "VmRSS:");
        notes.push(format!(
            "server RSS around the {label} LISTs ({target} pods): {} KiB before, {} KiB after, peak so far {} KiB",
            rss_before,
            rss_after,
            memory_kib(e.pid, "VmHWM:")
        ));
    }
    Ok(())
}

/// Waits until the Deployment `ns/name` reports `replicas` ready pods; returns the time taken.
async fn wait_deployment_ready(
    e: &Enclave,
    ns: &str,
    name: &str,
    replicas: u64,
) -> Result<Duration> {
    let started = Instant::now();
    let url = format!("{}/apis/apps/v1/namespaces/{ns}/deployments/{name}", e.url);
    loop {
        let d: Value = e.client.get(&url).send().await?.json().await?;
        if d.pointer("/status/readyReplicas").and_then(Value::as_u64) == Some(replicas) {
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(900) {
            bail!(
                "{name}: not {replicas} ready pods after 15 minutes: {}",
                d["status"]
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Notes the server's memory at `label`, in the notes and in the JSON report.
fn record(notes: &mut Vec<String>, memory: &mut Vec<Value>, label: String, m: Memory) {
    notes.push(format!("server {label}: {}", m.describe()));
    memory.push(json!({"when": label, "memory": m.json()}));
}

/// Pods: time from creating a Deployment of `--deploy-replicas` pods until all are Ready, then
/// the server's memory with `--running-pods` running pods: right after they are Ready and again
/// `--settle-secs` later, when the bursts of the scale-up (queues, buffers) have drained.
async fn bench_pods(
    args: &Args,
    out: &mut Vec<Figure>,
    notes: &mut Vec<String>,
    memory: &mut Vec<Value>,
) -> Result<()> {
    // 10.244.0.0/19 in /28s holds 6,656 pods: the big run gets a /14 of pod IPs.
    let e = start_enclave(args, &["--pod-cidr", "10.128.0.0/14"])?;
    create_namespace(&e, "bench-pods").await?;
    record(notes, memory, "idle".into(), Memory::read(e.pid));
    let settle = Duration::from_secs(args.settle_secs);
    let deployments = format!("{}/apis/apps/v1/namespaces/bench-pods/deployments", e.url);
    let deployment = |replicas: usize| {
        json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
            "spec":{"replicas":replicas,"selector":{"matchLabels":{"app":"web"}},
                "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{
                    "name":"web","image":"projects.registry.vmware.com/tanzu_ese_poc/hackazon:1.0",
                    "ports":[{"containerPort":80}]}]}}}})
    };
    let started = Instant::now();
    let r = e
        .client
        .post(&deployments)
        .json(&deployment(args.deploy_replicas))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("creating the deployment: {}", r.status());
    }
    wait_deployment_ready(&e, "bench-pods", "web", args.deploy_replicas as u64).await?;
    let wall = started.elapsed();
    record(
        notes,
        memory,
        format!("right after {} pods Ready", args.deploy_replicas),
        Memory::read(e.pid),
    );
    out.push(Figure::new(
        &format!(
            "pods: Deployment of {} replicas, create to all Ready",
            args.deploy_replicas
        ),
        1,
        wall,
        vec![wall],
    ));
    notes.push(format!(
        "{} pods Ready {:.2} s after the Deployment was created",
        args.deploy_replicas,
        wall.as_secs_f64()
    ));
    tokio::time::sleep(settle).await;
    record(
        notes,
        memory,
        format!(
            "{} s after {} pods Ready",
            args.settle_secs, args.deploy_replicas
        ),
        Memory::read(e.pid),
    );
    let scale = format!("{deployments}/web/scale");
    let started = Instant::now();
    let r = e
        .client
        .patch(&scale)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"spec":{"replicas":args.running_pods}}).to_string())
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("scaling the deployment: {}", r.status());
    }
    wait_deployment_ready(&e, "bench-pods", "web", args.running_pods as u64).await?;
    let wall = started.elapsed();
    record(
        notes,
        memory,
        format!("right after {} pods Running", args.running_pods),
        Memory::read(e.pid),
    );
    out.push(Figure::new(
        &format!(
            "pods: scale to {} replicas, to all Ready",
            args.running_pods
        ),
        1,
        wall,
        vec![wall],
    ));
    notes.push(format!(
        "scale-up to {} pods took {:.1} s",
        args.running_pods,
        wall.as_secs_f64()
    ));
    tokio::time::sleep(settle).await;
    record(
        notes,
        memory,
        format!(
            "{} s after {} pods Running (settled)",
            args.settle_secs, args.running_pods
        ),
        Memory::read(e.pid),
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let mut figures = Vec::new();
    let mut notes = Vec::new();
    let mut memory = Vec::new();
    if args.runs(Phase::Store) {
        bench_store(&args, &mut figures).await?;
    }
    if [Phase::ApiCrud, Phase::ApiList, Phase::Watch, Phase::BigList]
        .iter()
        .any(|p| args.runs(*p))
    {
        bench_api(&args, &mut figures, &mut notes).await?;
    }
    if args.runs(Phase::Pods) {
        bench_pods(&args, &mut figures, &mut notes, &mut memory).await?;
    }
    println!("| benchmark | clients | ops | ops/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for f in &figures {
        println!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} |",
            f.name, f.clients, f.ops, f.per_second, f.p50_ms, f.p99_ms
        );
    }
    let rate = |name: &str, clients: usize| {
        figures
            .iter()
            .find(|f| f.name.starts_with(name) && f.clients == clients)
            .map(|f| f.per_second)
    };
    for clients in [1, 16, 64] {
        if let (Some(ours), Some(etcd)) = (
            rate("store: embedded", clients),
            rate("store: etcd", clients),
        ) {
            let line = format!(
                "store writes/s, {clients} writers: embedded/etcd = {:.2}",
                ours / etcd
            );
            notes.push(line);
        }
    }
    for n in &notes {
        println!("{n}");
    }
    let report = json!({"figures": figures.iter().map(Figure::json).collect::<Vec<_>>(), "notes": notes,
            "memory": memory});
    // The default path is under `target/`, which a checkout built with CARGO_TARGET_DIR
    // elsewhere does not have.
    if let Some(dir) = args.json.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.json, serde_json::to_vec_pretty(&report)?)?;
    println!("results: {}", args.json.display());
    Ok(())
}
