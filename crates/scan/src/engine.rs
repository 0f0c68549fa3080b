//! The scan engine: every target through discovery and the probes, one
//! [`HostObservation`] per host as each host finishes.

use crate::config::ScanConfig;
use crate::credentials::check_credentials;
use crate::data::ProbeKind;
use crate::probe::{discover, read_greeting, HostCtx};
use crate::probe_http::probe_http;
use crate::probe_onvif::find_onvif;
use crate::probe_rtsp::{probe_rtsp, prove_stream};
use crate::rate::Limiter;
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

pub(crate) async fn probe_host(
    ip: IpAddr,
    cfg: Arc<ScanConfig>,
    limiter: Limiter,
) -> HostObservation {
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
    let of_kind = |k: ProbeKind| -> Vec<u16> {
        open.iter()
            .copied()
            .filter(|&p| cfg.probe_kind(p) == k)
            .collect()
    };
    let (http_ports, mut rtsp_ports) = (of_kind(ProbeKind::Http), of_kind(ProbeKind::Rtsp));

    // HTTP, telnet and greetings in parallel (the per-host cap bounds the sockets).
    let (http_results, telnet_results, greetings) = futures::join!(
        join_all(http_ports.iter().map(|&p| probe_http(ctx, p))),
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
    );
    let mut http_answered = Vec::new();
    for r in http_results {
        let port = r.obs.port;
        if r.is_http {
            let status = r.obs.status.map(|s| s.to_string()).unwrap_or_default();
            set_endpoint(
                &mut obs,
                port,
                Some(Service::Http),
                format!("http {status}"),
            );
            http_answered.push(port);
            obs.http.push(r.obs);
        } else if r.other_protocol {
            rtsp_ports.push(port);
            let why = r.obs.error.clone().unwrap_or_default();
            set_endpoint(
                &mut obs,
                port,
                Some(Service::Unknown),
                format!("open; {why}"),
            );
        } else {
            let why = r.obs.error.clone().unwrap_or_default();
            set_endpoint(
                &mut obs,
                port,
                Some(Service::Unknown),
                format!("open; http probe: {why}"),
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
                    format!("telnet banner ({} chars)", banner.chars().count()),
                );
                obs.telnet.push(BannerObservation { port, banner });
            }
            Ok(_) => set_endpoint(
                &mut obs,
                port,
                Some(Service::Unknown),
                "open; no banner within 2 s".into(),
            ),
            Err(e) => set_endpoint(&mut obs, port, Some(Service::Unknown), format!("open; {e}")),
        }
    }
    for (port, r) in greetings {
        let reason = match r {
            Ok(0) => "open; silent (proprietary protocol port, not probed further)".to_string(),
            Ok(n) => format!("open; sent a {n}-byte greeting (proprietary protocol)"),
            Err(e) => format!("open; {e}"),
        };
        set_endpoint(&mut obs, port, Some(Service::Unknown), reason);
    }
    for port in of_kind(ProbeKind::Tls) {
        set_endpoint(&mut obs, port, None, "open; tls not probed yet".into());
    }

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
        o.stream_uris(ctx, known.as_ref()).await;
        if let Some(e) = obs.endpoints.iter_mut().find(|e| e.port == o.obs.port) {
            e.reason.push_str("; onvif device service");
        }
    }
    let onvif_paths = onvif.as_ref().map(|o| o.stream_paths()).unwrap_or_default();

    // RTSP.
    let rtsp_results = join_all(rtsp_ports.iter().map(|&p| probe_rtsp(ctx, p, &onvif_paths))).await;
    for (r, is_rtsp) in rtsp_results {
        let port = r.port;
        if is_rtsp {
            set_endpoint(
                &mut obs,
                port,
                Some(Service::Rtsp),
                "rtsp (OPTIONS answered)".into(),
            );
            obs.rtsp.push(r);
        } else if cfg.probe_kind(port) == ProbeKind::Rtsp {
            let why = r.error.clone().unwrap_or_default();
            set_endpoint(
                &mut obs,
                port,
                Some(Service::Unknown),
                format!("open; {why}"),
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

    // Opt-in: stream proof.
    if cfg.prove_streams {
        for r in obs.rtsp.iter_mut() {
            prove_stream(ctx, r).await;
        }
    }

    obs.onvif = onvif.map(|o| o.obs);
    debug_assert!(obs
        .endpoints
        .iter()
        .all(|e| e.state != EndpointState::Open || !e.reason.is_empty()));
    obs
}
