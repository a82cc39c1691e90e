//! The durable embedded backend on disk (the default store), on one `redb` file.
//!
//! Layout (format 2), etcd's: the file is keyed by revision, the key index is in memory.
//! - `revisions`: revision -> what that revision wrote (key, value or deletion, create revision,
//!   version, the revision of the key's previous value; see `record`). Consecutive revisions
//!   are adjacent, so a group commit appends to a handful of leaves at the end of one B-tree,
//!   whichever keys it writes (format 1's per-key tables dirtied a leaf per key range written,
//!   in two tables: ~240 pages for 90 writes into 100 namespaces).
//! - `meta`: format version, current revision, compacted revision.
//! - In memory, `index::KeyIndex`: key -> the revisions that wrote it, rebuilt on open by
//!   scanning `revisions`. A read takes the revisions it needs from the index and the records
//!   from a redb snapshot begun under the index's lock (see `Shared::snapshot`); counts are
//!   answered from the index alone. Watch replay reads `revisions` in order and rebuilds each
//!   event's previous value from the record's previous revision.
//! - Compaction at C drops, per key, every revision <= C but the newest (the key's state at C,
//!   still readable), and that one too when it is a deletion, as in etcd. It walks the whole
//!   index once per chunk of revisions, under the index's write lock.
//!
//! Costs: the index holds each key's name, 8 bytes per revision kept and the map's overhead
//! (about 115 bytes per key with 40-byte keys and one revision each, measured); an open reads
//! every record once to rebuild it (about 0.25 s for 100,000 keys of 700-byte values, on top of
//! redb's integrity check). A range walks the index under its read lock (about 0.1 us per key)
//! and then reads each record by revision outside of it.
//!
//! Files of format 1 (`kv`, `history`, `log` keyed by key) are migrated on open, in the one
//! transaction that opens them (see `legacy`), and the file is compacted afterwards (the old
//! tables held every value twice). The open also removes records an interrupted compaction left
//! below the compacted revision. A format-1 build refuses a format-2 file (no way back).
//!
//! Writes go through one writer thread that drains a channel of pending writes and applies as
//! many as are waiting in one redb write transaction (one fsync): group commit. Each write is
//! validated against the index and the earlier writes of its batch. The
//! callers are answered only after the commit returned, so an `Ok` is on disk and survives
//! `kill -9`. The index learns a batch's writes after its commit, before the callers hear of it.
//! Reads run against redb's MVCC snapshots, in parallel with the writer: point gets and counts
//! on the calling task, ranges on tokio's blocking pool.

mod index;
mod legacy;
mod record;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard};

use async_trait::async_trait;
use bytes::Bytes;
use redb::{Database, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition};
use tokio::sync::{mpsc, oneshot};

use self::index::{KeyIndex, ReadAt};
use self::record::{Record, rebuild_event};
use crate::watch_cache::{EventLog, LogChunk, WatchHub};
use crate::write_op::{Applied, WriteOp};
use crate::{
    Event, KeyValue, RangeRequest, RangeResponse, Revision, Store, StoreError, WatchCacheOptions,
    WatchStream, check_watch_start, range_limit, resolve_read_revision,
};

const REVISIONS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("revisions");
const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");

const META_FORMAT: &str = "format_version";
const META_CURRENT: &str = "current_revision";
const META_COMPACTED: &str = "compacted_revision";
/// The default largest key plus value of one write. redb refuses values above 3 GiB, and its
/// error would fail the whole batch, so bigger writes are refused one by one beforehand.
const MAX_WRITE_BYTES: usize = 512 * 1024 * 1024;
/// Bumped on any incompatible change of the table layout or record encoding.
const FORMAT_VERSION: u64 = 2;
/// The per-key layout that format 2 replaced; migrated on open.
const FORMAT_PER_KEY_TABLES: u64 = 1;

