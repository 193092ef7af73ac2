//! A check's refunds on the day they were made.
//!
//! Toast writes a refund on the check it refunds (the selections' `refundDetails`, the
//! payments' `refund`), so a check refunded days later comes back as a newer version of itself.
//! Kept in the check, the refund would come off the sale's day, which was reported already, and
//! not off the day the money went back, where Toast's own reports put it. So when a payment's
//! refund names its day (`refundBusinessDate`, else the store's day of `refundDate`) and that
//! day is not the check's, the check's return lines and refund tenders become a transaction of
//! their own, `<check>/refunds`, on that day.
//!
//! One transaction per check, not per refund: Toast keeps one `refund` per payment, so the day
//! of an earlier refund of the same payment is not kept; the latest day named is used. Its time
//! is the refund's (see [`refund_time`]), which moves with the next refund; so a check that
//! shows a refund also retracts `<check>/refunds` at any time, with its own version: the one
//! an earlier version wrote (at another time, or before its refund was voided, or when the
//! refund was not on the check's day yet) is deleted, the one this version writes is kept, and
//! the refund never counts twice. So does a check last modified after its own day that shows
//! no refund: its refund may have been voided, and Toast then drops it from the check.

use super::orders::Order;
use super::payments::{refund_tender_no, voided};
use super::read::{business_date, opt_toast_time};
use crate::adapters::json::{array, get, join, text};
use crate::adapters::PayloadError;
use crate::adapters::{local_to_utc, split_off};
use crate::envelope::Retraction;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use pos_core::model::{LineKind, Transaction, TxnKey};
use serde_json::Value;

/// The check's transaction `t`, its refunds apart when they were made on another day, and,
/// whenever the check shows a refund, the retraction of `<check>/refunds` at any time: a split
/// made by an earlier version (at another refund's time, or before the refund was voided)
/// goes, the one this version writes stays (it carries this version).
pub(super) fn split(
    order: &Order,
    c: &Value,
    path: &str,
    mut t: Transaction,
) -> Result<(Vec<Transaction>, Option<Retraction>), PayloadError> {
    let Refunds {
        day,
        at,
        tenders: refund_tenders,
        any,
    } = refund_day(order, c, path)?;
    let moves = t.lines.iter().any(|l| l.kind == LineKind::Return)
        || t.tenders
            .iter()
            .any(|x| refund_tenders.contains(&x.tender_no));
    let id = format!("{}/refunds", t.key.source_txn_id);
    let retract = (any || moves || modified_after_its_day(order, &t)).then(|| Retraction {
        key: TxnKey {
            source_txn_id: id.clone(),
            ..t.key.clone()
        },
        occurred_at: None,
        between: (before(t.occurred_at, Duration::days(1)), refunded_by(&t)),
        source_version: t.source_version,
    });
    let Some(day) = day.filter(|d| moves && *d != t.business_date) else {
        return Ok((vec![t], retract));
    };
    let refund = split_off(
        &mut t,
        id,
        (day, refund_time(order, day, at)),
        |l| l.kind == LineKind::Return,
        |x| refund_tenders.contains(&x.tender_no),
    );
    Ok((vec![t, refund], retract))
}

/// Whether the check was last modified on a later business day than its own. Only such a
/// check can have had a refund on another day split off by an earlier version: a refund whose
/// void made it vanish from the check (Toast then shows no `refund` at all) leaves nothing else
/// to go by. Checks modified on their own day, most of them, retract nothing and cost nothing.
fn modified_after_its_day(order: &Order, t: &Transaction) -> bool {
    DateTime::from_timestamp_millis(t.source_version)
        .is_some_and(|v| order.ctx.business_date(order.store, v) > t.business_date)
}

/// The latest time a refund of the check can be timed at: a day past its last modification
/// (its version is the latest `modifiedDate` in ms; a refund modifies it), or past now if the
/// version reads as no later time than the check.
fn refunded_by(t: &Transaction) -> DateTime<Utc> {
    let last = DateTime::from_timestamp_millis(t.source_version)
        .filter(|v| *v >= t.occurred_at)
        .unwrap_or_else(Utc::now);
    last.checked_add_signed(Duration::days(1)).unwrap_or(last)
}

/// `at` less `by`, or `at` itself at the edge of the representable times.
fn before(at: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    at.checked_sub_signed(by).unwrap_or(at)
}

/// When the refund transaction happened: the refund's `refundDate` when it falls within a day
/// of its business day, else noon of that day in the store's zone. Not the check's time: the
/// daily views find a day's rows among those timed within two days of it
/// (docs/continuous-aggregates.md, `date_slack`), and a refund weeks after its check would be
/// missed there.
fn refund_time(order: &Order, day: NaiveDate, at: Option<DateTime<Utc>>) -> DateTime<Utc> {
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

/// What the check's payments say of refunds.
struct Refunds {
    /// The latest day a payment was refunded on, if any names one.
    day: Option<NaiveDate>,
    /// The `refundDate` of the refund of that day, if it has one.
    at: Option<DateTime<Utc>>,
    /// The tender numbers of the refunds (as `payments` numbers them).
    tenders: Vec<i32>,
    /// A payment carries a refund, voided ones included.
    any: bool,
}

fn refund_day(order: &Order, c: &Value, path: &str) -> Result<Refunds, PayloadError> {
    let (mut latest, mut numbers, mut any) = (
        None::<(NaiveDate, Option<DateTime<Utc>>)>,
        Vec::new(),
        false,
    );
    for (k, p) in array(c, path, "payments")?.iter().enumerate() {
        let pp = format!("{path}.payments[{k}]");
        let Some(r) = get(p, "refund").filter(|r| r.is_object()) else {
            continue;
        };
        any = true;
        if voided(p, &pp)? {
            continue;
        }
        numbers.push(refund_tender_no(&text(p, &pp, "guid")?));
        let rp = join(&pp, "refund");
        let at = opt_toast_time(r, &rp, "refundDate")?;
        let day = match business_date(r, &rp, "refundBusinessDate")? {
            Some(d) => Some(d),
            None => at.map(|at| order.ctx.business_date(order.store, at)),
        };
        if let Some(d) = day {
            if latest.is_none_or(|(l, _)| d > l) {
                latest = Some((d, at));
            }
        }
    }
    Ok(Refunds {
        day: latest.map(|(d, _)| d),
        at: latest.and_then(|(_, at)| at),
        tenders: numbers,
        any,
    })
}
