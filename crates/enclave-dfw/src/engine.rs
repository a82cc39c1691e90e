//! The compiled firewall engine: groups resolved to member sets and address sets once, each
//! rule compiled to address interval sets and service boxes, and per port and side the rules
//! applied to it (applied-to and direction filtered at compile time) split into runs of
//! consecutive rules with the same applied-to, each run compiled once into a classifier
//! that every port with that run shares (the cluster-wide rules are one classifier for all
//! ports). A port side chains at most four runs; a run of up to 64 sub-rules is a compact
//! bitset block in one arena, a larger one a [`Classifier`]; either way the lookup cost does
//! not grow with the number of rules. Verdicts are exactly those of [`crate::Reference`],
//! with rule indices into the same [`Ruleset`].
//!
//! Incremental updates ([`Engine::update_members`], [`Engine::update_policy`]) rebuild only
//! the classifiers whose rules or rule lists changed (found through a rule -> classifier
//! index) and splice the changed policy into the rule table; the result equals a fresh
//! compile.

use std::net::Ipv4Addr;

use crate::hash::{FastMap, FastSet};

use crate::classifier::{
    BLOCK_AFTER_APPLICATION, BLOCK_FULL, Classifier, JUMPED, NO_RULE, SubRule, classify_compact,
    compact_block, compact_len, compact_rules_mut,
};
use crate::flow::{Connection, Decision, Flow, Inventory, MemberId, Side, SideVerdict, Verdict};
use crate::intervals::{self, Intervals};
use crate::literal::{AddressLiteral, l4_protocol, parse_address, parse_ports, protocol};
use crate::model::{
    Action, Category, FirewallConfig, IpProtocol, Rule, SecurityPolicy, ServiceEntry, is_any,
};
use crate::resolve::{
    CompiledGroup, CompiledList, MemberIndex, MemberInfo, Resolver, list_holds, segments_by_path,
};
use crate::ruleset::{Ruleset, category_rank};

/// Changed members up to which an update looks their segments up by scanning.
const SEGMENT_SCAN_MEMBERS: usize = 16;
/// A member's classifier slot meaning "no rule applies".
const NO_CLASSIFIER: u32 = u32::MAX;
/// Most classifiers one port side chains (further runs of rules are merged).
const MAX_RUNS: usize = 4;
/// The classifiers of one port side, in rule order, padded with [`NO_CLASSIFIER`].
type Chain = [u32; MAX_RUNS];
const NO_CHAIN: Chain = [NO_CLASSIFIER; MAX_RUNS];
/// A verdict word: the rule's table order, its decision in the top two bits.
const ORDER_BITS: u32 = 30;
const ORDER_MASK: u32 = (1 << ORDER_BITS) - 1;
const FULL: (u32, u32) = (0, u32::MAX);

/// A protocol x source-port x destination-port box of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ServiceBox {
    protocols: (u32, u32),
    source_ports: (u32, u32),
    destination_ports: (u32, u32),
}

const ANY_SERVICE: ServiceBox = ServiceBox {
    protocols: (0, 255),
    source_ports: (0, 65535),
    destination_ports: (0, 65535),
};

/// What a rule does when it is the first match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RuleKind {
    /// Never matches (disabled, IPv6 only, or a jump outside Environment, which the
    /// reference passes over).
    Never,
    /// An Environment JUMP_TO_APPLICATION.
    Jump,
    /// Decides the side.
    Decide(Decision),
}

#[derive(Debug, Clone)]
enum PeerRef {
    Range(u32, u32),
    Group(u32),
}

#[derive(Debug, Clone)]
enum Peers {
    Any,
    List { refs: Vec<PeerRef>, excluded: bool },
}

#[derive(Debug, Clone)]
struct ScopeRef {
    path: String,
    group: Option<u32>,
}

/// One rule of the table, compiled.
#[derive(Debug, Clone)]
struct CompiledRule {
    /// The rule's path (the implicit rule's synthesized path), the key of statistics.
    path: String,
    kind: RuleKind,
    egress: bool,
    ingress: bool,
    after_application: bool,
    /// Applied-to; `None` is ANY.
    scope: Option<Vec<ScopeRef>>,
    sources: Peers,
    destinations: Peers,
    source_set: Intervals,
    destination_set: Intervals,
    services: Vec<ServiceBox>,
    /// The policy's `stateful` flag.
    stateful: bool,
    /// Identifies the applied-to list (0: ANY): consecutive rules of a port with the same
    /// applied-to usually apply to the same ports, so they share a classifier.
    scope_signature: u64,
}

/// What a verdict needs of a rule, kept dense for the lookup path.
#[derive(Debug, Clone, Copy)]
struct RuleMeta {
    order: u32,
    decision: Decision,
}

#[derive(Debug, Clone)]
struct ClassifierEntry {
    key: Vec<u32>,
    /// The full classifier of a run with more sub-rules than a compact block holds.
    classifier: Option<Classifier>,
    /// Where the compact block (or, for a full classifier, a header naming this entry)
    /// starts in the arena, and its length.
    block_at: u32,
    block_len: u32,
    users: u32,
}

/// The rule slab ids of one policy.
#[derive(Debug, Clone, Default)]
struct PolicyRules {
    rules: Vec<u32>,
    implicit: Option<u32>,
    /// The policy's index in the configuration's policies.
    index: usize,
}

/// A group's effective members (see [`Engine::group_members`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupMembers {
    /// The inventory's ports the group selects, ascending.
    pub ports: Vec<MemberId>,
    /// The address ranges of its IP address expressions (first, last), ascending.
    pub addresses: Vec<(Ipv4Addr, Ipv4Addr)>,
}

/// The compiled firewall. See the module docs.
#[derive(Debug, Clone)]
pub struct Engine {
    groups: Vec<CompiledGroup>,
    group_by_path: FastMap<String, u32>,
    /// Members of groups rules refer to (as peers or applied-to), at depth 0; `None` for
    /// groups no rule refers to directly.
    group_members: Vec<Option<Vec<u32>>>,
    /// Peer address sets of groups rules refer to as peers: address expressions plus
    /// members' IPs.
    group_peer_sets: Vec<Option<Intervals>>,
    members: Vec<MemberInfo>,
    index: MemberIndex,
    services: FastMap<String, Vec<ServiceBox>>,
    /// Rule slab; `None` for freed slots.
    /// Boxed: the slab grows without moving rules (a cloned engine's first update would
    /// otherwise copy every rule).
    rules: Vec<Option<Box<CompiledRule>>>,
    rule_meta: Vec<RuleMeta>,
    free_rules: Vec<u32>,
    policies: FastMap<String, PolicyRules>,
    /// Whether two policies share a path (then updates recompile).
    duplicate_policies: bool,
    /// Policies in the configuration last compiled or updated.
    policy_count: usize,
    ruleset: Ruleset,
    /// Table index -> rule slab id.
    order_to_slab: Vec<u32>,
    /// Reverse indices.
    peer_rules: Vec<Vec<u32>>,
    scope_group_rules: Vec<Vec<u32>>,
    scope_path_rules: FastMap<String, Vec<u32>>,
    any_scope_rules: Vec<u32>,
    /// Per member, the groups it belongs to among those some rule is applied to.
    member_scope_groups: Vec<Vec<u32>>,
    /// Per side (egress, ingress): each member's rule list and classifier.
    member_rules: [Vec<Vec<u32>>; 2],
    member_classifier: [Vec<Chain>; 2],
    /// Per side, each member's chain as arena offsets of the blocks (lookups read these).
    member_blocks: [Vec<Chain>; 2],
    /// The classifier of ids outside the inventory (only ANY-scoped rules reach them).
    outsider_classifier: [Chain; 2],
    outsider_blocks: [Chain; 2],
    /// Every classifier's block, back to back; `arena_garbage` words belong to none.
    arena: Arena,
    arena_garbage: usize,
    classifiers: Vec<Option<Box<ClassifierEntry>>>,
    /// Per classifier slot, bumped each time the slot is filled: entries of
    /// `rule_classifiers` naming an older generation are stale.
    classifier_generation: Vec<u32>,
    free_classifiers: Vec<u32>,
    classifier_by_key: FastMap<Vec<u32>, u32>,
    /// Per rule slab id, the classifiers (slot, generation) built with the rule, so a change
    /// of a rule's address sets rebuilds only those. Stale entries are dropped lazily.
    rule_classifiers: Vec<Vec<(u32, u32)>>,
}

