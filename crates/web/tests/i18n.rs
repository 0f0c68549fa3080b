//! The dashboard's strings: English and Vietnamese have the same keys, and every key a page
//! asks for (`t.t("…")`, `s.t("…")`, `t.label("kind", …)` codes) exists in both.

use std::collections::BTreeSet;
use std::path::Path;

fn keys(lang: &str) -> BTreeSet<String> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../data/i18n/web-{lang}.toml"));
    let text = std::fs::read_to_string(&path).expect("strings file");
    let table: toml::Table =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for (k, v) in &table {
        assert!(
            v.as_str().is_some_and(|s| !s.trim().is_empty()),
            "{lang}: {k} is empty"
        );
    }
    table.keys().cloned().collect()
}

/// Keys the page code asks for with a literal: `t.t("key")` / `s.t("key")`.
fn used_keys() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut used = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for marker in ["t.t(\"", "s.t(\""] {
            for part in text.split(marker).skip(1) {
                if let Some(key) = part.split('"').next() {
                    used.insert(key.to_owned());
                }
            }
        }
    }
    used
}

#[test]
fn both_languages_have_the_same_keys_and_every_key_the_pages_use() {
    let (en, vi) = (keys("en"), keys("vi"));
    let only_en: Vec<_> = en.difference(&vi).collect();
    let only_vi: Vec<_> = vi.difference(&en).collect();
    assert!(
        only_en.is_empty() && only_vi.is_empty(),
        "only en: {only_en:?}, only vi: {only_vi:?}"
    );
    let used = used_keys();
    assert!(
        used.len() > 50,
        "the scan of the page code found {} keys",
        used.len()
    );
    let missing: Vec<_> = used.difference(&en).collect();
    assert!(
        missing.is_empty(),
        "keys the pages use but the strings lack: {missing:?}"
    );
    // Status and severity labels.
    for code in [
        "fail",
        "pass",
        "not_verifiable_remotely",
        "not_tested",
        "attested_pass",
        "attested_fail",
    ] {
        assert!(en.contains(&format!("verdict_{code}")), "verdict_{code}");
    }
    for code in ["queued", "running", "finished", "failed", "cancelled"] {
        assert!(en.contains(&format!("job_{code}")), "job_{code}");
    }
    for code in ["critical", "high", "medium", "low", "info"] {
        assert!(en.contains(&format!("severity_{code}")), "severity_{code}");
    }
}

/// Every problem code of the table has its text in both languages (a Vietnamese text that is
/// not the English one), is in the OpenAPI document's enum of codes, and no string or enum
/// entry names a code the table lacks.
#[test]
fn every_problem_code_is_translated_and_documented() {
    use camguard_web::error::Problem;
    let table: BTreeSet<String> = Problem::ALL.iter().map(|p| p.code().to_owned()).collect();
    assert!(table.len() >= 20, "{table:?}");
    let read = |lang: &str| -> toml::Table {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../data/i18n/web-{lang}.toml"));
        toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let (en, vi) = (read("en"), read("vi"));
    for code in &table {
        let key = format!("problem_{}", code.replace('-', "_"));
        let e = en.get(&key).and_then(|v| v.as_str());
        let v = vi.get(&key).and_then(|v| v.as_str());
        assert!(
            e.is_some_and(|s| !s.is_empty()),
            "{code}: no English text ({key})"
        );
        assert!(
            v.is_some_and(|s| !s.is_empty()),
            "{code}: no Vietnamese text ({key})"
        );
        assert_ne!(e, v, "{code}: the Vietnamese text is the English one");
    }
    for (lang, strings) in [("en", &en), ("vi", &vi)] {
        for key in strings.keys().filter_map(|k| k.strip_prefix("problem_")) {
            assert!(
                table.contains(&key.replace('_', "-")),
                "{lang}: problem_{key} names no code of the table"
            );
        }
    }
    let doc = camguard_web::openapi::document();
    let documented: BTreeSet<String> = doc["components"]["schemas"]["Problem"]["properties"]
        ["code"]["enum"]
        .as_array()
        .expect("an enum of codes")
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(documented, table);
}
