//! Bounded framing of HTTP/1.x and RTSP/1.0 messages, shared by clients and servers.
//!
//! Both protocols use the same shape: a start line, header lines, an empty line and an
//! optional body. Every read here is bounded by [`Limits`]: a peer that sends an endless
//! header, a gigantic `Content-Length` or a never-ending line gets an error or a truncated
//! body, never unbounded memory. Time is bounded by the caller with [`deadline`].

use std::future::Future;
use std::time::Duration;
use thiserror::Error;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// Size limits applied while reading one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest start or header line, in bytes.
    pub max_line: usize,
    /// Most header lines.
    pub max_headers: usize,
    /// Most bytes in all header lines together.
    pub max_header_bytes: usize,
    /// Most body bytes kept; the rest is not read and the body is marked truncated.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_line: 8 * 1024,
            max_headers: 100,
            max_header_bytes: 64 * 1024,
            max_body: 1024 * 1024,
        }
    }
}

/// Errors of message framing.
#[derive(Debug, Error)]
pub enum WireError {
    /// Socket error.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The deadline passed.
    #[error("timed out")]
    Timeout,
    /// A line exceeded [`Limits::max_line`].
    #[error("line longer than the limit")]
    LineTooLong,
    /// More header lines than [`Limits::max_headers`].
    #[error("too many header lines")]
    TooManyHeaders,
    /// Header block larger than [`Limits::max_header_bytes`].
    #[error("header block larger than the limit")]
    HeadersTooLarge,
    /// The bytes do not form a valid message.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// The peer closed the connection in the middle of a message.
    #[error("connection closed in the middle of a message")]
    UnexpectedEof,
}

/// A parsed HTTP or RTSP message (request or response).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// First line, without the line ending, lossily decoded.
    pub start_line: String,
    /// Header fields in order, names as sent, values trimmed.
    pub headers: Vec<(String, String)>,
    /// Body bytes (at most [`Limits::max_body`]).
    pub body: Vec<u8>,
    /// True when the announced body was longer than the limit and was cut.
    pub body_truncated: bool,
}

/// A parsed status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// `HTTP/1.1`, `RTSP/1.0`, …
    pub protocol: String,
    /// Status code.
    pub code: u16,
    /// Reason phrase (may be empty).
    pub reason: String,
}

/// A parsed request line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine {
    /// Method, e.g. `GET` or `DESCRIBE`.
    pub method: String,
    /// Request target (path or absolute URL).
    pub target: String,
    /// `HTTP/1.1`, `RTSP/1.0`, …
    pub protocol: String,
}

impl Message {
    /// First header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All headers named `name` (case-insensitive), in order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Parse the start line as a status line (`PROTO/x.y CODE REASON`).
    pub fn status(&self) -> Result<Status, WireError> {
        let mut parts = self.start_line.splitn(3, ' ');
        let protocol = parts.next().unwrap_or_default();
        let code = parts.next().unwrap_or_default();
        let reason = parts.next().unwrap_or_default();
        if !protocol.contains('/') || code.len() != 3 {
            return Err(WireError::Malformed(format!(
                "not a status line: {:?}",
                truncate(&self.start_line, 80)
            )));
        }
        let code = code
            .parse::<u16>()
            .map_err(|_| WireError::Malformed(format!("bad status code {code:?}")))?;
        Ok(Status {
            protocol: protocol.to_string(),
            code,
            reason: reason.trim().to_string(),
        })
    }

    /// Parse the start line as a request line (`METHOD TARGET PROTO/x.y`).
    pub fn request(&self) -> Result<RequestLine, WireError> {
        let parts: Vec<&str> = self
            .start_line
            .split(' ')
            .filter(|p| !p.is_empty())
            .collect();
        match parts.as_slice() {
            [method, target, protocol] if protocol.contains('/') => Ok(RequestLine {
                method: method.to_string(),
                target: target.to_string(),
                protocol: protocol.to_string(),
            }),
            _ => Err(WireError::Malformed(format!(
                "not a request line: {:?}",
                truncate(&self.start_line, 80)
            ))),
        }
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// How the body of a message is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyMode {
    /// Requests and RTSP messages: `Content-Length`, or no body.
    Request,
    /// HTTP responses: `Content-Length`, `Transfer-Encoding: chunked`, or until the peer closes.
    Response,
    /// A response that has no body whatever its headers say (e.g. to `HEAD`).
    ResponseNoBody,
}

/// Read one line ending in LF (CR optional) of at most `max` bytes, without the line ending.
/// Returns `Ok(None)` at a clean end of stream before any byte.
async fn read_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    max: usize,
) -> Result<Option<Vec<u8>>, WireError> {
    let mut line = Vec::new();
    loop {
        let buf = r.fill_buf().await?;
        if buf.is_empty() {
            return if line.is_empty() {
                Ok(None)
            } else {
                Err(WireError::UnexpectedEof)
            };
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if line.len() + take > max + 2 {
            return Err(WireError::LineTooLong);
        }
        line.extend_from_slice(&buf[..take]);
        r.consume(take);
        if done {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Some(line));
        }
    }
}

