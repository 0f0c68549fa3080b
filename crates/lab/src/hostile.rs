//! Hostile devices: hosts that attack the scanner instead of behaving like cameras.
//!
//! A lab file selects them with `personality = "hostile"` and a list of behaviours:
//!
//! ```toml
//! [[device]]
//! id = "drip"
//! personality = "hostile"
//! hostile = ["slow_drip"]
//! ```
//!
//! Each behaviour occupies fixed camera ports (see [`Hostile::ports`]); behaviours of one
//! device must not share a port. Every hostile connection is bounded in the lab too: at most
//! [`MAX_HOLD`] long, reads into fixed-size buffers, and a trickle stops as soon as the client
//! goes away.

use crate::config::{AuthMode, DeviceSpec, OnvifAuth};
use crate::error::LabError;
use crate::manifest::ManifestDevice;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The pseudo-personality of hostile devices in lab files.
pub const PERSONALITY: &str = "hostile";
/// Longest a hostile connection is kept open by the lab.
pub const MAX_HOLD: Duration = Duration::from_secs(120);
/// Bytes the gzip bomb inflates to (1 GiB of zeros).
pub const GZIP_BOMB_INFLATED: usize = 1 << 30;
/// `Content-Length` announced by [`Hostile::HugeContentLength`] (1 GiB).
pub const HUGE_CONTENT_LENGTH: u64 = 1 << 30;
/// Nesting depth of the [`Hostile::DeepNesting`] SOAP answer.
pub const NESTING_DEPTH: usize = 100_000;

/// Idle time allowed for a request head.
const READ_DEADLINE: Duration = Duration::from_secs(10);
/// Time allowed for one write.
const WRITE_DEADLINE: Duration = Duration::from_secs(10);
/// Largest request head read (the rest is the client's problem).
const MAX_HEAD: usize = 16 * 1024;
/// Requests answered on one RTSP connection.
const MAX_REQUESTS: usize = 8;

/// One hostile behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hostile {
    /// HTTP and RTSP answers sent one byte a second.
    SlowDrip,
    /// A status line followed by header lines that never end.
    EndlessHeaders,
    /// `Content-Length: 1073741824`, then a trickle of zeros.
    HugeContentLength,
    /// `Content-Encoding: gzip` with a ~1 MiB body that inflates to 1 GiB.
    GzipBomb,
    /// ONVIF answers whose DTD expands entities exponentially ("billion laughs").
    BillionLaughs,
    /// ONVIF answers nested [`NESTING_DEPTH`] elements deep.
    DeepNesting,
    /// RTSP answers with broken status lines and headers.
    MalformedRtsp,
    /// Invalid UTF-8 in HTTP and RTSP status lines, headers and bodies, and in a telnet banner.
    InvalidUtf8,
    /// Garbage (random bytes, a truncated record) in reply to a TLS ClientHello.
    TlsGarbage,
    /// Accepts every connection and never says anything.
    AcceptHang,
    /// Accepts every connection and resets it at once (SO_LINGER 0, close).
    ResetAfterAccept,
}

/// The protocol a hostile port pretends to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    Http,
    Rtsp,
    Telnet,
    Tls,
}

const HTTP: (&str, u16, Proto) = ("http", 80, Proto::Http);
const HTTPS: (&str, u16, Proto) = ("https", 443, Proto::Tls);
const RTSP: (&str, u16, Proto) = ("rtsp", 554, Proto::Rtsp);
const ONVIF: (&str, u16, Proto) = ("onvif", 8899, Proto::Http);
const TELNET: (&str, u16, Proto) = ("telnet", 23, Proto::Telnet);

impl Hostile {
    /// Every behaviour, in documentation order.
    pub const ALL: [Hostile; 11] = [
        Hostile::SlowDrip,
        Hostile::EndlessHeaders,
        Hostile::HugeContentLength,
        Hostile::GzipBomb,
        Hostile::BillionLaughs,
        Hostile::DeepNesting,
        Hostile::MalformedRtsp,
        Hostile::InvalidUtf8,
        Hostile::TlsGarbage,
        Hostile::AcceptHang,
        Hostile::ResetAfterAccept,
    ];

