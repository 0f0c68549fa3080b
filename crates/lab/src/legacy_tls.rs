//! A device that only speaks TLS 1.0 (as cameras of the OpenSSL 0.9.8 / 1.0.0 era did).
//! rustls cannot negotiate TLS 1.0, so this is a minimal hand-built responder:
//!
//! - a ClientHello that offers TLS 1.0 (RFC 2246 version negotiation: `client_version` ≥ 3.1,
//!   or a `supported_versions` extension listing 3.1) gets a TLS 1.0 ServerHello choosing an
//!   RSA-key-exchange suite it offered, the device's real DER certificate chain and
//!   ServerHelloDone; the responder then reads the client's next flight (bounded) and ends the
//!   handshake with a fatal `handshake_failure` alert — a scanner sees the version, the suite
//!   and the certificate, which is what TLS checks look at;
//! - a ClientHello that does not offer TLS 1.0 (`supported_versions` without 3.1, e.g. every
//!   TLS 1.3-capable client whose minimum is 1.2, or `client_version` below 3.1) gets a fatal
//!   `protocol_version` alert;
//! - no common suite: `handshake_failure`; anything else (not a handshake record, SSLv2-style
//!   hello, oversized record or hello, garbage): `unexpected_message`/`decode_error`/
//!   `record_overflow` and close.
//!
//! A TLS 1.2 ClientHello without `supported_versions` (e.g. `openssl s_client -tls1_2`) is,
//! per RFC 5246 appendix E.1, answered with the TLS 1.0 ServerHello: it is the client that
//! refuses the version then, as against a real TLS 1.0-only camera.
//!
//! Every read is bounded (records ≤ 2^14 + 256 bytes, the hello ≤ 32 KiB over ≤ 8 records) and
//! under a deadline.

use camguard_protocols::bytes::Reader;
use rustls::pki_types::CertificateDer;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// TLS 1.0 on the wire.
pub const TLS10: u16 = 0x0301;
/// Largest record fragment accepted (RFC 2246 allows 2^14 plaintext bytes).
const MAX_FRAGMENT: usize = 16384 + 256;
/// Largest ClientHello accepted.
const MAX_HELLO: usize = 32 * 1024;
/// Records a ClientHello may span.
const MAX_HELLO_RECORDS: usize = 8;
/// Idle time allowed per read.
const READ_DEADLINE: Duration = Duration::from_secs(10);
/// Time to wait for the client's second flight before the final alert.
const SECOND_FLIGHT_WAIT: Duration = Duration::from_secs(3);

/// Cipher suites the device supports, in its order of preference (TLS 1.0 RSA key exchange).
pub const SUITES: [u16; 5] = [
    0x002f, // TLS_RSA_WITH_AES_128_CBC_SHA
    0x0035, // TLS_RSA_WITH_AES_256_CBC_SHA
    0x000a, // TLS_RSA_WITH_3DES_EDE_CBC_SHA
    0x0005, // TLS_RSA_WITH_RC4_128_SHA
    0x0004, // TLS_RSA_WITH_RC4_128_MD5
];

/// TLS alert descriptions used here.
pub mod alert {
    /// unexpected_message
    pub const UNEXPECTED_MESSAGE: u8 = 10;
    /// record_overflow
    pub const RECORD_OVERFLOW: u8 = 22;
    /// handshake_failure
    pub const HANDSHAKE_FAILURE: u8 = 40;
    /// decode_error
    pub const DECODE_ERROR: u8 = 50;
    /// protocol_version
    pub const PROTOCOL_VERSION: u8 = 70;
}

/// The parts of a ClientHello the responder looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// `client_version`.
    pub version: u16,
    /// Offered cipher suites.
    pub cipher_suites: Vec<u16>,
    /// Versions of a `supported_versions` extension, when present.
    pub supported_versions: Option<Vec<u16>>,
    /// The client signalled secure renegotiation (extension 0xff01 or SCSV 0x00ff).
    pub secure_renegotiation: bool,
}

/// Parse a ClientHello handshake body (after the 4-byte handshake header). `None` = malformed.
pub fn parse_client_hello(body: &[u8]) -> Option<ClientHello> {
    let mut r = Reader(body);
    let version = r.u16()?;
    r.take(32)?;
    let sid = r.u8()? as usize;
    if sid > 32 {
        return None;
    }
    r.take(sid)?;
    let cs_len = r.u16()? as usize;
    if !cs_len.is_multiple_of(2) || cs_len == 0 {
        return None;
    }
    let cs = r.take(cs_len)?;
    let cipher_suites: Vec<u16> = cs
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let comp = r.u8()? as usize;
    r.take(comp)?;
    let mut supported_versions = None;
    let mut secure_renegotiation = cipher_suites.contains(&0x00ff);
    if !r.0.is_empty() {
        let ext_len = r.u16()? as usize;
        let mut ext = Reader(r.take(ext_len)?);
        while !ext.0.is_empty() {
            let ty = ext.u16()?;
            let len = ext.u16()? as usize;
            let data = ext.take(len)?;
            match ty {
                0x002b => {
                    let mut d = Reader(data);
                    let n = d.u8()? as usize;
                    let list = d.take(n)?;
                    if !n.is_multiple_of(2) {
                        return None;
                    }
                    supported_versions = Some(
                        list.chunks_exact(2)
                            .map(|c| u16::from_be_bytes([c[0], c[1]]))
                            .collect(),
                    );
                }
                0xff01 => secure_renegotiation = true,
                _ => {}
            }
        }
    }
    Some(ClientHello {
        version,
        cipher_suites,
        supported_versions,
        secure_renegotiation,
    })
}

