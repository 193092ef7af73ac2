//! A Clover order object (`GET /v3/merchants/{mId}/orders/{id}?expand=…`) as a transaction.
//!
//! Clover's order `state` ("open", "locked") is not enforced by Clover and not meant for
//! decisions (Clover's REST reference on `state`), so the status comes from the money: an
//! approved payment (or credit) makes the order completed; payments that were all voided make
//! it post-voided; an order never paid (payments expanded and none, `paymentState` OPEN or
//! absent) is cancelled, which a later paid version replaces. `testMode` orders are never
//! processed by Clover and are cancelled.

use super::charges::charge_lines;
use super::lines::sale_lines;
use super::read::{elements, flag, millis, opt_int, ref_id};
use super::refunds::{refunds_and_credits, Around, Refund, Returned};
use super::tenders::{payments, Payments};
use super::unitemized::unitemized_sale;
use super::SOURCE;
use crate::adapters::json::{err, get, opt_text, text};
use crate::adapters::{check_time, split_off, stored_time, Context, PayloadError};
use crate::envelope::Retraction;
use pos_core::model::*;
use serde_json::Value;

/// An order mapped: the order as a transaction, followed by its refunds and credits made on
/// another business day than the order's, and the retractions of those an earlier version may
/// have split off and this one does not (see [`split_refunds`]).
pub struct Mapped {
    pub txns: Vec<Transaction>,
    pub retractions: Vec<Retraction>,
}

pub fn order(
    ctx: &Context,
    o: &Value,
    path: &str,
    merchant: Option<&str>,
) -> Result<Mapped, PayloadError> {
    not_a_payment(o, path)?;
    let id = text(o, path, "id")?;
    let merchant = merchant_of(o, path, merchant)?;
    let store = ctx
        .clover_merchants
        .get(&merchant)
        .cloned()
        .unwrap_or(merchant);
    let currency = opt_text(o, path, "currency")?.unwrap_or_else(|| ctx.currency_of(&store));
    let created = match millis(o, path, "createdTime")? {
        Some(t) => t,
        None => millis(o, path, "clientCreatedTime")?
            .ok_or_else(|| err(&field(path, "createdTime"), "is missing"))?,
    };
    let version = version(ctx, o, path, created)?;
    let pays = payments(o, path, &currency, created)?;
    let mut sales = sale_lines(o, path, &currency, pays.tax)?;
    // Numbered after the line items and before refunds: known from the first paid version.
    let charges = charge_lines(
        o,
        path,
        &currency,
        &sales,
        pays.service_charge.clone(),
        &pays.surcharges,
    )?;
    sales.extend(charges);
    // An order without line items (a manual transaction): the goods its payments paid.
    let goods = unitemized_sale(o, path, &sales, &pays)?;
    sales.extend(goods);
    let around = Around {
        order_id: &id,
        currency: &currency,
        created,
        sales: &sales,
        paid: &pays.by_id,
    };
    let mut back = refunds_and_credits(o, path, &around)?;
    let each = std::mem::take(&mut back.each);
    let status = status(o, path, &pays, &back)?;
    let mut lines: Vec<Line> = sales.into_iter().map(|s| s.line).collect();
    lines.extend(back.lines);
    let mut tenders = pays.tenders;
    tenders.extend(back.tenders);
    let key = TxnKey {
        tenant_id: ctx.tenant_id.clone(),
        store_id: store.clone(),
        source: SOURCE.into(),
        source_txn_id: id,
    };
    // A tab paid after midnight counts on the day it was paid; one paid days later is also
    // stored at its payment (see `stored_time`).
    let paid = pays.first_paid.unwrap_or(created);
    let (stored, moved) = stored_time(ctx, &key, version, created, paid);
    let t = Transaction {
        key,
        source_version: version,
        occurred_at: stored,
        business_date: ctx.business_date(&store, paid),
        register_id: ref_id(o, path, "device")?,
        cashier_id: ref_id(o, path, "employee")?,
        customer_id: first_customer(o, path)?,
        status,
        currency,
        lines,
        tenders,
    };
    let mut m = split_refunds(ctx, t, each);
    m.retractions.extend(moved);
    Ok(m)
}

