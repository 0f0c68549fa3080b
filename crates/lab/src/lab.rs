//! Starting and stopping a lab: one set of listeners per device on its own loopback address,
//! one tokio task per connection.

use crate::config::LabConfig;
use crate::device::Device;
use crate::error::LabError;
use crate::http_server::{self, Role};
use crate::manifest::Manifest;
use crate::{rtsp_server, telnet};
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

/// Connections served at once by one listener; further ones are closed at once.
pub const MAX_CONNECTIONS_PER_LISTENER: usize = 256;

/// Where and how a lab listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabOptions {
    /// Address of the first device (e.g. 127.0.10.1); the next devices take the following
    /// addresses. Every address must stay inside 127.0.0.0/8.
    pub base: Ipv4Addr,
    /// 0 = the personalities' real ports; otherwise added to every port (for non-root use).
    pub port_offset: u16,
}

impl Default for LabOptions {
    fn default() -> Self {
        LabOptions {
            base: Ipv4Addr::new(127, 0, 10, 1),
            port_offset: 0,
        }
    }
}

/// A running lab.
#[derive(Debug)]
pub struct Lab {
    manifest: Manifest,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// What a listener serves.
#[derive(Debug, Clone, Copy)]
enum Service {
    Http(Role),
    Rtsp,
    Telnet,
}

impl Lab {
    /// Bind every device's listeners and start serving; returns once all listen.
    /// An address already in use is an error naming it (nothing is left listening then).
    pub async fn start(config: &LabConfig, opts: &LabOptions) -> Result<Lab, LabError> {
        Lab::start_with_clock(config, opts, Arc::new(crate::clock::SystemClock)).await
    }

    /// [`Lab::start`] with the devices' stateful behaviours (brute-force lockout) reading time
    /// from `clock`, e.g. a [`crate::clock::ManualClock`] that tests move by hand.
    pub async fn start_with_clock(
        config: &LabConfig,
        opts: &LabOptions,
        clock: Arc<dyn crate::clock::Clock>,
    ) -> Result<Lab, LabError> {
        let mut devices = Vec::with_capacity(config.devices.len());
        for (i, spec) in config.devices.iter().enumerate() {
            let address = device_address(opts.base, i)?;
            let mut device = Device::new(spec, address, opts.port_offset)?;
            device.set_clock(clock.clone());
            devices.push(Arc::new(device));
        }
        let mut listeners = Vec::new();
        for device in &devices {
            for (port, service) in services(device) {
                let addr = SocketAddr::new(device.address.into(), port);
                let listener = TcpListener::bind(addr)
                    .await
                    .map_err(|source| LabError::Bind { addr, source })?;
                listeners.push((listener, device.clone(), service));
            }
        }
        let (stop, _) = watch::channel(false);
        let mut tasks = Vec::with_capacity(listeners.len());
        for (listener, device, service) in listeners {
            let rx = stop.subscribe();
            tasks.push(tokio::spawn(accept_loop(
                listener,
                rx,
                move |s: TcpStream| {
                    let device = device.clone();
                    async move {
                        match service {
                            Service::Http(role) => http_server::serve(s, device, role).await,
                            Service::Rtsp => rtsp_server::serve(s, device).await,
                            Service::Telnet => telnet::serve(s, device).await,
                        }
                    }
                },
            )));
        }
        let manifest = Manifest {
            devices: devices.iter().map(|d| d.manifest()).collect(),
        };
        tracing::info!(devices = manifest.devices.len(), "lab started");
        Ok(Lab {
            manifest,
            stop,
            tasks,
        })
    }

    /// What the lab serves.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Stop every listener and connection; returns once the listening sockets are closed.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        tracing::info!("lab stopped");
    }
}

/// Address of device `index`: `base + index`, inside 127.0.0.0/8.
fn device_address(base: Ipv4Addr, index: usize) -> Result<Ipv4Addr, LabError> {
    if base.octets()[0] != 127 {
        return Err(LabError::Options(format!(
            "base address {base} is not in 127.0.0.0/8"
        )));
    }
    let addr = u32::try_from(index)
        .ok()
        .and_then(|i| u32::from(base).checked_add(i))
        .map(Ipv4Addr::from)
        .filter(|a| a.octets()[0] == 127 && a.octets()[3] != 255)
        .ok_or_else(|| {
            LabError::Options(format!(
                "device {} would get an address outside 127.0.0.0/8 (base {base})",
                index + 1
            ))
        })?;
    Ok(addr)
}

/// Ports and services of a device.
fn services(device: &Device) -> Vec<(u16, Service)> {
    let mut out = Vec::new();
    for &p in &device.http_ports {
        out.push((
            p,
            Service::Http(Role {
                web: true,
                onvif: p == device.onvif_port,
            }),
        ));
    }
    if !device.http_ports.contains(&device.onvif_port) {
        out.push((
            device.onvif_port,
            Service::Http(Role {
                web: false,
                onvif: true,
            }),
        ));
    }
    out.push((device.rtsp_port, Service::Rtsp));
    if device.spec.telnet {
        out.push((device.telnet_port, Service::Telnet));
    }
    out
}

async fn accept_loop<F, Fut>(listener: TcpListener, mut stop: watch::Receiver<bool>, handler: F)
where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let limit = Arc::new(Semaphore::new(MAX_CONNECTIONS_PER_LISTENER));
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let Ok(permit) = limit.clone().try_acquire_owned() else {
                        tracing::debug!(%peer, "connection limit reached; closing");
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let conn = handler(stream);
                    let mut stop = stop.clone();
                    tokio::spawn(async move {
                        tokio::select! {
                            _ = conn => {}
                            _ = stop.changed() => {}
                        }
                        drop(permit);
                    });
                }
                Err(e) => {
                    tracing::debug!("accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_increment_and_stay_in_loopback() {
        let base = Ipv4Addr::new(127, 0, 10, 1);
        assert_eq!(device_address(base, 0).ok(), Some(base));
        assert_eq!(
            device_address(base, 255).ok(),
            Some(Ipv4Addr::new(127, 0, 11, 0))
        );
        assert!(device_address(Ipv4Addr::new(10, 0, 0, 1), 0).is_err());
        assert!(device_address(Ipv4Addr::new(127, 255, 255, 250), 10).is_err());
    }
}
