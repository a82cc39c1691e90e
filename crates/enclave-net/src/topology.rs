//! The topology intent: `topology` rebuilds every NSX object NCP would own from a snapshot of
//! Kubernetes objects and the IPAM; `diff` lists what changed between two intents;
//! `ncp_annotations` and `load_balancer_ingress` give what NCP writes back to Kubernetes.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::ids::{derived_suffix, derived_uuid};
use crate::locate::{
    GatewayLocation, Located, Locator, PodLocation, SnatLocation, VipLocation, VipPort,
};
use crate::nsx::{
    LbPool, LbPoolMember, LbService, LbSnatTranslation, LbVirtualServer, Metadata, PolicyNatRule,
    PortAddressBinding, PortAttachment, Protection, Protocol, ResourceType, Segment,
    SegmentAdvancedConfig, SegmentPort, SegmentSubnet, Tag, Tier0, Tier1,
};
use crate::{Ipam, Ipv4Cidr, Name, NetworkConfig};

/// A namespace as the topology sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceInfo {
    /// Its name.
    pub name: Name,
    /// Its uid.
    pub uid: Name,
}

/// A pod as the topology sees it (its address comes from the IPAM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodInfo {
    /// Its namespace.
    pub namespace: Name,
    /// Its name.
    pub name: Name,
    /// Its uid.
    pub uid: Name,
    /// Its labels (they become `<key>|<value>` tags of its port).
    #[serde(default)]
    pub labels: BTreeMap<Name, Name>,
    /// The node it runs on.
    #[serde(default)]
    pub node: Option<Name>,
}

/// An endpoint of a Service port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Endpoint {
    /// The endpoint IP.
    pub ip: Ipv4Addr,
    /// The endpoint port (the resolved targetPort).
    pub port: u16,
}

/// One port of a LoadBalancer Service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadBalancerPort {
    /// The port's name, if any.
    #[serde(default)]
    pub name: Option<Name>,
    /// Its protocol.
    pub protocol: Protocol,
    /// The Service port (on the VIP).
    pub port: u16,
    /// The ready endpoints.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
}

/// A Service of type LoadBalancer (its VIP comes from the IPAM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadBalancerInfo {
    /// Its namespace.
    pub namespace: Name,
    /// Its name.
    pub name: Name,
    /// Its uid.
    pub uid: Name,
    /// Its ports.
    pub ports: Vec<LoadBalancerPort>,
}

/// The Kubernetes objects the topology is built from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetSnapshot {
    /// The namespaces.
    #[serde(default)]
    pub namespaces: Vec<NamespaceInfo>,
    /// The pods.
    #[serde(default)]
    pub pods: Vec<PodInfo>,
    /// The Services of type LoadBalancer.
    #[serde(default)]
    pub load_balancers: Vec<LoadBalancerInfo>,
}

/// The whole intent: every object by its policy path. Serializes deterministically.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Topology {
    /// Tier-0 gateways.
    pub tier0s: BTreeMap<Name, Tier0>,
    /// Tier-1 gateways.
    pub tier1s: BTreeMap<Name, Tier1>,
    /// Segments.
    pub segments: BTreeMap<Name, Segment>,
    /// Segment ports.
    pub segment_ports: BTreeMap<Name, SegmentPort>,
    /// NAT rules.
    pub nat_rules: BTreeMap<Name, PolicyNatRule>,
    /// Load balancer services.
    pub lb_services: BTreeMap<Name, LbService>,
    /// Virtual servers.
    pub lb_virtual_servers: BTreeMap<Name, LbVirtualServer>,
    /// Pools.
    pub lb_pools: BTreeMap<Name, LbPool>,
    #[serde(skip)]
    pub(crate) locator: Locator,
}

impl Topology {
    /// How many objects it holds.
    pub fn len(&self) -> usize {
        self.tier0s.len()
            + self.tier1s.len()
            + self.segments.len()
            + self.segment_ports.len()
            + self.nat_rules.len()
            + self.lb_services.len()
            + self.lb_virtual_servers.len()
            + self.lb_pools.len()
    }

