//! The shape of the schema table: messages, their fields, field types and JSON presence rules.

/// One protobuf message: its fields, by field number, with their JSON names.
#[derive(Debug)]
pub(crate) struct MessageSchema {
    /// Fully qualified name (module path of k8s-pb plus the message name); used in error messages.
    pub(crate) name: &'static str,
    /// Go `[]string` types (such as `ExtraValue`) are protobuf messages `{repeated string items = 1}`
    /// but JSON arrays.
    pub(crate) string_list: bool,
    /// Fields in increasing field-number order.
    pub(crate) fields: &'static [FieldSchema],
}

/// One field of a message.
#[derive(Debug)]
pub(crate) struct FieldSchema {
    pub(crate) number: u32,
    pub(crate) json_name: &'static str,
    pub(crate) field_type: FieldType,
    pub(crate) presence: Presence,
}

/// How a field's value is read from the wire and written as JSON.
#[derive(Debug)]
pub(crate) enum FieldType {
    String,
    /// Base64 (standard alphabet, padded) in JSON, as Go's `[]byte`.
    Bytes,
    Bool,
    Int32,
    Int64,
    // No field of the current root kinds is a double or a Duration; the generator emits them
    // as soon as a kind that has one is added.
    #[allow(dead_code)]
    Double,
    Message(&'static MessageSchema),
    /// A Go struct embedded with `json:",inline"`: its fields join the enclosing object.
    Inline(&'static MessageSchema),
    /// `map<string, V>`, encoded as repeated entries `{1: key, 2: value}`.
    Map(&'static FieldType),
    /// `metav1.Time` `{1: seconds, 2: nanos}`: RFC 3339 with whole seconds, `null` when empty.
    Time,
    /// `metav1.MicroTime`: RFC 3339 with six fractional digits, `null` when empty.
    MicroTime,
    /// `metav1.Duration` `{1: nanoseconds}`: Go duration string such as `1h0m0s`.
    #[allow(dead_code)]
    Duration,
    /// `resource.Quantity` `{1: string}`: the string.
    Quantity,
    /// `intstr.IntOrString` `{1: type, 2: intVal, 3: strVal}`: a number or a string.
    IntOrString,
    /// `runtime.RawExtension` `{1: raw}`: the embedded JSON (or a nested protobuf envelope).
    RawExtension,
    /// `metav1.FieldsV1` `{1: raw}`: the embedded JSON.
    FieldsV1,
}

/// When a decoded field appears in the JSON object, following Go's `encoding/json` on the
/// Kubernetes Go types the API server would decode into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    /// Value field with `omitempty`: a zero scalar (`""`, `0`, `false`) is left out.
    OmitEmpty,
    /// Pointer field: a present zero value is meaningful and kept (e.g. `replicas: 0`).
    Pointer,
    /// Field without `omitempty`: always written, its zero value when absent.
    Required,
    /// Repeated field or map: written when it has at least one element.
    Repeated,
}
