//! Stateless Digest nonces: `<timestamp hex><MAC hex>`, so a nonce issued on one connection is
//! accepted on another (curl and ffprobe may reconnect) and old ones expire.

use md5::{Digest, Md5};
use rand::RngCore;
use std::time::{SystemTime, UNIX_EPOCH};

/// How long a nonce stays valid.
pub const NONCE_LIFETIME_SECS: u64 = 600;

/// Per-device secret of the nonces.
#[derive(Debug, Clone)]
pub struct NonceKey([u8; 16]);

impl NonceKey {
    /// A random key.
    pub fn random() -> NonceKey {
        let mut k = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut k);
        NonceKey(k)
    }

    fn mac(&self, ts: u64) -> String {
        let mut h = Md5::new();
        h.update(self.0);
        h.update(ts.to_be_bytes());
        hex::encode(&h.finalize()[..8])
    }

    /// A fresh nonce.
    pub fn issue(&self) -> String {
        let ts = now();
        format!("{ts:016x}{}", self.mac(ts))
    }

    /// True when `nonce` was issued with this key less than [`NONCE_LIFETIME_SECS`] ago.
    pub fn valid(&self, nonce: &str) -> bool {
        if nonce.len() != 32 || !nonce.is_ascii() {
            return false;
        }
        let Ok(ts) = u64::from_str_radix(&nonce[..16], 16) else {
            return false;
        };
        let age = now().saturating_sub(ts);
        age <= NONCE_LIFETIME_SECS && ts <= now() + 5 && self.mac(ts) == nonce[16..]
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_nonces_verify_only_with_their_key() {
        let k = NonceKey::random();
        let n = k.issue();
        assert!(k.valid(&n));
        assert!(!NonceKey::random().valid(&n));
        assert!(!k.valid("x"));
        assert!(!k.valid(&format!("{:016x}{}", 0, &n[16..])));
        let old = format!("{:016x}", now() - NONCE_LIFETIME_SECS - 10);
        assert!(!k.valid(&format!("{old}{}", k.mac(now() - NONCE_LIFETIME_SECS - 10))));
    }
}
