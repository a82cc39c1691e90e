//! The service-side controllers against a real API server in process (memory store): the
//! tests create Nodes and pods and act as the kubelet through the pods' status subresource.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::events::v1::Event;
use kube::Client;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use crate::{Config, Context, Error};

/// A client over a fresh API server in process.
pub(crate) async fn client() -> Client {
    let store: Arc<dyn enclave_store::Store> = Arc::new(enclave_store::memory::MemoryStore::new());
    let api = enclave_apiserver::ApiServer::new(
        store,
        Arc::new(enclave_apiserver::auth::AllowAuthenticated),
        enclave_apiserver::Config::default(),
    );
    enclave_apiserver::bootstrap(&api).await.unwrap();
    tokio::spawn(enclave_apiserver::run_namespace_finalizer(
        api.clone(),
        std::future::pending(),
    ));
    let service = enclave_apiserver::in_process_service(
        api,
        enclave_apiserver::auth::UserInfo::new(
            "system:kube-controller-manager",
            ["system:masters".to_string()],
        ),
    );
    Client::new(service, "default")
}

/// Starts one controller in the background; it stops when the test's runtime ends.
pub(crate) fn start<F>(client: &Client, config: Config, controller: fn(Context) -> F)
where
    F: Future<Output = Result<(), Error>> + Send + 'static,
{
    let context = Context {
        client: client.clone(),
        config: Arc::new(config),
    };
    tokio::spawn(async move {
        if let Err(error) = controller(context).await {
            panic!("controller failed: {error}");
        }
    });
}

/// Polls `check` until it gives a value, failing the test after 30 s.
pub(crate) async fn eventually<T, Fut>(what: &str, mut check: impl FnMut() -> Fut) -> T
where
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(crate) async fn create<K>(client: &Client, namespace: Option<&str>, object: Value) -> K
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + serde::Serialize
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace.unwrap_or("default"));
    let object: K = serde_json::from_value(object).unwrap();
    api.create(&PostParams::default(), &object).await.unwrap()
}

async fn create_node(client: &Client, name: &str, cpu: &str, labels: Value) {
    let api: Api<Node> = Api::all(client.clone());
    let node: Node = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": labels},
    }))
    .unwrap();
    api.create(&PostParams::default(), &node).await.unwrap();
    let status = json!({"status": {
        "allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "110"},
        "capacity": {"cpu": cpu, "memory": "8Gi", "pods": "110"},
        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
            "message": "kubelet is posting ready status"}],
    }});
    api.patch_status(name, &PatchParams::default(), &Patch::Merge(status))
        .await
        .unwrap();
}

fn pending_pod(name: &str, owner_uid: &str, cpu: &str, extra_spec: Value) -> Value {
    let mut pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "web"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web",
                "uid": owner_uid, "controller": true}]},
        "spec": {"containers": [{"name": "c", "image": "nginx",
            "resources": {"requests": {"cpu": cpu}}}]},
    });
    if let (Some(spec), Some(extra)) = (pod["spec"].as_object_mut(), extra_spec.as_object()) {
        for (key, value) in extra {
            spec.insert(key.clone(), value.clone());
        }
    }
    pod
}

async fn events_for(client: &Client, pod: &str, reason: &str) -> Vec<Event> {
    let api: Api<Event> = Api::namespaced(client.clone(), "default");
    api.list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| {
            e.reason.as_deref() == Some(reason)
                && e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(pod)
        })
        .collect()
}

