//! The lab's surface behaviours against real clients: Net-SNMP's `snmpget` (Debian `snmp`)
//! asks the lab's SNMP agent, `curl` fetches the anonymous snapshot and the any-path page, and
//! a raw UDP exchange checks the CS2 P2P LAN-search answer against the manifest.

mod common;

use common::{curl_status, device, require_tool, run, start};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

const LAB: &str = r#"
seed = 104

[[device]]
id = "open-hik"
personality = "hikvision"
default_password = "changed"
anonymous_snapshot = true
snmp = "public"
p2p = true

[[device]]
id = "any-path"
personality = "dahua"
default_password = "changed"
http_any_path_200 = true
snmp = "s3cret-comm"
"#;

/// A loopback /24 of this process (area 105 of the test plan).
fn base() -> Ipv4Addr {
    Ipv4Addr::new(127, 105, (std::process::id() % 250) as u8 + 1, 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snmpget_reads_the_lab_agent_with_its_community_only() {
    const TEST: &str = "snmpget_reads_the_lab_agent_with_its_community_only";
    if !require_tool("snmpget", TEST) {
        return;
    }
    let lab = start(LAB, base()).await;
    let hik = device(&lab, "open-hik").clone();
    let snmp = hik.snmp.clone().expect("agent in the manifest");
    assert_eq!(snmp.community, "public");
    let target = format!("udp:{}:{}", hik.address, snmp.port);
    let args = [
        "-v2c",
        "-c",
        "public",
        "-On",
        "-t",
        "2",
        "-r",
        "1",
        &target,
        "1.3.6.1.2.1.1.1.0",
        "1.3.6.1.2.1.1.2.0",
    ];
    let r = run("snmpget", &args, Duration::from_secs(20)).await;
    assert!(r.ok(), "snmpget failed: {r:?}");
    assert!(r.stdout.contains(&hik.model), "{}", r.stdout);
    assert!(r.stdout.contains(&hik.firmware), "{}", r.stdout);
    assert!(
        r.stdout
            .contains(".1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.39165"),
        "{}",
        r.stdout
    );
    // SNMPv1 too; an unknown object is an error there (noSuchName).
    let v1 = run(
        "snmpget",
        &[
            "-v1",
            "-c",
            "public",
            "-On",
            "-t",
            "2",
            "-r",
            "1",
            &target,
            "1.3.6.1.2.1.1.1.0",
        ],
        Duration::from_secs(20),
    )
    .await;
    assert!(v1.ok() && v1.stdout.contains(&hik.model), "{v1:?}");
    // A wrong community gets no answer at all (a timeout), as from real agents.
    let wrong = run(
        "snmpget",
        &[
            "-v2c",
            "-c",
            "private",
            "-t",
            "1",
            "-r",
            "0",
            &target,
            "1.3.6.1.2.1.1.1.0",
        ],
        Duration::from_secs(20),
    )
    .await;
    assert!(!wrong.ok(), "{wrong:?}");
    assert!(wrong.stderr.contains("Timeout"), "{wrong:?}");
    // The other device only answers its own community.
    let other = device(&lab, "any-path").clone();
    let target = format!("udp:{}:{}", other.address, snmp.port);
    let r = run(
        "snmpget",
        &[
            "-v2c",
            "-c",
            "s3cret-comm",
            "-t",
            "2",
            "-r",
            "1",
            &target,
            "1.3.6.1.2.1.1.5.0",
        ],
        Duration::from_secs(20),
    )
    .await;
    assert!(r.stdout.contains("No Such Object"), "{r:?}");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_any_path_and_p2p_answers_follow_the_switches() {
    const TEST: &str = "snapshot_any_path_and_p2p_answers_follow_the_switches";
    let base = Ipv4Addr::new(base().octets()[0], 104, base().octets()[2], 1);
    let lab = start(LAB, base).await;
    let hik = device(&lab, "open-hik").clone();
    let dahua = device(&lab, "any-path").clone();

    // P2P: the LAN search is answered with the manifest's UID; other datagrams are not.
    let p2p = hik.p2p.clone().expect("p2p in the manifest");
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    socket
        .connect(SocketAddr::from((hik.address, p2p.port)))
        .await
        .expect("connect");
    socket
        .send(&camguard_protocols::p2p::LAN_SEARCH)
        .await
        .expect("send");
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(3), socket.recv(&mut buf))
        .await
        .expect("answer in time")
        .expect("recv");
    let uid = camguard_protocols::p2p::parse_punch(&buf[..n]).expect("punch packet");
    assert_eq!(uid.to_string(), p2p.uid);
    socket.send(b"\xf1\x31\x00\x00").await.expect("send");
    assert!(
        tokio::time::timeout(Duration::from_millis(500), socket.recv(&mut buf))
            .await
            .is_err(),
        "only the LAN search is answered"
    );
    assert!(dahua.p2p.is_none());

    // Snapshot and any-path page through curl.
    if require_tool("curl", TEST) {
        let path = hik.anonymous_snapshot.clone().expect("anonymous snapshot");
        let url = format!("http://{}:{}{}", hik.address, hik.ports["http"], path);
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("snap.jpg");
        let (code, _) = curl_status(&["-o", file.to_str().expect("utf-8"), &url])
            .await
            .expect("curl");
        assert_eq!(code, 200);
        let jpeg = std::fs::read(&file).expect("snapshot file");
        assert!(jpeg.starts_with(&[0xff, 0xd8, 0xff]) && jpeg.ends_with(&[0xff, 0xd9]));
        // The any-path device answers its own snapshot CGI 200 too, but with HTML.
        let url = format!(
            "http://{}:{}/cgi-bin/snapshot.cgi",
            dahua.address, dahua.ports["http"]
        );
        let (code, body) = curl_status(&[&url]).await.expect("curl");
        assert_eq!(code, 200);
        assert!(body.starts_with("<!DOCTYPE html>"), "{body}");
        assert_eq!(dahua.anonymous_snapshot, None);
        // Any path on the any-path device: 200 and HTML, never an image.
        let url = format!(
            "http://{}:{}/no/such/snapshot.jpg",
            dahua.address, dahua.ports["http"]
        );
        let out = dir.path().join("page");
        let (code, _) = curl_status(&["-o", out.to_str().expect("utf-8"), &url])
            .await
            .expect("curl");
        assert_eq!(code, 200);
        let page = std::fs::read(&out).expect("page");
        assert!(page.starts_with(b"<!DOCTYPE html>"));
        assert!(dahua.http_any_path_200);
    }
    lab.shutdown().await;
}

/// Python's `telnetlib` (CPython 3.11 standard library) logs into the lab's telnet with the
/// device's account and reaches the shell prompt; a wrong password gets "Login incorrect".
const TELNET_CLIENT: &str = r##"
import sys, telnetlib
host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
t = telnetlib.Telnet(host, port, timeout=5)
t.read_until(b"login: ", 5)
t.write(user.encode() + b"\r\n")
t.read_until(b"Password: ", 5)
t.write(password.encode() + b"\r\n")
idx, match, text = t.expect([rb"# $", rb"Login incorrect"], 5)
print({0: "shell", 1: "refused"}.get(idx, "nothing"), text.decode("latin-1").strip().splitlines()[-1:])
"##;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_telnetlib_logs_in_with_the_device_account_only() {
    const TEST: &str = "python_telnetlib_logs_in_with_the_device_account_only";
    if !require_tool("python3", TEST) {
        return;
    }
    let lab = start(
        "seed = 1\n[[device]]\nid = \"t\"\npersonality = \"hikvision\"\ndefault_password = \"kept\"\ntelnet = true\n",
        Ipv4Addr::new(127, 104, base().octets()[2], 100),
    )
    .await;
    let d = device(&lab, "t").clone();
    let port = d.ports["telnet"].to_string();
    let host = d.address.to_string();
    for (password, want) in [(d.password.as_str(), "shell"), ("wrong-pass", "refused")] {
        let r = run(
            "python3",
            &[
                "-W",
                "ignore",
                "-c",
                TELNET_CLIENT,
                &host,
                &port,
                &d.username,
                password,
            ],
            Duration::from_secs(20),
        )
        .await;
        assert!(r.ok(), "{r:?}");
        assert!(r.stdout.starts_with(want), "{password}: {r:?}");
    }
    lab.shutdown().await;
}
