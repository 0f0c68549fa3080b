//! Server-rendered pages (no JavaScript framework, no build step).

use crate::state::AppState;
use axum::Router;

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new()
}
