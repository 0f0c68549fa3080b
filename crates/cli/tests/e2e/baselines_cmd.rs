//! Custom baselines from the command line: `baselines validate|list|show` with
//! `--baseline-file` and the default directory, a lab scan judged against a custom baseline
//! and its report (which needs the file back), and the default baseline of a report (the one
//! the scan was judged against, else the one in force on the scan's date).

use crate::common::{camguard, lab_ports, repo_root, start_lab, stderr, test_addr};
use camguard_lab::LabConfig;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EXAMPLE_ID: &str = "example-agency-camera-policy";

fn example() -> PathBuf {
    repo_root().join("data/baselines/examples/agency-custom.toml")
}

/// `camguard` with a private, empty configuration directory (no user baselines).
fn cmd(config: &Path) -> Command {
    let mut c = camguard();
    c.env("XDG_CONFIG_HOME", config);
    c
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn validate_accepts_the_example_and_reports_every_problem_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let o = cmd(dir.path())
        .args(["baselines", "validate"])
        .arg(example())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", out(&o), stderr(&o));
    assert!(
        out(&o).contains(&format!("ok: baseline {EXAMPLE_ID}")),
        "{}",
        out(&o)
    );

    let text = std::fs::read_to_string(example()).unwrap();
    let bad = text
        .replace("valid_from = \"2026-01-01\"", "valid_from = \"2026-02-30\"")
        .replace("\"SURF.FTP\"", "\"SURF.FTPS\"")
        .replace("id = \"EX-4\"", "id = \"EX-3\"")
        .replace(
            "text.vi = \"Mỗi camera có người chịu trách nhiệm và hợp đồng bảo trì được lưu hồ sơ.\"\n",
            "",
        );
    // The last line with `needle` (a duplicate is reported where it repeats).
    let line = |needle: &str| {
        let lines: Vec<&str> = bad.lines().collect();
        lines.iter().rposition(|l| l.contains(needle)).unwrap() + 1
    };
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, &bad).unwrap();
    let o = cmd(dir.path())
        .args(["baselines", "validate"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), stderr(&o));
    let report = out(&o);
    let p = path.display();
    for (needle, message) in [
        ("valid_from = ", "valid_from \"2026-02-30\" is not a date"),
        ("\"SURF.FTPS\"", "unknown check id \"SURF.FTPS\""),
        ("id = \"EX-3\"", "duplicate provision id \"EX-3\""),
        (
            "text.en = \"Each camera",
            "provision \"EX-5\": text.vi is missing",
        ),
    ] {
        let expected = format!("{p}:{}: error: ", line(needle));
        assert!(
            report
                .lines()
                .any(|l| l.starts_with(&expected) && l.contains(message)),
            "no {message:?} at {expected}:\n{report}"
        );
    }
    assert!(
        report.contains("(first on line "),
        "the duplicate names the first: {report}"
    );

    // A file the built-in catalogue already uses the id of.
    let clash = dir.path().join("clash.toml");
    std::fs::write(&clash, text.replace(EXAMPLE_ID, "qcvn-11-2026")).unwrap();
    let o = cmd(dir.path())
        .args(["baselines", "validate"])
        .arg(&clash)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("already taken"), "{}", out(&o));
}

