//! The compiled engine against the reference evaluator: random configurations (categories,
//! policies, rules with groups, literals, negation, services, directions, scopes, actions
//! with jumps, disabled and IPv6 rules, nested and cyclic groups, ALLOWLIST policies),
//! random inventories and random connections; then random incremental updates compared
//! with the reference over the new state.

use std::net::Ipv4Addr;

use enclave_dfw::defaults::factory_config;
use enclave_dfw::model::{group_path, service_path};
use enclave_dfw::*;
use proptest::prelude::*;

/// SplitMix64: a small deterministic generator driven by proptest's seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const NAMESPACES: usize = 3;

fn segment_path(ns: usize) -> String {
    format!("/infra/segments/seg-ns{ns}")
}

fn random_ip(rng: &mut Rng) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, rng.below(3) as u8, 1 + rng.below(12) as u8)
}

fn random_member(rng: &mut Rng, j: usize) -> Member {
    let ns = rng.below(NAMESPACES);
    let segment = segment_path(ns);
    let mut tags = vec![Tag::new("ncp/project", format!("ns{ns}"))];
    if rng.chance(70) {
        tags.push(Tag::new("app", *rng.pick(&["a", "b", "c", "A"])));
    }
    if rng.chance(50) {
        tags.push(Tag::new("tier", *rng.pick(&["web", "db"])));
    }
    let ip = random_ip(rng);
    Member {
        path: format!("{segment}/ports/pod{j}"),
        name: format!("ns{ns}/pod{j}"),
        segment,
        ip,
        mac: format!("04:50:56:00:00:{:02x}", ip.octets()[3]),
        tags,
    }
}

fn random_inventory(rng: &mut Rng) -> Inventory {
    Inventory {
        segments: (0..NAMESPACES)
            .map(|ns| InventorySegment {
                path: segment_path(ns),
                tags: vec![Tag::new("ncp/project", format!("ns{ns}"))],
            })
            .collect(),
        members: (0..rng.below(12)).map(|j| random_member(rng, j)).collect(),
    }
}

fn address_literal(rng: &mut Rng) -> String {
    match rng.below(7) {
        0 => "10.0.0.0/24".into(),
        1 => format!(
            "10.0.{}.{}-10.0.{}.{}",
            0,
            1 + rng.below(6),
            1,
            rng.below(12)
        ),
        2 => "fd00::/64".into(),
        3 => "10.0.1.0/30".into(),
        4 => "0.0.0.0/0".into(),
        _ => random_ip(rng).to_string(),
    }
}

fn condition(rng: &mut Rng) -> Expression {
    let operator = rng
        .pick(&[
            "EQUALS",
            "EQUALS",
            "EQUALS",
            "NOTEQUALS",
            "CONTAINS",
            "STARTSWITH",
            "ENDSWITH",
            "IN",
            "NOTIN",
            "BOGUS",
            "equals",
        ])
        .to_string();
    let tag_key = rng.chance(80);
    let on_segment = rng.chance(30);
    let value = if tag_key {
        if on_segment {
            rng.pick(&[
                "ncp/project|ns0",
                "ncp/project|ns1",
                "|ns2",
                "NCP/PROJECT|NS1",
            ])
            .to_string()
        } else {
            rng.pick(&[
                "app|a",
                "app|b",
                "|a",
                "a",
                "tier|web",
                "APP|A",
                "app|a,b",
                "tier|web, db",
                "app|",
            ])
            .to_string()
        }
    } else {
        rng.pick(&["ns0/pod1", "pod", "ns1", "seg-ns1", "ns0/pod1,ns1/pod2"])
            .to_string()
    };
    Expression::Condition(Condition {
        key: if tag_key {
            rng.pick(&["Tag", "tag"]).to_string()
        } else {
            rng.pick(&["Name", "Bogus"]).to_string()
        },
        member_type: if on_segment {
            rng.pick(&["Segment", "Namespace"]).to_string()
        } else {
            rng.pick(&["SegmentPort", "Pod"]).to_string()
        },
        operator,
        value,
        scope_operator: if rng.chance(15) {
            Some(rng.pick(&["NOTEQUALS", "EQUALS"]).to_string())
        } else {
            None
        },
    })
}

