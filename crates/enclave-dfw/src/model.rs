//! The NSX Policy objects of the distributed firewall, in the JSON shapes of the NSX Policy
//! API: security policies and their rules, groups and their membership expressions, services
//! and service entries.

use serde::{Deserialize, Serialize};

/// A `{scope, tag}` pair, as every NSX object carries them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Tag {
    /// The tag's scope (`ncp/project`, or a Kubernetes label key); may be empty.
    #[serde(default)]
    pub scope: String,
    /// The tag's value.
    #[serde(default)]
    pub tag: String,
}

impl Tag {
    /// A tag with this scope and value.
    pub fn new(scope: impl Into<String>, tag: impl Into<String>) -> Self {
        Tag {
            scope: scope.into(),
            tag: tag.into(),
        }
    }
}

/// The firewall category of a security policy. Categories are evaluated in the order of the
/// variants: Ethernet (layer 2) first, then the layer-3 categories from Emergency to
/// Application; a policy without a category comes after all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Category {
    /// Layer-2 rules, evaluated before every layer-3 rule.
    Ethernet,
    /// The highest-priority layer-3 category.
    Emergency,
    /// Shared services (the seed's `OverwriteEverything` lives here).
    Infrastructure,
    /// Zones such as production and development; the only place for JUMP_TO_APPLICATION.
    Environment,
    /// Application rules: NCP's NetworkPolicy translation and the namespace defaults.
    Application,
}

impl Category {
    /// The categories in evaluation order.
    pub const ALL: [Category; 5] = [
        Category::Ethernet,
        Category::Emergency,
        Category::Infrastructure,
        Category::Environment,
        Category::Application,
    ];

    /// The name NSX uses on the wire and in the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Ethernet => "Ethernet",
            Category::Emergency => "Emergency",
            Category::Infrastructure => "Infrastructure",
            Category::Environment => "Environment",
            Category::Application => "Application",
        }
    }
}

/// What a matching rule does with the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    /// Let the flow through.
    #[default]
    Allow,
    /// Drop silently: the client times out.
    Drop,
    /// Refuse: a TCP reset, or ICMP unreachable for other protocols.
    Reject,
    /// Environment category only: skip the rest of Environment and continue with Application.
    JumpToApplication,
}

impl Action {
    /// The name NSX uses on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "ALLOW",
            Action::Drop => "DROP",
            Action::Reject => "REJECT",
            Action::JumpToApplication => "JUMP_TO_APPLICATION",
        }
    }
}

/// Which traffic of an applied-to member a rule checks: traffic to it (IN), from it (OUT) or
/// both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    /// Traffic arriving at the member (checked at the destination's port).
    In,
    /// Traffic leaving the member (checked at the source's port).
    Out,
    /// Both.
    #[default]
    InOut,
}

impl Direction {
    /// Whether the rule checks traffic arriving at its members.
    pub fn checks_ingress(self) -> bool {
        matches!(self, Direction::In | Direction::InOut)
    }

    /// Whether the rule checks traffic leaving its members.
    pub fn checks_egress(self) -> bool {
        matches!(self, Direction::Out | Direction::InOut)
    }

    /// The name NSX uses on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "IN",
            Direction::Out => "OUT",
            Direction::InOut => "IN_OUT",
        }
    }
}

/// The IP versions a rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum IpProtocol {
    /// IPv4 only.
    #[serde(rename = "IPV4")]
    Ipv4,
    /// IPv6 only (never matches the IPv4 flows Enclave carries).
    #[serde(rename = "IPV6")]
    Ipv6,
    /// Both (the layer-3 default).
    #[default]
    #[serde(rename = "IPV4_IPV6")]
    Ipv4Ipv6,
}

