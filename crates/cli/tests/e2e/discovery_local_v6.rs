//! `camguard scan --local --interface cg0` over IPv6: WS-Discovery and SSDP to `[FF02::C]`
//! inside a network namespace this test creates (`unshare -n`, a veth pair `cg0`/`cg1` with
//! IPv6 only; the test binary re-executes itself there, so no multicast ever leaves the host
//! namespace). The lab answers from each device's own IPv6 address on `cg0`: the device in the
//! targets is recorded with its IPv6 XAddrs and LOCATION; the one outside (a link-local
//! `fe80::` sender) is ignored and logged with its scope.

use crate::common::{json_lines, run, stderr, test_addr};
use crate::discovery_local::{can_unshare, run_in_netns};
use camguard_lab::{Lab, LabConfig, LabOptions};
use std::time::{Duration, Instant};

/// Set in the re-executed child that runs inside the network namespace.
const CHILD: &str = "CAMGUARD_E2E_LOCAL6_NETNS_CHILD";
/// The in-scope camera's address on `cg0`.
const HIK: &str = "fd00:6c61:6200::10";
/// The out-of-scope camera's (link-local) address on `cg0`.
const AXIS: &str = "fe80::6c61:11";
/// A hostile responder's address on `cg0` (in the targets of the last round).
const HOSTILE: &str = "fd00:6c61:6200::12";

fn lab() -> String {
    format!(
        r#"
seed = 12
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
[multicast6]
interface = "cg0"
[multicast6.addresses]
hik = "{HIK}"
axis = "{AXIS}"
"#
    )
}

/// Skip loudly (fail under CI) when this kernel cannot make a veth pair with IPv6 (module
/// `veth`, IPv6 not disabled at boot), tried inside a throwaway namespace.
fn can_make_veth(test: &str) -> bool {
    let ok = std::process::Command::new("unshare")
        .args([
            "-n",
            "sh",
            "-c",
            "test -d /proc/sys/net/ipv6 && ip link add cg0 type veth peer name cg1",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let msg = format!(
            "\n!!!!!!!! SKIPPED {test}: this kernel cannot make a veth pair with IPv6 inside \
             a network namespace (module veth, ipv6). !!!!!!!!\n"
        );
        assert!(
            !crate::common::in_ci(),
            "{msg} (CI=true: this is a failure)"
        );
        eprintln!("{msg}");
    }
    ok
}

#[test]
fn local_ipv6_multicast_discovery_inside_a_network_namespace() {
    let test = "local_ipv6_multicast_discovery_inside_a_network_namespace";
    if std::env::var_os(CHILD).is_some() || !can_unshare(test) || !can_make_veth(test) {
        return;
    }
    // IPv6 on, no duplicate address detection (addresses usable at once), a veth pair with
    // both ends up (a veth has no carrier while its peer is down), IPv6 addresses only.
    let script = format!(
        "for k in all/disable_ipv6 default/disable_ipv6 default/accept_dad; do \
           echo 0 > /proc/sys/net/ipv6/conf/$k || exit 1; done && \
         ip link set lo up && \
         ip link add cg0 type veth peer name cg1 && \
         ip link set cg1 up && ip link set cg0 up && \
         ip addr add {HIK}/64 dev cg0 nodad && \
         ip addr add {AXIS}/64 dev cg0 nodad && \
         ip addr add {HOSTILE}/64 dev cg0 nodad && \
         exec \"$0\" --exact discovery_local_v6::netns_child --nocapture --test-threads 1"
    );
    run_in_netns(&script, CHILD, "LOCAL6-NETNS-OK");
}

/// `camguard scan ARGS… --no-db --quiet -o -` off the runtime's threads.
async fn scan(args: &[&str]) -> std::process::Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut all: Vec<&str> = vec!["scan"];
        all.extend(args.iter().map(String::as_str));
        all.extend(["--no-db", "--quiet", "-o", "-"]);
        run(&all)
    })
    .await
    .unwrap()
}

