//! The honest distribution of one non-negative feature, as a sketch small enough to keep in a
//! baseline: the share of positive values and a grid of quantiles of the positive part. Enough
//! to answer "how rare is a value this large?".
//!
//! The grid's top (~the 99th percentile of the positive values) is where "beyond anything
//! seen" starts. Its last ~1 % is deliberately not kept: baselines are learned from history
//! that includes its fraud, and keeping the largest values made the fraud of the training days
//! look ordinary (benches/fraud/RESULTS.md, 2026-12-05: sweethearting recall 0.85 → 0.62).

use serde::{Deserialize, Serialize};

const TAIL_POINTS: usize = 48;

/// Features whose values are whole numbers (units on a line, counts) cannot step by less than
/// one: beyond the grid's top, the tail's scale is at least this. A spread of zero at the top (a
/// store whose baskets hold one unit per line but for 0.5 % with two) had made a scale of 0.05
/// units, so two units read as 1 in a million where the history says 1 in 200.
const LATTICE_STEP: f64 = 1.0;

/// The default is the tail of no history at all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tail {
    pub n: u64,
    pub positive: u64,
    /// Quantiles of the positive values at probabilities (k+0.5)/len, ascending.
    pub q: Vec<f64>,
}

impl Tail {
    pub fn fit(xs: &[f64]) -> Tail {
        let mut pos: Vec<f64> = xs
            .iter()
            .copied()
            .filter(|x| *x > 0.0 && x.is_finite())
            .collect();
        pos.sort_by(|a, b| a.total_cmp(b));
        let q = if pos.is_empty() {
            vec![]
        } else {
            (0..TAIL_POINTS)
                .map(|k| {
                    pos[(((k as f64 + 0.5) / TAIL_POINTS as f64) * pos.len() as f64) as usize
                        % pos.len()]
                })
                .collect()
        };
        Tail {
            n: xs.len() as u64,
            positive: pos.len() as u64,
            q,
        }
    }

    /// P(X ≥ x) under the honest distribution. Within the history's range it is read from the
    /// quantiles, never below 1/(2(n+1)); beyond the grid's top it decays exponentially (scale:
    /// the spread of the upper half, at least one for whole numbers), floored at 1/(2(n+1))² — a
    /// value far beyond anything seen is rarer than the history can count, but not infinitely
    /// rare.
    pub fn survival(&self, x: f64) -> f64 {
        let floor = 0.5 / (self.n as f64 + 1.0);
        if x <= 0.0 {
            return 1.0;
        }
        let p_pos = (self.positive as f64 + 0.5) / (self.n as f64 + 1.0);
        if self.q.is_empty() {
            return floor.max(p_pos.min(floor * 2.0));
        }
        // Share of positive values ≥ x, by the quantile grid (ties count as ≥).
        let len = self.q.len() as f64;
        let above = self.q.iter().filter(|&&v| v >= x).count() as f64;
        if above > 0.0 {
            return (p_pos * (above - 0.5).max(0.5) / len).max(floor);
        }
        let top = self.q[self.q.len() - 1];
        (p_pos * 0.5 / len * (-(x - top) / self.scale()).exp()).max(floor * floor)
    }

    /// −ln P(X ≥ x): the evidence a value carries against "this is honest", in nats.
    pub fn surprise(&self, x: f64) -> f64 {
        -self.survival(x).ln()
    }

    /// Shrinks a small store's tail toward its peer group (the chain): survival is blended with
    /// weight n/(n+strength), so a new store inherits the chain's sense of rarity.
    pub fn survival_shrunk(&self, prior: Option<&Tail>, strength: f64, x: f64) -> f64 {
        match prior {
            Some(p) if p.n > 0 => {
                let w = self.n as f64 / (self.n as f64 + strength);
                w * self.survival(x) + (1.0 - w) * p.survival(x)
            }
            _ => self.survival(x),
        }
    }

    /// How fast rarity grows past the grid's top: the spread of the upper half per halving of
    /// the share, so "a little beyond" is rare but not "as rare as the history can tell".
    fn scale(&self) -> f64 {
        let len = self.q.len() as f64;
        let top = self.q[self.q.len() - 1];
        let mid = self.q[self.q.len() / 2];
        let spread = ((top - mid) / (len / 2.0).ln()).max(top * 0.05).max(1e-9);
        if self.q.iter().all(|v| v.fract() == 0.0) {
            spread.max(LATTICE_STEP)
        } else {
            spread
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survival_is_monotone_and_floored() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| {
                if i % 10 == 0 {
                    f64::from(i % 70) + 1.0
                } else {
                    0.0
                }
            })
            .collect();
        let t = Tail::fit(&xs);
        assert_eq!(t.survival(0.0), 1.0);
        let (a, b, c) = (t.survival(1.0), t.survival(30.0), t.survival(500.0));
        assert!(a > b && b > c, "{a} {b} {c}");
        assert!((a - 0.1).abs() < 0.02, "{a}");
        let floor = 0.5 / 1001.0;
        assert!(c < floor && c >= floor * floor, "{c}");
        assert!(t.survival(1e9) == floor * floor);
        let mut last = 1.0;
        for x in (1..200).map(|k| f64::from(k) * 0.5) {
            let s = t.survival(x);
            assert!(s <= last, "survival rose at {x}: {s} > {last}");
            last = s;
        }
    }

    /// 0.5 % of baskets with a two-unit line: two units is about 1 in 200, not "beyond anything
    /// seen" (the grid's last point is 1). Before the lattice step: about 1 in 4 million.
    #[test]
    fn one_unit_past_the_top_of_whole_numbers_is_not_the_floor() {
        let xs: Vec<f64> = (0..2000)
            .map(|i| if i % 200 == 0 { 2.0 } else { 1.0 })
            .collect();
        let t = Tail::fit(&xs);
        assert_eq!(t.q.last(), Some(&1.0));
        let p = t.survival(2.0);
        assert!(
            (1.0 / 600.0..1.0 / 100.0).contains(&p),
            "1 in {:.0}",
            1.0 / p
        );
        assert!(
            t.survival(6.0) < p / 50.0,
            "five units more is still far out"
        );
        let floor = 0.5 / 2001.0;
        assert_eq!(t.survival(40.0), floor * floor);
    }

    /// Amounts (not whole numbers) keep the tail's own spread: half a unit above a top of 1.005 in a
    /// history of tight amounts is already rare.
    #[test]
    fn amounts_keep_their_own_scale() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| 0.905 + f64::from(i % 11) * 0.01)
            .collect();
        let t = Tail::fit(&xs);
        let top = *t.q.last().unwrap();
        assert!(top.fract() != 0.0);
        assert!(t.survival(top + 0.5) < 1e-5, "{}", t.survival(top + 0.5));
    }
}
