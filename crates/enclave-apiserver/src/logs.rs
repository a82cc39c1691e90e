//! `GET pods/{name}/log`: checks the options and the container as kube-apiserver does, then
//! streams the container's log from the node agent ([`crate::node_proxy::NodeProxy`]) as
//! `text/plain` (chunked, for as long as `follow` keeps it open).

use std::convert::Infallible;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use enclave_api::{ApiError, FieldError};
use futures::StreamExt;
use http::StatusCode;
use serde_json::Value;

use crate::handlers::{self, Ctx, Params};
use crate::node_proxy::{LogOptions, NodeError};
use crate::response;

/// The options of the request before validation (`PodLogOptions` as decoded from the query).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct LogQuery {
    container: String,
    follow: bool,
    previous: bool,
    timestamps: bool,
    tail_lines: Option<i64>,
    since_seconds: Option<i64>,
    since_time: Option<String>,
    limit_bytes: Option<i64>,
}

/// Go's `strconv.ParseBool`, which decodes boolean query parameters.
fn parse_bool(name: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        other => Err(ApiError::BadRequest(format!(
            "invalid value for {name}: strconv.ParseBool: parsing {}: invalid syntax",
            enclave_api::go_fmt::go_quote(other)
        ))),
    }
}

fn parse_int(name: &str, value: &str) -> Result<i64, ApiError> {
    value.parse().map_err(|_| {
        ApiError::BadRequest(format!(
            "invalid value for {name}: strconv.ParseInt: parsing {}: invalid syntax",
            enclave_api::go_fmt::go_quote(value)
        ))
    })
}

impl LogQuery {
    /// Decodes the query; a value that does not parse is a BadRequest.
    fn parse(params: &Params) -> Result<Self, ApiError> {
        let flag = |name: &str| {
            params
                .get(name)
                .filter(|v| !v.is_empty())
                .map_or(Ok(false), |v| parse_bool(name, v))
        };
        let int = |name: &str| {
            params
                .get(name)
                .filter(|v| !v.is_empty())
                .map(|v| parse_int(name, v))
                .transpose()
        };
        let since_time = match params.get("sinceTime").filter(|v| !v.is_empty()) {
            None => None,
            Some(t) => {
                let parsed: jiff::Timestamp = t.parse().map_err(|_| {
                    ApiError::BadRequest(format!(
                        "invalid value for sinceTime: {}: must be an RFC 3339 time",
                        enclave_api::go_fmt::go_quote(t)
                    ))
                })?;
                Some(parsed.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
            }
        };
        Ok(Self {
            container: params.get("container").unwrap_or("").to_string(),
            follow: flag("follow")?,
            previous: flag("previous")?,
            timestamps: flag("timestamps")?,
            tail_lines: int("tailLines")?,
            since_seconds: int("sinceSeconds")?,
            since_time,
            limit_bytes: int("limitBytes")?,
        })
    }

    /// `ValidatePodLogOptions`: the field problems, if any.
    fn problems(&self) -> Vec<FieldError> {
        let mut causes = Vec::new();
        if let Some(tail) = self.tail_lines
            && tail < 0
        {
            causes.push(FieldError::invalid(
                "tailLines",
                &tail.into(),
                "must be greater than or equal to 0",
            ));
        }
        if let Some(limit) = self.limit_bytes
            && limit < 1
        {
            causes.push(FieldError::invalid(
                "limitBytes",
                &limit.into(),
                "must be greater than 0",
            ));
        }
        match (self.since_seconds, &self.since_time) {
            (Some(_), Some(_)) => causes.push(FieldError::forbidden(
                "",
                "at most one of `sinceTime` or `sinceSeconds` may be specified",
            )),
            (Some(seconds), None) if seconds < 1 => causes.push(FieldError::invalid(
                "sinceSeconds",
                &seconds.into(),
                "must be greater than 0",
            )),
            _ => {}
        }
        causes
    }

    fn options(&self, container: String) -> LogOptions {
        let unsigned = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
        LogOptions {
            container,
            follow: self.follow,
            previous: self.previous,
            tail_lines: unsigned(self.tail_lines),
            since_seconds: unsigned(self.since_seconds),
            since_time: self.since_time.clone(),
            timestamps: self.timestamps,
            limit_bytes: unsigned(self.limit_bytes),
        }
    }
}

fn names_of<'p>(pod: &'p Value, list: &str) -> impl Iterator<Item = &'p str> {
    pod.pointer(&format!("/spec/{list}"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("name").and_then(Value::as_str))
}

