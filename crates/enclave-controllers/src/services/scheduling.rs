//! The scheduler's decisions: which pods it owns, which nodes fit a pod (kube's filter plugins
//! NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit), how fitting nodes are
//! scored (spread across a controller's pods first, then least requested), and kube's
//! `FailedScheduling` wording when no node fits.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::{
    Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, Taint, Toleration,
};

use super::quantity::parse_milli;

/// The scheduler's name, in `spec.schedulerName` and as the events' reporting controller.
pub(crate) const SCHEDULER_NAME: &str = "default-scheduler";

/// Requests counted for scoring when a container names none (kube's non-zero defaults).
const DEFAULT_CPU_MILLI: i128 = 100;
const DEFAULT_MEMORY_MILLI: i128 = 200 * 1024 * 1024 * 1000;

/// Whether this scheduler should place the pod: not bound, not being deleted, not terminal,
/// no scheduling gates, and addressed to `default-scheduler`.
pub(crate) fn wants_scheduling(pod: &Pod) -> bool {
    let Some(spec) = &pod.spec else {
        return false;
    };
    spec.node_name.as_deref().unwrap_or("").is_empty()
        && pod.metadata.deletion_timestamp.is_none()
        && !is_terminal(pod)
        && spec.scheduling_gates.as_ref().is_none_or(Vec::is_empty)
        && spec
            .scheduler_name
            .as_deref()
            .is_none_or(|n| n.is_empty() || n == SCHEDULER_NAME)
}

/// A pod that has finished (`Succeeded` or `Failed`) holds no resources.
pub(crate) fn is_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// The node a pod is bound to, if any.
pub(crate) fn bound_node(pod: &Pod) -> Option<&str> {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .filter(|n| !n.is_empty())
}

/// The UID of the pod's controller owner, which the spreading score groups by.
pub(crate) fn controller_uid(pod: &Pod) -> Option<&str> {
    pod.metadata
        .owner_references
        .as_ref()?
        .iter()
        .find(|o| o.controller == Some(true))
        .map(|o| o.uid.as_str())
}

/// Resource requests in milli-units by resource name.
pub(crate) type Requests = BTreeMap<String, i128>;

/// What a pod asks for: the sum over containers, at least the largest init container, plus
/// the pod overhead (kube's `PodRequests`).
pub(crate) fn pod_requests(pod: &Pod) -> Requests {
    let mut total = Requests::new();
    let Some(spec) = &pod.spec else {
        return total;
    };
    for container in &spec.containers {
        for (name, value) in container_requests(container) {
            *total.entry(name).or_default() += value;
        }
    }
    for init in spec.init_containers.iter().flatten() {
        for (name, value) in container_requests(init) {
            let slot = total.entry(name).or_default();
            *slot = (*slot).max(value);
        }
    }
    for (name, quantity) in spec.overhead.iter().flatten() {
        if let Some(value) = parse_milli(&quantity.0) {
            *total.entry(name.clone()).or_default() += value;
        }
    }
    total
}

fn container_requests(container: &k8s_openapi::api::core::v1::Container) -> Requests {
    let Some(resources) = &container.resources else {
        return Requests::new();
    };
    // As the API server defaults: limits stand in for missing requests.
    let mut requests: Requests = resources
        .limits
        .iter()
        .flatten()
        .filter_map(|(n, q)| Some((n.clone(), parse_milli(&q.0)?)))
        .collect();
    for (name, quantity) in resources.requests.iter().flatten() {
        if let Some(value) = parse_milli(&quantity.0) {
            requests.insert(name.clone(), value);
        }
    }
    requests
}

/// The cpu and memory a pod counts for scoring: its requests, with kube's defaults for
/// containers that ask for nothing.
fn non_zero_requests(pod: &Pod) -> (i128, i128) {
    let Some(spec) = &pod.spec else {
        return (0, 0);
    };
    let mut cpu = 0;
    let mut memory = 0;
    for container in &spec.containers {
        let requests = container_requests(container);
        cpu += requests.get("cpu").copied().unwrap_or(DEFAULT_CPU_MILLI);
        memory += requests
            .get("memory")
            .copied()
            .unwrap_or(DEFAULT_MEMORY_MILLI);
    }
    (cpu, memory)
}

