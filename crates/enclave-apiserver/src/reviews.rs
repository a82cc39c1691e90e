//! Reviews that are computed, never stored: SelfSubjectAccessReview (`kubectl auth can-i`),
//! SelfSubjectRulesReview (`can-i --list`), SelfSubjectReview (`auth whoami`),
//! SubjectAccessReview and LocalSubjectAccessReview, all answered by the authorizer hook.

use axum::response::Response;
use enclave_api::ApiError;
use http::StatusCode;
use serde_json::{Value, json};

use crate::auth::{Decision, UserInfo};
use crate::handlers::Ctx;
use crate::negotiate;
use crate::request::RequestInfo;
use crate::response;

/// POST of a review.
pub(crate) async fn create(ctx: &Ctx, body: &[u8]) -> Result<Response, ApiError> {
    let kind = negotiate::body_type(
        ctx.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    )
    .ok_or_else(|| ApiError::UnsupportedMediaType(negotiate::OBJECT_MEDIA_TYPES.into()))?;
    let mut review = negotiate::decode_object(body, kind)?;
    crate::meta::check_type(ctx.resource, &mut review)?;
    let status = match ctx.resource.kind {
        "SelfSubjectAccessReview" => access_status(ctx, &ctx.user, &review, None)?,
        "LocalSubjectAccessReview" => {
            let user = subject_of(&review);
            access_status(ctx, &user, &review, ctx.info.namespace.as_deref())?
        }
        "SubjectAccessReview" => {
            let user = subject_of(&review);
            access_status(ctx, &user, &review, None)?
        }
        "SelfSubjectRulesReview" => {
            let namespace = review
                .pointer("/spec/namespace")
                .and_then(Value::as_str)
                .unwrap_or("");
            ctx.server.authorizer.rules(&ctx.user, namespace)
        }
        "SelfSubjectReview" => json!({"userInfo": {
            "username": ctx.user.name,
            "uid": ctx.user.uid,
            "groups": ctx.user.groups,
        }}),
        "TokenReview" => {
            json!({"authenticated": false, "error": "token authentication is not enabled"})
        }
        _ => return Err(ApiError::MethodNotAllowed),
    };
    review["status"] = status;
    if let Some(m) = crate::meta::metadata_mut(&mut review) {
        m.insert("creationTimestamp".into(), Value::Null);
    }
    Ok(response::json(StatusCode::CREATED, &review))
}

fn subject_of(review: &Value) -> UserInfo {
    let spec = review.get("spec").cloned().unwrap_or(json!({}));
    let groups = spec
        .get("groups")
        .and_then(Value::as_array)
        .map(|g| {
            g.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    UserInfo {
        name: spec
            .get("user")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        groups,
        uid: spec
            .get("uid")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    }
}

fn access_status(
    ctx: &Ctx,
    user: &UserInfo,
    review: &Value,
    namespace_override: Option<&str>,
) -> Result<Value, ApiError> {
    let spec = review.get("spec").cloned().unwrap_or(json!({}));
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let request = if let Some(attrs) = spec.get("resourceAttributes") {
        let namespace = namespace_override
            .map(str::to_string)
            .unwrap_or_else(|| s(attrs, "namespace"));
        RequestInfo {
            is_resource_request: true,
            verb: s(attrs, "verb"),
            api_group: s(attrs, "group"),
            api_version: s(attrs, "version"),
            namespace: (!namespace.is_empty()).then_some(namespace),
            resource: s(attrs, "resource"),
            subresource: s(attrs, "subresource"),
            name: s(attrs, "name"),
            ..RequestInfo::default()
        }
    } else if let Some(attrs) = spec.get("nonResourceAttributes") {
        RequestInfo {
            is_resource_request: false,
            verb: s(attrs, "verb"),
            path: s(attrs, "path"),
            ..RequestInfo::default()
        }
    } else {
        return Err(ApiError::Invalid {
            group: ctx.resource.group.into(),
            kind: ctx.resource.kind.into(),
            name: String::new(),
            causes: vec![enclave_api::FieldError::invalid(
                "spec.resourceAttributes",
                &Value::Null,
                "exactly one of nonResourceAttributes or resourceAttributes must be specified",
            )],
        });
    };
    Ok(match ctx.server.authorizer.authorize(user, &request) {
        Decision::Allow(reason) => json!({"allowed": true, "reason": reason}),
        Decision::Deny(reason) => json!({"allowed": false, "reason": reason}),
    })
}
