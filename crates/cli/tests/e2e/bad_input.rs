//! Bad input gives clear errors, never a panic or a silent success.

use crate::common::{run, stderr};

#[test]
fn malformed_target_is_named_in_the_error() {
    let o = run(&["scan", "10.0.0.300", "--no-db", "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("10.0.0.300"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn missing_targets_are_explained() {
    let o = run(&["scan", "--no-db"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no targets"), "{}", stderr(&o));
}

#[test]
fn bad_port_list_is_refused() {
    let o = run(&["scan", "127.0.0.1", "--ports", "80,0", "--no-db"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--ports"), "{}", stderr(&o));
}

#[test]
fn unreadable_database_path_is_named() {
    let o = run(&[
        "scan",
        "127.0.0.1",
        "--ports",
        "9",
        "--db",
        "/nonexistent-dir/sub/camguard.db",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("/nonexistent-dir/sub/camguard.db"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a.db");
    std::fs::write(
        &path,
        b"this is plain text, not SQLite, and long enough to look like a header",
    )
    .unwrap();
    let o = run(&["report", "--db", path.to_str().unwrap(), "-o", "-"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not-a.db"), "{}", stderr(&o));
}

#[test]
fn report_of_a_missing_database_is_explained() {
    let o = run(&["report", "--db", "/nonexistent/x.db", "-o", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
}

#[test]
fn unknown_baseline_lists_the_known_ones() {
    let o = run(&["scan", "127.0.0.1", "--no-db", "--baseline", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("nope") && err.contains("qcvn-11-2026"),
        "{err}"
    );
}

#[test]
fn malformed_lab_file_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lab.toml");
    std::fs::write(&path, "[[device]]\npersonality = 42\n").unwrap();
    let o = run(&["lab", "--file", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}
