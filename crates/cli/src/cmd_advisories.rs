//! `camguard advisories`: list the advisory database, import CSAF 2.0 / CISA KEV JSON into a
//! user advisory directory, and match the inventory of a scan database against it.
//!
//! The database is the bundled one (data/advisories) plus every `*.toml` of the user directory
//! (`--advisories-dir`, default `$XDG_DATA_HOME/camguard/advisories` or
//! `~/.local/share/camguard/advisories`); a user advisory replaces a bundled one with its id.

use anyhow::{bail, Context, Result};
use camguard_advisories::{import_json, Database};
use camguard_store::Store;
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Largest JSON file imported.
const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024;

/// Arguments of `camguard advisories`.
#[derive(Debug, Args)]
pub struct AdvisoriesArgs {
    /// User advisory directory (default `$XDG_DATA_HOME/camguard/advisories` or
    /// `~/.local/share/camguard/advisories`).
    #[arg(long, global = true, value_name = "DIR")]
    advisories_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: AdvisoriesCommand,
}

#[derive(Debug, Subcommand)]
enum AdvisoriesCommand {
    /// List the advisories: id, CVSS, KEV, vendors, title (tab-separated).
    List {
        /// Only advisories of this vendor.
        #[arg(long)]
        vendor: Option<String>,
    },
    /// Import a CSAF 2.0 document or a CISA KEV catalog (JSON) into the user directory.
    Import {
        /// The JSON file.
        file: PathBuf,
    },
    /// Match every identified device of a scan database against the advisories.
    Match {
        /// SQLite database written by `camguard scan` or `camguard demo`.
        #[arg(long, default_value = "camguard.db", value_name = "PATH")]
        db: PathBuf,
    },
}

/// Entry point of `camguard advisories`.
pub async fn run(args: AdvisoriesArgs) -> Result<ExitCode> {
    let dir = match args.advisories_dir {
        Some(d) => d,
        None => default_dir()?,
    };
    match args.command {
        AdvisoriesCommand::List { vendor } => list(&dir, vendor.as_deref()),
        AdvisoriesCommand::Import { file } => import(&dir, &file),
        AdvisoriesCommand::Match { db } => match_inventory(&dir, &db).await,
    }
}

/// The default user advisory directory.
pub(crate) fn default_dir() -> Result<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
        return Ok(PathBuf::from(x).join("camguard/advisories"));
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(h) => Ok(PathBuf::from(h).join(".local/share/camguard/advisories")),
        None => bail!("no HOME or XDG_DATA_HOME: pass --advisories-dir"),
    }
}

/// The bundled database plus the user directory.
pub(crate) fn load(dir: &Path) -> Result<Database> {
    let mut db = Database::builtin().clone();
    db.merge(Database::from_dir(dir).with_context(|| format!("loading {}", dir.display()))?);
    Ok(db)
}

fn list(dir: &Path, vendor: Option<&str>) -> Result<ExitCode> {
    let db = load(dir)?;
    let mut out = std::io::stdout().lock();
    for a in db.all() {
        if vendor.is_some_and(|v| !a.vendors.iter().any(|x| x.eq_ignore_ascii_case(v))) {
            continue;
        }
        writeln!(
            out,
            "{}\t{:.1}\t{}\t{}\t{}",
            a.id,
            a.cvss,
            if db.is_kev(a) { "KEV" } else { "-" },
            a.vendors.join(","),
            a.title
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn import(dir: &Path, file: &Path) -> Result<ExitCode> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(file)
        .with_context(|| format!("opening {}", file.display()))?
        .take(MAX_IMPORT_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("reading {}", file.display()))?;
    if text.len() as u64 > MAX_IMPORT_BYTES {
        bail!("{}: larger than {MAX_IMPORT_BYTES} bytes", file.display());
    }
    let imported = import_json(&text).with_context(|| format!("importing {}", file.display()))?;
    for s in &imported.skipped {
        eprintln!("camguard: skipped: {s}");
    }
    let (advisories, kev) = (imported.advisories.len(), imported.kev.len());
    if advisories == 0 && kev == 0 {
        bail!("{}: nothing importable", file.display());
    }
    let stem: String = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let target = dir.join(format!("imported-{stem}.toml"));
    let header = format!(
        "# Imported by `camguard advisories import` from {}\n",
        file.display()
    );
    std::fs::write(&target, header + &imported.into_database().to_toml())
        .with_context(|| format!("writing {}", target.display()))?;
    // Refuse to leave a file that would break every later load.
    if let Err(e) = Database::from_dir(dir) {
        let _ = std::fs::remove_file(&target);
        bail!("imported file does not load back: {e}");
    }
    println!(
        "imported {advisories} advisories and {kev} KEV ids into {}",
        target.display()
    );
    Ok(ExitCode::SUCCESS)
}

async fn match_inventory(dir: &Path, db_path: &Path) -> Result<ExitCode> {
    let advisories = load(dir)?;
    if !db_path.exists() {
        bail!(
            "database {} does not exist (run `camguard scan` or `camguard demo` first)",
            db_path.display()
        );
    }
    let store = Store::open(db_path).await?;
    let devices = store.inventory().await?;
    store.close().await;
    let mut out = std::io::stdout().lock();
    let (mut checked, mut vulnerable) = (0usize, 0usize);
    for d in &devices {
        let id = &d.identity;
        let (Some(vendor), Some(firmware)) = (id.vendor.as_deref(), id.firmware.as_deref()) else {
            continue;
        };
        checked += 1;
        let matches = advisories.match_device(vendor, id.model.as_deref(), firmware);
        if matches.is_empty() {
            continue;
        }
        vulnerable += 1;
        let cves: Vec<String> = matches
            .iter()
            .map(|m| {
                let kev = if m.kev { ",KEV" } else { "" };
                format!("{}({:.1}{kev})", m.id, m.cvss)
            })
            .collect();
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            d.ip,
            vendor,
            id.model.as_deref().unwrap_or("-"),
            firmware,
            cves.join(" ")
        )?;
    }
    eprintln!(
        "camguard: {vulnerable} of {checked} devices with a known vendor and firmware match known advisories ({} devices in the inventory)",
        devices.len()
    );
    Ok(ExitCode::SUCCESS)
}
