//! The NSX Policy API on the API listener, driven by the real kubectl's raw verbs: the
//! administrator's override policy of the seed story, NSX error bodies, and restart.

use std::io::Write;

use serde_json::{Value, json};

use crate::harness::{Enclave, Output};

const POLICIES: &str = "/policy/api/v1/infra/domains/default/security-policies";

fn json_of(out: &Output) -> Value {
    assert!(out.ok, "kubectl failed: {}{}", out.stdout, out.stderr);
    serde_json::from_str(&out.stdout).expect("kubectl printed JSON")
}

fn body_file(value: &Value) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(value.to_string().as_bytes()).expect("write");
    file
}

#[test]
fn the_override_policy_is_created_through_the_policy_api_and_survives_a_restart() {
    let mut e = Enclave::start();
    let list = json_of(&e.kubectl(&["get", "--raw", POLICIES]));
    assert!(
        list["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == "default-layer3-section"),
        "{list}"
    );
    let body = body_file(&json!({
        "display_name": "OverwriteEverything",
        "category": "Infrastructure",
        "rules": [{"id": "AnyAnyAny", "source_groups": ["10.244.0.0/19"],
                   "destination_groups": ["10.244.0.0/19"], "services": ["ANY"], "action": "ALLOW"}]
    }));
    let uri = format!("{POLICIES}/OverwriteEverything");
    let path = body.path().to_str().unwrap();
    let created = json_of(&e.kubectl(&["replace", "--raw", &uri, "-f", path]));
    assert_eq!(created["category"], "Infrastructure");
    assert_eq!(created["_create_user"], "enclave-admin");
    let rule_id = created["rules"][0]["rule_id"].as_u64().unwrap();
    assert!(rule_id >= 1000);

    // A second PUT without `_revision` is stale (kubectl shows only the status of a
    // non-Kubernetes error body).
    let out = e.kubectl(&["replace", "--raw", &uri, "-f", path]);
    assert!(!out.ok);
    assert!(out.stderr.contains("412"), "{}", out.stderr);

    e.restart();
    let restored = json_of(&e.kubectl(&["get", "--raw", &uri]));
    assert_eq!(restored["rules"][0]["rule_id"], rule_id);
    assert_eq!(restored["display_name"], "OverwriteEverything");
    let missing = e.kubectl(&["get", "--raw", &format!("{POLICIES}/nope")]);
    assert!(!missing.ok);
    assert!(
        missing.stderr.contains("could not find"),
        "{}",
        missing.stderr
    );
}
