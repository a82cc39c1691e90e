//! The API server in process (the router as a tower service over the memory store): Kubernetes
//! semantics that need no kubectl, and hostile input that must never produce a 5xx or a panic.

use std::sync::Arc;

use axum::body::Body;
use enclave_apiserver::auth::{AllowAuthenticated, Identity, UserInfo};
use enclave_apiserver::{ApiServer, Config};
use enclave_store::Store;
use enclave_store::memory::MemoryStore;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Api {
    router: axum::Router,
    store: Arc<dyn Store>,
}

async fn api() -> Api {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let server = ApiServer::new(
        store.clone(),
        Arc::new(AllowAuthenticated),
        Config::default(),
    );
    enclave_apiserver::bootstrap(&server).await.unwrap();
    Api {
        router: enclave_apiserver::router(server),
        store,
    }
}

impl Api {
    async fn call(
        &self,
        method: Method,
        uri: &str,
        ctype: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", ctype)
            .body(Body::from(body))
            .unwrap();
        req.extensions_mut().insert(Identity(Arc::new(UserInfo::new(
            "admin",
            ["system:masters".to_string()],
        ))));
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }

    async fn json(&self, method: Method, uri: &str, body: Value) -> (StatusCode, Value) {
        self.call(
            method,
            uri,
            "application/json",
            serde_json::to_vec(&body).unwrap(),
        )
        .await
    }

    async fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.call(Method::GET, uri, "application/json", Vec::new())
            .await
    }
}

fn cm(name: &str) -> Value {
    json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":name},"data":{"k":"v"}})
}

const CMS: &str = "/api/v1/namespaces/default/configmaps";

#[tokio::test]
async fn anonymous_requests_are_unauthorized_but_version_is_open() {
    let a = api().await;
    let req = Request::get(CMS).body(Body::empty()).unwrap();
    let resp = a.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let req = Request::get("/version").body(Body::empty()).unwrap();
    let resp = a.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn stale_resource_version_is_a_conflict() {
    let a = api().await;
    let (s, created) = a.json(Method::POST, CMS, cm("c")).await;
    assert_eq!(s, StatusCode::CREATED);
    let mut first = created.clone();
    first["data"]["k"] = json!("v2");
    let (s, _) = a.json(Method::PUT, &format!("{CMS}/c"), first).await;
    assert_eq!(s, StatusCode::OK);
    let mut stale = created;
    stale["data"]["k"] = json!("v3");
    let (s, status) = a.json(Method::PUT, &format!("{CMS}/c"), stale).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(status["reason"], "Conflict");
    assert_eq!(
        status["message"],
        "Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your changes to the latest version and try again"
    );
}

#[tokio::test]
async fn unchanged_update_keeps_the_resource_version() {
    let a = api().await;
    let (_, created) = a.json(Method::POST, CMS, cm("same")).await;
    let (s, updated) = a
        .json(Method::PUT, &format!("{CMS}/same"), created.clone())
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        updated["metadata"]["resourceVersion"],
        created["metadata"]["resourceVersion"]
    );
}

