//! A literal schema of a few Kubernetes types (facts from the Kubernetes API's patch metadata)
//! shared by the tests of every engine.

use crate::{FieldSchema, LiteralSchema};

pub(crate) const DEPLOYMENT: &str = "io.k8s.api.apps.v1.Deployment";
pub(crate) const POD: &str = "io.k8s.api.core.v1.Pod";

const META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const SPEC: &str = "io.k8s.api.apps.v1.DeploymentSpec";
const STATUS: &str = "io.k8s.api.apps.v1.DeploymentStatus";
const STRATEGY: &str = "io.k8s.api.apps.v1.DeploymentStrategy";
const ROLLING: &str = "io.k8s.api.apps.v1.RollingUpdateDeployment";
const TEMPLATE: &str = "io.k8s.api.core.v1.PodTemplateSpec";
const POD_SPEC: &str = "io.k8s.api.core.v1.PodSpec";
const POD_STATUS: &str = "io.k8s.api.core.v1.PodStatus";
const CONTAINER: &str = "io.k8s.api.core.v1.Container";
const PORT: &str = "io.k8s.api.core.v1.ContainerPort";
const ENV: &str = "io.k8s.api.core.v1.EnvVar";
const MOUNT: &str = "io.k8s.api.core.v1.VolumeMount";
const VOLUME: &str = "io.k8s.api.core.v1.Volume";
const CONFIG_MAP_SOURCE: &str = "io.k8s.api.core.v1.ConfigMapVolumeSource";
const EMPTY_DIR_SOURCE: &str = "io.k8s.api.core.v1.EmptyDirVolumeSource";
const TOLERATION: &str = "io.k8s.api.core.v1.Toleration";
const RESOURCES: &str = "io.k8s.api.core.v1.ResourceRequirements";
const SELECTOR: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector";
const OWNER: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference";
const CONDITION: &str = "io.k8s.api.apps.v1.DeploymentCondition";
const POD_CONDITION: &str = "io.k8s.api.core.v1.PodCondition";
const SECRET_REF: &str = "io.k8s.api.core.v1.LocalObjectReference";

fn object_meta(schema: LiteralSchema) -> LiteralSchema {
    [
        "name",
        "namespace",
        "resourceVersion",
        "uid",
        "generation",
        "creationTimestamp",
    ]
    .into_iter()
    .fold(schema, |schema, field| schema.scalar(META, field))
    .map(META, "labels", None)
    .map(META, "annotations", None)
    .set_list(META, "finalizers")
    .atomic_list(META, "managedFields", None)
    .with_field(
        META,
        "ownerReferences",
        FieldSchema {
            type_name: Some(OWNER.into()),
            is_list: true,
            patch_strategy: Some("merge".into()),
            patch_merge_key: Some("uid".into()),
            list_type: Some("map".into()),
            list_map_keys: vec!["uid".into()],
            map_type: Some("atomic".into()),
            is_map: false,
        },
    )
}

fn scalars(schema: LiteralSchema, type_name: &str, fields: &[&str]) -> LiteralSchema {
    fields
        .iter()
        .fold(schema, |schema, field| schema.scalar(type_name, field))
}

