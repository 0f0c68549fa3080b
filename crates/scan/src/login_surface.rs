//! Login surfaces of a device for the opt-in lockout and user-enumeration tests: the web UI's
//! own Basic/Digest challenge on `/`, and the vendor login endpoints of
//! `data/scan/intrusive.toml`. One [`attempt`] is one login with a given user and password;
//! its answer is classified (accepted, refused, locked) and normalised (nonces, sessions,
//! counters and dates removed) so that two answers can be compared.

use crate::intrusive_data::{data, SurfaceFormat};
use crate::probe::HostCtx;
use camguard_model::{sanitize_text, AuthScheme, HostObservation};
use camguard_protocols::auth::Credentials;
use camguard_protocols::http;

/// Longest normalised answer kept.
const MAX_RESPONSE_CHARS: usize = 240;

/// Where logins are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Surface {
    /// Name recorded in observations (`http_digest`, `isapi_usercheck`, …).
    pub id: String,
    /// Port.
    pub port: u16,
    /// Path.
    pub path: String,
    /// How credentials are sent.
    pub format: SurfaceFormat,
}

/// What one login attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    /// HTTP status.
    pub status: Option<u16>,
    /// `accepted`, `refused`, `locked`, `error`, or `absent` (no login endpoint there).
    pub outcome: &'static str,
    /// Normalised, bounded answer (status excluded).
    pub response: String,
}

/// The web UI's own Basic/Digest login on `/` (a port that answered `GET /` with 401).
pub(crate) fn web_auth_surface(obs: &HostObservation) -> Option<Surface> {
    obs.http.iter().find_map(|h| {
        let id = match (h.status, h.auth_scheme) {
            (Some(401), Some(AuthScheme::Digest)) => "http_digest",
            (Some(401), Some(AuthScheme::Basic)) => "http_basic",
            _ => return None,
        };
        Some(Surface {
            id: id.into(),
            port: h.port,
            path: "/".into(),
            format: SurfaceFormat::HttpAuth,
        })
    })
}

/// The vendor login surfaces on every HTTP port that answered, in data order per port.
pub(crate) fn vendor_surfaces(obs: &HostObservation) -> Vec<Surface> {
    let mut out = Vec::new();
    for h in obs.http.iter().filter(|h| h.status.is_some()) {
        for s in &data().login_surface {
            out.push(Surface {
                id: s.id.clone(),
                port: h.port,
                path: s.path.clone(),
                format: s.format,
            });
        }
    }
    out
}

/// Try `candidates` in order with one login each; the first that is not absent is the
/// surface, returned with the answer of that (counted) first attempt.
pub(crate) async fn first_present(
    ctx: &HostCtx,
    candidates: Vec<Surface>,
    user: &str,
    password: &str,
) -> Option<(Surface, Answer)> {
    for s in candidates {
        let a = attempt(ctx, &s, user, password).await;
        if a.outcome != "absent" {
            return Some((s, a));
        }
    }
    None
}