#[tokio::test]
async fn scheduler_binds_and_spreads_a_controllers_pods() {
    let client = client().await;
    for name in ["node-a", "node-b", "node-c"] {
        create_node(&client, name, "4", json!({})).await;
    }
    start(&client, Config::default(), crate::scheduler::run);
    for i in 0..6 {
        let _: Pod = create(
            &client,
            None,
            pending_pod(&format!("web-{i}"), "rs-1", "100m", json!({})),
        )
        .await;
    }
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let placed = eventually("six bound pods", || async {
        let list = pods.list(&ListParams::default()).await.ok()?;
        let nodes: Vec<String> = list
            .items
            .iter()
            .filter_map(|p| p.spec.as_ref()?.node_name.clone())
            .collect();
        (nodes.len() == 6).then_some(nodes)
    })
    .await;
    for node in ["node-a", "node-b", "node-c"] {
        assert_eq!(
            placed.iter().filter(|n| *n == node).count(),
            2,
            "{placed:?}"
        );
    }
    let bound = pods.get("web-0").await.unwrap();
    let scheduled = bound
        .status
        .and_then(|s| s.conditions)
        .unwrap()
        .into_iter()
        .find(|c| c.type_ == "PodScheduled")
        .unwrap();
    assert_eq!(scheduled.status, "True");
    let node = bound.spec.unwrap().node_name.unwrap();
    let event = eventually("a Scheduled event", || async {
        events_for(&client, "web-0", "Scheduled")
            .await
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(
        event.note.as_deref(),
        Some(format!("Successfully assigned default/web-0 to {node}").as_str())
    );
    assert_eq!(
        event.reporting_controller.as_deref(),
        Some("default-scheduler")
    );
}

#[tokio::test]
async fn unschedulable_pods_are_reported_and_retried_when_nodes_change() {
    let client = client().await;
    for name in ["node-a", "node-b", "node-c"] {
        create_node(&client, name, "1", json!({})).await;
    }
    start(&client, Config::default(), crate::scheduler::run);
    let _: Pod = create(&client, None, pending_pod("big", "rs-1", "2", json!({}))).await;
    let _: Pod = create(
        &client,
        None,
        pending_pod(
            "picky",
            "rs-2",
            "100m",
            json!({"nodeSelector": {"disk": "ssd"}}),
        ),
    )
    .await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let condition = eventually("PodScheduled=False on big", || async {
        let pod = pods.get("big").await.ok()?;
        pod.status?
            .conditions?
            .into_iter()
            .find(|c| c.type_ == "PodScheduled" && c.status == "False")
    })
    .await;
    let expected = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    assert_eq!(condition.reason.as_deref(), Some("Unschedulable"));
    assert_eq!(condition.message.as_deref(), Some(expected));
    let event = eventually("FailedScheduling for big", || async {
        events_for(&client, "big", "FailedScheduling")
            .await
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(event.note.as_deref(), Some(expected));
    assert_eq!(event.type_.as_deref(), Some("Warning"));
    eventually("FailedScheduling for picky", || async {
        events_for(&client, "picky", "FailedScheduling")
            .await
            .into_iter()
            .next()
    })
    .await;

    // A node that matches the selector arrives: the waiting pod is placed on it.
    create_node(&client, "node-ssd", "4", json!({"disk": "ssd"})).await;
    let node = eventually("picky bound", || async {
        pods.get("picky").await.ok()?.spec?.node_name
    })
    .await;
    assert_eq!(node, "node-ssd");
}

/// Acts as the kubelet: gives the pod an IP and a Ready condition.
async fn set_pod_status(client: &Client, name: &str, ip: &str, ready: bool) {
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let status = json!({"status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
        "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" },
            "lastTransitionTime": "2025-01-01T00:00:00Z"}]}});
    pods.patch_status(name, &PatchParams::default(), &Patch::Merge(status))
        .await
        .unwrap();
}

fn serving_pod(name: &str, app: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {"nodeName": "node-a", "containers": [{"name": "c", "image": "nginx",
            "ports": [{"name": "http", "containerPort": 8080}]}]}})
}

/// The ready and not-ready IPs of an Endpoints object, sorted.
fn addresses(endpoints: &k8s_openapi::api::core::v1::Endpoints) -> (Vec<String>, Vec<String>) {
    let mut ready = Vec::new();
    let mut not_ready = Vec::new();
    for subset in endpoints.subsets.iter().flatten() {
        ready.extend(subset.addresses.iter().flatten().map(|a| a.ip.clone()));
        not_ready.extend(
            subset
                .not_ready_addresses
                .iter()
                .flatten()
                .map(|a| a.ip.clone()),
        );
    }
    ready.sort();
    not_ready.sort();
    (ready, not_ready)
}