/// The classifiers' blocks, back to back. A clone keeps room to grow, so the first update
/// of a cloned engine (read-copy-update) appends without copying the whole arena.
#[derive(Debug, Default)]
struct Arena(Vec<u32>);

impl Clone for Arena {
    fn clone(&self) -> Self {
        let mut words = Vec::with_capacity(self.0.len() + self.0.len() / 8 + 1024);
        words.extend_from_slice(&self.0);
        Arena(words)
    }
}

fn side_index(side: Side) -> usize {
    match side {
        Side::Egress => 0,
        Side::Ingress => 1,
    }
}

/// Engine size and shape, for benchmarks and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EngineStats {
    /// Rules in the table.
    pub rules: usize,
    /// Distinct classifiers (one per distinct run of rules; ports share them).
    pub classifiers: usize,
    /// Classifiers that look up bitsets: compact blocks, and full classifiers whose
    /// tables would be too big.
    pub bitset_classifiers: usize,
    /// Approximate heap bytes of the classifiers.
    pub classifier_bytes: usize,
    /// The longest rule list of one port side.
    pub max_rules_per_port: usize,
}

impl Engine {
    /// Compiles `config` (normalized, ideally validated; anything else compiles too and
    /// behaves like the reference) over `inventory`.
    pub fn compile(config: &FirewallConfig, inventory: &Inventory) -> Engine {
        let segments = segments_by_path(inventory);
        let members: Vec<MemberInfo> = inventory
            .members
            .iter()
            .map(|m| MemberInfo::new(m, segments.get(m.segment.as_str()).copied()))
            .collect();
        let index = MemberIndex::build(&members);
        let mut group_by_path = FastMap::default();
        for (i, g) in config.groups.iter().enumerate() {
            group_by_path.entry(g.meta.path.clone()).or_insert(i as u32);
        }
        let groups: Vec<CompiledGroup> = config
            .groups
            .iter()
            .map(|g| CompiledGroup {
                source: g.clone(),
                list: CompiledList::new(&g.expression, &group_by_path),
            })
            .collect();
        let mut services: FastMap<String, Vec<ServiceBox>> = FastMap::default();
        for s in &config.services {
            services
                .entry(s.meta.path.clone())
                .or_insert_with(|| s.service_entries.iter().flat_map(entry_boxes).collect());
        }
        let group_count = groups.len();
        let mut policy_paths: Vec<&str> = config
            .policies
            .iter()
            .map(|p| p.meta.path.as_str())
            .collect();
        policy_paths.sort_unstable();
        let duplicate_policies = policy_paths.windows(2).any(|w| w[0] == w[1]);
        let mut engine = Engine {
            groups,
            group_by_path,
            group_members: vec![None; group_count],
            group_peer_sets: vec![None; group_count],
            members,
            index,
            services,
            rules: Vec::new(),
            rule_meta: Vec::new(),
            free_rules: Vec::new(),
            policies: FastMap::default(),
            duplicate_policies: false,
            policy_count: config.policies.len(),
            ruleset: Ruleset::new(config),
            order_to_slab: Vec::new(),
            peer_rules: vec![Vec::new(); group_count],
            scope_group_rules: vec![Vec::new(); group_count],
            scope_path_rules: FastMap::default(),
            any_scope_rules: Vec::new(),
            member_scope_groups: Vec::new(),
            member_rules: [Vec::new(), Vec::new()],
            member_classifier: [Vec::new(), Vec::new()],
            member_blocks: [Vec::new(), Vec::new()],
            outsider_classifier: [NO_CHAIN; 2],
            outsider_blocks: [NO_CHAIN; 2],
            arena: Arena::default(),
            arena_garbage: 0,
            classifiers: Vec::new(),
            classifier_generation: Vec::new(),
            free_classifiers: Vec::new(),
            classifier_by_key: FastMap::default(),
            rule_classifiers: Vec::new(),
        };
        engine.duplicate_policies = duplicate_policies;
        // Rules in table order: slab id = table index after a full compile.
        let ruleset = engine.ruleset.clone();
        for (order, entry) in ruleset.rules.iter().enumerate() {
            let slab = match config.policies.get(entry.policy) {
                Some(policy) => {
                    let rule = match entry.rule {
                        Some(r) => policy.rules.get(r).map(std::borrow::Cow::Borrowed),
                        None => ruleset
                            .rule(config, order)
                            .map(std::borrow::Cow::<Rule>::Owned),
                    };
                    rule.map(|rule| engine.compile_rule(policy, &rule))
                }
                None => None,
            };
            let compiled = slab.unwrap_or_else(never_rule);
            let id = engine.push_rule(compiled, order as u32);
            engine.order_to_slab.push(id);
            if let Some(policy) = config.policies.get(entry.policy) {
                let slots = engine.policies.entry(policy.meta.path.clone()).or_default();
                slots.index = entry.policy;
                match entry.rule {
                    Some(r) => {
                        // Indexed by the rule's position in the policy, not table order.
                        if slots.rules.len() <= r {
                            slots.rules.resize(r + 1, u32::MAX);
                        }
                        slots.rules[r] = id;
                    }
                    None => slots.implicit = Some(id),
                }
            }
        }
        // Resolve the groups rules refer to, all at once with shared memoization.
        let mut referenced: Vec<u32> = Vec::new();
        for rule in engine.rules.iter().flatten() {
            referenced.extend(rule_groups(rule));
        }
        referenced.sort_unstable();
        referenced.dedup();
        engine.resolve_groups(&referenced);
        let slabs: Vec<u32> = (0..engine.rules.len() as u32).collect();
        for &id in &slabs {
            engine.index_rule(id);
            engine.refresh_rule_sets(id);
        }
        let member_ids: Vec<u32> = (0..engine.members.len() as u32).collect();
        engine.member_scope_groups = vec![Vec::new(); engine.members.len()];
        engine.rebuild_member_scope_groups(&member_ids);
        for side in 0..2 {
            engine.member_rules[side] = vec![Vec::new(); engine.members.len()];
            engine.member_classifier[side] = vec![NO_CHAIN; engine.members.len()];
            engine.member_blocks[side] = vec![NO_CHAIN; engine.members.len()];
        }
        for &m in &member_ids {
            engine.assign_member(m);
        }
        engine.assign_outsiders();
        engine
    }

    /// The ordered rule table verdicts refer to (equal to `Ruleset::new(config)`).
    pub fn ruleset(&self) -> &Ruleset {
        &self.ruleset
    }

    /// The verdict for the first packet of `connection`: exactly
    /// [`crate::Reference::evaluate`]'s.
    #[inline]
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

