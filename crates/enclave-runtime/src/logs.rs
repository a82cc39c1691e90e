//! Container logs: one bounded ring per container instance (the current and the previous
//! one are kept), each line stamped when written; reading applies kubelet's options (since,
//! tail, limit, timestamps) and can follow new lines until the instance stops.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use jiff::Timestamp;
use tokio::sync::watch;

use crate::Error;
use crate::time::rfc3339_nanos;

/// The bytes one container instance keeps (older lines are dropped first).
pub(crate) const RING_BYTES: usize = 1 << 20;
/// What a line costs beyond its text (timestamp, bookkeeping), so that many short lines are
/// bounded too.
const LINE_OVERHEAD: usize = 32;

/// What `kubectl logs` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogRequest {
    /// Keep streaming new lines until the container stops or the reader leaves.
    pub follow: bool,
    /// The previous, terminated instance of the container.
    pub previous: bool,
    /// Only the last N lines.
    pub tail_lines: Option<u64>,
    /// Only lines written in the last N seconds.
    pub since_seconds: Option<u64>,
    /// Only lines written at or after this RFC 3339 time.
    pub since_time: Option<String>,
    /// Prefix each line with its RFC 3339 (nanoseconds) timestamp.
    pub timestamps: bool,
    /// Stop after this many bytes.
    pub limit_bytes: Option<u64>,
}

/// One stored line.
#[derive(Debug, Clone)]
struct LogLine {
    at: Timestamp,
    text: Box<str>,
}

/// The lines of one instance, oldest first.
#[derive(Debug, Default)]
struct LogRing {
    lines: VecDeque<LogLine>,
    bytes: usize,
    /// The sequence number of `lines[0]`.
    first_seq: u64,
    closed: bool,
}

impl LogRing {
    fn next_seq(&self) -> u64 {
        self.first_seq + self.lines.len() as u64
    }

    fn push(&mut self, at: Timestamp, text: &str) {
        let cost = text.len() + LINE_OVERHEAD;
        while self.bytes + cost > RING_BYTES {
            match self.lines.pop_front() {
                Some(old) => {
                    self.bytes -= old.text.len() + LINE_OVERHEAD;
                    self.first_seq += 1;
                }
                None => break,
            }
        }
        // A single line longer than the ring keeps its tail.
        let text = if cost > RING_BYTES {
            let mut start = text.len() - (RING_BYTES - LINE_OVERHEAD);
            while !text.is_char_boundary(start) {
                start += 1;
            }
            &text[start..]
        } else {
            text
        };
        self.bytes += text.len() + LINE_OVERHEAD;
        self.lines.push_back(LogLine {
            at,
            text: text.into(),
        });
    }
}

/// The log of one container instance.
#[derive(Debug)]
pub(crate) struct InstanceLog {
    ring: Mutex<LogRing>,
    /// Bumped on every line and when the instance stops, to wake followers.
    changed: watch::Sender<u64>,
}

impl InstanceLog {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(InstanceLog {
            ring: Mutex::new(LogRing::default()),
            changed: watch::Sender::new(0),
        })
    }

    /// Appends one line written at `at`.
    pub(crate) fn push(&self, at: Timestamp, text: &str) {
        let seq = {
            let mut ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
            if ring.closed {
                return;
            }
            ring.push(at, text);
            ring.next_seq()
        };
        self.changed.send_replace(seq);
    }

    /// Marks the instance stopped: followers end after the last line.
    pub(crate) fn close(&self) {
        let seq = {
            let mut ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
            ring.closed = true;
            ring.next_seq()
        };
        // `send_replace` wakes followers even when the value is unchanged.
        self.changed.send_replace(seq);
    }

    /// The lines from sequence `from` on (or from the oldest kept), rendered, with the next
    /// sequence number and whether the instance is stopped.
    fn read_from(&self, from: u64, timestamps: bool) -> (Vec<u8>, u64, bool) {
        let ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        let start = from.max(ring.first_seq);
        let skip = (start - ring.first_seq) as usize;
        let mut out = Vec::new();
        for line in ring.lines.iter().skip(skip) {
            render_line(&mut out, line, timestamps);
        }
        (out, ring.next_seq(), ring.closed)
    }
}