fn criterion(
    rng: &mut Rng,
    group: usize,
    groups: usize,
    inventory_size: usize,
    depth: usize,
) -> Expression {
    match rng.below(10) {
        0..=3 => condition(rng),
        4 if depth < 2 => Expression::NestedExpression {
            expressions: expression_list(rng, group, groups, inventory_size, depth + 1),
        },
        5 => Expression::IPAddressExpression {
            ip_addresses: (0..1 + rng.below(2))
                .map(|_| address_literal(rng))
                .collect(),
        },
        6 => Expression::MACAddressExpression {
            mac_addresses: vec![format!("04:50:56:00:00:{:02X}", 1 + rng.below(12))],
        },
        _ => {
            let paths = (0..1 + rng.below(2))
                .map(|_| match rng.below(6) {
                    // Mostly earlier groups (acyclic), sometimes any group (cycles).
                    0 | 1 if group > 0 => group_path("default", &format!("g{}", rng.below(group))),
                    2 if groups > 0 => group_path("default", &format!("g{}", rng.below(groups))),
                    3 => segment_path(rng.below(NAMESPACES)),
                    4 if inventory_size > 0 => format!(
                        "{}/ports/pod{}",
                        segment_path(rng.below(NAMESPACES)),
                        rng.below(inventory_size)
                    ),
                    _ => "/infra/domains/default/groups/unknown".into(),
                })
                .collect();
            Expression::PathExpression { paths }
        }
    }
}

fn expression_list(
    rng: &mut Rng,
    group: usize,
    groups: usize,
    inventory_size: usize,
    depth: usize,
) -> Vec<Expression> {
    let n = 1 + rng.below(3);
    let mut list = Vec::new();
    for i in 0..n {
        if i > 0 {
            list.push(Expression::ConjunctionOperator {
                conjunction_operator: if rng.chance(50) {
                    Conjunction::And
                } else {
                    Conjunction::Or
                },
            });
        }
        list.push(criterion(rng, group, groups, inventory_size, depth));
    }
    if rng.chance(3) {
        // Malformed: two criteria in a row.
        list.push(condition(rng));
    }
    if rng.chance(2) {
        list.clear();
    }
    list
}

fn peers(rng: &mut Rng, groups: usize) -> Vec<String> {
    if rng.chance(35) {
        return vec![if rng.chance(80) { "ANY" } else { "any" }.into()];
    }
    (0..1 + rng.below(2))
        .map(|_| match rng.below(7) {
            0..=2 if groups > 0 => group_path("default", &format!("g{}", rng.below(groups))),
            3 => "/infra/domains/default/groups/unknown".into(),
            4 if rng.chance(20) => "ANY".into(),
            _ => address_literal(rng),
        })
        .collect()
}

fn scope(rng: &mut Rng, groups: usize, inventory_size: usize) -> Vec<String> {
    if rng.chance(45) {
        return vec!["ANY".into()];
    }
    (0..1 + rng.below(2))
        .map(|_| match rng.below(5) {
            0 | 1 if groups > 0 => group_path("default", &format!("g{}", rng.below(groups))),
            2 => segment_path(rng.below(NAMESPACES)),
            3 if inventory_size > 0 => format!(
                "{}/ports/pod{}",
                segment_path(rng.below(NAMESPACES)),
                rng.below(inventory_size)
            ),
            _ => "/infra/domains/default/groups/unknown".into(),
        })
        .collect()
}

