//! The network manager (NSX role): it owns the realized firewall, built whole from the factory
//! defaults, the objects NCP derives from Kubernetes and the objects administrators write
//! through the Policy API; it keeps rule IDs stable, persists administrator objects and rule
//! IDs in the store, and publishes every realized state to the data plane and Traceflow.
//!
//! Every change is checked on the whole candidate state before anything is written: a write
//! that would leave an invalid firewall is refused with all its problems, and nothing of it
//! is applied.

mod api;
mod error;
mod intent;
mod ncp;
mod network;
mod objects;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use enclave_dfw::defaults::factory_config;
use enclave_dfw::{DfwError, Engine, FirewallConfig, RuleIds, Stats};
use enclave_store::{Revision, Store, StoreError};
use tokio::sync::{Mutex, watch};

pub use api::{Principal, router};
pub use error::{ErrorBody, NsxError};
pub use intent::{ClusterObjects, Intent, build_intent};
pub use ncp::run as run_ncp;
pub use network::Network;
pub use objects::{Kind, NsxObject};

/// Most rules the realized firewall may hold, NCP's and administrators' together (sized for
/// 25,000 namespaces with their NetworkPolicies).
pub const MAX_RULES: usize = 1_000_000;

/// Most rules one administrator policy may hold.
pub const MAX_RULES_PER_POLICY: usize = 1_000;

/// Store key prefix of the network manager's data.
pub const STORE_PREFIX: &str = "/enclave.io/nsx";
const RULE_IDS_KEY: &str = "/enclave.io/nsx/state/rule-ids";

/// The principal identity NCP writes with, as the Supervisor's NCP does.
pub fn ncp_principal(cluster: &str) -> String {
    format!("wcp-cluster-user-{cluster}")
}

/// One realized state of the firewall: the configuration, the engine compiled from it, and
/// the rule statistics of that engine. The data plane and Traceflow decide with `engine`;
/// whoever decides with it records hits in `stats` by the engine's rule indices.
#[derive(Debug, Clone)]
pub struct Realized {
    /// Increases with every change.
    pub generation: u64,
    /// The whole configuration: normalized, with rule IDs and bookkeeping filled in.
    pub config: FirewallConfig,
    /// Paths of the objects NCP owns (read-only to users).
    pub ncp_owned: std::collections::BTreeSet<String>,
    /// The ports rules are enforced at (pods' segment ports), from NCP.
    pub inventory: Arc<enclave_dfw::Inventory>,
    /// The compiled firewall of `config` over `inventory`.
    pub engine: Arc<Engine>,
    /// Hit statistics by rule; counters of rules that survive a change carry over.
    pub stats: Arc<Stats>,
}

/// A firewall that passed validation, not yet compiled.
#[derive(Debug, Clone)]
pub struct Checked {
    config: FirewallConfig,
    ncp_owned: std::collections::BTreeSet<String>,
    inventory: Arc<enclave_dfw::Inventory>,
}

/// An administrator object as stored, with its store revisions.
#[derive(Debug, Clone)]
struct Stored<T> {
    object: T,
    mod_revision: Revision,
    version: u64,
}

#[derive(Debug, Clone, Default)]
struct State {
    policies: BTreeMap<String, Stored<enclave_dfw::SecurityPolicy>>,
    groups: BTreeMap<String, Stored<enclave_dfw::Group>>,
    services: BTreeMap<String, Stored<enclave_dfw::Service>>,
    ncp: FirewallConfig,
    inventory: Arc<enclave_dfw::Inventory>,
    rule_ids: RuleIds,
    rule_ids_revision: Revision,
    generation: u64,
}

/// The network manager.
pub struct NsxManager {
    store: Arc<dyn Store>,
    cluster: String,
    state: Mutex<State>,
    realized: watch::Sender<Arc<Realized>>,
    topology: watch::Sender<Arc<enclave_net::Topology>>,
}

