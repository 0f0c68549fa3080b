//! The report's content as one serialisable value: the JSON format, and what the HTML shows.
//!
//! # JSON structure (schema `camguard-report`, version 1, minor revision 1)
//!
//! ```text
//! {
//!   "schema": "camguard-report", "schema_version": 1, "schema_minor": 1,
//!   "generated_at": RFC 3339, "lang": "en" | "vi",
//!   "organisation": string | null,                       (minor 1: `--org`)
//!   "scope": [string]  (target specifications of the scans, first use order; minor 1),
//!   "baseline":   { id, title, issuer, status, provisional, valid_from, valid_until, sources[] },
//!   "summary":    { devices, cameras, findings,
//!                   findings_by_severity: [{ severity, count }]  (critical first, all five),
//!                   by_vendor_model: [{ vendor, model, devices, cameras }] (most devices first) },
//!   "stats":      { by_provision: [{ provision, failing_devices, findings }] (baseline order),
//!                   by_vendor: [{ vendor, devices, cameras, findings }] (most devices first),
//!                   by_model:  [{ vendor, model, devices, cameras, findings }] }   (minor 1),
//!   "trend":      [{ scan_id, started_at, devices, cameras, findings,
//!                    findings_by_severity: [{ severity, count }] }] (oldest scan first; minor 1),
//!   "scans":      [ScanSummary] (oldest first),
//!   "provisions": [{ id, text, provisional, remote_complete, etsi[], checks[],
//!                    counts: { fail, pass, not_verifiable_remotely, not_tested } }],
//!   "devices":    [{ id, ip, first_seen, last_seen, scan_id, camera, vendor, product, model,
//!                    firmware, device_type, confidence, serial, open_ports[], endpoints[],
//!                    checks_run[],
//!                    findings: [{ check_id, severity, port, title, summary, evidence,
//!                                 remediation, known_check }],
//!                    verdicts: [{ baseline, provision, text, status, findings[], recorded }] }]
//! }
//! ```
//!
//! Minor 2 (attestations; present only when some verdict is attested): a verdict may carry
//! `attested: { status: "attested_pass" | "attested_fail", subject, document, attested_by,
//! attested_at }` (its `status` stays the scanned one, never `fail`); `counts` and `summary`
//! then have `attested_pass` / `attested_fail`, and such a verdict is counted there rather
//! than under its scanned status.
//!
//! `summary`, `stats` and `provisions` count each device's latest scan; `trend` counts every
//! scan as recorded (a device seen in two scans counts in both). `findings` of a provision in
//! `stats.by_provision` are the findings of the checks the provision lists.
//!
//! Enumerations use the model's snake_case names (`critical`, `not_verifiable_remotely`,
//! `ip_camera`, …). Texts (titles, remediation, provision texts) are in the report's language.
//! Fields are only ever added within a schema version, and each addition bumps `schema_minor`
//! (absent = 0); a removal or change of meaning bumps `schema_version`.

use crate::lang::Lang;
use crate::stats::{self, Stats, TrendPoint};
use crate::ReportInput;
use camguard_baseline::Baseline;
use camguard_checks::Catalogue;
use camguard_model::{DeviceType, Endpoint, Severity, VerdictStatus};
use camguard_store::{InventoryDevice, ScanSummary};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Value of the `schema` field.
pub const SCHEMA: &str = "camguard-report";
/// Current value of the `schema_version` field.
pub const SCHEMA_VERSION: u32 = 1;
/// Current value of the `schema_minor` field: additive revisions within [`SCHEMA_VERSION`].
pub const SCHEMA_MINOR: u32 = 2;

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDocument {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// [`SCHEMA_MINOR`] of the writer (0 when absent: a writer before the field existed).
    #[serde(default)]
    pub schema_minor: u32,
    /// When the report was generated.
    pub generated_at: DateTime<Utc>,
    /// Language of the texts (`en` or `vi`).
    pub lang: String,
    /// Organisation the report is for (`--org`), shown on the cover.
    #[serde(default)]
    pub organisation: Option<String>,
    /// Target specifications of the scans, each once, in the order first used.
    #[serde(default)]
    pub scope: Vec<String>,
    /// The baseline the verdicts are judged against.
    pub baseline: BaselineInfo,
    /// Totals.
    pub summary: Summary,
    /// Counts by provision, vendor and model.
    #[serde(default)]
    pub stats: Stats,
    /// Totals of every scan, oldest first.
    #[serde(default)]
    pub trend: Vec<TrendPoint>,
    /// Every scan in the store.
    pub scans: Vec<ScanSummary>,
    /// Per-provision verdict counts over all devices.
    pub provisions: Vec<ProvisionRow>,
    /// Every device, cameras first.
    pub devices: Vec<DeviceEntry>,
}

