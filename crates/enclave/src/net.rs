//! `enclave net`: the network topology of a running `enclave up` as a tree — the Tier-0, a
//! Tier-1 per vSphere Namespace (system namespaces share one) with its SNAT IP, load
//! balancer VIPs and segments, and on each segment the pods' ports — read from the NSX
//! Policy API.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::Value;

use crate::client::{ApiClient, kubeconfig_path};

const API: &str = "/policy/api/v1";

/// Options of `enclave net`.
#[derive(Debug, Args)]
pub struct NetArgs {
    /// The kubeconfig that reaches Enclave (default: `$KUBECONFIG`, else the data dir's
    /// admin.kubeconfig).
    #[arg(long, global = true)]
    kubeconfig: Option<PathBuf>,
    #[command(subcommand)]
    command: NetCommand,
}

#[derive(Debug, Subcommand)]
enum NetCommand {
    /// Print the topology as a tree.
    Topology {
        /// Only the Tier-1 of this namespace.
        #[arg(short = 'n', long)]
        namespace: Option<String>,
        /// Leave out the pods' ports.
        #[arg(long)]
        no_ports: bool,
    },
}

/// Runs `enclave net ...`.
pub async fn run(args: NetArgs) -> Result<()> {
    let client = ApiClient::from_kubeconfig(&kubeconfig_path(args.kubeconfig)?)?;
    match args.command {
        NetCommand::Topology {
            namespace,
            no_ports,
        } => {
            let topology = fetch(&client, !no_ports).await?;
            print!("{}", render(&topology, namespace.as_deref()));
        }
    }
    Ok(())
}

/// The objects the tree shows.
#[derive(Debug, Default)]
struct Fetched {
    tier0s: Vec<Value>,
    tier1s: Vec<Value>,
    segments: Vec<Value>,
    ports: BTreeMap<String, Vec<Value>>,
    nat_rules: BTreeMap<String, Vec<Value>>,
    lb_services: Vec<Value>,
    virtual_servers: Vec<Value>,
}

async fn fetch(client: &ApiClient, with_ports: bool) -> Result<Fetched> {
    let mut f = Fetched {
        tier0s: client.list(&format!("{API}/infra/tier-0s")).await?,
        tier1s: client.list(&format!("{API}/infra/tier-1s")).await?,
        segments: client.list(&format!("{API}/infra/segments")).await?,
        lb_services: client.list(&format!("{API}/infra/lb-services")).await?,
        virtual_servers: client
            .list(&format!("{API}/infra/lb-virtual-servers"))
            .await?,
        ..Fetched::default()
    };
    for t1 in &f.tier1s {
        let path = text(t1, "path");
        let rules = client
            .list(&format!("{API}{path}/nat/USER/nat-rules"))
            .await?;
        f.nat_rules.insert(path, rules);
    }
    if with_ports {
        for segment in &f.segments {
            let path = text(segment, "path");
            let ports = client.list(&format!("{API}{path}/ports")).await?;
            f.ports.insert(path, ports);
        }
    }
    Ok(f)
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn tag(v: &Value, scope: &str) -> Option<String> {
    v.get("tags")?
        .as_array()?
        .iter()
        .find(|t| t.get("scope").and_then(Value::as_str) == Some(scope))
        .and_then(|t| t.get("tag").and_then(Value::as_str))
        .map(str::to_string)
}

/// A node of the printed tree.
struct Node {
    label: String,
    children: Vec<Node>,
}

fn leaf(label: String) -> Node {
    Node {
        label,
        children: Vec::new(),
    }
}

fn render(f: &Fetched, only: Option<&str>) -> String {
    let mut roots = Vec::new();
    for t0 in &f.tier0s {
        let t0_path = text(t0, "path");
        let mut t1_nodes = Vec::new();
        for t1 in f.tier1s.iter().filter(|t| text(t, "tier0_path") == t0_path) {
            let t1_path = text(t1, "path");
            let segments: Vec<&Value> = f
                .segments
                .iter()
                .filter(|s| text(s, "connectivity_path") == t1_path)
                .collect();
            let mut namespaces: Vec<String> = segments
                .iter()
                .filter_map(|s| tag(s, "ncp/project"))
                .collect();
            namespaces.sort();
            namespaces.dedup();
            if only.is_some_and(|ns| !namespaces.iter().any(|n| n == ns)) {
                continue;
            }
            let mut children = Vec::new();
            for rule in f.nat_rules.get(&t1_path).into_iter().flatten() {
                children.push(leaf(format!(
                    "SNAT {} -> {}{}",
                    text(rule, "source_network"),
                    text(rule, "translated_network"),
                    tag(rule, "ncp/project")
                        .map(|n| format!("  ({n})"))
                        .unwrap_or_default()
                )));
            }
            for lbs in f
                .lb_services
                .iter()
                .filter(|l| text(l, "connectivity_path") == t1_path)
            {
                let lbs_path = text(lbs, "path");
                for vs in f
                    .virtual_servers
                    .iter()
                    .filter(|v| text(v, "lb_service_path") == lbs_path)
                {
                    let ports: Vec<String> = vs
                        .get("ports")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p.as_str().map(str::to_string))
                        .collect();
                    children.push(leaf(format!(
                        "VIP {}:{}  Service {}/{}",
                        text(vs, "ip_address"),
                        ports.join(","),
                        tag(vs, "ncp/project").unwrap_or_default(),
                        tag(vs, "ncp/service").unwrap_or_default(),
                    )));
                }
            }
            for segment in segments {
                if only.is_some_and(|ns| tag(segment, "ncp/project").as_deref() != Some(ns)) {
                    continue;
                }
                let network = segment
                    .pointer("/subnets/0/network")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let gateway = segment
                    .pointer("/subnets/0/gateway_address")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let ports: Vec<Node> = f
                    .ports
                    .get(&text(segment, "path"))
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        let binding = p.pointer("/address_bindings/0");
                        leaf(format!(
                            "{}  {}  {}",
                            text(p, "display_name"),
                            binding.map(|b| text(b, "ip_address")).unwrap_or_default(),
                            binding.map(|b| text(b, "mac_address")).unwrap_or_default(),
                        ))
                    })
                    .collect();
                children.push(Node {
                    label: format!(
                        "Segment {}  {network} (gateway {gateway})  namespace {}",
                        text(segment, "id"),
                        tag(segment, "ncp/project").unwrap_or_default()
                    ),
                    children: ports,
                });
            }
            t1_nodes.push(Node {
                label: format!("Tier-1 {}  [{}]", text(t1, "id"), namespaces.join(", ")),
                children,
            });
        }
        roots.push(Node {
            label: format!("Tier-0 {}", text(t0, "id")),
            children: t1_nodes,
        });
    }
    let mut out = String::new();
    for root in &roots {
        out.push_str(&root.label);
        out.push('\n');
        draw(&root.children, "", &mut out);
    }
    out
}

fn draw(nodes: &[Node], prefix: &str, out: &mut String) {
    for (i, node) in nodes.iter().enumerate() {
        let last = i + 1 == nodes.len();
        out.push_str(prefix);
        out.push_str(if last { "└── " } else { "├── " });
        out.push_str(&node.label);
        out.push('\n');
        let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
        draw(&node.children, &deeper, out);
    }
}
