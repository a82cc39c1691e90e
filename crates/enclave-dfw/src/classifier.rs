//! The classifier of one run of rules on one port side, decomposed field by field (source
//! address, destination address, protocol, source port, destination port) into elementary
//! intervals whose rule bitsets are deduplicated into classes. Up to 64 sub-rules it is a
//! compact block: per field the interval starts and each interval's rule set in one or two
//! words, looked up as five small searches, an AND and the first set bit. Larger runs
//! combine the classes pairwise into equivalence tables (recursive flow classification)
//! down to one table that holds the first matching rule: five small searches and four table
//! reads, whatever the number of rules. When a table would grow too big the classifier keeps
//! the field bitsets and ANDs them at lookup instead (still one pass over the rule words).

use crate::hash::{FastMap, hash_words};

/// No rule matched.
pub(crate) const NO_RULE: u32 = u32::MAX;
/// The first match was an Environment jump and no rule after Environment matched: the
/// search continues in the port's later classifiers, from the first rule after Environment.
pub(crate) const JUMPED: u32 = u32::MAX - 1;

/// Most sub-rules of a compact classifier (one 64-bit word per class).
pub(crate) const COMPACT_SUBS: usize = 64;
/// Compact block header bits: the classifier holds rules after Environment only.
pub(crate) const BLOCK_AFTER_APPLICATION: u32 = 1;
/// Compact block header bits: not compact; word 1 is the full classifier's id.
pub(crate) const BLOCK_FULL: u32 = 2;
/// Compact block header bits: at most 32 sub-rules, so a rule set is one word.
const BLOCK_NARROW: u32 = 4;
/// Field lengths up to which a lookup counts starts instead of searching.
const LINEAR_STARTS: usize = 24;
/// Words before a compact block's rule ids: header, five field lengths, the jump mask.
const BLOCK_PREFIX: usize = 8;

/// Most entries of one combination table before falling back to bitset lookups.
const MAX_TABLE_ENTRIES: usize = 1 << 18;
/// Most 64-bit words touched to build one combination table (bounds compile time).
const MAX_TABLE_WORK: usize = 1 << 23;

/// One conjunctive piece of a rule: address sets times one service box.
pub(crate) struct SubRule<'a> {
    /// The rule's slab id, what a full classifier's match reports.
    pub rule: u32,
    /// What a compact block's match reports: the rule's table order and decision, encoded
    /// by the engine (below [`JUMPED`]).
    pub verdict: u32,
    /// An Environment JUMP_TO_APPLICATION: a match continues at the first rule after
    /// Environment.
    pub jump: bool,
    /// Whether the rule comes after the Environment category.
    pub after_application: bool,
    pub sources: &'a [(u32, u32)],
    pub destinations: &'a [(u32, u32)],
    pub protocols: (u32, u32),
    pub source_ports: (u32, u32),
    pub destination_ports: (u32, u32),
}

/// Class bitsets, `words` 64-bit words each, stored flat.
#[derive(Debug, Clone, Default)]
struct Bitsets {
    words: usize,
    data: Vec<u64>,
}

impl Bitsets {
    fn len(&self) -> usize {
        self.data.len().checked_div(self.words).unwrap_or(0)
    }

    fn get(&self, class: usize) -> &[u64] {
        &self.data[class * self.words..(class + 1) * self.words]
    }
}

/// Classes up to which interning scans instead of hashing.
const SMALL_INTERNER: usize = 12;

/// Interns bitsets into classes without allocating per lookup: a hash -> first class map
/// and a chain of classes with equal hashes.
struct Interner {
    bitsets: Bitsets,
    first: FastMap<u64, u32>,
    next_same_hash: Vec<u32>,
}

impl Interner {
    fn new(words: usize) -> Self {
        Interner {
            bitsets: Bitsets {
                words,
                data: Vec::new(),
            },
            first: FastMap::default(),
            next_same_hash: Vec::new(),
        }
    }

