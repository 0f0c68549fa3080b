//! `SURF.TELNET`: a Telnet service is reachable.
//!
//! A port counts when a Telnet banner was read on it, or when an open endpoint was
//! identified as Telnet. No login is ever attempted.

use crate::evidence::{bounded, MAX_BANNER_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::{EndpointState, HostObservation, Service};
use serde_json::json;
use std::collections::BTreeMap;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let mut ports: BTreeMap<u16, Option<String>> = BTreeMap::new();
    for endpoint in &obs.endpoints {
        if endpoint.state == EndpointState::Open && endpoint.service == Some(Service::Telnet) {
            ports.entry(endpoint.port).or_default();
        }
    }
    for banner in &obs.telnet {
        let slot = ports.entry(banner.port).or_default();
        if slot.is_none() && !banner.banner.trim().is_empty() {
            *slot = Some(bounded(&banner.banner, MAX_BANNER_CHARS));
        }
    }
    let hits = ports
        .into_iter()
        .map(|(port, banner)| Hit {
            port: Some(port),
            summary: match &banner {
                Some(b) => format!(
                    "Telnet reachable on port {port} (banner: {:?})",
                    bounded(b, 60)
                ),
                None => format!("Telnet reachable on port {port}"),
            },
            evidence: json!({ "port": port, "banner": banner }),
        })
        .collect();
    Evaluation::Ran(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::{BannerObservation, Endpoint};

    #[test]
    fn banner_and_endpoint_are_merged_per_port() {
        let mut host = alive_host(23);
        host.endpoints[0].service = Some(Service::Telnet);
        host.endpoints.push(Endpoint {
            port: 2323,
            state: EndpointState::Open,
            service: Some(Service::Telnet),
            reason: "telnet".into(),
        });
        host.telnet.push(BannerObservation {
            port: 23,
            banner: format!("(none) login: {}", "x".repeat(1000)),
        });
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("expected a run");
        };
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].port, Some(23));
        let banner = hits[0].evidence["banner"].as_str().unwrap_or_default();
        assert!(banner.starts_with("(none) login:"));
        assert!(
            banner.chars().count() <= MAX_BANNER_CHARS + 1,
            "banner is bounded"
        );
        assert_eq!(hits[1].port, Some(2323));
        assert!(hits[1].evidence["banner"].is_null());
    }

    #[test]
    fn closed_telnet_port_is_not_a_finding() {
        let mut host = alive_host(80);
        host.endpoints.push(Endpoint {
            port: 23,
            state: EndpointState::Closed,
            service: Some(Service::Telnet),
            reason: "connection refused".into(),
        });
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
    }
}
