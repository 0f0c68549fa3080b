//! Unicast discovery probes: SSDP `M-SEARCH` (UPnP Device Architecture 1.1 §1.3.2, unicast
//! form) to `<host>:1900/udp`, WS-Discovery `Probe` (WS-Discovery 2005/04 as used by ONVIF
//! Core §7) to `<host>:3702/udp`, and the parsers of their answers and of the UPnP device
//! description.
//!
//! Datagrams go to the scanned address only (a connected UDP socket: replies from anywhere
//! else are dropped by the kernel); nothing is ever sent to a multicast group. Replies are
//! bounded ([`MAX_DATAGRAM`], [`MAX_REPLIES`]) and read under a short deadline; XML is parsed
//! with roxmltree, DTDs rejected and the node count bounded.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::net::UdpSocket;

/// Largest reply datagram considered (larger ones are cut and fail to parse).
pub const MAX_DATAGRAM: usize = 16 * 1024;
/// Most replies read per probe.
pub const MAX_REPLIES: usize = 8;
/// Most XML nodes parsed.
const MAX_NODES: u32 = 4096;
/// Longest field kept, in characters.
const MAX_FIELD: usize = 256;
/// Most types/scopes kept.
const MAX_ITEMS: usize = 32;

const NS_SOAP: &str = "http://www.w3.org/2003/05/soap-envelope";
const NS_WSD: &str = "http://schemas.xmlsoap.org/ws/2005/04/discovery";
const NS_WSA: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
const NS_DN: &str = "http://www.onvif.org/ver10/network/wsdl";

/// Why a reply was not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    /// Not an SSDP answer.
    #[error("not an SSDP answer: {0:?}")]
    NotSsdp(String),
    /// XML refused (malformed, DTD, too many nodes) or not the expected document.
    #[error("unusable XML: {0}")]
    Xml(String),
}

fn field(s: &str) -> String {
    camguard_model::sanitize_text(s.trim().as_bytes(), MAX_FIELD)
}

/// A unicast `M-SEARCH` for `ssdp:all` addressed to `target`.
pub fn msearch(target: SocketAddr) -> String {
    format!(
        "M-SEARCH * HTTP/1.1\r\nHOST: {target}\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\n\
         ST: ssdp:all\r\nUSER-AGENT: camguard/{} UPnP/1.1\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// The headers of one SSDP answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SsdpReply {
    /// `SERVER`.
    pub server: Option<String>,
    /// `LOCATION`.
    pub location: Option<String>,
    /// `ST`.
    pub st: Option<String>,
    /// `USN`.
    pub usn: Option<String>,
}

/// Parse an SSDP answer (`HTTP/1.1 200 OK` and headers).
pub fn parse_ssdp_reply(datagram: &[u8]) -> Result<SsdpReply, DiscoveryError> {
    let datagram = &datagram[..datagram.len().min(MAX_DATAGRAM)];
    let text = String::from_utf8_lossy(datagram);
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let first = lines.next().unwrap_or("");
    let mut parts = first.split_whitespace();
    let proto = parts.next().unwrap_or("");
    if !proto.starts_with("HTTP/1.") || parts.next() != Some("200") {
        return Err(DiscoveryError::NotSsdp(camguard_model::sanitize_text(
            first.as_bytes(),
            40,
        )));
    }
    let mut reply = SsdpReply::default();
    for line in lines.take(64) {
        if line.is_empty() {
            break;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let slot = match k.trim().to_ascii_uppercase().as_str() {
            "SERVER" => &mut reply.server,
            "LOCATION" => &mut reply.location,
            "ST" => &mut reply.st,
            "USN" => &mut reply.usn,
            _ => continue,
        };
        slot.get_or_insert_with(|| field(v));
    }
    Ok(reply)
}

/// `(host, port, path)` of an `http://` URL; `None` for anything else.
pub fn split_http_url(url: &str) -> Option<(String, u16, String)> {
    let rest = url.trim().strip_prefix("http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    if authority.contains('@') {
        return None;
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, tail) = v6.split_once(']')?;
        let port = match tail.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if tail.is_empty() => 80,
            None => return None,
        };
        (h.to_string(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().ok()?),
            None => (authority.to_string(), 80),
        }
    };
    Some((host, port, path))
}

/// The port and path of `location` when it points at `host` itself (never elsewhere).
pub fn location_on_host(location: &str, host: IpAddr) -> Option<(u16, String)> {
    let (h, port, path) = split_http_url(location)?;
    let ip: IpAddr = h.parse().ok()?;
    (ip == host).then_some((port, path))
}

/// Identity fields of a UPnP device description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpnpDescription {
    /// `friendlyName`.
    pub friendly_name: Option<String>,
    /// `manufacturer`.
    pub manufacturer: Option<String>,
    /// `modelName`.
    pub model_name: Option<String>,
    /// `modelNumber`.
    pub model_number: Option<String>,
    /// `serialNumber`.
    pub serial: Option<String>,
}

/// Deepest element nesting accepted (discovery documents nest a few levels).
const MAX_DEPTH: usize = 64;