/// `validateContainer`: the container the request means. Without a name, a pod with one
/// container means that one; otherwise every container is offered (init containers first,
/// then containers, then ephemeral containers, as `VisitContainers` walks them).
fn resolve_container(pod: &Value, requested: &str) -> Result<String, ApiError> {
    let pod_name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let all = || {
        names_of(pod, "initContainers")
            .chain(names_of(pod, "containers"))
            .chain(names_of(pod, "ephemeralContainers"))
    };
    if !requested.is_empty() {
        if all().any(|n| n == requested) {
            return Ok(requested.to_string());
        }
        return Err(ApiError::BadRequest(format!(
            "container {requested} is not valid for pod {pod_name}"
        )));
    }
    let containers: Vec<&str> = names_of(pod, "containers").collect();
    match containers.as_slice() {
        [one] => Ok((*one).to_string()),
        [] => Err(ApiError::BadRequest(format!(
            "a container name must be specified for pod {pod_name}"
        ))),
        _ => Err(ApiError::BadRequest(format!(
            "a container name must be specified for pod {pod_name}, choose one of: [{}]",
            all().collect::<Vec<_>>().join(" ")
        ))),
    }
}

/// The container's status in the pod, whichever list it is in.
fn container_status<'p>(pod: &'p Value, container: &str) -> Option<&'p Value> {
    [
        "containerStatuses",
        "initContainerStatuses",
        "ephemeralContainerStatuses",
    ]
    .iter()
    .filter_map(|list| pod.pointer(&format!("/status/{list}"))?.as_array())
    .flatten()
    .find(|s| s.get("name").and_then(Value::as_str) == Some(container))
}

/// Why a container has no log to show, judged from the pod's status as the kubelet's
/// `validateContainerLogStatus` judges it; `None` when a log should exist.
fn unavailable_reason(pod: &Value, container: &str, previous: bool) -> Option<String> {
    let pod_name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let bound = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let Some(status) = container_status(pod, container) else {
        return Some(if bound {
            format!("container {container:?} in pod {pod_name:?} is not available")
        } else {
            format!(
                "container {container:?} in pod {pod_name:?} is waiting to start: the pod is not scheduled to a node yet"
            )
        });
    };
    let state = |s: &str| {
        status
            .pointer(&format!("/state/{s}"))
            .filter(|v| v.is_object())
    };
    let last_terminated = status
        .pointer("/lastState/terminated")
        .filter(|v| v.is_object());
    if previous {
        return last_terminated.is_none().then(|| {
            format!("previous terminated container {container:?} in pod {pod_name:?} not found")
        });
    }
    if state("running").is_some() || state("terminated").is_some() || last_terminated.is_some() {
        return None;
    }
    if let Some(waiting) = state("waiting") {
        let reason = waiting.get("reason").and_then(Value::as_str).unwrap_or("");
        let detail = match reason {
            "ErrImagePull" => "image can't be pulled".to_string(),
            "ImagePullBackOff" => "trying and failing to pull image".to_string(),
            other => other.to_string(),
        };
        return Some(format!(
            "container {container:?} in pod {pod_name:?} is waiting to start: {detail}"
        ));
    }
    Some(format!(
        "container {container:?} in pod {pod_name:?} is waiting to start - no logs yet"
    ))
}

/// Serves `GET pods/{name}/log`.
pub(crate) async fn pod_log(ctx: &Ctx) -> Result<Response, ApiError> {
    let query = LogQuery::parse(&ctx.params)?;
    let causes = query.problems();
    if !causes.is_empty() {
        return Err(ApiError::Invalid {
            group: String::new(),
            kind: "PodLogOptions".into(),
            name: ctx.info.name.clone(),
            causes,
        });
    }
    let (_, pod) = handlers::read(ctx).await?;
    let container = resolve_container(&pod, &query.container)?;
    let bound = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let proxy =
        ctx.server.node_proxy().filter(|_| bound).ok_or_else(|| {
            match unavailable_reason(&pod, &container, query.previous) {
                Some(reason) => ApiError::BadRequest(reason),
                None => ApiError::ServiceUnavailable(format!(
                    "no node agent is available to serve the logs of pod {:?}",
                    ctx.info.name
                )),
            }
        })?;
    let namespace = ctx.namespace().unwrap_or("");
    let uid = pod
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("");
    let options = query.options(container.clone());
    let stream = match proxy
        .container_logs(namespace, &ctx.info.name, uid, &options)
        .await
    {
        Ok(stream) => stream,
        Err(NodeError::NotFound(message)) => return Err(ApiError::BadRequest(message)),
        Err(NodeError::Unavailable(message)) => {
            return Err(match unavailable_reason(&pod, &container, query.previous) {
                Some(reason) => ApiError::BadRequest(reason),
                None => ApiError::ServiceUnavailable(message),
            });
        }
    };
    let mut shutdown = ctx.server.shutdown.subscribe();
    let ended = async move {
        let _ = shutdown.wait_for(|down| *down).await;
    };
    let body = limit_bytes(stream.take_until(Box::pin(ended)), options.limit_bytes);
    Ok(response::with_type(
        StatusCode::OK,
        "text/plain",
        Body::from_stream(body.map(Ok::<Bytes, Infallible>)),
    ))
}

