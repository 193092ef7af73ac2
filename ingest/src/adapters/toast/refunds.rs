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
//! of an earlier refund of the same payment is not kept; the latest day named is used. And its
//! key must not change with the next refund, so that a newer version replaces the older one
//! instead of landing beside it: its `occurred_at` is the check's (a refund's time is not stable).
//!
//! A check with a refund that stays in it (made the same day, or its payment voided since)
//! retracts `<check>/refunds`: an earlier version may have split it off, and that transaction
//! must not count the refund a second time.

use super::orders::Order;
use super::payments::{refund_tender_no, voided};
use super::read::{business_date, opt_toast_time};
use crate::adapters::json::{array, get, join, text};
use crate::adapters::PayloadError;
use crate::envelope::Retraction;
use chrono::NaiveDate;
use pos_core::model::{LineKind, Transaction, TxnKey};
use serde_json::Value;

/// The check's transaction `t`, its refunds apart when they were made on another day, or the
/// retraction of such a transaction when the check shows a refund that stays in it.
pub(super) fn split(
    order: &Order,
    c: &Value,
    path: &str,
    mut t: Transaction,
) -> Result<(Vec<Transaction>, Option<Retraction>), PayloadError> {
    let Refunds {
        day,
        tenders: refund_tenders,
        any,
    } = refund_day(order, c, path)?;
    let moves = t.lines.iter().any(|l| l.kind == LineKind::Return)
        || t.tenders
            .iter()
            .any(|x| refund_tenders.contains(&x.tender_no));
    let id = format!("{}/refunds", t.key.source_txn_id);
    let Some(day) = day.filter(|d| moves && *d != t.business_date) else {
        let retract = (any || moves).then(|| Retraction {
            key: TxnKey {
                source_txn_id: id,
                ..t.key.clone()
            },
            occurred_at: t.occurred_at,
            source_version: t.source_version,
        });
        return Ok((vec![t], retract));
    };
    let (returns, lines) = t
        .lines
        .into_iter()
        .partition(|l| l.kind == LineKind::Return);
    let (back, tenders) = t
        .tenders
        .into_iter()
        .partition(|x| refund_tenders.contains(&x.tender_no));
    t.lines = lines;
    t.tenders = tenders;
    let mut refund = Transaction {
        lines: returns,
        tenders: back,
        business_date: day,
        ..t.clone()
    };
    refund.key.source_txn_id = id;
    Ok((vec![t, refund], None))
}

/// What the check's payments say of refunds.
struct Refunds {
    /// The latest day a payment was refunded on, if any names one.
    day: Option<NaiveDate>,
    /// The tender numbers of the refunds (as `payments` numbers them).
    tenders: Vec<i32>,
    /// A payment carries a refund, voided ones included.
    any: bool,
}

fn refund_day(order: &Order, c: &Value, path: &str) -> Result<Refunds, PayloadError> {
    let (mut latest, mut numbers, mut any) = (None, Vec::new(), false);
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
        let day = match business_date(r, &rp, "refundBusinessDate")? {
            Some(d) => Some(d),
            None => opt_toast_time(r, &rp, "refundDate")?
                .map(|at| order.ctx.business_date(order.store, at)),
        };
        latest = latest.max(day);
    }
    Ok(Refunds {
        day: latest,
        tenders: numbers,
        any,
    })
}
