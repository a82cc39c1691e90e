//! The seed story's firewall through kubectl and `enclave dfw`: the namespace default drops
//! Envoy's traffic to the shop at `deny-all-ingress`, the seed's NetworkPolicy becomes the
//! allowlist policy with `TCP.80-ingress-allow`, deleting it removes what it created, and a
//! broken NetworkPolicy is reported as an event.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Enclave, Output};

const SEED_DEPLOYMENT: &str = include_str!("../../../../examples/hackazon/deployment.yaml");
const SEED_POLICY: &str = include_str!("../../../../examples/hackazon/networkpolicy.yaml");

fn ok(out: &Output) -> &str {
    assert!(out.ok, "command failed: {}{}", out.stdout, out.stderr);
    &out.stdout
}

fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn dfw_rows(e: &Enclave) -> Vec<Value> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enclave"))
        .args(["dfw", "list", "-o", "json", "--kubeconfig"])
        .arg(e.admin_kubeconfig())
        .output()
        .expect("enclave dfw list");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout)
        .expect("JSON")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn rule<'a>(rows: &'a [Value], name: &str) -> Option<&'a Value> {
    rows.iter().find(|r| r["name"] == name)
}

const ENVOY: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: contour
spec:
  replicas: 1
  selector:
    matchLabels:
      app: contour
  template:
    metadata:
      labels:
        app: contour
    spec:
      containers:
      - name: envoy
        image: envoyproxy/envoy:v1.27
        ports:
        - containerPort: 8080
"#;

#[test]
fn the_seed_firewall_deny_all_ingress_then_the_network_policy_allowlist() {
    let e = Enclave::start();
    for ns in ["ns-hackazon-app", "svc-contour-domain-c8"] {
        ok(&e.kubectl(&["create", "namespace", ns]));
    }
    ok(&e.kubectl_stdin(
        &["-n", "ns-hackazon-app", "apply", "-f", "-"],
        SEED_DEPLOYMENT,
    ));
    ok(&e.kubectl_stdin(&["-n", "svc-contour-domain-c8", "apply", "-f", "-"], ENVOY));
    for (ns, deploy) in [
        ("ns-hackazon-app", "hackazon-shop"),
        ("svc-contour-domain-c8", "contour"),
    ] {
        ok(&e.kubectl(&[
            "-n",
            ns,
            "rollout",
            "status",
            &format!("deployment/{deploy}"),
            "--timeout=60s",
        ]));
    }
    // The namespace default: one deny-all-ingress rule in the Application category, applied
    // to the vSphere Namespaces (both of ours among them).
    let rows = eventually("deny-all-ingress", || {
        let rows = dfw_rows(&e);
        rule(&rows, "deny-all-ingress").is_some().then_some(rows)
    });
    let deny = rule(&rows, "deny-all-ingress").unwrap();
    assert_eq!(deny["category"], "Application");
    assert_eq!(deny["action"], "DROP");
    assert_eq!(deny["direction"], "IN");
    assert!(deny["rule_id"].as_u64().unwrap() >= 1000);
    assert!(
        rule(&rows, "ns-hackazon-app-allow-intra-namespace").is_some(),
        "{rows:#?}"
    );

    // The seed's NetworkPolicy becomes exactly the allowlist policy with TCP.80-ingress-allow,
    // ordered before the namespace default.
    ok(&e.kubectl_stdin(&["-n", "ns-hackazon-app", "apply", "-f", "-"], SEED_POLICY));
    let rows = eventually("the allowlist policy", || {
        let rows = dfw_rows(&e);
        rule(&rows, "TCP.80-ingress-allow")
            .is_some()
            .then_some(rows)
    });
    let allow: Vec<&Value> = rows
        .iter()
        .filter(|r| r["policy"] == "ns-hackazon-app-hackazon-app-network-policy-allowlist")
        .collect();
    assert_eq!(allow.len(), 1, "{allow:#?}");
    assert_eq!(allow[0]["name"], "TCP.80-ingress-allow");
    assert_eq!(allow[0]["action"], "ALLOW");
    assert_eq!(allow[0]["category"], "Application");
    let position = |name: &str| rows.iter().position(|r| r["name"] == name).unwrap();
    assert!(position("TCP.80-ingress-allow") < position("deny-all-ingress"));
    let deny_id = rule(&rows, "deny-all-ingress").unwrap()["rule_id"].clone();
    assert_eq!(deny_id, deny["rule_id"], "rule IDs are stable");

    // `enclave dfw show` finds the rule by its ID, as the seed searches for 1005.
    let id = deny_id.as_u64().unwrap().to_string();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enclave"))
        .args(["dfw", "show", &id, "--kubeconfig"])
        .arg(e.admin_kubeconfig())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Name:         deny-all-ingress"), "{text}");
    assert!(text.contains("Category:     Application"), "{text}");
    // Its applied-to members are the pods of the vSphere Namespaces, by name.
    let members = eventually("the applied-to members", || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_enclave"))
            .args(["dfw", "show", &id, "-o", "json", "--kubeconfig"])
            .arg(e.admin_kubeconfig())
            .output()
            .unwrap();
        let shown: Value = serde_json::from_slice(&out.stdout).ok()?;
        let members: Vec<String> = shown[0]["applied_to_members"]
            .as_array()?
            .iter()
            .filter_map(|m| m.as_str().map(str::to_string))
            .collect();
        let shop = members
            .iter()
            .filter(|m| m.starts_with("ns-hackazon-app/hackazon-shop-"))
            .count();
        let contour = members
            .iter()
            .any(|m| m.starts_with("svc-contour-domain-c8/contour-"));
        (shop == 2 && contour).then_some(members)
    });
    assert!(
        text.contains("Members:      "),
        "{text} (members {members:?})"
    );

    // Deleting the NetworkPolicy removes what it created.
    ok(&e.kubectl(&[
        "-n",
        "ns-hackazon-app",
        "delete",
        "networkpolicy",
        "hackazon-app-network-policy",
    ]));
    eventually("the allowlist to go", || {
        let rows = dfw_rows(&e);
        (rule(&rows, "TCP.80-ingress-allow").is_none()
            && !rows.iter().any(|r| {
                r["policy"]
                    .as_str()
                    .unwrap_or("")
                    .contains("hackazon-app-network-policy")
            }))
        .then_some(())
    });

    // A NetworkPolicy naming a port no pod declares is reported on the policy.
    let broken = SEED_POLICY
        .replace("hackazon-app-network-policy", "named-port-policy")
        .replace("port: 80", "port: no-such-port");
    ok(&e.kubectl_stdin(&["-n", "ns-hackazon-app", "apply", "-f", "-"], &broken));
    eventually("the warning event", || {
        let out = e.kubectl(&[
            "-n",
            "ns-hackazon-app",
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=named-port-policy",
            "-o",
            "jsonpath={.items[*].message}",
        ]);
        ok(&out).contains("no-such-port").then_some(())
    });
}
