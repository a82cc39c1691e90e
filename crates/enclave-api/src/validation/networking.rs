//! Ingress, IngressClass, NetworkPolicy and EndpointSlice: kubernetes
//! `pkg/apis/networking/validation/validation.go` (`validateIngressSpec`, `validateIngressRules`,
//! `validateHTTPIngressPath`, `validateIngressBackend`, `validateIngressTLS`,
//! `validateIngressClassSpec`, `ValidateNetworkPolicySpec`, `ValidateNetworkPolicyPort`,
//! `ValidateNetworkPolicyPeer`, `ValidateIPBlock`) and `pkg/apis/discovery/validation`
//! (`ValidateEndpointSlice`), plus apimachinery `IsDomainPrefixedPath`.

use std::collections::HashSet;

use serde_json::Value;

use super::meta;
use super::names;
use super::pods::PORT_PROTOCOLS;
use super::{Errors, at, go_quote, int, list, text};

const PATH_TYPES: &[&str] = &["Exact", "ImplementationSpecific", "Prefix"];
const INVALID_PATH_SEQUENCES: &[&str] = &["//", "/./", "/../", "%2f", "%2F"];
const INVALID_PATH_SUFFIXES: &[&str] = &["/..", "/."];
/// `maxLenIngressClassController`.
const MAX_CONTROLLER_LEN: usize = 250;

/// `ValidateIngressCreate` / `ValidateIngressUpdate` (the spec rules).
pub(crate) fn ingress(errs: &mut Errors, obj: &Value) {
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    let rules = list(spec, &["rules"]);
    let default_backend = at(spec, &["defaultBackend"]).filter(|v| !v.is_null());
    if rules.is_empty() && default_backend.is_none() {
        errs.invalid_shown(
            "spec",
            "[]networking.IngressRule(nil)",
            "either `defaultBackend` or `rules` must be specified",
        );
    }
    if let Some(backend) = default_backend {
        ingress_backend(errs, backend, "spec.defaultBackend");
    }
    for (i, rule) in rules.iter().enumerate() {
        let path = format!("spec.rules[{i}]");
        let host = text(rule, &["host"]);
        if !host.is_empty() {
            if names::parse_ip_sloppy(host).is_some() {
                errs.invalid_str(
                    &format!("{path}.host"),
                    host,
                    "must be a DNS name, not an IP address",
                );
            }
            let messages = if host.contains('*') {
                names::wildcard_dns1123_subdomain(host)
            } else {
                names::dns1123_subdomain(host)
            };
            errs.invalid_each(&format!("{path}.host"), host, messages);
        }
        if let Some(http) = at(rule, &["http"]).filter(|v| !v.is_null()) {
            let paths = list(http, &["paths"]);
            if paths.is_empty() {
                errs.required(&format!("{path}.http.paths"), "");
            }
            for (j, p) in paths.iter().enumerate() {
                http_path(errs, p, &format!("{path}.http.paths[{j}]"));
            }
        }
    }
    for (i, tls) in list(spec, &["tls"]).iter().enumerate() {
        for (j, host) in list(tls, &["hosts"]).iter().enumerate() {
            let host = host.as_str().unwrap_or("");
            let messages = if host.contains('*') {
                names::wildcard_dns1123_subdomain(host)
            } else {
                names::dns1123_subdomain(host)
            };
            errs.invalid_each(&format!("spec.tls[{i}].hosts[{j}]"), host, messages);
        }
        let secret = text(tls, &["secretName"]);
        if !secret.is_empty() {
            errs.invalid_each(
                &format!("spec.tls[{i}].secretName"),
                secret,
                names::name_is_dns_subdomain(secret, false),
            );
        }
    }
    if let Some(class) = at(spec, &["ingressClassName"]).and_then(Value::as_str) {
        errs.invalid_each(
            "spec.ingressClassName",
            class,
            names::name_is_dns_subdomain(class, false),
        );
    }
}

