//! Walk a target set in scan order without probing anything, and report the count, time and
//! peak RSS: the memory the target space itself costs (docs/benchmarks.md, "Target space").
//!
//! `cargo run --release -p camguard-scan --example walk_targets -- 10.0.0.0/8 [EXCLUDE_FILE] [SHARD]`

use camguard_scan::{ExcludeList, Shard, ShardWalk, TargetSet, DEFAULT_SEED};
use std::sync::Arc;

fn peak_rss_kib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "?".into())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let spec = args.first().cloned().unwrap_or_else(|| "10.0.0.0/8".into());
    let mut set = TargetSet::parse(std::slice::from_ref(&spec), &[])?;
    let mut excluded = 0;
    if let Some(file) = args.get(1).filter(|f| !f.is_empty()) {
        let x = ExcludeList::from_file(std::path::Path::new(file))?;
        excluded = x.interval_count();
        set = set.without(&x);
    }
    let shard: Shard = match args.get(2) {
        Some(s) => s.parse()?,
        None => Shard::default(),
    };
    let started = std::time::Instant::now();
    let walk = ShardWalk::new(Arc::new(set.clone()), DEFAULT_SEED, shard)?;
    let mut count = 0u64;
    let mut checksum = 0u64;
    for (pos, ip) in walk {
        count += 1;
        if let std::net::IpAddr::V4(a) = ip {
            checksum = checksum.wrapping_add(u64::from(u32::from(a)) ^ pos);
        }
    }
    println!(
        "{spec} shard {shard}: {count} of {} addresses ({} intervals, {excluded} exclude intervals) in {:.2} s; peak RSS {} (checksum {checksum:x})",
        set.len(),
        set.interval_count(),
        started.elapsed().as_secs_f64(),
        peak_rss_kib()
    );
    Ok(())
}