impl enclave_workloads::LogSink for InstanceLog {
    fn line(&self, _stderr: bool, line: &str) {
        self.push(Timestamp::now(), line);
    }
}

fn render_line(out: &mut Vec<u8>, line: &LogLine, timestamps: bool) {
    if timestamps {
        out.extend_from_slice(rfc3339_nanos(line.at).as_bytes());
        out.push(b' ');
    }
    out.extend_from_slice(line.text.as_bytes());
    out.push(b'\n');
}

/// The filter a request applies to stored lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LogFilter {
    since: Option<Timestamp>,
    tail_lines: Option<u64>,
    timestamps: bool,
    limit_bytes: Option<u64>,
}

impl LogFilter {
    /// The filter of `request` at time `now`; a malformed `sinceTime` is an error.
    pub(crate) fn new(request: &LogRequest, now: Timestamp) -> Result<Self, Error> {
        let since_time = match &request.since_time {
            Some(text) => Some(
                text.parse::<Timestamp>()
                    .map_err(|e| Error::BadRequest(format!("invalid sinceTime {text:?}: {e}")))?,
            ),
            None => None,
        };
        let since_seconds = request.since_seconds.map(|s| {
            now.checked_sub(jiff::SignedDuration::from_secs(
                s.min(i64::MAX as u64) as i64
            ))
            .unwrap_or(Timestamp::MIN)
        });
        Ok(LogFilter {
            since: since_time.or(since_seconds),
            tail_lines: request.tail_lines,
            timestamps: request.timestamps,
            limit_bytes: request.limit_bytes,
        })
    }
}

/// The lines of `ring` the filter selects, rendered and cut to the byte limit, with the
/// sequence number after the last line.
fn select(ring: &LogRing, filter: &LogFilter) -> (Vec<u8>, u64) {
    let eligible: Vec<&LogLine> = ring
        .lines
        .iter()
        .filter(|line| filter.since.is_none_or(|since| line.at >= since))
        .collect();
    let skip = match filter.tail_lines {
        Some(tail) => eligible
            .len()
            .saturating_sub(tail.min(usize::MAX as u64) as usize),
        None => 0,
    };
    let mut out = Vec::new();
    for line in &eligible[skip..] {
        render_line(&mut out, line, filter.timestamps);
    }
    if let Some(limit) = filter.limit_bytes {
        out.truncate(limit.min(usize::MAX as u64) as usize);
    }
    (out, ring.next_seq())
}

/// A reader's stream over one instance.
fn open_stream(
    log: Arc<InstanceLog>,
    filter: LogFilter,
    follow: bool,
) -> BoxStream<'static, Bytes> {
    let (first, next_seq, closed) = {
        let ring = log.ring.lock().unwrap_or_else(PoisonError::into_inner);
        let (bytes, next) = select(&ring, &filter);
        (bytes, next, ring.closed)
    };
    let mut remaining = filter
        .limit_bytes
        .map(|l| l.saturating_sub(first.len() as u64));
    let head = stream::iter((!first.is_empty()).then(|| Bytes::from(first)));
    if !follow || closed || remaining == Some(0) {
        return head.boxed();
    }
    let rx = log.changed.subscribe();
    let tail = stream::unfold(
        (log, rx, next_seq, false),
        move |(log, mut rx, seq, done)| async move {
            if done {
                return None;
            }
            let mut seq = seq;
            loop {
                let (mut bytes, next, closed) = log.read_from(seq, filter.timestamps);
                seq = next;
                if let Some(left) = remaining.as_mut() {
                    bytes.truncate((*left).min(usize::MAX as u64) as usize);
                    *left -= bytes.len() as u64;
                }
                let finished = closed || remaining == Some(0);
                if !bytes.is_empty() {
                    return Some((Bytes::from(bytes), (log, rx, seq, finished)));
                }
                if finished || rx.changed().await.is_err() {
                    return None;
                }
            }
        },
    );
    head.chain(tail).boxed()
}

/// The instances of one container.
#[derive(Debug, Default)]
struct ContainerLogs {
    current: Option<Arc<InstanceLog>>,
    previous: Option<Arc<InstanceLog>>,
    /// Why no instance exists yet (`ContainerCreating`, `PodInitializing`, ...).
    waiting_reason: String,
}

