//! NCP's role: follows the Kubernetes objects the network depends on (namespaces, pods,
//! Services, NetworkPolicies) and keeps the network manager in step with them. Each turn
//! rebuilds the whole intent from a snapshot of the caches: namespace networks and their NCP
//! annotations, LoadBalancer VIPs and Service status, the topology, and the firewall.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use k8s_openapi::api::core::v1::{Endpoints, Namespace, Pod, Service};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use serde_json::json;

use crate::intent::{ClusterObjects, Intent, build_intent};
use crate::{Network, NsxManager};

/// How long NCP waits for more changes before it rebuilds (changes come in bursts).
const DEBOUNCE: Duration = Duration::from_millis(30);
/// How often a failed turn is retried.
const RETRY: Duration = Duration::from_secs(2);
/// The field manager of NCP's writes.
const MANAGER: &str = "ncp";

/// NCP's caches.
struct Caches {
    namespaces: Store<Namespace>,
    pods: Store<Pod>,
    services: Store<Service>,
    policies: Store<NetworkPolicy>,
    endpoints: Store<Endpoints>,
}

/// Runs NCP until `shutdown`, translating with `settings` (the baseline policy).
pub async fn run(
    client: kube::Client,
    manager: Arc<NsxManager>,
    network: Arc<Network>,
    settings: enclave_translate::Settings,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut reported = BTreeSet::new();
    let (namespaces, namespace_writer) = reflector::store();
    let (pods, pod_writer) = reflector::store();
    let (services, service_writer) = reflector::store();
    let (policies, policy_writer) = reflector::store();
    let (endpoints, endpoints_writer) = reflector::store();
    let config = watcher::Config::default;
    let namespace_changes = reflector::reflector(
        namespace_writer,
        watcher(Api::<Namespace>::all(client.clone()), config()),
    )
    .default_backoff()
    .map(|e| e.map(|_| ()));
    // The modifiers run before the reflector, so the caches keep the lean objects (a modifier
    // after it would only change the events passed on, while the cache keeps the full ones).
    let pod_changes = reflector::reflector(
        pod_writer,
        watcher(Api::<Pod>::all(client.clone()), config()).modify(|pod: &mut Pod| {
            // NCP reads labels, IPs and ports; the rest of a pod is dead weight in the cache.
            pod.metadata.managed_fields = None;
            if let Some(a) = pod.metadata.annotations.as_mut() {
                a.remove("kubectl.kubernetes.io/last-applied-configuration");
            }
        }),
    )
    .default_backoff()
    .map(|e| e.map(|_| ()));
    let service_changes = reflector::reflector(
        service_writer,
        watcher(Api::<Service>::all(client.clone()), config()),
    )
    .default_backoff()
    .map(|e| e.map(|_| ()));
    let policy_changes = reflector::reflector(
        policy_writer,
        watcher(Api::<NetworkPolicy>::all(client.clone()), config()),
    )
    .default_backoff()
    .map(|e| e.map(|_| ()));
    let endpoints_changes = reflector::reflector(
        endpoints_writer,
        watcher(Api::<Endpoints>::all(client.clone()), config())
            .modify(|e: &mut Endpoints| e.metadata.managed_fields = None),
    )
    .default_backoff()
    .map(|e| e.map(|_| ()));
    let mut changes = std::pin::pin!(futures::stream::select(
        futures::stream::select(namespace_changes, pod_changes),
        futures::stream::select(
            futures::stream::select(service_changes, policy_changes),
            endpoints_changes
        ),
    ));
    let caches = Caches {
        namespaces,
        pods,
        services,
        policies,
        endpoints,
    };
    let mut shutdown = std::pin::pin!(shutdown.fuse());
    let ready = async {
        let _ = caches.namespaces.wait_until_ready().await;
        let _ = caches.pods.wait_until_ready().await;
        let _ = caches.services.wait_until_ready().await;
        let _ = caches.policies.wait_until_ready().await;
        let _ = caches.endpoints.wait_until_ready().await;
    };
    let mut ready = std::pin::pin!(ready.fuse());
    let mut synced = false;
    let mut pending = true;
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = &mut ready, if !synced => synced = true,
            change = changes.next() => match change {
                Some(Ok(())) => pending = true,
                Some(Err(error)) => tracing::debug!(%error, "NCP watch error; retrying"),
                None => return,
            },
            () = tokio::time::sleep(if pending { DEBOUNCE } else { RETRY }), if synced => {
                if !pending {
                    continue;
                }
                // Drain what arrived meanwhile, then rebuild once.
                while let Some(Some(_)) = changes.next().now_or_never() {}
                pending = match turn(&client, &manager, &network, &caches, &settings, &mut reported).await {
                    Ok(()) => false,
                    Err(error) => {
                        tracing::warn!(%error, "NCP turn failed; retrying");
                        true
                    }
                };
            }
        }
    }
}

