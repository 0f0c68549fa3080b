//! The opt-in intrusive assessments of `camguard scan`: brute-force lockout test, user
//! enumeration test and safe CVE confirmations. Each is off unless its flag is given; what each
//! sends is described in README.md and in the scanner modules that send it.

use anyhow::{bail, Result};
use camguard_scan::{LockoutTestConfig, ScanConfig};
use clap::Args;
use std::time::Duration;

/// How much sooner than the policy's lock time `--lockout-wait` checks the lock (so a device
/// whose lock ends exactly on time is not misjudged by network delays).
const LOCK_WAIT_MARGIN_SECS: u64 = 10;

/// Intrusive, opt-in assessments of `camguard scan`.
#[derive(Args, Clone, Default)]
pub struct IntrusiveArgs {
    /// Opt-in, intrusive: brute-force lockout test of this named test account (Decision 724:
    /// 5 failures within 30 s must lock). Sends at most 6 logins per device with a random wrong
    /// password; the account may stay locked for the device's lock time (e.g. 5 minutes).
    #[arg(long, value_name = "USER")]
    pub lockout_test_account: Option<String>,
    /// The test account's right password: the last login of the lockout test uses it, so a
    /// refusal proves the lock and an acceptance proves there is none. Never stored.
    #[arg(long, value_name = "PASSWORD", requires = "lockout_test_account")]
    pub lockout_test_password: Option<String>,
    /// With the lockout test and its password: once the lock is proved, wait until shortly
    /// before Decision 724's lock time (5 minutes less 10 s) has passed and try the right
    /// password once more, to show the lock lasted. Holds that host's probe for ~5 minutes.
    #[arg(long, requires = "lockout_test_password")]
    pub lockout_wait: bool,
    /// Opt-in, intrusive: user enumeration test (three failed logins: a random user, the
    /// --enumeration-account, the random user again; answers compared).
    #[arg(long)]
    pub check_user_enumeration: bool,
    /// The existing account the user enumeration test compares against.
    #[arg(
        long,
        value_name = "USER",
        default_value = "admin",
        requires = "check_user_enumeration"
    )]
    pub enumeration_account: Option<String>,
    /// Opt-in, intrusive: safe confirmations of CVE-2017-7921 (Hikvision, read-only device
    /// information), CVE-2021-33044 (Dahua, a login then an immediate logout) and the presence
    /// of CVE-2021-36260's endpoint (one GET; never a PUT).
    #[arg(long)]
    pub confirm_cves: bool,
}

impl std::fmt::Debug for IntrusiveArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrusiveArgs")
            .field("lockout_test_account", &self.lockout_test_account)
            .field(
                "lockout_test_password",
                &self.lockout_test_password.as_ref().map(|_| "<given>"),
            )
            .field("check_user_enumeration", &self.check_user_enumeration)
            .field("enumeration_account", &self.enumeration_account)
            .field("lockout_wait", &self.lockout_wait)
            .field("confirm_cves", &self.confirm_cves)
            .finish()
    }
}

impl IntrusiveArgs {
    /// Set the scanner's intrusive options; every one that is on is logged.
    pub fn apply(&self, config: &mut ScanConfig) -> Result<()> {
        if let Some(account) = &self.lockout_test_account {
            if account.trim().is_empty() {
                bail!("--lockout-test-account needs a user name");
            }
            let policy = camguard_checks::lockout_policy();
            tracing::info!(
                account = %account,
                failures = policy.failures,
                window_secs = policy.window_secs,
                with_password = self.lockout_test_password.is_some(),
                "intrusive check enabled: brute-force lockout test of the named account"
            );
            config.lockout_test = Some(LockoutTestConfig {
                account: account.clone(),
                password: self.lockout_test_password.clone(),
                failures: policy.failures,
                window: Duration::from_secs(policy.window_secs),
                lock_wait: self.lockout_wait.then(|| {
                    Duration::from_secs(policy.lock_secs.saturating_sub(LOCK_WAIT_MARGIN_SECS))
                }),
            });
        }
        if self.check_user_enumeration {
            let account = self
                .enumeration_account
                .clone()
                .unwrap_or_else(|| "admin".into());
            tracing::info!(account = %account, "intrusive check enabled: user enumeration test");
            config.user_enumeration = Some(account);
        }
        if self.confirm_cves {
            tracing::info!("intrusive check enabled: safe CVE confirmations");
            config.confirm_cves = true;
        }
        Ok(())
    }

    /// The options as stored with the scan (no password).
    pub fn options(&self) -> serde_json::Value {
        serde_json::json!({
            "lockout_test_account": self.lockout_test_account,
            "lockout_test_with_password": self.lockout_test_password.is_some(),
            "lockout_wait": self.lockout_wait,
            "check_user_enumeration": self.check_user_enumeration,
            "confirm_cves": self.confirm_cves,
        })
    }
}
