//! Facts of the opt-in intrusive assessments (`data/scan/intrusive.toml`, compiled in): login
//! surfaces, how a lock shows in a login answer, and the CVE confirmation requests.

use serde::Deserialize;
use std::sync::OnceLock;

const TOML: &str = include_str!("../../../data/scan/intrusive.toml");

/// How a login surface takes credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SurfaceFormat {
    /// `GET` with a Basic/Digest `Authorization` header.
    HttpAuth,
    /// `POST` of a JSON-RPC `global.login`.
    Rpc2Json,
    /// `POST` of `username=…&password=…`.
    Form,
}

/// A vendor login endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginSurface {
    /// Name recorded in observations.
    pub id: String,
    /// HTTP method.
    #[allow(dead_code)]
    pub method: String,
    /// Path.
    pub path: String,
    /// How it takes credentials.
    pub format: SurfaceFormat,
    #[allow(dead_code)]
    source: String,
}

/// Lock markers of login answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LockAnswer {
    /// Lower-case texts that show a lock.
    pub markers: Vec<String>,
    /// Lower-case texts removed first (`unlock`).
    pub ignore: Vec<String>,
    #[allow(dead_code)]
    source: String,
}

/// CVE-2017-7921 request facts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Cve7921 {
    /// Vendor the check is sent to.
    pub vendor: String,
    /// Read-only resource.
    pub path: String,
    /// Magic parameter value.
    pub auth_param: String,
    /// Root element of the answer that proves access.
    pub root_element: String,
    #[allow(dead_code)]
    source: String,
}

/// CVE-2021-36260 presence facts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Cve36260 {
    /// Vendor the check is sent to.
    pub vendor: String,
    /// Endpoint path.
    pub path: String,
    #[allow(dead_code)]
    source: String,
}

/// CVE-2021-33044 request facts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Cve33044 {
    /// Vendor the check is sent to.
    pub vendor: String,
    /// Login path.
    pub login_path: String,
    /// RPC path (logout).
    pub rpc_path: String,
    /// The bypassing clientType.
    pub client_type: String,
    /// Error code of the step-one challenge.
    pub challenge_code: i64,
    #[allow(dead_code)]
    source: String,
}

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IntrusiveData {
    /// Login surfaces in trial order.
    pub login_surface: Vec<LoginSurface>,
    /// Lock markers.
    pub lock_answer: LockAnswer,
    /// CVE-2017-7921.
    pub cve_2017_7921: Cve7921,
    /// CVE-2021-36260.
    pub cve_2021_36260: Cve36260,
    /// CVE-2021-33044.
    pub cve_2021_33044: Cve33044,
}

/// The embedded data; the shipped file is checked by this module's tests.
pub(crate) fn data() -> &'static IntrusiveData {
    static CELL: OnceLock<IntrusiveData> = OnceLock::new();
    CELL.get_or_init(|| {
        toml::from_str(TOML)
            .unwrap_or_else(|e| panic!("embedded data/scan/intrusive.toml is invalid: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_file_parses_with_sources() {
        let d = data();
        assert_eq!(d.login_surface.len(), 3);
        assert!(d.login_surface.iter().all(|s| !s.source.is_empty()));
        assert!(!d.lock_answer.source.is_empty());
        assert_eq!(d.cve_2017_7921.auth_param, "YWRtaW46MTEK");
        assert_eq!(d.cve_2021_33044.client_type, "NetKeyboard");
    }
}
