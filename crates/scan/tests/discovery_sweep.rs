//! The discovery-only fast path (`crates/scan/src/discovery_sweep.rs`) against the full sweep
//! on a running lab: the same endpoints with the same states and reasons, the manifest's open
//! set exactly, shards that partition the targets, and a stop + resume that loses and repeats
//! nothing.

use camguard_lab::{Lab, LabConfig, LabOptions, Manifest};
use camguard_model::{EndpointState, HostObservation};
use camguard_scan::discovery_sweep::discovery_walk;
use camguard_scan::resume::{spec_hash, Checkpoint, Progress};
use camguard_scan::sweep::{lock, scan_walk};
use camguard_scan::{ExcludeList, ScanConfig, Shard, ShardWalk, TargetSet};
use futures::StreamExt;
use rand::Rng;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SEED: u64 = 2026;

/// A generated lab of 24 devices at a random 127.x.y.1, its /26 (with 40 empty addresses and
/// two addresses excluded) as targets, and the lab's ports plus one no device listens on.
async fn setup() -> (Lab, Arc<TargetSet>, Arc<ScanConfig>) {
    let mut rng = rand::thread_rng();
    let base = Ipv4Addr::new(127, rng.gen_range(100..200), rng.gen_range(1..250), 1);
    let lab = Lab::start(
        &LabConfig::generate(24, 5),
        &LabOptions {
            base,
            port_offset: 21_000,
        },
    )
    .await
    .expect("lab starts");
    let mut ports: BTreeSet<u16> = lab
        .manifest()
        .devices
        .iter()
        .flat_map(|d| d.ports.values().copied())
        .collect();
    ports.insert(21_001);
    let o = base.octets();
    let net = format!("{}.{}.{}.0/26", o[0], o[1], o[2]);
    let excludes = ExcludeList::parse(&[format!("{}.{}.{}.5-6", o[0], o[1], o[2])]).unwrap();
    let targets = TargetSet::parse(&[net], &[]).unwrap().without(&excludes);
    let config = ScanConfig {
        ports: ports.into_iter().collect(),
        rate_per_sec: 0,
        concurrency: 16,
        connect_timeout: Duration::from_secs(5),
        udp_probes: Vec::new(),
        discovery_only: true,
        ..ScanConfig::default()
    };
    (lab, Arc::new(targets), Arc::new(config))
}

type Endpoints = BTreeMap<IpAddr, Vec<(u16, EndpointState, String)>>;

fn endpoints(found: &[HostObservation]) -> Endpoints {
    found
        .iter()
        .map(|o| {
            let mut eps: Vec<_> = o
                .endpoints
                .iter()
                .map(|e| (e.port, e.state, e.reason.clone()))
                .collect();
            eps.sort_by_key(|e| e.0);
            (o.ip, eps)
        })
        .collect()
}

fn open_set(found: &Endpoints) -> BTreeSet<(IpAddr, u16)> {
    found
        .iter()
        .flat_map(|(ip, eps)| {
            eps.iter()
                .filter(|e| e.1 == EndpointState::Open)
                .map(move |e| (*ip, e.0))
        })
        .collect()
}

fn expected_open(manifest: &Manifest, targets: &TargetSet) -> BTreeSet<(IpAddr, u16)> {
    manifest
        .devices
        .iter()
        .map(|d| IpAddr::V4(d.address))
        .filter(|ip| targets.contains(*ip))
        .flat_map(|ip| {
            let d = manifest
                .devices
                .iter()
                .find(|d| IpAddr::V4(d.address) == ip)
                .unwrap();
            d.ports.values().map(move |&p| (ip, p))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fast_path_finds_what_the_full_sweep_finds_on_a_lab() {
    let (lab, targets, config) = setup().await;
    let walk = || ShardWalk::new(targets.clone(), SEED, Shard::default()).unwrap();
    let full: Vec<HostObservation> = scan_walk(walk(), config.clone(), None, None)
        .map(|(_, o)| o)
        .collect()
        .await;
    let fast: Vec<(u64, HostObservation)> = discovery_walk(walk(), config.clone(), None, None)
        .collect()
        .await;
    assert_eq!(fast.len() as u64, targets.len(), "one observation per host");
    let positions: HashSet<u64> = fast.iter().map(|(p, _)| *p).collect();
    assert_eq!(positions.len(), fast.len(), "each position once");
    let fast: Vec<HostObservation> = fast.into_iter().map(|(_, o)| o).collect();
    let (a, b) = (endpoints(&full), endpoints(&fast));
    assert_eq!(a, b, "same endpoints, states and reasons");
    let want = expected_open(lab.manifest(), &targets);
    assert!(want.len() > 40, "{want:?}");
    assert_eq!(open_set(&b), want);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fast_path_shards_partition_the_targets_and_resume_repeats_nothing() {
    let (lab, targets, config) = setup().await;
    let all: HashSet<IpAddr> = targets.iter().collect();
    let hash = spec_hash(&targets, &config.ports);
    let mut seen: Vec<IpAddr> = Vec::new();
    let mut open = BTreeSet::new();
    for index in 1..=3 {
        let shard = Shard { index, count: 3 };
        // Stop after 5 hosts, checkpoint, resume from the file.
        let progress = Arc::new(Mutex::new(Progress::new(&Default::default(), 0)));
        let walk = ShardWalk::new(targets.clone(), SEED, shard).unwrap();
        let mut stream = Box::pin(discovery_walk(
            walk,
            config.clone(),
            None,
            Some(progress.clone()),
        ));
        let mut first = Vec::new();
        while let Some((pos, obs)) = stream.next().await {
            first.push(obs);
            lock(&progress).done(pos);
            if first.len() == 5 {
                break;
            }
        }
        drop(stream);
        let cp = lock(&progress).checkpoint(SEED, shard, &hash, targets.len(), false);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan.resume");
        cp.save(&path).unwrap();
        let cp = Checkpoint::load(&path).unwrap().unwrap();
        cp.check(&path, SEED, shard, &hash).unwrap();
        let walk = ShardWalk::resume(targets.clone(), SEED, shard, cp.start()).unwrap();
        let rest: Vec<HostObservation> = discovery_walk(walk, config.clone(), None, None)
            .map(|(_, o)| o)
            .collect()
            .await;
        for o in first.iter().chain(&rest) {
            seen.push(o.ip);
        }
        open.extend(open_set(&endpoints(&first)));
        open.extend(open_set(&endpoints(&rest)));
    }
    let unique: HashSet<IpAddr> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "a host was scanned twice");
    assert_eq!(unique, all, "every target once, excluded ones never");
    assert_eq!(open, expected_open(lab.manifest(), &targets));
    lab.shutdown().await;
}