/// The device's answer to a ClientHello: the suite it picks, or a fatal alert.
pub fn decide(hello: &ClientHello) -> Result<u16, u8> {
    let offers_tls10 = match &hello.supported_versions {
        Some(list) => list.contains(&TLS10),
        None => hello.version >= TLS10,
    };
    if !offers_tls10 {
        return Err(alert::PROTOCOL_VERSION);
    }
    SUITES
        .iter()
        .copied()
        .find(|s| hello.cipher_suites.contains(s))
        .ok_or(alert::HANDSHAKE_FAILURE)
}

/// ServerHello + Certificate + ServerHelloDone as TLS 1.0 handshake records.
pub fn server_flight(
    suite: u16,
    renegotiation_info: bool,
    chain: &[CertificateDer<'_>],
) -> Vec<u8> {
    let mut hs = Vec::new();
    // ServerHello
    let mut body = Vec::new();
    body.extend_from_slice(&TLS10.to_be_bytes());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as u32)
        .unwrap_or(0);
    body.extend_from_slice(&now.to_be_bytes());
    body.extend_from_slice(&rand::random::<[u8; 28]>());
    body.push(32);
    body.extend_from_slice(&rand::random::<[u8; 32]>());
    body.extend_from_slice(&suite.to_be_bytes());
    body.push(0); // null compression
    if renegotiation_info {
        body.extend_from_slice(&[0x00, 0x05, 0xff, 0x01, 0x00, 0x01, 0x00]);
    }
    handshake(&mut hs, 2, &body);
    // Certificate
    let mut list = Vec::new();
    for c in chain {
        u24(&mut list, c.len());
        list.extend_from_slice(c.as_ref());
    }
    let mut body = Vec::new();
    u24(&mut body, list.len());
    body.extend_from_slice(&list);
    handshake(&mut hs, 11, &body);
    // ServerHelloDone
    handshake(&mut hs, 14, &[]);
    let mut out = Vec::new();
    for fragment in hs.chunks(16384) {
        record(&mut out, 22, fragment);
    }
    out
}

/// A fatal alert record.
pub fn alert_record(description: u8) -> Vec<u8> {
    let mut out = Vec::new();
    record(&mut out, 21, &[2, description]);
    out
}

