//! The conformance suite every store backend must pass.
//!
//! Each case is a public async function taking a factory that returns a fresh, empty
//! [`Fixture`]. [`conformance_tests!`](crate::conformance_tests) turns the whole suite into one
//! `#[tokio::test]` per case, so a backend instantiates it with one line:
//!
//! ```ignore
//! enclave_store::conformance_tests!(enclave_store::testing::memory);
//! ```
//!
//! The crate using the macro needs `tokio` (with the `macros` and `rt-multi-thread` features)
//! as a dev-dependency. Cases never depend on timing: the absence of an unexpected event is
//! checked by writing a sentinel and seeing it arrive next.

use std::any::Any;
use std::collections::BTreeSet;
use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;

use crate::embedded::{EmbeddedOptions, EmbeddedStore};
use crate::memory::MemoryStore;
use crate::{
    Event, KeyValue, RangeRequest, Revision, Store, StoreError, WatchCacheOptions, WatchStream,
};

/// A store under test, plus whatever must live as long as it (such as its temporary folder).
pub struct Fixture {
    /// The store; fresh and empty (revision 0).
    pub store: Arc<dyn Store>,
    // Declared after `store` so that it is dropped after it.
    _guard: Option<Box<dyn Any + Send + Sync>>,
}

impl Fixture {
    /// A fixture with nothing else to keep alive.
    pub fn new(store: impl Store) -> Self {
        Self {
            store: Arc::new(store),
            _guard: None,
        }
    }

    /// A fixture that keeps `guard` (e.g. a `TempDir`) alive until it is dropped.
    pub fn with_guard(store: impl Store, guard: impl Any + Send + Sync) -> Self {
        Self {
            store: Arc::new(store),
            _guard: Some(Box::new(guard)),
        }
    }
}

/// A fresh [`MemoryStore`] with the default watch cache.
pub fn memory() -> Fixture {
    Fixture::new(MemoryStore::new())
}

/// A fresh [`MemoryStore`] with a tiny watch cache, so that watches go through the catch-up
/// paths (log reads, lag recovery) all the time.
pub fn memory_tiny_cache() -> Fixture {
    Fixture::new(MemoryStore::with_options(tiny_cache()))
}

/// A fresh [`EmbeddedStore`] in a new temporary folder.
pub fn embedded() -> Fixture {
    embedded_with(EmbeddedOptions::default())
}

/// A fresh [`EmbeddedStore`] with a tiny watch cache, small write batches and small compaction
/// chunks, to exercise the catch-up and chunking paths.
pub fn embedded_tiny_cache() -> Fixture {
    embedded_with(EmbeddedOptions {
        watch: tiny_cache(),
        max_batch: 3,
        compaction_chunk: 2,
        ..EmbeddedOptions::default()
    })
}

/// A fresh [`EmbeddedStore`] with the given options in a new temporary folder.
///
/// # Panics
/// When the folder or the store cannot be created (this is test support).
pub fn embedded_with(options: EmbeddedOptions) -> Fixture {
    #[allow(clippy::expect_used)]
    let folder = tempfile::tempdir().expect("create a temporary folder");
    #[allow(clippy::expect_used)]
    let store = EmbeddedStore::open_with_options(&folder.path().join("store.redb"), options)
        .expect("open the embedded store");
    Fixture::with_guard(store, folder)
}

fn tiny_cache() -> WatchCacheOptions {
    WatchCacheOptions {
        ring_capacity: 4,
        ring_bytes: 1 << 20,
        broadcast_capacity: 2,
    }
}

/// Expands to one `#[tokio::test]` per conformance case, each calling the case with the given
/// factory (any expression usable as `&impl Fn() -> Fixture`).
#[macro_export]
macro_rules! conformance_tests {
    ($factory:expr) => {
        $crate::conformance_tests!(@cases $factory;
            revisions_increase_by_one,
            failed_writes_take_no_revision,
            create_existing_fails,
            preconditions_conflict_and_not_found,
            expected_zero_is_unconditional,
            versions_and_create_revision,
            get_reads_latest,
            range_by_prefix_in_key_order,
            range_pages_with_limit_and_start_after,
            range_at_past_revision,
            range_revision_errors,
            count_by_prefix,
            compaction_keeps_latest_values,
            compact_keep_keeps_newest_revisions,
            watch_replays_then_streams_live,
            watch_from_old_revision,
            watch_after_future_revision,
            watch_prefix_isolation,
            watch_events_carry_values,
            watch_from_compacted_fails,
            slow_watcher_misses_nothing,
            concurrent_writers,
            concurrent_conflicting_writes,
            close_makes_later_calls_fail,
        );
    };
    (@cases $factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $crate::testing::$case(&$factory).await;
            }
        )*
    };
}

// ---------------------------------------------------------------------------------------------
// Helpers.

fn value(text: &str) -> Bytes {
    Bytes::copy_from_slice(text.as_bytes())
}

