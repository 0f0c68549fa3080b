//! A seeded pseudo-random permutation of `0..n` from a cyclic multiplicative group.
//!
//! This follows the idea ZMap published (Durumeric, Wustrow, Halderman, USENIX Security 2013):
//! pick a prime `p > n`, a generator `g` of the multiplicative group of integers modulo `p`
//! (which is cyclic of order `p − 1`), and walk `x ← x·g mod p` from a seeded start. The walk
//! visits every value `1..p` exactly once before it returns to the start; the values `1..=n`
//! stand for the indices `0..n` and the larger ones are skipped. Each step needs one
//! multiplication and the state is three integers, so nothing is materialised.
//!
//! `g` is a generator when `g^((p−1)/q) ≠ 1 (mod p)` for every prime factor `q` of `p − 1`;
//! `p − 1` is factored with Pollard's rho and primes are tested with a Miller–Rabin test that
//! is deterministic for 64-bit integers. The seed drives SplitMix64 (not `rand`), so the order
//! for a given seed never changes with a dependency upgrade and a set of shards started on
//! different machines agrees.

/// Largest `n` a permutation accepts (keeps `p` well inside `u64` so `x·g` fits in `u128`).
pub const MAX_LEN: u64 = 1 << 62;

/// SplitMix64: a tiny, stable seeded generator.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `lo..=hi` (slightly biased for huge ranges, which does not matter here).
    pub fn in_range(&mut self, lo: u64, hi: u64) -> u64 {
        debug_assert!(lo <= hi);
        let span = hi - lo;
        if span == u64::MAX {
            return self.next_u64();
        }
        lo + self.next_u64() % (span + 1)
    }
}

/// `a·b mod m`.
pub fn mul_mod(a: u64, b: u64, m: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(m)) as u64
}

/// `b^e mod m`.
pub fn pow_mod(mut b: u64, mut e: u64, m: u64) -> u64 {
    if m == 1 {
        return 0;
    }
    let mut r = 1u64;
    b %= m;
    while e > 0 {
        if e & 1 == 1 {
            r = mul_mod(r, b, m);
        }
        b = mul_mod(b, b, m);
        e >>= 1;
    }
    r
}