/// A scan whose discovery answers can only come from the multicast round on cg0: the scanned
/// TCP port (9) is closed, unicast UDP discovery is off, every target is recorded
/// (`--all-hosts`) and replies are awaited 1.5 s. `args`: the targets and any further flags.
async fn multicast_round(args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend([
        "--ports",
        "9",
        "--all-hosts",
        "--local",
        "--interface",
        "cg0",
        "--local-wait-ms",
        "1500",
        "--udp-discovery",
        "off",
    ]);
    scan(&all).await
}

/// Runs only in the re-executed child inside `unshare -n`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn netns_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let dev = std::fs::read_to_string("/proc/self/net/dev").expect("net/dev");
    let names: Vec<&str> = dev
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next().map(str::trim))
        .collect();
    assert!(
        names.iter().all(|n| ["lo", "cg0", "cg1"].contains(n)),
        "not in the private namespace: {dev}"
    );
    let config = LabConfig::from_toml_str(&lab()).expect("lab file");
    let lab = Lab::start(
        &config,
        &LabOptions {
            base: test_addr(123, 1),
            port_offset: 0,
        },
    )
    .await
    .expect("lab with IPv6 multicast");
    let hik = lab.manifest().device("hik").unwrap().clone();
    let v6_host = format!("[{HIK}]");

    // Default family (both): cg0 has IPv6 only, so only FF02::C is asked. Unicast UDP
    // discovery is off and the scanned TCP port closed, so the discovery answers can only
    // come from the multicast round (--all-hosts records the host anyway).
    let o = multicast_round(&[HIK]).await;
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("reply from outside the scan's targets ignored")
            && err.contains(&format!("{AXIS}%cg0")),
        "the link-local sender is logged with its scope: {err}"
    );
    let records = json_lines(&o.stdout);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["observation"]["ip"].as_str(), Some(HIK));
    let disc = records[0]["observation"]["discovery"].as_array().unwrap();
    let find = |p: &str| {
        disc.iter()
            .find(|d| d["protocol"] == p)
            .unwrap_or_else(|| panic!("no {p} in {disc:?}"))
    };
    let wsd = find("ws_discovery");
    assert_eq!(wsd["port"], 3702, "{wsd}");
    assert_eq!(wsd["model"].as_str(), Some(hik.model.as_str()), "{wsd}");
    let xaddr = hik
        .onvif_url
        .as_deref()
        .unwrap()
        .replace(&hik.address.to_string(), &v6_host);
    assert_eq!(wsd["location"].as_str(), Some(xaddr.as_str()), "{wsd}");
    let ssdp = find("ssdp");
    assert_eq!(ssdp["port"], 1900, "{ssdp}");
    let location = ssdp["location"].as_str().unwrap_or_default();
    assert!(
        location.starts_with(&format!("http://{v6_host}:")),
        "{ssdp}"
    );

    // Regression: interfaces were looked up in /sys/class/net, which after `unshare -n`
    // still lists the host's (cg0 was "no such interface", the host's eth0 accepted). Now
    // rtnetlink answers for this namespace: an interface only the host has is refused.
    let host_only: Vec<String> = std::fs::read_dir("/sys/class/net")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| !names.contains(&n.as_str()))
                .collect()
        })
        .unwrap_or_default();
    if let Some(name) = host_only.first() {
        let o = scan(&[HIK, "--ports", "9", "--local", "--interface", name]).await;
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("no network interface named '{name}'")),
            "{}",
            stderr(&o)
        );
    }

    // IPv4 asked for on an interface without IPv4: refused before any datagram.
    let o = scan(&[
        HIK,
        "--ports",
        "9",
        "--local",
        "--interface",
        "cg0",
        "--local-family",
        "v4",
    ])
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("network interface 'cg0' has no IPv4 address"),
        "{}",
        stderr(&o)
    );

    // Both cameras in the targets (--local-family v6): both are kept, none ignored.
    let o = multicast_round(&[HIK, AXIS, "--local-family", "v6"]).await;
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("ignored"), "{err}");
    let records = json_lines(&o.stdout);
    let with_discovery = records
        .iter()
        .filter(|r| {
            r["observation"]["discovery"]
                .as_array()
                .is_some_and(|d| d.len() == 2)
        })
        .count();
    assert_eq!(with_discovery, 2, "{records:?}");
    lab.shutdown().await;

    // With the lab gone, a hostile responder on FF02::C answers every request from an
    // in-scope address with garbage: the scan ends normally, recording only bounded fields.
    let (stop, hostile) = hostile_responder().await;
    let start = Instant::now();
    let o = multicast_round(&[HOSTILE]).await;
    let _ = stop.send(());
    let answered = hostile.await.unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        answered >= 2,
        "the hostile responder heard {answered} requests"
    );
    assert!(start.elapsed() < Duration::from_secs(30), "{err}");
    let records = json_lines(&o.stdout);
    assert_eq!(records.len(), 1, "{records:?}");
    // The garbage yields no WS-Discovery answer (none relates to the probe); the SSDP status
    // line that parses keeps only a bounded, sanitised LOCATION (256 characters and "…").
    let disc = records[0]["observation"]["discovery"].as_array().unwrap();
    assert_eq!(disc.len(), 1, "{disc:?}");
    assert_eq!(disc[0]["protocol"], "ssdp", "{disc:?}");
    let location = disc[0]["location"].as_str().unwrap_or_default();
    assert_eq!(location, format!("http://{}…", "a".repeat(249)));
    println!("LOCAL6-NETNS-OK");
}

