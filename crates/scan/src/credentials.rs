//! Opt-in default-credential check with a hard per-device attempt cap.
//!
//! Vendor pairs (by the configured vendor hint) come before generic ones. Each credential is
//! first tried on one protocol that asked for authentication (telnet counts when it showed a
//! login prompt, SSH when it sent an identification string); only when it is accepted there is it tried on the other protocols (accounts
//! are normally shared), so the small budget covers as many distinct credentials as
//! possible. A pair restricted to some protocols (`protocols` in the data) is tried only there. Every attempt is recorded with
//! the password redacted. The cap (default 4) stays below the 5-failure lockout of
//! Decision 724.

use crate::data;
use crate::probe::HostCtx;
use crate::probe_onvif::OnvifService;
use crate::probe_rtsp;
use camguard_model::{redact_secret, sanitize_text, CredentialAttempt, HostObservation};
use camguard_protocols::auth::Credentials;
use camguard_protocols::http;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Rtsp { port: u16, path: String },
    Http { port: u16 },
    Onvif { port: u16 },
    Telnet { port: u16 },
    Ssh { port: u16 },
}

impl Target {
    fn protocol(&self) -> &'static str {
        match self {
            Target::Rtsp { .. } => "rtsp",
            Target::Http { .. } => "http",
            Target::Onvif { .. } => "onvif",
            Target::Telnet { .. } => "telnet",
            Target::Ssh { .. } => "ssh",
        }
    }
    fn port(&self) -> u16 {
        match self {
            Target::Rtsp { port, .. }
            | Target::Http { port }
            | Target::Onvif { port }
            | Target::Telnet { port }
            | Target::Ssh { port } => *port,
        }
    }
}

/// Services that demanded credentials, one per protocol.
fn targets(obs: &HostObservation, onvif: Option<&OnvifService>) -> Vec<Target> {
    let mut t = Vec::new();
    if let Some((port, path)) = obs
        .rtsp
        .iter()
        .find_map(|r| probe_rtsp::first_path_with(r, 401).map(|p| (r.port, p)))
    {
        t.push(Target::Rtsp { port, path });
    }
    if let Some(h) = obs.http.iter().find(|h| {
        h.status == Some(401)
            && matches!(
                h.auth_scheme,
                Some(camguard_model::AuthScheme::Basic | camguard_model::AuthScheme::Digest)
            )
    }) {
        t.push(Target::Http { port: h.port });
    }
    if let Some(o) = onvif.filter(|o| o.obs.requires_auth) {
        t.push(Target::Onvif { port: o.obs.port });
    }
    if let Some(b) = obs
        .telnet
        .iter()
        .find(|b| camguard_protocols::telnet_login::is_login_prompt(&b.banner))
    {
        t.push(Target::Telnet { port: b.port });
    }
    if let Some(b) = obs.ssh.first() {
        t.push(Target::Ssh { port: b.port });
    }
    t
}

async fn attempt(
    ctx: &HostCtx,
    target: &Target,
    creds: &Credentials,
    onvif: &mut Option<OnvifService>,
    obs: &mut HostObservation,
    without_password: &mut bool,
) -> Option<bool> {
    *without_password = false;
    match target {
        Target::Rtsp { port, path } => probe_rtsp::try_credentials(ctx, *port, path, creds).await,
        Target::Http { port } => {
            let addr = ctx.addr(*port);
            let _slot = ctx.slot().await;
            let (m, sent) = http::get_with_credentials(
                addr,
                &http::host_header(addr),
                "/",
                creds,
                &ctx.opts_for(*port),
            )
            .await
            .ok()?;
            if !sent {
                return None;
            }
            Some(!matches!(http::status_code(&m), Some(401 | 403) | None))
        }
        Target::Onvif { .. } => match onvif.as_mut() {
            Some(o) => o.authenticated_identity(ctx, creds).await,
            None => None,
        },
        Target::Telnet { port } => {
            use camguard_protocols::telnet_login::{try_login, LoginOutcome};
            let _slot = ctx.slot().await;
            match try_login(ctx.addr(*port), &creds.username, &creds.password, &ctx.opts)
                .await
                .ok()?
            {
                LoginOutcome::Accepted => Some(true),
                LoginOutcome::Refused => Some(false),
                LoginOutcome::Unknown => None,
            }
        }
        Target::Ssh { port } => {
            let _slot = ctx.slot().await;
            let r = crate::credentials_ssh::try_password(
                ctx.addr(*port),
                &creds.username,
                &creds.password,
                ctx.opts.connect_timeout,
            )
            .await;
            if let Some(k) = r.host_key {
                if !obs.ssh_host_keys.iter().any(|h| h.port == *port) {
                    obs.ssh_host_keys
                        .push(crate::probe_ssh_key::to_model(*port, &k));
                }
            }
            *without_password = r.without_password;
            r.accepted
        }
    }
}