    /// The verdict of one side.
    #[inline]
    pub fn side(&self, side: Side, member: MemberId, flow: &Flow) -> SideVerdict {
        let s = side_index(side);
        let chain = self.member_blocks[s]
            .get(member)
            .unwrap_or(&self.outsider_blocks[s]);
        let values = [
            u32::from(flow.src_ip),
            u32::from(flow.dst_ip),
            u32::from(flow.dst_port),
            u32::from(flow.protocol),
            u32::from(flow.src_port),
        ];
        // Every header first: the blocks' cache misses overlap instead of queuing.
        let headers = chain.map(|at| self.arena.0.get(at as usize).copied().unwrap_or(0));
        let mut jumped = false;
        let mut verdict = NO_RULE;
        for (&at, &header) in chain.iter().zip(&headers) {
            let Some(block) = self.arena.0.get(at as usize..) else {
                break;
            };
            // After a jump only rules after Environment count.
            if jumped && header & BLOCK_AFTER_APPLICATION == 0 {
                continue;
            }
            let found = if header & BLOCK_FULL != 0 {
                match block
                    .get(1)
                    .and_then(|&id| self.classifiers.get(id as usize))
                {
                    Some(Some(entry)) => entry.classifier.as_ref().map_or(NO_RULE, |c| {
                        match c.classify(
                            values[0],
                            values[1],
                            flow.protocol,
                            flow.src_port,
                            flow.dst_port,
                        ) {
                            NO_RULE => NO_RULE,
                            JUMPED => JUMPED,
                            rule => self.verdict_word(rule),
                        }
                    }),
                    _ => NO_RULE,
                }
            } else {
                classify_compact(block, values)
            };
            match found {
                NO_RULE => {}
                JUMPED => jumped = true,
                found => {
                    verdict = found;
                    break;
                }
            }
        }
        if verdict == NO_RULE {
            return SideVerdict {
                member,
                decision: Decision::Allow,
                rule: None,
            };
        }
        SideVerdict {
            member,
            decision: match verdict >> ORDER_BITS {
                0 => Decision::Allow,
                1 => Decision::Drop,
                _ => Decision::Reject,
            },
            rule: Some((verdict & ORDER_MASK) as usize),
        }
    }

    /// A rule's verdict word (table order and decision).
    fn verdict_word(&self, rule: u32) -> u32 {
        self.rule_meta.get(rule as usize).map_or(NO_RULE, |meta| {
            let decision = match meta.decision {
                Decision::Allow => 0,
                Decision::Drop => 1,
                Decision::Reject => 2,
            };
            (meta.order & ORDER_MASK) | (decision << ORDER_BITS)
        })
    }

    /// Re-encodes every compact block's verdict words after rules moved in the table.
    fn refresh_verdict_words(&mut self) {
        let mut arena = std::mem::take(&mut self.arena.0);
        // One pass over the arena in address order (garbage blocks are re-encoded too).
        let mut at = 0;
        while let Some(&header) = arena.get(at) {
            if header & BLOCK_FULL != 0 {
                at += 2;
                continue;
            }
            let len = compact_len(&arena[at..]);
            let Some(block) = arena.get_mut(at..at + len) else {
                break;
            };
            let (rules, verdicts) = compact_rules_mut(block);
            for (verdict, &rule) in verdicts.iter_mut().zip(rules) {
                *verdict = self.verdict_word(rule);
            }
            at += len.max(1);
        }
        self.arena.0 = arena;
    }

    /// Copies the live blocks into a fresh arena once more than half of it is garbage,
    /// and points the chains at their new places.
    fn compact_arena(&mut self) {
        if self.arena_garbage <= self.arena.0.len() / 2 + 64 {
            return;
        }
        let mut arena = Vec::with_capacity(self.arena.0.len() - self.arena_garbage);
        for entry in self.classifiers.iter_mut().flatten() {
            let at = entry.block_at as usize;
            let block = &self.arena.0[at..at + entry.block_len as usize];
            entry.block_at = arena.len() as u32;
            arena.extend_from_slice(block);
        }
        self.arena.0 = arena;
        self.arena_garbage = 0;
        for side in 0..2 {
            for m in 0..self.member_classifier[side].len() {
                self.member_blocks[side][m] = self.block_chain(&self.member_classifier[side][m]);
            }
            self.outsider_blocks[side] = self.block_chain(&self.outsider_classifier[side]);
        }
    }

    /// Whether the policy of the rule at table index `rule` is stateful (connections it
    /// allows are tracked). Unknown indices count as stateful.
    pub fn rule_is_stateful(&self, rule: usize) -> bool {
        self.slab_at_order(rule)
            .and_then(|slab| self.rules.get(slab).and_then(Option::as_ref))
            .is_none_or(|r| r.stateful)
    }

    /// The path of the rule at table index `rule` (the implicit rule's synthesized path).
    pub fn rule_path(&self, rule: usize) -> Option<&str> {
        let slab = self.slab_at_order(rule)?;
        self.rules
            .get(slab)
            .and_then(Option::as_ref)
            .map(|r| r.path.as_str())
    }

    /// The effective members of the group at `path`: the inventory's ports it selects (as
    /// [`MemberId`]s, ascending) and the address ranges of its IP address expressions, resolved
    /// by the same functions the classifiers are built from. `None` for a group the compiled
    /// configuration does not hold.
    pub fn group_members(&self, path: &str) -> Option<GroupMembers> {
        let &g = self.group_by_path.get(path)?;
        let mut resolver = Resolver::new(&self.groups, &self.members, &self.index);
        let ports = resolver
            .group_members(g, 0)
            .iter()
            .filter(|&&m| self.members.get(m as usize).is_some_and(|i| i.present))
            .map(|&m| m as MemberId)
            .collect();
        let addresses = resolver
            .group_addresses(g, 0)
            .iter()
            .map(|&(first, last)| (Ipv4Addr::from(first), Ipv4Addr::from(last)))
            .collect();
        Some(GroupMembers { ports, addresses })
    }

    fn slab_at_order(&self, order: usize) -> Option<usize> {
        self.order_to_slab.get(order).map(|&s| s as usize)
    }

    /// Size and shape.
    pub fn stats(&self) -> EngineStats {
        let live = self.classifiers.iter().flatten();
        EngineStats {
            rules: self.ruleset.rules.len(),
            classifiers: live.clone().count(),
            bitset_classifiers: live
                .clone()
                .filter(|c| c.classifier.as_ref().is_none_or(|c| !c.is_tabled()))
                .count(),
            classifier_bytes: live
                .map(|c| {
                    c.block_len as usize * 4
                        + c.classifier.as_ref().map_or(0, Classifier::heap_bytes)
                })
                .sum(),
            max_rules_per_port: self
                .member_rules
                .iter()
                .flat_map(|side| side.iter().map(Vec::len))
                .max()
                .unwrap_or(0),
        }
    }

    // ----- compile helpers -----

    fn compile_rule(&self, policy: &SecurityPolicy, rule: &Rule) -> CompiledRule {
        let kind = if rule.disabled || rule.ip_protocol == IpProtocol::Ipv6 {
            RuleKind::Never
        } else {
            match rule.action {
                Action::Allow => RuleKind::Decide(Decision::Allow),
                Action::Drop => RuleKind::Decide(Decision::Drop),
                Action::Reject => RuleKind::Decide(Decision::Reject),
                Action::JumpToApplication if policy.category == Some(Category::Environment) => {
                    RuleKind::Jump
                }
                Action::JumpToApplication => RuleKind::Never,
            }
        };
        let scope_list = if is_any(&policy.scope) {
            &rule.scope
        } else {
            &policy.scope
        };
        let scope = if is_any(scope_list) {
            None
        } else {
            Some(
                scope_list
                    .iter()
                    .map(|p| ScopeRef {
                        path: p.clone(),
                        group: self.group_by_path.get(p).copied(),
                    })
                    .collect(),
            )
        };
        CompiledRule {
            path: rule.meta.path.clone(),
            kind,
            egress: rule.direction.checks_egress(),
            ingress: rule.direction.checks_ingress(),
            after_application: category_rank(policy.category)
                > category_rank(Some(Category::Environment)),
            scope,
            sources: self.peers(&rule.source_groups, rule.sources_excluded),
            destinations: self.peers(&rule.destination_groups, rule.destinations_excluded),
            source_set: Vec::new(),
            destination_set: Vec::new(),
            services: self.rule_services(rule),
            stateful: policy.stateful,
            scope_signature: if is_any(scope_list) {
                0
            } else {
                let mut hasher = crate::hash::FastHasher::default();
                std::hash::Hash::hash(scope_list, &mut hasher);
                std::hash::Hasher::finish(&hasher) | 1
            },
        }
    }

