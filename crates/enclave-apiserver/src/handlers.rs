//! The request dispatcher and the verbs on objects: get, create, update, patch, delete, for the
//! main resource and its `status` and `scale` subresources.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use enclave_api::{ApiError, ResourceInfo, registry};
use enclave_store::{KeyValue, StoreError};
use http::{HeaderMap, StatusCode, Uri, header};
use serde_json::{Value, json};

use crate::admission::{self, FieldValidation};
use crate::auth::{self, Decision, Identity, UserInfo};
use crate::discovery::{self, DiscoveryFormat};
use crate::meta::{self, Update};
use crate::negotiate::{self, BodyType, Representation};
use crate::request::{self, RequestInfo};
use crate::{ApiServer, convert, graceful, list, patching, response, services, tables, watch};

/// How often an update is retried when another writer got in between and the client gave no
/// resourceVersion precondition (kube-apiserver's GuaranteedUpdate retries the same way).
const MAX_UPDATE_RETRIES: usize = 32;

/// The axum router of the whole API: every path goes through one dispatcher, because
/// Kubernetes paths are parsed by position, not by route templates.
pub fn router(server: Arc<ApiServer>) -> Router {
    Router::new().fallback(dispatch).with_state(server)
}

/// The query parameters of a request.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn from_uri(uri: &Uri) -> Self {
        let pairs = uri
            .query()
            .map(|q| {
                q.split('&')
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        let (k, v) = p.split_once('=').unwrap_or((p, ""));
                        (decode_component(k), decode_component(v))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self(pairs)
    }

    /// The first value of a parameter.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a boolean parameter is set to true.
    pub(crate) fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1" | "True"))
    }

    /// Whether `dryRun=All` was asked for.
    fn dry_run(&self) -> Result<bool, ApiError> {
        match self.get("dryRun") {
            None | Some("") => Ok(false),
            Some("All") => Ok(true),
            Some(other) => Err(ApiError::BadRequest(format!(
                "Invalid dryRun parameter: {other:?}: supported values: \"All\""
            ))),
        }
    }
}

fn decode_component(s: &str) -> String {
    let s = s.replace('+', " ");
    percent_encoding::percent_decode_str(&s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Everything a verb handler needs about its request.
pub(crate) struct Ctx {
    pub(crate) server: Arc<ApiServer>,
    pub(crate) resource: &'static ResourceInfo,
    pub(crate) info: RequestInfo,
    pub(crate) params: Params,
    pub(crate) headers: HeaderMap,
    pub(crate) user: Arc<UserInfo>,
}

impl Ctx {
    pub(crate) fn namespace(&self) -> Option<&str> {
        if self.resource.namespaced {
            self.info.namespace.as_deref()
        } else {
            None
        }
    }

    fn key(&self) -> String {
        self.resource.key(self.namespace(), &self.info.name)
    }

    fn accept(&self) -> Option<&str> {
        self.headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
    }

    pub(crate) fn representation(&self) -> Result<Representation, ApiError> {
        negotiate::representation(self.accept()).ok_or_else(negotiate::not_acceptable)
    }

    fn content_type(&self) -> Option<&str> {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }

    fn manager(&self) -> String {
        patching::field_manager(
            self.params.get("fieldManager"),
            self.headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok()),
        )
    }

    pub(crate) fn not_found(&self) -> ApiError {
        not_found(self.resource, &self.info.name)
    }
}

pub(crate) fn not_found(resource: &ResourceInfo, name: &str) -> ApiError {
    ApiError::NotFound {
        group: resource.group.into(),
        resource: resource.plural.into(),
        name: name.into(),
    }
}

/// Maps a store failure to the API error of a named object.
pub(crate) fn store_error(resource: &ResourceInfo, name: &str, err: StoreError) -> ApiError {
    match err {
        StoreError::NotFound { .. } => not_found(resource, name),
        StoreError::AlreadyExists { .. } => ApiError::AlreadyExists {
            group: resource.group.into(),
            resource: resource.plural.into(),
            name: name.into(),
        },
        StoreError::Conflict { .. } => ApiError::stale(resource.group, resource.plural, name),
        StoreError::Compacted {
            requested,
            compacted,
        } => ApiError::Expired(format!(
            "too old resource version: {requested} ({compacted})"
        )),
        StoreError::FutureRevision { requested, current } => ApiError::Timeout(format!(
            "Too large resource version: {requested}, current: {current}"
        )),
        StoreError::Closed => ApiError::ServiceUnavailable("the server is shutting down".into()),
        StoreError::Backend(msg) => ApiError::Internal(msg),
    }
}

async fn dispatch(State(server): State<Arc<ApiServer>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let resp = match handle(server, req).await {
        Ok(r) => r,
        Err(e) => response::error(&e),
    };
    tracing::debug!(%method, %path, status = resp.status().as_u16(), "Request served");
    resp
}

async fn handle(server: Arc<ApiServer>, req: Request) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let params = Params::from_uri(&parts.uri);
    if auth::is_public_path(&path) {
        return Ok(public_path(&path));
    }
    let user = parts
        .extensions
        .get::<Identity>()
        .map(|i| i.0.clone())
        .unwrap_or_else(|| Arc::new(UserInfo::anonymous()));
    if user.is_anonymous() {
        return Err(ApiError::Unauthorized);
    }
    let info = request::parse(&parts.method, &path, params.flag("watch"));
    if let Decision::Deny(reason) = server.authorizer.authorize(&user, &info) {
        return Err(auth::forbidden(&user, &info, &reason));
    }
    if !info.is_resource_request {
        return non_resource(&server, &parts.headers, &info, &params);
    }
    let resource = registry::find(&info.api_group, &info.api_version, &info.resource)
        .ok_or(ApiError::PathNotFound)?;
    if info.namespace.is_some() && !resource.namespaced && resource.plural != "namespaces" {
        return Err(ApiError::PathNotFound);
    }
    if !info.subresource.is_empty() && resource.subresource(&info.subresource).is_none() {
        return Err(ApiError::PathNotFound);
    }
    let ctx = Ctx {
        server,
        resource,
        info,
        params,
        headers: parts.headers,
        user,
    };
    let verb = ctx.info.verb.clone();
    let sub = ctx.info.subresource.clone();
    if !resource.is_stored() {
        // Reviews: computed from the request, never stored.
        if verb != "create" || !sub.is_empty() || !ctx.info.name.is_empty() {
            return Err(ApiError::MethodNotAllowed);
        }
        let limit = ctx.server.config.max_body_bytes;
        let body = axum::body::to_bytes(body, limit).await.map_err(|_| {
            ApiError::RequestEntityTooLarge(format!("Request entity too large: limit is {limit}"))
        })?;
        return crate::reviews::create(&ctx, &body).await;
    }
    if !resource.supports(&verb) && sub.is_empty() {
        return Err(ApiError::MethodNotAllowed);
    }
    let limit = ctx.server.config.max_body_bytes;
    let read_body = async move {
        axum::body::to_bytes(body, limit).await.map_err(|_| {
            ApiError::RequestEntityTooLarge(format!("Request entity too large: limit is {limit}"))
        })
    };
    match (verb.as_str(), sub.as_str()) {
        ("get", "" | "status") => get(&ctx).await,
        ("get", "scale") => get_scale(&ctx).await,
        ("get", "log") if resource.group.is_empty() && resource.plural == "pods" => {
            crate::logs::pod_log(&ctx).await
        }
        ("list", "") => list::list(&ctx).await,
        ("watch", "") => watch::watch(&ctx).await,
        ("create", "") => create(&ctx, &read_body.await?).await,
        ("update", "") => update(&ctx, &read_body.await?, Update::Main).await,
        ("update", "status") => update(&ctx, &read_body.await?, Update::Status).await,
        ("update", "finalize") if resource.plural == "namespaces" => {
            finalize_namespace(&ctx, &read_body.await?).await
        }
        ("update", "scale") => update_scale(&ctx, &read_body.await?).await,
        ("patch", "") => patch(&ctx, &read_body.await?, Update::Main).await,
        ("patch", "status") => patch(&ctx, &read_body.await?, Update::Status).await,
        ("patch", "scale") => patch_scale(&ctx, &read_body.await?).await,
        ("create", "binding") => crate::binding::create(&ctx, &read_body.await?).await,
        ("delete", "") => delete(&ctx, &read_body.await?).await,
        ("deletecollection", "") => delete_collection(&ctx, &read_body.await?).await,
        _ => Err(ApiError::MethodNotAllowed),
    }
}