/// One node as the scheduler sees it: its object and what the pods on it already use.
#[derive(Debug, Clone)]
pub(crate) struct NodeState {
    /// The Node.
    pub(crate) node: std::sync::Arc<Node>,
    /// Sum of the requests of the pods on the node.
    pub(crate) requested: Requests,
    /// Sum of the non-zero cpu and memory requests, for scoring.
    pub(crate) non_zero: (i128, i128),
    /// How many pods are on the node.
    pub(crate) pod_count: usize,
    /// Pods on the node by controller owner UID.
    pub(crate) by_owner: HashMap<String, usize>,
}

impl NodeState {
    /// A node with nothing on it yet.
    pub(crate) fn new(node: std::sync::Arc<Node>) -> Self {
        Self {
            node,
            requested: Requests::new(),
            non_zero: (0, 0),
            pod_count: 0,
            by_owner: HashMap::new(),
        }
    }

    /// The node's name.
    pub(crate) fn name(&self) -> &str {
        self.node.metadata.name.as_deref().unwrap_or("")
    }

    /// Counts a pod as placed on this node.
    pub(crate) fn add_pod(&mut self, pod: &Pod) {
        for (name, value) in pod_requests(pod) {
            *self.requested.entry(name).or_default() += value;
        }
        let (cpu, memory) = non_zero_requests(pod);
        self.non_zero.0 += cpu;
        self.non_zero.1 += memory;
        self.pod_count += 1;
        if let Some(owner) = controller_uid(pod) {
            *self.by_owner.entry(owner.to_string()).or_default() += 1;
        }
    }

    fn allocatable(&self, resource: &str) -> i128 {
        self.node
            .status
            .as_ref()
            .and_then(|s| s.allocatable.as_ref())
            .and_then(|a| a.get(resource))
            .and_then(|q| parse_milli(&q.0))
            .unwrap_or(0)
    }
}

/// Why one node does not fit, in kube's words; `resolvable` when preemption could help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reason {
    /// The reason as kube prints it in the histogram.
    pub(crate) text: String,
    /// Whether evicting lower-priority pods could make room (resource reasons).
    pub(crate) resolvable: bool,
}

impl Reason {
    fn unresolvable(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            resolvable: false,
        }
    }

    fn resolvable(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            resolvable: true,
        }
    }
}

/// The taint kube's node lifecycle controller puts on a node that is not Ready, if any.
fn readiness_taint(node: &Node) -> Option<Taint> {
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .map(|c| c.status.as_str());
    let key = match ready {
        Some("True") => return None,
        Some("False") => "node.kubernetes.io/not-ready",
        _ => "node.kubernetes.io/unreachable",
    };
    Some(Taint {
        key: key.into(),
        effect: "NoSchedule".into(),
        ..Taint::default()
    })
}

/// Whether a toleration tolerates a taint (kube's `ToleratesTaint`).
pub(crate) fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    let effect = toleration.effect.as_deref().unwrap_or("");
    if !effect.is_empty() && effect != taint.effect {
        return false;
    }
    let key = toleration.key.as_deref().unwrap_or("");
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match toleration.operator.as_deref().unwrap_or("Equal") {
        "Exists" => true,
        "Equal" => {
            !key.is_empty()
                && toleration.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("")
        }
        _ => false,
    }
}

