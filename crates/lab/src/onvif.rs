//! ONVIF device and media services (SOAP 1.2 over HTTP), with WS-Security UsernameToken
//! (PasswordDigest) where the device requires it.

use crate::config::OnvifAuth;
use crate::device::{Device, Stream};
use camguard_protocols::auth::{wsse_verify, xml_escape};
use chrono::{DateTime, Datelike, Timelike, Utc};

/// SOAP 1.2 envelope namespace.
pub const NS_SOAP: &str = "http://www.w3.org/2003/05/soap-envelope";
/// ONVIF device service namespace.
pub const NS_TDS: &str = "http://www.onvif.org/ver10/device/wsdl";
/// ONVIF media service namespace.
pub const NS_TRT: &str = "http://www.onvif.org/ver10/media/wsdl";
/// ONVIF schema namespace.
pub const NS_TT: &str = "http://www.onvif.org/ver10/schema";
/// ONVIF error codes namespace.
pub const NS_TER: &str = "http://www.onvif.org/ver10/error";
/// WS-Security extension namespace.
pub const NS_WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
/// WS-Security utility namespace.
pub const NS_WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
/// `Type` of a digest password.
const PASSWORD_DIGEST: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
/// Largest clock difference accepted in a UsernameToken's `Created`.
const MAX_CLOCK_SKEW_SECS: i64 = 600;

/// Operations any client may call without credentials (ONVIF Core, PRE_AUTH access class).
const PRE_AUTH: [&str; 4] = [
    "GetSystemDateAndTime",
    "GetServices",
    "GetServiceCapabilities",
    "GetWsdlUrl",
];

/// A parsed request: operation, its namespace, and the body element's text children.
struct Request<'a> {
    action: String,
    namespace: String,
    body: roxmltree::Node<'a, 'a>,
    security: Option<roxmltree::Node<'a, 'a>>,
}

/// Handle a SOAP request to `path`; returns the HTTP status and the SOAP envelope.
pub fn handle(device: &Device, path: &str, body: &[u8]) -> (u16, String) {
    if path != "/onvif/device_service" && path != "/onvif/media_service" {
        return fault(
            404,
            "s:Sender",
            "ter:InvalidArgVal",
            "ter:NoSuchService",
            "Unknown service",
        );
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return fault(
            400,
            "s:Sender",
            "ter:InvalidArgVal",
            "ter:WellFormed",
            "Body is not UTF-8",
        );
    };
    let Ok(doc) = roxmltree::Document::parse(text) else {
        return fault(
            400,
            "s:Sender",
            "ter:InvalidArgVal",
            "ter:WellFormed",
            "Malformed XML",
        );
    };
    let Some(req) = parse(&doc) else {
        return fault(
            400,
            "s:Sender",
            "ter:InvalidArgVal",
            "ter:WellFormed",
            "Not a SOAP 1.2 request",
        );
    };
    tracing::debug!(device = %device.spec.id, action = %req.action, "onvif");
    let pre_auth = PRE_AUTH.contains(&req.action.as_str());
    if device.spec.onvif_auth == OnvifAuth::Wsse && !pre_auth {
        // Brute-force lockout: while locked every token is refused, the right one included;
        // a wrong token (not a missing one) is a failed login.
        let mut locked = device.lockout.locked();
        if locked.is_none() && !authorized(device, &req) {
            if req.security.is_some() {
                if let crate::lockout::AfterFailure::Locked(d) = device.lockout.fail() {
                    locked = Some(d);
                }
            }
            if locked.is_none() {
                return fault(
                    400,
                    "s:Sender",
                    "ter:NotAuthorized",
                    "",
                    "Sender not Authorized",
                );
            }
        }
        if let Some(left) = locked {
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return fault(
                400,
                "s:Sender",
                "ter:NotAuthorized",
                "",
                &format!("Sender not Authorized: account locked, retry in {secs} s"),
            );
        }
    }
    let reply = match (req.namespace.as_str(), req.action.as_str()) {
        (NS_TDS, "GetSystemDateAndTime") => Some(system_date_and_time(Utc::now())),
        (NS_TDS, "GetDeviceInformation") => Some(device_information(device)),
        (NS_TDS, "GetCapabilities") => Some(capabilities(device)),
        (NS_TDS, "GetServices") => Some(services(device)),
        (NS_TDS, "GetScopes") => Some(scopes(device)),
        (NS_TRT, "GetProfiles") => Some(profiles(device)),
        (NS_TRT, "GetVideoSources") => Some(video_sources(device)),
        (NS_TRT, "GetSnapshotUri") => crate::snapshot::snapshot_uri_response(device),
        (NS_TRT, "GetStreamUri") => {
            let token = child_text(req.body, "ProfileToken");
            match stream_for_token(device, token.as_deref()) {
                Some(s) => Some(stream_uri(device, s)),
                None => {
                    return fault(
                        400,
                        "s:Sender",
                        "ter:InvalidArgVal",
                        "ter:NoProfile",
                        "No such profile",
                    )
                }
            }
        }
        _ => None,
    };
    match reply {
        Some(body) => (200, envelope(&body)),
        None => fault(
            500,
            "s:Receiver",
            "ter:ActionNotSupported",
            "",
            "Optional Action Not Implemented",
        ),
    }
}

