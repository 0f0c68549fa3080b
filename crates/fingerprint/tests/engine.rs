//! The engine with user rule directories: loading, errors, captures, combination, hostile
//! input.

use camguard_fingerprint::{Engine, FingerprintError, MAX_FIELD_BYTES};
use camguard_model::{DeviceType, FingerprintInput};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const ACME: &str = r#"
[[vendor]]
name = "Acme Vision"
aliases = ["ACME", "Acme Vision Ltd"]
source = "test"

[[rule]]
id = "acme.http_server"
field = "http_server"
pattern = '^AcmeCam/(?P<fw>\d+(?:\.\d+)*) \((?P<model>AC-\d+)\)'
weight = 0.6
camera = true
vendor = "acme"
model = "{model}"
firmware = "v{fw}"
device_type = "ip_camera"
source = "test"

[[rule.example]]
value = "AcmeCam/2.1.7 (AC-100)"
camera = true
vendor = "Acme Vision"
model = "AC-100"
firmware = "v2.1.7"
device_type = "ip_camera"

[[rule]]
id = "acme.title"
field = "html_title"
pattern = 'acme'
case_insensitive = true
weight = 0.5
vendor = "Acme Vision"
model = "{0}-title"
source = "test"

[[rule.example]]
value = "ACME login"
vendor = "Acme Vision"
model = "ACME-title"
"#;

fn acme_engine() -> Engine {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "acme.toml", ACME);
    write(dir.path(), "notes.txt", "not a rule file");
    let mut e = Engine::builtin().unwrap();
    let before = e.rule_count();
    assert_eq!(e.add_dir(dir.path()).unwrap(), 2);
    assert_eq!(e.rule_count(), before + 2);
    assert!(e.verify_examples().is_empty(), "{:?}", e.verify_examples());
    e
}

#[test]
fn user_rules_interpolate_captures_and_canonicalise_vendor() {
    let e = acme_engine();
    let id = e.identify(&FingerprintInput {
        http_server: Some("AcmeCam/3.0 (AC-250)".into()),
        ..Default::default()
    });
    assert!(id.camera);
    assert_eq!(id.vendor.as_deref(), Some("Acme Vision"));
    assert_eq!(id.model.as_deref(), Some("AC-250"));
    assert_eq!(id.firmware.as_deref(), Some("v3.0"));
    assert_eq!(id.device_type, Some(DeviceType::IpCamera));
    assert_eq!(id.confidence, 0.6);
    assert_eq!(id.rules, ["acme.http_server"]);
    // The ONVIF manufacturer alias from the user file applies to the built-in generic rule.
    let id = e.identify(&FingerprintInput {
        onvif_manufacturer: Some("ACME".into()),
        ..Default::default()
    });
    assert_eq!(id.vendor.as_deref(), Some("Acme Vision"));
}

#[test]
fn agreeing_rules_combine_and_strongest_rule_gives_model() {
    let e = acme_engine();
    let id = e.identify(&FingerprintInput {
        http_server: Some("AcmeCam/3.0 (AC-250)".into()),
        html_title: Some("Acme".into()),
        ..Default::default()
    });
    assert_eq!(id.confidence, 0.8, "1 - 0.4 * 0.5");
    assert_eq!(id.model.as_deref(), Some("AC-250"), "0.6 beats 0.5");
    assert_eq!(id.rules, ["acme.http_server", "acme.title"]);
}

#[test]
fn conflicting_vendors_lower_confidence() {
    let e = acme_engine();
    let alone = e.identify(&FingerprintInput {
        http_server: Some("App-webs/".into()),
        ..Default::default()
    });
    let conflict = e.identify(&FingerprintInput {
        http_server: Some("App-webs/".into()),
        html_title: Some("acme".into()),
        ..Default::default()
    });
    assert_eq!(conflict.vendor.as_deref(), Some("Hikvision"));
    assert!(conflict.confidence < alone.confidence);
    assert_eq!(
        conflict.model, None,
        "the losing vendor's model is not taken"
    );
    assert!(conflict.camera);
}

#[test]
fn broken_user_file_is_reported_by_file_and_rule_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a_good.toml", ACME);
    write(
        dir.path(),
        "b_bad.toml",
        r#"
[[rule]]
id = "bad.regex"
field = "http_server"
pattern = '(unclosed'
weight = 0.5
camera = true
source = "test"
[[rule.example]]
value = "x"
camera = true
"#,
    );
    let mut e = Engine::builtin().unwrap();
    let before = e.rule_count();
    let err = e.add_dir(dir.path()).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, FingerprintError::InvalidRule { .. }),
        "{err:?}"
    );
    assert!(
        msg.contains("b_bad.toml") && msg.contains("bad.regex"),
        "{msg}"
    );
    assert_eq!(e.rule_count(), before, "nothing added on error");
}

