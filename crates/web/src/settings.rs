//! Administrator settings: organisation name (report covers), default baseline and report
//! language, session idle timeout and the defaults of dashboard scans. Stored by key in the
//! `settings` table; a key never written (or holding a value out of bounds) reads as its default.
//! The server keeps them in memory ([`SettingsCache`]): read from the database once (at start,
//! or by the first request that needs them), replaced by every successful update.

use crate::error::{ApiError, Problem};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::{Arc, RwLock};

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

    /// The settings in force: the server's snapshot, read from the database the first time.
    pub async fn current(state: &AppState) -> Result<Arc<Settings>, ApiError> {
        if let Some(s) = state.settings.get() {
            return Ok(s);
        }
        let loaded = Arc::new(Settings::load(state).await?);
        // An update that raced this first read wins: it holds the newer settings.
        Ok(state.settings.fill(loaded))
    }

    /// Apply `u` to the settings in force, store the result as `by` and make it the server's
    /// snapshot; updates are serialised so none is lost.
    pub async fn update(
        state: &AppState,
        u: SettingsUpdate,
        by: &str,
    ) -> Result<Arc<Settings>, ApiError> {
        let _one_at_a_time = state.settings.writer.lock().await;
        let next = Arc::new(Settings::current(state).await?.apply(u, state)?);
        state
            .store
            .put_settings(&next.to_map(), by, state.now())
            .await?;
        state.settings.replace(next.clone());
        Ok(next)
    }

    /// The stored settings over the defaults, read from the database; stored values that are
    /// no longer valid (out of bounds, an unknown baseline) are ignored.
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
    match Settings::current(state).await {
        Ok(s) => chrono::Duration::minutes(s.session_idle_minutes),
        Err(_) => chrono::Duration::seconds(state.policy.session.idle_timeout_secs),
    }
}

/// The server's snapshot of the settings. Cheap to clone (shared).
#[derive(Debug, Clone, Default)]
pub struct SettingsCache {
    snapshot: Arc<RwLock<Option<Arc<Settings>>>>,
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl SettingsCache {
    /// The snapshot, if read already.
    fn get(&self) -> Option<Arc<Settings>> {
        match self.snapshot.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The snapshot, set to `s` if there was none.
    fn fill(&self, s: Arc<Settings>) -> Arc<Settings> {
        let mut g = self.snapshot.write().unwrap_or_else(|p| p.into_inner());
        g.get_or_insert(s).clone()
    }

    /// Replace the snapshot.
    pub(crate) fn replace(&self, s: Arc<Settings>) {
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = Some(s);
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
