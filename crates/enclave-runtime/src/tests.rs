//! Unit tests of the runtime's pure decisions over real pod manifests: addresses, status,
//! environment, QoS, probes, node objects.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use crate::addresses::{AddressError, AllocatorState, Ipv4Cidr};
use crate::env::{self, EnvSources, PodFacts};
use crate::probe::{ProbeAction, ProbeKind, ProbeSpec, ProbeTracker};
use crate::status::{self, ContainerModel, PodModel, RestartPolicy, RunState, Terminated};

fn pod(yaml: &str) -> Pod {
    match serde_saphyr::from_str::<Pod>(yaml) {
        Ok(p) => p,
        Err(e) => panic!("pod YAML: {e}"),
    }
}

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap_or(Ipv4Addr::UNSPECIFIED)
}

fn pool() -> Ipv4Cidr {
    match "10.244.0.0/19".parse() {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn cidr_parsing() {
    assert_eq!(pool().to_string(), "10.244.0.0/19");
    assert_eq!(pool().size(), 8192);
    assert!(pool().contains(ip("10.244.31.255")));
    assert!(!pool().contains(ip("10.244.32.0")));
    assert!(
        "10.244.0.1/19".parse::<Ipv4Cidr>().is_err(),
        "host bits set"
    );
    assert!("10.244.0.0/33".parse::<Ipv4Cidr>().is_err());
    assert!("nonsense".parse::<Ipv4Cidr>().is_err());
}

#[test]
fn namespaces_get_their_own_subnets_and_pods_start_at_dot_two() {
    let Ok(mut a) = AllocatorState::new(pool(), 28) else {
        panic!("allocator");
    };
    let first = a.allocate("shop", "uid-1");
    assert_eq!(first, Ok(ip("10.244.0.2")), ".1 is the segment gateway");
    assert_eq!(a.allocate("shop", "uid-2"), Ok(ip("10.244.0.3")));
    assert_eq!(
        a.allocate("shop", "uid-1"),
        Ok(ip("10.244.0.2")),
        "stable per pod"
    );
    assert_eq!(
        a.allocate("other", "uid-3"),
        Ok(ip("10.244.0.18")),
        "next /28 for another namespace"
    );
    // A /28 holds 13 pods (.2-.14); the 14th takes a new subnet.
    for n in 3..=13 {
        assert!(a.allocate("shop", &format!("uid-shop-{n}")).is_ok());
    }
    assert_eq!(a.allocate("shop", "uid-14"), Ok(ip("10.244.0.34")));
    assert_eq!(
        a.subnets_of("shop")
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["10.244.0.0/28", "10.244.0.32/28"]
    );
    // Released addresses are reused first.
    a.release("uid-2");
    assert_eq!(a.allocate("shop", "uid-15"), Ok(ip("10.244.0.3")));
}

#[test]
fn restore_keeps_addresses_across_a_restart_and_refuses_conflicts() {
    let Ok(mut a) = AllocatorState::new(pool(), 28) else {
        panic!("allocator");
    };
    assert_eq!(a.restore("shop", "uid-7", ip("10.244.1.5")), Ok(()));
    assert_eq!(a.allocate("shop", "uid-7"), Ok(ip("10.244.1.5")));
    // The restored subnet belongs to the namespace; new pods fill it first.
    assert_eq!(a.allocate("shop", "uid-8"), Ok(ip("10.244.1.2")));
    let taken = a.restore("shop", "uid-9", ip("10.244.1.5"));
    assert!(matches!(taken, Err(AddressError::Unavailable { .. })));
    let other_namespace = a.restore("web", "uid-10", ip("10.244.1.6"));
    assert!(matches!(
        other_namespace,
        Err(AddressError::Unavailable { .. })
    ));
    let gateway = a.restore("web", "uid-11", ip("10.244.2.1"));
    assert!(matches!(gateway, Err(AddressError::Unavailable { .. })));
    let outside = a.restore("web", "uid-12", ip("192.168.0.2"));
    assert!(matches!(outside, Err(AddressError::Unavailable { .. })));
    // Fresh allocations never land on a restored address.
    let fresh = a.allocate("web", "uid-13");
    assert!(fresh.is_ok_and(|f| f != ip("10.244.1.5") && pool().contains(f)));
}

#[test]
fn a_full_pool_is_an_error_not_a_panic() {
    let Ok(small) = "10.0.0.0/27".parse::<Ipv4Cidr>() else {
        panic!("cidr");
    };
    let Ok(mut a) = AllocatorState::new(small, 28) else {
        panic!("allocator");
    };
    for n in 0..26 {
        assert!(
            a.allocate(&format!("ns-{}", n / 13), &format!("uid-{n}"))
                .is_ok()
        );
    }
    assert!(matches!(
        a.allocate("ns-0", "uid-x"),
        Err(AddressError::Exhausted { .. })
    ));
    assert!(matches!(
        a.allocate("ns-9", "uid-y"),
        Err(AddressError::Exhausted { .. })
    ));
    assert!(
        AllocatorState::new(small, 26).is_err(),
        "subnet larger than the pool"
    );
    assert!(AllocatorState::new(small, 31).is_err(), "no room for pods");
}

const WEB_POD: &str = r#"
apiVersion: v1
kind: Pod
metadata:
  name: web-abc
  namespace: shop
  uid: 0f6b1e3c-1111-2222-3333-444455556666
  labels:
    app: web
    tier: front
  annotations:
    owner: team-a
spec:
  nodeName: esxi-1
  serviceAccountName: web-sa
  restartPolicy: Always
  initContainers:
  - name: migrate
    image: busybox:1.36
  containers:
  - name: web
    image: nginx
    command: ["/bin/serve", "--port=$(PORT)", "--name=$(POD_NAME)", "--literal=$$(PORT)", "--missing=$(NOPE)"]
    ports:
    - name: http
      containerPort: 8080
    envFrom:
    - configMapRef:
        name: settings
      prefix: CFG_
    - secretRef:
        name: optional-secret
        optional: true
    env:
    - name: PORT
      value: "8080"
    - name: URL
      value: "http://$(POD_IP):$(PORT)/"
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: POD_NAMESPACE
      valueFrom:
        fieldRef:
          fieldPath: metadata.namespace
    - name: POD_UID
      valueFrom:
        fieldRef:
          fieldPath: metadata.uid
    - name: APP
      valueFrom:
        fieldRef:
          fieldPath: metadata.labels['app']
    - name: OWNER
      valueFrom:
        fieldRef:
          fieldPath: metadata.annotations['owner']
    - name: POD_IP
      valueFrom:
        fieldRef:
          fieldPath: status.podIP
    - name: HOST_IP
      valueFrom:
        fieldRef:
          fieldPath: status.hostIP
    - name: NODE
      valueFrom:
        fieldRef:
          fieldPath: spec.nodeName
    - name: SA
      valueFrom:
        fieldRef:
          fieldPath: spec.serviceAccountName
    - name: COLOR
      valueFrom:
        configMapKeyRef:
          name: settings
          key: color
    - name: PASSWORD
      valueFrom:
        secretKeyRef:
          name: creds
          key: password
    - name: MEM_LIMIT_MI
      valueFrom:
        resourceFieldRef:
          resource: limits.memory
          divisor: 1Mi
    - name: CFG_color
      value: overridden
    resources:
      limits:
        memory: 256Mi
    readinessProbe:
      httpGet:
        path: /ready
        port: http
        httpHeaders:
        - name: X-Probe
          value: "yes"
      periodSeconds: 2
      successThreshold: 2
      failureThreshold: 1
    livenessProbe:
      tcpSocket:
        port: 8080
      initialDelaySeconds: 5
    startupProbe:
      exec:
        command: ["true"]
"#;

fn sources() -> EnvSources {
    let mut sources = EnvSources::default();
    sources.config_maps.insert(
        "settings".into(),
        Some(BTreeMap::from([
            ("color".to_string(), "blue".to_string()),
            ("bad key".to_string(), "skipped".to_string()),
        ])),
    );
    sources.secrets.insert(
        "creds".into(),
        Some(BTreeMap::from([(
            "password".to_string(),
            "s3cret".to_string(),
        )])),
    );
    sources.secrets.insert("optional-secret".into(), None);
    sources
}

fn facts(pod: &Pod) -> PodFacts<'_> {
    PodFacts {
        pod,
        pod_ip: "10.244.0.2",
        host_ip: "10.15.0.11",
        node_cpu: "16",
        node_memory: "64Gi",
    }
}

#[test]
fn environment_resolves_like_kubelet() {
    let p = pod(WEB_POD);
    let Some(container) = p.spec.as_ref().and_then(|s| s.containers.first()).cloned() else {
        panic!("container");
    };
    let (config_maps, secrets) = env::referenced_sources(&container);
    assert_eq!(config_maps.into_iter().collect::<Vec<_>>(), ["settings"]);
    assert_eq!(
        secrets.into_iter().collect::<Vec<_>>(),
        ["creds", "optional-secret"]
    );
    let resolved = env::resolve_env(facts(&p), &container, &sources());
    let Ok(resolved) = resolved else {
        panic!("env: {resolved:?}");
    };
    let map: HashMap<&str, &str> = resolved
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        map.get("CFG_color"),
        Some(&"overridden"),
        "env overrides envFrom"
    );
    assert_eq!(
        resolved.first().map(|(k, _)| k.as_str()),
        Some("CFG_color"),
        "envFrom first"
    );
    assert!(
        !map.contains_key("CFG_bad key"),
        "invalid names from envFrom are skipped"
    );
    assert_eq!(map.get("PORT"), Some(&"8080"));
    // POD_IP is defined after URL: kubelet leaves the reference as written.
    assert_eq!(map.get("URL"), Some(&"http://$(POD_IP):8080/"));
    assert_eq!(map.get("POD_NAME"), Some(&"web-abc"));
    assert_eq!(map.get("POD_NAMESPACE"), Some(&"shop"));
    assert_eq!(
        map.get("POD_UID"),
        Some(&"0f6b1e3c-1111-2222-3333-444455556666")
    );
    assert_eq!(map.get("APP"), Some(&"web"));
    assert_eq!(map.get("OWNER"), Some(&"team-a"));
    assert_eq!(map.get("POD_IP"), Some(&"10.244.0.2"));
    assert_eq!(map.get("HOST_IP"), Some(&"10.15.0.11"));
    assert_eq!(map.get("NODE"), Some(&"esxi-1"));
    assert_eq!(map.get("SA"), Some(&"web-sa"));
    assert_eq!(map.get("COLOR"), Some(&"blue"));
    assert_eq!(map.get("PASSWORD"), Some(&"s3cret"));
    assert_eq!(map.get("MEM_LIMIT_MI"), Some(&"256"));
    let command = env::expand_all(container.command.as_deref().unwrap_or_default(), &resolved);
    assert_eq!(
        command,
        [
            "/bin/serve",
            "--port=8080",
            "--name=web-abc",
            "--literal=$(PORT)",
            "--missing=$(NOPE)"
        ]
    );
}

