//! Brute-force protection of one device: after `failures` failed logins within `window_secs`
//! the device refuses every login (even the right password) for `lock_secs`. Decision 724's
//! default is 5 failures / 30 s / 5 minutes. Failures count across HTTP, RTSP and ONVIF (one
//! [`Lockout`] per device). Time comes from an injectable [`Clock`].

use crate::clock::Clock;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Thresholds of a lockout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LockoutPolicy {
    /// Failed logins that trigger the lock.
    pub failures: u32,
    /// Window in which those failures must fall, in seconds.
    pub window_secs: u64,
    /// How long the lock lasts, in seconds.
    pub lock_secs: u64,
}

impl LockoutPolicy {
    /// Decision 724's default: lock for 5 minutes after 5 failed logins within 30 s.
    pub const QD724: LockoutPolicy = LockoutPolicy {
        failures: 5,
        window_secs: 30,
        lock_secs: 300,
    };
}

/// What a failed login did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// No lockout on this device.
    Unlimited,
    /// Still open; this many failures left before the lock.
    AttemptsLeft(u32),
    /// The device is (now) locked for this long.
    Locked(Duration),
}

#[derive(Debug, Default)]
struct State {
    failures: VecDeque<Instant>,
    locked_until: Option<Instant>,
}

/// A device's lockout state.
#[derive(Debug)]
pub struct Lockout {
    policy: Option<LockoutPolicy>,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

impl Lockout {
    /// A lockout with `policy` (`None`: never locks) reading time from `clock`.
    pub fn new(policy: Option<LockoutPolicy>, clock: Arc<dyn Clock>) -> Lockout {
        Lockout {
            policy,
            clock,
            state: Mutex::new(State::default()),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> Option<LockoutPolicy> {
        self.policy
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remaining lock time, or `None` when logins are accepted.
    pub fn locked(&self) -> Option<Duration> {
        self.policy?;
        let now = self.clock.now();
        let mut st = self.state();
        match st.locked_until {
            Some(until) if until > now => Some(until - now),
            Some(_) => {
                st.locked_until = None;
                None
            }
            None => None,
        }
    }

    /// Failures left before the lock (`None` without a policy or while locked).
    pub fn attempts_left(&self) -> Option<u32> {
        let policy = self.policy?;
        if self.locked().is_some() {
            return None;
        }
        let now = self.clock.now();
        let mut st = self.state();
        prune(&mut st.failures, now, policy);
        Some(policy.failures.saturating_sub(st.failures.len() as u32))
    }

    /// Record a failed login (ignored while locked: the lock is not extended).
    pub fn fail(&self) -> AfterFailure {
        let Some(policy) = self.policy else {
            return AfterFailure::Unlimited;
        };
        if let Some(left) = self.locked() {
            return AfterFailure::Locked(left);
        }
        let now = self.clock.now();
        let mut st = self.state();
        prune(&mut st.failures, now, policy);
        st.failures.push_back(now);
        if st.failures.len() as u32 >= policy.failures.max(1) {
            st.failures.clear();
            let lock = Duration::from_secs(policy.lock_secs);
            st.locked_until = Some(now + lock);
            tracing::debug!(lock_secs = policy.lock_secs, "device locked");
            return AfterFailure::Locked(lock);
        }
        AfterFailure::AttemptsLeft(policy.failures - st.failures.len() as u32)
    }
}

/// Forget failures older than the window; keep at most `failures` entries.
fn prune(failures: &mut VecDeque<Instant>, now: Instant, policy: LockoutPolicy) {
    let window = Duration::from_secs(policy.window_secs);
    while failures
        .front()
        .is_some_and(|&t| now.saturating_duration_since(t) > window)
    {
        failures.pop_front();
    }
    while failures.len() as u32 >= policy.failures.max(1) {
        failures.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn qd724() -> (Arc<ManualClock>, Lockout) {
        let clock = Arc::new(ManualClock::new());
        let l = Lockout::new(Some(LockoutPolicy::QD724), clock.clone());
        (clock, l)
    }

    #[test]
    fn four_failures_do_not_lock() {
        let (clock, l) = qd724();
        for left in [4, 3, 2, 1] {
            assert_eq!(l.fail(), AfterFailure::AttemptsLeft(left));
            clock.advance(Duration::from_secs(1));
        }
        assert_eq!(l.locked(), None);
        assert_eq!(l.attempts_left(), Some(1));
    }

    #[test]
    fn five_failures_within_30s_lock_for_5_minutes() {
        let (clock, l) = qd724();
        for _ in 0..4 {
            l.fail();
            clock.advance(Duration::from_secs(7)); // last failure at t = 28 s
        }
        assert_eq!(l.fail(), AfterFailure::Locked(Duration::from_secs(300)));
        assert_eq!(l.locked(), Some(Duration::from_secs(300)));
        clock.advance(Duration::from_secs(299));
        assert_eq!(l.locked(), Some(Duration::from_secs(1)));
        // Failures during the lock neither extend it nor count afterwards.
        assert_eq!(l.fail(), AfterFailure::Locked(Duration::from_secs(1)));
        clock.advance(Duration::from_secs(1));
        assert_eq!(l.locked(), None);
        assert_eq!(l.attempts_left(), Some(5));
    }

    #[test]
    fn five_failures_spread_over_more_than_30s_do_not_lock() {
        let (clock, l) = qd724();
        for _ in 0..4 {
            l.fail();
            clock.advance(Duration::from_secs(8));
        }
        // t = 32 s: the first failure (t = 0) has left the window.
        assert_eq!(l.fail(), AfterFailure::AttemptsLeft(1));
        assert_eq!(l.locked(), None);
        // Many slow failures never lock.
        for _ in 0..20 {
            clock.advance(Duration::from_secs(31));
            assert!(matches!(l.fail(), AfterFailure::AttemptsLeft(_)));
        }
    }

    #[test]
    fn no_policy_never_locks() {
        let l = Lockout::new(None, Arc::new(ManualClock::new()));
        for _ in 0..100 {
            assert_eq!(l.fail(), AfterFailure::Unlimited);
        }
        assert_eq!(l.locked(), None);
        assert_eq!(l.attempts_left(), None);
    }

    #[test]
    fn custom_thresholds_apply() {
        let clock = Arc::new(ManualClock::new());
        let l = Lockout::new(
            Some(LockoutPolicy {
                failures: 2,
                window_secs: 5,
                lock_secs: 10,
            }),
            clock.clone(),
        );
        l.fail();
        clock.advance(Duration::from_secs(6));
        assert_eq!(l.fail(), AfterFailure::AttemptsLeft(1));
        assert_eq!(l.fail(), AfterFailure::Locked(Duration::from_secs(10)));
    }
}
