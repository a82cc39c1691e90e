//! NetworkPolicy semantics on the upstream e2e model: namespaces x, y, z (labelled
//! `ns=<name>`) with pods a, b, c (labelled `pod=<name>`) serving TCP and UDP on 80 and 81
//! (named `serve-<port>-<proto>`). For every case the full reachability matrix of the
//! translation, evaluated with the reference evaluator, must equal the one of an independent
//! evaluator of upstream semantics (`allow-cluster`), plus the namespace default for pods no
//! ingress policy selects (`supervisor`).

mod common;

use std::fmt::Write as _;

use common::upstream::Cluster;
use common::*;
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

fn ip(ns: usize, pod: usize) -> String {
    format!("10.244.0.{}", ns * 16 + pod + 2)
}

/// The model's pods; `opted_out` namespaces carry the baseline annotation `allow-cluster`.
fn model(opted_out: &[&str]) -> (Vec<Namespace>, Vec<Pod>) {
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

/// The cases: (name, [(namespace, policy YAML)]).
fn cases() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    vec![
        ("no policies", vec![]),
        (
            "deny all ingress",
            vec![("x", "metadata: {name: deny-all}\nspec: {podSelector: {}}")],
        ),
        (
            "deny all ingress and egress",
            vec![(
                "x",
                "metadata: {name: deny-all}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}",
            )],
        ),
        (
            "allow from the same namespace",
            vec![(
                "x",
                "metadata: {name: same-ns}\nspec:\n  podSelector: {}\n  ingress: [{from: [{podSelector: {}}]}]",
            )],
        ),
        (
            "allow everything to an isolated pod ([{}] rule)",
            vec![(
                "x",
                "metadata: {name: all}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress: [{}]",
            )],
        ),
        (
            "allow from a namespaceSelector",
            vec![(
                "x",
                "metadata: {name: from-y}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}]",
            )],
        ),
        (
            "podSelector AND namespaceSelector in one peer",
            vec![(
                "x",
                "metadata: {name: and}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchExpressions: [{key: ns, operator: In, values: [y, z]}]}\n      podSelector: {matchLabels: {pod: b}}",
            )],
        ),
        (
            "podSelector OR namespaceSelector as separate peers",
            vec![(
                "x",
                "metadata: {name: or}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchExpressions: [{key: ns, operator: In, values: [y]}]}\n    - podSelector: {matchLabels: {pod: b}}",
            )],
        ),
        (
            "matchExpressions NotIn, Exists, DoesNotExist",
            vec![(
                "x",
                "metadata: {name: exprs}\nspec:\n  podSelector: {matchExpressions: [{key: pod, operator: NotIn, values: [c]}, {key: pod, operator: Exists}, {key: missing, operator: DoesNotExist}]}\n  ingress:\n  - from:\n    - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}\n      podSelector: {matchExpressions: [{key: pod, operator: In, values: [a, c]}]}",
            )],
        ),
        (
            "an empty namespaceSelector selects every namespace",
            vec![(
                "y",
                "metadata: {name: all-ns}\nspec:\n  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {pod: c}}}]}]",
            )],
        ),
        (
            "ipBlock with except",
            vec![(
                "x",
                "metadata: {name: cidr}\nspec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.244.0.0/19, except: [10.244.0.16/28, 10.244.0.35/32]}}]}]",
            )],
        ),
        (
            "ipBlock and an overlapping allow from another rule",
            vec![(
                "x",
                "metadata: {name: cidr2}\nspec:\n  podSelector: {}\n  ingress:\n  - from: [{ipBlock: {cidr: 10.244.0.0/19, except: [10.244.0.16/28]}}]\n  - from: [{namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: a}}}]",
            )],
        ),
        (
            "a named port",
            vec![(
                "x",
                "metadata: {name: named}\nspec:\n  podSelector: {}\n  ingress: [{ports: [{port: serve-81-tcp}]}]",
            )],
        ),
        (
            "a named UDP port from another namespace",
            vec![(
                "x",
                "metadata: {name: named-udp}\nspec:\n  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: z}}}], ports: [{port: serve-80-udp, protocol: UDP}]}]",
            )],
        ),
        (
            "a numeric port and endPort",
            vec![(
                "x",
                "metadata: {name: range}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress: [{ports: [{port: 81, endPort: 90, protocol: TCP}]}]",
            )],
        ),
        (
            "endPort covering both ports",
            vec![(
                "y",
                "metadata: {name: range2}\nspec:\n  podSelector: {}\n  ingress: [{ports: [{port: 79, endPort: 81}]}]",
            )],
        ),
        (
            "protocol only (every UDP port)",
            vec![(
                "x",
                "metadata: {name: udp}\nspec:\n  podSelector: {}\n  ingress: [{ports: [{protocol: UDP}]}]",
            )],
        ),
        (
            "UDP rules do not open TCP",
            vec![(
                "x",
                "metadata: {name: udp81}\nspec:\n  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}}], ports: [{protocol: UDP, port: 81}]}]",
            )],
        ),
        (
            "egress deny on the client wins over ingress allow on the server",
            vec![
                (
                    "x",
                    "metadata: {name: deny-egress}\nspec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress]}",
                ),
                (
                    "y",
                    "metadata: {name: allow-all-in}\nspec:\n  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}}]}]",
                ),
            ],
        ),
        (
            "policyTypes default to Ingress plus Egress when egress rules exist",
            vec![(
                "x",
                "metadata: {name: default-types}\nspec:\n  podSelector: {matchLabels: {pod: b}}\n  egress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: 80}]}]",
            )],
        ),
        (
            "egress rules without Egress in policyTypes are ignored",
            vec![(
                "x",
                "metadata: {name: ingress-only}\nspec:\n  podSelector: {matchLabels: {pod: b}}\n  policyTypes: [Ingress]\n  ingress: [{from: [{podSelector: {}}]}]\n  egress: [{to: [{podSelector: {matchLabels: {pod: c}}}]}]",
            )],
        ),
        (
            "egress with a named port resolved on the peers",
            vec![(
                "x",
                "metadata: {name: egress-named}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{namespaceSelector: {matchLabels: {ns: z}}}], ports: [{port: serve-81-udp, protocol: UDP}, {port: serve-80-tcp}]}]",
            )],
        ),
        (
            "egress with a named port to anywhere",
            vec![(
                "z",
                "metadata: {name: egress-named-any}\nspec:\n  podSelector: {matchLabels: {pod: c}}\n  policyTypes: [Egress]\n  egress: [{ports: [{port: serve-81-tcp}]}]",
            )],
        ),
        (
            "egress to an ipBlock",
            vec![(
                "y",
                "metadata: {name: egress-cidr}\nspec:\n  podSelector: {}\n  policyTypes: [Egress, Ingress]\n  egress: [{to: [{ipBlock: {cidr: 10.244.0.32/28, except: [10.244.0.36/32]}}], ports: [{port: 80, protocol: TCP}, {port: 81, protocol: UDP}]}]\n  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]",
            )],
        ),
        (
            "multiple policies: the union of their allows",
            vec![
                (
                    "x",
                    "metadata: {name: from-y}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: 80}]}]",
                ),
                (
                    "x",
                    "metadata: {name: from-zb}\nspec:\n  podSelector: {matchExpressions: [{key: pod, operator: In, values: [a, b]}]}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: z}}, podSelector: {matchLabels: {pod: b}}}]}]",
                ),
                ("x", "metadata: {name: deny-all}\nspec: {podSelector: {}}"),
            ],
        ),
        (
            "policies in other namespaces do not isolate",
            vec![(
                "y",
                "metadata: {name: y-a}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]",
            )],
        ),
        (
            "a policy selecting no pod isolates nothing",
            vec![(
                "z",
                "metadata: {name: nobody}\nspec:\n  podSelector: {matchLabels: {pod: nobody}}\n  policyTypes: [Ingress, Egress]",
            )],
        ),
        (
            "ingress and egress rules with several ports and peers",
            vec![(
                "z",
                "metadata: {name: mixed}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {pod: b}}}, {namespaceSelector: {matchLabels: {ns: x}}, podSelector: {matchLabels: {pod: c}}}]\n    ports: [{port: 80}, {protocol: UDP, port: serve-81-udp}]\n  - from: [{ipBlock: {cidr: 10.244.0.16/28}}]\n    ports: [{protocol: UDP}]\n  egress:\n  - to: [{podSelector: {}}]\n  - to: [{namespaceSelector: {matchLabels: {ns: y}}}]\n    ports: [{port: 81, endPort: 81}]",
            )],
        ),
    ]
}