/// Policy-level "connectivity preference": ALLOWLIST adds a drop-everything rule at the end of
/// the policy, applied to the policy's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectivityPreference {
    /// No implicit rule.
    #[default]
    None,
    /// An implicit DROP rule after the policy's rules.
    Allowlist,
    /// As ALLOWLIST, with logging of the implicit rule.
    AllowlistEnableLogging,
    /// An implicit ALLOW rule after the policy's rules.
    Denylist,
    /// As DENYLIST, with logging.
    DenylistEnableLogging,
}

/// The read-only bookkeeping NSX adds to every object it returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ObjectMeta {
    /// The object's full policy path, `/infra/domains/default/groups/web`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// The parent's path.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub parent_path: String,
    /// The path relative to the parent (the id).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub relative_path: String,
    /// Optimistic concurrency: the number of changes the object has seen.
    #[serde(default, rename = "_revision")]
    pub revision: u64,
    /// Milliseconds since the epoch of the creation.
    #[serde(default, rename = "_create_time", skip_serializing_if = "is_zero")]
    pub create_time: u64,
    /// Who created it (a user, or a principal identity such as NCP's).
    #[serde(
        default,
        rename = "_create_user",
        skip_serializing_if = "String::is_empty"
    )]
    pub create_user: String,
    /// Milliseconds since the epoch of the last change.
    #[serde(
        default,
        rename = "_last_modified_time",
        skip_serializing_if = "is_zero"
    )]
    pub last_modified_time: u64,
    /// Who changed it last.
    #[serde(
        default,
        rename = "_last_modified_user",
        skip_serializing_if = "String::is_empty"
    )]
    pub last_modified_user: String,
    /// Whether the system owns it.
    #[serde(default, rename = "_system_owned")]
    pub system_owned: bool,
    /// `PROTECTED`, `NOT_PROTECTED`, `REQUIRE_OVERRIDE` or `UNKNOWN`.
    #[serde(
        default,
        rename = "_protection",
        skip_serializing_if = "String::is_empty"
    )]
    pub protection: String,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

fn yes() -> bool {
    true
}

fn any() -> Vec<String> {
    vec![ANY.to_string()]
}

/// The literal NSX uses for "everything" in groups, services, profiles and scopes.
pub const ANY: &str = "ANY";

/// Whether a list of group paths, services or scopes means "anything": empty, or the single
/// element `ANY` (case-insensitive).
pub fn is_any(list: &[String]) -> bool {
    list.is_empty() || (list.len() == 1 && list[0].eq_ignore_ascii_case(ANY))
}

/// A firewall rule of a security policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The rule's id, the last segment of its path.
    pub id: String,
    /// The name shown in the UI; the id when empty.
    #[serde(default)]
    pub display_name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The numeric ID the data path, logs and Traceflow show (read-only, assigned by the
    /// system: 1000 and up for user rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<u32>,
    /// Order within the policy, ascending.
    #[serde(default)]
    pub sequence_number: i64,
    /// Source group paths or address literals (IP, CIDR, range); `["ANY"]` for any.
    #[serde(default = "any")]
    pub source_groups: Vec<String>,
    /// Destination group paths or address literals; `["ANY"]` for any.
    #[serde(default = "any")]
    pub destination_groups: Vec<String>,
    /// Negates the sources.
    #[serde(default)]
    pub sources_excluded: bool,
    /// Negates the destinations.
    #[serde(default)]
    pub destinations_excluded: bool,
    /// Service paths (`/infra/services/HTTP`); `["ANY"]` for any.
    #[serde(default = "any")]
    pub services: Vec<String>,
    /// Inline service entries, matched in addition to `services`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_entries: Vec<ServiceEntry>,
    /// Layer-7 context profiles; only `["ANY"]` is enforced.
    #[serde(default = "any")]
    pub profiles: Vec<String>,
    /// What a match does.
    #[serde(default)]
    pub action: Action,
    /// Which traffic of the applied-to members the rule checks.
    #[serde(default)]
    pub direction: Direction,
    /// IP versions matched.
    #[serde(default)]
    pub ip_protocol: IpProtocol,
    /// Applied-to: the group, segment or port paths whose ports enforce the rule;
    /// `["ANY"]` for every port. A policy's scope, when not ANY, takes precedence.
    #[serde(default = "any")]
    pub scope: Vec<String>,
    /// Whether matches are logged.
    #[serde(default)]
    pub logged: bool,
    /// A disabled rule never matches.
    #[serde(default)]
    pub disabled: bool,
    /// Free text, truncated by NSX after 39 characters.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// The log label.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tag: String,
    /// Object tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// Whether this is a system default rule (read-only).
    #[serde(default)]
    pub is_default: bool,
    /// Bookkeeping.
    #[serde(flatten)]
    pub meta: ObjectMeta,
}

