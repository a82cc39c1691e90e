//! Who is asking and may they: the authenticated user of a request and the authorizer hook.
//!
//! Authentication happens outside this crate (the binary reads the client certificate of the
//! TLS connection; in-process clients are given an identity) and arrives as an [`Identity`]
//! request extension. Authorization is a trait so that RBAC can be plugged in without touching
//! the handlers; the Forbidden message is built here, in kube-apiserver's words.

use std::sync::Arc;

use enclave_api::ApiError;

use crate::request::RequestInfo;

/// An authenticated user, as kube-apiserver's `user.Info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// User name (the certificate's CN).
    pub name: String,
    /// Groups (the certificate's O entries), plus `system:authenticated`.
    pub groups: Vec<String>,
    /// A stable id, if known.
    pub uid: String,
}

impl UserInfo {
    /// A user with groups; `system:authenticated` is added as kube-apiserver does.
    pub fn new(name: impl Into<String>, groups: impl IntoIterator<Item = String>) -> Self {
        let mut groups: Vec<String> = groups.into_iter().collect();
        if !groups.iter().any(|g| g == "system:authenticated") {
            groups.push("system:authenticated".into());
        }
        Self {
            name: name.into(),
            groups,
            uid: String::new(),
        }
    }

    /// The anonymous user of unauthenticated requests.
    pub fn anonymous() -> Self {
        Self {
            name: "system:anonymous".into(),
            groups: vec!["system:unauthenticated".into()],
            uid: String::new(),
        }
    }

    /// Whether this is the anonymous user.
    pub fn is_anonymous(&self) -> bool {
        self.name == "system:anonymous"
    }
}

/// The request extension carrying the authenticated user.
#[derive(Debug, Clone)]
pub struct Identity(pub Arc<UserInfo>);

/// An authorizer's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed, with the reason (shown by `kubectl auth can-i`).
    Allow(String),
    /// Denied, with the reason appended to the Forbidden message when not empty.
    Deny(String),
}

/// Decides whether a user may do what a request asks.
pub trait Authorizer: Send + Sync + 'static {
    /// Decides one request.
    fn authorize(&self, user: &UserInfo, request: &RequestInfo) -> Decision;

    /// What a user may do in a namespace, as a SelfSubjectRulesReview `status`
    /// (`resourceRules`, `nonResourceRules`, `incomplete`).
    fn rules(&self, user: &UserInfo, namespace: &str) -> serde_json::Value;
}

/// Allows every authenticated request: the hook until RBAC is plugged in.
#[derive(Debug, Default, Clone, Copy)]
pub struct AllowAuthenticated;

impl Authorizer for AllowAuthenticated {
    fn authorize(&self, user: &UserInfo, _request: &RequestInfo) -> Decision {
        if user.is_anonymous() {
            Decision::Deny(String::new())
        } else {
            Decision::Allow(String::new())
        }
    }

    fn rules(&self, user: &UserInfo, _namespace: &str) -> serde_json::Value {
        if user.is_anonymous() {
            return serde_json::json!({"resourceRules": [], "nonResourceRules": [], "incomplete": false});
        }
        serde_json::json!({
            "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
            "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
            "incomplete": false,
        })
    }
}

/// Paths anyone may read without credentials, as kube-apiserver's `system:public-info-viewer`.
pub fn is_public_path(path: &str) -> bool {
    matches!(
        path,
        "/version" | "/version/" | "/healthz" | "/livez" | "/readyz"
    ) || path.starts_with("/healthz/")
        || path.starts_with("/livez/")
        || path.starts_with("/readyz/")
}

/// The Forbidden error kube-apiserver returns for a denied request.
pub fn forbidden(user: &UserInfo, request: &RequestInfo, reason: &str) -> ApiError {
    let mut message = if request.is_resource_request {
        let resource = if request.subresource.is_empty() {
            request.resource.clone()
        } else {
            format!("{}/{}", request.resource, request.subresource)
        };
        let group_resource = if request.api_group.is_empty() {
            request.resource.clone()
        } else {
            format!("{}.{}", request.resource, request.api_group)
        };
        let subject = if request.name.is_empty() {
            format!("{group_resource} is forbidden")
        } else {
            format!("{group_resource} \"{}\" is forbidden", request.name)
        };
        let scope = match &request.namespace {
            Some(ns) if !ns.is_empty() => format!("in the namespace \"{ns}\""),
            _ => "at the cluster scope".to_string(),
        };
        format!(
            "{subject}: User \"{}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
            user.name, request.verb, request.api_group
        )
    } else {
        format!(
            "forbidden: User \"{}\" cannot {} path \"{}\"",
            user.name, request.verb, request.path
        )
    };
    if !reason.is_empty() {
        message.push_str(": ");
        message.push_str(reason);
    }
    ApiError::Forbidden {
        group: request.api_group.clone(),
        resource: request.resource.clone(),
        name: request.name.clone(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse;
    use http::Method;

    #[test]
    fn forbidden_matches_the_seed_message() {
        let user = UserInfo::new(
            "sso:Administrator@cpod-nsxv8.az-stc.cloud-garage.net",
            Vec::new(),
        );
        let req = parse(
            &Method::POST,
            "/apis/apps/v1/namespaces/default/deployments",
            false,
        );
        let err = forbidden(&user, &req, "");
        assert_eq!(
            err.to_string(),
            "deployments.apps is forbidden: User \"sso:Administrator@cpod-nsxv8.az-stc.cloud-garage.net\" cannot create resource \"deployments\" in API group \"apps\" in the namespace \"default\""
        );
        assert_eq!(err.code(), 403);
    }

    #[test]
    fn forbidden_on_cluster_scope_and_paths() {
        let user = UserInfo::new("bob", Vec::new());
        let req = parse(&Method::GET, "/api/v1/nodes/n1", false);
        assert_eq!(
            forbidden(&user, &req, "").to_string(),
            "nodes \"n1\" is forbidden: User \"bob\" cannot get resource \"nodes\" in API group \"\" at the cluster scope"
        );
        let req = parse(&Method::GET, "/metrics", false);
        assert_eq!(
            forbidden(&user, &req, "").to_string(),
            "forbidden: User \"bob\" cannot get path \"/metrics\""
        );
    }
}