fn public_path(path: &str) -> Response {
    if path.starts_with("/version") {
        return response::json(StatusCode::OK, &version());
    }
    response::text(StatusCode::OK, "ok")
}

/// `/version`: kubectl's dispatcher runs the kubectl matching this minor version.
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "32",
        "gitVersion": "v1.32.4",
        "gitCommit": "e7c5c1f8b8b7b9a0e4b6b0c9f6a5b4e3d2c1b0a9",
        "gitTreeState": "clean",
        "buildDate": "2026-11-25T00:00:00Z",
        "goVersion": "go1.23.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

fn non_resource(
    server: &ApiServer,
    headers: &HeaderMap,
    info: &RequestInfo,
    _params: &Params,
) -> Result<Response, ApiError> {
    if info.verb != "get" && info.verb != "head" {
        return Err(ApiError::MethodNotAllowed);
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let format = DiscoveryFormat::from_accept(accept);
    let segments: Vec<&str> = info.path.trim_matches('/').split('/').collect();
    let discovered = |v: Value| {
        response::with_type(
            StatusCode::OK,
            format.content_type(),
            serde_json::to_vec(&v).unwrap_or_default(),
        )
    };
    let legacy = |v: Option<Value>| match v {
        Some(v) => Ok(response::json(StatusCode::OK, &v)),
        None => Err(ApiError::PathNotFound),
    };
    match segments.as_slice() {
        ["api"] => Ok(discovered(discovery::core(
            format,
            &server.config.server_address,
        ))),
        ["apis"] => Ok(discovered(discovery::groups(format))),
        ["api", version] => legacy(discovery::resource_list("", version)),
        ["apis", group] => legacy(discovery::group(group)),
        ["apis", group, version] => legacy(discovery::resource_list(group, version)),
        ["openapi", "v3"] => Ok(response::json(StatusCode::OK, &crate::openapi::root())),
        ["openapi", "v3", rest @ ..] => {
            let (group, version) = match rest {
                ["api", version] => ("", *version),
                ["apis", group, version] => (*group, *version),
                _ => return Err(ApiError::PathNotFound),
            };
            match crate::openapi::document(group, version) {
                Some(doc) => Ok(response::json(StatusCode::OK, &doc)),
                None => Err(ApiError::PathNotFound),
            }
        }
        _ => Err(ApiError::PathNotFound),
    }
}

// === get ===

pub(crate) async fn read(ctx: &Ctx) -> Result<(KeyValue, Value), ApiError> {
    let kv = ctx
        .server
        .store
        .get(&ctx.key())
        .await
        .map_err(|e| store_error(ctx.resource, &ctx.info.name, e))?
        .ok_or_else(|| ctx.not_found())?;
    let obj = convert::from_storage(ctx.resource, meta::decode(&kv)?);
    Ok((kv, obj))
}

async fn get(ctx: &Ctx) -> Result<Response, ApiError> {
    let repr = ctx.representation()?;
    let (_, obj) = read(ctx).await?;
    Ok(respond_object(ctx, StatusCode::OK, &obj, repr))
}

/// An object in the negotiated representation (a one-row Table when asked for).
pub(crate) fn respond_object(
    ctx: &Ctx,
    code: StatusCode,
    obj: &Value,
    repr: Representation,
) -> Response {
    match repr {
        Representation::Table { v1beta1 } => {
            let include = tables::include_object(ctx.params.get("includeObject"));
            response::json(
                code,
                &tables::single(ctx.resource, obj, include, v1beta1, true),
            )
        }
        Representation::PartialMetadata { v1beta1 } => {
            response::json(code, &tables::partial_metadata(obj, v1beta1))
        }
        other => response::object(code, obj, other),
    }
}

// === create ===

async fn create(ctx: &Ctx, body: &[u8]) -> Result<Response, ApiError> {
    let repr = ctx.representation()?;
    if !ctx.info.name.is_empty() {
        return Err(ApiError::MethodNotAllowed);
    }
    let kind = negotiate::body_type(ctx.content_type())
        .ok_or_else(|| ApiError::UnsupportedMediaType(negotiate::OBJECT_MEDIA_TYPES.into()))?;
    let obj = negotiate::decode_object(body, kind)?;
    let validation = admission::field_validation(ctx.params.get("fieldValidation"))?;
    let dry_run = ctx.params.dry_run()?;
    let (obj, warnings) = create_object(ctx, obj, validation, dry_run).await?;
    let mut resp = respond_object(ctx, StatusCode::CREATED, &obj, repr);
    response::add_warnings(&mut resp, &warnings);
    Ok(resp)
}

/// Creates an object through admission; returns it as stored (with its resourceVersion).
pub(crate) async fn create_object(
    ctx: &Ctx,
    mut obj: Value,
    validation: FieldValidation,
    dry_run: bool,
) -> Result<(Value, Vec<String>), ApiError> {
    let resource = ctx.resource;
    meta::check_type(resource, &mut obj)?;
    meta::check_namespace(resource, &mut obj, ctx.namespace())?;
    let (mut obj, warnings) = admission::decode(resource, obj, validation)?;
    meta::generate_name(&mut obj);
    let name = meta::meta_str(&obj, "name").unwrap_or("").to_string();
    if let Some(ns) = ctx.namespace() {
        check_namespace_open(ctx, ns, &name).await?;
    }
    reset_status_on_create(resource, &mut obj);
    admission::default(resource, &mut obj);
    services::prepare_create(resource, &mut obj);
    admission::validate(resource, &obj, None)?;
    let now = meta::now_rfc3339();
    meta::prepare_create(&mut obj, &now);
    patching::track_fields(resource, None, &mut obj, &ctx.manager(), None, &now);
    let key = resource.key(ctx.namespace(), &name);
    // Cluster IPs and node ports, taken before the write and given back if it fails.
    let reservation = services::allocate(&ctx.server, resource, None, &mut obj, dry_run).await?;
    if dry_run {
        // A dry run reports AlreadyExists as the real create would.
        if ctx
            .server
            .store
            .get(&key)
            .await
            .map_err(|e| store_error(resource, &name, e))?
            .is_some()
        {
            return Err(store_error(
                resource,
                &name,
                StoreError::AlreadyExists { key },
            ));
        }
        return Ok((obj, warnings));
    }
    let kv = ctx
        .server
        .store
        .create(
            &key,
            meta::encode(&convert::to_storage(resource, obj.clone()))?,
        )
        .await
        .map_err(|e| store_error(resource, &name, e))?;
    reservation.commit();
    meta::set_resource_version(&mut obj, kv.mod_revision);
    Ok((obj, warnings))
}

/// As kube-apiserver's PrepareForCreate: a client does not choose the status of a new object
/// whose status is a subresource (controllers own it).
fn reset_status_on_create(resource: &ResourceInfo, obj: &mut Value) {
    if resource.subresource("status").is_none() || resource.plural == "namespaces" {
        return;
    }
    if let Some(o) = obj.as_object_mut() {
        if resource.group.is_empty() && resource.plural == "pods" {
            o.insert("status".into(), json!({"phase": "Pending"}));
        } else {
            o.remove("status");
        }
    }
}

/// Fails unless the namespace exists and is not being terminated.
async fn check_namespace_open(ctx: &Ctx, namespace: &str, name: &str) -> Result<(), ApiError> {
    let ns_info = registry::find("", "v1", "namespaces").ok_or(ApiError::PathNotFound)?;
    let kv = ctx
        .server
        .store
        .get(&ns_info.key(None, namespace))
        .await
        .map_err(|e| store_error(ns_info, namespace, e))?
        .ok_or_else(|| not_found(ns_info, namespace))?;
    let terminating = namespace_terminating(&kv.value)?;
    if terminating && !(ctx.resource.group.is_empty() && ctx.resource.plural == "events") {
        return Err(ApiError::Forbidden {
            group: ctx.resource.group.into(),
            resource: ctx.resource.plural.into(),
            name: name.into(),
            message: format!(
                "{} \"{name}\" is forbidden: unable to create new content in namespace {namespace} because it is being terminated",
                ctx.resource.group_resource(),
            ),
        });
    }
    Ok(())
}

/// Whether a stored Namespace is being terminated. Every namespaced create asks this, so only
/// the two fields that answer it are decoded, not the whole object.
fn namespace_terminating(stored: &[u8]) -> Result<bool, ApiError> {
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct Lifecycle {
        metadata: LifecycleMeta,
        status: LifecycleStatus,
    }
    #[derive(serde::Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    struct LifecycleMeta {
        deletion_timestamp: Option<serde::de::IgnoredAny>,
    }
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct LifecycleStatus {
        phase: Option<String>,
    }
    let ns: Lifecycle = serde_json::from_slice(stored)
        .map_err(|e| ApiError::Internal(format!("decoding stored namespace: {e}")))?;
    Ok(ns.metadata.deletion_timestamp.is_some()
        || ns.status.phase.as_deref() == Some("Terminating"))
}

