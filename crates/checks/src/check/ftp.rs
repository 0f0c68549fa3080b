//! `SURF.FTP`: an FTP server is reachable. Never logs in.

use super::service_ports::reachable;
use crate::registry::Evaluation;
use crate::CheckOptions;
use camguard_model::{HostObservation, Service};

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    Evaluation::Ran(reachable(obs, Service::Ftp, &obs.ftp, "FTP"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::{BannerObservation, Endpoint, EndpointState};

    #[test]
    fn greeting_is_a_finding_closed_port_is_not() {
        let mut host = alive_host(21);
        host.ftp.push(BannerObservation {
            port: 21,
            banner: "220 AXIS M3045-V Network Camera 5.40.9.2 (Oct 15 2019) ready.".into(),
        });
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        assert!(hits[0].evidence["banner"]
            .as_str()
            .is_some_and(|b| b.starts_with("220 AXIS")));

        let mut host = alive_host(80);
        host.endpoints.push(Endpoint {
            port: 21,
            state: EndpointState::Closed,
            service: Some(Service::Ftp),
            reason: "connection refused".into(),
        });
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
    }
}
