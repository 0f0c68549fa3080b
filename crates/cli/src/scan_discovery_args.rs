//! Discovery options of `camguard scan`: unicast UDP discovery on or off, and multicast
//! discovery on the local segment (`--local --interface NAME`).

use anyhow::{bail, Result};
use camguard_scan::multicast::{LocalFamily, LocalOptions};
use camguard_scan::ScanConfig;
use clap::{Args, ValueEnum};
use std::time::Duration;

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Toggle {
    /// Enabled.
    #[default]
    On,
    /// Disabled.
    Off,
}

/// Address families of `--local`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LocalFamilyArg {
    /// IPv4 only (239.255.255.250).
    V4,
    /// IPv6 only (FF02::C, link-local).
    V6,
    /// Each family the interface has an address of.
    #[default]
    Both,
}

/// Default of `--local-wait-ms`.
pub const DEFAULT_LOCAL_WAIT_MS: u64 = 2000;

/// Discovery options of `camguard scan`.
#[derive(Debug, Args, Clone)]
pub struct DiscoveryArgs {
    /// Unicast UDP discovery of every live host: an SSDP M-SEARCH to its port 1900 and a
    /// WS-Discovery Probe to its port 3702, sent to that host only (default on).
    #[arg(long, value_enum, default_value_t = Toggle::On, value_name = "on|off")]
    pub udp_discovery: Toggle,
    /// Also discover devices on the local segment by multicast: one WS-Discovery Probe and one
    /// SSDP M-SEARCH to 239.255.255.250 and/or [FF02::C] (--local-family), sent out of
    /// --interface only; replies from addresses outside the scan's targets are ignored and
    /// logged. Needs --interface.
    #[arg(long)]
    pub local: bool,
    /// Network interface for --local (e.g. eth0).
    #[arg(long, value_name = "NAME")]
    pub interface: Option<String>,
    /// How long --local collects replies, milliseconds.
    #[arg(long, default_value_t = DEFAULT_LOCAL_WAIT_MS, value_name = "MS")]
    pub local_wait_ms: u64,
    /// Address families --local multicasts over: v4 (239.255.255.250), v6 (FF02::C, scoped
    /// to --interface) or both (each family the interface has an address of; the default).
    #[arg(long, value_enum, value_name = "v4|v6|both")]
    pub local_family: Option<LocalFamilyArg>,
}

impl Default for DiscoveryArgs {
    fn default() -> Self {
        Self {
            udp_discovery: Toggle::On,
            local: false,
            interface: None,
            local_wait_ms: DEFAULT_LOCAL_WAIT_MS,
            local_family: None,
        }
    }
}

impl DiscoveryArgs {
    /// Apply `--udp-discovery` to `config`; the multicast options when `--local` is given.
    pub fn apply(&self, config: &mut ScanConfig) -> Result<Option<LocalOptions>> {
        if self.udp_discovery == Toggle::Off {
            config.udp_probes.clear();
        }
        match (self.local, &self.interface) {
            (false, None) if self.local_family.is_some() => {
                bail!("--local-family only applies to --local")
            }
            (false, None) => Ok(None),
            (false, Some(_)) => bail!("--interface only applies to --local"),
            (true, None) => bail!(
                "--local needs --interface NAME: multicast goes to one segment, named explicitly"
            ),
            (true, Some(name)) => {
                if self.local_wait_ms == 0 || self.local_wait_ms > 60_000 {
                    bail!("--local-wait-ms must be between 1 and 60000");
                }
                Ok(Some(LocalOptions {
                    interface: name.clone(),
                    wait: Duration::from_millis(self.local_wait_ms),
                    family: match self.local_family.unwrap_or_default() {
                        LocalFamilyArg::V4 => LocalFamily::V4,
                        LocalFamilyArg::V6 => LocalFamily::V6,
                        LocalFamilyArg::Both => LocalFamily::Both,
                    },
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn udp_discovery_off_clears_the_unicast_probes_and_local_needs_an_interface() {
        let mut config = ScanConfig::default();
        assert!(!config.udp_probes.is_empty(), "on by default");
        let off = DiscoveryArgs {
            udp_discovery: Toggle::Off,
            ..DiscoveryArgs::default()
        };
        assert_eq!(off.apply(&mut config).unwrap(), None);
        assert!(config.udp_probes.is_empty());
        let local = DiscoveryArgs {
            local: true,
            ..DiscoveryArgs::default()
        };
        let e = local.apply(&mut ScanConfig::default()).unwrap_err();
        assert!(e.to_string().contains("--local needs --interface"), "{e}");
        let stray = DiscoveryArgs {
            interface: Some("eth0".into()),
            ..DiscoveryArgs::default()
        };
        assert!(stray.apply(&mut ScanConfig::default()).is_err());
        let ok = DiscoveryArgs {
            local: true,
            interface: Some("eth0".into()),
            ..DiscoveryArgs::default()
        };
        let opts = ok.apply(&mut ScanConfig::default()).unwrap().unwrap();
        assert_eq!(opts.interface, "eth0");
        assert_eq!(opts.wait, Duration::from_millis(DEFAULT_LOCAL_WAIT_MS));
        assert_eq!(opts.family, LocalFamily::Both);
        let v6 = DiscoveryArgs {
            local_family: Some(LocalFamilyArg::V6),
            ..ok
        };
        let opts = v6.apply(&mut ScanConfig::default()).unwrap().unwrap();
        assert_eq!(opts.family, LocalFamily::V6);
        let stray = DiscoveryArgs {
            local_family: Some(LocalFamilyArg::V4),
            ..DiscoveryArgs::default()
        };
        let e = stray.apply(&mut ScanConfig::default()).unwrap_err();
        assert!(
            e.to_string()
                .contains("--local-family only applies to --local"),
            "{e}"
        );
    }
}