/// One rebuild: namespace networks, VIPs, annotations and Service status.
async fn turn(
    client: &kube::Client,
    manager: &NsxManager,
    network: &Network,
    caches: &Caches,
    settings: &enclave_translate::Settings,
    reported: &mut BTreeSet<(String, String, String)>,
) -> Result<(), kube::Error> {
    let namespaces = caches.namespaces.state();
    let mut live = BTreeSet::new();
    for ns in &namespaces {
        let (Some(name), Some(uid)) = (ns.metadata.name.as_deref(), ns.metadata.uid.as_deref())
        else {
            continue;
        };
        live.insert(name.to_string());
        if let Err(error) = network.note_namespace(name, uid) {
            tracing::warn!(namespace = name, %error, "Namespace network not set up");
        }
    }
    let known: Vec<String> = network.read(|ipam| {
        ipam.state()
            .namespaces
            .keys()
            .map(|n| n.to_string())
            .collect()
    });
    for name in known.iter().filter(|n| !live.contains(*n)) {
        network.forget_namespace(name);
    }
    sync_load_balancers(client, network, caches).await?;
    for ns in &namespaces {
        let Some(name) = ns.metadata.name.as_deref() else {
            continue;
        };
        if ns.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let wanted = network.read(|ipam| enclave_net::ncp_annotations(ipam, name));
        let current = ns.metadata.annotations.clone().unwrap_or_default();
        if wanted.iter().all(|(k, v)| current.get(k) == Some(v)) {
            continue;
        }
        let patch = json!({"metadata": {"annotations": wanted}});
        Api::<Namespace>::all(client.clone())
            .patch(name, &PatchParams::apply(MANAGER), &Patch::Merge(&patch))
            .await?;
    }
    let objects = ClusterObjects {
        namespaces,
        pods: caches.pods.state(),
        services: caches.services.state(),
        endpoints: caches.endpoints.state(),
        network_policies: caches.policies.state(),
    };
    let Intent {
        topology,
        translation,
    } = network.read(|ipam| build_intent(&objects, ipam, settings));
    manager.set_topology(topology);
    if let Err(error) = manager
        .set_ncp(translation.config, translation.inventory)
        .await
    {
        // A translation the firewall refuses is a bug; the previous firewall stays.
        tracing::error!(%error, "The firewall refused NCP's translation");
    }
    report_problems(client, &translation.problems, reported).await;
    Ok(())
}

/// Turns translation problems into Warning events on their objects, once each.
async fn report_problems(
    client: &kube::Client,
    problems: &[enclave_translate::Problem],
    reported: &mut BTreeSet<(String, String, String)>,
) {
    let current: BTreeSet<(String, String, String)> = problems
        .iter()
        .map(|p| (p.object.uid.clone(), p.reason.clone(), p.message.clone()))
        .collect();
    for problem in problems {
        let key = (
            problem.object.uid.clone(),
            problem.reason.clone(),
            problem.message.clone(),
        );
        if reported.contains(&key) {
            continue;
        }
        let namespace = if problem.object.namespace.is_empty() {
            "default".to_string()
        } else {
            problem.object.namespace.clone()
        };
        let timestamp = k8s_openapi::jiff::Timestamp::now();
        let now = k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(timestamp);
        let api_version = match problem.object.kind.as_str() {
            "NetworkPolicy" => "networking.k8s.io/v1",
            _ => "v1",
        };
        let event = k8s_openapi::api::core::v1::Event {
            metadata: kube::api::ObjectMeta {
                // As client-go's recorder names events: `<object>.<nanoseconds in hex>`.
                name: Some(format!(
                    "{}.{:x}",
                    problem.object.name,
                    timestamp.as_nanosecond()
                )),
                namespace: Some(namespace.clone()),
                ..Default::default()
            },
            involved_object: k8s_openapi::api::core::v1::ObjectReference {
                api_version: Some(api_version.into()),
                kind: Some(problem.object.kind.clone()),
                name: Some(problem.object.name.clone()),
                namespace: (!problem.object.namespace.is_empty())
                    .then(|| problem.object.namespace.clone()),
                uid: Some(problem.object.uid.clone()),
                ..Default::default()
            },
            reason: Some(problem.reason.clone()),
            message: Some(problem.message.clone()),
            type_: Some("Warning".into()),
            source: Some(k8s_openapi::api::core::v1::EventSource {
                component: Some("nsx-ncp".into()),
                host: None,
            }),
            first_timestamp: Some(now.clone()),
            last_timestamp: Some(now),
            count: Some(1),
            ..Default::default()
        };
        match Api::<k8s_openapi::api::core::v1::Event>::namespaced(client.clone(), &namespace)
            .create(&kube::api::PostParams::default(), &event)
            .await
        {
            Ok(_) => {
                reported.insert(key);
            }
            Err(error) => tracing::debug!(%error, "NCP event not written"),
        }
    }
    // A problem that went away may come back later: report it again then.
    reported.retain(|k| current.contains(k));
}

