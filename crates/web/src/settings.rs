//! Administrator settings: organisation name (report covers), default baseline and report
//! language, session idle timeout and the defaults of dashboard scans. Stored by key in the
//! `settings` table; a key never written (or holding a value out of bounds) reads as its default.

use crate::error::{ApiError, Problem};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Shortest and longest session idle timeout an administrator may set, in minutes.
pub const IDLE_MINUTES: (i64, i64) = (5, 240);
/// Bounds of the scan rate (new connections per second).
pub const SCAN_RATE: (i64, i64) = (1, 5000);
/// Bounds of the scan concurrency (connections in flight).
pub const SCAN_CONCURRENCY: (i64, i64) = (1, 1024);
/// Longest organisation name.
const MAX_ORGANISATION: usize = 200;

/// The settings in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Organisation named on report covers (empty: none).
    pub organisation: String,
    /// Baseline of reports and compliance when none is asked for, and of dashboard scans
    /// (none: that of the newest scan, else the one in force).
    pub default_baseline: Option<String>,
    /// Report language when none is asked for: `vi` or `en`.
    pub default_lang: String,
    /// Minutes without a request after which a session ends.
    pub session_idle_minutes: i64,
    /// New connections per second of a dashboard scan.
    pub scan_rate: i64,
    /// Connections in flight of a dashboard scan.
    pub scan_concurrency: i64,
}

/// A change: each present field replaces the setting (`default_baseline: ""` clears it).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsUpdate {
    organisation: Option<String>,
    default_baseline: Option<String>,
    default_lang: Option<String>,
    session_idle_minutes: Option<i64>,
    scan_rate: Option<i64>,
    scan_concurrency: Option<i64>,
}

impl Settings {
    /// The defaults (idle timeout from the sign-in policy).
    pub fn defaults(state: &AppState) -> Settings {
        Settings {
            organisation: String::new(),
            default_baseline: None,
            default_lang: "vi".into(),
            session_idle_minutes: (state.policy.session.idle_timeout_secs / 60)
                .clamp(IDLE_MINUTES.0, IDLE_MINUTES.1),
            scan_rate: 500,
            scan_concurrency: 64,
        }
    }

    /// The stored settings over the defaults; stored values that are no longer valid (out of
    /// bounds, an unknown baseline) are ignored.
    pub async fn load(state: &AppState) -> Result<Settings, ApiError> {
        let stored = state.store.settings().await?;
        let mut s = Settings::defaults(state);
        let update: SettingsUpdate = SettingsUpdate {
            organisation: stored
                .get("organisation")
                .and_then(Value::as_str)
                .map(str::to_owned),
            default_baseline: stored
                .get("default_baseline")
                .and_then(Value::as_str)
                .map(str::to_owned),
            default_lang: stored
                .get("default_lang")
                .and_then(Value::as_str)
                .map(str::to_owned),
            session_idle_minutes: stored.get("session_idle_minutes").and_then(Value::as_i64),
            scan_rate: stored.get("scan_rate").and_then(Value::as_i64),
            scan_concurrency: stored.get("scan_concurrency").and_then(Value::as_i64),
        };
        // Field by field, so one bad stored value does not hide the others.
        for one in update.split() {
            if let Ok(next) = s.apply(one, state) {
                s = next;
            }
        }
        Ok(s)
    }

    /// These settings changed by `u`, or the first reason it is refused.
    pub fn apply(&self, u: SettingsUpdate, state: &AppState) -> Result<Settings, ApiError> {
        let mut s = self.clone();
        if let Some(o) = u.organisation {
            if o.len() > MAX_ORGANISATION {
                return Err(ApiError::new(
                    Problem::BadLength,
                    format!("organisation: at most {MAX_ORGANISATION} characters"),
                ));
            }
            s.organisation = o.trim().to_owned();
        }
        if let Some(b) = u.default_baseline {
            let b = b.trim();
            if b.is_empty() {
                s.default_baseline = None;
            } else if state.baselines.get(b).is_none() {
                return Err(ApiError::new(
                    Problem::UnknownBaseline,
                    format!("unknown baseline {b:?}"),
                ));
            } else {
                s.default_baseline = Some(b.to_owned());
            }
        }
        if let Some(l) = u.default_lang {
            if l != "vi" && l != "en" {
                return Err(ApiError::new(Problem::BadLang, "default_lang is vi or en"));
            }
            s.default_lang = l;
        }
        let bounded = |name: &str, v: i64, (lo, hi): (i64, i64)| {
            if (lo..=hi).contains(&v) {
                Ok(v)
            } else {
                Err(ApiError::new(
                    Problem::OutOfRange,
                    format!("{name} is {lo} to {hi}"),
                ))
            }
        };
        if let Some(m) = u.session_idle_minutes {
            s.session_idle_minutes = bounded("session_idle_minutes", m, IDLE_MINUTES)?;
        }
        if let Some(r) = u.scan_rate {
            s.scan_rate = bounded("scan_rate", r, SCAN_RATE)?;
        }
        if let Some(c) = u.scan_concurrency {
            s.scan_concurrency = bounded("scan_concurrency", c, SCAN_CONCURRENCY)?;
        }
        Ok(s)
    }

    /// The settings as stored (by key).
    pub fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }
}

/// The session idle timeout in force (the policy's when the settings cannot be read).
pub async fn idle_timeout(state: &AppState) -> chrono::Duration {
    match Settings::load(state).await {
        Ok(s) => chrono::Duration::minutes(s.session_idle_minutes),
        Err(_) => chrono::Duration::seconds(state.policy.session.idle_timeout_secs),
    }
}

impl SettingsUpdate {
    /// One update per present field.
    fn split(self) -> Vec<SettingsUpdate> {
        let mut out = Vec::new();
        let none = SettingsUpdate::default;
        if self.organisation.is_some() {
            out.push(SettingsUpdate {
                organisation: self.organisation,
                ..none()
            });
        }
        if self.default_baseline.is_some() {
            out.push(SettingsUpdate {
                default_baseline: self.default_baseline,
                ..none()
            });
        }
        if self.default_lang.is_some() {
            out.push(SettingsUpdate {
                default_lang: self.default_lang,
                ..none()
            });
        }
        if self.session_idle_minutes.is_some() {
            out.push(SettingsUpdate {
                session_idle_minutes: self.session_idle_minutes,
                ..none()
            });
        }
        if self.scan_rate.is_some() {
            out.push(SettingsUpdate {
                scan_rate: self.scan_rate,
                ..none()
            });
        }
        if self.scan_concurrency.is_some() {
            out.push(SettingsUpdate {
                scan_concurrency: self.scan_concurrency,
                ..none()
            });
        }
        out
    }
}
