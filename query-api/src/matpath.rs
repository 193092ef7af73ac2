//! The materialized path of real-time views. A view over continuous aggregates returns, for every
//! bucket none of its parts aggregates live, exactly the materialized rows; its materialized path
//! (`pos.cagg_view_path`: a materialization table, or the same view body over several) returns
//! those rows without planning and starting the live parts' scans of raw chunks, which is most
//! of the cost of a small request (benches/api/RESULTS.md).
//!
//! Which buckets are live changes at every refresh and can grow (late rows outside a refresh
//! window, an aggregate re-created), so what the catalog load saw is only a hint of when to try.
//! Correctness comes from the guard `pos.cagg_require_materialized(view, lo, hi)` in the query
//! itself: PostgreSQL evaluates it once, in the query's snapshot, before reading a row, and raises
//! SQLSTATE PCA01 when a requested bucket is live; the request then reads the view itself.
use crate::filters::{Filter, Op};
use crate::shapes::Source;
use crate::views::Relation;

/// SQLSTATE of the guard: the path does not cover the request (any more).
pub const STALE: &str = "PCA01";

/// The type of a bucket column, which decides how filter values become bucket keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketType {
    /// `date` (business days): the key of a date is its midnight UTC.
    Date,
    /// `timestamp with time zone` (time buckets): the key is the bucket start.
    Timestamptz,
}

impl BucketType {
    pub fn from_pg(type_name: &str) -> Option<Self> {
        match type_name {
            "date" => Some(Self::Date),
            "timestamp with time zone" => Some(Self::Timestamptz),
            _ => None,
        }
    }
    fn sql(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::Timestamptz => "timestamptz",
        }
    }
    /// The key (µs since the Unix epoch) of a filter value, for the hint only; `None` for any
    /// spelling but ISO 8601 (then the request reads the view itself).
    fn key(self, v: &str) -> Option<i64> {
        match self {
            Self::Date => iso_date(v).map(|d| d * DAY_US),
            Self::Timestamptz => iso_timestamptz(v),
        }
    }
}

/// Bucket keys live as of the last catalog load, `[lo, hi)` in µs since the epoch, `None` unbounded.
pub type LiveKeys = Vec<(Option<i64>, Option<i64>)>;

/// A served view's materialized path.
#[derive(Debug, Clone)]
pub struct MatPath {
    /// `"schema"."name"` of the path.
    pub qualified: String,
    /// Index of the bucket column in the served relation.
    pub bucket: usize,
    pub bucket_type: BucketType,
    /// Roles that may read the path (members of pos_api with SELECT on it).
    pub readers: std::collections::HashSet<String>,
    pub live: LiveKeys,
}

/// Bounds of the buckets a request can return, from its filters on the bucket column.
#[derive(Debug, Default)]
struct Bounds {
    /// How many filters bound the buckets from below and from above.
    n_lo: usize,
    n_hi: usize,
    /// The same as keys, when every value is ISO 8601.
    lo_key: Option<i64>,
    hi_key: Option<i64>,
    parsed: bool,
}

impl MatPath {
    /// Whether to try the path for these filters: their buckets are bounded above, and none was
    /// live at the last catalog load. Filters the guard cannot bound (negated ones, neq, is.null)
    /// are left out, which only widens the bounds.
    pub fn worth_trying(&self, role: &str, filters: &[Filter]) -> bool {
        if !self.readers.contains(role) {
            return false;
        }
        let b = self.bounds(filters, &mut Vec::new());
        if !b.parsed || b.n_hi == 0 {
            return false;
        }
        let (lo, hi) = (b.lo_key, b.hi_key.unwrap_or(i64::MAX));
        !self.live.iter().any(|&(l, u)| {
            lo.is_none_or(|lo| u.is_none_or(|u| lo < u)) && l.is_none_or(|l| l <= hi)
        })
    }

