//! HTTP probe of one port: `GET /` (one same-host redirect followed for the title), Server,
//! challenges, cookies (names and attributes only), a bounded body excerpt and the favicon
//! hash.

use crate::probe::HostCtx;
use camguard_model::{sanitize_text, AuthScheme, HttpObservation};
use camguard_protocols::http::{self, ProtoError};
use camguard_protocols::wire::Message;

/// Longest body excerpt kept, in bytes and characters.
const BODY_EXCERPT: usize = 2048;

/// Result of the HTTP probe of one port.
pub(crate) struct HttpProbe {
    pub(crate) obs: HttpObservation,
    /// True when the port answered with HTTP.
    pub(crate) is_http: bool,
    /// True when the port answered, but not with HTTP (worth an RTSP try).
    pub(crate) other_protocol: bool,
}

pub(crate) async fn probe_http(ctx: &HostCtx, port: u16) -> HttpProbe {
    let addr = ctx.addr(port);
    let host = http::host_header(addr);
    let opts = ctx.opts_for(port);
    let mut obs = HttpObservation {
        port,
        tls: opts.tls,
        ..HttpObservation::default()
    };
    let first = {
        let _slot = ctx.slot().await;
        http::get(addr, &host, "/", &[], &opts).await
    };
    let msg = match first {
        Ok(m) => m,
        Err(e) => {
            // Whatever answered (or stayed silent, like an RTSP server waiting for an
            // HTTP tunnel) is worth an RTSP OPTIONS; only a failed connect is not.
            let other_protocol = !matches!(
                e,
                ProtoError::Refused | ProtoError::ConnectTimeout(_) | ProtoError::Connect(_)
            );
            obs.error = Some(e.to_string());
            return HttpProbe {
                obs,
                is_http: false,
                other_protocol,
            };
        }
    };
    obs.status = http::status_code(&msg);
    obs.server = msg
        .header("server")
        .map(|s| sanitize_text(s.as_bytes(), 256));
    fill_auth(&mut obs, &msg);
    obs.set_cookie = msg
        .headers_named("set-cookie")
        .take(16)
        .map(cookie_without_value)
        .collect();
    obs.location = msg
        .header("location")
        .map(|l| sanitize_text(l.trim().as_bytes(), 512));
    obs.redirects_to_https = obs
        .location
        .as_deref()
        .is_some_and(|l| l.to_ascii_lowercase().starts_with("https://"));
    let mut page = msg;
    let redirect = matches!(obs.status, Some(301 | 302 | 303 | 307 | 308));
    if redirect {
        if let Some(path) = obs
            .location
            .as_deref()
            .and_then(|l| same_host_path(l, &ctx.ip.to_string(), port))
        {
            let followed = {
                let _slot = ctx.slot().await;
                http::get(addr, &host, &path, &[], &opts).await
            };
            if let Ok(m) = followed {
                if obs.www_authenticate.is_empty() {
                    fill_auth(&mut obs, &m);
                }
                page = m;
            }
        }
    }
    obs.title = http::title_of(&page.body);
    if !page.body.is_empty() {
        let cut = &page.body[..page.body.len().min(BODY_EXCERPT)];
        obs.body_excerpt = Some(sanitize_text(cut, BODY_EXCERPT));
    }
    obs.favicon_md5 = favicon(ctx, port, &host).await;
    HttpProbe {
        obs,
        is_http: true,
        other_protocol: false,
    }
}

fn fill_auth(obs: &mut HttpObservation, msg: &Message) {
    obs.www_authenticate = msg
        .headers_named("www-authenticate")
        .take(8)
        .map(|v| sanitize_text(v.as_bytes(), 512))
        .collect();
    let challenges = http::challenges_of(msg);
    let (scheme, realm) = http::auth_summary(&challenges);
    obs.auth_scheme = match scheme {
        Some(s) => Some(s),
        None if http::status_code(msg).is_some_and(|c| (200..300).contains(&c)) => {
            Some(AuthScheme::None)
        }
        None => None,
    };
    obs.realm = realm;
}

async fn favicon(ctx: &HostCtx, port: u16, host: &str) -> Option<String> {
    let _slot = ctx.slot().await;
    let m = http::get(
        ctx.addr(port),
        host,
        "/favicon.ico",
        &[],
        &ctx.opts_for(port),
    )
    .await
    .ok()?;
    (http::status_code(&m) == Some(200)
        && !m.body_truncated
        && !m.body.is_empty()
        && http::is_image(&m))
    .then(|| http::favicon_md5(&m.body))
}

/// `name=value; Attr; Attr=x` → `name; Attr; Attr=x` (values are not needed).
fn cookie_without_value(raw: &str) -> String {
    let mut parts = raw.split(';');
    let first = parts.next().unwrap_or("");
    let name = first.split('=').next().unwrap_or("").trim();
    let mut out = name.to_string();
    for attr in parts.take(12) {
        out.push_str("; ");
        out.push_str(attr.trim());
    }
    sanitize_text(out.as_bytes(), 256)
}

/// Path of a `Location` that stays on the scanned host and port, else `None`.
fn same_host_path(location: &str, ip: &str, port: u16) -> Option<String> {
    let l = location.trim();
    if l.starts_with('/') && !l.starts_with("//") {
        return Some(l.to_string());
    }
    let rest = l
        .strip_prefix("http://")
        .or_else(|| l.strip_prefix("HTTP://"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (h, p) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') && p.chars().all(|c| c.is_ascii_digit()) => {
            (h, p.parse::<u16>().ok()?)
        }
        _ => (authority, 80),
    };
    let h = h.trim_start_matches('[').trim_end_matches(']');
    (h == ip && p == port).then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_lose_their_values() {
        assert_eq!(
            cookie_without_value("JSESSIONID=abc123; Path=/; HttpOnly"),
            "JSESSIONID; Path=/; HttpOnly"
        );
        assert_eq!(cookie_without_value("x"), "x");
    }

    #[test]
    fn redirects_are_followed_only_on_the_same_host() {
        assert_eq!(
            same_host_path("/doc/page/login.asp", "127.0.0.1", 80).as_deref(),
            Some("/doc/page/login.asp")
        );
        assert_eq!(
            same_host_path("http://127.0.0.1:8080/login", "127.0.0.1", 8080).as_deref(),
            Some("/login")
        );
        assert_eq!(
            same_host_path("http://127.0.0.1/", "127.0.0.1", 80).as_deref(),
            Some("/")
        );
        assert_eq!(same_host_path("http://127.0.0.1/", "127.0.0.1", 8080), None);
        assert_eq!(
            same_host_path("http://10.9.9.9/login", "127.0.0.1", 80),
            None
        );
        assert_eq!(same_host_path("https://127.0.0.1/", "127.0.0.1", 80), None);
        assert_eq!(same_host_path("//evil.example/x", "127.0.0.1", 80), None);
        assert_eq!(
            same_host_path("http://[::1]:8080/x", "::1", 8080).as_deref(),
            Some("/x")
        );
    }
}
