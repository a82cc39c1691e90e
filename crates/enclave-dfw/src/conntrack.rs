//! Stateful connection tracking as the NSX DFW does it: every packet is checked against the
//! state table first, and a hit passes without a rule lookup, in both directions. Only on a
//! miss are the rules consulted; TCP state is created on the SYN of an allowed flow, UDP
//! state from the 5-tuple, ICMP state from type, code and identifier. Entries expire per
//! protocol and state (time is a parameter: milliseconds, no clock), TCP resets remove them,
//! and [`ConnTrack::revalidate`] removes the flows a new rule set would drop. Policies with
//! `stateful: false` create no state.
//!
//! One entry per connection, keyed by the 5-tuple with the endpoints in canonical order (the
//! lower address and port first), so the reply direction finds the same entry in one probe.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use crate::engine::Engine;
use crate::flow::{Connection, Decision, Flow, MemberId, Verdict};
use crate::hash::FastState;
use crate::literal::protocol;
use crate::stats::Stats;

// Session timers: the NSX default firewall session timer profile (seconds), kept in
// milliseconds.
/// TCP after the first SYN, before the handshake completes ("TCP opening").
pub const TCP_OPENING_MS: u64 = 30_000;
/// An established TCP connection: 12 hours ("TCP established", 43,200 s).
pub const TCP_ESTABLISHED_MS: u64 = 43_200_000;
/// TCP after the first FIN ("TCP fin wait").
pub const TCP_FIN_WAIT_MS: u64 = 45_000;
/// TCP after FINs in both directions: long enough for the last ACK ("TCP closed").
pub const TCP_CLOSED_MS: u64 = 20_000;
/// UDP, refreshed by every packet ("UDP first packet / single / multiple").
pub const UDP_MS: u64 = 60_000;
/// ICMP ("ICMP first packet").
pub const ICMP_MS: u64 = 20_000;
/// Any other IP protocol, tracked like UDP.
pub const OTHER_MS: u64 = 60_000;

/// TCP flag bits.
pub mod tcp_flags {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// ACK.
    pub const ACK: u8 = 0x10;
}

/// One packet as the firewall sees it. For ICMP, `flow.src_port` is the type and
/// `flow.dst_port` the code; `icmp_id` is the query identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    /// The 5-tuple.
    pub flow: Flow,
    /// TCP flags (0 for other protocols).
    pub tcp_flags: u8,
    /// ICMP query identifier (0 for other protocols).
    pub icmp_id: u16,
    /// Bytes on the wire, for statistics.
    pub bytes: u32,
}

/// What happened to a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketVerdict {
    /// The state table knew the connection: passed without a rule lookup.
    Tracked {
        /// Whether the packet went in the reply direction.
        reply: bool,
    },
    /// No state: the rules decided. `tracked` says whether state was created.
    New {
        /// The rules' verdict.
        verdict: Verdict,
        /// Whether the connection is now in the state table.
        tracked: bool,
    },
}

impl PacketVerdict {
    /// Whether the packet passes.
    pub fn passes(&self) -> bool {
        match self {
            PacketVerdict::Tracked { .. } => true,
            PacketVerdict::New { verdict, .. } => verdict.decision == Decision::Allow,
        }
    }
}

/// The compact, canonical 5-tuple: `(low address << 32 | high address)` and
/// `(low-side port << 32 | high-side port << 16 | protocol)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key(u64, u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum State {
    TcpOpening,
    TcpEstablished,
    TcpFinWait,
    TcpClosed,
    Datagram,
}

const NO_MEMBER: u32 = u32::MAX;
const NO_RULE: u32 = u32::MAX;

/// Flags of an entry.
const ORIGINATOR_IS_LOW: u8 = 1;
const FIN_FROM_ORIGINATOR: u8 = 2;
const FIN_FROM_RESPONDER: u8 = 4;

#[derive(Debug, Clone, Copy)]
struct Entry {
    expires_at: u64,
    egress_rule: u32,
    ingress_rule: u32,
    source: u32,
    destination: u32,
    state: State,
    flags: u8,
}

/// The state table of one firewall (all ports of a host share it: entries remember the
/// connection's members).
#[derive(Debug, Clone)]
pub struct ConnTrack {
    table: HashMap<Key, Entry, FastState>,
}

/// Bytes per tracked connection: the entry itself plus the hash table's control byte.
pub const ENTRY_BYTES: usize = std::mem::size_of::<(Key, Entry)>() + 1;

impl ConnTrack {
    /// An empty table; `seed` keys the hash (pick one per process, e.g. from the boot id).
    pub fn new(seed: u64) -> Self {
        ConnTrack {
            table: HashMap::with_hasher(FastState(seed)),
        }
    }

    /// Tracked connections.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether nothing is tracked.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Heap bytes of the table (buckets, including empty ones).
    pub fn heap_bytes(&self) -> usize {
        self.table.capacity() * ENTRY_BYTES
    }

    /// Reserves room for `additional` more connections.
    pub fn reserve(&mut self, additional: usize) {
        self.table.reserve(additional);
    }

