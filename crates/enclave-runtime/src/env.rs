//! A container's environment as kubelet builds it: `envFrom` first, then `env` in order, each
//! value either literal (with `$(VAR)` expansion against what came before) or taken from the
//! pod (`fieldRef`), its resources (`resourceFieldRef`), a ConfigMap or a Secret. The API
//! reads happen in the caller; this module only decides.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::api::core::v1::{Container, Pod};

/// The ConfigMaps and Secrets a container's environment refers to, as read from the API
/// (`None` = not found).
#[derive(Debug, Clone, Default)]
pub(crate) struct EnvSources {
    pub(crate) config_maps: HashMap<String, Option<BTreeMap<String, String>>>,
    pub(crate) secrets: HashMap<String, Option<BTreeMap<String, String>>>,
}

/// What the pod itself provides to `fieldRef` and `resourceFieldRef`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PodFacts<'a> {
    pub(crate) pod: &'a Pod,
    pub(crate) pod_ip: &'a str,
    pub(crate) host_ip: &'a str,
    /// The node's allocatable CPU and memory, the default of unset limits.
    pub(crate) node_cpu: &'a str,
    pub(crate) node_memory: &'a str,
}

/// The names of the ConfigMaps and Secrets a container's environment reads.
pub(crate) fn referenced_sources(container: &Container) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut config_maps = BTreeSet::new();
    let mut secrets = BTreeSet::new();
    for from in container.env_from.iter().flatten() {
        if let Some(r) = &from.config_map_ref {
            config_maps.insert(r.name.clone());
        }
        if let Some(r) = &from.secret_ref {
            secrets.insert(r.name.clone());
        }
    }
    for var in container.env.iter().flatten() {
        if let Some(from) = &var.value_from {
            if let Some(r) = &from.config_map_key_ref {
                config_maps.insert(r.name.clone());
            }
            if let Some(r) = &from.secret_key_ref {
                secrets.insert(r.name.clone());
            }
        }
    }
    (config_maps, secrets)
}

/// An ordered environment where a later definition replaces the value of an earlier one.
#[derive(Debug, Default)]
struct Environment {
    vars: Vec<(String, String)>,
    index: HashMap<String, usize>,
}

