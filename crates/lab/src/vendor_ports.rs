//! Vendor private ports: enough of each proprietary protocol's login exchange that a scanner
//! can tell which vendor's stack answers. Nothing beyond the login is implemented.
//!
//! Every exchange is bounded: headers are read with [`IDLE`] deadlines, bodies are refused
//! above [`MAX_BODY`], a connection answers at most [`MAX_EXCHANGES`] requests, and anything
//! malformed closes the connection. Facts only, from public protocol write-ups; where sources
//! disagree or say nothing the lab's choice is marked as such.
//!
//! # Dahua private protocol, TCP 37777
//!
//! Two framings share the port, told apart by the first bytes:
//!
//! **DHIP** (JSON-RPC, current firmware). A 32-byte header, integers little-endian:
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 4 | header size, `0x20` (bytes `20 00 00 00`) |
//! | 4 | 4 | magic `DHIP` |
//! | 8 | 4 | session id (0 before login) |
//! | 12 | 4 | request id |
//! | 16 | 4 | body length |
//! | 20 | 4 | 0 |
//! | 24 | 4 | body length (again) |
//! | 28 | 4 | 0 |
//!
//! followed by a JSON body. `global.login` is a two-step challenge: the first call is
//! answered with `result: false`, error code `268632079` ("Component error: login
//! challenge!") and `params.random`, `params.realm` (`Login to <serial>`, as the web
//! server's Digest realm) and `params.encryption = "Default"`; the second call carries
//! `password = upper(md5(user ":" random ":" upper(md5(user ":" realm ":" password))))` and
//! gets `result: true` with a session id, or `result: false` with error `268632085`. Sources:
//! public write-ups of the Dahua login (the CVE-2021-33044 advisory and proof-of-concept
//! analyses of the "DHIP" protocol, e.g. the DahuaConsole tool's description); the failure
//! code is the lab's choice among the codes those write-ups show.
//!
//! **DVRIP binary** (older firmware). A 32-byte header whose first byte is the command:
//! `0xa0` = login request, answered by `0xb0` = login reply. In the request, bytes 8..16 hold
//! the user name and 16..24 the password (NUL-padded ASCII). In the reply, byte 8 is the
//! result (0 = accepted, 1 = refused), byte 9 the reason (lab choice: 1 = bad password,
//! 2 = unknown user) and bytes 16..20 the session id (little-endian). Source: public
//! analyses of the Dahua DVR authentication bypass (CVE-2013-6117) describing the 0xa0/0xb0
//! login packets on TCP 37777.
//!
//! # Xiongmai DVRIP / "Sofia", TCP 34567
//!
//! A 20-byte header, integers little-endian:
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 1 | head flag `0xff` |
//! | 1 | 1 | version (0) |
//! | 2 | 2 | reserved |
//! | 4 | 4 | session id |
//! | 8 | 4 | sequence number |
//! | 12 | 1 | total packets (0) |
//! | 13 | 1 | current packet (0) |
//! | 14 | 2 | message id: 1000 login request, 1001 login reply, 1006/1007 keep-alive |
//! | 16 | 4 | body length |
//!
//! followed by a JSON body terminated by `\n\0`. Login request:
//! `{"EncryptType":"MD5","LoginType":"DVRIP-Web","PassWord":"<sofia hash>","UserName":"admin"}`
//! where the "sofia hash" of a password is MD5 folded to 8 characters (each pair of digest
//! bytes summed modulo 62 and mapped onto `0-9A-Za-z`; the empty password gives
//! `tlJwpbo6`). The reply carries `"Ret": 100` (success) with `SessionID`, `AliveInterval`,
//! `ChannelNum` and the famous `"DeviceType "` key with a trailing space, or `"Ret": 203`
//! (wrong password). Sources: the open-source python-dvr client's protocol notes and public
//! XMEye protocol write-ups; return codes from their code tables.
//!
//! # Hikvision SDK ("server port"), TCP 8000
//!
//! The iVMS/HCNetSDK protocol frames every packet with a 4-byte big-endian total length. The
//! login itself is undocumented and encrypted; what is public is the device's reply to a
//! request it does not accept, which nmap's service-probe database matches as "Hikvision
//! IPCam control port": the 16 bytes `00 00 00 10 00 00 00 1e 00 00 00 1e 00 00 00 00`
//! (length 16, then status words). The lab reads one request (bounded) and sends that reply
//! to every request, including login packets (it never accepts an SDK login).

