//! Tests of defaulting: each kind's input and the object kube-apiserver stores, and idempotence.

use serde_json::{Value, json};

use super::*;
use crate::registry::{self, ResourceInfo};

fn resource(group: &str, plural: &str) -> &'static ResourceInfo {
    registry::find(group, "v1", plural).unwrap()
}

/// Defaults `input`, compares with `expected`, and checks a second pass changes nothing.
fn assert_defaults(resource: &ResourceInfo, input: Value, expected: Value) {
    let mut obj = input;
    apply_defaults(resource, &mut obj);
    assert_eq!(
        obj,
        expected,
        "\n{}",
        serde_json::to_string_pretty(&obj).unwrap()
    );
    let once = obj.clone();
    apply_defaults(resource, &mut obj);
    assert_eq!(obj, once, "not idempotent");
}

#[test]
fn deployment_gets_strategy_and_template_defaults() {
    assert_defaults(
        resource("apps", "deployments"),
        json!({"metadata": {"name": "web"}, "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}],
                 "livenessProbe": {"httpGet": {"port": 80}},
                 "env": [{"name": "P", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]}]}}}}),
        json!({"metadata": {"name": "web"}, "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                "containers": [{"name": "web", "image": "nginx:1.27",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "livenessProbe": {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
                        "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
                    "env": [{"name": "P", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name", "apiVersion": "v1"}}}],
                    "imagePullPolicy": "IfNotPresent",
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "resources": {}}],
                "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "securityContext": {},
                "terminationGracePeriodSeconds": 30, "schedulerName": "default-scheduler"}},
            "replicas": 1,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}}),
    );
}

#[test]
fn recreate_strategy_gets_no_rolling_update() {
    let mut obj = json!({"spec": {"strategy": {"type": "Recreate"}, "replicas": 0}});
    apply_defaults(resource("apps", "deployments"), &mut obj);
    assert_eq!(obj["spec"]["strategy"], json!({"type": "Recreate"}));
    assert_eq!(obj["spec"]["replicas"], json!(0));
}

#[test]
fn replica_set_gets_one_replica() {
    let mut obj = json!({"spec": {"template": {"spec": {"containers": []}}}});
    apply_defaults(resource("apps", "replicasets"), &mut obj);
    assert_eq!(obj["spec"]["replicas"], json!(1));
    assert_eq!(
        obj["spec"]["template"]["spec"]["restartPolicy"],
        json!("Always")
    );
}

#[test]
fn pod_gets_pod_only_defaults() {
    assert_defaults(
        resource("", "pods"),
        json!({"spec": {"containers": [{"name": "a", "image": "busybox",
            "resources": {"limits": {"cpu": "1"}, "requests": {"memory": "1Gi"}}}],
            "volumes": [{"name": "v"}, {"name": "s", "secret": {"secretName": "x"}}]}}),
        json!({"spec": {"containers": [{"name": "a", "image": "busybox",
            "resources": {"limits": {"cpu": "1"}, "requests": {"memory": "1Gi", "cpu": "1"}},
            "imagePullPolicy": "Always", "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File"}],
            "volumes": [{"name": "v", "emptyDir": {}}, {"name": "s", "secret": {"secretName": "x", "defaultMode": 420}}],
            "enableServiceLinks": true, "priority": 0, "preemptionPolicy": "PreemptLowerPriority",
            "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "securityContext": {},
            "terminationGracePeriodSeconds": 30, "schedulerName": "default-scheduler"}}),
    );
}

#[test]
fn image_pull_policy_follows_the_tag() {
    for (image, policy) in [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("registry:5000/nginx", "Always"),
        ("registry:5000/team/nginx:2", "IfNotPresent"),
        ("nginx@sha256:abcd", "IfNotPresent"),
        ("nginx:latest@sha256:abcd", "Always"),
        ("", "Always"),
    ] {
        assert_eq!(default_image_pull_policy(image), policy, "{image}");
    }
}

#[test]
fn cluster_ip_service_defaults() {
    assert_defaults(
        resource("", "services"),
        json!({"spec": {"ports": [{"port": 80}, {"port": 53, "protocol": "UDP", "targetPort": "dns"}], "selector": {"app": "web"}}}),
        json!({"spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 80},
                                  {"port": 53, "protocol": "UDP", "targetPort": "dns"}],
            "selector": {"app": "web"}, "sessionAffinity": "None", "type": "ClusterIP",
            "internalTrafficPolicy": "Cluster", "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"]}}),
    );
}

