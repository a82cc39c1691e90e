//! Strict decoding of request bodies (`?fieldValidation=`), as kube-apiserver's JSON serializer
//! does it: type errors, unknown fields, duplicate fields and apiVersion/kind checks.
//!
//! Wording sources: apiserver `pkg/endpoints/handlers/rest.go` (`transformDecodeError`),
//! `handlers/create.go` (API version mismatch), apimachinery `pkg/runtime/serializer/json`
//! (strict errors), sigs.k8s.io/json (`unknown field`, `duplicate field`), Go `encoding/json`
//! (`UnmarshalTypeError.Error`), apimachinery `pkg/runtime/scheme.go` (`no kind ... is
//! registered`).

use std::cell::RefCell;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::walker::{self, Findings, Found, Problem, Segment, WalkError, render_path};
use crate::registry::{self, ResourceInfo};
use crate::status::{ApiError, FieldError};

/// How the request wants unknown and duplicate fields handled (`?fieldValidation=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    /// Drop them silently.
    Ignore,
    /// Drop them and return one warning each (the server default when the parameter is absent).
    #[default]
    Warn,
    /// Fail the request with a BadRequest listing them.
    Strict,
}

impl FieldValidation {
    /// Parses the query parameter; absent or empty means `Warn`, as kube-apiserver defaults it.
    ///
    /// The error is the cause kube-apiserver reports for the options object (apimachinery
    /// `pkg/apis/meta/v1/validation`, `ValidateFieldValidation`: `field.NotSupported` over the
    /// sorted allowed set).
    pub fn parse(query: Option<&str>) -> Result<Self, FieldError> {
        match query.unwrap_or("") {
            "" | "Warn" => Ok(Self::Warn),
            "Ignore" => Ok(Self::Ignore),
            "Strict" => Ok(Self::Strict),
            other => Err(FieldError::not_supported(
                "fieldValidation",
                &Value::String(other.to_string()),
                &["", "Ignore", "Strict", "Warn"],
            )),
        }
    }
}

/// Decodes raw JSON bytes of a request body: like [`decode`], and also reports duplicate fields
/// (only visible in the bytes) and JSON syntax errors.
pub fn decode_bytes(
    resource: &ResourceInfo,
    body: &[u8],
    mode: FieldValidation,
) -> Result<(Value, Vec<String>), ApiError> {
    let duplicates = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed = DuplicateSeed {
        path: Vec::new(),
        duplicates: &duplicates,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v))
    .map_err(|e| {
        // apimachinery json serializer: the version/kind sniffing fails first on bad syntax.
        ApiError::BadRequest(format!(
            "couldn't get version/kind; json parse error: {}",
            go_syntax_message(&e)
        ))
    })?;
    let duplicates = duplicates
        .into_inner()
        .into_iter()
        .map(|p| format!("duplicate field \"{}\"", render_path(&p)))
        .collect();
    decode_with(resource, &parsed, mode, duplicates)
}

/// Decodes a request body already parsed as JSON: checks apiVersion/kind against the resource,
/// reports type errors as kube-apiserver does, and handles unknown fields per `mode`.
///
/// Returns the object with unknown fields and known `null`s removed, apiVersion/kind filled in,
/// and every other value exactly as given; plus the warnings for `Warn`.
pub fn decode(
    resource: &ResourceInfo,
    body: &Value,
    mode: FieldValidation,
) -> Result<(Value, Vec<String>), ApiError> {
    decode_with(resource, body, mode, Vec::new())
}

