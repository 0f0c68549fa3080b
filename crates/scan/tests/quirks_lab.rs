//! Regression tests of the scanner against the camera lab's quirk switches (crates/lab,
//! `data/lab/example.toml` header), one test per quirk that once fooled the scanner.

mod lab_support;

use camguard_lab::{Lab, Manifest};
use camguard_model::HostObservation;
use camguard_scan::ScanConfig;
use std::net::IpAddr;
use std::time::{Duration, Instant};

const OFFSET: u16 = 20_000;

async fn start_lab(toml: &str) -> Lab {
    lab_support::start_lab(toml, OFFSET).await
}

fn config_for(manifest: &Manifest) -> ScanConfig {
    let (ports, overrides) = lab_support::classic_probes(manifest);
    ScanConfig {
        check_credentials: false,
        prove_streams: true,
        ..lab_support::lab_config(ports, overrides)
    }
}

async fn scan_all(manifest: &Manifest) -> Vec<HostObservation> {
    lab_support::scan_devices(manifest, config_for(manifest)).await
}

/// `rtsp_any_path_200`: DESCRIBE answers 200 on every path, media flows only on the real one.
/// The scanner used to stop at the first route answering 200 and prove the stream there, so an
/// open camera of this kind was never found to stream; and it must still claim nothing on a
/// camera whose real path needs credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtsp_any_path_200_proof_searches_real_paths_and_claims_nothing_without_media() {
    let lab = start_lab(concat!(
        "[[device]]\nid = \"open\"\npersonality = \"generic_onvif\"\nrtsp_auth = \"none\"\n",
        "default_password = \"changed\"\nrtsp_any_path_200 = true\ntelnet = false\n",
        "[[device]]\nid = \"locked\"\npersonality = \"generic_onvif\"\nrtsp_auth = \"digest\"\n",
        "default_password = \"changed\"\nrtsp_any_path_200 = true\ntelnet = false\n",
    ))
    .await;
    let manifest = lab.manifest().clone();
    let started = Instant::now();
    let found = scan_all(&manifest).await;
    let took = started.elapsed();
    lab.shutdown().await;
    assert!(took < Duration::from_secs(90), "scan took {took:?}");
    let obs = |id: &str| {
        let d = manifest.device(id).expect("device");
        let o = found
            .iter()
            .find(|o| o.ip == IpAddr::V4(d.address))
            .expect("observed");
        (d, o)
    };
    let (d, o) = obs("open");
    let rtsp = &o.rtsp[0];
    assert!(rtsp.accepts_any_path, "the random path answered 200");
    let proof = rtsp
        .anonymous_media
        .as_ref()
        .expect("media found on the real path");
    assert!(proof.rtp_packets > 0);
    assert!(d.stream_urls[0].ends_with(&proof.path), "{}", proof.path);
    let (_, o) = obs("locked");
    let rtsp = &o.rtsp[0];
    assert!(rtsp.accepts_any_path);
    assert!(
        rtsp.anonymous_media.is_none(),
        "no media without credentials: {:?}",
        rtsp.anonymous_media
    );
}