    fn intern(&mut self, bits: &[u64]) -> u32 {
        // Few classes (the common case): a linear scan beats hashing.
        let classes = self.bitsets.len();
        if classes <= SMALL_INTERNER && self.first.is_empty() {
            if let Some(id) = (0..classes).find(|&c| self.bitsets.get(c) == bits) {
                return id as u32;
            }
            self.bitsets.data.extend_from_slice(bits);
            if classes + 1 > SMALL_INTERNER {
                // Switch to hashing: index every class so far.
                for c in 0..=classes {
                    let hash = hash_words(self.bitsets.get(c));
                    let head = self.first.get(&hash).copied();
                    self.next_same_hash.push(head.unwrap_or(u32::MAX));
                    self.first.insert(hash, c as u32);
                }
            }
            return classes as u32;
        }
        let hash = hash_words(bits);
        let head = self.first.get(&hash).copied();
        let mut at = head;
        while let Some(id) = at {
            if self.bitsets.get(id as usize) == bits {
                return id;
            }
            at = match self.next_same_hash[id as usize] {
                u32::MAX => None,
                next => Some(next),
            };
        }
        let id = self.bitsets.len() as u32;
        self.bitsets.data.extend_from_slice(bits);
        self.next_same_hash.push(head.unwrap_or(u32::MAX));
        self.first.insert(hash, id);
        id
    }
}

/// One field: elementary intervals starting at `starts[i]` belong to class `classes[i]`.
#[derive(Debug, Clone, Default)]
struct Field {
    starts: Vec<u32>,
    classes: Vec<u32>,
}

impl Field {
    #[inline]
    fn lookup(&self, value: u32) -> usize {
        if self.starts.len() == 1 {
            return self.classes[0] as usize;
        }
        let i = self.starts.partition_point(|&s| s <= value);
        self.classes[i.saturating_sub(1)] as usize
    }

    /// Decomposes the field `0..=max` by the sub-rules' intervals.
    fn build<'s>(
        words: usize,
        max: u32,
        intervals: impl Iterator<Item = (usize, &'s [(u32, u32)])>,
    ) -> (Field, Bitsets) {
        // (point, remove-first, sub)
        let mut events: Vec<(u32, bool, u32)> = Vec::new();
        for (sub, set) in intervals {
            for &(a, b) in set {
                let b = b.min(max);
                if a > b {
                    continue;
                }
                events.push((a, false, sub as u32));
                if b < max {
                    events.push((b + 1, true, sub as u32));
                }
            }
        }
        // At one point, removals before additions: the key `!remove` is false for removals.
        events.sort_unstable_by_key(|&(p, remove, sub)| (p, !remove, sub));
        let mut interner = Interner::new(words);
        let mut current = vec![0u64; words];
        let mut field = Field::default();
        let mut i = 0;
        if events.first().is_none_or(|e| e.0 > 0) {
            field.starts.push(0);
            field.classes.push(interner.intern(&current));
        }
        while i < events.len() {
            let point = events[i].0;
            while i < events.len() && events[i].0 == point {
                let (_, remove, sub) = events[i];
                let (word, bit) = (sub as usize / 64, sub % 64);
                if remove {
                    current[word] &= !(1u64 << bit);
                } else {
                    current[word] |= 1u64 << bit;
                }
                i += 1;
            }
            let class = interner.intern(&current);
            if field.classes.last() != Some(&class) {
                field.starts.push(point);
                field.classes.push(class);
            }
        }
        (field, interner.bitsets)
    }
}

/// Pairwise combination `a x b` into deduplicated classes, if small enough.
fn cross(a: &Bitsets, b: &Bitsets) -> Option<(Vec<u32>, Bitsets)> {
    let entries = a.len().checked_mul(b.len())?;
    if entries > MAX_TABLE_ENTRIES || entries.saturating_mul(a.words) > MAX_TABLE_WORK {
        return None;
    }
    let mut interner = Interner::new(a.words);
    let mut table = Vec::with_capacity(entries);
    let mut scratch = vec![0u64; a.words];
    for i in 0..a.len() {
        let x = a.get(i);
        for j in 0..b.len() {
            let y = b.get(j);
            for (w, s) in scratch.iter_mut().enumerate() {
                *s = x[w] & y[w];
            }
            table.push(interner.intern(&scratch));
        }
    }
    Some((table, interner.bitsets))
}