fn decode_with(
    resource: &ResourceInfo,
    body: &Value,
    mode: FieldValidation,
    duplicates: Vec<String>,
) -> Result<(Value, Vec<String>), ApiError> {
    let Value::Object(members) = body else {
        // apimachinery json serializer, `Decode`: the kind sniffing needs an object.
        return Err(ApiError::BadRequest(format!(
            "couldn't get version/kind; json parse error: json: cannot unmarshal {} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}",
            go_kind_of(body)
        )));
    };
    let mut object = members.clone();
    check_type_meta(resource, &mut object)?;
    let object = Value::Object(object);
    let findings = typed_walk(resource, &object).map_err(|e| {
        let message = go_type_error(resource, &object, &e);
        cannot_handle(resource, resource.kind, resource.version, &message)
    })?;
    let mut problems: Vec<String> = findings
        .unknown
        .iter()
        .map(|p| format!("unknown field \"{}\"", render_path(p)))
        .collect();
    problems.extend(duplicates);
    let warnings = match mode {
        FieldValidation::Strict if !problems.is_empty() => {
            return Err(cannot_handle(
                resource,
                resource.kind,
                resource.version,
                &format!("strict decoding error: {}", problems.join(", ")),
            ));
        }
        FieldValidation::Warn => problems,
        _ => Vec::new(),
    };
    let mut cleaned = object;
    for path in findings.unknown.iter().chain(findings.known_nulls.iter()) {
        remove_path(&mut cleaned, path);
    }
    Ok((cleaned, warnings))
}

/// `<Kind> in version "<v>" cannot be handled as a <Kind>: <err>` (apiserver handlers/rest.go,
/// `transformDecodeError`).
fn cannot_handle(resource: &ResourceInfo, kind: &str, version: &str, err: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "{kind} in version \"{version}\" cannot be handled as a {}: {err}",
        resource.kind
    ))
}

/// The Go package name of a group's internal types, as the scheme's conversion errors print it.
fn internal_package(group: &str) -> &str {
    match group {
        "" | "events.k8s.io" => "core",
        "networking.k8s.io" => "networking",
        "discovery.k8s.io" => "discovery",
        "rbac.authorization.k8s.io" => "rbac",
        "coordination.k8s.io" => "coordination",
        "authorization.k8s.io" => "authorization",
        "authentication.k8s.io" => "authentication",
        other => other.split('.').next().unwrap_or(other),
    }
}

/// Fills in a missing apiVersion/kind from the URL and rejects ones naming another kind.
fn check_type_meta(
    resource: &ResourceInfo,
    object: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let expected_api_version = resource.api_version();
    let api_version = match object.get("apiVersion") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        None | Some(Value::Null) => expected_api_version.clone(),
        Some(Value::String(_)) => expected_api_version.clone(),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "couldn't get version/kind; json parse error: json: cannot unmarshal {} into Go struct field .apiVersion of type string",
                go_kind_of(other)
            )));
        }
    };
    let kind = match object.get("kind") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        None | Some(Value::Null) | Some(Value::String(_)) => resource.kind.to_string(),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "couldn't get version/kind; json parse error: json: cannot unmarshal {} into Go struct field .kind of type string",
                go_kind_of(other)
            )));
        }
    };
    let (group, version) = registry::split_api_version(&api_version);
    if group == resource.group && version == resource.version && kind == resource.kind {
        object.insert("apiVersion".into(), Value::String(api_version));
        object.insert("kind".into(), Value::String(kind));
        return Ok(());
    }
    let Some(other) = registry::find_kind(group, version, &kind) else {
        // apimachinery runtime/scheme.go, `New`: notRegisteredErr.
        return Err(cannot_handle(
            resource,
            &kind,
            version,
            &format!(
                "no kind \"{kind}\" is registered for version \"{api_version}\" in scheme \"pkg/api/legacyscheme/scheme.go:30\""
            ),
        ));
    };
    let same_storage = other.storage_resource() == resource.storage_resource();
    if same_storage {
        // apiserver handlers/create.go and update.go: the object converts, but its version is
        // not the one of the URL.
        return Err(ApiError::BadRequest(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            resource.api_version()
        )));
    }
    // apimachinery runtime/scheme.go, `Convert`: no conversion between unrelated kinds.
    Err(cannot_handle(
        resource,
        &kind,
        version,
        &format!(
            "converting ({}.{kind}) to ({}.{}): unknown conversion",
            other.version,
            internal_package(resource.group),
            resource.kind
        ),
    ))
}

