//! Tests of the revision-keyed layout: the key index rebuilt on reopen, compaction in the
//! index and the file, and the migration of a format-1 file. Each compares the embedded store
//! with a [`MemoryStore`] that saw the same writes.

use std::collections::BTreeMap;
use std::path::Path;

use bytes::Bytes;
use futures::StreamExt;
use redb::{ReadableDatabase, ReadableTableMetadata, TableHandle};

use super::{revision_records, store_path, value};
use crate::embedded::legacy::{HISTORY_V1, KV_V1, LOG_V1, encode_history_v1, encode_latest_v1};
use crate::embedded::record::Record;
use crate::embedded::{EmbeddedStore, META, META_COMPACTED, META_CURRENT, META_FORMAT};
use crate::memory::MemoryStore;
use crate::write_op::WriteOp;
use crate::{Event, KeyValue, RangeRequest, Revision, Store};

/// A deterministic stream of writes that all succeed: creates, conditional and unconditional
/// updates, deletes and re-creates over keys in three prefixes.
struct Workload {
    seed: u64,
}

impl Workload {
    fn new(seed: u64) -> Self {
        Self { seed }
    }

    fn next_number(&mut self, below: u64) -> u64 {
        // A 64-bit LCG (Knuth's constants); the high bits are the well-mixed ones.
        self.seed = self
            .seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.seed >> 33) % below
    }

    /// The next write, given the key's current state in the reference store.
    async fn next_op(&mut self, reference: &MemoryStore) -> WriteOp {
        let key = format!("/p{}/k{:02}", self.next_number(3), self.next_number(6));
        let written = Bytes::from(format!("{key}={}", self.seed % 1_000));
        match reference.get(&key).await.unwrap() {
            None => WriteOp::Create {
                key,
                value: written,
            },
            Some(existing) => match self.next_number(4) {
                0 => WriteOp::Delete {
                    key,
                    expected: existing.mod_revision,
                },
                1 => WriteOp::Update {
                    key,
                    value: written,
                    expected: 0,
                },
                _ => WriteOp::Update {
                    key,
                    value: written,
                    expected: existing.mod_revision,
                },
            },
        }
    }
}

async fn apply(store: &dyn Store, op: &WriteOp) -> KeyValue {
    match op.clone() {
        WriteOp::Create { key, value } => store.create(&key, value).await,
        WriteOp::Update {
            key,
            value,
            expected,
        } => store.update(&key, value, expected).await,
        WriteOp::Delete { key, expected } => store.delete(&key, expected).await,
    }
    .unwrap()
}

/// Checks that two stores hold the same state, history and events.
async fn assert_same(store: &dyn Store, reference: &dyn Store) {
    let current = reference.current_revision().await.unwrap();
    let compacted = reference.compacted_revision().await.unwrap();
    assert_eq!(store.current_revision().await.unwrap(), current);
    assert_eq!(store.compacted_revision().await.unwrap(), compacted);
    for revision in compacted.max(1)..=current {
        let request = RangeRequest {
            revision: Some(revision),
            ..RangeRequest::default()
        };
        assert_eq!(
            store.range(request.clone()).await.unwrap(),
            reference.range(request).await.unwrap(),
            "range at {revision}"
        );
    }
    for prefix in ["/", "/p0/", "/p1/", "/p2/"] {
        assert_eq!(
            store.count(prefix).await.unwrap(),
            reference.count(prefix).await.unwrap()
        );
        let paged = RangeRequest {
            prefix: prefix.to_owned(),
            start_after: Some(format!("{prefix}k02")),
            limit: Some(2),
            revision: None,
        };
        assert_eq!(
            store.range(paged.clone()).await.unwrap(),
            reference.range(paged).await.unwrap()
        );
    }
    for index in 0..6 {
        let key = format!("/p1/k{index:02}");
        assert_eq!(
            store.get(&key).await.unwrap(),
            reference.get(&key).await.unwrap()
        );
    }
    let replayed = events(store, compacted, current).await;
    assert_eq!(replayed, events(reference, compacted, current).await);
    assert_eq!(replayed.len() as u64, current - compacted);
}

