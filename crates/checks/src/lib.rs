//! camguard checks stage: turns one host's observations into findings.
//!
//! What each check means (severity, texts, remediation, provenance) is data in
//! `data/checks/checks.toml`, embedded at build time ([`Catalogue::builtin`]). How each check
//! decides is a small function in its own module, registered in one table that must agree
//! with the catalogue. The stage is pure: no I/O.
//!
//! A check either *ran* (its findings, possibly none, are conclusive) or could not settle the
//! question from the observations (e.g. a `DESCRIBE` answered 200 but the stream proof was not
//! run); only the former is listed in [`CheckOutcome::checks_run`], so a missing finding for a
//! listed check always means "checked, not found".

mod catalogue;
mod check;
mod context;
mod evidence;
pub mod fleet;
mod policy;
mod registry;
#[cfg(test)]
mod testutil;

pub use catalogue::{Catalogue, CatalogueError, CheckDef, Safety, Scope};
pub use context::AssessmentData;
pub use policy::{lockout_policy, LockoutPolicy};
pub use registry::implemented_checks;

use camguard_model::{Finding, HostObservation, Identity, Severity};
use registry::{
    Evaluation, Hit, CONTEXT_IMPLEMENTATIONS, IDENTITY_IMPLEMENTATIONS, IMPLEMENTATIONS,
};

/// Which optional probing the scan did, so checks know what the observations can prove.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// Credential checks were enabled (intrusive checks run only then).
    pub intrusive: bool,
    /// The stream proof was enabled: an RTSP port with a `DESCRIBE` 200 but no
    /// `anonymous_media` then means "no media received" rather than "not tried".
    pub stream_proof: bool,
}

/// What the checks concluded for one host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckOutcome {
    /// Findings, in check order then port order.
    pub findings: Vec<Finding>,
    /// Ids of the checks that ran conclusively, in run order.
    pub checks_run: Vec<String>,
}

impl CheckOutcome {
    /// Record one check's evaluation: a conclusive run lists the check and turns its hits into
    /// findings with the catalogue's id and severity, unless `severity` gives one of its own.
    fn record(
        &mut self,
        def: &CheckDef,
        evaluation: Evaluation,
        severity: impl Fn(&Hit) -> Option<Severity>,
    ) {
        let Evaluation::Ran(hits) = evaluation else {
            return;
        };
        self.checks_run.push(def.id.clone());
        self.findings.extend(hits.into_iter().map(|hit| Finding {
            check_id: def.id.clone(),
            severity: severity(&hit).unwrap_or(def.severity),
            port: hit.port,
            summary: hit.summary,
            evidence: hit.evidence,
        }));
    }
}

/// Run every applicable check of the built-in catalogue on one host.
///
/// An unreachable host (no open endpoint) gets no checks at all. Intrusive checks run only
/// when `opts.intrusive` is set, except those with an `opt_in` flag of their own: they run
/// when that flag collected their observation (without it they stay undecided).
pub fn run_checks(obs: &HostObservation, opts: &CheckOptions) -> CheckOutcome {
    let mut outcome = CheckOutcome::default();
    if !obs.is_alive() {
        return outcome;
    }
    let catalogue = Catalogue::builtin();
    for imp in IMPLEMENTATIONS {
        let Some(def) = catalogue.get(imp.id) else {
            continue;
        };
        if def.safety == Safety::Intrusive && !opts.intrusive && def.opt_in.is_none() {
            continue;
        }
        outcome.record(def, (imp.evaluate)(obs, opts), |_| None);
    }
    outcome
}

/// [`run_checks`], then the checks that need the identification (vendor, model, firmware from
/// the fingerprint engine), such as `VULN.KNOWN_FIRMWARE_CVE`, against the bundled reference
/// data ([`AssessmentData::builtin`]: no registries loaded). Their findings may carry a
/// severity of their own (e.g. from the highest CVSS of the matched advisories).
pub fn run_checks_with_identity(
    obs: &HostObservation,
    identity: &Identity,
    opts: &CheckOptions,
) -> CheckOutcome {
    run_checks_in_context(obs, identity, opts, AssessmentData::builtin())
}

