//! In-memory backend of the store, for tests: the same semantics as the durable one, no disk.
//!
//! Every key keeps its list of versions (tombstones included) until compaction, and every event
//! since the compacted revision is kept in a log, so past reads and old watches behave exactly
//! as with the embedded store. All operations run under one mutex, never across an `.await`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use bytes::Bytes;

use crate::watch_cache::{EventLog, LogChunk, WatchHub};
use crate::write_op::WriteOp;
use crate::{
    Event, KeyValue, RangeRequest, RangeResponse, Revision, Store, StoreError, WatchCacheOptions,
    WatchStream, check_watch_start, range_limit, range_start, resolve_read_revision,
};

/// The in-memory store. Cheap to create; nothing survives a drop.
pub struct MemoryStore {
    inner: Arc<MemoryInner>,
}

struct MemoryInner {
    state: Mutex<MemoryState>,
    hub: Arc<WatchHub>,
}

/// One version of a key: its state as of `revision` (`None`: deleted at `revision`).
struct KeyVersion {
    revision: Revision,
    kv: Option<KeyValue>,
}

#[derive(Default)]
struct MemoryState {
    current: Revision,
    compacted: Revision,
    closed: bool,
    /// Every key's versions, oldest first.
    keys: BTreeMap<String, Vec<KeyVersion>>,
    /// Every event with a revision in `(compacted, current]`, oldest first.
    log: VecDeque<Arc<Event>>,
}

impl MemoryState {
    fn latest(&self, key: &str) -> Option<&KeyValue> {
        self.keys.get(key)?.last()?.kv.as_ref()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store at revision 0 with the default watch cache.
    pub fn new() -> Self {
        Self::with_options(WatchCacheOptions::default())
    }

    /// An empty store with the given watch cache sizes (small sizes exercise the catch-up paths).
    pub fn with_options(options: WatchCacheOptions) -> Self {
        Self {
            inner: Arc::new(MemoryInner {
                state: Mutex::new(MemoryState::default()),
                hub: Arc::new(WatchHub::new(options, 0)),
            }),
        }
    }

    fn open_state(&self) -> Result<MutexGuard<'_, MemoryState>, StoreError> {
        self.inner.open_state()
    }

    fn write(&self, op: WriteOp) -> Result<KeyValue, StoreError> {
        let mut state = self.open_state()?;
        let revision = state.current + 1;
        let applied = op.apply(state.latest(op.key()), revision)?;
        state.current = revision;
        state
            .keys
            .entry(op.key().to_owned())
            .or_default()
            .push(KeyVersion {
                revision,
                kv: applied.latest,
            });
        let event = Arc::new(applied.event);
        state.log.push_back(event.clone());
        // Published under the state lock so that events reach the hub in revision order.
        self.inner.hub.publish([event]);
        Ok(applied.result)
    }
}

impl MemoryInner {
    fn open_state(&self) -> Result<MutexGuard<'_, MemoryState>, StoreError> {
        // Every mutation completes before anything can panic, so a poisoned lock is usable.
        let state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.closed {
            return Err(StoreError::Closed);
        }
        Ok(state)
    }
}

