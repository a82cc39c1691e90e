//! Golden tests of Tables.
