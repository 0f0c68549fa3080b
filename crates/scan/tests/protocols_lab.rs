//! TLS, FTP/SSH banners, vendor private ports, SSDP and WS-Discovery read from the real camera
//! lab (crates/lab), with every expectation taken from the lab's manifest; RTMP against
//! ffmpeg's RTMP server; TLS 1.1 against `openssl s_server`. External tools: loud skip when
//! missing, failure under `CI=true`.

mod lab_support;

use lab_support::by_id;

use camguard_lab::{Lab, Manifest};
use camguard_model::{HostObservation, Service};
use camguard_scan::data::{ProbeKind, UdpProbe};
use camguard_scan::reason::ReasonKind;
use camguard_scan::{probe_one, ScanConfig};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

const LAB: &str = r#"
seed = 11

[[device]]
id = "hik"
personality = "hikvision"
https = true
certificate = "self_signed"
ssh = true
vendor_ports = true
upnp = true
ws_discovery = true

[[device]]
id = "dahua-legacy"
personality = "dahua"
https = true
tls = "legacy_tls10"
certificate = "vendor_ca"
vendor_ports = true

[[device]]
id = "xm"
personality = "xiongmai"
vendor_ports = true

[[device]]
id = "axis"
personality = "axis"
ftp = true
https = true
certificate = "expired"
"#;

const OFFSET: u16 = 14_000;

/// A child process killed (by its own id) and reaped when dropped.
struct Reap(std::process::Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn skip_or_fail(test: &str, what: &str) {
    eprintln!(
        "\n!!! SKIPPED {test}: {what} is missing\n!!! (install it; with CI=true this is a failure)\n"
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test}: {what} is missing under CI=true");
    }
}

async fn start_lab() -> Lab {
    lab_support::start_lab(LAB, OFFSET).await
}

/// Ports and probes from the manifest's service names.
fn config_for(manifest: &Manifest) -> ScanConfig {
    let mut ports = Vec::new();
    let mut overrides = Vec::new();
    let mut udp = Vec::new();
    for d in &manifest.devices {
        for (name, &port) in &d.ports {
            let kind = match name.as_str() {
                "ssdp" => {
                    udp.push((port, UdpProbe::Ssdp));
                    continue;
                }
                "wsd" => {
                    udp.push((port, UdpProbe::WsDiscovery));
                    continue;
                }
                "rtsp" => ProbeKind::Rtsp,
                "telnet" => ProbeKind::Telnet,
                "https" => ProbeKind::Tls,
                "ssh" => ProbeKind::Ssh,
                "ftp" => ProbeKind::Ftp,
                "hikvision_sdk" => ProbeKind::HikvisionSdk,
                "dahua_dvrip" => ProbeKind::Dahua,
                "xiongmai_sofia" => ProbeKind::Sofia,
                _ => ProbeKind::Http,
            };
            if !ports.contains(&port) {
                ports.push(port);
            }
            overrides.push((port, kind));
        }
    }
    udp.sort_by_key(|(p, _)| *p);
    udp.dedup();
    ScanConfig {
        udp_probes: udp,
        ..lab_support::lab_config(ports, overrides)
    }
}