    /// Processes one packet of `connection` (its flow must be `packet.flow`) at `now`
    /// milliseconds: the state table first, then the rules. Statistics are recorded in
    /// `stats` (synced with `engine`).
    pub fn process(
        &mut self,
        engine: &Engine,
        stats: &Stats,
        connection: &Connection,
        packet: &Packet,
        now: u64,
    ) -> PacketVerdict {
        let (key, sender_is_low) = key_of(packet);
        if let Some(reply) = self.track(stats, key, sender_is_low, packet, now) {
            return PacketVerdict::Tracked { reply };
        }
        let verdict = engine.evaluate(connection);
        let bytes = u64::from(packet.bytes);
        let rules = [verdict.egress, verdict.ingress].map(|s| s.and_then(|s| s.rule));
        for rule in rules.into_iter().flatten() {
            stats.record_new(rule, bytes);
        }
        let creates = verdict.decision == Decision::Allow
            && match packet.flow.protocol {
                // Only a SYN opens TCP state; mid-stream packets are judged one by one.
                protocol::TCP => {
                    packet.tcp_flags & (tcp_flags::SYN | tcp_flags::ACK | tcp_flags::RST)
                        == tcp_flags::SYN
                }
                _ => true,
            }
            && rules
                .iter()
                .flatten()
                .all(|&rule| engine.rule_is_stateful(rule));
        if creates {
            let (state, lifetime) = match packet.flow.protocol {
                protocol::TCP => (State::TcpOpening, TCP_OPENING_MS),
                protocol::UDP => (State::Datagram, UDP_MS),
                protocol::ICMP => (State::Datagram, ICMP_MS),
                _ => (State::Datagram, OTHER_MS),
            };
            let member = |m: Option<MemberId>| m.map_or(NO_MEMBER, |m| m as u32);
            let rule = |r: Option<usize>| r.map_or(NO_RULE, |r| r as u32);
            let entry = Entry {
                expires_at: now.saturating_add(lifetime),
                egress_rule: rule(rules[0]),
                ingress_rule: rule(rules[1]),
                source: member(connection.source),
                destination: member(connection.destination),
                state,
                flags: if sender_is_low { ORIGINATOR_IS_LOW } else { 0 },
            };
            if let Some(old) = self.table.insert(key, entry) {
                close(stats, &old);
            }
            for rule in rules.into_iter().flatten() {
                stats.record_session_open(rule);
            }
        }
        PacketVerdict::New {
            verdict,
            tracked: creates,
        }
    }

    /// The state-table step: `Some(reply)` if the packet belongs to a live entry.
    #[inline]
    fn track(
        &mut self,
        stats: &Stats,
        key: Key,
        sender_is_low: bool,
        packet: &Packet,
        now: u64,
    ) -> Option<bool> {
        let entry = self.table.get_mut(&key)?;
        if entry.expires_at <= now {
            let old = *entry;
            self.table.remove(&key);
            close(stats, &old);
            return None;
        }
        let reply = sender_is_low != (entry.flags & ORIGINATOR_IS_LOW != 0);
        let bytes = u64::from(packet.bytes);
        for rule in [entry.egress_rule, entry.ingress_rule] {
            if rule != NO_RULE {
                stats.record_packet(rule as usize, bytes);
            }
        }
        match entry.state {
            State::Datagram => {
                let lifetime = if packet.flow.protocol == protocol::ICMP {
                    ICMP_MS
                } else {
                    UDP_MS
                };
                entry.expires_at = now.saturating_add(lifetime);
            }
            _ => {
                let flags = packet.tcp_flags;
                if flags & tcp_flags::RST != 0 {
                    let old = *entry;
                    self.table.remove(&key);
                    close(stats, &old);
                    return Some(reply);
                }
                if flags & tcp_flags::FIN != 0 {
                    entry.flags |= if reply {
                        FIN_FROM_RESPONDER
                    } else {
                        FIN_FROM_ORIGINATOR
                    };
                    let both = FIN_FROM_ORIGINATOR | FIN_FROM_RESPONDER;
                    let (state, lifetime) = if entry.flags & both == both {
                        (State::TcpClosed, TCP_CLOSED_MS)
                    } else {
                        (State::TcpFinWait, TCP_FIN_WAIT_MS)
                    };
                    entry.state = state;
                    entry.expires_at = now.saturating_add(lifetime);
                } else if entry.state == State::TcpOpening
                    && reply
                    && flags & (tcp_flags::SYN | tcp_flags::ACK) != 0
                {
                    // The responder answered the handshake.
                    entry.state = State::TcpEstablished;
                    entry.expires_at = now.saturating_add(TCP_ESTABLISHED_MS);
                } else if entry.state == State::TcpEstablished {
                    entry.expires_at = now.saturating_add(TCP_ESTABLISHED_MS);
                }
            }
        }
        Some(reply)
    }