    /// Name as in lab files and the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Hostile::SlowDrip => "slow_drip",
            Hostile::EndlessHeaders => "endless_headers",
            Hostile::HugeContentLength => "huge_content_length",
            Hostile::GzipBomb => "gzip_bomb",
            Hostile::BillionLaughs => "billion_laughs",
            Hostile::DeepNesting => "deep_nesting",
            Hostile::MalformedRtsp => "malformed_rtsp",
            Hostile::InvalidUtf8 => "invalid_utf8",
            Hostile::TlsGarbage => "tls_garbage",
            Hostile::AcceptHang => "accept_hang",
            Hostile::ResetAfterAccept => "reset_after_accept",
        }
    }

    fn port_uses(self) -> &'static [(&'static str, u16, Proto)] {
        match self {
            Hostile::SlowDrip | Hostile::EndlessHeaders | Hostile::HugeContentLength => {
                &[HTTP, RTSP]
            }
            Hostile::GzipBomb => &[HTTP],
            Hostile::BillionLaughs | Hostile::DeepNesting => &[ONVIF],
            Hostile::MalformedRtsp => &[RTSP],
            Hostile::InvalidUtf8 => &[HTTP, RTSP, TELNET],
            Hostile::TlsGarbage => &[HTTPS],
            Hostile::AcceptHang | Hostile::ResetAfterAccept => &[HTTP, HTTPS, RTSP, ONVIF, TELNET],
        }
    }

    /// The (service name, base port) pairs the behaviour listens on, before any port offset.
    pub fn ports(self) -> Vec<(&'static str, u16)> {
        self.port_uses().iter().map(|&(n, p, _)| (n, p)).collect()
    }
}

/// True when a lab-file entry asks for a hostile device.
pub(crate) fn is_hostile_entry(entry: &toml::Value) -> bool {
    entry.get("personality").and_then(|p| p.as_str()) == Some(PERSONALITY)
}

/// Resolve a hostile lab-file entry (`id`, `personality = "hostile"`, `hostile = [...]`).
pub(crate) fn spec_from_entry(
    entry: &toml::Value,
    index: usize,
    name: &str,
) -> Result<DeviceSpec, LabError> {
    let bad = |field: &str, message: String| LabError::Device {
        device: name.to_string(),
        field: field.to_string(),
        message,
    };
    let table = entry
        .as_table()
        .ok_or_else(|| bad("?", "a device must be a table".into()))?;
    for key in table.keys() {
        if !matches!(key.as_str(), "id" | "personality" | "hostile") {
            return Err(bad(
                key,
                "not used by hostile devices (allowed: id, personality, hostile)".into(),
            ));
        }
    }
    let list = table.get("hostile").ok_or_else(|| {
        bad(
            "hostile",
            "hostile devices need a list of behaviours".into(),
        )
    })?;
    let behaviours: Vec<Hostile> = Vec::<Hostile>::deserialize(list.clone()).map_err(|e| {
        let known: Vec<&str> = Hostile::ALL.iter().map(|h| h.as_str()).collect();
        bad(
            "hostile",
            format!("{} (known: {})", e.message(), known.join(", ")),
        )
    })?;
    if behaviours.is_empty() {
        return Err(bad("hostile", "at least one behaviour is needed".into()));
    }
    let mut taken: BTreeMap<u16, Hostile> = BTreeMap::new();
    for &h in &behaviours {
        for (_, port) in h.ports() {
            if let Some(other) = taken.insert(port, h) {
                return Err(bad(
                    "hostile",
                    format!(
                        "{} and {} both use port {port}; put them on separate devices",
                        other.as_str(),
                        h.as_str()
                    ),
                ));
            }
        }
    }
    let id = match table.get("id") {
        None => format!("{PERSONALITY}-{}", index + 1),
        Some(v) => v
            .as_str()
            .ok_or_else(|| bad("id", "must be a string".into()))?
            .to_string(),
    };
    if id.is_empty() || id.len() > 64 || id.chars().any(|c| c.is_control() || c == '"') {
        return Err(bad("id", "must be 1–64 printable characters".into()));
    }
    let model = behaviours
        .iter()
        .map(|h| h.as_str())
        .collect::<Vec<_>>()
        .join("+");
    // Built through serde so that every camera-only switch takes its default.
    serde_json::from_value(serde_json::json!({
        "id": id,
        "personality": PERSONALITY,
        "model": model,
        "firmware": "n/a",
        "serial": format!("HOSTILE{:05}", index + 1),
        "username": "",
        "password": "",
        "default_password_kept": false,
        "rtsp_auth": AuthMode::None,
        "web_auth": AuthMode::None,
        "onvif_auth": OnvifAuth::None,
        "telnet": false,
        "https": false,
        "hostile": behaviours,
    }))
    .map_err(|e| bad("hostile", e.to_string()))
}