impl NsxManager {
    /// Opens the manager over `store`: reads administrator objects and rule IDs and realizes
    /// the firewall. `cluster` names NCP's principal (`domain-c8`).
    pub async fn open(store: Arc<dyn Store>, cluster: &str) -> Result<Arc<Self>, NsxError> {
        let mut state = State::default();
        let listed = store
            .range(enclave_store::RangeRequest {
                prefix: format!("{STORE_PREFIX}/infra/"),
                ..Default::default()
            })
            .await?;
        for kv in listed.kvs {
            let path = kv.key[STORE_PREFIX.len()..].to_string();
            let loaded = match Kind::of_path(&path) {
                Some(Kind::Policy) => serde_json::from_slice(&kv.value).map(|o| {
                    state.policies.insert(path.clone(), stored(o, &kv));
                }),
                Some(Kind::Group) => serde_json::from_slice(&kv.value).map(|o| {
                    state.groups.insert(path.clone(), stored(o, &kv));
                }),
                Some(Kind::Service) => serde_json::from_slice(&kv.value).map(|o| {
                    state.services.insert(path.clone(), stored(o, &kv));
                }),
                None => Ok(()),
            };
            if let Err(error) = loaded {
                tracing::warn!(%path, %error, "Skipping an unreadable network manager object");
            }
        }
        if let Some(kv) = store.get(RULE_IDS_KEY).await? {
            match serde_json::from_slice(&kv.value) {
                Ok(ids) => {
                    state.rule_ids = ids;
                    state.rule_ids_revision = kv.mod_revision;
                }
                Err(error) => tracing::warn!(%error, "Rule ID table unreadable; starting anew"),
            }
        }
        let (checked, rule_ids) = match realize(&state, cluster) {
            Ok(r) => r,
            Err(problems) => {
                // Stored objects that no longer validate together (a bug, or a hand-edited
                // store) must not keep the manager down: start from NCP's and the defaults.
                tracing::error!(
                    ?problems,
                    "Stored firewall objects are invalid; ignoring them"
                );
                state.policies.clear();
                state.groups.clear();
                state.services.clear();
                realize(&state, cluster).map_err(invalid)?
            }
        };
        let realized = compile(checked, &Stats::new(), 1);
        state.generation = 1;
        let manager = NsxManager {
            store,
            cluster: cluster.to_string(),
            state: Mutex::new(state),
            realized: watch::channel(Arc::new(realized)).0,
            topology: watch::channel(Arc::new(enclave_net::Topology::default())).0,
        };
        {
            let mut state = manager.state.lock().await;
            manager.save_rule_ids(&mut state, rule_ids).await?;
        }
        Ok(Arc::new(manager))
    }

    /// Follows every realized state.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Realized>> {
        self.realized.subscribe()
    }

    /// The current realized state.
    pub fn realized(&self) -> Arc<Realized> {
        self.realized.borrow().clone()
    }

    /// The current topology (Tier-0, Tier-1s, segments, ports, NAT, load balancers).
    pub fn topology(&self) -> Arc<enclave_net::Topology> {
        self.topology.borrow().clone()
    }

    /// Follows every topology.
    pub fn subscribe_topology(&self) -> watch::Receiver<Arc<enclave_net::Topology>> {
        self.topology.subscribe()
    }

    /// Publishes NCP's latest topology.
    pub fn set_topology(&self, topology: enclave_net::Topology) {
        self.topology.send_replace(Arc::new(topology));
    }

    /// Replaces everything NCP owns with `config` (its whole translation). An invalid
    /// translation is refused whole and the previous one stays.
    pub async fn set_ncp(
        &self,
        config: FirewallConfig,
        inventory: enclave_dfw::Inventory,
    ) -> Result<(), NsxError> {
        let mut state = self.state.lock().await;
        let inventory = Arc::new(inventory);
        // Only NCP's part changes: check it with the administrators' objects as they are,
        // without copying the previous state.
        let (checked, ids) = realize_with(&state, config.clone(), inventory.clone(), &self.cluster)
            .map_err(invalid)?;
        state.ncp = config;
        state.inventory = inventory;
        self.save_rule_ids(&mut state, ids).await?;
        self.publish(&mut state, checked);
        Ok(())
    }

    async fn save_rule_ids(&self, state: &mut State, ids: RuleIds) -> Result<(), NsxError> {
        if ids == state.rule_ids && state.rule_ids_revision != 0 {
            return Ok(());
        }
        let value = Bytes::from(serde_json::to_vec(&ids).unwrap_or_default());
        let kv = if state.rule_ids_revision == 0 {
            match self.store.create(RULE_IDS_KEY, value.clone()).await {
                Err(StoreError::AlreadyExists { .. }) => {
                    let current = self.store.get(RULE_IDS_KEY).await?;
                    let revision = current.map(|kv| kv.mod_revision).unwrap_or(0);
                    self.store.update(RULE_IDS_KEY, value, revision).await?
                }
                other => other?,
            }
        } else {
            self.store
                .update(RULE_IDS_KEY, value, state.rule_ids_revision)
                .await?
        };
        state.rule_ids = ids;
        state.rule_ids_revision = kv.mod_revision;
        Ok(())
    }

    /// Compiles `checked` and makes it the realized state.
    fn publish(&self, state: &mut State, checked: Checked) {
        state.generation += 1;
        let previous = self.realized();
        let realized = compile(checked, &previous.stats, state.generation);
        self.realized.send_replace(Arc::new(realized));
    }
}

/// Compiles a checked firewall; its statistics share the counters of `previous`.
fn compile(checked: Checked, previous: &Stats, generation: u64) -> Realized {
    let engine = Engine::compile(&checked.config, &checked.inventory);
    let stats = previous.successor(&engine);
    Realized {
        generation,
        config: checked.config,
        ncp_owned: checked.ncp_owned,
        inventory: checked.inventory,
        engine: Arc::new(engine),
        stats: Arc::new(stats),
    }
}

