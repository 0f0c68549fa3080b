//! Authorised scope: which addresses may be scanned at all.
//!
//! Loopback and private addresses (RFC 1918, link-local, CGNAT `100.64.0.0/10`, IPv6 ULA and
//! link-local) may be scanned as given. Every public address must be covered by an
//! authorised-scope file, and multicast, broadcast and unspecified addresses are never
//! scanned. The check runs before any packet is sent.

use crate::targets::{normalize, parse_tokens, read_list_file, subtract, Interval, TargetSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

/// Why a scan is not allowed, or a scope file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    /// A public address is not covered by the authorised scope.
    #[error(
        "{addr} is a public address and is not in {where_}: camguard only scans public \
         addresses you are authorised to test; list the authorised networks (CIDRs or ranges, \
         one per line, '#' comments) in a file and pass it with --authorized-scope FILE"
    )]
    NotAuthorized {
        /// The first public address that is not covered.
        addr: IpAddr,
        /// Which scope was consulted ("any authorised-scope file" or the file's path).
        where_: String,
    },
    /// The target is a multicast, broadcast or unspecified address.
    #[error("{addr} is not a unicast host address (multicast, broadcast or unspecified) and is never scanned")]
    NotUnicast {
        /// The offending address.
        addr: IpAddr,
    },
    /// The scope file could not be read or parsed.
    #[error("authorised-scope file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: crate::targets::TargetError,
    },
}

/// Networks a user is authorised to scan, read from a scope file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizedScope {
    intervals: Vec<Interval>,
    origin: String,
}

impl AuthorizedScope {
    /// Read a scope file: one CIDR, address or range per line, `#` comments.
    pub fn from_file(path: &Path) -> Result<Self, ScopeError> {
        let err = |source| ScopeError::File {
            path: path.to_path_buf(),
            source,
        };
        let tokens = read_list_file(path).map_err(err)?;
        let intervals = parse_tokens(&tokens, true).map_err(err)?;
        Ok(Self {
            intervals,
            origin: format!("the authorised scope {}", path.display()),
        })
    }

    /// A scope from in-memory specifications (same syntax as the file).
    pub fn from_specs(specs: &[String]) -> Result<Self, ScopeError> {
        let intervals = parse_tokens(specs, true).map_err(|source| ScopeError::File {
            path: PathBuf::from("<inline>"),
            source,
        })?;
        Ok(Self {
            intervals,
            origin: "the authorised scope".to_string(),
        })
    }

    /// True when the scope covers `ip`.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let probe = match ip {
            IpAddr::V4(a) => Interval::v4(a, a),
            IpAddr::V6(a) => Interval::v6(a, a),
        };
        subtract(&[probe], &self.intervals).is_empty()
    }
}