fn parse<'a>(doc: &'a roxmltree::Document<'a>) -> Option<Request<'a>> {
    let env = doc.root_element();
    if env.tag_name().name() != "Envelope" || env.tag_name().namespace() != Some(NS_SOAP) {
        return None;
    }
    let child = |name: &str| {
        env.children().find(|n| {
            n.is_element()
                && n.tag_name().name() == name
                && n.tag_name().namespace() == Some(NS_SOAP)
        })
    };
    let body = child("Body")?.children().find(|n| n.is_element())?;
    let security = child("Header").and_then(|h| {
        h.children().find(|n| {
            n.is_element()
                && n.tag_name().name() == "Security"
                && n.tag_name().namespace() == Some(NS_WSSE)
        })
    });
    Some(Request {
        action: body.tag_name().name().to_string(),
        namespace: body.tag_name().namespace().unwrap_or("").to_string(),
        body,
        security,
    })
}

fn child_text(node: roxmltree::Node<'_, '_>, name: &str) -> Option<String> {
    node.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == name)
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
}

/// Verify the UsernameToken: right user, PasswordDigest over (nonce, created, password),
/// `Created` within the allowed clock skew.
fn authorized(device: &Device, req: &Request<'_>) -> bool {
    let Some(sec) = req.security else {
        return false;
    };
    let Some(token) = sec.children().find(|n| {
        n.is_element()
            && n.tag_name().name() == "UsernameToken"
            && n.tag_name().namespace() == Some(NS_WSSE)
    }) else {
        return false;
    };
    let field = |name: &str, ns: &str| {
        token.children().find(|n| {
            n.is_element() && n.tag_name().name() == name && n.tag_name().namespace() == Some(ns)
        })
    };
    let (Some(user), Some(password), Some(nonce), Some(created)) = (
        field("Username", NS_WSSE),
        field("Password", NS_WSSE),
        field("Nonce", NS_WSSE),
        field("Created", NS_WSU),
    ) else {
        return false;
    };
    if password.attribute("Type") != Some(PASSWORD_DIGEST) {
        return false;
    }
    let text = |n: roxmltree::Node<'_, '_>| n.text().unwrap_or("").trim().to_string();
    let created_text = text(created);
    let fresh = DateTime::parse_from_rfc3339(&created_text)
        .map(|t| (Utc::now() - t.with_timezone(&Utc)).num_seconds().abs() <= MAX_CLOCK_SKEW_SECS)
        .unwrap_or(false);
    text(user) == device.spec.username
        && fresh
        && wsse_verify(
            &text(nonce),
            &created_text,
            &device.spec.password,
            &text(password),
        )
}

fn envelope(body: &str) -> String {
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<s:Envelope xmlns:s=\"{s}\" xmlns:tds=\"{tds}\" xmlns:trt=\"{trt}\" xmlns:tt=\"{tt}\" xmlns:ter=\"{ter}\">",
            "<s:Body>{body}</s:Body></s:Envelope>\n"
        ),
        s = NS_SOAP,
        tds = NS_TDS,
        trt = NS_TRT,
        tt = NS_TT,
        ter = NS_TER,
        body = body
    )
}

/// A SOAP 1.2 fault with ONVIF subcodes (`sub2` may be empty).
fn fault(status: u16, code: &str, sub: &str, sub2: &str, reason: &str) -> (u16, String) {
    let inner = if sub2.is_empty() {
        String::new()
    } else {
        format!("<s:Subcode><s:Value>{sub2}</s:Value></s:Subcode>")
    };
    let body = format!(
        concat!(
            "<s:Fault><s:Code><s:Value>{code}</s:Value><s:Subcode><s:Value>{sub}</s:Value>{inner}</s:Subcode></s:Code>",
            "<s:Reason><s:Text xml:lang=\"en\">{reason}</s:Text></s:Reason></s:Fault>"
        ),
        code = code,
        sub = sub,
        inner = inner,
        reason = xml_escape(reason)
    );
    (status, envelope(&body))
}

