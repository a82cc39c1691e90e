//! The embedded store's in-memory key index (etcd's `treeIndex`): for every key, the revisions
//! that wrote it still on disk, so that reads find a key's record in the revision table
//! without a per-key table on disk.
//!
//! It is rebuilt on open by scanning the revision table, changed only by the writer thread
//! (after each commit and before each compaction), and read under a lock by every read. A key
//! costs its name once plus 8 bytes per revision kept (inline when it has one); compaction trims
//! each key to at most one revision, and drops deleted keys entirely.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::Revision;

/// One revision of a key: the revision shifted left by one, with the low bit set when the
/// write deleted the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark(u64);

impl Mark {
    fn new(revision: Revision, deleted: bool) -> Self {
        Self(revision << 1 | u64::from(deleted))
    }

    fn revision(self) -> Revision {
        self.0 >> 1
    }

    fn deleted(self) -> bool {
        self.0 & 1 == 1
    }

    /// The revision, when this write left the key with a value.
    fn live(self) -> Option<Revision> {
        (!self.deleted()).then(|| self.revision())
    }
}

/// A key's revisions on disk, ascending, never empty. Most keys have one (after a compaction,
/// or until their first update), which is kept inline: no allocation of its own, which is a
/// third of the index's memory per key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Marks {
    One(Mark),
    Many(Vec<Mark>),
}

impl Marks {
    fn as_slice(&self) -> &[Mark] {
        match self {
            Marks::One(mark) => std::slice::from_ref(mark),
            Marks::Many(marks) => marks,
        }
    }

    fn push(&mut self, mark: Mark) {
        match self {
            Marks::One(first) => *self = Marks::Many(vec![*first, mark]),
            Marks::Many(marks) => marks.push(mark),
        }
    }

    /// Removes the first `count` marks, appending their revisions to `removed`. Returns
    /// whether any mark is left.
    fn remove_first(&mut self, count: usize, removed: &mut Vec<Revision>) -> bool {
        if count == 0 {
            return true;
        }
        match self {
            Marks::One(mark) => {
                removed.push(mark.revision());
                false
            }
            Marks::Many(marks) => {
                removed.extend(marks.drain(..count.min(marks.len())).map(Mark::revision));
                match marks.as_slice() {
                    [] => false,
                    [only] => {
                        *self = Marks::One(*only);
                        true
                    }
                    _ => {
                        if marks.capacity() > 2 * marks.len() {
                            marks.shrink_to_fit();
                        }
                        true
                    }
                }
            }
        }
    }
}

/// Which state of the keys a read asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReadAt {
    /// The newest state.
    Latest,
    /// The state as of this revision.
    Revision(Revision),
}

/// The keys of the store and the revisions that wrote each, in key order.
#[derive(Debug, Default)]
pub(super) struct KeyIndex {
    /// Per key, its revisions on disk in ascending order.
    keys: BTreeMap<Box<str>, Marks>,
}

impl KeyIndex {
    /// Records that `revision` wrote `key` (`deleted`: the write was a deletion). Revisions
    /// must be recorded in ascending order per key.
    pub(super) fn record(&mut self, key: &str, revision: Revision, deleted: bool) {
        let mark = Mark::new(revision, deleted);
        match self.keys.get_mut(key) {
            Some(marks) => marks.push(mark),
            None => {
                self.keys.insert(key.into(), Marks::One(mark));
            }
        }
    }

    /// The revision holding the key's value at `at`, if the key exists then.
    pub(super) fn visible(&self, key: &str, at: ReadAt) -> Option<Revision> {
        self.keys
            .get(key)
            .and_then(|marks| visible_mark(marks.as_slice(), at))
    }

    /// The revisions holding the values of the keys under `prefix` (strictly after
    /// `start_after` when given) that exist at `at`, in key order, at most `limit`.
    pub(super) fn visible_range(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        at: ReadAt,
        limit: usize,
    ) -> Vec<Revision> {
        let mut revisions = Vec::new();
        if limit == 0 {
            return revisions;
        }
        for (key, marks) in self.keys.range::<str, _>(range_bounds(prefix, start_after)) {
            if !key.starts_with(prefix) {
                break;
            }
            if let Some(revision) = visible_mark(marks.as_slice(), at) {
                revisions.push(revision);
                if revisions.len() == limit {
                    break;
                }
            }
        }
        revisions
    }

    /// How many keys under `prefix` exist now.
    pub(super) fn count(&self, prefix: &str) -> u64 {
        let mut count = 0;
        for (key, marks) in self.keys.range::<str, _>(range_bounds(prefix, None)) {
            if !key.starts_with(prefix) {
                break;
            }
            if marks.as_slice().last().is_some_and(|mark| !mark.deleted()) {
                count += 1;
            }
        }
        count
    }

