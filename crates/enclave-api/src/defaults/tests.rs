//! Tests of defaulting.
