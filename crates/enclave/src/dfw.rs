//! `enclave dfw`: the distributed firewall from the command line, over the NSX Policy API of
//! a running `enclave up` — list the rules in evaluation order, show one by its rule ID (as
//! the seed story searches for 1005), apply policies, groups and services from a file, delete.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use enclave_dfw::{FirewallConfig, Group, Rule, Ruleset, SecurityPolicy, Service, model::is_any};
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{ApiClient, kubeconfig_path};

const API: &str = "/policy/api/v1";

/// Options of `enclave dfw`.
#[derive(Debug, Args)]
pub struct DfwArgs {
    /// The kubeconfig that reaches Enclave (default: `$KUBECONFIG`, else the data dir's
    /// admin.kubeconfig).
    #[arg(long, global = true)]
    kubeconfig: Option<PathBuf>,
    /// The NSX domain of policies and groups (`list` and `show`: every domain when not
    /// given; `apply` and `delete`: `default`).
    #[arg(long, global = true)]
    domain: Option<String>,
    #[command(subcommand)]
    command: DfwCommand,
}

/// Output formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
enum DfwCommand {
    /// List every rule in evaluation order: category, policy, rule ID, name, sources,
    /// destinations, services, action, direction, applied-to, hits.
    List {
        /// Only this category (Ethernet, Emergency, Infrastructure, Environment, Application).
        #[arg(long)]
        category: Option<String>,
        /// Only policies whose id or display name contains this text.
        #[arg(long)]
        policy: Option<String>,
        /// Output format.
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Show one rule, found by its numeric rule ID.
    Show {
        /// The rule ID (for example 1005).
        rule_id: u32,
        /// Output format.
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Create or update the security policies, groups and services in a JSON or YAML file
    /// (one object, a list, or several YAML documents; each with `resource_type` and `id`).
    Apply {
        /// The file (`-` for stdin).
        #[arg(short = 'f', long = "filename")]
        file: PathBuf,
    },
    /// Delete a security policy (or, with --group or --service, a group or a service).
    Delete {
        /// The object's id.
        id: String,
        /// The id names a group.
        #[arg(long, conflicts_with = "service")]
        group: bool,
        /// The id names a service.
        #[arg(long)]
        service: bool,
    },
}

/// Runs `enclave dfw ...`.
pub async fn run(args: DfwArgs) -> Result<()> {
    let client = ApiClient::from_kubeconfig(&kubeconfig_path(args.kubeconfig)?)?;
    let domain = args.domain;
    let write_domain = domain.clone().unwrap_or_else(|| "default".to_string());
    match args.command {
        DfwCommand::List {
            category,
            policy,
            output,
        } => {
            let config = fetch(&client, domain.as_deref()).await?;
            let mut rows: Vec<RuleRow> = ordered_rows(&config)
                .into_iter()
                .filter(|r| {
                    category
                        .as_deref()
                        .is_none_or(|c| r.category.eq_ignore_ascii_case(c))
                })
                .filter(|r| {
                    policy.as_deref().is_none_or(|p| {
                        r.policy.to_lowercase().contains(&p.to_lowercase())
                            || r.policy_path.to_lowercase().contains(&p.to_lowercase())
                    })
                })
                .collect();
            fetch_counters(&client, &mut rows).await;
            match output {
                Format::Json => println!("{}", serde_json::to_string_pretty(&rows_json(&rows))?),
                Format::Table => print!("{}", table(&rows)),
            }
        }
        DfwCommand::Show { rule_id, output } => {
            let config = fetch(&client, domain.as_deref()).await?;
            let row = ordered_rows(&config)
                .into_iter()
                .find(|r| r.rule_id == rule_id)
                .ok_or_else(|| anyhow!("no rule has the ID {rule_id}"))?;
            let mut rows = [row];
            fetch_counters(&client, &mut rows).await;
            let [mut row] = rows;
            row.members = applied_members(&client, &row.scope).await?;
            match output {
                Format::Json => {
                    println!("{}", serde_json::to_string_pretty(&rows_json(&[row]))?)
                }
                Format::Table => print!("{}", details(&row)),
            }
        }
        DfwCommand::Apply { file } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            for object in parse_objects(&text)? {
                let (kind, path) = object_path(&object, &write_domain)?;
                client
                    .call(Method::PATCH, &format!("{API}{path}"), Some(&object))
                    .await
                    .with_context(|| format!("applying {path}"))?;
                println!(
                    "{kind}/{} configured",
                    path.rsplit('/').next().unwrap_or("")
                );
            }
        }
        DfwCommand::Delete { id, group, service } => {
            let (kind, path) = if group {
                ("group", enclave_dfw::model::group_path(&write_domain, &id))
            } else if service {
                ("service", enclave_dfw::model::service_path(&id))
            } else {
                (
                    "securitypolicy",
                    enclave_dfw::model::policy_path(&write_domain, &id),
                )
            };
            client
                .call(Method::GET, &format!("{API}{path}"), None)
                .await
                .with_context(|| format!("{kind} {id:?}"))?;
            client
                .call(Method::DELETE, &format!("{API}{path}"), None)
                .await?;
            println!("{kind}/{id} deleted");
        }
    }
    Ok(())
}

/// Reads the whole firewall of a domain (or of every domain): policies and groups, and the
/// services.
async fn fetch(client: &ApiClient, domain: Option<&str>) -> Result<FirewallConfig> {
    let domains: Vec<String> = match domain {
        Some(d) => vec![d.to_string()],
        None => client
            .list(&format!("{API}/infra/domains"))
            .await?
            .iter()
            .filter_map(|d| d.get("id").and_then(Value::as_str).map(str::to_string))
            .collect(),
    };
    let mut policies = Vec::new();
    let mut groups = Vec::new();
    for domain in &domains {
        policies.extend(
            client
                .list(&format!("{API}/infra/domains/{domain}/security-policies"))
                .await?,
        );
        groups.extend(
            client
                .list(&format!("{API}/infra/domains/{domain}/groups"))
                .await?,
        );
    }
    let services = client.list(&format!("{API}/infra/services")).await?;
    let decode = |what: &str, v: Value| -> Result<Value> {
        if v.is_object() {
            Ok(v)
        } else {
            bail!("the server sent a malformed {what}")
        }
    };
    let mut config = FirewallConfig {
        policies: policies
            .into_iter()
            .map(|v| {
                Ok(serde_json::from_value::<SecurityPolicy>(decode(
                    "policy", v,
                )?)?)
            })
            .collect::<Result<_>>()?,
        groups: groups
            .into_iter()
            .map(|v| Ok(serde_json::from_value::<Group>(decode("group", v)?)?))
            .collect::<Result<_>>()?,
        services: services
            .into_iter()
            .map(|v| Ok(serde_json::from_value::<Service>(decode("service", v)?)?))
            .collect::<Result<_>>()?,
    };
    config.normalize();
    Ok(config)
}

/// One rule as the CLI shows it.
#[derive(Debug, Clone)]
struct RuleRow {
    category: String,
    policy: String,
    policy_path: String,
    rule_id: u32,
    name: String,
    path: String,
    sources: String,
    destinations: String,
    services: String,
    action: String,
    direction: String,
    applied_to: String,
    /// The applied-to paths as the rule (or its policy) lists them.
    scope: Vec<String>,
    /// The ports the rule applies to, by workload name, when they were read (`dfw show`);
    /// `None` for ANY or when not read.
    members: Option<Vec<String>>,
    sequence: i64,
    logged: bool,
    disabled: bool,
    /// The rule's statistics (hits, packets, bytes, sessions), from the Policy API.
    counters: Counters,
}

/// A rule's hit statistics.
#[derive(Debug, Clone, Copy, Default)]
struct Counters {
    hits: u64,
    packets: u64,
    bytes: u64,
    sessions: u64,
}

/// The rules in the order the firewall evaluates them (the same order function).
fn ordered_rows(config: &FirewallConfig) -> Vec<RuleRow> {
    let ruleset = Ruleset::new(config);
    (0..ruleset.rules.len())
        .filter_map(|i| {
            let entry = &ruleset.rules[i];
            let policy = config.policies.get(entry.policy)?;
            let rule = ruleset.rule(config, i)?;
            Some(row(policy, &rule))
        })
        .collect()
}

fn row(policy: &SecurityPolicy, rule: &Rule) -> RuleRow {
    let scope = if is_any(&policy.scope) {
        &rule.scope
    } else {
        &policy.scope
    };
    let mut services = names(&rule.services);
    if !rule.service_entries.is_empty() {
        let entries: Vec<String> = rule
            .service_entries
            .iter()
            .map(|e| serde_json::to_value(e).map(entry_text).unwrap_or_default())
            .collect();
        services = if is_any(&rule.services) {
            entries.join(", ")
        } else {
            format!("{services}, {}", entries.join(", "))
        };
    }
    RuleRow {
        category: policy
            .category
            .map(|c| c.as_str().to_string())
            .unwrap_or_else(|| "-".into()),
        policy: policy.name().to_string(),
        policy_path: policy.meta.path.clone(),
        rule_id: rule.rule_id.unwrap_or(0),
        name: rule.name().to_string(),
        path: rule.meta.path.clone(),
        sources: negated(names(&rule.source_groups), rule.sources_excluded),
        destinations: negated(names(&rule.destination_groups), rule.destinations_excluded),
        services,
        action: rule.action.as_str().to_string(),
        direction: rule.direction.as_str().to_string(),
        applied_to: names(scope),
        scope: scope.clone(),
        members: None,
        sequence: rule.sequence_number,
        logged: rule.logged,
        disabled: rule.disabled,
        counters: Counters::default(),
    }
}

/// Fills in every row's statistics, reading each policy's statistics once (a few requests
/// in flight at a time).
async fn fetch_counters(client: &ApiClient, rows: &mut [RuleRow]) {
    use futures::StreamExt;
    let mut policies: Vec<String> = rows.iter().map(|r| r.policy_path.clone()).collect();
    policies.sort();
    policies.dedup();
    let fetched: Vec<Result<Value>> = futures::stream::iter(policies)
        .map(|path| async move {
            client
                .call(Method::GET, &format!("{API}{path}/statistics"), None)
                .await
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut by_rule = std::collections::HashMap::new();
    // A policy deleted since the rules were read has no statistics any more: skip it (the
    // connection itself worked a moment ago when the rules were read).
    for listed in fetched.into_iter().filter_map(Result::ok) {
        for entry in listed
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let s = &entry["statistics"];
            let count = |field: &str| s.get(field).and_then(Value::as_u64).unwrap_or(0);
            if let Some(rule) = s.get("rule").and_then(Value::as_str) {
                by_rule.insert(
                    rule.to_string(),
                    Counters {
                        hits: count("hit_count"),
                        packets: count("packet_count"),
                        bytes: count("byte_count"),
                        sessions: count("session_count"),
                    },
                );
            }
        }
    }
    for row in rows {
        row.counters = by_rule.get(&row.path).copied().unwrap_or_default();
    }
}

/// The workloads a rule applies to: the effective segment-port members of each applied-to
/// group (from the Policy API, as the realized engine resolves them), and segments or ports
/// named directly by their last path segment. `None` when the rule applies to ANY.
async fn applied_members(client: &ApiClient, scope: &[String]) -> Result<Option<Vec<String>>> {
    if is_any(scope) {
        return Ok(None);
    }
    let mut members = Vec::new();
    for path in scope {
        if path.contains("/groups/") {
            let listed = client
                .call(
                    Method::GET,
                    &format!("{API}{path}/members/segment-ports"),
                    None,
                )
                .await
                .with_context(|| format!("reading the members of {path}"))?;
            members.extend(
                listed
                    .get("results")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m.get("display_name").and_then(Value::as_str))
                    .map(str::to_string),
            );
        } else {
            members.push(path.rsplit('/').next().unwrap_or(path).to_string());
        }
    }
    members.sort();
    members.dedup();
    Ok(Some(members))
}

fn members_text(members: &Option<Vec<String>>) -> String {
    match members {
        None => "every port (applied to ANY)".into(),
        Some(list) if list.is_empty() => "none".into(),
        Some(list) => format!("{} ({})", list.len(), list.join(", ")),
    }
}

/// Paths shown by their last segment; literals and ANY as they are.
fn names(list: &[String]) -> String {
    if is_any(list) {
        return "ANY".into();
    }
    list.iter()
        .map(|p| {
            if p.starts_with('/') {
                p.rsplit('/').next().unwrap_or(p).to_string()
            } else {
                p.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn negated(text: String, excluded: bool) -> String {
    if excluded {
        format!("NOT ({text})")
    } else {
        text
    }
}

fn entry_text(entry: Value) -> String {
    let field = |k: &str| entry.get(k).cloned().unwrap_or(Value::Null);
    match entry.get("resource_type").and_then(Value::as_str) {
        Some("L4PortSetServiceEntry") => {
            let ports: Vec<String> = field("destination_ports")
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect();
            let proto = field("l4_protocol").as_str().unwrap_or("").to_string();
            if ports.is_empty() {
                proto
            } else {
                format!("{proto}.{}", ports.join("/"))
            }
        }
        Some("ICMPTypeServiceEntry") => field("protocol").as_str().unwrap_or("ICMP").to_string(),
        Some("IPProtocolServiceEntry") => format!("IP.{}", field("protocol_number")),
        _ => "?".into(),
    }
}

fn rows_json(rows: &[RuleRow]) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| {
                json!({
                    "category": r.category, "policy": r.policy, "policy_path": r.policy_path,
                    "rule_id": r.rule_id, "name": r.name, "path": r.path,
                    "sources": r.sources, "destinations": r.destinations,
                    "services": r.services, "action": r.action, "direction": r.direction,
                    "applied_to": r.applied_to, "sequence_number": r.sequence,
                    "logged": r.logged, "disabled": r.disabled,
                    "hit_count": r.counters.hits, "packet_count": r.counters.packets,
                    "byte_count": r.counters.bytes, "session_count": r.counters.sessions,
                    "applied_to_members": r.members,
                })
            })
            .collect(),
    )
}

fn table(rows: &[RuleRow]) -> String {
    let header = [
        "CATEGORY",
        "POLICY",
        "RULE ID",
        "NAME",
        "SOURCES",
        "DESTINATIONS",
        "SERVICES",
        "ACTION",
        "DIRECTION",
        "APPLIED TO",
        "HITS",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.category.clone(),
                r.policy.clone(),
                r.rule_id.to_string(),
                r.name.clone(),
                r.sources.clone(),
                r.destinations.clone(),
                r.services.clone(),
                if r.disabled {
                    format!("{} (disabled)", r.action)
                } else {
                    r.action.clone()
                },
                r.direction.clone(),
                r.applied_to.clone(),
                r.counters.hits.to_string(),
            ]
        })
        .collect();
    render(&header, &cells)
}