/// Deployment and Pod with the merge metadata of their interesting fields.
pub(crate) fn kube_schema() -> LiteralSchema {
    let mut schema = object_meta(LiteralSchema::new());
    for root in [DEPLOYMENT, POD] {
        schema = scalars(schema, root, &["apiVersion", "kind"]).object(root, "metadata", META);
    }
    schema = schema
        .object(DEPLOYMENT, "spec", SPEC)
        .object(DEPLOYMENT, "status", STATUS)
        .object(POD, "spec", POD_SPEC)
        .object(POD, "status", POD_STATUS);
    schema = scalars(schema, SPEC, &["replicas", "paused", "minReadySeconds"])
        .atomic_object(SPEC, "selector", SELECTOR)
        .object(SPEC, "template", TEMPLATE)
        .with_field(
            SPEC,
            "strategy",
            FieldSchema {
                type_name: Some(STRATEGY.into()),
                patch_strategy: Some("retainKeys".into()),
                ..FieldSchema::default()
            },
        )
        .scalar(STRATEGY, "type")
        .object(STRATEGY, "rollingUpdate", ROLLING);
    schema = scalars(schema, ROLLING, &["maxSurge", "maxUnavailable"]);
    schema = scalars(
        schema,
        STATUS,
        &["replicas", "readyReplicas", "observedGeneration"],
    )
    .keyed_list(STATUS, "conditions", CONDITION, "type", &["type"]);
    schema = scalars(schema, CONDITION, &["type", "status", "reason", "message"]);
    schema = scalars(schema, POD_STATUS, &["phase", "podIP"]).keyed_list(
        POD_STATUS,
        "conditions",
        POD_CONDITION,
        "type",
        &["type"],
    );
    schema = scalars(schema, POD_CONDITION, &["type", "status", "reason"]);
    schema = schema
        .object(TEMPLATE, "metadata", META)
        .object(TEMPLATE, "spec", POD_SPEC);
    schema = scalars(
        schema,
        POD_SPEC,
        &["restartPolicy", "nodeName", "serviceAccountName"],
    )
    .keyed_list(POD_SPEC, "containers", CONTAINER, "name", &["name"])
    .keyed_list(POD_SPEC, "initContainers", CONTAINER, "name", &["name"])
    .with_field(
        POD_SPEC,
        "volumes",
        FieldSchema {
            type_name: Some(VOLUME.into()),
            is_list: true,
            patch_strategy: Some("merge,retainKeys".into()),
            patch_merge_key: Some("name".into()),
            list_type: Some("map".into()),
            list_map_keys: vec!["name".into()],
            map_type: None,
            is_map: false,
        },
    )
    .with_field(
        POD_SPEC,
        "imagePullSecrets",
        FieldSchema {
            type_name: Some(SECRET_REF.into()),
            is_list: true,
            patch_strategy: Some("merge".into()),
            patch_merge_key: Some("name".into()),
            list_type: Some("map".into()),
            list_map_keys: vec!["name".into()],
            map_type: Some("atomic".into()),
            is_map: false,
        },
    )
    .atomic_list(POD_SPEC, "tolerations", Some(TOLERATION))
    .atomic_map(POD_SPEC, "nodeSelector");
    schema = scalars(schema, TOLERATION, &["key", "operator", "value", "effect"]);
    schema = scalars(
        schema,
        CONTAINER,
        &["name", "image", "imagePullPolicy", "workingDir"],
    )
    .with_field(
        CONTAINER,
        "ports",
        FieldSchema {
            type_name: Some(PORT.into()),
            is_list: true,
            patch_strategy: Some("merge".into()),
            patch_merge_key: Some("containerPort".into()),
            list_type: Some("map".into()),
            list_map_keys: vec!["containerPort".into(), "protocol".into()],
            map_type: None,
            is_map: false,
        },
    )
    .keyed_list(CONTAINER, "env", ENV, "name", &["name"])
    .keyed_list(
        CONTAINER,
        "volumeMounts",
        MOUNT,
        "mountPath",
        &["mountPath"],
    )
    .atomic_list(CONTAINER, "args", None)
    .atomic_list(CONTAINER, "command", None)
    .object(CONTAINER, "resources", RESOURCES)
    .map(RESOURCES, "limits", None)
    .map(RESOURCES, "requests", None);
    schema = scalars(
        schema,
        PORT,
        &["containerPort", "protocol", "name", "hostPort"],
    )
    .with_default(PORT, "protocol", serde_json::json!("TCP"));
    schema = scalars(schema, ENV, &["name", "value"]);
    schema = scalars(schema, MOUNT, &["name", "mountPath", "readOnly"]);
    schema = scalars(schema, VOLUME, &["name"])
        .object(VOLUME, "configMap", CONFIG_MAP_SOURCE)
        .object(VOLUME, "emptyDir", EMPTY_DIR_SOURCE);
    schema = scalars(schema, CONFIG_MAP_SOURCE, &["name", "defaultMode"]);
    schema = scalars(schema, EMPTY_DIR_SOURCE, &["medium", "sizeLimit"]);
    schema = scalars(
        schema,
        OWNER,
        &["apiVersion", "kind", "name", "uid", "controller"],
    );
    schema =
        schema
            .map(SELECTOR, "matchLabels", None)
            .atomic_list(SELECTOR, "matchExpressions", None);
    scalars(schema, SECRET_REF, &["name"])
}
