//! What every namespace must hold (kube's serviceaccounts-controller and
//! root-ca-cert-publisher): the `default` ServiceAccount, and the `kube-root-ca.crt`
//! ConfigMap with the cluster CA when the CA is known.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Namespace, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The ServiceAccount every namespace gets.
pub(crate) const DEFAULT_SERVICE_ACCOUNT: &str = "default";
/// The ConfigMap that publishes the cluster CA.
pub(crate) const ROOT_CA_CONFIG_MAP: &str = "kube-root-ca.crt";
/// The key of the CA bundle in [`ROOT_CA_CONFIG_MAP`].
pub(crate) const ROOT_CA_KEY: &str = "ca.crt";
const DESCRIPTION_ANNOTATION: &str = "kubernetes.io/description";
const DESCRIPTION: &str = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/// A write the controller makes in one namespace.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// Create the `default` ServiceAccount.
    CreateServiceAccount(ServiceAccount),
    /// Create the root CA ConfigMap.
    CreateConfigMap(ConfigMap),
    /// Replace the root CA ConfigMap (its data or annotation drifted).
    UpdateConfigMap(ConfigMap),
}

/// Whether a namespace is going away (nothing new is created in it).
pub(crate) fn is_terminating(namespace: &Namespace) -> bool {
    namespace.metadata.deletion_timestamp.is_some()
        || namespace.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Terminating")
}

/// The writes that give a namespace its default ServiceAccount and root CA ConfigMap.
pub(crate) fn namespace_actions(
    namespace: &Namespace,
    has_default_account: bool,
    root_ca: Option<&ConfigMap>,
    ca_pem: Option<&str>,
) -> Vec<Action> {
    let mut actions = Vec::new();
    if is_terminating(namespace) {
        return actions;
    }
    let name = namespace.metadata.name.clone();
    if !has_default_account {
        actions.push(Action::CreateServiceAccount(ServiceAccount {
            metadata: ObjectMeta {
                name: Some(DEFAULT_SERVICE_ACCOUNT.into()),
                namespace: name.clone(),
                ..ObjectMeta::default()
            },
            ..ServiceAccount::default()
        }));
    }
    let Some(pem) = ca_pem else {
        return actions;
    };
    let data = BTreeMap::from([(ROOT_CA_KEY.to_string(), pem.to_string())]);
    match root_ca {
        None => actions.push(Action::CreateConfigMap(ConfigMap {
            metadata: ObjectMeta {
                name: Some(ROOT_CA_CONFIG_MAP.into()),
                namespace: name,
                annotations: Some(BTreeMap::from([(
                    DESCRIPTION_ANNOTATION.to_string(),
                    DESCRIPTION.to_string(),
                )])),
                ..ObjectMeta::default()
            },
            data: Some(data),
            ..ConfigMap::default()
        })),
        Some(current) => {
            let annotation = current
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(DESCRIPTION_ANNOTATION));
            if current.data.as_ref() != Some(&data)
                || annotation.map(String::as_str) != Some(DESCRIPTION)
            {
                let mut updated = current.clone();
                updated.data = Some(data);
                updated.binary_data = None;
                updated
                    .metadata
                    .annotations
                    .get_or_insert_with(BTreeMap::new)
                    .insert(DESCRIPTION_ANNOTATION.into(), DESCRIPTION.into());
                actions.push(Action::UpdateConfigMap(updated));
            }
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn namespace(extra: serde_json::Value) -> Namespace {
        let mut ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"},
            "status": {"phase": "Active"}});
        if let Some(status) = extra.get("status") {
            ns["status"] = status.clone();
        }
        serde_json::from_value(ns).unwrap()
    }

    const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    #[test]
    fn a_new_namespace_gets_both_objects() {
        let actions = namespace_actions(&namespace(json!({})), false, None, Some(PEM));
        assert_eq!(actions.len(), 2);
        let Action::CreateServiceAccount(sa) = &actions[0] else {
            panic!("{actions:?}")
        };
        assert_eq!(sa.metadata.name.as_deref(), Some("default"));
        assert_eq!(sa.metadata.namespace.as_deref(), Some("team-a"));
        let Action::CreateConfigMap(cm) = &actions[1] else {
            panic!("{actions:?}")
        };
        assert_eq!(cm.data.as_ref().unwrap()["ca.crt"], PEM);
        assert_eq!(cm.metadata.name.as_deref(), Some("kube-root-ca.crt"));
    }

    #[test]
    fn nothing_to_do_when_present_and_no_configmap_without_a_ca() {
        let Action::CreateConfigMap(cm) =
            namespace_actions(&namespace(json!({})), true, None, Some(PEM)).remove(0)
        else {
            panic!()
        };
        assert!(namespace_actions(&namespace(json!({})), true, Some(&cm), Some(PEM)).is_empty());
        assert!(namespace_actions(&namespace(json!({})), true, None, None).is_empty());
        let mut edited = cm.clone();
        edited.data = Some(BTreeMap::from([(
            "ca.crt".to_string(),
            "tampered".to_string(),
        )]));
        let actions = namespace_actions(&namespace(json!({})), true, Some(&edited), Some(PEM));
        assert!(
            matches!(&actions[..], [Action::UpdateConfigMap(u)] if u.data.as_ref().unwrap()["ca.crt"] == PEM)
        );
    }

    #[test]
    fn terminating_namespaces_get_nothing() {
        let ns = namespace(json!({"status": {"phase": "Terminating"}}));
        assert!(namespace_actions(&ns, false, None, Some(PEM)).is_empty());
    }
}