use crate::device::Device;
use crate::personality::VendorProtocol;
use md5::{Digest, Md5};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Idle time allowed before and within a request.
pub const IDLE: Duration = Duration::from_secs(10);
/// Largest request body read.
pub const MAX_BODY: usize = 16 * 1024;
/// Requests answered on one connection.
pub const MAX_EXCHANGES: usize = 16;

/// DHIP error code of the first login step ("login challenge").
pub const DHIP_LOGIN_CHALLENGE: u64 = 268_632_079;
/// DHIP error code of a refused login (lab choice, see the module docs).
pub const DHIP_LOGIN_REFUSED: u64 = 268_632_085;
/// Sofia message id of a login request.
pub const SOFIA_LOGIN_REQ: u16 = 1000;
/// Sofia message id of a login reply.
pub const SOFIA_LOGIN_RSP: u16 = 1001;
/// The Hikvision SDK reply the lab sends to every request.
pub const HIK_SDK_REPLY: [u8; 16] = [
    0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x00,
];

/// Serve one connection on a vendor private port.
pub async fn serve(stream: TcpStream, device: Arc<Device>, protocol: VendorProtocol) {
    let result = match protocol {
        VendorProtocol::DahuaDvrip => dahua(stream, &device).await,
        VendorProtocol::XiongmaiSofia => sofia(stream, &device).await,
        VendorProtocol::HikvisionSdk => hikvision(stream).await,
    };
    if let Err(e) = result {
        tracing::debug!(device = %device.spec.id, protocol = protocol.as_str(), "vendor port: {e}");
    }
}

/// Why a connection ended early.
#[derive(Debug)]
enum End {
    Io(std::io::Error),
    Timeout,
    Malformed(&'static str),
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            End::Io(e) => write!(f, "i/o: {e}"),
            End::Timeout => write!(f, "idle timeout"),
            End::Malformed(what) => write!(f, "malformed request: {what}"),
        }
    }
}

impl From<std::io::Error> for End {
    fn from(e: std::io::Error) -> Self {
        End::Io(e)
    }
}

async fn read_exact(s: &mut TcpStream, buf: &mut [u8]) -> Result<(), End> {
    match tokio::time::timeout(IDLE, s.read_exact(buf)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(End::Io(e)),
        Err(_) => Err(End::Timeout),
    }
}

async fn write_all(s: &mut TcpStream, bytes: &[u8]) -> Result<(), End> {
    match tokio::time::timeout(IDLE, s.write_all(bytes)).await {
        Ok(r) => Ok(r?),
        Err(_) => Err(End::Timeout),
    }
}

/// First request byte(s) received, or `None` when the client closed before sending any.
async fn first_byte(s: &mut TcpStream) -> Result<Option<u8>, End> {
    let mut b = [0u8; 1];
    match tokio::time::timeout(IDLE, s.read(&mut b)).await {
        Ok(Ok(0)) => Ok(None),
        Ok(Ok(_)) => Ok(Some(b[0])),
        Ok(Err(e)) => Err(End::Io(e)),
        Err(_) => Err(End::Timeout),
    }
}

fn le32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_le_bytes(a)
}

fn md5_upper(text: &str) -> String {
    hex::encode_upper(Md5::digest(text.as_bytes()))
}

/// A session id for a successful login (never 0).
fn session_id(device: &Device) -> u32 {
    let seed = device.spec.serial.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    seed | 1
}

// ---------------------------------------------------------------------------------------
// Dahua
// ---------------------------------------------------------------------------------------

/// The DHIP login challenge's `random` for this device (fixed per device: the lab is
/// stateless across connections).
fn dhip_random(device: &Device) -> String {
    format!("{:09}", session_id(device) % 1_000_000_000)
}

/// The password a DHIP client sends for `password` (encryption "Default").
pub fn dhip_login_hash(user: &str, password: &str, realm: &str, random: &str) -> String {
    let inner = md5_upper(&format!("{user}:{realm}:{password}"));
    md5_upper(&format!("{user}:{random}:{inner}"))
}

/// A DHIP packet: header + body.
pub fn dhip_packet(session: u32, id: u32, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(32 + body.len());
    out.extend_from_slice(&[0x20, 0, 0, 0]);
    out.extend_from_slice(b"DHIP");
    out.extend_from_slice(&session.to_le_bytes());
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(body);
    out
}

