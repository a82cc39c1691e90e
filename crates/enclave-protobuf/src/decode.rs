//! Schema-driven conversion of protobuf message bytes into the JSON that kube-apiserver would
//! produce for the same Go object.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Map, Number, Value};

use crate::DecodeError;
use crate::schema::{FieldSchema, FieldType, MessageSchema, Presence};
use crate::wire::{WireReader, WireValue};

/// Deepest message nesting accepted; real objects stay far below (a Deployment is about 12).
pub(crate) const MAX_DEPTH: usize = 64;

fn malformed(message: &str, reason: impl Into<String>) -> DecodeError {
    DecodeError::Malformed {
        message: message.to_owned(),
        reason: reason.into(),
    }
}

/// What has been read so far for one field of the message being decoded.
enum Slot<'a> {
    Absent,
    /// Last occurrence of a scalar (proto: last one wins).
    Scalar(WireValue<'a>),
    /// Every occurrence of a singular message: protobuf merges them, which is the same as
    /// decoding their concatenation.
    Segments(Vec<&'a [u8]>),
    List(Vec<Value>),
    Entries(BTreeMap<String, Value>),
}

/// Decodes one message into a JSON value (an object, or an array for string-list messages).
pub(crate) fn decode_message(
    schema: &'static MessageSchema,
    bytes: &[u8],
    depth: usize,
) -> Result<Value, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError::TooDeep { limit: MAX_DEPTH });
    }
    if schema.string_list {
        return decode_string_list(schema, bytes);
    }
    let mut slots: Vec<Slot<'_>> = schema.fields.iter().map(|_| Slot::Absent).collect();
    let mut reader = WireReader::new(bytes);
    while let Some((number, value)) = reader
        .next_field()
        .map_err(|reason| malformed(schema.name, reason))?
    {
        // Unknown field numbers (newer API versions) are skipped, as protobuf requires.
        let Some(index) = schema.fields.iter().position(|f| f.number == number) else {
            continue;
        };
        let field = &schema.fields[index];
        accept_value(schema, field, &mut slots[index], value, depth)?;
    }
    let mut object = Map::new();
    for (field, slot) in schema.fields.iter().zip(slots) {
        write_field(schema, field, slot, &mut object, depth)?;
    }
    Ok(Value::Object(object))
}

/// Files one occurrence of a field into its slot, checking its wire type.
fn accept_value<'a>(
    schema: &'static MessageSchema,
    field: &FieldSchema,
    slot: &mut Slot<'a>,
    value: WireValue<'a>,
    depth: usize,
) -> Result<(), DecodeError> {
    let wrong_wire_type = || {
        malformed(
            schema.name,
            format!(
                "field {} ({}) has unexpected wire type {}",
                field.number,
                field.json_name,
                value.wire_type_name()
            ),
        )
    };
    let is_numeric = matches!(
        field.field_type,
        FieldType::Bool | FieldType::Int32 | FieldType::Int64 | FieldType::Double
    );
    if field.presence == Presence::Repeated {
        if let FieldType::Map(value_type) = field.field_type {
            let WireValue::LengthDelimited(entry) = value else {
                return Err(wrong_wire_type());
            };
            let (key, decoded) = decode_map_entry(schema, value_type, entry, depth)?;
            if !matches!(slot, Slot::Entries(_)) {
                *slot = Slot::Entries(BTreeMap::new());
            }
            if let Slot::Entries(entries) = slot {
                entries.insert(key, decoded);
            }
            return Ok(());
        }
        if !matches!(slot, Slot::List(_)) {
            *slot = Slot::List(Vec::new());
        }
        let Slot::List(list) = slot else {
            return Ok(());
        };
        match (value, is_numeric) {
            // Packed repeated scalars: one payload holding back-to-back values.
            (WireValue::LengthDelimited(packed), true) => {
                let mut reader = WireReader::new(packed);
                while !reader.is_empty() {
                    let element = if matches!(field.field_type, FieldType::Double) {
                        reader.read_fixed64().map(WireValue::Fixed64)
                    } else {
                        reader.read_varint().map(WireValue::Varint)
                    }
                    .map_err(|reason| malformed(schema.name, reason))?;
                    list.push(scalar_to_json(schema, field, element, depth)?);
                }
            }
            _ => list.push(element_to_json(schema, field, value, depth)?),
        }
        return Ok(());
    }
    match (&field.field_type, value) {
        (FieldType::Bool | FieldType::Int32 | FieldType::Int64, WireValue::Varint(_))
        | (FieldType::Double, WireValue::Fixed64(_))
        | (FieldType::String | FieldType::Bytes, WireValue::LengthDelimited(_)) => {
            *slot = Slot::Scalar(value);
        }
        (_, WireValue::LengthDelimited(payload)) if !is_numeric => {
            if let Slot::Segments(segments) = slot {
                segments.push(payload);
            } else {
                *slot = Slot::Segments(vec![payload]);
            }
        }
        _ => return Err(wrong_wire_type()),
    }
    Ok(())
}

