//! `SURF.SNMP_PUBLIC`: an SNMP agent answered a well-known community (`public`; `private` is
//! only tried with the opt-in credential check).
//!
//! The scanner sends the SNMP `GetRequest` to every host with an open TCP port and records the
//! ports asked (`snmp_probed`): no answer then means "checked, not found", as for SSDP; a host
//! where SNMP was not probed is undecided.

use crate::evidence::{bounded, MAX_BANNER_CHARS, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use serde_json::json;

/// The communities the scanner may try; anything else in an observation is not reported
/// verbatim (it could be a secret).
const WELL_KNOWN: [&str; 2] = ["public", "private"];

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    if obs.snmp_probed.is_empty() && obs.snmp.is_empty() {
        return Evaluation::Inconclusive;
    }
    let hits = obs
        .snmp
        .iter()
        .map(|s| {
            let community = if WELL_KNOWN.contains(&s.community.as_str()) {
                s.community.clone()
            } else {
                camguard_model::redact_secret(&s.community)
            };
            Hit {
                port: Some(s.port),
                summary: format!(
                    "SNMP {} on UDP port {} answered the community {community:?}",
                    bounded(&s.version, 8),
                    s.port
                ),
                evidence: json!({
                    "udp_port": s.port,
                    "version": bounded(&s.version, 8),
                    "community": community,
                    "sys_descr": s.sys_descr.as_deref().map(|d| bounded(d, MAX_BANNER_CHARS)),
                    "sys_object_id": s.sys_object_id.as_deref().map(|d| bounded(d, MAX_FIELD_CHARS)),
                }),
            }
        })
        .collect();
    Evaluation::Ran(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::SnmpObservation;

    #[test]
    fn an_answer_is_a_finding_and_silence_is_not() {
        let mut host = alive_host(80);
        host.snmp_probed = vec![];
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Inconclusive,
            "not probed"
        );
        host.snmp_probed = vec![161];
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        host.snmp.push(SnmpObservation {
            port: 161,
            version: "v2c".into(),
            community: "public".into(),
            sys_descr: Some("Hikvision DS-2CD2042WD-I".into()),
            sys_object_id: Some("1.3.6.1.4.1.39165.1.1".into()),
        });
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].evidence["community"], "public");
        assert_eq!(hits[0].port, Some(161));
    }

    #[test]
    fn an_unexpected_community_is_redacted() {
        let mut host = alive_host(80);
        host.snmp.push(SnmpObservation {
            port: 161,
            version: "v2c".into(),
            community: "s3cretcomm".into(),
            ..Default::default()
        });
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("conclusive")
        };
        assert!(!hits[0].evidence.to_string().contains("s3cretcomm"));
    }
}