/// The version (larger wins in the writer: an older fetch never overwrites a newer one, and it
/// is part of the event id): the order's `modifiedTime` (else `createdTime`), or later, the
/// latest `modifiedTime` (else `createdTime`) of its payments, voids, refunds and credits. A tip
/// adjusted on a payment (`POST …/payments/{id}/tip-adjust`, hours after the sale) changes the
/// payment; nothing says it changes the order's `modifiedTime`, and the fetch a payment's
/// UPDATE triggers then had the version and event id of the fetch before: a duplicate, the new
/// tip dropped. A child's time the writer would refuse (seconds for milliseconds, the future)
/// is not taken: the version would then stay above every later fetch.
fn version(
    ctx: &Context,
    o: &Value,
    path: &str,
    created: chrono::DateTime<chrono::Utc>,
) -> Result<i64, PayloadError> {
    let mut v = opt_int(o, path, "modifiedTime")?.unwrap_or(created.timestamp_millis());
    for key in ["payments", "voids", "refunds", "credits"] {
        let (list, lp) = elements(o, path, key)?;
        for (i, x) in list.iter().enumerate() {
            v = v.max(child_time(ctx, x));
            if key == "payments" {
                // Refunds listed under their payment (`payments[].refunds`).
                let (nested, _) = elements(x, &format!("{lp}[{i}]"), "refunds")?;
                v = nested.iter().fold(v, |v, r| v.max(child_time(ctx, r)));
            }
        }
    }
    Ok(v)
}

/// A payment's, refund's or credit's `modifiedTime`, else `createdTime`, in milliseconds; 0
/// when it has neither, or one that is no time or one the writer would refuse (a field read
/// only for the version refuses no order).
fn child_time(ctx: &Context, x: &Value) -> i64 {
    let ms = |key| crate::adapters::json::int(x, "", key).ok();
    ms("modifiedTime")
        .or_else(|| ms("createdTime"))
        .and_then(chrono::DateTime::from_timestamp_millis)
        .filter(|t| check_time(ctx, "modifiedTime", *t).is_ok())
        .map_or(0, |t| t.timestamp_millis())
}

/// A refund or credit made on another business day than the order's lands on that day, as
/// Clover's reports count it, not on the sale's day (reported already): its return lines and
/// tender leave the order for a transaction of their own, `<order>/refund/<refund id>`, at its
/// `createdTime`, with the order's status, version and cashier. Clover refunds are objects of
/// their own with a fixed id and time, so that key never moves between fetches. A voided or
/// failed refund moved no money and has no return lines: it stays with the order, where it is
/// a tender attempt, rather than becoming an empty transaction of its own on that day.
///
/// A refund that stays with the order is retracted as `<order>/refund/<id>`: an earlier version
/// may have split it off (before it was voided, or while the order's day, the day of its first
/// payment, was another), and that transaction must not count it a second time.
fn split_refunds(ctx: &Context, mut t: Transaction, each: Vec<Refund>) -> Mapped {
    let mut out = Vec::new();
    let mut retractions = Vec::new();
    for r in each {
        // A time the writer would refuse (seconds read as milliseconds: 1970) stays with the
        // order, which is then refused whole, naming it, rather than landing without its refund.
        let Some(at) =
            r.at.filter(|at| check_time(ctx, "createdTime", *at).is_ok())
        else {
            continue;
        };
        let id = format!("{}/refund/{}", t.key.source_txn_id, r.id);
        let day = ctx.business_date(&t.key.store_id, at);
        let approved = t
            .tenders
            .iter()
            .any(|x| x.tender_no == r.tender_no && x.status == TenderStatus::Approved);
        if day == t.business_date || !approved {
            let mut key = t.key.clone();
            key.source_txn_id = id;
            retractions.push(Retraction {
                key,
                occurred_at: Some(at),
                between: (at, at),
                source_version: t.source_version,
            });
            continue;
        }
        out.push(split_off(
            &mut t,
            id,
            (day, at),
            |l| r.line_nos.contains(&l.line_no),
            |x| x.tender_no == r.tender_no,
        ));
    }
    out.insert(0, t);
    Mapped {
        txns: out,
        retractions,
    }
}

