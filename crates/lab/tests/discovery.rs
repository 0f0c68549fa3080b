//! UPnP/SSDP and WS-Discovery responders: raw unicast exchanges on loopback, nmap's
//! `upnp-info` and `wsdd-discover` scripts, and real multicast inside a network namespace this
//! test creates (`unshare -n`; the test binary re-executes itself there).

mod common;

use camguard_lab::{Lab, LabConfig, LabError, LabOptions};
use common::{missing, require_tool, run, service_addr, start};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

const LAB: &str = r#"
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
[[device]]
id = "quiet"
personality = "dahua"
"#;

/// Set in the re-executed child that runs inside the network namespace.
const NETNS_CHILD: &str = "CAMGUARD_LAB_NETNS_CHILD";
const MULTICAST: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);

fn msearch(st: &str) -> Vec<u8> {
    format!(
        "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: {st}\r\n\r\n"
    )
    .into_bytes()
}

fn probe(message_id: &str, types: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:w=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" \
xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\" \
xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\"><e:Header><w:MessageID>{message_id}</w:MessageID>\
<w:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To>\
<w:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header>\
<e:Body><d:Probe><d:Types>{types}</d:Types></d:Probe></e:Body></e:Envelope>"
    )
    .into_bytes()
}

/// Send one datagram, collect replies until `quiet` passes without one.
async fn ask(target: SocketAddr, bytes: &[u8], quiet: Duration) -> Vec<(SocketAddr, String)> {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    socket.send_to(bytes, target).await.expect("send");
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65536];
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        match tokio::time::timeout(quiet, socket.recv_from(&mut buf)).await {
            Ok(Ok((n, from))) => out.push((from, String::from_utf8_lossy(&buf[..n]).into_owned())),
            _ => break,
        }
    }
    out
}

fn header<'a>(reply: &'a str, name: &str) -> Option<&'a str> {
    reply.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn xml_text(xml: &str, local: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let text = doc
        .descendants()
        .find(|n| n.tag_name().name() == local)?
        .text()?
        .to_string();
    Some(text)
}

