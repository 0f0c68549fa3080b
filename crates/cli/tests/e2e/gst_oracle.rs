//! The scanner against a real RTSP server nobody here wrote: GStreamer's gst-rtsp-server.

use crate::common::{camguard, finding_ids, json_lines, repo_root, require, stderr, test_addr};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn gst_available() -> bool {
    require(
        "/usr/bin/python3",
        &["-c", "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"],
    )
}

/// Start gst-rtsp-server on `address`:8554 with the given auth mode; wait for READY.
fn start(address: &str, auth: &str) -> Server {
    let mut child = Command::new("/usr/bin/python3")
        .arg(repo_root().join("tests/oracles/gst_rtsp.py"))
        .args(["--address", address, "--port", "8554", "--auth", auth])
        .args(["--user", "admin", "--password", "12345"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start gst_rtsp.py");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("READY"),
        "gst server did not start: {line:?}"
    );
    Server(child)
}

fn scan(address: &str, extra: &[&str]) -> serde_json::Value {
    let o = camguard()
        .args([
            "scan", address, "--ports", "8554", "--no-db", "--quiet", "--output", "-",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let mut lines = json_lines(&o.stdout);
    assert_eq!(lines.len(), 1, "one live host expected: {lines:?}");
    lines.remove(0)
}

#[test]
fn classifies_gst_rtsp_server_without_auth_with_basic_and_with_digest() {
    if !gst_available() {
        return;
    }
    let cases = [(21, "none"), (22, "basic"), (23, "digest")]
        .map(|(host, mode)| (test_addr(90, host).to_string(), mode));
    let _servers: Vec<Server> = cases.iter().map(|(a, m)| start(a, m)).collect();
    for (address, mode) in &cases {
        let (address, mode) = (address.as_str(), *mode);
        let record = scan(address, &["--prove-streams"]);
        let rtsp = &record["observation"]["rtsp"][0];
        assert_eq!(rtsp["port"], 8554, "{record}");
        assert_eq!(rtsp["server"], "GStreamer RTSP server", "{record}");
        assert_eq!(
            rtsp["accepts_any_path"], false,
            "a random path must be a 404: {record}"
        );
        let live = rtsp["paths"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["path"] == "/live")
            .unwrap_or_else(|| panic!("/live was not described: {record}"));
        let ids = finding_ids(&record);
        match mode {
            "none" => {
                assert_eq!(live["status"], 200, "{record}");
                assert_eq!(live["codecs"][0], "H264", "{record}");
                let media = &rtsp["anonymous_media"];
                assert!(media["rtp_packets"].as_u64().unwrap() >= 1, "{record}");
                assert!(ids.contains("AUTH.NO_AUTH_STREAM"), "{ids:?}");
            }
            scheme => {
                assert_eq!(live["status"], 401, "{record}");
                assert_eq!(live["auth_scheme"], scheme, "{record}");
                assert!(rtsp["anonymous_media"].is_null(), "{record}");
                assert!(!ids.contains("AUTH.NO_AUTH_STREAM"), "{ids:?}");
            }
        }
        // A GStreamer server is software, not a camera.
        assert_eq!(record["identity"]["camera"], false, "{record}");
    }
}

#[test]
fn default_credentials_are_found_on_a_digest_gst_server_within_the_attempt_cap() {
    if !gst_available() {
        return;
    }
    let address = test_addr(90, 24).to_string();
    let _server = start(&address, "digest");
    let record = scan(
        &address,
        &["--check-credentials", "--max-credential-attempts", "4"],
    );
    let attempts = record["observation"]["credential_attempts"]
        .as_array()
        .unwrap();
    assert!(!attempts.is_empty() && attempts.len() <= 4, "{record}");
    for a in attempts {
        assert!(
            !a["password_redacted"].as_str().unwrap().contains("2345"),
            "password leaked: {a}"
        );
    }
    // gst-rtsp-server names no vendor, so the generic list is used; admin/12345 is in it
    // within the first four pairs (data/scan/credentials.toml).
    let accepted: Vec<_> = attempts.iter().filter(|a| a["accepted"] == true).collect();
    assert_eq!(accepted.len(), 1, "exactly one accepted attempt: {record}");
    assert_eq!(accepted[0]["username"], "admin");
    assert_eq!(accepted[0]["protocol"], "rtsp");
    assert_eq!(accepted[0]["password_redacted"], "1****");
    assert!(
        finding_ids(&record).contains("AUTH.DEFAULT_CRED"),
        "{record}"
    );
}
