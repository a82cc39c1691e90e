//! Numeric rule IDs: NSX gives every rule a unique positive number that the data path, the
//! logs and Traceflow show. System default rules hold small numbers; user and NCP rules get
//! 1000 and up. An ID stays with its rule's path for the rule's lifetime, across restarts
//! (the allocation table is plain data the shell persists), and is never handed out again.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::FirewallConfig;
use crate::ruleset::{IMPLICIT_RULE_ID, implicit_action};

/// The first ID of user rules.
pub const FIRST_USER_RULE_ID: u32 = 1000;

/// The allocation table of rule IDs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleIds {
    /// The next ID to hand out.
    pub next: u32,
    /// Rule path -> ID, for every live rule.
    pub by_path: BTreeMap<String, u32>,
}

impl Default for RuleIds {
    fn default() -> Self {
        RuleIds {
            next: FIRST_USER_RULE_ID,
            by_path: BTreeMap::new(),
        }
    }
}

impl RuleIds {
    /// Gives every rule of `config` (and every implicit connectivity rule) its ID: the one
    /// its path already holds, a fixed one if the rule came with one (system rules), else
    /// the next free one. IDs of rules that no longer exist are dropped but never reused.
    pub fn assign(&mut self, config: &mut FirewallConfig) {
        let mut live = BTreeMap::new();
        for policy in &mut config.policies {
            for rule in &mut policy.rules {
                let id = self.id_for(&rule.meta.path, rule.rule_id);
                rule.rule_id = Some(id);
                live.insert(rule.meta.path.clone(), id);
            }
            if implicit_action(policy.connectivity_preference).is_some() {
                let path = format!("{}/rules/{IMPLICIT_RULE_ID}", policy.meta.path);
                let id = self.id_for(&path, policy.default_rule_id);
                policy.default_rule_id = Some(id);
                live.insert(path, id);
            } else {
                policy.default_rule_id = None;
            }
        }
        self.by_path = live;
    }

    fn id_for(&mut self, path: &str, fixed: Option<u32>) -> u32 {
        if let Some(id) = self.by_path.get(path) {
            return *id;
        }
        match fixed {
            Some(id) if id < FIRST_USER_RULE_ID => id,
            _ => {
                let id = self.next;
                self.next = self.next.saturating_add(1);
                id
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Rule, SecurityPolicy};

    fn config(rules: &[&str]) -> FirewallConfig {
        let mut p = SecurityPolicy::new("p", Category::Application);
        p.rules = rules.iter().map(|r| Rule::new(*r)).collect();
        let mut c = FirewallConfig {
            policies: vec![p],
            ..FirewallConfig::default()
        };
        c.normalize();
        c
    }

    #[test]
    fn ids_are_stable_and_never_reused() {
        let mut ids = RuleIds::default();
        let mut c = config(&["a", "b"]);
        ids.assign(&mut c);
        let got = |c: &FirewallConfig| -> Vec<u32> {
            c.policies[0]
                .rules
                .iter()
                .filter_map(|r| r.rule_id)
                .collect()
        };
        assert_eq!(got(&c), [1000, 1001]);
        let mut c = config(&["b", "c"]);
        ids.assign(&mut c);
        assert_eq!(got(&c), [1001, 1002]);
        let mut c = config(&["a"]);
        ids.assign(&mut c);
        assert_eq!(got(&c), [1003], "a's old ID 1000 is not handed out again");
        let restored: RuleIds =
            serde_json::from_str(&serde_json::to_string(&ids).unwrap()).unwrap();
        assert_eq!(restored, ids);
    }

    #[test]
    fn system_rules_keep_their_small_ids() {
        let mut c = config(&["default-layer3-rule"]);
        c.policies[0].rules[0].rule_id = Some(2);
        let mut ids = RuleIds::default();
        ids.assign(&mut c);
        assert_eq!(c.policies[0].rules[0].rule_id, Some(2));
        assert_eq!(ids.next, FIRST_USER_RULE_ID);
    }
}
