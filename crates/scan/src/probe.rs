//! Per-host probing context and TCP discovery (connect → endpoint state and reason).

use crate::config::ScanConfig;
use crate::rate::{HostLimiter, Limiter};
use crate::reason::ReasonKind;
use camguard_model::{Endpoint, EndpointState};
use camguard_protocols::http::{self, ClientOptions, ProtoError};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::sync::OwnedSemaphorePermit;

/// What one host's probes share: the configuration, the scan-wide limits and the host cap.
#[derive(Clone)]
pub(crate) struct HostCtx {
    pub(crate) ip: IpAddr,
    pub(crate) cfg: Arc<ScanConfig>,
    pub(crate) opts: ClientOptions,
    limiter: Limiter,
    host: HostLimiter,
    /// Ports found to speak TLS: HTTP and ONVIF requests to them run over TLS.
    tls_ports: Arc<std::sync::Mutex<std::collections::HashSet<u16>>>,
}

/// Permits held while a connection is open.
pub(crate) struct Slot {
    _host: Option<OwnedSemaphorePermit>,
    _global: Option<OwnedSemaphorePermit>,
}

impl HostCtx {
    pub(crate) fn new(ip: IpAddr, cfg: Arc<ScanConfig>, limiter: Limiter) -> Self {
        Self {
            ip,
            opts: cfg.client_options(),
            host: HostLimiter::new(cfg.per_host_parallel),
            cfg,
            limiter,
            tls_ports: Arc::default(),
        }
    }

    /// Record that `port` speaks TLS.
    pub(crate) fn mark_tls(&self, port: u16) {
        if let Ok(mut set) = self.tls_ports.lock() {
            set.insert(port);
        }
    }

    /// Whether `port` was found to speak TLS.
    pub(crate) fn is_tls(&self, port: u16) -> bool {
        self.tls_ports.lock().is_ok_and(|s| s.contains(&port))
    }

    /// Client options for `port` (over TLS when the port speaks TLS).
    pub(crate) fn opts_for(&self, port: u16) -> ClientOptions {
        ClientOptions {
            tls: self.is_tls(port),
            ..self.opts.clone()
        }
    }

    pub(crate) fn addr(&self, port: u16) -> SocketAddr {
        SocketAddr::new(self.ip, port)
    }

    /// Wait for a per-host slot, a global socket slot and a rate token.
    pub(crate) async fn slot(&self) -> Slot {
        let host = self.host.slot().await;
        let global = self.limiter.connection().await;
        Slot {
            _host: host,
            _global: global,
        }
    }
}

/// Connect to one port and classify the outcome. The socket is closed at once.
pub(crate) async fn discover(ctx: &HostCtx, port: u16) -> Endpoint {
    let _slot = ctx.slot().await;
    let (state, reason) = connect_once(ctx.addr(port), &ctx.opts).await;
    Endpoint {
        port,
        state,
        service: None,
        reason,
    }
}

/// One discovery connect to `addr` (within `opts.connect_timeout`): the port's state and the
/// reason. An accepted connection is closed at once with a reset.
pub(crate) async fn connect_once(
    addr: SocketAddr,
    opts: &ClientOptions,
) -> (EndpointState, String) {
    match http::connect(addr, opts).await {
        Ok(stream) => {
            // Close with a reset (SO_LINGER 0): no TIME_WAIT, so a large sweep never runs out
            // of local ports.
            let _ = stream.set_zero_linger();
            (EndpointState::Open, "connection accepted".to_string())
        }
        Err(ProtoError::Refused) => (
            EndpointState::Closed,
            ReasonKind::Closed.reason("connection refused"),
        ),
        // A reset (not a refusal) means a listener completed the handshake, then dropped us:
        // the port is open and the host is there.
        Err(ProtoError::Connect(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => (
            EndpointState::Open,
            "connection reset by the peer right after it was accepted".to_string(),
        ),
        Err(ProtoError::ConnectTimeout(d)) => (
            EndpointState::Timeout,
            ReasonKind::Filtered.reason(format_args!("no answer within {} ms", d.as_millis())),
        ),
        Err(e) => (EndpointState::Error, ReasonKind::Filtered.reason(e)),
    }
}

/// Read what a proprietary service volunteers (up to 256 bytes, 1 s); returns the byte
/// count, or an error text. Nothing is sent.
pub(crate) async fn read_greeting(ctx: &HostCtx, port: u16) -> Result<usize, String> {
    let _slot = ctx.slot().await;
    let mut s = http::connect(ctx.addr(port), &ctx.opts)
        .await
        .map_err(|e| e.to_string())?;
    let wait = ctx.opts.io_timeout.min(Duration::from_secs(1));
    let mut buf = [0u8; 256];
    let mut got = 0usize;
    let end = tokio::time::Instant::now() + wait;
    while got < buf.len() {
        match tokio::time::timeout_at(end, s.read(&mut buf[got..])).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => got += n,
            Ok(Err(e)) if got == 0 => return Err(e.to_string()),
            Ok(Err(_)) => break,
        }
    }
    Ok(got)
}
