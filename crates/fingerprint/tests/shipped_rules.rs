//! The built-in rule set: loads, every example holds, and the strings the camera lab emits
//! are identified.

use camguard_fingerprint::{Engine, BUILTIN_RULE_FILES};
use camguard_model::{DeviceType, FingerprintInput, Identity};
use std::collections::BTreeSet;
use std::path::Path;

fn engine() -> Engine {
    Engine::builtin().expect("built-in rules load")
}

fn identify(json: serde_json::Value) -> Identity {
    let input: FingerprintInput = serde_json::from_value(json).expect("valid input");
    engine().identify(&input)
}

#[test]
fn every_shipped_rule_example_holds() {
    let e = engine();
    assert!(e.rule_count() >= 50, "only {} rules", e.rule_count());
    let failures = e.verify_examples();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_data_file_is_embedded() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/fingerprints");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    let embedded: BTreeSet<String> = BUILTIN_RULE_FILES
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    assert_eq!(on_disk, embedded);
}

#[test]
fn every_rule_has_provenance_and_distinct_id() {
    let e = engine();
    let mut ids = BTreeSet::new();
    for r in e.rules() {
        assert!(!r.source.trim().is_empty(), "{} has no source", r.id);
        assert!(ids.insert(r.id), "duplicate {}", r.id);
        assert!(FingerprintInput::FIELDS.contains(&r.field));
    }
}

#[test]
fn lab_hikvision_camera() {
    let id = identify(serde_json::json!({
        "http_server": "App-webs/",
        "www_authenticate": "Digest qop=\"auth\", realm=\"IP Camera(C6496)\", nonce=\"abc\", stale=\"FALSE\"",
        "onvif_manufacturer": "HIKVISION",
        "onvif_model": "DS-2CD2143G0-I",
        "onvif_firmware": "V5.5.82 build 190909",
    }));
    assert!(id.camera);
    assert_eq!(id.vendor.as_deref(), Some("Hikvision"));
    assert_eq!(id.model.as_deref(), Some("DS-2CD2143G0-I"));
    assert_eq!(id.firmware.as_deref(), Some("V5.5.82 build 190909"));
    assert_eq!(id.device_type, Some(DeviceType::IpCamera));
    assert!(id.confidence > 0.99, "{}", id.confidence);
    for rule in [
        "hikvision.http_server.webs",
        "hikvision.www_authenticate.ip_camera_realm",
        "generic.onvif.manufacturer",
        "hikvision.onvif_model.ip_camera",
        "hikvision.onvif_firmware.build",
    ] {
        assert!(
            id.rules.iter().any(|r| r == rule),
            "{rule} missing: {:?}",
            id.rules
        );
    }
}

#[test]
fn hikvision_realm_alone_is_weak() {
    let id = identify(serde_json::json!({
        "www_authenticate": "Digest realm=\"IP Camera(C6496)\""
    }));
    assert!(!id.camera, "one weak hint is not enough");
    assert_eq!(id.vendor.as_deref(), Some("Hikvision"));
    assert!(id.confidence < 0.5);
}

#[test]
fn lab_hikvision_recorders_by_model_prefix() {
    for (model, kind) in [
        ("DS-7608NI-K2/8P", DeviceType::Nvr),
        ("DS-7732NI-I4", DeviceType::Nvr),
        ("DS-9664NI-I8", DeviceType::Nvr),
        ("DS-7216HQHI-K2", DeviceType::Dvr),
        ("DS-7316HQHI-K4", DeviceType::Dvr),
        ("DS-8132HQHI-K8", DeviceType::Dvr),
        ("DS-9016HUHI-K8", DeviceType::Dvr),
    ] {
        let id = identify(serde_json::json!({
            "http_server": "DNVRS-Webs",
            "onvif_manufacturer": "HIKVISION",
            "onvif_model": model,
        }));
        assert_eq!(id.device_type, Some(kind), "{model}");
        assert_eq!(id.model.as_deref(), Some(model));
        assert!(id.camera);
    }
}

