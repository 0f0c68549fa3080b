//! Vendor web login endpoints (Hikvision ISAPI `userCheck`, Dahua `RPC2_Login`, a plain form)
//! and what they say about failed and locked logins. Paths, messages and codes come from
//! `data/lab/login_styles.toml`.

use crate::behaviour::LoginMessages;
use crate::lockout::AfterFailure;
use crate::quirks;
use camguard_protocols::auth::xml_escape;
use serde::Deserialize;
use std::sync::OnceLock;
use std::time::Duration;

const DATA: &str = include_str!("../../../data/lab/login_styles.toml");

/// How a login endpoint talks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Hikvision ISAPI: `GET` with Basic/Digest, `<userCheck>` XML answer.
    IsapiXml,
    /// Dahua JSON-RPC `global.login`; answers are always HTTP 200 with an `error` object.
    Rpc2Json,
    /// `POST` of the login form (`username`, `password`), JSON answer.
    FormJson,
}

/// Vendor error codes of a style.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Codes {
    /// Code of the generic failure.
    pub generic_failure: i64,
    /// Code of "no such user".
    pub no_such_user: i64,
    /// Code of "wrong password".
    pub wrong_password: i64,
    /// Code of "locked".
    pub locked: i64,
}

/// A vendor family's login endpoint, messages and snapshot CGI.
#[derive(Debug, Clone, Deserialize)]
pub struct LoginStyle {
    /// Style name.
    pub id: String,
    /// Personality ids using it.
    pub personalities: Vec<String>,
    /// How the endpoint talks.
    pub format: Format,
    /// HTTP method of the endpoint.
    pub login_method: String,
    /// Path of the endpoint.
    pub login_path: String,
    /// JPEG snapshot CGI.
    pub snapshot_path: String,
    /// The message of `login_messages = "generic"`.
    pub generic_failure: String,
    /// Leaky message: the user does not exist.
    pub no_such_user: String,
    /// Leaky message: the password is wrong.
    pub wrong_password: String,
    /// Message while locked.
    pub locked: String,
    /// Vendor error codes, where the format has them.
    #[serde(default)]
    pub codes: Option<Codes>,
    /// Where the facts come from.
    pub source: String,
}

/// The Xiongmai snapshot CGI.
#[derive(Debug, Clone, Deserialize)]
pub struct Xiongmai {
    /// Path of `webcapture.jpg`.
    pub snapshot_path: String,
    /// Where the facts come from.
    pub source: String,
}

/// The data file.
#[derive(Debug, Clone, Deserialize)]
pub struct LoginData {
    /// Styles; one has id `generic`.
    pub style: Vec<LoginStyle>,
    /// Xiongmai CGI facts.
    pub xiongmai: Xiongmai,
}

/// The embedded login data (`None` only if the shipped file is broken, which a test rules out).
pub fn data() -> Option<&'static LoginData> {
    static DATA_CELL: OnceLock<Option<LoginData>> = OnceLock::new();
    DATA_CELL
        .get_or_init(|| match toml::from_str::<LoginData>(DATA) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::error!("data/lab/login_styles.toml: {e}");
                None
            }
        })
        .as_ref()
}

/// The style of a personality (the `generic` style when none lists it).
pub fn style_for(personality: &str) -> Option<&'static LoginStyle> {
    let d = data()?;
    d.style
        .iter()
        .find(|s| s.personalities.iter().any(|p| p == personality))
        .or_else(|| d.style.iter().find(|s| s.id == "generic"))
}

/// What a login attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Logged in.
    Ok,
    /// Refused.
    Failed {
        /// Whether the user exists.
        user_known: bool,
        /// Failures left before the lock (when the device has a lockout).
        attempts_left: Option<u32>,
    },
    /// Locked for this long.
    Locked(Duration),
}

impl Outcome {
    /// A failure outcome from the lockout's verdict.
    pub fn failed(user_known: bool, after: AfterFailure) -> Outcome {
        match after {
            AfterFailure::Locked(d) => Outcome::Locked(d),
            AfterFailure::AttemptsLeft(n) => Outcome::Failed {
                user_known,
                attempts_left: Some(n),
            },
            AfterFailure::Unlimited => Outcome::Failed {
                user_known,
                attempts_left: None,
            },
        }
    }
}