/// Tuning of an [`EmbeddedStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedOptions {
    /// Watch cache sizes.
    pub watch: WatchCacheOptions,
    /// The most writes committed in one transaction. At least 1.
    pub max_batch: usize,
    /// The largest key plus value one write may carry; larger writes fail with
    /// [`StoreError::Backend`] (alone: the other writes of their batch go through).
    pub max_write_bytes: usize,
    /// The most revisions one compaction transaction covers, so that a large compaction does
    /// not stall writers for long. At least 1.
    pub compaction_chunk: u64,
    /// redb's page cache, in bytes. Pages not cached are read from the OS page cache; redb's
    /// own default (1 GiB) would let a store of 10,000 pods hold its whole file in memory.
    pub cache_bytes: usize,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        Self {
            watch: WatchCacheOptions::default(),
            max_batch: 1_024,
            max_write_bytes: MAX_WRITE_BYTES,
            compaction_chunk: 10_000,
            cache_bytes: 64 * 1024 * 1024,
        }
    }
}

/// The durable store on one redb file. See the module documentation for the layout.
pub struct EmbeddedStore {
    shared: Arc<Shared>,
    commands: mpsc::Sender<Command>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// State shared by the store handle, the writer thread and watch streams.
struct Shared {
    /// `None` once closed. Readers clone the `Arc` and release the lock at once.
    database: RwLock<Option<Arc<Database>>>,
    closed: AtomicBool,
    /// The key index. Only the writer thread changes it: after each commit, and before each
    /// compaction deletes records.
    index: RwLock<KeyIndex>,
    /// The current and compacted revisions, changed only under the index's write lock, so
    /// that a reader holding its read lock sees them consistent with the index.
    current: AtomicU64,
    compacted: AtomicU64,
    hub: Arc<WatchHub>,
}

/// A write waiting for the writer thread.
struct PendingWrite {
    op: WriteOp,
    reply: oneshot::Sender<Result<KeyValue, StoreError>>,
}

enum Command {
    Write(PendingWrite),
    Compact {
        revision: Revision,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    Close {
        reply: oneshot::Sender<()>,
    },
}

fn backend(context: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("{context}: {error}"))
}

/// What opening a file found.
struct Opened {
    database: Arc<Database>,
    current: Revision,
    compacted: Revision,
    index: KeyIndex,
}

impl EmbeddedStore {
    /// Opens (or creates) the store in the file at `path`, creating missing parent folders.
    ///
    /// This blocks while the file is checked and the key index is rebuilt: every page
    /// checksum is verified on open so that a damaged or foreign file fails with
    /// [`StoreError::Backend`] instead of being trusted, and every record is read once. A file
    /// of the previous format is migrated first, in one transaction. Call it before serving,
    /// or from `spawn_blocking`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with_options(path, EmbeddedOptions::default())
    }

    /// [`EmbeddedStore::open`] with explicit tuning.
    pub fn open_with_options(path: &Path, options: EmbeddedOptions) -> Result<Self, StoreError> {
        let owned_path = path.to_path_buf();
        // redb may panic (debug assertions) on a file damaged outside of it; opening on a
        // separate thread turns that into an error.
        let opened = std::thread::Builder::new()
            .name("enclave-store-open".to_owned())
            .spawn(move || open_database(&owned_path, options.cache_bytes))
            .map_err(|error| backend("cannot start the open thread", error))?
            .join()
            .map_err(|_| {
                StoreError::Backend(format!(
                    "database file {} is corrupt (the open failed)",
                    path.display()
                ))
            })??;
        let Opened {
            database,
            current,
            compacted,
            index,
        } = opened;
        let shared = Arc::new(Shared {
            database: RwLock::new(Some(database.clone())),
            closed: AtomicBool::new(false),
            index: RwLock::new(index),
            current: AtomicU64::new(current),
            compacted: AtomicU64::new(compacted),
            hub: Arc::new(WatchHub::new(options.watch, current)),
        });
        let (commands, receiver) = mpsc::channel(options.max_batch.max(1) * 4);
        let writer = Writer {
            database,
            shared: shared.clone(),
            max_batch: options.max_batch.max(1),
            max_write_bytes: options.max_write_bytes.min(MAX_WRITE_BYTES),
            compaction_chunk: options.compaction_chunk.max(1),
        };
        let writer = std::thread::Builder::new()
            .name("enclave-store-writer".to_owned())
            .spawn(move || writer.run(receiver))
            .map_err(|error| backend("cannot start the writer thread", error))?;
        Ok(Self {
            shared,
            commands,
            writer: Mutex::new(Some(writer)),
        })
    }

