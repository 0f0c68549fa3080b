//! An SSH server (russh) on devices configured with `ssh`: the personality's identification
//! string, a real key exchange with an ed25519 host key, and `password` authentication
//! against the device's account (an account with an empty password is let in with `none`).
//! Failed logins count towards the device's lockout (shared with HTTP, RTSP, ONVIF and
//! telnet); while the device is locked every login is refused.
//! Every channel (session, exec, forwarding) is refused: a right password proves the account
//! and nothing more runs.
//!
//! Host keys (`ssh_host_key` in a `[[device]]` or `[[fleet]]` entry):
//!
//! - `"unique"` (default): an ed25519 key of the device's own, derived from the lab seed and
//!   the device id ([`device_key`]), as firmware that creates its keys at first boot does; the
//!   same lab file gives the same keys, so tests are reproducible;
//! - `"shared"`: one key generated once per lab process and presented by every device so
//!   configured ([`host_key`]), as a cloned firmware image that ships its keys does.

use crate::authn::{login, Login};
use crate::device::Device;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::PrivateKey;
use russh::server::{self, Auth};
use russh::{MethodKind, MethodSet, SshId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::net::TcpStream;

/// Password attempts allowed on one connection (as the telnet service: three).
pub const MAX_AUTH_ATTEMPTS: usize = 3;
/// Silence after which a connection is closed.
pub const IDLE: Duration = Duration::from_secs(10);
/// Longest life of one connection.
pub const SESSION_TIME: Duration = Duration::from_secs(30);
/// Delay before a refusal (OpenSSH waits too; keeps timing flat).
const REJECTION_TIME: Duration = Duration::from_millis(100);

/// Keys of a `[[device]]` entry that this module owns.
const KEYS: [&str; 1] = ["ssh_host_key"];

/// Which host key a device's SSH server presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HostKeyMode {
    /// The device's own key, derived from the lab seed and the device id.
    #[default]
    Unique,
    /// The key shared by every `shared` device of the lab process (cloned firmware).
    Shared,
}

/// Remove this module's keys from a device entry (so the rest can be parsed strictly).
pub fn split_off(entry: &mut toml::Value) -> toml::Table {
    crate::config::take_keys(entry, &KEYS)
}

/// Parse the keys taken by [`split_off`]; an error names the bad key.
pub fn parse(keys: toml::Table) -> Result<HostKeyMode, (String, String)> {
    match keys.get("ssh_host_key") {
        None => Ok(HostKeyMode::default()),
        Some(v) => HostKeyMode::deserialize(v.clone()).map_err(|_| {
            (
                "ssh_host_key".to_string(),
                "must be \"unique\" or \"shared\"".to_string(),
            )
        }),
    }
}

/// The ed25519 host key of device `id` in a lab seeded with `seed` (mode `unique`): the
/// same seed and id always give the same key, different ids different keys.
pub fn device_key(seed: u64, id: &str) -> PrivateKey {
    let digest = Sha256::new()
        .chain_update(b"camguard-lab ssh host key\0")
        .chain_update(seed.to_le_bytes())
        .chain_update(id.as_bytes())
        .finalize();
    let mut key_seed = [0u8; 32];
    key_seed.copy_from_slice(&digest);
    PrivateKey::from(Ed25519Keypair::from_seed(&key_seed))
}

/// The host key a device presents in a lab seeded with `seed`.
pub fn key_for(seed: u64, id: &str, mode: HostKeyMode) -> PrivateKey {
    match mode {
        HostKeyMode::Unique => device_key(seed, id),
        HostKeyMode::Shared => host_key().clone(),
    }
}

/// `SHA256:` fingerprint (OpenSSH's form) of the host key a device presents.
pub fn fingerprint_for(seed: u64, id: &str, mode: HostKeyMode) -> String {
    key_for(seed, id, mode)
        .public_key()
        .fingerprint(russh::keys::HashAlg::Sha256)
        .to_string()
}

/// The lab's shared host key (ed25519, mode `shared`), generated on first use.
pub fn host_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let seed: [u8; 32] = rand::random();
        PrivateKey::from(Ed25519Keypair::from_seed(&seed))
    })
}

