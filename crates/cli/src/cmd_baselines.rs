//! `camguard baselines list|show ID`: the versioned baseline catalogues.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use std::process::ExitCode;

/// Arguments of `camguard baselines`.
#[derive(Debug, Args)]
pub struct BaselinesArgs {
    #[command(subcommand)]
    command: BaselinesCommand,
    /// Language of the texts: en or vi.
    #[arg(long, default_value = "en", global = true)]
    lang: String,
}

#[derive(Debug, Subcommand)]
enum BaselinesCommand {
    /// One line per baseline: id, validity, status, title.
    List,
    /// Every provision of one baseline, with its verification class and checks.
    Show {
        /// Baseline id (see `list`).
        id: String,
    },
}

/// Entry point of `camguard baselines`.
pub fn run(args: BaselinesArgs) -> Result<ExitCode> {
    let registry = camguard_baseline::Registry::builtin().context("loading baselines")?;
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
                    "{mark} {:<24} {} .. {:<10} {:<11} {}{}",
                    b.id,
                    b.valid_from,
                    until,
                    b.status,
                    b.title.get(&args.lang),
                    if b.provisional { " (provisional)" } else { "" }
                );
            }
            println!("(* = in force today, {today})");
        }
        BaselinesCommand::Show { id } => {
            let b = registry
                .get(&id)
                .with_context(|| format!("unknown baseline '{id}'"))?;
            println!("{} — {}", b.id, b.title.get(&args.lang));
            for p in &b.provisions {
                let classes: Vec<String> = p.classes.iter().map(|c| format!("{c:?}")).collect();
                println!(
                    "  {:<8} [{}] {}{}",
                    p.id,
                    classes.join(","),
                    p.text.get(&args.lang),
                    if p.provisional { " (provisional)" } else { "" }
                );
                if !p.checks.is_empty() {
                    println!("           checks: {}", p.checks.join(", "));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
