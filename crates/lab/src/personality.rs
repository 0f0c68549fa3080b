//! Vendor personalities: everything the lab says about a vendor, loaded from the data files
//! `data/lab/personalities/*.toml` (embedded in the binary).

use crate::config::{AuthMode, OnvifAuth};
use crate::error::LabError;
use serde::Deserialize;
use std::sync::OnceLock;

/// The embedded personality files: (name, TOML text). The first three are the classic mix of
/// [`crate::LabConfig::generate`].
const FILES: [(&str, &str); 15] = [
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
    (
        "ezviz",
        include_str!("../../../data/lab/personalities/ezviz.toml"),
    ),
    (
        "imou",
        include_str!("../../../data/lab/personalities/imou.toml"),
    ),
    (
        "kbvision",
        include_str!("../../../data/lab/personalities/kbvision.toml"),
    ),
    (
        "uniview",
        include_str!("../../../data/lab/personalities/uniview.toml"),
    ),
    (
        "xiongmai",
        include_str!("../../../data/lab/personalities/xiongmai.toml"),
    ),
    (
        "tapo",
        include_str!("../../../data/lab/personalities/tapo.toml"),
    ),
    (
        "vantech",
        include_str!("../../../data/lab/personalities/vantech.toml"),
    ),
    (
        "axis",
        include_str!("../../../data/lab/personalities/axis.toml"),
    ),
    (
        "hanwha",
        include_str!("../../../data/lab/personalities/hanwha.toml"),
    ),
    (
        "bosch",
        include_str!("../../../data/lab/personalities/bosch.toml"),
    ),
    (
        "hikvision_nvr",
        include_str!("../../../data/lab/personalities/hikvision_nvr.toml"),
    ),
    (
        "dahua_xvr",
        include_str!("../../../data/lab/personalities/dahua_xvr.toml"),
    ),
];

/// Ids of the classic personalities that [`crate::LabConfig::generate`] mixes.
pub const CLASSIC: [&str; 3] = ["hikvision", "dahua", "generic_onvif"];

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
    /// Vendor a scanner can name from the non-ONVIF surface (HTTP/RTSP/telnet banners):
    /// omitted = `vendor`; the platform vendor for OEM brands and sub-brands (a KBVision unit
    /// looks like the Dahua it is); `""` when the surface names no vendor.
    #[serde(default)]
    pub surface_vendor: Option<String>,
    /// Vendor private ports (Dahua 37777, Xiongmai 34567, Hikvision 8000), opened when a
    /// device sets `vendor_ports = true`.
    #[serde(default)]
    pub vendor_ports: Vec<VendorPortFacts>,
    /// FTP server, when the vendor ships one (opened when a device sets `ftp = true`).
    #[serde(default)]
    pub ftp: Option<BannerFacts>,
    /// SSH server, when the vendor ships one (opened when a device sets `ssh = true`).
    #[serde(default)]
    pub ssh: Option<BannerFacts>,
}

/// A vendor private protocol the lab can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VendorProtocol {
    /// Dahua private protocol (DVRIP binary login and DHIP JSON-RPC), TCP 37777.
    DahuaDvrip,
    /// Xiongmai DVRIP / "Sofia" (20-byte 0xff header + JSON), TCP 34567.
    XiongmaiSofia,
    /// Hikvision SDK / iVMS "server port", TCP 8000.
    HikvisionSdk,
}

impl VendorProtocol {
    /// Name as in personality files and manifest port keys.
    pub fn as_str(self) -> &'static str {
        match self {
            VendorProtocol::DahuaDvrip => "dahua_dvrip",
            VendorProtocol::XiongmaiSofia => "xiongmai_sofia",
            VendorProtocol::HikvisionSdk => "hikvision_sdk",
        }
    }
}

/// One vendor private port of a personality.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorPortFacts {
    /// Protocol spoken.
    pub protocol: VendorProtocol,
    /// TCP port.
    pub port: u16,
    /// Provenance.
    pub source: String,
}

