//! camguard advisories: is this camera's firmware known to be vulnerable?
//!
//! * [`FirmwareVersion`] parses the version strings cameras state (Hikvision `V5.5.82 build
//!   190909`, Dahua `2.800.0000000.8.R, Build Date 2021-07-13`, Xiongmai
//!   `V4.02.R11.00000140.10010.131600`, Uniview `IPC_G6103-B5030P20D1811`, Tapo `1.1.15 Build
//!   211130 Rel.45916n`, Hanwha `1.41.01_20200417`, dotted Axis/Bosch versions) and orders two
//!   versions only when they follow the same scheme; otherwise the comparison is `None`.
//! * [`Database`] is the advisory data (`data/advisories/*.toml`, embedded at build time), one
//!   fact per advisory with its source.
//! * [`Database::match_device`] lists the advisories a vendor/model/firmware falls under.
//!   An affected range that cannot be compared with the firmware never matches: no guessing.
//! * [`LatestFirmware`] is the latest release camguard knows of per model family
//!   (`data/advisories/latest_firmware.toml`); [`LatestFirmware::currency`] says whether a
//!   device's firmware is older.

mod db;
mod glob;
mod import;
mod latest;
mod matching;
mod version;

pub use db::{Advisory, AffectedRange, Database, DbError};
pub use import::{import_json, ImportError, Imported};
pub use latest::{Currency, LatestError, LatestFirmware, Release};
pub use matching::{match_device, Match};
pub use version::{FirmwareVersion, Scheme};
