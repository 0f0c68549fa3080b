//! Jobs a stopped server left running: resumed from their checkpoint into the same scan, or
//! failed when the checkpoint is missing or unusable.

use camguard_store::{ScanMeta, Store};
use camguard_web::jobs::{checkpoint_path, ProgressSink, RunSummary, ScanRequest, ScanRunner};
use camguard_web::{system_clock, AppState};
use chrono::Utc;
use futures::future::BoxFuture;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Resumable when the job's checkpoint file exists and says `ok`; records what it was asked.
#[derive(Default)]
struct CheckpointRunner {
    asked: Mutex<Vec<ScanRequest>>,
}

impl ScanRunner for CheckpointRunner {
    fn run(
        &self,
        _store: Store,
        request: ScanRequest,
        _progress: ProgressSink,
    ) -> BoxFuture<'static, Result<RunSummary, String>> {
        self.asked.lock().unwrap().push(request);
        Box::pin(async {
            Ok(RunSummary {
                hosts: 1,
                interrupted: false,
            })
        })
    }

    fn resumable(&self, store: &Store, job_id: i64) -> bool {
        std::fs::read_to_string(checkpoint_path(store.path(), job_id)).is_ok_and(|t| t == "ok")
    }
}

fn request(job_id: i64) -> String {
    json!({"job_id": job_id, "targets": ["127.0.121.1"], "ports": null,
           "check_credentials": false, "prove_streams": false, "rate": 10, "concurrency": 4})
    .to_string()
}

#[tokio::test]
async fn a_job_with_a_checkpoint_resumes_into_its_scan_and_the_others_fail() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let store = Store::open(&db).await.unwrap();
    let now = Utc::now();
    let mut jobs = Vec::new();
    for _ in 0..4 {
        let j = store
            .create_job(None, "127.0.121.1", "admin", now)
            .await
            .unwrap();
        store
            .update_job(j.id, "running", None, 0, None, None)
            .await
            .unwrap();
        jobs.push(j.id);
    }
    let [resumed, no_checkpoint, corrupt, no_request] = jobs[..] else {
        unreachable!()
    };
    for j in [resumed, no_checkpoint, corrupt] {
        store.set_job_request(j, &request(j)).await.unwrap();
    }
    let scan = store
        .begin_scan(&ScanMeta {
            started_at: now,
            targets: "127.0.121.1".into(),
            options: json!({"job": resumed}),
            baseline: "qcvn-11-2026".into(),
        })
        .await
        .unwrap();
    std::fs::create_dir_all(checkpoint_path(&db, resumed).parent().unwrap()).unwrap();
    std::fs::write(checkpoint_path(&db, resumed), "ok").unwrap();
    std::fs::write(checkpoint_path(&db, corrupt), "garbage").unwrap();
    std::fs::write(checkpoint_path(&db, no_request), "ok").unwrap();

    let runner = Arc::new(CheckpointRunner::default());
    let state = AppState::new(store.clone(), runner.clone(), system_clock(), false);
    let (started, failed) = state.jobs.resume_orphans().await.unwrap();
    assert_eq!((started, failed), (vec![resumed], 3));
    let mut status = String::new();
    for _ in 0..100 {
        status = store.job(resumed).await.unwrap().unwrap().status;
        if status == "finished" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, "finished");
    let asked = runner.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert_eq!(
        (asked[0].job_id, asked[0].continue_scan),
        (resumed, Some(scan))
    );
    assert_eq!(asked[0].targets, vec!["127.0.121.1".to_owned()]);
    let job = store.job(resumed).await.unwrap().unwrap();
    assert_eq!(job.scan_id, Some(scan));
    for j in [no_checkpoint, corrupt, no_request] {
        let job = store.job(j).await.unwrap().unwrap();
        assert_eq!(job.status, "failed", "job {j}");
        assert!(job.error.unwrap_or_default().contains("stopped"), "job {j}");
    }
    // Nothing left to resume at a second start.
    assert_eq!(state.jobs.resume_orphans().await.unwrap(), (vec![], 0));
}

/// Stops as a server stopping with Ctrl-C makes the scan stop: interrupted, checkpoint kept.
struct InterruptedRunner;

impl ScanRunner for InterruptedRunner {
    fn run(
        &self,
        _store: Store,
        _request: ScanRequest,
        _progress: ProgressSink,
    ) -> BoxFuture<'static, Result<RunSummary, String>> {
        Box::pin(async {
            Ok(RunSummary {
                hosts: 0,
                interrupted: true,
            })
        })
    }
}

#[tokio::test]
async fn a_run_interrupted_by_the_server_stopping_leaves_its_job_running_for_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("i.db")).await.unwrap();
    let job = store
        .create_job(None, "127.0.121.1", "admin", Utc::now())
        .await
        .unwrap();
    let state = AppState::new(
        store.clone(),
        Arc::new(InterruptedRunner),
        system_clock(),
        false,
    );
    let mut req: ScanRequest = serde_json::from_str(&request(job.id)).unwrap();
    req.continue_scan = None;
    state.jobs.start(req);
    let (history, mut rx) = state.jobs.subscribe(job.id).unwrap();
    let mut last = history.last().cloned();
    while !last.as_ref().is_some_and(|e| e.is_final()) {
        last = Some(rx.recv().await.unwrap());
    }
    assert!(
        matches!(&last, Some(camguard_web::jobs::ScanEvent::Failed { error }) if error.contains("resumes")),
        "{last:?}"
    );
    let row = store.job(job.id).await.unwrap().unwrap();
    assert_eq!(row.status, "running", "left for the next start to resume");
    let orphans = store.orphaned_jobs().await.unwrap();
    assert_eq!(orphans.len(), 1);
    assert!(orphans[0].1.is_some(), "its request is kept");
}
