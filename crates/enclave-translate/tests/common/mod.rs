//! Shared test fixtures: builders for namespaces, pods and NetworkPolicies, evaluation of a
//! translation with the reference evaluator, and an independent evaluator of upstream
//! NetworkPolicy semantics.

#![allow(dead_code)]

pub mod model;
pub mod upstream;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use enclave_dfw::literal::protocol;
use enclave_dfw::{Connection, Decision, Flow, Reference, Verdict};
use enclave_translate::{Placement, Settings, Snapshot, Translation, translate};
use k8s_openapi::api::core::v1::{Container, ContainerPort, Namespace, Pod, PodSpec, PodStatus};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

pub fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A namespace with its `kubernetes.io/metadata.name` label, as the API server stores it.
pub fn namespace(name: &str, labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> Namespace {
    let mut labels = map(labels);
    labels.insert("kubernetes.io/metadata.name".into(), name.into());
    Namespace {
        metadata: ObjectMeta {
            name: Some(name.into()),
            uid: Some(format!("uid-ns-{name}")),
            labels: Some(labels),
            annotations: (!annotations.is_empty()).then(|| map(annotations)),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    }
}

/// A running pod with an IP and named container ports `(name, protocol, number)`.
pub fn pod(
    ns: &str,
    name: &str,
    ip: &str,
    labels: &[(&str, &str)],
    ports: &[(&str, &str, i32)],
) -> Pod {
    Pod {
        metadata: ObjectMeta {
            namespace: Some(ns.into()),
            name: Some(name.into()),
            uid: Some(format!("uid-pod-{ns}-{name}")),
            labels: Some(map(labels)),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "main".into(),
                ports: Some(
                    ports
                        .iter()
                        .map(|(n, p, c)| ContainerPort {
                            name: Some(n.to_string()),
                            protocol: Some(p.to_string()),
                            container_port: *c,
                            ..ContainerPort::default()
                        })
                        .collect(),
                ),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
        status: Some(PodStatus {
            phase: Some("Running".into()),
            pod_ip: Some(ip.into()),
            ..PodStatus::default()
        }),
    }
}

/// A NetworkPolicy from YAML, put in `ns` with a UID derived from its name.
pub fn network_policy(ns: &str, yaml: &str) -> NetworkPolicy {
    let mut np: NetworkPolicy = serde_saphyr::from_str(yaml).expect("NetworkPolicy YAML");
    np.metadata.namespace = Some(ns.into());
    let name = np.metadata.name.clone().unwrap_or_default();
    np.metadata.uid = Some(format!("uid-np-{ns}-{name}"));
    np
}

pub fn snapshot(
    namespaces: Vec<Namespace>,
    pods: Vec<Pod>,
    policies: Vec<NetworkPolicy>,
) -> Snapshot {
    let placement = Placement::simple(&namespaces, &pods);
    Snapshot {
        namespaces,
        pods,
        network_policies: policies,
        placement,
    }
}

pub fn settings(baseline: enclave_translate::Baseline) -> Settings {
    Settings {
        baseline,
        ..Settings::default()
    }
}

/// The verdict of the translation for one first packet between two IPs.
pub fn verdict(t: &Translation, src: Ipv4Addr, dst: Ipv4Addr, proto: u8, port: u16) -> Verdict {
    let reference = Reference::new(&t.config, &t.inventory);
    reference.evaluate(&Connection {
        flow: Flow {
            src_ip: src,
            dst_ip: dst,
            protocol: proto,
            src_port: 40000,
            dst_port: port,
        },
        source: t.inventory.member_by_ip(src),
        destination: t.inventory.member_by_ip(dst),
    })
}

pub fn allowed(t: &Translation, src: Ipv4Addr, dst: Ipv4Addr, proto: u8, port: u16) -> bool {
    verdict(t, src, dst, proto, port).decision == Decision::Allow
}

/// `(category, policy display name, rule display name)` of the rule that blocked a flow.
pub fn blocking_rule(t: &Translation, v: &Verdict) -> Option<(String, String, String)> {
    let (_, side) = v.blocking()?;
    let reference = Reference::new(&t.config, &t.inventory);
    let index = side.rule?;
    let entry = reference.ruleset().rules.get(index)?;
    let policy = t.config.policies.get(entry.policy)?;
    let rule = reference.ruleset().rule(&t.config, index)?;
    Some((
        policy
            .category
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        policy.name().to_string(),
        rule.name().to_string(),
    ))
}

pub const TCP: u8 = protocol::TCP;
pub const UDP: u8 = protocol::UDP;

pub fn translated(snapshot: &Snapshot, settings: &Settings) -> Translation {
    translate(snapshot, settings)
}
