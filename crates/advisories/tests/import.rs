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

const CSAF_CISA: &str = include_str!("fixtures/csaf_cisa_style_avtech.json");
const CSAF_VERS: &str = include_str!("fixtures/csaf_vers_ranges.json");
const KEV_RANSOMWARE: &str = include_str!("fixtures/kev_ransomware.json");

fn ids(db: &Database, vendor: &str, model: &str, fw: &str) -> Vec<String> {
    db.match_device(vendor, Some(model), fw)
        .into_iter()
        .map(|m| m.id)
        .collect()
}

#[test]
fn cisa_style_csaf_matches_the_device_despite_legal_vendor_name_and_product_description() {
    let imported = import_json(CSAF_CISA).expect("CSAF");
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    let a = &imported.advisories[0];
    assert_eq!(a.id, "CVE-2024-7029");
    assert_eq!(a.vendors, ["AVTECH Security Corporation"]);
    assert_eq!(a.cvss, 8.8);
    assert!(a.source.contains("ICSA-24-214-07 (CISA)"), "{}", a.source);
    let db = imported.into_database();
    // As camguard identifies the device: vendor "AVTECH", model "AVM1203".
    for fw in ["FullImg-1023-1007-1011-1009", "FullImg-1023-1007-1011-1005"] {
        assert_eq!(ids(&db, "AVTECH", "AVM1203", fw), ["CVE-2024-7029"], "{fw}");
    }
    assert!(ids(&db, "AVTECH", "AVM1203", "FullImg-1023-1007-1011-1010").is_empty());
    assert!(ids(&db, "AVTECH", "AVM1204", "FullImg-1023-1007-1011-1009").is_empty());
    assert!(ids(&db, "AV", "AVM1203", "FullImg-1023-1007-1011-1009").is_empty());
}

#[test]
fn vers_ranges_and_normalised_versions_match_vendor_firmware_strings() {
    let imported = import_json(CSAF_VERS).expect("CSAF");
    assert_eq!(imported.advisories.len(), 1, "{:?}", imported.skipped);
    // `vers:all/*` cannot be expressed as bounds: skipped, never "every version".
    assert_eq!(imported.skipped.len(), 1, "{:?}", imported.skipped);
    assert!(
        imported.skipped[0].contains("vers:all/*"),
        "{:?}",
        imported.skipped
    );
    let a = &imported.advisories[0];
    assert_eq!(a.fixed, ["5.5.800"], "first_fixed");
    let db = imported.into_database();
    let hik = |model: &str, fw: &str| ids(&db, "Hikvision", model, fw);
    // `DS-2CD2xx2F-I` is a pattern; the range is >=5.2.0 and <=5.4.0 in dotted numbers.
    assert_eq!(
        hik("DS-2CD2032F-I", "V5.3.0 build 151016"),
        ["CVE-2099-0002"]
    );
    assert_eq!(
        hik("DS-2CD2132F-IS", "V5.3.0 build 151016"),
        Vec::<String>::new()
    );
    assert!(hik("DS-2CD2032F-I", "V5.4.5 build 170124").is_empty());
    assert!(hik("DS-2CD2032F-I", "V5.1.0 build 140101").is_empty());
    // <5.5.800 against Hikvision's own strings: decided by the numbers where they differ.
    assert_eq!(
        hik("DS-2CD2143G0-I", "V5.5.82 build 190909"),
        ["CVE-2099-0002"]
    );
    assert!(hik("DS-2CD2143G0-I", "V5.6.3 build 190923").is_empty());
    // Equal numbers: only the build could decide, and the bound has none: no match.
    assert!(hik("DS-2CD2143G0-I", "V5.5.800 build 210628").is_empty());
    // Dahua's four-number scheme never orders against a plain dotted bound.
    assert!(ids(&db, "Hikvision", "DS-2CD2143G0-I", "2.800.0000000.8.R").is_empty());
}

#[test]
fn kev_ransomware_use_is_recorded_and_survives_the_user_file() {
    let imported = import_json(KEV_RANSOMWARE).expect("KEV");
    assert_eq!(imported.kev, ["CVE-2024-7029", "CVE-2099-0002"]);
    assert_eq!(imported.ransomware, ["CVE-2024-7029"]);
    let mut db = Database::builtin().clone();
    let user =
        Database::from_toml("user.toml", &imported.into_database().to_toml()).expect("round trip");
    db.merge(user);
    let m = db.match_device("AVTECH", Some("AVM1203"), "FullImg-1023-1007-1011-1009");
    assert_eq!(m.len(), 1);
    assert!(m[0].kev && m[0].ransomware, "{m:?}");
    let hik = db.match_device("Hikvision", Some("DS-2CD2143G0-I"), "V5.5.82 build 190909");
    assert!(hik.iter().all(|m| !m.ransomware), "{hik:?}");
}
