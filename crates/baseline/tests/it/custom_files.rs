//! User-written baseline files: loading, errors that name the file, duplicates.

use crate::builtin;
use camguard_baseline::{BaselineError, Registry, VerificationClass};
use std::io::Write;
use std::path::PathBuf;

pub const CUSTOM: &str = r#"
id = "acme-policy-2026"
title = { en = "ACME camera policy", vi = "Chính sách camera của ACME" }
issuer = "ACME security team"
valid_from = 2026-01-01
status = "mandatory"

[[provision]]
id = "P1"
text = { en = "No cleartext administration.", vi = "Không quản trị qua kênh không mã hóa." }
classes = ["R"]
checks = ["COMM.CLEARTEXT_ADMIN"]
remote_complete = true
source = "internal policy 7"

[[provision]]
id = "P2"
text = { en = "No default passwords.", vi = "Không dùng mật khẩu mặc định." }
classes = ["R!", "C"]
checks = ["AUTH.DEFAULT_CRED"]
source = "internal policy 8"

[[provision]]
id = "P3"
text = { en = "Vendor support contract exists.", vi = "Có hợp đồng hỗ trợ của hãng." }
classes = ["D"]
source = "internal policy 9"
"#;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(text.as_bytes()).expect("write");
    path
}

#[test]
fn custom_baseline_file_loads_next_to_the_builtins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(&dir, "acme.toml", CUSTOM);
    let mut r = builtin();
    let b = r.add_file(&path).expect("custom baseline loads");
    assert_eq!(b.id, "acme-policy-2026");
    assert_eq!(
        b.valid_from.to_string(),
        "2026-01-01",
        "bare TOML dates are accepted"
    );
    assert_eq!(
        b.provisions[1].classes,
        [VerificationClass::RIntrusive, VerificationClass::C]
    );
    assert!(b.provisions[0].remote_complete && !b.provisions[1].remote_complete);
    assert!(r.get("acme-policy-2026").is_some());
    assert_eq!(r.all().len(), 5);
}

#[test]
fn broken_file_error_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("syntax.toml", "id = \"x\"\n[[provision\n"),
        ("class.toml", &CUSTOM.replace("[\"D\"]", "[\"Z\"]")),
        (
            "status.toml",
            &CUSTOM.replace("\"mandatory\"", "\"optional\""),
        ),
        (
            "novi.toml",
            &CUSTOM.replace("vi = \"Không dùng mật khẩu mặc định.\"", "vi = \"\""),
        ),
        (
            "dupprov.toml",
            &CUSTOM.replace("id = \"P3\"", "id = \"P1\""),
        ),
        (
            "typo.toml",
            &CUSTOM.replace("remote_complete = true", "remote_complet = true"),
        ),
        (
            "dates.toml",
            &CUSTOM.replace(
                "valid_from = 2026-01-01",
                "valid_from = \"2026-01-01\"\nvalid_until = \"2025-01-01\"",
            ),
        ),
    ];
    for (name, text) in cases {
        let path = write(&dir, name, text);
        let mut r = Registry::new();
        let err = r.add_file(&path).expect_err(name);
        let message = err.to_string();
        assert!(
            message.contains(name),
            "error for {name} does not name the file: {message}"
        );
        assert!(r.all().is_empty());
    }
    let missing = dir.path().join("missing.toml");
    let err = Registry::new()
        .add_file(&missing)
        .expect_err("missing file");
    assert!(matches!(err, BaselineError::Io { .. }));
    assert!(err.to_string().contains("missing.toml"));
}

#[test]
fn duplicate_baseline_id_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        &dir,
        "again.toml",
        &CUSTOM.replace("acme-policy-2026", "qcvn-11-2026"),
    );
    let mut r = builtin();
    let err = r.add_file(&path).expect_err("duplicate id");
    assert!(matches!(err, BaselineError::Duplicate { .. }));
    assert!(err.to_string().contains("again.toml"));
}

#[test]
fn non_utf8_file_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bin.toml");
    std::fs::write(&path, [0xff, 0xfe, 0x00, 0x41]).expect("write");
    let err = Registry::new().add_file(&path).expect_err("binary file");
    assert!(err.to_string().contains("bin.toml"));
}

proptest::proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = Registry::new().add_toml(&text, "fuzz.toml");
    }
}
