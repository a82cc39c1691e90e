//! Serving the OpenAPI v3 documents: the root index and one document per group version.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use enclave_api::registry;
use serde_json::{Value, json};

/// Per group version: the document and its content hash.
type Documents = BTreeMap<String, (Arc<Value>, String)>;

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
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

/// The paths of one group version: enough for kubectl to see that the server validates fields
/// (`fieldValidation` on the PATCH of each kind).
fn build(group: &str, version: &str) -> Value {
    let mut paths = serde_json::Map::new();
    for r in registry::resources_of(group, version) {
        let gvk = json!({"group": r.group, "version": r.version, "kind": r.kind});
        let base = format!("/{}", gv_path(group, version));
        let object = if r.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{base}/{}/{{name}}", r.plural)
        };
        let param = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string"}});
        if r.supports("patch") {
            paths.insert(
                object,
                json!({"patch": {
                    "x-kubernetes-group-version-kind": gvk,
                    "x-kubernetes-action": "patch",
                    "parameters": [param("dryRun"), param("fieldManager"), param("fieldValidation"), param("force")],
                    "responses": {"200": {"description": "OK"}},
                }}),
            );
        }
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.4"},
        "paths": paths,
        "components": {"schemas": {}},
    })
}

/// `GET /openapi/v3`.
pub fn root() -> Value {
    let paths: serde_json::Map<String, Value> = documents()
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

/// `GET /openapi/v3/<prefix>/<group>/<version>`.
pub fn document(group: &str, version: &str) -> Option<Arc<Value>> {
    documents()
        .get(&gv_path(group, version))
        .map(|(doc, _)| doc.clone())
}
