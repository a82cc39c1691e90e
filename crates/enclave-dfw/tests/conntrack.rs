//! Connection tracking and rule statistics: replies pass on state, state is created only on
//! an allowed SYN (or the first UDP/ICMP packet), entries expire per protocol, RST and FIN
//! end them, a new DROP rule revokes them, stateless policies create none, and the rule
//! counters follow.

use std::net::Ipv4Addr;

use enclave_dfw::conntrack::{
    ENTRY_BYTES, ICMP_MS, TCP_CLOSED_MS, TCP_ESTABLISHED_MS, TCP_OPENING_MS, UDP_MS, tcp_flags,
};
use enclave_dfw::defaults::factory_config;
use enclave_dfw::literal::protocol;
use enclave_dfw::model::{group_path, service_path};
use enclave_dfw::*;

const SEGMENT: &str = "/infra/segments/seg-ns-shop";

fn inventory() -> Inventory {
    let member = |name: &str, ip: [u8; 4], app: &str| Member {
        path: format!("{SEGMENT}/ports/{name}"),
        name: name.into(),
        segment: SEGMENT.into(),
        ip: Ipv4Addr::from(ip),
        mac: format!("04:50:56:00:00:{:02x}", ip[3]),
        tags: vec![Tag::new("app", app)],
    };
    Inventory {
        segments: vec![InventorySegment {
            path: SEGMENT.into(),
            tags: vec![Tag::new("ncp/project", "shop")],
        }],
        members: vec![
            member("client", [10, 244, 0, 10], "client"),
            member("shop", [10, 244, 0, 20], "shop"),
        ],
    }
}

/// Only HTTP and DNS reach the shop; nothing else reaches any member.
fn config(stateful: bool) -> FirewallConfig {
    let mut config = factory_config();
    let mut shop = Group::new(
        "shop",
        vec![Expression::Condition(Condition {
            key: "Tag".into(),
            member_type: "SegmentPort".into(),
            operator: "EQUALS".into(),
            value: "app|shop".into(),
            scope_operator: None,
        })],
    );
    shop.meta.path = group_path("default", "shop");
    config.groups.push(shop);
    let mut policy = SecurityPolicy::new("shop-ingress", Category::Application);
    policy.stateful = stateful;
    let mut http = Rule::new("allow-http");
    http.destination_groups = vec![group_path("default", "shop")];
    http.services = vec![service_path("HTTP"), service_path("DNS-UDP")];
    http.direction = Direction::In;
    let mut ping = Rule::new("allow-ping");
    ping.sequence_number = 1;
    ping.services = vec![service_path("ICMP Echo Request")];
    ping.direction = Direction::In;
    let mut deny = Rule::new("deny-all-ingress");
    deny.sequence_number = 2;
    deny.action = Action::Drop;
    deny.direction = Direction::In;
    deny.scope = vec![SEGMENT.into()];
    policy.rules = vec![http, ping, deny];
    config.policies.push(policy);
    config.normalize();
    RuleIds::default().assign(&mut config);
    config
}

fn packet(from: Ipv4Addr, to: Ipv4Addr, proto: u8, sport: u16, dport: u16, flags: u8) -> Packet {
    Packet {
        flow: Flow {
            src_ip: from,
            dst_ip: to,
            protocol: proto,
            src_port: sport,
            dst_port: dport,
        },
        tcp_flags: flags,
        icmp_id: 0,
        bytes: 100,
    }
}

struct World {
    config: FirewallConfig,
    inventory: Inventory,
    engine: Engine,
    stats: Stats,
    table: ConnTrack,
}

impl World {
    fn new(stateful: bool) -> Self {
        let config = config(stateful);
        let inventory = inventory();
        let engine = Engine::compile(&config, &inventory);
        let mut stats = Stats::new();
        stats.sync(&engine);
        World {
            config,
            inventory,
            engine,
            stats,
            table: ConnTrack::new(7),
        }
    }

    fn ip(&self, m: usize) -> Ipv4Addr {
        self.inventory.members[m].ip
    }

    /// A packet from member `from` to member `to`.
    fn send(
        &mut self,
        from: usize,
        to: usize,
        proto: u8,
        ports: (u16, u16),
        flags: u8,
        now: u64,
    ) -> PacketVerdict {
        let p = packet(self.ip(from), self.ip(to), proto, ports.0, ports.1, flags);
        self.send_packet(from, to, &p, now)
    }

