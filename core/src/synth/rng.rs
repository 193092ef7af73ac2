//! A small, dependency-free deterministic random source.
//!
//! The generator must give the same chain for the same seed on every platform and every crate
//! version, so it does not borrow `rand`'s algorithms (which may change between releases).
//! Every stream is keyed by *what* it generates (store, day, transaction index, purpose), so one
//! transaction can be regenerated on its own — that is how a return finds the sale it refers to.

/// SplitMix64 finalizer: a strong 64-bit mixer, used to derive independent stream seeds.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Purpose tags keep streams for different decisions independent of each other.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    Catalog = 1,
    DayCount = 2,
    DayTimes = 3,
    TxnKind = 5,
    TxnBody = 6,
    Fraud = 7,
    DrawerEvents = 8,
    Inventory = 9,
    CardTesting = 10,
    FraudShape = 11,
    Returns = 12,
}

/// xoshiro256** seeded from a key path; period 2^256, fast, good equidistribution.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A stream keyed by the chain seed, a purpose and a path of integers (store, day, index…).
    pub fn keyed(seed: u64, stream: Stream, path: &[u64]) -> Rng {
        let mut h = mix(seed ^ mix(stream as u64));
        for &p in path {
            h = mix(h ^ mix(p.wrapping_add(0x632B_E59B_D9B4_E019)));
        }
        let mut s = [0u64; 4];
        for (i, slot) in s.iter_mut().enumerate() {
            h = mix(h.wrapping_add(i as u64));
            *slot = h;
        }
        Rng { s }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub fn range_f64(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// Uniform integer in [lo, hi] (inclusive); `lo` when the range is empty.
    pub fn range_u32(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }

    /// Uniform index below `n` (n > 0).
    pub fn index(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Standard normal (Box–Muller; one value per call keeps streams simple to reason about).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.f64().max(1e-300);
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    pub fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        (mu + sigma * self.normal()).exp()
    }

    /// Poisson count: Knuth's method for small means, a rounded normal for large ones.
    pub fn poisson(&mut self, lambda: f64) -> u32 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda > 40.0 {
            let x = lambda + lambda.sqrt() * self.normal();
            return x.round().max(0.0) as u32;
        }
        let l = (-lambda).exp();
        let mut k = 0u32;
        let mut p = 1.0;
        loop {
            p *= self.f64();
            if p <= l {
                return k;
            }
            k += 1;
        }
    }

    /// Gamma(shape, 1) by Marsaglia–Tsang; used for over-dispersed (negative binomial) counts.
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            let u = self.f64().max(1e-300);
            return self.gamma(shape + 1.0) * u.powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v <= 0.0 {
                continue;
            }
            let u = self.f64();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }

    /// Index drawn proportionally to `cumulative` weights (ascending, last = total).
    pub fn weighted(&mut self, cumulative: &[f64]) -> usize {
        let total = *cumulative.last().unwrap_or(&0.0);
        let x = self.f64() * total;
        cumulative
            .partition_point(|&c| c <= x)
            .min(cumulative.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_stream_and_different_keys_differ() {
        let a: Vec<u64> = (0..4)
            .map(|_| Rng::keyed(7, Stream::TxnBody, &[1, 2]).next_u64())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = Rng::keyed(7, Stream::TxnBody, &[1, 2]);
        let mut y = Rng::keyed(7, Stream::TxnBody, &[2, 1]);
        assert_ne!(x.next_u64(), y.next_u64());
    }

    #[test]
    fn poisson_and_gamma_have_the_right_mean() {
        let mut r = Rng::keyed(1, Stream::DayCount, &[]);
        let n = 20_000;
        let m_small: f64 = (0..n).map(|_| r.poisson(3.0) as f64).sum::<f64>() / n as f64;
        let m_large: f64 = (0..n).map(|_| r.poisson(200.0) as f64).sum::<f64>() / n as f64;
        let m_gamma: f64 = (0..n).map(|_| r.gamma(2.5)).sum::<f64>() / n as f64;
        assert!((m_small - 3.0).abs() < 0.1, "{m_small}");
        assert!((m_large - 200.0).abs() < 1.0, "{m_large}");
        assert!((m_gamma - 2.5).abs() < 0.1, "{m_gamma}");
    }
}
