//! A small, bounded SNMP v1/v2c message codec (RFC 3416 PDUs in the RFC 1157/1901 message
//! wrapper, BER as in X.690): enough for a `GetRequest` of `sysDescr.0` / `sysObjectID.0` and
//! its `Response`, on both sides (the scanner asks, the lab's agent answers).
//!
//! Decoding never recurses beyond the fixed message shape, never allocates more than the
//! datagram it reads, and refuses lengths past the end, over-long integers, more than
//! [`MAX_VARBINDS`] bindings and OIDs of more than [`MAX_OID_ARCS`] arcs.

use thiserror::Error;

/// `sysDescr.0` (RFC 1213 / RFC 3418).
pub const SYS_DESCR: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 1, 0];
/// `sysObjectID.0` (RFC 1213 / RFC 3418).
pub const SYS_OBJECT_ID: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 2, 0];
/// Largest SNMP datagram handled (RFC 3417 asks agents to accept at least 484 bytes).
pub const MAX_DATAGRAM: usize = 8 * 1024;
/// Most variable bindings decoded from one PDU.
pub const MAX_VARBINDS: usize = 32;
/// Most arcs in one OID.
pub const MAX_OID_ARCS: usize = 64;

const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;

/// SNMP version of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// SNMPv1 (wire value 0).
    V1,
    /// SNMPv2c (wire value 1).
    V2c,
}

impl Version {
    fn wire(self) -> i64 {
        match self {
            Version::V1 => 0,
            Version::V2c => 1,
        }
    }

    /// `v1` or `v2c`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V1 => "v1",
            Version::V2c => "v2c",
        }
    }
}

/// PDU types used here (context-specific constructed tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PduKind {
    /// `GetRequest-PDU` (0xA0).
    GetRequest,
    /// `GetNextRequest-PDU` (0xA1).
    GetNextRequest,
    /// `Response-PDU` (0xA2).
    Response,
    /// `SetRequest-PDU` (0xA3).
    SetRequest,
    /// Any other PDU tag (traps, bulk, reports), kept as its tag.
    Other(u8),
}

impl PduKind {
    fn tag(self) -> u8 {
        match self {
            PduKind::GetRequest => 0xa0,
            PduKind::GetNextRequest => 0xa1,
            PduKind::Response => 0xa2,
            PduKind::SetRequest => 0xa3,
            PduKind::Other(t) => t,
        }
    }

    fn from_tag(t: u8) -> PduKind {
        match t {
            0xa0 => PduKind::GetRequest,
            0xa1 => PduKind::GetNextRequest,
            0xa2 => PduKind::Response,
            0xa3 => PduKind::SetRequest,
            t => PduKind::Other(t),
        }
    }
}

/// A variable's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `NULL` (the value of every binding in a request).
    Null,
    /// `INTEGER`.
    Integer(i64),
    /// `OCTET STRING`.
    OctetString(Vec<u8>),
    /// `OBJECT IDENTIFIER`.
    Oid(Vec<u32>),
    /// `noSuchObject` (v2c exception, 0x80).
    NoSuchObject,
    /// `noSuchInstance` (v2c exception, 0x81).
    NoSuchInstance,
    /// `endOfMibView` (v2c exception, 0x82).
    EndOfMibView,
    /// Any other type (counters, time ticks, addresses…), tag and raw content.
    Other(u8, Vec<u8>),
}

/// An SNMP v1/v2c message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Version.
    pub version: Version,
    /// Community string.
    pub community: Vec<u8>,
    /// PDU type.
    pub kind: PduKind,
    /// Request id, echoed by the response.
    pub request_id: i64,
    /// Error status (0 = noError).
    pub error_status: i64,
    /// Error index.
    pub error_index: i64,
    /// Variable bindings.
    pub varbinds: Vec<(Vec<u32>, Value)>,
}

