//! `agnhost netexec`: the HTTP server of the Kubernetes e2e tests, with its endpoints
//! (`/`, `/hostname`, `/echo`, `/clientip`, `/header`, `/healthz`, `/readyz`, `/exit`,
//! `/shutdown`, ...), log lines and exit codes. UDP and SCTP servers are not run: the runtime
//! binds TCP only.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::header::{HeaderValue, LOCATION};
use http::{Method, StatusCode};
use serde_json::json;
use tokio::sync::{mpsc, watch};

use super::flags::{int_flag, text_flag};
use super::{FlagSpec, hostname, parse_subcommand_flags};
use crate::http::{self as serving, Handler, HttpResponse, RequestHead};
use crate::support::{
    Output, format_go_duration, parse_go_duration, query_value, stop_requested, wrap_exit_code,
};
use crate::{Error, Exit, WorkloadContext, WorkloadSpec};

const FLAGS: &[FlagSpec] = &[
    int_flag("http-port", "8080", "HTTP Listen Port"),
    text_flag(
        "tls-cert-file",
        "",
        "File containing an x509 certificate for HTTPS. (CA cert, if any, concatenated after server cert)",
    ),
    text_flag(
        "tls-private-key-file",
        "",
        "File containing an x509 private key matching --tls-cert-file",
    ),
    int_flag("udp-port", "8081", "UDP Listen Port"),
    int_flag("sctp-port", "-1", "SCTP Listen Port"),
    text_flag(
        "http-override",
        "",
        "Override the HTTP handler to always respond as if it were a GET with this path & params",
    ),
    text_flag(
        "udp-listen-addresses",
        "",
        "A comma separated list of ip addresses the udp servers listen from",
    ),
    int_flag(
        "delay-shutdown",
        "0",
        "Number of seconds to delay shutdown when receiving SIGTERM.",
    ),
];

/// How a request asked the process to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ExitRequest {
    code: i32,
    /// How long to wait before shutting down.
    wait: Duration,
    /// How long open connections get to finish; zero exits at once.
    timeout: Duration,
}

struct Netexec {
    hostname: String,
    http_port: u16,
    /// Whether the (UDP or SCTP) server that `/healthz` reports on would be running.
    ready: bool,
    terminating: Arc<AtomicBool>,
    exits: mpsc::UnboundedSender<ExitRequest>,
    output: Output,
    /// `--http-override`: the path and query every request is answered as.
    http_override: Option<(String, Option<String>)>,
}

impl Handler for Netexec {
    fn handle(&self, request: &RequestHead) -> Option<HttpResponse> {
        let (path, query) = match &self.http_override {
            Some((path, query)) => (path.as_str(), query.as_deref()),
            None => (request.path.as_str(), request.query.as_deref()),
        };
        let value = |key: &str| query_value(query, key);
        let log = |line: &str| self.output.go_log(line);
        let ok = |body: String| Some(serving::text(StatusCode::OK, body));
        match path {
            "/clientip" => {
                log("GET /clientip");
                ok(request.client.to_string())
            }
            "/serverport" => {
                log("GET /serverport");
                ok(self.http_port.to_string())
            }
            "/header" => {
                let key = value("key");
                if key.is_empty() {
                    log("GET /header");
                    let headers = serving::go_headers(request);
                    ok(serde_json::to_string(&headers).unwrap_or_default())
                } else {
                    log(&format!("GET /header?key={key}"));
                    ok(request.header(&key).unwrap_or_default())
                }
            }
            "/echo" => {
                let message = value("msg");
                let code = value("code");
                log(&format!("GET /echo?msg={message}&code={code}"));
                if code.is_empty() {
                    return ok(message);
                }
                let Ok(number) = code.parse::<i64>() else {
                    return ok(format!(
                        "argument 'code' must be an integer or empty, got {code:?}\n"
                    ));
                };
                let status = u16::try_from(number)
                    .ok()
                    .and_then(|n| StatusCode::from_u16(n).ok());
                match status {
                    Some(status) => Some(serving::text(status, message)),
                    // Go's server refuses an invalid status code; answer with an error instead
                    // of hanging the client.
                    None => Some(serving::text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("invalid WriteHeader code {number}"),
                    )),
                }
            }
            "/exit" => self.exit(query),
            "/healthz" => {
                log("GET /healthz");
                let status = if self.ready {
                    StatusCode::OK
                } else {
                    StatusCode::PRECONDITION_FAILED
                };
                Some(serving::text(status, ""))
            }
            "/readyz" => {
                log("GET /readyz");
                if self.terminating.load(Ordering::SeqCst) {
                    Some(serving::text(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "shutting down",
                    ))
                } else if self.ready {
                    ok("ok".into())
                } else {
                    Some(serving::text(StatusCode::PRECONDITION_FAILED, ""))
                }
            }
            "/hostname" => {
                log("GET /hostname");
                ok(self.hostname.clone())
            }
            "/hostName" => {
                log("GET /hostName");
                ok(self.hostname.clone())
            }
            "/redirect" => redirect(request, &value("location"), &value("code"), &self.output),
            "/dial" => self.dial(query),
            "/shell" => {
                let mut command = value("shellCommand");
                if command.is_empty() {
                    command = value("cmd");
                }
                log(&format!("GET /shell?cmd={command}"));
                let body = json!({"error": "exec: shell commands are not available in Enclave's built-in agnhost"});
                ok(body.to_string())
            }
            "/upload" => {
                log("GET /upload");
                log("Unable to upload file: request has no multipart form");
                ok(json!({"error": "Unable to upload file."}).to_string())
            }
            "/shutdown" => {
                log("GET /shutdown");
                let _ = self.exits.send(ExitRequest {
                    code: 0,
                    wait: Duration::ZERO,
                    timeout: Duration::ZERO,
                });
                None
            }
            _ => {
                log("GET /");
                ok(format!("NOW: {}", go_now()))
            }
        }
    }
}