/// One port of a running hostile device.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HostilePort {
    /// Listening port (after the offset).
    pub(crate) port: u16,
    behaviour: Hostile,
    proto: Proto,
}

/// The ports of a hostile device and its manifest entry. Generates the shared poison
/// (gzip bomb, deep SOAP document) now, at start-up, when a behaviour needs it.
pub(crate) fn plan(
    spec: &DeviceSpec,
    address: Ipv4Addr,
    port_offset: u16,
) -> Result<(Vec<HostilePort>, ManifestDevice), LabError> {
    let mut ports = Vec::new();
    let mut names = BTreeMap::new();
    for &h in &spec.hostile {
        match h {
            Hostile::GzipBomb => {
                gzip_bomb();
            }
            Hostile::DeepNesting => {
                deep_nesting();
            }
            _ => {}
        }
        for &(name, base, proto) in h.port_uses() {
            let port = base.checked_add(port_offset).ok_or_else(|| {
                LabError::Options(format!("port {base} + offset {port_offset} exceeds 65535"))
            })?;
            names.insert(name.to_string(), port);
            ports.push(HostilePort {
                port,
                behaviour: h,
                proto,
            });
        }
    }
    let onvif_url = names
        .get("onvif")
        .map(|p| format!("http://{address}:{p}/onvif/device_service"));
    // Built through serde so that every camera-only field of the manifest takes its default.
    let manifest: ManifestDevice = serde_json::from_value(serde_json::json!({
        "id": spec.id,
        "personality": spec.personality,
        "address": address,
        "vendor": "camguard lab (hostile)",
        "model": spec.model,
        "firmware": spec.firmware,
        "serial": spec.serial,
        "device_type": "unknown",
        "ports": names,
        "stream_urls": [],
        "onvif_url": onvif_url,
        "username": "",
        "password": "",
        "default_password_kept": false,
        "rtsp_auth": AuthMode::None.as_str(),
        "web_auth": AuthMode::None.as_str(),
        "onvif_auth": OnvifAuth::None.as_str(),
        "telnet": false,
        "hostile": spec.hostile,
    }))
    .map_err(|e| LabError::Options(format!("hostile device {}: {e}", spec.id)))?;
    Ok((ports, manifest))
}

/// Serve one connection of a hostile port; never longer than [`MAX_HOLD`].
pub(crate) async fn serve(stream: TcpStream, port: HostilePort) {
    let _ = tokio::time::timeout(MAX_HOLD, serve_inner(stream, port)).await;
}

async fn serve_inner(mut stream: TcpStream, port: HostilePort) {
    match (port.behaviour, port.proto) {
        (Hostile::ResetAfterAccept, _) => reset(stream),
        (Hostile::AcceptHang, _) => hold(&mut stream).await,
        (Hostile::TlsGarbage, _) => tls_garbage(stream).await,
        (Hostile::InvalidUtf8, Proto::Telnet) => {
            if write(&mut stream, TELNET_BANNER).await.is_ok() {
                hold(&mut stream).await;
            }
        }
        (behaviour, proto) => {
            let rtsp = proto == Proto::Rtsp;
            for _ in 0..if rtsp { MAX_REQUESTS } else { 1 } {
                let Some(head) = read_head(&mut stream).await else {
                    return;
                };
                let cseq = header(&head, "CSeq").unwrap_or_else(|| "1".to_string());
                if !answer(&mut stream, behaviour, rtsp, &cseq).await {
                    return;
                }
            }
            finish(stream).await;
        }
    }
}

