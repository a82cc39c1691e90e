//! Checks a firewall configuration the way NSX checks a write: references resolve, literals
//! parse, expression lists are well formed and within NSX's limits, actions fit their
//! category. A configuration that passes can be compiled; one that fails is refused whole.

use std::collections::{BTreeSet, HashMap};

use crate::DfwError;
use crate::literal::{l4_protocol, parse_address, parse_ports};
use crate::model::{
    ANY, Action, Category, Expression, FirewallConfig, Group, ServiceEntry, is_any,
};

/// Most criteria (conditions and nested expressions) in one expression list (NSX: 5).
pub const MAX_CRITERIA_PER_LIST: usize = 5;
/// Most addresses, MACs or paths in one group (NSX: 500).
pub const MAX_VALUES_PER_GROUP: usize = 500;
/// Most entries in a rule's sources, destinations or scope (NSX: 128).
pub const MAX_RULE_PEERS: usize = 128;
/// Highest policy sequence number a user may give (NSX: 999,999).
pub const MAX_POLICY_SEQUENCE: i64 = 999_999;

/// Checks `config` (normalized: paths filled in); returns every problem found, in a stable
/// order.
pub fn validate(config: &FirewallConfig) -> Result<(), Vec<DfwError>> {
    let mut errors = Vec::new();
    let groups: HashMap<&str, &Group> = config
        .groups
        .iter()
        .map(|g| (g.meta.path.as_str(), g))
        .collect();
    let services: BTreeSet<&str> = config
        .services
        .iter()
        .map(|s| s.meta.path.as_str())
        .collect();
    duplicates(
        config.groups.iter().map(|g| g.meta.path.as_str()),
        &mut errors,
    );
    duplicates(
        config.services.iter().map(|s| s.meta.path.as_str()),
        &mut errors,
    );
    duplicates(
        config.policies.iter().map(|p| p.meta.path.as_str()),
        &mut errors,
    );
    for group in &config.groups {
        let mut values = 0;
        check_expression(
            &group.meta.path,
            &group.expression,
            &mut values,
            &mut errors,
        );
        if values > MAX_VALUES_PER_GROUP {
            errors.push(DfwError::TooMany {
                what: format!("addresses, MACs and paths in group {}", group.meta.path),
                limit: MAX_VALUES_PER_GROUP,
            });
        }
        check_group_paths(group, &groups, &mut errors);
    }
    for service in &config.services {
        for entry in &service.service_entries {
            check_entry(&service.meta.path, entry, &mut errors);
        }
    }
    for policy in &config.policies {
        if !policy.is_default && !(0..=MAX_POLICY_SEQUENCE).contains(&policy.sequence_number) {
            errors.push(DfwError::Invalid(format!(
                "security policy {}: sequence_number {} is not between 0 and {MAX_POLICY_SEQUENCE}",
                policy.meta.path, policy.sequence_number
            )));
        }
        check_scope(&policy.meta.path, &policy.scope, &groups, &mut errors);
        duplicates(
            policy.rules.iter().map(|r| r.meta.path.as_str()),
            &mut errors,
        );
        for rule in &policy.rules {
            let at = &rule.meta.path;
            if rule.action == Action::JumpToApplication
                && policy.category != Some(Category::Environment)
            {
                errors.push(DfwError::Invalid(format!(
                    "rule {at}: JUMP_TO_APPLICATION is only supported in the Environment category"
                )));
            }
            for (what, list) in [
                ("source_groups", &rule.source_groups),
                ("destination_groups", &rule.destination_groups),
            ] {
                check_peers(at, what, list, &groups, &mut errors);
            }
            check_scope(at, &rule.scope, &groups, &mut errors);
            check_any_alone(at, "services", &rule.services, &mut errors);
            if !is_any(&rule.services) {
                for service in &rule.services {
                    if !services.contains(service.as_str()) {
                        errors.push(DfwError::UnknownReference {
                            at: at.clone(),
                            path: service.clone(),
                        });
                    }
                }
            }
            for entry in &rule.service_entries {
                check_entry(at, entry, &mut errors);
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn duplicates<'a>(paths: impl Iterator<Item = &'a str>, errors: &mut Vec<DfwError>) {
    let mut seen = BTreeSet::new();
    for path in paths {
        if !seen.insert(path) {
            errors.push(DfwError::Invalid(format!("{path} is defined twice")));
        }
    }
}

fn check_any_alone(at: &str, what: &str, list: &[String], errors: &mut Vec<DfwError>) {
    if list.len() > 1 && list.iter().any(|e| e.eq_ignore_ascii_case(ANY)) {
        errors.push(DfwError::Invalid(format!(
            "{at}: {what} may hold {ANY} only as its single element"
        )));
    }
}

fn check_peers(
    at: &str,
    what: &str,
    list: &[String],
    groups: &HashMap<&str, &Group>,
    errors: &mut Vec<DfwError>,
) {
    check_any_alone(at, what, list, errors);
    if list.len() > MAX_RULE_PEERS {
        errors.push(DfwError::TooMany {
            what: format!("{what} of {at}"),
            limit: MAX_RULE_PEERS,
        });
    }
    if is_any(list) {
        return;
    }
    for peer in list {
        match parse_address(peer) {
            Some(Ok(_)) => {}
            Some(Err(e)) => errors.push(e),
            None if groups.contains_key(peer.as_str()) => {}
            None => errors.push(DfwError::UnknownReference {
                at: at.to_string(),
                path: peer.clone(),
            }),
        }
    }
}

fn check_scope(
    at: &str,
    list: &[String],
    groups: &HashMap<&str, &Group>,
    errors: &mut Vec<DfwError>,
) {
    check_any_alone(at, "scope", list, errors);
    if is_any(list) {
        return;
    }
    for path in list {
        // Segments and ports are inventory paths: they may come and go with pods, so only
        // group references are checked here.
        if path.contains("/groups/") && !groups.contains_key(path.as_str()) {
            errors.push(DfwError::UnknownReference {
                at: at.to_string(),
                path: path.clone(),
            });
        } else if !path.starts_with("/infra/") {
            errors.push(DfwError::Invalid(format!(
                "{at}: applied-to {path:?} is not a group, segment or segment port path"
            )));
        }
    }
}

fn check_expression(at: &str, list: &[Expression], values: &mut usize, errors: &mut Vec<DfwError>) {
    if list.is_empty() {
        return;
    }
    if list.len().is_multiple_of(2) {
        errors.push(DfwError::Invalid(format!(
            "group {at}: an expression list must have an odd number of elements"
        )));
    }
    let mut criteria = 0;
    for (i, e) in list.iter().enumerate() {
        let conjunction = matches!(e, Expression::ConjunctionOperator { .. });
        if conjunction != (i % 2 == 1) {
            errors.push(DfwError::Invalid(format!(
                "group {at}: criteria and conjunction operators must alternate (element {i})"
            )));
            return;
        }
        match e {
            Expression::Condition(c) => {
                criteria += 1;
                if !["Tag", "Name"]
                    .iter()
                    .any(|k| c.key.eq_ignore_ascii_case(k))
                {
                    errors.push(DfwError::Invalid(format!(
                        "group {at}: condition key {:?} is not supported (Tag, Name)",
                        c.key
                    )));
                }
                const OPERATORS: [&str; 7] = [
                    "EQUALS",
                    "NOTEQUALS",
                    "CONTAINS",
                    "STARTSWITH",
                    "ENDSWITH",
                    "IN",
                    "NOTIN",
                ];
                if !OPERATORS.iter().any(|o| c.operator.eq_ignore_ascii_case(o)) {
                    errors.push(DfwError::Invalid(format!(
                        "group {at}: condition operator {:?} is not one of {}",
                        c.operator,
                        OPERATORS.join(", ")
                    )));
                }
            }
            Expression::NestedExpression { expressions } => {
                criteria += 1;
                check_expression(at, expressions, values, errors);
            }
            Expression::IPAddressExpression { ip_addresses } => {
                *values += ip_addresses.len();
                for a in ip_addresses {
                    match parse_address(a) {
                        Some(Ok(_)) => {}
                        Some(Err(e)) => errors.push(e),
                        None => errors.push(crate::DfwError::InvalidAddress(a.clone())),
                    }
                }
            }
            Expression::MACAddressExpression { mac_addresses } => {
                *values += mac_addresses.len();
            }
            Expression::PathExpression { paths } => *values += paths.len(),
            Expression::ConjunctionOperator { .. } => {}
        }
    }
    if criteria > MAX_CRITERIA_PER_LIST {
        errors.push(DfwError::TooMany {
            what: format!("conditions and nested expressions in one list of group {at}"),
            limit: MAX_CRITERIA_PER_LIST,
        });
    }
}

/// Path expressions must name existing groups (segments and ports may come later) and must
/// not lead back to the group itself.
fn check_group_paths(group: &Group, groups: &HashMap<&str, &Group>, errors: &mut Vec<DfwError>) {
    let mut stack: Vec<(&str, usize)> = vec![(group.meta.path.as_str(), 0)];
    let mut visited = BTreeSet::new();
    while let Some((path, depth)) = stack.pop() {
        let Some(current) = groups.get(path) else {
            continue;
        };
        if !visited.insert(path) {
            continue;
        }
        for target in group_paths_of(&current.expression) {
            if target.contains("/groups/") {
                if target == group.meta.path {
                    errors.push(DfwError::Invalid(format!(
                        "group {}: membership refers back to itself",
                        group.meta.path
                    )));
                    return;
                }
                if !groups.contains_key(target) {
                    if depth == 0 {
                        errors.push(DfwError::UnknownReference {
                            at: group.meta.path.clone(),
                            path: target.to_string(),
                        });
                    }
                    continue;
                }
                stack.push((target, depth + 1));
            }
        }
    }
}

fn group_paths_of(list: &[Expression]) -> Vec<&str> {
    let mut out = Vec::new();
    for e in list {
        match e {
            Expression::PathExpression { paths } => out.extend(paths.iter().map(String::as_str)),
            Expression::NestedExpression { expressions } => out.extend(group_paths_of(expressions)),
            _ => {}
        }
    }
    out
}

fn check_entry(at: &str, entry: &ServiceEntry, errors: &mut Vec<DfwError>) {
    match entry {
        ServiceEntry::L4PortSetServiceEntry {
            l4_protocol: name,
            destination_ports,
            source_ports,
            ..
        } => {
            if let Err(e) = l4_protocol(name) {
                errors.push(e);
            }
            for p in destination_ports.iter().chain(source_ports) {
                if let Err(e) = parse_ports(p) {
                    errors.push(e);
                }
            }
            if destination_ports.len() + source_ports.len() > 15 {
                errors.push(DfwError::TooMany {
                    what: format!("ports in a service entry of {at}"),
                    limit: 15,
                });
            }
        }
        ServiceEntry::ICMPTypeServiceEntry { protocol, .. } => {
            if !["ICMPv4", "ICMPv6"]
                .iter()
                .any(|p| protocol.eq_ignore_ascii_case(p))
            {
                errors.push(DfwError::InvalidProtocol(protocol.clone()));
            }
        }
        ServiceEntry::IPProtocolServiceEntry { .. } => {}
    }
}
