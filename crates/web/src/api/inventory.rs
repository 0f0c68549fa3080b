//! The inventory: devices, recorded scans, compliance scorecards and reports.

use super::{paginate, Id, PageQuery, Q};
use crate::auth::{AtLeast, Role, Viewer};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::targets::parse_scope;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use camguard_store::org::Attestation;
use camguard_store::InventoryDevice;
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// Which systems (and through them, sites) each address belongs to.
pub(crate) struct Org {
    scopes: Vec<(i64, i64, IpNet)>, // (site, system, net)
    attestations: Vec<Attestation>,
}

impl Org {
    pub(crate) async fn load(s: &AppState) -> ApiResult<Org> {
        let systems: HashMap<i64, i64> = s
            .store
            .systems()
            .await?
            .into_iter()
            .map(|x| (x.id, x.site_id))
            .collect();
        let scopes = s
            .store
            .scopes()
            .await?
            .into_iter()
            .filter_map(|sc| {
                let site = *systems.get(&sc.system_id)?;
                Some((site, sc.system_id, parse_scope(&sc.cidr).ok()?))
            })
            .collect();
        Ok(Org {
            scopes,
            attestations: s.store.attestations().await?,
        })
    }

    pub(crate) fn systems_of(&self, d: &InventoryDevice) -> Vec<i64> {
        self.scopes
            .iter()
            .filter(|(_, _, n)| n.contains(&d.ip))
            .map(|(_, sys, _)| *sys)
            .collect()
    }

    fn sites_of(&self, d: &InventoryDevice) -> Vec<i64> {
        self.scopes
            .iter()
            .filter(|(_, _, n)| n.contains(&d.ip))
            .map(|(site, _, _)| *site)
            .collect()
    }

    /// Attestations that apply to a device: its model's, and its systems'.
    fn attestations_for(&self, d: &InventoryDevice) -> Vec<&Attestation> {
        let model = match (&d.identity.vendor, &d.identity.model) {
            (Some(v), Some(m)) => Some(format!("model:{v}/{m}")),
            _ => None,
        };
        let systems: Vec<String> = self
            .systems_of(d)
            .iter()
            .map(|s| format!("system:{s}"))
            .collect();
        self.attestations
            .iter()
            .filter(|a| {
                model.as_deref() == Some(a.subject.as_str()) || systems.contains(&a.subject)
            })
            .collect()
    }

    /// The attestation with id `id`.
    pub(crate) fn attestation(&self, id: i64) -> Option<&Attestation> {
        self.attestations.iter().find(|a| a.id == id)
    }

    /// A device's verdicts for `baseline`, with attested provisions labelled: a provision the
    /// scan could not reach takes the attested status as `attested_pass` / `attested_fail`;
    /// a provision the scan failed stays failed.
    pub(crate) fn verdicts(
        &self,
        d: &InventoryDevice,
        baseline: &str,
    ) -> Vec<(String, String, Option<i64>)> {
        let att = self.attestations_for(d);
        d.verdicts
            .iter()
            .filter(|v| v.baseline == baseline)
            .map(|v| {
                let status = v.status.as_str().to_owned();
                let a = att
                    .iter()
                    .find(|a| a.baseline == v.baseline && a.provision == v.provision);
                match a {
                    Some(a) if status != "fail" && status != "pass" => (
                        v.provision.clone(),
                        format!("attested_{}", a.status),
                        Some(a.id),
                    ),
                    _ => (v.provision.clone(), status, None),
                }
            })
            .collect()
    }
}

