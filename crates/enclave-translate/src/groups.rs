//! Building groups within NSX's limits: a member group lists port paths and address
//! literals (at most [`MAX_VALUES_PER_GROUP`] per group); a longer list is split into part
//! groups that the group nests through a path expression.

use enclave_dfw::model::{Condition, Conjunction, Expression, Group, ObjectMeta, Tag, group_path};
use enclave_dfw::validate::MAX_VALUES_PER_GROUP;

/// Where groups go and what they are tagged with.
pub(crate) struct GroupSink<'a> {
    pub domain: &'a str,
    pub groups: &'a mut Vec<Group>,
}

impl GroupSink<'_> {
    /// Adds a group whose members are `paths` (segment ports, groups) and `addresses`
    /// (IPs, CIDRs), split into parts when over the limit; returns its path.
    pub fn members(
        &mut self,
        id: &str,
        display: &str,
        tags: &[Tag],
        paths: Vec<String>,
        addresses: Vec<String>,
    ) -> String {
        self.members_at_level(id, display, tags, paths, addresses, 0)
    }

    fn members_at_level(
        &mut self,
        id: &str,
        display: &str,
        tags: &[Tag],
        paths: Vec<String>,
        addresses: Vec<String>,
        level: usize,
    ) -> String {
        if paths.len() + addresses.len() <= MAX_VALUES_PER_GROUP {
            let mut expression = Vec::new();
            if !paths.is_empty() {
                expression.push(Expression::PathExpression { paths });
            }
            if !addresses.is_empty() {
                if !expression.is_empty() {
                    expression.push(Expression::ConjunctionOperator {
                        conjunction_operator: Conjunction::Or,
                    });
                }
                expression.push(Expression::IPAddressExpression {
                    ip_addresses: addresses,
                });
            }
            return self.push(id, display, tags, expression);
        }
        let mut parts = Vec::new();
        let mut path_chunks = paths.chunks(MAX_VALUES_PER_GROUP);
        let mut address_chunks = addresses.chunks(MAX_VALUES_PER_GROUP);
        let mut index = 0;
        loop {
            let (part_paths, part_addresses) = match path_chunks.next() {
                Some(chunk) => (chunk.to_vec(), Vec::new()),
                None => match address_chunks.next() {
                    Some(chunk) => (Vec::new(), chunk.to_vec()),
                    None => break,
                },
            };
            let part_id = format!("{id}_l{level}p{index}");
            let part_display = format!("{display} (part {index})");
            parts.push(self.push_members(
                &part_id,
                &part_display,
                tags,
                part_paths,
                part_addresses,
            ));
            index += 1;
        }
        self.members_at_level(id, display, tags, parts, Vec::new(), level + 1)
    }

    fn push_members(
        &mut self,
        id: &str,
        display: &str,
        tags: &[Tag],
        paths: Vec<String>,
        addresses: Vec<String>,
    ) -> String {
        let expression = if paths.is_empty() {
            vec![Expression::IPAddressExpression {
                ip_addresses: addresses,
            }]
        } else {
            vec![Expression::PathExpression { paths }]
        };
        self.push(id, display, tags, expression)
    }

    /// Adds a group of one tag condition on `member_type`; returns its path.
    pub fn condition(
        &mut self,
        id: &str,
        display: &str,
        tags: &[Tag],
        member_type: &str,
        value: String,
    ) -> String {
        let expression = vec![Expression::Condition(Condition {
            key: "Tag".into(),
            member_type: member_type.into(),
            operator: "EQUALS".into(),
            value,
            scope_operator: None,
        })];
        self.push(id, display, tags, expression)
    }

    fn push(
        &mut self,
        id: &str,
        display: &str,
        tags: &[Tag],
        expression: Vec<Expression>,
    ) -> String {
        let path = group_path(self.domain, id);
        let mut group = Group::new(id, expression);
        group.display_name = crate::naming::display(display.to_string());
        group.tags = tags.to_vec();
        group.meta = ObjectMeta {
            path: path.clone(),
            ..ObjectMeta::default()
        };
        self.groups.push(group);
        path
    }
}
