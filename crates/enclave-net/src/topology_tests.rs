//! Tests of the topology: the seed story's golden JSON, determinism, shapes, diff, location
//! and annotations.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::*;
use crate::{Location, Range, locate};

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

const NAMESPACES: [(&str, &str); 6] = [
    ("default", "5a8d61f2-0c39-4a5e-9d0b-2f6f7b7c2a01"),
    ("kube-system", "5a8d61f2-0c39-4a5e-9d0b-2f6f7b7c2a02"),
    ("kube-public", "5a8d61f2-0c39-4a5e-9d0b-2f6f7b7c2a03"),
    ("kube-node-lease", "5a8d61f2-0c39-4a5e-9d0b-2f6f7b7c2a04"),
    (
        "svc-contour-domain-c8",
        "5a8d61f2-0c39-4a5e-9d0b-2f6f7b7c2a05",
    ),
    ("ns-hackazon-app", "5a8d61f2-0c39-4a5e-9d0b-2f6f7b7c2a06"),
];

/// (namespace, name, uid, app label, node)
const PODS: [(&str, &str, &str, &str, &str); 4] = [
    (
        "svc-contour-domain-c8",
        "contour-5869594b-7jm2x",
        "7c1e0000-0000-4000-8000-000000000001",
        "contour",
        "esxi-1",
    ),
    (
        "svc-contour-domain-c8",
        "envoy-9xk2p",
        "7c1e0000-0000-4000-8000-000000000002",
        "envoy",
        "esxi-2",
    ),
    (
        "ns-hackazon-app",
        "hackazon-shop-6c7f9d8b5-qx2lw",
        "7c1e0000-0000-4000-8000-000000000003",
        "hackazon-shop",
        "esxi-1",
    ),
    (
        "ns-hackazon-app",
        "hackazon-shop-6c7f9d8b5-zt8vn",
        "7c1e0000-0000-4000-8000-000000000004",
        "hackazon-shop",
        "esxi-3",
    ),
];

const ENVOY_UID: &str = "9e5b0000-0000-4000-8000-0000000000e1";

/// The seed story after start-up: system namespaces, Contour with its `envoy` LoadBalancer
/// Service, and the Hackazon shop's two pods.
fn seed() -> (NetSnapshot, Ipam) {
    let config = NetworkConfig::default();
    let mut ipam = Ipam::new(config).unwrap();
    let mut snapshot = NetSnapshot::default();
    for (name, uid) in NAMESPACES {
        ipam.setup_namespace(name, uid).unwrap();
        snapshot.namespaces.push(NamespaceInfo {
            name: Name::from(name),
            uid: Name::from(uid),
        });
    }
    for (namespace, name, uid, app, node) in PODS {
        ipam.allocate_pod(namespace, uid).unwrap();
        let mut labels = BTreeMap::from([(Name::from("app"), Name::from(app))]);
        if app == "hackazon-shop" {
            labels.insert(Name::from("pod-template-hash"), Name::from("6c7f9d8b5"));
        }
        snapshot.pods.push(PodInfo {
            namespace: Name::from(namespace),
            name: Name::from(name),
            uid: Name::from(uid),
            labels,
            node: Some(Name::from(node)),
        });
    }
    ipam.allocate_vip("svc-contour-domain-c8", ENVOY_UID, None)
        .unwrap();
    let envoy_ip = ipam.pod(PODS[1].2).unwrap().ip;
    snapshot.load_balancers.push(LoadBalancerInfo {
        namespace: Name::from("svc-contour-domain-c8"),
        name: Name::from("envoy"),
        uid: Name::from(ENVOY_UID),
        ports: vec![
            LoadBalancerPort {
                name: Some(Name::from("http")),
                protocol: Protocol::Tcp,
                port: 80,
                endpoints: vec![Endpoint {
                    ip: envoy_ip,
                    port: 8080,
                }],
            },
            LoadBalancerPort {
                name: Some(Name::from("https")),
                protocol: Protocol::Tcp,
                port: 443,
                endpoints: vec![Endpoint {
                    ip: envoy_ip,
                    port: 8443,
                }],
            },
        ],
    });
    (snapshot, ipam)
}

fn build(snapshot: &NetSnapshot, ipam: &Ipam) -> Topology {
    topology(snapshot, ipam, ipam.config())
}

/// Compares with a checked-in file; `UPDATE_EXPECT=1` rewrites it.
fn expect_file(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error} (run with UPDATE_EXPECT=1)", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b);
        panic!(
            "{} differs (first differing line {:?}); run with UPDATE_EXPECT=1 to accept:\n{actual}",
            path.display(),
            line.map(|l| l + 1)
        );
    }
}

