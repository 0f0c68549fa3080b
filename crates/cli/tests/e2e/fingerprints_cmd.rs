//! `camguard fingerprints verify|list` and `camguard identify --explain` / Recog rule dirs.

use crate::common::{identify_with, repo_root, run, stderr};

fn recog_fixtures(sub: &str) -> String {
    repo_root()
        .join("crates/fingerprint/tests/fixtures/recog")
        .join(sub)
        .display()
        .to_string()
}

#[test]
fn fingerprints_verify_passes_on_shipped_rules() {
    let dir = repo_root().join("data/fingerprints");
    let o = run(&["fingerprints", "verify", dir.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    let last = out.lines().last().unwrap_or_default();
    assert!(last.ends_with("checked: 0 failures"), "{out}");
}

#[test]
fn fingerprints_verify_fails_with_file_rule_message_lines() {
    let o = run(&["fingerprints", "verify", &recog_fixtures("failing")]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "4 failures + summary: {out}");
    for l in &lines[..4] {
        let (file, rest) = l.split_once(':').unwrap();
        assert!(file.ends_with(".xml") || file.ends_with(".toml"), "{l}");
        let (rule, message) = rest.split_once(": ").unwrap();
        assert!(!rule.is_empty() && !message.is_empty(), "{l}");
    }
    assert!(out.contains("bad_examples.xml:recog.bad_examples.1: example 1 (\"Bar DVR\"): pattern does not match"), "{out}");
    assert_eq!(lines[4], "2 files, 4 rules, 4 examples checked: 4 failures");
}

#[test]
fn fingerprints_verify_missing_dir_is_an_error() {
    let o = run(&["fingerprints", "verify", "/nonexistent/camguard-rules"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn fingerprints_list_filters_by_field_and_rejects_unknown_fields() {
    let o = run(&["fingerprints", "list", "--field", "rtsp_server"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.lines().count() >= 3, "{out}");
    for l in out.lines() {
        let cols: Vec<&str> = l.split('\t').collect();
        assert_eq!(cols.len(), 4, "{l}");
        assert_eq!(cols[1], "rtsp_server", "{l}");
    }
    let all = run(&["fingerprints", "list"]);
    assert!(String::from_utf8_lossy(&all.stdout).lines().count() > out.lines().count());
    let o = run(&["fingerprints", "list", "--field", "bogus"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown field 'bogus'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn identify_explain_reports_conflicting_vendors_only_when_asked() {
    let input = concat!(
        r#"{"http_server": "App-webs/", "onvif_manufacturer": "Dahua"}"#,
        "\n",
        "not json\n"
    );
    let (plain, _) = identify_with(&[], input);
    assert!(plain[0].get("explain").is_none(), "{plain:?}");
    let (explained, _) = identify_with(&["--explain"], input);
    assert_eq!(explained.len(), 2);
    let first = &explained[0];
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.retain(|k| *k != "explain");
    let mut plain_keys: Vec<&str> = plain[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    plain_keys.sort_unstable();
    assert_eq!(keys, plain_keys, "the contract keys are unchanged");
    let conflicts = first["explain"]["conflicts"].as_array().unwrap();
    let vendor = conflicts
        .iter()
        .find(|c| c["attribute"] == "vendor")
        .unwrap();
    assert_eq!(vendor["chosen"], "Hikvision");
    let values: Vec<&str> = vendor["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["Hikvision", "Dahua"]);
    assert_eq!(first["explain"]["evidence"].as_array().unwrap().len(), 2);
    assert!(explained[1]["error"]
        .as_str()
        .unwrap()
        .starts_with("line 2:"));
}

#[test]
fn identify_reads_recog_rule_dirs_and_warns_about_skipped_files() {
    let (out, err) = identify_with(
        &["--fingerprints", &recog_fixtures("good")],
        "{\"ssh_banner\": \"ROSSSH\"}\n{\"http_server\": \"FooCam FC-9 firmware v1.2 build 00aa11\"}\n",
    );
    assert!(
        err.contains("smb_native_os.xml") && err.contains("skipped"),
        "{err}"
    );
    assert_eq!(out[0]["camera"], false);
    assert_eq!(out[0]["vendor"], "MikroTik");
    assert_eq!(out[1]["camera"], true);
    assert_eq!(out[1]["model"], "FC-9");
    assert_eq!(out[1]["firmware"], "1.2");
}
