//! A device as the servers see it: its spec, personality, address, ports and the derived
//! strings (realms, page, favicon) computed once at start.

use crate::config::DeviceSpec;
use crate::error::LabError;
use crate::identity::expand_realm;
use crate::manifest::ManifestDevice;
use crate::mjpeg::{self, JpegFrame};
use crate::nonce::NonceKey;
use crate::personality::Personality;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Instant;

/// One stream served by a device.
#[derive(Debug, Clone)]
pub struct Stream {
    /// Path with query, starting with `/`.
    pub path: String,
    /// ONVIF profile token of the stream.
    pub profile_token: String,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// The looped frames.
    pub frames: Arc<Vec<JpegFrame>>,
    /// Video channel (input) of the stream, from 1.
    pub channel: u16,
}

/// A running device's shared state.
#[derive(Debug)]
pub struct Device {
    /// Resolved lab entry.
    pub spec: DeviceSpec,
    /// Its personality.
    pub personality: &'static Personality,
    /// Loopback address.
    pub address: Ipv4Addr,
    /// Web UI ports (after the offset).
    pub http_ports: Vec<u16>,
    /// RTSP port (after the offset).
    pub rtsp_port: u16,
    /// ONVIF port (after the offset).
    pub onvif_port: u16,
    /// Telnet port (after the offset).
    pub telnet_port: u16,
    /// Realm of web challenges.
    pub web_realm: String,
    /// Realm of RTSP challenges.
    pub rtsp_realm: String,
    /// Login page HTML.
    pub login_page: String,
    /// `/favicon.ico` bytes.
    pub favicon: Vec<u8>,
    /// Streams, main first.
    pub streams: Vec<Stream>,
    /// Key of the stateless Digest nonces.
    pub nonces: NonceKey,
    /// When the device started (ONVIF uptime, SDP session id).
    pub started: Instant,
    /// Brute-force lockout state, shared by HTTP, RTSP and ONVIF.
    pub lockout: crate::lockout::Lockout,
    /// Vendor private ports in service (after the offset); empty unless switched on.
    pub vendor_ports: Vec<(crate::personality::VendorProtocol, u16)>,
    /// FTP greeter: port (after the offset) and expanded 220 line, when switched on.
    pub ftp: Option<(u16, String)>,
    /// SSH greeter: port (after the offset) and expanded identification string, when on.
    pub ssh: Option<(u16, String)>,
    /// The SSH server's host key (set by the lab from its seed; `None`: the shared key).
    pub ssh_key: Option<Arc<russh::keys::PrivateKey>>,
    /// HTTPS port state (certificate, TLS flavour) when `https = true`; set by the lab.
    pub tls: Option<crate::tls::DeviceTls>,
    /// Discovery responder ports (SSDP, UPnP description, WS-Discovery); set by the lab.
    pub discovery: crate::udp::DiscoveryPorts,
    /// Requests the device's HTTP servers received (tests prove what a scan sent).
    pub requests: crate::vulns::RequestLog,
    /// Port offset the device was started with (for its UDP surface services).
    pub port_offset: u16,
}

