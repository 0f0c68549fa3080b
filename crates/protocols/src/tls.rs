//! TLS for the scanner: hand-built ClientHellos (SSLv3, TLS 1.0, 1.1, 1.2, and TLS 1.3 through
//! `supported_versions`), a bounded parser of the server's first flight (ServerHello, the
//! Certificate message a TLS ≤ 1.2 handshake sends in clear, ServerHelloDone, alerts), the
//! leaf certificate's public fields (x509-parser), and an HTTPS transport (tokio-rustls,
//! aws-lc-rs) that accepts any certificate: the scanner inventories certificates, it does
//! not trust them.
//!
//! Bounds: a record is at most [`MAX_RECORD`] bytes, a handshake message at most
//! [`MAX_HANDSHAKE`], the whole flight at most [`MAX_FLIGHT`]; every exchange runs under the
//! client's I/O deadline. Hostile input yields an error, never a panic.
//!
//! Sources: RFC 6101 (SSL 3.0), RFC 2246/4346/5246 (TLS 1.0–1.2: record layer, ClientHello,
//! ServerHello, Certificate), RFC 8446 (TLS 1.3: `supported_versions`, `key_share`,
//! HelloRetryRequest), IANA TLS cipher suite registry (suite names).

use crate::bytes::Reader;
use crate::http::{ClientOptions, ProtoError};
use camguard_model::CertificateInfo;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

/// Largest record accepted (RFC 5246: 2^14 + 2048 bytes of ciphertext).
pub const MAX_RECORD: usize = 16384 + 2048;
/// Largest handshake message accepted (a certificate chain of a camera fits many times).
pub const MAX_HANDSHAKE: usize = 64 * 1024;
/// Most bytes read from a server's first flight.
pub const MAX_FLIGHT: usize = 128 * 1024;
/// Most certificates kept from a Certificate message.
pub const MAX_CERTIFICATES: usize = 8;

/// A protocol version the scanner offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlsVersion {
    /// SSL 3.0 (RFC 6101).
    Ssl3,
    /// TLS 1.0 (RFC 2246).
    Tls10,
    /// TLS 1.1 (RFC 4346).
    Tls11,
    /// TLS 1.2 (RFC 5246).
    Tls12,
    /// TLS 1.3 (RFC 8446).
    Tls13,
}

impl TlsVersion {
    /// Every version, newest first (the order the scanner tries them).
    pub const ALL: [TlsVersion; 5] = [
        TlsVersion::Tls13,
        TlsVersion::Tls12,
        TlsVersion::Tls11,
        TlsVersion::Tls10,
        TlsVersion::Ssl3,
    ];

    /// Version number on the wire.
    pub fn wire(self) -> u16 {
        match self {
            TlsVersion::Ssl3 => 0x0300,
            TlsVersion::Tls10 => 0x0301,
            TlsVersion::Tls11 => 0x0302,
            TlsVersion::Tls12 => 0x0303,
            TlsVersion::Tls13 => 0x0304,
        }
    }

    /// The version of a wire number.
    pub fn from_wire(v: u16) -> Option<TlsVersion> {
        Self::ALL.into_iter().find(|x| x.wire() == v)
    }

    /// Label used in observations: `SSL3`, `TLS1.0`, `TLS1.1`, `TLS1.2`, `TLS1.3`.
    pub fn label(self) -> &'static str {
        match self {
            TlsVersion::Ssl3 => "SSL3",
            TlsVersion::Tls10 => "TLS1.0",
            TlsVersion::Tls11 => "TLS1.1",
            TlsVersion::Tls12 => "TLS1.2",
            TlsVersion::Tls13 => "TLS1.3",
        }
    }
}