/// `validateHTTPIngressPath`.
fn http_path(errs: &mut Errors, p: &Value, field: &str) {
    let Some(path_type) = at(p, &["pathType"]).and_then(Value::as_str) else {
        errs.required(&format!("{field}.pathType"), "pathType must be specified");
        return;
    };
    let path = text(p, &["path"]);
    match path_type {
        "Exact" | "Prefix" => {
            if !path.starts_with('/') {
                errs.invalid_str(&format!("{field}.path"), path, "must be an absolute path");
            }
            if !path.is_empty() {
                for seq in INVALID_PATH_SEQUENCES {
                    if path.contains(seq) {
                        errs.invalid_str(
                            &format!("{field}.path"),
                            path,
                            &format!("must not contain '{seq}'"),
                        );
                    }
                }
                for suffix in INVALID_PATH_SUFFIXES {
                    if path.ends_with(suffix) {
                        errs.invalid_str(
                            &format!("{field}.path"),
                            path,
                            &format!("cannot end with '{suffix}'"),
                        );
                    }
                }
            }
        }
        "ImplementationSpecific" => {
            if !path.is_empty() && !path.starts_with('/') {
                errs.invalid_str(&format!("{field}.path"), path, "must be an absolute path");
            }
        }
        other => errs.not_supported(&format!("{field}.pathType"), other, PATH_TYPES),
    }
    let empty = Value::Null;
    ingress_backend(
        errs,
        at(p, &["backend"]).unwrap_or(&empty),
        &format!("{field}.backend"),
    );
}

/// `validateIngressBackend`.
fn ingress_backend(errs: &mut Errors, backend: &Value, field: &str) {
    let resource = at(backend, &["resource"]).filter(|v| !v.is_null());
    let service = at(backend, &["service"]).filter(|v| !v.is_null());
    match (resource, service) {
        (Some(_), Some(_)) => {
            errs.invalid_str(field, "", "cannot set both resource and service backends");
        }
        (Some(resource), None) => {
            let path = format!("{field}.resource");
            if text(resource, &["kind"]).is_empty() {
                errs.required(&format!("{path}.kind"), "");
            }
            if text(resource, &["name"]).is_empty() {
                errs.required(&format!("{path}.name"), "");
            }
        }
        (None, Some(service)) => {
            let name = text(service, &["name"]);
            if name.is_empty() {
                errs.required(&format!("{field}.service.name"), "");
            } else {
                errs.invalid_each(
                    &format!("{field}.service.name"),
                    name,
                    names::name_is_dns1035_label(name, false),
                );
            }
            let port_name = text(service, &["port", "name"]);
            let port_number = int(service, &["port", "number"]).unwrap_or(0);
            match (port_name.is_empty(), port_number == 0) {
                (false, false) => {
                    errs.invalid_str(field, "", "cannot set both port name & port number");
                }
                (false, true) => errs.invalid_each(
                    &format!("{field}.service.port.name"),
                    port_name,
                    names::port_name(port_name),
                ),
                (true, false) => {
                    for m in names::port_num(port_number) {
                        errs.invalid_int(&format!("{field}.service.port.number"), port_number, &m);
                    }
                }
                (true, true) => errs.required(field, "port name or number is required"),
            }
        }
        (None, None) => errs.invalid_str(field, "", "resource or service backend is required"),
    }
}

/// `ValidateIngressClass` / `ValidateIngressClassUpdate`.
pub(crate) fn ingress_class(errs: &mut Errors, obj: &Value, old: Option<&Value>) {
    let controller = text(obj, &["spec", "controller"]);
    let field = "spec.controller";
    if controller.len() > MAX_CONTROLLER_LEN {
        errs.too_long(field, MAX_CONTROLLER_LEN);
    }
    // IsDomainPrefixedPath.
    if controller.is_empty() {
        errs.required(field, "");
    } else {
        match controller.split_once('/') {
            Some((host, path)) if !host.is_empty() && !path.is_empty() => {
                errs.invalid_each(field, host, names::dns1123_subdomain(host));
                errs.invalid_each(field, path, names::http_path(path));
            }
            _ => errs.invalid_str(
                field,
                controller,
                "must be a domain-prefixed path (such as \"acme.io/foo\")",
            ),
        }
    }
    if let Some(parameters) = at(obj, &["spec", "parameters"]).filter(|v| !v.is_null()) {
        if text(parameters, &["kind"]).is_empty() {
            errs.required("spec.parameters.kind", "");
        }
        if text(parameters, &["name"]).is_empty() {
            errs.required("spec.parameters.name", "");
        }
        let scope = text(parameters, &["scope"]);
        if !scope.is_empty() && scope != "Namespace" && scope != "Cluster" {
            errs.not_supported("spec.parameters.scope", scope, &["Cluster", "Namespace"]);
        }
    }
    if let Some(old) = old {
        let before = text(old, &["spec", "controller"]);
        if controller != before {
            errs.invalid_str(field, controller, "field is immutable");
        }
    }
}

