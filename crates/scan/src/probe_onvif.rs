//! ONVIF probe: find the device service among the HTTP ports, read the identity
//! anonymously (a refusal means authentication is required), and ask for stream URIs.
//!
//! Addresses inside answers (XAddrs, stream URIs) are never contacted: only their paths are
//! reused on the scanned address.

use crate::probe::HostCtx;
use camguard_model::{sanitize_text, AnonymousMedia, OnvifObservation};
use camguard_protocols::auth::Credentials;
use camguard_protocols::http::ProtoError;
use camguard_protocols::onvif::{self, OnvifClient, DEVICE_SERVICE};

/// The ONVIF service found on a host, for the later steps.
pub(crate) struct OnvifService {
    pub(crate) obs: OnvifObservation,
    pub(crate) client: OnvifClient,
    media_path: Option<String>,
    /// Paths of the snapshot URIs `GetSnapshotUri` returned (same host only), for the
    /// anonymous snapshot probe.
    pub(crate) snapshot_paths: Vec<String>,
}

/// True when the error still proves a SOAP service answered.
fn is_soap_answer(e: &ProtoError) -> bool {
    matches!(e, ProtoError::NotAuthorized(_) | ProtoError::Fault { .. })
}

/// An ONVIF answer that was refused as unsafe or unusable (DTD/entity expansion, oversized
/// or too deeply nested XML): the port spoke SOAP, and the reason belongs in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RejectedOnvif {
    pub(crate) port: u16,
    pub(crate) reason: String,
}

/// Try `GetSystemDateAndTime` on each port; the first that answers is the ONVIF port.
/// Ports whose answer was XML the parser refused are returned too, with the reason.
pub(crate) async fn find_onvif(
    ctx: &HostCtx,
    ports: &[u16],
) -> (Option<OnvifService>, Vec<RejectedOnvif>) {
    let mut rejected = Vec::new();
    for &port in ports {
        let mut client = OnvifClient::new(ctx.addr(port), &ctx.opts_for(port));
        let answer = {
            let _slot = ctx.slot().await;
            client.get_system_date_and_time(DEVICE_SERVICE).await
        };
        let system_date_time = match answer {
            Ok(t) => Some(t),
            Err(e) if is_soap_answer(&e) => None,
            Err(e @ ProtoError::RefusedSoap(_)) => {
                rejected.push(RejectedOnvif {
                    port,
                    reason: format!("onvif: {e}"),
                });
                continue;
            }
            Err(_) => continue,
        };
        if let Some(t) = &system_date_time {
            if let Ok(device) = chrono::DateTime::parse_from_rfc3339(t) {
                let offset = device.with_timezone(&chrono::Utc) - chrono::Utc::now();
                // Only correct for real skew; ignore absurd clocks beyond ten years.
                if offset.num_days().abs() < 3650 {
                    client.clock_offset = offset;
                }
            }
        }
        let found = OnvifService {
            obs: OnvifObservation {
                port,
                path: DEVICE_SERVICE.to_string(),
                system_date_time,
                ..OnvifObservation::default()
            },
            client,
            media_path: None,
            snapshot_paths: Vec::new(),
        };
        return (Some(found), rejected);
    }
    (None, rejected)
}

impl OnvifService {
    /// Anonymous `GetDeviceInformation`: the answer, or `requires_auth` on a refusal.
    pub(crate) async fn anonymous_identity(&mut self, ctx: &HostCtx) {
        let r = {
            let _slot = ctx.slot().await;
            self.client
                .get_device_information(DEVICE_SERVICE, None)
                .await
        };
        match r {
            Ok(info) => self.obs.device_info_anonymous = Some(info),
            Err(e) if is_soap_answer(&e) => self.obs.requires_auth = true,
            Err(e) => self.obs.error = Some(format!("GetDeviceInformation: {e}")),
        }
    }

    /// Authenticated `GetDeviceInformation`; returns whether the credentials were accepted
    /// (`None` when the exchange failed for another reason).
    pub(crate) async fn authenticated_identity(
        &mut self,
        ctx: &HostCtx,
        creds: &Credentials,
    ) -> Option<bool> {
        let r = {
            let _slot = ctx.slot().await;
            self.client
                .get_device_information(DEVICE_SERVICE, Some(creds))
                .await
        };
        match r {
            Ok(info) => {
                self.obs.device_info_authenticated = Some(info);
                Some(true)
            }
            Err(ProtoError::NotAuthorized(_)) => Some(false),
            Err(e) => {
                self.obs
                    .error
                    .get_or_insert(format!("GetDeviceInformation: {e}"));
                None
            }
        }
    }

