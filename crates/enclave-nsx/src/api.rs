//! The NSX Policy API (`/policy/api/v1/...`) over the network manager: security policies
//! and their rules, groups and services, with NSX's list envelopes and error bodies.

use std::net::Ipv4Addr;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::objects::{Kind, WriteMode, valid_id};
use crate::{NsxError, NsxManager};

/// Largest request body accepted (a policy of many thousand rules fits).
pub const MAX_BODY_BYTES: usize = 64 << 20;

/// The authenticated caller, put into request extensions by the listener.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user name recorded as `_create_user` / `_last_modified_user`.
    pub name: String,
    /// What the `X-Allow-Overwrite` header said, if present (filled in by the router).
    pub allow_overwrite: Option<bool>,
}

type Manager = Arc<NsxManager>;

/// The Policy API routes, to be merged into the API listener's router.
pub fn router(manager: Arc<NsxManager>) -> Router {
    let api = Router::new()
        .route("/infra/domains", get(list_domains))
        .route(
            "/infra/domains/{domain}/security-policies",
            get(list_policies),
        )
        .route(
            "/infra/domains/{domain}/security-policies/{id}",
            get(get_policy)
                .put(put_policy)
                .patch(patch_policy)
                .delete(delete_policy),
        )
        .route(
            "/infra/domains/{domain}/security-policies/{id}/rules",
            get(list_rules),
        )
        .route(
            "/infra/domains/{domain}/security-policies/{id}/rules/{rule}",
            get(get_rule)
                .put(put_rule)
                .patch(patch_rule)
                .delete(delete_rule),
        )
        .route(
            "/infra/domains/{domain}/security-policies/{id}/statistics",
            get(policy_statistics),
        )
        .route(
            "/infra/domains/{domain}/security-policies/{id}/rules/{rule}/statistics",
            get(rule_statistics),
        )
        .route("/infra/domains/{domain}/groups", get(list_groups))
        .route(
            "/infra/domains/{domain}/groups/{id}",
            get(get_group)
                .put(put_group)
                .patch(patch_group)
                .delete(delete_group),
        )
        .route(
            "/infra/domains/{domain}/groups/{id}/members/segment-ports",
            get(group_segment_ports),
        )
        .route(
            "/infra/domains/{domain}/groups/{id}/members/ip-addresses",
            get(group_ip_addresses),
        )
        .route("/infra/services", get(list_services))
        .route(
            "/infra/services/{id}",
            get(get_service)
                .put(put_service)
                .patch(patch_service)
                .delete(delete_service),
        )
        .route("/infra/{*path}", get(get_topology))
        .fallback(unknown)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(manager);
    Router::new().nest("/policy/api/v1", api)
}

async fn unknown(uri: Uri) -> NsxError {
    NsxError::UnknownUri(uri.path().to_string())
}

async fn method_not_allowed(method: Method, uri: Uri) -> NsxError {
    NsxError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_string(),
    }
}

/// List query parameters NSX accepts.
#[derive(Debug, Deserialize, Default)]
struct ListQuery {
    cursor: Option<String>,
    page_size: Option<usize>,
}

/// NSX's list envelope, paged by `page_size` with an opaque `cursor`.
fn envelope(items: Vec<Value>, query: &ListQuery) -> Result<Response, NsxError> {
    let start = match &query.cursor {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| NsxError::BadRequest(format!("Invalid cursor {c:?}.")))?,
    };
    let size = query.page_size.unwrap_or(1000).clamp(1, 1000);
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(start).take(size).collect();
    let mut body = json!({
        "results": page,
        "result_count": total,
        "sort_ascending": true,
        "sort_by": "path",
    });
    if start + size < total {
        body["cursor"] = Value::String((start + size).to_string());
    }
    Ok(Json(body).into_response())
}

fn check_ids(ids: &[&str]) -> Result<(), NsxError> {
    match ids.iter().find(|id| !valid_id(id)) {
        Some(bad) => Err(NsxError::BadRequest(format!("Invalid id {bad:?}."))),
        None => Ok(()),
    }
}

fn principal(
    principal: Option<Extension<Principal>>,
    headers: &HeaderMap,
) -> Result<Principal, NsxError> {
    let Some(Extension(mut p)) = principal else {
        return Err(NsxError::Unauthenticated);
    };
    p.allow_overwrite = headers
        .get("x-allow-overwrite")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.eq_ignore_ascii_case("true"));
    Ok(p)
}