/// A payment, refund or credit posted (or paged, `GET …/payments`) where an order is expected:
/// they have an `amount`, which an order never has (it has `total` and `lineItems`). Mapped as
/// an order it became an empty cancelled transaction under the payment's id and its money was
/// dropped without a word; it is refused, naming the order to fetch instead.
fn not_a_payment(o: &Value, path: &str) -> Result<(), PayloadError> {
    if get(o, "amount").is_none() || get(o, "lineItems").is_some() {
        return Ok(());
    }
    let (kind, order) = if get(o, "payment").is_some() {
        ("refund", ref_id(o, path, "orderRef")?)
    } else if get(o, "order").is_some() {
        ("payment", ref_id(o, path, "order")?)
    } else {
        ("credit or payment", ref_id(o, path, "orderRef")?)
    };
    let of = order
        .map(|id| format!(" of order {id}"))
        .unwrap_or_default();
    Err(err(
        &field(path, "amount"),
        format!(
            "a Clover {kind}{of}, not an order (an order has `total` and `lineItems`): post \
             the order, fetched with expand=payments,refunds,credits"
        ),
    ))
}

fn field(path: &str, key: &str) -> String {
    crate::adapters::json::join(path, key)
}

/// The merchant: the one the order was fetched for, else the order's `merchant` reference,
/// else the `href` Clover puts on every object (`…/v3/merchants/{mId}/orders/{id}`).
fn merchant_of(o: &Value, path: &str, given: Option<&str>) -> Result<String, PayloadError> {
    if let Some(m) = given.filter(|m| !m.is_empty()) {
        return Ok(m.to_string());
    }
    if let Some(m) = ref_id(o, path, "merchant")?.filter(|m| !m.is_empty()) {
        return Ok(m);
    }
    let from_href = opt_text(o, path, "href")?.and_then(|h| {
        let rest = h.split("/merchants/").nth(1)?;
        let m = rest.split('/').next()?;
        (!m.is_empty()).then(|| m.to_string())
    });
    from_href.ok_or_else(|| {
        err(
            &field(path, "merchant.id"),
            "is missing, and no `href` names the merchant: post the order with its merchant",
        )
    })
}

fn first_customer(o: &Value, path: &str) -> Result<Option<String>, PayloadError> {
    let (list, lp) = elements(o, path, "customers")?;
    match list.first() {
        Some(c) => opt_text(c, &format!("{lp}[0]"), "id"),
        None => Ok(None),
    }
}

fn status(
    o: &Value,
    path: &str,
    pays: &Payments,
    back: &Returned,
) -> Result<TxnStatus, PayloadError> {
    if flag(o, path, "testMode")? {
        return Ok(TxnStatus::Cancelled);
    }
    let credited = back
        .tenders
        .iter()
        .any(|t| t.status == TenderStatus::Approved);
    if pays.approved > 0 || credited {
        return Ok(TxnStatus::Completed);
    }
    if pays.voided > 0 {
        return Ok(TxnStatus::PostVoided);
    }
    // Payments not expanded: Clover's own word on whether the order was paid.
    Ok(match opt_text(o, path, "paymentState")?.as_deref() {
        Some(
            "PAID" | "PARTIALLY_PAID" | "REFUNDED" | "PARTIALLY_REFUNDED" | "CREDITED"
            | "MANUALLY_REFUNDED",
        ) => TxnStatus::Completed,
        _ => TxnStatus::Cancelled,
    })
}
