//! Verdict rules (docs/architecture.md), on a custom baseline and end to end with the real checks.

use crate::builtin;
use crate::custom_files::CUSTOM;
use camguard_baseline::{assess, Registry};
use camguard_checks::{run_checks, CheckOptions};
use camguard_model::{
    BannerObservation, Endpoint, EndpointState, Finding, HostObservation, HttpObservation,
    ProvisionVerdict, Severity, VerdictStatus,
};
use chrono::{TimeZone, Utc};

fn custom() -> camguard_baseline::Baseline {
    let mut r = Registry::new();
    r.add_toml(CUSTOM, "custom.toml")
        .expect("custom parses")
        .clone()
}

fn finding(check: &str) -> Finding {
    Finding {
        check_id: check.into(),
        severity: Severity::Medium,
        port: Some(80),
        summary: "test".into(),
        evidence: serde_json::json!({}),
    }
}

fn status(verdicts: &[ProvisionVerdict], provision: &str) -> VerdictStatus {
    verdicts
        .iter()
        .find(|v| v.provision == provision)
        .map(|v| v.status)
        .unwrap_or_else(|| panic!("no verdict for {provision}"))
}

fn ran(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn finding_of_a_bearing_check_fails_and_is_cited() {
    let b = custom();
    let v = assess(
        &b,
        &[finding("COMM.CLEARTEXT_ADMIN")],
        &ran(&["COMM.CLEARTEXT_ADMIN"]),
    );
    assert_eq!(v.len(), 3);
    assert_eq!(v[0].status, VerdictStatus::Fail);
    assert_eq!(v[0].findings, ["COMM.CLEARTEXT_ADMIN"]);
    assert_eq!(v[0].baseline, "acme-policy-2026");
    // A finding fails the provision even if checks_run forgot to list its check.
    let v = assess(&b, &[finding("AUTH.DEFAULT_CRED")], &[]);
    assert_eq!(status(&v, "P2"), VerdictStatus::Fail);
}

/// An informational finding (e.g. a self-signed certificate, common on cameras) is cited but
/// proves no violation: the provision is neither failed nor passed.
#[test]
fn informational_finding_is_cited_without_failing_or_passing() {
    let b = custom();
    let info = Finding {
        severity: Severity::Info,
        ..finding("COMM.CLEARTEXT_ADMIN")
    };
    let v = assess(
        &b,
        &[info],
        &ran(&["COMM.CLEARTEXT_ADMIN", "AUTH.DEFAULT_CRED"]),
    );
    assert_eq!(status(&v, "P1"), VerdictStatus::NotVerifiableRemotely);
    assert_eq!(v[0].findings, ["COMM.CLEARTEXT_ADMIN"]);
}

#[test]
fn pass_needs_remote_complete_and_every_bearing_check_run() {
    let b = custom();
    let v = assess(
        &b,
        &[],
        &ran(&["COMM.CLEARTEXT_ADMIN", "AUTH.DEFAULT_CRED"]),
    );
    assert_eq!(status(&v, "P1"), VerdictStatus::Pass);
    // P2 ran clean but is not remote_complete: no silent pass.
    assert_eq!(status(&v, "P2"), VerdictStatus::NotVerifiableRemotely);
    // P3 has no bearing check at all.
    assert_eq!(status(&v, "P3"), VerdictStatus::NotVerifiableRemotely);
    assert!(v.iter().all(|v| v.findings.is_empty()));
}

#[test]
fn checks_that_did_not_run_give_not_tested() {
    let b = custom();
    let v = assess(&b, &[], &ran(&["COMM.CLEARTEXT_ADMIN"]));
    assert_eq!(status(&v, "P1"), VerdictStatus::Pass);
    assert_eq!(
        status(&v, "P2"),
        VerdictStatus::NotTested,
        "credential checks disabled"
    );
    let v = assess(&b, &[], &[]);
    assert_eq!(
        status(&v, "P1"),
        VerdictStatus::NotTested,
        "host unreachable"
    );
    assert_eq!(status(&v, "P3"), VerdictStatus::NotVerifiableRemotely);
}

#[test]
fn partial_run_of_a_complete_provision_is_not_a_pass() {
    let text = CUSTOM.replace(
        "checks = [\"COMM.CLEARTEXT_ADMIN\"]",
        "checks = [\"COMM.CLEARTEXT_ADMIN\", \"AUTH.DEFAULT_CRED\"]",
    );
    let mut r = Registry::new();
    let b = r.add_toml(&text, "partial.toml").expect("parses");
    let v = assess(b, &[], &ran(&["COMM.CLEARTEXT_ADMIN"]));
    assert_eq!(status(&v, "P1"), VerdictStatus::NotVerifiableRemotely);
}

fn host_with_telnet() -> HostObservation {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 27, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let mut host = HostObservation::new([127, 0, 0, 1].into(), at);
    for (port, service) in [
        (23, camguard_model::Service::Telnet),
        (443, camguard_model::Service::Https),
    ] {
        host.endpoints.push(Endpoint {
            port,
            state: EndpointState::Open,
            service: Some(service),
            reason: "connected".into(),
        });
    }
    host.telnet.push(BannerObservation {
        port: 23,
        banner: "IPCam login:".into(),
    });
    host.http.push(HttpObservation {
        port: 443,
        tls: true,
        status: Some(200),
        ..Default::default()
    });
    host
}

#[test]
fn real_checks_feed_real_baseline_end_to_end() {
    let r = builtin();
    let q11 = r
        .in_force(chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"))
        .expect("in force");
    let outcome = run_checks(&host_with_telnet(), &CheckOptions::default());
    let v = assess(q11, &outcome.findings, &outcome.checks_run);
    assert_eq!(v.len(), q11.provisions.len());
    for prov in ["2.6.a", "2.6.c", "2.5.a", "2.5.c"] {
        assert_eq!(status(&v, prov), VerdictStatus::Fail, "{prov}");
    }
    // 2.1.a: the stream check ran (no RTSP at all) but default-cred did not (credential
    // checks off); one bearing check ran clean, not complete → not verifiable remotely.
    assert_eq!(status(&v, "2.1.a"), VerdictStatus::NotVerifiableRemotely);
    assert_eq!(status(&v, "2.6.b"), VerdictStatus::NotVerifiableRemotely);
    assert_eq!(status(&v, "2.3.e"), VerdictStatus::NotVerifiableRemotely);
    assert!(
        v.iter().all(|x| x.status != VerdictStatus::Pass),
        "never a silent pass"
    );

    let d724 = r.get("qd-724-2024").expect("724");
    let v = assess(d724, &outcome.findings, &outcome.checks_run);
    // Credential checks were off: provisions resting only on them were not tested.
    assert_eq!(status(&v, "724-2c"), VerdictStatus::NotTested);
    assert_eq!(status(&v, "724-7"), VerdictStatus::Fail);
    assert_eq!(status(&v, "724-1"), VerdictStatus::NotVerifiableRemotely);
}

#[test]
fn unreachable_host_gives_not_tested_or_not_verifiable_only() {
    let r = builtin();
    let at = Utc
        .with_ymd_and_hms(2026, 11, 27, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let dead = HostObservation::new([127, 0, 0, 2].into(), at);
    let outcome = run_checks(
        &dead,
        &CheckOptions {
            intrusive: true,
            stream_proof: true,
        },
    );
    for b in r.all() {
        for v in assess(b, &outcome.findings, &outcome.checks_run) {
            let p = b.provision(&v.provision).expect("provision");
            let expected = if p.checks.is_empty() {
                VerdictStatus::NotVerifiableRemotely
            } else {
                VerdictStatus::NotTested
            };
            assert_eq!(v.status, expected, "{} {}", b.id, p.id);
        }
    }
}
