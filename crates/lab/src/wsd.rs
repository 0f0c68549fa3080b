//! WS-Discovery (SOAP-over-UDP, port 3702): answers a Probe whose Types (and Scopes, if any)
//! match the device with a ProbeMatches — `RelatesTo` = the probe's MessageID, the device's
//! ONVIF service address in XAddrs, its ONVIF scopes — and stays silent otherwise.
//!
//! Both the 2005/04 draft (`http://schemas.xmlsoap.org/ws/2005/04/discovery`, what ONVIF
//! devices and clients use) and WS-Discovery 1.1 (`…/ws-dd/ns/discovery/2009/01`) are
//! answered, each in its own namespaces. Datagrams are capped, parsed with roxmltree (DTDs
//! rejected, node count bounded).

use crate::device::Device;
use camguard_protocols::auth::xml_escape;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Largest Probe datagram considered.
pub const MAX_DATAGRAM: usize = 16 * 1024;
/// ONVIF NetworkVideoTransmitter namespace (`dn:`).
pub const NS_DN: &str = "http://www.onvif.org/ver10/network/wsdl";
/// ONVIF device service namespace (`tds:`).
pub const NS_TDS: &str = "http://www.onvif.org/ver10/device/wsdl";
const NS_SOAP: &str = "http://www.w3.org/2003/05/soap-envelope";
const MAX_ID: usize = 256;

/// A WS-Discovery version: its namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// Discovery namespace.
    pub discovery: &'static str,
    /// WS-Addressing namespace.
    pub addressing: &'static str,
    /// Anonymous reply address.
    pub anonymous: &'static str,
}

/// The 2005/04 draft (ONVIF).
pub const DRAFT_2005: Version = Version {
    discovery: "http://schemas.xmlsoap.org/ws/2005/04/discovery",
    addressing: "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    anonymous: "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous",
};

/// WS-Discovery 1.1 (OASIS 2009/01).
pub const V1_1: Version = Version {
    discovery: "http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01",
    addressing: "http://www.w3.org/2005/08/addressing",
    anonymous: "http://www.w3.org/2005/08/addressing/anonymous",
};

/// The device types a lab device claims.
const TYPES: [(&str, &str); 2] = [(NS_DN, "NetworkVideoTransmitter"), (NS_TDS, "Device")];

/// The parts of a Probe that decide the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Version of the probe's namespaces.
    pub version: Version,
    /// wsa:MessageID.
    pub message_id: String,
    /// Types, as (namespace, local name); `None` = an unresolvable prefix (matches nothing).
    pub types: Vec<Option<(String, String)>>,
    /// Scopes asked for.
    pub scopes: Vec<String>,
    /// Scope matching rule: `None` = RFC 3986 (default), `Some(true)` = strcmp0,
    /// `Some(false)` = a rule not supported (matches nothing).
    pub strcmp: Option<bool>,
}

