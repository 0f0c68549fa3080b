//! Why a registry file could not be read.

/// A registry file that cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Malformed CSV (unterminated quote, too many fields, …).
    #[error("CSV line {line}: {reason}")]
    Csv {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// Not JSON, or JSON of another shape.
    #[error("not a registry JSON document")]
    Json(#[from] serde_json::Error),
    /// An entry breaks a rule of the format.
    #[error("entry {index}: {reason}")]
    Invalid {
        /// 1-based entry number.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The file says it holds another list than the one asked for.
    #[error("the file is a {found} list, not a {wanted} list")]
    WrongList {
        /// List named in the file.
        found: String,
        /// List asked for.
        wanted: String,
    },
    /// The file is larger than the import limit or has too many entries.
    #[error("too large: {0}")]
    TooLarge(String),
}
