//! Label and field selectors: parsing with kube-apiserver's syntax and error messages,
//! rendering as kubectl shows them, and matching against objects.

mod field;
mod label;
#[cfg(test)]
mod tests;

pub(crate) use field::is_events_k8s_io_shape;
pub use field::{FieldSelector, FieldTerm, supported_field_labels};
pub use label::{LabelSelector, Operator, Requirement};
pub(crate) use label::{format_label_selector, format_labels};

use crate::status::ApiError;

/// A selector that cannot be parsed or used, with the message kube-apiserver gives.
///
/// The API server answers these with 400 BadRequest and this message (see the `From` impl).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorError {
    message: String,
}

impl SelectorError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message as kube-apiserver writes it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for SelectorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SelectorError {}

impl From<SelectorError> for ApiError {
    fn from(err: SelectorError) -> Self {
        ApiError::BadRequest(err.message)
    }
}
