//! camguard baseline stage: turns findings into per-provision verdicts.
//!
//! Baselines (QCVN 11:2026/BCA, QCVN 135:2024/BTTTT, Decision 724/QĐ-BTTTT, ETSI EN 303 645
//! V2.1.1) are versioned data in `data/baselines/*.toml`, embedded at build time; users can
//! add their own files in the same format ([`Registry::add_file`]). [`assess`] applies the
//! verdict rules of docs/architecture.md ("Verdicts are never silent passes"). The stage is pure apart from reading custom files.

mod catalogue;
mod error;
mod registry;
mod verdict;

pub use catalogue::{Baseline, Provision, VerificationClass, STATUS_MANDATORY, STATUS_RECOMMENDED};
pub use error::BaselineError;
pub use registry::Registry;
pub use verdict::assess;
