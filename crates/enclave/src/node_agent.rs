//! Plugs the vSphere Pod runtime into the API server as its node agent (`pods/log`).

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use enclave_apiserver::node_proxy::{LogOptions, NodeError, NodeProxy};
use enclave_runtime::{LogRequest, Runtime};
use futures::stream::BoxStream;

/// The runtime seen from the API server.
pub struct RuntimeNodeProxy(pub Arc<Runtime>);

#[async_trait]
impl NodeProxy for RuntimeNodeProxy {
    async fn container_logs(
        &self,
        namespace: &str,
        pod: &str,
        uid: &str,
        options: &LogOptions,
    ) -> Result<BoxStream<'static, Bytes>, NodeError> {
        let request = LogRequest {
            follow: options.follow,
            previous: options.previous,
            tail_lines: options.tail_lines,
            since_seconds: options.since_seconds,
            since_time: options.since_time.clone(),
            timestamps: options.timestamps,
            limit_bytes: options.limit_bytes,
        };
        self.0
            .container_logs(namespace, pod, uid, &options.container, request)
            .map_err(|error| match error {
                enclave_runtime::Error::LogNotFound(m) | enclave_runtime::Error::BadRequest(m) => {
                    NodeError::NotFound(m)
                }
                other => NodeError::Unavailable(other.to_string()),
            })
    }
}

/// The runtime's pod addresses from the network manager's IPAM (the namespace's /28
/// subnets of the Namespace Network).
pub struct NsxPodAddresses(pub Arc<enclave_nsx::Network>);

impl enclave_runtime::PodAddresses for NsxPodAddresses {
    fn allocate(
        &self,
        namespace: &str,
        uid: &str,
    ) -> Result<std::net::Ipv4Addr, enclave_runtime::AddressError> {
        self.0
            .allocate_pod(namespace, uid)
            .map(|address| address.ip)
            .map_err(|e| enclave_runtime::AddressError::Network(e.to_string()))
    }

    fn restore(
        &self,
        namespace: &str,
        uid: &str,
        ip: std::net::Ipv4Addr,
    ) -> Result<(), enclave_runtime::AddressError> {
        self.0
            .restore_pod(namespace, uid, ip)
            .map_err(|e| enclave_runtime::AddressError::Network(e.to_string()))
    }

    fn release(&self, uid: &str) {
        self.0.release_pod(uid);
    }
}
