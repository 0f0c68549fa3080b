//! Plain HTTP/1.1 client for the scanner (one request per connection, `Connection: close`),
//! plus what every client of this crate shares: [`ClientOptions`], [`ProtoError`] and a
//! deadline-bounded [`connect`].
//!
//! Every connect runs under [`ClientOptions::connect_timeout`] and every exchange (write the
//! request, read the whole answer) under [`ClientOptions::io_timeout`]: a server that drips
//! one byte a second is cut off by the deadline, and every read is bounded by
//! [`ClientOptions::limits`].

use crate::auth::{self, Challenge, Credentials};
use crate::wire::{self, BodyMode, Limits, Message, WireError};
use camguard_model::AuthScheme;
use md5::{Digest, Md5};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Time and size bounds shared by the protocol clients.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Deadline for the TCP connect.
    pub connect_timeout: Duration,
    /// Deadline for one request/answer exchange (write + read of the complete answer).
    pub io_timeout: Duration,
    /// Bounds on each message read.
    pub limits: Limits,
    /// `User-Agent` sent with HTTP and RTSP requests.
    pub user_agent: String,
    /// HTTP requests run over TLS (any certificate accepted; see [`crate::tls::connect`]).
    pub tls: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            io_timeout: Duration::from_secs(5),
            limits: Limits {
                max_line: 8 * 1024,
                max_headers: 100,
                max_header_bytes: 64 * 1024,
                max_body: 256 * 1024,
            },
            user_agent: concat!("camguard/", env!("CARGO_PKG_VERSION")).to_string(),
            tls: false,
        }
    }
}

/// Errors of the protocol clients. Every variant says why, none panics.
#[derive(Debug, thiserror::Error)]
pub enum ProtoError {
    /// The TCP connection was refused.
    #[error("connection refused")]
    Refused,
    /// The TCP connect did not complete within the deadline.
    #[error("connect timed out after {0:?}")]
    ConnectTimeout(Duration),
    /// Another connect error (unreachable, reset, …).
    #[error("connect failed: {0}")]
    Connect(std::io::Error),
    /// The exchange did not complete within the deadline.
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
    /// The answer broke a framing rule or a limit.
    #[error("bad answer: {0}")]
    Wire(WireError),
    /// The peer closed the connection without answering.
    #[error("connection closed without an answer")]
    Closed,
    /// The answer is not HTTP (the start line is kept, sanitised and bounded).
    #[error("not an HTTP answer: {0:?}")]
    NotHttp(String),
    /// The answer is not RTSP (the start line is kept, sanitised and bounded).
    #[error("not an RTSP answer: {0:?}")]
    NotRtsp(String),
    /// The request was refused for lack of (valid) credentials.
    #[error("not authorized ({0})")]
    NotAuthorized(String),
    /// A SOAP fault other than an authorisation failure.
    #[error("SOAP fault {code}: {reason}")]
    Fault {
        /// Fault code (and subcode).
        code: String,
        /// Fault reason text.
        reason: String,
    },
    /// The XML could not be used (malformed, DTD, too large, missing element).
    #[error("unusable XML: {0}")]
    Xml(String),
    /// An answer declared as SOAP/XML that was refused as unsafe or unusable (DTD or entity
    /// declarations, larger than the limit, not well-formed): the port does speak SOAP.
    #[error("SOAP answer refused: {0}")]
    RefusedSoap(String),
    /// A well-formed answer that does not fit the protocol step.
    #[error("unexpected answer: {0}")]
    Unexpected(String),
}

impl ProtoError {
    /// Map a framing error, turning the deadline into [`ProtoError::Timeout`].
    pub fn from_wire(e: WireError, deadline: Duration) -> Self {
        match e {
            WireError::Timeout => ProtoError::Timeout(deadline),
            WireError::UnexpectedEof => ProtoError::Closed,
            e => ProtoError::Wire(e),
        }
    }
}

/// Open a TCP connection under the connect deadline.
pub async fn connect(addr: SocketAddr, opts: &ClientOptions) -> Result<TcpStream, ProtoError> {
    match tokio::time::timeout(opts.connect_timeout, TcpStream::connect(addr)).await {
        Err(_) => Err(ProtoError::ConnectTimeout(opts.connect_timeout)),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Err(ProtoError::Refused),
        Ok(Err(e)) => Err(ProtoError::Connect(e)),
        Ok(Ok(s)) => {
            let _ = s.set_nodelay(true);
            Ok(s)
        }
    }
}

/// `Host` header value for an address (IPv6 in brackets, port omitted when 80).
pub fn host_header(addr: SocketAddr) -> String {
    if addr.port() == 80 {
        match addr {
            SocketAddr::V4(a) => a.ip().to_string(),
            SocketAddr::V6(a) => format!("[{}]", a.ip()),
        }
    } else {
        addr.to_string()
    }
}

