//! The rule table in evaluation order: categories, then policies by sequence number, then
//! rules by sequence number, with the implicit last rules of ALLOWLIST and DENYLIST policies.
//! Every evaluator (the reference, the compiled engine) walks this one order.

use crate::model::{Action, Category, ConnectivityPreference, FirewallConfig, Rule};

/// One rule of the ordered table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedRule {
    /// The policy's index in [`FirewallConfig::policies`].
    pub policy: usize,
    /// The rule's index in the policy's `rules`, or `None` for the policy's implicit
    /// connectivity-preference rule.
    pub rule: Option<usize>,
    /// The policy's category (`None`: after every category).
    pub category: Option<Category>,
    /// The rule's numeric ID (0 if none was assigned).
    pub rule_id: u32,
}

/// The rules of a configuration in evaluation order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ruleset {
    /// The ordered rules.
    pub rules: Vec<OrderedRule>,
    /// Index of the first rule after the Environment category (where JUMP_TO_APPLICATION
    /// continues).
    pub application_start: usize,
}

/// Where [`Ruleset::replace_policy`] changed the table: the old entries' positions before,
/// the new entries' positions after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyChange {
    /// Positions the policy's old entries had.
    pub removed: std::ops::Range<usize>,
    /// Positions its new entries have.
    pub inserted: std::ops::Range<usize>,
}

/// The path suffix of a policy's implicit connectivity-preference rule.
pub const IMPLICIT_RULE_ID: &str = "default-connectivity-rule";

impl Ruleset {
    /// Orders the rules of `config`. Ties (equal sequence numbers, which NSX leaves
    /// undefined) are broken by rule ID, then by path, so the order is deterministic.
    pub fn new(config: &FirewallConfig) -> Self {
        let mut policies: Vec<usize> = (0..config.policies.len()).collect();
        policies.sort_by(|&a, &b| policy_order(config, a, b));
        let mut rules = Vec::new();
        for p in policies {
            push_policy_rules(config, p, &mut rules);
        }
        let mut set = Ruleset {
            rules,
            application_start: 0,
        };
        set.application_start = set.find_application_start(config);
        set
    }

    /// Updates the table after one policy changed, equal to [`Ruleset::new`] of the new
    /// `config` when every other policy is unchanged and keeps its index: `old` is the
    /// changed policy's index before (`None`: it is new and was appended, so `new` is the
    /// last index), `new` its index in `config` (`None`: it was removed with `Vec::remove`,
    /// so later policies moved down by one). Returns the range of table positions whose
    /// entries changed (everything from the first changed position on may have moved), or
    /// `None` when the changed policy's block is out of order with its neighbours, i.e. the
    /// precondition did not hold (the table must then be rebuilt).
    pub fn replace_policy(
        &mut self,
        config: &FirewallConfig,
        old: Option<usize>,
        new: Option<usize>,
    ) -> Option<PolicyChange> {
        let mut removed = 0..0;
        if let Some(old) = old {
            let start = self.rules.iter().position(|e| e.policy == old);
            if let Some(start) = start {
                let len = self.rules[start..]
                    .iter()
                    .take_while(|e| e.policy == old)
                    .count();
                self.rules.drain(start..start + len);
                removed = start..start + len;
            }
            if new.is_none() {
                for e in &mut self.rules {
                    if e.policy > old {
                        e.policy -= 1;
                    }
                }
            }
        }
        let mut inserted = removed.start..removed.start;
        if let Some(p) = new {
            if p >= config.policies.len() {
                return None;
            }
            let at = self
                .rules
                .partition_point(|e| policy_order(config, e.policy, p).is_lt());
            let mut added = Vec::new();
            push_policy_rules(config, p, &mut added);
            let len = added.len();
            self.rules.splice(at..at, added);
            inserted = at..at + len;
            // The block must sit between its neighbours (the rest kept its order).
            let in_order = |a: usize, b: usize| {
                a < config.policies.len()
                    && b < config.policies.len()
                    && policy_order(config, a, b).is_lt()
            };
            if let Some(before) = at.checked_sub(1).and_then(|i| self.rules.get(i))
                && len > 0
                && !in_order(before.policy, p)
            {
                return None;
            }
            if let Some(after) = self.rules.get(at + len)
                && len > 0
                && !in_order(p, after.policy)
            {
                return None;
            }
        }
        self.application_start = self.find_application_start(config);
        Some(PolicyChange { removed, inserted })
    }

    fn find_application_start(&self, config: &FirewallConfig) -> usize {
        self.rules.partition_point(|e| {
            config
                .policies
                .get(e.policy)
                .is_none_or(|p| category_rank(p.category) <= ENVIRONMENT_RANK)
        })
    }

    /// The rule an entry stands for: the policy's rule, or a synthesized implicit rule.
    pub fn rule(&self, config: &FirewallConfig, index: usize) -> Option<Rule> {
        let entry = self.rules.get(index)?;
        let policy = config.policies.get(entry.policy)?;
        match entry.rule {
            Some(r) => policy.rules.get(r).cloned(),
            None => {
                let mut rule = Rule::new(IMPLICIT_RULE_ID);
                rule.action = implicit_action(policy.connectivity_preference)?;
                rule.rule_id = policy.default_rule_id;
                rule.scope = policy.scope.clone();
                rule.logged = matches!(
                    policy.connectivity_preference,
                    ConnectivityPreference::AllowlistEnableLogging
                        | ConnectivityPreference::DenylistEnableLogging
                );
                rule.meta.path = format!("{}/rules/{IMPLICIT_RULE_ID}", policy.meta.path);
                rule.is_default = true;
                Some(rule)
            }
        }
    }
}