async fn http_get(url: &str) -> String {
    let rest = url.strip_prefix("http://").expect("http url");
    let (hostport, path) = rest.split_at(rest.find('/').expect("path"));
    let mut s = TcpStream::connect(hostport).await.expect("connect");
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {hostport}\r\n\r\n").as_bytes())
        .await
        .expect("write");
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("deadline")
        .expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unicast_ssdp_and_ws_discovery_answer_like_cameras() {
    let lab = start(LAB, Ipv4Addr::new(127, 92, 0, 1)).await;
    let m = lab.manifest().clone();
    let hik = m.device("hik").expect("hik").clone();
    let quiet = m.device("quiet").expect("quiet");
    assert_eq!(hik.discovery, vec!["ssdp", "wsd"]);
    assert!(quiet.discovery.is_empty() && !quiet.ports.contains_key("ssdp"));
    let wait = Duration::from_millis(400);

    // SSDP: ssdp:all → root device, uuid and device type; each target alone → one answer.
    let all = ask(service_addr(&hik, "ssdp"), &msearch("ssdp:all"), wait).await;
    assert_eq!(all.len(), 3, "{all:?}");
    for (from, reply) in &all {
        assert_eq!(
            *from,
            service_addr(&hik, "ssdp"),
            "answers from the device's own address and port"
        );
        assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
        assert!(header(reply, "SERVER").is_some_and(|s| s.contains("UPnP/1.0")));
        assert!(header(reply, "USN").is_some_and(|u| u.starts_with("uuid:")));
    }
    for st in ["upnp:rootdevice", "urn:schemas-upnp-org:device:Basic:1"] {
        let one = ask(service_addr(&hik, "ssdp"), &msearch(st), wait).await;
        assert_eq!(one.len(), 1, "{st}: {one:?}");
        assert_eq!(header(&one[0].1, "ST"), Some(st));
    }
    let usn = header(&all[0].1, "USN").expect("usn").to_string();
    let uuid = usn.split("::").next().expect("uuid");
    let by_uuid = ask(service_addr(&hik, "ssdp"), &msearch(uuid), wait).await;
    assert_eq!(by_uuid.len(), 1);
    assert!(ask(
        service_addr(&hik, "ssdp"),
        &msearch("urn:schemas-upnp-org:device:Printer:1"),
        wait
    )
    .await
    .is_empty());
    assert!(ask(
        service_addr(&hik, "ssdp"),
        b"NOTIFY * HTTP/1.1\r\nST: ssdp:all\r\n\r\n",
        wait
    )
    .await
    .is_empty());
    assert!(ask(service_addr(&hik, "ssdp"), &[0xff; 1500], wait)
        .await
        .is_empty());

    // The description at LOCATION discloses the identity.
    let location = header(&all[0].1, "LOCATION").expect("location").to_string();
    assert!(location.starts_with(&format!(
        "http://{}:{}/",
        hik.address, hik.ports["upnp_http"]
    )));
    let page = http_get(&location).await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let xml = &page[page.find("<?xml").expect("xml")..];
    assert_eq!(
        xml_text(xml, "serialNumber").as_deref(),
        Some(hik.serial.as_str())
    );
    assert_eq!(
        xml_text(xml, "modelName").as_deref(),
        Some(hik.model.as_str())
    );
    assert_eq!(xml_text(xml, "manufacturer").as_deref(), Some("Hikvision"));
    assert_eq!(xml_text(xml, "UDN").as_deref(), Some(uuid));
    assert!(xml_text(xml, "friendlyName").is_some());

    // WS-Discovery: a matching Probe gets ProbeMatches relating to it, others get silence.
    for types in [
        "dn:NetworkVideoTransmitter",
        "tds:Device",
        "dn:NetworkVideoTransmitter tds:Device",
    ] {
        let id = format!("urn:uuid:lab-test-{}", types.len());
        let replies = ask(service_addr(&hik, "wsd"), &probe(&id, types), wait).await;
        assert_eq!(replies.len(), 1, "{types}: {replies:?}");
        let (from, xml) = &replies[0];
        assert_eq!(*from, service_addr(&hik, "wsd"));
        assert_eq!(xml_text(xml, "RelatesTo").as_deref(), Some(id.as_str()));
        assert_eq!(xml_text(xml, "XAddrs"), hik.onvif_url.clone());
        let scopes = xml_text(xml, "Scopes").expect("scopes");
        for s in [
            "onvif://www.onvif.org/type/video_encoder".to_string(),
            format!("onvif://www.onvif.org/hardware/{}", hik.model),
            "onvif://www.onvif.org/name/".to_string(),
            "onvif://www.onvif.org/location/".to_string(),
        ] {
            assert!(scopes.contains(&s), "{s} in {scopes}");
        }
        assert!(xml_text(xml, "Action").is_some_and(|a| a.ends_with("/discovery/ProbeMatches")));
    }
    assert!(ask(
        service_addr(&hik, "wsd"),
        &probe("urn:uuid:x", "dn:Printer"),
        wait
    )
    .await
    .is_empty());
    let bomb = b"<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"xx\">]><a>&x;</a>";
    assert!(ask(service_addr(&hik, "wsd"), bomb, wait).await.is_empty());
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nmap_upnp_info_and_wsdd_discover_read_the_responders() {
    let test = "nmap_upnp_info_and_wsdd_discover_read_the_responders";
    if !require_tool("nmap", test) {
        return;
    }
    if !is_root() {
        missing("root (nmap -sU needs raw sockets)", test);
        return;
    }
    let lab = start(LAB, Ipv4Addr::new(127, 92, 1, 1)).await;
    let m = lab.manifest().clone();
    let (hik, axis) = (
        m.device("hik").expect("hik"),
        m.device("axis").expect("axis"),
    );
    let ports = format!("{},{}", hik.ports["ssdp"], hik.ports["wsd"]);
    let (a, b) = (hik.address.to_string(), axis.address.to_string());
    // nmap's portrules want the real ports (1900/3702); force the scripts with '+' otherwise.
    // upnp-info only fetches LOCATION with -v and override=false (its override path needs a
    // CR inside the parsed Location value and never matches).
    let out = run(
        "nmap",
        &[
            "-v",
            "-n",
            "-sU",
            "-p",
            &ports,
            "--script",
            "+upnp-info,+wsdd-discover",
            "--script-args",
            "upnp-info.override=false",
            &a,
            &b,
        ],
        Duration::from_secs(60),
    )
    .await;
    assert!(out.ok(), "{out:?}");
    let text = &out.stdout;
    for d in [hik, axis] {
        assert!(
            text.contains(&format!(
                "Address: {}",
                d.onvif_url.as_deref().expect("onvif")
            )),
            "wsdd-discover lists {}: {text}",
            d.id
        );
        assert!(text.contains(&format!("Model Name: {}", d.model)), "{text}");
    }
    assert!(
        text.contains("NetworkVideoTransmitter tds:Device"),
        "{text}"
    );
    assert!(text.contains("Portable SDK for UPnP devices"), "{text}");
    assert!(text.contains("Name: AXIS "), "{text}");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multicast_is_refused_outside_a_network_namespace() {
    if std::env::var_os(NETNS_CHILD).is_some() {
        return;
    }
    let text = format!("multicast_in_netns = true\n{LAB}");
    let config = LabConfig::from_toml_str(&text).expect("config");
    assert!(config.multicast_in_netns);
    let base = Ipv4Addr::new(127, 92, 2, 1);
    let opts = LabOptions {
        base,
        port_offset: common::port_offset(base),
    };
    match Lab::start(&config, &opts).await {
        Err(LabError::Options(msg)) => assert!(msg.contains("unshare"), "{msg}"),
        Err(e) => panic!("expected a refusal, got {e}"),
        Ok(lab) => {
            let only_lo = std::fs::read_to_string("/proc/self/net/dev")
                .map(|t| t.lines().skip(2).all(|l| l.trim_start().starts_with("lo:")))
                .unwrap_or(false);
            lab.shutdown().await;
            assert!(
                only_lo,
                "joined multicast in a namespace with other interfaces"
            );
        }
    }
}

#[test]
fn multicast_discovery_inside_a_network_namespace() {
    let test = "multicast_discovery_inside_a_network_namespace";
    if std::env::var_os(NETNS_CHILD).is_some() {
        return;
    }
    if !require_tool("unshare", test) || !require_tool("ip", test) {
        return;
    }
    if !is_root() {
        missing("root (unshare -n)", test);
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let script = "ip link set lo up && ip link set lo multicast on && \
                  ip route add 224.0.0.0/4 dev lo && \
                  exec \"$0\" --exact netns_child --nocapture --test-threads 1";
    let mut child = std::process::Command::new("unshare")
        .args(["-n", "sh", "-c", script])
        .arg(&exe)
        .env(NETNS_CHILD, "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("unshare");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("netns child did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("NETNS-CHILD-OK"),
        "child ran no check:\n{stdout}\n{stderr}"
    );
}

/// Runs only in the re-executed child inside `unshare -n`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn netns_child() {
    if std::env::var_os(NETNS_CHILD).is_none() {
        return;
    }
    let dev = std::fs::read_to_string("/proc/self/net/dev").expect("net/dev");
    assert!(
        dev.lines()
            .skip(2)
            .all(|l| l.trim_start().starts_with("lo:")),
        "not in a private namespace: {dev}"
    );
    let text = format!("multicast_in_netns = true\n{LAB}");
    let config = LabConfig::from_toml_str(&text).expect("config");
    let lab = Lab::start(
        &config,
        &LabOptions {
            base: Ipv4Addr::new(127, 0, 60, 1),
            port_offset: 0,
        },
    )
    .await
    .expect("lab with multicast");
    let m = lab.manifest().clone();
    let expect: Vec<Ipv4Addr> = ["hik", "axis"]
        .iter()
        .map(|id| m.device(id).expect(id).address)
        .collect();
    let wait = Duration::from_millis(500);

    let ssdp = ask(
        SocketAddr::new(MULTICAST.into(), 1900),
        &msearch("upnp:rootdevice"),
        wait,
    )
    .await;
    let from = senders(ssdp.iter());
    assert_eq!(
        from, expect,
        "each SSDP device answers a multicast M-SEARCH once: {ssdp:?}"
    );

    let wsd = ask(
        SocketAddr::new(MULTICAST.into(), 3702),
        &probe("urn:uuid:netns-1", "dn:NetworkVideoTransmitter"),
        wait,
    )
    .await;
    let from = senders(
        wsd.iter()
            .filter(|(_, x)| xml_text(x, "RelatesTo").as_deref() == Some("urn:uuid:netns-1")),
    );
    assert_eq!(
        from, expect,
        "each ONVIF device answers a multicast Probe: {wsd:?}"
    );
    lab.shutdown().await;
    println!("NETNS-CHILD-OK");
}

/// The IPv4 senders of `replies`, sorted.
fn senders<'a>(replies: impl Iterator<Item = &'a (SocketAddr, String)>) -> Vec<Ipv4Addr> {
    let mut from: Vec<Ipv4Addr> = replies
        .filter_map(|(a, _)| match a.ip() {
            std::net::IpAddr::V4(v4) => Some(v4),
            _ => None,
        })
        .collect();
    from.sort();
    from
}

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
