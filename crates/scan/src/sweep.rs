//! The ordered scan: hosts of one shard in permuted order, with positions for checkpoints and
//! optional per-host extra ports (from imports).
//!
//! Probing stays per host: each host's ports are discovered together and the probes build one
//! [`HostObservation`] per host. Only the *order of hosts* follows the permutation. Permuting
//! (address × port) pairs instead, as ZMap does, would scatter one host's ports over the whole
//! scan: the per-host follow-up probes (HTTP → ONVIF → RTSP route search, credentials) need all
//! of a host's open ports at once, so the engine would have to keep partial state for every host
//! until its last port came up — O(#hosts) memory and no result before the end of the sweep.
//! That needs a two-phase engine (a stateless (address × port) discovery sweep, then grouping
//! the open ports by host, spilled to disk for large scans, then per-host probing); the
//! permutation ([`crate::permutation::Cycle`]) already works for any `n`, including
//! `#addresses × #ports`. Within a host, the per-host parallel cap and the global rate limit
//! still spread connections.

use crate::config::ScanConfig;
use crate::engine::probe_host;
use crate::rate::Limiter;
use crate::resume::Progress;
use crate::shard::ShardWalk;
use camguard_model::HostObservation;
use futures::{Stream, StreamExt};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Extra ports for some hosts (e.g. the open ports an import listed), added to the scan's
/// port set for those hosts only.
pub type HostPorts = Arc<HashMap<IpAddr, Vec<u16>>>;

/// Lock a progress tracker, recovering from a poisoned lock (the data stays consistent: every
/// update is a single insert or remove).
pub fn lock(progress: &Mutex<Progress>) -> std::sync::MutexGuard<'_, Progress> {
    progress
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Records every position the walk hands out in `progress`.
pub(crate) struct Tracked {
    walk: ShardWalk,
    progress: Option<Arc<Mutex<Progress>>>,
}

impl Tracked {
    /// Hand out the hosts of `walk`, marking each dispatched in `progress` (when given).
    pub(crate) fn new(walk: ShardWalk, progress: Option<Arc<Mutex<Progress>>>) -> Self {
        Self { walk, progress }
    }
}

impl Iterator for Tracked {
    type Item = (u64, IpAddr);

    fn next(&mut self) -> Option<(u64, IpAddr)> {
        let item = self.walk.next();
        if let Some(p) = &self.progress {
            let mut p = lock(p);
            match item {
                Some((pos, _)) => p.dispatched(pos),
                None => p.walked_to(self.walk.next_position()),
            }
        }
        item
    }
}

/// Scan the hosts of `walk`; yields `(position, observation)` as each host finishes
/// (unordered). When `progress` is given, each position is marked dispatched as it is handed
/// to a prober; the caller marks it done (after writing the result) with [`Progress::done`].
pub fn scan_walk(
    walk: ShardWalk,
    config: Arc<ScanConfig>,
    extra_ports: Option<HostPorts>,
    progress: Option<Arc<Mutex<Progress>>>,
) -> impl Stream<Item = (u64, HostObservation)> + Send {
    let limiter = Limiter::new(config.rate_per_sec, config.max_in_flight);
    let concurrency = config.concurrency.max(1);
    let tracked = Tracked::new(walk, progress);
    futures::stream::iter(tracked)
        .map(move |(pos, ip)| {
            let cfg = match extra_ports.as_ref().and_then(|m| m.get(&ip)) {
                Some(more) => {
                    let mut c = ScanConfig::clone(&config);
                    for p in more {
                        if !c.ports.contains(p) {
                            c.ports.push(*p);
                        }
                    }
                    Arc::new(c)
                }
                None => Arc::clone(&config),
            };
            let fut = probe_host(ip, cfg, limiter.clone());
            async move { (pos, fut.await) }
        })
        .buffer_unordered(concurrency)
}