/// Converts one element of a repeated field.
fn element_to_json(
    schema: &'static MessageSchema,
    field: &FieldSchema,
    value: WireValue<'_>,
    depth: usize,
) -> Result<Value, DecodeError> {
    match (&field.field_type, value) {
        (FieldType::String | FieldType::Bytes, WireValue::LengthDelimited(_))
        | (FieldType::Bool | FieldType::Int32 | FieldType::Int64, WireValue::Varint(_))
        | (FieldType::Double, WireValue::Fixed64(_)) => scalar_to_json(schema, field, value, depth),
        (field_type, WireValue::LengthDelimited(payload)) => {
            composite_to_json(schema, field_type, &[payload], depth)
        }
        _ => Err(malformed(
            schema.name,
            format!(
                "field {} ({}) has unexpected wire type {}",
                field.number,
                field.json_name,
                value.wire_type_name()
            ),
        )),
    }
}

/// Converts a scalar wire value to JSON according to the field's type.
fn scalar_to_json(
    schema: &'static MessageSchema,
    field: &FieldSchema,
    value: WireValue<'_>,
    _depth: usize,
) -> Result<Value, DecodeError> {
    Ok(match (&field.field_type, value) {
        (FieldType::String, WireValue::LengthDelimited(bytes)) => string_value(bytes),
        (FieldType::Bytes, WireValue::LengthDelimited(bytes)) => bytes_value(bytes),
        (FieldType::Bool, WireValue::Varint(v)) => Value::Bool(v != 0),
        // int32 is sign-extended to 64 bits on the wire; truncation recovers it.
        (FieldType::Int32, WireValue::Varint(v)) => Value::from(v as i64 as i32),
        (FieldType::Int64, WireValue::Varint(v)) => Value::from(v as i64),
        (FieldType::Double, WireValue::Fixed64(bits)) => {
            let float = f64::from_bits(bits);
            Value::Number(Number::from_f64(float).ok_or_else(|| {
                malformed(
                    schema.name,
                    format!("field {} is not a finite number", field.json_name),
                )
            })?)
        }
        _ => {
            return Err(malformed(
                schema.name,
                format!(
                    "field {} ({}) has unexpected wire type {}",
                    field.number,
                    field.json_name,
                    value.wire_type_name()
                ),
            ));
        }
    })
}