/// `SHA256:` fingerprint of the lab's shared host key (what a client records).
pub fn host_key_fingerprint() -> String {
    host_key()
        .public_key()
        .fingerprint(russh::keys::HashAlg::Sha256)
        .to_string()
}

fn config(banner: &str, key: PrivateKey) -> server::Config {
    server::Config {
        server_id: SshId::Standard(Cow::Owned(banner.to_string())),
        methods: password_only(),
        auth_rejection_time: REJECTION_TIME,
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![key],
        max_auth_attempts: MAX_AUTH_ATTEMPTS,
        inactivity_timeout: Some(IDLE),
        ..Default::default()
    }
}

fn password_only() -> MethodSet {
    MethodSet::from(&[MethodKind::Password][..])
}

struct Session {
    device: Arc<Device>,
}

impl server::Handler for Session {
    type Error = russh::Error;

    /// An account with an empty password logs in with `none`, no password asked (as OpenSSH
    /// with `PermitEmptyPasswords yes` and Dropbear without `-B`); a `none` request is how
    /// clients ask for the methods, so it never counts towards the lockout.
    async fn auth_none(&mut self, user: &str) -> Result<Auth, Self::Error> {
        let d = &self.device;
        let open =
            d.spec.password.is_empty() && user == d.spec.username && d.lockout.locked().is_none();
        tracing::debug!(device = %d.spec.id, open, "ssh none login");
        Ok(if open {
            Auth::Accept
        } else {
            Auth::Reject {
                proceed_with_methods: Some(password_only()),
                partial_success: false,
            }
        })
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        let outcome = login(&self.device, user, password);
        tracing::debug!(device = %self.device.spec.id, ?outcome, "ssh password login");
        Ok(match outcome {
            Login::Ok => Auth::Accept,
            // Keep offering `password`, as OpenSSH and Dropbear do after a wrong one.
            Login::Refused { .. } | Login::Locked(_) => Auth::Reject {
                proceed_with_methods: Some(password_only()),
                partial_success: false,
            },
        })
    }
}

/// Serve one SSH connection (the device's identification string, then the protocol).
pub async fn serve(stream: TcpStream, device: Arc<Device>) {
    let Some((_, banner)) = &device.ssh else {
        return;
    };
    let key = device
        .ssh_key
        .as_deref()
        .cloned()
        .unwrap_or_else(|| host_key().clone());
    let config = Arc::new(config(banner, key));
    let id = device.spec.id.clone();
    let run = async {
        match server::run_stream(config, stream, Session { device }).await {
            Ok(session) => {
                let _ = session.await;
            }
            Err(e) => tracing::debug!(device = %id, error = %e, "ssh connection ended early"),
        }
    };
    let _ = tokio::time::timeout(SESSION_TIME, run).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_keys_are_reproducible_per_device_and_shared_ones_are_one() {
        let a = fingerprint_for(7, "cam-1", HostKeyMode::Unique);
        assert_eq!(a, fingerprint_for(7, "cam-1", HostKeyMode::Unique));
        assert_ne!(a, fingerprint_for(7, "cam-2", HostKeyMode::Unique));
        assert_ne!(a, fingerprint_for(8, "cam-1", HostKeyMode::Unique));
        assert_eq!(
            fingerprint_for(7, "cam-1", HostKeyMode::Shared),
            fingerprint_for(9, "cam-2", HostKeyMode::Shared)
        );
        assert_eq!(
            fingerprint_for(7, "x", HostKeyMode::Shared),
            host_key_fingerprint()
        );
    }

    #[test]
    fn the_switch_parses_and_a_bad_value_names_its_key() {
        let mut v: toml::Value =
            toml::from_str("personality = \"dahua\"\nssh_host_key = \"shared\"\n").unwrap();
        assert_eq!(parse(split_off(&mut v)), Ok(HostKeyMode::Shared));
        assert!(v.get("ssh_host_key").is_none());
        assert_eq!(parse(toml::Table::new()), Ok(HostKeyMode::Unique));
        let mut bad: toml::Value = toml::from_str("ssh_host_key = 3\n").unwrap();
        assert_eq!(parse(split_off(&mut bad)).unwrap_err().0, "ssh_host_key");
    }
}