    fn peers(&self, list: &[String], excluded: bool) -> Peers {
        if is_any(list) {
            return Peers::Any;
        }
        let refs = list
            .iter()
            .filter_map(|peer| match parse_address(peer) {
                Some(Ok(AddressLiteral::V4(r))) => Some(PeerRef::Range(r.first, r.last)),
                Some(_) => None,
                None => self.group_by_path.get(peer).map(|g| PeerRef::Group(*g)),
            })
            .collect();
        Peers::List { refs, excluded }
    }

    fn rule_services(&self, rule: &Rule) -> Vec<ServiceBox> {
        let any_service = is_any(&rule.services);
        if any_service && rule.service_entries.is_empty() {
            return vec![ANY_SERVICE];
        }
        let mut boxes = Vec::new();
        if !any_service {
            for path in &rule.services {
                if let Some(found) = self.services.get(path) {
                    boxes.extend_from_slice(found);
                }
            }
        }
        boxes.extend(rule.service_entries.iter().flat_map(entry_boxes));
        boxes.sort_unstable_by_key(|b| (b.protocols, b.source_ports, b.destination_ports));
        boxes.dedup();
        boxes
    }

    fn push_rule(&mut self, rule: CompiledRule, order: u32) -> u32 {
        let meta = RuleMeta {
            order,
            decision: match rule.kind {
                RuleKind::Decide(d) => d,
                _ => Decision::Allow,
            },
        };
        match self.free_rules.pop() {
            Some(id) => {
                self.rules[id as usize] = Some(Box::new(rule));
                self.rule_meta[id as usize] = meta;
                id
            }
            None => {
                self.rules.push(Some(Box::new(rule)));
                self.rule_meta.push(meta);
                (self.rules.len() - 1) as u32
            }
        }
    }

    /// Computes member sets (and peer sets) for groups that are not resolved yet or were
    /// invalidated.
    fn resolve_groups(&mut self, groups: &[u32]) {
        let mut resolver = Resolver::new(&self.groups, &self.members, &self.index);
        let mut resolved = Vec::new();
        for &g in groups {
            let members = resolver.group_members(g, 0);
            let addresses = resolver.group_addresses(g, 0);
            resolved.push((g, (*members).clone(), (*addresses).clone()));
        }
        drop(resolver);
        for (g, members, addresses) in resolved {
            let mut ips: Intervals = members
                .iter()
                .filter_map(|&m| self.members.get(m as usize).map(|i| (i.ip, i.ip)))
                .collect();
            ips.extend_from_slice(&addresses);
            self.ensure_group_slots(g);
            self.group_peer_sets[g as usize] = Some(intervals::normalize(ips));
            self.group_members[g as usize] = Some(members);
        }
    }

    fn ensure_group_slots(&mut self, g: u32) {
        let need = g as usize + 1;
        if self.group_members.len() < need {
            self.group_members.resize(need, None);
            self.group_peer_sets.resize(need, None);
            self.peer_rules.resize(need, Vec::new());
            self.scope_group_rules.resize(need, Vec::new());
        }
    }

    fn refresh_group_peer_set(&mut self, g: u32) {
        let Some(Some(members)) = self.group_members.get(g as usize) else {
            return;
        };
        let mut resolver = Resolver::new(&self.groups, &self.members, &self.index);
        let addresses = resolver.group_addresses(g, 0);
        let mut ips: Intervals = members
            .iter()
            .filter_map(|&m| self.members.get(m as usize).map(|i| (i.ip, i.ip)))
            .collect();
        ips.extend_from_slice(&addresses);
        self.group_peer_sets[g as usize] = Some(intervals::normalize(ips));
    }

    /// Adds a rule to the reverse indices.
    fn index_rule(&mut self, id: u32) {
        let Some(Some(rule)) = self.rules.get(id as usize) else {
            return;
        };
        let mut peer_groups = Vec::new();
        for peers in [&rule.sources, &rule.destinations] {
            if let Peers::List { refs, .. } = peers {
                for r in refs {
                    if let PeerRef::Group(g) = r {
                        peer_groups.push(*g);
                    }
                }
            }
        }
        peer_groups.sort_unstable();
        peer_groups.dedup();
        let scope = rule.scope.clone();
        for g in peer_groups {
            self.ensure_group_slots(g);
            intervals::insert_sorted(&mut self.peer_rules[g as usize], id);
        }
        match scope {
            None => {
                intervals::insert_sorted(&mut self.any_scope_rules, id);
            }
            Some(refs) => {
                for r in refs {
                    if let Some(g) = r.group {
                        self.ensure_group_slots(g);
                        intervals::insert_sorted(&mut self.scope_group_rules[g as usize], id);
                    }
                    intervals::insert_sorted(
                        self.scope_path_rules.entry(r.path.clone()).or_default(),
                        id,
                    );
                }
            }
        }
    }

    fn unindex_rule(&mut self, id: u32) {
        let Some(Some(rule)) = self.rules.get(id as usize) else {
            return;
        };
        for g in rule_groups(rule) {
            if let Some(list) = self.peer_rules.get_mut(g as usize) {
                intervals::remove_sorted(list, id);
            }
            if let Some(list) = self.scope_group_rules.get_mut(g as usize) {
                intervals::remove_sorted(list, id);
            }
        }
        intervals::remove_sorted(&mut self.any_scope_rules, id);
        if let Some(refs) = &rule.scope {
            for r in refs {
                if let Some(list) = self.scope_path_rules.get_mut(&r.path) {
                    intervals::remove_sorted(list, id);
                }
            }
        }
    }

    /// Recomputes a rule's source and destination address sets from its peers.
    fn refresh_rule_sets(&mut self, id: u32) {
        let Some(Some(rule)) = self.rules.get(id as usize) else {
            return;
        };
        let source_set = self.peer_set(&rule.sources);
        let destination_set = self.peer_set(&rule.destinations);
        if let Some(Some(rule)) = self.rules.get_mut(id as usize) {
            rule.source_set = source_set;
            rule.destination_set = destination_set;
        }
    }

    fn peer_set(&self, peers: &Peers) -> Intervals {
        match peers {
            Peers::Any => vec![FULL],
            Peers::List { refs, excluded } => {
                let mut all = Vec::new();
                for r in refs {
                    match r {
                        PeerRef::Range(a, b) => all.push((*a, *b)),
                        PeerRef::Group(g) => {
                            if let Some(Some(set)) = self.group_peer_sets.get(*g as usize) {
                                all.extend_from_slice(set);
                            }
                        }
                    }
                }
                let set = intervals::normalize(all);
                if *excluded {
                    intervals::complement(&set)
                } else {
                    set
                }
            }
        }
    }

    /// Recomputes, for members `ids`, the groups they belong to among the groups some rule
    /// is applied to.
    fn rebuild_member_scope_groups(&mut self, ids: &[u32]) {
        let set: FastSet<u32> = ids.iter().copied().collect();
        for &m in ids {
            if let Some(list) = self.member_scope_groups.get_mut(m as usize) {
                list.clear();
            }
        }
        for (g, rules) in self.scope_group_rules.iter().enumerate() {
            if rules.is_empty() {
                continue;
            }
            let Some(Some(members)) = self.group_members.get(g) else {
                continue;
            };
            if set.len() * 8 < members.len() {
                for &m in ids {
                    if members.binary_search(&m).is_ok()
                        && let Some(list) = self.member_scope_groups.get_mut(m as usize)
                    {
                        list.push(g as u32);
                    }
                }
            } else {
                for &m in members {
                    if set.contains(&m)
                        && let Some(list) = self.member_scope_groups.get_mut(m as usize)
                    {
                        list.push(g as u32);
                    }
                }
            }
        }
    }

