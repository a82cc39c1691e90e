//! End-to-end tests: objects encoded with k8s-pb + prost (shaped like kubectl's generators and
//! Go's gogo-protobuf marshaller), wrapped in the envelope, decoded and compared to the JSON
//! kube-apiserver writes.

use k8s_pb::api::apps::v1 as apps;
use k8s_pb::api::authorization::v1 as authz;
use k8s_pb::api::core::v1 as core;
use k8s_pb::apimachinery::pkg::api::resource::Quantity;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_pb::apimachinery::pkg::runtime::{TypeMeta, Unknown};
use k8s_pb::apimachinery::pkg::util::intstr::IntOrString;
use prost::Message;
use serde_json::{Value, json};

use super::*;

fn envelope(api_version: &str, kind: &str, object: &impl Message) -> Vec<u8> {
    let unknown = Unknown {
        type_meta: Some(TypeMeta {
            api_version: Some(api_version.to_owned()),
            kind: Some(kind.to_owned()),
        }),
        raw: Some(object.encode_to_vec()),
        // Go writes the two empty strings too.
        content_encoding: Some(String::new()),
        content_type: Some(String::new()),
    };
    let mut body = MAGIC.to_vec();
    body.extend(unknown.encode_to_vec());
    body
}

fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

/// The ObjectMeta Go's marshaller writes for a new object: every value field, even empty,
/// and an empty creationTimestamp.
fn new_meta(name: &str, namespace: &str) -> meta::ObjectMeta {
    meta::ObjectMeta {
        name: s(name),
        generate_name: s(""),
        namespace: s(namespace),
        self_link: s(""),
        uid: s(""),
        resource_version: s(""),
        generation: Some(0),
        creation_timestamp: Some(meta::Time::default()),
        ..Default::default()
    }
}

fn assert_decodes(body: &[u8], expected: Value) {
    let decoded = decode(body).unwrap_or_else(|error| panic!("decode failed: {error}"));
    assert_openapi_round_trip(&decoded);
    assert_eq!(
        decoded,
        expected,
        "\n got: {}\nwant: {}",
        serde_json::to_string_pretty(&decoded).unwrap_or_default(),
        serde_json::to_string_pretty(&expected).unwrap_or_default()
    );
}

/// Removes `null` members and empty arrays: Go writes an empty Time as `null` where
/// k8s-openapi leaves it out, and k8s-openapi writes `[]` for required lists Go leaves `null`.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn round_trip<T>(value: &Value) -> Value
where
    T: k8s_openapi::serde::de::DeserializeOwned + k8s_openapi::serde::Serialize,
{
    let typed: T = serde_json::from_value(without_nulls(value))
        .unwrap_or_else(|error| panic!("k8s-openapi rejects the JSON: {error}"));
    without_nulls(&serde_json::to_value(typed).unwrap_or_default())
}

/// Cross-checks the JSON names against an independent source: k8s-openapi drops members it
/// does not know, so a wrong name would not survive a trip through its typed structs.
fn assert_openapi_round_trip(decoded: &Value) {
    use k8s_openapi::api::{
        apps::v1 as a, authentication::v1 as n, authorization::v1 as z, batch::v1 as b,
        core::v1 as c, networking::v1 as net, policy::v1 as p, rbac::v1 as r,
        scheduling::v1 as sch,
    };
    let api_version = decoded["apiVersion"].as_str().unwrap_or_default();
    let typed = match (api_version, decoded["kind"].as_str().unwrap_or_default()) {
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview") => {
            round_trip::<z::SelfSubjectAccessReview>(decoded)
        }
        ("authorization.k8s.io/v1", "SelfSubjectRulesReview") => {
            round_trip::<z::SelfSubjectRulesReview>(decoded)
        }
        ("authentication.k8s.io/v1", "SelfSubjectReview") => {
            round_trip::<n::SelfSubjectReview>(decoded)
        }
        ("authentication.k8s.io/v1", "TokenRequest") => {
            // k8s-openapi requires status.expirationTimestamp, which an empty Go Time omits.
            let mut without_status = decoded.clone();
            if let Value::Object(map) = &mut without_status {
                map.remove("status");
            }
            return assert_eq!(
                round_trip::<n::TokenRequest>(&without_status),
                without_nulls(&without_status)
            );
        }
        ("apps/v1", "Deployment") => round_trip::<a::Deployment>(decoded),
        ("apps/v1", "ControllerRevision") => round_trip::<a::ControllerRevision>(decoded),
        ("v1", "Namespace") => round_trip::<c::Namespace>(decoded),
        ("v1", "ConfigMap") => round_trip::<c::ConfigMap>(decoded),
        ("v1", "Secret") => round_trip::<c::Secret>(decoded),
        ("v1", "ServiceAccount") => round_trip::<c::ServiceAccount>(decoded),
        ("v1", "Service") => round_trip::<c::Service>(decoded),
        ("v1", "ResourceQuota") => round_trip::<c::ResourceQuota>(decoded),
        ("rbac.authorization.k8s.io/v1", "Role") => round_trip::<r::Role>(decoded),
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => round_trip::<r::ClusterRole>(decoded),
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => round_trip::<r::RoleBinding>(decoded),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => {
            round_trip::<r::ClusterRoleBinding>(decoded)
        }
        ("networking.k8s.io/v1", "Ingress") => round_trip::<net::Ingress>(decoded),
        ("batch/v1", "Job") => round_trip::<b::Job>(decoded),
        ("batch/v1", "CronJob") => round_trip::<b::CronJob>(decoded),
        ("policy/v1", "PodDisruptionBudget") => round_trip::<p::PodDisruptionBudget>(decoded),
        ("scheduling.k8s.io/v1", "PriorityClass") => round_trip::<sch::PriorityClass>(decoded),
        _ => return,
    };
    assert_eq!(
        typed,
        without_nulls(decoded),
        "k8s-openapi round trip lost or changed members"
    );
}

#[test]
fn self_subject_access_review_as_kubectl_auth_can_i_sends_it() {
    // Section 1.11: empty metadata, all seven resourceAttributes strings, empty status.
    let review = authz::SelfSubjectAccessReview {
        metadata: Some(meta::ObjectMeta::default()),
        spec: Some(authz::SelfSubjectAccessReviewSpec {
            resource_attributes: Some(authz::ResourceAttributes {
                namespace: s("default"),
                verb: s("create"),
                group: s("apps"),
                version: s(""),
                resource: s("deployments"),
                subresource: s(""),
                name: s(""),
                ..Default::default()
            }),
            non_resource_attributes: None,
        }),
        status: Some(authz::SubjectAccessReviewStatus::default()),
    };
    assert_decodes(
        &envelope(
            "authorization.k8s.io/v1",
            "SelfSubjectAccessReview",
            &review,
        ),
        json!({
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {},
            "spec": {"resourceAttributes": {
                "namespace": "default", "verb": "create", "group": "apps", "resource": "deployments"
            }},
            // `allowed` has no omitempty in Go.
            "status": {"allowed": false}
        }),
    );
}

#[test]
fn self_subject_access_review_with_selectors_and_non_resource_attributes() {
    let review = authz::SelfSubjectAccessReview {
        metadata: Some(meta::ObjectMeta::default()),
        spec: Some(authz::SelfSubjectAccessReviewSpec {
            resource_attributes: Some(authz::ResourceAttributes {
                verb: s("list"),
                resource: s("pods"),
                field_selector: Some(authz::FieldSelectorAttributes {
                    raw_selector: s("spec.nodeName=n1"),
                    requirements: vec![meta::FieldSelectorRequirement {
                        key: s("spec.nodeName"),
                        operator: s("In"),
                        values: vec!["n1".to_owned()],
                    }],
                }),
                label_selector: Some(authz::LabelSelectorAttributes {
                    raw_selector: s("app=web"),
                    requirements: vec![],
                }),
                ..Default::default()
            }),
            non_resource_attributes: Some(authz::NonResourceAttributes {
                path: s("/healthz"),
                verb: s("get"),
            }),
        }),
        status: None,
    };
    assert_decodes(
        &envelope(
            "authorization.k8s.io/v1",
            "SelfSubjectAccessReview",
            &review,
        ),
        json!({
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {},
            "spec": {
                "resourceAttributes": {
                    "verb": "list", "resource": "pods",
                    "fieldSelector": {"rawSelector": "spec.nodeName=n1", "requirements": [
                        {"key": "spec.nodeName", "operator": "In", "values": ["n1"]}
                    ]},
                    "labelSelector": {"rawSelector": "app=web"}
                },
                "nonResourceAttributes": {"path": "/healthz", "verb": "get"}
            }
        }),
    );
}

