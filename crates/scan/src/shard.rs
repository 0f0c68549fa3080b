//! Scan order and sharding: which host comes next, and which hosts belong to this machine.
//!
//! The hosts of a [`TargetSet`] are visited in the order of a seeded cyclic-group permutation
//! ([`crate::permutation`]) over their indices, so consecutive probes land on different hosts and
//! subnets instead of sweeping one /24 after another. A shard `i/n` takes every `n`-th step of
//! the one cycle, starting at step `i − 1` (as ZMap does): the `n` shards of one seed partition
//! the cycle, so together they cover every target exactly once, and each shard still visits its
//! hosts in a spread-out order. Every shard must be given the same targets, excludes and seed.
//!
//! A host's *position* is its step number within its shard (`0, 1, 2, …`); resume checkpoints
//! ([`crate::resume`]) record positions.

use crate::permutation::{Cycle, CycleWalk, MAX_LEN};
use crate::targets::TargetSet;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

/// The seed used when none is given (so two runs with the same targets agree).
pub const DEFAULT_SEED: u64 = 0x0c0f_fee0_cafe_2026;

/// One shard of a scan split across `count` runs: `index` in `1..=count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// This shard, 1-based.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl Default for Shard {
    fn default() -> Self {
        Self { index: 1, count: 1 }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why a shard specification or a scan order cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OrderError {
    /// `--shard` is not `i/n` with `1 ≤ i ≤ n`.
    #[error("invalid shard '{0}': expected i/n with 1 <= i <= n (e.g. 1/4, 2/4, 3/4, 4/4)")]
    BadShard(String),
    /// Too many targets for one permutation.
    #[error("{0} targets are more than one scan can order (at most 2^62); split the targets")]
    TooMany(u64),
}

impl FromStr for Shard {
    type Err = OrderError;

    fn from_str(s: &str) -> Result<Self, OrderError> {
        let bad = || OrderError::BadShard(s.to_string());
        let (i, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

/// Where a walk starts: the first position to look at and the positions beyond it that an
/// earlier run already finished (they are skipped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartAt {
    /// First position to visit.
    pub position: u64,
    /// Positions `≥ position` already done.
    pub done_beyond: BTreeSet<u64>,
}

/// The hosts of one shard in permuted order: yields `(position, address)`.
#[derive(Debug, Clone)]
pub struct ShardWalk {
    targets: Arc<TargetSet>,
    walk: CycleWalk,
    first_step: u64,
    stride: u64,
    skip: BTreeSet<u64>,
}

impl ShardWalk {
    /// Walk `shard` of `targets` under `seed`, from the start.
    pub fn new(targets: Arc<TargetSet>, seed: u64, shard: Shard) -> Result<Self, OrderError> {
        Self::resume(targets, seed, shard, StartAt::default())
    }

    /// Walk `shard` of `targets` under `seed`, from `start`.
    pub fn resume(
        targets: Arc<TargetSet>,
        seed: u64,
        shard: Shard,
        start: StartAt,
    ) -> Result<Self, OrderError> {
        let n = targets.len();
        if n > MAX_LEN {
            return Err(OrderError::TooMany(n));
        }
        if shard.index == 0 || shard.index > shard.count {
            return Err(OrderError::BadShard(shard.to_string()));
        }
        let cycle = Cycle::new(n, seed);
        let first_step = u64::from(shard.index - 1);
        let stride = u64::from(shard.count);
        Ok(Self {
            targets,
            walk: CycleWalk::new(cycle, first_step, stride, start.position),
            first_step,
            stride,
            skip: start.done_beyond,
        })
    }

    /// The position the walk will look at next (all earlier positions were yielded or hold
    /// no target).
    pub fn next_position(&self) -> u64 {
        (self.walk.next_step().saturating_sub(self.first_step)) / self.stride
    }
}

impl Iterator for ShardWalk {
    type Item = (u64, IpAddr);

    fn next(&mut self) -> Option<(u64, IpAddr)> {
        loop {
            let (step, index) = self.walk.next()?;
            let position = (step - self.first_step) / self.stride;
            if !self.skip.is_empty() && self.skip.remove(&position) {
                continue;
            }
            if let Some(ip) = self.targets.addr_at(index) {
                return Some((position, ip));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    #[test]
    fn shard_syntax() {
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        assert_eq!(" 1 / 1 ".parse::<Shard>().unwrap(), Shard::default());
        for bad in ["0/4", "5/4", "1/0", "1", "a/b", "-1/2", "1/2/3"] {
            let err = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(err.starts_with(&format!("invalid shard '{bad}'")), "{err}");
        }
    }

    #[test]
    fn order_is_spread_and_reproducible() {
        let t = Arc::new(TargetSet::parse(&["10.0.0.0/16".to_string()], &[]).unwrap());
        let a: Vec<IpAddr> = ShardWalk::new(t.clone(), 5, Shard::default())
            .unwrap()
            .map(|(_, ip)| ip)
            .take(1000)
            .collect();
        let b: Vec<IpAddr> = ShardWalk::new(t.clone(), 5, Shard::default())
            .unwrap()
            .map(|(_, ip)| ip)
            .take(1000)
            .collect();
        assert_eq!(a, b);
        let same_24 = a
            .windows(2)
            .filter(|w| match (w[0], w[1]) {
                (IpAddr::V4(x), IpAddr::V4(y)) => u32::from(x) >> 8 == u32::from(y) >> 8,
                _ => false,
            })
            .count();
        assert!(same_24 < 50, "{same_24} of 999 neighbours in one /24");
    }

    #[test]
    fn resuming_skips_done_positions() {
        let t = Arc::new(TargetSet::parse(&["10.0.0.0/24".to_string()], &[]).unwrap());
        let all: Vec<(u64, IpAddr)> = ShardWalk::new(t.clone(), 1, Shard::default())
            .unwrap()
            .collect();
        let start = StartAt {
            position: all[100].0,
            done_beyond: [all[101].0, all[150].0].into_iter().collect(),
        };
        let rest: Vec<(u64, IpAddr)> = ShardWalk::resume(t, 1, Shard::default(), start)
            .unwrap()
            .collect();
        let mut want: Vec<(u64, IpAddr)> = all[100..].to_vec();
        want.retain(|p| p.0 != all[101].0 && p.0 != all[150].0);
        assert_eq!(rest, want);
    }

    fn tok((s, l): (u32, u32)) -> String {
        format!("{}-{}", Ipv4Addr::from(s), Ipv4Addr::from(s + l))
    }

    proptest! {
        #[test]
        fn shards_partition_the_targets(
            ranges in proptest::collection::vec((0u32..3000, 0u32..300), 1..5),
            excludes in proptest::collection::vec((0u32..3000, 0u32..100), 0..5),
            seed: u64,
            count in 1u32..=8,
        ) {
            let t: Vec<String> = ranges.iter().copied().map(tok).collect();
            let x: Vec<String> = excludes.iter().copied().map(tok).collect();
            let set = Arc::new(TargetSet::parse(&t, &x).unwrap());
            let mut seen = std::collections::HashSet::new();
            for index in 1..=count {
                let shard = Shard { index, count };
                for (_, ip) in ShardWalk::new(set.clone(), seed, shard).unwrap() {
                    prop_assert!(seen.insert(ip), "{} twice (shard {})", ip, shard);
                }
            }
            let want: std::collections::HashSet<IpAddr> = set.iter().collect();
            prop_assert_eq!(seen, want);
        }
    }
}