fn stored<T>(object: T, kv: &enclave_store::KeyValue) -> Stored<T> {
    Stored {
        object,
        mod_revision: kv.mod_revision,
        version: kv.version,
    }
}

/// The firewall of one NCP turn when administrators have written nothing: the defaults and
/// NCP's `config` over `inventory`, rule IDs continued from `rule_ids`, validated whole; the
/// same steps `NsxManager::set_ncp` takes before it persists the IDs. Public so that
/// benchmarks measure exactly this code.
pub fn check_ncp(
    config: FirewallConfig,
    inventory: enclave_dfw::Inventory,
    rule_ids: RuleIds,
    cluster: &str,
) -> Result<(Checked, RuleIds), Vec<DfwError>> {
    let state = State {
        rule_ids,
        ..State::default()
    };
    realize_with(&state, config, Arc::new(inventory), cluster)
}

impl Checked {
    /// The validated configuration.
    pub fn config(&self) -> &FirewallConfig {
        &self.config
    }

    /// Compiles the engine, as the manager does when it publishes; statistics share the
    /// counters of `previous`.
    pub fn compile(self, previous: &Stats, generation: u64) -> Realized {
        compile(self, previous, generation)
    }
}

fn invalid(problems: Vec<DfwError>) -> NsxError {
    NsxError::Invalid {
        message: format!(
            "The firewall configuration is invalid ({} problem{}).",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ),
        problems: problems.iter().map(ToString::to_string).collect(),
    }
}

/// Builds the whole firewall from the defaults, NCP's objects and the administrators'
/// objects (which replace defaults at the same path), assigns rule IDs and validates.
fn realize(state: &State, cluster: &str) -> Result<(Checked, RuleIds), Vec<DfwError>> {
    realize_with(state, state.ncp.clone(), state.inventory.clone(), cluster)
}

/// [`realize`] with NCP's objects and inventory in place of the state's.
fn realize_with(
    state: &State,
    mut ncp: FirewallConfig,
    inventory: Arc<enclave_dfw::Inventory>,
    cluster: &str,
) -> Result<(Checked, RuleIds), Vec<DfwError>> {
    let mut config = factory_config();
    ncp.normalize();
    let ncp_owner = ncp_principal(cluster);
    // Collected first and built in bulk: a sorted build beats one insert per path.
    let mut owned = Vec::new();
    for p in &mut ncp.policies {
        mark_owned(&mut p.meta, &ncp_owner);
        owned.push(p.meta.path.clone());
        for r in &mut p.rules {
            mark_owned(&mut r.meta, &ncp_owner);
            owned.push(r.meta.path.clone());
        }
    }
    for g in &mut ncp.groups {
        mark_owned(&mut g.meta, &ncp_owner);
        owned.push(g.meta.path.clone());
    }
    for s in &mut ncp.services {
        mark_owned(&mut s.meta, &ncp_owner);
        owned.push(s.meta.path.clone());
    }
    let ncp_owned: std::collections::BTreeSet<String> = owned.into_iter().collect();
    config.policies.extend(ncp.policies);
    config.groups.extend(ncp.groups);
    config.services.extend(ncp.services);
    replace_or_push(
        &mut config.policies,
        state.policies.values().map(|s| with_revision(&s.object, s)),
        |p| p.meta.path.as_str(),
    );
    replace_or_push(
        &mut config.groups,
        state.groups.values().map(|s| with_revision(&s.object, s)),
        |g| g.meta.path.as_str(),
    );
    replace_or_push(
        &mut config.services,
        state.services.values().map(|s| with_revision(&s.object, s)),
        |s| s.meta.path.as_str(),
    );
    config.normalize();
    let rules: usize = config.policies.iter().map(|p| p.rules.len()).sum();
    if rules > MAX_RULES {
        return Err(vec![DfwError::TooMany {
            what: "firewall rules".into(),
            limit: MAX_RULES,
        }]);
    }
    let mut ids = state.rule_ids.clone();
    ids.assign(&mut config);
    enclave_dfw::validate(&config)?;
    Ok((
        Checked {
            config,
            ncp_owned,
            inventory,
        },
        ids,
    ))
}

fn mark_owned(meta: &mut enclave_dfw::ObjectMeta, owner: &str) {
    meta.create_user = owner.to_string();
    meta.last_modified_user = owner.to_string();
    meta.protection = "REQUIRE_OVERRIDE".into();
}

fn with_revision<T: NsxObject>(object: &T, stored: &Stored<T>) -> T {
    let mut object = object.clone();
    object.meta_mut().revision = stored.version.saturating_sub(1);
    object
}

fn replace_or_push<T>(
    list: &mut Vec<T>,
    items: impl Iterator<Item = T>,
    path: impl Fn(&T) -> &str,
) {
    for item in items {
        match list
            .iter()
            .position(|existing| path(existing) == path(&item))
        {
            Some(i) => list[i] = item,
            None => list.push(item),
        }
    }
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