    /// The rules applied to member `m` (or to an id outside the inventory), per side, in
    /// table order.
    fn member_rule_lists(&self, m: Option<u32>) -> [Vec<u32>; 2] {
        let mut all: Vec<u32> = self.any_scope_rules.clone();
        if let Some(info) = m.and_then(|m| self.members.get(m as usize))
            && info.present
        {
            if let Some(groups) = m.and_then(|m| self.member_scope_groups.get(m as usize)) {
                for &g in groups {
                    all.extend_from_slice(&self.scope_group_rules[g as usize]);
                }
            }
            for path in [&info.path, &info.segment] {
                if let Some(rules) = self.scope_path_rules.get(path) {
                    all.extend_from_slice(rules);
                }
            }
        }
        all.sort_unstable_by_key(|&id| (self.rule_meta[id as usize].order, id));
        all.dedup();
        let mut out = [Vec::new(), Vec::new()];
        for id in all {
            let Some(Some(rule)) = self.rules.get(id as usize) else {
                continue;
            };
            if rule.kind == RuleKind::Never {
                continue;
            }
            if rule.egress {
                out[0].push(id);
            }
            if rule.ingress {
                out[1].push(id);
            }
        }
        out
    }

    fn assign_member(&mut self, m: u32) {
        let lists = self.member_rule_lists(Some(m));
        for (side, list) in lists.into_iter().enumerate() {
            let old = self.member_classifier[side][m as usize];
            let chain = self.acquire_chain(&list);
            self.member_classifier[side][m as usize] = chain;
            self.member_blocks[side][m as usize] = self.block_chain(&chain);
            self.member_rules[side][m as usize] = list;
            self.release_chain(&old);
        }
    }

    fn assign_outsiders(&mut self) {
        let lists = self.member_rule_lists(None);
        for (side, list) in lists.into_iter().enumerate() {
            let old = self.outsider_classifier[side];
            let chain = self.acquire_chain(&list);
            self.outsider_classifier[side] = chain;
            self.outsider_blocks[side] = self.block_chain(&chain);
            self.release_chain(&old);
        }
    }

    /// Splits a port side's rule list (in table order) into runs of consecutive rules with
    /// the same applied-to, never mixing rules before and after Environment's end, and
    /// acquires a classifier per run. Beyond [`MAX_RUNS`] runs, the two neighbouring runs
    /// (same side of Environment's end) with the fewest address intervals between them are
    /// merged, again and again: a run whose address sets are large (a rule whose source is
    /// every pod of the cluster, applied to every namespace) stays alone, so its classifier
    /// is built once and shared by every port instead of rebuilt inside each port's merged
    /// run (which made the compile quadratic in the number of namespaces).
    fn acquire_chain(&mut self, list: &[u32]) -> Chain {
        // (after Environment, address intervals, rules)
        let mut runs: Vec<(bool, usize, Vec<u32>)> = Vec::new();
        let mut last: Option<(u64, bool)> = None;
        for &id in list {
            let Some(Some(rule)) = self.rules.get(id as usize) else {
                continue;
            };
            let at = (rule.scope_signature, rule.after_application);
            let intervals = (rule.source_set.len() + rule.destination_set.len())
                .saturating_mul(rule.services.len().max(1));
            match runs.last_mut() {
                Some((_, weight, run)) if last == Some(at) => {
                    *weight = weight.saturating_add(intervals);
                    run.push(id);
                }
                _ => runs.push((rule.after_application, intervals, vec![id])),
            }
            last = Some(at);
        }
        while runs.len() > MAX_RUNS {
            let lightest = runs
                .windows(2)
                .enumerate()
                .filter(|(_, pair)| pair[0].0 == pair[1].0)
                .min_by_key(|(_, pair)| pair[0].1.saturating_add(pair[1].1))
                .map(|(i, _)| i);
            // More than MAX_RUNS (>= 2) runs cover at most two sides: some pair shares one.
            let Some(i) = lightest else { break };
            let (_, weight, run) = runs.remove(i + 1);
            let into = &mut runs[i];
            into.1 = into.1.saturating_add(weight);
            into.2.extend(run);
        }
        let mut chain = NO_CHAIN;
        for (slot, (_, _, run)) in chain.iter_mut().zip(runs) {
            *slot = self.acquire_classifier(run);
        }
        chain
    }

    fn release_chain(&mut self, chain: &Chain) {
        for &id in chain {
            self.release_classifier(id);
        }
    }

    fn block_chain(&self, chain: &Chain) -> Chain {
        chain.map(|id| match self.classifiers.get(id as usize) {
            Some(Some(entry)) => entry.block_at,
            _ => NO_CLASSIFIER,
        })
    }

    fn acquire_classifier(&mut self, key: Vec<u32>) -> u32 {
        if key.is_empty() {
            return NO_CLASSIFIER;
        }
        if let Some(&id) = self.classifier_by_key.get(&key)
            && let Some(Some(entry)) = self.classifiers.get_mut(id as usize)
        {
            entry.users += 1;
            return id;
        }
        let id = match self.free_classifiers.pop() {
            Some(id) => id,
            None => {
                self.classifiers.push(None);
                self.classifier_generation.push(0);
                (self.classifiers.len() - 1) as u32
            }
        };
        let (classifier, block) = self.build_classifier(&key, id);
        let block_at = self.arena.0.len() as u32;
        self.arena.0.extend_from_slice(&block);
        self.classifiers[id as usize] = Some(Box::new(ClassifierEntry {
            key: key.clone(),
            classifier,
            block_at,
            block_len: block.len() as u32,
            users: 1,
        }));
        let generation = &mut self.classifier_generation[id as usize];
        *generation = generation.wrapping_add(1);
        let generation = *generation;
        for &rule in &key {
            self.note_rule_classifier(rule, id, generation);
        }
        self.classifier_by_key.insert(key, id);
        id
    }

    fn release_classifier(&mut self, id: u32) {
        if id == NO_CLASSIFIER {
            return;
        }
        let Some(slot) = self.classifiers.get_mut(id as usize) else {
            return;
        };
        let gone = match slot {
            Some(entry) => {
                entry.users = entry.users.saturating_sub(1);
                entry.users == 0
            }
            None => false,
        };
        if gone && let Some(entry) = slot.take() {
            self.arena_garbage += entry.block_len as usize;
            if self.classifier_by_key.get(&entry.key) == Some(&id) {
                self.classifier_by_key.remove(&entry.key);
            }
            self.free_classifiers.push(id);
        }
    }

    /// The classifier of one run of rules: a compact block, or a full classifier and a
    /// block naming entry `id`.
    fn build_classifier(&self, key: &[u32], id: u32) -> (Option<Classifier>, Vec<u32>) {
        let mut subs = Vec::new();
        for &id in key {
            let Some(Some(rule)) = self.rules.get(id as usize) else {
                continue;
            };
            if rule.source_set.is_empty() || rule.destination_set.is_empty() {
                continue;
            }
            for service in &rule.services {
                subs.push(SubRule {
                    rule: id,
                    verdict: self.verdict_word(id),
                    jump: rule.kind == RuleKind::Jump,
                    after_application: rule.after_application,
                    sources: &rule.source_set,
                    destinations: &rule.destination_set,
                    protocols: service.protocols,
                    source_ports: service.source_ports,
                    destination_ports: service.destination_ports,
                });
            }
        }
        let after_application = key
            .first()
            .and_then(|&r| self.rules.get(r as usize))
            .and_then(Option::as_ref)
            .is_some_and(|r| r.after_application);
        if let Some(block) = compact_block(&subs, after_application) {
            return (None, block);
        }
        let header = BLOCK_FULL | (u32::from(after_application) * BLOCK_AFTER_APPLICATION);
        (Some(Classifier::new(&subs)), vec![header, id])
    }

