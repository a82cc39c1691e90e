//! The vSphere Pod runtime (the kubelet role): registers the nodes that stand for the ESXi
//! hosts, runs the pods bound to them as isolated built-in workloads, probes them, keeps their
//! logs and reports their status through an in-process `kube::Client`.
