//! camguard scan stage: targets → scope check → discovery → probes → [`HostObservation`]s.
//!
//! - [`targets`]: target and exclude syntax, lazy iteration;
//! - [`scope`]: private/loopback vs. public addresses and the authorised-scope file;
//! - [`rate`]: connection pacing and concurrency limits;
//! - [`data`]: the embedded port table, RTSP routes and default credentials;
//! - [`engine`]: [`scan`], which probes every target and yields observations.
//!
//! [`HostObservation`]: camguard_model::HostObservation

pub mod config;
mod credentials;
pub mod data;
pub mod engine;
mod probe;
mod probe_http;
mod probe_onvif;
mod probe_rtsp;
pub mod rate;
pub mod scope;
pub mod targets;

pub use config::{ScanConfig, VendorHint};
pub use data::default_ports;
pub use engine::{probe_one, scan};
pub use scope::{enforce_scope, AuthorizedScope, ScopeError};
pub use targets::{read_target_file, TargetError, TargetSet};
