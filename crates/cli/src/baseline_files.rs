//! Custom baselines on the command line: `--baseline-file FILE` (repeatable) and a directory of
//! `*.toml` files (`--baselines-dir DIR`, default `$XDG_CONFIG_HOME/camguard/baselines` or
//! `~/.config/camguard/baselines` when it exists), loaded after the built-in catalogues.

use anyhow::{bail, Context, Result};
use camguard_baseline::{Baseline, Registry};
use chrono::NaiveDate;
use clap::Args;
use std::path::{Path, PathBuf};

/// Most files read from a baselines directory.
const MAX_DIR_FILES: usize = 256;

/// Where custom baselines come from.
#[derive(Debug, Args, Clone, Default)]
pub struct BaselineFileArgs {
    /// Custom baseline file, same TOML format as the built-in catalogues (repeatable; see
    /// docs/baselines.md and `camguard baselines validate`).
    #[arg(long = "baseline-file", value_name = "FILE", global = true)]
    pub baseline_files: Vec<PathBuf>,
    /// Directory of custom baseline files (*.toml). Default: $XDG_CONFIG_HOME/camguard/baselines
    /// (or ~/.config/camguard/baselines), read only when it exists.
    #[arg(long, value_name = "DIR", global = true)]
    pub baselines_dir: Option<PathBuf>,
    /// Read no default directory (scans started by the dashboard, which knows only the
    /// built-in baselines).
    #[arg(skip)]
    pub no_default_dir: bool,
}

/// The default directory of custom baselines, whether or not it exists.
pub fn default_dir() -> Option<PathBuf> {
    let non_empty = |v: std::ffi::OsString| (!v.is_empty()).then_some(v);
    if let Some(config) = std::env::var_os("XDG_CONFIG_HOME").and_then(non_empty) {
        return Some(PathBuf::from(config).join("camguard").join("baselines"));
    }
    std::env::var_os("HOME")
        .and_then(non_empty)
        .map(|home| PathBuf::from(home).join(".config/camguard/baselines"))
}

impl BaselineFileArgs {
    /// The custom files to load, in order: the directory's `*.toml` (sorted by name), then the
    /// `--baseline-file` files.
    pub fn files(&self) -> Result<Vec<PathBuf>> {
        self.files_with_default(default_dir())
    }

    /// [`Self::files`] with `default` as the default directory.
    fn files_with_default(&self, default: Option<PathBuf>) -> Result<Vec<PathBuf>> {
        let dir = match &self.baselines_dir {
            Some(dir) => {
                if !dir.is_dir() {
                    bail!("--baselines-dir {}: not a directory", dir.display());
                }
                Some(dir.clone())
            }
            None if self.no_default_dir => None,
            None => default.filter(|d| d.is_dir()),
        };
        let mut files = Vec::new();
        if let Some(dir) = dir {
            files = toml_files(&dir)?;
        }
        files.extend(self.baseline_files.iter().cloned());
        Ok(files)
    }

    /// The built-in baselines plus the custom ones. Unknown check ids in a custom file are
    /// warned about (no finding can bear on such a provision).
    pub fn registry(&self) -> Result<Registry> {
        let mut registry = Registry::builtin().context("loading the built-in baselines")?;
        for path in self.files()? {
            // The error's text already holds its source (file, line, column): no chain.
            let baseline = registry.add_file(&path).map_err(|e| {
                anyhow::anyhow!(
                    "{e}\n(`camguard baselines validate {}` lists every problem)",
                    path.display()
                )
            })?;
            for (provision, check) in unknown_checks(baseline) {
                eprintln!(
                    "camguard: warning: {}: provision {provision:?}: check {check:?} is not in \
                     the check catalogue; no finding can bear on it",
                    path.display()
                );
            }
        }
        Ok(registry)
    }

    /// The baseline `id`, or the mandatory one in force on `date`.
    pub fn choose(&self, id: Option<&str>, date: NaiveDate) -> Result<Baseline> {
        let registry = self.registry()?;
        let baseline = match id {
            Some(id) => registry.get(id).with_context(|| {
                let known: Vec<&str> = registry.all().iter().map(|b| b.id.as_str()).collect();
                format!(
                    "unknown baseline '{id}' (known: {}); a custom baseline needs its file: \
                     --baseline-file FILE",
                    known.join(", ")
                )
            })?,
            None => registry
                .in_force(date)
                .with_context(|| format!("no mandatory baseline is in force on {date}"))?,
        };
        Ok(baseline.clone())
    }
}

