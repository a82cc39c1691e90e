//! In-process tests of the workload controllers over a real API server (memory store): the
//! test plays the kubelet by marking pods Ready through the status subresource.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::api::events::v1::Event;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, ResourceExt};
use serde_json::json;
use tokio::task::JoinHandle;

use super::pods;
use super::rollout::{REVISION, REVISION_HISTORY};
use crate::{Config, Context};

const TIMEOUT: Duration = Duration::from_secs(30);

/// A real API server in process with the three workload controllers running.
struct Cluster {
    client: Client,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn cluster() -> Cluster {
    let store: Arc<dyn enclave_store::Store> = Arc::new(enclave_store::memory::MemoryStore::new());
    let server = enclave_apiserver::ApiServer::new(
        store,
        Arc::new(enclave_apiserver::auth::AllowAuthenticated),
        enclave_apiserver::Config::default(),
    );
    enclave_apiserver::bootstrap(&server)
        .await
        .unwrap_or_else(|e| panic!("bootstrap: {e:?}"));
    let service = enclave_apiserver::in_process_service(
        server,
        enclave_apiserver::auth::UserInfo::new(
            "system:kube-controller-manager",
            ["system:masters".to_string()],
        ),
    );
    let client = Client::new(service, "default");
    let context = Context {
        client: client.clone(),
        config: Arc::new(Config::default()),
    };
    let mut tasks = Vec::new();
    for controller in [
        |c| Box::pin(crate::replicaset::run(c)) as futures::future::BoxFuture<'static, _>,
        |c| Box::pin(crate::deployment::run(c)),
        |c| Box::pin(crate::gc::run(c)),
    ]
        as [fn(Context) -> futures::future::BoxFuture<'static, Result<(), crate::Error>>; 3]
    {
        let context = context.clone();
        tasks.push(tokio::spawn(async move {
            if let Err(e) = controller(context).await {
                panic!("controller failed: {e}");
            }
        }));
    }
    Cluster { client, tasks }
}

/// Polls `check` until it gives a value; fails the test after [`TIMEOUT`].
async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn parse<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("bad object: {e}"))
}

fn deployment(name: &str, replicas: i32, image: &str) -> Deployment {
    parse(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
        },
    }))
}

async fn mark_ready(pods: &Api<Pod>, name: &str) {
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    let patch = json!({"status": {"phase": "Running", "conditions": [
        {"type": "Ready", "status": "True", "lastTransitionTime": now}]}});
    match pods
        .patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Ok(_) => {}
        Err(e) if super::api::is_not_found(&e) => {}
        Err(e) => panic!("marking {name} ready: {e}"),
    }
}

/// The test's kubelet: marks every new pod Ready, and follows the number of ready pods of
/// one app at every revision the watch reports.
struct Kubelet {
    ready: Arc<Mutex<HashMap<String, bool>>>,
    lowest_ready: Arc<Mutex<Option<usize>>>,
    task: JoinHandle<()>,
}

impl Drop for Kubelet {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Kubelet {
    fn start(client: &Client, app: &str) -> Self {
        let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
        let ready = Arc::new(Mutex::new(HashMap::new()));
        let lowest_ready = Arc::new(Mutex::new(None::<usize>));
        let (ready_map, lowest) = (ready.clone(), lowest_ready.clone());
        let config = watcher::Config::default().labels(&format!("app={app}"));
        let task = tokio::spawn(async move {
            let mut stream = watcher(pods.clone(), config).default_backoff().boxed();
            while let Some(event) = stream.next().await {
                let Ok(event) = event else { continue };
                let mut to_mark = Vec::new();
                {
                    let mut map = ready_map.lock().unwrap_or_else(|p| p.into_inner());
                    match event {
                        watcher::Event::Apply(p) | watcher::Event::InitApply(p) => {
                            let is_ready = pods::is_ready(&p) && pods::is_active(&p);
                            if !pods::is_ready(&p) && pods::is_active(&p) {
                                to_mark.push(p.name_any());
                            }
                            map.insert(p.name_any(), is_ready);
                        }
                        watcher::Event::Delete(p) => {
                            map.remove(&p.name_any());
                        }
                        _ => {}
                    }
                    let count = map.values().filter(|r| **r).count();
                    let mut low = lowest.lock().unwrap_or_else(|p| p.into_inner());
                    if let Some(l) = low.as_mut() {
                        *l = (*l).min(count);
                    }
                }
                for name in to_mark {
                    mark_ready(&pods, &name).await;
                }
            }
        });
        Self {
            ready,
            lowest_ready,
            task,
        }
    }

