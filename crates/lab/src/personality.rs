//! Vendor personalities: everything the lab says about a vendor, loaded from the data files
//! `data/lab/personalities/*.toml` (embedded in the binary).

use crate::config::{AuthMode, OnvifAuth};
use crate::error::LabError;
use serde::Deserialize;
use std::sync::OnceLock;

/// The embedded personality files: (name, TOML text).
const FILES: [(&str, &str); 3] = [
    (
        "hikvision",
        include_str!("../../../data/lab/personalities/hikvision.toml"),
    ),
    (
        "dahua",
        include_str!("../../../data/lab/personalities/dahua.toml"),
    ),
    (
        "generic_onvif",
        include_str!("../../../data/lab/personalities/generic_onvif.toml"),
    ),
];

/// One vendor personality.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Personality {
    /// Identifier used in lab files (`hikvision`, `dahua`, …).
    pub id: String,
    /// Vendor name, canonical spelling (manifest `vendor`).
    pub vendor: String,
    /// Kind of device (snake_case name of `camguard_model::DeviceType`).
    pub device_type: String,
    /// Where the facts of this personality come from.
    pub source: String,
    /// Identity strings.
    pub identity: IdentityFacts,
    /// Default account.
    pub credentials: CredentialFacts,
    /// Web UI.
    pub http: HttpFacts,
    /// RTSP server.
    pub rtsp: RtspFacts,
    /// ONVIF device service.
    pub onvif: OnvifFacts,
    /// Telnet service.
    pub telnet: TelnetFacts,
}

/// Identity strings of a personality.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityFacts {
    /// ONVIF `Manufacturer`.
    pub manufacturer: String,
    /// Model designations (the first is the default).
    pub models: Vec<String>,
    /// Firmware version strings (the first is the default).
    pub firmware: Vec<String>,
    /// Serial number pattern (see [`crate::identity::expand_serial`]).
    pub serial_pattern: String,
    /// ONVIF `HardwareId`.
    pub hardware_id: String,
    /// Provenance.
    pub source: String,
}

/// Default account of a personality.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialFacts {
    /// Default user name.
    pub username: String,
    /// Default password (may be empty).
    pub password: String,
    /// Provenance.
    pub source: String,
}

/// Web UI facts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpFacts {
    /// Ports of the web UI (the first is the manifest's `http`).
    pub ports: Vec<u16>,
    /// `Server` header, or none.
    pub server: Option<String>,
    /// `<title>` of the login page.
    pub title: String,
    /// Realm template of Basic/Digest challenges (`{serial}`, `{serial_last5}`, `{model}`).
    pub realm: String,
    /// Web authentication when a lab file does not say.
    pub default_auth: AuthMode,
    /// Colour of the generated favicon.
    pub favicon_rgb: [u8; 3],
    /// Provenance.
    pub source: String,
}

/// RTSP facts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RtspFacts {
    /// RTSP port.
    pub port: u16,
    /// `Server` header, or none.
    pub server: Option<String>,
    /// Realm template of challenges.
    pub realm: String,
    /// RTSP authentication when a lab file does not say.
    pub default_auth: AuthMode,
    /// Streams (the first is the main stream).
    pub streams: Vec<StreamFacts>,
    /// Provenance.
    pub source: String,
}

/// One RTSP stream.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamFacts {
    /// Path with query, starting with `/`.
    pub path: String,
    /// Width in pixels (multiple of 8, at most 2040).
    pub width: u16,
    /// Height in pixels (multiple of 8, at most 2040).
    pub height: u16,
}

/// ONVIF facts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnvifFacts {
    /// Port of the ONVIF service (may equal a web port).
    pub port: u16,
    /// ONVIF authentication when a lab file does not say.
    pub default_auth: OnvifAuth,
    /// Provenance.
    pub source: String,
}

/// Telnet facts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelnetFacts {
    /// Telnet port.
    pub port: u16,
    /// Banner / login prompt sent on connect.
    pub banner: String,
    /// Whether telnet is on when a lab file does not say.
    pub default_enabled: bool,
    /// Provenance.
    pub source: String,
}

impl Personality {
    /// Parse and validate one personality file.
    pub fn from_toml_str(name: &str, text: &str) -> Result<Personality, LabError> {
        let p: Personality = toml::from_str(text).map_err(|e| LabError::Personality {
            name: name.to_string(),
            message: e.to_string(),
        })?;
        p.validate()?;
        Ok(p)
    }

