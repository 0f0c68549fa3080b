//! The TLS and discovery switches of a device in a lab file: `certificate`, `tls`, `upnp`,
//! `ws_discovery` (the `https` switch itself is a [`crate::DeviceSpec`] field).
//!
//! ```toml
//! [[device]]
//! personality = "dahua"
//! https = true                 # HTTPS web UI + ONVIF on the vendor's HTTPS port (443)
//! certificate = "vendor_ca"    # self_signed (default) | vendor_ca | expired | shared_key
//! tls = "legacy_tls10"         # modern (default, rustls: TLS 1.2/1.3) | legacy_tls10
//! upnp = true                  # SSDP on UDP 1900 + device description over HTTP
//! ws_discovery = true          # WS-Discovery on UDP 3702
//! ```

use crate::certs::CertificateKind;
use serde::{Deserialize, Serialize};

/// TLS flavour of the HTTPS port.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    /// rustls: TLS 1.2 and 1.3.
    #[default]
    Modern,
    /// A device that only speaks TLS 1.0 (hand-built responder: it shows its certificate and
    /// stops after ServerHelloDone).
    #[serde(rename = "legacy_tls10")]
    LegacyTls10,
}

impl TlsMode {
    /// Name as in lab files and the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Modern => "modern",
            TlsMode::LegacyTls10 => "legacy_tls10",
        }
    }
}

/// TLS and discovery switches of one device; the default is the classic device (none on).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Switches {
    /// Certificate presented on the HTTPS port (meaningful with `https = true`).
    pub certificate: Option<CertificateKind>,
    /// TLS flavour (meaningful with `https = true`).
    pub tls: Option<TlsMode>,
    /// SSDP responder and UPnP device description.
    pub upnp: bool,
    /// WS-Discovery responder.
    pub ws_discovery: bool,
}

impl Switches {
    /// The certificate kind in force.
    pub fn certificate(&self) -> CertificateKind {
        self.certificate.unwrap_or(CertificateKind::SelfSigned)
    }

    /// The TLS mode in force.
    pub fn tls(&self) -> TlsMode {
        self.tls.unwrap_or_default()
    }
}

const KEYS: [&str; 4] = ["certificate", "tls", "upnp", "ws_discovery"];

/// Remove this module's keys from a raw `[[device]]` entry (so the rest can be parsed strictly).
pub fn split_off(entry: &mut toml::Value) -> toml::Table {
    crate::config::take_keys(entry, &KEYS)
}

/// Parse the keys removed by [`split_off`]; `https` is the entry's `https` value. Errors name
/// the field.
pub fn parse(table: toml::Table, https: bool) -> Result<Switches, (String, String)> {
    let mut s = Switches::default();
    for (key, value) in table {
        match key.as_str() {
            "certificate" => {
                s.certificate = Some(CertificateKind::deserialize(value).map_err(|_| {
                    (
                        key.clone(),
                        "expected one of self_signed, vendor_ca, expired, shared_key".to_string(),
                    )
                })?)
            }
            "tls" => {
                s.tls = Some(TlsMode::deserialize(value).map_err(|_| {
                    (
                        key.clone(),
                        "expected one of modern, legacy_tls10".to_string(),
                    )
                })?)
            }
            "upnp" | "ws_discovery" => {
                let b = value
                    .as_bool()
                    .ok_or_else(|| (key.clone(), "expected true or false".to_string()))?;
                if key == "upnp" {
                    s.upnp = b;
                } else {
                    s.ws_discovery = b;
                }
            }
            _ => {}
        }
    }
    if !https {
        for (field, set) in [
            ("certificate", s.certificate.is_some()),
            ("tls", s.tls.is_some()),
        ] {
            if set {
                return Err((field.to_string(), "needs `https = true`".to_string()));
            }
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str) -> toml::Value {
        toml::Value::Table(toml::from_str(text).expect("toml"))
    }

    #[test]
    fn parses_and_splits() {
        let mut v = entry(
            "personality = \"x\"\ncertificate = \"expired\"\ntls = \"legacy_tls10\"\nupnp = true\n",
        );
        let t = split_off(&mut v);
        assert!(v.get("certificate").is_none() && v.get("personality").is_some());
        let s = parse(t, true).expect("parse");
        assert_eq!(s.certificate(), CertificateKind::Expired);
        assert_eq!(s.tls(), TlsMode::LegacyTls10);
        assert!(s.upnp && !s.ws_discovery);
    }

    #[test]
    fn errors_name_the_field() {
        let bad = |text: &str, https: bool| {
            let mut v = entry(text);
            parse(split_off(&mut v), https).expect_err(text).0
        };
        assert_eq!(bad("certificate = \"letsencrypt\"", true), "certificate");
        assert_eq!(bad("tls = \"ssl3\"", true), "tls");
        assert_eq!(bad("upnp = 1", false), "upnp");
        assert_eq!(bad("certificate = \"expired\"", false), "certificate");
        assert_eq!(bad("tls = \"modern\"", false), "tls");
        let mut v = entry("ws_discovery = true");
        assert!(parse(split_off(&mut v), false).expect("ok").ws_discovery);
    }
}
