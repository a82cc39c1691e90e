//! The `Store` trait: an etcd-shaped key-value store with one global revision, and its backends.
//!
//! Keys are strings (`/registry/<group>/<resource>/<namespace>/<name>`), values are opaque
//! bytes. Every successful write gets the next global revision; a key remembers the revision
//! that created it and the one that last modified it, which the API server exposes as
//! `resourceVersion`. Writes are conditional on the modification revision the writer last saw,
//! watches replay every change after a given revision, and compaction forgets history older
//! than a revision (a later watch or range from there fails with [`StoreError::Compacted`]).
//!
//! Backends: [`memory::MemoryStore`] for tests and [`embedded::EmbeddedStore`], durable on
//! disk, the default. Every backend passes the suite in `testing` (feature `testing`).
//!
//! Semantics worth knowing when calling the store:
//! - A failed write (precondition or backend error) takes no revision.
//! - `RangeRequest::revision` of `Some(0)` means the latest, like `None`.
//! - Compaction at C keeps the state *at* C readable (etcd's rule): a range at C and a watch
//!   after C work, a range at C-1 or a watch after C-1 fail with [`StoreError::Compacted`].
//!   The API server turns that into `410 Gone` / an `Expired` watch event.
//! - A watch may start after a future revision; it then delivers only events after it.
//! - A watch stream ends with `Err(Compacted)` only when it fell behind by more than the watch
//!   cache and the history it needs was compacted meanwhile; otherwise a slow watcher catches
//!   up by itself. After [`Store::close`], open streams end with `Err(Closed)`.
//! - Periodic compaction: call [`Store::compact_keep`] (e.g. every 5 minutes with the number of
//!   revisions to keep); [`compaction_target`] computes the same target for custom policies.

pub mod embedded;
pub mod memory;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod watch_cache;
mod write_op;

pub use watch_cache::WatchCacheOptions;

use std::fmt;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;

/// A global, strictly increasing revision. `0` means "no revision".
pub type Revision = u64;

/// A key with its value and revisions, as etcd's `mvccpb.KeyValue`.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The key.
    pub key: String,
    /// The value; empty for a deletion event's tombstone.
    pub value: Bytes,
    /// The revision of the write that created the key (since its last deletion).
    pub create_revision: Revision,
    /// The revision of the last write to the key.
    pub mod_revision: Revision,
    /// How many times the key was written since it was created (1 after creation).
    pub version: u64,
}

impl fmt::Debug for KeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyValue")
            .field("key", &self.key)
            .field("value_len", &self.value.len())
            .field("create_revision", &self.create_revision)
            .field("mod_revision", &self.mod_revision)
            .field("version", &self.version)
            .finish()
    }
}

/// One change, as a watch delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A create (when `prev` is `None`) or an update.
    Put {
        /// The key as written; `kv.mod_revision` is the event's revision.
        kv: KeyValue,
        /// The key before the write, if it existed.
        prev: Option<KeyValue>,
    },
    /// A deletion.
    Delete {
        /// The key's last value before deletion, with `mod_revision` set to the revision of
        /// the deletion itself (which is what Kubernetes reports as the deleted object's
        /// resourceVersion).
        kv: KeyValue,
    },
}

impl Event {
    /// The revision at which this change happened.
    pub fn revision(&self) -> Revision {
        match self {
            Event::Put { kv, .. } | Event::Delete { kv } => kv.mod_revision,
        }
    }

    /// The key that changed.
    pub fn key(&self) -> &str {
        match self {
            Event::Put { kv, .. } | Event::Delete { kv } => &kv.key,
        }
    }
}

/// What to read in a [`Store::range`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeRequest {
    /// Only keys starting with this prefix.
    pub prefix: String,
    /// Only keys strictly greater than this one (for paging).
    pub start_after: Option<String>,
    /// At most this many keys; `None` or `Some(0)` means all.
    pub limit: Option<usize>,
    /// Read the state as of this revision instead of the latest; fails with
    /// [`StoreError::Compacted`] if that revision was compacted and with
    /// [`StoreError::FutureRevision`] if it is newer than the current revision.
    pub revision: Option<Revision>,
}

/// The answer of a [`Store::range`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeResponse {
    /// Matching keys in ascending key order.
    pub kvs: Vec<KeyValue>,
    /// Whether more keys match beyond `limit`.
    pub more: bool,
    /// The revision the read was served at (the current revision unless one was asked for).
    pub revision: Revision,
}

/// A watch: every event with a revision greater than the start, in revision order.
/// The stream ends with `Err(StoreError::Compacted)` if the watcher falls too far behind.
pub type WatchStream = BoxStream<'static, Result<Event, StoreError>>;

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Create of a key that exists.
    #[error("key {key} already exists")]
    AlreadyExists {
        /// The key.
        key: String,
    },
    /// Update or delete of a key that does not exist.
    #[error("key {key} not found")]
    NotFound {
        /// The key.
        key: String,
    },
    /// The key's modification revision is not the expected one.
    #[error("key {key} was modified: expected revision {expected}, found {actual}")]
    Conflict {
        /// The key.
        key: String,
        /// The revision the writer expected.
        expected: Revision,
        /// The key's actual modification revision.
        actual: Revision,
    },
    /// The requested revision was compacted away.
    #[error("required revision {requested} has been compacted (compacted up to {compacted})")]
    Compacted {
        /// The revision asked for.
        requested: Revision,
        /// The newest compacted revision.
        compacted: Revision,
    },
    /// The requested revision is newer than the store's.
    #[error("required revision {requested} is a future revision (current {current})")]
    FutureRevision {
        /// The revision asked for.
        requested: Revision,
        /// The current revision.
        current: Revision,
    },
    /// The backend failed (I/O, corruption). The write, if any, did not happen.
    #[error("storage backend failure: {0}")]
    Backend(String),
    /// The store was closed.
    #[error("the store is closed")]
    Closed,
}

