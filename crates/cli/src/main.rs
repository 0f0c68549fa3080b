//! `camguard`: discover, identify and assess IP surveillance cameras on networks you are
//! authorised to scan, keep an inventory and report against Vietnam's camera baseline.

mod baseline_files;
mod baseline_lint;
mod cmd_advisories;
mod cmd_baselines;
mod cmd_demo;
mod cmd_fingerprints;
mod cmd_identify;
mod cmd_lab;
mod cmd_registry;
mod cmd_report;
mod cmd_scan;
mod cmd_serve;
mod intrusive_args;
mod pipeline;
mod scan_discovery_args;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Top-level command line.
#[derive(Debug, Parser)]
#[command(
    name = "camguard",
    version,
    about = "Discover, identify and assess IP surveillance cameras against Vietnam's baseline \
             (QCVN 11:2026/BCA, QCVN 135:2024/BTTTT, Decision 724/QĐ-BTTTT).",
    long_about = None
)]
struct Cli {
    /// More log output (-v info, -vv debug). Logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the camera lab: simulated cameras on loopback addresses, until interrupted.
    Lab(cmd_lab::LabArgs),
    /// Scan targets for cameras, identify and check them, store and stream the results.
    Scan(cmd_scan::ScanArgs),
    /// Identify devices offline from observation fields (JSON Lines in, JSON Lines out).
    Identify(cmd_identify::IdentifyArgs),
    /// Write a report of the inventory in the database.
    Report(cmd_report::ReportArgs),
    /// Start an embedded lab, scan it, store the results and write a report.
    Demo(cmd_demo::DemoArgs),
    /// List or show the baseline catalogues.
    Baselines(cmd_baselines::BaselinesArgs),
    /// Check fingerprint rule files against their examples, or list the loaded rules.
    Fingerprints(cmd_fingerprints::FingerprintsArgs),
    /// Known-vulnerable firmware: list advisories, import CSAF/KEV JSON, match the inventory.
    Advisories(cmd_advisories::AdvisoriesArgs),
    /// Certified and warned camera model lists: import/export CSV or JSON, list, match the inventory.
    Registry(cmd_registry::RegistryArgs),
    /// Serve the dashboard and REST API over a database (`--db`, `--listen ADDR:PORT`).
    Serve(cmd_serve::ServeArgs),
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CAMGUARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("camguard: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Lab(args) => cmd_lab::run(args).await,
            Command::Scan(args) => cmd_scan::run(args).await,
            Command::Identify(args) => cmd_identify::run(args),
            Command::Report(args) => cmd_report::run(args).await,
            Command::Demo(args) => cmd_demo::run(args).await,
            Command::Baselines(args) => cmd_baselines::run(args),
            Command::Fingerprints(args) => cmd_fingerprints::run(args),
            Command::Advisories(args) => cmd_advisories::run(args).await,
            Command::Registry(args) => cmd_registry::run(args).await,
            Command::Serve(args) => cmd_serve::run(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("camguard: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
