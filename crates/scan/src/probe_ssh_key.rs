//! The SSH host key of every SSH port, without credentials: a key-exchange-only connection
//! (RFC 4253 §7–8). The client records the server's host key when russh asks whether to
//! trust it, then declines it, which ends the connection before any authentication request
//! is sent; no user name or password ever leaves the scanner, so the probe is safe. The
//! whole exchange runs under one deadline ([`KEY_TIME`]), so a server that drips bytes,
//! sends garbage or announces huge packets costs at most that.
//!
//! The fingerprints feed the fleet check `COMM.SHARED_SSH_KEY` (one host key on several
//! devices: cloned firmware images).

use crate::credentials_ssh::{config, HostKey, Recorder};
use crate::probe::HostCtx;
use camguard_model::sanitize_text;
use camguard_model::SshHostKey;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Longest time one key exchange may take, from connect to the host key.
pub const KEY_TIME: Duration = Duration::from_secs(5);

/// The host key of the SSH server at `addr` (`None`: no connection, no key exchange, or
/// the deadline passed). The TCP connect must succeed within `connect_timeout`.
pub async fn fetch_host_key(addr: SocketAddr, connect_timeout: Duration) -> Option<HostKey> {
    let key = Arc::new(Mutex::new(None));
    let recorder = Recorder::declining(key.clone());
    let run = async {
        let stream = tokio::time::timeout(connect_timeout, tokio::net::TcpStream::connect(addr))
            .await
            .ok()?
            .ok()?;
        // Declining the key aborts the exchange: this always ends in an error, never in a
        // session that could authenticate.
        let _ = russh::client::connect_stream(Arc::new(config(KEY_TIME)), stream, recorder).await;
        Some(())
    };
    let _ = tokio::time::timeout(KEY_TIME, run).await;
    let seen = key.lock().unwrap_or_else(|e| e.into_inner()).clone();
    seen
}

/// Record the host key of every SSH port of `obs` that has none yet and that the credential
/// check did not try (its attempt ran the same key exchange: a port that gave it no key gets
/// no second deadline).
pub(crate) async fn collect_host_keys(ctx: &HostCtx, obs: &mut camguard_model::HostObservation) {
    let tried = |p: u16| {
        obs.ssh_host_keys.iter().any(|k| k.port == p)
            || obs
                .credential_attempts
                .iter()
                .any(|a| a.protocol == "ssh" && a.port == p)
    };
    let ports: Vec<u16> = obs
        .ssh
        .iter()
        .map(|b| b.port)
        .filter(|&p| !tried(p))
        .collect();
    for port in ports {
        let _slot = ctx.slot().await;
        if let Some(k) = fetch_host_key(ctx.addr(port), ctx.opts.connect_timeout).await {
            obs.ssh_host_keys.push(to_model(port, &k));
        }
    }
}

/// The observation's form of a host key (bounded, printable text).
pub(crate) fn to_model(port: u16, k: &HostKey) -> SshHostKey {
    SshHostKey {
        port,
        algorithm: sanitize_text(k.algorithm.as_bytes(), 64),
        fingerprint_sha256: sanitize_text(k.fingerprint_sha256.as_bytes(), 128),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials_ssh::tests::server;

    #[tokio::test]
    async fn a_silent_server_costs_at_most_the_key_deadline() {
        let addr = server(Vec::new(), Duration::from_secs(30)).await;
        let t = std::time::Instant::now();
        assert_eq!(fetch_host_key(addr, Duration::from_secs(1)).await, None);
        let took = t.elapsed();
        assert!(took >= KEY_TIME - Duration::from_millis(100), "{took:?}");
        assert!(took < KEY_TIME + Duration::from_secs(1), "{took:?}");
    }

    #[tokio::test]
    async fn garbage_and_huge_packets_give_no_key_and_no_panic() {
        let garbage = server(vec![0xff; 64 * 1024], Duration::from_secs(1)).await;
        assert_eq!(fetch_host_key(garbage, Duration::from_secs(1)).await, None);
        let mut g = b"SSH-2.0-dropbear_2019.78\r\n".to_vec();
        g.extend_from_slice(&[0x7f, 0xff, 0xff, 0xff, 10]);
        g.extend_from_slice(&[0u8; 8192]);
        let huge = server(g, Duration::from_secs(30)).await;
        let t = std::time::Instant::now();
        assert_eq!(fetch_host_key(huge, Duration::from_secs(1)).await, None);
        assert!(t.elapsed() < KEY_TIME + Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_closed_port_gives_no_key() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        assert_eq!(fetch_host_key(addr, Duration::from_secs(1)).await, None);
    }
}
