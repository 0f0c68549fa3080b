//! The machine's own TCP connect limit: the simplest possible connect loop (tokio, a fixed
//! number of connects in flight, no per-host logic, no rate limit), over every (address, port)
//! pair of a range. Its connects per second are the ceiling any connect scanner on this machine
//! can reach; `bench/discovery_compare.sh` compares camguard and nmap with it.
//!
//! Usage: `connect_limit FIRST_IP COUNT PORTS [IN_FLIGHT=512] [TIMEOUT_MS=1000] [OPEN_OUT]`
//! where PORTS is comma-separated. Prints one JSON line (probes, seconds, probes per second,
//! open ports) and, with OPEN_OUT, writes the open `address port` pairs there, sorted.
//! Every socket is closed with SO_LINGER 0 (a reset), so no TIME_WAIT piles up.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

fn usage() -> ! {
    eprintln!("usage: connect_limit FIRST_IP COUNT PORTS [IN_FLIGHT] [TIMEOUT_MS] [OPEN_OUT]");
    std::process::exit(2)
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: Option<T>) -> T {
    match args.get(i) {
        Some(v) => v.parse().unwrap_or_else(|_| usage()),
        None => default.unwrap_or_else(|| usage()),
    }
}

/// Connect once: `Some(true)` open, `Some(false)` refused, `None` timeout or other error.
async fn probe(addr: SocketAddr, timeout: Duration) -> Option<bool> {
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(s)) => {
            let _ = s.set_zero_linger();
            Some(true)
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Some(false),
        _ => None,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let first: Ipv4Addr = arg(&args, 0, None);
    let count: u32 = arg(&args, 1, None);
    let ports: Vec<u16> = args
        .get(2)
        .unwrap_or_else(|| usage())
        .split(',')
        .map(|p| p.parse().unwrap_or_else(|_| usage()))
        .collect();
    let in_flight: usize = arg(&args, 3, Some(512));
    let timeout = Duration::from_millis(arg(&args, 4, Some(1000)));
    let open_out = args.get(5).cloned();

    let start_ip = u32::from(first);
    let pairs: Vec<SocketAddr> = (0..count)
        .flat_map(|i| {
            let ip = Ipv4Addr::from(start_ip.wrapping_add(i));
            ports.iter().map(move |&p| SocketAddr::from((ip, p)))
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("connect_limit: tokio runtime: {e}");
            std::process::exit(1)
        });
    // IN_FLIGHT worker tasks (spread over the runtime's threads), each taking the next pair.
    let pairs = std::sync::Arc::new(pairs);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let results: Vec<(SocketAddr, Option<bool>)> = runtime.block_on(async {
        let workers: Vec<_> = (0..in_flight.max(1))
            .map(|_| {
                let (pairs, next) = (pairs.clone(), next.clone());
                tokio::spawn(async move {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&addr) = pairs.get(i) else { break };
                        done.push((addr, probe(addr, timeout).await));
                    }
                    done
                })
            })
            .collect();
        let mut all = Vec::new();
        for w in futures::future::join_all(workers).await {
            all.extend(w.unwrap_or_default());
        }
        all
    });
    let secs = started.elapsed().as_secs_f64();
    let mut open: Vec<SocketAddr> = results
        .iter()
        .filter(|(_, r)| *r == Some(true))
        .map(|(a, _)| *a)
        .collect();
    open.sort();
    let failed = results.iter().filter(|(_, r)| r.is_none()).count();
    println!(
        "{{\"probes\":{},\"seconds\":{secs:.3},\"probes_per_sec\":{:.0},\"open\":{},\"timeouts_or_errors\":{failed},\"in_flight\":{in_flight}}}",
        results.len(),
        results.len() as f64 / secs,
        open.len()
    );
    if let Some(path) = open_out {
        let text: String = open
            .iter()
            .map(|a| format!("{} {}\n", a.ip(), a.port()))
            .collect();
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("connect_limit: {path}: {e}");
            std::process::exit(1)
        }
    }
}
