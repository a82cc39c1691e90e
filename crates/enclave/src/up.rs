//! `enclave up`: prepares the data dir, opens the store, starts every component, prints
//! `enclave is ready`, and shuts everything down cleanly on SIGINT or SIGTERM.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use enclave_apiserver::auth::{AllowAuthenticated, UserInfo};
use enclave_apiserver::{ApiServer, Config};
use enclave_store::Store;
use enclave_store::embedded::EmbeddedStore;
use enclave_store::memory::MemoryStore;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use crate::UpArgs;
use crate::kubeconfig::Kubeconfig;
use crate::pki::{self, Authority};

/// How often old revisions are compacted; each pass forgets what is older than the
/// revision seen one interval before, as kube-apiserver does.
const COMPACTION_INTERVAL: Duration = Duration::from_secs(5 * 60);

fn data_dir(args: &UpArgs) -> Result<PathBuf> {
    match &args.data_dir {
        Some(dir) => Ok(dir.clone()),
        None => default_data_dir(),
    }
}

/// `$ENCLAVE_HOME`, else `~/.enclave`.
pub fn default_data_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("ENCLAVE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let home =
        std::env::var_os("HOME").context("neither --data-dir, ENCLAVE_HOME nor HOME is set")?;
    Ok(PathBuf::from(home).join(".enclave"))
}

async fn open_store(kind: &str, dir: &Path) -> Result<Arc<dyn Store>> {
    match kind {
        "embedded" => {
            let path = dir.join("store");
            std::fs::create_dir_all(&path)?;
            let store = EmbeddedStore::open(&path.join("enclave.redb"))
                .with_context(|| format!("opening the store in {}", path.display()))?;
            Ok(Arc::new(store))
        }
        "memory" => Ok(Arc::new(MemoryStore::new())),
        other => bail!("unknown store {other:?}: use `embedded` or `memory`"),
    }
}

/// Runs the platform until a signal asks it to stop.
pub async fn run(args: UpArgs) -> Result<()> {
    let dir = data_dir(&args)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let authority = Authority::load_or_create(&dir)?;
    let (cert, key) = pki::serving_material(&authority, &dir, args.api_listen.ip())?;
    let tls = crate::serve::tls_config(&authority.ca.cert_pem, &cert, &key)?;

    let host = if args.api_listen.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        args.api_listen.ip().to_string()
    };
    let server_url = match args.api_listen {
        std::net::SocketAddr::V6(a) if !a.ip().is_unspecified() => {
            format!("https://[{}]:{}", a.ip(), a.port())
        }
        a => format!("https://{host}:{}", a.port()),
    };
    let sso_admin = format!("sso:Administrator@{}", args.sso_domain);
    let user_kubeconfig = dir.join("kubeconfig");
    let admin_kubeconfig = dir.join("admin.kubeconfig");
    Kubeconfig {
        cluster: "enclave",
        server: &server_url,
        ca_pem: &authority.ca.cert_pem,
        context: "enclave",
        user: &sso_admin,
        credentials: &authority.client_cert(&sso_admin, &[])?,
    }
    .write(&user_kubeconfig)?;
    Kubeconfig {
        cluster: "enclave",
        server: &server_url,
        ca_pem: &authority.ca.cert_pem,
        context: "enclave-admin",
        user: "enclave-admin",
        credentials: &authority.client_cert("enclave-admin", &["system:masters"])?,
    }
    .write(&admin_kubeconfig)?;

    let store = open_store(&args.store, &dir).await?;
    let api = ApiServer::new(
        store.clone(),
        Arc::new(AllowAuthenticated),
        Config {
            server_address: args.api_listen.to_string(),
            service_cidr: args.service_cidr,
            ..Config::default()
        },
    );
    enclave_apiserver::bootstrap(&api)
        .await
        .map_err(|e| anyhow::anyhow!("creating the system namespaces: {e}"))?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let listener = crate::serve::bind(args.api_listen).await?;
    let nsx = enclave_nsx::NsxManager::open(store.clone(), CLUSTER_ID)
        .await
        .map_err(|e| anyhow::anyhow!("opening the network manager: {e}"))?;
    let network = enclave_nsx::Network::open(store.clone(), network_config(&args)?)
        .await
        .map_err(|e| anyhow::anyhow!("opening the network manager's IPAM: {e}"))?;
    let router = enclave_nsx::router(nsx.clone())
        .layer(axum::middleware::map_request(nsx_principal))
        .merge(enclave_apiserver::router(api.clone()));
    let api_task = tokio::spawn(crate::serve::serve_tls(
        listener,
        tls,
        router,
        stop_rx.clone(),
    ));
    let finalizer = tokio::spawn(enclave_apiserver::run_namespace_finalizer(
        api.clone(),
        stopped(stop_rx.clone()),
    ));
    let compactor = tokio::spawn(compact_periodically(
        store.clone(),
        stopped(stop_rx.clone()),
    ));
    let controllers = tokio::spawn(enclave_controllers::run(
        in_process_client(&api, "system:kube-controller-manager"),
        enclave_controllers::Config {
            root_ca_pem: Some(authority.ca.cert_pem.clone()),
        },
        stopped(stop_rx.clone()),
    ));
    let ipam_saver = tokio::spawn(network.clone().run_saver(stopped(stop_rx.clone())));
    let ncp = tokio::spawn(enclave_nsx::run_ncp(
        in_process_client(&api, "system:serviceaccount:vmware-system-nsx:ncp"),
        nsx.clone(),
        network.clone(),
        enclave_translate::Settings {
            baseline: args.baseline_policy,
            cluster: CLUSTER_ID.to_string(),
            ..enclave_translate::Settings::default()
        },
        stopped(stop_rx.clone()),
    ));
    match enclave_runtime::raise_fd_limit() {
        Ok(limit) => tracing::debug!(limit, "Open-file limit raised"),
        Err(error) => tracing::warn!(%error, "Pods may run out of file descriptors"),
    }
    let runtime = enclave_runtime::Runtime::with_addresses(
        enclave_runtime::RuntimeConfig {
            nodes: (1..=args.nodes).map(|i| format!("esxi-{i}")).collect(),
            pod_cidr: args.pod_cidr,
            allow_host_processes: args.allow_host_processes,
            ..enclave_runtime::RuntimeConfig::default()
        },
        Arc::new(enclave_runtime::BuiltinWorkloads),
        Arc::new(crate::node_agent::NsxPodAddresses(network.clone())),
    );
    api.set_node_proxy(Arc::new(crate::node_agent::RuntimeNodeProxy(
        runtime.clone(),
    )));
    let runtime_task = tokio::spawn(runtime.run(
        in_process_client(&api, "system:node:esxi"),
        stopped(stop_rx.clone()),
    ));

    println!("enclave is ready");
    println!("  API server:       {server_url}");
    println!(
        "  kubeconfig:       {} ({sso_admin})",
        user_kubeconfig.display()
    );
    println!("  admin kubeconfig: {}", admin_kubeconfig.display());
    println!("  data dir:         {}", dir.display());

    wait_for_signal().await?;
    tracing::info!("Shutting down");
    api.begin_shutdown();
    stop_tx.send_replace(true);
    api_task.await??;
    let _ = finalizer.await;
    let _ = compactor.await;
    let _ = controllers.await;
    let _ = ncp.await;
    match runtime_task.await {
        Ok(Err(error)) => tracing::warn!(%error, "The pod runtime stopped with an error"),
        Err(error) => tracing::warn!(%error, "The pod runtime panicked"),
        Ok(Ok(())) => {}
    }
    let _ = ipam_saver.await;
    store
        .close()
        .await
        .map_err(|e| anyhow::anyhow!("closing the store: {e}"))?;
    tracing::info!("Stopped");
    Ok(())
}

