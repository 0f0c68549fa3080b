//! ONVIF SOAP 1.2 client: GetSystemDateAndTime, GetDeviceInformation, GetCapabilities,
//! GetProfiles and GetStreamUri, each optionally with a WS-Security UsernameToken.
//!
//! Answers are parsed with roxmltree after the body is capped ([`MAX_SOAP_BODY`]); elements
//! are matched by local name because namespace prefixes differ between vendors. Documents
//! with a DTD or entity declarations are rejected before parsing. Addresses in answers
//! (XAddrs, stream URIs) are never connected to: only their path is reused on the address
//! that was scanned.

use crate::auth::{self, Credentials};
use crate::http::{self, ClientOptions, ProtoError};
use camguard_model::DeviceInfo;
use rand::RngCore;
use roxmltree::{Document, Node};
use std::net::SocketAddr;

/// Largest SOAP answer accepted.
pub const MAX_SOAP_BODY: usize = 256 * 1024;
/// Path of the ONVIF device service.
pub const DEVICE_SERVICE: &str = "/onvif/device_service";

const NS_DEVICE: &str = "http://www.onvif.org/ver10/device/wsdl";
const NS_MEDIA: &str = "http://www.onvif.org/ver10/media/wsdl";
const NS_SCHEMA: &str = "http://www.onvif.org/ver10/schema";

/// A media profile from `GetProfiles`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Profile token.
    pub token: String,
    /// Profile name.
    pub name: Option<String>,
}

/// Service addresses from `GetCapabilities`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Media service XAddr.
    pub media_xaddr: Option<String>,
    /// Device service XAddr.
    pub device_xaddr: Option<String>,
}

/// An ONVIF client bound to one scanned address.
#[derive(Debug, Clone)]
pub struct OnvifClient {
    addr: SocketAddr,
    host: String,
    opts: ClientOptions,
    /// Device clock minus local clock, applied to WS-Security `Created` (cameras with a
    /// wrong clock otherwise reject every token).
    pub clock_offset: chrono::Duration,
}

impl OnvifClient {
    /// A client for `addr`.
    pub fn new(addr: SocketAddr, opts: &ClientOptions) -> Self {
        let mut opts = opts.clone();
        opts.limits.max_body = opts.limits.max_body.min(MAX_SOAP_BODY);
        Self {
            addr,
            host: http::host_header(addr),
            opts,
            clock_offset: chrono::Duration::zero(),
        }
    }

    /// Send one SOAP request (operation `op` of the service namespace `ns`) to `path` and
    /// return the parsed-and-checked body text.
    async fn call(
        &self,
        path: &str,
        (ns, op): (&str, &str),
        body: &str,
        creds: Option<&Credentials>,
    ) -> Result<String, ProtoError> {
        let action = format!("{ns}/{op}");
        let header = creds.map(|c| {
            let mut nonce = [0u8; 16];
            rand::thread_rng().fill_bytes(&mut nonce);
            let created = (chrono::Utc::now() + self.clock_offset)
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            auth::wsse_security_header(&c.username, &c.password, &nonce, &created)
        });
        let env = envelope(header.as_deref(), body);
        let m =
            http::post_soap(self.addr, &self.host, path, Some(&action), &env, &self.opts).await?;
        let status = http::status_code(&m).unwrap_or(0);
        // An answer declared as XML whose document is refused is worth reporting as such;
        // an HTML error page that fails to parse is just not ONVIF.
        let declared_xml = m
            .header("Content-Type")
            .is_some_and(|t| t.to_ascii_lowercase().contains("xml"));
        let refused = |e: ProtoError| match e {
            ProtoError::Xml(why) if declared_xml => ProtoError::RefusedSoap(why),
            e => e,
        };
        if m.body_truncated {
            return Err(refused(ProtoError::Xml(format!(
                "answer larger than {} bytes",
                self.opts.limits.max_body
            ))));
        }
        let text = String::from_utf8_lossy(&m.body).into_owned();
        if (200..300).contains(&status) {
            // Some devices answer a fault with 200.
            check_fault(&text).map_err(refused)?;
            return Ok(text);
        }
        // A fault document explains the refusal better than the status.
        if !text.is_empty() {
            check_fault(&text).map_err(refused)?;
        }
        match status {
            401 | 403 => Err(ProtoError::NotAuthorized(format!("HTTP {status}"))),
            400 => Err(ProtoError::Fault {
                code: "HTTP 400".into(),
                reason: "bad request".into(),
            }),
            s => Err(ProtoError::Unexpected(format!("HTTP {s}"))),
        }
    }