fn prefix_request(prefix: &str) -> RangeRequest {
    RangeRequest {
        prefix: prefix.to_owned(),
        ..RangeRequest::default()
    }
}

fn keys(kvs: &[KeyValue]) -> Vec<&str> {
    kvs.iter().map(|kv| kv.key.as_str()).collect()
}

/// The next event of a watch, which must be there.
async fn next_event(stream: &mut WatchStream) -> Event {
    match stream.next().await {
        Some(Ok(event)) => event,
        Some(Err(error)) => panic!("watch failed: {error}"),
        None => panic!("watch ended early"),
    }
}

async fn next_events(stream: &mut WatchStream, count: usize) -> Vec<Event> {
    let mut events = Vec::with_capacity(count);
    for _ in 0..count {
        events.push(next_event(stream).await);
    }
    events
}

/// Checks that nothing but a sentinel written now arrives next under `prefix`, on every stream.
async fn expect_only_sentinel(store: &dyn Store, streams: &mut [&mut WatchStream], prefix: &str) {
    let sentinel = format!("{prefix}~sentinel");
    let written = match store.get(&sentinel).await.unwrap() {
        Some(existing) => {
            store
                .update(&sentinel, value("s"), existing.mod_revision)
                .await
        }
        None => store.create(&sentinel, value("s")).await,
    }
    .unwrap();
    for stream in streams {
        let event = next_event(stream).await;
        assert_eq!(
            (event.key(), event.revision()),
            (sentinel.as_str(), written.mod_revision),
            "an unexpected event arrived before the sentinel"
        );
    }
}

fn revisions(events: &[Event]) -> Vec<Revision> {
    events.iter().map(Event::revision).collect()
}

/// Creates `count` keys `{prefix}{index:04}` one after the other.
async fn create_many(store: &dyn Store, prefix: &str, count: usize) -> Vec<KeyValue> {
    let mut created = Vec::with_capacity(count);
    for index in 0..count {
        let key = format!("{prefix}{index:04}");
        created.push(store.create(&key, value(&key)).await.unwrap());
    }
    created
}

// ---------------------------------------------------------------------------------------------
// Cases.

/// Every successful write takes the next revision, starting at 1.
pub async fn revisions_increase_by_one(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    assert_eq!(store.current_revision().await.unwrap(), 0);
    assert_eq!(store.compacted_revision().await.unwrap(), 0);
    let a = store.create("/k/a", value("1")).await.unwrap();
    let a2 = store
        .update("/k/a", value("2"), a.mod_revision)
        .await
        .unwrap();
    let b = store.create("/k/b", value("1")).await.unwrap();
    let deleted = store.delete("/k/a", a2.mod_revision).await.unwrap();
    assert_eq!(
        [
            a.mod_revision,
            a2.mod_revision,
            b.mod_revision,
            deleted.mod_revision
        ],
        [1, 2, 3, 4]
    );
    assert_eq!(store.current_revision().await.unwrap(), 4);
}

/// A rejected write does not consume a revision.
pub async fn failed_writes_take_no_revision(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    store.create("/k/a", value("1")).await.unwrap();
    assert!(store.create("/k/a", value("1")).await.is_err());
    assert!(store.update("/k/a", value("1"), 7).await.is_err());
    assert!(store.update("/k/missing", value("1"), 0).await.is_err());
    assert!(store.delete("/k/missing", 0).await.is_err());
    assert_eq!(store.current_revision().await.unwrap(), 1);
    let next = store.create("/k/b", value("1")).await.unwrap();
    assert_eq!(next.mod_revision, 2);
}

/// Creating an existing key fails with `AlreadyExists`, also after an update.
pub async fn create_existing_fails(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    let created = store.create("/k/a", value("1")).await.unwrap();
    store
        .update("/k/a", value("2"), created.mod_revision)
        .await
        .unwrap();
    assert_eq!(
        store.create("/k/a", value("3")).await,
        Err(StoreError::AlreadyExists {
            key: "/k/a".to_owned()
        })
    );
    // The value is untouched.
    assert_eq!(store.get("/k/a").await.unwrap().unwrap().value, value("2"));
}

