//! The Kubernetes e2e test image `agnhost`: its `netexec`, `serve-hostname` and `pause`
//! subcommands, with the real binary's flags, endpoints, log lines and exit codes.

mod flags;
mod netexec;
mod serve_hostname;

use std::time::Duration;

use tokio::sync::watch;

use crate::support::{Output, stop_requested};
use crate::{Error, Exit, WorkloadContext, WorkloadSpec};

pub(crate) use flags::FlagSpec;

/// The name agnhost's command tree gives itself in its messages.
const ROOT: &str = "app";

/// The subcommands Enclave builds in.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "netexec",
        "Creates HTTP(S), UDP, and (optionally) SCTP servers with various endpoints",
    ),
    ("pause", "Pauses the execution"),
    ("serve-hostname", "Serves the hostname"),
];

/// Subcommands the real image has and Enclave does not.
const NOT_BUILT_IN: &[&str] = &[
    "audit-proxy",
    "connect",
    "crd-conversion-webhook",
    "dns-server-list",
    "dns-suffix",
    "entrypoint-tester",
    "etc-hosts",
    "fake-gitserver",
    "fake-registry-server",
    "grpc-health-checking",
    "guestbook",
    "http-echo",
    "inclusterclient",
    "liveness",
    "logs-generator",
    "mounttest",
    "net",
    "nettest",
    "no-snat-test",
    "no-snat-test-proxy",
    "porter",
    "port-forward-tester",
    "resource-consumer-controller",
    "test-service-account-issuer-discovery",
    "test-webserver",
    "webhook",
];

/// Runs agnhost with `argv` (the arguments after the binary).
pub(crate) async fn run(
    argv: &[String],
    spec: &WorkloadSpec,
    context: &WorkloadContext,
    stop: watch::Receiver<Option<Duration>>,
) -> Result<Exit, Error> {
    let output = Output::new(context.log.clone());
    let Some(subcommand) = argv.first() else {
        // Cobra prints the root help and succeeds when no subcommand is given.
        root_help().iter().for_each(|line| output.stdout(line));
        return Ok(Exit::from_code(0));
    };
    let rest = &argv[1..];
    match subcommand.as_str() {
        "netexec" => netexec::run(rest, spec, context, stop).await,
        "serve-hostname" => serve_hostname::run(rest, spec, context, stop).await,
        "pause" => pause(rest, &output, stop).await,
        "help" | "-h" | "--help" => {
            root_help().iter().for_each(|line| output.stdout(line));
            Ok(Exit::from_code(0))
        }
        other if NOT_BUILT_IN.contains(&other) => {
            output.stderr(&format!(
                "Error: agnhost subcommand {other:?} is not built into Enclave (built in: \
                 netexec, pause, serve-hostname)"
            ));
            output.stderr(&format!("Run '{ROOT} --help' for usage."));
            Ok(Exit::from_code(1))
        }
        other if other.starts_with('-') => {
            let name = other.trim_start_matches('-');
            let name = name.split_once('=').map(|(n, _)| n).unwrap_or(name);
            if other.starts_with("--") {
                output.stderr(&format!("Error: unknown flag: --{name}"));
            } else {
                let first = name.chars().next().unwrap_or('-');
                output.stderr(&format!(
                    "Error: unknown shorthand flag: '{first}' in {other}"
                ));
            }
            output.stderr(&format!("Run '{ROOT} --help' for usage."));
            Ok(Exit::from_code(1))
        }
        other => {
            output.stderr(&format!("Error: unknown command {other:?} for {ROOT:?}"));
            output.stderr(&format!("Run '{ROOT} --help' for usage."));
            Ok(Exit::from_code(1))
        }
    }
}

fn root_help() -> Vec<String> {
    let mut lines = vec![
        "Usage:".to_string(),
        format!("  {ROOT} [command]"),
        String::new(),
        "Available Commands:".to_string(),
    ];
    for (name, short) in BUILT_IN {
        lines.push(format!("  {name:<16} {short}"));
    }
    lines.push(String::new());
    lines.push(format!("  -h, --help   help for {ROOT}"));
    lines.push(String::new());
    lines.push(format!(
        "Use \"{ROOT} [command] --help\" for more information about a command."
    ));
    lines
}

/// Parses a subcommand's flags. `Err` is the exit to return: help printed (code 0), or a flag
/// error printed cobra's way (code 1). Subcommands take no positional arguments.
pub(crate) fn parse_subcommand_flags(
    subcommand: &str,
    specs: &[FlagSpec],
    args: &[String],
    output: &Output,
) -> Result<flags::Flags, Exit> {
    let usage = || {
        let mut lines = vec![
            "Usage:".to_string(),
            format!("  {ROOT} {subcommand} [flags]"),
            String::new(),
        ];
        lines.extend(flags::usage(specs));
        lines
    };
    match flags::parse(specs, args) {
        Ok(parsed) if parsed.help => {
            usage().iter().for_each(|line| output.stdout(line));
            Err(Exit::from_code(0))
        }
        Ok(parsed) if !parsed.positional.is_empty() => {
            output.stderr(&format!(
                "Error: accepts at most 0 arg(s), received {}",
                parsed.positional.len()
            ));
            usage().iter().for_each(|line| output.stderr(line));
            Err(Exit::from_code(1))
        }
        Ok(parsed) => Ok(parsed),
        Err(message) => {
            output.stderr(&format!("Error: {message}"));
            usage().iter().for_each(|line| output.stderr(line));
            Err(Exit::from_code(1))
        }
    }
}

/// `agnhost pause`: prints `Paused` and waits. The real binary exits with code 2 on SIGTERM.
async fn pause(
    args: &[String],
    output: &Output,
    mut stop: watch::Receiver<Option<Duration>>,
) -> Result<Exit, Error> {
    if let Err(exit) = parse_subcommand_flags("pause", &[], args, output) {
        return Ok(exit);
    }
    output.stdout("Paused");
    stop_requested(&mut stop).await;
    Ok(Exit::from_code(2))
}

/// The host name agnhost reports: the pod's name, which is a vSphere Pod's host name.
pub(crate) fn hostname(spec: &WorkloadSpec) -> String {
    spec.pod.name.clone()
}
