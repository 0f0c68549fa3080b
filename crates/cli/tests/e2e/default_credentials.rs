//! AUTH.DEFAULT_CRED for every lab personality, with the real `camguard scan
//! --check-credentials`: a device that keeps its vendor's published default is found (the pair
//! comes from `data/scan/credentials.toml`), its twin with a changed password is not, and a
//! device whose "default" is a per-unit label code or an owner-made account is not claimed.

use crate::common::{
    default_password_published, finding_ids, records_by_ip, scan_whole_lab, test_addr,
};
use camguard_lab::{LabConfig, Personality};
use std::fmt::Write as _;

/// A kept and a changed device of every personality; ONVIF device information is readable, so
/// the scanner names the vendor and tries that vendor's pairs first.
fn lab_file() -> String {
    let mut toml = String::from("seed = 11\n");
    for p in Personality::all() {
        for (suffix, password) in [("kept", "kept"), ("changed", "changed")] {
            let _ = write!(
                toml,
                "\n[[device]]\nid = \"{id}-{suffix}\"\npersonality = \"{id}\"\n\
                 default_password = \"{password}\"\nonvif_auth = \"none\"\n",
                id = p.id
            );
        }
    }
    toml
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_published_vendor_default_is_found_and_nothing_else() {
    let config = LabConfig::from_toml_str(&lab_file()).expect("lab file");
    let (manifest, records) = scan_whole_lab(&config, test_addr(126, 1)).await;
    let by_ip = records_by_ip(&records);
    let mut found = 0;
    for d in &manifest.devices {
        let r = by_ip
            .get(&d.address.to_string())
            .unwrap_or_else(|| panic!("{}: not found by the scan", d.id));
        let want = default_password_published(d);
        assert_eq!(
            finding_ids(r).contains("AUTH.DEFAULT_CRED"),
            want,
            "{} ({} / vendor {}): attempts {}, findings {}",
            d.id,
            d.username,
            r["identity"]["vendor"],
            r["observation"]["credential_attempts"],
            r["findings"]
        );
        let attempts = r["observation"]["credential_attempts"]
            .as_array()
            .map_or(0, Vec::len);
        assert!(
            attempts <= 4,
            "{}: at most 4 attempts, made {attempts}",
            d.id
        );
        if want {
            found += 1;
            for f in r["findings"].as_array().expect("findings") {
                if f["check_id"] == "AUTH.DEFAULT_CRED" {
                    assert_eq!(f["evidence"]["username"], d.username.as_str(), "{}", d.id);
                    if !d.password.is_empty() {
                        assert_ne!(
                            f["evidence"]["password_redacted"],
                            d.password.as_str(),
                            "{}: the password is redacted",
                            d.id
                        );
                    }
                }
            }
        }
    }
    // Every personality but the per-unit ones (EZVIZ, Imou, Tapo) keeps a published default.
    let per_unit = Personality::all()
        .iter()
        .filter(|p| p.credentials.per_unit)
        .count();
    assert_eq!(found, Personality::all().len() - per_unit);
    assert!(per_unit >= 3, "EZVIZ, Imou and Tapo are per-unit");
}
