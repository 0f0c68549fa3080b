//! `camguard baselines list|show ID|validate FILE`: the versioned baseline catalogues, built-in
//! and custom (`--baseline-file`, `--baselines-dir`).

use crate::baseline_files::BaselineFileArgs;
use crate::baseline_lint::validate_file;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `camguard baselines`.
#[derive(Debug, Args)]
pub struct BaselinesArgs {
    #[command(subcommand)]
    command: BaselinesCommand,
    /// Language of the texts: en or vi.
    #[arg(long, default_value = "en", global = true)]
    lang: String,
    /// Custom baselines to load next to the built-in ones.
    #[command(flatten)]
    files: BaselineFileArgs,
}

#[derive(Debug, Subcommand)]
enum BaselinesCommand {
    /// One line per baseline: id, validity, status, title, origin of custom ones.
    List,
    /// Every provision of one baseline, with its verification class and checks.
    Show {
        /// Baseline id (see `list`).
        id: String,
    },
    /// Check custom baseline files: every problem with its line (exit status 1 if any).
    Validate {
        /// Baseline files (TOML, the format of docs/baselines.md).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Entry point of `camguard baselines`.
pub fn run(args: BaselinesArgs) -> Result<ExitCode> {
    if let BaselinesCommand::Validate { files } = &args.command {
        return Ok(validate(&args.files, files));
    }
    let registry = args.files.registry().context("loading baselines")?;
    let builtin = camguard_baseline::Registry::builtin().context("loading baselines")?;
    let today = chrono::Utc::now().date_naive();
    let in_force = registry.in_force(today).map(|b| b.id.clone());
    match args.command {
        BaselinesCommand::List => {
            for b in registry.all() {
                let until = b
                    .valid_until
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "…".into());
                let mark = if in_force.as_deref() == Some(b.id.as_str()) {
                    "*"
                } else {
                    " "
                };
                println!(
                    "{mark} {:<24} {} .. {:<10} {:<11} {}{}{}",
                    b.id,
                    b.valid_from,
                    until,
                    b.status,
                    b.title.get(&args.lang),
                    if b.provisional { " (provisional)" } else { "" },
                    if builtin.get(&b.id).is_none() {
                        " (custom)"
                    } else {
                        ""
                    }
                );
            }
            println!("(* = in force today, {today})");
        }
        BaselinesCommand::Show { id } => {
            let b = registry.get(&id).with_context(|| {
                format!(
                    "unknown baseline '{id}' (see `camguard baselines list`; a custom baseline \
                     needs --baseline-file FILE)"
                )
            })?;
            println!("{} — {}", b.id, b.title.get(&args.lang));
            for p in &b.provisions {
                let classes: Vec<&str> = p.classes.iter().map(|c| c.as_str()).collect();
                println!(
                    "  {:<8} [{}] {}{}{}",
                    p.id,
                    classes.join(","),
                    p.text.get(&args.lang),
                    if p.remote_complete {
                        " (remote-complete)"
                    } else {
                        ""
                    },
                    if p.provisional { " (provisional)" } else { "" }
                );
                if !p.checks.is_empty() {
                    println!("           checks: {}", p.checks.join(", "));
                }
            }
        }
        BaselinesCommand::Validate { .. } => unreachable!("handled above"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `baselines validate`: each file checked against the built-in baselines, the loaded custom
/// ones (except itself) and the files validated before it.
fn validate(loaded: &BaselineFileArgs, files: &[PathBuf]) -> ExitCode {
    let loaded_files = match loaded.files() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("camguard: error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let mut earlier: Vec<String> = Vec::new();
    let mut bad = 0;
    for path in files {
        let mut ids = match other_ids(&loaded_files, path) {
            Ok(ids) => ids,
            Err(e) => {
                eprintln!("camguard: error: loading baselines: {e:#}");
                return ExitCode::from(2);
            }
        };
        ids.extend(earlier.iter().cloned());
        match validate_file(path, &ids) {
            Ok((b, warnings)) => {
                for w in &warnings {
                    println!("{}:{}: warning: {}", path.display(), w.line, w.message);
                }
                println!(
                    "{}: ok: baseline {} ({}, {} provisions, {} with checks)",
                    path.display(),
                    b.id,
                    b.status,
                    b.provisions.len(),
                    b.provisions.iter().filter(|p| !p.checks.is_empty()).count()
                );
                earlier.push(b.id);
            }
            Err(problems) => {
                bad += 1;
                for p in &problems {
                    if p.line == 0 {
                        println!("{}: error: {}", path.display(), p.message);
                    } else {
                        println!("{}:{}: error: {}", path.display(), p.line, p.message);
                    }
                }
            }
        }
    }
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("camguard: {bad} of {} baseline files invalid", files.len());
        ExitCode::from(1)
    }
}

/// Ids of the built-in baselines and of the loaded custom files other than `path`.
fn other_ids(loaded_files: &[PathBuf], path: &Path) -> Result<Vec<String>> {
    let same = |a: &Path| match (a.canonicalize(), path.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == path,
    };
    let mut registry = camguard_baseline::Registry::builtin()?;
    for f in loaded_files.iter().filter(|f| !same(f)) {
        registry.add_file(f)?;
    }
    Ok(registry.all().iter().map(|b| b.id.clone()).collect())
}
