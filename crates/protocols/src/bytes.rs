//! A cursor over untrusted bytes whose reads fail (with `None`) instead of panicking.
//!
//! Used by the binary parsers (TLS records and handshakes) on both the scanner and lab side.

/// A cursor over a byte slice: every read checks the remaining length first.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a>(pub &'a [u8]);

impl<'a> Reader<'a> {
    /// The next `n` bytes, or `None` when fewer remain.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }

    /// One byte.
    pub fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    /// A big-endian 16-bit number.
    pub fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    /// A big-endian 24-bit number.
    pub fn u24(&mut self) -> Option<usize> {
        self.take(3)
            .map(|b| (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
}

#[cfg(test)]
mod tests {
    use super::Reader;

    #[test]
    fn reads_past_the_end_are_none_not_panics() {
        let mut r = Reader(&[1, 2, 3, 4]);
        assert_eq!(r.u8(), Some(1));
        assert_eq!(r.u24(), Some(0x020304));
        assert_eq!(r.u16(), None);
        assert_eq!(r.take(0), Some(&[][..]));
    }
}
