//! NCP's whole turn at Antrea's largest published scale: 25,000 namespaces, 100,000 pods and
//! 75,000 NetworkPolicies (four labelled pods and three policies per namespace, shaped like
//! the seed's `ns-hackazon-app` policy: pod and namespace selectors, an ipBlock with an
//! except, port numbers, a port range and a named port) through `build_intent` (topology and
//! translation), `check_ncp` (defaults, rule IDs, validation), the rule-ID table's encoding
//! (what the manager persists) and the engine's compilation. Prints the time of every phase,
//! the peak heap (a counting global allocator) and the peak RSS (`VmHWM`), against a run at a
//! tenth of the scale in the same process (linear scaling gives 10x) and against Antrea's
//! published figures for the same scale (5.8-6.4 s, 1.5-1.7 GB).
//!
//! `cargo bench -p enclave-nsx --bench scale` (`-- --quick`: a hundredth and a tenth of the
//! scale; `-- --divisor N`: only 1/N of it, for profilers; `-- --no-compile` leaves the
//! engine out; `-- --baseline allow-cluster` drops the zero-trust namespace defaults).

// The counting allocator is the one unsafe item: a `GlobalAlloc` that forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use enclave_dfw::{RuleIds, Stats};
use enclave_net::{Ipam, Ipv4Cidr, NetworkConfig};
use enclave_nsx::{ClusterObjects, build_intent, check_ncp};
use enclave_translate::{Baseline, Settings};
use k8s_openapi::api::core::v1::{Container, ContainerPort, Namespace, Pod, PodSpec, PodStatus};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, LabelSelectorRequirement, ObjectMeta,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Counts live heap bytes and their high-water mark.
struct CountingAllocator;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are kept.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Starts a new high-water mark at the current heap.
fn reset_peaks() {
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    // Writing 5 to clear_refs resets the process's peak RSS (Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident set since the last reset, in bytes.
fn vm_hwm() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

const NAMESPACES: usize = 25_000;
const CONTOUR_NAMESPACE: &str = "svc-contour-domain-c8";
const MONITORING_NAMESPACE: &str = "monitoring";
/// Antrea's controller at this scale (networkpolicy_controller_perf_test.go).
const ANTREA_SECONDS: (f64, f64) = (5.8, 6.4);
const ANTREA_BYTES: (f64, f64) = (1.5e9, 1.7e9);
const GOAL_SECONDS: f64 = 3.0;
const GOAL_BYTES: f64 = 800e6;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn selector(pairs: &[(&str, &str)]) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels(pairs)),
        match_expressions: None,
    }
}

