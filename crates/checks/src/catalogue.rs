//! The check catalogue: what each check means, as data (`data/checks/checks.toml`).

use camguard_model::{Localized, Severity};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The catalogue shipped inside the binary.
const BUILTIN_TOML: &str = include_str!("../../../data/checks/checks.toml");

/// Whether a check only reads what the probes saw anyway, or needed intrusive probing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Safety {
    /// Non-intrusive; runs by default.
    Safe,
    /// Relies on intrusive probing (credential attempts); runs only when enabled.
    Intrusive,
}

/// Whether a check judges one host or compares hosts of one scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Judges one host's observations ([`crate::run_checks`]).
    #[default]
    Host,
    /// Compares the hosts of one scan ([`crate::fleet`]); runs after the scan.
    Fleet,
}

/// One check as described by the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    /// Stable id, e.g. `AUTH.DEFAULT_CRED`.
    pub id: String,
    /// Severity given to every finding of this check.
    pub severity: Severity,
    /// Safe or intrusive.
    pub safety: Safety,
    /// Host (default) or fleet.
    #[serde(default)]
    pub scope: Scope,
    /// The scan flag that enables this intrusive check's own probe (e.g.
    /// `--lockout-test-account`). Such a check runs when its observation is present, without
    /// needing the credential checks' [`crate::CheckOptions::intrusive`].
    #[serde(default)]
    pub opt_in: Option<String>,
    /// Short title.
    pub title: Localized,
    /// What the finding means.
    pub description: Localized,
    /// What the owner should do.
    pub remediation: Localized,
    /// CVSS-style one-line reasoning for the severity.
    pub cvss_rationale: String,
    /// What evidence a finding keeps, and what is redacted.
    pub evidence: String,
    /// Provenance of the facts behind the check.
    pub source: String,
}

/// Why a catalogue could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The text is not valid TOML of the expected shape.
    #[error("check catalogue: {0}")]
    Parse(#[from] toml::de::Error),
    /// The TOML parsed but breaks a rule of the catalogue.
    #[error("check catalogue: check {id:?}: {reason}")]
    Invalid {
        /// Id of the offending check (may be empty).
        id: String,
        /// What is wrong.
        reason: String,
    },
}

/// Every check camguard knows, in catalogue order.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    checks: Vec<CheckDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    check: Vec<CheckDef>,
}

impl Catalogue {
    /// The catalogue embedded in the binary.
    ///
    /// The embedded file is validated by this crate's tests, so parsing it cannot fail in a
    /// released build.
    pub fn builtin() -> &'static Catalogue {
        static BUILTIN: OnceLock<Catalogue> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Catalogue::from_toml(BUILTIN_TOML)
                .unwrap_or_else(|e| panic!("embedded data/checks/checks.toml is invalid: {e}"))
        })
    }

    /// Parse and validate a catalogue in the format of `data/checks/checks.toml`.
    pub fn from_toml(text: &str) -> Result<Catalogue, CatalogueError> {
        let file: CatalogueFile = toml::from_str(text)?;
        let mut seen = HashSet::new();
        for def in &file.check {
            validate(def)?;
            if !seen.insert(def.id.as_str()) {
                return Err(invalid(def, "duplicate id"));
            }
        }
        Ok(Catalogue { checks: file.check })
    }

    /// The check with this id.
    pub fn get(&self, id: &str) -> Option<&CheckDef> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// All checks, in catalogue order.
    pub fn all(&self) -> &[CheckDef] {
        &self.checks
    }
}

fn invalid(def: &CheckDef, reason: &str) -> CatalogueError {
    CatalogueError::Invalid {
        id: def.id.clone(),
        reason: reason.to_string(),
    }
}