#[test]
fn seed_topology_matches_golden_json() {
    let (snapshot, ipam) = seed();
    let json = serde_json::to_string_pretty(&build(&snapshot, &ipam)).unwrap() + "\n";
    expect_file("seed-topology.json", &json);
    let mut annotations = BTreeMap::new();
    for (name, _) in NAMESPACES {
        annotations.insert(name, ncp_annotations(&ipam, name));
    }
    let status = load_balancer_ingress(&ipam, ENVOY_UID);
    let extra = serde_json::json!({"annotations": annotations, "envoy_status_ingress": status});
    expect_file(
        "seed-annotations.json",
        &(serde_json::to_string_pretty(&extra).unwrap() + "\n"),
    );
}

#[test]
fn same_input_same_bytes_whatever_the_order() {
    let (snapshot, ipam) = seed();
    let first = serde_json::to_string(&build(&snapshot, &ipam)).unwrap();
    let mut shuffled = snapshot.clone();
    shuffled.namespaces.reverse();
    shuffled.pods.reverse();
    shuffled.load_balancers[0].ports.reverse();
    shuffled.load_balancers[0].ports[0].endpoints.reverse();
    assert_eq!(
        serde_json::to_string(&build(&shuffled, &ipam)).unwrap(),
        first
    );
    // A reloaded IPAM gives the same intent.
    let reloaded = Ipam::from_state(ipam.config().clone(), ipam.state().clone()).unwrap();
    assert_eq!(
        serde_json::to_string(&build(&snapshot, &reloaded)).unwrap(),
        first
    );
}

