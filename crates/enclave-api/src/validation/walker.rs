//! A serde `Deserializer` over a borrowed `serde_json::Value` that behaves like Go's
//! `encoding/json` for strict decoding: it records the path of every field the typed struct
//! ignores (unknown fields), treats `null` as "leave the zero value" as Go does, and reports the
//! path of the first type error.
//!
//! The k8s-openapi structs drive it: whatever they ignore is unknown to kube-apiserver too,
//! because both are generated from the same OpenAPI definitions.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Deeper than any built-in kind nests; beyond it the input is refused, never recursed into.
pub(crate) const MAX_DEPTH: usize = 96;

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// An object member.
    Key(String),
    /// A list element.
    Index(usize),
}

/// Renders a path as sigs.k8s.io/json does in strict errors: `spec.containers[0].name`.
pub(crate) fn render_path(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// What the walk saw besides the typed result.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    /// Fields the typed struct does not know, in document order.
    pub unknown: Vec<Vec<Segment>>,
    /// Known fields given as `null` (dropped from the decoded object, as Go's round trip does).
    pub known_nulls: Vec<Vec<Segment>>,
}

/// The JSON kind of a value as Go names it in `UnmarshalTypeError.Value`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Found {
    Bool,
    /// A number, with its literal text.
    Number(String),
    String,
    Array,
    Object,
    Null,
    Other(String),
}

/// Why the typed decoding failed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Problem {
    /// A value of the wrong JSON type (`expected` is serde's description of the wanted type).
    WrongType { found: Found, expected: String },
    /// A value of the right type but out of range or malformed.
    BadValue { found: Found, expected: String },
    /// Any other message from a deserializer (base64, time formats).
    Message(String),
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// A decoding failure and where it happened.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WalkError {
    /// Set by the innermost walker the error passes through.
    pub path: Option<Vec<Segment>>,
    pub problem: Problem,
}

impl WalkError {
    fn at(mut self, path: &[Segment]) -> Self {
        if self.path.is_none() {
            self.path = Some(path.to_vec());
        }
        self
    }
}

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::WrongType { found, expected } | Problem::BadValue { found, expected } => {
                write!(f, "found {found:?}, expected {expected}")
            }
            Problem::Message(m) => f.write_str(m),
            Problem::TooDeep => f.write_str("exceeded max depth"),
        }
    }
}

impl std::error::Error for WalkError {}

fn found_of(unexpected: &de::Unexpected<'_>) -> Found {
    match unexpected {
        de::Unexpected::Bool(_) => Found::Bool,
        de::Unexpected::Unsigned(n) => Found::Number(n.to_string()),
        de::Unexpected::Signed(n) => Found::Number(n.to_string()),
        de::Unexpected::Float(n) => Found::Number(n.to_string()),
        de::Unexpected::Str(_) | de::Unexpected::Char(_) => Found::String,
        de::Unexpected::Seq => Found::Array,
        de::Unexpected::Map => Found::Object,
        de::Unexpected::Unit | de::Unexpected::Option => Found::Null,
        other => Found::Other(other.to_string()),
    }
}

impl de::Error for WalkError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self {
            path: None,
            problem: Problem::Message(msg.to_string()),
        }
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self {
            path: None,
            problem: Problem::WrongType {
                found: found_of(&unexp),
                expected: exp.to_string(),
            },
        }
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self {
            path: None,
            problem: Problem::BadValue {
                found: found_of(&unexp),
                expected: exp.to_string(),
            },
        }
    }
}

/// The deserializer for one value at one path.
pub(crate) struct Walker<'a> {
    pub value: &'a Value,
    pub path: Vec<Segment>,
    pub findings: &'a RefCell<Findings>,
}

impl<'a> Walker<'a> {
    fn child(&self, value: &'a Value, segment: Segment) -> Result<Walker<'a>, WalkError> {
        if self.path.len() >= MAX_DEPTH {
            return Err(WalkError {
                path: Some(self.path.clone()),
                problem: Problem::TooDeep,
            });
        }
        let mut path = self.path.clone();
        path.push(segment);
        Ok(Walker {
            value,
            path,
            findings: self.findings,
        })
    }

    fn note_known_null(&self) {
        self.findings
            .borrow_mut()
            .known_nulls
            .push(self.path.clone());
    }

    /// Visits the value by its own JSON type; the visitor rejects the wrong ones.
    fn dispatch<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, WalkError> {
        let path = self.path.clone();
        let result = match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(SeqWalker {
                parent: &self,
                items: items.iter().enumerate(),
            }),
            Value::Object(members) => visitor.visit_map(MapWalker {
                parent: &self,
                members: members.iter(),
                pending: None,
            }),
        };
        result.map_err(|e| e.at(&path))
    }

