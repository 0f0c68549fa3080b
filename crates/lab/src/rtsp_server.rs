//! The device's RTSP server (RFC 2326): OPTIONS, DESCRIBE, SETUP (TCP interleaved or UDP
//! unicast), PLAY, PAUSE, TEARDOWN, GET/SET_PARAMETER, streaming MJPEG over RTP.

use crate::authn::{self, Access, Login};
use crate::behaviour::{QopOffer, UrlCredentials};
use crate::device::{Device, Stream};
use crate::mjpeg::{RtpState, CLOCK_RATE, FPS, PAYLOAD_TYPE};
use crate::quirks::{self, XiongmaiPath};
use crate::reply::Reply;
use camguard_protocols::wire::{self, Frame, Limits, Message, WireError};
use rand::Rng;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Idle time allowed before PLAY.
const IDLE_DEADLINE: Duration = Duration::from_secs(30);
/// Idle time allowed while playing (clients send keep-alives every timeout/2 = 30 s).
const PLAYING_DEADLINE: Duration = Duration::from_secs(120);
/// Time allowed for one write.
const WRITE_DEADLINE: Duration = Duration::from_secs(10);
/// Longest a single PLAY streams.
const MAX_PLAY: Duration = Duration::from_secs(3600);
/// Session timeout announced in the `Session` header.
const SESSION_TIMEOUT: u32 = 60;
/// Methods the server implements (the `Public` header).
pub const PUBLIC: &str =
    "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER";

/// Where RTP goes.
enum Transport {
    /// Interleaved on the RTSP connection.
    Tcp { rtp_channel: u8, rtcp_channel: u8 },
    /// UDP unicast from our pair of sockets to the client's ports.
    Udp {
        rtp: Arc<UdpSocket>,
        _rtcp: UdpSocket,
        dest: SocketAddr,
        client_ports: (u16, u16),
    },
}

/// Per-connection RTSP session state.
struct Session {
    id: String,
    stream: Option<usize>,
    transport: Option<Transport>,
    player: Option<JoinHandle<()>>,
    rtp: RtpState,
    /// Set up on a path that does not exist (`rtsp_any_path_200`): PLAY answers, no media.
    phantom: bool,
}

