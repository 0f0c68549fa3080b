//! `SURF.P2P_CLOUD`: a P2P cloud service proved enabled by an answer only a device running it
//! gives (the indicators of `data/checks/p2p_indicators.toml`, e.g. a CS2 PPPP LAN-search
//! answer with the device's UID).
//!
//! Strict: silence proves nothing (most clouds connect outwards and answer nothing on the
//! LAN), so without an indicator the check does not run and the provision stays
//! not verifiable remotely. The UID is masked like a serial number.

use crate::evidence::{bounded, mask_serial, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use serde::Deserialize;
use serde_json::json;
use std::sync::OnceLock;

const INDICATORS_TOML: &str = include_str!("../../../../data/checks/p2p_indicators.toml");

/// One LAN-search indicator (the check needs its id, service and source; the scanner reads
/// the port and request from the same file).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct LanSearch {
    pub id: String,
    pub service: String,
    pub source: String,
}

#[derive(Deserialize)]
struct File {
    lan_search: Vec<LanSearch>,
}

/// The embedded indicators.
pub(crate) fn indicators() -> &'static [LanSearch] {
    static I: OnceLock<Vec<LanSearch>> = OnceLock::new();
    I.get_or_init(|| {
        toml::from_str::<File>(INDICATORS_TOML)
            .map(|f| f.lan_search)
            .unwrap_or_default()
    })
}

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let hits: Vec<Hit> = obs
        .p2p
        .iter()
        .filter_map(|p| {
            let indicator = indicators().iter().find(|i| i.id == p.protocol)?;
            let uid = p.uid.as_deref().map(mask_serial);
            Some(Hit {
                port: Some(p.port),
                summary: format!(
                    "{} answered a LAN search on {} port {}{}",
                    indicator.service,
                    bounded(&p.transport, 8).to_uppercase(),
                    p.port,
                    if uid.is_some() {
                        " with its P2P UID"
                    } else {
                        ""
                    }
                ),
                evidence: json!({
                    "indicator": indicator.id,
                    "service": indicator.service,
                    "indicator_source": indicator.source,
                    "transport": bounded(&p.transport, 8),
                    "port": p.port,
                    "uid_masked": uid.map(|u| bounded(&u, MAX_FIELD_CHARS)),
                }),
            })
        })
        .collect();
    if hits.is_empty() {
        Evaluation::Inconclusive
    } else {
        Evaluation::Ran(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::P2pObservation;

    #[test]
    fn indicators_parse_with_sources() {
        let i = indicators();
        assert!(!i.is_empty());
        assert!(i
            .iter()
            .all(|i| !i.source.trim().is_empty() && !i.service.is_empty()));
    }

    #[test]
    fn a_lan_search_answer_is_a_finding_with_a_masked_uid() {
        let mut host = alive_host(80);
        host.p2p.push(P2pObservation {
            transport: "udp".into(),
            port: 32108,
            protocol: "cs2_pppp".into(),
            uid: Some("VSTC-123456-ABCDE".into()),
        });
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        let uid = hits[0].evidence["uid_masked"].as_str().unwrap_or_default();
        assert!(!uid.contains("123456") && uid.ends_with("CDE"), "{uid}");
    }

    #[test]
    fn silence_or_an_unknown_protocol_proves_nothing() {
        let mut host = alive_host(80);
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Inconclusive
        );
        host.p2p.push(P2pObservation {
            protocol: "made_up".into(),
            ..Default::default()
        });
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Inconclusive
        );
    }
}
