//! Protocol building blocks shared by the scanner (client side) and the camera lab (server side).
//!
//! - [`wire`]: bounded framing of HTTP/1.x and RTSP/1.0 messages and RTSP interleaved frames;
//! - [`auth`]: Basic, Digest and ONVIF WS-Security UsernameToken, both sides;
//! - [`http`], [`rtsp`], [`onvif`], [`telnet`]: the scanner's clients.
//!
//! Every read is bounded by [`wire::Limits`] and every exchange runs under a deadline.

pub mod auth;
pub mod http;
pub mod onvif;
pub mod rtsp;
pub mod telnet;
pub mod wire;