impl Rule {
    /// An ALLOW rule from anything to anything, IN_OUT, applied everywhere; callers adjust it.
    pub fn new(id: impl Into<String>) -> Self {
        let id = id.into();
        Rule {
            display_name: id.clone(),
            id,
            description: String::new(),
            rule_id: None,
            sequence_number: 0,
            source_groups: any(),
            destination_groups: any(),
            sources_excluded: false,
            destinations_excluded: false,
            services: any(),
            service_entries: Vec::new(),
            profiles: any(),
            action: Action::Allow,
            direction: Direction::InOut,
            ip_protocol: IpProtocol::Ipv4Ipv6,
            scope: any(),
            logged: false,
            disabled: false,
            notes: String::new(),
            tag: String::new(),
            tags: Vec::new(),
            is_default: false,
            meta: ObjectMeta::default(),
        }
    }

    /// The name to show: the display name, else the id.
    pub fn name(&self) -> &str {
        if self.display_name.is_empty() {
            &self.id
        } else {
            &self.display_name
        }
    }
}

/// A security policy: an ordered section of rules in one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPolicy {
    /// The policy's id, the last segment of its path.
    pub id: String,
    /// The name shown in the UI; the id when empty.
    #[serde(default)]
    pub display_name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The category; none means after every category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Order within the category, ascending (0 to 999,999 for user policies).
    #[serde(default)]
    pub sequence_number: i64,
    /// Applied-to of the whole policy; when not ANY it replaces every rule's scope.
    #[serde(default = "any")]
    pub scope: Vec<String>,
    /// Whether the firewall tracks connections (return traffic passes without a lookup).
    #[serde(default = "yes")]
    pub stateful: bool,
    /// Whether TCP flows must start with a handshake the firewall saw.
    #[serde(default)]
    pub tcp_strict: bool,
    /// ALLOWLIST/DENYLIST add an implicit last rule.
    #[serde(default)]
    pub connectivity_preference: ConnectivityPreference,
    /// The rule ID of the implicit connectivity-preference rule (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_rule_id: Option<u32>,
    /// Whether this is the system's default section (read-only).
    #[serde(default)]
    pub is_default: bool,
    /// Whether changes are locked.
    #[serde(default)]
    pub locked: bool,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comments: String,
    /// Object tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// The rules, embedded.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Bookkeeping.
    #[serde(flatten)]
    pub meta: ObjectMeta,
}

impl SecurityPolicy {
    /// An empty stateful policy in a category, applied everywhere.
    pub fn new(id: impl Into<String>, category: Category) -> Self {
        let id = id.into();
        SecurityPolicy {
            display_name: id.clone(),
            id,
            description: String::new(),
            category: Some(category),
            sequence_number: 0,
            scope: any(),
            stateful: true,
            tcp_strict: false,
            connectivity_preference: ConnectivityPreference::None,
            default_rule_id: None,
            is_default: false,
            locked: false,
            comments: String::new(),
            tags: Vec::new(),
            rules: Vec::new(),
            meta: ObjectMeta::default(),
        }
    }

    /// The name to show: the display name, else the id.
    pub fn name(&self) -> &str {
        if self.display_name.is_empty() {
            &self.id
        } else {
            &self.display_name
        }
    }
}