#[test]
fn objects_have_nsx_shapes() {
    let (snapshot, ipam) = seed();
    let topology = build(&snapshot, &ipam);
    // Shared system Tier-1, one for Contour, one for the shop.
    assert_eq!(topology.tier1s.len(), 3);
    assert_eq!(topology.lb_services.len(), 3);
    assert_eq!(topology.segments.len(), 6);
    assert_eq!(topology.nat_rules.len(), 6);
    assert_eq!(topology.segment_ports.len(), 4);
    assert_eq!(topology.lb_virtual_servers.len(), 2);
    let shop = ipam.namespace("ns-hackazon-app").unwrap();
    let tier1_path = format!("/infra/tier-1s/{}", shop.tier1_id);
    let tier1 = serde_json::to_value(&topology.tier1s[tier1_path.as_str()]).unwrap();
    assert_eq!(tier1["resource_type"], "Tier1");
    assert_eq!(tier1["tier0_path"], "/infra/tier-0s/T0-GW");
    assert_eq!(tier1["parent_path"], "/infra");
    assert_eq!(tier1["relative_path"], shop.tier1_id.as_str());
    assert_eq!(tier1["_protection"], "REQUIRE_OVERRIDE");
    assert_eq!(tier1["_revision"], 0);
    assert!(
        tier1["_create_user"]
            .as_str()
            .unwrap()
            .starts_with("wcp-cluster-user-domain-c8-")
    );
    assert_eq!(
        tier1["tags"][1],
        serde_json::json!({"scope": "ncp/project", "tag": "ns-hackazon-app"})
    );

    let segment_path = format!("/infra/segments/seg_{}_0", shop.uid);
    let segment = serde_json::to_value(&topology.segments[segment_path.as_str()]).unwrap();
    assert_eq!(segment["connectivity_path"], tier1_path.as_str());
    let subnet = shop.subnets[&0];
    assert_eq!(
        segment["subnets"],
        serde_json::json!([{"gateway_address": format!("{}/28", subnet.nth(1).unwrap()), "network": subnet.to_string()}])
    );

    let ports: Vec<_> = topology.ports_of(&segment_path).collect();
    assert_eq!(ports.len(), 2);
    let port = serde_json::to_value(ports[0]).unwrap();
    assert!(
        port["path"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{segment_path}/ports/port_"))
    );
    assert_eq!(port["parent_path"], segment_path.as_str());
    let app_id = port["attachment"]["app_id"].as_str().unwrap();
    assert!(
        app_id.starts_with("nsx.ns-hackazon-app.hackazon-shop-6c7f9d8b5-"),
        "{app_id}"
    );
    let tags = port["tags"].as_array().unwrap();
    assert!(tags.contains(&serde_json::json!({"scope": "app", "tag": "hackazon-shop"})));
    assert!(
        tags.contains(&serde_json::json!({"scope": "ncp/project_uid", "tag": shop.uid.as_str()}))
    );
    let binding = &port["address_bindings"][0];
    let pod_ip: Ipv4Addr = binding["ip_address"].as_str().unwrap().parse().unwrap();
    assert!(subnet.contains(pod_ip));
    assert_eq!(
        binding["mac_address"],
        crate::MacAddress::for_pod_ip(pod_ip).to_string()
    );

    let nat_path = format!("{tier1_path}/nat/USER/nat-rules/nat_{}_0", shop.uid);
    let nat = serde_json::to_value(&topology.nat_rules[nat_path.as_str()]).unwrap();
    assert_eq!(nat["action"], "SNAT");
    assert_eq!(nat["sequence_number"], 100);
    assert_eq!(nat["source_network"], subnet.to_string());
    assert_eq!(nat["translated_network"], shop.snat_ip.to_string());

    let vip = ipam.vip(ENVOY_UID).unwrap();
    let servers: Vec<_> = topology
        .lb_virtual_servers
        .values()
        .map(|s| serde_json::to_value(s).unwrap())
        .collect();
    let mut server_ports: Vec<_> = servers
        .iter()
        .map(|s| s["ports"][0].as_str().unwrap().to_string())
        .collect();
    server_ports.sort();
    assert_eq!(server_ports, ["443", "80"]);
    for server in &servers {
        assert_eq!(server["ip_address"], vip.to_string());
        assert_eq!(server["resource_type"], "LBVirtualServer");
        let pool = &topology.lb_pools[server["pool_path"].as_str().unwrap()];
        assert_eq!(pool.members.len(), 1);
        assert_eq!(
            pool.members[0].ip_address,
            ipam.pod(PODS[1].2).unwrap().ip.to_string()
        );
        let service = &topology.lb_services[server["lb_service_path"].as_str().unwrap()];
        let contour = ipam.namespace("svc-contour-domain-c8").unwrap();
        assert_eq!(
            service.connectivity_path,
            format!("/infra/tier-1s/{}", contour.tier1_id)
        );
    }
}

#[test]
fn only_what_both_sides_know_appears() {
    let (mut snapshot, mut ipam) = seed();
    // A pod without an address, a Service without a VIP, a namespace without a network, a
    // namespace whose uid changed.
    snapshot.pods.push(PodInfo {
        namespace: Name::from("ns-hackazon-app"),
        name: Name::from("pending"),
        uid: Name::from("no-address"),
        labels: BTreeMap::new(),
        node: None,
    });
    snapshot.load_balancers.push(LoadBalancerInfo {
        namespace: Name::from("ns-hackazon-app"),
        name: Name::from("no-vip"),
        uid: Name::from("no-vip-uid"),
        ports: vec![],
    });
    snapshot.namespaces.push(NamespaceInfo {
        name: Name::from("fresh"),
        uid: Name::from("fresh-uid"),
    });
    snapshot.namespaces[5].uid = Name::from("recreated");
    ipam.allocate_pod("kube-system", "not-in-snapshot").unwrap();
    let topology = build(&snapshot, &ipam);
    assert_eq!(topology.segment_ports.len(), 2, "only the Contour pods");
    assert_eq!(topology.tier1s.len(), 2);
    assert_eq!(topology.lb_virtual_servers.len(), 2);
}

#[test]
fn diff_lists_only_changes_in_realizable_order() {
    let (snapshot, mut ipam) = seed();
    let before = build(&snapshot, &ipam);
    assert!(diff(&before, &before).is_empty());
    assert_eq!(diff(&Topology::default(), &before).len(), before.len());

    // One pod more.
    let mut grown = snapshot.clone();
    ipam.allocate_pod("ns-hackazon-app", "new-pod").unwrap();
    grown.pods.push(PodInfo {
        namespace: Name::from("ns-hackazon-app"),
        name: Name::from("hackazon-shop-6c7f9d8b5-new"),
        uid: Name::from("new-pod"),
        labels: BTreeMap::new(),
        node: None,
    });
    let after = build(&grown, &ipam);
    let changes = diff(&before, &after);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].kind, ChangeKind::Created);
    assert_eq!(changes[0].resource_type, ResourceType::SegmentPort);

    // A label change updates one port.
    let mut relabelled = snapshot.clone();
    relabelled.pods[2]
        .labels
        .insert(Name::from("tier"), Name::from("web"));
    let changes = diff(&before, &build(&relabelled, &ipam));
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].kind, ChangeKind::Updated);

    // An endpoint change updates the pools only.
    let mut moved = snapshot.clone();
    for port in &mut moved.load_balancers[0].ports {
        port.endpoints[0].port += 1;
    }
    let changes = diff(&before, &build(&moved, &ipam));
    assert_eq!(changes.len(), 2);
    assert!(
        changes
            .iter()
            .all(|c| c.kind == ChangeKind::Updated && c.resource_type == ResourceType::LbPool)
    );

    // Deleting the shop namespace: children go before parents.
    let mut shrunk = snapshot.clone();
    shrunk.namespaces.retain(|ns| ns.name != "ns-hackazon-app");
    let changes = diff(&before, &build(&shrunk, &ipam));
    assert!(changes.iter().all(|c| c.kind == ChangeKind::Deleted));
    let order: Vec<ResourceType> = changes.iter().map(|c| c.resource_type).collect();
    assert_eq!(
        order,
        [
            ResourceType::LbService,
            ResourceType::PolicyNatRule,
            ResourceType::SegmentPort,
            ResourceType::SegmentPort,
            ResourceType::Segment,
            ResourceType::Tier1
        ]
    );
    // Creating it back: parents first.
    let changes = diff(&build(&shrunk, &ipam), &before);
    let order: Vec<ResourceType> = changes.iter().map(|c| c.resource_type).collect();
    assert_eq!(
        order,
        [
            ResourceType::Tier1,
            ResourceType::Segment,
            ResourceType::SegmentPort,
            ResourceType::SegmentPort,
            ResourceType::PolicyNatRule,
            ResourceType::LbService
        ]
    );
}

