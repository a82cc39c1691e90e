//! The EndpointSlice controller (`endpointslice-controller.k8s.io`): keeps the
//! `discovery.k8s.io/v1` slices of every Service with a selector in line with its pods, with
//! the fewest writes (see [`crate::services::endpointslices`]). Slices carry an owner
//! reference to their Service, and are deleted with it.
//!
//! Because the slice cache lags this controller's own writes, a Service whose last writes
//! are not yet seen in the cache waits for them (kube's endpointslice tracker); otherwise a
//! second sync would create duplicate slices.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, DeleteParams, PostParams};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Resource};

use crate::endpoints::ServiceKey;
use crate::services::endpoints::selects;
use crate::services::endpointslices::{
    CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, is_managed_slice_of, reconcile,
};
use crate::{Context, Error};

/// How often Services whose writes failed or whose cache lagged are synced again.
const RETRY_INTERVAL: Duration = Duration::from_secs(1);
/// How many queued watch events are taken in before a sync round.
const MAX_EVENTS_PER_TURN: usize = 2048;

enum Change {
    Service(Box<watcher::Event<Service>>),
    Pod(Box<watcher::Event<Pod>>),
    Slice(Box<watcher::Event<EndpointSlice>>),
}

/// Runs the EndpointSlice controller.
pub(crate) async fn run(context: Context) -> Result<(), Error> {
    let client = context.client.clone();
    let (services, service_writer) = reflector::store();
    let (pods, pod_writer) = reflector::store();
    let (slices, slice_writer) = reflector::store();
    let service_changes = reflector::reflector(
        service_writer,
        watcher(
            Api::<Service>::all(client.clone()),
            watcher::Config::default(),
        ),
    )
    .default_backoff()
    .map(|e| e.map(|e| Change::Service(Box::new(e))));
    let pod_changes = reflector::reflector(pod_writer, crate::lean_pod_watcher(&client))
        .default_backoff()
        .map(|e| e.map(|e| Change::Pod(Box::new(e))));
    let slice_changes = reflector::reflector(
        slice_writer,
        watcher(
            Api::<EndpointSlice>::all(client.clone()),
            watcher::Config::default().labels(&format!("{MANAGED_BY_LABEL}={CONTROLLER_NAME}")),
        ),
    )
    .default_backoff()
    .map(|e| e.map(|e| Change::Slice(Box::new(e))));
    let mut changes = std::pin::pin!(futures::stream::select(
        service_changes,
        futures::stream::select(pod_changes, slice_changes)
    ));
    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: CONTROLLER_NAME.into(),
            instance: None,
        },
    );
    let mut controller = SliceController {
        client,
        recorder,
        services,
        pods,
        slices,
        synced: [false; 3],
        dirty: HashSet::new(),
        retry: HashSet::new(),
        expected: HashMap::new(),
    };
    let mut retry = tokio::time::interval(RETRY_INTERVAL);
    loop {
        tokio::select! {
            change = changes.next() => match change {
                Some(Ok(change)) => controller.on_change(change),
                Some(Err(error)) => tracing::debug!(%error, "endpointslice watch error; retrying"),
                None => return Ok(()),
            },
            _ = retry.tick() => {
                let again: Vec<ServiceKey> = controller.retry.drain().collect();
                controller.dirty.extend(again);
            }
        }
        for _ in 0..MAX_EVENTS_PER_TURN {
            match changes.next().now_or_never() {
                Some(Some(Ok(change))) => controller.on_change(change),
                Some(Some(Err(error))) => {
                    tracing::debug!(%error, "endpointslice watch error; retrying")
                }
                Some(None) => return Ok(()),
                None => break,
            }
        }
        controller.sync_dirty().await;
    }
}

struct SliceController {
    client: Client,
    recorder: Recorder,
    services: Store<Service>,
    pods: Store<Pod>,
    slices: Store<EndpointSlice>,
    synced: [bool; 3],
    dirty: HashSet<ServiceKey>,
    retry: HashSet<ServiceKey>,
    /// This controller's writes not yet seen in the cache, per Service: slice name to the
    /// resourceVersion written (`None` for a deletion).
    expected: HashMap<ServiceKey, HashMap<String, Option<u64>>>,
}

fn key_of(meta: &kube::api::ObjectMeta) -> ServiceKey {
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
    )
}

fn revision(slice: &EndpointSlice) -> u64 {
    slice
        .metadata
        .resource_version
        .as_deref()
        .and_then(|rv| rv.parse().ok())
        .unwrap_or(0)
}

