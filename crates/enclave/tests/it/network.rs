//! The network manager through kubectl: each vSphere Namespace gets its Tier-1, /28 subnet
//! and SNAT IP (NCP's annotations), pods take their IPs from that subnet, Services of type
//! LoadBalancer get a VIP from the Ingress CIDR, and all of it survives a restart.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Enclave, Output};

const SEED_DEPLOYMENT: &str = include_str!("../../../../examples/hackazon/deployment.yaml");

fn ok(out: &Output) -> &str {
    assert!(out.ok, "kubectl failed: {}{}", out.stdout, out.stderr);
    &out.stdout
}

fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn in_cidr(ip: &str, network: [u8; 4], prefix: u32) -> bool {
    let Ok(ip) = ip.parse::<Ipv4Addr>() else {
        return false;
    };
    let mask = u32::MAX << (32 - prefix);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(network)) & mask
}

fn annotations(e: &Enclave, ns: &str) -> Option<Value> {
    let out = e.kubectl(&["get", "ns", ns, "-o", "jsonpath={.metadata.annotations}"]);
    let text = ok(&out);
    let value: Value = serde_json::from_str(text).ok()?;
    value.get("ncp/router_id")?;
    Some(value)
}

const LB_SERVICE: &str = r#"
apiVersion: v1
kind: Service
metadata:
  name: shop-lb
spec:
  type: LoadBalancer
  selector:
    app: hackazon-shop
  ports:
  - name: http
    port: 80
    targetPort: 80
"#;

