//! The one table that ties catalogue ids to their implementations.

use crate::check::{
    anon_deviceinfo, anon_disclosure, basic_over_cleartext, cert_expired, cert_self_signed,
    cert_weak_key, cleartext_admin, default_cred, ftp, no_auth_stream, rtsp_cleartext, ssh_exposed,
    telnet, tls_legacy, tls_weak_cipher, upnp, vendor_sdk_port, ws_discovery_unicast,
};
use crate::context::AssessmentData;
use crate::CheckOptions;
use camguard_model::{HostObservation, Identity, Severity};

/// One violation a check found, before the catalogue's id and severity are attached.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    /// Port concerned, if one.
    pub port: Option<u16>,
    /// Short English summary specific to this device.
    pub summary: String,
    /// Redacted evidence.
    pub evidence: serde_json::Value,
}

/// What evaluating one check on one host concluded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Evaluation {
    /// The check ran; the hits are its findings (none means "checked, not found").
    Ran(Vec<Hit>),
    /// The observations cannot settle the question (e.g. the stream proof was not run):
    /// the check does not count as run.
    Inconclusive,
}

/// A check implementation.
pub(crate) struct CheckImpl {
    /// Catalogue id.
    pub id: &'static str,
    /// The evaluation function.
    pub evaluate: fn(&HostObservation, &CheckOptions) -> Evaluation,
}

/// Every implemented check, in the order they run. Must agree with the catalogue.
pub(crate) const IMPLEMENTATIONS: &[CheckImpl] = &[
    CheckImpl {
        id: "AUTH.NO_AUTH_STREAM",
        evaluate: no_auth_stream::evaluate,
    },
    CheckImpl {
        id: "AUTH.DEFAULT_CRED",
        evaluate: default_cred::evaluate,
    },
    CheckImpl {
        id: "SURF.TELNET",
        evaluate: telnet::evaluate,
    },
    CheckImpl {
        id: "SURF.ANON_DEVICEINFO",
        evaluate: anon_deviceinfo::evaluate,
    },
    CheckImpl {
        id: "COMM.CLEARTEXT_ADMIN",
        evaluate: cleartext_admin::evaluate,
    },
    CheckImpl {
        id: "COMM.BASIC_OVER_CLEARTEXT",
        evaluate: basic_over_cleartext::evaluate,
    },
    CheckImpl {
        id: "COMM.RTSP_CLEARTEXT",
        evaluate: rtsp_cleartext::evaluate,
    },
    CheckImpl {
        id: "COMM.TLS_LEGACY",
        evaluate: tls_legacy::evaluate,
    },
    CheckImpl {
        id: "COMM.TLS_WEAK_CIPHER",
        evaluate: tls_weak_cipher::evaluate,
    },
    CheckImpl {
        id: "COMM.CERT_EXPIRED",
        evaluate: cert_expired::evaluate,
    },
    CheckImpl {
        id: "COMM.CERT_SELF_SIGNED",
        evaluate: cert_self_signed::evaluate,
    },
    CheckImpl {
        id: "COMM.CERT_WEAK_KEY",
        evaluate: cert_weak_key::evaluate,
    },
    CheckImpl {
        id: "SURF.FTP",
        evaluate: ftp::evaluate,
    },
    CheckImpl {
        id: "SURF.SSH_EXPOSED",
        evaluate: ssh_exposed::evaluate,
    },
    CheckImpl {
        id: "SURF.UPNP",
        evaluate: upnp::evaluate,
    },
    CheckImpl {
        id: "SURF.WS_DISCOVERY_UNICAST",
        evaluate: ws_discovery_unicast::evaluate,
    },
    CheckImpl {
        id: "SURF.VENDOR_SDK_PORT",
        evaluate: vendor_sdk_port::evaluate,
    },
    CheckImpl {
        id: "SURF.ANON_DISCLOSURE",
        evaluate: anon_disclosure::evaluate,
    },
    CheckImpl {
        id: "AUTH.ANON_SNAPSHOT",
        evaluate: crate::check::anon_snapshot::evaluate,
    },
    CheckImpl {
        id: "AUTH.ANON_MEDIA",
        evaluate: crate::check::anon_media::evaluate,
    },
    CheckImpl {
        id: "SURF.SNMP_PUBLIC",
        evaluate: crate::check::snmp_public::evaluate,
    },
    CheckImpl {
        id: "SURF.P2P_CLOUD",
        evaluate: crate::check::p2p_cloud::evaluate,
    },
    CheckImpl {
        id: "AUTH.NO_LOCKOUT",
        evaluate: crate::check::no_lockout::evaluate,
    },
    CheckImpl {
        id: "AUTH.USER_ENUMERATION",
        evaluate: crate::check::user_enumeration::evaluate,
    },
    CheckImpl {
        id: "VULN.CVE_2017_7921_CONFIRMED",
        evaluate: crate::check::cve_confirm::evaluate_7921,
    },
    CheckImpl {
        id: "VULN.CVE_2021_33044_CONFIRMED",
        evaluate: crate::check::cve_confirm::evaluate_33044,
    },
];

