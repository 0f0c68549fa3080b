//! Vendor private ports (Dahua 37777, Xiongmai 34567, Hikvision 8000) and the FTP/SSH
//! greeters, spoken to over raw sockets (and by OpenSSH's own client where installed).

mod common;

use camguard_lab::vendor_ports::{
    dhip_login_hash, dhip_packet, sofia_hash, sofia_packet, DHIP_LOGIN_CHALLENGE,
    DHIP_LOGIN_REFUSED, HIK_SDK_REPLY, SOFIA_LOGIN_REQ, SOFIA_LOGIN_RSP,
};
use camguard_lab::{Lab, ManifestDevice};
use common::{require_tool, run, start};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const LAB: &str = r#"
seed = 11

[[device]]
id = "dahua"
personality = "dahua"
default_password = "kept"
vendor_ports = true
ssh = true

[[device]]
id = "xm"
personality = "xiongmai"
default_password = "kept"
vendor_ports = true

[[device]]
id = "hik"
personality = "hikvision"
vendor_ports = true

[[device]]
id = "axis"
personality = "axis"
model = "P1346"
firmware = "5.40.9.2"
default_password = "kept"
ftp = true

[[device]]
id = "xvr"
personality = "dahua_xvr"
password = "Xvr.2024"
vendor_ports = true

[[device]]
id = "plain"
personality = "dahua"

[[device]]
id = "nvr"
personality = "hikvision_nvr"
onvif_auth = "none"
"#;

const DEADLINE: Duration = Duration::from_secs(5);

async fn lab(base: Ipv4Addr) -> Lab {
    start(LAB, base).await
}

fn dev<'a>(lab: &'a Lab, id: &str) -> &'a ManifestDevice {
    lab.manifest().device(id).expect("device")
}

async fn connect(d: &ManifestDevice, port_key: &str) -> TcpStream {
    let port = d.ports[port_key];
    tokio::time::timeout(DEADLINE, TcpStream::connect((d.address, port)))
        .await
        .expect("connect in time")
        .expect("connect")
}

