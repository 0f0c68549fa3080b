//! `camguard report`: render the inventory of a database as HTML or JSON.

use crate::cmd_scan::choose_baseline;
use anyhow::{bail, Context, Result};
use camguard_report::{Format, Lang, ReportInput};
use camguard_store::Store;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `camguard report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// SQLite database written by `camguard scan` or `camguard demo`.
    #[arg(long, default_value = "camguard.db", value_name = "PATH")]
    pub db: PathBuf,
    /// html or json.
    #[arg(long, default_value = "html")]
    pub format: String,
    /// vi or en.
    #[arg(long, default_value = "vi")]
    pub lang: String,
    /// Output file (`-` for stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: String,
    /// Baseline for the verdict tables (default: the baseline of the latest scan).
    #[arg(long, value_name = "ID")]
    pub baseline: Option<String>,
}

/// Parse `--format`.
pub fn parse_format(s: &str) -> Result<Format> {
    match s {
        "html" => Ok(Format::Html),
        "json" => Ok(Format::Json),
        other => bail!("unknown report format '{other}' (use html or json)"),
    }
}

/// Parse `--lang`.
pub fn parse_lang(s: &str) -> Result<Lang> {
    match s {
        "vi" => Ok(Lang::Vi),
        "en" => Ok(Lang::En),
        other => bail!("unknown language '{other}' (use vi or en)"),
    }
}

/// Render a report of `store` to `output`.
pub async fn write_report(
    store: &Store,
    baseline: Option<&str>,
    format: Format,
    lang: Lang,
    output: &str,
) -> Result<()> {
    let scans = store.scans().await?;
    let baseline_id = baseline.map(str::to_string).or_else(|| {
        scans
            .iter()
            .max_by_key(|s| s.id)
            .map(|s| s.baseline.clone())
    });
    let baseline = choose_baseline(baseline_id.as_deref())?;
    let devices = store.inventory().await?;
    let input = ReportInput {
        generated_at: chrono::Utc::now(),
        baseline: &baseline,
        scans,
        devices,
    };
    let text = camguard_report::render(&input, format, lang)?;
    if output == "-" {
        print!("{text}");
    } else {
        std::fs::write(Path::new(output), text)
            .with_context(|| format!("cannot write report to {output}"))?;
    }
    Ok(())
}

/// Entry point of `camguard report`.
pub async fn run(args: ReportArgs) -> Result<ExitCode> {
    let format = parse_format(&args.format)?;
    let lang = parse_lang(&args.lang)?;
    if !args.db.exists() {
        bail!(
            "database {} does not exist (run `camguard scan` or `camguard demo` first)",
            args.db.display()
        );
    }
    let store = Store::open(&args.db).await?;
    write_report(&store, args.baseline.as_deref(), format, lang, &args.output).await?;
    if args.output != "-" {
        eprintln!("camguard: report written to {}", args.output);
    }
    Ok(ExitCode::SUCCESS)
}
