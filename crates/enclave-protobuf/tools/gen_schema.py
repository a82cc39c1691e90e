#!/usr/bin/env python3
"""Generates src/schema_table.rs: the field table of the Kubernetes protobuf messages reachable
from the request kinds kubectl sends as protobuf.

Facts only: field numbers and wire types come from the `k8s-pb` crate's generated prost code,
JSON names and "required" (no omitempty) from `k8s-openapi`'s serde field names. Which scalar
fields are Go pointers (so a present zero value is kept) is the hand-kept POINTER_FIELDS list.

Usage: python3 tools/gen_schema.py > src/schema_table.rs && cargo fmt -p enclave-protobuf
"""
import glob
import os
import re
import sys

REG = glob.glob(os.path.expanduser("~/.cargo/registry/src/*/"))[0]
PB = glob.glob(REG + "k8s-pb-0.9*/src")[0]
OPENAPI_DIRS = [glob.glob(REG + "k8s-openapi-0.29*/src")[0] + "/" + v for v in ("v1_35", "v1_34", "v1_33")]

# (apiVersion, kind, message)
ROOTS = [
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview", "api.authorization.v1.SelfSubjectAccessReview"),
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview", "api.authorization.v1.SelfSubjectRulesReview"),
    ("authorization.k8s.io/v1", "SubjectAccessReview", "api.authorization.v1.SubjectAccessReview"),
    ("authorization.k8s.io/v1", "LocalSubjectAccessReview", "api.authorization.v1.LocalSubjectAccessReview"),
    ("authentication.k8s.io/v1", "SelfSubjectReview", "api.authentication.v1.SelfSubjectReview"),
    ("authentication.k8s.io/v1beta1", "SelfSubjectReview", "api.authentication.v1beta1.SelfSubjectReview"),
    ("authentication.k8s.io/v1alpha1", "SelfSubjectReview", "api.authentication.v1alpha1.SelfSubjectReview"),
    ("authentication.k8s.io/v1", "TokenRequest", "api.authentication.v1.TokenRequest"),
    ("authentication.k8s.io/v1", "TokenReview", "api.authentication.v1.TokenReview"),
    ("apps/v1", "Deployment", "api.apps.v1.Deployment"),
    ("v1", "Namespace", "api.core.v1.Namespace"),
    ("v1", "ConfigMap", "api.core.v1.ConfigMap"),
    ("v1", "Secret", "api.core.v1.Secret"),
    ("v1", "ServiceAccount", "api.core.v1.ServiceAccount"),
    ("v1", "Service", "api.core.v1.Service"),
    ("v1", "ResourceQuota", "api.core.v1.ResourceQuota"),
    ("rbac.authorization.k8s.io/v1", "Role", "api.rbac.v1.Role"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", "api.rbac.v1.ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", "api.rbac.v1.RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "api.rbac.v1.ClusterRoleBinding"),
    ("networking.k8s.io/v1", "Ingress", "api.networking.v1.Ingress"),
    ("batch/v1", "Job", "api.batch.v1.Job"),
    ("batch/v1", "CronJob", "api.batch.v1.CronJob"),
    ("policy/v1", "PodDisruptionBudget", "api.policy.v1.PodDisruptionBudget"),
    ("scheduling.k8s.io/v1", "PriorityClass", "api.scheduling.v1.PriorityClass"),
    # Not sent by kubectl create, but cheap and they exercise MicroTime and RawExtension.
    ("events.k8s.io/v1", "Event", "api.events.v1.Event"),
    ("apps/v1", "ControllerRevision", "api.apps.v1.ControllerRevision"),
]

