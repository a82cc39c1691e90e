//! The HTTPS client of the commands that talk to a running `enclave up` (`enclave dfw`, ...):
//! server, CA and client certificate come from a kubeconfig, as kubectl takes them.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::Value;

/// Which kubeconfig to use: `--kubeconfig`, else `$KUBECONFIG` (its first entry), else the
/// administrator kubeconfig of the default data dir.
pub fn kubeconfig_path(flag: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(path) = flag {
        return Ok(path);
    }
    if let Some(list) = std::env::var_os("KUBECONFIG")
        && let Some(first) = std::env::split_paths(&list).next()
        && !first.as_os_str().is_empty()
    {
        return Ok(first);
    }
    let home = crate::up::default_data_dir()?;
    Ok(home.join("admin.kubeconfig"))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct KubeconfigFile {
    #[serde(default)]
    current_context: String,
    #[serde(default)]
    clusters: Vec<Named<ClusterEntry>>,
    #[serde(default)]
    users: Vec<Named<UserEntry>>,
    #[serde(default)]
    contexts: Vec<Named<ContextEntry>>,
}

#[derive(Debug, Deserialize)]
struct Named<T> {
    name: String,
    #[serde(alias = "cluster", alias = "user", alias = "context")]
    value: T,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ClusterEntry {
    server: String,
    #[serde(default)]
    certificate_authority_data: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct UserEntry {
    #[serde(default)]
    client_certificate_data: Option<String>,
    #[serde(default)]
    client_key_data: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ContextEntry {
    cluster: String,
    user: String,
}

/// A client of one Enclave API listener.
pub struct ApiClient {
    base: String,
    http: reqwest::Client,
}

impl ApiClient {
    /// A client from the kubeconfig at `path` (its current context).
    pub fn from_kubeconfig(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the kubeconfig {}", path.display()))?;
        let config: KubeconfigFile = serde_saphyr::from_str(&text)
            .map_err(|e| anyhow!("the kubeconfig {} is malformed: {e}", path.display()))?;
        let context = config
            .contexts
            .iter()
            .find(|c| c.name == config.current_context)
            .ok_or_else(|| anyhow!("the kubeconfig has no current context"))?;
        let cluster = config
            .clusters
            .iter()
            .find(|c| c.name == context.value.cluster)
            .ok_or_else(|| anyhow!("cluster {:?} not in the kubeconfig", context.value.cluster))?;
        let user = config
            .users
            .iter()
            .find(|u| u.name == context.value.user)
            .ok_or_else(|| anyhow!("user {:?} not in the kubeconfig", context.value.user))?;
        let decode = |what: &str, data: &Option<String>| -> Result<Vec<u8>> {
            let data = data
                .as_deref()
                .ok_or_else(|| anyhow!("the kubeconfig's {what} is missing"))?;
            STANDARD
                .decode(data.trim())
                .map_err(|e| anyhow!("the kubeconfig's {what} is not base64: {e}"))
        };
        let ca = decode(
            "certificate-authority-data",
            &cluster.value.certificate_authority_data,
        )?;
        let mut identity = decode(
            "client-certificate-data",
            &user.value.client_certificate_data,
        )?;
        identity.extend(decode("client-key-data", &user.value.client_key_data)?);
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&ca)?)
            .identity(reqwest::Identity::from_pem(&identity)?)
            .build()?;
        Ok(ApiClient {
            base: cluster.value.server.trim_end_matches('/').to_string(),
            http,
        })
    }

    /// Sends a request with an optional JSON body; returns the JSON answer, or an error
    /// carrying the server's message.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("connecting to {}", self.base))?;
        let status = response.status();
        let bytes = response.bytes().await?;
        let value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        if !status.is_success() {
            let message = value
                .get("error_message")
                .or_else(|| value.get("message"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| value.to_string());
            let mut text = format!("{message} ({status})");
            if let Some(related) = value.get("related_errors").and_then(Value::as_array) {
                for r in related {
                    if let Some(m) = r.get("error_message").and_then(Value::as_str) {
                        text.push_str(&format!("\n  - {m}"));
                    }
                }
            }
            bail!(text);
        }
        Ok(value)
    }

    /// GETs a list envelope's `results`, following `cursor`s.
    pub async fn list(&self, path: &str) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let uri = match &cursor {
                Some(c) => format!("{path}?cursor={c}"),
                None => path.to_string(),
            };
            let page = self.call(reqwest::Method::GET, &uri, None).await?;
            if let Some(results) = page.get("results").and_then(Value::as_array) {
                out.extend(results.iter().cloned());
            }
            match page.get("cursor").and_then(Value::as_str) {
                Some(c) if !c.is_empty() => cursor = Some(c.to_string()),
                _ => return Ok(out),
            }
        }
    }
}
