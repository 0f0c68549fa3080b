//! Shared logic of the "service reachable" checks (FTP, SSH): a port counts when a banner
//! of the service was read on it, or an open endpoint was identified as the service.

use crate::evidence::{bounded, MAX_BANNER_CHARS};
use crate::registry::Hit;
use camguard_model::{BannerObservation, EndpointState, HostObservation, Service};
use serde_json::json;
use std::collections::BTreeMap;

/// One hit per port where `service` is reachable; `name` is used in the summary.
pub(crate) fn reachable(
    obs: &HostObservation,
    service: Service,
    banners: &[BannerObservation],
    name: &str,
) -> Vec<Hit> {
    let mut ports: BTreeMap<u16, Option<String>> = BTreeMap::new();
    for endpoint in &obs.endpoints {
        if endpoint.state == EndpointState::Open && endpoint.service == Some(service) {
            ports.entry(endpoint.port).or_default();
        }
    }
    for banner in banners {
        let slot = ports.entry(banner.port).or_default();
        if slot.is_none() && !banner.banner.trim().is_empty() {
            *slot = Some(bounded(&banner.banner, MAX_BANNER_CHARS));
        }
    }
    ports
        .into_iter()
        .map(|(port, banner)| Hit {
            port: Some(port),
            summary: match &banner {
                Some(b) => format!(
                    "{name} reachable on port {port} (banner: {:?})",
                    bounded(b, 60)
                ),
                None => format!("{name} reachable on port {port}"),
            },
            evidence: json!({ "port": port, "banner": banner }),
        })
        .collect()
}
