//! The communication and attack-surface checks against the real `camguard scan` of
//! data/lab/surface.toml: each device's findings among those checks must be exactly what its
//! switches (HTTPS, certificate, TLS mode, FTP, SSH, UPnP, WS-Discovery, vendor ports) imply,
//! and the fleet check COMM.SHARED_TLS_KEY must reach both the JSON Lines output (the later
//! line for an address supersedes the earlier) and the store.

use crate::common::{
    finding_ids, json_lines, lab_ports, records_by_ip, repo_root, run, scan_lab, start_lab, stderr,
    surface_findings,
};
use camguard_lab::{LabConfig, ManifestDevice};
use std::collections::BTreeSet;

/// The checks this test judges exactly.
const SURFACE_CHECKS: [&str; 13] = [
    "COMM.BASIC_OVER_CLEARTEXT",
    "COMM.RTSP_CLEARTEXT",
    "COMM.TLS_LEGACY",
    "COMM.TLS_WEAK_CIPHER",
    "COMM.CERT_EXPIRED",
    "COMM.CERT_SELF_SIGNED",
    "COMM.CERT_WEAK_KEY",
    "COMM.SHARED_TLS_KEY",
    "SURF.FTP",
    "SURF.SSH_EXPOSED",
    "SURF.UPNP",
    "SURF.WS_DISCOVERY_UNICAST",
    "SURF.VENDOR_SDK_PORT",
];

/// What the switches of `d` (as the manifest reports them) imply among [`SURFACE_CHECKS`]
/// and `SURF.ANON_DISCLOSURE`; `all` is every device of the lab (for shared keys).
fn expected(d: &ManifestDevice, all: &[ManifestDevice], today: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut add = |id: &str| {
        ids.insert(id.to_string());
    };
    if d.ports.contains_key("rtsp") {
        add("COMM.RTSP_CLEARTEXT");
    }
    if d.rtsp_auth == "basic" || d.web_auth == "basic" {
        add("COMM.BASIC_OVER_CLEARTEXT");
    }
    if let Some(tls) = &d.tls {
        let cert = &tls.certificate;
        if tls.mode == "legacy_tls10" {
            // TLS 1.0 only, RSA key exchange with AES-CBC and HMAC-SHA1.
            add("COMM.TLS_LEGACY");
            add("COMM.TLS_WEAK_CIPHER");
        }
        if cert.subject == cert.issuer {
            add("COMM.CERT_SELF_SIGNED");
        }
        if cert.not_after.as_str() < today {
            add("COMM.CERT_EXPIRED");
        }
        let small_rsa = cert
            .key
            .strip_prefix("rsa-")
            .and_then(|b| b.parse::<u32>().ok())
            .is_some_and(|b| b < 2048);
        if small_rsa {
            add("COMM.CERT_WEAK_KEY");
        }
        let sharing = all
            .iter()
            .filter(|o| {
                o.tls
                    .as_ref()
                    .is_some_and(|t| t.certificate.spki_sha256 == cert.spki_sha256)
            })
            .count();
        if sharing >= 2 {
            add("COMM.SHARED_TLS_KEY");
        }
    }
    if d.ports.contains_key("ftp") {
        add("SURF.FTP");
    }
    if d.ports.contains_key("ssh") {
        add("SURF.SSH_EXPOSED");
    }
    let upnp = d.discovery.iter().any(|p| p == "ssdp");
    let wsd = d.discovery.iter().any(|p| p == "wsd");
    if upnp {
        add("SURF.UPNP");
    }
    if wsd {
        add("SURF.WS_DISCOVERY_UNICAST");
    }
    if [
        "hikvision_sdk",
        "dahua_dvrip",
        "dahua_dhip",
        "xiongmai_sofia",
    ]
    .iter()
    .any(|p| d.ports.contains_key(*p))
    {
        add("SURF.VENDOR_SDK_PORT");
    }
    // UPnP description (model, serial), WS-Discovery scopes (model), FTP greeting (firmware).
    if upnp || wsd || d.ports.contains_key("ftp") {
        add("SURF.ANON_DISCLOSURE");
    }
    // Anonymous snapshot and ONVIF media, SNMP community, P2P LAN search (the scan runs
    // with --check-credentials, so `private` counts too).
    ids.extend(surface_findings(d, true));
    ids
}

