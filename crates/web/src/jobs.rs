//! Scan jobs: a scan started from the API runs the pipeline in a background task; its
//! progress is kept and broadcast to server-sent-event listeners; it can be cancelled.
//!
//! A job's request is kept in the database. A server that stops during a scan (killed, or
//! Ctrl-C) leaves the job `running`; at the next start [`JobManager::resume_orphans`] runs it
//! again from the runner's checkpoint ([`ScanRunner::resumable`], [`checkpoint_path`]) into
//! the same scan, or marks it `failed` when there is no usable checkpoint.

use crate::state::Clock;
use camguard_store::Store;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

/// What to scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRequest {
    /// Job id (the runner stores it in the scan's options so the scan row can be found).
    pub job_id: i64,
    /// Targets: IPs, CIDRs, ranges.
    pub targets: Vec<String>,
    /// Ports (default: the camera port set).
    pub ports: Option<Vec<u16>>,
    /// Opt-in: try default credentials.
    pub check_credentials: bool,
    /// Opt-in: prove anonymous streams.
    pub prove_streams: bool,
    /// Baseline to judge against (none: the one in force).
    #[serde(default)]
    pub baseline: Option<String>,
    /// New connections per second (administrator setting).
    #[serde(default)]
    pub rate: u32,
    /// Connections in flight (administrator setting).
    #[serde(default)]
    pub concurrency: usize,
    /// The scan an interrupted run of this job began, which a resumed run continues.
    #[serde(default)]
    pub continue_scan: Option<i64>,
}

/// A progress event of a job, as sent on its event stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ScanEvent {
    /// The job started.
    Started {
        /// Targets.
        targets: Vec<String>,
    },
    /// A live host was recorded.
    Host {
        /// Address.
        ip: String,
        /// Identified as a camera.
        camera: bool,
        /// Vendor, if identified.
        vendor: Option<String>,
        /// Findings on the host.
        findings: usize,
    },
    /// The job finished.
    Finished {
        /// Hosts scanned.
        hosts: u64,
        /// Scan id in the store.
        scan_id: Option<i64>,
    },
    /// The job failed.
    Failed {
        /// Why.
        error: String,
    },
    /// The job was cancelled.
    Cancelled,
}

impl ScanEvent {
    /// True for the last event of a job.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            ScanEvent::Finished { .. } | ScanEvent::Failed { .. } | ScanEvent::Cancelled
        )
    }
}

/// Receives a running scan's host events.
pub type ProgressSink = Arc<dyn Fn(ScanEvent) + Send + Sync>;

/// Totals of a completed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSummary {
    /// Hosts scanned.
    pub hosts: u64,
    /// The run stopped early because the server is stopping; its checkpoint is kept and the
    /// job resumes at the next start.
    pub interrupted: bool,
}

/// Runs the scan pipeline for a job, writing to `store`. `camguard serve` provides the same
/// pipeline as `camguard scan`.
pub trait ScanRunner: Send + Sync {
    /// Run `request` to completion, reporting each live host to `progress`.
    fn run(
        &self,
        store: Store,
        request: ScanRequest,
        progress: ProgressSink,
    ) -> BoxFuture<'static, Result<RunSummary, String>>;

    /// Whether job `job_id`, interrupted by a server stop, can continue from a checkpoint
    /// (default: no; the job is then marked failed).
    fn resumable(&self, store: &Store, job_id: i64) -> bool {
        let _ = (store, job_id);
        false
    }
}

/// Where a job's scan keeps its checkpoint: `<database>.jobs/<job id>.checkpoint`.
pub fn checkpoint_path(db: &Path, job_id: i64) -> PathBuf {
    let mut dir = db.as_os_str().to_owned();
    dir.push(".jobs");
    PathBuf::from(dir).join(format!("{job_id}.checkpoint"))
}

/// Why a job left by a stopped server is failed rather than resumed.
const ORPHAN_ERROR: &str =
    "the server stopped while the scan ran, and the scan left no usable checkpoint to resume from";

/// Most scans running at once; a further request is refused until one ends.
pub const MAX_RUNNING: usize = 2;

/// Most events kept per job for late listeners (a job's live hosts plus start and end).
const MAX_HISTORY: usize = 100_000;

struct Running {
    history: Vec<ScanEvent>,
    sender: broadcast::Sender<ScanEvent>,
    abort: Option<tokio::task::AbortHandle>,
    hosts: i64,
}