// === update ===

async fn update(ctx: &Ctx, body: &[u8], part: Update) -> Result<Response, ApiError> {
    let repr = ctx.representation()?;
    let kind = negotiate::body_type(ctx.content_type())
        .ok_or_else(|| ApiError::UnsupportedMediaType(negotiate::OBJECT_MEDIA_TYPES.into()))?;
    let mut obj = negotiate::decode_object(body, kind)?;
    meta::check_type(ctx.resource, &mut obj)?;
    meta::check_namespace(ctx.resource, &mut obj, ctx.namespace())?;
    let validation = admission::field_validation(ctx.params.get("fieldValidation"))?;
    let (obj, warnings) = admission::decode(ctx.resource, obj, validation)?;
    let body_name = meta::meta_str(&obj, "name").unwrap_or("");
    if body_name != ctx.info.name {
        return Err(ApiError::BadRequest(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({})",
            ctx.info.name
        )));
    }
    let precondition = meta::resource_version_of(&obj)?;
    let dry_run = ctx.params.dry_run()?;
    let outcome = guaranteed_update(ctx, precondition, dry_run, part, |_old| Ok(obj.clone())).await;
    let updated = match outcome {
        Err(ApiError::NotFound { .. }) if part == Update::Main && allows_create_on_update(ctx) => {
            let (created, w) = create_object(ctx, obj.clone(), validation, dry_run).await?;
            let mut resp = respond_object(ctx, StatusCode::CREATED, &created, repr);
            response::add_warnings(&mut resp, &w);
            return Ok(resp);
        }
        other => other?,
    };
    let mut resp = respond_object(ctx, StatusCode::OK, &updated, repr);
    response::add_warnings(&mut resp, &warnings);
    Ok(resp)
}

