//! Which workload a container runs: a pure decision over the image name and the command.

use crate::{Error, WorkloadSpec};

/// The workload a container runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Workload {
    /// The Hackazon demo web shop (image name contains `hackazon`).
    Shop,
    /// The ingress echo server (image name contains `echoserver` or `echo-server`).
    EchoServer,
    /// The Kubernetes e2e test image, with its arguments (subcommand first).
    Agnhost {
        /// The arguments after the `agnhost` binary.
        argv: Vec<String>,
    },
    /// Any other image: the pod's name, namespace and IP on each declared TCP port.
    PodInfo,
    /// A program on the host (an absolute `command[0]`, with `--allow-host-processes`).
    HostProcess {
        /// The absolute path of the program.
        program: String,
        /// Its arguments: the rest of `command`, then `args`.
        args: Vec<String>,
    },
}

/// Chooses the workload for `spec`. Image names are matched case-insensitively anywhere in the
/// reference, so registry, path and tag do not matter. An absolute `command[0]` names a host
/// program, except agnhost's own `/agnhost` entrypoint; without `allow_host_processes` such a
/// container cannot start.
pub fn select_workload(spec: &WorkloadSpec, allow_host_processes: bool) -> Result<Workload, Error> {
    let image = spec.image.to_ascii_lowercase();
    let is_agnhost = image.contains("agnhost");
    if let Some(program) = spec.command.first() {
        let rest = || {
            spec.command[1..]
                .iter()
                .chain(&spec.args)
                .cloned()
                .collect::<Vec<_>>()
        };
        if is_agnhost && program.rsplit('/').next() == Some("agnhost") {
            return Ok(Workload::Agnhost { argv: rest() });
        }
        if program.starts_with('/') {
            if !allow_host_processes {
                return Err(Error::Start(format!(
                    "container {:?} asks to run the host program {program:?}; Enclave runs host \
                     programs only when started with `enclave up --allow-host-processes` \
                     (without `command`, image {:?} runs its built-in workload, see \
                     docs/workloads.md)",
                    spec.container, spec.image
                )));
            }
            return Ok(Workload::HostProcess {
                program: program.clone(),
                args: rest(),
            });
        }
        if is_agnhost {
            // The agnhost image holds no other program: the runtime's answer is the one a
            // container runtime gives for a missing executable.
            return Err(Error::Start(format!(
                "exec: {program:?}: executable file not found in $PATH"
            )));
        }
    }
    if image.contains("hackazon") {
        return Ok(Workload::Shop);
    }
    if image.contains("echoserver") || image.contains("echo-server") {
        return Ok(Workload::EchoServer);
    }
    if is_agnhost {
        return Ok(Workload::Agnhost {
            argv: spec.args.clone(),
        });
    }
    Ok(Workload::PodInfo)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(image: &str, command: &[&str], args: &[&str]) -> WorkloadSpec {
        WorkloadSpec {
            container: "c".into(),
            image: image.into(),
            command: command.iter().map(|s| s.to_string()).collect(),
            args: args.iter().map(|s| s.to_string()).collect(),
            ..WorkloadSpec::default()
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn image_names_choose_the_workload() {
        let cases = [
            (
                "projects.registry.vmware.com/tanzu_ese_poc/hackazon:1.0",
                Workload::Shop,
            ),
            ("ianwijaya/HACKAZON", Workload::Shop),
            (
                "gcr.io/k8s-staging-ingressconformance/echoserver:v20221109-7ee2f3e",
                Workload::EchoServer,
            ),
            ("ealen/echo-server:latest", Workload::EchoServer),
            (
                "registry.k8s.io/e2e-test-images/agnhost:2.53",
                Workload::Agnhost { argv: vec![] },
            ),
            ("nginx:1.27", Workload::PodInfo),
            ("registry.k8s.io/pause:3.10", Workload::PodInfo),
            ("", Workload::PodInfo),
        ];
        for (image, expected) in cases {
            assert_eq!(
                select_workload(&spec(image, &[], &[]), false).ok(),
                Some(expected),
                "{image}"
            );
        }
    }

    #[test]
    fn agnhost_arguments_come_from_args_or_its_own_entrypoint() {
        let from_args = spec(
            "registry.k8s.io/e2e-test-images/agnhost:2.53",
            &[],
            &["netexec", "--http-port=8080"],
        );
        assert_eq!(
            select_workload(&from_args, false).ok(),
            Some(Workload::Agnhost {
                argv: strings(&["netexec", "--http-port=8080"])
            })
        );
        let from_command = spec(
            "agnhost:2.53",
            &["/agnhost", "serve-hostname"],
            &["--port", "80"],
        );
        assert_eq!(
            select_workload(&from_command, false).ok(),
            Some(Workload::Agnhost {
                argv: strings(&["serve-hostname", "--port", "80"])
            })
        );
        let missing = spec("agnhost:2.53", &["sleep"], &["10"]);
        let error = select_workload(&missing, true).err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("exec: \"sleep\": executable file not found in $PATH")
        );
    }

    #[test]
    fn absolute_commands_are_host_programs_only_when_allowed() {
        let shell = spec("busybox:1.36", &["/bin/sh", "-c"], &["exit 3"]);
        assert_eq!(
            select_workload(&shell, true).ok(),
            Some(Workload::HostProcess {
                program: "/bin/sh".into(),
                args: strings(&["-c", "exit 3"])
            })
        );
        let refused = select_workload(&shell, false)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(refused.contains("--allow-host-processes"), "{refused}");
        assert!(refused.contains("/bin/sh"), "{refused}");
        // A command that is not a path is not run: the image's built-in workload applies.
        let relative = spec("busybox:1.36", &["sleep"], &["3600"]);
        assert_eq!(
            select_workload(&relative, false).ok(),
            Some(Workload::PodInfo)
        );
    }
}