/// An etcd-shaped store. All methods are safe to call concurrently.
///
/// A write that returns `Ok` is durable for durable backends: it survives a crash of the
/// process (`kill -9`) and of the machine.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Reads one key at the latest revision.
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StoreError>;

    /// Reads keys by prefix, in key order, optionally at a past revision.
    async fn range(&self, request: RangeRequest) -> Result<RangeResponse, StoreError>;

    /// Counts the keys under a prefix at the latest revision.
    async fn count(&self, prefix: &str) -> Result<u64, StoreError>;

    /// Creates a key that must not exist. Returns the key as stored.
    async fn create(&self, key: &str, value: Bytes) -> Result<KeyValue, StoreError>;

    /// Replaces the value of a key whose `mod_revision` must equal `expected`
    /// (`expected == 0` means "any revision, but the key must exist").
    async fn update(
        &self,
        key: &str,
        value: Bytes,
        expected: Revision,
    ) -> Result<KeyValue, StoreError>;

    /// Deletes a key whose `mod_revision` must equal `expected` (`0`: any revision).
    /// Returns the deleted key with `mod_revision` set to the deletion's revision.
    async fn delete(&self, key: &str, expected: Revision) -> Result<KeyValue, StoreError>;

    /// Watches every change under `prefix` with a revision greater than `after`.
    /// Fails with [`StoreError::Compacted`] when `after` is older than the compacted revision.
    async fn watch(&self, prefix: &str, after: Revision) -> Result<WatchStream, StoreError>;

    /// The current (latest) revision.
    async fn current_revision(&self) -> Result<Revision, StoreError>;

    /// The newest compacted revision (`0` if never compacted).
    async fn compacted_revision(&self) -> Result<Revision, StoreError>;

    /// Forgets history at and below `revision`: reads at or watches from older revisions fail.
    ///
    /// As in etcd, the state *at* `revision` stays readable (each key keeps its newest value at
    /// or below `revision`), so a range at `revision` and a watch of the events after it still
    /// work; a range at an older revision, or a watch from one, fails with
    /// [`StoreError::Compacted`]. Compacting at or below the compacted revision does nothing;
    /// compacting above the current revision fails with [`StoreError::FutureRevision`].
    async fn compact(&self, revision: Revision) -> Result<(), StoreError>;

    /// Compacts so that only the newest `keep` revisions stay readable (for periodic
    /// compaction, as the API server's compactor does every few minutes). Returns the compacted
    /// revision afterwards; does nothing when there is nothing new to compact.
    ///
    /// Added to the trait with a default body, so other backends get it for free.
    async fn compact_keep(&self, keep: u64) -> Result<Revision, StoreError> {
        let current = self.current_revision().await?;
        let compacted = self.compacted_revision().await?;
        let target = compaction_target(current, keep);
        if target <= compacted {
            return Ok(compacted);
        }
        self.compact(target).await?;
        Ok(target)
    }

    /// Flushes and closes the store; later calls fail with [`StoreError::Closed`].
    async fn close(&self) -> Result<(), StoreError>;
}

/// The revision to compact at so that the newest `keep` revisions up to `current` stay
/// readable: `current - keep`, or `0` (nothing to compact) when there are fewer revisions.
pub fn compaction_target(current: Revision, keep: u64) -> Revision {
    current.saturating_sub(keep)
}

/// Checks the revision a past read asks for, given the store's current and compacted
/// revisions; `None` or `Some(0)` ask for the latest. Returns the revision to read at.
pub(crate) fn resolve_read_revision(
    requested: Option<Revision>,
    current: Revision,
    compacted: Revision,
) -> Result<Revision, StoreError> {
    match requested {
        None | Some(0) => Ok(current),
        Some(requested) if requested > current => {
            Err(StoreError::FutureRevision { requested, current })
        }
        Some(requested) if requested < compacted => Err(StoreError::Compacted {
            requested,
            compacted,
        }),
        Some(requested) => Ok(requested),
    }
}

/// Checks that a watch may start after `after`, given the compacted revision.
pub(crate) fn check_watch_start(after: Revision, compacted: Revision) -> Result<(), StoreError> {
    if after < compacted {
        return Err(StoreError::Compacted {
            requested: after,
            compacted,
        });
    }
    Ok(())
}

/// Where a range scan starts: the prefix, or just after `start_after` when that is later.
pub(crate) fn range_start(request: &RangeRequest) -> (&str, bool) {
    match &request.start_after {
        Some(after) if after.as_str() >= request.prefix.as_str() => (after.as_str(), true),
        _ => (request.prefix.as_str(), false),
    }
}

/// The effective limit of a range: `usize::MAX` for "all".
pub(crate) fn range_limit(request: &RangeRequest) -> usize {
    match request.limit {
        None | Some(0) => usize::MAX,
        Some(limit) => limit,
    }
}
