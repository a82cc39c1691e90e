//! Ad-hoc measurement of the embedded store's durable write rate with group commit.
//!
//! `cargo run -p enclave-store --example write_rate [--release] -- [writers] [writes] [dir]`
//! Each writer creates keys of ~16 bytes with 256-byte values (etcd's benchmark shape) and
//! waits for each acknowledgement (so for its fsync) before the next write.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use enclave_store::Store;
use enclave_store::embedded::EmbeddedStore;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let writers: usize = args.next().map_or(Ok(64), |arg| arg.parse())?;
    let writes: usize = args.next().map_or(Ok(20_000), |arg| arg.parse())?;
    let folder = match args.next() {
        Some(dir) => tempfile::tempdir_in(dir)?,
        None => tempfile::tempdir()?,
    };
    let store = Arc::new(EmbeddedStore::open(&folder.path().join("bench.redb"))?);
    let value = Bytes::from(vec![b'x'; 256]);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for writer in 0..writers {
        let store = store.clone();
        let value = value.clone();
        let count = writes / writers;
        tasks.push(tokio::spawn(async move {
            for index in 0..count {
                store
                    .create(&format!("/b/{writer:03}/{index:08}"), value.clone())
                    .await?;
            }
            Ok::<_, enclave_store::StoreError>(count)
        }));
    }
    let mut done = 0;
    for task in tasks {
        done += task.await??;
    }
    let elapsed = started.elapsed();
    println!(
        "{writers} writers: {done} durable writes in {:.2?} = {:.0} writes/s",
        elapsed,
        done as f64 / elapsed.as_secs_f64()
    );
    store.close().await?;
    Ok(())
}
