//! Property tests of the IPAM: over random operation sequences no address ever has two
//! holders, no allocation leaves its range, a refused operation changes nothing, and the
//! persisted state always reloads.

use std::collections::{BTreeMap, HashSet};
use std::net::Ipv4Addr;

use enclave_net::{Ipam, IpamState, NetworkConfig};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Setup(u8),
    Allocate(u8, u8),
    Restore(u8, u8, u8),
    Release(u8),
    AllocateVip(u8, u8, Option<u8>),
    RestoreVip(u8, u8, u8),
    ReleaseVip(u8),
    ReleaseNamespace(u8),
    Reload,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..5u8).prop_map(Op::Setup),
        8 => (0..5u8, 0..40u8).prop_map(|(n, p)| Op::Allocate(n, p)),
        2 => (0..5u8, 0..40u8, any::<u8>()).prop_map(|(n, p, a)| Op::Restore(n, p, a)),
        4 => (0..40u8).prop_map(Op::Release),
        2 => (0..5u8, 0..8u8, proptest::option::of(0..10u8)).prop_map(|(n, s, r)| Op::AllocateVip(n, s, r)),
        1 => (0..5u8, 0..8u8, 0..10u8).prop_map(|(n, s, a)| Op::RestoreVip(n, s, a)),
        1 => (0..8u8).prop_map(Op::ReleaseVip),
        1 => (0..5u8).prop_map(Op::ReleaseNamespace),
        1 => Just(Op::Reload),
    ]
}

/// Four /29s (five pods each), eight VIP offsets, four SNAT offsets: exhaustion is common.
fn config() -> NetworkConfig {
    NetworkConfig {
        namespace_network: "10.244.0.0/27".parse().unwrap(),
        subnet_prefix: 29,
        ingress_cidr: "10.15.8.0/29".parse().unwrap(),
        egress_cidr: "10.15.9.0/29".parse().unwrap(),
        ..NetworkConfig::default()
    }
}

fn namespace(n: u8) -> String {
    // Namespace 4 is a system namespace: shares the system Tier-1.
    if n == 4 {
        "kube-system".to_string()
    } else {
        format!("ns-{n}")
    }
}

fn check_invariants(ipam: &Ipam, config: &NetworkConfig) {
    let state = ipam.state();
    let mut subnets = HashSet::new();
    let mut snat = HashSet::new();
    let mut tier1s = HashSet::new();
    let mut subnet_owner = BTreeMap::new();
    for (name, network) in &state.namespaces {
        assert!(!network.subnets.is_empty(), "{name} has no subnet");
        for subnet in network.subnets.values() {
            assert!(
                config.namespace_network.contains_cidr(subnet),
                "{subnet} out of range"
            );
            assert_eq!(subnet.prefix(), config.subnet_prefix);
            assert!(subnets.insert(*subnet), "subnet {subnet} twice");
            subnet_owner.insert(*subnet, name.clone());
        }
        let offset = config
            .egress_cidr
            .offset_of(network.snat_ip)
            .expect("SNAT IP out of range");
        assert!(
            offset != 0 && offset != config.egress_cidr.size() - 1,
            "SNAT network/broadcast"
        );
        assert!(
            snat.insert(network.snat_ip),
            "SNAT IP {} twice",
            network.snat_ip
        );
        assert_eq!(network.shared_tier1, name.as_str() == "kube-system");
        if !network.shared_tier1 {
            assert!(tier1s.insert(network.tier1_id.clone()), "tier-1 twice");
        }
    }
    let mut pod_ips = HashSet::new();
    for (uid, pod) in &state.pods {
        assert!(pod_ips.insert(pod.ip), "pod IP {} twice", pod.ip);
        let subnet = enclave_net::Ipv4Cidr::containing(pod.ip, config.subnet_prefix);
        assert_eq!(
            subnet_owner.get(&subnet),
            Some(&pod.namespace),
            "pod {uid} outside its subnets"
        );
        let offset = subnet.offset_of(pod.ip).unwrap();
        assert!(
            offset >= 2 && offset < subnet.size() - 1,
            "pod {uid} on network/gateway/broadcast"
        );
    }
    let mut vips = HashSet::new();
    for (uid, vip) in &state.load_balancers {
        let offset = config
            .ingress_cidr
            .offset_of(vip.ip)
            .expect("VIP out of range");
        assert!(
            offset != 0 && offset != config.ingress_cidr.size() - 1,
            "VIP network/broadcast"
        );
        assert!(vips.insert(vip.ip), "VIP {} twice", vip.ip);
        assert!(
            state.namespaces.contains_key(&vip.namespace),
            "VIP {uid} without namespace"
        );
    }
    // The persisted form reloads (its own consistency checks pass) and is the same.
    let json = serde_json::to_string(state).unwrap();
    let reloaded = Ipam::from_state(
        config.clone(),
        serde_json::from_str::<IpamState>(&json).unwrap(),
    )
    .expect("state reloads");
    assert_eq!(reloaded.state(), state);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn never_one_address_to_two_holders(ops in proptest::collection::vec(op(), 1..120)) {
        let config = config();
        let mut ipam = Ipam::new(config.clone()).unwrap();
        for op in ops {
            let before: IpamState = ipam.state().clone();
            let refused = match &op {
                Op::Setup(n) => ipam.setup_namespace(&namespace(*n), &format!("uid-{n}")).is_err(),
                Op::Allocate(n, p) => {
                    let result = ipam.allocate_pod(&namespace(*n), &format!("pod-{p}"));
                    if let Ok(pod) = &result {
                        prop_assert_eq!(ipam.allocate_pod(&namespace(*n), &format!("pod-{p}")).unwrap(), pod.clone());
                    }
                    result.is_err()
                }
                Op::Restore(n, p, a) => {
                    let ip = Ipv4Addr::new(10, 244, 0, a % 40);
                    ipam.restore_pod(&namespace(*n), &format!("pod-{p}"), ip).is_err()
                }
                Op::Release(p) => {
                    ipam.release_pod(&format!("pod-{p}"));
                    false
                }
                Op::AllocateVip(n, s, requested) => {
                    let requested = requested.map(|r| Ipv4Addr::new(10, 15, 8, r));
                    ipam.allocate_vip(&namespace(*n), &format!("svc-{s}"), requested).is_err()
                }
                Op::RestoreVip(n, s, a) => {
                    ipam.restore_vip(&namespace(*n), &format!("svc-{s}"), Ipv4Addr::new(10, 15, 8, *a)).is_err()
                }
                Op::ReleaseVip(s) => {
                    ipam.release_vip(&format!("svc-{s}"));
                    false
                }
                Op::ReleaseNamespace(n) => {
                    let released = ipam.release_namespace(&namespace(*n));
                    for uid in &released.pods {
                        prop_assert!(ipam.pod(uid).is_none());
                    }
                    false
                }
                Op::Reload => {
                    ipam = Ipam::from_state(config.clone(), ipam.state().clone()).unwrap();
                    false
                }
            };
            if refused {
                prop_assert_eq!(ipam.state(), &before, "refused {:?} changed the state", op);
            }
            check_invariants(&ipam, &config);
        }
    }
}
