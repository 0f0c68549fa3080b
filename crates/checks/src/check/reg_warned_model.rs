//! `REG.WARNED_MODEL`: the identified camera model is on an imported list of models a
//! competent authority has warned against.
//!
//! Runs only when a warning list has been imported and the camera's vendor and model are
//! identified; otherwise it is undecided (an unknown model is reported once, by
//! `REG.UNCERTIFIED_MODEL`).

use crate::check::reg_lookup::{device_evidence, entry_evidence, lookup, Lookup};
use crate::context::AssessmentData;
use crate::registry::{Evaluation, Hit};
use camguard_model::{HostObservation, Identity};
use serde_json::json;

pub(crate) use crate::check::reg_lookup::severity;

pub(crate) fn evaluate(
    _obs: &HostObservation,
    identity: &Identity,
    data: &AssessmentData,
) -> Evaluation {
    let Some(list) = data.registries.warned.as_ref() else {
        return Evaluation::Inconclusive;
    };
    match lookup(list, identity) {
        Lookup::NotACamera | Lookup::UnknownModel => Evaluation::Inconclusive,
        Lookup::NotListed { .. } => Evaluation::Ran(Vec::new()),
        Lookup::Listed {
            vendor,
            model,
            entry,
        } => {
            let by = match (&entry.issuer, &entry.reference) {
                (Some(i), Some(r)) => format!(" ({i}, {r})"),
                (Some(x), None) | (None, Some(x)) => format!(" ({x})"),
                (None, None) => String::new(),
            };
            Evaluation::Ran(vec![Hit {
                port: None,
                summary: crate::evidence::bounded(
                    &format!("{vendor} {model} is on the warning list{by}"),
                    300,
                ),
                evidence: json!({
                    "model_identified": true,
                    "device": device_evidence(vendor, model),
                    "entry": entry_evidence(entry),
                }),
            }])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_registry::{Entry, ListKind, Registries, RegistryList};

    fn data(warned: Option<Entry>) -> AssessmentData {
        let mut regs = Registries::default();
        if let Some(e) = warned {
            regs.set(RegistryList::from_entries(ListKind::Warned, vec![e]));
        }
        AssessmentData::new(camguard_advisories::Database::default(), regs)
    }

    fn entry() -> Entry {
        Entry {
            vendor: "Dahua".into(),
            model: "IPC-HDW1230S".into(),
            reference: Some("EXAMPLE-W-1".into()),
            issuer: Some("Example authority".into()),
            source: "example".into(),
            ..Default::default()
        }
    }

    fn camera(vendor: &str, model: Option<&str>) -> Identity {
        Identity {
            camera: true,
            vendor: Some(vendor.into()),
            model: model.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn a_warned_model_is_found_with_the_notice_as_evidence() {
        let id = camera("Dahua", Some("ipc hdw1230s"));
        let Evaluation::Ran(hits) = evaluate(&alive_host(80), &id, &data(Some(entry()))) else {
            panic!("should run");
        };
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].summary.contains("Example authority, EXAMPLE-W-1"),
            "{}",
            hits[0].summary
        );
        assert_eq!(hits[0].evidence["entry"]["reference"], "EXAMPLE-W-1");
        assert_eq!(severity(&hits[0]), None, "catalogue severity (high)");
    }

    #[test]
    fn other_models_run_clean_and_missing_data_is_undecided() {
        let d = data(Some(entry()));
        let other = camera("Dahua", Some("IPC-HDW1230S-S2"));
        assert_eq!(
            evaluate(&alive_host(80), &other, &d),
            Evaluation::Ran(vec![])
        );
        let unknown = camera("Dahua", None);
        assert_eq!(
            evaluate(&alive_host(80), &unknown, &d),
            Evaluation::Inconclusive
        );
        let id = camera("Dahua", Some("IPC-HDW1230S"));
        assert_eq!(
            evaluate(&alive_host(80), &id, &data(None)),
            Evaluation::Inconclusive
        );
    }
}
