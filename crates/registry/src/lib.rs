//! camguard registry: lists of camera models an authority has certified as conforming, or has
//! warned against (Directive 23/CT-TTg: "use only cameras that meet the requirements; do not
//! use cameras that competent authorities have warned against").
//!
//! * [`Entry`] is one listed model: vendor, model, documented variant patterns, the
//!   certificate or notice id, issuer, date, source and a note.
//! * [`RegistryList`] is one list ([`ListKind::Certified`] or [`ListKind::Warned`]), read from
//!   and written to CSV ([`csv`]) or JSON ([`json`]).
//! * [`model_name`] decides when an inventory model is a listed one: case and the kind of
//!   separator do not matter, a vendor prefix is ignored, but every letter of the designation
//!   does (a suffix is a different model) unless the entry lists a variant pattern for it.
//!
//! No official list of certified or warned camera models is public; the lists are whatever the
//! user imports (`data/registries/` holds a clearly labelled example).

pub mod csv;
mod entry;
mod error;
mod file;
pub mod json;
mod list;
pub mod model_name;

pub use entry::{Entry, ListKind};
pub use error::RegistryError;
pub use file::{parse_file, to_csv, Format, Provenance, CSV_COLUMNS, MAX_ENTRIES, MAX_FILE_BYTES};
pub use list::{Registries, RegistryList};
