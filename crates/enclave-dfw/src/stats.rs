//! Per-rule hit statistics as NSX reports them (`RuleStatistics`): hits, packets, bytes and
//! sessions, updated by the data plane with relaxed atomics (no lock on the hot path) and
//! read per rule path. Counters are keyed by rule path, so they survive recompiles and
//! incremental updates: [`Stats::sync`] maps the engine's current table onto them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::engine::Engine;

/// The counters of one rule.
#[derive(Debug, Default)]
struct RuleCounters {
    hits: AtomicU64,
    packets: AtomicU64,
    bytes: AtomicU64,
    sessions: AtomicU64,
    max_sessions: AtomicU64,
    total_sessions: AtomicU64,
}

/// One rule's statistics in the NSX `RuleStatistics` shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RuleStatistics {
    /// The rule's path.
    pub rule: String,
    /// New connections the rule decided.
    pub hit_count: u64,
    /// Packets of those connections (first packets and tracked ones).
    pub packet_count: u64,
    /// Bytes of those packets.
    pub byte_count: u64,
    /// Connections the rule allowed that are tracked now.
    pub session_count: u64,
    /// The highest `session_count` seen.
    pub max_session_count: u64,
    /// Every connection the rule allowed that was tracked.
    pub total_session_count: u64,
}

/// Statistics of every rule. Recording takes `&self` and is safe from many threads.
#[derive(Debug, Default)]
pub struct Stats {
    slot_by_path: HashMap<String, usize>,
    paths: Vec<String>,
    /// Table index of the engine last synced -> counter slot.
    slot_by_index: Vec<usize>,
    counters: Vec<RuleCounters>,
}

impl Stats {
    /// Empty statistics; call [`Stats::sync`] before recording.
    pub fn new() -> Self {
        Stats::default()
    }

    /// Maps the engine's table indices onto counters by rule path, keeping the counts of
    /// rules that still exist (also across recompiles) and adding zeroed counters for new
    /// ones. Counters of rules that disappeared are kept until [`Stats::retain_live`].
    pub fn sync(&mut self, engine: &Engine) {
        let rules = engine.ruleset().rules.len();
        self.slot_by_index.clear();
        for index in 0..rules {
            let path = engine.rule_path(index).unwrap_or_default();
            let slot = match self.slot_by_path.get(path) {
                Some(&slot) => slot,
                None => {
                    let slot = self.counters.len();
                    self.counters.push(RuleCounters::default());
                    self.paths.push(path.to_string());
                    self.slot_by_path.insert(path.to_string(), slot);
                    slot
                }
            };
            self.slot_by_index.push(slot);
        }
    }

    /// Drops counters of rules the last synced engine no longer has.
    pub fn retain_live(&mut self) {
        let mut new_slot = vec![usize::MAX; self.counters.len()];
        for &slot in &self.slot_by_index {
            new_slot[slot] = 0;
        }
        let counters = std::mem::take(&mut self.counters);
        let paths = std::mem::take(&mut self.paths);
        self.slot_by_path.clear();
        for (old, (counter, path)) in counters.into_iter().zip(paths).enumerate() {
            if new_slot[old] == usize::MAX {
                continue;
            }
            new_slot[old] = self.counters.len();
            self.slot_by_path.insert(path.clone(), self.counters.len());
            self.counters.push(counter);
            self.paths.push(path);
        }
        for slot in &mut self.slot_by_index {
            *slot = new_slot[*slot];
        }
    }

    #[inline]
    fn counters(&self, rule: usize) -> Option<&RuleCounters> {
        self.slot_by_index
            .get(rule)
            .and_then(|&slot| self.counters.get(slot))
    }

    /// A new connection decided by the rule at table index `rule`: one hit, one packet.
    #[inline]
    pub fn record_new(&self, rule: usize, bytes: u64) {
        if let Some(c) = self.counters(rule) {
            c.hits.fetch_add(1, Ordering::Relaxed);
            c.packets.fetch_add(1, Ordering::Relaxed);
            c.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    /// A packet of a tracked connection the rule allowed.
    #[inline]
    pub fn record_packet(&self, rule: usize, bytes: u64) {
        if let Some(c) = self.counters(rule) {
            c.packets.fetch_add(1, Ordering::Relaxed);
            c.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    /// A connection the rule allowed is now tracked.
    #[inline]
    pub fn record_session_open(&self, rule: usize) {
        if let Some(c) = self.counters(rule) {
            let now = c.sessions.fetch_add(1, Ordering::Relaxed) + 1;
            c.total_sessions.fetch_add(1, Ordering::Relaxed);
            c.max_sessions.fetch_max(now, Ordering::Relaxed);
        }
    }

    /// A tracked connection the rule allowed ended (closed, reset, expired, revoked).
    #[inline]
    pub fn record_session_close(&self, rule: usize) {
        if let Some(c) = self.counters(rule) {
            // Saturating: a close recorded after a counter reset must not wrap.
            let _ = c
                .sessions
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                    Some(v.saturating_sub(1))
                });
        }
    }

    /// The statistics of the rule at `path`.
    pub fn get(&self, path: &str) -> Option<RuleStatistics> {
        let slot = *self.slot_by_path.get(path)?;
        let c = self.counters.get(slot)?;
        Some(RuleStatistics {
            rule: path.to_string(),
            hit_count: c.hits.load(Ordering::Relaxed),
            packet_count: c.packets.load(Ordering::Relaxed),
            byte_count: c.bytes.load(Ordering::Relaxed),
            session_count: c.sessions.load(Ordering::Relaxed),
            max_session_count: c.max_sessions.load(Ordering::Relaxed),
            total_session_count: c.total_sessions.load(Ordering::Relaxed),
        })
    }

    /// Every rule's statistics, by path.
    pub fn all(&self) -> Vec<RuleStatistics> {
        let mut paths: Vec<&String> = self.slot_by_path.keys().collect();
        paths.sort();
        paths.into_iter().filter_map(|p| self.get(p)).collect()
    }

    /// Zeroes every counter (NSX's "reset rule statistics").
    pub fn reset(&self) {
        for c in &self.counters {
            for a in [
                &c.hits,
                &c.packets,
                &c.bytes,
                &c.sessions,
                &c.max_sessions,
                &c.total_sessions,
            ] {
                a.store(0, Ordering::Relaxed);
            }
        }
    }
}
