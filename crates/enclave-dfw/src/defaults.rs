//! The objects every NSX manager starts with: the default layer-3 section with its default
//! rules, and the predefined services rules refer to (`/infra/services/HTTP`, ...).

use crate::model::{
    Action, Category, DEFAULT_DOMAIN, FirewallConfig, IpProtocol, ObjectMeta, Rule, SecurityPolicy,
    Service, ServiceEntry, policy_path, service_path,
};

/// The id of the default layer-3 section.
pub const DEFAULT_SECTION_ID: &str = "default-layer3-section";
/// The id of its catch-all rule.
pub const DEFAULT_RULE_ID: &str = "default-layer3-rule";
/// The numeric ID of the catch-all rule.
pub const DEFAULT_RULE_NUMBER: u32 = 2;
/// Sequence number of the default section and of its catch-all rule (the end of the table).
pub const DEFAULT_SEQUENCE: i64 = 2_147_483_647;

/// The default layer-3 section: Application category, after every other policy, holding the
/// NDP and DHCP rules and the catch-all `Default Layer3 Rule` with `action` (ALLOW out of
/// the box).
pub fn default_layer3_section(action: Action) -> SecurityPolicy {
    let mut section = SecurityPolicy::new(DEFAULT_SECTION_ID, Category::Application);
    section.display_name = "Default Layer3 Section".into();
    section.sequence_number = DEFAULT_SEQUENCE;
    section.is_default = true;
    section.meta = system_meta(policy_path(DEFAULT_DOMAIN, DEFAULT_SECTION_ID));
    let path = section.meta.path.clone();
    let rule = |id: &str, name: &str, number: u32, sequence: i64, services: &[&str]| {
        let mut r = Rule::new(id);
        r.display_name = name.into();
        r.rule_id = Some(number);
        r.sequence_number = sequence;
        r.is_default = true;
        if !services.is_empty() {
            r.services = services.iter().map(|s| service_path(s)).collect();
        }
        r.meta = system_meta(format!("{path}/rules/{id}"));
        r
    };
    let mut ndp = rule(
        "default_rule_NDP",
        "Default Rule NDP",
        3,
        25_000,
        &[
            "IPv6-ICMP_Neighbor_Solicitation",
            "IPv6-ICMP_Neighbor_Advertisement",
        ],
    );
    ndp.ip_protocol = IpProtocol::Ipv6;
    let dhcp = rule(
        "default_rule_DHCP",
        "Default Rule DHCP",
        4,
        50_000,
        &["DHCP-Client", "DHCP-Server"],
    );
    let mut catch_all = rule(
        DEFAULT_RULE_ID,
        "Default Layer3 Rule",
        DEFAULT_RULE_NUMBER,
        DEFAULT_SEQUENCE,
        &[],
    );
    catch_all.action = action;
    section.rules = vec![ndp, dhcp, catch_all];
    section
}

fn system_meta(path: String) -> ObjectMeta {
    ObjectMeta {
        path,
        create_user: "system".into(),
        last_modified_user: "system".into(),
        system_owned: true,
        protection: "NOT_PROTECTED".into(),
        ..ObjectMeta::default()
    }
}

/// The predefined services (a subset of NSX's catalogue: the ones people use with
/// Kubernetes workloads, and the ones the default rules name).
pub fn predefined_services() -> Vec<Service> {
    let l4 = |id: &str, proto: &str, ports: &[&str]| Service {
        id: id.into(),
        display_name: id.into(),
        description: String::new(),
        service_entries: vec![ServiceEntry::L4PortSetServiceEntry {
            id: id.into(),
            display_name: id.into(),
            l4_protocol: proto.into(),
            destination_ports: ports.iter().map(|p| p.to_string()).collect(),
            source_ports: Vec::new(),
        }],
        tags: Vec::new(),
        is_default: true,
        meta: system_meta(service_path(id)),
    };
    let icmp = |id: &str, protocol: &str, icmp_type: u8| Service {
        service_entries: vec![ServiceEntry::ICMPTypeServiceEntry {
            id: id.into(),
            display_name: id.into(),
            protocol: protocol.into(),
            icmp_type: Some(icmp_type),
            icmp_code: None,
        }],
        ..l4(id, "TCP", &[])
    };
    vec![
        l4("HTTP", "TCP", &["80"]),
        l4("HTTPS", "TCP", &["443"]),
        l4("SSH", "TCP", &["22"]),
        l4("DNS", "TCP", &["53"]),
        l4("DNS-UDP", "UDP", &["53"]),
        l4("DHCP-Client", "UDP", &["68"]),
        l4("DHCP-Server", "UDP", &["67"]),
        l4("Kubernetes-API", "TCP", &["6443"]),
        icmp("ICMP-ALL", "ICMPv4", 8),
        icmp("ICMP Echo Request", "ICMPv4", 8),
        icmp("IPv6-ICMP_Neighbor_Solicitation", "ICMPv6", 135),
        icmp("IPv6-ICMP_Neighbor_Advertisement", "ICMPv6", 136),
    ]
    .into_iter()
    .map(|mut s| {
        if s.id == "ICMP-ALL" {
            s.service_entries = vec![ServiceEntry::ICMPTypeServiceEntry {
                id: "ICMP-ALL".into(),
                display_name: "ICMP-ALL".into(),
                protocol: "ICMPv4".into(),
                icmp_type: None,
                icmp_code: None,
            }];
        }
        s
    })
    .collect()
}

/// A configuration holding only the defaults: the default section and predefined services.
pub fn factory_config() -> FirewallConfig {
    let mut config = FirewallConfig {
        policies: vec![default_layer3_section(Action::Allow)],
        groups: Vec::new(),
        services: predefined_services(),
    };
    config.normalize();
    config
}
