//! agnhost's netexec, serve-hostname and pause.

use std::time::Duration;

use crate::support::*;

const AGNHOST: &str = "registry.k8s.io/e2e-test-images/agnhost:2.53";

fn agnhost(args: &[&str]) -> enclave_workloads::WorkloadSpec {
    let mut spec = spec(AGNHOST);
    spec.args = strings(args);
    spec
}

#[tokio::test]
async fn netexec_answers_its_endpoints() {
    let running = start(agnhost(&["netexec"]), false);
    let get = |path: &'static str| {
        let running = &running;
        async move { get_text(&running.url(8080, path).await).await }
    };
    assert_eq!(get("/hostname").await, (200, "web-6bb78d9f74-gwn6r".into()));
    assert_eq!(get("/hostName").await, (200, "web-6bb78d9f74-gwn6r".into()));
    assert_eq!(
        get("/echo?msg=hello%20there").await,
        (200, "hello there".into())
    );
    assert_eq!(
        get("/echo?msg=teapot&code=418").await,
        (418, "teapot".into())
    );
    assert_eq!(get("/serverport").await, (200, "8080".into()));
    assert_eq!(get("/healthz").await, (200, String::new()));
    assert_eq!(get("/readyz").await, (200, "ok".into()));
    let (status, now) = get("/").await;
    assert_eq!(status, 200);
    assert!(
        now.starts_with("NOW: ") && now.ends_with(" +0000 UTC"),
        "{now}"
    );
    let (_, anything) = get("/not/an/endpoint").await;
    assert!(anything.starts_with("NOW: "), "{anything}");

    let (status, client_ip) = get("/clientip").await;
    assert_eq!(status, 200);
    assert!(client_ip.starts_with("127.0.0.1:"), "{client_ip}");

    let response = client()
        .get(running.url(8080, "/header?key=X-Forwarded-For").await)
        .header("x-forwarded-for", "10.15.8.1")
        .send()
        .await
        .expect("request");
    assert_eq!(response.text().await.expect("body"), "10.15.8.1");
    let all: serde_json::Value = client()
        .get(running.url(8080, "/header").await)
        .header("x-test", "yes")
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(all["X-Test"], serde_json::json!(["yes"]));

    let redirect = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(
            running
                .url(8080, "/redirect?location=/echo%3Fmsg%3Dx&code=307")
                .await,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(redirect.status().as_u16(), 307);
    assert_eq!(
        redirect
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/echo?msg=x")
    );

    running
        .line(|stderr, line| stderr && line.ends_with(" Started HTTP server on port 8080"))
        .await;
    running
        .line(|stderr, line| stderr && line.ends_with(" GET /echo?msg=hello there&code="))
        .await;
    assert_eq!(
        running.stop(Duration::from_secs(30)).await.ok(),
        Some(exit(0))
    );
}

#[tokio::test]
async fn netexec_exit_ends_the_container_with_the_code() {
    let running = start(agnhost(&["netexec", "--http-port=8081"]), false);
    let url = running.url(8081, "/exit?code=3").await;
    // The process exits without answering.
    assert!(client().get(&url).send().await.is_err());
    let exit_status = running.finish().await.expect("started");
    assert_eq!(exit_status.code, 3);
    assert_eq!(exit_status.reason, "Error");
}

#[tokio::test]
async fn netexec_exit_with_a_timeout_answers_then_exits() {
    let running = start(agnhost(&["netexec"]), false);
    let (status, _) = get_text(&running.url(8080, "/exit?code=0&timeout=5s").await).await;
    assert_eq!(status, 200);
    assert_eq!(running.finish().await.ok(), Some(exit(0)));
}

#[tokio::test]
async fn netexec_exit_rejects_bad_codes() {
    let running = start(agnhost(&["netexec"]), false);
    let (status, body) = get_text(&running.url(8080, "/exit?code=abc").await).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        "argument 'code' must be an integer [0-127] or empty, got \"abc\"\n"
    );
    // Still running: the bad request did not end it.
    let (status, _) = get_text(&running.url(8080, "/hostname").await).await;
    assert_eq!(status, 200);
    assert!(running.stop(Duration::ZERO).await.is_ok());
}

#[tokio::test]
async fn netexec_shutdown_exits_0() {
    let mut spec = spec(AGNHOST);
    spec.command = strings(&["/agnhost", "netexec"]);
    spec.args = strings(&["--http-port", "9000"]);
    let running = start(spec, false);
    assert!(
        client()
            .get(running.url(9000, "/shutdown").await)
            .send()
            .await
            .is_err()
    );
    assert_eq!(running.finish().await.ok(), Some(exit(0)));
}

#[tokio::test]
async fn netexec_without_udp_is_not_healthy() {
    let running = start(agnhost(&["netexec", "--udp-port=-1"]), false);
    let (status, _) = get_text(&running.url(8080, "/healthz").await).await;
    assert_eq!(status, 412);
    assert!(running.stop(Duration::ZERO).await.is_ok());
}

