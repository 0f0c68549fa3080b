//! camguard's camera lab: simulated IP cameras, each on its own loopback address
//! (127.x.y.z), speaking real protocols — an HTTP web UI with Basic/Digest, RTSP with a real
//! MJPEG-over-RTP stream (RFC 2435), ONVIF device/media services with WS-Security, and an
//! optional telnet prompt.
//!
//! Everything the lab says about a vendor comes from the personality data files in
//! `data/lab/personalities/` (embedded in the binary).
//!
//! ```no_run
//! # async fn demo() -> Result<(), camguard_lab::LabError> {
//! use camguard_lab::{Lab, LabConfig, LabOptions};
//! let config = LabConfig::generate(6, 42);
//! let lab = Lab::start(&config, &LabOptions::default()).await?;
//! for d in &lab.manifest().devices {
//!     println!("{} {} {:?}", d.id, d.address, d.stream_urls);
//! }
//! lab.shutdown().await;
//! # Ok(()) }
//! ```

mod authn;
pub mod banners;
pub mod behaviour;
pub mod certs;
pub mod clock;
pub mod config;
mod device;
pub mod error;
pub mod extra_services;
mod fleet;
pub mod hostile;
mod http_server;
pub mod identity;
mod lab;
mod legacy_tls;
mod listen;
pub mod lockout;
pub mod login;
pub mod manifest;
pub mod mjpeg;
pub mod multicast6;
mod nonce;
mod onvif;
pub mod p2p;
pub mod personality;
mod quirks;
mod reply;
mod rtsp_server;
mod snapshot;
pub mod snmp;
mod ssdp;
pub mod ssh_server;
pub mod surface;
mod telnet;
mod tls;
pub mod tls_discovery;
mod udp;
pub mod vendor_ports;
mod vendor_table;
mod vuln_dahua;
mod vuln_hikvision;
pub mod vulns;
mod wsd;

pub use config::{AuthMode, DefaultPassword, DeviceSpec, LabConfig, OnvifAuth};
pub use error::LabError;
pub use lab::{Lab, LabOptions, MAX_CONNECTIONS_PER_LISTENER};
pub use manifest::{Manifest, ManifestDevice};
pub use personality::Personality;
