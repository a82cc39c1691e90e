//! The endpoints controller (`endpoint-controller`): keeps one `Endpoints` object per Service
//! with a selector, listing the selected pods' addresses (ready and not ready) on the
//! resolved target ports, and deletes it when the Service goes. Endpoints of selector-less
//! Services (such as `default/kubernetes`) are the user's and are left alone.
//!
//! Services, pods and Endpoints are held in reflector caches; a change marks the Services it
//! may concern, and each marked Service is synced from the caches, writing only on change.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use k8s_openapi::api::core::v1::{Endpoints, Pod, Service};
use kube::api::{Api, DeleteParams, PostParams};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Resource};

use crate::services::endpoints::{desired_endpoints, selector, selects};
use crate::{Context, Error};

/// How often Services whose write failed are synced again.
const RETRY_INTERVAL: Duration = Duration::from_secs(1);
/// How many queued watch events are taken in before a sync round.
const MAX_EVENTS_PER_TURN: usize = 2048;

/// The reporting controller of this controller's events (kube's name).
const CONTROLLER_NAME: &str = "endpoint-controller";

/// A Service (and its Endpoints) by namespace and name.
pub(crate) type ServiceKey = (String, String);

enum Change {
    Service(Box<watcher::Event<Service>>),
    Pod(Box<watcher::Event<Pod>>),
    Endpoints(Box<watcher::Event<Endpoints>>),
}

/// Runs the endpoints controller.
pub(crate) async fn run(context: Context) -> Result<(), Error> {
    let client = context.client.clone();
    let (services, service_writer) = reflector::store();
    let (pods, pod_writer) = reflector::store();
    let (endpoints, endpoints_writer) = reflector::store();
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
    let endpoints_changes = reflector::reflector(
        endpoints_writer,
        watcher(
            Api::<Endpoints>::all(client.clone()),
            watcher::Config::default(),
        ),
    )
    .default_backoff()
    .map(|e| e.map(|e| Change::Endpoints(Box::new(e))));
    let mut changes = std::pin::pin!(futures::stream::select(
        service_changes,
        futures::stream::select(pod_changes, endpoints_changes)
    ));
    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: CONTROLLER_NAME.into(),
            instance: None,
        },
    );
    let mut controller = EndpointsController {
        client,
        recorder,
        services,
        pods,
        endpoints,
        synced: [false; 3],
        dirty: HashSet::new(),
        deleted: HashSet::new(),
        retry: HashSet::new(),
    };
    let mut retry = tokio::time::interval(RETRY_INTERVAL);
    loop {
        tokio::select! {
            change = changes.next() => match change {
                Some(Ok(change)) => controller.on_change(change),
                Some(Err(error)) => tracing::debug!(%error, "endpoints watch error; retrying"),
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
                    tracing::debug!(%error, "endpoints watch error; retrying")
                }
                Some(None) => return Ok(()),
                None => break,
            }
        }
        controller.sync_dirty().await;
    }
}

struct EndpointsController {
    client: Client,
    recorder: Recorder,
    services: Store<Service>,
    pods: Store<Pod>,
    endpoints: Store<Endpoints>,
    /// Whether the service, pod and endpoints caches have been listed.
    synced: [bool; 3],
    dirty: HashSet<ServiceKey>,
    /// Services seen deleted, whose Endpoints go too.
    deleted: HashSet<ServiceKey>,
    retry: HashSet<ServiceKey>,
}

fn key_of(meta: &kube::api::ObjectMeta) -> ServiceKey {
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
    )
}