fn system_date_and_time(now: DateTime<Utc>) -> String {
    format!(
        concat!(
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>",
            "<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>",
            "<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>",
            "<tt:UTCDateTime><tt:Time><tt:Hour>{}</tt:Hour><tt:Minute>{}</tt:Minute><tt:Second>{}</tt:Second></tt:Time>",
            "<tt:Date><tt:Year>{}</tt:Year><tt:Month>{}</tt:Month><tt:Day>{}</tt:Day></tt:Date></tt:UTCDateTime>",
            "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
        ),
        now.hour(),
        now.minute(),
        now.second(),
        now.year(),
        now.month(),
        now.day()
    )
}

fn device_information(device: &Device) -> String {
    let id = &device.personality.identity;
    format!(
        concat!(
            "<tds:GetDeviceInformationResponse><tds:Manufacturer>{}</tds:Manufacturer>",
            "<tds:Model>{}</tds:Model><tds:FirmwareVersion>{}</tds:FirmwareVersion>",
            "<tds:SerialNumber>{}</tds:SerialNumber><tds:HardwareId>{}</tds:HardwareId>",
            "</tds:GetDeviceInformationResponse>"
        ),
        xml_escape(&id.manufacturer),
        xml_escape(&device.spec.model),
        xml_escape(&device.spec.firmware),
        xml_escape(&device.spec.serial),
        xml_escape(&id.hardware_id)
    )
}

fn base_url(device: &Device) -> String {
    format!("http://{}:{}", device.address, device.onvif_port)
}

fn capabilities(device: &Device) -> String {
    let base = base_url(device);
    format!(
        concat!(
            "<tds:GetCapabilitiesResponse><tds:Capabilities>",
            "<tt:Device><tt:XAddr>{base}/onvif/device_service</tt:XAddr>",
            "<tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration>",
            "<tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network>",
            "<tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>false</tt:DiscoveryBye>",
            "<tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup>",
            "<tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>",
            "<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions></tt:System>",
            "<tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>false</tt:TLS1.2>",
            "<tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration><tt:AccessPolicyConfig>false</tt:AccessPolicyConfig>",
            "<tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken>",
            "<tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken></tt:Security>",
            "</tt:Device>",
            "<tt:Media><tt:XAddr>{base}/onvif/media_service</tt:XAddr>",
            "<tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>",
            "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>",
            "</tds:Capabilities></tds:GetCapabilitiesResponse>"
        ),
        base = base
    )
}

fn services(device: &Device) -> String {
    let base = base_url(device);
    let service = |ns: &str, path: &str, minor: u32| {
        format!(
            concat!(
                "<tds:Service><tds:Namespace>{}</tds:Namespace><tds:XAddr>{}{}</tds:XAddr>",
                "<tds:Version><tt:Major>2</tt:Major><tt:Minor>{}</tt:Minor></tds:Version></tds:Service>"
            ),
            ns, base, path, minor
        )
    };
    format!(
        "<tds:GetServicesResponse>{}{}</tds:GetServicesResponse>",
        service(NS_TDS, "/onvif/device_service", 60),
        service(NS_TRT, "/onvif/media_service", 60)
    )
}

fn scopes(device: &Device) -> String {
    let items = scope_items(device);
    let mut out = String::from("<tds:GetScopesResponse>");
    for item in items {
        out.push_str(&format!(
            "<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>{}</tt:ScopeItem></tds:Scopes>",
            xml_escape(&item)
        ));
    }
    out.push_str("</tds:GetScopesResponse>");
    out
}

/// The device's ONVIF scopes (GetScopes, WS-Discovery ProbeMatch).
pub(crate) fn scope_items(device: &Device) -> Vec<String> {
    let p = device.personality;
    vec![
        "onvif://www.onvif.org/type/video_encoder".to_string(),
        "onvif://www.onvif.org/Profile/Streaming".to_string(),
        format!(
            "onvif://www.onvif.org/hardware/{}",
            scope_escape(&device.spec.model)
        ),
        format!(
            "onvif://www.onvif.org/name/{}",
            scope_escape(&p.identity.manufacturer)
        ),
        "onvif://www.onvif.org/location/lab".to_string(),
    ]
}

/// Scope items are space-separated lists: percent-encode anything but unreserved characters.
fn scope_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The main (first) stream of a video channel: its size is the video source's.
fn channel_main(device: &Device, channel: u16) -> (u16, u16) {
    device
        .streams
        .iter()
        .find(|s| s.channel == channel)
        .map(|s| (s.width, s.height))
        .unwrap_or((0, 0))
}

