//! Benchmarks of the compiled firewall on synthetic Kubernetes-shaped workloads (namespaces
//! of labelled pods, NetworkPolicies translated as NCP does: a policy per NetworkPolicy
//! applied to its pod selector's group, ingress rules from peer selector groups with port
//! entries, an egress rule to an ipBlock, an ALLOWLIST implicit drop; per namespace a default
//! policy; a few cluster-wide Infrastructure rules with address literals), against the
//! reference evaluator in the same run. Plain std timing; prints a markdown table. Verdict
//! latencies are per call (p50/p99, timer cost subtracted) and per batch (mean); updates
//! are the median of five trials, each on a fresh clone of the compiled engine.
//! "Classifiers (tabled)": distinct per-run classifiers, of which full table classifiers
//! (compact bitset blocks are the rest).
//!
//! `cargo bench -p enclave-dfw` (`-- --quick` skips the 100,000-rule workload;
//! `-- --profile-compile` and `-- --profile-evaluate` only loop updates or verdicts, for
//! `perf record`).

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use enclave_dfw::conntrack::{ENTRY_BYTES, tcp_flags};
use enclave_dfw::defaults::factory_config;
use enclave_dfw::literal::protocol;
use enclave_dfw::model::group_path;
use enclave_dfw::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const APPS: usize = 8;
const PODS_PER_NAMESPACE: usize = 16;
const RULES_PER_POLICY: usize = 6;
const POLICIES_PER_NAMESPACE: usize = 8;
const PORTS: [u16; 4] = [80, 443, 8080, 5432];
/// Timed repetitions of the incremental updates (the median is reported).
const UPDATE_TRIALS: usize = 5;

fn segment(ns: usize) -> String {
    format!("/infra/segments/seg-ns{ns}")
}

fn tag_condition(member_type: &str, value: String) -> Expression {
    Expression::Condition(Condition {
        key: "Tag".into(),
        member_type: member_type.into(),
        operator: "EQUALS".into(),
        value,
        scope_operator: None,
    })
}

fn and() -> Expression {
    Expression::ConjunctionOperator {
        conjunction_operator: Conjunction::And,
    }
}

struct Workload {
    config: FirewallConfig,
    inventory: Inventory,
    namespaces: usize,
}

