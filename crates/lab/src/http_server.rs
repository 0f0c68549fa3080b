//! The device's HTTP server: web UI (login page, favicon, Basic/Digest on `/`) and, on the
//! ONVIF port, the ONVIF SOAP services.

use crate::authn::{self, Access, Login};
use crate::behaviour::{LoginMessages, QopOffer, UrlCredentials};
use crate::device::Device;
use crate::login::{self, Outcome};
use crate::reply::Reply;
use crate::{mjpeg, onvif, quirks};
use camguard_protocols::wire::{self, BodyMode, Limits, WireError};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Idle time allowed before (and within) a request.
const READ_DEADLINE: Duration = Duration::from_secs(10);
/// Time allowed to write a response.
const WRITE_DEADLINE: Duration = Duration::from_secs(10);
/// Requests served on one connection.
const MAX_REQUESTS: usize = 100;
/// Largest request body (SOAP requests are small).
pub const MAX_BODY: usize = 64 * 1024;

/// What an HTTP listener serves.
#[derive(Debug, Clone, Copy)]
pub struct Role {
    /// The web UI (`/`, `/favicon.ico`).
    pub web: bool,
    /// ONVIF (`POST /onvif/...`).
    pub onvif: bool,
}

impl Reply {
    fn text(code: u16, reason: &'static str) -> Reply {
        Reply::new(code, reason).with_body(
            "text/html",
            format!("<html><body><h1>{code} {reason}</h1></body></html>\n").into_bytes(),
        )
    }
}

/// Serve one HTTP connection until it closes, misbehaves or idles out.
pub async fn serve(stream: TcpStream, device: Arc<Device>, role: Role) {
    let peer = stream.peer_addr().ok();
    serve_io(stream, peer, device, role).await;
}

