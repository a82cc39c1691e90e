//! The Service REST storage of kube-apiserver: cluster IPs and node ports are allocated when a
//! Service is written (not by a controller), kept across updates, released on delete; and the
//! `kubernetes` Service with its Endpoints and EndpointSlice, which point at this server.
//!
//! The allocations live in memory and are rebuilt from the Services in the store on first use,
//! so a restart over the same store knows every value in use. A write that fails releases what
//! it took ([`Reservation`] does it on drop unless committed).

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex, MutexGuard};

use enclave_api::go_fmt::go_string_slice;
use enclave_api::validation::names::parse_ip_sloppy;
use enclave_api::{ApiError, FieldError, ResourceInfo, registry};
use enclave_store::RangeRequest;
use serde_json::{Map, Value, json};

use crate::ApiServer;
use crate::admission::FieldValidation;
use crate::allocator::{Allocations, Held, Ipv4Cidr, NodePortRange, Refusal};
use crate::handlers::{self, Ctx};
use crate::meta::{self, Update};

/// The allocators of one API server: created empty, filled from the store on first use.
pub(crate) struct ServiceAllocators {
    cidr: Ipv4Cidr,
    ports: NodePortRange,
    state: tokio::sync::OnceCell<Arc<Mutex<Allocations>>>,
}

impl ServiceAllocators {
    pub(crate) fn new(cidr: Ipv4Cidr, ports: NodePortRange) -> Self {
        Self {
            cidr,
            ports,
            state: tokio::sync::OnceCell::new(),
        }
    }
}

fn is_service(resource: &ResourceInfo) -> bool {
    resource.group.is_empty() && resource.plural == "services"
}

fn services() -> Result<&'static ResourceInfo, ApiError> {
    registry::find("", "v1", "services")
        .ok_or_else(|| ApiError::Internal("services are not registered".into()))
}

fn lock(state: &Mutex<Allocations>) -> MutexGuard<'_, Allocations> {
    // A panic elsewhere cannot leave the sets half-updated (every change is one insert or
    // remove), so a poisoned lock is still consistent.
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The allocations, rebuilt from the stored Services the first time they are needed.
async fn allocations(server: &ApiServer) -> Result<Arc<Mutex<Allocations>>, ApiError> {
    let alloc = &server.services;
    alloc
        .state
        .get_or_try_init(|| async {
            let mut state = Allocations::new(alloc.cidr, alloc.ports);
            let resource = services()?;
            let page = server
                .store
                .range(RangeRequest {
                    prefix: resource.key_prefix(),
                    ..RangeRequest::default()
                })
                .await
                .map_err(|e| handlers::store_error(resource, "", e))?;
            for kv in &page.kvs {
                let svc = meta::decode(kv)?;
                let owner = owner_of(&svc);
                for value in held_values(&svc) {
                    if let Err(refusal) = state.take(value, &owner) {
                        tracing::warn!(service = %kv.key, ?value, ?refusal,
                            "Stored Service holds a value that cannot be allocated to it");
                    }
                }
            }
            tracing::debug!(
                services = page.kvs.len(),
                "Service allocations rebuilt from the store"
            );
            Ok(Arc::new(Mutex::new(state)))
        })
        .await
        .cloned()
}

/// The owner of a Service's values: its uid (unique across re-creations of one name).
fn owner_of(svc: &Value) -> String {
    match meta::meta_str(svc, "uid") {
        Some(uid) if !uid.is_empty() => uid.to_string(),
        _ => format!(
            "{}/{}",
            meta::meta_str(svc, "namespace").unwrap_or(""),
            meta::meta_str(svc, "name").unwrap_or("")
        ),
    }
}

// === the strategy: pure functions over Service objects ===

