//! The lab's error type.

use std::net::SocketAddr;
use thiserror::Error;

/// Errors of loading a lab description or starting a lab.
#[derive(Debug, Error)]
pub enum LabError {
    /// The lab file is not valid TOML or does not have the lab's shape.
    #[error("lab file: {0}")]
    Syntax(String),
    /// A device entry is invalid; `device` names it (id or position), `field` the bad field.
    #[error("lab file: device {device}: field `{field}`: {message}")]
    Device {
        /// Device id, or `#<n>` (1-based) when the entry has no id.
        device: String,
        /// Name of the offending field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The lab file could not be read.
    #[error("cannot read lab file {path}: {source}")]
    Read {
        /// Path of the file.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A built-in personality data file is invalid (a bug in the shipped data).
    #[error("personality data {name}: {message}")]
    Personality {
        /// File or personality name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that could not be bound.
        addr: SocketAddr,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A `[[fleet]]` entry is invalid; `fleet` names it (`#<n> (<personality>)`).
    #[error("lab file: fleet {fleet}: field `{field}`: {message}")]
    Fleet {
        /// Position (1-based) and personality of the fleet entry.
        fleet: String,
        /// Name of the offending field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The lab options are unusable (address range, port overflow, …).
    #[error("lab options: {0}")]
    Options(String),
    /// Generating the stream's JPEG frames failed.
    #[error("jpeg generation: {0}")]
    Jpeg(String),
}
