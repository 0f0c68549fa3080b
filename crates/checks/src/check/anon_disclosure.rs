//! `SURF.ANON_DISCLOSURE`: model, firmware version or serial number disclosed without
//! authentication through a channel other than ONVIF `GetDeviceInformation`:
//!
//! * the UPnP device description an SSDP answer points at (`modelName`/`modelNumber`,
//!   `serialNumber`);
//! * WS-Discovery scopes (`onvif://www.onvif.org/hardware/<model>`);
//! * FTP and Telnet banners holding a firmware-like version (`banner_version` in
//!   `data/checks/policy.toml`).
//!
//! No double counting: ONVIF `GetDeviceInformation` belongs to `SURF.ANON_DEVICEINFO` alone,
//! and this check never looks at it. Each channel is one finding, so each finding names the
//! one thing to switch off. Manufacturer names and friendly names alone do not count (the
//! vendor shows in many places; what helps an attacker is the exact model and firmware).

use crate::evidence::{bounded, mask_serial, MAX_FIELD_CHARS};
use crate::policy::Policy;
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::{BannerObservation, HostObservation};
use serde_json::{json, Map, Value};

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let mut hits = Vec::new();
    for d in &obs.discovery {
        let mut fields = Map::new();
        if let Some(model) = non_empty(&d.model) {
            fields.insert(
                "model".into(),
                Value::String(bounded(model, MAX_FIELD_CHARS)),
            );
        }
        if let Some(serial) = non_empty(&d.serial) {
            fields.insert("serial_masked".into(), Value::String(mask_serial(serial)));
        }
        if fields.is_empty() {
            continue;
        }
        let channel = match d.protocol.as_str() {
            "ssdp" => "upnp_description",
            "ws_discovery" => "ws_discovery_scopes",
            _ => continue,
        };
        hits.push(hit(channel, d.port, fields));
    }
    let policy = Policy::builtin();
    for (channel, banners) in [("ftp_banner", &obs.ftp), ("telnet_banner", &obs.telnet)] {
        for b in banners.iter() {
            if let Some(h) = banner_hit(policy, channel, b) {
                hits.push(h);
            }
        }
    }
    Evaluation::Ran(hits)
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.trim().is_empty())
}

fn banner_hit(policy: &Policy, channel: &str, b: &BannerObservation) -> Option<Hit> {
    let version = policy.banner_has_version(&b.banner)?;
    let mut fields = Map::new();
    fields.insert("firmware".into(), Value::String(version));
    fields.insert(
        "banner".into(),
        Value::String(bounded(&b.banner, MAX_FIELD_CHARS)),
    );
    Some(hit(channel, b.port, fields))
}

fn hit(channel: &str, port: u16, fields: Map<String, Value>) -> Hit {
    let names: Vec<&str> = fields
        .keys()
        .filter(|k| k.as_str() != "banner")
        .map(|k| k.strip_suffix("_masked").unwrap_or(k))
        .collect();
    Hit {
        port: Some(port),
        summary: format!(
            "{} on port {port} discloses {} without authentication",
            channel.replace('_', " "),
            names.join(", ")
        ),
        evidence: json!({
            "channel": channel,
            "port": port,
            "authenticated": false,
            "disclosed": fields,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::{DeviceInfo, DiscoveryObservation, OnvifObservation};

    fn hits(host: &HostObservation) -> Vec<Hit> {
        match evaluate(host, &CheckOptions::default()) {
            Evaluation::Ran(h) => h,
            Evaluation::Inconclusive => panic!("always conclusive"),
        }
    }

    #[test]
    fn upnp_description_wsd_scopes_and_ftp_banner_are_findings() {
        let mut host = alive_host(80);
        host.discovery.push(DiscoveryObservation {
            protocol: "ssdp".into(),
            port: 1900,
            manufacturer: Some("Hikvision".into()),
            model: Some("DS-2CD2042WD-I".into()),
            serial: Some("DS-2CD2042WD-I20170101AAWR123456789".into()),
            ..Default::default()
        });
        host.discovery.push(DiscoveryObservation {
            protocol: "ws_discovery".into(),
            port: 3702,
            model: Some("DS-2CD2042WD-I".into()),
            ..Default::default()
        });
        host.ftp.push(BannerObservation {
            port: 21,
            banner: "220 AXIS M3045-V Network Camera 5.40.9.2 (Oct 15 2019) ready.".into(),
        });
        let found = hits(&host);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].evidence["channel"], "upnp_description");
        assert!(!found[0].evidence.to_string().contains("123456789"));
        assert!(found[0].summary.contains("model, serial"));
        assert_eq!(found[1].evidence["channel"], "ws_discovery_scopes");
        assert_eq!(found[2].evidence["disclosed"]["firmware"], "5.40.9.2");
    }

    #[test]
    fn regression_anonymous_onvif_device_info_is_not_counted_twice() {
        // SURF.ANON_DEVICEINFO owns GetDeviceInformation; this check must ignore it.
        let mut host = alive_host(80);
        host.onvif = Some(OnvifObservation {
            port: 80,
            device_info_anonymous: Some(DeviceInfo {
                model: Some("DS-2CD2042WD-I".into()),
                firmware: Some("V5.4.5 build 170124".into()),
                ..Default::default()
            }),
            ..Default::default()
        });
        // Manufacturer-only discovery answers and version-less banners disclose nothing.
        host.discovery.push(DiscoveryObservation {
            protocol: "ssdp".into(),
            port: 1900,
            manufacturer: Some("Dahua".into()),
            ..Default::default()
        });
        host.ssh.push(BannerObservation {
            port: 22,
            banner: "SSH-2.0-dropbear_2019.78".into(),
        });
        host.telnet.push(BannerObservation {
            port: 23,
            banner: "(none) login: ".into(),
        });
        assert!(hits(&host).is_empty());
    }
}
