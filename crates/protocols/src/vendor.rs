//! Vendor private ports: one request each that the device answers without authenticating,
//! and whose reply header names the protocol. No request carries a real credential.
//!
//! | protocol | port | request | reply that identifies it |
//! | --- | --- | --- | --- |
//! | `dahua_dhip` | 37777 | DHIP `global.login`, step one (no user name, no password): the device answers with its login challenge | 32-byte header `20 00 00 00 "DHIP"`, JSON body with `error.code` and `params.realm` |
//! | `dahua_dvrip` | 37777 | (when DHIP is not answered) a DVRIP login header `0xa0` with empty user and password | 32-byte header starting `0xb0`, byte 8 = result |
//! | `xiongmai_sofia` | 34567 | Sofia login (message 1000) with an empty user name and password | 20-byte header `ff 00`, message 1001, JSON body with `Ret` |
//! | `hikvision_sdk` | 8000 | a 32-byte length-prefixed packet the device does not accept | 16 bytes: length `00 00 00 10`, then status words |
//!
//! Sources: public write-ups of the Dahua DHIP login (CVE-2021-33044 analyses) and of the
//! DVRIP 0xa0/0xb0 login (CVE-2013-6117 analyses); the python-dvr project's Sofia protocol
//! notes; nmap's service-probe database ("Hikvision IPCam control port" reply). The lab
//! implements the same exchanges (`crates/lab/src/vendor_ports.rs`).
//!
//! Every read is bounded ([`MAX_BODY`]) and runs under the I/O deadline.

use crate::http::{ClientOptions, ProtoError};
use serde_json::Value;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest reply body read.
pub const MAX_BODY: usize = 16 * 1024;
/// Longest detail kept, in characters.
pub const MAX_DETAIL: usize = 256;

/// Which greeting to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorProbe {
    /// Dahua 37777: DHIP, then DVRIP binary.
    Dahua,
    /// Xiongmai / XMeye 34567 (Sofia).
    Sofia,
    /// Hikvision SDK port 8000.
    HikvisionSdk,
}

/// A recognised reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorAnswer {
    /// `dahua_dhip`, `dahua_dvrip`, `xiongmai_sofia` or `hikvision_sdk`.
    pub protocol: &'static str,
    /// Sanitised detail (reply code, realm); never a credential.
    pub detail: String,
}

fn le32(b: &[u8]) -> usize {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
}

fn text(s: &str) -> String {
    camguard_model::sanitize_text(s.as_bytes(), MAX_DETAIL)
}

fn json_of(body: &[u8]) -> Option<Value> {
    let end = body
        .iter()
        .rposition(|&c| c != 0 && c != b'\n' && c != b'\r')
        .map_or(0, |i| i + 1);
    serde_json::from_slice(&body[..end]).ok()
}

/// The DHIP login challenge request (step one: no credentials at all).
pub fn dhip_request() -> Vec<u8> {
    let body = br#"{"method":"global.login","params":{"userName":"","password":"","clientType":"Web3.0","loginType":"Direct"},"id":1,"session":0}"#;
    let len = (body.len() as u32).to_le_bytes();
    let mut out = Vec::with_capacity(32 + body.len());
    out.extend_from_slice(&[0x20, 0, 0, 0]);
    out.extend_from_slice(b"DHIP");
    out.extend_from_slice(&[0; 4]); // session
    out.extend_from_slice(&1u32.to_le_bytes()); // request id
    out.extend_from_slice(&len);
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&len);
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(body);
    out
}

/// Body length a DHIP header announces, or an error when it is not DHIP.
pub fn dhip_body_len(header: &[u8]) -> Result<usize, ProtoError> {
    if header.len() < 32 || header[..8] != [0x20, 0, 0, 0, b'D', b'H', b'I', b'P'] {
        return Err(ProtoError::Unexpected("not a DHIP header".into()));
    }
    let len = le32(&header[16..20]);
    if len > MAX_BODY {
        return Err(ProtoError::Unexpected(format!(
            "DHIP body of {len} bytes exceeds the limit"
        )));
    }
    Ok(len)
}