/// About `rules` rules.
fn workload(rules: usize) -> Workload {
    let policies = (rules / RULES_PER_POLICY).max(1);
    let namespaces = policies.div_ceil(POLICIES_PER_NAMESPACE);
    let mut rng = Rng(rules as u64);
    let mut inventory = Inventory::default();
    for ns in 0..namespaces {
        inventory.segments.push(InventorySegment {
            path: segment(ns),
            tags: vec![Tag::new("ncp/project", format!("ns{ns}"))],
        });
        for p in 0..PODS_PER_NAMESPACE {
            let id = inventory.members.len() as u32;
            let ip = Ipv4Addr::from(0x0af4_0000 + id + 2);
            inventory.members.push(Member {
                path: format!("{}/ports/pod{p}", segment(ns)),
                name: format!("ns{ns}/pod{p}"),
                segment: segment(ns),
                ip,
                mac: format!(
                    "04:50:56:{:02x}:{:02x}:{:02x}",
                    id >> 16,
                    (id >> 8) & 0xff,
                    id & 0xff
                ),
                tags: vec![
                    Tag::new("ncp/project", format!("ns{ns}")),
                    Tag::new("app", format!("app{}", p % APPS)),
                    Tag::new("tier", if p % 2 == 0 { "web" } else { "db" }),
                ],
            });
        }
    }
    let mut config = factory_config();
    // Groups: one per namespace, one per (namespace, app) selector.
    for ns in 0..namespaces {
        let mut g = Group::new(
            format!("ns{ns}-members"),
            vec![tag_condition("Segment", format!("ncp/project|ns{ns}"))],
        );
        g.meta.path = group_path("default", &g.id);
        config.groups.push(g);
        for app in 0..APPS {
            let mut g = Group::new(
                format!("ns{ns}-app{app}"),
                vec![
                    tag_condition("SegmentPort", format!("app|app{app}")),
                    and(),
                    tag_condition("Segment", format!("ncp/project|ns{ns}")),
                ],
            );
            g.meta.path = group_path("default", &g.id);
            config.groups.push(g);
        }
    }
    // Cluster-wide infrastructure rules with literals.
    let mut infra = SecurityPolicy::new("cluster-infra", Category::Infrastructure);
    for i in 0..(rules / 100).clamp(2, 50) {
        let mut r = Rule::new(format!("infra-{i}"));
        r.sequence_number = i as i64;
        r.source_groups = vec![format!("192.168.{}.0/24", i % 250)];
        r.action = if i % 3 == 0 {
            Action::Drop
        } else {
            Action::Allow
        };
        r.direction = Direction::In;
        infra.rules.push(r);
    }
    config.policies.push(infra);
    let mut made = 0;
    'outer: for ns in 0..namespaces {
        let members = group_path("default", &format!("ns{ns}-members"));
        let mut default = SecurityPolicy::new(format!("ns{ns}-default"), Category::Application);
        default.sequence_number = 900_000;
        let mut intra = Rule::new("allow-intra-namespace");
        intra.source_groups = vec![members.clone()];
        intra.destination_groups = vec![members.clone()];
        intra.direction = Direction::In;
        intra.scope = vec![members.clone()];
        let mut deny = Rule::new("deny-all-ingress");
        deny.sequence_number = 1;
        deny.action = Action::Drop;
        deny.direction = Direction::In;
        deny.scope = vec![members.clone()];
        default.rules = vec![intra, deny];
        config.policies.push(default);
        for k in 0..POLICIES_PER_NAMESPACE {
            if made >= policies {
                break 'outer;
            }
            made += 1;
            let target = group_path("default", &format!("ns{ns}-app{}", k % APPS));
            let mut policy = SecurityPolicy::new(format!("ns{ns}-np{k}"), Category::Application);
            policy.sequence_number = (ns * POLICIES_PER_NAMESPACE + k) as i64;
            policy.scope = vec![target.clone()];
            policy.connectivity_preference = ConnectivityPreference::Allowlist;
            for r in 0..RULES_PER_POLICY - 2 {
                let peer_ns = if rng.below(4) == 0 {
                    rng.below(namespaces)
                } else {
                    ns
                };
                let mut rule = Rule::new(format!("ingress-{r}"));
                rule.sequence_number = r as i64;
                rule.source_groups = vec![group_path(
                    "default",
                    &format!("ns{peer_ns}-app{}", rng.below(APPS)),
                )];
                rule.destination_groups = vec![target.clone()];
                rule.direction = Direction::In;
                rule.service_entries = vec![ServiceEntry::L4PortSetServiceEntry {
                    id: "port".into(),
                    display_name: String::new(),
                    l4_protocol: "TCP".into(),
                    destination_ports: vec![PORTS[rng.below(PORTS.len())].to_string()],
                    source_ports: Vec::new(),
                }];
                policy.rules.push(rule);
            }
            let mut egress = Rule::new("egress-ipblock");
            egress.sequence_number = 100;
            egress.destination_groups = vec![format!("172.{}.0.0/16", 16 + rng.below(16))];
            egress.direction = Direction::Out;
            policy.rules.push(egress);
            config.policies.push(policy);
        }
    }
    config.normalize();
    RuleIds::default().assign(&mut config);
    Workload {
        config,
        inventory,
        namespaces,
    }
}