/// Resources whose PUT creates a missing object, as upstream's `AllowCreateOnUpdate`.
fn allows_create_on_update(ctx: &Ctx) -> bool {
    matches!(
        (ctx.resource.group, ctx.resource.plural),
        ("", "endpoints") | ("", "events") | ("coordination.k8s.io", "leases")
    )
}

/// Reads, transforms and writes an object, retrying on concurrent writes unless the client
/// gave a resourceVersion precondition (then a stale read is a Conflict).
pub(crate) async fn guaranteed_update(
    ctx: &Ctx,
    precondition: Option<u64>,
    dry_run: bool,
    part: Update,
    mut transform: impl FnMut(&Value) -> Result<Value, ApiError>,
) -> Result<Value, ApiError> {
    let resource = ctx.resource;
    let name = ctx.info.name.clone();
    for _ in 0..MAX_UPDATE_RETRIES {
        let (kv, old) = read(ctx).await?;
        if let Some(rv) = precondition
            && rv != kv.mod_revision
        {
            return Err(ApiError::stale(resource.group, resource.plural, &name));
        }
        let mut new = transform(&old)?;
        meta::check_type(resource, &mut new)?;
        match write_update(ctx, &kv, &old, new, part, dry_run).await {
            Err(ApiError::Conflict { .. }) if precondition.is_none() => continue,
            other => return other,
        }
    }
    Err(ApiError::stale(resource.group, resource.plural, &name))
}

