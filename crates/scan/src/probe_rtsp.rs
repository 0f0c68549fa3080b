//! RTSP probe of one port: OPTIONS, a DESCRIBE of a random path (a 200 there proves nothing
//! else will mean anything), then ONVIF-reported paths, then the route list, stopping at the
//! first path that is not 404. Also the opt-in stream proof and credential attempts.

use crate::data;
use crate::probe::HostCtx;
use camguard_model::{RtspObservation, RtspPathResult};
use camguard_protocols::auth::Credentials;
use camguard_protocols::http::ProtoError;
use camguard_protocols::rtsp::{Describe, RtspSession};
use rand::RngCore;
use std::time::Duration;

/// Source tags of [`RtspPathResult::source`].
pub(crate) const SRC_RANDOM: &str = "random_baseline";
pub(crate) const SRC_ONVIF: &str = "onvif";
pub(crate) const SRC_ROUTES: &str = "route_list";

/// Most ONVIF-reported paths described.
const MAX_ONVIF_PATHS: usize = 4;
/// Most paths the stream proof tries on a server that answers 200 to any path.
const MAX_ANY_PATH_PROOFS: usize = 16;
/// Wait for media per path on such a server (an invented path never sends any).
const ANY_PATH_PROOF_DEADLINE: Duration = Duration::from_secs(2);

fn random_path() -> String {
    let mut b = [0u8; 6];
    rand::thread_rng().fill_bytes(&mut b);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("/camguard-{hex}")
}

fn result_of(path: &str, source: &str, d: &Describe) -> RtspPathResult {
    RtspPathResult {
        path: path.to_string(),
        source: source.to_string(),
        status: Some(d.status),
        auth_scheme: d.auth_scheme,
        realm: d.realm.clone(),
        codecs: d.sdp.as_ref().map(|s| s.codecs()).unwrap_or_default(),
    }
}

