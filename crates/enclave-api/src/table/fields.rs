//! Lenient readers of object fields: a missing or mistyped field reads as Go's zero value, so a
//! malformed stored object still prints a row instead of failing the whole list.

use serde_json::{Map, Value};

static EMPTY: Vec<Value> = Vec::new();

/// The string at a JSON pointer, or `""`.
pub(super) fn str_at<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The integer at a JSON pointer, or 0.
pub(super) fn i64_at(object: &Value, pointer: &str) -> i64 {
    object
        .pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or_default()
}

/// The array at a JSON pointer, or an empty one.
pub(super) fn array<'a>(object: &'a Value, pointer: &str) -> &'a Vec<Value> {
    object
        .pointer(pointer)
        .and_then(Value::as_array)
        .unwrap_or(&EMPTY)
}

/// The map at a JSON pointer, if any.
pub(super) fn map<'a>(object: &'a Value, pointer: &str) -> Option<&'a Map<String, Value>> {
    object.pointer(pointer).and_then(Value::as_object)
}

/// The number of entries of a map or array at a JSON pointer.
pub(super) fn len_at(object: &Value, pointer: &str) -> usize {
    match object.pointer(pointer) {
        Some(Value::Object(m)) => m.len(),
        Some(Value::Array(a)) => a.len(),
        _ => 0,
    }
}

/// `<none>` for an empty string.
pub(super) fn none_if_empty(s: &str) -> String {
    if s.is_empty() {
        "<none>".to_string()
    } else {
        s.to_string()
    }
}
