//! `Engine::load_text`: one rule file's text loaded as `load_dir` loads a file (used by the
//! `rule_files` fuzz target).

use camguard_fingerprint::{Engine, FingerprintError, RuleFileKind, BUILTIN_RULE_FILES};

#[test]
fn load_text_accepts_shipped_and_recog_files_and_rejects_broken_ones() {
    let (name, text) = BUILTIN_RULE_FILES
        .iter()
        .find(|(n, _)| *n == "hikvision.toml")
        .expect("hikvision.toml is shipped");
    let mut engine = Engine::empty();
    let report = engine.load_text(name, RuleFileKind::Toml, text).unwrap();
    assert!(report.rules > 5, "{report:?}");

    let recog = include_str!("fixtures/recog/good/http_server.xml");
    let report = Engine::empty()
        .load_text("http_server.xml", RuleFileKind::RecogXml, recog)
        .unwrap();
    assert!(report.rules > 0, "{report:?}");

    let mut engine = Engine::empty();
    let e = engine
        .load_text("bad.toml", RuleFileKind::Toml, "[[rule]]\nid = 3\n")
        .unwrap_err();
    assert!(e.to_string().contains("bad.toml"), "{e}");
    assert!(Engine::empty()
        .load_text("bad.xml", RuleFileKind::RecogXml, "<fingerprints><")
        .is_err());
    let huge = "#".repeat(4 * 1024 * 1024 + 1);
    assert!(matches!(
        Engine::empty().load_text("huge.toml", RuleFileKind::Toml, &huge),
        Err(FingerprintError::TooLarge { .. })
    ));
}