    /// `GetSystemDateAndTime` (never needs credentials): UTC date-time in ISO 8601.
    pub async fn get_system_date_and_time(&self, path: &str) -> Result<String, ProtoError> {
        let body = format!("<tds:GetSystemDateAndTime xmlns:tds=\"{NS_DEVICE}\"/>");
        let text = self
            .call(path, (NS_DEVICE, "GetSystemDateAndTime"), &body, None)
            .await?;
        parse_system_date_and_time(&text)
    }

    /// `GetDeviceInformation`, anonymously or with WS-Security.
    pub async fn get_device_information(
        &self,
        path: &str,
        creds: Option<&Credentials>,
    ) -> Result<DeviceInfo, ProtoError> {
        let body = format!("<tds:GetDeviceInformation xmlns:tds=\"{NS_DEVICE}\"/>");
        let text = self
            .call(path, (NS_DEVICE, "GetDeviceInformation"), &body, creds)
            .await?;
        parse_device_information(&text)
    }

    /// `GetCapabilities` (category All).
    pub async fn get_capabilities(
        &self,
        path: &str,
        creds: Option<&Credentials>,
    ) -> Result<Capabilities, ProtoError> {
        let body = format!(
            "<tds:GetCapabilities xmlns:tds=\"{NS_DEVICE}\"><tds:Category>All</tds:Category></tds:GetCapabilities>"
        );
        let text = self
            .call(path, (NS_DEVICE, "GetCapabilities"), &body, creds)
            .await?;
        parse_capabilities(&text)
    }

    /// `GetProfiles` of the media service at `media_path`.
    pub async fn get_profiles(
        &self,
        media_path: &str,
        creds: Option<&Credentials>,
    ) -> Result<Vec<Profile>, ProtoError> {
        let body = format!("<trt:GetProfiles xmlns:trt=\"{NS_MEDIA}\"/>");
        let text = self
            .call(media_path, (NS_MEDIA, "GetProfiles"), &body, creds)
            .await?;
        parse_profiles(&text)
    }

    /// `GetStreamUri` (RTP-Unicast over RTSP) of one profile.
    pub async fn get_stream_uri(
        &self,
        media_path: &str,
        profile_token: &str,
        creds: Option<&Credentials>,
    ) -> Result<String, ProtoError> {
        let body = format!(
            concat!(
                "<trt:GetStreamUri xmlns:trt=\"{m}\" xmlns:tt=\"{s}\">",
                "<trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream>",
                "<tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>",
                "<trt:ProfileToken>{t}</trt:ProfileToken></trt:GetStreamUri>"
            ),
            m = NS_MEDIA,
            s = NS_SCHEMA,
            t = auth::xml_escape(profile_token)
        );
        let text = self
            .call(media_path, (NS_MEDIA, "GetStreamUri"), &body, creds)
            .await?;
        parse_stream_uri(&text)
    }

    /// `GetSnapshotUri` of a profile (ONVIF Media): the HTTP URL of a JPEG snapshot.
    pub async fn get_snapshot_uri(
        &self,
        media_path: &str,
        profile_token: &str,
        creds: Option<&Credentials>,
    ) -> Result<String, ProtoError> {
        let body = format!(
            "<trt:GetSnapshotUri xmlns:trt=\"{m}\"><trt:ProfileToken>{t}</trt:ProfileToken></trt:GetSnapshotUri>",
            m = NS_MEDIA,
            t = auth::xml_escape(profile_token)
        );
        let text = self
            .call(media_path, (NS_MEDIA, "GetSnapshotUri"), &body, creds)
            .await?;
        parse_snapshot_uri(&text)
    }
}

