//! NSX's limits: a selector matching more pods than a group may list (500) is split into
//! part groups nested under the group, and membership stays exact.

mod common;

use std::net::Ipv4Addr;

use common::*;
use enclave_dfw::model::Expression;
use enclave_dfw::validate;
use enclave_translate::{Baseline, translate};

#[test]
fn groups_over_500_members_are_split_and_stay_exact() {
    let mut pods = Vec::new();
    for i in 0..1203u32 {
        let ip = Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 244, 0, 2)) + i);
        let labels: &[(&str, &str)] = if i % 2 == 0 {
            &[("app", "web")]
        } else {
            &[("app", "db")]
        };
        pods.push(pod(
            "big",
            &format!("p{i:04}"),
            &ip.to_string(),
            labels,
            &[],
        ));
    }
    pods.push(pod("other", "client", "10.244.16.2", &[], &[]));
    let np = network_policy(
        "big",
        "metadata: {name: web-from-big}\nspec:\n  podSelector: {}\n  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]",
    );
    let s = snapshot(
        vec![namespace("big", &[], &[]), namespace("other", &[], &[])],
        pods,
        vec![np],
    );
    let t = translate(&s, &settings(Baseline::AllowCluster));
    assert_eq!(validate(&t.config), Ok(()));
    let target = t
        .config
        .groups
        .iter()
        .find(|g| g.id.ends_with("_tgt"))
        .expect("target group");
    let Some(Expression::PathExpression { paths }) = target.expression.first() else {
        panic!("{:?}", target.expression);
    };
    assert_eq!(paths.len(), 3, "1203 ports in 3 parts: {paths:?}");
    let ip = |i: u32| Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 244, 0, 2)) + i);
    // Web pods (even) anywhere in the list reach the last pod; db pods do not; the
    // other namespace does not.
    assert!(allowed(&t, ip(1200), ip(1202), TCP, 80));
    assert!(allowed(&t, ip(2), ip(1), TCP, 80));
    assert!(!allowed(&t, ip(601), ip(1202), TCP, 80));
    assert!(!allowed(
        &t,
        "10.244.16.2".parse().unwrap(),
        ip(700),
        TCP,
        80
    ));
}
