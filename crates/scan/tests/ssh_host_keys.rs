//! SSH host keys without credentials (the key-exchange-only probe behind
//! `COMM.SHARED_SSH_KEY`) and SSH servers that accept the `none` method: against the lab
//! (per-device keys by default, one key on the devices configured `ssh_host_key = "shared"`)
//! and against a small russh server in the test that counts every authentication request.

mod lab_support;

use camguard_model::NO_PASSWORD;
use camguard_scan::credentials_ssh::try_password;
use camguard_scan::data::ProbeKind;
use camguard_scan::probe_ssh_key::fetch_host_key;
use camguard_scan::{scan, ScanConfig, TargetSet};
use futures::StreamExt;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey};
use russh::server::{self, Auth};
use russh::{MethodKind, MethodSet, SshId};
use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const LAB: &str = r#"
seed = 115

[[device]]
id = "clone-a"
personality = "hikvision"
ssh = true
ssh_host_key = "shared"

[[device]]
id = "clone-b"
personality = "hikvision"
default_password = "changed"
ssh = true
ssh_host_key = "shared"

[[device]]
id = "own-key"
personality = "dahua"
default_password = "changed"
ssh = true
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_keys_are_read_without_credentials_shared_ones_alike_unique_ones_apart() {
    use camguard_lab::ssh_server::{fingerprint_for, HostKeyMode};
    let lab = lab_support::start_lab(LAB, 21_500).await;
    let manifest = lab.manifest().clone();
    let ports: Vec<u16> = manifest.devices.iter().map(|d| d.ports["ssh"]).collect();
    let overrides = ports.iter().map(|&p| (p, ProbeKind::Ssh)).collect();
    // The credential check stays off: no login may be tried.
    let config = lab_support::lab_config(ports, overrides);
    assert!(!config.check_credentials);
    let found = lab_support::scan_devices(&manifest, config).await;
    let mut seen = Vec::new();
    for (id, mode) in [
        ("clone-a", HostKeyMode::Shared),
        ("clone-b", HostKeyMode::Shared),
        ("own-key", HostKeyMode::Unique),
    ] {
        let (d, o) = lab_support::by_id(&manifest, &found, id);
        assert!(o.credential_attempts.is_empty(), "{id}: {o:?}");
        assert_eq!(o.ssh_host_keys.len(), 1, "{id}: {:?}", o.ssh_host_keys);
        let k = &o.ssh_host_keys[0];
        assert_eq!(k.port, d.ports["ssh"]);
        assert_eq!(k.algorithm, "ssh-ed25519");
        assert_eq!(k.fingerprint_sha256, fingerprint_for(115, id, mode), "{id}");
        seen.push(k.fingerprint_sha256.clone());
    }
    assert_eq!(seen[0], seen[1], "the clones share one key");
    assert_ne!(seen[0], seen[2], "a unique key differs");
    // Not one login was counted: the changed device is not locked, its account still works.
    let d = manifest.device("clone-b").unwrap();
    let r = try_password(
        SocketAddr::from((d.address, d.ports["ssh"])),
        &d.username,
        &d.password,
        Duration::from_secs(1),
    )
    .await;
    assert_eq!(r.accepted, Some(true));
    lab.shutdown().await;
}

/// What the test server saw.
#[derive(Default)]
struct Seen {
    /// Authentication requests of any method.
    auth_requests: AtomicUsize,
}

struct TestSession {
    seen: Arc<Seen>,
    accept_none: bool,
}

impl server::Handler for TestSession {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        self.seen.auth_requests.fetch_add(1, Ordering::SeqCst);
        Ok(if self.accept_none {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn auth_password(&mut self, _user: &str, _password: &str) -> Result<Auth, Self::Error> {
        self.seen.auth_requests.fetch_add(1, Ordering::SeqCst);
        Ok(Auth::reject())
    }
}

/// A russh server on 127.0.0.1 (an OpenSSH-like identification, an ed25519 key from
/// `key_seed`) that lets anyone in with `none` when `accept_none`.
async fn test_server(accept_none: bool, key_seed: u8) -> (SocketAddr, Arc<Seen>, String) {
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&[key_seed; 32]));
    let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
    let config = Arc::new(server::Config {
        server_id: SshId::Standard(Cow::Borrowed("SSH-2.0-dropbear_2019.78")),
        methods: MethodSet::from(&[MethodKind::None, MethodKind::Password][..]),
        auth_rejection_time: Duration::from_millis(10),
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![key],
        inactivity_timeout: Some(Duration::from_secs(10)),
        ..Default::default()
    });
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let seen = Arc::new(Seen::default());
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let session = TestSession {
                seen: counter.clone(),
                accept_none,
            };
            let config = config.clone();
            tokio::spawn(async move {
                if let Ok(run) = server::run_stream(config, s, session).await {
                    let _ = tokio::time::timeout(Duration::from_secs(15), run).await;
                }
            });
        }
    });
    (addr, seen, fingerprint)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_probe_reads_the_host_key_and_sends_no_authentication_request() {
    let (addr, seen, fingerprint) = test_server(true, 7).await;
    let key = fetch_host_key(addr, Duration::from_secs(1))
        .await
        .expect("host key");
    assert_eq!(key.fingerprint_sha256, fingerprint);
    assert_eq!(key.algorithm, "ssh-ed25519");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(seen.auth_requests.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_ssh_none_accepted_was_recorded_as_the_pair_tried() {
    let (addr, _, _) = test_server(true, 9).await;
    let r = try_password(addr, "root", "hunter2", Duration::from_secs(1)).await;
    assert_eq!(r.accepted, Some(true));
    assert!(r.without_password);

    // A server refusing `none` and the password: a refusal, not a login without password.
    let (refusing, _, _) = test_server(false, 10).await;
    let r = try_password(refusing, "root", "hunter2", Duration::from_secs(1)).await;
    assert_eq!(r.accepted, Some(false));
    assert!(!r.without_password);

    // Through the scanner: the attempt names the user and "(none)", never the password tried.
    let config = ScanConfig {
        check_credentials: true,
        max_credential_attempts: 2,
        ..lab_support::lab_config(vec![addr.port()], vec![(addr.port(), ProbeKind::Ssh)])
    };
    let targets = TargetSet::parse(&["127.0.0.1".to_string()], &[]).expect("targets");
    let found: Vec<_> = scan(Arc::new(targets), Arc::new(config)).collect().await;
    let o = &found[0];
    let ssh: Vec<_> = o
        .credential_attempts
        .iter()
        .filter(|a| a.protocol == "ssh")
        .collect();
    assert_eq!(ssh.len(), 1, "{ssh:?}");
    assert!(ssh[0].accepted);
    assert_eq!(ssh[0].password_redacted, NO_PASSWORD);
    assert!(!ssh[0].username.is_empty());
    assert_eq!(o.ssh_host_keys.len(), 1);
}
