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

/// Runs `enclave <args>` against this Enclave with its admin kubeconfig.
fn enclave_cli(e: &Enclave, args: &[&str]) -> Output {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enclave"))
        .args(args)
        .arg("--kubeconfig")
        .arg(e.admin_kubeconfig())
        .env("HOME", e.home.path())
        .env_remove("KUBECONFIG")
        .output()
        .expect("running enclave");
    Output {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn enclave_dfw_lists_shows_applies_and_deletes() {
    let e = Enclave::start();
    let manifest = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        manifest.path(),
        r#"
resource_type: Group
id: shop-pods
expression:
- resource_type: IPAddressExpression
  ip_addresses: ["10.244.0.16/28"]
---
resource_type: SecurityPolicy
id: OverwriteEverything
category: Infrastructure
rules:
- id: AnyAnyAny
  source_groups: ["10.244.0.0/19"]
  destination_groups: ["10.244.0.0/19"]
  action: ALLOW
- id: no-ssh
  sequence_number: 1
  destination_groups: ["/infra/domains/default/groups/shop-pods"]
  destinations_excluded: true
  service_entries:
  - resource_type: L4PortSetServiceEntry
    l4_protocol: TCP
    destination_ports: ["22"]
  action: REJECT
  direction: IN
"#,
    )
    .unwrap();
    let path = manifest.path().to_str().unwrap();
    let out = enclave_cli(&e, &["dfw", "apply", "-f", path]);
    assert!(out.ok, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "group/shop-pods configured\nsecuritypolicy/OverwriteEverything configured\n"
    );
    let out = enclave_cli(&e, &["dfw", "list"]);
    assert!(out.ok, "{}", out.stderr);
    let lines: Vec<Vec<&str>> = out
        .stdout
        .lines()
        .map(|l| {
            l.split("   ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        lines[0],
        [
            "CATEGORY",
            "POLICY",
            "RULE ID",
            "NAME",
            "SOURCES",
            "DESTINATIONS",
            "SERVICES",
            "ACTION",
            "DIRECTION",
            "APPLIED TO"
        ]
    );
    // Infrastructure comes before the Application default section, in rule order.
    assert_eq!(lines[1][0], "Infrastructure");
    assert_eq!(lines[1][3], "AnyAnyAny");
    assert_eq!(lines[2][3], "no-ssh");
    assert_eq!(lines[2][5], "NOT (shop-pods)");
    assert_eq!(lines[2][6], "TCP.22");
    assert_eq!(lines.last().unwrap()[3], "Default Layer3 Rule");
    let rule_id = lines[2][2];

    let out = enclave_cli(&e, &["dfw", "show", rule_id]);
    assert!(out.ok, "{}", out.stderr);
    assert!(
        out.stdout.contains("Name:         no-ssh\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Action:       REJECT\n"),
        "{}",
        out.stdout
    );
    let out = enclave_cli(
        &e,
        &["dfw", "list", "--category", "infrastructure", "-o", "json"],
    );
    let rows: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);

    // The group is used by the policy: it cannot go first.
    let out = enclave_cli(&e, &["dfw", "delete", "--group", "shop-pods"]);
    assert!(!out.ok);
    assert!(out.stderr.contains("is in use"), "{}", out.stderr);
    let out = enclave_cli(&e, &["dfw", "delete", "OverwriteEverything"]);
    assert!(out.ok, "{}", out.stderr);
    let out = enclave_cli(&e, &["dfw", "show", rule_id]);
    assert!(!out.ok);
    assert!(
        out.stderr
            .contains(&format!("no rule has the ID {rule_id}")),
        "{}",
        out.stderr
    );
    let out = enclave_cli(&e, &["dfw", "apply", "-f", "/nonexistent.yaml"]);
    assert!(!out.ok);
    assert!(
        out.stderr.contains("reading /nonexistent.yaml"),
        "{}",
        out.stderr
    );
}