fn device_json(d: &InventoryDevice, org: &Org, role: Role, detail: bool) -> Value {
    let findings: Vec<Value> = d
        .findings
        .iter()
        .map(|f| {
            // Viewers read no quoted credentials (the summary becomes the check's title).
            let summary = if role >= Role::Auditor {
                f.summary.clone()
            } else {
                crate::redact::viewer_summary(f, "en")
            };
            let mut v = json!({"check_id": f.check_id, "severity": f.severity, "port": f.port, "summary": summary});
            if detail {
                let catalogue = camguard_checks::Catalogue::builtin();
                if let Some(c) = catalogue.get(&f.check_id) {
                    v["title"] = json!(c.title);
                    v["remediation"] = json!(c.remediation);
                }
                // Evidence (already redacted) is for auditors and administrators.
                if role >= Role::Auditor {
                    v["evidence"] = f.evidence.clone();
                } else {
                    v["evidence"] = Value::Null;
                    v["evidence_hidden"] = json!(true);
                }
            }
            v
        })
        .collect();
    let mut v = json!({
        "id": d.id, "ip": d.ip, "first_seen": d.first_seen, "last_seen": d.last_seen,
        "scan_id": d.scan_id, "identity": d.identity, "serial": d.serial,
        "open_ports": d.open_ports().collect::<Vec<_>>(),
        "findings": findings,
        "systems": org.systems_of(d), "sites": org.sites_of(d),
    });
    if detail {
        v["endpoints"] = json!(d.endpoints);
        v["checks_run"] = json!(d.checks_run);
        let mut by_baseline: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for b in d.verdicts.iter().map(|v| v.baseline.as_str()) {
            by_baseline.entry(b).or_default();
        }
        let baselines: Vec<String> = by_baseline.keys().map(|s| s.to_string()).collect();
        let verdicts: Vec<Value> = baselines
            .iter()
            .flat_map(|b| {
                org.verdicts(d, b).into_iter().map(move |(p, s, a)| {
                    json!({"baseline": b, "provision": p, "status": s, "attestation": a})
                })
            })
            .collect();
        v["verdicts"] = json!(verdicts);
    }
    v
}

fn contains(hay: &Option<String>, needle: &Option<String>) -> bool {
    match needle {
        None => true,
        Some(n) => hay
            .as_deref()
            .is_some_and(|h| h.to_lowercase().contains(&n.to_lowercase())),
    }
}

/// Filters of `GET /api/v1/devices` (and of the inventory page).
#[derive(Debug, Default, Deserialize)]
pub struct DeviceQuery {
    pub(crate) page: Option<u64>,
    pub(crate) per_page: Option<u64>,
    pub(crate) q: Option<String>,
    pub(crate) vendor: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) firmware: Option<String>,
    pub(crate) check: Option<String>,
    pub(crate) verdict: Option<String>,
    pub(crate) site: Option<i64>,
    pub(crate) system: Option<i64>,
    pub(crate) camera: Option<bool>,
    pub(crate) first_seen: Option<DateTime<Utc>>,
    pub(crate) last_seen: Option<DateTime<Utc>>,
}

impl DeviceQuery {
    /// True when `d` passes every filter given.
    pub(crate) fn matches(&self, d: &InventoryDevice, org: &Org) -> bool {
        let q = self;
        let id = &d.identity;
        contains(&id.vendor, &q.vendor)
            && contains(&id.model, &q.model)
            && contains(&id.firmware, &q.firmware)
            && q.check
                .as_ref()
                .is_none_or(|c| d.findings.iter().any(|f| &f.check_id == c))
            && q.verdict
                .as_ref()
                .is_none_or(|v| d.verdicts.iter().any(|x| x.status.as_str() == v))
            && q.camera.is_none_or(|c| id.camera == c)
            && q.site.is_none_or(|site| org.sites_of(d).contains(&site))
            && q.system.is_none_or(|sys| org.systems_of(d).contains(&sys))
            && q.first_seen.is_none_or(|t| d.first_seen >= t)
            && q.last_seen.is_none_or(|t| d.last_seen >= t)
            && q.q.as_ref().is_none_or(|needle| {
                let n = needle.to_lowercase();
                d.ip.to_string().contains(&n)
                    || [&id.vendor, &id.model, &id.firmware]
                        .iter()
                        .any(|f| f.as_deref().is_some_and(|f| f.to_lowercase().contains(&n)))
            })
    }
}

/// `GET /api/v1/devices`.
pub async fn list_devices(
    State(s): State<AppState>,
    AtLeast(c): Viewer,
    Q(q): Q<DeviceQuery>,
) -> ApiResult<Response> {
    let org = Org::load(&s).await?;
    let devices: Vec<Value> = s
        .store
        .inventory()
        .await?
        .into_iter()
        .filter(|d| q.matches(d, &org))
        .map(|d| device_json(&d, &org, c.role, false))
        .collect();
    paginate(
        devices,
        PageQuery {
            page: q.page,
            per_page: q.per_page,
        },
        "/api/v1/devices",
    )
}

async fn find_device(s: &AppState, id: i64) -> ApiResult<InventoryDevice> {
    s.store
        .inventory()
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| ApiError::not_found("device"))
}

