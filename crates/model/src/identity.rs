//! Identification: the observation fields fingerprint rules read, and what they conclude.
//!
//! [`FingerprintInput`] and [`Identity`] are the stable contract of `camguard identify`
//! (one JSON object per line in, one per line out). Do not rename fields.

use crate::observation::HostObservation;
use serde::{Deserialize, Serialize};

/// Observation fields that fingerprint rules can match. Any subset may be present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FingerprintInput {
    /// HTTP `Server` header.
    pub http_server: Option<String>,
    /// HTML `<title>`.
    pub html_title: Option<String>,
    /// HTTP `WWW-Authenticate` header (first one, or all joined by `, `).
    pub www_authenticate: Option<String>,
    /// RTSP `Server` header.
    pub rtsp_server: Option<String>,
    /// Telnet banner or login prompt.
    pub telnet_banner: Option<String>,
    /// SSH identification string.
    pub ssh_banner: Option<String>,
    /// FTP greeting.
    pub ftp_banner: Option<String>,
    /// TLS certificate subject (RFC 4514 string).
    pub tls_subject: Option<String>,
    /// TLS certificate issuer (RFC 4514 string).
    pub tls_issuer: Option<String>,
    /// MD5 of the favicon, lower-case hex.
    pub favicon_md5: Option<String>,
    /// SNMP sysDescr.
    pub snmp_sysdescr: Option<String>,
    /// HTTP `Set-Cookie` header(s).
    pub http_set_cookie: Option<String>,
    /// Start of the HTTP body.
    pub http_body: Option<String>,
    /// ONVIF `GetDeviceInformation` Manufacturer.
    pub onvif_manufacturer: Option<String>,
    /// ONVIF `GetDeviceInformation` Model.
    pub onvif_model: Option<String>,
    /// ONVIF `GetDeviceInformation` FirmwareVersion.
    pub onvif_firmware: Option<String>,
    /// Model a discovery answer names without authentication: the WS-Discovery
    /// `onvif://www.onvif.org/hardware/…` scope, or the UPnP description's model.
    pub discovery_model: Option<String>,
}

impl FingerprintInput {
    /// Names of all fields, in declaration order (the rule files refer to them by name).
    pub const FIELDS: [&'static str; 17] = [
        "http_server",
        "html_title",
        "www_authenticate",
        "rtsp_server",
        "telnet_banner",
        "ssh_banner",
        "ftp_banner",
        "tls_subject",
        "tls_issuer",
        "favicon_md5",
        "snmp_sysdescr",
        "http_set_cookie",
        "http_body",
        "onvif_manufacturer",
        "onvif_model",
        "onvif_firmware",
        "discovery_model",
    ];

    /// The value of a field by its contract name.
    pub fn get(&self, field: &str) -> Option<&str> {
        let v = match field {
            "http_server" => &self.http_server,
            "html_title" => &self.html_title,
            "www_authenticate" => &self.www_authenticate,
            "rtsp_server" => &self.rtsp_server,
            "telnet_banner" => &self.telnet_banner,
            "ssh_banner" => &self.ssh_banner,
            "ftp_banner" => &self.ftp_banner,
            "tls_subject" => &self.tls_subject,
            "tls_issuer" => &self.tls_issuer,
            "favicon_md5" => &self.favicon_md5,
            "snmp_sysdescr" => &self.snmp_sysdescr,
            "http_set_cookie" => &self.http_set_cookie,
            "http_body" => &self.http_body,
            "onvif_manufacturer" => &self.onvif_manufacturer,
            "onvif_model" => &self.onvif_model,
            "onvif_firmware" => &self.onvif_firmware,
            "discovery_model" => &self.discovery_model,
            _ => return None,
        };
        v.as_deref()
    }

    /// Flatten a host's observations into fingerprint fields: the first non-empty value of
    /// each field wins; authenticated ONVIF information is preferred over anonymous.
    pub fn from_host(host: &HostObservation) -> Self {
        fn first<'a, I: IntoIterator<Item = Option<&'a String>>>(it: I) -> Option<String> {
            it.into_iter().flatten().find(|s| !s.is_empty()).cloned()
        }
        let onvif_info = host.onvif.as_ref().and_then(|o| {
            o.device_info_authenticated
                .as_ref()
                .or(o.device_info_anonymous.as_ref())
        });
        Self {
            http_server: first(host.http.iter().map(|h| h.server.as_ref())),
            html_title: first(host.http.iter().map(|h| h.title.as_ref())),
            www_authenticate: host
                .http
                .iter()
                .find(|h| !h.www_authenticate.is_empty())
                .map(|h| h.www_authenticate.join(", ")),
            rtsp_server: first(host.rtsp.iter().map(|r| r.server.as_ref())),
            telnet_banner: host.telnet.first().map(|b| b.banner.clone()),
            ssh_banner: host.ssh.first().map(|b| b.banner.clone()),
            ftp_banner: host.ftp.first().map(|b| b.banner.clone()),
            tls_subject: host
                .tls
                .iter()
                .find_map(|t| t.certificate.as_ref().map(|c| c.subject.clone())),
            tls_issuer: host
                .tls
                .iter()
                .find_map(|t| t.certificate.as_ref().map(|c| c.issuer.clone())),
            favicon_md5: first(host.http.iter().map(|h| h.favicon_md5.as_ref())),
            http_set_cookie: host
                .http
                .iter()
                .find(|h| !h.set_cookie.is_empty())
                .map(|h| h.set_cookie.join("; ")),
            http_body: first(host.http.iter().map(|h| h.body_excerpt.as_ref())),
            onvif_manufacturer: onvif_info.and_then(|i| i.manufacturer.clone()),
            onvif_model: onvif_info.and_then(|i| i.model.clone()),
            onvif_firmware: onvif_info.and_then(|i| i.firmware.clone()),
            discovery_model: first(host.discovery.iter().map(|d| d.model.as_ref())),
            ..Self::default()
        }
    }
}

/// Kind of device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceType {
    /// A network camera.
    IpCamera,
    /// A digital video recorder (analogue inputs).
    Dvr,
    /// A network video recorder.
    Nvr,
    /// A video encoder / server.
    VideoEncoder,
    /// Something else.
    Other,
}

impl DeviceType {
    /// The snake_case name used in JSON and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceType::IpCamera => "ip_camera",
            DeviceType::Dvr => "dvr",
            DeviceType::Nvr => "nvr",
            DeviceType::VideoEncoder => "video_encoder",
            DeviceType::Other => "other",
        }
    }
}

/// What the fingerprint engine concluded about a device.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// True when the device is a surveillance device (camera, DVR, NVR, encoder).
    pub camera: bool,
    /// Vendor name, canonical spelling.
    pub vendor: Option<String>,
    /// Product family or line.
    pub product: Option<String>,
    /// Model designation.
    pub model: Option<String>,
    /// Firmware version as the device states it.
    pub firmware: Option<String>,
    /// Kind of device.
    pub device_type: Option<DeviceType>,
    /// Confidence 0–1 in the vendor (and camera) conclusion.
    pub confidence: f64,
    /// Ids of the rules that matched.
    pub rules: Vec<String>,
}
