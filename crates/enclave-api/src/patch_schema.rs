//! The strategic-merge metadata of the built-in kinds (merge strategies and keys), read from
//! the checked-in table `data/k8s-patch-metadata.tsv`, as an `enclave_patch::Schema`.
//!
//! Type names are `<group>/<version>/<GoType>` as the table names them (`core/v1/PodSpec`,
//! `meta/v1/ObjectMeta`). The table gives the item type of every list and map; the few struct
//! fields that lead from a kind to its lists (`metadata`, `spec`, `status`, pod templates)
//! are the edges below.

use std::collections::HashMap;
use std::sync::OnceLock;

use enclave_patch::{FieldSchema, Schema};

use crate::ResourceInfo;

const TABLE: &str = include_str!("../data/k8s-patch-metadata.tsv");

/// The merge metadata of every built-in type in the table.
#[derive(Debug, Default)]
pub struct PatchSchema {
    fields: HashMap<(String, String), FieldSchema>,
}

/// The schema, parsed once.
pub fn patch_schema() -> &'static PatchSchema {
    static SCHEMA: OnceLock<PatchSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| PatchSchema::parse(TABLE))
}

/// The table's name for an API group: the first label of the group (`networking.k8s.io` is
/// `networking`), `core` for the legacy group.
fn table_group(group: &str) -> &str {
    if group.is_empty() {
        "core"
    } else {
        group.split('.').next().unwrap_or(group)
    }
}

/// The schema type of a resource's objects, e.g. `apps/v1/Deployment`.
pub fn root_type(resource: &ResourceInfo) -> String {
    format!(
        "{}/{}/{}",
        table_group(resource.group),
        resource.version,
        resource.kind
    )
}

/// The type a Go field type names, qualified by the group version it lives in.
fn qualify(group_version: &str, go_type: &str) -> String {
    let bare = go_type
        .trim_start_matches("[]")
        .trim_start_matches('*')
        .trim_start_matches("map[string]")
        .trim_start_matches("[]")
        .trim_start_matches('*');
    match bare.split_once('.') {
        Some(("metav1", t)) => format!("meta/v1/{t}"),
        Some(("v1" | "corev1", t)) => format!("core/v1/{t}"),
        Some((pkg, t)) => format!("{pkg}/{t}"),
        None => format!("{group_version}/{bare}"),
    }
}

impl PatchSchema {
    fn parse(table: &str) -> Self {
        let mut fields = HashMap::new();
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 6 || cols[0] == "group_version" {
                continue;
            }
            let (gv, go_type, field, field_type, strategy, key) =
                (cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]);
            let col = |i: usize| cols.get(i).copied().unwrap_or("");
            let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
            let is_map = field_type.starts_with("map[");
            fields.insert(
                (format!("{gv}/{go_type}"), field.to_string()),
                FieldSchema {
                    type_name: Some(qualify(gv, field_type)),
                    is_list: field_type.starts_with("[]") && field_type != "[]byte",
                    is_map,
                    patch_strategy: nonempty(strategy),
                    patch_merge_key: nonempty(key),
                    list_type: nonempty(col(6)),
                    list_map_keys: col(7)
                        .split(',')
                        .filter(|k| !k.is_empty())
                        .map(str::to_string)
                        .collect(),
                    // A struct marked atomic is replaced whole, like an atomic map.
                    map_type: nonempty(col(8)).or_else(|| nonempty(col(9))),
                },
            );
        }
        Self { fields }
    }

    /// The struct fields that lead to the table's types.
    fn edge(type_name: &str, field: &str) -> Option<String> {
        let (gv, go_type) = type_name.rsplit_once('/')?;
        let to = match (go_type, field) {
            (_, "metadata") => "meta/v1/ObjectMeta".to_string(),
            (
                "DeploymentSpec"
                | "ReplicaSetSpec"
                | "StatefulSetSpec"
                | "DaemonSetSpec"
                | "JobSpec"
                | "ReplicationControllerSpec",
                "template",
            ) => "core/v1/PodTemplateSpec".to_string(),
            ("PodTemplateSpec", "spec") => "core/v1/PodSpec".to_string(),
            ("PodTemplate", "template") => "core/v1/PodTemplateSpec".to_string(),
            ("CronJobSpec", "jobTemplate") => format!("{gv}/JobTemplateSpec"),
            ("JobTemplateSpec", "spec") => format!("{gv}/JobSpec"),
            (kind, "spec") if !kind.ends_with("Spec") => format!("{gv}/{kind}Spec"),
            (kind, "status") if !kind.ends_with("Status") => format!("{gv}/{kind}Status"),
            _ => return None,
        };
        Some(to)
    }
}

impl Schema for PatchSchema {
    fn field(&self, type_name: &str, field: &str) -> Option<FieldSchema> {
        if let Some(f) = self.fields.get(&(type_name.to_string(), field.to_string())) {
            return Some(f.clone());
        }
        Self::edge(type_name, field).map(|to| FieldSchema {
            type_name: Some(to),
            ..FieldSchema::default()
        })
    }

    /// Defaults of list-map key fields, so that an applied item without them matches the
    /// stored, defaulted item.
    fn field_default(&self, type_name: &str, field: &str) -> Option<serde_json::Value> {
        match (type_name, field) {
            (
                "core/v1/ContainerPort" | "core/v1/ServicePort" | "core/v1/EndpointPort",
                "protocol",
            ) => Some(serde_json::Value::String("TCP".into())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;
    use serde_json::json;

    fn deploy_type() -> String {
        root_type(registry::find("apps", "v1", "deployments").unwrap())
    }

    #[test]
    fn navigates_from_a_deployment_to_container_ports() {
        let s = patch_schema();
        let spec = s.field(&deploy_type(), "spec").unwrap().type_name.unwrap();
        let template = s.field(&spec, "template").unwrap().type_name.unwrap();
        let pod = s.field(&template, "spec").unwrap().type_name.unwrap();
        let containers = s.field(&pod, "containers").unwrap();
        assert_eq!(containers.patch_merge_key.as_deref(), Some("name"));
        let container = containers.type_name.unwrap();
        assert_eq!(container, "core/v1/Container");
        let ports = s.field(&container, "ports").unwrap();
        assert_eq!(ports.patch_merge_key.as_deref(), Some("containerPort"));
        let tolerations = s.field(&pod, "tolerations").unwrap();
        assert_eq!(tolerations.patch_merge_key, None);
        let service = root_type(registry::find("", "v1", "services").unwrap());
        let sspec = s.field(&service, "spec").unwrap().type_name.unwrap();
        assert_eq!(
            s.field(&sspec, "ports").unwrap().patch_merge_key.as_deref(),
            Some("port")
        );
    }

    #[test]
    fn kubectl_reapply_merges_the_containers_of_a_deployment() {
        let live = json!({"spec":{"template":{"spec":{"containers":[
            {"name":"web","image":"a","ports":[{"containerPort":80,"protocol":"TCP"}]}]}}}});
        let patch = json!({"spec":{"template":{"spec":{
            "$setElementOrder/containers":[{"name":"web"}],
            "containers":[{"name":"web","image":"b"}]}}}});
        let out =
            enclave_patch::strategic_merge_patch(&live, &patch, patch_schema(), &deploy_type())
                .unwrap();
        let c = &out["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["image"], "b");
        assert_eq!(c["ports"][0]["containerPort"], 80);
    }
}
