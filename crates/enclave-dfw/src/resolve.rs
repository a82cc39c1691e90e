//! Group resolution for the compiled engine: group expressions precompiled (lower-cased
//! values, parsed addresses, resolved nested groups), the inventory indexed by tag, path,
//! segment and address, and the exact member sets and address sets of groups with the same
//! semantics as [`crate::reference`] (including its nesting-depth limit).

use crate::hash::FastMap;

use crate::flow::{Inventory, InventorySegment, Member};
use crate::intervals::{self, Intervals};
use crate::literal::{AddressLiteral, parse_address};
use crate::model::{Condition, Conjunction, Expression, Group};

/// Deepest nesting followed, as in the reference evaluator.
pub(crate) const MAX_GROUP_DEPTH: usize = 16;

/// A member's attributes, lower-cased once so conditions compare without allocating.
#[derive(Debug, Clone, Default)]
pub(crate) struct MemberInfo {
    /// Whether the inventory still holds this member (ids of removed members stay unused).
    pub present: bool,
    pub path: String,
    pub segment: String,
    pub ip: u32,
    pub mac: String,
    pub name: String,
    pub segment_name: String,
    /// `(scope, tag)`, lower-cased.
    pub tags: Vec<(String, String)>,
    /// The tags of the member's segment (the first segment with that path), lower-cased.
    pub segment_tags: Vec<(String, String)>,
}

/// The inventory's segments by path (the first of equal paths, as [`Inventory::segment`]),
/// so that describing every member does not scan every segment for each.
pub fn segments_by_path(inventory: &Inventory) -> FastMap<&str, &InventorySegment> {
    let mut by_path = FastMap::default();
    for segment in &inventory.segments {
        by_path.entry(segment.path.as_str()).or_insert(segment);
    }
    by_path
}

impl MemberInfo {
    /// `segment` is the inventory's segment at `member.segment`, if any.
    pub fn new(member: &Member, segment: Option<&InventorySegment>) -> Self {
        let lower = |tags: &[crate::model::Tag]| -> Vec<(String, String)> {
            tags.iter()
                .map(|t| (t.scope.to_ascii_lowercase(), t.tag.to_ascii_lowercase()))
                .collect()
        };
        MemberInfo {
            present: true,
            path: member.path.clone(),
            segment: member.segment.clone(),
            ip: u32::from(member.ip),
            mac: member.mac.to_ascii_lowercase(),
            name: member.name.to_ascii_lowercase(),
            segment_name: member
                .segment
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase(),
            tags: lower(&member.tags),
            segment_tags: segment.map(|s| lower(&s.tags)).unwrap_or_default(),
        }
    }
}

/// A string operator of NSX conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Equals,
    NotEquals,
    Contains,
    StartsWith,
    EndsWith,
    In,
    NotIn,
    Unknown,
}

impl Operator {
    fn parse(text: &str) -> Self {
        match text.to_ascii_uppercase().as_str() {
            "EQUALS" => Operator::Equals,
            "NOTEQUALS" => Operator::NotEquals,
            "CONTAINS" => Operator::Contains,
            "STARTSWITH" => Operator::StartsWith,
            "ENDSWITH" => Operator::EndsWith,
            "IN" => Operator::In,
            "NOTIN" => Operator::NotIn,
            _ => Operator::Unknown,
        }
    }
}

/// A lower-cased comparison value with its `IN` list split once.
#[derive(Debug, Clone)]
struct Expected {
    value: String,
    list: Vec<String>,
}

impl Expected {
    fn new(value: &str) -> Self {
        let value = value.to_ascii_lowercase();
        let list = value.split(',').map(|v| v.trim().to_string()).collect();
        Expected { value, list }
    }

    /// The reference's `string_condition` over lower-cased strings.
    fn compare(&self, operator: Operator, actual: &str) -> bool {
        match operator {
            Operator::Equals => actual == self.value,
            Operator::NotEquals => actual != self.value,
            Operator::Contains => actual.contains(self.value.as_str()),
            Operator::StartsWith => actual.starts_with(self.value.as_str()),
            Operator::EndsWith => actual.ends_with(self.value.as_str()),
            Operator::In => self.list.iter().any(|v| v == actual),
            Operator::NotIn => !self.list.iter().any(|v| v == actual),
            Operator::Unknown => false,
        }
    }
}

