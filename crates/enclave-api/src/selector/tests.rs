//! Tests of label and field selectors: syntax, messages, rendering and matching.

use serde_json::json;

use super::label::{format_label_selector, format_labels};
use super::*;

fn labels(pairs: &[(&str, &str)]) -> serde_json::Map<String, serde_json::Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect()
}

#[test]
fn label_selectors_render_sorted_by_key_as_kubectl_does() {
    let cases = [
        ("app=web", "app=web"),
        ("app==web", "app==web"),
        ("tier in (b,a),app=web", "app=web,tier in (a,b)"),
        ("  x notin ( c , a ) ", "x notin (a,c)"),
        ("a,!b", "a,!b"),
        ("b!=c,a", "a,b!=c"),
        ("n>5,m<3", "m<3,n>5"),
        ("a in (x,x,y)", "a in (x,y)"),
        ("a in ()", "a in ()"),
        ("a in (,b)", "a in (,b)"),
        ("a=", "a="),
        (
            "example.com/role in (in,notin)",
            "example.com/role in (in,notin)",
        ),
        ("", ""),
    ];
    for (input, rendered) in cases {
        let selector = LabelSelector::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(selector.to_string(), rendered, "{input}");
    }
}

#[test]
fn label_selector_syntax_errors_match_kube_apiserver() {
    let name_rule = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    let value_rule = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    let cases = [
        (
            "a b",
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"
                .to_string(),
        ),
        ("a=b c", "found 'c', expected: ',' or 'end of string'".to_string()),
        (
            "a=b,",
            "found '', expected: identifier after ','".to_string(),
        ),
        (
            "=a",
            "found '=', expected: !, identifier, or 'end of string'".to_string(),
        ),
        (
            "a in b",
            "unable to parse requirement: found 'b' expected: '('".to_string(),
        ),
        (
            "a in (b",
            "unable to parse requirement: found '', expected: ',' or ')'".to_string(),
        ),
        (
            "a (b)",
            "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"
                .to_string(),
        ),
        (
            "a=(b)",
            "unable to parse requirement: found '(', expected: identifier".to_string(),
        ),
        (
            "-a=b",
            format!("unable to parse requirement: <nil>: Invalid value: \"-a\": {name_rule}"),
        ),
        (
            "a=b-",
            format!(
                "unable to parse requirement: values[0][a]: Invalid value: \"b-\": {value_rule}"
            ),
        ),
        (
            "a>b",
            "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer".to_string(),
        ),
        (
            "a/b/c",
            "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".to_string(),
        ),
        (
            "Bad_Prefix/a",
            "unable to parse requirement: <nil>: Invalid value: \"Bad_Prefix/a\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_string(),
        ),
        (
            "a=b=c",
            "found '=', expected: ',' or 'end of string'".to_string(),
        ),
    ];
    for (input, message) in cases {
        let err = LabelSelector::parse(input).expect_err(input);
        assert_eq!(err.to_string(), message, "{input}");
    }
}

#[test]
fn label_selectors_match_like_apimachinery() {
    let web = labels(&[("app", "web"), ("tier", "front"), ("replicas", "7")]);
    let cases = [
        ("", true),
        ("app=web", true),
        ("app==web", true),
        ("app!=web", false),
        ("app!=db", true),
        ("missing!=x", true),
        ("tier in (front,back)", true),
        ("tier notin (front)", false),
        ("missing notin (a)", true),
        ("app", true),
        ("!app", false),
        ("!missing", true),
        ("replicas>5", true),
        ("replicas<5", false),
        ("app>5", false),
        ("app=web,tier=back", false),
    ];
    for (input, expected) in cases {
        let selector = LabelSelector::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(selector.matches(&web), expected, "{input}");
    }
    let object = json!({"metadata": {"labels": {"app": "web"}}});
    assert!(
        LabelSelector::parse("app=web")
            .unwrap()
            .matches_object(&object)
    );
    assert!(
        !LabelSelector::parse("app")
            .unwrap()
            .matches_object(&json!({}))
    );
}