#[tokio::test]
async fn endpoints_follow_pod_readiness_and_the_service() {
    use k8s_openapi::api::core::v1::{Endpoints, Service};
    let client = client().await;
    start(&client, Config::default(), crate::endpoints::run);
    let _: Service = create(
        &client,
        None,
        json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "labels": {"tier": "front"}},
        "spec": {"selector": {"app": "web"}, "ports": [
            {"name": "http", "port": 80, "targetPort": "http"}]}}),
    )
    .await;
    let _: Service = create(
        &client,
        None,
        json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "manual"}, "spec": {"ports": [{"port": 443}]}}),
    )
    .await;
    let manual: Endpoints = create(
        &client,
        None,
        json!({"apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "manual"},
        "subsets": [{"addresses": [{"ip": "192.168.1.1"}], "ports": [{"port": 6443}]}]}),
    )
    .await;
    for (name, app) in [("web-1", "web"), ("web-2", "web"), ("db-1", "db")] {
        let _: Pod = create(&client, None, serving_pod(name, app)).await;
    }
    set_pod_status(&client, "web-1", "10.0.0.1", true).await;
    set_pod_status(&client, "web-2", "10.0.0.2", false).await;
    set_pod_status(&client, "db-1", "10.0.0.9", true).await;

    let endpoints: Api<Endpoints> = Api::namespaced(client.clone(), "default");
    let found = eventually("web-1 ready and web-2 not ready", || async {
        let e = endpoints.get("web").await.ok()?;
        (addresses(&e) == (vec!["10.0.0.1".into()], vec!["10.0.0.2".into()])).then_some(e)
    })
    .await;
    let subset = &found.subsets.as_ref().unwrap()[0];
    let port = &subset.ports.as_ref().unwrap()[0];
    assert_eq!((port.name.as_deref(), port.port), (Some("http"), 8080));
    let address = &subset.addresses.as_ref().unwrap()[0];
    assert_eq!(address.node_name.as_deref(), Some("node-a"));
    let target = address.target_ref.as_ref().unwrap();
    assert_eq!(
        (target.kind.as_deref(), target.name.as_deref()),
        (Some("Pod"), Some("web-1"))
    );
    assert!(target.uid.is_some());
    assert_eq!(found.metadata.labels.as_ref().unwrap()["tier"], "front");
    assert!(
        found
            .metadata
            .annotations
            .as_ref()
            .unwrap()
            .contains_key(crate::services::endpoints::TRIGGER_TIME_ANNOTATION)
    );

    // Readiness flips: the addresses move between the lists.
    set_pod_status(&client, "web-1", "10.0.0.1", false).await;
    set_pod_status(&client, "web-2", "10.0.0.2", true).await;
    eventually("web-2 ready and web-1 not ready", || async {
        let e = endpoints.get("web").await.ok()?;
        (addresses(&e) == (vec!["10.0.0.2".into()], vec!["10.0.0.1".into()])).then_some(())
    })
    .await;

    // A pod that goes leaves the endpoints.
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    pods.delete("web-1", &kube::api::DeleteParams::default())
        .await
        .unwrap();
    eventually("web-1 gone", || async {
        let e = endpoints.get("web").await.ok()?;
        (addresses(&e) == (vec!["10.0.0.2".into()], vec![])).then_some(())
    })
    .await;

    // The Service goes: so do its Endpoints. The selector-less Service's stay untouched.
    let services: Api<Service> = Api::namespaced(client.clone(), "default");
    services
        .delete("web", &kube::api::DeleteParams::default())
        .await
        .unwrap();
    eventually("Endpoints web deleted", || async {
        endpoints.get_opt("web").await.ok()?.is_none().then_some(())
    })
    .await;
    let still_manual = endpoints.get("manual").await.unwrap();
    assert_eq!(
        still_manual.metadata.resource_version,
        manual.metadata.resource_version
    );
}

