//! The NSX Policy API over a real store: the seed's override policy, NSX's PUT/PATCH and
//! `_revision` rules, ownership of NCP's objects, error bodies, limits, and restart.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use enclave_dfw::{Category, FirewallConfig, Rule, SecurityPolicy};
use enclave_nsx::{NsxManager, Principal, router};
use enclave_store::Store;
use enclave_store::memory::MemoryStore;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const POLICIES: &str = "/policy/api/v1/infra/domains/default/security-policies";

struct Nsx {
    store: Arc<dyn Store>,
    manager: Arc<NsxManager>,
    router: Router,
}

async fn nsx_on(store: Arc<dyn Store>) -> Nsx {
    let manager = NsxManager::open(store.clone(), "domain-c8").await.unwrap();
    Nsx {
        store,
        router: router(manager.clone()),
        manager,
    }
}

async fn nsx() -> Nsx {
    nsx_on(Arc::new(MemoryStore::new())).await
}

impl Nsx {
    async fn call_as(
        &self,
        user: Option<&str>,
        method: Method,
        uri: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let mut request = request
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .unwrap();
        if let Some(user) = user {
            request.extensions_mut().insert(Principal {
                name: user.into(),
                allow_overwrite: None,
            });
        }
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {bytes:?}"))
        };
        (status, value)
    }

    async fn call(&self, method: Method, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call_as(Some("admin"), method, uri, body.map(|b| b.to_string()), &[])
            .await
    }
}

fn overwrite_everything() -> Value {
    json!({
        "display_name": "OverwriteEverything",
        "category": "Infrastructure",
        "rules": [{
            "id": "AnyAnyAny",
            "display_name": "AnyAnyAny",
            "source_groups": ["10.244.0.0/19"],
            "destination_groups": ["10.244.0.0/19"],
            "services": ["ANY"],
            "action": "ALLOW"
        }]
    })
}