#[test]
fn missing_references_give_kubelets_errors() {
    let p = pod(WEB_POD);
    let Some(container) = p.spec.as_ref().and_then(|s| s.containers.first()).cloned() else {
        panic!("container");
    };
    let mut no_config_map = sources();
    no_config_map.config_maps.insert("settings".into(), None);
    assert_eq!(
        env::resolve_env(facts(&p), &container, &no_config_map),
        Err("configmap \"settings\" not found".into())
    );
    let mut no_key = sources();
    no_key.secrets.insert("creds".into(), Some(BTreeMap::new()));
    assert_eq!(
        env::resolve_env(facts(&p), &container, &no_key),
        Err("couldn't find key password in Secret shop/creds".into())
    );
    let mut no_secret = sources();
    no_secret.secrets.insert("creds".into(), None);
    assert_eq!(
        env::resolve_env(facts(&p), &container, &no_secret),
        Err("secret \"creds\" not found".into())
    );
}

#[test]
fn expansion_edge_cases() {
    let lookup = |name: &str| (name == "A").then(|| "x".to_string());
    assert_eq!(env::expand("$(A)$(A)", lookup), "xx");
    assert_eq!(env::expand("$$(A)", lookup), "$(A)");
    assert_eq!(env::expand("$(A", lookup), "$(A");
    assert_eq!(env::expand("cost: $5", lookup), "cost: $5");
    assert_eq!(env::expand("end$", lookup), "end$");
    assert_eq!(env::expand("$()", lookup), "$()");
}

