//! NetworkPolicy ports: protocol (TCP by default), a number, a range (`endPort`) or a
//! container port name, and the NSX service names made from them: `TCP.80`,
//! `TCP.8080-8090` for a range, `TCP.ANY` for every port of a protocol.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::networking::v1::NetworkPolicyPort;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::TranslateError;

/// A transport protocol of NetworkPolicy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP (the default).
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl Protocol {
    /// Parses the API's protocol names (`TCP`, `UDP`, `SCTP`; case-sensitive, as the API
    /// server validates them).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

/// One `ports` entry of a NetworkPolicy rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PortSpec {
    /// Every port of the protocol (no `port`).
    AllPorts(Protocol),
    /// `port` to `endPort` inclusive (equal without `endPort`).
    Range(Protocol, u16, u16),
    /// A container port name, resolved on the pods the traffic goes to.
    Named(Protocol, String),
}

impl PortSpec {
    /// Parses a `ports` entry as the API server validates it.
    pub fn parse(port: &NetworkPolicyPort) -> Result<Self, TranslateError> {
        let protocol = match port.protocol.as_deref() {
            None => Protocol::Tcp,
            Some(p) => Protocol::parse(p).ok_or_else(|| {
                TranslateError::InvalidPort(format!("protocol {p:?} is not one of TCP, UDP, SCTP"))
            })?,
        };
        let number = |n: i32, what: &str| {
            u16::try_from(n).ok().filter(|n| *n > 0).ok_or_else(|| {
                TranslateError::InvalidPort(format!("{what} {n} is not between 1 and 65535"))
            })
        };
        match (&port.port, port.end_port) {
            (None, None) => Ok(PortSpec::AllPorts(protocol)),
            (None, Some(_)) => Err(TranslateError::InvalidPort(
                "endPort may only be set together with a numeric port".into(),
            )),
            (Some(IntOrString::Int(n)), end) => {
                let first = number(*n, "port")?;
                let last = match end {
                    None => first,
                    Some(e) => number(e, "endPort")?,
                };
                if last < first {
                    return Err(TranslateError::InvalidPort(format!(
                        "endPort {last} is less than port {first}"
                    )));
                }
                Ok(PortSpec::Range(protocol, first, last))
            }
            (Some(IntOrString::String(name)), None) => {
                if name.is_empty() || name.len() > 15 {
                    return Err(TranslateError::InvalidPort(format!(
                        "port name {name:?} must be 1 to 15 characters"
                    )));
                }
                Ok(PortSpec::Named(protocol, name.clone()))
            }
            (Some(IntOrString::String(name)), Some(_)) => Err(TranslateError::InvalidPort(
                format!("endPort may not be used with the named port {name:?}"),
            )),
        }
    }
}

/// The service name of a resolved port set: `TCP.80`, `TCP.8080-8090`, `UDP.ANY`.
pub fn service_name(protocol: Protocol, ports: Option<(u16, u16)>) -> String {
    let proto = protocol.as_str();
    match ports {
        None => format!("{proto}.ANY"),
        Some((first, last)) if first == last => format!("{proto}.{first}"),
        Some((first, last)) => format!("{proto}.{first}-{last}"),
    }
}

/// A declared container port of a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerPort {
    /// The port's name (empty when unnamed).
    pub name: String,
    /// Its protocol.
    pub protocol: Protocol,
    /// Its number.
    pub number: u16,
}

/// The ports the pod's containers declare (containers without valid numbers are skipped).
pub fn container_ports(pod: &Pod) -> Vec<ContainerPort> {
    let Some(spec) = &pod.spec else {
        return Vec::new();
    };
    spec.containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .filter_map(|p| {
            Some(ContainerPort {
                name: p.name.clone().unwrap_or_default(),
                protocol: Protocol::parse(p.protocol.as_deref().unwrap_or("TCP"))?,
                number: u16::try_from(p.container_port).ok().filter(|n| *n > 0)?,
            })
        })
        .collect()
}

/// The number of the port `name` with `protocol` among `ports`, if declared.
pub fn resolve_named(ports: &[ContainerPort], name: &str, protocol: Protocol) -> Option<u16> {
    ports
        .iter()
        .find(|p| p.name == name && p.protocol == protocol)
        .map(|p| p.number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(
        protocol: Option<&str>,
        port: Option<IntOrString>,
        end: Option<i32>,
    ) -> NetworkPolicyPort {
        NetworkPolicyPort {
            protocol: protocol.map(Into::into),
            port,
            end_port: end,
        }
    }

    #[test]
    fn parse_and_name() {
        assert_eq!(
            PortSpec::parse(&port(None, Some(IntOrString::Int(80)), None)),
            Ok(PortSpec::Range(Protocol::Tcp, 80, 80))
        );
        assert_eq!(
            PortSpec::parse(&port(Some("UDP"), None, None)),
            Ok(PortSpec::AllPorts(Protocol::Udp))
        );
        assert_eq!(
            PortSpec::parse(&port(None, Some(IntOrString::Int(8080)), Some(8090))),
            Ok(PortSpec::Range(Protocol::Tcp, 8080, 8090))
        );
        assert_eq!(
            PortSpec::parse(&port(
                Some("SCTP"),
                Some(IntOrString::String("web".into())),
                None
            )),
            Ok(PortSpec::Named(Protocol::Sctp, "web".into()))
        );
        for bad in [
            port(Some("ICMP"), None, None),
            port(None, Some(IntOrString::Int(0)), None),
            port(None, Some(IntOrString::Int(70000)), None),
            port(None, Some(IntOrString::Int(90)), Some(80)),
            port(None, None, Some(80)),
            port(None, Some(IntOrString::String("web".into())), Some(80)),
            port(None, Some(IntOrString::String(String::new())), None),
        ] {
            assert_eq!(
                PortSpec::parse(&bad).map_err(|e| e.reason()),
                Err("InvalidPort"),
                "{bad:?}"
            );
        }
        assert_eq!(service_name(Protocol::Tcp, Some((80, 80))), "TCP.80");
        assert_eq!(
            service_name(Protocol::Tcp, Some((8080, 8090))),
            "TCP.8080-8090"
        );
        assert_eq!(service_name(Protocol::Udp, None), "UDP.ANY");
    }
}