/// Writes `new` over the stored `old` (at `kv.mod_revision`) after admission. A write that
/// changes nothing is not stored (the resourceVersion stays). An object whose deletion was
/// pending on finalizers is deleted when its last finalizer goes.
async fn write_update(
    ctx: &Ctx,
    kv: &KeyValue,
    old: &Value,
    mut new: Value,
    part: Update,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let resource = ctx.resource;
    let name = ctx.info.name.as_str();
    meta::prepare_update(old, &mut new, part);
    let finalizers = new.pointer("/spec/finalizers").cloned();
    admission::default(resource, &mut new);
    if resource.group.is_empty() && resource.plural == "namespaces" {
        // As kube-apiserver: only the finalize subresource changes a namespace's finalizers.
        let kept = match part {
            Update::Finalize => finalizers,
            _ => old.pointer("/spec/finalizers").cloned(),
        };
        if let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut) {
            match kept {
                Some(f) => spec.insert("finalizers".into(), f),
                None => spec.remove("finalizers"),
            };
        }
    }
    if part == Update::Main {
        services::prepare_update(resource, old, &mut new);
    }
    admission::validate(resource, &new, Some(old))?;
    let reservation = match part {
        Update::Main => {
            services::allocate(&ctx.server, resource, Some(old), &mut new, dry_run).await?
        }
        _ => services::Reservation::none(),
    };
    meta::set_resource_version(&mut new, kv.mod_revision);
    let mut unchanged = new.clone();
    if let (Some(m), Some(old_fields)) = (
        meta::metadata_mut(&mut unchanged),
        old.pointer("/metadata/managedFields"),
    ) {
        m.insert("managedFields".into(), old_fields.clone());
    }
    if &unchanged == old || &new == old {
        return Ok(old.clone());
    }
    let subresource = match part {
        Update::Status => Some("status"),
        _ => None,
    };
    patching::track_fields(
        resource,
        Some(old),
        &mut new,
        &ctx.manager(),
        subresource,
        &meta::now_rfc3339(),
    );
    if dry_run {
        return Ok(new);
    }
    if is_deletion_complete(resource, old, &new) {
        let deleted = ctx
            .server
            .store
            .delete(&kv.key, kv.mod_revision)
            .await
            .map_err(|e| store_error(resource, name, e))?;
        // What the update took goes back with the reservation; what the object held, here.
        services::release_deleted(&ctx.server, resource, old).await?;
        meta::set_resource_version(&mut new, deleted.mod_revision);
        return Ok(new);
    }
    let written = ctx
        .server
        .store
        .update(
            &kv.key,
            meta::encode(&convert::to_storage(resource, new.clone()))?,
            kv.mod_revision,
        )
        .await
        .map_err(|e| store_error(resource, name, e))?;
    reservation.commit();
    services::release_unused(&ctx.server, resource, old, &new).await?;
    meta::set_resource_version(&mut new, written.mod_revision);
    Ok(new)
}

/// Whether an update removed the last finalizer of an object whose deletion waited only for
/// finalizers (`shouldDeleteDuringUpdate`): a pod still within its grace period stays.
pub(crate) fn is_deletion_complete(resource: &ResourceInfo, old: &Value, new: &Value) -> bool {
    if new.pointer("/metadata/deletionTimestamp").is_none() {
        return false;
    }
    let is_namespace = resource.group.is_empty() && resource.plural == "namespaces";
    let has_finalizers = |obj: &Value| {
        let any = |ptr: &str| {
            obj.pointer(ptr)
                .and_then(Value::as_array)
                .is_some_and(|list| !list.is_empty())
        };
        any("/metadata/finalizers") || (is_namespace && any("/spec/finalizers"))
    };
    let grace = old
        .pointer("/metadata/deletionGracePeriodSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    !has_finalizers(new) && has_finalizers(old) && grace == 0
}

// === patch ===

async fn patch(ctx: &Ctx, body: &[u8], part: Update) -> Result<Response, ApiError> {
    let repr = ctx.representation()?;
    let kind = negotiate::body_type(ctx.content_type())
        .filter(|k| {
            matches!(
                k,
                BodyType::JsonPatch
                    | BodyType::MergePatch
                    | BodyType::StrategicMergePatch
                    | BodyType::ApplyPatch
            )
        })
        .ok_or_else(|| ApiError::UnsupportedMediaType(negotiate::PATCH_MEDIA_TYPES.into()))?;
    let dry_run = ctx.params.dry_run()?;
    let validation = admission::field_validation(ctx.params.get("fieldValidation"))?;
    if kind == BodyType::ApplyPatch {
        if ctx.params.get("fieldManager").is_none_or(str::is_empty) {
            return Err(ApiError::BadRequest(
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch".into(),
            ));
        }
        let applied = negotiate::decode_yaml(body)?;
        match read(ctx).await {
            Err(ApiError::NotFound { .. }) if part == Update::Main => {
                let mut obj = applied;
                if let Some(m) = meta::metadata_mut(&mut obj)
                    && !m.contains_key("name")
                {
                    m.insert("name".into(), json!(ctx.info.name));
                }
                let obj = patching::server_side_apply(
                    ctx.resource,
                    None,
                    &obj,
                    &ctx.manager(),
                    ctx.params.flag("force"),
                    &meta::now_rfc3339(),
                )?;
                let (created, warnings) = create_object(ctx, obj, validation, dry_run).await?;
                let mut resp = respond_object(ctx, StatusCode::CREATED, &created, repr);
                response::add_warnings(&mut resp, &warnings);
                return Ok(resp);
            }
            Err(e) => return Err(e),
            Ok(_) => {}
        }
    }
    let mut warnings = Vec::new();
    let precondition = patch_precondition(body, kind)?;
    let applied = if kind == BodyType::ApplyPatch {
        Some(negotiate::decode_yaml(body)?)
    } else {
        None
    };
    let (manager, force) = (ctx.manager(), ctx.params.flag("force"));
    let updated = guaranteed_update(ctx, None, dry_run, part, |old| {
        let patched = match &applied {
            Some(config) => patching::server_side_apply(
                ctx.resource,
                Some(old),
                config,
                &manager,
                force,
                &meta::now_rfc3339(),
            )?,
            None => patching::apply_patch(ctx.resource, old, body, kind)?,
        };
        if let Some(rv) = precondition
            && meta::resource_version_of(old)? != Some(rv)
        {
            return Err(ApiError::stale(
                ctx.resource.group,
                ctx.resource.plural,
                &ctx.info.name,
            ));
        }
        let (patched, w) = admission::decode(ctx.resource, patched, validation)?;
        warnings = w;
        Ok(patched)
    })
    .await?;
    let mut resp = respond_object(ctx, StatusCode::OK, &updated, repr);
    response::add_warnings(&mut resp, &warnings);
    Ok(resp)
}

/// The resourceVersion a merge-style patch pins, if any.
fn patch_precondition(body: &[u8], kind: BodyType) -> Result<Option<u64>, ApiError> {
    if matches!(kind, BodyType::MergePatch | BodyType::StrategicMergePatch)
        && let Ok(v) = serde_json::from_slice::<Value>(body)
    {
        return meta::resource_version_of(&v);
    }
    Ok(None)
}

// === scale ===

fn scale_of(resource: &ResourceInfo, obj: &Value) -> Value {
    let metadata = obj.get("metadata").cloned().unwrap_or(json!({}));
    let keep = [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ];
    let metadata: serde_json::Map<String, Value> = metadata
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| keep.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let _ = resource;
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": metadata,
        "spec": {"replicas": obj.pointer("/spec/replicas").cloned().unwrap_or(json!(0))},
        "status": {
            "replicas": obj.pointer("/status/replicas").cloned().unwrap_or(json!(0)),
            "selector": obj.pointer("/spec/selector").map(crate::filter::selector_string).unwrap_or_default(),
        },
    })
}