/// Read one message. `Ok(None)` means the peer closed cleanly before sending anything.
///
/// Leading empty lines (keep-alive CRLFs) are skipped, at most a few of them.
pub async fn read_message<R: AsyncBufRead + Unpin>(
    r: &mut R,
    limits: &Limits,
    mode: BodyMode,
) -> Result<Option<Message>, WireError> {
    let mut start = None;
    for _ in 0..4 {
        match read_line(r, limits.max_line).await? {
            None => return Ok(None),
            Some(line) if line.is_empty() => continue,
            Some(line) => {
                start = Some(line);
                break;
            }
        }
    }
    let Some(start) = start else {
        return Err(WireError::Malformed("only empty lines".into()));
    };
    read_after_start_line(r, limits, mode, start)
        .await
        .map(Some)
}

async fn read_after_start_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    limits: &Limits,
    mode: BodyMode,
    start: Vec<u8>,
) -> Result<Message, WireError> {
    let mut msg = Message {
        start_line: String::from_utf8_lossy(&start).into_owned(),
        ..Message::default()
    };
    let mut header_bytes = 0usize;
    loop {
        let line = read_line(r, limits.max_line)
            .await?
            .ok_or(WireError::UnexpectedEof)?;
        if line.is_empty() {
            break;
        }
        header_bytes += line.len();
        if header_bytes > limits.max_header_bytes {
            return Err(WireError::HeadersTooLarge);
        }
        if msg.headers.len() >= limits.max_headers {
            return Err(WireError::TooManyHeaders);
        }
        let text = String::from_utf8_lossy(&line);
        if text.starts_with([' ', '\t']) {
            // Obsolete line folding: append to the previous value.
            if let Some((_, v)) = msg.headers.last_mut() {
                v.push(' ');
                v.push_str(text.trim());
                continue;
            }
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err(WireError::Malformed(format!(
                "header line without a colon: {:?}",
                truncate(&text, 80)
            )));
        };
        msg.headers
            .push((name.trim().to_string(), value.trim().to_string()));
    }
    read_body(r, limits, mode, &mut msg).await?;
    Ok(msg)
}

async fn read_body<R: AsyncBufRead + Unpin>(
    r: &mut R,
    limits: &Limits,
    mode: BodyMode,
    msg: &mut Message,
) -> Result<(), WireError> {
    if mode == BodyMode::ResponseNoBody {
        return Ok(());
    }
    if mode == BodyMode::Response {
        if let Ok(status) = msg.status() {
            if status.code < 200 || status.code == 204 || status.code == 304 {
                return Ok(());
            }
        }
        let chunked = msg
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            return read_chunked(r, limits, msg).await;
        }
    }
    match msg.header("content-length") {
        Some(v) => {
            let len: u64 = v
                .trim()
                .parse()
                .map_err(|_| WireError::Malformed(format!("bad Content-Length {v:?}")))?;
            let keep = len.min(limits.max_body as u64) as usize;
            msg.body = vec![0; keep];
            r.read_exact(&mut msg.body)
                .await
                .map_err(eof_is_unexpected)?;
            msg.body_truncated = len > keep as u64;
        }
        None if mode == BodyMode::Response => {
            // HTTP/1.0 style: the body runs until the peer closes.
            let mut limited = r.take(limits.max_body as u64 + 1);
            limited.read_to_end(&mut msg.body).await?;
            if msg.body.len() > limits.max_body {
                msg.body.truncate(limits.max_body);
                msg.body_truncated = true;
            }
        }
        None => {}
    }
    Ok(())
}

