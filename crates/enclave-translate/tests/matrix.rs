//! NetworkPolicy semantics on the upstream e2e model: namespaces x, y, z (labelled
//! `ns=<name>`) with pods a, b, c (labelled `pod=<name>`) serving TCP and UDP on 80 and 81
//! (named `serve-<port>-<proto>`). For every case the full reachability matrix of the
//! translation, evaluated with the reference evaluator, must equal the one of an independent
//! evaluator of upstream semantics (`allow-cluster`), plus the namespace default for pods no
//! ingress policy selects (`supervisor`).

mod common;

use common::model::{Config, check, ip, model};
use common::upstream::Cluster;
use common::*;
use enclave_translate::{Baseline, translate};
use k8s_openapi::api::networking::v1::NetworkPolicy;

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
