//! `camguard serve`: the real binary over a real database, scanning the real lab through the
//! API (the same pipeline as `camguard scan`), plus its refusals.

use crate::common::{address_range, camguard, lab_ports, run, start_lab, stderr, test_addr};
use camguard_lab::LabConfig;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::time::Duration;

/// A running `camguard serve`, killed on drop.
pub struct Server {
    child: Child,
    /// Bound address.
    pub addr: SocketAddr,
    /// The administrator's one-time password, when printed.
    pub password: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `camguard serve --db DB --listen LISTEN` and read its address and first password.
pub fn serve(db: &std::path::Path, listen: &str) -> Server {
    serve_logging(db, listen, None)
}

/// [`serve`] with debug logging (`-vv`) written to `log` when given.
pub fn serve_logging(db: &std::path::Path, listen: &str, log: Option<&std::path::Path>) -> Server {
    serve_args(db, listen, log, &[])
}

/// [`serve_logging`] with `extra` arguments after `serve`.
pub fn serve_args(
    db: &std::path::Path,
    listen: &str,
    log: Option<&std::path::Path>,
    extra: &[&std::ffi::OsStr],
) -> Server {
    start_serve(db, listen, log, extra, true)
}

/// Start `camguard serve` again on a database that has its administrator (no password is
/// printed: the address is all there is to read).
pub fn serve_again(db: &std::path::Path, listen: &str, log: Option<&std::path::Path>) -> Server {
    start_serve(db, listen, log, &[], false)
}

fn start_serve(
    db: &std::path::Path,
    listen: &str,
    log: Option<&std::path::Path>,
    extra: &[&std::ffi::OsStr],
    first_start: bool,
) -> Server {
    let mut cmd = camguard();
    cmd.arg("serve")
        .args(extra)
        .arg("--db")
        .arg(db)
        .args(["--listen", listen]);
    match log {
        Some(path) => {
            cmd.arg("-vv")
                .stderr(std::fs::File::create(path).expect("create log file"));
        }
        None => {
            cmd.stderr(Stdio::null());
        }
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .expect("start camguard serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut addr = None;
    let mut password = None;
    for line in lines.by_ref().take(3) {
        let line = line.expect("read serve output");
        if let Some(rest) = line.split("dashboard at http://").nth(1) {
            addr = Some(rest.trim_end_matches('/').parse().expect("address"));
        }
        if let Some(p) = line.split("with password: ").nth(1) {
            password = Some(p.trim().to_owned());
        }
        if addr.is_some() && (password.is_some() || !first_start) {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        addr: addr.expect("serve printed its address"),
        password,
    }
}

/// A minimal HTTP/1.1 client (one request per connection) with a session.
pub struct Client {
    addr: SocketAddr,
    cookie: Option<String>,
    csrf: Option<String>,
}

/// Status, head (status line and headers) and body text.
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            cookie: None,
            csrf: None,
        }
    }

    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let mut s = TcpStream::connect(self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if !body.is_empty() {
            req.push_str("Content-Type: application/json\r\n");
        }
        if let Some(c) = &self.cookie {
            req.push_str(&format!("Cookie: {c}\r\n"));
        }
        if let Some(t) = &self.csrf {
            req.push_str(&format!("X-CSRF-Token: {t}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(&body);
        s.write_all(req.as_bytes()).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("read reply");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        Reply {
            status,
            head: head.to_owned(),
            body: body.to_owned(),
        }
    }

    pub fn login(&mut self, user: &str, password: &str) -> Reply {
        let r = self.call(
            "POST",
            "/api/v1/login",
            Some(&json!({"username": user, "password": password})),
        );
        if r.status == 200 {
            let cookie = r
                .head
                .lines()
                .find_map(|l| {
                    l.strip_prefix("set-cookie: ")
                        .or_else(|| l.strip_prefix("Set-Cookie: "))
                })
                .expect("cookie");
            self.cookie = Some(cookie.split(';').next().unwrap().to_owned());
            self.csrf = r.json()["csrf_token"].as_str().map(str::to_owned);
        }
        r
    }
}

#[test]
fn serve_refuses_a_missing_database_a_busy_port_and_a_public_address_without_tls() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let o = run(&[
        "serve",
        "--db",
        missing.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));

    let o = run(&[
        "serve",
        "--db",
        missing.to_str().unwrap(),
        "--listen",
        "0.0.0.0:8080",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("without TLS"), "{}", stderr(&o));

    let db = dir.path().join("c.db");
    std::fs::write(&db, b"").unwrap();
    let busy = std::net::TcpListener::bind((test_addr(108, 250), 0)).unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let o = run(&["serve", "--db", db.to_str().unwrap(), "--listen", &addr]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot listen"), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).is_empty(),
        "no password printed when serving fails"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_scans_the_lab_through_the_api_and_viewers_cannot() {
    let base = test_addr(108, 1);
    let lab = start_lab(&LabConfig::generate(3, 11), base).await;
    let manifest = lab.manifest().clone();
    let ports = lab_ports(&manifest);
    let n = manifest.devices.len();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("camguard.db");
    std::fs::write(&db, b"").unwrap();
    let listen = format!("{}:0", test_addr(108, 200));
    let result = tokio::task::spawn_blocking(move || {
        let server = serve(&db, &listen);
        let password = server.password.clone().expect("first start prints a password");
        assert_eq!(password.chars().count(), 20);
        let mut admin = Client::new(server.addr);
        assert_eq!(admin.call("GET", "/api/v1/devices", None).status, 401);
        assert_eq!(admin.login("admin", &password).status, 200);
        let site = admin.call("POST", "/api/v1/sites", Some(&json!({"name": "Lab"}))).json();
        let system = admin
            .call("POST", "/api/v1/systems", Some(&json!({"site_id": site["id"], "name": "Cameras", "security_level": 2, "owner": "e2e"})))
            .json();
        let net = crate::common::test_net(108);
        let cidr = format!("{}.{}.{}.0/24", net[0], net[1], net[2]);
        let scope = admin.call("POST", "/api/v1/scopes", Some(&json!({"system_id": system["id"], "cidr": cidr})));
        assert_eq!(scope.status, 201, "{}", scope.body);
        let viewer_pw = "View3r-pass!";
        let v = admin.call("POST", "/api/v1/users", Some(&json!({"username": "v", "role": "viewer", "password": viewer_pw})));
        assert_eq!(v.status, 201, "{}", v.body);

        let scan = json!({"system_id": system["id"], "targets": [address_range(base, n)], "ports": ports, "check_credentials": true});
        let mut viewer = Client::new(server.addr);
        assert_eq!(viewer.login("v", viewer_pw).status, 200);
        assert_eq!(viewer.call("POST", "/api/v1/scans", Some(&scan)).status, 403);

        let started = admin.call("POST", "/api/v1/scans", Some(&scan));
        assert_eq!(started.status, 202, "{}", started.body);
        let job = started.json()["id"].as_i64().unwrap();
        let events = viewer.call("GET", &format!("/api/v1/jobs/{job}/events"), None);
        assert!(events.body.contains("event: finished"), "{}", events.body);
        assert_eq!(events.body.matches("event: host").count(), n, "{}", events.body);
        let j = admin.call("GET", &format!("/api/v1/jobs/{job}"), None).json();
        assert_eq!(j["status"], "finished", "{j}");
        let all = viewer.call("GET", "/api/v1/devices", None).json();
        assert_eq!(all["total"], n as u64, "every lab device is in the inventory: {all}");
        let devices = viewer.call("GET", "/api/v1/devices?camera=true&vendor=hikvision", None).json();
        assert!(devices["total"].as_u64().unwrap() >= 1, "{devices}");
        let id = devices["items"][0]["id"].as_i64().unwrap();
        let page = viewer.call("GET", &format!("/devices/{id}"), None);
        assert_eq!(page.status, 200);
        let report = viewer.call("GET", "/api/v1/reports?format=html&lang=vi", None);
        assert_eq!(report.status, 200);
        assert!(report.head.to_lowercase().contains("content-disposition: attachment"));
        let audit = admin.call("GET", "/api/v1/audit?per_page=200", None).body;
        assert!(audit.contains("POST /api/v1/scans"), "{audit}");
        // The client connects from the default loopback source address.
        let from = "\"remote\":\"127.0.0.1:";
        assert!(audit.contains(from), "the audit log records where requests came from: {audit}");
        drop(server);
    })
    .await;
    lab.shutdown().await;
    result.expect("serve test");
}

#[test]
fn serve_over_tls_sends_hsts_and_secure_cookies() {
    if !crate::common::require("openssl", &["version"])
        || !crate::common::require("curl", &["--version"])
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let o = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=camguard-test",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let db = dir.path().join("c.db");
    std::fs::write(&db, b"").unwrap();

    let o = run(&[
        "serve",
        "--db",
        db.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        "/nonexistent.pem",
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read the certificate"),
        "{}",
        stderr(&o)
    );

    let mut child = camguard()
        .arg("serve")
        .arg("--db")
        .arg(&db)
        .args(["--listen", &format!("{}:0", test_addr(108, 202))])
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .split("dashboard at ")
        .nth(1)
        .expect("address line")
        .trim()
        .to_owned();
    assert!(url.starts_with("https://"), "{first}");
    let password = lines
        .next()
        .unwrap()
        .unwrap()
        .split("with password: ")
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();
    let body = json!({"username": "admin", "password": password}).to_string();
    let o = std::process::Command::new("curl")
        .args([
            "-sk",
            "--max-time",
            "20",
            "-D",
            "-",
            "-o",
            "/dev/null",
            "-H",
            "Content-Type: application/json",
            "--data",
            &body,
        ])
        .arg(format!("{url}api/v1/login"))
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let head = String::from_utf8_lossy(&o.stdout).to_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        head.contains("strict-transport-security: max-age="),
        "{head}"
    );
    let cookie = head
        .lines()
        .find(|l| l.starts_with("set-cookie:"))
        .unwrap_or("");
    assert!(
        cookie.contains("; secure") && cookie.contains("httponly"),
        "{cookie}"
    );
}

#[test]
fn demo_serve_leaves_the_dashboard_on_the_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    let base = test_addr(108, 20);
    let mut child = camguard()
        .args([
            "demo",
            "--devices",
            "3",
            "--base",
            &base.to_string(),
            "--serve",
        ])
        .args(["--listen", &format!("{}:0", test_addr(108, 203))])
        .arg("--out")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut addr: Option<SocketAddr> = None;
    let mut password = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split("dashboard at http://").nth(1) {
            addr = Some(rest.trim_end_matches('/').parse().unwrap());
        }
        if let Some(p) = line.split("with password: ").nth(1) {
            password = Some(p.trim().to_owned());
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let (addr, password) = (
        addr.expect("address printed"),
        password.expect("one-time password printed"),
    );
    let mut c = Client::new(addr);
    let login = c.login("admin", &password);
    let devices = c.call("GET", "/api/v1/devices", None).json();
    let systems = c.call("GET", "/api/v1/scopes", None).json();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(login.status, 200, "{}", login.body);
    assert_eq!(devices["total"], 3, "{devices}");
    let cidr = systems["items"][0]["cidr"].as_str().unwrap_or("");
    assert!(
        cidr.starts_with(&format!(
            "{}.",
            test_addr(108, 0).to_string().rsplit_once('.').unwrap().0
        )),
        "{systems}"
    );
}

#[test]
fn serve_debug_log_carries_no_password_token_or_session() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("camguard.db");
    std::fs::write(&db, b"").unwrap();
    let log = dir.path().join("serve.log");
    let server = serve_logging(&db, &format!("{}:0", test_addr(108, 201)), Some(&log));
    let password = server.password.clone().expect("one-time password");
    let mut c = Client::new(server.addr);
    let wrong = "Wr0ng-but-secret-guess!";
    assert_eq!(c.login("admin", wrong).status, 401);
    let r = c.login("admin", &password);
    assert_eq!(r.status, 200, "{}", r.body);
    let csrf = r.json()["csrf_token"].as_str().unwrap().to_owned();
    let session = c.cookie.clone().unwrap();
    let token = c.call(
        "POST",
        "/api/v1/tokens",
        Some(&json!({"name": "ci", "role": "viewer"})),
    );
    assert_eq!(token.status, 201, "{}", token.body);
    let token = token.json()["token"].as_str().unwrap().to_owned();
    let user = c.call(
        "POST",
        "/api/v1/users",
        Some(&json!({"username": "v1", "role": "viewer"})),
    );
    let generated = user.json()["password"].as_str().unwrap().to_owned();
    let new_pw = "N3w-admin-passphrase!";
    let changed = c.call(
        "PATCH",
        "/api/v1/me",
        Some(&json!({"current_password": password, "password": new_pw})),
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("DEBUG") || text.contains("INFO"),
        "debug logging is on: {text}"
    );
    let session_id = session.split('=').nth(1).unwrap();
    for (what, secret) in [
        ("one-time password", password.as_str()),
        ("wrong password", wrong),
        ("CSRF token", csrf.as_str()),
        ("session id", session_id),
        ("API token", token.as_str()),
        ("generated password", generated.as_str()),
        ("new password", new_pw),
    ] {
        assert!(!text.contains(secret), "the {what} is in the log:\n{text}");
    }
}

#[test]
fn serve_marks_a_job_left_running_by_a_stopped_server_failed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("camguard.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let job = rt.block_on(async {
        let store = camguard_store::Store::open(&db).await.unwrap();
        let job = store
            .create_job(None, "127.0.0.1", "admin", chrono::Utc::now())
            .await
            .unwrap();
        // As a server killed during a scan leaves it.
        store
            .update_job(job.id, "running", None, 1, None, None)
            .await
            .unwrap();
        job.id
    });
    let server = serve(&db, &format!("{}:0", test_addr(108, 204)));
    let mut c = Client::new(server.addr);
    assert_eq!(
        c.login("admin", server.password.as_deref().unwrap()).status,
        200
    );
    let r = c.call("GET", &format!("/api/v1/jobs/{job}"), None);
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "failed", "{v}");
    assert!(v["error"].as_str().unwrap_or("").contains("stopped"), "{v}");
}

#[test]
fn serve_baseline_file_lists_the_custom_baseline_and_a_broken_one_stops_it() {
    const ID: &str = "example-agency-camera-policy";
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("camguard.db");
    std::fs::write(&db, b"").unwrap();
    let example = crate::common::repo_root().join("data/baselines/examples/agency-custom.toml");
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "id = \"x\"\n[[provisions]\n").unwrap();
    let o = camguard()
        .env("XDG_CONFIG_HOME", dir.path())
        .arg("serve")
        .arg("--baseline-file")
        .arg(&broken)
        .arg("--db")
        .arg(&db)
        .args(["--listen", &format!("{}:0", test_addr(108, 201))])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("broken.toml"), "{}", stderr(&o));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("dashboard at"));

    let listen = format!("{}:0", test_addr(108, 202));
    let server = serve_args(
        &db,
        &listen,
        None,
        &["--baseline-file".as_ref(), example.as_os_str()],
    );
    let mut admin = Client::new(server.addr);
    let password = server
        .password
        .clone()
        .expect("first start prints a password");
    assert_eq!(admin.login("admin", &password).status, 200);
    let list = admin.call("GET", "/api/v1/baselines", None).json();
    let custom: Vec<&Value> = list["items"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|b| b["custom"] == true)
        .collect();
    assert_eq!(custom.len(), 1, "{list}");
    assert_eq!(custom[0]["id"], ID);
    let card = admin.call("GET", &format!("/api/v1/compliance?baseline={ID}"), None);
    assert_eq!(card.status, 200, "{}", card.body);
    assert_eq!(card.json()["baseline"], ID);
}

