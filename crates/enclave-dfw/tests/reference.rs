//! The reference evaluator on the seed story's firewall: the namespace default drops Envoy's
//! connection to the shop at rule 1005 `deny-all-ingress`, an Infrastructure override wins
//! over it, and the rest of the semantics (directions, negation, services, jumps, groups).

use std::net::Ipv4Addr;

use enclave_dfw::defaults::factory_config;
use enclave_dfw::literal::protocol;
use enclave_dfw::model::{group_path, service_path};
use enclave_dfw::*;

const SHOP_SEGMENT: &str = "/infra/segments/seg-ns-hackazon-app-0";
const ENVOY_SEGMENT: &str = "/infra/segments/seg-svc-contour-domain-c8-0";

fn member(name: &str, segment: &str, ip: [u8; 4], labels: &[(&str, &str)]) -> Member {
    Member {
        path: format!("{segment}/ports/{name}"),
        name: name.into(),
        segment: segment.into(),
        ip: Ipv4Addr::from(ip),
        mac: format!("04:50:56:00:00:{:02x}", ip[3]),
        tags: labels.iter().map(|(k, v)| Tag::new(*k, *v)).collect(),
    }
}

/// Two shop pods, one Envoy pod, one pod in another namespace.
fn inventory() -> Inventory {
    Inventory {
        segments: vec![
            InventorySegment {
                path: SHOP_SEGMENT.into(),
                tags: vec![Tag::new("ncp/project", "ns-hackazon-app")],
            },
            InventorySegment {
                path: ENVOY_SEGMENT.into(),
                tags: vec![Tag::new("ncp/project", "svc-contour-domain-c8")],
            },
        ],
        members: vec![
            member(
                "shop-1",
                SHOP_SEGMENT,
                [10, 244, 0, 18],
                &[("app", "hackazon-shop")],
            ),
            member(
                "shop-2",
                SHOP_SEGMENT,
                [10, 244, 0, 19],
                &[("app", "hackazon-shop")],
            ),
            member(
                "envoy-1",
                ENVOY_SEGMENT,
                [10, 244, 0, 34],
                &[("app", "envoy")],
            ),
        ],
    }
}

fn namespace_group(ns: &str) -> Group {
    let mut g = Group::new(
        format!("{ns}-members"),
        vec![Expression::Condition(Condition {
            key: "Tag".into(),
            member_type: "Segment".into(),
            operator: "EQUALS".into(),
            value: format!("ncp/project|{ns}"),
            scope_operator: None,
        })],
    );
    g.meta.path = group_path("default", &g.id);
    g
}

/// The Supervisor's namespace default: members may talk among themselves; everything else
/// arriving at a member is dropped by `deny-all-ingress`.
fn seed_config() -> FirewallConfig {
    let mut config = factory_config();
    let members = group_path("default", "ns-hackazon-app-members");
    config.groups.push(namespace_group("ns-hackazon-app"));
    let mut policy = SecurityPolicy::new("ns-hackazon-app-default", Category::Application);
    policy.sequence_number = 500;
    let mut intra = Rule::new("allow-intra-namespace");
    intra.source_groups = vec![members.clone()];
    intra.destination_groups = vec![members.clone()];
    intra.direction = Direction::In;
    intra.scope = vec![members.clone()];
    let mut deny = Rule::new("deny-all-ingress");
    deny.sequence_number = 1;
    deny.action = Action::Drop;
    deny.direction = Direction::In;
    deny.scope = vec![members];
    policy.rules = vec![intra, deny];
    config.policies.push(policy);
    config.normalize();
    // Two rules before ours took 1000-1003 in the seed's Supervisor: deny-all-ingress is 1005.
    let mut ids = RuleIds {
        next: 1004,
        ..RuleIds::default()
    };
    ids.assign(&mut config);
    config
}

fn tcp(inv: &Inventory, from: usize, to: usize, port: u16) -> Connection {
    Connection {
        flow: Flow {
            src_ip: inv.members[from].ip,
            dst_ip: inv.members[to].ip,
            protocol: protocol::TCP,
            src_port: 40000,
            dst_port: port,
        },
        source: Some(from),
        destination: Some(to),
    }
}