/// Runs the typed decoding of the resource's kind over `value`.
fn typed_walk(resource: &ResourceInfo, value: &Value) -> Result<Findings, WalkError> {
    use k8s_openapi::api as k8s;
    match (resource.group, resource.kind) {
        ("", "Namespace") => walker::walk::<k8s::core::v1::Namespace>(value),
        ("", "Node") => walker::walk::<k8s::core::v1::Node>(value),
        ("", "Pod") => walker::walk::<k8s::core::v1::Pod>(value),
        ("", "Service") => walker::walk::<k8s::core::v1::Service>(value),
        ("", "Endpoints") => walker::walk::<k8s::core::v1::Endpoints>(value),
        ("", "Event") => walker::walk::<k8s::core::v1::Event>(value),
        ("", "ConfigMap") => walker::walk::<k8s::core::v1::ConfigMap>(value),
        ("", "Secret") => walker::walk::<k8s::core::v1::Secret>(value),
        ("", "ServiceAccount") => walker::walk::<k8s::core::v1::ServiceAccount>(value),
        ("apps", "Deployment") => walker::walk::<k8s::apps::v1::Deployment>(value),
        ("apps", "ReplicaSet") => walker::walk::<k8s::apps::v1::ReplicaSet>(value),
        ("networking.k8s.io", "Ingress") => walker::walk::<k8s::networking::v1::Ingress>(value),
        ("networking.k8s.io", "IngressClass") => {
            walker::walk::<k8s::networking::v1::IngressClass>(value)
        }
        ("networking.k8s.io", "NetworkPolicy") => {
            walker::walk::<k8s::networking::v1::NetworkPolicy>(value)
        }
        ("discovery.k8s.io", "EndpointSlice") => {
            walker::walk::<k8s::discovery::v1::EndpointSlice>(value)
        }
        ("events.k8s.io", "Event") => walker::walk::<k8s::events::v1::Event>(value),
        ("rbac.authorization.k8s.io", "Role") => walker::walk::<k8s::rbac::v1::Role>(value),
        ("rbac.authorization.k8s.io", "RoleBinding") => {
            walker::walk::<k8s::rbac::v1::RoleBinding>(value)
        }
        ("rbac.authorization.k8s.io", "ClusterRole") => {
            walker::walk::<k8s::rbac::v1::ClusterRole>(value)
        }
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => {
            walker::walk::<k8s::rbac::v1::ClusterRoleBinding>(value)
        }
        ("coordination.k8s.io", "Lease") => walker::walk::<k8s::coordination::v1::Lease>(value),
        ("authorization.k8s.io", "SelfSubjectAccessReview") => {
            walker::walk::<k8s::authorization::v1::SelfSubjectAccessReview>(value)
        }
        ("authorization.k8s.io", "SelfSubjectRulesReview") => {
            walker::walk::<k8s::authorization::v1::SelfSubjectRulesReview>(value)
        }
        ("authorization.k8s.io", "SubjectAccessReview") => {
            walker::walk::<k8s::authorization::v1::SubjectAccessReview>(value)
        }
        ("authorization.k8s.io", "LocalSubjectAccessReview") => {
            walker::walk::<k8s::authorization::v1::LocalSubjectAccessReview>(value)
        }
        ("authentication.k8s.io", "SelfSubjectReview") => {
            walker::walk::<k8s::authentication::v1::SelfSubjectReview>(value)
        }
        ("authentication.k8s.io", "TokenReview") => {
            walker::walk::<k8s::authentication::v1::TokenReview>(value)
        }
        // A kind without a typed struct: every field is accepted as given.
        _ => Ok(Findings::default()),
    }
}

