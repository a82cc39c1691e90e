//! The durable embedded backend on disk (the default store), on one `redb` file.
//!
//! Tables:
//! - `kv`: key -> the key's latest record (create revision, mod revision, version, value); the
//!   fast path of reads at the latest revision.
//! - `history`: (key, revision) -> the key's state written at that revision (a value or a
//!   tombstone); a read at a past revision R takes, per key, the entry with the greatest
//!   revision <= R. Compaction at C keeps each key's newest entry <= C (unless a tombstone), so
//!   the state at C stays readable, as in etcd.
//! - `log`: revision -> key written at that revision. The event (value, previous value, kind)
//!   is rebuilt from `history`, so values are not stored a third time.
//! - `meta`: format version, current revision, compacted revision.
//!
//! Writes go through one writer thread that drains a channel of pending writes and applies as
//! many as are waiting in one redb write transaction (one fsync): group commit. Each write is
//! validated against the transaction's state, so it sees the earlier writes of its batch. The
//! callers are answered only after the commit returned, so an `Ok` is on disk and survives
//! `kill -9`. Reads run against redb's MVCC snapshots, in parallel with the writer: point gets
//! on the calling task, ranges on tokio's blocking pool.

use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;
use bytes::Bytes;
use redb::{
    Database, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction,
};
use tokio::sync::{mpsc, oneshot};

use crate::watch_cache::{EventLog, LogChunk, WatchHub};
use crate::write_op::{Applied, WriteOp};
use crate::{
    Event, KeyValue, RangeRequest, RangeResponse, Revision, Store, StoreError, WatchCacheOptions,
    WatchStream, check_watch_start, range_limit, range_start, resolve_read_revision,
};

const KV: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("kv");
const HISTORY: TableDefinition<'_, (&str, u64), &[u8]> = TableDefinition::new("history");
const LOG: TableDefinition<'_, u64, &str> = TableDefinition::new("log");
const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");

const META_FORMAT: &str = "format_version";
const META_CURRENT: &str = "current_revision";
const META_COMPACTED: &str = "compacted_revision";
/// The default largest key plus value of one write. redb refuses values above 3 GiB, and its
/// error would fail the whole batch, so bigger writes are refused one by one beforehand.
const MAX_WRITE_BYTES: usize = 512 * 1024 * 1024;
/// Bumped on any incompatible change of the table layout or record encoding.
const FORMAT_VERSION: u64 = 1;

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