    /// Forgets what a compaction at `to` removes and returns those revisions, ascending: per
    /// key, every revision at or below `to` except the newest one, which stays (the key's
    /// state at `to`) unless it is a deletion. A key left without revisions is dropped.
    pub(super) fn compact(&mut self, to: Revision) -> Vec<Revision> {
        let mut removed = Vec::new();
        self.keys.retain(|_, marks| {
            // How many marks are at or below `to`; only the last of them may stay.
            let slice = marks.as_slice();
            let at_or_below = slice.partition_point(|mark| mark.revision() <= to);
            let keep_newest = at_or_below > 0 && !slice[at_or_below - 1].deleted();
            let drop_count = if keep_newest {
                at_or_below - 1
            } else {
                at_or_below
            };
            marks.remove_first(drop_count, &mut removed)
        });
        removed.sort_unstable();
        removed
    }

    /// How many keys the index holds, deleted ones not yet compacted included.
    pub(super) fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// How many revisions the index holds over all keys.
    #[cfg(test)]
    pub(super) fn revision_count(&self) -> usize {
        self.keys.values().map(|marks| marks.as_slice().len()).sum()
    }
}

/// The live revision visible at `at` among a key's ascending marks.
fn visible_mark(marks: &[Mark], at: ReadAt) -> Option<Revision> {
    match at {
        ReadAt::Latest => marks.last().and_then(|mark| mark.live()),
        ReadAt::Revision(at) => {
            let at_or_below = marks.partition_point(|mark| mark.revision() <= at);
            at_or_below
                .checked_sub(1)
                .and_then(|newest| marks[newest].live())
        }
    }
}

/// The key range a scan starts with: from the prefix, or just after `start_after` when that
/// is later.
fn range_bounds<'a>(
    prefix: &'a str,
    start_after: Option<&'a str>,
) -> (Bound<&'a str>, Bound<&'a str>) {
    match start_after {
        Some(after) if after >= prefix => (Bound::Excluded(after), Bound::Unbounded),
        _ => (Bound::Included(prefix), Bound::Unbounded),
    }
}

#[cfg(test)]
mod tests {
    use super::{KeyIndex, ReadAt};

    fn index() -> KeyIndex {
        let mut index = KeyIndex::default();
        index.record("/a", 1, false);
        index.record("/b", 2, false);
        index.record("/a", 3, false);
        index.record("/b", 4, true);
        index.record("/c", 5, false);
        index.record("/b", 6, false);
        index.record("/c", 7, true);
        index
    }

    #[test]
    fn visibility_at_latest_and_past_revisions() {
        let index = index();
        assert_eq!(index.visible("/a", ReadAt::Latest), Some(3));
        assert_eq!(index.visible("/a", ReadAt::Revision(2)), Some(1));
        assert_eq!(index.visible("/b", ReadAt::Revision(5)), None);
        assert_eq!(index.visible("/b", ReadAt::Latest), Some(6));
        assert_eq!(index.visible("/c", ReadAt::Latest), None);
        assert_eq!(index.visible("/c", ReadAt::Revision(4)), None);
        assert_eq!(index.visible("/z", ReadAt::Latest), None);
        assert_eq!(
            index.visible_range("/", None, ReadAt::Revision(5), usize::MAX),
            [3, 5]
        );
        assert_eq!(index.visible_range("/", Some("/a"), ReadAt::Latest, 1), [6]);
        assert_eq!(index.count("/"), 2);
    }

    #[test]
    fn compaction_keeps_the_state_at_its_revision() {
        let mut index = index();
        // At 5: /a keeps 3, /b's newest is a deletion (4) so it keeps nothing <= 5, /c keeps 5.
        assert_eq!(index.compact(5), [1, 2, 4]);
        assert_eq!(
            index.visible_range("/", None, ReadAt::Revision(5), usize::MAX),
            [3, 5]
        );
        assert_eq!(index.revision_count(), 4);
        // At 7: /c's deletion goes with the value it deleted, and so does the key.
        assert_eq!(index.compact(7), [5, 7]);
        assert_eq!(index.key_count(), 2);
        assert_eq!(
            index.visible_range("/", None, ReadAt::Latest, usize::MAX),
            [3, 6]
        );
        // A key left with its deletion alone (records an interrupted compaction left) goes.
        index.record("/d", 8, true);
        assert_eq!(index.compact(8), [8]);
        assert_eq!(index.key_count(), 2);
        // An inline revision grows into a list and shrinks back.
        index.record("/a", 9, false);
        index.record("/a", 10, false);
        assert_eq!(index.visible("/a", ReadAt::Revision(9)), Some(9));
        assert_eq!(index.compact(10), [3, 9]);
        assert_eq!(index.visible("/a", ReadAt::Latest), Some(10));
        assert_eq!(index.revision_count(), 2);
    }

    #[test]
    fn one_revision_costs_no_allocation_of_its_own() {
        // The inline variant fits in the list's niche: a key's entry stays the size of a Vec.
        assert_eq!(size_of::<super::Marks>(), size_of::<Vec<super::Mark>>());
    }
}
