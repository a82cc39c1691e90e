//! Broken input becomes problems on the objects (kube-style reason and message), never a
//! panic or a half-applied policy: what is broken allows nothing, the rest translates.

mod common;

use std::net::Ipv4Addr;

use common::*;
use enclave_dfw::validate;
use enclave_translate::{BASELINE_ANNOTATION, Baseline, Problem, Settings, translate};

fn reasons(problems: &[Problem]) -> Vec<(&str, &str, &str)> {
    problems
        .iter()
        .map(|p| {
            (
                p.object.name.as_str(),
                p.reason.as_str(),
                p.message.as_str(),
            )
        })
        .collect()
}

const WEB: Ipv4Addr = Ipv4Addr::new(10, 244, 0, 2);
const CLIENT: Ipv4Addr = Ipv4Addr::new(10, 244, 0, 3);
const OTHER: Ipv4Addr = Ipv4Addr::new(10, 244, 0, 18);

fn cluster(
    policies: Vec<k8s_openapi::api::networking::v1::NetworkPolicy>,
) -> enclave_translate::Snapshot {
    snapshot(
        vec![namespace("web", &[], &[]), namespace("other", &[], &[])],
        vec![
            pod(
                "web",
                "server",
                "10.244.0.2",
                &[("app", "web")],
                &[("http", "TCP", 8080)],
            ),
            pod("web", "client", "10.244.0.3", &[("app", "client")], &[]),
            pod("other", "client", "10.244.0.18", &[("app", "client")], &[]),
        ],
        policies,
    )
}

#[test]
fn a_named_port_nobody_has_an_invalid_cidr_and_an_except_outside_its_cidr() {
    let np = network_policy(
        "web",
        r#"
metadata: {name: broken}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports: [{port: https}]
  - from: [{ipBlock: {cidr: 10.244.0.0/40}}]
  - from: [{ipBlock: {cidr: 10.244.0.0/28, except: [10.244.1.0/24]}}]
    ports: [{port: 8080}]
  - from: [{podSelector: {matchLabels: {app: client}}}]
    ports: [{port: http}]
"#,
    );
    let t = translate(&cluster(vec![np]), &settings(Baseline::AllowCluster));
    assert_eq!(validate(&t.config), Ok(()));
    assert_eq!(
        reasons(&t.problems),
        [
            (
                "broken",
                "NamedPortNotFound",
                "spec.ingress[0].ports[0]: named port \"https\" (TCP) is not declared by any pod the policy selects"
            ),
            (
                "broken",
                "InvalidIPBlock",
                "spec.ingress[1].from[0].ipBlock: ipBlock cidr \"10.244.0.0/40\" is not a valid CIDR"
            ),
            (
                "broken",
                "ExceptOutsideCIDR",
                "spec.ingress[2].from[0].ipBlock: ipBlock except \"10.244.1.0/24\" must be a strict subset of cidr \"10.244.0.0/28\""
            ),
        ]
    );
    let problem = &t.problems[0];
    assert_eq!(problem.object.kind, "NetworkPolicy");
    assert_eq!(problem.object.namespace, "web");
    assert_eq!(problem.object.uid, "uid-np-web-broken");
    // The rest translated: the client reaches http (8080) through the named port and the
    // CIDR rule; the other namespace's client is in neither.
    assert!(allowed(&t, CLIENT, WEB, TCP, 8080));
    assert!(!allowed(&t, OTHER, WEB, TCP, 8080));
    // Broken parts allow nothing: no https port, no rule from the invalid CIDR (it would
    // otherwise allow every source), the pod stays isolated.
    assert!(!allowed(&t, CLIENT, WEB, TCP, 443));
    assert!(!allowed(&t, OTHER, WEB, TCP, 9999));
}

