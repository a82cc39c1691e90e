//! The API server's part of workloads, in process over the memory store: Service cluster IP
//! and node port allocation (concurrent creates, rebuild after a restart), the `kubernetes`
//! Service, `pods/log` through a node agent, and graceful pod deletion.

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Body;
use bytes::Bytes;
use enclave_apiserver::auth::{AllowAuthenticated, Identity, UserInfo};
use enclave_apiserver::node_proxy::{LogOptions, NodeError, NodeProxy};
use enclave_apiserver::{ApiServer, Config};
use enclave_store::Store;
use enclave_store::memory::MemoryStore;
use futures::StreamExt;
use futures::stream::BoxStream;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const SVCS: &str = "/api/v1/namespaces/default/services";
const PODS: &str = "/api/v1/namespaces/default/pods";
/// The longest any test waits for something to happen.
const PATIENCE: Duration = Duration::from_secs(30);

struct Api {
    server: Arc<ApiServer>,
    router: axum::Router,
    store: Arc<dyn Store>,
}

async fn api_with(store: Arc<dyn Store>, config: Config) -> Api {
    let server = ApiServer::new(store.clone(), Arc::new(AllowAuthenticated), config);
    enclave_apiserver::bootstrap(&server).await.unwrap();
    Api {
        router: enclave_apiserver::router(server.clone()),
        server,
        store,
    }
}

async fn api() -> Api {
    api_with(Arc::new(MemoryStore::new()), Config::default()).await
}

fn request(method: Method, uri: &str, body: Option<&Value>) -> Request<Body> {
    let body = body.map_or_else(Body::empty, |b| Body::from(serde_json::to_vec(b).unwrap()));
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body)
        .unwrap();
    req.extensions_mut().insert(Identity(Arc::new(UserInfo::new(
        "admin",
        ["system:masters".to_string()],
    ))));
    req
}

impl Api {
    async fn raw(&self, method: Method, uri: &str, body: Option<&Value>) -> http::Response<Body> {
        self.router
            .clone()
            .oneshot(request(method, uri, body))
            .await
            .unwrap()
    }

    async fn call(&self, method: Method, uri: &str, body: Option<&Value>) -> (StatusCode, Value) {
        let resp = self.raw(method, uri, body).await;
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn text(&self, uri: &str) -> (StatusCode, String, String) {
        let resp = self.raw(Method::GET, uri, None).await;
        let status = resp.status();
        let ctype = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, ctype, String::from_utf8_lossy(&bytes).into_owned())
    }

    async fn post(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, uri, Some(&body)).await
    }

    async fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.call(Method::GET, uri, None).await
    }
}

fn service(name: &str, spec: Value) -> Value {
    let mut spec = spec;
    if spec.get("ports").is_none() {
        spec["ports"] = json!([{"name": "http", "port": 80}]);
    }
    json!({"apiVersion":"v1","kind":"Service","metadata":{"name":name},"spec":spec})
}

fn ip_of(svc: &Value) -> Ipv4Addr {
    svc["spec"]["clusterIP"].as_str().unwrap().parse().unwrap()
}

fn message(status: &Value) -> &str {
    status["message"].as_str().unwrap_or("")
}

// === cluster IPs ===