/// Wrong expected revisions give `Conflict` with the actual one; missing keys `NotFound`.
pub async fn preconditions_conflict_and_not_found(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    let created = store.create("/k/a", value("1")).await.unwrap();
    let updated = store
        .update("/k/a", value("2"), created.mod_revision)
        .await
        .unwrap();
    assert_eq!(
        store.update("/k/a", value("3"), created.mod_revision).await,
        Err(StoreError::Conflict {
            key: "/k/a".to_owned(),
            expected: created.mod_revision,
            actual: updated.mod_revision,
        })
    );
    assert_eq!(
        store.delete("/k/a", created.mod_revision).await,
        Err(StoreError::Conflict {
            key: "/k/a".to_owned(),
            expected: created.mod_revision,
            actual: updated.mod_revision,
        })
    );
    let not_found = Err(StoreError::NotFound {
        key: "/k/missing".to_owned(),
    });
    assert_eq!(store.update("/k/missing", value("1"), 0).await, not_found);
    assert_eq!(store.update("/k/missing", value("1"), 5).await, not_found);
    assert_eq!(store.delete("/k/missing", 0).await, not_found);
    assert_eq!(store.delete("/k/missing", 5).await, not_found);
    store.delete("/k/a", updated.mod_revision).await.unwrap();
    assert_eq!(
        store.update("/k/a", value("4"), updated.mod_revision).await,
        Err(StoreError::NotFound {
            key: "/k/a".to_owned()
        })
    );
    assert_eq!(store.get("/k/a").await.unwrap(), None);
}

/// `expected == 0` updates and deletes whatever the key's revision.
pub async fn expected_zero_is_unconditional(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    store.create("/k/a", value("1")).await.unwrap();
    store.update("/k/a", value("2"), 0).await.unwrap();
    let third = store.update("/k/a", value("3"), 0).await.unwrap();
    assert_eq!((third.value.clone(), third.version), (value("3"), 3));
    let deleted = store.delete("/k/a", 0).await.unwrap();
    assert_eq!(deleted.value, value("3"));
    assert_eq!(store.get("/k/a").await.unwrap(), None);
}

/// `version` counts writes since creation; `create_revision` survives updates and is reset by
/// a delete and re-create.
pub async fn versions_and_create_revision(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    store.create("/k/other", value("x")).await.unwrap();
    let created = store.create("/k/a", value("1")).await.unwrap();
    assert_eq!(
        (
            created.create_revision,
            created.mod_revision,
            created.version
        ),
        (2, 2, 1)
    );
    let second = store.update("/k/a", value("2"), 2).await.unwrap();
    let third = store.update("/k/a", value("3"), 3).await.unwrap();
    assert_eq!((second.create_revision, second.version), (2, 2));
    assert_eq!(
        (third.create_revision, third.mod_revision, third.version),
        (2, 4, 3)
    );
    let deleted = store.delete("/k/a", 4).await.unwrap();
    assert_eq!(
        (
            deleted.create_revision,
            deleted.mod_revision,
            deleted.version
        ),
        (2, 5, 3),
        "a delete returns the last state with the deletion's revision"
    );
    assert_eq!(deleted.value, value("3"));
    let recreated = store.create("/k/a", value("new")).await.unwrap();
    assert_eq!(
        (
            recreated.create_revision,
            recreated.mod_revision,
            recreated.version
        ),
        (6, 6, 1)
    );
    assert_eq!(store.get("/k/a").await.unwrap(), Some(recreated));
}

/// `get` returns the latest state of a key, or `None`.
pub async fn get_reads_latest(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    assert_eq!(store.get("/k/a").await.unwrap(), None);
    store.create("/k/a", value("1")).await.unwrap();
    let updated = store.update("/k/a", value("2"), 0).await.unwrap();
    assert_eq!(store.get("/k/a").await.unwrap(), Some(updated.clone()));
    assert_eq!(updated.key, "/k/a");
    // A prefix of an existing key is not the key.
    assert_eq!(store.get("/k/").await.unwrap(), None);
    assert_eq!(store.get("").await.unwrap(), None);
}

/// A range returns the keys under a prefix, in key order, and nothing outside it.
pub async fn range_by_prefix_in_key_order(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    for key in ["/a/2", "/ab/1", "/a/3", "/b/1", "/a/1", "/a", "/a/2/x"] {
        store.create(key, value(key)).await.unwrap();
    }
    store.delete("/a/3", 0).await.unwrap();
    let response = store.range(prefix_request("/a/")).await.unwrap();
    assert_eq!(keys(&response.kvs), ["/a/1", "/a/2", "/a/2/x"]);
    assert!(!response.more);
    assert_eq!(response.revision, store.current_revision().await.unwrap());
    assert!(response.kvs.iter().all(|kv| kv.value == value(&kv.key)));
    let everything = store.range(prefix_request("")).await.unwrap();
    assert_eq!(
        keys(&everything.kvs),
        ["/a", "/a/1", "/a/2", "/a/2/x", "/ab/1", "/b/1"]
    );
    let none = store.range(prefix_request("/c/")).await.unwrap();
    assert!(none.kvs.is_empty() && !none.more);
}

