//! The whole probe of one host against the test camera in `support/` (real sockets on
//! 127.0.0.1), and the scan stream over several targets.

mod support;

use camguard_model::{AuthScheme, EndpointState, Service};
use camguard_protocols::auth::Credentials;
use camguard_scan::data::ProbeKind;
use camguard_scan::{probe_one, scan, ScanConfig, TargetSet};
use futures::StreamExt;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use support::{CameraSpec, REALM, STREAM_PATH};

fn spec(password: &str, anonymous: bool) -> CameraSpec {
    CameraSpec {
        password: password.into(),
        rtsp_anonymous: anonymous,
        onvif_anonymous_info: anonymous,
        rtp_packets: 5,
    }
}

fn config(cam: &support::Camera) -> ScanConfig {
    ScanConfig {
        ports: vec![cam.http, cam.rtsp, cam.telnet, cam.silent, cam.closed],
        probe_overrides: vec![
            (cam.rtsp, ProbeKind::Rtsp),
            (cam.telnet, ProbeKind::Telnet),
            (cam.silent, ProbeKind::Greeting),
        ],
        rate_per_sec: 0,
        // Generous deadlines: these tests check what is probed, not how fast, and must not
        // lose a probe to a deadline when the whole suite loads the machine.
        connect_timeout: Duration::from_secs(3),
        io_timeout: Duration::from_secs(6),
        ..ScanConfig::default()
    }
}