/// The logs of one pod.
#[derive(Debug, Default)]
struct PodLogs {
    name: String,
    containers: HashMap<String, ContainerLogs>,
}

/// The logs of every pod the runtime runs, by pod uid.
#[derive(Debug, Default)]
pub(crate) struct LogStore {
    pods: Mutex<HashMap<String, PodLogs>>,
}

impl LogStore {
    /// Declares a pod's containers (before any instance runs).
    pub(crate) fn register(&self, uid: &str, pod: &str, containers: &[(String, &'static str)]) {
        let mut pods = self.pods.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = pods.entry(uid.to_string()).or_default();
        entry.name = pod.to_string();
        for (name, reason) in containers {
            entry
                .containers
                .entry(name.clone())
                .or_default()
                .waiting_reason = (*reason).to_string();
        }
    }

    /// A new instance of a container: the current one becomes the previous one.
    pub(crate) fn new_instance(&self, uid: &str, container: &str) -> Arc<InstanceLog> {
        let log = InstanceLog::new();
        let mut pods = self.pods.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = pods
            .entry(uid.to_string())
            .or_default()
            .containers
            .entry(container.to_string())
            .or_default();
        if let Some(old) = entry.current.replace(log.clone()) {
            old.close();
            entry.previous = Some(old);
        }
        log
    }

    /// Forgets a pod's logs (when the pod is gone).
    pub(crate) fn remove(&self, uid: &str) {
        let removed = self
            .pods
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(uid);
        for container in removed.into_iter().flat_map(|p| p.containers.into_values()) {
            if let Some(log) = container.current {
                log.close();
            }
        }
    }

    /// Opens the log `request` asks for, with kubelet's errors.
    pub(crate) fn open(
        &self,
        namespace: &str,
        pod: &str,
        uid: &str,
        container: &str,
        request: &LogRequest,
        now: Timestamp,
    ) -> Result<BoxStream<'static, Bytes>, Error> {
        let filter = LogFilter::new(request, now)?;
        let log = {
            let pods = self.pods.lock().unwrap_or_else(PoisonError::into_inner);
            let entry = pods.get(uid).filter(|p| p.name == pod).ok_or_else(|| {
                Error::Unavailable(format!(
                    "pod {pod:?} in namespace {namespace:?} is not running on any node"
                ))
            })?;
            let logs = entry.containers.get(container).ok_or_else(|| {
                Error::LogNotFound(format!("container {container} is not valid for pod {pod}"))
            })?;
            if request.previous {
                logs.previous.clone().ok_or_else(|| {
                    Error::LogNotFound(format!(
                        "previous terminated container {container:?} in pod {pod:?} not found"
                    ))
                })?
            } else {
                logs.current.clone().ok_or_else(|| {
                    Error::LogNotFound(format!(
                        "container {container:?} in pod {pod:?} is waiting to start: {}",
                        logs.waiting_reason
                    ))
                })?
            }
        };
        Ok(open_stream(
            log,
            filter,
            request.follow && !request.previous,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + second).unwrap_or_default()
    }

    fn ring(lines: &[(i64, &str)]) -> LogRing {
        let mut ring = LogRing::default();
        for (second, text) in lines {
            ring.push(at(*second), text);
        }
        ring
    }

    fn filter(request: LogRequest, now: i64) -> LogFilter {
        match LogFilter::new(&request, at(now)) {
            Ok(f) => f,
            Err(e) => panic!("filter: {e}"),
        }
    }

    #[test]
    fn tail_since_and_limit() {
        let r = ring(&[(0, "one"), (10, "two"), (20, "three"), (30, "four")]);
        let all = select(&r, &filter(LogRequest::default(), 40)).0;
        assert_eq!(all, b"one\ntwo\nthree\nfour\n");
        let tail = LogRequest {
            tail_lines: Some(2),
            ..LogRequest::default()
        };
        assert_eq!(select(&r, &filter(tail, 40)).0, b"three\nfour\n");
        let since = LogRequest {
            since_seconds: Some(35),
            ..LogRequest::default()
        };
        assert_eq!(select(&r, &filter(since, 40)).0, b"two\nthree\nfour\n");
        let since_time = LogRequest {
            since_time: Some("2023-11-14T22:13:40Z".into()),
            tail_lines: Some(5),
            limit_bytes: Some(7),
            ..LogRequest::default()
        };
        // 1_700_000_000 is 2023-11-14T22:13:20Z: lines at +20 and +30 remain, cut to 7 bytes.
        assert_eq!(select(&r, &filter(since_time, 40)).0, b"three\nf");
        let stamped = LogRequest {
            timestamps: true,
            tail_lines: Some(1),
            ..LogRequest::default()
        };
        assert_eq!(
            select(&r, &filter(stamped, 40)).0,
            b"2023-11-14T22:13:50Z four\n"
        );
        let bad = LogRequest {
            since_time: Some("yesterday".into()),
            ..LogRequest::default()
        };
        assert!(matches!(
            LogFilter::new(&bad, at(0)),
            Err(Error::BadRequest(_))
        ));
    }

    #[test]
    fn ring_is_bounded_and_keeps_the_newest_lines() {
        let mut r = LogRing::default();
        let line = "x".repeat(1000);
        for i in 0..5000 {
            r.push(at(i), &format!("{i} {line}"));
        }
        assert!(r.bytes <= RING_BYTES);
        assert_eq!(r.next_seq(), 5000);
        assert!(r.lines.back().is_some_and(|l| l.text.starts_with("4999 ")));
        assert!(r.first_seq > 0);
        let huge = "y".repeat(RING_BYTES * 2);
        r.push(at(6000), &huge);
        assert!(r.bytes <= RING_BYTES);
        assert_eq!(r.lines.len(), 1);
    }

    #[tokio::test]
    async fn previous_instance_and_kubelet_errors() {
        let store = LogStore::default();
        store.register("uid-1", "web-abc", &[("web".into(), "ContainerCreating")]);
        let waiting = store.open(
            "ns",
            "web-abc",
            "uid-1",
            "web",
            &LogRequest::default(),
            at(0),
        );
        assert_eq!(
            waiting.err().map(|e| e.to_string()),
            Some(
                "container \"web\" in pod \"web-abc\" is waiting to start: ContainerCreating"
                    .into()
            )
        );
        let first = store.new_instance("uid-1", "web");
        first.push(at(1), "first instance");
        let previous = LogRequest {
            previous: true,
            ..LogRequest::default()
        };
        let missing = store.open("ns", "web-abc", "uid-1", "web", &previous, at(2));
        assert_eq!(
            missing.err().map(|e| e.to_string()),
            Some("previous terminated container \"web\" in pod \"web-abc\" not found".into())
        );
        let second = store.new_instance("uid-1", "web");
        second.push(at(3), "second instance");
        let read = |request: LogRequest| {
            let stream = store.open("ns", "web-abc", "uid-1", "web", &request, at(4));
            async move {
                match stream {
                    Ok(s) => s.map(|b| b.to_vec()).concat().await,
                    Err(e) => e.to_string().into_bytes(),
                }
            }
        };
        assert_eq!(read(previous.clone()).await, b"first instance\n");
        assert_eq!(read(LogRequest::default()).await, b"second instance\n");
    }

    #[tokio::test]
    async fn follow_streams_until_the_instance_stops() {
        let store = LogStore::default();
        store.register("uid-1", "p", &[("web".into(), "ContainerCreating")]);
        let log = store.new_instance("uid-1", "web");
        log.push(at(0), "before");
        let follow = LogRequest {
            follow: true,
            ..LogRequest::default()
        };
        let stream = store.open("ns", "p", "uid-1", "web", &follow, at(1));
        let Ok(stream) = stream else {
            panic!("follow should open");
        };
        let writer = {
            let log = log.clone();
            tokio::spawn(async move {
                for i in 0..3 {
                    log.push(at(2 + i), &format!("after {i}"));
                    tokio::task::yield_now().await;
                }
                log.close();
            })
        };
        let all = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            stream.map(|b| b.to_vec()).concat(),
        )
        .await;
        assert!(writer.await.is_ok());
        assert_eq!(
            all.ok(),
            Some(b"before\nafter 0\nafter 1\nafter 2\n".to_vec())
        );
    }
}