impl Session {
    fn stop(&mut self) {
        if let Some(p) = self.player.take() {
            p.abort();
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Serve one RTSP connection.
pub async fn serve(stream: TcpStream, device: Arc<Device>) {
    let Ok(peer) = stream.peer_addr() else {
        return;
    };
    let (r, w) = stream.into_split();
    let mut r = BufReader::new(r);
    let (tx, rx) = mpsc::channel::<Vec<u8>>(256);
    let mut writer = tokio::spawn(write_loop(w, rx));
    let mut session = {
        let mut rng = rand::thread_rng();
        Session {
            id: format!("{:08X}", rng.gen::<u32>()),
            stream: None,
            transport: None,
            player: None,
            phantom: false,
            rtp: RtpState {
                seq: rng.gen(),
                timestamp: rng.gen(),
                ssrc: rng.gen(),
            },
        }
    };
    let limits = Limits::default();
    loop {
        let wait = if session.player.is_some() {
            PLAYING_DEADLINE
        } else {
            IDLE_DEADLINE
        };
        let frame = tokio::select! {
            f = wire::deadline(wait, wire::read_frame(&mut r, &limits)) => f,
            _ = &mut writer => break,
        };
        let msg = match frame {
            Ok(Some(Frame::Message(m))) => m,
            Ok(Some(Frame::Interleaved { .. })) => continue, // RTCP receiver reports
            Ok(None) | Err(WireError::Timeout) | Err(WireError::Io(_)) => break,
            Err(e) => {
                tracing::debug!(device = %device.spec.id, %peer, "bad rtsp request: {e}");
                let reply = Reply::new(400, "Bad Request");
                let _ = tx.send(encode(&device, reply, None)).await;
                break;
            }
        };
        let cseq = msg.header("CSeq").map(str::to_string);
        let (reply, close) = handle(&device, &mut session, peer, &msg, &tx);
        tracing::debug!(
            device = %device.spec.id, %peer, request = %msg.start_line, status = reply.code, "rtsp"
        );
        if tx
            .send(encode(&device, reply, cseq.as_deref()))
            .await
            .is_err()
        {
            break;
        }
        if close {
            break;
        }
    }
    session.stop();
    drop(tx);
    // Let queued replies drain briefly, then stop the writer.
    if tokio::time::timeout(Duration::from_secs(1), &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
}

async fn write_loop(mut w: OwnedWriteHalf, mut rx: mpsc::Receiver<Vec<u8>>) {
    while let Some(buf) = rx.recv().await {
        let ok = wire::deadline(WRITE_DEADLINE, async {
            w.write_all(&buf).await?;
            Ok(())
        })
        .await;
        if ok.is_err() {
            return;
        }
    }
    let _ = w.shutdown().await;
}

fn encode(device: &Device, reply: Reply, cseq: Option<&str>) -> Vec<u8> {
    let date = chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(c) = cseq {
        headers.push(("CSeq", c));
    }
    if let Some(server) = &device.personality.rtsp.server {
        headers.push(("Server", server));
    }
    headers.push(("Date", &date));
    for (k, v) in &reply.headers {
        headers.push((k, v));
    }
    wire::encode_response("RTSP/1.0", reply.code, reply.reason, &headers, &reply.body)
}

/// The stream a request URL names, and the URL's path.
fn resolve<'a>(device: &'a Device, target: &str) -> Option<(usize, &'a Stream)> {
    let path = target_path(target);
    device.streams.iter().enumerate().find(|(_, s)| {
        path == s.path
            || path
                .strip_prefix(s.path.as_str())
                .is_some_and(|rest| rest == "/" || rest == "/trackID=0")
    })
}

fn handle(
    device: &Arc<Device>,
    session: &mut Session,
    peer: SocketAddr,
    msg: &Message,
    tx: &mpsc::Sender<Vec<u8>>,
) -> (Reply, bool) {
    let Ok(req) = msg.request() else {
        return (Reply::new(400, "Bad Request"), true);
    };
    if !req.protocol.eq_ignore_ascii_case("RTSP/1.0") {
        return (Reply::new(505, "RTSP Version Not Supported"), true);
    }
    let method = req.method.as_str();
    let behaviour = &device.spec.behaviour;
    let xm = behaviour
        .accepts_url_credentials(UrlCredentials::Xiongmai)
        .then(|| quirks::xiongmai_path(strip_track(target_path(&req.target))))
        .flatten();
    if matches!(method, "DESCRIBE" | "SETUP" | "PLAY") {
        let phantom = session.phantom;
        if let Some(refused) = authorize(device, method, msg, &req.target, xm.as_ref(), phantom) {
            return (refused, false);
        }
    }
    if let Some(s) = msg.header("Session") {
        let id = s.split(';').next().unwrap_or("").trim();
        if id != session.id && method != "OPTIONS" {
            return (Reply::new(454, "Session Not Found"), false);
        }
    }
    let session_header = format!("{};timeout={SESSION_TIMEOUT}", session.id);
    match method {
        "OPTIONS" => (Reply::new(200, "OK").header("Public", PUBLIC), false),
        "DESCRIBE" => match resolve(device, &req.target) {
            None if xm
                .as_ref()
                .and_then(|x| xiongmai_stream(device, x))
                .is_some()
                || behaviour.rtsp_any_path_200 =>
            {
                // The SDP points back at the URL as asked (credentials in the path, or a path
                // that does not exist on a device answering 200 to anything).
                let url = absolute(device, &req.target);
                let mut reply = Reply::new(200, "OK")
                    .header("Content-Type", "application/sdp")
                    .header("Content-Base", format!("{url}/"));
                reply.body = sdp(device, &url).into_bytes();
                (reply, false)
            }
            None => (Reply::new(404, "Not Found"), false),
            Some((_, stream)) => {
                let url = device.stream_url(stream);
                let mut reply = Reply::new(200, "OK")
                    .header("Content-Type", "application/sdp")
                    .header("Content-Base", format!("{url}/"));
                reply.body = sdp(device, &url).into_bytes();
                (reply, false)
            }
        },
        "SETUP" => match resolve(device, &req.target)
            .map(|(i, _)| i)
            .or_else(|| xm.as_ref().and_then(|x| xiongmai_stream(device, x)))
            .map(Some)
            .or(behaviour.rtsp_any_path_200.then_some(None))
        {
            None => (Reply::new(404, "Not Found"), false),
            Some(idx) => {
                let Some(transport) = msg
                    .header("Transport")
                    .and_then(|t| pick_transport(t, device, peer))
                else {
                    return (Reply::new(461, "Unsupported Transport"), false);
                };
                session.stop();
                let echo = match &transport {
                    Transport::Tcp {
                        rtp_channel,
                        rtcp_channel,
                    } => format!(
                        "RTP/AVP/TCP;unicast;interleaved={rtp_channel}-{rtcp_channel};ssrc={:08X}",
                        session.rtp.ssrc
                    ),
                    Transport::Udp {
                        rtp,
                        _rtcp,
                        client_ports,
                        ..
                    } => {
                        let sp = rtp.local_addr().map(|a| a.port()).unwrap_or(0);
                        let sp2 = _rtcp.local_addr().map(|a| a.port()).unwrap_or(0);
                        format!(
                            "RTP/AVP;unicast;client_port={}-{};server_port={sp}-{sp2};ssrc={:08X}",
                            client_ports.0, client_ports.1, session.rtp.ssrc
                        )
                    }
                };
                session.phantom = idx.is_none();
                session.stream = idx;
                session.transport = Some(transport);
                (
                    Reply::new(200, "OK")
                        .header("Transport", echo)
                        .header("Session", session_header),
                    false,
                )
            }
        },
        "PLAY" if session.phantom && session.transport.is_some() => {
            // 200 to anything, but nothing to stream.
            (
                Reply::new(200, "OK")
                    .header("Session", session_header)
                    .header("Range", "npt=0.000-"),
                false,
            )
        }
        "PLAY" => {
            let (Some(idx), Some(transport)) = (session.stream, session.transport.as_ref()) else {
                return (Reply::new(455, "Method Not Valid in This State"), false);
            };
            let Some(stream) = device.streams.get(idx) else {
                return (Reply::new(404, "Not Found"), false);
            };
            let url = device.stream_url(stream);
            let reply = Reply::new(200, "OK")
                .header("Session", session_header)
                .header("Range", "npt=0.000-")
                .header(
                    "RTP-Info",
                    format!(
                        "url={url}/trackID=0;seq={};rtptime={}",
                        session.rtp.seq, session.rtp.timestamp
                    ),
                );
            if session.player.is_none() {
                let sink = match transport {
                    Transport::Tcp { rtp_channel, .. } => Sink::Tcp(tx.clone(), *rtp_channel),
                    Transport::Udp { rtp, dest, .. } => Sink::Udp(rtp.clone(), *dest),
                };
                let frames = stream.frames.clone();
                let rtp = session.rtp.clone();
                // The caller queues the PLAY reply right after this returns; the player's
                // first tick is 20 ms later, so the reply precedes the first packet.
                session.player = Some(tokio::spawn(play(
                    frames,
                    rtp,
                    sink,
                    device.spec.id.clone(),
                )));
            }
            (reply, false)
        }
        "PAUSE" => {
            session.stop();
            (
                Reply::new(200, "OK").header("Session", session_header),
                false,
            )
        }
        "TEARDOWN" => {
            session.stop();
            session.transport = None;
            session.stream = None;
            session.phantom = false;
            (
                Reply::new(200, "OK").header("Session", session_header),
                false,
            )
        }
        "GET_PARAMETER" | "SET_PARAMETER" => (
            Reply::new(200, "OK").header("Session", session_header),
            false,
        ),
        _ => (
            Reply::new(405, "Method Not Allowed").header("Allow", PUBLIC),
            false,
        ),
    }
}

/// Authorize DESCRIBE/SETUP/PLAY; `Some(reply)` refuses. Credentials in a Xiongmai path
/// replace the `Authorization` header. Unknown paths get 404 before 401 when
/// `auth_before_path = false`, and 200 without authentication with `rtsp_any_path_200`.
/// A locked device answers 403.
fn authorize(
    device: &Device,
    method: &str,
    msg: &Message,
    target: &str,
    xm: Option<&XiongmaiPath>,
    phantom_session: bool,
) -> Option<Reply> {
    let behaviour = &device.spec.behaviour;
    let unauthorized = |challenge: String| {
        let r = Reply::new(401, "Unauthorized");
        Some(if challenge.is_empty() {
            r
        } else {
            r.header("WWW-Authenticate", challenge)
        })
    };
    let challenge = || {
        authn::challenge(
            device.spec.rtsp_auth,
            device,
            &device.rtsp_realm,
            QopOffer::None,
        )
    };
    if let Some(xm) = xm {
        return match authn::login(device, &xm.user, &xm.password) {
            Login::Ok => None,
            Login::Locked(_) => Some(Reply::new(403, "Forbidden")),
            Login::Refused { .. } => unauthorized(challenge()),
        };
    }
    let known = if method == "PLAY" {
        !phantom_session
    } else {
        resolve(device, target).is_some()
    };
    if !known && behaviour.rtsp_any_path_200 {
        return None;
    }
    if !known && !behaviour.auth_before_path.unwrap_or(true) {
        return Some(Reply::new(404, "Not Found"));
    }
    match authn::check(
        device.spec.rtsp_auth,
        msg.header("Authorization"),
        method,
        &msg.body,
        device,
        &device.rtsp_realm,
        QopOffer::None,
    ) {
        Access::Granted => None,
        Access::Locked(_) => Some(Reply::new(403, "Forbidden")),
        Access::Challenge(c) | Access::Refused { challenge: c, .. } => unauthorized(c),
    }
}

/// The path (with query) of a request URL.
fn target_path(target: &str) -> &str {
    match target
        .strip_prefix("rtsp://")
        .or_else(|| target.strip_prefix("RTSP://"))
    {
        Some(rest) => match rest.find('/') {
            Some(i) => &rest[i..],
            None => "/",
        },
        None => target,
    }
}

/// A path without its track suffix.
fn strip_track(path: &str) -> &str {
    path.strip_suffix("/trackID=0")
        .or_else(|| path.strip_suffix('/'))
        .unwrap_or(path)
}

/// The stream a Xiongmai path selects: channel 1, stream 0 (main) or 1 (sub).
fn xiongmai_stream(device: &Device, xm: &XiongmaiPath) -> Option<usize> {
    let idx = usize::try_from(xm.stream).ok()?;
    (xm.channel == 1 && idx < device.streams.len()).then_some(idx)
}

/// The request URL as an absolute `rtsp://` URL without its track suffix.
fn absolute(device: &Device, target: &str) -> String {
    let path = strip_track(target_path(target));
    format!("rtsp://{}:{}{}", device.address, device.rtsp_port, path)
}

fn sdp(device: &Device, url: &str) -> String {
    let session_id = device
        .started
        .elapsed()
        .as_micros()
        .wrapping_add(u128::from(u32::from(device.address)));
    format!(
        concat!(
            "v=0\r\n",
            "o=- {sid} 1 IN IP4 {addr}\r\n",
            "s=Media Presentation\r\n",
            "c=IN IP4 0.0.0.0\r\n",
            "t=0 0\r\n",
            "a=control:*\r\n",
            "a=range:npt=0-\r\n",
            "m=video 0 RTP/AVP {pt}\r\n",
            "a=rtpmap:{pt} JPEG/{clock}\r\n",
            "a=framerate:{fps}\r\n",
            "a=control:{url}/trackID=0\r\n"
        ),
        sid = session_id,
        addr = device.address,
        pt = PAYLOAD_TYPE,
        clock = CLOCK_RATE,
        fps = FPS,
        url = url
    )
}

/// Choose the first transport the server supports from a `Transport` header.
fn pick_transport(header: &str, device: &Device, peer: SocketAddr) -> Option<Transport> {
    for spec in header.split(',').take(8) {
        let mut parts = spec.split(';').map(str::trim);
        let proto = parts.next().unwrap_or("").to_ascii_uppercase();
        let params: Vec<&str> = parts.collect();
        let param = |name: &str| {
            params
                .iter()
                .find_map(|p| p.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
        };
        if params.iter().any(|p| p.eq_ignore_ascii_case("multicast")) {
            continue;
        }
        match proto.as_str() {
            "RTP/AVP/TCP" => {
                let (a, b) = param("interleaved").and_then(parse_pair).unwrap_or((0, 1));
                let (Ok(a), Ok(b)) = (u8::try_from(a), u8::try_from(b)) else {
                    continue;
                };
                return Some(Transport::Tcp {
                    rtp_channel: a,
                    rtcp_channel: b,
                });
            }
            "RTP/AVP" | "RTP/AVP/UDP" => {
                // RTP only ever goes back to the loopback peer of this connection.
                if !peer.ip().is_loopback() {
                    continue;
                }
                let Some((a, b)) = param("client_port").and_then(parse_pair) else {
                    continue;
                };
                if a == 0 {
                    continue;
                }
                let Some((rtp, rtcp)) = bind_pair(device.address.into()) else {
                    continue;
                };
                return Some(Transport::Udp {
                    rtp: Arc::new(rtp),
                    _rtcp: rtcp,
                    dest: SocketAddr::new(peer.ip(), a),
                    client_ports: (a, b),
                });
            }
            _ => continue,
        }
    }
    None
}

/// Parse `a-b` or `a` (then b = a + 1).
fn parse_pair(v: &str) -> Option<(u16, u16)> {
    match v.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => {
            let a: u16 = v.trim().parse().ok()?;
            Some((a, a.checked_add(1)?))
        }
    }
}

/// Bind an (even, odd) pair of UDP ports on the device address.
fn bind_pair(ip: IpAddr) -> Option<(UdpSocket, UdpSocket)> {
    for _ in 0..16 {
        let rtp = std::net::UdpSocket::bind(SocketAddr::new(ip, 0)).ok()?;
        let port = rtp.local_addr().ok()?.port();
        if port % 2 != 0 || port == u16::MAX {
            continue;
        }
        let Ok(rtcp) = std::net::UdpSocket::bind(SocketAddr::new(ip, port + 1)) else {
            continue;
        };
        rtp.set_nonblocking(true).ok()?;
        rtcp.set_nonblocking(true).ok()?;
        return Some((
            UdpSocket::from_std(rtp).ok()?,
            UdpSocket::from_std(rtcp).ok()?,
        ));
    }
    None
}

/// Where the player sends packets.
enum Sink {
    Tcp(mpsc::Sender<Vec<u8>>, u8),
    Udp(Arc<UdpSocket>, SocketAddr),
}

async fn play(
    frames: Arc<Vec<crate::mjpeg::JpegFrame>>,
    mut rtp: RtpState,
    sink: Sink,
    id: String,
) {
    let period = Duration::from_millis(1000 / u64::from(FPS));
    let start = tokio::time::Instant::now() + Duration::from_millis(20);
    let mut ticker = tokio::time::interval_at(start, period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let frames_total = (MAX_PLAY.as_millis() / period.as_millis().max(1)) as usize;
    for i in 0..frames_total {
        ticker.tick().await;
        let Some(frame) = frames.get(i % frames.len().max(1)) else {
            return;
        };
        for packet in rtp.packetize(frame) {
            match &sink {
                Sink::Tcp(tx, ch) => {
                    if tx
                        .send(wire::encode_interleaved(*ch, &packet))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                Sink::Udp(sock, dest) => {
                    // A closed client port yields ICMP errors; keep going until TEARDOWN.
                    let _ = sock.send_to(&packet, dest).await;
                }
            }
        }
    }
    tracing::debug!(device = %id, "play time limit reached");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_parse() {
        assert_eq!(parse_pair("5000-5001"), Some((5000, 5001)));
        assert_eq!(parse_pair("5000"), Some((5000, 5001)));
        assert_eq!(parse_pair("x-1"), None);
        assert_eq!(parse_pair("65535"), None);
    }
}
