//! The Uniview and Axis advisories against the real `camguard scan`: the firmware the scanner
//! identifies over ONVIF parses in the vendor's scheme, the vulnerable build of each vendor
//! reports `VULN.KNOWN_FIRMWARE_CVE` with exactly the lab's CVEs, and the later build reports
//! none.

use crate::common::{expected_findings, finding_ids, records_by_ip, scan_whole_lab, test_addr};
use camguard_lab::LabConfig;
use std::collections::BTreeSet;

/// Two builds per vendor, ONVIF device information readable anonymously (the firmware is
/// identified without credentials); passwords changed, so the findings are about firmware.
const LAB: &str = r#"seed = 7

[[device]]
personality = "axis"
id = "axis-lts2016"
model = "P3245-LVE"
firmware = "6.50.1"
onvif_auth = "none"
default_password = "changed"

[[device]]
personality = "axis"
id = "axis-os10"
model = "P3245-LVE"
firmware = "10.12.114"
onvif_auth = "none"
default_password = "changed"

[[device]]
personality = "uniview"
id = "uniview-2018"
model = "IPC2122LB-SF28-A"
firmware = "IPC_D1201-B0005P57D1811"
onvif_auth = "none"
default_password = "changed"

[[device]]
personality = "uniview"
id = "uniview-2021"
model = "IPC2122LB-SF28-A"
firmware = "IPC_G6103-B0005P60D2101"
onvif_auth = "none"
default_password = "changed"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uniview_and_axis_vulnerable_builds_report_their_cves_and_later_builds_none() {
    let config = LabConfig::from_toml_str(LAB).expect("lab");
    let (manifest, records) = scan_whole_lab(&config, test_addr(125, 1)).await;
    let by_ip = records_by_ip(&records);
    let want_cves = |id: &str| -> BTreeSet<&str> {
        match id {
            "axis-lts2016" => ["CVE-2018-10660", "CVE-2018-10661", "CVE-2018-10662"].into(),
            "uniview-2018" => ["CVE-2021-45039"].into(),
            _ => BTreeSet::new(),
        }
    };
    for d in &manifest.devices {
        let r = by_ip
            .get(&d.address.to_string())
            .unwrap_or_else(|| panic!("{}: not found by the scan", d.id));
        assert_eq!(
            r["identity"]["firmware"], d.firmware,
            "{}: firmware identified",
            d.id
        );
        let known: BTreeSet<&str> = d.known_cves.iter().map(String::as_str).collect();
        assert_eq!(known, want_cves(&d.id), "{}: the lab's CVEs", d.id);
        assert_eq!(finding_ids(r), expected_findings(d, false), "{}", d.id);
        let got: BTreeSet<&str> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check_id"] == "VULN.KNOWN_FIRMWARE_CVE")
            .flat_map(|f| f["evidence"]["cves"].as_array().unwrap().iter())
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(got, want_cves(&d.id), "{}: {}", d.id, r["findings"]);
    }
}
