//! Test harness: runs the real `enclave up` on loopback with a fresh data dir, and the real
//! `kubectl` against it with a fresh HOME.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

/// A running `enclave up`.
pub struct Enclave {
    child: Option<Child>,
    /// The data dir (kept across restarts).
    pub data_dir: PathBuf,
    /// A fresh HOME for kubectl.
    pub home: tempfile::TempDir,
    /// The API port on 127.0.0.1.
    pub port: u16,
    store: String,
    extra_args: Vec<String>,
    _data: Option<tempfile::TempDir>,
    /// Everything `enclave up` printed on stdout.
    pub stdout: Vec<String>,
}

/// The output of one command.
#[derive(Debug)]
pub struct Output {
    /// Exit success.
    pub ok: bool,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Enclave {
    /// Starts Enclave with the embedded store in a new data dir.
    pub fn start() -> Self {
        Self::start_with_store("embedded")
    }

    /// Starts Enclave with the given store in a new data dir.
    pub fn start_with_store(store: &str) -> Self {
        Self::start_with(store, &[])
    }

    /// Starts Enclave with the embedded store and extra `enclave up` flags.
    pub fn start_with_args(args: &[&str]) -> Self {
        Self::start_with("embedded", args)
    }

    fn start_with(store: &str, args: &[&str]) -> Self {
        let data = tempfile::tempdir().expect("tempdir");
        let mut e = Enclave {
            child: None,
            data_dir: data.path().to_path_buf(),
            home: tempfile::tempdir().expect("tempdir"),
            port: free_port(),
            store: store.into(),
            extra_args: args.iter().map(|a| a.to_string()).collect(),
            _data: Some(data),
            stdout: Vec::new(),
        };
        e.launch();
        e
    }

    fn launch(&mut self) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_enclave"))
            .arg("up")
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--api-listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--store")
            .arg(&self.store)
            .args(&self.extra_args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawning enclave");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        self.child = Some(child);
        loop {
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    let ready = line.trim() == "enclave is ready";
                    self.stdout.push(line);
                    if ready {
                        break;
                    }
                }
                Err(_) => panic!("enclave did not become ready: {:?}", self.stdout),
            }
        }
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in rx {});
    }

    /// Stops Enclave with SIGTERM and waits for it; returns whether it exited cleanly.
    pub fn stop(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return true;
        };
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        for _ in 0..300 {
            if let Ok(Some(status)) = child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }

    /// Kills Enclave with SIGKILL.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts Enclave again on the same data dir and port.
    pub fn restart(&mut self) {
        self.stop();
        self.stdout.clear();
        self.launch();
    }

    /// Starts Enclave after a kill, on the same data dir and port.
    pub fn relaunch(&mut self) {
        self.stdout.clear();
        self.launch();
    }

    /// The admin kubeconfig (cluster-admin).
    pub fn admin_kubeconfig(&self) -> PathBuf {
        self.data_dir.join("admin.kubeconfig")
    }

    /// The SSO administrator's kubeconfig.
    pub fn user_kubeconfig(&self) -> PathBuf {
        self.data_dir.join("kubeconfig")
    }

    /// Runs kubectl as cluster admin.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_with(&self.admin_kubeconfig(), args, None)
    }

    /// Runs kubectl as cluster admin with standard input.
    pub fn kubectl_stdin(&self, args: &[&str], stdin: &str) -> Output {
        self.kubectl_with(&self.admin_kubeconfig(), args, Some(stdin))
    }

    /// Runs kubectl with a kubeconfig and optional standard input.
    pub fn kubectl_with(&self, kubeconfig: &Path, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(args)
            .env("HOME", self.home.path())
            .env_remove("KUBECONFIG")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl is installed");
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().expect("stdin");
            pipe.write_all(input.as_bytes()).expect("write stdin");
        }
        let out = child.wait_with_output().expect("kubectl output");
        Output {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The API base URL.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// An HTTPS client authenticated as cluster admin.
    pub fn admin_client(&self) -> reqwest::Client {
        client_from_kubeconfig(&self.admin_kubeconfig())
    }
}

impl Drop for Enclave {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A reqwest client with the CA and client certificate of a kubeconfig.
pub fn client_from_kubeconfig(path: &Path) -> reqwest::Client {
    let text = std::fs::read_to_string(path).expect("kubeconfig");
    let config: Value = serde_saphyr::from_str(&text).expect("kubeconfig YAML");
    let field = |ptr: &str| {
        let b64 = config.pointer(ptr).and_then(Value::as_str).expect(ptr);
        STANDARD.decode(b64).expect("base64")
    };
    let ca = field("/clusters/0/cluster/certificate-authority-data");
    let mut identity = field("/users/0/user/client-certificate-data");
    identity.extend(field("/users/0/user/client-key-data"));
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("CA"))
        .identity(reqwest::Identity::from_pem(&identity).expect("identity"))
        .build()
        .expect("client")
}

/// The lines of a kubectl table, split into columns on runs of 2+ spaces.
pub fn table(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}
