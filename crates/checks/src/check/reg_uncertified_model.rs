//! `REG.UNCERTIFIED_MODEL`: the identified camera model is not on the imported list of
//! certified (conforming) models.
//!
//! Runs only when a certified list has been imported (`camguard registry import --list
//! certified`); without one the check is undecided, so the provision reads "not tested". A
//! camera whose model is not identified gets an informational finding (the provision is then
//! "not verifiable remotely"), never a silent pass.

use crate::check::reg_lookup::{device_evidence, lookup, unknown_model_hit, Lookup};
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
    let Some(list) = data.registries.certified.as_ref() else {
        return Evaluation::Inconclusive;
    };
    match lookup(list, identity) {
        Lookup::NotACamera => Evaluation::Inconclusive,
        Lookup::UnknownModel => Evaluation::Ran(vec![unknown_model_hit("certified", identity)]),
        Lookup::Listed { .. } => Evaluation::Ran(Vec::new()),
        Lookup::NotListed { vendor, model } => Evaluation::Ran(vec![Hit {
            port: None,
            summary: format!(
                "{vendor} {model} is not on the certified list ({} entries)",
                list.entries().len()
            ),
            evidence: json!({
                "model_identified": true,
                "device": device_evidence(vendor, model),
                "list_entries": list.entries().len(),
            }),
        }]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::Severity;
    use camguard_registry::{Entry, ListKind, Registries, RegistryList};

    fn data(certified: Option<Vec<&str>>) -> AssessmentData {
        let mut regs = Registries::default();
        if let Some(models) = certified {
            regs.set(RegistryList::from_entries(
                ListKind::Certified,
                models
                    .into_iter()
                    .map(|m| Entry {
                        vendor: "Hikvision".into(),
                        model: m.into(),
                        variants: vec![format!("{m}(*MM)")],
                        source: "example".into(),
                        ..Default::default()
                    })
                    .collect(),
            ));
        }
        AssessmentData::new(camguard_advisories::Database::default(), regs)
    }

    fn camera(model: Option<&str>) -> Identity {
        Identity {
            camera: true,
            vendor: Some("Hikvision".into()),
            model: model.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn without_a_certified_list_the_check_is_undecided() {
        let id = camera(Some("DS-2CD2143G2-I"));
        assert_eq!(
            evaluate(&alive_host(80), &id, &data(None)),
            Evaluation::Inconclusive
        );
    }

    #[test]
    fn listed_models_and_their_variants_pass_others_are_found() {
        let d = data(Some(vec!["DS-2CD2143G2-I"]));
        for model in ["ds 2cd2143g2 i", "HIKVISION DS-2CD2143G2-I(2.8mm)"] {
            assert_eq!(
                evaluate(&alive_host(80), &camera(Some(model)), &d),
                Evaluation::Ran(vec![]),
                "{model}"
            );
        }
        let Evaluation::Ran(hits) = evaluate(&alive_host(80), &camera(Some("DS-2CD2143G2-IS")), &d)
        else {
            panic!("should run");
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(severity(&hits[0]), None, "catalogue severity");
        assert_eq!(hits[0].evidence["device"]["model"], "DS-2CD2143G2-IS");
    }

    #[test]
    fn an_unknown_model_is_an_informational_finding_and_a_non_camera_is_skipped() {
        let d = data(Some(vec!["DS-2CD2143G2-I"]));
        let Evaluation::Ran(hits) = evaluate(&alive_host(80), &camera(None), &d) else {
            panic!("should run");
        };
        assert_eq!(severity(&hits[0]), Some(Severity::Info));
        let printer = Identity {
            camera: false,
            ..camera(Some("LaserJet"))
        };
        assert_eq!(
            evaluate(&alive_host(80), &printer, &d),
            Evaluation::Inconclusive
        );
    }
}
