//! The anonymous snapshot of `anonymous_snapshot = true`: the personality's snapshot CGI (its
//! login style's `snapshot_path`, data/lab/login_styles.toml) answers GET/HEAD without any
//! credentials with a real JPEG from the lab's encoder. Also the ground truth the manifest
//! reports: which path, if any, serves a JPEG to anyone.

use crate::config::AuthMode;
use crate::device::Device;
use crate::login;
use crate::reply::Reply;

/// The path a device serves a JPEG at without credentials: the switch's snapshot CGI, or a
/// credentials-in-URL snapshot CGI when the web UI itself has no authentication.
pub fn anonymous_snapshot_path(device: &Device) -> Option<String> {
    if device.spec.surface.anonymous_snapshot {
        return login::style_for(&device.spec.personality).map(|s| s.snapshot_path.clone());
    }
    if device.spec.web_auth == AuthMode::None {
        return crate::http_server::snapshot_paths(device)
            .first()
            .map(|p| (*p).to_string());
    }
    None
}

/// The JPEG for the anonymous snapshot path, when switched on and asked for.
pub(crate) fn anonymous(device: &Device, method: &str, path: &str) -> Option<Reply> {
    if !device.spec.surface.anonymous_snapshot || !matches!(method, "GET" | "HEAD") {
        return None;
    }
    let style = login::style_for(&device.spec.personality)?;
    if style.snapshot_path != path {
        return None;
    }
    let (w, h) = device
        .streams
        .last()
        .map(|s| (s.width, s.height))
        .unwrap_or((320, 240));
    Some(match crate::mjpeg::encode_bars(w, h, 0) {
        Ok(jpeg) => Reply::new(200, "OK").with_body("image/jpeg", jpeg),
        Err(_) => Reply::new(500, "Internal Server Error"),
    })
}

/// The ONVIF `GetSnapshotUriResponse` body: the personality's snapshot CGI on the first web
/// port (`None` when the device has no web port).
pub(crate) fn snapshot_uri_response(device: &Device) -> Option<String> {
    let style = login::style_for(&device.spec.personality)?;
    let port = device.http_ports.first()?;
    let uri = format!("http://{}:{}{}", device.address, port, style.snapshot_path);
    Some(format!(
        concat!(
            "<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>{}</tt:Uri>",
            "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>",
            "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>",
            "<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetSnapshotUriResponse>"
        ),
        camguard_protocols::auth::xml_escape(&uri)
    ))
}
