//! Hostile servers on 127.0.0.1 ephemeral ports: every client must end within its deadline
//! with a reasoned error (or a bounded, truncated answer), never panic, stall or balloon.

use camguard_protocols::http::{self, ClientOptions, ProtoError};
use camguard_protocols::onvif::{OnvifClient, DEVICE_SERVICE};
use camguard_protocols::rtsp::RtspSession;
use camguard_protocols::telnet;
use camguard_protocols::wire::{Limits, WireError};
use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const IO: Duration = Duration::from_millis(800);
/// Slack for scheduling on a loaded 2-core machine.
const SLACK: Duration = Duration::from_millis(1500);

fn opts() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_millis(500),
        io_timeout: IO,
        limits: Limits {
            max_line: 4096,
            max_headers: 50,
            max_header_bytes: 16 * 1024,
            max_body: 64 * 1024,
        },
        ..ClientOptions::default()
    }
}

/// Serve every connection with `behave` (each connection's task ends by itself).
async fn serve<F, Fut>(behave: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for _ in 0..32 {
            let Ok((s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(tokio::time::timeout(Duration::from_secs(20), behave(s)));
        }
    });
    addr
}

async fn drain_request(s: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_millis(100), s.read(&mut buf)).await;
}

async fn drip(mut s: TcpStream) {
    drain_request(&mut s).await;
    let text = b"HTTP/1.1 200 OK\r\nServer: drip\r\n".repeat(10);
    for b in text {
        if s.write_all(&[b]).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn endless_headers(mut s: TcpStream) {
    drain_request(&mut s).await;
    if s.write_all(b"HTTP/1.1 200 OK\r\n").await.is_err() {
        return;
    }
    for i in 0..1_000_000u32 {
        if s.write_all(format!("X-H{i}: v\r\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

async fn one_gib(mut s: TcpStream) {
    drain_request(&mut s).await;
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1073741824\r\n\r\n";
    if s.write_all(head).await.is_err() {
        return;
    }
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..16_384 {
        if s.write_all(&chunk).await.is_err() {
            return;
        }
    }
}

async fn garbage_binary(mut s: TcpStream) {
    drain_request(&mut s).await;
    let junk: Vec<u8> = (0..200_000u32)
        .map(|i| (i * 7 % 251) as u8 | 0x80)
        .collect();
    let _ = s.write_all(&junk).await;
}

async fn garbage_lines(mut s: TcpStream) {
    drain_request(&mut s).await;
    let _ = s
        .write_all(b"\x16\x03\x01 hello there\r\nno colon here\r\n\r\n")
        .await;
}

async fn hang(s: TcpStream) {
    tokio::time::sleep(Duration::from_secs(15)).await;
    drop(s);
}

async fn timed<T>(f: impl Future<Output = T>) -> (T, Duration) {
    let t = Instant::now();
    let r = f.await;
    (r, t.elapsed())
}

fn within(d: Duration, limit: Duration) {
    assert!(d < limit, "took {d:?}, limit {limit:?}");
}

async fn http_get(
    addr: SocketAddr,
) -> (
    Result<camguard_protocols::wire::Message, ProtoError>,
    Duration,
) {
    timed(http::get(addr, "127.0.0.1", "/", &[], &opts())).await
}

#[tokio::test]
async fn http_slow_drip_hits_the_deadline() {
    let addr = serve(drip).await;
    let (r, d) = http_get(addr).await;
    assert!(matches!(r, Err(ProtoError::Timeout(_))), "{r:?}");
    within(d, IO + SLACK);
}

#[tokio::test]
async fn http_endless_headers_are_cut() {
    let addr = serve(endless_headers).await;
    let (r, d) = http_get(addr).await;
    assert!(
        matches!(
            r,
            Err(ProtoError::Wire(WireError::TooManyHeaders))
                | Err(ProtoError::Wire(WireError::HeadersTooLarge))
        ),
        "{r:?}"
    );
    within(d, IO + SLACK);
}

#[tokio::test]
async fn http_one_gib_content_length_is_truncated() {
    let addr = serve(one_gib).await;
    let (r, d) = http_get(addr).await;
    let m = r.unwrap();
    assert!(m.body_truncated);
    assert_eq!(m.body.len(), 64 * 1024);
    within(d, IO + SLACK);
}

#[tokio::test]
async fn http_garbage_is_not_http() {
    let addr = serve(garbage_binary).await;
    let (r, d) = http_get(addr).await;
    assert!(
        matches!(r, Err(ProtoError::Wire(WireError::LineTooLong))),
        "{r:?}"
    );
    within(d, IO + SLACK);
    let addr = serve(garbage_lines).await;
    let (r, _) = http_get(addr).await;
    assert!(
        matches!(
            r,
            Err(ProtoError::NotHttp(_)) | Err(ProtoError::Wire(WireError::Malformed(_)))
        ),
        "{r:?}"
    );
    if let Err(e) = r {
        assert!(
            !e.to_string().contains('\x16'),
            "control bytes must be escaped: {e}"
        );
    }
}

#[tokio::test]
async fn http_accept_and_hang_times_out() {
    let addr = serve(hang).await;
    let (r, d) = http_get(addr).await;
    assert!(matches!(r, Err(ProtoError::Timeout(_))), "{r:?}");
    within(d, IO + SLACK);
}

#[tokio::test]
async fn closed_port_is_refused() {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    let (r, d) = http_get(addr).await;
    assert!(matches!(r, Err(ProtoError::Refused)), "{r:?}");
    within(d, SLACK);
}

#[tokio::test]
async fn rtsp_client_survives_hostile_servers() {
    for (name, addr) in [
        ("drip", serve(drip).await),
        ("headers", serve(endless_headers).await),
        ("garbage", serve(garbage_binary).await),
        ("hang", serve(hang).await),
        ("http", serve(one_gib).await),
    ] {
        let (r, d) = timed(async {
            let mut s = RtspSession::connect(addr, &opts()).await?;
            s.options().await
        })
        .await;
        assert!(r.is_err(), "{name}: {r:?}");
        within(d, IO + SLACK);
        let (r, d) = timed(async {
            let mut s = RtspSession::connect(addr, &opts()).await?;
            s.describe("/live", None).await
        })
        .await;
        assert!(r.is_err(), "{name}: {r:?}");
        within(d, IO + SLACK);
    }
}

#[tokio::test]
async fn onvif_client_survives_hostile_servers() {
    for (name, addr) in [
        ("drip", serve(drip).await),
        ("headers", serve(endless_headers).await),
        ("garbage", serve(garbage_binary).await),
        ("hang", serve(hang).await),
        ("1GiB", serve(one_gib).await),
    ] {
        let c = OnvifClient::new(addr, &opts());
        let (r, d) = timed(c.get_device_information(DEVICE_SERVICE, None)).await;
        assert!(r.is_err(), "{name}: {r:?}");
        within(d, IO + SLACK);
    }
}

#[tokio::test]
async fn telnet_banner_is_bounded_in_time_and_size() {
    let addr = serve(hang).await;
    let (r, d) = timed(telnet::read_banner(addr, &opts())).await;
    assert_eq!(r.unwrap(), "");
    within(d, IO + SLACK);
    let addr = serve(drip).await;
    let (r, d) = timed(telnet::read_banner(addr, &opts())).await;
    assert!(r.unwrap().starts_with("HTTP"));
    within(d, IO + SLACK);
    let addr = serve(garbage_binary).await;
    let (r, d) = timed(telnet::read_banner(addr, &opts())).await;
    assert!(r.unwrap().chars().count() <= telnet::MAX_BANNER + 1);
    within(d, IO + SLACK);
}

/// Regression (hostile lab `malformed_rtsp`): a broken RTSP status line ("RTSP/1.0 2000 OK",
/// "RTSP/1.0 -20 Bad") was skipped as if it were a server request, and the client sat out its
/// whole deadline before reporting "no complete answer". It is now reported at once, naming
/// the status line.
#[tokio::test]
async fn malformed_rtsp_status_line_is_reported_at_once() {
    for line in ["RTSP/1.0 2000 OK", "RTSP/1.0 -20 Bad", "RTSP/1.0 OK"] {
        let addr = serve(move |mut s: TcpStream| async move {
            drain_request(&mut s).await;
            let reply = format!("{line}\r\nCSeq: 1\r\n\r\n");
            let _ = s.write_all(reply.as_bytes()).await;
            hang(s).await;
        })
        .await;
        let (r, d) = timed(async {
            let mut s = RtspSession::connect(addr, &opts()).await?;
            s.options().await
        })
        .await;
        match r {
            Err(ProtoError::Wire(WireError::Malformed(m))) => {
                assert!(m.contains("status"), "{line}: {m}")
            }
            other => panic!("{line}: expected a malformed status line, got {other:?}"),
        }
        within(d, IO / 2);
    }
}

/// A server request (here GET_PARAMETER) before the answer is skipped, not taken as the answer.
#[tokio::test]
async fn server_request_before_the_answer_is_skipped() {
    let addr = serve(|mut s: TcpStream| async move {
        drain_request(&mut s).await;
        let _ = s
            .write_all(
                b"GET_PARAMETER rtsp://127.0.0.1/ RTSP/1.0\r\nCSeq: 9\r\n\r\n\
                  RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n",
            )
            .await;
        hang(s).await;
    })
    .await;
    let mut s = RtspSession::connect(addr, &opts()).await.expect("connect");
    let info = s.options().await.expect("answer after the server request");
    assert!(format!("{info:?}").contains("DESCRIBE"), "{info:?}");
}
