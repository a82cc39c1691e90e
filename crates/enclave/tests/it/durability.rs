//! Acknowledged writes survive `kill -9` of the server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::harness::Enclave;

#[test]
fn kill_9_during_writes_loses_no_acknowledged_write() {
    let mut e = Enclave::start();
    let client = e.admin_client();
    let url = format!("{}/api/v1/namespaces/default/configmaps", e.url());
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (client, url, acked) = (client.clone(), url.clone(), acked.clone());
            rt.spawn(async move {
                for i in 0.. {
                    let name = format!("w{w}-{i}");
                    let body = json!({"apiVersion":"v1","kind":"ConfigMap",
                        "metadata":{"name": name},"data":{"i": i.to_string()}});
                    match client.post(&url).json(&body).send().await {
                        Ok(r) if r.status().as_u16() == 201 => acked.lock().unwrap().push(name),
                        _ => return,
                    }
                }
            })
        })
        .collect();
    // Let the writers get going, then kill the server in the middle of the stream.
    let started = std::time::Instant::now();
    while acked.lock().unwrap().len() < 200 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
    e.kill9();
    for w in writers {
        let _ = rt.block_on(w);
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 200,
        "only {} writes acknowledged",
        acked.len()
    );
    e.relaunch();
    let client = e.admin_client();
    let missing: Vec<String> = rt.block_on(async {
        let mut missing = Vec::new();
        for name in &acked {
            let r = client.get(format!("{url}/{name}")).send().await.unwrap();
            if r.status().as_u16() != 200 {
                missing.push(name.clone());
            }
        }
        missing
    });
    assert!(
        missing.is_empty(),
        "lost {} of {} acknowledged writes: {missing:?}",
        missing.len(),
        acked.len()
    );
}
