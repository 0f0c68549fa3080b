//! When is an inventory's model name a listed one?
//!
//! Camera models are written inconsistently: `DS-2CD2143G2-I`, `ds 2cd2143g2 i`,
//! `HIKVISION DS-2CD2143G2-I`. The rules:
//!
//! 1. ASCII case does not matter, and neither does the *kind* of separator: every run of
//!    characters that are not letters or digits (space, `-`, `_`, `.`, `/`, brackets …) is one
//!    separator. Where separators stand still matters: `DS2CD2143G2I` is not `DS-2CD2143G2-I`.
//! 2. A leading vendor name (the entry's vendor, or its first word) is ignored.
//! 3. Every letter and digit of the designation counts: `DS-2CD2143G2-IS` is *not*
//!    `DS-2CD2143G2-I`, because vendors use suffix letters for different hardware. Variant
//!    suffixes that do not change the model (lens, region, colour codes) match only when the
//!    entry lists them as a pattern (`variants = ["DS-2CD2143G2-I(*MM)"]` for lens codes such as
//!    `(2.8mm)`), where `*` is any run of characters and `?` one character, matched against the
//!    canonical forms. Since separator kinds carry no meaning, `X(*)` admits any extra word
//!    after `X` (`X/US` as well as `X(4mm)`); write the code's shape into the pattern.

/// Longest model or vendor name considered; longer text never matches.
const MAX_NAME_CHARS: usize = 256;

/// The canonical form: upper-case letters and digits, runs of anything else as one `-`, no
/// leading or trailing separator. `*` and `?` are separators here (see [`canonical_pattern`]).
pub fn canonical(name: &str) -> String {
    canonicalise(name, false)
}

/// The canonical form of a variant pattern: like [`canonical`], but `*` and `?` are kept as
/// wildcards (a wildcard next to a separator keeps the separator).
pub fn canonical_pattern(pattern: &str) -> String {
    canonicalise(pattern, true)
}

fn canonicalise(name: &str, wildcards: bool) -> String {
    let mut out = String::with_capacity(name.len().min(MAX_NAME_CHARS));
    let mut pending_sep = false;
    for c in name.chars().take(MAX_NAME_CHARS) {
        let keep = c.is_ascii_alphanumeric() || (wildcards && (c == '*' || c == '?'));
        if keep {
            if pending_sep && !out.is_empty() {
                out.push('-');
            }
            pending_sep = false;
            out.push(c.to_ascii_uppercase());
        } else {
            pending_sep = true;
        }
    }
    out
}

/// Whether two vendor names denote the same vendor: equal canonical forms, or one is the
/// other's first word(s) (`Hikvision` and `Hikvision Digital Technology`).
pub fn same_vendor(a: &str, b: &str) -> bool {
    same_canonical_vendor(&canonical(a), &canonical(b))
}

/// [`same_vendor`] on canonical names.
pub(crate) fn same_canonical_vendor(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long == short
        || long
            .strip_prefix(short)
            .is_some_and(|rest| rest.starts_with('-'))
}

/// The first word of a canonical name.
pub(crate) fn first_word(canonical: &str) -> &str {
    canonical.split('-').next().unwrap_or_default()
}

/// The canonical model without a leading vendor name (the whole vendor name or its first word).
pub fn without_vendor(model: &str, vendor: &str) -> String {
    strip_vendor(&canonical(model), &canonical(vendor)).to_string()
}

/// A canonical name without a leading canonical vendor name or its first word (`None` when it
/// has neither).
fn strip_vendor_prefix<'a>(name: &'a str, vendor: &str) -> Option<&'a str> {
    [vendor, first_word(vendor)]
        .into_iter()
        .filter(|p| !p.is_empty())
        .find_map(|p| name.strip_prefix(p).and_then(|r| r.strip_prefix('-')))
}

/// [`without_vendor`] on canonical names.
pub(crate) fn strip_vendor<'a>(name: &'a str, vendor: &str) -> &'a str {
    strip_vendor_prefix(name, vendor).unwrap_or(name)
}

/// A listed model and its variant patterns in canonical form, computed once per entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prepared {
    /// Canonical listed model.
    pub listed: String,
    /// Canonical variant patterns.
    pub variants: Vec<String>,
}

impl Prepared {
    pub(crate) fn new(listed: &str, variants: &[String]) -> Prepared {
        Prepared {
            listed: canonical(listed),
            variants: variants.iter().map(|v| canonical_pattern(v)).collect(),
        }
    }

    /// [`model_matches`] with the device's canonical vendor and its canonical model stripped
    /// of that vendor (`m`, not empty).
    pub(crate) fn matches(&self, vendor: &str, m: &str) -> bool {
        m == strip_vendor(&self.listed, vendor)
            || self
                .variants
                .iter()
                .any(|p| glob(p, m) || strip_vendor_prefix(p, vendor).is_some_and(|p| glob(p, m)))
    }
}

/// The canonical model of a device without its vendor prefix; `None` when too long or empty.
pub(crate) fn device_model(vendor: &str, model: &str) -> Option<String> {
    if model.chars().count() > MAX_NAME_CHARS {
        return None;
    }
    let m = strip_vendor(&canonical(model), vendor).to_string();
    (!m.is_empty()).then_some(m)
}

/// Whether the model `model` (of vendor `vendor`) is the listed model `listed` or one of its
/// documented `variants`.
pub fn model_matches(listed: &str, variants: &[String], vendor: &str, model: &str) -> bool {
    let v = canonical(vendor);
    device_model(&v, model).is_some_and(|m| Prepared::new(listed, variants).matches(&v, &m))
}