/// Detail of a DHIP reply body: error code, realm, encryption.
pub fn dhip_detail(body: &[u8]) -> String {
    let Some(v) = json_of(body) else {
        return "reply body is not JSON".into();
    };
    let mut parts = Vec::new();
    if let Some(code) = v.pointer("/error/code").and_then(Value::as_u64) {
        parts.push(format!("code {code}"));
    }
    if let Some(m) = v.pointer("/error/message").and_then(Value::as_str) {
        parts.push(format!("message {:?}", text(m)));
    }
    if let Some(r) = v.pointer("/params/realm").and_then(Value::as_str) {
        parts.push(format!("realm {:?}", text(r)));
    }
    if let Some(e) = v.pointer("/params/encryption").and_then(Value::as_str) {
        parts.push(format!("encryption {}", text(e)));
    }
    text(&parts.join("; "))
}

/// The DVRIP binary login header with empty user and password.
pub fn dvrip_request() -> [u8; 32] {
    let mut h = [0u8; 32];
    h[0] = 0xa0;
    h
}

/// Interpret a 32-byte DVRIP login reply.
pub fn dvrip_detail(reply: &[u8]) -> Result<String, ProtoError> {
    if reply.len() < 32 || reply[0] != 0xb0 {
        return Err(ProtoError::Unexpected("not a DVRIP login reply".into()));
    }
    Ok(match reply[8] {
        0 => "login reply: accepted".to_string(),
        r => format!("login reply: refused (result {r}, reason {})", reply[9]),
    })
}