/// The baseline used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineInfo {
    /// Baseline id, e.g. `qcvn-11-2026`.
    pub id: String,
    /// Title in the report's language.
    pub title: String,
    /// Issuing authority.
    pub issuer: String,
    /// Legal status as the catalogue states it.
    pub status: String,
    /// True when the baseline (or its numbering) is provisional.
    pub provisional: bool,
    /// First day of validity.
    pub valid_from: NaiveDate,
    /// Last day of validity, if known.
    pub valid_until: Option<NaiveDate>,
    /// Citations of the documents the catalogue is built from (plain text).
    pub sources: Vec<String>,
}

/// Totals over the inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Devices in the inventory.
    pub devices: u64,
    /// Of those, surveillance devices.
    pub cameras: u64,
    /// Findings of the devices' latest scans.
    pub findings: u64,
    /// Findings per severity, critical first, every severity present.
    pub findings_by_severity: Vec<SeverityCount>,
    /// Devices per (vendor, model), most devices first.
    pub by_vendor_model: Vec<VendorModelCount>,
    /// Verdicts attested met by documents (minor 2; absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attested_pass: u64,
    /// Verdicts attested not met by documents (minor 2; absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attested_fail: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Number of findings of one severity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeverityCount {
    /// Severity.
    pub severity: Severity,
    /// Findings of that severity.
    pub count: u64,
}

/// Number of devices of one vendor and model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VendorModelCount {
    /// Vendor, if identified.
    pub vendor: Option<String>,
    /// Model, if identified.
    pub model: Option<String>,
    /// Devices.
    pub devices: u64,
    /// Of those, surveillance devices.
    pub cameras: u64,
}

/// Verdict counts of one provision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictCounts {
    /// Devices that fail the provision.
    pub fail: u64,
    /// Devices that pass it.
    pub pass: u64,
    /// Devices for which a remote scan cannot decide it (not a pass).
    pub not_verifiable_remotely: u64,
    /// Devices not tested for it (checks disabled, unreachable, or no verdict recorded).
    pub not_tested: u64,
    /// Devices whose verdict a document attests met (minor 2; absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attested_pass: u64,
    /// Devices whose verdict a document attests not met (minor 2; absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attested_fail: u64,
}

impl VerdictCounts {
    /// Count one verdict: an attested one under its attestation, else under its status.
    fn add_verdict(&mut self, v: &VerdictEntry) {
        match &v.attested {
            Some(a) if a.is_pass() => self.attested_pass += 1,
            Some(_) => self.attested_fail += 1,
            None => self.add(v.status),
        }
    }

    fn add(&mut self, status: VerdictStatus) {
        match status {
            VerdictStatus::Fail => self.fail += 1,
            VerdictStatus::Pass => self.pass += 1,
            VerdictStatus::NotVerifiableRemotely => self.not_verifiable_remotely += 1,
            VerdictStatus::NotTested => self.not_tested += 1,
        }
    }
}

/// One provision of the baseline with its verdict counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvisionRow {
    /// Provision id.
    pub id: String,
    /// Requirement text in the report's language.
    pub text: String,
    /// True when the provision's numbering or content is provisional.
    pub provisional: bool,
    /// True when a remote scan can fully decide the provision.
    pub remote_complete: bool,
    /// ETSI EN 303 645 provisions it transposes.
    pub etsi: Vec<String>,
    /// Check ids bearing on it.
    pub checks: Vec<String>,
    /// Verdicts over all devices.
    pub counts: VerdictCounts,
}

/// One device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceEntry {
    /// Store id.
    pub id: i64,
    /// Address.
    pub ip: IpAddr,
    /// First observation.
    pub first_seen: DateTime<Utc>,
    /// Latest observation.
    pub last_seen: DateTime<Utc>,
    /// Scan the findings and verdicts come from.
    pub scan_id: i64,
    /// True when identified as a surveillance device.
    pub camera: bool,
    /// Vendor.
    pub vendor: Option<String>,
    /// Product line.
    pub product: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Firmware version.
    pub firmware: Option<String>,
    /// Kind of device.
    pub device_type: Option<DeviceType>,
    /// Identification confidence 0–1.
    pub confidence: f64,
    /// Serial number, if reported.
    pub serial: Option<String>,
    /// Open TCP ports.
    pub open_ports: Vec<u16>,
    /// Every endpoint tried, with its state and reason.
    pub endpoints: Vec<Endpoint>,
    /// Checks that ran.
    pub checks_run: Vec<String>,
    /// Findings.
    pub findings: Vec<FindingEntry>,
    /// One verdict per baseline provision (then any recorded for other baselines).
    pub verdicts: Vec<VerdictEntry>,
}

