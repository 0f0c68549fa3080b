//! Helpers shared by the end-to-end tests.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Path of the `camguard` binary under test.
pub fn camguard() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_camguard"));
    cmd.env_remove("CAMGUARD_LOG");
    cmd
}

/// Run `camguard` with `args`, returning its output.
pub fn run(args: &[&str]) -> Output {
    camguard().args(args).output().expect("run camguard")
}

/// True when running under CI, where a missing tool is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Check that an external tool runs (`tool --version`-style probe). When it does not:
/// under CI, fail the test; elsewhere print a loud skip message and return false.
pub fn require(tool: &str, probe: &[&str]) -> bool {
    let ok = Command::new(tool)
        .args(probe)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        let msg = format!(
            "\n!!!!!!!! SKIPPED: `{tool}` is not available on this machine. \
             Install it (see .ci/run) to run this test. !!!!!!!!\n"
        );
        assert!(!in_ci(), "{msg} (CI=true: a missing tool is a failure)");
        eprintln!("{msg}");
    }
    ok
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// Parse JSON Lines output.
pub fn json_lines(bytes: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// Stderr as text, for assertions and failure messages.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