#[test]
fn reachability_matrices_equal_upstream_semantics() {
    let (namespaces, pods) = model(&[]);
    let mut failures = String::new();
    for (name, policies) in cases() {
        let policies: Vec<NetworkPolicy> = policies
            .into_iter()
            .map(|(ns, yaml)| network_policy(ns, yaml))
            .collect();
        let t = translate(
            &snapshot(namespaces.clone(), pods.clone(), policies.clone()),
            &settings(Baseline::AllowCluster),
        );
        assert_eq!(t.problems, [], "{name}");
        for config in [
            Config::AllowCluster,
            Config::Supervisor,
            Config::SupervisorZOptedOut,
        ] {
            if let Err(e) = check(name, &namespaces, &pods, &policies, config) {
                failures.push_str(&e);
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn the_matrix_check_fails_when_the_translation_is_wrong() {
    // Guard against a check that cannot fail: the supervisor expectation differs from
    // plain Kubernetes, so checking a supervisor translation against allow-cluster
    // expectations must report differences.
    let (namespaces, pods) = model(&[]);
    let s = snapshot(namespaces.clone(), pods.clone(), vec![]);
    let t = translate(&s, &settings(Baseline::Supervisor));
    let upstream = Cluster {
        namespaces: &namespaces,
        pods: &pods,
        policies: &[],
    };
    let x_a: std::net::Ipv4Addr = ip(0, 0).parse().unwrap();
    let y_a: std::net::Ipv4Addr = ip(1, 0).parse().unwrap();
    assert!(upstream.allowed(&pods[0], &pods[3], "TCP", 80));
    assert!(!allowed(&t, x_a, y_a, TCP, 80));
}
