//! Shared state of the server: the store, the clock, the policy and the scan jobs.

use crate::jobs::{JobManager, ScanRunner};
use crate::policy::Policy;
use crate::settings::SettingsCache;
use camguard_baseline::Registry;
use camguard_store::Store;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The time source; tests inject a clock they can move.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The wall clock.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// Everything a handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database the CLI writes too.
    pub store: Store,
    /// Time source.
    pub clock: Clock,
    /// Sign-in policy.
    pub policy: Policy,
    /// Served over TLS (cookies get `Secure`, responses HSTS).
    pub tls: bool,
    /// Running and finished scan jobs.
    pub jobs: JobManager,
    /// The baselines compliance, reports and attestations use: the built-in catalogues plus
    /// any custom ones the server was started with.
    pub baselines: Arc<Registry>,
    /// The administrator settings in force, kept in memory (see [`crate::settings`]).
    pub settings: SettingsCache,
}

impl AppState {
    /// State over `store` that runs scans with `runner`.
    pub fn new(store: Store, runner: Arc<dyn ScanRunner>, clock: Clock, tls: bool) -> AppState {
        AppState {
            jobs: JobManager::new(store.clone(), runner, clock.clone()),
            store,
            clock,
            policy: Policy::builtin(),
            tls,
            baselines: Arc::new(Registry::builtin().unwrap_or_default()),
            settings: SettingsCache::default(),
        }
    }

    /// The same state with `baselines` (built-in plus custom) in place of the built-in ones.
    pub fn with_baselines(mut self, baselines: Registry) -> AppState {
        self.baselines = Arc::new(baselines);
        self
    }

    /// Read the settings from the database now (a server calls this at start, after
    /// [`AppState::with_baselines`], whose catalogue the default baseline is checked against).
    pub async fn load_settings(&self) -> Result<(), crate::error::ApiError> {
        let s = crate::settings::Settings::load(self).await?;
        self.settings.replace(Arc::new(s));
        Ok(())
    }

    /// Now, by the state's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}
