//! `SURF.UPNP`: the host answered a unicast SSDP `M-SEARCH` (UPnP is on).
//!
//! The scanner sends the discovery probes to every host with an open TCP port, so no answer
//! means "checked, not found". What the description disclosed is judged by
//! `SURF.ANON_DISCLOSURE`, not here.

use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let hits = obs
        .discovery
        .iter()
        .filter(|d| d.protocol == "ssdp")
        .map(|d| Hit {
            port: Some(d.port),
            summary: format!("UPnP/SSDP answered a unicast M-SEARCH on UDP port {}", d.port),
            evidence: json!({
                "protocol": "ssdp",
                "udp_port": d.port,
                "server": d.server.as_deref().map(|s| bounded(s, MAX_FIELD_CHARS)),
                "location": d.location.as_deref().map(|s| bounded(s, MAX_FIELD_CHARS)),
                "types": d.types.iter().take(8).map(|t| bounded(t, MAX_FIELD_CHARS)).collect::<Vec<_>>(),
            }),
        })
        .collect();
    Evaluation::Ran(hits)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::DiscoveryObservation;

    pub(crate) fn answer(protocol: &str, port: u16) -> DiscoveryObservation {
        DiscoveryObservation {
            protocol: protocol.into(),
            port,
            server: Some("Linux/3.10, UPnP/1.0, Portable SDK for UPnP devices/1.6.19".into()),
            location: Some("http://127.0.0.1:49152/description.xml".into()),
            ..Default::default()
        }
    }

    #[test]
    fn ssdp_answer_is_a_finding_wsd_is_not() {
        let mut host = alive_host(80);
        host.discovery.push(answer("ws_discovery", 3702));
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        host.discovery.push(answer("ssdp", 1900));
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].port, Some(1900));
    }
}