/// `limit`, `start_after` and `more` page through a prefix without gaps or repeats, at the
/// latest and at a past revision.
pub async fn range_pages_with_limit_and_start_after(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    let created = create_many(store, "/p/", 23).await;
    store.create("/q/0", value("x")).await.unwrap();
    let at = created.last().unwrap().mod_revision;
    // Changes after `at` must not show in the past pages.
    store.delete("/p/0005", 0).await.unwrap();
    store.create("/p/0100", value("late")).await.unwrap();
    for (revision, expected_count) in [(None, 23), (Some(at), 23)] {
        let mut seen = Vec::new();
        let mut start_after = None;
        loop {
            let page = store
                .range(RangeRequest {
                    prefix: "/p/".to_owned(),
                    start_after: start_after.clone(),
                    limit: Some(5),
                    revision,
                })
                .await
                .unwrap();
            assert!(page.kvs.len() <= 5);
            seen.extend(page.kvs.iter().map(|kv| kv.key.clone()));
            if !page.more {
                break;
            }
            assert_eq!(page.kvs.len(), 5, "a page with more after it is full");
            start_after = page.kvs.last().map(|kv| kv.key.clone());
        }
        let expected: Vec<String> = if revision.is_some() {
            created.iter().map(|kv| kv.key.clone()).collect()
        } else {
            let mut keys: Vec<String> = created
                .iter()
                .map(|kv| kv.key.clone())
                .filter(|key| key != "/p/0005")
                .collect();
            keys.push("/p/0100".to_owned());
            keys
        };
        assert_eq!(seen.len(), expected_count);
        assert_eq!(seen, expected);
    }
    // A limit of exactly the number of keys reports no more; `Some(0)` means all.
    let exact = store
        .range(RangeRequest {
            limit: Some(23),
            ..prefix_request("/p/")
        })
        .await
        .unwrap();
    assert!(!exact.more);
    let all = store
        .range(RangeRequest {
            limit: Some(0),
            ..prefix_request("/p/")
        })
        .await
        .unwrap();
    assert_eq!(all.kvs.len(), 23);
    // A `start_after` before the prefix starts at the prefix.
    let before = store
        .range(RangeRequest {
            start_after: Some("/a".to_owned()),
            limit: Some(1),
            ..prefix_request("/p/")
        })
        .await
        .unwrap();
    assert_eq!(keys(&before.kvs), ["/p/0000"]);
    assert!(before.more);
    // A `start_after` past the prefix gives nothing.
    let after = store
        .range(RangeRequest {
            start_after: Some("/z".to_owned()),
            ..prefix_request("/p/")
        })
        .await
        .unwrap();
    assert!(after.kvs.is_empty() && !after.more);
}

/// A range at a past revision sees the values of then, including keys deleted since, and not
/// keys created since.
pub async fn range_at_past_revision(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    store.create("/k/a", value("a1")).await.unwrap(); // 1
    store.create("/k/b", value("b1")).await.unwrap(); // 2
    store.update("/k/a", value("a2"), 1).await.unwrap(); // 3
    store.delete("/k/b", 2).await.unwrap(); // 4
    store.create("/k/c", value("c1")).await.unwrap(); // 5
    store.create("/k/b", value("b2")).await.unwrap(); // 6
    let at = |revision| RangeRequest {
        revision: Some(revision),
        ..prefix_request("/k/")
    };
    let view = |kvs: &[KeyValue]| {
        kvs.iter()
            .map(|kv| {
                (
                    kv.key.clone(),
                    String::from_utf8_lossy(&kv.value).into_owned(),
                    kv.create_revision,
                    kv.mod_revision,
                    kv.version,
                )
            })
            .collect::<Vec<_>>()
    };
    let row = |key: &str, value: &str, create, modified, version| {
        (key.to_owned(), value.to_owned(), create, modified, version)
    };
    let expected = [
        (1, vec![row("/k/a", "a1", 1, 1, 1)]),
        (
            2,
            vec![row("/k/a", "a1", 1, 1, 1), row("/k/b", "b1", 2, 2, 1)],
        ),
        (
            3,
            vec![row("/k/a", "a2", 1, 3, 2), row("/k/b", "b1", 2, 2, 1)],
        ),
        (4, vec![row("/k/a", "a2", 1, 3, 2)]),
        (
            5,
            vec![row("/k/a", "a2", 1, 3, 2), row("/k/c", "c1", 5, 5, 1)],
        ),
        (
            6,
            vec![
                row("/k/a", "a2", 1, 3, 2),
                row("/k/b", "b2", 6, 6, 1),
                row("/k/c", "c1", 5, 5, 1),
            ],
        ),
    ];
    for (revision, rows) in expected {
        let response = store.range(at(revision)).await.unwrap();
        assert_eq!(view(&response.kvs), rows, "at revision {revision}");
        assert_eq!(response.revision, revision);
        assert!(!response.more);
    }
    let limited = store
        .range(RangeRequest {
            limit: Some(1),
            ..at(3)
        })
        .await
        .unwrap();
    assert_eq!(keys(&limited.kvs), ["/k/a"]);
    assert!(limited.more);
    let paged = store
        .range(RangeRequest {
            start_after: Some("/k/a".to_owned()),
            ..at(3)
        })
        .await
        .unwrap();
    assert_eq!(keys(&paged.kvs), ["/k/b"]);
    // Revision 0 means the latest.
    let latest = store.range(at(0)).await.unwrap();
    assert_eq!(latest.revision, 6);
    assert_eq!(keys(&latest.kvs), ["/k/a", "/k/b", "/k/c"]);
}