/// Send one HTTP request on a fresh connection and read the whole answer.
pub async fn request(
    addr: SocketAddr,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    opts: &ClientOptions,
) -> Result<Message, ProtoError> {
    let stream = crate::tls::connect(addr, opts).await?;
    let mut all: Vec<(&str, &str)> = vec![
        ("Host", host),
        ("User-Agent", &opts.user_agent),
        ("Accept", "*/*"),
        ("Connection", "close"),
    ];
    all.extend_from_slice(headers);
    let len = body.len().to_string();
    if !body.is_empty() {
        all.push(("Content-Length", &len));
    }
    let mut req = wire::encode_request(method, path, "HTTP/1.1", &all, &[]);
    req.extend_from_slice(body);
    let mode = if method.eq_ignore_ascii_case("HEAD") {
        BodyMode::ResponseNoBody
    } else {
        BodyMode::Response
    };
    let limits = opts.limits;
    let exchange = async move {
        let (rd, mut wr) = tokio::io::split(stream);
        wr.write_all(&req).await?;
        wr.flush().await?;
        let mut rd = BufReader::with_capacity(8 * 1024, rd);
        wire::read_message(&mut rd, &limits, mode).await
    };
    let msg = wire::deadline(opts.io_timeout, exchange)
        .await
        .map_err(|e| ProtoError::from_wire(e, opts.io_timeout))?
        .ok_or(ProtoError::Closed)?;
    match msg.status() {
        Ok(s) if s.protocol.starts_with("HTTP/") => Ok(msg),
        _ => Err(ProtoError::NotHttp(camguard_model::sanitize_text(
            msg.start_line.as_bytes(),
            80,
        ))),
    }
}

/// `GET path` over plain HTTP/1.1 with `Connection: close`.
pub async fn get(
    addr: SocketAddr,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
    opts: &ClientOptions,
) -> Result<Message, ProtoError> {
    request(addr, host, "GET", path, headers, &[], opts).await
}

/// `GET path`; when the answer is a 401 with a Basic or Digest challenge, answer it with
/// `creds` once (on a new connection). Returns the final answer and whether the
/// credentials were actually sent.
pub async fn get_with_credentials(
    addr: SocketAddr,
    host: &str,
    path: &str,
    creds: &Credentials,
    opts: &ClientOptions,
) -> Result<(Message, bool), ProtoError> {
    let first = get(addr, host, path, &[], opts).await?;
    if status_code(&first) != Some(401) {
        return Ok((first, false));
    }
    let challenges = challenges_of(&first);
    let Some(value) =
        auth::strongest(&challenges).and_then(|ch| auth::authorization_for(ch, creds, "GET", path))
    else {
        return Ok((first, false));
    };
    let answer = get(addr, host, path, &[("Authorization", &value)], opts).await?;
    Ok((answer, true))
}

/// POST a SOAP 1.2 envelope (`application/soap+xml`, optional `action`).
pub async fn post_soap(
    addr: SocketAddr,
    host: &str,
    path: &str,
    action: Option<&str>,
    envelope: &str,
    opts: &ClientOptions,
) -> Result<Message, ProtoError> {
    let content_type = match action {
        Some(a) => format!("application/soap+xml; charset=utf-8; action=\"{a}\""),
        None => "application/soap+xml; charset=utf-8".to_string(),
    };
    request(
        addr,
        host,
        "POST",
        path,
        &[("Content-Type", &content_type)],
        envelope.as_bytes(),
        opts,
    )
    .await
}

/// Status code of an answer, if its start line is a status line.
pub fn status_code(msg: &Message) -> Option<u16> {
    msg.status().ok().map(|s| s.code)
}

/// Every challenge of every `WWW-Authenticate` header of an answer.
pub fn challenges_of(msg: &Message) -> Vec<Challenge> {
    msg.headers_named("www-authenticate")
        .take(8)
        .flat_map(auth::parse_challenges)
        .collect()
}

/// The strongest announced scheme and its realm, for the observation model.
pub fn auth_summary(challenges: &[Challenge]) -> (Option<AuthScheme>, Option<String>) {
    match auth::strongest(challenges) {
        None => (None, None),
        Some(ch) => {
            let scheme = match ch {
                Challenge::Basic { .. } => AuthScheme::Basic,
                Challenge::Digest(_) => AuthScheme::Digest,
                Challenge::Other { .. } => AuthScheme::Other,
            };
            let realm = ch
                .realm()
                .map(|r| camguard_model::sanitize_text(r.as_bytes(), 200));
            (Some(scheme), realm)
        }
    }
}

/// How much of a body [`title_of`] looks at.
const TITLE_SCAN: usize = 64 * 1024;