/// A group: a set of members (ports, segments, other groups) and addresses, defined by an
/// expression list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The group's id, the last segment of its path.
    pub id: String,
    /// The name shown in the UI; the id when empty.
    #[serde(default)]
    pub display_name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Membership: odd-length list, criteria at even indices, conjunctions at odd ones.
    #[serde(default)]
    pub expression: Vec<Expression>,
    /// Object tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// Bookkeeping.
    #[serde(flatten)]
    pub meta: ObjectMeta,
}

impl Group {
    /// A group with this id and expression.
    pub fn new(id: impl Into<String>, expression: Vec<Expression>) -> Self {
        let id = id.into();
        Group {
            display_name: id.clone(),
            id,
            description: String::new(),
            expression,
            tags: Vec::new(),
            meta: ObjectMeta::default(),
        }
    }
}

/// One element of a group's expression list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "resource_type")]
pub enum Expression {
    /// A condition on members' tags or names.
    Condition(Condition),
    /// AND or OR between the neighbouring criteria.
    ConjunctionOperator {
        /// `AND` or `OR`.
        conjunction_operator: Conjunction,
    },
    /// A parenthesised sub-list.
    NestedExpression {
        /// The sub-list, with the same shape rules.
        expressions: Vec<Expression>,
    },
    /// Addresses: single IPs, CIDRs or ranges `a-b`.
    IPAddressExpression {
        /// The addresses.
        ip_addresses: Vec<String>,
    },
    /// Members by path: groups (nested membership), segments (every port on them), ports.
    PathExpression {
        /// The paths.
        paths: Vec<String>,
    },
    /// Members by MAC address.
    MACAddressExpression {
        /// The MAC addresses.
        mac_addresses: Vec<String>,
    },
}

/// A conjunction between criteria of an expression list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Conjunction {
    /// Both neighbours must hold (binds tighter than OR).
    And,
    /// Either neighbour.
    Or,
}

/// A membership condition: `key` of members of `member_type` compared with `value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// What is compared: `Tag` or `Name` are evaluated.
    pub key: String,
    /// Which inventory objects the condition looks at (`SegmentPort`, `Pod`, `Segment`, ...).
    pub member_type: String,
    /// `EQUALS`, `NOTEQUALS`, `CONTAINS`, `STARTSWITH`, `ENDSWITH`, `IN`, `NOTIN`.
    pub operator: String,
    /// For tags `scope|tag` (`|tag` matches any scope); for names the name.
    #[serde(default)]
    pub value: String,
    /// For tags: how the scope is compared (`EQUALS` or `NOTEQUALS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_operator: Option<String>,
}

/// A service: named protocol and port sets (`/infra/services/HTTP`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// The service's id, the last segment of its path.
    pub id: String,
    /// The name shown in the UI; the id when empty.
    #[serde(default)]
    pub display_name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The entries; a flow matches the service if it matches any entry.
    #[serde(default)]
    pub service_entries: Vec<ServiceEntry>,
    /// Object tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// Whether this is a system default service (read-only).
    #[serde(default)]
    pub is_default: bool,
    /// Bookkeeping.
    #[serde(flatten)]
    pub meta: ObjectMeta,
}

/// One entry of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "resource_type")]
pub enum ServiceEntry {
    /// TCP or UDP ports.
    L4PortSetServiceEntry {
        /// The entry's id.
        #[serde(default)]
        id: String,
        /// The entry's name.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        display_name: String,
        /// `TCP` or `UDP`.
        l4_protocol: String,
        /// Ports or ranges (`"80"`, `"8282-8286"`); empty = any.
        #[serde(default)]
        destination_ports: Vec<String>,
        /// Ports or ranges; empty = any.
        #[serde(default)]
        source_ports: Vec<String>,
    },
    /// ICMP messages.
    ICMPTypeServiceEntry {
        /// The entry's id.
        #[serde(default)]
        id: String,
        /// The entry's name.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        display_name: String,
        /// `ICMPv4` or `ICMPv6`.
        protocol: String,
        /// The ICMP type; none = any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        icmp_type: Option<u8>,
        /// The ICMP code; none = any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        icmp_code: Option<u8>,
    },
    /// Any IP protocol by number.
    IPProtocolServiceEntry {
        /// The entry's id.
        #[serde(default)]
        id: String,
        /// The entry's name.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        display_name: String,
        /// The IP protocol number (6 TCP, 17 UDP, 1 ICMP, 132 SCTP).
        protocol_number: u8,
    },
}