#[test]
fn load_balancer_service_defaults() {
    let mut obj = json!({"spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP", "ports": [{"port": 443, "targetPort": 0}]}});
    apply_defaults(resource("", "services"), &mut obj);
    let spec = &obj["spec"];
    assert_eq!(spec["externalTrafficPolicy"], "Cluster");
    assert_eq!(spec["allocateLoadBalancerNodePorts"], true);
    assert_eq!(spec["ports"][0]["targetPort"], 443);
    assert_eq!(
        spec["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"],
        10800
    );
    assert!(
        spec.get("clusterIP").is_none(),
        "allocation is the server's"
    );
    assert!(spec.get("ports").unwrap()[0].get("nodePort").is_none());
}

#[test]
fn external_name_and_headless_services() {
    let mut external = json!({"spec": {"type": "ExternalName", "externalName": "db.example.com"}});
    apply_defaults(resource("", "services"), &mut external);
    assert!(external["spec"].get("ipFamilies").is_none());
    assert!(external["spec"].get("internalTrafficPolicy").is_none());
    let mut headless = json!({"spec": {"clusterIP": "None"}});
    apply_defaults(resource("", "services"), &mut headless);
    assert_eq!(headless["spec"]["ipFamilyPolicy"], "RequireDualStack");
}

#[test]
fn namespace_defaults() {
    assert_defaults(
        resource("", "namespaces"),
        json!({"metadata": {"name": "team-a"}}),
        json!({"metadata": {"name": "team-a", "labels": {"kubernetes.io/metadata.name": "team-a"}},
               "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
    );
}

#[test]
fn secret_and_configmap_defaults() {
    let mut secret = json!({"data": {}});
    apply_defaults(resource("", "secrets"), &mut secret);
    assert_eq!(secret["type"], "Opaque");
    let mut config = json!({"data": {"a": "b"}});
    apply_defaults(resource("", "configmaps"), &mut config);
    assert_eq!(config, json!({"data": {"a": "b"}}));
}

#[test]
fn network_policy_types_follow_the_rules() {
    let np = resource("networking.k8s.io", "networkpolicies");
    assert_defaults(
        np,
        json!({"spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}}),
        json!({"spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 80, "protocol": "TCP"}]}],
               "policyTypes": ["Ingress"]}}),
    );
    let mut egress = json!({"spec": {"egress": [{}]}});
    apply_defaults(np, &mut egress);
    assert_eq!(egress["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
    let mut given = json!({"spec": {"egress": [{}], "policyTypes": ["Egress"]}});
    apply_defaults(np, &mut given);
    assert_eq!(given["spec"]["policyTypes"], json!(["Egress"]));
}

#[test]
fn rbac_subjects_get_their_api_group() {
    assert_defaults(
        resource("rbac.authorization.k8s.io", "rolebindings"),
        json!({"roleRef": {"kind": "Role", "name": "r"},
               "subjects": [{"kind": "User", "name": "a"}, {"kind": "Group", "name": "g"}, {"kind": "ServiceAccount", "name": "s"}]}),
        json!({"roleRef": {"kind": "Role", "name": "r", "apiGroup": "rbac.authorization.k8s.io"},
               "subjects": [{"kind": "User", "name": "a", "apiGroup": "rbac.authorization.k8s.io"},
                            {"kind": "Group", "name": "g", "apiGroup": "rbac.authorization.k8s.io"},
                            {"kind": "ServiceAccount", "name": "s"}]}),
    );
}

#[test]
fn endpoint_slice_ports() {
    assert_defaults(
        resource("discovery.k8s.io", "endpointslices"),
        json!({"addressType": "IPv4", "ports": [{"port": 80}]}),
        json!({"addressType": "IPv4", "ports": [{"port": 80, "name": "", "protocol": "TCP"}]}),
    );
}

#[test]
fn kinds_without_defaults_and_odd_shapes_are_left_alone() {
    for (group, plural, obj) in [
        ("", "configmaps", json!({"data": {"a": "b"}})),
        ("coordination.k8s.io", "leases", json!({"spec": {}})),
        ("apps", "deployments", json!("not an object")),
        ("apps", "deployments", json!({"spec": "odd"})),
    ] {
        let mut defaulted = obj.clone();
        apply_defaults(resource(group, plural), &mut defaulted);
        assert_eq!(defaulted, obj, "{plural}");
    }
}