    /// Whether the connection of `packet` (either direction) is tracked and live at `now`.
    pub fn contains(&self, packet: &Packet, now: u64) -> bool {
        let (key, _) = key_of(packet);
        self.table.get(&key).is_some_and(|e| e.expires_at > now)
    }

    /// Removes entries expired at `now`; returns how many.
    pub fn expire(&mut self, stats: &Stats, now: u64) -> usize {
        let before = self.table.len();
        self.table.retain(|_, entry| {
            let live = entry.expires_at > now;
            if !live {
                close(stats, entry);
            }
            live
        });
        before - self.table.len()
    }

    /// Re-checks every tracked connection against a new rule set (after a policy or
    /// inventory change): connections the rules would no longer allow, or whose rules are
    /// now stateless, are removed; the others keep their state and are attributed to their
    /// current rules. Sessions are closed on the rule indices the entries held, so call
    /// this before [`Stats::sync`] with the new engine. Returns how many were removed.
    pub fn revalidate(&mut self, engine: &Engine, stats: &Stats) -> usize {
        let before = self.table.len();
        self.table.retain(|key, entry| {
            let connection = originator_connection(key, entry);
            let verdict = engine.evaluate(&connection);
            let rules = [verdict.egress, verdict.ingress].map(|s| s.and_then(|s| s.rule));
            let keep = verdict.decision == Decision::Allow
                && rules
                    .iter()
                    .flatten()
                    .all(|&rule| engine.rule_is_stateful(rule));
            if keep {
                let rule = |r: Option<usize>| r.map_or(NO_RULE, |r| r as u32);
                entry.egress_rule = rule(rules[0]);
                entry.ingress_rule = rule(rules[1]);
            } else {
                close(stats, entry);
            }
            keep
        });
        before - self.table.len()
    }
}

fn close(stats: &Stats, entry: &Entry) {
    for rule in [entry.egress_rule, entry.ingress_rule] {
        if rule != NO_RULE {
            stats.record_session_close(rule as usize);
        }
    }
}

/// The ICMP query type a reply belongs to (echo, timestamp, information, address mask).
fn icmp_query_type(icmp_type: u16) -> u16 {
    match icmp_type {
        0 => 8,
        14 => 13,
        16 => 15,
        18 => 17,
        other => other,
    }
}

/// The canonical key of a packet and whether its sender is the canonical low endpoint.
#[inline]
fn key_of(packet: &Packet) -> (Key, bool) {
    let flow = &packet.flow;
    let (src, dst) = (u32::from(flow.src_ip), u32::from(flow.dst_ip));
    if flow.protocol == protocol::ICMP {
        // Both directions share identifier, query type and code; the addresses order them.
        let sender_is_low = src <= dst;
        let (low, high) = if sender_is_low {
            (src, dst)
        } else {
            (dst, src)
        };
        let ports = (u64::from(packet.icmp_id) << 32)
            | (u64::from(icmp_query_type(flow.src_port)) << 24)
            | (u64::from(flow.dst_port & 0xff) << 16);
        return (
            Key(
                (u64::from(low) << 32) | u64::from(high),
                ports | u64::from(flow.protocol),
            ),
            sender_is_low,
        );
    }
    let sender_is_low = (src, flow.src_port) <= (dst, flow.dst_port);
    let ((low, low_port), (high, high_port)) = if sender_is_low {
        ((src, flow.src_port), (dst, flow.dst_port))
    } else {
        ((dst, flow.dst_port), (src, flow.src_port))
    };
    (
        Key(
            (u64::from(low) << 32) | u64::from(high),
            (u64::from(low_port) << 32) | (u64::from(high_port) << 16) | u64::from(flow.protocol),
        ),
        sender_is_low,
    )
}

/// The connection's first packet as the originator sent it, for re-evaluation.
fn originator_connection(key: &Key, entry: &Entry) -> Connection {
    let low = Ipv4Addr::from((key.0 >> 32) as u32);
    let high = Ipv4Addr::from(key.0 as u32);
    let protocol = (key.1 & 0xff) as u8;
    let (low_port, high_port) = ((key.1 >> 32) as u16, (key.1 >> 16) as u16);
    let originator_is_low = entry.flags & ORIGINATOR_IS_LOW != 0;
    let flow = if protocol == protocol::ICMP {
        let (src, dst) = if originator_is_low {
            (low, high)
        } else {
            (high, low)
        };
        Flow {
            src_ip: src,
            dst_ip: dst,
            protocol,
            src_port: (key.1 >> 24) as u16 & 0xff,
            dst_port: (key.1 >> 16) as u16 & 0xff,
        }
    } else if originator_is_low {
        Flow {
            src_ip: low,
            dst_ip: high,
            protocol,
            src_port: low_port,
            dst_port: high_port,
        }
    } else {
        Flow {
            src_ip: high,
            dst_ip: low,
            protocol,
            src_port: high_port,
            dst_port: low_port,
        }
    };
    let member = |m: u32| (m != NO_MEMBER).then_some(m as MemberId);
    Connection {
        flow,
        source: member(entry.source),
        destination: member(entry.destination),
    }
}
