//! Golden tests of Tables: real objects from `testdata/*.yaml`, their rows rendered as kubectl
//! prints them and as raw cells, checked against `testdata/*.expected` (rewrite them with
//! `UPDATE_EXPECT=1`); plus the seed story's `kubectl get` outputs verbatim.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde_json::{Value, json};

use super::*;
use crate::registry::split_api_version;

/// The fixed "now" of every golden file.
fn now() -> Timestamp {
    "2023-03-20T18:00:00Z".parse().unwrap()
}

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/table/testdata")
}

fn load(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_multiple::<Value>(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn group_kind(obj: &Value) -> (String, String) {
    let api_version = obj["apiVersion"].as_str().unwrap_or_default();
    let (group, _) = split_api_version(api_version);
    (
        group.to_string(),
        obj["kind"].as_str().unwrap_or_default().to_string(),
    )
}

fn cell_text(cell: &Value) -> String {
    match cell {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// kubectl's human-readable printer: upper-case headers, columns padded by three spaces
/// (minimum width six, as its tabwriter), the last column unpadded; `prefix` is the
/// `kind.group/` kubectl puts before names when several types are listed.
fn kubectl_text(group: &str, kind: &str, objects: &[&Value], wide: bool, prefix: &str) -> String {
    let cols = columns(group, kind);
    let shown: Vec<usize> = (0..cols.len())
        .filter(|i| wide || cols[*i].priority == 0)
        .collect();
    let mut lines: Vec<Vec<String>> =
        vec![shown.iter().map(|i| cols[*i].name.to_uppercase()).collect()];
    for obj in objects {
        let cells = row_cells(group, kind, obj, now());
        lines.push(
            shown
                .iter()
                .map(|i| {
                    let text = cells.get(*i).map(cell_text).unwrap_or_default();
                    if cols[*i].format == "name" && !prefix.is_empty() {
                        format!("{prefix}{text}")
                    } else {
                        text
                    }
                })
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..shown.len())
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count() + 3)
                .max()
                .unwrap_or(0)
                .max(6)
        })
        .collect();
    let mut out = String::new();
    for line in &lines {
        let mut text = String::new();
        for (c, cell) in line.iter().enumerate() {
            if c + 1 == line.len() {
                text.push_str(cell);
            } else {
                let pad = widths[c] - cell.chars().count();
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

fn golden_text(objects: &[Value]) -> String {
    let mut kinds: Vec<(String, String)> = Vec::new();
    for obj in objects {
        let gk = group_kind(obj);
        if !kinds.contains(&gk) {
            kinds.push(gk);
        }
    }
    let mut out = String::new();
    for (group, kind) in &kinds {
        let of_kind: Vec<&Value> = objects
            .iter()
            .filter(|o| group_kind(o) == (group.clone(), kind.clone()))
            .collect();
        let gv = if group.is_empty() { "core" } else { group };
        let _ = writeln!(out, "=== {gv} {kind}");
        let _ = writeln!(out, "--- kubectl get");
        out.push_str(&kubectl_text(group, kind, &of_kind, false, ""));
        let _ = writeln!(out, "--- kubectl get -o wide");
        out.push_str(&kubectl_text(group, kind, &of_kind, true, ""));
        let _ = writeln!(out, "--- cells");
        for obj in &of_kind {
            let row = table_row(group, kind, obj, IncludeObject::None, now());
            let _ = writeln!(out, "{}", row["cells"]);
            if let Some(conditions) = row.get("conditions") {
                let _ = writeln!(out, "  conditions: {conditions}");
            }
        }
    }
    out
}

#[test]
fn golden_tables_of_testdata_objects() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(testdata())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 10, "testdata is missing");
    let mut mismatches = Vec::new();
    for input in inputs {
        let actual = golden_text(&load(&input));
        let expected_path = input.with_extension("expected");
        if update {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            mismatches.push(format!(
                "{}:\n--- expected\n{expected}\n--- actual\n{actual}",
                expected_path.display()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "golden files differ (UPDATE_EXPECT=1 rewrites them):\n{}",
        mismatches.join("\n")
    );
}

fn objects_of(file: &str) -> Vec<Value> {
    load(&testdata().join(file))
}

fn named<'a>(objects: &'a [Value], name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no object {name}"))
}

#[test]
fn seed_get_svc_envoy_is_verbatim() {
    let services = objects_of("services.yaml");
    let text = kubectl_text("", "Service", &[named(&services, "envoy")], false, "");
    assert_eq!(
        text,
        "NAME    TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)                      AGE\n\
         envoy   LoadBalancer   10.96.2.14   10.15.8.9     80:30077/TCP,443:32173/TCP   58d\n"
    );
}

#[test]
fn seed_get_deploy_po_svc_ingress_is_verbatim() {
    let deployments = objects_of("deployments.yaml");
    let pods = objects_of("pods.yaml");
    let services = objects_of("services.yaml");
    let ingresses = objects_of("ingresses.yaml");
    let text = [
        kubectl_text(
            "apps",
            "Deployment",
            &[named(&deployments, "hackazon-shop")],
            false,
            "deployment.apps/",
        ),
        kubectl_text(
            "",
            "Pod",
            &[
                named(&pods, "hackazon-shop-6bb78d9f74-gwn6r"),
                named(&pods, "hackazon-shop-6bb78d9f74-qgcz4"),
            ],
            false,
            "pod/",
        ),
        kubectl_text(
            "",
            "Service",
            &[named(&services, "hackazon-l4")],
            false,
            "service/",
        ),
        kubectl_text(
            "networking.k8s.io",
            "Ingress",
            &[named(&ingresses, "hackazon-ingress")],
            false,
            "ingress.networking.k8s.io/",
        ),
    ]
    .join("\n");
    let seed = "\
NAME                            READY   UP-TO-DATE   AVAILABLE   AGE
deployment.apps/hackazon-shop   2/2     2            2           6h56m

NAME                                 READY   STATUS    RESTARTS   AGE
pod/hackazon-shop-6bb78d9f74-gwn6r   1/1     Running   0          6h56m
pod/hackazon-shop-6bb78d9f74-qgcz4   1/1     Running   0          6h56m

NAME                  TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE
service/hackazon-l4   ClusterIP   10.96.3.41   <none>        80/TCP    6h53m

NAME                                         CLASS    HOSTS                                         ADDRESS     PORTS   AGE
ingress.networking.k8s.io/hackazon-ingress   <none>   hackazon.cpod-nsxv8.az-stc.cloud-garage.net   10.15.8.9   80      4h40m
";
    assert_eq!(text, seed);
}

#[test]
fn seed_get_ns_statuses_and_ages() {
    let namespaces = objects_of("namespaces.yaml");
    let seed = [
        ("default", "107d"),
        ("kube-node-lease", "107d"),
        ("kube-public", "107d"),
        ("kube-system", "107d"),
        ("ns-eventing", "14d"),
        ("ns-hackazon-app", "10d"),
        ("svc-contour-domain-c8", "59d"),
        ("svc-harbor-domain-c8", "58d"),
        ("svc-tmc-c8", "107d"),
    ];
    for (name, age) in seed {
        let cells = row_cells("", "Namespace", named(&namespaces, name), now());
        assert_eq!(cells, vec![json!(name), json!("Active"), json!(age)]);
    }
}

#[test]
fn every_row_has_one_cell_per_column() {
    for input in std::fs::read_dir(testdata()).unwrap() {
        let path = input.unwrap().path();
        if path.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        for obj in load(&path) {
            let (group, kind) = group_kind(&obj);
            assert_eq!(
                row_cells(&group, &kind, &obj, now()).len(),
                columns(&group, &kind).len(),
                "{} {kind}",
                path.display()
            );
        }
    }
}

#[test]
fn every_registry_resource_has_columns() {
    for r in crate::registry::RESOURCES {
        let cols = columns(r.group, r.kind);
        assert!(cols.iter().any(|c| c.format == "name"), "{}", r.kind);
    }
    assert_eq!(
        columns("rbac.authorization.k8s.io", "ClusterRole")
            .iter()
            .map(|c| (c.name, c.type_))
            .collect::<Vec<_>>(),
        vec![("Name", "string"), ("Created At", "date")]
    );
}

#[test]
fn whole_table_shape_matches_kube_apiserver() {
    let pods = objects_of("pods.yaml");
    let pod = named(&pods, "hackazon-shop-6bb78d9f74-gwn6r");
    let meta = ListMeta {
        resource_version: "103".into(),
        continue_token: "abc".into(),
        remaining_item_count: Some(4),
    };
    let t = table(
        "",
        "Pod",
        [pod],
        IncludeObject::Metadata,
        now(),
        &meta,
        false,
    );
    assert_eq!(t["kind"], "Table");
    assert_eq!(t["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(
        t["metadata"],
        json!({"resourceVersion": "103", "continue": "abc", "remainingItemCount": 4})
    );
    assert_eq!(t["columnDefinitions"].as_array().map(Vec::len), Some(9));
    assert_eq!(
        t["columnDefinitions"][0],
        json!({"name": "Name", "type": "string", "format": "name",
               "description": columns("", "Pod")[0].description, "priority": 0})
    );
    assert_eq!(t["columnDefinitions"][5]["priority"], 1);
    let object = &t["rows"][0]["object"];
    assert_eq!(object["kind"], "PartialObjectMetadata");
    assert_eq!(object["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(object["metadata"], pod["metadata"]);
    assert!(object.get("spec").is_none());

    let full = table(
        "",
        "Pod",
        [pod],
        IncludeObject::Object,
        now(),
        &ListMeta::default(),
        true,
    );
    assert_eq!(full["rows"][0]["object"], *pod);
    assert_eq!(full["columnDefinitions"], Value::Null);
    assert_eq!(full["metadata"], json!({}));

    let none = table(
        "",
        "Pod",
        [pod],
        IncludeObject::None,
        now(),
        &ListMeta::of_object(pod),
        false,
    );
    assert_eq!(none["rows"][0]["object"], Value::Null);
    assert_eq!(none["metadata"], json!({"resourceVersion": "5002"}));

    let empty = table(
        "",
        "Pod",
        [],
        IncludeObject::Metadata,
        now(),
        &ListMeta::default(),
        false,
    );
    assert_eq!(empty["rows"], json!([]));
}

#[test]
fn streamed_table_equals_whole_table() {
    let pods = objects_of("pods.yaml");
    let meta = ListMeta {
        resource_version: "77".into(),
        ..ListMeta::default()
    };
    for no_headers in [false, true] {
        let mut stream = TableStream::new("", "Pod", IncludeObject::Metadata, now());
        let mut text = stream.header(&meta, no_headers);
        for pod in &pods {
            text.push_str(&stream.row(pod));
        }
        text.push_str(stream.end());
        let parsed: Value = serde_json::from_str(&text).unwrap();
        let whole = table(
            "",
            "Pod",
            &pods,
            IncludeObject::Metadata,
            now(),
            &meta,
            no_headers,
        );
        assert_eq!(parsed, whole);
        assert_eq!(text, whole.to_string());
    }
}

#[test]
fn include_object_query_values() {
    assert_eq!(IncludeObject::from_query(""), Some(IncludeObject::Metadata));
    assert_eq!(
        IncludeObject::from_query("Object"),
        Some(IncludeObject::Object)
    );
    assert_eq!(IncludeObject::from_query("None"), Some(IncludeObject::None));
    assert_eq!(IncludeObject::from_query("all"), None);
}

#[test]
fn hostile_objects_still_print_rows() {
    let weird = [
        json!(null),
        json!([]),
        json!({"metadata": "x", "spec": {"containers": "x", "ports": [1, "a", null]}}),
        json!({"status": {"containerStatuses": [{"restartCount": "many"}, 7]}}),
    ];
    for r in crate::registry::RESOURCES {
        for obj in &weird {
            let cells = row_cells(r.group, r.kind, obj, now());
            assert_eq!(cells.len(), columns(r.group, r.kind).len(), "{}", r.kind);
        }
    }
}
