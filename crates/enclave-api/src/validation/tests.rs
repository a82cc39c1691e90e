//! Tests of decoding and validation.
