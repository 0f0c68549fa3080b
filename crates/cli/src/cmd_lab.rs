//! `camguard lab`: run simulated cameras on loopback addresses until interrupted.

use anyhow::{bail, Context, Result};
use camguard_lab::{Lab, LabConfig, LabOptions};
use clap::Args;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `camguard lab`.
#[derive(Debug, Args)]
pub struct LabArgs {
    /// Lab file (TOML) listing the devices.
    #[arg(long, value_name = "FILE", conflicts_with = "devices")]
    pub file: Option<PathBuf>,
    /// Generate a mixed lab of N devices instead of reading a file.
    #[arg(long, value_name = "N")]
    pub devices: Option<usize>,
    /// Seed of the generated lab (same seed, same lab).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First device address; the next devices take the following addresses.
    #[arg(long, default_value = "127.0.10.1")]
    pub base: Ipv4Addr,
    /// Added to every port (default: 0 as root, 10000 otherwise, since ports < 1024 need root).
    #[arg(long)]
    pub port_offset: Option<u16>,
    /// Also write the manifest to FILE.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
}

/// True when running as root (ports below 1024 can be bound).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// Default port offset: real ports as root, shifted by 10000 otherwise.
pub fn default_port_offset() -> u16 {
    if is_root() {
        0
    } else {
        10000
    }
}

/// Validate `base` so that `count` devices stay inside 127.0.0.0/8.
pub fn check_base(base: Ipv4Addr, count: usize) -> Result<()> {
    if base.octets()[0] != 127 {
        bail!("lab base address {base} is not a loopback address (127.0.0.0/8)");
    }
    let last = u32::from(base) as u64 + count as u64;
    if last > u32::from(Ipv4Addr::new(127, 255, 255, 254)) as u64 {
        bail!("{count} devices starting at {base} do not fit in 127.0.0.0/8");
    }
    Ok(())
}

/// Entry point of `camguard lab`.
pub async fn run(args: LabArgs) -> Result<ExitCode> {
    let config = match (&args.file, args.devices) {
        (Some(path), _) => LabConfig::from_file(path)?,
        (None, Some(n)) if n > 0 => LabConfig::try_generate(n, args.seed)?,
        (None, Some(_)) => bail!("--devices must be at least 1"),
        (None, None) => LabConfig::generate(3, args.seed),
    };
    check_base(args.base, config.devices.len())?;
    let options = LabOptions {
        base: args.base,
        port_offset: args.port_offset.unwrap_or_else(default_port_offset),
    };
    let lab = Lab::start(&config, &options).await?;
    let manifest = serde_json::to_string_pretty(lab.manifest())?;
    println!("{manifest}");
    if let Some(path) = &args.manifest {
        std::fs::write(path, &manifest)
            .with_context(|| format!("cannot write manifest {}", path.display()))?;
    }
    eprintln!(
        "camguard lab: {} devices running from {}; press Ctrl-C to stop",
        config.devices.len(),
        args.base
    );
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    lab.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
