//! OpenAPI v3 documents of the served group versions (for kubectl validation and explain).
//!
//! Schemas come from k8s-openapi's generated `JsonSchema` impls (descriptions included), keyed
//! by Kubernetes definition names; the group-version-kind extension marks each kind, and the
//! merge metadata of `data/k8s-patch-metadata.tsv` becomes the `x-kubernetes-patch-*` and
//! `x-kubernetes-list-*` extensions. Documents are built once and are deterministic.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use k8s_openapi::api::{
    apps, authentication, authorization, coordination, core, discovery, events, networking, rbac,
};
use k8s_openapi::schemars::generate::SchemaSettings;
use k8s_openapi::schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::registry::{self, ResourceInfo};

const TABLE: &str = include_str!("../data/k8s-patch-metadata.tsv");

/// Per group version path (`api/v1`, `apis/apps/v1`): the document and its content hash.
type Documents = BTreeMap<String, (Arc<Value>, String)>;

/// The path segment of a group version in `/openapi/v3/...`.
pub fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// Registers the schema of a served kind and returns its definition name.
fn kind_schema(generator: &mut SchemaGenerator, r: &ResourceInfo) -> Option<String> {
    fn add<T: JsonSchema>(g: &mut SchemaGenerator) -> Option<String> {
        g.subschema_for::<T>();
        Some(T::schema_name().into_owned())
    }
    let g = generator;
    match (r.group, r.kind) {
        ("", "Namespace") => add::<core::v1::Namespace>(g),
        ("", "Node") => add::<core::v1::Node>(g),
        ("", "Pod") => add::<core::v1::Pod>(g),
        ("", "Service") => add::<core::v1::Service>(g),
        ("", "Endpoints") => add::<core::v1::Endpoints>(g),
        ("", "Event") => add::<core::v1::Event>(g),
        ("", "ConfigMap") => add::<core::v1::ConfigMap>(g),
        ("", "Secret") => add::<core::v1::Secret>(g),
        ("", "ServiceAccount") => add::<core::v1::ServiceAccount>(g),
        ("apps", "Deployment") => add::<apps::v1::Deployment>(g),
        ("apps", "ReplicaSet") => add::<apps::v1::ReplicaSet>(g),
        ("networking.k8s.io", "Ingress") => add::<networking::v1::Ingress>(g),
        ("networking.k8s.io", "IngressClass") => add::<networking::v1::IngressClass>(g),
        ("networking.k8s.io", "NetworkPolicy") => add::<networking::v1::NetworkPolicy>(g),
        ("discovery.k8s.io", "EndpointSlice") => add::<discovery::v1::EndpointSlice>(g),
        ("events.k8s.io", "Event") => add::<events::v1::Event>(g),
        ("rbac.authorization.k8s.io", "Role") => add::<rbac::v1::Role>(g),
        ("rbac.authorization.k8s.io", "RoleBinding") => add::<rbac::v1::RoleBinding>(g),
        ("rbac.authorization.k8s.io", "ClusterRole") => add::<rbac::v1::ClusterRole>(g),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => {
            add::<rbac::v1::ClusterRoleBinding>(g)
        }
        ("coordination.k8s.io", "Lease") => add::<coordination::v1::Lease>(g),
        ("authorization.k8s.io", "SelfSubjectAccessReview") => {
            add::<authorization::v1::SelfSubjectAccessReview>(g)
        }
        ("authorization.k8s.io", "SelfSubjectRulesReview") => {
            add::<authorization::v1::SelfSubjectRulesReview>(g)
        }
        ("authorization.k8s.io", "SubjectAccessReview") => {
            add::<authorization::v1::SubjectAccessReview>(g)
        }
        ("authorization.k8s.io", "LocalSubjectAccessReview") => {
            add::<authorization::v1::LocalSubjectAccessReview>(g)
        }
        ("authentication.k8s.io", "SelfSubjectReview") => {
            add::<authentication::v1::SelfSubjectReview>(g)
        }
        ("authentication.k8s.io", "TokenReview") => add::<authentication::v1::TokenReview>(g),
        _ => None,
    }
}

/// The definition name of a type the patch table names (`core/v1`, `PodSpec`).
fn definition_name(group_version: &str, go_type: &str) -> String {
    match group_version {
        "meta/v1" => format!("io.k8s.apimachinery.pkg.apis.meta.v1.{go_type}"),
        gv => format!("io.k8s.api.{}.{go_type}", gv.replace('/', ".")),
    }
}

