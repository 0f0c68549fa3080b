//! The scan engine: every target through discovery and the probes, one
//! [`HostObservation`] per host as each host finishes.

use crate::config::ScanConfig;
use crate::credentials::check_credentials;
use crate::data::ProbeKind;
use crate::probe::{discover, read_greeting, HostCtx};
use crate::probe_discovery::probe_discovery;
use crate::probe_http::probe_http;
use crate::probe_onvif::find_onvif;
use crate::probe_rtsp::{probe_rtsp, prove_stream};
use crate::probe_services::{probe_service, Found};
use crate::probe_tls::{probe_tls, speaks_tls, TlsOutcome};
use crate::rate::Limiter;
use crate::reason::{categorise_rest, kind_of_error, ReasonKind};
use crate::shard::{Shard, ShardWalk, DEFAULT_SEED};
use crate::targets::TargetSet;
use camguard_model::{BannerObservation, EndpointState, HostObservation, Service};
use camguard_protocols::telnet;
use futures::future::join_all;
use futures::{Stream, StreamExt};
use std::net::IpAddr;
use std::sync::Arc;

/// Scans every target; yields one [`HostObservation`] per target as each host finishes
/// (unordered). Hosts are started in the seeded permutation order of [`DEFAULT_SEED`]; for
/// seeds, shards and checkpoints use [`crate::sweep::scan_walk`]. Call
/// [`crate::enforce_scope`] first.
pub fn scan(
    targets: Arc<TargetSet>,
    config: Arc<ScanConfig>,
) -> impl Stream<Item = HostObservation> + Send {
    if config.prove_streams {
        tracing::info!(
            packets = config.stream_packets,
            "stream proof on: RTP packets are received, counted and discarded"
        );
    }
    if config.check_credentials {
        tracing::info!(
            max_attempts = config.max_credential_attempts,
            "default-credential check on"
        );
    }
    // Hosts in the seeded permutation order of the default seed (see `crate::sweep`); a set
    // too large to order (over 2^62 addresses) falls back to ascending order.
    match ShardWalk::new(Arc::clone(&targets), DEFAULT_SEED, Shard::default()) {
        Ok(walk) => crate::sweep::scan_walk(walk, config, None, None)
            .map(|(_, obs)| obs)
            .left_stream(),
        Err(_) => {
            let limiter = Limiter::new(config.rate_per_sec, config.max_in_flight);
            let concurrency = config.concurrency.max(1);
            futures::stream::iter(TargetSet::clone(&targets))
                .map(move |ip| probe_host(ip, Arc::clone(&config), limiter.clone()))
                .buffer_unordered(concurrency)
                .right_stream()
        }
    }
}

/// Probe one host with its own limits (used by [`scan`]; handy for single-host callers).
pub async fn probe_one(ip: IpAddr, config: Arc<ScanConfig>) -> HostObservation {
    let limiter = Limiter::new(config.rate_per_sec, config.max_in_flight);
    probe_host(ip, config, limiter).await
}

fn set_endpoint(obs: &mut HostObservation, port: u16, service: Option<Service>, reason: String) {
    if let Some(e) = obs.endpoints.iter_mut().find(|e| e.port == port) {
        e.service = service;
        e.reason = reason;
    }
}

