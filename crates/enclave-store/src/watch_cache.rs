//! The watch machinery shared by every backend: a ring of recent events, a broadcast for live
//! fan-out, and the watch stream that replays the backlog and then follows live events.
//!
//! Correctness rests on two facts. First, every write takes exactly one revision and the
//! backend publishes events in revision order, so the ring always holds a contiguous run of
//! revisions ending at the newest published one. Second, publishing (push to the ring, send on
//! the broadcast) and subscribing (take a receiver, snapshot the ring) happen under the same
//! lock, so a new watcher sees each event exactly once: in its ring snapshot or on its
//! receiver, never both, never neither. Older events come from the backend's [`EventLog`].
//! A watcher that falls behind the broadcast re-subscribes from the last revision it processed
//! and catches up from the ring or the log, so lagging never loses events silently; only when
//! the needed history was compacted does its stream end with [`StoreError::Compacted`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use futures::StreamExt;
use tokio::sync::broadcast;

use crate::{Event, Revision, StoreError, WatchStream};

/// Sizes of the in-memory watch cache of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchCacheOptions {
    /// How many recent events are kept in memory to serve watches that start slightly in the
    /// past without touching the backend's log. At least 1.
    pub ring_capacity: usize,
    /// How many bytes (keys and values, previous values included) the ring may hold; older
    /// events are dropped first, so a few large values (a blob rewritten often) cannot pin
    /// hundreds of megabytes. The newest event is always kept.
    pub ring_bytes: usize,
    /// How many live events a slow watcher may fall behind before it has to catch up from the
    /// ring or the log. At least 1.
    pub broadcast_capacity: usize,
}

impl Default for WatchCacheOptions {
    fn default() -> Self {
        Self {
            ring_capacity: 10_000,
            ring_bytes: 32 << 20,
            broadcast_capacity: 4_096,
        }
    }
}

/// A slice of the backend's event log, as [`EventLog::read_events`] returns it.
#[derive(Debug, Default)]
pub(crate) struct LogChunk {
    /// The events under the prefix, in revision order.
    pub events: Vec<Arc<Event>>,
    /// The last revision the read covered (matching or not); the next read starts after it.
    pub scanned_to: Revision,
}

/// Where a backend keeps the events that may be older than the ring.
pub(crate) trait EventLog: Send + Sync + 'static {
    /// Reads the events with a revision in `(after, until]` whose key starts with `prefix`,
    /// covering at most `max_scanned` revisions. Fails with [`StoreError::Compacted`] when
    /// events after `after` were compacted. May block: the watch calls it on a blocking thread.
    fn read_events(
        &self,
        prefix: &str,
        after: Revision,
        until: Revision,
        max_scanned: usize,
    ) -> Result<LogChunk, StoreError>;
}

/// How many log revisions one catch-up read covers, to bound the memory of a replay.
const LOG_CHUNK_REVISIONS: usize = 1_024;

struct HubState {
    /// Contiguous recent events, oldest first.
    ring: VecDeque<Arc<Event>>,
    /// The bytes of the events in the ring, as `event_bytes` counts them.
    ring_bytes: usize,
    /// The newest published revision (the ring's last, or the store's revision at start).
    published: Revision,
    /// `None` once the store is closed.
    sender: Option<broadcast::Sender<Arc<Event>>>,
}

/// The shared watch cache of one store.
pub(crate) struct WatchHub {
    state: Mutex<HubState>,
    ring_capacity: usize,
    ring_bytes: usize,
}

/// What an event costs in the ring: its key and values (the event's own overhead is small).
fn event_bytes(event: &Event) -> usize {
    match event {
        Event::Put { kv, prev } => {
            kv.key.len() + kv.value.len() + prev.as_ref().map_or(0, |p| p.key.len() + p.value.len())
        }
        Event::Delete { kv } => kv.key.len() + kv.value.len(),
    }
}

/// What a new subscriber gets: its live receiver and the backlog it must deliver first.
struct Subscription {
    receiver: broadcast::Receiver<Arc<Event>>,
    /// Events from the ring newer than the start, in order.
    ring_backlog: VecDeque<Arc<Event>>,
    /// Events in `(start, log_until]` must be read from the log (older than the ring).
    log_until: Revision,
}