/// One finding with the catalogue's texts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingEntry {
    /// Check id.
    pub check_id: String,
    /// Severity.
    pub severity: Severity,
    /// Port concerned.
    pub port: Option<u16>,
    /// Check title (the id when the check is not in the catalogue).
    pub title: String,
    /// Device-specific summary (English, from the check).
    pub summary: String,
    /// Redacted evidence.
    pub evidence: serde_json::Value,
    /// Remediation advice from the catalogue.
    pub remediation: Option<String>,
    /// False when this camguard's catalogue does not know the check id.
    pub known_check: bool,
}

/// A device's verdict on one provision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictEntry {
    /// Baseline id.
    pub baseline: String,
    /// Provision id.
    pub provision: String,
    /// Provision text when the provision belongs to the report's baseline.
    pub text: Option<String>,
    /// Verdict.
    pub status: VerdictStatus,
    /// Check ids of the findings cited.
    pub findings: Vec<String>,
    /// False when no verdict was recorded and `not_tested` was filled in.
    pub recorded: bool,
    /// The documentary evidence completing it (minor 2; never over a scanned `fail`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attested: Option<crate::attestation::AttestedVerdict>,
}

/// Build the document from the inventory, the baseline and the check catalogue.
pub fn build(input: &ReportInput<'_>, catalogue: &Catalogue, lang: Lang) -> ReportDocument {
    let code = lang.code();
    let baseline = input.baseline;
    let devices: Vec<DeviceEntry> = input
        .devices
        .iter()
        .map(|d| device_entry(d, baseline, catalogue, lang, &input.attestations))
        .collect();
    let provisions = baseline
        .provisions
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let counts = provision_counts_of(&devices, i);
            ProvisionRow {
                id: p.id.clone(),
                text: p.text.get(code).to_owned(),
                provisional: p.provisional,
                remote_complete: p.remote_complete,
                etsi: p.etsi.clone(),
                checks: p.checks.clone(),
                counts,
            }
        })
        .collect::<Vec<_>>();
    let mut scope: Vec<String> = Vec::new();
    for s in &input.scans {
        if !scope.contains(&s.targets) {
            scope.push(s.targets.clone());
        }
    }
    ReportDocument {
        schema: SCHEMA.to_owned(),
        schema_version: SCHEMA_VERSION,
        schema_minor: SCHEMA_MINOR,
        generated_at: input.generated_at,
        lang: code.to_owned(),
        organisation: input.organisation.clone(),
        scope,
        baseline: BaselineInfo {
            id: baseline.id.clone(),
            title: baseline.title.get(code).to_owned(),
            issuer: baseline.issuer.clone(),
            status: baseline.status.clone(),
            provisional: baseline.provisional,
            valid_from: baseline.valid_from,
            valid_until: baseline.valid_until,
            sources: baseline.sources.clone(),
        },
        summary: summary(&devices),
        stats: stats::stats(&devices, &provisions),
        trend: stats::trend(&input.trend),
        scans: input.scans.clone(),
        provisions,
        devices,
    }
}

/// Verdict counts of the baseline's `i`th provision over `devices` (an attested verdict under
/// its attestation).
fn provision_counts_of(devices: &[DeviceEntry], i: usize) -> VerdictCounts {
    let mut counts = VerdictCounts::default();
    for d in devices {
        // device_entry puts the baseline's provisions first, in order.
        if let Some(v) = d.verdicts.get(i) {
            counts.add_verdict(v);
        }
    }
    counts
}

/// The report's per-provision verdict counts (`provisions[].counts`) of `baseline` over
/// `devices` with `attestations` applied, in the baseline's order: the same counting as
/// [`build`], for callers that show the counts without a whole report (the dashboard's
/// compliance scorecard).
pub fn provision_counts(
    devices: &[InventoryDevice],
    baseline: &Baseline,
    attestations: &[crate::attestation::Attestation],
) -> Vec<(String, VerdictCounts)> {
    let catalogue = Catalogue::builtin();
    let entries: Vec<DeviceEntry> = devices
        .iter()
        .map(|d| device_entry(d, baseline, catalogue, Lang::En, attestations))
        .collect();
    baseline
        .provisions
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), provision_counts_of(&entries, i)))
        .collect()
}

