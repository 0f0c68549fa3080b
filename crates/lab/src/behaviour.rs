//! Per-device behaviour switches of a lab file: authentication variants (Digest algorithm, qop
//! offer, quoting; credentials in the URL), brute-force lockout, login messages, and the quirks
//! that fool scanners. Every switch defaults to the lab's classic behaviour, so lab files and
//! generated labs that do not name a switch are unchanged. `data/lab/example.toml` documents
//! the keys.

use crate::lockout::LockoutPolicy;
use serde::{Deserialize, Serialize};

/// Digest hash algorithm offered in challenges (and required in answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum DigestAlgo {
    /// `MD5` (RFC 2617; the default).
    #[default]
    #[serde(rename = "md5")]
    Md5,
    /// `MD5-sess`.
    #[serde(rename = "md5-sess")]
    Md5Sess,
    /// `SHA-256` (RFC 7616).
    #[serde(rename = "sha-256")]
    Sha256,
    /// `SHA-256-sess`.
    #[serde(rename = "sha-256-sess")]
    Sha256Sess,
}

/// The `qop` a Digest challenge offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QopOffer {
    /// No `qop` (RFC 2069 style, usual for camera RTSP servers).
    #[serde(rename = "none")]
    None,
    /// `qop="auth"` (usual for web UIs).
    #[serde(rename = "auth")]
    Auth,
    /// `qop="auth,auth-int"`.
    #[serde(rename = "auth,auth-int")]
    AuthAndAuthInt,
}

/// How the parameters of a Digest challenge are quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quoting {
    /// RFC 7616: quoted strings in double quotes, tokens (`algorithm`) bare.
    #[default]
    Standard,
    /// Every value bare, even realms with spaces (`realm=Login to 1A2B3C`).
    Unquoted,
    /// Values in single quotes (`realm='IPCamera'`).
    Single,
}

/// Ways a device accepts credentials inside the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UrlCredentials {
    /// `?user=…&password=…` on the snapshot CGIs (XMEye `webcapture.jpg` style).
    UserPassword,
    /// `?loginuse=…&loginpas=…` on the snapshot CGIs (`snapshot.cgi` of P2P "IPCAM" clones).
    Loginuse,
    /// Xiongmai RTSP: `rtsp://host:554/user=admin&password=&channel=1&stream=0.sdp`.
    Xiongmai,
}

/// What the web login endpoint tells about a failed login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginMessages {
    /// One message for every failure.
    Generic,
    /// "User does not exist" vs "wrong password", plus the attempts left before the lock.
    Leaky,
}

/// A device's behaviour switches.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Behaviour {
    /// Digest algorithm (`digest_algorithm`).
    pub digest_algorithm: DigestAlgo,
    /// Digest `qop` offer (`digest_qop`); `None`: web UI offers `auth`, RTSP none.
    pub digest_qop: Option<QopOffer>,
    /// Digest challenge quoting (`digest_quoting`).
    pub digest_quoting: Quoting,
    /// Accepted URL credential forms (`url_credentials`); empty: none, and no snapshot CGI.
    pub url_credentials: Vec<UrlCredentials>,
    /// Brute-force lockout (`lockout = "qd724"` plus optional thresholds); `None`: no lockout.
    pub lockout: Option<LockoutPolicy>,
    /// Web login endpoint and its messages (`login_messages`); `None`: no login endpoint.
    pub login_messages: Option<LoginMessages>,
    /// RTSP answers 200 + SDP to any unknown path without authentication, and sends no media.
    pub rtsp_any_path_200: bool,
    /// Authentication before path lookup (`auth_before_path`): `true` gives 401 before 404,
    /// `false` 404 before 401; `None`: RTSP checks auth first, the web UI the path first.
    pub auth_before_path: Option<bool>,
    /// Web UI refusals are `200 OK` carrying a `WWW-Authenticate` challenge.
    pub http_200_with_challenge: bool,
    /// Web responses are HTTP/1.0 without `Content-Length`, ending when the connection closes.
    pub http10_no_length: bool,
}

impl Behaviour {
    /// True when the switch `u` is on.
    pub fn accepts_url_credentials(&self, u: UrlCredentials) -> bool {
        self.url_credentials.contains(&u)
    }
}

