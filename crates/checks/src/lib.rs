//! camguard checks stage.
