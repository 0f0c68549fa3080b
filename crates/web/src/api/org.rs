//! Sites, information systems, their authorised scopes, and attestations.

use super::{created, deleted, paginate, Body, Id, PageQuery, Q};
use crate::auth::{Admin, AtLeast, Auditor, Viewer};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::targets::parse_scope;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use camguard_store::org::Attestation;
use serde::Deserialize;

fn text(field: &str, v: &str, max: usize) -> ApiResult<()> {
    if v.trim().is_empty() || v.len() > max {
        return Err(ApiError::new(
            Problem::BadLength,
            format!("{field}: 1-{max} characters"),
        ));
    }
    Ok(())
}

/// Filters of the organisation lists.
#[derive(Debug, Deserialize)]
pub struct OrgQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    site: Option<i64>,
    system: Option<i64>,
}

impl OrgQuery {
    fn page(&self) -> PageQuery {
        PageQuery {
            page: self.page,
            per_page: self.per_page,
        }
    }
}

/// `GET /api/v1/sites`.
pub async fn list_sites(
    State(s): State<AppState>,
    _: Viewer,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    paginate(s.store.sites().await?, q, "/api/v1/sites")
}

/// Body of `POST /api/v1/sites`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSite {
    name: String,
    #[serde(default)]
    address: String,
}

/// `POST /api/v1/sites`.
pub async fn create_site(
    State(s): State<AppState>,
    _: Admin,
    Body(n): Body<NewSite>,
) -> ApiResult<Response> {
    text("name", &n.name, 200)?;
    if n.address.len() > 500 {
        return Err(ApiError::new(
            Problem::BadLength,
            "address: at most 500 characters",
        ));
    }
    Ok(created(
        s.store
            .create_site(n.name.trim(), &n.address, s.now())
            .await?,
    ))
}

/// Body of `PATCH /api/v1/sites/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteUpdate {
    name: Option<String>,
    address: Option<String>,
}

/// `PATCH /api/v1/sites/{id}`.
pub async fn update_site(
    State(s): State<AppState>,
    _: Admin,
    Id(id): Id,
    Body(u): Body<SiteUpdate>,
) -> ApiResult<Json<camguard_store::org::Site>> {
    if let Some(n) = &u.name {
        text("name", n, 200)?;
    }
    if u.address.as_ref().is_some_and(|a| a.len() > 500) {
        return Err(ApiError::new(
            Problem::BadLength,
            "address: at most 500 characters",
        ));
    }
    s.store
        .update_site(
            id,
            u.name.as_deref().map(str::trim),
            u.address.as_deref().map(str::trim),
        )
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("site"))
}

/// `DELETE /api/v1/sites/{id}`.
pub async fn delete_site(State(s): State<AppState>, _: Admin, Id(id): Id) -> ApiResult<Response> {
    deleted(s.store.delete_site(id).await?, "site")
}

/// `GET /api/v1/systems`.
pub async fn list_systems(
    State(s): State<AppState>,
    _: Viewer,
    Q(q): Q<OrgQuery>,
) -> ApiResult<Response> {
    let mut all = s.store.systems().await?;
    if let Some(site) = q.site {
        all.retain(|x| x.site_id == site);
    }
    paginate(all, q.page(), "/api/v1/systems")
}

/// Body of `POST /api/v1/systems`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSystem {
    site_id: i64,
    name: String,
    security_level: i64,
    owner: String,
}

/// `POST /api/v1/systems`.
pub async fn create_system(
    State(s): State<AppState>,
    _: Admin,
    Body(n): Body<NewSystem>,
) -> ApiResult<Response> {
    text("name", &n.name, 200)?;
    text("owner", &n.owner, 200)?;
    if !(1..=5).contains(&n.security_level) {
        return Err(ApiError::new(
            Problem::OutOfRange,
            "security_level is 1 to 5",
        ));
    }
    let sys = s
        .store
        .create_system(
            n.site_id,
            n.name.trim(),
            n.security_level,
            n.owner.trim(),
            s.now(),
        )
        .await?;
    Ok(created(sys))
}

/// Body of `PATCH /api/v1/systems/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemUpdate {
    name: Option<String>,
    security_level: Option<i64>,
    owner: Option<String>,
}