/// The `<title>` of an HTML page: searched case-insensitively in the first 64 KiB,
/// whitespace collapsed, minimal entities decoded, sanitised, at most 200 characters.
pub fn title_of(body: &[u8]) -> Option<String> {
    let body = &body[..body.len().min(TITLE_SCAN)];
    let lower = body.to_ascii_lowercase();
    let open = find(&lower, b"<title")?;
    let gt = open + find(&lower[open..], b">")?;
    let start = gt + 1;
    let end = find(&lower[start..], b"</title")
        .map(|e| start + e)
        .unwrap_or_else(|| body.len().min(start + 1024));
    let raw = String::from_utf8_lossy(&body[start..end]);
    let decoded = decode_entities(&raw);
    let collapsed = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return None;
    }
    Some(camguard_model::sanitize_text(collapsed.as_bytes(), 200))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Decode `&amp; &lt; &gt; &quot; &apos; &#39; &nbsp;` and numeric references.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let semi = tail.find(';').filter(|&j| j <= 10);
        let decoded = semi.and_then(|j| {
            let name = &tail[1..j];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                n if n.starts_with('#') => n[1..].parse::<u32>().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, j + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// MD5 of a favicon body, lower-case hex.
pub fn favicon_md5(body: &[u8]) -> String {
    hex::encode(Md5::digest(body))
}

/// True when an answer looks like an image: an `image/*` content type or the magic bytes of
/// ICO, PNG, GIF or JPEG.
pub fn is_image(msg: &Message) -> bool {
    let ct = msg
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("image/") {
        return true;
    }
    let b = &msg.body;
    b.starts_with(&[0, 0, 1, 0])
        || b.starts_with(b"\x89PNG")
        || b.starts_with(b"GIF8")
        || b.starts_with(&[0xff, 0xd8, 0xff])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_found_case_insensitively_and_decoded() {
        let body =
            b"<html><HEAD><Title lang=en>\n  Web &amp; Camera &#8211;\tLogin </TITLE></head>";
        assert_eq!(
            title_of(body).as_deref(),
            Some("Web & Camera \u{2013} Login")
        );
        assert_eq!(title_of(b"<title></title>"), None);
        assert_eq!(title_of(b"no title here"), None);
        assert_eq!(
            title_of(b"<title>&bogus; &#xZZ; a&b"),
            Some("&bogus; &#xZZ; a&b".into())
        );
    }

    #[test]
    fn title_is_bounded() {
        let mut body = b"<title>".to_vec();
        body.extend(std::iter::repeat_n(b'x', 100_000));
        let t = title_of(&body).unwrap();
        assert!(t.chars().count() <= 201);
        let mut late = vec![b' '; 70_000];
        late.extend_from_slice(b"<title>late</title>");
        assert_eq!(title_of(&late), None);
    }

    #[test]
    fn title_escapes_control_characters() {
        assert_eq!(
            title_of(b"<title>a\x1b[2Jb</title>").as_deref(),
            Some("a\\x1b[2Jb")
        );
    }

    #[test]
    fn favicon_hash_and_image_sniffing() {
        assert_eq!(favicon_md5(b""), "d41d8cd98f00b204e9800998ecf8427e");
        let mut m = Message {
            body: vec![0, 0, 1, 0, 1],
            ..Message::default()
        };
        assert!(is_image(&m));
        m.body = b"<html>".to_vec();
        assert!(!is_image(&m));
        m.headers
            .push(("Content-Type".into(), "image/x-icon".into()));
        assert!(is_image(&m));
    }

    #[test]
    fn auth_summary_prefers_digest() {
        let m = Message {
            start_line: "HTTP/1.1 401 Unauthorized".into(),
            headers: vec![
                ("WWW-Authenticate".into(), "Basic realm=\"cam\"".into()),
                (
                    "www-authenticate".into(),
                    "Digest realm=\"IP Camera(C6496)\", nonce=\"abc\", qop=\"auth\"".into(),
                ),
            ],
            ..Message::default()
        };
        let ch = challenges_of(&m);
        assert_eq!(ch.len(), 2);
        let (scheme, realm) = auth_summary(&ch);
        assert_eq!(scheme, Some(AuthScheme::Digest));
        assert_eq!(realm.as_deref(), Some("IP Camera(C6496)"));
        assert_eq!(auth_summary(&[]), (None, None));
    }

    #[test]
    fn host_header_forms() {
        assert_eq!(host_header("127.0.0.1:80".parse().unwrap()), "127.0.0.1");
        assert_eq!(
            host_header("127.0.0.1:8080".parse().unwrap()),
            "127.0.0.1:8080"
        );
        assert_eq!(host_header("[::1]:80".parse().unwrap()), "[::1]");
    }
}
