//! What the opt-in intrusive assessments saw: the brute-force lockout test, the user
//! enumeration test and the safe CVE confirmations.
//!
//! None of these is filled by a default scan. Passwords are never stored: attempts keep their
//! number, time, status and a normalised, bounded excerpt of the answer.

use serde::{Deserialize, Serialize};

/// One login attempt of the lockout test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginAttemptRecord {
    /// 1-based number of the attempt.
    pub n: u32,
    /// Milliseconds since the first attempt was sent.
    pub at_ms: u64,
    /// `wrong_password` (a deliberately random wrong password) or `correct_password` (the one
    /// the operator supplied, sent only as the final verification).
    pub credential: String,
    /// HTTP status of the answer, when one came.
    pub status: Option<u16>,
    /// `refused`, `locked`, `accepted` or `error`.
    pub outcome: String,
    /// Normalised, bounded excerpt of the answer (nonces, counters and dates removed).
    pub response: String,
}

/// The brute-force lockout test of one named account on one login surface.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutTest {
    /// Login surface used: `http_digest`, `http_basic`, `isapi_usercheck`, `rpc2_login`,
    /// `form_login`.
    pub surface: String,
    /// Port of the surface.
    pub port: u16,
    /// Path of the surface.
    pub path: String,
    /// The test account the operator named.
    pub username: String,
    /// Failures the policy allows before the lock (Decision 724: 5).
    pub threshold: u32,
    /// Window those failures must fall in, seconds (Decision 724: 30).
    pub window_secs: u64,
    /// Every attempt made, in order (at most `threshold + 1`).
    pub attempts: Vec<LoginAttemptRecord>,
    /// How the lock was verified: `correct_password` (the supplied password was tried last) or
    /// `lock_response` (a lock answer was looked for).
    pub verification: String,
    /// `Some(true)`: the account was shown locked; `Some(false)`: shown not locked after the
    /// threshold; `None`: the test could not decide (see `note`).
    pub locked: Option<bool>,
    /// Number of the first attempt that was answered as locked.
    pub locked_at_attempt: Option<u32>,
    /// Why the test stopped or could not decide.
    pub note: Option<String>,
    /// Failed logins camguard itself made to the device earlier in this scan, just before the
    /// test (credential check, user enumeration, a refused CVE-2021-33044 confirmation): a
    /// device that counts them locks sooner, so a lock is judged on them plus the test's own.
    #[serde(default)]
    pub prior_failures: u32,
    /// With `--lockout-wait`: seconds waited after the lock began before the right password
    /// was tried again.
    #[serde(default)]
    pub lock_waited_secs: Option<u64>,
    /// With `--lockout-wait`: `Some(true)` when the lock still held after the wait (the right
    /// password was refused), `Some(false)` when it was released before.
    #[serde(default)]
    pub lock_held: Option<bool>,
}

/// One answer of the user enumeration test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumerationResponse {
    /// `nonexistent` (a random user name) or `named` (the account that exists).
    pub user: String,
    /// HTTP status.
    pub status: Option<u16>,
    /// Normalised, bounded excerpt of the answer.
    pub response: String,
}

/// The user enumeration test: wrong-password logins for a surely nonexistent user and for a
/// named account, compared after normalisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumerationTest {
    /// Login surface (as in [`LockoutTest::surface`]).
    pub surface: String,
    /// Port of the surface.
    pub port: u16,
    /// Path of the surface.
    pub path: String,
    /// The account compared against the random one.
    pub named_user: String,
    /// Answers in the order sent: nonexistent, named, nonexistent again.
    pub responses: Vec<EnumerationResponse>,
    /// The two answers for the nonexistent user agree (the device did not change state, e.g.
    /// lock, in between); without that the comparison proves nothing.
    pub stable: bool,
    /// The named account's answer differs from the nonexistent user's.
    pub distinguishes: bool,
}

/// One request of a CVE confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeStep {
    /// HTTP method.
    pub method: String,
    /// Path sent (query values that are credentials are masked).
    pub path: String,
    /// Status answered, when one came.
    pub status: Option<u16>,
    /// What the answer showed (element names, RPC result), never a body.
    pub note: String,
}

/// A safe, non-destructive confirmation of one CVE on one host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CveConfirmation {
    /// CVE id.
    pub cve: String,
    /// Port probed.
    pub port: u16,
    /// Method: `auth_param_bypass`, `rpc2_netkeyboard_bypass`, `endpoint_presence`.
    pub method: String,
    /// Requests made, in order.
    pub steps: Vec<ProbeStep>,
    /// `Some(true)`: confirmed; `Some(false)`: the flaw did not work; `None`: not decidable
    /// (presence tests never confirm).
    pub confirmed: Option<bool>,
    /// One-line explanation.
    pub detail: String,
}
