//! COMM.SHARED_SSH_KEY with the real binary against `data/lab/ssh-fleet.toml`: three devices
//! of a cloned firmware image present one SSH host key, two have their own. The keys are read
//! without the credential check (key exchange only), the clones each get a finding naming the
//! other two, and the fleet check is recorded as run on every device whose key was read.

use crate::common::{address_range, camguard, finding_ids, json_lines, lab_ports};
use crate::common::{records_by_ip, start_lab, stderr};
use camguard_lab::LabConfig;

const LAB: &str = include_str!("../../../../data/lab/ssh-fleet.toml");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloned_firmware_sharing_one_ssh_host_key_is_found_without_credentials() {
    let base = crate::common::test_addr(116, 1);
    let config = LabConfig::from_toml_str(LAB).expect("lab file");
    let lab = start_lab(&config, base).await;
    let manifest = lab.manifest().clone();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scan.jsonl");
    let ports: Vec<String> = lab_ports(&manifest).iter().map(u16::to_string).collect();
    let mut cmd = camguard();
    // No --check-credentials: the host keys must come from the key-exchange-only probe.
    cmd.args([
        "scan",
        &address_range(base, manifest.devices.len()),
        "--ports",
        &ports.join(","),
        "--quiet",
    ])
    .arg("--db")
    .arg(dir.path().join("camguard.db"))
    .arg("--output")
    .arg(&out);
    let o = tokio::task::spawn_blocking(move || cmd.output().expect("run camguard scan"))
        .await
        .expect("scan thread");
    lab.shutdown().await;
    assert!(o.status.success(), "{}", stderr(&o));

    let records = json_lines(&std::fs::read(&out).unwrap());
    // The later line for an address supersedes the earlier one.
    let by_ip = records_by_ip(&records);
    let cloned: Vec<String> = manifest
        .devices
        .iter()
        .filter(|d| d.id.starts_with("cloned-"))
        .map(|d| d.address.to_string())
        .collect();
    assert_eq!(cloned.len(), 3);
    let mut fingerprints = Vec::new();
    for d in &manifest.devices {
        let ip = d.address.to_string();
        let r = by_ip[&ip];
        assert!(
            r["observation"]["credential_attempts"]
                .as_array()
                .is_none_or(Vec::is_empty),
            "{}: no login may be tried: {r}",
            d.id
        );
        let keys = r["observation"]["ssh_host_keys"].as_array().expect("keys");
        assert_eq!(keys.len(), 1, "{}: {keys:?}", d.id);
        assert_eq!(keys[0]["port"], d.ports["ssh"]);
        fingerprints.push(keys[0]["fingerprint_sha256"].as_str().unwrap().to_string());
        let run = r["checks_run"].as_array().expect("checks_run");
        assert!(
            run.iter().any(|c| c == "COMM.SHARED_SSH_KEY"),
            "{}: {run:?}",
            d.id
        );
        let shared: Vec<&serde_json::Value> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check_id"] == "COMM.SHARED_SSH_KEY")
            .collect();
        if d.id.starts_with("cloned-") {
            assert_eq!(shared.len(), 1, "{}: {}", d.id, r["findings"]);
            let e = &shared[0]["evidence"];
            assert_eq!(e["devices_sharing"], 3);
            assert_eq!(e["port"], d.ports["ssh"]);
            let mut others: Vec<String> = e["other_addresses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            others.push(ip.clone());
            others.sort();
            let mut want = cloned.clone();
            want.sort();
            assert_eq!(others, want, "{}", d.id);
            assert_eq!(shared[0]["severity"], "high");
        } else {
            assert!(shared.is_empty(), "{}: {}", d.id, r["findings"]);
            assert!(!finding_ids(r).contains("COMM.SHARED_SSH_KEY"));
        }
    }
    // Clones alike, own keys apart from them and from each other.
    assert_eq!(fingerprints[0], fingerprints[1]);
    assert_eq!(fingerprints[1], fingerprints[2]);
    assert_ne!(fingerprints[3], fingerprints[0]);
    assert_ne!(fingerprints[3], fingerprints[4]);
}
