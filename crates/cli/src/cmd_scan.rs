//! `camguard scan`: targets → discovery → probes → identification → checks → store + JSON Lines.

use crate::pipeline::{vendor_hint, Assessor};
use anyhow::{bail, Context, Result};
use camguard_checks::CheckOptions;
use camguard_fingerprint::Engine;
use camguard_model::{DeviceRecord, Identity};
use camguard_scan::discovery_sweep::discovery_walk;
use camguard_scan::import::{import_file, ImportFormat, Imported};
use camguard_scan::resume::{spec_hash, Checkpoint, Progress};
use camguard_scan::shard::StartAt;
use camguard_scan::sweep::{lock, scan_walk, HostPorts};
use camguard_scan::{
    AuthorizedScope, ExcludeList, ScanConfig, Shard, ShardWalk, TargetSet, DEFAULT_SEED,
};
use camguard_store::{ScanMeta, Store};
use chrono::Utc;
use clap::Args;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
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
    /// Custom baselines (`--baseline-file`, `--baselines-dir`) next to the built-in ones.
    #[command(flatten)]
    pub baseline_files: crate::baseline_files::BaselineFileArgs,
    /// Extra fingerprint rule files (*.toml) from this directory.
    #[arg(long, value_name = "DIR")]
    pub fingerprints: Option<PathBuf>,
    /// Also emit hosts with no open port in the JSON Lines output.
    #[arg(long)]
    pub all_hosts: bool,
    /// Only discover open ports (TCP connect); run no probe on them.
    #[arg(long)]
    pub discovery_only: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Scan order, sharding, resume, exclude files and imports.
    #[command(flatten)]
    pub space: Box<TargetSpaceArgs>,
    /// Unicast UDP discovery on/off and multicast discovery on the local segment.
    #[command(flatten)]
    pub discovery: Box<crate::scan_discovery_args::DiscoveryArgs>,
    /// Opt-in intrusive assessments (lockout test, user enumeration, CVE confirmations).
    #[command(flatten)]
    pub intrusive: crate::intrusive_args::IntrusiveArgs,
}

/// Default of `--checkpoint-every`.
pub const DEFAULT_CHECKPOINT_EVERY: u64 = 1000;

/// Target-space options of `camguard scan`.
#[derive(Debug, Args, Clone)]
pub struct TargetSpaceArgs {
    /// File of addresses, CIDRs or ranges never to scan (one per line, `#` comments; repeatable).
    #[arg(long, value_name = "FILE")]
    pub exclude_file: Vec<PathBuf>,
    /// Add targets from another tool's output or an inventory: nmap -oX, masscan -oJ/-oL,
    /// CSV (ip/address/host column, optional port) or JSON (objects with ip [+ port]); repeatable.
    #[arg(long, value_name = "FILE")]
    pub import: Vec<PathBuf>,
    /// Format of the --import files (default: detected): nmap-xml, masscan-json,
    /// masscan-list, csv, json.
    #[arg(long, value_name = "FORMAT")]
    pub import_format: Option<String>,
    /// Seed of the host order (a permutation of the targets); shards of one scan need the same
    /// seed. Default: a fixed seed, or the one stored in the --resume file.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Scan only shard I of N (I in 1..=N); the N shards together cover every target once.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Checkpoint file: resume from it if it exists, and keep it up to date (every
    /// --checkpoint-every hosts and at exit, also on Ctrl-C). A resumed run appends to the
    /// --output file after cutting it back to the checkpoint, so even after a hard kill every
    /// host appears in it once.
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
    /// Hosts between two checkpoint writes.
    #[arg(long, default_value_t = DEFAULT_CHECKPOINT_EVERY, value_name = "K")]
    pub checkpoint_every: u64,
}

impl Default for TargetSpaceArgs {
    fn default() -> Self {
        Self {
            exclude_file: Vec::new(),
            import: Vec::new(),
            import_format: None,
            seed: None,
            shard: None,
            resume: None,
            checkpoint_every: DEFAULT_CHECKPOINT_EVERY,
        }
    }
}