/// The evaluation order of two policies (by index into `config.policies`): category, the
/// default policy last, sequence number, path, ID, then index (as a stable sort would).
fn policy_order(config: &FirewallConfig, a: usize, b: usize) -> std::cmp::Ordering {
    let (pa, pb) = (&config.policies[a], &config.policies[b]);
    category_rank(pa.category)
        .cmp(&category_rank(pb.category))
        .then(pa.is_default.cmp(&pb.is_default))
        .then(pa.sequence_number.cmp(&pb.sequence_number))
        .then_with(|| pa.meta.path.cmp(&pb.meta.path))
        .then_with(|| pa.id.cmp(&pb.id))
        .then(a.cmp(&b))
}

/// Appends policy `p`'s rules in order, then its implicit rule.
fn push_policy_rules(config: &FirewallConfig, p: usize, rules: &mut Vec<OrderedRule>) {
    let policy = &config.policies[p];
    let mut order: Vec<usize> = (0..policy.rules.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&policy.rules[a], &policy.rules[b]);
        ra.sequence_number
            .cmp(&rb.sequence_number)
            .then(
                ra.rule_id
                    .unwrap_or(u32::MAX)
                    .cmp(&rb.rule_id.unwrap_or(u32::MAX)),
            )
            .then_with(|| ra.meta.path.cmp(&rb.meta.path))
            .then_with(|| ra.id.cmp(&rb.id))
    });
    for r in order {
        rules.push(OrderedRule {
            policy: p,
            rule: Some(r),
            category: policy.category,
            rule_id: policy.rules[r].rule_id.unwrap_or(0),
        });
    }
    if implicit_action(policy.connectivity_preference).is_some() {
        rules.push(OrderedRule {
            policy: p,
            rule: None,
            category: policy.category,
            rule_id: policy.default_rule_id.unwrap_or(0),
        });
    }
}

/// The action of a policy's implicit last rule, if its connectivity preference adds one.
pub fn implicit_action(preference: ConnectivityPreference) -> Option<Action> {
    match preference {
        ConnectivityPreference::None => None,
        ConnectivityPreference::Allowlist | ConnectivityPreference::AllowlistEnableLogging => {
            Some(Action::Drop)
        }
        ConnectivityPreference::Denylist | ConnectivityPreference::DenylistEnableLogging => {
            Some(Action::Allow)
        }
    }
}

const ENVIRONMENT_RANK: u8 = 3;

/// Evaluation rank of a category; policies without one come last.
pub fn category_rank(category: Option<Category>) -> u8 {
    match category {
        Some(Category::Ethernet) => 0,
        Some(Category::Emergency) => 1,
        Some(Category::Infrastructure) => 2,
        Some(Category::Environment) => ENVIRONMENT_RANK,
        Some(Category::Application) => 4,
        None => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SecurityPolicy;

    fn policy(id: &str, category: Category, seq: i64, rules: &[(&str, i64)]) -> SecurityPolicy {
        let mut p = SecurityPolicy::new(id, category);
        p.sequence_number = seq;
        p.rules = rules
            .iter()
            .map(|(id, seq)| {
                let mut r = Rule::new(*id);
                r.sequence_number = *seq;
                r
            })
            .collect();
        p
    }

    #[test]
    fn categories_then_policy_then_rule_sequence() {
        let mut config = FirewallConfig {
            policies: vec![
                policy("app", Category::Application, 1, &[("b", 2), ("a", 1)]),
                policy("infra", Category::Infrastructure, 50, &[("x", 0)]),
                policy("env", Category::Environment, 0, &[("e", 0)]),
                policy("app0", Category::Application, 0, &[("z", 0)]),
            ],
            ..FirewallConfig::default()
        };
        let mut default = policy(
            "default-layer3-section",
            Category::Application,
            0,
            &[("d", 0)],
        );
        default.is_default = true;
        config.policies.push(default);
        config.normalize();
        let set = Ruleset::new(&config);
        let names: Vec<String> = (0..set.rules.len())
            .map(|i| set.rule(&config, i).map(|r| r.id).unwrap_or_default())
            .collect();
        assert_eq!(names, ["x", "e", "z", "a", "b", "d"]);
        assert_eq!(set.application_start, 2);
    }

    #[test]
    fn allowlist_policies_end_with_an_implicit_drop() {
        let mut p = policy("np", Category::Application, 10, &[("allow", 0)]);
        p.connectivity_preference = ConnectivityPreference::Allowlist;
        p.default_rule_id = Some(1010);
        let mut config = FirewallConfig {
            policies: vec![p],
            ..FirewallConfig::default()
        };
        config.normalize();
        let set = Ruleset::new(&config);
        assert_eq!(set.rules.len(), 2);
        let implicit = set.rule(&config, 1).unwrap();
        assert_eq!(implicit.action, Action::Drop);
        assert_eq!(implicit.rule_id, Some(1010));
        assert_eq!(
            implicit.meta.path,
            "/infra/domains/default/security-policies/np/rules/default-connectivity-rule"
        );
    }
}
