//! One SSH password login attempt for the opt-in default-credential check (RFC 4252 §8, and
//! `keyboard-interactive` (RFC 4256) when the server offers only that). A server that lets the
//! user in with `none` (no password at all) is reported as such ([`SshAttempt::without_password`]):
//! the password tried was never sent.
//!
//! The key exchange accepts any host key (a scanner has no known_hosts) and reports its
//! SHA-256 fingerprint, so a fleet sharing one key shows up. After the verdict the client
//! disconnects at once: it never opens a channel, so no command or shell ever runs. The whole
//! attempt (connect, identification, key exchange, authentication) runs under one deadline, so
//! a server that drips bytes, sends garbage or announces huge packets costs at most
//! [`ATTEMPT_TIME`].

use russh::client::{self, AuthResult, KeyboardInteractiveAuthResponse};
use russh::keys::{HashAlg, PublicKeyOrCertificate};
use russh::{Disconnect, MethodKind, SshId};
use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Longest time one attempt may take, from connect to verdict.
pub const ATTEMPT_TIME: Duration = Duration::from_secs(8);
/// Identification string sent to the server.
const CLIENT_ID: &str = "SSH-2.0-camguard";
/// Largest packet the client announces (russh's default; the server's are bounded by russh).
const MAX_PACKET: u32 = 32 * 1024;
/// Keyboard-interactive rounds answered before giving up (each may carry several prompts).
const MAX_ROUNDS: usize = 3;

/// The server's host key as seen in the key exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKey {
    /// Key algorithm (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, …).
    pub algorithm: String,
    /// `SHA256:` fingerprint in OpenSSH's base64 form.
    pub fingerprint_sha256: String,
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshAttempt {
    /// `Some(true)` accepted, `Some(false)` refused, `None` no verdict (the connection, key
    /// exchange or deadline failed, or the server offers neither password method).
    pub accepted: Option<bool>,
    /// The host key, when the key exchange got that far.
    pub host_key: Option<HostKey>,
    /// The server let the user in with the `none` method: no password at all was needed
    /// (`accepted` is then `Some(true)`).
    pub without_password: bool,
}

/// Remembers the server's host key; accepts it (to go on to authentication) or declines it
/// (to end the connection right after the key exchange, see `probe_ssh_key`).
pub(crate) struct Recorder {
    key: Arc<Mutex<Option<HostKey>>>,
    accept: bool,
}

impl Recorder {
    /// Records the key and goes on.
    fn accepting(key: Arc<Mutex<Option<HostKey>>>) -> Recorder {
        Recorder { key, accept: true }
    }

    /// Records the key and ends the connection before any authentication.
    pub(crate) fn declining(key: Arc<Mutex<Option<HostKey>>>) -> Recorder {
        Recorder { key, accept: false }
    }
}

impl client::Handler for Recorder {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let public = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            PublicKeyOrCertificate::Certificate(c) => c.public_key().clone().into(),
        };
        let seen = HostKey {
            algorithm: public.algorithm().as_str().to_string(),
            fingerprint_sha256: public.fingerprint(HashAlg::Sha256).to_string(),
        };
        *self.key.lock().unwrap_or_else(|e| e.into_inner()) = Some(seen);
        Ok(self.accept)
    }
}

/// The client configuration: camguard's identification, bounded packets, and `idle` of
/// silence at most.
pub(crate) fn config(idle: Duration) -> client::Config {
    client::Config {
        client_id: SshId::Standard(Cow::Borrowed(CLIENT_ID)),
        maximum_packet_size: MAX_PACKET,
        inactivity_timeout: Some(idle),
        ..Default::default()
    }
}

/// Try `username` / `password` on the SSH server at `addr`; the TCP connect must succeed
/// within `connect_timeout`, the whole attempt within [`ATTEMPT_TIME`].
pub async fn try_password(
    addr: SocketAddr,
    username: &str,
    password: &str,
    connect_timeout: Duration,
) -> SshAttempt {
    let key = Arc::new(Mutex::new(None));
    let run = attempt(addr, username, password, connect_timeout, key.clone());
    let verdict = tokio::time::timeout(ATTEMPT_TIME, run).await.ok().flatten();
    let host_key = key.lock().unwrap_or_else(|e| e.into_inner()).clone();
    SshAttempt {
        accepted: verdict.map(|v| v != Verdict::Refused),
        host_key,
        without_password: verdict == Some(Verdict::NoPassword),
    }
}

/// How authentication ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// The password was accepted.
    Accepted,
    /// The password was refused.
    Refused,
    /// `none` was accepted: no password needed (and none sent).
    NoPassword,
}

impl From<bool> for Verdict {
    fn from(ok: bool) -> Verdict {
        if ok {
            Verdict::Accepted
        } else {
            Verdict::Refused
        }
    }
}