#[test]
fn namespace_from_kubectl_create_namespace() {
    let namespace = core::Namespace {
        metadata: Some(new_meta("team-a", "")),
        spec: Some(core::NamespaceSpec::default()),
        status: Some(core::NamespaceStatus {
            phase: s(""),
            conditions: vec![],
        }),
    };
    assert_decodes(
        &envelope("v1", "Namespace", &namespace),
        json!({
            "kind": "Namespace", "apiVersion": "v1",
            "metadata": {"name": "team-a", "creationTimestamp": null},
            "spec": {}, "status": {}
        }),
    );
}

#[test]
fn config_map_with_data_and_binary_data() {
    let mut map = core::ConfigMap {
        metadata: Some(new_meta("settings", "default")),
        immutable: None,
        ..Default::default()
    };
    map.data.insert("mode".to_owned(), "fast".to_owned());
    map.data.insert("a.conf".to_owned(), "x=1\n".to_owned());
    map.data.insert("empty".to_owned(), String::new());
    map.binary_data
        .insert("blob".to_owned(), vec![0, 1, 2, 255]);
    assert_decodes(
        &envelope("v1", "ConfigMap", &map),
        json!({
            "kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {"name": "settings", "namespace": "default", "creationTimestamp": null},
            "data": {"a.conf": "x=1\n", "empty": "", "mode": "fast"},
            "binaryData": {"blob": "AAEC/w=="}
        }),
    );
}

#[test]
fn config_map_keeps_a_present_false_immutable() {
    let map = core::ConfigMap {
        metadata: Some(meta::ObjectMeta {
            name: s("frozen"),
            ..Default::default()
        }),
        immutable: Some(false),
        ..Default::default()
    };
    assert_decodes(
        &envelope("v1", "ConfigMap", &map),
        json!({
            "kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {"name": "frozen"}, "immutable": false
        }),
    );
}

/// `kubectl create deployment web --image=nginx:1.27 --replicas=0 --port=80` as gogo writes it.
fn kubectl_deployment() -> apps::Deployment {
    let labels: std::collections::BTreeMap<String, String> =
        [("app".to_owned(), "web".to_owned())].into();
    let mut template_meta = new_meta("", "");
    template_meta.labels = labels.clone();
    let mut meta = new_meta("web", "default");
    meta.labels = labels.clone();
    apps::Deployment {
        metadata: Some(meta),
        spec: Some(apps::DeploymentSpec {
            replicas: Some(0),
            selector: Some(meta::LabelSelector {
                match_labels: labels,
                match_expressions: vec![],
            }),
            template: Some(core::PodTemplateSpec {
                metadata: Some(template_meta),
                spec: Some(core::PodSpec {
                    containers: vec![core::Container {
                        name: s("nginx"),
                        image: s("nginx:1.27"),
                        working_dir: s(""),
                        ports: vec![core::ContainerPort {
                            name: s(""),
                            host_port: Some(0),
                            container_port: Some(80),
                            protocol: s(""),
                            host_ip: s(""),
                        }],
                        resources: Some(core::ResourceRequirements::default()),
                        termination_message_path: s(""),
                        image_pull_policy: s(""),
                        stdin: Some(false),
                        stdin_once: Some(false),
                        tty: Some(false),
                        termination_message_policy: s(""),
                        ..Default::default()
                    }],
                    restart_policy: s(""),
                    dns_policy: s(""),
                    service_account_name: s(""),
                    host_network: Some(false),
                    scheduler_name: s(""),
                    ..Default::default()
                }),
            }),
            strategy: Some(apps::DeploymentStrategy {
                r#type: s(""),
                rolling_update: None,
            }),
            min_ready_seconds: Some(0),
            paused: Some(false),
            ..Default::default()
        }),
        status: Some(apps::DeploymentStatus {
            observed_generation: Some(0),
            replicas: Some(0),
            updated_replicas: Some(0),
            ready_replicas: Some(0),
            available_replicas: Some(0),
            unavailable_replicas: Some(0),
            ..Default::default()
        }),
    }
}

#[test]
fn deployment_from_kubectl_create_deployment() {
    assert_decodes(
        &envelope("apps/v1", "Deployment", &kubectl_deployment()),
        json!({
            "kind": "Deployment", "apiVersion": "apps/v1",
            "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null,
                         "labels": {"app": "web"}},
            "spec": {
                "replicas": 0,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
                    "spec": {"containers": [{
                        "name": "nginx", "image": "nginx:1.27",
                        "ports": [{"containerPort": 80}],
                        "resources": {}
                    }]}
                },
                "strategy": {}
            },
            "status": {}
        }),
    );
}