async fn get_scale(ctx: &Ctx) -> Result<Response, ApiError> {
    let (_, obj) = read(ctx).await?;
    Ok(response::json(
        StatusCode::OK,
        &scale_of(ctx.resource, &obj),
    ))
}

async fn update_scale(ctx: &Ctx, body: &[u8]) -> Result<Response, ApiError> {
    let scale = negotiate::decode_object(
        body,
        negotiate::body_type(ctx.content_type()).unwrap_or(BodyType::Json),
    )?;
    let precondition = meta::resource_version_of(&scale)?;
    write_scale(ctx, precondition, |_| Ok(scale.clone())).await
}

async fn patch_scale(ctx: &Ctx, body: &[u8]) -> Result<Response, ApiError> {
    let kind = negotiate::body_type(ctx.content_type())
        .ok_or_else(|| ApiError::UnsupportedMediaType(negotiate::PATCH_MEDIA_TYPES.into()))?;
    let scale_info = ctx.resource;
    write_scale(ctx, None, |current| {
        patching::apply_patch(scale_info, current, body, kind)
    })
    .await
}

async fn write_scale(
    ctx: &Ctx,
    precondition: Option<u64>,
    mut new_scale: impl FnMut(&Value) -> Result<Value, ApiError>,
) -> Result<Response, ApiError> {
    let dry_run = ctx.params.dry_run()?;
    let resource = ctx.resource;
    let updated = guaranteed_update(ctx, precondition, dry_run, Update::Main, |old| {
        let scale = new_scale(&scale_of(resource, old))?;
        let replicas = scale.pointer("/spec/replicas").cloned().unwrap_or(json!(0));
        if replicas.as_i64().is_none_or(|r| r < 0) {
            return Err(ApiError::Invalid {
                group: "autoscaling".into(),
                kind: "Scale".into(),
                name: ctx.info.name.clone(),
                causes: vec![enclave_api::FieldError::invalid(
                    "spec.replicas",
                    &replicas,
                    "must be greater than or equal to 0",
                )],
            });
        }
        let mut new = old.clone();
        if let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut) {
            spec.insert("replicas".into(), replicas);
        }
        Ok(new)
    })
    .await?;
    Ok(response::json(
        StatusCode::OK,
        &scale_of(resource, &updated),
    ))
}

// === delete ===

/// The options of a delete, from the body or the query.
#[derive(Debug, Clone, Default)]
pub(crate) struct DeleteOptions {
    pub(crate) propagation: Option<String>,
    pub(crate) grace_period: Option<i64>,
    pub(crate) precondition_uid: Option<String>,
    pub(crate) precondition_rv: Option<String>,
    pub(crate) dry_run: bool,
}

