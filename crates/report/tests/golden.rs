//! Golden files: every format rendered from a fixed store (fixed times, ids and order), a fixed
//! baseline and a fixed check catalogue (`golden/catalogue.toml`), compared byte for byte with
//! `tests/golden/*`. After an intended format change, regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p camguard-report --test golden` and review the diff.
//!
//! The SARIF file names camguard's version (`tool.driver.version`), so a version bump
//! regenerates it too. The SARIF golden file is also validated against the official SARIF 2.1.0 schema
//! (`tests/sarif/validate.js`; `npm ci --prefix crates/report/tests/sarif` installs it).

use camguard_baseline::{Baseline, Provision};
use camguard_checks::Catalogue;
use camguard_model::{
    DeviceRecord, DeviceType, Endpoint, EndpointState, Finding, HostObservation, Identity,
    Localized, ProvisionVerdict, Service, Severity, VerdictStatus,
};
use camguard_report::diff::DiffInput;
use camguard_report::{render_diff_with, render_with, Detail, Format, Lang, ReportInput};
use camguard_store::{ScanMeta, Store};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use std::path::{Path, PathBuf};
use std::process::Command;

const HOSTILE: &str = "=HYPERLINK(\"http://evil.example\")<script>alert(1)</script>";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 2, 9, 30, 0).unwrap()
}

fn loc(en: &str, vi: &str) -> Localized {
    Localized {
        en: en.into(),
        vi: vi.into(),
    }
}

fn catalogue() -> Catalogue {
    Catalogue::from_toml(include_str!("golden/catalogue.toml")).expect("fixture catalogue")
}

fn baseline() -> Baseline {
    let provision = |id: &str, en: &str, vi: &str, checks: &[&str]| Provision {
        id: id.into(),
        text: loc(en, vi),
        etsi: vec!["5.1-1".into()],
        classes: vec![],
        checks: checks.iter().map(|c| c.to_string()).collect(),
        remote_complete: false,
        provisional: false,
        source: "golden fixture".into(),
    };
    Baseline {
        id: "qcvn-golden".into(),
        title: loc("Golden test baseline", "Bộ tiêu chí thử nghiệm"),
        issuer: "Test issuer".into(),
        valid_from: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
        valid_until: None,
        status: "mandatory".into(),
        provisional: false,
        sources: vec!["Golden fixture, cited as text".into()],
        provisions: vec![
            provision(
                "2.1.a",
                "Video access needs authentication",
                "Truy cập video phải xác thực",
                &["AUTH.NO_AUTH_STREAM"],
            ),
            provision(
                "2.5.a",
                "Communication is encrypted",
                "Liên lạc được mã hóa",
                &["COMM.CLEARTEXT_ADMIN"],
            ),
            provision(
                "2.6.a",
                "Unused interfaces disabled",
                "Tắt các giao diện không dùng",
                &["SURF.TELNET"],
            ),
        ],
    }
}

fn finding(check: &str, severity: Severity, port: u16, summary: &str) -> Finding {
    Finding {
        check_id: check.into(),
        severity,
        port: Some(port),
        summary: summary.into(),
        evidence: serde_json::json!({ "port": port, "note": "redacted" }),
    }
}

fn telnet() -> Finding {
    finding(
        "SURF.TELNET",
        Severity::High,
        23,
        "Telnet login prompt on port 23",
    )
}

fn stream(port: u16) -> Finding {
    finding(
        "AUTH.NO_AUTH_STREAM",
        Severity::Critical,
        port,
        "RTSP delivered media without credentials",
    )
}

fn cleartext() -> Finding {
    finding(
        "COMM.CLEARTEXT_ADMIN",
        Severity::Medium,
        80,
        "Administration page over HTTP",
    )
}

