//! Server-side Basic/Digest checks shared by the web UI and RTSP.

use crate::config::AuthMode;
use crate::device::Device;
use camguard_protocols::auth::{
    basic_challenge, digest_challenge, parse_authorization, verify, Authorization, DigestAlgorithm,
};

/// Outcome of an authentication check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// The request may proceed.
    Granted,
    /// Refuse with 401 and this `WWW-Authenticate` value.
    Challenge(String),
}

/// Check the `Authorization` header of a request for `mode`.
///
/// `qop` says whether Digest challenges offer `qop="auth"` (web UIs do, camera RTSP servers
/// usually do not). A Digest answer must carry a nonce this device issued recently.
pub fn check(
    mode: AuthMode,
    authorization: Option<&str>,
    method: &str,
    device: &Device,
    realm: &str,
    qop: bool,
) -> Access {
    let user = &device.spec.username;
    let pass = &device.spec.password;
    let ok = match (mode, authorization.and_then(parse_authorization)) {
        (AuthMode::None, _) => return Access::Granted,
        (AuthMode::Basic, Some(a @ Authorization::Basic { .. })) => {
            verify(&a, method, user, pass, realm)
        }
        (AuthMode::Digest, Some(Authorization::Digest(d))) => {
            let nonce_ok = d.get("nonce").is_some_and(|n| device.nonces.valid(n));
            let alg_ok = d
                .get("algorithm")
                .is_none_or(|a| a.eq_ignore_ascii_case("md5"));
            nonce_ok && alg_ok && verify(&Authorization::Digest(d), method, user, pass, realm)
        }
        _ => false,
    };
    if ok {
        return Access::Granted;
    }
    Access::Challenge(challenge(mode, device, realm, qop))
}

/// The `WWW-Authenticate` value for `mode` (empty for [`AuthMode::None`]).
pub fn challenge(mode: AuthMode, device: &Device, realm: &str, qop: bool) -> String {
    match mode {
        AuthMode::None => String::new(),
        AuthMode::Basic => basic_challenge(realm),
        AuthMode::Digest => {
            digest_challenge(realm, &device.nonces.issue(), DigestAlgorithm::Md5, qop)
        }
    }
}
