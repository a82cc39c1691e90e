//! The translation itself: namespaces and pods into the inventory, the namespace defaults
//! into one baseline policy, and each NetworkPolicy into an allowlist policy, an isolation
//! policy, their groups and services.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;

use enclave_dfw::model::{
    Action, Category, Direction, FirewallConfig, ObjectMeta, Rule, SecurityPolicy, Service,
    ServiceEntry, Tag, policy_path, service_path,
};
use enclave_dfw::{Inventory, InventorySegment, Member};
use k8s_openapi::api::core::v1::{Namespace, Pod};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
};
use serde::{Deserialize, Serialize};

use crate::TranslateError;
use crate::groups::GroupSink;
use crate::ipblock::{self, Range};
use crate::naming::{self, Way, scope};
use crate::placement::PortPlacement;
use crate::ports::{
    ContainerPort, PortSpec, Protocol, container_ports, resolve_named, service_name,
};
use crate::problem::{ObjectRef, Problem};
use crate::selector::{LabelIndex, Selector};
use crate::snapshot::{
    BASELINE_ANNOTATION, Baseline, NAMESPACE_NAME_LABEL, Settings, Snapshot, SnapshotView,
};

/// Sequence number of every NetworkPolicy allowlist policy (NCP: 10).
pub const ALLOWLIST_SEQUENCE: i64 = 10;
/// Sequence number of every NetworkPolicy isolation policy (NCP: 90).
pub const ISOLATION_SEQUENCE: i64 = 90;
/// Sequence number of the namespace defaults, after every NetworkPolicy.
pub const BASELINE_SEQUENCE: i64 = 100;

/// What the translation produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Translation {
    /// Groups, services and security policies, normalized, sorted by path, without rule IDs
    /// (the shell runs `RuleIds::assign` over the whole configuration).
    pub config: FirewallConfig,
    /// The segments and pod ports the rules are evaluated over, sorted by path.
    pub inventory: Inventory,
    /// Problems with input objects, in input order (namespaces, pods, NetworkPolicies,
    /// each sorted by namespace and name).
    pub problems: Vec<Problem>,
}

/// Translates `snapshot` under `settings`. Pure and deterministic: the same input gives the
/// same output, byte for byte once serialized.
pub fn translate(snapshot: &Snapshot, settings: &Settings) -> Translation {
    translate_view(&snapshot.view(), settings)
}

/// [`translate`] over objects borrowed from where they live (NCP's caches).
pub fn translate_view(snapshot: &SnapshotView<'_>, settings: &Settings) -> Translation {
    let mut translator = Translator {
        settings,
        namespaces: BTreeMap::new(),
        members: Vec::new(),
        namespace_names: Vec::new(),
        namespace_index: LabelIndex::default(),
        pods_by_namespace: HashMap::new(),
        config: FirewallConfig::default(),
        problems: Vec::new(),
    };
    translator.read_namespaces(snapshot);
    translator.read_pods(snapshot);
    translator.index();
    translator.namespace_defaults();
    let mut policies: Vec<&NetworkPolicy> = snapshot.network_policies.clone();
    fn sort_key(np: &NetworkPolicy) -> (&str, &str, &str) {
        let meta = &np.metadata;
        (
            meta.namespace.as_deref().unwrap_or_default(),
            meta.name.as_deref().unwrap_or_default(),
            meta.uid.as_deref().unwrap_or_default(),
        )
    }
    policies.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    for np in policies {
        translator.network_policy(np, &mut keys);
    }
    let inventory = translator.inventory();
    let mut config = translator.config;
    config.normalize();
    config
        .policies
        .sort_by(|a, b| a.meta.path.cmp(&b.meta.path));
    config.groups.sort_by(|a, b| a.meta.path.cmp(&b.meta.path));
    config
        .services
        .sort_by(|a, b| a.meta.path.cmp(&b.meta.path));
    Translation {
        config,
        inventory,
        problems: translator.problems,
    }
}

static EMPTY_LABELS: BTreeMap<String, String> = BTreeMap::new();

struct NamespaceInfo {
    uid: String,
    labels: BTreeMap<String, String>,
    baseline: Baseline,
    segments: Vec<String>,
}

struct PodInfo<'a> {
    namespace: &'a str,
    name: &'a str,
    uid: &'a str,
    labels: &'a BTreeMap<String, String>,
    ip: Ipv4Addr,
    placement: &'a PortPlacement,
    ports: Vec<ContainerPort>,
}

