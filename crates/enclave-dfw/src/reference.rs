//! The reference evaluator: the firewall's semantics written straight from the rules, with no
//! precomputation. It is slow on purpose and serves as the oracle the compiled engine is
//! tested against.
//!
//! Semantics:
//! - The egress side (the source's port, OUT and IN_OUT rules applied to it) is checked first;
//!   the ingress side (the destination's port, IN and IN_OUT rules) only if the flow got out.
//!   A side outside the inventory checks nothing.
//! - On each side the first matching rule in [`Ruleset`] order decides. ALLOW passes the side,
//!   DROP and REJECT stop the flow; JUMP_TO_APPLICATION (Environment only) skips to the first
//!   Application rule. Disabled rules and IPv6-only rules never match. No match passes.
//! - Applied-to: the policy's scope when it is not ANY, else the rule's scope; ANY applies
//!   everywhere. A scope entry is a group (its members), a segment (its ports) or a port.
//! - A source or destination entry is ANY, an address literal, or a group, whose addresses
//!   are the IPs of its members plus its address expressions. `*_excluded` negates the list.
//! - Services: ANY, or any entry of the listed services or of `service_entries` matches.
//! - Groups: criteria at even indices joined by AND (binding tighter) and OR; conditions on
//!   `Tag` and `Name`, compared case-insensitively; path expressions to groups, segments and
//!   ports; nested expressions. A reference to an unknown object matches nothing.

use std::net::Ipv4Addr;

use crate::flow::{Connection, Decision, Flow, Inventory, Member, Side, SideVerdict, Verdict};
use crate::literal::{AddressLiteral, l4_protocol, parse_address, parse_ports, protocol};
use crate::model::{
    Action, Condition, Conjunction, Expression, FirewallConfig, IpProtocol, Rule, ServiceEntry,
    is_any,
};
use crate::ruleset::Ruleset;

/// Deepest nesting of groups (path expressions) followed; deeper references match nothing,
/// which also ends reference cycles.
const MAX_GROUP_DEPTH: usize = 16;

/// The naive evaluator over one configuration and inventory.
pub struct Reference<'a> {
    config: &'a FirewallConfig,
    inventory: &'a Inventory,
    ruleset: Ruleset,
}

impl<'a> Reference<'a> {
    /// An evaluator for `config` (normalized: paths filled in) over `inventory`.
    pub fn new(config: &'a FirewallConfig, inventory: &'a Inventory) -> Self {
        Reference {
            config,
            inventory,
            ruleset: Ruleset::new(config),
        }
    }

    /// The ordered rule table the verdicts' rule indices refer to.
    pub fn ruleset(&self) -> &Ruleset {
        &self.ruleset
    }

    /// The verdict for the first packet of `connection`.
    pub fn evaluate(&self, connection: &Connection) -> Verdict {
        let egress = connection
            .source
            .map(|m| self.side(Side::Egress, m, &connection.flow));
        let blocked = egress.is_some_and(|e| e.decision != Decision::Allow);
        let ingress = match (blocked, connection.destination) {
            (false, Some(m)) => Some(self.side(Side::Ingress, m, &connection.flow)),
            _ => None,
        };
        Verdict::from_sides(egress, ingress)
    }

    fn side(&self, side: Side, member: usize, flow: &Flow) -> SideVerdict {
        let mut index = 0;
        while index < self.ruleset.rules.len() {
            let entry = &self.ruleset.rules[index];
            let Some(rule) = self.ruleset.rule(self.config, index) else {
                index += 1;
                continue;
            };
            if self.rule_matches(entry.policy, &rule, side, member, flow) {
                match rule.action {
                    Action::Allow => return verdict(member, Decision::Allow, index),
                    Action::Drop => return verdict(member, Decision::Drop, index),
                    Action::Reject => return verdict(member, Decision::Reject, index),
                    Action::JumpToApplication => {
                        if entry.category == Some(crate::model::Category::Environment) {
                            index = index.max(self.ruleset.application_start);
                            continue;
                        }
                    }
                }
            }
            index += 1;
        }
        SideVerdict {
            member,
            decision: Decision::Allow,
            rule: None,
        }
    }

    fn rule_matches(
        &self,
        policy: usize,
        rule: &Rule,
        side: Side,
        member: usize,
        flow: &Flow,
    ) -> bool {
        if rule.disabled || rule.ip_protocol == IpProtocol::Ipv6 {
            return false;
        }
        let checks = match side {
            Side::Egress => rule.direction.checks_egress(),
            Side::Ingress => rule.direction.checks_ingress(),
        };
        if !checks {
            return false;
        }
        let Some(policy) = self.config.policies.get(policy) else {
            return false;
        };
        let scope = if is_any(&policy.scope) {
            &rule.scope
        } else {
            &policy.scope
        };
        if !is_any(scope) && !scope.iter().any(|s| self.in_scope(s, member)) {
            return false;
        }
        self.peers_match(&rule.source_groups, rule.sources_excluded, flow.src_ip)
            && self.peers_match(
                &rule.destination_groups,
                rule.destinations_excluded,
                flow.dst_ip,
            )
            && self.services_match(rule, flow)
    }

