//! UDP discovery of one host: a unicast SSDP `M-SEARCH` and a unicast WS-Discovery `Probe`,
//! sent to the host itself only. The UPnP description at an SSDP `LOCATION` is fetched only
//! when that location is on the scanned host (never an address elsewhere).

use crate::data::UdpProbe;
use crate::probe::HostCtx;
use camguard_model::DiscoveryObservation;
use camguard_protocols::discovery::{self, DiscoveryError};
use camguard_protocols::http;
use rand::RngCore;

/// Largest description body read.
const MAX_DESCRIPTION: usize = 64 * 1024;

fn push_unique(list: &mut Vec<String>, item: String) {
    if list.len() < 32 && !list.contains(&item) {
        list.push(item);
    }
}

/// Run one discovery probe; `None` when nothing (usable) answered.
pub(crate) async fn probe_discovery(
    ctx: &HostCtx,
    port: u16,
    probe: UdpProbe,
) -> Option<DiscoveryObservation> {
    let target = ctx.addr(port);
    let wait = ctx.cfg.discovery_wait;
    match probe {
        UdpProbe::Ssdp => {
            let request = discovery::msearch(target);
            let replies = discovery::udp_exchange(target, request.as_bytes(), wait)
                .await
                .ok()?;
            let mut obs = ssdp_observation(port, &replies)?;
            if let Some((p, path)) = obs
                .location
                .as_deref()
                .and_then(|l| discovery::location_on_host(l, ctx.ip))
            {
                match description(ctx, p, &path).await {
                    Ok(d) => {
                        obs.friendly_name = d.friendly_name;
                        obs.manufacturer = d.manufacturer;
                        obs.model = d.model_name.or(d.model_number);
                        obs.serial = d.serial;
                    }
                    Err(e) => tracing::debug!(ip = %ctx.ip, "upnp description: {e}"),
                }
            }
            Some(obs)
        }
        UdpProbe::WsDiscovery => {
            let message_id = message_id();
            let request = discovery::wsd_probe(&message_id);
            let replies = discovery::udp_exchange(target, request.as_bytes(), wait)
                .await
                .ok()?;
            wsd_observation(port, &replies, &message_id)
        }
    }
}

/// What the SSDP answers of one device say (`None` when none parses).
pub(crate) fn ssdp_observation(port: u16, replies: &[Vec<u8>]) -> Option<DiscoveryObservation> {
    let mut obs = DiscoveryObservation {
        protocol: "ssdp".into(),
        port,
        ..DiscoveryObservation::default()
    };
    let mut any = false;
    for r in replies
        .iter()
        .filter_map(|d| discovery::parse_ssdp_reply(d).ok())
    {
        any = true;
        if obs.server.is_none() {
            obs.server = r.server;
        }
        if obs.location.is_none() {
            obs.location = r.location;
        }
        if let Some(st) = r.st {
            push_unique(&mut obs.types, st);
        }
    }
    any.then_some(obs)
}

/// A fresh WS-Discovery MessageID (a random UUID URN).
pub(crate) fn message_id() -> String {
    let mut id = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut id);
    id[6] = (id[6] & 0x0f) | 0x40;
    id[8] = (id[8] & 0x3f) | 0x80;
    let h = hex_of(&id);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// What the ProbeMatches of one device relating to `message_id` say (`None` when none does).
pub(crate) fn wsd_observation(
    port: u16,
    replies: &[Vec<u8>],
    message_id: &str,
) -> Option<DiscoveryObservation> {
    let matches: Vec<_> = replies
        .iter()
        .filter_map(|d| discovery::parse_probe_matches(d, Some(message_id)).ok())
        .flatten()
        .collect();
    let first = matches.first()?;
    let mut obs = DiscoveryObservation {
        protocol: "ws_discovery".into(),
        port,
        location: first.xaddrs.first().cloned(),
        ..DiscoveryObservation::default()
    };
    for m in &matches {
        for t in &m.types {
            push_unique(&mut obs.types, t.clone());
        }
        for s in &m.scopes {
            push_unique(&mut obs.scopes, s.clone());
        }
    }
    obs.model = discovery::onvif_scope(&obs.scopes, "hardware");
    obs.friendly_name = discovery::onvif_scope(&obs.scopes, "name");
    obs.manufacturer = discovery::onvif_scope(&obs.scopes, "mfr")
        .or_else(|| discovery::onvif_scope(&obs.scopes, "manufacturer"));
    Some(obs)
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// GET the UPnP description on the scanned host (plain HTTP, bounded).
async fn description(
    ctx: &HostCtx,
    port: u16,
    path: &str,
) -> Result<discovery::UpnpDescription, String> {
    let addr = ctx.addr(port);
    let mut opts = ctx.opts.clone();
    opts.limits.max_body = opts.limits.max_body.min(MAX_DESCRIPTION);
    let m = {
        let _slot = ctx.slot().await;
        http::get(addr, &http::host_header(addr), path, &[], &opts)
            .await
            .map_err(|e| e.to_string())?
    };
    if http::status_code(&m) != Some(200) || m.body_truncated {
        return Err(format!(
            "status {:?}, truncated {}",
            http::status_code(&m),
            m.body_truncated
        ));
    }
    discovery::parse_description(&m.body).map_err(|e: DiscoveryError| e.to_string())
}