#[derive(Debug, Clone)]
enum Mode {
    /// Every combination tabled: the result is four reads away.
    Tables {
        /// (source class, destination class) -> address class.
        addresses: Vec<u32>,
        destination_classes: usize,
        /// (protocol class, destination-port class) -> class.
        protocol_ports: Vec<u32>,
        destination_port_classes: usize,
        /// (protocol-port class, source-port class) -> service class.
        services: Vec<u32>,
        source_port_classes: usize,
        /// (address class, service class) -> the deciding rule or [`NO_RULE`].
        decisions: Vec<u32>,
        service_classes: usize,
    },
    /// Too many classes to table: AND the five field bitsets at lookup.
    Bitsets {
        sources: Bitsets,
        destinations: Bitsets,
        protocols: Bitsets,
        source_ports: Bitsets,
        destination_ports: Bitsets,
    },
}

/// The compiled rules of one port side.
#[derive(Debug, Clone)]
pub(crate) struct Classifier {
    /// Sub-rule -> rule slab id.
    rules: Vec<u32>,
    /// Sub-rules that are Environment jumps.
    jumps: Vec<bool>,
    /// The first sub-rule after the Environment category.
    application_start: usize,
    sources: Field,
    destinations: Field,
    protocol_classes: Vec<u32>,
    source_ports: Field,
    destination_ports: Field,
    mode: Mode,
}

