//! What the parts of a check that belong to another business day than its own share: its
//! refunds made on a later day (`refunds`) and its payments applied on another day (`paid`).
//!
//! Each such part leaves the check for a transaction of its own, `<check>/<suffix>`, on the day
//! it belongs to, with the check's store, status, cashier and version ([`split_off`]), timed on
//! that day ([`time_on`]). Its time moves with the part it holds, so a check that names such a
//! part at all, moved or not (a voided one included), retracts `<check>/<suffix>` at any time,
//! with its own version: the one an earlier version wrote (at another time, or before the part
//! was voided, or while it was not on another day yet) is deleted, the one this version writes
//! is kept, and the part never counts on two days. Where a voided part vanishes from the check
//! (Toast drops a voided refund; a voided payment stays listed), so does a check last modified
//! after its own day that names no such part: such a check is the only kind an earlier version
//! can have split.

use super::orders::Order;
use crate::adapters::{local_to_utc, split_off};
use crate::envelope::Retraction;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use pos_core::model::{Line, Tender, Transaction, TxnKey};

/// What a check says of one kind of part that may belong to another day.
pub(super) struct Part {
    /// The derived transaction's id is `<check>/<suffix>`.
    pub(super) suffix: &'static str,
    /// The day the part goes to, if any names one (the latest, when several do).
    pub(super) day: Option<NaiveDate>,
    /// Toast's time of the part on that day, if it gives one.
    pub(super) at: Option<DateTime<Utc>>,
    /// The check names such a part, voided or not: an earlier version may have moved it.
    pub(super) named: bool,
    /// A voided part can vanish from the check, leaving nothing to name (refunds).
    pub(super) vanishes: bool,
    /// The earliest and latest times a row of the part may have been stored at, where they may
    /// lie outside the check's own range (a payment made days before its order's day).
    pub(super) span: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Moves what `line` and `tender` pick out of `t` into `<check>/<suffix>` on the part's day,
/// when it names one other than the check's; and the retraction of `<check>/<suffix>` at any
/// time whenever the check names such a part, picks anything, or (a part that can vanish) was
/// last modified after its own day (see the module docs).
pub(super) fn move_off(
    order: &Order,
    t: &mut Transaction,
    part: Part,
    line: impl Fn(&Line) -> bool,
    tender: impl Fn(&Tender) -> bool,
) -> (Option<Transaction>, Option<Retraction>) {
    let moves = t.lines.iter().any(&line) || t.tenders.iter().any(&tender);
    let id = format!("{}/{}", t.key.source_txn_id, part.suffix);
    let (from, to) = (before(t.occurred_at, Duration::days(1)), last_moved_by(t));
    let between = match part.span {
        Some((a, b)) => (
            from.min(before(a, Duration::days(1))),
            to.max(b.checked_add_signed(Duration::days(1)).unwrap_or(b)),
        ),
        None => (from, to),
    };
    let vanished = part.vanishes && modified_after_its_day(order, t);
    let retract = (part.named || moves || vanished).then(|| Retraction {
        key: TxnKey {
            source_txn_id: id.clone(),
            ..t.key.clone()
        },
        occurred_at: None,
        between,
        source_version: t.source_version,
    });
    let Some(day) = part.day.filter(|d| moves && *d != t.business_date) else {
        return (None, retract);
    };
    let moved = split_off(t, id, (day, time_on(order, day, part.at)), line, tender);
    (Some(moved), retract)
}

/// Whether the check was last modified on a later business day than its own. Only such a
/// check can have had a part on another day split off by an earlier version: a refund whose
/// void made it vanish from the check (Toast then shows no `refund` at all) leaves nothing else
/// to go by. Checks modified on their own day, most of them, retract nothing and cost nothing.
fn modified_after_its_day(order: &Order, t: &Transaction) -> bool {
    DateTime::from_timestamp_millis(t.source_version)
        .is_some_and(|v| order.ctx.business_date(order.store, v) > t.business_date)
}

/// The latest time a moved part of the check can be timed at: a day past its last modification
/// (its version is the latest `modifiedDate` in ms; a refund or a payment modifies it), or past
/// now if the version reads as no later time than the check.
fn last_moved_by(t: &Transaction) -> DateTime<Utc> {
    let last = DateTime::from_timestamp_millis(t.source_version)
        .filter(|v| *v >= t.occurred_at)
        .unwrap_or_else(Utc::now);
    last.checked_add_signed(Duration::days(1)).unwrap_or(last)
}

/// `at` less `by`, or `at` itself at the edge of the representable times.
fn before(at: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    at.checked_sub_signed(by).unwrap_or(at)
}

/// When a part moved to `day` happened: Toast's time of it (`at`) when that falls within a day
/// of `day`, else noon of `day` in the store's zone. Not the check's time: the daily views find
/// a day's rows among those timed within two days of it (docs/continuous-aggregates.md,
/// `date_slack`), and a refund weeks after its check would be missed there.
pub(super) fn time_on(order: &Order, day: NaiveDate, at: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let near = |t: &DateTime<Utc>| {
        (order.ctx.business_date(order.store, *t) - day)
            .num_days()
            .abs()
            <= 1
    };
    at.filter(near).unwrap_or_else(|| {
        let noon = day.and_hms_opt(12, 0, 0).expect("noon is a time");
        local_to_utc(&order.ctx.tz(order.store), noon)
            .unwrap_or_else(|| DateTime::from_naive_utc_and_offset(noon, Utc))
    })
}
