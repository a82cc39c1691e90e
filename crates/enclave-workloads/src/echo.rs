//! The echo server that people test ingress with (`echoserver`, `echo-server` images): every
//! request is answered with a JSON echo of what arrived and which pod answered.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::http::{self as serving, Handler, HttpResponse, RequestHead};
use crate::support::{Output, stop_requested};
use crate::{Error, Exit, WorkloadContext, WorkloadSpec};

/// The port when neither `PORT` nor a declared port says otherwise.
const DEFAULT_PORT: u16 = 3000;

/// The last value of an environment variable (later entries win, as in Kubernetes).
pub(crate) fn env_value<'a>(spec: &'a WorkloadSpec, name: &str) -> Option<&'a str> {
    spec.env
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The port the echo server listens on: `PORT`, else the first declared TCP port, else 3000.
/// `Err` carries the text of the invalid `PORT`.
fn listen_port(spec: &WorkloadSpec) -> Result<u16, String> {
    if let Some(port) = env_value(spec, "PORT") {
        return match port.trim().parse::<u16>() {
            Ok(number) if number != 0 => Ok(number),
            _ => Err(port.to_string()),
        };
    }
    Ok(spec
        .ports
        .iter()
        .find(|declared| declared.protocol.eq_ignore_ascii_case("TCP"))
        .map(|declared| declared.port)
        .unwrap_or(DEFAULT_PORT))
}

/// Who answers, as the echo reports it.
#[derive(Debug, Clone)]
struct Identity {
    namespace: String,
    ingress: String,
    service: String,
    pod: String,
}

impl Identity {
    fn of(spec: &WorkloadSpec) -> Self {
        let value = |name: &str, default: &str| {
            env_value(spec, name)
                .map(str::to_string)
                .unwrap_or_else(|| default.to_string())
        };
        Self {
            namespace: value("NAMESPACE", &spec.pod.namespace),
            ingress: value("INGRESS_NAME", ""),
            service: value("SERVICE_NAME", ""),
            pod: value("POD_NAME", &spec.pod.name),
        }
    }
}

/// The echo of one request (pure: the HTTP layer only serializes it).
fn echo_document(request: &RequestHead, identity: &Identity) -> Value {
    let headers = serving::go_headers(request);
    json!({
        "path": request.target,
        "host": request.host(),
        "method": request.method.as_str(),
        "proto": request.proto(),
        "headers": headers,
        "namespace": identity.namespace,
        "ingress": identity.ingress,
        "service": identity.service,
        "pod": identity.pod,
    })
}

struct EchoHandler {
    identity: Identity,
}

impl Handler for EchoHandler {
    fn handle(&self, request: &RequestHead) -> Option<HttpResponse> {
        if request.path == "/health" {
            return Some(serving::text(StatusCode::OK, "OK"));
        }
        let document = echo_document(request, &self.identity);
        let body = serde_json::to_vec(&document).unwrap_or_default();
        Some(serving::respond(StatusCode::OK, "application/json", body))
    }
}

/// Runs the echo server until stopped (then exits 0).
pub(crate) async fn run(
    spec: &WorkloadSpec,
    context: &WorkloadContext,
    mut stop: watch::Receiver<Option<Duration>>,
) -> Result<Exit, Error> {
    let output = Output::new(context.log.clone());
    let port = match listen_port(spec) {
        Ok(port) => port,
        Err(text) => {
            output.go_log(&format!("listen tcp: address {text}: invalid port"));
            return Ok(Exit::from_code(1));
        }
    };
    let listener = context
        .binder
        .bind_tcp(port)
        .map_err(|error| Error::Start(format!("listen tcp :{port}: {error}")))?;
    let handler = Arc::new(EchoHandler {
        identity: Identity::of(spec),
    });
    let server = serving::serve(listener, port, context.binder.clone(), handler)
        .map_err(|error| Error::Start(format!("serve on port {port}: {error}")))?;
    output.stdout(&format!("Echoserver listening on port {port}."));
    stop_requested(&mut stop).await;
    drop(server);
    Ok(Exit::from_code(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DeclaredPort, PodIdentity};
    use http::{HeaderMap, HeaderValue, Method, Version};

    fn spec(env: &[(&str, &str)], ports: &[(u16, &str)]) -> WorkloadSpec {
        WorkloadSpec {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ports: ports
                .iter()
                .map(|(port, protocol)| DeclaredPort {
                    name: None,
                    port: *port,
                    protocol: protocol.to_string(),
                })
                .collect(),
            pod: PodIdentity {
                name: "echo-7d9f-abcde".into(),
                namespace: "ns-echo".into(),
                ..PodIdentity::default()
            },
            ..WorkloadSpec::default()
        }
    }

    #[test]
    fn the_port_comes_from_env_then_declared_ports_then_3000() {
        assert_eq!(
            listen_port(&spec(&[("PORT", "8080")], &[(80, "TCP")])),
            Ok(8080)
        );
        assert_eq!(listen_port(&spec(&[], &[(53, "UDP"), (80, "TCP")])), Ok(80));
        assert_eq!(listen_port(&spec(&[], &[])), Ok(3000));
        assert_eq!(
            listen_port(&spec(&[("PORT", "eighty")], &[])),
            Err("eighty".into())
        );
        assert_eq!(
            listen_port(&spec(&[("PORT", "1"), ("PORT", "2")], &[])),
            Ok(2)
        );
    }

    #[test]
    fn the_echo_reports_request_and_identity() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("echo.example.com"));
        headers.append("x-forwarded-for", HeaderValue::from_static("10.15.8.1"));
        headers.append("accept", HeaderValue::from_static("text/html"));
        headers.append("accept", HeaderValue::from_static("*/*"));
        let request = RequestHead {
            method: Method::POST,
            target: "/foo?bar=1".into(),
            path: "/foo".into(),
            query: Some("bar=1".into()),
            version: Version::HTTP_11,
            headers,
            client: "127.0.0.1:40000".parse().expect("address"),
            container_port: 3000,
        };
        let identity = Identity::of(&spec(
            &[("INGRESS_NAME", "echo-ingress"), ("SERVICE_NAME", "echo")],
            &[],
        ));
        let document = echo_document(&request, &identity);
        assert_eq!(
            document,
            json!({
                "path": "/foo?bar=1",
                "host": "echo.example.com",
                "method": "POST",
                "proto": "HTTP/1.1",
                "headers": {"Accept": ["text/html", "*/*"], "X-Forwarded-For": ["10.15.8.1"]},
                "namespace": "ns-echo",
                "ingress": "echo-ingress",
                "service": "echo",
                "pod": "echo-7d9f-abcde",
            })
        );
    }
}