#[test]
fn metav1_label_selectors_convert_like_label_selector_as_selector() {
    let selector = LabelSelector::from_label_selector_json(&json!({
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["b", "a"]},
            {"key": "env", "operator": "DoesNotExist"},
        ],
    }))
    .unwrap();
    assert_eq!(selector.to_string(), "app=web,!env,tier in (a,b)");
    assert!(selector.matches(&labels(&[("app", "web"), ("tier", "a")])));
    assert!(!selector.matches(&labels(&[("app", "web"), ("tier", "a"), ("env", "x")])));

    let everything = LabelSelector::from_label_selector_json(&json!({})).unwrap();
    assert!(everything.is_everything());
    assert!(everything.matches(&labels(&[])));
    let nothing = LabelSelector::from_label_selector_json(&json!(null)).unwrap();
    assert!(nothing.is_nothing());
    assert!(!nothing.matches(&labels(&[])));

    let bad_op = LabelSelector::from_label_selector_json(
        &json!({"matchExpressions": [{"key": "a", "operator": "Equals"}]}),
    )
    .unwrap_err();
    assert_eq!(
        bad_op.to_string(),
        "\"Equals\" is not a valid label selector operator"
    );
    let empty_in = LabelSelector::from_label_selector_json(
        &json!({"matchExpressions": [{"key": "a", "operator": "In"}]}),
    )
    .unwrap_err();
    assert_eq!(
        empty_in.to_string(),
        "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"
    );
}

#[test]
fn selector_cells_use_none_and_error_markers() {
    assert_eq!(format_label_selector(&json!({})), "<none>");
    assert_eq!(
        format_label_selector(&json!({"matchLabels": {"app": "hackazon-shop"}})),
        "app=hackazon-shop"
    );
    assert_eq!(
        format_label_selector(&json!({"matchExpressions": [{"key": "a", "operator": "Nope"}]})),
        "<error>"
    );
    let map = labels(&[("svc", "x"), ("app", "y")]);
    assert_eq!(format_labels(Some(&map)), "app=y,svc=x");
    assert_eq!(format_labels(None), "<none>");
}

#[test]
fn field_selectors_parse_and_render() {
    let selector = FieldSelector::parse("status.phase=Running,metadata.name!=a\\,b").unwrap();
    assert_eq!(
        selector.to_string(),
        "metadata.name!=a\\,b,status.phase=Running"
    );
    assert_eq!(selector.terms()[0].value(), "a,b");
    assert_eq!(
        FieldSelector::parse("metadata.name==web")
            .unwrap()
            .required_value("metadata.name"),
        Some("web")
    );
    assert!(FieldSelector::parse("").unwrap().is_empty());
    let cases = [
        ("abc", "invalid selector: 'abc'; can't understand 'abc'"),
        (
            "a=b\\x",
            "invalid field selector: invalid escape sequence: \\x",
        ),
        (
            "a=b\\",
            "invalid field selector: invalid escape sequence: \\",
        ),
        (
            "a=b=c",
            "invalid field selector: unescaped character in value: 61",
        ),
    ];
    for (input, message) in cases {
        assert_eq!(
            FieldSelector::parse(input).unwrap_err().to_string(),
            message,
            "{input}"
        );
    }
}

