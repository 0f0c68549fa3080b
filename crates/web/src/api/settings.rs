//! Administrator settings (`/api/v1/settings`).

use super::Body;
use crate::auth::{Admin, AtLeast};
use crate::error::ApiResult;
use crate::settings::{Settings, SettingsUpdate};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;

/// `GET /api/v1/settings`.
pub async fn get_settings(State(s): State<AppState>, _: Admin) -> ApiResult<Json<Settings>> {
    Ok(Json(Settings::clone(&*Settings::current(&s).await?)))
}

/// `PUT /api/v1/settings`: the fields given replace the settings; the others stay.
pub async fn put_settings(
    State(s): State<AppState>,
    AtLeast(c): Admin,
    Body(u): Body<SettingsUpdate>,
) -> ApiResult<Json<Settings>> {
    let next = Settings::update(&s, u, &c.user.username).await?;
    Ok(Json(Settings::clone(&next)))
}
