//! The `enclave` binary: command line, wiring, shutdown.

mod client;
mod dfw;
mod kubeconfig;
mod net;
mod node_agent;
mod pki;
mod serve;
mod up;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The server allocates many small, short-lived JSON nodes per request; glibc's malloc spent
/// a sixth of the CPU of a create under load (BENCHMARKS.md), mimalloc a fraction of that.
/// Profiling builds (`--features system-allocator`) keep malloc so heap profilers see it.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Enclave: a zero-trust Kubernetes Supervisor platform in one binary.
#[derive(Debug, Parser)]
#[command(name = "enclave", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole platform in the foreground until SIGINT or SIGTERM.
    Up(UpArgs),
    /// Read and manage the distributed firewall of a running Enclave.
    Dfw(dfw::DfwArgs),
    /// Show the network topology of a running Enclave.
    Net(net::NetArgs),
    /// Print the version of the platform and of the Kubernetes API it serves.
    Version,
}

/// Options of `enclave up`.
#[derive(Debug, clap::Args)]
pub struct UpArgs {
    /// Where Enclave keeps everything (default: $ENCLAVE_HOME, else ~/.enclave).
    #[arg(long, env = "ENCLAVE_HOME")]
    data_dir: Option<PathBuf>,
    /// The Kubernetes API and NSX Policy API listener (HTTPS).
    #[arg(long, default_value = "127.0.0.1:6443")]
    api_listen: SocketAddr,
    /// The SSO domain of the platform administrator, `sso:Administrator@DOMAIN`.
    #[arg(long, default_value = "vsphere.local")]
    sso_domain: String,
    /// The store: `embedded` (durable, in the data dir) or `memory` (lost at exit).
    #[arg(long, default_value = "embedded")]
    store: String,
    /// How many ESXi hosts (Kubernetes nodes `esxi-1` ... `esxi-N`) run vSphere Pods.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=1000))]
    nodes: u16,
    /// The Namespace Network: pod IPs, carved into /28 subnets per namespace.
    #[arg(long, default_value = "10.244.0.0/19")]
    pod_cidr: enclave_runtime::Ipv4Cidr,
    /// The Service CIDR: ClusterIPs of Services.
    #[arg(long, default_value = "10.96.0.0/22")]
    service_cidr: enclave_apiserver::allocator::Ipv4Cidr,
    /// The namespace default firewall: `supervisor` (pods of a namespace may talk to each
    /// other; ingress from other namespaces is dropped by `deny-all-ingress`) or
    /// `allow-cluster` (plain Kubernetes: all allowed until a NetworkPolicy isolates a pod).
    /// A namespace may choose with the annotation `enclave.io/baseline-policy`.
    #[arg(long, default_value = "supervisor")]
    baseline_policy: enclave_translate::Baseline,
    /// The Ingress CIDR: VIPs of Services of type LoadBalancer.
    #[arg(long, default_value = "10.15.8.0/24")]
    ingress_cidr: enclave_net::Ipv4Cidr,
    /// The Egress CIDR: one SNAT IP per namespace.
    #[arg(long, default_value = "10.15.9.0/24")]
    egress_cidr: enclave_net::Ipv4Cidr,
    /// Let a container whose command is an absolute host path run as a real host process.
    #[arg(long)]
    allow_host_processes: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Up(args) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(up::run(args))),
        Command::Dfw(args) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(dfw::run(args))),
        Command::Net(args) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(net::run(args))),
        Command::Version => {
            let v = enclave_apiserver::version();
            println!(
                "enclave {} (Kubernetes API {})",
                env!("CARGO_PKG_VERSION"),
                v["gitVersion"].as_str().unwrap_or("")
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
