//! Shared helpers of the lab's integration tests: skipping loudly when a third-party tool is
//! missing (failing instead when `CI=true`), running tools under a deadline, starting labs.

#![allow(dead_code)]

use camguard_lab::{Lab, LabConfig, LabOptions};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// True when running in CI, where a missing tool is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Report a missing prerequisite: a loud skip message on a developer machine (returns false),
/// a panic in CI.
pub fn missing(what: &str, test: &str) -> bool {
    let msg = format!(
        "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
         !!! SKIPPED {test}: {what} is missing\n\
         !!! (install it; with CI=true this is a failure)\n\
         !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
    );
    if in_ci() {
        panic!("{msg}");
    }
    // Written to the real stderr (not eprintln!, which the test harness captures).
    let _ = std::io::Write::write_all(&mut std::io::stderr(), msg.as_bytes());
    false
}

/// True when `tool` is on PATH; otherwise reports it via [`missing`].
pub fn require_tool(tool: &str, test: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()));
    found || missing(&format!("`{tool}`"), test)
}

/// Folder of the node test clients.
pub fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// True when node and the clients' node_modules (npm onvif) are present.
pub fn require_node_clients(test: &str) -> bool {
    if !require_tool("node", test) {
        return false;
    }
    let onvif = clients_dir().join("node_modules/onvif/package.json");
    onvif.is_file()
        || missing(
            "crates/lab/tests/clients/node_modules (run `npm install --prefix crates/lab/tests/clients`)",
            test,
        )
}

/// Output of a finished tool.
#[derive(Debug)]
pub struct Run {
    /// Exit status code (None when killed by a signal or the deadline).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// True when the tool exited 0.
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

/// Run a command with a deadline (killed when it passes), without blocking the runtime.
pub async fn run(program: &str, args: &[&str], limit: Duration) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path = dir.path().join("out");
    let err_path = dir.path().join("err");
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("out file"))
        .stderr(std::fs::File::create(&err_path).expect("err file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let start = Instant::now();
    let code = loop {
        match child.try_wait().expect("wait") {
            Some(status) => break status.code(),
            None if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    Run {
        code,
        stdout: String::from_utf8_lossy(&std::fs::read(&out_path).unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&err_path).unwrap_or_default()).into_owned(),
    }
}

/// Port offset for tests: real ports when this process may bind them (root), else +20000.
pub fn port_offset(base: Ipv4Addr) -> u16 {
    match std::net::TcpListener::bind((base, 80)) {
        Ok(_) => 0,
        Err(_) => 20000,
    }
}

/// Start a lab from TOML text at `base`.
pub async fn start(toml: &str, base: Ipv4Addr) -> Lab {
    let config = LabConfig::from_toml_str(toml).expect("lab config");
    let opts = LabOptions {
        base,
        port_offset: port_offset(base),
    };
    Lab::start(&config, &opts).await.expect("lab starts")
}
