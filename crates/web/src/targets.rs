//! Scan targets of the API and the rule that a scan may only target an authorised scope.

use ipnet::IpNet;
use std::net::IpAddr;

/// An inclusive address range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First address.
    pub first: IpAddr,
    /// Last address.
    pub last: IpAddr,
}

/// Parse one target: an address, a CIDR or `first-last` (full addresses).
pub fn parse_target(text: &str) -> Result<Range, String> {
    let text = text.trim();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(Range {
            first: ip,
            last: ip,
        });
    }
    if let Ok(net) = text.parse::<IpNet>() {
        return Ok(Range {
            first: net.network(),
            last: net.broadcast(),
        });
    }
    if let Some((a, b)) = text.split_once('-') {
        if let (Ok(a), Ok(b)) = (a.trim().parse::<IpAddr>(), b.trim().parse::<IpAddr>()) {
            if a.is_ipv4() == b.is_ipv4() && a <= b {
                return Ok(Range { first: a, last: b });
            }
        }
    }
    Err(format!(
        "{text:?} is not an address, a CIDR or a first-last range"
    ))
}

/// Parse a scope CIDR as stored.
pub fn parse_scope(text: &str) -> Result<IpNet, String> {
    text.trim()
        .parse::<IpNet>()
        .map(|n| n.trunc())
        .map_err(|_| format!("{text:?} is not a CIDR"))
}

/// True when the whole range lies inside one of the scopes.
pub fn inside(range: Range, scopes: &[IpNet]) -> bool {
    scopes
        .iter()
        .any(|s| s.contains(&range.first) && s.contains(&range.last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_inside_and_outside_scopes() {
        let scopes = [parse_scope("127.0.108.0/24").unwrap()];
        for ok in ["127.0.108.5", "127.0.108.0/25", "127.0.108.1-127.0.108.20"] {
            assert!(inside(parse_target(ok).unwrap(), &scopes), "{ok}");
        }
        for out in [
            "127.0.109.1",
            "127.0.108.0/23",
            "127.0.108.250-127.0.109.2",
            "10.0.0.1",
        ] {
            assert!(!inside(parse_target(out).unwrap(), &scopes), "{out}");
        }
        for bad in ["", "x", "127.0.0.5-127.0.0.1", "1.2.3.4-::1", "1.2.3.4/40"] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }
}
