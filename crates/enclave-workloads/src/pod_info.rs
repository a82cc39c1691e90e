//! The workload of any image Enclave does not know: a small HTTP server on each declared TCP
//! port that answers with the pod's name, namespace and IP, and an access log on stdout. With
//! no declared TCP port the container just runs until stopped (like `pause`).

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use tokio::sync::watch;

use crate::access_log::combined_line;
use crate::http::{self as serving, Handler, HttpResponse, RequestHead};
use crate::support::{Output, stop_requested};
use crate::{Error, Exit, WorkloadContext, WorkloadSpec};

/// The answer of the default server (pure, so it can be tested on its own).
pub(crate) fn pod_info_text(spec: &WorkloadSpec, container_port: u16) -> String {
    format!(
        "pod: {}\nnamespace: {}\npod IP: {}\nnode: {}\ncontainer: {}\nimage: {}\nport: {}\n",
        spec.pod.name,
        spec.pod.namespace,
        spec.pod.ip,
        spec.pod.node,
        spec.container,
        spec.image,
        container_port
    )
}

struct PodInfo {
    spec: WorkloadSpec,
    output: Output,
}

impl Handler for PodInfo {
    fn handle(&self, request: &RequestHead) -> Option<HttpResponse> {
        let body = pod_info_text(&self.spec, request.container_port);
        let line = combined_line(request, 200, body.len(), jiff::Timestamp::now());
        self.output.stdout(&line);
        Some(serving::text(StatusCode::OK, body))
    }
}

/// Runs the default server until stopped (then exits 0).
pub(crate) async fn run(
    spec: &WorkloadSpec,
    context: &WorkloadContext,
    mut stop: watch::Receiver<Option<Duration>>,
) -> Result<Exit, Error> {
    let output = Output::new(context.log.clone());
    let mut ports: Vec<u16> = spec
        .ports
        .iter()
        .filter(|declared| declared.protocol.eq_ignore_ascii_case("TCP"))
        .map(|declared| declared.port)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    let handler = Arc::new(PodInfo {
        spec: spec.clone(),
        output: output.clone(),
    });
    let mut servers = Vec::with_capacity(ports.len());
    for &port in &ports {
        let listener = context
            .binder
            .bind_tcp(port)
            .map_err(|error| Error::Start(format!("listen tcp :{port}: {error}")))?;
        servers.push(
            serving::serve(listener, port, context.binder.clone(), handler.clone())
                .map_err(|error| Error::Start(format!("serve on port {port}: {error}")))?,
        );
    }
    if ports.is_empty() {
        output.stdout(&format!(
            "{}: no TCP port declared; running until stopped",
            spec.image
        ));
    } else {
        let list: Vec<String> = ports.iter().map(u16::to_string).collect();
        output.stdout(&format!(
            "{}: serving pod {}/{} on port(s) {}",
            spec.image,
            spec.pod.namespace,
            spec.pod.name,
            list.join(", ")
        ));
    }
    stop_requested(&mut stop).await;
    drop(servers);
    Ok(Exit::from_code(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PodIdentity;

    #[test]
    fn the_answer_names_the_pod() {
        let spec = WorkloadSpec {
            container: "web".into(),
            image: "nginx:1.27".into(),
            pod: PodIdentity {
                name: "web-0".into(),
                namespace: "demo".into(),
                ip: "10.244.0.18".into(),
                node: "esx-01".into(),
                ..PodIdentity::default()
            },
            ..WorkloadSpec::default()
        };
        assert_eq!(
            pod_info_text(&spec, 80),
            "pod: web-0\nnamespace: demo\npod IP: 10.244.0.18\nnode: esx-01\ncontainer: web\n\
             image: nginx:1.27\nport: 80\n"
        );
    }
}
