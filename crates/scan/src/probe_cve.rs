//! Opt-in safe confirmations of famous camera flaws (`--confirm-cves`), sent only to devices the
//! fingerprint engine names as the affected vendor (`data/scan/intrusive.toml`):
//!
//! - CVE-2017-7921 (Hikvision): `GET /System/deviceInfo` without and with the magic `auth`
//!   parameter. Refused without it, a `DeviceInfo` document with it: confirmed. Read-only; no
//!   user list or configuration file is ever asked for, and only element names are kept.
//! - CVE-2021-33044 (Dahua): `global.login` step one, then step two with clientType
//!   `NetKeyboard`; a granted session is logged out at once (`global.logout`). No other RPC.
//!   On a fixed device step two is one failed login.
//! - CVE-2021-36260 (Hikvision): cannot be confirmed without a write (it is a command
//!   injection), so it is never attempted; one `GET /SDK/webLanguage` records whether the
//!   endpoint exists (405: PUT only) and the verdict stays version-based.

use crate::intrusive_data::data;
use crate::probe::HostCtx;
use camguard_model::{CveConfirmation, HostObservation, ProbeStep};
use camguard_protocols::http;
use serde_json::{json, Value};

/// Run the confirmations that apply to the host's vendor (none when not enabled).
pub(crate) async fn confirm_cves(ctx: &HostCtx, obs: &HostObservation) -> Vec<CveConfirmation> {
    let mut out = Vec::new();
    if !ctx.cfg.confirm_cves {
        return out;
    }
    let vendor = ctx.cfg.vendor_hint.as_ref().and_then(|hint| hint(obs));
    let is = |v: &str| vendor.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(v));
    let ports: Vec<u16> = obs
        .http
        .iter()
        .filter(|h| h.status.is_some())
        .map(|h| h.port)
        .collect();
    let d = data();
    tracing::info!(
        host = %ctx.ip, vendor = vendor.as_deref().unwrap_or("unknown"),
        "CVE confirmations: read-only requests only"
    );
    if is(&d.cve_2017_7921.vendor) {
        out.extend(cve_2017_7921(ctx, &ports).await);
    }
    if is(&d.cve_2021_36260.vendor) {
        out.extend(cve_2021_36260(ctx, &ports).await);
    }
    if is(&d.cve_2021_33044.vendor) {
        out.extend(cve_2021_33044(ctx, &ports).await);
    }
    for c in &out {
        tracing::info!(host = %ctx.ip, cve = %c.cve, confirmed = ?c.confirmed, "{}", c.detail);
    }
    out
}

async fn get(ctx: &HostCtx, port: u16, path: &str) -> (Option<u16>, Vec<u8>) {
    let addr = ctx.addr(port);
    let _slot = ctx.slot().await;
    match http::get(
        addr,
        &http::host_header(addr),
        path,
        &[],
        &ctx.opts_for(port),
    )
    .await
    {
        Ok(m) => (http::status_code(&m), m.body),
        Err(_) => (None, Vec::new()),
    }
}

async fn post_json(
    ctx: &HostCtx,
    port: u16,
    path: &str,
    body: &Value,
) -> (Option<u16>, Option<Value>) {
    let addr = ctx.addr(port);
    let _slot = ctx.slot().await;
    let sent = http::request(
        addr,
        &http::host_header(addr),
        "POST",
        path,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
        &ctx.opts_for(port),
    )
    .await;
    match sent {
        Ok(m) => (http::status_code(&m), serde_json::from_slice(&m.body).ok()),
        Err(_) => (None, None),
    }
}

/// Names of the root element and its children when the root is `root` (no values kept).
fn element_names(body: &[u8], root: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let doc = roxmltree::Document::parse(text).ok()?;
    let r = doc.root_element();
    if r.tag_name().name() != root {
        return None;
    }
    let children: Vec<&str> = r
        .children()
        .filter(|c| c.is_element())
        .map(|c| c.tag_name().name())
        .take(12)
        .collect();
    Some(format!("{root}: {}", children.join(", ")))
}

async fn cve_2017_7921(ctx: &HostCtx, ports: &[u16]) -> Option<CveConfirmation> {
    let f = &data().cve_2017_7921;
    let mut c = started("CVE-2017-7921", "auth_param_bypass");
    for &port in ports {
        let (s0, _) = get(ctx, port, &f.path).await;
        if s0 == Some(404) || s0.is_none() {
            continue;
        }
        c.port = port;
        c.steps
            .push(step("GET", &f.path, s0, "without credentials"));
        if s0 == Some(200) {
            c.detail = "the resource answers without credentials: nothing to bypass".into();
            return Some(c);
        }
        let magic = format!("{}?auth={}", f.path, f.auth_param);
        let (s1, body) = get(ctx, port, &magic).await;
        let names = (s1 == Some(200))
            .then(|| element_names(&body, &f.root_element))
            .flatten();
        c.steps.push(step(
            "GET",
            format!("{}?auth=<magic>", f.path),
            s1,
            names
                .clone()
                .unwrap_or_else(|| "no device information".into()),
        ));
        let refused = matches!(s0, Some(401 | 403));
        c.confirmed = match (refused, names.is_some()) {
            (true, true) => Some(true),
            (true, false) => Some(false),
            _ => None,
        };
        c.detail = match c.confirmed {
            Some(true) => {
                "device information served to the magic auth parameter after a refusal without it"
                    .into()
            }
            Some(false) => "the magic auth parameter was refused like no credentials".into(),
            None => format!("unexpected status {s0:?} without credentials"),
        };
        return Some(c);
    }
    c.confirmed = Some(false);
    c.detail = "no device information resource on any HTTP port (404)".into();
    Some(c)
}