fn record(
    ip: &str,
    at: DateTime<Utc>,
    vendor: Option<&str>,
    model: &str,
    findings: Vec<Finding>,
) -> DeviceRecord {
    let b = baseline();
    let mut obs = HostObservation::new(ip.parse().unwrap(), at);
    obs.endpoints = vec![
        Endpoint {
            port: 23,
            state: EndpointState::Open,
            service: Some(Service::Telnet),
            reason: "identified: telnet banner".into(),
        },
        Endpoint {
            port: 80,
            state: EndpointState::Open,
            service: Some(Service::Http),
            reason: "identified: http 200".into(),
        },
        Endpoint {
            port: 554,
            state: EndpointState::Open,
            service: Some(Service::Rtsp),
            reason: "identified: rtsp 200".into(),
        },
    ];
    let verdicts = b
        .provisions
        .iter()
        .map(|p| {
            let cited: Vec<String> = findings
                .iter()
                .filter(|f| p.checks.contains(&f.check_id))
                .map(|f| f.check_id.clone())
                .collect();
            ProvisionVerdict {
                baseline: b.id.clone(),
                provision: p.id.clone(),
                status: if cited.is_empty() {
                    VerdictStatus::NotVerifiableRemotely
                } else {
                    VerdictStatus::Fail
                },
                findings: cited,
            }
        })
        .collect();
    DeviceRecord {
        observation: obs,
        identity: Identity {
            camera: vendor.is_some(),
            vendor: vendor.map(Into::into),
            product: None,
            model: vendor.map(|_| model.into()),
            firmware: vendor.map(|_| "V5.5.0 build 200101".into()),
            device_type: vendor.map(|_| DeviceType::IpCamera),
            confidence: if vendor.is_some() { 0.9 } else { 0.0 },
            rules: vec![],
        },
        verdicts,
        checks_run: vec![
            "AUTH.NO_AUTH_STREAM".into(),
            "COMM.CLEARTEXT_ADMIN".into(),
            "SURF.TELNET".into(),
        ],
        findings,
    }
}

/// Three scans of a small site:
/// 1. .2 Hikvision with Telnet and an open stream; .3 Dahua with cleartext admin.
/// 2. .2 Telnet fixed; .3 unchanged; .4 a new host with a hostile vendor string.
/// 3. .2 Telnet back (regressed), stream fixed; .3 vanished; .4 gains an open stream (new).
async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("golden.db")).await.unwrap();
    let scans: [Vec<DeviceRecord>; 3] = [
        vec![
            record(
                "127.0.0.2",
                t0(),
                Some("Hikvision"),
                "DS-2CD2143G0-I",
                vec![telnet(), stream(554)],
            ),
            record(
                "127.0.0.3",
                t0(),
                Some("Dahua"),
                "IPC-HFW1230S",
                vec![cleartext()],
            ),
        ],
        vec![
            record(
                "127.0.0.2",
                t0() + Duration::days(7),
                Some("Hikvision"),
                "DS-2CD2143G0-I",
                vec![stream(554)],
            ),
            record(
                "127.0.0.3",
                t0() + Duration::days(7),
                Some("Dahua"),
                "IPC-HFW1230S",
                vec![cleartext()],
            ),
            record(
                "127.0.0.4",
                t0() + Duration::days(7),
                Some(HOSTILE),
                "X, \"quoted\"",
                vec![telnet()],
            ),
        ],
        vec![
            record(
                "127.0.0.2",
                t0() + Duration::days(14),
                Some("Hikvision"),
                "DS-2CD2143G0-I",
                vec![telnet()],
            ),
            record(
                "127.0.0.4",
                t0() + Duration::days(14),
                Some(HOSTILE),
                "X, \"quoted\"",
                vec![telnet(), stream(8554)],
            ),
            record("127.0.0.5", t0() + Duration::days(14), None, "", vec![]),
        ],
    ];
    for (i, records) in scans.iter().enumerate() {
        let at = t0() + Duration::days(7 * i as i64);
        let meta = ScanMeta {
            started_at: at,
            targets: if i == 2 {
                "127.0.0.0/29".into()
            } else {
                "127.0.0.0/30,127.0.0.4".into()
            },
            options: serde_json::json!({}),
            baseline: "qcvn-golden".into(),
        };
        let id = store.begin_scan(&meta).await.unwrap();
        for r in records {
            store.record_device(id, r).await.unwrap();
        }
        store
            .finish_scan(id, at + Duration::minutes(3), 8)
            .await
            .unwrap();
    }
    (dir, store)
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compare `actual` with the golden file `name`, or write it under `UPDATE_GOLDEN=1`.
fn check_golden(name: &str, actual: &str) -> Result<(), String> {
    let path = golden_dir().join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return Ok(());
    }
    let expected = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    })?;
    if expected == actual {
        return Ok(());
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    Err(format!(
        "{name} differs from the golden file at line {}:\n  golden: {:?}\n  actual: {:?}\n\
         (UPDATE_GOLDEN=1 cargo test -p camguard-report --test golden regenerates)",
        line + 1,
        expected.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>")
    ))
}

