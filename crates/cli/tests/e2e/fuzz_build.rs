//! The fuzz targets (`fuzz/`, a separate workspace with its own lock file) keep compiling
//! against the library crates: `cargo check --locked` of `fuzz/Cargo.toml`, under CI only
//! (it builds libFuzzer's C++ sources, which takes a minute on 2 cores).

use crate::common::{in_ci, repo_root};
use std::process::Command;

#[test]
fn fuzz_targets_compile() {
    if !in_ci() {
        eprintln!(
            "fuzz_targets_compile: skipped to save time (runs under CI=true; by hand: \
             cargo check --manifest-path fuzz/Cargo.toml --locked)"
        );
        return;
    }
    let root = repo_root();
    let manifest = root.join("fuzz/Cargo.toml");
    assert!(
        root.join("fuzz/Cargo.lock").is_file(),
        "fuzz/Cargo.lock is missing"
    );
    let out = Command::new(env!("CARGO"))
        .args(["check", "--locked", "--bins", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", root.join("target/fuzz-check"))
        .output()
        .expect("run cargo check on fuzz/Cargo.toml");
    assert!(
        out.status.success(),
        "cargo check of the fuzz targets failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
