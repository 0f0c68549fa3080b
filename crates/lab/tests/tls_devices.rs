//! HTTPS devices proved with third-party clients: `curl` (web UI and ONVIF over TLS, vendor-CA
//! verification), `openssl s_client` (expired certificates, shared keys, the TLS 1.0-only
//! responder), plus raw-socket checks of the legacy responder's alerts.

mod common;

use camguard_lab::{LabConfig, ManifestDevice};
use common::client_hello::client_hello;
use common::{curl_status, require_tool, run, start};
use std::net::Ipv4Addr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LIMIT: Duration = Duration::from_secs(20);

const LAB: &str = r#"
seed = 7
[[device]]
id = "hik-self"
personality = "hikvision"
https = true
default_password = "kept"
[[device]]
id = "dahua-ca"
personality = "dahua"
https = true
certificate = "vendor_ca"
[[device]]
id = "hik-expired"
personality = "hikvision"
https = true
certificate = "expired"
[[device]]
id = "hik-shared-1"
personality = "hikvision"
model = "DS-2CD2143G0-I"
https = true
certificate = "shared_key"
[[device]]
id = "hik-shared-2"
personality = "hikvision"
model = "DS-2CD2143G0-I"
https = true
certificate = "shared_key"
[[device]]
id = "hik-legacy"
personality = "hikvision"
https = true
tls = "legacy_tls10"
[[device]]
id = "plain"
personality = "dahua"
"#;

fn https_url(d: &ManifestDevice, path: &str) -> String {
    format!("https://{}:{}{path}", d.address, d.ports["https"])
}

fn host_port(d: &ManifestDevice) -> String {
    format!("{}:{}", d.address, d.ports["https"])
}

/// The PEM blocks `openssl s_client -showcerts` printed.
fn pems(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let tail = &rest[start..];
        let Some(end) = tail.find("-----END CERTIFICATE-----") else {
            break;
        };
        let end = end + "-----END CERTIFICATE-----".len();
        out.push(format!("{}\n", &tail[..end]));
        rest = &tail[end..];
    }
    out
}