async fn read_chunked<R: AsyncBufRead + Unpin>(
    r: &mut R,
    limits: &Limits,
    msg: &mut Message,
) -> Result<(), WireError> {
    loop {
        let line = read_line(r, limits.max_line)
            .await?
            .ok_or(WireError::UnexpectedEof)?;
        let text = String::from_utf8_lossy(&line);
        let size_text = text.split(';').next().unwrap_or_default().trim();
        let size = u64::from_str_radix(size_text, 16)
            .map_err(|_| WireError::Malformed(format!("bad chunk size {size_text:?}")))?;
        if size == 0 {
            // Trailers, bounded like headers, then done.
            for _ in 0..limits.max_headers {
                match read_line(r, limits.max_line).await? {
                    None => return Ok(()),
                    Some(l) if l.is_empty() => return Ok(()),
                    Some(_) => {}
                }
            }
            return Err(WireError::TooManyHeaders);
        }
        let room = limits.max_body.saturating_sub(msg.body.len()) as u64;
        if size > room {
            let mut part = vec![0; room as usize];
            r.read_exact(&mut part).await.map_err(eof_is_unexpected)?;
            msg.body.extend_from_slice(&part);
            msg.body_truncated = true;
            return Ok(());
        }
        let start = msg.body.len();
        msg.body.resize(start + size as usize, 0);
        r.read_exact(&mut msg.body[start..])
            .await
            .map_err(eof_is_unexpected)?;
        read_line(r, limits.max_line).await?;
    }
}

fn eof_is_unexpected(e: std::io::Error) -> WireError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        WireError::UnexpectedEof
    } else {
        WireError::Io(e)
    }
}

/// One unit read from an RTSP connection over TCP after `PLAY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// An RTSP message (a response, or a request from the server).
    Message(Message),
    /// An interleaved binary frame (`$`, channel, 16-bit length, data), RFC 2326 §10.12.
    Interleaved {
        /// Channel number from the `Transport` header's `interleaved=` pair.
        channel: u8,
        /// Frame data (an RTP or RTCP packet).
        data: Vec<u8>,
    },
}

/// Read the next interleaved frame or RTSP message. `Ok(None)` at a clean end of stream.
pub async fn read_frame<R: AsyncBufRead + Unpin>(
    r: &mut R,
    limits: &Limits,
) -> Result<Option<Frame>, WireError> {
    let buf = r.fill_buf().await?;
    if buf.is_empty() {
        return Ok(None);
    }
    if buf[0] == b'$' {
        let mut head = [0u8; 4];
        r.read_exact(&mut head).await.map_err(eof_is_unexpected)?;
        let len = u16::from_be_bytes([head[2], head[3]]) as usize;
        let mut data = vec![0; len];
        r.read_exact(&mut data).await.map_err(eof_is_unexpected)?;
        return Ok(Some(Frame::Interleaved {
            channel: head[1],
            data,
        }));
    }
    Ok(read_message(r, limits, BodyMode::Request)
        .await?
        .map(Frame::Message))
}