fn spec_str<'v>(svc: &'v Value, field: &str) -> &'v str {
    svc.pointer(&format!("/spec/{field}"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn service_type(svc: &Value) -> &str {
    match spec_str(svc, "type") {
        "" => "ClusterIP",
        t => t,
    }
}

/// Every type but ExternalName has a cluster IP (or `None`).
fn needs_cluster_ip(svc: &Value) -> bool {
    service_type(svc) != "ExternalName"
}

fn needs_node_port(svc: &Value) -> bool {
    matches!(service_type(svc), "NodePort" | "LoadBalancer")
}

/// NodePort Services, and LoadBalancers unless `allocateLoadBalancerNodePorts: false`.
fn should_allocate_node_ports(svc: &Value) -> bool {
    match service_type(svc) {
        "NodePort" => true,
        "LoadBalancer" => svc
            .pointer("/spec/allocateLoadBalancerNodePorts")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        _ => false,
    }
}

fn needs_health_check_node_port(svc: &Value) -> bool {
    service_type(svc) == "LoadBalancer" && spec_str(svc, "externalTrafficPolicy") == "Local"
}

fn cluster_ips(svc: &Value) -> Vec<String> {
    svc.pointer("/spec/clusterIPs")
        .and_then(Value::as_array)
        .map(|ips| {
            ips.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn spec_mut(svc: &mut Value) -> Option<&mut Map<String, Value>> {
    svc.get_mut("spec").and_then(Value::as_object_mut)
}

fn set_cluster_ips(svc: &mut Value, ips: &[String]) {
    if let Some(spec) = spec_mut(svc) {
        if ips.is_empty() {
            spec.remove("clusterIPs");
        } else {
            spec.insert("clusterIPs".into(), json!(ips));
        }
    }
}

fn node_port(port: &Value) -> i64 {
    port.get("nodePort").and_then(Value::as_i64).unwrap_or(0)
}

/// The values a Service holds: its cluster IPs, node ports and health-check node port.
pub(crate) fn held_values(svc: &Value) -> Vec<Held> {
    let mut values = Vec::new();
    if needs_cluster_ip(svc) {
        let mut ips = cluster_ips(svc);
        if ips.is_empty() && !spec_str(svc, "clusterIP").is_empty() {
            ips.push(spec_str(svc, "clusterIP").to_string());
        }
        for ip in ips {
            if let Some(IpAddr::V4(v4)) = parse_ip_sloppy(&ip) {
                values.push(Held::Ip(v4));
            }
        }
    }
    let ports = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for port in ports {
        if let Ok(p) = u16::try_from(node_port(port))
            && p != 0
        {
            values.push(Held::Port(p));
        }
    }
    if let Some(p) = svc
        .pointer("/spec/healthCheckNodePort")
        .and_then(Value::as_i64)
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p != 0)
    {
        values.push(Held::Port(p));
    }
    values.sort_by_key(|v| format!("{v:?}"));
    values.dedup();
    values
}

/// `NormalizeClusterIPs` on create: a client that sets only `clusterIP` gets `clusterIPs`.
fn normalize_on_create(svc: &mut Value) {
    let ip = spec_str(svc, "clusterIP").to_string();
    let ips = cluster_ips(svc);
    if !ip.is_empty() && ips.is_empty() {
        set_cluster_ips(svc, &[ip]);
    } else if ip.is_empty()
        && let Some(first) = ips.first().cloned()
        && let Some(spec) = spec_mut(svc)
    {
        // Clients that only know the plural field: keep the pair in step.
        spec.insert("clusterIP".into(), json!(first));
    }
}

/// `NormalizeClusterIPs` on update: keep `clusterIP` and `clusterIPs` in step.
fn normalize_on_update(new: &mut Value, old: &Value) {
    let (old_ip, new_ip) = (
        spec_str(old, "clusterIP").to_string(),
        spec_str(new, "clusterIP").to_string(),
    );
    let (old_ips, mut new_ips) = (cluster_ips(old), cluster_ips(new));
    // An old client that did not send clusterIPs.
    if !old_ips.is_empty() && new_ips.is_empty() && old_ip == new_ip {
        new_ips = old_ips.clone();
    }
    if old_ip != new_ip {
        if !old_ip.is_empty() && new_ip.is_empty() {
            // Clearing one clears both.
            new_ips.clear();
        } else if old_ip.is_empty() && !new_ip.is_empty() {
            if new_ips.is_empty() {
                new_ips = vec![new_ip.clone()];
            }
        } else if !new_ips.is_empty() && new_ips == old_ips {
            // The singular field changed, the plural did not: follow the singular.
            new_ips[0] = new_ip.clone();
        }
    }
    set_cluster_ips(new, &new_ips);
}

/// `patchAllocatedValues`: values a client left out of an update (a PUT of an edited
/// manifest) stay as allocated, as long as the type still needs them.
fn patch_allocated_values(new: &mut Value, old: &Value) {
    if needs_cluster_ip(old) && needs_cluster_ip(new) {
        let old_ip = spec_str(old, "clusterIP").to_string();
        let old_ips = cluster_ips(old);
        if spec_str(new, "clusterIP").is_empty()
            && !old_ip.is_empty()
            && let Some(spec) = spec_mut(new)
        {
            spec.insert("clusterIP".into(), json!(old_ip));
        }
        if cluster_ips(new).is_empty() && !old_ips.is_empty() {
            set_cluster_ips(new, &old_ips);
        }
    }
    if needs_node_port(old) && needs_node_port(new) {
        let ports_of = |svc: &Value| -> Vec<Value> {
            svc.pointer("/spec/ports")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let old_ports = ports_of(old);
        let used_now: HashSet<i64> = ports_of(new).iter().map(node_port).collect();
        let used_before: HashSet<i64> = old_ports.iter().map(node_port).collect();
        let used: HashSet<i64> = used_now.intersection(&used_before).copied().collect();
        let by_name: HashMap<&str, i64> = old_ports
            .iter()
            .map(|p| {
                (
                    p.get("name").and_then(Value::as_str).unwrap_or(""),
                    node_port(p),
                )
            })
            .collect();
        let by_name: HashMap<String, i64> = by_name
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        if let Some(ports) = new.pointer_mut("/spec/ports").and_then(Value::as_array_mut) {
            for port in ports.iter_mut().filter(|p| node_port(p) == 0) {
                let name = port.get("name").and_then(Value::as_str).unwrap_or("");
                if let Some(&before) = by_name.get(name)
                    && before != 0
                    && !used.contains(&before)
                    && let Some(p) = port.as_object_mut()
                {
                    p.insert("nodePort".into(), json!(before));
                }
            }
        }
    }
    if needs_health_check_node_port(old)
        && needs_health_check_node_port(new)
        && new
            .pointer("/spec/healthCheckNodePort")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            == 0
        && let Some(before) = old.pointer("/spec/healthCheckNodePort").cloned()
        && let Some(spec) = spec_mut(new)
    {
        spec.insert("healthCheckNodePort".into(), before);
    }
}

/// `dropTypeDependentFields`: a type change clears what the new type does not use, when the
/// client left it as it was (these values are released after the write).
fn drop_type_dependent_fields(new: &mut Value, old: &Value) {
    let same = |field: &str, new: &Value| old.pointer(field) == new.pointer(field);
    if needs_cluster_ip(old) && !needs_cluster_ip(new) {
        let same_ips = same("/spec/clusterIP", new) && cluster_ips(old) == cluster_ips(new);
        let same_families = same("/spec/ipFamilies", new);
        let same_policy = same("/spec/ipFamilyPolicy", new);
        if let Some(spec) = spec_mut(new) {
            if same_ips {
                spec.remove("clusterIP");
                spec.remove("clusterIPs");
            }
            if same_families {
                spec.remove("ipFamilies");
            }
            if same_policy {
                spec.remove("ipFamilyPolicy");
            }
        }
    }
    if needs_node_port(old) && !needs_node_port(new) {
        let node_ports = |svc: &Value| -> Vec<i64> {
            svc.pointer("/spec/ports")
                .and_then(Value::as_array)
                .map(|ports| ports.iter().map(node_port).collect())
                .unwrap_or_default()
        };
        if node_ports(old) == node_ports(new)
            && let Some(ports) = new.pointer_mut("/spec/ports").and_then(Value::as_array_mut)
        {
            for port in ports.iter_mut().filter_map(Value::as_object_mut) {
                port.remove("nodePort");
            }
        }
    }
    if needs_health_check_node_port(old)
        && !needs_health_check_node_port(new)
        && same("/spec/healthCheckNodePort", new)
        && let Some(spec) = spec_mut(new)
    {
        spec.remove("healthCheckNodePort");
    }
    let kind = service_type(new).to_string();
    let externally_accessible = matches!(kind.as_str(), "NodePort" | "LoadBalancer")
        || new
            .pointer("/spec/externalIPs")
            .and_then(Value::as_array)
            .is_some_and(|ips| !ips.is_empty());
    let same_etp = same("/spec/externalTrafficPolicy", new);
    let same_itp = same("/spec/internalTrafficPolicy", new);
    if let Some(spec) = spec_mut(new) {
        if kind != "LoadBalancer" {
            spec.remove("allocateLoadBalancerNodePorts");
            spec.remove("loadBalancerClass");
        }
        if !externally_accessible && same_etp {
            spec.remove("externalTrafficPolicy");
        }
        if kind == "ExternalName" && same_itp {
            spec.remove("internalTrafficPolicy");
        }
    }
    if kind != "LoadBalancer"
        && let Some(lb) = new.pointer_mut("/status/loadBalancer")
    {
        *lb = json!({});
    }
}

/// What the Service strategy does to a new object before validation (`PrepareForCreate`).
pub(crate) fn prepare_create(resource: &ResourceInfo, obj: &mut Value) {
    if is_service(resource) {
        normalize_on_create(obj);
    }
}

/// What the Service strategy does to an update before validation (`PrepareForUpdate`).
pub(crate) fn prepare_update(resource: &ResourceInfo, old: &Value, new: &mut Value) {
    if is_service(resource) {
        patch_allocated_values(new, old);
        normalize_on_update(new, old);
        drop_type_dependent_fields(new, old);
    }
}

// === allocation ===

/// Values taken for a write that is not stored yet: released on drop unless committed.
#[must_use = "a reservation releases its values when dropped"]
pub(crate) struct Reservation {
    state: Option<Arc<Mutex<Allocations>>>,
    owner: String,
    taken: Vec<Held>,
}

impl Reservation {
    pub(crate) fn none() -> Self {
        Self {
            state: None,
            owner: String::new(),
            taken: Vec::new(),
        }
    }

    /// The write is stored: the values stay taken.
    pub(crate) fn commit(mut self) {
        self.taken.clear();
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(state) = &self.state
            && !self.taken.is_empty()
        {
            let mut state = lock(state);
            for value in self.taken.drain(..) {
                state.release(value, &self.owner);
            }
        }
    }
}

/// Allocates what a Service being created (`old` is `None`) or updated lacks, writing the
/// values into `new`. A dry run checks and fills in the values but keeps nothing.
pub(crate) async fn allocate(
    server: &ApiServer,
    resource: &ResourceInfo,
    old: Option<&Value>,
    new: &mut Value,
    dry_run: bool,
) -> Result<Reservation, ApiError> {
    if !is_service(resource) {
        return Ok(Reservation::none());
    }
    let wanted = needs_cluster_ip(new) || needs_node_port(new);
    let explicit = !held_values(new).is_empty();
    if !wanted && !explicit {
        return Ok(Reservation::none());
    }
    let state = allocations(server).await?;
    let owner = owner_of(new);
    let already: HashSet<Held> = old
        .map(held_values)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let mut taken = Vec::new();
    let result = {
        let mut guard = lock(&state);
        let outcome = take_values(&mut guard, &owner, &already, new, &mut taken);
        if outcome.is_err() || dry_run {
            for value in taken.drain(..) {
                guard.release(value, &owner);
            }
        }
        outcome
    };
    result?;
    Ok(Reservation {
        state: Some(state),
        owner,
        taken,
    })
}

fn random() -> u64 {
    let bits = uuid::Uuid::new_v4().as_u128();
    (bits >> 64) as u64 ^ bits as u64
}

fn invalid(svc: &Value, cause: FieldError) -> ApiError {
    ApiError::Invalid {
        group: String::new(),
        kind: "Service".into(),
        name: meta::meta_str(svc, "name").unwrap_or("").to_string(),
        causes: vec![cause],
    }
}

fn shown_invalid(field: &str, shown: &str, detail: &str) -> FieldError {
    FieldError {
        reason: "FieldValueInvalid",
        field: field.into(),
        message: format!("Invalid value: {shown}: {detail}"),
    }
}

/// The allocators' messages for a refused port.
fn port_refusal(refusal: &Refusal, range: NodePortRange) -> String {
    match refusal {
        Refusal::Taken => "provided port is already allocated".into(),
        Refusal::OutOfRange => {
            format!("provided port is not in the valid range. The range of valid ports is {range}")
        }
        Refusal::Full => "range is full".into(),
    }
}

/// One request's takes: what it newly took is recorded, so that a failed write gives back
/// exactly that (values the stored object already holds are never taken again).
struct Taking<'a> {
    state: &'a mut Allocations,
    owner: &'a str,
    already: &'a HashSet<Held>,
    taken: &'a mut Vec<Held>,
}

impl Taking<'_> {
    fn take(&mut self, value: Held) -> Result<(), Refusal> {
        if self.already.contains(&value) || self.taken.contains(&value) {
            return Ok(());
        }
        self.state.take(value, self.owner)?;
        self.taken.push(value);
        Ok(())
    }

    fn next_ip(&mut self) -> Result<Ipv4Addr, Refusal> {
        let ip = self.state.take_next_ip(self.owner, random())?;
        self.taken.push(Held::Ip(ip));
        Ok(ip)
    }

    fn next_port(&mut self) -> Result<u16, Refusal> {
        let port = self.state.take_next_port(self.owner, random())?;
        self.taken.push(Held::Port(port));
        Ok(port)
    }
}

/// Takes every value `svc` needs and does not hold yet (`already`), recording each in `taken`.
fn take_values(
    state: &mut Allocations,
    owner: &str,
    already: &HashSet<Held>,
    svc: &mut Value,
    taken: &mut Vec<Held>,
) -> Result<(), ApiError> {
    let cidr = state.cidr();
    let range = state.ports_range();
    let mut t = Taking {
        state,
        owner,
        already,
        taken,
    };
    if needs_cluster_ip(svc) {
        let ips = cluster_ips(svc);
        if ips.is_empty() {
            let ip = t.next_ip().map_err(|_| {
                ApiError::Internal(
                    "Internal error occurred: failed to allocate a serviceIP: range is full".into(),
                )
            })?;
            if let Some(spec) = spec_mut(svc) {
                spec.insert("clusterIP".into(), json!(ip.to_string()));
                spec.insert("clusterIPs".into(), json!([ip.to_string()]));
            }
        } else if ips.first().is_none_or(|ip| ip != "None") {
            for ip in &ips {
                let refused = match parse_ip_sloppy(ip) {
                    Some(IpAddr::V4(v4)) => t.take(Held::Ip(v4)).err().map(|r| (r, v4.to_string())),
                    Some(other) => Some((Refusal::OutOfRange, other.to_string())),
                    // Validation already rejected what does not parse.
                    None => None,
                };
                if let Some((refusal, shown_ip)) = refused {
                    let why = match refusal {
                        Refusal::Taken => "provided IP is already allocated".to_string(),
                        _ => format!(
                            "the provided IP ({shown_ip}) is not in the valid range. The range of valid IPs is {}",
                            cidr
                        ),
                    };
                    return Err(invalid(
                        svc,
                        shown_invalid(
                            "spec.clusterIPs",
                            &go_string_slice(&ips),
                            &format!("failed to allocate IP {ip}: {why}"),
                        ),
                    ));
                }
            }
        }
    }
    let allocate_ports = should_allocate_node_ports(svc);
    let mut by_port: HashMap<i64, i64> = HashMap::new();
    let count = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    for i in 0..count {
        let pointer = format!("/spec/ports/{i}");
        let Some(port) = svc.pointer(&pointer) else {
            continue;
        };
        let requested = node_port(port);
        let number = port.get("port").and_then(Value::as_i64).unwrap_or(0);
        if requested == 0 && !allocate_ports {
            continue;
        }
        // Ports with the same number (TCP and UDP) share one node port.
        let assigned = match (by_port.get(&number).copied(), requested) {
            (Some(shared), 0) => shared,
            (Some(shared), r) if r == shared => shared,
            (_, 0) => {
                let p = t.next_port().map_err(|_| {
                    ApiError::Internal(
                        "Internal error occurred: failed to allocate a nodePort: range is full"
                            .into(),
                    )
                })?;
                i64::from(p)
            }
            (_, r) => {
                let refusal = match u16::try_from(r) {
                    Ok(p) => t.take(Held::Port(p)).err(),
                    Err(_) => Some(Refusal::OutOfRange),
                };
                if let Some(refusal) = refusal {
                    return Err(invalid(
                        svc,
                        shown_invalid(
                            &format!("spec.ports[{i}].nodePort"),
                            &r.to_string(),
                            &port_refusal(&refusal, range),
                        ),
                    ));
                }
                r
            }
        };
        by_port.entry(number).or_insert(assigned);
        if let Some(p) = svc.pointer_mut(&pointer).and_then(Value::as_object_mut) {
            p.insert("nodePort".into(), json!(assigned));
        }
    }
    if needs_health_check_node_port(svc) {
        let requested = svc
            .pointer("/spec/healthCheckNodePort")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if requested == 0 {
            let p = t.next_port().map_err(|_| {
                ApiError::Internal(
                    "Internal error occurred: failed to allocate a HealthCheck NodePort: range is full"
                        .into(),
                )
            })?;
            if let Some(spec) = spec_mut(svc) {
                spec.insert("healthCheckNodePort".into(), json!(p));
            }
        } else {
            let refusal = match u16::try_from(requested) {
                Ok(p) => t.take(Held::Port(p)).err(),
                Err(_) => Some(Refusal::OutOfRange),
            };
            if let Some(refusal) = refusal {
                return Err(invalid(
                    svc,
                    shown_invalid(
                        "spec.healthCheckNodePort",
                        &requested.to_string(),
                        &format!(
                            "failed to allocate requested HealthCheck NodePort {requested}: {}",
                            port_refusal(&refusal, range)
                        ),
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// After an update is stored: frees what the old object held and the new one does not.
pub(crate) async fn release_unused(
    server: &ApiServer,
    resource: &ResourceInfo,
    old: &Value,
    new: &Value,
) -> Result<(), ApiError> {
    if !is_service(resource) {
        return Ok(());
    }
    let kept: HashSet<Held> = held_values(new).into_iter().collect();
    let gone: Vec<Held> = held_values(old)
        .into_iter()
        .filter(|v| !kept.contains(v))
        .collect();
    release(server, old, gone).await
}

/// After a Service is removed from the store: frees everything it held.
pub(crate) async fn release_deleted(
    server: &ApiServer,
    resource: &ResourceInfo,
    obj: &Value,
) -> Result<(), ApiError> {
    if !is_service(resource) {
        return Ok(());
    }
    release(server, obj, held_values(obj)).await
}

async fn release(server: &ApiServer, svc: &Value, values: Vec<Held>) -> Result<(), ApiError> {
    if values.is_empty() {
        return Ok(());
    }
    // Waiting for the rebuild (rather than skipping) keeps a release that races with it
    // from leaving the value taken.
    let state = allocations(server).await?;
    let owner = owner_of(svc);
    let mut guard = lock(&state);
    for value in values {
        guard.release(value, &owner);
    }
    Ok(())
}

// === the kubernetes Service ===

/// The address and port the `kubernetes` Service's endpoints point at, from `server_address`.
fn endpoint_address(server_address: &str) -> Option<(IpAddr, u16)> {
    if let Ok(addr) = server_address.parse::<std::net::SocketAddr>() {
        return Some((addr.ip(), addr.port()));
    }
    let (host, port) = server_address.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host {
        "localhost" => Some((IpAddr::V4(Ipv4Addr::LOCALHOST), port)),
        other => parse_ip_sloppy(other).map(|ip| (ip, port)),
    }
}

/// The port the server listens on, 6443 when `server_address` does not say.
fn server_port(server_address: &str) -> u16 {
    server_address
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or(6443)
}

/// The `kubernetes` Service as the control plane writes it.
fn kubernetes_service(cluster_ip: Ipv4Addr, target_port: u16) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": cluster_ip.to_string(),
            "clusterIPs": [cluster_ip.to_string()],
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": target_port}],
            "sessionAffinity": "None",
        },
    })
}

fn kubernetes_endpoints(ip: IpAddr, port: u16) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
        },
        "subsets": [{
            "addresses": [{"ip": ip.to_string()}],
            "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
        }],
    })
}

fn kubernetes_endpoint_slice(ip: IpAddr, port: u16) -> Value {
    let family = if ip.is_ipv4() { "IPv4" } else { "IPv6" };
    json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"kubernetes.io/service-name": "kubernetes"},
        },
        "addressType": family,
        "endpoints": [{"addresses": [ip.to_string()], "conditions": {"ready": true}}],
        "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
    })
}

