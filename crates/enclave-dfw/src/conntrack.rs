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
//! The table is a flat open-addressing array (linear probing, backward-shift deletion) of
//! 32-byte slots holding the key, state, timer and rules, so a hit reads one cache line; the
//! members an entry remembers (needed only to revalidate) live in a parallel array.

use std::net::Ipv4Addr;

use crate::engine::Engine;
use crate::flow::{Connection, Decision, Flow, MemberId, Verdict};
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

impl State {
    fn from_bits(bits: u8) -> State {
        match bits {
            0 => State::TcpOpening,
            1 => State::TcpEstablished,
            2 => State::TcpFinWait,
            3 => State::TcpClosed,
            _ => State::Datagram,
        }
    }
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

/// The second key word uses the low 48 bits; the slot keeps state and flags above them.
const KEY_BITS: u64 = (1 << 48) - 1;
const STATE_SHIFT: u32 = 48;
const FLAGS_SHIFT: u32 = 56;

/// One slot of the table: the key, state and flags, the timer (0: empty; a live entry
/// always expires after its creation time plus a lifetime, so never at 0) and the rules.
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(32))]
struct Slot {
    addresses: u64,
    /// Key bits, then state and flags.
    rest: u64,
    expires_at: u64,
    /// Egress and ingress rule (table indices) or [`NO_RULE`].
    rules: [u32; 2],
}

impl Slot {
    #[inline]
    fn holds(&self, key: &Key) -> bool {
        self.addresses == key.0 && self.rest & KEY_BITS == key.1
    }

    fn key(&self) -> Key {
        Key(self.addresses, self.rest & KEY_BITS)
    }

    #[inline]
    fn state(&self) -> State {
        State::from_bits((self.rest >> STATE_SHIFT) as u8)
    }

    #[inline]
    fn flags(&self) -> u8 {
        (self.rest >> FLAGS_SHIFT) as u8
    }

    #[inline]
    fn set_state_flags(&mut self, state: State, flags: u8) {
        self.rest = (self.rest & KEY_BITS)
            | (u64::from(state as u8) << STATE_SHIFT)
            | (u64::from(flags) << FLAGS_SHIFT);
    }

    fn entry(&self, members: [u32; 2]) -> Entry {
        Entry {
            expires_at: self.expires_at,
            egress_rule: self.rules[0],
            ingress_rule: self.rules[1],
            source: members[0],
            destination: members[1],
            state: self.state(),
            flags: self.flags(),
        }
    }

    fn new(key: &Key, entry: &Entry) -> Slot {
        let mut slot = Slot {
            addresses: key.0,
            rest: key.1 & KEY_BITS,
            expires_at: entry.expires_at.max(1),
            rules: [entry.egress_rule, entry.ingress_rule],
        };
        slot.set_state_flags(entry.state, entry.flags);
        slot
    }
}

/// Smallest table (slots) once anything is tracked.
const MIN_SLOTS: usize = 16;

/// A flat open-addressing table: linear probing from a seeded multiplicative hash, grown
/// at 7/8 load, deletions shift later entries back (no tombstones).
#[derive(Debug, Clone, Default)]
struct FlatTable {
    slots: Vec<Slot>,
    /// Source and destination member of each slot's entry.
    members: Vec<[u32; 2]>,
    len: usize,
    seed: u64,
}

impl FlatTable {
    #[inline]
    fn home(&self, key: &Key) -> usize {
        const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;
        let mixed = u128::from((key.0 ^ self.seed).wrapping_mul(MULTIPLIER) ^ key.1)
            * u128::from(MULTIPLIER);
        let hash = (mixed as u64) ^ ((mixed >> 64) as u64);
        hash as usize & (self.slots.len() - 1)
    }

    #[inline]
    fn find(&self, key: &Key) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let slot = &self.slots[i];
            if slot.expires_at == 0 {
                return None;
            }
            if slot.holds(key) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// Inserts or replaces; returns the replaced entry.
    fn insert(&mut self, key: &Key, entry: &Entry) -> Option<Entry> {
        let members = [entry.source, entry.destination];
        if let Some(i) = self.find(key) {
            let old = self.slots[i].entry(self.members[i]);
            self.slots[i] = Slot::new(key, entry);
            self.members[i] = members;
            return Some(old);
        }
        self.reserve(1);
        self.put(Slot::new(key, entry), members);
        None
    }