impl Classifier {
    /// Compiles sub-rules given in evaluation order.
    pub fn new(subs: &[SubRule<'_>]) -> Self {
        let words = subs.len().div_ceil(64).max(1);
        let (sources, source_sets) = Field::build(
            words,
            u32::MAX,
            subs.iter().enumerate().map(|(i, s)| (i, s.sources)),
        );
        let (destinations, destination_sets) = Field::build(
            words,
            u32::MAX,
            subs.iter().enumerate().map(|(i, s)| (i, s.destinations)),
        );
        let protocol_ranges: Vec<[(u32, u32); 1]> = subs.iter().map(|s| [s.protocols]).collect();
        let (protocols, protocol_sets) = Field::build(
            words,
            255,
            protocol_ranges
                .iter()
                .enumerate()
                .map(|(i, r)| (i, r.as_slice())),
        );
        let source_port_ranges: Vec<[(u32, u32); 1]> =
            subs.iter().map(|s| [s.source_ports]).collect();
        let (source_ports, source_port_sets) = Field::build(
            words,
            65535,
            source_port_ranges
                .iter()
                .enumerate()
                .map(|(i, r)| (i, r.as_slice())),
        );
        let destination_port_ranges: Vec<[(u32, u32); 1]> =
            subs.iter().map(|s| [s.destination_ports]).collect();
        let (destination_ports, destination_port_sets) = Field::build(
            words,
            65535,
            destination_port_ranges
                .iter()
                .enumerate()
                .map(|(i, r)| (i, r.as_slice())),
        );
        let protocol_classes = (0..256u32)
            .map(|p| protocols.lookup(p) as u32)
            .collect::<Vec<_>>();
        let mut classifier = Classifier {
            rules: subs.iter().map(|s| s.rule).collect(),
            jumps: subs.iter().map(|s| s.jump).collect(),
            application_start: subs
                .iter()
                .position(|s| s.after_application)
                .unwrap_or(subs.len()),
            sources,
            destinations,
            protocol_classes,
            source_ports,
            destination_ports,
            mode: Mode::Bitsets {
                sources: Bitsets::default(),
                destinations: Bitsets::default(),
                protocols: Bitsets::default(),
                source_ports: Bitsets::default(),
                destination_ports: Bitsets::default(),
            },
        };
        classifier.mode = classifier
            .tables(
                &source_sets,
                &destination_sets,
                &protocol_sets,
                &source_port_sets,
                &destination_port_sets,
            )
            .unwrap_or(Mode::Bitsets {
                sources: source_sets,
                destinations: destination_sets,
                protocols: protocol_sets,
                source_ports: source_port_sets,
                destination_ports: destination_port_sets,
            });
        classifier
    }

    fn tables(
        &self,
        sources: &Bitsets,
        destinations: &Bitsets,
        protocols: &Bitsets,
        source_ports: &Bitsets,
        destination_ports: &Bitsets,
    ) -> Option<Mode> {
        let (addresses, address_sets) = cross(sources, destinations)?;
        let (protocol_ports, protocol_port_sets) = cross(protocols, destination_ports)?;
        let (services, service_sets) = cross(&protocol_port_sets, source_ports)?;
        let entries = address_sets.len().checked_mul(service_sets.len())?;
        if entries > MAX_TABLE_ENTRIES
            || entries.saturating_mul(address_sets.words) > MAX_TABLE_WORK
        {
            return None;
        }
        let mut decisions = Vec::with_capacity(entries);
        let mut scratch = vec![0u64; address_sets.words];
        for a in 0..address_sets.len() {
            let x = address_sets.get(a);
            for s in 0..service_sets.len() {
                let y = service_sets.get(s);
                for (w, out) in scratch.iter_mut().enumerate() {
                    *out = x[w] & y[w];
                }
                decisions.push(self.decide(&scratch));
            }
        }
        Some(Mode::Tables {
            addresses,
            destination_classes: destination_sets_len(destinations),
            protocol_ports,
            destination_port_classes: destination_ports.len(),
            services,
            source_port_classes: source_ports.len(),
            decisions,
            service_classes: service_sets.len(),
        })
    }

    /// The deciding rule of a set of matching sub-rules: the first, unless it is an
    /// Environment jump, which continues at the first rule after Environment.
    fn decide(&self, matching: &[u64]) -> u32 {
        let Some(first) = first_set(matching, 0) else {
            return NO_RULE;
        };
        let chosen = if self.jumps.get(first).copied().unwrap_or(false) {
            match first_set(matching, self.application_start) {
                Some(i) => i,
                None => return JUMPED,
            }
        } else {
            first
        };
        self.rules.get(chosen).copied().unwrap_or(NO_RULE)
    }

    /// The deciding rule's slab id for a flow, or [`NO_RULE`].
    #[inline]
    pub fn classify(&self, src: u32, dst: u32, protocol: u8, sport: u16, dport: u16) -> u32 {
        let s = self.sources.lookup(src);
        let d = self.destinations.lookup(dst);
        let p = self.protocol_classes[protocol as usize] as usize;
        let sp = self.source_ports.lookup(u32::from(sport));
        let dp = self.destination_ports.lookup(u32::from(dport));
        match &self.mode {
            Mode::Tables {
                addresses,
                destination_classes,
                protocol_ports,
                destination_port_classes,
                services,
                source_port_classes,
                decisions,
                service_classes,
            } => {
                let a = addresses[s * destination_classes + d] as usize;
                let pd = protocol_ports[p * destination_port_classes + dp] as usize;
                let service = services[pd * source_port_classes + sp] as usize;
                decisions[a * service_classes + service]
            }
            Mode::Bitsets {
                sources,
                destinations,
                protocols,
                source_ports,
                destination_ports,
            } => {
                let sets = [
                    sources.get(s),
                    destinations.get(d),
                    protocols.get(p),
                    source_ports.get(sp),
                    destination_ports.get(dp),
                ];
                let first = first_common(&sets, 0);
                let chosen = match first {
                    Some(i) if self.jumps[i] => match first_common(&sets, self.application_start) {
                        Some(i) => Some(i),
                        None => return JUMPED,
                    },
                    other => other,
                };
                chosen.map_or(NO_RULE, |i| self.rules[i])
            }
        }
    }

    /// Whether lookups go through tables (for statistics and tests).
    pub fn is_tabled(&self) -> bool {
        matches!(self.mode, Mode::Tables { .. })
    }

    /// Approximate heap bytes.
    pub fn heap_bytes(&self) -> usize {
        let field = |f: &Field| (f.starts.len() + f.classes.len()) * 4;
        let mode = match &self.mode {
            Mode::Tables {
                addresses,
                protocol_ports,
                services,
                decisions,
                ..
            } => (addresses.len() + protocol_ports.len() + services.len() + decisions.len()) * 4,
            Mode::Bitsets {
                sources,
                destinations,
                protocols,
                source_ports,
                destination_ports,
            } => {
                (sources.data.len()
                    + destinations.data.len()
                    + protocols.data.len()
                    + source_ports.data.len()
                    + destination_ports.data.len())
                    * 8
            }
        };
        self.rules.len() * 5
            + field(&self.sources)
            + field(&self.destinations)
            + field(&self.source_ports)
            + field(&self.destination_ports)
            + 1024
            + mode
    }
}

/// Builds the compact block of at most [`COMPACT_SUBS`] sub-rules (given in evaluation
/// order): every field's elementary interval starts with the 64-bit set of sub-rules each
/// interval matches, in one allocation. `None` when there are more sub-rules.
pub(crate) fn compact_block(subs: &[SubRule<'_>], after_application: bool) -> Option<Vec<u32>> {
    if subs.len() > COMPACT_SUBS {
        return None;
    }
    let application_start = subs
        .iter()
        .position(|s| s.after_application)
        .unwrap_or(subs.len());
    let singles = |f: fn(&SubRule<'_>) -> (u32, u32)| -> Vec<[(u32, u32); 1]> {
        subs.iter().map(|s| [f(s)]).collect()
    };
    let protocols = singles(|s| s.protocols);
    let source_ports = singles(|s| s.source_ports);
    let destination_ports = singles(|s| s.destination_ports);
    // Lookup order: the most selective fields first, so a miss stops early.
    let fields = [
        Field::build(1, u32::MAX, subs.iter().map(|s| s.sources).enumerate()),
        Field::build(1, u32::MAX, subs.iter().map(|s| s.destinations).enumerate()),
        Field::build(
            1,
            65535,
            destination_ports.iter().map(|r| r.as_slice()).enumerate(),
        ),
        Field::build(1, 255, protocols.iter().map(|r| r.as_slice()).enumerate()),
        Field::build(
            1,
            65535,
            source_ports.iter().map(|r| r.as_slice()).enumerate(),
        ),
    ];
    let mut jumps = 0u64;
    for (i, s) in subs.iter().enumerate() {
        if s.jump {
            jumps |= 1 << i;
        }
    }
    let set_words = if subs.len() <= 32 { 1 } else { 2 };
    let mut block = Vec::with_capacity(
        BLOCK_PREFIX
            + 2 * subs.len()
            + fields
                .iter()
                .map(|(f, _)| (1 + set_words) * f.starts.len())
                .sum::<usize>(),
    );
    block.push(
        (u32::from(after_application) * BLOCK_AFTER_APPLICATION)
            | (u32::from(set_words == 1) * BLOCK_NARROW)
            | ((application_start as u32) << 8)
            | ((subs.len() as u32) << 16),
    );
    block.extend(fields.iter().map(|(f, _)| f.starts.len() as u32));
    block.extend([jumps as u32, (jumps >> 32) as u32]);
    block.extend(subs.iter().map(|s| s.rule));
    block.extend(subs.iter().map(|s| s.verdict));
    for (field, sets) in &fields {
        block.extend_from_slice(&field.starts);
        for &class in &field.classes {
            let bits = sets.get(class as usize)[0];
            block.push(bits as u32);
            if set_words == 2 {
                block.push((bits >> 32) as u32);
            }
        }
    }
    Some(block)
}

/// The deciding rule's verdict word in a compact block for the flow's field values
/// (source, destination, destination port, protocol, source port), [`NO_RULE`] or
/// [`JUMPED`].
#[inline]
pub(crate) fn classify_compact(block: &[u32], values: [u32; 5]) -> u32 {
    let Some(&header) = block.first() else {
        return NO_RULE;
    };
    if header & BLOCK_NARROW != 0 {
        classify_words::<1>(block, header, values)
    } else {
        classify_words::<2>(block, header, values)
    }
}

/// [`classify_compact`] with `WORDS` words per rule set.
#[inline(always)]
fn classify_words<const WORDS: usize>(block: &[u32], header: u32, values: [u32; 5]) -> u32 {
    let subs = ((header >> 16) & 0xff) as usize;
    let mut at = BLOCK_PREFIX + 2 * subs;
    let mut matching = u64::MAX;
    for (f, &value) in values.iter().enumerate() {
        let n = block[1 + f] as usize;
        let starts = &block[at..at + n];
        // Few starts: count them without branches (the loads do not wait on each other).
        let i = if n <= LINEAR_STARTS {
            starts
                .iter()
                .map(|&s| usize::from(s <= value))
                .sum::<usize>()
        } else {
            starts.partition_point(|&s| s <= value)
        }
        .saturating_sub(1);
        let bits = at + n + WORDS * i;
        let mut set = u64::from(block[bits]);
        if WORDS == 2 {
            set |= u64::from(block[bits + 1]) << 32;
        }
        matching &= set;
        if matching == 0 {
            return NO_RULE;
        }
        at += (1 + WORDS) * n;
    }
    let first = matching.trailing_zeros();
    let jumps = u64::from(block[6]) | (u64::from(block[7]) << 32);
    let chosen = if (jumps >> first) & 1 != 0 {
        let application_start = (header >> 8) & 0xff;
        let later = if application_start >= 64 {
            0
        } else {
            matching & (u64::MAX << application_start)
        };
        if later == 0 {
            return JUMPED;
        }
        later.trailing_zeros()
    } else {
        first
    };
    block[BLOCK_PREFIX + subs + chosen as usize]
}

/// The length in words of the compact block at the start of `block`.
pub(crate) fn compact_len(block: &[u32]) -> usize {
    let header = block.first().copied().unwrap_or(0);
    let subs = ((header >> 16) & 0xff) as usize;
    let set_words = if header & BLOCK_NARROW != 0 { 1 } else { 2 };
    BLOCK_PREFIX
        + 2 * subs
        + (1..6)
            .map(|f| (1 + set_words) * block.get(f).copied().unwrap_or(0) as usize)
            .sum::<usize>()
}

/// The slab ids of a compact block's sub-rules and their verdict words, to re-encode
/// after rules moved in the table.
pub(crate) fn compact_rules_mut(block: &mut [u32]) -> (&[u32], &mut [u32]) {
    let subs = block.first().map_or(0, |h| ((h >> 16) & 0xff) as usize);
    let rest = block.get_mut(BLOCK_PREFIX..).unwrap_or_default();
    let (rules, rest) = rest.split_at_mut(subs.min(rest.len()));
    let verdicts = rest.get_mut(..subs).unwrap_or_default();
    (rules, verdicts)
}

fn destination_sets_len(b: &Bitsets) -> usize {
    b.len()
}

/// The first set bit at or after `from`.
fn first_set(bits: &[u64], from: usize) -> Option<usize> {
    let mut word = from / 64;
    if word >= bits.len() {
        return None;
    }
    let mut current = bits[word] & (u64::MAX << (from % 64));
    loop {
        if current != 0 {
            return Some(word * 64 + current.trailing_zeros() as usize);
        }
        word += 1;
        if word >= bits.len() {
            return None;
        }
        current = bits[word];
    }
}

/// The first bit set in all five bitsets at or after `from`.
#[inline]
fn first_common(sets: &[&[u64]; 5], from: usize) -> Option<usize> {
    let words = sets[0].len();
    let mut word = from / 64;
    let mut mask = u64::MAX << (from % 64);
    while word < words {
        let bits =
            sets[0][word] & sets[1][word] & sets[2][word] & sets[3][word] & sets[4][word] & mask;
        if bits != 0 {
            return Some(word * 64 + bits.trailing_zeros() as usize);
        }
        mask = u64::MAX;
        word += 1;
    }
    None
}