    /// Go leaves the zero value for `null`; serde wants a value, so the zero value is offered.
    fn zero<V: Visitor<'a>>(self, visitor: V, zero: Zero) -> Result<V::Value, WalkError> {
        self.note_known_null();
        let path = self.path.clone();
        let result = match zero {
            Zero::Bool => visitor.visit_bool(false),
            Zero::Int => visitor.visit_u64(0),
            Zero::Float => visitor.visit_f64(0.0),
            Zero::Str => visitor.visit_borrowed_str(""),
            Zero::Seq => visitor.visit_seq(EmptySeq),
            Zero::Map => visitor.visit_map(EmptyMap),
        };
        result.map_err(|e| e.at(&path))
    }
}

enum Zero {
    Bool,
    Int,
    Float,
    Str,
    Seq,
    Map,
}

macro_rules! typed {
    ($($method:ident => $zero:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, WalkError> {
                if self.value.is_null() {
                    self.zero(visitor, Zero::$zero)
                } else {
                    self.dispatch(visitor)
                }
            }
        )*
    };
}

impl<'a> de::Deserializer<'a> for Walker<'a> {
    type Error = WalkError;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, WalkError> {
        self.dispatch(visitor)
    }

    typed! {
        deserialize_bool => Bool,
        deserialize_i8 => Int, deserialize_i16 => Int, deserialize_i32 => Int, deserialize_i64 => Int,
        deserialize_u8 => Int, deserialize_u16 => Int, deserialize_u32 => Int, deserialize_u64 => Int,
        deserialize_f32 => Float, deserialize_f64 => Float,
        deserialize_char => Str, deserialize_str => Str, deserialize_string => Str,
        deserialize_bytes => Str, deserialize_byte_buf => Str,
        deserialize_seq => Seq, deserialize_map => Map,
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, WalkError> {
        self.dispatch(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, WalkError> {
        self.dispatch(visitor)
    }

    fn deserialize_tuple<V: Visitor<'a>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, WalkError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, WalkError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, WalkError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, WalkError> {
        if self.value.is_null() {
            self.note_known_null();
            let path = self.path.clone();
            visitor.visit_none().map_err(|e: WalkError| e.at(&path))
        } else {
            let path = self.path.clone();
            visitor.visit_some(self).map_err(|e: WalkError| e.at(&path))
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, WalkError> {
        let path = self.path.clone();
        visitor.visit_newtype_struct(self).map_err(|e| e.at(&path))
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, WalkError> {
        match self.value {
            Value::String(s) => {
                let path = self.path.clone();
                visitor
                    .visit_enum(s.as_str().into_deserializer())
                    .map_err(|e: WalkError| e.at(&path))
            }
            _ => self.dispatch(visitor),
        }
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, WalkError> {
        self.dispatch(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, WalkError> {
        // The typed struct skips this member: kube-apiserver does not know it either.
        self.findings.borrow_mut().unknown.push(self.path.clone());
        visitor.visit_unit()
    }
}

struct SeqWalker<'w, 'a> {
    parent: &'w Walker<'a>,
    items: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
}

impl<'a> SeqAccess<'a> for SeqWalker<'_, 'a> {
    type Error = WalkError;

    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, WalkError> {
        match self.items.next() {
            Some((i, item)) => {
                let walker = self.parent.child(item, Segment::Index(i))?;
                seed.deserialize(walker).map(Some)
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapWalker<'w, 'a> {
    parent: &'w Walker<'a>,
    members: serde_json::map::Iter<'a>,
    pending: Option<(&'a String, &'a Value)>,
}

impl<'a> MapAccess<'a> for MapWalker<'_, 'a> {
    type Error = WalkError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, WalkError> {
        match self.members.next() {
            Some((key, value)) => {
                self.pending = Some((key, value));
                let key_de: de::value::BorrowedStrDeserializer<'a, WalkError> =
                    de::value::BorrowedStrDeserializer::new(key.as_str());
                seed.deserialize(key_de).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, WalkError> {
        match self.pending.take() {
            Some((key, value)) => {
                let walker = self.parent.child(value, Segment::Key(key.clone()))?;
                seed.deserialize(walker)
            }
            None => Err(de::Error::custom("value requested before key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}

struct EmptySeq;

impl<'a> SeqAccess<'a> for EmptySeq {
    type Error = WalkError;

    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        _seed: T,
    ) -> Result<Option<T::Value>, WalkError> {
        Ok(None)
    }
}

struct EmptyMap;

impl<'a> MapAccess<'a> for EmptyMap {
    type Error = WalkError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        _seed: K,
    ) -> Result<Option<K::Value>, WalkError> {
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, _seed: V) -> Result<V::Value, WalkError> {
        Err(de::Error::custom("value requested before key"))
    }
}

/// Decodes `value` as `T`, collecting unknown fields and known nulls.
pub(crate) fn walk<T: serde::de::DeserializeOwned>(value: &Value) -> Result<Findings, WalkError> {
    let findings = RefCell::new(Findings::default());
    let walker = Walker {
        value,
        path: Vec::new(),
        findings: &findings,
    };
    T::deserialize(walker)?;
    Ok(findings.into_inner())
}