#[test]
fn custom_baselines_from_a_file_and_the_config_directory_are_listed_and_shown() {
    let config = tempfile::tempdir().unwrap();
    let o = cmd(config.path())
        .args(["baselines", "list", "--baseline-file"])
        .arg(example())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let list = out(&o);
    let line = list
        .lines()
        .find(|l| l.contains(EXAMPLE_ID))
        .expect("listed");
    assert!(line.ends_with("(custom)"), "{line}");
    assert!(list.contains("qcvn-11-2026"), "built-ins stay: {list}");

    let o = cmd(config.path())
        .args(["baselines", "show", EXAMPLE_ID, "--lang", "vi"])
        .arg("--baseline-file")
        .arg(example())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let show = out(&o);
    assert!(
        show.contains("EX-1     [R] Không thể lấy luồng video"),
        "{show}"
    );
    assert!(show.contains("(remote-complete)"), "{show}");

    // Without the file the id is unknown, and the error says how to load it.
    let o = cmd(config.path())
        .args(["baselines", "show", EXAMPLE_ID])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--baseline-file"), "{}", stderr(&o));

    // The default directory: $XDG_CONFIG_HOME/camguard/baselines/*.toml.
    let dir = config.path().join("camguard/baselines");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(example(), dir.join("agency.toml")).unwrap();
    let o = cmd(config.path())
        .args(["baselines", "list"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out(&o).contains(EXAMPLE_ID), "{}", out(&o));

    // The same file given twice is one id loaded twice: a clear error naming it.
    let o = cmd(config.path())
        .args(["baselines", "list", "--baseline-file"])
        .arg(example())
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains(EXAMPLE_ID), "{}", stderr(&o));
    // …but validating the loaded file itself is no clash.
    let o = cmd(config.path())
        .args(["baselines", "validate"])
        .arg(dir.join("agency.toml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", out(&o), stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_against_a_custom_baseline_is_reported_only_with_its_file() {
    let config = tempfile::tempdir().unwrap();
    let base = test_addr(100, 100);
    let lab = start_lab(&LabConfig::generate(3, 11), base).await;
    let ports: Vec<String> = lab_ports(lab.manifest())
        .iter()
        .map(u16::to_string)
        .collect();
    let db = config.path().join("camguard.db");
    let last = test_addr(100, 102);
    let mut scan = cmd(config.path());
    scan.args(["scan", &format!("{base}-{last}"), "--quiet", "--ports"])
        .arg(ports.join(","))
        .args(["--baseline", EXAMPLE_ID, "--baseline-file"])
        .arg(example())
        .arg("--db")
        .arg(&db)
        .args(["--output", "-"]);
    let o = tokio::task::spawn_blocking(move || scan.output().unwrap())
        .await
        .unwrap();
    lab.shutdown().await;
    assert!(o.status.success(), "{}", stderr(&o));
    let records = crate::common::json_lines(&o.stdout);
    assert!(!records.is_empty());
    let verdicts: Vec<&serde_json::Value> = records
        .iter()
        .flat_map(|r| r["verdicts"].as_array().unwrap())
        .collect();
    assert!(
        verdicts.iter().all(|v| v["baseline"] == EXAMPLE_ID),
        "{verdicts:?}"
    );
    assert!(verdicts.iter().any(|v| v["provision"] == "EX-1"));

    let report = |extra: &[&str]| {
        cmd(config.path())
            .arg("report")
            .arg("--db")
            .arg(&db)
            .args(extra)
            .output()
            .unwrap()
    };
    let o = report(&["--format", "json", "-o", "-"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains(&format!("baseline '{EXAMPLE_ID}'")) && err.contains("--baseline-file"),
        "{err}"
    );

    let file = example();
    let file = file.to_str().unwrap();
    let o = report(&["--format", "json", "-o", "-", "--baseline-file", file]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["baseline"]["id"], EXAMPLE_ID);
    assert_eq!(doc["provisions"].as_array().unwrap().len(), 5);

    // The compact print by default; the full one on request.
    let o = report(&["--lang", "en", "-o", "-", "--baseline-file", file]);
    assert!(o.status.success(), "{}", stderr(&o));
    let failed = out(&o);
    assert!(failed.contains("id=\"remediation\""));
    let o = report(&[
        "--lang",
        "en",
        "-o",
        "-",
        "--baseline-file",
        file,
        "--detail",
        "full",
    ]);
    assert!(!out(&o).contains("id=\"remediation\""));
    let o = report(&["-o", "-", "--detail", "brief", "--baseline-file", file]);
    assert!(
        stderr(&o).contains("full, failed, summary"),
        "{}",
        stderr(&o)
    );
}

/// Regression: a report of a scan recorded without a baseline id failed with
/// "unknown baseline ''"; it is judged against the baseline in force on the scan's date.
#[tokio::test]
async fn a_scan_without_a_baseline_id_is_reported_against_the_baseline_in_force_on_its_date() {
    use camguard_store::{ScanMeta, Store};
    use chrono::TimeZone;
    let config = tempfile::tempdir().unwrap();
    for (date, expected) in [
        ((2025, 12, 1), "qcvn-135-2024"),
        ((2026, 7, 2), "qcvn-11-2026"),
    ] {
        let db = config.path().join(format!("{}.db", expected));
        let store = Store::open(&db).await.unwrap();
        let at = chrono::Utc
            .with_ymd_and_hms(date.0, date.1, date.2, 9, 0, 0)
            .unwrap();
        let meta = ScanMeta {
            started_at: at,
            targets: test_addr(101, 100).to_string(),
            options: serde_json::json!({}),
            baseline: String::new(),
        };
        let id = store.begin_scan(&meta).await.unwrap();
        store.finish_scan(id, at, 1).await.unwrap();
        drop(store);
        let o = cmd(config.path())
            .args(["report", "--format", "json", "-o", "-", "--db"])
            .arg(&db)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(doc["baseline"]["id"], expected, "scan of {date:?}");
    }
}

#[test]
fn a_broken_baseline_file_stops_a_scan_before_any_probe_with_one_message_naming_it() {
    let config = tempfile::tempdir().unwrap();
    let path = config.path().join("broken.toml");
    std::fs::write(&path, "id = \"broken\"\ntitle = { en = \"B\" }\n").unwrap();
    let target = test_addr(100, 120).to_string();
    let o = cmd(config.path())
        .args(["scan", &target, "--no-db", "--quiet", "--baseline-file"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert_eq!(err.matches("missing field").count(), 1, "said once: {err}");
    assert!(err.contains("baselines validate"), "{err}");
    assert!(o.stdout.is_empty());
}
