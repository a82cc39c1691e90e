//! The e2e model (namespaces x, y, z with pods a, b, c) and the matrix check: the
//! translation evaluated with the reference evaluator against the upstream evaluator.

use std::fmt::Write as _;

use super::upstream::Cluster;
use super::*;
use enclave_dfw::validate;
use enclave_translate::{BASELINE_ANNOTATION, Baseline, translate};
use k8s_openapi::api::core::v1::{Namespace, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;

pub const NAMESPACES: [&str; 3] = ["x", "y", "z"];
pub const PODS: [&str; 3] = ["a", "b", "c"];
pub const PROBES: [(&str, u8, u16); 4] = [
    ("TCP", TCP, 80),
    ("TCP", TCP, 81),
    ("UDP", UDP, 80),
    ("UDP", UDP, 81),
];

pub fn ip(ns: usize, pod: usize) -> String {
    format!("10.244.0.{}", ns * 16 + pod + 2)
}

/// The model's pods; `opted_out` namespaces carry the baseline annotation `allow-cluster`.
pub fn model(opted_out: &[&str]) -> (Vec<Namespace>, Vec<Pod>) {
    let namespaces = NAMESPACES
        .iter()
        .map(|n| {
            let annotations: &[(&str, &str)] = if opted_out.contains(n) {
                &[(BASELINE_ANNOTATION, "allow-cluster")]
            } else {
                &[]
            };
            namespace(n, &[("ns", n)], annotations)
        })
        .collect();
    let ports = [
        ("serve-80-tcp", "TCP", 80),
        ("serve-81-tcp", "TCP", 81),
        ("serve-80-udp", "UDP", 80),
        ("serve-81-udp", "UDP", 81),
    ];
    let mut pods = Vec::new();
    for (i, n) in NAMESPACES.iter().enumerate() {
        for (j, p) in PODS.iter().enumerate() {
            pods.push(pod(n, p, &ip(i, j), &[("pod", p)], &ports));
        }
    }
    (namespaces, pods)
}

/// Which baseline the namespace defaults of a configuration give.
#[derive(Clone, Copy, Debug)]
pub enum Config {
    AllowCluster,
    Supervisor,
    SupervisorZOptedOut,
}

pub fn matrix_text(cells: &[Vec<bool>], names: &[String]) -> String {
    let mut out = String::from("-   ");
    for n in names {
        let _ = write!(out, " {n:<4}");
    }
    out.push('\n');
    for (i, row) in cells.iter().enumerate() {
        let _ = write!(out, "{:<4}", names[i]);
        for (j, cell) in row.iter().enumerate() {
            let mark = if i == j {
                '#'
            } else if *cell {
                '.'
            } else {
                'X'
            };
            let _ = write!(out, " {mark:<4}");
        }
        out.push('\n');
    }
    out
}

/// Checks one set of policies in every configuration; returns the failures as text.
pub fn check(
    name: &str,
    namespaces: &[Namespace],
    pods: &[Pod],
    policies: &[NetworkPolicy],
    config: Config,
) -> Result<(), String> {
    let (baseline, opted_out): (Baseline, &[&str]) = match config {
        Config::AllowCluster => (Baseline::AllowCluster, &[]),
        Config::Supervisor => (Baseline::Supervisor, &[]),
        Config::SupervisorZOptedOut => (Baseline::Supervisor, &["z"]),
    };
    let mut namespaces = namespaces.to_vec();
    for ns in &mut namespaces {
        if opted_out.contains(&ns.metadata.name.as_deref().unwrap_or_default()) {
            ns.metadata
                .annotations
                .get_or_insert_default()
                .insert(BASELINE_ANNOTATION.into(), "allow-cluster".into());
        }
    }
    let s = snapshot(namespaces.clone(), pods.to_vec(), policies.to_vec());
    let t = translate(&s, &settings(baseline));
    if let Err(errors) = validate(&t.config) {
        return Err(format!(
            "{name} ({config:?}): invalid configuration {errors:#?}"
        ));
    }
    let upstream = Cluster {
        namespaces: &namespaces,
        pods,
        policies,
    };
    let names: Vec<String> = pods
        .iter()
        .map(|p| {
            format!(
                "{}/{}",
                p.metadata.namespace.as_deref().unwrap_or_default(),
                p.metadata.name.as_deref().unwrap_or_default()
            )
        })
        .collect();
    let ip_of = |p: &Pod| -> std::net::Ipv4Addr {
        p.status
            .as_ref()
            .and_then(|s| s.pod_ip.as_deref())
            .and_then(|s| s.parse().ok())
            .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED)
    };
    let mut failures = String::new();
    for (proto_name, proto, port) in PROBES {
        let mut want = vec![vec![true; pods.len()]; pods.len()];
        let mut got = want.clone();
        let mut differs = false;
        for (i, client) in pods.iter().enumerate() {
            for (j, server) in pods.iter().enumerate() {
                if i == j {
                    continue;
                }
                let mut expected = upstream.allowed(client, server, proto_name, port);
                let server_ns = server.metadata.namespace.as_deref().unwrap_or_default();
                let zero_trust =
                    matches!(baseline, Baseline::Supervisor) && !opted_out.contains(&server_ns);
                if zero_trust
                    && client.metadata.namespace != server.metadata.namespace
                    && !upstream.ingress_isolated(server)
                {
                    expected = false;
                }
                want[i][j] = expected;
                got[i][j] = allowed(&t, ip_of(client), ip_of(server), proto, port);
                differs |= want[i][j] != got[i][j];
            }
        }
        if differs {
            let _ = write!(
                failures,
                "{name} ({config:?}) {proto_name}/{port}\nexpected:\n{}\ntranslated:\n{}\n",
                matrix_text(&want, &names),
                matrix_text(&got, &names)
            );
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures)
    }
}
