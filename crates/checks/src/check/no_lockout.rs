//! `AUTH.NO_LOCKOUT`: the opt-in lockout test (`camguard scan --lockout-test-account USER`)
//! showed that the named account is not locked after Decision 724's threshold of failed logins
//! (`[lockout]` of `data/checks/policy.toml`: 5 failures within 30 s).
//!
//! Runs only when the test ran and decided: a test that found no login surface, or whose
//! refusals could not show a silent lock (no `--lockout-test-password`), is undecided. The lock
//! duration is judged only when the test waited (`--lockout-wait`): a lock released before the
//! wait ended is a finding too.

use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::policy::lockout_policy;
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::{HostObservation, LockoutTest};
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let Some(test) = &obs.lockout_test else {
        return Evaluation::Inconclusive;
    };
    let policy = lockout_policy();
    let failures_sent = test
        .attempts
        .iter()
        .filter(|a| a.credential == "wrong_password")
        .count() as u32;
    match (test.locked, test.locked_at_attempt) {
        // Locked no later than the attempt after the allowed failures.
        (Some(true), Some(_)) if test.lock_held == Some(false) => {
            Evaluation::Ran(vec![hit(test, policy.failures, failures_sent)])
        }
        // Locked within the threshold even counting camguard's earlier failures: compliant
        // whether or not the device counted them.
        (Some(true), Some(at)) if at.saturating_add(test.prior_failures) <= policy.failures + 1 => {
            Evaluation::Ran(Vec::new())
        }
        // Locked within the test's own threshold, but only after earlier failures too: if the
        // device counted them, it locked too late; if not, in time. Undecided.
        (Some(true), Some(at)) if at <= policy.failures + 1 => Evaluation::Inconclusive,
        (Some(true), _) => Evaluation::Ran(vec![hit(test, policy.failures, failures_sent)]),
        (Some(false), _) if failures_sent >= policy.failures => {
            Evaluation::Ran(vec![hit(test, policy.failures, failures_sent)])
        }
        _ => Evaluation::Inconclusive,
    }
}

fn hit(test: &LockoutTest, threshold: u32, failures_sent: u32) -> Hit {
    let within_ms = test.attempts.last().map_or(0, |a| a.at_ms);
    let lock_duration = match (test.lock_held, test.lock_waited_secs) {
        (Some(true), Some(s)) => format!("held at least {s} s"),
        (Some(false), Some(s)) => format!("released before {s} s"),
        _ => "not measured".to_string(),
    };
    let summary = if test.lock_held == Some(false) {
        format!(
            "Account {:?} was locked but the lock was released before {} s on {} port {} \
             (Decision 724: {} s)",
            bounded(&test.username, MAX_FIELD_CHARS),
            test.lock_waited_secs.unwrap_or(0),
            test.surface,
            test.port,
            lockout_policy().lock_secs,
        )
    } else {
        format!(
            "Account {:?} not locked after {failures_sent} failed logins in {:.1} s on {} port {} \
             (Decision 724: lock after {threshold} within {} s)",
            bounded(&test.username, MAX_FIELD_CHARS),
            within_ms as f64 / 1000.0,
            test.surface,
            test.port,
            test.window_secs,
        )
    };
    Hit {
        port: Some(test.port),
        summary,
        evidence: json!({
            "surface": test.surface,
            "port": test.port,
            "path": bounded(&test.path, MAX_FIELD_CHARS),
            "account": bounded(&test.username, MAX_FIELD_CHARS),
            "threshold": threshold,
            "window_secs": test.window_secs,
            "verification": test.verification,
            "failures_sent": failures_sent,
            "prior_failures": test.prior_failures,
            "attempts": test.attempts.iter().map(|a| json!({
                "n": a.n,
                "at_ms": a.at_ms,
                "credential": a.credential,
                "status": a.status,
                "outcome": a.outcome,
                "response": bounded(&a.response, MAX_FIELD_CHARS),
            })).collect::<Vec<_>>(),
            "lock_duration": lock_duration,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::LoginAttemptRecord;

    fn test_with(
        outcomes: &[(&str, &str)],
        locked: Option<bool>,
        at: Option<u32>,
    ) -> HostObservation {
        let mut host = alive_host(80);
        host.lockout_test = Some(LockoutTest {
            surface: "http_digest".into(),
            port: 80,
            path: "/".into(),
            username: "tester".into(),
            threshold: 5,
            window_secs: 30,
            verification: "correct_password".into(),
            attempts: outcomes
                .iter()
                .enumerate()
                .map(|(i, (credential, outcome))| LoginAttemptRecord {
                    n: i as u32 + 1,
                    at_ms: 100 * i as u64,
                    credential: (*credential).into(),
                    status: Some(401),
                    outcome: (*outcome).into(),
                    response: "Unauthorized".into(),
                })
                .collect(),
            locked,
            locked_at_attempt: at,
            note: None,
            ..Default::default()
        });
        host
    }

    const W: (&str, &str) = ("wrong_password", "refused");

    #[test]
    fn no_lock_after_five_failures_is_a_finding_with_attempts_as_evidence() {
        let host = test_with(
            &[W, W, W, W, W, ("correct_password", "accepted")],
            Some(false),
            None,
        );
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("decided");
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].evidence["failures_sent"], 5);
        assert_eq!(
            hits[0].evidence["attempts"].as_array().map(Vec::len),
            Some(6)
        );
        assert!(
            hits[0].summary.contains("not locked after 5"),
            "{}",
            hits[0].summary
        );
        assert!(!hits[0].evidence.to_string().contains("password\":\""));
    }

    #[test]
    fn a_lock_at_the_fifth_failure_passes() {
        let host = test_with(
            &[W, W, W, W, ("wrong_password", "locked")],
            Some(true),
            Some(5),
        );
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
    }

    #[test]
    fn a_lock_released_before_the_wait_is_a_finding() {
        let mut host = test_with(
            &[W, W, W, W, ("wrong_password", "locked")],
            Some(true),
            Some(5),
        );
        if let Some(t) = host.lockout_test.as_mut() {
            t.lock_waited_secs = Some(290);
            t.lock_held = Some(false);
        }
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("decided");
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].evidence["lock_duration"], "released before 290 s");
        if let Some(t) = host.lockout_test.as_mut() {
            t.lock_held = Some(true);
        }
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
    }

    #[test]
    fn earlier_failures_of_the_scan_count_towards_the_threshold() {
        // 3 failures of the user enumeration, then a lock at the test's 2nd: 5 in all, in time.
        let mut host = test_with(&[W, ("wrong_password", "locked")], Some(true), Some(2));
        if let Some(t) = host.lockout_test.as_mut() {
            t.prior_failures = 3;
        }
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        // 3 earlier failures and a lock at the test's 4th: 7 if the device counted them (late),
        // 4 if not (in time): undecided, never a pass.
        let mut host = test_with(
            &[W, W, W, ("wrong_password", "locked")],
            Some(true),
            Some(4),
        );
        if let Some(t) = host.lockout_test.as_mut() {
            t.prior_failures = 3;
        }
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Inconclusive
        );
    }

    #[test]
    fn undecided_or_absent_tests_do_not_run() {
        assert_eq!(
            evaluate(&alive_host(80), &CheckOptions::default()),
            Evaluation::Inconclusive
        );
        let host = test_with(&[W, W, W, W, W, W], None, None);
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Inconclusive
        );
        // Too few failures to judge (the surface stopped answering).
        let host = test_with(&[W, W], Some(false), None);
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Inconclusive
        );
    }
}
