//! Generated field table of the Kubernetes protobuf messages kubectl sends (see tools/gen_schema.py).
// Facts from the public API: field numbers from k8s-pb, JSON names from k8s-openapi.
// Regenerate with `python3 tools/gen_schema.py > src/schema_table.rs && cargo fmt -p enclave-protobuf`;
// do not edit by hand.

use crate::schema::{FieldSchema, FieldType, MessageSchema, Presence};

/// The kinds `decode` accepts: (apiVersion, kind, message).
pub(crate) static ROOT_KINDS: &[(&str, &str, &MessageSchema)] = &[
    (
        "authorization.k8s.io/v1",
        "SelfSubjectAccessReview",
        &AUTHORIZATION_V1_SELF_SUBJECT_ACCESS_REVIEW,
    ),
    (
        "authorization.k8s.io/v1",
        "SelfSubjectRulesReview",
        &AUTHORIZATION_V1_SELF_SUBJECT_RULES_REVIEW,
    ),
    (
        "authorization.k8s.io/v1",
        "SubjectAccessReview",
        &AUTHORIZATION_V1_SUBJECT_ACCESS_REVIEW,
    ),
    (
        "authorization.k8s.io/v1",
        "LocalSubjectAccessReview",
        &AUTHORIZATION_V1_LOCAL_SUBJECT_ACCESS_REVIEW,
    ),
    (
        "authentication.k8s.io/v1",
        "SelfSubjectReview",
        &AUTHENTICATION_V1_SELF_SUBJECT_REVIEW,
    ),
    (
        "authentication.k8s.io/v1beta1",
        "SelfSubjectReview",
        &AUTHENTICATION_V1BETA1_SELF_SUBJECT_REVIEW,
    ),
    (
        "authentication.k8s.io/v1alpha1",
        "SelfSubjectReview",
        &AUTHENTICATION_V1ALPHA1_SELF_SUBJECT_REVIEW,
    ),
    (
        "authentication.k8s.io/v1",
        "TokenRequest",
        &AUTHENTICATION_V1_TOKEN_REQUEST,
    ),
    (
        "authentication.k8s.io/v1",
        "TokenReview",
        &AUTHENTICATION_V1_TOKEN_REVIEW,
    ),
    ("apps/v1", "Deployment", &APPS_V1_DEPLOYMENT),
    ("v1", "Namespace", &CORE_V1_NAMESPACE),
    ("v1", "ConfigMap", &CORE_V1_CONFIG_MAP),
    ("v1", "Secret", &CORE_V1_SECRET),
    ("v1", "ServiceAccount", &CORE_V1_SERVICE_ACCOUNT),
    ("v1", "Service", &CORE_V1_SERVICE),
    ("v1", "ResourceQuota", &CORE_V1_RESOURCE_QUOTA),
    ("rbac.authorization.k8s.io/v1", "Role", &RBAC_V1_ROLE),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        &RBAC_V1_CLUSTER_ROLE,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        &RBAC_V1_ROLE_BINDING,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        &RBAC_V1_CLUSTER_ROLE_BINDING,
    ),
    ("networking.k8s.io/v1", "Ingress", &NETWORKING_V1_INGRESS),
    ("batch/v1", "Job", &BATCH_V1_JOB),
    ("batch/v1", "CronJob", &BATCH_V1_CRON_JOB),
    (
        "policy/v1",
        "PodDisruptionBudget",
        &POLICY_V1_POD_DISRUPTION_BUDGET,
    ),
    (
        "scheduling.k8s.io/v1",
        "PriorityClass",
        &SCHEDULING_V1_PRIORITY_CLASS,
    ),
    ("events.k8s.io/v1", "Event", &EVENTS_V1_EVENT),
    (
        "apps/v1",
        "ControllerRevision",
        &APPS_V1_CONTROLLER_REVISION,
    ),
];

