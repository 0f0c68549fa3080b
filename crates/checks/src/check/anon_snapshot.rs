//! `AUTH.ANON_SNAPSHOT`: a snapshot URL delivered a JPEG without credentials.
//!
//! Proof is a 200 whose body starts with the JPEG magic `FF D8 FF`; a server that sends a
//! JPEG for a random path (the baseline) proves nothing, so that port is undecided. No image
//! bytes ever reach the observation; the evidence is the path, status, content type, the
//! byte count read and the magic seen.

use crate::evidence::{bounded, mask_path_secrets, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    if !obs.snapshots_probed && obs.snapshots.is_empty() {
        // Not probed (e.g. an observation from another tool): nothing is proved either way.
        return Evaluation::Inconclusive;
    }
    let mut hits = Vec::new();
    let mut undecided = false;
    for s in &obs.snapshots {
        if s.accepts_any_path {
            undecided = true;
            continue;
        }
        let Some(p) = s
            .paths
            .iter()
            .find(|p| p.source != "random_baseline" && p.status == Some(200) && p.jpeg_magic)
        else {
            continue;
        };
        let path = mask_path_secrets(&p.path);
        hits.push(Hit {
            port: Some(s.port),
            summary: format!(
                "{} on port {} served a JPEG snapshot at {path} without credentials",
                if s.tls { "HTTPS" } else { "HTTP" },
                s.port
            ),
            evidence: json!({
                "port": s.port,
                "tls": s.tls,
                "path": path,
                "path_source": bounded(&p.source, 32),
                "status": 200,
                "content_type": p.content_type.as_deref().map(|c| bounded(c, MAX_FIELD_CHARS)),
                "bytes_read": p.bytes_read,
                "jpeg_magic": true,
                "random_path_refused": true,
            }),
        });
    }
    if hits.is_empty() && undecided {
        return Evaluation::Inconclusive;
    }
    Evaluation::Ran(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::{SnapshotObservation, SnapshotPathResult};

    fn result(path: &str, source: &str, status: u16, jpeg: bool) -> SnapshotPathResult {
        SnapshotPathResult {
            path: path.into(),
            source: source.into(),
            status: Some(status),
            content_type: Some(if jpeg { "image/jpeg" } else { "text/html" }.into()),
            bytes_read: 4096,
            jpeg_magic: jpeg,
        }
    }

    fn port(paths: Vec<SnapshotPathResult>, any: bool) -> SnapshotObservation {
        SnapshotObservation {
            port: 80,
            tls: false,
            paths,
            accepts_any_path: any,
        }
    }

    #[test]
    fn jpeg_at_a_snapshot_url_is_a_finding() {
        let mut host = alive_host(80);
        host.snapshots.push(port(
            vec![
                result("/0123/snapshot.jpg", "random_baseline", 404, false),
                result("/cgi-bin/snapshot.cgi", "snapshot_paths", 200, true),
            ],
            false,
        ));
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].evidence["path"], "/cgi-bin/snapshot.cgi");
        assert_eq!(hits[0].evidence["bytes_read"], 4096);
        assert_eq!(hits[0].port, Some(80));
    }

    /// Regression: a web UI answering 200 with its HTML page to every path (the
    /// "200-to-everything" firmware) must not count as an open snapshot.
    #[test]
    fn html_200_to_every_path_is_no_snapshot() {
        let mut host = alive_host(80);
        host.snapshots.push(port(
            vec![
                result("/0123/snapshot.jpg", "random_baseline", 200, false),
                result(
                    "/ISAPI/Streaming/channels/101/picture",
                    "snapshot_paths",
                    200,
                    false,
                ),
            ],
            false,
        ));
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
    }

    #[test]
    fn a_jpeg_for_any_path_is_undecided_and_refusals_are_not_found() {
        let mut host = alive_host(80);
        host.snapshots.push(port(
            vec![result("/0123/snapshot.jpg", "random_baseline", 200, true)],
            true,
        ));
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Inconclusive
        );
        host.snapshots[0] = port(
            vec![result(
                "/cgi-bin/snapshot.cgi",
                "snapshot_paths",
                401,
                false,
            )],
            false,
        );
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
    }

    #[test]
    fn an_unprobed_host_is_undecided() {
        let mut host = alive_host(80);
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        host.snapshots_probed = false;
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Inconclusive
        );
    }

    #[test]
    fn url_secrets_are_masked() {
        let mut host = alive_host(80);
        host.snapshots.push(port(
            vec![result("/snap.jpg?pwd=hunter2", "snapshot_paths", 200, true)],
            false,
        ));
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("conclusive")
        };
        assert!(!hits[0].evidence.to_string().contains("hunter2"));
    }
}
