//! The Deployment controller's decisions, as kube-controller-manager 1.32 takes them, as a
//! pure function: the Deployment, its ReplicaSets and their pods in, the writes to make (create,
//! scale, delete ReplicaSets; events; the revision annotation; the status) out.
//!
//! The planner follows kube's sync step by step over working copies, so that a decision
//! made after a write sees the state that write leaves (as kube's code sees the objects its
//! updates return). The shell performs the steps in order and stops at the first failure.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet, ReplicaSetSpec,
};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::jiff::{SignedDuration, Timestamp};

use super::claim::controller_ref;
use super::hash::{POD_TEMPLATE_HASH, equal_ignoring_hash, pod_template_hash};

/// The revision of a ReplicaSet (and the Deployment's current one).
pub(crate) const REVISION: &str = "deployment.kubernetes.io/revision";
/// Revisions a ReplicaSet had before a rollback gave it a new one.
pub(crate) const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
/// The Deployment's `spec.replicas` when the ReplicaSet was last scaled.
pub(crate) const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
/// `spec.replicas + maxSurge` when the ReplicaSet was last scaled.
pub(crate) const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
const DEPRECATED_ROLLBACK_TO: &str = "deprecated.deployment.rollback.to";
/// Longest `revision-history` annotation kept.
const MAX_REVISION_HISTORY_CHARS: usize = 2000;
/// `progressDeadlineSeconds` value that means "no deadline".
const NO_DEADLINE: i32 = i32::MAX;

/// Condition reasons, as kube spells them.
pub(crate) mod reason {
    /// A new ReplicaSet was created.
    pub(crate) const NEW_RS_CREATED: &str = "NewReplicaSetCreated";
    /// The Deployment found its new ReplicaSet.
    pub(crate) const FOUND_NEW_RS: &str = "FoundNewReplicaSet";
    /// The rollout progressed.
    pub(crate) const RS_UPDATED: &str = "ReplicaSetUpdated";
    /// The rollout completed.
    pub(crate) const NEW_RS_AVAILABLE: &str = "NewReplicaSetAvailable";
    /// The rollout did not progress within its deadline.
    pub(crate) const TIMED_OUT: &str = "ProgressDeadlineExceeded";
    /// The Deployment is paused.
    pub(crate) const PAUSED: &str = "DeploymentPaused";
    /// The Deployment was resumed.
    pub(crate) const RESUMED: &str = "DeploymentResumed";
    /// The new ReplicaSet could not be created.
    pub(crate) const RS_CREATE_ERROR: &str = "ReplicaSetCreateError";
    /// Enough pods are available.
    pub(crate) const MIN_AVAILABLE: &str = "MinimumReplicasAvailable";
    /// Too few pods are available.
    pub(crate) const MIN_UNAVAILABLE: &str = "MinimumReplicasUnavailable";
}

/// One write the shell makes, in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// Create this ReplicaSet (the Deployment's new one).
    CreateReplicaSet(Box<ReplicaSet>),
    /// Replace this ReplicaSet (scale, annotations, minReadySeconds).
    UpdateReplicaSet(Box<ReplicaSet>),
    /// Delete this old ReplicaSet (history cleanup), guarded by its uid.
    DeleteReplicaSet {
        /// Its name.
        name: String,
        /// Its uid.
        uid: Option<String>,
    },
    /// Record an event on the Deployment.
    Event {
        /// `true` for a Warning.
        warning: bool,
        /// The reason.
        reason: String,
        /// The message.
        note: String,
    },
}

/// What one sync of a Deployment decides.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Plan {
    /// ReplicaSet writes and events, in order.
    pub(crate) steps: Vec<Step>,
    /// The Deployment's new `deployment.kubernetes.io/revision`, when it changes.
    pub(crate) revision: Option<String>,
    /// The Deployment's new status, when it changes.
    pub(crate) status: Option<DeploymentStatus>,
    /// When to sync again without a change (progress deadline, terminating pods).
    pub(crate) requeue_after: Option<Duration>,
}

/// Resolves an int-or-percent against `total`: percentages round up for surge and down for
/// unavailability, as apimachinery's `GetScaledValueFromIntOrPercent`.
pub(crate) fn scaled_value(value: &IntOrString, total: i32, round_up: bool) -> Result<i32, String> {
    match value {
        IntOrString::Int(i) => Ok(*i),
        IntOrString::String(s) => {
            let percent: i64 = s
                .strip_suffix('%')
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| format!("invalid value for IntOrString: invalid value {s:?}"))?;
            let scaled = percent * i64::from(total);
            let value = if round_up {
                scaled.div_euclid(100) + i64::from(scaled.rem_euclid(100) != 0)
            } else {
                scaled.div_euclid(100)
            };
            Ok(i32::try_from(value).unwrap_or(i32::MAX))
        }
    }
}

/// `(maxSurge, maxUnavailable)` for `desired` replicas; both zero becomes one unavailable.
pub(crate) fn resolve_fenceposts(
    max_surge: Option<&IntOrString>,
    max_unavailable: Option<&IntOrString>,
    desired: i32,
) -> Result<(i32, i32), String> {
    let default = IntOrString::String("25%".into());
    let surge = scaled_value(max_surge.unwrap_or(&default), desired, true)?;
    let unavailable = scaled_value(max_unavailable.unwrap_or(&default), desired, false)?;
    if surge == 0 && unavailable == 0 {
        return Ok((0, 1));
    }
    Ok((surge, unavailable))
}

fn is_rolling(d: &Deployment) -> bool {
    d.spec
        .as_ref()
        .and_then(|s| s.strategy.as_ref())
        .and_then(|s| s.type_.as_deref())
        .is_none_or(|t| t == "RollingUpdate")
}

fn fenceposts(d: &Deployment) -> Result<(i32, i32), String> {
    let rolling = d
        .spec
        .as_ref()
        .and_then(|s| s.strategy.as_ref())
        .and_then(|s| s.rolling_update.as_ref());
    resolve_fenceposts(
        rolling.and_then(|r| r.max_surge.as_ref()),
        rolling.and_then(|r| r.max_unavailable.as_ref()),
        desired_replicas(d),
    )
}

/// The resolved maxSurge (zero for Recreate).
pub(crate) fn max_surge(d: &Deployment) -> Result<i32, String> {
    if !is_rolling(d) {
        return Ok(0);
    }
    Ok(fenceposts(d)?.0)
}

/// The resolved maxUnavailable, at most `spec.replicas` (zero for Recreate).
pub(crate) fn max_unavailable(d: &Deployment) -> Result<i32, String> {
    let desired = desired_replicas(d);
    if !is_rolling(d) || desired == 0 {
        return Ok(0);
    }
    Ok(fenceposts(d)?.1.min(desired))
}

/// `spec.replicas` of a Deployment (default 1).
pub(crate) fn desired_replicas(d: &Deployment) -> i32 {
    d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

fn rs_replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

fn rs_actual(rs: &ReplicaSet) -> i32 {
    rs.status.as_ref().map(|s| s.replicas).unwrap_or(0)
}

fn rs_ready(rs: &ReplicaSet) -> i32 {
    rs.status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0)
}

/// Available pods of a ReplicaSet. A status older than the spec (the ReplicaSet was just
/// scaled down and its controller has not caught up) cannot count more pods than the spec
/// keeps, so that a stale status never lets a rollout take availability below its bound.
fn rs_available(rs: &ReplicaSet) -> i32 {
    let status = rs.status.as_ref();
    let available = status.and_then(|s| s.available_replicas).unwrap_or(0);
    let observed = status.and_then(|s| s.observed_generation).unwrap_or(0);
    if observed < rs.metadata.generation.unwrap_or(0) {
        available.min(rs_replicas(rs))
    } else {
        available
    }
}

