//! Opt-in brute-force lockout test (`--lockout-test-account USER`): wrong passwords for one
//! named account on one login surface, then a look at whether the account is locked.
//!
//! - At most `failures + 1` logins per device (Decision 724: 5 failures, so 6), all within the
//!   policy window; each is logged at info level. The wrong password is random per host.
//! - The surface is the web UI's Basic/Digest login on `/` when there is one, else the first
//!   vendor login endpoint that exists (`data/scan/intrusive.toml`).
//! - Verification: with `--lockout-test-password` the last login uses the right password, so a
//!   refusal proves the lock and an acceptance proves there is none. Without it, a lock answer
//!   (or a changed answer after the threshold) proves the lock; identical refusals prove
//!   nothing (a silent lock looks the same) and leave the test undecided.
//! - The lock duration (5 minutes) is measured only with `--lockout-wait` (and the password):
//!   once the lock is proved, the test waits until shortly before the policy's lock time has
//!   passed since the lock began, then tries the right password once more; a login accepted
//!   then means the lock was released too early. Otherwise the test leaves the account locked
//!   for the device's lock time.

use crate::login_surface::{
    attempt, first_present, random_token, vendor_surfaces, web_auth_surface, Answer,
};
use crate::probe::HostCtx;
use camguard_model::{HostObservation, LockoutTest, LoginAttemptRecord};
use std::time::{Duration, Instant};

/// Settings of the lockout test.
#[derive(Clone)]
pub struct LockoutTestConfig {
    /// The test account the operator named (never guessed).
    pub account: String,
    /// Its right password, when the operator gives it: the final login then proves the lock.
    pub password: Option<String>,
    /// Failures the policy allows before the lock (Decision 724: 5).
    pub failures: u32,
    /// Window those failures must fall in (Decision 724: 30 s).
    pub window: Duration,
    /// With the password: after the lock, wait this long (from the lock's start) and check that
    /// the lock still holds (`--lockout-wait`: the policy's lock time less a margin).
    pub lock_wait: Option<Duration>,
}

impl std::fmt::Debug for LockoutTestConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockoutTestConfig")
            .field("account", &self.account)
            .field("password", &self.password.as_ref().map(|_| "<given>"))
            .field("failures", &self.failures)
            .field("window", &self.window)
            .field("lock_wait", &self.lock_wait)
            .finish()
    }
}

fn record(n: u32, start: Instant, credential: &str, a: &Answer) -> LoginAttemptRecord {
    LoginAttemptRecord {
        n,
        at_ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
        credential: credential.into(),
        status: a.status,
        outcome: a.outcome.into(),
        response: a.response.clone(),
    }
}

/// Failed logins the earlier opt-in steps of this scan made to the host (all within seconds,
/// so inside any policy window).
fn prior_failures(obs: &HostObservation) -> u32 {
    let credentials = obs
        .credential_attempts
        .iter()
        .filter(|a| !a.accepted)
        .count();
    let enumeration = obs.user_enumeration.as_ref().map_or(0, |e| {
        e.responses.iter().filter(|r| r.status.is_some()).count()
    });
    let cve = obs
        .cve_confirmations
        .iter()
        .filter(|c| c.method == "rpc2_netkeyboard_bypass" && c.confirmed == Some(false))
        .count();
    u32::try_from(credentials + enumeration + cve).unwrap_or(u32::MAX)
}