/// `(provision id, check id)` of every check a baseline cites that camguard does not have.
pub fn unknown_checks(baseline: &Baseline) -> Vec<(String, String)> {
    let catalogue = camguard_checks::Catalogue::builtin();
    baseline
        .provisions
        .iter()
        .flat_map(|p| p.checks.iter().map(move |c| (p, c)))
        .filter(|(_, c)| catalogue.get(c).is_none())
        .map(|(p, c)| (p.id.clone(), c.clone()))
        .collect()
}

/// `*.toml` files of `dir`, sorted by name.
fn toml_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            files.push(path);
        }
        if files.len() > MAX_DIR_FILES {
            bail!(
                "{}: more than {MAX_DIR_FILES} baseline files",
                dir.display()
            );
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CUSTOM: &str = r#"
id = "unit-custom"
title = { en = "Unit", vi = "Đơn vị" }
issuer = "tests"
valid_from = "2020-01-01"
status = "recommended"
[[provision]]
id = "1"
text = { en = "x", vi = "ích" }
classes = ["R"]
checks = ["COMM.CLEARTEXT_ADMIN", "NO.SUCH_CHECK"]
source = "s"
"#;

    #[test]
    fn directory_files_load_sorted_and_before_explicit_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("b.toml"),
            CUSTOM.replace("unit-custom", "b"),
        )
        .expect("write");
        std::fs::write(
            dir.path().join("a.toml"),
            CUSTOM.replace("unit-custom", "a"),
        )
        .expect("write");
        std::fs::write(dir.path().join("notes.txt"), "not a baseline").expect("write");
        let explicit = dir.path().join("explicit.conf");
        std::fs::write(&explicit, CUSTOM).expect("write");
        let args = BaselineFileArgs {
            baseline_files: vec![explicit.clone()],
            baselines_dir: Some(dir.path().to_owned()),
            no_default_dir: false,
        };
        let files = args.files().expect("files");
        assert_eq!(
            files,
            [
                dir.path().join("a.toml"),
                dir.path().join("b.toml"),
                explicit
            ]
        );
        let registry = args.registry().expect("loads");
        assert!(registry.get("a").is_some() && registry.get("unit-custom").is_some());
        let chosen = args.choose(Some("b"), NaiveDate::MIN).expect("chosen");
        assert_eq!(chosen.id, "b");
    }

    #[test]
    fn the_default_directory_is_read_unless_the_dashboard_scans() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.toml"), CUSTOM).expect("write");
        let mut args = BaselineFileArgs::default();
        let default = Some(dir.path().to_owned());
        let files = args.files_with_default(default.clone()).expect("files");
        assert_eq!(files, [dir.path().join("a.toml")]);
        let missing = Some(dir.path().join("absent"));
        assert!(args.files_with_default(missing).expect("files").is_empty());
        args.no_default_dir = true;
        assert!(args.files_with_default(default).expect("files").is_empty());
    }

    #[test]
    fn a_missing_baselines_dir_is_an_error_naming_it() {
        let args = BaselineFileArgs {
            baseline_files: Vec::new(),
            baselines_dir: Some(PathBuf::from("/nonexistent/camguard-baselines")),
            no_default_dir: true,
        };
        let err = args.files().expect_err("missing dir");
        assert!(err.to_string().contains("/nonexistent/camguard-baselines"));
    }

    #[test]
    fn unknown_check_ids_are_listed() {
        let b = Baseline::from_toml(CUSTOM, "t").expect("parses");
        assert_eq!(
            unknown_checks(&b),
            [("1".to_string(), "NO.SUCH_CHECK".to_string())]
        );
    }

    #[test]
    fn an_unknown_id_names_the_id_and_the_file_option() {
        let err = BaselineFileArgs::default()
            .choose(Some("agency-x"), NaiveDate::MIN)
            .expect_err("unknown");
        let text = err.to_string();
        assert!(
            text.contains("'agency-x'") && text.contains("--baseline-file"),
            "{text}"
        );
    }
}
