//! camguard lab stage.
