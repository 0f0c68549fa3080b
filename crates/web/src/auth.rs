//! Who is calling: session cookies (with CSRF on unsafe methods, idle timeout) or bearer API
//! tokens, and the role extractors every route uses.

use crate::error::{ApiError, Problem};
use crate::secret::{constant_time_eq, digest};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};
use camguard_store::auth::User;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "camguard_session";
/// Header carrying the CSRF token on unsafe requests of cookie sessions.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Roles, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read only.
    Viewer = 0,
    /// Runs scans, edits schedules and attestations.
    Auditor = 1,
    /// Users, organisation, settings.
    Admin = 2,
}

impl Role {
    /// Parse `admin` / `auditor` / `viewer`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "auditor" => Some(Role::Auditor),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Auditor => "auditor",
            Role::Viewer => "viewer",
        }
    }
}

/// How the caller authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    /// A session cookie; the SHA-256 of its id and its CSRF token.
    Session {
        /// Digest of the session id.
        id_hash: String,
        /// The session's CSRF token.
        csrf: String,
    },
    /// A bearer API token (CSRF does not apply).
    Token {
        /// Token id.
        id: i64,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user.
    pub user: User,
    /// Effective role (a token's role may be below its owner's).
    pub role: Role,
    /// Session or token.
    pub via: Via,
}

/// Filled by the caller extractor so the audit middleware knows who acted.
#[derive(Debug, Clone, Default)]
pub struct AuditSlot(pub Arc<Mutex<Option<String>>>);

/// The value of cookie `name` in the request, if any.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Resolve the caller of a request, or `None` for an anonymous one. Errors: an expired
/// session or bad token is anonymous (401 later); a cookie session without the right CSRF
/// token on an unsafe method is 403.
pub async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<Caller>, ApiError> {
    let now = state.now();
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(token) = bearer {
        let Some((tok, user)) = state.store.use_token(&digest(token.trim()), now).await? else {
            return Ok(None);
        };
        let role = Role::parse(&tok.role)
            .zip(Role::parse(&user.role))
            .map(|(t, u)| t.min(u))
            .ok_or_else(|| ApiError::internal("unknown role in the database"))?;
        return Ok(Some(Caller {
            user,
            role,
            via: Via::Token { id: tok.id },
        }));
    }
    let Some(sid) = cookie(parts, SESSION_COOKIE) else {
        return Ok(None);
    };
    let id_hash = digest(sid);
    let Some(session) = state.store.session(&id_hash).await? else {
        return Ok(None);
    };
    let idle = crate::settings::idle_timeout(state).await;
    if now - session.last_seen > idle {
        state.store.delete_session(&id_hash).await?;
        return Ok(None);
    }
    if unsafe_method(&parts.method) {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !constant_time_eq(sent, &session.csrf) {
            return Err(ApiError::new(
                Problem::CsrfToken,
                "missing or wrong CSRF token (X-CSRF-Token)",
            ));
        }
    }
    state.store.touch_session(&id_hash, now).await?;
    let role = Role::parse(&session.user.role)
        .ok_or_else(|| ApiError::internal("unknown role in the database"))?;
    Ok(Some(Caller {
        user: session.user,
        role,
        via: Via::Session {
            id_hash,
            csrf: session.csrf,
        },
    }))
}

/// A caller with at least role `MIN` (0 viewer, 1 auditor, 2 admin); 401 when anonymous,
/// 403 when the role is too weak.
#[derive(Debug, Clone)]
pub struct AtLeast<const MIN: u8>(pub Caller);

/// Any signed-in user.
pub type Viewer = AtLeast<0>;
/// An auditor or administrator.
pub type Auditor = AtLeast<1>;
/// An administrator.
pub type Admin = AtLeast<2>;

impl<const MIN: u8> FromRequestParts<AppState> for AtLeast<MIN> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = resolve(parts, state)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        if let Some(slot) = parts.extensions.get::<AuditSlot>() {
            if let Ok(mut s) = slot.0.lock() {
                *s = Some(caller.user.username.clone());
            }
        }
        if (caller.role as u8) < MIN {
            return Err(ApiError::new(
                Problem::RoleTooWeak,
                format!("the {} role may not do this", caller.role.as_str()),
            ));
        }
        Ok(AtLeast(caller))
    }
}

/// The caller if signed in, else `None` (never rejects for missing credentials).
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(MaybeCaller(resolve(parts, state).await?))
    }
}
