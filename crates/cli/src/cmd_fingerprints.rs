//! `camguard fingerprints`: check rule files (`verify DIR`) and list the loaded rules (`list`).

use crate::cmd_scan::load_engine;
use anyhow::{bail, Context, Result};
use camguard_model::FingerprintInput;
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `camguard fingerprints`.
#[derive(Debug, Args)]
pub struct FingerprintsArgs {
    #[command(subcommand)]
    command: FingerprintsCommand,
}

#[derive(Debug, Subcommand)]
enum FingerprintsCommand {
    /// Check every example of every rule file in DIR (*.toml, Recog *.xml) against its own
    /// rule. Prints `file:rule: message` per failure and a summary; exits 1 on any failure.
    Verify {
        /// Directory of rule files (for example data/fingerprints).
        dir: PathBuf,
    },
    /// List the loaded rules: id, field, weight, file (tab-separated).
    List {
        /// Only rules that match this observation field (e.g. http_server).
        #[arg(long, value_name = "F")]
        field: Option<String>,
        /// Extra rule files (*.toml, Recog *.xml) from this directory.
        #[arg(long, value_name = "DIR")]
        fingerprints: Option<PathBuf>,
    },
}

/// Entry point of `camguard fingerprints`.
pub fn run(args: FingerprintsArgs) -> Result<ExitCode> {
    match args.command {
        FingerprintsCommand::Verify { dir } => verify(&dir),
        FingerprintsCommand::List {
            field,
            fingerprints,
        } => list(field.as_deref(), fingerprints.as_ref()),
    }
}

fn verify(dir: &std::path::Path) -> Result<ExitCode> {
    let report = camguard_fingerprint::verify::verify_dir(dir)
        .with_context(|| format!("verifying rule files in {}", dir.display()))?;
    let mut out = std::io::stdout().lock();
    for failure in &report.failures {
        writeln!(out, "{failure}")?;
    }
    for note in &report.notes {
        eprintln!("camguard: note: {note}");
    }
    writeln!(out, "{}", report.summary())?;
    Ok(if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn list(field: Option<&str>, dir: Option<&PathBuf>) -> Result<ExitCode> {
    if let Some(f) = field {
        if !FingerprintInput::FIELDS.contains(&f) {
            bail!(
                "unknown field '{f}' (known: {})",
                FingerprintInput::FIELDS.join(", ")
            );
        }
    }
    let engine = load_engine(dir)?;
    let mut out = std::io::stdout().lock();
    for rule in engine
        .rules()
        .filter(|r| field.is_none_or(|f| r.field == f))
    {
        writeln!(
            out,
            "{}\t{}\t{}\t{}",
            rule.id, rule.field, rule.weight, rule.file
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