/// [`run_checks_with_identity`] against the given reference data: advisories (bundled plus
/// imported), latest known releases and the registries of certified and warned models.
pub fn run_checks_in_context(
    obs: &HostObservation,
    identity: &Identity,
    opts: &CheckOptions,
    data: &AssessmentData,
) -> CheckOutcome {
    let mut outcome = run_checks(obs, opts);
    if !obs.is_alive() {
        return outcome;
    }
    let catalogue = Catalogue::builtin();
    for imp in IDENTITY_IMPLEMENTATIONS {
        let Some(def) = catalogue.get(imp.id) else {
            continue;
        };
        if def.safety == Safety::Intrusive && !opts.intrusive {
            continue;
        }
        outcome.record(def, (imp.evaluate)(obs, identity, opts), imp.severity);
    }
    for imp in CONTEXT_IMPLEMENTATIONS {
        let Some(def) = catalogue.get(imp.id) else {
            continue;
        };
        outcome.record(def, (imp.evaluate)(obs, identity, data), imp.severity);
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::{
        BannerObservation, CredentialAttempt, DeviceInfo, EndpointState, HttpObservation,
        MediaProof, OnvifObservation, RtspObservation, Severity,
    };

    /// A badly configured camera: each of the five original checks has something to find.
    fn bad_camera() -> HostObservation {
        let mut host = alive_host(80);
        host.http.push(HttpObservation {
            port: 80,
            status: Some(401),
            auth_scheme: Some(camguard_model::AuthScheme::Basic),
            www_authenticate: vec!["Basic realm=\"DVR\"".into()],
            ..Default::default()
        });
        host.rtsp.push(RtspObservation {
            port: 554,
            anonymous_media: Some(MediaProof {
                path: "/11".into(),
                credentials: "anonymous".into(),
                rtp_packets: 30,
                bytes: 20_000,
                codec: Some("H264".into()),
            }),
            ..Default::default()
        });
        host.onvif = Some(OnvifObservation {
            port: 80,
            path: "/onvif/device_service".into(),
            device_info_anonymous: Some(DeviceInfo {
                manufacturer: Some("Dahua".into()),
                ..Default::default()
            }),
            ..Default::default()
        });
        host.telnet.push(BannerObservation {
            port: 23,
            banner: "login:".into(),
        });
        host.credential_attempts.push(CredentialAttempt {
            protocol: "http".into(),
            port: 80,
            username: "admin".into(),
            password_redacted: "a****".into(),
            accepted: true,
        });
        host
    }

    #[test]
    fn safe_checks_run_by_default_and_intrusive_only_when_enabled() {
        let host = bad_camera();
        let safe = run_checks(&host, &CheckOptions::default());
        assert_eq!(
            safe.checks_run[..4],
            [
                "AUTH.NO_AUTH_STREAM",
                "SURF.TELNET",
                "SURF.ANON_DEVICEINFO",
                "COMM.CLEARTEXT_ADMIN"
            ]
        );
        assert!(!safe.checks_run.iter().any(|c| c == "AUTH.DEFAULT_CRED"));
        // The RTSP port never answered a request: cleartext RTSP is undecided.
        assert!(!safe.checks_run.iter().any(|c| c == "COMM.RTSP_CLEARTEXT"));
        assert!(safe
            .findings
            .iter()
            .all(|f| f.check_id != "AUTH.DEFAULT_CRED"));
        let ids: Vec<&str> = safe.findings.iter().map(|f| f.check_id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "AUTH.NO_AUTH_STREAM",
                "SURF.TELNET",
                "SURF.ANON_DEVICEINFO",
                "COMM.CLEARTEXT_ADMIN",
                "COMM.BASIC_OVER_CLEARTEXT"
            ]
        );

        let all = run_checks(
            &host,
            &CheckOptions {
                intrusive: true,
                stream_proof: true,
            },
        );
        assert!(all.checks_run.contains(&"AUTH.DEFAULT_CRED".to_string()));
        let cred = all
            .findings
            .iter()
            .find(|f| f.check_id == "AUTH.DEFAULT_CRED")
            .expect("default credential finding");
        assert_eq!(cred.severity, Severity::Critical);
        assert_eq!(cred.port, Some(80));
    }

    #[test]
    fn severities_come_from_the_catalogue() {
        let out = run_checks(&bad_camera(), &CheckOptions::default());
        for f in &out.findings {
            let def = Catalogue::builtin().get(&f.check_id).expect("known id");
            assert_eq!(f.severity, def.severity, "{}", f.check_id);
        }
    }

    #[test]
    fn unreachable_host_runs_no_checks() {
        let mut host = bad_camera();
        for e in &mut host.endpoints {
            e.state = EndpointState::Timeout;
        }
        let out = run_checks(
            &host,
            &CheckOptions {
                intrusive: true,
                stream_proof: true,
            },
        );
        assert!(out.checks_run.is_empty());
        assert!(out.findings.is_empty());
    }

    #[test]
    fn clean_host_runs_all_checks_with_no_findings() {
        let mut host = alive_host(443);
        host.http.push(HttpObservation {
            port: 443,
            tls: true,
            status: Some(200),
            ..Default::default()
        });
        let patched = Identity {
            camera: true,
            vendor: Some("Hikvision".into()),
            model: Some("DS-2CD2143G0-I".into()),
            firmware: Some("V5.5.800 build 210628".into()),
            ..Default::default()
        };
        // Registries loaded: the model is certified, and the warning list is empty.
        let mut registries = camguard_registry::Registries::default();
        registries.set(camguard_registry::RegistryList::from_entries(
            camguard_registry::ListKind::Certified,
            vec![camguard_registry::Entry {
                vendor: "Hikvision".into(),
                model: "DS-2CD2143G0-I".into(),
                source: "test".into(),
                ..Default::default()
            }],
        ));
        registries.set(camguard_registry::RegistryList::new(
            camguard_registry::ListKind::Warned,
        ));
        let data =
            AssessmentData::new(camguard_advisories::Database::builtin().clone(), registries);
        let out = run_checks_in_context(
            &host,
            &patched,
            &CheckOptions {
                intrusive: true,
                stream_proof: false,
            },
            &data,
        );
        assert!(out.findings.is_empty());
        let host_checks = Catalogue::builtin()
            .all()
            .iter()
            .filter(|c| c.scope == Scope::Host)
            // SURF.P2P_CLOUD runs only on an answer proving a P2P service (silence proves nothing).
            .filter(|c| c.id != "SURF.P2P_CLOUD")
            // Checks with their own opt-in flag run only on their probe's observation.
            .filter(|c| c.opt_in.is_none())
            .count();
        assert_eq!(out.checks_run.len(), host_checks);
    }

    proptest::proptest! {
        /// Hostile strings in TLS, banner and discovery fields never panic any check.
        #[test]
        fn hostile_observation_strings_never_panic(
            text in ".{0,200}",
            bits in proptest::option::of(0u32..100_000),
            versions in proptest::collection::vec(".{0,8}", 0..6),
        ) {
            let mut host = alive_host(443);
            host.tls.push(camguard_model::TlsObservation {
                port: 443,
                versions_accepted: versions.clone(),
                versions_refused: versions,
                cipher: Some(text.clone()),
                certificate: Some(camguard_model::CertificateInfo {
                    subject: text.clone(),
                    issuer: text.clone(),
                    not_after: Some(text.clone()),
                    key_type: Some(text.clone()),
                    key_bits: bits,
                    sha256: text.clone(),
                    spki_sha256: Some(text.clone()),
                    ..Default::default()
                }),
                error: None,
            });
            for list in [&mut host.ftp, &mut host.ssh, &mut host.telnet] {
                list.push(BannerObservation { port: 21, banner: text.clone() });
            }
            host.discovery.push(camguard_model::DiscoveryObservation {
                protocol: "ssdp".into(),
                model: Some(text.clone()),
                serial: Some(text.clone()),
                ..Default::default()
            });
            host.vendor_ports.push(camguard_model::VendorPortObservation {
                port: 34567,
                protocol: "xiongmai_sofia".into(),
                detail: text.clone(),
            });
            let _ = run_checks(&host, &CheckOptions::default());
            let other = host.clone();
            let _ = fleet::shared_keys(&[&host, &other]);
        }
    }
}
