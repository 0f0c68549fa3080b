//! The opt-in intrusive assessments (lockout test, user enumeration, CVE confirmations) against
//! lab devices built with and without each weakness, and proof from the lab's request logs that
//! none of them sends a request unless enabled.

mod lab_support;

use camguard_lab::{Lab, Manifest};
use camguard_model::HostObservation;
use camguard_scan::{probe_one, LockoutTestConfig, ScanConfig};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

const OFFSET: u16 = 21_000;
const PASSWORD: &str = "Tester-Pass1";

const LAB: &str = r#"
seed = 11
[[device]]
id = "hik-lock"
personality = "hikvision"
username = "tester"
password = "Tester-Pass1"
lockout = "qd724"
[[device]]
id = "hik-nolock"
personality = "hikvision"
username = "tester"
password = "Tester-Pass1"
[[device]]
id = "hik-leaky"
personality = "hikvision"
login_messages = "leaky"
[[device]]
id = "onvif-uniform"
personality = "generic_onvif"
web_auth = "digest"
login_messages = "generic"
[[device]]
id = "hik-vuln"
personality = "hikvision"
firmware = "V5.4.5 build 170124"
cve_2017_7921 = true
[[device]]
id = "hik-patched"
personality = "hikvision"
firmware = "V5.5.800 build 210628"
[[device]]
id = "dahua-vuln"
personality = "dahua"
firmware = "2.622.0000000.31.R, Build Date 2019-04-12"
cve_2021_33044 = true
[[device]]
id = "dahua-patched"
personality = "dahua"
firmware = "2.800.0000016.0.R, Build Date 2022-08-26"
"#;

/// Paths only the intrusive assessments ask for.
const INTRUSIVE_PATHS: [&str; 6] = [
    "/System/deviceInfo",
    "/SDK/webLanguage",
    "/RPC2_Login",
    "/RPC2",
    "/ISAPI/Security/userCheck",
    "/login",
];

fn config_for(manifest: &Manifest) -> ScanConfig {
    let (ports, overrides) = lab_support::classic_probes(manifest);
    ScanConfig {
        udp_probes: Vec::new(),
        vendor_hint: Some(lab_support::manifest_vendors(manifest)),
        ..lab_support::lab_config(ports, overrides)
    }
}

async fn probe(lab: &Lab, id: &str, cfg: &ScanConfig) -> HostObservation {
    let d = lab.manifest().device(id).expect("device");
    probe_one(IpAddr::V4(d.address), Arc::new(cfg.clone())).await
}

