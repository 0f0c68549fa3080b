//! `AUTH.ANON_MEDIA`: the ONVIF media service answered `GetProfiles` (and `GetStreamUri`)
//! without credentials.
//!
//! A finding needs at least one profile or stream URI actually returned. Stream URIs are
//! already stripped of user information by the scanner; password-like parameters are masked
//! again here.

use crate::evidence::{bounded, mask_path_secrets, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let Some(onvif) = &obs.onvif else {
        // No ONVIF device service answered on the probed ports.
        return Evaluation::Ran(vec![]);
    };
    let Some(media) = &onvif.media_anonymous else {
        return if onvif.media_requires_auth {
            Evaluation::Ran(vec![])
        } else {
            // Neither answered nor refused (probe error, or not asked): unknown.
            Evaluation::Inconclusive
        };
    };
    if media.profiles == 0 && media.stream_uris.is_empty() {
        return Evaluation::Ran(vec![]);
    }
    let uris: Vec<String> = media
        .stream_uris
        .iter()
        .take(4)
        .map(|u| mask_path_secrets(u))
        .collect();
    let what = if uris.is_empty() {
        format!("{} media profile(s)", media.profiles)
    } else {
        format!(
            "{} media profile(s) and {} stream URI(s)",
            media.profiles,
            uris.len()
        )
    };
    Evaluation::Ran(vec![Hit {
        port: Some(onvif.port),
        summary: format!(
            "ONVIF media service on port {} disclosed {what} without credentials",
            onvif.port
        ),
        evidence: json!({
            "port": onvif.port,
            "path": bounded(&media.path, MAX_FIELD_CHARS),
            "operations": if uris.is_empty() { vec!["GetProfiles"] } else { vec!["GetProfiles", "GetStreamUri"] },
            "authenticated": false,
            "profiles": media.profiles,
            "stream_uris": uris,
        }),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::{AnonymousMedia, OnvifObservation};

    fn onvif(media: Option<AnonymousMedia>, refused: bool) -> OnvifObservation {
        OnvifObservation {
            port: 80,
            path: "/onvif/device_service".into(),
            media_anonymous: media,
            media_requires_auth: refused,
            ..Default::default()
        }
    }

    #[test]
    fn anonymous_profiles_and_uris_are_a_finding_without_secrets() {
        let mut host = alive_host(80);
        host.onvif = Some(onvif(
            Some(AnonymousMedia {
                path: "/onvif/Media".into(),
                profiles: 2,
                stream_uris: vec!["rtsp://10.0.0.5:554/live?user=admin&pwd=s3cret1".into()],
            }),
            false,
        ));
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].evidence["profiles"], 2);
        assert!(!hits[0].evidence.to_string().contains("s3cret1"));
    }

    #[test]
    fn refusal_or_no_onvif_is_not_found_and_error_is_undecided() {
        let mut host = alive_host(80);
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        host.onvif = Some(onvif(None, true));
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        host.onvif = Some(onvif(Some(AnonymousMedia::default()), false));
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        host.onvif = Some(onvif(None, false));
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Inconclusive
        );
    }
}
