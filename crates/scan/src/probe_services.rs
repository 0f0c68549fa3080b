//! Probes of the single-exchange services: FTP and SSH banners, the vendor private ports and
//! RTMP. Each returns the observation (when the service was recognised) and the endpoint's
//! reason.

use crate::data::ProbeKind;
use crate::probe::HostCtx;
use crate::reason::{kind_of_error, ReasonKind};
use camguard_model::{BannerObservation, Service, VendorPortObservation};
use camguard_protocols::http::ProtoError;
use camguard_protocols::vendor::{self, VendorProbe};
use camguard_protocols::{banner, rtmp};

/// What a service probe found on one port.
pub(crate) enum Found {
    /// An FTP greeting.
    Ftp(BannerObservation),
    /// An SSH identification string.
    Ssh(BannerObservation),
    /// A vendor protocol or RTMP answer.
    Vendor(VendorPortObservation),
    /// Nothing recognised.
    Nothing,
}

/// Result of one service probe.
pub(crate) struct ServiceProbe {
    pub(crate) port: u16,
    pub(crate) found: Found,
    pub(crate) service: Service,
    pub(crate) reason: String,
}

fn failure(port: u16, what: &str, e: &ProtoError) -> ServiceProbe {
    let text = e.to_string();
    let kind = match e {
        ProtoError::Timeout(_) | ProtoError::Closed => ReasonKind::Unknown,
        ProtoError::Unexpected(_) => ReasonKind::Unknown,
        _ => kind_of_error(&text),
    };
    ServiceProbe {
        port,
        found: Found::Nothing,
        service: Service::Unknown,
        reason: kind.reason(format_args!("{what}: {text}")),
    }
}

/// Run the probe `kind` (one of Ftp, Ssh, Dahua, Sofia, HikvisionSdk, Rtmp) on `port`.
pub(crate) async fn probe_service(ctx: &HostCtx, port: u16, kind: ProbeKind) -> ServiceProbe {
    let addr = ctx.addr(port);
    let _slot = ctx.slot().await;
    match kind {
        ProbeKind::Ftp => match banner::read_ftp(addr, &ctx.opts).await {
            Ok(b) => {
                // 530/421 greetings still identify FTP; a login is never tried.
                let reason = ReasonKind::Identified
                    .reason(format_args!("ftp greeting ({} chars)", b.chars().count()));
                ServiceProbe {
                    port,
                    found: Found::Ftp(BannerObservation { port, banner: b }),
                    service: Service::Ftp,
                    reason,
                }
            }
            Err(e) => failure(port, "ftp", &e),
        },
        ProbeKind::Ssh => match banner::read_ssh(addr, &ctx.opts).await {
            Ok(b) => ServiceProbe {
                port,
                reason: ReasonKind::Identified.reason(format_args!("ssh {b}")),
                found: Found::Ssh(BannerObservation { port, banner: b }),
                service: Service::Ssh,
            },
            Err(e) => failure(port, "ssh", &e),
        },
        ProbeKind::Rtmp => match rtmp::handshake(addr, &ctx.opts).await {
            Ok(a) => ServiceProbe {
                port,
                found: Found::Vendor(VendorPortObservation {
                    port,
                    protocol: "rtmp".into(),
                    detail: format!("S0 version {}", a.version),
                }),
                service: Service::Rtmp,
                reason: ReasonKind::Identified
                    .reason(format_args!("rtmp handshake (S0 version {})", a.version)),
            },
            Err(e) => failure(port, "rtmp", &e),
        },
        ProbeKind::Dahua | ProbeKind::Sofia | ProbeKind::HikvisionSdk => {
            let which = match kind {
                ProbeKind::Dahua => VendorProbe::Dahua,
                ProbeKind::Sofia => VendorProbe::Sofia,
                _ => VendorProbe::HikvisionSdk,
            };
            match vendor::probe(addr, which, &ctx.opts).await {
                Ok(a) => ServiceProbe {
                    port,
                    reason: ReasonKind::Identified
                        .reason(format_args!("{} ({})", a.protocol, a.detail)),
                    found: Found::Vendor(VendorPortObservation {
                        port,
                        protocol: a.protocol.to_string(),
                        detail: a.detail,
                    }),
                    service: Service::VendorPrivate,
                },
                Err(e) => failure(port, "vendor protocol", &e),
            }
        }
        other => ServiceProbe {
            port,
            found: Found::Nothing,
            service: Service::Unknown,
            reason: ReasonKind::Unknown.reason(format_args!("no service probe for {other:?}")),
        },
    }
}
