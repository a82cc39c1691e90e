//! `NetworkConfig`: the Supervisor's network settings (contracts.md defaults) and their
//! validation.

use serde::{Deserialize, Serialize};

use crate::{Ipv4Cidr, NetError};

/// The network settings of the Supervisor. `Default` gives the contract's defaults; `validate`
/// refuses overlapping or unusable ranges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkConfig {
    /// The Namespace Network: pod IPs, carved into subnets of `subnet_prefix`.
    pub namespace_network: Ipv4Cidr,
    /// The prefix length of the subnets carved per namespace (28).
    pub subnet_prefix: u8,
    /// The Service CIDR (ClusterIPs; allocated by the API server, only located here).
    pub service_cidr: Ipv4Cidr,
    /// The Ingress CIDR: LoadBalancer VIPs.
    pub ingress_cidr: Ipv4Cidr,
    /// The Egress CIDR: one SNAT IP per namespace.
    pub egress_cidr: Ipv4Cidr,
    /// The vSphere cluster id used in names (`domain-c8`).
    pub cluster_id: String,
    /// The id of the Tier-0 gateway every Tier-1 connects to.
    pub tier0_id: String,
    /// Namespaces (by exact name) that share the system Tier-1.
    pub system_namespaces: Vec<String>,
    /// Name prefixes of namespaces that share the system Tier-1.
    pub system_namespace_prefixes: Vec<String>,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        let cidr = |network: [u8; 4], prefix| Ipv4Cidr::containing(network.into(), prefix);
        NetworkConfig {
            namespace_network: cidr([10, 244, 0, 0], 19),
            subnet_prefix: 28,
            service_cidr: cidr([10, 96, 0, 0], 22),
            ingress_cidr: cidr([10, 15, 8, 0], 24),
            egress_cidr: cidr([10, 15, 9, 0], 24),
            cluster_id: "domain-c8".to_string(),
            tier0_id: "T0-GW".to_string(),
            system_namespaces: ["default", "kube-system", "kube-public", "kube-node-lease"]
                .map(String::from)
                .to_vec(),
            system_namespace_prefixes: vec!["vmware-system-".to_string()],
        }
    }
}

/// Ranges no virtual network may use: "this network", loopback (real sockets live there),
/// multicast and the reserved block above it.
const RESERVED: [([u8; 4], u8, &str); 3] = [
    ([0, 0, 0, 0], 8, "reserved range"),
    ([127, 0, 0, 0], 8, "loopback range"),
    ([224, 0, 0, 0], 3, "multicast/reserved range"),
];

impl NetworkConfig {
    /// Checks the settings: no two ranges overlap, none overlaps loopback, multicast or
    /// 0.0.0.0/8, the subnet prefix fits the Namespace Network and leaves room for a pod, the
    /// Namespace Network is at most a /8 (pod MACs carry the low 24 bits of the IP), the Ingress
    /// and Egress CIDRs at most /12s, ids are
    /// usable in NSX paths.
    pub fn validate(&self) -> Result<(), NetError> {
        let ranges = [
            ("namespace network", self.namespace_network),
            ("service CIDR", self.service_cidr),
            ("ingress CIDR", self.ingress_cidr),
            ("egress CIDR", self.egress_cidr),
        ];
        for (i, (first_name, first)) in ranges.iter().enumerate() {
            for (second_name, second) in &ranges[i + 1..] {
                if first.overlaps(second) {
                    return Err(NetError::OverlappingRanges {
                        first_name,
                        first: *first,
                        second_name,
                        second: *second,
                    });
                }
            }
            for (network, prefix, reserved_name) in RESERVED {
                let reserved = Ipv4Cidr::containing(network.into(), prefix);
                if first.overlaps(&reserved) {
                    return Err(NetError::OverlappingRanges {
                        first_name,
                        first: *first,
                        second_name: reserved_name,
                        second: reserved,
                    });
                }
            }
        }
        // A subnet holds its network, gateway and broadcast addresses and at least one pod.
        if self.subnet_prefix < self.namespace_network.prefix() || self.subnet_prefix > 30 {
            return Err(NetError::BadSubnetPrefix {
                network: self.namespace_network,
                subnet_prefix: self.subnet_prefix,
            });
        }
        if self.namespace_network.prefix() < 8 {
            return Err(NetError::InvalidSetting {
                setting: "namespace network",
                reason: "must be a /8 or smaller".to_string(),
            });
        }
        // The IPAM keeps a bit per address of these pools.
        for (setting, pool) in [
            ("ingress CIDR", self.ingress_cidr),
            ("egress CIDR", self.egress_cidr),
        ] {
            if pool.prefix() < 12 {
                return Err(NetError::InvalidSetting {
                    setting,
                    reason: format!("{pool} is larger than a /12"),
                });
            }
        }
        check_id("cluster id", &self.cluster_id, 63)?;
        check_id("tier-0 id", &self.tier0_id, 255)?;
        Ok(())
    }