/// The events after `after` up to `until`, from a watch.
async fn events(store: &dyn Store, after: Revision, until: Revision) -> Vec<Event> {
    let mut watch = store.watch("/", after).await.unwrap();
    let mut events = Vec::new();
    while events.last().map_or(after, Event::revision) < until {
        events.push(watch.next().await.unwrap().unwrap());
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_index_is_rebuilt_on_reopen() {
    let folder = tempfile::tempdir().unwrap();
    let path = store_path(&folder);
    let reference = MemoryStore::new();
    let mut workload = Workload::new(7);
    let store = EmbeddedStore::open(&path).unwrap();
    for step in 0..240 {
        let op = workload.next_op(&reference).await;
        assert_eq!(apply(&store, &op).await, apply(&reference, &op).await);
        if step == 150 {
            store.compact(120).await.unwrap();
            reference.compact(120).await.unwrap();
        }
    }
    assert_same(&store, &reference).await;
    let (keys, revisions) = {
        let index = store.shared.index();
        (index.key_count(), index.revision_count())
    };
    store.close().await.unwrap();

    let store = EmbeddedStore::open(&path).unwrap();
    {
        let index = store.shared.index();
        assert_eq!(
            (index.key_count(), index.revision_count()),
            (keys, revisions)
        );
    }
    assert_same(&store, &reference).await;
    // Writes go on from the rebuilt index: preconditions see the reopened state.
    for _ in 0..30 {
        let op = workload.next_op(&reference).await;
        assert_eq!(apply(&store, &op).await, apply(&reference, &op).await);
    }
    assert_same(&store, &reference).await;
    store.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_removes_superseded_and_deleted_records() {
    let folder = tempfile::tempdir().unwrap();
    let path = store_path(&folder);
    let store = EmbeddedStore::open(&path).unwrap();
    store.create("/k/kept", value("1")).await.unwrap(); // 1
    store.update("/k/kept", value("2"), 1).await.unwrap(); // 2
    store.create("/k/gone", value("x")).await.unwrap(); // 3
    store.delete("/k/gone", 3).await.unwrap(); // 4
    store.create("/k/late", value("a")).await.unwrap(); // 5
    store.delete("/k/late", 5).await.unwrap(); // 6
    store.create("/k/late", value("b")).await.unwrap(); // 7
    assert_eq!(revision_records(&store), 7);

    store.compact(5).await.unwrap();
    // Kept: 2 (/k/kept at 5), 5 (/k/late at 5), and everything after 5.
    assert_eq!(revision_records(&store), 4);
    assert_eq!(store.shared.index().key_count(), 2);
    let at_five = store
        .range(RangeRequest {
            revision: Some(5),
            ..RangeRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(
        at_five
            .kvs
            .iter()
            .map(|kv| (kv.key.as_str(), kv.mod_revision))
            .collect::<Vec<_>>(),
        [("/k/kept", 2), ("/k/late", 5)]
    );
    // The deletion at 6 is replayed with the value it deleted, read from the kept record 5.
    let replayed = events(&store, 5, 7).await;
    assert!(matches!(
        &replayed[0],
        Event::Delete { kv } if kv.key == "/k/late" && kv.value == value("a") && kv.mod_revision == 6
    ));

    store.compact(7).await.unwrap();
    // /k/late's value 5 and its deletion 6 go: only 2 and 7 are left.
    assert_eq!(revision_records(&store), 2);
    assert_eq!(store.shared.index().revision_count(), 2);
    store.close().await.unwrap();

    let store = EmbeddedStore::open(&path).unwrap();
    assert_eq!(store.shared.index().revision_count(), 2);
    let latest = store.range(RangeRequest::default()).await.unwrap();
    assert_eq!(
        latest
            .kvs
            .iter()
            .map(|kv| (kv.key.as_str(), kv.value.clone()))
            .collect::<Vec<_>>(),
        [("/k/kept", value("2")), ("/k/late", value("b"))]
    );
    store.close().await.unwrap();
}

/// A range reads its records in revision order with one cursor over nearby revisions and a
/// new lookup across gaps: key order unlike revision order, dense and sparse prefixes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges_read_records_near_and_far_apart() {
    let folder = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&store_path(&folder)).unwrap();
    let reference = MemoryStore::new();
    let mut ops = Vec::new();
    for index in 0..300 {
        ops.push(WriteOp::Create {
            key: format!("/dense/{index:03}"),
            value: value(&format!("d{index}")),
        });
        if index % 40 == 0 {
            ops.push(WriteOp::Create {
                key: format!("/sparse/{index:03}"),
                value: value(&format!("s{index}")),
            });
        }
    }
    // Updates in reverse key order, every third key: the newest revisions run against key order.
    for index in (0..300).rev().step_by(3) {
        ops.push(WriteOp::Update {
            key: format!("/dense/{index:03}"),
            value: value(&format!("u{index}")),
            expected: 0,
        });
    }
    for op in &ops {
        assert_eq!(apply(&store, op).await, apply(&reference, op).await);
    }
    for prefix in ["/", "/dense/", "/sparse/"] {
        for revision in [None, Some(100), Some(310)] {
            let request = RangeRequest {
                prefix: prefix.to_owned(),
                revision,
                ..RangeRequest::default()
            };
            let read = store.range(request.clone()).await.unwrap();
            assert_eq!(read, reference.range(request).await.unwrap());
            assert!(!read.kvs.is_empty());
        }
    }
    store.close().await.unwrap();
}

/// A compaction whose file transaction failed leaves records the index forgot; the next open
/// finds them below the compacted revision and removes them, and reads never see them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_left_by_an_interrupted_compaction_are_removed_on_open() {
    let folder = tempfile::tempdir().unwrap();
    let path = store_path(&folder);
    let store = EmbeddedStore::open(&path).unwrap();
    let first = store.create("/k/a", value("1")).await.unwrap(); // 1
    store.update("/k/a", value("2"), 1).await.unwrap(); // 2
    store.create("/k/b", value("x")).await.unwrap(); // 3
    let deleted = store.delete("/k/b", 3).await.unwrap(); // 4
    store.create("/k/c", value("c")).await.unwrap(); // 5
    store.compact(4).await.unwrap();
    assert_eq!(revision_records(&store), 2);
    store.close().await.unwrap();
    {
        // Put back what the compaction removed, as if its transaction had not committed.
        let database = redb::Database::create(&path).unwrap();
        let transaction = database.begin_write().unwrap();
        {
            let mut table = transaction.open_table(super::super::REVISIONS).unwrap();
            table
                .insert(1, Record::put(&first, 0).encode().as_slice())
                .unwrap();
            let mut created_b = deleted.clone();
            created_b.mod_revision = 3;
            created_b.value = value("x");
            table
                .insert(3, Record::put(&created_b, 0).encode().as_slice())
                .unwrap();
            table
                .insert(4, Record::delete(&created_b).encode().as_slice())
                .unwrap();
        }
        transaction.commit().unwrap();
    }

    let store = EmbeddedStore::open(&path).unwrap();
    assert_eq!(revision_records(&store), 2);
    assert_eq!(store.shared.index().revision_count(), 2);
    assert_eq!(store.shared.index().key_count(), 2);
    let at_four = store
        .range(RangeRequest {
            revision: Some(4),
            ..RangeRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(
        at_four
            .kvs
            .iter()
            .map(|kv| (kv.key.as_str(), kv.mod_revision))
            .collect::<Vec<_>>(),
        [("/k/a", 2)]
    );
    assert_eq!(events(&store, 4, 5).await.len(), 1);
    store.close().await.unwrap();
}

/// The tables of a format-1 store, maintained as the format-1 code did.
#[derive(Default)]
struct FormatOneFile {
    kv: BTreeMap<String, KeyValue>,
    history: BTreeMap<(String, Revision), Option<KeyValue>>,
    log: BTreeMap<Revision, String>,
    current: Revision,
    compacted: Revision,
}

impl FormatOneFile {
    fn write(&mut self, op: &WriteOp) {
        let revision = self.current + 1;
        let applied = op.apply(self.kv.get(op.key()), revision).unwrap();
        let key = op.key().to_owned();
        match &applied.latest {
            Some(latest) => self.kv.insert(key.clone(), latest.clone()),
            None => self.kv.remove(&key),
        };
        self.history
            .insert((key.clone(), revision), applied.latest.clone());
        self.log.insert(revision, key);
        self.current = revision;
    }

    /// Format 1's compaction: per key written since the last compaction, every history entry
    /// at or below `to` but the newest, and that one too when it is a tombstone.
    fn compact(&mut self, to: Revision) {
        let touched: Vec<String> = self
            .log
            .range(self.compacted + 1..=to)
            .map(|(_, key)| key.clone())
            .collect();
        for key in touched {
            let entries: Vec<(Revision, bool)> = self
                .history
                .range((key.clone(), 0)..=(key.clone(), to))
                .map(|((_, revision), state)| (*revision, state.is_none()))
                .collect();
            let keep = match entries.last() {
                Some(&(revision, false)) => Some(revision),
                _ => None,
            };
            for (revision, _) in entries {
                if Some(revision) != keep {
                    self.history.remove(&(key.clone(), revision));
                }
            }
        }
        self.log.retain(|revision, _| *revision > to);
        self.compacted = to;
    }

    fn save(&self, path: &std::path::Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let database = redb::Database::create(path).unwrap();
        let transaction = database.begin_write().unwrap();
        {
            let mut meta = transaction.open_table(META).unwrap();
            meta.insert(META_FORMAT, 1).unwrap();
            meta.insert(META_CURRENT, self.current).unwrap();
            meta.insert(META_COMPACTED, self.compacted).unwrap();
            let mut kv = transaction.open_table(KV_V1).unwrap();
            for (key, latest) in &self.kv {
                kv.insert(key.as_str(), encode_latest_v1(latest).as_slice())
                    .unwrap();
            }
            let mut history = transaction.open_table(HISTORY_V1).unwrap();
            for ((key, revision), state) in &self.history {
                history
                    .insert(
                        (key.as_str(), *revision),
                        encode_history_v1(state.as_ref()).as_slice(),
                    )
                    .unwrap();
            }
            let mut log = transaction.open_table(LOG_V1).unwrap();
            for (revision, key) in &self.log {
                log.insert(*revision, key.as_str()).unwrap();
            }
        }
        transaction.commit().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_format_one_file_is_migrated_on_open() {
    let folder = tempfile::tempdir().unwrap();
    let path = store_path(&folder);
    let reference = MemoryStore::new();
    let mut old_file = FormatOneFile::default();
    // Another workload than the fixture's: the model covers more histories cheaply.
    let mut workload = Workload::new(23);
    for step in 1..=400 {
        let op = workload.next_op(&reference).await;
        apply(&reference, &op).await;
        old_file.write(&op);
        if step == 150 || step == 340 {
            reference.compact(step - 10).await.unwrap();
            old_file.compact(step - 10);
        }
    }
    old_file.save(&path);

    check_migration(
        &path,
        &reference,
        &mut workload,
        old_file.history.len() as u64,
    )
    .await;
}

/// Opens the format-1 file at `path`, which holds the state of `reference` in `history_entries`
/// history entries, and checks the migrated store: the same state, history and events as the
/// reference, only format-2 tables left, one record per history entry; then that it takes
/// writes and compactions and reopens as format 2.
async fn check_migration(
    path: &std::path::Path,
    reference: &MemoryStore,
    workload: &mut Workload,
    history_entries: u64,
) {
    let store = EmbeddedStore::open(path).unwrap();
    assert_same(&store, reference).await;
    {
        let database = store.shared.database().unwrap();
        let transaction = database.begin_read().unwrap();
        let names: Vec<String> = transaction
            .list_tables()
            .unwrap()
            .map(|table| table.name().to_owned())
            .collect();
        assert_eq!(names, ["meta", "revisions"]);
        let meta = transaction.open_table(META).unwrap();
        assert_eq!(meta.get(META_FORMAT).unwrap().unwrap().value(), 2);
        assert_eq!(
            transaction
                .open_table(super::super::REVISIONS)
                .unwrap()
                .len()
                .unwrap(),
            history_entries
        );
    }
    for _ in 0..40 {
        let op = workload.next_op(reference).await;
        assert_eq!(apply(&store, &op).await, apply(reference, &op).await);
    }
    let target = reference.current_revision().await.unwrap() - 10;
    store.compact(target).await.unwrap();
    reference.compact(target).await.unwrap();
    store.close().await.unwrap();
    let store = EmbeddedStore::open(path).unwrap();
    assert_same(&store, reference).await;
    store.close().await.unwrap();
}

/// The migration test's workload, replayed on a memory store: seed 11, 260 writes,
/// compactions at 80 and 190. `examples/format_fixture.rs` writes the same into a file.
async fn fixture_reference() -> (MemoryStore, Workload) {
    let reference = MemoryStore::new();
    let mut workload = Workload::new(11);
    for step in 1..=260 {
        let op = workload.next_op(&reference).await;
        apply(&reference, &op).await;
        if step == 90 || step == 200 {
            reference.compact(step - 10).await.unwrap();
        }
    }
    (reference, workload)
}

/// A file written by the format-1 store itself (commit 128ff07, see
/// `examples/format_fixture.rs`), not by this test's model of it: proves the migration reads
/// the real table types and encodings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_written_by_the_format_one_store_is_migrated() {
    let folder = tempfile::tempdir().unwrap();
    let path = store_path(&folder);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/embedded/tests/format-1.redb");
    std::fs::copy(&fixture, &path).unwrap();
    let history_entries = {
        let database = redb::Database::open(&path).unwrap();
        let transaction = database.begin_read().unwrap();
        let meta = transaction.open_table(META).unwrap();
        assert_eq!(meta.get(META_FORMAT).unwrap().unwrap().value(), 1);
        transaction.open_table(HISTORY_V1).unwrap().len().unwrap()
    };
    let (reference, mut workload) = fixture_reference().await;
    check_migration(&path, &reference, &mut workload, history_entries).await;
}
