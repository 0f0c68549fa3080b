//! `SURF.WS_DISCOVERY_UNICAST`: the host answered a WS-Discovery `Probe` sent to it unicast
//! (informational: ONVIF discovery is meant for the local link, and answering unicast
//! probes from anywhere makes the device a reflector).

use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let hits = obs
        .discovery
        .iter()
        .filter(|d| d.protocol == "ws_discovery")
        .map(|d| Hit {
            port: Some(d.port),
            summary: format!(
                "WS-Discovery answered a unicast Probe on UDP port {}",
                d.port
            ),
            evidence: json!({
                "protocol": "ws_discovery",
                "udp_port": d.port,
                "xaddr": d.location.as_deref().map(|s| bounded(s, MAX_FIELD_CHARS)),
                "types": d.types.iter().take(8).map(|t| bounded(t, MAX_FIELD_CHARS)).collect::<Vec<_>>(),
            }),
        })
        .collect();
    Evaluation::Ran(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::upnp::tests::answer;
    use crate::testutil::alive_host;

    #[test]
    fn probe_match_is_a_finding_ssdp_is_not() {
        let mut host = alive_host(80);
        host.discovery.push(answer("ssdp", 1900));
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        host.discovery.push(answer("ws_discovery", 3702));
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].port, Some(3702));
    }
}