#[tokio::test]
async fn endpointslices_follow_pods_and_go_with_the_service() {
    use k8s_openapi::api::core::v1::Service;
    use k8s_openapi::api::discovery::v1::EndpointSlice;
    let client = client().await;
    start(&client, Config::default(), crate::endpointslice::run);
    let service: Service = create(
        &client,
        None,
        json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [
            {"name": "http", "port": 80, "targetPort": "http"}]}}),
    )
    .await;
    for (i, name) in ["web-1", "web-2", "web-3"].iter().enumerate() {
        let _: Pod = create(&client, None, serving_pod(name, "web")).await;
        set_pod_status(&client, name, &format!("10.0.0.{}", i + 1), i != 2).await;
    }
    let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), "default");
    let by_service = ListParams::default().labels("kubernetes.io/service-name=web");
    let slice = eventually("a slice with three endpoints", || async {
        let list = slices.list(&by_service).await.ok()?;
        match list.items.as_slice() {
            [one] if one.endpoints.len() == 3 => Some(one.clone()),
            _ => None,
        }
    })
    .await;
    let name = slice.metadata.name.clone().unwrap();
    assert!(
        name.starts_with("web-") && name.len() == "web-".len() + 5,
        "{name}"
    );
    assert_eq!(slice.address_type, "IPv4");
    let labels = slice.metadata.labels.clone().unwrap();
    assert_eq!(
        labels["endpointslice.kubernetes.io/managed-by"],
        "endpointslice-controller.k8s.io"
    );
    let owner = &slice.metadata.owner_references.clone().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.uid.as_str()),
        ("Service", service.metadata.uid.as_deref().unwrap())
    );
    let ready: Vec<(String, bool)> = slice
        .endpoints
        .iter()
        .map(|e| {
            (
                e.addresses[0].clone(),
                e.conditions.as_ref().unwrap().ready.unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ready,
        [
            ("10.0.0.1".into(), true),
            ("10.0.0.2".into(), true),
            ("10.0.0.3".into(), false)
        ]
    );
    assert_eq!(slice.ports.as_ref().unwrap()[0].port, Some(8080));

    // A readiness change updates the same slice in place.
    set_pod_status(&client, "web-3", "10.0.0.3", true).await;
    let updated = eventually("web-3 ready", || async {
        let list = slices.list(&by_service).await.ok()?;
        let [one] = list.items.as_slice() else {
            return None;
        };
        one.endpoints
            .iter()
            .all(|e| e.conditions.as_ref().and_then(|c| c.ready) == Some(true))
            .then(|| one.clone())
    })
    .await;
    assert_eq!(updated.metadata.name.as_deref(), Some(name.as_str()));

    let services: Api<Service> = Api::namespaced(client.clone(), "default");
    services
        .delete("web", &kube::api::DeleteParams::default())
        .await
        .unwrap();
    eventually("slices deleted", || async {
        slices
            .list(&by_service)
            .await
            .ok()?
            .items
            .is_empty()
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn every_namespace_gets_a_default_account_and_the_root_ca() {
    use k8s_openapi::api::core::v1::{ConfigMap, Namespace, ServiceAccount};
    let client = client().await;
    let pem = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";
    start(
        &client,
        Config {
            root_ca_pem: Some(pem.into()),
        },
        crate::serviceaccount::run,
    );
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": "team-a"}})).unwrap();
    namespaces
        .create(&PostParams::default(), &ns)
        .await
        .unwrap();
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), "team-a");
    let first = eventually("default SA in team-a", || async {
        accounts.get_opt("default").await.ok()?
    })
    .await;
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), "team-a");
    let root_ca = eventually("kube-root-ca.crt in team-a", || async {
        config_maps.get_opt("kube-root-ca.crt").await.ok()?
    })
    .await;
    assert_eq!(root_ca.data.unwrap()["ca.crt"], pem);
    // System namespaces are served too.
    let default_accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), "kube-system");
    eventually("default SA in kube-system", || async {
        default_accounts.get_opt("default").await.ok()?
    })
    .await;

    // Deleted: recreated (a new object, so a new UID).
    accounts
        .delete("default", &kube::api::DeleteParams::default())
        .await
        .unwrap();
    let recreated = eventually("default SA recreated", || async {
        let sa = accounts.get_opt("default").await.ok()??;
        (sa.metadata.uid != first.metadata.uid).then_some(sa)
    })
    .await;
    assert_eq!(recreated.metadata.name.as_deref(), Some("default"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_pending_pods_are_all_placed_within_capacity() {
    let client = client().await;
    // 10 nodes x 2 cpu; 1,000 pods x 20m = 20 cpu: exactly full, so overcommit would show.
    for i in 0..10 {
        create_node(&client, &format!("node-{i}"), "2", json!({})).await;
    }
    start(&client, Config::default(), crate::scheduler::run);
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let creations = (0..1000).map(|i| {
        let pods = pods.clone();
        async move {
            let pod: Pod = serde_json::from_value(pending_pod(
                &format!("load-{i}"),
                "rs-load",
                "20m",
                json!({}),
            ))
            .unwrap();
            pods.create(&PostParams::default(), &pod).await.unwrap();
        }
    });
    futures::future::join_all(creations).await;
    let placed = eventually("1,000 bound pods", || async {
        let list = pods.list(&ListParams::default()).await.ok()?;
        let nodes: Vec<String> = list
            .items
            .iter()
            .filter_map(|p| p.spec.as_ref()?.node_name.clone())
            .collect();
        (nodes.len() == 1000).then_some(nodes)
    })
    .await;
    for i in 0..10 {
        let on_node = placed.iter().filter(|n| **n == format!("node-{i}")).count();
        assert_eq!(on_node, 100, "node-{i}");
    }
    // The cluster is full: one more pod is reported unschedulable.
    let _: Pod = create(
        &client,
        None,
        pending_pod("one-too-many", "rs-load", "20m", json!({})),
    )
    .await;
    let condition = eventually("one-too-many unschedulable", || async {
        pods.get("one-too-many")
            .await
            .ok()?
            .status?
            .conditions?
            .into_iter()
            .find(|c| c.type_ == "PodScheduled" && c.status == "False")
    })
    .await;
    assert!(
        condition
            .message
            .unwrap()
            .starts_with("0/10 nodes are available: 10 Insufficient cpu.")
    );
}
