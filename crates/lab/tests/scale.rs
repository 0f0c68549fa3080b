//! A large lab in one process: 10,000 devices start within the bound, the shared loopback
//! listeners route each connection to the right device, and addresses outside the lab are
//! not served.

use camguard_lab::{Lab, LabConfig, LabOptions};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const OFFSET: u16 = 36_000;
const DEVICES: usize = 10_000;

async fn exchange(addr: SocketAddr, request: &str) -> String {
    let mut s = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    s.write_all(request.as_bytes()).await.expect("write");
    let mut buf = vec![0u8; 4096];
    let mut got = 0;
    let end = tokio::time::Instant::now() + Duration::from_secs(5);
    while got < buf.len() {
        match tokio::time::timeout_at(end, s.read(&mut buf[got..])).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => {
                got += n;
                if buf[..got].windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            Ok(Err(_)) => break,
        }
    }
    String::from_utf8_lossy(&buf[..got]).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_devices_in_one_process() {
    let base = Ipv4Addr::new(127, 92, 0, 1);
    let config = LabConfig::try_generate(DEVICES, 3).expect("within the cap");
    let started = Instant::now();
    let lab = Lab::start(
        &config,
        &LabOptions {
            base,
            port_offset: OFFSET,
        },
    )
    .await
    .expect("a 10,000-device lab starts");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "start took {took:?}");
    let manifest = lab.manifest().clone();
    assert_eq!(manifest.devices.len(), DEVICES);

    // Devices across the range, including addresses ending in .255 and .0, answer HTTP and
    // RTSP through the shared listeners.
    for i in [0, 254, 255, DEVICES / 2, DEVICES - 1] {
        let d = &manifest.devices[i];
        let http = SocketAddr::new(d.address.into(), d.ports["http"]);
        let answer = exchange(
            http,
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(
            answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.1 401"),
            "{} ({}): {answer:?}",
            d.id,
            d.address
        );
        let rtsp = SocketAddr::new(d.address.into(), d.ports["rtsp"]);
        let url = format!("rtsp://{}:{}/", d.address, d.ports["rtsp"]);
        let answer = exchange(rtsp, &format!("OPTIONS {url} RTSP/1.0\r\nCSeq: 7\r\n\r\n")).await;
        assert!(answer.starts_with("RTSP/1.0 200"), "{}: {answer:?}", d.id);
        assert!(answer.contains("CSeq: 7"), "{}: {answer:?}", d.id);
    }

    // One past the last device: the shared listener closes the connection unanswered.
    let outside = Ipv4Addr::from(u32::from(base) + DEVICES as u32 + 1);
    let port = manifest.devices[0].ports["http"];
    match TcpStream::connect((outside, port)).await {
        Err(_) => {}
        Ok(mut s) => {
            let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
            let mut buf = [0u8; 64];
            let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
                .await
                .expect("closed promptly")
                .unwrap_or(0);
            assert_eq!(n, 0, "an address outside the lab was served");
        }
    }
    lab.shutdown().await;
}

#[test]
fn more_than_the_cap_is_a_clear_error() {
    let err = LabConfig::try_generate(65_001, 1).expect_err("over the cap");
    assert!(err.to_string().contains("at most 65000"), "{err}");
}
