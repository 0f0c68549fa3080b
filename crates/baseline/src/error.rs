//! Errors of loading a baseline catalogue. Every variant names the file (or built-in origin).

/// Why a baseline could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file could not be read.
    #[error("{origin}: cannot read baseline file: {source}")]
    Io {
        /// Path of the file.
        origin: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than a baseline can sensibly be.
    #[error("{origin}: baseline file larger than {limit} bytes")]
    TooLarge {
        /// Path of the file.
        origin: String,
        /// The size limit in bytes.
        limit: u64,
    },
    /// The text is not TOML of the baseline format.
    #[error("{origin}: invalid baseline: {source}")]
    Parse {
        /// Path of the file or built-in name.
        origin: String,
        /// Underlying error (with line and column).
        #[source]
        source: toml::de::Error,
    },
    /// The TOML parsed but breaks a rule of the format.
    #[error("{origin}: invalid baseline: {reason}")]
    Invalid {
        /// Path of the file or built-in name.
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// A baseline with the same id is already registered.
    #[error("{origin}: baseline id {id:?} is already loaded")]
    Duplicate {
        /// Path of the file or built-in name.
        origin: String,
        /// The clashing id.
        id: String,
    },
}
