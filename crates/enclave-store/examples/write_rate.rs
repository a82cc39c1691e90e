//! Ad-hoc measurement of the embedded store's durable write rate and latency with group commit.
//!
//! `cargo run -p enclave-store --example write_rate [--release] -- [writers] [writes] [dir]
//!  [--value-bytes N] [--shared-prefix]`
//!
//! Each writer creates keys and waits for each acknowledgement (so for its fsync) before the
//! next write. By default each writer writes under its own prefix
//! (`/registry/configmaps/ns-<writer>/cm-<index>`), the shape of API clients that each work in
//! their own namespace, so one group commit touches as many key ranges as there are writers;
//! `--shared-prefix` makes every writer append to one key range instead. Values are 256 bytes
//! (etcd's benchmark shape) unless `--value-bytes` says otherwise (a ConfigMap with its
//! managedFields is about 700 bytes).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use enclave_store::Store;
use enclave_store::embedded::EmbeddedStore;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut positional = Vec::new();
    let mut value_bytes = 256_usize;
    let mut shared_prefix = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--value-bytes" => {
                value_bytes = args.next().ok_or("--value-bytes needs a number")?.parse()?;
            }
            "--shared-prefix" => shared_prefix = true,
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
    let store = Arc::new(EmbeddedStore::open(&folder.path().join("bench.redb"))?);
    let value = Bytes::from(vec![b'x'; value_bytes]);
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
        "{writers} writers ({}), {value_bytes}-byte values: {} durable writes in {:.2?} = {:.0} writes/s, p50 {:.2} ms, p99 {:.2} ms",
        if shared_prefix {
            "one shared prefix"
        } else {
            "one prefix each"
        },
        latencies.len(),
        elapsed,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(0.50),
        percentile(0.99),
    );
    store.close().await?;
    Ok(())
}