impl EmbeddedStore {
    /// Opens (or creates) the store in the file at `path`, creating missing parent folders.
    ///
    /// This blocks while the file is checked: every page checksum is verified on open so that
    /// a damaged or foreign file fails with [`StoreError::Backend`] instead of being trusted.
    /// Call it before serving, or from `spawn_blocking`.
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
        let (database, current, compacted) = opened;
        let shared = Arc::new(Shared {
            database: RwLock::new(Some(database.clone())),
            closed: AtomicBool::new(false),
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

    /// Runs a read against a snapshot on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&ReadTransaction) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let database = self.shared.database()?;
        tokio::task::spawn_blocking(move || {
            let transaction = database
                .begin_read()
                .map_err(|error| backend("cannot begin a read", error))?;
            read(&transaction)
        })
        .await
        .map_err(|error| backend("read task failed", error))?
    }

    /// Runs a short read (one key) against a snapshot on the calling task. A point lookup
    /// touches a handful of pages, mostly in redb's cache, so it costs less than the two thread
    /// hand-offs of the blocking pool (which doubled the CPU of a GET under load).
    fn read_inline<T>(
        &self,
        read: impl FnOnce(&ReadTransaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let transaction = self
            .shared
            .database()?
            .begin_read()
            .map_err(|error| backend("cannot begin a read", error))?;
        read(&transaction)
    }
}

/// Opens the file, creates missing tables and reads the revisions.
fn open_database(
    path: &Path,
    cache_bytes: usize,
) -> Result<(Arc<Database>, Revision, Revision), StoreError> {
    let shown = path.display();
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|error| backend(&format!("cannot create {}", parent.display()), error))?;
    }
    let database = Database::builder()
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
    let (current, compacted) = {
        let mut meta = transaction
            .open_table(META)
            .map_err(|error| backend(&context, error))?;
        transaction
            .open_table(KV)
            .map_err(|error| backend(&context, error))?;
        transaction
            .open_table(HISTORY)
            .map_err(|error| backend(&context, error))?;
        transaction
            .open_table(LOG)
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
            Some(other) => {
                return Err(StoreError::Backend(format!(
                    "database file {shown} has format version {other}, this build reads {FORMAT_VERSION}"
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
    Ok((Arc::new(database), current, compacted))
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
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .ok_or(StoreError::Closed)
    }
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
        check_watch_start(after, meta_value(&meta, META_COMPACTED)?)?;
        let log = transaction
            .open_table(LOG)
            .map_err(|error| backend("cannot read the log", error))?;
        let history = transaction
            .open_table(HISTORY)
            .map_err(|error| backend("cannot read history", error))?;
        let mut chunk = LogChunk {
            events: Vec::new(),
            scanned_to: after,
        };
        let first = after.saturating_add(1);
        if first > until {
            return Ok(chunk);
        }
        let entries = log
            .range(first..=until)
            .map_err(|error| backend("cannot read the log", error))?;
        for entry in entries.take(max_scanned) {
            let (revision, key) = entry.map_err(|error| backend("cannot read the log", error))?;
            let (revision, key) = (revision.value(), key.value());
            if revision != chunk.scanned_to + 1 {
                return Err(StoreError::Backend(format!(
                    "event log is missing revision {}",
                    chunk.scanned_to + 1
                )));
            }
            chunk.scanned_to = revision;
            if key.starts_with(prefix) {
                chunk
                    .events
                    .push(Arc::new(rebuild_event(&history, key, revision)?));
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
// Record encoding. Integers are little-endian u64; the value is the rest of the record.

const LATEST_HEADER: usize = 24;
const HISTORY_VALUE: u8 = 1;
const HISTORY_TOMBSTONE: u8 = 0;
const HISTORY_HEADER: usize = 17;

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let raw: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(raw))
}

fn encode_latest(kv: &KeyValue) -> Vec<u8> {
    let mut record = Vec::with_capacity(LATEST_HEADER + kv.value.len());
    record.extend_from_slice(&kv.create_revision.to_le_bytes());
    record.extend_from_slice(&kv.mod_revision.to_le_bytes());
    record.extend_from_slice(&kv.version.to_le_bytes());
    record.extend_from_slice(&kv.value);
    record
}

fn decode_latest(key: &str, record: &[u8]) -> Result<KeyValue, StoreError> {
    let corrupt = || StoreError::Backend(format!("corrupt record of key {key}"));
    Ok(KeyValue {
        key: key.to_owned(),
        create_revision: read_u64(record, 0).ok_or_else(corrupt)?,
        mod_revision: read_u64(record, 8).ok_or_else(corrupt)?,
        version: read_u64(record, 16).ok_or_else(corrupt)?,
        value: Bytes::copy_from_slice(record.get(LATEST_HEADER..).ok_or_else(corrupt)?),
    })
}

/// A history record: the key's state written at a revision (`None`: deleted).
fn encode_history(latest: Option<&KeyValue>) -> Vec<u8> {
    match latest {
        None => vec![HISTORY_TOMBSTONE],
        Some(kv) => {
            let mut record = Vec::with_capacity(HISTORY_HEADER + kv.value.len());
            record.push(HISTORY_VALUE);
            record.extend_from_slice(&kv.create_revision.to_le_bytes());
            record.extend_from_slice(&kv.version.to_le_bytes());
            record.extend_from_slice(&kv.value);
            record
        }
    }
}

fn decode_history(
    key: &str,
    revision: Revision,
    record: &[u8],
) -> Result<Option<KeyValue>, StoreError> {
    let corrupt = || StoreError::Backend(format!("corrupt history of key {key} at {revision}"));
    match record.first() {
        Some(&HISTORY_TOMBSTONE) if record.len() == 1 => Ok(None),
        Some(&HISTORY_VALUE) => Ok(Some(KeyValue {
            key: key.to_owned(),
            create_revision: read_u64(record, 1).ok_or_else(corrupt)?,
            mod_revision: revision,
            version: read_u64(record, 9).ok_or_else(corrupt)?,
            value: Bytes::copy_from_slice(record.get(HISTORY_HEADER..).ok_or_else(corrupt)?),
        })),
        _ => Err(corrupt()),
    }
}

/// Rebuilds the event written at `revision` to `key` from the history.
fn rebuild_event(
    history: &impl ReadableTable<(&'static str, u64), &'static [u8]>,
    key: &str,
    revision: Revision,
) -> Result<Event, StoreError> {
    let read_error = |error: redb::StorageError| backend("cannot read history", error);
    let written = history
        .get((key, revision))
        .map_err(read_error)?
        .ok_or_else(|| {
            StoreError::Backend(format!("history of key {key} lacks revision {revision}"))
        })?;
    let written = decode_history(key, revision, written.value())?;
    let previous = match history
        .range((key, 0)..(key, revision))
        .map_err(read_error)?
        .next_back()
    {
        Some(entry) => {
            let (entry_key, record) = entry.map_err(read_error)?;
            decode_history(key, entry_key.value().1, record.value())?
        }
        None => None,
    };
    match written {
        Some(kv) => Ok(Event::Put { kv, prev: previous }),
        None => {
            let last = previous.ok_or_else(|| {
                StoreError::Backend(format!(
                    "history of key {key} lacks the value deleted at {revision}"
                ))
            })?;
            Ok(Event::Delete {
                kv: KeyValue {
                    mod_revision: revision,
                    ..last
                },
            })
        }
    }
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
        {
            let mut kv = transaction.open_table(KV).map_err(|e| fail(&e))?;
            let mut history = transaction.open_table(HISTORY).map_err(|e| fail(&e))?;
            let mut log = transaction.open_table(LOG).map_err(|e| fail(&e))?;
            for pending in writes {
                let key = pending.op.key();
                if pending.op.size() > self.max_write_bytes {
                    results.push(Err(StoreError::Backend(format!(
                        "write of key {key} is larger than {} bytes",
                        self.max_write_bytes
                    ))));
                    continue;
                }
                let existing = match kv.get(key).map_err(|e| fail(&e))? {
                    Some(record) => Some(decode_latest(key, record.value())?),
                    None => None,
                };
                let applied = match pending.op.apply(existing.as_ref(), revision + 1) {
                    Ok(applied) => applied,
                    Err(precondition) => {
                        results.push(Err(precondition));
                        continue;
                    }
                };
                revision += 1;
                match &applied.latest {
                    Some(latest) => {
                        kv.insert(key, encode_latest(latest).as_slice())
                            .map_err(|e| fail(&e))?;
                    }
                    None => {
                        kv.remove(key).map_err(|e| fail(&e))?;
                    }
                }
                history
                    .insert(
                        (key, revision),
                        encode_history(applied.latest.as_ref()).as_slice(),
                    )
                    .map_err(|e| fail(&e))?;
                log.insert(revision, key).map_err(|e| fail(&e))?;
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
            self.compact_chunk(compacted, chunk_end)?;
            self.shared.compacted.store(chunk_end, Ordering::Release);
            compacted = chunk_end;
        }
        Ok(())
    }

    /// Compacts the revisions in `(from, to]`, where `from` is the compacted revision.
    fn compact_chunk(&self, from: Revision, to: Revision) -> Result<(), StoreError> {
        let fail = |error: &dyn std::fmt::Display| backend("compaction failed", error);
        let transaction: WriteTransaction = self.database.begin_write().map_err(|e| fail(&e))?;
        {
            let mut log = transaction.open_table(LOG).map_err(|e| fail(&e))?;
            let mut history = transaction.open_table(HISTORY).map_err(|e| fail(&e))?;
            // Only keys written in (from, to] can have gained superseded history entries since
            // the last compaction; every other key already has at most one entry <= from.
            let mut touched = BTreeSet::new();
            for entry in log.range(from + 1..=to).map_err(|e| fail(&e))? {
                let (_, key) = entry.map_err(|e| fail(&e))?;
                touched.insert(key.value().to_owned());
            }
            for key in &touched {
                let mut old_entries = Vec::new();
                for entry in history
                    .range((key.as_str(), 0)..=(key.as_str(), to))
                    .map_err(|e| fail(&e))?
                {
                    let (entry_key, record) = entry.map_err(|e| fail(&e))?;
                    let is_tombstone = record.value().first() == Some(&HISTORY_TOMBSTONE);
                    old_entries.push((entry_key.value().1, is_tombstone));
                }
                // Keep the newest entry <= to: it is the key's state at `to`, still readable.
                let keep = match old_entries.last() {
                    Some(&(revision, false)) => Some(revision),
                    _ => None,
                };
                for (revision, _) in old_entries {
                    if Some(revision) != keep {
                        history
                            .remove((key.as_str(), revision))
                            .map_err(|e| fail(&e))?;
                    }
                }
            }
            log.retain_in(from + 1..=to, |_, _| false)
                .map_err(|e| fail(&e))?;
            let mut meta = transaction.open_table(META).map_err(|e| fail(&e))?;
            meta.insert(META_COMPACTED, to).map_err(|e| fail(&e))?;
        }
        transaction.commit().map_err(|e| fail(&e))
    }
}

// ---------------------------------------------------------------------------------------------
// Reads.

fn read_latest_range(
    transaction: &ReadTransaction,
    request: &RangeRequest,
) -> Result<Vec<KeyValue>, StoreError> {
    let fail = |error: &dyn std::fmt::Display| backend("range failed", error);
    let table = transaction.open_table(KV).map_err(|e| fail(&e))?;
    let (start, exclusive) = range_start(request);
    let limit = range_limit(request).saturating_add(1);
    let mut kvs = Vec::new();
    for entry in table.range(start..).map_err(|e| fail(&e))? {
        let (key, record) = entry.map_err(|e| fail(&e))?;
        let key = key.value();
        if !key.starts_with(&request.prefix) || kvs.len() == limit {
            break;
        }
        if exclusive && key == start {
            continue;
        }
        kvs.push(decode_latest(key, record.value())?);
    }
    Ok(kvs)
}

fn read_past_range(
    transaction: &ReadTransaction,
    request: &RangeRequest,
    at: Revision,
) -> Result<Vec<KeyValue>, StoreError> {
    let fail = |error: &dyn std::fmt::Display| backend("range failed", error);
    let table = transaction.open_table(HISTORY).map_err(|e| fail(&e))?;
    let (start, exclusive) = range_start(request);
    let limit = range_limit(request).saturating_add(1);
    let mut kvs = Vec::new();
    // The entries of one key are adjacent and in revision order: the last one <= `at` wins.
    let mut group: Option<(String, Option<KeyValue>)> = None;
    for entry in table.range((start, 0)..).map_err(|e| fail(&e))? {
        let (entry_key, record) = entry.map_err(|e| fail(&e))?;
        let (key, revision) = entry_key.value();
        if !key.starts_with(&request.prefix) {
            break;
        }
        if exclusive && key == start {
            continue;
        }
        if group.as_ref().is_none_or(|(group_key, _)| group_key != key) {
            if let Some((_, Some(visible))) = group.take() {
                kvs.push(visible);
                if kvs.len() == limit {
                    return Ok(kvs);
                }
            }
            group = Some((key.to_owned(), None));
        }
        if revision <= at
            && let Some((_, visible)) = group.as_mut()
        {
            *visible = decode_history(key, revision, record.value())?;
        }
    }
    if let Some((_, Some(visible))) = group {
        kvs.push(visible);
    }
    Ok(kvs)
}

#[async_trait]
impl Store for EmbeddedStore {
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StoreError> {
        self.read_inline(|transaction| {
            let fail = |error: &dyn std::fmt::Display| backend("get failed", error);
            let table = transaction.open_table(KV).map_err(|e| fail(&e))?;
            match table.get(key).map_err(|e| fail(&e))? {
                Some(record) => Ok(Some(decode_latest(key, record.value())?)),
                None => Ok(None),
            }
        })
    }

    async fn range(&self, request: RangeRequest) -> Result<RangeResponse, StoreError> {
        self.read(move |transaction| {
            let meta = transaction
                .open_table(META)
                .map_err(|error| backend("range failed", error))?;
            let current = meta_value(&meta, META_CURRENT)?;
            let compacted = meta_value(&meta, META_COMPACTED)?;
            let revision = resolve_read_revision(request.revision, current, compacted)?;
            let mut kvs = if revision == current {
                read_latest_range(transaction, &request)?
            } else {
                read_past_range(transaction, &request, revision)?
            };
            // Both readers fetch one key beyond the limit to tell whether there are more.
            let more = kvs.len() > range_limit(&request);
            kvs.truncate(range_limit(&request));
            Ok(RangeResponse {
                kvs,
                more,
                revision,
            })
        })
        .await
    }

    async fn count(&self, prefix: &str) -> Result<u64, StoreError> {
        let prefix = prefix.to_owned();
        self.read(move |transaction| {
            let fail = |error: &dyn std::fmt::Display| backend("count failed", error);
            let table = transaction.open_table(KV).map_err(|e| fail(&e))?;
            let mut count = 0;
            for entry in table.range(prefix.as_str()..).map_err(|e| fail(&e))? {
                let (key, _) = entry.map_err(|e| fail(&e))?;
                if !key.value().starts_with(&prefix) {
                    break;
                }
                count += 1;
            }
            Ok(count)
        })
        .await
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
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        self.shared.hub.close();
        let database = self
            .shared
            .database
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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
