//! The discovery-only sweep (`--discovery-only`): a lean path that only connects.
//!
//! [`crate::sweep::scan_walk`] runs every host on a task of its own, behind a per-host and a
//! global semaphore, because the follow-up probes need a host's open ports together. A
//! discovery-only scan has no follow-up, so this path drops all of that:
//!
//! - a fixed pool of worker tasks (`min(max_in_flight, concurrency × per_host_parallel)`), each
//!   connecting to one (address, port) at a time, so the pool size *is* the in-flight bound;
//! - the workers pull probes in small batches from one shared source under one short lock:
//!   the shard's hosts in permuted order ([`ShardWalk`]), taken `concurrency` hosts at a time and
//!   handed out port by port across that window (every host's first port, then every host's
//!   second port, …), so about `per_host_parallel` connects hit one host at once without a
//!   per-host semaphore;
//! - the rate limit takes one batch's tokens at once ([`RateLimiter::try_acquire_n`]; batches
//!   never exceed the bucket, so `--rate` is never exceeded);
//! - each connect has its own deadline (`tokio::time::timeout`, as in the connect-limit
//!   example; profiles showed no cost worth a coarser wheel);
//! - the worker that finishes a host's last port builds its [`HostObservation`]; each worker
//!   sends its finished hosts down one channel in batches (at most `FLUSH` hosts or
//!   `MAX_HOLD` of waiting), so the single consumer wakes once per batch, not once per host.
//!
//! Positions, shards, resume and excludes are those of the walk, as in the full sweep: a host is
//! marked dispatched when it leaves the walk and the consumer marks it done, so a checkpoint
//! taken while hosts are in flight resumes exactly as the full sweep's does.

use crate::config::ScanConfig;
use crate::probe::connect_once;
use crate::rate::RateLimiter;
use crate::reason::categorise_rest;
use crate::resume::Progress;
use crate::shard::ShardWalk;
use crate::sweep::{HostPorts, Tracked};
use camguard_model::{Endpoint, EndpointState, HostObservation};
use camguard_protocols::http::ClientOptions;
use futures::Stream;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// Probes a worker takes from the source per lock (fewer when the rate bucket is smaller).
const BATCH: usize = 8;
/// Batches of finished hosts buffered between the workers and the consumer.
const CHANNEL: usize = 1024;
/// Batches the stream takes from the channel at once.
const TAKE: usize = 64;

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One host in flight: its ports, the endpoints found so far and how many are still missing.
struct Host {
    position: u64,
    ip: IpAddr,
    observed_at: chrono::DateTime<chrono::Utc>,
    ports: Vec<u16>,
    endpoints: Mutex<Vec<Endpoint>>,
    remaining: AtomicUsize,
}

impl Host {
    fn new(position: u64, ip: IpAddr, ports: Vec<u16>) -> Self {
        let endpoints = ports
            .iter()
            .map(|&port| Endpoint {
                port,
                state: EndpointState::Error,
                service: None,
                reason: String::new(),
            })
            .collect();
        Self {
            position,
            ip,
            observed_at: chrono::Utc::now(),
            remaining: AtomicUsize::new(ports.len()),
            ports,
            endpoints: Mutex::new(endpoints),
        }
    }

    /// Record port `i`'s outcome; returns the observation when it was the host's last port.
    fn record(
        &self,
        i: usize,
        state: EndpointState,
        reason: String,
    ) -> Option<(u64, HostObservation)> {
        {
            let mut eps = locked(&self.endpoints);
            if let Some(e) = eps.get_mut(i) {
                e.state = state;
                e.reason = reason;
            }
        }
        (self.remaining.fetch_sub(1, Ordering::AcqRel) == 1).then(|| self.finish())
    }