    fn ready_count(&self) -> usize {
        let map = self.ready.lock().unwrap_or_else(|p| p.into_inner());
        map.values().filter(|r| **r).count()
    }

    /// From now on, remember the lowest number of ready pods.
    fn arm(&self) {
        *self.lowest_ready.lock().unwrap_or_else(|p| p.into_inner()) = Some(self.ready_count());
    }

    fn lowest(&self) -> Option<usize> {
        *self.lowest_ready.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn owned_by<'a, T: kube::Resource>(objects: &'a [T], uid: &str) -> Vec<&'a T> {
    objects
        .iter()
        .filter(|o| pods::controller_of(o.meta()).is_some_and(|c| c.uid == uid))
        .collect()
}

fn condition<'a>(
    d: &'a Deployment,
    type_: &str,
) -> Option<&'a k8s_openapi::api::apps::v1::DeploymentCondition> {
    d.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == type_)
}

/// Whether the rollout is complete as `kubectl rollout status` judges it.
fn rolled_out(d: &Deployment) -> bool {
    let Some(status) = d.status.as_ref() else {
        return false;
    };
    let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    status.observed_generation >= d.metadata.generation
        && status.updated_replicas.unwrap_or(0) == desired
        && status.replicas.unwrap_or(0) == desired
        && status.available_replicas.unwrap_or(0) == desired
        && condition(d, "Progressing").and_then(|c| c.reason.as_deref())
            == Some("NewReplicaSetAvailable")
}

async fn event_notes(client: &Client, reason: &str) -> Vec<String> {
    let events: Api<Event> = Api::namespaced(client.clone(), "default");
    events
        .list(&ListParams::default())
        .await
        .map(|l| l.items)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.reason.as_deref() == Some(reason))
        .filter_map(|e| e.note)
        .collect()
}

fn annotation(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    key: &str,
) -> Option<String> {
    meta.annotations.as_ref()?.get(key).cloned()
}