fn label_matches(labels: &BTreeMap<String, String>, requirement: &NodeSelectorRequirement) -> bool {
    let value = labels.get(&requirement.key);
    let values = requirement.values.as_deref().unwrap_or(&[]);
    match requirement.operator.as_str() {
        "In" => value.is_some_and(|v| values.contains(v)),
        "NotIn" => value.is_none_or(|v| !values.contains(v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" | "Lt" => {
            let (Some(actual), [bound]) = (value.and_then(|v| v.parse::<i64>().ok()), values)
            else {
                return false;
            };
            let Ok(bound) = bound.parse::<i64>() else {
                return false;
            };
            if requirement.operator == "Gt" {
                actual > bound
            } else {
                actual < bound
            }
        }
        _ => false,
    }
}

fn term_matches(term: &NodeSelectorTerm, node: &Node) -> bool {
    let expressions = term.match_expressions.as_deref().unwrap_or(&[]);
    let fields = term.match_fields.as_deref().unwrap_or(&[]);
    // An empty term selects nothing (kube's nodeaffinity semantics).
    if expressions.is_empty() && fields.is_empty() {
        return false;
    }
    let empty = BTreeMap::new();
    let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
    let name_fields: BTreeMap<String, String> = node
        .metadata
        .name
        .iter()
        .map(|n| ("metadata.name".to_string(), n.clone()))
        .collect();
    expressions.iter().all(|r| label_matches(labels, r))
        && fields
            .iter()
            .all(|r| r.key == "metadata.name" && label_matches(&name_fields, r))
}

/// Whether a node matches the pod's `nodeSelector` and required node affinity.
pub(crate) fn matches_node_affinity(pod: &Pod, node: &Node) -> bool {
    let Some(spec) = &pod.spec else {
        return true;
    };
    let empty = BTreeMap::new();
    let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
    if let Some(selector) = &spec.node_selector
        && selector.iter().any(|(k, v)| labels.get(k) != Some(v))
    {
        return false;
    }
    let required = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|a| {
            a.required_during_scheduling_ignored_during_execution
                .as_ref()
        });
    match required {
        None => true,
        Some(selector) => selector
            .node_selector_terms
            .iter()
            .any(|t| term_matches(t, node)),
    }
}

/// Kube's filter plugins in their order; the first failing plugin gives the node's reasons.
pub(crate) fn filter(pod: &Pod, requests: &Requests, node: &NodeState) -> Result<(), Vec<Reason>> {
    let tolerations: &[Toleration] = pod
        .spec
        .as_ref()
        .and_then(|s| s.tolerations.as_deref())
        .unwrap_or(&[]);
    let spec = node.node.spec.as_ref();
    if spec.and_then(|s| s.unschedulable) == Some(true) {
        let taint = Taint {
            key: "node.kubernetes.io/unschedulable".into(),
            effect: "NoSchedule".into(),
            ..Taint::default()
        };
        if !tolerations.iter().any(|t| tolerates(t, &taint)) {
            return Err(vec![Reason::unresolvable("node(s) were unschedulable")]);
        }
    }
    let taints = spec
        .and_then(|s| s.taints.clone())
        .unwrap_or_default()
        .into_iter()
        .chain(readiness_taint(&node.node));
    for taint in taints {
        if (taint.effect == "NoSchedule" || taint.effect == "NoExecute")
            && !tolerations.iter().any(|t| tolerates(t, &taint))
        {
            return Err(vec![Reason::unresolvable(format!(
                "node(s) had untolerated taint {{{}: {}}}",
                taint.key,
                taint.value.as_deref().unwrap_or("")
            ))]);
        }
    }
    if !matches_node_affinity(pod, &node.node) {
        return Err(vec![Reason::unresolvable(
            "node(s) didn't match Pod's node affinity/selector",
        )]);
    }
    let mut reasons = Vec::new();
    let allowed_pods = node.allocatable("pods") / 1000;
    if i128::try_from(node.pod_count).unwrap_or(i128::MAX) + 1 > allowed_pods {
        reasons.push(Reason::resolvable("Too many pods"));
    }
    for (resource, &wanted) in requests {
        if wanted <= 0 || resource == "pods" {
            continue;
        }
        let used = node.requested.get(resource).copied().unwrap_or(0);
        if node.allocatable(resource) - used < wanted {
            reasons.push(Reason::resolvable(format!("Insufficient {resource}")));
        }
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(reasons)
    }
}

