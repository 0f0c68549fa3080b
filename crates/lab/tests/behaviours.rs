//! The behaviour switches of lab files, over real sockets and with real clients (curl,
//! ffprobe): Digest variants, credentials in URLs, brute-force lockout (with a hand-moved
//! clock), login messages, and the quirks that fool scanners.

mod common;

use camguard_lab::clock::ManualClock;
use camguard_lab::{Lab, LabConfig, LabOptions, ManifestDevice};
use camguard_protocols::auth::{self, Credentials};
use camguard_protocols::wire::{self, Frame, Limits, Message};
use common::{
    curl_status, device, exchange, port_offset, require_tool, rtsp, run, service_addr, soap, start,
};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const DEADLINE: Duration = Duration::from_secs(10);
const CURL_LIMIT: Duration = Duration::from_secs(20);

fn http_url(d: &ManifestDevice, path: &str) -> String {
    format!("http://{}:{}{}", d.address, d.ports["http"], path)
}

fn get(path: &str, host: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut headers = vec![("Host", host)];
    headers.extend_from_slice(extra);
    wire::encode_request("GET", path, "HTTP/1.1", &headers, b"")
}

fn code(m: &Message) -> u16 {
    m.status().expect("status line").code
}

fn body(m: &Message) -> String {
    String::from_utf8_lossy(&m.body).into_owned()
}

/// curl with extra arguments; returns (status, body).
async fn curl(args: &[&str]) -> (u16, String) {
    curl_status(args).await.unwrap_or_else(|e| panic!("{e}"))
}

/// An Authorization value for the challenge in `resp` (Digest or Basic).
fn answer(resp: &Message, creds: &Credentials, method: &str, uri: &str) -> String {
    let challenge = resp.header("WWW-Authenticate").expect("challenge");
    let parsed = auth::parse_challenges(challenge);
    let ch = auth::strongest(&parsed).expect("a challenge");
    auth::authorization_for(ch, creds, method, uri).expect("authorization")
}

/// GET `path` on the web port: first unauthenticated, then answering the challenge.
async fn web_login(d: &ManifestDevice, path: &str, creds: &Credentials) -> Message {
    let a = service_addr(d, "http");
    let host = a.to_string();
    let first = exchange(a, &get(path, &host, &[])).await;
    if code(&first) != 401 {
        return first;
    }
    let authz = answer(&first, creds, "GET", path);
    exchange(a, &get(path, &host, &[("Authorization", &authz)])).await
}

/// DESCRIBE the main stream, answering the challenge with `creds`.
async fn rtsp_login(d: &ManifestDevice, creds: &Credentials) -> Message {
    let a = service_addr(d, "rtsp");
    let url = d.stream_urls[0].clone();
    let first = exchange(a, &rtsp("DESCRIBE", &url, 1, &[])).await;
    if code(&first) != 401 {
        return first;
    }
    let authz = answer(&first, creds, "DESCRIBE", &url);
    exchange(a, &rtsp("DESCRIBE", &url, 2, &[("Authorization", &authz)])).await
}

/// GetDeviceInformation with a UsernameToken for `password`.
async fn onvif_login(d: &ManifestDevice, password: &str) -> Message {
    let a = service_addr(d, "onvif");
    let created = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let sec = auth::wsse_security_header(&d.username, password, b"0123456789abcdef", &created);
    let body = soap(
        "<tds:GetDeviceInformation xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\"/>",
        Some(sec),
    );
    let req = wire::encode_request(
        "POST",
        "/onvif/device_service",
        "HTTP/1.1",
        &[
            ("Host", &a.to_string()),
            ("Content-Type", "application/soap+xml; charset=utf-8"),
        ],
        body.as_bytes(),
    );
    exchange(a, &req).await
}

async fn start_with_clock(toml: &str, base: Ipv4Addr, clock: Arc<ManualClock>) -> Lab {
    let config = LabConfig::from_toml_str(toml).expect("lab config");
    let opts = LabOptions {
        base,
        port_offset: port_offset(base),
    };
    Lab::start_with_clock(&config, &opts, clock)
        .await
        .expect("lab starts")
}