/// The vSphere cluster id used in names (`svc-contour-domain-c8`, NCP's principal).
const CLUSTER_ID: &str = "domain-c8";

/// The network settings of `enclave up`'s flags.
fn network_config(args: &UpArgs) -> Result<enclave_net::NetworkConfig> {
    let parse = |text: String| -> Result<enclave_net::Ipv4Cidr> {
        text.parse()
            .map_err(|e| anyhow::anyhow!("invalid CIDR {text}: {e}"))
    };
    Ok(enclave_net::NetworkConfig {
        namespace_network: parse(args.pod_cidr.to_string())?,
        service_cidr: parse(args.service_cidr.to_string())?,
        ingress_cidr: args.ingress_cidr,
        egress_cidr: args.egress_cidr,
        cluster_id: CLUSTER_ID.to_string(),
        ..enclave_net::NetworkConfig::default()
    })
}

/// Gives Policy API requests their NSX principal: the authenticated Kubernetes user.
async fn nsx_principal(mut request: axum::extract::Request) -> axum::extract::Request {
    let user = request
        .extensions()
        .get::<enclave_apiserver::auth::Identity>()
        .filter(|identity| !identity.0.is_anonymous())
        .map(|identity| identity.0.name.clone());
    if let Some(name) = user {
        request.extensions_mut().insert(enclave_nsx::Principal {
            name,
            allow_overwrite: None,
        });
    }
    request
}

/// A Kubernetes client that reaches the API server in process, as `user`. Until RBAC lands
/// (issue 8) the platform's own components act as cluster administrators.
fn in_process_client(api: &Arc<ApiServer>, user: &str) -> kube::Client {
    let identity = UserInfo::new(user, ["system:masters".to_string()]);
    kube::Client::new(
        enclave_apiserver::in_process_service(api.clone(), identity),
        "default",
    )
}

async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

async fn wait_for_signal() -> Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}

async fn compact_periodically(
    store: Arc<dyn Store>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut previous = None;
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(COMPACTION_INTERVAL) => {}
        }
        if let Some(rev) = previous
            && let Err(e) = store.compact(rev).await
        {
            tracing::warn!(error = %e, "Compaction failed");
        }
        previous = store.current_revision().await.ok();
    }
}