/// Deterministic Miller–Rabin for every `u64` (the first twelve primes as bases suffice).
pub fn is_prime(n: u64) -> bool {
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    for p in BASES {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let s = (n - 1).trailing_zeros();
    let d = (n - 1) >> s;
    'bases: for a in BASES {
        let mut x = pow_mod(a, d, n);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul_mod(x, x, n);
            if x == n - 1 {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

/// The smallest prime strictly greater than `n` (`n < MAX_LEN`).
pub fn next_prime(n: u64) -> u64 {
    let mut c = n + 1;
    while !is_prime(c) {
        c += 1;
    }
    c
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// One non-trivial factor of the odd composite `n` (Pollard's rho with Floyd's cycle finding).
fn pollard_rho(n: u64, rng: &mut SplitMix64) -> u64 {
    loop {
        let c = rng.in_range(1, n - 1);
        let f = |x: u64| (mul_mod(x, x, n) + c) % n;
        let mut x = rng.in_range(0, n - 1);
        let mut y = x;
        let mut d = 1u64;
        while d == 1 {
            x = f(x);
            y = f(f(y));
            d = gcd(x.abs_diff(y), n);
        }
        if d != n {
            return d;
        }
    }
}

/// The distinct prime factors of `n`, ascending.
pub fn prime_factors(n: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut stack = vec![n];
    let mut rng = SplitMix64::new(n);
    while let Some(mut m) = stack.pop() {
        for p in [2u64, 3, 5, 7, 11, 13] {
            while m.is_multiple_of(p) {
                out.push(p);
                m /= p;
            }
        }
        if m == 1 {
            continue;
        }
        if is_prime(m) {
            out.push(m);
            continue;
        }
        let d = pollard_rho(m, &mut rng);
        stack.push(d);
        stack.push(m / d);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// True when `g` generates the multiplicative group modulo the prime `p`, given the
/// distinct prime factors of `p − 1`.
pub fn is_generator(g: u64, p: u64, factors_of_p_minus_1: &[u64]) -> bool {
    if g.is_multiple_of(p) {
        return false;
    }
    factors_of_p_minus_1
        .iter()
        .all(|&q| pow_mod(g, (p - 1) / q, p) != 1)
}

/// The cyclic group chosen for a permutation of `0..n`: prime, generator and start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cycle {
    /// Number of indices permuted.
    pub n: u64,
    /// The prime modulus (`p > n`).
    pub p: u64,
    /// A generator of the multiplicative group modulo `p`.
    pub g: u64,
    /// The first element of the walk (in `1..p`).
    pub start: u64,
}

impl Cycle {
    /// The group for `n` indices and `seed`. `n` is capped at [`MAX_LEN`] by the caller.
    pub fn new(n: u64, seed: u64) -> Self {
        let n = n.min(MAX_LEN);
        let p = next_prime(n.max(1));
        let mut rng = SplitMix64::new(seed ^ 0x6361_6d67_7561_7264); // "camguard"
        if p == 2 {
            return Self {
                n,
                p,
                g: 1,
                start: 1,
            };
        }
        let factors = prime_factors(p - 1);
        let g = loop {
            let g = rng.in_range(2, p - 1);
            if is_generator(g, p, &factors) {
                break g;
            }
        };
        let start = rng.in_range(1, p - 1);
        Self { n, p, g, start }
    }

    /// Number of steps in the full cycle (`p − 1`).
    pub fn order(&self) -> u64 {
        self.p - 1
    }

    /// The element after `k` steps from the start: `start·g^k mod p`.
    pub fn element_at(&self, k: u64) -> u64 {
        mul_mod(self.start, pow_mod(self.g, k, self.p), self.p)
    }

    /// The index (in `0..n`) at step `k`, or `None` when that step's value is skipped.
    pub fn index_at(&self, k: u64) -> Option<u64> {
        let x = self.element_at(k);
        (x <= self.n).then(|| x - 1)
    }

    /// Walk the whole cycle: every index of `0..n` exactly once, in permuted order.
    pub fn iter(&self) -> CycleWalk {
        CycleWalk::new(*self, 0, 1, 0)
    }
}

/// A walk over every `stride`-th step of a [`Cycle`], starting at step `first`: yields
/// `(step, index)` for the steps whose value stands for an index.
#[derive(Debug, Clone)]
pub struct CycleWalk {
    cycle: Cycle,
    /// Next global step number.
    step: u64,
    stride: u64,
    /// Element at `step`.
    x: u64,
    /// `g^stride mod p`.
    mult: u64,
}

impl CycleWalk {
    /// Steps `first + stride·j` for `j ≥ skip`.
    pub fn new(cycle: Cycle, first: u64, stride: u64, skip: u64) -> Self {
        let stride = stride.max(1);
        let step = first.saturating_add(stride.saturating_mul(skip));
        Self {
            cycle,
            step,
            stride,
            x: cycle.element_at(step.min(cycle.order())),
            mult: pow_mod(cycle.g, stride, cycle.p),
        }
    }

    /// The global step number the walk will look at next.
    pub fn next_step(&self) -> u64 {
        self.step
    }
}

impl Iterator for CycleWalk {
    type Item = (u64, u64);

    fn next(&mut self) -> Option<(u64, u64)> {
        while self.step < self.cycle.order() {
            let (step, x) = (self.step, self.x);
            self.step = self.step.saturating_add(self.stride);
            self.x = mul_mod(self.x, self.mult, self.cycle.p);
            if x <= self.cycle.n {
                return Some((step, x - 1));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn primes_and_factors() {
        let small: Vec<u64> = (0..40).filter(|&n| is_prime(n)).collect();
        assert_eq!(small, vec![2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]);
        // 2^32 + 15 is the first prime above 2^32 (ZMap's IPv4 group).
        assert_eq!(next_prime(1 << 32), 4_294_967_311);
        assert_eq!(prime_factors(4_294_967_310), vec![2, 3, 5, 131, 364_289]);
        assert!(!is_prime(3_215_031_751)); // strong pseudoprime to bases 2, 3, 5, 7
        assert!(is_prime((1 << 61) - 1));
        let big = 1_000_000_007u64 * 998_244_353;
        assert_eq!(prime_factors(big), vec![998_244_353, 1_000_000_007]);
    }

    #[test]
    fn generator_check_matches_brute_force_order() {
        for p in [3u64, 5, 7, 11, 13, 101, 257] {
            let f = prime_factors(p - 1);
            for g in 1..p {
                let mut order = 1;
                let mut x = g;
                while x != 1 {
                    x = mul_mod(x, g, p);
                    order += 1;
                }
                assert_eq!(is_generator(g, p, &f), order == p - 1, "p={p} g={g}");
            }
        }
    }

    #[test]
    fn same_seed_same_order_other_seed_other_order() {
        let a: Vec<u64> = Cycle::new(1000, 7).iter().map(|(_, i)| i).collect();
        let b: Vec<u64> = Cycle::new(1000, 7).iter().map(|(_, i)| i).collect();
        let c: Vec<u64> = Cycle::new(1000, 8).iter().map(|(_, i)| i).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn tiny_sizes() {
        for n in 0..6u64 {
            let mut v: Vec<u64> = Cycle::new(n, 1).iter().map(|(_, i)| i).collect();
            v.sort_unstable();
            assert_eq!(v, (0..n).collect::<Vec<_>>(), "n={n}");
        }
    }

    #[test]
    fn spreads_neighbours_apart() {
        // Consecutive picks from a /16 should rarely be in the same /24.
        let walk: Vec<u64> = Cycle::new(65_536, 42).iter().map(|(_, i)| i).collect();
        let same = walk.windows(2).filter(|w| w[0] >> 8 == w[1] >> 8).count();
        assert!(same < 2_000, "{same} of 65535 steps stayed in one /24");
    }

    proptest! {
        #[test]
        fn every_index_exactly_once(n in 0u64..5000, seed: u64) {
            let c = Cycle::new(n, seed);
            let mut seen = vec![false; n as usize];
            for (step, i) in c.iter() {
                prop_assert!(!seen[i as usize]);
                seen[i as usize] = true;
                prop_assert_eq!(c.index_at(step), Some(i));
            }
            prop_assert!(seen.iter().all(|&s| s));
        }
    }
}
