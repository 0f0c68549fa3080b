//! Target specifications: single addresses, CIDRs and ranges, with excludes.
//!
//! A [`TargetSet`] holds sorted, merged, disjoint address intervals, so a `/8` costs two
//! integers, [`TargetSet::len`] is exact and [`TargetSet::iter`] is lazy.
//! [`TargetSet::addr_at`] maps an index in `0..len` to its address with a binary search over
//! the intervals' running totals; the scan order ([`crate::walk`]) is built on it.
//!
//! IPv6 is accepted as single addresses and as prefixes of at most [`MAX_V6_PREFIX_ADDRS`]
//! addresses (`/112` or longer); a wider prefix is refused with a clear error, because sweeping
//! an IPv6 subnet address by address is hopeless (a `/64` holds 2^64 addresses).

use ipnet::Ipv4Net;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

/// Why a target specification could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// A token is not an address, CIDR or range.
    #[error("invalid target '{token}': {reason}")]
    Invalid {
        /// The token as written.
        token: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A targets file could not be read.
    #[error("cannot read targets file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Largest IPv6 prefix that may be given as a target, in addresses (a `/112`).
pub const MAX_V6_PREFIX_ADDRS: u128 = 1 << 16;

/// Address family of an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Family {
    V4,
    V6,
}

/// An inclusive interval of addresses of one family, as integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Interval {
    pub(crate) family: Family,
    pub(crate) start: u128,
    pub(crate) end: u128,
}

impl Interval {
    pub(crate) fn single(ip: IpAddr) -> Self {
        let (family, n) = to_int(ip);
        Self {
            family,
            start: n,
            end: n,
        }
    }

    pub(crate) fn v4(start: Ipv4Addr, end: Ipv4Addr) -> Self {
        Self {
            family: Family::V4,
            start: u128::from(u32::from(start)),
            end: u128::from(u32::from(end)),
        }
    }

    pub(crate) fn v6(start: Ipv6Addr, end: Ipv6Addr) -> Self {
        Self {
            family: Family::V6,
            start: u128::from(start),
            end: u128::from(end),
        }
    }

    /// Number of addresses (saturating for the whole IPv6 space).
    fn len(&self) -> u128 {
        (self.end - self.start).saturating_add(1)
    }

    pub(crate) fn addr(&self, n: u128) -> IpAddr {
        from_int(self.family, n)
    }
}

fn to_int(ip: IpAddr) -> (Family, u128) {
    match ip {
        IpAddr::V4(a) => (Family::V4, u128::from(u32::from(a))),
        IpAddr::V6(a) => (Family::V6, u128::from(a)),
    }
}

fn from_int(family: Family, n: u128) -> IpAddr {
    match family {
        // Intervals of the V4 family only ever hold u32 values.
        Family::V4 => IpAddr::V4(Ipv4Addr::from(u32::try_from(n).unwrap_or(u32::MAX))),
        Family::V6 => IpAddr::V6(Ipv6Addr::from(n)),
    }
}

/// Sort and merge overlapping or adjacent intervals.
pub(crate) fn normalize(mut v: Vec<Interval>) -> Vec<Interval> {
    v.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for iv in v {
        if let Some(last) = out.last_mut() {
            if last.family == iv.family && iv.start <= last.end.saturating_add(1) {
                last.end = last.end.max(iv.end);
                continue;
            }
        }
        out.push(iv);
    }
    out
}

/// `a` minus `b`, both normalised; the result is normalised (one linear sweep).
pub(crate) fn subtract(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    crate::exclude::subtract_sorted(a, b)
}