fn service_entry(rng: &mut Rng) -> ServiceEntry {
    match rng.below(4) {
        0 | 1 => ServiceEntry::L4PortSetServiceEntry {
            id: "e".into(),
            display_name: String::new(),
            l4_protocol: rng.pick(&["TCP", "UDP", "tcp", "SCTP"]).to_string(),
            destination_ports: (0..rng.below(3))
                .map(|_| {
                    rng.pick(&["80", "443", "8000-8100", "53", "0", "x"])
                        .to_string()
                })
                .collect(),
            source_ports: if rng.chance(20) {
                vec![rng.pick(&["1024-65535", "53"]).to_string()]
            } else {
                Vec::new()
            },
        },
        2 => ServiceEntry::ICMPTypeServiceEntry {
            id: "i".into(),
            display_name: String::new(),
            protocol: rng.pick(&["ICMPv4", "ICMPv6", "icmpv4"]).to_string(),
            icmp_type: rng.chance(60).then(|| *rng.pick(&[0u8, 8, 3])),
            icmp_code: rng.chance(30).then_some(0),
        },
        _ => ServiceEntry::IPProtocolServiceEntry {
            id: "p".into(),
            display_name: String::new(),
            protocol_number: *rng.pick(&[6u8, 17, 1, 132]),
        },
    }
}

fn random_rule(
    rng: &mut Rng,
    id: String,
    category: Option<Category>,
    groups: usize,
    inv: usize,
) -> Rule {
    let mut rule = Rule::new(id);
    rule.sequence_number = rng.below(4) as i64;
    rule.source_groups = peers(rng, groups);
    rule.destination_groups = peers(rng, groups);
    rule.sources_excluded = rng.chance(15);
    rule.destinations_excluded = rng.chance(15);
    if rng.chance(45) {
        rule.services = (0..1 + rng.below(2))
            .map(|_| {
                let names: [&str; 6] = ["HTTP", "HTTPS", "DNS-UDP", "ICMP-ALL", "custom", "NOPE"];
                let name = names[rng.below(names.len())];
                service_path(name)
            })
            .collect();
    }
    if rng.chance(25) {
        rule.service_entries = (0..1 + rng.below(2)).map(|_| service_entry(rng)).collect();
    }
    rule.action = match rng.below(10) {
        0..=3 => Action::Allow,
        4..=5 => Action::Drop,
        6 => Action::Reject,
        _ if category == Some(Category::Environment) || rng.chance(20) => Action::JumpToApplication,
        _ => Action::Drop,
    };
    rule.direction = *rng.pick(&[Direction::In, Direction::Out, Direction::InOut]);
    rule.ip_protocol = *rng.pick(&[
        IpProtocol::Ipv4Ipv6,
        IpProtocol::Ipv4Ipv6,
        IpProtocol::Ipv4,
        IpProtocol::Ipv6,
    ]);
    rule.scope = scope(rng, groups, inv);
    rule.disabled = rng.chance(10);
    rule
}

fn random_policy(rng: &mut Rng, id: String, groups: usize, inv: usize) -> SecurityPolicy {
    let category = match rng.below(12) {
        0 => None,
        1 => Some(Category::Ethernet),
        2 => Some(Category::Emergency),
        3 | 4 => Some(Category::Infrastructure),
        5..=7 => Some(Category::Environment),
        _ => Some(Category::Application),
    };
    let mut policy = SecurityPolicy::new(id.clone(), Category::Application);
    policy.category = category;
    policy.sequence_number = rng.below(5) as i64;
    if rng.chance(20) {
        policy.scope = scope(rng, groups, inv);
    }
    policy.stateful = rng.chance(80);
    policy.connectivity_preference = *rng.pick(&[
        ConnectivityPreference::None,
        ConnectivityPreference::None,
        ConnectivityPreference::Allowlist,
        ConnectivityPreference::Denylist,
        ConnectivityPreference::AllowlistEnableLogging,
    ]);
    policy.rules = (0..rng.below(7))
        .map(|r| random_rule(rng, format!("{id}-r{r}"), category, groups, inv))
        .collect();
    policy
}

fn random_config(rng: &mut Rng, inventory_size: usize) -> FirewallConfig {
    random_config_sized(rng, inventory_size, 5)
}

