//! The `pod-template-hash` of a Deployment's pod template: an FNV-32a hash of the template
//! (and the collision count), rendered with apimachinery's safe-encoding alphabet, and the
//! comparison of templates that ignores that label.

use k8s_openapi::api::core::v1::PodTemplateSpec;
use serde_json::Value;

/// The label (and ReplicaSet selector key) that tells a Deployment's ReplicaSets apart.
pub(crate) const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// Characters of apimachinery's `SafeEncodeString`: no vowels (no words) and no look-alikes.
const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

const FNV_OFFSET_BASIS: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

fn fnv32a(state: u32, bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(state, |h, b| (h ^ u32::from(*b)).wrapping_mul(FNV_PRIME))
}

/// Maps every character of `s` into the safe alphabet, as `rand.SafeEncodeString`.
pub(crate) fn safe_encode(s: &str) -> String {
    s.chars()
        .map(|c| char::from(SAFE_ALPHABET[(c as usize) % SAFE_ALPHABET.len()]))
        .collect()
}

/// The hash of a pod template: FNV-32a over its canonical JSON, then the collision count as
/// eight little-endian bytes when set, printed in decimal and safe-encoded (e.g.
/// `7c5ddbdf54`).
pub(crate) fn pod_template_hash(
    template: &PodTemplateSpec,
    collision_count: Option<i32>,
) -> String {
    // A typed template serializes its fields in one fixed order, so equal templates hash
    // alike whatever the key order of the request that wrote them.
    let canonical = serde_json::to_vec(template).unwrap_or_default();
    let mut hash = fnv32a(FNV_OFFSET_BASIS, &canonical);
    if let Some(count) = collision_count {
        let mut bytes = [0u8; 8];
        bytes[..4].copy_from_slice(&count.to_le_bytes());
        hash = fnv32a(hash, &bytes);
    }
    safe_encode(&hash.to_string())
}

/// Removes nulls, empty maps and empty lists, which Go's semantic equality does not tell
/// apart from absent fields.
fn normalize(value: &mut Value) -> bool {
    match value {
        Value::Null => false,
        Value::Object(map) => {
            map.retain(|_, v| normalize(v));
            !map.is_empty()
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                normalize(item);
            }
            !items.is_empty()
        }
        _ => true,
    }
}

fn without_hash(template: &PodTemplateSpec) -> Value {
    let mut copy = template.clone();
    if let Some(labels) = copy.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(POD_TEMPLATE_HASH);
    }
    let mut value = serde_json::to_value(&copy).unwrap_or(Value::Null);
    normalize(&mut value);
    value
}

/// Whether two pod templates are equal once the `pod-template-hash` label is ignored.
pub(crate) fn equal_ignoring_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    without_hash(a) == without_hash(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(json: Value) -> PodTemplateSpec {
        serde_json::from_value(json).unwrap_or_else(|e| panic!("bad template: {e}"))
    }

    fn nginx() -> PodTemplateSpec {
        template(serde_json::json!({
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                     "ports": [{"containerPort": 80}]}]}
        }))
    }

    #[test]
    fn fnv32a_matches_reference_vectors() {
        assert_eq!(fnv32a(FNV_OFFSET_BASIS, b""), 0x811c_9dc5);
        assert_eq!(fnv32a(FNV_OFFSET_BASIS, b"a"), 0xe40c_292c);
        assert_eq!(fnv32a(FNV_OFFSET_BASIS, b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn safe_encoding_uses_kube_alphabet() {
        // Digits map to "45 6789bcdf" positions of the alphabet.
        assert_eq!(safe_encode("0123456789"), "456789bcdf");
    }

    #[test]
    fn hash_has_kube_form_and_changes_with_template_and_collisions() {
        let h = pod_template_hash(&nginx(), None);
        assert!((6..=10).contains(&h.len()), "{h}");
        assert!(h.bytes().all(|b| b"456789bcdf".contains(&b)), "{h}");
        assert_eq!(h, pod_template_hash(&nginx(), None));
        let mut other = nginx();
        if let Some(spec) = other.spec.as_mut() {
            spec.containers[0].image = Some("nginx:1.28".into());
        }
        assert_ne!(h, pod_template_hash(&other, None));
        assert_ne!(h, pod_template_hash(&nginx(), Some(1)));
        assert_ne!(
            pod_template_hash(&nginx(), Some(1)),
            pod_template_hash(&nginx(), Some(2))
        );
    }

    #[test]
    fn equality_ignores_hash_label_and_empty_fields() {
        let mut labelled = nginx();
        if let Some(labels) = labelled.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
            labels.insert(POD_TEMPLATE_HASH.into(), "abc".into());
        }
        if let Some(meta) = labelled.metadata.as_mut() {
            meta.annotations = Some(Default::default());
        }
        assert!(equal_ignoring_hash(&nginx(), &labelled));
        let mut changed = nginx();
        if let Some(spec) = changed.spec.as_mut() {
            spec.containers[0].image = Some("httpd".into());
        }
        assert!(!equal_ignoring_hash(&nginx(), &changed));
    }
}
