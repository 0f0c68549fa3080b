//! The shipped baseline catalogues: they parse, they are bilingual, they reference real checks
//! and real ETSI provisions, and they map the checks where the public QCVN 135 / ETSI EN 303 645 mapping puts them.

use crate::builtin;
use camguard_baseline::{Baseline, VerificationClass};
use camguard_checks::Catalogue;
use chrono::NaiveDate;
use std::collections::BTreeSet;

const IDS: [&str; 4] = [
    "qcvn-11-2026",
    "qcvn-135-2024",
    "qd-724-2024",
    "etsi-en-303-645-v2.1.1",
];

fn get<'a>(r: &'a camguard_baseline::Registry, id: &str) -> &'a Baseline {
    r.get(id).unwrap_or_else(|| panic!("baseline {id} missing"))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("bad test date"))
}

#[test]
fn every_data_file_parses_into_the_registry() {
    let r = builtin();
    let loaded: Vec<&str> = r.all().iter().map(|b| b.id.as_str()).collect();
    assert_eq!(loaded, IDS);
    // Every file in data/baselines is embedded (no file forgotten in the registry).
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/baselines");
    let mut on_disk = 0;
    for entry in std::fs::read_dir(dir).expect("data/baselines readable") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            on_disk += 1;
            let text = std::fs::read_to_string(&path).expect("readable");
            let b = Baseline::from_toml(&text, &path.display().to_string())
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                r.get(&b.id),
                Some(&b),
                "{} is not the embedded copy",
                path.display()
            );
        }
    }
    assert_eq!(on_disk, IDS.len());
}

#[test]
fn baseline_metadata_matches_regulations() {
    let r = builtin();
    let q11 = get(&r, "qcvn-11-2026");
    assert_eq!(q11.valid_from, date(2026, 7, 1));
    assert_eq!(q11.valid_until, None);
    assert!(q11.is_mandatory() && q11.provisional);
    assert!(
        q11.provisions.iter().all(|p| p.provisional),
        "QCVN 11 text is not public"
    );

    let q135 = get(&r, "qcvn-135-2024");
    assert_eq!(q135.valid_from, date(2025, 2, 15));
    assert_eq!(q135.valid_until, Some(date(2026, 6, 30)));
    assert!(q135.is_mandatory());
    assert!(
        q135.provisions.iter().all(|p| p.provisional),
        "2.1 … 2.11 numbering is provisional"
    );
    assert_eq!(q135.provisions.len(), 30);

    let d724 = get(&r, "qd-724-2024");
    assert_eq!(d724.valid_from, date(2024, 5, 7));
    assert_eq!(d724.status, "recommended");
    let lockout = d724.provision("724-2a").expect("724-2a");
    assert!(lockout.text.en.contains("5 minutes") && lockout.text.en.contains("30 seconds"));
    let strength = d724.provision("724-2d").expect("724-2d");
    assert!(strength.text.en.contains("8 characters"));

    let etsi = get(&r, "etsi-en-303-645-v2.1.1");
    assert!(!etsi.provisional && !etsi.is_mandatory());
    assert_eq!(etsi.provisions.len(), 67);

    for b in r.all() {
        assert!(!b.sources.is_empty(), "{} has no sources", b.id);
        assert!(b.sources.iter().all(|s| s.starts_with("http")), "{}", b.id);
    }
}

#[test]
fn every_provision_and_title_has_real_vietnamese() {
    for b in builtin().all() {
        assert!(!b.title.vi.is_ascii(), "{} title lacks diacritics", b.id);
        for p in &b.provisions {
            assert!(
                !p.text.vi.is_ascii(),
                "{} {}: vi lacks diacritics",
                b.id,
                p.id
            );
            assert_ne!(p.text.vi, p.text.en, "{} {}", b.id, p.id);
            assert!(
                !p.source.trim().is_empty(),
                "{} {} has no source",
                b.id,
                p.id
            );
        }
    }
}

#[test]
fn every_referenced_check_exists_in_the_check_catalogue() {
    let catalogue = Catalogue::builtin();
    let mut referenced = BTreeSet::new();
    for b in builtin().all() {
        for p in &b.provisions {
            for c in &p.checks {
                assert!(
                    catalogue.get(c).is_some(),
                    "{} {} names unknown check {c}",
                    b.id,
                    p.id
                );
                referenced.insert(c.clone());
            }
        }
    }
    // And every check bears on some provision of some baseline.
    for def in catalogue.all() {
        assert!(
            referenced.contains(&def.id),
            "{} bears on no provision",
            def.id
        );
    }
}

