//! `camguard identify`: the offline identification contract (JSON Lines in, JSON Lines out).

use crate::cmd_scan::load_engine;
use anyhow::{Context, Result};
use clap::Args;
use std::io::{BufRead, BufReader, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `camguard identify`.
#[derive(Debug, Args)]
pub struct IdentifyArgs {
    /// Read observations from FILE instead of stdin.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Extra fingerprint rule files (*.toml, or Recog-format *.xml) from this directory.
    #[arg(long, value_name = "DIR")]
    pub fingerprints: Option<PathBuf>,
    /// Add an `explain` object to every identity line: the matching rules with their claims,
    /// and the conflicts between them.
    #[arg(long)]
    pub explain: bool,
}

/// Entry point of `camguard identify`. Exit 0 even when some lines were malformed (they get
/// `{"error": …}` lines); exit 2 only when the input or rules cannot be read at all.
pub fn run(args: IdentifyArgs) -> Result<ExitCode> {
    let engine = load_engine(args.fingerprints.as_ref())?;
    let input: Box<dyn BufRead> = match &args.input {
        Some(path) => Box::new(BufReader::new(
            std::fs::File::open(path)
                .with_context(|| format!("cannot open input {}", path.display()))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    };
    let stdout = std::io::stdout();
    let output = BufWriter::new(stdout.lock());
    let stats = if args.explain {
        camguard_fingerprint::explain_jsonl(&engine, input, output)
    } else {
        camguard_fingerprint::identify_jsonl(&engine, input, output)
    }
    .context("identify: i/o error")?;
    tracing::info!(
        lines = stats.lines,
        errors = stats.errors,
        cameras = stats.cameras,
        "identify done"
    );
    Ok(ExitCode::SUCCESS)
}
