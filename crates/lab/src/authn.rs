//! Server-side Basic/Digest checks shared by the web UI and RTSP, and plain user/password
//! checks (URL credentials, login forms). Every wrong credential counts towards the device's
//! lockout; while it is locked every login is refused, the right one included.
//!
//! Requests without credentials (a client's first, challenge-fetching request) and Digest
//! answers to expired nonces are not failed logins.

use crate::behaviour::{DigestAlgo, QopOffer};
use crate::config::AuthMode;
use crate::device::Device;
use crate::lockout::AfterFailure;
use crate::quirks;
use camguard_protocols::auth::{
    basic_challenge, parse_authorization, verify, verify_with_body, Authorization, DigestAlgorithm,
};
use std::time::Duration;

/// Outcome of an authentication check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// The request may proceed.
    Granted,
    /// No usable credentials (none, another scheme, a stale nonce): refuse with 401 and this
    /// `WWW-Authenticate` value. Not a failed login.
    Challenge(String),
    /// Wrong credentials (a failed login): refuse with 401 and this challenge.
    Refused {
        /// `WWW-Authenticate` value.
        challenge: String,
        /// Whether the user name exists on the device.
        user_known: bool,
        /// What the failure did to the lockout.
        after: AfterFailure,
    },
    /// The device is locked for this long; every login is refused.
    Locked(Duration),
}

/// The protocols' Digest algorithm of a lab switch.
pub fn algorithm(a: DigestAlgo) -> DigestAlgorithm {
    match a {
        DigestAlgo::Md5 => DigestAlgorithm::Md5,
        DigestAlgo::Md5Sess => DigestAlgorithm::Md5Sess,
        DigestAlgo::Sha256 => DigestAlgorithm::Sha256,
        DigestAlgo::Sha256Sess => DigestAlgorithm::Sha256Sess,
    }
}

/// Check the `Authorization` header of a request for `mode`.
///
/// `default_qop` is the protocol's usual Digest `qop` offer (web UIs offer `auth`, camera
/// RTSP servers usually nothing), used unless the device's `digest_qop` switch says otherwise.
/// A Digest answer must use the device's algorithm and carry a nonce it issued recently.
/// `body` is the request body (for `qop=auth-int`).
pub fn check(
    mode: AuthMode,
    authorization: Option<&str>,
    method: &str,
    body: &[u8],
    device: &Device,
    realm: &str,
    default_qop: QopOffer,
) -> Access {
    if mode == AuthMode::None {
        return Access::Granted;
    }
    if let Some(left) = device.lockout.locked() {
        return Access::Locked(left);
    }
    let user = &device.spec.username;
    let pass = &device.spec.password;
    let challenge = |stale: bool| {
        let mut c = self::challenge(mode, device, realm, default_qop);
        if stale {
            c.push_str(", stale=true");
        }
        c
    };
    let Some(auth) = authorization.and_then(parse_authorization) else {
        return Access::Challenge(challenge(false));
    };
    let ok = match (mode, &auth) {
        (AuthMode::Basic, Authorization::Basic { .. }) => verify(&auth, method, user, pass, realm),
        (AuthMode::Digest, Authorization::Digest(d)) => {
            if !d.get("nonce").is_some_and(|n| device.nonces.valid(n)) {
                return Access::Challenge(challenge(true));
            }
            let want = algorithm(device.spec.behaviour.digest_algorithm);
            let alg_ok = d
                .get("algorithm")
                .unwrap_or("MD5")
                .eq_ignore_ascii_case(want.as_str());
            if !alg_ok {
                return Access::Challenge(challenge(false));
            }
            verify_with_body(&auth, method, body, user, pass, realm)
        }
        _ => return Access::Challenge(challenge(false)),
    };
    if ok {
        return Access::Granted;
    }
    let user_known = auth.username() == Some(user.as_str());
    match device.lockout.fail() {
        AfterFailure::Locked(d) => Access::Locked(d),
        after => Access::Refused {
            challenge: challenge(false),
            user_known,
            after,
        },
    }
}

/// Outcome of a user/password login (URL credentials, login endpoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// Right credentials, device not locked.
    Ok,
    /// Wrong credentials.
    Refused {
        /// Whether the user name exists on the device.
        user_known: bool,
        /// What the failure did to the lockout.
        after: AfterFailure,
    },
    /// The device is locked for this long.
    Locked(Duration),
}

/// Check a user name and password given in clear; a wrong pair is a failed login.
pub fn login(device: &Device, username: &str, password: &str) -> Login {
    if let Some(left) = device.lockout.locked() {
        return Login::Locked(left);
    }
    let given = Authorization::Basic {
        username: username.to_string(),
        password: password.to_string(),
    };
    if verify(
        &given,
        "GET",
        &device.spec.username,
        &device.spec.password,
        "",
    ) {
        return Login::Ok;
    }
    match device.lockout.fail() {
        AfterFailure::Locked(d) => Login::Locked(d),
        after => Login::Refused {
            user_known: username == device.spec.username,
            after,
        },
    }
}

/// The `WWW-Authenticate` value for `mode` (empty for [`AuthMode::None`]).
pub fn challenge(mode: AuthMode, device: &Device, realm: &str, default_qop: QopOffer) -> String {
    let b = &device.spec.behaviour;
    match mode {
        AuthMode::None => String::new(),
        AuthMode::Basic => basic_challenge(realm),
        AuthMode::Digest => quirks::digest_challenge(
            realm,
            &device.nonces.issue(),
            algorithm(b.digest_algorithm),
            b.digest_qop.unwrap_or(default_qop),
            b.digest_quoting,
        ),
    }
}