/// An FTP or SSH server that only greets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BannerFacts {
    /// TCP port.
    pub port: u16,
    /// FTP: the 220 greeting line (without CRLF); SSH: the identification string (without
    /// CRLF). Templates: `{model}`, `{firmware}`, `{serial}`.
    pub banner: String,
    /// Provenance.
    pub source: String,
}

/// A firmware version with publicly known vulnerabilities.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VulnerableFirmware {
    /// Firmware version string, as in `identity.firmware`.
    pub firmware: String,
    /// CVE ids that affect it.
    pub cves: Vec<String>,
    /// Provenance (advisory naming the affected versions).
    pub source: String,
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
    /// Firmware versions of `firmware` with known CVEs.
    #[serde(default)]
    pub vulnerable_firmware: Vec<VulnerableFirmware>,
}

/// Default account of a personality.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialFacts {
    /// Default user name.
    pub username: String,
    /// Default password (may be empty).
    pub password: String,
    /// True when the "default" is unique to each unit (a code printed on its label) or an
    /// account the owner creates: no published list holds it, so keeping it is no default
    /// credential a scanner could find.
    #[serde(default)]
    pub per_unit: bool,
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
    /// `<title>` of the login page (templates: `{model}`, `{serial}`).
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
    /// Video channel (input) the stream belongs to, from 1; recorders have several.
    #[serde(default = "first_channel")]
    pub channel: u16,
}