/// Pods and addresses a rule's peers stand for.
#[derive(Default)]
struct Peers {
    /// Indices into the members.
    pods: BTreeSet<usize>,
    /// IPv4 ranges of ipBlocks.
    ranges: Vec<Range>,
}

struct Translator<'a> {
    settings: &'a Settings,
    namespaces: BTreeMap<String, NamespaceInfo>,
    members: Vec<PodInfo<'a>>,
    /// The namespaces' names in order; `namespace_index` holds indices into it.
    namespace_names: Vec<String>,
    /// The namespaces by label, for namespace selectors.
    namespace_index: LabelIndex<usize>,
    /// Per namespace, its members (indices) by label, for pod selectors.
    pods_by_namespace: HashMap<String, LabelIndex<usize>>,
    config: FirewallConfig,
    problems: Vec<Problem>,
}

fn object_ref(
    kind: &str,
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> ObjectRef {
    ObjectRef {
        kind: kind.into(),
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone().unwrap_or_default(),
        uid: meta.uid.clone().unwrap_or_default(),
    }
}

/// Whether a namespace is one of Kubernetes' own (`default`, `kube-*`). They hold what every
/// namespace must reach (DNS, the API), and in a Supervisor they are not vSphere Namespaces
/// (no segment of their own with the zero-trust default), so they get `allow-cluster`.
pub fn is_system_namespace(name: &str) -> bool {
    name == "default" || name.starts_with("kube-")
}

impl<'a> Translator<'a> {
    fn problem(&mut self, object: &ObjectRef, at: &str, error: &TranslateError) {
        self.problems.push(Problem::new(object, at, error));
    }

    fn read_namespaces(&mut self, snapshot: &SnapshotView<'a>) {
        let mut namespaces: Vec<&Namespace> = snapshot.namespaces.clone();
        namespaces.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        for ns in namespaces {
            let Some(name) = ns.metadata.name.clone().filter(|n| !n.is_empty()) else {
                continue;
            };
            if self.namespaces.contains_key(&name) {
                continue;
            }
            let object = object_ref("Namespace", &ns.metadata);
            let mut labels = ns.metadata.labels.clone().unwrap_or_default();
            labels
                .entry(NAMESPACE_NAME_LABEL.to_string())
                .or_insert_with(|| name.clone());
            let default = if is_system_namespace(&name) {
                Baseline::AllowCluster
            } else {
                self.settings.baseline
            };
            let baseline = match ns
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(BASELINE_ANNOTATION))
            {
                None => default,
                Some(value) => match value.parse::<Baseline>() {
                    Ok(b) => b,
                    Err(_) => {
                        self.problem(
                            &object,
                            "metadata.annotations",
                            &TranslateError::InvalidBaseline {
                                annotation: BASELINE_ANNOTATION.into(),
                                value: value.clone(),
                                used: default.to_string(),
                            },
                        );
                        default
                    }
                },
            };
            let segments = snapshot
                .placement
                .namespaces
                .get(&name)
                .cloned()
                .unwrap_or_default();
            self.namespaces.insert(
                name,
                NamespaceInfo {
                    uid: ns.metadata.uid.clone().unwrap_or_default(),
                    labels,
                    baseline,
                    segments,
                },
            );
        }
    }

    fn read_pods(&mut self, snapshot: &SnapshotView<'a>) {
        let mut pods: Vec<&'a Pod> = snapshot.pods.clone();
        fn sort_key(p: &Pod) -> (Option<&str>, Option<&str>) {
            (p.metadata.namespace.as_deref(), p.metadata.name.as_deref())
        }
        pods.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        // The member each UID and IP went to.
        let mut by_uid: HashMap<&str, usize> = HashMap::with_capacity(pods.len());
        let mut by_ip: HashMap<Ipv4Addr, usize> = HashMap::with_capacity(pods.len());
        for pod in pods {
            let meta = &pod.metadata;
            let namespace = meta.namespace.as_deref().unwrap_or_default();
            let uid = meta.uid.as_deref().unwrap_or_default();
            let status = pod.status.as_ref();
            let finished = status
                .and_then(|s| s.phase.as_deref())
                .is_some_and(|p| p == "Succeeded" || p == "Failed");
            let ip = status
                .and_then(|s| s.pod_ip.as_deref())
                .and_then(|ip| ip.parse::<Ipv4Addr>().ok());
            let (Some(ip), false) = (ip, finished) else {
                continue;
            };
            if !self.namespaces.contains_key(namespace) || uid.is_empty() {
                continue;
            }
            let Some(placement) = snapshot.placement.pods.get(uid) else {
                continue;
            };
            let full_name = |i: usize| {
                let other: &PodInfo<'_> = &self.members[i];
                format!("{}/{}", other.namespace, other.name)
            };
            if let Some(&other) = by_uid.get(uid) {
                let error = TranslateError::DuplicateUid {
                    kind: "Pod".into(),
                    uid: uid.to_string(),
                    other: full_name(other),
                };
                self.problem(&object_ref("Pod", meta), "metadata.uid", &error);
                continue;
            }
            if let Some(&other) = by_ip.get(&ip) {
                let error = TranslateError::DuplicateIp {
                    ip: ip.to_string(),
                    other: full_name(other),
                };
                self.problem(&object_ref("Pod", meta), "status.podIP", &error);
                continue;
            }
            by_uid.insert(uid, self.members.len());
            by_ip.insert(ip, self.members.len());
            self.members.push(PodInfo {
                namespace,
                name: meta.name.as_deref().unwrap_or_default(),
                uid,
                labels: meta.labels.as_ref().unwrap_or(&EMPTY_LABELS),
                ip,
                placement,
                ports: container_ports(pod),
            });
        }
    }

    /// Indexes namespaces and members by label so that a selector visits only candidates.
    fn index(&mut self) {
        self.namespace_names = self.namespaces.keys().cloned().collect();
        let infos: Vec<&NamespaceInfo> = self.namespaces.values().collect();
        self.namespace_index =
            LabelIndex::new((0..infos.len()).collect(), |i: usize| &infos[i].labels);
        let mut by_namespace: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, pod) in self.members.iter().enumerate() {
            by_namespace.entry(pod.namespace).or_default().push(i);
        }
        let members = &self.members;
        self.pods_by_namespace = by_namespace
            .into_iter()
            .map(|(namespace, pods)| {
                let index = LabelIndex::new(pods, |i: usize| members[i].labels);
                (namespace.to_string(), index)
            })
            .collect();
    }

    fn cluster_tag(&self) -> Tag {
        Tag::new(scope::CLUSTER, &self.settings.cluster)
    }

    /// The inventory: every namespace's segments (its placement and its pods' segments),
    /// tagged with the namespace, and every member's port tagged with NCP's tags and the
    /// pod's labels.
    fn inventory(&self) -> Inventory {
        let mut segments: BTreeMap<String, Vec<Tag>> = BTreeMap::new();
        let namespace_tags = |name: &str, info: &NamespaceInfo| {
            vec![
                self.cluster_tag(),
                Tag::new(scope::PROJECT, name),
                Tag::new(scope::PROJECT_UID, &info.uid),
            ]
        };
        for (name, info) in &self.namespaces {
            for segment in &info.segments {
                segments
                    .entry(segment.clone())
                    .or_insert_with(|| namespace_tags(name, info));
            }
        }
        let mut members = Vec::with_capacity(self.members.len());
        for pod in &self.members {
            let Some(info) = self.namespaces.get(pod.namespace) else {
                continue;
            };
            if !segments.contains_key(&pod.placement.segment_path) {
                segments.insert(
                    pod.placement.segment_path.clone(),
                    namespace_tags(pod.namespace, info),
                );
            }
            let mut tags = Vec::with_capacity(5 + pod.labels.len());
            tags.extend([
                self.cluster_tag(),
                Tag::new(scope::PROJECT, pod.namespace),
                Tag::new(scope::PROJECT_UID, &info.uid),
                Tag::new(scope::POD, pod.name),
                Tag::new(scope::POD_UID, pod.uid),
            ]);
            tags.extend(pod.labels.iter().map(|(k, v)| Tag::new(k, v)));
            members.push(Member {
                path: pod.placement.port_path.clone(),
                name: format!("{}/{}", pod.namespace, pod.name),
                segment: pod.placement.segment_path.clone(),
                ip: pod.ip,
                mac: pod.placement.mac.clone(),
                tags,
            });
        }
        members.sort_by(|a, b| a.path.cmp(&b.path));
        Inventory {
            segments: segments
                .into_iter()
                .map(|(path, tags)| InventorySegment { path, tags })
                .collect(),
            members,
        }
    }

    /// The namespace defaults: for every namespace with the Supervisor baseline, a rule
    /// allowing ingress from its own pods, then one `deny-all-ingress` rule dropping ingress
    /// from any other pod of the cluster to the pods of all those namespaces. Traffic from
    /// outside the cluster's pods (the load balancer, the outside world) is not dropped, nor
    /// is egress.
    fn namespace_defaults(&mut self) {
        let cluster = self.settings.cluster.clone();
        let domain = self.settings.domain.clone();
        let base_tags = vec![
            self.cluster_tag(),
            Tag::new(scope::CREATED_FOR, "namespace_baseline"),
        ];
        let zero_trust: Vec<(String, String)> = self
            .namespaces
            .iter()
            .filter(|(_, info)| info.baseline == Baseline::Supervisor)
            .map(|(name, info)| (name.clone(), info.uid.clone()))
            .collect();
        if zero_trust.is_empty() {
            return;
        }
        let mut sink = GroupSink {
            domain: &domain,
            groups: &mut self.config.groups,
        };
        let cluster_pods = sink.condition(
            &naming::cluster_pods_group_id(&cluster),
            &format!("{cluster}-pods"),
            &base_tags,
            "Segment",
            format!("{}|{cluster}", scope::CLUSTER),
        );
        let mut rules = Vec::new();
        let mut namespace_groups = Vec::new();
        for (name, uid) in &zero_trust {
            let mut tags = base_tags.clone();
            tags.push(Tag::new(scope::PROJECT, name));
            tags.push(Tag::new(scope::PROJECT_UID, uid));
            let group = sink.condition(
                &naming::namespace_group_id(name),
                &format!("{name}-pods"),
                &tags,
                "Segment",
                format!("{}|{name}", scope::PROJECT),
            );
            let mut rule = Rule::new(naming::intra_namespace_rule_id(name));
            rule.display_name = naming::intra_namespace_rule_display(name);
            rule.sequence_number = rules.len() as i64;
            rule.source_groups = vec![group.clone()];
            rule.direction = Direction::In;
            rule.scope = vec![group.clone()];
            rule.tags = tags;
            rules.push(rule);
            namespace_groups.push(group);
        }
        let zero_trust_group = sink.members(
            &naming::zero_trust_group_id(&cluster),
            &format!("{cluster}-zero-trust-namespaces"),
            &base_tags,
            namespace_groups,
            Vec::new(),
        );
        let mut deny = Rule::new(naming::DENY_ALL_INGRESS);
        deny.sequence_number = rules.len() as i64;
        deny.action = Action::Drop;
        deny.direction = Direction::In;
        deny.source_groups = vec![cluster_pods];
        deny.scope = vec![zero_trust_group];
        deny.tags = base_tags.clone();
        rules.push(deny);
        let id = naming::baseline_policy_id(&cluster);
        let mut policy = SecurityPolicy::new(&id, Category::Application);
        policy.display_name = naming::baseline_policy_display(&cluster);
        policy.sequence_number = BASELINE_SEQUENCE;
        policy.tags = base_tags;
        policy
            .tags
            .push(Tag::new(scope::SEC_POLICY_TYPE, "baseline"));
        policy.meta = meta(policy_path(&domain, &id));
        policy.rules = rules;
        self.config.policies.push(policy);
    }

    fn selector(
        &mut self,
        selector: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>,
        object: &ObjectRef,
        at: &str,
    ) -> Option<Selector> {
        match selector {
            None => Some(Selector::default()),
            Some(s) => match Selector::parse(s) {
                Ok(s) => Some(s),
                Err(e) => {
                    self.problem(object, at, &e);
                    None
                }
            },
        }
    }

    /// The members of `namespace` the selector picks.
    fn pods_in(&self, namespace: &str, selector: &Selector) -> BTreeSet<usize> {
        let Some(index) = self.pods_by_namespace.get(namespace) else {
            return BTreeSet::new();
        };
        index.select(selector, |i| self.members[i].labels).collect()
    }

    /// What a rule's `from`/`to` stands for: `None` for everything (omitted or empty);
    /// otherwise the union of the valid peers (a broken peer adds nothing: it never widens
    /// an allow).
    fn peers(
        &mut self,
        list: Option<&Vec<NetworkPolicyPeer>>,
        namespace: &str,
        object: &ObjectRef,
        at: &str,
    ) -> Option<Peers> {
        let list = list.filter(|l| !l.is_empty())?;
        let mut peers = Peers::default();
        for (k, peer) in list.iter().enumerate() {
            let at = format!("{at}[{k}]");
            let selectors = peer.pod_selector.is_some() || peer.namespace_selector.is_some();
            match (&peer.ip_block, selectors) {
                (Some(_), true) => {
                    let e = TranslateError::InvalidPeer(
                        "ipBlock may not be combined with podSelector or namespaceSelector; the peer is ignored".into(),
                    );
                    self.problem(object, &at, &e);
                }
                (None, false) => {
                    let e = TranslateError::InvalidPeer(
                        "a peer must set podSelector, namespaceSelector or ipBlock; the peer is ignored".into(),
                    );
                    self.problem(object, &at, &e);
                }
                (Some(block), false) => {
                    let (ranges, problems) = ipblock::block_ranges(block);
                    for e in problems {
                        self.problem(object, &format!("{at}.ipBlock"), &e);
                    }
                    peers.ranges.extend(ranges);
                }
                (None, true) => {
                    let Some(pods) = self.selector(
                        peer.pod_selector.as_ref(),
                        object,
                        &format!("{at}.podSelector"),
                    ) else {
                        continue;
                    };
                    let namespaces: Vec<String> = match &peer.namespace_selector {
                        None => vec![namespace.to_string()],
                        Some(s) => {
                            let Some(s) =
                                self.selector(Some(s), object, &format!("{at}.namespaceSelector"))
                            else {
                                continue;
                            };
                            let labels_of = |i: usize| {
                                let name = &self.namespace_names[i];
                                self.namespaces
                                    .get(name)
                                    .map_or(&EMPTY_LABELS, |n| &n.labels)
                            };
                            self.namespace_index
                                .select(&s, labels_of)
                                .map(|i| self.namespace_names[i].clone())
                                .collect()
                        }
                    };
                    for ns in namespaces {
                        peers.pods.extend(self.pods_in(&ns, &pods));
                    }
                }
            }
        }
        peers.ranges = ipblock::merge(std::mem::take(&mut peers.ranges));
        Some(peers)
    }

    /// A rule's ports: `None` for every port and protocol (omitted or empty); otherwise the
    /// valid entries with their index (broken entries are reported and left out).
    fn ports(
        &mut self,
        list: Option<&Vec<NetworkPolicyPort>>,
        object: &ObjectRef,
        at: &str,
    ) -> Option<Vec<(usize, PortSpec)>> {
        let list = list.filter(|l| !l.is_empty())?;
        let mut out = Vec::new();
        for (j, port) in list.iter().enumerate() {
            match PortSpec::parse(port) {
                Ok(spec) => out.push((j, spec)),
                Err(e) => self.problem(object, &format!("{at}[{j}]"), &e),
            }
        }
        Some(out)
    }

    fn network_policy(&mut self, np: &NetworkPolicy, keys: &mut BTreeMap<String, String>) {
        let object = object_ref("NetworkPolicy", &np.metadata);
        let (namespace, name) = (object.namespace.clone(), object.name.clone());
        if namespace.is_empty() || name.is_empty() {
            return;
        }
        let key = naming::policy_key(&namespace, &name, &object.uid);
        if let Some(other) = keys.get(&key) {
            let e = TranslateError::DuplicateUid {
                kind: "NetworkPolicy".into(),
                uid: object.uid.clone(),
                other: other.clone(),
            };
            self.problem(&object, "metadata.uid", &e);
            return;
        }
        keys.insert(key.clone(), format!("{namespace}/{name}"));
        let no_spec = NetworkPolicySpec::default();
        let spec = np.spec.as_ref().unwrap_or(&no_spec);
        let ingress_rules = spec.ingress.as_deref().unwrap_or_default();
        let egress_rules = spec.egress.as_deref().unwrap_or_default();
        let (ingress_on, egress_on) = match spec.policy_types.as_ref().filter(|t| !t.is_empty()) {
            None => (true, !egress_rules.is_empty()),
            Some(types) => {
                for (i, t) in types.iter().enumerate() {
                    if t != "Ingress" && t != "Egress" {
                        let e = TranslateError::InvalidPolicyType(t.clone());
                        self.problem(&object, &format!("spec.policyTypes[{i}]"), &e);
                    }
                }
                (
                    types.iter().any(|t| t == "Ingress"),
                    types.iter().any(|t| t == "Egress"),
                )
            }
        };

        let domain = self.settings.domain.clone();
        let namespace_uid = self
            .namespaces
            .get(&namespace)
            .map(|n| n.uid.clone())
            .unwrap_or_default();
        let tags = vec![
            self.cluster_tag(),
            Tag::new(scope::PROJECT, &namespace),
            Tag::new(scope::PROJECT_UID, &namespace_uid),
            Tag::new(scope::NETWORK_POLICY, &name),
            Tag::new(scope::NETWORK_POLICY_UID, &object.uid),
            Tag::new(scope::CREATED_FOR, "network_policy"),
        ];

        let targets = match self.selector(spec.pod_selector.as_ref(), &object, "spec.podSelector") {
            Some(s) => self.pods_in(&namespace, &s),
            None => BTreeSet::new(),
        };
        let target_paths = self.port_paths(&targets);
        let target_group = GroupSink {
            domain: &domain,
            groups: &mut self.config.groups,
        }
        .members(
            &naming::target_group_id(&key),
            &format!("{namespace}-{name}-tgt"),
            &tags,
            target_paths,
            Vec::new(),
        );

        let mut services: BTreeMap<String, ServiceEntry> = BTreeMap::new();
        let mut rules = Vec::new();
        let ways = [
            (
                Way::Ingress,
                ingress_on,
                ingress_rules
                    .iter()
                    .map(|r| (r.from.as_ref(), r.ports.as_ref()))
                    .collect::<Vec<_>>(),
            ),
            (
                Way::Egress,
                egress_on,
                egress_rules
                    .iter()
                    .map(|r| (r.to.as_ref(), r.ports.as_ref()))
                    .collect::<Vec<_>>(),
            ),
        ];
        for (way, on, list) in ways {
            if !on {
                continue;
            }
            for (i, (peer_list, port_list)) in list.into_iter().enumerate() {
                let field = match way {
                    Way::Ingress => format!("spec.ingress[{i}]"),
                    Way::Egress => format!("spec.egress[{i}]"),
                };
                let peer_field = match way {
                    Way::Ingress => format!("{field}.from"),
                    Way::Egress => format!("{field}.to"),
                };
                let peers = self.peers(peer_list, &namespace, &object, &peer_field);
                let ports = self.ports(port_list, &object, &format!("{field}.ports"));
                let context = RuleContext {
                    key: &key,
                    way,
                    index: i,
                    object: &object,
                    field: &field,
                    tags: &tags,
                    domain: &domain,
                    target_group: &target_group,
                    targets: &targets,
                };
                self.allow_rules(&context, peers, ports, &mut services, &mut rules);
            }
        }
        for (sequence, rule) in rules.iter_mut().enumerate() {
            rule.sequence_number = sequence as i64;
        }

        for (service, entry) in services {
            let id = naming::service_id(&key, &service);
            self.config.services.push(Service {
                id: id.clone(),
                display_name: naming::display(format!("{namespace}-{name}-{service}")),
                description: String::new(),
                service_entries: vec![entry],
                tags: tags.clone(),
                is_default: false,
                meta: meta(service_path(&id)),
            });
        }

        let allow_id = naming::allowlist_id(&key);
        let mut allowlist = SecurityPolicy::new(&allow_id, Category::Application);
        allowlist.display_name = naming::allowlist_display(&namespace, &name);
        allowlist.sequence_number = ALLOWLIST_SEQUENCE;
        allowlist.tags = tags.clone();
        allowlist
            .tags
            .push(Tag::new(scope::SEC_POLICY_TYPE, "networkpolicies"));
        allowlist.meta = meta(policy_path(&domain, &allow_id));
        allowlist.rules = rules;
        self.config.policies.push(allowlist);

        let isolation_id = naming::isolation_id(&key);
        let mut isolation = SecurityPolicy::new(&isolation_id, Category::Application);
        isolation.display_name = naming::isolation_display(&namespace, &name);
        isolation.sequence_number = ISOLATION_SEQUENCE;
        isolation.tags = tags.clone();
        isolation
            .tags
            .push(Tag::new(scope::SEC_POLICY_TYPE, "ncp/isol_sect_id"));
        isolation.meta = meta(policy_path(&domain, &isolation_id));
        for (way, on) in [(Way::Ingress, ingress_on), (Way::Egress, egress_on)] {
            if !on {
                continue;
            }
            let mut rule = Rule::new(naming::isolation_rule(way));
            rule.sequence_number = isolation.rules.len() as i64;
            rule.action = Action::Drop;
            rule.scope = vec![target_group.clone()];
            match way {
                Way::Ingress => {
                    rule.direction = Direction::In;
                    rule.destination_groups = vec![target_group.clone()];
                }
                Way::Egress => {
                    rule.direction = Direction::Out;
                    rule.source_groups = vec![target_group.clone()];
                }
            }
            rule.tags = tags.clone();
            isolation.rules.push(rule);
        }
        self.config.policies.push(isolation);
    }

    fn port_paths(&self, pods: &BTreeSet<usize>) -> Vec<String> {
        let mut paths: Vec<String> = pods
            .iter()
            .filter_map(|&i| self.members.get(i))
            .map(|p| p.placement.port_path.clone())
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    /// The ALLOW rules of one NetworkPolicy rule: one per port entry (one per resolved
    /// number for a named port), or one for any service without ports.
    fn allow_rules(
        &mut self,
        cx: &RuleContext<'_>,
        peers: Option<Peers>,
        ports: Option<Vec<(usize, PortSpec)>>,
        services: &mut BTreeMap<String, ServiceEntry>,
        rules: &mut Vec<Rule>,
    ) {
        let mut groups = std::mem::take(&mut self.config.groups);
        let mut sink = GroupSink {
            domain: cx.domain,
            groups: &mut groups,
        };
        // The peers' group (or ANY).
        let peer_group = peers.as_ref().map(|p| {
            let addresses = ipblock::to_cidrs(&p.ranges);
            sink.members(
                &naming::peer_group_id(cx.key, cx.way, cx.index),
                &format!(
                    "{}-{}-{}-{}-peers",
                    cx.object.namespace,
                    cx.object.name,
                    cx.way.as_str(),
                    cx.index
                ),
                cx.tags,
                self.port_paths(&p.pods),
                addresses,
            )
        });
        let peer_list = || {
            peer_group
                .clone()
                .map_or_else(|| vec!["ANY".to_string()], |g| vec![g])
        };
        let target_list = vec![cx.target_group.to_string()];
        let make_rule =
            |id: String, service: &str, services: Vec<String>, destination: Option<String>| {
                let mut rule = Rule::new(id);
                rule.display_name = naming::allow_rule_display(service, cx.way);
                rule.services = services;
                rule.scope = target_list.clone();
                match cx.way {
                    Way::Ingress => {
                        rule.direction = Direction::In;
                        rule.source_groups = peer_list();
                        rule.destination_groups =
                            destination.map_or_else(|| target_list.clone(), |d| vec![d]);
                    }
                    Way::Egress => {
                        rule.direction = Direction::Out;
                        rule.source_groups = target_list.clone();
                        rule.destination_groups = destination.map_or_else(peer_list, |d| vec![d]);
                    }
                }
                rule.tags = cx.tags.to_vec();
                rule
            };
        let Some(ports) = ports else {
            rules.push(make_rule(
                naming::allow_rule_id(cx.way, cx.index, None, "ANY"),
                "ANY",
                vec!["ANY".to_string()],
                None,
            ));
            self.config.groups = groups;
            return;
        };
        let mut new_problems = Vec::new();
        for (j, spec) in ports {
            let at = format!("{}.ports[{j}]", cx.field);
            match spec {
                PortSpec::AllPorts(protocol) => {
                    let service = service_name(protocol, None);
                    let entry = match protocol {
                        Protocol::Sctp => ServiceEntry::IPProtocolServiceEntry {
                            id: service.clone(),
                            display_name: service.clone(),
                            protocol_number: enclave_dfw::literal::protocol::SCTP,
                        },
                        _ => l4_entry(protocol, &service, Vec::new()),
                    };
                    services.insert(service.clone(), entry);
                    rules.push(make_rule(
                        naming::allow_rule_id(cx.way, cx.index, Some(j), &service),
                        &service,
                        vec![service_path(&naming::service_id(cx.key, &service))],
                        None,
                    ));
                }
                PortSpec::Range(Protocol::Sctp, ..) | PortSpec::Named(Protocol::Sctp, _) => {
                    new_problems.push((at, TranslateError::UnsupportedProtocol("SCTP".into())));
                }
                PortSpec::Range(protocol, first, last) => {
                    let service = service_name(protocol, Some((first, last)));
                    let ports = if first == last {
                        first.to_string()
                    } else {
                        format!("{first}-{last}")
                    };
                    services.insert(service.clone(), l4_entry(protocol, &service, vec![ports]));
                    rules.push(make_rule(
                        naming::allow_rule_id(cx.way, cx.index, Some(j), &service),
                        &service,
                        vec![service_path(&naming::service_id(cx.key, &service))],
                        None,
                    ));
                }
                PortSpec::Named(protocol, port_name) => {
                    // Resolved on the pods the traffic goes to: the selected pods for
                    // ingress, the peers (pods selected or inside an ipBlock) for egress.
                    let candidates: BTreeSet<usize> = match (cx.way, &peers) {
                        (Way::Ingress, _) => cx.targets.clone(),
                        (Way::Egress, None) => (0..self.members.len()).collect(),
                        (Way::Egress, Some(p)) => {
                            let mut set = p.pods.clone();
                            set.extend(self.members.iter().enumerate().filter_map(|(i, m)| {
                                let ip = u32::from(m.ip);
                                p.ranges
                                    .iter()
                                    .any(|&(a, b)| a <= ip && ip <= b)
                                    .then_some(i)
                            }));
                            set
                        }
                    };
                    let mut by_number: BTreeMap<u16, BTreeSet<usize>> = BTreeMap::new();
                    for &i in &candidates {
                        if let Some(number) = self
                            .members
                            .get(i)
                            .and_then(|m| resolve_named(&m.ports, &port_name, protocol))
                        {
                            by_number.entry(number).or_default().insert(i);
                        }
                    }
                    if by_number.is_empty() && !candidates.is_empty() {
                        let on = match cx.way {
                            Way::Ingress => "pod the policy selects",
                            Way::Egress => "peer pod of the rule",
                        };
                        new_problems.push((
                            at,
                            TranslateError::NamedPortNotFound {
                                name: port_name.clone(),
                                protocol: protocol.as_str().into(),
                                on: on.into(),
                            },
                        ));
                    }
                    for (number, pods) in by_number {
                        let service = service_name(protocol, Some((number, number)));
                        services.insert(
                            service.clone(),
                            l4_entry(protocol, &service, vec![number.to_string()]),
                        );
                        let destination = sink.members(
                            &naming::named_port_group_id(cx.key, cx.way, cx.index, j, &service),
                            &format!(
                                "{}-{}-{}-{}-{port_name}-{service}",
                                cx.object.namespace,
                                cx.object.name,
                                cx.way.as_str(),
                                cx.index
                            ),
                            cx.tags,
                            self.port_paths(&pods),
                            Vec::new(),
                        );
                        rules.push(make_rule(
                            naming::allow_rule_id(cx.way, cx.index, Some(j), &service),
                            &service,
                            vec![service_path(&naming::service_id(cx.key, &service))],
                            Some(destination),
                        ));
                    }
                }
            }
        }
        self.config.groups = groups;
        for (at, e) in new_problems {
            self.problem(cx.object, &at, &e);
        }
    }
}

struct RuleContext<'a> {
    key: &'a str,
    way: Way,
    index: usize,
    object: &'a ObjectRef,
    field: &'a str,
    tags: &'a [Tag],
    domain: &'a str,
    target_group: &'a str,
    targets: &'a BTreeSet<usize>,
}

fn l4_entry(protocol: Protocol, service: &str, ports: Vec<String>) -> ServiceEntry {
    ServiceEntry::L4PortSetServiceEntry {
        id: service.to_string(),
        display_name: service.to_string(),
        l4_protocol: protocol.as_str().into(),
        destination_ports: ports,
        source_ports: Vec::new(),
    }
}

fn meta(path: String) -> ObjectMeta {
    ObjectMeta {
        path,
        ..ObjectMeta::default()
    }
}