/// Reads at future or compacted revisions fail; the compacted revision itself stays readable.
pub async fn range_revision_errors(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    store.create("/k/a", value("a1")).await.unwrap(); // 1
    store.create("/k/b", value("b1")).await.unwrap(); // 2
    store.update("/k/a", value("a2"), 1).await.unwrap(); // 3
    store.update("/k/b", value("b2"), 2).await.unwrap(); // 4
    store.delete("/k/a", 0).await.unwrap(); // 5
    let at = |revision| RangeRequest {
        revision: Some(revision),
        ..prefix_request("/k/")
    };
    assert_eq!(
        store.range(at(6)).await,
        Err(StoreError::FutureRevision {
            requested: 6,
            current: 5
        })
    );
    store.compact(3).await.unwrap();
    assert_eq!(store.compacted_revision().await.unwrap(), 3);
    assert_eq!(
        store.range(at(2)).await,
        Err(StoreError::Compacted {
            requested: 2,
            compacted: 3
        })
    );
    let at_compacted = store.range(at(3)).await.unwrap();
    assert_eq!(
        at_compacted
            .kvs
            .iter()
            .map(|kv| (kv.key.as_str(), kv.value.clone()))
            .collect::<Vec<_>>(),
        [("/k/a", value("a2")), ("/k/b", value("b1"))]
    );
    let at_four = store.range(at(4)).await.unwrap();
    assert_eq!(
        at_four
            .kvs
            .iter()
            .map(|kv| kv.value.clone())
            .collect::<Vec<_>>(),
        [value("a2"), value("b2")]
    );
    let latest = store.range(prefix_request("/k/")).await.unwrap();
    assert_eq!(keys(&latest.kvs), ["/k/b"]);
}

/// `count` counts live keys under a prefix at the latest revision.
pub async fn count_by_prefix(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    assert_eq!(store.count("/a/").await.unwrap(), 0);
    create_many(store, "/a/", 7).await;
    create_many(store, "/ab/", 3).await;
    store.delete("/a/0003", 0).await.unwrap();
    store.update("/a/0004", value("x"), 0).await.unwrap();
    assert_eq!(store.count("/a/").await.unwrap(), 6);
    assert_eq!(store.count("/ab/").await.unwrap(), 3);
    assert_eq!(store.count("/a").await.unwrap(), 9);
    assert_eq!(store.count("").await.unwrap(), 9);
    assert_eq!(store.count("/b").await.unwrap(), 0);
}

/// Compaction forgets history but keeps every live key's latest value, and later writes
/// continue the revision sequence.
pub async fn compaction_keeps_latest_values(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    create_many(store, "/k/", 10).await;
    for round in 0..3 {
        for index in (0..10).step_by(2) {
            let key = format!("/k/{index:04}");
            store
                .update(&key, value(&format!("{key}-{round}")), 0)
                .await
                .unwrap();
        }
    }
    store.delete("/k/0001", 0).await.unwrap();
    let before = store.range(prefix_request("/k/")).await.unwrap();
    let current = store.current_revision().await.unwrap();
    assert_eq!(
        store.compact(current + 1).await,
        Err(StoreError::FutureRevision {
            requested: current + 1,
            current
        })
    );
    store.compact(current).await.unwrap();
    assert_eq!(store.compacted_revision().await.unwrap(), current);
    let after = store.range(prefix_request("/k/")).await.unwrap();
    assert_eq!(after.kvs, before.kvs);
    assert_eq!(store.count("/k/").await.unwrap(), 9);
    let at_compacted = store
        .range(RangeRequest {
            revision: Some(current),
            ..prefix_request("/k/")
        })
        .await
        .unwrap();
    assert_eq!(at_compacted.kvs, before.kvs);
    // Compacting at or below the compacted revision does nothing.
    store.compact(current - 5).await.unwrap();
    store.compact(current).await.unwrap();
    assert_eq!(store.compacted_revision().await.unwrap(), current);
    // The deleted key stays deleted and can be created again; revisions continue.
    assert_eq!(store.get("/k/0001").await.unwrap(), None);
    let recreated = store.create("/k/0001", value("again")).await.unwrap();
    assert_eq!(recreated.mod_revision, current + 1);
    assert_eq!(recreated.version, 1);
    let updated = store.update("/k/0000", value("later"), 0).await.unwrap();
    assert_eq!(updated.version, 5);
    assert_eq!(updated.create_revision, 1);
    // History after the compaction is readable as usual.
    let past = store
        .range(RangeRequest {
            revision: Some(current + 1),
            ..prefix_request("/k/0000")
        })
        .await
        .unwrap();
    assert_eq!(past.kvs, before.kvs[..1].to_vec());
}