impl DeleteOptions {
    fn parse(ctx: &Ctx, body: &[u8]) -> Result<Self, ApiError> {
        let mut opts = DeleteOptions {
            propagation: ctx.params.get("propagationPolicy").map(str::to_string),
            grace_period: ctx
                .params
                .get("gracePeriodSeconds")
                .and_then(|g| g.parse().ok()),
            dry_run: ctx.params.dry_run()?,
            ..DeleteOptions::default()
        };
        if ctx.params.get("orphanDependents") == Some("true") {
            opts.propagation = Some("Orphan".into());
        }
        if !body.iter().all(u8::is_ascii_whitespace) {
            let kind = negotiate::body_type(ctx.content_type()).unwrap_or(BodyType::Json);
            let v = negotiate::decode_object(body, kind)?;
            if let Some(p) = v.get("propagationPolicy").and_then(Value::as_str) {
                opts.propagation = Some(p.into());
            }
            if v.get("orphanDependents").and_then(Value::as_bool) == Some(true) {
                opts.propagation = Some("Orphan".into());
            }
            if let Some(g) = v.get("gracePeriodSeconds").and_then(Value::as_i64) {
                opts.grace_period = Some(g);
            }
            if let Some(uid) = v.pointer("/preconditions/uid").and_then(Value::as_str) {
                opts.precondition_uid = Some(uid.into());
            }
            if let Some(rv) = v
                .pointer("/preconditions/resourceVersion")
                .and_then(Value::as_str)
            {
                opts.precondition_rv = Some(rv.into());
            }
            if let Some(d) = v.get("dryRun").and_then(Value::as_array)
                && d.iter().any(|x| x == "All")
            {
                opts.dry_run = true;
            }
        }
        match opts.propagation.as_deref() {
            None | Some("Background" | "Foreground" | "Orphan") => Ok(opts),
            Some(other) => Err(ApiError::Invalid {
                group: "meta.k8s.io".into(),
                kind: "DeleteOptions".into(),
                name: String::new(),
                causes: vec![enclave_api::FieldError::not_supported(
                    "propagationPolicy",
                    &json!(other),
                    &["Foreground", "Background", "Orphan", "nil"],
                )],
            }),
        }
    }
}

/// What a delete did.
pub(crate) enum Deleted {
    /// The object is gone; the last state, at the deletion's revision.
    Gone(Value),
    /// The object waits for finalizers; its current state.
    Pending(Value),
}

async fn delete(ctx: &Ctx, body: &[u8]) -> Result<Response, ApiError> {
    let opts = DeleteOptions::parse(ctx, body)?;
    match delete_object(ctx, &ctx.info.name, &opts).await? {
        Deleted::Pending(obj) => Ok(respond_object(
            ctx,
            StatusCode::OK,
            &obj,
            Representation::Json,
        )),
        // Pods and Services answer with the deleted object (`ReturnDeletedObject`).
        Deleted::Gone(obj) if returns_deleted_object(ctx.resource) => Ok(respond_object(
            ctx,
            StatusCode::OK,
            &obj,
            Representation::Json,
        )),
        Deleted::Gone(obj) => {
            let details = json!({
                "name": ctx.info.name,
                "group": ctx.resource.group,
                "kind": ctx.resource.plural,
                "uid": obj.pointer("/metadata/uid").cloned().unwrap_or(Value::Null),
            });
            Ok(response::json(
                StatusCode::OK,
                &enclave_api::status::success_status(Some(details)),
            ))
        }
    }
}

/// Whether a DELETE that removed the object answers with it rather than a Status.
fn returns_deleted_object(resource: &ResourceInfo) -> bool {
    resource.group.is_empty() && matches!(resource.plural, "pods" | "services")
}