impl Environment {
    fn set(&mut self, name: &str, value: String) {
        match self.index.get(name) {
            Some(&i) => {
                if let Some(slot) = self.vars.get_mut(i) {
                    slot.1 = value;
                }
            }
            None => {
                self.index.insert(name.to_string(), self.vars.len());
                self.vars.push((name.to_string(), value));
            }
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.index
            .get(name)
            .and_then(|&i| self.vars.get(i))
            .map(|(_, v)| v.as_str())
    }
}

/// Whether `name` is a valid environment variable name (kubelet skips others from `envFrom`).
fn is_env_var_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

/// Resolves the container's environment, or gives kubelet's error (which becomes the
/// `CreateContainerConfigError` message).
pub(crate) fn resolve_env(
    facts: PodFacts<'_>,
    container: &Container,
    sources: &EnvSources,
) -> Result<Vec<(String, String)>, String> {
    let namespace = facts.pod.metadata.namespace.as_deref().unwrap_or_default();
    let mut env = Environment::default();
    for from in container.env_from.iter().flatten() {
        let prefix = from.prefix.as_deref().unwrap_or_default();
        if let Some(r) = &from.config_map_ref {
            match sources.config_maps.get(&r.name).cloned().flatten() {
                Some(data) => {
                    for (key, value) in data {
                        let name = format!("{prefix}{key}");
                        if is_env_var_name(&name) {
                            env.set(&name, value);
                        }
                    }
                }
                None if r.optional == Some(true) => {}
                None => return Err(format!("configmap {:?} not found", r.name)),
            }
        }
        if let Some(r) = &from.secret_ref {
            match sources.secrets.get(&r.name).cloned().flatten() {
                Some(data) => {
                    for (key, value) in data {
                        let name = format!("{prefix}{key}");
                        if is_env_var_name(&name) {
                            env.set(&name, value);
                        }
                    }
                }
                None if r.optional == Some(true) => {}
                None => return Err(format!("secret {:?} not found", r.name)),
            }
        }
    }
    for var in container.env.iter().flatten() {
        if let Some(value) = &var.value {
            let expanded = expand(value, |name| env.get(name).map(str::to_string));
            env.set(&var.name, expanded);
            continue;
        }
        let Some(from) = &var.value_from else {
            env.set(&var.name, String::new());
            continue;
        };
        if let Some(field) = &from.field_ref {
            env.set(&var.name, field_value(facts, &field.field_path));
        } else if let Some(resource) = &from.resource_field_ref {
            env.set(
                &var.name,
                resource_value(
                    facts,
                    container,
                    resource.container_name.as_deref(),
                    &resource.resource,
                    resource.divisor.as_ref().map(|d| d.0.as_str()),
                ),
            );
        } else if let Some(key_ref) = &from.config_map_key_ref {
            match sources.config_maps.get(&key_ref.name).cloned().flatten() {
                Some(data) => match data.get(&key_ref.key) {
                    Some(value) => env.set(&var.name, value.clone()),
                    None if key_ref.optional == Some(true) => {}
                    None => {
                        return Err(format!(
                            "couldn't find key {} in ConfigMap {namespace}/{}",
                            key_ref.key, key_ref.name
                        ));
                    }
                },
                None if key_ref.optional == Some(true) => {}
                None => return Err(format!("configmap {:?} not found", key_ref.name)),
            }
        } else if let Some(key_ref) = &from.secret_key_ref {
            match sources.secrets.get(&key_ref.name).cloned().flatten() {
                Some(data) => match data.get(&key_ref.key) {
                    Some(value) => env.set(&var.name, value.clone()),
                    None if key_ref.optional == Some(true) => {}
                    None => {
                        return Err(format!(
                            "couldn't find key {} in Secret {namespace}/{}",
                            key_ref.key, key_ref.name
                        ));
                    }
                },
                None if key_ref.optional == Some(true) => {}
                None => return Err(format!("secret {:?} not found", key_ref.name)),
            }
        }
    }
    Ok(env.vars)
}

/// Expands `command` or `args` with the container's resolved environment.
pub(crate) fn expand_all(items: &[String], env: &[(String, String)]) -> Vec<String> {
    let lookup: HashMap<&str, &str> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    items
        .iter()
        .map(|item| expand(item, |name| lookup.get(name).map(|v| v.to_string())))
        .collect()
}

/// Kubernetes `$(VAR)` expansion: `$(NAME)` becomes the variable's value when it is defined
/// and stays as written otherwise; `$$` is an escaped `$`.
pub(crate) fn expand(input: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('(') {
            match tail.find(')') {
                Some(close) => {
                    let name = &tail[..close];
                    match lookup(name) {
                        Some(value) => out.push_str(&value),
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = &tail[close + 1..];
                }
                None => {
                    out.push_str("$(");
                    rest = tail;
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The value of a downward API field path.
fn field_value(facts: PodFacts<'_>, path: &str) -> String {
    let meta = &facts.pod.metadata;
    let spec = facts.pod.spec.as_ref();
    let map_key = |prefix: &str| -> Option<String> {
        let inner = path
            .strip_prefix(prefix)?
            .strip_prefix("['")?
            .strip_suffix("']")?;
        Some(inner.to_string())
    };
    match path {
        "metadata.name" => meta.name.clone().unwrap_or_default(),
        "metadata.namespace" => meta.namespace.clone().unwrap_or_default(),
        "metadata.uid" => meta.uid.clone().unwrap_or_default(),
        "spec.nodeName" => spec.and_then(|s| s.node_name.clone()).unwrap_or_default(),
        "spec.serviceAccountName" => spec
            .and_then(|s| s.service_account_name.clone())
            .unwrap_or_else(|| "default".into()),
        "status.podIP" | "status.podIPs" => facts.pod_ip.to_string(),
        "status.hostIP" | "status.hostIPs" => facts.host_ip.to_string(),
        _ => {
            if let Some(key) = map_key("metadata.labels") {
                meta.labels
                    .as_ref()
                    .and_then(|l| l.get(&key).cloned())
                    .unwrap_or_default()
            } else if let Some(key) = map_key("metadata.annotations") {
                meta.annotations
                    .as_ref()
                    .and_then(|a| a.get(&key).cloned())
                    .unwrap_or_default()
            } else {
                String::new()
            }
        }
    }
}

/// A Kubernetes quantity as a number (cores, bytes), or `None` when malformed.
pub(crate) fn parse_quantity(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        other => {
            let exponent: i32 = other.strip_prefix(['e', 'E'])?.parse().ok()?;
            10f64.powi(exponent)
        }
    };
    Some(number * factor)
}

/// The value of a `resourceFieldRef`: the container's limit or request divided by the
/// divisor, rounded up; an unset limit is the node's allocatable.
fn resource_value(
    facts: PodFacts<'_>,
    container: &Container,
    container_name: Option<&str>,
    resource: &str,
    divisor: Option<&str>,
) -> String {
    let target = container_name
        .filter(|name| !name.is_empty())
        .and_then(|name| {
            facts.pod.spec.as_ref().and_then(|spec| {
                spec.containers
                    .iter()
                    .chain(spec.init_containers.iter().flatten())
                    .find(|c| c.name == name)
            })
        })
        .unwrap_or(container);
    let (kind, name) = resource.split_once('.').unwrap_or(("limits", resource));
    let resources = target.resources.as_ref();
    let set = match kind {
        "requests" => resources.and_then(|r| r.requests.as_ref()),
        _ => resources.and_then(|r| r.limits.as_ref()),
    }
    .and_then(|m| m.get(name))
    .map(|q| q.0.clone());
    let value = match (set, kind, name) {
        (Some(q), _, _) => parse_quantity(&q).unwrap_or(0.0),
        (None, "limits", "cpu") => parse_quantity(facts.node_cpu).unwrap_or(0.0),
        (None, "limits", "memory") => parse_quantity(facts.node_memory).unwrap_or(0.0),
        _ => 0.0,
    };
    let divisor = divisor
        .and_then(parse_quantity)
        .filter(|d| *d > 0.0)
        .unwrap_or(1.0);
    format!("{}", (value / divisor).ceil() as i64)
}