    async fn write(&self, op: WriteOp) -> Result<KeyValue, StoreError> {
        self.shared.check_open()?;
        let (reply, answer) = oneshot::channel();
        self.send(Command::Write(PendingWrite { op, reply }))
            .await?;
        answer.await.map_err(|_| self.stopped_writer())?
    }

    async fn send(&self, command: Command) -> Result<(), StoreError> {
        self.commands
            .send(command)
            .await
            .map_err(|_| self.stopped_writer())
    }

    /// The error when the writer thread went away: closed, or it died.
    fn stopped_writer(&self) -> StoreError {
        if self.shared.closed.load(Ordering::Acquire) {
            StoreError::Closed
        } else {
            StoreError::Backend("the store's writer thread stopped".to_owned())
        }
    }
}

/// Opens the file, creates or migrates its tables, reads the revisions and rebuilds the index.
fn open_database(path: &Path, cache_bytes: usize) -> Result<Opened, StoreError> {
    let shown = path.display();
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|error| backend(&format!("cannot create {}", parent.display()), error))?;
    }
    let mut database = Database::builder()
        .set_check_integrity_on_open(true)
        .set_cache_size(cache_bytes)
        .create(path)
        .map_err(|error| match error {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Backend(format!(
                "database file {shown} is already open (by another store or process)"
            )),
            other => backend(&format!("cannot open database file {shown}"), other),
        })?;
    let context = format!("cannot initialize database file {shown}");
    let transaction = database
        .begin_write()
        .map_err(|error| backend(&context, error))?;
    let mut migrated = false;
    let (current, compacted) = {
        let mut meta = transaction
            .open_table(META)
            .map_err(|error| backend(&context, error))?;
        let mut revisions = transaction
            .open_table(REVISIONS)
            .map_err(|error| backend(&context, error))?;
        let read = |meta: &redb::Table<'_, &str, u64>, name: &str| {
            meta.get(name)
                .map(|value| value.map(|value| value.value()))
                .map_err(|error| backend(&context, error))
        };
        match read(&meta, META_FORMAT)? {
            None => {
                meta.insert(META_FORMAT, FORMAT_VERSION)
                    .map_err(|error| backend(&context, error))?;
            }
            Some(FORMAT_VERSION) => {}
            Some(FORMAT_PER_KEY_TABLES) => {
                let started = std::time::Instant::now();
                let converted = legacy::migrate_v1(&transaction, &mut revisions)?;
                migrated = true;
                meta.insert(META_FORMAT, FORMAT_VERSION)
                    .map_err(|error| backend(&context, error))?;
                tracing::info!(
                    file = %shown,
                    records = converted,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "migrated the store from format {FORMAT_PER_KEY_TABLES} to {FORMAT_VERSION}"
                );
            }
            Some(other) => {
                return Err(StoreError::Backend(format!(
                    "database file {shown} has format version {other}, this build reads {FORMAT_VERSION} (and migrates {FORMAT_PER_KEY_TABLES})"
                )));
            }
        }
        (
            read(&meta, META_CURRENT)?.unwrap_or(0),
            read(&meta, META_COMPACTED)?.unwrap_or(0),
        )
    };
    if compacted > current {
        return Err(StoreError::Backend(format!(
            "database file {shown} is inconsistent: compacted revision {compacted} is newer than current {current}"
        )));
    }
    transaction
        .commit()
        .map_err(|error| backend(&context, error))?;
    if migrated {
        // The format-1 tables held every value twice and are free space now; giving it back
        // makes the file (and every later open, which checks the whole file) several times
        // smaller. A failure leaves a valid, larger file.
        let started = std::time::Instant::now();
        match database.compact() {
            Ok(_) => tracing::info!(
                file = %shown,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "compacted the migrated file"
            ),
            Err(error) => tracing::warn!(file = %shown, %error, "cannot compact the migrated file"),
        }
    }
    let started = std::time::Instant::now();
    let mut index = rebuild_index(&database, current)
        .map_err(|error| backend(&format!("cannot read database file {shown}"), error))?;
    tracing::info!(
        file = %shown,
        keys = index.key_count(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "rebuilt the store's key index"
    );
    remove_stale_records(&database, &mut index, compacted)
        .map_err(|error| backend(&format!("cannot clean database file {shown}"), error))?;
    Ok(Opened {
        database: Arc::new(database),
        current,
        compacted,
        index,
    })
}