#[test]
fn lab_dahua_camera_and_oem() {
    let full = identify(serde_json::json!({
        "html_title": "WEB SERVICE",
        "rtsp_server": "Rtsp Server/3.0",
        "www_authenticate": "Digest realm=\"Login to 4M05A1BPAZ7A1F2\", qop=\"auth\", nonce=\"1\"",
        "onvif_manufacturer": "Dahua",
        "onvif_model": "IPC-HFW2431S-S-S2",
        "onvif_firmware": "2.800.0000000.8.R, Build Date 2021-07-13",
    }));
    assert!(full.camera);
    assert_eq!(full.vendor.as_deref(), Some("Dahua"));
    assert_eq!(full.model.as_deref(), Some("IPC-HFW2431S-S-S2"));
    assert_eq!(
        full.firmware.as_deref(),
        Some("2.800.0000000.8.R, Build Date 2021-07-13")
    );
    assert_eq!(full.device_type, Some(DeviceType::IpCamera));

    let oem = identify(serde_json::json!({
        "onvif_manufacturer": "General",
        "onvif_model": "NVR4108HS-4KS2",
        "html_title": "WEB SERVICE",
    }));
    assert!(oem.camera);
    assert_eq!(oem.vendor.as_deref(), Some("Dahua"), "{oem:?}");
    assert_eq!(oem.device_type, Some(DeviceType::Nvr));
    assert!(oem.confidence < full.confidence);
}

#[test]
fn lab_generic_onvif_camera() {
    let id = identify(serde_json::json!({
        "http_server": "GoAhead-Webs",
        "html_title": "IPCAM",
        "telnet_banner": "(none) login: ",
        "onvif_manufacturer": "Generic",
        "onvif_model": "IPC-ONVIF-1080P",
        "onvif_firmware": "V1.0.3",
    }));
    assert!(id.camera);
    assert_eq!(
        id.vendor, None,
        "a placeholder manufacturer names no vendor"
    );
    assert_eq!(id.model.as_deref(), Some("IPC-ONVIF-1080P"));
    assert_eq!(id.firmware.as_deref(), Some("V1.0.3"));
    assert!(id.rules.iter().any(|r| r == "generic.onvif.manufacturer"));
    assert!(id.confidence > 0.9);
}

#[test]
fn unknown_onvif_vendor_still_counts_as_camera() {
    let id = identify(serde_json::json!({
        "onvif_manufacturer": "PythonCam",
        "onvif_model": "VirtualCam-1",
        "onvif_firmware": "1.3.0",
    }));
    assert!(id.camera);
    assert_eq!(id.vendor.as_deref(), Some("PythonCam"));
    assert_eq!(id.model.as_deref(), Some("VirtualCam-1"));
}

#[test]
fn other_vendors_are_named_canonically() {
    let cases = [
        (
            serde_json::json!({"html_title": "NETSurveillance WEB", "http_server": "uc-httpd 1.0.0"}),
            "Xiongmai",
        ),
        (
            serde_json::json!({"onvif_manufacturer": "AXIS", "onvif_model": "P3245-LVE"}),
            "Axis",
        ),
        (
            serde_json::json!({"onvif_manufacturer": "Samsung Techwin", "onvif_model": "SNB-6004"}),
            "Hanwha Vision",
        ),
        (
            serde_json::json!({"onvif_manufacturer": "tp-link", "onvif_model": "Tapo C200"}),
            "TP-Link",
        ),
        (
            serde_json::json!({"onvif_manufacturer": "Zhejiang Uniview Technologies Co., Ltd.", "onvif_model": "IPC2124SR3-APF40"}),
            "Uniview",
        ),
        (
            serde_json::json!({"http_server": "Linux/2.x UPnP/1.0 Avtech/1.0"}),
            "Avtech",
        ),
        (
            serde_json::json!({"ftp_banner": "220 AXIS 207W Network Camera 4.40 (Jan 01 2009) ready."}),
            "Axis",
        ),
    ];
    for (input, vendor) in cases {
        let id = identify(input.clone());
        assert!(id.camera, "{input}");
        assert_eq!(id.vendor.as_deref(), Some(vendor), "{input}: {id:?}");
    }
}

#[test]
fn gstreamer_rtsp_server_alone_is_not_a_camera() {
    let id = identify(serde_json::json!({"rtsp_server": "GStreamer RTSP server"}));
    assert!(!id.camera);
    let id = identify(serde_json::json!({
        "rtsp_server": "GStreamer RTSP server",
        "onvif_manufacturer": "Generic",
        "onvif_model": "IPC-ONVIF-1080P",
    }));
    assert!(id.camera, "other evidence outweighs the software server");
}