/// `GET /api/v1/devices/{id}`.
pub async fn device(
    State(s): State<AppState>,
    AtLeast(c): Viewer,
    Id(id): Id,
) -> ApiResult<Json<Value>> {
    let d = find_device(&s, id).await?;
    let org = Org::load(&s).await?;
    Ok(Json(device_json(&d, &org, c.role, true)))
}

/// `GET /api/v1/devices/{id}/history`.
pub async fn history(State(s): State<AppState>, _: Viewer, Id(id): Id) -> ApiResult<Json<Value>> {
    find_device(&s, id).await?;
    Ok(Json(
        json!({"device_id": id, "scans": s.store.device_history(id).await?}),
    ))
}

/// `GET /api/v1/scans`.
pub async fn list_scans(
    State(s): State<AppState>,
    _: Viewer,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    let mut scans = s.store.scans().await?;
    scans.reverse();
    paginate(scans, q, "/api/v1/scans")
}

/// `GET /api/v1/scans/{id}`.
pub async fn scan(State(s): State<AppState>, _: Viewer, Id(id): Id) -> ApiResult<Json<Value>> {
    let scan = s
        .store
        .scans()
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .ok_or_else(|| ApiError::not_found("scan"))?;
    Ok(Json(json!(scan)))
}

/// `GET /api/v1/baselines`: the built-in baselines and the custom ones the server was given.
pub async fn list_baselines(
    State(s): State<AppState>,
    _: Viewer,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    let today = s.now().date_naive();
    let in_force = s.baselines.in_force(today).map(|b| b.id.clone());
    let builtin = camguard_baseline::Registry::builtin().map_err(ApiError::internal)?;
    let all: Vec<serde_json::Value> = s
        .baselines
        .all()
        .iter()
        .map(|b| {
            json!({
                "id": b.id,
                "title": {"en": b.title.en, "vi": b.title.vi},
                "issuer": b.issuer,
                "status": b.status,
                "valid_from": b.valid_from,
                "valid_until": b.valid_until,
                "provisional": b.provisional,
                "provisions": b.provisions.len(),
                "in_force": in_force.as_deref() == Some(b.id.as_str()),
                "custom": builtin.get(&b.id).is_none(),
            })
        })
        .collect();
    paginate(all, q, "/api/v1/baselines")
}

/// The baseline asked for, else that of the newest scan, else the one in force.
async fn pick_baseline(s: &AppState, id: Option<&str>) -> ApiResult<camguard_baseline::Baseline> {
    let registry = &s.baselines;
    let newest = s
        .store
        .scans()
        .await?
        .into_iter()
        .max_by_key(|x| x.id)
        .map(|x| x.baseline);
    let default = crate::settings::Settings::current(s)
        .await?
        .default_baseline
        .clone();
    let b = match id.map(str::to_owned).or(default).or(newest) {
        Some(id) => registry.get(&id).ok_or_else(|| {
            ApiError::new(Problem::UnknownBaseline, format!("unknown baseline {id:?}"))
        })?,
        None => registry
            .in_force(s.now().date_naive())
            .ok_or_else(|| ApiError::internal("no baseline in force"))?,
    };
    Ok(b.clone())
}

/// Query of `GET /api/v1/compliance`.
#[derive(Debug, Deserialize)]
pub struct ComplianceQuery {
    baseline: Option<String>,
    system: Option<i64>,
}

/// `GET /api/v1/compliance`.
pub async fn compliance(
    State(s): State<AppState>,
    _: Viewer,
    Q(q): Q<ComplianceQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(scorecard(&s, q.baseline.as_deref(), q.system).await?))
}

