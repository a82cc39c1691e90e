//! The echo server.

use std::time::Duration;

use serde_json::Value;

use crate::support::*;

#[tokio::test]
async fn echo_server_reports_the_request_and_the_pod() {
    let mut spec = spec("gcr.io/k8s-staging-ingressconformance/echoserver:v20221109-7ee2f3e");
    spec.env = vec![
        ("INGRESS_NAME".into(), "echo-ingress".into()),
        ("SERVICE_NAME".into(), "echo-svc".into()),
    ];
    let running = start(spec, false);
    let url = running.url(3000, "/some/path?x=1&y=%20").await;
    let response = client()
        .post(&url)
        .header("X-Custom", "one")
        .header("host", "echo.example.com")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let echo: Value = response.json().await.expect("json");
    assert_eq!(echo["path"], "/some/path?x=1&y=%20");
    assert_eq!(echo["host"], "echo.example.com");
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["proto"], "HTTP/1.1");
    assert_eq!(echo["headers"]["X-Custom"], serde_json::json!(["one"]));
    assert!(echo["headers"].get("Host").is_none());
    assert_eq!(echo["namespace"], "ns-demo");
    assert_eq!(echo["ingress"], "echo-ingress");
    assert_eq!(echo["service"], "echo-svc");
    assert_eq!(echo["pod"], "web-6bb78d9f74-gwn6r");

    let (status, body) = get_text(&running.url(3000, "/health").await).await;
    assert_eq!((status, body.as_str()), (200, "OK"));
    running
        .line(|stderr, line| !stderr && line == "Echoserver listening on port 3000.")
        .await;
    assert_eq!(
        running.stop(Duration::from_secs(30)).await.ok(),
        Some(exit(0))
    );
}

#[tokio::test]
async fn echo_server_port_comes_from_env_then_declared_port() {
    let mut from_env = spec("ealen/echo-server:0.9.2");
    from_env.env = vec![
        ("PORT".into(), "8080".into()),
        ("POD_NAME".into(), "override".into()),
    ];
    from_env.ports = vec![tcp_port(80)];
    let running = start(from_env, false);
    let (_, body) = get_text(&running.url(8080, "/").await).await;
    let echo: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(echo["pod"], "override");
    assert_eq!(running.binder.bound_ports(), vec![8080]);
    assert!(running.stop(Duration::ZERO).await.is_ok());

    let mut declared = spec("echoserver");
    declared.ports = vec![tcp_port(5678)];
    let running = start(declared, false);
    let (status, _) = get_text(&running.url(5678, "/").await).await;
    assert_eq!(status, 200);
    assert!(running.stop(Duration::ZERO).await.is_ok());
}

#[tokio::test]
async fn an_invalid_port_env_exits_1() {
    let mut spec = spec("echoserver");
    spec.env = vec![("PORT".into(), "http".into())];
    let running = start(spec, false);
    let exit_status = running.finish().await.expect("started");
    assert_eq!(exit_status, exit(1));
}

#[tokio::test]
async fn malformed_requests_do_not_break_the_server() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let running = start(spec("echoserver"), false);
    let address = running.address(3000).await;
    for garbage in [
        &b"\x00\x01\x02 garbage\r\n\r\n"[..],
        b"GET /%zz%ff?\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00",
    ] {
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("connect");
        let _ = stream.write_all(garbage).await;
        let _ = stream.shutdown().await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut answer)).await;
    }
    let (status, _) = get_text(&running.url(3000, "/after").await).await;
    assert_eq!(status, 200);
    assert!(running.stop(Duration::ZERO).await.is_ok());
}

#[tokio::test]
async fn a_port_that_cannot_be_bound_fails_the_start() {
    let running = start_with(
        spec("echoserver"),
        false,
        Some(std::sync::Arc::new(FailingBinder)),
    );
    let error = running.finish().await.err().map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("listen tcp :3000: address already in use")
    );
}
