//! TLS probe of one port: one ClientHello per version (TLS 1.3 first, down to SSLv3), each on
//! its own connection, then the certificate's public fields. A port that answers the first
//! ClientHello with plaintext is reported as such (the engine then probes it as plain HTTP).

use crate::probe::HostCtx;
use camguard_model::TlsObservation;
use camguard_protocols::http::ProtoError;
use camguard_protocols::tls::{self, TlsVersion, VersionOutcome};

/// How the port answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TlsOutcome {
    /// At least one version was accepted.
    Tls,
    /// It answered TLS records, but accepted no version offered.
    TlsNoVersion,
    /// It answered the ClientHello with something that is not TLS (text kept).
    NotTls(String),
    /// It answered with broken TLS (truncated or oversized records, …).
    Broken(String),
    /// Nothing usable (silence, resets, closes); the text says which.
    NoAnswer(String),
}

/// Result of the TLS probe.
pub(crate) struct TlsProbe {
    pub(crate) obs: TlsObservation,
    pub(crate) outcome: TlsOutcome,
}

impl TlsProbe {
    /// Whether rustls (TLS 1.2/1.3) can carry HTTP to this port.
    pub(crate) fn http_capable(&self) -> bool {
        self.obs
            .versions_accepted
            .iter()
            .any(|v| v == TlsVersion::Tls12.label() || v == TlsVersion::Tls13.label())
    }
}

/// Whether a refusal still proves the peer speaks TLS (an alert, or another version chosen).
fn spoke_tls(why: &str) -> bool {
    why.starts_with("alert") || why.starts_with("server chose")
}

/// Probe every version on `port`.
pub(crate) async fn probe_tls(ctx: &HostCtx, port: u16) -> TlsProbe {
    let mut obs = TlsObservation {
        port,
        ..TlsObservation::default()
    };
    let mut any_tls = false;
    let mut silent: Option<String> = None;
    for (i, version) in TlsVersion::ALL.into_iter().enumerate() {
        let r = {
            let _slot = ctx.slot().await;
            tls::offer(ctx.addr(port), version, &ctx.opts).await
        };
        match r {
            Ok(VersionOutcome::Accepted {
                cipher,
                certificates,
            }) => {
                any_tls = true;
                obs.versions_accepted.push(version.label().to_string());
                if obs.cipher.is_none() {
                    obs.cipher = Some(tls::cipher_name(cipher));
                }
                if obs.certificate.is_none() {
                    if let Some(der) = certificates.first() {
                        match tls::certificate_info(der) {
                            Ok(c) => obs.certificate = Some(c),
                            Err(e) => obs.error = Some(format!("certificate: {e}")),
                        }
                    }
                }
            }
            Ok(VersionOutcome::Refused(why)) => {
                any_tls |= spoke_tls(&why);
                if !spoke_tls(&why) && silent.is_none() {
                    silent = Some(why);
                }
                obs.versions_refused.push(version.label().to_string());
            }
            Err(ProtoError::Unexpected(text)) if text.starts_with("not TLS") && !any_tls => {
                obs.error = Some(text.clone());
                return TlsProbe {
                    obs,
                    outcome: TlsOutcome::NotTls(text),
                };
            }
            Err(e) if i == 0 => {
                // The first offer decides whether the port is worth four more connections.
                let text = e.to_string();
                obs.error = Some(text.clone());
                let outcome = match e {
                    ProtoError::Unexpected(_) => TlsOutcome::Broken(text),
                    _ => TlsOutcome::NoAnswer(text),
                };
                return TlsProbe { obs, outcome };
            }
            Err(e) => {
                obs.versions_refused.push(version.label().to_string());
                obs.error
                    .get_or_insert_with(|| format!("{}: {e}", version.label()));
            }
        }
    }
    let outcome = if !obs.versions_accepted.is_empty() {
        TlsOutcome::Tls
    } else if any_tls {
        TlsOutcome::TlsNoVersion
    } else {
        TlsOutcome::NoAnswer(silent.unwrap_or_else(|| "no version answered".into()))
    };
    // TLS 1.3 only: the certificate travelled encrypted; read it from a real handshake.
    if outcome == TlsOutcome::Tls && obs.certificate.is_none() {
        let mut opts = ctx.opts.clone();
        opts.tls = true;
        let _slot = ctx.slot().await;
        if let Ok(s) = tls::connect(ctx.addr(port), &opts).await {
            if let Some(der) = s.peer_certificates().first() {
                obs.certificate = tls::certificate_info(der).ok();
            }
        }
    }
    TlsProbe { obs, outcome }
}

/// One TLS 1.2 offer: does the port speak TLS at all? (for plaintext ports that answered
/// nothing recognisable).
pub(crate) async fn speaks_tls(ctx: &HostCtx, port: u16) -> bool {
    let _slot = ctx.slot().await;
    match tls::offer(ctx.addr(port), TlsVersion::Tls12, &ctx.opts).await {
        Ok(VersionOutcome::Accepted { .. }) => true,
        Ok(VersionOutcome::Refused(why)) => spoke_tls(&why),
        Err(_) => false,
    }
}