#[test]
fn every_etsi_reference_is_a_provision_of_the_etsi_baseline() {
    let r = builtin();
    let etsi = get(&r, "etsi-en-303-645-v2.1.1");
    for b in r.all() {
        for p in &b.provisions {
            for e in &p.etsi {
                assert!(
                    etsi.provision(e).is_some(),
                    "{} {} cites unknown ETSI {e}",
                    b.id,
                    p.id
                );
            }
        }
    }
}

#[test]
fn remote_checks_never_complete_a_builtin_provision() {
    // A remote scan may fail a provision but must not pass one on these catalogues.
    for b in builtin().all() {
        for p in &b.provisions {
            assert!(!p.remote_complete, "{} {}", b.id, p.id);
            if !p.checks.is_empty() {
                assert!(
                    p.classes
                        .iter()
                        .any(|c| matches!(c, VerificationClass::R | VerificationClass::RIntrusive)),
                    "{} {} has checks but no remote class",
                    b.id,
                    p.id
                );
            }
        }
    }
}

/// (QCVN provision, ETSI provision, check) triples from the public QCVN 135 / ETSI EN 303 645 mapping.
const MAPPING: [(&str, &str, &str); 10] = [
    ("2.1.a", "5.1-1", "AUTH.DEFAULT_CRED"),
    ("2.5.e", "5.5-4", "AUTH.NO_AUTH_STREAM"),
    ("2.6.a", "5.6-1", "SURF.TELNET"),
    ("2.5.a", "5.5-1", "COMM.CLEARTEXT_ADMIN"),
    ("2.5.c", "5.5-7", "COMM.CLEARTEXT_ADMIN"),
    ("2.1.c", "5.1-3", "COMM.CLEARTEXT_ADMIN"),
    ("2.6.b", "5.6-2", "SURF.ANON_DEVICEINFO"),
    ("2.1.a", "", "AUTH.NO_AUTH_STREAM"),
    ("2.6.c", "", "SURF.TELNET"),
    ("2.5.c", "5.5-7", "SURF.TELNET"),
];

#[test]
fn checks_map_onto_the_right_provisions() {
    let r = builtin();
    let etsi = get(&r, "etsi-en-303-645-v2.1.1");
    for qcvn in ["qcvn-135-2024", "qcvn-11-2026"] {
        let b = get(&r, qcvn);
        for (prov, etsi_id, check) in MAPPING {
            let p = b.provision(prov).unwrap_or_else(|| panic!("{qcvn} {prov}"));
            assert!(
                p.checks.iter().any(|c| c == check),
                "{qcvn} {prov} lacks {check}"
            );
            if !etsi_id.is_empty() {
                assert!(
                    p.etsi.iter().any(|e| e == etsi_id),
                    "{qcvn} {prov} not tied to {etsi_id}"
                );
                let e = etsi
                    .provision(etsi_id)
                    .unwrap_or_else(|| panic!("{etsi_id}"));
                assert!(
                    e.checks.iter().any(|c| c == check),
                    "ETSI {etsi_id} lacks {check}"
                );
            }
        }
        // Anonymous device information does not violate "model designation recognisable".
        let model = b.provision("2.3.e").expect("2.3.e");
        assert!(!model.checks.iter().any(|c| c == "SURF.ANON_DEVICEINFO"));
    }
    let d724 = get(&r, "qd-724-2024");
    let forced_change = d724.provision("724-2c").expect("724-2c");
    assert!(forced_change
        .checks
        .iter()
        .any(|c| c == "AUTH.DEFAULT_CRED"));
}

#[test]
fn in_force_follows_the_transition_on_2026_07_01() {
    let r = builtin();
    let at = |y, m, d| r.in_force(date(y, m, d)).map(|b| b.id.as_str());
    assert_eq!(at(2026, 6, 30), Some("qcvn-135-2024"));
    assert_eq!(at(2026, 7, 1), Some("qcvn-11-2026"));
    assert_eq!(at(2026, 11, 27), Some("qcvn-11-2026"));
    assert_eq!(at(2025, 2, 15), Some("qcvn-135-2024"));
    // Before QCVN 135 only recommendations existed: nothing mandatory is in force.
    assert_eq!(at(2025, 2, 14), None);
}
