//! One module per check. Each exposes `evaluate(&HostObservation, &CheckOptions) -> Evaluation`
//! and is registered in [`crate::registry`]. Fleet checks live in [`crate::fleet`].

pub(crate) mod anon_deviceinfo;
pub(crate) mod anon_disclosure;
pub(crate) mod anon_media;
pub(crate) mod anon_snapshot;
pub(crate) mod basic_over_cleartext;
pub(crate) mod cert_expired;
pub(crate) mod cert_self_signed;
pub(crate) mod cert_weak_key;
pub(crate) mod cleartext_admin;
pub(crate) mod cve_confirm;
pub(crate) mod default_cred;
pub(crate) mod ftp;
pub(crate) mod known_cve;
pub(crate) mod no_auth_stream;
pub(crate) mod no_lockout;
pub(crate) mod p2p_cloud;
pub(crate) mod reg_lookup;
pub(crate) mod reg_uncertified_model;
pub(crate) mod reg_warned_model;
pub(crate) mod rtsp_cleartext;
pub(crate) mod service_ports;
pub(crate) mod snmp_public;
pub(crate) mod ssh_exposed;
pub(crate) mod telnet;
pub(crate) mod tls_legacy;
pub(crate) mod tls_ports;
pub(crate) mod tls_weak_cipher;
pub(crate) mod upnp;
pub(crate) mod user_enumeration;
pub(crate) mod vendor_sdk_port;
pub(crate) mod vuln_firmware_outdated;
pub(crate) mod ws_discovery_unicast;