fn string_value(bytes: &[u8]) -> Value {
    // Go does not validate UTF-8 when unmarshalling; its JSON encoder then writes U+FFFD for
    // invalid sequences, which is what a lossy conversion gives.
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

fn bytes_value(bytes: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Converts a message-typed value (message, special type) from its payload segments.
fn composite_to_json(
    schema: &'static MessageSchema,
    field_type: &FieldType,
    segments: &[&[u8]],
    depth: usize,
) -> Result<Value, DecodeError> {
    // Special types have hand-written Go unmarshallers that replace rather than merge: the
    // last occurrence wins.
    let last = segments.last().copied().unwrap_or_default();
    match field_type {
        FieldType::Message(inner) | FieldType::Inline(inner) => {
            if segments.len() <= 1 {
                decode_message(inner, last, depth + 1)
            } else {
                decode_message(inner, &segments.concat(), depth + 1)
            }
        }
        FieldType::Time => crate::special::time(last, false),
        FieldType::MicroTime => crate::special::time(last, true),
        FieldType::Duration => crate::special::duration(last),
        FieldType::Quantity => crate::special::quantity(last),
        FieldType::IntOrString => crate::special::int_or_string(last),
        FieldType::RawExtension => crate::special::raw_json(last, true, depth),
        FieldType::FieldsV1 => crate::special::raw_json(last, false, depth),
        FieldType::String => Ok(string_value(last)),
        FieldType::Bytes => Ok(bytes_value(last)),
        FieldType::Bool
        | FieldType::Int32
        | FieldType::Int64
        | FieldType::Double
        | FieldType::Map(_) => Err(malformed(
            schema.name,
            "a numeric or map field cannot be a message value",
        )),
    }
}

/// Decodes one map entry `{1: key, 2: value}`; missing parts take their zero value.
fn decode_map_entry(
    schema: &'static MessageSchema,
    value_type: &FieldType,
    entry: &[u8],
    depth: usize,
) -> Result<(String, Value), DecodeError> {
    if depth + 1 > MAX_DEPTH {
        return Err(DecodeError::TooDeep { limit: MAX_DEPTH });
    }
    let mut key: &[u8] = &[];
    let mut value: Option<&[u8]> = None;
    let mut reader = WireReader::new(entry);
    while let Some((number, wire)) = reader
        .next_field()
        .map_err(|reason| malformed(schema.name, reason))?
    {
        match (number, wire) {
            (1, WireValue::LengthDelimited(bytes)) => key = bytes,
            (2, WireValue::LengthDelimited(bytes)) => value = Some(bytes),
            (1 | 2, other) => {
                return Err(malformed(
                    schema.name,
                    format!(
                        "map entry has unexpected wire type {}",
                        other.wire_type_name()
                    ),
                ));
            }
            _ => {}
        }
    }
    let key = String::from_utf8_lossy(key).into_owned();
    let value = match value_type {
        FieldType::String => string_value(value.unwrap_or_default()),
        FieldType::Bytes => bytes_value(value.unwrap_or_default()),
        other => composite_to_json(schema, other, &[value.unwrap_or_default()], depth)?,
    };
    Ok((key, value))
}

/// Writes one field's slot into the JSON object, applying Go's presence rules.
fn write_field(
    schema: &'static MessageSchema,
    field: &FieldSchema,
    slot: Slot<'_>,
    object: &mut Map<String, Value>,
    depth: usize,
) -> Result<(), DecodeError> {
    let value = match slot {
        Slot::Absent => match field.presence {
            Presence::Required => match zero_value(&field.field_type) {
                Some(zero) => zero,
                None => return Ok(()),
            },
            _ => return Ok(()),
        },
        Slot::Scalar(wire) => {
            let value = scalar_to_json(schema, field, wire, depth)?;
            if field.presence == Presence::OmitEmpty && is_zero(&value) {
                return Ok(());
            }
            value
        }
        Slot::Segments(segments) => {
            let value = composite_to_json(schema, &field.field_type, &segments, depth)?;
            if let FieldType::Inline(_) = field.field_type {
                if let Value::Object(inlined) = value {
                    object.extend(inlined);
                }
                return Ok(());
            }
            if matches!(field.field_type, FieldType::String | FieldType::Bytes)
                && field.presence == Presence::OmitEmpty
                && is_zero(&value)
            {
                return Ok(());
            }
            value
        }
        Slot::List(list) => {
            if list.is_empty() {
                return Ok(());
            }
            Value::Array(list)
        }
        Slot::Entries(entries) => {
            if entries.is_empty() {
                return Ok(());
            }
            // Go writes map keys sorted; the BTreeMap already holds them in that order.
            Value::Object(entries.into_iter().collect())
        }
    };
    object.insert(field.json_name.to_owned(), value);
    Ok(())
}

/// The JSON Go writes for an unset non-omitempty scalar field.
fn zero_value(field_type: &FieldType) -> Option<Value> {
    match field_type {
        FieldType::String | FieldType::Bytes => Some(Value::String(String::new())),
        FieldType::Bool => Some(Value::Bool(false)),
        FieldType::Int32 | FieldType::Int64 => Some(Value::from(0)),
        FieldType::Double => Some(Value::from(0.0)),
        _ => None,
    }
}

fn is_zero(value: &Value) -> bool {
    match value {
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        _ => false,
    }
}

/// Decodes a Go `[]string` message (`{repeated string items = 1}`) into a JSON array.
fn decode_string_list(schema: &'static MessageSchema, bytes: &[u8]) -> Result<Value, DecodeError> {
    let mut items = Vec::new();
    let mut reader = WireReader::new(bytes);
    while let Some((number, value)) = reader
        .next_field()
        .map_err(|reason| malformed(schema.name, reason))?
    {
        match (number, value) {
            (1, WireValue::LengthDelimited(item)) => items.push(string_value(item)),
            (1, other) => {
                return Err(malformed(
                    schema.name,
                    format!("items has unexpected wire type {}", other.wire_type_name()),
                ));
            }
            _ => {}
        }
    }
    Ok(Value::Array(items))
}