    fn send_packet(&mut self, from: usize, to: usize, p: &Packet, now: u64) -> PacketVerdict {
        let connection = Connection {
            flow: p.flow,
            source: Some(from),
            destination: Some(to),
        };
        self.table
            .process(&self.engine, &self.stats, &connection, p, now)
    }

    fn rule_stats(&self, id: &str) -> RuleStatistics {
        let path = format!("/infra/domains/default/security-policies/shop-ingress/rules/{id}");
        self.stats.get(&path).unwrap_or_default()
    }
}

const CLIENT: usize = 0;
const SHOP: usize = 1;
const HTTP: (u16, u16) = (40000, 80);
const HTTP_REPLY: (u16, u16) = (80, 40000);

#[test]
fn replies_pass_on_state_without_a_rule_lookup() {
    let mut w = World::new(true);
    // Without state, the reply to the client is dropped by deny-all-ingress.
    let reply = w.send(SHOP, CLIENT, protocol::TCP, HTTP_REPLY, tcp_flags::ACK, 0);
    assert!(!reply.passes());
    assert!(w.table.is_empty(), "a dropped packet creates no state");

    let syn = w.send(CLIENT, SHOP, protocol::TCP, HTTP, tcp_flags::SYN, 1);
    assert!(
        matches!(syn, PacketVerdict::New { tracked: true, .. }),
        "{syn:?}"
    );
    let synack = w.send(
        SHOP,
        CLIENT,
        protocol::TCP,
        HTTP_REPLY,
        tcp_flags::SYN | tcp_flags::ACK,
        2,
    );
    assert_eq!(synack, PacketVerdict::Tracked { reply: true });
    let ack = w.send(CLIENT, SHOP, protocol::TCP, HTTP, tcp_flags::ACK, 3);
    assert_eq!(ack, PacketVerdict::Tracked { reply: false });
    assert_eq!(w.table.len(), 1);

    let stats = w.rule_stats("allow-http");
    assert_eq!(stats.hit_count, 1);
    assert_eq!(stats.packet_count, 3);
    assert_eq!(stats.byte_count, 300);
    assert_eq!(
        (
            stats.session_count,
            stats.total_session_count,
            stats.max_session_count
        ),
        (1, 1, 1)
    );
    assert_eq!(w.rule_stats("deny-all-ingress").hit_count, 1);
}

#[test]
fn tcp_state_needs_a_syn_and_follows_the_handshake_timers() {
    let mut w = World::new(true);
    // A mid-stream packet is judged by the rules but opens no state.
    let mid = w.send(CLIENT, SHOP, protocol::TCP, HTTP, tcp_flags::ACK, 0);
    assert!(matches!(mid, PacketVerdict::New { tracked: false, .. }) && mid.passes());
    assert!(w.table.is_empty());

    w.send(CLIENT, SHOP, protocol::TCP, HTTP, tcp_flags::SYN, 0);
    let syn = packet(
        w.ip(CLIENT),
        w.ip(SHOP),
        protocol::TCP,
        40000,
        80,
        tcp_flags::SYN,
    );
    // An unanswered handshake lasts TCP_OPENING_MS.
    assert!(w.table.contains(&syn, TCP_OPENING_MS - 1));
    assert!(!w.table.contains(&syn, TCP_OPENING_MS));
    // Answered, it lasts 12 hours from the last packet.
    w.send(
        SHOP,
        CLIENT,
        protocol::TCP,
        HTTP_REPLY,
        tcp_flags::SYN | tcp_flags::ACK,
        1000,
    );
    assert!(w.table.contains(&syn, 1000 + TCP_ESTABLISHED_MS - 1));
    assert!(!w.table.contains(&syn, 1000 + TCP_ESTABLISHED_MS));
    let late = w.send(
        CLIENT,
        SHOP,
        protocol::TCP,
        HTTP,
        tcp_flags::ACK,
        1000 + TCP_ESTABLISHED_MS + 1,
    );
    assert!(matches!(late, PacketVerdict::New { tracked: false, .. }));
    assert!(w.table.is_empty(), "the expired entry is gone");
    assert_eq!(w.rule_stats("allow-http").session_count, 0);
}