fn reason_of(o: &HostObservation, port: u16) -> (Option<Service>, String) {
    let e = o
        .endpoints
        .iter()
        .find(|e| e.port == port)
        .unwrap_or_else(|| panic!("port {port} reported"));
    (e.service, e.reason.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_tls_banners_vendor_ports_and_discovery_are_read() {
    let lab = start_lab().await;
    let manifest = lab.manifest().clone();
    let observations = lab_support::scan_devices(&manifest, config_for(&manifest)).await;
    lab.shutdown().await;
    assert_eq!(observations.len(), manifest.devices.len());

    // Every endpoint ends with a reason from the documented set.
    for o in &observations {
        for e in &o.endpoints {
            assert!(
                ReasonKind::of(&e.reason).is_some(),
                "{}:{} reason {:?} has no category",
                o.ip,
                e.port,
                e.reason
            );
        }
    }

    // Hikvision, modern TLS (rustls: 1.3 and 1.2), self-signed: the certificate matches the
    // manifest byte for byte; HTTPS carries the web UI and ONVIF.
    let (d, o) = by_id(&manifest, &observations, "hik");
    let mt = d.tls.as_ref().expect("manifest tls");
    let https = d.ports["https"];
    let t = o.tls.iter().find(|t| t.port == https).expect("tls obs");
    assert_eq!(t.versions_accepted, vec!["TLS1.3", "TLS1.2"], "{t:?}");
    assert_eq!(t.versions_refused, vec!["TLS1.1", "TLS1.0", "SSL3"]);
    assert!(
        t.cipher.as_deref().unwrap_or("").starts_with("TLS_"),
        "{t:?}"
    );
    let c = t.certificate.as_ref().expect("certificate");
    assert_eq!(c.sha256, mt.certificate.sha256);
    assert_eq!(
        c.spki_sha256.as_deref(),
        Some(mt.certificate.spki_sha256.as_str())
    );
    assert!(c.self_signed);
    assert_eq!(c.key_type.as_deref(), Some("ec"));
    assert_eq!(c.key_bits, Some(256));
    assert!(
        c.signature_algorithm
            .as_deref()
            .unwrap_or("")
            .contains("ecdsa"),
        "{c:?}"
    );
    assert!(c
        .not_after
        .as_deref()
        .unwrap_or("")
        .starts_with(&mt.certificate.not_after));
    let web = o
        .http
        .iter()
        .find(|h| h.port == https)
        .expect("https web probe");
    assert!(web.tls);
    assert_eq!(web.status, Some(401), "{web:?}");
    let (service, reason) = reason_of(o, https);
    assert_eq!(service, Some(Service::Https), "{reason}");
    assert!(reason.starts_with("auth required: https 401"), "{reason}");
    // SSH banner, Hikvision SDK port.
    let ssh = d.ports["ssh"];
    assert_eq!(o.ssh.len(), 1);
    assert!(o.ssh[0].banner.starts_with("SSH-2.0-"), "{:?}", o.ssh);
    assert_eq!(reason_of(o, ssh).0, Some(Service::Ssh));
    let sdk = o
        .vendor_ports
        .iter()
        .find(|v| v.port == d.ports["hikvision_sdk"])
        .expect("sdk answer");
    assert_eq!(sdk.protocol, "hikvision_sdk");
    // SSDP (with the description on the same host) and WS-Discovery.
    let ssdp = o
        .discovery
        .iter()
        .find(|x| x.protocol == "ssdp")
        .expect("ssdp answer");
    assert!(
        ssdp.server.as_deref().unwrap_or("").contains("UPnP/1.0"),
        "{ssdp:?}"
    );
    assert_eq!(ssdp.serial.as_deref(), Some(d.serial.as_str()), "{ssdp:?}");
    assert_eq!(ssdp.model.as_deref(), Some(d.model.as_str()));
    assert!(ssdp.types.iter().any(|t| t == "upnp:rootdevice"));
    let wsd = o
        .discovery
        .iter()
        .find(|x| x.protocol == "ws_discovery")
        .expect("ws-discovery answer");
    assert_eq!(wsd.model.as_deref(), Some(d.model.as_str()), "{wsd:?}");
    assert_eq!(wsd.location.as_deref(), d.onvif_url.as_deref());
    assert!(wsd
        .types
        .iter()
        .any(|t| t.ends_with("NetworkVideoTransmitter")));

    // Dahua, TLS 1.0 only with a vendor-CA certificate: only TLS1.0 accepted, its RSA suite
    // and certificate read from the clear handshake; no HTTP over TLS attempted.
    let (d, o) = by_id(&manifest, &observations, "dahua-legacy");
    let mt = d.tls.as_ref().expect("manifest tls");
    let https = d.ports["https"];
    let t = o.tls.iter().find(|t| t.port == https).expect("tls obs");
    assert_eq!(t.versions_accepted, vec!["TLS1.0"], "{t:?}");
    assert_eq!(t.cipher.as_deref(), Some("TLS_RSA_WITH_AES_128_CBC_SHA"));
    let c = t.certificate.as_ref().expect("certificate");
    assert_eq!(c.sha256, mt.certificate.sha256);
    assert!(!c.self_signed);
    assert_eq!(
        (c.key_type.as_deref(), c.key_bits),
        (Some("rsa"), Some(2048))
    );
    let (service, reason) = reason_of(o, https);
    assert_eq!(service, Some(Service::Tls));
    assert!(reason.starts_with("identified: tls TLS1.0"), "{reason}");
    let dh = o
        .vendor_ports
        .iter()
        .find(|v| v.port == d.ports["dahua_dvrip"])
        .expect("dahua answer");
    assert_eq!(dh.protocol, "dahua_dhip");
    assert!(dh.detail.contains("268632079"), "{dh:?}");
    assert!(
        dh.detail.contains(&format!("Login to {}", d.serial)),
        "{dh:?}"
    );

    // Xiongmai Sofia: the empty login is refused (Ret 203), which names the protocol.
    let (d, o) = by_id(&manifest, &observations, "xm");
    let xm = o
        .vendor_ports
        .iter()
        .find(|v| v.port == d.ports["xiongmai_sofia"])
        .expect("sofia answer");
    assert_eq!(xm.protocol, "xiongmai_sofia");
    assert_eq!(xm.detail, "message 1001; Ret 203");
    assert_eq!(
        reason_of(o, d.ports["xiongmai_sofia"]).0,
        Some(Service::VendorPrivate)
    );

    // Axis: FTP greeting; expired certificate's validity as issued.
    let (d, o) = by_id(&manifest, &observations, "axis");
    assert_eq!(o.ftp.len(), 1);
    assert!(o.ftp[0].banner.starts_with("220"), "{:?}", o.ftp);
    assert!(o.ftp[0].banner.contains("Axis") || o.ftp[0].banner.contains("AXIS"));
    let mt = d.tls.as_ref().expect("manifest tls");
    let c = o.tls[0].certificate.as_ref().expect("certificate");
    assert!(c
        .not_after
        .as_deref()
        .unwrap_or("")
        .starts_with(&mt.certificate.not_after));
    assert_eq!(c.sha256, mt.certificate.sha256);
}

/// A TLS port that answers in plaintext (the lab's web port probed as TLS) and a plaintext
/// port that speaks TLS (the lab's HTTPS port probed as HTTP) both end as "tls mismatch".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_mismatch_both_ways() {
    let lab = start_lab().await;
    let manifest = lab.manifest().clone();
    let d = manifest.device("hik").unwrap().clone();
    let (http, https) = (d.ports["http"], d.ports["https"]);
    let cfg = ScanConfig {
        udp_probes: Vec::new(),
        ..lab_support::lab_config(
            vec![http, https],
            vec![(http, ProbeKind::Tls), (https, ProbeKind::Http)],
        )
    };
    let o = probe_one(IpAddr::V4(d.address), Arc::new(cfg)).await;
    lab.shutdown().await;
    let (service, reason) = reason_of(&o, http);
    // The lab's web server waits for a request line after a ClientHello: it stays silent,
    // unless the ClientHello's random bytes happen to hold a line feed, which ends a (bad)
    // request line and draws a plaintext 400. Either way the scanner falls back to a plaintext
    // GET and names the mismatch.
    assert!(
        reason.starts_with(
            "tls mismatch: tls port did not answer a ClientHello but speaks plaintext HTTP"
        ) || reason.starts_with(
            "tls mismatch: tls port answered a ClientHello in plaintext (not TLS: the answer starts \"HTTP/1.1 400"
        ),
        "{reason}"
    );
    assert!(
        reason.contains("http 401"),
        "plain HTTP still probed: {reason}"
    );
    assert_eq!(service, Some(Service::Http));
    let (service, reason) = reason_of(&o, https);
    assert!(
        reason.starts_with("tls mismatch: plaintext port speaks TLS"),
        "{reason}"
    );
    assert!(reason.contains("https 401"), "{reason}");
    assert_eq!(service, Some(Service::Https));
    assert!(o
        .tls
        .iter()
        .any(|t| t.port == https && !t.versions_accepted.is_empty()));
}

/// RTMP: ffmpeg's own RTMP server (`-listen 1`) answers C0/C1 with S0 version 3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtmp_handshake_against_ffmpeg() {
    if std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_err()
    {
        return skip_or_fail("rtmp_handshake_against_ffmpeg", "ffmpeg");
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-listen",
            "1",
            "-timeout",
            "10",
            "-i",
        ])
        .arg(format!("rtmp://127.0.0.1:{port}/live/camguard"))
        .args(["-t", "1", "-f", "null", "-"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(Reap)
        .expect("ffmpeg starts");
    // ffmpeg accepts a single connection, which the scanner's connect-only discovery would
    // use up: drive the handshake itself.
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let opts = camguard_protocols::http::ClientOptions {
        io_timeout: Duration::from_secs(3),
        ..Default::default()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let answer = loop {
        match camguard_protocols::rtmp::handshake(addr, &opts).await {
            Err(camguard_protocols::http::ProtoError::Refused) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "ffmpeg did not listen"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => break other,
        }
    };
    drop(child);
    let answer = answer.expect("ffmpeg answers C0/C1");
    assert_eq!(answer.version, 3);
}

/// TLS 1.1 only (which neither the lab nor rustls offers), from `openssl s_server`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls11_only_server_from_openssl() {
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        return skip_or_fail("tls11_only_server_from_openssl", "openssl");
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=tls11.camguard.test",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl req");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = std::process::Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-tls1_1",
            "-cipher",
            "DEFAULT:@SECLEVEL=0",
            "-accept",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(Reap)
        .expect("openssl s_server starts");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "s_server did not listen"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cfg = ScanConfig {
        ports: vec![port],
        probe_overrides: vec![(port, ProbeKind::Tls)],
        udp_probes: Vec::new(),
        rate_per_sec: 0,
        io_timeout: Duration::from_secs(3),
        ..ScanConfig::default()
    };
    let o = probe_one("127.0.0.1".parse().unwrap(), Arc::new(cfg)).await;
    drop(child);
    let t = o.tls.first().expect("tls observation");
    assert_eq!(t.versions_accepted, vec!["TLS1.1"], "{t:?}");
    let c = t.certificate.as_ref().expect("certificate");
    assert_eq!(c.subject, "CN=tls11.camguard.test");
    assert!(c.self_signed);
    assert_eq!(c.key_bits, Some(2048));
}