#[derive(Debug, Clone)]
enum ConditionKind {
    Tag {
        scope: Option<String>,
        scope_differs: bool,
        expected: Expected,
    },
    Name {
        expected: Expected,
    },
    Never,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledCondition {
    kind: ConditionKind,
    operator: Operator,
    on_segment: bool,
}

impl CompiledCondition {
    fn new(c: &Condition) -> Self {
        let on_segment = matches!(
            c.member_type.as_str(),
            "Segment" | "LogicalSwitch" | "Namespace" | "KubernetesNamespace"
        );
        let kind = if c.key.eq_ignore_ascii_case("Tag") {
            let (scope, value) = match c.value.split_once('|') {
                Some((scope, value)) => (Some(scope), value),
                None => (None, c.value.as_str()),
            };
            ConditionKind::Tag {
                scope: scope
                    .filter(|s| !s.is_empty())
                    .map(|s| s.to_ascii_lowercase()),
                scope_differs: c
                    .scope_operator
                    .as_deref()
                    .is_some_and(|op| op.eq_ignore_ascii_case("NOTEQUALS")),
                expected: Expected::new(value),
            }
        } else if c.key.eq_ignore_ascii_case("Name") {
            ConditionKind::Name {
                expected: Expected::new(&c.value),
            }
        } else {
            ConditionKind::Never
        };
        CompiledCondition {
            kind,
            operator: Operator::parse(&c.operator),
            on_segment,
        }
    }

    fn holds(&self, m: &MemberInfo) -> bool {
        match &self.kind {
            ConditionKind::Never => false,
            ConditionKind::Name { expected } => {
                let name = if self.on_segment {
                    &m.segment_name
                } else {
                    &m.name
                };
                expected.compare(self.operator, name)
            }
            ConditionKind::Tag {
                scope,
                scope_differs,
                expected,
            } => {
                let tags = if self.on_segment {
                    &m.segment_tags
                } else {
                    &m.tags
                };
                let scope_ok = |s: &str| match scope {
                    None => true,
                    Some(wanted) => (s == wanted) != *scope_differs,
                };
                match self.operator {
                    Operator::NotEquals => !tags
                        .iter()
                        .any(|(s, t)| scope_ok(s) && *t == expected.value),
                    Operator::NotIn => !tags
                        .iter()
                        .any(|(s, t)| scope_ok(s) && expected.compare(Operator::In, t)),
                    op => tags
                        .iter()
                        .any(|(s, t)| scope_ok(s) && expected.compare(op, t)),
                }
            }
        }
    }

