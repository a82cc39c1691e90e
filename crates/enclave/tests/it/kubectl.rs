//! The real kubectl against `enclave up`: the commands of the seed story and the everyday verbs.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::{Enclave, table};

const DEPLOYMENT: &str = include_str!("../../../../examples/hackazon/deployment.yaml");
const SERVICE: &str = include_str!("../../../../examples/hackazon/service.yaml");
const INGRESS: &str = include_str!("../../../../examples/hackazon/ingress.yaml");

fn ok(out: &crate::harness::Output) -> &str {
    assert!(out.ok, "kubectl failed: {}\n{}", out.stderr, out.stdout);
    &out.stdout
}

#[test]
fn get_namespaces_lists_the_system_namespaces() {
    let e = Enclave::start();
    let out = e.kubectl(&["get", "ns"]);
    let rows = table(ok(&out));
    assert_eq!(rows[0], ["NAME", "STATUS", "AGE"]);
    let names: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
        assert!(names.contains(&ns), "{ns} missing from {names:?}");
    }
    assert!(rows[1..].iter().all(|r| r[1] == "Active"), "{rows:?}");
}

#[test]
fn current_context_is_enclave_and_version_is_1_32() {
    let e = Enclave::start();
    let out = e.kubectl_with(&e.user_kubeconfig(), &["config", "current-context"], None);
    assert_eq!(ok(&out).trim(), "enclave");
    let out = e.kubectl(&["version", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(ok(&out)).unwrap();
    assert_eq!(v["serverVersion"]["gitVersion"], "v1.32.4");
    let out = e.kubectl(&["get", "--raw", "/healthz"]);
    assert_eq!(ok(&out).trim(), "ok");
}

#[test]
fn api_resources_show_short_names_and_scopes() {
    let e = Enclave::start();
    let out = e.kubectl(&["api-resources"]);
    let text = ok(&out);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not in api-resources:\n{text}"))
            .to_string()
    };
    assert!(line("deployments").contains("deploy"));
    assert!(line("deployments").contains("apps/v1"));
    assert!(line("networkpolicies").contains("netpol"));
    assert!(line("namespaces").contains("false"));
    assert!(line("pods").contains("true"));
}

#[test]
fn seed_manifests_apply_then_reapply_unchanged() {
    let e = Enclave::start();
    ok(&e.kubectl(&["create", "namespace", "ns-hackazon-app"]));
    for (manifest, name) in [
        (DEPLOYMENT, "deployment.apps/hackazon-shop"),
        (SERVICE, "service/hackazon-l4"),
        (INGRESS, "ingress.networking.k8s.io/hackazon-ingress"),
    ] {
        let out = e.kubectl_stdin(&["-n", "ns-hackazon-app", "apply", "-f", "-"], manifest);
        assert_eq!(ok(&out).trim(), format!("{name} created"));
        let out = e.kubectl_stdin(&["-n", "ns-hackazon-app", "apply", "-f", "-"], manifest);
        assert_eq!(ok(&out).trim(), format!("{name} unchanged"));
    }
    let out = e.kubectl(&["-n", "ns-hackazon-app", "get", "deploy,po,svc,ingress"]);
    let text = ok(&out);
    let headers: Vec<Vec<String>> = table(text).into_iter().filter(|r| r[0] == "NAME").collect();
    assert_eq!(
        headers[0],
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    );
    assert!(
        headers.iter().any(|h| h
            == &[
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE"
            ]),
        "{text}"
    );
    assert!(
        headers
            .iter()
            .any(|h| h == &["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]),
        "{text}"
    );
    assert!(text.contains("deployment.apps/hackazon-shop"), "{text}");
    assert!(text.contains("service/hackazon-l4"), "{text}");
    assert!(
        text.contains("hackazon.cpod-nsxv8.az-stc.cloud-garage.net"),
        "{text}"
    );
    // The manifest's container port is kept through the strategic merge of a re-apply.
    let out = e.kubectl(&[
        "-n",
        "ns-hackazon-app",
        "get",
        "deploy",
        "hackazon-shop",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].ports[0].containerPort}",
    ]);
    assert_eq!(ok(&out), "80");
}

#[test]
fn errors_read_like_kube_apiserver() {
    let e = Enclave::start();
    let out = e.kubectl(&["get", "configmap", "nope"]);
    assert!(!out.ok);
    assert_eq!(
        out.stderr.trim(),
        "Error from server (NotFound): configmaps \"nope\" not found"
    );
    let out = e.kubectl(&["get", "deploy", "nope"]);
    assert_eq!(
        out.stderr.trim(),
        "Error from server (NotFound): deployments.apps \"nope\" not found"
    );
    ok(&e.kubectl(&["create", "configmap", "c1", "--from-literal=a=b"]));
    let out = e.kubectl(&["create", "configmap", "c1", "--from-literal=a=b"]);
    assert!(!out.ok);
    assert_eq!(
        out.stderr.trim(),
        "error: failed to create configmap: configmaps \"c1\" already exists"
    );
    let bad = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: -1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n";
    let out = e.kubectl_stdin(&["apply", "-f", "-"], bad);
    assert!(!out.ok);
    assert!(
        out.stderr.contains(
            "The Deployment \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn patches_scale_label_annotate_and_delete() {
    let e = Enclave::start();
    ok(&e.kubectl_stdin(&["apply", "-f", "-"], DEPLOYMENT));
    let out = e.kubectl(&[
        "patch",
        "deploy",
        "hackazon-shop",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"hackazon-shop","image":"hackazon:2.0"}]}}}}"#,
    ]);
    assert_eq!(ok(&out).trim(), "deployment.apps/hackazon-shop patched");
    let jsonpath = |path: &str| {
        let out = e.kubectl(&[
            "get",
            "deploy",
            "hackazon-shop",
            "-o",
            &format!("jsonpath={path}"),
        ]);
        ok(&out).to_string()
    };
    assert_eq!(
        jsonpath("{.spec.template.spec.containers[0].image}"),
        "hackazon:2.0"
    );
    // Strategic merge kept the port of the container it merged into.
    assert_eq!(
        jsonpath("{.spec.template.spec.containers[0].ports[0].containerPort}"),
        "80"
    );
    ok(&e.kubectl(&[
        "patch",
        "deploy",
        "hackazon-shop",
        "--type=merge",
        "-p",
        r#"{"metadata":{"labels":{"tier":"web"}}}"#,
    ]));
    assert_eq!(jsonpath("{.metadata.labels.tier}"), "web");
    ok(&e.kubectl(&[
        "patch",
        "deploy",
        "hackazon-shop",
        "--type=json",
        "-p",
        r#"[{"op":"replace","path":"/spec/revisionHistoryLimit","value":3}]"#,
    ]));
    assert_eq!(jsonpath("{.spec.revisionHistoryLimit}"), "3");
    let generation = jsonpath("{.metadata.generation}");
    assert_eq!(generation, "3", "two spec changes after creation");

    let out = e.kubectl(&["scale", "deploy", "hackazon-shop", "--replicas=5"]);
    assert_eq!(ok(&out).trim(), "deployment.apps/hackazon-shop scaled");
    assert_eq!(jsonpath("{.spec.replicas}"), "5");

    let out = e.kubectl(&["label", "deploy", "hackazon-shop", "owner=team-a"]);
    assert_eq!(ok(&out).trim(), "deployment.apps/hackazon-shop labeled");
    let out = e.kubectl(&["get", "deploy", "-l", "owner=team-a", "-o", "name"]);
    assert_eq!(ok(&out).trim(), "deployment.apps/hackazon-shop");
    let out = e.kubectl(&["get", "deploy", "-l", "owner=team-b", "-o", "name"]);
    assert_eq!(ok(&out).trim(), "");
    let out = e.kubectl(&["annotate", "deploy", "hackazon-shop", "note=hello"]);
    assert_eq!(ok(&out).trim(), "deployment.apps/hackazon-shop annotated");
    assert_eq!(jsonpath("{.metadata.annotations.note}"), "hello");

    let out = e.kubectl(&["delete", "deploy", "hackazon-shop"]);
    assert_eq!(ok(&out).trim(), "deployment.apps \"hackazon-shop\" deleted");
    let out = e.kubectl(&["get", "deploy"]);
    assert!(
        out.stderr
            .contains("No resources found in default namespace.")
    );
}