/// Parse one token (address, CIDR, `a.b.c.d-e` or `a.b.c.d-a.b.c.e`) into an interval.
///
/// `allow_v6_ranges` permits IPv6 CIDRs (used for excludes and scope files).
pub(crate) fn parse_token(token: &str, allow_v6_ranges: bool) -> Result<Interval, TargetError> {
    let t = token.trim();
    let invalid = |reason: &str| TargetError::Invalid {
        token: t.to_string(),
        reason: reason.to_string(),
    };
    if t.is_empty() {
        return Err(invalid("empty target"));
    }
    if let Some((addr, prefix)) = t.split_once('/') {
        if let Ok(net) = t.parse::<Ipv4Net>() {
            return Ok(Interval::v4(net.network(), net.broadcast()));
        }
        if let Ok(net) = t.parse::<ipnet::Ipv6Net>() {
            let size = 1u128 << (128 - u32::from(net.prefix_len())).min(127);
            if !allow_v6_ranges && size > MAX_V6_PREFIX_ADDRS {
                return Err(invalid(&format!(
                    "IPv6 prefix /{} is too large to sweep; camguard scans IPv6 prefixes of at \
                     most {MAX_V6_PREFIX_ADDRS} addresses (/112 or longer): list the hosts, use \
                     --import, or narrow the prefix",
                    net.prefix_len()
                )));
            }
            return Ok(Interval::v6(net.network(), net.broadcast()));
        }
        if addr.parse::<IpAddr>().is_err() {
            return Err(invalid("not an IP address before '/'"));
        }
        return Err(invalid(&format!(
            "bad prefix length '{prefix}' (IPv4: 0-32, IPv6: 0-128)"
        )));
    }
    if let Some((a, b)) = t.split_once('-') {
        let start: Ipv4Addr = a
            .trim()
            .parse()
            .map_err(|_| invalid("range start is not an IPv4 address"))?;
        let b = b.trim();
        let end: Ipv4Addr = if b.contains('.') {
            b.parse()
                .map_err(|_| invalid("range end is not an IPv4 address"))?
        } else {
            let last: u8 = b
                .parse()
                .map_err(|_| invalid("range end must be an IPv4 address or an octet 0-255"))?;
            let o = start.octets();
            Ipv4Addr::new(o[0], o[1], o[2], last)
        };
        if end < start {
            return Err(invalid("range end is before range start"));
        }
        return Ok(Interval::v4(start, end));
    }
    match t.parse::<IpAddr>() {
        Ok(ip) => Ok(Interval::single(ip)),
        Err(_) => Err(invalid(
            "expected an IPv4/IPv6 address, a CIDR (10.0.0.0/24) or a range (10.0.0.1-20, 10.0.0.1-10.0.0.20)",
        )),
    }
}

/// Parse many tokens; each argument may itself hold several tokens separated by commas
/// or whitespace.
pub(crate) fn parse_tokens(
    specs: &[String],
    allow_v6_ranges: bool,
) -> Result<Vec<Interval>, TargetError> {
    let mut v = Vec::new();
    for spec in specs {
        for tok in spec
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            v.push(parse_token(tok, allow_v6_ranges)?);
        }
    }
    Ok(normalize(v))
}