#[test]
fn locate_tells_what_an_address_is() {
    let (snapshot, ipam) = seed();
    let topology = build(&snapshot, &ipam);
    let shop = ipam.namespace("ns-hackazon-app").unwrap();
    let pod_ip = ipam.pod(PODS[2].2).unwrap().ip;
    match locate(&topology, pod_ip) {
        Location::Pod(pod) => {
            assert_eq!(pod.namespace, "ns-hackazon-app");
            assert_eq!(pod.pod, PODS[2].1);
            assert_eq!(pod.node.as_deref(), Some("esxi-1"));
            assert_eq!(
                pod.segment_path,
                format!("/infra/segments/seg_{}_0", shop.uid)
            );
            assert_eq!(pod.tier1_path, format!("/infra/tier-1s/{}", shop.tier1_id));
            assert!(topology.segment_ports.contains_key(pod.port_path.as_str()));
        }
        other => panic!("{other:?}"),
    }
    let gateway = shop.subnets[&0].nth(1).unwrap();
    assert!(
        matches!(locate(&topology, gateway), Location::Gateway(g) if g.namespace == "ns-hackazon-app")
    );
    assert!(
        matches!(locate(&topology, shop.snat_ip), Location::Snat(s) if s.namespace == "ns-hackazon-app")
    );
    match locate(&topology, ipam.vip(ENVOY_UID).unwrap()) {
        Location::LoadBalancerVip(vip) => {
            assert_eq!(vip.service, "envoy");
            assert_eq!(
                vip.ports.iter().map(|p| p.port).collect::<Vec<_>>(),
                [80, 443]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(locate(&topology, ip("10.96.0.10")), Location::ServiceCidr);
    assert_eq!(
        locate(&topology, ip("10.244.31.7")),
        Location::Unassigned(Range::NamespaceNetwork)
    );
    assert_eq!(
        locate(&topology, shop.subnets[&0].network()),
        Location::Unassigned(Range::NamespaceNetwork)
    );
    assert_eq!(
        locate(&topology, ip("10.15.8.200")),
        Location::Unassigned(Range::Ingress)
    );
    assert_eq!(
        locate(&topology, ip("10.15.9.200")),
        Location::Unassigned(Range::Egress)
    );
    assert_eq!(locate(&topology, ip("8.8.8.8")), Location::External);
    assert_eq!(locate(&Topology::default(), pod_ip), Location::External);
}

#[test]
fn annotations_follow_the_subnets() {
    let (_, mut ipam) = seed();
    let annotations = ncp_annotations(&ipam, "ns-hackazon-app");
    let shop = ipam.namespace("ns-hackazon-app").unwrap().clone();
    assert_eq!(annotations["ncp/router_id"], shop.tier1_id.as_str());
    assert_eq!(annotations["ncp/snat_ip"], shop.snat_ip.to_string());
    assert_eq!(annotations["ncp/subnet-0"], shop.subnets[&0].to_string());
    assert!(annotations["ncp/extpoolid"].starts_with("domain-c8:"));
    assert!(annotations["ncp/extpoolid"].ends_with("-ippool-10-15-9-1-10-15-9-254"));
    assert!(!annotations.contains_key("ncp/subnet-1"));
    for n in 0..12 {
        ipam.allocate_pod("ns-hackazon-app", &format!("more-{n}"))
            .unwrap();
    }
    let annotations = ncp_annotations(&ipam, "ns-hackazon-app");
    assert!(annotations.contains_key("ncp/subnet-1"), "{annotations:?}");
    assert!(annotations.contains_key("ls_id-1"));
    assert!(ncp_annotations(&ipam, "missing").is_empty());
    assert_eq!(
        serde_json::to_value(load_balancer_ingress(&ipam, ENVOY_UID)).unwrap(),
        serde_json::json!([{"ip": "10.15.8.1"}])
    );
    assert!(load_balancer_ingress(&ipam, "nope").is_empty());
}
