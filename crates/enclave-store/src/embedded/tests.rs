//! Tests of the embedded store: the conformance suite, durability across reopen and `kill -9`,
//! and damaged files.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use bytes::Bytes;
use futures::StreamExt;
use redb::{ReadableDatabase, ReadableTableMetadata};

use super::{EmbeddedOptions, EmbeddedStore};
use crate::{Event, RangeRequest, Store, StoreError};

mod layout;

crate::conformance_tests!(crate::testing::embedded);

/// The whole suite again with a tiny watch cache, batches of 3 and compaction chunks of 2.
mod tiny_cache {
    crate::conformance_tests!(crate::testing::embedded_tiny_cache);

    #[tokio::test]
    async fn lagging_watcher_past_compaction_ends_compacted() {
        crate::testing::lagging_watcher_past_compaction_ends_compacted(
            &crate::testing::embedded_tiny_cache,
        )
        .await;
    }
}

/// How many records the store's revision table holds.
fn revision_records(store: &EmbeddedStore) -> u64 {
    let database = store.shared.database().unwrap();
    let transaction = database.begin_read().unwrap();
    transaction
        .open_table(super::REVISIONS)
        .unwrap()
        .len()
        .unwrap()
}

fn value(text: &str) -> Bytes {
    Bytes::copy_from_slice(text.as_bytes())
}

fn store_path(folder: &tempfile::TempDir) -> PathBuf {
    folder.path().join("data").join("store.redb")
}