pub(crate) static AUTHORIZATION_V1_SELF_SUBJECT_ACCESS_REVIEW: MessageSchema = MessageSchema {
    name: "api.authorization.v1.SelfSubjectAccessReview",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&AUTHORIZATION_V1_SELF_SUBJECT_ACCESS_REVIEW_SPEC),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&AUTHORIZATION_V1_SUBJECT_ACCESS_REVIEW_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_SELF_SUBJECT_RULES_REVIEW: MessageSchema = MessageSchema {
    name: "api.authorization.v1.SelfSubjectRulesReview",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&AUTHORIZATION_V1_SELF_SUBJECT_RULES_REVIEW_SPEC),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&AUTHORIZATION_V1_SUBJECT_RULES_REVIEW_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_SUBJECT_ACCESS_REVIEW: MessageSchema = MessageSchema {
    name: "api.authorization.v1.SubjectAccessReview",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&AUTHORIZATION_V1_SUBJECT_ACCESS_REVIEW_SPEC),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&AUTHORIZATION_V1_SUBJECT_ACCESS_REVIEW_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_LOCAL_SUBJECT_ACCESS_REVIEW: MessageSchema = MessageSchema {
    name: "api.authorization.v1.LocalSubjectAccessReview",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&AUTHORIZATION_V1_SUBJECT_ACCESS_REVIEW_SPEC),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&AUTHORIZATION_V1_SUBJECT_ACCESS_REVIEW_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHENTICATION_V1_SELF_SUBJECT_REVIEW: MessageSchema = MessageSchema {
    name: "api.authentication.v1.SelfSubjectReview",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "status",
            field_type: FieldType::Message(&AUTHENTICATION_V1_SELF_SUBJECT_REVIEW_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHENTICATION_V1BETA1_SELF_SUBJECT_REVIEW: MessageSchema = MessageSchema {
    name: "api.authentication.v1beta1.SelfSubjectReview",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "status",
            field_type: FieldType::Message(&AUTHENTICATION_V1BETA1_SELF_SUBJECT_REVIEW_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHENTICATION_V1ALPHA1_SELF_SUBJECT_REVIEW: MessageSchema = MessageSchema {
    name: "api.authentication.v1alpha1.SelfSubjectReview",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "status",
            field_type: FieldType::Message(&AUTHENTICATION_V1ALPHA1_SELF_SUBJECT_REVIEW_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHENTICATION_V1_TOKEN_REQUEST: MessageSchema = MessageSchema {
    name: "api.authentication.v1.TokenRequest",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&AUTHENTICATION_V1_TOKEN_REQUEST_SPEC),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&AUTHENTICATION_V1_TOKEN_REQUEST_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHENTICATION_V1_TOKEN_REVIEW: MessageSchema = MessageSchema {
    name: "api.authentication.v1.TokenReview",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&AUTHENTICATION_V1_TOKEN_REVIEW_SPEC),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&AUTHENTICATION_V1_TOKEN_REVIEW_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static APPS_V1_DEPLOYMENT: MessageSchema = MessageSchema {
    name: "api.apps.v1.Deployment",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&APPS_V1_DEPLOYMENT_SPEC),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&APPS_V1_DEPLOYMENT_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_NAMESPACE: MessageSchema = MessageSchema {
    name: "api.core.v1.Namespace",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&CORE_V1_NAMESPACE_SPEC),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&CORE_V1_NAMESPACE_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_CONFIG_MAP: MessageSchema = MessageSchema {
    name: "api.core.v1.ConfigMap",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "data",
            field_type: FieldType::Map(&FieldType::String),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "binaryData",
            field_type: FieldType::Map(&FieldType::Bytes),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 4,
            json_name: "immutable",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_SECRET: MessageSchema = MessageSchema {
    name: "api.core.v1.Secret",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "data",
            field_type: FieldType::Map(&FieldType::Bytes),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "type",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "stringData",
            field_type: FieldType::Map(&FieldType::String),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 5,
            json_name: "immutable",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_SERVICE_ACCOUNT: MessageSchema = MessageSchema {
    name: "api.core.v1.ServiceAccount",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "secrets",
            field_type: FieldType::Message(&CORE_V1_OBJECT_REFERENCE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "imagePullSecrets",
            field_type: FieldType::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 4,
            json_name: "automountServiceAccountToken",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_SERVICE: MessageSchema = MessageSchema {
    name: "api.core.v1.Service",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&CORE_V1_SERVICE_SPEC),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&CORE_V1_SERVICE_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_RESOURCE_QUOTA: MessageSchema = MessageSchema {
    name: "api.core.v1.ResourceQuota",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&CORE_V1_RESOURCE_QUOTA_SPEC),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&CORE_V1_RESOURCE_QUOTA_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static RBAC_V1_ROLE: MessageSchema = MessageSchema {
    name: "api.rbac.v1.Role",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "rules",
            field_type: FieldType::Message(&RBAC_V1_POLICY_RULE),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static RBAC_V1_CLUSTER_ROLE: MessageSchema = MessageSchema {
    name: "api.rbac.v1.ClusterRole",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "rules",
            field_type: FieldType::Message(&RBAC_V1_POLICY_RULE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "aggregationRule",
            field_type: FieldType::Message(&RBAC_V1_AGGREGATION_RULE),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static RBAC_V1_ROLE_BINDING: MessageSchema = MessageSchema {
    name: "api.rbac.v1.RoleBinding",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "subjects",
            field_type: FieldType::Message(&RBAC_V1_SUBJECT),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "roleRef",
            field_type: FieldType::Message(&RBAC_V1_ROLE_REF),
            presence: Presence::Required,
        },
    ],
};

pub(crate) static RBAC_V1_CLUSTER_ROLE_BINDING: MessageSchema = MessageSchema {
    name: "api.rbac.v1.ClusterRoleBinding",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "subjects",
            field_type: FieldType::Message(&RBAC_V1_SUBJECT),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "roleRef",
            field_type: FieldType::Message(&RBAC_V1_ROLE_REF),
            presence: Presence::Required,
        },
    ],
};

pub(crate) static NETWORKING_V1_INGRESS: MessageSchema = MessageSchema {
    name: "api.networking.v1.Ingress",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&NETWORKING_V1_INGRESS_SPEC),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&NETWORKING_V1_INGRESS_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static BATCH_V1_JOB: MessageSchema = MessageSchema {
    name: "api.batch.v1.Job",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&BATCH_V1_JOB_SPEC),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&BATCH_V1_JOB_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static BATCH_V1_CRON_JOB: MessageSchema = MessageSchema {
    name: "api.batch.v1.CronJob",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&BATCH_V1_CRON_JOB_SPEC),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&BATCH_V1_CRON_JOB_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static POLICY_V1_POD_DISRUPTION_BUDGET: MessageSchema = MessageSchema {
    name: "api.policy.v1.PodDisruptionBudget",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&POLICY_V1_POD_DISRUPTION_BUDGET_SPEC),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "status",
            field_type: FieldType::Message(&POLICY_V1_POD_DISRUPTION_BUDGET_STATUS),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static SCHEDULING_V1_PRIORITY_CLASS: MessageSchema = MessageSchema {
    name: "api.scheduling.v1.PriorityClass",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "value",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "globalDefault",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "description",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "preemptionPolicy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static EVENTS_V1_EVENT: MessageSchema = MessageSchema {
    name: "api.events.v1.Event",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "eventTime",
            field_type: FieldType::MicroTime,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "series",
            field_type: FieldType::Message(&EVENTS_V1_EVENT_SERIES),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "reportingController",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "reportingInstance",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "action",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "reason",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 8,
            json_name: "regarding",
            field_type: FieldType::Message(&CORE_V1_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 9,
            json_name: "related",
            field_type: FieldType::Message(&CORE_V1_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 10,
            json_name: "note",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 11,
            json_name: "type",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 12,
            json_name: "deprecatedSource",
            field_type: FieldType::Message(&CORE_V1_EVENT_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 13,
            json_name: "deprecatedFirstTimestamp",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 14,
            json_name: "deprecatedLastTimestamp",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 15,
            json_name: "deprecatedCount",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static APPS_V1_CONTROLLER_REVISION: MessageSchema = MessageSchema {
    name: "api.apps.v1.ControllerRevision",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "data",
            field_type: FieldType::RawExtension,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "revision",
            field_type: FieldType::Int64,
            presence: Presence::Required,
        },
    ],
};

pub(crate) static META_V1_OBJECT_META: MessageSchema = MessageSchema {
    name: "apimachinery.pkg.apis.meta.v1.ObjectMeta",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "generateName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "namespace",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "selfLink",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "uid",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "resourceVersion",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "generation",
            field_type: FieldType::Int64,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 8,
            json_name: "creationTimestamp",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 9,
            json_name: "deletionTimestamp",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 10,
            json_name: "deletionGracePeriodSeconds",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 11,
            json_name: "labels",
            field_type: FieldType::Map(&FieldType::String),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 12,
            json_name: "annotations",
            field_type: FieldType::Map(&FieldType::String),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 13,
            json_name: "ownerReferences",
            field_type: FieldType::Message(&META_V1_OWNER_REFERENCE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 14,
            json_name: "finalizers",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 17,
            json_name: "managedFields",
            field_type: FieldType::Message(&META_V1_MANAGED_FIELDS_ENTRY),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_SELF_SUBJECT_ACCESS_REVIEW_SPEC: MessageSchema = MessageSchema {
    name: "api.authorization.v1.SelfSubjectAccessReviewSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "resourceAttributes",
            field_type: FieldType::Message(&AUTHORIZATION_V1_RESOURCE_ATTRIBUTES),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "nonResourceAttributes",
            field_type: FieldType::Message(&AUTHORIZATION_V1_NON_RESOURCE_ATTRIBUTES),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_SUBJECT_ACCESS_REVIEW_STATUS: MessageSchema = MessageSchema {
    name: "api.authorization.v1.SubjectAccessReviewStatus",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "allowed",
            field_type: FieldType::Bool,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "reason",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "evaluationError",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "denied",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_SELF_SUBJECT_RULES_REVIEW_SPEC: MessageSchema = MessageSchema {
    name: "api.authorization.v1.SelfSubjectRulesReviewSpec",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "namespace",
        field_type: FieldType::String,
        presence: Presence::OmitEmpty,
    }],
};

pub(crate) static AUTHORIZATION_V1_SUBJECT_RULES_REVIEW_STATUS: MessageSchema = MessageSchema {
    name: "api.authorization.v1.SubjectRulesReviewStatus",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "resourceRules",
            field_type: FieldType::Message(&AUTHORIZATION_V1_RESOURCE_RULE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "nonResourceRules",
            field_type: FieldType::Message(&AUTHORIZATION_V1_NON_RESOURCE_RULE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "incomplete",
            field_type: FieldType::Bool,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "evaluationError",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_SUBJECT_ACCESS_REVIEW_SPEC: MessageSchema = MessageSchema {
    name: "api.authorization.v1.SubjectAccessReviewSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "resourceAttributes",
            field_type: FieldType::Message(&AUTHORIZATION_V1_RESOURCE_ATTRIBUTES),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "nonResourceAttributes",
            field_type: FieldType::Message(&AUTHORIZATION_V1_NON_RESOURCE_ATTRIBUTES),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "user",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "groups",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 5,
            json_name: "extra",
            field_type: FieldType::Map(&FieldType::Message(&AUTHORIZATION_V1_EXTRA_VALUE)),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 6,
            json_name: "uid",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHENTICATION_V1_SELF_SUBJECT_REVIEW_STATUS: MessageSchema = MessageSchema {
    name: "api.authentication.v1.SelfSubjectReviewStatus",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "userInfo",
        field_type: FieldType::Message(&AUTHENTICATION_V1_USER_INFO),
        presence: Presence::OmitEmpty,
    }],
};

pub(crate) static AUTHENTICATION_V1BETA1_SELF_SUBJECT_REVIEW_STATUS: MessageSchema =
    MessageSchema {
        name: "api.authentication.v1beta1.SelfSubjectReviewStatus",
        string_list: false,
        fields: &[FieldSchema {
            number: 1,
            json_name: "userInfo",
            field_type: FieldType::Message(&AUTHENTICATION_V1_USER_INFO),
            presence: Presence::OmitEmpty,
        }],
    };

pub(crate) static AUTHENTICATION_V1ALPHA1_SELF_SUBJECT_REVIEW_STATUS: MessageSchema =
    MessageSchema {
        name: "api.authentication.v1alpha1.SelfSubjectReviewStatus",
        string_list: false,
        fields: &[FieldSchema {
            number: 1,
            json_name: "userInfo",
            field_type: FieldType::Message(&AUTHENTICATION_V1_USER_INFO),
            presence: Presence::OmitEmpty,
        }],
    };

pub(crate) static AUTHENTICATION_V1_TOKEN_REQUEST_SPEC: MessageSchema = MessageSchema {
    name: "api.authentication.v1.TokenRequestSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "audiences",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "boundObjectRef",
            field_type: FieldType::Message(&AUTHENTICATION_V1_BOUND_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "expirationSeconds",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static AUTHENTICATION_V1_TOKEN_REQUEST_STATUS: MessageSchema = MessageSchema {
    name: "api.authentication.v1.TokenRequestStatus",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "token",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "expirationTimestamp",
            field_type: FieldType::Time,
            presence: Presence::Required,
        },
    ],
};

pub(crate) static AUTHENTICATION_V1_TOKEN_REVIEW_SPEC: MessageSchema = MessageSchema {
    name: "api.authentication.v1.TokenReviewSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "token",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "audiences",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static AUTHENTICATION_V1_TOKEN_REVIEW_STATUS: MessageSchema = MessageSchema {
    name: "api.authentication.v1.TokenReviewStatus",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "authenticated",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "user",
            field_type: FieldType::Message(&AUTHENTICATION_V1_USER_INFO),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "error",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "audiences",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static APPS_V1_DEPLOYMENT_SPEC: MessageSchema = MessageSchema {
    name: "api.apps.v1.DeploymentSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "replicas",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 2,
            json_name: "selector",
            field_type: FieldType::Message(&META_V1_LABEL_SELECTOR),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "template",
            field_type: FieldType::Message(&CORE_V1_POD_TEMPLATE_SPEC),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "strategy",
            field_type: FieldType::Message(&APPS_V1_DEPLOYMENT_STRATEGY),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "minReadySeconds",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "revisionHistoryLimit",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 7,
            json_name: "paused",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 9,
            json_name: "progressDeadlineSeconds",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static APPS_V1_DEPLOYMENT_STATUS: MessageSchema = MessageSchema {
    name: "api.apps.v1.DeploymentStatus",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "observedGeneration",
            field_type: FieldType::Int64,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "replicas",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "updatedReplicas",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "availableReplicas",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "unavailableReplicas",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "conditions",
            field_type: FieldType::Message(&APPS_V1_DEPLOYMENT_CONDITION),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 7,
            json_name: "readyReplicas",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 8,
            json_name: "collisionCount",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 9,
            json_name: "terminatingReplicas",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_NAMESPACE_SPEC: MessageSchema = MessageSchema {
    name: "api.core.v1.NamespaceSpec",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "finalizers",
        field_type: FieldType::String,
        presence: Presence::Repeated,
    }],
};

pub(crate) static CORE_V1_NAMESPACE_STATUS: MessageSchema = MessageSchema {
    name: "api.core.v1.NamespaceStatus",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "phase",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "conditions",
            field_type: FieldType::Message(&CORE_V1_NAMESPACE_CONDITION),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_OBJECT_REFERENCE: MessageSchema = MessageSchema {
    name: "api.core.v1.ObjectReference",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "kind",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "namespace",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "uid",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "apiVersion",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "resourceVersion",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "fieldPath",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_LOCAL_OBJECT_REFERENCE: MessageSchema = MessageSchema {
    name: "api.core.v1.LocalObjectReference",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "name",
        field_type: FieldType::String,
        presence: Presence::OmitEmpty,
    }],
};

pub(crate) static CORE_V1_SERVICE_SPEC: MessageSchema = MessageSchema {
    name: "api.core.v1.ServiceSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "ports",
            field_type: FieldType::Message(&CORE_V1_SERVICE_PORT),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "selector",
            field_type: FieldType::Map(&FieldType::String),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "clusterIP",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "type",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "externalIPs",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 7,
            json_name: "sessionAffinity",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 8,
            json_name: "loadBalancerIP",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 9,
            json_name: "loadBalancerSourceRanges",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 10,
            json_name: "externalName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 11,
            json_name: "externalTrafficPolicy",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 12,
            json_name: "healthCheckNodePort",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 13,
            json_name: "publishNotReadyAddresses",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 14,
            json_name: "sessionAffinityConfig",
            field_type: FieldType::Message(&CORE_V1_SESSION_AFFINITY_CONFIG),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 17,
            json_name: "ipFamilyPolicy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 18,
            json_name: "clusterIPs",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 19,
            json_name: "ipFamilies",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 20,
            json_name: "allocateLoadBalancerNodePorts",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 21,
            json_name: "loadBalancerClass",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 22,
            json_name: "internalTrafficPolicy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 23,
            json_name: "trafficDistribution",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_SERVICE_STATUS: MessageSchema = MessageSchema {
    name: "api.core.v1.ServiceStatus",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "loadBalancer",
            field_type: FieldType::Message(&CORE_V1_LOAD_BALANCER_STATUS),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "conditions",
            field_type: FieldType::Message(&META_V1_CONDITION),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_RESOURCE_QUOTA_SPEC: MessageSchema = MessageSchema {
    name: "api.core.v1.ResourceQuotaSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "hard",
            field_type: FieldType::Map(&FieldType::Quantity),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "scopes",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "scopeSelector",
            field_type: FieldType::Message(&CORE_V1_SCOPE_SELECTOR),
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_RESOURCE_QUOTA_STATUS: MessageSchema = MessageSchema {
    name: "api.core.v1.ResourceQuotaStatus",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "hard",
            field_type: FieldType::Map(&FieldType::Quantity),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "used",
            field_type: FieldType::Map(&FieldType::Quantity),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static RBAC_V1_POLICY_RULE: MessageSchema = MessageSchema {
    name: "api.rbac.v1.PolicyRule",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "verbs",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "apiGroups",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "resources",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 4,
            json_name: "resourceNames",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 5,
            json_name: "nonResourceURLs",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static RBAC_V1_AGGREGATION_RULE: MessageSchema = MessageSchema {
    name: "api.rbac.v1.AggregationRule",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "clusterRoleSelectors",
        field_type: FieldType::Message(&META_V1_LABEL_SELECTOR),
        presence: Presence::Repeated,
    }],
};

pub(crate) static RBAC_V1_SUBJECT: MessageSchema = MessageSchema {
    name: "api.rbac.v1.Subject",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "kind",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "apiGroup",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "namespace",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static RBAC_V1_ROLE_REF: MessageSchema = MessageSchema {
    name: "api.rbac.v1.RoleRef",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "apiGroup",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "kind",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
    ],
};

pub(crate) static NETWORKING_V1_INGRESS_SPEC: MessageSchema = MessageSchema {
    name: "api.networking.v1.IngressSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "defaultBackend",
            field_type: FieldType::Message(&NETWORKING_V1_INGRESS_BACKEND),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "tls",
            field_type: FieldType::Message(&NETWORKING_V1_INGRESS_TLS),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "rules",
            field_type: FieldType::Message(&NETWORKING_V1_INGRESS_RULE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 4,
            json_name: "ingressClassName",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static NETWORKING_V1_INGRESS_STATUS: MessageSchema = MessageSchema {
    name: "api.networking.v1.IngressStatus",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "loadBalancer",
        field_type: FieldType::Message(&NETWORKING_V1_INGRESS_LOAD_BALANCER_STATUS),
        presence: Presence::OmitEmpty,
    }],
};

pub(crate) static BATCH_V1_JOB_SPEC: MessageSchema = MessageSchema {
    name: "api.batch.v1.JobSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "parallelism",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 2,
            json_name: "completions",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 3,
            json_name: "activeDeadlineSeconds",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 4,
            json_name: "selector",
            field_type: FieldType::Message(&META_V1_LABEL_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "manualSelector",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 6,
            json_name: "template",
            field_type: FieldType::Message(&CORE_V1_POD_TEMPLATE_SPEC),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 7,
            json_name: "backoffLimit",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 8,
            json_name: "ttlSecondsAfterFinished",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 9,
            json_name: "completionMode",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 10,
            json_name: "suspend",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 11,
            json_name: "podFailurePolicy",
            field_type: FieldType::Message(&BATCH_V1_POD_FAILURE_POLICY),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 12,
            json_name: "backoffLimitPerIndex",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 13,
            json_name: "maxFailedIndexes",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 14,
            json_name: "podReplacementPolicy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 15,
            json_name: "managedBy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 16,
            json_name: "successPolicy",
            field_type: FieldType::Message(&BATCH_V1_SUCCESS_POLICY),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static BATCH_V1_JOB_STATUS: MessageSchema = MessageSchema {
    name: "api.batch.v1.JobStatus",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "conditions",
            field_type: FieldType::Message(&BATCH_V1_JOB_CONDITION),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "startTime",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "completionTime",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "active",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "succeeded",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "failed",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "completedIndexes",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 8,
            json_name: "uncountedTerminatedPods",
            field_type: FieldType::Message(&BATCH_V1_UNCOUNTED_TERMINATED_PODS),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 9,
            json_name: "ready",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 10,
            json_name: "failedIndexes",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 11,
            json_name: "terminating",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static BATCH_V1_CRON_JOB_SPEC: MessageSchema = MessageSchema {
    name: "api.batch.v1.CronJobSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "schedule",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "startingDeadlineSeconds",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 3,
            json_name: "concurrencyPolicy",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "suspend",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 5,
            json_name: "jobTemplate",
            field_type: FieldType::Message(&BATCH_V1_JOB_TEMPLATE_SPEC),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 6,
            json_name: "successfulJobsHistoryLimit",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 7,
            json_name: "failedJobsHistoryLimit",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 8,
            json_name: "timeZone",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static BATCH_V1_CRON_JOB_STATUS: MessageSchema = MessageSchema {
    name: "api.batch.v1.CronJobStatus",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "active",
            field_type: FieldType::Message(&CORE_V1_OBJECT_REFERENCE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 4,
            json_name: "lastScheduleTime",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "lastSuccessfulTime",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static POLICY_V1_POD_DISRUPTION_BUDGET_SPEC: MessageSchema = MessageSchema {
    name: "api.policy.v1.PodDisruptionBudgetSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "minAvailable",
            field_type: FieldType::IntOrString,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "selector",
            field_type: FieldType::Message(&META_V1_LABEL_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "maxUnavailable",
            field_type: FieldType::IntOrString,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "unhealthyPodEvictionPolicy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static POLICY_V1_POD_DISRUPTION_BUDGET_STATUS: MessageSchema = MessageSchema {
    name: "api.policy.v1.PodDisruptionBudgetStatus",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "observedGeneration",
            field_type: FieldType::Int64,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "disruptedPods",
            field_type: FieldType::Map(&FieldType::Time),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "disruptionsAllowed",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "currentHealthy",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 5,
            json_name: "desiredHealthy",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 6,
            json_name: "expectedPods",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 7,
            json_name: "conditions",
            field_type: FieldType::Message(&META_V1_CONDITION),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static EVENTS_V1_EVENT_SERIES: MessageSchema = MessageSchema {
    name: "api.events.v1.EventSeries",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "count",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "lastObservedTime",
            field_type: FieldType::MicroTime,
            presence: Presence::Required,
        },
    ],
};

pub(crate) static CORE_V1_EVENT_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.EventSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "component",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "host",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static META_V1_OWNER_REFERENCE: MessageSchema = MessageSchema {
    name: "apimachinery.pkg.apis.meta.v1.OwnerReference",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "kind",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "uid",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 5,
            json_name: "apiVersion",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 6,
            json_name: "controller",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 7,
            json_name: "blockOwnerDeletion",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static META_V1_MANAGED_FIELDS_ENTRY: MessageSchema = MessageSchema {
    name: "apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "manager",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "operation",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "apiVersion",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "time",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "fieldsType",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "fieldsV1",
            field_type: FieldType::FieldsV1,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 8,
            json_name: "subresource",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_RESOURCE_ATTRIBUTES: MessageSchema = MessageSchema {
    name: "api.authorization.v1.ResourceAttributes",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "namespace",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "verb",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "group",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "version",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "resource",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "subresource",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 8,
            json_name: "fieldSelector",
            field_type: FieldType::Message(&AUTHORIZATION_V1_FIELD_SELECTOR_ATTRIBUTES),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 9,
            json_name: "labelSelector",
            field_type: FieldType::Message(&AUTHORIZATION_V1_LABEL_SELECTOR_ATTRIBUTES),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_NON_RESOURCE_ATTRIBUTES: MessageSchema = MessageSchema {
    name: "api.authorization.v1.NonResourceAttributes",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "path",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "verb",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_RESOURCE_RULE: MessageSchema = MessageSchema {
    name: "api.authorization.v1.ResourceRule",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "verbs",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "apiGroups",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "resources",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 4,
            json_name: "resourceNames",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_NON_RESOURCE_RULE: MessageSchema = MessageSchema {
    name: "api.authorization.v1.NonResourceRule",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "verbs",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "nonResourceURLs",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_EXTRA_VALUE: MessageSchema = MessageSchema {
    name: "api.authorization.v1.ExtraValue",
    string_list: true,
    fields: &[FieldSchema {
        number: 1,
        json_name: "items",
        field_type: FieldType::String,
        presence: Presence::Repeated,
    }],
};

pub(crate) static AUTHENTICATION_V1_USER_INFO: MessageSchema = MessageSchema {
    name: "api.authentication.v1.UserInfo",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "username",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "uid",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "groups",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 4,
            json_name: "extra",
            field_type: FieldType::Map(&FieldType::Message(&AUTHENTICATION_V1_EXTRA_VALUE)),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static AUTHENTICATION_V1_BOUND_OBJECT_REFERENCE: MessageSchema = MessageSchema {
    name: "api.authentication.v1.BoundObjectReference",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "kind",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "apiVersion",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "uid",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static META_V1_LABEL_SELECTOR: MessageSchema = MessageSchema {
    name: "apimachinery.pkg.apis.meta.v1.LabelSelector",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "matchLabels",
            field_type: FieldType::Map(&FieldType::String),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "matchExpressions",
            field_type: FieldType::Message(&META_V1_LABEL_SELECTOR_REQUIREMENT),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_POD_TEMPLATE_SPEC: MessageSchema = MessageSchema {
    name: "api.core.v1.PodTemplateSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&CORE_V1_POD_SPEC),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static APPS_V1_DEPLOYMENT_STRATEGY: MessageSchema = MessageSchema {
    name: "api.apps.v1.DeploymentStrategy",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "type",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "rollingUpdate",
            field_type: FieldType::Message(&APPS_V1_ROLLING_UPDATE_DEPLOYMENT),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static APPS_V1_DEPLOYMENT_CONDITION: MessageSchema = MessageSchema {
    name: "api.apps.v1.DeploymentCondition",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "type",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "status",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "reason",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "message",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "lastUpdateTime",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "lastTransitionTime",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_NAMESPACE_CONDITION: MessageSchema = MessageSchema {
    name: "api.core.v1.NamespaceCondition",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "type",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "status",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "lastTransitionTime",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "reason",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "message",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_SERVICE_PORT: MessageSchema = MessageSchema {
    name: "api.core.v1.ServicePort",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "protocol",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "port",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "targetPort",
            field_type: FieldType::IntOrString,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "nodePort",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "appProtocol",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_SESSION_AFFINITY_CONFIG: MessageSchema = MessageSchema {
    name: "api.core.v1.SessionAffinityConfig",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "clientIP",
        field_type: FieldType::Message(&CORE_V1_CLIENT_IP_CONFIG),
        presence: Presence::OmitEmpty,
    }],
};

pub(crate) static CORE_V1_LOAD_BALANCER_STATUS: MessageSchema = MessageSchema {
    name: "api.core.v1.LoadBalancerStatus",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "ingress",
        field_type: FieldType::Message(&CORE_V1_LOAD_BALANCER_INGRESS),
        presence: Presence::Repeated,
    }],
};

pub(crate) static META_V1_CONDITION: MessageSchema = MessageSchema {
    name: "apimachinery.pkg.apis.meta.v1.Condition",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "type",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "status",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "observedGeneration",
            field_type: FieldType::Int64,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "lastTransitionTime",
            field_type: FieldType::Time,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 5,
            json_name: "reason",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 6,
            json_name: "message",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
    ],
};

pub(crate) static CORE_V1_SCOPE_SELECTOR: MessageSchema = MessageSchema {
    name: "api.core.v1.ScopeSelector",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "matchExpressions",
        field_type: FieldType::Message(&CORE_V1_SCOPED_RESOURCE_SELECTOR_REQUIREMENT),
        presence: Presence::Repeated,
    }],
};

pub(crate) static NETWORKING_V1_INGRESS_BACKEND: MessageSchema = MessageSchema {
    name: "api.networking.v1.IngressBackend",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 3,
            json_name: "resource",
            field_type: FieldType::Message(&CORE_V1_TYPED_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "service",
            field_type: FieldType::Message(&NETWORKING_V1_INGRESS_SERVICE_BACKEND),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static NETWORKING_V1_INGRESS_TLS: MessageSchema = MessageSchema {
    name: "api.networking.v1.IngressTls",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "hosts",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "secretName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static NETWORKING_V1_INGRESS_RULE: MessageSchema = MessageSchema {
    name: "api.networking.v1.IngressRule",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "host",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "ingressRuleValue",
            field_type: FieldType::Inline(&NETWORKING_V1_INGRESS_RULE_VALUE),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static NETWORKING_V1_INGRESS_LOAD_BALANCER_STATUS: MessageSchema = MessageSchema {
    name: "api.networking.v1.IngressLoadBalancerStatus",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "ingress",
        field_type: FieldType::Message(&NETWORKING_V1_INGRESS_LOAD_BALANCER_INGRESS),
        presence: Presence::Repeated,
    }],
};

pub(crate) static BATCH_V1_POD_FAILURE_POLICY: MessageSchema = MessageSchema {
    name: "api.batch.v1.PodFailurePolicy",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "rules",
        field_type: FieldType::Message(&BATCH_V1_POD_FAILURE_POLICY_RULE),
        presence: Presence::Repeated,
    }],
};

pub(crate) static BATCH_V1_SUCCESS_POLICY: MessageSchema = MessageSchema {
    name: "api.batch.v1.SuccessPolicy",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "rules",
        field_type: FieldType::Message(&BATCH_V1_SUCCESS_POLICY_RULE),
        presence: Presence::Repeated,
    }],
};

pub(crate) static BATCH_V1_JOB_CONDITION: MessageSchema = MessageSchema {
    name: "api.batch.v1.JobCondition",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "type",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "status",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "lastProbeTime",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "lastTransitionTime",
            field_type: FieldType::Time,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "reason",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "message",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static BATCH_V1_UNCOUNTED_TERMINATED_PODS: MessageSchema = MessageSchema {
    name: "api.batch.v1.UncountedTerminatedPods",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "succeeded",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "failed",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static BATCH_V1_JOB_TEMPLATE_SPEC: MessageSchema = MessageSchema {
    name: "api.batch.v1.JobTemplateSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&BATCH_V1_JOB_SPEC),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_FIELD_SELECTOR_ATTRIBUTES: MessageSchema = MessageSchema {
    name: "api.authorization.v1.FieldSelectorAttributes",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "rawSelector",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "requirements",
            field_type: FieldType::Message(&META_V1_FIELD_SELECTOR_REQUIREMENT),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static AUTHORIZATION_V1_LABEL_SELECTOR_ATTRIBUTES: MessageSchema = MessageSchema {
    name: "api.authorization.v1.LabelSelectorAttributes",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "rawSelector",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "requirements",
            field_type: FieldType::Message(&META_V1_LABEL_SELECTOR_REQUIREMENT),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static AUTHENTICATION_V1_EXTRA_VALUE: MessageSchema = MessageSchema {
    name: "api.authentication.v1.ExtraValue",
    string_list: true,
    fields: &[FieldSchema {
        number: 1,
        json_name: "items",
        field_type: FieldType::String,
        presence: Presence::Repeated,
    }],
};

pub(crate) static META_V1_LABEL_SELECTOR_REQUIREMENT: MessageSchema = MessageSchema {
    name: "apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "key",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "operator",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "values",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_POD_SPEC: MessageSchema = MessageSchema {
    name: "api.core.v1.PodSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "volumes",
            field_type: FieldType::Message(&CORE_V1_VOLUME),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "containers",
            field_type: FieldType::Message(&CORE_V1_CONTAINER),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "restartPolicy",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "terminationGracePeriodSeconds",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 5,
            json_name: "activeDeadlineSeconds",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 6,
            json_name: "dnsPolicy",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "nodeSelector",
            field_type: FieldType::Map(&FieldType::String),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 8,
            json_name: "serviceAccountName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 9,
            json_name: "serviceAccount",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 10,
            json_name: "nodeName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 11,
            json_name: "hostNetwork",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 12,
            json_name: "hostPID",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 13,
            json_name: "hostIPC",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 14,
            json_name: "securityContext",
            field_type: FieldType::Message(&CORE_V1_POD_SECURITY_CONTEXT),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 15,
            json_name: "imagePullSecrets",
            field_type: FieldType::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 16,
            json_name: "hostname",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 17,
            json_name: "subdomain",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 18,
            json_name: "affinity",
            field_type: FieldType::Message(&CORE_V1_AFFINITY),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 19,
            json_name: "schedulerName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 20,
            json_name: "initContainers",
            field_type: FieldType::Message(&CORE_V1_CONTAINER),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 21,
            json_name: "automountServiceAccountToken",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 22,
            json_name: "tolerations",
            field_type: FieldType::Message(&CORE_V1_TOLERATION),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 23,
            json_name: "hostAliases",
            field_type: FieldType::Message(&CORE_V1_HOST_ALIAS),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 24,
            json_name: "priorityClassName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 25,
            json_name: "priority",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 26,
            json_name: "dnsConfig",
            field_type: FieldType::Message(&CORE_V1_POD_DNS_CONFIG),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 27,
            json_name: "shareProcessNamespace",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 28,
            json_name: "readinessGates",
            field_type: FieldType::Message(&CORE_V1_POD_READINESS_GATE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 29,
            json_name: "runtimeClassName",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 30,
            json_name: "enableServiceLinks",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 31,
            json_name: "preemptionPolicy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 32,
            json_name: "overhead",
            field_type: FieldType::Map(&FieldType::Quantity),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 33,
            json_name: "topologySpreadConstraints",
            field_type: FieldType::Message(&CORE_V1_TOPOLOGY_SPREAD_CONSTRAINT),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 34,
            json_name: "ephemeralContainers",
            field_type: FieldType::Message(&CORE_V1_EPHEMERAL_CONTAINER),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 35,
            json_name: "setHostnameAsFQDN",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 36,
            json_name: "os",
            field_type: FieldType::Message(&CORE_V1_POD_OS),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 37,
            json_name: "hostUsers",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 38,
            json_name: "schedulingGates",
            field_type: FieldType::Message(&CORE_V1_POD_SCHEDULING_GATE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 39,
            json_name: "resourceClaims",
            field_type: FieldType::Message(&CORE_V1_POD_RESOURCE_CLAIM),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 40,
            json_name: "resources",
            field_type: FieldType::Message(&CORE_V1_RESOURCE_REQUIREMENTS),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 41,
            json_name: "hostnameOverride",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 42,
            json_name: "workloadRef",
            field_type: FieldType::Message(&CORE_V1_WORKLOAD_REFERENCE),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static APPS_V1_ROLLING_UPDATE_DEPLOYMENT: MessageSchema = MessageSchema {
    name: "api.apps.v1.RollingUpdateDeployment",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "maxUnavailable",
            field_type: FieldType::IntOrString,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "maxSurge",
            field_type: FieldType::IntOrString,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_CLIENT_IP_CONFIG: MessageSchema = MessageSchema {
    name: "api.core.v1.ClientIpConfig",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "timeoutSeconds",
        field_type: FieldType::Int32,
        presence: Presence::Pointer,
    }],
};

pub(crate) static CORE_V1_LOAD_BALANCER_INGRESS: MessageSchema = MessageSchema {
    name: "api.core.v1.LoadBalancerIngress",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "ip",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "hostname",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "ipMode",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 4,
            json_name: "ports",
            field_type: FieldType::Message(&CORE_V1_PORT_STATUS),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_SCOPED_RESOURCE_SELECTOR_REQUIREMENT: MessageSchema = MessageSchema {
    name: "api.core.v1.ScopedResourceSelectorRequirement",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "scopeName",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "operator",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "values",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static NETWORKING_V1_INGRESS_SERVICE_BACKEND: MessageSchema = MessageSchema {
    name: "api.networking.v1.IngressServiceBackend",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "port",
            field_type: FieldType::Message(&NETWORKING_V1_SERVICE_BACKEND_PORT),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_TYPED_LOCAL_OBJECT_REFERENCE: MessageSchema = MessageSchema {
    name: "api.core.v1.TypedLocalObjectReference",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "apiGroup",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 2,
            json_name: "kind",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
    ],
};

pub(crate) static NETWORKING_V1_INGRESS_RULE_VALUE: MessageSchema = MessageSchema {
    name: "api.networking.v1.IngressRuleValue",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "http",
        field_type: FieldType::Message(&NETWORKING_V1_HTTP_INGRESS_RULE_VALUE),
        presence: Presence::OmitEmpty,
    }],
};

pub(crate) static NETWORKING_V1_INGRESS_LOAD_BALANCER_INGRESS: MessageSchema = MessageSchema {
    name: "api.networking.v1.IngressLoadBalancerIngress",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "ip",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "hostname",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "ports",
            field_type: FieldType::Message(&NETWORKING_V1_INGRESS_PORT_STATUS),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static BATCH_V1_POD_FAILURE_POLICY_RULE: MessageSchema = MessageSchema {
    name: "api.batch.v1.PodFailurePolicyRule",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "action",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "onExitCodes",
            field_type: FieldType::Message(&BATCH_V1_POD_FAILURE_POLICY_ON_EXIT_CODES_REQUIREMENT),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "onPodConditions",
            field_type: FieldType::Message(&BATCH_V1_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERN),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static BATCH_V1_SUCCESS_POLICY_RULE: MessageSchema = MessageSchema {
    name: "api.batch.v1.SuccessPolicyRule",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "succeededIndexes",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 2,
            json_name: "succeededCount",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static META_V1_FIELD_SELECTOR_REQUIREMENT: MessageSchema = MessageSchema {
    name: "apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "key",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "operator",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "values",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_VOLUME: MessageSchema = MessageSchema {
    name: "api.core.v1.Volume",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "volumeSource",
            field_type: FieldType::Inline(&CORE_V1_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_CONTAINER: MessageSchema = MessageSchema {
    name: "api.core.v1.Container",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "image",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "command",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 4,
            json_name: "args",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 5,
            json_name: "workingDir",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "ports",
            field_type: FieldType::Message(&CORE_V1_CONTAINER_PORT),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 7,
            json_name: "env",
            field_type: FieldType::Message(&CORE_V1_ENV_VAR),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 8,
            json_name: "resources",
            field_type: FieldType::Message(&CORE_V1_RESOURCE_REQUIREMENTS),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 9,
            json_name: "volumeMounts",
            field_type: FieldType::Message(&CORE_V1_VOLUME_MOUNT),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 10,
            json_name: "livenessProbe",
            field_type: FieldType::Message(&CORE_V1_PROBE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 11,
            json_name: "readinessProbe",
            field_type: FieldType::Message(&CORE_V1_PROBE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 12,
            json_name: "lifecycle",
            field_type: FieldType::Message(&CORE_V1_LIFECYCLE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 13,
            json_name: "terminationMessagePath",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 14,
            json_name: "imagePullPolicy",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 15,
            json_name: "securityContext",
            field_type: FieldType::Message(&CORE_V1_SECURITY_CONTEXT),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 16,
            json_name: "stdin",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 17,
            json_name: "stdinOnce",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 18,
            json_name: "tty",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 19,
            json_name: "envFrom",
            field_type: FieldType::Message(&CORE_V1_ENV_FROM_SOURCE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 20,
            json_name: "terminationMessagePolicy",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 21,
            json_name: "volumeDevices",
            field_type: FieldType::Message(&CORE_V1_VOLUME_DEVICE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 22,
            json_name: "startupProbe",
            field_type: FieldType::Message(&CORE_V1_PROBE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 23,
            json_name: "resizePolicy",
            field_type: FieldType::Message(&CORE_V1_CONTAINER_RESIZE_POLICY),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 24,
            json_name: "restartPolicy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 25,
            json_name: "restartPolicyRules",
            field_type: FieldType::Message(&CORE_V1_CONTAINER_RESTART_RULE),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_EPHEMERAL_CONTAINER: MessageSchema = MessageSchema {
    name: "api.core.v1.EphemeralContainer",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "ephemeralContainerCommon",
            field_type: FieldType::Inline(&CORE_V1_EPHEMERAL_CONTAINER_COMMON),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "targetContainerName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_POD_SECURITY_CONTEXT: MessageSchema = MessageSchema {
    name: "api.core.v1.PodSecurityContext",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "seLinuxOptions",
            field_type: FieldType::Message(&CORE_V1_SE_LINUX_OPTIONS),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "runAsUser",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 3,
            json_name: "runAsNonRoot",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 4,
            json_name: "supplementalGroups",
            field_type: FieldType::Int64,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 5,
            json_name: "fsGroup",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 6,
            json_name: "runAsGroup",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 7,
            json_name: "sysctls",
            field_type: FieldType::Message(&CORE_V1_SYSCTL),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 8,
            json_name: "windowsOptions",
            field_type: FieldType::Message(&CORE_V1_WINDOWS_SECURITY_CONTEXT_OPTIONS),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 9,
            json_name: "fsGroupChangePolicy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 10,
            json_name: "seccompProfile",
            field_type: FieldType::Message(&CORE_V1_SECCOMP_PROFILE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 11,
            json_name: "appArmorProfile",
            field_type: FieldType::Message(&CORE_V1_APP_ARMOR_PROFILE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 12,
            json_name: "supplementalGroupsPolicy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 13,
            json_name: "seLinuxChangePolicy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_AFFINITY: MessageSchema = MessageSchema {
    name: "api.core.v1.Affinity",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "nodeAffinity",
            field_type: FieldType::Message(&CORE_V1_NODE_AFFINITY),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "podAffinity",
            field_type: FieldType::Message(&CORE_V1_POD_AFFINITY),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "podAntiAffinity",
            field_type: FieldType::Message(&CORE_V1_POD_ANTI_AFFINITY),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_TOLERATION: MessageSchema = MessageSchema {
    name: "api.core.v1.Toleration",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "key",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "operator",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "value",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "effect",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "tolerationSeconds",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_HOST_ALIAS: MessageSchema = MessageSchema {
    name: "api.core.v1.HostAlias",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "ip",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "hostnames",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_POD_DNS_CONFIG: MessageSchema = MessageSchema {
    name: "api.core.v1.PodDnsConfig",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "nameservers",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "searches",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "options",
            field_type: FieldType::Message(&CORE_V1_POD_DNS_CONFIG_OPTION),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_POD_READINESS_GATE: MessageSchema = MessageSchema {
    name: "api.core.v1.PodReadinessGate",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "conditionType",
        field_type: FieldType::String,
        presence: Presence::Required,
    }],
};

pub(crate) static CORE_V1_TOPOLOGY_SPREAD_CONSTRAINT: MessageSchema = MessageSchema {
    name: "api.core.v1.TopologySpreadConstraint",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "maxSkew",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "topologyKey",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "whenUnsatisfiable",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "labelSelector",
            field_type: FieldType::Message(&META_V1_LABEL_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "minDomains",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 6,
            json_name: "nodeAffinityPolicy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 7,
            json_name: "nodeTaintsPolicy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 8,
            json_name: "matchLabelKeys",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_POD_OS: MessageSchema = MessageSchema {
    name: "api.core.v1.PodOs",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "name",
        field_type: FieldType::String,
        presence: Presence::Required,
    }],
};

pub(crate) static CORE_V1_POD_SCHEDULING_GATE: MessageSchema = MessageSchema {
    name: "api.core.v1.PodSchedulingGate",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "name",
        field_type: FieldType::String,
        presence: Presence::Required,
    }],
};

pub(crate) static CORE_V1_POD_RESOURCE_CLAIM: MessageSchema = MessageSchema {
    name: "api.core.v1.PodResourceClaim",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "resourceClaimName",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 4,
            json_name: "resourceClaimTemplateName",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_RESOURCE_REQUIREMENTS: MessageSchema = MessageSchema {
    name: "api.core.v1.ResourceRequirements",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "limits",
            field_type: FieldType::Map(&FieldType::Quantity),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "requests",
            field_type: FieldType::Map(&FieldType::Quantity),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "claims",
            field_type: FieldType::Message(&CORE_V1_RESOURCE_CLAIM),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_WORKLOAD_REFERENCE: MessageSchema = MessageSchema {
    name: "api.core.v1.WorkloadReference",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "podGroup",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "podGroupReplicaKey",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_PORT_STATUS: MessageSchema = MessageSchema {
    name: "api.core.v1.PortStatus",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "port",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "protocol",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "error",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static NETWORKING_V1_SERVICE_BACKEND_PORT: MessageSchema = MessageSchema {
    name: "api.networking.v1.ServiceBackendPort",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "number",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static NETWORKING_V1_HTTP_INGRESS_RULE_VALUE: MessageSchema = MessageSchema {
    name: "api.networking.v1.HttpIngressRuleValue",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "paths",
        field_type: FieldType::Message(&NETWORKING_V1_HTTP_INGRESS_PATH),
        presence: Presence::Repeated,
    }],
};

pub(crate) static NETWORKING_V1_INGRESS_PORT_STATUS: MessageSchema = MessageSchema {
    name: "api.networking.v1.IngressPortStatus",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "port",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "protocol",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "error",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static BATCH_V1_POD_FAILURE_POLICY_ON_EXIT_CODES_REQUIREMENT: MessageSchema =
    MessageSchema {
        name: "api.batch.v1.PodFailurePolicyOnExitCodesRequirement",
        string_list: false,
        fields: &[
            FieldSchema {
                number: 1,
                json_name: "containerName",
                field_type: FieldType::String,
                presence: Presence::Pointer,
            },
            FieldSchema {
                number: 2,
                json_name: "operator",
                field_type: FieldType::String,
                presence: Presence::Required,
            },
            FieldSchema {
                number: 3,
                json_name: "values",
                field_type: FieldType::Int32,
                presence: Presence::Repeated,
            },
        ],
    };

pub(crate) static BATCH_V1_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERN: MessageSchema =
    MessageSchema {
        name: "api.batch.v1.PodFailurePolicyOnPodConditionsPattern",
        string_list: false,
        fields: &[
            FieldSchema {
                number: 1,
                json_name: "type",
                field_type: FieldType::String,
                presence: Presence::Required,
            },
            FieldSchema {
                number: 2,
                json_name: "status",
                field_type: FieldType::String,
                presence: Presence::OmitEmpty,
            },
        ],
    };

pub(crate) static CORE_V1_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.VolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "hostPath",
            field_type: FieldType::Message(&CORE_V1_HOST_PATH_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "emptyDir",
            field_type: FieldType::Message(&CORE_V1_EMPTY_DIR_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "gcePersistentDisk",
            field_type: FieldType::Message(&CORE_V1_GCE_PERSISTENT_DISK_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "awsElasticBlockStore",
            field_type: FieldType::Message(&CORE_V1_AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "gitRepo",
            field_type: FieldType::Message(&CORE_V1_GIT_REPO_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "secret",
            field_type: FieldType::Message(&CORE_V1_SECRET_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "nfs",
            field_type: FieldType::Message(&CORE_V1_NFS_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 8,
            json_name: "iscsi",
            field_type: FieldType::Message(&CORE_V1_ISCSI_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 9,
            json_name: "glusterfs",
            field_type: FieldType::Message(&CORE_V1_GLUSTERFS_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 10,
            json_name: "persistentVolumeClaim",
            field_type: FieldType::Message(&CORE_V1_PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 11,
            json_name: "rbd",
            field_type: FieldType::Message(&CORE_V1_RBD_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 12,
            json_name: "flexVolume",
            field_type: FieldType::Message(&CORE_V1_FLEX_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 13,
            json_name: "cinder",
            field_type: FieldType::Message(&CORE_V1_CINDER_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 14,
            json_name: "cephfs",
            field_type: FieldType::Message(&CORE_V1_CEPH_FS_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 15,
            json_name: "flocker",
            field_type: FieldType::Message(&CORE_V1_FLOCKER_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 16,
            json_name: "downwardAPI",
            field_type: FieldType::Message(&CORE_V1_DOWNWARD_APIVOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 17,
            json_name: "fc",
            field_type: FieldType::Message(&CORE_V1_FC_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 18,
            json_name: "azureFile",
            field_type: FieldType::Message(&CORE_V1_AZURE_FILE_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 19,
            json_name: "configMap",
            field_type: FieldType::Message(&CORE_V1_CONFIG_MAP_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 20,
            json_name: "vsphereVolume",
            field_type: FieldType::Message(&CORE_V1_VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 21,
            json_name: "quobyte",
            field_type: FieldType::Message(&CORE_V1_QUOBYTE_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 22,
            json_name: "azureDisk",
            field_type: FieldType::Message(&CORE_V1_AZURE_DISK_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 23,
            json_name: "photonPersistentDisk",
            field_type: FieldType::Message(&CORE_V1_PHOTON_PERSISTENT_DISK_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 24,
            json_name: "portworxVolume",
            field_type: FieldType::Message(&CORE_V1_PORTWORX_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 25,
            json_name: "scaleIO",
            field_type: FieldType::Message(&CORE_V1_SCALE_IO_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 26,
            json_name: "projected",
            field_type: FieldType::Message(&CORE_V1_PROJECTED_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 27,
            json_name: "storageos",
            field_type: FieldType::Message(&CORE_V1_STORAGE_OS_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 28,
            json_name: "csi",
            field_type: FieldType::Message(&CORE_V1_CSIVOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 29,
            json_name: "ephemeral",
            field_type: FieldType::Message(&CORE_V1_EPHEMERAL_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 30,
            json_name: "image",
            field_type: FieldType::Message(&CORE_V1_IMAGE_VOLUME_SOURCE),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_CONTAINER_PORT: MessageSchema = MessageSchema {
    name: "api.core.v1.ContainerPort",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "hostPort",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "containerPort",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "protocol",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "hostIP",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_ENV_FROM_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.EnvFromSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "prefix",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "configMapRef",
            field_type: FieldType::Message(&CORE_V1_CONFIG_MAP_ENV_SOURCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "secretRef",
            field_type: FieldType::Message(&CORE_V1_SECRET_ENV_SOURCE),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_ENV_VAR: MessageSchema = MessageSchema {
    name: "api.core.v1.EnvVar",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "value",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "valueFrom",
            field_type: FieldType::Message(&CORE_V1_ENV_VAR_SOURCE),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_CONTAINER_RESIZE_POLICY: MessageSchema = MessageSchema {
    name: "api.core.v1.ContainerResizePolicy",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "resourceName",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "restartPolicy",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
    ],
};

pub(crate) static CORE_V1_CONTAINER_RESTART_RULE: MessageSchema = MessageSchema {
    name: "api.core.v1.ContainerRestartRule",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "action",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "exitCodes",
            field_type: FieldType::Message(&CORE_V1_CONTAINER_RESTART_RULE_ON_EXIT_CODES),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_VOLUME_MOUNT: MessageSchema = MessageSchema {
    name: "api.core.v1.VolumeMount",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "mountPath",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "subPath",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "mountPropagation",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 6,
            json_name: "subPathExpr",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "recursiveReadOnly",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_VOLUME_DEVICE: MessageSchema = MessageSchema {
    name: "api.core.v1.VolumeDevice",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "devicePath",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
    ],
};

pub(crate) static CORE_V1_PROBE: MessageSchema = MessageSchema {
    name: "api.core.v1.Probe",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "handler",
            field_type: FieldType::Inline(&CORE_V1_PROBE_HANDLER),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "initialDelaySeconds",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "timeoutSeconds",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "periodSeconds",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "successThreshold",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "failureThreshold",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "terminationGracePeriodSeconds",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_LIFECYCLE: MessageSchema = MessageSchema {
    name: "api.core.v1.Lifecycle",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "postStart",
            field_type: FieldType::Message(&CORE_V1_LIFECYCLE_HANDLER),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "preStop",
            field_type: FieldType::Message(&CORE_V1_LIFECYCLE_HANDLER),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "stopSignal",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_SECURITY_CONTEXT: MessageSchema = MessageSchema {
    name: "api.core.v1.SecurityContext",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "capabilities",
            field_type: FieldType::Message(&CORE_V1_CAPABILITIES),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "privileged",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 3,
            json_name: "seLinuxOptions",
            field_type: FieldType::Message(&CORE_V1_SE_LINUX_OPTIONS),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "runAsUser",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 5,
            json_name: "runAsNonRoot",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 6,
            json_name: "readOnlyRootFilesystem",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 7,
            json_name: "allowPrivilegeEscalation",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 8,
            json_name: "runAsGroup",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 9,
            json_name: "procMount",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 10,
            json_name: "windowsOptions",
            field_type: FieldType::Message(&CORE_V1_WINDOWS_SECURITY_CONTEXT_OPTIONS),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 11,
            json_name: "seccompProfile",
            field_type: FieldType::Message(&CORE_V1_SECCOMP_PROFILE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 12,
            json_name: "appArmorProfile",
            field_type: FieldType::Message(&CORE_V1_APP_ARMOR_PROFILE),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_EPHEMERAL_CONTAINER_COMMON: MessageSchema = MessageSchema {
    name: "api.core.v1.EphemeralContainerCommon",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "image",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "command",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 4,
            json_name: "args",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 5,
            json_name: "workingDir",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "ports",
            field_type: FieldType::Message(&CORE_V1_CONTAINER_PORT),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 7,
            json_name: "env",
            field_type: FieldType::Message(&CORE_V1_ENV_VAR),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 8,
            json_name: "resources",
            field_type: FieldType::Message(&CORE_V1_RESOURCE_REQUIREMENTS),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 9,
            json_name: "volumeMounts",
            field_type: FieldType::Message(&CORE_V1_VOLUME_MOUNT),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 10,
            json_name: "livenessProbe",
            field_type: FieldType::Message(&CORE_V1_PROBE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 11,
            json_name: "readinessProbe",
            field_type: FieldType::Message(&CORE_V1_PROBE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 12,
            json_name: "lifecycle",
            field_type: FieldType::Message(&CORE_V1_LIFECYCLE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 13,
            json_name: "terminationMessagePath",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 14,
            json_name: "imagePullPolicy",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 15,
            json_name: "securityContext",
            field_type: FieldType::Message(&CORE_V1_SECURITY_CONTEXT),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 16,
            json_name: "stdin",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 17,
            json_name: "stdinOnce",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 18,
            json_name: "tty",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 19,
            json_name: "envFrom",
            field_type: FieldType::Message(&CORE_V1_ENV_FROM_SOURCE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 20,
            json_name: "terminationMessagePolicy",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 21,
            json_name: "volumeDevices",
            field_type: FieldType::Message(&CORE_V1_VOLUME_DEVICE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 22,
            json_name: "startupProbe",
            field_type: FieldType::Message(&CORE_V1_PROBE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 23,
            json_name: "resizePolicy",
            field_type: FieldType::Message(&CORE_V1_CONTAINER_RESIZE_POLICY),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 24,
            json_name: "restartPolicy",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 25,
            json_name: "restartPolicyRules",
            field_type: FieldType::Message(&CORE_V1_CONTAINER_RESTART_RULE),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_SE_LINUX_OPTIONS: MessageSchema = MessageSchema {
    name: "api.core.v1.SeLinuxOptions",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "user",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "role",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "type",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "level",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_WINDOWS_SECURITY_CONTEXT_OPTIONS: MessageSchema = MessageSchema {
    name: "api.core.v1.WindowsSecurityContextOptions",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "gmsaCredentialSpecName",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 2,
            json_name: "gmsaCredentialSpec",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 3,
            json_name: "runAsUserName",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 4,
            json_name: "hostProcess",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_SYSCTL: MessageSchema = MessageSchema {
    name: "api.core.v1.Sysctl",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "value",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
    ],
};

pub(crate) static CORE_V1_SECCOMP_PROFILE: MessageSchema = MessageSchema {
    name: "api.core.v1.SeccompProfile",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "type",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "localhostProfile",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_APP_ARMOR_PROFILE: MessageSchema = MessageSchema {
    name: "api.core.v1.AppArmorProfile",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "type",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "localhostProfile",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_NODE_AFFINITY: MessageSchema = MessageSchema {
    name: "api.core.v1.NodeAffinity",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "requiredDuringSchedulingIgnoredDuringExecution",
            field_type: FieldType::Message(&CORE_V1_NODE_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "preferredDuringSchedulingIgnoredDuringExecution",
            field_type: FieldType::Message(&CORE_V1_PREFERRED_SCHEDULING_TERM),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_POD_AFFINITY: MessageSchema = MessageSchema {
    name: "api.core.v1.PodAffinity",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "requiredDuringSchedulingIgnoredDuringExecution",
            field_type: FieldType::Message(&CORE_V1_POD_AFFINITY_TERM),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "preferredDuringSchedulingIgnoredDuringExecution",
            field_type: FieldType::Message(&CORE_V1_WEIGHTED_POD_AFFINITY_TERM),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_POD_ANTI_AFFINITY: MessageSchema = MessageSchema {
    name: "api.core.v1.PodAntiAffinity",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "requiredDuringSchedulingIgnoredDuringExecution",
            field_type: FieldType::Message(&CORE_V1_POD_AFFINITY_TERM),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "preferredDuringSchedulingIgnoredDuringExecution",
            field_type: FieldType::Message(&CORE_V1_WEIGHTED_POD_AFFINITY_TERM),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_POD_DNS_CONFIG_OPTION: MessageSchema = MessageSchema {
    name: "api.core.v1.PodDnsConfigOption",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "value",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_RESOURCE_CLAIM: MessageSchema = MessageSchema {
    name: "api.core.v1.ResourceClaim",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "request",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static NETWORKING_V1_HTTP_INGRESS_PATH: MessageSchema = MessageSchema {
    name: "api.networking.v1.HttpIngressPath",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "path",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "backend",
            field_type: FieldType::Message(&NETWORKING_V1_INGRESS_BACKEND),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "pathType",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_HOST_PATH_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.HostPathVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "path",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "type",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_EMPTY_DIR_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.EmptyDirVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "medium",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "sizeLimit",
            field_type: FieldType::Quantity,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_GCE_PERSISTENT_DISK_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.GcePersistentDiskVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "pdName",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "partition",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.AwsElasticBlockStoreVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "volumeID",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "partition",
            field_type: FieldType::Int32,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_GIT_REPO_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.GitRepoVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "repository",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "revision",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "directory",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_SECRET_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.SecretVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "secretName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "items",
            field_type: FieldType::Message(&CORE_V1_KEY_TO_PATH),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "defaultMode",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 4,
            json_name: "optional",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_NFS_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.NfsVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "server",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "path",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_ISCSI_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.IscsiVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "targetPortal",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "iqn",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "lun",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "iscsiInterface",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "portals",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 8,
            json_name: "chapAuthDiscovery",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 10,
            json_name: "secretRef",
            field_type: FieldType::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 11,
            json_name: "chapAuthSession",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 12,
            json_name: "initiatorName",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_GLUSTERFS_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.GlusterfsVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "endpoints",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "path",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.PersistentVolumeClaimVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "claimName",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_RBD_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.RbdVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "monitors",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "image",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "pool",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "user",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "keyring",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "secretRef",
            field_type: FieldType::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 8,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_FLEX_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.FlexVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "driver",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "secretRef",
            field_type: FieldType::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "options",
            field_type: FieldType::Map(&FieldType::String),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_CINDER_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.CinderVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "volumeID",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "secretRef",
            field_type: FieldType::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_CEPH_FS_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.CephFsVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "monitors",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "path",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "user",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "secretFile",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "secretRef",
            field_type: FieldType::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_FLOCKER_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.FlockerVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "datasetName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "datasetUUID",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_DOWNWARD_APIVOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.DownwardAPIVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "items",
            field_type: FieldType::Message(&CORE_V1_DOWNWARD_APIVOLUME_FILE),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "defaultMode",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_FC_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.FcVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "targetWWNs",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "lun",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 3,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "wwids",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_AZURE_FILE_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.AzureFileVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "secretName",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "shareName",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_CONFIG_MAP_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.ConfigMapVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "localObjectReference",
            field_type: FieldType::Inline(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "items",
            field_type: FieldType::Message(&CORE_V1_KEY_TO_PATH),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "defaultMode",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 4,
            json_name: "optional",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.VsphereVirtualDiskVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "volumePath",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "storagePolicyName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "storagePolicyID",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_QUOBYTE_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.QuobyteVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "registry",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "volume",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "user",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "group",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "tenant",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_AZURE_DISK_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.AzureDiskVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "diskName",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "diskURI",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "cachingMode",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 4,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 5,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 6,
            json_name: "kind",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_PHOTON_PERSISTENT_DISK_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.PhotonPersistentDiskVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "pdID",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_PROJECTED_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.ProjectedVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "sources",
            field_type: FieldType::Message(&CORE_V1_VOLUME_PROJECTION),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "defaultMode",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_PORTWORX_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.PortworxVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "volumeID",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_SCALE_IO_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.ScaleIoVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "gateway",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "system",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "secretRef",
            field_type: FieldType::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "sslEnabled",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "protectionDomain",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "storagePool",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "storageMode",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 8,
            json_name: "volumeName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 9,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 10,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_STORAGE_OS_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.StorageOsVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "volumeName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "volumeNamespace",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "secretRef",
            field_type: FieldType::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_CSIVOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.CSIVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "driver",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "readOnly",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 3,
            json_name: "fsType",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 4,
            json_name: "volumeAttributes",
            field_type: FieldType::Map(&FieldType::String),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 5,
            json_name: "nodePublishSecretRef",
            field_type: FieldType::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_EPHEMERAL_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.EphemeralVolumeSource",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "volumeClaimTemplate",
        field_type: FieldType::Message(&CORE_V1_PERSISTENT_VOLUME_CLAIM_TEMPLATE),
        presence: Presence::OmitEmpty,
    }],
};

pub(crate) static CORE_V1_IMAGE_VOLUME_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.ImageVolumeSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "reference",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "pullPolicy",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_CONFIG_MAP_ENV_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.ConfigMapEnvSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "localObjectReference",
            field_type: FieldType::Inline(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "optional",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_SECRET_ENV_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.SecretEnvSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "localObjectReference",
            field_type: FieldType::Inline(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "optional",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_ENV_VAR_SOURCE: MessageSchema = MessageSchema {
    name: "api.core.v1.EnvVarSource",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "fieldRef",
            field_type: FieldType::Message(&CORE_V1_OBJECT_FIELD_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "resourceFieldRef",
            field_type: FieldType::Message(&CORE_V1_RESOURCE_FIELD_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "configMapKeyRef",
            field_type: FieldType::Message(&CORE_V1_CONFIG_MAP_KEY_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "secretKeyRef",
            field_type: FieldType::Message(&CORE_V1_SECRET_KEY_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "fileKeyRef",
            field_type: FieldType::Message(&CORE_V1_FILE_KEY_SELECTOR),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_CONTAINER_RESTART_RULE_ON_EXIT_CODES: MessageSchema = MessageSchema {
    name: "api.core.v1.ContainerRestartRuleOnExitCodes",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "operator",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "values",
            field_type: FieldType::Int32,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_PROBE_HANDLER: MessageSchema = MessageSchema {
    name: "api.core.v1.ProbeHandler",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "exec",
            field_type: FieldType::Message(&CORE_V1_EXEC_ACTION),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "httpGet",
            field_type: FieldType::Message(&CORE_V1_HTTP_GET_ACTION),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "tcpSocket",
            field_type: FieldType::Message(&CORE_V1_TCP_SOCKET_ACTION),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "grpc",
            field_type: FieldType::Message(&CORE_V1_GRPC_ACTION),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_LIFECYCLE_HANDLER: MessageSchema = MessageSchema {
    name: "api.core.v1.LifecycleHandler",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "exec",
            field_type: FieldType::Message(&CORE_V1_EXEC_ACTION),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "httpGet",
            field_type: FieldType::Message(&CORE_V1_HTTP_GET_ACTION),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "tcpSocket",
            field_type: FieldType::Message(&CORE_V1_TCP_SOCKET_ACTION),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "sleep",
            field_type: FieldType::Message(&CORE_V1_SLEEP_ACTION),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_CAPABILITIES: MessageSchema = MessageSchema {
    name: "api.core.v1.Capabilities",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "add",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "drop",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_NODE_SELECTOR: MessageSchema = MessageSchema {
    name: "api.core.v1.NodeSelector",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "nodeSelectorTerms",
        field_type: FieldType::Message(&CORE_V1_NODE_SELECTOR_TERM),
        presence: Presence::Repeated,
    }],
};

pub(crate) static CORE_V1_PREFERRED_SCHEDULING_TERM: MessageSchema = MessageSchema {
    name: "api.core.v1.PreferredSchedulingTerm",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "weight",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "preference",
            field_type: FieldType::Message(&CORE_V1_NODE_SELECTOR_TERM),
            presence: Presence::Required,
        },
    ],
};

pub(crate) static CORE_V1_POD_AFFINITY_TERM: MessageSchema = MessageSchema {
    name: "api.core.v1.PodAffinityTerm",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "labelSelector",
            field_type: FieldType::Message(&META_V1_LABEL_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "namespaces",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 3,
            json_name: "topologyKey",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "namespaceSelector",
            field_type: FieldType::Message(&META_V1_LABEL_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "matchLabelKeys",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 6,
            json_name: "mismatchLabelKeys",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_WEIGHTED_POD_AFFINITY_TERM: MessageSchema = MessageSchema {
    name: "api.core.v1.WeightedPodAffinityTerm",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "weight",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "podAffinityTerm",
            field_type: FieldType::Message(&CORE_V1_POD_AFFINITY_TERM),
            presence: Presence::Required,
        },
    ],
};

pub(crate) static CORE_V1_KEY_TO_PATH: MessageSchema = MessageSchema {
    name: "api.core.v1.KeyToPath",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "key",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "path",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "mode",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_DOWNWARD_APIVOLUME_FILE: MessageSchema = MessageSchema {
    name: "api.core.v1.DownwardAPIVolumeFile",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "path",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "fieldRef",
            field_type: FieldType::Message(&CORE_V1_OBJECT_FIELD_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "resourceFieldRef",
            field_type: FieldType::Message(&CORE_V1_RESOURCE_FIELD_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "mode",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_VOLUME_PROJECTION: MessageSchema = MessageSchema {
    name: "api.core.v1.VolumeProjection",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "secret",
            field_type: FieldType::Message(&CORE_V1_SECRET_PROJECTION),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "downwardAPI",
            field_type: FieldType::Message(&CORE_V1_DOWNWARD_APIPROJECTION),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "configMap",
            field_type: FieldType::Message(&CORE_V1_CONFIG_MAP_PROJECTION),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "serviceAccountToken",
            field_type: FieldType::Message(&CORE_V1_SERVICE_ACCOUNT_TOKEN_PROJECTION),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "clusterTrustBundle",
            field_type: FieldType::Message(&CORE_V1_CLUSTER_TRUST_BUNDLE_PROJECTION),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "podCertificate",
            field_type: FieldType::Message(&CORE_V1_POD_CERTIFICATE_PROJECTION),
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_PERSISTENT_VOLUME_CLAIM_TEMPLATE: MessageSchema = MessageSchema {
    name: "api.core.v1.PersistentVolumeClaimTemplate",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "metadata",
            field_type: FieldType::Message(&META_V1_OBJECT_META),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "spec",
            field_type: FieldType::Message(&CORE_V1_PERSISTENT_VOLUME_CLAIM_SPEC),
            presence: Presence::Required,
        },
    ],
};

pub(crate) static CORE_V1_OBJECT_FIELD_SELECTOR: MessageSchema = MessageSchema {
    name: "api.core.v1.ObjectFieldSelector",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "apiVersion",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "fieldPath",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
    ],
};

pub(crate) static CORE_V1_RESOURCE_FIELD_SELECTOR: MessageSchema = MessageSchema {
    name: "api.core.v1.ResourceFieldSelector",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "containerName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "resource",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "divisor",
            field_type: FieldType::Quantity,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_CONFIG_MAP_KEY_SELECTOR: MessageSchema = MessageSchema {
    name: "api.core.v1.ConfigMapKeySelector",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "localObjectReference",
            field_type: FieldType::Inline(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "key",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "optional",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_SECRET_KEY_SELECTOR: MessageSchema = MessageSchema {
    name: "api.core.v1.SecretKeySelector",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "localObjectReference",
            field_type: FieldType::Inline(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "key",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "optional",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_FILE_KEY_SELECTOR: MessageSchema = MessageSchema {
    name: "api.core.v1.FileKeySelector",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "volumeName",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "path",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "key",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "optional",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_EXEC_ACTION: MessageSchema = MessageSchema {
    name: "api.core.v1.ExecAction",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "command",
        field_type: FieldType::String,
        presence: Presence::Repeated,
    }],
};

pub(crate) static CORE_V1_HTTP_GET_ACTION: MessageSchema = MessageSchema {
    name: "api.core.v1.HttpGetAction",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "path",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "port",
            field_type: FieldType::IntOrString,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "host",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "scheme",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "httpHeaders",
            field_type: FieldType::Message(&CORE_V1_HTTP_HEADER),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_TCP_SOCKET_ACTION: MessageSchema = MessageSchema {
    name: "api.core.v1.TcpSocketAction",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "port",
            field_type: FieldType::IntOrString,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "host",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
    ],
};

pub(crate) static CORE_V1_GRPC_ACTION: MessageSchema = MessageSchema {
    name: "api.core.v1.GrpcAction",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "port",
            field_type: FieldType::Int32,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "service",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_SLEEP_ACTION: MessageSchema = MessageSchema {
    name: "api.core.v1.SleepAction",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "seconds",
        field_type: FieldType::Int64,
        presence: Presence::Required,
    }],
};

pub(crate) static CORE_V1_NODE_SELECTOR_TERM: MessageSchema = MessageSchema {
    name: "api.core.v1.NodeSelectorTerm",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "matchExpressions",
            field_type: FieldType::Message(&CORE_V1_NODE_SELECTOR_REQUIREMENT),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "matchFields",
            field_type: FieldType::Message(&CORE_V1_NODE_SELECTOR_REQUIREMENT),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_SECRET_PROJECTION: MessageSchema = MessageSchema {
    name: "api.core.v1.SecretProjection",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "localObjectReference",
            field_type: FieldType::Inline(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "items",
            field_type: FieldType::Message(&CORE_V1_KEY_TO_PATH),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 4,
            json_name: "optional",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_DOWNWARD_APIPROJECTION: MessageSchema = MessageSchema {
    name: "api.core.v1.DownwardAPIProjection",
    string_list: false,
    fields: &[FieldSchema {
        number: 1,
        json_name: "items",
        field_type: FieldType::Message(&CORE_V1_DOWNWARD_APIVOLUME_FILE),
        presence: Presence::Repeated,
    }],
};

pub(crate) static CORE_V1_CONFIG_MAP_PROJECTION: MessageSchema = MessageSchema {
    name: "api.core.v1.ConfigMapProjection",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "localObjectReference",
            field_type: FieldType::Inline(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "items",
            field_type: FieldType::Message(&CORE_V1_KEY_TO_PATH),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 4,
            json_name: "optional",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_SERVICE_ACCOUNT_TOKEN_PROJECTION: MessageSchema = MessageSchema {
    name: "api.core.v1.ServiceAccountTokenProjection",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "audience",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 2,
            json_name: "expirationSeconds",
            field_type: FieldType::Int64,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 3,
            json_name: "path",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
    ],
};

pub(crate) static CORE_V1_CLUSTER_TRUST_BUNDLE_PROJECTION: MessageSchema = MessageSchema {
    name: "api.core.v1.ClusterTrustBundleProjection",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 2,
            json_name: "signerName",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 3,
            json_name: "labelSelector",
            field_type: FieldType::Message(&META_V1_LABEL_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "path",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 5,
            json_name: "optional",
            field_type: FieldType::Bool,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_POD_CERTIFICATE_PROJECTION: MessageSchema = MessageSchema {
    name: "api.core.v1.PodCertificateProjection",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "signerName",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "keyType",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "maxExpirationSeconds",
            field_type: FieldType::Int32,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 4,
            json_name: "credentialBundlePath",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "keyPath",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 6,
            json_name: "certificateChainPath",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 7,
            json_name: "userAnnotations",
            field_type: FieldType::Map(&FieldType::String),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_PERSISTENT_VOLUME_CLAIM_SPEC: MessageSchema = MessageSchema {
    name: "api.core.v1.PersistentVolumeClaimSpec",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "accessModes",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "resources",
            field_type: FieldType::Message(&CORE_V1_VOLUME_RESOURCE_REQUIREMENTS),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 3,
            json_name: "volumeName",
            field_type: FieldType::String,
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 4,
            json_name: "selector",
            field_type: FieldType::Message(&META_V1_LABEL_SELECTOR),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 5,
            json_name: "storageClassName",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 6,
            json_name: "volumeMode",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 7,
            json_name: "dataSource",
            field_type: FieldType::Message(&CORE_V1_TYPED_LOCAL_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 8,
            json_name: "dataSourceRef",
            field_type: FieldType::Message(&CORE_V1_TYPED_OBJECT_REFERENCE),
            presence: Presence::OmitEmpty,
        },
        FieldSchema {
            number: 9,
            json_name: "volumeAttributesClassName",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};

pub(crate) static CORE_V1_HTTP_HEADER: MessageSchema = MessageSchema {
    name: "api.core.v1.HttpHeader",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "value",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
    ],
};

pub(crate) static CORE_V1_NODE_SELECTOR_REQUIREMENT: MessageSchema = MessageSchema {
    name: "api.core.v1.NodeSelectorRequirement",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "key",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 2,
            json_name: "operator",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "values",
            field_type: FieldType::String,
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_VOLUME_RESOURCE_REQUIREMENTS: MessageSchema = MessageSchema {
    name: "api.core.v1.VolumeResourceRequirements",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "limits",
            field_type: FieldType::Map(&FieldType::Quantity),
            presence: Presence::Repeated,
        },
        FieldSchema {
            number: 2,
            json_name: "requests",
            field_type: FieldType::Map(&FieldType::Quantity),
            presence: Presence::Repeated,
        },
    ],
};

pub(crate) static CORE_V1_TYPED_OBJECT_REFERENCE: MessageSchema = MessageSchema {
    name: "api.core.v1.TypedObjectReference",
    string_list: false,
    fields: &[
        FieldSchema {
            number: 1,
            json_name: "apiGroup",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
        FieldSchema {
            number: 2,
            json_name: "kind",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 3,
            json_name: "name",
            field_type: FieldType::String,
            presence: Presence::Required,
        },
        FieldSchema {
            number: 4,
            json_name: "namespace",
            field_type: FieldType::String,
            presence: Presence::Pointer,
        },
    ],
};
