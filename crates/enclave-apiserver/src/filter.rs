//! Label and field selectors of list and watch requests, over `enclave_api::selector`.

use enclave_api::selector::{FieldSelector, LabelSelector};
use enclave_api::{ApiError, ResourceInfo};
use serde_json::Value;

/// The selectors of one list or watch request.
#[derive(Debug, Clone)]
pub struct ListFilter {
    resource: &'static ResourceInfo,
    labels: Option<LabelSelector>,
    fields: Option<FieldSelector>,
}

impl ListFilter {
    /// Parses the `labelSelector` and `fieldSelector` query parameters for a resource.
    pub fn parse(
        resource: &'static ResourceInfo,
        label_selector: Option<&str>,
        field_selector: Option<&str>,
    ) -> Result<Self, ApiError> {
        let labels = match label_selector.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(LabelSelector::parse(s)?),
            None => None,
        };
        let fields = match field_selector.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                let f = FieldSelector::parse(s)?;
                f.validate(resource.group, resource.kind)?;
                Some(f)
            }
            None => None,
        };
        Ok(Self {
            resource,
            labels,
            fields,
        })
    }

    /// Whether an object passes both selectors.
    pub fn matches(&self, obj: &Value) -> bool {
        self.labels.as_ref().is_none_or(|l| l.matches_object(obj))
            && self
                .fields
                .as_ref()
                .is_none_or(|f| f.matches(self.resource.group, self.resource.kind, obj))
    }
}

/// A `metav1.LabelSelector` in the string form (`app=web,tier in (a,b)`), as Scale's
/// `status.selector` carries it.
pub fn selector_string(selector: &Value) -> String {
    LabelSelector::from_label_selector_json(selector)
        .map(|s| s.to_string())
        .unwrap_or_default()
}
