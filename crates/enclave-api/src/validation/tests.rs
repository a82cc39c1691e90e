//! Data-driven tests of decoding and validation: `testdata/validation_cases.json` (invalid
//! objects and the causes kube-apiserver gives), `testdata/decode_cases.json` (request bodies
//! and the BadRequest text or warnings), the seed story's objects, and random inputs.
//!
//! `UPDATE_EXPECT=1 cargo test -p enclave-api` rewrites the expected causes and errors from
//! what the code produces (review the diff: the expectations are kube-apiserver's words).

use std::path::PathBuf;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::defaults::apply_defaults;
use crate::registry::{self, ResourceInfo};

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/validation/testdata")
        .join(name)
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(testdata(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn updating() -> bool {
    std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1")
}

fn save(name: &str, value: &Value) {
    let text = serde_json::to_string_pretty(value).unwrap() + "\n";
    std::fs::write(testdata(name), text).unwrap();
}

/// `apps/v1/deployments` or `v1/pods`.
fn resource_by_path(path: &str) -> &'static ResourceInfo {
    let parts: Vec<&str> = path.split('/').collect();
    let (group, version, plural) = match parts.as_slice() {
        [version, plural] => ("", *version, *plural),
        [group, version, plural] => (*group, *version, *plural),
        _ => panic!("bad resource path {path}"),
    };
    registry::find(group, version, plural).unwrap()
}

fn resource_of(obj: &Value) -> &'static ResourceInfo {
    let (group, version) = registry::split_api_version(obj["apiVersion"].as_str().unwrap());
    registry::find_kind(group, version, obj["kind"].as_str().unwrap()).unwrap()
}

fn messages(errors: &[FieldError]) -> Vec<String> {
    errors.iter().map(FieldError::to_message).collect()
}

