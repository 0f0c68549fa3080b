//! Every personality against clients nobody here wrote, automatically: the tests iterate over
//! [`Personality::all()`], so a personality added to `data/lab/personalities/` is covered the
//! moment it is embedded.
//!
//! Per personality the lab runs two devices: one as the personality ships (vendor default
//! password, the personality's own auth schemes, ONVIF WS-Security) and one hardened the other
//! way (a changed password, Basic where the vendor uses Digest and Digest where it uses Basic
//! or nothing). Then:
//! - `ffprobe` decodes every RTSP stream of the device as shipped (every channel of an NVR or
//!   DVR) and the main stream of the other one, and is refused with a wrong password;
//! - `curl` logs into the web UI with the scheme in force (`--basic` / `--digest`), and is
//!   refused with a wrong password;
//! - two ONVIF client libraries, npm `onvif` and PyPI `onvif-zeep-async`, read
//!   GetDeviceInformation and GetStreamUri with WS-Security, and are refused with a wrong
//!   password.
//!
//! Each test collects every personality's failures and reports them together.

mod common;

use camguard_lab::identity::expand_realm;
use camguard_lab::{Lab, ManifestDevice, Personality};
use common::{
    curl_status, device, require_node_clients, require_tool, run, start, with_creds, TOOL_DEADLINE,
};
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::PathBuf;

/// ffprobe processes run at once.
const FFPROBE_PARALLEL: usize = 4;

/// The personalities that model real devices (the hostile family attacks clients instead of
/// serving them and is proved by the scanner's hostile-lab test).
fn faithful_personalities() -> Vec<&'static Personality> {
    Personality::all()
        .iter()
        .filter(|p| !p.id.starts_with("hostile"))
        .collect()
}

/// The other scheme: what the hardened twin of a device uses.
fn flipped(mode: &str) -> &'static str {
    if mode == "basic" {
        "digest"
    } else {
        "basic"
    }
}

/// A lab file with two devices per personality: `<id>-shipped` and `<id>-other`.
fn lab_toml(personalities: &[&Personality]) -> String {
    let mut out = String::from("seed = 11\n");
    for p in personalities {
        let _ = write!(
            out,
            "[[device]]\nid = \"{id}-shipped\"\npersonality = \"{id}\"\ndefault_password = \"kept\"\nonvif_auth = \"wsse\"\n\
             [[device]]\nid = \"{id}-other\"\npersonality = \"{id}\"\ndefault_password = \"changed\"\nonvif_auth = \"wsse\"\n\
             rtsp_auth = \"{rtsp}\"\nweb_auth = \"{web}\"\n",
            id = p.id,
            rtsp = flipped(p.rtsp.default_auth.as_str()),
            web = flipped(p.http.default_auth.as_str()),
        );
    }
    out
}

async fn start_all(base: Ipv4Addr) -> (Lab, Vec<&'static Personality>) {
    let personalities = faithful_personalities();
    assert!(!personalities.is_empty(), "no personalities embedded");
    (start(&lab_toml(&personalities), base).await, personalities)
}

/// The two devices of a personality.
fn pair<'a>(lab: &'a Lab, p: &Personality) -> [&'a ManifestDevice; 2] {
    [
        device(lab, &format!("{}-shipped", p.id)),
        device(lab, &format!("{}-other", p.id)),
    ]
}