#[test]
fn deployment_with_full_pod_template() {
    let mut deployment = kubectl_deployment();
    let Some(spec) = deployment.spec.as_mut() else {
        panic!("spec")
    };
    spec.replicas = Some(3);
    spec.revision_history_limit = Some(0);
    spec.progress_deadline_seconds = Some(600);
    spec.strategy = Some(apps::DeploymentStrategy {
        r#type: s("RollingUpdate"),
        rolling_update: Some(apps::RollingUpdateDeployment {
            max_unavailable: Some(IntOrString {
                r#type: Some(1),
                int_val: Some(0),
                str_val: s("25%"),
            }),
            max_surge: Some(IntOrString {
                r#type: Some(0),
                int_val: Some(1),
                str_val: s(""),
            }),
        }),
    });
    let Some(pod) = spec.template.as_mut().and_then(|t| t.spec.as_mut()) else {
        panic!("pod spec")
    };
    pod.termination_grace_period_seconds = Some(0);
    pod.automount_service_account_token = Some(false);
    pod.node_selector
        .insert("disk".to_owned(), "ssd".to_owned());
    pod.tolerations = vec![core::Toleration {
        key: s("dedicated"),
        operator: s("Equal"),
        value: s("web"),
        effect: s("NoExecute"),
        toleration_seconds: Some(0),
    }];
    pod.affinity = Some(core::Affinity {
        node_affinity: Some(core::NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(core::NodeSelector {
                node_selector_terms: vec![core::NodeSelectorTerm {
                    match_expressions: vec![core::NodeSelectorRequirement {
                        key: s("zone"),
                        operator: s("In"),
                        values: vec!["a".to_owned(), "b".to_owned()],
                    }],
                    match_fields: vec![],
                }],
            }),
            preferred_during_scheduling_ignored_during_execution: vec![],
        }),
        ..Default::default()
    });
    pod.security_context = Some(core::PodSecurityContext {
        run_as_user: Some(0),
        run_as_non_root: Some(false),
        fs_group: Some(2000),
        ..Default::default()
    });
    pod.volumes = vec![
        core::Volume {
            name: s("cache"),
            volume_source: Some(core::VolumeSource {
                empty_dir: Some(core::EmptyDirVolumeSource {
                    medium: s(""),
                    size_limit: Some(Quantity { string: s("1Gi") }),
                }),
                ..Default::default()
            }),
        },
        core::Volume {
            name: s("conf"),
            volume_source: Some(core::VolumeSource {
                config_map: Some(core::ConfigMapVolumeSource {
                    local_object_reference: Some(core::LocalObjectReference {
                        name: s("settings"),
                    }),
                    items: vec![core::KeyToPath {
                        key: s("a.conf"),
                        path: s("a.conf"),
                        mode: Some(0o444),
                    }],
                    default_mode: Some(420),
                    optional: Some(false),
                }),
                ..Default::default()
            }),
        },
        core::Volume {
            name: s("creds"),
            volume_source: Some(core::VolumeSource {
                secret: Some(core::SecretVolumeSource {
                    secret_name: s("creds"),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        },
    ];
    let container = &mut pod.containers[0];
    container.command = vec!["nginx".to_owned()];
    container.args = vec!["-g".to_owned(), "daemon off;".to_owned()];
    container.env = vec![
        core::EnvVar {
            name: s("MODE"),
            value: s("fast"),
            value_from: None,
        },
        core::EnvVar {
            name: s("POD_IP"),
            value: s(""),
            value_from: Some(core::EnvVarSource {
                field_ref: Some(core::ObjectFieldSelector {
                    api_version: s("v1"),
                    field_path: s("status.podIP"),
                }),
                ..Default::default()
            }),
        },
        core::EnvVar {
            name: s("PASSWORD"),
            value: None,
            value_from: Some(core::EnvVarSource {
                secret_key_ref: Some(core::SecretKeySelector {
                    local_object_reference: Some(core::LocalObjectReference { name: s("creds") }),
                    key: s("password"),
                    optional: Some(true),
                }),
                ..Default::default()
            }),
        },
    ];
    container.env_from = vec![core::EnvFromSource {
        prefix: s("CFG_"),
        config_map_ref: Some(core::ConfigMapEnvSource {
            local_object_reference: Some(core::LocalObjectReference {
                name: s("settings"),
            }),
            optional: None,
        }),
        secret_ref: None,
    }];
    container.resources = Some(core::ResourceRequirements {
        limits: [("memory".to_owned(), Quantity { string: s("128Mi") })].into(),
        requests: [
            ("cpu".to_owned(), Quantity { string: s("100m") }),
            ("memory".to_owned(), Quantity { string: s("64Mi") }),
        ]
        .into(),
        claims: vec![],
    });
    container.volume_mounts = vec![core::VolumeMount {
        name: s("conf"),
        read_only: Some(true),
        mount_path: s("/etc/conf"),
        sub_path: s(""),
        ..Default::default()
    }];
    container.liveness_probe = Some(core::Probe {
        handler: Some(core::ProbeHandler {
            http_get: Some(core::HttpGetAction {
                path: s("/healthz"),
                port: Some(IntOrString {
                    r#type: Some(1),
                    int_val: Some(0),
                    str_val: s("http"),
                }),
                host: s(""),
                scheme: s("HTTP"),
                http_headers: vec![core::HttpHeader {
                    name: s("X-Probe"),
                    value: s("1"),
                }],
            }),
            ..Default::default()
        }),
        initial_delay_seconds: Some(5),
        timeout_seconds: Some(1),
        period_seconds: Some(10),
        success_threshold: Some(1),
        failure_threshold: Some(3),
        termination_grace_period_seconds: None,
    });
    container.readiness_probe = Some(core::Probe {
        handler: Some(core::ProbeHandler {
            tcp_socket: Some(core::TcpSocketAction {
                port: Some(IntOrString {
                    r#type: Some(0),
                    int_val: Some(80),
                    str_val: s(""),
                }),
                host: s(""),
            }),
            ..Default::default()
        }),
        ..Default::default()
    });
    container.lifecycle = Some(core::Lifecycle {
        pre_stop: Some(core::LifecycleHandler {
            exec: Some(core::ExecAction {
                command: vec!["sleep".to_owned(), "5".to_owned()],
            }),
            ..Default::default()
        }),
        ..Default::default()
    });
    container.security_context = Some(core::SecurityContext {
        privileged: Some(false),
        allow_privilege_escalation: Some(false),
        read_only_root_filesystem: Some(true),
        capabilities: Some(core::Capabilities {
            add: vec![],
            drop: vec!["ALL".to_owned()],
        }),
        ..Default::default()
    });
    assert_decodes(
        &envelope("apps/v1", "Deployment", &deployment),
        json!({
            "kind": "Deployment", "apiVersion": "apps/v1",
            "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null,
                         "labels": {"app": "web"}},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
                    "spec": {
                        "volumes": [
                            {"name": "cache", "emptyDir": {"sizeLimit": "1Gi"}},
                            {"name": "conf", "configMap": {"name": "settings",
                                "items": [{"key": "a.conf", "path": "a.conf", "mode": 292}],
                                "defaultMode": 420, "optional": false}},
                            {"name": "creds", "secret": {"secretName": "creds"}}
                        ],
                        "containers": [{
                            "name": "nginx", "image": "nginx:1.27",
                            "command": ["nginx"], "args": ["-g", "daemon off;"],
                            "ports": [{"containerPort": 80}],
                            "env": [
                                {"name": "MODE", "value": "fast"},
                                {"name": "POD_IP", "valueFrom": {"fieldRef": {
                                    "apiVersion": "v1", "fieldPath": "status.podIP"}}},
                                {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {
                                    "name": "creds", "key": "password", "optional": true}}}
                            ],
                            "resources": {
                                "limits": {"memory": "128Mi"},
                                "requests": {"cpu": "100m", "memory": "64Mi"}
                            },
                            "volumeMounts": [{"name": "conf", "readOnly": true, "mountPath": "/etc/conf"}],
                            "livenessProbe": {
                                "httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP",
                                            "httpHeaders": [{"name": "X-Probe", "value": "1"}]},
                                "initialDelaySeconds": 5, "timeoutSeconds": 1, "periodSeconds": 10,
                                "successThreshold": 1, "failureThreshold": 3
                            },
                            "readinessProbe": {"tcpSocket": {"port": 80}},
                            "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
                            "securityContext": {
                                "capabilities": {"drop": ["ALL"]},
                                "privileged": false,
                                "readOnlyRootFilesystem": true,
                                "allowPrivilegeEscalation": false
                            },
                            "envFrom": [{"prefix": "CFG_", "configMapRef": {"name": "settings"}}]
                        }],
                        "terminationGracePeriodSeconds": 0,
                        "nodeSelector": {"disk": "ssd"},
                        "automountServiceAccountToken": false,
                        "securityContext": {"runAsUser": 0, "runAsNonRoot": false, "fsGroup": 2000},
                        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [{"matchExpressions": [
                                {"key": "zone", "operator": "In", "values": ["a", "b"]}]}]}}},
                        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "web",
                                         "effect": "NoExecute", "tolerationSeconds": 0}]
                    }
                },
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}},
                "revisionHistoryLimit": 0,
                "progressDeadlineSeconds": 600
            },
            "status": {}
        }),
    );
}

use k8s_pb::api::authentication::v1 as authn;
use k8s_pb::api::batch::v1 as batch;
use k8s_pb::api::networking::v1 as net;
use k8s_pb::api::policy::v1 as policy;
use k8s_pb::api::rbac::v1 as rbac;
use k8s_pb::api::scheduling::v1 as scheduling;

#[test]
fn secret_generic_and_docker_registry() {
    let secret = core::Secret {
        metadata: Some(new_meta("creds", "default")),
        immutable: None,
        data: [
            ("password".to_owned(), b"s3cr3t".to_vec()),
            ("empty".to_owned(), vec![]),
        ]
        .into(),
        string_data: Default::default(),
        r#type: s("Opaque"),
    };
    assert_decodes(
        &envelope("v1", "Secret", &secret),
        json!({
            "kind": "Secret", "apiVersion": "v1",
            "metadata": {"name": "creds", "namespace": "default", "creationTimestamp": null},
            "data": {"empty": "", "password": "czNjcjN0"},
            "type": "Opaque"
        }),
    );
    let registry = core::Secret {
        metadata: Some(new_meta("regcred", "default")),
        immutable: Some(true),
        data: [(".dockerconfigjson".to_owned(), b"{}".to_vec())].into(),
        string_data: Default::default(),
        r#type: s("kubernetes.io/dockerconfigjson"),
    };
    assert_decodes(
        &envelope("v1", "Secret", &registry),
        json!({
            "kind": "Secret", "apiVersion": "v1",
            "metadata": {"name": "regcred", "namespace": "default", "creationTimestamp": null},
            "immutable": true,
            "data": {".dockerconfigjson": "e30="},
            "type": "kubernetes.io/dockerconfigjson"
        }),
    );
}