/// Scan order and checkpointing of a plan.
#[derive(Debug, Clone)]
pub struct OrderPlan {
    /// Permutation seed.
    pub seed: u64,
    /// This run's shard.
    pub shard: Shard,
    /// Checkpoint file, if resumable.
    pub resume: Option<PathBuf>,
    /// Hosts between checkpoint writes.
    pub checkpoint_every: u64,
    /// Hash of targets and ports (stored in checkpoints).
    pub spec_hash: String,
    /// Where this run starts.
    pub start: StartAt,
    /// Hosts completed by earlier runs.
    pub completed: u64,
    /// Extra ports for imported hosts.
    pub extra_ports: Option<HostPorts>,
    /// The JSON Lines output file whose length each checkpoint records (`--output FILE`).
    pub output_file: Option<PathBuf>,
    /// Output length recorded by the checkpoint this run resumes from.
    pub resume_output_bytes: Option<u64>,
    /// A checkpoint was found: this run continues an earlier one (and appends to its output).
    pub resuming: bool,
}

/// Read the --import files.
fn read_imports(space: &TargetSpaceArgs) -> Result<Imported> {
    let format = match &space.import_format {
        Some(f) => Some(f.parse::<ImportFormat>().map_err(anyhow::Error::msg)?),
        None => None,
    };
    let mut all = Imported::default();
    for path in &space.import {
        let (imported, used) = import_file(path, format)?;
        tracing::info!(
            file = %path.display(),
            format = used.name(),
            hosts = imported.hosts.len(),
            "imported targets"
        );
        all.merge(imported);
    }
    Ok(all)
}

/// Load the fingerprint engine, adding user rules when given.
pub fn load_engine(dir: Option<&PathBuf>) -> Result<Engine> {
    let mut engine = Engine::builtin().context("loading built-in fingerprint rules")?;
    if let Some(dir) = dir {
        let report = engine
            .load_dir(dir)
            .with_context(|| format!("loading fingerprint rules from {}", dir.display()))?;
        for warning in &report.warnings {
            eprintln!("camguard: warning: {warning}");
        }
    }
    Ok(engine)
}

/// Pick the baseline by id (built-in or from `files`), or the one in force today.
pub fn choose_baseline(
    id: Option<&str>,
    files: &crate::baseline_files::BaselineFileArgs,
) -> Result<camguard_baseline::Baseline> {
    files.choose(id, Utc::now().date_naive())
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
    /// Host order, shard and checkpointing.
    pub order: OrderPlan,
    /// Multicast discovery on the local segment (`--local`), run before the sweep.
    pub local: Option<camguard_scan::multicast::LocalOptions>,
    /// Record into this existing scan instead of beginning one (a dashboard job resumed from
    /// its checkpoint after a server restart).
    pub continue_scan: Option<i64>,
}

/// Seed, shard, checkpoint: validated, and checked against an existing checkpoint.
fn plan_order(
    space: &TargetSpaceArgs,
    targets: &TargetSet,
    ports: &[u16],
    extra: HashMap<std::net::IpAddr, Vec<u16>>,
) -> Result<OrderPlan> {
    let shard: Shard = match &space.shard {
        Some(s) => s.parse()?,
        None => Shard::default(),
    };
    if space.checkpoint_every == 0 {
        bail!("--checkpoint-every must be at least 1");
    }
    let mut hash_input: Vec<_> = extra.iter().collect();
    hash_input.sort();
    let mut hash = spec_hash(targets, ports);
    if !hash_input.is_empty() {
        hash = format!("{hash}+{:x}", {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in format!("{hash_input:?}").bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            }
            h
        });
    }
    let checkpoint = match &space.resume {
        Some(path) => Checkpoint::load(path)?,
        None => None,
    };
    let seed = space
        .seed
        .or(checkpoint.as_ref().map(|c| c.seed))
        .unwrap_or(DEFAULT_SEED);
    let (start, completed) = match (&checkpoint, &space.resume) {
        (Some(cp), Some(path)) => {
            cp.check(path, seed, shard, &hash)?;
            (cp.start(), cp.completed)
        }
        _ => (StartAt::default(), 0),
    };
    Ok(OrderPlan {
        seed,
        shard,
        resume: space.resume.clone(),
        checkpoint_every: space.checkpoint_every,
        spec_hash: hash,
        start,
        completed,
        extra_ports: (!extra.is_empty()).then(|| Arc::new(extra)),
        output_file: None,
        resume_output_bytes: checkpoint.as_ref().and_then(|c| c.output_bytes),
        resuming: checkpoint.is_some(),
    })
}