/// Removes the records a compaction at `compacted` should have removed but left in the file:
/// those of a compaction whose file transaction failed after the index had forgotten them (see
/// [`Writer::compact_chunk`]). Without this, a later compaction would never see them again.
/// Costs one pass over the index; writes only when there is something to remove.
fn remove_stale_records(
    database: &Database,
    index: &mut KeyIndex,
    compacted: Revision,
) -> Result<(), StoreError> {
    let stale = index.compact(compacted);
    if stale.is_empty() {
        return Ok(());
    }
    tracing::warn!(
        records = stale.len(),
        compacted,
        "removing records left behind by an interrupted compaction"
    );
    let fail = |error: &dyn std::fmt::Display| backend("cannot remove stale records", error);
    let transaction = database.begin_write().map_err(|e| fail(&e))?;
    {
        let mut table = transaction.open_table(REVISIONS).map_err(|e| fail(&e))?;
        for revision in stale {
            table.remove(revision).map_err(|e| fail(&e))?;
        }
    }
    transaction.commit().map_err(|e| fail(&e))
}

/// Rebuilds the key index from every record of the revision table.
fn rebuild_index(database: &Database, current: Revision) -> Result<KeyIndex, StoreError> {
    let fail = |error: &dyn std::fmt::Display| backend("cannot rebuild the key index", error);
    let transaction = database.begin_read().map_err(|e| fail(&e))?;
    let table = transaction.open_table(REVISIONS).map_err(|e| fail(&e))?;
    let mut index = KeyIndex::default();
    for entry in table.range::<u64>(..).map_err(|e| fail(&e))? {
        let (revision, stored) = entry.map_err(|e| fail(&e))?;
        let revision = revision.value();
        if revision > current {
            return Err(StoreError::Backend(format!(
                "record at revision {revision} is newer than the current revision {current}"
            )));
        }
        let record = Record::decode(revision, stored.value())?;
        index.record(record.key, revision, record.deleted);
    }
    Ok(index)
}

impl Shared {
    fn check_open(&self) -> Result<(), StoreError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        Ok(())
    }

    fn database(&self) -> Result<Arc<Database>, StoreError> {
        self.check_open()?;
        self.database
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or(StoreError::Closed)
    }

    fn index(&self) -> RwLockReadGuard<'_, KeyIndex> {
        // Every change of the index is a single call that leaves it consistent, so a poisoned
        // lock still guards a usable index.
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Looks up what a read needs in the index (given the current and compacted revisions)
    /// and begins a snapshot that holds every record it names; `None` when the lookup found
    /// nothing to read.
    ///
    /// The snapshot is begun before the index's lock is released: a compaction takes
    /// revisions out of the index (under its write lock) before it deletes them from the file,
    /// so a revision still in the index is still in any snapshot begun meanwhile. The writer
    /// adds revisions to the index only after committing them, so they are in it too.
    fn snapshot<T>(
        &self,
        lookup: impl FnOnce(&KeyIndex, Revision, Revision) -> Result<Option<T>, StoreError>,
    ) -> Result<Option<(T, ReadTransaction)>, StoreError> {
        let database = self.database()?;
        let index = self.index();
        let Some(found) = lookup(
            &index,
            self.current.load(Ordering::Acquire),
            self.compacted.load(Ordering::Acquire),
        )?
        else {
            return Ok(None);
        };
        let transaction = database
            .begin_read()
            .map_err(|error| backend("cannot begin a read", error))?;
        drop(index);
        Ok(Some((found, transaction)))
    }
}

/// Reads the value a revision wrote; an error when the record is missing or a deletion (the
/// caller got the revision from the index or a record, which name only values).
fn read_value(
    table: &impl ReadableTable<u64, &'static [u8]>,
    revision: Revision,
) -> Result<KeyValue, StoreError> {
    let stored = table
        .get(revision)
        .map_err(|error| backend("cannot read a record", error))?
        .ok_or_else(|| {
            StoreError::Backend(format!("the record of revision {revision} is missing"))
        })?;
    Record::decode(revision, stored.value())?
        .key_value(revision)
        .ok_or_else(|| {
            StoreError::Backend(format!(
                "the record of revision {revision} is a deletion, a value was expected"
            ))
        })
}