#[test]
fn rst_removes_and_fins_close() {
    let mut w = World::new(true);
    w.send(CLIENT, SHOP, protocol::TCP, HTTP, tcp_flags::SYN, 0);
    w.send(
        SHOP,
        CLIENT,
        protocol::TCP,
        HTTP_REPLY,
        tcp_flags::SYN | tcp_flags::ACK,
        1,
    );
    let rst = w.send(SHOP, CLIENT, protocol::TCP, HTTP_REPLY, tcp_flags::RST, 2);
    assert_eq!(rst, PacketVerdict::Tracked { reply: true });
    assert!(w.table.is_empty());
    assert!(
        !w.send(SHOP, CLIENT, protocol::TCP, HTTP_REPLY, tcp_flags::ACK, 3)
            .passes()
    );

    w.send(CLIENT, SHOP, protocol::TCP, HTTP, tcp_flags::SYN, 10);
    w.send(
        SHOP,
        CLIENT,
        protocol::TCP,
        HTTP_REPLY,
        tcp_flags::SYN | tcp_flags::ACK,
        11,
    );
    w.send(
        CLIENT,
        SHOP,
        protocol::TCP,
        HTTP,
        tcp_flags::FIN | tcp_flags::ACK,
        12,
    );
    w.send(
        SHOP,
        CLIENT,
        protocol::TCP,
        HTTP_REPLY,
        tcp_flags::FIN | tcp_flags::ACK,
        13,
    );
    // The last ACK still passes on state; then the entry ends.
    assert_eq!(
        w.send(CLIENT, SHOP, protocol::TCP, HTTP, tcp_flags::ACK, 14),
        PacketVerdict::Tracked { reply: false }
    );
    assert_eq!(w.table.expire(&w.stats, 13 + TCP_CLOSED_MS), 1);
    assert!(w.table.is_empty());
    let stats = w.rule_stats("allow-http");
    assert_eq!((stats.session_count, stats.total_session_count), (0, 2));
}

#[test]
fn udp_and_icmp_expire_per_protocol() {
    let mut w = World::new(true);
    let dns = (5353, 53);
    assert!(matches!(
        w.send(CLIENT, SHOP, protocol::UDP, dns, 0, 0),
        PacketVerdict::New { tracked: true, .. }
    ));
    assert_eq!(
        w.send(SHOP, CLIENT, protocol::UDP, (53, 5353), 0, UDP_MS - 1),
        PacketVerdict::Tracked { reply: true }
    );
    // Refreshed by that reply.
    assert!(matches!(
        w.send(SHOP, CLIENT, protocol::UDP, (53, 5353), 0, 2 * UDP_MS - 2),
        PacketVerdict::Tracked { .. }
    ));
    assert!(
        !w.send(SHOP, CLIENT, protocol::UDP, (53, 5353), 0, 3 * UDP_MS)
            .passes()
    );

    // ICMP echo: request type 8 opens, reply type 0 with the same id passes.
    let mut request = packet(w.ip(CLIENT), w.ip(SHOP), protocol::ICMP, 8, 0, 0);
    request.icmp_id = 77;
    let mut echo_reply = packet(w.ip(SHOP), w.ip(CLIENT), protocol::ICMP, 0, 0, 0);
    echo_reply.icmp_id = 77;
    assert!(matches!(
        w.send_packet(CLIENT, SHOP, &request, 0),
        PacketVerdict::New { tracked: true, .. }
    ));
    assert_eq!(
        w.send_packet(SHOP, CLIENT, &echo_reply, 5),
        PacketVerdict::Tracked { reply: true }
    );
    let mut other_id = echo_reply;
    other_id.icmp_id = 78;
    assert!(!w.send_packet(SHOP, CLIENT, &other_id, 6).passes());
    assert!(
        !w.send_packet(SHOP, CLIENT, &echo_reply, 5 + ICMP_MS)
            .passes()
    );
}