/// Kube's least-requested score (0-100, higher is emptier) after placing the pod.
pub(crate) fn least_requested_score(pod: &Pod, node: &NodeState) -> i128 {
    let (cpu, memory) = non_zero_requests(pod);
    let score = |allocatable: i128, requested: i128| {
        if allocatable <= 0 || requested > allocatable {
            0
        } else {
            (allocatable - requested) * 100 / allocatable
        }
    };
    (score(node.allocatable("cpu"), node.non_zero.0 + cpu)
        + score(node.allocatable("memory"), node.non_zero.1 + memory))
        / 2
}

/// Picks a node for the pod: among the nodes that pass the filters, fewest pods of the same
/// controller first, then least requested, then by name (so that decisions are repeatable).
/// Without one, the kube `FailedScheduling` message.
pub(crate) fn choose_node(pod: &Pod, nodes: &[NodeState]) -> Result<usize, String> {
    let requests = pod_requests(pod);
    let owner = controller_uid(pod);
    let mut failures = Vec::new();
    let mut best: Option<(usize, (usize, i128))> = None;
    for (index, node) in nodes.iter().enumerate() {
        match filter(pod, &requests, node) {
            Ok(()) => {
                let same_owner = owner
                    .and_then(|o| node.by_owner.get(o).copied())
                    .unwrap_or(0);
                let key = (same_owner, -least_requested_score(pod, node));
                let better = match &best {
                    None => true,
                    Some((best_index, best_key)) => {
                        key < *best_key
                            || (key == *best_key && node.name() < nodes[*best_index].name())
                    }
                };
                if better {
                    best = Some((index, key));
                }
            }
            Err(reasons) => failures.push(reasons),
        }
    }
    match best {
        Some((index, _)) => Ok(index),
        None => Err(fit_error_message(nodes.len(), &failures)),
    }
}

