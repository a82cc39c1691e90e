//! Pod and PodSpec defaults: kubernetes `pkg/apis/core/v1/defaults.go` (`SetDefaults_Pod`,
//! `SetDefaults_PodSpec`, `SetDefaults_Container`, `SetDefaults_ContainerPort`,
//! `SetDefaults_Probe`, `SetDefaults_HTTPGetAction`, `SetDefaults_ObjectFieldSelector`,
//! `SetDefaults_Volume` and the volume-source `defaultMode`s), plus the Priority admission
//! plugin's `priority`/`preemptionPolicy`.

use serde_json::{Map, Value, json};

use super::{child, each, existing, set_if_absent, set_if_empty_str};

/// `v1.SecretVolumeSourceDefaultMode` and friends: 0644.
const DEFAULT_VOLUME_MODE: i64 = 0o644;

/// The Pod-only defaults, then the PodSpec ones.
pub(super) fn pod(object: &mut Map<String, Value>) {
    let Some(spec) = child(object, "spec") else {
        return;
    };
    // SetDefaults_Pod: requests default to limits.
    for list in ["initContainers", "containers"] {
        for container in each(spec, list) {
            if let Some(resources) = existing(container, "resources")
                && let Some(limits) = resources.get("limits").and_then(Value::as_object).cloned()
                && let Some(requests) = child(resources, "requests")
            {
                for (name, quantity) in limits {
                    requests.entry(name).or_insert(quantity);
                }
            }
        }
    }
    set_if_absent(spec, "enableServiceLinks", json!(true));
    // SetDefaults_Pod: host-network pods publish their container ports on the host.
    if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
        for list in ["initContainers", "containers"] {
            for container in each(spec, list) {
                for port in each(container, "ports") {
                    if let Some(p) = port.get("containerPort").cloned() {
                        set_if_absent(port, "hostPort", p);
                    }
                }
            }
        }
    }
    // plugin/pkg/admission/priority: no PriorityClass means priority 0.
    set_if_absent(spec, "priority", json!(0));
    set_if_absent(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
    apply_pod_spec_defaults(spec);
}

/// The defaults of a `PodSpec` (shared by Pods and every pod template).
pub fn apply_pod_spec_defaults(spec: &mut Map<String, Value>) {
    set_if_empty_str(spec, "dnsPolicy", "ClusterFirst");
    set_if_empty_str(spec, "restartPolicy", "Always");
    set_if_absent(spec, "securityContext", json!({}));
    set_if_absent(spec, "terminationGracePeriodSeconds", json!(30));
    set_if_empty_str(spec, "schedulerName", "default-scheduler");
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for c in each(spec, list) {
            container(c);
        }
    }
    for volume in each(spec, "volumes") {
        volume_defaults(volume);
    }
}

/// `SetDefaults_Container` and what nests in a container.
fn container(c: &mut Map<String, Value>) {
    let image = c
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    set_if_empty_str(c, "imagePullPolicy", default_image_pull_policy(&image));
    set_if_empty_str(c, "terminationMessagePath", "/dev/termination-log");
    set_if_empty_str(c, "terminationMessagePolicy", "File");
    // `resources` is a struct, not a pointer: Go always serializes it.
    set_if_absent(c, "resources", json!({}));
    for port in each(c, "ports") {
        set_if_empty_str(port, "protocol", "TCP");
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = existing(c, probe) {
            probe_defaults(p);
        }
    }
    if let Some(lifecycle) = existing(c, "lifecycle") {
        for hook in ["postStart", "preStop"] {
            if let Some(handler) = existing(lifecycle, hook)
                && let Some(http) = existing(handler, "httpGet")
            {
                http_get(http);
            }
        }
    }
    for var in each(c, "env") {
        if let Some(from) = existing(var, "valueFrom")
            && let Some(field_ref) = existing(from, "fieldRef")
        {
            set_if_empty_str(field_ref, "apiVersion", "v1");
        }
    }
}

/// `SetDefaults_Probe` and its handler.
fn probe_defaults(probe: &mut Map<String, Value>) {
    set_if_absent(probe, "timeoutSeconds", json!(1));
    set_if_absent(probe, "periodSeconds", json!(10));
    set_if_absent(probe, "successThreshold", json!(1));
    set_if_absent(probe, "failureThreshold", json!(3));
    if let Some(http) = existing(probe, "httpGet") {
        http_get(http);
    }
}

/// `SetDefaults_HTTPGetAction`.
fn http_get(http: &mut Map<String, Value>) {
    set_if_empty_str(http, "path", "/");
    set_if_empty_str(http, "scheme", "HTTP");
}

/// The volume-source kinds a `Volume` may name; none given means `emptyDir`.
const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

/// `SetDefaults_Volume` and the volume sources' defaults.
fn volume_defaults(volume: &mut Map<String, Value>) {
    if !VOLUME_SOURCES
        .iter()
        .any(|s| volume.get(*s).is_some_and(|v| !v.is_null()))
    {
        volume.insert("emptyDir".into(), json!({}));
    }
    for source in ["secret", "configMap", "downwardAPI", "projected"] {
        if let Some(s) = existing(volume, source) {
            set_if_absent(s, "defaultMode", json!(DEFAULT_VOLUME_MODE));
        }
    }
    if let Some(host_path) = existing(volume, "hostPath") {
        set_if_absent(host_path, "type", json!(""));
    }
    if let Some(downward) = existing(volume, "downwardAPI") {
        for item in each(downward, "items") {
            if let Some(field_ref) = existing(item, "fieldRef") {
                set_if_empty_str(field_ref, "apiVersion", "v1");
            }
        }
    }
    if let Some(projected) = existing(volume, "projected") {
        for source in each(projected, "sources") {
            if let Some(downward) = existing(source, "downwardAPI") {
                for item in each(downward, "items") {
                    if let Some(field_ref) = existing(item, "fieldRef") {
                        set_if_empty_str(field_ref, "apiVersion", "v1");
                    }
                }
            }
            if let Some(token) = existing(source, "serviceAccountToken") {
                set_if_absent(token, "expirationSeconds", json!(3600));
            }
        }
    }
}

/// `SetDefaults_Container`'s pull policy: `Always` for the `latest` tag (or no tag and no
/// digest, which means `latest`), else `IfNotPresent`.
pub fn default_image_pull_policy(image: &str) -> &'static str {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    // A tag follows the last `:` after the last `/` (a `:` before it is a registry port).
    let last_segment = name.rsplit('/').next().unwrap_or(name);
    let tag = last_segment.rsplit_once(':').map(|(_, tag)| tag);
    match (tag, digest) {
        (Some("latest"), _) | (None, None) => "Always",
        _ => "IfNotPresent",
    }
}
