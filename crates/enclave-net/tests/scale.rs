//! A large topology: every pod gets a port, every address locates back to its holder, and a
//! rebuild from a reloaded IPAM is identical (`ENCLAVE_NET_SCALE=25000` for the full size of
//! 25,000 namespaces and 100,000 pods).

use std::collections::BTreeMap;

use enclave_net::{
    Endpoint, Ipam, IpamState, LoadBalancerInfo, LoadBalancerPort, Location, Name, NamespaceInfo,
    NetSnapshot, NetworkConfig, PodInfo, diff, locate, nsx::Protocol, topology,
};

#[test]
fn many_namespaces_and_pods() {
    let namespaces: usize = std::env::var("ENCLAVE_NET_SCALE")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    let config = NetworkConfig {
        namespace_network: "10.0.0.0/10".parse().unwrap(),
        ingress_cidr: "172.16.0.0/16".parse().unwrap(),
        egress_cidr: "172.17.0.0/16".parse().unwrap(),
        ..NetworkConfig::default()
    };
    let mut ipam = Ipam::new(config.clone()).unwrap();
    let mut snapshot = NetSnapshot::default();
    let labels = BTreeMap::from([(Name::from("app"), Name::from("web"))]);
    for n in 0..namespaces {
        let name = Name::from(format!("ns-{n}"));
        let uid = Name::from(format!("uid-ns-{n}"));
        ipam.setup_namespace(&name, &uid).unwrap();
        snapshot.namespaces.push(NamespaceInfo {
            name: name.clone(),
            uid,
        });
        let mut endpoints = Vec::new();
        for p in 0..4 {
            let uid = Name::from(format!("uid-pod-{n}-{p}"));
            let address = ipam.allocate_pod(&name, &uid).unwrap();
            endpoints.push(Endpoint {
                ip: address.ip,
                port: 8080,
            });
            snapshot.pods.push(PodInfo {
                namespace: name.clone(),
                name: Name::from(format!("web-{p}")),
                uid,
                labels: labels.clone(),
                node: Some(Name::from("esxi-1")),
            });
        }
        if n % 10 == 0 {
            let uid = Name::from(format!("uid-svc-{n}"));
            ipam.allocate_vip(&name, &uid, None).unwrap();
            snapshot.load_balancers.push(LoadBalancerInfo {
                namespace: name,
                name: Name::from("web"),
                uid,
                ports: vec![LoadBalancerPort {
                    name: None,
                    protocol: Protocol::Tcp,
                    port: 80,
                    endpoints,
                }],
            });
        }
    }
    let started = std::time::Instant::now();
    let built = topology(&snapshot, &ipam, &config);
    // Printed for whoever measures; no limit is asserted.
    eprintln!(
        "topology of {namespaces} namespaces: {:?}",
        started.elapsed()
    );
    assert_eq!(built.segment_ports.len(), namespaces * 4);
    assert_eq!(built.segments.len(), namespaces);
    assert_eq!(built.lb_virtual_servers.len(), namespaces.div_ceil(10));
    for (uid, pod) in &ipam.state().pods {
        match locate(&built, pod.ip) {
            Location::Pod(found) => assert_eq!(&found.pod_uid, uid),
            other => panic!("{} is {other:?}", pod.ip),
        }
    }
    let json = serde_json::to_string(ipam.state()).unwrap();
    let reloaded = Ipam::from_state(
        config.clone(),
        serde_json::from_str::<IpamState>(&json).unwrap(),
    )
    .unwrap();
    let rebuilt = topology(&snapshot, &reloaded, &config);
    let started = std::time::Instant::now();
    assert!(diff(&built, &rebuilt).is_empty());
    eprintln!("diff: {:?}", started.elapsed());
}