#[test]
fn field_labels_are_validated_per_kind_with_kube_apiserver_messages() {
    let phase = FieldSelector::parse("status.phase=Running").unwrap();
    assert!(phase.validate("", "Pod").is_ok());
    assert!(phase.validate("", "Namespace").is_ok());
    assert_eq!(
        phase.validate("", "Secret").unwrap_err().to_string(),
        "field label not supported: status.phase"
    );
    assert_eq!(
        phase
            .validate("apps", "Deployment")
            .unwrap_err()
            .to_string(),
        "\"status.phase\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    );
    let namespace = FieldSelector::parse("metadata.namespace=a").unwrap();
    assert_eq!(
        namespace.validate("", "Node").unwrap_err().to_string(),
        "field label not supported: metadata.namespace"
    );
    assert!(namespace.validate("networking.k8s.io", "Ingress").is_ok());
    let regarding = FieldSelector::parse("regarding.name=web").unwrap();
    assert!(regarding.validate("events.k8s.io", "Event").is_ok());
    assert!(regarding.validate("", "Event").is_err());
    assert!(supported_field_labels("", "Pod").contains(&"spec.nodeName"));
    assert_eq!(
        supported_field_labels("apps", "Deployment"),
        vec!["metadata.name", "metadata.namespace"]
    );
}

#[test]
fn field_selectors_match_selectable_fields() {
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "default"},
        "spec": {"nodeName": "node-1", "restartPolicy": "Always"},
        "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.5"}, {"ip": "fd00::5"}]},
    });
    let check = |sel: &str, group: &str, kind: &str, obj: &serde_json::Value| {
        FieldSelector::parse(sel).unwrap().matches(group, kind, obj)
    };
    assert!(check("status.phase=Running", "", "Pod", &pod));
    assert!(check("spec.host=node-1", "", "Pod", &pod));
    assert!(check("spec.hostNetwork=false", "", "Pod", &pod));
    assert!(check("status.podIP=10.0.0.5", "", "Pod", &pod));
    assert!(check("status.nominatedNodeName=", "", "Pod", &pod));
    assert!(!check("metadata.name!=web-1", "", "Pod", &pod));
    assert!(!check("bogus=x", "", "Pod", &pod));

    let core_event = json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "e1", "namespace": "ns"},
        "involvedObject": {"kind": "Pod", "name": "web-1"},
        "reason": "Pulled", "type": "Normal", "reportingComponent": "kubelet",
    });
    assert!(check(
        "involvedObject.name=web-1,source=kubelet",
        "",
        "Event",
        &core_event
    ));
    let new_event = json!({
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": "e1", "namespace": "ns"},
        "regarding": {"kind": "Pod", "name": "web-1"},
        "reason": "Pulled", "type": "Normal", "reportingController": "kubelet",
    });
    assert!(check(
        "regarding.kind=Pod,reportingController=kubelet",
        "events.k8s.io",
        "Event",
        &new_event
    ));
    let node = json!({"metadata": {"name": "n"}, "spec": {"unschedulable": true}});
    assert!(check("spec.unschedulable=true", "", "Node", &node));
    let rs = json!({"metadata": {"name": "r"}, "status": {"replicas": 2}});
    assert!(check("status.replicas=2", "apps", "ReplicaSet", &rs));
    let secret = json!({"metadata": {"name": "s"}, "type": "Opaque"});
    assert!(check("type=Opaque", "", "Secret", &secret));
}

#[test]
fn selector_errors_become_bad_requests() {
    let err = FieldSelector::parse("abc").unwrap_err();
    let api: crate::status::ApiError = err.into();
    assert_eq!(api.code(), 400);
}

mod properties {
    use proptest::prelude::*;

    use super::super::{FieldSelector, LabelSelector};

    proptest! {
        #[test]
        fn label_parsing_never_panics_and_renders_stably(input in "[a-z0-9=!(),<> .\\-/\\\\]{0,40}") {
            if let Ok(selector) = LabelSelector::parse(&input) {
                let rendered = selector.to_string();
                let reparsed = LabelSelector::parse(&rendered);
                prop_assert!(reparsed.is_ok(), "{rendered}");
                prop_assert_eq!(reparsed.map(|s| s.to_string()).unwrap_or_default(), rendered);
            }
        }

        #[test]
        fn field_parsing_never_panics_and_renders_stably(input in "[a-z.=!,\\\\]{0,40}") {
            if let Ok(selector) = FieldSelector::parse(&input) {
                let rendered = selector.to_string();
                let reparsed = FieldSelector::parse(&rendered);
                prop_assert!(reparsed.is_ok(), "{rendered}");
                prop_assert_eq!(reparsed.map(|s| s.to_string()).unwrap_or_default(), rendered);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(input in "\\PC{0,60}") {
            let _ = LabelSelector::parse(&input);
            let _ = FieldSelector::parse(&input);
        }
    }
}
