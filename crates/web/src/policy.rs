//! The sign-in policy (`data/web/auth.toml`): lockout thresholds, password rules, session
//! idle timeout and body limit.

use serde::Deserialize;

const POLICY_TOML: &str = include_str!("../../../data/web/auth.toml");

/// Failed sign-in lockout thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Lockout {
    /// Failures that lock the account ...
    pub failures: u32,
    /// ... when they fall within this many seconds ...
    pub window_secs: i64,
    /// ... for this many seconds.
    pub lock_secs: i64,
}

/// Rules for passwords set through the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct PasswordRule {
    /// Minimum length in characters.
    pub min_length: usize,
    /// Character classes (lower, upper, digit, other) that must all be present when 4.
    pub classes: usize,
}

/// Session settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct SessionRule {
    /// Idle timeout in seconds.
    pub idle_timeout_secs: i64,
}

/// Request limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Limits {
    /// Largest request body in bytes.
    pub body_bytes: usize,
}

/// The whole policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Policy {
    /// Lockout thresholds.
    pub lockout: Lockout,
    /// Password rule.
    pub password: PasswordRule,
    /// Session rule.
    pub session: SessionRule,
    /// Request limits.
    pub limits: Limits,
}

impl Policy {
    /// The built-in policy file.
    pub fn builtin() -> Policy {
        // The file is embedded and covered by a test; a broken edit fails that test.
        toml::from_str(POLICY_TOML).unwrap_or(Policy {
            lockout: Lockout {
                failures: 5,
                window_secs: 30,
                lock_secs: 300,
            },
            password: PasswordRule {
                min_length: 8,
                classes: 4,
            },
            session: SessionRule {
                idle_timeout_secs: 1800,
            },
            limits: Limits {
                body_bytes: 1 << 20,
            },
        })
    }

    /// Why `password` breaks the rule, or `None` when it is acceptable.
    pub fn password_problem(&self, password: &str) -> Option<String> {
        let rule = self.password;
        if password.chars().count() < rule.min_length {
            return Some(format!(
                "the password needs at least {} characters",
                rule.min_length
            ));
        }
        let classes = [
            password.chars().any(|c| c.is_lowercase()),
            password.chars().any(|c| c.is_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_alphanumeric()),
        ];
        let present = classes.iter().filter(|&&b| b).count();
        (present < rule.classes).then(|| {
            "the password needs upper-case and lower-case letters, digits and special characters"
                .to_owned()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_file_parses_with_the_decision_724_thresholds() {
        let parsed: Policy = toml::from_str(POLICY_TOML).expect("data/web/auth.toml parses");
        assert_eq!(
            parsed.lockout,
            Lockout {
                failures: 5,
                window_secs: 30,
                lock_secs: 300
            }
        );
        assert_eq!(Policy::builtin(), parsed);
        assert!(POLICY_TOML.matches("source = ").count() >= 4);
    }

    #[test]
    fn password_rule_needs_length_and_four_classes() {
        let p = Policy::builtin();
        assert!(p.password_problem("Ab1!").is_some());
        assert!(p.password_problem("abcdefgh1!").is_some());
        assert!(p.password_problem("Abcdefgh1!").is_none());
    }
}
