//! Passwords (argon2id), random secrets and the SHA-256 digests under which session ids and
//! API tokens are stored.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::Rng;
use sha2::{Digest, Sha256};

/// Characters of generated passwords: letters, digits and a few specials that survive shells.
const PASSWORD_CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!@#%+=";

/// Hash a password as an argon2id PHC string.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// True when `password` matches the PHC string `hash` (a malformed hash never matches).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random password of `len` characters (at least 4) with upper- and lower-case letters,
/// digits and special characters, so that it passes the policy camguard enforces.
pub fn random_password(len: usize) -> String {
    let len = len.max(4);
    let mut rng = rand::rngs::OsRng;
    loop {
        let p: String = (0..len)
            .map(|_| char::from(PASSWORD_CHARS[rng.gen_range(0..PASSWORD_CHARS.len())]))
            .collect();
        let all = p.chars().any(|c| c.is_ascii_lowercase())
            && p.chars().any(|c| c.is_ascii_uppercase())
            && p.chars().any(|c| c.is_ascii_digit())
            && p.chars().any(|c| !c.is_ascii_alphanumeric());
        if all {
            return p;
        }
    }
}

/// A random URL-safe secret of 32 bytes (session ids, CSRF tokens, API tokens).
pub fn random_token() -> String {
    use base64::Engine as _;
    let bytes: [u8; 32] = rand::rngs::OsRng.gen();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a secret, hex: what the database keeps instead of the secret.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compare two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2_round_trip_and_wrong_password() {
        let h = hash_password("S3cret!pass").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("S3cret!pass", &h));
        assert!(!verify_password("s3cret!pass", &h));
        assert!(!verify_password("S3cret!pass", "not a hash"));
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        let policy = crate::policy::Policy::builtin();
        for _ in 0..50 {
            let p = random_password(20);
            assert_eq!(p.chars().count(), 20);
            assert_eq!(policy.password_problem(&p), None, "{p}");
        }
        assert_ne!(random_password(20), random_password(20));
    }

    #[test]
    fn tokens_are_random_and_digests_fixed_width() {
        assert_ne!(random_token(), random_token());
        assert_eq!(digest("x").len(), 64);
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