    /// Whether it holds no object.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ports of a segment (by the segment's path), in path order.
    pub fn ports_of<'a>(
        &'a self,
        segment_path: &str,
    ) -> impl Iterator<Item = &'a SegmentPort> + 'a {
        let prefix = format!("{segment_path}/ports/");
        self.segment_ports
            .range::<str, _>((
                std::ops::Bound::Included(prefix.as_str()),
                std::ops::Bound::Unbounded,
            ))
            .take_while(move |(path, _)| path.starts_with(&prefix))
            .map(|(_, port)| port)
    }
}

/// What happens to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    /// It is new.
    Created,
    /// It changed.
    Updated,
    /// It is gone.
    Deleted,
}

/// One change between two intents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Change {
    /// What happens.
    pub kind: ChangeKind,
    /// The object's type.
    pub resource_type: ResourceType,
    /// The object's path.
    pub path: Name,
}

/// The changes from `old` to `new`, in an order that can be realized one by one: creations
/// and updates parents first (Tier-0, Tier-1, segments, ports, NAT rules, LB services, pools,
/// virtual servers), then deletions children first. Linear in the number of objects.
pub fn diff(old: &Topology, new: &Topology) -> Vec<Change> {
    let mut upserts = Vec::new();
    let mut deletes = Vec::new();
    diff_maps(
        &old.tier0s,
        &new.tier0s,
        ResourceType::Tier0,
        &mut upserts,
        &mut deletes,
    );
    diff_maps(
        &old.tier1s,
        &new.tier1s,
        ResourceType::Tier1,
        &mut upserts,
        &mut deletes,
    );
    diff_maps(
        &old.segments,
        &new.segments,
        ResourceType::Segment,
        &mut upserts,
        &mut deletes,
    );
    diff_maps(
        &old.segment_ports,
        &new.segment_ports,
        ResourceType::SegmentPort,
        &mut upserts,
        &mut deletes,
    );
    diff_maps(
        &old.nat_rules,
        &new.nat_rules,
        ResourceType::PolicyNatRule,
        &mut upserts,
        &mut deletes,
    );
    diff_maps(
        &old.lb_services,
        &new.lb_services,
        ResourceType::LbService,
        &mut upserts,
        &mut deletes,
    );
    diff_maps(
        &old.lb_pools,
        &new.lb_pools,
        ResourceType::LbPool,
        &mut upserts,
        &mut deletes,
    );
    diff_maps(
        &old.lb_virtual_servers,
        &new.lb_virtual_servers,
        ResourceType::LbVirtualServer,
        &mut upserts,
        &mut deletes,
    );
    deletes.reverse();
    upserts.extend(deletes);
    upserts
}

/// Merge-walk of two sorted maps.
fn diff_maps<T: PartialEq>(
    old: &BTreeMap<Name, T>,
    new: &BTreeMap<Name, T>,
    resource_type: ResourceType,
    upserts: &mut Vec<Change>,
    deletes: &mut Vec<Change>,
) {
    let change = |kind, path: &Name| Change {
        kind,
        resource_type,
        path: path.clone(),
    };
    let mut old_iter = old.iter().peekable();
    let mut new_iter = new.iter().peekable();
    loop {
        match (old_iter.peek(), new_iter.peek()) {
            (None, None) => break,
            (Some((path, _)), None) => {
                deletes.push(change(ChangeKind::Deleted, path));
                old_iter.next();
            }
            (None, Some((path, _))) => {
                upserts.push(change(ChangeKind::Created, path));
                new_iter.next();
            }
            (Some((old_path, old_object)), Some((new_path, new_object))) => {
                match old_path.cmp(new_path) {
                    std::cmp::Ordering::Less => {
                        deletes.push(change(ChangeKind::Deleted, old_path));
                        old_iter.next();
                    }
                    std::cmp::Ordering::Greater => {
                        upserts.push(change(ChangeKind::Created, new_path));
                        new_iter.next();
                    }
                    std::cmp::Ordering::Equal => {
                        if old_object != new_object {
                            upserts.push(change(ChangeKind::Updated, new_path));
                        }
                        old_iter.next();
                        new_iter.next();
                    }
                }
            }
        }
    }
}