/// One login of `user` with `password` on `surface`.
pub(crate) async fn attempt(
    ctx: &HostCtx,
    surface: &Surface,
    user: &str,
    password: &str,
) -> Answer {
    let addr = ctx.addr(surface.port);
    let host = http::host_header(addr);
    let opts = ctx.opts_for(surface.port);
    let _slot = ctx.slot().await;
    let result = match surface.format {
        SurfaceFormat::HttpAuth => {
            let creds = Credentials::new(user, password);
            match http::get_with_credentials(addr, &host, &surface.path, &creds, &opts).await {
                Ok((m, true)) => Ok(m),
                Ok((m, false)) => {
                    // No usable challenge: a lock page (a locked device may refuse before it
                    // challenges), or nothing to log in to here.
                    return Answer {
                        status: http::status_code(&m),
                        outcome: if shows_lock(&m.body) {
                            "locked"
                        } else {
                            "absent"
                        },
                        response: normalise(&m.body),
                    };
                }
                Err(e) => Err(e),
            }
        }
        SurfaceFormat::Rpc2Json => {
            let body = serde_json::json!({
                "method": "global.login",
                "params": {"userName": user, "password": password},
                "id": 1,
            })
            .to_string();
            http::request(
                addr,
                &host,
                "POST",
                &surface.path,
                &[("Content-Type", "application/json")],
                body.as_bytes(),
                &opts,
            )
            .await
        }
        SurfaceFormat::Form => {
            let body = format!("username={}&password={}", encode(user), encode(password));
            http::request(
                addr,
                &host,
                "POST",
                &surface.path,
                &[("Content-Type", "application/x-www-form-urlencoded")],
                body.as_bytes(),
                &opts,
            )
            .await
        }
    };
    match result {
        Ok(m) => {
            let status = http::status_code(&m);
            Answer {
                status,
                outcome: classify(surface.format, status, &m.body),
                response: normalise(&m.body),
            }
        }
        Err(e) => Answer {
            status: None,
            outcome: "error",
            response: sanitize_text(e.to_string().as_bytes(), MAX_RESPONSE_CHARS),
        },
    }
}

/// `accepted`, `refused`, `locked`, or `absent` for an answer.
pub(crate) fn classify(format: SurfaceFormat, status: Option<u16>, body: &[u8]) -> &'static str {
    if matches!(status, Some(400 | 404 | 405 | 501) | None) {
        return "absent";
    }
    if shows_lock(body) {
        return "locked";
    }
    let ok = status.is_some_and(|s| (200..300).contains(&s));
    let accepted = match format {
        SurfaceFormat::Rpc2Json => {
            ok && serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v.get("result").and_then(|r| r.as_bool()))
                == Some(true)
        }
        SurfaceFormat::Form => {
            ok && !String::from_utf8_lossy(body)
                .to_ascii_lowercase()
                .contains("fail")
        }
        SurfaceFormat::HttpAuth => ok,
    };
    if accepted {
        "accepted"
    } else {
        "refused"
    }
}

/// Whether a login answer says the account or device is locked (`[lock_answer]` of the data).
pub(crate) fn shows_lock(body: &[u8]) -> bool {
    let facts = &data().lock_answer;
    let mut text = String::from_utf8_lossy(&body[..body.len().min(16 * 1024)]).to_lowercase();
    for i in &facts.ignore {
        text = text.replace(i.as_str(), "");
    }
    facts.markers.iter().any(|m| text.contains(m.as_str()))
}

/// A comparable form of an answer: runs of 16+ hex characters (nonces, sessions) become
/// `<hex>`, digit runs of at most 4 (counters, ids, date parts) become `#`, white space is
/// collapsed, and the result is bounded.
pub(crate) fn normalise(body: &[u8]) -> String {
    let text = sanitize_text(&body[..body.len().min(16 * 1024)], 4096);
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.is_empty() {
            return;
        }
        if run.len() >= 16 && run.chars().all(|c| c.is_ascii_hexdigit()) {
            out.push_str("<hex>");
        } else if run.len() <= 4 && run.chars().all(|c| c.is_ascii_digit()) {
            out.push('#');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut run, &mut out);
            space = true;
            continue;
        }
        if space {
            if !out.is_empty() {
                out.push(' ');
            }
            space = false;
        }
        if c.is_ascii_alphanumeric() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out.chars().take(MAX_RESPONSE_CHARS).collect()
}