fn encode(start_line: &str, headers: &[(&str, &str)], body: &[u8], length: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + body.len());
    out.extend_from_slice(start_line.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if length {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Encode a request; `Content-Length` is added when the body is not empty.
pub fn encode_request(
    method: &str,
    target: &str,
    protocol: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    encode(
        &format!("{method} {target} {protocol}"),
        headers,
        body,
        !body.is_empty(),
    )
}

/// Encode a response; `Content-Length` is always added.
pub fn encode_response(
    protocol: &str,
    code: u16,
    reason: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    encode(&format!("{protocol} {code} {reason}"), headers, body, true)
}

/// Encode an RTSP interleaved frame. Data longer than 65535 bytes is cut (RTP packets are
/// far smaller).
pub fn encode_interleaved(channel: u8, data: &[u8]) -> Vec<u8> {
    let data = &data[..data.len().min(u16::MAX as usize)];
    let mut out = Vec::with_capacity(4 + data.len());
    out.push(b'$');
    out.push(channel);
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
    out
}

/// Run `fut` under a deadline; an expired deadline becomes [`WireError::Timeout`].
pub async fn deadline<T>(
    dur: Duration,
    fut: impl Future<Output = Result<T, WireError>>,
) -> Result<T, WireError> {
    tokio::time::timeout(dur, fut)
        .await
        .unwrap_or(Err(WireError::Timeout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::BufReader;

    async fn parse(bytes: &[u8], limits: Limits, mode: BodyMode) -> Result<Message, WireError> {
        let mut r = BufReader::new(bytes);
        read_message(&mut r, &limits, mode)
            .await
            .map(|m| m.expect("a message"))
    }

    #[tokio::test]
    async fn parses_rtsp_response_with_body() {
        let raw = b"RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\nNEXT";
        let m = parse(raw, Limits::default(), BodyMode::Request)
            .await
            .unwrap();
        let s = m.status().unwrap();
        assert_eq!(
            (s.protocol.as_str(), s.code, s.reason.as_str()),
            ("RTSP/1.0", 200, "OK")
        );
        assert_eq!(m.header("cseq"), Some("2"));
        assert_eq!(m.body, b"v=0\r\n");
    }

    #[tokio::test]
    async fn http10_body_runs_to_eof_and_is_bounded() {
        let raw = b"HTTP/1.0 200 OK\nServer: x\n\n0123456789";
        let limits = Limits {
            max_body: 4,
            ..Limits::default()
        };
        let m = parse(raw, limits, BodyMode::Response).await.unwrap();
        assert_eq!(m.body, b"0123");
        assert!(m.body_truncated);
    }

    #[tokio::test]
    async fn huge_content_length_is_truncated_not_allocated() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\nabcdef";
        let limits = Limits {
            max_body: 3,
            ..Limits::default()
        };
        let m = parse(raw, limits, BodyMode::Response).await.unwrap();
        assert_eq!(m.body, b"abc");
        assert!(m.body_truncated);
    }

    #[tokio::test]
    async fn chunked_body_is_decoded() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        let m = parse(raw, Limits::default(), BodyMode::Response)
            .await
            .unwrap();
        assert_eq!(m.body, b"abcde");
    }

    #[tokio::test]
    async fn limits_are_enforced() {
        let long = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(100));
        let limits = Limits {
            max_line: 50,
            ..Limits::default()
        };
        assert!(matches!(
            parse(long.as_bytes(), limits, BodyMode::Response).await,
            Err(WireError::LineTooLong)
        ));
        let many: String = std::iter::once("HTTP/1.1 200 OK\r\n".to_string())
            .chain((0..20).map(|i| format!("H{i}: v\r\n")))
            .collect();
        let limits = Limits {
            max_headers: 10,
            ..Limits::default()
        };
        assert!(matches!(
            parse(many.as_bytes(), limits, BodyMode::Response).await,
            Err(WireError::TooManyHeaders)
        ));
    }

    #[tokio::test]
    async fn malformed_and_truncated_inputs_are_errors() {
        assert!(matches!(
            parse(
                b"HTTP/1.1 200 OK\r\nnocolon\r\n\r\n",
                Limits::default(),
                BodyMode::Request
            )
            .await,
            Err(WireError::Malformed(_))
        ));
        assert!(matches!(
            parse(
                b"HTTP/1.1 200 OK\r\nA: b\r\n",
                Limits::default(),
                BodyMode::Request
            )
            .await,
            Err(WireError::UnexpectedEof)
        ));
        let m = parse(
            b"\xff\xfe garbage\r\n\r\n",
            Limits::default(),
            BodyMode::Request,
        )
        .await
        .unwrap();
        assert!(m.status().is_err());
        assert!(m.request().is_err());
    }

    #[tokio::test]
    async fn interleaved_frames_and_messages_alternate() {
        let mut raw = encode_interleaved(0, &[0x80, 0x1a, 0, 1]);
        raw.extend(encode_response(
            "RTSP/1.0",
            200,
            "OK",
            &[("CSeq", "5")],
            b"",
        ));
        raw.extend(encode_interleaved(1, b"rtcp"));
        let mut r = BufReader::new(raw.as_slice());
        let limits = Limits::default();
        assert_eq!(
            read_frame(&mut r, &limits).await.unwrap(),
            Some(Frame::Interleaved {
                channel: 0,
                data: vec![0x80, 0x1a, 0, 1]
            })
        );
        match read_frame(&mut r, &limits).await.unwrap() {
            Some(Frame::Message(m)) => assert_eq!(m.header("CSeq"), Some("5")),
            other => panic!("expected a message, got {other:?}"),
        }
        assert!(matches!(
            read_frame(&mut r, &limits).await.unwrap(),
            Some(Frame::Interleaved { channel: 1, .. })
        ));
        assert_eq!(read_frame(&mut r, &limits).await.unwrap(), None);
    }

    #[tokio::test]
    async fn request_round_trip() {
        let raw = encode_request("DESCRIBE", "rtsp://h/p", "RTSP/1.0", &[("CSeq", "1")], b"x");
        let m = parse(&raw, Limits::default(), BodyMode::Request)
            .await
            .unwrap();
        let rl = m.request().unwrap();
        assert_eq!(
            (rl.method.as_str(), rl.target.as_str()),
            ("DESCRIBE", "rtsp://h/p")
        );
        assert_eq!(m.body, b"x");
    }

    #[tokio::test]
    async fn deadline_cuts_a_stalled_read() {
        let (client, _server) = tokio::io::duplex(64);
        let mut r = BufReader::new(client);
        let res = deadline(
            Duration::from_millis(20),
            read_message(&mut r, &Limits::default(), BodyMode::Response),
        )
        .await;
        assert!(matches!(res, Err(WireError::Timeout)));
    }
}
