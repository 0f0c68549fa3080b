//! Shared helpers of the lab's integration tests: skipping loudly when a third-party tool is
//! missing (failing instead when `CI=true`), running tools under a deadline, starting labs.

#![allow(dead_code)]

pub mod client_hello;

use camguard_lab::{Lab, LabConfig, LabOptions, ManifestDevice};
use camguard_protocols::wire::{self, BodyMode, Limits, Message};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// True when running in CI, where a missing tool is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Report a missing prerequisite: a loud skip message on a developer machine (returns false),
/// a panic in CI.
pub fn missing(what: &str, test: &str) -> bool {
    let msg = format!(
        "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
         !!! SKIPPED {test}: {what} is missing\n\
         !!! (install it; with CI=true this is a failure)\n\
         !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
    );
    if in_ci() {
        panic!("{msg}");
    }
    // Written to the real stderr (not eprintln!, which the test harness captures).
    let _ = std::io::Write::write_all(&mut std::io::stderr(), msg.as_bytes());
    false
}

/// True when `tool` is on PATH; otherwise reports it via [`missing`].
pub fn require_tool(tool: &str, test: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()));
    found || missing(&format!("`{tool}`"), test)
}

/// Folder of the node test clients.
pub fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// True when node and the clients' node_modules (npm onvif) are present.
pub fn require_node_clients(test: &str) -> bool {
    if !require_tool("node", test) {
        return false;
    }
    let onvif = clients_dir().join("node_modules/onvif/package.json");
    onvif.is_file()
        || missing(
            "crates/lab/tests/clients/node_modules (run `npm install --prefix crates/lab/tests/clients`)",
            test,
        )
}

/// Output of a finished tool.
#[derive(Debug)]
pub struct Run {
    /// Exit status code (None when killed by a signal or the deadline).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// True when the tool exited 0.
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

/// Run a command with a deadline (killed when it passes), without blocking the runtime.
pub async fn run(program: &str, args: &[&str], limit: Duration) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path = dir.path().join("out");
    let err_path = dir.path().join("err");
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("out file"))
        .stderr(std::fs::File::create(&err_path).expect("err file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let start = Instant::now();
    let code = loop {
        match child.try_wait().expect("wait") {
            Some(status) => break status.code(),
            None if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    Run {
        code,
        stdout: String::from_utf8_lossy(&std::fs::read(&out_path).unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&err_path).unwrap_or_default()).into_owned(),
    }
}

/// Port offset for tests: real ports when this process may bind them (root), else +20000.
pub fn port_offset(base: Ipv4Addr) -> u16 {
    match std::net::TcpListener::bind((base, 80)) {
        Ok(_) => 0,
        Err(_) => 20000,
    }
}

/// Start a lab from TOML text at `base`.
pub async fn start(toml: &str, base: Ipv4Addr) -> Lab {
    let config = LabConfig::from_toml_str(toml).expect("lab config");
    let opts = LabOptions {
        base,
        port_offset: port_offset(base),
    };
    Lab::start(&config, &opts).await.expect("lab starts")
}

/// Deadline of one raw exchange with a lab device.
pub const EXCHANGE_DEADLINE: Duration = Duration::from_secs(10);

/// Send raw bytes to a device, read one response (HTTP or RTSP), under
/// [`EXCHANGE_DEADLINE`].
pub async fn exchange(addr: SocketAddr, bytes: &[u8]) -> Message {
    let stream = tokio::time::timeout(EXCHANGE_DEADLINE, TcpStream::connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    let (r, mut w) = stream.into_split();
    w.write_all(bytes).await.expect("write");
    let mut r = BufReader::new(r);
    wire::deadline(
        EXCHANGE_DEADLINE,
        wire::read_message(&mut r, &Limits::default(), BodyMode::Response),
    )
    .await
    .expect("response")
    .expect("not eof")
}

/// An RTSP request with `CSeq` and `extra` headers, no body.
pub fn rtsp(method: &str, url: &str, cseq: u32, extra: &[(&str, &str)]) -> Vec<u8> {
    let cseq = cseq.to_string();
    let mut headers = vec![("CSeq", cseq.as_str())];
    headers.extend_from_slice(extra);
    wire::encode_request(method, url, "RTSP/1.0", &headers, b"")
}

/// A SOAP 1.2 envelope around `body`, with `security` (a WS-Security header) if any.
pub fn soap(body: &str, security: Option<String>) -> String {
    format!(
        concat!(
            "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">",
            "<s:Header>{}</s:Header><s:Body>{}</s:Body></s:Envelope>"
        ),
        security.unwrap_or_default(),
        body
    )
}

/// Deadline of one run of a third-party client (curl, ffprobe, node, python).
pub const TOOL_DEADLINE: Duration = Duration::from_secs(30);

/// A device of the lab's manifest, by id.
pub fn device<'a>(lab: &'a Lab, id: &str) -> &'a ManifestDevice {
    lab.manifest().device(id).expect("device in manifest")
}

/// Insert `user:pass@` into an rtsp:// URL (generated passwords are URL-safe).
pub fn with_creds(url: &str, user: &str, pass: &str) -> String {
    url.replacen("rtsp://", &format!("rtsp://{user}:{pass}@"), 1)
}

/// `curl -s -S --max-time 10 -w '\n%{http_code}' ARGS…`: Ok((status, output before the
/// status line)), or Err when curl fails or prints no status.
pub async fn curl_status(args: &[&str]) -> Result<(u16, String), String> {
    let mut all = vec!["-s", "-S", "--max-time", "10", "-w", "\n%{http_code}"];
    all.extend_from_slice(args);
    let out = run("curl", &all, TOOL_DEADLINE).await;
    if !out.ok() {
        return Err(format!(
            "curl {args:?}: exit {:?}: {}",
            out.code, out.stderr
        ));
    }
    let (text, code) = out
        .stdout
        .rsplit_once('\n')
        .ok_or_else(|| format!("no status line: {:?}", out.stdout))?;
    let code = code.trim().parse().map_err(|e| format!("{e}: {code:?}"))?;
    Ok((code, text.to_string()))
}

/// `ffprobe -v error EXTRA… -show_entries stream=codec_name,width,height -of json URL`:
/// Ok((codec, width, height)) of the first stream, or Err(exit and stderr).
pub async fn ffprobe(url: &str, extra: &[&str]) -> Result<(String, u64, u64), String> {
    let mut args = vec!["-v", "error"];
    args.extend_from_slice(extra);
    args.extend([
        "-show_entries",
        "stream=codec_name,width,height",
        "-of",
        "json",
        url,
    ]);
    let out = run("ffprobe", &args, TOOL_DEADLINE).await;
    if !out.ok() {
        return Err(format!("exit {:?}: {}", out.code, out.stderr.trim()));
    }
    let v: serde_json::Value =
        serde_json::from_str(&out.stdout).map_err(|e| format!("{e}: {}", out.stdout))?;
    let s = &v["streams"][0];
    Ok((
        s["codec_name"].as_str().unwrap_or("").to_string(),
        s["width"].as_u64().unwrap_or(0),
        s["height"].as_u64().unwrap_or(0),
    ))
}

/// The socket address of a device's `service` port (`http`, `rtsp`, `onvif`, `ssdp`, …).
pub fn service_addr(d: &ManifestDevice, service: &str) -> SocketAddr {
    SocketAddr::new(d.address.into(), d.ports[service])
}
