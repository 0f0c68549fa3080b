//! Thresholds and lists of the communication and attack-surface checks, as data
//! (`data/checks/policy.toml`).

use serde::Deserialize;
use std::sync::OnceLock;

/// The policy shipped inside the binary.
const BUILTIN_TOML: &str = include_str!("../../../data/checks/policy.toml");

/// Versions that must not be accepted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LegacyVersions {
    /// Labels as the TLS probe records them (`SSL3`, `TLS1.0`, …).
    pub versions: Vec<String>,
    #[allow(dead_code)]
    source: String,
}

/// One weak cipher-suite rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WeakCipher {
    /// Short id, kept in evidence.
    pub id: String,
    /// Tokens that must all appear in the suite name.
    pub tokens: Vec<String>,
    /// Token the suite name must end with, if any.
    #[serde(default)]
    pub last: Option<String>,
    /// Why the suite is weak (kept in evidence).
    pub reason: String,
    #[allow(dead_code)]
    source: String,
}

impl WeakCipher {
    fn matches(&self, tokens: &[&str]) -> bool {
        self.tokens.iter().all(|t| tokens.contains(&t.as_str()))
            && self
                .last
                .as_deref()
                .is_none_or(|l| tokens.last() == Some(&l))
    }
}

/// Smallest acceptable key of one type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MinKey {
    /// `rsa`, `dsa`, `ec` (as the certificate parser names them).
    pub key_type: String,
    /// Smallest acceptable size in bits.
    pub bits: u32,
    #[allow(dead_code)]
    source: String,
}

/// RTSPS ports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rtsps {
    /// Ports where RTSP over TLS is served.
    pub ports: Vec<u16>,
    #[allow(dead_code)]
    source: String,
}

/// A vendor private protocol.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VendorProtocol {
    /// Protocol name as the scanner records it.
    pub protocol: String,
    /// Vendor whose protocol it is.
    pub vendor: String,
    /// Default port.
    #[allow(dead_code)]
    pub port: u16,
    #[allow(dead_code)]
    source: String,
}

/// Firmware-version tokens in banners.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BannerVersion {
    /// Fewest dot-separated numeric parts of a firmware version.
    pub min_parts: usize,
    #[allow(dead_code)]
    source: String,
}

/// Decision 724's brute-force protection thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockoutPolicy {
    /// Failed logins after which the account must be locked.
    pub failures: u32,
    /// Window those failures fall in, seconds.
    pub window_secs: u64,
    /// How long the lock must last, seconds.
    pub lock_secs: u64,
    /// Where the thresholds come from.
    pub source: String,
}

/// The lockout thresholds of the embedded policy (`[lockout]` of `data/checks/policy.toml`);
/// the CLI hands them to the scanner's lockout test.
pub fn lockout_policy() -> &'static LockoutPolicy {
    &Policy::builtin().lockout
}

/// The whole policy file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Policy {
    pub legacy_versions: LegacyVersions,
    pub weak_cipher: Vec<WeakCipher>,
    pub min_key_bits: Vec<MinKey>,
    pub rtsps: Rtsps,
    pub vendor_protocol: Vec<VendorProtocol>,
    pub banner_version: BannerVersion,
    pub lockout: LockoutPolicy,
}

impl Policy {
    /// The embedded policy (validated by this module's tests).
    pub(crate) fn builtin() -> &'static Policy {
        static BUILTIN: OnceLock<Policy> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            toml::from_str(BUILTIN_TOML)
                .unwrap_or_else(|e| panic!("embedded data/checks/policy.toml is invalid: {e}"))
        })
    }

    /// The weak-cipher rules an IANA suite name matches (empty: not weak).
    pub(crate) fn weak_cipher(&self, suite: &str) -> Vec<&WeakCipher> {
        let tokens: Vec<&str> = suite.split('_').collect();
        self.weak_cipher
            .iter()
            .filter(|r| r.matches(&tokens))
            .collect()
    }

    /// Smallest acceptable key size for `key_type`, if the policy has one.
    pub(crate) fn min_key_bits(&self, key_type: &str) -> Option<u32> {
        self.min_key_bits
            .iter()
            .find(|k| k.key_type.eq_ignore_ascii_case(key_type))
            .map(|k| k.bits)
    }

    /// The vendor private protocol named `protocol`, if it is one.
    pub(crate) fn vendor_protocol(&self, protocol: &str) -> Option<&VendorProtocol> {
        self.vendor_protocol.iter().find(|v| v.protocol == protocol)
    }

    /// True when `banner` holds a firmware-like version (`a.b.c…`).
    pub(crate) fn banner_has_version(&self, banner: &str) -> Option<String> {
        banner
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .map(|t| t.trim_matches('.'))
            .find(|t| {
                let parts: Vec<&str> = t.split('.').collect();
                parts.len() >= self.banner_version.min_parts && parts.iter().all(|p| !p.is_empty())
            })
            .map(|t| t.chars().take(40).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weak_ids(suite: &str) -> Vec<&'static str> {
        Policy::builtin()
            .weak_cipher(suite)
            .into_iter()
            .map(|r| r.id.as_str())
            .collect()
    }

    #[test]
    fn documented_cipher_policy() {
        assert_eq!(weak_ids("TLS_RSA_WITH_RC4_128_MD5"), ["rc4", "md5"]);
        assert_eq!(weak_ids("TLS_RSA_WITH_RC4_128_SHA"), ["rc4"]);
        assert_eq!(
            weak_ids("TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
            ["3des", "cbc_sha1"]
        );
        assert_eq!(weak_ids("TLS_RSA_WITH_AES_128_CBC_SHA"), ["cbc_sha1"]);
        assert_eq!(weak_ids("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"), ["cbc_sha1"]);
        assert_eq!(weak_ids("TLS_RSA_WITH_NULL_SHA256"), ["null"]);
        assert_eq!(
            weak_ids("TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"),
            ["export", "cbc_sha1"]
        );
        assert_eq!(weak_ids("TLS_DH_anon_WITH_AES_128_GCM_SHA256"), ["anon"]);
        // CBC with SHA-256 and every AEAD suite pass.
        assert!(weak_ids("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256").is_empty());
        assert!(weak_ids("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").is_empty());
        assert!(weak_ids("TLS_AES_128_GCM_SHA256").is_empty());
        assert!(weak_ids("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256").is_empty());
    }

    #[test]
    fn key_minimums_and_vendor_protocols() {
        let p = Policy::builtin();
        assert_eq!(p.min_key_bits("RSA"), Some(2048));
        assert_eq!(p.min_key_bits("ec"), Some(224));
        assert_eq!(p.min_key_bits("ed25519"), None);
        assert_eq!(
            p.vendor_protocol("xiongmai_sofia")
                .map(|v| v.vendor.as_str()),
            Some("Xiongmai")
        );
        assert!(p.vendor_protocol("rtmp").is_none());
        assert!(p.legacy_versions.versions.contains(&"TLS1.1".to_string()));
        assert_eq!(p.rtsps.ports, [322]);
    }

    #[test]
    fn banner_versions_need_three_numeric_parts() {
        let p = Policy::builtin();
        assert_eq!(
            p.banner_has_version("220 AXIS M3045-V Network Camera 5.40.9.2 (Oct 15 2019) ready.")
                .as_deref(),
            Some("5.40.9.2")
        );
        assert_eq!(p.banner_has_version("SSH-2.0-dropbear_2019.78"), None);
        assert_eq!(p.banner_has_version("(none) login: "), None);
        assert_eq!(p.banner_has_version("v1..2.3"), None);
        assert_eq!(p.banner_has_version("...."), None);
    }
}