/// The surface checks judged exactly besides [`SURFACE_CHECKS`].
const SAFE_SURFACE_CHECKS: [&str; 4] = [
    "AUTH.ANON_SNAPSHOT",
    "AUTH.ANON_MEDIA",
    "SURF.SNMP_PUBLIC",
    "SURF.P2P_CLOUD",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn surface_lab_findings_follow_the_switches() {
    let config =
        LabConfig::from_file(&repo_root().join("data/lab/surface.toml")).expect("surface lab");
    let base = crate::common::test_addr(93, 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = start_lab(&config, base).await;
    let manifest = lab.manifest().clone();
    let ports = lab_ports(&manifest);
    let out = dir.path().join("scan.jsonl");
    let db = dir.path().join("camguard.db");
    scan_lab(base, manifest.devices.len(), &ports, false, &db, &out).await;
    lab.shutdown().await;

    let records = json_lines(&std::fs::read(&out).expect("scan output"));
    let by_ip = records_by_ip(&records);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let judged: BTreeSet<&str> = SURFACE_CHECKS
        .iter()
        .copied()
        .chain(["SURF.ANON_DISCLOSURE"])
        .chain(SAFE_SURFACE_CHECKS)
        .collect();
    let mut wrong = Vec::new();
    for d in &manifest.devices {
        let Some(r) = by_ip.get(&d.address.to_string()) else {
            wrong.push(format!("{}: not found by the scan", d.id));
            continue;
        };
        let got: BTreeSet<String> = finding_ids(r)
            .into_iter()
            .filter(|id| judged.contains(id.as_str()))
            .collect();
        let want = expected(d, &manifest.devices, &today);
        if got != want {
            wrong.push(format!("{}: got {got:?}, want {want:?}", d.id));
        }
        // Every judged check ran on the device (the fleet check only where a key was seen).
        let ran: BTreeSet<&str> = r["checks_run"]
            .as_array()
            .expect("checks_run")
            .iter()
            .filter_map(|c| c.as_str())
            .collect();
        for id in &judged {
            // SURF.P2P_CLOUD runs only on an answer proving a P2P service.
            let not_applicable = (*id == "COMM.SHARED_TLS_KEY" && d.tls.is_none())
                || (*id == "SURF.P2P_CLOUD" && d.p2p.is_none());
            if !ran.contains(id) && !not_applicable {
                wrong.push(format!("{}: {id} did not run", d.id));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // The shared-key finding names the other device; the lab has exactly one shared pair.
    let sharing: Vec<&ManifestDevice> = manifest
        .devices
        .iter()
        .filter(|d| {
            by_ip
                .get(&d.address.to_string())
                .is_some_and(|r| finding_ids(r).contains("COMM.SHARED_TLS_KEY"))
        })
        .collect();
    assert_eq!(sharing.len(), 2, "one shared pair in data/lab/surface.toml");
    for (me, other) in [(sharing[0], sharing[1]), (sharing[1], sharing[0])] {
        let r = by_ip[&me.address.to_string()];
        let f = r["findings"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["check_id"] == "COMM.SHARED_TLS_KEY"))
            .expect("shared-key finding");
        assert_eq!(f["evidence"]["devices_sharing"], 2, "{f}");
        assert_eq!(
            f["evidence"]["other_addresses"],
            serde_json::json!([other.address.to_string()]),
            "{f}"
        );
        assert_eq!(f["severity"], "high");
        // The recomputed verdicts cite it (QCVN/ETSI per-device key provisions).
        let cited = r["verdicts"].as_array().is_some_and(|vs| {
            vs.iter().any(|v| {
                v["status"] == "fail"
                    && v["findings"]
                        .as_array()
                        .is_some_and(|c| c.iter().any(|c| c == "COMM.SHARED_TLS_KEY"))
            })
        });
        assert!(
            cited,
            "no failing verdict cites the shared key: {}",
            r["verdicts"]
        );
    }

    // The store holds the re-recorded devices with their fleet findings.
    let report = dir.path().join("report.json");
    let o = run(&[
        "report",
        "--db",
        db.to_str().expect("utf-8 path"),
        "--format",
        "json",
        "--lang",
        "en",
        "-o",
        report.to_str().expect("utf-8 path"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
    let mut stored: Vec<String> = report["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .filter(|d| {
            d["findings"]
                .as_array()
                .is_some_and(|fs| fs.iter().any(|f| f["check_id"] == "COMM.SHARED_TLS_KEY"))
        })
        .filter_map(|d| d["ip"].as_str().map(str::to_string))
        .collect();
    stored.sort();
    let mut want: Vec<String> = sharing.iter().map(|d| d.address.to_string()).collect();
    want.sort();
    assert_eq!(stored, want, "the store lacks the fleet findings");
}
