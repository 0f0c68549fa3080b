//! RTSP/1.0 client session over one TCP connection: OPTIONS, DESCRIBE (with one auth retry),
//! SDP parsing and a stream proof (SETUP interleaved over TCP, PLAY, count RTP packets,
//! TEARDOWN). Payloads are counted and discarded: no imagery is ever stored.

use crate::auth::{self, Challenge, Credentials};
use crate::http::{auth_summary, ClientOptions, ProtoError};
use crate::wire::{self, Frame, Message};
use camguard_model::{AuthScheme, MediaProof};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// Most interleaved frames skipped while waiting for a response.
const MAX_SKIPPED_FRAMES: usize = 256;
/// Longest SDP text parsed.
const MAX_SDP: usize = 64 * 1024;

/// What `OPTIONS` told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionsInfo {
    /// Status code.
    pub status: u16,
    /// `Server` header, sanitised.
    pub server: Option<String>,
    /// Methods listed in `Public`.
    pub public_methods: Vec<String>,
}

/// One media section of an SDP.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SdpMedia {
    /// Media type (`video`, `audio`, `application`).
    pub kind: String,
    /// Encoding name of the first `a=rtpmap` of the section (e.g. `H264`).
    pub codec: Option<String>,
    /// `a=control` of the section.
    pub control: Option<String>,
}

/// The parts of an SDP the scanner uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sdp {
    /// Session-level `a=control`.
    pub control: Option<String>,
    /// Media sections in order.
    pub media: Vec<SdpMedia>,
}

impl Sdp {
    /// All `rtpmap` encoding names, in order, without duplicates.
    pub fn codecs(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in self.media.iter().filter_map(|m| m.codec.clone()) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }
}

/// Parse `m=`, `a=rtpmap` and `a=control` lines of an SDP (bounded; junk lines ignored).
pub fn parse_sdp(text: &str) -> Sdp {
    let text = match text.char_indices().nth(MAX_SDP) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    let mut sdp = Sdp::default();
    for line in text.lines().take(2000) {
        let line = line.trim();
        if let Some(m) = line.strip_prefix("m=") {
            if sdp.media.len() >= 32 {
                break;
            }
            sdp.media.push(SdpMedia {
                kind: clean(m.split_whitespace().next().unwrap_or("")),
                ..SdpMedia::default()
            });
        } else if let Some(a) = line.strip_prefix("a=rtpmap:") {
            // a=rtpmap:<pt> <encoding>/<clock>[/<channels>]
            let enc = a
                .split_whitespace()
                .nth(1)
                .and_then(|e| e.split('/').next())
                .map(clean);
            if let (Some(m), Some(enc)) = (sdp.media.last_mut(), enc) {
                if m.codec.is_none() && !enc.is_empty() {
                    m.codec = Some(enc);
                }
            }
        } else if let Some(c) = line.strip_prefix("a=control:") {
            let c = clean(c.trim());
            match sdp.media.last_mut() {
                Some(m) => m.control = Some(c),
                None => sdp.control = Some(c),
            }
        }
    }
    sdp
}

fn clean(s: &str) -> String {
    camguard_model::sanitize_text(s.as_bytes(), 256)
}

/// Resolve an SDP control attribute against the base URL (RFC 2326 C.1.1).
pub fn resolve_control(base: &str, control: Option<&str>) -> String {
    match control {
        None | Some("") | Some("*") => base.to_string(),
        Some(c)
            if c.get(..7)
                .is_some_and(|p| p.eq_ignore_ascii_case("rtsp://")) =>
        {
            c.to_string()
        }
        Some(c) => {
            if base.ends_with('/') {
                format!("{base}{c}")
            } else {
                format!("{base}/{c}")
            }
        }
    }
}

