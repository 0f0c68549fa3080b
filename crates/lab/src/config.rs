//! Lab descriptions: which devices to simulate and how weak each one is.
//!
//! A lab file (TOML) lists devices explicitly (see `data/lab/example.toml`);
//! [`LabConfig::generate`] makes a reproducible mixed lab from a seed.

use crate::error::LabError;
use crate::identity::{device_rng, expand_serial, strong_password};
use crate::personality::Personality;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

/// Authentication of the web UI or of RTSP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// No authentication.
    None,
    /// RFC 7617 Basic.
    Basic,
    /// Digest (MD5).
    Digest,
}

impl AuthMode {
    /// Lower-case name as in lab files and the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::None => "none",
            AuthMode::Basic => "basic",
            AuthMode::Digest => "digest",
        }
    }
}

/// Authentication of the ONVIF service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnvifAuth {
    /// Every operation anonymous.
    None,
    /// WS-Security UsernameToken (PasswordDigest) required except for pre-auth operations.
    Wsse,
}

impl OnvifAuth {
    /// Lower-case name as in lab files and the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            OnvifAuth::None => "none",
            OnvifAuth::Wsse => "wsse",
        }
    }
}

/// Whether a device keeps its vendor default password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DefaultPassword {
    /// The vendor default stays.
    Kept,
    /// Replaced by a random strong password derived from the lab seed.
    Changed,
}

/// One simulated device, fully resolved (personality defaults filled in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSpec {
    /// Unique id within the lab.
    pub id: String,
    /// Personality id.
    pub personality: String,
    /// Model designation.
    pub model: String,
    /// Firmware version string.
    pub firmware: String,
    /// Serial number.
    pub serial: String,
    /// Account user name.
    pub username: String,
    /// Account password (may be empty).
    pub password: String,
    /// True when `password` is the personality's default password.
    pub default_password_kept: bool,
    /// RTSP authentication.
    pub rtsp_auth: AuthMode,
    /// Web UI authentication.
    pub web_auth: AuthMode,
    /// ONVIF authentication.
    pub onvif_auth: OnvifAuth,
    /// Whether the telnet service runs.
    pub telnet: bool,
    /// HTTPS web UI and ONVIF on the vendor's HTTPS port (certificate and TLS flavour in
    /// `tls_discovery`).
    pub https: bool,
    /// Hostile behaviours (only for `personality = "hostile"` devices); empty for cameras.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hostile: Vec<crate::hostile::Hostile>,
    /// Behaviour switches (auth variants, lockout, login messages, quirks); default: classic.
    #[serde(default)]
    pub behaviour: crate::behaviour::Behaviour,
    /// Extra services (vendor private ports, FTP, SSH); default: none.
    #[serde(default)]
    pub services: crate::extra_services::ExtraServices,
    /// TLS (`certificate`, `tls`) and discovery (`upnp`, `ws_discovery`) switches; default: off.
    #[serde(default)]
    pub tls_discovery: crate::tls_discovery::Switches,
    /// Famous flaws the device carries (`cve_2017_7921`, `cve_2021_33044`); default: none.
    #[serde(default)]
    pub vulns: crate::vulns::Vulns,
    /// Surface switches (anonymous snapshot, any-path 200, SNMP, P2P); default: off.
    #[serde(default)]
    pub surface: crate::surface::Switches,
    /// SSH host key: the device's own (`unique`, default) or the lab's shared one (`shared`).
    #[serde(default)]
    pub ssh_host_key: crate::ssh_server::HostKeyMode,
}

impl DeviceSpec {
    /// The device's personality.
    pub fn personality(&self) -> Option<&'static Personality> {
        Personality::get(&self.personality)
    }
}

/// A lab: the devices to simulate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabConfig {
    /// Seed of everything random in the lab (serials, changed passwords).
    pub seed: u64,
    /// Devices, in address order.
    pub devices: Vec<DeviceSpec>,
    /// The lab runs inside a network namespace of its own (lab-file key `multicast_in_netns`):
    /// SSDP and WS-Discovery responders then also join 239.255.255.250 on `lo`. The lab
    /// refuses to start with it when the namespace has any interface but `lo`.
    #[serde(default)]
    pub multicast_in_netns: bool,
    /// IPv6 link-local multicast discovery inside the lab's own network namespace (lab-file
    /// table `[multicast6]`, see `crate::multicast6`).
    #[serde(default)]
    pub multicast6: Option<crate::multicast6::Multicast6>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDevice {
    id: Option<String>,
    personality: String,
    model: Option<String>,
    firmware: Option<String>,
    serial: Option<String>,
    username: Option<String>,
    password: Option<String>,
    default_password: Option<DefaultPassword>,
    rtsp_auth: Option<AuthMode>,
    web_auth: Option<AuthMode>,
    onvif_auth: Option<OnvifAuth>,
    telnet: Option<bool>,
    https: Option<bool>,
}