/// Ranges that may be scanned without a scope file.
fn private_ranges() -> Vec<Interval> {
    let v4 = |a: [u8; 4], b: [u8; 4]| Interval::v4(Ipv4Addr::from(a), Ipv4Addr::from(b));
    let v6 = |a: &str, b: &str| {
        Interval::v6(
            a.parse::<Ipv6Addr>().unwrap_or(Ipv6Addr::LOCALHOST),
            b.parse::<Ipv6Addr>().unwrap_or(Ipv6Addr::LOCALHOST),
        )
    };
    normalize(vec![
        v4([127, 0, 0, 0], [127, 255, 255, 255]),   // loopback
        v4([10, 0, 0, 0], [10, 255, 255, 255]),     // RFC 1918
        v4([172, 16, 0, 0], [172, 31, 255, 255]),   // RFC 1918
        v4([192, 168, 0, 0], [192, 168, 255, 255]), // RFC 1918
        v4([169, 254, 0, 0], [169, 254, 255, 255]), // link-local (RFC 3927)
        v4([100, 64, 0, 0], [100, 127, 255, 255]),  // CGNAT (RFC 6598)
        v6("::1", "::1"),                           // loopback
        v6("fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), // ULA (RFC 4193)
        v6("fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), // link-local
    ])
}

/// Ranges that are never scanned: unspecified, multicast, reserved/broadcast.
fn never_ranges() -> Vec<Interval> {
    let v4 = |a: [u8; 4], b: [u8; 4]| Interval::v4(Ipv4Addr::from(a), Ipv4Addr::from(b));
    let v6 = |a: &str, b: &str| {
        Interval::v6(
            a.parse::<Ipv6Addr>().unwrap_or(Ipv6Addr::UNSPECIFIED),
            b.parse::<Ipv6Addr>().unwrap_or(Ipv6Addr::UNSPECIFIED),
        )
    };
    normalize(vec![
        v4([0, 0, 0, 0], [0, 255, 255, 255]),     // "this network"
        v4([224, 0, 0, 0], [255, 255, 255, 255]), // multicast, reserved, broadcast
        v6("::", "::"),
        v6("ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), // multicast
    ])
}

/// Refuse the scan unless every target is private/loopback or covered by `scope`.
///
/// Runs before any packet is sent; the error names the first offending address.
pub fn enforce_scope(
    targets: &TargetSet,
    scope: Option<&AuthorizedScope>,
) -> Result<(), ScopeError> {
    let never = never_ranges();
    let allowed = private_ranges();
    for iv in targets.intervals() {
        let forbidden = subtract(&[*iv], &subtract(&[*iv], &never));
        if let Some(f) = forbidden.first() {
            return Err(ScopeError::NotUnicast {
                addr: f.addr(f.start),
            });
        }
        let mut rest = subtract(&[*iv], &allowed);
        if let Some(scope) = scope {
            rest = subtract(&rest, &scope.intervals);
        }
        if let Some(first) = rest.first() {
            return Err(ScopeError::NotAuthorized {
                addr: first.addr(first.start),
                where_: scope
                    .map(|s| s.origin.clone())
                    .unwrap_or_else(|| "any authorised-scope file".to_string()),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(t: &[&str]) -> TargetSet {
        let t: Vec<String> = t.iter().map(|s| s.to_string()).collect();
        TargetSet::parse(&t, &[]).unwrap()
    }

    #[test]
    fn loopback_and_private_need_no_scope() {
        let t = ts(&[
            "127.0.0.1",
            "10.1.2.0/24",
            "172.16.0.1-172.16.0.9",
            "192.168.1.1",
            "169.254.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
        ]);
        enforce_scope(&t, None).unwrap();
    }

    #[test]
    fn public_without_scope_is_refused_naming_the_address() {
        let t = ts(&["10.0.0.1", "172.15.255.250-172.16.0.1"]);
        let err = enforce_scope(&t, None).unwrap_err();
        match &err {
            ScopeError::NotAuthorized { addr, .. } => {
                assert_eq!(addr.to_string(), "172.15.255.250")
            }
            e => panic!("unexpected {e}"),
        }
        assert!(err.to_string().contains("--authorized-scope"));
        let err = enforce_scope(&ts(&["2001:db8::1"]), None).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("2001:db8::1 is a public address"));
    }

    #[test]
    fn scope_file_authorises_public_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("scope.txt");
        std::fs::write(
            &p,
            "# contract 42\n198.51.100.0/24\n203.0.113.10-20 # dmz\n",
        )
        .unwrap();
        let scope = AuthorizedScope::from_file(&p).unwrap();
        assert!(scope.contains("203.0.113.15".parse().unwrap()));
        assert!(!scope.contains("203.0.113.21".parse().unwrap()));
        enforce_scope(
            &ts(&["198.51.100.0/25", "203.0.113.10-20", "127.0.0.1"]),
            Some(&scope),
        )
        .unwrap();
        let err = enforce_scope(&ts(&["203.0.113.5-12"]), Some(&scope)).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("203.0.113.5 is a public address"), "{msg}");
        assert!(msg.contains("scope.txt"), "{msg}");
    }

    #[test]
    fn bad_scope_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("scope.txt");
        std::fs::write(&p, "198.51.100.0/24\n198.51.100.999\n").unwrap();
        let err = AuthorizedScope::from_file(&p).unwrap_err().to_string();
        assert!(err.contains("'198.51.100.999'"), "{err}");
    }

    #[test]
    fn multicast_and_broadcast_are_never_scanned() {
        let scope = AuthorizedScope::from_specs(&["0.0.0.0/0".to_string()]).unwrap();
        for t in ["224.0.0.251", "255.255.255.255", "0.0.0.0", "ff02::1"] {
            let err = enforce_scope(&ts(&[t]), Some(&scope)).unwrap_err();
            assert!(matches!(err, ScopeError::NotUnicast { .. }), "{t}: {err}");
        }
    }
}