    /// Records that classifier `id` (of `generation`) was built with `rule`, dropping stale
    /// entries when the list has doubled since its last cleanup.
    fn note_rule_classifier(&mut self, rule: u32, id: u32, generation: u32) {
        let need = rule as usize + 1;
        if self.rule_classifiers.len() < need {
            self.rule_classifiers.resize(need, Vec::new());
        }
        let mut list = std::mem::take(&mut self.rule_classifiers[rule as usize]);
        if list.len() >= 64 && list.len().is_power_of_two() {
            list.retain(|&(c, g)| self.classifier_is(c, g));
        }
        list.push((id, generation));
        self.rule_classifiers[rule as usize] = list;
    }

    fn classifier_is(&self, id: u32, generation: u32) -> bool {
        self.classifier_generation.get(id as usize) == Some(&generation)
            && matches!(self.classifiers.get(id as usize), Some(Some(_)))
    }

    /// The live classifiers built with `rule` (pruning stale entries).
    fn classifiers_of_rule(&mut self, rule: u32) -> Vec<u32> {
        let Some(list) = self.rule_classifiers.get_mut(rule as usize) else {
            return Vec::new();
        };
        let mut list = std::mem::take(list);
        list.retain(|&(c, g)| self.classifier_is(c, g));
        let out = list.iter().map(|&(c, _)| c).collect();
        self.rule_classifiers[rule as usize] = list;
        out
    }

    /// Rebuilds, in place, every classifier whose rule list holds one of `dirty`.
    fn rebuild_classifiers_with(&mut self, dirty: &FastSet<u32>) {
        let mut ids: Vec<u32> = Vec::new();
        for &rule in dirty {
            ids.extend(self.classifiers_of_rule(rule));
        }
        ids.sort_unstable();
        ids.dedup();
        for &id in &ids {
            if let Some(key) = self.classifiers[id as usize]
                .as_ref()
                .map(|e| e.key.clone())
            {
                let (classifier, block) = self.build_classifier(&key, id);
                let block_at = self.arena.0.len() as u32;
                self.arena.0.extend_from_slice(&block);
                if let Some(entry) = self.classifiers[id as usize].as_mut() {
                    entry.classifier = classifier;
                    self.arena_garbage += entry.block_len as usize;
                    entry.block_at = block_at;
                    entry.block_len = block.len() as u32;
                }
            }
        }
        // Ports hold the blocks themselves: refresh those of the rebuilt classifiers.
        let mut rebuilt = vec![false; self.classifiers.len()];
        for &id in &ids {
            rebuilt[id as usize] = true;
        }
        let rebuilt = |id: &u32| rebuilt.get(*id as usize).copied().unwrap_or(false);
        for side in 0..2 {
            for m in 0..self.member_classifier[side].len() {
                let chain = self.member_classifier[side][m];
                if chain.iter().any(rebuilt) {
                    self.member_blocks[side][m] = self.block_chain(&chain);
                }
            }
            let chain = self.outsider_classifier[side];
            if chain.iter().any(rebuilt) {
                self.outsider_blocks[side] = self.block_chain(&chain);
            }
        }
    }

    // ----- incremental updates -----

    /// Applies changes of the inventory: `changed` lists the member ids whose port was
    /// added, changed (tags, IP, segment, name, MAC) or removed (ids at or beyond the new
    /// length, or listed after a `swap_remove`). Only the classifiers whose rules' address
    /// sets or whose ports' rule lists changed are rebuilt. Changes of segments' tags are
    /// announced by listing the segment's members.
    pub fn update_members(&mut self, inventory: &Inventory, changed: &[MemberId]) {
        let mut ids: Vec<u32> = changed.iter().map(|&m| m as u32).collect();
        // Members beyond the new length are gone too.
        ids.extend(inventory.members.len() as u32..self.members.len() as u32);
        ids.sort_unstable();
        ids.dedup();
        let new_len = inventory.members.len().max(self.members.len());
        if self.members.len() < new_len {
            self.members.resize(new_len, MemberInfo::default());
            self.member_scope_groups.resize(new_len, Vec::new());
            for side in 0..2 {
                self.member_rules[side].resize(new_len, Vec::new());
                self.member_classifier[side].resize(new_len, NO_CHAIN);
                self.member_blocks[side].resize(new_len, NO_CHAIN);
            }
        }
        // Many members: index the segments once instead of scanning them per member.
        let segments = (ids.len() > SEGMENT_SCAN_MEMBERS).then(|| segments_by_path(inventory));
        let segment_of = |m: &crate::flow::Member| match &segments {
            Some(by_path) => by_path.get(m.segment.as_str()).copied(),
            None => inventory.segment(&m.segment),
        };
        let mut dirty_groups: FastSet<u32> = FastSet::default();
        for &id in &ids {
            let old = self.members[id as usize].clone();
            if old.present {
                self.index.remove(id, &old);
            }
            let new = inventory
                .members
                .get(id as usize)
                .map(|m| MemberInfo::new(m, segment_of(m)))
                .unwrap_or_default();
            if new.present {
                self.index.insert(id, &new);
            }
            for g in 0..self.group_members.len() {
                if self.group_members[g].is_none() {
                    continue;
                }
                let Some(group) = self.groups.get(g) else {
                    continue;
                };
                let now = new.present && list_holds(&self.groups, &group.list, &new, 0);
                let Some(Some(members)) = self.group_members.get_mut(g) else {
                    continue;
                };
                let was = members.binary_search(&id).is_ok();
                if was != now {
                    if now {
                        intervals::insert_sorted(members, id);
                    } else {
                        intervals::remove_sorted(members, id);
                    }
                    dirty_groups.insert(g as u32);
                } else if now && old.ip != new.ip {
                    dirty_groups.insert(g as u32);
                }
            }
            self.members[id as usize] = new;
        }
        self.apply_group_changes(&dirty_groups);
        self.rebuild_member_scope_groups(&ids);
        for &id in &ids {
            self.assign_member(id);
        }
        self.compact_arena();
    }

    /// Refreshes the peer sets of groups whose members changed and rebuilds the
    /// classifiers of the rules that use them as peers.
    fn apply_group_changes(&mut self, dirty_groups: &FastSet<u32>) {
        let mut dirty_rules: FastSet<u32> = FastSet::default();
        let mut sorted: Vec<u32> = dirty_groups.iter().copied().collect();
        sorted.sort_unstable();
        for g in sorted {
            // Refreshed even without users: a later policy may refer to the group again.
            self.refresh_group_peer_set(g);
            if let Some(users) = self.peer_rules.get(g as usize) {
                dirty_rules.extend(users.iter().copied());
            }
        }
        let mut rules: Vec<u32> = dirty_rules.iter().copied().collect();
        rules.sort_unstable();
        for id in rules {
            self.refresh_rule_sets(id);
        }
        self.rebuild_classifiers_with(&dirty_rules);
    }