SPECIALS = {
    "apimachinery.pkg.apis.meta.v1.Time": "Time",
    "apimachinery.pkg.apis.meta.v1.MicroTime": "MicroTime",
    "apimachinery.pkg.apis.meta.v1.Duration": "Duration",
    "apimachinery.pkg.apis.meta.v1.FieldsV1": "FieldsV1",
    "apimachinery.pkg.api.resource.Quantity": "Quantity",
    "apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
    "apimachinery.pkg.runtime.RawExtension": "RawExtension",
}
# Messages whose Go type is a []string: JSON is the bare array of the `items` field.
STRING_LISTS = {"ExtraValue", "Verbs"}
# Proto fields whose Go struct field is embedded inline (`json:",inline"`).
INLINE = {
    ("api.core.v1.Volume", "volume_source"),
    ("api.core.v1.Probe", "handler"),
    ("api.core.v1.EphemeralContainer", "ephemeral_container_common"),
    ("api.core.v1.PersistentVolumeSpec", "persistent_volume_source"),
}
# Scalar fields that are Go pointers: a present zero value is meaningful and kept in JSON.
# Keyed "Message.jsonName" (message short name).
POINTER_FIELDS = set("""
ObjectMeta.deletionGracePeriodSeconds OwnerReference.controller OwnerReference.blockOwnerDeletion
DeploymentSpec.replicas DeploymentSpec.revisionHistoryLimit DeploymentSpec.progressDeadlineSeconds
DeploymentStatus.collisionCount DeploymentStatus.terminatingReplicas
PodSpec.terminationGracePeriodSeconds PodSpec.activeDeadlineSeconds PodSpec.automountServiceAccountToken
PodSpec.shareProcessNamespace PodSpec.priority PodSpec.enableServiceLinks PodSpec.preemptionPolicy
PodSpec.runtimeClassName PodSpec.setHostnameAsFQDN PodSpec.hostUsers PodSpec.hostnameOverride
Container.restartPolicy EphemeralContainerCommon.restartPolicy
SecurityContext.privileged SecurityContext.runAsUser SecurityContext.runAsGroup SecurityContext.runAsNonRoot
SecurityContext.readOnlyRootFilesystem SecurityContext.allowPrivilegeEscalation SecurityContext.procMount
PodSecurityContext.runAsUser PodSecurityContext.runAsGroup PodSecurityContext.runAsNonRoot PodSecurityContext.fsGroup
PodSecurityContext.fsGroupChangePolicy PodSecurityContext.supplementalGroupsPolicy PodSecurityContext.seLinuxChangePolicy
WindowsSecurityContextOptions.gmsaCredentialSpecName WindowsSecurityContextOptions.gmsaCredentialSpec
WindowsSecurityContextOptions.runAsUserName WindowsSecurityContextOptions.hostProcess
SeccompProfile.localhostProfile AppArmorProfile.localhostProfile
Probe.terminationGracePeriodSeconds GRPCAction.service Lifecycle.stopSignal
ConfigMapKeySelector.optional SecretKeySelector.optional ConfigMapEnvSource.optional SecretEnvSource.optional
FileKeySelector.optional
VolumeMount.recursiveReadOnly VolumeMount.mountPropagation
SecretVolumeSource.defaultMode SecretVolumeSource.optional ConfigMapVolumeSource.defaultMode ConfigMapVolumeSource.optional
KeyToPath.mode HostPathVolumeSource.type ProjectedVolumeSource.defaultMode
ServiceAccountTokenProjection.expirationSeconds DownwardAPIVolumeSource.defaultMode DownwardAPIVolumeFile.mode
SecretProjection.optional ConfigMapProjection.optional
CSIVolumeSource.readOnly CSIVolumeSource.fsType
ClusterTrustBundleProjection.name ClusterTrustBundleProjection.signerName ClusterTrustBundleProjection.optional
ISCSIVolumeSource.initiatorName FCVolumeSource.lun
AzureDiskVolumeSource.cachingMode AzureDiskVolumeSource.fsType AzureDiskVolumeSource.readOnly AzureDiskVolumeSource.kind
PersistentVolumeClaimSpec.storageClassName PersistentVolumeClaimSpec.volumeMode PersistentVolumeClaimSpec.volumeAttributesClassName
TypedLocalObjectReference.apiGroup TypedObjectReference.apiGroup TypedObjectReference.namespace
Toleration.tolerationSeconds
TopologySpreadConstraint.minDomains TopologySpreadConstraint.nodeAffinityPolicy TopologySpreadConstraint.nodeTaintsPolicy
PodDNSConfigOption.value
PodResourceClaim.resourceClaimName PodResourceClaim.resourceClaimTemplateName
ServiceSpec.allocateLoadBalancerNodePorts ServiceSpec.loadBalancerClass ServiceSpec.internalTrafficPolicy
ServiceSpec.ipFamilyPolicy ServiceSpec.trafficDistribution
ClientIPConfig.timeoutSeconds ServicePort.appProtocol LoadBalancerIngress.ipMode PortStatus.error
ServiceAccount.automountServiceAccountToken Secret.immutable ConfigMap.immutable
TokenRequestSpec.expirationSeconds
IngressSpec.ingressClassName HTTPIngressPath.pathType IngressPortStatus.error
JobSpec.parallelism JobSpec.completions JobSpec.activeDeadlineSeconds JobSpec.backoffLimit JobSpec.backoffLimitPerIndex
JobSpec.maxFailedIndexes JobSpec.ttlSecondsAfterFinished JobSpec.manualSelector JobSpec.completionMode JobSpec.suspend
JobSpec.podReplacementPolicy JobSpec.managedBy
PodFailurePolicyOnExitCodesRequirement.containerName
JobStatus.ready JobStatus.terminating JobStatus.failedIndexes
SuccessPolicyRule.succeededIndexes SuccessPolicyRule.succeededCount
CronJobSpec.timeZone CronJobSpec.startingDeadlineSeconds CronJobSpec.suspend
CronJobSpec.successfulJobsHistoryLimit CronJobSpec.failedJobsHistoryLimit
PodDisruptionBudgetSpec.unhealthyPodEvictionPolicy
PriorityClass.preemptionPolicy
ResourceQuotaSpec.scopeSelector PodCertificateProjection.maxExpirationSeconds
HTTPIngressPath.pathType
""".split())


