//! Defaulting of built-in kinds, as kube-apiserver applies it on create and update.