/// Stops a byte stream after `limit` bytes (the node agent should already; this is a guard).
fn limit_bytes(
    stream: impl futures::Stream<Item = Bytes> + Send + 'static,
    limit: Option<u64>,
) -> futures::stream::BoxStream<'static, Bytes> {
    let Some(limit) = limit else {
        return stream.boxed();
    };
    stream
        .scan(limit, |left, chunk| {
            if *left == 0 {
                return futures::future::ready(None);
            }
            let take = usize::try_from(*left)
                .unwrap_or(usize::MAX)
                .min(chunk.len());
            *left -= take as u64;
            futures::future::ready(Some(chunk.slice(..take)))
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod(status: Value) -> Value {
        json!({"metadata":{"name":"web"},
            "spec":{"nodeName":"node-1","initContainers":[{"name":"init"}],
                "containers":[{"name":"a"},{"name":"b"}]},
            "status":status})
    }

    fn params(query: &str) -> Params {
        let uri: http::Uri = format!("/x?{query}").parse().unwrap();
        Params::from_uri(&uri)
    }

    #[test]
    fn container_is_resolved_as_kube_apiserver_does() {
        let p = pod(json!({}));
        assert_eq!(resolve_container(&p, "b").unwrap(), "b");
        assert_eq!(resolve_container(&p, "init").unwrap(), "init");
        assert_eq!(
            resolve_container(&p, "").unwrap_err().to_string(),
            "a container name must be specified for pod web, choose one of: [init a b]"
        );
        assert_eq!(
            resolve_container(&p, "c").unwrap_err().to_string(),
            "container c is not valid for pod web"
        );
        let single = json!({"metadata":{"name":"x"},"spec":{"containers":[{"name":"only"}]}});
        assert_eq!(resolve_container(&single, "").unwrap(), "only");
    }

    #[test]
    fn status_explains_missing_logs() {
        let waiting = pod(json!({"containerStatuses":[
            {"name":"a","state":{"waiting":{"reason":"ContainerCreating"}}},
            {"name":"b","state":{"running":{}}}]}));
        assert_eq!(
            unavailable_reason(&waiting, "a", false).unwrap(),
            "container \"a\" in pod \"web\" is waiting to start: ContainerCreating"
        );
        assert_eq!(unavailable_reason(&waiting, "b", false), None);
        assert_eq!(
            unavailable_reason(&waiting, "b", true).unwrap(),
            "previous terminated container \"b\" in pod \"web\" not found"
        );
        let pulling = pod(json!({"containerStatuses":[
            {"name":"a","state":{"waiting":{"reason":"ImagePullBackOff"}}}]}));
        assert_eq!(
            unavailable_reason(&pulling, "a", false).unwrap(),
            "container \"a\" in pod \"web\" is waiting to start: trying and failing to pull image"
        );
        let mut unbound = pod(json!({"phase":"Pending"}));
        unbound["spec"].as_object_mut().unwrap().remove("nodeName");
        assert!(
            unavailable_reason(&unbound, "a", false)
                .unwrap()
                .contains("is waiting to start")
        );
    }

    #[test]
    fn query_is_decoded_and_validated() {
        let q = LogQuery::parse(&params(
            "container=a&follow=true&tailLines=10&sinceSeconds=60&timestamps=1&limitBytes=5",
        ))
        .unwrap();
        assert!(q.follow && q.timestamps && !q.previous);
        assert_eq!(q.tail_lines, Some(10));
        assert!(q.problems().is_empty());
        let o = q.options("a".into());
        assert_eq!(o.since_seconds, Some(60));
        assert_eq!(o.limit_bytes, Some(5));
        assert_eq!(
            LogQuery::parse(&params("tailLines=abc"))
                .unwrap_err()
                .to_string(),
            "invalid value for tailLines: strconv.ParseInt: parsing \"abc\": invalid syntax"
        );
        assert!(LogQuery::parse(&params("follow=yes")).is_err());
        assert!(LogQuery::parse(&params("sinceTime=yesterday")).is_err());
        let bad = LogQuery::parse(&params(
            "tailLines=-1&limitBytes=0&sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z",
        ))
        .unwrap();
        let messages: Vec<String> = bad.problems().iter().map(FieldError::to_message).collect();
        assert_eq!(
            messages,
            [
                "tailLines: Invalid value: -1: must be greater than or equal to 0",
                "limitBytes: Invalid value: 0: must be greater than 0",
                ": Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified",
            ]
        );
    }
}