impl Netexec {
    fn exit(&self, query: Option<&str>) -> Option<HttpResponse> {
        let wait_text = query_value(query, "wait");
        let timeout_text = query_value(query, "timeout");
        let code_text = query_value(query, "code");
        self.output.go_log(&format!(
            "GET /exit?code={code_text}&timeout={timeout_text}&wait={wait_text}"
        ));
        let problem = |text: String| Some(serving::text(StatusCode::OK, text));
        let timeout = if timeout_text.is_empty() {
            Duration::ZERO
        } else {
            match parse_go_duration(&timeout_text) {
                Some(timeout) => timeout,
                None => {
                    return problem(format!(
                        "argument 'timeout' must be a valid golang duration or empty, got {timeout_text:?}\n"
                    ));
                }
            }
        };
        let wait = if wait_text.is_empty() {
            Duration::ZERO
        } else {
            match parse_go_duration(&wait_text) {
                Some(wait) => wait,
                None => {
                    return problem(format!(
                        "argument 'wait' must be a valid golang duration or empty, got {wait_text:?}\n"
                    ));
                }
            }
        };
        let code = if code_text.is_empty() {
            0
        } else {
            match code_text.parse::<i64>() {
                Ok(code) => code,
                Err(_) => {
                    return problem(format!(
                        "argument 'code' must be an integer [0-127] or empty, got {code_text:?}\n"
                    ));
                }
            }
        };
        self.output.go_log(&format!(
            "Will begin shutdown in {}, allowing {} for connections to close, then will exit with {code}",
            format_go_duration(wait),
            format_go_duration(timeout)
        ));
        let request = ExitRequest {
            code: wrap_exit_code(code),
            wait,
            timeout,
        };
        let _ = self.exits.send(request);
        if timeout.is_zero() {
            // The process exits without answering.
            None
        } else {
            Some(serving::text(StatusCode::OK, ""))
        }
    }

    fn dial(&self, query: Option<&str>) -> Option<HttpResponse> {
        let value = |key: &str| query_value(query, key);
        let (host, port, request, protocol, tries_text) = (
            value("host"),
            value("port"),
            value("request"),
            value("protocol"),
            value("tries"),
        );
        self.output.go_log(&format!(
            "GET /dial?host={host}&protocol={protocol}&port={port}&request={request}&tries={tries_text}"
        ));
        let bad = |text: String| Some(serving::text(StatusCode::BAD_REQUEST, format!("{text}\n")));
        let tries = if tries_text.is_empty() {
            1
        } else {
            match tries_text.parse::<i64>() {
                Ok(tries) => tries,
                Err(_) => {
                    return bad(format!(
                        "tries parameter is invalid. strconv.Atoi: parsing {tries_text:?}: invalid syntax"
                    ));
                }
            }
        };
        if request.is_empty() {
            return bad("request parameter not specified. <nil>".into());
        }
        if !matches!(
            protocol.to_ascii_lowercase().as_str(),
            "" | "http" | "udp" | "sctp"
        ) {
            return bad(format!("unsupported protocol. {protocol}"));
        }
        // Dialing other pods needs the dataplane, which a built-in workload does not reach.
        let error = format!(
            "dial {host}:{port}: dialing from a pod is not available in Enclave's built-in agnhost"
        );
        let errors: Vec<String> = (0..tries.clamp(0, 100)).map(|_| error.clone()).collect();
        let body = if errors.is_empty() {
            json!({})
        } else {
            json!({ "errors": errors })
        };
        Some(serving::text(StatusCode::OK, body.to_string()))
    }
}

