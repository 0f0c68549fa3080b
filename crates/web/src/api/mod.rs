//! The REST API under `/api/v1`: one route table builds both the router and the OpenAPI
//! document, so the two cannot drift apart.

mod admin;
mod attested;
pub(crate) mod inventory;
mod org;
mod scans;
mod session;
mod settings;

use crate::auth::{resolve, AuditSlot, Role};
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put, MethodRouter};
use axum::{Json, Router};
use camguard_store::auth::AuditEntry;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// Prefix of every API route.
pub const PREFIX: &str = "/api/v1";

/// One API operation.
pub struct Route {
    /// HTTP method.
    pub method: Method,
    /// Path under the server root, with `{param}` placeholders.
    pub path: &'static str,
    /// Weakest role allowed; `None` for a public route.
    pub role: Option<Role>,
    /// One-line description.
    pub summary: &'static str,
    /// Query parameters it reads.
    pub query: &'static [&'static str],
    /// It takes a JSON body.
    pub body: bool,
    /// Handler.
    pub handler: MethodRouter<AppState>,
}

fn r(
    method: Method,
    path: &'static str,
    role: Option<Role>,
    summary: &'static str,
    query: &'static [&'static str],
    handler: MethodRouter<AppState>,
) -> Route {
    let body = matches!(method, Method::POST | Method::PATCH | Method::PUT)
        && !path.ends_with("/cancel")
        && !path.ends_with("/logout");
    Route {
        method,
        path,
        role,
        summary,
        query,
        body,
        handler,
    }
}

const PAGE: &[&str] = &["page", "per_page"];

