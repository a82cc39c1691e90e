//! The default workload of unknown images.

use std::time::Duration;

use crate::support::*;

#[tokio::test]
async fn unknown_images_answer_with_the_pod_on_each_declared_port() {
    let mut spec = spec("nginx:1.27");
    spec.ports = vec![tcp_port(80), tcp_port(8080), {
        let mut udp = tcp_port(53);
        udp.protocol = "UDP".into();
        udp
    }];
    let running = start(spec, false);
    for port in [80, 8080] {
        let (status, body) = get_text(&running.url(port, "/anything").await).await;
        assert_eq!(status, 200);
        assert!(body.contains("pod: web-6bb78d9f74-gwn6r\n"), "{body}");
        assert!(body.contains("namespace: ns-demo\n"), "{body}");
        assert!(body.contains("pod IP: 10.244.0.18\n"), "{body}");
        assert!(body.contains(&format!("port: {port}\n")), "{body}");
    }
    assert_eq!(running.binder.bound_ports(), vec![80, 8080]);
    let access = running
        .line(|stderr, line| !stderr && line.contains("\"GET /anything HTTP/1.1\" 200"))
        .await;
    assert!(access.starts_with("127.0.0.1 - - ["), "{access}");
    assert_eq!(
        running.stop(Duration::from_secs(30)).await.ok(),
        Some(exit(0))
    );
}

#[tokio::test]
async fn without_ports_the_container_runs_until_stopped() {
    let running = start(spec("registry.k8s.io/pause:3.10"), false);
    running
        .line(|_, line| line.contains("running until stopped"))
        .await;
    assert!(running.binder.bound_ports().is_empty());
    assert_eq!(
        running.stop(Duration::from_secs(30)).await.ok(),
        Some(exit(0))
    );
}

#[tokio::test]
async fn a_stop_requested_before_start_ends_at_once() {
    let running = start(spec("busybox"), false);
    assert_eq!(running.stop(Duration::ZERO).await.ok(), Some(exit(0)));
}