async fn outputs() -> Vec<(&'static str, String)> {
    let (_dir, store) = store().await;
    let b = baseline();
    let cat = catalogue();
    let mut input = ReportInput::new(
        t0() + Duration::days(15),
        &b,
        store.scans().await.unwrap(),
        store.inventory().await.unwrap(),
    );
    input.organisation = Some("Sở Thông tin và Truyền thông <Golden>".into());
    input.trend = store.scan_trend().await.unwrap();
    let scans = store.scans().await.unwrap();
    let diff = DiffInput {
        generated_at: t0() + Duration::days(15),
        organisation: input.organisation.clone(),
        old_scan: scans[1].clone(),
        new_scan: scans[2].clone(),
        old_devices: store.scan_devices(scans[1].id).await.unwrap(),
        new_devices: store.scan_devices(scans[2].id).await.unwrap(),
        earlier: vec![store.scan_devices(scans[0].id).await.unwrap()],
    };
    let r = |format, lang| render_with(&input, &cat, format, lang).unwrap();
    let mut failed = input.clone();
    failed.detail = Detail::Failed;
    let mut summary = input.clone();
    summary.detail = Detail::Summary;
    let d = |format, lang| render_diff_with(&diff, &cat, format, lang).unwrap();
    vec![
        ("report.en.html", r(Format::Html, Lang::En)),
        ("report.vi.html", r(Format::Html, Lang::Vi)),
        (
            "report.failed.en.html",
            render_with(&failed, &cat, Format::Html, Lang::En).unwrap(),
        ),
        (
            "report.summary.vi.html",
            render_with(&summary, &cat, Format::Html, Lang::Vi).unwrap(),
        ),
        ("report.json", r(Format::Json, Lang::En)),
        ("report.csv", r(Format::Csv, Lang::En)),
        ("report.sarif.json", r(Format::Sarif, Lang::En)),
        ("diff.en.html", d(Format::Html, Lang::En)),
        ("diff.vi.html", d(Format::Html, Lang::Vi)),
        ("diff.json", d(Format::Json, Lang::En)),
        ("diff.csv", d(Format::Csv, Lang::En)),
    ]
}

