//! Nodes: one Node per ESXi host, registered as kubelet registers itself (labels, capacity,
//! conditions with kubelet's reasons, addresses, nodeInfo), kept alive by a Lease in
//! `kube-node-lease` renewed every 10 s and a periodic status report.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use crate::config::RuntimeConfig;
use crate::time::rfc3339_seconds;

/// How often leases are renewed (kubelet: 10 s, a quarter of the 40 s lease).
pub(crate) const LEASE_RENEW: Duration = Duration::from_secs(10);
/// The lease duration.
const LEASE_SECONDS: i32 = 40;
/// How often the node status is reported when nothing changes.
pub(crate) const STATUS_REPORT: Duration = Duration::from_secs(60);
/// The kubelet version nodes report.
pub(crate) const KUBELET_VERSION: &str = "v1.32.0";
/// The namespace of node leases.
pub(crate) const LEASE_NAMESPACE: &str = "kube-node-lease";

/// The Node object (without status) of `name`.
pub(crate) fn node_json(name: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": node_labels(name),
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {},
    })
}

/// The labels of a node: the well-known ones kubelet sets, and the agent role the ESXi
/// hosts of a Supervisor show.
pub(crate) fn node_labels(name: &str) -> Value {
    json!({
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node-role.kubernetes.io/agent": "",
    })
}

fn condition(
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
    heartbeat: &str,
    since: &str,
) -> Value {
    json!({
        "type": kind,
        "status": status,
        "lastHeartbeatTime": heartbeat,
        "lastTransitionTime": since,
        "reason": reason,
        "message": message,
    })
}

/// The status of node `name`, reported at `now`; `since` is when the node became ready.
pub(crate) fn node_status_json(
    config: &RuntimeConfig,
    name: &str,
    since: Timestamp,
    now: Timestamp,
) -> Value {
    let heartbeat = rfc3339_seconds(now);
    let since = rfc3339_seconds(since);
    let capacity = json!({
        "cpu": config.capacity.cpu,
        "ephemeral-storage": config.capacity.ephemeral_storage,
        "memory": config.capacity.memory,
        "pods": config.capacity.pods.to_string(),
    });
    let ip = config
        .node_ip(name)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let machine = crate::status::container_id(name, "machine", 0);
    let machine = machine.trim_start_matches("containerd://");
    json!({
        "capacity": capacity,
        "allocatable": capacity,
        "conditions": [
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", &heartbeat, &since),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", &heartbeat, &since),
            condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", &heartbeat, &since),
            condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", &heartbeat, &since),
        ],
        "addresses": [
            { "type": "InternalIP", "address": ip },
            { "type": "Hostname", "address": name },
        ],
        "daemonEndpoints": { "kubeletEndpoint": { "Port": 10250 } },
        "nodeInfo": {
            "machineID": &machine[..32],
            "systemUUID": uuid_like(&machine[32..]),
            "bootID": uuid_like(&machine[..32]),
            "kernelVersion": "8.0.3",
            "osImage": "VMware ESXi 8.0.3",
            "containerRuntimeVersion": "crx://8.0.3",
            "kubeletVersion": KUBELET_VERSION,
            "kubeProxyVersion": KUBELET_VERSION,
            "operatingSystem": "linux",
            "architecture": "amd64",
        },
    })
}

