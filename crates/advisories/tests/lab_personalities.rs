//! The bundled database agrees with the lab: every personality's `vulnerable_firmware` CVEs
//! match its default model and that firmware, and its other firmware matches nothing on any
//! model.

use camguard_advisories::Database;
use std::collections::BTreeSet;
use std::path::Path;

struct Personality {
    file: String,
    vendor: String,
    models: Vec<String>,
    firmware: Vec<String>,
    vulnerable: Vec<(String, Vec<String>)>,
}

fn strings(v: &toml::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn personalities() -> Vec<Personality> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/lab/personalities");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("personality dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let v: toml::Value = toml::from_str(&std::fs::read_to_string(&path).expect("read"))
                .expect("personality toml");
            let id = &v["identity"];
            Personality {
                file: path.file_name().unwrap().to_string_lossy().into_owned(),
                vendor: v["vendor"].as_str().expect("vendor").to_string(),
                models: strings(&id["models"]),
                firmware: strings(&id["firmware"]),
                vulnerable: id
                    .get("vulnerable_firmware")
                    .and_then(|x| x.as_array())
                    .map(|a| {
                        a.iter()
                            .map(|e| {
                                (
                                    e["firmware"].as_str().expect("firmware").to_string(),
                                    strings(&e["cves"]),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

#[test]
fn every_lab_vulnerable_firmware_matches_its_cves_and_other_firmware_matches_nothing() {
    let db = Database::builtin();
    let all = personalities();
    assert!(all.len() >= 15, "{} personalities", all.len());
    let mut vulnerable_pairs = 0;
    for p in &all {
        let default_model = p.models.first().map(String::as_str);
        for (fw, cves) in &p.vulnerable {
            let got: BTreeSet<String> = db
                .match_device(&p.vendor, default_model, fw)
                .into_iter()
                .map(|m| m.id)
                .collect();
            for cve in cves {
                assert!(
                    got.contains(cve),
                    "{}: {} {default_model:?} {fw:?} should match {cve}, got {got:?}",
                    p.file,
                    p.vendor
                );
            }
            vulnerable_pairs += 1;
        }
        for fw in &p.firmware {
            if p.vulnerable.iter().any(|(v, _)| v == fw) {
                continue;
            }
            for model in &p.models {
                let got = db.match_device(&p.vendor, Some(model), fw);
                assert!(
                    got.is_empty(),
                    "{}: {} {model} {fw:?} is not vulnerable in the lab but matched {:?}",
                    p.file,
                    p.vendor,
                    got.iter().map(|m| &m.id).collect::<Vec<_>>()
                );
            }
        }
    }
    assert!(vulnerable_pairs >= 9, "{vulnerable_pairs}");
}

#[test]
fn unknown_model_or_unparsable_firmware_never_matches_model_specific_advisories() {
    let db = Database::builtin();
    assert!(db
        .match_device("Hikvision", None, "V5.5.82 build 190909")
        .is_empty());
    assert!(db
        .match_device("Hikvision", Some("DS-2CD2143G0-I"), "five point five")
        .is_empty());
    assert!(
        db.match_device("Hikvision", Some("DS-2CD2143G0-I"), "V5.5.82")
            .is_empty(),
        "no build date: the build_before bound is undecidable"
    );
    assert!(
        db.match_device("Dahua", Some("IPC-HFW2431S-S-S2"), "2.800.0000000.8.R")
            .is_empty(),
        "no build date"
    );
    let hit = db.match_device("hikvision", Some("DS-2CD2032F-I"), "V5.3.0 build 150513");
    let ids: Vec<_> = hit.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        ["CVE-2017-7921", "CVE-2021-36260"],
        "highest CVSS first"
    );
    assert!(hit[0].kev);
}