/// A rendered answer of a login endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub code: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
}

fn secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// Render `outcome` as `style` does; `lockout` says whether the device has a lockout (the
/// ISAPI lock fields appear only then).
pub fn render(
    style: &LoginStyle,
    messages: LoginMessages,
    outcome: Outcome,
    lockout: bool,
    rpc_id: i64,
) -> Answer {
    let failure = |user_known: bool| match messages {
        LoginMessages::Generic => &style.generic_failure,
        LoginMessages::Leaky if user_known => &style.wrong_password,
        LoginMessages::Leaky => &style.no_such_user,
    };
    let leaky = messages == LoginMessages::Leaky;
    match style.format {
        Format::IsapiXml => {
            let (code, status, lock, unlock, retry) = match outcome {
                Outcome::Ok => (200, "OK".to_string(), "unlock", 0, None),
                Outcome::Failed {
                    user_known,
                    attempts_left,
                } => (401, failure(user_known).clone(), "unlock", 0, attempts_left),
                Outcome::Locked(d) => (401, style.locked.clone(), "lock", secs(d), Some(0)),
            };
            let mut body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<userCheck version=\"2.0\" \
                 xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\n<statusValue>{code}</statusValue>\n\
                 <statusString>{}</statusString>\n",
                xml_escape(&status)
            );
            if lockout {
                body.push_str(&format!(
                    "<lockStatus>{lock}</lockStatus>\n<unlockTime>{unlock}</unlockTime>\n"
                ));
                if let (true, Some(n)) = (leaky || lock == "lock", retry) {
                    body.push_str(&format!("<retryLoginTime>{n}</retryLoginTime>\n"));
                }
            }
            body.push_str("</userCheck>\n");
            Answer {
                code,
                content_type: "application/xml; charset=\"UTF-8\"",
                body,
                headers: Vec::new(),
            }
        }
        Format::Rpc2Json => {
            let codes = style.codes;
            let error = |msg: &str, code: Option<i64>| {
                serde_json::json!({
                    "id": rpc_id,
                    "result": false,
                    "error": { "code": code.unwrap_or(0), "message": msg },
                    "params": null,
                })
            };
            let v = match outcome {
                Outcome::Ok => serde_json::json!({
                    "id": rpc_id,
                    "result": true,
                    "params": { "keepAliveInterval": 60 },
                    "session": format!("{:032x}", rand::random::<u128>()),
                }),
                Outcome::Failed { user_known, .. } => {
                    let code = codes.map(|c| match (leaky, user_known) {
                        (false, _) => c.generic_failure,
                        (true, true) => c.wrong_password,
                        (true, false) => c.no_such_user,
                    });
                    error(failure(user_known), code)
                }
                Outcome::Locked(_) => error(&style.locked, codes.map(|c| c.locked)),
            };
            Answer {
                code: 200,
                content_type: "application/json",
                body: v.to_string(),
                headers: Vec::new(),
            }
        }
        Format::FormJson => {
            let (code, v, headers) = match outcome {
                Outcome::Ok => (200, serde_json::json!({ "result": "ok" }), Vec::new()),
                Outcome::Failed {
                    user_known,
                    attempts_left,
                } => {
                    let mut v =
                        serde_json::json!({ "result": "fail", "message": failure(user_known) });
                    if let (true, Some(n)) = (leaky, attempts_left) {
                        v["attempts_left"] = n.into();
                    }
                    (401, v, Vec::new())
                }
                Outcome::Locked(d) => (
                    403,
                    serde_json::json!({ "result": "locked", "message": style.locked, "retry_after": secs(d) }),
                    vec![("Retry-After".to_string(), secs(d).to_string())],
                ),
            };
            Answer {
                code,
                content_type: "application/json",
                body: v.to_string(),
                headers,
            }
        }
    }
}

