//! Tenders: an order's own tenders and refunds (NO_SALE ones as drawer events), and payments
//! and refunds sent on their own.

use super::{money, store_of, OrderMoney, SOURCE};
use crate::adapters::json::{array, err, get, join, opt_text, text, time, utc};
use crate::adapters::{number_from_id, tipped, Context, PayloadError};
use crate::envelope::TenderRecord;
use chrono::{DateTime, SubsecRound, Utc};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashMap;

/// A tender's or refund's `created_at`, to the whole second: part of the tender's stored key,
/// so the same payment must get the same time from every path that reports it. An order's
/// `tenders[].created_at` and `refunds[].created_at` are written to the second
/// (`2019-09-25T19:00:38Z`), the same payment or refund sent on its own to the millisecond
/// (`2019-09-25T19:00:38.803Z`, Square's forum and API examples): kept as written, one payment
/// would be two rows and its money counted twice.
fn tender_time(v: &Value, path: &str) -> Result<DateTime<Utc>, PayloadError> {
    Ok(utc(time(v, path, "created_at")?).trunc_subsecs(0))
}

/// Where an order's tenders happened: what a drawer event or a tender without its own time needs.
pub(super) struct Where<'a> {
    pub(super) ctx: &'a Context,
    pub(super) store: &'a str,
    pub(super) order_id: &'a str,
    pub(super) created: chrono::DateTime<chrono::Utc>,
}

/// The order's `tenders[]` and `refunds[]` as tenders; NO_SALE tenders (the drawer opened with
/// nothing sold, a loss-prevention signal) become drawer events instead.
pub(super) fn order_tenders(
    o: &Value,
    path: &str,
    m: &OrderMoney,
    w: &Where,
) -> Result<(Vec<Tender>, Vec<DrawerEvent>), PayloadError> {
    let mut tenders = Vec::new();
    let mut drawer = Vec::new();
    let mut paid_by = HashMap::new();
    for (i, t) in array(o, path, "tenders")?.iter().enumerate() {
        let tp = format!("{path}.tenders[{i}]");
        let at = match get(t, "created_at") {
            Some(_) => tender_time(t, &tp)?,
            None => w.created.trunc_subsecs(0),
        };
        if opt_text(t, &tp, "type")?.as_deref() != Some("NO_SALE") {
            let tender = order_tender(t, &tp, m, at)?;
            for id in [opt_text(t, &tp, "id")?, opt_text(t, &tp, "payment_id")?]
                .into_iter()
                .flatten()
            {
                paid_by.insert(id, Paid::of(&tender));
            }
            tenders.push(tender);
            continue;
        }
        let event =
            opt_text(t, &tp, "id")?.unwrap_or_else(|| format!("{}/no_sale/{i}", w.order_id));
        drawer.push(DrawerEvent {
            tenant_id: w.ctx.tenant_id.clone(),
            store_id: w.store.to_string(),
            source: SOURCE.into(),
            source_event_id: event,
            source_version: 0,
            register_id: None,
            cashier_id: None,
            kind: DrawerEventKind::NoSale,
            amount: Decimal::ZERO,
            currency: m.currency.clone(),
            occurred_at: at,
            business_date: w.ctx.business_date(w.store, at),
        });
    }
    for (i, r) in array(o, path, "refunds")?.iter().enumerate() {
        let rp = format!("{path}.refunds[{i}]");
        let paid = match opt_text(r, &rp, "tender_id")? {
            Some(t) => paid_by.get(&t),
            None => None,
        };
        tenders.push(order_refund(r, &rp, m, w.created, paid)?);
    }
    Ok((tenders, drawer))
}

/// How a tender of the order was paid, for the refunds that name it (`tender_id`): money goes
/// back the way it came (to the same card, as cash from the drawer), so the refund has the
/// tender's method and card. Not its entry method: that is how the card was presented for the
/// sale, and a refund is not presented.
struct Paid {
    method: TenderMethod,
    card_fingerprint: Option<String>,
    card_bin: Option<String>,
}

impl Paid {
    fn of(t: &Tender) -> Paid {
        Paid {
            method: t.method,
            card_fingerprint: t.card_fingerprint.clone(),
            card_bin: t.card_bin.clone(),
        }
    }
}