/// `compact_keep(n)` compacts so that the newest `n` revisions stay readable.
pub async fn compact_keep_keeps_newest_revisions(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    assert_eq!(store.compact_keep(5).await.unwrap(), 0);
    create_many(store, "/k/", 12).await;
    assert_eq!(store.compact_keep(5).await.unwrap(), 7);
    assert_eq!(store.compacted_revision().await.unwrap(), 7);
    assert_eq!(store.compact_keep(100).await.unwrap(), 7);
    assert_eq!(store.compacted_revision().await.unwrap(), 7);
    assert!(store.watch("/k/", 7).await.is_ok());
    assert!(matches!(
        store.watch("/k/", 6).await,
        Err(StoreError::Compacted { .. })
    ));
    assert_eq!(crate::compaction_target(12, 5), 7);
    assert_eq!(crate::compaction_target(3, 5), 0);
}

/// A watch replays the events after its start, then streams live ones, with no gap and no
/// duplicate, in revision order.
pub async fn watch_replays_then_streams_live(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = fixture.store.clone();
    create_many(&*store, "/w/", 6).await; // 1..=6
    let mut from_start = store.watch("/w/", 0).await.unwrap();
    let mut stream = store.watch("/w/", 3).await.unwrap();
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for index in 6..12 {
                let key = format!("/w/{index:04}");
                store.create(&key, value(&key)).await.unwrap();
            }
        })
    };
    let events = next_events(&mut stream, 9).await;
    assert_eq!(revisions(&events), (4..=12).collect::<Vec<_>>());
    for event in &events {
        match event {
            Event::Put { kv, prev: None } => {
                assert_eq!(kv.key, format!("/w/{:04}", kv.mod_revision - 1));
                assert_eq!(kv.value, value(&kv.key));
            }
            other => panic!("unexpected event {other:?}"),
        }
    }
    let all = next_events(&mut from_start, 12).await;
    assert_eq!(revisions(&all), (1..=12).collect::<Vec<_>>());
    writer.await.unwrap();
    expect_only_sentinel(&*store, &mut [&mut stream, &mut from_start], "/w/").await;
}

/// A watch from a revision older than the in-memory cache replays from the backend's log.
pub async fn watch_from_old_revision(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    create_many(store, "/w/", 40).await;
    create_many(store, "/x/", 5).await;
    let mut stream = store.watch("/w/", 2).await.unwrap();
    let events = next_events(&mut stream, 38).await;
    assert_eq!(revisions(&events), (3..=40).collect::<Vec<_>>());
    store.update("/w/0000", value("live"), 0).await.unwrap();
    let live = next_event(&mut stream).await;
    assert_eq!((live.key(), live.revision()), ("/w/0000", 46));
    expect_only_sentinel(store, &mut [&mut stream], "/w/").await;
}

/// A watch starting after the current revision only gets events after its start.
pub async fn watch_after_future_revision(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    create_many(store, "/w/", 2).await;
    let mut stream = store.watch("/w/", 4).await.unwrap();
    create_many(store, "/w/a", 3).await; // 3, 4, 5
    let event = next_event(&mut stream).await;
    assert_eq!(event.revision(), 5);
    expect_only_sentinel(store, &mut [&mut stream], "/w/").await;
}

/// A watch of `/a/` does not see `/ab/` or `/a`.
pub async fn watch_prefix_isolation(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    store.create("/a/early", value("1")).await.unwrap();
    store.create("/ab/early", value("1")).await.unwrap();
    let mut watch_a = store.watch("/a/", 0).await.unwrap();
    let mut watch_ab = store.watch("/ab/", 0).await.unwrap();
    for key in ["/ab/x", "/a/x", "/a", "/b/x", "/a/y", "/ab/y"] {
        store.create(key, value(key)).await.unwrap();
    }
    store.delete("/ab/x", 0).await.unwrap();
    store.delete("/a/x", 0).await.unwrap();
    let seen_a = next_events(&mut watch_a, 4).await;
    assert_eq!(
        seen_a.iter().map(Event::key).collect::<Vec<_>>(),
        ["/a/early", "/a/x", "/a/y", "/a/x"]
    );
    let seen_ab = next_events(&mut watch_ab, 4).await;
    assert_eq!(
        seen_ab.iter().map(Event::key).collect::<Vec<_>>(),
        ["/ab/early", "/ab/x", "/ab/y", "/ab/x"]
    );
    expect_only_sentinel(store, &mut [&mut watch_a], "/a/").await;
    expect_only_sentinel(store, &mut [&mut watch_ab], "/ab/").await;
}

