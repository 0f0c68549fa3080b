//! The switches of the safe surface checks' behaviours in a lab file: an anonymous snapshot
//! (`anonymous_snapshot`), a web UI answering 200 to every path (`http_any_path_200`), an SNMP
//! agent (`snmp = "<community>"`) and a CS2 PPPP P2P LAN-search responder (`p2p`). Every switch
//! defaults to off, so lab files that do not name one are unchanged.
//!
//! ```toml
//! [[device]]
//! personality = "dahua"
//! anonymous_snapshot = true   # the vendor snapshot CGI serves a JPEG without credentials
//! http_any_path_200 = true    # unknown web paths get 200 and the login page (no JPEG)
//! snmp = "public"             # SNMP v1/v2c agent on UDP 161 accepting this community
//! p2p = true                  # CS2 PPPP LAN search answered on UDP 32108 with the device's UID
//! ```

use serde::{Deserialize, Serialize};

/// Keys of a `[[device]]` entry that this module owns.
const KEYS: [&str; 4] = ["anonymous_snapshot", "http_any_path_200", "snmp", "p2p"];

/// Longest SNMP community accepted in a lab file.
const MAX_COMMUNITY: usize = 32;

/// Surface switches of one device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Switches {
    /// The personality's snapshot CGI serves a JPEG to anyone.
    pub anonymous_snapshot: bool,
    /// Unknown web paths are answered 200 with the login page (before any authentication).
    pub http_any_path_200: bool,
    /// Community string of the SNMP agent; `None` = no agent.
    pub snmp: Option<String>,
    /// CS2 PPPP LAN-search responder.
    pub p2p: bool,
}

/// Remove this module's keys from a device entry (so the rest can be parsed strictly).
pub fn split_off(entry: &mut toml::Value) -> toml::Table {
    crate::config::take_keys(entry, &KEYS)
}

/// Parse the keys taken by [`split_off`]; an error names the bad key.
pub fn parse(keys: toml::Table) -> Result<Switches, (String, String)> {
    let mut s = Switches::default();
    for (key, value) in keys {
        match key.as_str() {
            "snmp" => {
                let c = value
                    .as_str()
                    .filter(|c| {
                        !c.is_empty()
                            && c.len() <= MAX_COMMUNITY
                            && c.chars().all(|ch| ch.is_ascii_graphic())
                    })
                    .ok_or_else(|| {
                        (
                            key.clone(),
                            format!("a community string of 1–{MAX_COMMUNITY} printable ASCII characters"),
                        )
                    })?;
                s.snmp = Some(c.to_string());
            }
            _ => {
                let b = value
                    .as_bool()
                    .ok_or_else(|| (key.clone(), "must be true or false".to_string()))?;
                match key.as_str() {
                    "anonymous_snapshot" => s.anonymous_snapshot = b,
                    "http_any_path_200" => s.http_any_path_200 = b,
                    _ => s.p2p = b,
                }
            }
        }
    }
    Ok(s)
}

/// The surface switches of the generated labs ([`crate::LabConfig::generate`]), by weakness
/// profile: the anonymous-RTSP profile also serves an anonymous snapshot, the telnet profile
/// runs SNMP with `public`, the Basic-everywhere profile answers the P2P LAN search.
pub fn for_profile(profile: usize) -> Switches {
    match profile {
        1 => Switches {
            anonymous_snapshot: true,
            ..Switches::default()
        },
        2 => Switches {
            snmp: Some("public".into()),
            ..Switches::default()
        },
        4 => Switches {
            p2p: true,
            ..Switches::default()
        },
        _ => Switches::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_parse() {
        let mut v: toml::Value = toml::from_str(
            "personality = \"dahua\"\nanonymous_snapshot = true\nsnmp = \"public\"\np2p = false\n",
        )
        .expect("toml");
        let keys = split_off(&mut v);
        assert_eq!(keys.len(), 3);
        assert!(v.as_table().is_some_and(|t| t.len() == 1));
        let s = parse(keys).expect("parses");
        assert!(s.anonymous_snapshot && !s.p2p && !s.http_any_path_200);
        assert_eq!(s.snmp.as_deref(), Some("public"));
    }

    #[test]
    fn errors_name_the_key() {
        for (text, key) in [
            ("snmp = true", "snmp"),
            ("snmp = \"\"", "snmp"),
            ("snmp = \"with space\"", "snmp"),
            ("p2p = \"yes\"", "p2p"),
            ("http_any_path_200 = 1", "http_any_path_200"),
        ] {
            let mut v: toml::Value = toml::from_str(text).expect("toml");
            assert_eq!(parse(split_off(&mut v)).expect_err(text).0, key, "{text}");
        }
    }
}