/// A tender of the order. `amount_money` already includes the tip and is net of the change
/// given back (`cash_details.buyer_tendered_money` is what the buyer handed over), so it is
/// taken as it is; its `tip_money` (Square: "the tip's amount of the tender", inside
/// `amount_money`) is its tip. `tender_no` comes from the payment id, as for payments sent on
/// their own, so both land on the same row (with the same tip: the payment's `tip_money`).
fn order_tender(
    t: &Value,
    tp: &str,
    m: &OrderMoney,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Tender, PayloadError> {
    let id = match opt_text(t, tp, "payment_id")? {
        Some(p) => p,
        None => text(t, tp, "id")?,
    };
    let amount = m
        .opt(t, tp, "amount_money")?
        .ok_or_else(|| err(&join(tp, "amount_money"), "is missing"))?;
    let card_details = get(t, "card_details");
    let card = card_details.and_then(|c| get(c, "card"));
    let brand = card
        .and_then(|c| get(c, "card_brand"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let method = match opt_text(t, tp, "type")?.as_deref() {
        Some("CARD") if brand == "SQUARE_GIFT_CARD" => TenderMethod::GiftCard,
        Some("CARD") | Some("THIRD_PARTY_CARD") => TenderMethod::Card,
        Some("CASH") => TenderMethod::Cash,
        Some("SQUARE_GIFT_CARD") => TenderMethod::GiftCard,
        _ => TenderMethod::Other,
    };
    let status = match tender_details_status(t) {
        Some("VOIDED") => TenderStatus::Voided,
        Some("FAILED") => TenderStatus::Declined,
        _ => TenderStatus::Approved, // AUTHORIZED, CAPTURED, PENDING, COMPLETED, or no details
    };
    let tip = m.or_zero(t, tp, "tip_money")?;
    tipped(
        Tender {
            tender_no: number_from_id(&id),
            method,
            amount,
            status,
            card_fingerprint: card_text(card, "fingerprint"),
            card_bin: card_text(card, "bin"),
            card_entry: card_details
                .and_then(|c| get(c, "entry_method"))
                .and_then(Value::as_str)
                .map(card_entry),
            occurred_at: at,
            tip,
        },
        &join(tp, "tip_money"),
    )
}

/// The state of a tender's payment, from whichever details object its `type` has: a CARD or
/// SQUARE_GIFT_CARD tender's `card_details`, a BANK_ACCOUNT tender's `bank_account_details`
/// (PENDING, COMPLETED, FAILED), a BUY_NOW_PAY_LATER or SQUARE_ACCOUNT tender's
/// `buy_now_pay_later_details` / `square_account_details` (AUTHORIZED, CAPTURED, VOIDED,
/// FAILED). Read from `card_details` alone, a failed ACH transfer or a voided Afterpay tender
/// counted as money taken (and could make an unpaid OPEN order look paid).
fn tender_details_status(t: &Value) -> Option<&str> {
    [
        "card_details",
        "bank_account_details",
        "buy_now_pay_later_details",
        "square_account_details",
    ]
    .into_iter()
    .find_map(|k| get(t, k).and_then(|d| get(d, "status")))
    .and_then(Value::as_str)
}

/// A refund listed on a (return) order: a negative tender keyed by the refund id, as
/// `refund()` keys the same refund sent on its own. Its method and card are those of the
/// order's tender it names (`paid`); a refund of a tender not in this order (a return order's
/// refunds name the original order's payment) says nothing of its method: `other`. Its tip is
/// 0: Square's order `Refund` has no tip of its own, and the return's
/// `return_amounts.tip_money` is not split between its refunds; taken from it, the same refund
/// sent on its own (a `PaymentRefund`, which has no tip either) would write the row back to 0.
fn order_refund(
    r: &Value,
    rp: &str,
    m: &OrderMoney,
    order_created: chrono::DateTime<chrono::Utc>,
    paid: Option<&Paid>,
) -> Result<Tender, PayloadError> {
    let id = refund_id(r, rp)?;
    let amount = m
        .opt(r, rp, "amount_money")?
        .ok_or_else(|| err(&join(rp, "amount_money"), "is missing"))?;
    let at = match get(r, "created_at") {
        Some(_) => tender_time(r, rp)?,
        None => order_created.trunc_subsecs(0),
    };
    Ok(Tender {
        tender_no: number_from_id(&id),
        method: paid.map_or(TenderMethod::Other, |p| p.method),
        amount: -amount,
        status: refund_status(&text(r, rp, "status")?),
        card_fingerprint: paid.and_then(|p| p.card_fingerprint.clone()),
        card_bin: paid.and_then(|p| p.card_bin.clone()),
        card_entry: None,
        occurred_at: at,
        tip: Decimal::ZERO,
    })
}

/// The id of a refund listed on an order, in the Refunds API's form so that the refund sent
/// on its own (`refund.*` webhooks, `GET /v2/refunds/{id}`) lands on the same tender row. A
/// `PaymentRefund` id is the payment id, `_`, and the refund's own id; an order written through
/// the older Transactions API may list the refund's own id alone, beside its `tender_id` (the
/// payment). An id without `_` cannot be a `PaymentRefund` id, so it gets the payment's prefix;
/// any other id is kept as written.
fn refund_id(r: &Value, rp: &str) -> Result<String, PayloadError> {
    let id = text(r, rp, "id")?;
    Ok(match opt_text(r, rp, "tender_id")? {
        Some(payment) if !id.contains('_') && !payment.is_empty() => format!("{payment}_{id}"),
        _ => id,
    })
}

/// Refund states: PENDING and APPROVED (Orders API) or COMPLETED (Refunds API) mean the money
/// goes back; REJECTED and FAILED mean it does not.
fn refund_status(s: &str) -> TenderStatus {
    match s {
        "COMPLETED" | "APPROVED" | "PENDING" => TenderStatus::Approved,
        "REJECTED" | "FAILED" => TenderStatus::Declined,
        _ => TenderStatus::Voided,
    }
}

fn card_text(card: Option<&Value>, key: &str) -> Option<String> {
    card.and_then(|c| get(c, key))
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn card_entry(e: &str) -> CardEntry {
    match e {
        "KEYED" | "ON_FILE" => CardEntry::Keyed,
        "SWIPED" => CardEntry::Swipe,
        "EMV" => CardEntry::Chip,
        "CONTACTLESS" => CardEntry::Contactless,
        _ => CardEntry::Other,
    }
}

/// Payments made outside Square (`source_type` EXTERNAL) say what they were in
/// `external_details.type`.
fn external_method(kind: Option<&str>) -> TenderMethod {
    match kind {
        Some("CARD") => TenderMethod::Card,
        Some("OTHER_GIFT_CARD") => TenderMethod::GiftCard,
        Some("STORED_BALANCE") => TenderMethod::StoreCredit,
        _ => TenderMethod::Other,
    }
}

fn version_of(v: &Value, path: &str) -> Result<i64, PayloadError> {
    // Payments carry an opaque version_token; updated_at orders their versions.
    Ok(
        utc(time(v, path, "updated_at").or_else(|_| time(v, path, "created_at"))?)
            .timestamp_millis(),
    )
}

/// A payment as a tender of its order (keyed by `order_id`). The amount is `total_money`
/// (tip included, change already deducted for cash), as the card statement or the drawer
/// counts it; the tip is `tip_money`.
pub fn payment(
    ctx: &Context,
    p: &Value,
    path: &str,
) -> Result<(String, TenderRecord), PayloadError> {
    let id = text(p, path, "id")?;
    let order_id = opt_text(p, path, "order_id")?.unwrap_or_else(|| format!("payment:{id}"));
    let store = store_of(ctx, &text(p, path, "location_id")?);
    let at = tender_time(p, path)?;
    let status = match text(p, path, "status")?.as_str() {
        "APPROVED" | "COMPLETED" | "PENDING" => TenderStatus::Approved,
        "FAILED" => TenderStatus::Declined,
        _ => TenderStatus::Voided, // CANCELED
    };
    let (amount, tip, currency) = payment_total(p, path)?;
    let card = get(p, "card_details");
    let c = card.and_then(|c| get(c, "card"));
    let brand = c
        .and_then(|c| get(c, "card_brand"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let external = get(p, "external_details")
        .and_then(|e| get(e, "type"))
        .and_then(Value::as_str);
    let method = match (opt_text(p, path, "source_type")?.as_deref(), brand) {
        (Some("CARD"), "SQUARE_GIFT_CARD") => TenderMethod::GiftCard,
        (Some("CARD"), _) => TenderMethod::Card,
        (Some("CASH"), _) => TenderMethod::Cash,
        (Some("EXTERNAL"), _) => external_method(external),
        _ => TenderMethod::Other,
    };
    let entry = card
        .and_then(|c| get(c, "entry_method"))
        .and_then(Value::as_str)
        .map(card_entry);
    let cashier = opt_text(p, path, "team_member_id")?.or(opt_text(p, path, "employee_id")?);
    let rec = TenderRecord {
        key: TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: store.clone(),
            source: SOURCE.into(),
            source_txn_id: order_id,
        },
        source_version: version_of(p, path)?,
        business_date: ctx.business_date(&store, at),
        currency,
        register_id: None,
        cashier_id: cashier,
        tender: tipped(
            Tender {
                tender_no: number_from_id(&id),
                method,
                amount,
                status,
                card_fingerprint: card_text(c, "fingerprint"),
                card_bin: card_text(c, "bin"),
                card_entry: entry,
                occurred_at: at,
                tip,
            },
            &join(path, "tip_money"),
        )?,
    };
    Ok((format!("payment/{id}/{}", rec.source_version), rec))
}

/// What the payment took, and the tip in it: `total_money` (`amount_money` + `tip_money`, as
/// Square documents it) and `tip_money`; a payment without `total_money` (a trimmed or older
/// payload) adds the tip itself, since `amount_money` excludes it and the tip is money the
/// buyer paid. There a tip in another currency is an error naming its currency (it cannot be
/// added). Beside `total_money` it is not needed for the amount: such a tip (the SDK docs'
/// generator filler, 190 ZMK beside a USD payment) is not known as a share of the payment, so
/// the tip is 0 and the payment still lands, as it did before tips were kept.
fn payment_total(p: &Value, path: &str) -> Result<(Decimal, Decimal, String), PayloadError> {
    let has_total = get(p, "total_money").is_some();
    let base_field = if has_total {
        "total_money"
    } else {
        "amount_money"
    };
    let (base, currency) = money(p, path, base_field)?;
    if get(p, "tip_money").is_none() {
        return Ok((base, Decimal::ZERO, currency));
    }
    let (tip, tip_currency) = money(p, path, "tip_money")?;
    match (tip_currency == currency, has_total) {
        (true, true) => Ok((base, tip, currency)),
        (true, false) => Ok((base + tip, tip, currency)),
        (false, true) => Ok((base, Decimal::ZERO, currency)),
        (false, false) => Err(err(
            &join(&join(path, "tip_money"), "currency"),
            format!("is {tip_currency} but amount_money is in {currency}"),
        )),
    }
}

/// A refund as a negative tender of the order it belongs to (Square creates a return order,
/// so `refund.order_id` is not the original payment's order). Its tip is 0: a `PaymentRefund`
/// has only `amount_money` (a tip given back is inside it, and Square's refund request takes
/// one amount), so how much of it was a tip is not known.
pub fn refund(
    ctx: &Context,
    r: &Value,
    path: &str,
) -> Result<(String, TenderRecord), PayloadError> {
    let id = text(r, path, "id")?;
    let order_id = opt_text(r, path, "order_id")?.unwrap_or_else(|| format!("refund:{id}"));
    let store = store_of(ctx, &text(r, path, "location_id")?);
    let at = tender_time(r, path)?;
    let (amount, currency) = money(r, path, "amount_money")?;
    let rec = TenderRecord {
        key: TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: store.clone(),
            source: SOURCE.into(),
            source_txn_id: order_id,
        },
        source_version: version_of(r, path)?,
        business_date: ctx.business_date(&store, at),
        currency,
        register_id: None,
        cashier_id: opt_text(r, path, "team_member_id")?,
        tender: Tender {
            tender_no: number_from_id(&id),
            method: refund_method(r, path)?,
            amount: -amount,
            status: refund_status(&text(r, path, "status")?),
            card_fingerprint: None,
            card_bin: None,
            card_entry: None,
            occurred_at: at,
            tip: Decimal::ZERO,
        },
    };
    Ok((format!("refund/{id}/{}", rec.source_version), rec))
}

/// Where the refund went: `destination_type`, else which of `destination_details`'
/// `card_details` / `cash_details` / `external_details` is set (older refunds have neither).
fn refund_method(r: &Value, path: &str) -> Result<TenderMethod, PayloadError> {
    let details = get(r, "destination_details");
    let external = details
        .and_then(|d| get(d, "external_details"))
        .and_then(|e| get(e, "type"))
        .and_then(Value::as_str);
    let kind = match opt_text(r, path, "destination_type")? {
        Some(k) => Some(k),
        None => details.and_then(|d| {
            ["card_details", "cash_details", "external_details"]
                .into_iter()
                .find(|k| get(d, k).is_some())
                .map(|k| k.trim_end_matches("_details").to_uppercase())
        }),
    };
    Ok(match kind.as_deref() {
        Some("CARD") => TenderMethod::Card,
        Some("CASH") => TenderMethod::Cash,
        Some("EXTERNAL") => external_method(external),
        _ => TenderMethod::Other,
    })
}
