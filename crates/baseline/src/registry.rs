//! The set of baselines camguard knows: the built-in ones plus user-written files.

use crate::catalogue::Baseline;
use crate::error::BaselineError;
use chrono::NaiveDate;
use std::io::Read;
use std::path::Path;

/// The built-in catalogues, embedded at build time.
const BUILTIN: [(&str, &str); 4] = [
    (
        "builtin:data/baselines/qcvn-11-2026.toml",
        include_str!("../../../data/baselines/qcvn-11-2026.toml"),
    ),
    (
        "builtin:data/baselines/qcvn-135-2024.toml",
        include_str!("../../../data/baselines/qcvn-135-2024.toml"),
    ),
    (
        "builtin:data/baselines/qd-724-2024.toml",
        include_str!("../../../data/baselines/qd-724-2024.toml"),
    ),
    (
        "builtin:data/baselines/etsi-en-303-645-v2.1.1.toml",
        include_str!("../../../data/baselines/etsi-en-303-645-v2.1.1.toml"),
    ),
];

/// Largest custom baseline file accepted.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Baselines by id, in load order.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    baselines: Vec<Baseline>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// The built-in baselines: QCVN 11:2026/BCA, QCVN 135:2024/BTTTT, Decision 724/QĐ-BTTTT
    /// and ETSI EN 303 645 V2.1.1.
    pub fn builtin() -> Result<Registry, BaselineError> {
        let mut registry = Registry::new();
        for (origin, text) in BUILTIN {
            registry.add_toml(text, origin)?;
        }
        Ok(registry)
    }

    /// Load a user-written baseline file (same format as the built-in ones).
    pub fn add_file(&mut self, path: &Path) -> Result<&Baseline, BaselineError> {
        let origin = path.display().to_string();
        let io = |source| BaselineError::Io {
            origin: origin.clone(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(BaselineError::TooLarge {
                origin,
                limit: MAX_FILE_BYTES,
            });
        }
        let text = String::from_utf8(bytes).map_err(|e| BaselineError::Invalid {
            origin: origin.clone(),
            reason: format!("not UTF-8: {e}"),
        })?;
        self.add_toml(&text, &origin)
    }

    /// Parse a baseline from TOML text and add it; `origin` names it in errors.
    pub fn add_toml(&mut self, text: &str, origin: &str) -> Result<&Baseline, BaselineError> {
        let baseline = Baseline::from_toml(text, origin)?;
        if self.get(&baseline.id).is_some() {
            return Err(BaselineError::Duplicate {
                origin: origin.to_string(),
                id: baseline.id,
            });
        }
        self.baselines.push(baseline);
        let last = self.baselines.len() - 1;
        Ok(&self.baselines[last])
    }

    /// The baseline with this id.
    pub fn get(&self, id: &str) -> Option<&Baseline> {
        self.baselines.iter().find(|b| b.id == id)
    }

    /// All baselines, in load order.
    pub fn all(&self) -> &[Baseline] {
        &self.baselines
    }

    /// The mandatory baseline in force on `date`; when several overlap, the one that started
    /// last (the newest regulation).
    pub fn in_force(&self, date: NaiveDate) -> Option<&Baseline> {
        self.baselines
            .iter()
            .filter(|b| b.is_mandatory() && b.is_valid_on(date))
            .max_by_key(|b| b.valid_from)
    }
}