async fn read_json(body: Body) -> Result<Value, NsxError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            NsxError::BadBody(format!(
                "the request body is larger than {MAX_BODY_BYTES} bytes"
            ))
        })?;
    serde_json::from_slice(&bytes).map_err(|e| NsxError::BadBody(e.to_string()))
}

fn policy_path(domain: &str, id: &str) -> String {
    enclave_dfw::model::policy_path(domain, id)
}

// --- domains ---

/// The domains that hold policies or groups (`default` always).
async fn list_domains(
    State(m): State<Manager>,
    Query(q): Query<ListQuery>,
) -> Result<Response, NsxError> {
    let realized = m.realized();
    let mut domains = std::collections::BTreeSet::from(["default".to_string()]);
    let paths = realized
        .config
        .policies
        .iter()
        .map(|p| &p.meta.path)
        .chain(realized.config.groups.iter().map(|g| &g.meta.path));
    for path in paths {
        if let Some(rest) = path.strip_prefix("/infra/domains/")
            && let Some((domain, _)) = rest.split_once('/')
        {
            domains.insert(domain.to_string());
        }
    }
    let items = domains
        .into_iter()
        .map(|d| {
            json!({
                "resource_type": "Domain",
                "id": d,
                "display_name": d,
                "path": format!("/infra/domains/{d}"),
                "parent_path": "/infra",
                "relative_path": d,
            })
        })
        .collect();
    envelope(items, &q)
}

// --- security policies ---

