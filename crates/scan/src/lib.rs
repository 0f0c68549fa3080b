//! camguard scan stage: targets → scope check → discovery → probes → [`HostObservation`]s.
//!
//! - [`targets`]: target and exclude syntax, lazy iteration, IPv6 prefixes up to /112;
//! - [`exclude`]: exclusion lists (files, merged intervals, binary search);
//! - [`permutation`]: the seeded cyclic-group permutation that orders hosts;
//! - [`shard`]: scan order of one shard (`--shard i/n`, `--seed`);
//! - [`resume`]: checkpoints for `--resume`;
//! - [`sweep`]: the ordered, resumable scan over a shard;
//! - [`discovery_sweep`]: the lean connect-only sweep behind `--discovery-only`;
//! - [`import`]: targets from nmap, masscan, CSV and JSON files;
//! - [`multicast`]: WS-Discovery and SSDP multicast on the local segment (`--local`);
//! - [`scope`]: private/loopback vs. public addresses and the authorised-scope file;
//! - [`rate`]: connection pacing and concurrency limits;
//! - [`reason`]: the categories every endpoint's reason starts with;
//! - [`data`]: the embedded port table, RTSP routes and default credentials;
//! - [`engine`]: [`scan`], which probes every target and yields observations.
//!
//! [`HostObservation`]: camguard_model::HostObservation

pub mod config;
mod credentials;
pub mod credentials_ssh;
pub mod data;
pub mod discovery_sweep;
pub mod engine;
pub mod exclude;
pub mod import;
mod intrusive_data;
pub mod local_interface;
mod login_surface;
pub mod multicast;
pub mod permutation;
mod probe;
mod probe_cve;
mod probe_discovery;
mod probe_enumeration;
mod probe_http;
mod probe_lockout;
mod probe_onvif;
pub mod probe_p2p;
mod probe_rtsp;
mod probe_services;
pub mod probe_snapshot;
mod probe_snmp;
pub mod probe_ssh_key;
mod probe_tls;
pub mod rate;
pub mod reason;
pub mod resume;
pub mod scope;
pub mod shard;
pub mod sweep;
pub mod targets;

pub use config::{ScanConfig, VendorHint};
pub use data::default_ports;
pub use engine::{probe_one, scan};
pub use exclude::ExcludeList;
pub use probe_lockout::LockoutTestConfig;
pub use scope::{enforce_scope, AuthorizedScope, ScopeError};
pub use shard::{Shard, ShardWalk, DEFAULT_SEED};
pub use targets::{read_target_file, TargetError, TargetSet};
