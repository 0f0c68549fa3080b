//! Scans started from the API: scope enforcement, background jobs, live progress
//! (server-sent events), cancellation and schedules.

use super::{created, deleted, paginate, Body, Id, PageQuery, Q};
use crate::auth::{AtLeast, Auditor, Viewer};
use crate::error::{ApiError, ApiResult, Problem};
use crate::jobs::{ScanEvent, ScanRequest};
use crate::schedule::Spec;
use crate::state::AppState;
use crate::targets::{inside, parse_scope, parse_target};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use camguard_store::jobs::ScanJob;
use futures::StreamExt;
use serde::Deserialize;
use std::time::Duration;

/// Most targets one request may list.
const MAX_TARGETS: usize = 256;

/// The targets to scan for a system: the ones given (each must lie inside one of the
/// system's scopes) or, by default, all its scopes.
pub(crate) async fn scoped_targets(
    s: &AppState,
    system_id: i64,
    given: Option<&[String]>,
) -> ApiResult<Vec<String>> {
    let scopes: Vec<ipnet::IpNet> = s
        .store
        .scopes()
        .await?
        .into_iter()
        .filter(|x| x.system_id == system_id)
        .filter_map(|x| parse_scope(&x.cidr).ok())
        .collect();
    if scopes.is_empty() {
        return Err(ApiError::new(
            Problem::NoScope,
            "the system has no authorised scope: an administrator adds one first",
        ));
    }
    let targets: Vec<String> = match given {
        Some(t) if !t.is_empty() => t.iter().map(|x| x.trim().to_owned()).collect(),
        _ => scopes.iter().map(ToString::to_string).collect(),
    };
    if targets.len() > MAX_TARGETS {
        return Err(ApiError::new(
            Problem::TooManyTargets,
            format!("at most {MAX_TARGETS} targets"),
        ));
    }
    for t in &targets {
        let range = parse_target(t).map_err(|e| ApiError::new(Problem::BadCidr, e))?;
        if !inside(range, &scopes) {
            return Err(ApiError::new(
                Problem::OutsideScope,
                format!("{t} is outside the system's authorised scopes"),
            ));
        }
    }
    Ok(targets)
}

/// Body of `POST /api/v1/scans`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartScan {
    system_id: i64,
    targets: Option<Vec<String>>,
    ports: Option<Vec<u16>>,
    #[serde(default)]
    check_credentials: bool,
    #[serde(default)]
    prove_streams: bool,
}

/// Record and start a job (also used by the scheduler).
pub(crate) async fn launch(
    s: &AppState,
    system_id: i64,
    targets: Vec<String>,
    ports: Option<Vec<u16>>,
    intrusive: (bool, bool),
    who: &str,
) -> ApiResult<ScanJob> {
    if s.jobs.running() >= crate::jobs::MAX_RUNNING {
        return Err(ApiError::new(
            Problem::ScansBusy,
            format!(
                "{} scans are running already: wait for one to end or cancel it",
                crate::jobs::MAX_RUNNING
            ),
        ));
    }
    let settings = crate::settings::Settings::current(s).await?;
    let job = s
        .store
        .create_job(Some(system_id), &targets.join(" "), who, s.now())
        .await?;
    s.jobs.start(ScanRequest {
        job_id: job.id,
        targets,
        ports,
        check_credentials: intrusive.0,
        prove_streams: intrusive.1,
        baseline: settings.default_baseline.clone(),
        rate: u32::try_from(settings.scan_rate).unwrap_or(500),
        concurrency: usize::try_from(settings.scan_concurrency).unwrap_or(64),
        continue_scan: None,
    });
    Ok(job)
}

