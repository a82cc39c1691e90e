//! The runtime against a real API server in process: nodes and leases, pods bound to our
//! nodes getting IPs, status, events, probes, restarts, logs, deletion and re-adoption.
//!
//! Containers run through a test `WorkloadRunner` (images `test/server` and `test/exit:N`),
//! the same interface the built-in workloads use; other images go to the built-in workloads.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use enclave_runtime::{BuiltinWorkloads, LogRequest, Runtime, RuntimeConfig, WorkloadRunner};
use enclave_workloads::{Exit, WorkloadContext, WorkloadSpec};
use futures::StreamExt;
use futures::future::BoxFuture;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Namespace, Node, Pod};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{oneshot, watch};

const TIMEOUT: Duration = Duration::from_secs(30);

/// Test workloads: `test/server` serves HTTP on each declared port (`/fail` answers 500) and
/// logs its environment; `test/exit:N` exits with code N at once.
struct TestWorkloads;

impl WorkloadRunner for TestWorkloads {
    fn run(
        &self,
        spec: WorkloadSpec,
        context: WorkloadContext,
        stop: watch::Receiver<Option<Duration>>,
    ) -> BoxFuture<'static, Result<Exit, enclave_workloads::Error>> {
        if spec.image.starts_with("test/") {
            Box::pin(test_workload(spec, context, stop))
        } else {
            BuiltinWorkloads.run(spec, context, stop)
        }
    }
}

async fn test_workload(
    spec: WorkloadSpec,
    context: WorkloadContext,
    mut stop: watch::Receiver<Option<Duration>>,
) -> Result<Exit, enclave_workloads::Error> {
    if let Some(code) = spec.image.strip_prefix("test/exit:") {
        let code: i32 = code.parse().unwrap_or(1);
        context.log.line(true, &format!("exiting with {code}"));
        return Ok(Exit {
            code,
            reason: if code == 0 { "Completed" } else { "Error" }.into(),
            message: None,
        });
    }
    for (name, value) in &spec.env {
        context.log.line(false, &format!("{name}={value}"));
    }
    let mut servers = Vec::new();
    for port in &spec.ports {
        let listener = context
            .binder
            .bind_tcp(port.port)
            .map_err(|e| enclave_workloads::Error::Start(e.to_string()))?;
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| enclave_workloads::Error::Start(e.to_string()))?;
        context.log.line(
            false,
            &format!("serving {} on {}", spec.pod.name, port.port),
        );
        let pod = spec.pod.name.clone();
        let log = context.log.clone();
        servers.push(tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let pod = pod.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 2048];
                    let read = socket.read(&mut buffer).await.unwrap_or(0);
                    let request = String::from_utf8_lossy(&buffer[..read]).to_string();
                    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                    log.line(false, &format!("GET {path}"));
                    let (code, body) = if path == "/fail" {
                        ("500 Internal Server Error", "failing".to_string())
                    } else {
                        ("200 OK", format!("hello from {pod}"))
                    };
                    let response = format!(
                        "HTTP/1.1 {code}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                });
            }
        }));
    }
    let _ = stop.wait_for(Option::is_some).await;
    for server in servers {
        server.abort();
    }
    Ok(Exit {
        code: 0,
        reason: "Completed".into(),
        message: None,
    })
}

struct Harness {
    runtime: Arc<Runtime>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), enclave_runtime::Error>>,
}

async fn api_client() -> kube::Client {
    let store: Arc<dyn enclave_store::Store> = Arc::new(enclave_store::memory::MemoryStore::new());
    let api = enclave_apiserver::ApiServer::new(
        store,
        Arc::new(enclave_apiserver::auth::AllowAuthenticated),
        enclave_apiserver::Config::default(),
    );
    if let Err(e) = enclave_apiserver::bootstrap(&api).await {
        panic!("bootstrap: {e:?}");
    }
    let svc = enclave_apiserver::in_process_service(
        api.clone(),
        enclave_apiserver::auth::UserInfo::new("system:node:esxi", ["system:masters".to_string()]),
    );
    kube::Client::new(svc, "default")
}

fn start(client: &kube::Client, runtime: Arc<Runtime>) -> Harness {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(runtime.clone().run(client.clone(), async move {
        let _ = stopped.await;
    }));
    Harness {
        runtime,
        stop: Some(stop),
        task,
    }
}