    /// Whether the group at `path` holds the inventory's member `member` (its expression
    /// selects the port); false for an unknown group or member.
    pub fn group_holds_member(&self, path: &str, member: usize) -> bool {
        let Some(m) = self.inventory.members.get(member) else {
            return false;
        };
        self.group_expression(path)
            .is_some_and(|e| self.expression_holds(e, Candidate::Member(m), 0))
    }

    fn in_scope(&self, path: &str, member: usize) -> bool {
        let Some(m) = self.inventory.members.get(member) else {
            return false;
        };
        if m.path == path || m.segment == path {
            return true;
        }
        self.group_expression(path)
            .is_some_and(|e| self.expression_holds(e, Candidate::Member(m), 0))
    }

    fn peers_match(&self, peers: &[String], excluded: bool, ip: Ipv4Addr) -> bool {
        if is_any(peers) {
            return true;
        }
        let found = peers.iter().any(|peer| self.peer_holds(peer, ip));
        found != excluded
    }

    fn peer_holds(&self, peer: &str, ip: Ipv4Addr) -> bool {
        match parse_address(peer) {
            Some(Ok(AddressLiteral::V4(range))) => range.contains(ip),
            Some(_) => false,
            None => self.group_has_address(peer, ip),
        }
    }

    /// Whether `ip` is one of a group's addresses: an address expression holds it, or a
    /// member with that IP belongs to the group.
    fn group_has_address(&self, path: &str, ip: Ipv4Addr) -> bool {
        let Some(expression) = self.group_expression(path) else {
            return false;
        };
        self.expression_holds(expression, Candidate::Address(ip), 0)
            || self
                .inventory
                .members
                .iter()
                .filter(|m| m.ip == ip)
                .any(|m| self.expression_holds(expression, Candidate::Member(m), 0))
    }

    fn group_expression(&self, path: &str) -> Option<&'a [Expression]> {
        self.config
            .groups
            .iter()
            .find(|g| g.meta.path == path)
            .map(|g| g.expression.as_slice())
    }

    /// Evaluates an expression list: OR of AND-runs of criteria. A malformed list (a
    /// conjunction where a criterion belongs) matches nothing.
    fn expression_holds(&self, list: &[Expression], who: Candidate<'_>, depth: usize) -> bool {
        if depth > MAX_GROUP_DEPTH || list.is_empty() {
            return false;
        }
        let mut any_run = false;
        let mut run = true;
        for (i, e) in list.iter().enumerate() {
            if i % 2 == 1 {
                match e {
                    Expression::ConjunctionOperator {
                        conjunction_operator: Conjunction::And,
                    } => {}
                    Expression::ConjunctionOperator {
                        conjunction_operator: Conjunction::Or,
                    } => {
                        any_run |= run;
                        run = true;
                    }
                    _ => return false,
                }
                continue;
            }
            let holds = match e {
                Expression::ConjunctionOperator { .. } => return false,
                Expression::Condition(c) => self.condition_holds(c, who),
                Expression::NestedExpression { expressions } => {
                    self.expression_holds(expressions, who, depth + 1)
                }
                Expression::IPAddressExpression { ip_addresses } => {
                    let ip = who.ip();
                    ip_addresses.iter().any(|a| {
                        matches!(parse_address(a), Some(Ok(AddressLiteral::V4(r))) if r.contains(ip))
                    })
                }
                Expression::MACAddressExpression { mac_addresses } => match who {
                    Candidate::Member(m) => {
                        mac_addresses.iter().any(|a| a.eq_ignore_ascii_case(&m.mac))
                    }
                    Candidate::Address(_) => false,
                },
                Expression::PathExpression { paths } => paths.iter().any(|p| {
                    let member_path = match who {
                        Candidate::Member(m) => m.path == *p || m.segment == *p,
                        Candidate::Address(_) => false,
                    };
                    member_path
                        || self
                            .group_expression(p)
                            .is_some_and(|nested| self.expression_holds(nested, who, depth + 1))
                }),
            };
            run &= holds;
        }
        any_run | run
    }

    fn condition_holds(&self, c: &Condition, who: Candidate<'_>) -> bool {
        let Candidate::Member(m) = who else {
            return false;
        };
        let on_segment = matches!(
            c.member_type.as_str(),
            "Segment" | "LogicalSwitch" | "Namespace" | "KubernetesNamespace"
        );
        let segment = self.inventory.segment(&m.segment);
        if c.key.eq_ignore_ascii_case("Tag") {
            let tags = if on_segment {
                segment.map(|s| s.tags.as_slice()).unwrap_or_default()
            } else {
                m.tags.as_slice()
            };
            tag_condition(c, tags)
        } else if c.key.eq_ignore_ascii_case("Name") {
            let name = if on_segment {
                m.segment.rsplit('/').next().unwrap_or_default()
            } else {
                m.name.as_str()
            };
            string_condition(&c.operator, name, &c.value)
        } else {
            false
        }
    }

    /// ANY services and no inline entries match every flow; otherwise a listed service or
    /// an inline entry must match.
    fn services_match(&self, rule: &Rule, flow: &Flow) -> bool {
        let any_service = is_any(&rule.services);
        if any_service && rule.service_entries.is_empty() {
            return true;
        }
        let listed = !any_service
            && rule.services.iter().any(|path| {
                self.config
                    .services
                    .iter()
                    .find(|s| s.meta.path == *path)
                    .is_some_and(|s| s.service_entries.iter().any(|e| entry_matches(e, flow)))
            });
        listed || rule.service_entries.iter().any(|e| entry_matches(e, flow))
    }
}

