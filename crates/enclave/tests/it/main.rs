//! The integration suite: the real `enclave` binary driven by real clients on loopback.

mod durability;
mod firewall;
mod harness;
mod kubectl;
mod network;
mod nsx;
mod python;
mod workloads;