/// Why bytes are not an SNMP message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SnmpError {
    /// The bytes end before an element does.
    #[error("truncated at byte {0}")]
    Truncated(usize),
    /// An element has a tag other than the one the message shape requires.
    #[error("unexpected tag 0x{found:02x} at byte {at} (expected {expected})")]
    UnexpectedTag {
        /// Offset.
        at: usize,
        /// Tag seen.
        found: u8,
        /// What was expected.
        expected: &'static str,
    },
    /// A length that is indefinite, longer than 4 bytes or past the end.
    #[error("bad length at byte {0}")]
    BadLength(usize),
    /// An integer longer than 8 bytes or empty.
    #[error("bad integer at byte {0}")]
    BadInteger(usize),
    /// An OID that is empty, too long or has an arc over 32 bits.
    #[error("bad object identifier at byte {0}")]
    BadOid(usize),
    /// A version other than v1 or v2c.
    #[error("unsupported SNMP version {0}")]
    Version(i64),
    /// More bindings than [`MAX_VARBINDS`] or a datagram over [`MAX_DATAGRAM`].
    #[error("message larger than the limits")]
    TooLarge,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// One TLV: its tag, the offset of the tag and its content.
    fn tlv(&mut self) -> Result<(u8, usize, &'a [u8]), SnmpError> {
        let at = self.pos;
        let tag = *self.buf.get(self.pos).ok_or(SnmpError::Truncated(at))?;
        self.pos += 1;
        let first = *self
            .buf
            .get(self.pos)
            .ok_or(SnmpError::Truncated(self.pos))?;
        self.pos += 1;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 {
                return Err(SnmpError::BadLength(at));
            }
            let bytes = self
                .buf
                .get(self.pos..self.pos + n)
                .ok_or(SnmpError::Truncated(self.pos))?;
            self.pos += n;
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        };
        let end = self
            .pos
            .checked_add(len)
            .filter(|e| *e <= self.buf.len())
            .ok_or(SnmpError::BadLength(at))?;
        let content = &self.buf[self.pos..end];
        self.pos = end;
        Ok((tag, at, content))
    }

    fn expect(&mut self, tag: u8, expected: &'static str) -> Result<(usize, &'a [u8]), SnmpError> {
        let (t, at, c) = self.tlv()?;
        if t != tag {
            return Err(SnmpError::UnexpectedTag {
                at,
                found: t,
                expected,
            });
        }
        Ok((at, c))
    }

    fn integer(&mut self) -> Result<i64, SnmpError> {
        let (at, c) = self.expect(TAG_INTEGER, "INTEGER")?;
        decode_integer(c).ok_or(SnmpError::BadInteger(at))
    }
}

fn decode_integer(c: &[u8]) -> Option<i64> {
    if c.is_empty() || c.len() > 8 {
        return None;
    }
    let mut v: i64 = if c[0] & 0x80 != 0 { -1 } else { 0 };
    for b in c {
        v = (v << 8) | i64::from(*b);
    }
    Some(v)
}

fn decode_oid(c: &[u8]) -> Option<Vec<u32>> {
    let mut arcs = Vec::new();
    let mut cur: u64 = 0;
    let mut pending = false;
    for (i, b) in c.iter().enumerate() {
        if !pending && *b == 0x80 {
            return None; // non-minimal encoding
        }
        cur = (cur << 7) | u64::from(b & 0x7f);
        if cur > u64::from(u32::MAX) + 80 {
            return None;
        }
        pending = b & 0x80 != 0;
        if !pending {
            if arcs.is_empty() && i < c.len() {
                let (first, second) = match cur {
                    0..=39 => (0, cur),
                    40..=79 => (1, cur - 40),
                    _ => (2, cur - 80),
                };
                arcs.push(first);
                arcs.push(u32::try_from(second).ok()?);
            } else {
                arcs.push(u32::try_from(cur).ok()?);
            }
            if arcs.len() > MAX_OID_ARCS {
                return None;
            }
            cur = 0;
        }
    }
    if pending || arcs.is_empty() {
        return None;
    }
    Some(arcs)
}

fn decode_value(tag: u8, at: usize, c: &[u8]) -> Result<Value, SnmpError> {
    Ok(match tag {
        TAG_NULL => Value::Null,
        TAG_INTEGER => Value::Integer(decode_integer(c).ok_or(SnmpError::BadInteger(at))?),
        TAG_OCTET_STRING => Value::OctetString(c.to_vec()),
        TAG_OID => Value::Oid(decode_oid(c).ok_or(SnmpError::BadOid(at))?),
        0x80 => Value::NoSuchObject,
        0x81 => Value::NoSuchInstance,
        0x82 => Value::EndOfMibView,
        t => Value::Other(t, c.to_vec()),
    })
}

