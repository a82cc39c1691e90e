//! The seed story: Envoy in `svc-contour-domain-c8` cannot reach the shop in
//! `ns-hackazon-app` because of the namespace default `deny-all-ingress`; the Infrastructure
//! override wins over it; the seed's NetworkPolicy creates exactly the named allowlist and
//! rule, and deleting it restores the configuration byte for byte.

mod common;

use std::net::Ipv4Addr;

use common::*;
use enclave_dfw::model::{Category, Rule, SecurityPolicy};
use enclave_dfw::{Decision, RuleIds, Side, validate};
use enclave_translate::{Baseline, Settings, Snapshot, Translation, translate};
use k8s_openapi::api::networking::v1::NetworkPolicy;

const SHOP_1: Ipv4Addr = Ipv4Addr::new(10, 244, 0, 18);
const SHOP_2: Ipv4Addr = Ipv4Addr::new(10, 244, 0, 19);
const ENVOY_1: Ipv4Addr = Ipv4Addr::new(10, 244, 0, 34);
const COREDNS: Ipv4Addr = Ipv4Addr::new(10, 244, 0, 2);
const OUTSIDE: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);

fn seed_policy() -> NetworkPolicy {
    network_policy(
        "ns-hackazon-app",
        include_str!("../testdata/seed-network-policy.yaml"),
    )
}

fn seed(policies: Vec<NetworkPolicy>) -> Snapshot {
    let shop_ports = [("http", "TCP", 80)];
    let envoy_ports = [("http", "TCP", 8080), ("https", "TCP", 8443)];
    snapshot(
        vec![
            namespace("default", &[], &[]),
            namespace("kube-system", &[], &[]),
            namespace("ns-hackazon-app", &[("vSphereClusterID", "domain-c8")], &[]),
            namespace(
                "svc-contour-domain-c8",
                &[("vSphereClusterID", "domain-c8")],
                &[],
            ),
        ],
        vec![
            pod(
                "kube-system",
                "coredns-1",
                "10.244.0.2",
                &[("k8s-app", "kube-dns")],
                &[("dns", "UDP", 53)],
            ),
            pod(
                "ns-hackazon-app",
                "hackazon-1",
                "10.244.0.18",
                &[("app", "hackazon-shop")],
                &shop_ports,
            ),
            pod(
                "ns-hackazon-app",
                "hackazon-2",
                "10.244.0.19",
                &[("app", "hackazon-shop")],
                &shop_ports,
            ),
            pod(
                "svc-contour-domain-c8",
                "envoy-1",
                "10.244.0.34",
                &[("app", "envoy")],
                &envoy_ports,
            ),
            pod(
                "svc-contour-domain-c8",
                "envoy-2",
                "10.244.0.35",
                &[("app", "envoy")],
                &envoy_ports,
            ),
        ],
        policies,
    )
}

fn checked(snapshot: &Snapshot, settings: &Settings) -> Translation {
    let t = translate(snapshot, settings);
    assert_eq!(validate(&t.config), Ok(()));
    assert_eq!(t.problems, []);
    t
}

fn json(t: &Translation) -> String {
    serde_json::to_string_pretty(t).expect("serializable")
}

