//! `camguard registry import|export|list|match` and the `REG.*` checks: lists imported into the
//! database are used by the next scan of a lab, and the verdicts of QCVN 11:2026/BCA provision
//! 3.1 (certified, not warned) follow them.

use crate::common::{
    camguard, finding_ids, json_lines, lab_ports, records_by_ip, run, start_lab, stderr, test_addr,
};
use camguard_lab::LabConfig;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::path::Path;

const LAB: &str = r#"
seed = 102

# Certified (the list spells it "hikvision ds 2cd2143g0 i"), old firmware.
[[device]]
id = "certified"
personality = "hikvision"
model = "DS-2CD2143G0-I"
firmware = "V5.5.82 build 190909"
onvif_auth = "none"
default_password = "changed"

# Not on the certified list: one digit differs from the certified model.
[[device]]
id = "uncertified"
personality = "hikvision"
model = "DS-2CD2043G0-I"
firmware = "V5.5.800 build 210628"
onvif_auth = "none"
default_password = "changed"

# On the warning list.
[[device]]
id = "warned"
personality = "dahua"
model = "IPC-HFW1230S-S5"
onvif_auth = "none"
default_password = "changed"

# Model not identified: ONVIF needs a password the scan does not know.
[[device]]
id = "unknown-model"
personality = "dahua"
onvif_auth = "wsse"
default_password = "changed"
"#;

const CERTIFIED_CSV: &str = "# test list\r\n\
vendor,model,variants,certificate,issuer,date,source,note\r\n\
HIKVISION,hikvision ds 2cd2143g0 i,DS-2CD2143G0-I(*MM),TEST-C-1,Test issuer,2026-01-15,e2e test,\"lens variants, not -IS\"\r\n\
Axis,P3245-LVE,,TEST-C-2,Test issuer,2026-01-15,e2e test,\r\n";

const WARNED_JSON: &str = r#"{"list": "warned", "source": "e2e test", "issuer": "Test authority",
  "date": "2026-03-01",
  "entries": [{"vendor": "Dahua", "model": "ipc_hfw1230s_s5", "reference": "TEST-W-1"}]}"#;

fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(o.status.success(), "camguard {args:?}: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

async fn scan(base: Ipv4Addr, n: usize, ports: &[u16], db: &Path, out: &Path) {
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
    let last = Ipv4Addr::from(u32::from(base) + n as u32 - 1);
    let mut cmd = camguard();
    cmd.args([
        "scan",
        &format!("{base}-{last}"),
        "--ports",
        &ports.join(","),
    ])
    .args(["--baseline", "qcvn-11-2026", "--quiet", "--db"])
    .arg(db)
    .arg("--output")
    .arg(out);
    let o = tokio::task::spawn_blocking(move || cmd.output().expect("run camguard scan"))
        .await
        .expect("scan thread");
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The verdict status of `provision` of QCVN 11:2026/BCA in a scan record.
fn verdict(record: &serde_json::Value, provision: &str) -> String {
    record["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .find(|v| v["baseline"] == "qcvn-11-2026" && v["provision"] == provision)
        .unwrap_or_else(|| panic!("no verdict for {provision}: {record}"))["status"]
        .as_str()
        .expect("status")
        .to_string()
}

fn ran(record: &serde_json::Value) -> BTreeSet<String> {
    record["checks_run"]
        .as_array()
        .expect("checks_run")
        .iter()
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect()
}

fn reg(record: &serde_json::Value) -> BTreeSet<String> {
    finding_ids(record)
        .into_iter()
        .filter(|id| id.starts_with("REG."))
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_lists_drive_the_registry_checks_and_provision_3_1() {
    let dir = tempfile::tempdir().unwrap();
    let (certified, warned) = (
        dir.path().join("certified.csv"),
        dir.path().join("warned.json"),
    );
    std::fs::write(&certified, CERTIFIED_CSV).unwrap();
    std::fs::write(&warned, WARNED_JSON).unwrap();
    let db = dir.path().join("camguard.db");
    let db_s = db.display().to_string();
    let (certified_s, warned_s) = (
        certified.display().to_string(),
        warned.display().to_string(),
    );
    let imported = ok(&[
        "registry",
        "--db",
        &db_s,
        "import",
        "--list",
        "certified",
        &certified_s,
    ]);
    assert!(
        imported.contains("imported 2 certified entries"),
        "{imported}"
    );
    ok(&[
        "registry", "--db", &db_s, "import", "--list", "warned", &warned_s,
    ]);
    // A JSON document of the other list is refused.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"list": "certified", "entries": []}"#).unwrap();
    let o = run(&[
        "registry",
        "--db",
        &db_s,
        "import",
        "--list",
        "warned",
        &bad.display().to_string(),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("not a warned list"),
        "{}",
        stderr(&o)
    );

    let config = LabConfig::from_toml_str(LAB).expect("lab file");
    let base = test_addr(102, 1);
    let lab = start_lab(&config, base).await;
    let manifest = lab.manifest().clone();
    let out = dir.path().join("scan.jsonl");
    scan(
        base,
        manifest.devices.len(),
        &lab_ports(&manifest),
        &db,
        &out,
    )
    .await;

    // The same lab scanned into a database without lists: the checks do not run.
    let bare_db = dir.path().join("bare.db");
    let bare_out = dir.path().join("bare.jsonl");
    scan(
        base,
        manifest.devices.len(),
        &lab_ports(&manifest),
        &bare_db,
        &bare_out,
    )
    .await;
    lab.shutdown().await;

    let records = json_lines(&std::fs::read(&out).unwrap());
    let by_ip = records_by_ip(&records);
    let record = |id: &str| {
        let d = manifest.devices.iter().find(|d| d.id == id).expect(id);
        *by_ip
            .get(&d.address.to_string())
            .unwrap_or_else(|| panic!("{id} not in the scan output"))
    };
    let both = set(&["REG.UNCERTIFIED_MODEL", "REG.WARNED_MODEL"]);

    let r = record("certified");
    assert_eq!(reg(r), set(&[]), "{}", r["findings"]);
    assert!(ran(r).is_superset(&both), "{:?}", ran(r));
    assert_eq!(verdict(r, "3.1"), "not_verifiable_remotely");
    // Old firmware of a family with a known release; 2.3.c fails on it.
    assert!(
        finding_ids(r).contains("VULN.FIRMWARE_OUTDATED"),
        "{}",
        r["findings"]
    );
    assert_eq!(verdict(r, "2.3.c"), "fail");

    let r = record("uncertified");
    assert_eq!(reg(r), set(&["REG.UNCERTIFIED_MODEL"]), "{}", r["findings"]);
    assert_eq!(verdict(r, "3.1"), "fail");
    assert!(
        !finding_ids(r).contains("VULN.FIRMWARE_OUTDATED"),
        "current release"
    );

    let r = record("warned");
    assert_eq!(reg(r), both, "{}", r["findings"]);
    assert_eq!(verdict(r, "3.1"), "fail");
    let w = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == "REG.WARNED_MODEL")
        .unwrap();
    assert_eq!(w["severity"], "high");
    assert_eq!(w["evidence"]["entry"]["reference"], "TEST-W-1");
    assert_eq!(w["evidence"]["entry"]["issuer"], "Test authority");

    let r = record("unknown-model");
    assert!(r["identity"]["model"].is_null(), "{}", r["identity"]);
    let f: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check_id"] == "REG.UNCERTIFIED_MODEL")
        .collect();
    assert_eq!(f.len(), 1, "{}", r["findings"]);
    assert_eq!(f[0]["severity"], "info");
    assert!(!ran(r).contains("REG.WARNED_MODEL"));
    assert_eq!(verdict(r, "3.1"), "not_verifiable_remotely");

    for r in json_lines(&std::fs::read(&bare_out).unwrap()) {
        assert!(ran(&r).is_disjoint(&both), "{:?}", ran(&r));
        assert!(reg(&r).is_empty());
        assert_eq!(verdict(&r, "3.1"), "not_tested");
    }

    // `registry match` agrees with the scan.
    let matched = ok(&["registry", "--db", &db_s, "match"]);
    let line = |id: &str| {
        let d = manifest.devices.iter().find(|d| d.id == id).unwrap();
        matched
            .lines()
            .find(|l| l.starts_with(&format!("{}\t", d.address)))
            .unwrap_or_else(|| panic!("{id} missing in {matched}"))
            .to_string()
    };
    assert!(
        line("certified").ends_with("\tyes (TEST-C-1)\tno"),
        "{matched}"
    );
    assert!(line("uncertified").ends_with("\tno\tno"), "{matched}");
    assert!(
        line("warned").ends_with("\tno\tyes (TEST-W-1)"),
        "{matched}"
    );

    // Export, then import the export elsewhere: the same entries come back.
    let listed = ok(&["registry", "--db", &db_s, "list"]);
    assert_eq!(listed.lines().count(), 3, "{listed}");
    for format in ["csv", "json"] {
        let file = dir.path().join(format!("export.{format}"));
        let file_s = file.display().to_string();
        ok(&[
            "registry",
            "--db",
            &db_s,
            "export",
            "--list",
            "certified",
            "--format",
            format,
            "-o",
            &file_s,
        ]);
        let other = dir
            .path()
            .join(format!("other-{format}.db"))
            .display()
            .to_string();
        ok(&[
            "registry",
            "--db",
            &other,
            "import",
            "--list",
            "certified",
            &file_s,
        ]);
        let again = ok(&["registry", "--db", &other, "list"]);
        let certified_lines: Vec<&str> = listed
            .lines()
            .filter(|l| l.starts_with("certified\t"))
            .collect();
        assert_eq!(
            again.lines().collect::<Vec<_>>(),
            certified_lines,
            "{format}"
        );
    }
}

#[test]
fn registry_commands_refuse_bad_input_with_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("camguard.db");
    let db_s = db.display().to_string();
    let fail = |args: &[&str], want: &str| {
        let o = run(args);
        assert_eq!(
            o.status.code(),
            Some(2),
            "camguard {args:?}: {}",
            stderr(&o)
        );
        assert!(
            stderr(&o).contains(want),
            "camguard {args:?}: {}",
            stderr(&o)
        );
    };
    fail(&["registry", "--db", &db_s, "list"], "does not exist");
    let missing = dir.path().join("missing.csv").display().to_string();
    fail(
        &[
            "registry",
            "--db",
            &db_s,
            "import",
            "--list",
            "certified",
            &missing,
        ],
        "missing.csv",
    );
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "vendor,model,source\nHikvision,\"DS-2CD2143G0-I,x\n").unwrap();
    let bad_s = bad.display().to_string();
    fail(
        &[
            "registry",
            "--db",
            &db_s,
            "import",
            "--list",
            "certified",
            &bad_s,
        ],
        "unterminated quoted field",
    );
    fail(
        &[
            "registry", "--db", &db_s, "import", "--list", "banned", &bad_s,
        ],
        "unknown list",
    );
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "vendor,model,source\nHikvision,DS-2CD2143G0-I,test\n",
    )
    .unwrap();
    ok(&[
        "registry",
        "--db",
        &db_s,
        "import",
        "--list",
        "certified",
        &good.display().to_string(),
    ]);
    fail(
        &["registry", "--db", &db_s, "export", "--list", "warned"],
        "no warned list has been imported",
    );
    // A database without scans has no cameras: match prints nothing and says so.
    let o = run(&["registry", "--db", &db_s, "match"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("0 cameras"), "{}", stderr(&o));
}
