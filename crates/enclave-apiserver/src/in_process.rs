//! The API server as an in-process tower service for controllers and the runtime: the same
//! router external clients reach over TLS, with a fixed identity instead of a certificate.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use http::Request;
use tower::Service;
use tower::ServiceExt;
use tower::util::Oneshot;

use crate::ApiServer;
use crate::auth::{Identity, UserInfo};

/// A tower service answering Kubernetes REST requests in process, as `user`. Give it to
/// `kube::Client::new` so that controllers take the path every external client takes
/// (admission, validation, authorization, watch), without a socket.
#[derive(Clone)]
pub struct InProcessService {
    router: Router,
    identity: Identity,
}

/// Builds the in-process service of `server` for `user`.
pub fn in_process_service(server: Arc<ApiServer>, user: UserInfo) -> InProcessService {
    InProcessService {
        router: crate::router(server),
        identity: Identity(Arc::new(user)),
    }
}

impl<B> Service<Request<B>> for InProcessService
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Oneshot<Router, Request<Body>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(self.identity.clone());
        self.router.clone().oneshot(request)
    }
}
