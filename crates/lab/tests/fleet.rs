//! Compact fleet lab files: the shipped Vietnamese estate parses into 10,000 devices with the
//! weakness rates it cites, generation is reproducible (same file and seed, same manifest),
//! and fleets mix with explicit devices.

use camguard_lab::{AuthMode, Lab, LabConfig, LabOptions, Personality};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

const ESTATE: &str = include_str!("../../../data/lab/vietnam-estate.toml");

fn share(config: &LabConfig, pred: impl Fn(&camguard_lab::DeviceSpec) -> bool) -> f64 {
    config.devices.iter().filter(|d| pred(d)).count() as f64 / config.devices.len() as f64
}

#[test]
fn vietnam_estate_has_ten_thousand_devices_with_the_cited_rates() {
    let a = LabConfig::from_toml_str(ESTATE).expect("estate parses");
    assert_eq!(a.devices.len(), 10_000);
    let b = LabConfig::from_toml_str(ESTATE).expect("estate parses again");
    assert_eq!(a, b, "same file and seed, same lab");
    let reseeded = ESTATE.replace("seed = 2020", "seed = 2021");
    let c = LabConfig::from_toml_str(&reseeded).expect("reseeded estate");
    assert_ne!(a, c, "another seed, another lab");

    let mut per_personality: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &a.devices {
        *per_personality.entry(d.personality.as_str()).or_default() += 1;
    }
    assert_eq!(per_personality["hikvision"], 2600);
    assert_eq!(per_personality["dahua"], 1500);
    assert_eq!(per_personality["vantech"], 700);
    assert!(per_personality.len() >= 12, "{per_personality:?}");

    // Cục ATTT 2020: ~70% never changed the default password.
    let kept = share(&a, |d| d.default_password_kept);
    assert!(
        (0.67..=0.73).contains(&kept),
        "default password kept: {kept}"
    );
    // MIC 2024: ~45% exploitable; here: a firmware version with known CVEs.
    let vulnerable = share(&a, |d| {
        d.personality().is_some_and(|p| {
            p.identity
                .vulnerable_firmware
                .iter()
                .any(|v| v.firmware == d.firmware)
        })
    });
    assert!(
        (0.42..=0.48).contains(&vulnerable),
        "vulnerable firmware: {vulnerable}"
    );
    // Many exposed streams.
    let open_rtsp = share(&a, |d| d.rtsp_auth == AuthMode::None);
    assert!(
        (0.12..=0.25).contains(&open_rtsp),
        "anonymous RTSP: {open_rtsp}"
    );
    // Every id is unique and every firmware belongs to its personality.
    let ids: std::collections::BTreeSet<_> = a.devices.iter().map(|d| &d.id).collect();
    assert_eq!(ids.len(), 10_000);
    for d in &a.devices {
        let p = Personality::get(&d.personality).expect("known personality");
        assert!(
            p.identity.firmware.contains(&d.firmware),
            "{}: {}",
            d.id,
            d.firmware
        );
        assert!(
            p.identity.models.contains(&d.model),
            "{}: {}",
            d.id,
            d.model
        );
    }
}

const SMALL: &str = r#"
seed = 5

[[device]]
id = "hand-made"
personality = "dahua"
rtsp_auth = "none"

[[fleet]]
personality = "hikvision"
count = 40
default_password = { kept = 0.5, changed = 0.5 }
rtsp_auth = { none = 0.25, digest = 0.75 }
telnet = 0.2

[[fleet]]
personality = { dahua = 0.5, generic_onvif = 0.5 }
id_prefix = "mixed"
count = 20
web_auth = "basic"
"#;

#[test]
fn fleets_follow_explicit_devices_and_keep_fixed_values() {
    let lab = LabConfig::from_toml_str(SMALL).expect("parses");
    assert_eq!(lab.devices.len(), 61);
    assert_eq!(lab.devices[0].id, "hand-made");
    assert_eq!(lab.devices[1].id, "hikvision-1");
    assert_eq!(lab.devices[41].id, "mixed-1");
    assert!(lab.devices[41..]
        .iter()
        .all(|d| d.web_auth == AuthMode::Basic));
    let kinds: std::collections::BTreeSet<_> = lab.devices[41..]
        .iter()
        .map(|d| d.personality.as_str())
        .collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
}

#[test]
fn fleet_errors_name_the_fleet_and_oversized_labs_are_refused() {
    let bad =
        "[[fleet]]\npersonality = \"dahua\"\ncount = 3\ntelnet = { true = 0.3, false = 0.3 }\n";
    let err = LabConfig::from_toml_str(bad).expect_err("sum 0.6");
    let text = err.to_string();
    assert!(
        text.contains("fleet #1 (dahua)") && text.contains("telnet") && text.contains("sum"),
        "{text}"
    );
    let huge = "[[fleet]]\npersonality = \"dahua\"\ncount = 1000000\n";
    let err = LabConfig::from_toml_str(huge).expect_err("too many");
    assert!(err.to_string().contains("at most 65000"), "{err}");
    let unknown = "[[fleet]]\npersonality = \"dahua\"\ncount = 2\ncolour = \"red\"\n";
    let err = LabConfig::from_toml_str(unknown).expect_err("unknown field");
    assert!(err.to_string().contains("colour"), "{err}");
}

/// Same file and seed ⇒ identical manifest (the running lab's ground truth).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_file_and_seed_give_the_same_manifest() {
    let base = Ipv4Addr::new(127, 91, 7, 1);
    let opts = LabOptions {
        base,
        port_offset: 34_000,
    };
    let mut manifests = Vec::new();
    for _ in 0..2 {
        let config = LabConfig::from_toml_str(SMALL).expect("parses");
        let lab = Lab::start(&config, &opts).await.expect("lab starts");
        manifests.push(lab.manifest().clone());
        lab.shutdown().await;
    }
    assert_eq!(manifests[0], manifests[1]);
    assert_eq!(manifests[0].devices.len(), 61);
}