fn load_error(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "user.toml", text);
    let mut e = Engine::builtin().unwrap();
    let err = e.add_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("user.toml"), "{err}");
    err
}

const RULE_HEAD: &str =
    "[[rule]]\nid = \"u.r\"\nfield = \"http_server\"\npattern = 'x(y)?'\nsource = \"test\"\n";

#[test]
fn invalid_rules_are_rejected_with_reasons() {
    let ex = "[[rule.example]]\nvalue = \"x\"\ncamera = true\n";
    let cases = [
        (
            format!("{RULE_HEAD}weight = 1.5\ncamera = true\n{ex}"),
            "weight",
        ),
        (format!("{RULE_HEAD}weight = 0.5\n{ex}"), "asserts nothing"),
        (
            format!("{RULE_HEAD}weight = 0.5\ncamera = true\n"),
            "example",
        ),
        (
            format!("{RULE_HEAD}weight = 0.5\nmodel = \"{{2}}\"\n{ex}"),
            "group 2",
        ),
        (
            format!("{RULE_HEAD}weight = 0.5\ncamera = true\ncolour = \"red\"\n{ex}"),
            "colour",
        ),
        (
            format!("{RULE_HEAD}weight = 0.5\ncamera = true\ndevice_type = \"toaster\"\n{ex}"),
            "toaster",
        ),
        (
            RULE_HEAD.replace("http_server", "smell") + "weight = 0.5\ncamera = true\n" + ex,
            "smell",
        ),
        ("[[rule]]\nid = \"Bad Id\"\n".to_string(), "Bad Id"),
        ("this is = not toml [".to_string(), "user.toml"),
    ];
    for (text, needle) in cases {
        let err = load_error(&text);
        assert!(err.contains(needle), "expected {needle:?} in {err}");
    }
}

#[test]
fn duplicate_ids_are_rejected() {
    let text = "[[rule]]\nid = \"hikvision.http_server.webs\"\nfield = \"http_server\"\npattern = 'x'\nweight = 0.5\ncamera = true\nsource = \"t\"\n[[rule.example]]\nvalue = \"x\"\ncamera = true\n";
    let err = load_error(text);
    assert!(
        err.contains("already defined in data/fingerprints/hikvision.toml"),
        "{err}"
    );
}

#[test]
fn missing_dir_is_an_io_error() {
    let mut e = Engine::builtin().unwrap();
    let err = e
        .add_dir(Path::new("/nonexistent/camguard/rules"))
        .unwrap_err();
    assert!(matches!(err, FingerprintError::Io { .. }));
}

#[test]
fn wrong_examples_are_reported_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "wrong.toml",
        &format!(
            "{RULE_HEAD}weight = 0.5\ncamera = true\nmodel = \"M{{1}}\"\n\
             [[rule.example]]\nvalue = \"xy\"\ncamera = true\nmodel = \"Mz\"\n\
             [[rule.example]]\nvalue = \"xy\"\ncamera = true\n\
             [[rule.example]]\nvalue = \"abc\"\ncamera = true\n\
             [[rule.example]]\nvalue = \"x\"\nmatches = false\n"
        ),
    );
    let mut e = Engine::builtin().unwrap();
    e.add_dir(dir.path()).unwrap();
    let failures = e.verify_examples();
    assert_eq!(failures.len(), 4, "{failures:#?}");
    assert!(failures
        .iter()
        .all(|f| f.contains("wrong.toml") && f.contains("u.r")));
    assert!(failures[2].contains("does not match"));
    assert!(failures[3].contains("must not"));
}

#[test]
fn hostile_input_is_bounded_and_harmless() {
    let e = Engine::builtin().unwrap();
    // A match beyond the first 8 KiB is not seen.
    let mut padded = " ".repeat(MAX_FIELD_BYTES);
    padded.push_str("App-webs/");
    let id = e.identify(&FingerprintInput {
        http_body: Some(format!("{padded}/doc/page/login.asp")),
        ..Default::default()
    });
    assert!(id.rules.is_empty(), "{:?}", id.rules);
    // Huge, binary, multi-byte values cut mid-character do not panic, and captured values
    // are bounded and printable.
    let huge = format!("{}\u{1b}[31m{}", "é".repeat(5000), "\0".repeat(100_000));
    let id = e.identify(&FingerprintInput {
        http_server: Some(huge.clone()),
        onvif_manufacturer: Some(huge.clone()),
        onvif_model: Some(format!("DS-2CD{}", "9".repeat(1_000_000))),
        onvif_firmware: Some(huge),
        ..Default::default()
    });
    assert!(id.camera);
    for v in [&id.vendor, &id.model, &id.firmware].into_iter().flatten() {
        assert!(v.chars().count() <= 129, "{} chars", v.chars().count());
        assert!(!v.chars().any(|c| c.is_control()), "{v:?}");
    }
}