#[test]
fn create_generators_send_protobuf_and_work() {
    let e = Enclave::start();
    let out = e.kubectl(&["create", "namespace", "team-a"]);
    assert_eq!(ok(&out).trim(), "namespace/team-a created");
    let out = e.kubectl(&[
        "-n",
        "team-a",
        "create",
        "deployment",
        "web",
        "--image=nginx:1.27",
        "--replicas=2",
        "--port=80",
    ]);
    assert_eq!(ok(&out).trim(), "deployment.apps/web created");
    let out = e.kubectl(&[
        "-n",
        "team-a",
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.strategy.type}",
    ]);
    assert_eq!(ok(&out), "2 nginx:1.27 RollingUpdate");
    let out = e.kubectl(&[
        "-n",
        "team-a",
        "create",
        "configmap",
        "settings",
        "--from-literal=mode=fast",
    ]);
    assert_eq!(ok(&out).trim(), "configmap/settings created");
    let out = e.kubectl(&["-n", "team-a", "get", "ns", "team-a", "--show-labels"]);
    assert!(
        ok(&out).contains("kubernetes.io/metadata.name=team-a"),
        "{}",
        out.stdout
    );
}

#[test]
fn explain_describes_our_kinds() {
    let e = Enclave::start();
    let out = e.kubectl(&["explain", "deployment.spec.replicas"]);
    let text = ok(&out);
    assert!(
        text.contains("KIND:") && text.contains("Deployment"),
        "{text}"
    );
    assert!(text.contains("replicas"), "{text}");
    let out = e.kubectl(&["explain", "networkpolicy.spec"]);
    assert!(ok(&out).contains("podSelector"), "{}", out.stdout);
}