impl EndpointsController {
    fn on_change(&mut self, change: Change) {
        match change {
            Change::Service(event) => match *event {
                watcher::Event::Apply(s) | watcher::Event::InitApply(s) => {
                    let key = key_of(&s.metadata);
                    self.deleted.remove(&key);
                    self.dirty.insert(key);
                }
                watcher::Event::Delete(s) => {
                    let key = key_of(&s.metadata);
                    self.deleted.insert(key.clone());
                    self.dirty.insert(key);
                }
                watcher::Event::Init => self.synced[0] = false,
                watcher::Event::InitDone => self.synced[0] = true,
            },
            Change::Pod(event) => match *event {
                watcher::Event::Apply(p)
                | watcher::Event::InitApply(p)
                | watcher::Event::Delete(p) => {
                    self.mark_services_of(&p);
                }
                watcher::Event::Init => self.synced[1] = false,
                watcher::Event::InitDone => self.synced[1] = true,
            },
            Change::Endpoints(event) => match *event {
                // Someone else's write (or a deletion) is repaired from the Service.
                watcher::Event::Apply(e) | watcher::Event::Delete(e) => {
                    self.dirty.insert(key_of(&e.metadata));
                }
                watcher::Event::InitApply(_) => {}
                watcher::Event::Init => self.synced[2] = false,
                watcher::Event::InitDone => self.synced[2] = true,
            },
        }
    }

    /// Marks the Services that select the pod now, and those whose Endpoints list it (it may
    /// have lost the labels that selected it).
    fn mark_services_of(&mut self, pod: &Pod) {
        let namespace = pod.metadata.namespace.as_deref().unwrap_or("");
        let name = pod.metadata.name.as_deref();
        for service in self.services.state() {
            if service.metadata.namespace.as_deref() == Some(namespace) && selects(&service, pod) {
                self.dirty.insert(key_of(&service.metadata));
            }
        }
        for endpoints in self.endpoints.state() {
            if endpoints.metadata.namespace.as_deref() != Some(namespace) {
                continue;
            }
            let lists_pod = endpoints.subsets.iter().flatten().any(|subset| {
                subset
                    .addresses
                    .iter()
                    .flatten()
                    .chain(subset.not_ready_addresses.iter().flatten())
                    .any(|a| a.target_ref.as_ref().and_then(|r| r.name.as_deref()) == name)
            });
            if lists_pod {
                self.dirty.insert(key_of(&endpoints.metadata));
            }
        }
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
        let dirty: Vec<ServiceKey> = self.dirty.drain().collect();
        for key in dirty {
            let pods = pods_by_namespace
                .get(&key.0)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if let Err(error) = self.sync(&key, pods).await {
                tracing::debug!(service = %format!("{}/{}", key.0, key.1), %error, "endpoints sync failed; retrying");
                self.retry.insert(key);
            }
        }
    }

    async fn sync(&mut self, key: &ServiceKey, pods: &[Arc<Pod>]) -> Result<(), kube::Error> {
        let current = self.endpoints.get(&ObjectRef::new(&key.1).within(&key.0));
        let api: Api<Endpoints> = Api::namespaced(self.client.clone(), &key.0);
        let Some(service) = self.services.get(&ObjectRef::new(&key.1).within(&key.0)) else {
            if self.deleted.remove(key) && current.is_some() {
                match api.delete(&key.1, &DeleteParams::default()).await {
                    Ok(_) => {}
                    Err(kube::Error::Api(status)) if status.code == 404 => {}
                    Err(error) => {
                        self.deleted.insert(key.clone());
                        return Err(error);
                    }
                }
            }
            return Ok(());
        };
        if selector(&service).is_none() {
            return Ok(());
        }
        let Some(desired) = desired_endpoints(&service, pods, current.as_deref()) else {
            return Ok(());
        };
        let written = if current.is_some() {
            api.replace(&key.1, &PostParams::default(), &desired).await
        } else {
            api.create(&PostParams::default(), &desired).await
        };
        match written {
            Ok(_) => Ok(()),
            // A stale cache: the retry reads the newer object.
            Err(kube::Error::Api(status)) if status.code == 409 => Err(kube::Error::Api(status)),
            Err(error) => {
                let event = Event {
                    type_: EventType::Warning,
                    reason: "FailedToUpdateEndpoint".into(),
                    note: Some(format!(
                        "Failed to update endpoint {}/{}: {error}",
                        key.0, key.1
                    )),
                    action: "UpdateEndpoint".into(),
                    secondary: None,
                };
                if let Err(error) = self
                    .recorder
                    .publish(&event, &service.object_ref(&()))
                    .await
                {
                    tracing::debug!(%error, "could not record FailedToUpdateEndpoint");
                }
                Err(error)
            }
        }
    }
}
