//! One Toast check as a transaction: its key, times, status and who rang it; the lines and
//! tenders come from `lines` and `payments`.

use super::lines::{check_lines, WholeVoid};
use super::orders::Order;
use super::payments::check_tenders;
use super::read::{currency, flag, opt_toast_time, reference, Amounts};
use super::SOURCE;
use crate::adapters::json::{err, get, join, opt_text, text};
use crate::adapters::{check_time, PayloadError};
use chrono::{DateTime, Utc};
use pos_core::model::{Transaction, TxnKey, TxnStatus};
use serde_json::Value;

/// The check at `path` of `order`.
///
/// `occurred_at` is when the check was opened (else the order): it is part of the stored key,
/// so it must not move between fetches, and `paidDate` does (Toast: "the most recent date when
/// this check received payment"; an open check has none yet). The business day is Toast's
/// `businessDate` of the order, else the store's day of the payment (else the close, else the
/// opening), as Square's closed orders count on the day they were paid.
pub(super) fn transaction(
    order: &Order,
    c: &Value,
    path: &str,
) -> Result<Transaction, PayloadError> {
    if !c.is_object() {
        return Err(err(path, format!("expected a Check object, got {c}")));
    }
    let ctx = order.ctx;
    let guid = text(c, path, "guid")?;
    let occurred_at = opened(order, c, path)?;
    let business_date = match order.business_date {
        Some(d) => d,
        None => ctx.business_date(order.store, settled(c, path)?.unwrap_or(occurred_at)),
    };
    let currency = currency(ctx, order.store, &join(path, "amount"))?;
    let money = Amounts::of(&currency);
    Ok(Transaction {
        key: TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: order.store.to_string(),
            source: SOURCE.into(),
            source_txn_id: guid.clone(),
        },
        source_version: order.version,
        occurred_at,
        business_date,
        register_id: None,
        // Who opened this check (a split check may be another server's), else the order's.
        cashier_id: reference(c, path, "openedBy")?.or_else(|| order.server.clone()),
        customer_id: reference(c, path, "customer")?,
        status: status(order, c, path)?,
        lines: check_lines(c, path, (&guid, whole_void(order, c, path)?), money)?,
        tenders: check_tenders(c, path, occurred_at, money)?,
        currency,
    })
}

/// The check's `openedDate`, else the order's; neither is an error naming the check's.
fn opened(order: &Order, c: &Value, path: &str) -> Result<DateTime<Utc>, PayloadError> {
    let field = join(path, "openedDate");
    let at = match opt_toast_time(c, path, "openedDate")?.or(order.opened) {
        Some(at) => at,
        None => return Err(err(&field, "is missing, and so is the order's openedDate")),
    };
    check_time(order.ctx, &field, at).map_err(|m| PayloadError::new(Some(&field), m))?;
    Ok(at)
}

/// When the check was settled: `paidDate`, else `closedDate`.
fn settled(c: &Value, path: &str) -> Result<Option<DateTime<Utc>>, PayloadError> {
    Ok(match opt_toast_time(c, path, "paidDate")? {
        Some(t) => Some(t),
        None => opt_toast_time(c, path, "closedDate")?,
    })
}

/// Whether the check, or its order, is voided.
fn voided(order: &Order, c: &Value, path: &str) -> Result<bool, PayloadError> {
    Ok(order.voided || flag(c, path, "voided")?)
}

/// The void of the whole check (or its order), if it was voided: when, where Toast says.
fn whole_void(order: &Order, c: &Value, path: &str) -> Result<Option<WholeVoid>, PayloadError> {
    if !voided(order, c, path)? {
        return Ok(None);
    }
    let at = match opt_toast_time(c, path, "voidDate")? {
        Some(t) => Some(t),
        None => order.void_date,
    };
    Ok(Some(WholeVoid { at }))
}

/// A deleted order or check sold nothing (Toast deletes a check combined into another, whose
/// selections then appear there), nor did an excess food order (waste): cancelled. A voided
/// one was post-voided when it had been paid, else cancelled. Otherwise `paymentStatus`
/// tells: PAID (tip not yet adjusted) and CLOSED are sales; OPEN has a balance due and, as
/// Square's unpaid open orders, is cancelled until a later version pays it. Without a
/// `paymentStatus`, a `paidDate` makes it a sale.
fn status(order: &Order, c: &Value, path: &str) -> Result<TxnStatus, PayloadError> {
    if order.deleted || order.excess_food || flag(c, path, "deleted")? {
        return Ok(TxnStatus::Cancelled);
    }
    let payment_status = opt_text(c, path, "paymentStatus")?;
    let paid = match payment_status.as_deref() {
        Some("PAID" | "CLOSED") => true,
        Some("OPEN") => false,
        None => get(c, "paidDate").is_some(),
        Some(other) => {
            return Err(err(
                &join(path, "paymentStatus"),
                format!("`{other}` is not a Toast check payment status (OPEN, PAID, CLOSED)"),
            ))
        }
    };
    if voided(order, c, path)? {
        let was_paid = paid || get(c, "paidDate").is_some();
        return Ok(if was_paid {
            TxnStatus::PostVoided
        } else {
            TxnStatus::Cancelled
        });
    }
    Ok(if paid {
        TxnStatus::Completed
    } else {
        TxnStatus::Cancelled
    })
}
