//! API discovery: `/api`, `/apis`, `/api/v1`, `/apis/<group>[/<version>]`, in the legacy shapes
//! and the aggregated `apidiscovery.k8s.io` v2 and v2beta1 shapes, built from the registry.

use enclave_api::registry::{self, ResourceInfo};
use serde_json::{Value, json};

/// Which discovery shape a client asked for in its Accept header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscoveryFormat {
    /// `APIVersions` / `APIGroupList`.
    Legacy,
    /// `apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`.
    AggregatedV2,
    /// `apidiscovery.k8s.io/v2beta1` `APIGroupDiscoveryList`.
    AggregatedV2Beta1,
}

impl DiscoveryFormat {
    /// The first aggregated version the Accept header names, else legacy. Only the version
    /// asked for is served: older clients break on a v2 body when they asked for v2beta1.
    pub fn from_accept(accept: Option<&str>) -> Self {
        for entry in accept.unwrap_or("").split(',') {
            let params: Vec<&str> = entry.split(';').map(str::trim).collect();
            let has = |p: &str| params.contains(&p);
            if has("g=apidiscovery.k8s.io") && has("as=APIGroupDiscoveryList") {
                if has("v=v2") {
                    return Self::AggregatedV2;
                }
                if has("v=v2beta1") {
                    return Self::AggregatedV2Beta1;
                }
            }
        }
        Self::Legacy
    }

    /// The response Content-Type for this shape.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Legacy => "application/json",
            Self::AggregatedV2 => {
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
            }
            Self::AggregatedV2Beta1 => {
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
            }
        }
    }

    fn api_version(self) -> &'static str {
        match self {
            Self::AggregatedV2Beta1 => "apidiscovery.k8s.io/v2beta1",
            _ => "apidiscovery.k8s.io/v2",
        }
    }
}

/// `GET /api`.
pub fn core(format: DiscoveryFormat, server_address: &str) -> Value {
    match format {
        DiscoveryFormat::Legacy => json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
        }),
        _ => aggregated(format, |g| g.is_empty()),
    }
}

/// `GET /apis`.
pub fn groups(format: DiscoveryFormat) -> Value {
    match format {
        DiscoveryFormat::Legacy => json!({
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": registry::groups()
                .into_iter()
                .filter(|(g, _)| !g.is_empty())
                .map(|(g, versions)| api_group(g, &versions))
                .collect::<Vec<_>>(),
        }),
        _ => aggregated(format, |g| !g.is_empty()),
    }
}

/// `GET /apis/<group>`, or `None` if the group is not served.
pub fn group(name: &str) -> Option<Value> {
    registry::groups()
        .into_iter()
        .find(|(g, _)| !g.is_empty() && *g == name)
        .map(|(g, versions)| {
            let mut v = api_group(g, &versions);
            v["kind"] = json!("APIGroup");
            v["apiVersion"] = json!("v1");
            v
        })
}

/// `GET /api/v1` or `/apis/<group>/<version>`, or `None` if not served.
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let resources: Vec<&ResourceInfo> = registry::resources_of(group, version).collect();
    if resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut entries = Vec::new();
    for r in resources {
        let mut entry = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            entry["categories"] = json!(r.categories);
        }
        entries.push(entry);
        for s in r.subresources {
            let mut sub = json!({
                "name": format!("{}/{}", r.plural, s.name),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": s.kind,
                "verbs": s.verbs,
            });
            if s.group != r.group || s.version != r.version {
                sub["group"] = json!(s.group);
                sub["version"] = json!(s.version);
            }
            entries.push(sub);
        }
    }
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": entries,
    }))
}

fn api_group(name: &str, versions: &[&str]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v}))
        .collect();
    json!({
        "name": name,
        "versions": versions,
        "preferredVersion": versions.first().cloned().unwrap_or(Value::Null),
    })
}

fn aggregated(format: DiscoveryFormat, include: impl Fn(&str) -> bool) -> Value {
    let items: Vec<Value> = registry::groups()
        .into_iter()
        .filter(|(g, _)| include(g))
        .map(|(g, versions)| {
            let versions: Vec<Value> = versions
                .iter()
                .map(|v| {
                    let resources: Vec<Value> = registry::resources_of(g, v)
                        .map(aggregated_resource)
                        .collect();
                    json!({"version": v, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": g, "creationTimestamp": null}, "versions": versions})
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": format.api_version(),
        "metadata": {},
        "items": items,
    })
}

fn aggregated_resource(r: &ResourceInfo) -> Value {
    let mut v = json!({
        "resource": r.plural,
        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        v["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        v["categories"] = json!(r.categories);
    }
    if !r.subresources.is_empty() {
        v["subresources"] = r
            .subresources
            .iter()
            .map(|s| {
                json!({
                    "subresource": s.name,
                    "responseKind": {"group": s.group, "version": s.version, "kind": s.kind},
                    "verbs": s.verbs,
                })
            })
            .collect();
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_the_version_asked_for() {
        let kubectl_132 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(
            DiscoveryFormat::from_accept(Some(kubectl_132)),
            DiscoveryFormat::AggregatedV2
        );
        let kubectl_129 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(
            DiscoveryFormat::from_accept(Some(kubectl_129)),
            DiscoveryFormat::AggregatedV2Beta1
        );
        assert_eq!(
            DiscoveryFormat::from_accept(Some("application/json")),
            DiscoveryFormat::Legacy
        );
    }

    #[test]
    fn aggregated_apps_has_scale_subresource() {
        let doc = groups(DiscoveryFormat::AggregatedV2);
        let apps = doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["metadata"]["name"] == "apps")
            .unwrap();
        let deploy = &apps["versions"][0]["resources"][0];
        assert_eq!(deploy["resource"], "deployments");
        assert_eq!(deploy["shortNames"], json!(["deploy"]));
        let scale = deploy["subresources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["subresource"] == "scale")
            .unwrap();
        assert_eq!(scale["responseKind"]["kind"], "Scale");
    }

    #[test]
    fn legacy_resource_list_names_subresources() {
        let list = resource_list("apps", "v1").unwrap();
        let names: Vec<&str> = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"deployments/scale"));
        assert!(resource_list("nope", "v1").is_none());
    }
}