/// Panic with every collected failure, one per line.
fn report(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// ffprobe a URL over RTSP/TCP, probing briefly; Ok((codec, width, height)) or Err(stderr).
async fn ffprobe(url: &str) -> Result<(String, u64, u64), String> {
    let extra = [
        "-rtsp_transport",
        "tcp",
        "-analyzeduration",
        "500000",
        "-probesize",
        "65536",
    ];
    common::ffprobe(url, &extra).await
}

/// One ffprobe job: the URL to probe and what must come out.
struct Probe {
    label: String,
    url: String,
    /// Some((w, h)): must decode at that size; None: must be refused with 401.
    expect: Option<(u64, u64)>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ffprobe_decodes_every_stream_of_every_personality() {
    let test = "ffprobe_decodes_every_stream_of_every_personality";
    if !require_tool("ffprobe", test) {
        return;
    }
    let (lab, personalities) = start_all(Ipv4Addr::new(127, 91, 1, 1)).await;
    let mut jobs = Vec::new();
    for p in &personalities {
        let [shipped, other] = pair(&lab, p);
        assert_eq!(
            shipped.stream_urls.len(),
            p.rtsp.streams.len(),
            "{}: one URL per stream",
            p.id
        );
        for d in [shipped, other] {
            let creds = |url: &str| {
                if d.rtsp_auth == "none" {
                    url.to_string()
                } else {
                    with_creds(url, &d.username, &d.password)
                }
            };
            // Every channel of the device as shipped; the main stream of the other one.
            let streams = if d.id == shipped.id {
                p.rtsp.streams.len()
            } else {
                1
            };
            for (url, s) in d.stream_urls.iter().zip(&p.rtsp.streams).take(streams) {
                jobs.push(Probe {
                    label: format!("{} ({} rtsp) {url}", d.id, d.rtsp_auth),
                    url: creds(url),
                    expect: Some((u64::from(s.width), u64::from(s.height))),
                });
            }
            if d.rtsp_auth != "none" {
                jobs.push(Probe {
                    label: format!("{} ({} rtsp) wrong password", d.id, d.rtsp_auth),
                    url: with_creds(&d.stream_urls[0], &d.username, "wrong-Passw0rd"),
                    expect: None,
                });
            }
        }
    }
    let mut failures = Vec::new();
    for chunk in jobs.chunks(FFPROBE_PARALLEL) {
        let probes = chunk.iter().map(|j| {
            let url = j.url.clone();
            async move { ffprobe(&url).await }
        });
        let results = futures_join_all(probes.collect()).await;
        for (job, result) in chunk.iter().zip(results) {
            match (job.expect, result) {
                (Some((w, h)), Ok((codec, rw, rh))) if codec == "mjpeg" && (rw, rh) == (w, h) => {}
                (None, Err(e)) if e.contains("401") => {}
                (expect, got) => failures.push(format!(
                    "{}: expected {}, got {got:?}",
                    job.label,
                    match expect {
                        Some((w, h)) => format!("mjpeg {w}x{h}"),
                        None => "401".into(),
                    }
                )),
            }
        }
    }
    eprintln!(
        "ffprobe: {} probes over {} personalities",
        jobs.len(),
        personalities.len()
    );
    lab.shutdown().await;
    report("ffprobe", &failures);
}

/// Await futures concurrently (no extra dependency): each runs on its own task.
async fn futures_join_all<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

/// curl `url` with the auth flags for `mode`: (status, headers + body).
async fn curl(url: &str, mode: &str, creds: Option<(&str, &str)>) -> Result<(u16, String), String> {
    let user_pass = creds.map(|(user, pass)| format!("{user}:{pass}"));
    let mut args = vec!["-i"];
    if let Some(user_pass) = &user_pass {
        let flag = match mode {
            "basic" => "--basic",
            m if m.starts_with("digest") => "--digest",
            _ => "--anyauth",
        };
        args.extend([flag, "-u", user_pass]);
    }
    args.push(url);
    curl_status(&args).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_logs_into_every_personality_with_its_auth_scheme() {
    let test = "curl_logs_into_every_personality_with_its_auth_scheme";
    if !require_tool("curl", test) {
        return;
    }
    let (lab, personalities) = start_all(Ipv4Addr::new(127, 91, 2, 1)).await;
    let mut failures = Vec::new();
    for p in &personalities {
        for d in pair(&lab, p) {
            let url = format!("http://{}:{}/", d.address, d.ports["http"]);
            let mode = d.web_auth.as_str();
            let who = format!("{} ({mode} web) {url}", d.id);
            let good = curl(&url, mode, Some((&d.username, &d.password))).await;
            match &good {
                Ok((200, text)) => {
                    let title = expand_realm(&p.http.title, &d.serial, &d.model);
                    let title = format!("<title>{title}</title>");
                    if !text.contains(&title) {
                        failures.push(format!("{who}: page lacks {title}"));
                    }
                    if let Some(server) = &p.http.server {
                        if !text.contains(&format!("Server: {server}\r\n")) {
                            failures.push(format!("{who}: no `Server: {server}` header"));
                        }
                    }
                }
                other => failures.push(format!("{who}: right password: {other:?}")),
            }
            if mode == "none" {
                continue;
            }
            match curl(&url, mode, None).await {
                Ok((401, text)) => {
                    let scheme = if mode == "basic" { "Basic" } else { "Digest" };
                    if !text.contains(&format!("WWW-Authenticate: {scheme} realm=\"")) {
                        failures.push(format!("{who}: 401 without a {scheme} challenge"));
                    }
                }
                other => failures.push(format!("{who}: anonymous: {other:?}")),
            }
            match curl(&url, mode, Some((&d.username, "wrong-Passw0rd"))).await {
                Ok((401, _)) => {}
                other => failures.push(format!("{who}: wrong password: {other:?}")),
            }
        }
    }
    lab.shutdown().await;
    report("curl", &failures);
}

/// What an ONVIF client read (JSON values: npm `onvif` turns numeric strings into numbers).
#[derive(Debug)]
struct OnvifRead {
    manufacturer: serde_json::Value,
    model: serde_json::Value,
    firmware: serde_json::Value,
    serial: serde_json::Value,
    stream_uri: serde_json::Value,
}

/// Whether a value a client read is `want`: the same string, or, for a client that parses
/// numeric-looking text into a double (npm `onvif`'s `linerase`: `parseFloat` when the text
/// matches a number, so an 18-digit Bosch serial loses its last digits), the same number.
fn agrees(read: &serde_json::Value, want: &str) -> bool {
    match read {
        serde_json::Value::String(s) => s == want,
        serde_json::Value::Number(n) => {
            n.as_f64().is_some() && want.parse::<f64>().ok() == n.as_f64()
        }
        _ => false,
    }
}

/// Parse a client's JSON line: Ok(read) when `ok`, Err(error text) otherwise.
fn parse_onvif(stdout: &str, stderr: &str) -> Result<OnvifRead, String> {
    let v: serde_json::Value = serde_json::from_str(stdout.trim())
        .map_err(|e| format!("{e}: stdout {stdout:?} stderr {stderr:?}"))?;
    if v["ok"] != true {
        return Err(format!("{}: {}", v["stage"], v["error"]));
    }
    let info = &v["deviceInformation"];
    Ok(OnvifRead {
        manufacturer: info["manufacturer"].clone(),
        model: info["model"].clone(),
        firmware: info["firmwareVersion"].clone(),
        serial: info["serialNumber"].clone(),
        stream_uri: v["streamUri"].clone(),
    })
}

/// Run one ONVIF client program with `HOST PORT [USER PASS]`.
async fn onvif_client(
    program: &str,
    script: &str,
    d: &ManifestDevice,
    pass: Option<&str>,
) -> Result<OnvifRead, String> {
    let host = d.address.to_string();
    let port = d.ports["onvif"].to_string();
    let mut args = vec![script, host.as_str(), port.as_str()];
    if let Some(pass) = pass {
        args.extend([d.username.as_str(), pass]);
    }
    let out = run(program, &args, TOOL_DEADLINE).await;
    parse_onvif(&out.stdout, &out.stderr)
}

/// Both devices of every personality read with the right password (identity and stream URI
/// must match the manifest), refused with a wrong one.
///
/// `empty_password_token`: whether the client sends a UsernameToken for an empty password.
/// npm `onvif` does not (cam.js signs only `if (this.useWSSecurity && this.username &&
/// this.password)`), so against a device whose password is empty it must be refused like an
/// anonymous client; that device's changed-password twin proves its WS-Security then.
async fn onvif_all_personalities(
    program: &str,
    script: &str,
    base: Ipv4Addr,
    empty_password_token: bool,
) {
    let (lab, personalities) = start_all(base).await;
    let mut failures = Vec::new();
    for p in &personalities {
        for d in pair(&lab, p) {
            let who = format!("{} onvif {}:{}", d.id, d.address, d.ports["onvif"]);
            if d.password.is_empty() && !empty_password_token {
                match onvif_client(program, script, d, Some("")).await {
                    Err(e) if e.to_lowercase().contains("not authorized") => {}
                    other => failures.push(format!(
                        "{who}: empty password, no token sent: must be NotAuthorized: {other:?}"
                    )),
                }
                continue;
            }
            match onvif_client(program, script, d, Some(&d.password)).await {
                Ok(r) => {
                    let checks = [
                        (
                            "Manufacturer",
                            &r.manufacturer,
                            p.identity.manufacturer.as_str(),
                        ),
                        ("Model", &r.model, d.model.as_str()),
                        ("FirmwareVersion", &r.firmware, d.firmware.as_str()),
                        ("SerialNumber", &r.serial, d.serial.as_str()),
                        ("GetStreamUri", &r.stream_uri, d.stream_urls[0].as_str()),
                    ];
                    for (field, read, want) in checks {
                        if !agrees(read, want) {
                            failures.push(format!(
                                "{who}: {field} read {read}, manifest says {want:?}"
                            ));
                        }
                    }
                }
                Err(e) => failures.push(format!("{who}: right password: {e}")),
            }
            match onvif_client(program, script, d, Some("wrong-Passw0rd")).await {
                Err(e) if e.to_lowercase().contains("not authorized") => {}
                other => failures.push(format!(
                    "{who}: wrong password must fail with NotAuthorized: {other:?}"
                )),
            }
        }
    }
    lab.shutdown().await;
    report(program, &failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_onvif_reads_every_personality_with_ws_security() {
    if !require_node_clients("npm_onvif_reads_every_personality_with_ws_security") {
        return;
    }
    let script = common::clients_dir().join("onvif_check.js");
    onvif_all_personalities(
        "node",
        script.to_str().expect("utf-8 path"),
        Ipv4Addr::new(127, 91, 3, 1),
        false,
    )
    .await;
}

/// Python of the venv holding `onvif-zeep-async` (made by `.ci/run`): `$CAMGUARD_PYCLIENTS` or
/// `target/pyclients` of the workspace.
fn pyclients_python() -> PathBuf {
    let venv = std::env::var_os("CAMGUARD_PYCLIENTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/pyclients")
        });
    venv.join("bin/python")
}

/// True when the venv exists and imports `onvif` (the onvif-zeep-async package).
async fn require_pyclients(test: &str) -> bool {
    let python = pyclients_python();
    if python.is_file() {
        let py = python.to_str().expect("utf-8 path");
        if run(py, &["-c", "import onvif"], TOOL_DEADLINE).await.ok() {
            return true;
        }
    }
    common::missing(
        &format!(
            "{} with onvif-zeep-async (python3 -m venv target/pyclients && \
             target/pyclients/bin/pip install -r crates/lab/tests/clients/requirements.txt)",
            python.display()
        ),
        test,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onvif_zeep_async_reads_every_personality_with_ws_security() {
    let test = "onvif_zeep_async_reads_every_personality_with_ws_security";
    if !require_pyclients(test).await {
        return;
    }
    let python = pyclients_python();
    let script = common::clients_dir().join("onvif_zeep_check.py");
    onvif_all_personalities(
        python.to_str().expect("utf-8 path"),
        script.to_str().expect("utf-8 path"),
        Ipv4Addr::new(127, 91, 4, 1),
        true,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onvif_zeep_async_reads_anonymous_onvif_and_is_refused_without_token() {
    let test = "onvif_zeep_async_reads_anonymous_onvif_and_is_refused_without_token";
    if !require_pyclients(test).await {
        return;
    }
    let lab = start(
        concat!(
            "[[device]]\nid = \"open\"\npersonality = \"dahua\"\nonvif_auth = \"none\"\n",
            "[[device]]\nid = \"locked\"\npersonality = \"hikvision\"\nonvif_auth = \"wsse\"\n",
        ),
        Ipv4Addr::new(127, 91, 5, 1),
    )
    .await;
    let python = pyclients_python();
    let python = python.to_str().expect("utf-8 path");
    let script = common::clients_dir().join("onvif_zeep_check.py");
    let script = script.to_str().expect("utf-8 path");
    let open = device(&lab, "open");
    let r = onvif_client(python, script, open, None)
        .await
        .expect("anonymous read of an open device");
    assert!(agrees(&r.manufacturer, "Dahua"), "{r:?}");
    assert!(agrees(&r.stream_uri, &open.stream_urls[0]), "{r:?}");
    let locked = device(&lab, "locked");
    let err = onvif_client(python, script, locked, None)
        .await
        .expect_err("no token, no information");
    assert!(err.to_lowercase().contains("not authorized"), "{err}");
    lab.shutdown().await;
}