/// Answer one request; false when the connection is done (client gone or poisoned).
async fn answer(stream: &mut TcpStream, behaviour: Hostile, rtsp: bool, cseq: &str) -> bool {
    let status = if rtsp { "RTSP/1.0" } else { "HTTP/1.1" };
    let cseq_line = if rtsp {
        format!("CSeq: {cseq}\r\n")
    } else {
        String::new()
    };
    match behaviour {
        Hostile::SlowDrip => {
            let body = "<html><head><title>Login</title></head><body>slow</body></html>\n";
            let reply = if rtsp {
                format!(
                    "{status} 200 OK\r\n{cseq_line}Public: OPTIONS, DESCRIBE, SETUP, PLAY\r\n\r\n"
                )
            } else {
                format!(
                    "{status} 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
            };
            trickle(stream, reply.as_bytes(), 1, Duration::from_secs(1)).await
        }
        Hostile::EndlessHeaders => {
            let head = format!("{status} 200 OK\r\n{cseq_line}");
            if write(stream, head.as_bytes()).await.is_err() {
                return false;
            }
            let mut line = 0u64;
            let chunk = move || {
                let mut out = Vec::with_capacity(32 * 48);
                for _ in 0..32 {
                    line += 1;
                    out.extend_from_slice(format!("X-Endless-{line}: {:032}\r\n", line).as_bytes());
                }
                out
            };
            endless(stream, chunk, Duration::from_millis(50)).await;
            false
        }
        Hostile::HugeContentLength => {
            let head = format!(
                "{status} 200 OK\r\n{cseq_line}Content-Type: application/octet-stream\r\n\
                 Content-Length: {HUGE_CONTENT_LENGTH}\r\n\r\n"
            );
            if write(stream, head.as_bytes()).await.is_err() {
                return false;
            }
            endless(stream, || vec![0u8; 1024], Duration::from_millis(250)).await;
            false
        }
        Hostile::GzipBomb => {
            let bomb = gzip_bomb();
            let head = format!(
                "{status} 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                bomb.len()
            );
            write(stream, head.as_bytes()).await.is_ok() && write(stream, bomb).await.is_ok()
        }
        Hostile::BillionLaughs | Hostile::DeepNesting => {
            let body: &[u8] = if behaviour == Hostile::BillionLaughs {
                BILLION_LAUGHS.as_bytes()
            } else {
                deep_nesting()
            };
            let head = format!(
                "{status} 200 OK\r\nContent-Type: application/soap+xml; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            write(stream, head.as_bytes()).await.is_ok() && write(stream, body).await.is_ok()
        }
        Hostile::MalformedRtsp => {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let i = NEXT.fetch_add(1, Ordering::Relaxed) % MALFORMED_RTSP.len();
            let reply = malformed_rtsp(i, cseq);
            write(stream, &reply).await.is_ok()
        }
        Hostile::InvalidUtf8 => {
            let reply = if rtsp {
                let mut r = b"RTSP/1.0 200 \xff\xfe\xc0\xaf\r\n".to_vec();
                r.extend_from_slice(cseq_line.as_bytes());
                r.extend_from_slice(
                    b"Server: \xc3\x28\xa0\xa1\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n",
                );
                r
            } else {
                let body = INVALID_UTF8_PAGE;
                let mut r = b"HTTP/1.1 200 \xff\xfe\xc0\xaf\r\nServer: \xc3\x28\xa0\xa1\r\n\
                    X-\xff\xfe: \xed\xa0\x80\r\nContent-Type: text/html; charset=utf-8\r\n"
                    .to_vec();
                r.extend_from_slice(
                    format!(
                        "Content-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .as_bytes(),
                );
                r.extend_from_slice(body);
                r
            };
            write(stream, &reply).await.is_ok()
        }
        // Handled before any request is read.
        Hostile::TlsGarbage | Hostile::AcceptHang | Hostile::ResetAfterAccept => false,
    }
}

const TELNET_BANNER: &[u8] =
    b"\r\n\xc3\x28\xa0\xa1 IP Camera \xf0\x28\x8c\xbc\r\n\xed\xa0\x80\xc0\xaf login: ";

const INVALID_UTF8_PAGE: &[u8] =
    b"<html><head><title>\xff\xfe\xc3\x28 Login \xed\xa0\x80</title></head>\
      <body>\xf0\x28\x8c\xbc\xc0\xaf\xe2\x28\xa1</body></html>\n";

/// The malformed RTSP answers, rotated per request (`{c}` is the request's CSeq).
const MALFORMED_RTSP: [&[u8]; 7] = [
    b"RTSP/1.0 2000 OK\r\nCSeq: {c}\r\n\r\n",
    b"RTSP/1.0 OK\r\nCSeq: {c}\r\n\r\n",
    b"RTSP 200 OK\r\nCSeq: {c}\r\n\r\n",
    b"RTSP/1.0 -20 Bad\r\nCSeq: {c}\r\n\r\n",
    b"\x00\x01\x02\x03RTSP/1.0 200 OK\r\nCSeq: {c}\r\n\r\n",
    b"RTSP/1.0 200 OK\nCSeq {c}\nContent-Length: -5\n\n",
    b"RTSP/1.0 200 OK\r\nCSeq: {c}\r\nContent-Length: 99999999999999999999999\r\n\r\n",
];

fn malformed_rtsp(i: usize, cseq: &str) -> Vec<u8> {
    let template = MALFORMED_RTSP[i % MALFORMED_RTSP.len()];
    let mut out = Vec::with_capacity(template.len() + cseq.len());
    let mut rest = template;
    while let Some(pos) = rest.windows(3).position(|w| w == b"{c}") {
        out.extend_from_slice(&rest[..pos]);
        out.extend_from_slice(cseq.as_bytes());
        rest = &rest[pos + 3..];
    }
    out.extend_from_slice(rest);
    out
}

/// A SOAP answer whose DTD expands `&lol9;` to 10⁹ "lol"s (3 GB) in a naive parser.
const BILLION_LAUGHS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body><tds:GetDeviceInformationResponse><tds:Manufacturer>&lol9;</tds:Manufacturer><tds:Model>&lol9;</tds:Model><tds:FirmwareVersion>1</tds:FirmwareVersion><tds:SerialNumber>1</tds:SerialNumber><tds:HardwareId>1</tds:HardwareId></tds:GetDeviceInformationResponse><tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>&lol9;</tt:DateTimeType></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse></s:Body></s:Envelope>
"#;

/// The gzip bomb: [`GZIP_BOMB_INFLATED`] zero bytes, gzip-compressed once per process.
pub fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let zeros = vec![0u8; 1 << 20];
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        for _ in 0..GZIP_BOMB_INFLATED / zeros.len() {
            if enc.write_all(&zeros).is_err() {
                break;
            }
        }
        enc.finish().unwrap_or_default()
    })
}