impl WatchHub {
    /// A hub for a store whose newest revision is `current`.
    pub(crate) fn new(options: WatchCacheOptions, current: Revision) -> Self {
        let (sender, _) = broadcast::channel(options.broadcast_capacity.max(1));
        Self {
            state: Mutex::new(HubState {
                ring: VecDeque::new(),
                ring_bytes: 0,
                published: current,
                sender: Some(sender),
            }),
            ring_capacity: options.ring_capacity.max(1),
            ring_bytes: options.ring_bytes,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HubState> {
        // A panic while holding this lock cannot leave the state inconsistent (each mutation is
        // a single push or send), so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Publishes committed events. Callers publish in revision order, from one writer at a time.
    pub(crate) fn publish(&self, events: impl IntoIterator<Item = Arc<Event>>) {
        let mut state = self.lock();
        for event in events {
            state.published = event.revision();
            let bytes = event_bytes(&event);
            while !state.ring.is_empty()
                && (state.ring.len() == self.ring_capacity
                    || state.ring_bytes + bytes > self.ring_bytes)
            {
                if let Some(old) = state.ring.pop_front() {
                    state.ring_bytes -= event_bytes(&old);
                }
            }
            state.ring_bytes += bytes;
            state.ring.push_back(event.clone());
            if let Some(sender) = &state.sender {
                // An error only means that nobody is listening right now.
                let _ = sender.send(event);
            }
        }
    }

    /// Ends every watch: live streams finish with [`StoreError::Closed`].
    pub(crate) fn close(&self) {
        self.lock().sender = None;
    }

    fn subscribe(&self, after: Revision) -> Result<Subscription, StoreError> {
        let state = self.lock();
        let receiver = state.sender.as_ref().ok_or(StoreError::Closed)?.subscribe();
        let ring_first = state
            .ring
            .front()
            .map_or(state.published + 1, |event| event.revision());
        let skip = usize::try_from(after.saturating_add(1).saturating_sub(ring_first))
            .unwrap_or(usize::MAX);
        let ring_backlog = state.ring.iter().skip(skip).cloned().collect();
        Ok(Subscription {
            receiver,
            ring_backlog,
            log_until: ring_first - 1,
        })
    }

    /// Starts a watch of the events under `prefix` newer than `after`. The caller has already
    /// checked `after` against the compacted revision.
    pub(crate) fn watch(
        self: &Arc<Self>,
        log: Arc<dyn EventLog>,
        prefix: &str,
        after: Revision,
    ) -> Result<WatchStream, StoreError> {
        let subscription = self.subscribe(after)?;
        let watcher = Watcher {
            hub: self.clone(),
            log,
            prefix: prefix.to_owned(),
            cursor: after,
            log_until: subscription.log_until,
            log_scanned: after,
            log_backlog: VecDeque::new(),
            ring_backlog: subscription.ring_backlog,
            receiver: subscription.receiver,
            finished: false,
        };
        Ok(futures::stream::unfold(watcher, |mut watcher| async move {
            let item = watcher.next_event().await?;
            Some((item, watcher))
        })
        .boxed())
    }
}

/// The state of one watch stream.
struct Watcher {
    hub: Arc<WatchHub>,
    log: Arc<dyn EventLog>,
    prefix: String,
    /// The last revision processed (delivered or filtered out); everything up to it is done.
    cursor: Revision,
    /// Revisions in `(cursor, log_until]` still have to be read from the log.
    log_until: Revision,
    /// The last revision read from the log so far.
    log_scanned: Revision,
    log_backlog: VecDeque<Arc<Event>>,
    ring_backlog: VecDeque<Arc<Event>>,
    receiver: broadcast::Receiver<Arc<Event>>,
    finished: bool,
}

impl Watcher {
    /// Takes `event` if it is the next one; returns it when it is under the prefix.
    fn accept(&mut self, event: Arc<Event>) -> Option<Event> {
        if event.revision() <= self.cursor {
            return None;
        }
        self.cursor = event.revision();
        event
            .key()
            .starts_with(&self.prefix)
            .then(|| Event::clone(&event))
    }

    fn fail(&mut self, error: StoreError) -> Option<Result<Event, StoreError>> {
        self.finished = true;
        Some(Err(error))
    }

    async fn next_event(&mut self) -> Option<Result<Event, StoreError>> {
        loop {
            if self.finished {
                return None;
            }
            if let Some(event) = self.log_backlog.pop_front() {
                if let Some(event) = self.accept(event) {
                    return Some(Ok(event));
                }
                continue;
            }
            // Every revision of the chunk read last is processed once its events are.
            self.cursor = self.cursor.max(self.log_scanned);
            if self.cursor < self.log_until {
                if let Err(error) = self.read_log_chunk().await {
                    return self.fail(error);
                }
                continue;
            }
            if let Some(event) = self.ring_backlog.pop_front() {
                if let Some(event) = self.accept(event) {
                    return Some(Ok(event));
                }
                continue;
            }
            match self.receiver.recv().await {
                Ok(event) => {
                    if let Some(event) = self.accept(event) {
                        return Some(Ok(event));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Start over from the last processed revision: the ring or the log has
                    // every event after it, unless it was compacted meanwhile.
                    match self.hub.subscribe(self.cursor) {
                        Ok(subscription) => {
                            self.receiver = subscription.receiver;
                            self.ring_backlog = subscription.ring_backlog;
                            self.log_until = subscription.log_until;
                        }
                        Err(error) => return self.fail(error),
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return self.fail(StoreError::Closed),
            }
        }
    }

    async fn read_log_chunk(&mut self) -> Result<(), StoreError> {
        let log = self.log.clone();
        let prefix = self.prefix.clone();
        let (after, until) = (self.cursor, self.log_until);
        let chunk = tokio::task::spawn_blocking(move || {
            log.read_events(&prefix, after, until, LOG_CHUNK_REVISIONS)
        })
        .await
        .map_err(|error| StoreError::Backend(format!("watch log read failed: {error}")))??;
        if chunk.scanned_to <= after || chunk.scanned_to > until {
            // The log must hold every revision in the range; a hole means a damaged store,
            // and looping on it would hang the watcher.
            return Err(StoreError::Backend(format!(
                "event log has no entry after revision {after} (expected up to {until})"
            )));
        }
        self.log_scanned = chunk.scanned_to;
        self.log_backlog.extend(chunk.events);
        Ok(())
    }
}
