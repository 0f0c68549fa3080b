//! Loading a user rule directory: camguard TOML files and Recog-format XML files.

use crate::engine::Engine;
use crate::error::FingerprintError;
use crate::recog::{load_recog, RecogLoad};
use crate::rule_file::{parse_file, MAX_RULE_FILE_BYTES};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Kind of rule file, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RuleFileKind {
    /// camguard's own format (`*.toml`).
    Toml,
    /// Recog's XML format (`*.xml`).
    RecogXml,
}

/// What [`Engine::load_dir`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirReport {
    /// Rule files read.
    pub files: usize,
    /// Rules added.
    pub rules: usize,
    /// Recog fingerprints that map onto nothing camguard reports (kept out of the engine).
    pub unused_fingerprints: usize,
    /// Warnings: files skipped, with the reason.
    pub warnings: Vec<String>,
}

/// The rule files in `dir` (`*.toml` and `*.xml`), in name order.
pub fn rule_files(dir: &Path) -> Result<Vec<(PathBuf, RuleFileKind)>, FingerprintError> {
    let io_err = |source| FingerprintError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_err)? {
        let path = entry.map_err(io_err)?.path();
        let kind = match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => RuleFileKind::Toml,
            Some("xml") => RuleFileKind::RecogXml,
            _ => continue,
        };
        if path.is_file() {
            out.push((path, kind));
        }
    }
    out.sort();
    Ok(out)
}

/// Read a rule file, refusing files over [`MAX_RULE_FILE_BYTES`].
pub fn read_rule_file(path: &Path) -> Result<String, FingerprintError> {
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_RULE_FILE_BYTES + 1).read_to_string(&mut text))
        .map_err(|source| FingerprintError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if text.len() as u64 > MAX_RULE_FILE_BYTES {
        return Err(FingerprintError::TooLarge {
            file: path.display().to_string(),
            limit: MAX_RULE_FILE_BYTES,
        });
    }
    Ok(text)
}

impl Engine {
    /// Load every `*.toml` (camguard format) and `*.xml` (Recog format, see
    /// [`crate::recog`]) rule file in `dir`, in name order. Nothing is added unless every
    /// file is valid; a Recog file whose `matches` camguard does not observe is skipped with
    /// a warning in the report.
    pub fn load_dir(&mut self, dir: &Path) -> Result<DirReport, FingerprintError> {
        let mut report = DirReport::default();
        let mut parsed = Vec::new();
        for (path, kind) in rule_files(dir)? {
            let file = path.display().to_string();
            let text = read_rule_file(&path)?;
            report.files += 1;
            match kind {
                RuleFileKind::Toml => parsed.push(parse_file(&file, &text)?),
                RuleFileKind::RecogXml => match load_recog(&file, &text)? {
                    RecogLoad::Rules(p, unused) => {
                        report.unused_fingerprints += unused;
                        parsed.push(p);
                    }
                    RecogLoad::Skipped(warning) => report.warnings.push(warning),
                },
            }
        }
        report.rules = parsed.iter().map(|p| p.rules.len()).sum();
        self.absorb(parsed)?;
        Ok(report)
    }

    /// Load the text of one rule file, of `kind`, as [`Engine::load_dir`] loads each file
    /// (`file` names it in errors). Nothing is added unless it is valid. For callers that hold
    /// the text already (tools, fuzzing).
    pub fn load_text(
        &mut self,
        file: &str,
        kind: RuleFileKind,
        text: &str,
    ) -> Result<DirReport, FingerprintError> {
        if text.len() as u64 > MAX_RULE_FILE_BYTES {
            return Err(FingerprintError::TooLarge {
                file: file.to_string(),
                limit: MAX_RULE_FILE_BYTES,
            });
        }
        let mut report = DirReport {
            files: 1,
            ..DirReport::default()
        };
        let parsed = match kind {
            RuleFileKind::Toml => parse_file(file, text)?,
            RuleFileKind::RecogXml => match load_recog(file, text)? {
                RecogLoad::Rules(p, unused) => {
                    report.unused_fingerprints += unused;
                    p
                }
                RecogLoad::Skipped(warning) => {
                    report.warnings.push(warning);
                    return Ok(report);
                }
            },
        };
        report.rules = parsed.rules.len();
        self.absorb(vec![parsed])?;
        Ok(report)
    }
}