/// The deep SOAP document: [`NESTING_DEPTH`] nested elements inside a SOAP body.
pub fn deep_nesting() -> &'static [u8] {
    static DOC: OnceLock<Vec<u8>> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut out = Vec::with_capacity(NESTING_DEPTH * 7 + 512);
        out.extend_from_slice(
            b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<s:Envelope \
              xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>",
        );
        out.extend(std::iter::repeat_n(b"<a>".iter().copied(), NESTING_DEPTH).flatten());
        out.extend(std::iter::repeat_n(b"</a>".iter().copied(), NESTING_DEPTH).flatten());
        out.extend_from_slice(b"</s:Body></s:Envelope>\n");
        out
    })
}

/// Reset the connection: SO_LINGER 0, then close (the peer sees RST).
fn reset(stream: TcpStream) {
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
}

/// Read and discard what the client sends until it goes away.
async fn hold(stream: &mut TcpStream) {
    let mut sink = [0u8; 4096];
    while let Ok(n) = stream.read(&mut sink).await {
        if n == 0 {
            break;
        }
    }
}

/// Answer a TLS ClientHello (or anything) with garbage, alternating random bytes and a
/// truncated handshake record, then hold.
async fn tls_garbage(mut stream: TcpStream) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let mut hello = [0u8; 4096];
    match tokio::time::timeout(READ_DEADLINE, stream.read(&mut hello)).await {
        Ok(Ok(n)) if n > 0 => {}
        _ => return,
    }
    let garbage = {
        let mut rng = rand::thread_rng();
        if NEXT.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) {
            let mut g = vec![0u8; 4096];
            rng.fill(&mut g[..]);
            g
        } else {
            // A handshake record announcing 16 KiB (a ServerHello of 16 380 bytes), cut short.
            let mut g = vec![0x16, 0x03, 0x03, 0x40, 0x00, 0x02, 0x00, 0x3f, 0xfc];
            let mut tail = [0u8; 64];
            rng.fill(&mut tail[..]);
            g.extend_from_slice(&tail);
            g
        }
    };
    if write(&mut stream, &garbage).await.is_ok() {
        hold(&mut stream).await;
    }
}

/// Read a request head (up to the empty line), bounded in size and time.
async fn read_head(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    let end = tokio::time::Instant::now() + READ_DEADLINE;
    loop {
        let n = match tokio::time::timeout_at(end, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => n,
            _ => return None,
        };
        head.extend_from_slice(&buf[..n]);
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
            return Some(head);
        }
        if head.len() > MAX_HEAD {
            return None;
        }
    }
}

/// A header value of a request head (case-insensitive name), sanitised to printable ASCII.
fn header(head: &[u8], name: &str) -> Option<String> {
    String::from_utf8_lossy(head).lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| {
            v.trim()
                .chars()
                .filter(|c| c.is_ascii_graphic())
                .take(16)
                .collect()
        })
    })
}

async fn write(stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    match tokio::time::timeout(WRITE_DEADLINE, stream.write_all(bytes)).await {
        Ok(r) => r,
        Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
    }
}

