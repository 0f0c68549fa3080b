//! camguard protocols stage.
