//! The HTTPS port of a device: rustls (TLS 1.2/1.3, aws-lc-rs) in front of the same web UI and
//! ONVIF service as the plain HTTP port, or the hand-built TLS 1.0-only responder.

use crate::certs::{CertFactory, CertSubject, DeviceCert, KeyKind};
use crate::device::Device;
use crate::error::LabError;
use crate::http_server::{self, Role};
use crate::tls_discovery::TlsMode;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

/// Time allowed for a TLS handshake.
const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(10);

/// A device's TLS state, made once at lab start.
pub struct DeviceTls {
    /// HTTPS port (after the offset).
    pub port: u16,
    /// TLS flavour.
    pub mode: TlsMode,
    /// The certificate presented.
    pub cert: Arc<DeviceCert>,
    acceptor: Option<TlsAcceptor>,
}

impl std::fmt::Debug for DeviceTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceTls")
            .field("port", &self.port)
            .field("mode", &self.mode)
            .field("cert", &self.cert.info)
            .finish()
    }
}

/// The TLS state of a device with `https = true` (None otherwise).
pub fn prepare(
    factory: &mut CertFactory,
    device: &Device,
    port_offset: u16,
) -> Result<Option<DeviceTls>, LabError> {
    if !device.spec.https {
        return Ok(None);
    }
    let p = device.personality;
    let facts = crate::certs::facts_for(&p.vendor)?;
    let port = facts.https_port.checked_add(port_offset).ok_or_else(|| {
        LabError::Options(format!(
            "port {} + offset {port_offset} exceeds 65535",
            facts.https_port
        ))
    })?;
    let mode = device.spec.tls_discovery.tls();
    let key = match mode {
        TlsMode::Modern => KeyKind::EcdsaP256,
        TlsMode::LegacyTls10 => KeyKind::Rsa2048,
    };
    let who = CertSubject {
        device_id: &device.spec.id,
        personality: &device.spec.personality,
        vendor: &p.vendor,
        model: &device.spec.model,
        serial: &device.spec.serial,
        address: device.address,
    };
    let cert = factory.device_cert(&who, device.spec.tls_discovery.certificate(), key)?;
    let acceptor = match mode {
        TlsMode::Modern => Some(acceptor(&cert).map_err(|e| LabError::Device {
            device: device.spec.id.clone(),
            field: "certificate".into(),
            message: format!("TLS configuration: {e}"),
        })?),
        TlsMode::LegacyTls10 => None,
    };
    Ok(Some(DeviceTls {
        port,
        mode,
        cert,
        acceptor,
    }))
}

fn acceptor(cert: &DeviceCert) -> Result<TlsAcceptor, rustls::Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(cert.chain.clone(), cert.key.clone_key().into())?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serve one connection on the HTTPS port.
pub async fn serve(stream: TcpStream, device: Arc<Device>) {
    let Some(tls) = device.tls.as_ref() else {
        return;
    };
    match (&tls.acceptor, tls.mode) {
        (Some(acceptor), TlsMode::Modern) => {
            let peer = stream.peer_addr().ok();
            let accepted =
                tokio::time::timeout(HANDSHAKE_DEADLINE, acceptor.clone().accept(stream)).await;
            let tls_stream = match accepted {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!(device = %device.spec.id, ?peer, "tls handshake failed: {e}");
                    return;
                }
                Err(_) => return,
            };
            let role = Role {
                web: true,
                onvif: device.http_ports.contains(&device.onvif_port),
            };
            http_server::serve_io(tls_stream, peer, device.clone(), role).await;
        }
        _ => {
            let chain = tls.cert.chain.clone();
            crate::legacy_tls::serve(stream, &chain, &device.spec.id).await;
        }
    }
}