/// `ValidateNetworkPolicySpec`.
pub(crate) fn network_policy(errs: &mut Errors, obj: &Value) {
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    meta::label_selector(errs, at(spec, &["podSelector"]), "spec.podSelector");
    for (i, rule) in list(spec, &["ingress"]).iter().enumerate() {
        let path = format!("spec.ingress[{i}]");
        for (j, port) in list(rule, &["ports"]).iter().enumerate() {
            policy_port(errs, port, &format!("{path}.ports[{j}]"));
        }
        for (j, peer) in list(rule, &["from"]).iter().enumerate() {
            policy_peer(errs, peer, &format!("{path}.from[{j}]"));
        }
    }
    for (i, rule) in list(spec, &["egress"]).iter().enumerate() {
        let path = format!("spec.egress[{i}]");
        for (j, peer) in list(rule, &["to"]).iter().enumerate() {
            policy_peer(errs, peer, &format!("{path}.to[{j}]"));
        }
        for (j, port) in list(rule, &["ports"]).iter().enumerate() {
            policy_port(errs, port, &format!("{path}.ports[{j}]"));
        }
    }
    let types = list(spec, &["policyTypes"]);
    if types.len() > 2 {
        let shown = format!("&{}", super::go_string_slice(types))
            .replace("[]string", "[]networking.PolicyType");
        errs.invalid_shown(
            "spec.policyTypes",
            &shown,
            "may not specify more than two policyTypes",
        );
        return;
    }
    for (i, t) in types.iter().enumerate() {
        let t = t.as_str().unwrap_or("");
        if t != "Ingress" && t != "Egress" {
            errs.not_supported(&format!("spec.policyTypes[{i}]"), t, &["Ingress", "Egress"]);
        }
    }
}

/// `ValidateNetworkPolicyPort`.
fn policy_port(errs: &mut Errors, port: &Value, field: &str) {
    if let Some(protocol) = at(port, &["protocol"]).and_then(Value::as_str)
        && !["TCP", "UDP", "SCTP"].contains(&protocol)
    {
        errs.not_supported(
            &format!("{field}.protocol"),
            protocol,
            &["TCP", "UDP", "SCTP"],
        );
    }
    let end_port = int(port, &["endPort"]);
    match at(port, &["port"]).filter(|v| !v.is_null()) {
        Some(Value::String(name)) => {
            if let Some(end) = end_port {
                errs.invalid_int(
                    &format!("{field}.endPort"),
                    end,
                    "may not be specified when `port` is non-numeric",
                );
            }
            errs.invalid_each(&format!("{field}.port"), name, names::port_name(name));
        }
        Some(number) => {
            let number = number.as_i64().unwrap_or(0);
            for m in names::port_num(number) {
                errs.invalid_int(&format!("{field}.port"), number, &m);
            }
            if let Some(end) = end_port {
                if end < number {
                    errs.invalid_int(
                        &format!("{field}.endPort"),
                        number,
                        "must be greater than or equal to `port`",
                    );
                }
                for m in names::port_num(end) {
                    errs.invalid_int(&format!("{field}.endPort"), end, &m);
                }
            }
        }
        None => {
            if let Some(end) = end_port {
                errs.invalid_int(
                    &format!("{field}.endPort"),
                    end,
                    "may not be specified when `port` is not specified",
                );
            }
        }
    }
}