fn first_channel() -> u16 {
    1
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
        for (field, value) in self
            .vendor_ports
            .iter()
            .map(|v| ("vendor_ports.source", &v.source))
            .chain(self.ftp.iter().map(|f| ("ftp.source", &f.source)))
            .chain(self.ssh.iter().map(|f| ("ssh.source", &f.source)))
            .chain(
                self.identity
                    .vulnerable_firmware
                    .iter()
                    .map(|v| ("identity.vulnerable_firmware.source", &v.source)),
            )
        {
            if value.trim().is_empty() {
                return Err(err(format!("`{field}` must say where the facts come from")));
            }
        }
        for v in &self.identity.vulnerable_firmware {
            if !self.identity.firmware.contains(&v.firmware) {
                return Err(err(format!(
                    "vulnerable firmware {:?} is not in identity.firmware",
                    v.firmware
                )));
            }
            if v.cves.is_empty() || !v.cves.iter().all(|c| is_cve_id(c)) {
                return Err(err(format!(
                    "vulnerable firmware {:?}: cves must be CVE-YYYY-NNNN ids",
                    v.firmware
                )));
            }
        }
        if let Some(ssh) = &self.ssh {
            if !ssh.banner.starts_with("SSH-2.0-") || ssh.banner.len() > 253 {
                return Err(err(
                    "ssh.banner must be an SSH-2.0- identification string".into()
                ));
            }
        }
        if let Some(ftp) = &self.ftp {
            if !ftp.banner.starts_with("220") {
                return Err(err("ftp.banner must be a 220 greeting".into()));
            }
        }
        for text in [&self.http.title]
            .into_iter()
            .chain(self.ftp.iter().map(|f| &f.banner))
            .chain(self.ssh.iter().map(|f| &f.banner))
            .chain(std::iter::once(&self.telnet.banner))
        {
            if text
                .chars()
                .any(|c| c.is_control() && c != '\r' && c != '\n')
            {
                return Err(err(format!("{text:?} holds control characters")));
            }
        }
        if self.rtsp.streams.iter().any(|s| s.channel == 0) {
            return Err(err("stream channels count from 1".into()));
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

    /// All built-in personalities, in a fixed order (the classic three first: hikvision, dahua,
    /// generic_onvif).
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

    /// Number of video channels (the highest stream channel).
    pub fn channels(&self) -> u16 {
        self.rtsp
            .streams
            .iter()
            .map(|s| s.channel)
            .max()
            .unwrap_or(1)
    }

    /// The vendor a scanner can name without ONVIF (see `surface_vendor`); `None` when the
    /// surface names none.
    pub fn surface_vendor(&self) -> Option<&str> {
        match self.surface_vendor.as_deref() {
            None => Some(self.vendor.as_str()),
            Some("") => None,
            Some(v) => Some(v),
        }
    }

    /// CVE ids known for a firmware version of this personality.
    pub fn cves_for(&self, firmware: &str) -> Vec<String> {
        self.identity
            .vulnerable_firmware
            .iter()
            .filter(|v| v.firmware == firmware)
            .flat_map(|v| v.cves.iter().cloned())
            .collect()
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

/// `CVE-YYYY-NNNN…`.
fn is_cve_id(s: &str) -> bool {
    let mut parts = s.split('-');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("CVE"), Some(y), Some(n), None)
            if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit())
                && n.len() >= 4 && n.bytes().all(|b| b.is_ascii_digit())
    )
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
    fn lab_strings_are_as_the_fingerprint_engine_expects() {
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
    fn required_vendors_recorders_and_cves_are_all_there() {
        let vendors: std::collections::BTreeSet<&str> = Personality::all()
            .iter()
            .map(|p| p.vendor.as_str())
            .collect();
        for v in [
            "Hikvision",
            "Dahua",
            "EZVIZ",
            "Imou",
            "KBVision",
            "Uniview",
            "Xiongmai",
            "TP-Link",
            "Vantech",
            "Axis",
            "Hanwha Vision",
            "Bosch",
            "Generic",
        ] {
            assert!(vendors.contains(v), "missing vendor {v}");
        }
        let nvr = Personality::get("hikvision_nvr").expect("nvr");
        assert_eq!((nvr.device_type.as_str(), nvr.channels()), ("nvr", 4));
        let dvr = Personality::get("dahua_xvr").expect("dvr");
        assert_eq!((dvr.device_type.as_str(), dvr.channels()), ("dvr", 4));
        let hik = Personality::get("hikvision").expect("hik");
        assert_eq!(hik.cves_for("V5.5.82 build 190909"), ["CVE-2021-36260"]);
        assert!(hik.cves_for("V5.5.800 build 210628").is_empty());
        let dahua = Personality::get("dahua").expect("dahua");
        assert!(dahua
            .cves_for("2.800.0000000.8.R, Build Date 2021-07-13")
            .contains(&"CVE-2021-33044".to_string()));
        assert_eq!(
            Personality::get("kbvision").and_then(|p| p.surface_vendor()),
            Some("Dahua")
        );
        assert_eq!(
            Personality::get("uniview").and_then(|p| p.surface_vendor()),
            None
        );
        assert_eq!(hik.surface_vendor(), Some("Hikvision"));
        let protocols: std::collections::BTreeSet<&str> = Personality::all()
            .iter()
            .flat_map(|p| p.vendor_ports.iter().map(|v| v.protocol.as_str()))
            .collect();
        assert_eq!(
            protocols.into_iter().collect::<Vec<_>>(),
            ["dahua_dvrip", "hikvision_sdk", "xiongmai_sofia"]
        );
        assert!(Personality::all().iter().any(|p| p.ftp.is_some()));
        assert!(Personality::all().iter().any(|p| p.ssh.is_some()));
    }

    #[test]
    fn bad_extensions_are_rejected() {
        let hik = FILES[0].1;
        let cases = [
            (
                "\n[[vendor_ports]]\nprotocol = \"hikvision_sdk\"\nport = 8001\nsource = \"\"\n",
                "vendor_ports.source",
            ),
            (
                "\n[ftp]\nport = 21\nbanner = \"hello\"\nsource = \"x\"\n",
                "220",
            ),
        ];
        for (extra, needle) in cases {
            let text = format!("{hik}{extra}");
            let err = Personality::from_toml_str("broken", &text).expect_err(extra);
            assert!(err.to_string().contains(needle), "{err}");
        }
        let unknown_cve = hik.replace("cves = [\"CVE-2021-36260\"]", "cves = [\"36260\"]");
        let err = Personality::from_toml_str("broken", &unknown_cve).expect_err("bad cve");
        assert!(err.to_string().contains("CVE-YYYY"), "{err}");
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
