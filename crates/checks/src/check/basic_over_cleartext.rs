//! `COMM.BASIC_OVER_CLEARTEXT`: an HTTP port without TLS, or an RTSP port, challenged with
//! Basic authentication, so a client that answers sends the password Base64-encoded in clear.
//!
//! HTTP counts any `Basic` challenge among the `WWW-Authenticate` headers (a client may pick
//! it even when Digest is offered too); RTSP counts a DESCRIBE answered 401 with Basic.
//! `COMM.CLEARTEXT_ADMIN` notes Basic in its evidence but judges the absence of HTTPS; this
//! check judges the credential exposure, on HTTP and RTSP alike.

use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::{AuthScheme, HostObservation, HttpObservation};
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let mut hits: Vec<Hit> = obs
        .http
        .iter()
        .filter(|h| !h.tls && offers_basic(h))
        .map(|h| Hit {
            port: Some(h.port),
            summary: format!(
                "HTTP port {} (no TLS) asks for Basic authentication: the password would cross the network in clear",
                h.port
            ),
            evidence: json!({
                "protocol": "http",
                "port": h.port,
                "status": h.status,
                "realm": h.realm.as_deref().map(|s| bounded(s, MAX_FIELD_CHARS)),
                "digest_also_offered": h.www_authenticate.iter().any(|v| starts_with_ci(v, "digest")),
            }),
        })
        .collect();
    for rtsp in &obs.rtsp {
        if let Some(path) = rtsp
            .paths
            .iter()
            .find(|p| p.auth_scheme == Some(AuthScheme::Basic))
        {
            hits.push(Hit {
                port: Some(rtsp.port),
                summary: format!(
                    "RTSP port {} asks for Basic authentication: the password would cross the network in clear",
                    rtsp.port
                ),
                evidence: json!({
                    "protocol": "rtsp",
                    "port": rtsp.port,
                    "status": path.status,
                    "realm": path.realm.as_deref().map(|s| bounded(s, MAX_FIELD_CHARS)),
                }),
            });
        }
    }
    Evaluation::Ran(hits)
}

fn starts_with_ci(value: &str, scheme: &str) -> bool {
    value
        .trim_start()
        .get(..scheme.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
}

fn offers_basic(h: &HttpObservation) -> bool {
    h.auth_scheme == Some(AuthScheme::Basic)
        || h.www_authenticate
            .iter()
            .any(|v| starts_with_ci(v, "basic"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{alive_host, describe};
    use camguard_model::RtspObservation;

    fn http(tls: bool, challenge: &str) -> HttpObservation {
        HttpObservation {
            port: if tls { 443 } else { 80 },
            tls,
            status: Some(401),
            www_authenticate: vec![challenge.into()],
            ..Default::default()
        }
    }

    fn hits(host: &HostObservation) -> Vec<Hit> {
        match evaluate(host, &CheckOptions::default()) {
            Evaluation::Ran(h) => h,
            Evaluation::Inconclusive => panic!("always conclusive"),
        }
    }

    #[test]
    fn basic_on_http_and_rtsp_are_findings() {
        let mut host = alive_host(80);
        host.http.push(http(false, "BASIC realm=\"cam\""));
        let mut path = describe("/live", Some(401));
        path.auth_scheme = Some(AuthScheme::Basic);
        host.rtsp.push(RtspObservation {
            port: 554,
            paths: vec![path],
            ..Default::default()
        });
        let found = hits(&host);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].evidence["protocol"], "http");
        assert_eq!(found[1].evidence["protocol"], "rtsp");
    }

    #[test]
    fn digest_or_basic_over_tls_is_clean() {
        let mut host = alive_host(80);
        host.http
            .push(http(false, "Digest realm=\"cam\", nonce=\"1\""));
        host.http.push(http(true, "Basic realm=\"cam\""));
        let mut path = describe("/live", Some(401));
        path.auth_scheme = Some(AuthScheme::Digest);
        host.rtsp.push(RtspObservation {
            port: 554,
            paths: vec![path],
            ..Default::default()
        });
        assert!(hits(&host).is_empty());
    }
}
