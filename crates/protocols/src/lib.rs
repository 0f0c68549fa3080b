//! Protocol building blocks shared by the scanner (client side) and the camera lab (server side).
//!
//! - [`wire`]: bounded framing of HTTP/1.x and RTSP/1.0 messages and RTSP interleaved frames;
//! - [`auth`]: Basic, Digest and ONVIF WS-Security UsernameToken, both sides;
//! - [`http`], [`rtsp`], [`onvif`], [`telnet`]: the scanner's clients;
//! - [`tls`]: ClientHellos per version, the server's first flight, certificates, HTTPS;
//! - [`banner`], [`vendor`], [`rtmp`], [`discovery`]: FTP/SSH banners, vendor private ports,
//!   the RTMP handshake, SSDP and WS-Discovery;
//! - [`snmp`]: SNMP v1/v2c messages (BER), both sides;
//! - [`p2p`]: the CS2 PPPP LAN search and its UID answer, both sides.
//!
//! Every read is bounded by [`wire::Limits`] and every exchange runs under a deadline.

pub mod auth;
pub mod banner;
pub mod bytes;
pub mod discovery;
pub mod http;
pub mod onvif;
pub mod p2p;
pub mod rtmp;
pub mod rtsp;
pub mod snmp;
pub mod telnet;
pub mod telnet_login;
pub mod tls;
pub mod vendor;
pub mod wire;