#[test]
fn service_account() {
    let account = core::ServiceAccount {
        metadata: Some(new_meta("builder", "ci")),
        secrets: vec![],
        image_pull_secrets: vec![core::LocalObjectReference { name: s("regcred") }],
        automount_service_account_token: Some(false),
    };
    assert_decodes(
        &envelope("v1", "ServiceAccount", &account),
        json!({
            "kind": "ServiceAccount", "apiVersion": "v1",
            "metadata": {"name": "builder", "namespace": "ci", "creationTimestamp": null},
            "imagePullSecrets": [{"name": "regcred"}],
            "automountServiceAccountToken": false
        }),
    );
}

/// The Service `kubectl create service <type> web --tcp=80:8080` builds (gogo value fields set).
fn kubectl_service(service_type: &str, node_port: i32, external_name: &str) -> core::Service {
    let mut meta = new_meta("web", "default");
    meta.labels.insert("app".to_owned(), "web".to_owned());
    let ports = if external_name.is_empty() {
        vec![core::ServicePort {
            name: s("80-8080"),
            protocol: s("TCP"),
            app_protocol: None,
            port: Some(80),
            target_port: Some(IntOrString {
                r#type: Some(0),
                int_val: Some(8080),
                str_val: s(""),
            }),
            node_port: Some(node_port),
        }]
    } else {
        vec![]
    };
    let selector = if external_name.is_empty() {
        [("app".to_owned(), "web".to_owned())].into()
    } else {
        Default::default()
    };
    core::Service {
        metadata: Some(meta),
        spec: Some(core::ServiceSpec {
            ports,
            selector,
            cluster_ip: s(if service_type == "ClusterIP" && node_port < 0 {
                "None"
            } else {
                ""
            }),
            r#type: s(service_type),
            session_affinity: s(""),
            load_balancer_ip: s(""),
            external_name: s(external_name),
            external_traffic_policy: s(""),
            health_check_node_port: Some(0),
            publish_not_ready_addresses: Some(false),
            ..Default::default()
        }),
        status: Some(core::ServiceStatus {
            load_balancer: Some(core::LoadBalancerStatus::default()),
            conditions: vec![],
        }),
    }
}

#[test]
fn services_of_every_kubectl_create_service_type() {
    let cases = [
        (
            "ClusterIP",
            0,
            "",
            json!({"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
            "selector": {"app": "web"}, "type": "ClusterIP"}),
        ),
        (
            "ClusterIP",
            -1,
            "",
            json!({"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080, "nodePort": -1}],
            "selector": {"app": "web"}, "clusterIP": "None", "type": "ClusterIP"}),
        ),
        (
            "NodePort",
            30080,
            "",
            json!({"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080, "nodePort": 30080}],
            "selector": {"app": "web"}, "type": "NodePort"}),
        ),
        (
            "LoadBalancer",
            0,
            "",
            json!({"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
            "selector": {"app": "web"}, "type": "LoadBalancer"}),
        ),
        (
            "ExternalName",
            0,
            "db.example.com",
            json!({"type": "ExternalName", "externalName": "db.example.com"}),
        ),
    ];
    for (service_type, node_port, external_name, spec) in cases {
        let service = kubectl_service(service_type, node_port, external_name);
        assert_decodes(
            &envelope("v1", "Service", &service),
            json!({
                "kind": "Service", "apiVersion": "v1",
                "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null,
                             "labels": {"app": "web"}},
                "spec": spec,
                "status": {"loadBalancer": {}}
            }),
        );
    }
}

#[test]
fn role_and_cluster_role_with_aggregation() {
    let role = rbac::Role {
        metadata: Some(new_meta("pod-reader", "default")),
        rules: vec![rbac::PolicyRule {
            verbs: vec!["get".to_owned(), "list".to_owned()],
            api_groups: vec![String::new()],
            resources: vec!["pods".to_owned()],
            resource_names: vec!["web-1".to_owned()],
            non_resource_ur_ls: vec![],
        }],
    };
    assert_decodes(
        &envelope("rbac.authorization.k8s.io/v1", "Role", &role),
        json!({
            "kind": "Role", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "pod-reader", "namespace": "default", "creationTimestamp": null},
            "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"],
                       "resourceNames": ["web-1"]}]
        }),
    );
    let cluster_role = rbac::ClusterRole {
        metadata: Some(new_meta("monitoring", "")),
        rules: vec![rbac::PolicyRule {
            verbs: vec!["get".to_owned()],
            non_resource_ur_ls: vec!["/metrics".to_owned()],
            ..Default::default()
        }],
        aggregation_rule: Some(rbac::AggregationRule {
            cluster_role_selectors: vec![meta::LabelSelector {
                match_labels: [("rbac.example.com/aggregate".to_owned(), "true".to_owned())].into(),
                match_expressions: vec![meta::LabelSelectorRequirement {
                    key: s("tier"),
                    operator: s("Exists"),
                    values: vec![],
                }],
            }],
        }),
    };
    assert_decodes(
        &envelope("rbac.authorization.k8s.io/v1", "ClusterRole", &cluster_role),
        json!({
            "kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "monitoring", "creationTimestamp": null},
            "rules": [{"verbs": ["get"], "nonResourceURLs": ["/metrics"]}],
            "aggregationRule": {"clusterRoleSelectors": [{
                "matchLabels": {"rbac.example.com/aggregate": "true"},
                "matchExpressions": [{"key": "tier", "operator": "Exists"}]
            }]}
        }),
    );
}

#[test]
fn role_binding_and_cluster_role_binding() {
    let subjects = vec![
        rbac::Subject {
            kind: s("User"),
            api_group: s("rbac.authorization.k8s.io"),
            name: s("alice"),
            namespace: s(""),
        },
        rbac::Subject {
            kind: s("ServiceAccount"),
            api_group: s(""),
            name: s("builder"),
            namespace: s("ci"),
        },
    ];
    let expected_subjects = json!([
        {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
        {"kind": "ServiceAccount", "name": "builder", "namespace": "ci"}
    ]);
    let binding = rbac::RoleBinding {
        metadata: Some(new_meta("read-pods", "default")),
        subjects: subjects.clone(),
        role_ref: Some(rbac::RoleRef {
            api_group: s("rbac.authorization.k8s.io"),
            kind: s("Role"),
            name: s("pod-reader"),
        }),
    };
    assert_decodes(
        &envelope("rbac.authorization.k8s.io/v1", "RoleBinding", &binding),
        json!({
            "kind": "RoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "read-pods", "namespace": "default", "creationTimestamp": null},
            "subjects": expected_subjects,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"}
        }),
    );
    let cluster_binding = rbac::ClusterRoleBinding {
        metadata: Some(new_meta("admins", "")),
        subjects,
        role_ref: Some(rbac::RoleRef {
            api_group: s("rbac.authorization.k8s.io"),
            kind: s("ClusterRole"),
            name: s("cluster-admin"),
        }),
    };
    assert_decodes(
        &envelope(
            "rbac.authorization.k8s.io/v1",
            "ClusterRoleBinding",
            &cluster_binding,
        ),
        json!({
            "kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "admins", "creationTimestamp": null},
            "subjects": expected_subjects,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}
        }),
    );
}