fn validate(def: &CheckDef) -> Result<(), CatalogueError> {
    if def.id.is_empty() || def.id.chars().any(|c| c.is_whitespace()) {
        return Err(invalid(def, "id must be non-empty and without spaces"));
    }
    if def.opt_in.as_deref().is_some_and(|f| !f.starts_with("--")) {
        return Err(invalid(def, "opt_in must name a scan flag (--…)"));
    }
    if def.opt_in.is_some() && def.safety != Safety::Intrusive {
        return Err(invalid(def, "opt_in is only for intrusive checks"));
    }
    let texts = [
        ("title", &def.title),
        ("description", &def.description),
        ("remediation", &def.remediation),
    ];
    for (name, text) in texts {
        if text.en.trim().is_empty() || text.vi.trim().is_empty() {
            return Err(invalid(def, &format!("{name} needs both en and vi text")));
        }
    }
    let plain = [
        ("cvss_rationale", &def.cvss_rationale),
        ("evidence", &def.evidence),
        ("source", &def.source),
    ];
    for (name, text) in plain {
        if text.trim().is_empty() {
            return Err(invalid(def, &format!("{name} is empty")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_in_checks_are_intrusive_and_name_their_flag() {
        let cat = Catalogue::builtin();
        for (id, flag) in [
            ("AUTH.NO_LOCKOUT", "--lockout-test-account"),
            ("AUTH.USER_ENUMERATION", "--check-user-enumeration"),
            ("VULN.CVE_2017_7921_CONFIRMED", "--confirm-cves"),
            ("VULN.CVE_2021_33044_CONFIRMED", "--confirm-cves"),
        ] {
            let def = cat.get(id).unwrap_or_else(|| panic!("{id} missing"));
            assert_eq!(def.safety, Safety::Intrusive, "{id}");
            assert_eq!(def.opt_in.as_deref(), Some(flag), "{id}");
        }
        let safe_with_flag = BUILTIN_TOML.replace(
            "safety = \"intrusive\"\nopt_in = \"--confirm-cves\"",
            "safety = \"safe\"\nopt_in = \"--confirm-cves\"",
        );
        assert!(Catalogue::from_toml(&safe_with_flag).is_err());
    }

    #[test]
    fn builtin_catalogue_parses_with_the_five_fixed_checks() {
        let cat = Catalogue::from_toml(BUILTIN_TOML).expect("embedded catalogue parses");
        for (id, severity, safety) in [
            ("AUTH.NO_AUTH_STREAM", Severity::Critical, Safety::Safe),
            ("SURF.ANON_DEVICEINFO", Severity::Medium, Safety::Safe),
            ("AUTH.DEFAULT_CRED", Severity::Critical, Safety::Intrusive),
            ("SURF.TELNET", Severity::High, Safety::Safe),
            ("COMM.CLEARTEXT_ADMIN", Severity::Medium, Safety::Safe),
        ] {
            let def = cat.get(id).unwrap_or_else(|| panic!("{id} missing"));
            assert_eq!(def.severity, severity, "{id}");
            assert_eq!(def.safety, safety, "{id}");
        }
        assert!(cat.get("NOPE").is_none());
        assert_eq!(Catalogue::builtin(), &cat);
    }

    #[test]
    fn surface_checks_have_their_documented_severity_and_scope() {
        let cat = Catalogue::builtin();
        for (id, severity, scope) in [
            ("COMM.BASIC_OVER_CLEARTEXT", Severity::Medium, Scope::Host),
            ("COMM.RTSP_CLEARTEXT", Severity::Low, Scope::Host),
            ("COMM.TLS_LEGACY", Severity::Medium, Scope::Host),
            ("COMM.TLS_WEAK_CIPHER", Severity::Medium, Scope::Host),
            ("COMM.CERT_EXPIRED", Severity::Low, Scope::Host),
            ("COMM.CERT_SELF_SIGNED", Severity::Info, Scope::Host),
            ("COMM.CERT_WEAK_KEY", Severity::Medium, Scope::Host),
            ("COMM.SHARED_TLS_KEY", Severity::High, Scope::Fleet),
            ("COMM.SHARED_SSH_KEY", Severity::High, Scope::Fleet),
            ("SURF.FTP", Severity::Medium, Scope::Host),
            ("SURF.SSH_EXPOSED", Severity::Low, Scope::Host),
            ("SURF.UPNP", Severity::Low, Scope::Host),
            ("SURF.WS_DISCOVERY_UNICAST", Severity::Info, Scope::Host),
            ("SURF.VENDOR_SDK_PORT", Severity::Medium, Scope::Host),
            ("SURF.ANON_DISCLOSURE", Severity::Medium, Scope::Host),
            ("AUTH.ANON_SNAPSHOT", Severity::High, Scope::Host),
            ("AUTH.ANON_MEDIA", Severity::High, Scope::Host),
            ("SURF.SNMP_PUBLIC", Severity::High, Scope::Host),
            ("SURF.P2P_CLOUD", Severity::Medium, Scope::Host),
        ] {
            let def = cat.get(id).unwrap_or_else(|| panic!("{id} missing"));
            assert_eq!((def.severity, def.scope), (severity, scope), "{id}");
            assert_eq!(def.safety, Safety::Safe, "{id}");
        }
    }

    #[test]
    fn every_check_has_vietnamese_text_with_diacritics() {
        // Vietnamese without diacritics is unreadable; every vi text must carry at least one
        // letter outside ASCII and must differ from the English text.
        for def in Catalogue::builtin().all() {
            for text in [&def.title, &def.description, &def.remediation] {
                assert!(
                    !text.vi.is_ascii(),
                    "{}: vi text lacks diacritics: {}",
                    def.id,
                    text.vi
                );
                assert_ne!(text.vi, text.en, "{}", def.id);
            }
        }
    }

    /// A valid catalogue of one check.
    const ONE: &str = r#"
[[check]]
id = "X.ONE"
severity = "low"
safety = "safe"
cvss_rationale = "r"
title = { en = "t", vi = "tê" }
description = { en = "d", vi = "đ" }
remediation = { en = "m", vi = "mờ" }
evidence = "e"
source = "s"
"#;

    #[test]
    fn duplicate_ids_are_rejected() {
        assert!(Catalogue::from_toml(ONE).is_ok());
        let err = Catalogue::from_toml(&format!("{ONE}{ONE}")).unwrap_err();
        assert!(err.to_string().contains("duplicate"), "{err}");
    }

    #[test]
    fn missing_vietnamese_and_bad_severity_are_rejected() {
        let text = &ONE.replace(r#"vi = "tê""#, r#"vi = """#);
        let err = Catalogue::from_toml(text).unwrap_err();
        assert!(err.to_string().contains("title"), "{err}");
        let bad = text.replace("\"low\"", "\"severe\"");
        assert!(matches!(
            Catalogue::from_toml(&bad),
            Err(CatalogueError::Parse(_))
        ));
    }
}