/// Read a list file: one token per line, `#` starts a comment, blank lines ignored.
pub(crate) fn read_list_file(path: &Path) -> Result<Vec<String>, TargetError> {
    let text = std::fs::read_to_string(path).map_err(|source| TargetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// Read a `--targets-file`: one target per line, `#` comments.
pub fn read_target_file(path: &Path) -> Result<Vec<String>, TargetError> {
    read_list_file(path)
}

/// The addresses to scan: targets minus excludes, deduplicated, in ascending order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetSet {
    intervals: Vec<Interval>,
    /// `ends[i]` = number of addresses in `intervals[..=i]` (running totals for `addr_at`).
    ends: Vec<u128>,
}

impl TargetSet {
    /// Parse target and exclude specifications (each string may hold several tokens
    /// separated by commas or spaces).
    pub fn parse(specs: &[String], excludes: &[String]) -> Result<TargetSet, TargetError> {
        let include = parse_tokens(specs, false)?;
        let exclude = crate::exclude::ExcludeList::parse(excludes)?;
        Ok(Self::from_intervals(exclude.apply(&include)))
    }

    /// A set from normalised intervals.
    pub(crate) fn from_intervals(intervals: Vec<Interval>) -> Self {
        let mut total = 0u128;
        let ends = intervals
            .iter()
            .map(|iv| {
                total = total.saturating_add(iv.len());
                total
            })
            .collect();
        Self { intervals, ends }
    }

    /// These targets plus single addresses (e.g. from an import).
    pub fn with_addresses(&self, extra: impl IntoIterator<Item = IpAddr>) -> Self {
        let mut v = self.intervals.clone();
        v.extend(extra.into_iter().map(Interval::single));
        Self::from_intervals(normalize(v))
    }

    /// These targets minus an exclusion list.
    pub fn without(&self, excludes: &crate::exclude::ExcludeList) -> Self {
        Self::from_intervals(excludes.apply(&self.intervals))
    }

    /// Number of disjoint intervals held (what the set costs in memory).
    pub fn interval_count(&self) -> usize {
        self.intervals.len()
    }

    /// The address with index `i` in ascending order (`0..len`): a binary search over the
    /// running totals, O(log #intervals).
    pub fn addr_at(&self, i: u64) -> Option<IpAddr> {
        let i = u128::from(i);
        let k = self.ends.partition_point(|&end| end <= i);
        let iv = self.intervals.get(k)?;
        let before = if k == 0 { 0 } else { self.ends[k - 1] };
        Some(iv.addr(iv.start + (i - before)))
    }

    /// True when `ip` is one of the targets (binary search).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let p = Interval::single(ip);
        let k = self
            .intervals
            .partition_point(|iv| (iv.family, iv.start) <= (p.family, p.start));
        k > 0 && {
            let iv = self.intervals[k - 1];
            iv.family == p.family && iv.end >= p.start
        }
    }

    /// A stable fingerprint of the address set (FNV-1a over the intervals), stored in resume
    /// checkpoints so a checkpoint is never applied to other targets.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv1a::default();
        for iv in &self.intervals {
            h.write(&[iv.family as u8]);
            h.write(&iv.start.to_be_bytes());
            h.write(&iv.end.to_be_bytes());
        }
        h.0
    }

    /// Number of addresses (saturating at `u64::MAX`).
    pub fn len(&self) -> u64 {
        let total: u128 = self
            .intervals
            .iter()
            .fold(0u128, |acc, iv| acc.saturating_add(iv.len()));
        u64::try_from(total).unwrap_or(u64::MAX)
    }

    /// True when no address is left.
    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    /// Iterate lazily over the addresses.
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> + Send + '_ {
        self.intervals.iter().flat_map(|iv| {
            let iv = *iv;
            (iv.start..=iv.end).map(move |n| iv.addr(n))
        })
    }

    pub(crate) fn intervals(&self) -> &[Interval] {
        &self.intervals
    }
}

/// FNV-1a, 64-bit: a tiny stable hash (its output must not change between releases).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv1a(pub(crate) u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

