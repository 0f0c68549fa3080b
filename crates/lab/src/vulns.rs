//! Per-device switches for famous camera flaws (`cve_2017_7921`, `cve_2021_33044`), their facts
//! (`data/lab/vulns.toml`), the HTTP routes that model them ([`crate::vuln_hikvision`],
//! [`crate::vuln_dahua`]), and the per-device request log that lets tests prove which requests
//! a scan sent.
//!
//! A switch that is off gives the patched variant: the same endpoints, answering as a fixed
//! firmware does.

use crate::device::Device;
use crate::personality::Personality;
use crate::reply::Reply;
use camguard_protocols::wire;
use serde::{Deserialize, Serialize};
use std::sync::{Mutex, OnceLock};

const DATA: &str = include_str!("../../../data/lab/vulns.toml");

/// Keys of a `[[device]]` entry that this module owns.
const KEYS: [&str; 2] = ["cve_2017_7921", "cve_2021_33044"];

/// Which famous flaws a device carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Vulns {
    /// Hikvision improper authentication: the `auth=` magic parameter is accepted.
    pub cve_2017_7921: bool,
    /// Dahua authentication bypass: `global.login` with clientType `NetKeyboard` is granted.
    pub cve_2021_33044: bool,
}

/// Facts of CVE-2017-7921.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cve2017_7921 {
    /// Value of the magic `auth` query parameter.
    pub auth_param: String,
    /// Paths answering the device information document.
    pub device_info_paths: Vec<String>,
    /// Provenance.
    pub source: String,
}

/// Facts of CVE-2021-36260 (the endpoint only; the lab never models the injection).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cve2021_36260 {
    /// Path of the endpoint.
    pub path: String,
    /// The one method it allows.
    pub allow: String,
    /// Provenance.
    pub source: String,
}

/// Facts of CVE-2021-33044.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cve2021_33044 {
    /// Login path.
    pub login_path: String,
    /// RPC path (logout).
    pub rpc_path: String,
    /// clientType that bypasses the password on affected firmware.
    pub bypass_client_type: String,
    /// Code of the first-step challenge.
    pub challenge_code: i64,
    /// Message of the first-step challenge.
    pub challenge_message: String,
    /// Code of a refused login.
    pub refused_code: i64,
    /// Message of a refused login.
    pub refused_message: String,
    /// Code while locked.
    pub locked_code: i64,
    /// Message while locked.
    pub locked_message: String,
    /// Code of an unknown session.
    pub invalid_session_code: i64,
    /// Message of an unknown session.
    pub invalid_session_message: String,
    /// Provenance.
    pub source: String,
}

/// The data file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VulnData {
    /// CVE-2017-7921.
    pub cve_2017_7921: Cve2017_7921,
    /// CVE-2021-36260.
    pub cve_2021_36260: Cve2021_36260,
    /// CVE-2021-33044.
    pub cve_2021_33044: Cve2021_33044,
}

/// The embedded facts (`None` only if the shipped file is broken, which a test rules out).
pub fn data() -> Option<&'static VulnData> {
    static CELL: OnceLock<Option<VulnData>> = OnceLock::new();
    CELL.get_or_init(|| match toml::from_str::<VulnData>(DATA) {
        Ok(d) => Some(d),
        Err(e) => {
            tracing::error!("data/lab/vulns.toml: {e}");
            None
        }
    })
    .as_ref()
}

/// The login style id of a personality (`isapi`, `rpc2`, `generic`).
pub(crate) fn style_id(personality: &str) -> &'static str {
    crate::login::style_for(personality)
        .map(|s| s.id.as_str())
        .unwrap_or("generic")
}

impl Vulns {
    /// A switch that is on although the personality is of another family: `(key, message)`.
    pub fn check(&self, p: &Personality) -> Result<(), (String, String)> {
        let style = style_id(&p.id);
        if self.cve_2017_7921 && style != "isapi" {
            return Err((
                "cve_2017_7921".into(),
                format!("personality {:?} is not Hikvision-style (ISAPI)", p.id),
            ));
        }
        if self.cve_2021_33044 && style != "rpc2" {
            return Err((
                "cve_2021_33044".into(),
                format!("personality {:?} is not Dahua-style (RPC2)", p.id),
            ));
        }
        Ok(())
    }
}