/// Columns separated by three spaces, as kubectl prints tables.
fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}   "));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    for row in rows {
        line(row.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

fn details(r: &RuleRow) -> String {
    let fields = [
        ("Rule ID", r.rule_id.to_string()),
        ("Name", r.name.clone()),
        ("Path", r.path.clone()),
        ("Category", r.category.clone()),
        ("Policy", r.policy.clone()),
        ("Policy path", r.policy_path.clone()),
        ("Sequence", r.sequence.to_string()),
        ("Sources", r.sources.clone()),
        ("Destinations", r.destinations.clone()),
        ("Services", r.services.clone()),
        ("Action", r.action.clone()),
        ("Direction", r.direction.clone()),
        ("Applied to", r.applied_to.clone()),
        ("Members", members_text(&r.members)),
        ("Logged", r.logged.to_string()),
        ("Disabled", r.disabled.to_string()),
        ("Hits", r.counters.hits.to_string()),
        ("Packets", r.counters.packets.to_string()),
        ("Bytes", r.counters.bytes.to_string()),
        ("Sessions", r.counters.sessions.to_string()),
    ];
    fields
        .iter()
        .map(|(k, v)| format!("{:<14}{v}\n", format!("{k}:")))
        .collect()
}

/// The objects of a file: JSON (one object or a list) or YAML (one or more documents, each
/// an object or a list).
fn parse_objects(text: &str) -> Result<Vec<Value>> {
    let docs: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(v) => vec![v],
        Err(_) => serde_saphyr::from_multiple(text)
            .map_err(|e| anyhow!("the file is neither JSON nor YAML: {e}"))?,
    };
    let mut out = Vec::new();
    for doc in docs {
        match doc {
            Value::Array(items) => out.extend(items),
            Value::Null => {}
            other => out.push(other),
        }
    }
    if out.iter().any(|o| !o.is_object()) {
        bail!("every object in the file must be a JSON/YAML mapping");
    }
    Ok(out)
}

/// Where an object goes: its `path` if given, else by `resource_type` and `id` in `domain`.
fn object_path(object: &Value, domain: &str) -> Result<(&'static str, String)> {
    let kind = match object.get("resource_type").and_then(Value::as_str) {
        Some("SecurityPolicy") | None => "securitypolicy",
        Some("Group") => "group",
        Some("Service") => "service",
        Some(other) => bail!("resource_type {other:?} is not SecurityPolicy, Group or Service"),
    };
    if let Some(path) = object.get("path").and_then(Value::as_str) {
        return Ok((kind, path.to_string()));
    }
    let id = object
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("an object in the file has no id"))?;
    let path = match kind {
        "group" => enclave_dfw::model::group_path(domain, id),
        "service" => enclave_dfw::model::service_path(id),
        _ => enclave_dfw::model::policy_path(domain, id),
    };
    Ok((kind, path))
}
