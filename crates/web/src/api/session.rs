//! Sign-in (with the Decision 724 lockout), sign-out and the caller's own settings.

use super::{remote, Body};
use crate::auth::{AtLeast, Caller, Via, Viewer, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult, Problem};
use crate::secret::{digest, hash_password, random_token, verify_password};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use camguard_store::auth::AuditEntry;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;

/// Body of `POST /api/v1/login`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    username: String,
    password: String,
}

/// Longest user name accepted at sign-in (user names are at most 64 characters).
const MAX_USERNAME: usize = 64;
/// Longest password accepted at sign-in (bounds the hashing work per request).
const MAX_PASSWORD: usize = 1024;

/// Argon2 hash of a random string: verified against when the user does not exist, so that
/// an unknown name costs the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// When the account is locked until, given its recent failures (oldest first).
pub fn locked_until(failures: &[DateTime<Utc>], state: &AppState) -> Option<DateTime<Utc>> {
    let rule = state.policy.lockout;
    let n = rule.failures as usize;
    if n == 0 || failures.len() < n {
        return None;
    }
    (n - 1..failures.len())
        .filter(|&i| failures[i] - failures[i + 1 - n] <= Duration::seconds(rule.window_secs))
        .map(|i| failures[i] + Duration::seconds(rule.lock_secs))
        .max()
}

async fn audit(
    state: &AppState,
    user: Option<&str>,
    action: &str,
    from: Option<String>,
    outcome: &str,
) {
    let entry = AuditEntry {
        id: 0,
        at: state.now(),
        username: user.map(str::to_owned),
        action: action.to_owned(),
        target: user.map(str::to_owned),
        remote: from,
        outcome: outcome.to_owned(),
    };
    if let Err(e) = state.store.audit(&entry).await {
        tracing::error!(error = %e, "cannot write the audit log");
    }
}

fn session_cookie(state: &AppState, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict");
    if state.tls {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or(HeaderValue::from_static("camguard_session=; Max-Age=0"))
}

/// `POST /api/v1/login`.
pub async fn login(State(state): State<AppState>, req: Request) -> ApiResult<Response> {
    let from = remote(req.extensions());
    let Body(login) =
        <Body<Login> as axum::extract::FromRequest<AppState>>::from_request(req, &state).await?;
    let Login { username, password } = login;
    let now = state.now();
    let rule = state.policy.lockout;
    let since = now - Duration::seconds(rule.window_secs + rule.lock_secs);
    let idle = crate::settings::idle_timeout(&state).await;
    state.store.prune_auth(since, now - idle).await?;
    if username.is_empty() || username.len() > MAX_USERNAME || password.len() > MAX_PASSWORD {
        audit(&state, None, "login_failed", from, "401").await;
        return Err(ApiError::new(
            Problem::LoginRefused,
            "wrong user name or password",
        ));
    }
    let failures = state.store.login_failures(&username, since).await?;
    if let Some(until) = locked_until(&failures, &state) {
        if now < until {
            audit(&state, Some(&username), "login_locked", from, "429").await;
            let secs = (until - now).num_seconds().max(1);
            let mut resp = ApiError::new(
                Problem::LoginLocked,
                format!("too many failed sign-ins: the account is locked for {secs} s"),
            )
            .into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            return Ok(resp);
        }
    }
    let found = state.store.user_credentials(&username).await?;
    let hash = found.as_ref().map_or(dummy_hash(), |(_, h)| h.as_str());
    let ok = verify_password(&password, hash) && found.is_some();
    let Some((user, _)) = found.filter(|_| ok) else {
        state.store.record_login_failure(&username, now).await?;
        audit(&state, Some(&username), "login_failed", from, "401").await;
        return Err(ApiError::new(
            Problem::LoginRefused,
            "wrong user name or password",
        ));
    };
    state.store.clear_login_failures(&username).await?;
    let sid = random_token();
    let csrf = random_token();
    state
        .store
        .create_session(&digest(&sid), user.id, &csrf, now)
        .await?;
    audit(&state, Some(&user.username), "login", from, "ok").await;
    let mut resp = Json(json!({"user": user, "csrf_token": csrf})).into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, &sid, None));
    Ok(resp)
}

/// `POST /api/v1/logout`.
pub async fn logout(State(state): State<AppState>, AtLeast(caller): Viewer) -> ApiResult<Response> {
    if let Via::Session { id_hash, .. } = &caller.via {
        state.store.delete_session(id_hash.as_str()).await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", Some(0)));
    Ok(resp)
}

fn me_json(caller: &Caller) -> serde_json::Value {
    let csrf = match &caller.via {
        Via::Session { csrf, .. } => Some(csrf.clone()),
        Via::Token { .. } => None,
    };
    json!({"user": caller.user, "role": caller.role, "csrf_token": csrf})
}

/// `GET /api/v1/me`.
pub async fn me(AtLeast(caller): Viewer) -> Json<serde_json::Value> {
    Json(me_json(&caller))
}

/// Body of `PATCH /api/v1/me`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeUpdate {
    lang: Option<String>,
    password: Option<String>,
    current_password: Option<String>,
}

/// `PATCH /api/v1/me`.
pub async fn update_me(
    State(state): State<AppState>,
    AtLeast(caller): Viewer,
    Body(update): Body<MeUpdate>,
) -> ApiResult<Json<serde_json::Value>> {
    if let Some(lang) = &update.lang {
        if lang != "vi" && lang != "en" {
            return Err(ApiError::new(Problem::BadLang, "lang is vi or en"));
        }
    }
    let hash = match &update.password {
        Some(new) => {
            let (_, current) = state
                .store
                .user_credentials(&caller.user.username)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            let given = update.current_password.as_deref().unwrap_or("");
            if !verify_password(given, &current) {
                return Err(ApiError::new(
                    Problem::WrongCurrentPassword,
                    "current_password is wrong",
                ));
            }
            if let Some(problem) = state.policy.password_problem(new) {
                return Err(ApiError::new(Problem::WeakPassword, problem));
            }
            Some(hash_password(new).map_err(ApiError::internal)?)
        }
        None => None,
    };
    state
        .store
        .update_user(
            caller.user.id,
            None,
            hash.as_deref(),
            update.lang.as_deref(),
        )
        .await?;
    let user = state
        .store
        .user(caller.user.id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Json(json!({"user": user})))
}
