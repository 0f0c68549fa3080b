//! `SURF.VENDOR_SDK_PORT`: a vendor's private SDK/client protocol answered (Dahua 37777,
//! Xiongmai 34567, Hikvision 8000; `vendor_protocol` in `data/checks/policy.toml`). RTMP and
//! unrecognised greetings are not counted.

use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::policy::Policy;
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let policy = Policy::builtin();
    let hits = obs
        .vendor_ports
        .iter()
        .filter_map(|v| policy.vendor_protocol(&v.protocol).map(|p| (v, p)))
        .map(|(v, p)| Hit {
            port: Some(v.port),
            summary: format!(
                "{} private protocol ({}) answered on port {}",
                p.vendor, p.protocol, v.port
            ),
            evidence: json!({
                "port": v.port,
                "protocol": p.protocol,
                "vendor": p.vendor,
                "detail": bounded(&v.detail, MAX_FIELD_CHARS),
            }),
        })
        .collect();
    Evaluation::Ran(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::VendorPortObservation;

    #[test]
    fn sdk_ports_are_findings_rtmp_is_not() {
        let mut host = alive_host(80);
        host.vendor_ports.push(VendorPortObservation {
            port: 1935,
            protocol: "rtmp".into(),
            detail: "S0 version 3".into(),
        });
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        host.vendor_ports.push(VendorPortObservation {
            port: 37777,
            protocol: "dahua_dvrip".into(),
            detail: "login reply".into(),
        });
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].evidence["vendor"], "Dahua");
    }
}
