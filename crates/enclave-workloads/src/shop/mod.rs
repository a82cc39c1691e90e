//! The Hackazon demo web shop (`hackazon` images): a product catalogue served on port 80 like
//! the real image's Apache, every item marked with the pod that served it, an access log line
//! per request on stdout and Apache's start and stop notices on stderr.

mod catalogue;
mod pages;

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use http::header::{ALLOW, HeaderValue};
use tokio::sync::watch;

use crate::access_log::combined_line;
use crate::http::{self as serving, Handler, HttpResponse, RequestHead};
use crate::support::{Output, stop_requested};
use crate::{Error, Exit, WorkloadContext, WorkloadSpec};

/// The port Apache listens on in the image.
const SHOP_PORT: u16 = 80;

struct Shop {
    pod: String,
    namespace: String,
    ip: String,
    output: Output,
}

impl Handler for Shop {
    fn handle(&self, request: &RequestHead) -> Option<HttpResponse> {
        let server = pages::Server {
            pod: &self.pod,
            namespace: &self.namespace,
            ip: &self.ip,
        };
        let page = pages::route(
            &request.method,
            &request.path,
            request.query.as_deref(),
            &server,
        );
        self.output.stdout(&combined_line(
            request,
            page.status.as_u16(),
            page.body.len(),
            jiff::Timestamp::now(),
        ));
        let mut response = serving::respond(page.status, page.content_type, page.body);
        if page.status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        }
        if let Ok(pod) = HeaderValue::from_str(&self.pod) {
            response.headers_mut().insert("x-served-by", pod);
        }
        Some(response)
    }
}

/// Apache's error-log time stamp: `[Tue Mar 14 09:26:53.123456 2023]`.
fn apache_time() -> String {
    let now = jiff::Timestamp::now();
    format!(
        "{}.{:06} {}",
        now.strftime("%a %b %d %H:%M:%S"),
        now.subsec_microsecond(),
        now.strftime("%Y")
    )
}

/// Runs the shop until stopped; like Apache on SIGTERM it logs the shutdown and exits 0.
pub(crate) async fn run(
    spec: &WorkloadSpec,
    context: &WorkloadContext,
    mut stop: watch::Receiver<Option<Duration>>,
) -> Result<Exit, Error> {
    let output = Output::new(context.log.clone());
    let listener = context.binder.bind_tcp(SHOP_PORT).map_err(|error| {
        Error::Start(format!(
            "(98)could not bind to address 0.0.0.0:{SHOP_PORT}: {error}"
        ))
    })?;
    let handler = Arc::new(Shop {
        pod: spec.pod.name.clone(),
        namespace: spec.pod.namespace.clone(),
        ip: spec.pod.ip.clone(),
        output: output.clone(),
    });
    let server = serving::serve(listener, SHOP_PORT, context.binder.clone(), handler)
        .map_err(|error| Error::Start(format!("serve on port {SHOP_PORT}: {error}")))?;
    let address = if spec.pod.ip.is_empty() {
        "127.0.1.1"
    } else {
        spec.pod.ip.as_str()
    };
    output.stderr(&format!(
        "AH00558: apache2: Could not reliably determine the server's fully qualified domain \
         name, using {address}. Set the 'ServerName' directive globally to suppress this message"
    ));
    output.stderr(&format!(
        "[{}] [mpm_prefork:notice] [pid 1] AH00163: Apache/2.4.7 (Ubuntu) PHP/5.5.9 configured \
         -- resuming normal operations",
        apache_time()
    ));
    output.stderr(&format!(
        "[{}] [core:notice] [pid 1] AH00094: Command line: '/usr/sbin/apache2 -D FOREGROUND'",
        apache_time()
    ));
    stop_requested(&mut stop).await;
    drop(server);
    output.stderr(&format!(
        "[{}] [mpm_prefork:notice] [pid 1] AH00169: caught SIGTERM, shutting down",
        apache_time()
    ));
    Ok(Exit::from_code(0))
}
