//! The hostile devices as a raw client sees them, and their own bounds: every behaviour does
//! what it says, and a hostile connection ends when the client goes away (a lab that kept
//! dripping to departed clients would run out of connection slots).

use camguard_lab::hostile::{Hostile, GZIP_BOMB_INFLATED, HUGE_CONTENT_LENGTH};
use camguard_lab::{Lab, LabConfig, LabOptions, MAX_CONNECTIONS_PER_LISTENER};
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const FILE: &str = include_str!("../../../data/lab/hostile.toml");
const OFFSET: u16 = 37_000;

async fn start(base: Ipv4Addr) -> Lab {
    let config = LabConfig::from_toml_str(FILE).expect("hostile.toml parses");
    Lab::start(
        &config,
        &LabOptions {
            base,
            port_offset: OFFSET,
        },
    )
    .await
    .expect("hostile lab starts")
}

fn addr(lab: &Lab, id: &str, service: &str) -> SocketAddr {
    let d = lab.manifest().device(id).expect(id);
    SocketAddr::new(d.address.into(), d.ports[service])
}

/// Send `request`, read for at most `wait` (or until `max` bytes / EOF).
async fn read_for(a: SocketAddr, request: &[u8], wait: Duration, max: usize) -> Vec<u8> {
    let mut s = TcpStream::connect(a).await.expect("connect");
    if !request.is_empty() {
        s.write_all(request).await.expect("write");
    }
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    let end = tokio::time::Instant::now() + wait;
    while out.len() < max {
        match tokio::time::timeout_at(end, s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => out.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    out
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";

#[test]
fn the_shipped_hostile_lab_covers_every_behaviour() {
    let config = LabConfig::from_toml_str(FILE).expect("parses");
    let covered: BTreeSet<Hostile> = config
        .devices
        .iter()
        .flat_map(|d| d.hostile.iter().copied())
        .collect();
    assert_eq!(covered.len(), Hostile::ALL.len(), "{covered:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_behaviour_does_what_it_says() {
    let lab = start(Ipv4Addr::new(127, 93, 0, 1)).await;

    let t = Instant::now();
    let drip = read_for(
        addr(&lab, "slow-drip", "http"),
        GET,
        Duration::from_millis(2500),
        1 << 16,
    )
    .await;
    assert!(
        (1..=4).contains(&drip.len()) && drip.starts_with(b"HT"),
        "one byte a second: {drip:?} after {:?}",
        t.elapsed()
    );

    let headers = read_for(
        addr(&lab, "endless-headers", "rtsp"),
        b"OPTIONS * RTSP/1.0\r\nCSeq: 3\r\n\r\n",
        Duration::from_secs(1),
        1 << 20,
    )
    .await;
    let text = String::from_utf8_lossy(&headers);
    assert!(
        text.starts_with("RTSP/1.0 200 OK\r\nCSeq: 3\r\n"),
        "{}",
        &text[..text.len().min(80)]
    );
    assert!(
        text.matches("X-Endless-").count() > 100,
        "headers keep coming"
    );

    let huge = read_for(
        addr(&lab, "huge-content-length", "http"),
        GET,
        Duration::from_millis(800),
        1 << 16,
    )
    .await;
    let text = String::from_utf8_lossy(&huge);
    assert!(
        text.contains(&format!("Content-Length: {HUGE_CONTENT_LENGTH}")),
        "{text:.200}"
    );

    let bomb = read_for(
        addr(&lab, "gzip-bomb", "http"),
        GET,
        Duration::from_secs(5),
        4 << 20,
    )
    .await;
    let split = bomb
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("head")
        + 4;
    let head = String::from_utf8_lossy(&bomb[..split]);
    assert!(head.contains("Content-Encoding: gzip"), "{head}");
    assert!(bomb.len() - split < 2 << 20, "small on the wire");
    let mut inflated = 0usize;
    let mut dec = flate2::read::GzDecoder::new(&bomb[split..]);
    let mut buf = vec![0u8; 1 << 20];
    while let Ok(n) = std::io::Read::read(&mut dec, &mut buf) {
        if n == 0 {
            break;
        }
        inflated += n;
    }
    assert_eq!(inflated, GZIP_BOMB_INFLATED);

    let post = b"POST /onvif/device_service HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    let laughs = read_for(
        addr(&lab, "billion-laughs", "onvif"),
        post,
        Duration::from_secs(3),
        1 << 20,
    )
    .await;
    assert!(String::from_utf8_lossy(&laughs).contains("<!ENTITY lol9"));
    let deep = read_for(
        addr(&lab, "deep-nesting", "onvif"),
        post,
        Duration::from_secs(5),
        1 << 21,
    )
    .await;
    assert!(deep.windows(3).filter(|w| w == b"<a>").count() >= 100_000);

    let mut lines = BTreeSet::new();
    for _ in 0..7 {
        let r = read_for(
            addr(&lab, "malformed-rtsp", "rtsp"),
            b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n",
            Duration::from_millis(500),
            4096,
        )
        .await;
        lines.insert(
            String::from_utf8_lossy(&r)
                .lines()
                .next()
                .unwrap_or("")
                .to_string(),
        );
    }
    assert!(lines.len() >= 5, "rotating malformed answers: {lines:?}");

    let utf8 = read_for(
        addr(&lab, "invalid-utf8", "http"),
        GET,
        Duration::from_secs(2),
        4096,
    )
    .await;
    assert!(std::str::from_utf8(&utf8).is_err(), "invalid UTF-8");
    let banner = read_for(
        addr(&lab, "invalid-utf8", "telnet"),
        b"",
        Duration::from_millis(500),
        4096,
    )
    .await;
    assert!(!banner.is_empty() && std::str::from_utf8(&banner).is_err());

    let hello = [0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00];
    let tls = read_for(
        addr(&lab, "tls-garbage", "https"),
        &hello,
        Duration::from_secs(1),
        8192,
    )
    .await;
    assert!(!tls.is_empty(), "garbage after the ClientHello");

    let hang = read_for(
        addr(&lab, "accept-hang", "rtsp"),
        b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n",
        Duration::from_millis(500),
        16,
    )
    .await;
    assert!(hang.is_empty(), "says nothing");

    let mut s = TcpStream::connect(addr(&lab, "reset-after-accept", "http")).await;
    if let Ok(s) = s.as_mut() {
        let _ = s.write_all(GET).await;
        let mut buf = [0u8; 16];
        let r = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await;
        assert!(
            matches!(r, Ok(Err(ref e)) if e.kind() == std::io::ErrorKind::ConnectionReset)
                || matches!(r, Ok(Ok(0))),
            "reset: {r:?}"
        );
    }
    lab.shutdown().await;
}

/// More slow-drip and endless-header clients than a listener has slots, each leaving after a
/// moment: the lab notices they left and frees the slots, so a fresh client is still served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_connections_end_when_the_client_leaves() {
    let lab = start(Ipv4Addr::new(127, 93, 1, 1)).await;
    for (id, service, request) in [
        ("slow-drip", "http", GET.to_vec()),
        ("endless-headers", "http", GET.to_vec()),
        (
            "huge-content-length",
            "rtsp",
            b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n".to_vec(),
        ),
    ] {
        let a = addr(&lab, id, service);
        for round in 0..1 {
            let mut clients = Vec::new();
            for _ in 0..MAX_CONNECTIONS_PER_LISTENER {
                let mut s = TcpStream::connect(a).await.expect("connect");
                s.write_all(&request).await.expect("write");
                clients.push(s);
            }
            // Give the lab a moment to start answering, then leave.
            tokio::time::sleep(Duration::from_millis(300)).await;
            drop(clients);
            tokio::time::sleep(Duration::from_millis(1500)).await;
            let fresh = read_for(a, &request, Duration::from_millis(2500), 2).await;
            assert!(
                !fresh.is_empty(),
                "{id} round {round}: slots not freed after the clients left"
            );
        }
    }
    lab.shutdown().await;
}