/// NCP's principal identity for a cluster: `wcp-cluster-user-<cluster>-<uuid>`.
pub fn ncp_principal(config: &NetworkConfig) -> String {
    format!(
        "wcp-cluster-user-{}-{}",
        config.cluster_id,
        derived_uuid(&["ncp-principal", &config.cluster_id])
    )
}

/// The id of the Egress CIDR's IP pool (`<uuid>-ippool-<first>-<last>`).
fn external_pool_id(config: &NetworkConfig) -> String {
    let egress = config.egress_cidr;
    let (first, last) = if egress.prefix() <= 30 {
        (egress.nth(1), egress.nth(egress.size() - 2))
    } else {
        (egress.nth(0), Some(egress.broadcast()))
    };
    let dashed = |ip: Option<Ipv4Addr>| {
        ip.map(|ip| ip.to_string().replace('.', "-"))
            .unwrap_or_default()
    };
    format!(
        "{}-ippool-{}-{}",
        derived_uuid(&["egress-pool", &config.cluster_id, &egress.to_string()]),
        dashed(first),
        dashed(last)
    )
}

/// The `ncp/extpoolid` value: `<cluster>:<pool id>`.
fn extpoolid(config: &NetworkConfig) -> String {
    format!("{}:{}", config.cluster_id, external_pool_id(config))
}

/// The annotations NCP writes on a namespace: `ncp/router_id`, `ncp/snat_ip`,
/// `ncp/subnet-<n>` and `ls_id-<n>` per subnet slot, `ncp/extpoolid`. Empty for a namespace
/// without a network.
pub fn ncp_annotations(ipam: &Ipam, namespace: &str) -> BTreeMap<String, String> {
    let mut annotations = BTreeMap::new();
    let Some(network) = ipam.namespace(namespace) else {
        return annotations;
    };
    annotations.insert("ncp/router_id".to_string(), network.tier1_id.to_string());
    annotations.insert("ncp/snat_ip".to_string(), network.snat_ip.to_string());
    annotations.insert("ncp/extpoolid".to_string(), extpoolid(ipam.config()));
    for (slot, subnet) in &network.subnets {
        annotations.insert(format!("ncp/subnet-{slot}"), subnet.to_string());
        annotations.insert(
            format!("ls_id-{slot}"),
            derived_uuid(&["segment", &network.segment_id(*slot)]),
        );
    }
    annotations
}

/// One entry of a Service's `status.loadBalancer.ingress`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadBalancerIngress {
    /// The VIP (kubectl's EXTERNAL-IP).
    pub ip: Ipv4Addr,
}

/// The `status.loadBalancer.ingress` of a Service: its VIP, if it has one.
pub fn load_balancer_ingress(ipam: &Ipam, service_uid: &str) -> Vec<LoadBalancerIngress> {
    ipam.vip(service_uid)
        .map(|ip| LoadBalancerIngress { ip })
        .into_iter()
        .collect()
}

/// Names used by many objects, made once per build and shared.
struct Shared {
    infra: Name,
    principal: Name,
    admin: Name,
    cluster: Name,
    extpoolid: Name,
    tier0_path: Name,
    scope_cluster: Name,
    scope_project: Name,
    scope_project_uid: Name,
    scope_node_name: Name,
    scope_snat: Name,
    scope_extpoolid: Name,
    scope_service: Name,
    scope_service_uid: Name,
    text_true: Name,
    non_preemptive: Name,
    up: Name,
    child: Name,
    both: Name,
    routed: Name,
    mtep: Name,
    on: Name,
    snat: Name,
    small: Name,
    info: Name,
    enabled: Name,
    round_robin: Name,
    automap: Name,
    tcp_profile: Name,
    udp_profile: Name,
    route_advertisement: Vec<Name>,
}

