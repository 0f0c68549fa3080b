//! Integration tests of the baseline crate (one test binary).

mod builtin_data;
mod custom_files;
mod verdicts;

use camguard_baseline::Registry;

/// The built-in registry; the tests below fail loudly if it does not load.
pub fn builtin() -> Registry {
    match Registry::builtin() {
        Ok(r) => r,
        Err(e) => panic!("built-in baselines must load: {e}"),
    }
}