#[test]
fn probes_read_from_the_spec() {
    let p = pod(WEB_POD);
    let Some(container) = p.spec.as_ref().and_then(|s| s.containers.first()).cloned() else {
        panic!("container");
    };
    let probes = ProbeSpec::of_container(&container);
    let kinds: Vec<ProbeKind> = probes.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [
            ProbeKind::Startup,
            ProbeKind::Readiness,
            ProbeKind::Liveness
        ]
    );
    assert!(
        matches!(&probes[0].action, ProbeAction::Unsupported(m) if m.contains("exec probes are not supported"))
    );
    assert_eq!(
        probes[1].action,
        ProbeAction::Http {
            port: 8080,
            path: "/ready".into(),
            headers: vec![("X-Probe".into(), "yes".into())],
            host: None,
            https: false,
        },
        "the named port resolves through the container's ports"
    );
    assert_eq!(probes[1].period, Duration::from_secs(2));
    assert_eq!(
        (probes[1].success_threshold, probes[1].failure_threshold),
        (2, 1)
    );
    assert_eq!(probes[2].action, ProbeAction::Tcp { port: 8080 });
    assert_eq!(probes[2].initial_delay, Duration::from_secs(5));
    assert_eq!(probes[2].period, Duration::from_secs(10), "default period");
    assert_eq!(probes[2].timeout, Duration::from_secs(1), "default timeout");
    assert_eq!(probes[2].failure_threshold, 3, "default failure threshold");
}