/// Decode one SNMP v1/v2c message.
pub fn decode(bytes: &[u8]) -> Result<Message, SnmpError> {
    if bytes.len() > MAX_DATAGRAM {
        return Err(SnmpError::TooLarge);
    }
    let mut outer = Reader::new(bytes);
    let (_, body) = outer.expect(TAG_SEQUENCE, "SEQUENCE (message)")?;
    let mut r = Reader::new(body);
    let version = match r.integer()? {
        0 => Version::V1,
        1 => Version::V2c,
        v => return Err(SnmpError::Version(v)),
    };
    let (_, community) = r.expect(TAG_OCTET_STRING, "OCTET STRING (community)")?;
    let (tag, at, pdu) = r.tlv()?;
    if tag & 0xe0 != 0xa0 {
        return Err(SnmpError::UnexpectedTag {
            at,
            found: tag,
            expected: "PDU",
        });
    }
    let mut p = Reader::new(pdu);
    let request_id = p.integer()?;
    let error_status = p.integer()?;
    let error_index = p.integer()?;
    let (_, list) = p.expect(TAG_SEQUENCE, "SEQUENCE (variable bindings)")?;
    let mut l = Reader::new(list);
    let mut varbinds = Vec::new();
    while !l.done() {
        if varbinds.len() >= MAX_VARBINDS {
            return Err(SnmpError::TooLarge);
        }
        let (_, vb) = l.expect(TAG_SEQUENCE, "SEQUENCE (variable binding)")?;
        let mut v = Reader::new(vb);
        let (oid_at, oid) = v.expect(TAG_OID, "OBJECT IDENTIFIER")?;
        let oid = decode_oid(oid).ok_or(SnmpError::BadOid(oid_at))?;
        let (vt, vat, vc) = v.tlv()?;
        varbinds.push((oid, decode_value(vt, vat, vc)?));
    }
    Ok(Message {
        version,
        community: community.to_vec(),
        kind: PduKind::from_tag(tag),
        request_id,
        error_status,
        error_index,
        varbinds,
    })
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u32).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (4 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

fn encode_integer(v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        if (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    bytes[start..].to_vec()
}

fn encode_oid(arcs: &[u32]) -> Vec<u8> {
    let mut out = Vec::new();
    let (first, rest) = match arcs {
        [a, b, rest @ ..] => (u64::from(*a) * 40 + u64::from(*b), rest),
        [a] => (u64::from(*a) * 40, &[][..]),
        [] => (0, &[][..]),
    };
    let mut push = |mut v: u64| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        tmp.reverse();
        out.extend_from_slice(&tmp);
    };
    push(first);
    for a in rest {
        push(u64::from(*a));
    }
    out
}

fn encode_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => push_tlv(out, TAG_NULL, &[]),
        Value::Integer(i) => push_tlv(out, TAG_INTEGER, &encode_integer(*i)),
        Value::OctetString(s) => push_tlv(out, TAG_OCTET_STRING, s),
        Value::Oid(o) => push_tlv(out, TAG_OID, &encode_oid(o)),
        Value::NoSuchObject => push_tlv(out, 0x80, &[]),
        Value::NoSuchInstance => push_tlv(out, 0x81, &[]),
        Value::EndOfMibView => push_tlv(out, 0x82, &[]),
        Value::Other(t, c) => push_tlv(out, *t, c),
    }
}

/// Encode a message.
pub fn encode(m: &Message) -> Vec<u8> {
    let mut list = Vec::new();
    for (oid, value) in &m.varbinds {
        let mut vb = Vec::new();
        push_tlv(&mut vb, TAG_OID, &encode_oid(oid));
        encode_value(&mut vb, value);
        push_tlv(&mut list, TAG_SEQUENCE, &vb);
    }
    let mut pdu = Vec::new();
    push_tlv(&mut pdu, TAG_INTEGER, &encode_integer(m.request_id));
    push_tlv(&mut pdu, TAG_INTEGER, &encode_integer(m.error_status));
    push_tlv(&mut pdu, TAG_INTEGER, &encode_integer(m.error_index));
    push_tlv(&mut pdu, TAG_SEQUENCE, &list);
    let mut body = Vec::new();
    push_tlv(&mut body, TAG_INTEGER, &encode_integer(m.version.wire()));
    push_tlv(&mut body, TAG_OCTET_STRING, &m.community);
    push_tlv(&mut body, m.kind.tag(), &pdu);
    let mut out = Vec::new();
    push_tlv(&mut out, TAG_SEQUENCE, &body);
    out
}

/// A `GetRequest` for `oids` with `community`.
pub fn get_request(
    version: Version,
    community: &[u8],
    request_id: i32,
    oids: &[&[u32]],
) -> Vec<u8> {
    encode(&Message {
        version,
        community: community.to_vec(),
        kind: PduKind::GetRequest,
        request_id: i64::from(request_id),
        error_status: 0,
        error_index: 0,
        varbinds: oids.iter().map(|o| (o.to_vec(), Value::Null)).collect(),
    })
}

