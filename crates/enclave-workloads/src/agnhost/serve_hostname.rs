//! `agnhost serve-hostname`: answers the host name (the pod's name) over HTTP, or over raw TCP
//! with `--tcp --http=false`.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use http::header::{CONNECTION, HeaderValue};
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;

use super::flags::{bool_flag, int_flag};
use super::{FlagSpec, hostname, parse_subcommand_flags};
use crate::http::{self as serving, Handler, HttpResponse, RequestHead};
use crate::support::{Output, stop_requested};
use crate::{Error, Exit, PortBinder, WorkloadContext, WorkloadSpec};

const FLAGS: &[FlagSpec] = &[
    bool_flag("tcp", "false", "Serve raw over TCP."),
    bool_flag("udp", "false", "Serve raw over UDP."),
    bool_flag("http", "true", "Serve HTTP."),
    bool_flag("close", "false", "Close connection per each HTTP request."),
    int_flag("port", "9376", "Port number."),
];

struct ServeHostname {
    hostname: String,
    close: bool,
    output: Output,
}

impl Handler for ServeHostname {
    fn handle(&self, request: &RequestHead) -> Option<HttpResponse> {
        self.output
            .go_log(&format!("HTTP request from {}", request.client));
        let mut response = serving::text(StatusCode::OK, self.hostname.clone());
        if self.close {
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
        Some(response)
    }
}

/// A task that ends when its owner drops it.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Raw TCP: each connection gets the host name and is closed.
fn serve_raw_tcp(
    listener: std::net::TcpListener,
    port: u16,
    binder: Arc<dyn PortBinder>,
    hostname: String,
    output: Output,
) -> std::io::Result<AbortOnDrop> {
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    Ok(AbortOnDrop(tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((mut stream, peer)) => {
                    let client = binder.client_address(port, peer);
                    output.go_log(&format!("TCP request from {client}"));
                    let _ = stream.write_all(hostname.as_bytes()).await;
                    let _ = stream.shutdown().await;
                }
                Err(error) => {
                    tracing::debug!(%error, port, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    })))
}

/// Runs `agnhost serve-hostname` with its flags. On stop it logs what the real binary logs
/// and ends at once with 137: the real binary sleeps until the kubelet kills it.
pub(crate) async fn run(
    args: &[String],
    spec: &WorkloadSpec,
    context: &WorkloadContext,
    mut stop: watch::Receiver<Option<Duration>>,
) -> Result<Exit, Error> {
    let output = Output::new(context.log.clone());
    let flags = match parse_subcommand_flags("serve-hostname", FLAGS, args, &output) {
        Ok(flags) => flags,
        Err(exit) => return Ok(exit),
    };
    let (tcp, udp, http) = (flags.bool("tcp"), flags.bool("udp"), flags.bool("http"));
    if http && (tcp || udp) {
        output.go_log("Can't server TCP/UDP mode and HTTP mode at the same time");
        return Ok(Exit::from_code(1));
    }
    let requested_port = flags.int("port");
    let Some(port) = u16::try_from(requested_port).ok().filter(|p| *p != 0) else {
        output.go_log(&format!(
            "Error from net.Listen(): listen tcp: address {requested_port}: invalid port"
        ));
        return Ok(Exit::from_code(1));
    };
    let name = hostname(spec);
    let bind = || {
        context
            .binder
            .bind_tcp(port)
            .map_err(|error| Error::Start(format!("listen tcp :{port}: {error}")))
    };
    let mut _raw_server = None;
    let mut _http_server = None;
    if tcp {
        _raw_server = Some(
            serve_raw_tcp(
                bind()?,
                port,
                context.binder.clone(),
                name.clone(),
                output.clone(),
            )
            .map_err(|error| Error::Start(format!("serve on port {port}: {error}")))?,
        );
    }
    if udp {
        output.go_log("UDP serving is not available in Enclave's built-in agnhost");
    }
    if http {
        let handler = Arc::new(ServeHostname {
            hostname: name,
            close: flags.bool("close"),
            output: output.clone(),
        });
        _http_server = Some(
            serving::serve(bind()?, port, context.binder.clone(), handler)
                .map_err(|error| Error::Start(format!("serve on port {port}: {error}")))?,
        );
    }
    output.go_log(&format!("Serving on port {port}."));
    stop_requested(&mut stop).await;
    output.go_log("Shutting down after receiving signal: terminated.");
    output.go_log("Awaiting pod deletion.");
    Ok(Exit::from_code(137))
}
