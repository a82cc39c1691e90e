//! Controller references: which objects a controller owns, adopts (orphans its selector
//! matches) or releases (owned objects its selector no longer matches), as apimachinery's
//! `ClaimObject`, and the patches that adopt and release.

use enclave_api::selector::LabelSelector;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::{Patch, PatchParams};
use kube::{Api, Resource};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::pods::controller_of;

/// What a controller does with one candidate object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Already ours and selected: keep it.
    Owned,
    /// An orphan the selector matches: adopt it.
    Adopt,
    /// Ours but no longer selected: release it.
    Release,
    /// Someone else's, or not for us.
    Ignore,
}

/// Decides the claim of `owner` (uid, namespace, being deleted) over `object`.
pub(crate) fn claim(
    owner_uid: &str,
    owner_namespace: &str,
    owner_deleting: bool,
    selector: &LabelSelector,
    object: &ObjectMeta,
) -> Claim {
    let labels = object.labels.clone().unwrap_or_default();
    let selected = selector.matches_map(&labels);
    if let Some(controller) = controller_of(object) {
        return match (controller.uid == owner_uid, selected, owner_deleting) {
            (false, _, _) => Claim::Ignore,
            (true, true, _) => Claim::Owned,
            (true, false, true) => Claim::Ignore,
            (true, false, false) => Claim::Release,
        };
    }
    if owner_deleting
        || !selected
        || object.deletion_timestamp.is_some()
        || object.namespace.as_deref().unwrap_or("") != owner_namespace
    {
        return Claim::Ignore;
    }
    Claim::Adopt
}

/// The controller reference `owner` puts on what it creates or adopts.
pub(crate) fn controller_ref<K: Resource<DynamicType = ()>>(owner: &K) -> OwnerReference {
    OwnerReference {
        api_version: K::api_version(&()).into_owned(),
        kind: K::kind(&()).into_owned(),
        name: owner.meta().name.clone().unwrap_or_default(),
        uid: owner.meta().uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// Adopts `object` by adding the controller reference (a strategic merge patch keyed by uid,
/// guarded by the object's uid, as kube-controller-manager does).
pub(crate) async fn adopt<K>(
    api: &Api<K>,
    object: &ObjectMeta,
    reference: &OwnerReference,
    manager: &str,
) -> Result<(), kube::Error>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    let patch = json!({"metadata": {
        "ownerReferences": [reference],
        "uid": object.uid,
    }});
    let name = object.name.as_deref().unwrap_or_default();
    api.patch(name, &manager_params(manager), &Patch::Strategic(patch))
        .await
        .map(|_| ())
}

/// Releases `object` by deleting the owner's reference.
pub(crate) async fn release<K>(
    api: &Api<K>,
    object: &ObjectMeta,
    owner_uid: &str,
    manager: &str,
) -> Result<(), kube::Error>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    let patch = json!({"metadata": {
        "ownerReferences": [{"$patch": "delete", "uid": owner_uid}],
        "uid": object.uid,
    }});
    let name = object.name.as_deref().unwrap_or_default();
    match api
        .patch(name, &manager_params(manager), &Patch::Strategic(patch))
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 || status.code == 422 => Ok(()),
        Err(e) => Err(e),
    }
}

/// Patch options naming the field manager.
pub(crate) fn manager_params(manager: &str) -> PatchParams {
    PatchParams {
        field_manager: Some(manager.into()),
        ..PatchParams::default()
    }
}

/// A selector from a `metav1.LabelSelector`, or the reason it is not one.
pub(crate) fn selector_of(
    selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
) -> Result<LabelSelector, String> {
    let value = serde_json::to_value(selector).map_err(|e| e.to_string())?;
    LabelSelector::from_label_selector_json(&value).map_err(|e| e.message().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(json: serde_json::Value) -> ObjectMeta {
        serde_json::from_value(json).unwrap_or_else(|e| panic!("bad meta: {e}"))
    }

    fn web() -> LabelSelector {
        LabelSelector::from_label_selector_json(&json!({"matchLabels": {"app": "web"}}))
            .unwrap_or_else(|e| panic!("{}", e.message()))
    }

    #[test]
    fn claims_follow_controller_refs_and_selector() {
        let orphan = meta(json!({"name": "p", "namespace": "ns", "labels": {"app": "web"}}));
        assert_eq!(claim("rs", "ns", false, &web(), &orphan), Claim::Adopt);
        assert_eq!(claim("rs", "ns", true, &web(), &orphan), Claim::Ignore);
        assert_eq!(claim("rs", "other", false, &web(), &orphan), Claim::Ignore);
        let mine = meta(
            json!({"name": "p", "namespace": "ns", "labels": {"app": "web"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "x",
                                 "uid": "rs", "controller": true}]}),
        );
        assert_eq!(claim("rs", "ns", false, &web(), &mine), Claim::Owned);
        assert_eq!(claim("other", "ns", false, &web(), &mine), Claim::Ignore);
        let relabelled = meta(
            json!({"name": "p", "namespace": "ns", "labels": {"app": "db"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "x",
                                 "uid": "rs", "controller": true}]}),
        );
        assert_eq!(
            claim("rs", "ns", false, &web(), &relabelled),
            Claim::Release
        );
        assert_eq!(claim("rs", "ns", true, &web(), &relabelled), Claim::Ignore);
        let deleting = meta(
            json!({"name": "p", "namespace": "ns", "labels": {"app": "web"},
            "deletionTimestamp": "2025-01-01T00:00:00Z"}),
        );
        assert_eq!(claim("rs", "ns", false, &web(), &deleting), Claim::Ignore);
    }
}
