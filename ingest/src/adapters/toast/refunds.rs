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
//! is the refund's (see `days::time_on`), which moves with the next refund; so a check that
//! shows a refund also retracts `<check>/refunds` at any time, with its own version: the one
//! an earlier version wrote (at another time, or before its refund was voided, or when the
//! refund was not on the check's day yet) is deleted, the one this version writes is kept, and
//! the refund never counts twice. So does a check last modified after its own day that shows
//! no refund: its refund may have been voided, and Toast then drops it from the check.

use super::days::{move_off, Part};
use super::orders::Order;
use super::payments::{refund_tender_no, voided};
use super::read::{business_date, opt_toast_time};
use crate::adapters::json::{array, get, join, text};
use crate::adapters::PayloadError;
use crate::envelope::Retraction;
use chrono::{DateTime, NaiveDate, Utc};
use pos_core::model::{LineKind, Transaction};
use serde_json::Value;

/// The check's transaction `t`, its refunds apart when they were made on another day, and,
/// whenever the check shows a refund (or was last modified after its day), the retraction of
/// `<check>/refunds` at any time: a split made by an earlier version (at another refund's time,
/// or before the refund was voided) goes, the one this version writes stays (it carries this
/// version). See `days`.
pub(super) fn split(
    order: &Order,
    c: &Value,
    path: &str,
    t: &mut Transaction,
) -> Result<(Option<Transaction>, Option<Retraction>), PayloadError> {
    let Refunds {
        day,
        at,
        tenders: refund_tenders,
        any,
    } = refund_day(order, c, path)?;
    let part = Part {
        suffix: "refunds",
        day,
        at,
        named: any,
        vanishes: true,
        span: None,
    };
    Ok(move_off(
        order,
        t,
        part,
        |l| l.kind == LineKind::Return,
        |x| refund_tenders.contains(&x.tender_no),
    ))
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
