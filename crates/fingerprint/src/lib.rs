//! camguard fingerprint stage.
