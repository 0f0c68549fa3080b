//! `AUTH.DEFAULT_CRED`: a vendor default credential was accepted.
//!
//! Reads the attempts the scanner recorded; the password is redacted again here so the
//! evidence never holds a usable secret, whatever the caller stored.

use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::{redact_secret, HostObservation, NO_PASSWORD};
use serde_json::json;
use std::collections::BTreeSet;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let mut seen = BTreeSet::new();
    let mut hits = Vec::new();
    for accepted in obs.credential_attempts.iter().filter(|a| a.accepted) {
        let protocol = bounded(&accepted.protocol, 16);
        let user = bounded(&accepted.username, MAX_FIELD_CHARS);
        let without_password = accepted.password_redacted == NO_PASSWORD;
        let password = if without_password {
            NO_PASSWORD.to_string()
        } else {
            redact_secret(&accepted.password_redacted)
        };
        if !seen.insert((
            protocol.clone(),
            accepted.port,
            user.clone(),
            password.clone(),
        )) {
            continue;
        }
        let attempts = obs
            .credential_attempts
            .iter()
            .filter(|a| a.protocol == accepted.protocol && a.port == accepted.port)
            .count();
        if without_password {
            // SSH `none` authentication: the account has no password at all.
            hits.push(Hit {
                port: Some(accepted.port),
                summary: format!(
                    "SSH accepts login without password for user {user:?} on port {}",
                    accepted.port
                ),
                evidence: json!({
                    "protocol": protocol,
                    "port": accepted.port,
                    "username": user,
                    "password_redacted": password,
                    "method": "none",
                    "detail": "SSH accepts login without password",
                    "attempts": attempts,
                }),
            });
            continue;
        }
        hits.push(Hit {
            port: Some(accepted.port),
            summary: format!(
                "{protocol} on port {} accepted the default credential {user:?} / {password:?}",
                accepted.port
            ),
            evidence: json!({
                "protocol": protocol,
                "port": accepted.port,
                "username": user,
                "password_redacted": password,
                "attempts": attempts,
            }),
        });
    }
    Evaluation::Ran(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::CredentialAttempt;

    fn attempt(protocol: &str, port: u16, user: &str, pw: &str, ok: bool) -> CredentialAttempt {
        CredentialAttempt {
            protocol: protocol.into(),
            port,
            username: user.into(),
            password_redacted: pw.into(),
            accepted: ok,
        }
    }

    #[test]
    fn accepted_attempt_is_reported_redacted_with_attempt_count() {
        let mut host = alive_host(554);
        host.credential_attempts = vec![
            attempt("rtsp", 554, "admin", "a****", false),
            // A careless caller stored the clear password: it must still be redacted.
            attempt("rtsp", 554, "admin", "12345", true),
            attempt("http", 80, "admin", "a****", false),
        ];
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("expected a run");
        };
        assert_eq!(hits.len(), 1);
        let e = &hits[0].evidence;
        assert_eq!(e["protocol"], "rtsp");
        assert_eq!(e["username"], "admin");
        assert_eq!(e["password_redacted"], "1****");
        assert_eq!(e["attempts"], 2);
        assert!(!e.to_string().contains("12345"));
        assert!(!hits[0].summary.contains("12345"));
    }

    #[test]
    fn only_rejected_attempts_mean_no_finding() {
        let mut host = alive_host(80);
        host.credential_attempts = vec![attempt("http", 80, "admin", "a****", false)];
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
    }

    #[test]
    fn duplicate_successes_are_reported_once() {
        let mut host = alive_host(80);
        let a = attempt("onvif", 80, "admin", "a****", true);
        host.credential_attempts = vec![a.clone(), a];
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("expected a run");
        };
        assert_eq!(hits.len(), 1);
    }

    #[test]
    fn ssh_none_authentication_says_login_without_password_not_a_pair() {
        let mut host = alive_host(22);
        host.credential_attempts = vec![attempt("ssh", 22, "root", NO_PASSWORD, true)];
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("expected a run");
        };
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0]
                .summary
                .starts_with("SSH accepts login without password"),
            "{}",
            hits[0].summary
        );
        let e = &hits[0].evidence;
        assert_eq!(e["method"], "none");
        assert_eq!(e["password_redacted"], NO_PASSWORD);
        assert_eq!(e["username"], "root");
    }
}
