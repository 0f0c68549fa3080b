//! Case-insensitive model patterns: `*` any run of characters, `?` one character.

/// Whether `text` matches `pattern` (ASCII case-insensitive). Linear-time two-pointer match
/// with one backtrack point ([`camguard_registry::model_name::wildcard_match`]), so hostile
/// patterns or models cannot blow up.
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().map(|c| c.to_ascii_lowercase()).collect();
    let t: Vec<char> = text
        .trim()
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    camguard_registry::model_name::wildcard_match(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn camera_model_patterns() {
        assert!(matches("DS-2CD2??2F-I*", "DS-2CD2032F-I"));
        assert!(matches("DS-2CD2??2F-I*", "ds-2cd2132f-is"));
        assert!(!matches("DS-2CD2??2F-I*", "DS-2CD2143G0-I"));
        assert!(matches("IPC-H*W2*", "IPC-HDBW2431E-S-S2"));
        assert!(!matches("IPC-H*W2*", "IPC-HFW1230S-S5"));
        assert!(matches("*", ""));
        assert!(matches("Tapo C200", "TAPO C200"));
        assert!(!matches("Tapo C200", "Tapo C2000"));
        assert!(!matches("a", ""));
    }

    #[test]
    fn many_stars_stay_fast() {
        let pattern = "*a".repeat(200) + "b";
        let text = "a".repeat(5000);
        assert!(!matches(&pattern, &text));
    }
}
