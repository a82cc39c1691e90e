//! The `enclave` binary: command line, wiring, shutdown.

fn main() {}