impl Device {
    /// Resolve a device from its spec, address and port offset.
    pub fn new(spec: &DeviceSpec, address: Ipv4Addr, port_offset: u16) -> Result<Device, LabError> {
        let p = Personality::get(&spec.personality).ok_or_else(|| LabError::Device {
            device: spec.id.clone(),
            field: "personality".into(),
            message: format!("unknown personality {:?}", spec.personality),
        })?;
        let port = |base: u16| {
            base.checked_add(port_offset).ok_or_else(|| {
                LabError::Options(format!("port {base} + offset {port_offset} exceeds 65535"))
            })
        };
        let mut streams = Vec::new();
        for (i, s) in p.rtsp.streams.iter().enumerate() {
            streams.push(Stream {
                path: s.path.clone(),
                profile_token: if i == 0 {
                    "Profile_1".to_string()
                } else {
                    format!("Profile_{}", i + 1)
                },
                width: s.width,
                height: s.height,
                frames: mjpeg::frames(s.width, s.height)?,
                channel: s.channel,
            });
        }
        let banner = |text: &str| {
            text.replace("{model}", &spec.model)
                .replace("{firmware}", &spec.firmware)
                .replace("{serial}", &spec.serial)
        };
        let vendor_ports = if spec.services.vendor_ports {
            p.vendor_ports
                .iter()
                .map(|v| Ok((v.protocol, port(v.port)?)))
                .collect::<Result<Vec<_>, LabError>>()?
        } else {
            Vec::new()
        };
        let ftp = match (&p.ftp, spec.services.ftp) {
            (Some(f), true) => Some((port(f.port)?, banner(&f.banner))),
            _ => None,
        };
        let ssh = match (&p.ssh, spec.services.ssh) {
            (Some(f), true) => Some((port(f.port)?, banner(&f.banner))),
            _ => None,
        };
        Ok(Device {
            spec: spec.clone(),
            personality: p,
            address,
            http_ports: p
                .http
                .ports
                .iter()
                .map(|&x| port(x))
                .collect::<Result<_, _>>()?,
            rtsp_port: port(p.rtsp.port)?,
            onvif_port: port(p.onvif.port)?,
            telnet_port: port(p.telnet.port)?,
            web_realm: expand_realm(&p.http.realm, &spec.serial, &spec.model),
            rtsp_realm: expand_realm(&p.rtsp.realm, &spec.serial, &spec.model),
            login_page: login_page(
                &expand_realm(&p.http.title, &spec.serial, &spec.model),
                &p.vendor,
            ),
            favicon: favicon(p.http.favicon_rgb),
            streams,
            nonces: NonceKey::random(),
            started: Instant::now(),
            lockout: crate::lockout::Lockout::new(
                spec.behaviour.lockout,
                Arc::new(crate::clock::SystemClock),
            ),
            vendor_ports,
            ftp,
            ssh,
            ssh_key: None,
            tls: None,
            discovery: Default::default(),
            requests: Default::default(),
            port_offset,
        })
    }

    /// Read the lockout's time from `clock` (tests move time by hand).
    pub fn set_clock(&mut self, clock: Arc<dyn crate::clock::Clock>) {
        self.lockout = crate::lockout::Lockout::new(self.spec.behaviour.lockout, clock);
    }

    /// RTSP URL of a stream.
    pub fn stream_url(&self, stream: &Stream) -> String {
        format!("rtsp://{}:{}{}", self.address, self.rtsp_port, stream.path)
    }