/// Suites offered up to TLS 1.2: ECDHE/DHE/RSA with AES-GCM, ChaCha20, AES-CBC, 3DES, RC4
/// (old devices only speak the last ones), then the renegotiation SCSV.
const LEGACY_SUITES: [u16; 21] = [
    0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009e, 0x0033,
    0x0039, 0x009c, 0x009d, 0x002f, 0x0035, 0x000a, 0x0005, 0x0004, 0x00ff,
];
/// TLS 1.3 suites.
const TLS13_SUITES: [u16; 3] = [0x1301, 0x1302, 0x1303];
/// Signature schemes offered (RFC 8446 §4.2.3).
const SIGNATURE_SCHEMES: [u16; 11] = [
    0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0203,
];
/// `random` of a HelloRetryRequest (RFC 8446 §4.1.3).
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// IANA name of a cipher suite (the common ones; others as `0xXXXX`).
pub fn cipher_name(suite: u16) -> String {
    let name = match suite {
        0x0004 => "TLS_RSA_WITH_RC4_128_MD5",
        0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
        0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0x1301 => "TLS_AES_128_GCM_SHA256",
        0x1302 => "TLS_AES_256_GCM_SHA384",
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        _ => return format!("0x{suite:04x}"),
    };
    name.to_string()
}

fn u16be(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn u24be(out: &mut Vec<u8>, v: usize) {
    let v = u32::try_from(v).unwrap_or(u32::MAX).min(0x00ff_ffff);
    out.extend_from_slice(&v.to_be_bytes()[1..]);
}

fn len16(v: usize) -> u16 {
    u16::try_from(v).unwrap_or(u16::MAX)
}

fn extension(out: &mut Vec<u8>, ty: u16, data: &[u8]) {
    u16be(out, ty);
    u16be(out, len16(data.len()));
    out.extend_from_slice(data);
}

/// A complete ClientHello record offering exactly `version` (TLS 1.3 through
/// `supported_versions` with an x25519 `key_share`). `random` fills the random, the TLS 1.3
/// session id and key share.
pub fn client_hello(version: TlsVersion, random: &[u8; 32]) -> Vec<u8> {
    let tls13 = version == TlsVersion::Tls13;
    let mut body = Vec::with_capacity(256);
    u16be(&mut body, if tls13 { 0x0303 } else { version.wire() });
    body.extend_from_slice(random);
    if tls13 {
        // Middlebox-compatible legacy session id (RFC 8446 §D.4).
        body.push(32);
        body.extend(random.iter().rev());
    } else {
        body.push(0);
    }
    let suites: &[u16] = if tls13 { &TLS13_SUITES } else { &LEGACY_SUITES };
    u16be(&mut body, len16(suites.len() * 2));
    for s in suites {
        u16be(&mut body, *s);
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    if version != TlsVersion::Ssl3 {
        let mut ext = Vec::with_capacity(128);
        extension(
            &mut ext,
            0x000a,
            &[0, 6, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18],
        );
        extension(&mut ext, 0x000b, &[1, 0]);
        if version >= TlsVersion::Tls12 {
            let mut sig = Vec::new();
            u16be(&mut sig, len16(SIGNATURE_SCHEMES.len() * 2));
            for s in SIGNATURE_SCHEMES {
                u16be(&mut sig, s);
            }
            extension(&mut ext, 0x000d, &sig);
        }
        if tls13 {
            extension(&mut ext, 0x002b, &[2, 0x03, 0x04]);
            let mut share = Vec::with_capacity(38);
            u16be(&mut share, 36);
            u16be(&mut share, 0x001d);
            u16be(&mut share, 32);
            let mut key: [u8; 32] = *random;
            key.reverse();
            key[31] &= 0x7f;
            share.extend_from_slice(&key);
            extension(&mut ext, 0x0033, &share);
            extension(&mut ext, 0x002d, &[1, 1]);
        } else {
            extension(&mut ext, 0xff01, &[0]);
        }
        u16be(&mut body, len16(ext.len()));
        body.extend_from_slice(&ext);
    }
    let mut hs = Vec::with_capacity(body.len() + 4);
    hs.push(1);
    u24be(&mut hs, body.len());
    hs.extend_from_slice(&body);
    let mut rec = Vec::with_capacity(hs.len() + 5);
    rec.push(22);
    u16be(
        &mut rec,
        if version == TlsVersion::Ssl3 {
            0x0300
        } else {
            0x0301
        },
    );
    u16be(&mut rec, len16(hs.len()));
    rec.extend_from_slice(&hs);
    rec
}

/// The parts of a ServerHello the scanner keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// Negotiated version (`supported_versions` when present, else `server_version`).
    pub version: u16,
    /// Chosen cipher suite.
    pub cipher: u16,
    /// The ServerHello is a TLS 1.3 HelloRetryRequest.
    pub retry_request: bool,
}

/// What a server's first flight held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerFlight {
    /// The ServerHello, once read.
    pub server_hello: Option<ServerHello>,
    /// DER certificates of the Certificate message (leaf first; at most
    /// [`MAX_CERTIFICATES`]).
    pub certificates: Vec<Vec<u8>>,
    /// `(level, description)` of an alert.
    pub alert: Option<(u8, u8)>,
    /// Nothing more is needed: an alert, ServerHelloDone, or a TLS 1.3 ServerHello (what
    /// follows it is encrypted).
    pub complete: bool,
}