/// `0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No
/// preemption victims found for incoming pod.` — reasons counted, each histogram sorted as
/// strings, as kube's FitError and preemption's PostFilter print them. Preemption never finds
/// victims here: the Supervisor does not preempt.
pub(crate) fn fit_error_message(total_nodes: usize, failures: &[Vec<Reason>]) -> String {
    if total_nodes == 0 {
        return "no nodes available to schedule pods".into();
    }
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    let mut preemption: BTreeMap<&str, usize> = BTreeMap::new();
    for node_reasons in failures {
        for reason in node_reasons {
            *reasons.entry(reason.text.as_str()).or_default() += 1;
        }
        let verdict = if node_reasons.iter().all(|r| r.resolvable) {
            "No preemption victims found for incoming pod."
        } else {
            "Preemption is not helpful for scheduling."
        };
        *preemption.entry(verdict).or_default() += 1;
    }
    let histogram = |counts: &BTreeMap<&str, usize>| {
        let mut lines: Vec<String> = counts
            .iter()
            .map(|(text, count)| format!("{count} {text}"))
            .collect();
        lines.sort();
        lines.join(", ")
    };
    format!(
        "0/{total_nodes} nodes are available: {}. preemption: 0/{total_nodes} nodes are available: {}",
        histogram(&reasons),
        histogram(&preemption)
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn node(json: &str) -> NodeState {
        NodeState::new(Arc::new(serde_json::from_str(json).unwrap()))
    }

    fn ready_node(name: &str, cpu: &str, pods: &str, labels: &str) -> NodeState {
        node(&format!(
            r#"{{"apiVersion":"v1","kind":"Node","metadata":{{"name":"{name}","labels":{labels}}},
            "status":{{"allocatable":{{"cpu":"{cpu}","memory":"8Gi","pods":"{pods}"}},
            "conditions":[{{"type":"Ready","status":"True"}}]}}}}"#
        ))
    }

    fn pod(json: serde_json::Value) -> Pod {
        serde_json::from_value(json).unwrap()
    }

    fn web_pod(cpu: &str) -> Pod {
        pod(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "default",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web",
                    "uid": "rs-1", "controller": true}]},
            "spec": {"containers": [{"name": "c", "image": "nginx",
                "resources": {"requests": {"cpu": cpu, "memory": "64Mi"}}}]}
        }))
    }

    #[test]
    fn insufficient_cpu_everywhere_gives_kubes_message() {
        let nodes: Vec<NodeState> = ["a", "b", "c"]
            .iter()
            .map(|n| ready_node(n, "1", "110", "{}"))
            .collect();
        assert_eq!(
            choose_node(&web_pod("2"), &nodes).unwrap_err(),
            "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
        );
    }

    #[test]
    fn mixed_reasons_are_counted_and_sorted() {
        let mut tainted = ready_node("t", "4", "110", "{}");
        let spec = k8s_openapi::api::core::v1::NodeSpec {
            taints: Some(vec![Taint {
                key: "dedicated".into(),
                value: Some("db".into()),
                effect: "NoSchedule".into(),
                ..Taint::default()
            }]),
            ..Default::default()
        };
        Arc::make_mut(&mut tainted.node).spec = Some(spec);
        let cordoned = node(
            r#"{"metadata":{"name":"u"},"spec":{"unschedulable":true},
            "status":{"allocatable":{"cpu":"4","pods":"110"},"conditions":[{"type":"Ready","status":"True"}]}}"#,
        );
        let not_ready = node(
            r#"{"metadata":{"name":"nr"},"status":{"allocatable":{"cpu":"4","pods":"110"},
            "conditions":[{"type":"Ready","status":"False"}]}}"#,
        );
        let small = ready_node("s", "1", "110", "{}");
        let nodes = vec![tainted, cordoned, not_ready, small];
        assert_eq!(
            choose_node(&web_pod("2"), &nodes).unwrap_err(),
            "0/4 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: db}, \
             1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 1 node(s) were unschedulable. \
             preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod., \
             3 Preemption is not helpful for scheduling."
        );
        assert_eq!(
            choose_node(&web_pod("2"), &[]).unwrap_err(),
            "no nodes available to schedule pods"
        );
    }

    #[test]
    fn tolerations_match_kube() {
        let taint = Taint {
            key: "dedicated".into(),
            value: Some("db".into()),
            effect: "NoSchedule".into(),
            ..Taint::default()
        };
        let t = |json: serde_json::Value| -> Toleration { serde_json::from_value(json).unwrap() };
        assert!(tolerates(
            &t(serde_json::json!({"key": "dedicated", "value": "db"})),
            &taint
        ));
        assert!(tolerates(
            &t(serde_json::json!({"operator": "Exists"})),
            &taint
        ));
        assert!(tolerates(
            &t(
                serde_json::json!({"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"})
            ),
            &taint
        ));
        assert!(!tolerates(
            &t(serde_json::json!({"key": "dedicated", "value": "web"})),
            &taint
        ));
        assert!(!tolerates(
            &t(
                serde_json::json!({"key": "dedicated", "operator": "Exists", "effect": "NoExecute"})
            ),
            &taint
        ));
    }

    #[test]
    fn node_selector_and_affinity_filter_nodes() {
        let nodes = vec![
            ready_node("a", "4", "110", r#"{"zone":"a","disk":"ssd"}"#),
            ready_node("b", "4", "110", r#"{"zone":"b"}"#),
            ready_node("c", "4", "110", r#"{"zone":"c","gpu":"1"}"#),
        ];
        let with = |spec_extra: serde_json::Value| {
            let mut p = serde_json::to_value(web_pod("100m")).unwrap();
            for (k, v) in spec_extra.as_object().unwrap() {
                p["spec"][k] = v.clone();
            }
            pod(p)
        };
        let affinity = |exprs: serde_json::Value| {
            with(serde_json::json!({"affinity": {"nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": exprs}]}}}}))
        };
        let fits = |p: &Pod| -> Vec<String> {
            nodes
                .iter()
                .filter(|n| filter(p, &pod_requests(p), n).is_ok())
                .map(|n| n.name().to_string())
                .collect()
        };
        assert_eq!(
            fits(&with(serde_json::json!({"nodeSelector": {"zone": "b"}}))),
            ["b"]
        );
        assert_eq!(
            fits(&affinity(
                serde_json::json!([{"key": "zone", "operator": "In", "values": ["a", "c"]}])
            )),
            ["a", "c"]
        );
        assert_eq!(
            fits(&affinity(
                serde_json::json!([{"key": "zone", "operator": "NotIn", "values": ["a"]}])
            )),
            ["b", "c"]
        );
        assert_eq!(
            fits(&affinity(
                serde_json::json!([{"key": "gpu", "operator": "Exists"}])
            )),
            ["c"]
        );
        assert_eq!(
            fits(&affinity(
                serde_json::json!([{"key": "disk", "operator": "DoesNotExist"}])
            )),
            ["b", "c"]
        );
        assert_eq!(
            choose_node(
                &with(serde_json::json!({"nodeSelector": {"zone": "x"}})),
                &nodes
            )
            .unwrap_err(),
            "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        );
    }

    #[test]
    fn pods_already_on_a_node_use_its_room() {
        let mut full = ready_node("a", "1", "110", "{}");
        full.add_pod(&web_pod("800m"));
        assert_eq!(
            filter(&web_pod("300m"), &pod_requests(&web_pod("300m")), &full).unwrap_err()[0].text,
            "Insufficient cpu"
        );
        let mut crowded = ready_node("b", "8", "1", "{}");
        crowded.add_pod(&web_pod("10m"));
        assert_eq!(
            filter(&web_pod("10m"), &pod_requests(&web_pod("10m")), &crowded).unwrap_err()[0].text,
            "Too many pods"
        );
    }

    #[test]
    fn pods_of_one_controller_spread_before_least_requested() {
        let mut busy = ready_node("a", "4", "110", "{}");
        let mut with_sibling = ready_node("b", "4", "110", "{}");
        // a is busier, but b already runs a pod of the same ReplicaSet.
        let mut other = web_pod("2");
        other.metadata.owner_references = None;
        busy.add_pod(&other);
        with_sibling.add_pod(&web_pod("100m"));
        let nodes = vec![busy, with_sibling, ready_node("c", "4", "110", "{}")];
        assert_eq!(
            nodes[choose_node(&web_pod("100m"), &nodes).unwrap()].name(),
            "c"
        );
        let two = vec![nodes[0].clone(), nodes[1].clone()];
        assert_eq!(
            two[choose_node(&web_pod("100m"), &two).unwrap()].name(),
            "a"
        );
        let empty_pair = vec![
            ready_node("y", "4", "110", "{}"),
            ready_node("x", "4", "110", "{}"),
        ];
        assert_eq!(
            empty_pair[choose_node(&web_pod("100m"), &empty_pair).unwrap()].name(),
            "x"
        );
    }

    #[test]
    fn which_pods_are_ours() {
        let mut p = web_pod("1");
        assert!(wants_scheduling(&p));
        p.spec.as_mut().unwrap().scheduler_name = Some("other".into());
        assert!(!wants_scheduling(&p));
        p.spec.as_mut().unwrap().scheduler_name = Some(SCHEDULER_NAME.into());
        p.spec.as_mut().unwrap().node_name = Some("n".into());
        assert!(!wants_scheduling(&p));
    }

    #[test]
    fn requests_take_the_largest_init_container_and_overhead() {
        let p = pod(serde_json::json!({"metadata": {"name": "p"}, "spec": {
            "containers": [{"name": "a", "resources": {"requests": {"cpu": "100m"}}},
                           {"name": "b", "resources": {"limits": {"cpu": "200m"}}}],
            "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "500m"}}}],
            "overhead": {"cpu": "10m"}}}));
        assert_eq!(pod_requests(&p).get("cpu"), Some(&510));
    }
}