impl Harness {
    async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let result = tokio::time::timeout(TIMEOUT, self.task).await;
        assert!(
            matches!(result, Ok(Ok(Ok(())))),
            "runtime did not stop cleanly: {result:?}"
        );
    }
}

async fn namespace(client: &kube::Client, name: &str) {
    let api: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace = from_json(json!({"metadata": {"name": name}}));
    if let Err(e) = api.create(&PostParams::default(), &ns).await {
        panic!("namespace {name}: {e}");
    }
}

fn from_json<T: serde::de::DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(v) => v,
        Err(e) => panic!("decode: {e}"),
    }
}

fn pod_yaml(yaml: &str) -> Pod {
    match serde_saphyr::from_str::<Pod>(yaml) {
        Ok(p) => p,
        Err(e) => panic!("pod YAML: {e}"),
    }
}

async fn create_pod(client: &kube::Client, namespace: &str, yaml: &str) -> Pod {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    match api.create(&PostParams::default(), &pod_yaml(yaml)).await {
        Ok(p) => p,
        Err(e) => panic!("create pod: {e}"),
    }
}

/// Polls `get` until `check` accepts its value; fails the test after the timeout.
async fn eventually<T, F, Fut>(what: &str, mut get: F, check: impl Fn(&T) -> bool) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
    T: std::fmt::Debug,
{
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    let mut last = None;
    loop {
        if let Some(value) = get().await {
            if check(&value) {
                return value;
            }
            last = Some(value);
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out waiting for {what}; last seen: {last:#?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn pod_json(client: &kube::Client, namespace: &str, name: &str) -> Option<Value> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let pod = api.get_opt(name).await.ok()??;
    serde_json::to_value(pod).ok()
}

async fn wait_pod(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    eventually(what, || pod_json(client, namespace, name), check).await
}

async fn events_of(client: &kube::Client, namespace: &str, pod: &str) -> Option<Vec<Value>> {
    let api: Api<Event> = Api::namespaced(client.clone(), namespace);
    let list = api
        .list(&ListParams::default().fields(&format!("involvedObject.name={pod}")))
        .await
        .ok()?;
    Some(
        list.items
            .into_iter()
            .filter_map(|e| serde_json::to_value(e).ok())
            .collect(),
    )
}

fn has_event(events: &[Value], reason: &str, message: &str) -> bool {
    events.iter().any(|e| {
        e["reason"] == reason && e["message"].as_str().is_some_and(|m| m.contains(message))
    })
}

fn condition(pod: &Value, kind: &str) -> Value {
    pod["status"]["conditions"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["type"] == kind))
        .cloned()
        .unwrap_or(Value::Null)
}

fn pod_ip(pod: &Value) -> Option<Ipv4Addr> {
    pod["status"]["podIP"].as_str()?.parse().ok()
}

fn in_pod_cidr(ip: Ipv4Addr) -> bool {
    let base = u32::from(Ipv4Addr::new(10, 244, 0, 0));
    (base..base + 8192).contains(&u32::from(ip))
}

async fn read_logs(
    runtime: &Runtime,
    namespace: &str,
    pod: &Value,
    container: &str,
    request: LogRequest,
) -> Result<String, String> {
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let uid = pod["metadata"]["uid"].as_str().unwrap_or_default();
    match runtime.container_logs(namespace, name, uid, container, request) {
        Ok(stream) => {
            let bytes: Vec<u8> = stream.map(|b| b.to_vec()).concat().await;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
        Err(e) => Err(e.to_string()),
    }
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
        return String::new();
    };
    let request = format!("GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n");
    let _ = stream.write_all(request.as_bytes()).await;
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response).await;
    response
}

#[tokio::test]
async fn nodes_and_leases_appear() {
    let client = api_client().await;
    let harness = start(
        &client,
        Runtime::with_runner(RuntimeConfig::default(), Arc::new(TestWorkloads)),
    );
    let nodes: Api<Node> = Api::all(client.clone());
    let list = eventually(
        "three ready nodes",
        || async { nodes.list(&ListParams::default()).await.ok() },
        |list| {
            list.items.len() == 3
                && list.items.iter().all(|n| {
                    n.status
                        .as_ref()
                        .and_then(|s| s.conditions.as_ref())
                        .is_some_and(|c| {
                            c.iter().any(|c| {
                                c.type_ == "Ready"
                                    && c.status == "True"
                                    && c.reason.as_deref() == Some("KubeletReady")
                            })
                        })
                })
        },
    )
    .await;
    let mut names: Vec<String> = list
        .items
        .iter()
        .filter_map(|n| n.metadata.name.clone())
        .collect();
    names.sort();
    assert_eq!(names, ["esxi-1", "esxi-2", "esxi-3"]);
    let Some(node) = list
        .items
        .iter()
        .find(|n| n.metadata.name.as_deref() == Some("esxi-1"))
    else {
        panic!("esxi-1");
    };
    let node = serde_json::to_value(node).unwrap_or_default();
    assert_eq!(
        node["metadata"]["labels"]["kubernetes.io/hostname"],
        "esxi-1"
    );
    assert_eq!(node["metadata"]["labels"]["kubernetes.io/os"], "linux");
    assert_eq!(node["status"]["capacity"]["pods"], "5000");
    assert_eq!(node["status"]["allocatable"]["memory"], "64Gi");
    assert_eq!(node["status"]["addresses"][0]["type"], "InternalIP");
    assert!(
        node["status"]["nodeInfo"]["kubeletVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with("v1.32."))
    );
    let pressure: Vec<(String, String)> = node["status"]["conditions"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|c| {
                    (
                        c["type"].as_str().unwrap_or_default().to_string(),
                        c["reason"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(pressure.contains(&("MemoryPressure".into(), "KubeletHasSufficientMemory".into())));
    assert!(pressure.contains(&("DiskPressure".into(), "KubeletHasNoDiskPressure".into())));
    assert!(pressure.contains(&("PIDPressure".into(), "KubeletHasSufficientPID".into())));

    let leases: Api<Lease> = Api::namespaced(client.clone(), "kube-node-lease");
    let lease = eventually(
        "lease of esxi-2",
        || async { leases.get_opt("esxi-2").await.ok().flatten() },
        |l| {
            l.spec.as_ref().is_some_and(|s| {
                s.holder_identity.as_deref() == Some("esxi-2") && s.renew_time.is_some()
            })
        },
    )
    .await;
    assert_eq!(lease.spec.and_then(|s| s.lease_duration_seconds), Some(40));
    harness.shutdown().await;

    // A second runtime over the same API re-registers the same nodes without error.
    let again = start(
        &client,
        Runtime::with_runner(RuntimeConfig::default(), Arc::new(TestWorkloads)),
    );
    eventually(
        "nodes after restart",
        || async { nodes.list(&ListParams::default()).await.ok() },
        |l| l.items.len() == 3,
    )
    .await;
    again.shutdown().await;
}

const FAILING_POD: &str = r#"
metadata:
  name: web-abc
spec:
  nodeName: esxi-1
  containers:
  - name: web
    image: nginx
    command: ["/usr/sbin/nginx", "-g", "daemon off;"]
    ports:
    - containerPort: 80
"#;

#[tokio::test]
async fn a_workload_that_fails_to_start_reports_start_error_and_backs_off() {
    let client = api_client().await;
    namespace(&client, "shop").await;
    // The built-in workloads refuse a host program unless host processes are allowed.
    let harness = start(&client, Runtime::new(RuntimeConfig::default()));
    let created = create_pod(&client, "shop", FAILING_POD).await;
    let uid = created.metadata.uid.clone().unwrap_or_default();
    let pod = wait_pod(
        &client,
        "shop",
        "web-abc",
        "start error then back-off",
        |p| p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "CrashLoopBackOff",
    )
    .await;
    let ip = pod_ip(&pod);
    assert!(
        ip.is_some_and(in_pod_cidr),
        "pod IP {ip:?} in 10.244.0.0/19"
    );
    assert_eq!(
        ip.map(|i| i.octets()[3]),
        Some(2),
        "first pod address is .2"
    );
    assert_eq!(pod["status"]["hostIP"], "10.15.0.11");
    let web = &pod["status"]["containerStatuses"][0];
    assert_eq!(
        web["state"]["waiting"]["message"],
        format!("back-off 10s restarting failed container=web pod=web-abc_shop({uid})")
    );
    assert_eq!(web["lastState"]["terminated"]["reason"], "StartError");
    assert_eq!(web["lastState"]["terminated"]["exitCode"], 128);
    assert!(web["restartCount"].as_i64().is_some_and(|n| n >= 1));
    assert_eq!(web["ready"], false);
    assert_eq!(web["image"], "docker.io/library/nginx:latest");
    assert_eq!(
        pod["status"]["phase"], "Running",
        "kubelet counts a restarting container as stopped"
    );
    assert_eq!(condition(&pod, "Ready")["status"], "False");
    assert_eq!(
        condition(&pod, "Ready")["message"],
        "containers with unready status: [web]"
    );
    assert_eq!(
        condition(&pod, "PodReadyToStartContainers")["status"],
        "True"
    );
    assert_eq!(pod["status"]["qosClass"], "BestEffort");

    let message = web["lastState"]["terminated"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!message.is_empty());
    let events = eventually(
        "kubelet events",
        || events_of(&client, "shop", "web-abc"),
        |e| {
            has_event(
                e,
                "BackOff",
                "Back-off restarting failed container web in pod web-abc_shop(",
            ) && has_event(e, "Failed", "Error: ")
        },
    )
    .await;
    assert!(has_event(
        &events,
        "Pulled",
        "Container image \"nginx\" already present on machine"
    ));
    assert!(has_event(&events, "Created", "Created container: web"));
    assert!(has_event(&events, "Failed", &format!("Error: {message}")));
    assert!(
        !has_event(&events, "Started", ""),
        "a container that failed to start was never started"
    );
    let failed = events
        .iter()
        .find(|e| e["reason"] == "Failed")
        .cloned()
        .unwrap_or_default();
    assert_eq!(failed["type"], "Warning");
    assert_eq!(
        failed["source"],
        json!({"component": "kubelet", "host": "esxi-1"})
    );
    assert_eq!(failed["reportingComponent"], "kubelet");
    assert_eq!(failed["reportingInstance"], "esxi-1");
    assert_eq!(
        failed["involvedObject"]["fieldPath"],
        "spec.containers{web}"
    );
    assert_eq!(failed["involvedObject"]["uid"], uid.as_str());
    harness.shutdown().await;
}

const SERVER_POD: &str = r#"
metadata:
  name: web-1
  labels: {app: web}
spec:
  nodeName: esxi-2
  containers:
  - name: web
    image: test/server
    ports:
    - name: http
      containerPort: 8080
    env:
    - name: POD_NAME
      valueFrom:
        fieldRef: {fieldPath: metadata.name}
    - name: MY_IP
      valueFrom:
        fieldRef: {fieldPath: status.podIP}
    - name: COLOR
      valueFrom:
        configMapKeyRef: {name: settings, key: color}
    - name: GREETING
      value: "hi $(POD_NAME)"
    readinessProbe:
      httpGet: {path: /healthz, port: http}
      periodSeconds: 1
    resources:
      limits: {cpu: 500m, memory: 128Mi}
"#;

#[tokio::test]
async fn a_running_pod_becomes_ready_serves_through_the_port_map_and_keeps_logs() {
    let client = api_client().await;
    namespace(&client, "shop").await;
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), "shop");
    let cm: ConfigMap =
        from_json(json!({"metadata": {"name": "settings"}, "data": {"color": "blue"}}));
    assert!(
        config_maps
            .create(&PostParams::default(), &cm)
            .await
            .is_ok()
    );
    let harness = start(
        &client,
        Runtime::with_runner(RuntimeConfig::default(), Arc::new(TestWorkloads)),
    );
    create_pod(&client, "shop", SERVER_POD).await;
    let pod = wait_pod(&client, "shop", "web-1", "ready", |p| {
        condition(p, "Ready")["status"] == "True"
    })
    .await;
    assert_eq!(pod["status"]["phase"], "Running");
    for kind in [
        "PodReadyToStartContainers",
        "Initialized",
        "ContainersReady",
    ] {
        assert_eq!(condition(&pod, kind)["status"], "True", "{kind}");
    }
    assert_eq!(pod["status"]["qosClass"], "Guaranteed");
    assert_eq!(pod["status"]["hostIP"], "10.15.0.12");
    assert!(pod["status"]["startTime"].is_string());
    let web = &pod["status"]["containerStatuses"][0];
    assert_eq!(web["ready"], true);
    assert_eq!(web["started"], true);
    assert_eq!(web["restartCount"], 0);
    assert!(web["state"]["running"]["startedAt"].is_string());
    assert!(
        web["containerID"]
            .as_str()
            .is_some_and(|id| id.starts_with("containerd://"))
    );
    assert!(
        web["imageID"]
            .as_str()
            .is_some_and(|id| id.starts_with("docker.io/test/server@sha256:"))
    );

    let Some(ip) = pod_ip(&pod) else {
        panic!("no pod IP");
    };
    let Some(endpoint) = harness.runtime.endpoint(IpAddr::V4(ip), 8080) else {
        panic!("port 8080 of the pod is not mapped");
    };
    assert!(endpoint.ip().is_loopback());
    assert!(http_get(endpoint, "/").await.contains("hello from web-1"));
    assert_eq!(harness.runtime.endpoint(IpAddr::V4(ip), 9999), None);

    let events = eventually(
        "start events",
        || events_of(&client, "shop", "web-1"),
        |e| has_event(e, "Started", "Started container web"),
    )
    .await;
    assert!(has_event(
        &events,
        "Pulled",
        "Container image \"test/server\" already present on machine"
    ));
    assert!(has_event(&events, "Created", "Created container: web"));

    let logs = read_logs(&harness.runtime, "shop", &pod, "web", LogRequest::default()).await;
    let Ok(logs) = logs else {
        panic!("logs: {logs:?}");
    };
    assert!(logs.contains("POD_NAME=web-1\n"), "{logs}");
    assert!(logs.contains(&format!("MY_IP={ip}\n")), "{logs}");
    assert!(logs.contains("COLOR=blue\n"), "{logs}");
    assert!(logs.contains("GREETING=hi web-1\n"), "{logs}");
    assert!(
        logs.contains("GET /healthz"),
        "probes reach the workload: {logs}"
    );
    let tail = read_logs(
        &harness.runtime,
        "shop",
        &pod,
        "web",
        LogRequest {
            tail_lines: Some(1),
            timestamps: true,
            ..LogRequest::default()
        },
    )
    .await;
    assert!(
        tail.as_ref()
            .is_ok_and(|t| t.lines().count() == 1 && t.starts_with("20")),
        "{tail:?}"
    );
    let previous = read_logs(
        &harness.runtime,
        "shop",
        &pod,
        "web",
        LogRequest {
            previous: true,
            ..LogRequest::default()
        },
    )
    .await;
    assert_eq!(
        previous,
        Err("previous terminated container \"web\" in pod \"web-1\" not found".into())
    );
    harness.shutdown().await;
}

const LIVENESS_POD: &str = r#"
metadata:
  name: flaky
spec:
  nodeName: esxi-1
  containers:
  - name: web
    image: test/server
    ports:
    - containerPort: 8080
    livenessProbe:
      httpGet: {path: /fail, port: 8080}
      periodSeconds: 1
      failureThreshold: 2
    readinessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
"#;

#[tokio::test]
async fn a_failing_liveness_probe_restarts_the_container() {
    let client = api_client().await;
    namespace(&client, "shop").await;
    let harness = start(
        &client,
        Runtime::with_runner(RuntimeConfig::default(), Arc::new(TestWorkloads)),
    );
    create_pod(&client, "shop", LIVENESS_POD).await;
    let pod = wait_pod(&client, "shop", "flaky", "a restart", |p| {
        p["status"]["containerStatuses"][0]["restartCount"]
            .as_i64()
            .is_some_and(|n| n >= 1)
    })
    .await;
    let events = eventually(
        "probe events",
        || events_of(&client, "shop", "flaky"),
        |e| {
            has_event(
                e,
                "Killing",
                "Container web failed liveness probe, will be restarted",
            )
        },
    )
    .await;
    assert!(has_event(
        &events,
        "Unhealthy",
        "Liveness probe failed: HTTP probe failed with statuscode: 500"
    ));
    let unhealthy = events
        .iter()
        .find(|e| e["reason"] == "Unhealthy")
        .cloned()
        .unwrap_or_default();
    assert_eq!(unhealthy["type"], "Warning");
    let previous = read_logs(
        &harness.runtime,
        "shop",
        &pod,
        "web",
        LogRequest {
            previous: true,
            ..LogRequest::default()
        },
    )
    .await;
    assert!(
        previous.as_ref().is_ok_and(|l| l.contains("GET /fail")),
        "{previous:?}"
    );
    harness.shutdown().await;
}

#[tokio::test]
async fn exits_follow_the_restart_policy() {
    let client = api_client().await;
    namespace(&client, "jobs").await;
    let harness = start(
        &client,
        Runtime::with_runner(RuntimeConfig::default(), Arc::new(TestWorkloads)),
    );
    let crashing = create_pod(
        &client,
        "jobs",
        "metadata: {name: crash}\nspec:\n  nodeName: esxi-3\n  containers:\n  - name: main\n    image: test/exit:3\n",
    )
    .await;
    create_pod(
        &client,
        "jobs",
        "metadata: {name: done}\nspec:\n  nodeName: esxi-3\n  restartPolicy: Never\n  containers:\n  - name: main\n    image: test/exit:0\n",
    )
    .await;
    create_pod(
        &client,
        "jobs",
        "metadata: {name: failed}\nspec:\n  nodeName: esxi-3\n  restartPolicy: Never\n  containers:\n  - name: main\n    image: test/exit:4\n",
    )
    .await;
    create_pod(
        &client,
        "jobs",
        "metadata: {name: init}\nspec:\n  nodeName: esxi-3\n  restartPolicy: OnFailure\n  initContainers:\n  - name: first\n    image: test/exit:0\n  - name: second\n    image: test/exit:0\n  containers:\n  - name: main\n    image: test/server\n",
    )
    .await;
    let uid = crashing.metadata.uid.unwrap_or_default();
    let pod = wait_pod(&client, "jobs", "crash", "crash loop", |p| {
        p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    })
    .await;
    let main = &pod["status"]["containerStatuses"][0];
    assert_eq!(
        main["state"]["waiting"]["message"],
        format!("back-off 10s restarting failed container=main pod=crash_jobs({uid})")
    );
    assert_eq!(main["lastState"]["terminated"]["exitCode"], 3);
    assert_eq!(main["lastState"]["terminated"]["reason"], "Error");
    assert_eq!(
        main["restartCount"], 1,
        "the first restart is immediate, the second waits"
    );
    let done = wait_pod(&client, "jobs", "done", "Succeeded", |p| {
        p["status"]["phase"] == "Succeeded"
    })
    .await;
    assert_eq!(
        done["status"]["containerStatuses"][0]["state"]["terminated"]["reason"],
        "Completed"
    );
    assert_eq!(condition(&done, "Ready")["reason"], "PodCompleted");
    let failed = wait_pod(&client, "jobs", "failed", "Failed", |p| {
        p["status"]["phase"] == "Failed"
    })
    .await;
    assert_eq!(
        failed["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"],
        4
    );
    let init = wait_pod(&client, "jobs", "init", "initialized and ready", |p| {
        condition(p, "Ready")["status"] == "True"
    })
    .await;
    assert_eq!(condition(&init, "Initialized")["status"], "True");
    for index in 0..2 {
        let status = &init["status"]["initContainerStatuses"][index];
        assert_eq!(
            status["state"]["terminated"]["reason"], "Completed",
            "{status}"
        );
    }
    let logs = read_logs(
        &harness.runtime,
        "jobs",
        &pod,
        "main",
        LogRequest::default(),
    )
    .await;
    assert_eq!(
        logs,
        Ok("exiting with 3\n".into()),
        "a crash-looping container shows its last instance's log"
    );
    harness.shutdown().await;
}

#[tokio::test]
async fn a_missing_config_map_is_a_config_error() {
    let client = api_client().await;
    namespace(&client, "shop").await;
    let harness = start(
        &client,
        Runtime::with_runner(RuntimeConfig::default(), Arc::new(TestWorkloads)),
    );
    create_pod(&client, "shop", SERVER_POD).await;
    let pod = wait_pod(&client, "shop", "web-1", "config error", |p| {
        p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
            == "CreateContainerConfigError"
    })
    .await;
    assert_eq!(
        pod["status"]["containerStatuses"][0]["state"]["waiting"]["message"],
        "configmap \"settings\" not found"
    );
    assert_eq!(pod["status"]["phase"], "Pending");
    eventually(
        "Failed event",
        || events_of(&client, "shop", "web-1"),
        |e| has_event(e, "Failed", "Error: configmap \"settings\" not found"),
    )
    .await;
    harness.shutdown().await;
}

#[tokio::test]
async fn graceful_deletion_stops_the_containers_and_finalizes_the_pod() {
    let client = api_client().await;
    namespace(&client, "shop").await;
    let harness = start(
        &client,
        Runtime::with_runner(RuntimeConfig::default(), Arc::new(TestWorkloads)),
    );
    // A finalizer of the test's holds the object after the runtime's final delete, so that
    // the deletion grace period shows on the object whether or not the API server applies
    // graceful pod deletion itself.
    let held = SERVER_POD
        .replace(
            "name: web-1",
            "name: web-1\n  finalizers: [test.enclave.dev/hold]",
        )
        .replace(
            "configMapKeyRef: {name: settings, key: color}",
            "configMapKeyRef: {name: settings, key: color, optional: true}",
        );
    create_pod(&client, "shop", &held).await;
    let pod = wait_pod(&client, "shop", "web-1", "ready", |p| {
        condition(p, "Ready")["status"] == "True"
    })
    .await;
    let Some(ip) = pod_ip(&pod) else {
        panic!("no pod IP");
    };
    assert!(harness.runtime.endpoint(IpAddr::V4(ip), 8080).is_some());
    let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
    let deleted = pods
        .delete(
            "web-1",
            &DeleteParams {
                grace_period_seconds: Some(5),
                ..DeleteParams::default()
            },
        )
        .await;
    assert!(deleted.is_ok(), "{deleted:?}");
    let stopped = wait_pod(&client, "shop", "web-1", "terminated container", |p| {
        p["status"]["containerStatuses"][0]["state"]["terminated"].is_object()
    })
    .await;
    assert_eq!(stopped["status"]["containerStatuses"][0]["ready"], false);
    eventually(
        "Killing event",
        || events_of(&client, "shop", "web-1"),
        |e| has_event(e, "Killing", "Stopping container web"),
    )
    .await;
    assert_eq!(
        harness.runtime.endpoint(IpAddr::V4(ip), 8080),
        None,
        "ports released"
    );
    let release = json!({"metadata": {"finalizers": null}});
    assert!(
        pods.patch("web-1", &PatchParams::default(), &Patch::Merge(&release))
            .await
            .is_ok()
    );
    eventually(
        "pod gone",
        || async { Some(pods.get_opt("web-1").await.ok().flatten().is_none()) },
        |gone| *gone,
    )
    .await;

    // The address went back to the pool: the next pod of the namespace gets it.
    let next = SERVER_POD.replace("name: web-1", "name: web-2").replace(
        "configMapKeyRef: {name: settings, key: color}",
        "configMapKeyRef: {name: settings, key: color, optional: true}",
    );
    create_pod(&client, "shop", &next).await;
    let second = wait_pod(&client, "shop", "web-2", "an IP", |p| pod_ip(p).is_some()).await;
    assert_eq!(pod_ip(&second), Some(ip));

    // A pod deleted outright (no grace) is stopped as well.
    wait_pod(&client, "shop", "web-2", "ready", |p| {
        condition(p, "Ready")["status"] == "True"
    })
    .await;
    assert!(harness.runtime.endpoint(IpAddr::V4(ip), 8080).is_some());
    let gone = pods
        .delete(
            "web-2",
            &DeleteParams {
                grace_period_seconds: Some(0),
                ..DeleteParams::default()
            },
        )
        .await;
    assert!(gone.is_ok());
    eventually(
        "web-2 stopped",
        || async { Some(harness.runtime.endpoint(IpAddr::V4(ip), 8080)) },
        Option::is_none,
    )
    .await;
    harness.shutdown().await;
}

#[tokio::test]
async fn a_restarted_runtime_readopts_its_pods_with_their_ips() {
    let client = api_client().await;
    namespace(&client, "shop").await;
    let first = start(
        &client,
        Runtime::with_runner(RuntimeConfig::default(), Arc::new(TestWorkloads)),
    );
    let yaml = SERVER_POD.replace(
        "configMapKeyRef: {name: settings, key: color}",
        "configMapKeyRef: {name: settings, key: color, optional: true}",
    );
    create_pod(&client, "shop", &yaml).await;
    let before = wait_pod(&client, "shop", "web-1", "ready", |p| {
        condition(p, "Ready")["status"] == "True"
    })
    .await;
    let Some(ip) = pod_ip(&before) else {
        panic!("no pod IP");
    };
    let old_runtime = first.runtime.clone();
    first.shutdown().await;
    assert_eq!(
        old_runtime.endpoint(IpAddr::V4(ip), 8080),
        None,
        "shutdown stops workloads"
    );
    assert_eq!(old_runtime.running_pods(), 0);
    let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
    assert!(
        pods.get_opt("web-1").await.ok().flatten().is_some(),
        "shutdown deletes no pod"
    );

    let second = start(
        &client,
        Runtime::with_runner(RuntimeConfig::default(), Arc::new(TestWorkloads)),
    );
    eventually(
        "re-adopted",
        || async { Some(second.runtime.endpoint(IpAddr::V4(ip), 8080)) },
        Option::is_some,
    )
    .await;
    let after = wait_pod(&client, "shop", "web-1", "ready again", |p| {
        condition(p, "Ready")["status"] == "True"
    })
    .await;
    assert_eq!(pod_ip(&after), Some(ip), "the pod keeps its IP");
    assert_eq!(after["status"]["startTime"], before["status"]["startTime"]);
    let other = yaml.replace("name: web-1", "name: web-2");
    create_pod(&client, "shop", &other).await;
    let fresh = wait_pod(&client, "shop", "web-2", "an IP", |p| pod_ip(p).is_some()).await;
    assert!(
        pod_ip(&fresh).is_some_and(|f| f != ip && in_pod_cidr(f)),
        "a new pod does not take a kept IP"
    );
    second.shutdown().await;
}

/// A thousand pods reach Ready (run with `--ignored`; prints how long it took, asserts no
/// time limit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load check, run by hand"]
async fn a_thousand_pods_become_ready() {
    let limit = enclave_runtime::raise_fd_limit();
    assert!(limit.as_ref().is_ok_and(|n| *n >= 2048), "{limit:?}");
    let client = api_client().await;
    namespace(&client, "load").await;
    let harness = start(
        &client,
        Runtime::with_runner(RuntimeConfig::default(), Arc::new(TestWorkloads)),
    );
    let started = std::time::Instant::now();
    let pods: Api<Pod> = Api::namespaced(client.clone(), "load");
    for n in 0..1000 {
        let yaml = format!(
            "metadata: {{name: p-{n}}}\nspec:\n  nodeName: esxi-{}\n  containers:\n  - name: web\n    image: test/server\n    ports:\n    - containerPort: 8080\n",
            n % 3 + 1
        );
        assert!(
            pods.create(&PostParams::default(), &pod_yaml(&yaml))
                .await
                .is_ok()
        );
    }
    let created = started.elapsed();
    eventually(
        "1000 ready pods",
        || async { pods.list(&ListParams::default()).await.ok() },
        |list| {
            list.items
                .iter()
                .filter(|p| {
                    serde_json::to_value(p)
                        .is_ok_and(|p| condition(&p, "Ready")["status"] == "True")
                })
                .count()
                == 1000
        },
    )
    .await;
    println!(
        "created in {created:?}, all ready after {:?}",
        started.elapsed()
    );
    harness.shutdown().await;
}

/// Ten thousand running pods: prints the resident memory of the whole process (API server,
/// memory store and runtime) once all run (run with `--ignored`; asserts no limit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load check, run by hand"]
async fn ten_thousand_running_pods_memory() {
    let limit = enclave_runtime::raise_fd_limit();
    assert!(limit.as_ref().is_ok_and(|n| *n >= 12_000), "{limit:?}");
    let client = api_client().await;
    namespace(&client, "load").await;
    let config = RuntimeConfig {
        pod_cidr: "10.0.0.0/14"
            .parse()
            .unwrap_or(RuntimeConfig::default().pod_cidr),
        ..RuntimeConfig::default()
    };
    let harness = start(
        &client,
        Runtime::with_runner(config, Arc::new(TestWorkloads)),
    );
    let pods: Api<Pod> = Api::namespaced(client.clone(), "load");
    // LOAD_NODE=elsewhere binds the pods to a node the runtime does not run: a baseline of
    // what the API server and the store take alone.
    let node = std::env::var("LOAD_NODE").unwrap_or_else(|_| "esxi-".into());
    for n in 0..10_000 {
        let yaml = format!(
            "metadata: {{name: p-{n}}}\nspec:\n  nodeName: {node}{}\n  containers:\n  - name: web\n    image: test/server\n    ports:\n    - containerPort: 8080\n",
            n % 3 + 1
        );
        assert!(
            pods.create(&PostParams::default(), &pod_yaml(&yaml))
                .await
                .is_ok()
        );
    }
    eventually(
        "10000 running pods",
        || async { pods.list(&ListParams::default()).await.ok() },
        |list| {
            node != "esxi-"
                || list
                    .items
                    .iter()
                    .filter(|p| {
                        p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
                    })
                    .count()
                    == 10_000
        },
    )
    .await;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap_or_default()
        .to_string();
    println!("10000 running pods: {rss}");
    harness.shutdown().await;
}