/// The Go JSON kind word of a value (`UnmarshalTypeError.Value`).
fn go_kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The Go type the serde expectation stands for, probing deeper for lists and maps.
fn go_type_of(resource: &ResourceInfo, object: &Value, path: &[Segment], expected: &str) -> String {
    match expected {
        "i32" | "a 32-bit integer" => "int32".into(),
        "i64" => "int64".into(),
        "u32" => "uint32".into(),
        "u64" => "uint64".into(),
        "f64" => "float64".into(),
        "a boolean" => "bool".into(),
        "a string" | "a borrowed string" | "a base64-encoded string" => "string".into(),
        "a sequence" => {
            let element = probe(
                resource,
                object,
                path,
                Value::Array(vec![Value::Bool(true)]),
            )
            .map(|(p, e)| go_type_of(resource, object, &p, &e))
            .unwrap_or_else(|| "interface {}".into());
            format!("[]{element}")
        }
        "a map" => {
            let mut sample = Map::new();
            sample.insert("k".into(), Value::Bool(true));
            let element = probe(resource, object, path, Value::Object(sample))
                .map(|(p, e)| go_type_of(resource, object, &p, &e))
                .unwrap_or_else(|| "interface {}".into());
            format!("map[string]{element}")
        }
        "IntOrString" => "intstr.IntOrString".into(),
        "Quantity" => "resource.Quantity".into(),
        // k8s-openapi's Time and MicroTime hand the string to jiff's Timestamp.
        "Time" | "MicroTime" | "a timestamp string" => "v1.Time".into(),
        name if name.chars().next().is_some_and(char::is_uppercase) => format!("v1.{name}"),
        other => other.to_string(),
    }
}

/// Replaces the value at `path` with `sample`, decodes again and returns where and what the
/// typed struct expected instead: how the Go type of a position is found without a schema.
fn probe(
    resource: &ResourceInfo,
    object: &Value,
    path: &[Segment],
    sample: Value,
) -> Option<(Vec<Segment>, String)> {
    let mut copy = object.clone();
    *value_at_mut(&mut copy, path)? = sample;
    match typed_walk(resource, &copy) {
        Err(WalkError {
            path: Some(p),
            problem: Problem::WrongType { expected, .. },
        }) if p.len() > path.len() || p == path => Some((p, expected)),
        _ => None,
    }
}

/// The Go name of the struct holding the field at `path` and the field's dotted path (without
/// list indices or map keys), as `UnmarshalTypeError` prints them.
fn go_struct_field(resource: &ResourceInfo, object: &Value, path: &[Segment]) -> (String, String) {
    let mut end = path.len();
    loop {
        // The nearest member name at or above `end`.
        let Some(key_at) = path[..end]
            .iter()
            .rposition(|s| matches!(s, Segment::Key(_)))
        else {
            return (resource.kind.to_string(), String::new());
        };
        let parent = &path[..key_at];
        let holder = if parent.is_empty() {
            Some(resource.kind.to_string())
        } else {
            probe(resource, object, parent, Value::Bool(true))
                .filter(|(p, _)| p == parent)
                .map(|(_, e)| e)
        };
        match holder {
            Some(name) if name == "a map" => end = key_at,
            Some(name) => {
                let field = path[..=key_at]
                    .iter()
                    .filter_map(|s| match s {
                        Segment::Key(k) => Some(k.as_str()),
                        Segment::Index(_) => None,
                    })
                    .collect::<Vec<_>>()
                    .join(".");
                return (name, field);
            }
            None => return (resource.kind.to_string(), render_path(&path[..=key_at])),
        }
    }
}

/// Go's `UnmarshalTypeError` (or the custom unmarshaler's error) for a typed decoding failure.
fn go_type_error(resource: &ResourceInfo, object: &Value, error: &WalkError) -> String {
    let path = error.path.clone().unwrap_or_default();
    let (found, expected) = match &error.problem {
        Problem::WrongType { found, expected } | Problem::BadValue { found, expected } => {
            (found, expected.as_str())
        }
        Problem::Message(message) => return go_custom_error(resource, object, &path, message),
        Problem::TooDeep => return "json: exceeded max depth".into(),
    };
    let go_type = go_type_of(resource, object, &path, expected);
    let is_integer = go_type.starts_with("int") || go_type.starts_with("uint");
    let found_word = match found {
        Found::Bool => "bool".to_string(),
        Found::Number(n) if is_integer || go_type == "intstr.IntOrString" => format!("number {n}"),
        Found::Number(_) => "number".into(),
        Found::String => "string".into(),
        Found::Array => "array".into(),
        Found::Object => "object".into(),
        Found::Null => "null".into(),
        Found::Other(o) => o.clone(),
    };
    match go_type.as_str() {
        // intstr.IntOrString.UnmarshalJSON: a non-string goes through json.Unmarshal into int32.
        "intstr.IntOrString" => {
            format!("json: cannot unmarshal {found_word} into Go value of type int32")
        }
        // resource.Quantity.UnmarshalJSON parses whatever it gets as a quantity.
        "resource.Quantity" => {
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'".into()
        }
        // metav1.Time.UnmarshalJSON: json.Unmarshal into a string first.
        "v1.Time" => {
            format!("json: cannot unmarshal {found_word} into Go value of type string")
        }
        _ => {
            let (holder, field) = go_struct_field(resource, object, &path);
            if field.is_empty() {
                format!("json: cannot unmarshal {found_word} into Go value of type {go_type}")
            } else {
                format!(
                    "json: cannot unmarshal {found_word} into Go struct field {holder}.{field} of type {go_type}"
                )
            }
        }
    }
}

