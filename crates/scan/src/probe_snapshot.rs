//! Anonymous snapshot probe of one HTTP port: one random path (the baseline), then the vendor
//! snapshot URLs of `data/scan/snapshot_paths.toml`, each asked once without credentials.
//!
//! Only a 200 whose body starts with the JPEG magic `FF D8 FF` counts. At most
//! [`MAX_SNAPSHOT_BYTES`] of a body are read and then dropped: the observation keeps the
//! status, content type, byte count and whether the magic was seen, never an image.

use crate::probe::HostCtx;
use camguard_model::{sanitize_text, SnapshotObservation, SnapshotPathResult};
use camguard_protocols::http;
use rand::RngCore;
use serde::Deserialize;
use std::sync::OnceLock;

const SNAPSHOT_TOML: &str = include_str!("../../../data/scan/snapshot_paths.toml");

/// Most body bytes read from one snapshot answer.
pub const MAX_SNAPSHOT_BYTES: usize = 4 * 1024;

/// The JPEG start-of-image marker followed by the first marker's `FF`.
pub const JPEG_MAGIC: [u8; 3] = [0xff, 0xd8, 0xff];

/// One snapshot URL of the data file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotPath {
    /// Vendor family.
    pub vendor: String,
    /// Path and query.
    pub path: String,
    /// Where the URL is published.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotFile {
    snapshot: Vec<SnapshotPath>,
}

/// The embedded snapshot URLs, in the order they are tried.
pub fn snapshot_paths() -> &'static [SnapshotPath] {
    static P: OnceLock<Vec<SnapshotPath>> = OnceLock::new();
    P.get_or_init(|| {
        toml::from_str::<SnapshotFile>(SNAPSHOT_TOML)
            .map(|f| f.snapshot)
            .unwrap_or_default()
    })
}

/// True when `body` starts with the JPEG magic.
pub fn is_jpeg(body: &[u8]) -> bool {
    body.starts_with(&JPEG_MAGIC)
}

/// A path that cannot exist on a camera, shaped like a snapshot URL.
fn random_path() -> String {
    let mut b = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut b);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("/{hex}/snapshot.jpg")
}

async fn ask(ctx: &HostCtx, port: u16, path: &str, source: &str) -> SnapshotPathResult {
    let addr = ctx.addr(port);
    let mut opts = ctx.opts_for(port);
    opts.limits.max_body = MAX_SNAPSHOT_BYTES;
    let answer = {
        let _slot = ctx.slot().await;
        http::get(addr, &http::host_header(addr), path, &[], &opts).await
    };
    let mut r = SnapshotPathResult {
        path: sanitize_text(path.as_bytes(), 256),
        source: source.to_string(),
        ..SnapshotPathResult::default()
    };
    if let Ok(msg) = answer {
        r.status = http::status_code(&msg);
        r.content_type = msg
            .header("content-type")
            .map(|c| sanitize_text(c.as_bytes(), 64));
        r.bytes_read = u32::try_from(msg.body.len().min(MAX_SNAPSHOT_BYTES)).unwrap_or(0);
        r.jpeg_magic = is_jpeg(&msg.body);
        // The body is dropped here: only its length and magic are kept.
    }
    r
}

/// A JPEG delivered with status 200.
fn delivered(r: &SnapshotPathResult) -> bool {
    r.status == Some(200) && r.jpeg_magic
}

/// Probe one HTTP port with the snapshot URIs ONVIF named (`onvif`) and the data file's;
/// stops at the first snapshot delivered.
pub(crate) async fn probe_snapshots(
    ctx: &HostCtx,
    port: u16,
    onvif: &[String],
) -> SnapshotObservation {
    let mut obs = SnapshotObservation {
        port,
        tls: ctx.is_tls(port),
        ..SnapshotObservation::default()
    };
    let baseline = ask(ctx, port, &random_path(), "random_baseline").await;
    obs.accepts_any_path = delivered(&baseline);
    obs.paths.push(baseline);
    if obs.accepts_any_path {
        return obs;
    }
    let from_onvif = onvif.iter().map(|p| (p.as_str(), "onvif"));
    let from_data = snapshot_paths()
        .iter()
        .filter(|d| !onvif.contains(&d.path))
        .map(|d| (d.path.as_str(), "snapshot_paths"));
    for (path, source) in from_onvif.chain(from_data) {
        let r = ask(ctx, port, path, source).await;
        let done = delivered(&r);
        obs.paths.push(r);
        if done {
            break;
        }
    }
    obs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_parses_with_sources() {
        let paths = snapshot_paths();
        assert!(paths.len() >= 6, "{}", paths.len());
        assert!(paths
            .iter()
            .all(|p| p.path.starts_with('/') && !p.source.trim().is_empty()));
        assert!(paths
            .iter()
            .any(|p| p.path == "/ISAPI/Streaming/channels/101/picture"));
    }

    #[test]
    fn only_the_jpeg_magic_counts() {
        assert!(is_jpeg(&[0xff, 0xd8, 0xff, 0xe0, 0, 0x10]));
        assert!(!is_jpeg(b"<html>"));
        assert!(!is_jpeg(&[0xff, 0xd8]));
        assert!(!is_jpeg(b""));
        assert!(random_path().ends_with("/snapshot.jpg"));
        assert_ne!(random_path(), random_path());
    }
}
