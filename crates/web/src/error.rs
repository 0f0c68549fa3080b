//! API errors as RFC 9457 problem details (`application/problem+json`).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use camguard_store::StoreError;

/// An error answered as a problem document.
#[derive(Debug, thiserror::Error)]
#[error("{status}: {detail}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Human-readable explanation.
    pub detail: String,
    /// Stable machine-readable code (one of [`codes`]), which pages map to the user's language.
    pub code: Option<&'static str>,
}

/// Stable problem codes: `type` is `urn:camguard:problem:<code>` and `code` is `<code>`.
pub mod codes {
    /// A scope or target that is not an address, CIDR or range.
    pub const BAD_CIDR: &str = "bad-cidr";
    /// A scan target outside the system's authorised scopes.
    pub const OUTSIDE_SCOPE: &str = "outside-scope";
    /// A name already taken.
    pub const DUPLICATE_NAME: &str = "duplicate-name";
    /// A password the password rule refuses.
    pub const WEAK_PASSWORD: &str = "weak-password";
    /// Every code, for tests and pages.
    pub const ALL: &[&str] = &[BAD_CIDR, OUTSIDE_SCOPE, DUPLICATE_NAME, WEAK_PASSWORD];
}

impl ApiError {
    /// An error with this status and detail.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: detail.into(),
            code: None,
        }
    }

    /// The same error with a stable code (see [`codes`]).
    pub fn with_code(mut self, code: &'static str) -> ApiError {
        self.code = Some(code);
        self
    }
    /// 400.
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }
    /// 401.
    pub fn unauthorized() -> ApiError {
        Self::new(StatusCode::UNAUTHORIZED, "sign in or present an API token")
    }
    /// 403.
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        Self::new(StatusCode::FORBIDDEN, detail)
    }
    /// 404.
    pub fn not_found(what: &str) -> ApiError {
        Self::new(StatusCode::NOT_FOUND, format!("no such {what}"))
    }
    /// 409.
    pub fn conflict(detail: impl Into<String>) -> ApiError {
        Self::new(StatusCode::CONFLICT, detail)
    }
    /// 500 (the detail is logged, not shown).
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error (see the server log)",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        if let StoreError::Sql(sqlx::Error::Database(db)) = &e {
            if db.is_unique_violation() {
                return ApiError::conflict("an entry with that name already exists")
                    .with_code(codes::DUPLICATE_NAME);
            }
            if db.is_foreign_key_violation() {
                return ApiError::bad_request("a referenced entry does not exist");
            }
        }
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if let Some(code) = self.code {
            body["type"] = format!("urn:camguard:problem:{code}").into();
            body["code"] = code.into();
        }
        (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response()
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
