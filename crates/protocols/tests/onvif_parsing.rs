//! ONVIF answer parsing against fixtures written for these tests (several namespace prefix
//! styles, SOAP 1.2 and 1.1 faults, a DTD entity bomb).

use camguard_protocols::http::ProtoError;
use camguard_protocols::onvif::{
    check_fault, parse_capabilities, parse_device_information, parse_document, parse_profiles,
    parse_stream_uri, parse_system_date_and_time, path_of_url,
};

fn fixture(name: &str) -> String {
    let p = format!("{}/tests/fixtures/onvif/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

#[test]
fn device_information_with_various_prefixes() {
    let hik = parse_device_information(&fixture("device_info_tds.xml")).unwrap();
    assert_eq!(hik.manufacturer.as_deref(), Some("HIKVISION"));
    assert_eq!(hik.model.as_deref(), Some("DS-2CD2042WD-I"));
    assert_eq!(hik.firmware.as_deref(), Some("V5.4.5 build 170124"));
    assert_eq!(hik.hardware_id.as_deref(), Some("88"));

    let dahua = parse_device_information(&fixture("device_info_default_ns.xml")).unwrap();
    assert_eq!(dahua.manufacturer.as_deref(), Some("Dahua"));
    assert_eq!(dahua.firmware.as_deref(), Some("2.800.0000000.16.R"));
    assert_eq!(dahua.serial.as_deref(), Some("5J0123PAZ"));

    let generic = parse_device_information(&fixture("device_info_env_prefix.xml")).unwrap();
    assert_eq!(generic.manufacturer.as_deref(), Some("Generic & Co"));
    assert_eq!(generic.model.as_deref(), Some("IPC-G2"));
    assert_eq!(generic.firmware, None, "empty elements are absent");
    assert_eq!(generic.serial, None);
    assert_eq!(generic.hardware_id, None);
}

#[test]
fn not_authorized_fault_is_recognised() {
    let text = fixture("fault_not_authorized.xml");
    match parse_device_information(&text) {
        Err(ProtoError::NotAuthorized(why)) => assert!(why.contains("ter:NotAuthorized"), "{why}"),
        other => panic!("expected NotAuthorized, got {other:?}"),
    }
}

#[test]
fn other_faults_keep_code_and_reason() {
    match check_fault(&fixture("fault_action_not_supported.xml")) {
        Err(ProtoError::Fault { code, reason }) => {
            assert!(code.contains("ter:ActionNotSupported"), "{code}");
            assert_eq!(reason, "Optional Action Not Implemented");
        }
        other => panic!("expected a fault, got {other:?}"),
    }
    match check_fault(&fixture("soap11_fault.xml")) {
        Err(ProtoError::Fault { code, reason }) => {
            assert_eq!(code, "soapenv:Client");
            assert_eq!(reason, "Invalid request");
        }
        other => panic!("expected a fault, got {other:?}"),
    }
    assert!(check_fault(&fixture("device_info_tds.xml")).is_ok());
}

#[test]
fn dtd_bomb_is_rejected_quickly() {
    let start = std::time::Instant::now();
    let text = fixture("dtd_bomb.xml");
    match parse_device_information(&text) {
        Err(ProtoError::Xml(why)) => assert!(why.contains("DTD"), "{why}"),
        other => panic!("expected an XML rejection, got {other:?}"),
    }
    // Even without the textual pre-check, roxmltree must refuse the DTD.
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 100_000,
    };
    assert!(roxmltree::Document::parse_with_options(&text, opts).is_err());
    assert!(start.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn oversized_and_malformed_documents_are_errors() {
    let big = format!("<a>{}</a>", "x".repeat(300 * 1024));
    assert!(matches!(parse_document(&big), Err(ProtoError::Xml(_))));
    assert!(matches!(
        parse_device_information("<s:Envelope><unclosed>"),
        Err(ProtoError::Xml(_))
    ));
    assert!(matches!(
        parse_device_information("not xml at all"),
        Err(ProtoError::Xml(_))
    ));
    // Well-formed but the wrong answer.
    assert!(matches!(
        parse_device_information(&fixture("profiles.xml")),
        Err(ProtoError::Xml(_))
    ));
}

#[test]
fn system_date_and_time_prefers_utc() {
    let t = parse_system_date_and_time(&fixture("system_date_time.xml")).unwrap();
    assert_eq!(t, "2026-11-27T03:04:05Z");
}

#[test]
fn capabilities_profiles_and_stream_uri() {
    let caps = parse_capabilities(&fixture("capabilities.xml")).unwrap();
    assert_eq!(
        caps.media_xaddr.as_deref(),
        Some("http://192.168.1.64/onvif/Media")
    );
    assert_eq!(
        path_of_url(caps.media_xaddr.as_deref().unwrap()).as_deref(),
        Some("/onvif/Media")
    );

    let profiles = parse_profiles(&fixture("profiles.xml")).unwrap();
    assert_eq!(profiles.len(), 2, "a profile without a token is skipped");
    assert_eq!(profiles[0].token, "Profile_1");
    assert_eq!(profiles[0].name.as_deref(), Some("mainStream"));
    assert_eq!(profiles[1].token, "Profile_2");

    let uri = parse_stream_uri(&fixture("stream_uri.xml")).unwrap();
    assert_eq!(
        uri,
        "rtsp://192.168.1.64:554/Streaming/Channels/101?transportmode=unicast&profile=Profile_1"
    );
    assert_eq!(
        path_of_url(&uri).as_deref(),
        Some("/Streaming/Channels/101?transportmode=unicast&profile=Profile_1")
    );
    assert_eq!(path_of_url("rtsp://h:554").as_deref(), Some("/"));
    assert_eq!(path_of_url("garbage"), None);
}