fn namespace(name: &str, uid: &str, extra: &[(&str, &str)]) -> Namespace {
    let mut all = labels(extra);
    all.insert("kubernetes.io/metadata.name".into(), name.into());
    Namespace {
        metadata: ObjectMeta {
            name: Some(name.into()),
            uid: Some(uid.into()),
            labels: Some(all),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    }
}

struct PodShape<'a> {
    name: &'a str,
    labels: &'a [(&'a str, &'a str)],
    port: (&'a str, i32),
}

/// The pods of every application namespace.
const APP_PODS: [PodShape<'static>; 4] = [
    PodShape {
        name: "web-0",
        labels: &[("app", "web"), ("tier", "frontend")],
        port: ("http", 8080),
    },
    PodShape {
        name: "web-1",
        labels: &[("app", "web"), ("tier", "frontend")],
        port: ("http", 8080),
    },
    PodShape {
        name: "db-0",
        labels: &[("app", "db"), ("tier", "backend")],
        port: ("postgres", 5432),
    },
    PodShape {
        name: "cache-0",
        labels: &[("app", "cache"), ("tier", "backend")],
        port: ("redis", 6379),
    },
];

fn pod(ipam: &mut Ipam, ns: &str, shape: &PodShape<'_>, node: usize) -> Pod {
    let uid = format!("{ns}-{}-uid", shape.name);
    let address = ipam
        .allocate_pod(ns, &uid)
        .expect("the Namespace Network holds every pod");
    Pod {
        metadata: ObjectMeta {
            namespace: Some(ns.into()),
            name: Some(shape.name.into()),
            uid: Some(uid),
            labels: Some(labels(shape.labels)),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            node_name: Some(format!("esxi-{}", node % 64)),
            containers: vec![Container {
                name: "main".into(),
                image: Some("nginx".into()),
                ports: Some(vec![ContainerPort {
                    name: Some(shape.port.0.into()),
                    container_port: shape.port.1,
                    protocol: Some("TCP".into()),
                    ..ContainerPort::default()
                }]),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
        status: Some(PodStatus {
            phase: Some("Running".into()),
            pod_ip: Some(address.ip.to_string()),
            ..PodStatus::default()
        }),
    }
}

fn tcp(port: IntOrString, end_port: Option<i32>) -> NetworkPolicyPort {
    NetworkPolicyPort {
        protocol: Some("TCP".into()),
        port: Some(port),
        end_port,
    }
}

fn policy(ns: &str, name: &str, spec: NetworkPolicySpec) -> NetworkPolicy {
    NetworkPolicy {
        metadata: ObjectMeta {
            namespace: Some(ns.into()),
            name: Some(name.into()),
            uid: Some(format!("{ns}-{name}-uid")),
            ..ObjectMeta::default()
        },
        spec: Some(spec),
    }
}

/// The three NetworkPolicies of every application namespace.
fn app_policies(ns: &str) -> [NetworkPolicy; 3] {
    let deny = policy(
        ns,
        "default-deny-ingress",
        NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(vec!["Ingress".into()]),
            ..NetworkPolicySpec::default()
        },
    );
    // The seed's `hackazon-app-network-policy`, plus the web pods' named port.
    let web = policy(
        ns,
        "allow-web",
        NetworkPolicySpec {
            pod_selector: Some(selector(&[("app", "web")])),
            policy_types: Some(vec!["Ingress".into()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![
                    NetworkPolicyPeer {
                        namespace_selector: Some(selector(&[(
                            "kubernetes.io/metadata.name",
                            CONTOUR_NAMESPACE,
                        )])),
                        ..NetworkPolicyPeer::default()
                    },
                    NetworkPolicyPeer {
                        pod_selector: Some(selector(&[("app", "contour")])),
                        ..NetworkPolicyPeer::default()
                    },
                ]),
                ports: Some(vec![
                    tcp(IntOrString::Int(80), None),
                    tcp(IntOrString::String("http".into()), None),
                ]),
            }]),
            ..NetworkPolicySpec::default()
        },
    );
    let db = policy(
        ns,
        "allow-db",
        NetworkPolicySpec {
            pod_selector: Some(selector(&[("app", "db")])),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![
                    NetworkPolicyPeer {
                        pod_selector: Some(selector(&[("tier", "frontend")])),
                        ..NetworkPolicyPeer::default()
                    },
                    NetworkPolicyPeer {
                        namespace_selector: Some(LabelSelector {
                            match_labels: None,
                            match_expressions: Some(vec![LabelSelectorRequirement {
                                key: "kubernetes.io/metadata.name".into(),
                                operator: "In".into(),
                                values: Some(vec![MONITORING_NAMESPACE.into()]),
                            }]),
                        }),
                        pod_selector: Some(selector(&[("app", "prometheus")])),
                        ..NetworkPolicyPeer::default()
                    },
                ]),
                ports: Some(vec![tcp(IntOrString::Int(5432), None)]),
            }]),
            egress: Some(vec![
                NetworkPolicyEgressRule {
                    to: Some(vec![NetworkPolicyPeer {
                        ip_block: Some(IPBlock {
                            cidr: "172.16.0.0/12".into(),
                            except: Some(vec!["172.16.5.0/24".into()]),
                        }),
                        ..NetworkPolicyPeer::default()
                    }]),
                    ports: Some(vec![tcp(IntOrString::Int(443), None)]),
                },
                NetworkPolicyEgressRule {
                    to: Some(vec![NetworkPolicyPeer {
                        pod_selector: Some(selector(&[("app", "cache")])),
                        ..NetworkPolicyPeer::default()
                    }]),
                    ports: Some(vec![tcp(IntOrString::Int(6379), Some(6380))]),
                },
            ]),
        },
    );
    [deny, web, db]
}

/// The network settings: a Namespace Network of 65,536 /28 subnets, and Egress CIDR room for
/// a SNAT IP per namespace.
fn network_config() -> NetworkConfig {
    let cidr = |network: [u8; 4], prefix| Ipv4Cidr::containing(network.into(), prefix);
    NetworkConfig {
        namespace_network: cidr([10, 128, 0, 0], 12),
        egress_cidr: cidr([10, 16, 0, 0], 16),
        ingress_cidr: cidr([10, 17, 0, 0], 16),
        ..NetworkConfig::default()
    }
}

