//! Validation of built-in kinds, returning kube-apiserver field errors; strict decoding of unknown fields.