    /// Applies a change of one security policy (added, changed or removed: absent from
    /// `config`) given the whole new `config`, and of the groups and services its rules
    /// refer to. Only the classifiers of ports the policy's old or new rules are applied to
    /// are rebuilt. Changes to other groups or services need a fresh [`Engine::compile`].
    pub fn update_policy(&mut self, config: &FirewallConfig, inventory: &Inventory, path: &str) {
        let position = config.policies.iter().position(|p| p.meta.path == path);
        if config
            .policies
            .iter()
            .filter(|p| p.meta.path == path)
            .count()
            > 1
            || self.duplicate_policies
            || inventory.members.len() > self.members.len()
        {
            *self = Engine::compile(config, inventory);
            return;
        }
        // Groups and services the policy refers to.
        if let Some(p) = position.and_then(|p| config.policies.get(p))
            && !self.sync_policy_objects(config, p)
        {
            *self = Engine::compile(config, inventory);
            return;
        }
        let mut affected: FastSet<u32> = FastSet::default();
        let mut all_affected = false;
        // Retire the old rules.
        let old = self.policies.remove(path);
        let old_index = old.as_ref().map(|o| o.index);
        let old = old.unwrap_or_default();
        let retired: FastSet<u32> = old
            .rules
            .iter()
            .chain(old.implicit.iter())
            .copied()
            .collect();
        let mut scope_groups: Vec<u32> = Vec::new();
        for &id in old.rules.iter().chain(old.implicit.iter()) {
            self.collect_applied(id, &mut affected, &mut all_affected);
            self.collect_scope_groups(id, &mut scope_groups);
            self.unindex_rule(id);
            if let Some(slot) = self.rules.get_mut(id as usize) {
                *slot = None;
            }
        }
        // Classifiers of retired rules must not be shared with new rule lists that reuse
        // the slab ids: unmap them; they live until their last port moves on.
        let mut retired_sorted: Vec<u32> = retired.iter().copied().collect();
        retired_sorted.sort_unstable();
        for &rule in &retired_sorted {
            for id in self.classifiers_of_rule(rule) {
                if let Some(Some(entry)) = self.classifiers.get(id as usize)
                    && self.classifier_by_key.get(&entry.key) == Some(&id)
                {
                    self.classifier_by_key.remove(&entry.key);
                }
            }
            if let Some(list) = self.rule_classifiers.get_mut(rule as usize) {
                list.clear();
            }
        }
        // Compile the new ones.
        // The table: incrementally when the other policies kept their indices (checked
        // again by `reorder`), else from scratch.
        let incremental = match (old_index, position) {
            (Some(i), Some(p)) => i == p && config.policies.len() == self.policy_count,
            (None, Some(p)) => p == self.policy_count && config.policies.len() == p + 1,
            (Some(_), None) => config.policies.len() + 1 == self.policy_count,
            (None, None) => config.policies.len() == self.policy_count,
        };
        let change = if incremental {
            self.ruleset.replace_policy(config, old_index, position)
        } else {
            None
        };
        if change.is_none() {
            self.ruleset = Ruleset::new(config);
        } else if position.is_none()
            && let Some(removed) = old_index
        {
            for slots in self.policies.values_mut() {
                if slots.index > removed {
                    slots.index -= 1;
                }
            }
        }
        self.policy_count = config.policies.len();
        let mut slots = PolicyRules {
            index: position.unwrap_or(usize::MAX),
            ..PolicyRules::default()
        };
        if let Some(policy) = position.and_then(|p| config.policies.get(p)) {
            for rule in &policy.rules {
                let compiled = self.compile_rule(policy, rule);
                let id = self.push_rule(compiled, 0);
                slots.rules.push(id);
            }
            if crate::ruleset::implicit_action(policy.connectivity_preference).is_some() {
                let at = self
                    .ruleset
                    .rules
                    .iter()
                    .position(|e| Some(e.policy) == position && e.rule.is_none());
                if let Some(rule) = at.and_then(|i| self.ruleset.rule(config, i)) {
                    let compiled = self.compile_rule(policy, &rule);
                    slots.implicit = Some(self.push_rule(compiled, 0));
                }
            }
            self.policies.insert(path.to_string(), slots.clone());
        }
        let mut retired: Vec<u32> = retired.into_iter().collect();
        retired.sort_unstable_by(|a, b| b.cmp(a));
        self.free_rules.extend(retired);
        // New table orders for every rule.
        match change {
            Some(change) => self.splice_order(&change, &slots),
            None => {
                if !self.reorder(config) {
                    *self = Engine::compile(config, inventory);
                    return;
                }
            }
        }
        // Blocks report table orders: the moved rules' words change.
        self.refresh_verdict_words();
        let new_groups: Vec<u32> = slots
            .rules
            .iter()
            .chain(slots.implicit.iter())
            .filter_map(|&id| self.rules.get(id as usize).and_then(Option::as_ref))
            .flat_map(|r| rule_groups(r))
            .filter(|&g| {
                self.group_members
                    .get(g as usize)
                    .is_none_or(Option::is_none)
            })
            .collect();
        if !new_groups.is_empty() {
            let mut new_groups = new_groups;
            new_groups.sort_unstable();
            new_groups.dedup();
            self.resolve_groups(&new_groups);
        }
        for id in slots.rules.iter().chain(slots.implicit.iter()).copied() {
            self.index_rule(id);
            self.refresh_rule_sets(id);
            self.collect_applied(id, &mut affected, &mut all_affected);
            self.collect_scope_groups(id, &mut scope_groups);
        }
        let members: Vec<u32> = if all_affected {
            (0..self.members.len() as u32).collect()
        } else {
            let mut m: Vec<u32> = affected.into_iter().collect();
            m.sort_unstable();
            m
        };
        // Memberships did not change: only the groups the old and new rules are applied to
        // may have gained or lost their rules.
        scope_groups.sort_unstable();
        scope_groups.dedup();
        self.refresh_scope_group(&scope_groups);
        for m in members {
            self.assign_member(m);
        }
        self.assign_outsiders();
        self.compact_arena();
    }

    /// Brings groups and services the policy refers to up to date; false when a change
    /// reaches further than this policy (then the caller recompiles).
    fn sync_policy_objects(&mut self, config: &FirewallConfig, policy: &SecurityPolicy) -> bool {
        let mut paths: Vec<String> = policy.scope.clone();
        for rule in &policy.rules {
            paths.extend(rule.source_groups.iter().cloned());
            paths.extend(rule.destination_groups.iter().cloned());
            paths.extend(rule.scope.iter().cloned());
            for service in &rule.services {
                let found = config.services.iter().find(|s| s.meta.path == *service);
                let boxes: Option<Vec<ServiceBox>> =
                    found.map(|s| s.service_entries.iter().flat_map(entry_boxes).collect());
                match (boxes, self.services.get(service)) {
                    (Some(b), Some(old)) if b == *old => {}
                    (Some(b), None) => {
                        self.services.insert(service.clone(), b);
                    }
                    (None, None) => {}
                    // A changed shared service reaches other policies' rules.
                    _ => return false,
                }
            }
        }
        let mut seen = FastSet::default();
        while let Some(path) = paths.pop() {
            if !path.starts_with('/') || !seen.insert(path.clone()) {
                continue;
            }
            // Group ids are configuration indices unless the groups moved.
            let at_id = self
                .group_by_path
                .get(&path)
                .and_then(|&g| config.groups.get(g as usize))
                .filter(|g| g.meta.path == path);
            let Some(group) = at_id.or_else(|| config.groups.iter().find(|g| g.meta.path == path))
            else {
                if self.group_by_path.contains_key(&path) {
                    return false;
                }
                continue;
            };
            match self.group_by_path.get(&path) {
                Some(&g) => {
                    if self.groups.get(g as usize).map(|c| &c.source) != Some(group) {
                        // A changed shared group reaches other rules.
                        return false;
                    }
                }
                None => {
                    // A group no compiled group nests (those would have resolved it).
                    if self.groups.iter().any(|c| {
                        let mut refs = Vec::new();
                        c.list.group_refs(&mut refs);
                        refs.contains(&path)
                    }) {
                        return false;
                    }
                    let id = self.groups.len() as u32;
                    self.group_by_path.insert(path.clone(), id);
                    self.groups.push(CompiledGroup {
                        source: group.clone(),
                        list: CompiledList::default(),
                    });
                    self.ensure_group_slots(id);
                    let mut refs = Vec::new();
                    CompiledList::new(&group.expression, &FastMap::default()).group_refs(&mut refs);
                    paths.extend(refs);
                }
            }
        }
        // Compile new groups' lists now that every new group has an id.
        for g in 0..self.groups.len() {
            if !self.groups[g].list.valid && !self.groups[g].source.expression.is_empty() {
                self.groups[g].list =
                    CompiledList::new(&self.groups[g].source.expression, &self.group_by_path);
            }
        }
        true
    }

