//! Host programs run as containers.

use std::time::Duration;

use crate::support::*;

fn program(command: &[&str], args: &[&str]) -> enclave_workloads::WorkloadSpec {
    let mut spec = spec("busybox:1.36");
    spec.command = strings(command);
    spec.args = strings(args);
    spec
}

#[tokio::test]
async fn echo_output_reaches_the_log_and_completes() {
    let running = start(program(&["/bin/echo"], &["hello", "from the host"]), true);
    let log = running.log.clone();
    assert_eq!(running.finish().await.ok(), Some(exit(0)));
    assert_eq!(log.stdout(), strings(&["hello from the host"]));
    assert_eq!(exit(0).reason, "Completed");
}

#[tokio::test]
async fn exit_codes_and_stderr_are_reported() {
    let running = start(
        program(&["/bin/sh", "-c"], &["echo oops >&2; exit 3"]),
        true,
    );
    let log = running.log.clone();
    let exit_status = running.finish().await.expect("started");
    assert_eq!(
        (exit_status.code, exit_status.reason.as_str()),
        (3, "Error")
    );
    assert_eq!(log.stderr(), strings(&["oops"]));
}

#[tokio::test]
async fn the_container_sees_its_env_and_a_fresh_working_directory() {
    let mut spec = program(
        &["/bin/sh", "-c"],
        &["echo \"$GREETING\"; echo \"$HOSTNAME\"; pwd; env | grep -c CARGO_ || true"],
    );
    spec.env = vec![("GREETING".into(), "hi there".into())];
    let running = start(spec, true);
    let log = running.log.clone();
    assert_eq!(running.finish().await.ok(), Some(exit(0)));
    let lines = log.stdout();
    assert_eq!(lines[0], "hi there");
    assert_eq!(lines[1], "web-6bb78d9f74-gwn6r");
    assert!(lines[2].contains("enclave-container-"), "{lines:?}");
    assert!(
        !std::path::Path::new(&lines[2]).exists(),
        "the working directory is removed afterwards"
    );
    assert_eq!(lines[3], "0", "the host's environment does not leak in");
}

#[tokio::test]
async fn sleep_is_stopped_by_sigterm() {
    let running = start(program(&["/bin/sleep"], &["60"]), true);
    // `run` spawns the process before it listens for the stop, so an immediate stop reaches
    // a live process; its default SIGTERM disposition ends it with 128 + 15.
    let exit_status = running
        .stop(Duration::from_secs(30))
        .await
        .expect("started");
    assert_eq!(
        (exit_status.code, exit_status.reason.as_str()),
        (143, "Error")
    );
}

#[tokio::test]
async fn a_process_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let running = start(
        program(&["/bin/sh", "-c"], &["trap '' TERM; echo ready; sleep 60"]),
        true,
    );
    running
        .line(|stderr, line| !stderr && line == "ready")
        .await;
    let exit_status = running
        .stop(Duration::from_millis(200))
        .await
        .expect("started");
    assert_eq!(exit_status.code, 137);
}

#[tokio::test]
async fn host_programs_need_the_flag() {
    let running = start(program(&["/bin/echo"], &["hello"]), false);
    let error = running
        .finish()
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("--allow-host-processes"), "{error}");
    assert!(error.contains("\"/bin/echo\""), "{error}");
}

#[tokio::test]
async fn a_missing_program_fails_the_start() {
    let running = start(program(&["/no/such/program"], &[]), true);
    let error = running
        .finish()
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.starts_with("exec: \"/no/such/program\": "), "{error}");
}
