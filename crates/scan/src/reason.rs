//! The reason every endpoint ends with: one category from a small documented set, then the
//! detail (`"closed: connection refused"`, `"auth required: http 401; onvif device service"`).
//!
//! | category | meaning |
//! | --- | --- |
//! | `identified` | open, and a probe recognised the service |
//! | `open, unknown` | open, but nothing camguard recognises answered (silent, or an unknown protocol) |
//! | `closed` | the connection was refused |
//! | `filtered` | no answer to the connect within the deadline (or unreachable) |
//! | `tls mismatch` | a TLS port answered in plaintext, or a plaintext port speaks TLS |
//! | `auth required` | the service was recognised and refuses anonymous access |
//! | `protocol error` | the service answered, but broke its protocol (malformed, oversized, refused XML) |

use camguard_model::{EndpointState, HostObservation, Service};

/// One category of the set above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonKind {
    /// Open and identified.
    Identified,
    /// Open and unknown.
    Unknown,
    /// Closed.
    Closed,
    /// Filtered / timeout.
    Filtered,
    /// TLS expected and plaintext found, or the reverse.
    TlsMismatch,
    /// Identified, authentication required.
    AuthRequired,
    /// The service broke its protocol.
    ProtocolError,
}

impl ReasonKind {
    /// Every category.
    pub const ALL: [ReasonKind; 7] = [
        ReasonKind::Identified,
        ReasonKind::Unknown,
        ReasonKind::Closed,
        ReasonKind::Filtered,
        ReasonKind::TlsMismatch,
        ReasonKind::AuthRequired,
        ReasonKind::ProtocolError,
    ];

    /// The label that starts a reason.
    pub fn label(self) -> &'static str {
        match self {
            ReasonKind::Identified => "identified",
            ReasonKind::Unknown => "open, unknown",
            ReasonKind::Closed => "closed",
            ReasonKind::Filtered => "filtered",
            ReasonKind::TlsMismatch => "tls mismatch",
            ReasonKind::AuthRequired => "auth required",
            ReasonKind::ProtocolError => "protocol error",
        }
    }

    /// `"<label>: <detail>"`.
    pub fn reason(self, detail: impl std::fmt::Display) -> String {
        format!("{}: {detail}", self.label())
    }

    /// The category a reason starts with, if any.
    pub fn of(reason: &str) -> Option<ReasonKind> {
        Self::ALL
            .into_iter()
            .find(|k| reason.starts_with(k.label()) && reason[k.label().len()..].starts_with(':'))
    }
}

/// Category of a probe error text: a broken answer is a protocol error, silence or a
/// dropped connection leaves the service unknown.
pub(crate) fn kind_of_error(text: &str) -> ReasonKind {
    const BROKEN: [&str; 6] = [
        "bad answer",
        "malformed",
        "refused",
        "unusable XML",
        "exceeds the limit",
        "tls:",
    ];
    if BROKEN.iter().any(|b| text.contains(b)) && !text.contains("connection refused") {
        ReasonKind::ProtocolError
    } else {
        ReasonKind::Unknown
    }
}

/// Give every endpoint whose reason has no category one from its state (a safety net: the
/// probes set categories themselves).
pub(crate) fn categorise_rest(obs: &mut HostObservation) {
    for e in &mut obs.endpoints {
        if ReasonKind::of(&e.reason).is_some() {
            continue;
        }
        let kind = match (e.state, e.service) {
            (EndpointState::Closed, _) => ReasonKind::Closed,
            (EndpointState::Timeout | EndpointState::Error, _) => ReasonKind::Filtered,
            (EndpointState::Open, None | Some(Service::Unknown)) => ReasonKind::Unknown,
            (EndpointState::Open, Some(_)) => ReasonKind::Identified,
        };
        e.reason = kind.reason(&e.reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        for k in ReasonKind::ALL {
            assert_eq!(ReasonKind::of(&k.reason("x")), Some(k));
        }
        assert_eq!(ReasonKind::of("open; silent"), None);
        assert_eq!(
            kind_of_error("bad answer: too many header lines"),
            ReasonKind::ProtocolError
        );
        assert_eq!(kind_of_error("connection refused"), ReasonKind::Unknown);
        assert_eq!(
            kind_of_error("no complete answer within 2s"),
            ReasonKind::Unknown
        );
    }
}
