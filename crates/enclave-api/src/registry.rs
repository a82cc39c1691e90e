//! The table of every resource the API server serves: group, version, kind, scope, names, verbs.
//!
//! Discovery, routing, storage keys, OpenAPI and RBAC all read this one table, so a resource
//! is added to Enclave by adding one entry here.

/// A subresource of a resource (`pods/log`, `deployments/scale`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subresource {
    /// The path segment after the object's name, e.g. `status`.
    pub name: &'static str,
    /// Group of the kind this subresource returns (`autoscaling` for `scale`).
    pub group: &'static str,
    /// Version of the kind this subresource returns.
    pub version: &'static str,
    /// Kind this subresource returns (`Scale` for `scale`, the parent kind for `status`).
    pub kind: &'static str,
    /// Verbs the subresource supports.
    pub verbs: &'static [&'static str],
}

/// What the API server knows about one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceInfo {
    /// API group, `""` for the legacy core group.
    pub group: &'static str,
    /// API version within the group.
    pub version: &'static str,
    /// Kind of the objects, e.g. `Deployment`.
    pub kind: &'static str,
    /// Plural resource name used in URLs, e.g. `deployments`.
    pub plural: &'static str,
    /// Singular resource name, lower case.
    pub singular: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Short names kubectl accepts (`deploy`).
    pub short_names: &'static [&'static str],
    /// Categories (`all`).
    pub categories: &'static [&'static str],
    /// Verbs on the collection and objects.
    pub verbs: &'static [&'static str],
    /// Subresources.
    pub subresources: &'static [Subresource],
    /// Where objects of this resource are stored, when another resource owns the storage
    /// (events.k8s.io/v1 events are core/v1 events in another shape).
    pub storage_of: Option<(&'static str, &'static str)>,
}

/// Verbs of an ordinary stored resource.
pub const CRUD_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
/// Verbs of a resource that only accepts creation (reviews).
pub const CREATE_ONLY: &[&str] = &["create"];
const STATUS_VERBS: &[&str] = &["get", "patch", "update"];

const fn status(group: &'static str, version: &'static str, kind: &'static str) -> Subresource {
    Subresource {
        name: "status",
        group,
        version,
        kind,
        verbs: STATUS_VERBS,
    }
}

const SCALE: Subresource = Subresource {
    name: "scale",
    group: "autoscaling",
    version: "v1",
    kind: "Scale",
    verbs: STATUS_VERBS,
};

const fn stored(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    singular: &'static str,
    namespaced: bool,
) -> ResourceInfo {
    ResourceInfo {
        group,
        version,
        kind,
        plural,
        singular,
        namespaced,
        short_names: &[],
        categories: &[],
        verbs: CRUD_VERBS,
        subresources: &[],
        storage_of: None,
    }
}

const fn short(mut info: ResourceInfo, names: &'static [&'static str]) -> ResourceInfo {
    info.short_names = names;
    info
}

const fn cats(mut info: ResourceInfo, categories: &'static [&'static str]) -> ResourceInfo {
    info.categories = categories;
    info
}

const fn subs(mut info: ResourceInfo, subresources: &'static [Subresource]) -> ResourceInfo {
    info.subresources = subresources;
    info
}

const fn verbs(mut info: ResourceInfo, verbs: &'static [&'static str]) -> ResourceInfo {
    info.verbs = verbs;
    info
}

const ALL: &[&str] = &["all"];

