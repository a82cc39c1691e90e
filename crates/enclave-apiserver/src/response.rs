//! Building HTTP responses: objects in the negotiated representation, and Status errors.

use axum::body::Body;
use axum::response::Response;
use enclave_api::ApiError;
use http::{HeaderValue, StatusCode, header};
use serde_json::Value;

use crate::negotiate::Representation;

/// A JSON response with a status code.
pub fn json(code: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    with_type(code, "application/json", body)
}

/// A response with a body and a Content-Type.
pub fn with_type(code: StatusCode, content_type: &str, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = code;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

/// A plain text response (`/healthz`).
pub fn text(code: StatusCode, body: &'static str) -> Response {
    with_type(code, "text/plain; charset=utf-8", body)
}

/// The Status response of an error.
pub fn error(err: &ApiError) -> Response {
    if let ApiError::Internal(msg) = err {
        tracing::error!(error = %msg, "Internal error answered with 500");
    }
    let code = StatusCode::from_u16(err.code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json(code, &err.to_status())
}

/// An object (not a list) in the negotiated representation; Tables are built by the caller.
pub fn object(code: StatusCode, value: &Value, repr: Representation) -> Response {
    match repr {
        Representation::Yaml => match serde_saphyr::to_string(value) {
            Ok(yaml) => with_type(code, "application/yaml", yaml),
            Err(e) => error(&ApiError::Internal(format!("encoding YAML: {e}"))),
        },
        _ => json(code, value),
    }
}

/// Adds `Warning: 299 - "text"` headers, which kubectl prints as `Warning: text`.
pub fn add_warnings(resp: &mut Response, warnings: &[String]) {
    for w in warnings {
        let escaped = w.replace('\\', "\\\\").replace('"', "\\\"");
        if let Ok(v) = HeaderValue::from_str(&format!("299 - \"{escaped}\"")) {
            resp.headers_mut().append(header::WARNING, v);
        }
    }
}
