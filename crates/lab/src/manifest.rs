//! What a running lab tells its users: one entry per device with addresses, ports, URLs and
//! the credentials in force.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// All devices of a running lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Devices in address order.
    pub devices: Vec<ManifestDevice>,
}

/// One running device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestDevice {
    /// Device id from the lab description.
    pub id: String,
    /// Personality id.
    pub personality: String,
    /// Loopback address the device listens on.
    pub address: Ipv4Addr,
    /// Vendor name, canonical spelling.
    pub vendor: String,
    /// Model designation.
    pub model: String,
    /// Firmware version string.
    pub firmware: String,
    /// Serial number.
    pub serial: String,
    /// Kind of device (`ip_camera`, …).
    pub device_type: String,
    /// Listening ports by service: `http` (plus `http_<port>` for further web ports),
    /// `rtsp`, `onvif`, `telnet`.
    pub ports: BTreeMap<String, u16>,
    /// RTSP URLs of the streams (`rtsp://127.x.y.z:554/...`), main stream first.
    pub stream_urls: Vec<String>,
    /// ONVIF device service URL.
    pub onvif_url: Option<String>,
    /// Account user name.
    pub username: String,
    /// Account password.
    pub password: String,
    /// True when the vendor default password is in force.
    pub default_password_kept: bool,
    /// `none`, `basic` or `digest`.
    pub rtsp_auth: String,
    /// `none`, `basic` or `digest`.
    pub web_auth: String,
    /// `none` or `wsse`.
    pub onvif_auth: String,
    /// Whether telnet runs.
    pub telnet: bool,
    /// Behaviour switches in force (auth variants, lockout, login messages, quirks).
    #[serde(default)]
    pub behaviour: crate::behaviour::Behaviour,
}

impl Manifest {
    /// A device by id.
    pub fn device(&self, id: &str) -> Option<&ManifestDevice> {
        self.devices.iter().find(|d| d.id == id)
    }
}
