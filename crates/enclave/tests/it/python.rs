//! The official Python `kubernetes` client lists and watches pods.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

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
    let mut child = Command::new("python3")
        .arg(script)
        .arg(e.admin_kubeconfig())
        .arg("default")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    // Create the second pod only once the client has listed, so that it must come by watch.
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first_line = String::new();
    stdout.read_line(&mut first_line).expect("python output");
    run("second");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("python output");
    let status = child.wait().expect("python exits");
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    let text = format!("{first_line}{rest}");
    assert!(status.success(), "python client failed: {text}\n{stderr}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "LIST 1 first", "{text}");
    assert!(lines.contains(&"EVENT ADDED first"), "{text}");
    assert!(lines.contains(&"EVENT ADDED second"), "{text}");
}
