//! Per-device switches for the services a personality may ship beyond web, RTSP, ONVIF and
//! telnet: the vendor private ports (`vendor_ports`), an FTP greeter (`ftp`) and an SSH
//! greeter (`ssh`). Every switch defaults to off, so lab files and generated labs that do not
//! name one are unchanged.

use crate::personality::Personality;
use serde::{Deserialize, Serialize};

/// Keys of a `[[device]]` entry that this module owns.
const KEYS: [&str; 3] = ["vendor_ports", "ftp", "ssh"];

/// Which extra services a device runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExtraServices {
    /// Open the personality's vendor private ports (Dahua 37777, Xiongmai 34567, Hikvision
    /// 8000).
    pub vendor_ports: bool,
    /// Run the personality's FTP greeter.
    pub ftp: bool,
    /// Run the personality's SSH greeter.
    pub ssh: bool,
}

impl ExtraServices {
    /// Everything the personality ships, switched on.
    pub fn all_of(p: &Personality) -> ExtraServices {
        ExtraServices {
            vendor_ports: !p.vendor_ports.is_empty(),
            ftp: p.ftp.is_some(),
            ssh: p.ssh.is_some(),
        }
    }

    /// A switch that is on although the personality has no such service: `(key, message)`.
    pub fn check(&self, p: &Personality) -> Result<(), (String, String)> {
        let missing = |key: &str| {
            (
                key.to_string(),
                format!("personality {:?} has no {key} service", p.id),
            )
        };
        if self.vendor_ports && p.vendor_ports.is_empty() {
            return Err(missing("vendor_ports"));
        }
        if self.ftp && p.ftp.is_none() {
            return Err(missing("ftp"));
        }
        if self.ssh && p.ssh.is_none() {
            return Err(missing("ssh"));
        }
        Ok(())
    }
}

/// Remove this module's keys from a device entry (so the rest can be parsed strictly).
pub fn split_off(entry: &mut toml::Value) -> toml::Table {
    crate::config::take_keys(entry, &KEYS)
}

/// Parse the keys taken by [`split_off`]; an error names the bad key.
pub fn parse(keys: toml::Table) -> Result<ExtraServices, (String, String)> {
    for (k, v) in &keys {
        if !v.is_bool() {
            return Err((k.clone(), "must be true or false".into()));
        }
    }
    ExtraServices::deserialize(toml::Value::Table(keys))
        .map_err(|e| ("?".to_string(), e.message().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_parse() {
        let mut v: toml::Value =
            toml::from_str("personality = \"dahua\"\nvendor_ports = true\nssh = false\n").unwrap();
        let keys = split_off(&mut v);
        assert_eq!(keys.len(), 2);
        assert!(v.as_table().is_some_and(|t| t.len() == 1));
        let s = parse(keys).expect("parses");
        assert!(s.vendor_ports && !s.ftp && !s.ssh);
        let mut bad: toml::Value = toml::from_str("ftp = \"yes\"\n").unwrap();
        assert_eq!(parse(split_off(&mut bad)).unwrap_err().0, "ftp");
    }
}
