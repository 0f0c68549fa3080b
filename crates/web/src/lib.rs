//! camguard dashboard and REST API (`camguard serve`) over the database the CLI writes.
//!
//! - [`app`] builds the whole application (API under `/api/v1`, server-rendered pages, static
//!   assets) as one axum router; tests drive it without sockets.
//! - Authentication: server-side sessions (cookie `HttpOnly; SameSite=Strict`, `Secure` under
//!   TLS, CSRF synchronizer token, idle timeout) or hashed bearer API tokens
//!   ([`auth`]); roles admin ⊇ auditor ⊇ viewer enforced per route by extractors.
//! - Sign-in lockout, password rule, idle timeout and body limit come from
//!   `data/web/auth.toml` ([`policy`]).
//! - Scans run through a [`jobs::ScanRunner`] supplied by the binary (the same pipeline as
//!   `camguard scan`), only inside a system's authorised scopes.

pub mod api;
pub mod auth;
pub mod bootstrap;
pub mod error;
pub mod headers;
pub mod jobs;
pub mod openapi;
pub mod policy;
pub mod redact;
pub mod schedule;
pub mod secret;
pub mod settings;
pub mod state;
pub mod targets;
pub mod tls;
pub mod ui;

pub use state::{system_clock, AppState, Clock};

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;

/// The whole application.
pub fn app(state: AppState) -> Router {
    let limit = state.policy.limits.body_bytes;
    let api = api::router()
        .route("/api/v1/{*rest}", axum::routing::any(api::fallback))
        .route("/api/v1", axum::routing::any(api::fallback))
        .layer(from_fn_with_state(state.clone(), api::audit_layer));
    Router::new()
        .merge(api)
        .merge(ui::router())
        .layer(from_fn_with_state(state.clone(), headers::security_headers))
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
        .with_state(state)
}
