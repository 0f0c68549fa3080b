//! AUTH.DEFAULT_CRED for an SSH server that lets the account in with `none` (a device whose
//! password is empty): the finding says SSH accepts login without password, and the recorded
//! attempt names the user and "(none)" rather than the pair the check happened to try.

use crate::common::{records_by_ip, scan_whole_lab};
use camguard_lab::LabConfig;

const LAB: &str = r#"
seed = 117

[[device]]
id = "empty-password"
personality = "hikvision"
password = ""
rtsp_auth = "none"
web_auth = "none"
onvif_auth = "none"
telnet = false
ssh = true

[[device]]
id = "changed"
personality = "dahua"
default_password = "changed"
telnet = false
ssh = true
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_login_without_password_is_reported_as_such() {
    let config = LabConfig::from_toml_str(LAB).expect("lab file");
    let (manifest, records) = scan_whole_lab(&config, crate::common::test_addr(117, 1)).await;
    let by_ip = records_by_ip(&records);
    for d in &manifest.devices {
        let r = by_ip[&d.address.to_string()];
        let ssh_none: Vec<&serde_json::Value> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["check_id"] == "AUTH.DEFAULT_CRED"
                    && f["evidence"]["protocol"] == "ssh"
                    && f["evidence"]["method"] == "none"
            })
            .collect();
        let attempts: Vec<&serde_json::Value> = r["observation"]["credential_attempts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["protocol"] == "ssh" && a["accepted"] == true)
            .collect();
        if d.id == "empty-password" {
            assert_eq!(ssh_none.len(), 1, "{}", r["findings"]);
            let f = ssh_none[0];
            let summary = f["summary"].as_str().unwrap();
            assert!(
                summary.starts_with("SSH accepts login without password"),
                "{summary}"
            );
            assert_eq!(f["evidence"]["username"], d.username.as_str());
            assert_eq!(
                f["evidence"]["password_redacted"],
                camguard_model::NO_PASSWORD
            );
            assert_eq!(f["port"], d.ports["ssh"]);
            assert_eq!(attempts.len(), 1, "{attempts:?}");
            assert_eq!(
                attempts[0]["password_redacted"],
                camguard_model::NO_PASSWORD
            );
        } else {
            assert!(ssh_none.is_empty(), "{}: {}", d.id, r["findings"]);
            assert!(attempts.is_empty(), "{}: {attempts:?}", d.id);
        }
    }
}
