//! `AUTH.USER_ENUMERATION`: the opt-in test (`camguard scan --check-user-enumeration`) saw the
//! device answer a wrong-password login differently for an existing account than for a random
//! nonexistent user name (after removing nonces, counters and dates), so an attacker can find
//! valid user names before guessing passwords.
//!
//! Runs only when the test ran and its two answers for the nonexistent user agreed (otherwise
//! the device changed state, e.g. locked, and the comparison proves nothing).

use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let Some(test) = &obs.user_enumeration else {
        return Evaluation::Inconclusive;
    };
    if !test.stable {
        return Evaluation::Inconclusive;
    }
    if !test.distinguishes {
        return Evaluation::Ran(Vec::new());
    }
    let answer = |user: &str| {
        test.responses.iter().find(|r| r.user == user).map(|r| {
            json!({
                "status": r.status,
                "response": bounded(&r.response, MAX_FIELD_CHARS),
            })
        })
    };
    Evaluation::Ran(vec![Hit {
        port: Some(test.port),
        summary: format!(
            "Login answers on {} port {} tell an existing account ({:?}) from an unknown user",
            test.surface,
            test.port,
            bounded(&test.named_user, MAX_FIELD_CHARS)
        ),
        evidence: json!({
            "surface": test.surface,
            "port": test.port,
            "path": bounded(&test.path, MAX_FIELD_CHARS),
            "named_account": bounded(&test.named_user, MAX_FIELD_CHARS),
            "nonexistent_user_answer": answer("nonexistent"),
            "named_account_answer": answer("named"),
        }),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::{EnumerationResponse, EnumerationTest};

    fn host(a: &str, b: &str, c: &str) -> HostObservation {
        let mut h = alive_host(80);
        let r = |user: &str, text: &str| EnumerationResponse {
            user: user.into(),
            status: Some(401),
            response: text.into(),
        };
        h.user_enumeration = Some(EnumerationTest {
            surface: "isapi_usercheck".into(),
            port: 80,
            path: "/ISAPI/Security/userCheck".into(),
            named_user: "admin".into(),
            responses: vec![r("nonexistent", a), r("named", b), r("nonexistent", c)],
            stable: a == c,
            distinguishes: a == c && a != b,
        });
        h
    }

    #[test]
    fn distinct_messages_are_a_finding() {
        let Evaluation::Ran(hits) = evaluate(
            &host("Invalid user name", "Invalid password", "Invalid user name"),
            &CheckOptions::default(),
        ) else {
            panic!("ran");
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(
            hits[0].evidence["named_account_answer"]["response"],
            "Invalid password"
        );
    }

    #[test]
    fn uniform_messages_pass_and_unstable_ones_are_undecided() {
        let opts = CheckOptions::default();
        assert_eq!(
            evaluate(&host("Unauthorized", "Unauthorized", "Unauthorized"), &opts),
            Evaluation::Ran(vec![])
        );
        assert_eq!(
            evaluate(&host("Unauthorized", "Wrong", "User locked"), &opts),
            Evaluation::Inconclusive
        );
        assert_eq!(evaluate(&alive_host(80), &opts), Evaluation::Inconclusive);
    }
}