fn expect_backend_error(result: Result<EmbeddedStore, StoreError>) -> String {
    match result {
        Err(StoreError::Backend(message)) => message,
        Err(other) => panic!("expected a backend error, got {other:?}"),
        Ok(_) => panic!("expected a backend error, the store opened"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopen_restores_everything() {
    let folder = tempfile::tempdir().unwrap();
    let path = store_path(&folder);
    let store = EmbeddedStore::open(&path).unwrap();
    for index in 0..10 {
        store
            .create(&format!("/k/{index}"), value(&format!("v{index}")))
            .await
            .unwrap();
    }
    store.update("/k/3", value("v3b"), 4).await.unwrap(); // 11
    store.delete("/k/4", 0).await.unwrap(); // 12
    store.compact(8).await.unwrap();
    store.update("/k/5", value("v5b"), 0).await.unwrap(); // 13
    let latest = store.range(RangeRequest::default()).await.unwrap();
    let at_eleven = store
        .range(RangeRequest {
            revision: Some(11),
            ..RangeRequest::default()
        })
        .await
        .unwrap();
    store.close().await.unwrap();

    let store = EmbeddedStore::open(&path).unwrap();
    assert_eq!(store.current_revision().await.unwrap(), 13);
    assert_eq!(store.compacted_revision().await.unwrap(), 8);
    assert_eq!(store.range(RangeRequest::default()).await.unwrap(), latest);
    assert_eq!(
        store
            .range(RangeRequest {
                revision: Some(11),
                ..RangeRequest::default()
            })
            .await
            .unwrap(),
        at_eleven
    );
    assert!(matches!(
        store
            .range(RangeRequest {
                revision: Some(7),
                ..RangeRequest::default()
            })
            .await,
        Err(StoreError::Compacted { .. })
    ));
    // The events after the compacted revision are replayed from the log after a reopen.
    let mut watch = store.watch("/k/", 8).await.unwrap();
    let mut replayed = Vec::new();
    for _ in 0..5 {
        replayed.push(watch.next().await.unwrap().unwrap());
    }
    assert_eq!(
        replayed.iter().map(Event::revision).collect::<Vec<_>>(),
        [9, 10, 11, 12, 13]
    );
    assert!(matches!(
        &replayed[3],
        Event::Delete { kv } if kv.key == "/k/4" && kv.value == value("v4") && kv.mod_revision == 12
    ));
    assert!(matches!(
        &replayed[2],
        Event::Put { kv, prev: Some(prev) } if kv.value == value("v3b") && prev.value == value("v3")
    ));
    // The next write continues after the last revision, and watches see it live.
    let next = store.create("/k/new", value("n")).await.unwrap();
    assert_eq!(next.mod_revision, 14);
    assert_eq!(watch.next().await.unwrap().unwrap().revision(), 14);
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_second_open_of_the_same_file_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let path = store_path(&folder);
    let store = EmbeddedStore::open(&path).unwrap();
    let message = expect_backend_error(EmbeddedStore::open(&path));
    assert!(message.contains("already open"), "{message}");
    store.close().await.unwrap();
    let reopened = EmbeddedStore::open(&path).unwrap();
    reopened.close().await.unwrap();
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("garbage.redb");
    let garbage: Vec<u8> = (0..64 * 1024_u32)
        .map(|index| (index.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, garbage).unwrap();
    let message = expect_backend_error(EmbeddedStore::open(&path));
    assert!(message.contains("garbage.redb"), "{message}");
}

/// Writes a store with some data and returns its file's bytes.
async fn populated_file(path: &Path) -> Vec<u8> {
    let store = EmbeddedStore::open(path).unwrap();
    for index in 0..300 {
        let key = format!("/k/{index:04}");
        store.create(&key, value(&key.repeat(20))).await.unwrap();
    }
    store.close().await.unwrap();
    std::fs::read(path).unwrap()
}

#[tokio::test]
async fn a_truncated_file_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let path = store_path(&folder);
    let bytes = populated_file(&path).await;
    for keep in [100, 4096, bytes.len() / 2, bytes.len() - 4096] {
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let message = expect_backend_error(EmbeddedStore::open(&path));
        assert!(message.contains("store.redb"), "{message}");
    }
}

#[tokio::test]
async fn a_corrupted_file_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let path = store_path(&folder);
    let mut bytes = populated_file(&path).await;
    // Damage every page after the header, so that the committed trees are hit wherever they
    // were allocated.
    let mut offset = 4096 + 100;
    while offset < bytes.len() {
        bytes[offset] ^= 0x5a;
        offset += 4096;
    }
    std::fs::write(&path, &bytes).unwrap();
    expect_backend_error(EmbeddedStore::open(&path));
}

#[tokio::test]
async fn a_file_of_another_format_version_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let path = store_path(&folder);
    EmbeddedStore::open(&path).unwrap().close().await.unwrap();
    {
        let database = redb::Database::create(&path).unwrap();
        let transaction = database.begin_write().unwrap();
        transaction
            .open_table(super::META)
            .unwrap()
            .insert(super::META_FORMAT, 99)
            .unwrap();
        transaction.commit().unwrap();
    }
    let message = expect_backend_error(EmbeddedStore::open(&path));
    assert!(message.contains("format version 99"), "{message}");
}

#[tokio::test]
async fn large_compactions_run_in_chunks() {
    let folder = tempfile::tempdir().unwrap();
    let path = store_path(&folder);
    let store = EmbeddedStore::open_with_options(
        &path,
        EmbeddedOptions {
            compaction_chunk: 7,
            ..EmbeddedOptions::default()
        },
    )
    .unwrap();
    for index in 0..20 {
        store
            .create(&format!("/k/{index:02}"), value("1"))
            .await
            .unwrap();
        store
            .update(&format!("/k/{index:02}"), value("2"), 0)
            .await
            .unwrap();
    }
    store.compact(40).await.unwrap();
    assert_eq!(store.compacted_revision().await.unwrap(), 40);
    // Only the latest record of each key is left, in the file and in the index.
    assert_eq!(revision_records(&store), 20);
    assert_eq!(store.shared.index().revision_count(), 20);
    let at = store
        .range(RangeRequest {
            revision: Some(40),
            ..RangeRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(at.kvs.len(), 20);
    assert!(at.kvs.iter().all(|kv| kv.value == value("2")));
    store.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_write_fails_alone() {
    let folder = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(
        EmbeddedStore::open_with_options(
            &store_path(&folder),
            EmbeddedOptions {
                max_write_bytes: 100,
                ..EmbeddedOptions::default()
            },
        )
        .unwrap(),
    );
    let mut tasks = Vec::new();
    for task in 0..20_usize {
        let store = store.clone();
        let size = if task == 7 { 200 } else { 10 };
        tasks.push(tokio::spawn(async move {
            store
                .create(&format!("/k/{task:02}"), Bytes::from(vec![b'x'; size]))
                .await
        }));
    }
    let mut revisions = Vec::new();
    for (task, handle) in tasks.into_iter().enumerate() {
        match handle.await.unwrap() {
            Ok(kv) => revisions.push(kv.mod_revision),
            Err(StoreError::Backend(message)) if task == 7 => {
                assert!(message.contains("/k/07"), "{message}");
            }
            other => panic!("task {task}: {other:?}"),
        }
    }
    revisions.sort_unstable();
    assert_eq!(revisions, (1..=19).collect::<Vec<_>>());
    assert_eq!(store.get("/k/07").await.unwrap(), None);
    store.close().await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Crash test: a child process writes and reports acknowledged writes until it is killed.

const CRASH_DB_VARIABLE: &str = "ENCLAVE_STORE_CRASH_CHILD_DB";
const CHILD_TEST_NAME: &str = "embedded::tests::crash_child_writer";
const WRITER_TASKS: usize = 4;

/// Not a test: the body of the child process of `acknowledged_writes_survive_kill_9`, run
/// with `--ignored --exact` and the database path in an environment variable. It writes
/// until it is killed, printing `ACK <key> <value>` after each acknowledged write.
#[test]
#[ignore = "child process of acknowledged_writes_survive_kill_9"]
fn crash_child_writer() {
    let Some(path) = std::env::var_os(CRASH_DB_VARIABLE) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let store = std::sync::Arc::new(EmbeddedStore::open(Path::new(&path)).unwrap());
        let mut tasks = Vec::new();
        for task in 0..WRITER_TASKS {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for index in 0.. {
                    let key = format!("/crash/{task}/{index:06}");
                    let created = store.create(&key, value("v1")).await.unwrap();
                    acknowledge(&key, "v1");
                    store
                        .update(&key, value("v2"), created.mod_revision)
                        .await
                        .unwrap();
                    acknowledge(&key, "v2");
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    });
}

fn acknowledge(key: &str, value: &str) {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "ACK {key} {value}").unwrap();
    stdout.flush().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let folder = tempfile::tempdir().unwrap();
    let path = store_path(&folder);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([CHILD_TEST_NAME, "--exact", "--ignored", "--nocapture"])
        .env(CRASH_DB_VARIABLE, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut acknowledged: BTreeMap<String, String> = BTreeMap::new();
    let mut acks = 0;
    while acks < 400 {
        let line = lines
            .next()
            .expect("the child stopped before writing enough")
            .unwrap();
        let Some(ack) = line.strip_prefix("ACK ") else {
            continue;
        };
        let (key, written) = ack.split_once(' ').unwrap();
        acknowledged.insert(key.to_owned(), written.to_owned());
        acks += 1;
    }
    // `Child::kill` is SIGKILL on Unix: no destructor, no flush runs in the child.
    child.kill().unwrap();
    child.wait().unwrap();
    // Acknowledgements printed between our last read and the kill count too.
    for line in lines.map_while(Result::ok) {
        if let Some((key, written)) = line
            .strip_prefix("ACK ")
            .and_then(|ack| ack.split_once(' '))
        {
            acknowledged.insert(key.to_owned(), written.to_owned());
        }
    }

    let store = EmbeddedStore::open(&path).unwrap();
    for (key, written) in &acknowledged {
        let stored = store
            .get(key)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged key {key} was lost"));
        // A write may have committed without its acknowledgement being printed.
        let acceptable = written == "v2" && stored.value == value("v2")
            || written == "v1" && (stored.value == value("v1") || stored.value == value("v2"));
        assert!(
            acceptable,
            "key {key}: acknowledged {written}, stored {stored:?}"
        );
    }
    let current = store.current_revision().await.unwrap();
    let writes: usize = acknowledged
        .values()
        .map(|written| if written == "v2" { 2 } else { 1 })
        .sum();
    assert!(current as usize >= writes);
    // The revisions on disk are consistent: the log replays to the current revision.
    let mut watch = store.watch("/crash/", 0).await.unwrap();
    for expected in 1..=current {
        assert_eq!(watch.next().await.unwrap().unwrap().revision(), expected);
    }
    let next = store.create("/crash/zz-after", value("x")).await.unwrap();
    assert_eq!(next.mod_revision, current + 1);
    assert_eq!(watch.next().await.unwrap().unwrap().revision(), current + 1);
    store.close().await.unwrap();
}