/// `PATCH /api/v1/systems/{id}`.
pub async fn update_system(
    State(s): State<AppState>,
    _: Admin,
    Id(id): Id,
    Body(u): Body<SystemUpdate>,
) -> ApiResult<Json<camguard_store::org::System>> {
    if let Some(n) = &u.name {
        text("name", n, 200)?;
    }
    if let Some(o) = &u.owner {
        text("owner", o, 200)?;
    }
    if u.security_level.is_some_and(|l| !(1..=5).contains(&l)) {
        return Err(ApiError::new(
            Problem::OutOfRange,
            "security_level is 1 to 5",
        ));
    }
    s.store
        .update_system(
            id,
            u.name.as_deref().map(str::trim),
            u.security_level,
            u.owner.as_deref().map(str::trim),
        )
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("system"))
}

/// `DELETE /api/v1/systems/{id}`.
pub async fn delete_system(State(s): State<AppState>, _: Admin, Id(id): Id) -> ApiResult<Response> {
    deleted(s.store.delete_system(id).await?, "system")
}

/// `GET /api/v1/scopes`.
pub async fn list_scopes(
    State(s): State<AppState>,
    _: Viewer,
    Q(q): Q<OrgQuery>,
) -> ApiResult<Response> {
    let mut all = s.store.scopes().await?;
    if let Some(system) = q.system {
        all.retain(|x| x.system_id == system);
    }
    paginate(all, q.page(), "/api/v1/scopes")
}

/// Body of `POST /api/v1/scopes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewScope {
    system_id: i64,
    cidr: String,
}

/// `POST /api/v1/scopes`.
pub async fn create_scope(
    State(s): State<AppState>,
    _: Admin,
    Body(n): Body<NewScope>,
) -> ApiResult<Response> {
    let net = parse_scope(&n.cidr).map_err(|e| ApiError::new(Problem::BadCidr, e))?;
    Ok(created(
        s.store
            .create_scope(n.system_id, &net.to_string(), s.now())
            .await?,
    ))
}

/// `DELETE /api/v1/scopes/{id}`.
pub async fn delete_scope(State(s): State<AppState>, _: Admin, Id(id): Id) -> ApiResult<Response> {
    deleted(s.store.delete_scope(id).await?, "scope")
}

/// `GET /api/v1/attestations`.
pub async fn list_attestations(
    State(s): State<AppState>,
    _: Viewer,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    paginate(s.store.attestations().await?, q, "/api/v1/attestations")
}

/// Body of `POST /api/v1/attestations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAttestation {
    subject: String,
    baseline: String,
    provision: String,
    status: String,
    document: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/attestations`.
pub async fn create_attestation(
    State(s): State<AppState>,
    AtLeast(c): Auditor,
    Body(n): Body<NewAttestation>,
) -> ApiResult<Response> {
    let subject_ok = match n.subject.split_once(':') {
        Some(("model", m)) => m.contains('/') && m.len() <= 300,
        Some(("system", id)) => id.parse::<i64>().is_ok(),
        _ => false,
    };
    if !subject_ok {
        return Err(ApiError::new(
            Problem::BadAttestation,
            "subject is model:<vendor>/<model> or system:<id>",
        ));
    }
    if n.status != "pass" && n.status != "fail" {
        return Err(ApiError::new(
            Problem::BadAttestation,
            "status is pass or fail",
        ));
    }
    text("document", &n.document, 500)?;
    if n.note.len() > 2000 {
        return Err(ApiError::new(
            Problem::BadLength,
            "note: at most 2000 characters",
        ));
    }
    let known = s
        .baselines
        .get(&n.baseline)
        .is_some_and(|b| b.provisions.iter().any(|p| p.id == n.provision));
    if !known {
        return Err(ApiError::new(
            Problem::BadAttestation,
            "unknown baseline or provision",
        ));
    }
    let a = Attestation {
        id: 0,
        subject: n.subject,
        baseline: n.baseline,
        provision: n.provision,
        status: n.status,
        document: n.document,
        note: n.note,
        attested_by: c.user.username,
        attested_at: s.now(),
    };
    Ok(created(s.store.create_attestation(&a).await?))
}

/// `DELETE /api/v1/attestations/{id}`.
pub async fn delete_attestation(
    State(s): State<AppState>,
    _: Auditor,
    Id(id): Id,
) -> ApiResult<Response> {
    deleted(s.store.delete_attestation(id).await?, "attestation")
}