/// The scorecard of `baseline` (default: the newest scan's) over the organisation, or over
/// one system's scopes: per-provision status counts (attested ones labelled), findings by
/// severity, cameras by vendor, models with a failed provision, and the trend over scans.
pub(crate) async fn scorecard(
    s: &AppState,
    baseline: Option<&str>,
    system: Option<i64>,
) -> ApiResult<Value> {
    let q = ComplianceQuery {
        baseline: baseline.map(str::to_owned),
        system,
    };
    let baseline = pick_baseline(s, q.baseline.as_deref()).await?;
    let org = Org::load(s).await?;
    let devices: Vec<InventoryDevice> = s
        .store
        .inventory()
        .await?
        .into_iter()
        .filter(|d| q.system.is_none_or(|sys| org.systems_of(d).contains(&sys)))
        .collect();
    // The per-provision counts are the report's (attested verdicts counted as it counts them).
    let attested = super::attested::rows(&org, &devices, &baseline.id);
    let provisions: BTreeMap<String, camguard_report::document::VerdictCounts> =
        camguard_report::document::provision_counts(&devices, &baseline, &attested)
            .into_iter()
            .collect();
    let mut severity: BTreeMap<String, u64> = BTreeMap::new();
    let mut vendors: BTreeMap<String, u64> = BTreeMap::new();
    let mut failing_models: BTreeMap<String, u64> = BTreeMap::new();
    // Models the registries flag (REG.UNCERTIFIED_MODEL, REG.WARNED_MODEL): check id → model → devices.
    let mut registry_models: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for d in &devices {
        for f in d.findings.iter().filter(|f| f.check_id.starts_with("REG.")) {
            let model = format!(
                "{}/{}",
                d.identity.vendor.as_deref().unwrap_or("?"),
                d.identity.model.as_deref().unwrap_or("?")
            );
            *registry_models
                .entry(f.check_id.clone())
                .or_default()
                .entry(model)
                .or_default() += 1;
        }
    }
    for d in &devices {
        let failed = org
            .verdicts(d, &baseline.id)
            .iter()
            .any(|(_, status, _)| status == "fail" || status == "attested_fail");
        for f in &d.findings {
            *severity.entry(f.severity.as_str().to_owned()).or_default() += 1;
        }
        if d.identity.camera {
            let vendor = d
                .identity
                .vendor
                .clone()
                .unwrap_or_else(|| "unknown".into());
            *vendors.entry(vendor.clone()).or_default() += 1;
            if failed {
                let model = d.identity.model.clone().unwrap_or_else(|| "?".into());
                *failing_models
                    .entry(format!("{vendor}/{model}"))
                    .or_default() += 1;
            }
        }
    }
    let trend: Vec<Value> = s
        .store
        .scans()
        .await?
        .iter()
        // Only finished scans: a cancelled one would show as a drop in findings.
        .filter(|x| x.finished_at.is_some())
        .map(|x| json!({"scan_id": x.id, "started_at": x.started_at, "devices": x.devices, "cameras": x.cameras, "findings": x.findings}))
        .collect();
    let rows: Vec<Value> = baseline
        .provisions
        .iter()
        .map(|p| json!({"provision": p.id, "text": p.text, "counts": provisions.get(&p.id).cloned().unwrap_or_default()}))
        .collect();
    Ok(json!({
        "baseline": baseline.id, "system": q.system, "devices": devices.len(),
        "provisions": rows, "severity": severity, "vendors": vendors,
        "warned_models": failing_models, "registry_models": registry_models, "trend": trend,
    }))
}

/// Query of `GET /api/v1/reports`.
#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    format: Option<String>,
    lang: Option<String>,
    baseline: Option<String>,
    detail: Option<String>,
}

/// `GET /api/v1/reports`: any format camguard-report offers.
pub async fn report(
    State(s): State<AppState>,
    AtLeast(c): Viewer,
    Q(q): Q<ReportQuery>,
) -> ApiResult<Response> {
    let format_name = q
        .format
        .as_deref()
        .unwrap_or("html")
        .trim()
        .to_ascii_lowercase();
    let format: camguard_report::Format = choice(Some(&format_name), "html")?;
    let settings = crate::settings::Settings::current(&s).await?;
    let lang: camguard_report::Lang = choice(q.lang.as_deref(), &settings.default_lang)?;
    let detail: camguard_report::Detail = choice(q.detail.as_deref(), "full")?;
    let baseline = pick_baseline(&s, q.baseline.as_deref()).await?;
    let mut devices = s.store.inventory().await?;
    if c.role < Role::Auditor {
        // Evidence is for auditors and administrators, in reports as in the device API.
        for f in devices.iter_mut().flat_map(|d| d.findings.iter_mut()) {
            crate::redact::for_viewer(f, lang.code());
        }
    }
    let attested = super::attested::rows(&Org::load(&s).await?, &devices, &baseline.id);
    let mut input =
        camguard_report::ReportInput::new(s.now(), &baseline, s.store.scans().await?, devices);
    input.trend = s.store.scan_trend().await?;
    input.detail = detail;
    input.organisation = Some(settings.organisation.clone()).filter(|o| !o.is_empty());
    // Verdicts completed by attestations: the report labels them as attested.
    input.attestations = attested;
    let text = camguard_report::render(&input, format, lang).map_err(ApiError::internal)?;
    let name = format!("camguard-report-{}.{format_name}", lang.code());
    Ok(attachment(&format_name, &name, text))
}