#[test]
fn ingress_with_rules_tls_and_default_backend() {
    let backend = |name: &str, port: i32| net::IngressBackend {
        service: Some(net::IngressServiceBackend {
            name: s(name),
            port: Some(net::ServiceBackendPort {
                name: s(""),
                number: Some(port),
            }),
        }),
        resource: None,
    };
    let ingress = net::Ingress {
        metadata: Some(new_meta("web", "default")),
        spec: Some(net::IngressSpec {
            ingress_class_name: s("nginx"),
            default_backend: Some(backend("fallback", 80)),
            tls: vec![net::IngressTls {
                hosts: vec!["web.example.com".to_owned()],
                secret_name: s("web-tls"),
            }],
            rules: vec![net::IngressRule {
                host: s("web.example.com"),
                ingress_rule_value: Some(net::IngressRuleValue {
                    http: Some(net::HttpIngressRuleValue {
                        paths: vec![net::HttpIngressPath {
                            path: s("/api"),
                            path_type: s("Prefix"),
                            backend: Some(backend("api", 8080)),
                        }],
                    }),
                }),
            }],
        }),
        status: Some(net::IngressStatus {
            load_balancer: Some(net::IngressLoadBalancerStatus::default()),
        }),
    };
    assert_decodes(
        &envelope("networking.k8s.io/v1", "Ingress", &ingress),
        json!({
            "kind": "Ingress", "apiVersion": "networking.k8s.io/v1",
            "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null},
            "spec": {
                "ingressClassName": "nginx",
                "defaultBackend": {"service": {"name": "fallback", "port": {"number": 80}}},
                "tls": [{"hosts": ["web.example.com"], "secretName": "web-tls"}],
                "rules": [{"host": "web.example.com", "http": {"paths": [{
                    "path": "/api", "pathType": "Prefix",
                    "backend": {"service": {"name": "api", "port": {"number": 8080}}}
                }]}}]
            },
            "status": {"loadBalancer": {}}
        }),
    );
}

fn busybox_template(restart_policy: &str) -> core::PodTemplateSpec {
    core::PodTemplateSpec {
        metadata: Some(new_meta("", "")),
        spec: Some(core::PodSpec {
            containers: vec![core::Container {
                name: s("job"),
                image: s("busybox"),
                command: vec!["date".to_owned()],
                resources: Some(core::ResourceRequirements::default()),
                ..Default::default()
            }],
            restart_policy: s(restart_policy),
            ..Default::default()
        }),
    }
}

#[test]
fn job_with_pod_failure_policy() {
    let job = batch::Job {
        metadata: Some(new_meta("once", "default")),
        spec: Some(batch::JobSpec {
            backoff_limit: Some(0),
            suspend: Some(false),
            pod_failure_policy: Some(batch::PodFailurePolicy {
                rules: vec![batch::PodFailurePolicyRule {
                    action: s("FailJob"),
                    on_exit_codes: Some(batch::PodFailurePolicyOnExitCodesRequirement {
                        container_name: s("job"),
                        operator: s("In"),
                        values: vec![1, 42],
                    }),
                    on_pod_conditions: vec![],
                }],
            }),
            template: Some(busybox_template("Never")),
            ..Default::default()
        }),
        status: Some(batch::JobStatus::default()),
    };
    assert_decodes(
        &envelope("batch/v1", "Job", &job),
        json!({
            "kind": "Job", "apiVersion": "batch/v1",
            "metadata": {"name": "once", "namespace": "default", "creationTimestamp": null},
            "spec": {
                "podFailurePolicy": {"rules": [{"action": "FailJob", "onExitCodes": {
                    "containerName": "job", "operator": "In", "values": [1, 42]}}]},
                "backoffLimit": 0,
                "template": {
                    "metadata": {"creationTimestamp": null},
                    "spec": {"containers": [{"name": "job", "image": "busybox", "command": ["date"],
                                             "resources": {}}],
                             "restartPolicy": "Never"}
                },
                "suspend": false
            },
            "status": {}
        }),
    );
}

#[test]
fn cron_job_from_kubectl_create_cronjob() {
    let cron_job = batch::CronJob {
        metadata: Some(new_meta("nightly", "default")),
        spec: Some(batch::CronJobSpec {
            schedule: s("0 3 * * *"),
            concurrency_policy: s(""),
            job_template: Some(batch::JobTemplateSpec {
                metadata: Some(new_meta("nightly", "")),
                spec: Some(batch::JobSpec {
                    template: Some(busybox_template("OnFailure")),
                    ..Default::default()
                }),
            }),
            successful_jobs_history_limit: Some(0),
            ..Default::default()
        }),
        status: Some(batch::CronJobStatus::default()),
    };
    assert_decodes(
        &envelope("batch/v1", "CronJob", &cron_job),
        json!({
            "kind": "CronJob", "apiVersion": "batch/v1",
            "metadata": {"name": "nightly", "namespace": "default", "creationTimestamp": null},
            "spec": {
                "schedule": "0 3 * * *",
                "jobTemplate": {
                    "metadata": {"name": "nightly", "creationTimestamp": null},
                    "spec": {"template": {
                        "metadata": {"creationTimestamp": null},
                        "spec": {"containers": [{"name": "job", "image": "busybox", "command": ["date"],
                                                 "resources": {}}],
                                 "restartPolicy": "OnFailure"}
                    }}
                },
                "successfulJobsHistoryLimit": 0
            },
            "status": {}
        }),
    );
}

#[test]
fn pod_disruption_budget_with_min_available_zero() {
    let budget = policy::PodDisruptionBudget {
        metadata: Some(new_meta("web", "default")),
        spec: Some(policy::PodDisruptionBudgetSpec {
            min_available: Some(IntOrString {
                r#type: Some(0),
                int_val: Some(0),
                str_val: s(""),
            }),
            selector: Some(meta::LabelSelector {
                match_labels: [("app".to_owned(), "web".to_owned())].into(),
                match_expressions: vec![],
            }),
            max_unavailable: None,
            unhealthy_pod_eviction_policy: None,
        }),
        status: Some(policy::PodDisruptionBudgetStatus {
            observed_generation: Some(0),
            disruptions_allowed: Some(0),
            current_healthy: Some(0),
            desired_healthy: Some(0),
            expected_pods: Some(0),
            ..Default::default()
        }),
    };
    assert_decodes(
        &envelope("policy/v1", "PodDisruptionBudget", &budget),
        json!({
            "kind": "PodDisruptionBudget", "apiVersion": "policy/v1",
            "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null},
            "spec": {"minAvailable": 0, "selector": {"matchLabels": {"app": "web"}}},
            // These four have no omitempty in Go.
            "status": {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0,
                       "expectedPods": 0}
        }),
    );
}

#[test]
fn priority_class_keeps_a_zero_value() {
    let class = scheduling::PriorityClass {
        metadata: Some(new_meta("batch-low", "")),
        value: Some(0),
        global_default: Some(false),
        description: s("low priority"),
        preemption_policy: s("Never"),
    };
    assert_decodes(
        &envelope("scheduling.k8s.io/v1", "PriorityClass", &class),
        json!({
            "kind": "PriorityClass", "apiVersion": "scheduling.k8s.io/v1",
            "metadata": {"name": "batch-low", "creationTimestamp": null},
            "value": 0, "description": "low priority", "preemptionPolicy": "Never"
        }),
    );
}

#[test]
fn resource_quota_from_kubectl_create_quota() {
    let quota = core::ResourceQuota {
        metadata: Some(new_meta("small", "default")),
        spec: Some(core::ResourceQuotaSpec {
            hard: [
                ("pods".to_owned(), Quantity { string: s("10") }),
                ("requests.cpu".to_owned(), Quantity { string: s("2") }),
            ]
            .into(),
            scopes: vec!["NotTerminating".to_owned()],
            scope_selector: None,
        }),
        status: Some(core::ResourceQuotaStatus::default()),
    };
    assert_decodes(
        &envelope("v1", "ResourceQuota", &quota),
        json!({
            "kind": "ResourceQuota", "apiVersion": "v1",
            "metadata": {"name": "small", "namespace": "default", "creationTimestamp": null},
            "spec": {"hard": {"pods": "10", "requests.cpu": "2"}, "scopes": ["NotTerminating"]},
            "status": {}
        }),
    );
}