/// Poll `path` until `done` holds of its JSON (at most `secs` seconds).
fn wait_for(c: &Client, path: &str, secs: u64, done: impl Fn(&Value) -> bool) -> Value {
    let until = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let v = c.call("GET", path, None).json();
        if done(&v) || std::time::Instant::now() > until {
            return v;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_killed_during_a_scan_resumes_it_at_the_next_start_and_fails_it_without_checkpoint() {
    let base = test_addr(121, 1);
    let lab = start_lab(&LabConfig::generate(3, 121), base).await;
    let n = lab.manifest().devices.len();
    // A device that accepts every connection and never answers: the scan is still probing
    // it (each probe waits for its I/O deadline) when the server is killed.
    let slow_addr = test_addr(121, 100);
    let slow = start_lab(
        &LabConfig::from_toml_str(
            "[[device]]\nid = \"slow\"\npersonality = \"hostile\"\nhostile = [\"accept_hang\"]\n",
        )
        .unwrap(),
        slow_addr,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("camguard.db");
    std::fs::write(&db, b"").unwrap();
    let result = tokio::task::spawn_blocking(move || {
        let listen = format!("{}:0", test_addr(121, 200));
        let server = serve(&db, &listen);
        let password = server.password.clone().expect("first start");
        let mut admin = Client::new(server.addr);
        assert_eq!(admin.login("admin", &password).status, 200);
        let site = admin.call("POST", "/api/v1/sites", Some(&json!({"name": "Lab"}))).json();
        let system = admin
            .call("POST", "/api/v1/systems", Some(&json!({"site_id": site["id"], "name": "Cameras", "security_level": 2, "owner": "e2e"})))
            .json();
        let net = crate::common::test_net(121);
        let cidr = format!("{}.{}.{}.0/24", net[0], net[1], net[2]);
        let scope = admin.call("POST", "/api/v1/scopes", Some(&json!({"system_id": system["id"], "cidr": cidr})));
        assert_eq!(scope.status, 201, "{}", scope.body);
        let scan = json!({"system_id": system["id"], "targets": [address_range(base, n), slow_addr.to_string()]});
        let start = |c: &Client| -> i64 {
            let started = c.call("POST", "/api/v1/scans", Some(&scan));
            assert_eq!(started.status, 202, "{}", started.body);
            started.json()["id"].as_i64().unwrap()
        };

        // 1. Killed (SIGKILL) once the quick devices are recorded, the slow one in flight.
        let job = start(&admin);
        let t0 = std::time::Instant::now();
        let devices = wait_for(&admin, "/api/v1/devices", 60, |v| v["total"].as_u64() >= Some(n as u64));
        assert_eq!(devices["total"], n as u64, "the quick devices first: {devices}");
        let j = admin.call("GET", &format!("/api/v1/jobs/{job}"), None).json();
        assert_eq!(j["status"], "running", "still probing the slow device: {j}");
        let scans = admin.call("GET", "/api/v1/scans", None).json();
        assert_eq!(scans["total"], 1, "{scans}");
        let scan_id = scans["items"][0]["id"].as_i64().unwrap();
        let checkpoint = db.with_file_name("camguard.db.jobs").join(format!("{job}.checkpoint"));
        assert!(checkpoint.is_file(), "the job keeps a checkpoint");
        drop(server);
        eprintln!("killed after {:?}", t0.elapsed());

        // 2. Restarted: the job resumes into the same scan and probes only what was left.
        let log = db.with_file_name("serve.log");
        let server = serve_again(&db, &listen, Some(&log));
        let mut admin = Client::new(server.addr);
        assert_eq!(admin.login("admin", &password).status, 200);
        let j = wait_for(&admin, &format!("/api/v1/jobs/{job}"), 120, |v| v["status"] != "running");
        assert_eq!(
            j["status"],
            "finished",
            "{j}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        let events = admin.call("GET", &format!("/api/v1/jobs/{job}/events"), None);
        assert!(events.body.contains("event: finished"), "{}", events.body);
        let probed_again = events.body.matches("event: host").count();
        assert!((1..n + 1).contains(&probed_again), "the checkpoint spares the recorded devices: {probed_again} of {}\n{}", n + 1, events.body);
        let j = admin.call("GET", &format!("/api/v1/jobs/{job}"), None).json();
        assert_eq!((&j["status"], &j["scan_id"]), (&json!("finished"), &json!(scan_id)), "{j}");
        let scans = admin.call("GET", "/api/v1/scans", None).json();
        assert_eq!(scans["total"], 1, "no second scan: {scans}");
        assert!(!checkpoint.exists(), "a finished job's checkpoint is removed");
        eprintln!("resumed and finished after {:?}", t0.elapsed());

        // 3. Killed again during another scan, its checkpoint corrupt: failed, not resumed.
        let second = start(&admin);
        let checkpoint = db.with_file_name("camguard.db.jobs").join(format!("{second}.checkpoint"));
        let j = wait_for(&admin, &format!("/api/v1/jobs/{second}"), 30, |v| v["status"] == "running");
        assert_eq!(j["status"], "running", "{j}");
        std::thread::sleep(Duration::from_millis(500));
        drop(server);
        std::fs::write(&checkpoint, b"{ not a checkpoint").unwrap();
        let server = serve_again(&db, &listen, None);
        let mut admin = Client::new(server.addr);
        assert_eq!(admin.login("admin", &password).status, 200);
        let j = admin.call("GET", &format!("/api/v1/jobs/{second}"), None).json();
        assert_eq!(j["status"], "failed", "{j}");
        assert!(j["error"].as_str().unwrap_or("").contains("checkpoint"), "{j}");
        (db, scan_id, n)
    })
    .await;
    lab.shutdown().await;
    slow.shutdown().await;
    let (db, scan_id, n) = result.expect("resume test");
    // Every device of the resumed scan recorded once.
    let store = camguard_store::Store::open(&db).await.unwrap();
    let recorded = store.scan_devices(scan_id).await.unwrap();
    let mut ips: Vec<_> = recorded.iter().map(|d| d.ip).collect();
    ips.sort();
    ips.dedup();
    assert_eq!((recorded.len(), ips.len()), (n + 1, n + 1), "{ips:?}");
    assert!(ips.contains(&std::net::IpAddr::V4(slow_addr)), "{ips:?}");
}
