//! Plain data types that flow between camguard's pipeline stages.
//!
//! ```text
//! targets ─► discovery ─► probes ─► identification ─► checks ─► verdicts ─► store ─► reports
//! ```
//!
//! Every stage consumes the previous stage's types and produces its own; no stage reaches back.
//! All types are `serde` serialisable because they are also the JSON Lines output of
//! `camguard scan` and the rows of the store.

pub mod identity;
pub mod intrusive;
pub mod observation;
pub mod verdict;

pub use identity::{DeviceType, FingerprintInput, Identity};
pub use intrusive::{
    CveConfirmation, EnumerationResponse, EnumerationTest, LockoutTest, LoginAttemptRecord,
    ProbeStep,
};
pub use observation::{
    AnonymousMedia, P2pObservation, SnapshotObservation, SnapshotPathResult, SnmpObservation,
    SshHostKey,
};
pub use observation::{
    AuthScheme, BannerObservation, CertificateInfo, CredentialAttempt, DeviceInfo,
    DiscoveryObservation, Endpoint, EndpointState, HostObservation, HttpObservation, MediaProof,
    OnvifObservation, RtspObservation, RtspPathResult, Service, TlsObservation,
    VendorPortObservation,
};
pub use verdict::{DeviceRecord, Finding, ProvisionVerdict, Severity, VerdictStatus};

/// Mask a secret for evidence: keep the first character and the length, hide the rest.
///
/// Evidence stored by camguard must never contain a usable credential.
pub fn redact_secret(secret: &str) -> String {
    let mut chars = secret.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => format!("{first}{}", "*".repeat(chars.count())),
    }
}

/// Recorded in place of a redacted password when a service let the user in without any
/// password (SSH `none` authentication): no password was sent or needed.
pub const NO_PASSWORD: &str = "(none)";

/// Make an untrusted string from the network safe to store and print: invalid UTF-8 is
/// replaced, control characters other than tab and newline are escaped, and the result is
/// truncated to `max_chars` characters.
pub fn sanitize_text(bytes: &[u8], max_chars: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count >= max_chars {
            out.push('…');
            break;
        }
        match c {
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32 & 0xff)),
            c => out.push(c),
        }
    }
    out
}

/// A text in both of camguard's languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Localized {
    /// English.
    pub en: String,
    /// Vietnamese.
    pub vi: String,
}

impl Localized {
    /// The text in `lang` (`"vi"` or anything else for English).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "vi" {
            &self.vi
        } else {
            &self.en
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_all_but_first_char() {
        assert_eq!(redact_secret("12345"), "1****");
        assert_eq!(redact_secret(""), "");
        assert_eq!(redact_secret("ä"), "ä");
    }

    #[test]
    fn sanitize_escapes_controls_and_truncates() {
        assert_eq!(sanitize_text(b"a\x1b[31mb", 100), "a\\x1b[31mb");
        assert_eq!(sanitize_text(b"abcdef", 3), "abc…");
        assert_eq!(sanitize_text(&[0xff, b'x'], 10), "\u{fffd}x");
    }
}
