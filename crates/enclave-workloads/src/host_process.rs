//! Host programs as containers (`enclave up --allow-host-processes`): a real child process
//! with the container's arguments and environment, a fresh temporary working directory, its
//! output lines in the container log, SIGTERM then SIGKILL to stop it.

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use rustix::process::{Pid, Signal, kill_process_group};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::watch;

use crate::support::stop_requested;
use crate::{Error, Exit, LogSink, WorkloadContext, WorkloadSpec};

/// The `PATH` a container gets when its environment does not set one (the usual image value).
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Output lines longer than this are split, as the kubelet's log writer does.
const MAX_LINE_BYTES: usize = 16 * 1024;

/// How long output may keep flowing after the process ended (from children that escaped its
/// process group) before the log is closed.
const OUTPUT_DRAIN: Duration = Duration::from_secs(2);

/// Runs `program` until it exits or `stop` asks it to.
pub(crate) async fn run(
    program: &str,
    args: &[String],
    spec: &WorkloadSpec,
    context: &WorkloadContext,
    mut stop: watch::Receiver<Option<Duration>>,
) -> Result<Exit, Error> {
    let working_directory = tempfile::Builder::new()
        .prefix("enclave-container-")
        .tempdir()
        .map_err(|error| Error::Start(format!("create a working directory: {error}")))?;
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        // The host's environment stays on the host: the container sees its own.
        .env_clear()
        .env("PATH", DEFAULT_PATH)
        .env("HOSTNAME", &spec.pod.name)
        .env("HOME", working_directory.path())
        .envs(spec.env.iter().map(|(name, value)| (name, value)))
        .current_dir(working_directory.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that stopping it reaches the processes it started.
        .process_group(0)
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|error| Error::Start(format!("exec: {program:?}: {error}")))?;
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .and_then(Pid::from_raw);
    let mut forwarders = tokio::task::JoinSet::new();
    if let Some(stdout) = child.stdout.take() {
        forwarders.spawn(forward_lines(stdout, false, context.log.clone()));
    }
    if let Some(stderr) = child.stderr.take() {
        forwarders.spawn(forward_lines(stderr, true, context.log.clone()));
    }

    let status = tokio::select! {
        status = child.wait() => status,
        grace = stop_requested(&mut stop) => {
            signal(group, Signal::TERM);
            match tokio::time::timeout(grace, child.wait()).await {
                Ok(status) => status,
                Err(_) => {
                    signal(group, Signal::KILL);
                    child.wait().await
                }
            }
        }
    };
    // When a container's main process ends, everything it started ends with it.
    signal(group, Signal::KILL);
    let _ = tokio::time::timeout(OUTPUT_DRAIN, async {
        while forwarders.join_next().await.is_some() {}
    })
    .await;
    drop(working_directory);

    Ok(match status {
        Ok(status) => {
            let code = status
                .code()
                .or_else(|| status.signal().map(|signal| 128 + signal))
                .unwrap_or(128);
            Exit::from_code(code)
        }
        Err(error) => Exit {
            code: 128,
            reason: "Error".into(),
            message: Some(format!("waiting for {program:?}: {error}")),
        },
    })
}

/// Sends `signal` to the process group, if there still is one.
fn signal(group: Option<Pid>, signal: Signal) {
    if let Some(group) = group {
        // ESRCH (the group is gone) is the normal case after an exit.
        let _ = kill_process_group(group, signal);
    }
}

/// Copies a pipe into the log, line by line (split at `MAX_LINE_BYTES`, invalid UTF-8
/// replaced).
async fn forward_lines(pipe: impl AsyncRead + Unpin, stderr: bool, sink: Arc<dyn LogSink>) {
    let mut reader = BufReader::new(pipe);
    let mut line: Vec<u8> = Vec::new();
    let emit = |line: &mut Vec<u8>| {
        sink.line(stderr, &String::from_utf8_lossy(line));
        line.clear();
    };
    while let Ok(buffer) = reader.fill_buf().await {
        if buffer.is_empty() {
            break;
        }
        let room = MAX_LINE_BYTES - line.len();
        let window = &buffer[..buffer.len().min(room)];
        match window.iter().position(|&byte| byte == b'\n') {
            Some(end) => {
                line.extend_from_slice(&window[..end]);
                reader.consume(end + 1);
                emit(&mut line);
            }
            None => {
                let taken = window.len();
                line.extend_from_slice(window);
                reader.consume(taken);
                if line.len() >= MAX_LINE_BYTES {
                    emit(&mut line);
                }
            }
        }
    }
    if !line.is_empty() {
        emit(&mut line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Lines(Mutex<Vec<(bool, String)>>);

    impl LogSink for Lines {
        fn line(&self, stderr: bool, line: &str) {
            if let Ok(mut lines) = self.0.lock() {
                lines.push((stderr, line.to_string()));
            }
        }
    }

    #[tokio::test]
    async fn pipes_become_lines() {
        let sink = Arc::new(Lines::default());
        let mut input = b"one\ntwo\r\n\xff\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
        forward_lines(&input[..], true, sink.clone()).await;
        let lines = sink.0.lock().map(|l| l.clone()).unwrap_or_default();
        let texts: Vec<usize> = lines.iter().map(|(_, l)| l.len()).collect();
        assert_eq!(lines[0], (true, "one".to_string()));
        assert_eq!(lines[1].1, "two\r");
        assert_eq!(lines[2].1, "\u{FFFD}");
        assert_eq!(texts[3..], [MAX_LINE_BYTES, 10]);
    }
}
