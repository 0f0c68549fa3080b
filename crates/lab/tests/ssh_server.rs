//! The lab's SSH server against Debian's OpenSSH client (`ssh` from openssh-client, driven by
//! `sshpass`): the device's account logs in, a wrong password is refused, the personality's
//! identification string is what the client sees, the host key is the lab's, and no session
//! channel is ever granted.

mod common;

use common::{device, require_tool, run, start};
use std::net::Ipv4Addr;
use std::time::Duration;

const LAB: &str = r#"
seed = 112

[[device]]
id = "hik-ssh"
personality = "hikvision"
default_password = "kept"
ssh = true

[[device]]
id = "dahua-ssh"
personality = "dahua"
default_password = "changed"
ssh = true
"#;

/// A loopback /24 of this process.
fn base() -> Ipv4Addr {
    Ipv4Addr::new(127, 112, (std::process::id() % 250) as u8 + 1, 1)
}

/// `sshpass -p PASSWORD ssh -v … USER@HOST true` (password only, no known_hosts).
async fn ssh_login(host: Ipv4Addr, port: u16, user: &str, password: &str) -> common::Run {
    let port = port.to_string();
    let target = format!("{user}@{host}");
    let args = [
        "-p",
        password,
        "ssh",
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
        "PreferredAuthentications=password",
        "-o",
        "PubkeyAuthentication=no",
        "-o",
        "NumberOfPasswordPrompts=1",
        "-o",
        "ConnectTimeout=5",
        &target,
        "true",
    ];
    run("sshpass", &args, Duration::from_secs(30)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_logs_in_with_the_device_account_and_is_refused_with_a_wrong_password() {
    const TEST: &str =
        "openssh_logs_in_with_the_device_account_and_is_refused_with_a_wrong_password";
    if !require_tool("ssh", TEST) || !require_tool("sshpass", TEST) {
        return;
    }
    let lab = start(LAB, base()).await;
    for id in ["hik-ssh", "dahua-ssh"] {
        let d = device(&lab, id).clone();
        let port = d.ports["ssh"];

        let ok = ssh_login(d.address, port, &d.username, &d.password).await;
        assert!(
            ok.stderr.contains("Authenticated to"),
            "{id}: right password not accepted: {ok:?}"
        );
        // Authenticated, but the session channel (the command) is refused.
        assert!(!ok.ok(), "{id}: a command ran: {ok:?}");
        assert!(
            ok.stderr.contains("open failed") || ok.stderr.contains("administratively prohibited"),
            "{id}: channel not refused: {ok:?}"
        );
        // The device's own key (default `ssh_host_key = "unique"`), derived from seed and id.
        let fingerprint = camguard_lab::ssh_server::fingerprint_for(
            112,
            id,
            camguard_lab::ssh_server::HostKeyMode::Unique,
        );
        assert!(
            ok.stderr.contains(&fingerprint),
            "{id}: host key {fingerprint} not the lab's: {ok:?}"
        );
        let personality = camguard_lab::Personality::get(&d.personality).expect("personality");
        let banner = &personality.ssh.as_ref().expect("ssh facts").banner;
        let software = banner.trim_start_matches("SSH-2.0-");
        assert!(
            ok.stderr
                .contains(&format!("remote software version {software}")),
            "{id}: identification {banner} not sent: {ok:?}"
        );

        let wrong = ssh_login(d.address, port, &d.username, "not-the-password").await;
        assert!(!wrong.ok(), "{id}: wrong password: {wrong:?}");
        assert!(
            wrong.stderr.contains("Permission denied")
                && !wrong.stderr.contains("Authenticated to"),
            "{id}: wrong password not refused: {wrong:?}"
        );
    }
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_ssh_passwords_lock_the_device_for_every_login() {
    const TEST: &str = "five_wrong_ssh_passwords_lock_the_device_for_every_login";
    if !require_tool("ssh", TEST) || !require_tool("sshpass", TEST) {
        return;
    }
    const LOCKING: &str = r#"
seed = 112

[[device]]
id = "locking"
personality = "dahua"
default_password = "changed"
lockout = "qd724"
ssh = true
"#;
    let mut net = base().octets();
    net[3] = 100;
    let lab = start(LOCKING, Ipv4Addr::from(net)).await;
    let d = device(&lab, "locking").clone();
    let port = d.ports["ssh"];
    for i in 0..5 {
        let wrong = ssh_login(d.address, port, &d.username, &format!("wrong{i}")).await;
        assert!(wrong.stderr.contains("Permission denied"), "{i}: {wrong:?}");
    }
    // Decision 724: locked after five failures; the right password is refused too.
    let right = ssh_login(d.address, port, &d.username, &d.password).await;
    assert!(
        !right.stderr.contains("Authenticated to") && right.stderr.contains("Permission denied"),
        "not locked: {right:?}"
    );
    lab.shutdown().await;
}