/// How far apart (in revisions) two records of one range may be for the second to be reached by
/// stepping the cursor over the records between them rather than by a new lookup from the root.
const RANGE_READ_MAX_STEP: u64 = 32;

/// Reads the values the given revisions wrote, in the order given (a range's key order). The
/// records are visited in revision order, walking one cursor over runs of nearby revisions, so
/// that listing keys written together (the common case) costs a sequential scan, not a B-tree
/// lookup per key.
fn read_values(
    table: &impl ReadableTable<u64, &'static [u8]>,
    revisions: &[Revision],
) -> Result<Vec<KeyValue>, StoreError> {
    let fail = |error: &dyn std::fmt::Display| backend("cannot read a record", error);
    let mut order: Vec<usize> = (0..revisions.len()).collect();
    order.sort_unstable_by_key(|&position| revisions[position]);
    let mut values: Vec<Option<KeyValue>> = vec![None; revisions.len()];
    let mut cursor = None;
    // The revision of the record the cursor returned last.
    let mut last_read: Revision = 0;
    for position in order {
        let wanted = revisions[position];
        if cursor.is_none() || wanted > last_read.saturating_add(RANGE_READ_MAX_STEP) {
            cursor = Some(table.range(wanted..).map_err(|e| fail(&e))?);
        }
        let Some(entries) = cursor.as_mut() else {
            continue;
        };
        loop {
            let Some(entry) = entries.next() else {
                return Err(StoreError::Backend(format!(
                    "the record of revision {wanted} is missing"
                )));
            };
            let (revision, stored) = entry.map_err(|e| fail(&e))?;
            last_read = revision.value();
            if last_read < wanted {
                continue;
            }
            if last_read > wanted {
                return Err(StoreError::Backend(format!(
                    "the record of revision {wanted} is missing"
                )));
            }
            let value = Record::decode(wanted, stored.value())?
                .key_value(wanted)
                .ok_or_else(|| {
                    StoreError::Backend(format!(
                        "the record of revision {wanted} is a deletion, a value was expected"
                    ))
                })?;
            values[position] = Some(value);
            break;
        }
    }
    values
        .into_iter()
        .map(|value| {
            value.ok_or_else(|| StoreError::Backend("a range read a revision twice".to_owned()))
        })
        .collect()
}

impl EventLog for Shared {
    fn read_events(
        &self,
        prefix: &str,
        after: Revision,
        until: Revision,
        max_scanned: usize,
    ) -> Result<LogChunk, StoreError> {
        let database = self.database()?;
        let transaction = database
            .begin_read()
            .map_err(|error| backend("cannot begin a read", error))?;
        let meta = transaction
            .open_table(META)
            .map_err(|error| backend("cannot read meta", error))?;
        // The snapshot's own compacted revision: every record after it, and the previous
        // value of each, is in this snapshot.
        check_watch_start(after, meta_value(&meta, META_COMPACTED)?)?;
        let table = transaction
            .open_table(REVISIONS)
            .map_err(|error| backend("cannot read the revisions", error))?;
        let mut chunk = LogChunk {
            events: Vec::new(),
            scanned_to: after,
        };
        let first = after.saturating_add(1);
        if first > until {
            return Ok(chunk);
        }
        let entries = table
            .range(first..=until)
            .map_err(|error| backend("cannot read the revisions", error))?;
        for entry in entries.take(max_scanned) {
            let (revision, stored) =
                entry.map_err(|error| backend("cannot read the revisions", error))?;
            let revision = revision.value();
            if revision != chunk.scanned_to + 1 {
                return Err(StoreError::Backend(format!(
                    "event log is missing revision {}",
                    chunk.scanned_to + 1
                )));
            }
            chunk.scanned_to = revision;
            let record = Record::decode(revision, stored.value())?;
            if record.key.starts_with(prefix) {
                let event =
                    rebuild_event(revision, &record, |previous| read_value(&table, previous))?;
                chunk.events.push(Arc::new(event));
            }
        }
        Ok(chunk)
    }
}

