//! The `pods/binding` subresource over the router in process: binding sets the node and the
//! `PodScheduled` condition, a second binding is a Conflict, and discovery lists it.

use std::sync::Arc;

use axum::body::Body;
use enclave_apiserver::auth::{AllowAuthenticated, Identity, UserInfo};
use enclave_apiserver::{ApiServer, Config};
use enclave_store::Store;
use enclave_store::memory::MemoryStore;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn router() -> axum::Router {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let server = ApiServer::new(store, Arc::new(AllowAuthenticated), Config::default());
    enclave_apiserver::bootstrap(&server).await.unwrap();
    enclave_apiserver::router(server)
}

async fn call(
    router: &axum::Router,
    method: Method,
    uri: &str,
    body: Value,
) -> (StatusCode, Value) {
    let body = if body.is_null() {
        Vec::new()
    } else {
        serde_json::to_vec(&body).unwrap()
    };
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    req.extensions_mut().insert(Identity(Arc::new(UserInfo::new(
        "system:kube-scheduler",
        ["system:masters".to_string()],
    ))));
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

const PODS: &str = "/api/v1/namespaces/default/pods";

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
}

fn binding(name: &str, node: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
        "target": {"apiVersion": "v1", "kind": "Node", "name": node}})
}

#[tokio::test]
async fn binding_assigns_the_node_once() {
    let r = router().await;
    let (s, _) = call(&r, Method::POST, PODS, pod("web")).await;
    assert_eq!(s, StatusCode::CREATED);

    let (s, status) = call(
        &r,
        Method::POST,
        &format!("{PODS}/web/binding"),
        binding("web", "n1"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        status,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})
    );

    let (s, bound) = call(&r, Method::GET, &format!("{PODS}/web"), Value::Null).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(bound["spec"]["nodeName"], "n1");
    let scheduled: Vec<&Value> = bound["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "PodScheduled")
        .collect();
    assert_eq!(scheduled.len(), 1);
    assert_eq!(scheduled[0]["status"], "True");

    let (s, status) = call(
        &r,
        Method::POST,
        &format!("{PODS}/web/binding"),
        binding("web", "n2"),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(status["reason"], "Conflict");
    assert_eq!(
        status["message"],
        "Operation cannot be fulfilled on pods/binding \"web\": pod web is already assigned to node \"n1\""
    );
    let (_, unchanged) = call(&r, Method::GET, &format!("{PODS}/web"), Value::Null).await;
    assert_eq!(unchanged["spec"]["nodeName"], "n1");
}

#[tokio::test]
async fn binding_a_missing_pod_is_not_found_and_a_bad_target_is_invalid() {
    let r = router().await;
    let (s, status) = call(
        &r,
        Method::POST,
        &format!("{PODS}/ghost/binding"),
        binding("ghost", "n1"),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(status["message"], "pods \"ghost\" not found");

    call(&r, Method::POST, PODS, pod("web")).await;
    let (s, _) = call(
        &r,
        Method::POST,
        &format!("{PODS}/web/binding"),
        binding("web", ""),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = call(
        &r,
        Method::POST,
        &format!("{PODS}/web/binding"),
        binding("other", "n1"),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, still_pending) = call(&r, Method::GET, &format!("{PODS}/web"), Value::Null).await;
    assert!(still_pending["spec"].get("nodeName").is_none());
}

#[tokio::test]
async fn discovery_lists_pods_binding() {
    let r = router().await;
    let (s, list) = call(&r, Method::GET, "/api/v1", Value::Null).await;
    assert_eq!(s, StatusCode::OK);
    let entry = list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|res| res["name"] == "pods/binding")
        .cloned()
        .unwrap();
    assert_eq!(entry["kind"], "Binding");
    assert_eq!(entry["verbs"], json!(["create"]));
}