async fn dahua(mut s: TcpStream, device: &Device) -> Result<(), End> {
    for _ in 0..MAX_EXCHANGES {
        let Some(first) = first_byte(&mut s).await? else {
            return Ok(());
        };
        let mut header = [0u8; 32];
        header[0] = first;
        read_exact(&mut s, &mut header[1..]).await?;
        if header[..8] == [0x20, 0, 0, 0, b'D', b'H', b'I', b'P'] {
            let len = le32(&header[16..20]) as usize;
            if len > MAX_BODY {
                return Err(End::Malformed("DHIP body too large"));
            }
            let mut body = vec![0u8; len];
            read_exact(&mut s, &mut body).await?;
            let id = le32(&header[12..16]);
            let reply = dhip_reply(device, id, &body);
            let session = reply
                .get("session")
                .and_then(serde_json::Value::as_u64)
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0);
            let mut text = reply.to_string().into_bytes();
            text.push(b'\n');
            write_all(&mut s, &dhip_packet(session, id, &text)).await?;
        } else if first == 0xa0 {
            write_all(&mut s, &dvrip_login_reply(device, &header)).await?;
        } else {
            return Err(End::Malformed("neither DHIP nor a DVRIP login"));
        }
    }
    Ok(())
}

/// The JSON reply to one DHIP request.
fn dhip_reply(device: &Device, id: u32, body: &[u8]) -> serde_json::Value {
    use serde_json::json;
    let realm = &device.web_realm;
    let random = dhip_random(device);
    let req: serde_json::Value = match serde_json::from_slice(trim_nul(body)) {
        Ok(v) => v,
        Err(_) => {
            return json!({"id": id, "result": false, "session": 0,
                "error": {"code": 287_637_505u64, "message": "Invalid request!"}})
        }
    };
    let method = req.get("method").and_then(|m| m.as_str()).unwrap_or("");
    if method != "global.login" {
        return json!({"id": id, "result": false, "session": 0,
            "error": {"code": 287_637_504u64, "message": "Method not found!"}});
    }
    let params = req.get("params");
    let field = |k: &str| {
        params
            .and_then(|p| p.get(k))
            .and_then(|v| v.as_str())
            .unwrap_or("")
    };
    let user = field("userName");
    let password = field("password");
    if field("authorityType").is_empty() {
        // First step: the challenge.
        return json!({
            "id": id, "result": false, "session": session_id(device),
            "error": {"code": DHIP_LOGIN_CHALLENGE, "message": "Component error: login challenge!"},
            "params": {"encryption": "Default", "random": random, "realm": realm}
        });
    }
    let expected = dhip_login_hash(&device.spec.username, &device.spec.password, realm, &random);
    if user == device.spec.username && password.eq_ignore_ascii_case(&expected) {
        json!({"id": id, "result": true, "session": session_id(device),
            "params": {"keepAliveInterval": 60}})
    } else {
        json!({"id": id, "result": false, "session": 0,
            "error": {"code": DHIP_LOGIN_REFUSED, "message": "Component error: User or password not valid!"}})
    }
}

fn trim_nul(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .rposition(|&c| c != 0 && c != b'\n')
        .map_or(0, |i| i + 1);
    &b[..end]
}

/// The 32-byte reply to a DVRIP binary login (`0xa0`) header.
fn dvrip_login_reply(device: &Device, header: &[u8; 32]) -> [u8; 32] {
    let text = |b: &[u8]| {
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        String::from_utf8_lossy(&b[..end]).into_owned()
    };
    let user = text(&header[8..16]);
    let password = text(&header[16..24]);
    let mut reply = [0u8; 32];
    reply[0] = 0xb0;
    if user != device.spec.username {
        reply[8] = 1;
        reply[9] = 2;
    } else if password != device.spec.password {
        reply[8] = 1;
        reply[9] = 1;
    } else {
        reply[16..20].copy_from_slice(&session_id(device).to_le_bytes());
    }
    reply
}

// ---------------------------------------------------------------------------------------
// Xiongmai
// ---------------------------------------------------------------------------------------

/// The "sofia hash" of a password: MD5, each pair of bytes summed modulo 62 onto
/// `0-9A-Za-z`.
pub fn sofia_hash(password: &str) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let d = Md5::digest(password.as_bytes());
    d.chunks(2)
        .map(|p| CHARS[(usize::from(p[0]) + usize::from(p[1])) % 62] as char)
        .collect()
}

/// A Sofia packet: 20-byte header + body (the body should end with `\n\0`).
pub fn sofia_packet(session: u32, sequence: u32, message: u16, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + body.len());
    out.extend_from_slice(&[0xff, 0, 0, 0]);
    out.extend_from_slice(&session.to_le_bytes());
    out.extend_from_slice(&sequence.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&message.to_le_bytes());
    out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(body);
    out
}