#[test]
fn envoy_to_shop_is_dropped_by_deny_all_ingress_in_application() {
    let t = checked(&seed(vec![]), &Settings::default());
    let v = verdict(&t, ENVOY_1, SHOP_1, TCP, 80);
    assert_eq!(v.decision, Decision::Drop);
    assert_eq!(v.blocking().map(|b| b.0), Some(Side::Ingress));
    let rule = blocking_rule(&t, &v).expect("a rule dropped it");
    assert_eq!(
        rule,
        (
            "Application".to_string(),
            "domain-c8-namespace-defaults".to_string(),
            "deny-all-ingress".to_string()
        )
    );
    // The other way round, the same rule (the seed's traceflow showed 1005 both ways).
    let back = verdict(&t, SHOP_1, ENVOY_1, TCP, 8080);
    assert_eq!(blocking_rule(&t, &back), Some(rule));
    // Inside a namespace, everything passes.
    assert!(allowed(&t, SHOP_2, SHOP_1, TCP, 80));
    assert!(allowed(&t, SHOP_2, SHOP_1, UDP, 9999));
    // North-south: the load balancer and the outside world reach Envoy; pods go out.
    assert!(allowed(&t, OUTSIDE, ENVOY_1, TCP, 8080));
    assert!(allowed(&t, SHOP_1, OUTSIDE, TCP, 443));
    // The system namespaces are plain Kubernetes: every pod reaches DNS.
    assert!(allowed(&t, SHOP_1, COREDNS, UDP, 53));
    assert!(allowed(&t, ENVOY_1, COREDNS, UDP, 53));
    // ... but they are cluster pods: the zero-trust namespaces drop them too.
    assert!(!allowed(&t, COREDNS, SHOP_1, TCP, 80));
}

#[test]
fn the_seed_network_policy_creates_exactly_the_named_allowlist_and_rule() {
    let settings = Settings::default();
    let before = checked(&seed(vec![]), &settings);
    let after = checked(&seed(vec![seed_policy()]), &settings);
    let names = |t: &Translation| -> Vec<String> {
        t.config
            .policies
            .iter()
            .map(|p| p.name().to_string())
            .collect()
    };
    let new: Vec<&SecurityPolicy> = after
        .config
        .policies
        .iter()
        .filter(|p| !names(&before).contains(&p.name().to_string()))
        .collect();
    let new_names: Vec<&str> = new.iter().map(|p| p.name()).collect();
    assert_eq!(
        new_names,
        [
            "ns-hackazon-app-hackazon-app-network-policy-allowlist",
            "ns-hackazon-app-hackazon-app-network-policy-isolation"
        ]
    );
    for p in &new {
        assert_eq!(p.category, Some(Category::Application));
    }
    let rules: Vec<&str> = new[0].rules.iter().map(Rule::name).collect();
    assert_eq!(rules, ["TCP.80-ingress-allow"]);
    let rule = &new[0].rules[0];
    assert_eq!(rule.services.len(), 1);
    assert!(rule.services[0].ends_with("_TCP.80"), "{:?}", rule.services);

    // Envoy reaches the shop on 80, nothing else; the shop pods do not reach each other
    // any more (the policy selects them and allows only Envoy's namespace and contour).
    assert!(allowed(&after, ENVOY_1, SHOP_1, TCP, 80));
    assert!(allowed(&after, ENVOY_1, SHOP_2, TCP, 80));
    let other_port = verdict(&after, ENVOY_1, SHOP_1, TCP, 81);
    assert_eq!(other_port.decision, Decision::Drop);
    assert_eq!(
        blocking_rule(&after, &other_port).map(|r| (r.1, r.2)),
        Some((
            "ns-hackazon-app-hackazon-app-network-policy-isolation".to_string(),
            "ingress-isolation".to_string()
        ))
    );
    assert!(!allowed(&after, ENVOY_1, SHOP_1, UDP, 80));
    assert!(!allowed(&after, SHOP_2, SHOP_1, TCP, 80));
    // Envoy is still zero-trust: the shop cannot open connections to it.
    assert!(!allowed(&after, SHOP_1, ENVOY_1, TCP, 8080));

    // Deleting the policy removes everything it created.
    let removed = checked(&seed(vec![]), &settings);
    assert_eq!(json(&removed), json(&before));
}

