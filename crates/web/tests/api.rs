//! Router tests without sockets: every endpoint × role, sessions, CSRF, lockout with an
//! injected clock, tokens, pagination, problem+json, headers, limits, scans and the log.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use camguard_model::{DeviceRecord, Identity};
use camguard_store::{ScanMeta, Store};
use camguard_web::api::routes;
use camguard_web::auth::Role;
use camguard_web::jobs::{ProgressSink, RunSummary, ScanEvent, ScanRequest, ScanRunner};
use camguard_web::secret::{digest, hash_password};
use camguard_web::{app, AppState, Clock};
use chrono::{DateTime, Duration, TimeZone, Utc};
use futures::future::BoxFuture;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tower::ServiceExt;

const PASSWORD: &str = "Corr3ct-horse!";

/// Stands in for the scan pipeline (which lives in the binary and is tested end to end there):
/// records one camera with a finding per job in the real store, or waits when told to.
struct StoreRunner {
    wait: bool,
}

impl ScanRunner for StoreRunner {
    fn run(
        &self,
        store: Store,
        req: ScanRequest,
        progress: ProgressSink,
    ) -> BoxFuture<'static, Result<RunSummary, String>> {
        let wait = self.wait;
        Box::pin(async move {
            if wait {
                tokio::time::sleep(std::time::Duration::from_secs(600)).await;
            }
            let meta = ScanMeta {
                started_at: Utc::now(),
                targets: req.targets.join(" "),
                options: json!({"job": req.job_id}),
                baseline: "qcvn-11-2026".into(),
            };
            let id = store.begin_scan(&meta).await.map_err(|e| e.to_string())?;
            let rec = record("127.0.108.5");
            store
                .record_device(id, &rec)
                .await
                .map_err(|e| e.to_string())?;
            progress(ScanEvent::Host {
                ip: "127.0.108.5".into(),
                camera: true,
                vendor: Some("Hikvision".into()),
                findings: 1,
            });
            store
                .finish_scan(id, Utc::now(), 1)
                .await
                .map_err(|e| e.to_string())?;
            Ok(RunSummary {
                hosts: 1,
                interrupted: false,
            })
        })
    }
}

fn record(ip: &str) -> DeviceRecord {
    let identity = Identity {
        camera: true,
        vendor: Some("Hikvision".into()),
        model: Some("DS-2CD2143G0-I".into()),
        firmware: Some("V5.5.82 build 190909".into()),
        confidence: 0.9,
        ..Identity::default()
    };
    serde_json::from_value(json!({
        "observation": {"ip": ip, "observed_at": "2026-07-01T08:00:00Z", "endpoints": [], "http": [],
                        "rtsp": [], "onvif": null, "telnet": [], "credential_attempts": []},
        "identity": identity,
        "findings": [{"check_id": "AUTH.DEFAULT_CREDENTIALS", "severity": "critical", "port": 80,
                      "summary": "default credentials accepted", "evidence": {"username": "admin", "password": "***"}}],
        "checks_run": ["AUTH.DEFAULT_CREDENTIALS"],
        "verdicts": [{"baseline": "qcvn-11-2026", "provision": "2.1.b", "status": "not_verifiable_remotely", "findings": []},
                     {"baseline": "qcvn-11-2026", "provision": "2.1.a", "status": "fail", "findings": ["AUTH.DEFAULT_CREDENTIALS"]}],
    }))
    .expect("record")
}

struct Fixture {
    app: Router,
    state: AppState,
    offset: Arc<AtomicI64>,
    _dir: tempfile::TempDir,
    tokens: Vec<(Role, String)>,
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 1, 8, 0, 0).unwrap()
}

async fn fixture_with(wait: bool, tls: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).await.unwrap();
    let offset = Arc::new(AtomicI64::new(0));
    let o = offset.clone();
    let clock: Clock = Arc::new(move || start() + Duration::seconds(o.load(Ordering::SeqCst)));
    let state = AppState::new(store.clone(), Arc::new(StoreRunner { wait }), clock, tls);
    let hash = hash_password(PASSWORD).unwrap();
    let mut tokens = Vec::new();
    for role in [Role::Admin, Role::Auditor, Role::Viewer] {
        let id = store
            .create_user(role.as_str(), &hash, role.as_str(), "en", start())
            .await
            .unwrap();
        let token = format!("token-{}", role.as_str());
        store
            .create_token(id, "t", &digest(&token), role.as_str(), start())
            .await
            .unwrap();
        tokens.push((role, token));
    }
    Fixture {
        app: app(state.clone()),
        state,
        offset,
        _dir: dir,
        tokens,
    }
}

async fn fixture() -> Fixture {
    fixture_with(false, false).await
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

/// One request to `app`.
async fn send(
    app: &Router,
    method: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut req = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A signed-in browser: its session cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

impl Session {
    fn headers(&self) -> [(&str, &str); 2] {
        [("cookie", &self.cookie), ("x-csrf-token", &self.csrf)]
    }
}

impl Fixture {
    fn token(&self, role: Role) -> &str {
        &self.tokens.iter().find(|(r, _)| *r == role).unwrap().1
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        send(&self.app, method, path, body, headers).await
    }

    async fn as_role(&self, role: Role, method: Method, path: &str, body: Option<Value>) -> Reply {
        let auth = format!("Bearer {}", self.token(role));
        self.call(method, path, body, &[("authorization", &auth)])
            .await
    }

    /// `GET path` with `role`'s API token.
    async fn get(&self, role: Role, path: &str) -> Reply {
        self.as_role(role, Method::GET, path, None).await
    }

    /// `POST path` with a JSON body and `role`'s API token.
    async fn post_json(&self, role: Role, path: &str, body: Value) -> Reply {
        self.as_role(role, Method::POST, path, Some(body)).await
    }

    /// What a page form sends: a JSON body with the session cookie and its CSRF token.
    async fn form(&self, session: &Session, method: Method, path: &str, body: Value) -> Reply {
        self.call(method, path, Some(body), &session.headers())
            .await
    }

    /// A page form's `POST` (see [`Fixture::form`]).
    async fn post_form(&self, session: &Session, path: &str, body: Value) -> Reply {
        self.form(session, Method::POST, path, body).await
    }

    async fn login(&self, user: &str, password: &str) -> Reply {
        self.call(
            Method::POST,
            "/api/v1/login",
            Some(json!({"username": user, "password": password})),
            &[],
        )
        .await
    }

    /// Sign in; returns (cookie header value, csrf token).
    async fn session(&self, user: &str) -> (String, String) {
        let r = self.login(user, PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let set = r
            .headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let cookie = set.split(';').next().unwrap().to_owned();
        (cookie, r.json()["csrf_token"].as_str().unwrap().to_owned())
    }

    /// Sign in as `user` (the shared password).
    async fn signed_in(&self, user: &str) -> Session {
        let (cookie, csrf) = self.session(user).await;
        Session { cookie, csrf }
    }

    fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::SeqCst);
    }

    /// A site, system and scope 127.0.108.0/24; returns the system id.
    async fn organisation(&self) -> i64 {
        let site = self
            .post_json(Role::Admin, "/api/v1/sites", json!({"name": "HQ"}))
            .await;
        assert_eq!(site.status, StatusCode::CREATED, "{}", site.text);
        let sys = self
            .post_json(Role::Admin, "/api/v1/systems", json!({"site_id": site.json()["id"], "name": "CCTV", "security_level": 2, "owner": "IT"}))
            .await;
        assert_eq!(sys.status, StatusCode::CREATED, "{}", sys.text);
        let id = sys.json()["id"].as_i64().unwrap();
        let scope = self
            .post_json(
                Role::Admin,
                "/api/v1/scopes",
                json!({"system_id": id, "cidr": "127.0.108.0/24"}),
            )
            .await;
        assert_eq!(scope.status, StatusCode::CREATED, "{}", scope.text);
        id
    }
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "999999")
}

#[tokio::test]
async fn every_route_refuses_anonymous_callers_with_problem_json() {
    let f = fixture().await;
    for route in routes().into_iter().filter(|r| r.role.is_some()) {
        let r = f
            .call(
                route.method.clone(),
                &concrete(route.path),
                Some(json!({})),
                &[],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{} {}",
            route.method,
            route.path
        );
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(r.json()["status"], 401);
    }
    for path in ["/api/v1/nope", "/api/v1", "/api/v1/devices/1/nothing"] {
        assert_eq!(
            f.call(Method::GET, path, None, &[]).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        assert_eq!(
            f.get(Role::Viewer, path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        f.call(Method::GET, "/api/v1/openapi.json", None, &[])
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn every_route_enforces_its_role() {
    let f = fixture().await;
    for route in routes() {
        let Some(min) = route.role else { continue };
        for role in [Role::Viewer, Role::Auditor, Role::Admin] {
            let r = f
                .as_role(
                    role,
                    route.method.clone(),
                    &concrete(route.path),
                    Some(json!({})),
                )
                .await;
            if role < min {
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{role:?} {} {}: {}",
                    route.method,
                    route.path,
                    r.text
                );
            } else {
                assert_ne!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{role:?} {} {}: {}",
                    route.method,
                    route.path,
                    r.text
                );
                assert_ne!(
                    r.status,
                    StatusCode::UNAUTHORIZED,
                    "{role:?} {} {}",
                    route.method,
                    route.path
                );
            }
        }
    }
}

#[tokio::test]
async fn openapi_document_lists_exactly_the_routes() {
    let f = fixture().await;
    let doc = f
        .call(Method::GET, "/api/v1/openapi.json", None, &[])
        .await
        .json();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), format!("/api/v1{path}")));
        }
    }
    let mut table: Vec<(String, String)> = routes()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect();
    documented.sort();
    table.sort();
    assert_eq!(documented, table);
    // Every documented operation reaches a handler (the fallback would say "no such route").
    for (method, path) in &documented {
        let r = f
            .as_role(
                Role::Admin,
                method.parse().unwrap(),
                &concrete(path),
                Some(json!({})),
            )
            .await;
        assert!(
            !r.text.contains("no such route"),
            "{method} {path} is not routed"
        );
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
    }
}