#[test]
fn probe_results_change_only_after_their_thresholds() {
    let p = pod(WEB_POD);
    let Some(container) = p.spec.as_ref().and_then(|s| s.containers.first()).cloned() else {
        panic!("container");
    };
    let probes = ProbeSpec::of_container(&container);
    let readiness = &probes[1];
    let mut tracker = ProbeTracker::new(ProbeKind::Readiness);
    assert_eq!(
        tracker.result,
        Some(false),
        "not ready before the first probe"
    );
    assert!(!tracker.record(true, readiness), "one success of two");
    assert!(tracker.record(true, readiness), "second success: ready");
    assert_eq!(tracker.result, Some(true));
    assert!(tracker.record(false, readiness), "failure threshold 1");
    assert_eq!(tracker.result, Some(false));
    let liveness = &probes[2];
    let mut alive = ProbeTracker::new(ProbeKind::Liveness);
    assert_eq!(alive.result, Some(true));
    assert!(!alive.record(false, liveness));
    assert!(!alive.record(false, liveness));
    assert!(!alive.record(true, liveness), "a success resets the run");
    assert!(!alive.record(false, liveness));
    assert!(!alive.record(false, liveness));
    assert!(alive.record(false, liveness), "third consecutive failure");
    assert_eq!(alive.result, Some(false));
    assert_eq!(ProbeTracker::new(ProbeKind::Startup).result, None);
}

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + second).unwrap_or_default()
}