/// Every API route.
pub fn routes() -> Vec<Route> {
    use Role::{Admin, Auditor, Viewer};
    let (g, p, d) = (Method::GET, Method::POST, Method::DELETE);
    vec![
        r(
            g.clone(),
            "/api/v1/openapi.json",
            None,
            "This OpenAPI 3.1 document",
            &[],
            get(crate::openapi::handler),
        ),
        r(
            p.clone(),
            "/api/v1/login",
            None,
            "Sign in; sets the session cookie and returns the CSRF token",
            &[],
            post(session::login),
        ),
        r(
            p.clone(),
            "/api/v1/logout",
            Some(Viewer),
            "Sign out (ends the session)",
            &[],
            post(session::logout),
        ),
        r(
            g.clone(),
            "/api/v1/me",
            Some(Viewer),
            "The signed-in user, role and CSRF token",
            &[],
            get(session::me),
        ),
        r(
            Method::PATCH,
            "/api/v1/me",
            Some(Viewer),
            "Change own language or password",
            &[],
            patch(session::update_me),
        ),
        r(
            g.clone(),
            "/api/v1/users",
            Some(Admin),
            "List users",
            PAGE,
            get(admin::list_users),
        ),
        r(
            p.clone(),
            "/api/v1/users",
            Some(Admin),
            "Create a user (a generated password is shown once)",
            &[],
            post(admin::create_user),
        ),
        r(
            Method::PATCH,
            "/api/v1/users/{id}",
            Some(Admin),
            "Change a user's role, password or language",
            &[],
            patch(admin::update_user),
        ),
        r(
            d.clone(),
            "/api/v1/users/{id}",
            Some(Admin),
            "Delete a user",
            &[],
            delete(admin::delete_user),
        ),
        r(
            g.clone(),
            "/api/v1/tokens",
            Some(Viewer),
            "List API tokens (own; all for administrators)",
            PAGE,
            get(admin::list_tokens),
        ),
        r(
            p.clone(),
            "/api/v1/tokens",
            Some(Viewer),
            "Create an API token (shown once, role at most the creator's)",
            &[],
            post(admin::create_token),
        ),
        r(
            d.clone(),
            "/api/v1/tokens/{id}",
            Some(Viewer),
            "Revoke an API token",
            &[],
            delete(admin::delete_token),
        ),
        r(
            g.clone(),
            "/api/v1/settings",
            Some(Admin),
            "Administrator settings (organisation, defaults, session idle timeout, scan limits)",
            &[],
            get(settings::get_settings),
        ),
        r(
            Method::PUT,
            "/api/v1/settings",
            Some(Admin),
            "Change administrator settings (the fields given)",
            &[],
            put(settings::put_settings),
        ),
        r(
            g.clone(),
            "/api/v1/audit",
            Some(Admin),
            "The audit log, newest first",
            PAGE,
            get(admin::audit),
        ),
        r(
            g.clone(),
            "/api/v1/sites",
            Some(Viewer),
            "List sites",
            PAGE,
            get(org::list_sites),
        ),
        r(
            p.clone(),
            "/api/v1/sites",
            Some(Admin),
            "Create a site",
            &[],
            post(org::create_site),
        ),
        r(
            Method::PATCH,
            "/api/v1/sites/{id}",
            Some(Admin),
            "Change a site's name or address",
            &[],
            patch(org::update_site),
        ),
        r(
            d.clone(),
            "/api/v1/sites/{id}",
            Some(Admin),
            "Delete a site",
            &[],
            delete(org::delete_site),
        ),
        r(
            g.clone(),
            "/api/v1/systems",
            Some(Viewer),
            "List information systems",
            &["page", "per_page", "site"],
            get(org::list_systems),
        ),
        r(
            p.clone(),
            "/api/v1/systems",
            Some(Admin),
            "Create an information system",
            &[],
            post(org::create_system),
        ),
        r(
            Method::PATCH,
            "/api/v1/systems/{id}",
            Some(Admin),
            "Change an information system's name, approved security level or owner",
            &[],
            patch(org::update_system),
        ),
        r(
            d.clone(),
            "/api/v1/systems/{id}",
            Some(Admin),
            "Delete an information system",
            &[],
            delete(org::delete_system),
        ),
        r(
            g.clone(),
            "/api/v1/scopes",
            Some(Viewer),
            "List authorised scan scopes",
            &["page", "per_page", "system"],
            get(org::list_scopes),
        ),
        r(
            p.clone(),
            "/api/v1/scopes",
            Some(Admin),
            "Add an authorised scan scope (CIDR) to a system",
            &[],
            post(org::create_scope),
        ),
        r(
            d.clone(),
            "/api/v1/scopes/{id}",
            Some(Admin),
            "Delete a scope",
            &[],
            delete(org::delete_scope),
        ),
        r(
            g.clone(),
            "/api/v1/devices",
            Some(Viewer),
            "The inventory, filtered and paginated",
            &[
                "page",
                "per_page",
                "q",
                "vendor",
                "model",
                "firmware",
                "check",
                "verdict",
                "site",
                "system",
                "camera",
                "first_seen",
                "last_seen",
            ],
            get(inventory::list_devices),
        ),
        r(
            g.clone(),
            "/api/v1/devices/{id}",
            Some(Viewer),
            "A device: endpoints, identity, findings (evidence for auditors), verdicts",
            &[],
            get(inventory::device),
        ),
        r(
            g.clone(),
            "/api/v1/devices/{id}/history",
            Some(Viewer),
            "A device across scans",
            &[],
            get(inventory::history),
        ),
        r(
            g.clone(),
            "/api/v1/scans",
            Some(Viewer),
            "Scans recorded in the database (CLI and dashboard)",
            PAGE,
            get(inventory::list_scans),
        ),
        r(
            p.clone(),
            "/api/v1/scans",
            Some(Auditor),
            "Start a scan of targets inside a system's scope",
            &[],
            post(scans::start),
        ),
        r(
            g.clone(),
            "/api/v1/scans/{id}",
            Some(Viewer),
            "One recorded scan",
            &[],
            get(inventory::scan),
        ),
        r(
            g.clone(),
            "/api/v1/jobs",
            Some(Viewer),
            "Scan jobs started from the dashboard or a schedule",
            PAGE,
            get(scans::list_jobs),
        ),
        r(
            g.clone(),
            "/api/v1/jobs/{id}",
            Some(Viewer),
            "One scan job",
            &[],
            get(scans::job),
        ),
        r(
            g.clone(),
            "/api/v1/jobs/{id}/events",
            Some(Viewer),
            "Live progress of a scan job (server-sent events)",
            &[],
            get(scans::events),
        ),
        r(
            p.clone(),
            "/api/v1/jobs/{id}/cancel",
            Some(Auditor),
            "Cancel a running scan job",
            &[],
            post(scans::cancel),
        ),
        r(
            g.clone(),
            "/api/v1/schedules",
            Some(Viewer),
            "Periodic scans",
            PAGE,
            get(scans::list_schedules),
        ),
        r(
            p.clone(),
            "/api/v1/schedules",
            Some(Auditor),
            "Schedule a periodic scan (daily, weekly, monthly or cron)",
            &[],
            post(scans::create_schedule),
        ),
        r(
            d.clone(),
            "/api/v1/schedules/{id}",
            Some(Auditor),
            "Delete a schedule",
            &[],
            delete(scans::delete_schedule),
        ),
        r(
            g.clone(),
            "/api/v1/attestations",
            Some(Viewer),
            "Documentary evidence attached to provisions",
            PAGE,
            get(org::list_attestations),
        ),
        r(
            p.clone(),
            "/api/v1/attestations",
            Some(Auditor),
            "Attest a provision for a model or a system",
            &[],
            post(org::create_attestation),
        ),
        r(
            d.clone(),
            "/api/v1/attestations/{id}",
            Some(Auditor),
            "Delete an attestation",
            &[],
            delete(org::delete_attestation),
        ),
        r(
            g.clone(),
            "/api/v1/baselines",
            Some(Viewer),
            "Baselines: the built-in catalogues and the custom files the server was started with",
            PAGE,
            get(inventory::list_baselines),
        ),
        r(
            g.clone(),
            "/api/v1/compliance",
            Some(Viewer),
            "Per-baseline scorecard (organisation or one system)",
            &["baseline", "system"],
            get(inventory::compliance),
        ),
        r(
            g.clone(),
            "/api/v1/reports",
            Some(Viewer),
            "Download a report (html, json, csv, sarif; html and json label the attested verdicts; detail=full|failed|summary for html)",
            &["format", "lang", "baseline", "detail"],
            get(inventory::report),
        ),
        r(
            g,
            "/api/v1/reports/diff",
            Some(Viewer),
            "Download what changed between two scans (default: the newest two finished scans)",
            &["old", "new", "format", "lang"],
            get(inventory::diff_report),
        ),
    ]
}

