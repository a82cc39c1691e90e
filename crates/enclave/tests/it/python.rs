//! The official Python `kubernetes` client lists and watches pods.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::Enclave;

#[test]
fn python_client_lists_and_watches_pods() {
    let e = Enclave::start();
    let run = |name: &str| {
        let out = e.kubectl(&["run", name, "--image=nginx", "--restart=Never"]);
        assert!(out.ok, "{}", out.stderr);
    };
    run("first");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/python_client.py");
    let child = Command::new("python3")
        .arg(script)
        .arg(e.admin_kubeconfig())
        .arg("default")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    std::thread::sleep(Duration::from_secs(2));
    run("second");
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python client failed: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "LIST 1 first", "{text}");
    assert!(lines.contains(&"EVENT ADDED first"), "{text}");
    assert!(lines.contains(&"EVENT ADDED second"), "{text}");
}
