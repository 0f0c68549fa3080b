//! API errors as RFC 9457 problem details (`application/problem+json`). Every problem carries
//! a stable code from one table ([`Problem`]): `type` is `urn:camguard:problem:<code>`, `code`
//! is `<code>`, and pages show the code's text in the user's language
//! (`problem_<code>` in `data/i18n/web-{vi,en}.toml`; `detail` stays English).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use camguard_store::StoreError;

/// The problem table: variant, stable kebab-case code, the HTTP status it is answered with.
macro_rules! problems {
    ($($(#[doc = $doc:literal])+ $variant:ident = $code:literal => $status:ident,)+) => {
        /// Every problem the API answers with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Problem {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl Problem {
            /// Every problem, in table order.
            pub const ALL: &'static [Problem] = &[$(Problem::$variant,)+];

            /// The stable code.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Problem::$variant => $code,)+
                }
            }

            /// The status the problem is answered with (a malformed body keeps its own).
            pub const fn status(self) -> StatusCode {
                match self {
                    $(Problem::$variant => StatusCode::$status,)+
                }
            }
        }
    };
}

problems! {
    /// Neither a session nor an API token.
    Unauthenticated = "unauthenticated" => UNAUTHORIZED,
    /// A wrong user name or password at sign-in.
    LoginRefused = "login-refused" => UNAUTHORIZED,
    /// Too many failed sign-ins: the account is locked for a while.
    LoginLocked = "login-locked" => TOO_MANY_REQUESTS,
    /// A cookie session's unsafe request without its CSRF token.
    CsrfToken = "csrf-token" => FORBIDDEN,
    /// The caller's role may not do this.
    RoleTooWeak = "role-too-weak" => FORBIDDEN,
    /// A password change with a wrong current password.
    WrongCurrentPassword = "wrong-current-password" => FORBIDDEN,
    /// A token asked with a role above its creator's.
    TokenRoleTooHigh = "token-role-too-high" => FORBIDDEN,
    /// A scan target outside the system's authorised scopes.
    OutsideScope = "outside-scope" => FORBIDDEN,
    /// No such entry (or route).
    NotFound = "not-found" => NOT_FOUND,
    /// A name already taken.
    DuplicateName = "duplicate-name" => CONFLICT,
    /// An administrator demoting or deleting themselves.
    SelfChange = "self-change" => CONFLICT,
    /// As many scans running as the server allows.
    ScansBusy = "scans-busy" => CONFLICT,
    /// Cancelling a job that is not running.
    JobNotRunning = "job-not-running" => CONFLICT,
    /// A scope or target that is not an address, CIDR or range.
    BadCidr = "bad-cidr" => BAD_REQUEST,
    /// A password the password rule refuses.
    WeakPassword = "weak-password" => BAD_REQUEST,
    /// A user name outside the allowed characters or length.
    BadUsername = "bad-username" => BAD_REQUEST,
    /// A language other than `vi` or `en`.
    BadLang = "bad-lang" => BAD_REQUEST,
    /// A role other than admin, auditor or viewer.
    BadRole = "bad-role" => BAD_REQUEST,
    /// A text field empty or too long.
    BadLength = "bad-length" => BAD_REQUEST,
    /// A number outside its bounds (security level, idle timeout, scan rate…).
    OutOfRange = "out-of-range" => BAD_REQUEST,
    /// A baseline nobody knows.
    UnknownBaseline = "unknown-baseline" => BAD_REQUEST,
    /// An attestation's subject, status, baseline or provision refused.
    BadAttestation = "bad-attestation" => BAD_REQUEST,
    /// A scan of a system with no authorised scope.
    NoScope = "no-scope" => BAD_REQUEST,
    /// More scan targets than allowed.
    TooManyTargets = "too-many-targets" => BAD_REQUEST,
    /// A port list empty, too long or holding 0.
    BadPorts = "bad-ports" => BAD_REQUEST,
    /// A schedule that does not parse or never fires.
    BadSchedule = "bad-schedule" => BAD_REQUEST,
    /// A diff of scans that are not two finished scans, older first.
    BadDiff = "bad-diff" => BAD_REQUEST,
    /// A report format, language or detail level not offered.
    BadChoice = "bad-choice" => BAD_REQUEST,
    /// A page or page size out of bounds.
    BadPage = "bad-page" => BAD_REQUEST,
    /// A query string that does not parse.
    BadQuery = "bad-query" => BAD_REQUEST,
    /// A request body that is not the JSON object the operation takes.
    BadBody = "bad-body" => BAD_REQUEST,
    /// A reference to an entry that does not exist.
    MissingReference = "missing-reference" => BAD_REQUEST,
    /// A fault of the server (logged, not shown).
    Internal = "internal" => INTERNAL_SERVER_ERROR,
}

/// An error answered as a problem document.
#[derive(Debug, thiserror::Error)]
#[error("{status}: {detail}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Human-readable explanation (English).
    pub detail: String,
    /// What went wrong, by stable code.
    pub problem: Problem,
}

impl ApiError {
    /// `problem` with this detail, answered with the problem's status.
    pub fn new(problem: Problem, detail: impl Into<String>) -> ApiError {
        ApiError {
            status: problem.status(),
            detail: detail.into(),
            problem,
        }
    }

    /// The same error answered with `status` instead.
    pub fn with_status(mut self, status: StatusCode) -> ApiError {
        self.status = status;
        self
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.problem.code()
    }

    /// 401.
    pub fn unauthorized() -> ApiError {
        Self::new(Problem::Unauthenticated, "sign in or present an API token")
    }

    /// 404.
    pub fn not_found(what: &str) -> ApiError {
        Self::new(Problem::NotFound, format!("no such {what}"))
    }

    /// 500 (the detail is logged, not shown).
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %detail, "internal error");
        Self::new(Problem::Internal, "internal error (see the server log)")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        if let StoreError::Sql(sqlx::Error::Database(db)) = &e {
            if db.is_unique_violation() {
                return ApiError::new(
                    Problem::DuplicateName,
                    "an entry with that name already exists",
                );
            }
            if db.is_foreign_key_violation() {
                return ApiError::new(
                    Problem::MissingReference,
                    "a referenced entry does not exist",
                );
            }
        }
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        let body = serde_json::json!({
            "type": format!("urn:camguard:problem:{code}"),
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": code,
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for p in Problem::ALL {
            let c = p.code();
            assert!(seen.insert(c), "{c} twice");
            assert!(
                !c.is_empty()
                    && c.split('-')
                        .all(|w| !w.is_empty() && w.chars().all(|ch| ch.is_ascii_lowercase())),
                "{c} is not kebab-case"
            );
        }
    }
}