fn meta_value(meta: &impl ReadableTable<&'static str, u64>, name: &str) -> Result<u64, StoreError> {
    Ok(meta
        .get(name)
        .map_err(|error| backend("cannot read meta", error))?
        .map(|value| value.value())
        .unwrap_or(0))
}

// ---------------------------------------------------------------------------------------------
// The writer thread.

struct Writer {
    database: Arc<Database>,
    shared: Arc<Shared>,
    max_batch: usize,
    max_write_bytes: usize,
    compaction_chunk: u64,
}

impl Writer {
    fn run(self, mut receiver: mpsc::Receiver<Command>) {
        let mut commands = Vec::with_capacity(self.max_batch);
        let mut writes = Vec::with_capacity(self.max_batch);
        loop {
            commands.clear();
            if receiver.blocking_recv_many(&mut commands, self.max_batch) == 0 {
                // Every handle is gone: nothing can be asked any more.
                return;
            }
            for command in commands.drain(..) {
                match command {
                    Command::Write(pending) => writes.push(pending),
                    Command::Compact { revision, reply } => {
                        self.commit_batch(&mut writes);
                        let _ = reply.send(self.compact_guarded(revision));
                    }
                    Command::Close { reply } => {
                        self.commit_batch(&mut writes);
                        let _ = reply.send(());
                        // Later commands are dropped with the receiver: their callers see the
                        // store closed.
                        return;
                    }
                }
            }
            self.commit_batch(&mut writes);
        }
    }

