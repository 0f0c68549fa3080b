//! `VULN.FIRMWARE_OUTDATED`: the identified firmware is older than the latest release camguard
//! knows of for the model (`data/advisories/latest_firmware.toml`).
//!
//! Needs the vendor, model and a firmware string of a known version scheme, and a known release
//! of the same scheme for the model; otherwise undecided. Low, or medium when the device's
//! build is two or more years older than the known release.

use crate::context::AssessmentData;
use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use camguard_advisories::FirmwareVersion;
use camguard_model::{HostObservation, Identity, Severity};
use serde_json::json;

/// Years behind the known release from which the finding is medium.
const MEDIUM_AFTER_YEARS: u32 = 2;

pub(crate) fn evaluate(
    _obs: &HostObservation,
    identity: &Identity,
    data: &AssessmentData,
) -> Evaluation {
    let (Some(vendor), Some(model), Some(firmware)) = (
        identity.vendor.as_deref(),
        identity.model.as_deref(),
        identity.firmware.as_deref(),
    ) else {
        return Evaluation::Inconclusive;
    };
    let Some(currency) = data.latest_firmware.currency(vendor, model, firmware) else {
        return Evaluation::Inconclusive;
    };
    if !currency.outdated {
        return Evaluation::Ran(Vec::new());
    }
    let latest = currency.latest;
    let device_build = FirmwareVersion::parse(firmware).and_then(|v| v.build_date());
    let latest_date = date_number(&latest.date);
    let years_behind = match (
        device_build.and_then(to_date),
        latest_date.and_then(to_date),
    ) {
        (Some(d), Some(l)) if l > d => Some(whole_years(d, l)),
        _ => None,
    };
    let firmware = bounded(firmware, MAX_FIELD_CHARS);
    Evaluation::Ran(vec![Hit {
        port: None,
        summary: format!(
            "Firmware {firmware} is older than {} ({}), the latest release camguard knows for this model",
            latest.version, latest.date
        ),
        evidence: json!({
            "vendor": bounded(vendor, MAX_FIELD_CHARS),
            "model": bounded(model, MAX_FIELD_CHARS),
            "firmware": firmware,
            "device_build_date": device_build,
            "latest_version": latest.version,
            "latest_date": latest.date,
            "years_behind": years_behind,
            "source": latest.source,
            "uncertain": latest.uncertain,
        }),
    }])
}

/// A `yyyymmdd` number as a date (day 0, "month only", as the 1st).
fn to_date(n: u32) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt((n / 10_000) as i32, n / 100 % 100, (n % 100).max(1))
}

/// Whole years from `from` to `to` (anniversaries passed).
fn whole_years(from: chrono::NaiveDate, to: chrono::NaiveDate) -> u32 {
    to.years_since(from).unwrap_or(0)
}

fn date_number(s: &str) -> Option<u32> {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    (digits.len() == 8).then(|| digits.parse().ok()).flatten()
}

/// Medium when the device's build is [`MEDIUM_AFTER_YEARS`] or more behind; otherwise the
/// catalogue's low.
pub(crate) fn severity(hit: &Hit) -> Option<Severity> {
    let years = hit.evidence.get("years_behind")?.as_u64()?;
    (years >= u64::from(MEDIUM_AFTER_YEARS)).then_some(Severity::Medium)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;

    fn run(model: &str, firmware: Option<&str>) -> Evaluation {
        let id = Identity {
            camera: true,
            vendor: Some("Hikvision".into()),
            model: Some(model.into()),
            firmware: firmware.map(Into::into),
            ..Default::default()
        };
        evaluate(&alive_host(80), &id, AssessmentData::builtin())
    }

    #[test]
    fn older_firmware_is_found_and_its_age_sets_the_severity() {
        let Evaluation::Ran(hits) = run("DS-2CD2143G0-I", Some("V5.5.82 build 190909")) else {
            panic!("should run");
        };
        assert_eq!(hits[0].evidence["latest_version"], "V5.5.800 build 210628");
        assert_eq!(hits[0].evidence["years_behind"], 1);
        assert_eq!(severity(&hits[0]), None, "low");
        let Evaluation::Ran(hits) = run("DS-2CD1023G0E-I", Some("V5.4.5 build 170124")) else {
            panic!("should run");
        };
        assert_eq!(severity(&hits[0]), Some(Severity::Medium));
    }

    #[test]
    fn years_behind_counts_anniversaries() {
        let d = |n| to_date(n).expect("date");
        assert_eq!(whole_years(d(20200101), d(20211231)), 1);
        assert_eq!(whole_years(d(20200101), d(20220101)), 2);
        assert_eq!(whole_years(d(20191231), d(20210101)), 1);
        assert_eq!(
            whole_years(d(20181100), d(20201031)),
            1,
            "month-only build date"
        );
        assert!(to_date(20211301).is_none());
    }

    #[test]
    fn current_firmware_runs_clean_and_unknowns_are_undecided() {
        assert_eq!(
            run("DS-2CD2143G0-I", Some("V5.5.800 build 210628")),
            Evaluation::Ran(vec![])
        );
        for (model, fw) in [
            ("DS-2CD2143G0-I", None),
            ("DS-2CD2143G0-I", Some("5.5.82")),
            ("DS-2CD2T47G1-L", Some("V5.5.82 build 190909")),
        ] {
            assert_eq!(run(model, fw), Evaluation::Inconclusive, "{model} {fw:?}");
        }
    }
}