/// The result of one DESCRIBE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Describe {
    /// Request URL.
    pub url: String,
    /// Final status (after the auth retry, if any).
    pub status: u16,
    /// Scheme of the challenge of a 401, if any.
    pub auth_scheme: Option<AuthScheme>,
    /// Realm of that challenge.
    pub realm: Option<String>,
    /// Parsed SDP of a 200.
    pub sdp: Option<Sdp>,
    /// Base URL for control attributes (`Content-Base`, `Content-Location` or the URL).
    pub content_base: String,
    /// Whether credentials were sent.
    pub authenticated: bool,
}

/// An RTSP client session over one TCP connection.
pub struct RtspSession {
    addr: SocketAddr,
    opts: ClientOptions,
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    cseq: u32,
    session: Option<String>,
    /// Challenge and credentials to answer every later request with.
    auth: Option<(Challenge, Credentials)>,
}

impl std::fmt::Debug for RtspSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RtspSession")
            .field("addr", &self.addr)
            .field("cseq", &self.cseq)
            .finish()
    }
}

impl RtspSession {
    /// Connect (under the connect deadline).
    pub async fn connect(addr: SocketAddr, opts: &ClientOptions) -> Result<Self, ProtoError> {
        let stream = crate::http::connect(addr, opts).await?;
        let (rd, wr) = stream.into_split();
        Ok(Self {
            addr,
            opts: opts.clone(),
            reader: BufReader::with_capacity(16 * 1024, rd),
            writer: wr,
            cseq: 0,
            session: None,
            auth: None,
        })
    }

    /// `rtsp://host:port` + `path`.
    pub fn url(&self, path: &str) -> String {
        let path = if path.starts_with('/') || path == "*" {
            path.to_string()
        } else {
            format!("/{path}")
        };
        format!("rtsp://{}{}", self.addr, path)
    }

    async fn reconnect(&mut self) -> Result<(), ProtoError> {
        let fresh = Self::connect(self.addr, &self.opts).await?;
        self.reader = fresh.reader;
        self.writer = fresh.writer;
        self.session = None;
        Ok(())
    }

    /// Send one request and read its response (interleaved frames in between are skipped),
    /// all under the exchange deadline.
    pub async fn request(
        &mut self,
        method: &str,
        url: &str,
        extra: &[(&str, &str)],
    ) -> Result<Message, ProtoError> {
        self.cseq = self.cseq.wrapping_add(1);
        let cseq = self.cseq.to_string();
        let authz = self
            .auth
            .as_ref()
            .and_then(|(ch, cr)| auth::authorization_for(ch, cr, method, url));
        let mut headers: Vec<(&str, &str)> =
            vec![("CSeq", &cseq), ("User-Agent", &self.opts.user_agent)];
        if let Some(s) = &self.session {
            headers.push(("Session", s));
        }
        if let Some(a) = &authz {
            headers.push(("Authorization", a));
        }
        headers.extend_from_slice(extra);
        let req = wire::encode_request(method, url, "RTSP/1.0", &headers, &[]);
        let limits = self.opts.limits;
        let timeout = self.opts.io_timeout;
        let reader = &mut self.reader;
        let writer = &mut self.writer;
        let exchange = async move {
            writer.write_all(&req).await?;
            writer.flush().await?;
            for _ in 0..MAX_SKIPPED_FRAMES {
                match wire::read_frame(reader, &limits).await? {
                    None => return Err(wire::WireError::UnexpectedEof),
                    Some(Frame::Interleaved { .. }) => continue,
                    Some(Frame::Message(m)) => {
                        let is_request = m.request().is_ok_and(|r| r.protocol.starts_with("RTSP/"));
                        if m.status().is_err() && is_request {
                            // A request from the server (ANNOUNCE, GET_PARAMETER): not our answer.
                            continue;
                        }
                        let reply_cseq = m.header("cseq").map(str::trim);
                        if m.status().is_ok() && reply_cseq.is_some_and(|c| c != cseq) {
                            // A late answer to an earlier request.
                            continue;
                        }
                        // Our answer, or a broken status line: reported at once rather than
                        // waiting for the deadline.
                        return Ok(m);
                    }
                }
            }
            Err(wire::WireError::Malformed(
                "no response among the frames received".into(),
            ))
        };
        let msg = wire::deadline(timeout, exchange)
            .await
            .map_err(|e| ProtoError::from_wire(e, timeout))?;
        match msg.status() {
            Ok(s) if s.protocol.starts_with("RTSP/") => Ok(msg),
            Err(e) if msg.start_line.starts_with("RTSP/") => Err(ProtoError::Wire(e)),
            _ => Err(ProtoError::NotRtsp(camguard_model::sanitize_text(
                msg.start_line.as_bytes(),
                80,
            ))),
        }
    }

