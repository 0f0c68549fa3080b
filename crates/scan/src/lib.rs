//! camguard scan stage.
