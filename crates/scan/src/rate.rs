//! Pacing and concurrency limits: a global token bucket for new connections (with an
//! injectable clock), a global in-flight socket semaphore and a per-host cap.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A monotonic clock: time elapsed since some fixed origin.
pub trait Clock: Send + Sync {
    /// Time since the clock's origin.
    fn now(&self) -> Duration;
}

/// The real monotonic clock.
#[derive(Debug, Clone)]
pub struct MonotonicClock {
    origin: Instant,
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Clock for MonotonicClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

#[derive(Debug)]
struct Bucket {
    /// Accumulated credit; one token costs `interval`.
    credit: Duration,
    last: Duration,
}

/// Token bucket: `rate` tokens per second, holding at most `burst` tokens.
///
/// Integer arithmetic (credit measured in time) keeps it exact. A rate of 0 means unlimited.
pub struct RateLimiter {
    interval: Option<Duration>,
    capacity: Duration,
    clock: Arc<dyn Clock>,
    bucket: Mutex<Bucket>,
    /// Callers that have to wait queue here (first come, first served), so one waiter at a
    /// time sleeps on the timer instead of every waiter waking at each refill.
    queue: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("interval", &self.interval)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl RateLimiter {
    /// A limiter on the real clock; the burst is a tenth of a second's worth (at least 1).
    pub fn new(rate_per_sec: u32) -> Self {
        Self::with_clock(
            rate_per_sec,
            (rate_per_sec / 10).max(1),
            Arc::new(MonotonicClock::default()),
        )
    }

    /// A limiter on the given clock. The bucket starts full.
    pub fn with_clock(rate_per_sec: u32, burst: u32, clock: Arc<dyn Clock>) -> Self {
        let interval = (rate_per_sec > 0).then(|| Duration::from_secs(1) / rate_per_sec);
        let capacity = interval.unwrap_or_default() * burst.max(1);
        let last = clock.now();
        Self {
            interval,
            capacity,
            clock,
            bucket: Mutex::new(Bucket {
                credit: capacity,
                last,
            }),
            queue: tokio::sync::Mutex::new(()),
        }
    }

    /// Take a token now, or say how long to wait before one is available.
    pub fn try_acquire(&self) -> Result<(), Duration> {
        self.try_acquire_n(1)
    }

    /// Wait (on the tokio timer) until a token is available, then take it.
    pub async fn acquire(&self) {
        self.acquire_n(1).await;
    }

    /// Most tokens one [`RateLimiter::try_acquire_n`] can ever grant (the bucket's size; 0 for
    /// an unlimited limiter, which grants any number).
    pub fn burst(&self) -> u32 {
        match self.interval {
            Some(interval) => (self.capacity.as_nanos() / interval.as_nanos().max(1))
                .try_into()
                .unwrap_or(u32::MAX),
            None => 0,
        }
    }

    /// Take `n` tokens at once (one lock for a batch of connects), or say how long to wait
    /// before they are all available. `n` is capped at [`RateLimiter::burst`], so a batch
    /// never waits for more credit than the bucket holds; the caller sizes its batches to fit.
    pub fn try_acquire_n(&self, n: u32) -> Result<(), Duration> {
        let Some(interval) = self.interval else {
            return Ok(());
        };
        let cost = interval * n.clamp(1, self.burst().max(1));
        let now = self.clock.now();
        let mut b = match self.bucket.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        let elapsed = now.saturating_sub(b.last);
        b.credit = (b.credit + elapsed).min(self.capacity);
        b.last = now;
        if b.credit >= cost {
            b.credit -= cost;
            Ok(())
        } else {
            Err(cost - b.credit)
        }
    }

    /// Wait (on the tokio timer) until `n` tokens are available, then take them.
    pub async fn acquire_n(&self, n: u32) {
        if self.try_acquire_n(n).is_ok() {
            return;
        }
        let _turn = self.queue.lock().await;
        while let Err(wait) = self.try_acquire_n(n) {
            tokio::time::sleep(wait).await;
        }
    }
}

/// All limits shared by one scan.
#[derive(Debug, Clone)]
pub struct Limiter {
    rate: Arc<RateLimiter>,
    in_flight: Arc<Semaphore>,
}

impl Limiter {
    /// Limits for a scan: `rate_per_sec` new connections per second (0 = unlimited) and at
    /// most `max_in_flight` open sockets.
    pub fn new(rate_per_sec: u32, max_in_flight: usize) -> Self {
        Self {
            rate: Arc::new(RateLimiter::new(rate_per_sec)),
            in_flight: Arc::new(Semaphore::new(max_in_flight.max(1))),
        }
    }