impl ScanPlan {
    /// Validate raw arguments into a plan. Scope is enforced here, before any network use.
    pub fn from_args(args: &ScanArgs) -> Result<Self> {
        let mut specs = args.targets.clone();
        if let Some(file) = &args.targets_file {
            specs.extend(camguard_scan::read_target_file(file)?);
        }
        let imported = read_imports(&args.space)?;
        if specs.is_empty() && imported.hosts.is_empty() {
            bail!("no targets: give IPs, CIDRs or ranges, --targets-file FILE or --import FILE");
        }
        let mut excludes = ExcludeList::parse(&args.exclude)?;
        for file in &args.space.exclude_file {
            excludes = excludes.merge(ExcludeList::from_file(file)?);
        }
        let targets = TargetSet::parse(&specs, &[])?
            .with_addresses(imported.hosts.keys().copied())
            .without(&excludes);
        for path in &args.space.import {
            specs.push(format!("import:{}", path.display()));
        }
        let scope = match &args.authorized_scope {
            Some(path) => Some(AuthorizedScope::from_file(path)?),
            None => None,
        };
        camguard_scan::enforce_scope(&targets, scope.as_ref())?;
        if args.concurrency == 0 || args.rate == 0 {
            bail!("--concurrency and --rate must be at least 1");
        }
        // A discovery-only scan identifies nothing: skip compiling the fingerprint rules.
        let engine = Arc::new(if args.discovery_only {
            Engine::empty()
        } else {
            load_engine(args.fingerprints.as_ref())?
        });
        let baseline = choose_baseline(args.baseline.as_deref(), &args.baseline_files)?;
        let mut config = ScanConfig {
            concurrency: args.concurrency,
            rate_per_sec: args.rate,
            connect_timeout: Duration::from_millis(args.connect_timeout_ms),
            io_timeout: Duration::from_millis(args.io_timeout_ms),
            prove_streams: args.prove_streams,
            check_credentials: args.check_credentials,
            max_credential_attempts: args.max_credential_attempts,
            vendor_hint: (!args.discovery_only).then(|| vendor_hint(engine.clone())),
            discovery_only: args.discovery_only,
            ..ScanConfig::default()
        };
        let local = args.discovery.apply(&mut config)?;
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
        args.intrusive.apply(&mut config)?;
        let extra: HashMap<_, Vec<u16>> = imported
            .hosts
            .into_iter()
            .filter(|(ip, ports)| !ports.is_empty() && targets.contains(*ip))
            .map(|(ip, ports)| (ip, ports.into_iter().collect()))
            .collect();
        let order = plan_order(&args.space, &targets, &config.ports, extra)?;
        Ok(Self {
            order,
            targets: Arc::new(targets),
            config: Arc::new(config),
            assessor: Assessor {
                engine,
                baseline,
                check_options: CheckOptions {
                    intrusive: args.check_credentials,
                    stream_proof: args.prove_streams,
                },
                data: crate::pipeline::assessment_data()?,
            },
            target_spec: specs.join(" "),
            all_hosts: args.all_hosts,
            local,
            continue_scan: None,
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
    /// The scan was stopped (Ctrl-C) before every host was probed.
    pub interrupted: bool,
    /// Hosts done by earlier runs of a resumed scan.
    pub resumed_from: u64,
}

/// Run a validated plan: stream records to `out` (JSON Lines) and to the store.
pub async fn execute(
    mut plan: ScanPlan,
    store: Option<&Store>,
    mut out: Option<Box<dyn Write + Send>>,
    show_progress: bool,
    options: serde_json::Value,
) -> Result<ScanTotals> {
    let started_at = Utc::now();
    crate::pipeline::add_registries(&mut plan.assessor, store).await?;
    let scan_id = match store {
        Some(_) if plan.continue_scan.is_some() => plan.continue_scan,
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
    let order = plan.order.clone();
    let shard_total = shard_size(total, order.shard);
    let bar = if show_progress {
        let bar = ProgressBar::new(shard_total);
        bar.set_position(order.completed.min(shard_total));
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
    let mut totals = ScanTotals {
        resumed_from: order.completed,
        ..ScanTotals::default()
    };
    let progress = Arc::new(Mutex::new(Progress::new(&order.start, order.completed)));
    let walk = ShardWalk::resume(
        plan.targets.clone(),
        order.seed,
        order.shard,
        order.start.clone(),
    )?;
    let save = |finished: bool| -> Result<()> {
        if let Some(path) = &order.resume {
            let mut checkpoint = lock(&progress).checkpoint(
                order.seed,
                order.shard,
                &order.spec_hash,
                shard_total,
                finished,
            );
            // Every record is flushed as it is written, so the file's length now covers
            // exactly the hosts the checkpoint calls done.
            checkpoint.output_bytes = match &order.output_file {
                Some(file) => Some(
                    std::fs::metadata(file)
                        .with_context(|| format!("output file {}", file.display()))?
                        .len(),
                ),
                None => None,
            };
            checkpoint.save(path)?;
        }
        Ok(())
    };
    let mut stream = if plan.config.discovery_only {
        discovery_walk(
            walk,
            plan.config.clone(),
            order.extra_ports.clone(),
            Some(progress.clone()),
        )
        .boxed()
    } else {
        scan_walk(
            walk,
            plan.config.clone(),
            order.extra_ports.clone(),
            Some(progress.clone()),
        )
        .boxed()
    };
    let mut local = match &plan.local {
        Some(opts) => camguard_scan::multicast::discover_local(opts, &plan.targets).await?,
        None => Default::default(),
    };
    let mut interrupt = Box::pin(tokio::signal::ctrl_c());
    loop {
        let (position, observation) = tokio::select! {
            next = stream.next() => match next {
                Some(item) => item,
                None => break,
            },
            _ = &mut interrupt, if order.resume.is_some() => {
                totals.interrupted = true;
                break;
            }
        };
        let mut observation = observation;
        camguard_scan::multicast::merge_into(&mut local, &mut observation);
        let result = handle_observation(
            &plan,
            store,
            scan_id,
            &mut out,
            &mut totals,
            &bar,
            observation,
        )
        .await;
        result?;
        let done = {
            let mut p = lock(&progress);
            p.done(position);
            p.completed()
        };
        if done % order.checkpoint_every == 0 {
            save(false)?;
        }
    }
    drop(stream);
    apply_fleet_checks(&plan, store, scan_id, &mut out, &mut totals).await?;
    save(!totals.interrupted)?;
    bar.finish_and_clear();
    if let (Some(store), Some(id)) = (store, scan_id) {
        store.finish_scan(id, Utc::now(), totals.hosts).await?;
    }
    Ok(totals)
}

/// Fleet checks over this run's records (`COMM.SHARED_TLS_KEY`, `COMM.SHARED_SSH_KEY`): their findings are added to
/// the affected records, whose verdicts are recomputed; those records are recorded again
/// (replacing their earlier record of this scan) and written again to the JSON Lines output,
/// where the later line for an address supersedes the earlier one.
async fn apply_fleet_checks(
    plan: &ScanPlan,
    store: Option<&Store>,
    scan_id: Option<i64>,
    out: &mut Option<Box<dyn Write + Send>>,
    totals: &mut ScanTotals,
) -> Result<()> {
    let mut found: HashMap<std::net::IpAddr, Vec<camguard_model::Finding>> = HashMap::new();
    {
        let observations: Vec<_> = totals.records.iter().map(|r| &r.observation).collect();
        for (ip, finding) in camguard_checks::fleet::fleet_findings(&observations) {
            found.entry(ip).or_default().push(finding);
        }
    }
    for record in &mut totals.records {
        let Some(new) = found.remove(&record.observation.ip) else {
            continue;
        };
        totals.findings += new.len() as u64;
        record.findings.extend(new);
        record.verdicts = camguard_baseline::assess(
            &plan.assessor.baseline,
            &record.findings,
            &record.checks_run,
        );
        emit(record, store, scan_id, out).await?;
    }
    Ok(())
}

/// Record `record` in the store (when there is one) and write it as one JSON line.
async fn emit(
    record: &DeviceRecord,
    store: Option<&Store>,
    scan_id: Option<i64>,
    out: &mut Option<Box<dyn Write + Send>>,
) -> Result<()> {
    if let (Some(store), Some(id)) = (store, scan_id) {
        store.record_device(id, record).await?;
    }
    if let Some(w) = out.as_mut() {
        serde_json::to_writer(&mut *w, record)?;
        w.write_all(b"\n")?;
        w.flush()?;
    }
    Ok(())
}

/// Hosts in one shard of `total` targets (approximately `total / count`; exact for one shard).
fn shard_size(total: u64, shard: Shard) -> u64 {
    if shard.count <= 1 {
        total
    } else {
        total.div_ceil(u64::from(shard.count))
    }
}

/// Assess one observation and write its record to the store and the output.
async fn handle_observation(
    plan: &ScanPlan,
    store: Option<&Store>,
    scan_id: Option<i64>,
    out: &mut Option<Box<dyn Write + Send>>,
    totals: &mut ScanTotals,
    bar: &ProgressBar,
    observation: camguard_model::HostObservation,
) -> Result<()> {
    {
        totals.hosts += 1;
        bar.inc(1);
        let alive = observation.is_alive();
        if !alive && !plan.all_hosts {
            return Ok(());
        }
        if plan.config.discovery_only {
            // Ports and their states only: no identification, checks or verdicts.
            let record = DeviceRecord {
                observation,
                identity: Identity::default(),
                findings: Vec::new(),
                checks_run: Vec::new(),
                verdicts: Vec::new(),
            };
            // Not kept in `totals.records`: no fleet check applies, and a sweep of a large
            // range must not grow with it.
            totals.alive += 1;
            return emit(&record, store, scan_id, out).await;
        }
        let mut record = plan.assessor.assess(observation);
        let fleet = camguard_checks::fleet::checks_applying(&record.observation);
        if !fleet.is_empty() {
            // Judged at the end of the scan by `apply_fleet_checks`, which always runs.
            record
                .checks_run
                .extend(fleet.iter().map(|c| c.to_string()));
            record.verdicts = camguard_baseline::assess(
                &plan.assessor.baseline,
                &record.findings,
                &record.checks_run,
            );
        }
        totals.alive += 1;
        totals.cameras += u64::from(record.identity.camera);
        totals.findings += record.findings.len() as u64;
        bar.set_message(format!(
            "{} live, {} cameras, {} findings",
            totals.alive, totals.cameras, totals.findings
        ));
        emit(&record, store, scan_id, out).await?;
        totals.records.push(record);
    }
    Ok(())
}

/// Open the JSON Lines sink named by `--output`.
pub fn open_output(output: Option<&str>) -> Result<Option<Box<dyn Write + Send>>> {
    open_output_mode(output, false)
}

/// Open the JSON Lines sink named by `--output`, appending when `append` (a resumed scan).
pub fn open_output_mode(
    output: Option<&str>,
    append: bool,
) -> Result<Option<Box<dyn Write + Send>>> {
    Ok(match output {
        None => None,
        Some("-") => Some(Box::new(std::io::stdout())),
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(append)
                .truncate(!append)
                .open(path)
                .with_context(|| format!("cannot create output file {path}"))?;
            Some(Box::new(std::io::BufWriter::new(file)))
        }
    })
}

/// Before a resumed run appends to `file`: drop the records written after the checkpoint
/// (a hard kill leaves them; their hosts are probed again), so no host appears twice.
fn cut_back_output(file: &Path, checkpoint_bytes: Option<u64>) -> Result<()> {
    let Some(keep) = checkpoint_bytes else {
        return Ok(());
    };
    let len = match std::fs::metadata(file) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "camguard: warning: {} is missing; the resumed run writes only the hosts still to do",
                file.display()
            );
            return Ok(());
        }
        Err(e) => return Err(e).with_context(|| format!("output file {}", file.display())),
    };
    if len > keep {
        std::fs::OpenOptions::new()
            .write(true)
            .open(file)
            .and_then(|f| f.set_len(keep))
            .with_context(|| format!("cutting {} back to its checkpoint", file.display()))?;
        tracing::info!(
            file = %file.display(),
            dropped_bytes = len - keep,
            "dropped records written after the last checkpoint"
        );
    } else if len < keep {
        eprintln!(
            "camguard: warning: {} is shorter than at the last checkpoint ({len} < {keep} bytes); appending",
            file.display()
        );
    }
    Ok(())
}

/// Entry point of `camguard scan`.
pub async fn run(args: ScanArgs) -> Result<ExitCode> {
    let mut plan = ScanPlan::from_args(&args)?;
    if args.space.resume.is_some() {
        if let Some(file) = args.output.as_deref().filter(|o| *o != "-") {
            let file = PathBuf::from(file);
            if plan.order.resuming {
                cut_back_output(&file, plan.order.resume_output_bytes)?;
            }
            plan.order.output_file = Some(file);
        }
    }
    let store = if args.no_db {
        None
    } else {
        Some(Store::open(&args.db).await?)
    };
    let out = open_output_mode(args.output.as_deref(), plan.order.resuming)?;
    let show_progress = !args.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let options = serde_json::json!({
        "ports": plan.config.ports,
        "check_credentials": args.check_credentials,
        "prove_streams": args.prove_streams,
        "rate": args.rate,
        "concurrency": args.concurrency,
        "seed": plan.order.seed,
        "shard": plan.order.shard.to_string(),
        "resumed_from": plan.order.completed,
        "intrusive": args.intrusive.options(),
    });
    let (seed, shard) = (plan.order.seed, plan.order.shard);
    let totals = execute(plan, store.as_ref(), out, show_progress, options).await?;
    // A clean close folds the write-ahead log back into the database file.
    if let Some(store) = &store {
        store.close().await;
    }
    if totals.interrupted {
        if let Some(path) = &args.space.resume {
            eprintln!(
                "camguard: interrupted; progress saved in {} (run the same command to resume)",
                path.display()
            );
        }
    }
    eprintln!(
        "camguard: scanned {} hosts (seed {seed}, shard {shard}{}): {} live, {} cameras, {} findings{}",
        totals.hosts,
        if totals.resumed_from > 0 {
            format!(", resumed after {} hosts", totals.resumed_from)
        } else {
            String::new()
        },
        totals.alive,
        totals.cameras,
        totals.findings,
        if args.no_db {
            String::new()
        } else {
            format!(" (recorded in {})", args.db.display())
        }
    );
    Ok(if totals.interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}
