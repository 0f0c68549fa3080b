//! Errors raised while loading rule files.

use std::path::PathBuf;

/// Why rules could not be loaded. Every variant names the file (and the rule, where one is
/// concerned) so a user can fix their rule directory without guessing.
#[derive(Debug, thiserror::Error)]
pub enum FingerprintError {
    /// A rule directory or file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A rule file is larger than the loader accepts.
    #[error("{file}: file is larger than {limit} bytes")]
    TooLarge {
        /// The rule file.
        file: String,
        /// The size limit in bytes.
        limit: u64,
    },
    /// A rule file is not valid TOML, or its top level does not have the expected shape.
    #[error("{file}: {reason}")]
    Parse {
        /// The rule file.
        file: String,
        /// What the TOML parser reported.
        reason: String,
    },
    /// One rule is malformed (unknown key, bad regex, bad weight, missing example, …).
    #[error("{file}: rule `{rule}`: {reason}")]
    InvalidRule {
        /// The rule file.
        file: String,
        /// The rule id, or `#N` (1-based position in the file) when it has no usable id.
        rule: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two rules share an id.
    #[error("{file}: rule `{rule}`: id already defined in {first}")]
    DuplicateRule {
        /// The file with the second definition.
        file: String,
        /// The duplicated id.
        rule: String,
        /// The file with the first definition.
        first: String,
    },
    /// A `[[vendor]]` or `[[unbranded]]` entry is malformed.
    #[error("{file}: vendor table: {reason}")]
    InvalidVendor {
        /// The rule file.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The per-field regex set could not be built (for example the rules together exceed the
    /// regex size limit).
    #[error("rules for field `{field}` cannot be combined: {reason}")]
    RegexSet {
        /// The observation field.
        field: String,
        /// What the regex engine reported.
        reason: String,
    },
}
