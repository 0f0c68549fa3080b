//! Stopping a scan midway and resuming it from its checkpoint: nothing lost, nothing twice,
//! even though hosts finish out of order. Real sockets on loopback: most targets refuse the
//! connection at once, and three "slow" hosts accept it and never answer (the HTTP probe waits
//! out its deadline), so they are still in flight when the fast hosts behind them finish.

use camguard_scan::resume::{spec_hash, Checkpoint, Progress};
use camguard_scan::sweep::{lock, scan_walk};
use camguard_scan::{ScanConfig, Shard, ShardWalk, TargetSet};
use futures::StreamExt;
use rand::Rng;
use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SEED: u64 = 99;

struct Setup {
    targets: Arc<TargetSet>,
    config: Arc<ScanConfig>,
    /// Slow hosts' listeners (kept open for the test's duration).
    _listeners: Vec<std::net::TcpListener>,
    slow: Vec<IpAddr>,
}

/// 128 loopback addresses on one port; the hosts at shard positions 1, 4 and 9 listen.
fn setup(shard: Shard) -> Setup {
    let mut rng = rand::thread_rng();
    let base = Ipv4Addr::new(127, rng.gen_range(30..90), rng.gen_range(1..250), 0);
    let targets = Arc::new(TargetSet::parse(&[format!("{base}/25")], &[]).unwrap());
    let order: Vec<IpAddr> = ShardWalk::new(targets.clone(), SEED, shard)
        .unwrap()
        .map(|(_, ip)| ip)
        .collect();
    let slow: Vec<IpAddr> = [1, 4, 9].iter().map(|&i| order[i]).collect();
    let first = std::net::TcpListener::bind(SocketAddr::new(slow[0], 0)).unwrap();
    let port = first.local_addr().unwrap().port();
    let mut listeners = vec![first];
    for ip in &slow[1..] {
        listeners.push(std::net::TcpListener::bind(SocketAddr::new(*ip, port)).unwrap());
    }
    let config = Arc::new(ScanConfig {
        ports: vec![port],
        concurrency: 8,
        rate_per_sec: 0,
        connect_timeout: Duration::from_millis(500),
        io_timeout: Duration::from_millis(700),
        ..ScanConfig::default()
    });
    Setup {
        targets,
        config,
        _listeners: listeners,
        slow,
    }
}

/// Run a shard from `cp` (or from scratch); stop after `stop_after` hosts when given.
/// Returns the hosts finished and the checkpoint at the stop.
async fn run(
    s: &Setup,
    shard: Shard,
    cp: Option<&Checkpoint>,
    stop_after: Option<usize>,
) -> (Vec<IpAddr>, Checkpoint) {
    let start = cp.map(Checkpoint::start).unwrap_or_default();
    let progress = Arc::new(Mutex::new(Progress::new(
        &start,
        cp.map_or(0, |c| c.completed),
    )));
    let walk = ShardWalk::resume(s.targets.clone(), SEED, shard, start).unwrap();
    let mut stream = Box::pin(scan_walk(
        walk,
        s.config.clone(),
        None,
        Some(progress.clone()),
    ));
    let mut done = Vec::new();
    while let Some((pos, obs)) = stream.next().await {
        // "Write the record", then mark the host done.
        done.push(obs.ip);
        lock(&progress).done(pos);
        if stop_after.is_some_and(|n| done.len() >= n) {
            break;
        }
    }
    let finished = stop_after.is_none();
    // Dropping the stream abandons the hosts in flight, as a stopped process would.
    drop(stream);
    let hash = spec_hash(&s.targets, &s.config.ports);
    let cp = lock(&progress).checkpoint(SEED, shard, &hash, s.targets.len(), finished);
    (done, cp)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_midway_and_resume_equals_one_full_scan() {
    let shard = Shard::default();
    let s = setup(shard);
    let (full, _) = run(&s, shard, None, None).await;
    let all: HashSet<IpAddr> = s.targets.iter().collect();
    assert_eq!(full.len(), all.len());
    assert_eq!(full.iter().copied().collect::<HashSet<_>>(), all);

    // Stop after 40 hosts: the slow ones (positions 1, 4, 9) are still in flight.
    let (first, cp) = run(&s, shard, None, Some(40)).await;
    for ip in &s.slow {
        assert!(
            !first.contains(ip),
            "slow host {ip} finished among the first 40"
        );
    }
    assert_eq!(
        cp.position, 1,
        "low-water mark is the slowest host in flight"
    );
    assert!(
        cp.done_beyond.len() >= 37,
        "hosts that overtook it are recorded: {:?}",
        cp.done_beyond
    );
    assert_eq!(cp.completed, 40);
    assert!(!cp.finished);

    // Through the file, as `--resume` does.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scan.resume");
    cp.save(&path).unwrap();
    let cp = Checkpoint::load(&path).unwrap().unwrap();
    cp.check(&path, SEED, shard, &spec_hash(&s.targets, &s.config.ports))
        .unwrap();

    let (second, end) = run(&s, shard, Some(&cp), None).await;
    let a: HashSet<IpAddr> = first.iter().copied().collect();
    let b: HashSet<IpAddr> = second.iter().copied().collect();
    assert_eq!(a.len(), first.len(), "no host twice in the first run");
    assert_eq!(b.len(), second.len(), "no host twice in the resumed run");
    assert!(a.is_disjoint(&b), "repeated: {:?}", a.intersection(&b));
    assert_eq!(&a | &b, all, "nothing lost");
    assert!(end.finished);
    assert_eq!(end.completed, all.len() as u64);
    assert!(end.done_beyond.is_empty());

    // Resuming a finished checkpoint probes nothing.
    let (third, _) = run(&s, shard, Some(&end), None).await;
    assert!(third.is_empty(), "{third:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_and_resumed_shards_still_partition_the_targets() {
    let all_shards: Vec<Shard> = (1..=3).map(|index| Shard { index, count: 3 }).collect();
    let s = setup(all_shards[1]);
    let mut seen: Vec<IpAddr> = Vec::new();
    for &shard in &all_shards {
        let (first, cp) = run(&s, shard, None, Some(15)).await;
        let (rest, _) = run(&s, shard, Some(&cp), None).await;
        seen.extend(first);
        seen.extend(rest);
    }
    let unique: HashSet<IpAddr> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "a host was scanned twice");
    assert_eq!(unique, s.targets.iter().collect::<HashSet<_>>());
}