fn terminated(code: i32, reason: &str) -> Terminated {
    Terminated {
        exit_code: code,
        reason: reason.into(),
        message: None,
        started_at: at(0),
        finished_at: at(5),
        container_id: "containerd://abc".into(),
    }
}

fn model(
    init: Vec<ContainerModel>,
    containers: Vec<ContainerModel>,
    policy: RestartPolicy,
) -> PodModel {
    PodModel {
        init,
        containers,
        restart_policy: policy,
        pod_ip: Some(ip("10.244.0.2")),
        host_ip: Some(ip("10.15.0.11")),
        start_time: Some(at(0)),
        qos_class: "BestEffort",
        sandbox_ready: true,
        terminal: false,
        transitions: [None; 4],
        other_conditions: vec![
            json!({"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2023-11-14T22:13:20Z"}),
        ],
    }
}

fn running(name: &str, ready: bool) -> ContainerModel {
    ContainerModel {
        state: RunState::Running { started_at: at(1) },
        ready,
        started: true,
        container_id: Some(format!("containerd://{name}")),
        ..ContainerModel::waiting(name, "nginx", "ContainerCreating")
    }
}

fn condition<'a>(status: &'a Value, kind: &str) -> &'a Value {
    status["conditions"]
        .as_array()
        .and_then(|list| list.iter().find(|c| c["type"] == kind))
        .unwrap_or(&Value::Null)
}

