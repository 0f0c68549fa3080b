//! The lab's own behaviour over raw sockets: start/stop, address conflicts, RTSP and ONVIF
//! protocol details, telnet, and resistance to hostile clients.

mod common;

use camguard_lab::{Lab, LabConfig, LabError, LabOptions};
use camguard_protocols::auth::{self, Credentials};
use camguard_protocols::wire::{self, BodyMode, Limits};
use common::{exchange, port_offset, rtsp, service_addr, soap, start};
use std::net::Ipv4Addr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const DEADLINE: Duration = Duration::from_secs(10);

fn post(path: &str, host: &str, body: &str) -> Vec<u8> {
    wire::encode_request(
        "POST",
        path,
        "HTTP/1.1",
        &[
            ("Host", host),
            ("Content-Type", "application/soap+xml; charset=utf-8"),
        ],
        body.as_bytes(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn address_in_use_is_an_error_naming_it_and_shutdown_frees_ports() {
    let base = Ipv4Addr::new(127, 77, 20, 1);
    let config = LabConfig::generate(2, 3);
    let opts = LabOptions {
        base,
        port_offset: port_offset(base),
    };
    let lab = Lab::start(&config, &opts).await.expect("first lab");
    match Lab::start(&config, &opts).await {
        Err(LabError::Bind { addr, .. }) => assert_eq!(addr.ip(), base),
        other => panic!("expected a bind error, got {other:?}"),
    }
    let err = Lab::start(&config, &opts).await.expect_err("in use");
    assert!(err.to_string().contains(&base.to_string()), "{err}");
    lab.shutdown().await;
    let again = Lab::start(&config, &opts).await.expect("ports freed");
    again.shutdown().await;
    let outside = LabOptions {
        base: Ipv4Addr::new(10, 0, 0, 1),
        port_offset: 0,
    };
    assert!(matches!(
        Lab::start(&config, &outside).await,
        Err(LabError::Options(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_lab_manifest_matches_config() {
    let base = Ipv4Addr::new(127, 77, 21, 1);
    let config = LabConfig::generate(6, 11);
    let lab = Lab::start(
        &config,
        &LabOptions {
            base,
            port_offset: port_offset(base),
        },
    )
    .await
    .expect("lab");
    let m = lab.manifest();
    assert_eq!(m.devices.len(), 6);
    for (i, (d, spec)) in m.devices.iter().zip(&config.devices).enumerate() {
        assert_eq!(u32::from(d.address), u32::from(base) + i as u32);
        assert_eq!(
            (&d.id, &d.serial, &d.password),
            (&spec.id, &spec.serial, &spec.password)
        );
        assert_eq!(d.telnet, d.ports.contains_key("telnet"));
        assert!(d.stream_urls[0].starts_with(&format!("rtsp://{}:{}/", d.address, d.ports["rtsp"])));
        // Every listed port answers.
        for port in d.ports.values() {
            TcpStream::connect((d.address, *port))
                .await
                .expect("port listens");
        }
    }
    let json = serde_json::to_string(m).expect("json");
    let back: camguard_lab::Manifest = serde_json::from_str(&json).expect("round trip");
    assert_eq!(&back, m);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtsp_options_public_digest_challenge_describe_and_404() {
    let lab = start(
        concat!(
            "[[device]]\nid = \"dh\"\npersonality = \"dahua\"\nrtsp_auth = \"digest\"\n",
            "[[device]]\nid = \"hik\"\npersonality = \"hikvision\"\nrtsp_auth = \"digest\"\n",
        ),
        Ipv4Addr::new(127, 77, 22, 1),
    )
    .await;
    let dh = lab.manifest().device("dh").expect("dh").clone();
    let addr = service_addr(&dh, "rtsp");
    let url = dh.stream_urls[0].clone();

    let r = exchange(addr, &rtsp("OPTIONS", &url, 1, &[])).await;
    assert_eq!(
        r.status().expect("status").code,
        200,
        "OPTIONS is never challenged"
    );
    assert!(r.header("Public").expect("Public").contains("DESCRIBE"));
    assert_eq!(r.header("CSeq"), Some("1"));
    assert_eq!(r.header("Server"), Some("Rtsp Server/3.0"));

    let r = exchange(addr, &rtsp("DESCRIBE", &url, 2, &[])).await;
    assert_eq!(r.status().expect("status").code, 401);
    let challenge = r.header("WWW-Authenticate").expect("challenge");
    let parsed = auth::parse_challenges(challenge);
    let ch = auth::strongest(&parsed).expect("a challenge");
    assert_eq!(ch.realm(), Some(format!("Login to {}", dh.serial).as_str()));

    let creds = Credentials::new(&dh.username, &dh.password);
    let authz = auth::authorization_for(ch, &creds, "DESCRIBE", &url).expect("authorization");
    let r = exchange(
        addr,
        &rtsp(
            "DESCRIBE",
            &url,
            3,
            &[("Authorization", &authz), ("Accept", "application/sdp")],
        ),
    )
    .await;
    assert_eq!(r.status().expect("status").code, 200);
    assert_eq!(r.header("Content-Type"), Some("application/sdp"));
    assert_eq!(r.header("Content-Base"), Some(format!("{url}/").as_str()));
    let sdp = String::from_utf8_lossy(&r.body);
    assert!(sdp.contains("m=video 0 RTP/AVP 26"), "{sdp}");
    assert!(sdp.contains("a=rtpmap:26 JPEG/90000"), "{sdp}");

    let wrong = Credentials::new(&dh.username, "wrong");
    let authz = auth::authorization_for(ch, &wrong, "DESCRIBE", &url).expect("authorization");
    let r = exchange(
        addr,
        &rtsp("DESCRIBE", &url, 4, &[("Authorization", &authz)]),
    )
    .await;
    assert_eq!(r.status().expect("status").code, 401);

    let missing = url.replace("realmonitor", "nothing");
    let authz = auth::authorization_for(ch, &creds, "DESCRIBE", &missing).expect("authorization");
    let r = exchange(
        addr,
        &rtsp("DESCRIBE", &missing, 5, &[("Authorization", &authz)]),
    )
    .await;
    assert_eq!(r.status().expect("status").code, 404);

    let hik = lab.manifest().device("hik").expect("hik").clone();
    let haddr = service_addr(&hik, "rtsp");
    let r = exchange(haddr, &rtsp("OPTIONS", &hik.stream_urls[0], 1, &[])).await;
    assert_eq!(
        r.header("Server"),
        None,
        "Hikvision RTSP sends no Server header"
    );
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtsp_tcp_interleaved_play_delivers_marked_jpeg_rtp() {
    let lab = start(
        "[[device]]\nid = \"g\"\npersonality = \"generic_onvif\"\nrtsp_auth = \"none\"\n",
        Ipv4Addr::new(127, 77, 23, 1),
    )
    .await;
    let d = lab.manifest().device("g").expect("g").clone();
    let url = d.stream_urls[1].clone();
    let stream = TcpStream::connect((d.address, d.ports["rtsp"]))
        .await
        .expect("connect");
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let limits = Limits::default();
    let track = format!("{url}/trackID=0");
    w.write_all(&rtsp(
        "SETUP",
        &track,
        1,
        &[("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")],
    ))
    .await
    .expect("write");
    let setup = wire::read_message(&mut r, &limits, BodyMode::Request)
        .await
        .expect("read")
        .expect("reply");
    assert_eq!(setup.status().expect("status").code, 200);
    let session = setup
        .header("Session")
        .expect("session")
        .split(';')
        .next()
        .expect("id")
        .to_string();
    w.write_all(&rtsp("PLAY", &url, 2, &[("Session", &session)]))
        .await
        .expect("write");
    let mut markers = 0;
    let mut packets = 0;
    let mut got_play = false;
    while markers < 2 {
        match wire::deadline(DEADLINE, wire::read_frame(&mut r, &limits))
            .await
            .expect("frame")
        {
            Some(wire::Frame::Message(m)) => {
                assert_eq!(m.status().expect("status").code, 200);
                assert!(m.header("RTP-Info").is_some());
                got_play = true;
            }
            Some(wire::Frame::Interleaved { channel, data }) => {
                assert!(got_play, "PLAY reply precedes RTP");
                assert_eq!(channel, 0);
                assert!(data.len() <= 1400);
                assert_eq!(data[1] & 0x7F, 26);
                assert_eq!(&data[16..20], &[1, 255, 80, 45], "type 1, Q 255, 640x360");
                packets += 1;
                if data[1] & 0x80 != 0 {
                    markers += 1;
                }
            }
            None => panic!("closed"),
        }
    }
    assert!(packets > 2);
    w.write_all(&rtsp("TEARDOWN", &url, 3, &[("Session", &session)]))
        .await
        .expect("write");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onvif_preauth_wsse_faults_and_unknown_action() {
    let lab = start(
        "[[device]]\nid = \"hik\"\npersonality = \"hikvision\"\nonvif_auth = \"wsse\"\n",
        Ipv4Addr::new(127, 77, 24, 1),
    )
    .await;
    let d = lab.manifest().device("hik").expect("hik").clone();
    let addr = service_addr(&d, "onvif");
    let host = addr.to_string();
    let dev = "/onvif/device_service";
    let info = "<GetDeviceInformation xmlns=\"http://www.onvif.org/ver10/device/wsdl\"/>";

    let r = exchange(
        addr,
        &post(
            dev,
            &host,
            &soap(
                "<GetSystemDateAndTime xmlns=\"http://www.onvif.org/ver10/device/wsdl\"/>",
                None,
            ),
        ),
    )
    .await;
    assert_eq!(r.status().expect("status").code, 200, "pre-auth");
    assert!(String::from_utf8_lossy(&r.body).contains("<tt:UTCDateTime>"));

    let r = exchange(addr, &post(dev, &host, &soap(info, None))).await;
    assert_eq!(r.status().expect("status").code, 400);
    let body = String::from_utf8_lossy(&r.body).into_owned();
    assert!(body.contains("ter:NotAuthorized"), "{body}");

    let now = chrono::Utc::now();
    let created = now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let good = auth::wsse_security_header(&d.username, &d.password, b"0123456789abcdef", &created);
    let r = exchange(addr, &post(dev, &host, &soap(info, Some(good)))).await;
    assert_eq!(r.status().expect("status").code, 200);
    let body = String::from_utf8_lossy(&r.body).into_owned();
    let doc = roxmltree::Document::parse(&body).expect("xml");
    let text = |name: &str| {
        doc.descendants()
            .find(|n| {
                n.tag_name().name() == name
                    && n.tag_name().namespace() == Some("http://www.onvif.org/ver10/device/wsdl")
            })
            .and_then(|n| n.text())
            .map(str::to_string)
    };
    assert_eq!(text("Manufacturer").as_deref(), Some("HIKVISION"));
    assert_eq!(text("SerialNumber").as_deref(), Some(d.serial.as_str()));

    let stale = (now - chrono::Duration::hours(2))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let old = auth::wsse_security_header(&d.username, &d.password, b"nonce-nonce", &stale);
    let r = exchange(addr, &post(dev, &host, &soap(info, Some(old)))).await;
    assert_eq!(
        r.status().expect("status").code,
        400,
        "stale Created refused"
    );

    let wrong = auth::wsse_security_header(&d.username, "nope", b"0123456789abcdef", &created);
    let r = exchange(addr, &post(dev, &host, &soap(info, Some(wrong)))).await;
    assert_eq!(r.status().expect("status").code, 400);

    let good = auth::wsse_security_header(&d.username, &d.password, b"x", &created);
    let r = exchange(
        addr,
        &post(
            dev,
            &host,
            &soap(
                "<Reboot xmlns=\"http://www.onvif.org/ver10/device/wsdl\"/>",
                Some(good),
            ),
        ),
    )
    .await;
    assert!(String::from_utf8_lossy(&r.body).contains("ter:ActionNotSupported"));

    let r = exchange(addr, &post(dev, &host, "<s:Envelope><unclosed>")).await;
    assert_eq!(r.status().expect("status").code, 400);
    let r = exchange(
        addr,
        &post(dev, &host, "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>"),
    )
    .await;
    assert_eq!(r.status().expect("status").code, 400, "DTDs refused");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telnet_shows_banner_and_login_prompt() {
    let lab = start(
        "[[device]]\nid = \"g\"\npersonality = \"generic_onvif\"\ntelnet = true\n",
        Ipv4Addr::new(127, 77, 25, 1),
    )
    .await;
    let d = lab.manifest().device("g").expect("g").clone();
    let mut s = TcpStream::connect((d.address, d.ports["telnet"]))
        .await
        .expect("connect");
    let mut buf = vec![0u8; 256];
    let mut got = Vec::new();
    while !String::from_utf8_lossy(&got).contains("login: ") {
        let n = tokio::time::timeout(DEADLINE, s.read(&mut buf))
            .await
            .expect("in time")
            .expect("read");
        assert!(n > 0, "closed early");
        got.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&got).contains("(none) login: "));
    s.write_all(b"root\r\n").await.expect("write");
    let n = tokio::time::timeout(DEADLINE, s.read(&mut buf))
        .await
        .expect("in time")
        .expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).contains("Password"));
    // A device without telnet does not listen on it.
    let lab2 = start(
        "[[device]]\nid = \"h\"\npersonality = \"hikvision\"\ntelnet = false\n",
        Ipv4Addr::new(127, 77, 25, 10),
    )
    .await;
    let h = lab2.manifest().device("h").expect("h").clone();
    assert!(!h.ports.contains_key("telnet"));
    lab2.shutdown().await;
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_clients_do_not_take_the_lab_down() {
    let lab = start(
        "[[device]]\nid = \"g\"\npersonality = \"generic_onvif\"\ntelnet = true\nweb_auth = \"none\"\n",
        Ipv4Addr::new(127, 77, 26, 1),
    )
    .await;
    let d = lab.manifest().device("g").expect("g").clone();
    let long_line = vec![b'A'; 100_000];
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 37 % 256) as u8).collect();
    let huge_body =
        b"POST /onvif/device_service HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n<x>".to_vec();
    let interleaved_flood = [b'$', 0, 0xFF, 0xFF];
    for port in d.ports.values() {
        for payload in [
            &long_line[..],
            &garbage[..],
            &huge_body[..],
            &interleaved_flood[..],
        ] {
            if let Ok(mut s) = TcpStream::connect((d.address, *port)).await {
                let _ = s.write_all(payload).await;
                let mut sink = vec![0u8; 4096];
                let _ = tokio::time::timeout(Duration::from_millis(300), s.read(&mut sink)).await;
            }
        }
        // Half-open connections that never speak.
        let _idle = TcpStream::connect((d.address, *port)).await;
    }
    // Still serving.
    let addr = service_addr(&d, "http");
    let r = exchange(addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(r.status().expect("status").code, 200);
    let raddr = service_addr(&d, "rtsp");
    let r = exchange(raddr, &rtsp("OPTIONS", "*", 7, &[])).await;
    assert_eq!(r.status().expect("status").code, 200);
    let r = exchange(raddr, b"GET / HTTP/1.1\r\n\r\n").await;
    assert!(r.start_line.starts_with("RTSP/1.0 "), "{}", r.start_line);
    lab.shutdown().await;
}
