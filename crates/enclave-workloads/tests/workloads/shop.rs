//! The Hackazon web shop.

use std::time::Duration;

use crate::support::*;

#[tokio::test]
async fn the_shop_shows_the_serving_pod_on_every_item_and_logs_each_request() {
    let mut spec = spec("projects.registry.vmware.com/tanzu_ese_poc/hackazon:1.0");
    spec.ports = vec![tcp_port(80)];
    let running = start(spec, false);

    let response = client()
        .get(running.url(80, "/").await)
        .header("user-agent", "kubectl-test/1.0")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response
            .headers()
            .get("x-served-by")
            .and_then(|v| v.to_str().ok()),
        Some("web-6bb78d9f74-gwn6r")
    );
    let home = response.text().await.expect("body");
    assert!(home.contains("<title>Home | Hackazon</title>"));
    assert!(
        home.matches("served by pod <b>web-6bb78d9f74-gwn6r</b>")
            .count()
            >= 20
    );

    let (status, product) = get_text(&running.url(80, "/product/view?id=5").await).await;
    assert_eq!(status, 200);
    assert!(product.contains("Barista Espresso Machine"));
    assert!(product.contains("served by pod <b>web-6bb78d9f74-gwn6r</b>"));

    let (status, category) = get_text(&running.url(80, "/category/books").await).await;
    assert_eq!(status, 200);
    assert!(category.contains("Zero Trust by Example"));

    let (status, search) = get_text(&running.url(80, "/search?searchString=tent").await).await;
    assert_eq!(status, 200);
    assert!(search.contains("Trailblazer 2-Person Tent"));

    let (status, missing) = get_text(&running.url(80, "/product/view?id=0").await).await;
    assert_eq!(status, 404);
    assert!(missing.contains("web-6bb78d9f74-gwn6r"));

    let (status, health) = get_text(&running.url(80, "/health").await).await;
    assert_eq!((status, health.as_str()), (200, "OK"));

    let access = running
        .line(|stderr, line| !stderr && line.contains("\"GET / HTTP/1.1\" 200"))
        .await;
    assert!(access.starts_with("127.0.0.1 - - ["), "{access}");
    assert!(access.ends_with("\"-\" \"kubectl-test/1.0\""), "{access}");
    running
        .line(|stderr, line| !stderr && line.contains("\"GET /product/view?id=0 HTTP/1.1\" 404 "))
        .await;
    running
        .line(|stderr, line| stderr && line.contains("resuming normal operations"))
        .await;

    assert_eq!(
        running.stop(Duration::from_secs(30)).await.ok(),
        Some(exit(0))
    );
}

#[tokio::test]
async fn the_shop_logs_its_shutdown() {
    let running = start(spec("hackazon"), false);
    running.address(80).await;
    let log = running.log.clone();
    assert_eq!(
        running.stop(Duration::from_secs(1)).await.ok(),
        Some(exit(0))
    );
    assert!(
        log.stderr()
            .iter()
            .any(|line| line.contains("caught SIGTERM, shutting down"))
    );
}