/// `namespaces` application namespaces with their pods and policies, plus the Contour and
/// monitoring namespaces the policies admit traffic from.
fn cluster(namespaces: usize) -> (ClusterObjects, Ipam) {
    let mut ipam = Ipam::new(network_config()).expect("valid network settings");
    let mut objects = ClusterObjects::default();
    let mut add_namespace = |ipam: &mut Ipam, name: &str, extra: &[(&str, &str)]| {
        let uid = format!("{name}-uid");
        ipam.setup_namespace(name, &uid)
            .expect("the Namespace Network holds every namespace");
        objects
            .namespaces
            .push(Arc::new(namespace(name, &uid, extra)));
    };
    add_namespace(&mut ipam, CONTOUR_NAMESPACE, &[]);
    add_namespace(&mut ipam, MONITORING_NAMESPACE, &[]);
    let mut names = Vec::with_capacity(namespaces);
    for i in 0..namespaces {
        let name = format!("ns-{i:05}");
        let team = format!("team-{}", i % 100);
        let env = if i % 4 == 0 { "prod" } else { "dev" };
        add_namespace(&mut ipam, &name, &[("team", &team), ("env", env)]);
        names.push(name);
    }
    let shared = [
        (CONTOUR_NAMESPACE, "contour", ("http", 8080)),
        (MONITORING_NAMESPACE, "prometheus", ("web", 9090)),
    ];
    for (ns, app, port) in shared {
        for k in 0..2 {
            let name = format!("{app}-{k}");
            let shape = PodShape {
                name: &name,
                labels: &[("app", app)],
                port,
            };
            let pod = pod(&mut ipam, ns, &shape, k);
            objects.pods.push(Arc::new(pod));
        }
    }
    for (i, ns) in names.iter().enumerate() {
        for (k, shape) in APP_PODS.iter().enumerate() {
            let pod = pod(&mut ipam, ns, shape, i * APP_PODS.len() + k);
            objects.pods.push(Arc::new(pod));
        }
        for np in app_policies(ns) {
            objects.network_policies.push(Arc::new(np));
        }
    }
    (objects, ipam)
}

#[derive(Debug, Default, Clone, Copy)]
struct Phases {
    build_intent: Duration,
    check: Duration,
    persist: Duration,
    compile: Duration,
}

impl Phases {
    fn total(&self) -> Duration {
        self.build_intent + self.check + self.persist + self.compile
    }
}

struct Run {
    namespaces: usize,
    pods: usize,
    policies: usize,
    rules: usize,
    groups: usize,
    phases: Phases,
    snapshot_bytes: usize,
    /// Live heap after build_intent, check and compile.
    live_after: [usize; 3],
    peak_bytes: usize,
    hwm_bytes: Option<usize>,
}

/// What to run besides the translation.
#[derive(Debug, Clone)]
struct Options {
    /// Compile the engine (`--no-compile` leaves it out: the engine's cost grows faster than
    /// the rest and can be measured apart).
    compile: bool,
    /// The cluster's baseline (`--baseline allow-cluster` drops the zero-trust defaults).
    baseline: Baseline,
}

fn run(namespaces: usize, options: &Options) -> Run {
    let (objects, ipam) = cluster(namespaces);
    let settings = Settings {
        baseline: options.baseline,
        ..Settings::default()
    };
    let snapshot_bytes = LIVE.load(Ordering::Relaxed);
    reset_peaks();
    let mut phases = Phases::default();

    let started = Instant::now();
    let intent = build_intent(&objects, &ipam, &settings);
    phases.build_intent = started.elapsed();
    let problems = intent.translation.problems.len();
    assert_eq!(problems, 0, "{:?}", intent.translation.problems.first());
    let translation = intent.translation;
    drop(intent.topology);
    let mut live_after = [LIVE.load(Ordering::Relaxed); 3];

    let started = Instant::now();
    let (checked, ids) = check_ncp(
        translation.config,
        translation.inventory,
        RuleIds::default(),
        &settings.cluster,
    )
    .expect("the translation is a valid firewall");
    phases.check = started.elapsed();
    live_after[1] = LIVE.load(Ordering::Relaxed);

    let started = Instant::now();
    let encoded = serde_json::to_vec(&ids).expect("rule IDs encode");
    phases.persist = started.elapsed();
    drop(encoded);

    let rules = checked
        .config()
        .policies
        .iter()
        .map(|p| p.rules.len())
        .sum();
    let groups = checked.config().groups.len();
    let realized = options.compile.then(|| {
        let started = Instant::now();
        let realized = checked.compile(&Stats::new(), 1);
        phases.compile = started.elapsed();
        realized
    });
    std::hint::black_box(&realized);
    live_after[2] = LIVE.load(Ordering::Relaxed);

    let peak_bytes = PEAK.load(Ordering::Relaxed);
    let hwm_bytes = vm_hwm();
    drop(realized);
    Run {
        namespaces: objects.namespaces.len(),
        pods: objects.pods.len(),
        policies: objects.network_policies.len(),
        rules,
        groups,
        phases,
        snapshot_bytes,
        live_after,
        peak_bytes,
        hwm_bytes,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1e3)
}

