//! `SURF.SSH_EXPOSED`: an SSH server is reachable (informational: SSH is encrypted, but on a
//! camera it is a maintenance shell most owners never use). Never logs in.

use super::service_ports::reachable;
use crate::registry::Evaluation;
use crate::CheckOptions;
use camguard_model::{HostObservation, Service};

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    Evaluation::Ran(reachable(obs, Service::Ssh, &obs.ssh, "SSH"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::BannerObservation;

    #[test]
    fn identification_string_is_a_finding_absence_is_not() {
        let mut host = alive_host(22);
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        host.endpoints[0].service = Some(Service::Ssh);
        host.ssh.push(BannerObservation {
            port: 22,
            banner: "SSH-2.0-dropbear_2013.62".into(),
        });
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].evidence["banner"], "SSH-2.0-dropbear_2013.62");
    }
}