fn verdict(member: usize, decision: Decision, rule: usize) -> SideVerdict {
    SideVerdict {
        member,
        decision,
        rule: Some(rule),
    }
}

#[derive(Clone, Copy)]
enum Candidate<'m> {
    Member(&'m Member),
    Address(Ipv4Addr),
}

impl Candidate<'_> {
    fn ip(self) -> Ipv4Addr {
        match self {
            Candidate::Member(m) => m.ip,
            Candidate::Address(ip) => ip,
        }
    }
}

/// Whether a flow matches one service entry. Malformed entries match nothing.
pub fn entry_matches(entry: &ServiceEntry, flow: &Flow) -> bool {
    match entry {
        ServiceEntry::L4PortSetServiceEntry {
            l4_protocol: name,
            destination_ports,
            source_ports,
            ..
        } => {
            let Ok(proto) = l4_protocol(name) else {
                return false;
            };
            let in_list = |list: &[String], port: u16| {
                list.is_empty()
                    || list
                        .iter()
                        .any(|p| parse_ports(p).is_ok_and(|r| r.contains(port)))
            };
            flow.protocol == proto
                && in_list(destination_ports, flow.dst_port)
                && in_list(source_ports, flow.src_port)
        }
        ServiceEntry::ICMPTypeServiceEntry {
            protocol: name,
            icmp_type,
            icmp_code,
            ..
        } => {
            name.eq_ignore_ascii_case("ICMPv4")
                && flow.protocol == protocol::ICMP
                && icmp_type.is_none_or(|t| u16::from(t) == flow.src_port)
                && icmp_code.is_none_or(|c| u16::from(c) == flow.dst_port)
        }
        ServiceEntry::IPProtocolServiceEntry {
            protocol_number, ..
        } => flow.protocol == *protocol_number,
    }
}

/// A `Tag` condition: `scope|tag`, or `|tag` / `tag` for any scope.
fn tag_condition(c: &Condition, tags: &[crate::model::Tag]) -> bool {
    let (scope, value) = match c.value.split_once('|') {
        Some((scope, value)) => (Some(scope), value),
        None => (None, c.value.as_str()),
    };
    let scope = scope.filter(|s| !s.is_empty());
    let scope_differs = c
        .scope_operator
        .as_deref()
        .is_some_and(|op| op.eq_ignore_ascii_case("NOTEQUALS"));
    let scope_ok = |t: &crate::model::Tag| match scope {
        None => true,
        Some(s) => t.scope.eq_ignore_ascii_case(s) != scope_differs,
    };
    let op = c.operator.to_ascii_uppercase();
    match op.as_str() {
        "NOTEQUALS" => !tags
            .iter()
            .any(|t| scope_ok(t) && t.tag.eq_ignore_ascii_case(value)),
        "NOTIN" => !tags
            .iter()
            .any(|t| scope_ok(t) && string_condition("IN", &t.tag, value)),
        _ => tags
            .iter()
            .any(|t| scope_ok(t) && string_condition(&op, &t.tag, value)),
    }
}

/// A string comparison of NSX conditions, case-insensitive. `IN` and `NOTIN` take a
/// comma-separated list.
fn string_condition(operator: &str, actual: &str, expected: &str) -> bool {
    let actual = actual.to_ascii_lowercase();
    let expected = expected.to_ascii_lowercase();
    match operator.to_ascii_uppercase().as_str() {
        "EQUALS" => actual == expected,
        "NOTEQUALS" => actual != expected,
        "CONTAINS" => actual.contains(&expected),
        "STARTSWITH" => actual.starts_with(&expected),
        "ENDSWITH" => actual.ends_with(&expected),
        "IN" => expected.split(',').any(|v| v.trim() == actual),
        "NOTIN" => !expected.split(',').any(|v| v.trim() == actual),
        _ => false,
    }
}
