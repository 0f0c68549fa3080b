//! camguard fingerprint stage: a rule engine whose rules are data.
//!
//! [`Engine`] turns a [`FingerprintInput`](camguard_model::FingerprintInput) (banners, titles,
//! ONVIF device information, …) into an [`Identity`](camguard_model::Identity): camera or
//! not, vendor, product, model, firmware, device type, a confidence and the ids of the rules
//! that matched. [`identify_jsonl`] is the backend of `camguard identify`.
//!
//! # Rule files
//!
//! Rules live in TOML files: the built-in ones in `data/fingerprints/*.toml` (embedded in the
//! binary), user ones in any directory given to [`Engine::add_dir`]. A file holds any of
//! three tables:
//!
//! ```toml
//! [[rule]]
//! id = "hikvision.http_server.webs"        # stable, unique, [a-z0-9._-]+
//! field = "http_server"                    # one of FingerprintInput::FIELDS
//! pattern = '^(?:App|DNVRS|DVRDVS|Hikvision)-Webs/' # Rust regex syntax
//! case_insensitive = true                  # optional, default false
//! weight = 0.85                            # certainty in (0, 1]
//! source = "Recog http_servers.xml; nmap-service-probes"  # provenance, required
//! description = "…"                        # optional
//! # What a match asserts (any subset, at least one). Text values may interpolate capture
//! # groups: "{1}", "{name}", "{0}" = whole match; "{{" and "}}" are literal braces.
//! camera = true
//! vendor = "Hikvision"                     # canonicalised through [[vendor]] aliases
//! product = "…"
//! model = "{model}"
//! firmware = "{1}"
//! device_type = "ip_camera"                # ip_camera | dvr | nvr | video_encoder | other
//!
//! [[rule.example]]                         # at least one that matches
//! value = "App-webs/"
//! camera = true                            # everything the rule yields for this value
//! vendor = "Hikvision"
//!
//! [[rule.example]]                         # optional counter-example
//! value = "nginx"
//! matches = false
//!
//! [[vendor]]                               # canonical vendor spelling and aliases
//! name = "Hikvision"
//! aliases = ["HIKVISION", "Hangzhou Hikvision Digital Technology Co., Ltd."]
//! source = "ONVIF GetDeviceInformation of Hikvision devices"
//!
//! [[unbranded]]                            # manufacturer strings that name no vendor
//! names = ["Generic", "General"]
//! source = "…"
//! ```
//!
//! Each example must yield exactly the listed assertions (a field that the example leaves
//! out must be one the rule does not assert); [`Engine::verify_examples`] checks them.
//! Vendor spellings compare case-insensitively on letters and digits; a name whose first
//! word is a known alias maps to that vendor; unknown names are kept as written.
//!
//! # Matching
//!
//! Only the first 8 KiB of each field are matched. Per field, a `RegexSet` finds the rules
//! that match; only those run their own regex to extract captures. Evidence is combined as
//! described in [`combine`]. The regex crate matches in linear time, so hostile input
//! cannot make matching blow up.

mod builtin;
pub mod combine;
mod engine;
mod error;
mod explain;
mod jsonl;
mod load_dir;
pub mod recog;
mod rule;
mod rule_file;
mod template;
mod vendors;
pub mod verify;

pub use builtin::BUILTIN_RULE_FILES;
pub use engine::Engine;
pub use error::FingerprintError;
pub use explain::{ClaimedValue, Conflict, ExplainedRule, Explanation};
pub use jsonl::{explain_jsonl, identify_jsonl, IdentifyStats, MAX_LINE_BYTES};
pub use load_dir::{rule_files, DirReport, RuleFileKind};
pub use rule::{RuleInfo, MAX_FIELD_BYTES};