    /// Places a slot whose key is not in the table (room is reserved).
    fn put(&mut self, slot: Slot, members: [u32; 2]) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(&slot.key());
        while self.slots[i].expires_at != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
        self.members[i] = members;
        self.len += 1;
    }

    fn reserve(&mut self, additional: usize) {
        let need = self.len.saturating_add(additional);
        let mut capacity = self.slots.len().max(MIN_SLOTS);
        while need.saturating_mul(8) > capacity.saturating_mul(7) {
            capacity = capacity.saturating_mul(2);
        }
        if capacity != self.slots.len() {
            self.rebuild(capacity, |_, _| true);
        }
    }

    /// Moves every entry `keep` accepts (it may change them) into a table of `capacity`
    /// slots.
    fn rebuild(&mut self, capacity: usize, mut keep: impl FnMut(&Key, &mut Entry) -> bool) {
        let slots = std::mem::replace(&mut self.slots, vec![Slot::default(); capacity]);
        let members = std::mem::replace(&mut self.members, vec![[NO_MEMBER; 2]; capacity]);
        self.len = 0;
        for (slot, members) in slots.iter().zip(members) {
            if slot.expires_at == 0 {
                continue;
            }
            let key = slot.key();
            let mut entry = slot.entry(members);
            if keep(&key, &mut entry) {
                self.put(Slot::new(&key, &entry), [entry.source, entry.destination]);
            }
        }
    }

    /// Removes the entry at slot `i`, shifting later entries of its probe run back.
    fn remove_at(&mut self, i: usize) {
        let mask = self.slots.len() - 1;
        let mut hole = i;
        let mut j = (i + 1) & mask;
        while self.slots[j].expires_at != 0 {
            let home = self.home(&self.slots[j].key());
            // The entry at j may fill the hole if the hole lies on its probe path.
            if j.wrapping_sub(home) & mask >= j.wrapping_sub(hole) & mask {
                self.slots[hole] = self.slots[j];
                self.members[hole] = self.members[j];
                hole = j;
            }
            j = (j + 1) & mask;
        }
        self.slots[hole] = Slot::default();
        self.members[hole] = [NO_MEMBER; 2];
        self.len -= 1;
    }
}

/// The state table of one firewall (all ports of a host share it: entries remember the
/// connection's members).
#[derive(Debug, Clone)]
pub struct ConnTrack {
    table: FlatTable,
}

/// Bytes per tracked connection in the table: a 32-byte slot plus its two member ids (the
/// table keeps at least 1/8 of its slots free on top).
pub const ENTRY_BYTES: usize = std::mem::size_of::<Slot>() + std::mem::size_of::<[u32; 2]>();

impl ConnTrack {
    /// An empty table; `seed` keys the hash (pick one per process, e.g. from the boot id).
    pub fn new(seed: u64) -> Self {
        ConnTrack {
            table: FlatTable {
                seed,
                ..FlatTable::default()
            },
        }
    }

    /// Tracked connections.
    pub fn len(&self) -> usize {
        self.table.len
    }

    /// Whether nothing is tracked.
    pub fn is_empty(&self) -> bool {
        self.table.len == 0
    }

