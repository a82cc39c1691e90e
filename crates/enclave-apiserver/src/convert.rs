//! Conversion between a stored object and a resource served from another resource's storage:
//! `events.k8s.io/v1` Events are stored as core `v1` Events, as kube-apiserver does.

use enclave_api::ResourceInfo;
use serde_json::{Map, Value, json};

/// Field renames between core/v1 Event and events.k8s.io/v1 Event: (core, events.k8s.io).
const EVENT_FIELDS: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
];

fn is_events_v1(resource: &ResourceInfo) -> bool {
    resource.group == "events.k8s.io"
}

/// The stored object as the resource serves it.
pub fn from_storage(resource: &ResourceInfo, obj: Value) -> Value {
    if !is_events_v1(resource) {
        return obj;
    }
    rename(obj, resource.api_version(), |core, v1| (core, v1))
}

/// An object of the resource as it is stored.
pub fn to_storage(resource: &ResourceInfo, obj: Value) -> Value {
    if !is_events_v1(resource) {
        return obj;
    }
    rename(obj, "v1".into(), |core, v1| (v1, core))
}

fn rename(
    obj: Value,
    api_version: String,
    direction: impl Fn(&'static str, &'static str) -> (&'static str, &'static str),
) -> Value {
    let Value::Object(mut map) = obj else {
        return obj;
    };
    let mut out = Map::new();
    out.insert("kind".into(), json!("Event"));
    out.insert("apiVersion".into(), json!(api_version));
    for (from, to) in EVENT_FIELDS.iter().map(|(c, v)| direction(c, v)) {
        if let Some(v) = map.remove(from) {
            out.insert(to.into(), v);
        }
    }
    for (k, v) in map {
        if k != "kind" && k != "apiVersion" {
            out.entry(k).or_insert(v);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use enclave_api::registry;

    #[test]
    fn events_convert_both_ways() {
        let v1 = registry::find("events.k8s.io", "v1", "events").unwrap();
        let core = json!({"apiVersion":"v1","kind":"Event","metadata":{"name":"e"},
            "involvedObject":{"kind":"Pod","name":"p"},"message":"hi","reason":"Started","count":2});
        let served = from_storage(v1, core.clone());
        assert_eq!(served["apiVersion"], "events.k8s.io/v1");
        assert_eq!(served["regarding"]["name"], "p");
        assert_eq!(served["note"], "hi");
        assert_eq!(served["deprecatedCount"], 2);
        assert_eq!(to_storage(v1, served), core);
    }
}
