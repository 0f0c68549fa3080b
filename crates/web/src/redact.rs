//! What viewers may not see: findings' evidence, and the account names and password fragments
//! that credential findings quote in their summaries (`accepted the default credential
//! "admin" / "1****"`). Auditors and administrators see both (the evidence is already redacted
//! by the scanner).

use camguard_model::Finding;

/// Evidence keys that name an account or carry (part of) a password.
const CREDENTIAL_KEYS: &[&str] = &["username", "user", "password", "password_redacted"];

/// True when the finding's evidence names an account or a password.
pub fn carries_credentials(f: &Finding) -> bool {
    f.evidence
        .as_object()
        .is_some_and(|m| CREDENTIAL_KEYS.iter().any(|k| m.contains_key(*k)))
}

/// The summary a viewer may read: the check's title (in `lang`) and port instead of a summary
/// that quotes credentials; otherwise the summary itself.
pub fn viewer_summary(f: &Finding, lang: &str) -> String {
    if !carries_credentials(f) {
        return f.summary.clone();
    }
    let title = camguard_checks::Catalogue::builtin()
        .get(&f.check_id)
        .map_or_else(
            || f.check_id.clone(),
            |c| {
                if lang == "en" {
                    c.title.en.clone()
                } else {
                    c.title.vi.clone()
                }
            },
        );
    match f.port {
        Some(p) => format!("{title} (port {p})"),
        None => title,
    }
}

/// The finding as a viewer gets it: no evidence, no quoted credentials.
pub fn for_viewer(f: &mut Finding, lang: &str) {
    f.summary = viewer_summary(f, lang);
    f.evidence = serde_json::Value::Null;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn finding(evidence: serde_json::Value) -> Finding {
        serde_json::from_value(json!({"check_id": "AUTH.DEFAULT_CRED", "severity": "critical",
            "port": 554, "summary": "rtsp on port 554 accepted the default credential \"admin\" / \"1****\"",
            "evidence": evidence}))
        .unwrap()
    }

    #[test]
    fn credential_summaries_become_the_title_for_viewers() {
        let mut f = finding(json!({"username": "admin", "password_redacted": "1****"}));
        for_viewer(&mut f, "en");
        assert!(
            !f.summary.contains("admin") && !f.summary.contains("1****"),
            "{}",
            f.summary
        );
        assert!(f.summary.ends_with("(port 554)"), "{}", f.summary);
        assert!(f.evidence.is_null());
    }

    #[test]
    fn other_summaries_stay() {
        let f = finding(json!({"path": "/onvif"}));
        assert_eq!(viewer_summary(&f, "vi"), f.summary);
    }
}