impl Shared {
    fn new(config: &NetworkConfig) -> Self {
        let n = Name::from;
        Shared {
            infra: n("/infra"),
            principal: Name::from(ncp_principal(config)),
            admin: n("admin"),
            cluster: Name::from(config.cluster_id.as_str()),
            extpoolid: Name::from(extpoolid(config)),
            tier0_path: Name::from(format!("/infra/tier-0s/{}", config.tier0_id)),
            scope_cluster: n("ncp/cluster"),
            scope_project: n("ncp/project"),
            scope_project_uid: n("ncp/project_uid"),
            scope_node_name: n("ncp/node_name"),
            scope_snat: n("ncp/snat"),
            scope_extpoolid: n("ncp/extpoolid"),
            scope_service: n("ncp/service"),
            scope_service_uid: n("ncp/service_uid"),
            text_true: n("true"),
            non_preemptive: n("NON_PREEMPTIVE"),
            up: n("UP"),
            child: n("CHILD"),
            both: n("BOTH"),
            routed: n("ROUTED"),
            mtep: n("MTEP"),
            on: n("ON"),
            snat: n("SNAT"),
            small: n("SMALL"),
            info: n("INFO"),
            enabled: n("ENABLED"),
            round_robin: n("ROUND_ROBIN"),
            automap: n("LBSnatAutoMap"),
            tcp_profile: n("/infra/lb-app-profiles/default-tcp-lb-app-profile"),
            udp_profile: n("/infra/lb-app-profiles/default-udp-lb-app-profile"),
            route_advertisement: [
                "TIER1_STATIC_ROUTES",
                "TIER1_LB_VIP",
                "TIER1_NAT",
                "TIER1_CONNECTED",
            ]
            .map(Name::from)
            .to_vec(),
        }
    }

    fn tag(&self, scope: &Name, value: &Name) -> Tag {
        Tag {
            scope: scope.clone(),
            tag: value.clone(),
        }
    }

    /// Metadata of an NCP-owned object `<parent>/<collection>/<id>`.
    fn meta(
        &self,
        resource_type: ResourceType,
        parent: &Name,
        collection: &str,
        id: Name,
        display_name: Name,
        tags: Vec<Tag>,
    ) -> Metadata {
        Metadata {
            resource_type,
            path: Name::from(format!("{parent}/{collection}/{id}")),
            relative_path: id.clone(),
            id,
            display_name,
            parent_path: parent.clone(),
            tags,
            revision: 0,
            system_owned: false,
            create_user: self.principal.clone(),
            last_modified_user: self.principal.clone(),
            protection: Protection::RequireOverride,
        }
    }
}

/// What the pods and Services of a namespace need from it.
struct NamespaceContext {
    tier1_path: Name,
    lb_service_path: Name,
    project_tags: Vec<Tag>,
}

/// A segment, found by its subnet.
struct SegmentContext {
    namespace: Name,
    path: Name,
    tier1_path: Name,
}