// ---------------------------------------------------------------------------------------
// Authentication variants
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_algorithms_and_qop_offers_work_with_curl_and_our_client() {
    let variants = [
        ("md5-none", "md5", "none", None, "qop"),
        ("md5-auth", "md5", "auth", Some("qop=\"auth\""), "algorithm"),
        (
            "md5-int",
            "md5",
            "auth,auth-int",
            Some("qop=\"auth,auth-int\""),
            "algorithm",
        ),
        (
            "sess",
            "md5-sess",
            "auth",
            Some("algorithm=MD5-sess"),
            "SHA",
        ),
        ("sha", "sha-256", "auth", Some("algorithm=SHA-256"), "MD5"),
        (
            "sha-none",
            "sha-256",
            "none",
            Some("algorithm=SHA-256"),
            "qop",
        ),
    ];
    let mut toml = String::new();
    for (id, alg, qop, _, _) in &variants {
        toml.push_str(&format!(
            "[[device]]\nid = \"{id}\"\npersonality = \"hikvision\"\nweb_auth = \"digest\"\n\
             rtsp_auth = \"digest\"\ndigest_algorithm = \"{alg}\"\ndigest_qop = \"{qop}\"\n"
        ));
    }
    let lab = start(&toml, Ipv4Addr::new(127, 61, 1, 1)).await;
    let curl_ok = require_tool("curl", "digest_algorithms_and_qop_offers_work_with_curl");
    for (id, _, _, has, lacks) in &variants {
        let d = device(&lab, id);
        let creds = Credentials::new(&d.username, &d.password);
        // The challenge says what the switch says.
        let a = service_addr(d, "http");
        let first = exchange(a, &get("/", &a.to_string(), &[])).await;
        let ch = first
            .header("WWW-Authenticate")
            .expect("challenge")
            .to_string();
        if let Some(h) = has {
            assert!(ch.contains(h), "{id}: {ch}");
        }
        assert!(!ch.contains(lacks), "{id}: {ch}");
        // Our client logs in on the web UI and RTSP; a wrong password does not.
        assert_eq!(code(&web_login(d, "/", &creds).await), 200, "{id} web");
        assert_eq!(code(&rtsp_login(d, &creds).await), 200, "{id} rtsp");
        let wrong = Credentials::new(&d.username, "wrong");
        assert_eq!(code(&web_login(d, "/", &wrong).await), 401, "{id} wrong");
        // curl, which implements MD5, MD5-sess and SHA-256 Digest itself.
        if curl_ok {
            let user = format!("{}:{}", d.username, d.password);
            let (status, page) = curl(&["--digest", "-u", &user, &http_url(d, "/")]).await;
            assert_eq!(status, 200, "{id}: curl --digest");
            assert!(page.contains("<title>"), "{id}: {page}");
            let bad = format!("{}:nope", d.username);
            let (status, _) = curl(&["--digest", "-u", &bad, &http_url(d, "/")]).await;
            assert_eq!(status, 401, "{id}: curl --digest wrong password");
        }
    }
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_in_urls_unlock_snapshots_and_xiongmai_rtsp() {
    let toml = concat!(
        "[[device]]\nid = \"xm\"\npersonality = \"generic_onvif\"\nweb_auth = \"digest\"\n",
        "rtsp_auth = \"digest\"\ndefault_password = \"kept\"\n",
        "url_credentials = [\"user_password\", \"loginuse\", \"xiongmai\"]\n",
        "[[device]]\nid = \"plain\"\npersonality = \"generic_onvif\"\nweb_auth = \"digest\"\n",
    );
    let lab = start(toml, Ipv4Addr::new(127, 61, 2, 1)).await;
    let d = device(&lab, "xm");
    let (user, pass) = (d.username.clone(), d.password.clone());
    let a = service_addr(d, "http");
    let host = a.to_string();
    let q = |k1: &str, k2: &str, p: &str| format!("{k1}={user}&{k2}={p}");
    for path in [
        format!(
            "/webcapture.jpg?command=snap&channel=1&{}",
            q("user", "password", &pass)
        ),
        format!("/snapshot.cgi?{}", q("loginuse", "loginpas", &pass)),
    ] {
        let r = exchange(a, &get(&path, &host, &[])).await;
        assert_eq!(code(&r), 200, "{path}");
        assert_eq!(r.header("Content-Type"), Some("image/jpeg"));
        assert!(r.body.starts_with(&[0xFF, 0xD8]), "{path}: JPEG");
        let wrong = path.replace(&format!("={pass}"), "=wrong");
        let wrong = if pass.is_empty() {
            format!("{path}wrong")
        } else {
            wrong
        };
        assert_eq!(
            code(&exchange(a, &get(&wrong, &host, &[])).await),
            401,
            "{wrong}"
        );
    }
    // Without URL credentials the snapshot needs the header.
    let r = exchange(a, &get("/snapshot.cgi", &host, &[])).await;
    assert_eq!(code(&r), 401);
    let creds = Credentials::new(&user, &pass);
    assert_eq!(code(&web_login(d, "/snapshot.cgi", &creds).await), 200);
    // A device without the switch has no snapshot CGI.
    let plain = device(&lab, "plain");
    let pa = service_addr(plain, "http");
    let r = exchange(
        pa,
        &get(
            "/snapshot.cgi?loginuse=admin&loginpas=",
            &pa.to_string(),
            &[],
        ),
    )
    .await;
    assert_eq!(code(&r), 404);

    // Xiongmai RTSP: the path carries the credentials, no Authorization header needed.
    let ra = service_addr(d, "rtsp");
    let xm_url = format!("rtsp://{ra}/user={user}&password={pass}&channel=1&stream=0.sdp");
    let r = exchange(ra, &rtsp("DESCRIBE", &xm_url, 1, &[])).await;
    assert_eq!(code(&r), 200, "{}", body(&r));
    assert!(body(&r).contains("m=video"), "{}", body(&r));
    assert!(body(&r).contains(&format!("a=control:{xm_url}/trackID=0")));
    let bad = format!("rtsp://{ra}/user={user}&password=wrong&channel=1&stream=0.sdp");
    assert_eq!(
        code(&exchange(ra, &rtsp("DESCRIBE", &bad, 2, &[])).await),
        401
    );
    let no_channel = format!("rtsp://{ra}/user={user}&password={pass}&channel=9&stream=0.sdp");
    assert_eq!(
        code(&exchange(ra, &rtsp("DESCRIBE", &no_channel, 3, &[])).await),
        404
    );
    // The real stream path still wants the header.
    assert_eq!(
        code(&exchange(ra, &rtsp("DESCRIBE", &d.stream_urls[0], 4, &[])).await),
        401
    );

    if require_tool("curl", "credentials_in_urls (curl)") {
        let (status, _) = curl(&[
            "-o",
            "/dev/null",
            &http_url(d, &format!("/snapshot.cgi?loginuse={user}&loginpas={pass}")),
        ])
        .await;
        assert_eq!(status, 200);
    }
    if require_tool("ffprobe", "credentials_in_urls (ffprobe)") {
        let r = run(
            "ffprobe",
            &[
                "-v",
                "error",
                "-rtsp_transport",
                "tcp",
                "-show_entries",
                "stream=codec_name,width",
                "-of",
                "csv=p=0",
                &xm_url,
            ],
            Duration::from_secs(30),
        )
        .await;
        assert!(r.ok(), "ffprobe {xm_url}: {}", r.stderr);
        assert!(r.stdout.contains("mjpeg"), "{}", r.stdout);
    }
    lab.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// Brute-force lockout
// ---------------------------------------------------------------------------------------

const LOCKED_HIK: &str = concat!(
    "[[device]]\nid = \"hik\"\npersonality = \"hikvision\"\nweb_auth = \"digest\"\n",
    "rtsp_auth = \"digest\"\nonvif_auth = \"wsse\"\nlockout = \"qd724\"\n",
    "login_messages = \"leaky\"\n",
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_counts_failures_across_http_rtsp_onvif_and_is_observable() {
    let clock = Arc::new(ManualClock::new());
    let lab = start_with_clock(LOCKED_HIK, Ipv4Addr::new(127, 61, 3, 1), clock.clone()).await;
    let d = device(&lab, "hik");
    let right = Credentials::new(&d.username, &d.password);
    let wrong = Credentials::new(&d.username, "wrong-password");
    // Unauthenticated requests (challenge fetches) are not failures.
    for _ in 0..10 {
        let a = service_addr(d, "http");
        assert_eq!(
            code(&exchange(a, &get("/", &a.to_string(), &[])).await),
            401
        );
    }
    // Four failures, spread over the three protocols: still open.
    assert_eq!(code(&web_login(d, "/", &wrong).await), 401);
    assert_eq!(code(&rtsp_login(d, &wrong).await), 401);
    let fault = onvif_login(d, "wrong-password").await;
    assert!(body(&fault).contains("NotAuthorized"), "{}", body(&fault));
    assert_eq!(code(&web_login(d, "/", &wrong).await), 401);
    assert_eq!(
        code(&web_login(d, "/", &right).await),
        200,
        "4 failures: open"
    );
    // The fifth failure within 30 s locks.
    clock.advance(Duration::from_secs(10));
    let r = rtsp_login(d, &wrong).await;
    assert_eq!(code(&r), 403, "fifth failure locks");
    // Locked: the right password is refused everywhere, observably.
    let a = service_addr(d, "http");
    let r = exchange(a, &get("/", &a.to_string(), &[])).await;
    assert_eq!(code(&r), 403);
    assert!(
        body(&r).contains("<lockStatus>lock</lockStatus>"),
        "{}",
        body(&r)
    );
    assert_eq!(code(&rtsp_login(d, &right).await), 403, "rtsp locked");
    let r = onvif_login(d, &d.password).await;
    assert!(
        body(&r).contains("NotAuthorized") && body(&r).contains("locked"),
        "{}",
        body(&r)
    );
    // Pre-auth ONVIF operations still answer.
    let r = exchange(
        service_addr(d, "onvif"),
        &wire::encode_request(
            "POST",
            "/onvif/device_service",
            "HTTP/1.1",
            &[("Host", "x"), ("Content-Type", "application/soap+xml")],
            soap(
                "<tds:GetSystemDateAndTime xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\"/>",
                None,
            )
            .as_bytes(),
        ),
    )
    .await;
    assert_eq!(code(&r), 200);
    // The ISAPI userCheck endpoint shows the lock and the time left.
    let r = exchange(a, &get("/ISAPI/Security/userCheck", &a.to_string(), &[])).await;
    assert_eq!(code(&r), 401);
    assert!(
        body(&r).contains("<lockStatus>lock</lockStatus>"),
        "{}",
        body(&r)
    );
    assert!(
        body(&r).contains("<unlockTime>300</unlockTime>"),
        "{}",
        body(&r)
    );
    // 4 min 59 s later: still locked. 5 min: open again.
    clock.advance(Duration::from_secs(299));
    assert_eq!(code(&web_login(d, "/", &right).await), 403, "still locked");
    clock.advance(Duration::from_secs(1));
    assert_eq!(code(&web_login(d, "/", &right).await), 200, "unlocked");
    assert_eq!(code(&rtsp_login(d, &right).await), 200, "rtsp unlocked");
    assert_eq!(
        code(&onvif_login(d, &d.password).await),
        200,
        "onvif unlocked"
    );
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_needs_failures_within_the_window_and_honours_thresholds() {
    let clock = Arc::new(ManualClock::new());
    let toml = concat!(
        "[[device]]\nid = \"slow\"\npersonality = \"generic_onvif\"\nweb_auth = \"basic\"\n",
        "lockout = \"qd724\"\n",
        "[[device]]\nid = \"strict\"\npersonality = \"generic_onvif\"\nweb_auth = \"basic\"\n",
        "lockout = \"qd724\"\nlockout_failures = 2\nlockout_window_secs = 60\nlockout_secs = 10\n",
        "[[device]]\nid = \"none\"\npersonality = \"generic_onvif\"\nweb_auth = \"basic\"\n",
    );
    let lab = start_with_clock(toml, Ipv4Addr::new(127, 61, 4, 1), clock.clone()).await;
    let basic = |d: &ManifestDevice, pw: &str| {
        auth::basic_authorization(&Credentials::new(&d.username, pw))
    };
    let try_get = |d: &ManifestDevice, pw: &str| {
        let a = service_addr(d, "http");
        let authz = basic(d, pw);
        async move { code(&exchange(a, &get("/", &a.to_string(), &[("Authorization", &authz)])).await) }
    };
    // Five failures 8 s apart (32 s in all): never five inside 30 s.
    let slow = device(&lab, "slow");
    for _ in 0..5 {
        assert_eq!(try_get(slow, "x").await, 401);
        clock.advance(Duration::from_secs(8));
    }
    assert_eq!(
        try_get(slow, &slow.password).await,
        200,
        "spread failures: open"
    );
    // Custom thresholds: 2 failures lock for 10 s.
    let strict = device(&lab, "strict");
    assert_eq!(try_get(strict, "x").await, 401);
    assert_eq!(try_get(strict, "x").await, 403);
    assert_eq!(try_get(strict, &strict.password).await, 403);
    clock.advance(Duration::from_secs(10));
    assert_eq!(try_get(strict, &strict.password).await, 200);
    // No lockout: 50 failures change nothing.
    let none = device(&lab, "none");
    for _ in 0..50 {
        assert_eq!(try_get(none, "x").await, 401);
    }
    assert_eq!(try_get(none, &none.password).await, 200);
    lab.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// Login messages
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaky_login_endpoints_tell_users_apart_and_generic_ones_do_not() {
    let mut toml = String::new();
    for (p, auth) in [
        ("hikvision", "basic"),
        ("dahua", "digest"),
        ("generic_onvif", "digest"),
    ] {
        for m in ["leaky", "generic"] {
            toml.push_str(&format!(
                "[[device]]\nid = \"{p}-{m}\"\npersonality = \"{p}\"\nweb_auth = \"{auth}\"\n\
                 login_messages = \"{m}\"\nlockout = \"qd724\"\nlockout_failures = 100\n"
            ));
        }
    }
    toml.push_str("[[device]]\nid = \"classic\"\npersonality = \"hikvision\"\n");
    let lab = start(&toml, Ipv4Addr::new(127, 61, 5, 1)).await;
    if !require_tool("curl", "leaky_login_endpoints") {
        lab.shutdown().await;
        return;
    }
    // Returns (status, body) for (unknown user, wrong password, right password).
    async fn attempts(d: &ManifestDevice) -> [(u16, String); 3] {
        let pairs = [
            ("nobody".to_string(), "x".to_string()),
            (d.username.clone(), "x".to_string()),
            (d.username.clone(), d.password.clone()),
        ];
        let mut out = Vec::new();
        for (u, p) in pairs {
            let r = match d.personality.as_str() {
                "hikvision" => {
                    let up = format!("{u}:{p}");
                    curl(&["-u", &up, &http_url(d, "/ISAPI/Security/userCheck")]).await
                }
                "dahua" => {
                    let body = serde_json::json!({
                        "method": "global.login",
                        "params": {"userName": u, "password": p, "clientType": "Web3.0"},
                        "id": 10000
                    })
                    .to_string();
                    curl(&[
                        "-X",
                        "POST",
                        "--data-binary",
                        &body,
                        &http_url(d, "/RPC2_Login"),
                    ])
                    .await
                }
                _ => {
                    curl(&[
                        "--data-urlencode",
                        &format!("username={u}"),
                        "--data-urlencode",
                        &format!("password={p}"),
                        &http_url(d, "/login"),
                    ])
                    .await
                }
            };
            out.push(r);
        }
        out.try_into().expect("three")
    }
    for p in ["hikvision", "dahua", "generic_onvif"] {
        let [nobody, wrong, right] = attempts(device(&lab, &format!("{p}-leaky"))).await;
        assert_ne!(nobody.1, wrong.1, "{p} leaky: {nobody:?} vs {wrong:?}");
        assert!(
            nobody.1.contains("user") || nobody.1.contains("User"),
            "{p}: {nobody:?}"
        );
        assert_ne!(right.1, wrong.1);
        assert_eq!(right.0, 200, "{p}: {right:?}");
        if p == "dahua" {
            assert!(right.1.contains("\"result\":true"), "{right:?}");
            assert!(wrong.1.contains("\"result\":false"), "{wrong:?}");
        } else {
            assert_eq!((nobody.0, wrong.0), (401, 401), "{p}");
        }
        let [nobody, wrong, right] = attempts(device(&lab, &format!("{p}-generic"))).await;
        // Generic: the same answer whether or not the user exists.
        let strip = |s: &str| s.replace(char::is_numeric, "");
        assert_eq!(strip(&nobody.1), strip(&wrong.1), "{p} generic");
        assert_eq!(nobody.0, wrong.0);
        assert_ne!(right.1, wrong.1);
    }
    // Leaky ISAPI and form endpoints also tell the attempts left.
    let hik = device(&lab, "hikvision-leaky");
    let up = format!("{}:x", hik.username);
    let (_, b) = curl(&["-u", &up, &http_url(hik, "/ISAPI/Security/userCheck")]).await;
    assert!(b.contains("<retryLoginTime>"), "{b}");
    // A device without the switches has no login endpoint (classic behaviour).
    let classic = device(&lab, "classic");
    let (status, _) = curl(&[
        "-u",
        "admin:x",
        &http_url(classic, "/ISAPI/Security/userCheck"),
    ])
    .await;
    assert_eq!(status, 404);
    lab.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// Quirks
// ---------------------------------------------------------------------------------------

/// Read interleaved frames for `wait`; returns how many RTP packets arrived.
async fn count_rtp(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, wait: Duration) -> usize {
    let mut packets = 0;
    let end = tokio::time::Instant::now() + wait;
    loop {
        let left = end.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return packets;
        }
        match tokio::time::timeout(left, wire::read_frame(r, &Limits::default())).await {
            Ok(Ok(Some(Frame::Interleaved { .. }))) => packets += 1,
            Ok(Ok(Some(Frame::Message(_)))) => {}
            Ok(_) | Err(_) => return packets,
        }
    }
}

/// The next RTSP reply, skipping interleaved data.
async fn read_reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Message {
    loop {
        match wire::deadline(DEADLINE, wire::read_frame(r, &Limits::default())).await {
            Ok(Some(Frame::Message(m))) => return m,
            Ok(Some(Frame::Interleaved { .. })) => continue,
            other => panic!("rtsp read: {other:?}"),
        }
    }
}

/// DESCRIBE, SETUP (interleaved), PLAY on `url` over one connection, no credentials;
/// returns the three status codes and the RTP packets seen in 1.5 s.
async fn play(a: SocketAddr, url: &str) -> (u16, u16, u16, usize) {
    let stream = TcpStream::connect(a).await.expect("connect");
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let extra: Vec<(&str, &str)> = Vec::new();
    w.write_all(&rtsp("DESCRIBE", url, 1, &extra))
        .await
        .expect("w");
    let d = read_reply(&mut r).await;
    let track = format!("{url}/trackID=0");
    let mut setup_headers = extra.clone();
    setup_headers.push(("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"));
    w.write_all(&rtsp("SETUP", &track, 2, &setup_headers))
        .await
        .expect("w");
    let s = read_reply(&mut r).await;
    let session = s
        .header("Session")
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .unwrap_or_default();
    let mut play_headers = extra.clone();
    play_headers.push(("Session", &session));
    w.write_all(&rtsp("PLAY", url, 3, &play_headers))
        .await
        .expect("w");
    let p = read_reply(&mut r).await;
    let packets = count_rtp(&mut r, Duration::from_millis(1500)).await;
    (code(&d), code(&s), code(&p), packets)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtsp_any_path_200_answers_everything_but_streams_only_real_paths() {
    let toml = concat!(
        "[[device]]\nid = \"hip\"\npersonality = \"generic_onvif\"\nrtsp_auth = \"digest\"\n",
        "rtsp_any_path_200 = true\n",
        "[[device]]\nid = \"hip-open\"\npersonality = \"generic_onvif\"\nrtsp_auth = \"none\"\n",
        "rtsp_any_path_200 = true\n",
        "[[device]]\nid = \"classic\"\npersonality = \"generic_onvif\"\nrtsp_auth = \"digest\"\n",
    );
    let lab = start(toml, Ipv4Addr::new(127, 61, 6, 1)).await;
    let d = device(&lab, "hip");
    let a = service_addr(d, "rtsp");
    let random = format!("rtsp://{a}/0x8b6c42");
    let (describe, setup, play_code, packets) = play(a, &random).await;
    assert_eq!(
        (describe, setup, play_code),
        (200, 200, 200),
        "any path: 200"
    );
    assert_eq!(packets, 0, "no media on an invented path");
    let r = exchange(a, &rtsp("DESCRIBE", &random, 1, &[])).await;
    assert!(
        body(&r).contains("m=video"),
        "an SDP is served: {}",
        body(&r)
    );
    // The real path still needs credentials.
    let first = exchange(a, &rtsp("DESCRIBE", &d.stream_urls[0], 1, &[])).await;
    assert_eq!(code(&first), 401);
    let creds = Credentials::new(&d.username, &d.password);
    assert_eq!(code(&rtsp_login(d, &creds).await), 200);
    // On an open device the real path streams, an invented one does not.
    let o = device(&lab, "hip-open");
    let oa = service_addr(o, "rtsp");
    let (_, _, _, packets) = play(oa, &o.stream_urls[0]).await;
    assert!(packets > 0, "media on the real path");
    let (describe, setup, play_code, packets) = play(oa, &format!("rtsp://{oa}/live.sdp")).await;
    assert_eq!((describe, setup, play_code, packets), (200, 200, 200, 0));
    // Without the switch an invented path is 401 (auth first, the classic behaviour).
    let c = device(&lab, "classic");
    let ca = service_addr(c, "rtsp");
    let r = exchange(
        ca,
        &rtsp("DESCRIBE", &format!("rtsp://{ca}/0x8b6c42"), 1, &[]),
    )
    .await;
    assert_eq!(code(&r), 401);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_before_path_switches_401_and_404_order_on_rtsp_and_http() {
    let mut toml = String::new();
    for (id, v) in [
        ("default", None),
        ("auth-first", Some(true)),
        ("path-first", Some(false)),
    ] {
        toml.push_str(&format!(
            "[[device]]\nid = \"{id}\"\npersonality = \"generic_onvif\"\nrtsp_auth = \"digest\"\nweb_auth = \"digest\"\n"
        ));
        if let Some(v) = v {
            toml.push_str(&format!("auth_before_path = {v}\n"));
        }
    }
    let lab = start(&toml, Ipv4Addr::new(127, 61, 7, 1)).await;
    // (device, RTSP unknown path, HTTP unknown path) without credentials.
    for (id, rtsp_code, http_code) in [
        ("default", 401, 404),
        ("auth-first", 401, 401),
        ("path-first", 404, 404),
    ] {
        let d = device(&lab, id);
        let ra = service_addr(d, "rtsp");
        let r = exchange(ra, &rtsp("DESCRIBE", &format!("rtsp://{ra}/nope"), 1, &[])).await;
        assert_eq!(code(&r), rtsp_code, "{id} rtsp");
        let ha = service_addr(d, "http");
        let r = exchange(ha, &get("/nope.html", &ha.to_string(), &[])).await;
        assert_eq!(code(&r), http_code, "{id} http");
        // With the right credentials an unknown path is 404 everywhere.
        let creds = Credentials::new(&d.username, &d.password);
        if http_code == 401 {
            assert_eq!(code(&web_login(d, "/nope.html", &creds).await), 404, "{id}");
        }
        // And a known path is 401 without credentials everywhere.
        let r = exchange(ra, &rtsp("DESCRIBE", &d.stream_urls[0], 2, &[])).await;
        assert_eq!(code(&r), 401, "{id}: known path");
    }
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_200_with_challenge_and_unusual_digest_quoting() {
    let toml = concat!(
        "[[device]]\nid = \"h264dvr\"\npersonality = \"generic_onvif\"\nweb_auth = \"basic\"\n",
        "http_200_with_challenge = true\n",
        "[[device]]\nid = \"unquoted\"\npersonality = \"dahua\"\nweb_auth = \"digest\"\n",
        "rtsp_auth = \"digest\"\ndigest_quoting = \"unquoted\"\n",
        "[[device]]\nid = \"single\"\npersonality = \"dahua\"\nweb_auth = \"digest\"\n",
        "rtsp_auth = \"digest\"\ndigest_quoting = \"single\"\n",
    );
    let lab = start(toml, Ipv4Addr::new(127, 61, 8, 1)).await;
    let d = device(&lab, "h264dvr");
    let a = service_addr(d, "http");
    let r = exchange(a, &get("/", &a.to_string(), &[])).await;
    assert_eq!(code(&r), 200, "refusal is a 200");
    assert!(r
        .header("WWW-Authenticate")
        .is_some_and(|c| c.starts_with("Basic")));
    let curl_ok = require_tool("curl", "http_200_with_challenge (curl)");
    if curl_ok {
        let r = run(
            "curl",
            &["-s", "-i", "--max-time", "10", &http_url(d, "/")],
            CURL_LIMIT,
        )
        .await;
        assert!(r.stdout.starts_with("HTTP/1.1 200"), "{}", r.stdout);
        assert!(r.stdout.contains("WWW-Authenticate: Basic"), "{}", r.stdout);
    }
    for (id, marker) in [
        ("unquoted", "realm=Login to "),
        ("single", "realm='Login to "),
    ] {
        let d = device(&lab, id);
        let a = service_addr(d, "http");
        let r = exchange(a, &get("/", &a.to_string(), &[])).await;
        let ch = r.header("WWW-Authenticate").expect("challenge").to_string();
        assert!(ch.contains(marker), "{id}: {ch}");
        // Our tolerant client copes with both, on the web UI and RTSP.
        let creds = Credentials::new(&d.username, &d.password);
        assert_eq!(code(&web_login(d, "/", &creds).await), 200, "{id} web");
        assert_eq!(code(&rtsp_login(d, &creds).await), 200, "{id} rtsp");
    }
    if curl_ok {
        // curl reads a bare value up to the next comma, so unquoted challenges work.
        let d = device(&lab, "unquoted");
        let user = format!("{}:{}", d.username, d.password);
        let (status, _) = curl(&["--digest", "-u", &user, &http_url(d, "/")]).await;
        assert_eq!(status, 200, "curl against an unquoted challenge");
    }
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http10_without_content_length_ends_with_the_connection() {
    let toml = concat!(
        "[[device]]\nid = \"old\"\npersonality = \"generic_onvif\"\nweb_auth = \"none\"\n",
        "http10_no_length = true\nonvif_auth = \"none\"\n",
    );
    let lab = start(toml, Ipv4Addr::new(127, 61, 9, 1)).await;
    let d = device(&lab, "old");
    let a = service_addr(d, "http");
    let mut s = TcpStream::connect(a).await.expect("connect");
    s.write_all(&get("/", &a.to_string(), &[("Connection", "keep-alive")]))
        .await
        .expect("write");
    let mut all = Vec::new();
    tokio::time::timeout(DEADLINE, s.read_to_end(&mut all))
        .await
        .expect("server closes")
        .expect("read");
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.0 200 OK\r\n"), "{text}");
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    assert!(
        !head.to_ascii_lowercase().contains("content-length"),
        "{head}"
    );
    assert!(text.contains("</html>"), "whole body: {text}");
    if require_tool("curl", "http10_no_length (curl)") {
        let (status, page) = curl(&[&http_url(d, "/")]).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("<title>") && page.contains("</html>"),
            "{page}"
        );
    }
    lab.shutdown().await;
}
