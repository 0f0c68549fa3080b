//! Helpers shared by the end-to-end tests.

use camguard_lab::{Lab, LabConfig, LabOptions, Manifest, ManifestDevice};
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Path of the `camguard` binary under test.
pub fn camguard() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_camguard"));
    cmd.env_remove("CAMGUARD_LOG");
    // Scans read advisories imported into the user's data directory: keep tests independent
    // of whatever this machine's user imported.
    cmd.env(
        "XDG_DATA_HOME",
        std::env::temp_dir().join("camguard-e2e-no-user-data"),
    );
    // Custom baselines are read from the user's configuration directory: keep them out too.
    cmd.env(
        "XDG_CONFIG_HOME",
        std::env::temp_dir().join("camguard-e2e-no-user-config"),
    );
    cmd
}

/// Run `camguard` with `args`, returning its output.
pub fn run(args: &[&str]) -> Output {
    camguard().args(args).output().expect("run camguard")
}

/// True when running under CI, where a missing tool is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Check that an external tool runs (`tool --version`-style probe). When it does not:
/// under CI, fail the test; elsewhere print a loud skip message and return false.
pub fn require(tool: &str, probe: &[&str]) -> bool {
    let ok = Command::new(tool)
        .args(probe)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        let msg = format!(
            "\n!!!!!!!! SKIPPED: `{tool}` is not available on this machine. \
             Install it (see .ci/run) to run this test. !!!!!!!!\n"
        );
        assert!(!in_ci(), "{msg} (CI=true: a missing tool is a failure)");
        eprintln!("{msg}");
    }
    ok
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// Parse JSON Lines output.
pub fn json_lines(bytes: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// Stderr as text, for assertions and failure messages.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A loopback /24 for one test, `127.<area>.<n>.0/24` with `n` derived from the process id, so
/// that two runs of the suite at once (or other test binaries) never bind the same addresses.
pub fn test_net(area: u8) -> [u8; 3] {
    [127, area, (std::process::id() % 250) as u8 + 1]
}

/// Address `host` in the test network of `area` (see [`test_net`]).
pub fn test_addr(area: u8, host: u8) -> Ipv4Addr {
    let [a, b, c] = test_net(area);
    Ipv4Addr::new(a, b, c, host)
}

/// Start the lab `config` with its first device at `base`, on the personalities' real ports.
pub async fn start_lab(config: &LabConfig, base: Ipv4Addr) -> Lab {
    Lab::start(
        config,
        &LabOptions {
            base,
            port_offset: 0,
        },
    )
    .await
    .expect("lab starts")
}

/// Every TCP port some device of the lab listens on, ascending.
pub fn lab_ports(manifest: &Manifest) -> Vec<u16> {
    let ports: BTreeSet<u16> = manifest
        .devices
        .iter()
        .flat_map(|d| d.ports.values().copied())
        .collect();
    ports.into_iter().collect()
}

/// The address range `first-last` of `n` consecutive devices from `base`.
pub fn address_range(base: Ipv4Addr, n: usize) -> String {
    let n = u32::try_from(n).expect("device count fits u32");
    let last = Ipv4Addr::from(u32::from(base) + n - 1);
    format!("{base}-{last}")
}

/// `camguard scan` of the `n` lab devices from `base` on `ports` with credential checks
/// (and stream proofs when `prove_streams`), into the store `db` and the JSON Lines file
/// `out`. Runs on a blocking thread so that the lab keeps serving meanwhile.
pub async fn scan_lab(
    base: Ipv4Addr,
    n: usize,
    ports: &[u16],
    prove_streams: bool,
    db: &Path,
    out: &Path,
) {
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
    let mut cmd = camguard();
    cmd.args(["scan", &address_range(base, n), "--ports", &ports.join(",")])
        .arg("--db")
        .arg(db)
        .arg("--output")
        .arg(out)
        .args(["--quiet", "--check-credentials"]);
    if prove_streams {
        cmd.arg("--prove-streams");
    }
    let o = tokio::task::spawn_blocking(move || cmd.output().expect("run camguard scan"))
        .await
        .expect("scan thread");
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Starts `config`'s lab at `base`, scans all of it once with `--check-credentials` (no stream
/// proof) into a scratch database, stops the lab, and returns its manifest and the scan's
/// JSON Lines records.
pub async fn scan_whole_lab(
    config: &LabConfig,
    base: Ipv4Addr,
) -> (Manifest, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = start_lab(config, base).await;
    let manifest = lab.manifest().clone();
    let (db, out) = (
        dir.path().join("camguard.db"),
        dir.path().join("scan.jsonl"),
    );
    let n = manifest.devices.len();
    scan_lab(base, n, &lab_ports(&manifest), false, &db, &out).await;
    lab.shutdown().await;
    let records = json_lines(&std::fs::read(&out).expect("scan output"));
    (manifest, records)
}

/// Scan records by their `observation.ip`.
pub fn records_by_ip(records: &[serde_json::Value]) -> HashMap<String, &serde_json::Value> {
    records
        .iter()
        .map(|r| {
            let ip = r["observation"]["ip"]
                .as_str()
                .unwrap_or_else(|| panic!("record without observation.ip: {r}"));
            (ip.to_string(), r)
        })
        .collect()
}

/// The check ids of a scan record's findings.
pub fn finding_ids(record: &serde_json::Value) -> BTreeSet<String> {
    record["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("record without a findings array: {record}"))
        .iter()
        .map(|f| {
            f["check_id"]
                .as_str()
                .unwrap_or_else(|| panic!("finding without check_id: {f}"))
                .to_string()
        })
        .collect()
}

/// Whether the device keeps a vendor default that a published list holds: a per-unit code
/// (printed on the label) or an owner-made account is kept, but no scanner can know it.
pub fn default_password_published(d: &ManifestDevice) -> bool {
    d.default_password_kept
        && !camguard_lab::Personality::get(&d.personality).is_some_and(|p| p.credentials.per_unit)
}

/// What the checks must find on a lab device, derived from the lab's ground truth; stream
/// access is only claimed when the scan proves streams.
pub fn expected_findings(d: &ManifestDevice, prove_streams: bool) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    if d.rtsp_auth == "none" && prove_streams {
        ids.insert("AUTH.NO_AUTH_STREAM".to_string());
    }
    if d.onvif_auth == "none" {
        ids.insert("SURF.ANON_DEVICEINFO".to_string());
    }
    if d.telnet {
        ids.insert("SURF.TELNET".to_string());
    }
    // Telnet and SSH always ask for a login (both check the device's account).
    let has_auth = d.rtsp_auth != "none"
        || d.web_auth != "none"
        || d.onvif_auth != "none"
        || d.telnet
        || d.ports.contains_key("ssh");
    if default_password_published(d) && has_auth {
        ids.insert("AUTH.DEFAULT_CRED".to_string());
    }
    ids.insert("COMM.CLEARTEXT_ADMIN".to_string());
    if firmware_cve_expected(d) {
        ids.insert("VULN.KNOWN_FIRMWARE_CVE".to_string());
    }
    if firmware_outdated_expected(d) {
        ids.insert("VULN.FIRMWARE_OUTDATED".to_string());
    }
    // The lab serves RTSP without RTSPS; Basic challenges cross the network in clear.
    if d.ports.contains_key("rtsp") {
        ids.insert("COMM.RTSP_CLEARTEXT".to_string());
    }
    if d.rtsp_auth == "basic" || d.web_auth == "basic" {
        ids.insert("COMM.BASIC_OVER_CLEARTEXT".to_string());
    }
    ids.extend(surface_findings(d, true));
    ids
}

/// The surface findings a lab device implies (anonymous snapshot and ONVIF media, SNMP with a
/// well-known community, the P2P LAN search); `private` is only tried with credential checks.
pub fn surface_findings(d: &ManifestDevice, check_credentials: bool) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    if !d.hostile.is_empty() {
        return ids;
    }
    if d.anonymous_snapshot.is_some() {
        ids.insert("AUTH.ANON_SNAPSHOT".to_string());
    }
    if d.onvif_auth == "none" {
        ids.insert("AUTH.ANON_MEDIA".to_string());
    }
    if d.snmp
        .as_ref()
        .is_some_and(|s| s.community == "public" || (check_credentials && s.community == "private"))
    {
        ids.insert("SURF.SNMP_PUBLIC".to_string());
    }
    if d.p2p.is_some() {
        ids.insert("SURF.P2P_CLOUD".to_string());
    }
    ids
}

/// Whether the scan should report `VULN.KNOWN_FIRMWARE_CVE`: the firmware is identified (ONVIF
/// device information readable anonymously or with the kept default password) and the bundled
/// advisory database covers this model and firmware. Every CVE the lab lists for the firmware
/// must then be among the matches (the lab's `vulnerable_firmware` and the database agree).
pub fn firmware_cve_expected(d: &ManifestDevice) -> bool {
    let readable = d.onvif_auth == "none" || d.default_password_kept;
    let matched: BTreeSet<String> =
        camguard_advisories::match_device(&d.vendor, Some(&d.model), &d.firmware)
            .into_iter()
            .map(|m| m.id)
            .collect();
    if !matched.is_empty() {
        for cve in &d.known_cves {
            assert!(matched.contains(cve), "{}: {cve} not in {matched:?}", d.id);
        }
    }
    readable && !matched.is_empty()
}

/// Whether the scan should report `VULN.FIRMWARE_OUTDATED`: the firmware is identified (as for
/// [`firmware_cve_expected`]) and older than the latest release known for the model
/// (data/advisories/latest_firmware.toml).
pub fn firmware_outdated_expected(d: &ManifestDevice) -> bool {
    let readable = d.onvif_auth == "none" || d.default_password_kept;
    readable
        && camguard_advisories::LatestFirmware::builtin()
            .currency(&d.vendor, &d.model, &d.firmware)
            .is_some_and(|c| c.outdated)
}

/// Run `camguard identify ARGS` on `input`; its JSON lines and stderr.
pub fn identify_with(args: &[&str], input: &str) -> (Vec<serde_json::Value>, String) {
    let mut child = camguard()
        .arg("identify")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    (json_lines(&o.stdout), stderr(&o))
}
