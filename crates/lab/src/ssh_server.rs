//! An SSH server (russh) on devices configured with `ssh`: the personality's identification
//! string, a real key exchange with an ed25519 host key, and `password` authentication
//! against the device's account. Failed logins count towards the device's lockout (shared
//! with HTTP, RTSP, ONVIF and telnet); while the device is locked every login is refused.
//! Every channel (session, exec, forwarding) is refused: a right password proves the account
//! and nothing more runs.
//!
//! The host key is generated once per lab process and shared by every device, as firmware
//! that ships one key for a whole model line does.

use crate::authn::{login, Login};
use crate::device::Device;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::PrivateKey;
use russh::server::{self, Auth};
use russh::{MethodKind, MethodSet, SshId};
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

/// The lab's host key (ed25519), generated on first use.
pub fn host_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let seed: [u8; 32] = rand::random();
        PrivateKey::from(Ed25519Keypair::from_seed(&seed))
    })
}

/// `SHA256:` fingerprint of the lab's host key (what a client records).
pub fn host_key_fingerprint() -> String {
    host_key()
        .public_key()
        .fingerprint(russh::keys::HashAlg::Sha256)
        .to_string()
}

fn config(banner: &str) -> server::Config {
    server::Config {
        server_id: SshId::Standard(Cow::Owned(banner.to_string())),
        methods: password_only(),
        auth_rejection_time: REJECTION_TIME,
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![host_key().clone()],
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
    let config = Arc::new(config(banner));
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
