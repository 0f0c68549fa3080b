//! `camguard advisories list|import|match`: the real binary on a demo lab's database and on
//! CSAF/KEV fixtures.

use crate::common::{firmware_cve_expected, repo_root, run, stderr, test_addr};
use camguard_lab::Manifest;
use std::collections::BTreeSet;

fn fixture(name: &str) -> String {
    repo_root()
        .join("crates/advisories/tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn match_lists_exactly_the_lab_devices_with_known_vulnerable_firmware() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let user_dir = tmp.path().join("advisories");
    let (out_s, dir_s) = (out.display().to_string(), user_dir.display().to_string());
    let base = test_addr(77, 1).to_string();
    let o = run(&["demo", "--devices", "40", "--base", &base, "--out", &out_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(out.join("lab-manifest.json")).unwrap()).unwrap();
    let db = out.join("camguard.db").display().to_string();

    let o = run(&[
        "advisories",
        "match",
        "--db",
        &db,
        "--advisories-dir",
        &dir_s,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let listed: BTreeSet<String> = stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    let expected: BTreeSet<String> = manifest
        .devices
        .iter()
        .filter(|d| firmware_cve_expected(d))
        .map(|d| d.address.to_string())
        .collect();
    assert!(expected.len() >= 5, "lab too small to test: {expected:?}");
    assert_eq!(listed, expected, "{stdout}");
    for d in manifest.devices.iter().filter(|d| firmware_cve_expected(d)) {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{}\t", d.address)))
            .unwrap();
        for cve in &d.known_cves {
            assert!(
                line.contains(cve.as_str()),
                "{}: {cve} missing in {line}",
                d.id
            );
        }
    }

    // Importing a KEV catalog flags a bundled advisory; importing CSAF adds one.
    for f in ["kev_catalog.json", "csaf_camera.json"] {
        let o = run(&[
            "advisories",
            "--advisories-dir",
            &dir_s,
            "import",
            &fixture(f),
        ]);
        assert!(o.status.success(), "{f}: {}", stderr(&o));
    }
    let o = run(&["advisories", "list", "--advisories-dir", &dir_s]);
    let list = String::from_utf8_lossy(&o.stdout);
    assert!(list.contains("CVE-2018-10088\t9.8\tKEV\t"), "{list}");
    assert!(list.contains("CVE-2099-0001\t8.8\tKEV\tAxis\t"), "{list}");
}

#[test]
fn import_refuses_junk_with_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let junk = tmp.path().join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    let dir = tmp.path().join("adv").display().to_string();
    let o = run(&[
        "advisories",
        "--advisories-dir",
        &dir,
        "import",
        junk.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("neither a CSAF 2.0 document"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("adv").exists(), "nothing written");
}