async fn cve_2021_36260(ctx: &HostCtx, ports: &[u16]) -> Option<CveConfirmation> {
    let f = &data().cve_2021_36260;
    let port = *ports.first()?;
    let (status, _) = get(ctx, port, &f.path).await;
    let note = match status {
        Some(405) => "endpoint present (PUT only; no PUT is sent)",
        Some(404) => "endpoint absent",
        _ => "endpoint state unclear",
    };
    Some(CveConfirmation {
        cve: "CVE-2021-36260".into(),
        port,
        method: "endpoint_presence".into(),
        steps: vec![step("GET", &f.path, status, note)],
        confirmed: None,
        detail: format!(
            "version-based: a command injection cannot be confirmed without writing; {note}"
        ),
    })
}

async fn cve_2021_33044(ctx: &HostCtx, ports: &[u16]) -> Option<CveConfirmation> {
    let f = &data().cve_2021_33044;
    let mut c = started("CVE-2021-33044", "rpc2_netkeyboard_bypass");
    for &port in ports {
        let step1 = json!({"method": "global.login", "id": 1, "params": {"userName": "admin",
            "password": "", "clientType": "Web3.0", "loginType": "Direct"}});
        let (s1, v1) = post_json(ctx, port, &f.login_path, &step1).await;
        let challenge = v1
            .as_ref()
            .filter(|v| v.pointer("/error/code").and_then(Value::as_i64) == Some(f.challenge_code));
        let Some(session) = challenge.and_then(|v| v.get("session")).cloned() else {
            continue;
        };
        c.port = port;
        c.steps.push(step(
            "POST",
            &f.login_path,
            s1,
            "global.login step one: challenge",
        ));
        let step2 = json!({"method": "global.login", "id": 2, "session": session, "params": {
            "userName": "admin", "password": "", "clientType": f.client_type,
            "loginType": "Direct", "authorityType": "Default", "passwordType": "Default"}});
        let (s2, v2) = post_json(ctx, port, &f.login_path, &step2).await;
        let granted = v2
            .as_ref()
            .and_then(|v| v.get("result"))
            .and_then(Value::as_bool)
            == Some(true);
        c.steps.push(step(
            "POST",
            &f.login_path,
            s2,
            format!(
                "global.login step two, clientType {}: {}",
                f.client_type,
                if granted {
                    "session granted"
                } else {
                    "refused"
                }
            ),
        ));
        if granted {
            let granted_session = v2
                .as_ref()
                .and_then(|v| v.get("session"))
                .cloned()
                .unwrap_or(session);
            let logout = json!({"method": "global.logout", "id": 3, "session": granted_session,
                "params": null});
            let (s3, v3) = post_json(ctx, port, &f.rpc_path, &logout).await;
            let ok = v3
                .as_ref()
                .and_then(|v| v.get("result"))
                .and_then(Value::as_bool);
            c.steps.push(step(
                "POST",
                &f.rpc_path,
                s3,
                format!(
                    "global.logout: {}",
                    if ok == Some(true) {
                        "done"
                    } else {
                        "not acknowledged"
                    }
                ),
            ));
            c.confirmed = Some(true);
            c.detail =
                "a session was granted without a password (NetKeyboard login), then logged out"
                    .into();
        } else {
            c.confirmed = Some(false);
            c.detail = "the NetKeyboard login was refused".into();
        }
        return Some(c);
    }
    c.detail = "no two-step RPC2 login on any HTTP port".into();
    Some(c)
}

/// A confirmation of `cve` by `method`, before any request.
fn started(cve: &str, method: &str) -> CveConfirmation {
    CveConfirmation {
        cve: cve.into(),
        method: method.into(),
        ..Default::default()
    }
}

/// One request of a confirmation.
fn step(
    method: &str,
    path: impl Into<String>,
    status: Option<u16>,
    note: impl Into<String>,
) -> ProbeStep {
    ProbeStep {
        method: method.into(),
        path: path.into(),
        status,
        note: note.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_expected_root_gives_element_names() {
        let doc = b"<?xml version=\"1.0\"?><DeviceInfo><deviceName>x</deviceName><model>M</model></DeviceInfo>";
        assert_eq!(
            element_names(doc, "DeviceInfo").as_deref(),
            Some("DeviceInfo: deviceName, model")
        );
        assert_eq!(element_names(doc, "userCheck"), None);
        assert_eq!(element_names(b"<html>login</html>", "DeviceInfo"), None);
        assert_eq!(element_names(b"\xff\xfe<", "DeviceInfo"), None);
    }

    proptest::proptest! {
        /// Hostile answers to the device information request never panic and never confirm
        /// unless they are a DeviceInfo document.
        #[test]
        fn hostile_bodies_never_panic(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048),
        ) {
            if let Some(names) = element_names(&body, "DeviceInfo") {
                proptest::prop_assert!(names.starts_with("DeviceInfo: "));
            }
        }
    }
}
