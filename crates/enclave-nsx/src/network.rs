//! The network manager's address management: one [`Ipam`] shared by the pod runtime (pod IPs)
//! and NCP (namespace networks, SNAT IPs, load balancer VIPs), persisted in the store after
//! every change so that a restart restores every allocation.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use enclave_net::{Ipam, IpamState, NetError, NetworkConfig, PodAddress};
use enclave_store::{Revision, Store, StoreError};
use tokio::sync::Notify;

use crate::NsxError;

const IPAM_KEY: &str = "/enclave.io/nsx/state/ipam";

/// The shared IPAM.
pub struct Network {
    ipam: Mutex<Ipam>,
    /// Namespace name -> uid, as NCP has seen them; lets a pod's address be given even if
    /// its namespace's network was not set up yet.
    namespace_uids: Mutex<HashMap<String, String>>,
    changed: Notify,
    store: Arc<dyn Store>,
    revision: Mutex<Revision>,
}

impl Network {
    /// Loads the IPAM state from the store (or starts empty) under `config`.
    pub async fn open(store: Arc<dyn Store>, config: NetworkConfig) -> Result<Arc<Self>, NsxError> {
        config
            .validate()
            .map_err(|e| NsxError::BadRequest(e.to_string()))?;
        let (ipam, revision) = match store.get(IPAM_KEY).await? {
            Some(kv) => {
                let state: IpamState = serde_json::from_slice(&kv.value).map_err(|e| {
                    NsxError::BadRequest(format!("the stored IP allocations are unreadable: {e}"))
                })?;
                let ipam = Ipam::from_state(config, state).map_err(|e| {
                    NsxError::BadRequest(format!(
                        "the stored IP allocations do not fit the network settings: {e}"
                    ))
                })?;
                (ipam, kv.mod_revision)
            }
            None => (
                Ipam::new(config).map_err(|e| NsxError::BadRequest(e.to_string()))?,
                0,
            ),
        };
        Ok(Arc::new(Network {
            ipam: Mutex::new(ipam),
            namespace_uids: Mutex::new(HashMap::new()),
            changed: Notify::new(),
            store,
            revision: Mutex::new(revision),
        }))
    }

    /// Runs `f` on the IPAM; the state is saved afterwards if `f` says it changed it.
    pub fn with_ipam<R>(&self, f: impl FnOnce(&mut Ipam) -> (R, bool)) -> R {
        let (result, changed) = f(&mut self.ipam.lock().unwrap_or_else(PoisonError::into_inner));
        if changed {
            self.changed.notify_one();
        }
        result
    }

    /// Reads the IPAM.
    pub fn read<R>(&self, f: impl FnOnce(&Ipam) -> R) -> R {
        f(&self.ipam.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Records a namespace and sets up its network (Tier-1, segment, SNAT IP) if needed.
    pub fn note_namespace(&self, name: &str, uid: &str) -> Result<(), NetError> {
        self.namespace_uids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_string(), uid.to_string());
        self.with_ipam(|ipam| {
            if ipam.namespace(name).is_some_and(|n| *n.uid == *uid) {
                return (Ok(()), false);
            }
            if ipam.namespace(name).is_some() {
                // The name came back with a new uid: the old namespace's addresses go.
                ipam.release_namespace(name);
            }
            let result = ipam.setup_namespace(name, uid).map(|_| ());
            (result, true)
        })
    }

    /// Forgets a deleted namespace and frees everything it held.
    pub fn forget_namespace(&self, name: &str) {
        self.namespace_uids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(name);
        self.with_ipam(|ipam| {
            let known = ipam.namespace(name).is_some();
            if known {
                ipam.release_namespace(name);
            }
            ((), known)
        });
    }

    fn ensure_namespace(&self, ipam: &mut Ipam, namespace: &str) -> bool {
        if ipam.namespace(namespace).is_some() {
            return false;
        }
        let uid = self
            .namespace_uids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(namespace)
            .cloned();
        uid.is_some_and(|uid| ipam.setup_namespace(namespace, &uid).is_ok())
    }

    /// An address for a pod (the one it has, if any).
    pub fn allocate_pod(&self, namespace: &str, uid: &str) -> Result<PodAddress, NetError> {
        self.with_ipam(|ipam| {
            let set_up = self.ensure_namespace(ipam, namespace);
            if let Some(existing) = ipam.pod(uid) {
                return (Ok(existing.clone()), set_up);
            }
            let result = ipam.allocate_pod(namespace, uid);
            let changed = set_up || result.is_ok();
            (result, changed)
        })
    }

    /// Takes back the address a pod held before a restart.
    pub fn restore_pod(&self, namespace: &str, uid: &str, ip: Ipv4Addr) -> Result<(), NetError> {
        self.with_ipam(|ipam| {
            let set_up = self.ensure_namespace(ipam, namespace);
            if ipam.pod(uid).is_some_and(|p| p.ip == ip) {
                return (Ok(()), set_up);
            }
            let result = ipam.restore_pod(namespace, uid, ip).map(|_| ());
            let changed = set_up || result.is_ok();
            (result, changed)
        })
    }

    /// Frees a pod's address.
    pub fn release_pod(&self, uid: &str) {
        self.with_ipam(|ipam| {
            let released = ipam.release_pod(uid).is_some();
            ((), released)
        });
    }

    /// Writes the state whenever it changed, until `shutdown`; then writes it a last time.
    pub async fn run_saver(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = self.changed.notified() => {
                    if let Err(error) = self.save().await {
                        tracing::warn!(%error, "Saving the IP allocations failed; retrying");
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                        self.changed.notify_one();
                    }
                }
                () = &mut shutdown => break,
            }
        }
        if let Err(error) = self.save().await {
            tracing::warn!(%error, "Saving the IP allocations at shutdown failed");
        }
    }

    /// Writes the current state to the store.
    pub async fn save(&self) -> Result<(), NsxError> {
        let bytes = self.read(|ipam| serde_json::to_vec(ipam.state()).unwrap_or_default());
        let revision = *self.revision.lock().unwrap_or_else(PoisonError::into_inner);
        let value = Bytes::from(bytes);
        let kv = if revision == 0 {
            match self.store.create(IPAM_KEY, value.clone()).await {
                Err(StoreError::AlreadyExists { .. }) => {
                    let current = self.store.get(IPAM_KEY).await?.map(|kv| kv.mod_revision);
                    self.store
                        .update(IPAM_KEY, value, current.unwrap_or(0))
                        .await?
                }
                other => other?,
            }
        } else {
            self.store.update(IPAM_KEY, value, revision).await?
        };
        *self.revision.lock().unwrap_or_else(PoisonError::into_inner) = kv.mod_revision;
        Ok(())
    }
}
