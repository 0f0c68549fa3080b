//! CSAF 2.0 and CISA KEV imports (fixtures written from the public schemas).

use camguard_advisories::{import_json, Database};

const CSAF: &str = include_str!("fixtures/csaf_camera.json");
const KEV: &str = include_str!("fixtures/kev_catalog.json");

#[test]
fn csaf_versions_and_ranges_become_matching_advisories() {
    let imported = import_json(CSAF).expect("CSAF");
    assert!(imported.kev.is_empty());
    assert_eq!(imported.advisories.len(), 1, "{:?}", imported.skipped);
    let a = &imported.advisories[0];
    assert_eq!(a.id, "CVE-2099-0001");
    assert_eq!(a.vendors, ["Axis"]);
    assert_eq!(a.cvss, 8.8);
    assert_eq!(a.fixed, ["10.12.200", "5.40.9.9"]);
    assert!(a.source.contains("EXAMPLE-SA-2026-001"), "{}", a.source);
    // Skipped: the unparsable version, the unknown product id, the CVE-less vulnerability.
    assert_eq!(imported.skipped.len(), 3, "{:?}", imported.skipped);

    let db = imported.into_database();
    let ids = |model: &str, fw: &str| -> Vec<String> {
        db.match_device("Axis", Some(model), fw)
            .into_iter()
            .map(|m| m.id)
            .collect()
    };
    assert_eq!(ids("P1346", "5.40.9.2"), ["CVE-2099-0001"]);
    assert!(ids("P1346", "5.40.9.9").is_empty(), "fixed version");
    assert!(
        ids("P1346", "5.40.9.3").is_empty(),
        "only the listed version"
    );
    assert_eq!(ids("Q6035-E", "10.12.114"), ["CVE-2099-0001"]);
    assert!(ids("Q6035-E", "10.12.200").is_empty());
    assert!(ids("M3106-L Mk II", "5.40.9.2").is_empty(), "other model");

    // The converted advisories survive the TOML format of the user directory.
    let again = Database::from_toml("user.toml", &db.to_toml()).expect("round trip");
    assert_eq!(again, db);
}

#[test]
fn kev_catalog_marks_known_advisories() {
    let imported = import_json(KEV).expect("KEV");
    assert_eq!(imported.kev, ["CVE-2018-10088", "CVE-2099-0001"]);
    assert!(imported.advisories.is_empty());

    let mut db = Database::builtin().clone();
    let before = db.match_device(
        "Xiongmai",
        Some("IPG-53H20PL-S"),
        "V4.02.R11.00000529.10010.140700.0000000",
    );
    assert!(before.iter().all(|m| !m.kev));
    db.merge(imported.into_database());
    let after = db.match_device(
        "Xiongmai",
        Some("IPG-53H20PL-S"),
        "V4.02.R11.00000529.10010.140700.0000000",
    );
    let kev: Vec<_> = after
        .iter()
        .filter(|m| m.kev)
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(kev, ["CVE-2018-10088"]);

    // The KEV list persists through a user file.
    let text = db.to_toml();
    assert!(text.contains("CVE-2099-0001"));
    let reloaded = Database::from_toml("user.toml", &text).expect("reload");
    assert_eq!(reloaded, db);
}