fn annotation<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
}

fn revision_of(rs: &ReplicaSet) -> i64 {
    annotation(&rs.metadata, REVISION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn created(rs: &ReplicaSet) -> Option<Timestamp> {
    rs.metadata.creation_timestamp.as_ref().map(|t| t.0)
}

/// Oldest first, then by name (kube's `ReplicaSetsByCreationTimestamp`).
fn by_creation(a: &ReplicaSet, b: &ReplicaSet) -> std::cmp::Ordering {
    created(a)
        .cmp(&created(b))
        .then_with(|| a.metadata.name.cmp(&b.metadata.name))
}

fn has_progress_deadline(d: &Deployment) -> bool {
    d.spec
        .as_ref()
        .and_then(|s| s.progress_deadline_seconds)
        .is_some_and(|s| s != NO_DEADLINE)
}

fn progress_deadline(d: &Deployment) -> i32 {
    d.spec
        .as_ref()
        .and_then(|s| s.progress_deadline_seconds)
        .unwrap_or(600)
}

fn condition<'a>(status: &'a DeploymentStatus, type_: &str) -> Option<&'a DeploymentCondition> {
    status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == type_)
}

/// A condition stamped `now` (kube's `NewDeploymentCondition`).
pub(crate) fn new_condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: String,
    now: Timestamp,
) -> DeploymentCondition {
    DeploymentCondition {
        type_: type_.into(),
        status: status.into(),
        reason: Some(reason.into()),
        message: Some(message),
        last_update_time: Some(Time(now)),
        last_transition_time: Some(Time(now)),
    }
}

/// Sets a condition as kube's `SetDeploymentCondition`: nothing when status and reason are
/// unchanged; the transition time kept when only the reason changes; appended last.
pub(crate) fn set_condition(status: &mut DeploymentStatus, mut condition: DeploymentCondition) {
    if let Some(current) = condition_of(status, &condition.type_) {
        if current.status == condition.status && current.reason == condition.reason {
            return;
        }
        if current.status == condition.status {
            condition.last_transition_time = current.last_transition_time.clone();
        }
    }
    remove_condition(status, &condition.type_.clone());
    status
        .conditions
        .get_or_insert_with(Vec::new)
        .push(condition);
}

fn condition_of<'a>(status: &'a DeploymentStatus, type_: &str) -> Option<&'a DeploymentCondition> {
    condition(status, type_)
}

fn remove_condition(status: &mut DeploymentStatus, type_: &str) {
    if let Some(conditions) = status.conditions.as_mut() {
        conditions.retain(|c| c.type_ != type_);
        if conditions.is_empty() {
            status.conditions = None;
        }
    }
}

/// Whether the Deployment's rollout is done: every replica updated and available, and the
/// status is of the current generation.
pub(crate) fn deployment_complete(d: &Deployment, status: &DeploymentStatus) -> bool {
    let desired = desired_replicas(d);
    status.updated_replicas.unwrap_or(0) == desired
        && status.replicas.unwrap_or(0) == desired
        && status.available_replicas.unwrap_or(0) == desired
        && status.observed_generation.unwrap_or(0) >= d.metadata.generation.unwrap_or(0)
}

fn deployment_progressing(d: &Deployment, new: &DeploymentStatus) -> bool {
    let old = d.status.clone().unwrap_or_default();
    let get = |v: Option<i32>| v.unwrap_or(0);
    let old_old = get(old.replicas) - get(old.updated_replicas);
    let new_old = get(new.replicas) - get(new.updated_replicas);
    get(new.updated_replicas) > get(old.updated_replicas)
        || new_old < old_old
        || get(new.ready_replicas) > get(old.ready_replicas)
        || get(new.available_replicas) > get(old.available_replicas)
}

fn deployment_timed_out(d: &Deployment, status: &DeploymentStatus, now: Timestamp) -> bool {
    if !has_progress_deadline(d) {
        return false;
    }
    let Some(cond) = condition(status, "Progressing") else {
        return false;
    };
    match cond.reason.as_deref() {
        Some(reason::NEW_RS_AVAILABLE) => false,
        Some(reason::TIMED_OUT) => true,
        _ => cond.last_update_time.as_ref().is_some_and(|from| {
            from.0
                .checked_add(SignedDuration::from_secs(i64::from(progress_deadline(d))))
                .is_ok_and(|deadline| deadline < now)
        }),
    }
}

/// The status `Progressing=False, ReplicaSetCreateError` kube writes when the new
/// ReplicaSet cannot be created (only with a progress deadline).
pub(crate) fn create_failed_status(
    d: &Deployment,
    rs_name: &str,
    message: &str,
    now: Timestamp,
) -> Option<DeploymentStatus> {
    if !has_progress_deadline(d) {
        return None;
    }
    let mut status = d.status.clone().unwrap_or_default();
    set_condition(
        &mut status,
        new_condition(
            "Progressing",
            "False",
            reason::RS_CREATE_ERROR,
            format!("Failed to create new replica set {rs_name:?}: {message}"),
            now,
        ),
    );
    Some(status)
}

/// The inputs of one sync: the Deployment as stored, the ReplicaSets it owns (claimed) and
/// the pods of each (by ReplicaSet uid, for Recreate).
pub(crate) struct Input<'a> {
    /// The Deployment.
    pub(crate) deployment: &'a Deployment,
    /// Its ReplicaSets.
    pub(crate) replica_sets: Vec<ReplicaSet>,
    /// Pods by owning ReplicaSet uid.
    pub(crate) pods: HashMap<String, Vec<Pod>>,
    /// The time of the sync.
    pub(crate) now: Timestamp,
}

struct Planner<'a> {
    d: Deployment,
    original: &'a Deployment,
    rss: Vec<ReplicaSet>,
    pods: HashMap<String, Vec<Pod>>,
    now: Timestamp,
    steps: Vec<Step>,
    requeue: Option<Duration>,
}

/// Plans one sync of a Deployment (kube's `syncDeployment`), or says why the Deployment
/// cannot be synced (an invalid maxSurge or maxUnavailable).
pub(crate) fn plan(input: Input<'_>) -> Result<Plan, String> {
    let mut p = Planner {
        d: input.deployment.clone(),
        original: input.deployment,
        rss: input.replica_sets,
        pods: input.pods,
        now: input.now,
        steps: Vec::new(),
        requeue: None,
    };
    p.sync()?;
    Ok(p.finish())
}

