//! Ad-hoc measurement of the embedded store's durable write rate and latency with group commit,
//! and of what a reopen costs (time and memory) and what a list costs, on a preloaded store.
//!
//! `cargo run -p enclave-store --example write_rate [--release] -- [writers] [writes] [dir]
//!  [--value-bytes N] [--shared-prefix] [--preload KEYS]`
//!
//! Each writer creates keys and waits for each acknowledgement (so for its fsync) before the
//! next write. By default each writer writes under its own prefix
//! (`/registry/configmaps/ns-<writer>/cm-<index>`), the shape of API clients that each work in
//! their own namespace, so one group commit touches as many key ranges as there are writers;
//! `--shared-prefix` makes every writer append to one key range instead. Values are 256 bytes
//! (etcd's benchmark shape) unless `--value-bytes` says otherwise (a ConfigMap with its
//! managedFields is about 700 bytes).
//!
//! `--preload KEYS` first creates that many keys under `/registry/configmaps/preload/` (64
//! writers), then closes and reopens the store and reports how long the open took and how many
//! heap bytes it left allocated (the reopen uses a 1 MiB page cache so that the figure is the
//! store's own state, not cached pages), then times a list and a count of the preloaded keys,
//! and only then runs the measured writes. `writes` may be 0 to measure only the reopen.
//! Afterwards every preloaded key is updated once and a compaction at the current revision is
//! timed.
//!
//! `--keep` keeps the store file (its path is printed); `--open-only FILE` times the open of an
//! existing file, e.g. one kept by an older build, whose open migrates it.
//!
//! Only the public API is used, so the same file measures older versions of the store too.

// A global allocator that counts bytes cannot be written without `unsafe`; this probe is an
// example, never part of the server.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use enclave_store::embedded::{EmbeddedOptions, EmbeddedStore};
use enclave_store::{RangeRequest, Store};

/// The system allocator, counting the bytes currently allocated.
struct CountingAllocator;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only a counter is kept.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(pointer, layout) }
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.realloc(pointer, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const PRELOAD_PREFIX: &str = "/registry/configmaps/preload/";
const PRELOAD_WRITERS: usize = 64;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut positional = Vec::new();
    let mut value_bytes = 256_usize;
    let mut shared_prefix = false;
    let mut preload = 0_usize;
    let mut keep = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--value-bytes" => {
                value_bytes = args.next().ok_or("--value-bytes needs a number")?.parse()?;
            }
            "--shared-prefix" => shared_prefix = true,
            "--preload" => {
                preload = args.next().ok_or("--preload needs a number")?.parse()?;
            }
            "--keep" => keep = true,
            "--open-only" => {
                let path = args.next().ok_or("--open-only needs a store file")?;
                return open_only(Path::new(&path)).await;
            }
            "--help" | "-h" => {
                println!(
                    "write_rate [writers=64] [writes=20000] [dir] [--value-bytes N] [--shared-prefix] [--preload KEYS] [--keep]\nwrite_rate --open-only FILE"
                );
                return Ok(());
            }
            _ => positional.push(arg),
        }
    }
    let mut positional = positional.into_iter();
    let writers: usize = positional.next().map_or(Ok(64), |arg| arg.parse())?;
    let writes: usize = positional.next().map_or(Ok(20_000), |arg| arg.parse())?;
    let folder = match positional.next() {
        Some(dir) => tempfile::tempdir_in(dir)?,
        None => tempfile::tempdir()?,
    };
    let path = folder.path().join("bench.redb");
    let value = Bytes::from(vec![b'x'; value_bytes]);
    let mut store = Arc::new(EmbeddedStore::open(&path)?);
    if preload > 0 {
        store = preload_and_reopen(store, &path, preload, &value).await?;
    }
    if writes > 0 {
        measure_writes(&store, writers, writes, shared_prefix, &value).await?;
    }
    if preload > 0 {
        // Every preloaded key is then rewritten once, so that a compaction has history to drop.
        rewrite_preloaded(&store, preload, &value).await?;
        let current = store.current_revision().await?;
        let started = Instant::now();
        store.compact(current).await?;
        println!(
            "compaction of {current} revisions ({preload} superseded): {:.2?}",
            started.elapsed()
        );
    }
    store.close().await?;
    if keep {
        let kept = folder.keep();
        println!("kept {}", kept.join("bench.redb").display());
    }
    Ok(())
}

/// Times the open of an existing store file (with a migration, when it has an older format).
async fn open_only(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let bytes_before = std::fs::metadata(path)?.len();
    let started = Instant::now();
    let store = EmbeddedStore::open(path)?;
    let open_time = started.elapsed();
    let keys = store.count("/").await?;
    store.close().await?;
    println!(
        "open of {} ({:.1} MiB before, {:.1} MiB after): {open_time:.2?}, {keys} keys",
        path.display(),
        bytes_before as f64 / 1_048_576.0,
        std::fs::metadata(path)?.len() as f64 / 1_048_576.0
    );
    Ok(())
}