#[tokio::test]
async fn deployment_rolls_out_rolls_over_undoes_and_scales() {
    let cluster = cluster().await;
    let client = cluster.client.clone();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let replica_sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    let pod_api: Api<Pod> = Api::namespaced(client.clone(), "default");
    let kubelet = Kubelet::start(&client, "web");
    let created = deployments
        .create(&PostParams::default(), &deployment("web", 3, "nginx:1.27"))
        .await
        .unwrap_or_else(|e| panic!("create: {e}"));
    let uid = created.uid().unwrap_or_default();

    // One ReplicaSet `web-<hash>` owned by the Deployment, with three pods it owns.
    let first = wait_for("the first ReplicaSet and its pods", || async {
        let rss = replica_sets.list(&ListParams::default()).await.ok()?.items;
        let rs = owned_by(&rss, &uid).first().map(|r| (*r).clone())?;
        let pods = pod_api.list(&ListParams::default()).await.ok()?.items;
        (owned_by(&pods, &rs.uid()?).len() == 3).then_some(rs)
    })
    .await;
    let hash = first
        .labels()
        .get("pod-template-hash")
        .cloned()
        .unwrap_or_default();
    assert_eq!(first.name_any(), format!("web-{hash}"));
    assert!(
        hash.bytes()
            .all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b))
    );
    let rs_spec = first.spec.clone().unwrap_or_default();
    assert_eq!(
        rs_spec
            .selector
            .match_labels
            .clone()
            .unwrap_or_default()
            .get("pod-template-hash"),
        Some(&hash)
    );
    assert_eq!(annotation(&first.metadata, REVISION).as_deref(), Some("1"));
    assert_eq!(
        annotation(&first.metadata, "deployment.kubernetes.io/desired-replicas").as_deref(),
        Some("3")
    );
    assert_eq!(
        annotation(&first.metadata, "deployment.kubernetes.io/max-replicas").as_deref(),
        Some("4")
    );
    let controller = pods::controller_of(&first.metadata)
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (controller.kind.as_str(), controller.name.as_str()),
        ("Deployment", "web")
    );
    assert_eq!(controller.block_owner_deletion, Some(true));
    let all_pods = pod_api
        .list(&ListParams::default())
        .await
        .map(|l| l.items)
        .unwrap_or_default();
    for pod in owned_by(&all_pods, &first.uid().unwrap_or_default()) {
        assert!(pod.name_any().starts_with(&format!("web-{hash}-")));
        assert_eq!(pod.labels().get("app").map(String::as_str), Some("web"));
        assert_eq!(pod.labels().get("pod-template-hash"), Some(&hash));
        let owner = pods::controller_of(&pod.metadata)
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (owner.kind.as_str(), owner.block_owner_deletion),
            ("ReplicaSet", Some(true))
        );
    }

    // Ready pods make the Deployment available and the rollout complete.
    let d = wait_for("the first rollout", || async {
        deployments.get("web").await.ok().filter(rolled_out)
    })
    .await;
    let available = condition(&d, "Available").cloned().unwrap_or_default();
    assert_eq!(
        (
            available.status.as_str(),
            available.reason.as_deref(),
            available.message.as_deref()
        ),
        (
            "True",
            Some("MinimumReplicasAvailable"),
            Some("Deployment has minimum availability.")
        )
    );
    assert_eq!(
        condition(&d, "Progressing").and_then(|c| c.message.clone()),
        Some(format!(
            "ReplicaSet \"web-{hash}\" has successfully progressed."
        ))
    );
    assert_eq!(annotation(&d.metadata, REVISION).as_deref(), Some("1"));
    assert!(
        event_notes(&client, "ScalingReplicaSet")
            .await
            .contains(&format!("Scaled up replica set web-{hash} from 0 to 3"))
    );
    assert_eq!(event_notes(&client, "SuccessfulCreate").await.len(), 3);

    // A new image rolls over, never below 3 ready pods (maxUnavailable 25% of 3 is 0).
    kubelet.arm();
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "nginx:1.28"}]}}}});
    deployments
        .patch("web", &PatchParams::default(), &Patch::Strategic(&patch))
        .await
        .unwrap_or_else(|e| panic!("patch: {e}"));
    let d = wait_for("the rollover", || async {
        let d = deployments.get("web").await.ok().filter(rolled_out)?;
        let rss = replica_sets.list(&ListParams::default()).await.ok()?.items;
        let old = rss.iter().find(|r| r.name_any() == first.name_any())?;
        (old.spec.as_ref()?.replicas == Some(0) && old.status.as_ref()?.replicas == 0).then_some(d)
    })
    .await;
    assert_eq!(
        kubelet.lowest(),
        Some(3),
        "availability dropped during the rollover"
    );
    assert_eq!(annotation(&d.metadata, REVISION).as_deref(), Some("2"));
    let rss = replica_sets
        .list(&ListParams::default())
        .await
        .map(|l| l.items)
        .unwrap_or_default();
    assert_eq!(rss.len(), 2);
    let second = rss
        .iter()
        .find(|r| r.name_any() != first.name_any())
        .cloned()
        .unwrap_or_default();
    assert_eq!(annotation(&second.metadata, REVISION).as_deref(), Some("2"));
    let scaling = event_notes(&client, "ScalingReplicaSet").await;
    assert!(
        scaling.contains(&format!(
            "Scaled up replica set {} from 0 to 1",
            second.name_any()
        )),
        "{scaling:?}"
    );
    assert!(
        scaling.contains(&format!("Scaled down replica set web-{hash} from 3 to 2")),
        "{scaling:?}"
    );

    // `kubectl rollout undo`: the template of revision 1 goes back into the Deployment; the
    // controller reuses that ReplicaSet and gives it revision 3.
    let mut template = first
        .spec
        .clone()
        .unwrap_or_default()
        .template
        .unwrap_or_default();
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove("pod-template-hash");
    }
    let undo = json!([{"op": "replace", "path": "/spec/template", "value": template}]);
    deployments
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Json::<()>(serde_json::from_value(undo).unwrap_or_else(|e| panic!("{e}"))),
        )
        .await
        .unwrap_or_else(|e| panic!("undo: {e}"));
    let d = wait_for("the undo", || async {
        let d = deployments.get("web").await.ok().filter(rolled_out)?;
        (annotation(&d.metadata, REVISION).as_deref() == Some("3")).then_some(d)
    })
    .await;
    assert!(rolled_out(&d));
    assert_eq!(
        kubelet.lowest(),
        Some(3),
        "availability dropped during the undo"
    );
    let reused = replica_sets
        .get(&first.name_any())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(annotation(&reused.metadata, REVISION).as_deref(), Some("3"));
    assert_eq!(
        annotation(&reused.metadata, REVISION_HISTORY).as_deref(),
        Some("1")
    );
    assert_eq!(reused.spec.as_ref().and_then(|s| s.replicas), Some(3));
    assert_eq!(
        replica_sets
            .list(&ListParams::default())
            .await
            .map(|l| l.items.len())
            .ok(),
        Some(2)
    );

    // Scaling through the scale subresource takes the normal spec path.
    deployments
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(&json!({"spec": {"replicas": 5}})),
        )
        .await
        .unwrap_or_else(|e| panic!("scale: {e}"));
    wait_for("the scale-up", || async {
        let d = deployments.get("web").await.ok()?;
        (d.status.as_ref()?.available_replicas == Some(5) && rolled_out(&d)).then_some(())
    })
    .await;
    let scaling = event_notes(&client, "ScalingReplicaSet").await;
    assert!(
        scaling.contains(&format!("Scaled up replica set web-{hash} from 3 to 5")),
        "{scaling:?}"
    );
}

