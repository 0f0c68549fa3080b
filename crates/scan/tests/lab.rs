//! The whole probe of the camera lab's Hikvision-like, Dahua-like and generic ONVIF devices
//! (crates/lab), with the opt-in credential check and stream proof on.

mod lab_support;

use lab_support::by_id;

use camguard_lab::{Lab, Manifest};
use camguard_model::{AuthScheme, EndpointState, Service};
use camguard_scan::ScanConfig;

const LAB: &str = r#"
seed = 7

[[device]]
id = "hik"
personality = "hikvision"
default_password = "kept"
telnet = true

[[device]]
id = "dahua-open"
personality = "dahua"
default_password = "kept"
rtsp_auth = "none"
onvif_auth = "none"

[[device]]
id = "generic-locked"
personality = "generic_onvif"
default_password = "changed"
rtsp_auth = "digest"
web_auth = "basic"
onvif_auth = "wsse"
telnet = false
"#;

const OFFSET: u16 = 20_000;

async fn start_lab() -> Lab {
    lab_support::start_lab(LAB, OFFSET).await
}

fn config_for(manifest: &Manifest) -> ScanConfig {
    let (ports, overrides) = lab_support::classic_probes(manifest);
    ScanConfig {
        check_credentials: true,
        prove_streams: true,
        vendor_hint: Some(lab_support::manifest_vendors(manifest)),
        ..lab_support::lab_config(ports, overrides)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_devices_are_probed_faithfully() {
    let lab = start_lab().await;
    let manifest = lab.manifest().clone();
    let observations = lab_support::scan_devices(&manifest, config_for(&manifest)).await;
    lab.shutdown().await;
    assert_eq!(observations.len(), 3);

    // Hikvision-like: Digest web UI, WS-Security ONVIF, Digest RTSP, default password kept.
    let (d, o) = by_id(&manifest, &observations, "hik");
    let http = &o.http[0];
    assert_eq!(http.auth_scheme, Some(AuthScheme::Digest), "{http:?}");
    assert!(http
        .realm
        .as_deref()
        .unwrap_or("")
        .starts_with("IP Camera("));
    let onvif = o.onvif.as_ref().expect("onvif");
    assert!(onvif.requires_auth);
    assert!(onvif.device_info_anonymous.is_none());
    let info = onvif
        .device_info_authenticated
        .as_ref()
        .expect("found credential used");
    assert_eq!(info.model.as_deref(), Some(d.model.as_str()));
    assert_eq!(info.firmware.as_deref(), Some(d.firmware.as_str()));
    assert!(o
        .credential_attempts
        .iter()
        .any(|a| a.accepted && a.username == d.username));
    assert!(o.credential_attempts.len() <= 4);
    let rtsp = &o.rtsp[0];
    assert!(rtsp
        .paths
        .iter()
        .any(|p| p.status == Some(401) && p.auth_scheme == Some(AuthScheme::Digest)));
    assert!(
        rtsp.anonymous_media.is_none(),
        "no anonymous media from a Digest RTSP"
    );
    assert!(
        !onvif.stream_uris.is_empty(),
        "GetStreamUri with the found credential"
    );
    assert!(o
        .endpoints
        .iter()
        .any(|e| e.service == Some(Service::Telnet) && e.state == EndpointState::Open));
    assert!(!o.telnet.is_empty());

    // Dahua-like with anonymous RTSP and ONVIF: identity and media without credentials.
    let (d, o) = by_id(&manifest, &observations, "dahua-open");
    let onvif = o.onvif.as_ref().expect("onvif");
    assert!(!onvif.requires_auth);
    let anon = onvif
        .device_info_anonymous
        .as_ref()
        .expect("anonymous identity");
    assert_eq!(anon.model.as_deref(), Some(d.model.as_str()));
    assert_eq!(anon.serial.as_deref(), Some(d.serial.as_str()));
    let rtsp = &o.rtsp[0];
    let proof = rtsp
        .anonymous_media
        .as_ref()
        .expect("anonymous stream proof");
    assert!(proof.rtp_packets >= 1);
    assert!(proof.bytes > 0);
    assert_eq!(proof.credentials, "anonymous");
    let main_path = d.stream_urls[0]
        .split_once("://")
        .and_then(|(_, r)| r.find('/').map(|i| r[i..].to_string()))
        .unwrap();
    assert_eq!(proof.path, main_path);
    assert!(!rtsp.accepts_any_path);

    // Generic ONVIF device with a changed password: nothing accepted, cap respected.
    let (d, o) = by_id(&manifest, &observations, "generic-locked");
    assert!(!d.default_password_kept);
    assert!(!o.credential_attempts.is_empty());
    assert!(o.credential_attempts.len() <= 4);
    assert!(o.credential_attempts.iter().all(|a| !a.accepted));
    let onvif = o.onvif.as_ref().expect("onvif on its own port");
    assert_eq!(Some(&onvif.port), d.ports.get("onvif"));
    assert!(onvif.requires_auth);
    assert!(onvif.device_info_authenticated.is_none());
    assert!(o.rtsp.iter().all(|r| r.anonymous_media.is_none()));
    // Evidence never holds a usable password.
    for o in &observations {
        for a in &o.credential_attempts {
            let visible = a.password_redacted.chars().filter(|c| *c != '*').count();
            assert!(visible <= 1, "{a:?}");
        }
    }
}