#[tokio::test]
async fn every_format_matches_its_golden_file() {
    let failures: Vec<String> = outputs()
        .await
        .iter()
        .filter_map(|(name, text)| check_golden(name, text).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn rendering_is_deterministic() {
    let a = outputs().await;
    let b = outputs().await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn golden_diff_classifies_new_fixed_regressed_and_devices() {
    let (_dir, store) = store().await;
    let scans = store.scans().await.unwrap();
    let input = DiffInput {
        generated_at: t0(),
        organisation: None,
        old_scan: scans[1].clone(),
        new_scan: scans[2].clone(),
        old_devices: store.scan_devices(scans[1].id).await.unwrap(),
        new_devices: store.scan_devices(scans[2].id).await.unwrap(),
        earlier: vec![store.scan_devices(scans[0].id).await.unwrap()],
    };
    let doc = camguard_report::diff::build(&input, &catalogue(), Lang::En);
    let t = &doc.totals;
    // .2: Telnet was fixed in scan 2 and is back (regressed), the stream is fixed.
    // .4: the 8554 stream is new, Telnet unchanged. .3 vanished (its finding is not "fixed").
    // .5: a new device without findings.
    assert_eq!(
        (t.new, t.fixed, t.regressed, t.unchanged),
        (1, 1, 1, 1),
        "{t:?}"
    );
    assert_eq!(
        (t.new_devices, t.vanished_devices, t.unchanged_devices),
        (1, 1, 0)
    );
    let ip = |s: &str| doc.devices.iter().find(|d| d.ip.to_string() == s).unwrap();
    assert_eq!(ip("127.0.0.2").regressed[0].check_id, "SURF.TELNET");
    assert_eq!(ip("127.0.0.2").fixed[0].check_id, "AUTH.NO_AUTH_STREAM");
    assert_eq!(ip("127.0.0.4").new[0].port, Some(8554));
    assert!(ip("127.0.0.3").fixed.is_empty());

    // Without the earlier scan, the same Telnet finding is new, not regressed.
    let mut no_history = input.clone();
    no_history.earlier.clear();
    let doc = camguard_report::diff::build(&no_history, &catalogue(), Lang::En);
    assert_eq!((doc.totals.new, doc.totals.regressed), (2, 0));
}

#[tokio::test]
async fn golden_csv_defuses_formulas_and_quotes_cells() {
    let outputs = outputs().await;
    let csv = &outputs.iter().find(|(n, _)| *n == "report.csv").unwrap().1;
    assert!(csv.starts_with(
        "scan_id,ip,vendor,model,firmware,check_id,severity,port,summary,provisions,evidence\r\n"
    ));
    // The hostile vendor starts with '=': it must start with an apostrophe inside its quotes.
    assert!(
        csv.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\")<script>alert(1)</script>\","),
        "{csv}"
    );
    assert!(!csv.contains(",=HYPERLINK"));
    // One row per finding plus the header; every record ends in CRLF.
    // Latest state of each device: .2 Telnet, .3 cleartext (scan 2), .4 Telnet + stream.
    let inventory_findings = 4;
    assert_eq!(csv.matches("\r\n").count(), 1 + inventory_findings);
}

#[tokio::test]
async fn golden_sarif_validates_against_the_sarif_2_1_0_schema() {
    let outputs = outputs().await;
    let sarif = &outputs
        .iter()
        .find(|(n, _)| *n == "report.sarif.json")
        .unwrap()
        .1;
    let log: serde_json::Value = serde_json::from_str(sarif).unwrap();
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), catalogue().all().len());
    for r in run["results"].as_array().unwrap() {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with("camera://127.0.0.")
        );
        assert!(r["partialFingerprints"]["camguardFinding/v1"].is_string());
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), sarif).unwrap();
    if let Some(report) = validate_sarif(file.path()) {
        assert!(report.0, "SARIF schema validation failed:\n{}", report.1);
    }
}

/// Validate a SARIF file with `tests/sarif/validate.js`: `Some((valid, output))`, or `None`
/// (after a loud skip message) when node or the schema package is missing outside CI.
pub fn validate_sarif(path: &Path) -> Option<(bool, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif");
    let installed = dir
        .join("node_modules/@microsoft/jest-sarif/lib/schemas")
        .is_dir()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !installed {
        let msg = "\n!!!!!!!! SKIPPED: SARIF schema validation needs node and \
                   `npm ci --prefix crates/report/tests/sarif` (see .ci/run). !!!!!!!!\n";
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
            "{msg} (CI=true: a missing tool is a failure)"
        );
        eprintln!("{msg}");
        return None;
    }
    let out = Command::new("node")
        .arg(dir.join("validate.js"))
        .arg(path)
        .output()
        .expect("run node");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), text))
}

#[test]
fn the_validator_rejects_an_invalid_log() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{}}}]}"#,
    )
    .unwrap();
    if let Some((valid, out)) = validate_sarif(file.path()) {
        assert!(!valid, "a driver without a name passed: {out}");
        assert!(out.contains("name"), "{out}");
    }
}