#[test]
fn token_request_from_kubectl_create_token() {
    let request = authn::TokenRequest {
        metadata: Some(new_meta("", "")),
        spec: Some(authn::TokenRequestSpec {
            audiences: vec!["https://kubernetes.default.svc".to_owned()],
            expiration_seconds: Some(3600),
            bound_object_ref: Some(authn::BoundObjectReference {
                kind: s("Pod"),
                api_version: s("v1"),
                name: s("web-1"),
                u_id: s("0d4c3a52-0f3c-4a4e-9b55-1f2d4c1b7a10"),
            }),
        }),
        status: Some(authn::TokenRequestStatus {
            token: s(""),
            expiration_timestamp: Some(meta::Time::default()),
        }),
    };
    assert_decodes(
        &envelope("authentication.k8s.io/v1", "TokenRequest", &request),
        json!({
            "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": null},
            "spec": {
                "audiences": ["https://kubernetes.default.svc"],
                "expirationSeconds": 3600,
                "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "web-1",
                                   "uid": "0d4c3a52-0f3c-4a4e-9b55-1f2d4c1b7a10"}
            },
            "status": {"token": "", "expirationTimestamp": null}
        }),
    );
}

#[test]
fn self_subject_rules_review_from_kubectl_auth_can_i_list() {
    let review = authz::SelfSubjectRulesReview {
        metadata: Some(new_meta("", "")),
        spec: Some(authz::SelfSubjectRulesReviewSpec {
            namespace: s("default"),
        }),
        status: Some(authz::SubjectRulesReviewStatus {
            incomplete: Some(false),
            evaluation_error: s(""),
            ..Default::default()
        }),
    };
    assert_decodes(
        &envelope("authorization.k8s.io/v1", "SelfSubjectRulesReview", &review),
        json!({
            "kind": "SelfSubjectRulesReview", "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"creationTimestamp": null},
            "spec": {"namespace": "default"},
            "status": {"incomplete": false}
        }),
    );
}

#[test]
fn self_subject_review_in_every_version_kubectl_auth_whoami_tries() {
    let status_user = authn::UserInfo {
        username: s("alice"),
        uid: s(""),
        groups: vec!["system:authenticated".to_owned()],
        extra: [(
            "scopes".to_owned(),
            authn::ExtraValue {
                items: vec!["read".to_owned(), "write".to_owned()],
            },
        )]
        .into(),
    };
    let v1 = authn::SelfSubjectReview {
        metadata: Some(new_meta("", "")),
        status: Some(authn::SelfSubjectReviewStatus {
            user_info: Some(status_user),
        }),
    };
    let expected_status = json!({"userInfo": {
        "username": "alice", "groups": ["system:authenticated"],
        "extra": {"scopes": ["read", "write"]}
    }});
    for api_version in [
        "authentication.k8s.io/v1",
        "authentication.k8s.io/v1beta1",
        "authentication.k8s.io/v1alpha1",
    ] {
        // The three versions share field numbers, so one encoding serves all.
        assert_decodes(
            &envelope(api_version, "SelfSubjectReview", &v1),
            json!({
                "kind": "SelfSubjectReview", "apiVersion": api_version,
                "metadata": {"creationTimestamp": null},
                "status": expected_status
            }),
        );
    }
    // What kubectl actually sends: an empty object.
    let empty = authn::SelfSubjectReview {
        metadata: Some(new_meta("", "")),
        status: Some(authn::SelfSubjectReviewStatus { user_info: None }),
    };
    assert_decodes(
        &envelope("authentication.k8s.io/v1", "SelfSubjectReview", &empty),
        json!({
            "kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": null}, "status": {}
        }),
    );
}

mod edge_cases {
    //! Envelope errors, wire-format corner cases and the special types.

    use k8s_pb::api::apps::v1 as apps;
    use k8s_pb::api::events::v1 as events;
    use k8s_pb::apimachinery::pkg::runtime::RawExtension;

    use super::*;

    fn unknown_body(type_meta: Option<(&str, &str)>, raw: &[u8], encoding: &str) -> Vec<u8> {
        let unknown = Unknown {
            type_meta: type_meta.map(|(api_version, kind)| TypeMeta {
                api_version: s(api_version),
                kind: s(kind),
            }),
            raw: Some(raw.to_vec()),
            content_encoding: s(encoding),
            content_type: s(""),
        };
        let mut body = MAGIC.to_vec();
        body.extend(unknown.encode_to_vec());
        body
    }

    #[test]
    fn unsupported_kind_is_a_415() {
        let error = decode(&unknown_body(Some(("v1", "Pod")), &[], ""));
        assert_eq!(
            error,
            Err(DecodeError::UnsupportedKind {
                api_version: "v1".to_owned(),
                kind: "Pod".to_owned()
            })
        );
        assert_eq!(error.map_err(|e| e.http_status()), Err(415));
        // The kind exists, but not in this version.
        assert!(matches!(
            decode(&unknown_body(Some(("apps/v1beta2", "Deployment")), &[], "")),
            Err(DecodeError::UnsupportedKind { .. })
        ));
    }

    #[test]
    fn envelope_errors_are_400s_except_content_encoding() {
        let missing_magic = decode(b"{\"kind\":\"Namespace\"}");
        assert_eq!(missing_magic, Err(DecodeError::MissingMagic));
        assert_eq!(decode(b"k8s"), Err(DecodeError::MissingMagic));
        assert_eq!(decode(MAGIC), Err(DecodeError::MissingKind));
        assert_eq!(
            decode(&unknown_body(None, &[], "")),
            Err(DecodeError::MissingKind)
        );
        let gzip = decode(&unknown_body(Some(("v1", "Namespace")), &[], "gzip"));
        assert_eq!(
            gzip,
            Err(DecodeError::UnsupportedContentEncoding("gzip".to_owned()))
        );
        assert_eq!(gzip.map_err(|e| e.http_status()), Err(415));
        let truncated = decode(&unknown_body(Some(("v1", "Namespace")), &[0x0a, 0x05], ""));
        assert!(matches!(truncated, Err(DecodeError::Malformed { .. })));
        assert_eq!(truncated.map_err(|e| e.http_status()), Err(400));
        let mut cut_envelope = envelope("v1", "Namespace", &core::Namespace::default());
        cut_envelope.truncate(12);
        assert!(matches!(
            decode(&cut_envelope),
            Err(DecodeError::Malformed { .. })
        ));
    }

    #[test]
    fn a_known_field_with_the_wrong_wire_type_is_malformed() {
        // Namespace field 1 (metadata) as a varint.
        let error = decode(&unknown_body(Some(("v1", "Namespace")), &[0x08, 0x01], ""));
        assert!(
            matches!(&error, Err(DecodeError::Malformed { message, .. }) if message == "api.core.v1.Namespace"),
            "{error:?}"
        );
        // ConfigMap immutable (field 4, bool) as a string.
        let error = decode(&unknown_body(Some(("v1", "ConfigMap")), &[0x22, 0x00], ""));
        assert!(
            matches!(error, Err(DecodeError::Malformed { .. })),
            "{error:?}"
        );
    }

    #[test]
    fn unknown_fields_are_skipped_at_every_level() {
        let namespace = core::Namespace {
            metadata: Some(meta::ObjectMeta {
                name: s("ns"),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut raw = Vec::new();
        // Unknown top-level fields of all four wire types.
        raw.extend([0xc8, 0x06, 0x2a]); // 100: varint 42
        raw.extend([0xd1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8]); // 106: fixed64
        raw.extend([0xd5, 0x06, 1, 2, 3, 4]); // 106: fixed32
        raw.extend(namespace.encode_to_vec());
        // metadata again with an unknown length-delimited field 99 inside.
        raw.extend([0x0a, 0x05, 0x9a, 0x06, 0x02, b'h', b'i']);
        assert_eq!(
            decode(&unknown_body(Some(("v1", "Namespace")), &raw, "")),
            Ok(json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "ns"}}))
        );
    }