/// The jobs of this server process.
#[derive(Clone)]
pub struct JobManager {
    store: Store,
    runner: Arc<dyn ScanRunner>,
    clock: Clock,
    jobs: Arc<Mutex<HashMap<i64, Running>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl JobManager {
    /// A manager running scans with `runner`.
    pub fn new(store: Store, runner: Arc<dyn ScanRunner>, clock: Clock) -> JobManager {
        JobManager {
            store,
            runner,
            clock,
            jobs: Arc::default(),
        }
    }

    fn emit(&self, job: i64, event: ScanEvent) {
        let mut jobs = lock(&self.jobs);
        if let Some(r) = jobs.get_mut(&job) {
            if matches!(event, ScanEvent::Host { .. }) {
                r.hosts += 1;
            }
            if r.history.len() < MAX_HISTORY || event.is_final() {
                r.history.push(event.clone());
            }
            let _ = r.sender.send(event);
        }
    }

    /// Start job `job_id` (already recorded as queued) in the background.
    pub fn start(&self, request: ScanRequest) {
        let job_id = request.job_id;
        let (sender, _) = broadcast::channel(1024);
        lock(&self.jobs).insert(
            job_id,
            Running {
                history: Vec::new(),
                sender,
                abort: None,
                hosts: 0,
            },
        );
        self.emit(
            job_id,
            ScanEvent::Started {
                targets: request.targets.clone(),
            },
        );
        let me = self.clone();
        let task = tokio::spawn(async move {
            let now = (me.clock)();
            if let Ok(text) = serde_json::to_string(&request) {
                let _ = me.store.set_job_request(job_id, &text).await;
            }
            let _ = me
                .store
                .update_job(job_id, "running", None, 0, None, None)
                .await;
            let sink_mgr = me.clone();
            let store = me.store.clone();
            let sink: ProgressSink = Arc::new(move |e| sink_mgr.emit(job_id, e));
            let result = me.runner.run(me.store.clone(), request, sink).await;
            let scan_id = store.scan_for_job(job_id).await.ok().flatten();
            let hosts = me.hosts(job_id);
            let end = (me.clock)().max(now);
            match result {
                Ok(summary) if summary.interrupted => {
                    // Left `running`: the next start resumes it from its checkpoint.
                    me.emit(
                        job_id,
                        ScanEvent::Failed {
                            error: "the server is stopping: the scan resumes at its next start"
                                .into(),
                        },
                    );
                }
                Ok(summary) => {
                    let _ = store
                        .update_job(job_id, "finished", scan_id, hosts, Some(end), None)
                        .await;
                    me.emit(
                        job_id,
                        ScanEvent::Finished {
                            hosts: summary.hosts,
                            scan_id,
                        },
                    );
                }
                Err(error) => {
                    let _ = store
                        .update_job(job_id, "failed", scan_id, hosts, Some(end), Some(&error))
                        .await;
                    me.emit(job_id, ScanEvent::Failed { error });
                }
            }
        });
        if let Some(r) = lock(&self.jobs).get_mut(&job_id) {
            r.abort = Some(task.abort_handle());
        }
    }

    /// Jobs a stopped server left `queued` or `running`: each one whose request was kept and
    /// whose runner can resume it starts again (continuing its scan); the others are marked
    /// `failed`. Returns the ids resumed and the number failed.
    pub async fn resume_orphans(&self) -> Result<(Vec<i64>, u64), camguard_store::StoreError> {
        let mut resumed = Vec::new();
        let mut failed = 0;
        for (job, request) in self.store.orphaned_jobs().await? {
            let request = request
                .and_then(|r| serde_json::from_str::<ScanRequest>(&r).ok())
                .filter(|r| r.job_id == job.id && self.runner.resumable(&self.store, job.id));
            match request {
                Some(mut request) => {
                    request.continue_scan = self.store.scan_for_job(job.id).await?;
                    tracing::info!(job = job.id, scan = ?request.continue_scan, "resuming a scan job");
                    self.start(request);
                    resumed.push(job.id);
                }
                None => {
                    self.store
                        .update_job(
                            job.id,
                            "failed",
                            None,
                            job.hosts_done,
                            Some((self.clock)()),
                            Some(ORPHAN_ERROR),
                        )
                        .await?;
                    failed += 1;
                }
            }
        }
        Ok((resumed, failed))
    }

    /// Jobs of this process still running.
    pub fn running(&self) -> usize {
        lock(&self.jobs)
            .values()
            .filter(|r| !r.history.last().is_some_and(ScanEvent::is_final))
            .count()
    }

    fn hosts(&self, job: i64) -> i64 {
        lock(&self.jobs).get(&job).map_or(0, |r| r.hosts)
    }

    /// Cancel a running job; false when it is not running in this process.
    pub async fn cancel(&self, job_id: i64) -> bool {
        let abort = {
            let jobs = lock(&self.jobs);
            match jobs.get(&job_id) {
                Some(r) if !r.history.last().is_some_and(ScanEvent::is_final) => r.abort.clone(),
                _ => None,
            }
        };
        let Some(abort) = abort else { return false };
        abort.abort();
        let scan_id = self.store.scan_for_job(job_id).await.ok().flatten();
        let _ = self
            .store
            .update_job(
                job_id,
                "cancelled",
                scan_id,
                self.hosts(job_id),
                Some((self.clock)()),
                None,
            )
            .await;
        self.emit(job_id, ScanEvent::Cancelled);
        true
    }

    /// The events so far and a receiver for the rest; `None` for a job this process did not run.
    pub fn subscribe(
        &self,
        job_id: i64,
    ) -> Option<(Vec<ScanEvent>, broadcast::Receiver<ScanEvent>)> {
        let jobs = lock(&self.jobs);
        jobs.get(&job_id)
            .map(|r| (r.history.clone(), r.sender.subscribe()))
    }
}
