//! Run a lab until Ctrl-C and print its manifest as JSON.
//!
//! `cargo run -p camguard-lab --example run_lab -- [LAB.toml | N] [BASE] [PORT_OFFSET]`

use camguard_lab::{Lab, LabConfig, LabOptions};
use std::net::Ipv4Addr;
use std::path::Path;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match args.first() {
        Some(a) if a.parse::<usize>().is_ok() => LabConfig::generate(a.parse()?, 1),
        Some(path) => LabConfig::from_file(Path::new(path))?,
        None => LabConfig::generate(6, 1),
    };
    let base: Ipv4Addr = match args.get(1) {
        Some(b) => b.parse()?,
        None => LabOptions::default().base,
    };
    let port_offset: u16 = match args.get(2) {
        Some(p) => p.parse()?,
        None => 0,
    };
    let lab = Lab::start(&config, &LabOptions { base, port_offset }).await?;
    println!("{}", serde_json::to_string_pretty(lab.manifest())?);
    tokio::signal::ctrl_c().await?;
    lab.shutdown().await;
    Ok(())
}
