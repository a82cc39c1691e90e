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
    assert_eq!(
        decoded,
        expected,
        "\n got: {}\nwant: {}",
        serde_json::to_string_pretty(&decoded).unwrap_or_default(),
        serde_json::to_string_pretty(&expected).unwrap_or_default()
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
