//! CS2 Network "PPPP" peer-to-peer LAN search (the P2P stack behind iLnkP2P and many OEM
//! camera clouds): the `MSG_LAN_SEARCH` datagram and the `MSG_PUNCH_PKT` answer that carries
//! the device's P2P UID (prefix, serial number, check code). Both sides: the scanner asks, the
//! lab answers. Parsing is bounded and never panics.

/// UDP port CS2 devices listen on for LAN search.
pub const LAN_SEARCH_PORT: u16 = 32108;
/// `MSG_LAN_SEARCH`: magic 0xF1, type 0x30, zero payload length.
pub const LAN_SEARCH: [u8; 4] = [0xf1, 0x30, 0x00, 0x00];
/// Type byte of `MSG_PUNCH_PKT`.
const MSG_PUNCH_PKT: u8 = 0x41;
/// Payload length of `MSG_PUNCH_PKT`: prefix (8), serial (4), check code (8).
const PUNCH_LEN: usize = 20;

/// A device's P2P UID as carried by `MSG_PUNCH_PKT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct P2pUid {
    /// Vendor prefix (up to 7 upper-case letters or digits).
    pub prefix: String,
    /// Serial number.
    pub serial: u32,
    /// Check code (up to 7 upper-case letters).
    pub check: String,
}

impl std::fmt::Display for P2pUid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{:06}-{}", self.prefix, self.serial, self.check)
    }
}

/// A NUL-padded field of upper-case letters and digits (1..=7 characters before the NULs).
fn field(bytes: &[u8]) -> Option<String> {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    let text = &bytes[..end];
    if text.is_empty() || text.len() > 7 || bytes[end..].iter().any(|b| *b != 0) {
        return None;
    }
    text.iter()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        .then(|| String::from_utf8_lossy(text).into_owned())
}

/// Parse a `MSG_PUNCH_PKT` answer; `None` for anything else.
pub fn parse_punch(datagram: &[u8]) -> Option<P2pUid> {
    let [0xf1, MSG_PUNCH_PKT, hi, lo, payload @ ..] = datagram else {
        return None;
    };
    if usize::from(u16::from_be_bytes([*hi, *lo])) != PUNCH_LEN || payload.len() < PUNCH_LEN {
        return None;
    }
    let prefix = field(&payload[..8])?;
    let serial = u32::from_be_bytes([payload[8], payload[9], payload[10], payload[11]]);
    let check = field(&payload[12..20])?;
    Some(P2pUid {
        prefix,
        serial,
        check,
    })
}

/// Encode a `MSG_PUNCH_PKT` carrying `uid` (fields longer than 7 bytes are cut).
pub fn encode_punch(uid: &P2pUid) -> Vec<u8> {
    let mut out = vec![0xf1, MSG_PUNCH_PKT, 0x00, PUNCH_LEN as u8];
    let mut pad = |s: &str| {
        let mut f = [0u8; 8];
        for (d, b) in f.iter_mut().zip(s.bytes().take(7)) {
            *d = b;
        }
        out.extend_from_slice(&f);
    };
    pad(&uid.prefix);
    out.extend_from_slice(&uid.serial.to_be_bytes());
    let mut tail = [0u8; 8];
    for (d, b) in tail.iter_mut().zip(uid.check.bytes().take(7)) {
        *d = b;
    }
    out.extend_from_slice(&tail);
    out
}

/// True when `datagram` is a `MSG_LAN_SEARCH`.
pub fn is_lan_search(datagram: &[u8]) -> bool {
    datagram == LAN_SEARCH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punch_round_trips_and_prints_as_a_uid() {
        let uid = P2pUid {
            prefix: "VSTC".into(),
            serial: 123_456,
            check: "ABCDE".into(),
        };
        let bytes = encode_punch(&uid);
        assert_eq!(bytes.len(), 24);
        assert_eq!(parse_punch(&bytes), Some(uid.clone()));
        assert_eq!(uid.to_string(), "VSTC-123456-ABCDE");
        assert!(is_lan_search(&LAN_SEARCH));
    }

    #[test]
    fn other_datagrams_are_refused() {
        let good = encode_punch(&P2pUid {
            prefix: "ABC".into(),
            serial: 1,
            check: "XYZ".into(),
        });
        for n in 0..good.len() {
            assert_eq!(parse_punch(&good[..n]), None, "truncated at {n}");
        }
        let mut lower = good.clone();
        lower[4] = b'a';
        assert_eq!(parse_punch(&lower), None);
        let mut gap = good.clone();
        gap[8] = b'Q'; // a character after the NUL padding
        assert_eq!(parse_punch(&gap), None);
        assert_eq!(parse_punch(&LAN_SEARCH), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_datagrams_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let _ = parse_punch(&bytes);
        }
    }
}