/// Rebuilds the whole intent from a snapshot and the IPAM. Only what both know appears: a
/// namespace needs its network in the IPAM (same uid), a pod its address, a Service its VIP.
/// Deterministic: the same inputs give the same objects and byte-identical JSON, whatever the
/// order of the snapshot's lists.
pub fn topology(snapshot: &NetSnapshot, ipam: &Ipam, config: &NetworkConfig) -> Topology {
    let shared = Shared::new(config);
    let mut topology = Topology {
        locator: Locator::new(config, snapshot.pods.len() + 2 * snapshot.namespaces.len()),
        ..Topology::default()
    };

    let tier0 = Tier0 {
        meta: Metadata {
            protection: Protection::NotProtected,
            create_user: shared.admin.clone(),
            last_modified_user: shared.admin.clone(),
            ..shared.meta(
                ResourceType::Tier0,
                &shared.infra,
                "tier-0s",
                Name::from(config.tier0_id.as_str()),
                Name::from(config.tier0_id.as_str()),
                Vec::new(),
            )
        },
        ha_mode: Name::from("ACTIVE_STANDBY"),
        failover_mode: shared.non_preemptive.clone(),
        disable_firewall: false,
        force_whitelisting: false,
        default_rule_logging: false,
    };
    topology.tier0s.insert(tier0.meta.path.clone(), tier0);

    let mut namespaces: HashMap<&str, NamespaceContext> =
        HashMap::with_capacity(snapshot.namespaces.len());
    let mut segments: HashMap<Ipv4Cidr, SegmentContext> =
        HashMap::with_capacity(snapshot.namespaces.len());
    for namespace in &snapshot.namespaces {
        let Some(network) = ipam.namespace(&namespace.name) else {
            continue;
        };
        if network.uid != namespace.uid {
            continue;
        }
        let project_tags = vec![
            shared.tag(&shared.scope_cluster, &shared.cluster),
            shared.tag(&shared.scope_project, &namespace.name),
            shared.tag(&shared.scope_project_uid, &namespace.uid),
        ];
        let tier1_tags = if network.shared_tier1 {
            vec![shared.tag(&shared.scope_cluster, &shared.cluster)]
        } else {
            project_tags.clone()
        };
        let tier1 = Tier1 {
            meta: shared.meta(
                ResourceType::Tier1,
                &shared.infra,
                "tier-1s",
                network.tier1_id.clone(),
                network.tier1_id.clone(),
                tier1_tags.clone(),
            ),
            tier0_path: shared.tier0_path.clone(),
            failover_mode: shared.non_preemptive.clone(),
            route_advertisement_types: shared.route_advertisement.clone(),
            disable_firewall: false,
            force_whitelisting: false,
            default_rule_logging: false,
        };
        let tier1_path = tier1.meta.path.clone();
        // One load balancer per Tier-1 (the shared one for the system namespaces).
        let lb_id = format!("lbs_{}", derived_uuid(&["lb-service", &network.tier1_id]));
        let lb_service = LbService {
            meta: shared.meta(
                ResourceType::LbService,
                &shared.infra,
                "lb-services",
                Name::from(lb_id.as_str()),
                Name::from(lb_id),
                tier1_tags,
            ),
            connectivity_path: tier1_path.clone(),
            size: shared.small.clone(),
            enabled: true,
            error_log_level: shared.info.clone(),
        };
        let lb_service_path = lb_service.meta.path.clone();
        topology
            .lb_services
            .entry(lb_service_path.clone())
            .or_insert(lb_service);
        topology.tier1s.entry(tier1_path.clone()).or_insert(tier1);

        let nat_parent = Name::from(format!("{tier1_path}/nat/USER"));
        for (slot, subnet) in &network.subnets {
            let segment_id = Name::from(network.segment_id(*slot));
            let gateway = subnet.nth(1).unwrap_or(subnet.network());
            let segment = Segment {
                meta: shared.meta(
                    ResourceType::Segment,
                    &shared.infra,
                    "segments",
                    segment_id.clone(),
                    segment_id,
                    project_tags.clone(),
                ),
                connectivity_path: tier1_path.clone(),
                subnets: vec![SegmentSubnet {
                    gateway_address: Name::from(format!("{gateway}/{}", subnet.prefix())),
                    network: Name::from(subnet.to_string()),
                }],
                segment_type: shared.routed.clone(),
                admin_state: shared.up.clone(),
                replication_mode: shared.mtep.clone(),
                advanced_config: SegmentAdvancedConfig {
                    connectivity: shared.on.clone(),
                },
            };
            let segment_path = segment.meta.path.clone();
            let nat_id = Name::from(format!("nat_{}_{slot}", network.uid));
            let mut nat_tags = project_tags.clone();
            nat_tags.push(shared.tag(&shared.scope_snat, &shared.text_true));
            nat_tags.push(shared.tag(&shared.scope_extpoolid, &shared.extpoolid));
            let nat = PolicyNatRule {
                meta: shared.meta(
                    ResourceType::PolicyNatRule,
                    &nat_parent,
                    "nat-rules",
                    nat_id.clone(),
                    nat_id,
                    nat_tags,
                ),
                action: shared.snat.clone(),
                source_network: Name::from(subnet.to_string()),
                translated_network: Name::from(network.snat_ip.to_string()),
                sequence_number: 100,
                enabled: true,
                logging: false,
            };
            topology.nat_rules.insert(nat.meta.path.clone(), nat);
            topology.locator.insert(
                gateway,
                Located::Gateway(GatewayLocation {
                    namespace: namespace.name.clone(),
                    subnet: *subnet,
                    segment_path: segment_path.clone(),
                    tier1_path: tier1_path.clone(),
                }),
            );
            segments.insert(
                *subnet,
                SegmentContext {
                    namespace: namespace.name.clone(),
                    path: segment_path.clone(),
                    tier1_path: tier1_path.clone(),
                },
            );
            topology.segments.insert(segment_path, segment);
        }
        topology.locator.insert(
            network.snat_ip,
            Located::Snat(SnatLocation {
                namespace: namespace.name.clone(),
                tier1_path: tier1_path.clone(),
            }),
        );
        namespaces.insert(
            &namespace.name,
            NamespaceContext {
                tier1_path,
                lb_service_path,
                project_tags,
            },
        );
    }

    let mut node_vifs: HashMap<Name, Name> = HashMap::new();
    for pod in &snapshot.pods {
        let Some(address) = ipam.pod(&pod.uid) else {
            continue;
        };
        let Some(context) = namespaces.get(pod.namespace.as_str()) else {
            continue;
        };
        let Some(segment) = segments.get(&Ipv4Cidr::containing(address.ip, config.subnet_prefix))
        else {
            continue;
        };
        if address.namespace != pod.namespace || segment.namespace != pod.namespace {
            continue;
        }
        let mut tags = Vec::with_capacity(context.project_tags.len() + 1 + pod.labels.len());
        tags.extend(context.project_tags.iter().cloned());
        if let Some(node) = &pod.node {
            tags.push(shared.tag(&shared.scope_node_name, node));
        }
        tags.extend(pod.labels.iter().map(|(key, value)| shared.tag(key, value)));
        let port_id = Name::from(format!("port_{}", derived_uuid(&["port", &pod.uid])));
        let port = SegmentPort {
            meta: shared.meta(
                ResourceType::SegmentPort,
                &segment.path,
                "ports",
                port_id,
                pod.name.clone(),
                tags,
            ),
            attachment: PortAttachment {
                attachment_type: shared.child.clone(),
                allocate_addresses: shared.both.clone(),
                app_id: Name::from(format!("nsx.{}.{}", pod.namespace, pod.name)),
                context_id: pod.node.as_ref().map(|node| {
                    node_vifs
                        .entry(node.clone())
                        .or_insert_with(|| Name::from(derived_uuid(&["node-vif", node])))
                        .clone()
                }),
                id: Name::from(derived_uuid(&["attachment", &pod.uid])),
            },
            address_bindings: vec![PortAddressBinding {
                ip_address: Name::from(address.ip.to_string()),
                mac_address: Name::from(address.mac.to_string()),
            }],
            admin_state: shared.up.clone(),
        };
        topology.locator.insert(
            address.ip,
            Located::Pod(PodLocation {
                namespace: pod.namespace.clone(),
                pod: pod.name.clone(),
                pod_uid: pod.uid.clone(),
                node: pod.node.clone(),
                mac: address.mac,
                port_path: port.meta.path.clone(),
                segment_path: segment.path.clone(),
                tier1_path: segment.tier1_path.clone(),
            }),
        );
        topology.segment_ports.insert(port.meta.path.clone(), port);
    }

    for service in &snapshot.load_balancers {
        let Some(context) = namespaces.get(service.namespace.as_str()) else {
            continue;
        };
        let Some(vip) = ipam.state().load_balancers.get(service.uid.as_str()) else {
            continue;
        };
        if vip.namespace != service.namespace {
            continue;
        }
        let vip_text = Name::from(vip.ip.to_string());
        let suffix = derived_suffix(&["lb", &service.uid], 5);
        let mut tags = context.project_tags.clone();
        tags.push(shared.tag(&shared.scope_service, &service.name));
        tags.push(shared.tag(&shared.scope_service_uid, &service.uid));
        let mut ports = Vec::with_capacity(service.ports.len());
        for port in &service.ports {
            let profile = match port.protocol {
                Protocol::Tcp => &shared.tcp_profile,
                Protocol::Udp => &shared.udp_profile,
                // NSX load balancers do not serve SCTP.
                Protocol::Sctp => continue,
            };
            let protocol = match port.protocol {
                Protocol::Tcp => String::new(),
                other => format!("_{}", other.as_str().to_ascii_lowercase()),
            };
            let id = Name::from(format!(
                "{}_{}_{}_{}{protocol}_{suffix}",
                config.cluster_id, service.namespace, service.name, port.port
            ));
            let mut endpoints = port.endpoints.clone();
            endpoints.sort();
            endpoints.dedup();
            let pool = LbPool {
                meta: shared.meta(
                    ResourceType::LbPool,
                    &shared.infra,
                    "lb-pools",
                    id.clone(),
                    id.clone(),
                    tags.clone(),
                ),
                algorithm: shared.round_robin.clone(),
                min_active_members: 1,
                members: endpoints
                    .iter()
                    .map(|endpoint| LbPoolMember {
                        ip_address: Name::from(endpoint.ip.to_string()),
                        port: Name::from(endpoint.port.to_string()),
                        weight: 1,
                        admin_state: shared.enabled.clone(),
                        backup_member: false,
                    })
                    .collect(),
                snat_translation: LbSnatTranslation {
                    snat_type: shared.automap.clone(),
                },
            };
            let virtual_server = LbVirtualServer {
                meta: shared.meta(
                    ResourceType::LbVirtualServer,
                    &shared.infra,
                    "lb-virtual-servers",
                    id.clone(),
                    id,
                    tags.clone(),
                ),
                ip_address: vip_text.clone(),
                ports: vec![Name::from(port.port.to_string())],
                lb_service_path: context.lb_service_path.clone(),
                pool_path: pool.meta.path.clone(),
                application_profile_path: profile.clone(),
                enabled: true,
            };
            ports.push(VipPort {
                protocol: port.protocol,
                port: port.port,
                virtual_server_path: virtual_server.meta.path.clone(),
                pool_path: pool.meta.path.clone(),
            });
            topology.lb_pools.insert(pool.meta.path.clone(), pool);
            topology
                .lb_virtual_servers
                .insert(virtual_server.meta.path.clone(), virtual_server);
        }
        ports.sort_by(|a, b| {
            (a.protocol, a.port, &a.virtual_server_path).cmp(&(
                b.protocol,
                b.port,
                &b.virtual_server_path,
            ))
        });
        topology.locator.insert(
            vip.ip,
            Located::Vip(VipLocation {
                namespace: service.namespace.clone(),
                service: service.name.clone(),
                service_uid: service.uid.clone(),
                tier1_path: context.tier1_path.clone(),
                ports,
            }),
        );
    }
    topology
}

#[cfg(test)]
#[path = "topology_tests.rs"]
mod tests;