impl SliceController {
    fn on_change(&mut self, change: Change) {
        match change {
            Change::Service(event) => match *event {
                watcher::Event::Apply(s)
                | watcher::Event::InitApply(s)
                | watcher::Event::Delete(s) => {
                    self.dirty.insert(key_of(&s.metadata));
                }
                watcher::Event::Init => self.synced[0] = false,
                watcher::Event::InitDone => self.synced[0] = true,
            },
            Change::Pod(event) => match *event {
                watcher::Event::Apply(p)
                | watcher::Event::InitApply(p)
                | watcher::Event::Delete(p) => self.mark_services_of(&p),
                watcher::Event::Init => self.synced[1] = false,
                watcher::Event::InitDone => self.synced[1] = true,
            },
            Change::Slice(event) => match *event {
                watcher::Event::Apply(s)
                | watcher::Event::InitApply(s)
                | watcher::Event::Delete(s) => {
                    if let Some(service) = s
                        .metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get(SERVICE_NAME_LABEL))
                    {
                        let namespace = s.metadata.namespace.clone().unwrap_or_default();
                        self.dirty.insert((namespace, service.clone()));
                    }
                }
                watcher::Event::Init => self.synced[2] = false,
                watcher::Event::InitDone => self.synced[2] = true,
            },
        }
    }

    /// Marks the Services that select the pod, and those whose slices list it.
    fn mark_services_of(&mut self, pod: &Pod) {
        let namespace = pod.metadata.namespace.as_deref().unwrap_or("");
        let uid = pod.metadata.uid.as_deref();
        for service in self.services.state() {
            if selects(&service, pod) {
                self.dirty.insert(key_of(&service.metadata));
            }
        }
        for slice in self.slices.state() {
            if slice.metadata.namespace.as_deref() != Some(namespace) {
                continue;
            }
            let lists_pod = slice
                .endpoints
                .iter()
                .any(|e| e.target_ref.as_ref().and_then(|r| r.uid.as_deref()) == uid);
            if lists_pod
                && let Some(service) = slice
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(SERVICE_NAME_LABEL))
            {
                self.dirty.insert((namespace.to_string(), service.clone()));
            }
        }
    }

    /// Whether the cache shows every write this controller made for the Service.
    fn cache_is_current(&mut self, key: &ServiceKey, slices: &[Arc<EndpointSlice>]) -> bool {
        let Some(expected) = self.expected.get(key) else {
            return true;
        };
        let current = expected.iter().all(|(name, written)| {
            let cached = slices
                .iter()
                .find(|s| s.metadata.name.as_deref() == Some(name.as_str()));
            match (written, cached) {
                (Some(rv), Some(slice)) => revision(slice) >= *rv,
                (Some(_), None) => false,
                (None, cached) => cached.is_none(),
            }
        });
        if current {
            self.expected.remove(key);
        }
        current
    }

    async fn sync_dirty(&mut self) {
        if self.synced.contains(&false) || self.dirty.is_empty() {
            return;
        }
        let mut pods_by_namespace: HashMap<String, Vec<Arc<Pod>>> = HashMap::new();
        for pod in self.pods.state() {
            pods_by_namespace
                .entry(pod.metadata.namespace.clone().unwrap_or_default())
                .or_default()
                .push(pod);
        }
        let all_slices = self.slices.state();
        let dirty: Vec<ServiceKey> = self.dirty.drain().collect();
        for key in dirty {
            let slices: Vec<Arc<EndpointSlice>> = all_slices
                .iter()
                .filter(|s| is_managed_slice_of(s, &key.0, &key.1))
                .cloned()
                .collect();
            if !self.cache_is_current(&key, &slices) {
                // The slice events still on their way mark the Service again.
                self.retry.insert(key);
                continue;
            }
            let pods = pods_by_namespace
                .get(&key.0)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if let Err(error) = self.sync(&key, pods, &slices).await {
                tracing::debug!(service = %format!("{}/{}", key.0, key.1), %error, "endpointslice sync failed; retrying");
                self.retry.insert(key);
            }
        }
    }

    async fn sync(
        &mut self,
        key: &ServiceKey,
        pods: &[Arc<Pod>],
        slices: &[Arc<EndpointSlice>],
    ) -> Result<(), kube::Error> {
        let api: Api<EndpointSlice> = Api::namespaced(self.client.clone(), &key.0);
        let service = self.services.get(&ObjectRef::new(&key.1).within(&key.0));
        let changes = match &service {
            // The Service is gone: its slices go (the garbage collector would too, through
            // the owner reference; deleting here does not wait for it).
            None => crate::services::endpointslices::SliceChanges {
                delete: slices
                    .iter()
                    .filter_map(|s| s.metadata.name.clone())
                    .collect(),
                ..Default::default()
            },
            Some(service) => reconcile(service, pods, slices),
        };
        if changes.is_empty() {
            return Ok(());
        }
        let result = self.write(&api, key, changes).await;
        if let (Err(error), Some(service)) = (&result, &service)
            && !matches!(error, kube::Error::Api(s) if s.code == 409)
        {
            let event = Event {
                type_: EventType::Warning,
                reason: "FailedToUpdateEndpointSlices".into(),
                note: Some(format!(
                    "Error updating Endpoint Slices for Service {}/{}: {error}",
                    key.0, key.1
                )),
                action: "UpdateEndpointSlices".into(),
                secondary: None,
            };
            if let Err(error) = self
                .recorder
                .publish(&event, &service.object_ref(&()))
                .await
            {
                tracing::debug!(%error, "could not record FailedToUpdateEndpointSlices");
            }
        }
        result
    }

    async fn write(
        &mut self,
        api: &Api<EndpointSlice>,
        key: &ServiceKey,
        changes: crate::services::endpointslices::SliceChanges,
    ) -> Result<(), kube::Error> {
        let expected = self.expected.entry(key.clone()).or_default();
        for slice in changes.create {
            let created = api.create(&PostParams::default(), &slice).await?;
            if let Some(name) = created.metadata.name.clone() {
                expected.insert(name, Some(revision(&created)));
            }
        }
        for slice in changes.update {
            let name = slice.metadata.name.clone().unwrap_or_default();
            let updated = api.replace(&name, &PostParams::default(), &slice).await?;
            expected.insert(name, Some(revision(&updated)));
        }
        for name in changes.delete {
            match api.delete(&name, &DeleteParams::default()).await {
                Ok(_) => {}
                Err(kube::Error::Api(status)) if status.code == 404 => {}
                Err(error) => return Err(error),
            }
            expected.insert(name, None);
        }
        Ok(())
    }
}