/// Why bytes could not be read as a TLS server flight.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsParseError {
    /// The bytes are not TLS records (the start is kept, sanitised).
    #[error("not TLS: the answer starts {0:?}")]
    NotTls(String),
    /// A record longer than [`MAX_RECORD`].
    #[error("record of {0} bytes exceeds the limit")]
    RecordTooLarge(usize),
    /// A handshake message longer than [`MAX_HANDSHAKE`].
    #[error("handshake message of {0} bytes exceeds the limit")]
    HandshakeTooLarge(usize),
    /// A structure that does not parse.
    #[error("malformed {0}")]
    Malformed(&'static str),
}

/// Parse a ServerHello body (after the 4-byte handshake header).
pub fn parse_server_hello(body: &[u8]) -> Result<ServerHello, TlsParseError> {
    let bad = TlsParseError::Malformed("ServerHello");
    let mut r = Reader(body);
    let mut version = r.u16().ok_or(bad.clone())?;
    let random = r.take(32).ok_or(bad.clone())?;
    let sid = usize::from(r.u8().ok_or(bad.clone())?);
    if sid > 32 {
        return Err(bad);
    }
    r.take(sid).ok_or(bad.clone())?;
    let cipher = r.u16().ok_or(bad.clone())?;
    r.u8().ok_or(bad.clone())?;
    if !r.0.is_empty() {
        let len = usize::from(r.u16().ok_or(bad.clone())?);
        let mut ext = Reader(r.take(len).ok_or(bad.clone())?);
        while !ext.0.is_empty() {
            let ty = ext.u16().ok_or(bad.clone())?;
            let n = usize::from(ext.u16().ok_or(bad.clone())?);
            let data = ext.take(n).ok_or(bad.clone())?;
            if ty == 0x002b {
                let mut d = Reader(data);
                version = d.u16().ok_or(bad.clone())?;
            }
        }
    }
    Ok(ServerHello {
        version,
        cipher,
        retry_request: random == HELLO_RETRY_RANDOM,
    })
}

/// Parse a Certificate message body (TLS ≤ 1.2): the DER certificates, leaf first.
pub fn parse_certificates(body: &[u8]) -> Result<Vec<Vec<u8>>, TlsParseError> {
    let bad = TlsParseError::Malformed("Certificate message");
    let mut r = Reader(body);
    let total = r.u24().ok_or(bad.clone())?;
    let mut list = Reader(r.take(total).ok_or(bad.clone())?);
    let mut out = Vec::new();
    while !list.0.is_empty() && out.len() < MAX_CERTIFICATES {
        let n = list.u24().ok_or(bad.clone())?;
        out.push(list.take(n).ok_or(bad.clone())?.to_vec());
    }
    Ok(out)
}