fn device_entry(
    d: &InventoryDevice,
    baseline: &Baseline,
    catalogue: &Catalogue,
    lang: Lang,
    attestations: &[crate::attestation::Attestation],
) -> DeviceEntry {
    let code = lang.code();
    let findings = d
        .findings
        .iter()
        .map(|f| {
            let def = catalogue.get(&f.check_id);
            FindingEntry {
                check_id: f.check_id.clone(),
                severity: f.severity,
                port: f.port,
                title: def.map_or_else(|| f.check_id.clone(), |c| c.title.get(code).to_owned()),
                summary: f.summary.clone(),
                evidence: f.evidence.clone(),
                remediation: def.map(|c| c.remediation.get(code).to_owned()),
                known_check: def.is_some(),
            }
        })
        .collect();

    let mut verdicts: Vec<VerdictEntry> = baseline
        .provisions
        .iter()
        .map(|p| {
            let recorded = d
                .verdicts
                .iter()
                .find(|v| v.baseline == baseline.id && v.provision == p.id);
            VerdictEntry {
                baseline: baseline.id.clone(),
                provision: p.id.clone(),
                text: Some(p.text.get(code).to_owned()),
                status: recorded.map_or(VerdictStatus::NotTested, |v| v.status),
                findings: recorded.map(|v| v.findings.clone()).unwrap_or_default(),
                recorded: recorded.is_some(),
                attested: None,
            }
        })
        .collect();
    let known = |baseline_id: &str, provision: &str| {
        baseline_id == baseline.id && baseline.provisions.iter().any(|p| p.id == provision)
    };
    verdicts.extend(
        d.verdicts
            .iter()
            .filter(|v| !known(&v.baseline, &v.provision))
            .map(|v| VerdictEntry {
                baseline: v.baseline.clone(),
                provision: v.provision.clone(),
                text: None,
                status: v.status,
                findings: v.findings.clone(),
                recorded: true,
                attested: None,
            }),
    );
    // Documents complete what the scan could not prove; a proven failure stays.
    for v in verdicts
        .iter_mut()
        .filter(|v| v.status != VerdictStatus::Fail)
    {
        v.attested = attestations
            .iter()
            .find(|a| a.ip == d.ip && a.baseline == v.baseline && a.provision == v.provision)
            .map(Into::into);
    }

    DeviceEntry {
        id: d.id,
        ip: d.ip,
        first_seen: d.first_seen,
        last_seen: d.last_seen,
        scan_id: d.scan_id,
        camera: d.identity.camera,
        vendor: d.identity.vendor.clone(),
        product: d.identity.product.clone(),
        model: d.identity.model.clone(),
        firmware: d.identity.firmware.clone(),
        device_type: d.identity.device_type,
        confidence: if d.identity.confidence.is_finite() {
            d.identity.confidence
        } else {
            0.0
        },
        serial: d.serial.clone(),
        open_ports: d.open_ports().collect(),
        endpoints: d.endpoints.clone(),
        checks_run: d.checks_run.clone(),
        findings,
        verdicts,
    }
}

fn summary(devices: &[DeviceEntry]) -> Summary {
    let findings_by_severity = stats::SEVERITY_ORDER
        .iter()
        .map(|&severity| SeverityCount {
            severity,
            count: devices
                .iter()
                .flat_map(|d| &d.findings)
                .filter(|f| f.severity == severity)
                .count() as u64,
        })
        .collect();

    let mut groups: BTreeMap<(Option<String>, Option<String>), (u64, u64)> = BTreeMap::new();
    for d in devices {
        let entry = groups
            .entry((d.vendor.clone(), d.model.clone()))
            .or_default();
        entry.0 += 1;
        entry.1 += u64::from(d.camera);
    }
    let mut by_vendor_model: Vec<VendorModelCount> = groups
        .into_iter()
        .map(|((vendor, model), (devices, cameras))| VendorModelCount {
            vendor,
            model,
            devices,
            cameras,
        })
        .collect();
    // Stable sort: ties keep the vendor/model order of the BTreeMap.
    by_vendor_model.sort_by_key(|g| std::cmp::Reverse(g.devices));

    Summary {
        devices: devices.len() as u64,
        cameras: devices.iter().filter(|d| d.camera).count() as u64,
        findings: devices.iter().map(|d| d.findings.len() as u64).sum(),
        findings_by_severity,
        by_vendor_model,
        attested_pass: attested(devices, true),
        attested_fail: attested(devices, false),
    }
}

/// Verdicts over all devices attested met (`pass`) or not met.
fn attested(devices: &[DeviceEntry], pass: bool) -> u64 {
    devices
        .iter()
        .flat_map(|d| &d.verdicts)
        .filter_map(|v| v.attested.as_ref())
        .filter(|a| a.is_pass() == pass)
        .count() as u64
}