/// The Go text of a failure inside a custom unmarshaler (times, base64 bytes).
fn go_custom_error(
    resource: &ResourceInfo,
    object: &Value,
    path: &[Segment],
    message: &str,
) -> String {
    let given = value_at(object, path).and_then(Value::as_str).unwrap_or("");
    match probe(resource, object, path, Value::Bool(true)).map(|(_, e)| e) {
        // metav1.Time.UnmarshalJSON: time.Parse with RFC 3339.
        Some(e) if e == "Time" || e == "a timestamp string" => format!(
            "parsing time {} as \"2006-01-02T15:04:05Z07:00\": cannot parse {} as \"2006\"",
            super::go_quote(given),
            super::go_quote(given)
        ),
        // encoding/base64 CorruptInputError, as []byte fields decode.
        Some(e) if e == "a base64-encoded string" => {
            let offset = given
                .bytes()
                .position(|c| !(c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'='))
                .unwrap_or(given.len() - given.len() % 4);
            format!("illegal base64 data at input byte {offset}")
        }
        _ => message.to_string(),
    }
}

fn value_at<'v>(value: &'v Value, path: &[Segment]) -> Option<&'v Value> {
    let mut current = value;
    for segment in path {
        current = match (segment, current) {
            (Segment::Key(k), Value::Object(m)) => m.get(k)?,
            (Segment::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

fn value_at_mut<'v>(value: &'v mut Value, path: &[Segment]) -> Option<&'v mut Value> {
    let mut current = value;
    for segment in path {
        current = match (segment, current) {
            (Segment::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Segment::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Removes the member at `path` (list elements are never removed: only object members are
/// unknown or null).
fn remove_path(value: &mut Value, path: &[Segment]) {
    let Some((Segment::Key(last), parent)) = path.split_last() else {
        return;
    };
    if let Some(Value::Object(members)) = value_at_mut(value, parent) {
        members.shift_remove(last);
    }
}

/// Go's wording for the commonest JSON syntax errors; serde_json's otherwise.
fn go_syntax_message(error: &serde_json::Error) -> String {
    if error.is_eof() {
        return "unexpected end of JSON input".into();
    }
    error.to_string()
}

/// Parses JSON into a `Value` while recording members that appear twice in one object.
struct DuplicateSeed<'d> {
    path: Vec<Segment>,
    duplicates: &'d RefCell<Vec<Vec<Segment>>>,
}

impl<'de> DeserializeSeed<'de> for DuplicateSeed<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DuplicateSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let mut path = self.path.clone();
            path.push(Segment::Index(items.len()));
            let seed = DuplicateSeed {
                path,
                duplicates: self.duplicates,
            };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let mut path = self.path.clone();
            path.push(Segment::Key(key.clone()));
            let value = map.next_value_seed(DuplicateSeed {
                path: path.clone(),
                duplicates: self.duplicates,
            })?;
            if members.contains_key(&key) {
                self.duplicates.borrow_mut().push(path);
            }
            // Go keeps the last occurrence, like serde_json.
            members.insert(key, value);
        }
        Ok(Value::Object(members))
    }
}