    /// Commits the pending writes in one transaction and answers them.
    fn commit_batch(&self, writes: &mut Vec<PendingWrite>) {
        if writes.is_empty() {
            return;
        }
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| self.apply_batch(writes)))
            .unwrap_or_else(|_| {
                Err(StoreError::Backend(
                    "the write transaction panicked".to_owned(),
                ))
            });
        match outcome {
            Ok(results) => {
                let events: Vec<Arc<Event>> = results
                    .iter()
                    .filter_map(|result| result.as_ref().ok())
                    .map(|applied| Arc::new(applied.event.clone()))
                    .collect();
                if let Some(last) = events.last() {
                    let mut index = self
                        .shared
                        .index
                        .write()
                        .unwrap_or_else(PoisonError::into_inner);
                    for applied in results.iter().filter_map(|result| result.as_ref().ok()) {
                        index.record(
                            applied.event.key(),
                            applied.event.revision(),
                            applied.latest.is_none(),
                        );
                    }
                    self.shared
                        .current
                        .store(last.revision(), Ordering::Release);
                }
                // Published before the answers, so a caller that saw its write acknowledged
                // and then watches cannot miss it.
                self.shared.hub.publish(events);
                for (pending, result) in writes.drain(..).zip(results) {
                    let _ = pending.reply.send(result.map(|applied| applied.result));
                }
            }
            Err(error) => {
                tracing::error!(%error, writes = writes.len(), "store write batch failed");
                for pending in writes.drain(..) {
                    let _ = pending.reply.send(Err(error.clone()));
                }
            }
        }
    }

    /// Validates and applies every write in one transaction. The outer error fails the whole
    /// batch (nothing was committed); inner errors are per write (preconditions).
    fn apply_batch(
        &self,
        writes: &[PendingWrite],
    ) -> Result<Vec<Result<Applied, StoreError>>, StoreError> {
        let fail = |error: &dyn std::fmt::Display| backend("write failed", error);
        let transaction = self.database.begin_write().map_err(|e| fail(&e))?;
        let start = self.shared.current.load(Ordering::Acquire);
        let mut revision = start;
        let mut results = Vec::with_capacity(writes.len());
        // The state of the keys this batch wrote so far (`None`: deleted), which the index
        // learns only after the commit.
        let mut batch_state: HashMap<&str, Option<KeyValue>> = HashMap::new();
        {
            let mut table = transaction.open_table(REVISIONS).map_err(|e| fail(&e))?;
            for pending in writes {
                let key = pending.op.key();
                if pending.op.size() > self.max_write_bytes {
                    results.push(Err(StoreError::Backend(format!(
                        "write of key {key} is larger than {} bytes",
                        self.max_write_bytes
                    ))));
                    continue;
                }
                let existing = match batch_state.get(key) {
                    Some(state) => state.clone(),
                    None => {
                        let latest = self.shared.index().visible(key, ReadAt::Latest);
                        match latest {
                            Some(latest) => Some(read_value(&table, latest)?),
                            None => None,
                        }
                    }
                };
                let applied = match pending.op.apply(existing.as_ref(), revision + 1) {
                    Ok(applied) => applied,
                    Err(precondition) => {
                        results.push(Err(precondition));
                        continue;
                    }
                };
                revision += 1;
                let record = match (&applied.latest, &existing) {
                    (Some(latest), existing) => Record::put(
                        latest,
                        existing
                            .as_ref()
                            .map_or(0, |existing| existing.mod_revision),
                    ),
                    (None, Some(deleted)) => Record::delete(deleted),
                    (None, None) => {
                        return Err(StoreError::Backend(format!(
                            "deletion of key {key} without a value"
                        )));
                    }
                };
                table
                    .insert(revision, record.encode().as_slice())
                    .map_err(|e| fail(&e))?;
                batch_state.insert(key, applied.latest.clone());
                results.push(Ok(applied));
            }
            if revision > start {
                let mut meta = transaction.open_table(META).map_err(|e| fail(&e))?;
                meta.insert(META_CURRENT, revision).map_err(|e| fail(&e))?;
            }
        }
        if revision == start {
            // Only failed preconditions: nothing to make durable.
            transaction.abort().map_err(|e| fail(&e))?;
        } else {
            transaction.commit().map_err(|e| fail(&e))?;
        }
        Ok(results)
    }

    fn compact_guarded(&self, target: Revision) -> Result<(), StoreError> {
        std::panic::catch_unwind(AssertUnwindSafe(|| self.compact(target))).unwrap_or_else(|_| {
            Err(StoreError::Backend(
                "the compaction transaction panicked".to_owned(),
            ))
        })
    }

    /// Compacts up to `target` in chunks of `compaction_chunk` revisions, each its own
    /// transaction, so that writers queued meanwhile wait for one chunk at most.
    fn compact(&self, target: Revision) -> Result<(), StoreError> {
        let current = self.shared.current.load(Ordering::Acquire);
        if target > current {
            return Err(StoreError::FutureRevision {
                requested: target,
                current,
            });
        }
        let mut compacted = self.shared.compacted.load(Ordering::Acquire);
        while compacted < target {
            let chunk_end = target.min(compacted.saturating_add(self.compaction_chunk));
            self.compact_chunk(chunk_end)?;
            compacted = chunk_end;
        }
        Ok(())
    }

    /// Compacts at `to`: first in the index (so that no read looks for the records any more),
    /// then in the file. Each revision dropped is superseded by a later one at or below `to`,
    /// or is a deletion at or below it, so a chunk of N revisions deletes at most 2N records.
    fn compact_chunk(&self, to: Revision) -> Result<(), StoreError> {
        let fail = |error: &dyn std::fmt::Display| backend("compaction failed", error);
        let removed = {
            let mut index = self
                .shared
                .index
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            let removed = index.compact(to);
            self.shared.compacted.store(to, Ordering::Release);
            removed
        };
        // Should this transaction fail, the file keeps records the index forgot: reads stay
        // right, and the next open rebuilds the index from the file as it is.
        let transaction = self.database.begin_write().map_err(|e| fail(&e))?;
        {
            let mut table = transaction.open_table(REVISIONS).map_err(|e| fail(&e))?;
            for revision in removed {
                table.remove(revision).map_err(|e| fail(&e))?;
            }
            let mut meta = transaction.open_table(META).map_err(|e| fail(&e))?;
            meta.insert(META_COMPACTED, to).map_err(|e| fail(&e))?;
        }
        transaction.commit().map_err(|e| fail(&e))
    }
}

// ---------------------------------------------------------------------------------------------
// Reads.

#[async_trait]
impl Store for EmbeddedStore {
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StoreError> {
        // On the calling task: a point lookup touches a handful of pages, mostly in redb's
        // cache, so it costs less than the two thread hand-offs of the blocking pool.
        let Some((revision, transaction)) = self
            .shared
            .snapshot(|index, _, _| Ok(index.visible(key, ReadAt::Latest)))?
        else {
            return Ok(None);
        };
        let table = transaction
            .open_table(REVISIONS)
            .map_err(|error| backend("get failed", error))?;
        read_value(&table, revision).map(Some)
    }