async fn list_policies(
    State(m): State<Manager>,
    Path(domain): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, NsxError> {
    check_ids(&[&domain])?;
    envelope(
        m.list_objects(Kind::Policy, &format!("/infra/domains/{domain}")),
        &q,
    )
}

async fn get_policy(
    State(m): State<Manager>,
    Path((domain, id)): Path<(String, String)>,
) -> Result<Json<Value>, NsxError> {
    check_ids(&[&domain, &id])?;
    m.get_object(&policy_path(&domain, &id)).map(Json)
}

async fn write(
    m: &NsxManager,
    p: Principal,
    path: String,
    body: Body,
    mode: WriteMode,
) -> Result<Json<Value>, NsxError> {
    let body = read_json(body).await?;
    m.write_object(&p, &path, body, mode).await.map(Json)
}

async fn put_policy(
    State(m): State<Manager>,
    Path((domain, id)): Path<(String, String)>,
    p: Option<Extension<Principal>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, NsxError> {
    let p = principal(p, &headers)?;
    check_ids(&[&domain, &id])?;
    write(&m, p, policy_path(&domain, &id), body, WriteMode::Put).await
}

async fn patch_policy(
    State(m): State<Manager>,
    Path((domain, id)): Path<(String, String)>,
    p: Option<Extension<Principal>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, NsxError> {
    let p = principal(p, &headers)?;
    check_ids(&[&domain, &id])?;
    write(&m, p, policy_path(&domain, &id), body, WriteMode::Patch).await
}

async fn delete_policy(
    State(m): State<Manager>,
    Path((domain, id)): Path<(String, String)>,
    p: Option<Extension<Principal>>,
    headers: HeaderMap,
) -> Result<Response, NsxError> {
    let p = principal(p, &headers)?;
    check_ids(&[&domain, &id])?;
    m.delete_object(&p, &policy_path(&domain, &id)).await?;
    Ok(().into_response())
}

// --- rules (stored inside their policy) ---

fn rules_of(policy: &Value) -> Vec<Value> {
    policy
        .get("rules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

async fn list_rules(
    State(m): State<Manager>,
    Path((domain, id)): Path<(String, String)>,
    Query(q): Query<ListQuery>,
) -> Result<Response, NsxError> {
    check_ids(&[&domain, &id])?;
    let policy = m.get_object(&policy_path(&domain, &id))?;
    envelope(rules_of(&policy), &q)
}

async fn get_rule(
    State(m): State<Manager>,
    Path((domain, id, rule)): Path<(String, String, String)>,
) -> Result<Json<Value>, NsxError> {
    check_ids(&[&domain, &id, &rule])?;
    let path = policy_path(&domain, &id);
    let policy = m.get_object(&path)?;
    rules_of(&policy)
        .into_iter()
        .find(|r| r.get("id").and_then(Value::as_str) == Some(rule.as_str()))
        .map(Json)
        .ok_or_else(|| NsxError::NotFound(format!("{path}/rules/{rule}")))
}

// --- rule statistics ---

/// The enforcement point every statistic is reported for (NSX's default site).
const ENFORCEMENT_POINT: &str = "/infra/sites/default/enforcement-points/default";

/// One rule's statistics in a `RuleStatisticsListResult` entry, zero for a rule that has not
/// been hit (or is disabled, so never compiled).
fn rule_statistics_entry(realized: &crate::Realized, rule: &enclave_dfw::Rule) -> Value {
    let counted = realized.stats.get(&rule.meta.path).unwrap_or_default();
    json!({
        "enforcement_point": ENFORCEMENT_POINT,
        "statistics": {
            "resource_type": "RuleStatistics",
            "rule": rule.meta.path,
            "internal_rule_id": rule.rule_id.map(|id| id.to_string()),
            "hit_count": counted.hit_count,
            "packet_count": counted.packet_count,
            "byte_count": counted.byte_count,
            "session_count": counted.session_count,
            "max_session_count": counted.max_session_count,
            "total_session_count": counted.total_session_count,
            "l7_accept_count": 0,
            "l7_reject_count": 0,
            "l7_reject_with_response_count": 0,
        }
    })
}

/// A list result as NSX shapes the statistics and members lists: `result_count` and `results`.
fn list_result<T: serde::Serialize>(results: Vec<T>) -> Json<Value> {
    Json(json!({"result_count": results.len(), "results": results}))
}

async fn policy_statistics(
    State(m): State<Manager>,
    Path((domain, id)): Path<(String, String)>,
) -> Result<Json<Value>, NsxError> {
    check_ids(&[&domain, &id])?;
    let path = policy_path(&domain, &id);
    let realized = m.realized();
    let policy = realized
        .config
        .policies
        .iter()
        .find(|p| p.meta.path == path)
        .ok_or(NsxError::NotFound(path))?;
    Ok(list_result(
        policy
            .rules
            .iter()
            .map(|r| rule_statistics_entry(&realized, r))
            .collect(),
    ))
}

async fn rule_statistics(
    State(m): State<Manager>,
    Path((domain, id, rule)): Path<(String, String, String)>,
) -> Result<Json<Value>, NsxError> {
    check_ids(&[&domain, &id, &rule])?;
    let path = format!("{}/rules/{rule}", policy_path(&domain, &id));
    let realized = m.realized();
    let found = realized
        .config
        .policies
        .iter()
        .flat_map(|p| &p.rules)
        .find(|r| r.meta.path == path)
        .ok_or(NsxError::NotFound(path))?;
    Ok(list_result(vec![rule_statistics_entry(&realized, found)]))
}

/// Writes one rule by rewriting its policy: PUT replaces the rule, PATCH updates its fields.
async fn write_rule(
    m: &NsxManager,
    p: Principal,
    (domain, id, rule): (String, String, String),
    body: Body,
    mode: WriteMode,
) -> Result<Json<Value>, NsxError> {
    check_ids(&[&domain, &id, &rule])?;
    let path = policy_path(&domain, &id);
    let Value::Object(mut given) = read_json(body).await? else {
        return Err(NsxError::BadBody("the body must be a JSON object".into()));
    };
    if let Some(Value::String(body_id)) = given.get("id")
        && *body_id != rule
    {
        return Err(NsxError::BadRequest(format!(
            "The id {body_id:?} in the body does not match the id {rule:?} in the path."
        )));
    }
    given.insert("id".into(), Value::String(rule.clone()));
    let policy = m.get_object(&path)?;
    let mut rules = rules_of(&policy);
    let position = rules
        .iter()
        .position(|r| r.get("id").and_then(Value::as_str) == Some(rule.as_str()));
    match (mode, position) {
        (WriteMode::Patch, Some(i)) => {
            if let Some(Value::Object(existing)) = rules.get_mut(i) {
                existing.extend(given);
            }
        }
        (WriteMode::Put, Some(i)) => rules[i] = Value::Object(given),
        (_, None) => rules.push(Value::Object(given)),
    }
    let mut body = policy;
    body["rules"] = Value::Array(rules);
    let written = m.write_object(&p, &path, body, WriteMode::Put).await?;
    rules_of(&written)
        .into_iter()
        .find(|r| r.get("id").and_then(Value::as_str) == Some(rule.as_str()))
        .map(Json)
        .ok_or_else(|| NsxError::NotFound(format!("{path}/rules/{rule}")))
}

async fn put_rule(
    State(m): State<Manager>,
    Path(ids): Path<(String, String, String)>,
    p: Option<Extension<Principal>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, NsxError> {
    let p = principal(p, &headers)?;
    write_rule(&m, p, ids, body, WriteMode::Put).await
}

async fn patch_rule(
    State(m): State<Manager>,
    Path(ids): Path<(String, String, String)>,
    p: Option<Extension<Principal>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, NsxError> {
    let p = principal(p, &headers)?;
    write_rule(&m, p, ids, body, WriteMode::Patch).await
}

async fn delete_rule(
    State(m): State<Manager>,
    Path((domain, id, rule)): Path<(String, String, String)>,
    p: Option<Extension<Principal>>,
    headers: HeaderMap,
) -> Result<Response, NsxError> {
    let p = principal(p, &headers)?;
    check_ids(&[&domain, &id, &rule])?;
    let path = policy_path(&domain, &id);
    let mut policy = m.get_object(&path)?;
    let mut rules = rules_of(&policy);
    let before = rules.len();
    rules.retain(|r| r.get("id").and_then(Value::as_str) != Some(rule.as_str()));
    if rules.len() != before {
        policy["rules"] = Value::Array(rules);
        m.write_object(&p, &path, policy, WriteMode::Put).await?;
    }
    Ok(().into_response())
}

// --- groups ---

async fn list_groups(
    State(m): State<Manager>,
    Path(domain): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, NsxError> {
    check_ids(&[&domain])?;
    envelope(
        m.list_objects(Kind::Group, &format!("/infra/domains/{domain}")),
        &q,
    )
}

fn group_path(domain: &str, id: &str) -> String {
    enclave_dfw::model::group_path(domain, id)
}

async fn get_group(
    State(m): State<Manager>,
    Path((domain, id)): Path<(String, String)>,
) -> Result<Json<Value>, NsxError> {
    check_ids(&[&domain, &id])?;
    m.get_object(&group_path(&domain, &id)).map(Json)
}

/// A group's effective member ports (from the realized inventory) and address ranges.
type EffectiveMembers<'a> = (Vec<&'a enclave_dfw::Member>, Vec<(Ipv4Addr, Ipv4Addr)>);

/// The realized engine's effective members of a group, or NotFound for a group the realized
/// configuration does not hold.
fn effective_members<'a>(
    realized: &'a crate::Realized,
    domain: &str,
    id: &str,
) -> Result<EffectiveMembers<'a>, NsxError> {
    check_ids(&[domain, id])?;
    let path = group_path(domain, id);
    let members = realized
        .engine
        .group_members(&path)
        .ok_or(NsxError::NotFound(path))?;
    let ports = members
        .ports
        .iter()
        .filter_map(|&p| realized.inventory.members.get(p))
        .collect();
    Ok((ports, members.addresses))
}

/// `PolicyGroupMembersListResult`: the segment ports (pods' vNICs) the group selects.
async fn group_segment_ports(
    State(m): State<Manager>,
    Path((domain, id)): Path<(String, String)>,
) -> Result<Json<Value>, NsxError> {
    let realized = m.realized();
    let (ports, _) = effective_members(&realized, &domain, &id)?;
    Ok(list_result(
        ports
            .iter()
            .map(|member| {
                let id = member.path.rsplit('/').next().unwrap_or_default();
                json!({"id": id, "display_name": member.name, "path": member.path})
            })
            .collect(),
    ))
}

/// `PolicyGroupIPMembersListResult`: the group's IP addresses, those of its member ports and
/// those of its IP address expressions (a range as `first-last`, a single address alone).
async fn group_ip_addresses(
    State(m): State<Manager>,
    Path((domain, id)): Path<(String, String)>,
) -> Result<Json<Value>, NsxError> {
    let realized = m.realized();
    let (ports, addresses) = effective_members(&realized, &domain, &id)?;
    let mut ranges: Vec<(Ipv4Addr, Ipv4Addr)> = ports
        .iter()
        .map(|member| (member.ip, member.ip))
        .chain(addresses)
        .collect();
    ranges.sort_unstable();
    ranges.dedup();
    Ok(list_result(
        ranges
            .into_iter()
            .map(|(first, last)| {
                if first == last {
                    first.to_string()
                } else {
                    format!("{first}-{last}")
                }
            })
            .collect(),
    ))
}

async fn put_group(
    State(m): State<Manager>,
    Path((domain, id)): Path<(String, String)>,
    p: Option<Extension<Principal>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, NsxError> {
    let p = principal(p, &headers)?;
    check_ids(&[&domain, &id])?;
    write(&m, p, group_path(&domain, &id), body, WriteMode::Put).await
}

async fn patch_group(
    State(m): State<Manager>,
    Path((domain, id)): Path<(String, String)>,
    p: Option<Extension<Principal>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, NsxError> {
    let p = principal(p, &headers)?;
    check_ids(&[&domain, &id])?;
    write(&m, p, group_path(&domain, &id), body, WriteMode::Patch).await
}

async fn delete_group(
    State(m): State<Manager>,
    Path((domain, id)): Path<(String, String)>,
    p: Option<Extension<Principal>>,
    headers: HeaderMap,
) -> Result<Response, NsxError> {
    let p = principal(p, &headers)?;
    check_ids(&[&domain, &id])?;
    m.delete_object(&p, &group_path(&domain, &id)).await?;
    Ok(().into_response())
}

// --- services ---

async fn list_services(
    State(m): State<Manager>,
    Query(q): Query<ListQuery>,
) -> Result<Response, NsxError> {
    envelope(m.list_objects(Kind::Service, "/infra"), &q)
}

async fn get_service(
    State(m): State<Manager>,
    Path(id): Path<String>,
) -> Result<Json<Value>, NsxError> {
    check_ids(&[&id])?;
    m.get_object(&enclave_dfw::model::service_path(&id))
        .map(Json)
}

async fn put_service(
    State(m): State<Manager>,
    Path(id): Path<String>,
    p: Option<Extension<Principal>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, NsxError> {
    let p = principal(p, &headers)?;
    check_ids(&[&id])?;
    write(
        &m,
        p,
        enclave_dfw::model::service_path(&id),
        body,
        WriteMode::Put,
    )
    .await
}

async fn patch_service(
    State(m): State<Manager>,
    Path(id): Path<String>,
    p: Option<Extension<Principal>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, NsxError> {
    let p = principal(p, &headers)?;
    check_ids(&[&id])?;
    write(
        &m,
        p,
        enclave_dfw::model::service_path(&id),
        body,
        WriteMode::Patch,
    )
    .await
}

async fn delete_service(
    State(m): State<Manager>,
    Path(id): Path<String>,
    p: Option<Extension<Principal>>,
    headers: HeaderMap,
) -> Result<Response, NsxError> {
    let p = principal(p, &headers)?;
    check_ids(&[&id])?;
    m.delete_object(&p, &enclave_dfw::model::service_path(&id))
        .await?;
    Ok(().into_response())
}

// --- topology (read-only: NCP realizes it from Kubernetes) ---

/// GET of any topology object or collection: `/infra/tier-0s`, `/infra/tier-1s/{id}`,
/// `/infra/segments/{id}/ports`, `/infra/tier-1s/{id}/nat/USER/nat-rules`,
/// `/infra/lb-services`, `/infra/lb-virtual-servers`, `/infra/lb-pools`, ...
async fn get_topology(
    State(m): State<Manager>,
    Path(rest): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, NsxError> {
    let path = format!("/infra/{}", rest.trim_end_matches('/'));
    let topology = m.topology();
    let t = &*topology;
    macro_rules! lookup {
        ($($map:ident),*) => {{
            $(
                if let Some(object) = t.$map.get(path.as_str()) {
                    return Ok(Json(serde_json::to_value(object).unwrap_or_default()).into_response());
                }
            )*
            let mut items: Vec<Value> = Vec::new();
            $(
                for (key, object) in &t.$map {
                    if key.rsplit_once('/').is_some_and(|(parent, _)| parent == path) {
                        items.push(serde_json::to_value(object).unwrap_or_default());
                    }
                }
            )*
            items
        }};
    }
    let items = lookup!(
        tier0s,
        tier1s,
        segments,
        segment_ports,
        nat_rules,
        lb_services,
        lb_virtual_servers,
        lb_pools
    );
    const COLLECTIONS: [&str; 6] = [
        "tier-0s",
        "tier-1s",
        "segments",
        "lb-services",
        "lb-virtual-servers",
        "lb-pools",
    ];
    let is_collection = COLLECTIONS.iter().any(|c| rest == *c)
        || path.ends_with("/ports")
        || path.ends_with("/nat-rules");
    if items.is_empty() && !is_collection {
        return Err(NsxError::NotFound(path));
    }
    envelope(items, &q)
}