    /// Whether `namespace` shares the system Tier-1 instead of getting its own.
    pub fn is_system_namespace(&self, namespace: &str) -> bool {
        self.system_namespaces.iter().any(|name| name == namespace)
            || self
                .system_namespace_prefixes
                .iter()
                .any(|prefix| namespace.starts_with(prefix.as_str()))
    }
}

/// An id usable as one NSX path segment: 1..=max of ASCII letters, digits, `-`, `_`, `.`.
pub(crate) fn check_id(setting: &'static str, value: &str, max: usize) -> Result<(), NetError> {
    let ok = !value.is_empty()
        && value.len() <= max
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(NetError::InvalidSetting {
            setting,
            reason: format!(
                "{:?} must be 1 to {max} letters, digits, '-', '_' or '.'",
                value.chars().take(64).collect::<String>()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_contracts() {
        let config = NetworkConfig::default();
        config.validate().unwrap();
        assert_eq!(config.namespace_network.to_string(), "10.244.0.0/19");
        assert_eq!(config.subnet_prefix, 28);
        assert_eq!(config.service_cidr.to_string(), "10.96.0.0/22");
        assert_eq!(config.ingress_cidr.to_string(), "10.15.8.0/24");
        assert_eq!(config.egress_cidr.to_string(), "10.15.9.0/24");
        assert_eq!(config.cluster_id, "domain-c8");
        assert!(config.is_system_namespace("kube-system"));
        assert!(config.is_system_namespace("vmware-system-csi"));
        assert!(!config.is_system_namespace("svc-contour-domain-c8"));
        assert!(!config.is_system_namespace("ns-hackazon-app"));
    }

    #[test]
    fn refuses_bad_settings() {
        let cidr = |text: &str| text.parse::<Ipv4Cidr>().unwrap();
        let with = |edit: &dyn Fn(&mut NetworkConfig)| {
            let mut config = NetworkConfig::default();
            edit(&mut config);
            config.validate()
        };
        let overlap = with(&|c| c.ingress_cidr = cidr("10.244.16.0/24")).unwrap_err();
        assert!(
            matches!(overlap, NetError::OverlappingRanges { .. }),
            "{overlap}"
        );
        assert_eq!(overlap.to_nsx().error_code, 500105);
        assert!(with(&|c| c.egress_cidr = cidr("10.15.8.128/25")).is_err());
        assert!(with(&|c| c.service_cidr = cidr("10.0.0.0/8")).is_err());
        assert!(with(&|c| c.egress_cidr = cidr("127.0.0.0/24")).is_err());
        assert!(with(&|c| c.ingress_cidr = cidr("239.1.0.0/16")).is_err());
        assert!(with(&|c| c.subnet_prefix = 18).is_err());
        assert!(with(&|c| c.subnet_prefix = 31).is_err());
        assert!(with(&|c| c.namespace_network = cidr("16.0.0.0/4")).is_err());
        assert!(with(&|c| c.cluster_id = String::new()).is_err());
        assert!(with(&|c| c.ingress_cidr = cidr("64.0.0.0/2")).is_err());
        assert!(with(&|c| c.tier0_id = "a/b".to_string()).is_err());
        assert!(with(&|c| c.subnet_prefix = 30).is_ok());
    }

    #[test]
    fn deserializes_with_defaults() {
        let config: NetworkConfig =
            serde_json::from_str(r#"{"namespace_network":"10.240.0.0/12"}"#).unwrap();
        assert_eq!(config.namespace_network.to_string(), "10.240.0.0/12");
        assert_eq!(config.subnet_prefix, 28);
        assert!(serde_json::from_str::<NetworkConfig>(r#"{"bogus":1}"#).is_err());
    }
}