/// The API router (without the outer layers).
pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for route in routes() {
        router = router.route(route.path, route.handler);
    }
    router
}

/// Unknown `/api/v1` paths: 401 for anonymous callers, 404 otherwise.
pub async fn fallback(State(state): State<AppState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    match resolve(&parts, &state).await {
        Ok(Some(_)) => ApiError::not_found("route").into_response(),
        Ok(None) => ApiError::unauthorized().into_response(),
        Err(e) => e.into_response(),
    }
}

/// The remote address of a request, when the server knows it.
pub fn remote(req_ext: &axum::http::Extensions) -> Option<String> {
    req_ext
        .get::<ConnectInfo<crate::tls::Peer>>()
        .map(|c| c.0 .0.to_string())
        .or_else(|| {
            req_ext
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.to_string())
        })
}

/// Records every unsafe API request in the audit log (sign-in records its own entries).
pub async fn audit_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    if matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) || path == "/api/v1/login" {
        return next.run(req).await;
    }
    let slot = AuditSlot::default();
    req.extensions_mut().insert(slot.clone());
    let from = remote(req.extensions());
    let response = next.run(req).await;
    let username = slot.0.lock().ok().and_then(|s| s.clone());
    let entry = AuditEntry {
        id: 0,
        at: state.now(),
        username,
        action: format!("{method} {path}"),
        target: path
            .rsplit('/')
            .find(|s| s.parse::<i64>().is_ok())
            .map(str::to_owned),
        remote: from,
        outcome: response.status().as_u16().to_string(),
    };
    if let Err(e) = state.store.audit(&entry).await {
        tracing::error!(error = %e, "cannot write the audit log");
    }
    response
}

/// `?page=&per_page=`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct PageQuery {
    /// 1-based page.
    pub page: Option<u64>,
    /// Items per page (1–500, default 50).
    pub per_page: Option<u64>,
}

impl PageQuery {
    fn resolved(&self) -> Result<(u64, u64), ApiError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(50);
        if page == 0 || !(1..=500).contains(&per_page) {
            return Err(ApiError::new(
                Problem::BadPage,
                "page starts at 1; per_page is 1 to 500",
            ));
        }
        Ok((page, per_page))
    }
}

/// A page of a list.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Items in the whole list.
    pub total: u64,
    /// This page (1-based).
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

/// Answer one page of `items` (already filtered) with `X-Total-Count` and `Link` headers.
pub fn paginate<T: Serialize>(
    items: Vec<T>,
    q: PageQuery,
    path: &str,
) -> Result<Response, ApiError> {
    let (page, per_page) = q.resolved()?;
    let total = items.len() as u64;
    let start = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let items: Vec<T> = items
        .into_iter()
        .skip(start)
        .take(per_page as usize)
        .collect();
    Ok(page_response(
        Page {
            items,
            total,
            page,
            per_page,
        },
        path,
    ))
}

/// The response for a page whose items were selected already.
pub fn page_response<T: Serialize>(page: Page<T>, path: &str) -> Response {
    let last = page.total.div_ceil(page.per_page).max(1);
    let link = |p: u64, rel: &str| {
        format!(
            "<{path}?page={p}&per_page={}>; rel=\"{rel}\"",
            page.per_page
        )
    };
    let mut links = vec![link(1, "first"), link(last, "last")];
    if page.page > 1 {
        links.push(link(page.page - 1, "prev"));
    }
    if page.page < last {
        links.push(link(page.page + 1, "next"));
    }
    let total = page.total;
    let mut resp = Json(page).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&links.join(", ")) {
        h.insert(header::LINK, v);
    }
    h.insert("x-total-count", HeaderValue::from(total));
    resp
}

/// `201 Created` with a JSON body.
pub fn created<T: Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}

/// `204 No Content` when `found`, else 404 for `what`.
pub fn deleted(found: bool, what: &str) -> Result<Response, ApiError> {
    if found {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(what))
    }
}

/// A JSON body; a malformed one is a problem+json 400 (415 without a JSON content type).
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(e) => Err(ApiError::new(Problem::BadBody, e.body_text()).with_status(e.status())),
        }
    }
}

/// A numeric `{id}` path parameter; anything else is a problem+json 404.
#[derive(Debug, Clone, Copy)]
pub struct Id(pub i64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        match axum::extract::Path::<i64>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(Id(id)),
            Err(_) => Err(ApiError::not_found("entry (ids are numbers)")),
        }
    }
}

/// Query parameters; a malformed query is a problem+json 400.
#[derive(Debug)]
pub struct Q<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Q(v)),
            Err(e) => Err(ApiError::new(Problem::BadQuery, e.body_text())),
        }
    }
}

pub use scans::run_due as run_due_schedules;
