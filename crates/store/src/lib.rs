//! camguard store stage.
