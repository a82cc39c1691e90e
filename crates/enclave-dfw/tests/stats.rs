//! Rule statistics across recompiles: a successor shares the counters of the rules both
//! engines have, so hits recorded through either engine land on the same counters; new rules
//! start at zero and removed rules are dropped.

use enclave_dfw::defaults::factory_config;
use enclave_dfw::*;

fn config(rules: &[&str]) -> FirewallConfig {
    let mut config = factory_config();
    let mut policy = SecurityPolicy::new("counted", Category::Application);
    policy.rules = rules
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut rule = Rule::new(*name);
            rule.sequence_number = i as i64;
            rule
        })
        .collect();
    config.policies.push(policy);
    config.normalize();
    RuleIds::default().assign(&mut config);
    config
}

fn path(rule: &str) -> String {
    format!("/infra/domains/default/security-policies/counted/rules/{rule}")
}

fn index_of(engine: &Engine, rule: &str) -> usize {
    let wanted = path(rule);
    (0..engine.ruleset().rules.len())
        .find(|&i| engine.rule_path(i) == Some(wanted.as_str()))
        .unwrap_or_else(|| panic!("{rule} is not in the engine"))
}

#[test]
fn successor_shares_counters_of_surviving_rules() {
    let inventory = Inventory::default();
    let first = Engine::compile(&config(&["a", "b"]), &inventory);
    let mut stats = Stats::new();
    stats.sync(&first);
    stats.record_new(index_of(&first, "a"), 10);
    stats.record_new(index_of(&first, "b"), 10);

    // "b" is removed and "c" added before "a", which moves "a" in the table.
    let second = Engine::compile(&config(&["c", "a"]), &inventory);
    let next = stats.successor(&second);
    assert_eq!(next.get(&path("a")).map(|s| s.hit_count), Some(1));
    assert_eq!(next.get(&path("c")).map(|s| s.hit_count), Some(0));
    assert_eq!(next.get(&path("b")), None);

    // A data plane still on the first engine records into the shared counter.
    stats.record_new(index_of(&first, "a"), 10);
    next.record_new(index_of(&second, "a"), 10);
    let a = next.get(&path("a")).unwrap_or_default();
    assert_eq!((a.hit_count, a.byte_count), (3, 30));
    assert_eq!(stats.get(&path("a")).map(|s| s.hit_count), Some(3));
    assert_eq!(next.get(&path("c")).map(|s| s.hit_count), Some(0));
}