#[tokio::test]
async fn limit_and_continue_page_through_a_list() {
    let a = api().await;
    for i in 0..7 {
        a.json(Method::POST, CMS, cm(&format!("p{i}"))).await;
    }
    let mut names = Vec::new();
    let mut uri = format!("{CMS}?limit=3");
    loop {
        let (s, list) = a.get(&uri).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        for item in list["items"].as_array().unwrap() {
            names.push(item["metadata"]["name"].as_str().unwrap().to_string());
        }
        match list["metadata"]["continue"].as_str() {
            Some(token) => uri = format!("{CMS}?limit=3&continue={token}"),
            None => break,
        }
    }
    assert_eq!(names, ["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
}

#[tokio::test]
async fn dry_run_persists_nothing() {
    let a = api().await;
    let (s, obj) = a
        .json(Method::POST, &format!("{CMS}?dryRun=All"), cm("dry"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(obj["metadata"]["name"], "dry");
    let (s, _) = a.get(&format!("{CMS}/dry")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn finalizers_hold_deletion_until_removed() {
    let a = api().await;
    let mut obj = cm("held");
    obj["metadata"]["finalizers"] = json!(["example.com/hold"]);
    a.json(Method::POST, CMS, obj).await;
    let (s, pending) = a
        .call(
            Method::DELETE,
            &format!("{CMS}/held"),
            "application/json",
            Vec::new(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(pending["metadata"]["deletionTimestamp"].is_string());
    let (s, _) = a.get(&format!("{CMS}/held")).await;
    assert_eq!(s, StatusCode::OK, "still there while a finalizer remains");
    let (s, _) = a
        .call(
            Method::PATCH,
            &format!("{CMS}/held"),
            "application/merge-patch+json",
            br#"{"metadata":{"finalizers":null}}"#.to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = a.get(&format!("{CMS}/held")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn foreground_deletion_adds_its_finalizer() {
    let a = api().await;
    a.json(Method::POST, CMS, cm("fg")).await;
    let (s, obj) = a
        .json(
            Method::DELETE,
            &format!("{CMS}/fg"),
            json!({"propagationPolicy": "Foreground"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(obj["metadata"]["finalizers"], json!(["foregroundDeletion"]));
}

#[tokio::test]
async fn creating_in_a_missing_namespace_is_not_found() {
    let a = api().await;
    let (s, status) = a
        .json(Method::POST, "/api/v1/namespaces/nope/configmaps", cm("x"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(status["message"], "namespaces \"nope\" not found");
}

#[tokio::test]
async fn field_selectors_are_checked_and_applied() {
    let a = api().await;
    a.json(Method::POST, CMS, cm("one")).await;
    a.json(Method::POST, CMS, cm("two")).await;
    let (s, list) = a
        .get(&format!("{CMS}?fieldSelector=metadata.name%3Dtwo"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (s, status) = a.get(&format!("{CMS}?fieldSelector=spec.nope%3Dx")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{status}");
}

#[tokio::test]
async fn watch_from_a_compacted_revision_is_expired() {
    let a = api().await;
    for i in 0..5 {
        a.json(Method::POST, CMS, cm(&format!("w{i}"))).await;
    }
    let current = a.store.current_revision().await.unwrap();
    a.store.compact(current - 1).await.unwrap();
    let req = {
        let mut r = Request::get(format!("{CMS}?watch=true&resourceVersion=2"))
            .body(Body::empty())
            .unwrap();
        r.extensions_mut()
            .insert(Identity(Arc::new(UserInfo::new("admin", Vec::new()))));
        r
    };
    let resp = a.router.clone().oneshot(req).await.unwrap();
    let mut body = resp.into_body().into_data_stream();
    use futures::StreamExt;
    let first = body.next().await.unwrap().unwrap();
    let event: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(event["type"], "ERROR");
    assert_eq!(event["object"]["code"], 410);
    assert_eq!(event["object"]["reason"], "Expired");
}

#[tokio::test]
async fn scale_subresource_answers_with_a_scale() {
    let a = api().await;
    let deploy = json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
        "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
        "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}});
    let (s, _) = a
        .json(
            Method::POST,
            "/apis/apps/v1/namespaces/default/deployments",
            deploy,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, scale) = a
        .call(
            Method::PATCH,
            "/apis/apps/v1/namespaces/default/deployments/web/scale",
            "application/merge-patch+json",
            br#"{"spec":{"replicas":4}}"#.to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{scale}");
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["apiVersion"], "autoscaling/v1");
    assert_eq!(scale["spec"]["replicas"], 4);
    assert_eq!(scale["status"]["selector"], "app=web");
}

const PATHS: &[&str] = &[
    "/api/v1/namespaces/default/configmaps",
    "/api/v1/namespaces/default/configmaps/x",
    "/api/v1/namespaces/default/pods/x/status",
    "/apis/apps/v1/namespaces/default/deployments",
    "/apis/apps/v1/namespaces/default/deployments/x/scale",
    "/api/v1/namespaces",
    "/api/v1/namespaces/default",
    "/apis/networking.k8s.io/v1/namespaces/default/ingresses/x",
    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    "/api/v1/nodes/x",
];
const TYPES: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/json-patch+json",
    "application/apply-patch+yaml",
    "text/plain",
];

fn hostile_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        Just(b"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"},\"data\":{\"a\":1}}".to_vec()),
        Just(b"[{\"op\":\"remove\",\"path\":\"/nope\"}]".to_vec()),
        Just(b"{\"metadata\":{\"name\":7}}".to_vec()),
        Just(b"{\"spec\":{\"replicas\":\"x\"}}".to_vec()),
        Just(b"k8s\0\x0a\x00garbage".to_vec()),
        Just(b"null".to_vec()),
        Just(vec![b'['; 5000]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]
    #[test]
    fn hostile_input_never_gets_a_5xx(
        path in proptest::sample::select(PATHS),
        ctype in proptest::sample::select(TYPES),
        method in proptest::sample::select(&[Method::POST, Method::PUT, Method::PATCH, Method::DELETE][..]),
        body in hostile_body(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (status, value) = rt.block_on(async {
            let a = api().await;
            a.call(method, path, ctype, body).await
        });
        prop_assert!(status.as_u16() < 500, "{status}: {value}");
    }
}
