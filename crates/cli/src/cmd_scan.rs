//! `camguard scan`: targets → discovery → probes → identification → checks → store + JSON Lines.

use crate::pipeline::{vendor_hint, Assessor};
use anyhow::{bail, Context, Result};
use camguard_checks::CheckOptions;
use camguard_fingerprint::Engine;
use camguard_model::DeviceRecord;
use camguard_scan::{AuthorizedScope, ScanConfig, TargetSet};
use camguard_store::{ScanMeta, Store};
use chrono::Utc;
use clap::Args;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `camguard scan`.
#[derive(Debug, Args, Clone)]
pub struct ScanArgs {
    /// Targets: IPs, CIDRs (10.0.0.0/24), ranges (10.0.0.1-20 or 10.0.0.1-10.0.1.5).
    pub targets: Vec<String>,
    /// File with one target per line (`#` comments allowed).
    #[arg(long, value_name = "FILE")]
    pub targets_file: Option<PathBuf>,
    /// Targets to leave out (same syntax; repeatable).
    #[arg(long, value_name = "TARGET")]
    pub exclude: Vec<String>,
    /// Ports to probe, comma-separated (default: the camera port set).
    #[arg(long, value_delimiter = ',', value_name = "PORTS")]
    pub ports: Option<Vec<u16>>,
    /// Most hosts probed at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Most new connections per second, over the whole scan.
    #[arg(long, default_value_t = 500)]
    pub rate: u32,
    /// Connect deadline per port, milliseconds.
    #[arg(long, default_value_t = 1500)]
    pub connect_timeout_ms: u64,
    /// Deadline per request/response exchange, milliseconds.
    #[arg(long, default_value_t = 4000)]
    pub io_timeout_ms: u64,
    /// Write JSON Lines (one object per live host) to FILE, or `-` for stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    /// SQLite database to record the scan in.
    #[arg(long, default_value = "camguard.db", value_name = "PATH")]
    pub db: PathBuf,
    /// Do not record the scan in a database.
    #[arg(long)]
    pub no_db: bool,
    /// File of CIDRs/ranges you are authorised to scan; required for any public address.
    #[arg(long, value_name = "FILE")]
    pub authorized_scope: Option<PathBuf>,
    /// Opt-in, intrusive: try vendor default credentials (bounded per device, logged).
    #[arg(long)]
    pub check_credentials: bool,
    /// Most credential attempts per device (kept below the 5-failure lockout of Decision 724).
    #[arg(long, default_value_t = 4)]
    pub max_credential_attempts: u32,
    /// Opt-in: prove anonymous RTSP access by receiving a few RTP packets (counted, discarded).
    #[arg(long)]
    pub prove_streams: bool,
    /// Baseline to judge against (default: the one in force today). See `camguard baselines list`.
    #[arg(long, value_name = "ID")]
    pub baseline: Option<String>,
    /// Extra fingerprint rule files (*.toml) from this directory.
    #[arg(long, value_name = "DIR")]
    pub fingerprints: Option<PathBuf>,
    /// Also emit hosts with no open port in the JSON Lines output.
    #[arg(long)]
    pub all_hosts: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Load the fingerprint engine, adding user rules when given.
pub fn load_engine(dir: Option<&PathBuf>) -> Result<Engine> {
    let mut engine = Engine::builtin().context("loading built-in fingerprint rules")?;
    if let Some(dir) = dir {
        engine
            .add_dir(dir)
            .with_context(|| format!("loading fingerprint rules from {}", dir.display()))?;
    }
    Ok(engine)
}

/// Pick the baseline by id, or the one in force today.
pub fn choose_baseline(id: Option<&str>) -> Result<camguard_baseline::Baseline> {
    let registry = camguard_baseline::Registry::builtin().context("loading baselines")?;
    let baseline = match id {
        Some(id) => registry.get(id).with_context(|| {
            let known: Vec<&str> = registry.all().iter().map(|b| b.id.as_str()).collect();
            format!("unknown baseline '{id}' (known: {})", known.join(", "))
        })?,
        None => registry
            .in_force(Utc::now().date_naive())
            .context("no baseline is in force today")?,
    };
    Ok(baseline.clone())
}

/// A validated scan plan: everything checked before the first packet is sent.
pub struct ScanPlan {
    /// Targets after exclusions.
    pub targets: Arc<TargetSet>,
    /// Engine configuration.
    pub config: Arc<ScanConfig>,
    /// Identification, checks and verdicts.
    pub assessor: Assessor,
    /// Human-readable target specification (stored with the scan).
    pub target_spec: String,
    /// Emit hosts with no open port too.
    pub all_hosts: bool,
}

impl ScanPlan {
    /// Validate raw arguments into a plan. Scope is enforced here, before any network use.
    pub fn from_args(args: &ScanArgs) -> Result<Self> {
        let mut specs = args.targets.clone();
        if let Some(file) = &args.targets_file {
            specs.extend(camguard_scan::read_target_file(file)?);
        }
        if specs.is_empty() {
            bail!("no targets: give IPs, CIDRs or ranges, or --targets-file FILE");
        }
        let targets = TargetSet::parse(&specs, &args.exclude)?;
        let scope = match &args.authorized_scope {
            Some(path) => Some(AuthorizedScope::from_file(path)?),
            None => None,
        };
        camguard_scan::enforce_scope(&targets, scope.as_ref())?;
        if args.concurrency == 0 || args.rate == 0 {
            bail!("--concurrency and --rate must be at least 1");
        }
        let engine = Arc::new(load_engine(args.fingerprints.as_ref())?);
        let baseline = choose_baseline(args.baseline.as_deref())?;
        let mut config = ScanConfig {
            concurrency: args.concurrency,
            rate_per_sec: args.rate,
            connect_timeout: Duration::from_millis(args.connect_timeout_ms),
            io_timeout: Duration::from_millis(args.io_timeout_ms),
            prove_streams: args.prove_streams,
            check_credentials: args.check_credentials,
            max_credential_attempts: args.max_credential_attempts,
            vendor_hint: Some(vendor_hint(engine.clone())),
            ..ScanConfig::default()
        };
        if let Some(ports) = &args.ports {
            if ports.is_empty() || ports.contains(&0) {
                bail!("--ports needs port numbers between 1 and 65535");
            }
            config.ports = ports.clone();
        }
        if args.check_credentials {
            tracing::info!(
                max_attempts = args.max_credential_attempts,
                "intrusive check enabled: default credentials will be tried"
            );
        }
        if args.prove_streams {
            tracing::info!("stream proof enabled: RTP packets will be received and discarded");
        }
        Ok(Self {
            targets: Arc::new(targets),
            config: Arc::new(config),
            assessor: Assessor {
                engine,
                baseline,
                check_options: CheckOptions {
                    intrusive: args.check_credentials,
                    stream_proof: args.prove_streams,
                },
            },
            target_spec: specs.join(" "),
            all_hosts: args.all_hosts,
        })
    }
}

/// Totals of a finished scan.
#[derive(Debug, Default, Clone)]
pub struct ScanTotals {
    /// Hosts probed.
    pub hosts: u64,
    /// Hosts with at least one open port.
    pub alive: u64,
    /// Hosts identified as cameras.
    pub cameras: u64,
    /// Findings.
    pub findings: u64,
    /// Records written (for the caller's summary).
    pub records: Vec<DeviceRecord>,
}

/// Run a validated plan: stream records to `out` (JSON Lines) and to the store.
pub async fn execute(
    plan: ScanPlan,
    store: Option<&Store>,
    mut out: Option<Box<dyn Write + Send>>,
    show_progress: bool,
    options: serde_json::Value,
) -> Result<ScanTotals> {
    let started_at = Utc::now();
    let scan_id = match store {
        Some(store) => Some(
            store
                .begin_scan(&ScanMeta {
                    started_at,
                    targets: plan.target_spec.clone(),
                    options,
                    baseline: plan.assessor.baseline.id.clone(),
                })
                .await?,
        ),
        None => None,
    };
    let total = plan.targets.len();
    let bar = if show_progress {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} hosts, {msg} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut totals = ScanTotals::default();
    let mut stream = Box::pin(camguard_scan::scan(
        plan.targets.clone(),
        plan.config.clone(),
    ));
    while let Some(observation) = stream.next().await {
        totals.hosts += 1;
        bar.inc(1);
        let alive = observation.is_alive();
        if !alive && !plan.all_hosts {
            continue;
        }
        let record = plan.assessor.assess(observation);
        totals.alive += 1;
        totals.cameras += u64::from(record.identity.camera);
        totals.findings += record.findings.len() as u64;
        bar.set_message(format!(
            "{} live, {} cameras, {} findings",
            totals.alive, totals.cameras, totals.findings
        ));
        if let (Some(store), Some(id)) = (store, scan_id) {
            store.record_device(id, &record).await?;
        }
        if let Some(w) = out.as_mut() {
            serde_json::to_writer(&mut *w, &record)?;
            w.write_all(b"\n")?;
            w.flush()?;
        }
        totals.records.push(record);
    }
    bar.finish_and_clear();
    if let (Some(store), Some(id)) = (store, scan_id) {
        store.finish_scan(id, Utc::now(), totals.hosts).await?;
    }
    Ok(totals)
}

/// Open the JSON Lines sink named by `--output`.
pub fn open_output(output: Option<&str>) -> Result<Option<Box<dyn Write + Send>>> {
    Ok(match output {
        None => None,
        Some("-") => Some(Box::new(std::io::stdout())),
        Some(path) => Some(Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create output file {path}"))?,
        ))),
    })
}

/// Entry point of `camguard scan`.
pub async fn run(args: ScanArgs) -> Result<ExitCode> {
    let plan = ScanPlan::from_args(&args)?;
    let store = if args.no_db {
        None
    } else {
        Some(Store::open(&args.db).await?)
    };
    let out = open_output(args.output.as_deref())?;
    let show_progress = !args.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let options = serde_json::json!({
        "ports": plan.config.ports,
        "check_credentials": args.check_credentials,
        "prove_streams": args.prove_streams,
        "rate": args.rate,
        "concurrency": args.concurrency,
    });
    let totals = execute(plan, store.as_ref(), out, show_progress, options).await?;
    eprintln!(
        "camguard: scanned {} hosts: {} live, {} cameras, {} findings{}",
        totals.hosts,
        totals.alive,
        totals.cameras,
        totals.findings,
        if args.no_db {
            String::new()
        } else {
            format!(" (recorded in {})", args.db.display())
        }
    );
    Ok(ExitCode::SUCCESS)
}