fn rule_of(
    config: &FirewallConfig,
    reference: &Reference<'_>,
    side: Option<SideVerdict>,
) -> Option<(u32, String)> {
    let index = side?.rule?;
    let rule = reference.ruleset().rule(config, index)?;
    Some((rule.rule_id.unwrap_or(0), rule.name().to_string()))
}

#[test]
fn envoy_to_shop_is_dropped_by_deny_all_ingress_1005() {
    let config = seed_config();
    assert_eq!(validate(&config), Ok(()));
    let inv = inventory();
    let reference = Reference::new(&config, &inv);
    let verdict = reference.evaluate(&tcp(&inv, 2, 0, 80));
    assert_eq!(verdict.decision, Decision::Drop);
    let (side, blocked) = verdict.blocking().unwrap();
    assert_eq!(side, Side::Ingress);
    assert_eq!(
        rule_of(&config, &reference, Some(blocked)),
        Some((1005, "deny-all-ingress".into()))
    );
    // Envoy's own port let the flow out: no rule is applied to it, so it passed by default
    // at the Default Layer3 Rule (2).
    assert_eq!(
        rule_of(&config, &reference, verdict.egress),
        Some((2, "Default Layer3 Rule".into()))
    );

    let inside = reference.evaluate(&tcp(&inv, 1, 0, 80));
    assert_eq!(inside.decision, Decision::Allow);
    assert_eq!(
        rule_of(&config, &reference, inside.ingress),
        Some((1004, "allow-intra-namespace".into()))
    );
    // The shop may leave its namespace: north-south and egress are not isolated.
    assert_eq!(
        reference.evaluate(&tcp(&inv, 0, 2, 443)).decision,
        Decision::Allow
    );
}

#[test]
fn the_infrastructure_override_wins_over_the_namespace_default() {
    let mut config = seed_config();
    let mut overwrite = SecurityPolicy::new("OverwriteEverything", Category::Infrastructure);
    let mut any = Rule::new("AnyAnyAny");
    any.source_groups = vec!["10.244.0.0/19".into()];
    any.destination_groups = vec!["10.244.0.0/19".into()];
    overwrite.rules = vec![any];
    config.policies.push(overwrite);
    config.normalize();
    let mut ids = RuleIds::default();
    ids.assign(&mut config);
    let inv = inventory();
    let reference = Reference::new(&config, &inv);
    let verdict = reference.evaluate(&tcp(&inv, 2, 0, 80));
    assert_eq!(verdict.decision, Decision::Allow);
    assert_eq!(
        rule_of(&config, &reference, verdict.ingress).map(|r| r.1),
        Some("AnyAnyAny".into())
    );
}

#[test]
fn directions_services_negation_and_reject() {
    let mut config = factory_config();
    let shop = {
        let mut g = Group::new(
            "shop",
            vec![Expression::Condition(Condition {
                key: "Tag".into(),
                member_type: "SegmentPort".into(),
                operator: "EQUALS".into(),
                value: "app|hackazon-shop".into(),
                scope_operator: None,
            })],
        );
        g.meta.path = group_path("default", "shop");
        g
    };
    config.groups.push(shop);
    let mut policy = SecurityPolicy::new("web", Category::Application);
    // Only HTTP may reach the shop, and only from outside the shop itself (negation); any
    // other TCP to the shop is refused.
    let mut http = Rule::new("http-in");
    http.source_groups = vec![group_path("default", "shop")];
    http.sources_excluded = true;
    http.destination_groups = vec![group_path("default", "shop")];
    http.services = vec![service_path("HTTP")];
    http.direction = Direction::In;
    let mut reject = Rule::new("reject-rest");
    reject.sequence_number = 1;
    reject.destination_groups = vec![group_path("default", "shop")];
    reject.service_entries = vec![ServiceEntry::IPProtocolServiceEntry {
        id: "tcp".into(),
        display_name: String::new(),
        protocol_number: protocol::TCP,
    }];
    reject.action = Action::Reject;
    reject.direction = Direction::In;
    policy.rules = vec![http, reject];
    config.policies.push(policy);
    config.normalize();
    assert_eq!(validate(&config), Ok(()));
    let inv = inventory();
    let reference = Reference::new(&config, &inv);
    assert_eq!(
        reference.evaluate(&tcp(&inv, 2, 0, 80)).decision,
        Decision::Allow
    );
    assert_eq!(
        reference.evaluate(&tcp(&inv, 2, 0, 8080)).decision,
        Decision::Reject
    );
    // Shop to shop on 80 is not "from outside the shop": the HTTP rule does not match.
    assert_eq!(
        reference.evaluate(&tcp(&inv, 1, 0, 80)).decision,
        Decision::Reject
    );
    // IN rules are not checked at the source: the shop's own connections out pass.
    assert_eq!(
        reference.evaluate(&tcp(&inv, 0, 2, 8080)).decision,
        Decision::Allow
    );
    // UDP is not TCP.
    let mut udp = tcp(&inv, 2, 0, 8080);
    udp.flow.protocol = protocol::UDP;
    assert_eq!(reference.evaluate(&udp).decision, Decision::Allow);
}