/// A configuration of 1 to `max_policies` random policies.
fn random_config_sized(
    rng: &mut Rng,
    inventory_size: usize,
    max_policies: usize,
) -> FirewallConfig {
    let mut config = if rng.chance(50) {
        factory_config()
    } else {
        FirewallConfig::default()
    };
    let groups = rng.below(8);
    for g in 0..groups {
        let mut group = Group::new(
            format!("g{g}"),
            expression_list(rng, g, groups, inventory_size, 0),
        );
        group.meta.path = group_path("default", &group.id);
        config.groups.push(group);
    }
    if config.services.is_empty() || rng.chance(50) {
        config.services.push(Service {
            id: "custom".into(),
            display_name: String::new(),
            description: String::new(),
            service_entries: (0..1 + rng.below(3)).map(|_| service_entry(rng)).collect(),
            tags: Vec::new(),
            is_default: false,
            meta: ObjectMeta::default(),
        });
    }
    for p in 0..1 + rng.below(max_policies) {
        config
            .policies
            .push(random_policy(rng, format!("p{p}"), groups, inventory_size));
    }
    config.normalize();
    if rng.chance(50) {
        RuleIds::default().assign(&mut config);
    }
    config
}

fn random_connection(rng: &mut Rng, inventory: &Inventory) -> Connection {
    let n = inventory.members.len();
    let endpoint = |rng: &mut Rng| -> (Option<usize>, Ipv4Addr) {
        match rng.below(10) {
            0..=5 if n > 0 => {
                let m = rng.below(n);
                let ip = if rng.chance(90) {
                    inventory.members[m].ip
                } else {
                    random_ip(rng)
                };
                (Some(m), ip)
            }
            6 => (Some(n + rng.below(3)), random_ip(rng)),
            7 => (None, Ipv4Addr::new(192, 168, 1, 1)),
            _ => (None, random_ip(rng)),
        }
    };
    let (source, src_ip) = endpoint(rng);
    let (destination, dst_ip) = endpoint(rng);
    let protocol = *rng.pick(&[6u8, 6, 17, 1, 132, 47]);
    let port = |rng: &mut Rng| -> u16 { *rng.pick(&[0u16, 22, 53, 80, 443, 8050, 8100, 40000, 3]) };
    Connection {
        flow: Flow {
            src_ip,
            dst_ip,
            protocol,
            src_port: port(rng),
            dst_port: port(rng),
        },
        source,
        destination,
    }
}