    /// Wait for a socket slot and a rate token. Hold the permit for the socket's lifetime
    /// (`None` only if the semaphore was closed, which this crate never does).
    pub async fn connection(&self) -> Option<OwnedSemaphorePermit> {
        let permit = Arc::clone(&self.in_flight).acquire_owned().await.ok();
        self.rate.acquire().await;
        permit
    }
}

/// Per-host cap on parallel connections.
#[derive(Debug, Clone)]
pub struct HostLimiter {
    sem: Arc<Semaphore>,
}

impl HostLimiter {
    /// At most `n` parallel connections to one host.
    pub fn new(n: usize) -> Self {
        Self {
            sem: Arc::new(Semaphore::new(n.max(1))),
        }
    }

    /// Wait for a slot.
    pub async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.sem).acquire_owned().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[derive(Default)]
    struct FakeClock(AtomicU64);
    impl FakeClock {
        fn advance(&self, ms: u64) {
            self.0.fetch_add(ms, Ordering::SeqCst);
        }
    }
    impl Clock for FakeClock {
        fn now(&self) -> Duration {
            Duration::from_millis(self.0.load(Ordering::SeqCst))
        }
    }

    #[test]
    fn bucket_paces_to_the_rate() {
        let clock = Arc::new(FakeClock::default());
        let rl = RateLimiter::with_clock(10, 2, clock.clone());
        // Starts full: the burst passes at once.
        assert!(rl.try_acquire().is_ok());
        assert!(rl.try_acquire().is_ok());
        let wait = rl.try_acquire().unwrap_err();
        assert_eq!(wait, Duration::from_millis(100));
        clock.advance(50);
        assert_eq!(rl.try_acquire().unwrap_err(), Duration::from_millis(50));
        clock.advance(50);
        assert!(rl.try_acquire().is_ok());
        assert!(rl.try_acquire().is_err());
        // Over 10 simulated seconds, at most rate*10 + burst tokens are granted.
        let mut granted = 0;
        for _ in 0..1000 {
            clock.advance(10);
            while rl.try_acquire().is_ok() {
                granted += 1;
            }
        }
        assert_eq!(granted, 100);
        // Idle time does not accumulate beyond the burst.
        clock.advance(60_000);
        assert!(rl.try_acquire().is_ok());
        assert!(rl.try_acquire().is_ok());
        assert!(rl.try_acquire().is_err());
    }

    #[test]
    fn batches_take_several_tokens_and_never_exceed_the_rate() {
        let clock = Arc::new(FakeClock::default());
        let rl = RateLimiter::with_clock(1000, 100, clock.clone());
        assert_eq!(rl.burst(), 100);
        assert!(rl.try_acquire_n(60).is_ok());
        // 40 left: a batch of 60 waits for 20 more tokens (20 ms at 1,000/s).
        assert_eq!(rl.try_acquire_n(60).unwrap_err(), Duration::from_millis(20));
        // A batch larger than the bucket costs the whole bucket, never more.
        clock.advance(1000);
        assert!(rl.try_acquire_n(5000).is_ok());
        assert!(rl.try_acquire_n(1).is_err());
        // Over 10 simulated seconds in batches of 8: at most rate·10 + burst tokens.
        let mut granted = 0u32;
        for _ in 0..1000 {
            clock.advance(10);
            while rl.try_acquire_n(8).is_ok() {
                granted += 8;
            }
        }
        assert!(granted <= 10_000 + 100, "{granted}");
        assert!(granted >= 9_900, "{granted}");
        assert_eq!(RateLimiter::with_clock(0, 1, clock).burst(), 0);
    }

    #[test]
    fn zero_rate_is_unlimited() {
        let rl = RateLimiter::with_clock(0, 1, Arc::new(FakeClock::default()));
        for _ in 0..10_000 {
            assert!(rl.try_acquire().is_ok());
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_waiters_queue_and_keep_to_the_rate() {
        // 400 callers, a bucket of 200 at 2,000/s: 200 pass at once, the other 200 queue
        // behind one sleeper and get through in about 0.1 s, none lost.
        let rl = Arc::new(RateLimiter::with_clock(
            2000,
            200,
            Arc::new(MonotonicClock::default()),
        ));
        let started = std::time::Instant::now();
        let tasks: Vec<_> = (0..400)
            .map(|_| {
                let rl = Arc::clone(&rl);
                tokio::spawn(async move { rl.acquire().await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(95), "{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
    }

    #[tokio::test]
    async fn in_flight_semaphore_bounds_sockets() {
        let l = Limiter::new(0, 2);
        let a = l.connection().await;
        let _b = l.connection().await;
        let third = tokio::time::timeout(Duration::from_millis(20), l.connection()).await;
        assert!(third.is_err(), "third socket must wait");
        drop(a);
        let third = tokio::time::timeout(Duration::from_millis(500), l.connection()).await;
        assert!(third.is_ok());
    }
}