/// The index of `cg0` (`/proc/self/net/if_inet6`).
fn cg0_index() -> u32 {
    std::fs::read_to_string("/proc/self/net/if_inet6")
        .expect("if_inet6")
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 6 && f[5] == "cg0").then(|| u32::from_str_radix(f[1], 16).unwrap())
        })
        .expect("cg0 has IPv6")
}

/// Join FF02::C on `cg0` at 1900 and 3702 and answer each datagram from [`HOSTILE`] with
/// malformed discovery answers; returns how many requests it heard when stopped.
async fn hostile_responder() -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<usize>,
) {
    use std::net::{Ipv6Addr, SocketAddrV6};
    use tokio::net::UdpSocket;
    let group: Ipv6Addr = "ff02::c".parse().unwrap();
    let index = cg0_index();
    let from: Ipv6Addr = HOSTILE.parse().unwrap();
    let mut listeners = Vec::new();
    for port in [1900u16, 3702] {
        let l = UdpSocket::bind(SocketAddrV6::new(group, port, 0, index))
            .await
            .expect("bind the group");
        l.join_multicast_v6(&group, index).expect("join FF02::C");
        let answer = UdpSocket::bind(SocketAddrV6::new(from, port, 0, 0))
            .await
            .expect("bind the hostile address");
        listeners.push((l, answer));
    }
    let garbage: Vec<Vec<u8>> = vec![
        vec![0xff; 60_000],
        format!(
            "HTTP/1.1 200 OK\r\nLOCATION: http://{}\r\nST: {}",
            "a".repeat(20_000),
            "\u{0}".repeat(500)
        )
        .into_bytes(),
        format!(
            "<?xml version=\"1.0\"?>{}<d:ProbeMatches>",
            "<s:Envelope>".repeat(5_000)
        )
        .into_bytes(),
        b"<s:Envelope><s:Header><a:RelatesTo>urn:uuid:not-yours</a:RelatesTo></s:Header>\
<s:Body><d:ProbeMatches><d:ProbeMatch><d:XAddrs>http://[fd00::66]/</d:XAddrs>\
</d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>"
            .to_vec(),
        Vec::new(),
    ];
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let mut heard = 0usize;
        let (mut b1, mut b2) = (vec![0u8; 4096], vec![0u8; 4096]);
        let [(l1, a1), (l2, a2)] = <[_; 2]>::try_from(listeners).ok().unwrap();
        loop {
            let (got, answer) = tokio::select! {
                _ = &mut stopped => return heard,
                r = l1.recv_from(&mut b1) => (r, &a1),
                r = l2.recv_from(&mut b2) => (r, &a2),
            };
            let Ok((_, peer)) = got else { continue };
            heard += 1;
            for g in &garbage {
                let _ = answer.send_to(g, peer).await;
            }
        }
    });
    (stop, task)
}