    /// The host's observation (all ports recorded, or none to record).
    fn finish(&self) -> (u64, HostObservation) {
        let mut obs = HostObservation::new(self.ip, self.observed_at);
        obs.endpoints = std::mem::take(&mut *locked(&self.endpoints));
        if obs.is_alive() {
            categorise_rest(&mut obs);
        }
        (self.position, obs)
    }
}

/// Where the workers take their probes from: the walk, a window of hosts, and the cursor
/// (port round, host) within the window.
struct Source {
    hosts: Tracked,
    ports: Vec<u16>,
    extra: Option<HostPorts>,
    window: usize,
    group: Vec<Arc<Host>>,
    rounds: usize,
    round: usize,
    cursor: usize,
    exhausted: bool,
}

impl Source {
    /// Take the next window of hosts from the walk; hosts without a port go to `done`.
    fn refill(&mut self, done: &mut Vec<Arc<Host>>) {
        self.group.clear();
        (self.round, self.cursor, self.rounds) = (0, 0, 0);
        while self.group.len() < self.window {
            let Some((position, ip)) = self.hosts.next() else {
                self.exhausted = true;
                break;
            };
            let mut ports = self.ports.clone();
            if let Some(more) = self.extra.as_ref().and_then(|m| m.get(&ip)) {
                for p in more {
                    if !ports.contains(p) {
                        ports.push(*p);
                    }
                }
            }
            let host = Arc::new(Host::new(position, ip, ports));
            if host.ports.is_empty() {
                done.push(host);
            } else {
                self.rounds = self.rounds.max(host.ports.len());
                self.group.push(host);
            }
        }
    }

    /// Up to `n` probes `(host, port index)` into `out`. Empty `out` means the walk is over.
    fn fill(&mut self, n: usize, out: &mut Vec<(Arc<Host>, usize)>, done: &mut Vec<Arc<Host>>) {
        while out.len() < n {
            if self.round >= self.rounds {
                if self.exhausted {
                    return;
                }
                self.refill(done);
                continue;
            }
            let host = &self.group[self.cursor];
            if self.round < host.ports.len() {
                out.push((Arc::clone(host), self.round));
            }
            self.cursor += 1;
            if self.cursor == self.group.len() {
                self.cursor = 0;
                self.round += 1;
            }
        }
    }
}

/// Finished hosts a worker holds before it hands them to the writer in one send.
const FLUSH: usize = 16;
/// Longest a finished host waits in a worker's hands once the worker is free to send it.
const MAX_HOLD: Duration = Duration::from_millis(20);

type Finished = Vec<(u64, HostObservation)>;

/// A worker's finished hosts, sent to the writer in batches (one wake-up of the writer per
/// batch instead of one per host).
struct Outbox {
    tx: mpsc::Sender<Finished>,
    held: Finished,
    since: Option<Instant>,
}

impl Outbox {
    fn push(&mut self, done: (u64, HostObservation)) {
        self.held.push(done);
        self.since.get_or_insert_with(Instant::now);
    }

    fn due(&self) -> bool {
        self.held.len() >= FLUSH || self.since.is_some_and(|t| t.elapsed() >= MAX_HOLD)
    }

    /// Send what is held; `false` when the writer is gone.
    async fn flush(&mut self) -> bool {
        self.since = None;
        if self.held.is_empty() {
            return true;
        }
        self.tx.send(std::mem::take(&mut self.held)).await.is_ok()
    }
}