/// One media profile per stream; recorders have one video source per channel
/// (`VideoSource_<channel>`), shared by that channel's streams.
fn profiles(device: &Device) -> String {
    let mut out = String::from("<trt:GetProfilesResponse>");
    for (i, s) in device.streams.iter().enumerate() {
        let (sw, sh) = channel_main(device, s.channel);
        let uses = device
            .streams
            .iter()
            .filter(|o| o.channel == s.channel)
            .count();
        out.push_str(&format!(
            concat!(
                "<trt:Profiles token=\"{tok}\" fixed=\"true\"><tt:Name>{tok}</tt:Name>",
                "<tt:VideoSourceConfiguration token=\"VideoSourceConfig_{ch}\"><tt:Name>VideoSourceConfig_{ch}</tt:Name>",
                "<tt:UseCount>{n}</tt:UseCount><tt:SourceToken>VideoSource_{ch}</tt:SourceToken>",
                "<tt:Bounds x=\"0\" y=\"0\" width=\"{sw}\" height=\"{sh}\"/></tt:VideoSourceConfiguration>",
                "<tt:VideoEncoderConfiguration token=\"VideoEncoder_{idx}\"><tt:Name>VideoEncoder_{idx}</tt:Name>",
                "<tt:UseCount>1</tt:UseCount><tt:Encoding>JPEG</tt:Encoding>",
                "<tt:Resolution><tt:Width>{w}</tt:Width><tt:Height>{h}</tt:Height></tt:Resolution>",
                "<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>{fps}</tt:FrameRateLimit>",
                "<tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>4096</tt:BitrateLimit></tt:RateControl>",
                "<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration></trt:Profiles>"
            ),
            tok = s.profile_token,
            ch = s.channel,
            n = uses,
            sw = sw,
            sh = sh,
            idx = i + 1,
            w = s.width,
            h = s.height,
            fps = crate::mjpeg::FPS
        ));
    }
    out.push_str("</trt:GetProfilesResponse>");
    out
}

fn video_sources(device: &Device) -> String {
    let mut channels: Vec<u16> = device.streams.iter().map(|s| s.channel).collect();
    channels.sort_unstable();
    channels.dedup();
    if channels.is_empty() {
        channels.push(1);
    }
    let mut out = String::from("<trt:GetVideoSourcesResponse>");
    for ch in channels {
        let (w, h) = channel_main(device, ch);
        out.push_str(&format!(
            concat!(
                "<trt:VideoSources token=\"VideoSource_{}\">",
                "<tt:Framerate>{}</tt:Framerate><tt:Resolution><tt:Width>{}</tt:Width><tt:Height>{}</tt:Height>",
                "</tt:Resolution></trt:VideoSources>"
            ),
            ch,
            crate::mjpeg::FPS,
            w,
            h
        ));
    }
    out.push_str("</trt:GetVideoSourcesResponse>");
    out
}

fn stream_for_token<'a>(device: &'a Device, token: Option<&str>) -> Option<&'a Stream> {
    match token {
        None | Some("") => device.streams.first(),
        Some(t) => device.streams.iter().find(|s| s.profile_token == t),
    }
}

fn stream_uri(device: &Device, stream: &Stream) -> String {
    format!(
        concat!(
            "<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>{}</tt:Uri>",
            "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>",
            "<tt:Timeout>PT60S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>"
        ),
        xml_escape(&device.stream_url(stream))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_well_formed_soap() {
        let (code, body) = fault(
            400,
            "s:Sender",
            "ter:NotAuthorized",
            "",
            "Sender not Authorized",
        );
        assert_eq!(code, 400);
        let doc = roxmltree::Document::parse(&body).expect("xml");
        let values: Vec<_> = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "Value" && n.tag_name().namespace() == Some(NS_SOAP))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(values, ["s:Sender", "ter:NotAuthorized"]);
    }

    #[test]
    fn date_response_parses() {
        let body = envelope(&system_date_and_time(Utc::now()));
        let doc = roxmltree::Document::parse(&body).expect("xml");
        assert!(doc
            .descendants()
            .any(|n| n.tag_name().name() == "Year" && n.tag_name().namespace() == Some(NS_TT)));
    }

    #[test]
    fn scope_escape_keeps_unreserved() {
        assert_eq!(scope_escape("IPC-HFW2431S-S-S2"), "IPC-HFW2431S-S-S2");
        assert_eq!(scope_escape("a b/c"), "a%20b%2Fc");
    }
}