/// Every resource served, in discovery order.
pub static RESOURCES: &[ResourceInfo] = &[
    // core/v1
    short(
        subs(
            stored("", "v1", "Namespace", "namespaces", "namespace", false),
            &[status("", "v1", "Namespace"), FINALIZE_NS],
        ),
        &["ns"],
    ),
    short(
        subs(
            stored("", "v1", "Node", "nodes", "node", false),
            &[status("", "v1", "Node")],
        ),
        &["no"],
    ),
    cats(
        short(
            subs(
                stored("", "v1", "Pod", "pods", "pod", true),
                &[
                    status("", "v1", "Pod"),
                    POD_LOG,
                    POD_EXEC,
                    POD_BINDING,
                    POD_EVICTION,
                ],
            ),
            &["po"],
        ),
        ALL,
    ),
    cats(
        short(
            subs(
                stored("", "v1", "Service", "services", "service", true),
                &[status("", "v1", "Service")],
            ),
            &["svc"],
        ),
        ALL,
    ),
    short(
        stored("", "v1", "Endpoints", "endpoints", "endpoints", true),
        &["ep"],
    ),
    short(stored("", "v1", "Event", "events", "event", true), &["ev"]),
    short(
        stored("", "v1", "ConfigMap", "configmaps", "configmap", true),
        &["cm"],
    ),
    stored("", "v1", "Secret", "secrets", "secret", true),
    short(
        subs(
            stored(
                "",
                "v1",
                "ServiceAccount",
                "serviceaccounts",
                "serviceaccount",
                true,
            ),
            &[SA_TOKEN],
        ),
        &["sa"],
    ),
    // apps/v1
    cats(
        short(
            subs(
                stored(
                    "apps",
                    "v1",
                    "Deployment",
                    "deployments",
                    "deployment",
                    true,
                ),
                &[status("apps", "v1", "Deployment"), SCALE],
            ),
            &["deploy"],
        ),
        ALL,
    ),
    cats(
        short(
            subs(
                stored(
                    "apps",
                    "v1",
                    "ReplicaSet",
                    "replicasets",
                    "replicaset",
                    true,
                ),
                &[status("apps", "v1", "ReplicaSet"), SCALE],
            ),
            &["rs"],
        ),
        ALL,
    ),
    // networking.k8s.io/v1
    short(
        subs(
            stored(
                "networking.k8s.io",
                "v1",
                "Ingress",
                "ingresses",
                "ingress",
                true,
            ),
            &[status("networking.k8s.io", "v1", "Ingress")],
        ),
        &["ing"],
    ),
    stored(
        "networking.k8s.io",
        "v1",
        "IngressClass",
        "ingressclasses",
        "ingressclass",
        false,
    ),
    short(
        stored(
            "networking.k8s.io",
            "v1",
            "NetworkPolicy",
            "networkpolicies",
            "networkpolicy",
            true,
        ),
        &["netpol"],
    ),
    // discovery.k8s.io/v1
    stored(
        "discovery.k8s.io",
        "v1",
        "EndpointSlice",
        "endpointslices",
        "endpointslice",
        true,
    ),
    // events.k8s.io/v1: the same objects as core/v1 events, in another shape.
    ResourceInfo {
        storage_of: Some(("", "events")),
        ..short(
            stored("events.k8s.io", "v1", "Event", "events", "event", true),
            &["ev"],
        )
    },
    // rbac.authorization.k8s.io/v1
    stored(
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        "role",
        true,
    ),
    stored(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        "rolebinding",
        true,
    ),
    stored(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        "clusterrole",
        false,
    ),
    stored(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        "clusterrolebinding",
        false,
    ),
    // coordination.k8s.io/v1
    stored(
        "coordination.k8s.io",
        "v1",
        "Lease",
        "leases",
        "lease",
        true,
    ),
    // authorization.k8s.io/v1: reviews are computed, never stored.
    verbs(
        stored(
            "authorization.k8s.io",
            "v1",
            "SelfSubjectAccessReview",
            "selfsubjectaccessreviews",
            "selfsubjectaccessreview",
            false,
        ),
        CREATE_ONLY,
    ),
    verbs(
        stored(
            "authorization.k8s.io",
            "v1",
            "SelfSubjectRulesReview",
            "selfsubjectrulesreviews",
            "selfsubjectrulesreview",
            false,
        ),
        CREATE_ONLY,
    ),
    verbs(
        stored(
            "authorization.k8s.io",
            "v1",
            "SubjectAccessReview",
            "subjectaccessreviews",
            "subjectaccessreview",
            false,
        ),
        CREATE_ONLY,
    ),
    verbs(
        stored(
            "authorization.k8s.io",
            "v1",
            "LocalSubjectAccessReview",
            "localsubjectaccessreviews",
            "localsubjectaccessreview",
            true,
        ),
        CREATE_ONLY,
    ),
    // authentication.k8s.io/v1
    verbs(
        stored(
            "authentication.k8s.io",
            "v1",
            "SelfSubjectReview",
            "selfsubjectreviews",
            "selfsubjectreview",
            false,
        ),
        CREATE_ONLY,
    ),
    verbs(
        stored(
            "authentication.k8s.io",
            "v1",
            "TokenReview",
            "tokenreviews",
            "tokenreview",
            false,
        ),
        CREATE_ONLY,
    ),
];