/// Serve one HTTP connection over any byte stream (plain TCP, or TLS on the HTTPS port).
pub async fn serve_io<S>(
    stream: S,
    peer: Option<std::net::SocketAddr>,
    device: Arc<Device>,
    role: Role,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (r, mut w) = tokio::io::split(stream);
    let mut r = BufReader::new(r);
    let limits = Limits {
        max_body: MAX_BODY,
        ..Limits::default()
    };
    for _ in 0..MAX_REQUESTS {
        let read = wire::deadline(
            READ_DEADLINE,
            wire::read_message(&mut r, &limits, BodyMode::Request),
        )
        .await;
        let msg = match read {
            Ok(Some(m)) => Some(m),
            Ok(None) | Err(WireError::Timeout) | Err(WireError::Io(_)) => return,
            Err(e) => {
                tracing::debug!(device = %device.spec.id, ?peer, "bad http request: {e}");
                None
            }
        };
        // A malformed message, or a well-formed one that is no request: 400, then close.
        let Some((msg, req)) = msg.as_ref().and_then(|m| Some((m, m.request().ok()?))) else {
            let reply = Reply::text(400, "Bad Request");
            let _ = write(&mut w, &device, reply, false, true).await;
            return;
        };
        let close = msg
            .header("Connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
            || req.protocol.eq_ignore_ascii_case("HTTP/1.0")
                && !msg
                    .header("Connection")
                    .is_some_and(|v| v.eq_ignore_ascii_case("keep-alive"));
        device.requests.record(&req.method, &req.target);
        let head = req.method == "HEAD";
        let reply = if msg.body_truncated {
            Reply::text(413, "Payload Too Large")
        } else {
            route(&device, role, &req.method, &req.target, msg)
        };
        tracing::debug!(
            device = %device.spec.id, ?peer, method = %req.method, target = %req.target,
            status = reply.code, "http"
        );
        // Without Content-Length the body ends with the connection.
        let close = close || device.spec.behaviour.http10_no_length;
        if write(&mut w, &device, reply, head, close).await.is_err() || close {
            return;
        }
    }
}

/// The device's web login page.
fn login_page(device: &Device) -> Reply {
    Reply::new(200, "OK").with_body(
        "text/html; charset=utf-8",
        device.login_page.clone().into_bytes(),
    )
}

fn route(device: &Device, role: Role, method: &str, target: &str, msg: &wire::Message) -> Reply {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if role.onvif && path.starts_with("/onvif/") {
        if method != "POST" {
            return Reply::text(405, "Method Not Allowed").header("Allow", "POST");
        }
        let (code, body) = onvif::handle(device, path, &msg.body);
        let reason = match code {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            404 => "Not Found",
            _ => "Internal Server Error",
        };
        return Reply::new(code, reason)
            .with_body("application/soap+xml; charset=utf-8", body.into_bytes());
    }
    if !role.web {
        return Reply::text(404, "Not Found");
    }
    if let Some(reply) = crate::vulns::route(device, method, path, query, msg) {
        return reply;
    }
    if let Some(reply) = crate::snapshot::anonymous(device, method, path) {
        return reply;
    }
    let behaviour = &device.spec.behaviour;
    let style = login::style_for(&device.spec.personality);
    if let Some(style) = style.filter(|s| {
        s.login_path == path && (behaviour.login_messages.is_some() || behaviour.lockout.is_some())
    }) {
        return login_endpoint(device, style, method, msg);
    }
    if matches!(method, "GET" | "HEAD") && snapshot_paths(device).contains(&path) {
        return snapshot(device, method, query, msg);
    }
    match (method, path) {
        ("GET" | "HEAD", "/favicon.ico") => {
            Reply::new(200, "OK").with_body("image/x-icon", device.favicon.clone())
        }
        ("GET" | "HEAD", _) => {
            let known = matches!(path, "/" | "/index.html" | "/doc/page/login.asp");
            // The "200 to everything" firmware: any unknown path gets the login page.
            if !known && device.spec.surface.http_any_path_200 {
                return login_page(device);
            }
            // The web UI looks the path up first unless `auth_before_path` says otherwise.
            if !known && !behaviour.auth_before_path.unwrap_or(false) {
                return Reply::text(404, "Not Found");
            }
            match web_check(device, method, msg) {
                Access::Granted if known => login_page(device),
                Access::Granted => Reply::text(404, "Not Found"),
                refused => refusal(device, refused),
            }
        }
        _ => Reply::text(405, "Method Not Allowed").header("Allow", "GET, HEAD"),
    }
}

/// Check the request's `Authorization` against the web UI's scheme.
pub(crate) fn web_check(device: &Device, method: &str, msg: &wire::Message) -> Access {
    authn::check(
        device.spec.web_auth,
        msg.header("Authorization"),
        method,
        &msg.body,
        device,
        &device.web_realm,
        QopOffer::Auth,
    )
}

/// The answer to a refused web request: 401 with the challenge (or, with the
/// `http_200_with_challenge` quirk, 200 with the login page and the challenge), or the
/// vendor's lock page.
pub(crate) fn refusal(device: &Device, access: Access) -> Reply {
    let challenge = match access {
        Access::Granted => return Reply::text(200, "OK"),
        Access::Locked(left) => return locked(device, left),
        Access::Challenge(c) | Access::Refused { challenge: c, .. } => c,
    };
    let mut r = if device.spec.behaviour.http_200_with_challenge {
        login_page(device)
    } else {
        Reply::text(401, "Unauthorized")
    };
    r.headers.push(("WWW-Authenticate".into(), challenge));
    r
}

/// 403 with the vendor's lock message.
fn locked(device: &Device, left: std::time::Duration) -> Reply {
    match login::style_for(&device.spec.personality) {
        Some(style) => answer(login::locked_page(style, left)),
        None => Reply::text(403, "Forbidden"),
    }
}

fn answer(a: login::Answer) -> Reply {
    let reason = match a.code {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        405 => "Method Not Allowed",
        _ => "Error",
    };
    let mut r = Reply::new(a.code, reason).with_body(a.content_type, a.body.into_bytes());
    r.headers.extend(a.headers);
    r
}

/// The vendor login endpoint (`login_messages` or `lockout` set).
fn login_endpoint(
    device: &Device,
    style: &login::LoginStyle,
    method: &str,
    msg: &wire::Message,
) -> Reply {
    if !method.eq_ignore_ascii_case(&style.login_method) {
        let mut r = Reply::text(405, "Method Not Allowed");
        r.headers.push(("Allow".into(), style.login_method.clone()));
        return r;
    }
    let behaviour = &device.spec.behaviour;
    let messages = behaviour.login_messages.unwrap_or(LoginMessages::Generic);
    let lockout = behaviour.lockout.is_some();
    let (outcome, rpc_id) = match login::credentials(style, &msg.body) {
        Some((user, password, id)) => (
            match authn::login(device, &user, &password) {
                Login::Ok => Outcome::Ok,
                Login::Refused { user_known, after } => Outcome::failed(user_known, after),
                Login::Locked(d) => Outcome::Locked(d),
            },
            id,
        ),
        None if style.format == login::Format::IsapiXml => match web_check(device, method, msg) {
            Access::Granted => (Outcome::Ok, 0),
            Access::Locked(d) => (Outcome::Locked(d), 0),
            Access::Refused {
                challenge,
                user_known,
                after,
            } => {
                let mut r = answer(login::render(
                    style,
                    messages,
                    Outcome::failed(user_known, after),
                    lockout,
                    0,
                ));
                r.headers.push(("WWW-Authenticate".into(), challenge));
                return r;
            }
            Access::Challenge(challenge) => {
                let mut r = Reply::text(401, "Unauthorized");
                r.headers.push(("WWW-Authenticate".into(), challenge));
                return r;
            }
        },
        None => return Reply::text(400, "Bad Request"),
    };
    answer(login::render(style, messages, outcome, lockout, rpc_id))
}

/// Snapshot CGIs served when the device takes credentials in the URL.
pub(crate) fn snapshot_paths(device: &Device) -> Vec<&'static str> {
    let b = &device.spec.behaviour;
    let mut out = Vec::new();
    if b.url_credentials.is_empty() {
        return out;
    }
    let Some(data) = login::data() else {
        return out;
    };
    if let Some(style) = login::style_for(&device.spec.personality) {
        out.push(style.snapshot_path.as_str());
    }
    if b.accepts_url_credentials(UrlCredentials::UserPassword) {
        out.push(data.xiongmai.snapshot_path.as_str());
    }
    if b.accepts_url_credentials(UrlCredentials::Loginuse) {
        if let Some(g) = data.style.iter().find(|s| s.id == "generic") {
            out.push(g.snapshot_path.as_str());
        }
    }
    out
}