/// Upper bound of the element nesting of `text`, counted without parsing (a start tag
/// deepens, an end tag or `/>` returns). Refusing deep documents before roxmltree keeps its
/// recursion off the stack limit.
fn nesting_depth(text: &str) -> usize {
    let b = text.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    for i in 0..b.len() {
        match (b[i], b.get(i + 1)) {
            (b'<', Some(b'/')) | (b'/', Some(b'>')) => depth = depth.saturating_sub(1),
            (b'<', Some(c)) if !matches!(c, b'?' | b'!') => {
                depth += 1;
                max = max.max(depth);
            }
            _ => {}
        }
    }
    max
}

fn parse_xml(text: &str) -> Result<roxmltree::Document<'_>, DiscoveryError> {
    if nesting_depth(text) > MAX_DEPTH {
        return Err(DiscoveryError::Xml(format!(
            "elements nested deeper than {MAX_DEPTH}"
        )));
    }
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
    };
    roxmltree::Document::parse_with_options(text, opts)
        .map_err(|e| DiscoveryError::Xml(e.to_string()))
}

/// Parse a UPnP device description (the first `device` element's identity fields).
pub fn parse_description(xml: &[u8]) -> Result<UpnpDescription, DiscoveryError> {
    let text = std::str::from_utf8(xml).map_err(|_| DiscoveryError::Xml("not UTF-8".into()))?;
    let doc = parse_xml(text)?;
    let device = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "device")
        .ok_or_else(|| DiscoveryError::Xml("no device element".into()))?;
    let child = |name: &str| {
        device
            .children()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(field)
            .filter(|s| !s.is_empty())
    };
    Ok(UpnpDescription {
        friendly_name: child("friendlyName"),
        manufacturer: child("manufacturer"),
        model_name: child("modelName"),
        model_number: child("modelNumber"),
        serial: child("serialNumber"),
    })
}

/// A WS-Discovery Probe for ONVIF NetworkVideoTransmitters with `message_id`
/// (`urn:uuid:…`).
pub fn wsd_probe(message_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<s:Envelope xmlns:s=\"{NS_SOAP}\" xmlns:a=\"{NS_WSA}\" xmlns:d=\"{NS_WSD}\" xmlns:dn=\"{NS_DN}\">\
<s:Header><a:MessageID>{message_id}</a:MessageID>\
<a:To s:mustUnderstand=\"true\">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>\
<a:Action s:mustUnderstand=\"true\">{NS_WSD}/Probe</a:Action></s:Header>\
<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>"
    )
}

/// One ProbeMatch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeMatch {
    /// Types (qualified names as written).
    pub types: Vec<String>,
    /// Scopes.
    pub scopes: Vec<String>,
    /// XAddrs.
    pub xaddrs: Vec<String>,
}

/// Parse a ProbeMatches answer. With `relates_to`, an answer whose `RelatesTo` differs is
/// refused (it answers someone else's probe).
pub fn parse_probe_matches(
    datagram: &[u8],
    relates_to: Option<&str>,
) -> Result<Vec<ProbeMatch>, DiscoveryError> {
    if datagram.len() > MAX_DATAGRAM {
        return Err(DiscoveryError::Xml("datagram too large".into()));
    }
    let text =
        std::str::from_utf8(datagram).map_err(|_| DiscoveryError::Xml("not UTF-8".into()))?;
    let doc = parse_xml(text)?;
    let env = doc.root_element();
    if env.tag_name().name() != "Envelope" {
        return Err(DiscoveryError::Xml("not a SOAP envelope".into()));
    }
    if let Some(want) = relates_to {
        let got = env
            .descendants()
            .find(|n| n.is_element() && n.tag_name().name() == "RelatesTo")
            .and_then(|n| n.text())
            .map(str::trim);
        if got != Some(want) {
            return Err(DiscoveryError::Xml(
                "RelatesTo does not name our probe".into(),
            ));
        }
    }
    let matches_el = env
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "ProbeMatches")
        .ok_or_else(|| DiscoveryError::Xml("no ProbeMatches".into()))?;
    let list = |m: roxmltree::Node<'_, '_>, name: &str| -> Vec<String> {
        m.children()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(|t| t.split_whitespace().take(MAX_ITEMS).map(field).collect())
            .unwrap_or_default()
    };
    Ok(matches_el
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() == "ProbeMatch")
        .take(MAX_REPLIES)
        .map(|m| ProbeMatch {
            types: list(m, "Types"),
            scopes: list(m, "Scopes"),
            xaddrs: list(m, "XAddrs"),
        })
        .collect())
}

/// Percent-decode a scope segment (invalid escapes are kept as written).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    camguard_model::sanitize_text(&out, MAX_FIELD)
}

/// The value of an ONVIF scope `onvif://www.onvif.org/<key>/<value>` among `scopes`.
pub fn onvif_scope(scopes: &[String], key: &str) -> Option<String> {
    let prefix = format!("onvif://www.onvif.org/{key}/");
    scopes.iter().find_map(|s| {
        let v = s.strip_prefix(&prefix)?;
        (!v.is_empty() && s.is_char_boundary(prefix.len())).then(|| percent_decode(v))
    })
}

