//! Recog-format (XML) rule files: loading, mapping onto identities, refusals, verification.

use camguard_fingerprint::recog::{load_recog, parse_recog, RecogLoad};
use camguard_fingerprint::verify::verify_dir;
use camguard_fingerprint::{Engine, FingerprintError};
use camguard_model::{DeviceType, FingerprintInput};
use std::path::{Path, PathBuf};

fn fixtures(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/recog")
        .join(sub)
}

fn engine_with_good() -> Engine {
    let mut engine = Engine::builtin().unwrap();
    let report = engine.load_dir(&fixtures("good")).unwrap();
    assert_eq!(report.files, 4, "{report:?}");
    // 4 http_server fingerprints + the router + the TOML rule; OpenSSH maps onto nothing.
    assert_eq!(report.rules, 6, "{report:?}");
    assert_eq!(report.unused_fingerprints, 1, "{report:?}");
    assert_eq!(report.warnings.len(), 1, "{report:?}");
    assert!(
        report.warnings[0].contains("smb_native_os.xml")
            && report.warnings[0].contains("smb.native_os"),
        "{report:?}"
    );
    engine
}

#[test]
fn recog_fixed_params_make_a_camera_with_canonical_vendor() {
    let engine = engine_with_good();
    let id = engine.identify(&FingerprintInput {
        http_server: Some("App-webs/".into()),
        ..Default::default()
    });
    assert!(id.camera, "{id:?}");
    assert_eq!(
        id.vendor.as_deref(),
        Some("Hikvision"),
        "HIKVISION canonicalised"
    );
    assert_eq!(id.device_type, Some(DeviceType::IpCamera));
    assert!(
        id.rules.iter().any(|r| r == "recog.http_server.1"),
        "{id:?}"
    );
}

#[test]
fn recog_captures_and_interpolation_fill_model_product_firmware() {
    let engine = engine_with_good();
    let id = engine.identify(&FingerprintInput {
        http_server: Some("foocam FC-220 firmware v3.0.1 build abcdef".into()),
        ..Default::default()
    });
    assert!(id.camera);
    assert_eq!(id.vendor.as_deref(), Some("FooCam"));
    assert_eq!(id.model.as_deref(), Some("FC-220"));
    assert_eq!(id.product.as_deref(), Some("FC-220 series"));
    assert_eq!(id.firmware.as_deref(), Some("3.0.1"));
    let id = engine.identify(&FingerprintInput {
        http_server: Some("Encoder-Httpd/3.4".into()),
        ..Default::default()
    });
    assert_eq!(
        id.firmware.as_deref(),
        Some("fw 3.4"),
        "nested interpolation"
    );
    assert_eq!(id.device_type, Some(DeviceType::VideoEncoder));
}

#[test]
fn recog_router_is_evidence_against_a_camera_and_software_only_rules_add_nothing() {
    let engine = engine_with_good();
    let id = engine.identify(&FingerprintInput {
        ssh_banner: Some("ROSSSH".into()),
        ..Default::default()
    });
    assert!(!id.camera);
    assert_eq!(id.vendor.as_deref(), Some("MikroTik"));
    let id = engine.identify(&FingerprintInput {
        ssh_banner: Some("OpenSSH_9.2p1 Debian-2+deb12u3".into()),
        ..Default::default()
    });
    assert!(
        !id.rules.iter().any(|r| r.starts_with("recog.")),
        "service-only fingerprint must not become a rule: {id:?}"
    );
    assert_eq!(id.vendor, None, "OpenBSD is not the device's vendor");
}

#[test]
fn recog_examples_of_loaded_rules_hold_in_the_engine() {
    let engine = engine_with_good();
    assert_eq!(engine.verify_examples(), Vec::<String>::new());
}

