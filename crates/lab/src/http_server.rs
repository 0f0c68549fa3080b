//! The device's HTTP server: web UI (login page, favicon, Basic/Digest on `/`) and, on the
//! ONVIF port, the ONVIF SOAP services.

use crate::authn::{self, Access};
use crate::device::Device;
use crate::onvif;
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

/// A response before encoding.
struct Reply {
    code: u16,
    reason: &'static str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn new(code: u16, reason: &'static str, content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            code,
            reason,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
        }
    }

    fn text(code: u16, reason: &'static str) -> Reply {
        Reply::new(
            code,
            reason,
            "text/html",
            format!("<html><body><h1>{code} {reason}</h1></body></html>\n").into_bytes(),
        )
    }
}

/// Serve one HTTP connection until it closes, misbehaves or idles out.
pub async fn serve(stream: TcpStream, device: Arc<Device>, role: Role) {
    let peer = stream.peer_addr().ok();
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let limits = Limits {
        max_body: MAX_BODY,
        ..Limits::default()
    };
    for _ in 0..MAX_REQUESTS {
        let msg = match wire::deadline(
            READ_DEADLINE,
            wire::read_message(&mut r, &limits, BodyMode::Request),
        )
        .await
        {
            Ok(Some(m)) => m,
            Ok(None) | Err(WireError::Timeout) | Err(WireError::Io(_)) => return,
            Err(e) => {
                tracing::debug!(device = %device.spec.id, ?peer, "bad http request: {e}");
                let _ = write(
                    &mut w,
                    &device,
                    Reply::text(400, "Bad Request"),
                    false,
                    true,
                )
                .await;
                return;
            }
        };
        let Ok(req) = msg.request() else {
            let _ = write(
                &mut w,
                &device,
                Reply::text(400, "Bad Request"),
                false,
                true,
            )
            .await;
            return;
        };
        let close = msg
            .header("Connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
            || req.protocol.eq_ignore_ascii_case("HTTP/1.0")
                && !msg
                    .header("Connection")
                    .is_some_and(|v| v.eq_ignore_ascii_case("keep-alive"));
        let head = req.method == "HEAD";
        let reply = if msg.body_truncated {
            Reply::text(413, "Payload Too Large")
        } else {
            route(&device, role, &req.method, &req.target, &msg)
        };
        tracing::debug!(
            device = %device.spec.id, ?peer, method = %req.method, target = %req.target,
            status = reply.code, "http"
        );
        if write(&mut w, &device, reply, head, close).await.is_err() || close {
            return;
        }
    }
}

fn route(device: &Device, role: Role, method: &str, target: &str, msg: &wire::Message) -> Reply {
    let path = target.split('?').next().unwrap_or("");
    if role.onvif && path.starts_with("/onvif/") {
        if method != "POST" {
            let mut r = Reply::text(405, "Method Not Allowed");
            r.headers.push(("Allow".into(), "POST".into()));
            return r;
        }
        let (code, body) = onvif::handle(device, path, &msg.body);
        let reason = match code {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            404 => "Not Found",
            _ => "Internal Server Error",
        };
        return Reply::new(
            code,
            reason,
            "application/soap+xml; charset=utf-8",
            body.into_bytes(),
        );
    }
    if !role.web {
        return Reply::text(404, "Not Found");
    }
    match (method, path) {
        ("GET" | "HEAD", "/favicon.ico") => {
            Reply::new(200, "OK", "image/x-icon", device.favicon.clone())
        }
        ("GET" | "HEAD", "/" | "/index.html" | "/doc/page/login.asp") => {
            match authn::check(
                device.spec.web_auth,
                msg.header("Authorization"),
                method,
                device,
                &device.web_realm,
                true,
            ) {
                Access::Granted => Reply::new(
                    200,
                    "OK",
                    "text/html; charset=utf-8",
                    device.login_page.clone().into_bytes(),
                ),
                Access::Challenge(ch) => {
                    let mut r = Reply::text(401, "Unauthorized");
                    r.headers.push(("WWW-Authenticate".into(), ch));
                    r
                }
            }
        }
        ("GET" | "HEAD", _) => Reply::text(404, "Not Found"),
        _ => {
            let mut r = Reply::text(405, "Method Not Allowed");
            r.headers.push(("Allow".into(), "GET, HEAD".into()));
            r
        }
    }
}

async fn write(
    w: &mut tokio::net::tcp::OwnedWriteHalf,
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
    headers.push(("Connection", if close { "close" } else { "keep-alive" }));
    let mut bytes =
        wire::encode_response("HTTP/1.1", reply.code, reply.reason, &headers, &reply.body);
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
