//! Writing kubeconfig files for the platform's users.

use std::path::Path;

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::pki::{CertAndKey, write_private};

/// One kubeconfig: a cluster, a user with a client certificate, and a context joining them.
pub struct Kubeconfig<'a> {
    /// The cluster's name.
    pub cluster: &'a str,
    /// The API server URL.
    pub server: &'a str,
    /// The CA certificate (PEM).
    pub ca_pem: &'a str,
    /// The context's name, also the current context.
    pub context: &'a str,
    /// The user entry's name.
    pub user: &'a str,
    /// The user's client certificate and key.
    pub credentials: &'a CertAndKey,
}

impl Kubeconfig<'_> {
    /// The kubeconfig as YAML.
    pub fn render(&self) -> String {
        let b64 = |s: &str| STANDARD.encode(s.as_bytes());
        format!(
            "apiVersion: v1
kind: Config
clusters:
- name: {cluster}
  cluster:
    server: {server}
    certificate-authority-data: {ca}
users:
- name: {user:?}
  user:
    client-certificate-data: {cert}
    client-key-data: {key}
contexts:
- name: {context}
  context:
    cluster: {cluster}
    user: {user:?}
current-context: {context}
preferences: {{}}
",
            cluster = self.cluster,
            server = self.server,
            ca = b64(self.ca_pem),
            user = self.user,
            cert = b64(&self.credentials.cert_pem),
            key = b64(&self.credentials.key_pem),
            context = self.context,
        )
    }

    /// Writes the kubeconfig, readable only by its owner.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_private(path, &self.render())
    }
}