/// A SOAP 1.2 envelope around `body`, with an optional security header.
pub fn envelope(security: Option<&str>, body: &str) -> String {
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">",
            "<s:Header>{h}</s:Header><s:Body>{b}</s:Body></s:Envelope>"
        ),
        h = security.unwrap_or(""),
        b = body
    )
}

/// Parse a SOAP answer safely: size cap, no DTD, no entity declarations.
pub fn parse_document(text: &str) -> Result<Document<'_>, ProtoError> {
    if text.len() > MAX_SOAP_BODY {
        return Err(ProtoError::Xml(format!(
            "document larger than {MAX_SOAP_BODY} bytes"
        )));
    }
    let upper_probe = text.contains("<!DOCTYPE")
        || text.contains("<!doctype")
        || text.contains("<!ENTITY")
        || text.contains("<!entity");
    if upper_probe {
        return Err(ProtoError::Xml(
            "document declares a DTD or entities (rejected)".into(),
        ));
    }
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 100_000,
    };
    Document::parse_with_options(text, opts).map_err(|e| ProtoError::Xml(e.to_string()))
}

/// Return an error when the document is a SOAP fault (NotAuthorized faults become
/// [`ProtoError::NotAuthorized`]); Ok for anything else, including unparsable text (the
/// caller's parser reports that).
pub fn check_fault(text: &str) -> Result<(), ProtoError> {
    let doc = parse_document(text)?;
    let Some(fault) = find(doc.root(), "Fault") else {
        return Ok(());
    };
    // SOAP 1.2: Code/Value, Code/Subcode/Value…; SOAP 1.1: faultcode.
    let codes: Vec<String> = fault
        .descendants()
        .filter(|n| n.is_element() && (local(n) == "Value" || local(n) == "faultcode"))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_string())
        .take(4)
        .collect();
    let reason = find(fault, "Text")
        .or_else(|| find(fault, "faultstring"))
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    let code = sanitize(&codes.join(" / "));
    let reason = sanitize(&reason);
    let not_authorized = codes.iter().any(|c| {
        let l = c.rsplit(':').next().unwrap_or(c);
        l.eq_ignore_ascii_case("NotAuthorized")
            || l.eq_ignore_ascii_case("FailedAuthentication")
            || l.eq_ignore_ascii_case("InvalidSecurity")
            || l.eq_ignore_ascii_case("FailedCheck")
    }) || reason.to_ascii_lowercase().contains("not authorized");
    if not_authorized {
        Err(ProtoError::NotAuthorized(format!("SOAP fault {code}")))
    } else {
        Err(ProtoError::Fault { code, reason })
    }
}

fn local<'a>(n: &Node<'a, '_>) -> &'a str {
    n.tag_name().name()
}

fn find<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.descendants()
        .find(|d| d.is_element() && d.tag_name().name() == name)
}

fn sanitize(s: &str) -> String {
    camguard_model::sanitize_text(s.as_bytes(), 256)
}

fn text_of(n: Node<'_, '_>, name: &str) -> Option<String> {
    find(n, name)
        .and_then(|e| e.text())
        .map(|t| sanitize(t.trim()))
        .filter(|t| !t.is_empty())
}

fn body_child<'a, 'i>(doc: &'a Document<'i>, name: &str) -> Result<Node<'a, 'i>, ProtoError> {
    let body = find(doc.root(), "Body").ok_or_else(|| ProtoError::Xml("no SOAP Body".into()))?;
    find(body, name).ok_or_else(|| ProtoError::Xml(format!("no {name} in the answer")))
}