/// The process's resident memory (Linux), `0` when unknown. Includes what the allocator keeps
/// after frees, so it is an upper bound of what the store holds.
fn resident_bytes() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<usize>().ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// Creates `keys` keys, reopens the store and reports the open's time and memory, and the
/// cost of a list and a count of those keys.
async fn preload_and_reopen(
    store: Arc<EmbeddedStore>,
    path: &Path,
    keys: usize,
    value: &Bytes,
) -> Result<Arc<EmbeddedStore>, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for writer in 0..PRELOAD_WRITERS {
        let store = store.clone();
        let value = value.clone();
        tasks.push(tokio::spawn(async move {
            for index in (writer..keys).step_by(PRELOAD_WRITERS) {
                store
                    .create(&format!("{PRELOAD_PREFIX}cm-{index:08}"), value.clone())
                    .await?;
            }
            Ok::<_, enclave_store::StoreError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    store.close().await?;
    drop(store);
    let file_bytes = std::fs::metadata(path)?.len();
    println!(
        "preload: {keys} keys in {:.2?}, file {:.1} MiB",
        started.elapsed(),
        file_bytes as f64 / 1_048_576.0
    );

    let before = ALLOCATED.load(Ordering::Relaxed);
    let rss_before = resident_bytes();
    let started = Instant::now();
    let options = EmbeddedOptions {
        cache_bytes: 1024 * 1024,
        ..EmbeddedOptions::default()
    };
    let reopened = EmbeddedStore::open_with_options(path, options)?;
    let open_time = started.elapsed();
    let held = ALLOCATED.load(Ordering::Relaxed).saturating_sub(before);
    let resident = resident_bytes().saturating_sub(rss_before);
    println!(
        "reopen with {keys} keys: {open_time:.2?}, heap held after open {:.1} MiB = {:.0} bytes/key, resident memory +{:.1} MiB = {:.0} bytes/key (1 MiB page cache)",
        held as f64 / 1_048_576.0,
        held as f64 / keys as f64,
        resident as f64 / 1_048_576.0,
        resident as f64 / keys as f64
    );
    reopened.close().await?;
    drop(reopened);

    // The measured writes run with the default options.
    let store = Arc::new(EmbeddedStore::open(path)?);
    let list = RangeRequest {
        prefix: PRELOAD_PREFIX.to_owned(),
        ..RangeRequest::default()
    };
    // The first list warms the page cache; the best and the median of the next five are
    // reported (the machine is shared: the best is the cost, the median shows the noise).
    store.range(list.clone()).await?;
    let mut list_times = Vec::new();
    let mut listed = 0;
    for _ in 0..5 {
        let started = Instant::now();
        listed = store.range(list.clone()).await?.kvs.len();
        list_times.push(started.elapsed());
    }
    list_times.sort_unstable();
    let started = Instant::now();
    let counted = store.count(PRELOAD_PREFIX).await?;
    println!(
        "list of {listed} keys: best {:.2?}, median {:.2?}; count of {counted} keys {:.2?}",
        list_times[0],
        list_times[2],
        started.elapsed()
    );
    Ok(store)
}

/// Updates every preloaded key once (64 writers).
async fn rewrite_preloaded(
    store: &Arc<EmbeddedStore>,
    keys: usize,
    value: &Bytes,
) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for writer in 0..PRELOAD_WRITERS {
        let store = store.clone();
        let value = value.clone();
        tasks.push(tokio::spawn(async move {
            for index in (writer..keys).step_by(PRELOAD_WRITERS) {
                store
                    .update(&format!("{PRELOAD_PREFIX}cm-{index:08}"), value.clone(), 0)
                    .await?;
            }
            Ok::<_, enclave_store::StoreError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    println!("rewrite of {keys} keys: {:.2?}", started.elapsed());
    Ok(())
}

async fn measure_writes(
    store: &Arc<EmbeddedStore>,
    writers: usize,
    writes: usize,
    shared_prefix: bool,
    value: &Bytes,
) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for writer in 0..writers {
        let store = store.clone();
        let value = value.clone();
        let count = writes / writers;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(count);
            for index in 0..count {
                let key = if shared_prefix {
                    format!("/registry/configmaps/shared/cm-{index:08}-{writer:03}")
                } else {
                    format!("/registry/configmaps/ns-{writer:03}/cm-{index:08}")
                };
                let write_started = Instant::now();
                store.create(&key, value.clone()).await?;
                latencies.push(write_started.elapsed());
            }
            Ok::<_, enclave_store::StoreError>(latencies)
        }));
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(writes);
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let percentile = |fraction: f64| {
        let index = ((latencies.len() as f64 * fraction) as usize).min(latencies.len() - 1);
        latencies[index].as_secs_f64() * 1_000.0
    };
    println!(
        "{writers} writers ({}), {} values: {} durable writes in {:.2?} = {:.0} writes/s, p50 {:.2} ms, p99 {:.2} ms",
        if shared_prefix {
            "one shared prefix"
        } else {
            "one prefix each"
        },
        value.len(),
        latencies.len(),
        elapsed,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(0.50),
        percentile(0.99),
    );
    Ok(())
}
