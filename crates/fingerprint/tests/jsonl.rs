//! `identify_jsonl`: one output line per input line, in order, errors in place.

use camguard_fingerprint::{identify_jsonl, Engine, IdentifyStats, MAX_LINE_BYTES};
use serde_json::Value;

fn run(input: &[u8]) -> (IdentifyStats, Vec<Value>) {
    let engine = Engine::builtin().unwrap();
    let mut out = Vec::new();
    let stats = identify_jsonl(&engine, input, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.is_empty() || text.ends_with('\n'));
    let values = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
        .collect();
    (stats, values)
}

#[test]
fn order_is_kept_and_errors_take_the_place_of_bad_lines() {
    let long = format!("{{\"http_server\": \"{}\"}}", "a".repeat(MAX_LINE_BYTES));
    let mut input = Vec::new();
    input.extend_from_slice(b"{\"http_server\": \"App-webs/\"}\n"); // 1
    input.extend_from_slice(b"{not json\n"); // 2
    input.extend_from_slice(b"\n"); // 3 empty
    input.extend_from_slice(b"{\"colour\": \"red\"}\r\n"); // 4 unknown field
    input.extend_from_slice(b"{\"html_title\": 5}\n"); // 5 wrong type
    input.extend_from_slice(long.as_bytes()); // 6 too long
    input.push(b'\n');
    input.extend_from_slice(b"{\"html_title\": \"\xff\xfe\"}\n"); // 7 invalid UTF-8
    input.extend_from_slice(b"{}\n"); // 8 nothing known
    input.extend_from_slice(b"{\"onvif_manufacturer\": \"Dahua\", \"html_title\": null}"); // 9, no final newline
    let (stats, out) = run(&input);
    assert_eq!(
        stats,
        IdentifyStats {
            lines: 9,
            errors: 6,
            cameras: 2
        }
    );
    assert_eq!(out.len(), 9);
    assert_eq!(out[0]["vendor"], "Hikvision");
    assert_eq!(out[0]["camera"], true);
    for (i, needle) in [
        (1, "invalid input"),
        (2, "empty line"),
        (3, "unknown field `colour`"),
        (4, "invalid type"),
        (5, "longer than"),
        (6, "UTF-8"),
    ] {
        let msg = out[i]["error"]
            .as_str()
            .unwrap_or_else(|| panic!("line {}: {}", i + 1, out[i]));
        assert!(msg.starts_with(&format!("line {}: ", i + 1)), "{msg}");
        assert!(msg.contains(needle), "{msg}");
        assert_eq!(out[i].as_object().unwrap().len(), 1);
    }
    assert_eq!(out[7]["camera"], false);
    assert_eq!(out[7]["rules"], serde_json::json!([]));
    assert_eq!(out[8]["vendor"], "Dahua");
}

#[test]
fn output_objects_have_exactly_the_contract_keys() {
    let (_, out) =
        run(b"{\"onvif_manufacturer\":\"HIKVISION\",\"onvif_model\":\"DS-7608NI-K2/8P\"}\n");
    let obj = out[0].as_object().unwrap();
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    let mut expected = vec![
        "camera",
        "vendor",
        "product",
        "model",
        "firmware",
        "device_type",
        "confidence",
        "rules",
    ];
    expected.sort_unstable();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected);
    assert_eq!(obj["device_type"], "nvr");
    let c = obj["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&c));
}

#[test]
fn empty_input_gives_empty_output() {
    let (stats, out) = run(b"");
    assert_eq!(stats, IdentifyStats::default());
    assert!(out.is_empty());
}
