//! AUTH.DEFAULT_CRED over SSH with the real binary against the lab's SSH servers: a device whose
//! only login is SSH is found by its SSH default alone, a changed password is never found, the
//! evidence is redacted, the lab's host key is recorded, and SURF.SSH_EXPOSED still comes from
//! the identification string.

use crate::common::{expected_findings, finding_ids, json_lines, lab_ports, records_by_ip};
use crate::common::{scan_lab, start_lab};
use camguard_lab::LabConfig;

const LAB: &str = r#"
seed = 114

[[device]]
id = "ssh-only-kept"
personality = "hikvision"
default_password = "kept"
rtsp_auth = "none"
web_auth = "none"
onvif_auth = "none"
telnet = false
ssh = true

[[device]]
id = "hik-kept"
personality = "hikvision"
default_password = "kept"
telnet = false
ssh = true

[[device]]
id = "dahua-changed"
personality = "dahua"
default_password = "changed"
telnet = false
ssh = true
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_default_credentials_are_found_over_ssh_with_redacted_evidence() {
    let base = crate::common::test_addr(114, 1);
    let config = LabConfig::from_toml_str(LAB).expect("lab file");
    let lab = start_lab(&config, base).await;
    let manifest = lab.manifest().clone();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scan.jsonl");
    let db = dir.path().join("camguard.db");
    let started = std::time::Instant::now();
    scan_lab(
        base,
        manifest.devices.len(),
        &lab_ports(&manifest),
        false,
        &db,
        &out,
    )
    .await;
    let took = started.elapsed();
    lab.shutdown().await;

    let records = json_lines(&std::fs::read(&out).unwrap());
    let by_ip = records_by_ip(&records);
    for d in &manifest.devices {
        let r = by_ip[&d.address.to_string()];
        let ids = finding_ids(r);
        let want = expected_findings(d, false);
        for id in ["AUTH.DEFAULT_CRED", "SURF.SSH_EXPOSED"] {
            let expected = id == "SURF.SSH_EXPOSED" || want.contains(id);
            assert_eq!(
                ids.contains(id),
                expected,
                "{}: {id}: {}",
                d.id,
                r["findings"]
            );
        }
        let ssh_hits: Vec<&serde_json::Value> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check_id"] == "AUTH.DEFAULT_CRED" && f["evidence"]["protocol"] == "ssh")
            .collect();
        let attempts = r["observation"]["credential_attempts"].as_array().unwrap();
        assert!(attempts.len() <= 4, "{}: cap: {attempts:?}", d.id);
        match d.id.as_str() {
            "ssh-only-kept" | "hik-kept" => {
                assert_eq!(ssh_hits.len(), 1, "{}: {}", d.id, r["findings"]);
                let e = &ssh_hits[0]["evidence"];
                assert_eq!(e["port"], d.ports["ssh"]);
                assert_eq!(e["username"], d.username.as_str());
                assert_ne!(e["password_redacted"], d.password.as_str(), "redacted");
            }
            _ => {
                assert!(ssh_hits.is_empty(), "{}: {}", d.id, r["findings"]);
                assert!(
                    attempts.iter().any(|a| a["protocol"] == "ssh") || attempts.len() == 4,
                    "{}: SSH tried or the cap spent elsewhere: {attempts:?}",
                    d.id
                );
            }
        }
        // Every SSH port's key is read without credentials; each device has its own.
        let keys = r["observation"]["ssh_host_keys"]
            .as_array()
            .expect("ssh_host_keys");
        let fingerprint = camguard_lab::ssh_server::fingerprint_for(
            114,
            &d.id,
            camguard_lab::ssh_server::HostKeyMode::Unique,
        );
        assert_eq!(
            keys[0]["fingerprint_sha256"],
            fingerprint.as_str(),
            "{}",
            d.id
        );
        assert!(
            !ids.contains("COMM.SHARED_SSH_KEY"),
            "{}: unique keys",
            d.id
        );
    }
    assert!(
        took < std::time::Duration::from_secs(60),
        "scan took {took:?}"
    );
}
