//! The network manager's errors, and the one place they become NSX error bodies
//! (`{"httpStatus", "error_code", "module_name", "error_message", "related_errors"}`).

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Serialize;

/// What can go wrong in the network manager.
#[derive(Debug, thiserror::Error)]
pub enum NsxError {
    /// The client presented no identity.
    #[error("The credentials were incorrect or the account specified has been locked.")]
    Unauthenticated,
    /// No object at this path.
    #[error("The path=[{0}] is invalid")]
    NotFound(String),
    /// The URL names no API.
    #[error("The requested URI: {0} could not be found.")]
    UnknownUri(String),
    /// The method is not supported on this path.
    #[error("Method {method} is not supported on {path}")]
    MethodNotAllowed {
        /// The method.
        method: String,
        /// The path.
        path: String,
    },
    /// A PUT carried a `_revision` that is not the object's current one.
    #[error("The object was modified by somebody else.")]
    StaleRevision,
    /// The object belongs to another principal (NCP) and the write did not override it.
    #[error(
        "Principal attempts to delete or modify an object of type {kind} it doesn't own. (createUser={owner}, allowOverwrite={allow_overwrite})"
    )]
    NotOwner {
        /// The object's type (`SecurityPolicy`).
        kind: &'static str,
        /// Its owner.
        owner: String,
        /// What `X-Allow-Overwrite` said (`null` when absent).
        allow_overwrite: String,
    },
    /// The body does not parse as the object.
    #[error("Field level validation errors: {0}")]
    BadBody(String),
    /// The write would leave an invalid firewall; every problem is listed.
    #[error("{message}")]
    Invalid {
        /// The summary.
        message: String,
        /// One entry per problem.
        problems: Vec<String>,
    },
    /// The id in the path and in the body differ, or an id is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The store failed.
    #[error("Internal error: {0}")]
    Store(#[from] enclave_store::StoreError),
}

/// NSX's error body.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// `BAD_REQUEST`, `NOT_FOUND`, ...
    #[serde(rename = "httpStatus")]
    pub http_status: &'static str,
    /// NSX's numeric error code.
    pub error_code: u32,
    /// The NSX module that answers.
    pub module_name: &'static str,
    /// The message.
    pub error_message: String,
    /// Detailed problems, same shape.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_errors: Vec<ErrorBody>,
}

impl NsxError {
    /// The HTTP status and NSX error code.
    pub fn status_and_code(&self) -> (StatusCode, u32) {
        match self {
            NsxError::Unauthenticated => (StatusCode::FORBIDDEN, 403),
            NsxError::NotFound(_) => (StatusCode::NOT_FOUND, 500090),
            NsxError::UnknownUri(_) => (StatusCode::NOT_FOUND, 201),
            NsxError::MethodNotAllowed { .. } => (StatusCode::METHOD_NOT_ALLOWED, 202),
            NsxError::StaleRevision => (StatusCode::PRECONDITION_FAILED, 604),
            NsxError::NotOwner { .. } => (StatusCode::BAD_REQUEST, 8327),
            NsxError::BadBody(_) => (StatusCode::BAD_REQUEST, 255),
            NsxError::Invalid { .. } => (StatusCode::BAD_REQUEST, 500012),
            NsxError::BadRequest(_) => (StatusCode::BAD_REQUEST, 500012),
            NsxError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, 99),
        }
    }

    /// The NSX error body.
    pub fn body(&self) -> ErrorBody {
        let (status, code) = self.status_and_code();
        let module_name = match self {
            NsxError::Unauthenticated | NsxError::NotOwner { .. } | NsxError::StaleRevision => {
                "common-services"
            }
            _ => "Policy",
        };
        let related_errors = match self {
            NsxError::Invalid { problems, .. } => problems
                .iter()
                .map(|p| ErrorBody {
                    http_status: http_status_name(status),
                    error_code: code,
                    module_name,
                    error_message: p.clone(),
                    related_errors: Vec::new(),
                })
                .collect(),
            _ => Vec::new(),
        };
        ErrorBody {
            http_status: http_status_name(status),
            error_code: code,
            module_name,
            error_message: self.to_string(),
            related_errors,
        }
    }
}

fn http_status_name(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "BAD_REQUEST",
        StatusCode::FORBIDDEN => "FORBIDDEN",
        StatusCode::NOT_FOUND => "NOT_FOUND",
        StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
        StatusCode::PRECONDITION_FAILED => "PRECONDITION_FAILED",
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
        _ => "INTERNAL_SERVER_ERROR",
    }
}

impl IntoResponse for NsxError {
    fn into_response(self) -> Response {
        let (status, _) = self.status_and_code();
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "NSX API request failed");
        }
        (status, Json(self.body())).into_response()
    }
}