/// Parse what a server sent after a ClientHello. Incomplete input is fine (the flight is
/// returned with `complete == false`); bytes that are not TLS, or break a bound, are errors.
pub fn parse_flight(bytes: &[u8]) -> Result<ServerFlight, TlsParseError> {
    let mut flight = ServerFlight::default();
    let mut handshake: Vec<u8> = Vec::new();
    let mut r = Reader(bytes);
    while !r.0.is_empty() && !flight.complete {
        let ty = r.0[0];
        if !(20..=23).contains(&ty) || r.0.get(1).is_some_and(|&major| major != 3) {
            let start = &bytes[..bytes.len().min(40)];
            // Text (an HTTP 400, an FTP or SSH greeting) means plaintext; anything else is
            // garbage.
            if !start
                .iter()
                .take(16)
                .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
            {
                return Err(TlsParseError::Malformed(
                    "answer (neither TLS records nor text)",
                ));
            }
            return Err(TlsParseError::NotTls(camguard_model::sanitize_text(
                start, 40,
            )));
        }
        if r.0.len() < 5 {
            break;
        }
        let len = usize::from(u16::from_be_bytes([r.0[3], r.0[4]]));
        if len > MAX_RECORD {
            return Err(TlsParseError::RecordTooLarge(len));
        }
        if r.0.len() < 5 + len {
            break;
        }
        r.take(5);
        let fragment = r.take(len).unwrap_or_default();
        match ty {
            21 => {
                if fragment.len() >= 2 {
                    flight.alert = Some((fragment[0], fragment[1]));
                    flight.complete = true;
                }
            }
            22 => {
                if handshake.len() + fragment.len() > MAX_HANDSHAKE + 4 {
                    return Err(TlsParseError::HandshakeTooLarge(
                        handshake.len() + fragment.len(),
                    ));
                }
                handshake.extend_from_slice(fragment);
                handshake_messages(&mut handshake, &mut flight)?;
            }
            // ChangeCipherSpec or application data: what follows is encrypted.
            _ => {
                if flight.server_hello.is_some() {
                    flight.complete = true;
                } else {
                    return Err(TlsParseError::Malformed("record before the ServerHello"));
                }
            }
        }
    }
    Ok(flight)
}

/// Consume the complete handshake messages at the start of `buf`.
fn handshake_messages(buf: &mut Vec<u8>, flight: &mut ServerFlight) -> Result<(), TlsParseError> {
    let mut used = 0;
    loop {
        let rest = &buf[used..];
        if rest.len() < 4 || flight.complete {
            break;
        }
        let ty = rest[0];
        let len = (usize::from(rest[1]) << 16) | (usize::from(rest[2]) << 8) | usize::from(rest[3]);
        if len > MAX_HANDSHAKE {
            return Err(TlsParseError::HandshakeTooLarge(len));
        }
        if rest.len() < 4 + len {
            break;
        }
        let body = &rest[4..4 + len];
        match ty {
            2 => {
                let hello = parse_server_hello(body)?;
                if hello.version == TlsVersion::Tls13.wire() {
                    flight.complete = true;
                }
                flight.server_hello = Some(hello);
            }
            11 if flight.certificates.is_empty() => flight.certificates = parse_certificates(body)?,
            14 => flight.complete = true,
            _ => {}
        }
        used += 4 + len;
    }
    buf.drain(..used);
    Ok(())
}

/// The outcome of offering one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionOutcome {
    /// The server answered with this version.
    Accepted {
        /// Chosen suite.
        cipher: u16,
        /// DER certificates, leaf first (empty for TLS 1.3, where they are encrypted).
        certificates: Vec<Vec<u8>>,
    },
    /// The server refused the version (alert, another version, or a close).
    Refused(String),
}

