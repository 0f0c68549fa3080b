//! `AUTH.NO_AUTH_STREAM`: an RTSP stream delivered media without credentials.
//!
//! Only a [`camguard_model::MediaProof`] with RTP packets counts. A `200` to `DESCRIBE` is
//! never proof (and means nothing at all from a server that accepts any path). When a
//! DESCRIBE succeeded but the stream proof was not run, the question stays open and the
//! check does not count as run.

use crate::evidence::{bounded, mask_path_secrets, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::{HostObservation, RtspObservation};
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, opts: &CheckOptions) -> Evaluation {
    let mut hits = Vec::new();
    let mut open_question = false;
    for rtsp in &obs.rtsp {
        match &rtsp.anonymous_media {
            Some(proof) if proof.rtp_packets > 0 => {
                let path = mask_path_secrets(&proof.path);
                let codec = proof.codec.as_deref().map(|c| bounded(c, MAX_FIELD_CHARS));
                hits.push(Hit {
                    port: Some(rtsp.port),
                    summary: format!(
                        "RTSP port {} delivered {} RTP packets{} on {} without credentials",
                        rtsp.port,
                        proof.rtp_packets,
                        codec
                            .as_deref()
                            .map(|c| format!(" ({c})"))
                            .unwrap_or_default(),
                        path
                    ),
                    evidence: json!({
                        "port": rtsp.port,
                        "path": path,
                        "credentials": "anonymous",
                        "rtp_packets": proof.rtp_packets,
                        "bytes": proof.bytes,
                        "codec": codec,
                        "accepts_any_path": rtsp.accepts_any_path,
                        "server": rtsp.server.as_deref().map(|s| bounded(s, MAX_FIELD_CHARS)),
                    }),
                });
            }
            // The proof ran and received nothing: checked, not found.
            Some(_) => {}
            None => open_question |= !opts.stream_proof && could_stream(rtsp),
        }
    }
    if hits.is_empty() && open_question {
        Evaluation::Inconclusive
    } else {
        Evaluation::Ran(hits)
    }
}

/// True when this port might stream anonymously: some DESCRIBE was answered 200 (or the
/// server answers 200 to anything), or the probe stopped before describing any path.
fn could_stream(rtsp: &RtspObservation) -> bool {
    rtsp.accepts_any_path
        || rtsp.paths.iter().any(|p| p.status == Some(200))
        || (rtsp.error.is_some() && rtsp.paths.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{alive_host, describe};
    use camguard_model::MediaProof;

    fn proof(packets: u32) -> MediaProof {
        MediaProof {
            path: "/live?user=admin&password=secret".into(),
            credentials: "anonymous".into(),
            rtp_packets: packets,
            bytes: 4096,
            codec: Some("H264".into()),
        }
    }

    fn opts(stream_proof: bool) -> CheckOptions {
        CheckOptions {
            intrusive: false,
            stream_proof,
        }
    }

    #[test]
    fn received_media_is_a_finding_with_redacted_path() {
        let mut host = alive_host(554);
        host.rtsp.push(RtspObservation {
            port: 554,
            paths: vec![describe("/live", Some(200))],
            anonymous_media: Some(proof(12)),
            ..Default::default()
        });
        let Evaluation::Ran(hits) = evaluate(&host, &opts(true)) else {
            panic!("expected the check to run");
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].port, Some(554));
        assert_eq!(hits[0].evidence["rtp_packets"], 12);
        assert_eq!(hits[0].evidence["path"], "/live?user=admin&password=s*****");
        assert!(!hits[0].summary.contains("secret"));
        assert!(!hits[0].evidence.to_string().contains("secret"));
    }

    #[test]
    fn describe_200_alone_is_not_proof() {
        let mut host = alive_host(554);
        host.rtsp.push(RtspObservation {
            port: 554,
            paths: vec![describe("/live", Some(200))],
            ..Default::default()
        });
        // Proof not run: the question stays open.
        assert_eq!(evaluate(&host, &opts(false)), Evaluation::Inconclusive);
        // Proof run, no media: checked, not found.
        assert_eq!(evaluate(&host, &opts(true)), Evaluation::Ran(vec![]));
    }

    #[test]
    fn any_path_server_with_zero_packets_is_not_a_finding() {
        let mut host = alive_host(554);
        host.rtsp.push(RtspObservation {
            port: 554,
            accepts_any_path: true,
            paths: vec![describe("/camguard-x1", Some(200))],
            anonymous_media: Some(proof(0)),
            ..Default::default()
        });
        assert_eq!(evaluate(&host, &opts(true)), Evaluation::Ran(vec![]));
        host.rtsp[0].anonymous_media = None;
        assert_eq!(evaluate(&host, &opts(false)), Evaluation::Inconclusive);
    }

    #[test]
    fn auth_required_everywhere_is_checked_not_found() {
        let mut host = alive_host(554);
        host.rtsp.push(RtspObservation {
            port: 554,
            paths: vec![
                describe("/camguard-x1", Some(401)),
                describe("/live", Some(401)),
            ],
            ..Default::default()
        });
        assert_eq!(evaluate(&host, &opts(false)), Evaluation::Ran(vec![]));
    }
}