fn mb(bytes: usize) -> String {
    format!("{:.0}", bytes as f64 / 1e6)
}

fn ratio(a: Duration, b: Duration) -> String {
    format!("{:.1}x", a.as_secs_f64() / b.as_secs_f64().max(1e-9))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    // `--divisor N` runs only 1/N of the scale (for profilers).
    let divisor = args
        .iter()
        .position(|a| a == "--divisor")
        .and_then(|i| args.get(i + 1)?.parse::<usize>().ok());
    let options = Options {
        compile: !args.iter().any(|a| a == "--no-compile"),
        baseline: args
            .iter()
            .position(|a| a == "--baseline")
            .and_then(|i| args.get(i + 1)?.parse().ok())
            .unwrap_or_default(),
    };
    println!("{options:?}");
    let scales: Vec<usize> = match divisor {
        Some(d) => vec![d.max(1)],
        None if quick => vec![100, 10],
        None => vec![10, 1],
    };
    println!(
        "| scale | namespaces | pods | NetworkPolicies | rules | groups | build_intent ms | check ms | persist ms | compile ms | total ms | snapshot MB | heap after intent / check / compile MB | peak heap MB | VmHWM MB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut runs = Vec::new();
    for &divisor in &scales {
        let r = run(NAMESPACES / divisor, &options);
        println!(
            "| 1/{divisor} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {} / {} | {} | {} |",
            r.namespaces,
            r.pods,
            r.policies,
            r.rules,
            r.groups,
            ms(r.phases.build_intent),
            ms(r.phases.check),
            ms(r.phases.persist),
            ms(r.phases.compile),
            ms(r.phases.total()),
            mb(r.snapshot_bytes),
            mb(r.live_after[0]),
            mb(r.live_after[1]),
            mb(r.live_after[2]),
            mb(r.peak_bytes),
            r.hwm_bytes.map_or_else(|| "-".into(), mb),
        );
        runs.push((divisor, r));
    }
    let [(_, small), (_, large)] = &runs[..] else {
        return;
    };
    println!();
    println!(
        "Scaling x10 (linear = 10.0x): build_intent {}, check {}, persist {}, compile {}, total {}, peak heap {:.1}x.",
        ratio(large.phases.build_intent, small.phases.build_intent),
        ratio(large.phases.check, small.phases.check),
        ratio(large.phases.persist, small.phases.persist),
        ratio(large.phases.compile, small.phases.compile),
        ratio(large.phases.total(), small.phases.total()),
        large.peak_bytes as f64 / small.peak_bytes.max(1) as f64,
    );
    if !quick {
        let seconds = large.phases.total().as_secs_f64();
        let bytes = large.peak_bytes as f64;
        println!(
            "Against Antrea at the same scale ({}-{} s, {}-{} GB): time {:.2}x of its best, peak heap {:.2}x of its best. Goal under {GOAL_SECONDS} s and {} MB: time {}, memory {}.",
            ANTREA_SECONDS.0,
            ANTREA_SECONDS.1,
            ANTREA_BYTES.0 / 1e9,
            ANTREA_BYTES.1 / 1e9,
            seconds / ANTREA_SECONDS.0,
            bytes / ANTREA_BYTES.0,
            GOAL_BYTES / 1e6,
            if seconds < GOAL_SECONDS {
                "met"
            } else {
                "missed"
            },
            if bytes < GOAL_BYTES { "met" } else { "missed" },
        );
    }
}