/// Probe one port. Returns the observation and whether the port speaks RTSP.
pub(crate) async fn probe_rtsp(
    ctx: &HostCtx,
    port: u16,
    onvif_paths: &[String],
) -> (RtspObservation, bool) {
    let mut obs = RtspObservation {
        port,
        ..RtspObservation::default()
    };
    let _slot = ctx.slot().await;
    let addr = ctx.addr(port);
    let mut session = match RtspSession::connect(addr, &ctx.opts).await {
        Ok(s) => s,
        Err(e) => {
            obs.error = Some(e.to_string());
            return (obs, false);
        }
    };
    match session.options().await {
        Ok(o) => {
            obs.server = o.server;
            obs.public_methods = o.public_methods;
        }
        Err(e) => {
            obs.error = Some(format!("OPTIONS: {e}"));
            return (obs, false);
        }
    }
    let mut plan: Vec<(String, &str)> = vec![(random_path(), SRC_RANDOM)];
    plan.extend(
        onvif_paths
            .iter()
            .take(MAX_ONVIF_PATHS)
            .map(|p| (p.clone(), SRC_ONVIF)),
    );
    let onvif_count = plan.len() - 1;
    plan.extend(
        data::rtsp_routes()
            .iter()
            .filter(|r| !onvif_paths.contains(&r.path))
            .map(|r| (r.path.clone(), SRC_ROUTES)),
    );
    for (i, (path, source)) in plan.iter().enumerate() {
        let described = match session.describe(path, None).await {
            Ok(d) => Ok(d),
            // The server may close after each answer: one new connection per path.
            Err(ProtoError::Closed) | Err(ProtoError::Wire(_)) => {
                match RtspSession::connect(addr, &ctx.opts).await {
                    Ok(s) => {
                        session = s;
                        session.describe(path, None).await
                    }
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        let d = match described {
            Ok(d) => d,
            Err(e) => {
                obs.paths.push(RtspPathResult {
                    path: path.clone(),
                    source: source.to_string(),
                    status: None,
                    auth_scheme: None,
                    realm: None,
                    codecs: Vec::new(),
                });
                obs.error = Some(format!("DESCRIBE {path}: {e}"));
                break;
            }
        };
        obs.paths.push(result_of(path, source, &d));
        if i == 0 {
            obs.accepts_any_path = d.status == 200;
            continue;
        }
        // ONVIF paths are all tried only while they 404 (or, on a server that answers 200
        // to anything, all of them: they are the stream proof's best candidates); the route
        // list stops at the first path that is not 404.
        let onvif_path = i <= onvif_count;
        if d.status != 404 && !(obs.accepts_any_path && onvif_path) {
            break;
        }
        if i == onvif_count && onvif_count > 0 {
            tracing::debug!(port, "every ONVIF stream path answered 404; trying routes");
        }
    }
    (obs, true)
}

/// The path the stream proof and credential attempts use: the first real path answered
/// with `status`, else (for 200) the random path when the server accepts anything.
pub(crate) fn first_path_with(obs: &RtspObservation, status: u16) -> Option<String> {
    obs.paths
        .iter()
        .find(|p| p.source != SRC_RANDOM && p.status == Some(status))
        .or_else(|| {
            obs.paths
                .iter()
                .find(|p| p.source == SRC_RANDOM && p.status == Some(status))
        })
        .map(|p| p.path.clone())
}

/// Paths the stream proof tries, in order. Normally the first DESCRIBE-200 path. On a server
/// that answers 200 to any path that answer means nothing (the `rtsp_any_path_200` quirk of
/// Hipcam-style firmware): the ONVIF-reported paths, then the route list, until one streams.
pub(crate) fn proof_candidates(obs: &RtspObservation) -> Vec<String> {
    if !obs.accepts_any_path {
        return first_path_with(obs, 200).into_iter().collect();
    }
    let mut out: Vec<String> = Vec::new();
    let onvif = obs
        .paths
        .iter()
        .filter(|p| p.source == SRC_ONVIF && p.status == Some(200))
        .map(|p| p.path.clone());
    let routes = data::rtsp_routes().iter().map(|r| r.path.clone());
    for p in onvif.chain(routes) {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out.truncate(MAX_ANY_PATH_PROOFS);
    out
}

/// Opt-in stream proof, anonymously, on the candidate paths ([`proof_candidates`]) until
/// media flows.
pub(crate) async fn prove_stream(ctx: &HostCtx, obs: &mut RtspObservation) {
    let candidates = proof_candidates(obs);
    let deadline = if obs.accepts_any_path {
        ctx.cfg.stream_deadline.min(ANY_PATH_PROOF_DEADLINE)
    } else {
        ctx.cfg.stream_deadline
    };
    let mut last_error = None;
    for path in candidates {
        match prove_path(ctx, obs.port, &path, deadline).await {
            Ok(proof) => {
                obs.anonymous_media = Some(proof);
                return;
            }
            Err(e) => {
                tracing::debug!(port = obs.port, %path, %e, "stream proof failed");
                last_error = Some(e);
            }
        }
    }
    if let Some(e) = last_error {
        obs.error.get_or_insert(format!("stream proof: {e}"));
    }
}

/// One anonymous stream proof on `path`.
async fn prove_path(
    ctx: &HostCtx,
    port: u16,
    path: &str,
    deadline: Duration,
) -> Result<camguard_model::MediaProof, ProtoError> {
    let _slot = ctx.slot().await;
    let run = async {
        let mut s = RtspSession::connect(ctx.addr(port), &ctx.opts).await?;
        let d = s.describe(path, None).await?;
        if d.status != 200 {
            return Err(ProtoError::Unexpected(format!(
                "DESCRIBE answered {} on the proof connection",
                d.status
            )));
        }
        s.stream_proof(path, &d, ctx.cfg.stream_packets.max(1), deadline)
            .await
    };
    run.await
}

/// One credential attempt: DESCRIBE `path` answering the challenge. `Some(true)` when the
/// answer is 200, `Some(false)` on 401/403, `None` when the exchange failed.
pub(crate) async fn try_credentials(
    ctx: &HostCtx,
    port: u16,
    path: &str,
    creds: &Credentials,
) -> Option<bool> {
    let _slot = ctx.slot().await;
    let mut s = RtspSession::connect(ctx.addr(port), &ctx.opts).await.ok()?;
    let d = s.describe(path, Some(creds)).await.ok()?;
    if !d.authenticated {
        return None;
    }
    match d.status {
        // A 404 after authenticating means the credentials passed and only the path is
        // wrong: many cameras check credentials before they look the path up.
        200 | 404 => Some(true),
        401 | 403 => Some(false),
        _ => None,
    }
}