    /// `pos.cagg_require_materialized('view'::regclass, lo, hi)` for these filters, binding the
    /// bound values again through `bind` (each cast like the filter casts it).
    pub fn guard(
        &self,
        rel: &Relation,
        filters: &[Filter],
        bind: &mut dyn FnMut(Source) -> String,
    ) -> String {
        let mut binds = Vec::new();
        let b = self.bounds(filters, &mut binds);
        let mut exprs = binds.into_iter().map(|(p, lower_of_list)| {
            let ty = self.bucket_type.sql();
            match (p, lower_of_list) {
                (p @ Source::List(_), agg) => format!(
                    "(SELECT {}(v) FROM unnest({}::{ty}[]) v)",
                    if agg { "min" } else { "max" },
                    bind(p)
                ),
                (p, _) => format!("{}::{ty}", bind(p)),
            }
        });
        let mut side = |n: usize, f: &str| match n {
            0 => format!("NULL::{}", self.bucket_type.sql()),
            _ => format!(
                "{f}({})",
                (0..n)
                    .filter_map(|_| exprs.next())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let lo = side(b.n_lo, "greatest");
        let hi = side(b.n_hi, "least");
        format!(
            "pos.cagg_require_materialized('{}'::regclass, {lo}, {hi})",
            rel.qualified.replace('\'', "''")
        )
    }

    /// Lower bounds first, then upper ones, each with its parameter's source in `binds` (for a
    /// list: whether the bound is its minimum).
    fn bounds(&self, filters: &[Filter], binds: &mut Vec<(Source, bool)>) -> Bounds {
        let mut b = Bounds {
            parsed: true,
            ..Bounds::default()
        };
        let mine = || {
            filters
                .iter()
                .enumerate()
                .filter(|(_, f)| f.column == self.bucket && !f.negate)
        };
        for lower in [true, false] {
            for (i, f) in mine() {
                let (is_lower, is_upper) = match f.op {
                    Op::Eq | Op::In => (true, true),
                    Op::Gt | Op::Gte => (true, false),
                    Op::Lt | Op::Lte => (false, true),
                    Op::Neq | Op::IsNull | Op::IsTrue | Op::IsFalse => (false, false),
                };
                if (lower && !is_lower) || (!lower && !is_upper) {
                    continue;
                }
                let keys: Option<Vec<i64>> =
                    f.values.iter().map(|v| self.bucket_type.key(v)).collect();
                let key = keys.and_then(|k| {
                    if lower {
                        k.into_iter().min()
                    } else {
                        k.into_iter().max()
                    }
                });
                *(if lower { &mut b.n_lo } else { &mut b.n_hi }) += 1;
                binds.push(match f.op {
                    Op::In => (Source::List(i), lower),
                    _ => (Source::Value(i), lower),
                });
                match (key, lower) {
                    (None, _) => b.parsed = false,
                    (Some(k), true) => b.lo_key = Some(b.lo_key.map_or(k, |x| x.max(k))),
                    (Some(k), false) => b.hi_key = Some(b.hi_key.map_or(k, |x| x.min(k))),
                }
            }
        }
        b
    }
}

const DAY_US: i64 = 86_400_000_000;

/// Days since 1970-01-01 of a strict `YYYY-MM-DD` (proleptic Gregorian, as PostgreSQL's `date`).
pub(crate) fn iso_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = &s[r];
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    // Year 0000 does not exist in PostgreSQL (1 BC precedes AD 1): an end-of-day `date=0000-01-01`
    // passed as ISO here and failed in PostgreSQL as `invalid_value`, not `invalid_date`.
    if y < 1 || !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// µs since the epoch of `YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]]` followed by `Z` or `±HH[:MM]`: an
/// explicit offset, so the value does not depend on the session's TimeZone.
fn iso_timestamptz(s: &str) -> Option<i64> {
    let days = iso_date(s.get(..10)?)?;
    let rest = s.get(10..)?;
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let zone_at = rest.find(['Z', 'z', '+', '-'])?;
    let (clock, zone) = rest.split_at(zone_at);
    let mut parts = clock.split(':');
    let two = |t: Option<&str>| -> Option<i64> {
        let t = t?;
        (t.len() == 2 && t.bytes().all(|c| c.is_ascii_digit())).then(|| t.parse().ok())?
    };
    let (h, mi) = (two(parts.next())?, two(parts.next())?);
    let mut us = 0;
    let mut sec = 0;
    if let Some(sf) = parts.next() {
        let (whole, frac) = sf.split_once('.').unwrap_or((sf, ""));
        sec = two(Some(whole))?;
        if frac.len() > 6 || !frac.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        us = format!("{frac:0<6}").parse().ok()?;
    }
    if parts.next().is_some() || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let offset_s = match zone {
        "Z" | "z" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let (oh, om) = z[1..].split_once(':').unwrap_or((&z[1..], "00"));
            let (oh, om) = (two(Some(oh))?, two(Some(om))?);
            if oh > 15 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(days * DAY_US + ((h * 60 + mi) * 60 + sec - offset_s) * 1_000_000 + us)
}

#[cfg(test)]
mod tests;
