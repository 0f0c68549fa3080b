//! One module per check. Each exposes `evaluate(&HostObservation, &CheckOptions) -> Evaluation`
//! and is registered in [`crate::registry`].

pub(crate) mod anon_deviceinfo;
pub(crate) mod cleartext_admin;
pub(crate) mod default_cred;
pub(crate) mod known_cve;
pub(crate) mod no_auth_stream;
pub(crate) mod telnet;