/// Serve one connection as a TLS 1.0-only device presenting `chain`.
pub async fn serve(mut stream: TcpStream, chain: &[CertificateDer<'static>], device_id: &str) {
    let answer = match read_client_hello(&mut stream).await {
        Ok(Some(body)) => match parse_client_hello(&body) {
            Some(hello) => match decide(&hello) {
                Ok(suite) => Ok((suite, hello.secure_renegotiation)),
                Err(a) => Err(a),
            },
            None => Err(alert::DECODE_ERROR),
        },
        Ok(None) => return,
        Err(a) => Err(a),
    };
    tracing::debug!(device = %device_id, ?answer, "legacy tls");
    let bytes = match answer {
        Ok((suite, reneg)) => server_flight(suite, reneg, chain),
        Err(a) => alert_record(a),
    };
    if write(&mut stream, &bytes).await.is_err() {
        return;
    }
    if answer.is_ok() {
        // Let the client send its key exchange (or its own alert), then refuse.
        let mut sink = [0u8; 4096];
        let _ = tokio::time::timeout(SECOND_FLIGHT_WAIT, stream.read(&mut sink)).await;
        let _ = write(&mut stream, &alert_record(alert::HANDSHAKE_FAILURE)).await;
    }
    let _ = stream.shutdown().await;
}

async fn write(stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    match tokio::time::timeout(READ_DEADLINE, stream.write_all(bytes)).await {
        Ok(r) => r,
        Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
    }
}

/// Read a whole ClientHello body. `Ok(None)`: the client went away or timed out before
/// anything useful; `Err(alert)`: answer with that alert.
async fn read_client_hello(stream: &mut TcpStream) -> Result<Option<Vec<u8>>, u8> {
    let mut hs: Vec<u8> = Vec::new();
    for _ in 0..MAX_HELLO_RECORDS {
        let mut header = [0u8; 5];
        match tokio::time::timeout(READ_DEADLINE, stream.read_exact(&mut header)).await {
            Ok(Ok(_)) => {}
            _ => return Ok(None),
        }
        if header[0] & 0x80 != 0 {
            // SSLv2-compatible hello: not spoken here.
            return Err(alert::HANDSHAKE_FAILURE);
        }
        match header[0] {
            22 => {}
            21 => return Ok(None),
            _ => return Err(alert::UNEXPECTED_MESSAGE),
        }
        let len = u16::from_be_bytes([header[3], header[4]]) as usize;
        if len > MAX_FRAGMENT {
            return Err(alert::RECORD_OVERFLOW);
        }
        if hs.len() + len > MAX_HELLO + 4 {
            return Err(alert::DECODE_ERROR);
        }
        let start = hs.len();
        hs.resize(start + len, 0);
        match tokio::time::timeout(READ_DEADLINE, stream.read_exact(&mut hs[start..])).await {
            Ok(Ok(_)) => {}
            _ => return Ok(None),
        }
        if hs.len() >= 4 {
            if hs[0] != 1 {
                return Err(alert::UNEXPECTED_MESSAGE);
            }
            let want = (hs[1] as usize) << 16 | (hs[2] as usize) << 8 | hs[3] as usize;
            if want > MAX_HELLO {
                return Err(alert::DECODE_ERROR);
            }
            if hs.len() >= 4 + want {
                hs.truncate(4 + want);
                return Ok(Some(hs.split_off(4)));
            }
        }
    }
    Err(alert::DECODE_ERROR)
}

fn handshake(out: &mut Vec<u8>, ty: u8, body: &[u8]) {
    out.push(ty);
    u24(out, body.len());
    out.extend_from_slice(body);
}

fn record(out: &mut Vec<u8>, ty: u8, fragment: &[u8]) {
    out.push(ty);
    out.extend_from_slice(&TLS10.to_be_bytes());
    out.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
    out.extend_from_slice(fragment);
}

fn u24(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_be_bytes()[1..]);
}

/// The integration tests' ClientHello builder, shared with the unit tests below.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../tests/common/client_hello.rs"]
mod client_hello;

#[cfg(test)]
mod tests {
    use super::*;

    use client_hello::client_hello_body as hello;

    #[test]
    fn version_negotiation() {
        let p = |v, s: &[u16], sv| decide(&parse_client_hello(&hello(v, s, sv)).expect("parse"));
        assert_eq!(p(0x0301, &[0x002f], None), Ok(0x002f));
        assert_eq!(p(0x0303, &[0x0035, 0x002f], None), Ok(0x002f));
        assert_eq!(
            p(0x0303, &[0x002f], Some(&[0x0304, 0x0303])),
            Err(alert::PROTOCOL_VERSION)
        );
        assert_eq!(
            p(0x0303, &[0x002f], Some(&[0x0303])),
            Err(alert::PROTOCOL_VERSION)
        );
        assert_eq!(p(0x0303, &[0x000a], Some(&[0x0303, 0x0301])), Ok(0x000a));
        assert_eq!(p(0x0300, &[0x002f], None), Err(alert::PROTOCOL_VERSION));
        assert_eq!(p(0x0301, &[0xc02f], None), Err(alert::HANDSHAKE_FAILURE));
    }

    #[test]
    fn malformed_hellos_are_rejected_not_panicking() {
        let good = hello(0x0301, &[0x002f], Some(&[0x0301]));
        for cut in 0..good.len() {
            let _ = parse_client_hello(&good[..cut]);
        }
        assert!(parse_client_hello(&good[..10]).is_none());
        let mut odd = hello(0x0301, &[0x002f], None);
        odd[35] = 0; // cipher suite length high byte stays 0
        odd[36] = 3; // odd length
        assert!(parse_client_hello(&odd).is_none());
    }

    #[test]
    fn flight_is_well_formed() {
        let der = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x01]);
        let f = server_flight(0x002f, true, &[der]);
        assert_eq!(&f[..3], &[22, 0x03, 0x01]);
        let len = u16::from_be_bytes([f[3], f[4]]) as usize;
        assert_eq!(f.len(), 5 + len);
        let hs = &f[5..];
        assert_eq!(hs[0], 2); // ServerHello
        let sh_len = (hs[1] as usize) << 16 | (hs[2] as usize) << 8 | hs[3] as usize;
        assert_eq!(&hs[4..6], &[0x03, 0x01]);
        let cert = &hs[4 + sh_len..];
        assert_eq!(cert[0], 11);
        let done =
            &cert[4 + ((cert[1] as usize) << 16 | (cert[2] as usize) << 8 | cert[3] as usize)..];
        assert_eq!(done, &[14, 0, 0, 0]);
        assert_eq!(alert_record(70), vec![21, 3, 1, 0, 2, 2, 70]);
    }
}