/// `ValidateNetworkPolicyPeer`.
fn policy_peer(errs: &mut Errors, peer: &Value, field: &str) {
    let mut count = 0;
    for selector in ["podSelector", "namespaceSelector"] {
        if let Some(s) = at(peer, &[selector]).filter(|v| !v.is_null()) {
            count += 1;
            meta::label_selector(errs, Some(s), &format!("{field}.{selector}"));
        }
    }
    let ip_block = at(peer, &["ipBlock"]).filter(|v| !v.is_null());
    if let Some(block) = ip_block {
        count += 1;
        validate_ip_block(errs, block, &format!("{field}.ipBlock"));
    }
    if count == 0 {
        errs.required(field, "must specify a peer");
    } else if count > 1 && ip_block.is_some() {
        errs.forbidden(field, "may not specify both ipBlock and another peer");
    }
}

/// `ValidateIPBlock`.
fn validate_ip_block(errs: &mut Errors, block: &Value, field: &str) {
    let cidr_text = text(block, &["cidr"]);
    if cidr_text.is_empty() {
        errs.required(&format!("{field}.cidr"), "");
        return;
    }
    let cidr = names::parse_cidr_sloppy(cidr_text);
    if cidr.is_none() {
        errs.invalid_str(&format!("{field}.cidr"), cidr_text, names::INVALID_CIDR);
    }
    for (i, except) in list(block, &["except"]).iter().enumerate() {
        let path = format!("{field}.except[{i}]");
        let except_text = except.as_str().unwrap_or("");
        let Some(except_cidr) = names::parse_cidr_sloppy(except_text) else {
            errs.invalid_str(&path, except_text, names::INVALID_CIDR);
            continue;
        };
        if let Some(cidr) = cidr
            && (!cidr.contains(except_cidr.network) || cidr.prefix >= except_cidr.prefix)
        {
            errs.invalid_str(&path, except_text, "must be a strict subset of `cidr`");
        }
    }
}

/// `ValidateEndpointSlice` / `ValidateEndpointSliceUpdate`.
pub(crate) fn endpoint_slice(errs: &mut Errors, obj: &Value, old: Option<&Value>) {
    let address_type = text(obj, &["addressType"]);
    for (i, endpoint) in list(obj, &["endpoints"]).iter().enumerate() {
        let path = format!("endpoints[{i}].addresses");
        let addresses = list(endpoint, &["addresses"]);
        if addresses.is_empty() {
            errs.required(&path, "must contain at least 1 address");
        } else if addresses.len() > 100 {
            errs.too_long(&path, 100);
        }
        for (j, address) in addresses.iter().enumerate() {
            let address = address.as_str().unwrap_or("");
            let apath = format!("{path}[{j}]");
            let ip = names::parse_ip_sloppy(address);
            match address_type {
                "IPv4" if !matches!(ip, Some(std::net::IpAddr::V4(_))) => {
                    errs.invalid_str(&apath, address, "must be a valid IPv4 address");
                }
                "IPv6" if !matches!(ip, Some(std::net::IpAddr::V6(_))) => {
                    errs.invalid_str(&apath, address, "must be a valid IPv6 address");
                }
                "FQDN" => errs.invalid_each(&apath, address, names::dns1123_subdomain(address)),
                _ => {}
            }
        }
    }
    match address_type {
        "" => errs.required("addressType", ""),
        "FQDN" | "IPv4" | "IPv6" => {}
        other => errs.not_supported("addressType", other, &["FQDN", "IPv4", "IPv6"]),
    }
    let mut seen = HashSet::new();
    for (i, port) in list(obj, &["ports"]).iter().enumerate() {
        let path = format!("ports[{i}]");
        let name = text(port, &["name"]);
        if !name.is_empty() {
            errs.invalid_each(&format!("{path}.name"), name, names::dns1123_label(name));
        }
        if !seen.insert(name) {
            errs.duplicate_shown(&format!("{path}.name"), &go_quote(name));
        }
        match at(port, &["protocol"]).and_then(Value::as_str) {
            None => errs.required(&format!("{path}.protocol"), ""),
            Some(p) if PORT_PROTOCOLS.contains(&p) => {}
            Some(other) => errs.not_supported(&format!("{path}.protocol"), other, PORT_PROTOCOLS),
        }
        if let Some(number) = int(port, &["port"]) {
            for m in names::port_num(number) {
                errs.invalid_int(&format!("{path}.port"), number, &m);
            }
        }
    }
    if let Some(old) = old {
        let before = text(old, &["addressType"]);
        if address_type != before {
            errs.invalid_str("addressType", address_type, "field is immutable");
        }
    }
}