#[tokio::test]
async fn recreate_scales_old_to_zero_before_the_new_one() {
    let cluster = cluster().await;
    let client = cluster.client.clone();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let replica_sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    let _kubelet = Kubelet::start(&client, "rec");
    let mut d = deployment("rec", 2, "nginx:1.27");
    if let Some(spec) = d.spec.as_mut() {
        spec.strategy = Some(parse(json!({"type": "Recreate"})));
    }
    deployments
        .create(&PostParams::default(), &d)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for("the first rollout", || async {
        deployments.get("rec").await.ok().filter(rolled_out)
    })
    .await;
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "nginx:1.28"}]}}}});
    deployments
        .patch("rec", &PatchParams::default(), &Patch::Strategic(&patch))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for("the recreate", || async {
        let d = deployments.get("rec").await.ok().filter(rolled_out)?;
        (annotation(&d.metadata, REVISION).as_deref() == Some("2")).then_some(())
    })
    .await;
    let rss = replica_sets
        .list(&ListParams::default())
        .await
        .map(|l| l.items)
        .unwrap_or_default();
    assert_eq!(rss.len(), 2);
    let notes = event_notes(&client, "ScalingReplicaSet").await;
    let old = rss
        .iter()
        .find(|r| annotation(&r.metadata, REVISION).as_deref() == Some("1"))
        .map(|r| r.name_any())
        .unwrap_or_default();
    let new = rss
        .iter()
        .find(|r| annotation(&r.metadata, REVISION).as_deref() == Some("2"))
        .map(|r| r.name_any())
        .unwrap_or_default();
    assert!(
        notes.contains(&format!("Scaled down replica set {old} from 2 to 0")),
        "{notes:?}"
    );
    assert!(
        notes.contains(&format!("Scaled up replica set {new} from 0 to 2")),
        "{notes:?}"
    );
}

