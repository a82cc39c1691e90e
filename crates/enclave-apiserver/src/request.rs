//! Turns a request path and method into what it asks for: verb, group, version, resource,
//! namespace, name and subresource, as kube-apiserver's RequestInfo does.

use http::Method;

/// What one request asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestInfo {
    /// Whether the path names a resource (`/api/v1/pods`) rather than a plain path (`/version`).
    pub is_resource_request: bool,
    /// The URL path.
    pub path: String,
    /// The Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection,
    /// or the lower-cased HTTP method for non-resource paths.
    pub verb: String,
    /// `api` for the core group or `apis` for named groups.
    pub api_prefix: String,
    /// API group (`""` for core).
    pub api_group: String,
    /// API version.
    pub api_version: String,
    /// Namespace, if any.
    pub namespace: Option<String>,
    /// Plural resource name.
    pub resource: String,
    /// Subresource (`status`, `scale`, `log`...), empty if none.
    pub subresource: String,
    /// Object name, empty for collections.
    pub name: String,
    /// Path segments after the subresource (e.g. `proxy` paths), kept for completeness.
    pub parts: Vec<String>,
}

/// Parses a path; `watch` says whether the query asked for a watch.
pub fn parse(method: &Method, path: &str, watch: bool) -> RequestInfo {
    let mut info = RequestInfo {
        path: path.to_string(),
        verb: method.as_str().to_ascii_lowercase(),
        ..RequestInfo::default()
    };
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let mut parts: &[String] = &segments;
    match parts.first().map(String::as_str) {
        Some("api") if parts.len() >= 2 => {
            info.api_prefix = "api".into();
            info.api_version = parts[1].clone();
            parts = &parts[2..];
        }
        Some("apis") if parts.len() >= 3 => {
            info.api_prefix = "apis".into();
            info.api_group = parts[1].clone();
            info.api_version = parts[2].clone();
            parts = &parts[3..];
        }
        _ => return info,
    }
    if parts.is_empty() {
        // Discovery of a group version: not a resource request.
        return info;
    }
    info.is_resource_request = true;
    let mut verb_is_watch = watch;
    if parts[0] == "watch" {
        // The deprecated /watch/ paths.
        verb_is_watch = true;
        parts = &parts[1..];
    }
    if parts.first().map(String::as_str) == Some("namespaces") && parts.len() > 1 {
        info.namespace = Some(parts[1].clone());
        // `/namespaces/{name}/status|finalize` are subresources of the namespace itself.
        if parts.len() > 2 && !matches!(parts[2].as_str(), "status" | "finalize") {
            parts = &parts[2..];
        }
    }
    if let Some(resource) = parts.first() {
        info.resource = resource.clone();
    }
    if let Some(name) = parts.get(1) {
        info.name = name.clone();
    }
    if let Some(sub) = parts.get(2) {
        info.subresource = sub.clone();
    }
    info.parts = parts.iter().skip(3).cloned().collect();
    if info.resource == "namespaces" && info.namespace.is_some() && info.name.is_empty() {
        // `/api/v1/namespaces/{name}` names the namespace object.
        info.name = info.namespace.clone().unwrap_or_default();
    }
    info.verb = match *method {
        Method::GET | Method::HEAD => {
            if verb_is_watch {
                "watch"
            } else if info.name.is_empty() {
                "list"
            } else {
                "get"
            }
        }
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE => {
            if info.name.is_empty() {
                "deletecollection"
            } else {
                "delete"
            }
        }
        _ => "unknown",
    }
    .to_string();
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaced_object_with_subresource() {
        let i = parse(
            &Method::PATCH,
            "/apis/apps/v1/namespaces/ns-a/deployments/web/scale",
            false,
        );
        assert!(i.is_resource_request);
        assert_eq!(
            (
                i.verb.as_str(),
                i.api_group.as_str(),
                i.namespace.as_deref(),
                i.resource.as_str(),
                i.name.as_str(),
                i.subresource.as_str()
            ),
            ("patch", "apps", Some("ns-a"), "deployments", "web", "scale")
        );
    }

    #[test]
    fn namespace_object_and_its_status() {
        let i = parse(&Method::GET, "/api/v1/namespaces/default", false);
        assert_eq!(
            (i.resource.as_str(), i.name.as_str()),
            ("namespaces", "default")
        );
        assert_eq!(i.verb, "get");
        let i = parse(&Method::PUT, "/api/v1/namespaces/x/finalize", false);
        assert_eq!(
            (i.resource.as_str(), i.name.as_str(), i.subresource.as_str()),
            ("namespaces", "x", "finalize")
        );
    }

    #[test]
    fn lists_watches_and_plain_paths() {
        let i = parse(&Method::GET, "/api/v1/pods", true);
        assert_eq!((i.verb.as_str(), i.namespace.as_deref()), ("watch", None));
        let i = parse(&Method::GET, "/api/v1/watch/namespaces/a/pods", false);
        assert_eq!(
            (i.verb.as_str(), i.namespace.as_deref()),
            ("watch", Some("a"))
        );
        let i = parse(&Method::DELETE, "/api/v1/namespaces/a/pods", false);
        assert_eq!(i.verb, "deletecollection");
        let i = parse(&Method::GET, "/version", false);
        assert!(!i.is_resource_request);
        let i = parse(&Method::GET, "/apis/apps/v1", false);
        assert!(!i.is_resource_request);
    }
}
