//! camguard baseline stage.
