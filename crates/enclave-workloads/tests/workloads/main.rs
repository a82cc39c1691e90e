//! The built-in workloads over real HTTP on loopback: each one answers as docs/workloads.md
//! says, logs what it should, and ends with the documented exit code when stopped.

mod agnhost;
mod echo;
mod host_process;
mod pod_info;
mod shop;
mod support;