#[test]
fn a_creating_pod_is_pending_with_kubelets_conditions() {
    let mut m = model(
        vec![ContainerModel::waiting(
            "migrate",
            "busybox:1.36",
            "PodInitializing",
        )],
        vec![ContainerModel::waiting("web", "nginx", "PodInitializing")],
        RestartPolicy::Always,
    );
    let status = status::status_json(&mut m, at(2));
    assert_eq!(status["phase"], "Pending");
    let types: Vec<&str> = status["conditions"]
        .as_array()
        .map(|l| l.iter().filter_map(|c| c["type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        types,
        [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled"
        ]
    );
    assert_eq!(
        condition(&status, "PodReadyToStartContainers")["status"],
        "True"
    );
    assert_eq!(
        condition(&status, "Initialized"),
        &json!({"type": "Initialized", "status": "False", "lastProbeTime": null,
                "lastTransitionTime": "2023-11-14T22:13:22Z", "reason": "ContainersNotInitialized",
                "message": "containers with incomplete status: [migrate]"})
    );
    assert_eq!(
        condition(&status, "Ready")["message"],
        "containers with unready status: [web]"
    );
    assert_eq!(
        condition(&status, "ContainersReady")["reason"],
        "ContainersNotReady"
    );
    assert_eq!(status["podIP"], "10.244.0.2");
    assert_eq!(status["podIPs"], json!([{"ip": "10.244.0.2"}]));
    assert_eq!(status["hostIP"], "10.15.0.11");
    assert_eq!(status["startTime"], "2023-11-14T22:13:20Z");
    assert_eq!(status["qosClass"], "BestEffort");
    assert_eq!(
        status["containerStatuses"][0],
        json!({"name": "web", "state": {"waiting": {"reason": "PodInitializing"}}, "lastState": {},
               "ready": false, "restartCount": 0, "image": "docker.io/library/nginx:latest",
               "imageID": "", "started": false})
    );
    assert_eq!(
        status["initContainerStatuses"][0]["image"],
        "docker.io/library/busybox:1.36"
    );
}

#[test]
fn a_running_ready_pod_and_transition_times() {
    let mut m = model(
        vec![ContainerModel {
            state: RunState::Terminated(terminated(0, "Completed")),
            ready: true,
            container_id: Some("containerd://init".into()),
            ..ContainerModel::waiting("migrate", "busybox:1.36", "PodInitializing")
        }],
        vec![running("web", false)],
        RestartPolicy::Always,
    );
    let first = status::status_json(&mut m, at(10));
    assert_eq!(first["phase"], "Running");
    assert_eq!(condition(&first, "Initialized")["status"], "True");
    assert_eq!(condition(&first, "Ready")["status"], "False");
    m.containers[0].ready = true;
    let second = status::status_json(&mut m, at(20));
    assert_eq!(condition(&second, "Ready")["status"], "True");
    assert_eq!(
        condition(&second, "Ready")["lastTransitionTime"],
        "2023-11-14T22:13:40Z"
    );
    assert_eq!(
        condition(&second, "Initialized")["lastTransitionTime"],
        "2023-11-14T22:13:30Z",
        "unchanged conditions keep their transition time"
    );
    let web = &second["containerStatuses"][0];
    assert_eq!(
        web["state"],
        json!({"running": {"startedAt": "2023-11-14T22:13:21Z"}})
    );
    assert_eq!(web["started"], true);
    assert!(
        web["imageID"]
            .as_str()
            .is_some_and(|id| id.starts_with("docker.io/library/nginx@sha256:")
                && id.len() == "docker.io/library/nginx@sha256:".len() + 64)
    );
    assert_eq!(web["containerID"], "containerd://web");
}

#[test]
fn phases_follow_kubelets_get_phase() {
    let crash_looping = ContainerModel {
        state: RunState::Waiting {
            reason: "CrashLoopBackOff".into(),
            message: Some(
                "back-off 10s restarting failed container=web pod=web-abc_shop(uid)".into(),
            ),
        },
        last: Some(terminated(1, "Error")),
        restart_count: 2,
        ..ContainerModel::waiting("web", "nginx", "ContainerCreating")
    };
    let mut m = model(vec![], vec![crash_looping], RestartPolicy::Always);
    let status = status::status_json(&mut m, at(30));
    assert_eq!(
        status["phase"], "Running",
        "a crash-looping container counts as stopped"
    );
    assert_eq!(
        status["containerStatuses"][0]["lastState"]["terminated"],
        json!({"exitCode": 1, "reason": "Error", "startedAt": "2023-11-14T22:13:20Z",
               "finishedAt": "2023-11-14T22:13:25Z", "containerID": "containerd://abc"})
    );
    assert_eq!(status["containerStatuses"][0]["restartCount"], 2);

    let done = |code: i32, name: &str| ContainerModel {
        state: RunState::Terminated(terminated(
            code,
            if code == 0 { "Completed" } else { "Error" },
        )),
        ..ContainerModel::waiting(name, "busybox", "ContainerCreating")
    };
    let mut succeeded = model(
        vec![],
        vec![done(0, "a"), done(0, "b")],
        RestartPolicy::Never,
    );
    succeeded.terminal = true;
    succeeded.sandbox_ready = false;
    let status = status::status_json(&mut succeeded, at(40));
    assert_eq!(status["phase"], "Succeeded");
    assert_eq!(condition(&status, "Ready")["reason"], "PodCompleted");
    assert_eq!(
        condition(&status, "PodReadyToStartContainers")["status"],
        "False"
    );
    let failed = model(
        vec![],
        vec![done(0, "a"), done(3, "b")],
        RestartPolicy::Never,
    );
    assert_eq!(status::phase(&failed), "Failed");
    let on_failure = model(
        vec![],
        vec![done(0, "a"), done(3, "b")],
        RestartPolicy::OnFailure,
    );
    assert_eq!(
        status::phase(&on_failure),
        "Running",
        "OnFailure restarts the failed one"
    );
    let init_failed = model(
        vec![done(1, "migrate")],
        vec![ContainerModel::waiting("web", "nginx", "PodInitializing")],
        RestartPolicy::Never,
    );
    assert_eq!(status::phase(&init_failed), "Failed");
    let init_retrying = model(
        vec![ContainerModel {
            last: Some(terminated(1, "Error")),
            ..ContainerModel::waiting("migrate", "busybox", "CrashLoopBackOff")
        }],
        vec![ContainerModel::waiting("web", "nginx", "PodInitializing")],
        RestartPolicy::Always,
    );
    assert_eq!(status::phase(&init_retrying), "Pending");
    let start_error = ContainerModel {
        state: RunState::Waiting {
            reason: "RunContainerError".into(),
            message: Some("bind failed".into()),
        },
        last: Some(terminated(128, "StartError")),
        ..ContainerModel::waiting("web", "nginx", "ContainerCreating")
    };
    let m = model(vec![], vec![start_error], RestartPolicy::Always);
    assert_eq!(status::phase(&m), "Running");
}

#[test]
fn qos_classes() {
    let best_effort =
        pod("metadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx\n");
    assert_eq!(status::qos_class(&best_effort), "BestEffort");
    let guaranteed = pod(
        "metadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx\n    resources:\n      limits: {cpu: 500m, memory: 128Mi}\n",
    );
    assert_eq!(
        status::qos_class(&guaranteed),
        "Guaranteed",
        "requests default to limits"
    );
    let burstable = pod(
        "metadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx\n    resources:\n      requests: {cpu: 100m}\n      limits: {cpu: 500m, memory: 128Mi}\n",
    );
    assert_eq!(status::qos_class(&burstable), "Burstable");
    assert_eq!(status::qos_class(&pod(WEB_POD)), "Burstable");
}

#[test]
fn image_names_as_the_container_runtime_reports_them() {
    assert_eq!(
        status::normalize_image("nginx"),
        "docker.io/library/nginx:latest"
    );
    assert_eq!(
        status::normalize_image("nginx:1.27"),
        "docker.io/library/nginx:1.27"
    );
    assert_eq!(
        status::normalize_image("ealen/echo-server"),
        "docker.io/ealen/echo-server:latest"
    );
    assert_eq!(
        status::normalize_image("registry.k8s.io/e2e-test-images/agnhost:2.52"),
        "registry.k8s.io/e2e-test-images/agnhost:2.52"
    );
    assert_eq!(
        status::normalize_image("localhost:5000/shop"),
        "localhost:5000/shop:latest"
    );
    assert!(status::image_id("nginx:1.27").starts_with("docker.io/library/nginx@sha256:"));
    assert_eq!(
        status::image_id("nginx"),
        status::image_id("docker.io/library/nginx:latest")
    );
    assert_ne!(
        status::container_id("u", "web", 0),
        status::container_id("u", "web", 1)
    );
}

#[test]
fn node_and_lease_objects_decode_as_kubernetes_types() {
    let config = crate::RuntimeConfig::default();
    let node: Result<k8s_openapi::api::core::v1::Node, _> =
        serde_json::from_value(crate::node::node_json("esxi-2"));
    assert!(node.is_ok());
    let status = crate::node::node_status_json(&config, "esxi-2", at(0), at(10));
    let decoded: Result<k8s_openapi::api::core::v1::NodeStatus, _> =
        serde_json::from_value(status.clone());
    assert!(decoded.is_ok(), "{decoded:?}");
    assert_eq!(
        status["addresses"][0],
        json!({"type": "InternalIP", "address": "10.15.0.12"})
    );
    assert_eq!(
        status["capacity"],
        json!({"cpu": "16", "ephemeral-storage": "100Gi", "memory": "64Gi", "pods": "5000"})
    );
    assert_eq!(status["nodeInfo"]["kubeletVersion"], "v1.32.0");
    let ready = status["conditions"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["type"] == "Ready"))
        .cloned();
    assert_eq!(
        ready.map(|r| r["reason"].clone()),
        Some(json!("KubeletReady"))
    );
    let lease = crate::node::lease_json("esxi-2", Some("uid-1"), at(0));
    let decoded: Result<k8s_openapi::api::coordination::v1::Lease, _> =
        serde_json::from_value(lease.clone());
    assert!(decoded.is_ok(), "{decoded:?}");
    assert_eq!(lease["spec"]["renewTime"], "2023-11-14T22:13:20.000000Z");
    assert_eq!(lease["metadata"]["ownerReferences"][0]["kind"], "Node");
}