async fn attempt(
    addr: SocketAddr,
    username: &str,
    password: &str,
    connect_timeout: Duration,
    key: Arc<Mutex<Option<HostKey>>>,
) -> Option<Verdict> {
    let stream = tokio::time::timeout(connect_timeout, tokio::net::TcpStream::connect(addr))
        .await
        .ok()?
        .ok()?;
    let mut session = client::connect_stream(
        Arc::new(config(ATTEMPT_TIME)),
        stream,
        Recorder::accepting(key),
    )
    .await
    .map_err(|e| tracing::debug!(%addr, error = %e, "ssh handshake failed"))
    .ok()?;
    let verdict = authenticate(&mut session, username, password).await;
    // Disconnect at once: no channel is ever opened.
    let _ = session
        .disconnect(Disconnect::ByApplication, "", "en")
        .await;
    verdict
}

/// Ask with `none` which methods the server takes (OpenSSH does not count that request as a
/// failure; it also reveals an account without a password), then try the password with the
/// `password` method, or with `keyboard-interactive` when only that is offered.
async fn authenticate(
    session: &mut client::Handle<Recorder>,
    username: &str,
    password: &str,
) -> Option<Verdict> {
    let methods = match session.authenticate_none(username).await.ok()? {
        // The account needs no password at all.
        AuthResult::Success => return Some(Verdict::NoPassword),
        AuthResult::Failure {
            remaining_methods, ..
        } => remaining_methods,
    };
    if methods.contains(&MethodKind::Password) {
        let r = session
            .authenticate_password(username, password)
            .await
            .ok()?;
        return Some(r.success().into());
    }
    if methods.contains(&MethodKind::KeyboardInteractive) {
        return keyboard_interactive(session, username, password)
            .await
            .map(Verdict::from);
    }
    // Only public keys (or nothing we speak): no verdict on the password.
    None
}

/// Answer every prompt of up to [`MAX_ROUNDS`] rounds with the password (a round without
/// prompts is answered empty, as OpenSSH does).
async fn keyboard_interactive(
    session: &mut client::Handle<Recorder>,
    username: &str,
    password: &str,
) -> Option<bool> {
    let mut reply = session
        .authenticate_keyboard_interactive_start(username, None::<String>)
        .await
        .ok()?;
    for _ in 0..MAX_ROUNDS {
        match reply {
            KeyboardInteractiveAuthResponse::Success => return Some(true),
            KeyboardInteractiveAuthResponse::Failure { .. } => return Some(false),
            KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => {
                let answers = prompts.iter().map(|_| password.to_string()).collect();
                reply = session
                    .authenticate_keyboard_interactive_respond(answers)
                    .await
                    .ok()?;
            }
        }
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server that sends `greeting` then reads (and drops) whatever comes, for `hold`
    /// (also the hostile peer of the key probe's tests).
    pub(crate) async fn server(greeting: Vec<u8>, hold: Duration) -> SocketAddr {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let greeting = greeting.clone();
                tokio::spawn(async move {
                    let _ = s.write_all(&greeting).await;
                    let mut buf = [0u8; 4096];
                    let _ = tokio::time::timeout(hold, async {
                        while let Ok(n) = s.read(&mut buf).await {
                            if n == 0 {
                                break;
                            }
                        }
                    })
                    .await;
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn garbage_instead_of_an_identification_is_no_verdict() {
        let addr = server(vec![0xff; 64 * 1024], Duration::from_secs(1)).await;
        let t = std::time::Instant::now();
        let r = try_password(addr, "admin", "admin", Duration::from_secs(1)).await;
        assert_eq!(r.accepted, None);
        assert_eq!(r.host_key, None);
        assert!(t.elapsed() < ATTEMPT_TIME + Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_huge_packet_after_the_identification_is_no_verdict() {
        // Packet length 0x7fffffff: the client must refuse it, not allocate it.
        let mut g = b"SSH-2.0-dropbear_2019.78\r\n".to_vec();
        g.extend_from_slice(&[0x7f, 0xff, 0xff, 0xff, 10]);
        g.extend_from_slice(&[0u8; 8192]);
        let addr = server(g, Duration::from_secs(30)).await;
        let t = std::time::Instant::now();
        let r = try_password(addr, "admin", "admin", Duration::from_secs(1)).await;
        assert_eq!(r.accepted, None);
        assert!(t.elapsed() < ATTEMPT_TIME + Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_silent_server_costs_at_most_the_attempt_deadline() {
        let addr = server(Vec::new(), Duration::from_secs(30)).await;
        let t = std::time::Instant::now();
        let r = try_password(addr, "admin", "admin", Duration::from_secs(1)).await;
        assert_eq!(r.accepted, None);
        let took = t.elapsed();
        assert!(
            took >= ATTEMPT_TIME - Duration::from_millis(100),
            "{took:?}"
        );
        assert!(took < ATTEMPT_TIME + Duration::from_secs(1), "{took:?}");
    }

    #[tokio::test]
    async fn a_closed_port_is_no_verdict() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        let r = try_password(addr, "admin", "admin", Duration::from_secs(1)).await;
        assert_eq!(r.accepted, None);
    }
}