    /// `OPTIONS` of the server root (`rtsp://host:port/`).
    pub async fn options(&mut self) -> Result<OptionsInfo, ProtoError> {
        let url = self.url("/");
        let m = self.request("OPTIONS", &url, &[]).await?;
        Ok(OptionsInfo {
            status: status_of(&m),
            server: m.header("server").map(clean),
            public_methods: m
                .header("public")
                .map(|p| {
                    p.split(',')
                        .map(|s| clean(s.trim()))
                        .filter(|s| !s.is_empty())
                        .take(32)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// `DESCRIBE path`; on a 401 with `creds` given, answer the strongest challenge once
    /// (reconnecting if the server closed the connection). The credentials are kept for
    /// the rest of the session.
    pub async fn describe(
        &mut self,
        path: &str,
        creds: Option<&Credentials>,
    ) -> Result<Describe, ProtoError> {
        let url = self.url(path);
        let accept = [("Accept", "application/sdp")];
        let mut m = self.request("DESCRIBE", &url, &accept).await?;
        let mut status = status_of(&m);
        let mut authenticated = self.auth.is_some();
        let (mut scheme, mut realm) = (None, None);
        if status == 401 {
            let challenges = crate::http::challenges_of(&m);
            (scheme, realm) = auth_summary(&challenges);
            if let (Some(creds), Some(ch)) = (creds, auth::strongest(&challenges)) {
                if !matches!(ch, Challenge::Other { .. }) {
                    self.auth = Some((ch.clone(), creds.clone()));
                    authenticated = true;
                    m = match self.request("DESCRIBE", &url, &accept).await {
                        Ok(m) => m,
                        Err(ProtoError::Closed) | Err(ProtoError::Wire(_)) => {
                            // Some servers close after a 401: retry once on a new connection.
                            // The nonce of the old challenge is usually still accepted.
                            self.reconnect().await?;
                            self.request("DESCRIBE", &url, &accept).await?
                        }
                        Err(e) => return Err(e),
                    };
                    status = status_of(&m);
                    if status == 401 {
                        let again = crate::http::challenges_of(&m);
                        let (s2, r2) = auth_summary(&again);
                        scheme = s2.or(scheme);
                        realm = r2.or(realm);
                    }
                }
            }
        }
        let sdp = (status == 200).then(|| parse_sdp(&String::from_utf8_lossy(&m.body)));
        let content_base = m
            .header("content-base")
            .or_else(|| m.header("content-location"))
            .map(|s| s.trim().to_string())
            .filter(|s| s.len() > 7 && s[..7].eq_ignore_ascii_case("rtsp://") && s.len() < 2048)
            .unwrap_or_else(|| url.clone());
        Ok(Describe {
            url,
            status,
            auth_scheme: scheme,
            realm,
            sdp,
            content_base,
            authenticated,
        })
    }

    /// Prove that media flows: SETUP the first (video-preferred) media section over
    /// interleaved TCP, PLAY, read until `packets` RTP packets or `deadline`, TEARDOWN.
    /// Payloads are counted and discarded.
    pub async fn stream_proof(
        &mut self,
        path: &str,
        describe: &Describe,
        packets: u32,
        deadline: Duration,
    ) -> Result<MediaProof, ProtoError> {
        let sdp = describe
            .sdp
            .as_ref()
            .ok_or_else(|| ProtoError::Unexpected("DESCRIBE gave no SDP".into()))?;
        let media = sdp
            .media
            .iter()
            .find(|m| m.kind == "video")
            .or_else(|| sdp.media.first())
            .ok_or_else(|| ProtoError::Unexpected("SDP has no media section".into()))?;
        let base = &describe.content_base;
        let setup_url = resolve_control(base, media.control.as_deref());
        let m = self
            .request(
                "SETUP",
                &setup_url,
                &[("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")],
            )
            .await?;
        if status_of(&m) != 200 {
            return Err(ProtoError::Unexpected(format!(
                "SETUP answered {}",
                status_of(&m)
            )));
        }
        let session = m
            .header("session")
            .and_then(|s| s.split(';').next())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty() && s.len() <= 256)
            .ok_or_else(|| ProtoError::Unexpected("SETUP answer has no Session".into()))?;
        let rtp_channel = m
            .header("transport")
            .and_then(interleaved_channel)
            .unwrap_or(0);
        self.session = Some(session);
        let play_url = match sdp.control.as_deref() {
            Some(c) if c != "*" => resolve_control(base, Some(c)),
            _ => base.clone(),
        };
        let m = self
            .request("PLAY", &play_url, &[("Range", "npt=0.000-")])
            .await?;
        if status_of(&m) != 200 {
            return Err(ProtoError::Unexpected(format!(
                "PLAY answered {}",
                status_of(&m)
            )));
        }
        let (count, bytes) = self.count_rtp(rtp_channel, packets, deadline).await;
        // Best effort, short: the session ends when the socket closes anyway.
        let teardown = self.request("TEARDOWN", &play_url, &[]);
        let _ = tokio::time::timeout(Duration::from_millis(500), teardown).await;
        self.session = None;
        if count == 0 {
            return Err(ProtoError::Unexpected(
                "PLAY accepted but no RTP packet arrived before the deadline".into(),
            ));
        }
        let credentials = match &self.auth {
            Some((_, c)) => camguard_model::redact_secret(&c.username),
            None => "anonymous".to_string(),
        };
        Ok(MediaProof {
            path: path.to_string(),
            credentials,
            rtp_packets: count,
            bytes,
            codec: media.codec.clone(),
        })
    }

    /// Read frames until `want` RTP packets on `channel` or the deadline; count, discard.
    async fn count_rtp(&mut self, channel: u8, want: u32, deadline: Duration) -> (u32, u64) {
        let limits = self.opts.limits;
        let mut count = 0u32;
        let mut bytes = 0u64;
        let end = tokio::time::Instant::now() + deadline;
        while count < want {
            let next = tokio::time::timeout_at(end, wire::read_frame(&mut self.reader, &limits));
            match next.await {
                Ok(Ok(Some(Frame::Interleaved { channel: ch, data }))) if ch == channel => {
                    if let Some(payload) = rtp_payload_len(&data) {
                        count += 1;
                        bytes += payload as u64;
                    }
                    // `data` is dropped here: nothing is kept.
                }
                Ok(Ok(Some(_))) => {}
                _ => break,
            }
        }
        (count, bytes)
    }
}

fn status_of(m: &Message) -> u16 {
    m.status().map(|s| s.code).unwrap_or(0)
}

/// First channel of `interleaved=a-b` in a Transport header.
fn interleaved_channel(transport: &str) -> Option<u8> {
    transport
        .split(';')
        .find_map(|p| p.trim().strip_prefix("interleaved="))
        .and_then(|v| v.split('-').next())
        .and_then(|v| v.trim().parse().ok())
}

/// Payload length of an RTP packet (version 2), or `None` if it is not one.
pub fn rtp_payload_len(pkt: &[u8]) -> Option<usize> {
    if pkt.len() < 12 || pkt[0] >> 6 != 2 {
        return None;
    }
    let csrc = usize::from(pkt[0] & 0x0f);
    let mut header = 12 + 4 * csrc;
    if pkt[0] & 0x10 != 0 {
        let ext = pkt.get(header + 2..header + 4)?;
        header += 4 + 4 * usize::from(u16::from_be_bytes([ext[0], ext[1]]));
    }
    let mut end = pkt.len();
    if pkt[0] & 0x20 != 0 {
        let pad = usize::from(*pkt.last()?);
        end = end.checked_sub(pad)?;
    }
    end.checked_sub(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GST_SDP: &str =
        "v=0\r\no=- 1298 1 IN IP4 127.0.0.1\r\ns=Session streamed with GStreamer\r\n\
        t=0 0\r\na=tool:GStreamer\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\n\
        a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:stream=0\r\n\
        m=audio 0 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=control:stream=1\r\n";

    #[test]
    fn sdp_codecs_and_controls() {
        let sdp = parse_sdp(GST_SDP);
        assert_eq!(sdp.control.as_deref(), Some("*"));
        assert_eq!(sdp.media.len(), 2);
        assert_eq!(sdp.media[0].kind, "video");
        assert_eq!(sdp.media[0].control.as_deref(), Some("stream=0"));
        assert_eq!(sdp.codecs(), vec!["H264", "PCMA"]);
    }

    #[test]
    fn sdp_junk_is_tolerated() {
        let sdp = parse_sdp("a=rtpmap:96\nm=\na=rtpmap:x\n\u{0}\u{1b}m=video\na=control:\x1b[2J");
        assert_eq!(sdp.codecs(), Vec::<String>::new());
        let huge = "m=video 0 RTP/AVP 96\n".repeat(10_000);
        assert!(parse_sdp(&huge).media.len() <= 32);
    }

    #[test]
    fn control_resolution() {
        let base = "rtsp://127.0.0.1:8554/live/";
        assert_eq!(
            resolve_control(base, Some("stream=0")),
            "rtsp://127.0.0.1:8554/live/stream=0"
        );
        assert_eq!(
            resolve_control("rtsp://h/live", Some("trackID=1")),
            "rtsp://h/live/trackID=1"
        );
        assert_eq!(resolve_control(base, Some("*")), base);
        assert_eq!(resolve_control(base, None), base);
        assert_eq!(
            resolve_control(base, Some("RTSP://h/x/track1")),
            "RTSP://h/x/track1"
        );
    }

    /// Found by the `sdp_and_page` fuzz target: a control attribute with a multi-byte
    /// character across byte 7 made the prefix check slice inside a character and panic.
    #[test]
    fn control_with_multibyte_char_at_byte_seven_does_not_panic() {
        let c = "\u{0}\u{fffd}{\u{fffd}";
        assert_eq!(
            resolve_control("rtsp://h/", Some(c)),
            format!("rtsp://h/{c}")
        );
        assert_eq!(
            resolve_control("rtsp://h/", Some("rtsp:/é")),
            "rtsp://h/rtsp:/é"
        );
    }

    #[test]
    fn rtp_payload_lengths() {
        let mut p = vec![0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1];
        p.extend_from_slice(&[1, 2, 3]);
        assert_eq!(rtp_payload_len(&p), Some(3));
        // padding bit with 2 bytes of padding
        let mut q = p.clone();
        q[0] |= 0x20;
        q.extend_from_slice(&[0, 2]);
        assert_eq!(rtp_payload_len(&q), Some(3));
        assert_eq!(rtp_payload_len(&[0x40; 20]), None);
        assert_eq!(rtp_payload_len(&[0x80; 5]), None);
        // extension header longer than the packet
        let mut e = vec![0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0xff, 0xff];
        e.push(0);
        assert_eq!(rtp_payload_len(&e), None);
    }

    #[test]
    fn transport_channel() {
        assert_eq!(
            interleaved_channel("RTP/AVP/TCP;unicast;interleaved=2-3;ssrc=1"),
            Some(2)
        );
        assert_eq!(interleaved_channel("RTP/AVP;unicast"), None);
    }
}
