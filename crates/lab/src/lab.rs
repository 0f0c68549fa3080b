//! Starting and stopping a lab: every device's services on its own loopback address (see
//! [`crate::listen`] for how they are bound), hostile devices beside the cameras, one tokio
//! task per connection.

use crate::config::LabConfig;
use crate::device::Device;
use crate::error::LabError;
use crate::http_server::{self, Role};
use crate::listen::Handler;
use crate::manifest::Manifest;
use crate::{rtsp_server, telnet};
use std::net::Ipv4Addr;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio::sync::watch;
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
    /// The running (non-hostile) devices, for their request logs.
    running: Vec<Arc<Device>>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// What a listener serves.
#[derive(Debug, Clone, Copy)]
enum Service {
    Http(Role),
    Rtsp,
    Telnet,
    Vendor(crate::personality::VendorProtocol),
    Ftp,
    Ssh,
    Https,
    UpnpDescription,
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
        crate::listen::raise_fd_limit();
        let mut entries = Vec::with_capacity(config.devices.len());
        let mut routes = crate::listen::RouteTable::default();
        let mut certs = crate::certs::CertFactory::new(config.seed);
        certs.pregenerate_rsa(
            config
                .devices
                .iter()
                .filter(|d| {
                    d.https
                        && d.hostile.is_empty()
                        && d.tls_discovery.tls() == crate::tls_discovery::TlsMode::LegacyTls10
                })
                .count(),
        );
        let mut discovering = Vec::new();
        let mut surface_udp = Vec::new();
        let mut running = Vec::new();
        for (i, spec) in config.devices.iter().enumerate() {
            let address = device_address(opts.base, i)?;
            if !spec.hostile.is_empty() {
                let (ports, entry) = crate::hostile::plan(spec, address, opts.port_offset)?;
                for p in ports {
                    let handler: Handler =
                        Arc::new(move |s: TcpStream| Box::pin(crate::hostile::serve(s, p)));
                    routes.add(address, p.port, handler)?;
                }
                entries.push(entry);
                continue;
            }
            let mut device = Device::new(spec, address, opts.port_offset)?;
            device.set_clock(clock.clone());
            device.tls = crate::tls::prepare(&mut certs, &device, opts.port_offset)?;
            device.discovery = crate::udp::ports(&device, opts.port_offset)?;
            if device.ssh.is_some() {
                device.ssh_key = Some(Arc::new(crate::ssh_server::key_for(
                    config.seed,
                    &spec.id,
                    spec.ssh_host_key,
                )));
            }
            let device = Arc::new(device);
            running.push(device.clone());
            if device.discovery != Default::default() {
                discovering.push(device.clone());
            }
            if device.spec.surface.snmp.is_some() || device.spec.surface.p2p {
                surface_udp.push(device.clone());
            }
            for (port, service) in services(&device) {
                routes.add(address, port, handler(device.clone(), service))?;
            }
            entries.push(device.manifest());
        }
        let (stop, _) = watch::channel(false);
        let mut tasks = crate::listen::bind_and_serve(routes, &stop).await?;
        let udp = async {
            let mut all = crate::udp::start(&discovering, config.multicast_in_netns, &stop).await?;
            if let Some(m6) = &config.multicast6 {
                all.extend(crate::multicast6::start(&discovering, m6, &stop).await?);
            }
            all.extend(crate::snmp::start(&surface_udp, opts.port_offset, &stop).await?);
            all.extend(crate::p2p::start(&surface_udp, opts.port_offset, &stop).await?);
            Ok::<_, LabError>(all)
        };
        match udp.await {
            Ok(udp) => tasks.extend(udp),
            Err(e) => {
                let _ = stop.send(true);
                for t in tasks {
                    let _ = t.await;
                }
                return Err(e);
            }
        }
        let manifest = Manifest {
            devices: entries,
            certificate_authorities: certs.ca_pems(),
        };
        tracing::info!(devices = manifest.devices.len(), "lab started");
        Ok(Lab {
            manifest,
            running,
            stop,
            tasks,
        })
    }

    /// What the lab serves.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The HTTP requests (`METHOD target`) device `id` has received so far, in order (at most
    /// [`crate::vulns::MAX_LOGGED_REQUESTS`]; tests check [`Lab::requests_dropped`]); empty for
    /// an unknown or hostile device.
    pub fn requests(&self, id: &str) -> Vec<String> {
        self.running
            .iter()
            .find(|d| d.spec.id == id)
            .map(|d| d.requests.lines())
            .unwrap_or_default()
    }

    /// Requests device `id` received after its request log was full.
    pub fn requests_dropped(&self, id: &str) -> u64 {
        self.running
            .iter()
            .find(|d| d.spec.id == id)
            .map_or(0, |d| d.requests.dropped())
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

/// The connection handler of one service of a device.
fn handler(device: Arc<Device>, service: Service) -> Handler {
    Arc::new(move |s: TcpStream| {
        let device = device.clone();
        Box::pin(async move {
            match service {
                Service::Http(role) => http_server::serve(s, device, role).await,
                Service::Rtsp => rtsp_server::serve(s, device).await,
                Service::Telnet => telnet::serve(s, device).await,
                Service::Vendor(protocol) => crate::vendor_ports::serve(s, device, protocol).await,
                Service::Ftp => crate::banners::serve_ftp(s, device).await,
                Service::Ssh => crate::ssh_server::serve(s, device).await,
                Service::Https => crate::tls::serve(s, device).await,
                Service::UpnpDescription => crate::ssdp::serve_description(s, device).await,
            }
        })
    })
}

/// Address of device `index`: `base + index`, inside 127.0.0.0/8 (addresses ending in .0 or
/// .255 are ordinary host addresses on the loopback /8; only 127.255.255.255 is excluded).
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
        .filter(|a| a.octets()[0] == 127 && *a != Ipv4Addr::new(127, 255, 255, 255))
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
    for &(protocol, port) in &device.vendor_ports {
        out.push((port, Service::Vendor(protocol)));
    }
    if let Some((port, _)) = &device.ftp {
        out.push((*port, Service::Ftp));
    }
    if let Some((port, _)) = &device.ssh {
        out.push((*port, Service::Ssh));
    }
    if let Some(tls) = &device.tls {
        out.push((tls.port, Service::Https));
    }
    if let Some(port) = device.discovery.upnp_http {
        out.push((port, Service::UpnpDescription));
    }
    out
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
        assert_eq!(
            device_address(base, 254).ok(),
            Some(Ipv4Addr::new(127, 0, 10, 255)),
            "large labs run through .255"
        );
        assert!(device_address(Ipv4Addr::new(127, 255, 255, 254), 1).is_err());
        assert!(device_address(Ipv4Addr::new(10, 0, 0, 1), 0).is_err());
        assert!(device_address(Ipv4Addr::new(127, 255, 255, 250), 10).is_err());
    }
}