#[test]
fn get_watch_prints_changes() {
    let e = Enclave::start();
    ok(&e.kubectl(&["create", "configmap", "before", "--from-literal=a=1"]));
    let mut watcher = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(e.admin_kubeconfig())
        .args(["get", "configmaps", "-w"])
        .env("HOME", e.home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = watcher.stdout.take().unwrap();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |prefix: &str| -> Vec<String> {
        let mut seen = Vec::new();
        while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
            let found = line.starts_with(prefix);
            seen.push(line);
            if found {
                return seen;
            }
        }
        panic!("no line starting with {prefix:?} in {seen:?}");
    };
    // The initial list is printed once the watch is set up.
    let head = wait_for("before ");
    assert_eq!(table(&head[0])[0], ["NAME", "DATA", "AGE"]);
    ok(&e.kubectl(&["create", "configmap", "watched", "--from-literal=a=1"]));
    wait_for("watched ");
    let _ = watcher.kill();
    let _ = watcher.wait();
}

#[test]
fn namespace_deletion_removes_its_content() {
    let e = Enclave::start();
    ok(&e.kubectl(&["create", "namespace", "doomed"]));
    ok(&e.kubectl(&[
        "-n",
        "doomed",
        "create",
        "configmap",
        "c",
        "--from-literal=a=b",
    ]));
    ok(&e.kubectl_stdin(&["-n", "doomed", "apply", "-f", "-"], SERVICE));
    let out = e.kubectl(&["delete", "namespace", "doomed", "--timeout=30s"]);
    assert_eq!(ok(&out).trim(), "namespace \"doomed\" deleted");
    let out = e.kubectl(&["get", "ns", "doomed"]);
    assert!(
        out.stderr.contains("namespaces \"doomed\" not found"),
        "{}",
        out.stderr
    );
    let out = e.kubectl(&["get", "configmaps", "-A", "-o", "name"]);
    assert!(!ok(&out).contains("configmap/c"), "{}", out.stdout);
}