    /// The index key when the condition's members are exactly those holding one tag.
    fn index_key(&self) -> Option<TagKey> {
        match &self.kind {
            ConditionKind::Tag {
                scope,
                scope_differs: false,
                expected,
            } if self.operator == Operator::Equals => Some(TagKey {
                on_segment: self.on_segment,
                scope: scope.clone(),
                tag: expected.value.clone(),
            }),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TagKey {
    on_segment: bool,
    scope: Option<String>,
    tag: String,
}

/// A path of a path expression: a port, a segment, or a group.
#[derive(Debug, Clone)]
pub(crate) struct PathTarget {
    pub path: String,
    pub group: Option<u32>,
}

#[derive(Debug, Clone)]
pub(crate) enum Criterion {
    Condition(CompiledCondition),
    Nested(CompiledList),
    Addresses(Intervals),
    Macs(Vec<String>),
    Paths(Vec<PathTarget>),
}

/// An expression list: an OR of AND-runs. Malformed or empty lists hold for nothing.
#[derive(Debug, Clone, Default)]
pub(crate) struct CompiledList {
    pub valid: bool,
    pub runs: Vec<Vec<Criterion>>,
}

impl CompiledList {
    pub fn new(list: &[Expression], group_by_path: &FastMap<String, u32>) -> Self {
        let mut runs = vec![Vec::new()];
        for (i, e) in list.iter().enumerate() {
            if i % 2 == 1 {
                match e {
                    Expression::ConjunctionOperator {
                        conjunction_operator: Conjunction::And,
                    } => {}
                    Expression::ConjunctionOperator {
                        conjunction_operator: Conjunction::Or,
                    } => runs.push(Vec::new()),
                    _ => return CompiledList::default(),
                }
                continue;
            }
            let criterion = match e {
                Expression::ConjunctionOperator { .. } => return CompiledList::default(),
                Expression::Condition(c) => Criterion::Condition(CompiledCondition::new(c)),
                Expression::NestedExpression { expressions } => {
                    Criterion::Nested(CompiledList::new(expressions, group_by_path))
                }
                Expression::IPAddressExpression { ip_addresses } => {
                    Criterion::Addresses(intervals::normalize(
                        ip_addresses
                            .iter()
                            .filter_map(|a| match parse_address(a) {
                                Some(Ok(AddressLiteral::V4(r))) => Some((r.first, r.last)),
                                _ => None,
                            })
                            .collect(),
                    ))
                }
                Expression::MACAddressExpression { mac_addresses } => Criterion::Macs(
                    mac_addresses
                        .iter()
                        .map(|m| m.to_ascii_lowercase())
                        .collect(),
                ),
                Expression::PathExpression { paths } => Criterion::Paths(
                    paths
                        .iter()
                        .map(|p| PathTarget {
                            path: p.clone(),
                            group: group_by_path.get(p).copied(),
                        })
                        .collect(),
                ),
            };
            if let Some(run) = runs.last_mut() {
                run.push(criterion);
            }
        }
        CompiledList {
            valid: !list.is_empty(),
            runs,
        }
    }

    /// Group paths this list names (resolved or not), for dependency tracking.
    pub fn group_refs(&self, out: &mut Vec<String>) {
        for run in &self.runs {
            for c in run {
                match c {
                    Criterion::Nested(l) => l.group_refs(out),
                    Criterion::Paths(p) => out.extend(p.iter().map(|t| t.path.clone())),
                    _ => {}
                }
            }
        }
    }
}

/// A group as the engine keeps it.
#[derive(Debug, Clone)]
pub(crate) struct CompiledGroup {
    pub source: Group,
    pub list: CompiledList,
}

/// The inventory indexed for group resolution, kept up to date on member changes.
#[derive(Debug, Clone, Default)]
pub(crate) struct MemberIndex {
    by_tag: FastMap<TagKey, Vec<u32>>,
    by_path: FastMap<String, Vec<u32>>,
    by_segment: FastMap<String, Vec<u32>>,
    /// `(ip, member)`, sorted.
    by_ip: Vec<(u32, u32)>,
    /// Every present member, sorted.
    pub all: Vec<u32>,
}

impl MemberIndex {
    pub fn build(members: &[MemberInfo]) -> Self {
        let mut index = MemberIndex::default();
        for (id, m) in members.iter().enumerate() {
            if m.present {
                index.add_keys(id as u32, m);
                index.all.push(id as u32);
                index.by_ip.push((m.ip, id as u32));
            }
        }
        index.by_ip.sort_unstable();
        for list in index
            .by_tag
            .values_mut()
            .chain(index.by_path.values_mut())
            .chain(index.by_segment.values_mut())
        {
            list.dedup();
        }
        index
    }

    fn tag_keys(m: &MemberInfo) -> Vec<TagKey> {
        let mut keys = Vec::with_capacity(2 * (m.tags.len() + m.segment_tags.len()));
        for (on_segment, tags) in [(false, &m.tags), (true, &m.segment_tags)] {
            for (scope, tag) in tags {
                keys.push(TagKey {
                    on_segment,
                    scope: Some(scope.clone()),
                    tag: tag.clone(),
                });
                keys.push(TagKey {
                    on_segment,
                    scope: None,
                    tag: tag.clone(),
                });
            }
        }
        keys
    }

    /// Adds in id order (ids ascend during a build, so lists stay sorted).
    fn add_keys(&mut self, id: u32, m: &MemberInfo) {
        for key in Self::tag_keys(m) {
            let list = self.by_tag.entry(key).or_default();
            if list.last() != Some(&id) {
                list.push(id);
            }
        }
        self.by_path.entry(m.path.clone()).or_default().push(id);
        self.by_segment
            .entry(m.segment.clone())
            .or_default()
            .push(id);
    }

    pub fn insert(&mut self, id: u32, m: &MemberInfo) {
        for key in Self::tag_keys(m) {
            intervals::insert_sorted(self.by_tag.entry(key).or_default(), id);
        }
        intervals::insert_sorted(self.by_path.entry(m.path.clone()).or_default(), id);
        intervals::insert_sorted(self.by_segment.entry(m.segment.clone()).or_default(), id);
        intervals::insert_sorted(&mut self.all, id);
        let at = self.by_ip.partition_point(|e| *e < (m.ip, id));
        self.by_ip.insert(at, (m.ip, id));
    }

    pub fn remove(&mut self, id: u32, m: &MemberInfo) {
        for key in Self::tag_keys(m) {
            if let Some(list) = self.by_tag.get_mut(&key) {
                intervals::remove_sorted(list, id);
            }
        }
        if let Some(list) = self.by_path.get_mut(&m.path) {
            intervals::remove_sorted(list, id);
        }
        if let Some(list) = self.by_segment.get_mut(&m.segment) {
            intervals::remove_sorted(list, id);
        }
        intervals::remove_sorted(&mut self.all, id);
        if let Ok(at) = self.by_ip.binary_search(&(m.ip, id)) {
            self.by_ip.remove(at);
        }
    }

    /// Members whose path or segment is `path`.
    pub fn at_path(&self, path: &str) -> Vec<u32> {
        let a = self
            .by_path
            .get(path)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let b = self
            .by_segment
            .get(path)
            .map(Vec::as_slice)
            .unwrap_or_default();
        intervals::union_sorted(a, b)
    }

    fn in_ranges(&self, ranges: &[(u32, u32)]) -> Vec<u32> {
        let mut out = Vec::new();
        for &(first, last) in ranges {
            let start = self.by_ip.partition_point(|&(ip, _)| ip < first);
            out.extend(
                self.by_ip[start..]
                    .iter()
                    .take_while(|&&(ip, _)| ip <= last)
                    .map(|&(_, id)| id),
            );
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Resolves groups over members: member sets and address sets at a nesting depth,
/// memoized per (group, depth) for one compile.
pub(crate) struct Resolver<'a> {
    pub groups: &'a [CompiledGroup],
    pub members: &'a [MemberInfo],
    pub index: &'a MemberIndex,
    member_memo: FastMap<(u32, usize), std::rc::Rc<Vec<u32>>>,
    address_memo: FastMap<(u32, usize), std::rc::Rc<Intervals>>,
}

impl<'a> Resolver<'a> {
    pub fn new(
        groups: &'a [CompiledGroup],
        members: &'a [MemberInfo],
        index: &'a MemberIndex,
    ) -> Self {
        Resolver {
            groups,
            members,
            index,
            member_memo: FastMap::default(),
            address_memo: FastMap::default(),
        }
    }

    /// The members of group `g` when its expression is evaluated at `depth`.
    pub fn group_members(&mut self, g: u32, depth: usize) -> std::rc::Rc<Vec<u32>> {
        if let Some(found) = self.member_memo.get(&(g, depth)) {
            return found.clone();
        }
        let groups = self.groups;
        let set = match groups.get(g as usize) {
            Some(group) => self.list_members(&group.list, depth),
            None => Vec::new(),
        };
        let set = std::rc::Rc::new(set);
        self.member_memo.insert((g, depth), set.clone());
        set
    }

    fn list_members(&mut self, list: &CompiledList, depth: usize) -> Vec<u32> {
        if depth > MAX_GROUP_DEPTH || !list.valid {
            return Vec::new();
        }
        let mut out = Vec::new();
        for run in &list.runs {
            let run_set = self.run_members(run, depth);
            out = intervals::union_sorted(&out, &run_set);
        }
        out
    }

    fn run_members(&mut self, run: &[Criterion], depth: usize) -> Vec<u32> {
        // Indexed criteria give exact sets; the rest filter the intersection.
        let mut current: Option<Vec<u32>> = None;
        let mut filters = Vec::new();
        for c in run {
            let set = match c {
                Criterion::Condition(cond) => match cond.index_key() {
                    Some(key) => self.index.by_tag.get(&key).cloned().unwrap_or_default(),
                    None => {
                        filters.push(c);
                        continue;
                    }
                },
                Criterion::Nested(list) => self.list_members(list, depth + 1),
                Criterion::Addresses(ranges) => self.index.in_ranges(ranges),
                Criterion::Macs(_) => {
                    filters.push(c);
                    continue;
                }
                Criterion::Paths(targets) => {
                    let mut set = Vec::new();
                    for t in targets {
                        set = intervals::union_sorted(&set, &self.index.at_path(&t.path));
                        if let Some(g) = t.group {
                            let nested = self.group_members(g, depth + 1);
                            set = intervals::union_sorted(&set, &nested);
                        }
                    }
                    set
                }
            };
            current = Some(match current {
                None => set,
                Some(cur) => intervals::intersect_sorted(&cur, &set),
            });
            if current.as_ref().is_some_and(Vec::is_empty) {
                return Vec::new();
            }
        }
        let mut set = current.unwrap_or_else(|| self.index.all.clone());
        if !filters.is_empty() {
            let members = self.members;
            let groups = self.groups;
            set.retain(|&id| {
                members
                    .get(id as usize)
                    .is_some_and(|m| filters.iter().all(|c| criterion_holds(groups, c, m, depth)))
            });
        }
        set
    }

    /// The addresses of group `g`'s address expressions, evaluated at `depth` (members'
    /// IPs not included).
    pub fn group_addresses(&mut self, g: u32, depth: usize) -> std::rc::Rc<Intervals> {
        if let Some(found) = self.address_memo.get(&(g, depth)) {
            return found.clone();
        }
        let groups = self.groups;
        let set = match groups.get(g as usize) {
            Some(group) => self.list_addresses(&group.list, depth),
            None => Vec::new(),
        };
        let set = std::rc::Rc::new(set);
        self.address_memo.insert((g, depth), set.clone());
        set
    }

    fn list_addresses(&mut self, list: &CompiledList, depth: usize) -> Intervals {
        if depth > MAX_GROUP_DEPTH || !list.valid {
            return Vec::new();
        }
        let mut out = Vec::new();
        'runs: for run in &list.runs {
            let mut current: Option<Intervals> = None;
            for c in run {
                let set = match c {
                    Criterion::Condition(_) | Criterion::Macs(_) => continue 'runs,
                    Criterion::Nested(l) => self.list_addresses(l, depth + 1),
                    Criterion::Addresses(ranges) => ranges.clone(),
                    Criterion::Paths(targets) => {
                        let mut set = Vec::new();
                        for t in targets {
                            if let Some(g) = t.group {
                                let nested = self.group_addresses(g, depth + 1);
                                set = intervals::union(&set, &nested);
                            }
                        }
                        set
                    }
                };
                current = Some(match current {
                    None => set,
                    Some(cur) => intervals::intersect(&cur, &set),
                });
            }
            if let Some(set) = current {
                out = intervals::union(&out, &set);
            }
        }
        out
    }
}

/// Whether a member satisfies a list at `depth`: the reference's `expression_holds`.
pub(crate) fn list_holds(
    groups: &[CompiledGroup],
    list: &CompiledList,
    m: &MemberInfo,
    depth: usize,
) -> bool {
    if depth > MAX_GROUP_DEPTH || !list.valid {
        return false;
    }
    list.runs
        .iter()
        .any(|run| run.iter().all(|c| criterion_holds(groups, c, m, depth)))
}

fn criterion_holds(groups: &[CompiledGroup], c: &Criterion, m: &MemberInfo, depth: usize) -> bool {
    match c {
        Criterion::Condition(cond) => cond.holds(m),
        Criterion::Nested(list) => list_holds(groups, list, m, depth + 1),
        Criterion::Addresses(ranges) => intervals::contains(ranges, m.ip),
        Criterion::Macs(macs) => macs.contains(&m.mac),
        Criterion::Paths(targets) => targets.iter().any(|t| {
            t.path == m.path
                || t.path == m.segment
                || t.group.is_some_and(|g| {
                    groups
                        .get(g as usize)
                        .is_some_and(|group| list_holds(groups, &group.list, m, depth + 1))
                })
        }),
    }
}
