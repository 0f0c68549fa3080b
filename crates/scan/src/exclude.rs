//! Exclusion lists: addresses never to scan, as sorted, merged, disjoint intervals.
//!
//! Lists come from `--exclude` tokens and `--exclude-file` files (one CIDR, address or range
//! per line, `#` comments; IPv6 networks of any size are accepted). After sorting and merging,
//! [`ExcludeList::contains`] is a binary search (O(log n) per address), and
//! [`ExcludeList::apply`] removes the list from a set of target intervals in one linear sweep,
//! so a `/8` minus a few thousand excludes costs a few thousand intervals, never one entry per
//! address.

use crate::targets::{normalize, parse_tokens, read_list_file, Interval, TargetError};
use std::net::IpAddr;
use std::path::Path;

/// A sorted, merged set of excluded address intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExcludeList {
    intervals: Vec<Interval>,
}

impl ExcludeList {
    /// Parse exclude tokens (each string may hold several, separated by commas or spaces).
    pub fn parse(specs: &[String]) -> Result<Self, TargetError> {
        Ok(Self {
            intervals: parse_tokens(specs, true)?,
        })
    }

    /// Read an exclude file: one token per line, `#` comments, blank lines ignored.
    pub fn from_file(path: &Path) -> Result<Self, TargetError> {
        Self::parse(&read_list_file(path)?)
    }

    /// Both lists together.
    pub fn merge(mut self, other: ExcludeList) -> Self {
        self.intervals.extend(other.intervals);
        self.intervals = normalize(self.intervals);
        self
    }

    /// Number of merged intervals (the memory the list costs).
    pub fn interval_count(&self) -> usize {
        self.intervals.len()
    }

    /// True when nothing is excluded.
    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    /// True when `ip` is excluded: a binary search over the merged intervals.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let probe = Interval::single(ip);
        // The last interval starting at or before the address is the only candidate.
        let i = self
            .intervals
            .partition_point(|iv| (iv.family, iv.start) <= (probe.family, probe.start));
        i > 0 && {
            let iv = self.intervals[i - 1];
            iv.family == probe.family && iv.end >= probe.start
        }
    }

    /// `targets` (normalised) minus this list, normalised.
    pub(crate) fn apply(&self, targets: &[Interval]) -> Vec<Interval> {
        subtract_sorted(targets, &self.intervals)
    }
}

/// `a` minus `b`, both sorted and merged; one linear sweep (O(|a| + |b|)).
pub(crate) fn subtract_sorted(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::with_capacity(a.len());
    let mut j = 0;
    for &iv in a {
        let key = |x: &Interval| (x.family, x.end);
        // Skip excludes that end before this interval starts.
        while j < b.len() && key(&b[j]) < (iv.family, iv.start) {
            j += 1;
        }
        let mut cur_start = iv.start;
        let mut k = j;
        let mut whole_gone = false;
        while k < b.len() && b[k].family == iv.family && b[k].start <= iv.end {
            let ex = b[k];
            if ex.start > cur_start {
                out.push(Interval {
                    family: iv.family,
                    start: cur_start,
                    end: ex.start - 1,
                });
            }
            if ex.end >= iv.end {
                whole_gone = true;
                break;
            }
            cur_start = cur_start.max(ex.end + 1);
            k += 1;
        }
        if !whole_gone {
            out.push(Interval {
                family: iv.family,
                start: cur_start,
                end: iv.end,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    fn list(t: &[&str]) -> ExcludeList {
        ExcludeList::parse(&t.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn contains_is_exact_at_the_edges() {
        let x = list(&["10.0.0.0/30", "10.0.0.8-9", "::1", "fd00::/64"]);
        let yes = [
            "10.0.0.0",
            "10.0.0.3",
            "10.0.0.8",
            "10.0.0.9",
            "::1",
            "fd00::ffff",
        ];
        let no = [
            "9.255.255.255",
            "10.0.0.4",
            "10.0.0.7",
            "10.0.0.10",
            "::2",
            "fd00:0:0:1::",
        ];
        for a in yes {
            assert!(x.contains(a.parse().unwrap()), "{a}");
        }
        for a in no {
            assert!(!x.contains(a.parse().unwrap()), "{a}");
        }
        assert!(!ExcludeList::default().contains("10.0.0.1".parse().unwrap()));
    }

    #[test]
    fn file_with_comments_and_overlaps_merges() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.txt");
        std::fs::write(
            &p,
            "# never scan the NVR VLAN\n10.1.0.0/16\n10.1.2.0/24 # inside the /16\n\n10.3.0.0-10.3.0.255\n10.3.1.0/24\n",
        )
        .unwrap();
        let x = ExcludeList::from_file(&p).unwrap();
        assert_eq!(x.interval_count(), 2);
        assert!(x.contains("10.3.1.200".parse().unwrap()));
        std::fs::write(&p, "10.1.0.0/16\nnot-an-address\n").unwrap();
        let err = ExcludeList::from_file(&p).unwrap_err().to_string();
        assert!(err.contains("'not-an-address'"), "{err}");
    }

    #[test]
    fn slash8_minus_many_excludes_stays_small() {
        // 4096 scattered /24 excludes from a /8: memory is O(#ranges).
        let specs: Vec<String> = (0..4096u32)
            .map(|i| format!("{}/24", Ipv4Addr::from((10 << 24) | (i * 997 % 65536) << 8)))
            .collect();
        let x = ExcludeList::parse(&specs).unwrap();
        let t = crate::TargetSet::parse(&["10.0.0.0/8".to_string()], &[])
            .unwrap()
            .without(&x);
        assert_eq!(t.len(), (1 << 24) - 4096 * 256);
        assert!(t.interval_count() <= 4097);
    }

    proptest! {
        #[test]
        fn sweep_matches_membership(
            targets in proptest::collection::vec((0u32..600, 0u32..40), 1..6),
            excludes in proptest::collection::vec((0u32..600, 0u32..40), 0..8),
        ) {
            let tok = |(s, l): (u32, u32)| format!("{}-{}", Ipv4Addr::from(s), Ipv4Addr::from(s + l));
            let t: Vec<String> = targets.iter().copied().map(tok).collect();
            let x: Vec<String> = excludes.iter().copied().map(tok).collect();
            let xl = ExcludeList::parse(&x).unwrap();
            let set = crate::TargetSet::parse(&t, &x).unwrap();
            let got: Vec<IpAddr> = set.iter().collect();
            let mut want: Vec<IpAddr> = (0u32..700)
                .map(|n| IpAddr::V4(Ipv4Addr::from(n)))
                .filter(|a| targets.iter().any(|&(s, l)| {
                    let n = match a { IpAddr::V4(v) => u32::from(*v), _ => unreachable!() };
                    n >= s && n <= s + l
                }))
                .filter(|a| !xl.contains(*a))
                .collect();
            want.sort();
            prop_assert_eq!(got, want);
        }
    }
}