    /// `GetCapabilities` → media path, `GetProfiles`, `GetStreamUri` of up to two profiles.
    /// Stream URIs are recorded without user information. Without `creds` the answers (or
    /// the refusal) are also recorded as the anonymous media access.
    pub(crate) async fn stream_uris(&mut self, ctx: &HostCtx, creds: Option<&Credentials>) {
        let media = match &self.media_path {
            Some(p) => p.clone(),
            None => {
                let caps = {
                    let _slot = ctx.slot().await;
                    self.client.get_capabilities(DEVICE_SERVICE, creds).await
                };
                let answered = caps.is_ok();
                let path = caps
                    .ok()
                    .and_then(|c| c.media_xaddr)
                    .and_then(|x| onvif::path_of_url(&x))
                    .unwrap_or_else(|| DEVICE_SERVICE.to_string());
                // A refused anonymous GetCapabilities does not settle the media path.
                if answered || creds.is_some() {
                    self.media_path = Some(path.clone());
                }
                path
            }
        };
        let profiles = {
            let _slot = ctx.slot().await;
            self.client.get_profiles(&media, creds).await
        };
        let profiles = match profiles {
            Ok(p) => p,
            Err(e) => {
                if !is_soap_answer(&e) {
                    self.obs.error.get_or_insert(format!("GetProfiles: {e}"));
                } else if creds.is_none() {
                    self.obs.media_requires_auth = true;
                }
                return;
            }
        };
        let mut uris = Vec::new();
        for p in profiles.iter().take(2) {
            let uri = {
                let _slot = ctx.slot().await;
                self.client.get_stream_uri(&media, &p.token, creds).await
            };
            if let Ok(uri) = uri {
                let clean = strip_userinfo(&uri);
                if !uris.contains(&clean) {
                    uris.push(clean);
                }
            }
        }
        for u in &uris {
            if !self.obs.stream_uris.contains(u) {
                self.obs.stream_uris.push(u.clone());
            }
        }
        if let (Some(p), true) = (profiles.first(), self.snapshot_paths.is_empty()) {
            let uri = {
                let _slot = ctx.slot().await;
                self.client.get_snapshot_uri(&media, &p.token, creds).await
            };
            // Only a URI on the scanned host is followed (its path, on this host's ports).
            if let Some(path) = uri
                .ok()
                .filter(|u| same_host(u, ctx.ip))
                .and_then(|u| onvif::path_of_url(&u))
            {
                self.snapshot_paths
                    .push(sanitize_text(path.as_bytes(), 256));
            }
        }
        if creds.is_none() {
            self.obs.media_anonymous = Some(AnonymousMedia {
                path: sanitize_text(media.as_bytes(), 256),
                profiles: u32::try_from(profiles.len()).unwrap_or(u32::MAX),
                stream_uris: uris,
            });
        }
    }

    /// Paths (with query) of the stream URIs, for RTSP DESCRIBE on the scanned address.
    pub(crate) fn stream_paths(&self) -> Vec<String> {
        self.obs
            .stream_uris
            .iter()
            .filter_map(|u| onvif::path_of_url(u))
            .collect()
    }
}

/// True when the URL's host is `ip` (user information and port ignored).
fn same_host(url: &str, ip: std::net::IpAddr) -> bool {
    let Some((_, rest)) = url.trim().split_once("://") else {
        return false;
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.rsplit_once(':').map_or(host_port, |(h, _)| h),
    };
    host.parse::<std::net::IpAddr>().is_ok_and(|h| h == ip)
}

/// `rtsp://user:pass@host/x` → `rtsp://host/x`, sanitised and bounded.
pub(crate) fn strip_userinfo(uri: &str) -> String {
    let cleaned = match uri.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
                None => uri.to_string(),
            }
        }
        None => uri.to_string(),
    };
    sanitize_text(cleaned.as_bytes(), 512)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_urls_on_the_scanned_host_are_followed() {
        let ip: std::net::IpAddr = "10.0.0.5".parse().unwrap();
        assert!(same_host("http://10.0.0.5/onvif/snapshot", ip));
        assert!(same_host("http://u:p@10.0.0.5:8080/x.jpg", ip));
        assert!(!same_host("http://10.0.0.6/x.jpg", ip));
        assert!(!same_host("http://evil.example/x.jpg", ip));
        assert!(!same_host("/x.jpg", ip));
        let v6: std::net::IpAddr = "::1".parse().unwrap();
        assert!(same_host("http://[::1]:80/a", v6));
    }

    #[test]
    fn userinfo_is_stripped() {
        assert_eq!(
            strip_userinfo("rtsp://admin:12345@192.168.1.64:554/Streaming/Channels/101"),
            "rtsp://192.168.1.64:554/Streaming/Channels/101"
        );
        assert_eq!(strip_userinfo("rtsp://h/a@b"), "rtsp://h/a@b");
        assert_eq!(strip_userinfo("junk"), "junk");
    }
}