/// Offer `version` to `addr` and read the server's first flight (bounded, under the I/O
/// deadline). A server that answers with something other than TLS yields
/// [`ProtoError::Unexpected`] naming it ("not TLS: …").
pub async fn offer(
    addr: SocketAddr,
    version: TlsVersion,
    opts: &ClientOptions,
) -> Result<VersionOutcome, ProtoError> {
    let mut stream = crate::http::connect(addr, opts).await?;
    let mut random = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut random);
    let hello = client_hello(version, &random);
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let exchange = async {
        stream.write_all(&hello).await?;
        stream.flush().await?;
        let mut chunk = [0u8; 8192];
        loop {
            let flight = parse_flight(&buf);
            if flight.as_ref().map(|f| f.complete).unwrap_or(true) {
                return Ok::<_, std::io::Error>(false);
            }
            if buf.len() >= MAX_FLIGHT {
                return Ok(false);
            }
            let room = (MAX_FLIGHT - buf.len()).min(chunk.len());
            match stream.read(&mut chunk[..room]).await {
                Ok(0) => return Ok(true),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if !buf.is_empty() => {
                    tracing::debug!(%addr, "tls read after {} bytes: {e}", buf.len());
                    return Ok(true);
                }
                Err(e) => return Err(e),
            }
        }
    };
    let eof = match tokio::time::timeout(opts.io_timeout, exchange).await {
        Ok(Ok(eof)) => eof,
        Ok(Err(e)) => {
            return Ok(VersionOutcome::Refused(format!("connection error: {e}")));
        }
        Err(_) if buf.is_empty() => return Err(ProtoError::Timeout(opts.io_timeout)),
        Err(_) => false,
    };
    let flight = match parse_flight(&buf) {
        Ok(f) => f,
        Err(e @ TlsParseError::NotTls(_)) => return Err(ProtoError::Unexpected(e.to_string())),
        Err(e) => return Err(ProtoError::Unexpected(format!("tls: {e}"))),
    };
    if let Some((_, desc)) = flight.alert {
        if flight.server_hello.is_none() {
            return Ok(VersionOutcome::Refused(format!(
                "alert {}",
                alert_name(desc)
            )));
        }
    }
    match flight.server_hello {
        Some(h) if h.version == version.wire() => Ok(VersionOutcome::Accepted {
            cipher: h.cipher,
            certificates: flight.certificates,
        }),
        Some(h) => Ok(VersionOutcome::Refused(format!(
            "server chose {}",
            TlsVersion::from_wire(h.version).map_or_else(
                || format!("version 0x{:04x}", h.version),
                |v| v.label().to_string()
            )
        ))),
        None if buf.is_empty() && eof => Ok(VersionOutcome::Refused("closed".into())),
        None if buf.is_empty() => Err(ProtoError::Timeout(opts.io_timeout)),
        None => Err(ProtoError::Unexpected(
            "tls: incomplete ServerHello".to_string(),
        )),
    }
}

/// Name of an alert description (RFC 8446 §6).
pub fn alert_name(desc: u8) -> String {
    let name = match desc {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        47 => "illegal_parameter",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        109 => "missing_extension",
        112 => "unrecognized_name",
        _ => return format!("#{desc}"),
    };
    name.to_string()
}

/// The public fields of a DER certificate.
pub fn certificate_info(der: &[u8]) -> Result<CertificateInfo, TlsParseError> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    use x509_parser::public_key::PublicKey;
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|_| TlsParseError::Malformed("certificate (DER)"))?;
    let text = |s: String| camguard_model::sanitize_text(s.as_bytes(), 512);
    let time = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.to_rfc3339());
    let subject = text(cert.subject().to_string());
    let issuer = text(cert.issuer().to_string());
    let spki = cert.public_key();
    let registry = x509_parser::objects::oid_registry();
    let (key_type, key_bits) = match spki.parsed() {
        Ok(PublicKey::RSA(k)) => (Some("rsa".to_string()), k.key_size()),
        Ok(PublicKey::EC(k)) => (Some("ec".to_string()), k.key_size()),
        Ok(PublicKey::DSA(k)) => (Some("dsa".to_string()), k.len() * 8),
        _ => {
            let oid = spki.algorithm.algorithm.to_id_string();
            let name = match oid.as_str() {
                "1.3.101.112" => "ed25519".to_string(),
                "1.3.101.113" => "ed448".to_string(),
                other => x509_parser::objects::oid2sn(&spki.algorithm.algorithm, registry)
                    .map(str::to_string)
                    .unwrap_or_else(|_| other.to_string()),
            };
            let bits = match name.as_str() {
                "ed25519" => 256,
                "ed448" => 456,
                _ => 0,
            };
            (Some(name), bits)
        }
    };
    let sig_oid = &cert.signature_algorithm.algorithm;
    let signature_algorithm = x509_parser::objects::oid2sn(sig_oid, registry)
        .map(str::to_string)
        .unwrap_or_else(|_| sig_oid.to_id_string());
    Ok(CertificateInfo {
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        subject,
        issuer,
        not_before: time(cert.validity().not_before.timestamp()),
        not_after: time(cert.validity().not_after.timestamp()),
        key_type,
        key_bits: u32::try_from(key_bits).ok().filter(|b| *b > 0),
        signature_algorithm: Some(text(signature_algorithm)),
        sha256: hex::encode(Sha256::digest(der)),
        spki_sha256: Some(hex::encode(Sha256::digest(spki.raw))),
    })
}