/// Adds the patch-table extensions to the definitions' properties.
fn add_patch_extensions(defs: &mut Map<String, Value>) {
    for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 9 || cols[0] == "group_version" {
            continue;
        }
        let name = definition_name(cols[0], cols[1]);
        let Some(prop) = defs
            .get_mut(&name)
            .and_then(|d| d.get_mut("properties"))
            .and_then(|p| p.get_mut(cols[2]))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let mut set = |key: &str, value: Value| {
            prop.insert(key.into(), value);
        };
        if !cols[4].is_empty() {
            set("x-kubernetes-patch-strategy", json!(cols[4]));
        }
        if !cols[5].is_empty() {
            set("x-kubernetes-patch-merge-key", json!(cols[5]));
        }
        if !cols[6].is_empty() {
            set("x-kubernetes-list-type", json!(cols[6]));
        }
        if !cols[7].is_empty() {
            set(
                "x-kubernetes-list-map-keys",
                json!(cols[7].split(',').collect::<Vec<_>>()),
            );
        }
        if !cols[8].is_empty() {
            set("x-kubernetes-map-type", json!(cols[8]));
        }
    }
}

fn query(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "description": description, "schema": {"type": "string"}, "uniqueItems": true})
}

fn operation(
    action: &str,
    gvk: &Value,
    schema_ref: &Value,
    params: Vec<Value>,
    body: bool,
) -> Value {
    let mut op = json!({
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk,
        "parameters": params,
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": schema_ref}}}},
    });
    if body {
        let content_types: &[&str] = if action == "patch" {
            &[
                "application/apply-patch+yaml",
                "application/json-patch+json",
                "application/merge-patch+json",
                "application/strategic-merge-patch+json",
            ]
        } else {
            &["*/*"]
        };
        let content: Map<String, Value> = content_types
            .iter()
            .map(|c| (c.to_string(), json!({"schema": schema_ref})))
            .collect();
        op["requestBody"] = json!({"content": content, "required": true});
    }
    op
}

fn paths_of(r: &ResourceInfo, schema_name: &str, paths: &mut Map<String, Value>) {
    let gvk = json!({"group": r.group, "version": r.version, "kind": r.kind});
    let schema_ref = json!({"$ref": format!("#/components/schemas/{schema_name}")});
    let base = format!("/{}", gv_path(r.group, r.version));
    let (collection, object) = if r.namespaced {
        (
            format!("{base}/namespaces/{{namespace}}/{}", r.plural),
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", r.plural),
        )
    } else {
        (
            format!("{base}/{}", r.plural),
            format!("{base}/{}/{{name}}", r.plural),
        )
    };
    let write = || {
        vec![
            query(
                "dryRun",
                "When present, indicates that modifications should not be persisted.",
            ),
            query(
                "fieldManager",
                "fieldManager is a name associated with the actor or entity that is making these changes.",
            ),
            query(
                "fieldValidation",
                "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.",
            ),
        ]
    };
    let list = || {
        [
            "allowWatchBookmarks",
            "continue",
            "fieldSelector",
            "labelSelector",
            "limit",
            "resourceVersion",
            "resourceVersionMatch",
            "sendInitialEvents",
            "timeoutSeconds",
            "watch",
        ]
        .iter()
        .map(|p| query(p, ""))
        .collect::<Vec<_>>()
    };
    let mut coll = Map::new();
    if r.supports("list") {
        coll.insert(
            "get".into(),
            operation("list", &gvk, &schema_ref, list(), false),
        );
    }
    if r.supports("create") {
        coll.insert(
            "post".into(),
            operation("post", &gvk, &schema_ref, write(), true),
        );
    }
    if r.supports("deletecollection") {
        coll.insert(
            "delete".into(),
            operation("deletecollection", &gvk, &schema_ref, list(), false),
        );
    }
    if !coll.is_empty() {
        paths.insert(collection, Value::Object(coll));
    }
    let mut obj = Map::new();
    if r.supports("get") {
        obj.insert(
            "get".into(),
            operation("get", &gvk, &schema_ref, Vec::new(), false),
        );
    }
    if r.supports("update") {
        obj.insert(
            "put".into(),
            operation("put", &gvk, &schema_ref, write(), true),
        );
    }
    if r.supports("patch") {
        let mut params = write();
        params.push(query(
            "force",
            "Force is going to \"force\" Apply requests.",
        ));
        obj.insert(
            "patch".into(),
            operation("patch", &gvk, &schema_ref, params, true),
        );
    }
    if r.supports("delete") {
        obj.insert(
            "delete".into(),
            operation("delete", &gvk, &schema_ref, write(), false),
        );
    }
    if !obj.is_empty() {
        paths.insert(object.clone(), Value::Object(obj));
    }
    for s in r
        .subresources
        .iter()
        .filter(|s| s.name == "status" || s.name == "scale")
    {
        let sub_gvk = json!({"group": s.group, "version": s.version, "kind": s.kind});
        let mut sub = Map::new();
        sub.insert(
            "get".into(),
            operation("get", &sub_gvk, &schema_ref, Vec::new(), false),
        );
        sub.insert(
            "put".into(),
            operation("put", &sub_gvk, &schema_ref, write(), true),
        );
        let mut params = write();
        params.push(query("force", ""));
        sub.insert(
            "patch".into(),
            operation("patch", &sub_gvk, &schema_ref, params, true),
        );
        paths.insert(format!("{object}/{}", s.name), Value::Object(sub));
    }
}