#[tokio::test]
async fn replicaset_adopts_releases_and_scales_down_unready_first() {
    let cluster = cluster().await;
    let client = cluster.client.clone();
    let replica_sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    let pod_api: Api<Pod> = Api::namespaced(client.clone(), "default");
    let orphan: Pod = parse(
        json!({"metadata": {"name": "orphan", "labels": {"app": "rs"}},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}}),
    );
    pod_api
        .create(&PostParams::default(), &orphan)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let rs: ReplicaSet = parse(json!({"metadata": {"name": "rs"}, "spec": {"replicas": 2,
        "selector": {"matchLabels": {"app": "rs"}},
        "template": {"metadata": {"labels": {"app": "rs"}},
                     "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}));
    let rs = replica_sets
        .create(&PostParams::default(), &rs)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let rs_uid = rs.uid().unwrap_or_default();
    let owned = wait_for("adoption and one creation", || async {
        let pods = pod_api.list(&ListParams::default()).await.ok()?.items;
        let owned: Vec<Pod> = owned_by(&pods, &rs_uid).into_iter().cloned().collect();
        let status = replica_sets.get("rs").await.ok()?.status?;
        (owned.len() == 2 && status.replicas == 2).then_some(owned)
    })
    .await;
    assert!(owned.iter().any(|p| p.name_any() == "orphan"));
    let created = owned
        .iter()
        .find(|p| p.name_any() != "orphan")
        .map(|p| p.name_any())
        .unwrap_or_default();
    assert!(created.starts_with("rs-"));
    assert!(
        event_notes(&client, "SuccessfulCreate")
            .await
            .contains(&format!("Created pod: {created}"))
    );

    // A pod that no longer matches is released and replaced.
    pod_api
        .patch(
            "orphan",
            &PatchParams::default(),
            &Patch::Merge(&json!({"metadata": {"labels": {"app": "other"}}})),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for("release and replacement", || async {
        let released = pod_api.get("orphan").await.ok()?;
        let pods = pod_api.list(&ListParams::default()).await.ok()?.items;
        (pods::controller_of(&released.metadata).is_none() && owned_by(&pods, &rs_uid).len() == 2)
            .then_some(())
    })
    .await;

    // Scale-down removes the pod that is not ready.
    mark_ready(&pod_api, &created).await;
    wait_for("ready count", || async {
        (replica_sets.get("rs").await.ok()?.status?.ready_replicas == Some(1)).then_some(())
    })
    .await;
    replica_sets
        .patch_scale(
            "rs",
            &PatchParams::default(),
            &Patch::Merge(&json!({"spec": {"replicas": 1}})),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let remaining = wait_for("scale-down", || async {
        let pods = pod_api.list(&ListParams::default()).await.ok()?.items;
        let owned: Vec<String> = owned_by(&pods, &rs_uid)
            .iter()
            .map(|p| p.name_any())
            .collect();
        (owned.len() == 1).then_some(owned)
    })
    .await;
    assert_eq!(remaining, vec![created]);
    let deleted = event_notes(&client, "SuccessfulDelete").await;
    assert_eq!(deleted.len(), 1, "{deleted:?}");
}

async fn running_deployment(client: &Client, name: &str) -> (String, String) {
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let replica_sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    let pod_api: Api<Pod> = Api::namespaced(client.clone(), "default");
    let d = deployments
        .create(&PostParams::default(), &deployment(name, 2, "nginx"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let uid = d.uid().unwrap_or_default();
    let rs_uid = wait_for("replicaset and pods", || async {
        let rss = replica_sets.list(&ListParams::default()).await.ok()?.items;
        let rs_uid = owned_by(&rss, &uid).first()?.uid()?;
        let pods = pod_api.list(&ListParams::default()).await.ok()?.items;
        (owned_by(&pods, &rs_uid).len() == 2).then_some(rs_uid)
    })
    .await;
    (uid, rs_uid)
}

async fn app_objects(client: &Client, app: &str) -> (Vec<ReplicaSet>, Vec<Pod>) {
    let params = ListParams::default().labels(&format!("app={app}"));
    let rss: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    (
        rss.list(&params).await.map(|l| l.items).unwrap_or_default(),
        pods.list(&params)
            .await
            .map(|l| l.items)
            .unwrap_or_default(),
    )
}

#[tokio::test]
async fn deletion_cascades_in_background_foreground_and_orphan() {
    let cluster = cluster().await;
    let client = cluster.client.clone();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "default");

    running_deployment(&client, "bg").await;
    deployments
        .delete("bg", &DeleteParams::background())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for("background cascade", || async {
        let (rss, pods) = app_objects(&client, "bg").await;
        (rss.is_empty() && pods.is_empty()).then_some(())
    })
    .await;

    running_deployment(&client, "fg").await;
    let pending = deployments
        .delete("fg", &DeleteParams::foreground())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let marked = pending
        .left()
        .unwrap_or_else(|| panic!("foreground deletion must wait"));
    assert!(
        marked
            .finalizers()
            .iter()
            .any(|f| f == "foregroundDeletion")
    );
    wait_for("foreground deletion", || async {
        deployments
            .get_opt("fg")
            .await
            .ok()?
            .is_none()
            .then_some(())
    })
    .await;
    let (rss, pods) = app_objects(&client, "fg").await;
    assert!(
        rss.is_empty() && pods.is_empty(),
        "dependents outlived a foreground owner"
    );

    let (_, rs_uid) = running_deployment(&client, "orph").await;
    deployments
        .delete("orph", &DeleteParams::orphan())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for("orphaning", || async {
        deployments
            .get_opt("orph")
            .await
            .ok()?
            .is_none()
            .then_some(())
    })
    .await;
    let (rss, pods) = app_objects(&client, "orph").await;
    assert_eq!(rss.len(), 1);
    assert!(rss[0].owner_references().is_empty());
    assert_eq!(owned_by(&pods, &rs_uid).len(), 2);
}

#[tokio::test]
async fn dangling_owners_are_collected_and_live_owners_kept() {
    let cluster = cluster().await;
    let client = cluster.client.clone();
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let owner = maps
        .create(
            &PostParams::default(),
            &parse(json!({"metadata": {"name": "owner"}})),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reference =
        |uid: &str| json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid}]);
    let kept: ConfigMap = parse(
        json!({"metadata": {"name": "kept", "ownerReferences": reference(&owner.uid().unwrap_or_default())}}),
    );
    maps.create(&PostParams::default(), &kept)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let stale: ConfigMap =
        parse(json!({"metadata": {"name": "stale", "ownerReferences": reference("another-uid")}}));
    maps.create(&PostParams::default(), &stale)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for("the stale dependent to go", || async {
        maps.get_opt("stale").await.ok()?.is_none().then_some(())
    })
    .await;
    assert!(maps.get_opt("kept").await.ok().flatten().is_some());
    maps.delete("owner", &DeleteParams::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for("the dependent of a deleted owner to go", || async {
        maps.get_opt("kept").await.ok()?.is_none().then_some(())
    })
    .await;
}