/// The lab-file keys of a device entry that belong to [`Behaviour`].
pub const KEYS: [&str; 13] = [
    "digest_algorithm",
    "digest_qop",
    "digest_quoting",
    "url_credentials",
    "lockout",
    "lockout_failures",
    "lockout_window_secs",
    "lockout_secs",
    "login_messages",
    "rtsp_any_path_200",
    "auth_before_path",
    "http_200_with_challenge",
    "http10_no_length",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum LockoutName {
    None,
    Qd724,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(UrlCredentials),
    Many(Vec<UrlCredentials>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBehaviour {
    digest_algorithm: Option<DigestAlgo>,
    digest_qop: Option<QopOffer>,
    digest_quoting: Option<Quoting>,
    url_credentials: Option<OneOrMany>,
    lockout: Option<LockoutName>,
    lockout_failures: Option<u32>,
    lockout_window_secs: Option<u64>,
    lockout_secs: Option<u64>,
    login_messages: Option<LoginMessages>,
    rtsp_any_path_200: Option<bool>,
    auth_before_path: Option<bool>,
    http_200_with_challenge: Option<bool>,
    http10_no_length: Option<bool>,
}

/// Remove the behaviour keys from a device entry and return them.
pub fn split_off(entry: &mut toml::Value) -> toml::Table {
    crate::config::take_keys(entry, &KEYS)
}

/// Parse the behaviour keys of one device; an error names the bad key and says what is wrong.
pub fn parse(keys: toml::Table) -> Result<Behaviour, (String, String)> {
    let raw = RawBehaviour::deserialize(toml::Value::Table(keys.clone())).map_err(|e| {
        // Name the first key that fails on its own.
        let culprit = keys
            .iter()
            .find(|(k, v)| {
                let mut one = toml::Table::new();
                one.insert((*k).clone(), (*v).clone());
                RawBehaviour::deserialize(toml::Value::Table(one)).is_err()
            })
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| "?".into());
        (culprit, e.message().to_string())
    })?;
    let thresholds = [
        ("lockout_failures", raw.lockout_failures.map(u64::from)),
        ("lockout_window_secs", raw.lockout_window_secs),
        ("lockout_secs", raw.lockout_secs),
    ];
    let lockout = match raw.lockout {
        Some(LockoutName::Qd724) => {
            for (key, v) in thresholds {
                if v.is_some_and(|v| !(1..=86_400).contains(&v)) {
                    return Err((key.into(), "must be between 1 and 86400".into()));
                }
            }
            let d = LockoutPolicy::QD724;
            Some(LockoutPolicy {
                failures: raw.lockout_failures.unwrap_or(d.failures),
                window_secs: raw.lockout_window_secs.unwrap_or(d.window_secs),
                lock_secs: raw.lockout_secs.unwrap_or(d.lock_secs),
            })
        }
        Some(LockoutName::None) | None => {
            if let Some((key, _)) = thresholds.iter().find(|(_, v)| v.is_some()) {
                return Err((
                    (*key).into(),
                    "thresholds need `lockout = \"qd724\"`".into(),
                ));
            }
            None
        }
    };
    let mut url_credentials = match raw.url_credentials {
        None => Vec::new(),
        Some(OneOrMany::One(u)) => vec![u],
        Some(OneOrMany::Many(v)) => v,
    };
    url_credentials.dedup();
    Ok(Behaviour {
        digest_algorithm: raw.digest_algorithm.unwrap_or_default(),
        digest_qop: raw.digest_qop,
        digest_quoting: raw.digest_quoting.unwrap_or_default(),
        url_credentials,
        lockout,
        login_messages: raw.login_messages,
        rtsp_any_path_200: raw.rtsp_any_path_200.unwrap_or(false),
        auth_before_path: raw.auth_before_path,
        http_200_with_challenge: raw.http_200_with_challenge.unwrap_or(false),
        http10_no_length: raw.http10_no_length.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(s: &str) -> toml::Table {
        toml::from_str(s).expect("toml")
    }

    #[test]
    fn absent_keys_give_the_classic_behaviour() {
        assert_eq!(parse(toml::Table::new()), Ok(Behaviour::default()));
    }

    #[test]
    fn every_switch_parses() {
        let b = parse(table(
            r#"digest_algorithm = "sha-256"
               digest_qop = "auth,auth-int"
               digest_quoting = "single"
               url_credentials = ["loginuse", "xiongmai"]
               lockout = "qd724"
               lockout_failures = 3
               login_messages = "leaky"
               rtsp_any_path_200 = true
               auth_before_path = false
               http_200_with_challenge = true
               http10_no_length = true"#,
        ))
        .expect("parses");
        assert_eq!(b.digest_algorithm, DigestAlgo::Sha256);
        assert_eq!(b.digest_qop, Some(QopOffer::AuthAndAuthInt));
        assert_eq!(b.digest_quoting, Quoting::Single);
        assert_eq!(
            b.url_credentials,
            [UrlCredentials::Loginuse, UrlCredentials::Xiongmai]
        );
        assert_eq!(
            b.lockout,
            Some(LockoutPolicy {
                failures: 3,
                window_secs: 30,
                lock_secs: 300
            })
        );
        assert_eq!(b.login_messages, Some(LoginMessages::Leaky));
        assert!(b.rtsp_any_path_200 && b.http_200_with_challenge && b.http10_no_length);
        assert_eq!(b.auth_before_path, Some(false));
        let one = parse(table("url_credentials = \"user_password\"")).expect("one");
        assert_eq!(one.url_credentials, [UrlCredentials::UserPassword]);
    }

    #[test]
    fn errors_name_the_key() {
        for (text, key) in [
            ("digest_algorithm = \"sha-1\"", "digest_algorithm"),
            ("lockout = \"forever\"", "lockout"),
            ("lockout_secs = 10", "lockout_secs"),
            (
                "lockout = \"qd724\"\nlockout_failures = 0",
                "lockout_failures",
            ),
            (
                "digest_quoting = \"standard\"\nhttp10_no_length = 1",
                "http10_no_length",
            ),
        ] {
            match parse(table(text)) {
                Err((k, _)) => assert_eq!(k, key, "{text}"),
                Ok(b) => panic!("{text}: parsed as {b:?}"),
            }
        }
    }

    #[test]
    fn split_off_takes_only_behaviour_keys() {
        let mut v = toml::Value::Table(table("personality = \"dahua\"\nlockout = \"qd724\""));
        let keys = split_off(&mut v);
        assert!(keys.contains_key("lockout"));
        assert!(v.as_table().is_some_and(|t| t.contains_key("personality")));
        assert!(!v.as_table().is_some_and(|t| t.contains_key("lockout")));
    }
}