/// The Sofia login request with an empty user name and password.
pub fn sofia_request() -> Vec<u8> {
    let mut body =
        br#"{"EncryptType":"MD5","LoginType":"DVRIP-Web","PassWord":"","UserName":""}"#.to_vec();
    body.extend_from_slice(b"\n\0");
    let mut out = Vec::with_capacity(20 + body.len());
    out.extend_from_slice(&[0xff, 0, 0, 0]);
    out.extend_from_slice(&[0; 4]); // session
    out.extend_from_slice(&[0; 4]); // sequence
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&1000u16.to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// Message id and body length of a Sofia header.
pub fn sofia_header(header: &[u8]) -> Result<(u16, usize), ProtoError> {
    if header.len() < 20 || header[0] != 0xff {
        return Err(ProtoError::Unexpected("not a Sofia header".into()));
    }
    let len = le32(&header[16..20]);
    if len > MAX_BODY {
        return Err(ProtoError::Unexpected(format!(
            "Sofia body of {len} bytes exceeds the limit"
        )));
    }
    Ok((u16::from_le_bytes([header[14], header[15]]), len))
}

/// Detail of a Sofia reply.
pub fn sofia_detail(message: u16, body: &[u8]) -> String {
    let ret = json_of(body).and_then(|v| v.get("Ret").and_then(Value::as_i64));
    match ret {
        Some(r) => format!("message {message}; Ret {r}"),
        None => format!("message {message}"),
    }
}

/// The Hikvision SDK probe: a 32-byte length-prefixed packet of zeros.
pub fn hikvision_request() -> [u8; 32] {
    let mut p = [0u8; 32];
    p[3] = 32;
    p
}

/// Interpret a Hikvision SDK reply: 16 bytes whose big-endian length prefix is 16.
pub fn hikvision_detail(reply: &[u8]) -> Result<String, ProtoError> {
    if reply.len() < 16 || reply[..4] != [0, 0, 0, 0x10] {
        return Err(ProtoError::Unexpected(
            "not a Hikvision SDK reply (length prefix 16 expected)".into(),
        ));
    }
    let status = u32::from_be_bytes([reply[4], reply[5], reply[6], reply[7]]);
    Ok(format!("reply status 0x{status:02x}"))
}

async fn read_exact(s: &mut TcpStream, buf: &mut [u8]) -> Result<(), ProtoError> {
    match s.read_exact(buf).await {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(ProtoError::Closed),
        Err(e) => Err(ProtoError::Connect(e)),
    }
}

async fn exchange(
    addr: SocketAddr,
    opts: &ClientOptions,
    request: &[u8],
    header_len: usize,
    body_len: impl Fn(&[u8]) -> Result<usize, ProtoError>,
) -> Result<(Vec<u8>, Vec<u8>), ProtoError> {
    let mut s = crate::http::connect(addr, opts).await?;
    let run = async {
        s.write_all(request).await.map_err(ProtoError::Connect)?;
        let mut header = vec![0u8; header_len];
        read_exact(&mut s, &mut header).await?;
        let n = body_len(&header)?;
        let mut body = vec![0u8; n];
        read_exact(&mut s, &mut body).await?;
        Ok((header, body))
    };
    tokio::time::timeout(opts.io_timeout, run)
        .await
        .unwrap_or(Err(ProtoError::Timeout(opts.io_timeout)))
}

/// Send the probe's greeting and interpret the reply.
pub async fn probe(
    addr: SocketAddr,
    which: VendorProbe,
    opts: &ClientOptions,
) -> Result<VendorAnswer, ProtoError> {
    match which {
        VendorProbe::Dahua => {
            match exchange(addr, opts, &dhip_request(), 32, dhip_body_len).await {
                Ok((_, body)) => Ok(VendorAnswer {
                    protocol: "dahua_dhip",
                    detail: dhip_detail(&body),
                }),
                Err(ProtoError::Refused) => Err(ProtoError::Refused),
                Err(dhip) => {
                    let dvrip = exchange(addr, opts, &dvrip_request(), 32, |_| Ok(0)).await;
                    match dvrip.and_then(|(h, _)| dvrip_detail(&h)) {
                        Ok(detail) => Ok(VendorAnswer {
                            protocol: "dahua_dvrip",
                            detail,
                        }),
                        Err(_) => Err(dhip),
                    }
                }
            }
        }
        VendorProbe::Sofia => {
            let (header, body) = exchange(addr, opts, &sofia_request(), 20, |h| {
                sofia_header(h).map(|(_, n)| n)
            })
            .await?;
            let (message, _) = sofia_header(&header)?;
            Ok(VendorAnswer {
                protocol: "xiongmai_sofia",
                detail: sofia_detail(message, &body),
            })
        }
        VendorProbe::HikvisionSdk => {
            let (header, _) = exchange(addr, opts, &hikvision_request(), 16, |_| Ok(0)).await?;
            Ok(VendorAnswer {
                protocol: "hikvision_sdk",
                detail: hikvision_detail(&header)?,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_have_the_documented_layout() {
        let d = dhip_request();
        assert_eq!(&d[..8], b"\x20\0\0\0DHIP");
        assert_eq!(le32(&d[16..]), d.len() - 32);
        assert!(!String::from_utf8_lossy(&d[32..]).contains("authorityType"));
        let s = sofia_request();
        assert_eq!(sofia_header(&s).unwrap(), (1000, s.len() - 20));
        assert_eq!(hikvision_request()[3], 32);
    }

    #[test]
    fn replies_are_interpreted_and_bounded() {
        let body = br#"{"error":{"code":268632079,"message":"Component error: login challenge!"},"params":{"realm":"Login to ABC","encryption":"Default","random":"1"}}"#;
        let detail = dhip_detail(body);
        assert!(detail.contains("code 268632079"), "{detail}");
        assert!(detail.contains("realm \"Login to ABC\""), "{detail}");
        assert!(!detail.contains("random"));
        let mut giant = dhip_request();
        giant[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(dhip_body_len(&giant).is_err());
        assert!(dhip_body_len(b"HTTP/1.1 400 Bad Request\r\n\r\n....").is_err());
        let mut reply = [0u8; 32];
        reply[0] = 0xb0;
        reply[8] = 1;
        reply[9] = 2;
        assert_eq!(
            dvrip_detail(&reply).unwrap(),
            "login reply: refused (result 1, reason 2)"
        );
        assert_eq!(
            sofia_detail(1001, b"{\"Ret\":203}\n\0"),
            "message 1001; Ret 203"
        );
        assert_eq!(sofia_detail(1001, b"\xff\xfe"), "message 1001");
        let mut h = [0u8; 20];
        h[0] = 0xff;
        h[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(sofia_header(&h).is_err());
        let hik = [0, 0, 0, 0x10, 0, 0, 0, 0x1e, 0, 0, 0, 0x1e, 0, 0, 0, 0];
        assert_eq!(hikvision_detail(&hik).unwrap(), "reply status 0x1e");
        assert!(hikvision_detail(b"HTTP/1.1 200 OK\r\n").is_err());
    }
}