const LOCALHOST: &str = "127.0.0.1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_probe_of_a_protected_camera() {
    let cam = support::start(spec("12345", false)).await;
    let obs = probe_one(LOCALHOST.parse().unwrap(), Arc::new(config(&cam))).await;

    let ep = |p: u16| obs.endpoints.iter().find(|e| e.port == p).unwrap();
    assert_eq!(ep(cam.closed).state, EndpointState::Closed);
    assert_eq!(ep(cam.closed).reason, "closed: connection refused");
    assert_eq!(ep(cam.http).service, Some(Service::Http));
    assert_eq!(
        ep(cam.http).reason,
        "auth required: http 401; onvif device service"
    );
    assert_eq!(ep(cam.rtsp).service, Some(Service::Rtsp));
    assert_eq!(ep(cam.telnet).service, Some(Service::Telnet));
    assert_eq!(ep(cam.silent).service, Some(Service::Unknown));
    assert!(
        ep(cam.silent).reason.contains("silent"),
        "{}",
        ep(cam.silent).reason
    );

    assert_eq!(obs.http.len(), 1);
    let h = &obs.http[0];
    assert_eq!(h.status, Some(401));
    assert_eq!(h.server.as_deref(), Some("FakeCam-httpd"));
    assert_eq!(h.auth_scheme, Some(AuthScheme::Digest));
    assert_eq!(h.realm.as_deref(), Some(REALM));
    assert_eq!(h.www_authenticate.len(), 1);
    assert_eq!(h.title.as_deref(), Some("401"));
    let icon_md5 = camguard_protocols::http::favicon_md5(&[0, 0, 1, 0, 1, 0, 16, 16]);
    assert_eq!(h.favicon_md5.as_deref(), Some(icon_md5.as_str()));

    let onvif = obs.onvif.as_ref().expect("ONVIF found on the HTTP port");
    assert_eq!(onvif.port, cam.http);
    assert_eq!(onvif.path, "/onvif/device_service");
    assert_eq!(
        onvif.system_date_time.as_deref(),
        Some("2026-01-02T01:02:03Z")
    );
    assert!(onvif.requires_auth);
    assert!(onvif.device_info_anonymous.is_none());
    assert!(onvif.device_info_authenticated.is_none());
    assert!(onvif.stream_uris.is_empty());

    assert_eq!(obs.rtsp.len(), 1);
    let r = &obs.rtsp[0];
    assert_eq!(r.server.as_deref(), Some("FakeRTSP/1.0"));
    assert!(r.public_methods.iter().any(|m| m == "DESCRIBE"));
    assert!(!r.accepts_any_path);
    assert_eq!(r.paths.len(), 2, "{:?}", r.paths);
    assert_eq!(r.paths[0].source, "random_baseline");
    assert!(r.paths[0].path.starts_with("/camguard-"));
    assert_eq!(r.paths[0].status, Some(404));
    assert_eq!(r.paths[1].path, STREAM_PATH);
    assert_eq!(r.paths[1].source, "route_list");
    assert_eq!(r.paths[1].status, Some(401));
    assert_eq!(r.paths[1].auth_scheme, Some(AuthScheme::Digest));
    assert!(r.anonymous_media.is_none(), "stream proof is opt-in");

    assert_eq!(obs.telnet.len(), 1);
    assert!(
        obs.telnet[0].banner.contains("login:"),
        "{}",
        obs.telnet[0].banner
    );
    assert!(cam.counters.telnet_refusal_seen.load(Ordering::SeqCst));

    // No credentials were tried without the opt-in.
    assert!(obs.credential_attempts.is_empty());
    assert_eq!(cam.counters.rtsp_auth_failures.load(Ordering::SeqCst), 0);
    assert_eq!(cam.counters.http_auth_failures.load(Ordering::SeqCst), 0);
    assert_eq!(cam.counters.onvif_auth_failures.load(Ordering::SeqCst), 0);
    assert_eq!(cam.counters.rtp_sent.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_default_credential_is_found_and_used() {
    let cam = support::start(spec("12345", false)).await;
    let mut cfg = config(&cam);
    cfg.check_credentials = true;
    cfg.vendor_hint = Some(Arc::new(|obs: &camguard_model::HostObservation| {
        // The hint sees the partly probed host.
        assert!(!obs.endpoints.is_empty());
        Some("Hikvision".to_string())
    }));
    let obs = probe_one(LOCALHOST.parse().unwrap(), Arc::new(cfg)).await;
    let a = &obs.credential_attempts;
    // One try per protocol: the default works over RTSP, HTTP and ONVIF; this camera's
    // telnet refuses every login, and the fourth attempt reaches the per-device cap.
    assert_eq!(a.len(), 4, "{a:?}");
    assert!(a
        .iter()
        .all(|x| x.username == "admin" && x.password_redacted == "1****"));
    let protocols: Vec<(&str, bool)> = a
        .iter()
        .map(|x| (x.protocol.as_str(), x.accepted))
        .collect();
    assert_eq!(
        protocols,
        vec![
            ("rtsp", true),
            ("http", true),
            ("onvif", true),
            ("telnet", false)
        ]
    );
    let onvif = obs.onvif.as_ref().unwrap();
    let info = onvif.device_info_authenticated.as_ref().unwrap();
    assert_eq!(info.manufacturer.as_deref(), Some("FakeVendor"));
    assert_eq!(info.firmware.as_deref(), Some("V1.2.3"));
    // GetStreamUri with the found credential; the media XAddr's foreign host was not
    // contacted (only its path), and user information is stripped from the URI.
    assert_eq!(
        onvif.stream_uris,
        vec![format!("rtsp://10.99.99.99:554{STREAM_PATH}")]
    );
    let json = serde_json::to_string(&obs).unwrap();
    assert!(!json.contains("12345"), "no password in the observation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_attempts_never_exceed_the_cap() {
    let cam = support::start(spec("Str0ng!Passw0rd", false)).await;
    let mut cfg = config(&cam);
    cfg.check_credentials = true;
    let obs = probe_one(LOCALHOST.parse().unwrap(), Arc::new(cfg)).await;
    let a = &obs.credential_attempts;
    assert_eq!(a.len(), 4, "{a:?}");
    assert!(a.iter().all(|x| !x.accepted));
    let failures = cam.counters.rtsp_auth_failures.load(Ordering::SeqCst)
        + cam.counters.http_auth_failures.load(Ordering::SeqCst)
        + cam.counters.onvif_auth_failures.load(Ordering::SeqCst);
    assert!(failures <= 4, "device saw {failures} failed logins");
    assert!(obs
        .onvif
        .as_ref()
        .unwrap()
        .device_info_authenticated
        .is_none());

    let cam2 = support::start(spec("Str0ng!Passw0rd", false)).await;
    let mut cfg = config(&cam2);
    cfg.check_credentials = true;
    cfg.max_credential_attempts = 2;
    let obs = probe_one(LOCALHOST.parse().unwrap(), Arc::new(cfg)).await;
    assert_eq!(obs.credential_attempts.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_proof_counts_rtp_of_an_open_camera() {
    let cam = support::start(spec("12345", true)).await;
    let mut cfg = config(&cam);
    cfg.prove_streams = true;
    cfg.known_credentials = Some(Credentials::new("admin", "12345"));
    let obs = probe_one(LOCALHOST.parse().unwrap(), Arc::new(cfg)).await;
    let onvif = obs.onvif.as_ref().unwrap();
    assert!(!onvif.requires_auth);
    assert_eq!(
        onvif
            .device_info_anonymous
            .as_ref()
            .unwrap()
            .model
            .as_deref(),
        Some("FC-1")
    );
    assert!(onvif.device_info_authenticated.is_some());
    let r = &obs.rtsp[0];
    // ONVIF's stream path is described before the route list.
    assert_eq!(r.paths[1].source, "onvif");
    assert_eq!(r.paths[1].path, STREAM_PATH);
    assert_eq!(r.paths[1].status, Some(200));
    assert_eq!(r.paths[1].codecs, vec!["H264", "PCMA"]);
    assert_eq!(r.paths.len(), 2);
    let proof = r.anonymous_media.as_ref().expect("media proof");
    assert_eq!(proof.path, STREAM_PATH);
    assert_eq!(proof.credentials, "anonymous");
    assert_eq!(proof.rtp_packets, 3);
    assert_eq!(proof.bytes, 300);
    assert_eq!(proof.codec.as_deref(), Some("H264"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_yields_one_observation_per_target() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let targets =
        TargetSet::parse(&["127.0.0.1-4".to_string()], &["127.0.0.3".to_string()]).unwrap();
    let cfg = ScanConfig {
        ports: vec![closed],
        concurrency: 2,
        rate_per_sec: 50,
        ..ScanConfig::default()
    };
    let mut got: Vec<String> = scan(Arc::new(targets), Arc::new(cfg))
        .map(|o| {
            assert_eq!(o.endpoints.len(), 1);
            assert_eq!(o.endpoints[0].state, EndpointState::Closed);
            assert!(!o.is_alive());
            o.ip.to_string()
        })
        .collect()
        .await;
    got.sort();
    assert_eq!(got, vec!["127.0.0.1", "127.0.0.2", "127.0.0.4"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_accepts_and_hangs_is_bounded_in_time() {
    let mut ports = Vec::new();
    for _ in 0..4 {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        ports.push(l.local_addr().unwrap().port());
        tokio::spawn(async move {
            let mut held = Vec::new();
            for _ in 0..64 {
                match tokio::time::timeout(Duration::from_secs(20), l.accept()).await {
                    Ok(Ok((s, _))) => held.push(s),
                    _ => return,
                }
            }
        });
    }
    let cfg = ScanConfig {
        ports: ports.clone(),
        probe_overrides: vec![
            (ports[1], ProbeKind::Rtsp),
            (ports[2], ProbeKind::Telnet),
            (ports[3], ProbeKind::Greeting),
        ],
        rate_per_sec: 0,
        io_timeout: Duration::from_millis(500),
        prove_streams: true,
        check_credentials: true,
        ..ScanConfig::default()
    };
    let start = std::time::Instant::now();
    let obs = probe_one(LOCALHOST.parse().unwrap(), Arc::new(cfg)).await;
    // HTTP GET, then the RTSP fallback, each cut by the 0.5 s exchange deadline.
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    assert!(obs.endpoints.iter().all(|e| e.state == EndpointState::Open));
    assert!(
        obs.endpoints
            .iter()
            .all(|e| e.reason.starts_with("open, unknown: ")),
        "{:?}",
        obs.endpoints
    );
    assert!(obs.onvif.is_none());
    assert!(obs.credential_attempts.is_empty());
    assert!(obs
        .rtsp
        .iter()
        .all(|r| r.error.is_some() && r.anonymous_media.is_none()));
}