/// Creates `desired`, or brings the members `owned` of the stored object in line with it.
async fn create_or_reconcile(
    server: &Arc<ApiServer>,
    resource: &'static ResourceInfo,
    desired: Value,
    owned: &[&str],
) -> Result<(), ApiError> {
    let name = meta::meta_str(&desired, "name").unwrap_or("").to_string();
    let ctx = Ctx::internal(server, resource, Some("default"), &name);
    // Read first: creating an existing Service would first fail on its own cluster IP.
    match handlers::read(&ctx).await {
        Ok(_) => {}
        Err(ApiError::NotFound { .. }) => {
            let create = Ctx::internal(server, resource, Some("default"), "");
            match handlers::create_object(&create, desired.clone(), FieldValidation::Ignore, false)
                .await
            {
                Ok(_) => return Ok(()),
                Err(ApiError::AlreadyExists { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Err(e) => return Err(e),
    }
    handlers::guaranteed_update(&ctx, None, false, Update::Main, |old| {
        let mut new = old.clone();
        for member in owned {
            let want = desired.pointer(member).cloned();
            let slot = member.trim_start_matches('/');
            let (parent, leaf) = match slot.rsplit_once('/') {
                Some((parent, leaf)) => (format!("/{parent}"), leaf),
                None => (String::new(), slot),
            };
            let target = if parent.is_empty() {
                Some(&mut new)
            } else {
                new.pointer_mut(&parent)
            };
            if let (Some(target), Some(want)) = (target.and_then(Value::as_object_mut), want) {
                target.insert(leaf.to_string(), want);
            }
        }
        Ok(new)
    })
    .await?;
    Ok(())
}

/// Creates (or repairs after a restart) the `kubernetes` Service in `default`, with its
/// Endpoints and EndpointSlice pointing at this server, as kube-apiserver's control plane does.
pub(crate) async fn bootstrap_kubernetes_service(server: &Arc<ApiServer>) -> Result<(), ApiError> {
    let address = &server.config.server_address;
    let service = kubernetes_service(
        server.config.service_cidr.first_host(),
        server_port(address),
    );
    create_or_reconcile(server, services()?, service, &["/spec/ports"]).await?;
    let Some((ip, port)) = endpoint_address(address) else {
        tracing::warn!(%address, "The server address has no IP; the kubernetes Service gets no endpoints");
        return Ok(());
    };
    let endpoints = registry::find("", "v1", "endpoints")
        .ok_or_else(|| ApiError::Internal("endpoints are not registered".into()))?;
    create_or_reconcile(
        server,
        endpoints,
        kubernetes_endpoints(ip, port),
        &["/subsets"],
    )
    .await?;
    let slices = registry::find("discovery.k8s.io", "v1", "endpointslices")
        .ok_or_else(|| ApiError::Internal("endpointslices are not registered".into()))?;
    create_or_reconcile(
        server,
        slices,
        kubernetes_endpoint_slice(ip, port),
        &["/addressType", "/endpoints", "/ports"],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(spec: Value) -> Value {
        json!({"apiVersion":"v1","kind":"Service","metadata":{"name":"web","uid":"u1"},"spec":spec})
    }

    #[test]
    fn held_values_lists_ips_and_ports() {
        let s = svc(
            json!({"type":"LoadBalancer","clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],
            "externalTrafficPolicy":"Local","healthCheckNodePort":31000,
            "ports":[{"port":80,"nodePort":30080},{"port":443,"nodePort":30443}]}),
        );
        let held = held_values(&s);
        assert!(held.contains(&Held::Ip(Ipv4Addr::new(10, 96, 0, 10))));
        assert!(held.contains(&Held::Port(30080)));
        assert!(held.contains(&Held::Port(30443)));
        assert!(held.contains(&Held::Port(31000)));
        assert_eq!(held.len(), 4);
        let headless = svc(json!({"clusterIP":"None","clusterIPs":["None"]}));
        assert!(held_values(&headless).is_empty());
        let external = svc(json!({"type":"ExternalName","externalName":"x.example"}));
        assert!(held_values(&external).is_empty());
    }

    #[test]
    fn update_without_allocated_values_keeps_them() {
        let old = svc(
            json!({"type":"NodePort","clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],
            "ports":[{"name":"http","port":80,"nodePort":30080}]}),
        );
        let mut new = svc(json!({"type":"NodePort","ports":[{"name":"http","port":80}]}));
        prepare_update(services().unwrap(), &old, &mut new);
        assert_eq!(new["spec"]["clusterIP"], "10.96.0.10");
        assert_eq!(new["spec"]["clusterIPs"], json!(["10.96.0.10"]));
        assert_eq!(new["spec"]["ports"][0]["nodePort"], 30080);
    }

    #[test]
    fn type_change_drops_unchanged_dependent_fields() {
        let old = svc(
            json!({"type":"LoadBalancer","clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],
            "allocateLoadBalancerNodePorts":true,"externalTrafficPolicy":"Cluster",
            "ports":[{"port":80,"nodePort":30080}]}),
        );
        let mut to_cluster_ip = old.clone();
        to_cluster_ip["spec"]["type"] = json!("ClusterIP");
        prepare_update(services().unwrap(), &old, &mut to_cluster_ip);
        assert!(to_cluster_ip["spec"]["ports"][0].get("nodePort").is_none());
        assert!(
            to_cluster_ip["spec"]
                .get("allocateLoadBalancerNodePorts")
                .is_none()
        );
        assert!(to_cluster_ip["spec"].get("externalTrafficPolicy").is_none());
        assert_eq!(to_cluster_ip["spec"]["clusterIP"], "10.96.0.10");
        let mut to_external = old.clone();
        to_external["spec"]["type"] = json!("ExternalName");
        to_external["spec"]["externalName"] = json!("db.example");
        prepare_update(services().unwrap(), &old, &mut to_external);
        assert!(to_external["spec"].get("clusterIP").is_none());
        assert!(to_external["spec"].get("clusterIPs").is_none());
    }

    #[test]
    fn singular_cluster_ip_fills_the_plural() {
        let mut s = svc(json!({"clusterIP":"10.96.0.9"}));
        prepare_create(services().unwrap(), &mut s);
        assert_eq!(s["spec"]["clusterIPs"], json!(["10.96.0.9"]));
        let old = svc(json!({"clusterIP":"10.96.0.9","clusterIPs":["10.96.0.9"]}));
        let mut changed = old.clone();
        changed["spec"]["clusterIP"] = json!("10.96.0.7");
        prepare_update(services().unwrap(), &old, &mut changed);
        assert_eq!(changed["spec"]["clusterIPs"], json!(["10.96.0.7"]));
    }

    #[test]
    fn endpoint_address_from_server_address() {
        assert_eq!(
            endpoint_address("127.0.0.1:6443"),
            Some((IpAddr::V4(Ipv4Addr::LOCALHOST), 6443))
        );
        assert_eq!(
            endpoint_address("localhost:7443"),
            Some((IpAddr::V4(Ipv4Addr::LOCALHOST), 7443))
        );
        assert_eq!(endpoint_address("example.com:6443"), None);
        assert_eq!(server_port("example.com:7000"), 7000);
    }
}
