//! `camguard scan --local --interface lo`: multicast WS-Discovery and SSDP inside a network
//! namespace this test creates (`unshare -n`; the test binary re-executes itself there, so no
//! multicast ever leaves the host namespace), with lab devices joined to the group. A device
//! outside the scan's targets answers too, and its replies are ignored and logged.

use crate::common::{in_ci, json_lines, run, stderr};
use camguard_lab::{Lab, LabConfig, LabOptions};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

/// Set in the re-executed child that runs inside the network namespace.
const CHILD: &str = "CAMGUARD_E2E_LOCAL_NETNS_CHILD";

const LAB: &str = r#"
multicast_in_netns = true
seed = 11
[[device]]
id = "hik"
personality = "hikvision"
upnp = true
ws_discovery = true
[[device]]
id = "axis"
personality = "axis"
upnp = true
ws_discovery = true
"#;

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// Skip loudly (fail under CI) when network namespaces cannot be created here.
pub(crate) fn can_unshare(test: &str) -> bool {
    let ok = is_root()
        && std::process::Command::new("unshare")
            .args(["-n", "true"])
            .status()
            .is_ok_and(|s| s.success())
        && std::process::Command::new("ip")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        let msg = format!(
            "\n!!!!!!!! SKIPPED {test}: needs root, `unshare -n` (util-linux) and `ip` \
             (iproute2) to create a network namespace. !!!!!!!!\n"
        );
        assert!(!in_ci(), "{msg} (CI=true: this is a failure)");
        eprintln!("{msg}");
    }
    ok
}

#[test]
fn local_multicast_discovery_inside_a_network_namespace() {
    let test = "local_multicast_discovery_inside_a_network_namespace";
    if std::env::var_os(CHILD).is_some() || !can_unshare(test) {
        return;
    }
    let script = "ip link set lo up && ip link set lo multicast on && \
                  ip route add 224.0.0.0/4 dev lo && \
                  exec \"$0\" --exact discovery_local::netns_child --nocapture --test-threads 1";
    run_in_netns(script, CHILD, "LOCAL-NETNS-OK");
}

/// Runs `script` under `sh` in a new network namespace (`unshare -n`), with this test binary
/// as `$0` and `child_env` set, within 120 s; fails unless it succeeds and prints `ok_marker`.
pub(crate) fn run_in_netns(script: &str, child_env: &str, ok_marker: &str) {
    let exe = std::env::current_exe().expect("test binary");
    let mut child = std::process::Command::new("unshare")
        .args(["-n", "sh", "-c", script])
        .arg(&exe)
        .env(child_env, "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("unshare");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("netns child did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "child failed:\n{so}\n{se}");
    assert!(so.contains(ok_marker), "child ran no check:\n{so}\n{se}");
}

/// Runs only in the re-executed child inside `unshare -n`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn netns_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let dev = std::fs::read_to_string("/proc/self/net/dev").expect("net/dev");
    assert!(
        dev.lines()
            .skip(2)
            .all(|l| l.trim_start().starts_with("lo:")),
        "not in a private namespace: {dev}"
    );
    let config = LabConfig::from_toml_str(LAB).expect("lab file");
    let lab = Lab::start(
        &config,
        &LabOptions {
            base: Ipv4Addr::new(127, 0, 61, 1),
            port_offset: 0,
        },
    )
    .await
    .expect("lab with multicast");
    let m = lab.manifest().clone();
    let (hik, axis) = (m.device("hik").unwrap(), m.device("axis").unwrap());
    let (h, a) = (hik.address.to_string(), axis.address.to_string());
    let http = hik.ports["http"].to_string();
    // The axis device is outside the targets: it hears the multicast and answers, and its
    // answers are ignored. Unicast UDP discovery is off, so the hik device's discovery
    // answers can only come from the multicast round.
    let o = tokio::task::spawn_blocking(move || {
        run(&[
            "scan",
            &h,
            "--ports",
            &http,
            "--local",
            "--interface",
            "lo",
            "--local-wait-ms",
            "1500",
            "--udp-discovery",
            "off",
            "--no-db",
            "--quiet",
            "-o",
            "-",
        ])
    })
    .await
    .unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("reply from outside the scan's targets ignored") && err.contains(&a),
        "{err}"
    );
    let records = json_lines(&o.stdout);
    assert_eq!(records.len(), 1, "{records:?}");
    let disc = records[0]["observation"]["discovery"].as_array().unwrap();
    let protocols: Vec<&str> = disc
        .iter()
        .map(|d| d["protocol"].as_str().unwrap())
        .collect();
    assert!(
        protocols.contains(&"ssdp") && protocols.contains(&"ws_discovery"),
        "{disc:?}"
    );
    let wsd = disc
        .iter()
        .find(|d| d["protocol"] == "ws_discovery")
        .unwrap();
    assert_eq!(wsd["model"].as_str(), Some(hik.model.as_str()), "{wsd}");
    assert_eq!(wsd["location"].as_str(), hik.onvif_url.as_deref(), "{wsd}");
    lab.shutdown().await;
    println!("LOCAL-NETNS-OK");
}

#[test]
fn local_needs_an_interface_and_a_real_one() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    // Both refusals happen before any socket is opened.
    let o = run(&["scan", "127.0.0.1", "--local", "--no-db", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--local needs --interface"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "scan",
        "127.0.0.1",
        "--ports",
        "9",
        "--local",
        "--interface",
        "no-such-if0",
        "--no-db",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no network interface named 'no-such-if0'"),
        "{}",
        stderr(&o)
    );
}