async fn read_n(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    tokio::time::timeout(DEADLINE, s.read_exact(&mut buf))
        .await
        .expect("reply in time")
        .expect("reply");
    buf
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// One DHIP request/response.
async fn dhip(s: &mut TcpStream, id: u32, body: serde_json::Value) -> serde_json::Value {
    s.write_all(&dhip_packet(0, id, body.to_string().as_bytes()))
        .await
        .unwrap();
    let header = read_n(s, 32).await;
    assert_eq!(&header[..8], b"\x20\0\0\0DHIP", "DHIP header");
    assert_eq!(le32(&header[12..]), id, "request id echoed");
    let len = le32(&header[16..]) as usize;
    assert_eq!(le32(&header[24..]) as usize, len, "length twice");
    let body = read_n(s, len).await;
    serde_json::from_slice(&body).expect("JSON body")
}

#[tokio::test]
async fn dahua_37777_answers_the_dhip_login_challenge_and_checks_the_hash() {
    let lab = lab(Ipv4Addr::new(127, 63, 1, 1)).await;
    let d = dev(&lab, "dahua");
    let mut s = connect(d, "dahua_dvrip").await;
    let login = |password: &str, authority: Option<&str>| {
        let mut params = serde_json::json!({"userName": d.username, "password": password,
            "clientType": "Web3.0", "loginType": "Direct"});
        if let Some(a) = authority {
            params["authorityType"] = a.into();
            params["passwordType"] = a.into();
        }
        serde_json::json!({"method": "global.login", "params": params, "id": 1, "session": 0})
    };
    let challenge = dhip(&mut s, 1, login("", None)).await;
    assert_eq!(challenge["result"], false);
    assert_eq!(challenge["error"]["code"], DHIP_LOGIN_CHALLENGE);
    let realm = challenge["params"]["realm"].as_str().expect("realm");
    assert_eq!(realm, format!("Login to {}", d.serial));
    let random = challenge["params"]["random"]
        .as_str()
        .expect("random")
        .to_string();
    // Wrong password, then the right one, on the same connection.
    let wrong = dhip_login_hash(&d.username, "not-it", realm, &random);
    let refused = dhip(&mut s, 2, login(&wrong, Some("Default"))).await;
    assert_eq!(refused["result"], false);
    assert_eq!(refused["error"]["code"], DHIP_LOGIN_REFUSED);
    let right = dhip_login_hash(&d.username, &d.password, realm, &random);
    let ok = dhip(&mut s, 3, login(&right, Some("Default"))).await;
    assert_eq!(ok["result"], true, "{ok}");
    assert_ne!(ok["session"], 0);
    // Other methods are refused with a JSON error, not a crash.
    let other = dhip(
        &mut s,
        4,
        serde_json::json!({"method": "magicBox.getSerialNo", "id": 4}),
    )
    .await;
    assert_eq!(other["result"], false);
    lab.shutdown().await;
}

#[tokio::test]
async fn dahua_37777_answers_the_binary_dvrip_login() {
    let lab = lab(Ipv4Addr::new(127, 63, 2, 1)).await;
    for (id, password, accepted) in [
        ("dahua", "admin", true),
        ("dahua", "wrong", false),
        ("xvr", "Xvr.2024", true),
    ] {
        let d = dev(&lab, id);
        let mut s = connect(d, "dahua_dvrip").await;
        let mut req = [0u8; 32];
        req[0] = 0xa0;
        req[8..8 + d.username.len()].copy_from_slice(d.username.as_bytes());
        req[16..16 + password.len()].copy_from_slice(password.as_bytes());
        s.write_all(&req).await.unwrap();
        let reply = read_n(&mut s, 32).await;
        assert_eq!(reply[0], 0xb0, "login reply command");
        assert_eq!(reply[8] == 0, accepted, "{id}/{password}: result byte");
        assert_eq!(
            le32(&reply[16..]) != 0,
            accepted,
            "session id only on success"
        );
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn xiongmai_34567_sofia_login() {
    let lab = lab(Ipv4Addr::new(127, 63, 3, 1)).await;
    let d = dev(&lab, "xm");
    assert_eq!(d.password, "", "xiongmai default password is empty");
    let mut s = connect(d, "xiongmai_sofia").await;
    for (seq, password, ret) in [(0u32, "bad", 203), (1, "", 100)] {
        let mut body = serde_json::json!({"EncryptType": "MD5", "LoginType": "DVRIP-Web",
            "PassWord": sofia_hash(password), "UserName": "admin"})
        .to_string()
        .into_bytes();
        body.extend_from_slice(b"\n\0");
        s.write_all(&sofia_packet(0, seq, SOFIA_LOGIN_REQ, &body))
            .await
            .unwrap();
        let header = read_n(&mut s, 20).await;
        assert_eq!(header[0], 0xff, "head flag");
        assert_eq!(
            u16::from_le_bytes([header[14], header[15]]),
            SOFIA_LOGIN_RSP
        );
        assert_eq!(le32(&header[8..]), seq, "sequence echoed");
        let body = read_n(&mut s, le32(&header[16..]) as usize).await;
        assert!(body.ends_with(b"\n\0"), "body terminator");
        let reply: serde_json::Value =
            serde_json::from_slice(&body[..body.len() - 2]).expect("JSON");
        assert_eq!(reply["Ret"], ret, "{reply}");
        if ret == 100 {
            assert_eq!(reply["DeviceType "], "IPC");
            assert_eq!(reply["ChannelNum"], 1);
            assert_ne!(le32(&header[4..]), 0, "session id in the header");
        }
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn hikvision_8000_replies_to_sdk_packets_and_to_anything_else() {
    let lab = lab(Ipv4Addr::new(127, 63, 4, 1)).await;
    let d = dev(&lab, "hik");
    let mut login = vec![0u8; 32];
    login[..4].copy_from_slice(&32u32.to_be_bytes());
    login[4] = 0x5a;
    for request in [login, b"GET / HTTP/1.0\r\n\r\n".to_vec()] {
        let mut s = connect(d, "hikvision_sdk").await;
        s.write_all(&request).await.unwrap();
        assert_eq!(read_n(&mut s, 16).await, HIK_SDK_REPLY);
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn hostile_clients_cannot_stall_or_crash_the_vendor_ports() {
    let lab = lab(Ipv4Addr::new(127, 63, 5, 1)).await;
    let dahua = dev(&lab, "dahua");
    let xm = dev(&lab, "xm");
    // A DHIP header promising 1 GiB, garbage on 37777, a Sofia header promising 1 GiB, a
    // non-Sofia first byte: each is closed at once, without reading the promised body.
    let mut huge_dhip = dhip_packet(0, 1, b"");
    huge_dhip[16..20].copy_from_slice(&(1u32 << 30).to_le_bytes());
    let mut huge_sofia = sofia_packet(0, 0, SOFIA_LOGIN_REQ, b"");
    huge_sofia[16..20].copy_from_slice(&(1u32 << 30).to_le_bytes());
    let cases: [(&ManifestDevice, &str, Vec<u8>); 4] = [
        (dahua, "dahua_dvrip", huge_dhip),
        (dahua, "dahua_dvrip", vec![0x55; 64]),
        (xm, "xiongmai_sofia", huge_sofia),
        (xm, "xiongmai_sofia", b"GET / HTTP/1.1\r\n\r\n".to_vec()),
    ];
    for (d, key, bytes) in cases {
        let started = Instant::now();
        let mut s = connect(d, key).await;
        s.write_all(&bytes).await.unwrap();
        let mut buf = [0u8; 64];
        let n = tokio::time::timeout(DEADLINE, s.read(&mut buf))
            .await
            .expect("closed in time")
            .unwrap_or(0);
        assert_eq!(n, 0, "{key}: no reply to a malformed request");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{key}: prompt close"
        );
    }
    // Still serving afterwards.
    let mut s = connect(dev(&lab, "hik"), "hikvision_sdk").await;
    s.write_all(&[0, 0, 0, 8, 1, 2, 3, 4]).await.unwrap();
    assert_eq!(read_n(&mut s, 16).await, HIK_SDK_REPLY);
    lab.shutdown().await;
}

async fn exchange(r: &mut BufReader<TcpStream>, cmd: impl AsRef<str>) -> String {
    r.get_mut()
        .write_all(cmd.as_ref().as_bytes())
        .await
        .unwrap();
    line(r).await
}

async fn line(r: &mut BufReader<TcpStream>) -> String {
    let mut l = String::new();
    tokio::time::timeout(DEADLINE, r.read_line(&mut l))
        .await
        .expect("line in time")
        .expect("line");
    l
}

#[tokio::test]
async fn ftp_greets_like_the_vendor_and_answers_user_pass_quit() {
    let lab = lab(Ipv4Addr::new(127, 63, 6, 1)).await;
    let d = dev(&lab, "axis");
    assert!(
        !dev(&lab, "plain").ports.contains_key("ftp"),
        "off by default"
    );
    let mut r = BufReader::new(connect(d, "ftp").await);
    let greeting = line(&mut r).await;
    assert_eq!(
        greeting,
        "220 AXIS P1346 Network Camera 5.40.9.2 (Oct 15 2019) ready.\r\n"
    );
    assert!(exchange(&mut r, "LIST\r\n").await.starts_with("530"));
    assert!(exchange(&mut r, "USER root\r\n").await.starts_with("331"));
    assert!(exchange(&mut r, "PASS nope\r\n").await.starts_with("530"));
    assert!(exchange(&mut r, "USER root\r\n").await.starts_with("331"));
    assert!(exchange(&mut r, format!("PASS {}\r\n", d.password))
        .await
        .starts_with("230"));
    assert!(exchange(&mut r, "RETR /etc/passwd\r\n")
        .await
        .starts_with("502"));
    assert!(exchange(&mut r, "QUIT\r\n").await.starts_with("221"));
    lab.shutdown().await;
}

#[tokio::test]
async fn ssh_sends_the_identification_string_then_its_key_exchange() {
    let lab = lab(Ipv4Addr::new(127, 63, 7, 1)).await;
    let d = dev(&lab, "dahua");
    assert!(
        !dev(&lab, "plain").ports.contains_key("ssh"),
        "off by default"
    );
    let mut r = BufReader::new(connect(d, "ssh").await);
    assert_eq!(line(&mut r).await, "SSH-2.0-dropbear_2014.63\r\n");
    r.get_mut()
        .write_all(b"SSH-2.0-camguard_test\r\n")
        .await
        .unwrap();
    // Then the key exchange (crates/lab/src/ssh_server.rs): a binary packet holding KEXINIT.
    let mut head = [0u8; 6];
    tokio::time::timeout(DEADLINE, r.read_exact(&mut head))
        .await
        .expect("KEXINIT in time")
        .expect("read");
    let length = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    assert!((16..35_000).contains(&length), "packet length {length}");
    assert_eq!(head[5], 20, "SSH_MSG_KEXINIT");

    // OpenSSH's own client reads the same identification.
    if require_tool(
        "ssh",
        "ssh_sends_the_identification_string_then_its_key_exchange",
    ) {
        let port = d.ports["ssh"].to_string();
        let out = run(
            "ssh",
            &[
                "-v",
                "-p",
                &port,
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "ConnectTimeout=5",
                &format!("probe@{}", d.address),
                "true",
            ],
            Duration::from_secs(15),
        )
        .await;
        assert!(!out.ok(), "no shell is ever granted");
        assert!(
            out.stderr
                .contains("remote software version dropbear_2014.63"),
            "{}",
            out.stderr
        );
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn recorders_serve_every_channel_and_the_manifest_says_so() {
    let lab = lab(Ipv4Addr::new(127, 63, 8, 1)).await;
    let xvr = dev(&lab, "xvr");
    assert_eq!((xvr.device_type.as_str(), xvr.channels), ("dvr", 4));
    assert_eq!(xvr.stream_urls.len(), 8, "main + sub per channel");
    assert!(xvr.stream_urls[6].ends_with("/cam/realmonitor?channel=4&subtype=0"));
    assert_eq!(xvr.firmware, "4.001.0000000.3.R, Build Date 2021-03-30");
    assert_eq!(xvr.known_cves, ["CVE-2021-33044", "CVE-2021-33045"]);
    assert_eq!(dev(&lab, "axis").known_cves, Vec::<String>::new());
    let hik = dev(&lab, "hik");
    assert_eq!(hik.firmware, "V5.5.82 build 190909");
    assert_eq!(hik.known_cves, ["CVE-2021-36260"]);
    lab.shutdown().await;
}

/// POST a SOAP 1.2 body to the device service; returns the response body.
async fn soap(d: &ManifestDevice, service: &str, ns: &str, op: &str) -> String {
    let body = format!(
        "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">\
         <s:Body><{op} xmlns=\"{ns}\"/></s:Body></s:Envelope>"
    );
    let mut s = connect(d, "onvif").await;
    let req = format!(
        "POST /onvif/{service} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/soap+xml\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        d.address,
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(DEADLINE, s.read_to_end(&mut out))
        .await
        .expect("answer in time")
        .expect("read");
    let text = String::from_utf8_lossy(&out).into_owned();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    text
}

#[tokio::test]
async fn recorder_onvif_has_a_video_source_per_channel_and_a_profile_per_stream() {
    let lab = lab(Ipv4Addr::new(127, 63, 9, 1)).await;
    let nvr = dev(&lab, "nvr");
    let media = "http://www.onvif.org/ver10/media/wsdl";
    let sources = soap(nvr, "media_service", media, "GetVideoSources").await;
    assert_eq!(
        sources.matches("<trt:VideoSources ").count(),
        4,
        "{sources}"
    );
    for ch in 1..=4 {
        assert!(sources.contains(&format!("token=\"VideoSource_{ch}\"")));
    }
    let profiles = soap(nvr, "media_service", media, "GetProfiles").await;
    assert_eq!(profiles.matches("<trt:Profiles ").count(), 8, "{profiles}");
    for ch in 1..=4 {
        assert_eq!(
            profiles
                .matches(&format!(
                    "<tt:SourceToken>VideoSource_{ch}</tt:SourceToken>"
                ))
                .count(),
            2,
            "main + sub of channel {ch}"
        );
    }
    lab.shutdown().await;
}
