//! Writes the workload of the embedded store's migration tests into a new store file, so that a
//! file in the format of the build that runs it can be checked in as a test fixture
//! (`src/embedded/tests/format-1.redb` was written by the format-1 store of commit 128ff07).
//!
//! `cargo run -p enclave-store --example format_fixture -- <path>`
//!
//! The workload must stay the one of `Workload` in `src/embedded/tests/layout.rs` (seed 11,
//! 260 writes, compactions at 80 and 190): the test replays it on a memory store and compares.

use bytes::Bytes;
use enclave_store::Store;
use enclave_store::embedded::EmbeddedStore;

/// The same linear congruential generator as the test's `Workload`.
struct Workload {
    seed: u64,
}

impl Workload {
    fn next_number(&mut self, below: u64) -> u64 {
        self.seed = self
            .seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.seed >> 33) % below
    }

    /// Picks and applies the next write, exactly as the test's `Workload::next_op` picks it.
    async fn write_next(&mut self, store: &EmbeddedStore) -> Result<(), enclave_store::StoreError> {
        let key = format!("/p{}/k{:02}", self.next_number(3), self.next_number(6));
        let written = Bytes::from(format!("{key}={}", self.seed % 1_000));
        match store.get(&key).await? {
            None => store.create(&key, written).await.map(drop),
            Some(existing) => match self.next_number(4) {
                0 => store.delete(&key, existing.mod_revision).await.map(drop),
                1 => store.update(&key, written, 0).await.map(drop),
                _ => store
                    .update(&key, written, existing.mod_revision)
                    .await
                    .map(drop),
            },
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: format_fixture <path of the new store file>")?;
    if std::path::Path::new(&path).exists() {
        return Err(format!("{path} exists; the fixture is written into a new file").into());
    }
    let store = EmbeddedStore::open(std::path::Path::new(&path))?;
    let mut workload = Workload { seed: 11 };
    for step in 1..=260 {
        workload.write_next(&store).await?;
        if step == 90 || step == 200 {
            store.compact(step - 10).await?;
        }
    }
    store.close().await?;
    println!("wrote {path}");
    Ok(())
}