#[tokio::test]
async fn the_default_section_is_there_from_the_start() {
    let nsx = nsx().await;
    let (status, list) = nsx.call(Method::GET, POLICIES, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["result_count"], 1);
    let section = &list["results"][0];
    assert_eq!(section["id"], "default-layer3-section");
    assert_eq!(section["is_default"], true);
    let rule = section["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "default-layer3-rule")
        .unwrap();
    assert_eq!(rule["rule_id"], 2);
    assert_eq!(rule["action"], "ALLOW");
}

#[tokio::test]
async fn an_administrator_creates_the_override_and_revisions_are_checked() {
    let nsx = nsx().await;
    let uri = format!("{POLICIES}/OverwriteEverything");
    let (status, created) = nsx
        .call(Method::PUT, &uri, Some(overwrite_everything()))
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["_revision"], 0);
    assert_eq!(created["_create_user"], "admin");
    assert_eq!(
        created["path"],
        "/infra/domains/default/security-policies/OverwriteEverything"
    );
    let rule_id = created["rules"][0]["rule_id"].as_u64().unwrap();
    assert!(rule_id >= 1000, "{created}");

    // PUT of an existing object needs its current revision.
    let (status, error) = nsx
        .call(Method::PUT, &uri, Some(overwrite_everything()))
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(error["error_code"], 604);
    assert_eq!(
        error["error_message"],
        "The object was modified by somebody else."
    );
    let mut body = overwrite_everything();
    body["_revision"] = json!(0);
    body["description"] = json!("lab override");
    let (status, updated) = nsx.call(Method::PUT, &uri, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["_revision"], 1);
    assert_eq!(
        updated["rules"][0]["rule_id"], rule_id,
        "the rule keeps its ID"
    );

    // PATCH a rule through its own path: only the given fields change.
    let (status, rule) = nsx
        .call(
            Method::PATCH,
            &format!("{uri}/rules/AnyAnyAny"),
            Some(json!({"logged": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rule}");
    assert_eq!(rule["logged"], true);
    assert_eq!(rule["action"], "ALLOW");
    assert_eq!(rule["rule_id"], rule_id);
    let realized = nsx.manager.realized();
    let policy = realized
        .config
        .policies
        .iter()
        .find(|p| p.id == "OverwriteEverything")
        .unwrap();
    assert_eq!(policy.category, Some(Category::Infrastructure));
    assert!(policy.rules[0].logged);
}

#[tokio::test]
async fn invalid_writes_are_refused_whole_with_nsx_error_bodies() {
    let nsx = nsx().await;
    let uri = format!("{POLICIES}/broken");
    let body = json!({
        "category": "Application",
        "rules": [
            {"id": "ok", "action": "ALLOW"},
            {"id": "bad", "source_groups": ["/infra/domains/default/groups/missing"],
             "service_entries": [{"resource_type": "L4PortSetServiceEntry", "l4_protocol": "TCP",
                                  "destination_ports": ["0"]}]}
        ]
    });
    let (status, error) = nsx.call(Method::PUT, &uri, Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["httpStatus"], "BAD_REQUEST");
    assert_eq!(error["module_name"], "Policy");
    let related: Vec<&str> = error["related_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["error_message"].as_str().unwrap())
        .collect();
    assert!(
        related
            .iter()
            .any(|m| m.contains("groups/missing does not exist")),
        "{related:?}"
    );
    assert!(
        related
            .iter()
            .any(|m| m.contains("invalid port or port range \"0\"")),
        "{related:?}"
    );
    let (status, _) = nsx.call(Method::GET, &uri, None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "nothing of a refused write is applied"
    );

    for (body, expected) in [
        ("{not json", "Field level validation errors"),
        ("[1, 2]", "must be a JSON object"),
        (r#"{"category": "Sideways"}"#, "unknown variant"),
        (r#"{"id": "other"}"#, "does not match the id"),
    ] {
        let (status, error) = nsx
            .call_as(Some("admin"), Method::PUT, &uri, Some(body.into()), &[])
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            error["error_message"].as_str().unwrap().contains(expected),
            "{body}: {error}"
        );
    }
    let (status, error) = nsx
        .call(Method::GET, "/policy/api/v1/no-such-api", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        error["error_message"]
            .as_str()
            .unwrap()
            .contains("could not be found")
    );
    let (status, error) = nsx
        .call(
            Method::GET,
            "/policy/api/v1/infra/tier-1s/no-such-router",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["error_code"], 500090);
    assert_eq!(
        error["error_message"],
        "The path=[/infra/tier-1s/no-such-router] is invalid"
    );
    let (status, error) = nsx
        .call(
            Method::PUT,
            "/policy/api/v1/infra/tier-1s/mine",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{error}");
    assert_eq!(error["httpStatus"], "METHOD_NOT_ALLOWED");
    let (status, error) = nsx
        .call_as(None, Method::PUT, &uri, Some("{}".into()), &[])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error["error_code"], 403);
}

#[tokio::test]
async fn ncp_objects_are_read_only_to_users() {
    let nsx = nsx().await;
    let mut policy = SecurityPolicy::new("np-allowlist", Category::Application);
    policy.rules = vec![Rule::new("TCP.80-ingress-allow")];
    nsx.manager
        .set_ncp(
            FirewallConfig {
                policies: vec![policy],
                ..FirewallConfig::default()
            },
            enclave_dfw::Inventory::default(),
        )
        .await
        .unwrap();
    let uri = format!("{POLICIES}/np-allowlist");
    let (status, got) = nsx.call(Method::GET, &uri, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["_create_user"], "wcp-cluster-user-domain-c8");
    assert_eq!(got["_protection"], "REQUIRE_OVERRIDE");
    for (method, headers) in [
        (Method::PATCH, vec![]),
        (Method::DELETE, vec![("X-Allow-Overwrite", "true")]),
    ] {
        let (status, error) = nsx
            .call_as(Some("admin"), method, &uri, Some("{}".into()), &headers)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error["error_code"], 8327);
        let message = error["error_message"].as_str().unwrap();
        assert!(
            message.starts_with("Principal attempts to delete or modify an object of type SecurityPolicy it doesn't own. (createUser=wcp-cluster-user-domain-c8"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn objects_and_rule_ids_survive_a_restart() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let nsx = nsx_on(store.clone()).await;
    let uri = format!("{POLICIES}/OverwriteEverything");
    let (_, created) = nsx
        .call(Method::PUT, &uri, Some(overwrite_everything()))
        .await;
    let group = json!({"expression": [{"resource_type": "IPAddressExpression", "ip_addresses": ["10.15.8.0/24"]}]});
    let (status, _) = nsx
        .call(
            Method::PATCH,
            "/policy/api/v1/infra/domains/default/groups/vips",
            Some(group),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    drop(nsx);
    let again = nsx_on(store).await;
    let (status, restored) = again.call(Method::GET, &uri, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        restored["rules"][0]["rule_id"],
        created["rules"][0]["rule_id"]
    );
    assert_eq!(restored["_create_user"], "admin");
    // A new rule gets a new ID, never a used one.
    let (_, second) = again
        .call(
            Method::PUT,
            &format!("{POLICIES}/second"),
            Some(json!({"category": "Application", "rules": [{"id": "r"}]})),
        )
        .await;
    assert!(second["rules"][0]["rule_id"].as_u64() > created["rules"][0]["rule_id"].as_u64());
    let (status, groups) = again
        .call(
            Method::GET,
            "/policy/api/v1/infra/domains/default/groups",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(groups["results"][0]["id"], "vips");
    let _ = again.store.current_revision().await.unwrap();
}

#[tokio::test]
async fn groups_in_use_cannot_go_and_a_100k_rule_put_is_refused() {
    let nsx = nsx().await;
    let group = "/policy/api/v1/infra/domains/default/groups/web";
    let (status, _) = nsx
        .call(
            Method::PUT,
            group,
            Some(json!({"expression": [{"resource_type": "IPAddressExpression", "ip_addresses": ["10.244.0.18"]}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = nsx
        .call(
            Method::PUT,
            &format!("{POLICIES}/uses-web"),
            Some(json!({"category": "Application", "rules": [{"id": "r", "destination_groups": ["/infra/domains/default/groups/web"]}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, error) = nsx.call(Method::DELETE, group, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["error_message"].as_str().unwrap().contains("in use"),
        "{error}"
    );
    let (status, _) = nsx.call(Method::GET, group, None).await;
    assert_eq!(status, StatusCode::OK);

    let rules: Vec<Value> = (0..100_000)
        .map(|i| json!({"id": format!("r{i}"), "action": "DROP"}))
        .collect();
    let (status, error) = nsx
        .call(
            Method::PUT,
            &format!("{POLICIES}/huge"),
            Some(json!({"category": "Application", "rules": rules})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["related_errors"][0]["error_message"]
            .as_str()
            .unwrap()
            .contains("too many rules in security policy /infra/domains/default/security-policies/huge (at most 1000)"),
        "{error}"
    );
    let (_, list) = nsx.call(Method::GET, POLICIES, None).await;
    assert_eq!(
        list["result_count"], 2,
        "the refused policy left nothing behind"
    );
}

/// Two pods' ports, the inventory the firewall enforces on.
fn two_pods() -> enclave_dfw::Inventory {
    let segment = "/infra/segments/seg-ns-a";
    let member = |name: &str, last: u8| enclave_dfw::Member {
        path: format!("{segment}/ports/{name}"),
        name: name.into(),
        segment: segment.into(),
        ip: std::net::Ipv4Addr::new(10, 244, 0, last),
        mac: format!("04:50:56:00:00:{last:02x}"),
        tags: vec![],
    };
    enclave_dfw::Inventory {
        segments: vec![enclave_dfw::InventorySegment {
            path: segment.into(),
            tags: vec![],
        }],
        members: vec![member("client", 10), member("server", 20)],
    }
}

/// Decides one TCP connection between the two pods with the realized engine and records the
/// hits as the data plane does.
fn connect(manager: &NsxManager) -> enclave_dfw::Verdict {
    let realized = manager.realized();
    let connection = enclave_dfw::Connection {
        flow: enclave_dfw::Flow {
            src_ip: std::net::Ipv4Addr::new(10, 244, 0, 10),
            dst_ip: std::net::Ipv4Addr::new(10, 244, 0, 20),
            protocol: 6,
            src_port: 40000,
            dst_port: 80,
        },
        source: Some(0),
        destination: Some(1),
    };
    let verdict = realized.engine.evaluate(&connection);
    for side in [verdict.egress, verdict.ingress].into_iter().flatten() {
        if let Some(rule) = side.rule {
            realized.stats.record_new(rule, 60);
        }
    }
    verdict
}

#[tokio::test]
async fn rule_statistics_count_hits_and_survive_changes() {
    let nsx = nsx().await;
    nsx.manager
        .set_ncp(FirewallConfig::default(), two_pods())
        .await
        .unwrap();
    let policy = format!("{POLICIES}/OverwriteEverything");
    let (status, _) = nsx
        .call(Method::PATCH, &policy, Some(overwrite_everything()))
        .await;
    assert_eq!(status, StatusCode::OK);
    let verdict = connect(&nsx.manager);
    assert_eq!(verdict.decision, enclave_dfw::Decision::Allow);
    connect(&nsx.manager);

    let rule = format!("{policy}/rules/AnyAnyAny/statistics");
    let (status, body) = nsx.call(Method::GET, &rule, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["result_count"], 1);
    let stats = &body["results"][0]["statistics"];
    // Both sides of each connection are decided by AnyAnyAny (IN_OUT).
    assert_eq!(stats["hit_count"], 4, "{body}");
    assert_eq!(stats["byte_count"], 240, "{body}");
    assert_eq!(
        stats["rule"],
        "/infra/domains/default/security-policies/OverwriteEverything/rules/AnyAnyAny"
    );
    assert!(stats["internal_rule_id"].as_str().is_some(), "{body}");

    // Another rule added to the policy: the counted rule keeps its counts, the new one is 0.
    let mut changed = overwrite_everything();
    changed["rules"].as_array_mut().unwrap().push(json!({
        "id": "DropSsh", "sequence_number": 5, "services": ["/infra/services/SSH"],
        "action": "DROP"
    }));
    let (status, body) = nsx.call(Method::PATCH, &policy, Some(changed)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = nsx
        .call(Method::GET, &format!("{policy}/statistics"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let by_rule: Vec<(String, u64)> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = &r["statistics"];
            let rule = s["rule"].as_str().unwrap().rsplit('/').next().unwrap();
            (rule.to_string(), s["hit_count"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        by_rule,
        [("AnyAnyAny".to_string(), 4), ("DropSsh".to_string(), 0)]
    );

    let (status, error) = nsx
        .call(
            Method::GET,
            &format!("{policy}/rules/nope/statistics"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["error_code"], 500090, "{error}");
}

#[tokio::test]
async fn group_members_are_the_realized_ports_and_addresses() {
    let nsx = nsx().await;
    nsx.manager
        .set_ncp(FirewallConfig::default(), two_pods())
        .await
        .unwrap();
    let group = "/policy/api/v1/infra/domains/default/groups/servers";
    let body = json!({"expression": [
        {"resource_type": "PathExpression", "paths": ["/infra/segments/seg-ns-a/ports/server"]},
        {"resource_type": "ConjunctionOperator", "conjunction_operator": "OR"},
        {"resource_type": "IPAddressExpression", "ip_addresses": ["10.15.8.0/24", "10.15.9.7"]}
    ]});
    let (status, reply) = nsx.call(Method::PATCH, group, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{reply}");

    let (status, ports) = nsx
        .call(Method::GET, &format!("{group}/members/segment-ports"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{ports}");
    assert_eq!(
        ports,
        json!({"result_count": 1, "results": [{"id": "server", "display_name": "server",
            "path": "/infra/segments/seg-ns-a/ports/server"}]})
    );
    let (status, ips) = nsx
        .call(Method::GET, &format!("{group}/members/ip-addresses"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{ips}");
    assert_eq!(
        ips,
        json!({"result_count": 3, "results": ["10.15.8.0-10.15.8.255", "10.15.9.7", "10.244.0.20"]})
    );

    let (status, missing) = nsx
        .call(
            Method::GET,
            "/policy/api/v1/infra/domains/default/groups/nope/members/segment-ports",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    assert_eq!(missing["error_code"], 500090, "{missing}");
}