/// Send `datagram` to `target` from a connected UDP socket and collect up to
/// [`MAX_REPLIES`] replies (each at most [`MAX_DATAGRAM`] bytes) until `wait` elapses.
/// An ICMP port-unreachable ends the wait at once (no replies).
pub async fn udp_exchange(
    target: SocketAddr,
    datagram: &[u8],
    wait: Duration,
) -> std::io::Result<Vec<Vec<u8>>> {
    let local: SocketAddr = match target {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local).await?;
    socket.connect(target).await?;
    socket.send(datagram).await?;
    let end = tokio::time::Instant::now() + wait;
    let mut replies = Vec::new();
    let mut buf = vec![0u8; MAX_DATAGRAM];
    while replies.len() < MAX_REPLIES {
        match tokio::time::timeout_at(end, socket.recv(&mut buf)).await {
            Err(_) => break,
            Ok(Ok(n)) => replies.push(buf[..n].to_vec()),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
            Ok(Err(e)) => return Err(e),
        }
    }
    Ok(replies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssdp_replies() {
        let r = parse_ssdp_reply(
            b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: http://127.0.0.1:49152/rootDesc.xml\r\nSERVER: Linux/3.0.8, UPnP/1.0\r\nST: upnp:rootdevice\r\nUSN: uuid:x::upnp:rootdevice\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            r.location.as_deref(),
            Some("http://127.0.0.1:49152/rootDesc.xml")
        );
        assert_eq!(r.server.as_deref(), Some("Linux/3.0.8, UPnP/1.0"));
        assert_eq!(r.st.as_deref(), Some("upnp:rootdevice"));
        assert!(parse_ssdp_reply(b"NOTIFY * HTTP/1.1\r\n\r\n").is_err());
        assert!(parse_ssdp_reply(b"").is_err());
        assert!(parse_ssdp_reply(&[0xff; 100]).is_err());
    }

    #[test]
    fn location_must_point_at_the_scanned_host() {
        let host: IpAddr = "127.0.0.5".parse().unwrap();
        assert_eq!(
            location_on_host("http://127.0.0.5:49152/d.xml", host),
            Some((49152, "/d.xml".to_string()))
        );
        assert_eq!(location_on_host("http://127.0.0.6:49152/d.xml", host), None);
        assert_eq!(location_on_host("http://evil.example/d.xml", host), None);
        assert_eq!(location_on_host("http://u@127.0.0.5/d.xml", host), None);
        assert_eq!(location_on_host("https://127.0.0.5/d.xml", host), None);
        assert_eq!(location_on_host("http://127.0.0.5:99999/", host), None);
        assert_eq!(
            location_on_host("http://[::1]:80/x", "::1".parse().unwrap()),
            Some((80, "/x".to_string()))
        );
    }

    #[test]
    fn descriptions_and_probe_matches() {
        let d = parse_description(b"<?xml version=\"1.0\"?><root xmlns=\"urn:schemas-upnp-org:device-1-0\"><device><friendlyName>Cam</friendlyName><manufacturer>Hikvision</manufacturer><modelName>DS-2CD</modelName><serialNumber>ABC</serialNumber></device></root>").unwrap();
        assert_eq!(d.manufacturer.as_deref(), Some("Hikvision"));
        assert_eq!(d.serial.as_deref(), Some("ABC"));
        assert_eq!(d.model_number, None);
        let bomb = b"<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\">]><root>&a;</root>";
        assert!(parse_description(bomb).is_err());
        let deep = format!("{}{}", "<a>".repeat(5000), "</a>".repeat(5000));
        assert!(parse_description(deep.as_bytes()).is_err());

        let m = format!("<s:Envelope xmlns:s=\"{NS_SOAP}\" xmlns:a=\"{NS_WSA}\" xmlns:d=\"{NS_WSD}\"><s:Header><a:RelatesTo>urn:uuid:1</a:RelatesTo></s:Header><s:Body><d:ProbeMatches><d:ProbeMatch><d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types><d:Scopes>onvif://www.onvif.org/hardware/DS%2D2 onvif://www.onvif.org/name/HIKVISION</d:Scopes><d:XAddrs>http://127.0.0.1/onvif/device_service</d:XAddrs></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>");
        let got = parse_probe_matches(m.as_bytes(), Some("urn:uuid:1")).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].types.len(), 2);
        assert_eq!(
            onvif_scope(&got[0].scopes, "hardware").as_deref(),
            Some("DS-2")
        );
        assert_eq!(
            onvif_scope(&got[0].scopes, "name").as_deref(),
            Some("HIKVISION")
        );
        assert!(parse_probe_matches(m.as_bytes(), Some("urn:uuid:2")).is_err());
        assert!(parse_probe_matches(b"<x/>", None).is_err());
        assert_eq!(percent_decode("a%"), "a%");
        assert_eq!(percent_decode("a%4"), "a%4");
        assert_eq!(percent_decode("%41%zz"), "A%zz");
    }
}