fn lockout(password: Option<&str>) -> Option<LockoutTestConfig> {
    Some(LockoutTestConfig {
        account: "tester".into(),
        password: password.map(Into::into),
        failures: 5,
        window: Duration::from_secs(30),
        lock_wait: None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_test_tells_a_locking_device_from_one_without_lockout() {
    let lab = lab_support::start_lab(LAB, OFFSET).await;
    let mut cfg = config_for(lab.manifest());
    cfg.lockout_test = lockout(Some(PASSWORD));

    let locked = probe(&lab, "hik-lock", &cfg)
        .await
        .lockout_test
        .expect("ran");
    assert_eq!(locked.surface, "http_digest");
    assert_eq!(locked.locked, Some(true), "{locked:?}");
    // The fifth failure locks (Decision 724): the right password is never sent.
    assert_eq!(locked.locked_at_attempt, Some(5), "{locked:?}");
    assert_eq!(locked.attempts.len(), 5);
    assert!(locked
        .attempts
        .iter()
        .all(|a| a.credential == "wrong_password"));

    let open = probe(&lab, "hik-nolock", &cfg)
        .await
        .lockout_test
        .expect("ran");
    assert_eq!(open.locked, Some(false), "{open:?}");
    assert_eq!(open.attempts.len(), 6, "threshold + 1 attempts at most");
    assert_eq!(open.attempts[5].credential, "correct_password");
    assert_eq!(open.attempts[5].outcome, "accepted");
    assert!(open.attempts.iter().all(|a| a.at_ms < 30_000));
    // No password in the observation.
    let text = serde_json::to_string(&open).expect("json");
    assert!(!text.contains(PASSWORD));
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_test_without_the_password_decides_only_on_a_lock_answer() {
    let lab = lab_support::start_lab(LAB, OFFSET + 1000).await;
    let mut cfg = config_for(lab.manifest());
    cfg.lockout_test = lockout(None);
    let locked = probe(&lab, "hik-lock", &cfg)
        .await
        .lockout_test
        .expect("ran");
    assert_eq!(locked.locked, Some(true), "{locked:?}");
    assert_eq!(
        locked.attempts.last().map(|a| a.outcome.as_str()),
        Some("locked")
    );
    let open = probe(&lab, "hik-nolock", &cfg)
        .await
        .lockout_test
        .expect("ran");
    assert_eq!(
        open.locked, None,
        "identical refusals prove nothing: {open:?}"
    );
    assert_eq!(open.attempts.len(), 6);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lockout_test_counts_the_failures_of_the_enumeration_before_it() {
    let lab = lab_support::start_lab(LAB, OFFSET + 6000).await;
    let mut cfg = config_for(lab.manifest());
    cfg.lockout_test = lockout(Some(PASSWORD));
    cfg.user_enumeration = Some("tester".into());
    let o = probe(&lab, "hik-lock", &cfg).await;
    let t = o.lockout_test.expect("ran");
    // Three failed logins of the enumeration, then the lock at the test's second.
    assert_eq!(t.prior_failures, 3, "{t:?}");
    assert_eq!(
        (t.locked, t.locked_at_attempt),
        (Some(true), Some(2)),
        "{t:?}"
    );
    lab.shutdown().await;
}

/// A device still locked by an earlier test is reported locked at the first login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_already_locked_is_reported_locked_at_once() {
    let lab = lab_support::start_lab(LAB, OFFSET + 7000).await;
    let mut cfg = config_for(lab.manifest());
    cfg.lockout_test = lockout(None);
    let first = probe(&lab, "hik-lock", &cfg)
        .await
        .lockout_test
        .expect("ran");
    assert_eq!(first.locked, Some(true), "{first:?}");
    let again = probe(&lab, "hik-lock", &cfg)
        .await
        .lockout_test
        .expect("ran");
    assert_eq!(
        (again.locked, again.locked_at_attempt),
        (Some(true), Some(1)),
        "{again:?}"
    );
    assert_eq!(again.attempts.len(), 1);
    lab.shutdown().await;
}

/// Two devices locking for 1 s and for 30 s; the wait checks the lock 3 s after it began.
const SHORT_LOCK_LAB: &str = r#"
seed = 12
[[device]]
id = "short-lock"
personality = "hikvision"
username = "tester"
password = "Tester-Pass1"
lockout = "qd724"
lockout_secs = 1
[[device]]
id = "long-lock"
personality = "hikvision"
username = "tester"
password = "Tester-Pass1"
lockout = "qd724"
lockout_secs = 30
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_wait_tells_a_lock_released_too_early() {
    let lab = lab_support::start_lab(SHORT_LOCK_LAB, OFFSET + 5000).await;
    let mut cfg = config_for(lab.manifest());
    cfg.lockout_test = Some(LockoutTestConfig {
        lock_wait: Some(Duration::from_secs(3)),
        ..lockout(Some(PASSWORD)).expect("config")
    });
    let short = probe(&lab, "short-lock", &cfg)
        .await
        .lockout_test
        .expect("ran");
    assert_eq!(short.locked, Some(true), "{short:?}");
    assert_eq!(
        short.lock_held,
        Some(false),
        "released after 1 s: {short:?}"
    );
    assert_eq!(short.lock_waited_secs, Some(3));
    let last = short.attempts.last().expect("attempts");
    assert_eq!(
        (last.credential.as_str(), last.outcome.as_str()),
        ("correct_password", "accepted")
    );
    assert!(last.at_ms >= 3000, "{last:?}");
    let long = probe(&lab, "long-lock", &cfg)
        .await
        .lockout_test
        .expect("ran");
    assert_eq!(long.lock_held, Some(true), "{long:?}");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_enumeration_flags_leaky_login_messages_only() {
    let lab = lab_support::start_lab(LAB, OFFSET + 2000).await;
    let mut cfg = config_for(lab.manifest());
    cfg.user_enumeration = Some("admin".into());
    let leaky = probe(&lab, "hik-leaky", &cfg)
        .await
        .user_enumeration
        .expect("ran");
    assert_eq!(leaky.surface, "isapi_usercheck");
    assert!(leaky.stable && leaky.distinguishes, "{leaky:?}");
    let uniform = probe(&lab, "onvif-uniform", &cfg)
        .await
        .user_enumeration
        .expect("ran");
    assert_eq!(uniform.surface, "form_login");
    assert!(uniform.stable && !uniform.distinguishes, "{uniform:?}");
    // No vendor login endpoint: the web UI's Digest login, whose refusals are uniform.
    let plain = probe(&lab, "hik-patched", &cfg)
        .await
        .user_enumeration
        .expect("ran");
    assert_eq!(plain.surface, "http_digest");
    assert!(plain.stable && !plain.distinguishes, "{plain:?}");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cve_confirmations_tell_vulnerable_from_patched_and_log_out() {
    let lab = lab_support::start_lab(LAB, OFFSET + 3000).await;
    let mut cfg = config_for(lab.manifest());
    cfg.confirm_cves = true;
    let find = |o: &HostObservation, cve: &str| {
        o.cve_confirmations
            .iter()
            .find(|c| c.cve == cve)
            .cloned()
            .unwrap_or_else(|| panic!("{cve} not tried: {:?}", o.cve_confirmations))
    };
    let hv = probe(&lab, "hik-vuln", &cfg).await;
    let c = find(&hv, "CVE-2017-7921");
    assert_eq!(c.confirmed, Some(true), "{c:?}");
    assert_eq!(c.steps[0].status, Some(401));
    assert_eq!(c.steps[1].status, Some(200));
    assert!(c.steps[1].note.starts_with("DeviceInfo: "), "{c:?}");
    // Only element names: no model, serial or firmware value.
    let d = lab.manifest().device("hik-vuln").expect("device");
    let text = serde_json::to_string(&c).expect("json");
    assert!(
        !text.contains(&d.serial) && !text.contains(&d.model),
        "{text}"
    );
    let sdk = find(&hv, "CVE-2021-36260");
    assert_eq!(sdk.confirmed, None);
    assert_eq!(sdk.steps[0].status, Some(405));
    assert!(sdk.detail.starts_with("version-based"));
    assert!(!hv
        .cve_confirmations
        .iter()
        .any(|c| c.cve == "CVE-2021-33044"));

    let hp = probe(&lab, "hik-patched", &cfg).await;
    assert_eq!(find(&hp, "CVE-2017-7921").confirmed, Some(false));

    let dv = probe(&lab, "dahua-vuln", &cfg).await;
    let c = find(&dv, "CVE-2021-33044");
    assert_eq!(c.confirmed, Some(true), "{c:?}");
    assert_eq!(c.steps.len(), 3, "challenge, bypass, logout: {c:?}");
    assert!(c.steps[2].note.ends_with("done"), "{c:?}");
    assert!(!dv
        .cve_confirmations
        .iter()
        .any(|c| c.cve == "CVE-2017-7921"));
    let dp = probe(&lab, "dahua-patched", &cfg).await;
    assert_eq!(find(&dp, "CVE-2021-33044").confirmed, Some(false));

    // The Dahua probe sent exactly the two logins and the logout, nothing else of the RPC API.
    let rpc: Vec<String> = lab
        .requests("dahua-vuln")
        .into_iter()
        .filter(|l| l.contains("RPC2"))
        .collect();
    assert_eq!(rpc, ["POST /RPC2_Login", "POST /RPC2_Login", "POST /RPC2"]);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_opt_in_flags_no_intrusive_request_is_sent() {
    let lab = lab_support::start_lab(LAB, OFFSET + 4000).await;
    let cfg = config_for(lab.manifest());
    let ids: Vec<String> = lab
        .manifest()
        .devices
        .iter()
        .map(|d| d.id.clone())
        .collect();
    for id in &ids {
        let o = probe(&lab, id, &cfg).await;
        assert!(o.lockout_test.is_none() && o.user_enumeration.is_none());
        assert!(o.cve_confirmations.is_empty());
    }
    for id in &ids {
        let log = lab.requests(id);
        assert!(!log.is_empty(), "{id}: the default probes reach the lab");
        assert_eq!(lab.requests_dropped(id), 0, "{id}: request log full");
        for line in &log {
            let path = line.split(' ').nth(1).unwrap_or("");
            let path = path.split('?').next().unwrap_or("");
            assert!(!INTRUSIVE_PATHS.contains(&path), "{id}: {line}");
        }
    }
    lab.shutdown().await;
}