/// Record one attempt. `without_password`: the service let the user in with no password at
/// all (SSH `none`), so what it accepted is the user name alone, recorded with the password
/// [`camguard_model::NO_PASSWORD`] rather than the one that was never sent.
fn record(
    obs: &mut HostObservation,
    t: &Target,
    c: &Credentials,
    accepted: bool,
    without_password: bool,
) {
    obs.credential_attempts.push(CredentialAttempt {
        protocol: t.protocol().to_string(),
        port: t.port(),
        username: sanitize_text(c.username.as_bytes(), 64),
        password_redacted: if without_password {
            camguard_model::NO_PASSWORD.to_string()
        } else {
            redact_secret(&c.password)
        },
        accepted,
    });
}

/// The vendor the configured hint names for this host, from everything observed so far. The
/// ONVIF answers join the observation only when the host is finished, so they are added here:
/// a camera that names its vendor only over ONVIF (Uniview's web and RTSP banners name none)
/// still gets its vendor's pairs first.
fn vendor_hint(
    ctx: &HostCtx,
    obs: &HostObservation,
    onvif: Option<&OnvifService>,
) -> Option<String> {
    let hint = ctx.cfg.vendor_hint.as_ref()?;
    match onvif {
        Some(o) if obs.onvif.is_none() => {
            let mut seen = obs.clone();
            seen.onvif = Some(o.obs.clone());
            hint(&seen)
        }
        _ => hint(obs),
    }
}

/// Run the check; returns the first accepted credential.
pub(crate) async fn check_credentials(
    ctx: &HostCtx,
    obs: &mut HostObservation,
    onvif: &mut Option<OnvifService>,
) -> Option<Credentials> {
    let mut open = targets(obs, onvif.as_ref());
    if open.is_empty() {
        return None;
    }
    let vendor = vendor_hint(ctx, obs, onvif.as_ref());
    let list = data::credentials_for(vendor.as_deref());
    let cap = ctx.cfg.max_credential_attempts as usize;
    tracing::info!(
        host = %ctx.ip,
        vendor = vendor.as_deref().unwrap_or("unknown"),
        cap,
        services = open.len(),
        "trying default credentials"
    );
    let mut attempts = 0usize;
    let mut found: Option<Credentials> = None;
    for entry in list {
        if attempts >= cap || open.is_empty() {
            break;
        }
        let creds = Credentials::new(&entry.username, &entry.password);
        let Some(primary) = open
            .iter()
            .find(|t| entry.applies_to(t.protocol()))
            .cloned()
        else {
            continue;
        };
        attempts += 1;
        let mut no_password = false;
        match attempt(ctx, &primary, &creds, onvif, obs, &mut no_password).await {
            Some(true) => {
                record(obs, &primary, &creds, true, no_password);
                open.retain(|t| t != &primary);
                found.get_or_insert(creds.clone());
                // Shared accounts: the same credential on the other services.
                for other in open.clone() {
                    if attempts >= cap {
                        break;
                    }
                    if !entry.applies_to(other.protocol()) {
                        continue;
                    }
                    attempts += 1;
                    let r = attempt(ctx, &other, &creds, onvif, obs, &mut no_password).await;
                    record(obs, &other, &creds, r == Some(true), no_password);
                    if r != Some(false) {
                        // Accepted, or the service stopped answering: leave it alone.
                        open.retain(|t| t != &other);
                    }
                }
            }
            Some(false) => record(obs, &primary, &creds, false, false),
            None => {
                // The exchange failed: count it (the device may have counted it) and stop
                // using that service.
                record(obs, &primary, &creds, false, false);
                open.retain(|t| t != &primary);
            }
        }
    }
    found
}
