//! A small camera written for these tests on 127.0.0.1 ephemeral ports: HTTP web UI with
//! Digest, ONVIF device and media services with WS-Security, RTSP with Digest (or none) and
//! interleaved RTP, a telnet service that negotiates, and a silent proprietary port.
//! Built on the crate's own server-side framing and auth (`wire`, `auth`).

use camguard_protocols::auth::{self, DigestAlgorithm};
use camguard_protocols::wire::{self, BodyMode, Frame, Limits, Message};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

pub const USER: &str = "admin";
pub const REALM: &str = "IP Camera(FAKE01)";
pub const STREAM_PATH: &str = "/Streaming/Channels/101";

/// How the fake camera behaves.
#[derive(Debug, Clone)]
pub struct CameraSpec {
    pub password: String,
    pub rtsp_anonymous: bool,
    pub onvif_anonymous_info: bool,
    pub rtp_packets: u32,
}

/// Observable server-side facts.
#[derive(Debug, Default)]
pub struct Counters {
    pub telnet_refusal_seen: AtomicBool,
    pub rtsp_auth_failures: AtomicU32,
    pub http_auth_failures: AtomicU32,
    pub onvif_auth_failures: AtomicU32,
    pub rtp_sent: AtomicU32,
}

pub struct Camera {
    pub http: u16,
    pub rtsp: u16,
    pub telnet: u16,
    pub silent: u16,
    pub closed: u16,
    pub counters: Arc<Counters>,
}

async fn listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let p = l.local_addr().unwrap().port();
    (l, p)
}

fn spawn_server<F, Fut>(l: TcpListener, spec: Arc<CameraSpec>, c: Arc<Counters>, f: F)
where
    F: Fn(TcpStream, Arc<CameraSpec>, Arc<Counters>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let fut = f(s, spec.clone(), c.clone());
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(20), fut).await;
            });
        }
    });
}

pub async fn start(spec: CameraSpec) -> Camera {
    let spec = Arc::new(spec);
    let counters = Arc::new(Counters::default());
    let (hl, http) = listener().await;
    let (rl, rtsp) = listener().await;
    let (tl, telnet) = listener().await;
    let (sl, silent) = listener().await;
    let (cl, closed) = listener().await;
    drop(cl);
    spawn_server(hl, spec.clone(), counters.clone(), serve_http);
    spawn_server(rl, spec.clone(), counters.clone(), serve_rtsp);
    spawn_server(tl, spec.clone(), counters.clone(), serve_telnet);
    spawn_server(sl, spec.clone(), counters.clone(), |s, _, _| async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(s);
    });
    Camera {
        http,
        rtsp,
        telnet,
        silent,
        closed,
        counters,
    }
}

fn authorized(m: &Message, method: &str, password: &str) -> bool {
    m.header("authorization")
        .and_then(auth::parse_authorization)
        .is_some_and(|a| auth::verify(&a, method, USER, password, REALM))
}

fn challenge() -> String {
    auth::digest_challenge(REALM, &auth::new_nonce(), DigestAlgorithm::Md5, true)
}

// ---------------------------------------------------------------- HTTP + ONVIF

async fn serve_http(s: TcpStream, spec: Arc<CameraSpec>, c: Arc<Counters>) {
    let (rd, mut wr) = s.into_split();
    let mut rd = BufReader::new(rd);
    let Ok(Some(m)) = wire::read_message(&mut rd, &Limits::default(), BodyMode::Request).await
    else {
        return;
    };
    let Ok(req) = m.request() else { return };
    let resp = match (req.method.as_str(), req.target.as_str()) {
        ("GET", "/") => {
            if authorized(&m, "GET", &spec.password) {
                html(
                    200,
                    "<html><head><title>Fake &amp; Cam</title></head><body>ok</body></html>",
                )
            } else {
                if m.header("authorization").is_some() {
                    c.http_auth_failures.fetch_add(1, Ordering::SeqCst);
                }
                let ch = challenge();
                wire::encode_response(
                    "HTTP/1.1",
                    401,
                    "Unauthorized",
                    &[("WWW-Authenticate", &ch), ("Server", "FakeCam-httpd")],
                    b"<title>401</title>",
                )
            }
        }
        ("GET", "/favicon.ico") => wire::encode_response(
            "HTTP/1.1",
            200,
            "OK",
            &[("Content-Type", "image/x-icon")],
            &[0, 0, 1, 0, 1, 0, 16, 16],
        ),
        ("POST", "/onvif/device_service") | ("POST", "/onvif/Media") => {
            let body = String::from_utf8_lossy(&m.body).into_owned();
            onvif_answer(&body, &spec, &c)
        }
        _ => html(404, "<title>Not Found</title>"),
    };
    let _ = wr.write_all(&resp).await;
}

