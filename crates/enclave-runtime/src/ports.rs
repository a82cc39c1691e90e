//! The port map: each container port a workload binds is a real listening socket on
//! 127.0.0.1 with an ephemeral port, recorded under the pod IP and container port it stands
//! for. Probes, the data plane and the proxy reach pods only through this map; nothing ever
//! connects to a pod IP.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// (pod IP, container port) -> the loopback socket standing for it.
#[derive(Debug, Default)]
pub(crate) struct PortMap {
    map: RwLock<HashMap<(IpAddr, u16), SocketAddr>>,
}

impl PortMap {
    pub(crate) fn get(&self, ip: IpAddr, port: u16) -> Option<SocketAddr> {
        self.map
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(ip, port))
            .copied()
    }

    fn insert(&self, ip: IpAddr, port: u16, addr: SocketAddr) -> bool {
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        if map.contains_key(&(ip, port)) {
            return false;
        }
        map.insert((ip, port), addr);
        true
    }

    fn remove(&self, ip: IpAddr, port: u16, addr: SocketAddr) {
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        if map.get(&(ip, port)) == Some(&addr) {
            map.remove(&(ip, port));
        }
    }

    /// How many ports are mapped (for tests and diagnostics).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// The binder one container instance gets: what it binds is unmapped when the instance ends
/// (`release`).
pub(crate) struct InstancePorts {
    map: Arc<PortMap>,
    pod_ip: IpAddr,
    bound: Mutex<Vec<(u16, SocketAddr)>>,
}

impl InstancePorts {
    pub(crate) fn new(map: Arc<PortMap>, pod_ip: IpAddr) -> Arc<Self> {
        Arc::new(InstancePorts {
            map,
            pod_ip,
            bound: Mutex::new(Vec::new()),
        })
    }

    /// Unmaps every port the instance bound.
    pub(crate) fn release(&self) {
        let bound = std::mem::take(&mut *self.bound.lock().unwrap_or_else(PoisonError::into_inner));
        for (port, addr) in bound {
            self.map.remove(self.pod_ip, port, addr);
        }
    }
}

impl enclave_workloads::PortBinder for InstancePorts {
    fn bind_tcp(&self, container_port: u16) -> std::io::Result<TcpListener> {
        let listener = TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        if !self.map.insert(self.pod_ip, container_port, addr) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AddrInUse,
                format!(
                    "listen tcp {}:{container_port}: bind: address already in use",
                    self.pod_ip
                ),
            ));
        }
        self.bound
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((container_port, addr));
        Ok(listener)
    }
}

impl Drop for InstancePorts {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use enclave_workloads::PortBinder;

    #[test]
    fn binds_loopback_and_unmaps_on_release() {
        let map = Arc::new(PortMap::default());
        let ip = IpAddr::V4(Ipv4Addr::new(10, 244, 0, 2));
        let ports = InstancePorts::new(map.clone(), ip);
        let listener = ports.bind_tcp(8080);
        let Ok(listener) = listener else {
            panic!("bind failed");
        };
        let addr = listener.local_addr().ok();
        assert_eq!(map.get(ip, 8080), addr);
        assert!(addr.is_some_and(|a| a.ip().is_loopback()));
        assert!(
            ports.bind_tcp(8080).is_err(),
            "a port is bound once per pod"
        );
        ports.release();
        assert_eq!(map.get(ip, 8080), None);
        assert_eq!(map.len(), 0);
    }
}