    /// Heap bytes of the table (slots, including empty ones).
    pub fn heap_bytes(&self) -> usize {
        self.table.slots.capacity() * std::mem::size_of::<Slot>()
            + self.table.members.capacity() * std::mem::size_of::<[u32; 2]>()
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
            if let Some(old) = self.table.insert(&key, &entry) {
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
        let at = self.table.find(&key)?;
        let entry = &mut self.table.slots[at];
        if entry.expires_at <= now {
            let old = entry.entry(self.table.members[at]);
            self.table.remove_at(at);
            close(stats, &old);
            return None;
        }
        let flags = entry.flags();
        let reply = sender_is_low != (flags & ORIGINATOR_IS_LOW != 0);
        let bytes = u64::from(packet.bytes);
        for rule in entry.rules {
            if rule != NO_RULE {
                stats.record_packet(rule as usize, bytes);
            }
        }
        let state = entry.state();
        match state {
            State::Datagram => {
                let lifetime = if packet.flow.protocol == protocol::ICMP {
                    ICMP_MS
                } else {
                    UDP_MS
                };
                entry.expires_at = now.saturating_add(lifetime);
            }
            _ => {
                let tcp = packet.tcp_flags;
                if tcp & tcp_flags::RST != 0 {
                    let old = entry.entry(self.table.members[at]);
                    self.table.remove_at(at);
                    close(stats, &old);
                    return Some(reply);
                }
                if tcp & tcp_flags::FIN != 0 {
                    let flags = flags
                        | if reply {
                            FIN_FROM_RESPONDER
                        } else {
                            FIN_FROM_ORIGINATOR
                        };
                    let both = FIN_FROM_ORIGINATOR | FIN_FROM_RESPONDER;
                    let (state, lifetime) = if flags & both == both {
                        (State::TcpClosed, TCP_CLOSED_MS)
                    } else {
                        (State::TcpFinWait, TCP_FIN_WAIT_MS)
                    };
                    entry.set_state_flags(state, flags);
                    entry.expires_at = now.saturating_add(lifetime);
                } else if state == State::TcpOpening
                    && reply
                    && tcp & (tcp_flags::SYN | tcp_flags::ACK) != 0
                {
                    // The responder answered the handshake.
                    entry.set_state_flags(State::TcpEstablished, flags);
                    entry.expires_at = now.saturating_add(TCP_ESTABLISHED_MS);
                } else if state == State::TcpEstablished {
                    entry.expires_at = now.saturating_add(TCP_ESTABLISHED_MS);
                }
            }
        }
        Some(reply)
    }

    /// Whether the connection of `packet` (either direction) is tracked and live at `now`.
    pub fn contains(&self, packet: &Packet, now: u64) -> bool {
        let (key, _) = key_of(packet);
        self.table
            .find(&key)
            .is_some_and(|at| self.table.slots[at].expires_at > now)
    }

    /// Removes entries expired at `now`; returns how many.
    pub fn expire(&mut self, stats: &Stats, now: u64) -> usize {
        let before = self.table.len;
        let capacity = self.table.slots.len();
        self.table.rebuild(capacity, |_, entry| {
            let live = entry.expires_at > now;
            if !live {
                close(stats, entry);
            }
            live
        });
        before - self.table.len
    }

    /// Re-checks every tracked connection against a new rule set (after a policy or
    /// inventory change): connections the rules would no longer allow, or whose rules are
    /// now stateless, are removed; the others keep their state and are attributed to their
    /// current rules. Sessions are closed on the rule indices the entries held, so call
    /// this before [`Stats::sync`] with the new engine. Returns how many were removed.
    pub fn revalidate(&mut self, engine: &Engine, stats: &Stats) -> usize {
        let before = self.table.len;
        let capacity = self.table.slots.len();
        self.table.rebuild(capacity, |key, entry| {
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
        before - self.table.len
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn entry(n: u64) -> Entry {
        Entry {
            expires_at: n + 1,
            egress_rule: n as u32,
            ingress_rule: NO_RULE,
            source: n as u32 ^ 7,
            destination: NO_MEMBER,
            state: State::from_bits((n % 5) as u8),
            flags: (n % 8) as u8,
        }
    }

    /// The flat table against a `HashMap` model through inserts, replacements, removals
    /// (with backward shifts across wrap-around) and rebuilds, in a small key space so
    /// probe runs collide.
    #[test]
    fn flat_table_behaves_like_a_map() {
        let mut table = FlatTable {
            seed: 42,
            ..FlatTable::default()
        };
        let mut model: HashMap<(u64, u64), u64> = HashMap::new();
        let mut x: u64 = 1;
        for step in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = Key(x % 97, (x >> 8) % 3);
            match x % 4 {
                0 | 1 => {
                    let old = table.insert(&key, &entry(step));
                    let expected = model.insert((key.0, key.1), step);
                    assert_eq!(old.map(|e| e.expires_at - 1), expected);
                }
                2 => {
                    if let Some(at) = table.find(&key) {
                        table.remove_at(at);
                    }
                    model.remove(&(key.0, key.1));
                }
                _ => {
                    if step % 1000 == 3 {
                        let capacity = table.slots.len();
                        table.rebuild(capacity, |k, e| (k.0 + e.expires_at) % 3 != 0);
                        model.retain(|k, v| (k.0 + *v + 1) % 3 != 0);
                    }
                }
            }
            assert_eq!(table.len, model.len());
        }
        for (&(a, b), &n) in &model {
            let at = table.find(&Key(a, b)).expect("present");
            let got = table.slots[at].entry(table.members[at]);
            let want = entry(n);
            assert_eq!(
                (
                    got.expires_at,
                    got.egress_rule,
                    got.source,
                    got.state,
                    got.flags
                ),
                (
                    want.expires_at,
                    want.egress_rule,
                    want.source,
                    want.state,
                    want.flags
                )
            );
        }
    }
}