/// Everything the firewall evaluates: the policies of every category, the groups and the
/// services they reference. Paths are the objects' `meta.path` (filled in by
/// [`FirewallConfig::normalize`] from the domain and ids when empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FirewallConfig {
    /// Security policies, in any order (evaluation sorts them).
    pub policies: Vec<SecurityPolicy>,
    /// Groups referenced by rules and scopes.
    pub groups: Vec<Group>,
    /// Services referenced by rules.
    pub services: Vec<Service>,
}

/// The domain every object lives in unless its path says otherwise.
pub const DEFAULT_DOMAIN: &str = "default";

/// `/infra/domains/<domain>/security-policies/<id>`.
pub fn policy_path(domain: &str, id: &str) -> String {
    format!("/infra/domains/{domain}/security-policies/{id}")
}

/// `/infra/domains/<domain>/groups/<id>`.
pub fn group_path(domain: &str, id: &str) -> String {
    format!("/infra/domains/{domain}/groups/{id}")
}

/// `/infra/services/<id>`.
pub fn service_path(id: &str) -> String {
    format!("/infra/services/{id}")
}

impl FirewallConfig {
    /// Fills in empty paths (policies and groups in the default domain, rules under their
    /// policy) and display names, so that every object can be referred to by path.
    pub fn normalize(&mut self) {
        for policy in &mut self.policies {
            if policy.meta.path.is_empty() {
                policy.meta.path = policy_path(DEFAULT_DOMAIN, &policy.id);
            }
            if policy.display_name.is_empty() {
                policy.display_name = policy.id.clone();
            }
            fill_relatives(&mut policy.meta, &policy.id);
            for rule in &mut policy.rules {
                if rule.meta.path.is_empty() {
                    rule.meta.path = format!("{}/rules/{}", policy.meta.path, rule.id);
                }
                if rule.display_name.is_empty() {
                    rule.display_name = rule.id.clone();
                }
                fill_relatives(&mut rule.meta, &rule.id);
            }
        }
        for group in &mut self.groups {
            if group.meta.path.is_empty() {
                group.meta.path = group_path(DEFAULT_DOMAIN, &group.id);
            }
            if group.display_name.is_empty() {
                group.display_name = group.id.clone();
            }
            fill_relatives(&mut group.meta, &group.id);
        }
        for service in &mut self.services {
            if service.meta.path.is_empty() {
                service.meta.path = service_path(&service.id);
            }
            if service.display_name.is_empty() {
                service.display_name = service.id.clone();
            }
            fill_relatives(&mut service.meta, &service.id);
        }
    }
}

fn fill_relatives(meta: &mut ObjectMeta, id: &str) {
    if meta.relative_path.is_empty() {
        meta.relative_path = id.to_string();
    }
    if meta.parent_path.is_empty()
        && let Some((parent, _)) = meta.path.rsplit_once('/')
    {
        // `/infra/domains/default/groups/x` has the parent `/infra/domains/default`.
        meta.parent_path = parent
            .strip_suffix("/groups")
            .or_else(|| parent.strip_suffix("/security-policies"))
            .or_else(|| parent.strip_suffix("/rules"))
            .or_else(|| parent.strip_suffix("/services"))
            .unwrap_or(parent)
            .to_string();
    }
}