#[test]
fn the_infrastructure_override_wins_over_deny_all_ingress() {
    for policies in [vec![], vec![seed_policy()]] {
        let mut t = checked(&seed(policies), &Settings::default());
        let mut overwrite = SecurityPolicy::new("OverwriteEverything", Category::Infrastructure);
        let mut any = Rule::new("AnyAnyAny");
        any.source_groups = vec!["10.244.0.0/19".into()];
        any.destination_groups = vec!["10.244.0.0/19".into()];
        overwrite.rules = vec![any];
        t.config.policies.push(overwrite);
        t.config.normalize();
        assert_eq!(validate(&t.config), Ok(()));
        let v = verdict(&t, ENVOY_1, SHOP_1, TCP, 81);
        assert_eq!(v.decision, Decision::Allow);
        let reference = enclave_dfw::Reference::new(&t.config, &t.inventory);
        let index = v.ingress.and_then(|s| s.rule).expect("a rule allowed it");
        let rule = reference.ruleset().rule(&t.config, index).expect("rule");
        assert_eq!(rule.name(), "AnyAnyAny");
    }
}

#[test]
fn rule_ids_stay_with_their_rules_across_network_policy_changes() {
    let settings = Settings::default();
    let mut ids = RuleIds::default();
    let mut before = checked(&seed(vec![]), &settings).config;
    ids.assign(&mut before);
    let deny_id = |c: &enclave_dfw::FirewallConfig| {
        c.policies
            .iter()
            .flat_map(|p| &p.rules)
            .find(|r| r.name() == "deny-all-ingress")
            .and_then(|r| r.rule_id)
    };
    let first = deny_id(&before);
    assert!(first.is_some());
    let mut after = checked(&seed(vec![seed_policy()]), &settings).config;
    ids.assign(&mut after);
    assert_eq!(deny_id(&after), first);
    let mut again = checked(&seed(vec![seed_policy()]), &settings).config;
    ids.assign(&mut again);
    assert_eq!(again, after, "an unchanged snapshot keeps every rule ID");
}

#[test]
fn translation_is_deterministic_whatever_the_input_order() {
    let settings = Settings::default();
    let mut a = seed(vec![seed_policy()]);
    let t1 = json(&checked(&a, &settings));
    a.namespaces.reverse();
    a.pods.reverse();
    assert_eq!(json(&checked(&a, &settings)), t1);
}

#[test]
fn allow_cluster_and_the_annotation_opt_out() {
    let t = checked(
        &seed(vec![]),
        &enclave_translate::Settings {
            baseline: Baseline::AllowCluster,
            ..Settings::default()
        },
    );
    assert!(allowed(&t, ENVOY_1, SHOP_1, TCP, 80));
    assert!(t.config.policies.is_empty());

    // Opting the shop's namespace out under the Supervisor baseline.
    let mut s = seed(vec![]);
    s.namespaces[2] = namespace(
        "ns-hackazon-app",
        &[],
        &[(enclave_translate::BASELINE_ANNOTATION, "allow-cluster")],
    );
    let t = checked(&s, &Settings::default());
    assert!(allowed(&t, ENVOY_1, SHOP_1, TCP, 80));
    assert!(
        !allowed(&t, SHOP_1, ENVOY_1, TCP, 8080),
        "Envoy's namespace still is zero trust"
    );

    // Opting in under allow-cluster.
    let mut s = seed(vec![]);
    s.namespaces[2] = namespace(
        "ns-hackazon-app",
        &[],
        &[(enclave_translate::BASELINE_ANNOTATION, "supervisor")],
    );
    let t = checked(
        &s,
        &Settings {
            baseline: Baseline::AllowCluster,
            ..Settings::default()
        },
    );
    assert!(!allowed(&t, ENVOY_1, SHOP_1, TCP, 80));
    assert!(allowed(&t, SHOP_1, ENVOY_1, TCP, 8080));
}

#[test]
fn golden_seed_translation() {
    let t = checked(&seed(vec![seed_policy()]), &Settings::default());
    let got = json(&t) + "\n";
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/seed-translation.json"
    );
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(path, &got).expect("write golden file");
    }
    let want = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        got == want,
        "the translation of the seed changed; run with UPDATE_EXPECT=1 and review the diff of {path}"
    );
}