POINTER_LOWER = {p.lower() for p in POINTER_FIELDS}

# Fields OpenAPI calls required whose Go tag still has omitempty.
OMITEMPTY_FIELDS = {"localobjectreference.name"}


def snake_to_camel(s):
    parts = s.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def norm_rust(name):
    # prost and k8s-openapi split acronyms differently (non_resource_ur_ls / non_resource_urls).
    return name.removeprefix("r#").replace("_", "").lower()


def parse_pb():
    messages = {}
    for path in glob.glob(PB + "/**/mod.rs", recursive=True):
        module = os.path.relpath(os.path.dirname(path), PB).split(os.sep)
        text = open(path).read()
        for m in re.finditer(r"^pub struct (\w+) \{\n(.*?)^\}", text, re.S | re.M):
            name, body = m.group(1), m.group(2)
            fields = []
            for f in re.finditer(r"#\[prost\((.*?)\)\]\s*pub (r#\w+|\w+):\s*(.*?),?\n(?=    (?:///|#\[)|\Z)", body, re.S):
                attr, rust, ty = f.group(1), f.group(2), re.sub(r"\s+", "", f.group(3)).replace(",>", ">").rstrip(",")
                tag = int(re.search(r'tag = "(\d+)"', attr).group(1))
                kind = re.match(r'btree_map = "[^"]*"', attr).group(0) if attr.startswith("btree_map") else attr.split(",")[0].strip()
                repeated = "repeated" in attr
                fields.append(dict(tag=tag, kind=kind, attr=attr, rust=norm_rust(rust), raw=rust.removeprefix("r#"), ty=ty, repeated=repeated))
            messages[".".join(module + [name])] = dict(module=module, name=name, fields=fields)
    return messages