    #[test]
    fn repeated_occurrences_merge_messages_and_keep_the_last_scalar() {
        let first = apps::Deployment {
            metadata: Some(meta::ObjectMeta {
                name: s("first"),
                labels: [("a".to_owned(), "1".to_owned())].into(),
                ..Default::default()
            }),
            spec: Some(apps::DeploymentSpec {
                replicas: Some(1),
                ..Default::default()
            }),
            ..Default::default()
        };
        let second = apps::Deployment {
            metadata: Some(meta::ObjectMeta {
                name: s("second"),
                namespace: s("ns"),
                labels: [
                    ("a".to_owned(), "2".to_owned()),
                    ("b".to_owned(), "3".to_owned()),
                ]
                .into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut raw = first.encode_to_vec();
        raw.extend(second.encode_to_vec());
        assert_eq!(
            decode(&unknown_body(Some(("apps/v1", "Deployment")), &raw, "")),
            Ok(json!({
                "kind": "Deployment", "apiVersion": "apps/v1",
                "metadata": {"name": "second", "namespace": "ns", "labels": {"a": "2", "b": "3"}},
                "spec": {"replicas": 1}
            }))
        );
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct PackedOnExitCodes {
        #[prost(string, optional, tag = "2")]
        operator: Option<String>,
        #[prost(int32, repeated, packed = "true", tag = "3")]
        values: Vec<i32>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct PackedRule {
        #[prost(message, optional, tag = "2")]
        on_exit_codes: Option<PackedOnExitCodes>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct PackedPolicy {
        #[prost(message, repeated, tag = "1")]
        rules: Vec<PackedRule>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct PackedJobSpec {
        #[prost(message, optional, tag = "11")]
        pod_failure_policy: Option<PackedPolicy>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct PackedJob {
        #[prost(message, optional, tag = "2")]
        spec: Option<PackedJobSpec>,
    }

    #[test]
    fn repeated_integers_decode_packed_and_unpacked() {
        let packed = PackedJob {
            spec: Some(PackedJobSpec {
                pod_failure_policy: Some(PackedPolicy {
                    rules: vec![PackedRule {
                        on_exit_codes: Some(PackedOnExitCodes {
                            operator: s("NotIn"),
                            values: vec![0, -1, 300, i32::MAX],
                        }),
                    }],
                }),
            }),
        };
        let expected = json!({
            "kind": "Job", "apiVersion": "batch/v1",
            // `action` has no omitempty in Go, so its absence still writes "".
            "spec": {"podFailurePolicy": {"rules": [{"action": "", "onExitCodes": {
                "operator": "NotIn", "values": [0, -1, 300, i32::MAX]}}]}}
        });
        assert_eq!(
            decode(&envelope("batch/v1", "Job", &packed)),
            Ok(expected.clone())
        );
        let unpacked = batch::Job {
            spec: Some(batch::JobSpec {
                pod_failure_policy: Some(batch::PodFailurePolicy {
                    rules: vec![batch::PodFailurePolicyRule {
                        on_exit_codes: Some(batch::PodFailurePolicyOnExitCodesRequirement {
                            operator: s("NotIn"),
                            values: vec![0, -1, 300, i32::MAX],
                            container_name: None,
                        }),
                        ..Default::default()
                    }],
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            decode(&envelope("batch/v1", "Job", &unpacked)),
            Ok(expected)
        );
    }

    #[test]
    fn metadata_times_owner_references_and_managed_fields() {
        let metadata = meta::ObjectMeta {
            name: s("web"),
            uid: s("7e5a"),
            generation: Some(2),
            creation_timestamp: Some(meta::Time {
                seconds: Some(1_700_000_000),
                nanos: Some(999_999_999),
            }),
            deletion_timestamp: Some(meta::Time {
                seconds: Some(-86_401),
                nanos: Some(0),
            }),
            deletion_grace_period_seconds: Some(0),
            annotations: [("note".to_owned(), "ü".to_owned())].into(),
            owner_references: vec![meta::OwnerReference {
                api_version: s("apps/v1"),
                kind: s("ReplicaSet"),
                name: s("web-abc"),
                uid: s("1234"),
                controller: Some(true),
                block_owner_deletion: Some(false),
            }],
            finalizers: vec!["example.com/keep".to_owned()],
            managed_fields: vec![meta::ManagedFieldsEntry {
                manager: s("kubectl-create"),
                operation: s("Update"),
                api_version: s("v1"),
                time: Some(meta::Time {
                    seconds: Some(0),
                    nanos: None,
                }),
                fields_type: s("FieldsV1"),
                fields_v1: Some(meta::FieldsV1 {
                    raw: Some(br#"{"f:data":{".":{},"f:k":{}}}"#.to_vec()),
                }),
                subresource: s(""),
            }],
            ..Default::default()
        };
        let map = core::ConfigMap {
            metadata: Some(metadata),
            ..Default::default()
        };
        assert_decodes(
            &envelope("v1", "ConfigMap", &map),
            json!({
                "kind": "ConfigMap", "apiVersion": "v1",
                "metadata": {
                    "name": "web", "uid": "7e5a", "generation": 2,
                    // Time keeps whole seconds only.
                    "creationTimestamp": "2023-11-14T22:13:20Z",
                    "deletionTimestamp": "1969-12-30T23:59:59Z",
                    "deletionGracePeriodSeconds": 0,
                    "annotations": {"note": "ü"},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc",
                                         "uid": "1234", "controller": true, "blockOwnerDeletion": false}],
                    "finalizers": ["example.com/keep"],
                    "managedFields": [{"manager": "kubectl-create", "operation": "Update",
                                       "apiVersion": "v1", "time": "1970-01-01T00:00:00Z",
                                       "fieldsType": "FieldsV1",
                                       "fieldsV1": {"f:data": {".": {}, "f:k": {}}}}]
                }
            }),
        );
    }

    #[test]
    fn times_outside_years_0_to_9999_are_rejected() {
        for seconds in [253_402_300_800_i64, -62_167_219_201, i64::MIN, i64::MAX] {
            let map = core::ConfigMap {
                metadata: Some(meta::ObjectMeta {
                    creation_timestamp: Some(meta::Time {
                        seconds: Some(seconds),
                        nanos: None,
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            };
            let result = decode(&envelope("v1", "ConfigMap", &map));
            assert!(
                matches!(result, Err(DecodeError::Malformed { .. })),
                "{seconds}: {result:?}"
            );
        }
        let last_second = core::ConfigMap {
            metadata: Some(meta::ObjectMeta {
                creation_timestamp: Some(meta::Time {
                    seconds: Some(253_402_300_799),
                    nanos: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            decode(&envelope("v1", "ConfigMap", &last_second))
                .map(|v| v["metadata"]["creationTimestamp"].clone()),
            Ok(json!("9999-12-31T23:59:59Z"))
        );
    }

    #[test]
    fn invalid_fields_v1_json_is_malformed() {
        let map = core::ConfigMap {
            metadata: Some(meta::ObjectMeta {
                managed_fields: vec![meta::ManagedFieldsEntry {
                    fields_v1: Some(meta::FieldsV1 {
                        raw: Some(b"{not json".to_vec()),
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        };
        assert!(matches!(
            decode(&envelope("v1", "ConfigMap", &map)),
            Err(DecodeError::Malformed { .. })
        ));
    }

    #[test]
    fn event_time_is_a_micro_time() {
        let event = events::Event {
            metadata: Some(meta::ObjectMeta {
                name: s("web.1"),
                ..Default::default()
            }),
            event_time: Some(meta::MicroTime {
                seconds: Some(1_700_000_000),
                nanos: Some(123_456_789),
            }),
            reason: s("Started"),
            ..Default::default()
        };
        assert_eq!(
            decode(&envelope("events.k8s.io/v1", "Event", &event)),
            Ok(json!({
                "kind": "Event", "apiVersion": "events.k8s.io/v1",
                "metadata": {"name": "web.1"},
                "eventTime": "2023-11-14T22:13:20.123456Z",
                "reason": "Started"
            }))
        );
    }

    #[test]
    fn raw_extensions_hold_json_or_a_nested_envelope() {
        let json_revision = apps::ControllerRevision {
            metadata: Some(meta::ObjectMeta {
                name: s("web-1"),
                ..Default::default()
            }),
            data: Some(RawExtension {
                raw: Some(br#"{"spec":{"replicas":2}}"#.to_vec()),
            }),
            revision: Some(1),
        };
        assert_eq!(
            decode(&envelope("apps/v1", "ControllerRevision", &json_revision)),
            Ok(json!({
                "kind": "ControllerRevision", "apiVersion": "apps/v1",
                "metadata": {"name": "web-1"},
                "data": {"spec": {"replicas": 2}},
                "revision": 1
            }))
        );
        let nested = apps::ControllerRevision {
            data: Some(RawExtension {
                raw: Some(envelope("v1", "Namespace", &core::Namespace::default())),
            }),
            revision: Some(0),
            ..Default::default()
        };
        assert_eq!(
            decode(&envelope("apps/v1", "ControllerRevision", &nested)),
            Ok(json!({
                "kind": "ControllerRevision", "apiVersion": "apps/v1",
                "data": {"kind": "Namespace", "apiVersion": "v1"},
                "revision": 0
            }))
        );
    }

    #[test]
    fn nesting_is_depth_limited() {
        let mut body = envelope("v1", "Namespace", &core::Namespace::default());
        for _ in 0..(decode::MAX_DEPTH + 5) {
            let revision = apps::ControllerRevision {
                data: Some(RawExtension { raw: Some(body) }),
                ..Default::default()
            };
            body = envelope("apps/v1", "ControllerRevision", &revision);
        }
        assert_eq!(
            decode(&body),
            Err(DecodeError::TooDeep {
                limit: decode::MAX_DEPTH
            })
        );
    }

    #[test]
    fn recognises_the_protobuf_content_type() {
        assert!(is_protobuf_content_type(
            "application/vnd.kubernetes.protobuf"
        ));
        assert!(is_protobuf_content_type(
            "Application/VND.Kubernetes.Protobuf; charset=utf-8"
        ));
        assert!(!is_protobuf_content_type("application/json"));
        assert!(!is_protobuf_content_type(
            "application/vnd.kubernetes.protobuf+extra"
        ));
        assert!(!is_protobuf_content_type(""));
    }

    #[test]
    fn supported_kinds_cover_every_kubectl_protobuf_request() {
        for (api_version, kind) in [
            ("authorization.k8s.io/v1", "SelfSubjectAccessReview"),
            ("authorization.k8s.io/v1", "SelfSubjectRulesReview"),
            ("authentication.k8s.io/v1", "SelfSubjectReview"),
            ("authentication.k8s.io/v1beta1", "SelfSubjectReview"),
            ("authentication.k8s.io/v1alpha1", "SelfSubjectReview"),
            ("authentication.k8s.io/v1", "TokenRequest"),
            ("apps/v1", "Deployment"),
            ("v1", "Namespace"),
            ("v1", "ConfigMap"),
            ("v1", "Secret"),
            ("v1", "ServiceAccount"),
            ("v1", "Service"),
            ("v1", "ResourceQuota"),
            ("rbac.authorization.k8s.io/v1", "Role"),
            ("rbac.authorization.k8s.io/v1", "RoleBinding"),
            ("rbac.authorization.k8s.io/v1", "ClusterRole"),
            ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
            ("networking.k8s.io/v1", "Ingress"),
            ("batch/v1", "Job"),
            ("batch/v1", "CronJob"),
            ("policy/v1", "PodDisruptionBudget"),
            ("scheduling.k8s.io/v1", "PriorityClass"),
        ] {
            assert!(is_supported(api_version, kind), "{api_version} {kind}");
            assert!(supported_kinds().any(|pair| pair == (api_version, kind)));
        }
        assert!(!is_supported("v1", "Pod"));
    }
}

mod fuzz {
    //! Random, truncated and corrupted bodies never panic or hang.

    use proptest::prelude::*;

    use super::*;

    fn valid_bodies() -> Vec<Vec<u8>> {
        vec![
            envelope("apps/v1", "Deployment", &kubectl_deployment()),
            envelope("v1", "Service", &kubectl_service("NodePort", 30080, "")),
            envelope("batch/v1", "CronJob", &batch::CronJob::default()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_bytes_after_the_prefix_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut body = MAGIC.to_vec();
            body.extend(tail);
            let _ = decode(&body);
        }

        #[test]
        fn random_bodies_for_a_known_kind_never_panic(
            kind in 0usize..4,
            raw in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let (api_version, kind) = [("apps/v1", "Deployment"), ("v1", "Secret"),
                ("authorization.k8s.io/v1", "SelfSubjectAccessReview"), ("batch/v1", "Job")][kind];
            let unknown = Unknown {
                type_meta: Some(TypeMeta { api_version: s(api_version), kind: s(kind) }),
                raw: Some(raw),
                content_encoding: None,
                content_type: None,
            };
            let mut body = MAGIC.to_vec();
            body.extend(unknown.encode_to_vec());
            let _ = decode(&body);
        }

        #[test]
        fn truncated_and_corrupted_bodies_never_panic(
            which in 0usize..3,
            cut in any::<prop::sample::Index>(),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        ) {
            let mut body = valid_bodies().swap_remove(which);
            for (index, byte) in flips {
                let at = index.index(body.len());
                body[at] = byte;
            }
            let _ = decode(&body);
            let keep = cut.index(body.len());
            body.truncate(keep);
            let _ = decode(&body);
        }
    }

    #[test]
    fn every_strict_prefix_of_a_valid_body_is_an_error_or_a_smaller_object() {
        // A prefix that ends on a field boundary of the envelope is still valid protobuf; every
        // other prefix must be reported, never mis-decoded into a panic.
        let body = envelope("apps/v1", "Deployment", &kubectl_deployment());
        let mut errors = 0;
        for keep in 0..body.len() {
            if decode(&body[..keep]).is_err() {
                errors += 1;
            }
        }
        assert!(errors > body.len() / 2, "{errors} of {}", body.len());
    }
}

mod table {
    //! Invariants of the generated schema table.

    use std::collections::BTreeSet;

    use crate::schema::{FieldType, MessageSchema};
    use crate::schema_table::ROOT_KINDS;

    /// JSON names a message contributes to its object, with inlined messages flattened.
    fn json_names(message: &'static MessageSchema, out: &mut Vec<&'static str>) {
        for field in message.fields {
            match field.field_type {
                FieldType::Inline(inner) => json_names(inner, out),
                _ => out.push(field.json_name),
            }
        }
    }

    fn check(message: &'static MessageSchema, seen: &mut BTreeSet<&'static str>) {
        if !seen.insert(message.name) {
            return;
        }
        let numbers: Vec<u32> = message.fields.iter().map(|f| f.number).collect();
        assert!(
            numbers.windows(2).all(|w| w[0] < w[1]),
            "{}: field numbers not strictly increasing",
            message.name
        );
        assert!(numbers.iter().all(|n| *n > 0), "{}", message.name);
        let mut names = Vec::new();
        json_names(message, &mut names);
        let unique: BTreeSet<_> = names.iter().collect();
        assert_eq!(
            unique.len(),
            names.len(),
            "{}: duplicate JSON names",
            message.name
        );
        for name in names {
            assert!(
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}: bad JSON name {name:?}",
                message.name
            );
        }
        for field in message.fields {
            let mut field_type = &field.field_type;
            if let FieldType::Map(value) = field_type {
                field_type = value;
            }
            if let FieldType::Message(inner) | FieldType::Inline(inner) = field_type {
                check(inner, seen);
            }
        }
    }

    #[test]
    fn every_reachable_message_is_well_formed() {
        let mut seen = BTreeSet::new();
        for (_, _, message) in ROOT_KINDS {
            check(message, &mut seen);
        }
        assert!(seen.len() > 200, "only {} messages reachable", seen.len());
    }
}