/// `*`/`?` match of canonical strings, byte by byte ([`wildcard_match`]).
fn glob(pattern: &str, text: &str) -> bool {
    wildcard_match(pattern.as_bytes(), text.as_bytes())
}

/// Whether `text` matches `pattern`, where `*` in the pattern stands for any run of items and
/// `?` for one item (items are bytes or chars; no case folding). Linear-time two-pointer
/// match with one backtrack point, so hostile patterns cannot blow up.
pub fn wildcard_match<T: Copy + PartialEq + From<u8>>(pattern: &[T], text: &[T]) -> bool {
    let (p, t) = (pattern, text);
    let (any_run, any_one) = (T::from(b'*'), T::from(b'?'));
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == any_one || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == any_run {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == any_run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn is(listed: &str, variants: &[&str], model: &str) -> bool {
        let variants: Vec<String> = variants.iter().map(|s| s.to_string()).collect();
        model_matches(listed, &variants, "Hikvision", model)
    }

    #[test]
    fn case_separators_and_vendor_prefix_do_not_matter() {
        for model in [
            "DS-2CD2143G2-I",
            "ds 2cd2143g2 i",
            "ds_2cd2143g2_i",
            " DS--2CD2143G2 - I ",
            "HIKVISION DS-2CD2143G2-I",
            "Hikvision-ds-2cd2143g2-i",
        ] {
            assert!(is("DS-2CD2143G2-I", &[], model), "{model}");
        }
    }

    #[test]
    fn suffix_letters_make_another_model() {
        for model in [
            "DS-2CD2143G2-IS",
            "HIKVISION DS-2CD2143G2-IS",
            "DS-2CD2143G2-IU",
            "DS-2CD2143G0-I",
            "DS-2CD2143G2",
            "DS2CD2143G2I",
            "",
            "HIKVISION",
        ] {
            assert!(!is("DS-2CD2143G2-I", &[], model), "{model}");
        }
    }

    #[test]
    fn listed_variant_patterns_admit_lens_and_region_codes_only() {
        // Separator kinds carry no meaning, so `(*)` would admit any extra word (`/US` too);
        // a lens code is written as the pattern `(*MM)`.
        let variants = ["DS-2CD2143G2-I(*MM)", "DS-2CD2143G2-I/EU"];
        for model in [
            "DS-2CD2143G2-I(2.8mm)",
            "DS-2CD2143G2-I (4MM)",
            "ds-2cd2143g2-i/eu",
            "HIKVISION DS-2CD2143G2-I(2.8mm)",
        ] {
            assert!(is("DS-2CD2143G2-I", &variants, model), "{model}");
        }
        for model in [
            "DS-2CD2143G2-IS",
            "DS-2CD2143G2-IS(2.8mm)",
            "DS-2CD2143G2-I/US",
        ] {
            assert!(!is("DS-2CD2143G2-I", &variants, model), "{model}");
        }
        // A pattern written with the vendor name works too.
        assert!(is("X", &["Hikvision DS-2CD2?43G2-I"], "DS-2CD2343G2-I"));
    }

    #[test]
    fn vendors_compare_by_name_or_first_word() {
        assert!(same_vendor("Hikvision", "HIKVISION"));
        assert!(same_vendor(
            "Hikvision",
            "Hikvision Digital Technology Co., Ltd."
        ));
        assert!(same_vendor("TP-Link", "tp link"));
        assert!(!same_vendor("Hik", "Hikvision"));
        assert!(!same_vendor("Dahua", "Hikvision"));
        assert!(!same_vendor("", ""));
    }

    fn separator() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![Just(' '), Just('-'), Just('_'), Just('.')],
            1..3,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    fn token() -> impl Strategy<Value = String> {
        "[A-Z0-9]{1,8}"
    }

    proptest! {
        /// Any choice of case and separator kind gives the same model; a vendor prefix is
        /// ignored.
        #[test]
        fn spelling_variants_match(
            tokens in proptest::collection::vec(token(), 1..5),
            seps in proptest::collection::vec(separator(), 4),
            lower in proptest::collection::vec(any::<bool>(), 5),
            prefix in any::<bool>(),
        ) {
            let listed = tokens.join("-");
            let mut written = String::new();
            if prefix {
                written.push_str("HikVision ");
            }
            for (i, t) in tokens.iter().enumerate() {
                if i > 0 {
                    written.push_str(&seps[i - 1]);
                }
                written.push_str(&if lower[i] { t.to_lowercase() } else { t.clone() });
            }
            prop_assert!(model_matches(&listed, &[], "Hikvision", &written), "{listed} vs {written}");
            prop_assert_eq!(canonical(&canonical(&written)), canonical(&written));
        }

        /// An extra suffix (letters or digits) is a different model unless a variant admits it.
        #[test]
        fn a_suffix_is_another_model(
            tokens in proptest::collection::vec(token(), 1..5),
            suffix in "[A-Z0-9]{1,3}",
            glued in any::<bool>(),
        ) {
            let listed = tokens.join("-");
            let model = if glued { format!("{listed}{suffix}") } else { format!("{listed}-{suffix}") };
            prop_assert!(!model_matches(&listed, &[], "Hikvision", &model));
            let with_variant = vec![format!("{listed}-*")];
            prop_assert_eq!(model_matches(&listed, &with_variant, "Hikvision", &model), !glued);
        }

        /// Hostile text never panics and never matches an unrelated listed model.
        #[test]
        fn hostile_text_never_panics(text in ".{0,300}", pat in ".{0,60}") {
            let _ = model_matches(&text, std::slice::from_ref(&pat), &text, &text);
            let _ = same_vendor(&text, &pat);
            prop_assert!(canonical(&text).len() <= 2 * MAX_NAME_CHARS);
        }
    }
}
