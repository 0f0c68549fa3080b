//! `camguard report`: render the inventory of a database as HTML, JSON, CSV or SARIF, or the
//! diff between two scans as HTML, JSON or CSV.

use crate::baseline_files::BaselineFileArgs;
use anyhow::{bail, Context, Result};
use camguard_baseline::Baseline;
use camguard_report::diff::DiffInput;
use camguard_report::{Detail, Format, Lang, ReportInput};
use camguard_store::{ScanSummary, Store};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `camguard report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// SQLite database written by `camguard scan` or `camguard demo`.
    #[arg(long, default_value = "camguard.db", value_name = "PATH")]
    pub db: PathBuf,
    /// html, json, csv (one row per finding) or sarif (SARIF 2.1.0).
    #[arg(long, default_value = "html")]
    pub format: String,
    /// vi or en.
    #[arg(long, default_value = "vi")]
    pub lang: String,
    /// Output file (`-` for stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: String,
    /// Baseline for the verdict tables (default: the baseline the latest scan was judged
    /// against; for a scan without one, the baseline in force on the scan's date).
    #[arg(long, value_name = "ID")]
    pub baseline: Option<String>,
    /// Custom baselines (`--baseline-file`, `--baselines-dir`): a scan judged against a custom
    /// baseline needs its file to be reported.
    #[command(flatten)]
    pub baseline_files: BaselineFileArgs,
    /// HTML per-device detail: failed (detail only for devices with findings, the others in
    /// one table, remediation once per check in an appendix), full (every device, remediation
    /// next to each finding) or summary (one table row per device, remediation appendix).
    #[arg(long, default_value = "failed", value_name = "LEVEL")]
    pub detail: String,
    /// Organisation name for the cover page.
    #[arg(long, value_name = "NAME")]
    pub org: Option<String>,
    /// Diff report between two scans (new, fixed and regressed findings; new and vanished
    /// devices) instead of the inventory; html, json or csv.
    #[arg(long, num_args = 2, value_names = ["OLD_SCAN_ID", "NEW_SCAN_ID"], conflicts_with = "diff_latest")]
    pub diff: Option<Vec<i64>>,
    /// Diff report between the two latest scans.
    #[arg(long)]
    pub diff_latest: bool,
}

/// Parse `--format`.
pub fn parse_format(s: &str) -> Result<Format> {
    s.parse::<Format>().map_err(Into::into)
}

/// Parse `--lang`.
pub fn parse_lang(s: &str) -> Result<Lang> {
    match s {
        "vi" => Ok(Lang::Vi),
        "en" => Ok(Lang::En),
        other => bail!("unknown language '{other}' (use vi or en)"),
    }
}

fn write_out(output: &str, text: &str) -> Result<()> {
    if output == "-" {
        print!("{text}");
    } else {
        std::fs::write(Path::new(output), text)
            .with_context(|| format!("cannot write report to {output}"))?;
    }
    Ok(())
}

/// Render a report of `store` to `output`, with the default detail of `camguard report`.
pub async fn write_report(
    store: &Store,
    baseline: Option<&str>,
    format: Format,
    lang: Lang,
    output: &str,
) -> Result<()> {
    let choice = ReportChoice {
        baseline,
        detail: Detail::Failed,
        ..ReportChoice::default()
    };
    write_report_for(store, &choice, format, lang, output).await
}

/// What a report is judged against and how much it shows.
#[derive(Debug, Clone, Default)]
pub struct ReportChoice<'a> {
    /// Baseline id (`None`: see [`report_baseline`]).
    pub baseline: Option<&'a str>,
    /// Custom baseline files.
    pub files: BaselineFileArgs,
    /// Organisation shown on the cover.
    pub organisation: Option<&'a str>,
    /// HTML per-device detail.
    pub detail: Detail,
}

/// The baseline of a report: `id` when given; else the one the latest scan was judged against
/// (a custom one needs its file: the error names the id); else, for a scan recorded without a
/// baseline id, the one in force on that scan's date; without any scan, the one in force today.
pub fn report_baseline(
    scans: &[ScanSummary],
    id: Option<&str>,
    files: &BaselineFileArgs,
) -> Result<Baseline> {
    let today = chrono::Utc::now().date_naive();
    let latest = scans.iter().max_by_key(|s| s.id);
    match (id, latest) {
        (Some(id), _) => files.choose(Some(id), today),
        (None, Some(scan)) if !scan.baseline.trim().is_empty() => {
            let registry = files.registry()?;
            match registry.get(&scan.baseline) {
                Some(b) => Ok(b.clone()),
                None => bail!(
                    "scan #{} was judged against baseline '{}', which is not loaded: give its \
                     file with --baseline-file FILE (or put it in {}), or choose another \
                     baseline with --baseline ID",
                    scan.id,
                    scan.baseline,
                    crate::baseline_files::default_dir()
                        .map(|d| d.display().to_string())
                        .unwrap_or_else(|| "--baselines-dir DIR".into())
                ),
            }
        }
        (None, Some(scan)) => files.choose(None, scan.started_at.date_naive()),
        (None, None) => files.choose(None, today),
    }
}

/// Render a report of `store` with `choice` to `output`.
pub async fn write_report_for(
    store: &Store,
    choice: &ReportChoice<'_>,
    format: Format,
    lang: Lang,
    output: &str,
) -> Result<()> {
    let scans = store.scans().await?;
    let baseline = report_baseline(&scans, choice.baseline, &choice.files)?;
    let devices = store.inventory().await?;
    let mut input = ReportInput::new(chrono::Utc::now(), &baseline, scans, devices);
    input.organisation = choice.organisation.map(str::to_owned);
    input.trend = store.scan_trend().await?;
    input.detail = choice.detail;
    let text = camguard_report::render(&input, format, lang)?;
    write_out(output, &text)
}

/// Render the diff between scans `old` and `new` of `store` to `output`.
pub async fn write_diff(
    store: &Store,
    old: i64,
    new: i64,
    organisation: Option<&str>,
    format: Format,
    lang: Lang,
    output: &str,
) -> Result<()> {
    let scans = store.scans().await?;
    let find = |id: i64| -> Result<ScanSummary> {
        match scans.iter().find(|s| s.id == id) {
            Some(s) => Ok(s.clone()),
            None => {
                let known: Vec<String> = scans.iter().map(|s| s.id.to_string()).collect();
                bail!(
                    "scan {id} is not in the database (scans: {})",
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                )
            }
        }
    };
    let (old_scan, new_scan) = (find(old)?, find(new)?);
    if old >= new {
        bail!("--diff OLD NEW: the older scan id comes first ({old} is not older than {new})");
    }
    let mut earlier = Vec::new();
    for s in scans.iter().filter(|s| s.id < old) {
        earlier.push(store.scan_devices(s.id).await?);
    }
    let input = DiffInput {
        generated_at: chrono::Utc::now(),
        organisation: organisation.map(str::to_owned),
        old_scan,
        new_scan,
        old_devices: store.scan_devices(old).await?,
        new_devices: store.scan_devices(new).await?,
        earlier,
    };
    let text = camguard_report::render_diff(&input, format, lang)?;
    write_out(output, &text)
}

/// Entry point of `camguard report`.
pub async fn run(args: ReportArgs) -> Result<ExitCode> {
    let format = parse_format(&args.format)?;
    let lang = parse_lang(&args.lang)?;
    let detail: Detail = args.detail.parse()?;
    if !args.db.exists() {
        bail!(
            "database {} does not exist (run `camguard scan` or `camguard demo` first)",
            args.db.display()
        );
    }
    let store = Store::open(&args.db).await?;
    let org = args.org.as_deref();
    let diff = match (&args.diff, args.diff_latest) {
        (Some(ids), _) => Some((ids[0], ids[1])),
        (None, true) => {
            let scans = store.scans().await?;
            match scans.as_slice() {
                [.., a, b] => Some((a.id, b.id)),
                _ => bail!(
                    "--diff-latest needs two scans; the database has {}",
                    scans.len()
                ),
            }
        }
        (None, false) => None,
    };
    match diff {
        Some((old, new)) => write_diff(&store, old, new, org, format, lang, &args.output).await?,
        None => {
            let choice = ReportChoice {
                baseline: args.baseline.as_deref(),
                files: args.baseline_files.clone(),
                organisation: org,
                detail,
            };
            write_report_for(&store, &choice, format, lang, &args.output).await?
        }
    }
    store.close().await;
    if args.output != "-" {
        eprintln!("camguard: report written to {}", args.output);
    }
    Ok(ExitCode::SUCCESS)
}