fn assert_same(
    engine: &Engine,
    config: &FirewallConfig,
    inventory: &Inventory,
    rng: &mut Rng,
    flows: usize,
    what: &str,
) {
    let reference = Reference::new(config, inventory);
    assert_eq!(engine.ruleset(), reference.ruleset(), "{what}: ruleset");
    for _ in 0..flows {
        let connection = random_connection(rng, inventory);
        let expected = reference.evaluate(&connection);
        let got = engine.evaluate(&connection);
        assert_eq!(
            got,
            expected,
            "{what}: {connection:?}\nconfig: {}\ninventory: {}",
            serde_json::to_string(config).unwrap_or_default(),
            serde_json::to_string(inventory).unwrap_or_default()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn engine_equals_reference(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let inventory = random_inventory(&mut rng);
        let config = random_config(&mut rng, inventory.members.len());
        let engine = Engine::compile(&config, &inventory);
        assert_same(&engine, &config, &inventory, &mut rng, 200, "compile");
        // Determinism: a second compile gives the same verdicts and shape.
        let again = Engine::compile(&config, &inventory);
        prop_assert_eq!(engine.stats(), again.stats());
    }

    #[test]
    fn incremental_updates_equal_the_reference(seed in any::<u64>()) {
        run_incremental(seed);
    }

    /// A group's effective members (what `dfw show` and the members API report) are
    /// exactly the ports the reference evaluator finds the group's expression to select.
    #[test]
    fn group_members_equal_the_reference(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let inventory = random_inventory(&mut rng);
        let config = random_config(&mut rng, inventory.members.len());
        let engine = Engine::compile(&config, &inventory);
        let reference = Reference::new(&config, &inventory);
        for group in &config.groups {
            let expected: Vec<usize> = (0..inventory.members.len())
                .filter(|&m| reference.group_holds_member(&group.meta.path, m))
                .collect();
            let got = engine.group_members(&group.meta.path).map(|g| g.ports);
            prop_assert_eq!(got, Some(expected), "group {}", group.meta.path);
        }
        prop_assert_eq!(engine.group_members("/infra/domains/default/groups/absent"), None);
    }
}

proptest! {
    // Fewer cases: the reference evaluator is slow on large configurations.
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// Many policies: ports chain several classifiers (runs of rules with the same
    /// applied-to, merged beyond the chain's length), jumps cross classifiers, and runs
    /// with more sub-rules than a compact classifier holds use full ones.
    #[test]
    fn engine_equals_reference_with_many_policies(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let inventory = random_inventory(&mut rng);
        let mut config = random_config_sized(&mut rng, inventory.members.len(), 20);
        if rng.chance(50) && !config.policies.is_empty() {
            // One long policy applied everywhere: a run beyond a compact classifier.
            let mut extra: Vec<Rule> = Vec::new();
            for (p, policy) in config.policies.iter().enumerate().skip(1) {
                for rule in &policy.rules {
                    let mut rule = rule.clone();
                    rule.id = format!("{}-copy{p}", rule.id);
                    rule.meta = ObjectMeta::default();
                    extra.push(rule);
                }
            }
            let first = &mut config.policies[0];
            first.rules.extend(extra);
            first.scope = vec!["ANY".into()];
            for rule in &mut first.rules {
                rule.scope = vec!["ANY".into()];
            }
            config.normalize();
        }
        let engine = Engine::compile(&config, &inventory);
        assert_same(&engine, &config, &inventory, &mut rng, 100, "compile");
    }
}

fn run_incremental(seed: u64) {
    let mut rng = Rng(seed);
    let mut inventory = random_inventory(&mut rng);
    let mut config = random_config(&mut rng, inventory.members.len());
    let mut engine = Engine::compile(&config, &inventory);
    for step in 0..6 {
        match rng.below(6) {
            0 if !inventory.members.is_empty() => {
                let m = rng.below(inventory.members.len());
                let mut changed = random_member(&mut rng, m);
                if rng.chance(50) {
                    changed.ip = inventory.members[m].ip;
                }
                inventory.members[m] = changed;
                engine.update_members(&inventory, &[m]);
            }
            1 => {
                let j = inventory.members.len();
                inventory.members.push(random_member(&mut rng, j));
                engine.update_members(&inventory, &[j]);
            }
            2 if !inventory.members.is_empty() => {
                let m = rng.below(inventory.members.len());
                inventory.members.swap_remove(m);
                engine.update_members(&inventory, &[m]);
            }
            3 if !config.policies.is_empty() => {
                // Change one policy: new rules, sequence, action.
                let p = rng.below(config.policies.len());
                let groups = config.groups.len();
                let id = config.policies[p].id.clone();
                let mut policy = random_policy(&mut rng, id, groups, inventory.members.len());
                policy.meta = config.policies[p].meta.clone();
                if rng.chance(50) {
                    policy.category = config.policies[p].category;
                }
                let path = policy.meta.path.clone();
                config.policies[p] = policy;
                config.normalize();
                engine.update_policy(&config, &inventory, &path);
            }
            4 if !config.policies.is_empty() => {
                let p = rng.below(config.policies.len());
                let path = config.policies.remove(p).meta.path;
                engine.update_policy(&config, &inventory, &path);
            }
            _ => {
                // A new policy with a new group, as NCP adds for a NetworkPolicy.
                let groups = config.groups.len();
                let mut group = Group::new(
                    format!("g{groups}"),
                    expression_list(&mut rng, groups, groups, inventory.members.len(), 0),
                );
                group.meta.path = group_path("default", &group.id);
                config.groups.push(group);
                let id = format!("new{step}");
                let policy = random_policy(&mut rng, id, groups + 1, inventory.members.len());
                config.policies.push(policy);
                config.normalize();
                let path = config
                    .policies
                    .last()
                    .map(|p| p.meta.path.clone())
                    .unwrap_or_default();
                engine.update_policy(&config, &inventory, &path);
            }
        }
        assert_same(
            &engine,
            &config,
            &inventory,
            &mut rng,
            60,
            &format!("after step {step}"),
        );
    }
}