fn html(code: u16, body: &str) -> Vec<u8> {
    wire::encode_response(
        "HTTP/1.1",
        code,
        if code == 200 { "OK" } else { "Not Found" },
        &[
            ("Content-Type", "text/html"),
            ("Server", "FakeCam-httpd"),
            ("Set-Cookie", "sid=secret; Path=/; HttpOnly"),
        ],
        body.as_bytes(),
    )
}

fn soap(code: u16, inner: &str) -> Vec<u8> {
    let env = format!(
        "<?xml version=\"1.0\"?><env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" \
         xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\" xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\" \
         xmlns:tt=\"http://www.onvif.org/ver10/schema\" xmlns:ter=\"http://www.onvif.org/ver10/error\">\
         <env:Body>{inner}</env:Body></env:Envelope>"
    );
    wire::encode_response(
        "HTTP/1.1",
        code,
        if code == 200 { "OK" } else { "Bad Request" },
        &[("Content-Type", "application/soap+xml; charset=utf-8")],
        env.as_bytes(),
    )
}

fn wsse_ok(body: &str, password: &str) -> bool {
    let Ok(doc) = roxmltree::Document::parse(body) else {
        return false;
    };
    let text = |name: &str| {
        doc.descendants()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(str::to_string)
    };
    match (
        text("Username"),
        text("Password"),
        text("Nonce"),
        text("Created"),
    ) {
        (Some(u), Some(p), Some(n), Some(c)) => {
            u == USER && auth::wsse_verify(&n, &c, password, &p)
        }
        _ => false,
    }
}

fn onvif_answer(body: &str, spec: &CameraSpec, c: &Counters) -> Vec<u8> {
    let not_authorized = || {
        soap(
            400,
            "<env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode>\
             <env:Value>ter:NotAuthorized</env:Value></env:Subcode></env:Code>\
             <env:Reason><env:Text xml:lang=\"en\">Sender not Authorized</env:Text></env:Reason></env:Fault>",
        )
    };
    let has_token = body.contains("UsernameToken");
    let authed = has_token && wsse_ok(body, &spec.password);
    if has_token && !authed {
        c.onvif_auth_failures.fetch_add(1, Ordering::SeqCst);
        return not_authorized();
    }
    if body.contains("GetSystemDateAndTime") {
        return soap(
            200,
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:UTCDateTime>\
             <tt:Time><tt:Hour>1</tt:Hour><tt:Minute>2</tt:Minute><tt:Second>3</tt:Second></tt:Time>\
             <tt:Date><tt:Year>2026</tt:Year><tt:Month>1</tt:Month><tt:Day>2</tt:Day></tt:Date>\
             </tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>",
        );
    }
    let anonymous_ok = spec.onvif_anonymous_info && body.contains("GetDeviceInformation");
    if !(authed || anonymous_ok) {
        return not_authorized();
    }
    if body.contains("GetDeviceInformation") {
        return soap(
            200,
            "<tds:GetDeviceInformationResponse><tds:Manufacturer>FakeVendor</tds:Manufacturer>\
             <tds:Model>FC-1</tds:Model><tds:FirmwareVersion>V1.2.3</tds:FirmwareVersion>\
             <tds:SerialNumber>SN1</tds:SerialNumber><tds:HardwareId>HW</tds:HardwareId>\
             </tds:GetDeviceInformationResponse>",
        );
    }
    if body.contains("GetCapabilities") {
        // A foreign host in the XAddr: the scanner must only reuse the path.
        return soap(
            200,
            "<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Media>\
             <tt:XAddr>http://10.99.99.99/onvif/Media</tt:XAddr></tt:Media>\
             </tds:Capabilities></tds:GetCapabilitiesResponse>",
        );
    }
    if body.contains("GetProfiles") {
        return soap(
            200,
            "<trt:GetProfilesResponse><trt:Profiles token=\"P1\"><tt:Name>main</tt:Name>\
             </trt:Profiles></trt:GetProfilesResponse>",
        );
    }
    if body.contains("GetStreamUri") {
        return soap(
            200,
            &format!(
                "<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>rtsp://admin:pw@10.99.99.99:554{STREAM_PATH}</tt:Uri>\
                 </trt:MediaUri></trt:GetStreamUriResponse>"
            ),
        );
    }
    soap(
        400,
        "<env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code></env:Fault>",
    )
}

