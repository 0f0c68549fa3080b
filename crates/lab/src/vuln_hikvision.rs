//! Hikvision-style endpoints behind two famous flaws, for Hikvision-family (ISAPI) devices:
//!
//! - CVE-2017-7921: `GET /System/deviceInfo` (and `/ISAPI/System/deviceInfo`) answers the
//!   device information document to an authenticated request, or to any request carrying the
//!   magic `auth` query parameter when the device has the `cve_2017_7921` switch on;
//! - CVE-2021-36260: `/SDK/webLanguage` exists on every such device and allows only `PUT`. The
//!   lab never executes or stores a `PUT` body: it answers like a fixed firmware (auth required).
//!
//! Facts come from `data/lab/vulns.toml`.

use crate::authn::Access;
use crate::device::Device;
use crate::quirks;
use crate::reply::Reply;
use camguard_protocols::auth::xml_escape;
use camguard_protocols::wire;

/// The device information document (ISAPI `DeviceInfo`).
pub(crate) fn device_info_xml(device: &Device) -> String {
    let spec = &device.spec;
    let (version, build) = spec
        .firmware
        .split_once(' ')
        .unwrap_or((spec.firmware.as_str(), ""));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeviceInfo version=\"1.0\" \
         xmlns=\"http://www.hikvision.com/ver10/XMLSchema\">\n<deviceName>IP CAMERA</deviceName>\n\
         <model>{}</model>\n<serialNumber>{}</serialNumber>\n<firmwareVersion>{}</firmwareVersion>\n\
         <firmwareReleasedDate>{}</firmwareReleasedDate>\n<deviceType>IPCamera</deviceType>\n\
         </DeviceInfo>\n",
        xml_escape(&spec.model),
        xml_escape(&spec.serial),
        xml_escape(version),
        xml_escape(build),
    )
}

/// The answer for `path`, or `None` when it is not one of these endpoints.
pub(crate) fn route(
    device: &Device,
    method: &str,
    path: &str,
    query: &str,
    msg: &wire::Message,
) -> Option<Reply> {
    let data = crate::vulns::data()?;
    let facts = &data.cve_2017_7921;
    if facts.device_info_paths.iter().any(|p| p == path) {
        if !matches!(method, "GET" | "HEAD") {
            return Some(Reply::new(405, "Method Not Allowed").header("Allow", "GET"));
        }
        let params = quirks::query_params(query);
        let magic = quirks::param(&params, "auth") == Some(facts.auth_param.as_str());
        if magic && device.spec.vulns.cve_2017_7921 {
            tracing::info!(device = %device.spec.id, "CVE-2017-7921: auth parameter accepted");
            return Some(document(device));
        }
        return Some(match crate::http_server::web_check(device, method, msg) {
            Access::Granted => document(device),
            refused => crate::http_server::refusal(device, refused),
        });
    }
    let sdk = &data.cve_2021_36260;
    if path == sdk.path {
        if !method.eq_ignore_ascii_case(&sdk.allow) {
            return Some(Reply::new(405, "Method Not Allowed").header("Allow", sdk.allow.clone()));
        }
        // Never executed: a fixed firmware's answer, whatever the credentials.
        return Some(match crate::http_server::web_check(device, method, msg) {
            Access::Granted => Reply::new(403, "Forbidden"),
            refused => crate::http_server::refusal(device, refused),
        });
    }
    None
}

fn document(device: &Device) -> Reply {
    Reply::new(200, "OK").with_body(
        "application/xml; charset=\"UTF-8\"",
        device_info_xml(device).into_bytes(),
    )
}