#[test]
fn namespaces_get_ncp_networks_and_load_balancers_get_vips() {
    let mut e = Enclave::start();
    ok(&e.kubectl(&["create", "namespace", "ns-hackazon-app"]));
    let ann = eventually("NCP's annotations", || annotations(&e, "ns-hackazon-app"));
    let router = ann["ncp/router_id"].as_str().unwrap().to_string();
    assert!(
        router.starts_with("t1_") && router.ends_with("_rtr"),
        "{ann}"
    );
    let snat = ann["ncp/snat_ip"].as_str().unwrap().to_string();
    assert!(in_cidr(&snat, [10, 15, 9, 0], 24), "{ann}");
    let subnet = ann["ncp/subnet-0"].as_str().unwrap().to_string();
    let (network, prefix) = subnet.split_once('/').unwrap();
    assert_eq!(prefix, "28");
    let network: Ipv4Addr = network.parse().unwrap();
    assert!(in_cidr(&network.to_string(), [10, 244, 0, 0], 19), "{ann}");

    ok(&e.kubectl_stdin(
        &["-n", "ns-hackazon-app", "apply", "-f", "-"],
        SEED_DEPLOYMENT,
    ));
    ok(&e.kubectl_stdin(&["-n", "ns-hackazon-app", "apply", "-f", "-"], LB_SERVICE));
    ok(&e.kubectl(&[
        "-n",
        "ns-hackazon-app",
        "rollout",
        "status",
        "deployment/hackazon-shop",
        "--timeout=60s",
    ]));
    let ips = ok(&e.kubectl(&[
        "-n",
        "ns-hackazon-app",
        "get",
        "pods",
        "-o",
        "jsonpath={.items[*].status.podIP}",
    ]))
    .to_string();
    let net = network.octets();
    for ip in ips.split_whitespace() {
        assert!(
            in_cidr(ip, net, 28),
            "{ip} outside the namespace's subnet {subnet}"
        );
        assert_ne!(
            ip.parse::<Ipv4Addr>().unwrap(),
            Ipv4Addr::from(u32::from(network) + 1),
            "the gateway is never a pod's"
        );
    }
    let vip = eventually("the load balancer VIP", || {
        let out = e.kubectl(&[
            "-n",
            "ns-hackazon-app",
            "get",
            "svc",
            "shop-lb",
            "--no-headers",
        ]);
        let cols: Vec<String> = ok(&out).split_whitespace().map(str::to_string).collect();
        (cols
            .get(3)
            .is_some_and(|ip| in_cidr(ip, [10, 15, 8, 0], 24)))
        .then(|| cols[3].clone())
    });

    // The same network through the NSX Policy API.
    let raw = |uri: &str| -> Value {
        serde_json::from_str(ok(&e.kubectl(&["get", "--raw", uri]))).expect("JSON")
    };
    let tier1s = raw("/policy/api/v1/infra/tier-1s");
    let t1 = tier1s["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == router.as_str())
        .unwrap_or_else(|| panic!("{router} not in {tier1s}"));
    assert_eq!(t1["tier0_path"], "/infra/tier-0s/T0-GW");
    let segments = raw("/policy/api/v1/infra/segments");
    assert!(
        segments["results"].as_array().unwrap().iter().any(|s| {
            s["connectivity_path"] == format!("/infra/tier-1s/{router}").as_str()
                && s["subnets"][0]["network"] == subnet.as_str()
        }),
        "{segments}"
    );
    let mut pod_ips: Vec<String> = ips.split_whitespace().map(str::to_string).collect();
    pod_ips.sort();
    // NCP realizes the load balancer once the Endpoints list the pods.
    eventually("the VIP's pool to hold the shop's pods", || {
        let servers = raw("/policy/api/v1/infra/lb-virtual-servers");
        let server = servers["results"]
            .as_array()?
            .iter()
            .find(|v| v["ip_address"] == vip.as_str())?
            .clone();
        assert_eq!(server["ports"][0], "80");
        let pool = raw(&format!("/policy/api/v1{}", server["pool_path"].as_str()?));
        let mut members: Vec<String> = pool["members"]
            .as_array()?
            .iter()
            .filter_map(|m| m["ip_address"].as_str().map(str::to_string))
            .collect();
        members.sort();
        (members == pod_ips).then_some(())
    });

    // `enclave net topology` draws it as a tree.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enclave"))
        .args(["net", "topology", "-n", "ns-hackazon-app", "--kubeconfig"])
        .arg(e.admin_kubeconfig())
        .output()
        .expect("enclave net topology");
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tree.starts_with("Tier-0 T0-GW\n"), "{tree}");
    assert!(
        tree.contains(&format!("── Tier-1 {router}  [ns-hackazon-app]")),
        "{tree}"
    );
    assert!(tree.contains(&format!("SNAT {subnet} -> {snat}")), "{tree}");
    assert!(
        tree.contains(&format!("VIP {vip}:80  Service ns-hackazon-app/shop-lb")),
        "{tree}"
    );
    for ip in &pod_ips {
        assert!(
            tree.contains(&format!("  {ip}  04:50:56:")),
            "{ip} not in {tree}"
        );
    }
    assert!(!tree.contains("kube-system"), "{tree}");

    // A second namespace has its own router, subnet and SNAT IP.
    ok(&e.kubectl(&["create", "namespace", "other"]));
    let other = eventually("the other namespace's annotations", || {
        annotations(&e, "other")
    });
    assert_ne!(other["ncp/router_id"], ann["ncp/router_id"]);
    assert_ne!(other["ncp/subnet-0"], ann["ncp/subnet-0"]);
    assert_ne!(other["ncp/snat_ip"], ann["ncp/snat_ip"]);

    e.restart();
    let after = eventually("annotations after the restart", || {
        annotations(&e, "ns-hackazon-app")
    });
    assert_eq!(after, ann);
    let out = e.kubectl(&[
        "-n",
        "ns-hackazon-app",
        "get",
        "svc",
        "shop-lb",
        "-o",
        "jsonpath={.status.loadBalancer.ingress[0].ip}",
    ]);
    assert_eq!(ok(&out), vip);
    // A second LoadBalancer never gets the first one's VIP.
    let second = LB_SERVICE.replace("shop-lb", "shop-lb-2");
    ok(&e.kubectl_stdin(&["-n", "ns-hackazon-app", "apply", "-f", "-"], &second));
    let vip2 = eventually("the second VIP", || {
        let out = e.kubectl(&[
            "-n",
            "ns-hackazon-app",
            "get",
            "svc",
            "shop-lb-2",
            "-o",
            "jsonpath={.status.loadBalancer.ingress[0].ip}",
        ]);
        let ip = ok(&out).to_string();
        (!ip.is_empty()).then_some(ip)
    });
    assert_ne!(vip2, vip);
}