impl IntoIterator for TargetSet {
    type Item = IpAddr;
    type IntoIter = Box<dyn Iterator<Item = IpAddr> + Send>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(
            self.intervals
                .into_iter()
                .flat_map(|iv| (iv.start..=iv.end).map(move |n| iv.addr(n))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(t: &[&str], x: &[&str]) -> Result<TargetSet, TargetError> {
        let t: Vec<String> = t.iter().map(|s| s.to_string()).collect();
        let x: Vec<String> = x.iter().map(|s| s.to_string()).collect();
        TargetSet::parse(&t, &x)
    }

    fn addrs(s: &TargetSet) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn single_addresses_v4_and_v6() {
        let s = set(&["127.0.0.1", "::1"], &[]).unwrap();
        assert_eq!(addrs(&s), vec!["127.0.0.1", "::1"]);
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn cidr_includes_all_addresses_and_truncates_host_bits() {
        let s = set(&["127.0.0.5/30"], &[]).unwrap();
        assert_eq!(
            addrs(&s),
            vec!["127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7"]
        );
    }

    #[test]
    fn ranges_short_and_full() {
        let s = set(&["10.0.0.1-3"], &[]).unwrap();
        assert_eq!(addrs(&s), vec!["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
        let s = set(&["10.0.0.254-10.0.1.1"], &[]).unwrap();
        assert_eq!(
            addrs(&s),
            vec!["10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1"]
        );
    }

    #[test]
    fn duplicates_and_overlaps_merge() {
        let s = set(
            &["10.0.0.1-5", "10.0.0.3,10.0.0.4-10.0.0.8", "10.0.0.9"],
            &[],
        )
        .unwrap();
        assert_eq!(s.len(), 9);
        assert_eq!(s.iter().count(), 9);
    }

    #[test]
    fn excludes_cut_holes() {
        let s = set(&["10.0.0.0/29"], &["10.0.0.2-3", "10.0.0.7"]).unwrap();
        assert_eq!(
            addrs(&s),
            vec!["10.0.0.0", "10.0.0.1", "10.0.0.4", "10.0.0.5", "10.0.0.6"]
        );
        assert_eq!(s.len(), 5);
        let s = set(&["10.0.0.1"], &["10.0.0.0/24"]).unwrap();
        assert!(s.is_empty());
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn bad_tokens_are_named() {
        for bad in [
            "10.0.0.300",
            "10.0.0.1/33",
            "10.0.0.9-3",
            "10.0.0.1-300",
            "camera.local",
            "10.0.0.1-10.0.0.x",
            "2001:db8::/64",
            "2001:db8::/111",
        ] {
            let err = set(&[bad], &[]).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("invalid target '{bad}': ")),
                "{bad}: {err}"
            );
        }
        let err = set(&["127.0.0.1"], &["nope"]).unwrap_err().to_string();
        assert!(err.contains("'nope'"), "{err}");
    }

    #[test]
    fn huge_range_is_lazy() {
        let s = set(&["10.0.0.0/8", "0.0.0.0/0"], &["10.1.0.0/16"]).unwrap();
        assert_eq!(s.len(), (1u64 << 32) - 65536);
        let first: Vec<String> = s.iter().take(2).map(|a| a.to_string()).collect();
        assert_eq!(first, vec!["0.0.0.0", "0.0.0.1"]);
        // Skipping into the middle is fast because nothing is materialised.
        let s = set(&["10.0.0.0/8"], &[]).unwrap();
        assert_eq!(s.iter().nth(70_000).unwrap().to_string(), "10.1.17.112");
    }

    #[test]
    fn targets_file_skips_comments() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.txt");
        std::fs::write(&p, "# lab\n127.0.0.1  # cam\n\n127.0.0.2-3\n").unwrap();
        let toks = read_target_file(&p).unwrap();
        assert_eq!(toks, vec!["127.0.0.1", "127.0.0.2-3"]);
        assert_eq!(TargetSet::parse(&toks, &[]).unwrap().len(), 3);
        assert!(read_target_file(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn ipv6_small_prefixes_are_targets_and_large_ones_are_refused() {
        let s = set(&["fd00::/126", "::1"], &["fd00::2"]).unwrap();
        assert_eq!(addrs(&s), vec!["::1", "fd00::", "fd00::1", "fd00::3"]);
        let s = set(&["fd00::/112"], &[]).unwrap();
        assert_eq!(s.len(), 65_536);
        assert_eq!(s.addr_at(65_535).unwrap().to_string(), "fd00::ffff");
        let err = set(&["fd00::/64"], &[]).unwrap_err().to_string();
        assert!(err.contains("/64 is too large"), "{err}");
        assert!(err.contains("/112"), "{err}");
        // Excludes may be any size.
        assert!(set(&["fd00::/120"], &["fd00::/64"]).unwrap().is_empty());
    }

    #[test]
    fn addr_at_agrees_with_iteration() {
        let s = set(
            &["10.0.0.250-10.0.1.3", "127.0.0.1", "::1", "fd00::/127"],
            &["10.0.1.0"],
        )
        .unwrap();
        let by_index: Vec<IpAddr> = (0..s.len()).map(|i| s.addr_at(i).unwrap()).collect();
        assert_eq!(by_index, s.iter().collect::<Vec<_>>());
        assert_eq!(s.addr_at(s.len()), None);
        assert!(s.contains("10.0.1.3".parse().unwrap()));
        assert!(!s.contains("10.0.1.0".parse().unwrap()));
        assert!(s.contains("fd00::1".parse().unwrap()));
        assert_ne!(
            s.fingerprint(),
            set(&["127.0.0.1"], &[]).unwrap().fingerprint()
        );
        let more = s.with_addresses(["10.0.1.0".parse().unwrap()]);
        assert_eq!(more.len(), s.len() + 1);
    }
}