    fn validate(&self) -> Result<(), LabError> {
        let err = |message: String| LabError::Personality {
            name: self.id.clone(),
            message,
        };
        let sources = [
            ("source", &self.source),
            ("identity.source", &self.identity.source),
            ("credentials.source", &self.credentials.source),
            ("http.source", &self.http.source),
            ("rtsp.source", &self.rtsp.source),
            ("onvif.source", &self.onvif.source),
            ("telnet.source", &self.telnet.source),
        ];
        for (field, value) in sources {
            if value.trim().is_empty() {
                return Err(err(format!("`{field}` must say where the facts come from")));
            }
        }
        if self.identity.models.is_empty() || self.identity.firmware.is_empty() {
            return Err(err("identity needs at least one model and firmware".into()));
        }
        if self.http.ports.is_empty() {
            return Err(err("http.ports is empty".into()));
        }
        if self.rtsp.streams.is_empty() {
            return Err(err("rtsp.streams is empty".into()));
        }
        for s in &self.rtsp.streams {
            if !s.path.starts_with('/') {
                return Err(err(format!("stream path {:?} must start with /", s.path)));
            }
            let ok = |v: u16| (16..=2040).contains(&v) && v.is_multiple_of(8);
            if !ok(s.width) || !ok(s.height) {
                return Err(err(format!(
                    "stream {} size {}x{} must be multiples of 8 in 16..=2040",
                    s.path, s.width, s.height
                )));
            }
        }
        if serde_json::from_value::<camguard_model::DeviceType>(serde_json::Value::String(
            self.device_type.clone(),
        ))
        .is_err()
        {
            return Err(err(format!("unknown device_type {:?}", self.device_type)));
        }
        Ok(())
    }

    /// All built-in personalities, in a fixed order (hikvision, dahua, generic_onvif).
    ///
    /// The shipped data is validated by the crate's tests; a broken file is skipped with an
    /// error log rather than taking the lab down.
    pub fn all() -> &'static [Personality] {
        static ALL: OnceLock<Vec<Personality>> = OnceLock::new();
        ALL.get_or_init(|| {
            FILES
                .iter()
                .filter_map(
                    |(name, text)| match Personality::from_toml_str(name, text) {
                        Ok(p) => Some(p),
                        Err(e) => {
                            tracing::error!("{e}");
                            None
                        }
                    },
                )
                .collect()
        })
    }

    /// A built-in personality by id.
    pub fn get(id: &str) -> Option<&'static Personality> {
        Personality::all().iter().find(|p| p.id == id)
    }

    /// Names of the built-in personalities.
    pub fn names() -> Vec<&'static str> {
        Personality::all().iter().map(|p| p.id.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_personality_parses_and_has_sources() {
        for (name, text) in FILES {
            let p = Personality::from_toml_str(name, text).expect(name);
            assert_eq!(p.id, name, "file name and id agree");
        }
        assert_eq!(Personality::all().len(), FILES.len());
    }

    #[test]
    fn brief_strings_are_as_the_fingerprint_engine_expects() {
        let hik = Personality::get("hikvision").expect("hikvision");
        assert_eq!(hik.http.server.as_deref(), Some("App-webs/"));
        assert_eq!(hik.rtsp.server, None);
        assert_eq!(hik.identity.manufacturer, "HIKVISION");
        assert_eq!(hik.rtsp.streams[0].path, "/Streaming/Channels/101");
        let dahua = Personality::get("dahua").expect("dahua");
        assert_eq!(dahua.http.server, None);
        assert_eq!(dahua.http.title, "WEB SERVICE");
        assert_eq!(dahua.rtsp.server.as_deref(), Some("Rtsp Server/3.0"));
        let generic = Personality::get("generic_onvif").expect("generic");
        assert_eq!(generic.http.server.as_deref(), Some("GoAhead-Webs"));
        assert_eq!(generic.onvif.port, 8899);
        assert_eq!(generic.telnet.banner, "(none) login: ");
    }

    #[test]
    fn missing_source_is_rejected() {
        let text: Vec<String> = FILES[0]
            .1
            .lines()
            .map(|l| {
                if l.starts_with("source = \"Hikvision firmware before") {
                    "source = \" \"".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect();
        let err = Personality::from_toml_str("broken", &text.join("\n")).expect_err("rejected");
        assert!(err.to_string().contains("credentials.source"), "{err}");
    }
}