impl EventLog for MemoryInner {
    fn read_events(
        &self,
        prefix: &str,
        after: Revision,
        until: Revision,
        max_scanned: usize,
    ) -> Result<LogChunk, StoreError> {
        let state = self.open_state()?;
        check_watch_start(after, state.compacted)?;
        let first_index = usize::try_from(after - state.compacted).unwrap_or(usize::MAX);
        let mut chunk = LogChunk {
            events: Vec::new(),
            scanned_to: after,
        };
        for event in state.log.iter().skip(first_index).take(max_scanned) {
            if event.revision() > until {
                break;
            }
            chunk.scanned_to = event.revision();
            if event.key().starts_with(prefix) {
                chunk.events.push(event.clone());
            }
        }
        Ok(chunk)
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StoreError> {
        Ok(self.open_state()?.latest(key).cloned())
    }

    async fn range(&self, request: RangeRequest) -> Result<RangeResponse, StoreError> {
        let state = self.open_state()?;
        let revision = resolve_read_revision(request.revision, state.current, state.compacted)?;
        let limit = range_limit(&request);
        let (start, exclusive) = range_start(&request);
        let mut kvs = Vec::new();
        let mut more = false;
        for (key, versions) in state
            .keys
            .range::<str, _>((std::ops::Bound::Included(start), std::ops::Bound::Unbounded))
        {
            if !key.starts_with(&request.prefix) {
                break;
            }
            if exclusive && key == start {
                continue;
            }
            let visible = versions
                .iter()
                .rev()
                .find(|version| version.revision <= revision)
                .and_then(|version| version.kv.as_ref());
            if let Some(kv) = visible {
                if kvs.len() == limit {
                    more = true;
                    break;
                }
                kvs.push(kv.clone());
            }
        }
        Ok(RangeResponse {
            kvs,
            more,
            revision,
        })
    }

    async fn count(&self, prefix: &str) -> Result<u64, StoreError> {
        let state = self.open_state()?;
        let count = state
            .keys
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(key, _)| key.starts_with(prefix))
            .filter(|(_, versions)| versions.last().is_some_and(|version| version.kv.is_some()))
            .count();
        Ok(count as u64)
    }

    async fn create(&self, key: &str, value: Bytes) -> Result<KeyValue, StoreError> {
        self.write(WriteOp::Create {
            key: key.to_owned(),
            value,
        })
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
    }

    async fn delete(&self, key: &str, expected: Revision) -> Result<KeyValue, StoreError> {
        self.write(WriteOp::Delete {
            key: key.to_owned(),
            expected,
        })
    }

    async fn watch(&self, prefix: &str, after: Revision) -> Result<WatchStream, StoreError> {
        {
            let state = self.open_state()?;
            check_watch_start(after, state.compacted)?;
        }
        let log: Arc<dyn EventLog> = self.inner.clone();
        self.inner.hub.watch(log, prefix, after)
    }

    async fn current_revision(&self) -> Result<Revision, StoreError> {
        Ok(self.open_state()?.current)
    }

    async fn compacted_revision(&self) -> Result<Revision, StoreError> {
        Ok(self.open_state()?.compacted)
    }

    async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        let mut state = self.open_state()?;
        if revision > state.current {
            return Err(StoreError::FutureRevision {
                requested: revision,
                current: state.current,
            });
        }
        if revision <= state.compacted {
            return Ok(());
        }
        state.keys.retain(|_, versions| {
            // Keep the newest version at or below the revision (the state there), unless it
            // is a deletion, and everything newer.
            let newest_old = versions
                .iter()
                .rposition(|version| version.revision <= revision);
            if let Some(index) = newest_old {
                let keep_from = if versions[index].kv.is_some() {
                    index
                } else {
                    index + 1
                };
                versions.drain(..keep_from);
            }
            !versions.is_empty()
        });
        while state
            .log
            .front()
            .is_some_and(|event| event.revision() <= revision)
        {
            state.log.pop_front();
        }
        state.compacted = revision;
        Ok(())
    }

    async fn close(&self) -> Result<(), StoreError> {
        let mut state = self.open_state()?;
        state.closed = true;
        state.keys.clear();
        state.log.clear();
        self.inner.hub.close();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    crate::conformance_tests!(crate::testing::memory);

    /// The whole suite again with a tiny watch cache: every watch goes through the log and
    /// the lag recovery.
    mod tiny_cache {
        crate::conformance_tests!(crate::testing::memory_tiny_cache);

        #[tokio::test]
        async fn lagging_watcher_past_compaction_ends_compacted() {
            crate::testing::lagging_watcher_past_compaction_ends_compacted(
                &crate::testing::memory_tiny_cache,
            )
            .await;
        }
    }
}
