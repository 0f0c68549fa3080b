//! Users, API tokens and the audit log.

use super::{created, deleted, page_response, paginate, Body, Id, Page, PageQuery, Q};
use crate::auth::{Admin, AtLeast, Role, Viewer};
use crate::error::{ApiError, ApiResult, Problem};
use crate::secret::{digest, hash_password, random_password, random_token};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::json;

/// Body of `POST /api/v1/users`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    username: String,
    role: String,
    password: Option<String>,
    lang: Option<String>,
}

fn check_username(name: &str) -> ApiResult<()> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            Problem::BadUsername,
            "username: 1-64 characters of letters, digits and . _ - @",
        ))
    }
}

fn check_lang(lang: Option<&str>) -> ApiResult<()> {
    match lang {
        None | Some("vi") | Some("en") => Ok(()),
        Some(_) => Err(ApiError::new(Problem::BadLang, "lang is vi or en")),
    }
}

fn role(s: &str) -> ApiResult<Role> {
    Role::parse(s)
        .ok_or_else(|| ApiError::new(Problem::BadRole, "role is admin, auditor or viewer"))
}

/// `GET /api/v1/users`.
pub async fn list_users(
    State(s): State<AppState>,
    _: Admin,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    paginate(s.store.users().await?, q, "/api/v1/users")
}

/// `POST /api/v1/users`.
pub async fn create_user(
    State(s): State<AppState>,
    _: Admin,
    Body(new): Body<NewUser>,
) -> ApiResult<Response> {
    check_username(&new.username)?;
    role(&new.role)?;
    check_lang(new.lang.as_deref())?;
    let (password, generated) = match new.password {
        Some(p) => {
            if let Some(problem) = s.policy.password_problem(&p) {
                return Err(ApiError::new(Problem::WeakPassword, problem));
            }
            (p, false)
        }
        None => (random_password(20), true),
    };
    let hash = hash_password(&password).map_err(ApiError::internal)?;
    let id = s
        .store
        .create_user(
            &new.username,
            &hash,
            &new.role,
            new.lang.as_deref().unwrap_or("vi"),
            s.now(),
        )
        .await?;
    let user = s
        .store
        .user(id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    let mut body = json!({"user": user});
    if generated {
        body["password"] = json!(password);
    }
    Ok(created(body))
}

/// Body of `PATCH /api/v1/users/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    role: Option<String>,
    password: Option<String>,
    lang: Option<String>,
}

/// `PATCH /api/v1/users/{id}`.
pub async fn update_user(
    State(s): State<AppState>,
    AtLeast(caller): Admin,
    Id(id): Id,
    Body(u): Body<UserUpdate>,
) -> ApiResult<Json<serde_json::Value>> {
    if let Some(r) = &u.role {
        role(r)?;
        if id == caller.user.id && r != "admin" {
            return Err(ApiError::new(
                Problem::SelfChange,
                "an administrator cannot demote themselves",
            ));
        }
    }
    check_lang(u.lang.as_deref())?;
    let hash = match &u.password {
        Some(p) => {
            if let Some(problem) = s.policy.password_problem(p) {
                return Err(ApiError::new(Problem::WeakPassword, problem));
            }
            Some(hash_password(p).map_err(ApiError::internal)?)
        }
        None => None,
    };
    if !s
        .store
        .update_user(id, u.role.as_deref(), hash.as_deref(), u.lang.as_deref())
        .await?
    {
        return Err(ApiError::not_found("user"));
    }
    let user = s
        .store
        .user(id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(json!({"user": user})))
}

/// `DELETE /api/v1/users/{id}`.
pub async fn delete_user(
    State(s): State<AppState>,
    AtLeast(caller): Admin,
    Id(id): Id,
) -> ApiResult<Response> {
    if id == caller.user.id {
        return Err(ApiError::new(
            Problem::SelfChange,
            "an administrator cannot delete themselves",
        ));
    }
    deleted(s.store.delete_user(id).await?, "user")
}

/// `GET /api/v1/tokens`.
pub async fn list_tokens(
    State(s): State<AppState>,
    AtLeast(c): Viewer,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    let owner = (c.role != Role::Admin).then_some(c.user.id);
    paginate(s.store.tokens(owner).await?, q, "/api/v1/tokens")
}

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    name: String,
    role: Option<String>,
}

/// `POST /api/v1/tokens`.
pub async fn create_token(
    State(s): State<AppState>,
    AtLeast(c): Viewer,
    Body(new): Body<NewToken>,
) -> ApiResult<Response> {
    if new.name.trim().is_empty() || new.name.len() > 100 {
        return Err(ApiError::new(Problem::BadLength, "name: 1-100 characters"));
    }
    let wanted = match &new.role {
        Some(r) => role(r)?,
        None => c.role,
    };
    if wanted > c.role {
        return Err(ApiError::new(
            Problem::TokenRoleTooHigh,
            "a token's role cannot exceed its creator's",
        ));
    }
    let token = random_token();
    let id = s
        .store
        .create_token(
            c.user.id,
            &new.name,
            &digest(&token),
            wanted.as_str(),
            s.now(),
        )
        .await?;
    Ok(created(
        json!({"id": id, "name": new.name, "role": wanted, "token": token}),
    ))
}

/// `DELETE /api/v1/tokens/{id}`.
pub async fn delete_token(
    State(s): State<AppState>,
    AtLeast(c): Viewer,
    Id(id): Id,
) -> ApiResult<Response> {
    let owner = (c.role != Role::Admin).then_some(c.user.id);
    deleted(s.store.delete_token(id, owner).await?, "token")
}

/// `GET /api/v1/audit`.
pub async fn audit(State(s): State<AppState>, _: Admin, Q(q): Q<PageQuery>) -> ApiResult<Response> {
    let (page, per_page) = q.resolved()?;
    let (items, total) = s
        .store
        .audit_log(per_page as u32, (page - 1).saturating_mul(per_page))
        .await?;
    Ok(page_response(
        Page {
            items,
            total,
            page,
            per_page,
        },
        "/api/v1/audit",
    ))
}