def resolve(module, ty):
    # strip wrappers
    for wrapper in ("::core::option::Option<", "::prost::alloc::vec::Vec<", "::prost::alloc::boxed::Box<"):
        while ty.startswith(wrapper):
            ty = ty[len(wrapper):-1]
    segs = ty.split("::")
    mod = list(module)
    while segs and segs[0] == "super":
        mod.pop()
        segs.pop(0)
    if segs[0] == "crate":
        mod = []
        segs.pop(0)
    return ".".join(mod + segs)


def parse_openapi():
    info = {}
    for d in OPENAPI_DIRS:
        for path in glob.glob(d + "/**/*.rs", recursive=True):
            module = os.path.relpath(os.path.dirname(path), d).split(os.sep)
            text = open(path).read()
            sm = re.search(r"^pub struct (\w+) \{\n(.*?)^\}", text, re.S | re.M)
            if not sm:
                continue
            key = ".".join(module + [sm.group(1).lower()])
            if key in info:
                continue
            required = set()
            for fm in re.finditer(r"^    pub (r#\w+|\w+): (.*),$", sm.group(2), re.M):
                if not fm.group(2).startswith("Option<"):
                    required.add(norm_rust(fm.group(1)))
            names = {}
            for nm in re.finditer(r'"([^"]+)" => Field::Key_(\w+),', text):
                names[norm_rust(nm.group(2))] = nm.group(1)
            info[key] = dict(names=names, required=required)
    return info


# Inline-only Go structs have no OpenAPI type: their JSON names are those of the embedding type.
OPENAPI_ALIAS = {
    "api.core.v1.VolumeSource": "api.core.v1.Volume",
    "api.core.v1.ProbeHandler": "api.core.v1.Probe",
    "api.core.v1.EphemeralContainerCommon": "api.core.v1.EphemeralContainer",
    "api.networking.v1.IngressRuleValue": "api.networking.v1.IngressRule",
    # Older versions of a kind share the JSON names of v1.
    "api.authentication.v1beta1.SelfSubjectReview": "api.authentication.v1.SelfSubjectReview",
    "api.authentication.v1alpha1.SelfSubjectReview": "api.authentication.v1.SelfSubjectReview",
    "api.authentication.v1beta1.SelfSubjectReviewStatus": "api.authentication.v1.SelfSubjectReviewStatus",
    "api.authentication.v1alpha1.SelfSubjectReviewStatus": "api.authentication.v1.SelfSubjectReviewStatus",
}


def openapi_key(full):
    full = OPENAPI_ALIAS.get(full, full)
    head, _, name = full.rpartition(".")
    return head + "." + name.lower()


def static_name(full):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", full.replace("apimachinery.pkg.apis.", "").replace("api.", "", 1)).replace(".", "_").upper()