const RNG_SERIAL: u64 = 1;
const RNG_PASSWORD: u64 = 2;
const RNG_CHOICE: u64 = 3;

/// Upper bound of devices in one lab: a lab's addresses are consecutive 127.x.y.z, and each
/// device costs a few KiB; 65,000 keeps a lab inside one /16 of loopback addresses.
pub const MAX_DEVICES: usize = 65_000;

impl LabConfig {
    /// Parse a lab file. Errors name the bad field and device.
    pub fn from_toml_str(s: &str) -> Result<LabConfig, LabError> {
        let value: toml::Table = toml::from_str(s).map_err(|e| LabError::Syntax(e.to_string()))?;
        let mut seed = 0u64;
        let mut raw_devices = Vec::new();
        let mut fleets = Vec::new();
        let mut multicast_in_netns = false;
        let mut multicast6 = None;
        for (key, v) in value {
            match key.as_str() {
                "seed" => {
                    seed = v
                        .as_integer()
                        .and_then(|i| u64::try_from(i).ok())
                        .ok_or_else(|| {
                            LabError::Syntax("`seed` must be a non-negative integer".into())
                        })?;
                }
                "device" => {
                    let arr = v.as_array().ok_or_else(|| {
                        LabError::Syntax("`device` must be an array of tables ([[device]])".into())
                    })?;
                    raw_devices = arr.clone();
                }
                "fleet" => {
                    fleets = v
                        .as_array()
                        .ok_or_else(|| {
                            LabError::Syntax(
                                "`fleet` must be an array of tables ([[fleet]])".into(),
                            )
                        })?
                        .clone();
                }
                "multicast_in_netns" => {
                    multicast_in_netns = v.as_bool().ok_or_else(|| {
                        LabError::Syntax("`multicast_in_netns` must be true or false".into())
                    })?;
                }
                "multicast6" => multicast6 = Some(crate::multicast6::parse(v)?),
                other => {
                    return Err(LabError::Syntax(format!(
                        "unknown top-level key `{other}` (expected `seed`, [[device]] or [[fleet]])"
                    )))
                }
            }
        }
        let total = raw_devices
            .len()
            .saturating_add(crate::fleet::total_count(&fleets)?);
        if total > MAX_DEVICES {
            return Err(LabError::Syntax(format!(
                "{total} devices; at most {MAX_DEVICES}"
            )));
        }
        let first_fleet_index = raw_devices.len();
        raw_devices.extend(crate::fleet::expand(&fleets, seed, first_fleet_index)?);
        let mut devices = Vec::with_capacity(raw_devices.len());
        for (index, v) in raw_devices.into_iter().enumerate() {
            let name = v
                .get("id")
                .and_then(|i| i.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| format!("#{}", index + 1));
            if crate::hostile::is_hostile_entry(&v) {
                devices.push(crate::hostile::spec_from_entry(&v, index, &name)?);
                continue;
            }
            let mut v = v;
            let device_err = |(field, message): (String, String)| LabError::Device {
                device: name.clone(),
                field,
                message,
            };
            let behaviour =
                crate::behaviour::parse(crate::behaviour::split_off(&mut v)).map_err(device_err)?;
            let services = crate::extra_services::parse(crate::extra_services::split_off(&mut v))
                .map_err(device_err)?;
            let tls_discovery = crate::tls_discovery::split_off(&mut v);
            let surface =
                crate::surface::parse(crate::surface::split_off(&mut v)).map_err(device_err)?;
            let vulns = crate::vulns::parse(crate::vulns::split_off(&mut v)).map_err(device_err)?;
            let ssh_host_key = crate::ssh_server::parse(crate::ssh_server::split_off(&mut v))
                .map_err(device_err)?;
            let raw = RawDevice::deserialize(v.clone()).map_err(|e| LabError::Device {
                device: name.clone(),
                field: culprit_field(&v, e.message()),
                message: e.message().to_string(),
            })?;
            let mut spec = resolve(raw, index, seed, &name)?;
            spec.behaviour = behaviour;
            if let Some(p) = spec.personality() {
                services.check(p).map_err(device_err)?;
            }
            spec.services = services;
            if let Some(p) = spec.personality() {
                vulns.check(p).map_err(device_err)?;
            }
            spec.vulns = vulns;
            spec.tls_discovery =
                crate::tls_discovery::parse(tls_discovery, spec.https).map_err(device_err)?;
            spec.surface = surface;
            spec.ssh_host_key = ssh_host_key;
            devices.push(spec);
        }
        let mut ids = BTreeSet::new();
        for d in &devices {
            if !ids.insert(d.id.clone()) {
                return Err(LabError::Device {
                    device: d.id.clone(),
                    field: "id".into(),
                    message: "duplicate device id".into(),
                });
            }
        }
        Ok(LabConfig {
            seed,
            devices,
            multicast_in_netns,
            multicast6,
        })
    }