/// Put events carry the previous value; delete events carry the last value and the revision of
/// the deletion — from the backlog and live alike.
pub async fn watch_events_carry_values(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    let mut live = store.watch("/k/", 0).await.unwrap();
    let created = store.create("/k/a", value("v1")).await.unwrap(); // 1
    let updated = store.update("/k/a", value("v2"), 1).await.unwrap(); // 2
    store.create("/k/b", value("other")).await.unwrap(); // 3
    let deleted = store.delete("/k/a", 2).await.unwrap(); // 4
    let recreated = store.create("/k/a", value("v3")).await.unwrap(); // 5
    let expected = vec![
        Event::Put {
            kv: created.clone(),
            prev: None,
        },
        Event::Put {
            kv: updated.clone(),
            prev: Some(created.clone()),
        },
        Event::Delete {
            kv: KeyValue {
                key: "/k/a".to_owned(),
                value: value("v2"),
                create_revision: 1,
                mod_revision: 4,
                version: 2,
            },
        },
        Event::Put {
            kv: recreated.clone(),
            prev: None,
        },
    ];
    assert_eq!(
        expected[2],
        Event::Delete {
            kv: deleted.clone()
        }
    );
    let mut replay = store.watch("/k/a", 0).await.unwrap();
    let live_events = next_events(&mut live, 5).await;
    let live_a: Vec<Event> = live_events
        .into_iter()
        .filter(|event| event.key() == "/k/a")
        .collect();
    assert_eq!(live_a, expected);
    assert_eq!(next_events(&mut replay, 4).await, expected);
}

/// A watch from a compacted revision fails with `Compacted`; from the compacted revision on it
/// works.
pub async fn watch_from_compacted_fails(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    create_many(store, "/k/", 6).await;
    store.compact(4).await.unwrap();
    for after in [0, 3] {
        assert!(matches!(
            store.watch("/k/", after).await,
            Err(StoreError::Compacted {
                requested,
                compacted: 4
            }) if requested == after
        ));
    }
    let mut stream = store.watch("/k/", 4).await.unwrap();
    assert_eq!(revisions(&next_events(&mut stream, 2).await), [5, 6]);
    expect_only_sentinel(store, &mut [&mut stream], "/k/").await;
}

/// A watcher that does not read while many events happen still gets every event in order, or
/// — only if the history it needs was compacted meanwhile — ends with `Compacted`.
pub async fn slow_watcher_misses_nothing(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    let mut slow = store.watch("/s/", 0).await.unwrap();
    let mut compacted_out = store.watch("/s/", 0).await.unwrap();
    create_many(store, "/s/", 30).await;
    let events = next_events(&mut slow, 30).await;
    assert_eq!(revisions(&events), (1..=30).collect::<Vec<_>>());
    expect_only_sentinel(store, &mut [&mut slow], "/s/").await;
    // Compact everything the second watcher has not read yet.
    store.compact(31).await.unwrap();
    let mut next_revision = 1;
    loop {
        match compacted_out.next().await {
            Some(Ok(event)) => {
                assert_eq!(event.revision(), next_revision, "no gap, no duplicate");
                next_revision += 1;
                if next_revision == 32 {
                    break;
                }
            }
            Some(Err(StoreError::Compacted { .. })) => {
                assert!(compacted_out.next().await.is_none(), "the stream ends");
                break;
            }
            other => panic!("unexpected watch item {other:?}"),
        }
    }
}

/// With a watch cache of at most a few events (such as [`memory_tiny_cache`] and
/// [`embedded_tiny_cache`]; not part of [`conformance_tests!`](crate::conformance_tests)): a
/// watcher that fell behind the cache while the history it needs was compacted ends with
/// `Compacted` instead of skipping events.
pub async fn lagging_watcher_past_compaction_ends_compacted(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    let mut stream = store.watch("/s/", 0).await.unwrap();
    create_many(store, "/s/", 30).await;
    store.compact(30).await.unwrap();
    match stream.next().await {
        Some(Err(StoreError::Compacted {
            requested: 0,
            compacted: 30,
        })) => {}
        other => panic!("expected the watch to end as compacted, got {other:?}"),
    }
    assert!(stream.next().await.is_none(), "the stream ends");
}