fn uuid_like(hex: &str) -> String {
    let hex = format!("{hex:0<32}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `metav1.MicroTime`: RFC 3339 with microseconds.
pub(crate) fn micro_time(at: Timestamp) -> String {
    let micros = at.subsec_microsecond();
    let seconds = rfc3339_seconds(at);
    format!("{}.{micros:06}Z", seconds.trim_end_matches('Z'))
}

/// The Lease of node `name` owned by the node `node_uid`.
pub(crate) fn lease_json(name: &str, node_uid: Option<&str>, now: Timestamp) -> Value {
    let mut lease = json!({
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": { "name": name, "namespace": LEASE_NAMESPACE },
        "spec": {
            "holderIdentity": name,
            "leaseDurationSeconds": LEASE_SECONDS,
            "renewTime": micro_time(now),
        },
    });
    if let Some(uid) = node_uid {
        lease["metadata"]["ownerReferences"] = json!([{
            "apiVersion": "v1",
            "kind": "Node",
            "name": name,
            "uid": uid,
        }]);
    }
    lease
}

/// Registers node `name` (creates it, or takes over the one left by an earlier run) and
/// reports its status. Returns the node's uid.
pub(crate) async fn register(
    client: &kube::Client,
    config: &RuntimeConfig,
    name: &str,
    since: Timestamp,
) -> Result<Option<String>, kube::Error> {
    let api: Api<Node> = Api::all(client.clone());
    let node = match api.get_opt(name).await? {
        Some(node) => {
            // Keep what others added (labels, taints), put ours back.
            let patch = json!({ "metadata": { "labels": node_labels(name) } });
            api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await?;
            node
        }
        None => {
            let node: Node =
                serde_json::from_value(node_json(name)).map_err(kube::Error::SerdeError)?;
            match api.create(&PostParams::default(), &node).await {
                Ok(node) => node,
                Err(kube::Error::Api(status)) if status.is_already_exists() => {
                    api.get(name).await?
                }
                Err(e) => return Err(e),
            }
        }
    };
    report_status(client, config, name, since).await?;
    Ok(node.metadata.uid)
}

/// Writes the node's status (heartbeat).
pub(crate) async fn report_status(
    client: &kube::Client,
    config: &RuntimeConfig,
    name: &str,
    since: Timestamp,
) -> Result<(), kube::Error> {
    let api: Api<Node> = Api::all(client.clone());
    let patch = json!({ "status": node_status_json(config, name, since, Timestamp::now()) });
    api.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map(drop)
}

/// Renews (or creates) the node's lease.
pub(crate) async fn renew_lease(
    client: &kube::Client,
    name: &str,
    node_uid: Option<&str>,
) -> Result<(), kube::Error> {
    let api: Api<Lease> = Api::namespaced(client.clone(), LEASE_NAMESPACE);
    let now = Timestamp::now();
    let patch = json!({ "spec": { "holderIdentity": name, "renewTime": micro_time(now) } });
    match api
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.is_not_found() => {
            let lease: Lease = serde_json::from_value(lease_json(name, node_uid, now))
                .map_err(kube::Error::SerdeError)?;
            match api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(()),
                Err(kube::Error::Api(status)) if status.is_already_exists() => Ok(()),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// Keeps the nodes registered and alive until `stop` resolves.
pub(crate) async fn run_heartbeats(
    client: kube::Client,
    config: std::sync::Arc<RuntimeConfig>,
    mut uids: Vec<Option<String>>,
    since: Timestamp,
) {
    let mut lease_tick = tokio::time::interval(LEASE_RENEW);
    lease_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut status_tick = tokio::time::interval(STATUS_REPORT);
    status_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    status_tick.tick().await;
    loop {
        tokio::select! {
            _ = lease_tick.tick() => {
                for (name, uid) in config.nodes.iter().zip(uids.iter()) {
                    if let Err(e) = renew_lease(&client, name, uid.as_deref()).await {
                        tracing::warn!(node = %name, error = %e, "lease renewal failed");
                    }
                }
            }
            _ = status_tick.tick() => {
                for (name, uid) in config.nodes.iter().zip(uids.iter_mut()) {
                    match report_status(&client, &config, name, since).await {
                        Ok(()) => {}
                        Err(kube::Error::Api(status)) if status.is_not_found() => {
                            // Someone deleted the node: register it again, as kubelet does.
                            match register(&client, &config, name, since).await {
                                Ok(new_uid) => *uid = new_uid,
                                Err(e) => tracing::warn!(node = %name, error = %e, "node re-registration failed"),
                            }
                        }
                        Err(e) => tracing::warn!(node = %name, error = %e, "node status report failed"),
                    }
                }
            }
        }
    }
}