fn flows(w: &Workload, count: usize, seed: u64) -> Vec<Connection> {
    let mut rng = Rng(seed);
    let n = w.inventory.members.len();
    (0..count)
        .map(|_| {
            let dst = rng.below(n);
            let ns = dst / PODS_PER_NAMESPACE;
            let (source, src_ip) = match rng.below(10) {
                // Mostly inside the namespace, some across, some from outside.
                0..=5 => {
                    let s = ns * PODS_PER_NAMESPACE + rng.below(PODS_PER_NAMESPACE);
                    (Some(s), w.inventory.members[s].ip)
                }
                6..=8 => {
                    let s = rng.below(n);
                    (Some(s), w.inventory.members[s].ip)
                }
                _ => (None, Ipv4Addr::new(192, 168, rng.below(255) as u8, 7)),
            };
            let _ = w.namespaces;
            Connection {
                flow: Flow {
                    src_ip,
                    dst_ip: w.inventory.members[dst].ip,
                    protocol: protocol::TCP,
                    src_port: 32768 + rng.below(28000) as u16,
                    dst_port: PORTS[rng.below(PORTS.len())],
                },
                source,
                destination: Some(dst),
            }
        })
        .collect()
}

/// Per-call latencies (nanoseconds) of `f` over `items`, minus the timer's own cost.
fn latencies<T>(items: &[T], mut f: impl FnMut(&T)) -> Vec<f64> {
    let overhead = timer_overhead();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let start = Instant::now();
        f(item);
        let elapsed = start.elapsed().as_nanos() as f64;
        out.push((elapsed - overhead).max(0.0));
    }
    out.sort_by(|a, b| a.total_cmp(b));
    out
}

