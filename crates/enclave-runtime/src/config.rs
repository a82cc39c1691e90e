//! The runtime's configuration: which nodes (ESXi hosts) it runs, the pod address pool and the
//! capacity each node reports.

use std::net::Ipv4Addr;

use crate::addresses::Ipv4Cidr;

/// What each node reports as capacity and allocatable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeCapacity {
    /// CPU cores, as a Kubernetes quantity (`16`).
    pub cpu: String,
    /// Memory, as a Kubernetes quantity (`64Gi`).
    pub memory: String,
    /// The most pods one node runs.
    pub pods: u32,
    /// Ephemeral storage, as a Kubernetes quantity.
    pub ephemeral_storage: String,
}

impl Default for NodeCapacity {
    fn default() -> Self {
        NodeCapacity {
            cpu: "16".into(),
            memory: "64Gi".into(),
            pods: 5000,
            ephemeral_storage: "100Gi".into(),
        }
    }
}

/// The runtime's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// The node names, one per ESXi host.
    pub nodes: Vec<String>,
    /// The Namespace Network pods take their IPs from.
    pub pod_cidr: Ipv4Cidr,
    /// The prefix length of the per-namespace subnets carved from `pod_cidr`.
    pub subnet_prefix: u8,
    /// Whether containers whose command is an absolute host path may run as host processes.
    pub allow_host_processes: bool,
    /// Capacity (and allocatable) of each node.
    pub capacity: NodeCapacity,
    /// The InternalIP of the first node; the next nodes take the following addresses. These
    /// addresses are only reported (`status.hostIP`), never connected to.
    pub first_node_ip: Ipv4Addr,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            nodes: vec!["esxi-1".into(), "esxi-2".into(), "esxi-3".into()],
            pod_cidr: Ipv4Cidr {
                network: Ipv4Addr::new(10, 244, 0, 0),
                prefix: 19,
            },
            subnet_prefix: 28,
            allow_host_processes: false,
            capacity: NodeCapacity::default(),
            first_node_ip: Ipv4Addr::new(10, 15, 0, 11),
        }
    }
}

impl RuntimeConfig {
    /// The InternalIP of node `name`, if it is one of ours.
    pub fn node_ip(&self, name: &str) -> Option<Ipv4Addr> {
        let index = self.nodes.iter().position(|n| n == name)?;
        let base = u32::from(self.first_node_ip);
        Some(Ipv4Addr::from(base.wrapping_add(index as u32)))
    }

    /// Whether `name` is one of the runtime's nodes.
    pub fn is_ours(&self, name: &str) -> bool {
        self.nodes.iter().any(|n| n == name)
    }
}
