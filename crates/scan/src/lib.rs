//! camguard scan stage: targets → scope check → discovery → probes → [`HostObservation`]s.
//!
//! [`HostObservation`]: camguard_model::HostObservation

pub mod data;
pub mod rate;
pub mod scope;
pub mod targets;

pub use data::default_ports;
pub use scope::{enforce_scope, AuthorizedScope, ScopeError};
pub use targets::{read_target_file, TargetError, TargetSet};