#[test]
fn jump_to_application_skips_the_rest_of_environment() {
    let mut config = seed_config();
    let mut env = SecurityPolicy::new("zones", Category::Environment);
    let mut jump = Rule::new("to-app");
    jump.action = Action::JumpToApplication;
    jump.destination_groups = vec!["10.244.0.18".into()];
    let mut drop_all = Rule::new("drop-all");
    drop_all.sequence_number = 1;
    drop_all.action = Action::Drop;
    env.rules = vec![jump, drop_all];
    config.policies.push(env);
    config.normalize();
    assert_eq!(validate(&config), Ok(()));
    let inv = inventory();
    let reference = Reference::new(&config, &inv);
    // shop-2 -> shop-1: jumped past drop-all, allowed by the namespace rule.
    assert_eq!(
        reference.evaluate(&tcp(&inv, 1, 0, 80)).decision,
        Decision::Allow
    );
    // shop-1 -> shop-2: no jump, drop-all at the source.
    let verdict = reference.evaluate(&tcp(&inv, 0, 1, 80));
    assert_eq!(verdict.decision, Decision::Drop);
    assert_eq!(verdict.blocking().map(|b| b.0), Some(Side::Egress));
    assert!(
        verdict.ingress.is_none(),
        "a flow dropped on the way out never arrives"
    );
}

#[test]
fn broken_configurations_are_refused_with_every_problem() {
    let mut config = factory_config();
    let mut bad_group = Group::new(
        "bad",
        vec![
            Expression::IPAddressExpression {
                ip_addresses: vec!["10.0.0.0/33".into()],
            },
            Expression::IPAddressExpression {
                ip_addresses: vec!["10.0.0.1".into()],
            },
        ],
    );
    bad_group.meta.path = group_path("default", "bad");
    config.groups.push(bad_group);
    let mut policy = SecurityPolicy::new("p", Category::Application);
    policy.sequence_number = 1_000_000;
    let mut rule = Rule::new("r");
    rule.source_groups = vec!["/infra/domains/default/groups/nope".into()];
    rule.destination_groups = vec!["ANY".into(), "10.0.0.1".into()];
    rule.services = vec![service_path("NOPE")];
    rule.service_entries = vec![ServiceEntry::L4PortSetServiceEntry {
        id: "e".into(),
        display_name: String::new(),
        l4_protocol: "TCP".into(),
        destination_ports: vec!["70000".into()],
        source_ports: Vec::new(),
    }];
    rule.action = Action::JumpToApplication;
    policy.rules = vec![rule];
    config.policies.push(policy);
    config.normalize();
    let errors = validate(&config).unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    for expected in [
        "must alternate",
        "invalid IP address, CIDR or range \"10.0.0.0/33\"",
        "sequence_number 1000000",
        "JUMP_TO_APPLICATION is only supported in the Environment category",
        "/infra/domains/default/groups/nope does not exist",
        "ANY only as its single element",
        "/infra/services/NOPE does not exist",
        "invalid port or port range \"70000\"",
    ] {
        assert!(
            text.iter().any(|t| t.contains(expected)),
            "{expected} not in {text:#?}"
        );
    }
}
