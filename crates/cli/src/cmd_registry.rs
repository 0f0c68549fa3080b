//! `camguard registry`: the lists of certified (conforming) and warned camera models, kept in the
//! scan database (migration 0002) with the provenance of each import. Scans load them for the
//! checks `REG.UNCERTIFIED_MODEL` and `REG.WARNED_MODEL`.

use anyhow::{bail, Context, Result};
use camguard_registry::{
    json, parse_file, to_csv, Format, ListKind, Provenance, RegistryList, MAX_FILE_BYTES,
};
use camguard_store::Store;
use clap::{Args, Subcommand};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `camguard registry`.
#[derive(Debug, Args)]
pub struct RegistryArgs {
    /// SQLite database the lists are kept in (the scan database).
    #[arg(
        long,
        global = true,
        default_value = "camguard.db",
        value_name = "PATH"
    )]
    db: PathBuf,
    #[command(subcommand)]
    command: RegistryCommand,
}

#[derive(Debug, Subcommand)]
enum RegistryCommand {
    /// Import a list file (CSV or JSON); by default it replaces the list's earlier entries.
    Import {
        /// Which list: certified or warned.
        #[arg(long, value_parser = parse_kind)]
        list: ListKind,
        /// File format (default: from the extension, else the content).
        #[arg(long, value_parser = parse_format)]
        format: Option<Format>,
        /// Add to the list instead of replacing it.
        #[arg(long)]
        append: bool,
        /// The list file.
        file: PathBuf,
    },
    /// Write a list as CSV or JSON.
    Export {
        /// Which list: certified or warned.
        #[arg(long, value_parser = parse_kind)]
        list: ListKind,
        /// Output format.
        #[arg(long, value_parser = parse_format, default_value = "csv")]
        format: Format,
        /// Output file (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the entries (list, vendor, model, reference, issuer, date, source; tab-separated)
    /// and, on stderr, the imports they came from.
    List {
        /// Only this list.
        #[arg(long, value_parser = parse_kind)]
        list: Option<ListKind>,
    },
    /// Match every camera of the inventory against the lists: address, vendor, model,
    /// certified (entry reference, `no`, `unknown model`, or `-` without a list), warned (same).
    Match,
}

fn parse_kind(s: &str) -> Result<ListKind, String> {
    s.parse()
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

/// Entry point of `camguard registry`.
pub async fn run(args: RegistryArgs) -> Result<ExitCode> {
    match args.command {
        RegistryCommand::Import {
            list,
            format,
            append,
            file,
        } => import(&args.db, list, format, append, &file).await,
        RegistryCommand::Export {
            list,
            format,
            output,
        } => export(&args.db, list, format, output.as_deref()).await,
        RegistryCommand::List { list } => list_entries(&args.db, list).await,
        RegistryCommand::Match => match_inventory(&args.db).await,
    }
}

async fn open_existing(db: &Path) -> Result<Store> {
    if !db.exists() {
        bail!(
            "database {} does not exist (import a list or run a scan first)",
            db.display()
        );
    }
    Ok(Store::open(db).await?)
}

fn read_bounded(file: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .with_context(|| format!("opening {}", file.display()))?
        .take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", file.display()))?;
    if bytes.len() > MAX_FILE_BYTES {
        bail!("{}: larger than {MAX_FILE_BYTES} bytes", file.display());
    }
    Ok(bytes)
}

async fn import(
    db: &Path,
    kind: ListKind,
    format: Option<Format>,
    append: bool,
    file: &Path,
) -> Result<ExitCode> {
    let bytes = read_bounded(file)?;
    let text = std::str::from_utf8(&bytes)
        .with_context(|| format!("{}: not UTF-8 text", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    let format = format.unwrap_or_else(|| Format::detect(&name, text));
    let list = parse_file(kind, text, format)
        .with_context(|| format!("importing {} as the {kind} list", file.display()))?;
    let provenance = Provenance::of(&name, &bytes);
    let store = Store::open(db).await?;
    let format_name = match format {
        Format::Csv => "csv",
        Format::Json => "json",
    };
    store
        .import_registry(&list, &provenance, format_name, !append)
        .await?;
    let total = store
        .registry_list(kind)
        .await?
        .map_or(0, |entries| entries.len());
    store.close().await;
    println!(
        "imported {} {kind} entries from {name} (sha256 {}); the {kind} list now has {total} entries",
        list.entries().len(),
        provenance.sha256
    );
    Ok(ExitCode::SUCCESS)
}

async fn export(
    db: &Path,
    kind: ListKind,
    format: Format,
    output: Option<&Path>,
) -> Result<ExitCode> {
    let store = open_existing(db).await?;
    let entries = store.registry_list(kind).await?;
    store.close().await;
    let Some(entries) = entries else {
        bail!("no {kind} list has been imported into {}", db.display());
    };
    let entries: Vec<_> = entries.into_iter().map(|(e, _)| e).collect();
    let text = match format {
        Format::Csv => to_csv(&entries),
        Format::Json => json::write(kind, &entries),
    };
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn list_entries(db: &Path, only: Option<ListKind>) -> Result<ExitCode> {
    let store = open_existing(db).await?;
    let imports = store.registry_imports().await?;
    let mut out = std::io::stdout().lock();
    for kind in ListKind::ALL {
        if only.is_some_and(|o| o != kind) {
            continue;
        }
        let Some(entries) = store.registry_list(kind).await? else {
            eprintln!("camguard: no {kind} list imported");
            continue;
        };
        for (e, _) in &entries {
            let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
            writeln!(
                out,
                "{kind}\t{}\t{}\t{}\t{}\t{}\t{}",
                e.vendor,
                e.model,
                opt(&e.reference),
                opt(&e.issuer),
                opt(&e.date),
                e.source
            )?;
        }
        for i in imports.iter().filter(|i| i.list == kind) {
            eprintln!(
                "camguard: {kind}: {} {} entries from {} (sha256 {}) at {}",
                if i.replaced {
                    "list replaced with"
                } else {
                    "added"
                },
                i.entries,
                i.provenance.file_name,
                i.provenance.sha256,
                i.imported_at.to_rfc3339()
            );
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// One column of `registry match`: the reference of the matching entry, `no`, `unknown model`,
/// or `-` when the list is not loaded.
fn column(list: Option<&RegistryList>, vendor: Option<&str>, model: Option<&str>) -> String {
    let Some(list) = list else {
        return "-".into();
    };
    let (Some(vendor), Some(model)) = (vendor, model) else {
        return "unknown model".into();
    };
    match list.find(vendor, model) {
        Some(e) => format!("yes ({})", e.reference.as_deref().unwrap_or(&e.model)),
        None => "no".into(),
    }
}

async fn match_inventory(db: &Path) -> Result<ExitCode> {
    let store = open_existing(db).await?;
    let registries = store.registries().await?;
    let devices = store.inventory().await?;
    store.close().await;
    if registries.certified.is_none() && registries.warned.is_none() {
        bail!(
            "no list imported into {} (camguard registry import --list certified|warned FILE)",
            db.display()
        );
    }
    let mut out = std::io::stdout().lock();
    let (mut cameras, mut warned, mut uncertified) = (0usize, 0usize, 0usize);
    for d in devices.iter().filter(|d| d.identity.camera) {
        cameras += 1;
        let (vendor, model) = (d.identity.vendor.as_deref(), d.identity.model.as_deref());
        let certified = column(registries.certified.as_ref(), vendor, model);
        let warning = column(registries.warned.as_ref(), vendor, model);
        uncertified += usize::from(certified != "-" && !certified.starts_with("yes"));
        warned += usize::from(warning.starts_with("yes"));
        writeln!(
            out,
            "{}\t{}\t{}\t{certified}\t{warning}",
            d.ip,
            vendor.unwrap_or("-"),
            model.unwrap_or("-"),
        )?;
    }
    eprintln!(
        "camguard: {cameras} cameras: {} not shown certified, {warned} on the warning list",
        if registries.certified.is_some() {
            uncertified.to_string()
        } else {
            "(no certified list)".into()
        }
    );
    Ok(ExitCode::SUCCESS)
}
