//! Workloads end to end (issue 4): the seed's Deployment and Service through the real kubectl,
//! with the controllers, the scheduler and the vSphere Pod runtime of `enclave up`.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Enclave, Output};

const SEED_DEPLOYMENT: &str = include_str!("../../../../examples/hackazon/deployment.yaml");
const SEED_SERVICE: &str = include_str!("../../../../examples/hackazon/service.yaml");

fn ok(out: &Output) -> &str {
    assert!(out.ok, "kubectl failed: {}{}", out.stdout, out.stderr);
    &out.stdout
}

fn json(out: &Output) -> Value {
    serde_json::from_str(ok(out)).expect("kubectl printed JSON")
}

/// Polls `check` (a kubectl read) until it returns Some, for at most a minute.
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

/// Running, ready pods of the shop: name -> IP.
fn ready_pods(e: &Enclave, ns: &str) -> BTreeMap<String, String> {
    let pods = json(&e.kubectl(&[
        "-n",
        ns,
        "get",
        "pods",
        "-l",
        "app=hackazon-shop",
        "-o",
        "json",
    ]));
    pods["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p.pointer("/metadata/deletionTimestamp").is_none())
        .filter(|p| p.pointer("/status/phase").and_then(Value::as_str) == Some("Running"))
        .filter(|p| is_ready(p))
        .map(|p| {
            (
                p["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                p.pointer("/status/podIP")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

fn is_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// The seed's Deployment with a readiness probe on `/` (so that the access log has lines) and
/// `replicas` pods.
fn shop_deployment(replicas: u32, image: &str) -> String {
    SEED_DEPLOYMENT
        .replace("replicas: 2", &format!("replicas: {replicas}"))
        .replace(
            "image: projects.registry.vmware.com/tanzu_ese_poc/hackazon:1.0",
            &format!(
                "image: {image}\n        readinessProbe:\n          httpGet:\n            path: /\n            port: 80\n          periodSeconds: 1"
            ),
        )
}

fn deploy_shop(e: &Enclave, ns: &str) {
    ok(&e.kubectl(&["create", "namespace", ns]));
    ok(&e.kubectl_stdin(&["-n", ns, "apply", "-f", "-"], SEED_DEPLOYMENT));
    ok(&e.kubectl_stdin(&["-n", ns, "apply", "-f", "-"], SEED_SERVICE));
}

#[test]
fn seed_deployment_rolls_out_with_service_endpoints_and_events() {
    let e = Enclave::start();
    deploy_shop(&e, "shop");
    let status = e.kubectl(&[
        "-n",
        "shop",
        "rollout",
        "status",
        "deployment/hackazon-shop",
        "--timeout=60s",
    ]);
    assert!(
        ok(&status).contains("successfully rolled out"),
        "{}",
        status.stdout
    );

    let listing = ok(&e.kubectl(&["-n", "shop", "get", "deploy,po,svc"])).to_string();
    let deploy_line = listing
        .lines()
        .find(|l| l.starts_with("deployment.apps/hackazon-shop"))
        .expect("deployment line");
    assert!(deploy_line.contains("2/2"), "{listing}");
    let running = listing
        .lines()
        .filter(|l| {
            l.starts_with("pod/hackazon-shop-") && l.contains("1/1") && l.contains("Running")
        })
        .count();
    assert_eq!(running, 2, "{listing}");

    let svc = json(&e.kubectl(&["-n", "shop", "get", "svc", "hackazon-l4", "-o", "json"]));
    let ip: Ipv4Addr = svc["spec"]["clusterIP"]
        .as_str()
        .expect("clusterIP")
        .parse()
        .unwrap();
    assert_eq!(
        u32::from(ip) & 0xffff_fc00,
        u32::from(Ipv4Addr::new(10, 96, 0, 0)),
        "{ip}"
    );
    let svc_line = listing
        .lines()
        .find(|l| l.starts_with("service/hackazon-l4"))
        .unwrap();
    assert!(
        svc_line.contains(&ip.to_string()) && svc_line.contains("80/TCP"),
        "{listing}"
    );

    // Endpoints list both pod IPs on port 80.
    let pods = ready_pods(&e, "shop");
    assert_eq!(pods.len(), 2);
    let endpoints = eventually("endpoints of both pods", || {
        let ep = json(&e.kubectl(&[
            "-n",
            "shop",
            "get",
            "endpoints",
            "hackazon-l4",
            "-o",
            "json",
        ]));
        let ips: Vec<String> = ep
            .pointer("/subsets/0/addresses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a["ip"].as_str().map(str::to_string))
            .collect();
        (ips.len() == 2).then_some(ep)
    });
    let mut ips: Vec<&str> = endpoints["subsets"][0]["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["ip"].as_str().unwrap())
        .collect();
    ips.sort();
    let mut pod_ips: Vec<&str> = pods.values().map(String::as_str).collect();
    pod_ips.sort();
    assert_eq!(ips, pod_ips);
    assert_eq!(endpoints["subsets"][0]["ports"][0]["port"], 80);
    for ip in &pod_ips {
        let ip: Ipv4Addr = ip.parse().unwrap();
        assert_eq!(
            u32::from(ip) & 0xffff_e000,
            u32::from(Ipv4Addr::new(10, 244, 0, 0)),
            "{ip}"
        );
    }
    let table = ok(&e.kubectl(&["-n", "shop", "get", "endpoints", "hackazon-l4"])).to_string();
    assert!(table.contains(":80"), "{table}");

    // describe shows the controllers' and the kubelet's events.
    let described =
        ok(&e.kubectl(&["-n", "shop", "describe", "deployment", "hackazon-shop"])).to_string();
    assert!(described.contains("ScalingReplicaSet"), "{described}");
    let pod = pods.keys().next().unwrap();
    let described = ok(&e.kubectl(&["-n", "shop", "describe", "pod", pod])).to_string();
    for reason in ["Scheduled", "Pulled", "Created", "Started"] {
        assert!(
            described.contains(reason),
            "{reason} missing in {described}"
        );
    }
}

#[test]
fn deleted_pod_is_replaced_and_logs_show_the_access_log() {
    let e = Enclave::start();
    ok(&e.kubectl(&["create", "namespace", "shop"]));
    ok(&e.kubectl_stdin(
        &["-n", "shop", "apply", "-f", "-"],
        &shop_deployment(2, "projects.registry.vmware.com/tanzu_ese_poc/hackazon:1.0"),
    ));
    ok(&e.kubectl(&[
        "-n",
        "shop",
        "rollout",
        "status",
        "deployment/hackazon-shop",
        "--timeout=60s",
    ]));
    let before = ready_pods(&e, "shop");
    let victim = before.keys().next().unwrap().clone();

    // The readiness probe's requests show in the web shop's access log.
    let log = eventually("access log lines", || {
        let out = e.kubectl(&["-n", "shop", "logs", &victim]);
        (out.ok && out.stdout.contains("GET / ")).then_some(out.stdout)
    });
    assert!(log.contains("kube-probe/"), "{log}");
    let tail = ok(&e.kubectl(&["-n", "shop", "logs", &victim, "--tail=1"])).to_string();
    assert_eq!(tail.lines().count(), 1, "{tail}");
    let by_deploy = e.kubectl(&["-n", "shop", "logs", "deployment/hackazon-shop"]);
    assert!(ok(&by_deploy).contains("GET / "), "{}", by_deploy.stdout);

    ok(&e.kubectl(&["-n", "shop", "delete", "pod", &victim]));
    let after = eventually("a replacement pod", || {
        let now = ready_pods(&e, "shop");
        (now.len() == 2 && !now.contains_key(&victim)).then_some(now)
    });
    assert_eq!(after.len(), 2);
    let gone = e.kubectl(&["-n", "shop", "get", "pod", &victim]);
    assert!(
        !gone.ok && gone.stderr.contains("NotFound"),
        "{}",
        gone.stderr
    );
}

#[test]
fn image_change_rolls_out_without_losing_availability() {
    let e = Enclave::start();
    ok(&e.kubectl(&["create", "namespace", "shop"]));
    ok(&e.kubectl_stdin(
        &["-n", "shop", "apply", "-f", "-"],
        &shop_deployment(4, "projects.registry.vmware.com/tanzu_ese_poc/hackazon:1.0"),
    ));
    ok(&e.kubectl(&[
        "-n",
        "shop",
        "rollout",
        "status",
        "deployment/hackazon-shop",
        "--timeout=60s",
    ]));

    // Watch every pod change during the rollout and track how many pods are ready.
    let mut watcher = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(e.admin_kubeconfig())
        .args([
            "-n",
            "shop",
            "get",
            "pods",
            "-w",
            "--output-watch-events",
            "-o",
            "json",
        ])
        .env("HOME", e.home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = watcher.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for event in
            serde_json::Deserializer::from_reader(BufReader::new(stdout)).into_iter::<Value>()
        {
            let Ok(event) = event else { break };
            if tx.send(event).is_err() {
                break;
            }
        }
    });
    let mut ready: BTreeMap<String, bool> = BTreeMap::new();
    // The initial state: 4 ready pods (the watch starts with ADDED events for them).
    while ready.values().filter(|r| **r).count() < 4 {
        let event = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("initial pods");
        let pod = &event["object"];
        ready.insert(
            pod["metadata"]["name"].as_str().unwrap().into(),
            is_ready(pod),
        );
    }

    ok(&e.kubectl(&[
        "-n",
        "shop",
        "set",
        "image",
        "deployment/hackazon-shop",
        "hackazon-shop=projects.registry.vmware.com/tanzu_ese_poc/hackazon:1.1",
    ]));
    let rollout = std::thread::spawn({
        let kubeconfig = e.admin_kubeconfig();
        let home = e.home.path().to_path_buf();
        move || {
            Command::new("kubectl")
                .arg("--kubeconfig")
                .arg(kubeconfig)
                .args([
                    "-n",
                    "shop",
                    "rollout",
                    "status",
                    "deployment/hackazon-shop",
                    "--timeout=90s",
                ])
                .env("HOME", home)
                .output()
                .unwrap()
        }
    });
    // maxUnavailable defaults to 25% of 4 = 1: at least 3 pods are ready at every moment.
    let mut lowest = 4;
    let mut new_ready = 0;
    while new_ready < 4 {
        let event = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("rollout events");
        let pod = &event["object"];
        let name = pod["metadata"]["name"].as_str().unwrap().to_string();
        let live =
            event["type"] != "DELETED" && pod.pointer("/metadata/deletionTimestamp").is_none();
        ready.insert(name, live && is_ready(pod));
        lowest = lowest.min(ready.values().filter(|r| **r).count());
        new_ready = ready_pods(&e, "shop").len().min(
            json(&e.kubectl(&["-n", "shop", "get", "deploy", "hackazon-shop", "-o", "json"]))
                .pointer("/status/updatedReplicas")
                .and_then(Value::as_u64)
                .unwrap_or(0) as usize,
        );
    }
    let status = rollout.join().unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(
        lowest >= 3,
        "only {lowest} pods were ready at one moment of the rollout"
    );
    let _ = watcher.kill();
    let _ = watcher.wait();

    let images: Vec<String> =
        json(&e.kubectl(&["-n", "shop", "get", "pods", "-o", "json"]))["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p.pointer("/metadata/deletionTimestamp").is_none())
            .map(|p| {
                p["spec"]["containers"][0]["image"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
    assert!(images.iter().all(|i| i.ends_with(":1.1")), "{images:?}");
    let history = ok(&e.kubectl(&[
        "-n",
        "shop",
        "rollout",
        "history",
        "deployment/hackazon-shop",
    ]))
    .to_string();
    assert!(history.contains('1') && history.contains('2'), "{history}");
    ok(&e.kubectl(&["-n", "shop", "rollout", "undo", "deployment/hackazon-shop"]));
    ok(&e.kubectl(&[
        "-n",
        "shop",
        "rollout",
        "status",
        "deployment/hackazon-shop",
        "--timeout=90s",
    ]));
    let image = json(&e.kubectl(&["-n", "shop", "get", "deploy", "hackazon-shop", "-o", "json"]))
        ["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(image.ends_with(":1.0"), "{image}");
    ok(&e.kubectl(&[
        "-n",
        "shop",
        "wait",
        "--for=condition=Available",
        "deployment/hackazon-shop",
        "--timeout=60s",
    ]));
}

#[test]
fn scaling_and_namespace_deletion_remove_everything() {
    let e = Enclave::start();
    deploy_shop(&e, "shop");
    ok(&e.kubectl(&[
        "-n",
        "shop",
        "scale",
        "deployment/hackazon-shop",
        "--replicas=3",
    ]));
    ok(&e.kubectl(&[
        "-n",
        "shop",
        "rollout",
        "status",
        "deployment/hackazon-shop",
        "--timeout=60s",
    ]));
    eventually("3 ready pods", || {
        (ready_pods(&e, "shop").len() == 3).then_some(())
    });
    ok(&e.kubectl(&[
        "-n",
        "shop",
        "scale",
        "deployment/hackazon-shop",
        "--replicas=1",
    ]));
    eventually("1 pod left", || {
        let pods = json(&e.kubectl(&["-n", "shop", "get", "pods", "-o", "json"]));
        (pods["items"].as_array().map(Vec::len) == Some(1)).then_some(())
    });
    // kubectl waits until the namespace is gone.
    ok(&e.kubectl(&["delete", "namespace", "shop", "--timeout=90s"]));
    let left =
        ok(&e.kubectl(&["get", "pods,rs,deploy,svc,endpoints", "-A", "-o", "json"])).to_string();
    assert!(!left.contains("\"namespace\": \"shop\""), "{left}");
}

#[test]
fn bad_specs_are_rejected_with_kube_messages() {
    let e = Enclave::start();
    ok(&e.kubectl(&["create", "namespace", "shop"]));
    let no_selector = SEED_DEPLOYMENT.replace(
        "  selector:\n    matchLabels:\n      app: hackazon-shop\n",
        "",
    );
    let out = e.kubectl_stdin(&["-n", "shop", "apply", "-f", "-"], &no_selector);
    assert!(
        !out.ok && out.stderr.contains("spec.selector: Required value"),
        "{}",
        out.stderr
    );
    let mismatch = SEED_DEPLOYMENT.replace(
        "      app: hackazon-shop\n  template",
        "      app: other\n  template",
    );
    let out = e.kubectl_stdin(&["-n", "shop", "apply", "-f", "-"], &mismatch);
    assert!(
        !out.ok
            && out
                .stderr
                .contains("`selector` does not match template `labels`"),
        "{}",
        out.stderr
    );
    let bad_port = SEED_SERVICE.replace("- port: 80", "- port: 70000");
    let out = e.kubectl_stdin(&["-n", "shop", "apply", "-f", "-"], &bad_port);
    assert!(
        !out.ok
            && out
                .stderr
                .contains("must be between 1 and 65535, inclusive"),
        "{}",
        out.stderr
    );
    // An image outside the catalogue is not an error: it runs the default HTTP server.
    ok(&e.kubectl(&[
        "-n",
        "shop",
        "create",
        "deployment",
        "plain",
        "--image=example.com/unknown:1",
        "--port=8080",
    ]));
    ok(&e.kubectl(&[
        "-n",
        "shop",
        "rollout",
        "status",
        "deployment/plain",
        "--timeout=60s",
    ]));
}

/// The pod's phase-like STATUS column in `kubectl get pod`.
fn status_column(e: &Enclave, ns: &str, pod: &str) -> String {
    let out = e.kubectl(&["-n", ns, "get", "pod", pod, "--no-headers"]);
    ok(&out)
        .split_whitespace()
        .nth(2)
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_crashing_container_backs_off_and_keeps_its_previous_logs() {
    let e = Enclave::start();
    ok(&e.kubectl(&["create", "namespace", "crash"]));
    let pod = r#"
apiVersion: v1
kind: Pod
metadata:
  name: crasher
spec:
  containers:
  - name: main
    image: registry.k8s.io/e2e-test-images/agnhost:2.53
    args: ["no-such-subcommand"]
"#;
    ok(&e.kubectl_stdin(&["-n", "crash", "apply", "-f", "-"], pod));
    eventually("CrashLoopBackOff in kubectl get pod", || {
        (status_column(&e, "crash", "crasher") == "CrashLoopBackOff").then_some(())
    });
    let restarts = eventually("a restart count", || {
        let out = e.kubectl(&[
            "-n",
            "crash",
            "get",
            "pod",
            "crasher",
            "-o",
            "jsonpath={.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].lastState.terminated.exitCode}",
        ]);
        let text = ok(&out).to_string();
        let (count, code) = text.split_once(' ')?;
        let count: u32 = count.parse().ok()?;
        (count >= 1 && code == "1").then_some(count)
    });
    assert!(restarts >= 1);
    let previous = e.kubectl(&["-n", "crash", "logs", "crasher", "--previous"]);
    assert!(
        ok(&previous).contains(r#"Error: unknown command "no-such-subcommand" for "app""#),
        "{}",
        previous.stdout
    );
    let describe = e.kubectl(&["-n", "crash", "describe", "pod", "crasher"]);
    let text = ok(&describe);
    assert!(text.contains("BackOff"), "{text}");
    assert!(
        text.contains("Back-off restarting failed container main"),
        "{text}"
    );
}

#[test]
fn host_programs_see_the_downward_api_and_logs_follow_to_the_end() {
    let e = Enclave::start_with_args(&["--allow-host-processes"]);
    ok(&e.kubectl(&["create", "namespace", "host"]));
    let pod = r#"
apiVersion: v1
kind: Pod
metadata:
  name: printer
  labels:
    team: shop
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: ["/bin/sh", "-c"]
    args: ["echo name=$MY_NAME ns=$MY_NS ip=$MY_IP team=$MY_TEAM greeting=$GREETING; sleep 1; echo done"]
    env:
    - name: GREETING
      value: hello-$(MY_NAME)
    - name: MY_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: MY_NS
      valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
    - name: MY_IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
    - name: MY_TEAM
      valueFrom: {fieldRef: {fieldPath: "metadata.labels['team']"}}
"#;
    ok(&e.kubectl_stdin(&["-n", "host", "apply", "-f", "-"], pod));
    ok(&e.kubectl(&[
        "-n",
        "host",
        "wait",
        "--for=condition=Ready",
        "pod/printer",
        "--timeout=60s",
    ]));
    // `logs -f` streams until the container ends, then returns.
    let follow = e.kubectl(&["-n", "host", "logs", "-f", "printer"]);
    let ip = ok(&e.kubectl(&[
        "-n",
        "host",
        "get",
        "pod",
        "printer",
        "-o",
        "jsonpath={.status.podIP}",
    ]))
    .to_string();
    assert!(!ip.is_empty());
    // `$(MY_NAME)` is defined after GREETING, so kubelet leaves the reference as written.
    assert_eq!(
        ok(&follow),
        format!("name=printer ns=host ip={ip} team=shop greeting=hello-$(MY_NAME)\ndone\n")
    );
    eventually("the pod to succeed", || {
        (status_column(&e, "host", "printer") == "Completed").then_some(())
    });
}

#[test]
fn rollout_restart_replaces_every_pod_with_a_new_revision() {
    let e = Enclave::start();
    deploy_shop(&e, "shop");
    let before = ready_pods(&e, "shop");
    assert_eq!(before.len(), 2);
    ok(&e.kubectl(&[
        "-n",
        "shop",
        "rollout",
        "restart",
        "deployment/hackazon-shop",
    ]));
    let out = e.kubectl(&[
        "-n",
        "shop",
        "rollout",
        "status",
        "deployment/hackazon-shop",
        "--timeout=60s",
    ]);
    assert!(
        ok(&out).contains("successfully rolled out"),
        "{}",
        out.stdout
    );
    let after = eventually("two new ready pods and no old ones", || {
        let pods = ready_pods(&e, "shop");
        (pods.len() == 2 && pods.keys().all(|p| !before.contains_key(p))).then_some(pods)
    });
    assert_eq!(after.len(), 2);
    let history = e.kubectl(&[
        "-n",
        "shop",
        "rollout",
        "history",
        "deployment/hackazon-shop",
    ]);
    let revisions: Vec<&str> = ok(&history)
        .lines()
        .skip_while(|l| !l.starts_with("REVISION"))
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(revisions, ["1", "2"], "{}", history.stdout);
    let restarted_at = e.kubectl(&[
        "-n",
        "shop",
        "get",
        "deploy",
        "hackazon-shop",
        "-o",
        "jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}",
    ]);
    assert!(!ok(&restarted_at).is_empty());
}