/// Percent-encode a form value.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A random string of `n` lower-case letters and digits (test user names, wrong passwords).
pub(crate) fn random_token(n: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| ALPHABET[rand::random::<u32>() as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_removes_nonces_counters_and_dates_but_keeps_codes() {
        let a = normalise(
            b"<retryLoginTime>4</retryLoginTime> nonce=\"0123456789abcdef0123\" 2026-11-27",
        );
        let b = normalise(
            b"<retryLoginTime>2</retryLoginTime>   nonce=\"fedcba98765432100000\" 2025-01-02",
        );
        assert_eq!(a, b);
        assert_ne!(
            normalise(br#"{"code":268632070}"#),
            normalise(br#"{"code":268632071}"#)
        );
        assert!(normalise(&[b'x'; 10_000]).chars().count() <= MAX_RESPONSE_CHARS);
        // Regression: white space before a word was dropped ("#Unauthorized").
        assert_eq!(
            normalise(b"<h1>401   Unauthorized</h1>\n<meta charset=\"utf-8\">"),
            "<h1># Unauthorized</h1> <meta charset=\"utf-#\">"
        );
    }

    #[test]
    fn lock_answers_are_recognised_and_unlock_is_not_a_lock() {
        assert!(shows_lock(b"<lockStatus>lock</lockStatus>"));
        assert!(shows_lock(b"Component error: User has been locked!"));
        assert!(!shows_lock(
            b"<lockStatus>unlock</lockStatus><statusString>Unauthorized"
        ));
        assert!(!shows_lock(b"Invalid user name or password"));
    }

    proptest::proptest! {
        /// Hostile login answers never panic the normaliser or the classifier, and the
        /// normalised answer stays bounded.
        #[test]
        fn hostile_answers_never_panic(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096),
            status in proptest::option::of(0u16..1000),
        ) {
            proptest::prop_assert!(normalise(&body).chars().count() <= MAX_RESPONSE_CHARS);
            for f in [SurfaceFormat::HttpAuth, SurfaceFormat::Rpc2Json, SurfaceFormat::Form] {
                let _ = classify(f, status, &body);
            }
            let _ = shows_lock(&body);
        }
    }

    /// Regression: a locked device answers its lock page (403) to the challenge-fetching
    /// request, before any challenge; the attempt was taken for "no login here" (`absent`).
    #[tokio::test]
    async fn a_lock_page_instead_of_a_challenge_is_locked_not_absent() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = tokio::spawn(async move {
            if let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 2048];
                let _ = s.read(&mut buf).await;
                let body = "<html><body><h1>403 Forbidden</h1><p>User locked</p></body></html>";
                let reply = format!(
                    "HTTP/1.1 403 Forbidden\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(reply.as_bytes()).await;
            }
        });
        let cfg = std::sync::Arc::new(crate::ScanConfig {
            rate_per_sec: 0,
            ..crate::ScanConfig::default()
        });
        let ctx = HostCtx::new([127, 0, 0, 1].into(), cfg, crate::rate::Limiter::new(0, 16));
        let surface = Surface {
            id: "http_digest".into(),
            port,
            path: "/".into(),
            format: SurfaceFormat::HttpAuth,
        };
        let a = attempt(&ctx, &surface, "tester", "wrong").await;
        server.abort();
        assert_eq!((a.status, a.outcome), (Some(403), "locked"), "{a:?}");
    }

    #[test]
    fn classification_by_format() {
        assert_eq!(classify(SurfaceFormat::HttpAuth, Some(404), b""), "absent");
        assert_eq!(classify(SurfaceFormat::HttpAuth, Some(401), b""), "refused");
        assert_eq!(
            classify(SurfaceFormat::HttpAuth, Some(200), b"<html>"),
            "accepted"
        );
        assert_eq!(
            classify(SurfaceFormat::Form, Some(403), br#"{"result":"locked"}"#),
            "locked"
        );
        assert_eq!(
            classify(SurfaceFormat::Rpc2Json, Some(200), br#"{"result":false}"#),
            "refused"
        );
        assert_eq!(
            classify(SurfaceFormat::Rpc2Json, Some(200), br#"{"result":true}"#),
            "accepted"
        );
        assert_eq!(encode("a b&c"), "a%20b%26c");
        assert_eq!(random_token(12).len(), 12);
    }
}