/// A JPEG snapshot, for credentials in the query (`user`/`password`, `loginuse`/`loginpas`,
/// as switched on) or in the `Authorization` header.
fn snapshot(device: &Device, method: &str, query: &str, msg: &wire::Message) -> Reply {
    let b = &device.spec.behaviour;
    let params = quirks::query_params(query);
    let in_url = [
        (UrlCredentials::UserPassword, "user", "password"),
        (UrlCredentials::Loginuse, "loginuse", "loginpas"),
    ]
    .into_iter()
    .filter(|(u, _, _)| b.accepts_url_credentials(*u))
    .find_map(|(_, user, pass)| {
        Some((
            quirks::param(&params, user)?,
            quirks::param(&params, pass).unwrap_or(""),
        ))
    });
    let access = match in_url {
        Some((user, pass)) => match authn::login(device, user, pass) {
            Login::Ok => Access::Granted,
            Login::Locked(d) => Access::Locked(d),
            Login::Refused { user_known, after } => Access::Refused {
                challenge: authn::challenge(
                    device.spec.web_auth,
                    device,
                    &device.web_realm,
                    QopOffer::Auth,
                ),
                user_known,
                after,
            },
        },
        None => web_check(device, method, msg),
    };
    match access {
        Access::Granted => {
            let (w, h) = device
                .streams
                .last()
                .map(|s| (s.width, s.height))
                .unwrap_or((320, 240));
            match mjpeg::encode_bars(w, h, 0) {
                Ok(jpeg) => Reply::new(200, "OK").with_body("image/jpeg", jpeg),
                Err(_) => Reply::text(500, "Internal Server Error"),
            }
        }
        Access::Refused { challenge, .. } | Access::Challenge(challenge)
            if challenge.is_empty() =>
        {
            Reply::text(401, "Unauthorized")
        }
        other => refusal(device, other),
    }
}

async fn write(
    w: &mut (impl tokio::io::AsyncWrite + Unpin),
    device: &Device,
    reply: Reply,
    head: bool,
    close: bool,
) -> Result<(), WireError> {
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(server) = &device.personality.http.server {
        headers.push(("Server", server));
    }
    for (k, v) in &reply.headers {
        headers.push((k, v));
    }
    let mut bytes = if device.spec.behaviour.http10_no_length {
        quirks::encode_http10(reply.code, reply.reason, &headers, &reply.body)
    } else {
        headers.push(("Connection", if close { "close" } else { "keep-alive" }));
        wire::encode_response("HTTP/1.1", reply.code, reply.reason, &headers, &reply.body)
    };
    if head {
        bytes.truncate(bytes.len() - reply.body.len());
    }
    wire::deadline(WRITE_DEADLINE, async {
        w.write_all(&bytes).await?;
        w.flush().await?;
        Ok(())
    })
    .await
}