/// One worker: take a batch, pay its rate tokens, connect to each probe in turn. Finished
/// hosts are sent when [`FLUSH`] are held, when the oldest has waited [`MAX_HOLD`], before
/// waiting for rate tokens and when the walk is over.
async fn worker(
    source: Arc<Mutex<Source>>,
    rate: Option<Arc<RateLimiter>>,
    batch: usize,
    opts: ClientOptions,
    tx: mpsc::Sender<Finished>,
) {
    let mut probes = Vec::with_capacity(batch);
    let mut empty = Vec::new();
    let mut out = Outbox {
        tx,
        held: Vec::new(),
        since: None,
    };
    loop {
        locked(&source).fill(batch, &mut probes, &mut empty);
        for host in empty.drain(..) {
            out.push(host.finish());
        }
        if probes.is_empty() {
            out.flush().await;
            return;
        }
        if let Some(rate) = &rate {
            let n = probes.len() as u32;
            if rate.try_acquire_n(n).is_err() {
                if !out.flush().await {
                    return;
                }
                rate.acquire_n(n).await;
            }
        }
        for (host, i) in probes.drain(..) {
            let addr = SocketAddr::new(host.ip, host.ports[i]);
            let (state, reason) = connect_once(addr, &opts).await;
            if let Some(done) = host.record(i, state, reason) {
                out.push(done);
            }
            if out.due() && !out.flush().await {
                return;
            }
        }
    }
}

/// The stream's state: workers not started yet (they start on the first poll, inside the
/// caller's runtime), or running.
enum State {
    Idle(Box<Start>),
    Running {
        rx: mpsc::Receiver<Finished>,
        workers: JoinSet<()>,
        ready: Finished,
    },
}

struct Start {
    source: Source,
    config: Arc<ScanConfig>,
}

impl Start {
    fn spawn(self) -> State {
        let cfg = self.config;
        let n = cfg
            .max_in_flight
            .min(cfg.concurrency.saturating_mul(cfg.per_host_parallel.max(1)))
            .max(1);
        let rate = (cfg.rate_per_sec > 0).then(|| Arc::new(RateLimiter::new(cfg.rate_per_sec)));
        let batch = match &rate {
            Some(r) => BATCH.min(r.burst().max(1) as usize),
            None => BATCH,
        };
        let source = Arc::new(Mutex::new(self.source));
        let (tx, rx) = mpsc::channel(CHANNEL);
        let mut workers = JoinSet::new();
        for _ in 0..n {
            workers.spawn(worker(
                Arc::clone(&source),
                rate.clone(),
                batch,
                cfg.client_options(),
                tx.clone(),
            ));
        }
        State::Running {
            rx,
            workers,
            ready: Vec::new(),
        }
    }
}