impl Planner<'_> {
    fn desired(&self) -> i32 {
        desired_replicas(&self.d)
    }

    fn paused(&self) -> bool {
        self.d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false)
    }

    fn status(&mut self) -> &mut DeploymentStatus {
        self.d.status.get_or_insert_with(Default::default)
    }

    fn event(&mut self, warning: bool, reason: &str, note: String) {
        self.steps.push(Step::Event {
            warning,
            reason: reason.into(),
            note,
        });
    }

    fn sync(&mut self) -> Result<(), String> {
        let selects_all = self
            .d
            .spec
            .as_ref()
            .is_some_and(|s| s.selector == LabelSelector::default());
        if selects_all {
            self.event(
                true,
                "SelectingAll",
                "This deployment is selecting all pods. A non-empty selector is required.".into(),
            );
            let generation = self.d.metadata.generation;
            let status = self.status();
            if status.observed_generation < generation {
                status.observed_generation = generation;
            }
            return Ok(());
        }
        if self.d.metadata.deletion_timestamp.is_some() {
            let (new, old) = self.sync_revision(false)?;
            self.sync_deployment_status(new, &old)?;
            return Ok(());
        }
        self.check_paused_conditions();
        if self.paused() {
            return self.sync_scaling();
        }
        if self.is_scaling_event()? {
            return self.sync_scaling();
        }
        if is_rolling(&self.d) {
            self.rollout_rolling()
        } else {
            self.rollout_recreate()
        }
    }

    fn finish(mut self) -> Plan {
        let original_status = self.original.status.clone().unwrap_or_default();
        let status = self.d.status.take().unwrap_or_default();
        let revision = annotation(&self.d.metadata, REVISION).map(str::to_string);
        Plan {
            steps: self.steps,
            revision: revision
                .filter(|r| annotation(&self.original.metadata, REVISION) != Some(r.as_str())),
            status: (status != original_status).then_some(status),
            requeue_after: self.requeue,
        }
    }

    // === ReplicaSets and revisions ===

    /// The index of the new ReplicaSet: the oldest whose template equals the Deployment's.
    fn find_new(&self) -> Option<usize> {
        let template = self
            .d
            .spec
            .as_ref()
            .map(|s| s.template.clone())
            .unwrap_or_default();
        let mut order: Vec<usize> = (0..self.rss.len()).collect();
        order.sort_by(|a, b| by_creation(&self.rss[*a], &self.rss[*b]));
        order.into_iter().find(|i| {
            self.rss[*i]
                .spec
                .as_ref()
                .and_then(|s| s.template.as_ref())
                .is_some_and(|t| equal_ignoring_hash(t, &template))
        })
    }

    /// kube's `getAllReplicaSetsAndSyncRevision`: finds (or, when asked, creates) the new
    /// ReplicaSet, gives it the next revision, and syncs the Deployment's revision.
    fn sync_revision(&mut self, create: bool) -> Result<(Option<usize>, Vec<usize>), String> {
        let existing = self.find_new();
        let old: Vec<usize> = (0..self.rss.len())
            .filter(|i| Some(*i) != existing)
            .collect();
        let max_old_revision = old
            .iter()
            .map(|i| revision_of(&self.rss[*i]))
            .max()
            .unwrap_or(0);
        let new_revision = (max_old_revision + 1).to_string();
        if let Some(index) = existing {
            let mut rs = self.rss[index].clone();
            let annotations_changed = self.set_new_rs_annotations(&mut rs, &new_revision, true)?;
            let min_ready = self.d.spec.as_ref().and_then(|s| s.min_ready_seconds);
            let spec = rs.spec.get_or_insert_with(Default::default);
            let min_ready_changed = spec.min_ready_seconds.unwrap_or(0) != min_ready.unwrap_or(0);
            if annotations_changed || min_ready_changed {
                spec.min_ready_seconds = min_ready;
                self.rss[index] = rs.clone();
                self.steps.push(Step::UpdateReplicaSet(Box::new(rs)));
            }
            let revision = annotation(&self.rss[index].metadata, REVISION)
                .unwrap_or("")
                .to_string();
            self.set_deployment_revision(&revision);
            if has_progress_deadline(&self.d) && condition(self.status(), "Progressing").is_none() {
                let name = self.rss[index].metadata.name.clone().unwrap_or_default();
                let now = self.now;
                set_condition(
                    self.status(),
                    new_condition(
                        "Progressing",
                        "True",
                        reason::FOUND_NEW_RS,
                        format!("Found new replica set {name:?}"),
                        now,
                    ),
                );
            }
            return Ok((Some(index), old));
        }
        if !create {
            return Ok((None, old));
        }
        let spec = self.d.spec.clone().unwrap_or_default();
        let collisions = self.d.status.as_ref().and_then(|s| s.collision_count);
        let hash = pod_template_hash(&spec.template, collisions);
        let mut template: PodTemplateSpec = spec.template.clone();
        template
            .metadata
            .get_or_insert_with(Default::default)
            .labels
            .get_or_insert_with(BTreeMap::new)
            .insert(POD_TEMPLATE_HASH.into(), hash.clone());
        let mut selector = spec.selector.clone();
        selector
            .match_labels
            .get_or_insert_with(BTreeMap::new)
            .insert(POD_TEMPLATE_HASH.into(), hash.clone());
        let name = format!("{}-{hash}", self.d.metadata.name.as_deref().unwrap_or(""));
        let mut rs = ReplicaSet {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: self.d.metadata.namespace.clone(),
                owner_references: Some(vec![controller_ref(&self.d)]),
                labels: template.metadata.as_ref().and_then(|m| m.labels.clone()),
                creation_timestamp: Some(Time(self.now)),
                ..ObjectMeta::default()
            },
            spec: Some(ReplicaSetSpec {
                replicas: Some(0),
                min_ready_seconds: spec.min_ready_seconds,
                selector,
                template: Some(template),
            }),
            status: None,
        };
        self.rss.push(rs.clone());
        let index = self.rss.len() - 1;
        let all: Vec<usize> = (0..self.rss.len()).collect();
        let replicas = self.new_rs_new_replicas(&all, index)?;
        if let Some(s) = rs.spec.as_mut() {
            s.replicas = Some(replicas);
        }
        self.set_new_rs_annotations(&mut rs, &new_revision, false)?;
        self.rss[index] = rs.clone();
        self.steps.push(Step::CreateReplicaSet(Box::new(rs)));
        if replicas > 0 {
            self.event(
                false,
                "ScalingReplicaSet",
                format!("Scaled up replica set {name} from 0 to {replicas}"),
            );
        }
        self.set_deployment_revision(&new_revision);
        if has_progress_deadline(&self.d) {
            let now = self.now;
            set_condition(
                self.status(),
                new_condition(
                    "Progressing",
                    "True",
                    reason::NEW_RS_CREATED,
                    format!("Created new replica set {name:?}"),
                    now,
                ),
            );
        }
        Ok((Some(index), old))
    }

    fn set_deployment_revision(&mut self, revision: &str) {
        if revision.is_empty() {
            return;
        }
        let annotations = self
            .d
            .metadata
            .annotations
            .get_or_insert_with(BTreeMap::new);
        if annotations.get(REVISION).map(String::as_str) != Some(revision) {
            annotations.insert(REVISION.into(), revision.into());
        }
    }

    /// kube's `SetNewReplicaSetAnnotations`: copies the Deployment's annotations, raises the
    /// revision (remembering the old one in the history), and for a ReplicaSet about to be
    /// created sets the replica annotations.
    fn set_new_rs_annotations(
        &self,
        rs: &mut ReplicaSet,
        new_revision: &str,
        exists: bool,
    ) -> Result<bool, String> {
        let mut changed = false;
        let annotations = rs.metadata.annotations.get_or_insert_with(BTreeMap::new);
        for (key, value) in self.d.metadata.annotations.iter().flatten() {
            let skipped = [
                LAST_APPLIED,
                REVISION,
                REVISION_HISTORY,
                DESIRED_REPLICAS,
                MAX_REPLICAS,
                DEPRECATED_ROLLBACK_TO,
            ]
            .contains(&key.as_str());
            if !skipped && annotations.get(key) != Some(value) {
                annotations.insert(key.clone(), value.clone());
                changed = true;
            }
        }
        let old_revision = annotations.get(REVISION).cloned();
        let old_number: i64 = match old_revision.as_deref().map(str::parse) {
            None => 0,
            Some(Ok(n)) => n,
            Some(Err(_)) => return Ok(changed),
        };
        let new_number: i64 = new_revision.parse().unwrap_or(0);
        if old_number < new_number {
            annotations.insert(REVISION.into(), new_revision.into());
            changed = true;
            if let Some(old) = old_revision.filter(|o| !o.is_empty()) {
                let history = annotations
                    .get(REVISION_HISTORY)
                    .cloned()
                    .unwrap_or_default();
                let value = if history.is_empty() {
                    Some(old)
                } else {
                    let mut revisions: Vec<&str> = history.split(',').collect();
                    let mut total = history.len() + old.len() + 1;
                    let mut start = 0;
                    while total > MAX_REVISION_HISTORY_CHARS && start < revisions.len() {
                        total -= revisions[start].len() + 1;
                        start += 1;
                    }
                    (total <= MAX_REVISION_HISTORY_CHARS).then(|| {
                        revisions = revisions.split_off(start);
                        revisions.push(&old);
                        revisions.join(",")
                    })
                };
                if let Some(value) = value {
                    annotations.insert(REVISION_HISTORY.into(), value);
                }
            }
        }
        if !exists {
            let desired = self.desired();
            let max = desired + max_surge(&self.d)?;
            changed |= set_replicas_annotations(rs, desired, max);
        }
        Ok(changed)
    }

    /// kube's `NewRSNewReplicas`: how big the new ReplicaSet may be now.
    fn new_rs_new_replicas(&self, all: &[usize], new: usize) -> Result<i32, String> {
        let desired = self.desired();
        if !is_rolling(&self.d) {
            return Ok(desired);
        }
        let surge = max_surge(&self.d)?;
        let current: i32 = all.iter().map(|i| rs_replicas(&self.rss[*i])).sum();
        let max_total = desired + surge;
        let new_replicas = rs_replicas(&self.rss[new]);
        if current >= max_total {
            return Ok(new_replicas);
        }
        let scale_up = (max_total - current).min(desired - new_replicas);
        Ok(new_replicas + scale_up)
    }

    /// Scales a ReplicaSet (and refreshes its replica annotations); true when the size
    /// changed. Records `ScalingReplicaSet`.
    fn scale_rs(&mut self, index: usize, new_scale: i32) -> Result<bool, String> {
        let desired = self.desired();
        let max = desired + max_surge(&self.d)?;
        let mut rs = self.rss[index].clone();
        let old_scale = rs_replicas(&rs);
        let size_changed = old_scale != new_scale;
        let annotations_changed = replicas_annotations_need_update(&rs, desired, max);
        if !size_changed && !annotations_changed {
            return Ok(false);
        }
        rs.spec.get_or_insert_with(Default::default).replicas = Some(new_scale);
        set_replicas_annotations(&mut rs, desired, max);
        self.steps
            .push(Step::UpdateReplicaSet(Box::new(rs.clone())));
        // The stored generation moves with the spec; the working copy follows so that later
        // decisions in this sync treat the ReplicaSet's status as stale.
        if size_changed {
            rs.metadata.generation = Some(rs.metadata.generation.unwrap_or(0) + 1);
        }
        self.rss[index] = rs;
        if size_changed {
            let direction = if old_scale < new_scale { "up" } else { "down" };
            let name = self.rss[index].metadata.name.clone().unwrap_or_default();
            self.event(
                false,
                "ScalingReplicaSet",
                format!("Scaled {direction} replica set {name} from {old_scale} to {new_scale}"),
            );
        }
        Ok(size_changed)
    }

    fn active(&self, indexes: &[usize]) -> Vec<usize> {
        indexes
            .iter()
            .copied()
            .filter(|i| rs_replicas(&self.rss[*i]) > 0)
            .collect()
    }

    fn sum(&self, indexes: &[usize], f: fn(&ReplicaSet) -> i32) -> i32 {
        indexes.iter().map(|i| f(&self.rss[*i])).sum()
    }

    // === scaling (paused, or spec.replicas changed) ===

    fn is_scaling_event(&mut self) -> Result<bool, String> {
        let (new, old) = self.sync_revision(false)?;
        let all: Vec<usize> = old.iter().copied().chain(new).collect();
        let desired = self.desired();
        Ok(self.active(&all).iter().any(|i| {
            annotation(&self.rss[*i].metadata, DESIRED_REPLICAS)
                .and_then(|v| v.parse::<i32>().ok())
                .is_some_and(|v| v != desired)
        }))
    }

    fn sync_scaling(&mut self) -> Result<(), String> {
        let (new, old) = self.sync_revision(false)?;
        self.scale(new, &old)?;
        if self.paused() {
            self.cleanup(&old);
        }
        self.sync_deployment_status(new, &old)
    }

    fn scale(&mut self, new: Option<usize>, old: &[usize]) -> Result<(), String> {
        let desired = self.desired();
        if let Some(target) = self.active_or_latest(new, old) {
            if rs_replicas(&self.rss[target]) != desired {
                self.scale_rs(target, desired)?;
            }
            return Ok(());
        }
        if let Some(n) = new
            && self.is_saturated(n)
        {
            for i in self.active(old) {
                self.scale_rs(i, 0)?;
            }
            return Ok(());
        }
        if !is_rolling(&self.d) {
            return Ok(());
        }
        let mut all = self.active(&old.iter().copied().chain(new).collect::<Vec<_>>());
        let current = self.sum(&all, rs_replicas);
        let allowed = if desired > 0 {
            desired + max_surge(&self.d)?
        } else {
            0
        };
        let to_add = allowed - current;
        let newer_first = to_add > 0;
        all.sort_by(|a, b| {
            let (ra, rb) = (&self.rss[*a], &self.rss[*b]);
            rs_replicas(rb).cmp(&rs_replicas(ra)).then_with(|| {
                if newer_first {
                    by_creation(rb, ra)
                } else {
                    by_creation(ra, rb)
                }
            })
        });
        let mut added = 0;
        let mut sizes = Vec::with_capacity(all.len());
        for i in &all {
            let size = rs_replicas(&self.rss[*i]);
            if to_add != 0 {
                let proportion = self.proportion(*i, to_add, added)?;
                sizes.push(size + proportion);
                added += proportion;
            } else {
                sizes.push(size);
            }
        }
        for (position, i) in all.iter().enumerate() {
            let mut size = sizes[position];
            if position == 0 && to_add != 0 {
                size = (size + to_add - added).max(0);
            }
            self.scale_rs(*i, size)?;
        }
        Ok(())
    }

    fn active_or_latest(&self, new: Option<usize>, old: &[usize]) -> Option<usize> {
        if new.is_none() && old.is_empty() {
            return None;
        }
        let mut old_sorted = old.to_vec();
        old_sorted.sort_by(|a, b| by_creation(&self.rss[*b], &self.rss[*a]));
        let all: Vec<usize> = old_sorted.iter().copied().chain(new).collect();
        let active = self.active(&all);
        match active.len() {
            0 => new.or_else(|| old_sorted.first().copied()),
            1 => active.first().copied(),
            _ => None,
        }
    }

    fn is_saturated(&self, index: usize) -> bool {
        let rs = &self.rss[index];
        let desired = self.desired();
        let annotated =
            annotation(&rs.metadata, DESIRED_REPLICAS).and_then(|v| v.parse::<i32>().ok());
        rs_replicas(rs) == desired
            && annotated == Some(desired)
            && rs
                .status
                .as_ref()
                .and_then(|s| s.available_replicas)
                .unwrap_or(0)
                == desired
    }

    fn proportion(&self, index: usize, to_add: i32, added: i32) -> Result<i32, String> {
        let rs = &self.rss[index];
        let size = rs_replicas(rs);
        if size == 0 || to_add == 0 || to_add == added {
            return Ok(0);
        }
        let fraction = self.fraction(rs)?;
        let allowed = to_add - added;
        Ok(if to_add > 0 {
            fraction.min(allowed)
        } else {
            fraction.max(allowed)
        })
    }

    fn fraction(&self, rs: &ReplicaSet) -> Result<i32, String> {
        let desired = self.desired();
        let size = rs_replicas(rs);
        if desired == 0 {
            return Ok(-size);
        }
        let deployment_replicas = desired + max_surge(&self.d)?;
        let annotated = annotation(&rs.metadata, MAX_REPLICAS)
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or_else(|| {
                self.original
                    .status
                    .as_ref()
                    .and_then(|s| s.replicas)
                    .unwrap_or(0)
            });
        if annotated == 0 {
            return Ok(0);
        }
        let new_size = f64::from(size) * f64::from(deployment_replicas) / f64::from(annotated);
        Ok(new_size.round() as i32 - size)
    }

    // === RollingUpdate ===

    fn rollout_rolling(&mut self) -> Result<(), String> {
        let (new, old) = self.sync_revision(true)?;
        let Some(new) = new else {
            return Ok(());
        };
        let all: Vec<usize> = old.iter().copied().chain([new]).collect();
        if self.reconcile_new(&all, new)? {
            return self.sync_rollout_status(Some(new), &old);
        }
        let active_old = self.active(&old);
        if self.reconcile_old(&active_old, new)? {
            return self.sync_rollout_status(Some(new), &old);
        }
        let status = self.d.status.clone().unwrap_or_default();
        if deployment_complete(&self.d, &status) {
            self.cleanup(&old);
        }
        self.sync_rollout_status(Some(new), &old)
    }

    fn reconcile_new(&mut self, all: &[usize], new: usize) -> Result<bool, String> {
        let desired = self.desired();
        let current = rs_replicas(&self.rss[new]);
        if current == desired {
            return Ok(false);
        }
        if current > desired {
            return self.scale_rs(new, desired);
        }
        let count = self.new_rs_new_replicas(all, new)?;
        self.scale_rs(new, count)
    }

    fn reconcile_old(&mut self, old: &[usize], new: usize) -> Result<bool, String> {
        let old_pods = self.sum(old, rs_replicas);
        if old_pods == 0 {
            return Ok(false);
        }
        let all: Vec<usize> = old.iter().copied().chain([new]).collect();
        let all_pods = self.sum(&all, rs_replicas);
        let min_available = self.desired() - max_unavailable(&self.d)?;
        let new_unavailable = rs_replicas(&self.rss[new]) - rs_available(&self.rss[new]);
        let max_scaled_down = all_pods - min_available - new_unavailable;
        if max_scaled_down <= 0 {
            return Ok(false);
        }
        let cleaned = self.cleanup_unhealthy(old, max_scaled_down)?;
        let scaled = self.scale_down_old_for_rolling(&all, old)?;
        Ok(cleaned + scaled > 0)
    }

    fn sorted_by_creation(&self, indexes: &[usize]) -> Vec<usize> {
        let mut sorted = indexes.to_vec();
        sorted.sort_by(|a, b| by_creation(&self.rss[*a], &self.rss[*b]));
        sorted
    }

    fn cleanup_unhealthy(&mut self, old: &[usize], max_cleanup: i32) -> Result<i32, String> {
        let mut total = 0;
        for i in self.sorted_by_creation(old) {
            if total >= max_cleanup {
                break;
            }
            let rs = &self.rss[i];
            let (replicas, available) = (rs_replicas(rs), rs_available(rs));
            if replicas == 0 || replicas == available {
                continue;
            }
            let scaled_down = (max_cleanup - total).min(replicas - available);
            self.scale_rs(i, replicas - scaled_down)?;
            total += scaled_down;
        }
        Ok(total)
    }

    fn scale_down_old_for_rolling(&mut self, all: &[usize], old: &[usize]) -> Result<i32, String> {
        let min_available = self.desired() - max_unavailable(&self.d)?;
        let available = self.sum(all, rs_available);
        if available <= min_available {
            return Ok(0);
        }
        let to_scale_down = available - min_available;
        let mut total = 0;
        for i in self.sorted_by_creation(old) {
            if total >= to_scale_down {
                break;
            }
            let replicas = rs_replicas(&self.rss[i]);
            if replicas == 0 {
                continue;
            }
            let scale_down = replicas.min(to_scale_down - total);
            self.scale_rs(i, replicas - scale_down)?;
            total += scale_down;
        }
        Ok(total)
    }

    // === Recreate ===

    fn rollout_recreate(&mut self) -> Result<(), String> {
        let (mut new, mut old) = self.sync_revision(false)?;
        let mut scaled_down = false;
        for i in self.active(&old) {
            if rs_replicas(&self.rss[i]) != 0 {
                self.scale_rs(i, 0)?;
                scaled_down = true;
            }
        }
        if scaled_down {
            return self.sync_rollout_status(new, &old);
        }
        if self.old_pods_running(new, &old) {
            // Pods that are terminating give no event when they finally go; look again.
            self.requeue = Some(Duration::from_secs(1));
            return self.sync_rollout_status(new, &old);
        }
        if new.is_none() {
            (new, old) = self.sync_revision(true)?;
        }
        if let Some(n) = new {
            let desired = self.desired();
            if rs_replicas(&self.rss[n]) != desired {
                self.scale_rs(n, desired)?;
            }
        }
        let status = self.d.status.clone().unwrap_or_default();
        if deployment_complete(&self.d, &status) {
            self.cleanup(&old);
        }
        self.sync_rollout_status(new, &old)
    }

    fn old_pods_running(&self, new: Option<usize>, old: &[usize]) -> bool {
        if self.sum(old, rs_actual) > 0 {
            return true;
        }
        let new_uid = new.and_then(|n| self.rss[n].metadata.uid.clone());
        self.pods.iter().any(|(uid, pods)| {
            Some(uid) != new_uid.as_ref()
                && pods.iter().any(|p| {
                    let phase = p.status.as_ref().and_then(|s| s.phase.as_deref());
                    !matches!(phase, Some("Failed" | "Succeeded"))
                })
        })
    }

    // === history ===

    fn cleanup(&mut self, old: &[usize]) {
        let Some(limit) = self
            .d
            .spec
            .as_ref()
            .map(|s| s.revision_history_limit.unwrap_or(10))
        else {
            return;
        };
        let mut cleanable: Vec<usize> = old
            .iter()
            .copied()
            .filter(|i| self.rss[*i].metadata.deletion_timestamp.is_none())
            .collect();
        let diff = i64::try_from(cleanable.len()).unwrap_or(i64::MAX) - i64::from(limit);
        if diff <= 0 {
            return;
        }
        cleanable.sort_by(|a, b| {
            let (ra, rb) = (&self.rss[*a], &self.rss[*b]);
            revision_of(ra)
                .cmp(&revision_of(rb))
                .then_with(|| by_creation(ra, rb))
        });
        for i in cleanable
            .into_iter()
            .take(usize::try_from(diff).unwrap_or(0))
        {
            let rs = &self.rss[i];
            let observed = rs
                .status
                .as_ref()
                .and_then(|s| s.observed_generation)
                .unwrap_or(0);
            if rs_actual(rs) != 0
                || rs_replicas(rs) != 0
                || rs.metadata.generation.unwrap_or(0) > observed
            {
                continue;
            }
            self.steps.push(Step::DeleteReplicaSet {
                name: rs.metadata.name.clone().unwrap_or_default(),
                uid: rs.metadata.uid.clone(),
            });
        }
    }

    // === status ===

    fn calculate_status(
        &self,
        new: Option<usize>,
        old: &[usize],
    ) -> Result<DeploymentStatus, String> {
        let all: Vec<usize> = old.iter().copied().chain(new).collect();
        let available = self.sum(&all, rs_available);
        let total = self.sum(&all, rs_replicas);
        let nonzero = |n: i32| (n != 0).then_some(n);
        let current = self.d.status.clone().unwrap_or_default();
        let mut status = DeploymentStatus {
            observed_generation: self.d.metadata.generation,
            replicas: nonzero(self.sum(&all, rs_actual)),
            updated_replicas: nonzero(new.map(|n| rs_actual(&self.rss[n])).unwrap_or(0)),
            ready_replicas: nonzero(self.sum(&all, rs_ready)),
            available_replicas: nonzero(available),
            unavailable_replicas: nonzero((total - available).max(0)),
            collision_count: current.collision_count,
            conditions: current.conditions.clone(),
            terminating_replicas: None,
        };
        let now = self.now;
        if available >= self.desired() - max_unavailable(&self.d)? {
            set_condition(
                &mut status,
                new_condition(
                    "Available",
                    "True",
                    reason::MIN_AVAILABLE,
                    "Deployment has minimum availability.".into(),
                    now,
                ),
            );
        } else {
            set_condition(
                &mut status,
                new_condition(
                    "Available",
                    "False",
                    reason::MIN_UNAVAILABLE,
                    "Deployment does not have minimum availability.".into(),
                    now,
                ),
            );
        }
        Ok(status)
    }

    fn sync_deployment_status(&mut self, new: Option<usize>, old: &[usize]) -> Result<(), String> {
        let status = self.calculate_status(new, old)?;
        self.d.status = Some(status);
        Ok(())
    }

    fn check_paused_conditions(&mut self) {
        if !has_progress_deadline(&self.d) {
            return;
        }
        let paused = self.paused();
        let now = self.now;
        let status = self.status();
        let current = condition(status, "Progressing").and_then(|c| c.reason.clone());
        if current.as_deref() == Some(reason::TIMED_OUT) {
            return;
        }
        let paused_exists = current.as_deref() == Some(reason::PAUSED);
        if paused && !paused_exists {
            set_condition(
                status,
                new_condition(
                    "Progressing",
                    "Unknown",
                    reason::PAUSED,
                    "Deployment is paused".into(),
                    now,
                ),
            );
        } else if !paused && paused_exists {
            set_condition(
                status,
                new_condition(
                    "Progressing",
                    "Unknown",
                    reason::RESUMED,
                    "Deployment is resumed".into(),
                    now,
                ),
            );
        }
    }

    fn sync_rollout_status(&mut self, new: Option<usize>, old: &[usize]) -> Result<(), String> {
        let mut status = self.calculate_status(new, old)?;
        let now = self.now;
        if !has_progress_deadline(&self.d) {
            remove_condition(&mut status, "Progressing");
        }
        let current_status = self.d.status.clone().unwrap_or_default();
        let current = condition(&current_status, "Progressing").cloned();
        let complete_before = status.replicas == status.updated_replicas
            && current.as_ref().and_then(|c| c.reason.as_deref()) == Some(reason::NEW_RS_AVAILABLE);
        let new_name = new.and_then(|n| self.rss[n].metadata.name.clone());
        let subject = |what: &str| match &new_name {
            Some(name) => format!("ReplicaSet {name:?} {what}"),
            None => format!(
                "Deployment {:?} {what}",
                self.d.metadata.name.as_deref().unwrap_or("")
            ),
        };
        if has_progress_deadline(&self.d) && !complete_before {
            if deployment_complete(&self.d, &status) {
                set_condition(
                    &mut status,
                    new_condition(
                        "Progressing",
                        "True",
                        reason::NEW_RS_AVAILABLE,
                        subject("has successfully progressed."),
                        now,
                    ),
                );
            } else if deployment_progressing(self.original, &status) {
                let mut cond = new_condition(
                    "Progressing",
                    "True",
                    reason::RS_UPDATED,
                    subject("is progressing."),
                    now,
                );
                if let Some(c) = &current {
                    if c.status == "True" {
                        cond.last_transition_time = c.last_transition_time.clone();
                    }
                    remove_condition(&mut status, "Progressing");
                }
                set_condition(&mut status, cond);
            } else if deployment_timed_out(&self.d, &status, now) {
                set_condition(
                    &mut status,
                    new_condition(
                        "Progressing",
                        "False",
                        reason::TIMED_OUT,
                        subject("has timed out progressing."),
                        now,
                    ),
                );
            }
        }
        match self.replica_failure(new, old) {
            Some(failure) => set_condition(&mut status, failure),
            None => remove_condition(&mut status, "ReplicaFailure"),
        }
        if status == current_status {
            self.requeue_if_stuck(&status);
        }
        self.d.status = Some(status);
        Ok(())
    }

    fn replica_failure(&self, new: Option<usize>, old: &[usize]) -> Option<DeploymentCondition> {
        let failure_of = |i: usize| {
            self.rss[i]
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .and_then(|c| c.iter().find(|c| c.type_ == "ReplicaFailure"))
                .map(|c| DeploymentCondition {
                    type_: c.type_.clone(),
                    status: c.status.clone(),
                    reason: c.reason.clone(),
                    message: c.message.clone(),
                    last_update_time: c.last_transition_time.clone(),
                    last_transition_time: c.last_transition_time.clone(),
                })
        };
        new.and_then(failure_of)
            .or_else(|| old.iter().copied().chain(new).find_map(failure_of))
    }

    /// kube's `requeueStuckDeployment`: look again when the progress deadline would pass.
    fn requeue_if_stuck(&mut self, status: &DeploymentStatus) {
        let Some(cond) = condition(status, "Progressing") else {
            return;
        };
        if !has_progress_deadline(&self.d)
            || deployment_complete(&self.d, status)
            || cond.reason.as_deref() == Some(reason::TIMED_OUT)
        {
            return;
        }
        let Some(updated) = cond.last_update_time.as_ref() else {
            return;
        };
        let deadline =
            updated
                .0
                .checked_add(SignedDuration::from_secs(i64::from(progress_deadline(
                    &self.d,
                ))));
        let after = deadline
            .ok()
            .map(|d| d.duration_since(self.now))
            .and_then(|d| Duration::try_from(d).ok())
            .unwrap_or_default();
        let after = after.max(Duration::from_secs(1));
        self.requeue = Some(self.requeue.map_or(after, |r| r.min(after)));
    }
}