/// `POST /api/v1/scans`.
pub async fn start(
    State(s): State<AppState>,
    AtLeast(c): Auditor,
    Body(b): Body<StartScan>,
) -> ApiResult<Response> {
    if let Some(p) = &b.ports {
        if p.is_empty() || p.len() > 1024 || p.contains(&0) {
            return Err(ApiError::new(
                Problem::BadPorts,
                "ports: 1 to 1024 port numbers between 1 and 65535",
            ));
        }
    }
    let targets = scoped_targets(&s, b.system_id, b.targets.as_deref()).await?;
    let job = launch(
        &s,
        b.system_id,
        targets,
        b.ports,
        (b.check_credentials, b.prove_streams),
        &c.user.username,
    )
    .await?;
    let mut resp = (StatusCode::ACCEPTED, Json(&job)).into_response();
    if let Ok(v) = format!("/api/v1/jobs/{}", job.id).parse() {
        resp.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    Ok(resp)
}

/// `GET /api/v1/jobs`.
pub async fn list_jobs(
    State(s): State<AppState>,
    _: Viewer,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    paginate(s.store.jobs().await?, q, "/api/v1/jobs")
}

/// `GET /api/v1/jobs/{id}`.
pub async fn job(State(s): State<AppState>, _: Viewer, Id(id): Id) -> ApiResult<Json<ScanJob>> {
    Ok(Json(
        s.store
            .job(id)
            .await?
            .ok_or_else(|| ApiError::not_found("job"))?,
    ))
}

fn sse_event(e: &ScanEvent) -> Event {
    let name = match e {
        ScanEvent::Started { .. } => "started",
        ScanEvent::Host { .. } => "host",
        ScanEvent::Finished { .. } => "finished",
        ScanEvent::Failed { .. } => "failed",
        ScanEvent::Cancelled => "cancelled",
    };
    Event::default()
        .event(name)
        .data(serde_json::to_string(e).unwrap_or_default())
}

/// `GET /api/v1/jobs/{id}/events`: every event so far, then live ones, ending after the last.
pub async fn events(State(s): State<AppState>, _: Viewer, Id(id): Id) -> ApiResult<Response> {
    let job = s
        .store
        .job(id)
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    let Some((history, rx)) = s.jobs.subscribe(id) else {
        // Run by an earlier server process: its final state only.
        let end = match job.status.as_str() {
            "finished" => ScanEvent::Finished {
                hosts: job.hosts_done as u64,
                scan_id: job.scan_id,
            },
            "cancelled" => ScanEvent::Cancelled,
            _ => ScanEvent::Failed {
                error: job.error.unwrap_or_else(|| "not running".into()),
            },
        };
        let stream = futures::stream::iter([Ok::<_, std::convert::Infallible>(sse_event(&end))]);
        return Ok(Sse::new(stream).into_response());
    };
    let done = history.iter().any(ScanEvent::is_final);
    let past = futures::stream::iter(history);
    let live = tokio_stream_from(rx, done);
    // End right after the final event (the live receiver would otherwise wait for more).
    let events = Box::pin(past.chain(live));
    let stream = futures::stream::unfold((events, false), |(mut events, ended)| async move {
        if ended {
            return None;
        }
        let e = events.next().await?;
        let last = e.is_final();
        Some((
            Ok::<_, std::convert::Infallible>(sse_event(&e)),
            (events, last),
        ))
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// Live events from a broadcast receiver (none when the job already ended).
fn tokio_stream_from(
    rx: tokio::sync::broadcast::Receiver<ScanEvent>,
    done: bool,
) -> futures::stream::BoxStream<'static, ScanEvent> {
    if done {
        return futures::stream::empty().boxed();
    }
    futures::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(e) => return Some((e, rx)),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
    .boxed()
}

/// `POST /api/v1/jobs/{id}/cancel`.
pub async fn cancel(State(s): State<AppState>, _: Auditor, Id(id): Id) -> ApiResult<Json<ScanJob>> {
    s.store
        .job(id)
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    if !s.jobs.cancel(id).await {
        return Err(ApiError::new(
            Problem::JobNotRunning,
            "the job is not running",
        ));
    }
    Ok(Json(
        s.store
            .job(id)
            .await?
            .ok_or_else(|| ApiError::not_found("job"))?,
    ))
}

/// `GET /api/v1/schedules`.
pub async fn list_schedules(
    State(s): State<AppState>,
    _: Viewer,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    paginate(s.store.schedules().await?, q, "/api/v1/schedules")
}

/// Body of `POST /api/v1/schedules`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    system_id: i64,
    spec: String,
    targets: Option<Vec<String>>,
}

/// `POST /api/v1/schedules`.
pub async fn create_schedule(
    State(s): State<AppState>,
    AtLeast(c): Auditor,
    Body(n): Body<NewSchedule>,
) -> ApiResult<Response> {
    let spec =
        Spec::parse(&n.spec).map_err(|e| ApiError::new(Problem::BadSchedule, e.to_string()))?;
    let targets = scoped_targets(&s, n.system_id, n.targets.as_deref()).await?;
    let next = spec
        .next_after(s.now())
        .ok_or_else(|| ApiError::new(Problem::BadSchedule, "the schedule never fires"))?;
    let sched = s
        .store
        .create_schedule(
            n.system_id,
            &targets.join(" "),
            n.spec.trim(),
            next,
            &c.user.username,
            s.now(),
        )
        .await?;
    Ok(created(sched))
}

/// `DELETE /api/v1/schedules/{id}`.
pub async fn delete_schedule(
    State(s): State<AppState>,
    _: Auditor,
    Id(id): Id,
) -> ApiResult<Response> {
    deleted(s.store.delete_schedule(id).await?, "schedule")
}

/// Start every schedule that is due at `now` and move it to its next run; returns the jobs.
pub async fn run_due(s: &AppState) -> ApiResult<Vec<ScanJob>> {
    let now = s.now();
    let mut started = Vec::new();
    for sched in s.store.schedules().await? {
        if sched.next_run > now {
            continue;
        }
        let next = Spec::parse(&sched.spec)
            .ok()
            .and_then(|sp| sp.next_after(now));
        match next {
            Some(next) => s.store.set_schedule_next_run(sched.id, next).await?,
            None => {
                s.store.delete_schedule(sched.id).await?;
                continue;
            }
        }
        let targets: Vec<String> = sched
            .targets
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        // Scopes may have changed since the schedule was made: check again.
        match scoped_targets(s, sched.system_id, Some(&targets)).await {
            Ok(targets) => started.push(
                launch(
                    s,
                    sched.system_id,
                    targets,
                    None,
                    (false, false),
                    &format!("schedule:{}", sched.id),
                )
                .await?,
            ),
            Err(e) => {
                tracing::warn!(schedule = sched.id, error = %e.detail, "scheduled scan refused")
            }
        }
    }
    Ok(started)
}