const FINALIZE_NS: Subresource = Subresource {
    name: "finalize",
    group: "",
    version: "v1",
    kind: "Namespace",
    verbs: &["update"],
};
const POD_LOG: Subresource = Subresource {
    name: "log",
    group: "",
    version: "v1",
    kind: "Pod",
    verbs: &["get"],
};
const POD_EXEC: Subresource = Subresource {
    name: "exec",
    group: "",
    version: "v1",
    kind: "PodExecOptions",
    verbs: &["create", "get"],
};
const POD_BINDING: Subresource = Subresource {
    name: "binding",
    group: "",
    version: "v1",
    kind: "Binding",
    verbs: &["create"],
};
const POD_EVICTION: Subresource = Subresource {
    name: "eviction",
    group: "policy",
    version: "v1",
    kind: "Eviction",
    verbs: &["create"],
};
const SA_TOKEN: Subresource = Subresource {
    name: "token",
    group: "authentication.k8s.io",
    version: "v1",
    kind: "TokenRequest",
    verbs: &["create"],
};

impl ResourceInfo {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The group-qualified resource as kube-apiserver writes it in messages:
    /// `deployments.apps`, or `pods` for the core group.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// The group-qualified kind used in Invalid messages: `Deployment.apps`, or `Pod`.
    pub fn group_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.to_string()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    /// Whether the resource is kept in the store (reviews are not).
    pub fn is_stored(&self) -> bool {
        self.verbs.contains(&"get")
    }

    /// Whether this resource supports a verb.
    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.contains(&verb)
    }

    /// A subresource by its path segment.
    pub fn subresource(&self, name: &str) -> Option<&'static Subresource> {
        self.subresources.iter().find(|s| s.name == name)
    }

    /// The resource whose storage holds this resource's objects.
    pub fn storage_resource(&self) -> (&'static str, &'static str) {
        self.storage_of.unwrap_or((self.group, self.plural))
    }

    /// The store key prefix of all objects of this resource, ending in `/`.
    pub fn key_prefix(&self) -> String {
        let (group, plural) = self.storage_resource();
        let group = if group.is_empty() { "core" } else { group };
        format!("/registry/{group}/{plural}/")
    }

    /// The store key prefix of the objects in one namespace, ending in `/`.
    pub fn namespace_prefix(&self, namespace: &str) -> String {
        format!("{}{namespace}/", self.key_prefix())
    }

    /// The store key of one object.
    pub fn key(&self, namespace: Option<&str>, name: &str) -> String {
        match namespace {
            Some(ns) if self.namespaced => format!("{}{ns}/{name}", self.key_prefix()),
            _ => format!("{}{name}", self.key_prefix()),
        }
    }
}

/// Looks up a resource by group, version and plural name.
pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static ResourceInfo> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// Looks up a resource by group, version and kind.
pub fn find_kind(group: &str, version: &str, kind: &str) -> Option<&'static ResourceInfo> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.kind == kind)
}

/// Splits an `apiVersion` into group and version (`v1` is the core group).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    }
}

/// The API groups served, each with its versions, in discovery order (core first).
pub fn groups() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for r in RESOURCES {
        match out.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, versions)) => {
                if !versions.contains(&r.version) {
                    versions.push(r.version);
                }
            }
            None => out.push((r.group, vec![r.version])),
        }
    }
    out
}

/// The resources of one group version, in discovery order.
pub fn resources_of(group: &str, version: &str) -> impl Iterator<Item = &'static ResourceInfo> {
    let (group, version) = (group.to_string(), version.to_string());
    RESOURCES
        .iter()
        .filter(move |r| r.group == group && r.version == version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_per_group_version() {
        for (i, a) in RESOURCES.iter().enumerate() {
            for b in &RESOURCES[i + 1..] {
                assert!(
                    !(a.group == b.group && a.version == b.version && a.plural == b.plural),
                    "duplicate {}",
                    a.plural
                );
            }
        }
    }

    #[test]
    fn keys_follow_the_registry_layout() {
        let deploy = find("apps", "v1", "deployments").unwrap();
        assert_eq!(
            deploy.key(Some("ns-a"), "web"),
            "/registry/apps/deployments/ns-a/web"
        );
        let ns = find("", "v1", "namespaces").unwrap();
        assert_eq!(ns.key(None, "default"), "/registry/core/namespaces/default");
        let ev = find("events.k8s.io", "v1", "events").unwrap();
        assert_eq!(ev.key_prefix(), "/registry/core/events/");
        assert_eq!(deploy.group_resource(), "deployments.apps");
        assert_eq!(deploy.group_kind(), "Deployment.apps");
    }

    #[test]
    fn groups_start_with_core() {
        let groups = groups();
        assert_eq!(groups[0], ("", vec!["v1"]));
        assert!(groups.iter().any(|(g, _)| *g == "apps"));
    }
}