/// Aborts its task when dropped, so a scan stream that is dropped (Ctrl-C, an error in the
/// consumer) stops its hosts' probes as an unspawned future would.
struct AbortOnDrop(tokio::task::JoinHandle<HostObservation>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Probe one host on a task of its own. The scan's consumer (identification, checks, the
/// database and the output) and every other host then never delay this host's sockets, and
/// the hosts spread over all the runtime's worker threads instead of being polled from the
/// one task that drives the scan stream.
pub(crate) async fn probe_host(
    ip: IpAddr,
    cfg: Arc<ScanConfig>,
    limiter: Limiter,
) -> HostObservation {
    let mut task = AbortOnDrop(tokio::spawn(probe_host_inline(ip, cfg, limiter)));
    match (&mut task.0).await {
        Ok(obs) => obs,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Cancelled: only when the runtime shuts down, which ends the scan anyway.
        Err(_) => HostObservation::new(ip, chrono::Utc::now()),
    }
}

async fn probe_host_inline(ip: IpAddr, cfg: Arc<ScanConfig>, limiter: Limiter) -> HostObservation {
    let mut obs = HostObservation::new(ip, chrono::Utc::now());
    let ctx_owned = HostCtx::new(ip, Arc::clone(&cfg), limiter);
    let ctx = &ctx_owned;
    let mut ports = cfg.ports.clone();
    let mut seen = std::collections::HashSet::new();
    ports.retain(|p| seen.insert(*p));

    // Discovery.
    obs.endpoints = join_all(ports.iter().map(|&p| discover(ctx, p))).await;
    let open: Vec<u16> = obs.open_ports().collect();
    if open.is_empty() {
        return obs;
    }
    if cfg.discovery_only {
        categorise_rest(&mut obs);
        return obs;
    }
    let of_kind = |k: ProbeKind| -> Vec<u16> {
        open.iter()
            .copied()
            .filter(|&p| cfg.probe_kind(p) == k)
            .collect()
    };
    let (mut http_ports, mut rtsp_ports) = (of_kind(ProbeKind::Http), of_kind(ProbeKind::Rtsp));
    let service_ports: Vec<(u16, ProbeKind)> = open
        .iter()
        .map(|&p| (p, cfg.probe_kind(p)))
        .filter(|(_, k)| {
            matches!(
                k,
                ProbeKind::Ftp
                    | ProbeKind::Ssh
                    | ProbeKind::Dahua
                    | ProbeKind::Sofia
                    | ProbeKind::HikvisionSdk
                    | ProbeKind::Rtmp
            )
        })
        .collect();

    // TLS, telnet, greetings, single-exchange services and UDP discovery in parallel (the
    // per-host cap bounds the sockets); TLS first so HTTPS ports join the HTTP probes.
    let (tls_results, telnet_results, greetings, services, discovered) = futures::join!(
        join_all(
            of_kind(ProbeKind::Tls)
                .into_iter()
                .map(|p| probe_tls(ctx, p))
        ),
        join_all(of_kind(ProbeKind::Telnet).into_iter().map(|p| {
            async move {
                let _slot = ctx.slot().await;
                (p, telnet::read_banner(ctx.addr(p), &ctx.opts).await)
            }
        })),
        join_all(
            of_kind(ProbeKind::Greeting)
                .into_iter()
                .map(|p| async move { (p, read_greeting(ctx, p).await) })
        ),
        join_all(service_ports.iter().map(|&(p, k)| probe_service(ctx, p, k))),
        join_all(
            cfg.udp_probes
                .iter()
                .map(|&(p, k)| probe_discovery(ctx, p, k))
        ),
    );
    let mut plaintext_on_tls = std::collections::HashSet::new();
    let mut silent_tls = std::collections::HashSet::new();
    for t in tls_results {
        let port = t.obs.port;
        let versions = t.obs.versions_accepted.join(", ");
        match &t.outcome {
            TlsOutcome::Tls => {
                let note = if t.http_capable() {
                    ctx.mark_tls(port);
                    http_ports.push(port);
                    String::new()
                } else {
                    " (HTTP over TLS not attempted: no TLS 1.2/1.3)".to_string()
                };
                set_endpoint(
                    &mut obs,
                    port,
                    Some(Service::Tls),
                    ReasonKind::Identified.reason(format_args!("tls {versions}{note}")),
                );
            }
            TlsOutcome::TlsNoVersion => set_endpoint(
                &mut obs,
                port,
                Some(Service::Tls),
                ReasonKind::Identified.reason("tls, but no version offered was accepted"),
            ),
            TlsOutcome::NotTls(text) => {
                plaintext_on_tls.insert(port);
                http_ports.push(port);
                set_endpoint(
                    &mut obs,
                    port,
                    Some(Service::Unknown),
                    ReasonKind::TlsMismatch.reason(format_args!(
                        "tls port answered a ClientHello in plaintext ({text})"
                    )),
                );
            }
            TlsOutcome::Broken(text) => set_endpoint(
                &mut obs,
                port,
                Some(Service::Unknown),
                ReasonKind::ProtocolError.reason(text),
            ),
            TlsOutcome::NoAnswer(text) => {
                // Silent to a ClientHello (as a plain HTTP server waiting for a line is):
                // worth a plaintext GET.
                silent_tls.insert(port);
                http_ports.push(port);
                set_endpoint(
                    &mut obs,
                    port,
                    Some(Service::Unknown),
                    ReasonKind::Unknown.reason(format_args!("tls: {text}")),
                )
            }
        }
        if !matches!(t.outcome, TlsOutcome::NotTls(_) | TlsOutcome::NoAnswer(_)) {
            obs.tls.push(t.obs);
        }
    }

    // HTTP (and HTTPS on the TLS ports).
    let http_results = join_all(http_ports.iter().map(|&p| probe_http(ctx, p))).await;
    let mut http_answered = Vec::new();
    for r in http_results {
        let port = r.obs.port;
        let tls = r.obs.tls;
        let previous = obs
            .endpoints
            .iter()
            .find(|e| e.port == port)
            .map(|e| e.reason.clone())
            .unwrap_or_default();
        if r.is_http {
            let status = r.obs.status.map(|s| s.to_string()).unwrap_or_default();
            let scheme = if tls { "https" } else { "http" };
            let reason = if plaintext_on_tls.contains(&port) {
                format!("{previous}; {scheme} {status}")
            } else if silent_tls.contains(&port) {
                ReasonKind::TlsMismatch.reason(format_args!(
                    "tls port did not answer a ClientHello but speaks plaintext HTTP; \
                     {scheme} {status}"
                ))
            } else {
                let kind = match r.obs.status {
                    Some(401 | 403) => ReasonKind::AuthRequired,
                    _ => ReasonKind::Identified,
                };
                let tls_note = obs
                    .tls
                    .iter()
                    .find(|t| t.port == port)
                    .map(|t| format!(" (tls {})", t.versions_accepted.join(", ")))
                    .unwrap_or_default();
                kind.reason(format_args!("{scheme} {status}{tls_note}"))
            };
            let service = if tls { Service::Https } else { Service::Http };
            set_endpoint(&mut obs, port, Some(service), reason);
            http_answered.push(port);
            obs.http.push(r.obs);
        } else if tls || plaintext_on_tls.contains(&port) || silent_tls.contains(&port) {
            let why = r.obs.error.clone().unwrap_or_default();
            let service = obs
                .endpoints
                .iter()
                .find(|e| e.port == port)
                .and_then(|e| e.service);
            set_endpoint(
                &mut obs,
                port,
                service,
                format!(
                    "{previous}; {scheme} probe: {why}",
                    scheme = if tls { "https" } else { "http" }
                ),
            );
            obs.http.push(r.obs);
        } else if r.other_protocol {
            let why = r.obs.error.clone().unwrap_or_default();
            // A TLS server answers a plaintext request with an alert or a close: offer it a
            // ClientHello before trying RTSP (silent ports are not worth the wait).
            let silent = why.starts_with("no complete answer");
            if !silent && speaks_tls(ctx, port).await {
                let t = probe_tls(ctx, port).await;
                let versions = t.obs.versions_accepted.join(", ");
                let mut reason = ReasonKind::TlsMismatch
                    .reason(format_args!("plaintext port speaks TLS ({versions})"));
                let mut service = Service::Tls;
                if t.http_capable() {
                    ctx.mark_tls(port);
                    let h = probe_http(ctx, port).await;
                    if h.is_http {
                        let status = h.obs.status.map(|s| s.to_string()).unwrap_or_default();
                        reason.push_str(&format!("; https {status}"));
                        service = Service::Https;
                        http_answered.push(port);
                        obs.http.push(h.obs);
                    }
                }
                obs.tls.push(t.obs);
                set_endpoint(&mut obs, port, Some(service), reason);
                continue;
            }
            rtsp_ports.push(port);
            set_endpoint(
                &mut obs,
                port,
                Some(Service::Unknown),
                kind_of_error(&why).reason(&why),
            );
        } else {
            let why = r.obs.error.clone().unwrap_or_default();
            set_endpoint(
                &mut obs,
                port,
                Some(Service::Unknown),
                kind_of_error(&why).reason(format_args!("http probe: {why}")),
            );
            obs.http.push(r.obs);
        }
    }
    for (port, r) in telnet_results {
        match r {
            Ok(banner) if !banner.is_empty() => {
                set_endpoint(
                    &mut obs,
                    port,
                    Some(Service::Telnet),
                    ReasonKind::Identified.reason(format_args!(
                        "telnet banner ({} chars)",
                        banner.chars().count()
                    )),
                );
                obs.telnet.push(BannerObservation { port, banner });
            }
            Ok(_) => set_endpoint(
                &mut obs,
                port,
                Some(Service::Unknown),
                ReasonKind::Unknown.reason("no banner within 2 s"),
            ),
            Err(e) => {
                let text = e.to_string();
                set_endpoint(
                    &mut obs,
                    port,
                    Some(Service::Unknown),
                    kind_of_error(&text).reason(text),
                )
            }
        }
    }
    for (port, r) in greetings {
        let reason = match r {
            Ok(0) => {
                ReasonKind::Unknown.reason("silent (proprietary protocol port, not probed further)")
            }
            Ok(n) => ReasonKind::Unknown.reason(format_args!(
                "sent a {n}-byte greeting (proprietary protocol)"
            )),
            Err(e) => ReasonKind::Unknown.reason(e),
        };
        set_endpoint(&mut obs, port, Some(Service::Unknown), reason);
    }
    for s in services {
        set_endpoint(&mut obs, s.port, Some(s.service), s.reason);
        match s.found {
            Found::Ftp(b) => obs.ftp.push(b),
            Found::Ssh(b) => obs.ssh.push(b),
            Found::Vendor(v) => obs.vendor_ports.push(v),
            Found::Nothing => {}
        }
    }
    obs.discovery.extend(discovered.into_iter().flatten());

    // ONVIF on the HTTP ports.
    let (mut onvif, rejected) = find_onvif(ctx, &http_answered).await;
    for r in rejected {
        if let Some(e) = obs.endpoints.iter_mut().find(|e| e.port == r.port) {
            e.reason.push_str("; ");
            e.reason.push_str(&r.reason);
        }
    }
    if let Some(o) = onvif.as_mut() {
        o.anonymous_identity(ctx).await;
        let known = cfg.known_credentials.clone();
        if let Some(c) = &known {
            o.authenticated_identity(ctx, c).await;
        }
        // Anonymously first (AUTH.ANON_MEDIA), then with the operator's credentials.
        o.stream_uris(ctx, None).await;
        if let Some(c) = known.as_ref().filter(|_| o.obs.media_anonymous.is_none()) {
            o.stream_uris(ctx, Some(c)).await;
        }
        if let Some(e) = obs.endpoints.iter_mut().find(|e| e.port == o.obs.port) {
            e.reason.push_str("; onvif device service");
        }
    }
    let onvif_paths = onvif.as_ref().map(|o| o.stream_paths()).unwrap_or_default();
    let onvif_snapshots = onvif
        .as_ref()
        .map(|o| o.snapshot_paths.clone())
        .unwrap_or_default();

    // Anonymous snapshots on the HTTP ports (bounded reads; no image is kept), SNMP and the
    // P2P LAN search (unicast UDP to this host only).
    (obs.snapshots, obs.snmp, obs.p2p) = futures::join!(
        join_all(
            http_answered
                .iter()
                .map(|&p| crate::probe_snapshot::probe_snapshots(ctx, p, &onvif_snapshots)),
        ),
        crate::probe_snmp::probe_snmp(ctx),
        crate::probe_p2p::probe_p2p(ctx),
    );
    obs.snmp_probed = cfg.snmp_ports.clone();
    obs.snapshots_probed = true;

    // RTSP.
    let rtsp_results = join_all(rtsp_ports.iter().map(|&p| probe_rtsp(ctx, p, &onvif_paths))).await;
    for (r, is_rtsp) in rtsp_results {
        let port = r.port;
        if is_rtsp {
            set_endpoint(
                &mut obs,
                port,
                Some(Service::Rtsp),
                ReasonKind::Identified.reason("rtsp (OPTIONS answered)"),
            );
            obs.rtsp.push(r);
        } else if cfg.probe_kind(port) == ProbeKind::Rtsp {
            let why = r.error.clone().unwrap_or_default();
            set_endpoint(
                &mut obs,
                port,
                Some(Service::Unknown),
                kind_of_error(&why).reason(&why),
            );
            obs.rtsp.push(r);
        }
    }

    // Opt-in: default credentials.
    if cfg.check_credentials {
        let found = check_credentials(ctx, &mut obs, &mut onvif).await;
        if let (Some(c), Some(o)) = (found, onvif.as_mut()) {
            if o.obs.stream_uris.is_empty() {
                o.stream_uris(ctx, Some(&c)).await;
            }
        }
    }

    // SSH host keys (COMM.SHARED_SSH_KEY): key exchange only, no authentication, on every SSH
    // port the credential check did not already reach.
    crate::probe_ssh_key::collect_host_keys(ctx, &mut obs).await;

    // Opt-in: stream proof.
    if cfg.prove_streams {
        for r in obs.rtsp.iter_mut() {
            prove_stream(ctx, r).await;
        }
    }

    obs.onvif = onvif.map(|o| o.obs);

    // Opt-in intrusive assessments; the lockout test last, as it may leave the account locked.
    if cfg.confirm_cves {
        obs.cve_confirmations = crate::probe_cve::confirm_cves(ctx, &obs).await;
    }
    if cfg.user_enumeration.is_some() {
        obs.user_enumeration = crate::probe_enumeration::user_enumeration(ctx, &obs).await;
    }
    if cfg.lockout_test.is_some() {
        obs.lockout_test = crate::probe_lockout::lockout_test(ctx, &obs).await;
    }
    categorise_rest(&mut obs);
    debug_assert!(obs
        .endpoints
        .iter()
        .all(|e| e.state != EndpointState::Open || !e.reason.is_empty()));
    obs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ScanConfig;
    use camguard_model::EndpointState;
    use std::time::Duration;
    use tokio::io::AsyncReadExt;

    /// What the server side of each accepted connection saw: the bytes the client sent and
    /// whether the connection ended with a reset (SO_LINGER 0) rather than a FIN.
    async fn watch(listener: tokio::net::TcpListener) -> Vec<(usize, bool)> {
        let mut seen = Vec::new();
        while let Ok(Ok((mut s, _))) =
            tokio::time::timeout(Duration::from_millis(1500), listener.accept()).await
        {
            let mut buf = [0u8; 512];
            let mut got = 0;
            let mut reset = false;
            loop {
                match tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf)).await {
                    Ok(Ok(0)) | Err(_) => break,
                    Ok(Ok(n)) => got += n,
                    Ok(Err(e)) => {
                        reset = e.kind() == std::io::ErrorKind::ConnectionReset;
                        break;
                    }
                }
            }
            seen.push((got, reset));
        }
        seen
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn discovery_only_connects_once_sends_nothing_and_resets() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap().port();
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let server = tokio::spawn(watch(listener));
        let cfg = ScanConfig {
            ports: vec![open, closed],
            rate_per_sec: 0,
            udp_probes: Vec::new(),
            discovery_only: true,
            ..ScanConfig::default()
        };
        let obs = probe_host(
            "127.0.0.1".parse().unwrap(),
            Arc::new(cfg),
            Limiter::new(0, 16),
        )
        .await;
        let ep = |p: u16| obs.endpoints.iter().find(|e| e.port == p).unwrap();
        assert_eq!(ep(open).state, EndpointState::Open);
        assert_eq!(ep(open).reason, "open, unknown: connection accepted");
        assert_eq!(ep(closed).state, EndpointState::Closed);
        assert!(obs.http.is_empty() && obs.rtsp.is_empty() && obs.onvif.is_none());
        // One connection (the discovery connect), no byte sent, closed with a reset so the
        // scanner's side keeps no TIME_WAIT entry.
        assert_eq!(server.await.unwrap(), vec![(0, true)]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn full_scan_still_probes_after_discovery() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap().port();
        let server = tokio::spawn(watch(listener));
        let cfg = ScanConfig {
            ports: vec![open],
            rate_per_sec: 0,
            udp_probes: Vec::new(),
            io_timeout: Duration::from_millis(300),
            ..ScanConfig::default()
        };
        let obs = probe_host(
            "127.0.0.1".parse().unwrap(),
            Arc::new(cfg),
            Limiter::new(0, 16),
        )
        .await;
        assert_eq!(obs.endpoints[0].state, EndpointState::Open);
        let seen = server.await.unwrap();
        assert!(seen.len() > 1, "{seen:?}");
        assert!(seen.iter().any(|&(n, _)| n > 0), "{seen:?}");
    }

    /// Regression: every host's probes ran inside the one task that drives the scan stream, so
    /// while the consumer handled a finished host (identification, checks, database, output)
    /// no other host's probe made progress. Host 127.0.0.1 is refused at once; while the
    /// consumer sits on that result, host 127.0.0.2's HTTP probes must go on.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_slow_consumer_does_not_stall_other_hosts_probes() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&requests);
        let server = tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let counted = Arc::clone(&counted);
                tokio::spawn(async move {
                    let mut buf = [0u8; 2048];
                    if let Ok(Ok(n)) =
                        tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await
                    {
                        if n > 0 {
                            counted.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(30)).await;
                            let _ = s
                                .write_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                                .await;
                        }
                    }
                });
            }
        });
        let cfg = ScanConfig {
            ports: vec![port],
            rate_per_sec: 0,
            udp_probes: Vec::new(),
            io_timeout: Duration::from_secs(2),
            ..ScanConfig::default()
        };
        let targets = TargetSet::parse(&["127.0.0.1-2".to_string()], &[]).unwrap();
        let mut stream = Box::pin(scan(Arc::new(targets), Arc::new(cfg)));
        let first = stream.next().await.unwrap();
        assert_eq!(first.ip.to_string(), "127.0.0.1");
        let before = requests.load(Ordering::SeqCst);
        // The consumer is busy and does not poll the stream.
        tokio::time::sleep(Duration::from_millis(800)).await;
        let during = requests.load(Ordering::SeqCst) - before;
        assert!(during >= 2, "{during} requests while the consumer was busy");
        let second = stream.next().await.unwrap();
        assert_eq!(second.ip.to_string(), "127.0.0.2");
        server.abort();
    }
}
