//! `camguard demo`: the whole pipeline on an embedded lab, in one command.

use crate::cmd_lab::{check_base, default_port_offset};
use crate::cmd_report::write_report;
use crate::cmd_scan::{execute, open_output, ScanArgs, ScanPlan};
use anyhow::{Context, Result};
use camguard_lab::{Lab, LabConfig, LabOptions};
use camguard_report::{Format, Lang};
use camguard_store::Store;
use clap::Args;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `camguard demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of simulated devices.
    #[arg(long, default_value_t = 20)]
    pub devices: usize,
    /// Seed of the generated lab.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// First device address.
    #[arg(long, default_value = "127.0.10.1")]
    pub base: Ipv4Addr,
    /// Directory for the database, scan output and reports.
    #[arg(long, default_value = "camguard-demo", value_name = "DIR")]
    pub out: PathBuf,
    /// Added to every lab port (default: 0 as root, 10000 otherwise).
    #[arg(long)]
    pub port_offset: Option<u16>,
    /// After the demo, keep the lab running and serve the dashboard on its database.
    #[arg(long)]
    pub serve: bool,
    /// Address of the dashboard with --serve.
    #[arg(
        long,
        default_value = "127.0.0.1:8080",
        value_name = "ADDR:PORT",
        requires = "serve"
    )]
    pub listen: std::net::SocketAddr,
}

/// Entry point of `camguard demo`.
pub async fn run(args: DemoArgs) -> Result<ExitCode> {
    if args.devices == 0 {
        anyhow::bail!("--devices must be at least 1");
    }
    check_base(args.base, args.devices)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output directory {}", args.out.display()))?;
    let config = LabConfig::generate(args.devices, args.seed);
    let options = LabOptions {
        base: args.base,
        port_offset: args.port_offset.unwrap_or_else(default_port_offset),
    };
    eprintln!(
        "camguard demo: starting a lab of {} simulated cameras…",
        args.devices
    );
    let lab = Lab::start(&config, &options).await?;
    let manifest_path = args.out.join("lab-manifest.json");
    std::fs::write(
        &manifest_path,
        serde_json::to_string_pretty(lab.manifest())?,
    )?;

    let ports: BTreeSet<u16> = lab
        .manifest()
        .devices
        .iter()
        .flat_map(|d| d.ports.values().copied())
        .collect();
    let first = args.base;
    let last = Ipv4Addr::from(u32::from(args.base) + args.devices as u32 - 1);
    let scan_args = ScanArgs {
        targets: vec![format!("{first}-{last}")],
        targets_file: None,
        exclude: Vec::new(),
        ports: Some(ports.into_iter().collect()),
        concurrency: 32,
        rate: 2000,
        connect_timeout_ms: 1000,
        io_timeout_ms: 3000,
        output: None,
        db: args.out.join("camguard.db"),
        no_db: false,
        authorized_scope: None,
        check_credentials: true,
        max_credential_attempts: 4,
        prove_streams: true,
        baseline: None,
        baseline_files: Default::default(),
        fingerprints: None,
        all_hosts: false,
        discovery_only: false,
        quiet: false,
        space: Default::default(),
        intrusive: Default::default(),
        discovery: Default::default(),
    };
    eprintln!(
        "camguard demo: scanning {first}-{last} (the lab is ours, so the opt-in credential \
         check and stream proof are on)…"
    );
    let plan = ScanPlan::from_args(&scan_args)?;
    let baseline_id = plan.assessor.baseline.id.clone();
    let store = Store::open(&scan_args.db).await?;
    let jsonl_path = args.out.join("scan.jsonl");
    let out = open_output(jsonl_path.to_str())?;
    let show_progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let options =
        serde_json::json!({"demo": true, "check_credentials": true, "prove_streams": true});
    let totals = execute(plan, Some(&store), out, show_progress, options).await?;
    let lab = if args.serve {
        Some(lab)
    } else {
        lab.shutdown().await;
        None
    };

    let mut written = Vec::new();
    for (name, format, lang) in [
        ("report-vi.html", Format::Html, Lang::Vi),
        ("report-en.html", Format::Html, Lang::En),
        ("report.json", Format::Json, Lang::En),
        ("report.csv", Format::Csv, Lang::En),
        ("report.sarif.json", Format::Sarif, Lang::En),
    ] {
        let path = args.out.join(name);
        let path_text = path.to_string_lossy().into_owned();
        write_report(&store, Some(&baseline_id), format, lang, &path_text).await?;
        written.push(path_text);
    }

    let mut records = totals.records;
    records.sort_by_key(|r| r.observation.ip);
    print_table(&records);
    println!();
    println!(
        "{} hosts scanned, {} live, {} cameras, {} findings; baseline {}",
        totals.hosts, totals.alive, totals.cameras, totals.findings, baseline_id
    );
    println!("database:     {}", scan_args.db.display());
    println!("scan output:  {}", jsonl_path.display());
    println!("lab manifest: {}", manifest_path.display());
    for path in written {
        println!("report:       {path}");
    }
    if let Some(lab) = lab {
        crate::cmd_serve::demo_organisation(&store, first, last).await?;
        let code = crate::cmd_serve::serve(store, args.listen, None, |_| {}).await;
        lab.shutdown().await;
        return code;
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Print one row per device: address, vendor, model, firmware, findings.
fn print_table(records: &[camguard_model::DeviceRecord]) {
    let rows: Vec<[String; 5]> = records
        .iter()
        .map(|r| {
            let id = &r.identity;
            let mut checks: Vec<&str> = r.findings.iter().map(|f| f.check_id.as_str()).collect();
            checks.sort_unstable();
            checks.dedup();
            let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
            [
                r.observation.ip.to_string(),
                or_dash(&id.vendor),
                or_dash(&id.model),
                or_dash(&id.firmware),
                if checks.is_empty() {
                    "-".into()
                } else {
                    checks.join(" ")
                },
            ]
        })
        .collect();
    let header = ["ADDRESS", "VENDOR", "MODEL", "FIRMWARE", "FINDINGS"].map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}