#[test]
fn invalid_selectors_ports_peers_and_annotations() {
    let np = network_policy(
        "web",
        r#"
metadata: {name: odd}
spec:
  podSelector: {}
  policyTypes: [Ingress, Sideways]
  ingress:
  - from:
    - podSelector: {matchExpressions: [{key: app, operator: Matches, values: [web]}]}
    - {}
    - ipBlock: {cidr: 10.0.0.0/8}
      podSelector: {}
    - ipBlock: {cidr: 10.244.0.0/19, except: [not-a-cidr]}
  - ports: [{port: 0}, {protocol: ICMP}, {port: 8080, endPort: 80}, {protocol: SCTP, port: 9}]
"#,
    );
    let mut s = cluster(vec![np]);
    s.namespaces[0] = namespace("web", &[], &[(BASELINE_ANNOTATION, "open")]);
    let t = translate(&s, &Settings::default());
    assert_eq!(validate(&t.config), Ok(()));
    let got: Vec<&str> = t.problems.iter().map(|p| p.reason.as_str()).collect();
    assert_eq!(
        got,
        [
            "InvalidBaselinePolicy",
            "InvalidPolicyType",
            "InvalidSelector",
            "InvalidPeer",
            "InvalidPeer",
            "InvalidIPBlock",
            "InvalidPort",
            "InvalidPort",
            "InvalidPort",
            "UnsupportedProtocol",
        ],
        "{:#?}",
        t.problems
    );
    assert_eq!(t.problems[0].object.kind, "Namespace");
    assert!(
        t.problems[0].message.contains("using supervisor"),
        "{}",
        t.problems[0].message
    );
    // Every rule was broken: the policy isolates and allows nothing, even inside the
    // namespace; an invalid annotation falls back to the cluster default (supervisor).
    assert!(!allowed(&t, CLIENT, WEB, TCP, 8080));
    assert!(!allowed(&t, OTHER, WEB, TCP, 8080));
    assert!(!allowed(&t, WEB, CLIENT, TCP, 8080));
    assert!(!allowed(&t, WEB, OTHER, TCP, 8080), "other is zero trust");
}

#[test]
fn duplicate_pod_ips_and_policy_uids_are_reported_and_skipped() {
    let mut s = cluster(vec![
        network_policy("web", "metadata: {name: a}\nspec: {podSelector: {}}"),
        network_policy("web", "metadata: {name: b}\nspec: {podSelector: {}}"),
    ]);
    s.network_policies[1].metadata.uid = s.network_policies[0].metadata.uid.clone();
    s.pods.push(pod("web", "zz-copy", "10.244.0.2", &[], &[]));
    s.placement = enclave_translate::Placement::simple(&s.namespaces, &s.pods);
    let t = translate(&s, &Settings::default());
    assert_eq!(validate(&t.config), Ok(()));
    assert_eq!(
        reasons(&t.problems),
        [
            (
                "zz-copy",
                "DuplicatePodIP",
                "status.podIP: pod IP 10.244.0.2 is also used by web/server; this pod is not enforced"
            ),
            (
                "b",
                "DuplicateUID",
                "metadata.uid: NetworkPolicy UID \"uid-np-web-a\" is also used by web/a; this object is ignored"
            ),
        ]
    );
    assert_eq!(t.inventory.members.len(), 3);
}

#[test]
fn pods_without_an_ip_placement_or_that_finished_are_not_members() {
    let mut s = cluster(vec![]);
    let mut pending = pod("web", "pending", "", &[], &[]);
    if let Some(st) = pending.status.as_mut() {
        st.pod_ip = None;
    }
    let mut done = pod("web", "done", "10.244.0.9", &[], &[]);
    if let Some(st) = done.status.as_mut() {
        st.phase = Some("Succeeded".into());
    }
    let v6 = pod("web", "v6", "fd00::1", &[], &[]);
    s.pods.extend([pending, done, v6]);
    s.placement = enclave_translate::Placement::simple(&s.namespaces, &s.pods);
    s.pods.push(pod("web", "unplaced", "10.244.0.10", &[], &[]));
    let t = translate(&s, &Settings::default());
    assert_eq!(t.inventory.members.len(), 3);
    assert_eq!(t.problems, []);
}