async fn sofia(mut s: TcpStream, device: &Device) -> Result<(), End> {
    let mut session = 0u32;
    for _ in 0..MAX_EXCHANGES {
        let Some(first) = first_byte(&mut s).await? else {
            return Ok(());
        };
        if first != 0xff {
            return Err(End::Malformed("Sofia head flag is not 0xff"));
        }
        let mut header = [0u8; 20];
        header[0] = first;
        read_exact(&mut s, &mut header[1..]).await?;
        let len = le32(&header[16..20]) as usize;
        if len > MAX_BODY {
            return Err(End::Malformed("Sofia body too large"));
        }
        let mut body = vec![0u8; len];
        read_exact(&mut s, &mut body).await?;
        let sequence = le32(&header[8..12]);
        let message = u16::from_le_bytes([header[14], header[15]]);
        let (reply_id, reply) = if message == SOFIA_LOGIN_REQ {
            let req: serde_json::Value =
                serde_json::from_slice(trim_nul(&body)).unwrap_or(serde_json::Value::Null);
            let field = |k: &str| req.get(k).and_then(|v| v.as_str()).unwrap_or("");
            let ok = field("UserName") == device.spec.username
                && field("PassWord") == sofia_hash(&device.spec.password);
            let reply = if ok {
                session = session_id(device);
                serde_json::json!({
                    "AliveInterval": 20,
                    "ChannelNum": device.personality.channels(),
                    "DeviceType ": device_type_word(device),
                    "ExtraChannel": 0,
                    "Ret": 100,
                    "SessionID": format!("0x{session:08X}"),
                })
            } else {
                serde_json::json!({"Ret": 203, "SessionID": "0x00000000"})
            };
            (SOFIA_LOGIN_RSP, reply)
        } else {
            // Anything else: "request not permitted" (103), or "not logged in" (105).
            let ret = if session == 0 { 105 } else { 103 };
            (
                message.wrapping_add(1),
                serde_json::json!({"Ret": ret, "SessionID": format!("0x{session:08X}")}),
            )
        };
        let mut text = reply.to_string().into_bytes();
        text.extend_from_slice(b"\n\0");
        write_all(&mut s, &sofia_packet(session, sequence, reply_id, &text)).await?;
    }
    Ok(())
}

/// `DeviceType ` value of a Sofia login reply.
fn device_type_word(device: &Device) -> &'static str {
    match device.personality.device_type.as_str() {
        "dvr" => "DVR",
        "nvr" => "NVR",
        _ => "IPC",
    }
}

// ---------------------------------------------------------------------------------------
// Hikvision
// ---------------------------------------------------------------------------------------

async fn hikvision(mut s: TcpStream) -> Result<(), End> {
    for _ in 0..MAX_EXCHANGES {
        let mut buf = [0u8; 4096];
        // One request: whatever arrives in one read (SDK packets are small); the length
        // prefix is honoured when it promises more, within the bound.
        let n = match tokio::time::timeout(IDLE, s.read(&mut buf)).await {
            Ok(Ok(0)) => return Ok(()),
            Ok(Ok(n)) => n,
            Ok(Err(e)) => return Err(End::Io(e)),
            Err(_) => return Err(End::Timeout),
        };
        if n >= 4 {
            let want = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
            if (n + 1..=MAX_BODY).contains(&want) {
                let mut rest = vec![0u8; want - n];
                read_exact(&mut s, &mut rest).await?;
            }
        }
        write_all(&mut s, &HIK_SDK_REPLY).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sofia_hash_of_empty_password_is_the_well_known_one() {
        assert_eq!(sofia_hash(""), "tlJwpbo6");
        assert_eq!(sofia_hash("admin").len(), 8);
    }

    #[test]
    fn packets_have_documented_layout() {
        let p = dhip_packet(7, 2, b"{}");
        assert_eq!(&p[..8], b"\x20\0\0\0DHIP");
        assert_eq!(le32(&p[8..]), 7);
        assert_eq!(le32(&p[12..]), 2);
        assert_eq!(le32(&p[16..]), 2);
        assert_eq!(le32(&p[24..]), 2);
        assert_eq!(&p[32..], b"{}");
        let x = sofia_packet(1, 3, SOFIA_LOGIN_RSP, b"{}\n\0");
        assert_eq!(x.len(), 24);
        assert_eq!(x[0], 0xff);
        assert_eq!(u16::from_le_bytes([x[14], x[15]]), 1001);
        assert_eq!(le32(&x[16..]), 4);
    }

    #[test]
    fn trim_nul_strips_terminators_only() {
        assert_eq!(trim_nul(b"{}\n\0"), b"{}");
        assert_eq!(trim_nul(b"\0\0"), b"");
        assert_eq!(trim_nul(b"{}"), b"{}");
    }
}
