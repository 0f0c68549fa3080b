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
    #[error("cannot read lab file {path}")]
    Read {
        /// Path of the file.
        path: String,
        /// Underlying error (the error's `source()`; Display does not repeat it).
        #[source]
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
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address that could not be bound.
        addr: SocketAddr,
        /// Underlying error (the error's `source()`; Display does not repeat it).
        #[source]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message of the chain, joined as anyhow's `{:#}` prints them.
    fn chain(e: &dyn std::error::Error) -> String {
        let mut out = e.to_string();
        let mut next = e.source();
        while let Some(s) = next {
            out.push_str(": ");
            out.push_str(&s.to_string());
            next = s.source();
        }
        out
    }

    #[test]
    fn bind_display_does_not_repeat_source() {
        let e = LabError::Bind {
            addr: "127.0.0.1:80".parse().expect("addr"),
            source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
        };
        let io = std::io::Error::from(std::io::ErrorKind::AddrInUse).to_string();
        assert_eq!(e.to_string(), "cannot listen on 127.0.0.1:80");
        assert_eq!(chain(&e), format!("cannot listen on 127.0.0.1:80: {io}"));
        assert_eq!(chain(&e).matches(&io).count(), 1);
    }

    #[test]
    fn read_display_does_not_repeat_source() {
        let e = LabError::Read {
            path: "lab.toml".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        let io = std::io::Error::from(std::io::ErrorKind::NotFound).to_string();
        assert_eq!(e.to_string(), "cannot read lab file lab.toml");
        assert_eq!(chain(&e).matches(&io).count(), 1);
    }
}