/// Go's `http.Redirect`, as netexec's `/redirect` uses it.
fn redirect(
    request: &RequestHead,
    location: &str,
    code_text: &str,
    output: &Output,
) -> Option<HttpResponse> {
    output.go_log(&format!(
        "{} /redirect?msg={location}&code={code_text}",
        request.method
    ));
    let mut code = StatusCode::FOUND;
    if !code_text.is_empty() {
        let parsed = code_text
            .parse::<u16>()
            .ok()
            .and_then(|n| StatusCode::from_u16(n).ok());
        match parsed {
            Some(parsed) => code = parsed,
            None => {
                return Some(serving::text(
                    StatusCode::OK,
                    format!("argument 'code' must be an integer or empty, got {code_text:?}\n"),
                ));
            }
        }
    }
    let Ok(location_value) = HeaderValue::from_str(location) else {
        return Some(serving::text(
            StatusCode::BAD_REQUEST,
            "invalid redirect location\n",
        ));
    };
    let body = if request.method == Method::GET || request.method == Method::HEAD {
        format!(
            "<a href=\"{}\">{}</a>.\n\n",
            crate::support::html_escape(location),
            code.canonical_reason().unwrap_or("Redirect")
        )
    } else {
        String::new()
    };
    let mut response = serving::respond(code, "text/html; charset=utf-8", body);
    response.headers_mut().insert(LOCATION, location_value);
    Some(response)
}

/// `time.Now().String()` without the monotonic clock reading.
fn go_now() -> String {
    let now = jiff::Timestamp::now();
    format!(
        "{}.{:09} +0000 UTC",
        now.strftime("%Y-%m-%d %H:%M:%S"),
        now.subsec_nanosecond()
    )
}

/// Runs `agnhost netexec` with its flags.
pub(crate) async fn run(
    args: &[String],
    spec: &WorkloadSpec,
    context: &WorkloadContext,
    mut stop: watch::Receiver<Option<Duration>>,
) -> Result<Exit, Error> {
    let output = Output::new(context.log.clone());
    let flags = match parse_subcommand_flags("netexec", FLAGS, args, &output) {
        Ok(flags) => flags,
        Err(exit) => return Ok(exit),
    };
    let requested_port = flags.int("http-port");
    let Some(http_port) = u16::try_from(requested_port).ok().filter(|p| *p != 0) else {
        output.go_log(&format!(
            "listen tcp: address {requested_port}: invalid port"
        ));
        return Ok(Exit::from_code(1));
    };
    let certificate = flags.text("tls-cert-file");
    if !certificate.is_empty() {
        output.go_log(&format!(
            "open {certificate}: HTTPS is not available in Enclave's built-in agnhost"
        ));
        return Ok(Exit::from_code(1));
    }
    let http_override = match flags.text("http-override") {
        "" => None,
        target => {
            let (path, query) = match target.split_once('?') {
                Some((path, query)) => (path.to_string(), Some(query.to_string())),
                None => (target.to_string(), None),
            };
            Some((path, query))
        }
    };
    let delay_shutdown = Duration::from_secs(flags.int("delay-shutdown").clamp(0, 86_400) as u64);
    let listener = context
        .binder
        .bind_tcp(http_port)
        .map_err(|error| Error::Start(format!("listen tcp :{http_port}: {error}")))?;
    let terminating = Arc::new(AtomicBool::new(false));
    let (exits, mut exit_requests) = mpsc::unbounded_channel();
    let handler = Arc::new(Netexec {
        hostname: hostname(spec),
        http_port,
        ready: flags.int("udp-port") != -1 || flags.int("sctp-port") != -1,
        terminating: terminating.clone(),
        exits,
        output: output.clone(),
        http_override,
    });
    let server = serving::serve(listener, http_port, context.binder.clone(), handler)
        .map_err(|error| Error::Start(format!("serve on port {http_port}: {error}")))?;
    output.go_log(&format!("Started HTTP server on port {http_port}"));

    tokio::select! {
        Some(request) = exit_requests.recv() => {
            tokio::select! {
                () = tokio::time::sleep(request.wait) => {}
                _ = stop_requested(&mut stop) => return Ok(Exit::from_code(0)),
            }
            if request.timeout.is_zero() {
                drop(server);
            } else {
                let drained = server.drain(request.timeout).await;
                let result = if drained { "<nil>" } else { "context deadline exceeded" };
                output.go_log(&format!("Graceful shutdown completed with: {result}"));
            }
            Ok(Exit::from_code(request.code))
        }
        grace = stop_requested(&mut stop) => {
            // SIGTERM: /readyz turns 503, and after --delay-shutdown the process exits 0.
            terminating.store(true, Ordering::SeqCst);
            if delay_shutdown.is_zero() {
                return Ok(Exit::from_code(0));
            }
            output.go_log(&format!(
                "Sleeping {} seconds before terminating...",
                delay_shutdown.as_secs()
            ));
            if delay_shutdown <= grace {
                tokio::time::sleep(delay_shutdown).await;
                drop(server);
                Ok(Exit::from_code(0))
            } else {
                // The grace period ends first: the runtime's SIGKILL.
                tokio::time::sleep(grace).await;
                drop(server);
                Ok(Exit::from_code(137))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_time_looks_like_go() {
        let now = go_now();
        assert!(now.ends_with(" +0000 UTC"), "{now}");
        assert_eq!(
            now.len(),
            "2006-01-02 15:04:05.000000000 +0000 UTC".len(),
            "{now}"
        );
    }
}