/// Run the test on one host (`None` when it is not enabled).
pub(crate) async fn lockout_test(ctx: &HostCtx, obs: &HostObservation) -> Option<LockoutTest> {
    let cfg = ctx.cfg.lockout_test.as_ref()?;
    let failures = cfg.failures.max(1);
    let wrong = format!("cg-{}", random_token(16));
    let mut test = LockoutTest {
        prior_failures: prior_failures(obs),
        username: cfg.account.clone(),
        threshold: failures,
        window_secs: cfg.window.as_secs(),
        verification: if cfg.password.is_some() {
            "correct_password".into()
        } else {
            "lock_response".into()
        },
        ..Default::default()
    };
    let candidates: Vec<_> = web_auth_surface(obs)
        .into_iter()
        .chain(vendor_surfaces(obs))
        .collect();
    tracing::info!(
        host = %ctx.ip, account = %cfg.account, threshold = failures,
        "lockout test: sending wrong passwords for the named account"
    );
    let start = Instant::now();
    let Some((surface, first)) = first_present(ctx, candidates, &cfg.account, &wrong).await else {
        test.note = Some("no login surface found".into());
        return Some(test);
    };
    test.surface = surface.id.clone();
    test.port = surface.port;
    test.path = surface.path.clone();
    let log = |n: u32, a: &Answer| {
        tracing::info!(
            host = %ctx.ip, surface = %surface.id, port = surface.port, attempt = n,
            status = ?a.status, outcome = a.outcome, "lockout test attempt"
        );
    };
    log(1, &first);
    test.attempts
        .push(record(1, start, "wrong_password", &first));
    let mut last = first.clone();
    for n in 2..=failures {
        if last.outcome != "refused" {
            break;
        }
        if start.elapsed() > cfg.window {
            test.note = Some("the failures did not fit in the policy window".into());
            return Some(test);
        }
        last = attempt(ctx, &surface, &cfg.account, &wrong).await;
        log(n, &last);
        test.attempts
            .push(record(n, start, "wrong_password", &last));
    }
    let sent = test.attempts.len() as u32;
    match last.outcome {
        "locked" => {
            test.locked = Some(true);
            test.locked_at_attempt = Some(sent);
            check_lock_held(ctx, cfg, &surface, start, &mut test).await;
            return Some(test);
        }
        "refused" => {}
        "accepted" => {
            test.note = Some("a wrong password was accepted".into());
            return Some(test);
        }
        other => {
            test.note = Some(format!("login surface stopped answering ({other})"));
            return Some(test);
        }
    }
    if start.elapsed() > cfg.window {
        test.note = Some("the failures did not fit in the policy window".into());
        return Some(test);
    }
    let n = sent + 1;
    let (credential, password) = match &cfg.password {
        Some(p) => ("correct_password", p.as_str()),
        None => ("wrong_password", wrong.as_str()),
    };
    let probe = attempt(ctx, &surface, &cfg.account, password).await;
    log(n, &probe);
    test.attempts.push(record(n, start, credential, &probe));
    match (cfg.password.is_some(), probe.outcome) {
        (_, "locked") => {
            test.locked = Some(true);
            test.locked_at_attempt = Some(n);
        }
        (true, "accepted") => test.locked = Some(false),
        (true, "refused") => {
            test.locked = Some(true);
            test.locked_at_attempt = Some(n);
            test.note = Some("the right password was refused after the failures".into());
        }
        (false, "refused")
            if (probe.status, &probe.response) != (first.status, &first.response) =>
        {
            test.locked = Some(true);
            test.locked_at_attempt = Some(n);
            test.note = Some("the answer changed after the threshold".into());
        }
        (false, "refused") => {
            test.note = Some(
                "no lock answer after the threshold; a silent lock cannot be told apart \
                 without --lockout-test-password"
                    .into(),
            );
        }
        (_, other) => test.note = Some(format!("verification login: {other}")),
    }
    if test.locked == Some(true) {
        check_lock_held(ctx, cfg, &surface, start, &mut test).await;
    }
    Some(test)
}

/// With `lock_wait` and the password: wait until `lock_wait` after the lock began, then try
/// the right password once; refused means the lock held that long.
async fn check_lock_held(
    ctx: &HostCtx,
    cfg: &LockoutTestConfig,
    surface: &crate::login_surface::Surface,
    start: Instant,
    test: &mut LockoutTest,
) {
    let (Some(wait), Some(password)) = (cfg.lock_wait, cfg.password.as_deref()) else {
        return;
    };
    // The lock began with the failure before the first locked answer at the latest; counting
    // from that earlier attempt can only make the check kinder to the device.
    let locked_at = test.locked_at_attempt.unwrap_or(1);
    let began_ms = test
        .attempts
        .iter()
        .find(|a| a.n + 1 == locked_at)
        .or_else(|| test.attempts.iter().find(|a| a.n == locked_at))
        .map_or(0, |a| a.at_ms);
    let until = start + Duration::from_millis(began_ms) + wait;
    tracing::info!(
        host = %ctx.ip, wait_secs = wait.as_secs(),
        "lockout test: waiting to see whether the lock still holds"
    );
    tokio::time::sleep_until(tokio::time::Instant::from_std(until)).await;
    let n = test.attempts.len() as u32 + 1;
    let a = attempt(ctx, surface, &cfg.account, password).await;
    tracing::info!(
        host = %ctx.ip, surface = %surface.id, attempt = n, status = ?a.status,
        outcome = a.outcome, "lockout test: login after the wait"
    );
    test.attempts.push(record(n, start, "correct_password", &a));
    test.lock_waited_secs = Some(wait.as_secs());
    test.lock_held = match a.outcome {
        "accepted" => Some(false),
        "refused" | "locked" => Some(true),
        _ => None,
    };
}