/// Concurrent writers get distinct, gap-free revisions, and a watcher sees each write once.
pub async fn concurrent_writers(factory: &impl Fn() -> Fixture) {
    const TASKS: usize = 8;
    const WRITES: usize = 200;
    let fixture = factory();
    let store = fixture.store.clone();
    let mut watch = store.watch("/c/", 0).await.unwrap();
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut revisions = Vec::with_capacity(WRITES);
            for index in 0..WRITES {
                let key = format!("/c/{task}/{index:04}");
                let kv = store.create(&key, value(&key)).await.unwrap();
                // Every other key is updated too, to mix operations within batches.
                let kv = if index % 2 == 0 {
                    let updated = store
                        .update(&key, value("updated"), kv.mod_revision)
                        .await
                        .unwrap();
                    revisions.push(kv.mod_revision);
                    updated
                } else {
                    kv
                };
                revisions.push(kv.mod_revision);
            }
            revisions
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let total = TASKS * WRITES * 3 / 2;
    all.sort_unstable();
    assert_eq!(all, (1..=total as Revision).collect::<Vec<_>>());
    let events = next_events(&mut watch, total).await;
    assert_eq!(
        revisions(&events),
        (1..=total as Revision).collect::<Vec<_>>()
    );
    let distinct: BTreeSet<&str> = events.iter().map(Event::key).collect();
    assert_eq!(distinct.len(), TASKS * WRITES);
    expect_only_sentinel(&*store, &mut [&mut watch], "/c/").await;
    assert_eq!(
        store.count("/c/").await.unwrap(),
        (TASKS * WRITES + 1) as u64
    );
}

/// Concurrent writes to one key are serialized: of many creates one wins, of many updates
/// from the same revision one wins and the others see its revision as a conflict.
pub async fn concurrent_conflicting_writes(factory: &impl Fn() -> Fixture) {
    const TASKS: usize = 16;
    let fixture = factory();
    let store = fixture.store.clone();
    let spawn_all = |make: fn(Arc<dyn Store>, usize) -> _| {
        (0..TASKS)
            .map(|task| tokio::spawn(make(store.clone(), task)))
            .collect::<Vec<tokio::task::JoinHandle<Result<KeyValue, StoreError>>>>()
    };
    let creates = spawn_all(|store, task| {
        Box::pin(async move { store.create("/x/one", value(&format!("{task}"))).await })
            as futures::future::BoxFuture<'static, _>
    });
    let mut winners = Vec::new();
    for create in creates {
        match create.await.unwrap() {
            Ok(kv) => winners.push(kv),
            Err(error) => assert_eq!(
                error,
                StoreError::AlreadyExists {
                    key: "/x/one".to_owned()
                }
            ),
        }
    }
    assert_eq!(winners.len(), 1);
    let created = winners.pop().unwrap();
    assert_eq!(store.get("/x/one").await.unwrap().as_ref(), Some(&created));
    let updates = spawn_all(|store, task| {
        Box::pin(async move { store.update("/x/one", value(&format!("u{task}")), 1).await })
            as futures::future::BoxFuture<'static, _>
    });
    let mut results = Vec::new();
    for update in updates {
        results.push(update.await.unwrap());
    }
    let winners: Vec<&KeyValue> = results
        .iter()
        .filter_map(|result| result.as_ref().ok())
        .collect();
    assert_eq!(winners.len(), 1);
    let winner = winners[0].clone();
    assert_eq!((winner.mod_revision, winner.version), (2, 2));
    for result in &results {
        if let Err(error) = result {
            assert_eq!(
                error,
                &StoreError::Conflict {
                    key: "/x/one".to_owned(),
                    expected: 1,
                    actual: 2
                }
            );
        }
    }
    assert_eq!(store.current_revision().await.unwrap(), 2);
    assert_eq!(store.get("/x/one").await.unwrap(), Some(winner));
}

/// After `close`, every call fails with `Closed` and open watches end.
pub async fn close_makes_later_calls_fail(factory: &impl Fn() -> Fixture) {
    let fixture = factory();
    let store = &*fixture.store;
    store.create("/k/a", value("1")).await.unwrap();
    let mut watch = store.watch("/k/", 0).await.unwrap();
    store.close().await.unwrap();
    let closed = Err(StoreError::Closed);
    assert_eq!(store.get("/k/a").await, closed.clone().map(|()| None));
    assert_eq!(store.range(prefix_request("/k/")).await.map(|_| ()), closed);
    assert_eq!(store.count("/k/").await.map(|_| ()), closed);
    assert_eq!(store.create("/k/b", value("1")).await.map(|_| ()), closed);
    assert_eq!(
        store.update("/k/a", value("1"), 0).await.map(|_| ()),
        closed
    );
    assert_eq!(store.delete("/k/a", 0).await.map(|_| ()), closed);
    assert!(matches!(
        store.watch("/k/", 0).await,
        Err(StoreError::Closed)
    ));
    assert_eq!(store.current_revision().await.map(|_| ()), closed);
    assert_eq!(store.compacted_revision().await.map(|_| ()), closed);
    assert_eq!(store.compact(1).await, closed);
    assert_eq!(store.compact_keep(1).await.map(|_| ()), closed);
    assert_eq!(store.close().await, closed);
    // The open watch may deliver what it already had, then ends (with `Closed` or plainly).
    loop {
        match watch.next().await {
            Some(Ok(event)) => assert_eq!(event.revision(), 1),
            Some(Err(error)) => {
                assert_eq!(error, StoreError::Closed);
                assert!(watch.next().await.is_none());
                break;
            }
            None => break,
        }
    }
}