/// The 403 page of any other protected web resource while the device is locked.
pub fn locked_page(style: &LoginStyle, left: Duration) -> Answer {
    match style.format {
        Format::IsapiXml => {
            let mut a = render(
                style,
                LoginMessages::Generic,
                Outcome::Locked(left),
                true,
                0,
            );
            a.code = 403;
            a
        }
        _ => Answer {
            code: 403,
            content_type: "text/html",
            body: format!(
                "<html><body><h1>403 Forbidden</h1><p>{}</p></body></html>\n",
                xml_escape(&style.locked)
            ),
            headers: vec![("Retry-After".to_string(), secs(left).to_string())],
        },
    }
}

/// User name and password of a login request in `style`'s format (`None` when the request
/// carries none; ISAPI carries them in the `Authorization` header instead). Also the JSON-RPC
/// id to echo.
pub fn credentials(style: &LoginStyle, body: &[u8]) -> Option<(String, String, i64)> {
    match style.format {
        Format::IsapiXml => None,
        Format::Rpc2Json => {
            let v: serde_json::Value = serde_json::from_slice(body).ok()?;
            let p = v.get("params")?;
            Some((
                p.get("userName")?.as_str()?.to_string(),
                p.get("password")?.as_str()?.to_string(),
                v.get("id").and_then(|i| i.as_i64()).unwrap_or(0),
            ))
        }
        Format::FormJson => {
            let text = std::str::from_utf8(body).ok()?;
            let params = quirks::query_params(text.trim());
            Some((
                quirks::param(&params, "username")?.to_string(),
                quirks::param(&params, "password")?.to_string(),
                0,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_styles_parse_with_sources_and_a_generic_fallback() {
        let d = data().expect("login_styles.toml parses");
        assert!(d.style.iter().all(|s| !s.source.is_empty()));
        assert!(!d.xiongmai.source.is_empty());
        assert_eq!(style_for("hikvision").map(|s| s.id.as_str()), Some("isapi"));
        assert_eq!(style_for("dahua").map(|s| s.id.as_str()), Some("rpc2"));
        assert_eq!(
            style_for("no-such-personality").map(|s| s.id.as_str()),
            Some("generic")
        );
    }

    #[test]
    fn generic_messages_do_not_leak_and_leaky_ones_do() {
        let s = style_for("acme").expect("generic");
        let a = |m, known| {
            render(
                s,
                m,
                Outcome::Failed {
                    user_known: known,
                    attempts_left: Some(3),
                },
                true,
                0,
            )
        };
        assert_eq!(
            a(LoginMessages::Generic, true),
            a(LoginMessages::Generic, false)
        );
        assert_ne!(
            a(LoginMessages::Leaky, true),
            a(LoginMessages::Leaky, false)
        );
        assert!(a(LoginMessages::Leaky, true)
            .body
            .contains("\"attempts_left\":3"));
        let locked = render(
            s,
            LoginMessages::Generic,
            Outcome::Locked(Duration::from_millis(299_500)),
            true,
            0,
        );
        assert_eq!(locked.code, 403);
        assert!(
            locked.body.contains("\"retry_after\":300"),
            "{}",
            locked.body
        );
    }

    #[test]
    fn isapi_shows_lock_status() {
        let s = style_for("hikvision").expect("isapi");
        let a = render(
            s,
            LoginMessages::Generic,
            Outcome::Locked(Duration::from_secs(120)),
            true,
            0,
        );
        let doc = roxmltree::Document::parse(&a.body).expect("xml");
        let text = |n: &str| {
            doc.descendants()
                .find(|e| e.tag_name().name() == n)
                .and_then(|e| e.text())
                .map(str::to_string)
        };
        assert_eq!(text("lockStatus").as_deref(), Some("lock"));
        assert_eq!(text("unlockTime").as_deref(), Some("120"));
        assert_eq!(a.code, 401);
    }

    #[test]
    fn credentials_are_read_from_forms_and_rpc() {
        let g = style_for("acme").expect("generic");
        assert_eq!(
            credentials(g, b"username=admin&password=a%26b"),
            Some(("admin".into(), "a&b".into(), 0))
        );
        let d = style_for("dahua").expect("rpc2");
        let body =
            br#"{"method":"global.login","params":{"userName":"admin","password":"x"},"id":7}"#;
        assert_eq!(credentials(d, body), Some(("admin".into(), "x".into(), 7)));
        assert_eq!(credentials(d, b"not json"), None);
    }
}