/// Remove this module's keys from a device entry (so the rest can be parsed strictly).
pub fn split_off(entry: &mut toml::Value) -> toml::Table {
    crate::config::take_keys(entry, &KEYS)
}

/// Parse the keys taken by [`split_off`]; an error names the bad key.
pub fn parse(keys: toml::Table) -> Result<Vulns, (String, String)> {
    for (k, v) in &keys {
        if !v.is_bool() {
            return Err((k.clone(), "must be true or false".into()));
        }
    }
    Vulns::deserialize(toml::Value::Table(keys))
        .map_err(|e| ("?".to_string(), e.message().to_string()))
}

/// The answer of a flaw's endpoint, or `None` when the request is for another route.
pub(crate) fn route(
    device: &Device,
    method: &str,
    path: &str,
    query: &str,
    msg: &wire::Message,
) -> Option<Reply> {
    match style_id(&device.spec.personality) {
        "isapi" => crate::vuln_hikvision::route(device, method, path, query, msg),
        "rpc2" => crate::vuln_dahua::route(device, method, path, msg),
        _ => None,
    }
}

/// Requests a device's HTTP servers received, as `METHOD target` lines, in order; bounded, so
/// a long-running lab keeps at most ~250 KiB per device.
#[derive(Debug, Default)]
pub struct RequestLog {
    lines: Mutex<Vec<String>>,
    dropped: std::sync::atomic::AtomicU64,
}

/// Most requests a [`RequestLog`] keeps (later ones are only counted, see
/// [`RequestLog::dropped`]).
pub const MAX_LOGGED_REQUESTS: usize = 1_000;

impl RequestLog {
    /// Record one request (target bounded to 256 characters).
    pub fn record(&self, method: &str, target: &str) {
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        if lines.len() < MAX_LOGGED_REQUESTS {
            let target: String = target.chars().take(256).collect();
            lines.push(format!("{method} {target}"));
        } else {
            self.dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Requests received after the log was full (not kept).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Every request recorded so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_data_parses_with_sources() {
        let d = data().expect("vulns.toml parses");
        assert!(!d.cve_2017_7921.source.is_empty());
        assert!(!d.cve_2021_36260.source.is_empty());
        assert!(!d.cve_2021_33044.source.is_empty());
        assert_eq!(d.cve_2017_7921.auth_param, "YWRtaW46MTEK");
    }

    #[test]
    fn switches_split_parse_and_belong_to_their_family() {
        let mut v: toml::Value =
            toml::from_str("personality = \"dahua\"\ncve_2021_33044 = true\n").unwrap();
        let keys = split_off(&mut v);
        assert!(v.as_table().is_some_and(|t| t.len() == 1));
        let s = parse(keys).expect("parses");
        assert!(s.cve_2021_33044 && !s.cve_2017_7921);
        let dahua = Personality::get("dahua").expect("dahua");
        let hik = Personality::get("hikvision").expect("hikvision");
        assert!(s.check(dahua).is_ok());
        assert_eq!(s.check(hik).unwrap_err().0, "cve_2021_33044");
        let mut bad: toml::Value = toml::from_str("cve_2017_7921 = 1\n").unwrap();
        assert_eq!(parse(split_off(&mut bad)).unwrap_err().0, "cve_2017_7921");
    }

    #[test]
    fn request_log_is_bounded() {
        let log = RequestLog::default();
        for i in 0..MAX_LOGGED_REQUESTS + 5 {
            log.record("GET", &format!("/{i}"));
        }
        assert_eq!(log.lines().len(), MAX_LOGGED_REQUESTS);
        assert_eq!(log.lines()[0], "GET /0");
        assert_eq!(log.dropped(), 5);
    }
}
