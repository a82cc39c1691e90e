//! Serves HTTP/1 and HTTP/2 (cleartext) on a socket the runtime bound, handing each request's
//! head to a workload's handler. A server is a task: dropping its handle aborts it and every
//! connection at once (a killed process), `drain` closes the listener and lets open connections
//! finish first (Go's `Server.Shutdown`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, Method, Request, Response, StatusCode, Version};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::PortBinder;

/// A response with a complete body.
pub(crate) type HttpResponse = Response<Full<Bytes>>;

/// What a handler sees of a request: its head and where it came from. Bodies are not read.
#[derive(Debug, Clone)]
pub(crate) struct RequestHead {
    /// The request method.
    pub method: Method,
    /// The request target as sent (`/path?query`, or an absolute URI for proxies).
    pub target: String,
    /// The path of the target.
    pub path: String,
    /// The query of the target, without `?`.
    pub query: Option<String>,
    /// The protocol version.
    pub version: Version,
    /// The request headers.
    pub headers: HeaderMap,
    /// The client, as the pod sees it.
    pub client: SocketAddr,
    /// The container port the request arrived on.
    pub container_port: u16,
}

impl RequestHead {
    /// The `Host` of the request: the header, else the target's authority.
    pub(crate) fn host(&self) -> String {
        self.headers
            .get(http::header::HOST)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .unwrap_or_default()
    }

    /// The protocol as Go names it (`HTTP/1.1`, `HTTP/2.0`).
    pub(crate) fn proto(&self) -> &'static str {
        match self.version {
            Version::HTTP_09 => "HTTP/0.9",
            Version::HTTP_10 => "HTTP/1.0",
            Version::HTTP_2 => "HTTP/2.0",
            Version::HTTP_3 => "HTTP/3.0",
            _ => "HTTP/1.1",
        }
    }

    /// The value of a request header as text, if present.
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
    }

    fn from_request(request: &Request<Incoming>, client: SocketAddr, container_port: u16) -> Self {
        let uri = request.uri();
        // HTTP/2 has no request line: its target is the path and query. HTTP/1 targets are
        // kept as sent, absolute-form included, like Go's `RequestURI`.
        let target = if request.version() == Version::HTTP_2 {
            uri.path_and_query()
                .map(|path| path.as_str().to_string())
                .unwrap_or_else(|| "/".into())
        } else {
            uri.to_string()
        };
        let mut headers = request.headers().clone();
        if !headers.contains_key(http::header::HOST)
            && let Some(authority) = uri.authority()
            && let Ok(value) = HeaderValue::from_str(authority.as_str())
        {
            headers.insert(http::header::HOST, value);
        }
        Self {
            method: request.method().clone(),
            target,
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            version: request.version(),
            headers,
            client,
            container_port,
        }
    }
}

/// Answers requests. `None` means "never answer": the handler has decided the process ends
/// now, and the connection dies with it.
pub(crate) trait Handler: Send + Sync + 'static {
    /// Answers one request.
    fn handle(&self, request: &RequestHead) -> Option<HttpResponse>;
}

/// A running server; dropping it aborts the server and all its connections.
pub(crate) struct Server {
    task: JoinHandle<()>,
    drain: watch::Sender<bool>,
}

impl Server {
    /// Closes the listener and waits up to `timeout` for open connections to finish their
    /// requests; the rest are cut. Returns whether all finished in time.
    pub(crate) async fn drain(mut self, timeout: Duration) -> bool {
        let _ = self.drain.send(true);
        tokio::time::timeout(timeout, &mut self.task).await.is_ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts serving `listener` (bound by the runtime for `container_port`).
pub(crate) fn serve(
    listener: std::net::TcpListener,
    container_port: u16,
    binder: Arc<dyn PortBinder>,
    handler: Arc<dyn Handler>,
) -> std::io::Result<Server> {
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let (drain, drain_requested) = watch::channel(false);
    let task = tokio::spawn(accept_loop(
        listener,
        container_port,
        binder,
        handler,
        drain_requested,
    ));
    Ok(Server { task, drain })
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    container_port: u16,
    binder: Arc<dyn PortBinder>,
    handler: Arc<dyn Handler>,
    mut drain_requested: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    // Owned here so that aborting this task cuts every connection too.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let client = binder.client_address(container_port, peer);
                    let handler = handler.clone();
                    let service = service_fn(move |request: Request<Incoming>| {
                        let head = RequestHead::from_request(&request, client, container_port);
                        let reply = handler.handle(&head);
                        async move {
                            match reply {
                                Some(response) => Ok::<_, Infallible>(response),
                                None => std::future::pending().await,
                            }
                        }
                    });
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let connection = graceful.watch(connection.into_owned());
                    connections.spawn(async move {
                        let _ = connection.await;
                    });
                }
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::debug!(%error, container_port, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            changed = drain_requested.changed() => {
                if changed.is_err() || *drain_requested.borrow() {
                    break;
                }
            }
        }
    }
    drop(listener);
    graceful.shutdown().await;
    while connections.join_next().await.is_some() {}
}

/// A header name as Go's `CanonicalMIMEHeaderKey` writes it (`x-forwarded-for` becomes
/// `X-Forwarded-For`).
pub(crate) fn canonical_header_name(name: &str) -> String {
    let mut canonical = String::with_capacity(name.len());
    let mut upper_next = true;
    for character in name.chars() {
        if upper_next {
            canonical.push(character.to_ascii_uppercase());
        } else {
            canonical.push(character.to_ascii_lowercase());
        }
        upper_next = character == '-';
    }
    canonical
}

/// The request headers as Go's `json.Marshal(r.Header)` writes them: canonical names, sorted,
/// each with its list of values, and without `Host` (Go keeps it apart from the map).
pub(crate) fn go_headers(request: &RequestHead) -> serde_json::Map<String, serde_json::Value> {
    let mut headers: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (name, value) in &request.headers {
        if name == http::header::HOST {
            continue;
        }
        headers
            .entry(canonical_header_name(name.as_str()))
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    headers
        .into_iter()
        .map(|(name, values)| (name, serde_json::Value::from(values)))
        .collect()
}

/// A response with a status, a content type and a body.
pub(crate) fn respond(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> HttpResponse {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A `text/plain; charset=utf-8` response, as Go's `fmt.Fprint` on a ResponseWriter gives.
pub(crate) fn text(status: StatusCode, body: impl Into<Bytes>) -> HttpResponse {
    respond(status, "text/plain; charset=utf-8", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_canonical() {
        assert_eq!(canonical_header_name("x-request-id"), "X-Request-Id");
        assert_eq!(canonical_header_name("ACCEPT"), "Accept");
        assert_eq!(canonical_header_name("te"), "Te");
    }
}
