//! Helpers shared by the workload controllers (ReplicaSet, Deployment, garbage collector):
//! pod predicates and ranking, controller references, the pod-template hash, the rollout
//! arithmetic, events and API error reading.

pub(crate) mod api;
pub(crate) mod claim;
pub(crate) mod events;
pub(crate) mod hash;
pub(crate) mod pods;
pub(crate) mod rollout;
#[cfg(test)]
mod tests;