/// Query of `GET /api/v1/reports/diff`.
#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    old: Option<i64>,
    new: Option<i64>,
    format: Option<String>,
    lang: Option<String>,
}

fn strip_evidence(devices: &mut [camguard_store::ScanDevice], lang: &str) {
    for f in devices.iter_mut().flat_map(|d| d.findings.iter_mut()) {
        crate::redact::for_viewer(f, lang);
    }
}

/// `GET /api/v1/reports/diff`: what changed between two scans (default: the newest two finished scans).
pub async fn diff_report(
    State(s): State<AppState>,
    AtLeast(c): Viewer,
    Q(q): Q<DiffQuery>,
) -> ApiResult<Response> {
    let format_name = q
        .format
        .as_deref()
        .unwrap_or("html")
        .trim()
        .to_ascii_lowercase();
    let format: camguard_report::Format = choice(Some(&format_name), "html")?;
    let lang: camguard_report::Lang = choice(q.lang.as_deref(), "vi")?;
    let scans = s.store.scans().await?;
    let (old, new) = match (q.old, q.new) {
        (Some(o), Some(n)) => (o, n),
        (None, None) => {
            // The newest two scans that finished: a cancelled or interrupted scan holds only
            // the hosts it reached, and every other device would look gone.
            let done: Vec<i64> = scans
                .iter()
                .filter(|x| x.finished_at.is_some())
                .map(|x| x.id)
                .collect();
            match done[..] {
                [.., o, n] => (o, n),
                _ => {
                    return Err(ApiError::new(
                        Problem::BadDiff,
                        "a diff needs two finished scans in the database",
                    ))
                }
            }
        }
        _ => {
            return Err(ApiError::new(
                Problem::BadDiff,
                "give both old and new, or neither",
            ))
        }
    };
    if old >= new {
        return Err(ApiError::new(
            Problem::BadDiff,
            "old must be an earlier scan than new",
        ));
    }
    let find = |id: i64| {
        scans
            .iter()
            .find(|x| x.id == id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("scan"))
    };
    let (old_scan, new_scan) = (find(old)?, find(new)?);
    let hide = c.role < Role::Auditor;
    let mut earlier = Vec::new();
    for x in scans.iter().filter(|x| x.id < old) {
        let mut d = s.store.scan_devices(x.id).await?;
        if hide {
            strip_evidence(&mut d, lang.code());
        }
        earlier.push(d);
    }
    let (mut old_devices, mut new_devices) = (
        s.store.scan_devices(old).await?,
        s.store.scan_devices(new).await?,
    );
    if hide {
        strip_evidence(&mut old_devices, lang.code());
        strip_evidence(&mut new_devices, lang.code());
    }
    let input = camguard_report::diff::DiffInput {
        generated_at: s.now(),
        organisation: None,
        old_scan,
        new_scan,
        old_devices,
        new_devices,
        earlier,
    };
    let text = camguard_report::render_diff(&input, format, lang)
        .map_err(|e| ApiError::new(Problem::BadChoice, e.to_string()))?;
    let name = format!("camguard-diff-{old}-{new}-{}.{format_name}", lang.code());
    Ok(attachment(&format_name, &name, text))
}

/// A report query choice (`format`, `lang`, `detail`), `default` when absent; a bad value is a
/// 400 naming the choices.
fn choice<T>(value: Option<&str>, default: &str) -> ApiResult<T>
where
    T: std::str::FromStr<Err = camguard_report::ParseChoiceError>,
{
    value
        .unwrap_or(default)
        .parse()
        .map_err(|e: camguard_report::ParseChoiceError| {
            ApiError::new(Problem::BadChoice, e.to_string())
        })
}

/// A rendered report as a download named `file_name`, typed by its format.
fn attachment(format_name: &str, file_name: &str, text: String) -> Response {
    let mime = match format_name {
        "html" => "text/html; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "sarif" => "application/sarif+json",
        _ => "application/octet-stream",
    };
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        text,
    )
        .into_response()
}