/// Dotted notation of an OID (`1.3.6.1.2.1.1.1.0`).
pub fn oid_to_string(oid: &[u32]) -> String {
    oid.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
}

/// Parse dotted notation (a leading `.` is allowed).
pub fn parse_oid(s: &str) -> Option<Vec<u32>> {
    let arcs: Option<Vec<u32>> = s
        .trim_start_matches('.')
        .split('.')
        .map(|a| a.parse().ok())
        .collect();
    arcs.filter(|a| a.len() >= 2 && a.len() <= MAX_OID_ARCS && a[0] <= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `snmpget -v2c -c public 127.0.0.1 1.3.6.1.2.1.1.1.0` request as net-snmp sends it.
    const NET_SNMP_GET: [u8; 43] = [
        0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c', 0xa0, 0x1c,
        0x02, 0x04, 0x12, 0x34, 0x56, 0x78, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30,
        0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00,
    ];

    #[test]
    fn decodes_a_net_snmp_request_and_encodes_it_back() {
        let m = decode(&NET_SNMP_GET).expect("decodes");
        assert_eq!(m.version, Version::V2c);
        assert_eq!(m.community, b"public");
        assert_eq!(m.kind, PduKind::GetRequest);
        assert_eq!(m.request_id, 0x1234_5678);
        assert_eq!(m.varbinds, vec![(SYS_DESCR.to_vec(), Value::Null)]);
        assert_eq!(encode(&m), NET_SNMP_GET);
        assert_eq!(
            get_request(Version::V2c, b"public", 0x1234_5678, &[SYS_DESCR]),
            NET_SNMP_GET
        );
    }

    #[test]
    fn responses_round_trip_with_long_lengths_and_negative_ids() {
        let m = Message {
            version: Version::V2c,
            community: b"public".to_vec(),
            kind: PduKind::Response,
            request_id: -5,
            error_status: 0,
            error_index: 0,
            varbinds: vec![
                (SYS_DESCR.to_vec(), Value::OctetString(vec![b'x'; 300])),
                (
                    SYS_OBJECT_ID.to_vec(),
                    Value::Oid(vec![1, 3, 6, 1, 4, 1, 39165, 1, 1]),
                ),
                (
                    vec![1, 3, 6, 1, 2, 1, 1, 3, 0],
                    Value::Other(0x43, vec![1, 2, 3]),
                ),
                (vec![1, 3, 6, 1, 2, 1, 1, 9, 0], Value::NoSuchInstance),
            ],
        };
        assert_eq!(decode(&encode(&m)), Ok(m));
        for v in [
            0i64,
            127,
            128,
            255,
            256,
            -1,
            -128,
            -129,
            i64::from(i32::MAX),
            i64::MIN,
        ] {
            assert_eq!(decode_integer(&encode_integer(v)), Some(v), "{v}");
        }
    }

    #[test]
    fn oids_parse_and_print() {
        assert_eq!(parse_oid(".1.3.6.1.2.1.1.1.0").as_deref(), Some(SYS_DESCR));
        assert_eq!(oid_to_string(SYS_OBJECT_ID), "1.3.6.1.2.1.1.2.0");
        assert_eq!(parse_oid("1"), None);
        assert_eq!(parse_oid("1.x"), None);
        assert_eq!(decode_oid(&encode_oid(&[2, 999, 3])), Some(vec![2, 999, 3]));
    }

    #[test]
    fn hostile_bytes_are_errors_not_panics() {
        for n in 0..NET_SNMP_GET.len() {
            assert!(decode(&NET_SNMP_GET[..n]).is_err(), "truncated at {n}");
        }
        // A length of 2^32-1 claimed by the outer sequence.
        assert!(decode(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02]).is_err());
        // Indefinite length.
        assert!(decode(&[0x30, 0x80, 0, 0]).is_err());
        // A 9-byte integer for the version.
        assert!(decode(&[0x30, 0x0b, 0x02, 0x09, 1, 1, 1, 1, 1, 1, 1, 1, 1]).is_err());
        // Version 3 is refused.
        assert_eq!(
            decode(&[0x30, 0x03, 0x02, 0x01, 0x03]),
            Err(SnmpError::Version(3))
        );
        assert!(decode(&vec![0x30; MAX_DATAGRAM + 1]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn mutated_requests_never_panic(i in 0usize..43, b in proptest::prelude::any::<u8>()) {
            let mut m = NET_SNMP_GET;
            m[i] = b;
            let _ = decode(&m);
        }
    }
}
