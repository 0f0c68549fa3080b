//! Dahua-style two-step web login (`POST /RPC2_Login`, JSON-RPC `global.login`) and
//! `global.logout` on `POST /RPC2`, for Dahua-family (RPC2) devices, with the authentication
//! bypass CVE-2021-33044 when the device has the `cve_2021_33044` switch on.
//!
//! - Step one (`password` empty, no session): the challenge (`realm`, `random`, a session).
//! - Step two (that session): granted when the password is the Dahua hash
//!   `upper(md5(user:random:upper(md5(user:realm:password))))`, or, on an affected device,
//!   whenever `clientType` is `NetKeyboard`; otherwise a failed login (counted by the lockout).
//! - `global.logout` with a granted session: `result: true`.
//!
//! Stateless, like the lab's DHIP port: the session and random are derived from the serial.
//! Requests of the one-step lab login (a non-empty password without a session) are left to
//! [`crate::login`]. Facts come from `data/lab/vulns.toml`.

use crate::device::Device;
use crate::reply::Reply;
use crate::vendor_ports::dhip_login_hash;
use camguard_protocols::wire;
use serde_json::{json, Value};

/// The session of a device (never 0).
fn session(device: &Device) -> u64 {
    let h = device.serial_hash();
    (h % 2_000_000_000) | 1
}

fn random(device: &Device) -> String {
    format!("{:09}", session(device) % 1_000_000_000)
}

/// The answer for `path`, or `None` when it is not one of these endpoints (or a one-step
/// login left to the lab's login endpoint).
pub(crate) fn route(
    device: &Device,
    method: &str,
    path: &str,
    msg: &wire::Message,
) -> Option<Reply> {
    let facts = &crate::vulns::data()?.cve_2021_33044;
    if path != facts.login_path && path != facts.rpc_path {
        return None;
    }
    if method != "POST" {
        return None;
    }
    let req: Value = serde_json::from_slice(&msg.body).ok()?;
    let id = req.get("id").and_then(Value::as_i64).unwrap_or(0);
    let sent_session = req.get("session").and_then(|s| match s {
        Value::Number(n) => n.as_u64(),
        Value::String(t) => t.parse().ok(),
        _ => None,
    });
    let ours = session(device);
    let error = |code: i64, message: &str| {
        json!({"id": id, "result": false, "session": 0,
               "error": {"code": code, "message": message}, "params": null})
    };
    let method_name = req.get("method").and_then(Value::as_str).unwrap_or("");
    if path == facts.rpc_path {
        let v = if method_name == "global.logout" && sent_session == Some(ours) {
            json!({"id": id, "result": true, "session": ours, "params": null})
        } else {
            error(facts.invalid_session_code, &facts.invalid_session_message)
        };
        return Some(reply(v));
    }
    if method_name != "global.login" {
        return None;
    }
    let params = req.get("params");
    let field = |k: &str| {
        params
            .and_then(|p| p.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let first_step = sent_session.is_none_or(|s| s == 0);
    if first_step {
        if !field("password").is_empty() {
            return None; // the lab's one-step login
        }
        return Some(reply(json!({
            "id": id, "result": false, "session": ours,
            "error": {"code": facts.challenge_code, "message": facts.challenge_message},
            "params": {"encryption": "Default", "random": random(device), "realm": device.web_realm}
        })));
    }
    if sent_session != Some(ours) {
        return Some(reply(error(
            facts.invalid_session_code,
            &facts.invalid_session_message,
        )));
    }
    if device.spec.vulns.cve_2021_33044 && field("clientType") == facts.bypass_client_type {
        tracing::info!(device = %device.spec.id, "CVE-2021-33044: NetKeyboard login granted");
        return Some(granted(id, ours));
    }
    if let Some(_left) = device.lockout.locked() {
        return Some(reply(error(facts.locked_code, &facts.locked_message)));
    }
    let spec = &device.spec;
    let expected = dhip_login_hash(
        &spec.username,
        &spec.password,
        &device.web_realm,
        &random(device),
    );
    if field("userName") == spec.username && field("password").eq_ignore_ascii_case(&expected) {
        return Some(granted(id, ours));
    }
    let v = match device.lockout.fail() {
        crate::lockout::AfterFailure::Locked(_) => error(facts.locked_code, &facts.locked_message),
        _ => error(facts.refused_code, &facts.refused_message),
    };
    Some(reply(v))
}

fn granted(id: i64, session: u64) -> Reply {
    reply(json!({"id": id, "result": true, "session": session,
                 "params": {"keepAliveInterval": 60}}))
}

fn reply(v: Value) -> Reply {
    Reply::new(200, "OK").with_body("application/json", v.to_string().into_bytes())
}