fn replicas_annotations_need_update(rs: &ReplicaSet, desired: i32, max: i32) -> bool {
    annotation(&rs.metadata, DESIRED_REPLICAS) != Some(desired.to_string().as_str())
        || annotation(&rs.metadata, MAX_REPLICAS) != Some(max.to_string().as_str())
}

fn set_replicas_annotations(rs: &mut ReplicaSet, desired: i32, max: i32) -> bool {
    if !replicas_annotations_need_update(rs, desired, max) {
        return false;
    }
    let annotations = rs.metadata.annotations.get_or_insert_with(BTreeMap::new);
    annotations.insert(DESIRED_REPLICAS.into(), desired.to_string());
    annotations.insert(MAX_REPLICAS.into(), max.to_string());
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
        serde_json::from_value(value).unwrap_or_else(|e| panic!("bad object: {e}"))
    }

    fn now() -> Timestamp {
        "2025-01-01T01:00:00Z".parse().unwrap_or_default()
    }

    fn template(image: &str) -> serde_json::Value {
        json!({"metadata": {"labels": {"app": "web"}},
               "spec": {"containers": [{"name": "main", "image": image}]}})
    }

    fn web(replicas: i32, image: &str, generation: i64) -> Deployment {
        parse(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "ns", "uid": "d-uid",
                         "generation": generation},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": template(image), "revisionHistoryLimit": 10,
                     "progressDeadlineSeconds": 600,
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}},
        }))
    }

    /// A ReplicaSet of `web` with `spec` replicas, `available` of them available.
    fn rs(
        name: &str,
        image: &str,
        revision: &str,
        spec: i32,
        available: i32,
        created: &str,
    ) -> ReplicaSet {
        let mut t = template(image);
        t["metadata"]["labels"]["pod-template-hash"] = json!(name);
        parse(json!({
            "metadata": {"name": format!("web-{name}"), "namespace": "ns", "uid": format!("uid-{name}"),
                         "generation": 1, "creationTimestamp": created,
                         "annotations": {REVISION: revision, DESIRED_REPLICAS: "4", MAX_REPLICAS: "5"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                             "name": "web", "uid": "d-uid", "controller": true}]},
            "spec": {"replicas": spec, "selector": {"matchLabels": {"app": "web", "pod-template-hash": name}},
                     "template": t},
            "status": {"replicas": spec, "readyReplicas": available, "availableReplicas": available,
                       "observedGeneration": 1},
        }))
    }

    fn plan_of(d: &Deployment, rss: Vec<ReplicaSet>) -> Plan {
        plan(Input {
            deployment: d,
            replica_sets: rss,
            pods: HashMap::new(),
            now: now(),
        })
        .unwrap_or_else(|e| panic!("plan failed: {e}"))
    }

    fn scales(plan: &Plan) -> Vec<(String, i32)> {
        plan.steps
            .iter()
            .filter_map(|s| match s {
                Step::UpdateReplicaSet(rs) | Step::CreateReplicaSet(rs) => Some((
                    rs.metadata.name.clone().unwrap_or_default(),
                    rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(-1),
                )),
                _ => None,
            })
            .collect()
    }

    fn notes(plan: &Plan) -> Vec<String> {
        plan.steps
            .iter()
            .filter_map(|s| match s {
                Step::Event { note, .. } => Some(note.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn fenceposts_round_surge_up_and_unavailability_down() {
        let pct = |s: &str| IntOrString::String(s.into());
        assert_eq!(resolve_fenceposts(None, None, 3), Ok((1, 0)));
        assert_eq!(resolve_fenceposts(None, None, 4), Ok((1, 1)));
        assert_eq!(resolve_fenceposts(None, None, 10), Ok((3, 2)));
        assert_eq!(
            resolve_fenceposts(Some(&IntOrString::Int(0)), Some(&pct("10%")), 5),
            Ok((0, 1))
        );
        assert_eq!(
            resolve_fenceposts(Some(&IntOrString::Int(2)), Some(&IntOrString::Int(0)), 5),
            Ok((2, 0))
        );
        assert_eq!(scaled_value(&pct("50%"), 5, true), Ok(3));
        assert_eq!(scaled_value(&pct("50%"), 5, false), Ok(2));
        assert!(scaled_value(&pct("half"), 5, true).is_err());
        let d = web(3, "nginx:1", 1);
        assert_eq!((max_surge(&d), max_unavailable(&d)), (Ok(1), Ok(0)));
        let mut recreate = d.clone();
        if let Some(s) = recreate.spec.as_mut() {
            s.strategy = Some(parse(json!({"type": "Recreate"})));
        }
        assert_eq!(
            (max_surge(&recreate), max_unavailable(&recreate)),
            (Ok(0), Ok(0))
        );
    }

    #[test]
    fn a_new_deployment_creates_its_replicaset_at_full_size() {
        let d = web(3, "nginx:1", 1);
        let plan = plan_of(&d, vec![]);
        let Some(Step::CreateReplicaSet(created)) = plan.steps.first() else {
            panic!("expected a create: {plan:?}");
        };
        let hash = pod_template_hash(&d.spec.clone().unwrap_or_default().template, None);
        assert_eq!(created.metadata.name, Some(format!("web-{hash}")));
        let annotations = created.metadata.annotations.clone().unwrap_or_default();
        assert_eq!(annotations.get(REVISION).map(String::as_str), Some("1"));
        assert_eq!(
            annotations.get(DESIRED_REPLICAS).map(String::as_str),
            Some("3")
        );
        assert_eq!(annotations.get(MAX_REPLICAS).map(String::as_str), Some("4"));
        assert_eq!(
            created
                .spec
                .as_ref()
                .and_then(|s| s.selector.match_labels.clone()),
            Some(
                [
                    ("app".to_string(), "web".to_string()),
                    (POD_TEMPLATE_HASH.to_string(), hash.clone())
                ]
                .into()
            )
        );
        assert_eq!(scales(&plan), vec![(format!("web-{hash}"), 3)]);
        assert_eq!(
            notes(&plan),
            vec![format!("Scaled up replica set web-{hash} from 0 to 3")]
        );
        assert_eq!(plan.revision.as_deref(), Some("1"));
        let status = plan.status.unwrap_or_default();
        let conditions: Vec<(String, String, String, String)> = status
            .conditions
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                (
                    c.type_,
                    c.status,
                    c.reason.unwrap_or_default(),
                    c.message.unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            conditions,
            vec![
                (
                    "Progressing".into(),
                    "True".into(),
                    "NewReplicaSetCreated".into(),
                    format!("Created new replica set \"web-{hash}\"")
                ),
                (
                    "Available".into(),
                    "False".into(),
                    "MinimumReplicasUnavailable".into(),
                    "Deployment does not have minimum availability.".into()
                ),
            ]
        );
        assert_eq!(status.observed_generation, Some(1));
    }

    #[test]
    fn rolling_update_surges_then_scales_down_only_what_is_available() {
        let d = web(4, "nginx:2", 2);
        // New template: the new ReplicaSet is created with maxSurge (1) room.
        let old = rs("old", "nginx:1", "1", 4, 4, "2025-01-01T00:00:00Z");
        let plan = plan_of(&d, vec![old.clone()]);
        let scaled = scales(&plan);
        assert_eq!(scaled.len(), 2, "{scaled:?}");
        assert_eq!(scaled[0].1, 1);
        // maxUnavailable 1: with 4 old available and the new one not yet, 1 old goes.
        assert_eq!(scaled[1], ("web-old".to_string(), 3));
        assert_eq!(
            notes(&plan)[1],
            "Scaled down replica set web-old from 4 to 3"
        );

        // Midway: new has 2 (1 available), old 3 (3 available): total 5 = max; nothing
        // more can go until the new pod is available (min available 3, unavailable new 1).
        let mut new = rs("new", "nginx:2", "2", 2, 1, "2025-01-01T00:30:00Z");
        new.metadata.annotations = Some(
            [
                (REVISION.to_string(), "2".to_string()),
                (DESIRED_REPLICAS.to_string(), "4".to_string()),
                (MAX_REPLICAS.to_string(), "5".to_string()),
            ]
            .into(),
        );
        let mut old = rs("old", "nginx:1", "1", 3, 3, "2025-01-01T00:00:00Z");
        let plan = plan_of(&d, vec![old.clone(), new.clone()]);
        assert_eq!(scales(&plan), vec![("web-old".to_string(), 2)]);

        // A stale old status (generation ahead of observedGeneration) never counts more
        // available pods than its spec keeps.
        old.metadata.generation = Some(2);
        if let Some(s) = old.status.as_mut() {
            s.available_replicas = Some(4);
            s.observed_generation = Some(1);
        }
        if let Some(s) = new.status.as_mut() {
            s.available_replicas = Some(1);
        }
        let plan = plan_of(&d, vec![old, new]);
        assert_eq!(scales(&plan), vec![("web-old".to_string(), 2)]);
    }

    #[test]
    fn completion_reports_new_replicaset_available_and_trims_history() {
        let mut d = web(2, "nginx:3", 3);
        if let Some(s) = d.spec.as_mut() {
            s.revision_history_limit = Some(1);
        }
        d.status = Some(parse(
            json!({"observedGeneration": 3, "replicas": 2, "updatedReplicas": 2,
            "readyReplicas": 2, "availableReplicas": 2,
            "conditions": [{"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                            "message": "ReplicaSet \"web-c\" is progressing.",
                            "lastUpdateTime": "2025-01-01T00:50:00Z",
                            "lastTransitionTime": "2025-01-01T00:40:00Z"}]}),
        ));
        let mut current = rs("c", "nginx:3", "3", 2, 2, "2025-01-01T00:40:00Z");
        current.metadata.annotations = Some(
            [
                (REVISION.to_string(), "3".to_string()),
                (DESIRED_REPLICAS.to_string(), "2".to_string()),
                (MAX_REPLICAS.to_string(), "3".to_string()),
            ]
            .into(),
        );
        let a = rs("a", "nginx:1", "1", 0, 0, "2025-01-01T00:00:00Z");
        let b = rs("b", "nginx:2", "2", 0, 0, "2025-01-01T00:20:00Z");
        let plan = plan_of(&d, vec![a, b, current]);
        assert!(plan.steps.contains(&Step::DeleteReplicaSet {
            name: "web-a".into(),
            uid: Some("uid-a".into())
        }));
        assert!(
            !plan
                .steps
                .iter()
                .any(|s| matches!(s, Step::DeleteReplicaSet { name, .. } if name == "web-b"))
        );
        let status = plan.status.unwrap_or_default();
        let progressing = condition(&status, "Progressing")
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            progressing.reason.as_deref(),
            Some("NewReplicaSetAvailable")
        );
        assert_eq!(
            progressing.message.as_deref(),
            Some("ReplicaSet \"web-c\" has successfully progressed.")
        );
        // Same status, so the transition time is kept.
        assert_eq!(
            progressing
                .last_transition_time
                .map(|t| t.0.to_string())
                .as_deref(),
            Some("2025-01-01T00:40:00Z")
        );
        let available = condition(&status, "Available").cloned().unwrap_or_default();
        assert_eq!(
            available.message.as_deref(),
            Some("Deployment has minimum availability.")
        );
    }

    #[test]
    fn undo_reuses_the_old_replicaset_with_the_next_revision() {
        let d = web(2, "nginx:1", 3);
        let old = rs("a", "nginx:1", "1", 0, 0, "2025-01-01T00:00:00Z");
        let current = rs("b", "nginx:2", "2", 2, 2, "2025-01-01T00:20:00Z");
        let plan = plan_of(&d, vec![old, current]);
        let Some(Step::UpdateReplicaSet(reused)) = plan.steps.first() else {
            panic!("expected the old ReplicaSet to be updated: {plan:?}");
        };
        let annotations = reused.metadata.annotations.clone().unwrap_or_default();
        assert_eq!(reused.metadata.name.as_deref(), Some("web-a"));
        assert_eq!(annotations.get(REVISION).map(String::as_str), Some("3"));
        assert_eq!(
            annotations.get(REVISION_HISTORY).map(String::as_str),
            Some("1")
        );
        assert_eq!(plan.revision.as_deref(), Some("3"));
        assert!(
            !plan
                .steps
                .iter()
                .any(|s| matches!(s, Step::CreateReplicaSet(_)))
        );
    }

    #[test]
    fn scaling_a_paused_deployment_is_proportional() {
        let mut d = web(10, "nginx:2", 2);
        if let Some(s) = d.spec.as_mut() {
            s.paused = Some(true);
        }
        let mut old = rs("old", "nginx:1", "1", 4, 4, "2025-01-01T00:00:00Z");
        let mut new = rs("new", "nginx:2", "2", 4, 4, "2025-01-01T00:30:00Z");
        for r in [&mut old, &mut new] {
            r.metadata.annotations = Some(
                [
                    (REVISION.to_string(), "1".to_string()),
                    (DESIRED_REPLICAS.to_string(), "6".to_string()),
                    (MAX_REPLICAS.to_string(), "8".to_string()),
                ]
                .into(),
            );
        }
        new.metadata
            .annotations
            .as_mut()
            .map(|a| a.insert(REVISION.into(), "2".into()));
        // Grown from 6 (+2 surge = 8) to 10 (+3 = 13): 8 pods become 13, in proportion, the
        // newer ReplicaSet first and the older one bounded by what is left.
        let plan = plan_of(&d, vec![old, new]);
        let mut sizes = scales(&plan);
        sizes.sort();
        assert_eq!(
            sizes,
            vec![("web-new".to_string(), 7), ("web-old".to_string(), 6)]
        );
        let status = plan.status.unwrap_or_default();
        let progressing = condition(&status, "Progressing")
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (
                progressing.status.as_str(),
                progressing.reason.as_deref(),
                progressing.message.as_deref()
            ),
            (
                "Unknown",
                Some("DeploymentPaused"),
                Some("Deployment is paused")
            )
        );
    }

    #[test]
    fn progress_deadline_times_out() {
        let mut d = web(2, "nginx:2", 2);
        d.status = Some(parse(
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 1,
            "readyReplicas": 2, "availableReplicas": 2, "unavailableReplicas": 1,
            "conditions": [{"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                            "message": "ReplicaSet \"web-new\" is progressing.",
                            "lastUpdateTime": "2025-01-01T00:00:00Z",
                            "lastTransitionTime": "2025-01-01T00:00:00Z"}]}),
        ));
        let mut new = rs("new", "nginx:2", "2", 1, 0, "2025-01-01T00:00:00Z");
        new.metadata.annotations = Some(
            [
                (REVISION.to_string(), "2".to_string()),
                (DESIRED_REPLICAS.to_string(), "2".to_string()),
                (MAX_REPLICAS.to_string(), "3".to_string()),
            ]
            .into(),
        );
        let mut old = rs("old", "nginx:1", "1", 2, 2, "2024-12-31T00:00:00Z");
        old.metadata.annotations = new.metadata.annotations.clone();
        old.metadata
            .annotations
            .as_mut()
            .map(|a| a.insert(REVISION.into(), "1".into()));
        let plan = plan_of(&d, vec![old, new]);
        let status = plan.status.unwrap_or_default();
        let progressing = condition(&status, "Progressing")
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (
                progressing.status.as_str(),
                progressing.reason.as_deref(),
                progressing.message.as_deref()
            ),
            (
                "False",
                Some("ProgressDeadlineExceeded"),
                Some("ReplicaSet \"web-new\" has timed out progressing.")
            )
        );
    }
}