// ---------------------------------------------------------------------------------------
// HTTPS transport
// ---------------------------------------------------------------------------------------

/// Accepts every certificate (the scanner records certificates; trusting them is not its
/// job). Handshake signatures are still verified with the provider's algorithms.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn connector() -> Result<tokio_rustls::TlsConnector, ProtoError> {
    static CONFIG: std::sync::OnceLock<Result<Arc<rustls::ClientConfig>, String>> =
        std::sync::OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth();
        Ok(Arc::new(config))
    });
    match config {
        Ok(c) => Ok(tokio_rustls::TlsConnector::from(c.clone())),
        Err(e) => Err(ProtoError::Unexpected(format!("tls configuration: {e}"))),
    }
}

/// A TCP stream, plain or under TLS.
#[derive(Debug)]
pub enum MaybeTls {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl MaybeTls {
    /// The peer's DER certificates, leaf first (TLS only).
    pub fn peer_certificates(&self) -> Vec<Vec<u8>> {
        match self {
            MaybeTls::Plain(_) => Vec::new(),
            MaybeTls::Tls(s) => s
                .get_ref()
                .1
                .peer_certificates()
                .map(|c| c.iter().map(|d| d.as_ref().to_vec()).collect())
                .unwrap_or_default(),
        }
    }
}

/// Connect under the connect deadline, then (with `opts.tls`) run a TLS handshake under the
/// I/O deadline, accepting any certificate.
pub async fn connect(addr: SocketAddr, opts: &ClientOptions) -> Result<MaybeTls, ProtoError> {
    let tcp = crate::http::connect(addr, opts).await?;
    if !opts.tls {
        return Ok(MaybeTls::Plain(tcp));
    }
    let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
    match tokio::time::timeout(opts.io_timeout, connector()?.connect(name, tcp)).await {
        Ok(Ok(s)) => Ok(MaybeTls::Tls(Box::new(s))),
        Ok(Err(e)) => Err(ProtoError::Unexpected(format!("tls handshake: {e}"))),
        Err(_) => Err(ProtoError::Timeout(opts.io_timeout)),
    }
}

impl AsyncRead for MaybeTls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MaybeTls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_flush(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ty: u8, body: &[u8]) -> Vec<u8> {
        let mut r = vec![ty, 3, 3];
        r.extend_from_slice(&(body.len() as u16).to_be_bytes());
        r.extend_from_slice(body);
        r
    }

    fn handshake(ty: u8, body: &[u8]) -> Vec<u8> {
        let mut h = vec![ty];
        u24be(&mut h, body.len());
        h.extend_from_slice(body);
        h
    }

    fn server_hello(version: u16, cipher: u16, supported: Option<u16>) -> Vec<u8> {
        let mut b = Vec::new();
        u16be(&mut b, version);
        b.extend_from_slice(&[7u8; 32]);
        b.push(0);
        u16be(&mut b, cipher);
        b.push(0);
        if let Some(v) = supported {
            u16be(&mut b, 6);
            u16be(&mut b, 0x002b);
            u16be(&mut b, 2);
            u16be(&mut b, v);
        }
        handshake(2, &b)
    }

    #[test]
    fn client_hellos_parse_as_the_lab_parses_them() {
        for v in TlsVersion::ALL {
            let rec = client_hello(v, &[9u8; 32]);
            assert_eq!(rec[0], 22);
            let len = usize::from(u16::from_be_bytes([rec[3], rec[4]]));
            assert_eq!(rec.len(), 5 + len);
            assert_eq!(rec[5], 1);
            let hs_len =
                (usize::from(rec[6]) << 16) | (usize::from(rec[7]) << 8) | usize::from(rec[8]);
            assert_eq!(hs_len + 4, len, "{v:?}");
        }
    }