#[test]
fn recog_dtd_is_rejected() {
    let xml = r#"<?xml version="1.0"?>
<!DOCTYPE fingerprints [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>
<fingerprints matches="html_title"><fingerprint pattern="x"><example>&b;</example>
<param pos="0" name="hw.vendor" value="X"/></fingerprint></fingerprints>"#;
    let err = parse_recog("dtd.xml", xml).unwrap_err();
    assert!(matches!(err, FingerprintError::Parse { .. }), "{err}");
    assert!(err.to_string().contains("dtd.xml"), "{err}");
}

#[test]
fn recog_structural_errors_name_file_and_fingerprint() {
    let err = parse_recog("a.xml", "<rules/>").unwrap_err().to_string();
    assert!(
        err.contains("a.xml") && err.contains("<fingerprints>"),
        "{err}"
    );
    let err = parse_recog("b.xml", "<fingerprints/>")
        .unwrap_err()
        .to_string();
    assert!(err.contains("matches"), "{err}");
    let xml = r#"<fingerprints matches="html_title">
        <fingerprint pattern="^a$"><example>a</example><param pos="0" name="hw.vendor" value="A"/></fingerprint>
        <fingerprint pattern="^(?=b)b$"><example>b</example><param pos="0" name="hw.vendor" value="B"/></fingerprint>
    </fingerprints>"#;
    let err = load_recog("c.xml", xml).unwrap_err().to_string();
    assert!(err.contains("c.xml") && err.contains("recog.c.2"), "{err}");
    assert!(err.contains("look-around"), "{err}");
    let xml = r#"<fingerprints matches="html_title"><fingerprint pattern="^a$"><example>a</example>
        <param pos="0" name="hw.vendor" value="{hw.nope}"/></fingerprint></fingerprints>"#;
    let err = load_recog("d.xml", xml).unwrap_err().to_string();
    assert!(err.contains("hw.nope"), "{err}");
    let xml = r#"<fingerprints matches="html_title"><fingerprint pattern="^a$"><example>a</example>
        <param pos="0" name="x" value="{y}"/><param pos="0" name="y" value="{x}"/>
        <param pos="0" name="hw.vendor" value="{x}"/></fingerprint></fingerprints>"#;
    let err = load_recog("e.xml", xml).unwrap_err().to_string();
    assert!(err.contains("cycle"), "{err}");
    let xml = r#"<fingerprints matches="html_title"><fingerprint pattern="^a$">
        <param pos="0" name="hw.vendor" value="A"/></fingerprint></fingerprints>"#;
    let err = load_recog("f.xml", xml).unwrap_err().to_string();
    assert!(err.contains("<example>"), "{err}");
    let xml = r#"<fingerprints matches="html_title"><fingerprint pattern="^(a)$"><example>a</example>
        <param pos="2" name="hw.vendor"/></fingerprint></fingerprints>"#;
    let err = load_recog("g.xml", xml).unwrap_err().to_string();
    assert!(err.contains("group 2"), "{err}");
}

#[test]
fn recog_unknown_matches_is_skipped_not_loaded() {
    let xml = r#"<fingerprints matches="mdns.device-info.txt"><fingerprint pattern="^a$">
        <example>a</example><param pos="0" name="hw.vendor" value="A"/></fingerprint></fingerprints>"#;
    match load_recog("m.xml", xml).unwrap() {
        RecogLoad::Skipped(w) => assert!(w.contains("mdns.device-info.txt"), "{w}"),
        RecogLoad::Rules(..) => panic!("must be skipped"),
    }
}

#[test]
fn recog_oversized_file_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = String::from(r#"<fingerprints matches="html_title"><!--"#);
    big.push_str(&"x".repeat(5 * 1024 * 1024));
    big.push_str("--></fingerprints>");
    std::fs::write(dir.path().join("big.xml"), big).unwrap();
    let mut engine = Engine::builtin().unwrap();
    let before = engine.rule_count();
    let err = engine.load_dir(dir.path()).unwrap_err();
    assert!(matches!(err, FingerprintError::TooLarge { .. }), "{err}");
    assert_eq!(engine.rule_count(), before);
}

#[test]
fn recog_hostile_documents_never_panic() {
    let inputs = [
        "",
        "<",
        "<fingerprints matches=\"html_title\"><fingerprint/></fingerprints>",
        "<fingerprints matches=\"html_title\"><fingerprint pattern=\"(\"><example>a</example><param pos=\"0\" name=\"hw.vendor\" value=\"A\"/></fingerprint></fingerprints>",
        "<fingerprints matches=\"html_title\"><fingerprint pattern=\"a\" certainty=\"7\"/></fingerprints>",
        "<fingerprints matches=\"html_title\"><fingerprint pattern=\"a\"><example _encoding=\"base64\">!!!</example><param pos=\"0\" name=\"hw.vendor\" value=\"{\"/></fingerprint></fingerprints>",
        "<fingerprints matches=\"html_title\"><fingerprint pattern=\"a\"><param pos=\"-1\" name=\"x\"/></fingerprint></fingerprints>",
        "\u{feff}<fingerprints matches=\"html_title\">\u{0}</fingerprints>",
    ];
    for text in inputs {
        let _ = load_recog("h.xml", text);
        if let Ok(f) = parse_recog("h.xml", text) {
            for fp in &f.fingerprints {
                let _ = fp.verify();
            }
        }
    }
}

#[test]
fn verify_passes_on_good_fixtures_and_shipped_rules() {
    let report = verify_dir(&fixtures("good")).unwrap();
    assert_eq!(report.failures, vec![], "{report:?}");
    assert_eq!(report.files, 4);
    assert_eq!(report.rules, 8, "6 http/ssh fingerprints + 1 smb + 1 toml");
    assert_eq!(report.notes.len(), 1, "{report:?}");
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/fingerprints");
    let report = verify_dir(&shipped).unwrap();
    assert_eq!(report.failures, vec![], "{report:?}");
    assert!(report.examples > report.rules, "{}", report.summary());
}

#[test]
fn verify_reports_each_failing_example_as_file_rule_message() {
    let report = verify_dir(&fixtures("failing")).unwrap();
    let lines: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    let has = |file: &str, rule: &str, text: &str| {
        lines
            .iter()
            .any(|l| l.contains(file) && l.contains(&format!(":{rule}: ")) && l.contains(text))
    };
    assert!(
        has("bad_example.toml", "fixture.html_title.wrong", "Corge"),
        "{lines:#?}"
    );
    assert!(
        has("bad_examples.xml", "recog.bad_examples.1", "does not match"),
        "{lines:#?}"
    );
    assert!(
        has(
            "bad_examples.xml",
            "recog.bad_examples.2",
            "`hw.product` expected \"B-2\", got \"B-1\""
        ),
        "{lines:#?}"
    );
    assert!(
        has(
            "bad_examples.xml",
            "recog.bad_examples.2",
            "`hw.version`, which the fingerprint does not set"
        ),
        "{lines:#?}"
    );
    assert_eq!(
        report.summary(),
        "2 files, 4 rules, 4 examples checked: 4 failures"
    );
}