async fn s_client(target: &str, extra: &[&str]) -> common::Run {
    let mut args = vec!["s_client", "-connect", target, "-showcerts"];
    args.extend_from_slice(extra);
    // stdin is /dev/null: s_client ends after the handshake.
    run("openssl", &args, LIMIT).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_web_ui_onvif_and_certificates_with_curl_and_openssl() {
    let test = "https_web_ui_onvif_and_certificates_with_curl_and_openssl";
    if !require_tool("curl", test) || !require_tool("openssl", test) {
        return;
    }
    let lab = start(LAB, Ipv4Addr::new(127, 91, 0, 1)).await;
    let m = lab.manifest().clone();
    let dev = |id: &str| m.device(id).expect(id).clone();
    let dir = tempfile::tempdir().expect("tempdir");

    // Plain devices keep their classic surface: no https port, no TLS entry.
    let plain = dev("plain");
    assert!(!plain.ports.contains_key("https") && plain.tls.is_none());
    assert_eq!(m.certificate_authorities.len(), 1, "only Dahua issued");

    // Self-signed: curl -k logs in with Digest over TLS; ONVIF answers over TLS too.
    let hik = dev("hik-self");
    let tls = hik.tls.as_ref().expect("tls in manifest");
    assert_eq!(
        (tls.mode.as_str(), tls.certificate.kind.as_str()),
        ("modern", "self_signed")
    );
    assert_eq!(tls.certificate.subject, tls.certificate.issuer);
    assert!(tls
        .certificate
        .subject
        .ends_with(&format!("CN={}", hik.address)));
    let creds = format!("{}:{}", hik.username, hik.password);
    let (code, text) = curl_status(&["-k", "--digest", "-u", &creds, &https_url(&hik, "/")])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code, 200, "{text}");
    assert!(text.contains("<title>"), "{text}");
    let (code, _) = curl_status(&[
        "-k",
        "--digest",
        "-u",
        "admin:wrong",
        "-o",
        "/dev/null",
        &https_url(&hik, "/"),
    ])
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code, 401);
    let soap = "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><GetSystemDateAndTime xmlns=\"http://www.onvif.org/ver10/device/wsdl\"/></s:Body></s:Envelope>";
    let (code, onvif) = curl_status(&[
        "-k",
        "-H",
        "Content-Type: application/soap+xml",
        "--data-binary",
        soap,
        &https_url(&hik, "/onvif/device_service"),
    ])
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code, 200, "{onvif}");
    assert!(onvif.contains("GetSystemDateAndTimeResponse"));
    // Without -k curl refuses a self-signed certificate (exit 60).
    let strict = run(
        "curl",
        &["-s", "-o", "/dev/null", &https_url(&hik, "/")],
        LIMIT,
    )
    .await;
    assert_eq!(strict.code, Some(60), "{strict:?}");

    // Vendor CA: curl verifies the device against the lab's Dahua CA (IP SAN), no -k.
    let ca_pem = &m.certificate_authorities["Dahua"];
    let ca_path = dir.path().join("dahua-ca.pem");
    std::fs::write(&ca_path, ca_pem).expect("write ca");
    let ca_arg = ca_path.to_str().expect("path");
    let dahua = dev("dahua-ca");
    let verified = run(
        "curl",
        &[
            "-s",
            "--cacert",
            ca_arg,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &https_url(&dahua, "/"),
        ],
        LIMIT,
    )
    .await;
    assert!(
        verified.ok(),
        "curl --cacert must verify the vendor_ca device: {verified:?}"
    );
    assert_eq!(
        verified.stdout, "401",
        "web UI behind TLS wants credentials"
    );
    let cert = &dahua.tls.as_ref().expect("tls").certificate;
    assert!(cert.issuer.contains("CN=DahuaCA"), "{}", cert.issuer);
    // The same CA does not vouch for a self-signed device.
    let other = run(
        "curl",
        &[
            "-s",
            "--cacert",
            ca_arg,
            "-o",
            "/dev/null",
            &https_url(&hik, "/"),
        ],
        LIMIT,
    )
    .await;
    assert_eq!(other.code, Some(60), "{other:?}");

    // Expired: openssl reports it; curl trusting exactly that certificate still refuses it.
    let expired = dev("hik-expired");
    assert!(
        expired
            .tls
            .as_ref()
            .expect("tls")
            .certificate
            .not_after
            .as_str()
            < "2025"
    );
    let out = s_client(&host_port(&expired), &[]).await;
    assert!(
        out.stdout.contains("certificate has expired")
            || out.stderr.contains("certificate has expired"),
        "openssl s_client must report the expiry: {out:?}"
    );
    let leaf = pems(&out.stdout).into_iter().next().expect("leaf pem");
    let leaf_path = dir.path().join("expired.pem");
    std::fs::write(&leaf_path, leaf).expect("write leaf");
    let refused = run(
        "curl",
        &[
            "-sS",
            "--cacert",
            leaf_path.to_str().expect("path"),
            "-o",
            "/dev/null",
            &https_url(&expired, "/"),
        ],
        LIMIT,
    )
    .await;
    assert_eq!(refused.code, Some(60), "{refused:?}");
    assert!(refused.stderr.contains("expired"), "{}", refused.stderr);

    // Shared key: two devices of one model present one certificate (same bytes on the wire).
    let (s1, s2) = (dev("hik-shared-1"), dev("hik-shared-2"));
    let (c1, c2) = (
        &s1.tls.as_ref().expect("tls").certificate,
        &s2.tls.as_ref().expect("tls").certificate,
    );
    assert_eq!((&c1.sha256, &c1.spki_sha256), (&c2.sha256, &c2.spki_sha256));
    let w1 = pems(&s_client(&host_port(&s1), &[]).await.stdout);
    let w2 = pems(&s_client(&host_port(&s2), &[]).await.stdout);
    assert!(!w1.is_empty() && w1 == w2, "one certificate for the fleet");
    assert_ne!(
        c1.spki_sha256,
        hik.tls.as_ref().expect("tls").certificate.spki_sha256
    );

    // Same seed, another run of the lab: the CA saved from the first run verifies it.
    let again = start(LAB, Ipv4Addr::new(127, 91, 1, 1)).await;
    let dahua2 = again.manifest().device("dahua-ca").expect("dahua").clone();
    let verified2 = run(
        "curl",
        &[
            "-s",
            "--cacert",
            ca_arg,
            "-o",
            "/dev/null",
            &https_url(&dahua2, "/"),
        ],
        LIMIT,
    )
    .await;
    assert!(verified2.ok(), "seed-derived CA key: {verified2:?}");
    again.shutdown().await;
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_tls10_device_shows_its_certificate_and_refuses_modern_clients() {
    let test = "legacy_tls10_device_shows_its_certificate_and_refuses_modern_clients";
    let lab = start(LAB, Ipv4Addr::new(127, 91, 2, 1)).await;
    let d = lab.manifest().device("hik-legacy").expect("legacy").clone();
    let tls = d.tls.as_ref().expect("tls");
    assert_eq!(tls.mode, "legacy_tls10");
    assert_eq!(tls.certificate.key, "rsa-2048");
    let addr = host_port(&d);

    // Raw: a ClientHello offering only TLS 1.2 (supported_versions = [3.3]) gets a fatal
    // protocol_version alert; one offering TLS 1.0 gets ServerHello 3.1 + Certificate + Done.
    let reply = exchange(
        &addr,
        &client_hello(0x0303, &[0x002f, 0xc02f], Some(&[0x0303])),
    )
    .await;
    assert_eq!(reply, vec![21, 3, 1, 0, 2, 2, 70], "protocol_version alert");
    let reply = exchange(
        &addr,
        &client_hello(0x0303, &[0x0035, 0x002f], Some(&[0x0304, 0x0303])),
    )
    .await;
    assert_eq!(reply, vec![21, 3, 1, 0, 2, 2, 70], "TLS 1.3 client");
    let reply = exchange(&addr, &client_hello(0x0301, &[0x0035], None)).await;
    assert_eq!(&reply[..3], &[22, 3, 1], "handshake record, TLS 1.0");
    assert_eq!(reply[5], 2, "ServerHello");
    assert_eq!(&reply[9..11], &[3, 1], "server_version 3.1");
    let sh_len = u32::from_be_bytes([0, reply[6], reply[7], reply[8]]) as usize;
    let cert_msg = &reply[9 + sh_len..];
    assert_eq!(cert_msg[0], 11, "Certificate");
    assert!(reply.ends_with(&[14, 0, 0, 0]), "ServerHelloDone last");
    // No common suite → handshake_failure; garbage → unexpected_message; huge record → overflow.
    let reply = exchange(&addr, &client_hello(0x0301, &[0xc02f], None)).await;
    assert_eq!(reply, vec![21, 3, 1, 0, 2, 2, 40]);
    let reply = exchange(&addr, b"GET / HTTP/1.0\r\n\r\n").await;
    assert_eq!(reply, vec![21, 3, 1, 0, 2, 2, 10]);
    let reply = exchange(&addr, &[22, 3, 1, 0xff, 0xff]).await;
    assert_eq!(reply, vec![21, 3, 1, 0, 2, 2, 22]);

    if !require_tool("openssl", test) {
        lab.shutdown().await;
        return;
    }
    // openssl -tls1 prints the chain and the negotiated protocol before the device's alert.
    let out = s_client(&addr, &["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"]).await;
    assert!(out.stdout.contains("Certificate chain"), "{out:?}");
    assert!(
        out.stdout.contains(&format!("CN = {}", d.address)),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Protocol  : TLSv1\n"), "{}", out.stdout);
    assert!(out.stdout.contains("rsaEncryption, 2048"), "{}", out.stdout);
    assert!(
        out.stderr.contains("alert handshake failure"),
        "{}",
        out.stderr
    );
    // A TLS 1.3-only openssl gets the device's protocol_version alert.
    let out = s_client(&addr, &["-tls1_3"]).await;
    assert!(out.stderr.contains("alert protocol version"), "{out:?}");
    // A TLS 1.2-only openssl (no supported_versions extension) gets the TLS 1.0 ServerHello
    // (RFC 5246 E.1) and refuses it itself.
    let out = s_client(&addr, &["-tls1_2"]).await;
    assert!(out.stderr.contains("unsupported protocol"), "{out:?}");
    lab.shutdown().await;
}

#[test]
fn generated_labs_stay_classic() {
    let lab = LabConfig::generate(12, 5);
    for d in &lab.devices {
        assert!(!d.https, "{}", d.id);
        assert_eq!(d.tls_discovery, Default::default(), "{}", d.id);
    }
}

/// Send bytes, read until the device closes (bounded).
async fn exchange(addr: &str, bytes: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(bytes).await.expect("write");
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                out.extend_from_slice(&buf[..n]);
                // A flight ending in ServerHelloDone waits for our next flight: stop there.
                if out.ends_with(&[14, 0, 0, 0]) || out.len() > 64 * 1024 {
                    break;
                }
            }
            Err(_) => panic!("device stalled"),
        }
    }
    out
}
