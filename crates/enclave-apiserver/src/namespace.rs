//! Namespace lifecycle: the system namespaces at start, and the finalizer that empties a
//! namespace marked for deletion and then removes it (kube-controller-manager's namespace
//! controller, kept next to the API because deletion must work without any other component).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use enclave_api::{ApiError, RESOURCES, ResourceInfo, registry};
use enclave_store::RangeRequest;
use http::HeaderMap;
use serde_json::{Value, json};

use crate::ApiServer;
use crate::admission::FieldValidation;
use crate::auth::UserInfo;
use crate::handlers::{self, Ctx, DeleteOptions, Deleted, Params};
use crate::meta::{self, Update};
use crate::request::RequestInfo;

/// The namespaces every cluster has.
pub const SYSTEM_NAMESPACES: &[&str] =
    &["default", "kube-system", "kube-public", "kube-node-lease"];

impl Ctx {
    /// A context for the server's own work on one resource.
    pub(crate) fn internal(
        server: &Arc<ApiServer>,
        resource: &'static ResourceInfo,
        namespace: Option<&str>,
        name: &str,
    ) -> Self {
        Ctx {
            server: server.clone(),
            resource,
            info: RequestInfo {
                is_resource_request: true,
                api_group: resource.group.into(),
                api_version: resource.version.into(),
                resource: resource.plural.into(),
                namespace: namespace.map(str::to_string),
                name: name.into(),
                ..RequestInfo::default()
            },
            params: Params::default(),
            headers: HeaderMap::new(),
            user: Arc::new(UserInfo::new(
                "system:apiserver",
                ["system:masters".to_string()],
            )),
        }
    }
}

fn namespaces() -> Result<&'static ResourceInfo, ApiError> {
    registry::find("", "v1", "namespaces")
        .ok_or_else(|| ApiError::Internal("namespaces are not registered".into()))
}

/// Creates the system namespaces that do not exist yet, and the `kubernetes` Service in
/// `default` with its Endpoints and EndpointSlice (repaired when they differ).
pub async fn bootstrap(server: &Arc<ApiServer>) -> Result<(), ApiError> {
    let ns = namespaces()?;
    for name in SYSTEM_NAMESPACES {
        let ctx = Ctx::internal(server, ns, None, "");
        let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
        match handlers::create_object(&ctx, obj, FieldValidation::Ignore, false).await {
            Ok(_) | Err(ApiError::AlreadyExists { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    crate::services::bootstrap_kubernetes_service(server).await
}

/// Empties and removes namespaces marked for deletion until `shutdown` completes.
pub async fn run_namespace_finalizer(server: Arc<ApiServer>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        if let Err(e) = finalize_pending(&server).await {
            tracing::warn!(error = %e, "Namespace finalization failed; will retry");
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = server.namespace_wakeup.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}

async fn finalize_pending(server: &Arc<ApiServer>) -> Result<(), ApiError> {
    let ns_info = namespaces()?;
    let page = server
        .store
        .range(RangeRequest {
            prefix: ns_info.key_prefix(),
            ..RangeRequest::default()
        })
        .await
        .map_err(|e| handlers::store_error(ns_info, "", e))?;
    for kv in &page.kvs {
        let ns = meta::decode(kv)?;
        if ns.pointer("/metadata/deletionTimestamp").is_none() {
            continue;
        }
        let name = meta::meta_str(&ns, "name").unwrap_or("").to_string();
        if empty_namespace(server, &name).await? {
            remove_kubernetes_finalizer(server, &name).await?;
        }
    }
    Ok(())
}

/// Deletes everything in a namespace; true when nothing is left.
async fn empty_namespace(server: &Arc<ApiServer>, namespace: &str) -> Result<bool, ApiError> {
    let mut empty = true;
    for resource in RESOURCES
        .iter()
        .filter(|r| r.namespaced && r.is_stored() && r.storage_of.is_none())
    {
        let page = server
            .store
            .range(RangeRequest {
                prefix: resource.namespace_prefix(namespace),
                ..RangeRequest::default()
            })
            .await
            .map_err(|e| handlers::store_error(resource, "", e))?;
        for kv in &page.kvs {
            let obj = meta::decode(kv)?;
            let name = meta::meta_str(&obj, "name").unwrap_or("").to_string();
            let ctx = Ctx::internal(server, resource, Some(namespace), &name);
            let opts = DeleteOptions {
                propagation: Some("Background".into()),
                ..DeleteOptions::default()
            };
            match handlers::delete_object(&ctx, &name, &opts).await {
                Ok(Deleted::Gone(_)) | Err(ApiError::NotFound { .. }) => {}
                Ok(Deleted::Pending(_)) => empty = false,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(empty)
}

async fn remove_kubernetes_finalizer(server: &Arc<ApiServer>, name: &str) -> Result<(), ApiError> {
    let ctx = Ctx::internal(server, namespaces()?, None, name);
    let result = handlers::guaranteed_update(&ctx, None, false, Update::Finalize, |old| {
        let mut new = old.clone();
        if let Some(list) = new
            .pointer_mut("/spec/finalizers")
            .and_then(Value::as_array_mut)
        {
            list.retain(|f| f != "kubernetes");
        }
        Ok(new)
    })
    .await;
    match result {
        Ok(_) | Err(ApiError::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}
