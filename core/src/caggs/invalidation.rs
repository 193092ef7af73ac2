//! The time spans one transaction modified in one source of continuous aggregates.
//!
//! A row-level trigger calls [`TouchedSpans::record`] with the time of every row it sees (new and
//! old versions alike); at commit the spans go into the invalidation log in one statement. Rows
//! at or above the threshold are ignored: no refresh has materialized their buckets, so there is
//! nothing to redo. Below it, spans are kept per slot of `slot_width` (the hypertable's chunk
//! interval) rather than as one `[min, max]`: a transaction that writes one row last January and
//! one yesterday invalidates two short spans, not a year.
//!
//! Times are integers in any fixed unit (the extension uses PostgreSQL's microseconds);
//! `i64::MIN` and `i64::MAX` stand for -infinity and +infinity, as in PostgreSQL.

use std::collections::BTreeMap;

/// Spans touched below one threshold, keyed by slot; built per source and transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TouchedSpans {
    threshold: i64,
    slot_width: i64,
    slot_origin: i64,
    spans: BTreeMap<i64, (i64, i64)>,
    /// Everything below the threshold (TRUNCATE).
    everything: bool,
}

impl TouchedSpans {
    /// Nothing recorded yet; `threshold` is the first time not to record, `slot_width` > 0.
    pub fn new(threshold: i64, slot_width: i64, slot_origin: i64) -> Self {
        Self {
            threshold,
            slot_width: slot_width.max(1),
            slot_origin,
            spans: BTreeMap::new(),
            everything: false,
        }
    }

    pub fn threshold(&self) -> i64 {
        self.threshold
    }

    /// A new threshold (the same backend raised it). Spans already kept stay: they lie below the
    /// old threshold, so below the new one too.
    pub fn set_threshold(&mut self, threshold: i64) {
        self.threshold = threshold;
    }

    /// Records a row time. Returns whether it lies below the threshold (and so was kept).
    #[inline]
    pub fn record(&mut self, t: i64) -> bool {
        if t >= self.threshold {
            return false;
        }
        let slot = self.slot_of(t);
        self.spans
            .entry(slot)
            .and_modify(|(lo, hi)| {
                *lo = (*lo).min(t);
                *hi = (*hi).max(t);
            })
            .or_insert((t, t));
        true
    }

    /// Everything below the threshold changed (e.g. the source was truncated).
    pub fn record_everything(&mut self) {
        self.everything = true;
    }

    pub fn is_empty(&self) -> bool {
        !self.everything && self.spans.is_empty()
    }

    /// The inclusive spans to log, ordered by time: `(i64::MIN, threshold)` alone after
    /// [`record_everything`](Self::record_everything) (unless the threshold is -infinity, when
    /// nothing was ever materialized).
    pub fn spans(&self) -> Vec<(i64, i64)> {
        if self.everything {
            return if self.threshold == i64::MIN {
                Vec::new()
            } else {
                vec![(i64::MIN, self.threshold)]
            };
        }
        self.spans.values().copied().collect()
    }

    /// The spans to log, forgetting them; the threshold stays.
    pub fn take(&mut self) -> Vec<(i64, i64)> {
        let spans = self.spans();
        self.spans.clear();
        self.everything = false;
        spans
    }

    /// Floor division of `t - origin` by the width, in i128 so that infinities cannot overflow.
    fn slot_of(&self, t: i64) -> i64 {
        let d = t as i128 - self.slot_origin as i128;
        let w = self.slot_width as i128;
        d.div_euclid(w).clamp(i64::MIN as i128, i64::MAX as i128) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000_000;

    #[test]
    fn rows_at_or_above_the_threshold_are_not_kept() {
        let mut s = TouchedSpans::new(10 * DAY, DAY, 0);
        assert!(!s.record(10 * DAY));
        assert!(!s.record(i64::MAX));
        assert!(s.is_empty());
        assert!(s.record(10 * DAY - 1));
        assert_eq!(s.spans(), vec![(10 * DAY - 1, 10 * DAY - 1)]);
    }

    #[test]
    fn one_span_per_slot_from_min_to_max() {
        let mut s = TouchedSpans::new(100 * DAY, DAY, 0);
        for t in [3 * DAY + 5, 3 * DAY + 1, 3 * DAY + 9, 40 * DAY, 3 * DAY + 7] {
            s.record(t);
        }
        assert_eq!(
            s.spans(),
            vec![(3 * DAY + 1, 3 * DAY + 9), (40 * DAY, 40 * DAY)]
        );
    }

    #[test]
    fn slots_follow_the_origin_and_negative_times() {
        // origin half a day: [-0.5 day, 0.5 day) is one slot
        let mut s = TouchedSpans::new(i64::MAX, DAY, DAY / 2);
        s.record(-DAY / 2);
        s.record(DAY / 2 - 1);
        s.record(DAY / 2);
        assert_eq!(s.spans(), vec![(-DAY / 2, DAY / 2 - 1), (DAY / 2, DAY / 2)]);
    }

    #[test]
    fn minus_infinity_is_kept_without_overflow() {
        let mut s = TouchedSpans::new(0, DAY, 7);
        assert!(s.record(i64::MIN));
        assert!(s.record(-1));
        assert_eq!(s.spans(), vec![(i64::MIN, i64::MIN), (-1, -1)]);
    }

    #[test]
    fn truncation_covers_everything_below_the_threshold() {
        let mut s = TouchedSpans::new(5 * DAY, DAY, 0);
        s.record(DAY);
        s.record_everything();
        assert_eq!(s.take(), vec![(i64::MIN, 5 * DAY)]);
        assert!(s.is_empty());
        s.record(2 * DAY);
        assert_eq!(s.take(), vec![(2 * DAY, 2 * DAY)]);
        let mut never = TouchedSpans::new(i64::MIN, DAY, 0);
        never.record_everything();
        assert!(never.spans().is_empty());
    }

    #[test]
    fn raising_the_threshold_keeps_recorded_spans() {
        let mut s = TouchedSpans::new(2 * DAY, DAY, 0);
        s.record(DAY);
        assert!(!s.record(3 * DAY));
        s.set_threshold(4 * DAY);
        assert!(s.record(3 * DAY));
        assert_eq!(s.spans(), vec![(DAY, DAY), (3 * DAY, 3 * DAY)]);
    }
}