/// Deletes one object: at once, or by marking it for deletion when finalizers (its own, or
/// those the propagation policy adds) must run first, or when it is a pod that its node must
/// stop first (graceful deletion).
pub(crate) async fn delete_object(
    ctx: &Ctx,
    name: &str,
    opts: &DeleteOptions,
) -> Result<Deleted, ApiError> {
    let resource = ctx.resource;
    let key = resource.key(ctx.namespace(), name);
    for _ in 0..MAX_UPDATE_RETRIES {
        let kv = ctx
            .server
            .store
            .get(&key)
            .await
            .map_err(|e| store_error(resource, name, e))?
            .ok_or_else(|| not_found(resource, name))?;
        let mut obj = convert::from_storage(resource, meta::decode(&kv)?);
        check_delete_preconditions(resource, name, &obj, opts)?;
        let already_deleting = obj.pointer("/metadata/deletionTimestamp").is_some();
        let graceful = graceful::decide(
            resource,
            &mut obj,
            opts.grace_period,
            jiff::Timestamp::now(),
        );
        if graceful == graceful::Graceful::AlreadyPending {
            // Finalizers cannot change through DeleteOptions once a deletion is under way.
            return Ok(Deleted::Pending(obj));
        }
        let mut finalizers: Vec<Value> = obj
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let wanted = match opts.propagation.as_deref() {
            Some("Foreground") => Some("foregroundDeletion"),
            Some("Orphan") => Some("orphan"),
            _ => None,
        };
        let is_namespace = resource.group.is_empty() && resource.plural == "namespaces";
        if let Some(f) = wanted
            && !already_deleting
            && !finalizers.iter().any(|x| x == f)
        {
            finalizers.push(json!(f));
        }
        let must_wait = !finalizers.is_empty() || is_namespace;
        let grace_seconds = match graceful {
            graceful::Graceful::Marked { seconds } => Some(seconds),
            _ => None,
        };
        if !must_wait && grace_seconds.is_none() {
            if opts.dry_run {
                return Ok(Deleted::Gone(obj));
            }
            match ctx.server.store.delete(&key, kv.mod_revision).await {
                Ok(deleted) => {
                    services::release_deleted(&ctx.server, resource, &obj).await?;
                    meta::set_resource_version(&mut obj, deleted.mod_revision);
                    return Ok(Deleted::Gone(obj));
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(store_error(resource, name, e)),
            }
        }
        if already_deleting && wanted.is_none() && grace_seconds.is_none() {
            return Ok(Deleted::Pending(obj));
        }
        if let Some(m) = meta::metadata_mut(&mut obj) {
            if grace_seconds.is_none() && !already_deleting {
                // markAsDeleting: deletion waits only for finalizers, so no grace period.
                m.insert("deletionTimestamp".into(), json!(meta::now_rfc3339()));
                m.insert("deletionGracePeriodSeconds".into(), json!(0));
                if let Some(generation) = m.get("generation").and_then(Value::as_i64)
                    && generation > 0
                {
                    m.insert("generation".into(), json!(generation + 1));
                }
            }
            if !finalizers.is_empty() {
                m.insert("finalizers".into(), Value::Array(finalizers));
            }
        }
        if is_namespace && let Some(o) = obj.as_object_mut() {
            let status = o.entry("status").or_insert_with(|| json!({}));
            status["phase"] = json!("Terminating");
        }
        // A pod whose grace period is 0 goes right after the mark, as upstream does (watchers
        // see MODIFIED, then DELETED), unless finalizers hold it.
        let delete_now = grace_seconds == Some(0) && !must_wait;
        if opts.dry_run {
            return Ok(if delete_now {
                Deleted::Gone(obj)
            } else {
                Deleted::Pending(obj)
            });
        }
        let written = match ctx
            .server
            .store
            .update(
                &key,
                meta::encode(&convert::to_storage(resource, obj.clone()))?,
                kv.mod_revision,
            )
            .await
        {
            Ok(written) => written,
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(store_error(resource, name, e)),
        };
        meta::set_resource_version(&mut obj, written.mod_revision);
        if is_namespace {
            ctx.server.namespace_wakeup.notify_one();
        }
        if !delete_now {
            return Ok(Deleted::Pending(obj));
        }
        match ctx.server.store.delete(&key, written.mod_revision).await {
            Ok(deleted) => {
                services::release_deleted(&ctx.server, resource, &obj).await?;
                meta::set_resource_version(&mut obj, deleted.mod_revision);
                return Ok(Deleted::Gone(obj));
            }
            // Someone else (the node agent) finished the deletion first.
            Err(StoreError::NotFound { .. }) => return Ok(Deleted::Gone(obj)),
            // Changed since the mark: the next round sees a grace period of 0 and deletes.
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(store_error(resource, name, e)),
        }
    }
    Err(ApiError::stale(resource.group, resource.plural, name))
}

fn check_delete_preconditions(
    resource: &ResourceInfo,
    name: &str,
    obj: &Value,
    opts: &DeleteOptions,
) -> Result<(), ApiError> {
    if let Some(uid) = &opts.precondition_uid {
        let actual = meta::meta_str(obj, "uid").unwrap_or("");
        if actual != uid {
            return Err(ApiError::Conflict {
                group: resource.group.into(),
                resource: resource.plural.into(),
                name: name.into(),
                detail: format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {actual}"
                ),
            });
        }
    }
    if let Some(rv) = &opts.precondition_rv {
        let actual = meta::meta_str(obj, "resourceVersion").unwrap_or("");
        if actual != rv {
            return Err(ApiError::Conflict {
                group: resource.group.into(),
                resource: resource.plural.into(),
                name: name.into(),
                detail: format!(
                    "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {actual}"
                ),
            });
        }
    }
    Ok(())
}

async fn delete_collection(ctx: &Ctx, body: &[u8]) -> Result<Response, ApiError> {
    let opts = DeleteOptions::parse(ctx, body)?;
    let objects = list::matching_objects(ctx).await?;
    let mut items = Vec::new();
    for obj in objects {
        let name = meta::meta_str(&obj, "name").unwrap_or("").to_string();
        match delete_object(ctx, &name, &opts).await {
            Ok(Deleted::Gone(o) | Deleted::Pending(o)) => items.push(o),
            Err(ApiError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let list = json!({
        "kind": format!("{}List", ctx.resource.kind),
        "apiVersion": ctx.resource.api_version(),
        "metadata": {},
        "items": items,
    });
    Ok(response::json(StatusCode::OK, &list))
}

// === namespaces ===

async fn finalize_namespace(ctx: &Ctx, body: &[u8]) -> Result<Response, ApiError> {
    let obj = negotiate::decode_object(
        body,
        negotiate::body_type(ctx.content_type()).unwrap_or(BodyType::Json),
    )?;
    let finalizers = obj.pointer("/spec/finalizers").cloned();
    let updated = guaranteed_update(ctx, None, false, Update::Finalize, |old| {
        let mut new = old.clone();
        if let Some(o) = new.as_object_mut() {
            let spec = o.entry("spec").or_insert_with(|| json!({}));
            match &finalizers {
                Some(f) => spec["finalizers"] = f.clone(),
                None => {
                    if let Some(s) = spec.as_object_mut() {
                        s.remove("finalizers");
                    }
                }
            }
        }
        Ok(new)
    })
    .await?;
    Ok(response::json(StatusCode::OK, &updated))
}

/// A body for responses that stream.
pub(crate) fn streaming_response(content_type: &str, body: Body) -> Response {
    response::with_type(StatusCode::OK, content_type, body)
}