#[test]
fn restart_restores_every_object() {
    // Controllers keep writing status while Enclave runs, so the comparison covers what
    // no controller touches: whole user objects, and the Deployment's identity and intent.
    let mut e = Enclave::start();
    ok(&e.kubectl(&["create", "namespace", "keep"]));
    ok(&e.kubectl(&[
        "-n",
        "keep",
        "create",
        "configmap",
        "shop",
        "--from-literal=a=1",
    ]));
    ok(&e.kubectl(&[
        "-n",
        "keep",
        "create",
        "secret",
        "generic",
        "pw",
        "--from-literal=p=s3cret",
    ]));
    ok(&e.kubectl_stdin(&["-n", "keep", "apply", "-f", "-"], DEPLOYMENT));
    let snapshot = |e: &Enclave| {
        let whole = ok(&e.kubectl(&[
            "-n",
            "keep",
            "get",
            "configmap/shop",
            "secret/pw",
            "-o",
            "json",
        ]))
        .to_string();
        let deploy = ok(&e.kubectl(&[
            "-n",
            "keep",
            "get",
            "deploy",
            "hackazon-shop",
            "-o",
            "jsonpath={.metadata.uid} {.metadata.creationTimestamp} {.metadata.generation} {.metadata.annotations} {.spec}",
        ]))
        .to_string();
        let whole: serde_json::Value = serde_json::from_str(&whole).unwrap();
        (whole["items"].clone(), deploy)
    };
    let before = snapshot(&e);
    assert_eq!(before.0.as_array().map(Vec::len), Some(2), "{:?}", before.0);
    e.restart();
    let after = snapshot(&e);
    assert_eq!(before, after);
    assert!(e.stop(), "enclave exits cleanly on SIGTERM");
}

#[test]
fn server_side_apply_tracks_managers_and_reports_conflicts() {
    let e = Enclave::start();
    let out = e.kubectl_stdin(&["apply", "--server-side", "-f", "-"], DEPLOYMENT);
    assert_eq!(
        ok(&out).trim(),
        "deployment.apps/hackazon-shop serverside-applied"
    );
    let out = e.kubectl_stdin(&["apply", "--server-side", "-f", "-"], DEPLOYMENT);
    assert_eq!(
        ok(&out).trim(),
        "deployment.apps/hackazon-shop serverside-applied"
    );
    let out = e.kubectl(&[
        "get",
        "deploy",
        "hackazon-shop",
        "-o",
        "jsonpath={.metadata.managedFields[0].manager} {.metadata.managedFields[0].operation} {.spec.template.spec.containers[0].ports[*].containerPort}",
    ]);
    assert_eq!(ok(&out), "kubectl Apply 80");
    ok(&e.kubectl(&["scale", "deploy", "hackazon-shop", "--replicas=3"]));
    let other = DEPLOYMENT.replace("replicas: 2", "replicas: 4");
    let out = e.kubectl_stdin(
        &[
            "apply",
            "--server-side",
            "--field-manager=team-b",
            "-f",
            "-",
        ],
        &other,
    );
    assert!(!out.ok);
    assert!(out.stderr.contains("Apply failed with"), "{}", out.stderr);
    assert!(out.stderr.contains(".spec.replicas"), "{}", out.stderr);
    let out = e.kubectl_stdin(
        &[
            "apply",
            "--server-side",
            "--field-manager=team-b",
            "--force-conflicts",
            "-f",
            "-",
        ],
        &other,
    );
    ok(&out);
    let out = e.kubectl(&[
        "get",
        "deploy",
        "hackazon-shop",
        "-o",
        "jsonpath={.spec.replicas}",
    ]);
    assert_eq!(ok(&out), "4");
}
