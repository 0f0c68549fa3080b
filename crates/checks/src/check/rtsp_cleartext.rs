//! `COMM.RTSP_CLEARTEXT`: RTSP answered on a cleartext port and no RTSPS (RTSP over TLS,
//! `rtsps.ports` in `data/checks/policy.toml`) answered on the host.
//!
//! Fairness: most cameras offer no RTSPS at all, and recorders pull cleartext RTSP on the
//! LAN by design, so the finding is low and says what it is: video (and, with Basic, the
//! password) crosses the network unencrypted. It needs the RTSP service to have answered
//! (a `Server` header, a `Public` list or any DESCRIBE status); an open RTSP port that never
//! answered leaves the check undecided.

use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::policy::Policy;
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::{HostObservation, RtspObservation};
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let rtsps_ports = &Policy::builtin().rtsps.ports;
    let rtsps = obs
        .tls
        .iter()
        .any(|t| rtsps_ports.contains(&t.port) && !t.versions_accepted.is_empty());
    if rtsps {
        return Evaluation::Ran(vec![]);
    }
    let mut hits = Vec::new();
    let mut undecided = false;
    for rtsp in &obs.rtsp {
        if answered(rtsp) {
            hits.push(hit(rtsp));
        } else {
            undecided = true;
        }
    }
    if hits.is_empty() && undecided {
        Evaluation::Inconclusive
    } else {
        Evaluation::Ran(hits)
    }
}

fn answered(rtsp: &RtspObservation) -> bool {
    rtsp.server.is_some()
        || !rtsp.public_methods.is_empty()
        || rtsp.paths.iter().any(|p| p.status.is_some())
}

fn hit(rtsp: &RtspObservation) -> Hit {
    let authenticated = rtsp
        .paths
        .iter()
        .find_map(|p| p.auth_scheme)
        .map(|s| format!("{s:?}").to_ascii_lowercase());
    Hit {
        port: Some(rtsp.port),
        summary: format!(
            "RTSP on port {} is served in cleartext and no RTSPS answered: video crosses the network unencrypted",
            rtsp.port
        ),
        evidence: json!({
            "port": rtsp.port,
            "server": rtsp.server.as_deref().map(|s| bounded(s, MAX_FIELD_CHARS)),
            "auth_scheme": authenticated,
            "rtsps_ports_checked": Policy::builtin().rtsps.ports,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls_ports::testing::good_tls;
    use crate::testutil::{alive_host, describe};

    fn rtsp(answered: bool) -> RtspObservation {
        RtspObservation {
            port: 554,
            paths: vec![describe("/live", answered.then_some(401))],
            error: (!answered).then(|| "timeout".to_string()),
            ..Default::default()
        }
    }

    #[test]
    fn answered_cleartext_rtsp_is_a_finding() {
        let mut host = alive_host(554);
        host.rtsp.push(rtsp(true));
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].port, Some(554));
    }

    #[test]
    fn rtsps_present_is_clean_and_silent_rtsp_is_undecided() {
        let mut host = alive_host(554);
        host.rtsp.push(rtsp(true));
        host.tls.push(good_tls(322));
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        let mut host = alive_host(554);
        host.rtsp.push(rtsp(false));
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Inconclusive
        );
        assert_eq!(
            evaluate(&alive_host(80), &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
    }
}
