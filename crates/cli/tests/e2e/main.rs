//! End-to-end tests of the `camguard` binary: one integration-test binary, one module per area.

mod advisories_cmd;
mod bad_input;
mod baselines_cmd;
mod browser;
mod common;
mod discovery_cmd;
mod discovery_local;
mod fingerprints_cmd;
mod fuzz_build;
mod gst_oracle;
mod hostile;
mod identify_contract;
mod intrusive_checks;
mod lab_pipeline;
mod personalities;
mod quirks;
mod registries_cmd;
mod report_formats;
mod report_print;
mod resume_kill;
mod scope;
mod serve_cmd;
mod ssh_credentials;
mod ssh_fleet;
mod surface_checks;
mod target_space;