    /// Read and parse a lab file.
    pub fn from_file(path: &Path) -> Result<LabConfig, LabError> {
        let text = std::fs::read_to_string(path).map_err(|source| LabError::Read {
            path: path.display().to_string(),
            source,
        })?;
        LabConfig::from_toml_str(&text)
    }

    /// A reproducible mixed lab of `n` devices (at most [`MAX_DEVICES`]): personalities
    /// round-robin, weaknesses from a fixed cycle of six profiles so that every lab of six or
    /// more devices has anonymous RTSP, a kept default password, telnet on, a web UI with
    /// Basic over plain HTTP and anonymous ONVIF device information. Models and firmware are
    /// picked from the personality with the seed; identical seeds give identical labs.
    pub fn generate(n: usize, seed: u64) -> LabConfig {
        let classic: Vec<&'static Personality> = crate::personality::CLASSIC
            .iter()
            .filter_map(|id| Personality::get(id))
            .collect();
        LabConfig::generate_from(&classic, n, seed, false)
    }

    /// [`LabConfig::generate`] that refuses, with a clear error, more than [`MAX_DEVICES`]
    /// devices instead of capping them.
    pub fn try_generate(n: usize, seed: u64) -> Result<LabConfig, LabError> {
        if n > MAX_DEVICES {
            return Err(LabError::Options(format!(
                "{n} devices asked for; a lab holds at most {MAX_DEVICES}"
            )));
        }
        Ok(LabConfig::generate(n, seed))
    }

    /// Like [`LabConfig::generate`], but round-robin over ALL built-in personalities (vendors,
    /// OEM brands, recorders), with every extra service a personality ships switched on
    /// (vendor private ports, FTP, SSH). `n = Personality::all().len()` gives one device of
    /// each personality.
    pub fn generate_all(n: usize, seed: u64) -> LabConfig {
        let all: Vec<&'static Personality> = Personality::all().iter().collect();
        LabConfig::generate_from(&all, n, seed, true)
    }

