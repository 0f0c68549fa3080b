//! The `camguard identify` contract: JSON Lines in, one object per line out, same order.

use crate::common::{camguard, identify_with, json_lines, stderr};

fn identify(input: &str) -> Vec<serde_json::Value> {
    identify_with(&[], input).0
}

#[test]
fn lines_come_back_in_order_with_errors_in_place() {
    let input = concat!(
        r#"{"http_server": "App-webs/", "onvif_manufacturer": "HIKVISION", "onvif_model": "DS-2CD2143G0-I", "onvif_firmware": "V5.5.82 build 190909"}"#,
        "\n",
        "this is not json\n",
        r#"{"http_server": "nginx/1.24.0", "html_title": "Welcome to nginx!"}"#,
        "\n",
        r#"{"unknown_field": "x"}"#,
        "\n",
        r#"{"html_title": "WEB SERVICE", "rtsp_server": "Rtsp Server/3.0"}"#,
        "\n",
    );
    let out = identify(input);
    assert_eq!(out.len(), 5, "{out:?}");
    assert_eq!(out[0]["camera"], true);
    assert_eq!(out[0]["vendor"], "Hikvision");
    assert_eq!(out[0]["model"], "DS-2CD2143G0-I");
    assert_eq!(out[0]["firmware"], "V5.5.82 build 190909");
    assert_eq!(out[0]["device_type"], "ip_camera");
    assert!(out[0]["confidence"].as_f64().unwrap() > 0.5);
    assert!(!out[0]["rules"].as_array().unwrap().is_empty());
    assert!(
        out[1]["error"].as_str().unwrap().contains("line 2"),
        "{:?}",
        out[1]
    );
    assert_eq!(out[2]["camera"], false);
    assert!(out[2]["vendor"].is_null());
    assert!(out[3]["error"].is_string());
    assert_eq!(out[4]["vendor"], "Dahua");
    assert_eq!(out[4]["camera"], true);
}

#[test]
fn input_file_option_and_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.jsonl");
    std::fs::write(&path, "{\"html_title\": \"WEB SERVICE\"}\n").unwrap();
    let o = camguard()
        .args(["identify", "--input", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(json_lines(&o.stdout).len(), 1);
    let o = camguard()
        .args(["identify", "--input", "/nonexistent.jsonl"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent.jsonl"));
}