    async fn range(&self, request: RangeRequest) -> Result<RangeResponse, StoreError> {
        let shared = self.shared.clone();
        tokio::task::spawn_blocking(move || {
            let limit = range_limit(&request);
            let found = shared.snapshot(|index, current, compacted| {
                let revision = resolve_read_revision(request.revision, current, compacted)?;
                let at = if revision == current {
                    ReadAt::Latest
                } else {
                    ReadAt::Revision(revision)
                };
                // One key beyond the limit tells whether there are more.
                let revisions = index.visible_range(
                    &request.prefix,
                    request.start_after.as_deref(),
                    at,
                    limit.saturating_add(1),
                );
                Ok(Some((revisions, revision)))
            })?;
            let Some(((revisions, revision), transaction)) = found else {
                return Err(StoreError::Backend("range found no snapshot".to_owned()));
            };
            let table = transaction
                .open_table(REVISIONS)
                .map_err(|error| backend("range failed", error))?;
            let mut kvs = read_values(&table, &revisions)?;
            let more = kvs.len() > limit;
            kvs.truncate(limit);
            Ok(RangeResponse {
                kvs,
                more,
                revision,
            })
        })
        .await
        .map_err(|error| backend("read task failed", error))?
    }

    async fn count(&self, prefix: &str) -> Result<u64, StoreError> {
        self.shared.check_open()?;
        Ok(self.shared.index().count(prefix))
    }

    async fn create(&self, key: &str, value: Bytes) -> Result<KeyValue, StoreError> {
        self.write(WriteOp::Create {
            key: key.to_owned(),
            value,
        })
        .await
    }

    async fn update(
        &self,
        key: &str,
        value: Bytes,
        expected: Revision,
    ) -> Result<KeyValue, StoreError> {
        self.write(WriteOp::Update {
            key: key.to_owned(),
            value,
            expected,
        })
        .await
    }

    async fn delete(&self, key: &str, expected: Revision) -> Result<KeyValue, StoreError> {
        self.write(WriteOp::Delete {
            key: key.to_owned(),
            expected,
        })
        .await
    }

    async fn watch(&self, prefix: &str, after: Revision) -> Result<WatchStream, StoreError> {
        self.shared.check_open()?;
        check_watch_start(after, self.shared.compacted.load(Ordering::Acquire))?;
        let log: Arc<dyn EventLog> = self.shared.clone();
        self.shared.hub.watch(log, prefix, after)
    }

    async fn current_revision(&self) -> Result<Revision, StoreError> {
        self.shared.check_open()?;
        Ok(self.shared.current.load(Ordering::Acquire))
    }

    async fn compacted_revision(&self) -> Result<Revision, StoreError> {
        self.shared.check_open()?;
        Ok(self.shared.compacted.load(Ordering::Acquire))
    }

    async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        self.shared.check_open()?;
        let (reply, answer) = oneshot::channel();
        self.send(Command::Compact { revision, reply }).await?;
        answer.await.map_err(|_| self.stopped_writer())?
    }

    async fn close(&self) -> Result<(), StoreError> {
        if self.shared.closed.swap(true, Ordering::AcqRel) {
            return Err(StoreError::Closed);
        }
        // The writer finishes every write queued before this command, then stops.
        let (reply, answer) = oneshot::channel();
        if self.commands.send(Command::Close { reply }).await.is_ok() {
            let _ = answer.await;
        }
        let writer = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        self.shared.hub.close();
        let database = self
            .shared
            .database
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        tokio::task::spawn_blocking(move || {
            if let Some(writer) = writer {
                let _ = writer.join();
            }
            // Reads still in flight keep their own handle; the file closes after the last one.
            match database.map(Arc::try_unwrap) {
                Some(Ok(database)) => database
                    .close()
                    .map_err(|error| backend("cannot close the database", error)),
                _ => Ok(()),
            }
        })
        .await
        .map_err(|error| backend("close task failed", error))?
    }
}

impl Drop for EmbeddedStore {
    fn drop(&mut self) {
        // Without close(), the writer stops once the command channel is dropped; watch streams
        // still running end when the hub closes.
        self.shared.hub.close();
    }
}

#[cfg(test)]
mod tests;