fn build(group: &str, version: &str) -> Value {
    let mut generator = SchemaSettings::openapi3().into_generator();
    let mut kinds = Vec::new();
    let mut paths = Map::new();
    for r in registry::resources_of(group, version) {
        if let Some(name) = kind_schema(&mut generator, r) {
            paths_of(r, &name, &mut paths);
            kinds.push((name, r));
        }
    }
    let mut defs: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    for (name, r) in &kinds {
        if let Some(d) = defs.get_mut(name).and_then(Value::as_object_mut) {
            d.insert(
                "x-kubernetes-group-version-kind".into(),
                json!([{"group": r.group, "kind": r.kind, "version": r.version}]),
            );
        }
    }
    add_patch_extensions(&mut defs);
    let sorted: BTreeMap<String, Value> = defs.into_iter().collect();
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.4"},
        "paths": paths,
        "components": {"schemas": sorted},
    })
}

fn documents() -> &'static Documents {
    static DOCS: OnceLock<Documents> = OnceLock::new();
    DOCS.get_or_init(|| {
        let mut docs = Documents::new();
        for (group, versions) in registry::groups() {
            for version in versions {
                let doc = build(group, version);
                let hash = fnv_hex(doc.to_string().as_bytes());
                docs.insert(gv_path(group, version), (Arc::new(doc), hash));
            }
        }
        docs
    })
}

/// A stable content hash (FNV-1a, 64 bits) for the `?hash=` of the index.
fn fnv_hex(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016X}")
}

/// The root `/openapi/v3` document: one entry per group version with its hash.
pub fn discovery_paths() -> Value {
    let paths: Map<String, Value> = documents()
        .iter()
        .map(|(path, (_, hash))| {
            (
                path.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={hash}")}),
            )
        })
        .collect();
    json!({ "paths": paths })
}

/// The document of one group version, if served.
pub fn group_version_document(group: &str, version: &str) -> Option<Arc<Value>> {
    documents()
        .get(&gv_path(group, version))
        .map(|(doc, _)| doc.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|c| refs(c, out));
            }
            Value::Array(a) => a.iter().for_each(|c| refs(c, out)),
            _ => {}
        }
    }

    #[test]
    fn every_served_kind_has_a_schema_with_its_gvk_and_every_ref_resolves() {
        for (group, versions) in registry::groups() {
            for version in versions {
                let doc = group_version_document(group, version).unwrap();
                let schemas = &doc["components"]["schemas"];
                for r in registry::resources_of(group, version) {
                    let found = schemas.as_object().unwrap().values().any(|s| {
                        s["x-kubernetes-group-version-kind"][0]
                            == json!({"group": r.group, "kind": r.kind, "version": r.version})
                    });
                    assert!(found, "{group}/{version} {}", r.kind);
                }
                let mut all = Vec::new();
                refs(&doc, &mut all);
                for r in all {
                    let name = r.trim_start_matches("#/components/schemas/");
                    assert!(schemas.get(name).is_some(), "{r} does not resolve");
                }
            }
        }
    }

    #[test]
    fn merge_metadata_and_field_validation_are_declared() {
        let apps = group_version_document("apps", "v1").unwrap();
        let patch =
            &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert!(
            patch["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "fieldValidation")
        );
        let core = group_version_document("", "v1").unwrap();
        let pod_spec = &core["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"]["properties"];
        assert_eq!(
            pod_spec["containers"]["x-kubernetes-patch-merge-key"],
            "name"
        );
        assert_eq!(
            pod_spec["containers"]["x-kubernetes-patch-strategy"],
            "merge"
        );
        assert!(
            pod_spec["tolerations"]
                .get("x-kubernetes-patch-merge-key")
                .is_none()
        );
        let ports =
            &core["components"]["schemas"]["io.k8s.api.core.v1.Container"]["properties"]["ports"];
        assert_eq!(
            ports["x-kubernetes-list-map-keys"],
            json!(["containerPort", "protocol"])
        );
    }

    #[test]
    fn documents_are_deterministic() {
        assert_eq!(build("apps", "v1"), build("apps", "v1"));
    }
}