fn timer_overhead() -> f64 {
    let mut samples: Vec<u128> = (0..2000)
        .map(|_| {
            let start = Instant::now();
            black_box(());
            start.elapsed().as_nanos()
        })
        .collect();
    samples.sort_unstable();
    samples[samples.len() / 2] as f64
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Mean nanoseconds per call over a batch (no per-call timer).
fn batch_mean<T>(items: &[T], rounds: usize, mut f: impl FnMut(&T)) -> f64 {
    let start = Instant::now();
    for _ in 0..rounds {
        for item in items {
            f(item);
        }
    }
    start.elapsed().as_nanos() as f64 / (rounds * items.len()) as f64
}

/// This thread's on-CPU nanoseconds (the machine is shared: wall time includes waiting
/// for a core). Linux `/proc/thread-self/schedstat`; 0 elsewhere.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// Wall and on-CPU milliseconds of `f`.
fn timed<R>(f: impl FnOnce() -> R) -> (R, f64, f64) {
    let (cpu, start) = (cpu_ns(), Instant::now());
    let out = f();
    let wall = ms(start.elapsed());
    (out, wall, (cpu_ns() - cpu) as f64 / 1e6)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

struct Row {
    rules: usize,
    pods: usize,
    classifiers: usize,
    tabled: usize,
    max_rules_per_port: usize,
    compile_ms: f64,
    compile_cpu_ms: f64,
    engine_p50: f64,
    engine_p99: f64,
    engine_mean: f64,
    reference_p50: f64,
    reference_p99: f64,
    reference_flows: usize,
    pod_update_ms: f64,
    pod_update_cpu_ms: f64,
    policy_update_ms: f64,
    policy_update_cpu_ms: f64,
    classifier_mb: f64,
}

fn run(rules: usize) -> Row {
    let w = workload(rules);
    let (engine, mut compile, mut compile_cpu) = timed(|| Engine::compile(&w.config, &w.inventory));
    if rules <= 10_000 {
        for _ in 0..2 {
            let (e, wall, cpu) = timed(|| Engine::compile(&w.config, &w.inventory));
            drop(e);
            compile = compile.min(wall);
            compile_cpu = compile_cpu.min(cpu);
        }
    }
    let stats = engine.stats();
    let connections = flows(&w, 20_000, 1);
    // Agreement check on a sample (the tests prove it; this guards the benchmark itself).
    let reference = Reference::new(&w.config, &w.inventory);
    let reference_flows = match rules {
        r if r >= 100_000 => 20,
        r if r >= 10_000 => 200,
        _ => 2000,
    };
    let sample = &connections[..reference_flows];
    for c in sample.iter().take(50) {
        assert_eq!(
            engine.evaluate(c),
            reference.evaluate(c),
            "engine disagrees: {c:?}"
        );
    }
    let engine_lat = latencies(&connections, |c| {
        black_box(engine.evaluate(black_box(c)));
    });
    let engine_mean = batch_mean(&connections, 5, |c| {
        black_box(engine.evaluate(black_box(c)));
    });
    let reference_lat = latencies(sample, |c| {
        black_box(reference.evaluate(black_box(c)));
    });

    // Incremental: one pod relabelled (moves between selector groups), then one policy
    // gains a rule. Each trial updates a fresh clone (as a data plane would, swapping it
    // in afterwards); the medians of UPDATE_TRIALS trials are reported, since the machine
    // is shared.
    let mut inventory = w.inventory.clone();
    let pod = inventory.members.len() / 2;
    if let Some(tag) = inventory.members[pod]
        .tags
        .iter_mut()
        .find(|t| t.scope == "app")
    {
        tag.tag = "app-relabelled".into();
    }
    let mut config = w.config.clone();
    let p = config
        .policies
        .iter()
        .position(|p| p.id.ends_with("-np0"))
        .unwrap_or(0);
    let mut extra = Rule::new("ingress-added");
    extra.sequence_number = 50;
    extra.source_groups = vec![group_path("default", "ns0-app3")];
    extra.direction = Direction::In;
    config.policies[p].rules.push(extra);
    config.normalize();
    let path = config.policies[p].meta.path.clone();
    let mut pod_trials = Vec::new();
    let mut policy_trials = Vec::new();
    let mut updated = engine.clone();
    for _ in 0..UPDATE_TRIALS {
        updated = engine.clone();
        let ((), wall, cpu) = timed(|| updated.update_members(&inventory, &[pod]));
        pod_trials.push((wall, cpu));
        let ((), wall, cpu) = timed(|| updated.update_policy(&config, &inventory, &path));
        policy_trials.push((wall, cpu));
    }
    let median = |trials: &mut Vec<(f64, f64)>| {
        trials.sort_by(|a, b| a.0.total_cmp(&b.0));
        trials[trials.len() / 2]
    };
    let (pod_update, pod_update_cpu) = median(&mut pod_trials);
    let (policy_update, policy_update_cpu) = median(&mut policy_trials);
    if rules <= 10_000 {
        let fresh = Engine::compile(&config, &inventory);
        for c in &connections[..2000] {
            assert_eq!(
                updated.evaluate(c),
                fresh.evaluate(c),
                "incremental differs"
            );
        }
    }
    Row {
        rules: stats.rules,
        pods: w.inventory.members.len(),
        classifiers: stats.classifiers,
        tabled: stats.classifiers - stats.bitset_classifiers,
        max_rules_per_port: stats.max_rules_per_port,
        compile_ms: compile,
        compile_cpu_ms: compile_cpu,
        engine_p50: percentile(&engine_lat, 0.5),
        engine_p99: percentile(&engine_lat, 0.99),
        engine_mean,
        reference_p50: percentile(&reference_lat, 0.5),
        reference_p99: percentile(&reference_lat, 0.99),
        reference_flows,
        pod_update_ms: pod_update,
        pod_update_cpu_ms: pod_update_cpu,
        policy_update_ms: policy_update,
        policy_update_cpu_ms: policy_update_cpu,
        classifier_mb: stats.classifier_bytes as f64 / 1e6,
    }
}

fn conntrack_bench() {
    let w = workload(1000);
    let engine = Engine::compile(&w.config, &w.inventory);
    let mut stats = Stats::new();
    stats.sync(&engine);
    let mut table = ConnTrack::new(0x5eed);
    let connections = flows(&w, 100_000, 2);
    // Flows between addresses no port enforces rules for: all allowed and tracked, so the
    // table holds 100,000 connections.
    let packets: Vec<(Connection, Packet)> = connections
        .iter()
        .map(|c| {
            (
                Connection {
                    source: None,
                    destination: None,
                    ..*c
                },
                Packet {
                    flow: c.flow,
                    tcp_flags: tcp_flags::SYN,
                    icmp_id: 0,
                    bytes: 64,
                },
            )
        })
        .collect();
    for (c, p) in &packets {
        table.process(&engine, &stats, c, p, 0);
    }
    let tracked = table.len();
    let established: Vec<(Connection, Packet)> = packets
        .iter()
        .filter(|(_, p)| table.contains(p, 1))
        .map(|(c, p)| {
            (
                *c,
                Packet {
                    tcp_flags: tcp_flags::ACK,
                    ..*p
                },
            )
        })
        .collect();
    let lat = latencies(&established, |(c, p)| {
        black_box(table.process(&engine, &stats, c, p, 1));
    });
    let mean = batch_mean(&established, 5, |(c, p)| {
        black_box(table.process(&engine, &stats, c, p, 1));
    });
    println!();
    println!(
        "| Established lookup ({tracked} tracked) | p50 | p99 | mean (batch) | bytes/connection (entry {ENTRY_BYTES} B + table) |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| state-table hit incl. stats | {} | {} | {} | {} |",
        fmt_ns(percentile(&lat, 0.5)),
        fmt_ns(percentile(&lat, 0.99)),
        fmt_ns(mean),
        table.heap_bytes() / table.len().max(1)
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    if std::env::args().any(|a| a == "--profile-compile") {
        // For `perf record`: compile and update the 10,000-rule workload repeatedly.
        let w = workload(10_000);
        let mut engine = Engine::compile(&w.config, &w.inventory);
        let mut inventory = w.inventory.clone();
        let mut config = w.config.clone();
        for i in 0..200 {
            let pod = (i * 7919) % inventory.members.len();
            if let Some(tag) = inventory.members[pod]
                .tags
                .iter_mut()
                .find(|t| t.scope == "app")
            {
                tag.tag = format!("app{}", i % APPS);
            }
            engine.update_members(&inventory, &[pod]);
            let p = (i * 31) % config.policies.len();
            config.policies[p].sequence_number += 1;
            let path = config.policies[p].meta.path.clone();
            engine.update_policy(&config, &inventory, &path);
        }
        black_box(engine);
        return;
    }
    if std::env::args().any(|a| a == "--profile-evaluate") {
        // For `perf record`: verdicts on the 100,000-rule workload, over and over.
        let w = workload(100_000);
        let engine = Engine::compile(&w.config, &w.inventory);
        let connections = flows(&w, 20_000, 1);
        for _ in 0..200 {
            for c in &connections {
                black_box(engine.evaluate(black_box(c)));
            }
        }
        return;
    }
    let mut sizes = vec![100, 1_000, 10_000];
    if !quick {
        sizes.push(100_000);
    }
    let rows: Vec<Row> = sizes.into_iter().map(run).collect();
    println!();
    println!(
        "| Rules | Pods | Classifiers (tabled) | Max rules/port | Compile wall (CPU) | Engine p50 | Engine p99 | Engine mean | Reference p50 (flows) | Reference p99 | p50 ratio | Pod update | Policy update | Classifier MB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} ({}) | {} | {:.1} ms ({:.1}) | {} | {} | {} | {} ({}) | {} | {:.0}x | {:.3} ms ({:.3}) | {:.3} ms ({:.3}) | {:.1} |",
            r.rules,
            r.pods,
            r.classifiers,
            r.tabled,
            r.max_rules_per_port,
            r.compile_ms,
            r.compile_cpu_ms,
            fmt_ns(r.engine_p50),
            fmt_ns(r.engine_p99),
            fmt_ns(r.engine_mean),
            fmt_ns(r.reference_p50),
            r.reference_flows,
            fmt_ns(r.reference_p99),
            r.reference_p50 / r.engine_p50.max(1.0),
            r.pod_update_ms,
            r.pod_update_cpu_ms,
            r.policy_update_ms,
            r.policy_update_cpu_ms,
            r.classifier_mb,
        );
    }
    conntrack_bench();
}