    fn generate_from(
        personalities: &[&'static Personality],
        n: usize,
        seed: u64,
        extra_services: bool,
    ) -> LabConfig {
        let n = if personalities.is_empty() {
            0
        } else {
            n.min(MAX_DEVICES)
        };
        let mut devices = Vec::with_capacity(n);
        for index in 0..n {
            let p = &personalities[index % personalities.len()];
            let profile = &PROFILES[index % PROFILES.len()];
            let mut choice = device_rng(seed, index, RNG_CHOICE);
            let model = p.identity.models[choice.gen_range(0..p.identity.models.len())].clone();
            let firmware =
                p.identity.firmware[choice.gen_range(0..p.identity.firmware.len())].clone();
            let raw = RawDevice {
                id: Some(format!("{}-{}", p.id, index + 1)),
                personality: p.id.clone(),
                model: Some(model),
                firmware: Some(firmware),
                serial: None,
                username: None,
                password: None,
                default_password: Some(profile.default_password),
                rtsp_auth: Some(profile.rtsp_auth),
                web_auth: Some(profile.web_auth),
                onvif_auth: Some(profile.onvif_auth),
                telnet: Some(profile.telnet),
                https: Some(false),
            };
            // Generated entries are valid by construction; skip one defensively if not.
            if let Ok(mut d) = resolve(raw, index, seed, "generated") {
                if extra_services {
                    d.services = crate::extra_services::ExtraServices::all_of(p);
                }
                d.surface = crate::surface::for_profile(index % PROFILES.len());
                devices.push(d);
            }
        }
        LabConfig {
            seed,
            devices,
            multicast_in_netns: false,
            multicast6: None,
        }
    }
}

/// A weakness profile of [`LabConfig::generate`].
struct Profile {
    default_password: DefaultPassword,
    rtsp_auth: AuthMode,
    web_auth: AuthMode,
    onvif_auth: OnvifAuth,
    telnet: bool,
}

const PROFILES: [Profile; 6] = [
    // Default password kept, otherwise vendor-typical.
    Profile {
        default_password: DefaultPassword::Kept,
        rtsp_auth: AuthMode::Digest,
        web_auth: AuthMode::Digest,
        onvif_auth: OnvifAuth::Wsse,
        telnet: false,
    },
    // Anonymous RTSP.
    Profile {
        default_password: DefaultPassword::Changed,
        rtsp_auth: AuthMode::None,
        web_auth: AuthMode::Digest,
        onvif_auth: OnvifAuth::Wsse,
        telnet: false,
    },
    // Telnet on, web UI with Basic over plain HTTP.
    Profile {
        default_password: DefaultPassword::Changed,
        rtsp_auth: AuthMode::Digest,
        web_auth: AuthMode::Basic,
        onvif_auth: OnvifAuth::Wsse,
        telnet: true,
    },
    // Anonymous ONVIF device information.
    Profile {
        default_password: DefaultPassword::Changed,
        rtsp_auth: AuthMode::Digest,
        web_auth: AuthMode::Digest,
        onvif_auth: OnvifAuth::None,
        telnet: false,
    },
    // Default password kept, Basic everywhere, telnet on.
    Profile {
        default_password: DefaultPassword::Kept,
        rtsp_auth: AuthMode::Basic,
        web_auth: AuthMode::Basic,
        onvif_auth: OnvifAuth::Wsse,
        telnet: true,
    },
    // Hardened.
    Profile {
        default_password: DefaultPassword::Changed,
        rtsp_auth: AuthMode::Digest,
        web_auth: AuthMode::Digest,
        onvif_auth: OnvifAuth::Wsse,
        telnet: false,
    },
];

/// Remove `keys` from a raw `[[device]]` entry and return them, so that the switch modules
/// (behaviour, extra services, TLS/discovery) parse their own keys and the rest of the entry
/// can be parsed strictly.
pub(crate) fn take_keys(entry: &mut toml::Value, keys: &[&str]) -> toml::Table {
    let mut out = toml::Table::new();
    if let Some(table) = entry.as_table_mut() {
        for key in keys {
            if let Some(v) = table.remove(*key) {
                out.insert((*key).to_string(), v);
            }
        }
    }
    out
}

/// The field a deserialisation error is about: named in the message for unknown and missing
/// fields; otherwise the key whose removal changes the error (bad value, type or variant).
fn culprit_field(entry: &toml::Value, msg: &str) -> String {
    if msg.starts_with("unknown field") || msg.starts_with("missing field") {
        if let Some(f) = msg.split('`').nth(1) {
            return f.to_string();
        }
    }
    if let Some(table) = entry.as_table() {
        for key in table.keys() {
            let mut without = table.clone();
            without.remove(key);
            let changed = match RawDevice::deserialize(toml::Value::Table(without)) {
                Ok(_) => true,
                Err(e) => e.message() != msg,
            };
            if changed {
                return key.clone();
            }
        }
    }
    "?".to_string()
}

fn resolve(raw: RawDevice, index: usize, seed: u64, name: &str) -> Result<DeviceSpec, LabError> {
    let bad = |field: &str, message: String| LabError::Device {
        device: name.to_string(),
        field: field.to_string(),
        message,
    };
    let p = Personality::get(&raw.personality).ok_or_else(|| {
        bad(
            "personality",
            format!(
                "unknown personality {:?} (known: {})",
                raw.personality,
                Personality::names().join(", ")
            ),
        )
    })?;
    let id = raw.id.unwrap_or_else(|| format!("{}-{}", p.id, index + 1));
    if id.is_empty() || id.len() > 64 || id.chars().any(|c| c.is_control() || c == '"') {
        return Err(bad("id", "must be 1–64 printable characters".into()));
    }
    let model = raw.model.unwrap_or_else(|| p.identity.models[0].clone());
    let firmware = raw
        .firmware
        .unwrap_or_else(|| p.identity.firmware[0].clone());
    for (field, v) in [("model", &model), ("firmware", &firmware)] {
        if v.is_empty() || v.len() > 128 || v.chars().any(char::is_control) {
            return Err(bad(field, "must be 1–128 printable characters".into()));
        }
    }
    let serial = match raw.serial {
        Some(s) => s,
        None => expand_serial(
            &p.identity.serial_pattern,
            &model,
            &mut device_rng(seed, index, RNG_SERIAL),
        ),
    };
    if serial.is_empty() || serial.len() > 64 || !serial.chars().all(|c| c.is_ascii_graphic()) {
        return Err(bad(
            "serial",
            "must be 1–64 printable ASCII characters".into(),
        ));
    }
    let username = raw
        .username
        .unwrap_or_else(|| p.credentials.username.clone());
    if username.is_empty() || username.contains(':') || username.chars().any(char::is_control) {
        return Err(bad(
            "username",
            "must be non-empty, without ':' or control characters".into(),
        ));
    }
    let (password, kept) = match (raw.password, raw.default_password) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "default_password",
                "set either `password` or `default_password`, not both".into(),
            ))
        }
        (Some(pw), None) => {
            let kept = pw == p.credentials.password;
            (pw, kept)
        }
        (None, Some(DefaultPassword::Changed)) => (
            strong_password(&mut device_rng(seed, index, RNG_PASSWORD)),
            false,
        ),
        (None, Some(DefaultPassword::Kept) | None) => (p.credentials.password.clone(), true),
    };
    if password.chars().any(char::is_control) {
        return Err(bad("password", "control characters are not allowed".into()));
    }
    Ok(DeviceSpec {
        id,
        personality: p.id.clone(),
        model,
        firmware,
        serial,
        username,
        password,
        default_password_kept: kept,
        rtsp_auth: raw.rtsp_auth.unwrap_or(p.rtsp.default_auth),
        web_auth: raw.web_auth.unwrap_or(p.http.default_auth),
        onvif_auth: raw.onvif_auth.unwrap_or(p.onvif.default_auth),
        telnet: raw.telnet.unwrap_or(p.telnet.default_enabled),
        https: raw.https.unwrap_or(false),
        hostile: Vec::new(),
        behaviour: crate::behaviour::Behaviour::default(),
        services: crate::extra_services::ExtraServices::default(),
        tls_discovery: crate::tls_discovery::Switches::default(),
        vulns: crate::vulns::Vulns::default(),
        surface: crate::surface::Switches::default(),
        ssh_host_key: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../data/lab/example.toml");

    #[test]
    fn example_lab_parses() {
        let lab = LabConfig::from_toml_str(EXAMPLE).expect("example parses");
        assert_eq!(lab.devices.len(), 6);
        assert_eq!(lab.seed, 2026);
        let hik = &lab.devices[0];
        assert_eq!(hik.id, "hik-default");
        assert_eq!(
            (hik.username.as_str(), hik.password.as_str()),
            ("admin", "12345")
        );
        assert!(hik.default_password_kept);
        assert!(hik.telnet);
        assert_eq!(hik.rtsp_auth, AuthMode::Digest);
        let hardened = &lab.devices[1];
        assert_eq!(hardened.model, "DS-2CD2T47G1-L");
        assert!(!hardened.default_password_kept);
        assert_eq!(hardened.password.len(), 16);
        let dahua = &lab.devices[3];
        assert_eq!(dahua.password, "Lab.Dahua2024");
        assert!(!dahua.default_password_kept);
        assert_eq!(dahua.web_auth, AuthMode::Basic);
        assert_eq!(lab.devices[4].onvif_auth, OnvifAuth::None);
    }

    #[test]
    fn errors_name_device_and_field() {
        let cases = [
            ("[[device]]\nid = \"x\"\npersonality = \"acme\"\n", "x", "personality"),
            ("[[device]]\npersonality = \"dahua\"\nrtsp_auth = \"ntlm\"\n", "#1", "rtsp_auth"),
            ("[[device]]\nid = \"y\"\npersonality = \"dahua\"\ncolour = 1\n", "y", "colour"),
            ("[[device]]\nid = \"z\"\npersonality = \"dahua\"\nhttps = \"yes\"\n", "z", "https"),
            (
                "[[device]]\nid = \"w\"\npersonality = \"dahua\"\npassword = \"a\"\ndefault_password = \"kept\"\n",
                "w",
                "default_password",
            ),
            ("[[device]]\nid = \"v\"\n", "v", "personality"),
        ];
        for (text, device, field) in cases {
            match LabConfig::from_toml_str(text) {
                Err(LabError::Device {
                    device: d,
                    field: f,
                    ..
                }) => {
                    assert_eq!((d.as_str(), f.as_str()), (device, field), "{text}");
                }
                other => panic!("{text}: expected a device error, got {other:?}"),
            }
        }
    }

    #[test]
    fn duplicate_ids_and_bad_syntax_are_rejected() {
        let dup = "[[device]]\nid = \"a\"\npersonality = \"dahua\"\n[[device]]\nid = \"a\"\npersonality = \"hikvision\"\n";
        assert!(matches!(
            LabConfig::from_toml_str(dup),
            Err(LabError::Device { field, .. }) if field == "id"
        ));
        assert!(matches!(
            LabConfig::from_toml_str("[[device]\n"),
            Err(LabError::Syntax(_))
        ));
        assert!(matches!(
            LabConfig::from_toml_str("devices = []\n"),
            Err(LabError::Syntax(_))
        ));
    }

    #[test]
    fn generate_is_reproducible_and_covers_weaknesses() {
        let a = LabConfig::generate(6, 42);
        let b = LabConfig::generate(6, 42);
        let c = LabConfig::generate(6, 43);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.devices.len(), 6);
        let d = &a.devices;
        assert!(
            d.iter().any(|d| d.rtsp_auth == AuthMode::None),
            "anonymous rtsp"
        );
        assert!(
            d.iter().any(|d| d.default_password_kept),
            "default password kept"
        );
        assert!(d.iter().any(|d| d.telnet), "telnet on");
        assert!(
            d.iter().any(|d| d.web_auth == AuthMode::Basic),
            "basic over http"
        );
        assert!(
            d.iter().any(|d| d.onvif_auth == OnvifAuth::None),
            "anonymous onvif"
        );
        let personalities: BTreeSet<_> = d.iter().map(|d| d.personality.as_str()).collect();
        assert_eq!(personalities.len(), 3);
        let ids: BTreeSet<_> = d.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids.len(), 6);
        for dev in d.iter().filter(|d| !d.default_password_kept) {
            let p = dev.personality().expect("personality");
            assert_ne!(dev.password, p.credentials.password);
        }
    }

    #[test]
    fn generate_keeps_the_classic_mix_and_generate_all_covers_every_personality() {
        let classic = LabConfig::generate(30, 5);
        assert!(classic
            .devices
            .iter()
            .all(|d| crate::personality::CLASSIC.contains(&d.personality.as_str())));
        assert!(classic
            .devices
            .iter()
            .all(|d| d.services == crate::extra_services::ExtraServices::default()));
        let n = Personality::all().len();
        let all = LabConfig::generate_all(n, 5);
        assert_eq!(all, LabConfig::generate_all(n, 5), "reproducible");
        let ids: BTreeSet<_> = all.devices.iter().map(|d| d.personality.as_str()).collect();
        assert_eq!(ids.len(), n, "one device of every personality");
        let dahua = all
            .devices
            .iter()
            .find(|d| d.personality == "dahua")
            .unwrap();
        assert!(dahua.services.vendor_ports && dahua.services.ssh && !dahua.services.ftp);
        let axis = all
            .devices
            .iter()
            .find(|d| d.personality == "axis")
            .unwrap();
        assert!(axis.services.ftp && !axis.services.vendor_ports);
    }

    #[test]
    fn service_switches_parse_and_are_checked_against_the_personality() {
        let lab = LabConfig::from_toml_str(
            "[[device]]\nid = \"d\"\npersonality = \"dahua\"\nvendor_ports = true\nssh = true\n",
        )
        .expect("parses");
        assert!(lab.devices[0].services.vendor_ports && lab.devices[0].services.ssh);
        for (text, field) in [
            (
                "[[device]]\nid = \"g\"\npersonality = \"dahua\"\nftp = true\n",
                "ftp",
            ),
            (
                "[[device]]\nid = \"g\"\npersonality = \"uniview\"\nvendor_ports = true\n",
                "vendor_ports",
            ),
            (
                "[[device]]\nid = \"g\"\npersonality = \"axis\"\nftp = 1\n",
                "ftp",
            ),
        ] {
            match LabConfig::from_toml_str(text) {
                Err(LabError::Device {
                    device, field: f, ..
                }) => {
                    assert_eq!((device.as_str(), f.as_str()), ("g", field), "{text}")
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn from_file_reports_missing_file() {
        let err = LabConfig::from_file(Path::new("/nonexistent/lab.toml")).expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/lab.toml"));
    }
}