#[tokio::test]
async fn cluster_ip_is_allocated_with_the_defaults_kube_sets() {
    let a = api().await;
    let (s, svc) = a
        .post(SVCS, service("web", json!({"selector":{"app":"web"}})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{svc}");
    let ip = ip_of(&svc);
    let cidr = Config::default().service_cidr;
    assert!(cidr.contains(ip), "{ip} outside {cidr}");
    assert_ne!(ip, cidr.network());
    assert_ne!(
        ip,
        cidr.first_host(),
        "the first host is the kubernetes Service's"
    );
    assert_eq!(svc["spec"]["clusterIPs"], json!([ip.to_string()]));
    assert_eq!(svc["spec"]["ipFamilies"], json!(["IPv4"]));
    assert_eq!(svc["spec"]["ipFamilyPolicy"], "SingleStack");
    assert_eq!(svc["spec"]["internalTrafficPolicy"], "Cluster");
    assert_eq!(svc["spec"]["sessionAffinity"], "None");
    assert_eq!(svc["spec"]["type"], "ClusterIP");
    assert!(svc["spec"].get("externalTrafficPolicy").is_none());
    let (_, stored) = a.get(&format!("{SVCS}/web")).await;
    assert_eq!(stored["spec"]["clusterIP"], svc["spec"]["clusterIP"]);
}

#[tokio::test]
async fn requested_cluster_ips_are_checked_like_kube() {
    let a = api().await;
    let (s, _) = a
        .post(SVCS, service("a", json!({"clusterIP":"10.96.0.5"})))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, status) = a
        .post(SVCS, service("b", json!({"clusterIP":"10.96.0.5"})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        message(&status),
        "Service \"b\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.5\"}: failed to allocate IP 10.96.0.5: provided IP is already allocated"
    );
    assert_eq!(status["details"]["causes"][0]["field"], "spec.clusterIPs");
    let (s, status) = a
        .post(SVCS, service("c", json!({"clusterIP":"10.0.0.5"})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        message(&status),
        "Service \"c\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.0.0.5\"}: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/22"
    );
    let (s, status) = a
        .post(SVCS, service("d", json!({"clusterIP":"10.96.0.1"})))
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the kubernetes Service holds it"
    );
    assert!(message(&status).contains("provided IP is already allocated"));
    let (s, headless) = a
        .post(SVCS, service("h", json!({"clusterIP":"None"})))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(headless["spec"]["clusterIPs"], json!(["None"]));
    let (s, external) = a
        .post(
            SVCS,
            service(
                "x",
                json!({"type":"ExternalName","externalName":"db.example.com"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{external}");
    assert!(external["spec"].get("clusterIP").is_none());
    assert!(external["spec"].get("ipFamilies").is_none());
}

#[tokio::test]
async fn cluster_ip_may_not_change_and_is_kept_when_omitted() {
    let a = api().await;
    let (_, svc) = a.post(SVCS, service("web", json!({}))).await;
    let ip = svc["spec"]["clusterIP"].as_str().unwrap().to_string();
    // A PUT of the manifest without the allocated values keeps them.
    let mut manifest = service("web", json!({"ports":[{"name":"http","port":8080}]}));
    manifest["metadata"]["resourceVersion"] = svc["metadata"]["resourceVersion"].clone();
    let (s, updated) = a
        .call(Method::PUT, &format!("{SVCS}/web"), Some(&manifest))
        .await;
    assert_eq!(s, StatusCode::OK, "{updated}");
    assert_eq!(updated["spec"]["clusterIP"], ip.as_str());
    assert_eq!(updated["spec"]["ports"][0]["port"], 8080);
    let resp = a
        .router
        .clone()
        .oneshot({
            let mut r = request(
                Method::PATCH,
                &format!("{SVCS}/web"),
                Some(&json!({"spec":{"clusterIP":"10.96.0.77","clusterIPs":["10.96.0.77"]}})),
            );
            r.headers_mut().insert(
                "content-type",
                "application/merge-patch+json".parse().unwrap(),
            );
            r
        })
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let status: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        message(&status),
        "Service \"web\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.77\"}: may not change once set"
    );
    // The refused value was not kept: another Service may ask for it.
    let (s, _) = a
        .post(SVCS, service("other", json!({"clusterIP":"10.96.0.77"})))
        .await;
    assert_eq!(s, StatusCode::CREATED);
}

#[tokio::test]
async fn delete_releases_and_failed_or_dry_run_writes_keep_nothing() {
    let a = api().await;
    let (_, first) = a
        .post(SVCS, service("web", json!({"clusterIP":"10.96.0.20"})))
        .await;
    assert_eq!(first["spec"]["clusterIP"], "10.96.0.20");
    // A create that fails in the store (the name exists) gives back what it took.
    let (s, _) = a
        .post(SVCS, service("web", json!({"clusterIP":"10.96.0.21"})))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // A dry run answers with values but keeps none.
    let (s, dry) = a
        .post(
            &format!("{SVCS}?dryRun=All"),
            service(
                "dry",
                json!({"clusterIP":"10.96.0.22","type":"NodePort",
                "ports":[{"port":80,"nodePort":30022}]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{dry}");
    assert_eq!(dry["spec"]["ports"][0]["nodePort"], 30022);
    let (s, dry_auto) = a
        .post(&format!("{SVCS}?dryRun=All"), service("dry2", json!({})))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(
        dry_auto["spec"]["clusterIP"]
            .as_str()
            .is_some_and(|ip| !ip.is_empty())
    );
    let (s, _) = a
        .post(SVCS, service("reuse", json!({"clusterIP":"10.96.0.21"})))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = a
        .post(
            SVCS,
            service(
                "reuse2",
                json!({"clusterIP":"10.96.0.22","type":"NodePort",
                "ports":[{"port":80,"nodePort":30022}]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // Delete answers with the object and frees its values.
    let (s, deleted) = a.call(Method::DELETE, &format!("{SVCS}/web"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(deleted["kind"], "Service");
    let (s, _) = a
        .post(SVCS, service("again", json!({"clusterIP":"10.96.0.20"})))
        .await;
    assert_eq!(s, StatusCode::CREATED);
}

#[tokio::test]
async fn concurrent_creates_get_distinct_ips_until_the_range_is_full() {
    // A /27: 30 hosts, the first kept for the kubernetes Service, so 29 to hand out.
    let config = Config {
        service_cidr: "10.100.0.0/27".parse().unwrap(),
        ..Config::default()
    };
    let a = Arc::new(api_with(Arc::new(MemoryStore::new()), config).await);
    let (_, kubernetes) = a.get(&format!("{SVCS}/kubernetes")).await;
    assert_eq!(kubernetes["spec"]["clusterIP"], "10.100.0.1");
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let a = a.clone();
            tokio::spawn(async move { a.post(SVCS, service(&format!("s{i}"), json!({}))).await })
        })
        .collect();
    let mut ips = HashSet::new();
    let mut full = 0;
    for t in tasks {
        let (s, body) = t.await.unwrap();
        match s {
            StatusCode::CREATED => assert!(ips.insert(ip_of(&body)), "duplicate {body}"),
            StatusCode::INTERNAL_SERVER_ERROR => {
                assert_eq!(
                    message(&body),
                    "Internal error occurred: failed to allocate a serviceIP: range is full"
                );
                full += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(ips.len(), 29);
    assert_eq!(full, 11);
    assert!(!ips.contains(&Ipv4Addr::new(10, 100, 0, 1)));
}

#[tokio::test]
async fn node_ports_are_allocated_checked_and_released() {
    let a = api().await;
    let (s, np) = a
        .post(
            SVCS,
            service(
                "np",
                json!({"type":"NodePort","ports":[
                {"name":"http","port":80},{"name":"https","port":443,"nodePort":30443}]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{np}");
    let auto = np["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
    assert!((30000..=32767).contains(&auto));
    assert_eq!(np["spec"]["ports"][1]["nodePort"], 30443);
    assert_eq!(np["spec"]["externalTrafficPolicy"], "Cluster");
    let (s, status) = a
        .post(
            SVCS,
            service(
                "np2",
                json!({"type":"NodePort","ports":[{"port":80,"nodePort":30443}]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        message(&status),
        "Service \"np2\" is invalid: spec.ports[0].nodePort: Invalid value: 30443: provided port is already allocated"
    );
    let (s, status) = a
        .post(
            SVCS,
            service(
                "np3",
                json!({"type":"NodePort","ports":[{"port":80,"nodePort":80}]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        message(&status),
        "Service \"np3\" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"
    );
    let (s, lb) = a
        .post(SVCS, service("lb", json!({"type":"LoadBalancer"})))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(lb["spec"]["allocateLoadBalancerNodePorts"], true);
    assert_eq!(lb["spec"]["externalTrafficPolicy"], "Cluster");
    assert!(lb["spec"]["ports"][0]["nodePort"].as_i64().is_some());
    // NodePort -> ClusterIP drops the unchanged node ports and frees them.
    let mut to_cluster_ip = np.clone();
    to_cluster_ip["spec"]["type"] = json!("ClusterIP");
    let (s, changed) = a
        .call(Method::PUT, &format!("{SVCS}/np"), Some(&to_cluster_ip))
        .await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert!(changed["spec"]["ports"][1].get("nodePort").is_none());
    assert!(changed["spec"].get("externalTrafficPolicy").is_none());
    assert_eq!(changed["spec"]["clusterIP"], np["spec"]["clusterIP"]);
    let (s, _) = a
        .post(
            SVCS,
            service(
                "np4",
                json!({"type":"NodePort","ports":[{"port":80,"nodePort":30443}]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // ClusterIP -> NodePort allocates.
    let (_, current) = a.get(&format!("{SVCS}/np")).await;
    let mut to_node_port = current.clone();
    to_node_port["spec"]["type"] = json!("NodePort");
    let (s, changed) = a
        .call(Method::PUT, &format!("{SVCS}/np"), Some(&to_node_port))
        .await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert!(changed["spec"]["ports"][0]["nodePort"].as_i64().is_some());
    // ExternalName -> ClusterIP allocates an IP; back releases it.
    let (_, ext) = a
        .post(
            SVCS,
            service(
                "ext",
                json!({"type":"ExternalName","externalName":"db.example.com"}),
            ),
        )
        .await;
    let mut to_cip = ext.clone();
    to_cip["spec"]["type"] = json!("ClusterIP");
    to_cip["spec"]
        .as_object_mut()
        .unwrap()
        .remove("externalName");
    let (s, changed) = a
        .call(Method::PUT, &format!("{SVCS}/ext"), Some(&to_cip))
        .await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert!(Config::default().service_cidr.contains(ip_of(&changed)));
}

#[tokio::test]
async fn a_restart_rebuilds_the_allocations_from_the_store() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let first = api_with(store.clone(), Config::default()).await;
    let (_, svc) = first
        .post(
            SVCS,
            service("web", json!({"type":"NodePort","ports":[{"port":80}]})),
        )
        .await;
    let ip = svc["spec"]["clusterIP"].as_str().unwrap().to_string();
    let port = svc["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
    first.server.begin_shutdown();
    drop(first);
    let second = api_with(store.clone(), Config::default()).await;
    let (s, status) = second
        .post(SVCS, service("copy", json!({"clusterIP": ip})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{status}");
    assert!(message(&status).contains("provided IP is already allocated"));
    let (s, status) = second
        .post(
            SVCS,
            service(
                "copy",
                json!({"type":"NodePort","ports":[{"port":80,"nodePort":port}]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{status}");
    assert!(message(&status).contains("provided port is already allocated"));
    // Deleting through the new server frees what the old one allocated.
    let (s, _) = second
        .call(Method::DELETE, &format!("{SVCS}/web"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = second
        .post(SVCS, service("copy", json!({"clusterIP": ip})))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let _ = second.store.current_revision().await.unwrap();
}

// === the kubernetes Service ===

#[tokio::test]
async fn bootstrap_creates_the_kubernetes_service_and_its_endpoints_once() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let config = Config {
        server_address: "127.0.0.1:7443".into(),
        ..Config::default()
    };
    let a = api_with(store.clone(), config.clone()).await;
    enclave_apiserver::bootstrap(&a.server).await.unwrap();
    let (s, svc) = a.get(&format!("{SVCS}/kubernetes")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        svc["metadata"]["labels"],
        json!({"component":"apiserver","provider":"kubernetes"})
    );
    assert_eq!(svc["spec"]["clusterIP"], "10.96.0.1");
    assert_eq!(svc["spec"]["clusterIPs"], json!(["10.96.0.1"]));
    assert_eq!(
        svc["spec"]["ports"],
        json!([{"name":"https","port":443,"protocol":"TCP","targetPort":7443}])
    );
    assert!(svc["spec"].get("selector").is_none());
    assert_eq!(svc["spec"]["type"], "ClusterIP");
    let (s, ep) = a
        .get("/api/v1/namespaces/default/endpoints/kubernetes")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        ep["subsets"],
        json!([{"addresses":[{"ip":"127.0.0.1"}],"ports":[{"name":"https","port":7443,"protocol":"TCP"}]}])
    );
    let (s, slice) = a
        .get("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(slice["addressType"], "IPv4");
    assert_eq!(
        slice["metadata"]["labels"]["kubernetes.io/service-name"],
        "kubernetes"
    );
    assert_eq!(slice["endpoints"][0]["addresses"], json!(["127.0.0.1"]));
    assert_eq!(slice["ports"][0]["port"], 7443);
    let revision = store.current_revision().await.unwrap();
    // A restart on the same port writes nothing; on another port it repairs the objects.
    let again = api_with(store.clone(), config).await;
    assert_eq!(store.current_revision().await.unwrap(), revision);
    drop(again);
    let moved = api_with(
        store.clone(),
        Config {
            server_address: "127.0.0.1:8443".into(),
            ..Config::default()
        },
    )
    .await;
    let (_, svc) = moved.get(&format!("{SVCS}/kubernetes")).await;
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 8443);
    let (_, ep) = moved
        .get("/api/v1/namespaces/default/endpoints/kubernetes")
        .await;
    assert_eq!(ep["subsets"][0]["ports"][0]["port"], 8443);
}

// === pods/log ===

/// A node agent double: fixed log text per container, or a live channel for `follow`.
#[derive(Default)]
struct FakeNode {
    logs: Mutex<Vec<(String, String)>>,
    live: Mutex<Option<tokio::sync::mpsc::Receiver<Bytes>>>,
    asked: Mutex<Vec<LogOptions>>,
}

#[async_trait]
impl NodeProxy for FakeNode {
    async fn container_logs(
        &self,
        _namespace: &str,
        pod: &str,
        _uid: &str,
        options: &LogOptions,
    ) -> Result<BoxStream<'static, Bytes>, NodeError> {
        self.asked.lock().unwrap().push(options.clone());
        if options.previous {
            return Err(NodeError::NotFound(format!(
                "previous terminated container \"{}\" in pod \"{pod}\" not found",
                options.container
            )));
        }
        if options.follow
            && let Some(rx) = self.live.lock().unwrap().take()
        {
            return Ok(tokio_stream::wrappers::ReceiverStream::new(rx).boxed());
        }
        let text = self
            .logs
            .lock()
            .unwrap()
            .iter()
            .find(|(c, _)| *c == options.container)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| NodeError::Unavailable("not running here".into()))?;
        Ok(futures::stream::iter([Bytes::from(text)]).boxed())
    }
}

fn pod(name: &str, containers: &[&str], node: Option<&str>) -> Value {
    let containers: Vec<Value> = containers
        .iter()
        .map(|c| json!({"name": c, "image": "nginx"}))
        .collect();
    let mut p = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":name},
        "spec":{"containers":containers}});
    if let Some(n) = node {
        p["spec"]["nodeName"] = json!(n);
    }
    p
}

#[tokio::test]
async fn logs_come_from_the_node_agent_as_text() {
    let a = api().await;
    let node = Arc::new(FakeNode::default());
    node.logs
        .lock()
        .unwrap()
        .push(("web".into(), "line 1\nline 2\n".into()));
    a.server.set_node_proxy(node.clone());
    a.post(PODS, pod("one", &["web"], Some("node-1"))).await;
    let (s, ctype, text) = a
        .text(&format!(
            "{PODS}/one/log?tailLines=2&timestamps=true&sinceSeconds=60"
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(ctype, "text/plain");
    assert_eq!(text, "line 1\nline 2\n");
    let asked = node.asked.lock().unwrap().last().cloned().unwrap();
    assert_eq!(asked.container, "web");
    assert_eq!(asked.tail_lines, Some(2));
    assert_eq!(asked.since_seconds, Some(60));
    assert!(asked.timestamps);
    let (_, _, limited) = a.text(&format!("{PODS}/one/log?limitBytes=4")).await;
    assert_eq!(limited, "line");
    // The node agent's NotFound is a BadRequest with its words.
    let (s, status) = a.get(&format!("{PODS}/one/log?previous=true")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        message(&status),
        "previous terminated container \"web\" in pod \"one\" not found"
    );
}

#[tokio::test]
async fn follow_streams_until_the_container_stops() {
    let a = api().await;
    let node = Arc::new(FakeNode::default());
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    *node.live.lock().unwrap() = Some(rx);
    a.server.set_node_proxy(node.clone());
    a.post(PODS, pod("live", &["web"], Some("node-1"))).await;
    let resp = a
        .raw(Method::GET, &format!("{PODS}/live/log?follow=true"), None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body().into_data_stream();
    tx.send(Bytes::from_static(b"first\n")).await.unwrap();
    let chunk = tokio::time::timeout(PATIENCE, body.next())
        .await
        .expect("a line while the stream is open")
        .unwrap()
        .unwrap();
    assert_eq!(chunk, Bytes::from_static(b"first\n"));
    tx.send(Bytes::from_static(b"second\n")).await.unwrap();
    let chunk = tokio::time::timeout(PATIENCE, body.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(chunk, Bytes::from_static(b"second\n"));
    drop(tx);
    let end = tokio::time::timeout(PATIENCE, body.next()).await.unwrap();
    assert!(end.is_none(), "the stream ends with the container");
}

#[tokio::test]
async fn log_errors_are_kube_apiserver_s() {
    let a = api().await;
    let node = Arc::new(FakeNode::default());
    a.server.set_node_proxy(node.clone());
    let mut two = pod("web", &["a", "b"], Some("node-1"));
    two["spec"]["initContainers"] = json!([{"name":"setup","image":"busybox"}]);
    a.post(PODS, two).await;
    let cases = [
        (
            "/api/v1/namespaces/default/pods/nope/log",
            StatusCode::NOT_FOUND,
            "pods \"nope\" not found",
        ),
        (
            "/api/v1/namespaces/default/pods/web/log",
            StatusCode::BAD_REQUEST,
            "a container name must be specified for pod web, choose one of: [setup a b]",
        ),
        (
            "/api/v1/namespaces/default/pods/web/log?container=c",
            StatusCode::BAD_REQUEST,
            "container c is not valid for pod web",
        ),
        (
            "/api/v1/namespaces/default/pods/web/log?container=a&tailLines=x",
            StatusCode::BAD_REQUEST,
            "invalid value for tailLines: strconv.ParseInt: parsing \"x\": invalid syntax",
        ),
        (
            "/api/v1/namespaces/default/pods/web/log?container=a&tailLines=-1",
            StatusCode::UNPROCESSABLE_ENTITY,
            "PodLogOptions \"web\" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0",
        ),
        // The node agent does not run it yet and the pod has no status: kubelet's words.
        (
            "/api/v1/namespaces/default/pods/web/log?container=a",
            StatusCode::BAD_REQUEST,
            "container \"a\" in pod \"web\" is not available",
        ),
    ];
    for (uri, code, want) in cases {
        let (s, status) = a.get(uri).await;
        assert_eq!((s, message(&status)), (code, want), "{uri}");
    }
    // A pod whose status says the container waits.
    let mut waiting = pod("waiting", &["web"], Some("node-1"));
    waiting["metadata"]["name"] = json!("waiting");
    a.post(PODS, waiting).await;
    let status = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"waiting"},
        "status":{"phase":"Pending","containerStatuses":[{"name":"web","image":"nginx","imageID":"",
        "ready":false,"restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}]}});
    let (s, body) = a
        .call(
            Method::PUT,
            &format!("{PODS}/waiting/status"),
            Some(&status),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, status) = a.get(&format!("{PODS}/waiting/log")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        message(&status),
        "container \"web\" in pod \"waiting\" is waiting to start: ContainerCreating"
    );
}

#[tokio::test]
async fn logs_of_unbound_pods_or_without_node_agent_say_the_container_waits() {
    let a = api().await;
    a.post(PODS, pod("pending", &["web"], None)).await;
    let (s, status) = a.get(&format!("{PODS}/pending/log")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        message(&status).starts_with("container \"web\" in pod \"pending\" is waiting to start"),
        "{status}"
    );
    a.post(PODS, pod("bound", &["web"], Some("node-1"))).await;
    let (s, status) = a.get(&format!("{PODS}/bound/log")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{status}");
}

#[tokio::test]
async fn discovery_lists_the_pod_subresources() {
    let a = api().await;
    let (_, list) = a.get("/api/v1").await;
    let names: HashSet<&str> = list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    for sub in [
        "pods/log",
        "pods/status",
        "pods/binding",
        "pods/exec",
        "pods/eviction",
    ] {
        assert!(names.contains(sub), "{sub} missing from {names:?}");
    }
    let log = list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pods/log")
        .unwrap();
    assert_eq!(log["verbs"], json!(["get"]));
    assert_eq!(log["kind"], "Pod");
}

// === graceful deletion ===

/// Opens a watch on one pod and returns its event stream.
async fn watch_pod(a: &Api, name: &str, from: &str) -> impl futures::Stream<Item = Value> + use<> {
    let resp = a
        .raw(
            Method::GET,
            &format!(
                "{PODS}?watch=true&fieldSelector=metadata.name%3D{name}&resourceVersion={from}"
            ),
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut pending = Vec::new();
    resp.into_body()
        .into_data_stream()
        .map(move |chunk| {
            pending.extend_from_slice(&chunk.unwrap());
            let mut events = Vec::new();
            while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                if let Ok(v) = serde_json::from_slice::<Value>(&line) {
                    events.push(v);
                }
            }
            futures::stream::iter(events)
        })
        .flatten()
}

async fn next_event(events: &mut (impl futures::Stream<Item = Value> + Unpin)) -> Value {
    tokio::time::timeout(PATIENCE, events.next())
        .await
        .expect("an event in time")
        .expect("the watch stays open")
}

#[tokio::test]
async fn deleting_a_running_pod_waits_for_its_node() {
    let a = api().await;
    let (_, created) = a.post(PODS, pod("web", &["web"], Some("node-1"))).await;
    let rv = created["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let mut events = Box::pin(watch_pod(&a, "web", &rv).await);
    let (s, marked) = a.call(Method::DELETE, &format!("{PODS}/web"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(marked["kind"], "Pod");
    assert_eq!(marked["metadata"]["deletionGracePeriodSeconds"], 30);
    let deadline: jiff::Timestamp = marked["metadata"]["deletionTimestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let created_at: jiff::Timestamp = created["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(deadline >= created_at + jiff::SignedDuration::from_secs(29));
    let (s, still) = a.get(&format!("{PODS}/web")).await;
    assert_eq!(s, StatusCode::OK, "the pod stays until its node lets go");
    assert_eq!(
        still["metadata"]["deletionTimestamp"],
        marked["metadata"]["deletionTimestamp"]
    );
    let event = next_event(&mut events).await;
    assert_eq!(event["type"], "MODIFIED");
    // A second delete without a shorter period changes nothing.
    let (s, again) = a
        .call(
            Method::DELETE,
            &format!("{PODS}/web"),
            Some(&json!({"gracePeriodSeconds": 60})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        again["metadata"]["resourceVersion"],
        marked["metadata"]["resourceVersion"]
    );
    // Status updates during termination do not remove it.
    let status = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"status":{"phase":"Running"}});
    let (s, _) = a
        .call(Method::PUT, &format!("{PODS}/web/status"), Some(&status))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(next_event(&mut events).await["type"], "MODIFIED");
    // The node agent finishes with a grace period of 0.
    let (s, gone) = a
        .call(
            Method::DELETE,
            &format!("{PODS}/web?gracePeriodSeconds=0"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(gone["kind"], "Pod");
    let (s, _) = a.get(&format!("{PODS}/web")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let event = next_event(&mut events).await;
    assert_eq!(event["type"], "MODIFIED");
    assert_eq!(event["object"]["metadata"]["deletionGracePeriodSeconds"], 0);
    assert_eq!(next_event(&mut events).await["type"], "DELETED");
}

#[tokio::test]
async fn unbound_terminal_or_forced_pods_go_at_once() {
    let a = api().await;
    a.post(PODS, pod("unbound", &["web"], None)).await;
    let (s, _) = a
        .call(Method::DELETE, &format!("{PODS}/unbound"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        a.get(&format!("{PODS}/unbound")).await.0,
        StatusCode::NOT_FOUND
    );
    a.post(PODS, pod("forced", &["web"], Some("node-1"))).await;
    // kubectl delete --force --grace-period=0
    let (s, _) = a
        .call(
            Method::DELETE,
            &format!("{PODS}/forced"),
            Some(&json!({"gracePeriodSeconds":0,"propagationPolicy":"Background"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        a.get(&format!("{PODS}/forced")).await.0,
        StatusCode::NOT_FOUND
    );
    a.post(PODS, pod("done", &["web"], Some("node-1"))).await;
    let status = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"done"},"status":{"phase":"Succeeded"}});
    a.call(Method::PUT, &format!("{PODS}/done/status"), Some(&status))
        .await;
    let (s, _) = a.call(Method::DELETE, &format!("{PODS}/done"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        a.get(&format!("{PODS}/done")).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn finalizers_still_hold_a_pod_after_its_grace_period() {
    let a = api().await;
    let mut p = pod("held", &["web"], Some("node-1"));
    p["metadata"]["finalizers"] = json!(["example.com/keep"]);
    a.post(PODS, p).await;
    let (s, marked) = a
        .call(
            Method::DELETE,
            &format!("{PODS}/held?gracePeriodSeconds=0"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(marked["metadata"]["deletionGracePeriodSeconds"], 0);
    assert_eq!(a.get(&format!("{PODS}/held")).await.0, StatusCode::OK);
    let mut req = request(
        Method::PATCH,
        &format!("{PODS}/held"),
        Some(&json!({"metadata":{"finalizers":null}})),
    );
    req.headers_mut().insert(
        "content-type",
        "application/merge-patch+json".parse().unwrap(),
    );
    let resp = a.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        a.get(&format!("{PODS}/held")).await.0,
        StatusCode::NOT_FOUND
    );
}