#[tokio::test]
async fn netexec_delays_shutdown_and_reports_not_ready() {
    let running = start(agnhost(&["netexec", "--delay-shutdown=1"]), false);
    let url = running.url(8080, "/readyz").await;
    let stop = {
        // Stop in the background, then watch /readyz turn 503 while the delay runs.
        let running = running;
        let log = running.log.clone();
        let task = tokio::spawn(running.stop(Duration::from_secs(30)));
        let wait = async {
            loop {
                let answer = client().get(&url).send().await;
                if let Ok(response) = answer
                    && response.status().as_u16() == 503
                {
                    return response.text().await.unwrap_or_default();
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        let body = tokio::time::timeout(PATIENCE, wait).await.expect("503");
        assert_eq!(body, "shutting down");
        assert!(
            log.stderr()
                .iter()
                .any(|l| l.ends_with("Sleeping 1 seconds before terminating..."))
        );
        task
    };
    assert_eq!(stop.await.expect("join").ok(), Some(exit(0)));
}

#[tokio::test]
async fn serve_hostname_answers_the_pod_name() {
    let running = start(agnhost(&["serve-hostname"]), false);
    let (status, body) = get_text(&running.url(9376, "/").await).await;
    assert_eq!((status, body.as_str()), (200, "web-6bb78d9f74-gwn6r"));
    running
        .line(|stderr, line| stderr && line.ends_with(" Serving on port 9376."))
        .await;
    running
        .line(|stderr, line| stderr && line.contains(" HTTP request from 127.0.0.1:"))
        .await;
    let log = running.log.clone();
    let exit_status = running
        .stop(Duration::from_secs(30))
        .await
        .expect("started");
    assert_eq!(exit_status.code, 137);
    assert!(
        log.stderr()
            .iter()
            .any(|l| l.ends_with(" Awaiting pod deletion."))
    );
}

#[tokio::test]
async fn serve_hostname_raw_tcp_and_flag_conflicts() {
    use tokio::io::AsyncReadExt;
    let running = start(
        agnhost(&["serve-hostname", "--tcp", "--http=false", "--port", "7000"]),
        false,
    );
    let mut stream = tokio::net::TcpStream::connect(running.address(7000).await)
        .await
        .expect("connect");
    let mut answer = String::new();
    tokio::time::timeout(PATIENCE, stream.read_to_string(&mut answer))
        .await
        .expect("answer")
        .expect("read");
    assert_eq!(answer, "web-6bb78d9f74-gwn6r");
    assert!(running.stop(Duration::ZERO).await.is_ok());

    let conflict = start(agnhost(&["serve-hostname", "--tcp"]), false);
    let log = conflict.log.clone();
    assert_eq!(conflict.finish().await.ok(), Some(exit(1)));
    assert!(
        log.stderr()
            .iter()
            .any(|l| l.ends_with("Can't server TCP/UDP mode and HTTP mode at the same time"))
    );
}

#[tokio::test]
async fn pause_prints_paused_and_exits_2_when_stopped() {
    let running = start(agnhost(&["pause"]), false);
    running
        .line(|stderr, line| !stderr && line == "Paused")
        .await;
    assert_eq!(
        running.stop(Duration::from_secs(30)).await.ok(),
        Some(exit(2))
    );
}

#[tokio::test]
async fn unknown_subcommands_and_flags_exit_1_with_usage() {
    let running = start(agnhost(&["frobnicate"]), false);
    let log = running.log.clone();
    assert_eq!(running.finish().await.ok(), Some(exit(1)));
    assert_eq!(
        log.stderr(),
        strings(&[
            "Error: unknown command \"frobnicate\" for \"app\"",
            "Run 'app --help' for usage."
        ])
    );

    let running = start(agnhost(&["liveness"]), false);
    let log = running.log.clone();
    assert_eq!(running.finish().await.ok(), Some(exit(1)));
    assert!(log.stderr()[0].contains("not built into Enclave"));

    let running = start(agnhost(&["netexec", "--no-such-flag"]), false);
    let log = running.log.clone();
    assert_eq!(running.finish().await.ok(), Some(exit(1)));
    assert_eq!(log.stderr()[0], "Error: unknown flag: --no-such-flag");

    let running = start(agnhost(&["netexec", "--http-port=eighty"]), false);
    assert_eq!(running.finish().await.ok(), Some(exit(1)));

    let running = start(agnhost(&["pause", "extra"]), false);
    let log = running.log.clone();
    assert_eq!(running.finish().await.ok(), Some(exit(1)));
    assert_eq!(
        log.stderr()[0],
        "Error: accepts at most 0 arg(s), received 1"
    );
}

#[tokio::test]
async fn no_subcommand_prints_help_and_succeeds() {
    let running = start(agnhost(&[]), false);
    let log = running.log.clone();
    assert_eq!(running.finish().await.ok(), Some(exit(0)));
    let help = log.stdout().join("\n");
    assert!(help.contains("netexec") && help.contains("serve-hostname") && help.contains("pause"));

    let running = start(agnhost(&["netexec", "--help"]), false);
    let log = running.log.clone();
    assert_eq!(running.finish().await.ok(), Some(exit(0)));
    assert!(log.stdout().iter().any(|l| l.contains("--http-port int")));
}

#[tokio::test]
async fn netexec_survives_hostile_parameters() {
    let running = start(agnhost(&["netexec"]), false);
    for (path, expected_status) in [
        ("/header?key=bad%20name", 200),
        ("/header?key=%00", 200),
        ("/redirect?location=%0d%0aSet-Cookie:%20x", 400),
        ("/echo?msg=x&code=99999", 500),
        ("/echo?msg=x&code=-5", 500),
        ("/echo?msg=a%0Ab&code=200", 200),
        ("/exit?timeout=forever", 200),
        (
            "/dial?request=hostname&host=10.244.0.5&port=8080&tries=2",
            200,
        ),
        ("/dial?host=x", 400),
        ("/shell?cmd=id", 200),
    ] {
        let (status, _) = get_text(&running.url(8080, path).await).await;
        assert_eq!(status, expected_status, "{path}");
    }
    // A message with a newline is logged as two lines, as the real binary's log would be.
    running
        .line(|stderr, line| stderr && line == "b&code=200")
        .await;
    let (status, _) = get_text(&running.url(8080, "/hostname").await).await;
    assert_eq!(status, 200);
    assert_eq!(running.stop(Duration::ZERO).await.ok(), Some(exit(0)));
}