/// Send `bytes` `step` bytes per `every`; stops when the client goes away. True when all
/// was sent.
async fn trickle(stream: &mut TcpStream, bytes: &[u8], step: usize, every: Duration) -> bool {
    let mut sent = 0;
    let mut chunks = bytes.chunks(step.max(1));
    endless(
        stream,
        || {
            let c = chunks.next().map(<[u8]>::to_vec).unwrap_or_default();
            sent += c.len();
            c
        },
        every,
    )
    .await;
    sent == bytes.len()
}

/// Write `next()` every `every` until it yields nothing, the client goes away (EOF, error,
/// or a stalled write) or the hold ends. What the client sends meanwhile is discarded.
async fn endless(stream: &mut TcpStream, mut next: impl FnMut() -> Vec<u8>, every: Duration) {
    let (mut r, mut w) = stream.split();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sink = [0u8; 1024];
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let chunk = next();
                if chunk.is_empty() {
                    return;
                }
                match tokio::time::timeout(WRITE_DEADLINE, w.write_all(&chunk)).await {
                    Ok(Ok(())) => {}
                    _ => return,
                }
            }
            n = r.read(&mut sink) => match n {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
        }
    }
}

/// Close gracefully: shut down our side, then drain the client's leftovers briefly so the
/// kernel sends FIN rather than RST.
async fn finish(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    let _ = tokio::time::timeout(Duration::from_secs(2), hold(&mut stream)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_bomb_is_small_and_inflates_to_a_gibibyte() {
        let bomb = gzip_bomb();
        assert!(bomb.len() < 2 << 20, "bomb is {} bytes", bomb.len());
        let mut dec = flate2::read::GzDecoder::new(bomb);
        let mut total = 0usize;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = std::io::Read::read(&mut dec, &mut buf).expect("inflate");
            if n == 0 {
                break;
            }
            assert!(buf[..n].iter().all(|&b| b == 0));
            total += n;
        }
        assert_eq!(total, GZIP_BOMB_INFLATED);
    }

    #[test]
    fn deep_nesting_has_the_announced_depth() {
        let doc = deep_nesting();
        let opens = doc.windows(3).filter(|w| w == b"<a>").count();
        let closes = doc.windows(4).filter(|w| w == b"</a>").count();
        assert_eq!((opens, closes), (NESTING_DEPTH, NESTING_DEPTH));
    }

    #[test]
    fn billion_laughs_declares_nested_entities() {
        assert!(BILLION_LAUGHS.contains("<!ENTITY lol9"));
        assert!(BILLION_LAUGHS.contains("&lol9;"));
    }

    #[test]
    fn malformed_rtsp_echoes_cseq() {
        for i in 0..MALFORMED_RTSP.len() {
            let r = malformed_rtsp(i, "7");
            assert!(!r.windows(3).any(|w| w == b"{c}"));
            assert!(r.windows(1).any(|w| w == b"7"));
        }
    }

    #[test]
    fn entries_are_validated() {
        let entry = |s: &str| -> toml::Value { toml::from_str(s).expect("toml") };
        let ok = spec_from_entry(
            &entry("personality = \"hostile\"\nhostile = [\"gzip_bomb\", \"malformed_rtsp\"]"),
            4,
            "#5",
        )
        .expect("valid");
        assert_eq!(ok.id, "hostile-5");
        assert_eq!(ok.hostile, vec![Hostile::GzipBomb, Hostile::MalformedRtsp]);
        let cases = [
            ("personality = \"hostile\"\nhostile = []", "hostile"),
            ("personality = \"hostile\"\nhostile = [\"nope\"]", "hostile"),
            (
                "personality = \"hostile\"\nhostile = [\"slow_drip\", \"gzip_bomb\"]",
                "hostile",
            ),
            ("personality = \"hostile\"", "hostile"),
            (
                "personality = \"hostile\"\nhostile = [\"accept_hang\"]\ntelnet = true",
                "telnet",
            ),
        ];
        for (text, field) in cases {
            match spec_from_entry(&entry(text), 0, "x") {
                Err(LabError::Device { field: f, .. }) => assert_eq!(f, field, "{text}"),
                other => panic!("{text}: expected an error, got {other:?}"),
            }
        }
    }

    #[test]
    fn header_values_are_sanitised() {
        let head = b"OPTIONS * RTSP/1.0\r\ncseq: 12\x07\xff\r\n\r\n";
        assert_eq!(header(head, "CSeq").as_deref(), Some("12"));
    }
}