#[test]
fn validation_cases_give_kube_apiserver_causes() {
    let bases = load("bases.json");
    let mut cases = load("validation_cases.json");
    let mut failures = Vec::new();
    for case in cases.as_array_mut().unwrap() {
        let base = &bases[case["base"].as_str().unwrap()];
        let resource = resource_of(base);
        let mut obj = base.clone();
        json_patch::merge(&mut obj, &case["patch"]);
        apply_defaults(resource, &mut obj);
        let old = case.get("old_patch").map(|patch| {
            let mut old = base.clone();
            json_patch::merge(&mut old, patch);
            apply_defaults(resource, &mut old);
            old
        });
        let actual = messages(&validate(resource, &obj, old.as_ref()));
        let expected: Vec<String> = serde_json::from_value(case["causes"].clone()).unwrap();
        if actual != expected {
            failures.push(format!(
                "{}:\n  expected {expected:#?}\n  actual   {actual:#?}",
                case["name"]
            ));
            case["causes"] = json!(actual);
        }
    }
    if updating() {
        save("validation_cases.json", &cases);
    } else {
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

#[test]
fn decode_cases_give_kube_apiserver_errors() {
    let mut cases = load("decode_cases.json");
    let mut failures = Vec::new();
    for case in cases.as_array_mut().unwrap() {
        let resource = resource_by_path(case["resource"].as_str().unwrap());
        let mode = FieldValidation::parse(case["mode"].as_str()).unwrap();
        let body = case["body"].as_str().unwrap().to_string();
        let name = case["name"].clone();
        match decode_bytes(resource, body.as_bytes(), mode) {
            Ok((output, warnings)) => {
                if case.get("error").is_some() {
                    failures.push(format!("{name}: expected an error, got {output}"));
                }
                let want = case.get("warnings").cloned().unwrap_or(json!([]));
                if json!(warnings) != want {
                    failures.push(format!("{name}: warnings {warnings:?}, expected {want}"));
                    case["warnings"] = json!(warnings);
                }
                if let Some(want) = case.get("output")
                    && &output != want
                {
                    failures.push(format!("{name}: output {output}, expected {want}"));
                    case["output"] = output;
                }
            }
            Err(error) => {
                assert_eq!(error.code(), 400, "{name}");
                let text = error.to_string();
                if case.get("error").and_then(Value::as_str) != Some(text.as_str()) {
                    failures.push(format!(
                        "{name}:\n  expected {}\n  actual   {text}",
                        case["error"]
                    ));
                    case["error"] = json!(text);
                }
            }
        }
    }
    if updating() {
        save("decode_cases.json", &cases);
    } else {
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

const SEED: &[&str] = &[
    "seed/deployment.json",
    "seed/service.json",
    "seed/ingress.json",
    "seed/networkpolicy.json",
    "seed/deployment-full.json",
];

#[test]
fn decode_keeps_every_known_field_of_the_seed_objects() {
    for name in SEED {
        let obj = load(name);
        let resource = resource_of(&obj);
        let bytes = serde_json::to_vec(&obj).unwrap();
        let (decoded, warnings) = decode_bytes(resource, &bytes, FieldValidation::Strict)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        assert_eq!(decoded, obj, "{name}");
        // Key order is kept too, so the stored object reads like the manifest.
        assert_eq!(
            serde_json::to_string(&decoded).unwrap(),
            serde_json::to_string(&obj).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn seed_objects_are_valid_and_defaults_are_idempotent() {
    for name in SEED {
        let mut obj = load(name);
        let resource = resource_of(&obj);
        apply_defaults(resource, &mut obj);
        let once = obj.clone();
        apply_defaults(resource, &mut obj);
        assert_eq!(obj, once, "{name}: defaults are not idempotent");
        assert_eq!(
            messages(&validate(resource, &obj, None)),
            Vec::<String>::new(),
            "{name}"
        );
        assert_eq!(
            messages(&validate(resource, &obj, Some(&once))),
            Vec::<String>::new(),
            "{name}"
        );
        // The defaulted object still decodes strictly: defaults only add known fields.
        let (_, warnings) = decode(resource, &obj, FieldValidation::Strict).unwrap();
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
    }
}

#[test]
fn bases_decode_strictly_after_defaulting() {
    let bases = load("bases.json");
    for (name, base) in bases.as_object().unwrap() {
        let resource = resource_of(base);
        let mut obj = base.clone();
        apply_defaults(resource, &mut obj);
        let (decoded, warnings) = decode(resource, &obj, FieldValidation::Strict)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        assert_eq!(decoded, obj, "{name}");
    }
}

#[test]
fn check_wraps_causes_in_an_invalid_error() {
    let resource = registry::find("apps", "v1", "deployments").unwrap();
    let mut obj = load("seed/deployment.json");
    obj["spec"]["replicas"] = json!(-1);
    apply_defaults(resource, &mut obj);
    let error = check(resource, &obj, None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Deployment.apps \"hackazon-shop\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
    assert_eq!(error.code(), 422);
}

#[test]
fn field_validation_parses_the_query() {
    assert_eq!(FieldValidation::parse(None).unwrap(), FieldValidation::Warn);
    assert_eq!(
        FieldValidation::parse(Some("Strict")).unwrap(),
        FieldValidation::Strict
    );
    assert_eq!(
        FieldValidation::parse(Some("strict"))
            .unwrap_err()
            .to_message(),
        "fieldValidation: Unsupported value: \"strict\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\""
    );
}

#[test]
fn deeply_nested_input_is_refused_not_recursed() {
    let resource = registry::find("", "v1", "configmaps").unwrap();
    let mut deep = json!("x");
    for _ in 0..200 {
        deep = json!({ "f": deep });
    }
    let body = json!({"metadata": {"name": "a", "managedFields": [{"fieldsV1": deep}]}});
    let error = decode(resource, &body, FieldValidation::Strict).unwrap_err();
    assert!(error.to_string().contains("exceeded max depth"), "{error}");
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-zA-Z0-9:/._%*-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        let key = prop_oneof![
            Just("metadata".to_string()),
            Just("spec".to_string()),
            Just("name".to_string()),
            Just("containers".to_string()),
            Just("ports".to_string()),
            Just("selector".to_string()),
            Just("template".to_string()),
            Just("rules".to_string()),
            Just("port".to_string()),
            Just("data".to_string()),
            "[a-zA-Z]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn random_json_never_panics(body in arb_json(), which in 0usize..64) {
        let resource = &registry::RESOURCES[which % registry::RESOURCES.len()];
        for mode in [FieldValidation::Ignore, FieldValidation::Warn, FieldValidation::Strict] {
            let _ = decode(resource, &body, mode);
        }
        let bytes = serde_json::to_vec(&body).unwrap();
        let _ = decode_bytes(resource, &bytes, FieldValidation::Strict);
        let mut obj = body.clone();
        apply_defaults(resource, &mut obj);
        let _ = validate(resource, &obj, None);
        let _ = validate(resource, &obj, Some(&body));
    }

    #[test]
    fn mutated_seed_objects_never_panic(
        seed in 0usize..SEED.len(),
        path_choice in any::<prop::sample::Index>(),
        replacement in arb_json(),
    ) {
        let mut obj = load(SEED[seed]);
        let resource = resource_of(&obj);
        let paths = leaf_paths(&obj);
        let path = path_choice.get(&paths).clone();
        if let Some(slot) = obj.pointer_mut(&path) {
            *slot = replacement;
        }
        for mode in [FieldValidation::Ignore, FieldValidation::Strict] {
            if let Ok((mut decoded, _)) = decode(resource, &obj, mode) {
                apply_defaults(resource, &mut decoded);
                let once = decoded.clone();
                apply_defaults(resource, &mut decoded);
                prop_assert_eq!(&decoded, &once);
                let _ = validate(resource, &decoded, Some(&once));
            }
        }
    }

    #[test]
    fn raw_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let resource = registry::find("apps", "v1", "deployments").unwrap();
        let _ = decode_bytes(resource, &bytes, FieldValidation::Strict);
    }
}

/// JSON pointers of every value in a document (including the root's children).
fn leaf_paths(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(value: &Value, at: String, out: &mut Vec<String>) {
        match value {
            Value::Object(m) => {
                for (k, v) in m {
                    let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    out.push(p.clone());
                    walk(v, p, out);
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    let p = format!("{at}/{i}");
                    out.push(p.clone());
                    walk(v, p, out);
                }
            }
            _ => {}
        }
    }
    walk(value, String::new(), &mut out);
    out
}