/// A check that also needs the identification (vendor, model, firmware); runs after the
/// fingerprint engine, through [`crate::run_checks_with_identity`].
pub(crate) struct IdentityCheckImpl {
    /// Catalogue id.
    pub id: &'static str,
    /// The evaluation function.
    pub evaluate: fn(&HostObservation, &Identity, &CheckOptions) -> Evaluation,
    /// Severity of a hit when it depends on the hit; `None` keeps the catalogue's.
    pub severity: fn(&Hit) -> Option<Severity>,
}

/// Every implemented identity check, in the order they run (after [`IMPLEMENTATIONS`]).
pub(crate) const IDENTITY_IMPLEMENTATIONS: &[IdentityCheckImpl] = &[];

/// A check that compares the identification with reference data ([`AssessmentData`]:
/// advisories, latest releases, registries); runs after the identity checks, through
/// [`crate::run_checks_in_context`].
pub(crate) struct ContextCheckImpl {
    /// Catalogue id.
    pub id: &'static str,
    /// The evaluation function.
    pub evaluate: fn(&HostObservation, &Identity, &AssessmentData) -> Evaluation,
    /// Severity of a hit when it depends on the hit; `None` keeps the catalogue's.
    pub severity: fn(&Hit) -> Option<Severity>,
}

/// Every implemented reference-data check, in the order they run (after
/// [`IDENTITY_IMPLEMENTATIONS`]).
pub(crate) const CONTEXT_IMPLEMENTATIONS: &[ContextCheckImpl] = &[
    ContextCheckImpl {
        id: "VULN.KNOWN_FIRMWARE_CVE",
        evaluate: crate::check::known_cve::evaluate,
        severity: crate::check::known_cve::severity,
    },
    ContextCheckImpl {
        id: "VULN.FIRMWARE_OUTDATED",
        evaluate: crate::check::vuln_firmware_outdated::evaluate,
        severity: crate::check::vuln_firmware_outdated::severity,
    },
    ContextCheckImpl {
        id: "REG.UNCERTIFIED_MODEL",
        evaluate: crate::check::reg_uncertified_model::evaluate,
        severity: crate::check::reg_uncertified_model::severity,
    },
    ContextCheckImpl {
        id: "REG.WARNED_MODEL",
        evaluate: crate::check::reg_warned_model::evaluate,
        severity: crate::check::reg_warned_model::severity,
    },
];

/// Ids of the checks this build implements, in run order.
pub fn implemented_checks() -> impl Iterator<Item = &'static str> {
    IMPLEMENTATIONS
        .iter()
        .map(|c| c.id)
        .chain(IDENTITY_IMPLEMENTATIONS.iter().map(|c| c.id))
        .chain(CONTEXT_IMPLEMENTATIONS.iter().map(|c| c.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Catalogue, Scope};
    use std::collections::BTreeSet;

    #[test]
    fn table_and_catalogue_agree_both_ways() {
        let implemented: BTreeSet<&str> = implemented_checks().collect();
        assert_eq!(
            implemented.len(),
            IMPLEMENTATIONS.len() + IDENTITY_IMPLEMENTATIONS.len() + CONTEXT_IMPLEMENTATIONS.len(),
            "duplicate implementation id"
        );
        let data: BTreeSet<&str> = Catalogue::builtin()
            .all()
            .iter()
            .filter(|c| c.scope == Scope::Host)
            .map(|c| c.id.as_str())
            .collect();
        let missing_impl: Vec<_> = data.difference(&implemented).collect();
        let missing_data: Vec<_> = implemented.difference(&data).collect();
        assert!(
            missing_impl.is_empty(),
            "catalogue ids without implementation: {missing_impl:?}"
        );
        assert!(
            missing_data.is_empty(),
            "implementations without catalogue entry: {missing_data:?}"
        );
    }

    #[test]
    fn fleet_checks_and_catalogue_agree() {
        let data: BTreeSet<&str> = Catalogue::builtin()
            .all()
            .iter()
            .filter(|c| c.scope == Scope::Fleet)
            .map(|c| c.id.as_str())
            .collect();
        let code: BTreeSet<&str> = crate::fleet::FLEET_CHECKS.iter().copied().collect();
        assert_eq!(data, code);
    }
}
