//! `COMM.CLEARTEXT_ADMIN`: web administration reachable over cleartext HTTP only.
//!
//! A cleartext HTTP port that answered, does not redirect to `https://`, on a host where no
//! HTTPS service answered. Basic authentication offered over cleartext is noted in evidence
//! (the password then crosses the network in clear).

use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::{AuthScheme, EndpointState, HostObservation, HttpObservation, Service};
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    if has_https(obs) {
        return Evaluation::Ran(vec![]);
    }
    let hits = obs
        .http
        .iter()
        .filter(|h| !h.tls && !redirects_to_https(h))
        .filter_map(|h| h.status.map(|status| hit(h, status)))
        .collect();
    Evaluation::Ran(hits)
}

/// True when an HTTPS service answered or was seen open on the host.
fn has_https(obs: &HostObservation) -> bool {
    obs.http.iter().any(|h| h.tls && h.status.is_some())
        || obs
            .endpoints
            .iter()
            .any(|e| e.state == EndpointState::Open && e.service == Some(Service::Https))
}

fn redirects_to_https(h: &HttpObservation) -> bool {
    h.redirects_to_https
        || h.location
            .as_deref()
            .is_some_and(|l| l.trim_start().to_ascii_lowercase().starts_with("https://"))
}

fn offers_basic(h: &HttpObservation) -> bool {
    h.auth_scheme == Some(AuthScheme::Basic)
        || h.www_authenticate.iter().any(|v| {
            v.trim_start()
                .get(..5)
                .is_some_and(|s| s.eq_ignore_ascii_case("basic"))
        })
}

fn hit(h: &HttpObservation, status: u16) -> Hit {
    let basic = offers_basic(h);
    let summary = if basic {
        format!(
            "Web interface on port {} is cleartext HTTP only (status {status}) and asks for Basic authentication: passwords cross the network in clear",
            h.port
        )
    } else {
        format!(
            "Web interface on port {} is cleartext HTTP only (status {status}), no HTTPS offered",
            h.port
        )
    };
    Hit {
        port: Some(h.port),
        summary,
        evidence: json!({
            "port": h.port,
            "tls": false,
            "status": status,
            "server": h.server.as_deref().map(|s| bounded(s, MAX_FIELD_CHARS)),
            "auth_scheme": h.auth_scheme,
            "realm": h.realm.as_deref().map(|s| bounded(s, MAX_FIELD_CHARS)),
            "basic_auth_over_cleartext": basic,
            "redirects_to_https": false,
            "https_available": false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;

    fn http(port: u16, tls: bool, status: Option<u16>) -> HttpObservation {
        HttpObservation {
            port,
            tls,
            status,
            server: Some("Boa/0.94.14rc21".into()),
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
    fn cleartext_only_is_a_finding_and_basic_is_noted() {
        let mut host = alive_host(80);
        let mut h = http(80, false, Some(401));
        h.www_authenticate = vec!["Digest realm=\"x\"".into(), "basic realm=\"x\"".into()];
        h.auth_scheme = Some(AuthScheme::Digest);
        host.http.push(h);
        host.http.push(http(8080, false, Some(200)));
        let found = hits(&host);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].evidence["basic_auth_over_cleartext"], true);
        assert!(found[0].summary.contains("Basic"));
        assert_eq!(found[1].evidence["basic_auth_over_cleartext"], false);
    }

    #[test]
    fn https_redirect_or_https_service_means_no_finding() {
        let mut host = alive_host(80);
        let mut h = http(80, false, Some(302));
        h.redirects_to_https = true;
        host.http.push(h);
        assert!(hits(&host).is_empty());

        let mut host = alive_host(80);
        let mut h = http(80, false, Some(301));
        h.location = Some("HTTPS://camera.local/".into());
        host.http.push(h);
        assert!(hits(&host).is_empty());

        let mut host = alive_host(80);
        host.http.push(http(80, false, Some(200)));
        host.http.push(http(443, true, Some(200)));
        assert!(hits(&host).is_empty());
    }

    #[test]
    fn unanswered_http_is_not_a_finding() {
        let mut host = alive_host(80);
        let mut h = http(80, false, None);
        h.error = Some("not http".into());
        host.http.push(h);
        assert!(hits(&host).is_empty());
    }
}