def main():
    messages = parse_pb()
    openapi = parse_openapi()
    reachable = []
    seen = set()
    queue = [r[2] for r in ROOTS]
    while queue:
        full = queue.pop(0)
        if full in seen or full in SPECIALS:
            continue
        seen.add(full)
        reachable.append(full)
        msg = messages[full]
        for f in msg["fields"]:
            if f["kind"] == "message" or f["kind"].startswith("btree_map"):
                if f["kind"] == "message" or f["kind"].endswith('message"'):
                    inner = f["ty"]
                    if f["kind"].startswith("btree_map"):
                        inner = inner[inner.index(",") + 1:-1]
                    target = resolve(msg["module"], inner)
                    f["target"] = target
                    if target not in messages:
                        sys.exit(f"unresolved {target} in {full}")
                    queue.append(target)
    out = []
    out.append("//! Generated field table of the Kubernetes protobuf messages kubectl sends (see tools/gen_schema.py).\n")
    out.append("// Facts from the public API: field numbers from k8s-pb, JSON names from k8s-openapi.\n")
    out.append("// Regenerate with `python3 tools/gen_schema.py > src/schema_table.rs && cargo fmt -p enclave-protobuf`;\n// do not edit by hand.\n\n")
    out.append("use crate::schema::{FieldSchema, FieldType, MessageSchema, Presence};\n\n")
    out.append("/// The kinds `decode` accepts: (apiVersion, kind, message).\n")
    out.append("pub(crate) static ROOT_KINDS: &[(&str, &str, &MessageSchema)] = &[\n")
    for av, kind, full in ROOTS:
        out.append(f'    ("{av}", "{kind}", &{static_name(full)}),\n')
    out.append("];\n")
    warnings = []
    for full in reachable:
        msg = messages[full]
        oa = openapi.get(openapi_key(full))
        if oa is None:
            warnings.append(f"no k8s-openapi type for {full}")
            oa = dict(names={}, required=set())
        if msg["name"] in STRING_LISTS:
            kind_line = "string_list: true"
        else:
            kind_line = "string_list: false"
        out.append(f"\npub(crate) static {static_name(full)}: MessageSchema = MessageSchema {{\n")
        out.append(f'    name: "{full}",\n    {kind_line},\n    fields: &[\n')
        for f in sorted(msg["fields"], key=lambda f: f["tag"]):
            rust = f["rust"]
            kind = f["kind"]
            inline = (full, rust) in INLINE
            json = oa["names"].get(rust)
            if json is None and kind == "message" and oa["names"] and f["target"] not in SPECIALS:
                # A message field the OpenAPI type does not name is an embedded (inline) Go struct.
                inline = True
            if json is None:
                json = snake_to_camel(f["raw"])
                if not inline and msg["name"] not in STRING_LISTS:
                    warnings.append(f"no JSON name for {full}.{rust}, using {json}")
            if kind.startswith("btree_map"):
                val = kind.split(",")[1].strip().strip('"')
                if val == "string":
                    ty = "FieldType::Map(&FieldType::String)"
                elif val == "bytes":
                    ty = "FieldType::Map(&FieldType::Bytes)"
                elif f["target"] in SPECIALS:
                    ty = f"FieldType::Map(&FieldType::{SPECIALS[f['target']]})"
                else:
                    ty = f"FieldType::Map(&FieldType::Message(&{static_name(f['target'])}))"
            elif kind == "message":
                t = f["target"]
                if t in SPECIALS:
                    ty = f"FieldType::{SPECIALS[t]}"
                elif inline:
                    ty = f"FieldType::Inline(&{static_name(t)})"
                else:
                    ty = f"FieldType::Message(&{static_name(t)})"
            else:
                ty = {"string": "FieldType::String", "bytes = \"vec\"": "FieldType::Bytes", "bool": "FieldType::Bool",
                      "int32": "FieldType::Int32", "int64": "FieldType::Int64", "double": "FieldType::Double"}[kind]
            if f["repeated"] or kind.startswith("btree_map"):
                presence = "Presence::Repeated"
            elif f"{msg['name']}.{json}".lower() in POINTER_LOWER:
                presence = "Presence::Pointer"
            elif f"{msg['name']}.{json}".lower() in OMITEMPTY_FIELDS:
                presence = "Presence::OmitEmpty"
            elif rust in oa["required"]:
                presence = "Presence::Required"
            else:
                presence = "Presence::OmitEmpty"
            out.append(f'        FieldSchema {{ number: {f["tag"]}, json_name: "{json}", field_type: {ty}, presence: {presence} }},\n')
        out.append("    ],\n};\n")
    used_pointers = set()
    return_pointer_check = True
    for full in reachable:
        msg = messages[full]
        for f in msg["fields"]:
            used_pointers.add(f"{msg['name']}.{openapi.get(openapi_key(full), dict(names={}))['names'].get(f['rust'], snake_to_camel(f['raw']))}".lower())
    for p in sorted(POINTER_LOWER - used_pointers):
        warnings.append(f"pointer field {p} not reachable")
    for w in warnings:
        print(w, file=sys.stderr)
    print(f"{len(reachable)} messages", file=sys.stderr)
    sys.stdout.write("".join(out))


main()
