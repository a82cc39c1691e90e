//! The ServiceAccount controller: a `default` ServiceAccount in every namespace (recreated
//! when deleted), and, when the cluster CA is configured, the `kube-root-ca.crt` ConfigMap
//! (kube's serviceaccounts-controller and root-ca-cert-publisher in one loop).

use std::collections::HashSet;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, ServiceAccount};
use kube::api::{Api, PostParams};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};

use crate::services::accounts::{
    Action, DEFAULT_SERVICE_ACCOUNT, ROOT_CA_CONFIG_MAP, namespace_actions,
};
use crate::{Context, Error};

/// How often namespaces whose writes failed are synced again.
const RETRY_INTERVAL: Duration = Duration::from_secs(1);
/// How many queued watch events are taken in before a sync round.
const MAX_EVENTS_PER_TURN: usize = 2048;

enum Change {
    Namespace(Box<watcher::Event<Namespace>>),
    Account(Box<watcher::Event<ServiceAccount>>),
    ConfigMap(Box<watcher::Event<ConfigMap>>),
}

impl Change {
    /// The namespace the change concerns, or which cache finished listing.
    fn namespace(&self) -> Result<Option<String>, usize> {
        fn of<K: kube::Resource>(
            event: &watcher::Event<K>,
            cache: usize,
            own_name: bool,
        ) -> Result<Option<String>, usize> {
            match event {
                watcher::Event::Apply(o)
                | watcher::Event::InitApply(o)
                | watcher::Event::Delete(o) => {
                    let meta = o.meta();
                    Ok(if own_name {
                        meta.name.clone()
                    } else {
                        meta.namespace.clone()
                    })
                }
                watcher::Event::Init => Ok(None),
                watcher::Event::InitDone => Err(cache),
            }
        }
        match self {
            Change::Namespace(e) => of(e, 0, true),
            Change::Account(e) => of(e, 1, false),
            Change::ConfigMap(e) => of(e, 2, false),
        }
    }
}

/// Runs the ServiceAccount controller.
pub(crate) async fn run(context: Context) -> Result<(), Error> {
    let client = context.client.clone();
    let (namespaces, namespace_writer) = reflector::store();
    let (accounts, account_writer) = reflector::store();
    let (config_maps, config_map_writer) = reflector::store();
    let namespace_changes = reflector::reflector(
        namespace_writer,
        watcher(
            Api::<Namespace>::all(client.clone()),
            watcher::Config::default(),
        ),
    )
    .default_backoff()
    .map(|e| e.map(|e| Change::Namespace(Box::new(e))));
    let account_changes = reflector::reflector(
        account_writer,
        watcher(
            Api::<ServiceAccount>::all(client.clone()),
            watcher::Config::default().fields(&format!("metadata.name={DEFAULT_SERVICE_ACCOUNT}")),
        ),
    )
    .default_backoff()
    .map(|e| e.map(|e| Change::Account(Box::new(e))));
    let config_map_changes = reflector::reflector(
        config_map_writer,
        watcher(
            Api::<ConfigMap>::all(client.clone()),
            watcher::Config::default().fields(&format!("metadata.name={ROOT_CA_CONFIG_MAP}")),
        ),
    )
    .default_backoff()
    .map(|e| e.map(|e| Change::ConfigMap(Box::new(e))));
    let mut changes = std::pin::pin!(futures::stream::select(
        namespace_changes,
        futures::stream::select(account_changes, config_map_changes)
    ));
    let caches = Caches {
        namespaces,
        accounts,
        config_maps,
    };
    let mut synced = [false; 3];
    let mut dirty: HashSet<String> = HashSet::new();
    let mut retry: HashSet<String> = HashSet::new();
    let mut retry_tick = tokio::time::interval(RETRY_INTERVAL);
    let note = |change: Change, dirty: &mut HashSet<String>, synced: &mut [bool; 3]| match change
        .namespace()
    {
        Ok(Some(namespace)) => {
            dirty.insert(namespace);
        }
        Ok(None) => {}
        Err(cache) => synced[cache] = true,
    };
    loop {
        tokio::select! {
            change = changes.next() => match change {
                Some(Ok(change)) => note(change, &mut dirty, &mut synced),
                Some(Err(error)) => tracing::debug!(%error, "serviceaccount watch error; retrying"),
                None => return Ok(()),
            },
            _ = retry_tick.tick() => dirty.extend(retry.drain()),
        }
        for _ in 0..MAX_EVENTS_PER_TURN {
            match changes.next().now_or_never() {
                Some(Some(Ok(change))) => note(change, &mut dirty, &mut synced),
                Some(Some(Err(error))) => {
                    tracing::debug!(%error, "serviceaccount watch error; retrying")
                }
                Some(None) => return Ok(()),
                None => break,
            }
        }
        if synced.contains(&false) {
            continue;
        }
        for namespace in dirty.drain() {
            if let Err(error) = sync(&context, &caches, &namespace).await {
                tracing::debug!(%namespace, %error, "serviceaccount sync failed; retrying");
                retry.insert(namespace);
            }
        }
    }
}

struct Caches {
    namespaces: Store<Namespace>,
    accounts: Store<ServiceAccount>,
    config_maps: Store<ConfigMap>,
}

async fn sync(context: &Context, caches: &Caches, namespace: &str) -> Result<(), kube::Error> {
    let Some(ns) = caches.namespaces.get(&ObjectRef::new(namespace)) else {
        return Ok(());
    };
    let has_account = caches
        .accounts
        .get(&ObjectRef::new(DEFAULT_SERVICE_ACCOUNT).within(namespace))
        .is_some();
    let root_ca = caches
        .config_maps
        .get(&ObjectRef::new(ROOT_CA_CONFIG_MAP).within(namespace));
    let actions = namespace_actions(
        &ns,
        has_account,
        root_ca.as_deref(),
        context.config.root_ca_pem.as_deref(),
    );
    for action in actions {
        let written = match action {
            Action::CreateServiceAccount(account) => {
                Api::<ServiceAccount>::namespaced(context.client.clone(), namespace)
                    .create(&PostParams::default(), &account)
                    .await
                    .map(|_| ())
            }
            Action::CreateConfigMap(config_map) => {
                Api::<ConfigMap>::namespaced(context.client.clone(), namespace)
                    .create(&PostParams::default(), &config_map)
                    .await
                    .map(|_| ())
            }
            Action::UpdateConfigMap(config_map) => {
                Api::<ConfigMap>::namespaced(context.client.clone(), namespace)
                    .replace(ROOT_CA_CONFIG_MAP, &PostParams::default(), &config_map)
                    .await
                    .map(|_| ())
            }
        };
        match written {
            Ok(()) => {}
            // The cache lagged: the object exists already, which is what was wanted.
            Err(kube::Error::Api(status))
                if status.code == 409 && status.reason == "AlreadyExists" => {}
            // A namespace being deleted refuses new objects; nothing to do there.
            Err(kube::Error::Api(status)) if status.code == 403 && ns_closing(&status.message) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

fn ns_closing(message: &str) -> bool {
    message.contains("because it is being terminated")
}