/// Discover the hosts of `walk` (connect only, as `config.discovery_only` asks): yields
/// `(position, observation)` as each host's last port is done (unordered), with the same
/// endpoints and reasons as [`crate::sweep::scan_walk`] gives a discovery-only scan. When
/// `progress` is given, each position is marked dispatched as it leaves the walk; the caller
/// marks it done. Dropping the stream aborts the workers (hosts in flight are not yielded).
pub fn discovery_walk(
    walk: ShardWalk,
    config: Arc<ScanConfig>,
    extra_ports: Option<HostPorts>,
    progress: Option<Arc<Mutex<Progress>>>,
) -> impl Stream<Item = (u64, HostObservation)> + Send {
    let mut ports = config.ports.clone();
    let mut seen = std::collections::HashSet::new();
    ports.retain(|p| seen.insert(*p));
    let source = Source {
        hosts: Tracked::new(walk, progress),
        ports,
        extra: extra_ports,
        window: config.concurrency.max(1),
        group: Vec::new(),
        rounds: 0,
        round: 0,
        cursor: 0,
        exhausted: false,
    };
    let start = State::Idle(Box::new(Start { source, config }));
    futures::stream::unfold(start, |mut state| async move {
        loop {
            match state {
                State::Idle(start) => state = start.spawn(),
                State::Running {
                    mut rx,
                    mut workers,
                    mut ready,
                } => {
                    if let Some(item) = ready.pop() {
                        return Some((item, State::Running { rx, workers, ready }));
                    }
                    let mut batches = Vec::new();
                    if rx.recv_many(&mut batches, TAKE).await == 0 {
                        // Every worker is gone; one that panicked would have lost hosts.
                        while let Some(joined) = workers.join_next().await {
                            if let Err(e) = joined {
                                if e.is_panic() {
                                    std::panic::resume_unwind(e.into_panic());
                                }
                            }
                        }
                        return None;
                    }
                    ready.extend(batches.into_iter().flatten());
                    ready.reverse();
                    state = State::Running { rx, workers, ready };
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::TargetSet;
    use crate::Shard;
    use futures::StreamExt;
    use std::collections::HashMap;
    use std::time::Duration;

    fn walk(spec: &str) -> ShardWalk {
        let t = Arc::new(TargetSet::parse(&[spec.to_string()], &[]).unwrap());
        ShardWalk::new(t, 7, Shard::default()).unwrap()
    }

    #[test]
    fn source_hands_out_every_port_of_every_host_once_port_by_port() {
        let extra: HostPorts = Arc::new(HashMap::from([("10.0.0.3".parse().unwrap(), vec![2, 9])]));
        let mut source = Source {
            hosts: Tracked::new(walk("10.0.0.0/29"), None),
            ports: vec![1, 2, 3],
            extra: Some(extra),
            window: 3,
            group: Vec::new(),
            rounds: 0,
            round: 0,
            cursor: 0,
            exhausted: false,
        };
        let (mut out, mut done) = (Vec::new(), Vec::new());
        let mut all = Vec::new();
        loop {
            source.fill(5, &mut out, &mut done);
            if out.is_empty() {
                break;
            }
            all.extend(out.drain(..).map(|(h, i)| (h.ip, h.ports[i])));
        }
        assert!(done.is_empty());
        assert_eq!(all.len(), 8 * 3 + 1, "{all:?}");
        let unique: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(unique.len(), all.len());
        assert!(all.contains(&("10.0.0.3".parse().unwrap(), 9)));
        // Within the first window of three hosts, the first three probes are three hosts.
        let first: std::collections::HashSet<_> = all[..3].iter().map(|(ip, _)| ip).collect();
        assert_eq!(first.len(), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn finds_open_and_closed_ports_of_every_host() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = listener.local_addr().unwrap().port();
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cfg = ScanConfig {
            ports: vec![open, closed, open],
            rate_per_sec: 0,
            concurrency: 2,
            connect_timeout: Duration::from_secs(5),
            discovery_only: true,
            ..ScanConfig::default()
        };
        let got: Vec<(u64, HostObservation)> =
            discovery_walk(walk("127.0.0.1-4"), Arc::new(cfg), None, None)
                .collect()
                .await;
        assert_eq!(got.len(), 4);
        for (_, obs) in &got {
            assert_eq!(obs.endpoints.len(), 2, "ports deduplicated: {obs:?}");
            let ep = |p: u16| obs.endpoints.iter().find(|e| e.port == p).unwrap();
            assert_eq!(ep(closed).state, EndpointState::Closed);
            assert_eq!(ep(closed).reason, "closed: connection refused");
            if obs.ip.to_string() == "127.0.0.1" {
                assert_eq!(ep(open).state, EndpointState::Open);
                assert_eq!(ep(open).reason, "open, unknown: connection accepted");
            } else {
                assert_eq!(ep(open).state, EndpointState::Closed);
            }
        }
        let mut positions: Vec<u64> = got.iter().map(|(p, _)| *p).collect();
        positions.sort_unstable();
        assert_eq!(positions, vec![0, 1, 2, 3]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_rate_limited_sweep_keeps_to_its_rate() {
        let cfg = ScanConfig {
            ports: vec![1, 2, 3, 4],
            rate_per_sec: 200,
            concurrency: 64,
            discovery_only: true,
            ..ScanConfig::default()
        };
        // 25 hosts × 4 ports = 100 connects at 200/s with a burst of 20: at least 0.4 s.
        let started = std::time::Instant::now();
        let n = discovery_walk(walk("127.0.0.1-25"), Arc::new(cfg), None, None)
            .count()
            .await;
        assert_eq!(n, 25);
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(390), "{took:?}");
    }
}