#[tokio::test]
async fn session_cookie_flags_csrf_and_logout() {
    let f = fixture().await;
    let r = f.login("admin", PASSWORD).await;
    let set = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains("Secure"),
        "{set}"
    );
    let session = f.signed_in("admin").await;
    let (cookie, csrf) = (session.cookie.as_str(), session.csrf.as_str());
    let site = json!({"name": "Branch"});
    let no_csrf = f
        .call(
            Method::POST,
            "/api/v1/sites",
            Some(site.clone()),
            &[("cookie", cookie)],
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let wrong = f
        .call(
            Method::POST,
            "/api/v1/sites",
            Some(site.clone()),
            &[("cookie", cookie), ("x-csrf-token", "x")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let ok = f.post_form(&session, "/api/v1/sites", site).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    let me = f
        .call(Method::GET, "/api/v1/me", None, &[("cookie", cookie)])
        .await;
    assert_eq!(me.json()["role"], "admin");
    let out = f
        .call(
            Method::POST,
            "/api/v1/logout",
            None,
            &[("cookie", cookie), ("x-csrf-token", csrf)],
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        f.call(Method::GET, "/api/v1/me", None, &[("cookie", cookie)])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn lockout_after_five_failures_in_thirty_seconds_lasts_five_minutes() {
    let f = fixture().await;
    for _ in 0..5 {
        assert_eq!(
            f.login("auditor", "wrong").await.status,
            StatusCode::UNAUTHORIZED
        );
        f.advance(5);
    }
    let locked = f.login("auditor", PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.text
    );
    assert!(locked.headers.contains_key(header::RETRY_AFTER));
    // Failures at t = 0, 5, 10, 15, 20 s: locked until t = 320 s; now t = 25 s.
    f.advance(294);
    assert_eq!(
        f.login("auditor", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    f.advance(1);
    assert_eq!(f.login("auditor", PASSWORD).await.status, StatusCode::OK);
    // Five failures spread over more than 30 s do not lock.
    for _ in 0..5 {
        assert_eq!(
            f.login("viewer", "wrong").await.status,
            StatusCode::UNAUTHORIZED
        );
        f.advance(8);
    }
    assert_eq!(f.login("viewer", PASSWORD).await.status, StatusCode::OK);
    // An unknown user fails like a wrong password.
    assert_eq!(
        f.login("ghost", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn idle_session_expires() {
    let f = fixture().await;
    let (cookie, _) = f.session("viewer").await;
    f.advance(1700);
    assert_eq!(
        f.call(Method::GET, "/api/v1/me", None, &[("cookie", &cookie)])
            .await
            .status,
        StatusCode::OK
    );
    f.advance(1700); // activity moved the idle clock
    assert_eq!(
        f.call(Method::GET, "/api/v1/me", None, &[("cookie", &cookie)])
            .await
            .status,
        StatusCode::OK
    );
    f.advance(1801);
    assert_eq!(
        f.call(Method::GET, "/api/v1/me", None, &[("cookie", &cookie)])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tokens_are_shown_once_bounded_by_role_and_revocable() {
    let f = fixture().await;
    let too_strong = f
        .post_json(
            Role::Auditor,
            "/api/v1/tokens",
            json!({"name": "ci", "role": "admin"}),
        )
        .await;
    assert_eq!(too_strong.status, StatusCode::FORBIDDEN);
    let made = f
        .post_json(
            Role::Auditor,
            "/api/v1/tokens",
            json!({"name": "ci", "role": "viewer"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    let token = made.json()["token"].as_str().unwrap().to_owned();
    let auth = format!("Bearer {token}");
    assert_eq!(
        f.call(
            Method::GET,
            "/api/v1/devices",
            None,
            &[("authorization", &auth)]
        )
        .await
        .status,
        StatusCode::OK
    );
    let scan = f
        .call(
            Method::POST,
            "/api/v1/scans",
            Some(json!({"system_id": 1})),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(
        scan.status,
        StatusCode::FORBIDDEN,
        "a viewer token cannot start scans"
    );
    let list = f.get(Role::Auditor, "/api/v1/tokens").await;
    assert!(!list.text.contains(&token), "the list never shows a token");
    let id = made.json()["id"].as_i64().unwrap();
    let gone = f
        .as_role(
            Role::Auditor,
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(
        f.call(
            Method::GET,
            "/api/v1/devices",
            None,
            &[("authorization", &auth)]
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn lists_paginate_with_link_and_total() {
    let f = fixture().await;
    for i in 0..7 {
        f.post_json(
            Role::Admin,
            "/api/v1/sites",
            json!({"name": format!("s{i}")}),
        )
        .await;
    }
    let r = f.get(Role::Viewer, "/api/v1/sites?page=3&per_page=3").await;
    let body = r.json();
    assert_eq!(body["total"], 7);
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["items"][0]["name"], "s6");
    assert_eq!(r.headers["x-total-count"], "7");
    let link = r.headers[header::LINK].to_str().unwrap();
    assert!(
        link.contains("rel=\"prev\"") && !link.contains("rel=\"next\""),
        "{link}"
    );
    for bad in ["page=0", "per_page=0", "per_page=501", "page=x"] {
        let r = f.get(Role::Viewer, &format!("/api/v1/sites?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
    }
    let dup = f
        .post_json(Role::Admin, "/api/v1/sites", json!({"name": "s1"}))
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let malformed = f
        .post_json(Role::Admin, "/api/v1/sites", json!({"nam": 1}))
        .await;
    assert!(malformed.status.is_client_error());
    assert_eq!(
        malformed.headers[header::CONTENT_TYPE],
        "application/problem+json"
    );
}

#[tokio::test]
async fn security_headers_and_body_limit() {
    let f = fixture().await;
    let r = f.call(Method::GET, "/api/v1/openapi.json", None, &[]).await;
    assert_eq!(
        r.headers[header::CONTENT_SECURITY_POLICY],
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
    );
    assert_eq!(r.headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(r.headers.contains_key(header::REFERRER_POLICY));
    assert!(!r.headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
    let big = "x".repeat(2 << 20);
    let r = f
        .post_json(Role::Admin, "/api/v1/sites", json!({"name": big}))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);

    let tls = fixture_with(false, true).await;
    let r = tls.login("admin", PASSWORD).await;
    assert!(r.headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
    assert!(r.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Secure"));
}

#[tokio::test]
async fn scans_only_inside_a_scope_with_progress_events() {
    let f = fixture().await;
    let system = f.organisation().await;
    let outside = f
        .post_json(
            Role::Auditor,
            "/api/v1/scans",
            json!({"system_id": system, "targets": ["127.0.109.1"]}),
        )
        .await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN, "{}", outside.text);
    let viewer = f
        .post_json(Role::Viewer, "/api/v1/scans", json!({"system_id": system}))
        .await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN);
    let started = f
        .post_json(
            Role::Auditor,
            "/api/v1/scans",
            json!({"system_id": system, "targets": ["127.0.108.1-127.0.108.20"]}),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    let job = started.json()["id"].as_i64().unwrap();
    let events = f
        .get(Role::Viewer, &format!("/api/v1/jobs/{job}/events"))
        .await;
    assert_eq!(events.headers[header::CONTENT_TYPE], "text/event-stream");
    for e in ["event: started", "event: host", "event: finished"] {
        assert!(events.text.contains(e), "{e} in {}", events.text);
    }
    let j = f
        .get(Role::Viewer, &format!("/api/v1/jobs/{job}"))
        .await
        .json();
    assert_eq!(j["status"], "finished");
    assert!(j["scan_id"].as_i64().is_some(), "{j}");
    // The device is in the inventory, filtered by site/system; evidence only for auditors.
    let list = f
        .get(
            Role::Viewer,
            &format!("/api/v1/devices?system={system}&vendor=hik&check=AUTH.DEFAULT_CREDENTIALS"),
        )
        .await
        .json();
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(
        f.get(Role::Viewer, "/api/v1/devices?vendor=dahua")
            .await
            .json()["total"],
        0
    );
    let id = list["items"][0]["id"].as_i64().unwrap();
    let as_viewer = f
        .get(Role::Viewer, &format!("/api/v1/devices/{id}"))
        .await
        .json();
    assert_eq!(as_viewer["findings"][0]["evidence"], Value::Null);
    assert_eq!(as_viewer["findings"][0]["evidence_hidden"], true);
    let as_auditor = f
        .get(Role::Auditor, &format!("/api/v1/devices/{id}"))
        .await
        .json();
    assert_eq!(as_auditor["findings"][0]["evidence"]["username"], "admin");
    let hist = f
        .get(Role::Viewer, &format!("/api/v1/devices/{id}/history"))
        .await
        .json();
    assert_eq!(hist["scans"].as_array().unwrap().len(), 1);
    let report = f
        .get(Role::Viewer, "/api/v1/reports?format=json&lang=en")
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    assert!(report.text.contains("127.0.108.5"));
    assert!(
        !report.text.contains("\"username\": \"admin\""),
        "viewers' reports carry no evidence"
    );
    let full = f
        .get(Role::Auditor, "/api/v1/reports?format=json&lang=en")
        .await;
    assert!(
        full.text.contains("\"username\": \"admin\""),
        "auditors' reports carry the evidence"
    );
    let bad = f.get(Role::Viewer, "/api/v1/reports?format=docx").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let score = f
        .get(Role::Viewer, &format!("/api/v1/compliance?system={system}"))
        .await
        .json();
    assert_eq!(score["devices"], 1, "{score}");
}

#[tokio::test]
async fn a_running_scan_can_be_cancelled() {
    let f = fixture_with(true, false).await;
    let system = f.organisation().await;
    let started = f
        .post_json(Role::Auditor, "/api/v1/scans", json!({"system_id": system}))
        .await;
    let job = started.json()["id"].as_i64().unwrap();
    let second = f
        .post_json(Role::Auditor, "/api/v1/scans", json!({"system_id": system}))
        .await;
    assert_eq!(second.status, StatusCode::ACCEPTED);
    let third = f
        .post_json(Role::Auditor, "/api/v1/scans", json!({"system_id": system}))
        .await;
    assert_eq!(
        third.status,
        StatusCode::CONFLICT,
        "at most two scans at once"
    );
    let r = f
        .as_role(
            Role::Auditor,
            Method::POST,
            &format!("/api/v1/jobs/{job}/cancel"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "cancelled");
    let events = f
        .get(Role::Viewer, &format!("/api/v1/jobs/{job}/events"))
        .await;
    assert!(events.text.contains("event: cancelled"), "{}", events.text);
    let again = f
        .as_role(
            Role::Auditor,
            Method::POST,
            &format!("/api/v1/jobs/{job}/cancel"),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let freed = f
        .post_json(Role::Auditor, "/api/v1/scans", json!({"system_id": system}))
        .await;
    assert_eq!(
        freed.status,
        StatusCode::ACCEPTED,
        "a cancelled scan frees its slot"
    );
}

#[tokio::test]
async fn schedules_and_attestations() {
    let f = fixture().await;
    let system = f.organisation().await;
    let bad = f
        .post_json(
            Role::Auditor,
            "/api/v1/schedules",
            json!({"system_id": system, "spec": "hourly"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let s = f
        .post_json(
            Role::Auditor,
            "/api/v1/schedules",
            json!({"system_id": system, "spec": "daily"}),
        )
        .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.text);
    assert_eq!(s.json()["next_run"], "2026-07-02T02:00:00Z");
    assert!(camguard_web::api::run_due_schedules(&f.state)
        .await
        .unwrap()
        .is_empty());
    f.advance(86_400);
    let started = camguard_web::api::run_due_schedules(&f.state)
        .await
        .unwrap();
    assert_eq!(started.len(), 1);
    assert_eq!(
        started[0].requested_by,
        format!("schedule:{}", s.json()["id"])
    );

    let a = json!({"subject": "model:Hikvision/DS-2CD2143G0-I", "baseline": "qd-724-2024", "provision": "724-2d",
                   "status": "pass", "document": "Vendor declaration 12/2026"});
    assert_eq!(
        f.post_json(Role::Viewer, "/api/v1/attestations", a.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let made = f.post_json(Role::Auditor, "/api/v1/attestations", a).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!(made.json()["attested_by"], "auditor");
    let unknown = json!({"subject": "system:1", "baseline": "qd-724-2024", "provision": "nope", "status": "pass", "document": "d"});
    assert_eq!(
        f.post_json(Role::Auditor, "/api/v1/attestations", unknown)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn audit_log_records_who_did_what_from_where() {
    let f = fixture().await;
    f.login("viewer", "wrong").await;
    let session = f.signed_in("admin").await;
    f.post_form(&session, "/api/v1/sites", json!({"name": "Audited"}))
        .await;
    f.post_json(Role::Viewer, "/api/v1/sites", json!({"name": "x"}))
        .await;
    assert_eq!(
        f.get(Role::Auditor, "/api/v1/audit").await.status,
        StatusCode::FORBIDDEN
    );
    let log = f
        .get(Role::Admin, "/api/v1/audit?per_page=100")
        .await
        .json();
    let entries = log["items"].as_array().unwrap();
    let has = |user: &str, action: &str, outcome: &str| {
        entries
            .iter()
            .any(|e| e["username"] == user && e["action"] == action && e["outcome"] == outcome)
    };
    assert!(has("viewer", "login_failed", "401"), "{log}");
    assert!(has("admin", "login", "ok"), "{log}");
    assert!(has("admin", "POST /api/v1/sites", "201"), "{log}");
    assert!(has("viewer", "POST /api/v1/sites", "403"), "{log}");
}

#[tokio::test]
async fn users_are_managed_by_administrators_with_the_password_rule() {
    let f = fixture().await;
    let weak = f
        .post_json(
            Role::Admin,
            "/api/v1/users",
            json!({"username": "u1", "role": "viewer", "password": "short"}),
        )
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    let made = f
        .post_json(
            Role::Admin,
            "/api/v1/users",
            json!({"username": "u1", "role": "viewer"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    let generated = made.json()["password"].as_str().unwrap().to_owned();
    assert_eq!(f.login("u1", &generated).await.status, StatusCode::OK);
    let id = made.json()["user"]["id"].as_i64().unwrap();
    let promoted = f
        .as_role(
            Role::Admin,
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(json!({"role": "auditor"})),
        )
        .await;
    assert_eq!(promoted.json()["user"]["role"], "auditor");
    let list = f.get(Role::Admin, "/api/v1/users").await;
    assert!(
        !list.text.contains("argon2"),
        "hashes never leave the server"
    );
    assert_eq!(
        f.as_role(
            Role::Admin,
            Method::DELETE,
            &format!("/api/v1/users/{id}"),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn pages_need_a_session_carry_no_inline_script_and_hide_scans_from_viewers() {
    let f = fixture().await;
    let anon = f.call(Method::GET, "/devices", None, &[]).await;
    assert!(anon.status.is_redirection());
    assert_eq!(anon.headers[header::LOCATION], "/login");
    let login = f
        .call(
            Method::GET,
            "/login",
            None,
            &[("cookie", "camguard_lang=en")],
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.text.contains("Sign in"));
    assert!(
        !login.text.contains("<script>") && login.text.contains("<script src=\"/assets/app.js\"")
    );
    let vi = f.call(Method::GET, "/login", None, &[]).await;
    assert!(vi.text.contains("Đăng nhập"), "Vietnamese by default");
    let js = f.call(Method::GET, "/assets/app.js", None, &[]).await;
    assert!(js.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    let (viewer, _) = f.session("viewer").await;
    let page = f
        .call(Method::GET, "/scans", None, &[("cookie", &viewer)])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("scan-form"));
    let (auditor, csrf) = f.session("auditor").await;
    let page = f
        .call(Method::GET, "/scans", None, &[("cookie", &auditor)])
        .await;
    assert!(page.text.contains("scan-form") && page.text.contains(&csrf));
    let devices = f
        .call(Method::GET, "/devices", None, &[("cookie", &auditor)])
        .await;
    assert!(devices.text.contains("id=\"devices\""));
    let system = f.organisation().await;
    let started = f
        .post_json(Role::Auditor, "/api/v1/scans", json!({"system_id": system}))
        .await;
    let job = started.json()["id"].as_i64().unwrap();
    f.get(Role::Viewer, &format!("/api/v1/jobs/{job}/events"))
        .await;
    let page = f
        .call(Method::GET, "/scans", None, &[("cookie", &viewer)])
        .await;
    assert!(
        page.text.contains("class=\"job-finished\""),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn no_secrets_in_logs() {
    use std::io::Write;
    #[derive(Clone, Default)]
    struct Buf(Arc<std::sync::Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let sink = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let f = fixture().await;
    f.login("admin", "Wr0ng-but-secret!").await;
    let (cookie, csrf) = f.session("admin").await;
    f.call(Method::GET, "/api/v1/me", None, &[("cookie", &cookie)])
        .await;
    let made = f
        .post_json(Role::Admin, "/api/v1/tokens", json!({"name": "n"}))
        .await;
    let token = made.json()["token"].as_str().unwrap().to_owned();
    let store = f.state.store.clone();
    let first = camguard_web::bootstrap::ensure_admin(&store, Utc::now())
        .await
        .unwrap();
    assert!(first.is_none(), "users exist: no new administrator");
    let log = String::from_utf8_lossy(&buf.0.lock().unwrap()).into_owned();
    for secret in [
        PASSWORD,
        "Wr0ng-but-secret!",
        cookie.split('=').nth(1).unwrap(),
        &csrf,
        &token,
    ] {
        assert!(!log.contains(secret), "secret in the log");
    }
}

#[tokio::test]
async fn first_start_creates_admin_with_a_one_time_password() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).await.unwrap();
    let password = camguard_web::bootstrap::ensure_admin(&store, Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(password.chars().count(), 20);
    assert_eq!(
        camguard_web::policy::Policy::builtin().password_problem(&password),
        None
    );
    assert!(camguard_web::bootstrap::ensure_admin(&store, Utc::now())
        .await
        .unwrap()
        .is_none());
    let (user, hash) = store.user_credentials("admin").await.unwrap().unwrap();
    assert_eq!(user.role, "admin");
    assert!(hash.starts_with("$argon2id$") && !hash.contains(&password));
}

/// Regression: the event stream of a job that was still running when a client subscribed
/// waited for another event after the final one, so the response never ended.
#[tokio::test]
async fn event_stream_of_a_live_job_ends_after_its_final_event() {
    let f = fixture_with(true, false).await;
    let system = f.organisation().await;
    let started = f
        .post_json(Role::Auditor, "/api/v1/scans", json!({"system_id": system}))
        .await;
    let job = started.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/jobs/{job}/events");
    let listen = tokio::spawn({
        let app = f.app.clone();
        let auth = format!("Bearer {}", f.token(Role::Viewer));
        async move {
            let req = Request::get(path)
                .header("authorization", auth)
                .body(Body::empty())
                .unwrap();
            let resp = app.oneshot(req).await.unwrap();
            resp.into_body().collect().await.unwrap().to_bytes()
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let r = f
        .as_role(
            Role::Auditor,
            Method::POST,
            &format!("/api/v1/jobs/{job}/cancel"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let body = tokio::time::timeout(std::time::Duration::from_secs(10), listen)
        .await
        .expect("the stream ends after the final event")
        .unwrap();
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("event: started") && text.contains("event: cancelled"),
        "{text}"
    );
}

#[tokio::test]
async fn compliance_and_organisation_pages_follow_the_role() {
    let f = fixture().await;
    let system = f.organisation().await;
    f.post_json(Role::Auditor, "/api/v1/scans", json!({"system_id": system}))
        .await;
    let (viewer, _) = f.session("viewer").await;
    let page = f
        .call(
            Method::GET,
            &format!("/compliance?system={system}"),
            None,
            &[("cookie", &viewer)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("<svg") && page.text.contains("id=\"scorecard\""));
    assert!(!page.text.contains("style="), "no inline style (CSP)");
    let org = f
        .call(Method::GET, "/organisation", None, &[("cookie", &viewer)])
        .await;
    assert!(org.text.contains("127.0.108.0/24"));
    assert!(!org.text.contains("api-form"), "viewers get no forms");
    let (admin, _) = f.session("admin").await;
    let org = f
        .call(Method::GET, "/organisation", None, &[("cookie", &admin)])
        .await;
    assert!(org.text.contains("id=\"site-form\"") && org.text.contains("id=\"attestation-form\""));
}

#[tokio::test]
async fn attestations_complete_verdicts_a_scan_cannot_reach_but_never_a_failure() {
    let f = fixture().await;
    let system = f.organisation().await;
    let started = f
        .post_json(Role::Auditor, "/api/v1/scans", json!({"system_id": system}))
        .await;
    let job = started.json()["id"].as_i64().unwrap();
    f.get(Role::Viewer, &format!("/api/v1/jobs/{job}/events"))
        .await;
    for provision in ["2.1.b", "2.1.a"] {
        let a = json!({"subject": "model:Hikvision/DS-2CD2143G0-I", "baseline": "qcvn-11-2026",
                       "provision": provision, "status": "pass", "document": "Vendor declaration"});
        assert_eq!(
            f.post_json(Role::Auditor, "/api/v1/attestations", a)
                .await
                .status,
            StatusCode::CREATED
        );
    }
    let list = f.get(Role::Viewer, "/api/v1/devices").await.json();
    let id = list["items"][0]["id"].as_i64().unwrap();
    let d = f
        .get(Role::Viewer, &format!("/api/v1/devices/{id}"))
        .await
        .json();
    let status = |p: &str| {
        d["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["provision"] == p)
            .map(|v| v["status"].clone())
    };
    assert_eq!(status("2.1.b"), Some(json!("attested_pass")), "{d}");
    assert_eq!(
        status("2.1.a"),
        Some(json!("fail")),
        "a scan's failure stands: {d}"
    );
    let card = f
        .get(Role::Viewer, "/api/v1/compliance?baseline=qcvn-11-2026")
        .await
        .json();
    let row = card["provisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["provision"] == "2.1.b")
        .unwrap()
        .clone();
    assert_eq!(row["counts"]["attested_pass"], 1, "{card}");
    let (viewer, _) = f.session("viewer").await;
    let page = f
        .call(
            Method::GET,
            &format!("/devices/{id}"),
            None,
            &[("cookie", &viewer)],
        )
        .await;
    assert!(page.text.contains("verdict-attested_pass"), "{}", page.text);
    let filtered = f
        .call(
            Method::GET,
            "/devices?vendor=&model=DS-2CD&camera=true&verdict=fail&site=",
            None,
            &[("cookie", &viewer)],
        )
        .await;
    assert!(
        filtered.text.contains(&format!("/devices/{id}")),
        "{}",
        filtered.text
    );
    let none = f
        .call(
            Method::GET,
            "/devices?vendor=dahua",
            None,
            &[("cookie", &viewer)],
        )
        .await;
    assert!(!none.text.contains(&format!("/devices/{id}\"")));
}

#[tokio::test]
async fn account_page_lists_tokens_without_secrets_and_users_for_administrators() {
    let f = fixture().await;
    let (viewer, _) = f.session("viewer").await;
    let page = f
        .call(Method::GET, "/account", None, &[("cookie", &viewer)])
        .await;
    assert!(page.text.contains("id=\"password-form\"") && page.text.contains("id=\"token-form\""));
    assert!(!page.text.contains("id=\"user-form\"") && !page.text.contains("token-viewer"));
    let (admin, _) = f.session("admin").await;
    let page = f
        .call(Method::GET, "/account", None, &[("cookie", &admin)])
        .await;
    assert!(page.text.contains("id=\"user-form\"") && page.text.contains("auditor"));
    assert!(
        !page.text.contains("token-admin"),
        "tokens are never rendered"
    );
}

#[tokio::test]
async fn compliance_lists_the_models_registries_flag() {
    let f = fixture().await;
    let meta = ScanMeta {
        started_at: start(),
        targets: "127.0.108.9".into(),
        options: json!({}),
        baseline: "qcvn-11-2026".into(),
    };
    let scan = f.state.store.begin_scan(&meta).await.unwrap();
    let mut rec = record("127.0.108.9");
    rec.findings.push(
        serde_json::from_value(
            json!({"check_id": "REG.WARNED_MODEL", "severity": "high", "port": null,
            "summary": "model on a warning list", "evidence": {}}),
        )
        .unwrap(),
    );
    f.state.store.record_device(scan, &rec).await.unwrap();
    let card = f.get(Role::Viewer, "/api/v1/compliance").await.json();
    assert_eq!(
        card["registry_models"]["REG.WARNED_MODEL"]["Hikvision/DS-2CD2143G0-I"], 1,
        "{card}"
    );
    let (viewer, _) = f.session("viewer").await;
    let page = f
        .call(Method::GET, "/compliance", None, &[("cookie", &viewer)])
        .await;
    assert!(page.text.contains("REG.WARNED_MODEL"));
}

#[tokio::test]
async fn sign_in_bounds_its_input_and_prunes_old_failures_and_sessions() {
    let f = fixture().await;
    let long = "u".repeat(65);
    assert_eq!(
        f.login(&long, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        f.state
            .store
            .login_failures(&long, start() - Duration::days(1))
            .await
            .unwrap()
            .is_empty(),
        "not recorded"
    );
    f.login("viewer", "wrong").await;
    let (cookie, _) = f.session("auditor").await;
    f.advance(3600);
    f.login("admin", PASSWORD).await;
    let failures = f
        .state
        .store
        .login_failures("viewer", start() - Duration::days(1))
        .await
        .unwrap();
    assert!(
        failures.is_empty(),
        "failures older than window + lock are pruned"
    );
    let sid = cookie.split('=').nth(1).unwrap();
    assert!(
        f.state.store.session(&digest(sid)).await.unwrap().is_none(),
        "idle sessions are pruned"
    );
}

/// Every operation with a body documents its fields, and a body with only the required
/// fields of the document gets past the JSON extractor (no 422), so the two agree.
#[tokio::test]
async fn documented_bodies_match_what_the_handlers_accept() {
    let f = fixture().await;
    for route in routes().into_iter().filter(|r| r.body) {
        let schema = camguard_web::openapi::body_schema(route.method.as_str(), route.path);
        assert_eq!(
            schema["additionalProperties"], false,
            "{} {} has no documented body",
            route.method, route.path
        );
        let mut body = serde_json::Map::new();
        for field in schema["required"].as_array().unwrap() {
            let name = field.as_str().unwrap();
            let value = match schema["properties"][name]["type"].as_str() {
                Some("integer") => json!(1),
                Some("array") => json!([]),
                Some("boolean") => json!(false),
                _ => match schema["properties"][name]["enum"].get(0) {
                    Some(v) => v.clone(),
                    None => json!("x"),
                },
            };
            body.insert(name.to_owned(), value);
        }
        let r = f
            .as_role(
                Role::Admin,
                route.method.clone(),
                &concrete(route.path),
                Some(Value::Object(body)),
            )
            .await;
        assert_ne!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{} {}: {}",
            route.method,
            route.path,
            r.text
        );
    }
}

#[tokio::test]
async fn diff_report_of_the_newest_two_scans_hides_evidence_from_viewers() {
    let f = fixture().await;
    let none = f.get(Role::Viewer, "/api/v1/reports/diff").await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST, "{}", none.text);
    let system = f.organisation().await;
    for _ in 0..2 {
        let started = f
            .post_json(Role::Auditor, "/api/v1/scans", json!({"system_id": system}))
            .await;
        let job = started.json()["id"].as_i64().unwrap();
        f.get(Role::Viewer, &format!("/api/v1/jobs/{job}/events"))
            .await;
    }
    let r = f
        .get(Role::Viewer, "/api/v1/reports/diff?format=json&lang=en")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("camguard-diff-1-2-en.json"));
    assert!(
        !r.text.contains("\"username\": \"admin\""),
        "no evidence for viewers"
    );
    let bad = f
        .get(Role::Viewer, "/api/v1/reports/diff?old=2&new=1")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let sarif = f
        .get(Role::Viewer, "/api/v1/reports/diff?format=sarif")
        .await;
    assert_eq!(
        sarif.status,
        StatusCode::BAD_REQUEST,
        "SARIF has no diff: {}",
        sarif.text
    );
}

/// Every tag of `html` that would need `unsafe-inline` under the CSP: an inline `<script>`,
/// a `<style>` element, a `style=` attribute, an `on…=` handler or a `javascript:` URL.
fn inline_code(html: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("").to_ascii_lowercase();
        let mut words = tag.split_whitespace();
        let name = words.next().unwrap_or("");
        if (name == "script" && !tag.contains(" src=")) || name == "style" {
            bad.push(tag.clone());
        }
        for w in words {
            if w.starts_with("style=")
                || (w.starts_with("on") && w.contains('='))
                || w.contains("javascript:")
            {
                bad.push(tag.clone());
            }
        }
    }
    bad
}

#[test]
fn inline_code_finder_catches_what_the_csp_forbids() {
    assert!(inline_code("<p>on=1 style=x</p><script src=\"/a.js\"></script>").is_empty());
    for html in [
        "<script>alert(1)</script>",
        "<p style=\"color:red\">",
        "<button onclick=\"x()\">",
        "<img src=x onerror=y>",
        "<style>p{}</style>",
        "<a href=\"javascript:x()\">",
    ] {
        assert_eq!(inline_code(html).len(), 1, "{html}");
    }
}

#[tokio::test]
async fn every_page_for_every_role_has_no_inline_script_style_or_handler() {
    let f = fixture().await;
    let system = f.organisation().await;
    let job = f
        .post_json(Role::Auditor, "/api/v1/scans", json!({"system_id": system}))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    // The event stream ends with the job: the device is recorded.
    f.get(Role::Viewer, &format!("/api/v1/jobs/{job}/events"))
        .await;
    f.post_json(
        Role::Auditor,
        "/api/v1/schedules",
        json!({"system_id": system, "spec": "daily"}),
    )
    .await;
    let device = f.get(Role::Viewer, "/api/v1/devices").await.json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let pages = [
        "/devices".to_owned(),
        format!("/devices/{device}"),
        "/devices?vendor=Hikvision&verdict=fail".to_owned(),
        "/scans".to_owned(),
        "/reports".to_owned(),
        "/compliance".to_owned(),
        format!("/compliance?system={system}"),
        "/organisation".to_owned(),
        "/account".to_owned(),
        "/audit".to_owned(),
    ];
    let anonymous = f.call(Method::GET, "/login", None, &[]).await;
    assert_eq!(inline_code(&anonymous.text), Vec::<String>::new());
    for role in ["admin", "auditor", "viewer"] {
        let (cookie, _) = f.session(role).await;
        for page in &pages {
            let r = f
                .call(Method::GET, page, None, &[("cookie", &cookie)])
                .await;
            let expected = if page == "/audit" && role != "admin" {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::OK
            };
            assert_eq!(r.status, expected, "{role} {page}: {}", r.text);
            assert_eq!(inline_code(&r.text), Vec::<String>::new(), "{role} {page}");
            let csp = r.headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        }
        for missing in ["/devices/999999", "/no-such-page"] {
            let r = f
                .call(Method::GET, missing, None, &[("cookie", &cookie)])
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{missing}");
            assert!(
                r.text.contains("href=\"/devices\""),
                "{missing}: a way back"
            );
            assert_eq!(inline_code(&r.text), Vec::<String>::new(), "{missing}");
        }
    }
}

#[tokio::test]
async fn viewers_see_no_evidence_no_controls_and_no_audit_page() {
    let f = fixture().await;
    let system = f.organisation().await;
    let job = f
        .post_json(Role::Auditor, "/api/v1/scans", json!({"system_id": system}))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let events = f
        .get(Role::Viewer, &format!("/api/v1/jobs/{job}/events"))
        .await;
    assert!(!events.text.contains("password"), "{}", events.text);
    let (viewer, _) = f.session("viewer").await;
    let (admin, _) = f.session("admin").await;
    let device = f.get(Role::Viewer, "/api/v1/devices").await.json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let page = |cookie: &str| {
        let cookie = cookie.to_owned();
        let f = &f;
        async move {
            f.call(
                Method::GET,
                &format!("/devices/{device}"),
                None,
                &[("cookie", &cookie)],
            )
            .await
            .text
        }
    };
    let seen = page(&viewer).await;
    assert!(
        seen.contains("evidence hidden") || seen.contains("ẩn"),
        "{seen}"
    );
    assert!(
        !seen.contains("\"username\""),
        "no evidence for viewers: {seen}"
    );
    let admin_page = page(&admin).await;
    assert!(admin_page.contains("&quot;username&quot;"), "{admin_page}");
    for path in ["/organisation", "/account", "/scans"] {
        let r = f
            .call(Method::GET, path, None, &[("cookie", &viewer)])
            .await;
        // A viewer may revoke their own tokens, nothing else.
        if path != "/account" {
            assert!(!r.text.contains("api-action"), "{path}: no delete buttons");
        }
        assert!(!r.text.contains("api-select"), "{path}: no role changes");
        assert!(!r.text.contains("id=\"user-form\""), "{path}");
        assert!(!r.text.contains("id=\"scan-form\""), "{path}");
    }
    let org = f
        .call(Method::GET, "/organisation", None, &[("cookie", &admin)])
        .await
        .text;
    for form in [
        "site-form",
        "system-form",
        "scope-form",
        "schedule-form",
        "attestation-form",
    ] {
        assert!(org.contains(&format!("id=\"{form}\"")), "{form}");
    }
    assert!(
        org.contains("data-api=\"/api/v1/scopes/"),
        "scopes can be deleted"
    );
    let account = f
        .call(Method::GET, "/account", None, &[("cookie", &admin)])
        .await
        .text;
    assert!(account.contains("class=\"api-select\"") && account.contains("id=\"user-form\""));
    let audit = f
        .call(Method::GET, "/audit", None, &[("cookie", &admin)])
        .await;
    assert!(audit.text.contains("POST /api/v1/scans"), "{}", audit.text);
    let refused = f
        .call(Method::GET, "/audit", None, &[("cookie", &viewer)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn regression_default_diff_and_trend_skip_a_cancelled_scan() {
    // A cancelled (or interrupted) scan leaves a scan row holding only the hosts it reached:
    // the default diff compared the last finished scan with it, and every device looked gone.
    let f = fixture().await;
    let system = f.organisation().await;
    for _ in 0..2 {
        let job = f
            .post_json(Role::Auditor, "/api/v1/scans", json!({"system_id": system}))
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        f.get(Role::Viewer, &format!("/api/v1/jobs/{job}/events"))
            .await;
    }
    let unfinished = f
        .state
        .store
        .begin_scan(&ScanMeta {
            started_at: Utc::now(),
            targets: "127.0.108.0/24".into(),
            options: json!({}),
            baseline: "qcvn-11-2026".into(),
        })
        .await
        .unwrap();
    assert_eq!(unfinished, 3);
    let r = f
        .get(Role::Viewer, "/api/v1/reports/diff?format=json&lang=en")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("camguard-diff-1-2-en.json"),
        "{:?}",
        r.headers
    );
    let card = f.get(Role::Viewer, "/api/v1/compliance").await.json();
    let trend: Vec<i64> = card["trend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["scan_id"].as_i64().unwrap())
        .collect();
    assert_eq!(trend, vec![1, 2]);
}

#[tokio::test]
async fn attestations_appear_in_downloaded_reports_labelled_and_never_over_a_failure() {
    let f = fixture().await;
    let system = f.organisation().await;
    let job = f
        .post_json(Role::Auditor, "/api/v1/scans", json!({"system_id": system}))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    f.get(Role::Viewer, &format!("/api/v1/jobs/{job}/events"))
        .await;
    for (provision, status) in [("2.1.b", "pass"), ("2.1.a", "pass")] {
        let r = f
            .post_json(Role::Auditor, "/api/v1/attestations", json!({"subject": "model:Hikvision/DS-2CD2143G0-I", "baseline": "qcvn-11-2026",
                            "provision": provision, "status": status, "document": "Certificate <No. 7>"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let json_report = f
        .get(
            Role::Viewer,
            "/api/v1/reports?format=json&lang=en&baseline=qcvn-11-2026",
        )
        .await;
    assert_eq!(json_report.status, StatusCode::OK, "{}", json_report.text);
    let v = json_report.json();
    let device = v["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ip"] == "127.0.108.5")
        .expect("the lab camera");
    let verdict = |id: &str| {
        device["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["baseline"] == "qcvn-11-2026" && x["provision"] == id)
            .unwrap()
            .clone()
    };
    // 2.1.a failed in the scan: the attestation does not override it.
    assert_eq!(verdict("2.1.a")["status"], "fail");
    assert!(verdict("2.1.a").get("attested").is_none());
    let b = verdict("2.1.b");
    assert_eq!(b["attested"]["status"], "attested_pass", "{b}");
    assert_eq!(b["attested"]["attested_by"], "auditor");
    assert_eq!(b["attested"]["document"], "Certificate <No. 7>");
    assert_eq!(v["summary"]["attested_pass"], 1, "{}", v["summary"]);
    let html = f
        .get(Role::Viewer, "/api/v1/reports?format=html&lang=vi")
        .await
        .text;
    assert!(
        html.contains("st-attested_pass"),
        "labelled in the device's verdicts"
    );
    assert!(html.contains("Đạt (theo hồ sơ)"));
    assert!(html.contains("Certificate &lt;No. 7&gt;"), "escaped");
    let csv = f.get(Role::Viewer, "/api/v1/reports?format=csv").await.text;
    assert!(!csv.contains("attested"), "CSV lists findings only");
}

#[tokio::test]
async fn administrators_change_a_systems_level_and_owner() {
    let f = fixture().await;
    let system = f.organisation().await;
    let path = format!("/api/v1/systems/{system}");
    let changed = f
        .as_role(
            Role::Admin,
            Method::PATCH,
            &path,
            Some(json!({"security_level": 4, "owner": " Security office "})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let v = changed.json();
    assert_eq!(
        (
            v["security_level"].as_i64(),
            v["owner"].as_str(),
            v["name"].as_str()
        ),
        (Some(4), Some("Security office"), Some("CCTV"))
    );
    for (body, status) in [
        (json!({"security_level": 9}), StatusCode::BAD_REQUEST),
        (json!({"colour": "red"}), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let r = f
            .as_role(Role::Admin, Method::PATCH, &path, Some(body))
            .await;
        assert_eq!(r.status, status, "{}", r.text);
    }
    let missing = f
        .as_role(
            Role::Admin,
            Method::PATCH,
            "/api/v1/systems/999",
            Some(json!({"owner": "x"})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let refused = f
        .as_role(
            Role::Auditor,
            Method::PATCH,
            &path,
            Some(json!({"owner": "x"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn viewers_never_read_quoted_credentials_in_findings_pages_or_reports() {
    let f = fixture().await;
    let store = &f.state.store;
    let scan = store
        .begin_scan(&ScanMeta {
            started_at: Utc::now(),
            targets: "127.0.108.9".into(),
            options: json!({}),
            baseline: "qcvn-11-2026".into(),
        })
        .await
        .unwrap();
    let mut rec = record("127.0.108.9");
    rec.findings[0].summary =
        "rtsp on port 554 accepted the default credential \"admin\" / \"1****\"".into();
    rec.findings[0].evidence = json!({"username": "admin", "password_redacted": "1****"});
    store.record_device(scan, &rec).await.unwrap();
    store.finish_scan(scan, Utc::now(), 1).await.unwrap();
    let device = f.get(Role::Viewer, "/api/v1/devices").await.json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let (viewer, _) = f.session("viewer").await;
    let (auditor, _) = f.session("auditor").await;
    let paths = [
        format!("/api/v1/devices/{device}"),
        format!("/devices/{device}"),
        "/api/v1/reports?format=json".to_owned(),
        "/api/v1/reports?format=html&lang=en".to_owned(),
        "/api/v1/reports?format=csv".to_owned(),
        "/api/v1/reports?format=sarif".to_owned(),
    ];
    for path in &paths {
        let seen = f
            .call(Method::GET, path, None, &[("cookie", &viewer)])
            .await;
        assert_eq!(seen.status, StatusCode::OK, "{path}");
        assert!(
            !seen.text.contains("1****"),
            "viewer reads a credential at {path}"
        );
        let full = f
            .call(Method::GET, path, None, &[("cookie", &auditor)])
            .await;
        assert!(full.text.contains("1****"), "auditors read it at {path}");
    }
}

#[tokio::test]
async fn administrators_rename_and_move_a_site() {
    let f = fixture().await;
    f.organisation().await;
    let site = f.get(Role::Viewer, "/api/v1/sites").await.json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/sites/{site}");
    let changed = f
        .as_role(
            Role::Admin,
            Method::PATCH,
            &path,
            Some(json!({"address": " 1 Trang Tien, Ha Noi "})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let v = changed.json();
    assert_eq!(
        (v["name"].as_str(), v["address"].as_str()),
        (Some("HQ"), Some("1 Trang Tien, Ha Noi"))
    );
    for (body, status) in [
        (json!({"name": " "}), StatusCode::BAD_REQUEST),
        (json!({"address": "x".repeat(501)}), StatusCode::BAD_REQUEST),
        (json!({"colour": "red"}), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let r = f
            .as_role(Role::Admin, Method::PATCH, &path, Some(body))
            .await;
        assert_eq!(r.status, status, "{}", r.text);
    }
    let missing = f
        .as_role(
            Role::Admin,
            Method::PATCH,
            "/api/v1/sites/999",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let refused = f
        .as_role(
            Role::Auditor,
            Method::PATCH,
            &path,
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let page = f.get(Role::Admin, "/organisation").await;
    assert!(page.text.contains("site-edit-form"), "{}", page.text);
    let page = f.get(Role::Auditor, "/organisation").await;
    assert!(!page.text.contains("site-edit-form"));
}

#[tokio::test]
async fn custom_baselines_the_server_was_given_serve_compliance_attestations_and_the_list() {
    const ID: &str = "example-agency-camera-policy";
    let mut f = fixture().await;
    let attest = json!({"subject": "model:hikvision/DS-2CD2043G2-I", "baseline": ID,
                        "provision": "EX-5", "status": "pass", "document": "Contract 12/2026"});
    // Built-in only: the custom id is unknown everywhere.
    let list = f.get(Role::Viewer, "/api/v1/baselines").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let items = list.json()["items"].as_array().unwrap().clone();
    assert!(!items.is_empty());
    assert!(items.iter().all(|b| b["custom"] == false && b["id"] != ID));
    assert_eq!(items.iter().filter(|b| b["in_force"] == true).count(), 1);
    let path = format!("/api/v1/compliance?baseline={ID}");
    let r = f.get(Role::Viewer, &path).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = f
        .post_json(Role::Auditor, "/api/v1/attestations", attest.clone())
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);

    let mut registry = camguard_baseline::Registry::builtin().unwrap();
    registry
        .add_file(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../data/baselines/examples/agency-custom.toml"),
        )
        .unwrap();
    f.state = f.state.clone().with_baselines(registry);
    f.app = app(f.state.clone());
    let list = f.get(Role::Viewer, "/api/v1/baselines").await.json();
    let custom: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["custom"] == true)
        .collect();
    assert_eq!(custom.len(), 1, "{list}");
    assert_eq!(custom[0]["id"], ID);
    assert_eq!(custom[0]["provisions"], 5);
    let r = f.get(Role::Viewer, &path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["baseline"], ID, "{}", r.text);
    let r = f
        .post_json(Role::Auditor, "/api/v1/attestations", attest)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let page = f.get(Role::Viewer, "/compliance").await;
    assert!(
        page.text.contains(&format!("<option>{ID}</option>")),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn administrators_set_organisation_defaults_idle_timeout_and_scan_limits() {
    let f = fixture().await;
    let get = f.get(Role::Admin, "/api/v1/settings").await;
    assert_eq!(get.status, StatusCode::OK, "{}", get.text);
    let v = get.json();
    assert_eq!(
        (
            v["organisation"].as_str(),
            v["default_lang"].as_str(),
            v["session_idle_minutes"].as_i64(),
            v["scan_rate"].as_i64(),
            v["scan_concurrency"].as_i64()
        ),
        (Some(""), Some("vi"), Some(30), Some(500), Some(64))
    );
    for role in [Role::Auditor, Role::Viewer] {
        let r = f.get(role, "/api/v1/settings").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = f
            .as_role(
                role,
                Method::PUT,
                "/api/v1/settings",
                Some(json!({"scan_rate": 10})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    for (body, status) in [
        (json!({"session_idle_minutes": 4}), StatusCode::BAD_REQUEST),
        (
            json!({"session_idle_minutes": 241}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"scan_rate": 0}), StatusCode::BAD_REQUEST),
        (json!({"scan_concurrency": 5000}), StatusCode::BAD_REQUEST),
        (json!({"default_lang": "fr"}), StatusCode::BAD_REQUEST),
        (
            json!({"default_baseline": "no-such"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"organisation": "x".repeat(201)}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"colour": "red"}), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let r = f
            .as_role(
                Role::Admin,
                Method::PUT,
                "/api/v1/settings",
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.text);
    }
    // A refused change changes nothing.
    assert_eq!(f.get(Role::Admin, "/api/v1/settings").await.json(), v);
    let baseline = camguard_baseline::Registry::builtin().unwrap().all()[0]
        .id
        .clone();
    let put = f
        .as_role(
            Role::Admin,
            Method::PUT,
            "/api/v1/settings",
            Some(json!({"organisation": " Sở Thông tin và Truyền thông ",
                        "default_lang": "en", "session_idle_minutes": 5,
                        "default_baseline": baseline, "scan_rate": 100})),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    let now = f.get(Role::Admin, "/api/v1/settings").await.json();
    assert_eq!(now, put.json());
    assert_eq!(now["organisation"], "Sở Thông tin và Truyền thông");
    assert_eq!(now["scan_concurrency"], 64, "fields not given stay");
    let audit = f.get(Role::Admin, "/api/v1/audit?per_page=100").await.text;
    assert!(audit.contains("PUT /api/v1/settings"), "{audit}");

    // Reports: the organisation on the cover, the default language and baseline.
    let report = f.get(Role::Viewer, "/api/v1/reports?format=json").await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    let doc = report.json();
    assert_eq!(doc["organisation"], "Sở Thông tin và Truyền thông", "{doc}");
    assert_eq!(doc["lang"], "en");
    assert_eq!(doc["baseline"]["id"], baseline.as_str(), "{doc}");

    // The idle timeout: five minutes now.
    let (cookie, _) = f.session("viewer").await;
    f.advance(299);
    let me = [("cookie", cookie.as_str())];
    let r = f.call(Method::GET, "/api/v1/me", None, &me).await;
    assert_eq!(r.status, StatusCode::OK);
    f.advance(301);
    let r = f.call(Method::GET, "/api/v1/me", None, &me).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // The page: administrators only, filled with the settings in force.
    let page = f.get(Role::Admin, "/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("id=\"settings-form\""), "{}", page.text);
    assert!(page.text.contains("value=\"Sở Thông tin và Truyền thông\""));
    assert!(page
        .text
        .contains("name=\"session_idle_minutes\" value=\"5\""));
    let page = f.get(Role::Auditor, "/settings").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.text.contains("settings-form"));
}

#[tokio::test]
async fn report_download_takes_the_clis_detail_levels() {
    let f = fixture().await;
    for detail in ["full", "failed", "summary"] {
        let r = f
            .get(
                Role::Viewer,
                &format!("/api/v1/reports?format=html&detail={detail}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{detail}: {}", r.text);
    }
    let r = f.get(Role::Viewer, "/api/v1/reports?detail=most").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.text.contains("most"), "{}", r.text);
}

#[tokio::test]
async fn problems_carry_stable_codes_the_pages_put_in_the_users_language() {
    let f = fixture().await;
    let system = f.organisation().await;
    let cases = [
        (
            Method::POST,
            "/api/v1/scopes",
            json!({"system_id": system, "cidr": "10.0.0.300/8"}),
            StatusCode::BAD_REQUEST,
            "bad-cidr",
        ),
        (
            Method::POST,
            "/api/v1/scans",
            json!({"system_id": system, "targets": ["not an address"]}),
            StatusCode::BAD_REQUEST,
            "bad-cidr",
        ),
        (
            Method::POST,
            "/api/v1/scans",
            json!({"system_id": system, "targets": ["10.1.2.3"]}),
            StatusCode::FORBIDDEN,
            "outside-scope",
        ),
        (
            Method::POST,
            "/api/v1/sites",
            json!({"name": "HQ"}),
            StatusCode::CONFLICT,
            "duplicate-name",
        ),
        (
            Method::POST,
            "/api/v1/users",
            json!({"username": "weak", "role": "viewer", "password": "password"}),
            StatusCode::BAD_REQUEST,
            "weak-password",
        ),
        (
            Method::PATCH,
            "/api/v1/sites/999",
            json!({"name": "x"}),
            StatusCode::NOT_FOUND,
            "not-found",
        ),
        (
            Method::PUT,
            "/api/v1/settings",
            json!({"default_baseline": "no-such"}),
            StatusCode::BAD_REQUEST,
            "unknown-baseline",
        ),
        (
            Method::PUT,
            "/api/v1/settings",
            json!({"scan_rate": 0}),
            StatusCode::BAD_REQUEST,
            "out-of-range",
        ),
        (
            Method::PATCH,
            "/api/v1/me",
            json!({"lang": "fr"}),
            StatusCode::BAD_REQUEST,
            "bad-lang",
        ),
        (
            Method::DELETE,
            "/api/v1/users/1",
            json!({}),
            StatusCode::CONFLICT,
            "self-change",
        ),
        (
            Method::POST,
            "/api/v1/sites",
            json!({"name": "HQ", "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-body",
        ),
        (
            Method::GET,
            "/api/v1/devices?per_page=0",
            json!({}),
            StatusCode::BAD_REQUEST,
            "bad-page",
        ),
        (
            Method::GET,
            "/api/v1/reports?format=doc",
            json!({}),
            StatusCode::BAD_REQUEST,
            "bad-choice",
        ),
    ];
    let mut seen = Vec::new();
    for (method, path, body, status, code) in cases {
        let r = f.as_role(Role::Admin, method, path, Some(body)).await;
        assert_eq!(r.status, status, "{path}: {}", r.text);
        let v = r.json();
        assert_eq!(v["code"], code, "{path}: {v}");
        assert_eq!(v["type"], format!("urn:camguard:problem:{code}"));
        assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()));
        seen.push(code);
    }
    // Anonymous callers and a cookie session without its CSRF token.
    let r = f.call(Method::GET, "/api/v1/devices", None, &[]).await;
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("unauthenticated"))
    );
    let (cookie, _) = f.session("admin").await;
    let r = f
        .call(
            Method::POST,
            "/api/v1/sites",
            Some(json!({"name": "Annex"})),
            &[("cookie", &cookie)],
        )
        .await;
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (StatusCode::FORBIDDEN, json!("csrf-token"))
    );
    seen.extend(["unauthenticated", "csrf-token"]);
    seen.sort_unstable();
    seen.dedup();
    assert!(seen.len() >= 6, "{seen:?}");

    // Every code's text on the pages, in the visitor's language: English for the admin (whose
    // language is en), Vietnamese with the language cookie.
    let strings = |lang: &str| -> toml::Table {
        toml::from_str(
            &std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(format!("../../data/i18n/web-{lang}.toml")),
            )
            .unwrap(),
        )
        .unwrap()
    };
    let vi = strings("vi");
    let page = f
        .call(
            Method::GET,
            "/organisation",
            None,
            &[("cookie", &format!("{cookie}; camguard_lang=vi"))],
        )
        .await;
    assert!(page.text.contains("<html lang=\"vi\">"), "{}", page.text);
    for code in &seen {
        let text = vi[&format!("problem_{}", code.replace('-', "_"))]
            .as_str()
            .unwrap();
        let attr = format!(" data-{code}=\"{}\"", camguard_report::escape_html(text));
        assert!(page.text.contains(&attr), "{attr} not in the vi page");
    }

    let page = f.get(Role::Admin, "/organisation").await;
    let en = strings("en");
    for code in camguard_web::error::Problem::ALL.iter().map(|p| p.code()) {
        let text = en[&format!("problem_{}", code.replace('-', "_"))]
            .as_str()
            .unwrap();
        let attr = format!(" data-{code}=\"{}\"", camguard_report::escape_html(text));
        assert!(page.text.contains(&attr), "{attr} not in the page");
    }
}

/// The settings form once could not clear the default baseline: its "automatic" choice was
/// an empty value, which the page script leaves out of the body, so nothing changed.
#[tokio::test]
async fn settings_form_sets_the_default_baseline_and_clears_it_back_to_automatic() {
    let f = fixture().await;
    let s = f.signed_in("admin").await;
    let session = s.headers();
    let automatic = camguard_report::escape_html(
        toml::from_str::<toml::Table>(
            &std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../data/i18n/web-en.toml"),
            )
            .unwrap(),
        )
        .unwrap()["baseline_automatic"]
            .as_str()
            .unwrap(),
    );
    assert!(automatic.starts_with("automatic"), "{automatic}");
    let selected = |page: &str| -> String {
        let select = page
            .split("<select name=\"default_baseline\"")
            .nth(1)
            .and_then(|s| s.split("</select>").next())
            .unwrap_or_else(|| panic!("no default_baseline choice in {page}"))
            .to_owned();
        // The form sends the empty value of this choice ("" clears), not nothing.
        assert!(
            select.starts_with(" data-kind=\"text\" data-clear>"),
            "{select}"
        );
        assert!(
            select.contains("<option value=\"\"") && select.contains(&*automatic),
            "{select}"
        );
        select
            .split("<option value=\"")
            .find(|o| o.contains("\" selected>"))
            .map(|o| o.split('"').next().unwrap().to_owned())
            .unwrap_or_else(|| panic!("nothing selected in {select}"))
    };
    let page = f.call(Method::GET, "/settings", None, &session).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(selected(&page.text), "", "automatic at first");

    // What the form sends: the chosen baseline, then the automatic choice's "".
    let baseline = camguard_baseline::Registry::builtin().unwrap().all()[0]
        .id
        .clone();
    for (value, expected) in [(baseline.as_str(), json!(baseline)), ("", Value::Null)] {
        let put = f
            .form(
                &s,
                Method::PUT,
                "/api/v1/settings",
                json!({"default_baseline": value}),
            )
            .await;
        assert_eq!(put.status, StatusCode::OK, "{value:?}: {}", put.text);
        let got = f
            .call(Method::GET, "/api/v1/settings", None, &session)
            .await;
        assert_eq!(got.json()["default_baseline"], expected, "{}", got.text);
        let page = f.call(Method::GET, "/settings", None, &session).await;
        assert_eq!(selected(&page.text), value);
    }
    let audit = f
        .get(Role::Admin, "/api/v1/audit?per_page=100")
        .await
        .json();
    let puts: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "PUT /api/v1/settings")
        .collect();
    assert_eq!(puts.len(), 2, "{audit}");
    for e in puts {
        assert_eq!(
            (&e["username"], &e["outcome"]),
            (&json!("admin"), &json!("200"))
        );
    }
}

/// Settings were read from the database on every request; the server now keeps them in
/// memory, replaced by each update.
#[tokio::test]
async fn settings_are_kept_in_memory_seen_on_the_next_request_and_by_the_next_server() {
    let f = fixture().await;
    let put = f
        .as_role(
            Role::Admin,
            Method::PUT,
            "/api/v1/settings",
            Some(json!({"organisation": "Sở A", "default_lang": "en"})),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    // The very next requests: the settings and a report that uses them.
    let got = f.get(Role::Admin, "/api/v1/settings").await;
    assert_eq!(got.json()["organisation"], "Sở A");
    let report = f
        .get(Role::Viewer, "/api/v1/reports?format=json")
        .await
        .json();
    assert_eq!(
        (&report["organisation"], &report["lang"]),
        (&json!("Sở A"), &json!("en"))
    );

    // A server started on the same database sees the update, whether it reads the settings
    // at start or at its first request.
    let db = f._dir.path().join("t.db");
    let restart = |load: bool| {
        let db = db.clone();
        async move {
            let store = Store::open(&db).await.unwrap();
            let clock: Clock = Arc::new(start);
            let state = AppState::new(store, Arc::new(StoreRunner { wait: false }), clock, false);
            if load {
                state.load_settings().await.unwrap();
            }
            app(state)
        }
    };
    let admin = format!("Bearer {}", f.token(Role::Admin));
    let auth = [("authorization", admin.as_str())];
    for load in [true, false] {
        let second = restart(load).await;
        let r = send(&second, Method::GET, "/api/v1/settings", None, &auth).await;
        assert_eq!(
            r.json()["organisation"],
            "Sở A",
            "load at start {load}: {}",
            r.text
        );
    }

    // Requests do not read the database: a change written behind the running server's back
    // shows only on a server started after it.
    let mut behind = serde_json::Map::new();
    behind.insert("organisation".into(), json!("Sở B"));
    f.state
        .store
        .put_settings(&behind, "sqlite3", start())
        .await
        .unwrap();
    let r = f.get(Role::Admin, "/api/v1/settings").await;
    assert_eq!(r.json()["organisation"], "Sở A", "{}", r.text);
    let third = restart(true).await;
    let r = send(&third, Method::GET, "/api/v1/settings", None, &auth).await;
    assert_eq!(r.json()["organisation"], "Sở B", "{}", r.text);
    assert_eq!(r.json()["default_lang"], "en", "{}", r.text);
}

/// The compliance scorecard counted attested verdicts with its own code (and left out the
/// provisions a device has no verdict for, which the report counts as not tested); it now
/// takes the report's counts.
#[tokio::test]
async fn scorecard_and_json_report_count_pass_fail_and_attested_alike() {
    let f = fixture().await;
    let baseline = camguard_baseline::Registry::builtin()
        .unwrap()
        .get("qcvn-11-2026")
        .unwrap()
        .clone();
    let ids: Vec<String> = baseline.provisions.iter().map(|p| p.id.clone()).collect();
    assert!(ids.len() >= 3, "{ids:?}");
    let scan = f
        .state
        .store
        .begin_scan(&ScanMeta {
            started_at: start(),
            targets: "127.0.108.0/24".into(),
            options: json!({}),
            baseline: baseline.id.clone(),
        })
        .await
        .unwrap();
    // Three models, each with its own mix of scanned verdicts; some provisions unrecorded.
    let statuses = [
        ("M1", ["fail", "not_verifiable_remotely", "pass"]),
        (
            "M2",
            [
                "not_verifiable_remotely",
                "not_verifiable_remotely",
                "not_tested",
            ],
        ),
        ("M3", ["pass", "fail", "not_verifiable_remotely"]),
    ];
    for (host, (model, st)) in statuses.iter().enumerate() {
        for copy in 0..2 {
            let mut rec = record(&format!("127.0.108.{}", 10 + host * 2 + copy));
            rec.identity.model = Some((*model).into());
            let verdicts: Vec<Value> = ids
                .iter()
                .zip(st)
                .map(|(p, s)| json!({"baseline": baseline.id, "provision": p, "status": s, "findings": []}))
                .collect();
            rec.verdicts = serde_json::from_value(Value::Array(verdicts)).unwrap();
            f.state.store.record_device(scan, &rec).await.unwrap();
        }
    }
    f.state.store.finish_scan(scan, start(), 6).await.unwrap();
    // Documents: met for M1's second provision, not met for both of M2's unreached ones, and
    // one over M1's scanned failure (which stays failed).
    for (model, provision, status) in [
        ("M1", &ids[1], "pass"),
        ("M2", &ids[0], "fail"),
        ("M2", &ids[1], "pass"),
        ("M1", &ids[0], "pass"),
    ] {
        let r = f
            .post_json(Role::Auditor, "/api/v1/attestations", json!({"subject": format!("model:Hikvision/{model}"), "baseline": baseline.id,
                            "provision": provision, "status": status, "document": "Declaration 1/2026"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let card = f
        .get(
            Role::Viewer,
            &format!("/api/v1/compliance?baseline={}", baseline.id),
        )
        .await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.text);
    let report = f
        .get(
            Role::Viewer,
            &format!("/api/v1/reports?format=json&baseline={}", baseline.id),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    let (card, report) = (card.json(), report.json());
    let keys = [
        "fail",
        "pass",
        "not_verifiable_remotely",
        "not_tested",
        "attested_pass",
        "attested_fail",
    ];
    let counts = |rows: &Value,
                  counts_of: &dyn Fn(&Value) -> &Value,
                  id_of: &str|
     -> Vec<(String, Vec<u64>)> {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let c = counts_of(row);
                (
                    row[id_of].as_str().unwrap().to_owned(),
                    keys.iter().map(|k| c[*k].as_u64().unwrap_or(0)).collect(),
                )
            })
            .collect()
    };
    let from_card = counts(&card["provisions"], &|r| &r["counts"], "provision");
    let from_report = counts(&report["provisions"], &|r| &r["counts"], "id");
    assert_eq!(from_card, from_report);
    let at = |i: usize| from_card[i].1.clone();
    // fail, pass, nvr, not_tested, attested_pass, attested_fail over the six devices.
    assert_eq!(at(0), vec![2, 2, 0, 0, 0, 2], "{card}");
    assert_eq!(at(1), vec![2, 0, 0, 0, 4, 0], "{card}");
    assert_eq!(at(2), vec![0, 2, 2, 2, 0, 0], "{card}");
    assert_eq!(at(3)[3], 6, "no verdict recorded: not tested");
}