#[test]
fn a_new_drop_rule_revokes_tracked_connections() {
    let mut w = World::new(true);
    w.send(CLIENT, SHOP, protocol::TCP, HTTP, tcp_flags::SYN, 0);
    w.send(CLIENT, SHOP, protocol::UDP, (5353, 53), 0, 0);
    assert_eq!(w.table.len(), 2);
    // The security team blocks HTTP to the shop in Emergency.
    let mut block = SecurityPolicy::new("block-http", Category::Emergency);
    let mut rule = Rule::new("drop-http");
    rule.action = Action::Drop;
    rule.services = vec![service_path("HTTP")];
    block.rules = vec![rule];
    w.config.policies.push(block);
    w.config.normalize();
    let path = w
        .config
        .policies
        .last()
        .map(|p| p.meta.path.clone())
        .unwrap_or_default();
    w.engine.update_policy(&w.config, &w.inventory, &path);
    assert_eq!(
        w.table.revalidate(&w.engine, &w.stats),
        1,
        "only the HTTP flow is revoked"
    );
    w.stats.sync(&w.engine);
    assert_eq!(w.table.len(), 1);
    let reply = w.send(
        SHOP,
        CLIENT,
        protocol::TCP,
        HTTP_REPLY,
        tcp_flags::SYN | tcp_flags::ACK,
        1,
    );
    assert!(
        !reply.passes(),
        "the reply of a revoked flow is judged by the rules again"
    );
    assert!(matches!(
        w.send(SHOP, CLIENT, protocol::UDP, (53, 5353), 0, 2),
        PacketVerdict::Tracked { .. }
    ));
    assert_eq!(
        w.rule_stats("allow-http").session_count,
        1,
        "the UDP session remains"
    );
    let drop_path = format!("{path}/rules/drop-http");
    assert_eq!(w.stats.get(&drop_path).map(|s| s.hit_count), Some(0));
    w.send(CLIENT, SHOP, protocol::TCP, HTTP, tcp_flags::SYN, 3);
    assert_eq!(w.stats.get(&drop_path).map(|s| s.hit_count), Some(1));
}

#[test]
fn stateless_policies_create_no_state() {
    let mut w = World::new(false);
    let syn = w.send(CLIENT, SHOP, protocol::TCP, HTTP, tcp_flags::SYN, 0);
    assert!(matches!(syn, PacketVerdict::New { tracked: false, .. }) && syn.passes());
    assert!(w.table.is_empty());
    // Without state the reply meets deny-all-ingress.
    assert!(
        !w.send(
            SHOP,
            CLIENT,
            protocol::TCP,
            HTTP_REPLY,
            tcp_flags::SYN | tcp_flags::ACK,
            1
        )
        .passes()
    );
    assert_eq!(w.rule_stats("allow-http").total_session_count, 0);
}

#[test]
fn statistics_survive_a_recompile_by_rule_path() {
    let mut w = World::new(true);
    w.send(CLIENT, SHOP, protocol::TCP, HTTP, tcp_flags::SYN, 0);
    // A policy before ours shifts every table index.
    let mut first = SecurityPolicy::new("aaa-first", Category::Emergency);
    first.rules = vec![Rule::new("noop"), Rule::new("noop2")];
    first.rules[0].disabled = true;
    first.rules[1].disabled = true;
    w.config.policies.push(first);
    w.config.normalize();
    w.engine = Engine::compile(&w.config, &w.inventory);
    w.table.revalidate(&w.engine, &w.stats);
    w.stats.sync(&w.engine);
    w.stats.retain_live();
    w.send(CLIENT, SHOP, protocol::TCP, (40001, 80), tcp_flags::SYN, 1);
    let stats = w.rule_stats("allow-http");
    assert_eq!(
        (
            stats.hit_count,
            stats.session_count,
            stats.max_session_count
        ),
        (2, 2, 2)
    );
    assert!(
        w.stats
            .all()
            .iter()
            .any(|s| s.rule.ends_with("/rules/noop"))
    );
    w.stats.reset();
    assert_eq!(w.rule_stats("allow-http").hit_count, 0);
}

#[test]
fn a_tracked_connection_costs_at_most_128_bytes() {
    const { assert!(ENTRY_BYTES <= 64, "an entry must stay within 64 bytes") };
    let mut table = ConnTrack::new(1);
    let config = factory_config();
    let inventory = Inventory::default();
    let engine = Engine::compile(&config, &inventory);
    let mut stats = Stats::new();
    stats.sync(&engine);
    let n: u32 = 10_000;
    for i in 0..n {
        let p = packet(
            Ipv4Addr::from(0x0a00_0000 + i),
            Ipv4Addr::new(10, 1, 0, 1),
            protocol::UDP,
            1000,
            53,
            0,
        );
        let connection = Connection {
            flow: p.flow,
            source: None,
            destination: None,
        };
        table.process(&engine, &stats, &connection, &p, 0);
    }
    assert_eq!(table.len(), n as usize);
    assert!(
        table.heap_bytes() / table.len() <= 128,
        "{} bytes per connection",
        table.heap_bytes() / table.len()
    );
}
