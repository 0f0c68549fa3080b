//! Builders for test observations.

use camguard_model::{Endpoint, EndpointState, HostObservation, RtspPathResult};
use chrono::{TimeZone, Utc};

/// A host at 127.0.0.1 with one open endpoint on `port`.
pub(crate) fn alive_host(port: u16) -> HostObservation {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 27, 10, 0, 0)
        .single()
        .unwrap_or_default();
    let mut host = HostObservation::new([127, 0, 0, 1].into(), at);
    // The default scan's SNMP probe ran (silence is "not found").
    host.snmp_probed = vec![161];
    // … and so did the snapshot probe (no HTTP port, or none served a JPEG).
    host.snapshots_probed = true;
    host.endpoints.push(Endpoint {
        port,
        state: EndpointState::Open,
        service: None,
        reason: "connected".into(),
    });
    host
}

/// One DESCRIBE result.
pub(crate) fn describe(path: &str, status: Option<u16>) -> RtspPathResult {
    RtspPathResult {
        path: path.into(),
        source: "route_list".into(),
        status,
        auth_scheme: None,
        realm: None,
        codecs: vec![],
    }
}
