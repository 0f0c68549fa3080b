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
        ["CVE-2017-7921", "CVE-2021-36260", "CVE-2017-7923"],
        "highest CVSS first"
    );
    assert!(hit[0].kev);
}

#[test]
fn table_of_real_devices() {
    let db = Database::builtin();
    let table: &[(&str, &str, &str, &[&str])] = &[
        (
            "Hikvision",
            "DS-2CD2032F-I",
            "V5.4.0 build 160530",
            &["CVE-2017-7921", "CVE-2021-36260", "CVE-2017-7923"],
        ),
        (
            "Hikvision",
            "DS-2CD2032F-I",
            "V5.4.1 build 160525",
            &["CVE-2021-36260"],
        ),
        (
            "Hikvision",
            "DS-2CD2032F-I",
            "V5.1.8 build 140616",
            &["CVE-2021-36260"],
        ),
        ("Hikvision", "DS-7608NI-K2", "V4.22.005 build 191024", &[]),
        (
            "Dahua",
            "IPC-HFW2431S-S-S2",
            "2.800.0000000.8.R, Build Date 2021-07-13",
            &["CVE-2021-33044", "CVE-2021-33045", "CVE-2022-30563"],
        ),
        (
            "Dahua",
            "XVR5108HS-I3",
            "4.001.0000000.7.R, Build Date 2022-11-08",
            &[],
        ),
        (
            "Dahua",
            "IPC-HFW1230S-S5",
            "2.800.0000000.8.R, Build Date 2021-07-13",
            &[],
        ),
        (
            "Imou",
            "IPC-A22EP",
            "2.680.0000000.18.R, Build Date 2020-09-25",
            &[],
        ),
        (
            "AVTECH",
            "AVM1203",
            "FullImg-1023-1007-1011-1009",
            &["CVE-2024-7029"],
        ),
        ("AVTECH", "AVM1203", "FullImg-1023-1007-1011-1010", &[]),
        (
            "Reolink",
            "RLC-410W",
            "v3.0.0.136_20121102",
            &["CVE-2021-40407"],
        ),
        ("Reolink", "RLC-410W", "v3.0.0.494_21073002", &[]),
        ("Reolink", "RLC-410W", "1.0.227", &["CVE-2019-11001"]),
        (
            "TP-Link",
            "Tapo C200",
            "1.1.16 Build 211209 Rel.37726n",
            &[],
        ),
        (
            "Xiongmai",
            "IPG-53H20PL-S",
            "V4.02.R11.00000529.10010.140700.0000000",
            &["CVE-2018-10088", "CVE-2017-7577"],
        ),
    ];
    for (vendor, model, fw, want) in table {
        let got: Vec<String> = db
            .match_device(vendor, Some(model), fw)
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(got, *want, "{vendor} {model} {fw}");
    }
}