    /// A stable 64-bit hash (FNV-1a) of the serial number, for values derived from it (P2P
    /// UID, RPC2 session) that must not change between runs of one lab file.
    pub(crate) fn serial_hash(&self) -> u64 {
        self.spec
            .serial
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
            })
    }

    /// ONVIF device service URL.
    pub fn onvif_url(&self) -> String {
        format!(
            "http://{}:{}/onvif/device_service",
            self.address, self.onvif_port
        )
    }

    /// The device's manifest entry.
    pub fn manifest(&self) -> ManifestDevice {
        let mut ports = BTreeMap::new();
        for (i, &p) in self.http_ports.iter().enumerate() {
            let name = if i == 0 {
                "http".to_string()
            } else {
                format!("http_{p}")
            };
            ports.insert(name, p);
        }
        ports.insert("rtsp".to_string(), self.rtsp_port);
        ports.insert("onvif".to_string(), self.onvif_port);
        if self.spec.telnet {
            ports.insert("telnet".to_string(), self.telnet_port);
        }
        for (protocol, port) in &self.vendor_ports {
            ports.insert(protocol.as_str().to_string(), *port);
        }
        if let Some((port, _)) = &self.ftp {
            ports.insert("ftp".to_string(), *port);
        }
        if let Some((port, _)) = &self.ssh {
            ports.insert("ssh".to_string(), *port);
        }
        if let Some(tls) = &self.tls {
            ports.insert("https".to_string(), tls.port);
        }
        let mut discovery = Vec::new();
        if let Some(p) = self.discovery.ssdp {
            ports.insert("ssdp".to_string(), p);
            discovery.push("ssdp".to_string());
        }
        if let Some(p) = self.discovery.upnp_http {
            ports.insert("upnp_http".to_string(), p);
        }
        if let Some(p) = self.discovery.wsd {
            ports.insert("wsd".to_string(), p);
            discovery.push("wsd".to_string());
        }
        ManifestDevice {
            id: self.spec.id.clone(),
            personality: self.spec.personality.clone(),
            address: self.address,
            vendor: self.personality.vendor.clone(),
            model: self.spec.model.clone(),
            firmware: self.spec.firmware.clone(),
            serial: self.spec.serial.clone(),
            device_type: self.personality.device_type.clone(),
            ports,
            stream_urls: self.streams.iter().map(|s| self.stream_url(s)).collect(),
            onvif_url: Some(self.onvif_url()),
            username: self.spec.username.clone(),
            password: self.spec.password.clone(),
            default_password_kept: self.spec.default_password_kept,
            rtsp_auth: self.spec.rtsp_auth.as_str().to_string(),
            web_auth: self.spec.web_auth.as_str().to_string(),
            onvif_auth: self.spec.onvif_auth.as_str().to_string(),
            telnet: self.spec.telnet,
            hostile: Vec::new(),
            behaviour: self.spec.behaviour.clone(),
            channels: self.personality.channels(),
            known_cves: self.personality.cves_for(&self.spec.firmware),
            tls: self.tls.as_ref().map(|t| crate::manifest::ManifestTls {
                mode: t.mode.as_str().to_string(),
                certificate: t.cert.info.clone(),
            }),
            discovery,
            vulns: self.spec.vulns,
            anonymous_snapshot: crate::snapshot::anonymous_snapshot_path(self),
            http_any_path_200: self.spec.surface.http_any_path_200,
            snmp: self.spec.surface.snmp.as_ref().and_then(|community| {
                Some(crate::manifest::ManifestSnmp {
                    port: crate::snmp::port_of(self, self.port_offset)?,
                    community: community.clone(),
                })
            }),
            p2p: crate::p2p::port_of(self, self.port_offset).map(|port| {
                crate::manifest::ManifestP2p {
                    port,
                    uid: crate::p2p::uid(self).to_string(),
                }
            }),
        }
    }
}

/// The login page: a plain form titled as the vendor's.
fn login_page(title: &str, vendor: &str) -> String {
    let title = camguard_protocols::auth::xml_escape(title);
    let vendor = camguard_protocols::auth::xml_escape(vendor);
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n\
         <link rel=\"icon\" href=\"/favicon.ico\">\n</head>\n<body>\n\
         <form method=\"post\" action=\"/login\">\n<h1>{vendor}</h1>\n\
         <label>User name <input name=\"username\"></label>\n\
         <label>Password <input name=\"password\" type=\"password\"></label>\n\
         <button type=\"submit\">Login</button>\n</form>\n</body>\n</html>\n"
    )
}

/// A 16×16 single-colour `.ico` (32-bit BMP inside an ICO container).
pub fn favicon(rgb: [u8; 3]) -> Vec<u8> {
    const SIZE: u32 = 16;
    let pixels = SIZE * SIZE * 4;
    let mask = SIZE * 4; // 1 bit per pixel, rows padded to 32 bits
    let bmp_len = 40 + pixels + mask;
    let mut out = Vec::with_capacity((6 + 16 + bmp_len) as usize);
    out.extend_from_slice(&[0, 0, 1, 0, 1, 0]);
    out.extend_from_slice(&[SIZE as u8, SIZE as u8, 0, 0, 1, 0, 32, 0]);
    out.extend_from_slice(&bmp_len.to_le_bytes());
    out.extend_from_slice(&22u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&(SIZE as i32).to_le_bytes());
    out.extend_from_slice(&((SIZE * 2) as i32).to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&32u16.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(pixels + mask).to_le_bytes());
    out.extend_from_slice(&[0; 16]);
    for _ in 0..SIZE * SIZE {
        out.extend_from_slice(&[rgb[2], rgb[1], rgb[0], 255]);
    }
    out.extend(std::iter::repeat_n(0u8, mask as usize));
    out
}
