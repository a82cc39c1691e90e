//! Server-side Table output with the columns kube-apiserver prints for each kind.