/// Gives every Service of type LoadBalancer a VIP from the Ingress CIDR (its requested
/// `loadBalancerIP` if free), frees the VIPs of Services that are gone or changed type, and
/// writes `status.loadBalancer.ingress`.
async fn sync_load_balancers(
    client: &kube::Client,
    network: &Network,
    caches: &Caches,
) -> Result<(), kube::Error> {
    let services = caches.services.state();
    let mut wanted: BTreeMap<String, (String, String)> = BTreeMap::new();
    for svc in &services {
        let is_lb = svc.spec.as_ref().and_then(|s| s.type_.as_deref()) == Some("LoadBalancer");
        if let (true, Some(uid), Some(ns), Some(name)) = (
            is_lb && svc.metadata.deletion_timestamp.is_none(),
            svc.metadata.uid.clone(),
            svc.metadata.namespace.clone(),
            svc.metadata.name.clone(),
        ) {
            wanted.insert(uid, (ns, name));
        }
    }
    let held: Vec<String> = network.read(|ipam| {
        ipam.state()
            .load_balancers
            .keys()
            .map(|k| k.to_string())
            .collect()
    });
    for uid in held.iter().filter(|u| !wanted.contains_key(*u)) {
        network.with_ipam(|ipam| ((), ipam.release_vip(uid).is_some()));
    }
    for svc in &services {
        let Some(uid) = svc.metadata.uid.as_deref() else {
            continue;
        };
        let Some((namespace, name)) = wanted.get(uid) else {
            continue;
        };
        let requested = svc
            .spec
            .as_ref()
            .and_then(|s| s.load_balancer_ip.as_deref())
            .and_then(|ip| ip.parse().ok());
        let current_status: Vec<String> = svc
            .status
            .as_ref()
            .and_then(|s| s.load_balancer.as_ref())
            .and_then(|lb| lb.ingress.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|i| i.ip.clone())
            .collect();
        let vip = network.with_ipam(|ipam| {
            if let Some(ip) = ipam.vip(uid) {
                return (Ok(ip), false);
            }
            // After a restart the status still names the VIP the Service had: keep it.
            if let Some(ip) = current_status.first().and_then(|ip| ip.parse().ok())
                && ipam.restore_vip(namespace, uid, ip).is_ok()
            {
                return (Ok(ip), true);
            }
            let result = ipam.allocate_vip(namespace, uid, requested);
            let changed = result.is_ok();
            (result, changed)
        });
        let vip = match vip {
            Ok(ip) => ip.to_string(),
            Err(error) => {
                tracing::warn!(namespace, name, %error, "No load balancer VIP");
                continue;
            }
        };
        if current_status == [vip.clone()] {
            continue;
        }
        let patch =
            json!({"status": {"loadBalancer": {"ingress": [{"ip": vip, "ipMode": "VIP"}]}}});
        Api::<Service>::namespaced(client.clone(), namespace)
            .patch_status(name, &PatchParams::apply(MANAGER), &Patch::Merge(&patch))
            .await?;
    }
    Ok(())
}