    #[test]
    fn a_tls12_flight_yields_version_cipher_and_certificates() {
        let mut certs = Vec::new();
        u24be(&mut certs, 3 + 4 + 3 + 2);
        u24be(&mut certs, 4);
        certs.extend_from_slice(b"leaf");
        u24be(&mut certs, 2);
        certs.extend_from_slice(b"ca");
        let mut hs = server_hello(0x0303, 0xc02f, None);
        hs.extend(handshake(11, &certs));
        hs.extend(handshake(14, &[]));
        // Split across two records, cutting a message in half.
        let (a, b) = hs.split_at(50);
        let mut bytes = record(22, a);
        bytes.extend(record(22, b));
        let f = parse_flight(&bytes).expect("parses");
        assert!(f.complete);
        assert_eq!(f.server_hello.as_ref().map(|h| h.version), Some(0x0303));
        assert_eq!(f.certificates, vec![b"leaf".to_vec(), b"ca".to_vec()]);
        // Every prefix parses without error and is incomplete.
        for cut in 0..bytes.len() {
            let p = parse_flight(&bytes[..cut]).expect("prefix parses");
            assert!(!p.complete, "cut {cut}");
        }
    }

    #[test]
    fn tls13_is_read_from_supported_versions() {
        let bytes = record(22, &server_hello(0x0303, 0x1301, Some(0x0304)));
        let f = parse_flight(&bytes).unwrap();
        assert!(f.complete);
        assert_eq!(f.server_hello.unwrap().version, 0x0304);
    }

    #[test]
    fn plaintext_is_not_tls() {
        let e = parse_flight(b"HTTP/1.1 400 Bad Request\r\n\r\n").unwrap_err();
        assert!(
            matches!(e, TlsParseError::NotTls(ref s) if s.starts_with("HTTP/1.1")),
            "{e}"
        );
        assert!(matches!(
            parse_flight(b"SSH"),
            Err(TlsParseError::NotTls(_))
        ));
    }

    #[test]
    fn binary_garbage_is_malformed_not_plaintext() {
        assert!(matches!(
            parse_flight(&[0x00, 0xff, 0x13, 0x37, 0x80]),
            Err(TlsParseError::Malformed(_))
        ));
    }

    #[test]
    fn alerts_end_the_flight() {
        let f = parse_flight(&record(21, &[2, 70])).unwrap();
        assert_eq!(f.alert, Some((2, 70)));
        assert!(f.complete);
        assert_eq!(alert_name(70), "protocol_version");
    }

    #[test]
    fn hostile_lengths_are_refused_not_allocated() {
        // A record announcing 65535 bytes.
        let e = parse_flight(&[22, 3, 3, 0xff, 0xff, 0]).unwrap_err();
        assert_eq!(e, TlsParseError::RecordTooLarge(65535));
        // A handshake message announcing 16 MiB.
        let e = parse_flight(&record(22, &[11, 0xff, 0xff, 0xff])).unwrap_err();
        assert!(matches!(e, TlsParseError::HandshakeTooLarge(_)));
        // A certificate list longer than its message.
        let mut certs = Vec::new();
        u24be(&mut certs, 1000);
        let e = parse_flight(&record(22, &handshake(11, &certs))).unwrap_err();
        assert_eq!(e, TlsParseError::Malformed("Certificate message"));
        // A truncated ServerHello inside a complete message.
        let e = parse_flight(&record(22, &handshake(2, &[3, 3, 1]))).unwrap_err();
        assert_eq!(e, TlsParseError::Malformed("ServerHello"));
        // Garbage certificates are an error, not a panic.
        assert!(certificate_info(&[0x30, 0x82, 0xff, 0xff]).is_err());
        assert!(certificate_info(&[]).is_err());
    }

    #[test]
    fn cipher_names() {
        assert_eq!(cipher_name(0x002f), "TLS_RSA_WITH_AES_128_CBC_SHA");
        assert_eq!(cipher_name(0xbeef), "0xbeef");
    }
}
