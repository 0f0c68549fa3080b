//! The lab's SSH host keys and `none` logins against Debian's OpenSSH tools: `ssh-keyscan`
//! reads each device's key (its own by default, one key on the devices configured
//! `ssh_host_key = "shared"`), `ssh-keygen -lf` fingerprints it, and `ssh` with only the
//! `none` method logs into an account whose password is empty and no other.

mod common;

use camguard_lab::ssh_server::{fingerprint_for, HostKeyMode};
use common::{device, require_tool, run, start};
use std::net::Ipv4Addr;
use std::time::Duration;

const LAB: &str = r#"
seed = 118

[[device]]
id = "clone-1"
personality = "hikvision"
ssh = true
ssh_host_key = "shared"

[[device]]
id = "clone-2"
personality = "dahua"
ssh = true
ssh_host_key = "shared"

[[device]]
id = "own"
personality = "hikvision"
ssh = true

[[device]]
id = "empty-password"
personality = "dahua"
password = ""
ssh = true
"#;

/// A loopback address range of this process.
fn base() -> Ipv4Addr {
    Ipv4Addr::new(127, 118, (std::process::id() % 250) as u8 + 1, 101)
}

/// The `SHA256:` fingerprint OpenSSH computes for the ed25519 key `ssh-keyscan` reads.
async fn keyscan_fingerprint(host: Ipv4Addr, port: u16) -> String {
    let dir = tempfile::tempdir().unwrap();
    let port = port.to_string();
    let host = host.to_string();
    let scan = run(
        "ssh-keyscan",
        &["-T", "5", "-t", "ed25519", "-p", &port, &host],
        Duration::from_secs(20),
    )
    .await;
    assert!(scan.stdout.contains("ssh-ed25519"), "{scan:?}");
    let file = dir.path().join("keys");
    std::fs::write(&file, &scan.stdout).unwrap();
    let fp = run(
        "ssh-keygen",
        &["-l", "-E", "sha256", "-f", file.to_str().unwrap()],
        Duration::from_secs(10),
    )
    .await;
    assert!(fp.ok(), "{fp:?}");
    fp.stdout
        .split_whitespace()
        .find(|w| w.starts_with("SHA256:"))
        .unwrap_or_else(|| panic!("no fingerprint: {fp:?}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyscan_sees_one_key_on_the_clones_and_its_own_on_every_other_device() {
    const TEST: &str = "keyscan_sees_one_key_on_the_clones_and_its_own_on_every_other_device";
    if !require_tool("ssh-keyscan", TEST) || !require_tool("ssh-keygen", TEST) {
        return;
    }
    let lab = start(LAB, base()).await;
    let mut seen = Vec::new();
    for (id, mode) in [
        ("clone-1", HostKeyMode::Shared),
        ("clone-2", HostKeyMode::Shared),
        ("own", HostKeyMode::Unique),
        ("empty-password", HostKeyMode::Unique),
    ] {
        let d = device(&lab, id).clone();
        let fp = keyscan_fingerprint(d.address, d.ports["ssh"]).await;
        assert_eq!(fp, fingerprint_for(118, id, mode), "{id}");
        seen.push(fp);
    }
    assert_eq!(seen[0], seen[1]);
    assert_ne!(seen[2], seen[0]);
    assert_ne!(seen[2], seen[3]);
    lab.shutdown().await;
}

/// `ssh` offering only the `none` method: `USER@HOST true`, no password anywhere.
async fn none_login(host: Ipv4Addr, port: u16, user: &str) -> common::Run {
    let port = port.to_string();
    let target = format!("{user}@{host}");
    let args = [
        "-v",
        "-F",
        "/dev/null",
        "-p",
        &port,
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "PreferredAuthentications=none",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=5",
        &target,
        "true",
    ];
    run("ssh", &args, Duration::from_secs(30)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_logs_in_with_none_only_where_the_password_is_empty() {
    const TEST: &str = "openssh_logs_in_with_none_only_where_the_password_is_empty";
    if !require_tool("ssh", TEST) {
        return;
    }
    let lab = start(LAB, Ipv4Addr::from(u32::from(base()) + 16)).await;
    let open = device(&lab, "empty-password").clone();
    let r = none_login(open.address, open.ports["ssh"], &open.username).await;
    assert!(r.stderr.contains("Authenticated to"), "{r:?}");

    let own = device(&lab, "own").clone();
    let r = none_login(own.address, own.ports["ssh"], &own.username).await;
    assert!(!r.stderr.contains("Authenticated to"), "{r:?}");
    assert!(r.stderr.contains("Permission denied"), "{r:?}");
    // A `none` request is no failed login: the account still works, nothing is locked.
    let wrong_user = none_login(open.address, open.ports["ssh"], "nobody").await;
    assert!(
        !wrong_user.stderr.contains("Authenticated to"),
        "{wrong_user:?}"
    );
    lab.shutdown().await;
}
