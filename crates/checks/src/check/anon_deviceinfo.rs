//! `SURF.ANON_DEVICEINFO`: ONVIF `GetDeviceInformation` answered without credentials.
//!
//! A finding needs at least one non-empty field actually disclosed. The serial number is
//! masked in evidence; the other fields are kept (bounded) because they are what was leaked.

use crate::evidence::{bounded, mask_serial, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use serde_json::{json, Map, Value};

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let Some(onvif) = &obs.onvif else {
        // No ONVIF device service answered on the probed ports: nothing to disclose.
        return Evaluation::Ran(vec![]);
    };
    let Some(info) = &onvif.device_info_anonymous else {
        return if onvif.requires_auth {
            Evaluation::Ran(vec![])
        } else {
            // Neither answered nor refused (probe error): unknown.
            Evaluation::Inconclusive
        };
    };
    let plain = [
        ("manufacturer", &info.manufacturer),
        ("model", &info.model),
        ("firmware", &info.firmware),
        ("hardware_id", &info.hardware_id),
    ];
    let mut disclosed = Map::new();
    for (name, value) in plain {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            disclosed.insert(name.into(), Value::String(bounded(v, MAX_FIELD_CHARS)));
        }
    }
    if let Some(serial) = info.serial.as_deref().filter(|v| !v.trim().is_empty()) {
        disclosed.insert("serial_masked".into(), Value::String(mask_serial(serial)));
    }
    if disclosed.is_empty() {
        return Evaluation::Ran(vec![]);
    }
    let names: Vec<&str> = disclosed
        .keys()
        .map(|k| k.strip_suffix("_masked").unwrap_or(k))
        .collect();
    let summary = format!(
        "ONVIF GetDeviceInformation on port {} answered without credentials, disclosing {}",
        onvif.port,
        names.join(", ")
    );
    Evaluation::Ran(vec![Hit {
        port: Some(onvif.port),
        summary,
        evidence: json!({
            "port": onvif.port,
            "path": bounded(&onvif.path, MAX_FIELD_CHARS),
            "operation": "GetDeviceInformation",
            "authenticated": false,
            "disclosed": disclosed,
        }),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::{DeviceInfo, OnvifObservation};

    fn onvif(anonymous: Option<DeviceInfo>, requires_auth: bool) -> OnvifObservation {
        OnvifObservation {
            port: 80,
            path: "/onvif/device_service".into(),
            device_info_anonymous: anonymous,
            requires_auth,
            ..Default::default()
        }
    }

    #[test]
    fn anonymous_answer_is_a_finding_with_masked_serial() {
        let mut host = alive_host(80);
        host.onvif = Some(onvif(
            Some(DeviceInfo {
                manufacturer: Some("HIKVISION".into()),
                model: Some("DS-2CD2042WD-I".into()),
                firmware: Some("V5.4.5 build 170124".into()),
                serial: Some("DS-2CD2042WD-I20170101AAWR123456789".into()),
                hardware_id: None,
            }),
            false,
        ));
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("expected a run");
        };
        assert_eq!(hits.len(), 1);
        let d = &hits[0].evidence["disclosed"];
        assert_eq!(d["model"], "DS-2CD2042WD-I");
        assert_eq!(d["firmware"], "V5.4.5 build 170124");
        let serial = d["serial_masked"].as_str().unwrap_or_default();
        assert!(
            serial.ends_with("6789") && serial.starts_with("****"),
            "{serial}"
        );
        assert!(!hits[0].evidence.to_string().contains("123456789"));
        assert!(d.get("hardware_id").is_none());
        assert!(hits[0].summary.contains("serial"));
    }

    #[test]
    fn refused_or_absent_onvif_is_checked_not_found() {
        let mut host = alive_host(80);
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        host.onvif = Some(onvif(None, true));
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        host.onvif = Some(onvif(Some(DeviceInfo::default()), false));
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
    }

    #[test]
    fn probe_error_is_inconclusive() {
        let mut host = alive_host(80);
        let mut o = onvif(None, false);
        o.error = Some("timeout".into());
        host.onvif = Some(o);
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Inconclusive
        );
    }
}