/// Parse a datagram as a Probe; `None` for anything else (or anything malformed).
pub fn parse_probe(datagram: &[u8]) -> Option<Probe> {
    if datagram.len() > MAX_DATAGRAM {
        return None;
    }
    let text = std::str::from_utf8(datagram).ok()?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 4096,
    };
    let doc = roxmltree::Document::parse_with_options(text, opts).ok()?;
    let env = doc.root_element();
    if env.tag_name().name() != "Envelope" || env.tag_name().namespace() != Some(NS_SOAP) {
        return None;
    }
    let probe = env
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "Probe")?;
    let version = match probe.tag_name().namespace() {
        Some(ns) if ns == DRAFT_2005.discovery => DRAFT_2005,
        Some(ns) if ns == V1_1.discovery => V1_1,
        _ => return None,
    };
    let message_id = env
        .descendants()
        .find(|n| {
            n.is_element()
                && n.tag_name().name() == "MessageID"
                && n.tag_name().namespace() == Some(version.addressing)
        })?
        .text()?
        .trim()
        .to_string();
    if message_id.is_empty() || message_id.len() > MAX_ID {
        return None;
    }
    let child = |name: &str| {
        probe.children().find(|n| {
            n.is_element()
                && n.tag_name().name() == name
                && n.tag_name().namespace() == Some(version.discovery)
        })
    };
    let types = child("Types")
        .map(|t| {
            t.text()
                .unwrap_or("")
                .split_whitespace()
                .take(32)
                .map(|qname| {
                    let (prefix, local) = match qname.split_once(':') {
                        Some((p, l)) => (Some(p), l),
                        None => (None, qname),
                    };
                    let ns = t.lookup_namespace_uri(prefix)?;
                    Some((ns.to_string(), local.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    let (scopes, strcmp) = match child("Scopes") {
        Some(s) => {
            let rule = match s.attribute("MatchBy") {
                None => None,
                Some(r) if r == format!("{}/rfc3986", version.discovery) => None,
                Some(r) if r == format!("{}/strcmp0", version.discovery) => Some(true),
                Some(_) => Some(false),
            };
            let list = s
                .text()
                .unwrap_or("")
                .split_whitespace()
                .take(32)
                .map(str::to_string)
                .collect();
            (list, rule)
        }
        None => (Vec::new(), None),
    };
    Some(Probe {
        version,
        message_id,
        types,
        scopes,
        strcmp,
    })
}

/// True when the probe's Types and Scopes all match a device with `scopes`.
pub fn matches(probe: &Probe, scopes: &[String]) -> bool {
    let types_ok = probe.types.iter().all(|t| {
        t.as_ref()
            .is_some_and(|(ns, local)| TYPES.iter().any(|(n, l)| n == ns && l == local))
    });
    let scopes_ok = match probe.strcmp {
        Some(false) => probe.scopes.is_empty(),
        Some(true) => probe.scopes.iter().all(|s| scopes.contains(s)),
        None => probe
            .scopes
            .iter()
            .all(|want| scopes.iter().any(|have| rfc3986_match(want, have))),
    };
    types_ok && scopes_ok
}

/// WS-Discovery RFC 3986 scope matching: same scheme and authority (case-insensitive), and the
/// probe's path segments a prefix of the device scope's.
fn rfc3986_match(want: &str, have: &str) -> bool {
    let split = |s: &str| -> Option<(String, Vec<String>)> {
        let (scheme, rest) = s.split_once("://")?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let segments = path
            .split('/')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect();
        Some((
            format!(
                "{}://{}",
                scheme.to_ascii_lowercase(),
                authority.to_ascii_lowercase()
            ),
            segments,
        ))
    };
    match (split(want), split(have)) {
        (Some((wa, ws)), Some((ha, hs))) => wa == ha && hs.starts_with(&ws),
        _ => want == have,
    }
}

/// The ProbeMatches answer of a device to a matching probe (None when it does not match).
/// `XAddrs` names the ONVIF service under URL host `host` (the device's 127.x.y.z, or an IPv6
/// address in brackets).
pub fn answer(device: &Device, datagram: &[u8], host: &str) -> Option<String> {
    let probe = parse_probe(datagram)?;
    let scopes = crate::onvif::scope_items(device);
    if !matches(&probe, &scopes) {
        return None;
    }
    Some(probe_matches(
        &probe,
        &crate::ssdp::device_uuid(&device.spec.serial),
        &scopes,
        &format!("http://{host}:{}/onvif/device_service", device.onvif_port),
    ))
}

/// Render a ProbeMatches envelope.
pub fn probe_matches(probe: &Probe, uuid: &str, scopes: &[String], xaddr: &str) -> String {
    static INSTANCE: OnceLock<u64> = OnceLock::new();
    static NUMBER: AtomicU64 = AtomicU64::new(1);
    let instance = *INSTANCE.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(1)
    });
    let number = NUMBER.fetch_add(1, Ordering::Relaxed);
    let v = probe.version;
    let message_id = format!("urn:uuid:{}", random_uuid());
    let scopes = scopes.join(" ");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"{NS_SOAP}\" xmlns:wsa=\"{wsa}\" xmlns:wsd=\"{wsd}\" xmlns:dn=\"{NS_DN}\" xmlns:tds=\"{NS_TDS}\">\
<SOAP-ENV:Header>\
<wsa:MessageID>{message_id}</wsa:MessageID>\
<wsa:RelatesTo>{relates}</wsa:RelatesTo>\
<wsa:To SOAP-ENV:mustUnderstand=\"true\">{to}</wsa:To>\
<wsa:Action SOAP-ENV:mustUnderstand=\"true\">{wsd}/ProbeMatches</wsa:Action>\
<wsd:AppSequence InstanceId=\"{instance}\" MessageNumber=\"{number}\"/>\
</SOAP-ENV:Header>\
<SOAP-ENV:Body><wsd:ProbeMatches><wsd:ProbeMatch>\
<wsa:EndpointReference><wsa:Address>urn:uuid:{uuid}</wsa:Address></wsa:EndpointReference>\
<wsd:Types>dn:NetworkVideoTransmitter tds:Device</wsd:Types>\
<wsd:Scopes>{scopes}</wsd:Scopes>\
<wsd:XAddrs>{xaddr}</wsd:XAddrs>\
<wsd:MetadataVersion>1</wsd:MetadataVersion>\
</wsd:ProbeMatch></wsd:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>",
        wsa = v.addressing,
        wsd = v.discovery,
        relates = xml_escape(&probe.message_id),
        to = v.anonymous,
        scopes = xml_escape(&scopes),
        xaddr = xml_escape(xaddr),
    )
}

fn random_uuid() -> String {
    crate::identity::uuid_string(rand::random(), 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(ns: &str, wsa: &str, types: &str, scopes: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"{NS_SOAP}\" xmlns:a=\"{wsa}\" xmlns:d=\"{ns}\" \
             xmlns:dn=\"{NS_DN}\" xmlns:tds=\"{NS_TDS}\"><s:Header><a:MessageID>uuid:abc-1</a:MessageID>\
             <a:Action>{ns}/Probe</a:Action></s:Header><s:Body><d:Probe>{types}{scopes}</d:Probe></s:Body></s:Envelope>"
        )
    }

    fn scopes() -> Vec<String> {
        vec![
            "onvif://www.onvif.org/type/video_encoder".into(),
            "onvif://www.onvif.org/hardware/DS-2CD2143G0-I".into(),
            "onvif://www.onvif.org/name/HIKVISION".into(),
        ]
    }

    fn check(text: &str) -> Option<bool> {
        parse_probe(text.as_bytes()).map(|p| matches(&p, &scopes()))
    }

    #[test]
    fn types_decide() {
        let d = DRAFT_2005;
        let p = |t: &str| probe(d.discovery, d.addressing, t, "");
        assert_eq!(
            check(&p("<d:Types>dn:NetworkVideoTransmitter</d:Types>")),
            Some(true)
        );
        assert_eq!(check(&p("<d:Types>tds:Device</d:Types>")), Some(true));
        assert_eq!(
            check(&p(
                "<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>"
            )),
            Some(true)
        );
        assert_eq!(check(&p("")), Some(true), "no Types matches all");
        assert_eq!(check(&p("<d:Types>dn:Printer</d:Types>")), Some(false));
        assert_eq!(
            check(&p("<d:Types>zz:Device</d:Types>")),
            Some(false),
            "unknown prefix"
        );
        let wrong_ns = probe(
            d.discovery,
            d.addressing,
            "<d:Types xmlns:dn=\"urn:other\">dn:NetworkVideoTransmitter</d:Types>",
            "",
        );
        assert_eq!(check(&wrong_ns), Some(false));
        let v = V1_1;
        let p11 = probe(
            v.discovery,
            v.addressing,
            "<d:Types>dn:NetworkVideoTransmitter</d:Types>",
            "",
        );
        let parsed = parse_probe(p11.as_bytes()).expect("1.1");
        assert_eq!(parsed.version, V1_1);
    }

    #[test]
    fn scopes_match_by_prefix() {
        let d = DRAFT_2005;
        let p = |s: &str| probe(d.discovery, d.addressing, "", s);
        assert_eq!(
            check(&p("<d:Scopes>onvif://www.onvif.org/hardware</d:Scopes>")),
            Some(true)
        );
        assert_eq!(
            check(&p(
                "<d:Scopes>onvif://www.onvif.org/hardware/DS-2CD2143G0-I</d:Scopes>"
            )),
            Some(true)
        );
        assert_eq!(
            check(&p(
                "<d:Scopes>onvif://www.onvif.org/hardware/DS-2CD</d:Scopes>"
            )),
            Some(false)
        );
        assert_eq!(
            check(&p(
                "<d:Scopes>onvif://www.onvif.org/location/city/hanoi</d:Scopes>"
            )),
            Some(false)
        );
        let strcmp = format!(
            "<d:Scopes MatchBy=\"{}/strcmp0\">onvif://www.onvif.org/hardware</d:Scopes>",
            d.discovery
        );
        assert_eq!(check(&p(&strcmp)), Some(false));
    }

    #[test]
    fn hostile_datagrams_are_ignored() {
        assert!(parse_probe(b"").is_none());
        assert!(parse_probe(&[0xff, 0xfe, 0x00]).is_none());
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">&b;</s:Envelope>";
        assert!(parse_probe(bomb.as_bytes()).is_none());
        let deep = format!("{}{}", "<a>".repeat(5000), "</a>".repeat(5000));
        assert!(parse_probe(deep.as_bytes()).is_none());
        let d = DRAFT_2005;
        let no_id = probe(d.discovery, d.addressing, "", "")
            .replace("<a:MessageID>uuid:abc-1</a:MessageID>", "");
        assert!(parse_probe(no_id.as_bytes()).is_none());
    }

    #[test]
    fn answer_relates_to_the_probe() {
        let d = DRAFT_2005;
        let p = parse_probe(probe(d.discovery, d.addressing, "", "").as_bytes()).expect("probe");
        let xml = probe_matches(
            &p,
            "u-1",
            &scopes(),
            "http://127.0.0.1/onvif/device_service",
        );
        let doc = roxmltree::Document::parse(&xml).expect("well-formed");
        let find = |name: &str| {
            doc.descendants()
                .find(|n| n.tag_name().name() == name)
                .and_then(|n| n.text())
                .map(str::to_string)
        };
        assert_eq!(find("RelatesTo").as_deref(), Some("uuid:abc-1"));
        assert_eq!(
            find("XAddrs").as_deref(),
            Some("http://127.0.0.1/onvif/device_service")
        );
        assert!(find("Action").is_some_and(|a| a.ends_with("/ProbeMatches")));
    }
}
