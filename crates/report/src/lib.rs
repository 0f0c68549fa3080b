//! camguard report stage.