/// `GetSystemDateAndTimeResponse` → UTC date-time `YYYY-MM-DDTHH:MM:SSZ` (falls back to
/// LocalDateTime when UTC is missing).
pub fn parse_system_date_and_time(text: &str) -> Result<String, ProtoError> {
    check_fault(text)?;
    let doc = parse_document(text)?;
    let r = body_child(&doc, "GetSystemDateAndTimeResponse")?;
    let dt = find(r, "UTCDateTime")
        .or_else(|| find(r, "LocalDateTime"))
        .ok_or_else(|| ProtoError::Xml("no UTCDateTime".into()))?;
    let num = |parent: &str, name: &str| -> Option<u32> {
        find(dt, parent)
            .and_then(|p| text_of(p, name))
            .and_then(|t| t.parse().ok())
    };
    let (Some(y), Some(mo), Some(d)) = (
        num("Date", "Year"),
        num("Date", "Month"),
        num("Date", "Day"),
    ) else {
        return Err(ProtoError::Xml("incomplete Date".into()));
    };
    let h = num("Time", "Hour").unwrap_or(0);
    let mi = num("Time", "Minute").unwrap_or(0);
    let s = num("Time", "Second").unwrap_or(0);
    if mo > 12 || d > 31 || h > 23 || mi > 59 || s > 60 || y > 9999 {
        return Err(ProtoError::Xml("date-time out of range".into()));
    }
    Ok(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"))
}

/// `GetDeviceInformationResponse` → [`DeviceInfo`].
pub fn parse_device_information(text: &str) -> Result<DeviceInfo, ProtoError> {
    check_fault(text)?;
    let doc = parse_document(text)?;
    let r = body_child(&doc, "GetDeviceInformationResponse")?;
    Ok(DeviceInfo {
        manufacturer: text_of(r, "Manufacturer"),
        model: text_of(r, "Model"),
        firmware: text_of(r, "FirmwareVersion"),
        serial: text_of(r, "SerialNumber"),
        hardware_id: text_of(r, "HardwareId"),
    })
}

/// `GetCapabilitiesResponse` → media and device XAddrs.
pub fn parse_capabilities(text: &str) -> Result<Capabilities, ProtoError> {
    check_fault(text)?;
    let doc = parse_document(text)?;
    let r = body_child(&doc, "GetCapabilitiesResponse")?;
    let xaddr = |section: &str| find(r, section).and_then(|s| text_of(s, "XAddr"));
    Ok(Capabilities {
        media_xaddr: xaddr("Media"),
        device_xaddr: xaddr("Device"),
    })
}

/// `GetProfilesResponse` → profiles (token attribute, Name child).
pub fn parse_profiles(text: &str) -> Result<Vec<Profile>, ProtoError> {
    check_fault(text)?;
    let doc = parse_document(text)?;
    let r = body_child(&doc, "GetProfilesResponse")?;
    Ok(r.children()
        .filter(|n| n.is_element() && local(n) == "Profiles")
        .filter_map(|p| {
            let token = p.attribute("token")?;
            Some(Profile {
                token: sanitize(token),
                name: p
                    .children()
                    .find(|c| c.is_element() && local(c) == "Name")
                    .and_then(|c| c.text())
                    .map(|t| sanitize(t.trim())),
            })
        })
        .take(64)
        .collect())
}

/// `GetStreamUriResponse` → the `MediaUri/Uri`.
pub fn parse_stream_uri(text: &str) -> Result<String, ProtoError> {
    parse_media_uri(text, "GetStreamUriResponse")
}

/// The URI of a `GetSnapshotUriResponse`.
pub fn parse_snapshot_uri(text: &str) -> Result<String, ProtoError> {
    parse_media_uri(text, "GetSnapshotUriResponse")
}

/// The `MediaUri/Uri` (or bare `Uri`) of the `response` element in a SOAP body.
fn parse_media_uri(text: &str, response: &str) -> Result<String, ProtoError> {
    check_fault(text)?;
    let doc = parse_document(text)?;
    let r = body_child(&doc, response)?;
    find(r, "MediaUri")
        .and_then(|m| text_of(m, "Uri"))
        .or_else(|| text_of(r, "Uri"))
        .ok_or_else(|| ProtoError::Xml("no MediaUri/Uri".into()))
}

/// Path (with query) of a URL such as an XAddr or stream URI: `http://h:p/a/b?c` → `/a/b?c`.
/// Returns `None` when there is no scheme separator.
pub fn path_of_url(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://")?.1;
    Some(match rest.find('/') {
        Some(i) => rest[i..].to_string(),
        None => "/".to_string(),
    })
}
