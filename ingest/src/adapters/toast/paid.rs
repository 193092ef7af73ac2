//! A check's payments on the business day they were applied.
//!
//! Toast counts a sale on its order's business day and the money on the day it was taken: a
//! payment's `paidBusinessDate` is "the business date (yyyyMMdd) on which this payment was
//! first applied" (Orders API, `Payment`); `GET /orders/v2/payments?paidBusinessDate=` lists
//! "the payments made during the business day"; the Sales Summary's payments count those
//! "collected within your selected date range for orders outside of the date range", while it
//! "records a sale when a check is first opened, not when the payment is processed"; and a cash
//! payment goes into the drawer active when it is taken, every drawer being closed at the
//! closeout hour. So a check paid on a later day than its order's (a tab left open past the
//! closeout), or before it (a scheduled order paid when placed), keeps its lines on the order's
//! day and its money moves: its approved payments applied on another day become a transaction
//! of their own, `<check>/paid`, on that day (`days`), so that day's tenders and
//! `cash_expected` hold them.
//!
//! One transaction per check: the payments of every other day go to the latest of them (a
//! check paid in part on two later days lands both parts on the second). Only Toast's own
//! `paidBusinessDate` moves a payment: without it the payment stays on the check, as a day
//! guessed from `paidDate` and the store's `business_day_start` would split every check paid
//! after midnight wherever that start is not the restaurant's closeout hour; and an order
//! without its own `businessDate`, its check dated by the store's clock, moves none. A voided
//! payment took no money and moves nothing, but, still listed with its day, it retracts the
//! split an earlier version made of it.

use super::days::{move_off, time_on, Part};
use super::orders::Order;
use super::payments::{declined, tender_no, voided};
use super::read::{business_date, opt_toast_time};
use crate::adapters::json::{array, text};
use crate::adapters::PayloadError;
use crate::envelope::Retraction;
use chrono::{DateTime, NaiveDate, Utc};
use pos_core::model::Transaction;
use serde_json::Value;

/// Moves the approved payments of the check at `path` applied on another day than `t`'s into
/// `<check>/paid` on that day, with the retraction of `<check>/paid` whenever a payment names
/// another day (see the module docs).
pub(super) fn split(
    order: &Order,
    c: &Value,
    path: &str,
    t: &mut Transaction,
) -> Result<(Option<Transaction>, Option<Retraction>), PayloadError> {
    // Toast's day of the payment is compared with Toast's day of the order only: a check's day
    // derived from the store's clock (an order without `businessDate`) may differ from it by the
    // closeout hour alone.
    if order.business_date.is_none() {
        return Ok((None, None));
    }
    let own = t.business_date;
    let mut latest = None::<(NaiveDate, Option<DateTime<Utc>>)>;
    let mut span = None::<(DateTime<Utc>, DateTime<Utc>)>;
    let mut moved = Vec::new();
    for (k, p) in array(c, path, "payments")?.iter().enumerate() {
        let pp = format!("{path}.payments[{k}]");
        let Some(day) = business_date(p, &pp, "paidBusinessDate")?.filter(|d| *d != own) else {
            continue;
        };
        let at = opt_toast_time(p, &pp, "paidDate")?;
        let stored = time_on(order, day, at);
        span = Some(span.map_or((stored, stored), |(a, b)| (a.min(stored), b.max(stored))));
        if voided(p, &pp)? || declined(p, &pp)? {
            continue;
        }
        moved.push(tender_no(&text(p, &pp, "guid")?));
        if latest.is_none_or(|(l, _)| day > l) {
            latest = Some((day, at));
        }
    }
    let part = Part {
        suffix: "paid",
        day: latest.map(|(d, _)| d),
        at: latest.and_then(|(_, at)| at),
        named: span.is_some(),
        vanishes: false,
        span,
    };
    Ok(move_off(
        order,
        t,
        part,
        |_| false,
        |x| moved.contains(&x.tender_no),
    ))
}