    /// Moves the table orders after [`Ruleset::replace_policy`]: the policy's old rules
    /// leave `order_to_slab`, its new ones (`slots`) enter, and every later rule is
    /// renumbered.
    fn splice_order(&mut self, change: &crate::ruleset::PolicyChange, slots: &PolicyRules) {
        self.order_to_slab.drain(change.removed.clone());
        let added: Vec<u32> = self.ruleset.rules[change.inserted.clone()]
            .iter()
            .map(|e| match e.rule {
                Some(r) => slots.rules.get(r).copied().unwrap_or(u32::MAX),
                None => slots.implicit.unwrap_or(u32::MAX),
            })
            .collect();
        let at = change.inserted.start;
        self.order_to_slab.splice(at..at, added);
        let from = change.removed.start.min(change.inserted.start);
        for (order, &id) in self.order_to_slab.iter().enumerate().skip(from) {
            if let Some(meta) = self.rule_meta.get_mut(id as usize) {
                meta.order = order as u32;
            }
        }
    }

    /// Sets every rule's table order from the current ruleset (rebuilt from scratch, so
    /// policies take their indices from the configuration); false if the config's
    /// policies do not map onto the compiled ones.
    fn reorder(&mut self, config: &FirewallConfig) -> bool {
        for (index, policy) in config.policies.iter().enumerate() {
            if let Some(slots) = self.policies.get_mut(&policy.meta.path) {
                slots.index = index;
            }
        }
        let mut current: Option<(usize, &PolicyRules)> = None;
        let mut seen = vec![false; self.rules.len()];
        self.order_to_slab.clear();
        for (order, entry) in self.ruleset.rules.iter().enumerate() {
            let slots = match current {
                Some((p, slots)) if p == entry.policy => slots,
                _ => {
                    let Some(policy) = config.policies.get(entry.policy) else {
                        return false;
                    };
                    let Some(slots) = self.policies.get(&policy.meta.path) else {
                        return false;
                    };
                    if slots.index != entry.policy {
                        return false;
                    }
                    current = Some((entry.policy, slots));
                    slots
                }
            };
            let id = match entry.rule {
                Some(r) => slots.rules.get(r).copied(),
                None => slots.implicit,
            };
            let Some(id) = id else {
                return false;
            };
            if let Some(meta) = self.rule_meta.get_mut(id as usize) {
                meta.order = order as u32;
            }
            self.order_to_slab.push(id);
            if let Some(s) = seen.get_mut(id as usize) {
                *s = true;
            }
        }
        seen.iter()
            .zip(&self.rules)
            .all(|(seen, rule)| *seen == rule.is_some())
    }

    /// Adds the groups rule `id` is applied to.
    fn collect_scope_groups(&self, id: u32, out: &mut Vec<u32>) {
        if let Some(Some(rule)) = self.rules.get(id as usize)
            && let Some(refs) = &rule.scope
        {
            out.extend(refs.iter().filter_map(|r| r.group));
        }
    }

    /// Re-enters groups `groups` in their members' `member_scope_groups`: present exactly
    /// when some rule is applied to the group.
    fn refresh_scope_group(&mut self, groups: &[u32]) {
        for &g in groups {
            let applied = self
                .scope_group_rules
                .get(g as usize)
                .is_some_and(|r| !r.is_empty());
            let Some(Some(members)) = self.group_members.get(g as usize) else {
                continue;
            };
            for &m in members {
                if let Some(list) = self.member_scope_groups.get_mut(m as usize) {
                    let at = list.iter().position(|&x| x == g);
                    match (at, applied) {
                        (Some(i), false) => {
                            list.swap_remove(i);
                        }
                        (None, true) => list.push(g),
                        _ => {}
                    }
                }
            }
        }
    }

    /// Adds the members rule `id` is applied to.
    fn collect_applied(&self, id: u32, out: &mut FastSet<u32>, all: &mut bool) {
        let Some(Some(rule)) = self.rules.get(id as usize) else {
            return;
        };
        match &rule.scope {
            None => *all = true,
            Some(refs) => {
                for r in refs {
                    out.extend(self.index.at_path(&r.path));
                    if let Some(Some(Some(members))) =
                        r.group.map(|g| self.group_members.get(g as usize))
                    {
                        out.extend(members.iter().copied());
                    }
                }
            }
        }
    }
}

fn never_rule() -> CompiledRule {
    CompiledRule {
        path: String::new(),
        kind: RuleKind::Never,
        egress: false,
        ingress: false,
        after_application: false,
        scope: Some(Vec::new()),
        sources: Peers::Any,
        destinations: Peers::Any,
        source_set: Vec::new(),
        destination_set: Vec::new(),
        services: Vec::new(),
        stateful: true,
        scope_signature: u64::MAX,
    }
}

/// The groups a rule refers to (peers and applied-to).
fn rule_groups(rule: &CompiledRule) -> Vec<u32> {
    let mut out = Vec::new();
    for peers in [&rule.sources, &rule.destinations] {
        if let Peers::List { refs, .. } = peers {
            out.extend(refs.iter().filter_map(|r| match r {
                PeerRef::Group(g) => Some(*g),
                PeerRef::Range(..) => None,
            }));
        }
    }
    if let Some(refs) = &rule.scope {
        out.extend(refs.iter().filter_map(|r| r.group));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The boxes a service entry matches (none for a malformed entry).
fn entry_boxes(entry: &ServiceEntry) -> Vec<ServiceBox> {
    match entry {
        ServiceEntry::L4PortSetServiceEntry {
            l4_protocol: name,
            destination_ports,
            source_ports,
            ..
        } => {
            let Ok(proto) = l4_protocol(name) else {
                return Vec::new();
            };
            let ranges = |list: &[String]| -> Vec<(u32, u32)> {
                if list.is_empty() {
                    return vec![(0, 65535)];
                }
                list.iter()
                    .filter_map(|p| parse_ports(p).ok())
                    .map(|r| (u32::from(r.first), u32::from(r.last)))
                    .collect()
            };
            let (dst, src) = (ranges(destination_ports), ranges(source_ports));
            let mut out = Vec::with_capacity(dst.len() * src.len());
            for &d in &dst {
                for &s in &src {
                    out.push(ServiceBox {
                        protocols: (u32::from(proto), u32::from(proto)),
                        source_ports: s,
                        destination_ports: d,
                    });
                }
            }
            out
        }
        ServiceEntry::ICMPTypeServiceEntry {
            protocol: name,
            icmp_type,
            icmp_code,
            ..
        } => {
            if !name.eq_ignore_ascii_case("ICMPv4") {
                return Vec::new();
            }
            let exact = |v: Option<u8>| v.map_or((0, 65535), |v| (u32::from(v), u32::from(v)));
            vec![ServiceBox {
                protocols: (u32::from(protocol::ICMP), u32::from(protocol::ICMP)),
                source_ports: exact(*icmp_type),
                destination_ports: exact(*icmp_code),
            }]
        }
        ServiceEntry::IPProtocolServiceEntry {
            protocol_number, ..
        } => vec![ServiceBox {
            protocols: (u32::from(*protocol_number), u32::from(*protocol_number)),
            source_ports: (0, 65535),
            destination_ports: (0, 65535),
        }],
    }
}