// ---------------------------------------------------------------- RTSP

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=fake\r\nt=0 0\r\na=control:*\r\n\
m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=1\r\n\
m=audio 0 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=control:trackID=2\r\n";

async fn serve_rtsp(s: TcpStream, spec: Arc<CameraSpec>, c: Arc<Counters>) {
    let (rd, mut wr) = s.into_split();
    let mut rd = BufReader::new(rd);
    let mut session: Option<String> = None;
    while let Ok(Some(Frame::Message(m))) = wire::read_frame(&mut rd, &Limits::default()).await {
        let Ok(req) = m.request() else { return };
        let cseq = m.header("cseq").unwrap_or("0").to_string();
        let path = req
            .target
            .strip_prefix("rtsp://")
            .and_then(|r| r.find('/').map(|i| r[i..].to_string()))
            .unwrap_or_else(|| req.target.clone());
        let ok_auth = spec.rtsp_anonymous || authorized(&m, &req.method, &spec.password);
        let reply = |code: u16, reason: &str, extra: &[(&str, &str)], body: &[u8]| {
            let mut h: Vec<(&str, &str)> =
                vec![("CSeq", cseq.as_str()), ("Server", "FakeRTSP/1.0")];
            h.extend_from_slice(extra);
            wire::encode_response("RTSP/1.0", code, reason, &h, body)
        };
        let out = match req.method.as_str() {
            "OPTIONS" => reply(
                200,
                "OK",
                &[("Public", "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN")],
                b"",
            ),
            _ if !path.starts_with(STREAM_PATH) => reply(404, "Not Found", &[], b""),
            _ if !ok_auth => {
                if m.header("authorization").is_some() {
                    c.rtsp_auth_failures.fetch_add(1, Ordering::SeqCst);
                }
                let ch = challenge();
                reply(401, "Unauthorized", &[("WWW-Authenticate", &ch)], b"")
            }
            "DESCRIBE" => {
                let base = format!("{}/", req.target.trim_end_matches('/'));
                reply(
                    200,
                    "OK",
                    &[("Content-Type", "application/sdp"), ("Content-Base", &base)],
                    SDP.as_bytes(),
                )
            }
            "SETUP" => {
                if !path.ends_with("trackID=1") {
                    reply(400, "Bad Request", &[], b"")
                } else {
                    session = Some("12345678".into());
                    reply(
                        200,
                        "OK",
                        &[
                            ("Session", "12345678;timeout=60"),
                            ("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"),
                        ],
                        b"",
                    )
                }
            }
            "PLAY" if session.is_some() => {
                let mut out = reply(200, "OK", &[("Session", "12345678")], b"");
                for i in 0..spec.rtp_packets {
                    // An RTCP frame in between must not be counted.
                    out.extend(wire::encode_interleaved(1, &[0x80, 200, 0, 6]));
                    let mut pkt = vec![0x80, 96, 0, i as u8, 0, 0, 0, 0, 0, 0, 0, 1];
                    pkt.extend_from_slice(&[0xAA; 100]);
                    out.extend(wire::encode_interleaved(0, &pkt));
                    c.rtp_sent.fetch_add(1, Ordering::SeqCst);
                }
                out
            }
            "TEARDOWN" => reply(200, "OK", &[], b""),
            _ => reply(455, "Method Not Valid in This State", &[], b""),
        };
        if wr.write_all(&out).await.is_err() {
            return;
        }
    }
}

// ---------------------------------------------------------------- telnet

async fn serve_telnet(mut s: TcpStream, _spec: Arc<CameraSpec>, c: Arc<Counters>) {
    // IAC DO ECHO, IAC WILL SUPPRESS-GO-AHEAD; the prompt comes only after the refusals.
    if s.write_all(&[255, 253, 1, 255, 251, 3]).await.is_err() {
        return;
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while got.len() < 6 {
        match tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => return,
        }
    }
    if got[..6] == [255, 252, 1, 255, 254, 3] {
        c.telnet_refusal_seen.store(true, Ordering::SeqCst);
    }
    let _ = s
        .write_all(b"\r\nBusyBox v1.19.3 built-in shell\r\nFAKE01 login: ")
        .await;
    // Anything the client sends now would be a credential: remember it.
    if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf)).await {
        if n > 0 {
            c.telnet_refusal_seen.store(false, Ordering::SeqCst);
        }
    }
}

#[allow(dead_code)]
pub fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}
