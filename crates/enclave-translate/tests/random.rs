//! Random labels, selectors and policies within the e2e model: the translation never
//! panics, always validates, and its reachability matrices equal upstream semantics under
//! `allow-cluster` (and upstream plus the namespace default under `supervisor`).

mod common;

use common::model::{Config, NAMESPACES, PODS, check};
use common::*;
use enclave_dfw::validate;
use enclave_translate::{Baseline, translate};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, LabelSelectorRequirement, ObjectMeta,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use proptest::prelude::*;

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

fn selector() -> impl Strategy<Value = LabelSelector> {
    let key = prop::sample::select(vec!["pod", "app", "team", "ns"]);
    let value = prop::sample::select(vec!["a", "b", "c", "x", "y", "web", "db", "red"]);
    let values = prop::sample::subsequence(vec!["a", "b", "x", "z", "web", "red"], 1..3);
    let expression = (
        key.clone(),
        prop::sample::select(vec!["In", "NotIn", "Exists", "DoesNotExist"]),
        values,
    )
        .prop_map(|(key, op, values)| LabelSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: matches!(op, "In" | "NotIn").then(|| strings(&values)),
        });
    prop_oneof![
        Just(LabelSelector::default()),
        (key, value).prop_map(|(k, v)| LabelSelector {
            match_labels: Some([(k.to_string(), v.to_string())].into()),
            ..LabelSelector::default()
        }),
        prop::collection::vec(expression, 1..3).prop_map(|e| LabelSelector {
            match_expressions: Some(e),
            ..LabelSelector::default()
        }),
    ]
}

fn ip_block() -> impl Strategy<Value = IPBlock> {
    prop_oneof![
        (
            prop::sample::select(vec!["10.244.0.0/19", "0.0.0.0/0"]),
            prop::sample::subsequence(
                vec!["10.244.0.16/28", "10.244.0.2/32", "10.244.0.34/31"],
                0..3
            )
        )
            .prop_map(|(cidr, except)| IPBlock {
                cidr: cidr.into(),
                except: Some(strings(&except)),
            }),
        prop::sample::select(vec!["10.244.0.32/28", "10.244.0.3/32", "10.244.0.16/29"]).prop_map(
            |cidr| IPBlock {
                cidr: cidr.into(),
                except: None,
            }
        ),
    ]
}

fn peer() -> impl Strategy<Value = NetworkPolicyPeer> {
    prop_oneof![
        selector().prop_map(|s| NetworkPolicyPeer {
            pod_selector: Some(s),
            ..NetworkPolicyPeer::default()
        }),
        selector().prop_map(|s| NetworkPolicyPeer {
            namespace_selector: Some(s),
            ..NetworkPolicyPeer::default()
        }),
        (selector(), selector()).prop_map(|(p, n)| NetworkPolicyPeer {
            pod_selector: Some(p),
            namespace_selector: Some(n),
            ..NetworkPolicyPeer::default()
        }),
        ip_block().prop_map(|b| NetworkPolicyPeer {
            ip_block: Some(b),
            ..NetworkPolicyPeer::default()
        }),
    ]
}

fn port() -> impl Strategy<Value = NetworkPolicyPort> {
    let protocol = prop::option::of(prop::sample::select(vec!["TCP", "UDP"]));
    prop_oneof![
        protocol.clone().prop_map(|p| NetworkPolicyPort {
            protocol: p.map(Into::into),
            ..NetworkPolicyPort::default()
        }),
        (protocol.clone(), 79..83i32, prop::option::of(80..83i32)).prop_map(|(p, first, end)| {
            NetworkPolicyPort {
                protocol: p.map(Into::into),
                port: Some(IntOrString::Int(first)),
                end_port: end.map(|e| e.max(first)),
            }
        }),
        (
            protocol,
            prop::sample::select(vec![
                "serve-80-tcp",
                "serve-81-tcp",
                "serve-80-udp",
                "serve-81-udp"
            ])
        )
            .prop_map(|(p, name)| NetworkPolicyPort {
                protocol: p.map(Into::into),
                port: Some(IntOrString::String(name.into())),
                end_port: None,
            }),
    ]
}

type RuleParts = (
    Option<Vec<NetworkPolicyPeer>>,
    Option<Vec<NetworkPolicyPort>>,
);

fn rule() -> impl Strategy<Value = RuleParts> {
    (
        prop::option::of(prop::collection::vec(peer(), 0..3)),
        prop::option::of(prop::collection::vec(port(), 0..3)),
    )
}

fn policy() -> impl Strategy<Value = (usize, NetworkPolicySpec)> {
    let types = prop::option::of(prop::sample::subsequence(vec!["Ingress", "Egress"], 0..3));
    (
        0..3usize,
        selector(),
        types,
        prop::collection::vec(rule(), 0..3),
        prop::option::of(prop::collection::vec(rule(), 0..3)),
    )
        .prop_map(|(ns, pod_selector, types, ingress, egress)| {
            (
                ns,
                NetworkPolicySpec {
                    pod_selector: Some(pod_selector),
                    policy_types: types.map(|t| strings(&t)),
                    ingress: Some(
                        ingress
                            .into_iter()
                            .map(|(from, ports)| NetworkPolicyIngressRule { from, ports })
                            .collect(),
                    ),
                    egress: egress.map(|rules| {
                        rules
                            .into_iter()
                            .map(|(to, ports)| NetworkPolicyEgressRule { to, ports })
                            .collect()
                    }),
                },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_policies_match_upstream(
        apps in prop::collection::vec(prop::option::of(prop::sample::select(vec!["web", "db"])), 9),
        teams in prop::collection::vec(prop::option::of(prop::sample::select(vec!["red", "blue"])), 3),
        specs in prop::collection::vec(policy(), 1..4),
    ) {
        let namespaces: Vec<_> = NAMESPACES
            .iter()
            .zip(&teams)
            .map(|(n, team)| {
                let mut labels = vec![("ns", *n)];
                labels.extend(team.map(|t| ("team", t)));
                namespace(n, &labels, &[])
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
                let mut labels = vec![("pod", *p)];
                labels.extend(apps[i * 3 + j].map(|a| ("app", a)));
                pods.push(pod(n, p, &format!("10.244.0.{}", i * 16 + j + 2), &labels, &ports));
            }
        }
        let policies: Vec<NetworkPolicy> = specs
            .into_iter()
            .enumerate()
            .map(|(k, (ns, spec))| NetworkPolicy {
                metadata: ObjectMeta {
                    namespace: Some(NAMESPACES[ns].into()),
                    name: Some(format!("np-{k}")),
                    uid: Some(format!("uid-{k}")),
                    ..ObjectMeta::default()
                },
                spec: Some(spec),
            })
            .collect();
        let t = translate(&snapshot(namespaces.clone(), pods.clone(), policies.clone()), &settings(Baseline::AllowCluster));
        prop_assert_eq!(validate(&t.config), Ok(()));
        for p in &t.problems {
            prop_assert_eq!(&p.reason, "NamedPortNotFound", "{:?}", p);
        }
        for config in [Config::AllowCluster, Config::Supervisor] {
            if let Err(e) = check("random", &namespaces, &pods, &policies, config) {
                prop_assert!(false, "{}\npolicies: {}", e, serde_json::to_string(&policies).unwrap_or_default());
            }
        }
    }
}
