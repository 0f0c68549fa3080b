//! `camguard serve`: the dashboard and REST API over a camguard database.

use crate::baseline_files::BaselineFileArgs;
use crate::cmd_scan::{execute, ScanArgs, ScanPlan};
use anyhow::{bail, Context, Result};
use camguard_scan::resume::{Checkpoint, Progress};
use camguard_store::Store;
use camguard_web::jobs::{ProgressSink, RunSummary, ScanEvent, ScanRequest, ScanRunner};
use camguard_web::tls::{Peer, TlsListener};
use camguard_web::{app, system_clock, AppState};
use clap::Args;
use futures::future::BoxFuture;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `camguard serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// SQLite database (the one `camguard scan` / `camguard demo` write).
    #[arg(long, default_value = "camguard.db", value_name = "PATH")]
    pub db: PathBuf,
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// Certificate chain (PEM) to serve HTTPS with.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address (sessions then cross the network in clear).
    #[arg(long)]
    pub insecure_listen: bool,
    /// Custom baselines for compliance, scans and reports (besides the built-in ones).
    #[command(flatten)]
    pub baseline_files: BaselineFileArgs,
}

/// Entry point of `camguard serve`.
pub async fn run(args: ServeArgs) -> Result<ExitCode> {
    if !args.listen.ip().is_loopback() && args.tls_cert.is_none() && !args.insecure_listen {
        bail!(
            "refusing to serve on non-loopback {} without TLS: give --tls-cert and --tls-key, \
             or --insecure-listen to accept plain HTTP",
            args.listen
        );
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(camguard_web::tls::load_config(cert, key)?),
        _ => None,
    };
    if !args.db.is_file() {
        bail!(
            "database {} does not exist: run `camguard scan` or `camguard demo` first, or give --db",
            args.db.display()
        );
    }
    // Read and check the custom baselines now: a broken file stops the server before it listens.
    let files = BaselineFileArgs {
        baseline_files: args.baseline_files.files()?,
        baselines_dir: None,
        no_default_dir: true,
    };
    files.registry()?;
    let store = Store::open(&args.db).await?;
    serve_with(store, args.listen, tls, files, |_| {}).await
}

/// Serve `store` on `listen` (HTTPS with `tls`) until Ctrl-C. Prints the address and, on first start, the
/// administrator's one-time password to stdout. `ready` is called with the bound address.
pub async fn serve(
    store: Store,
    listen: SocketAddr,
    tls: Option<Arc<rustls::ServerConfig>>,
    ready: impl FnOnce(SocketAddr),
) -> Result<ExitCode> {
    let builtin = BaselineFileArgs {
        no_default_dir: true,
        ..Default::default()
    };
    serve_with(store, listen, tls, builtin, ready).await
}

/// [`serve`] with custom baselines: `files` names them explicitly (no directory), for the
/// dashboard's compliance, reports and the scans it starts.
pub async fn serve_with(
    store: Store,
    listen: SocketAddr,
    tls: Option<Arc<rustls::ServerConfig>>,
    files: BaselineFileArgs,
    ready: impl FnOnce(SocketAddr),
) -> Result<ExitCode> {
    let registry = files.registry()?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (address in use or not available?)"))?;
    let addr = listener.local_addr()?;
    let first = camguard_web::bootstrap::ensure_admin(&store, chrono::Utc::now()).await?;
    let state = AppState::new(
        store,
        Arc::new(CliRunner { files }),
        system_clock(),
        tls.is_some(),
    )
    .with_baselines(registry);
    state.load_settings().await?;
    // Scans an earlier server left running continue from their checkpoints; the others fail.
    let (resumed, orphaned) = state.jobs.resume_orphans().await?;
    if !resumed.is_empty() {
        tracing::warn!(jobs = ?resumed, "scan jobs of an earlier server resumed");
    }
    if orphaned > 0 {
        tracing::warn!(
            jobs = orphaned,
            "scan jobs of an earlier server marked failed (no usable checkpoint)"
        );
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("camguard serve: dashboard at {scheme}://{addr}/");
    if let Some(password) = first {
        println!("first start: created user `admin` with password: {password}");
        println!("(shown once; it is stored only as an argon2 hash: change it after signing in)");
    }
    let _ = std::io::stdout().flush();
    ready(addr);
    let scheduler_state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tick.tick().await;
            if let Err(e) = camguard_web::api::run_due_schedules(&scheduler_state).await {
                tracing::error!(error = %e, "scheduler");
            }
        }
    });
    let service = app(state).into_make_service_with_connect_info::<Peer>();
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match tls {
        Some(config) => {
            axum::serve(TlsListener::new(listener, config)?, service)
                .with_graceful_shutdown(shutdown)
                .await
        }
        None => {
            axum::serve(listener, service)
                .with_graceful_shutdown(shutdown)
                .await
        }
    }
    .context("server failed")?;
    Ok(ExitCode::SUCCESS)
}

/// Runs dashboard scans through the same pipeline as `camguard scan`.
struct CliRunner {
    /// The server's custom baselines (explicit files, no directory).
    files: BaselineFileArgs,
}

impl ScanRunner for CliRunner {
    fn run(
        &self,
        store: Store,
        request: ScanRequest,
        progress: ProgressSink,
    ) -> BoxFuture<'static, Result<RunSummary, String>> {
        let files = self.files.clone();
        Box::pin(async move {
            // The server has checked the targets against the system's scopes; the scan's own
            // public-address rule is satisfied by handing it exactly those targets as scope.
            let scope = std::env::temp_dir().join(format!(
                "camguard-serve-{}-job-{}.scope",
                std::process::id(),
                request.job_id
            ));
            std::fs::write(&scope, request.targets.join("\n")).map_err(|e| e.to_string())?;
            let args = ScanArgs {
                targets: request.targets.clone(),
                targets_file: None,
                exclude: Vec::new(),
                ports: request.ports.clone(),
                concurrency: if request.concurrency == 0 {
                    64
                } else {
                    request.concurrency
                },
                rate: if request.rate == 0 { 500 } else { request.rate },
                connect_timeout_ms: 1500,
                io_timeout_ms: 4000,
                output: None,
                db: store.path().to_owned(),
                no_db: false,
                authorized_scope: Some(scope.clone()),
                check_credentials: request.check_credentials,
                max_credential_attempts: 4,
                prove_streams: request.prove_streams,
                baseline: request.baseline.clone(),
                // The built-in baselines and those the server was started with.
                baseline_files: files,
                fingerprints: None,
                all_hosts: false,
                discovery_only: false,
                quiet: true,
                space: Default::default(),
                intrusive: Default::default(),
                discovery: Default::default(),
            };
            // Checkpointed, so a server stopped during the scan resumes it at its next start.
            let checkpoint = camguard_web::jobs::checkpoint_path(store.path(), request.job_id);
            if request.continue_scan.is_none() {
                // A fresh run (or one killed before its scan began): no earlier progress.
                let _ = std::fs::remove_file(&checkpoint);
            }
            if let Some(dir) = checkpoint.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            let mut args = args;
            args.space.resume = Some(checkpoint.clone());
            let result = async {
                let mut plan = ScanPlan::from_args(&args)?;
                plan.continue_scan = request.continue_scan;
                // Every host of a small scan; bounded writes on a large one.
                plan.order.checkpoint_every = (plan.targets.len() / 256).max(1);
                if !plan.order.resuming {
                    // From the first moment: a kill before the first host still resumes.
                    let order = &plan.order;
                    Progress::new(&order.start, 0)
                        .checkpoint(
                            order.seed,
                            order.shard,
                            &order.spec_hash,
                            plan.targets.len(),
                            false,
                        )
                        .save(&checkpoint)?;
                }
                let options = serde_json::json!({
                    "job": request.job_id,
                    "check_credentials": request.check_credentials,
                    "prove_streams": request.prove_streams,
                });
                let out: Box<dyn Write + Send> = Box::new(ProgressWriter {
                    buf: Vec::new(),
                    sink: progress,
                });
                execute(plan, Some(&store), Some(out), false, options).await
            }
            .await;
            let _ = std::fs::remove_file(&scope);
            let interrupted = matches!(&result, Ok(t) if t.interrupted);
            if !interrupted {
                // Finished or failed for good: nothing to resume.
                let _ = std::fs::remove_file(&checkpoint);
            }
            let totals = result.map_err(|e| format!("{e:#}"))?;
            Ok(RunSummary {
                hosts: totals.hosts,
                interrupted,
            })
        })
    }

    fn resumable(&self, store: &Store, job_id: i64) -> bool {
        let path = camguard_web::jobs::checkpoint_path(store.path(), job_id);
        match Checkpoint::load(&path) {
            Ok(Some(c)) => !c.finished,
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(job = job_id, error = %e, "unusable checkpoint: the job fails");
                false
            }
        }
    }
}

/// Turns the scan's JSON Lines into progress events.
struct ProgressWriter {
    buf: Vec<u8>,
    sink: ProgressSink,
}

impl Write for ProgressWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        while let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=end).collect();
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&line) {
                (self.sink)(ScanEvent::Host {
                    ip: v["observation"]["ip"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    camera: v["identity"]["camera"].as_bool().unwrap_or(false),
                    vendor: v["identity"]["vendor"].as_str().map(str::to_owned),
                    findings: v["findings"].as_array().map_or(0, Vec::len),
                });
            }
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// For `camguard demo --serve`: a site, system and scope covering the lab, so scans can be
/// started from the dashboard at once (only when the database has no site yet).
pub async fn demo_organisation(
    store: &Store,
    first: std::net::Ipv4Addr,
    last: std::net::Ipv4Addr,
) -> Result<()> {
    if !store.sites().await?.is_empty() {
        return Ok(());
    }
    let now = chrono::Utc::now();
    let site = store
        .create_site("Demo lab", "127.0.0.0/8 (simulated cameras)", now)
        .await?;
    let system = store
        .create_system(site.id, "Camera lab", 2, "camguard demo", now)
        .await?;
    let mut prefix = 32u8;
    while prefix > 8 {
        let net = ipnet::Ipv4Net::new(first, prefix)?.trunc();
        if net.contains(&last) {
            store.create_scope(system.id, &net.to_string(), now).await?;
            break;
        }
        prefix -= 1;
    }
    Ok(())
}
