//! Shopify (REST Admin API 2019-04 … 2025-07, and the order / refund webhooks): orders and
//! refunds. Money is decimal strings (or numbers) in the shop currency, times carry the shop's
//! UTC offset, ids exceed 2^53 (kept as text, never floats).
//!
//! Mapping: an order is one transaction whose line items are sales; each refund is a
//! transaction of its own, `refund:<id>`, on the day it was made, whose `refund_line_items` are
//! return lines linked to the order. So an order with nested refunds and the same refund
//! delivered alone (the `refunds/create` webhook) land on the same rows.
//!
//! What the store's books need, and so what we keep:
//! - Money is the shop currency (`price`, or `*_set.shop_money` when the plain field is absent),
//!   never `presentment_money`, the customer's display currency.
//! - Lines are merchandise (custom items and gift cards included); shipping, tips and
//!   goodwill / shipping refunds (`order_adjustments`) are money, not goods: they are in the
//!   tenders only. With `taxes_included` the line's net amount is its price less tax.
//! - `test: true` orders are not sales: the payload stays in the inbox, no facts are mapped.
//! - Sold quantity is what the customer kept or returned: quantity removed by an order edit
//!   (`current_quantity` below the quantity less refunds) was never sold.
//! - Import duties are tax of the line they were charged on (see `duties`), never net sales.
//! - Tenders come from one place only (`[shopify] tenders`): the order's totals, or its payment
//!   transactions (see `transaction`); refunds always carry their own refund transactions.
//! - POS cash rounding: tenders are the cash taken, a rounding tender brings them back to the
//!   lines (see `rounding`).

mod duties;
#[cfg(test)]
mod duty_tests;
mod order;
mod order_tax;
#[cfg(test)]
mod order_tax_tests;
mod presentment;
#[cfg(test)]
mod presentment_tests;
mod refund;
#[cfg(test)]
mod refund_tests;
mod rounding;
#[cfg(test)]
mod rounding_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_redteam;
#[cfg(test)]
mod tests_redteam2;
#[cfg(test)]
mod tests_redteam_s33;
#[cfg(test)]
mod tip_tests;
mod transaction;
#[cfg(test)]
mod transaction_tests;

use super::json::{amount, array, get, join, opt_text, quantity, text, time, utc};
use super::money::{exponent, negated};
use super::{Context, PayloadError};
use crate::config::ShopifyTenders;
use crate::envelope::{Record, Reject};
use chrono::{DateTime, FixedOffset};
use order::order;
use pos_core::model::*;
use refund::refund;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashMap;

pub const SOURCE: &str = "shopify";
pub const CONTENT_TYPE: &str = "application/json; format=shopify";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub event_id: String,
    pub records: Vec<Result<Record, Reject>>,
}

/// Webhook topics whose payload is an order or a refund. Any other topic a shop subscribes
/// to (`orders/delete`, `orders/edited`, `customers/*`, `products/*`…) is kept in the inbox
/// and acknowledged with no facts: answering it 400 would only make Shopify retry it and,
/// after repeated failures, remove the subscription.
const MAPPED_TOPICS: [&str; 8] = [
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/partially_fulfilled",
    "refunds/create",
    "order_transactions/create",
];

/// `shop` is the `X-Shopify-Shop-Domain` of a webhook, `topic` its `X-Shopify-Topic`, when
/// known.
pub fn parse(
    ctx: &Context,
    body: &str,
    shop: Option<&str>,
    topic: Option<&str>,
) -> Result<Parsed, PayloadError> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| PayloadError::new(None, format!("not JSON: {e}")))?;
    if let Some(t) = topic.filter(|t| !MAPPED_TOPICS.contains(t)) {
        let id = get(&v, "id").and_then(|i| i.as_str().map(str::to_string).or(Some(i.to_string())));
        return Ok(Parsed {
            event_id: format!("topic/{t}/{}", id.unwrap_or_default()),
            records: vec![],
        });
    }
    let store = shop
        .and_then(|s| ctx.shopify_shops.get(s).cloned())
        .unwrap_or_else(|| ctx.shopify_default_store.clone());
    // REST responses wrap the object (or a page of them); webhooks send it bare.
    if let Some(o) = get(&v, "order") {
        return order_payload(ctx, o, "order", &store);
    }
    if let Some(r) = get(&v, "refund") {
        return refund_payload(ctx, r, "refund", &store, None);
    }
    if get(&v, "orders").is_some() {
        return page(ctx, &v, "orders", &store, order_payload);
    }
    if get(&v, "refunds").is_some() && get(&v, "line_items").is_none() {
        return page(ctx, &v, "refunds", &store, |c, r, p, s| {
            refund_payload(c, r, p, s, None)
        });
    }
    if get(&v, "line_items").is_some() {
        return order_payload(ctx, &v, "", &store);
    }
    if get(&v, "refund_line_items").is_some() || get(&v, "order_adjustments").is_some() {
        return refund_payload(ctx, &v, "", &store, None);
    }
    // After the refund checks: a refund lists its `transactions` too.
    if let Some(key) = transaction_key(&v) {
        let (event_id, records) = transaction::transactions(ctx, &v, key, &store)?;
        return Ok(Parsed { event_id, records });
    }
    Err(PayloadError::new(None, "not a Shopify payload: expected an order (with `line_items`), a refund (with `refund_line_items` or `order_adjustments`) or a payment transaction (with `kind` and `order_id`), bare, under `order` / `refund` / `transaction`, or a page under `orders` / `refunds` / `transactions`"))
}

/// Where a payment transaction payload keeps its transactions: a page under `transactions`,
/// one under `transaction`, or bare (the `order_transactions/create` webhook: an object with
/// `kind` and `order_id`); `None` for anything else.
fn transaction_key(v: &Value) -> Option<&'static str> {
    let bare = |x: &Value| get(x, "kind").is_some() && get(x, "order_id").is_some();
    if v.get("transactions").is_some_and(Value::is_array) {
        return Some("transactions");
    }
    if v.get("transaction").is_some_and(|x| x.is_object()) {
        return Some("transaction");
    }
    bare(v).then_some("")
}

/// A REST page (`GET /orders.json`, `/orders/{id}/refunds.json`): every object in turn, under
/// one event id naming the first and last and a hash of every element's event id (id and
/// version). A page fetched again after an order in its middle changed (a refund, a
/// cancellation: a new `updated_at`) is then a new event, not a duplicate of the first fetch
/// left unmapped; the per-order versions decide what replaces what. One unreadable element is
/// rejected alone, its path named (`orders[3].line_items`), and counts by its hashed text; the
/// rest of the page lands (it used to reject the whole page).
fn page(
    ctx: &Context,
    v: &Value,
    key: &str,
    store: &str,
    each: impl Fn(&Context, &Value, &str, &str) -> Result<Parsed, PayloadError>,
) -> Result<Parsed, PayloadError> {
    let mut out = Parsed::default();
    let mut ids = Vec::new();
    for (i, o) in array(v, "", key)?.iter().enumerate() {
        match each(ctx, o, &format!("{key}[{i}]"), store) {
            Ok(p) => {
                ids.push(p.event_id);
                out.records.extend(p.records);
            }
            Err(e) => {
                let raw = o.to_string();
                ids.push(format!("bad:{}", super::json::hash_hex(&raw, 12)));
                let reject = super::element_reject(ctx, SOURCE, None, &raw, e);
                out.records.push(Err(reject));
            }
        }
    }
    out.event_id = match (ids.first(), ids.last()) {
        (Some(a), Some(b)) => {
            let all = super::json::hash_hex(&ids.join(","), 8);
            format!("{key}[{}]:{a}..{b}/{all}", ids.len())
        }
        _ => format!("{key}[0]"),
    };
    Ok(out)
}

fn order_payload(
    ctx: &Context,
    o: &Value,
    path: &str,
    store: &str,
) -> Result<Parsed, PayloadError> {
    let id = text(o, path, "id")?;
    let updated = match get(o, "updated_at") {
        Some(_) => time(o, path, "updated_at")?,
        None => time(o, path, "created_at")?,
    };
    let event_id = format!("order/{id}/v{}", utc(updated).timestamp_millis());
    if flag(o, "test") {
        // A test order (bogus gateway, test mode): not a sale. The inbox keeps it.
        return Ok(Parsed {
            event_id,
            records: vec![],
        });
    }
    let (t, facts) = order(ctx, o, path, store)?;
    let rounding = match ctx.shopify_tenders {
        ShopifyTenders::Transactions => rounding::payment_adjustment(o, path, &t.currency)?
            .map(|a| rounding::transaction_tenders(&t, a))
            .unwrap_or_default(),
        ShopifyTenders::Order => vec![], // in the order's own tenders
    };
    let mapped = super::finish(ctx, t, Some(&event_id), &o.to_string());
    // The rounding tenders stand or fall with their order (a rejected order writes none).
    let rounding = if mapped.is_ok() { rounding } else { vec![] };
    let mut records = vec![mapped];
    records.extend(rounding.into_iter().map(|r| Ok(Record::Tender(r))));
    for (i, r) in array(o, path, "refunds")?.iter().enumerate() {
        let rp = join(path, &format!("refunds[{i}]"));
        // One unreadable refund rejects itself, not the order and its other refunds. Its store
        // is resolved from the shop's, never the order's: see `refund::refund_store`.
        match refund(ctx, r, &rp, store, Some(&facts)) {
            Ok(t) => {
                let eid = format!("refund/{}/v{}", t.key.source_txn_id, t.source_version);
                records.push(super::finish(ctx, t, Some(&eid), &r.to_string()));
            }
            Err(e) => records.push(Err(Reject {
                tenant_id: Some(ctx.tenant_id.clone()),
                source: SOURCE.into(),
                event_id: Some(event_id.clone()),
                payload: Some(r.to_string()),
                reason: e.message,
                detail: serde_json::json!({ "field": e.field, "order_id": facts.id }),
            })),
        }
    }
    Ok(Parsed { event_id, records })
}

fn refund_payload(
    ctx: &Context,
    r: &Value,
    path: &str,
    store: &str,
    order: Option<&OrderFacts>,
) -> Result<Parsed, PayloadError> {
    if order.is_none() && test_refund(r) {
        // A refund of a test order: simulated money, as the order was. The inbox keeps it.
        let id = text(r, path, "id")?;
        let version = utc(time(r, path, "created_at")?).timestamp_millis();
        return Ok(Parsed {
            event_id: format!("refund/refund:{id}/v{version}"),
            records: vec![],
        });
    }
    let t = refund(ctx, r, path, store, order)?;
    let event_id = format!("refund/{}/v{}", t.key.source_txn_id, t.source_version);
    Ok(Parsed {
        records: vec![super::finish(ctx, t, Some(&event_id), &r.to_string())],
        event_id,
    })
}

/// A refund delivered alone does not carry its order's `test` flag, but its transactions carry
/// theirs: Shopify's test orders are the ones paid by test transactions (a test gateway,
/// Shopify Payments test mode, or an API capture with `test: true`), and a refund goes back
/// through the gateway that was paid. So a refund whose transactions are all `test: true` (and
/// at least one) is a refund of a test order. One without transactions (a restock only) moves
/// no money and cannot be told: it is mapped.
fn test_refund(r: &Value) -> bool {
    match get(r, "transactions").and_then(Value::as_array) {
        Some(xs) if !xs.is_empty() => xs.iter().all(|x| flag(x, "test")),
        _ => false,
    }
}

/// What the refunds of an order need from it.
struct OrderFacts {
    id: String,
    currency: String,
    taxes_included: bool,
    /// The order's `duties_included`: its prices hold the duties (see `duties`).
    duties_included: bool,
    status: TxnStatus,
    version: i64,
    /// The mapped sale line per Shopify line item id (tips are absent), without its duties.
    lines: HashMap<String, Line>,
    /// Duty id → line item id: the line a refunded duty belongs to.
    duty_items: HashMap<String, String>,
    /// Tip line item id → its price: what a refund of that tip gives back per unit when the
    /// refund line has no `subtotal` and no nested `line_item`.
    tips: HashMap<String, Decimal>,
}

/// A JSON `true` (Shopify sends booleans; some exports send "true" / "TRUE").
fn flag(v: &Value, key: &str) -> bool {
    match get(v, key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Money in the shop currency: the plain field (`price`), else `price_set.shop_money.amount`
/// (payloads trimmed to the `*_set` objects). Never the presentment amount.
fn money(v: &Value, path: &str, key: &str) -> Result<Option<Decimal>, PayloadError> {
    if get(v, key).is_some() {
        return amount(v, path, key).map(Some);
    }
    let set = format!("{key}_set");
    match get(v, &set).and_then(|s| get(s, "shop_money")) {
        Some(m) => amount(m, &join(path, &format!("{set}.shop_money")), "amount").map(Some),
        None => Ok(None),
    }
}

/// The most a line's money can be: a line of the largest quantity at the largest price is
/// 10^21. A share can come out far beyond it, even beyond `Decimal`'s range: an order-level
/// amount spread over lines whose gross nearly cancels out (a negative line), or a refunded
/// unit of a line of a tiny quantity. Such a line is refused naming `field`; with every line
/// below the limit, no sum over a transaction (here or in the writer's totals) can overflow.
fn line_amount(x: Option<Decimal>, field: &str) -> Result<Decimal, PayloadError> {
    let max = Decimal::from_i128_with_scale(10_i128.pow(22), 0);
    match x {
        Some(v) if v.abs() <= max => Ok(v),
        _ => Err(super::json::err(
            field,
            "gives a line an amount beyond ±10^22 (a share over lines whose gross nearly cancels out, or over a tiny quantity): check the quantities and prices",
        )),
    }
}

/// `a + b` within `line_amount`'s limit.
fn plus(a: Decimal, b: Decimal, field: &str) -> Result<Decimal, PayloadError> {
    line_amount(a.checked_add(b), field)
}

fn req_money(v: &Value, path: &str, key: &str) -> Result<Decimal, PayloadError> {
    money(v, path, key)?.ok_or_else(|| {
        super::json::err(
            &join(path, key),
            format!("is missing (and so is `{key}_set.shop_money.amount`)"),
        )
    })
}

/// The shop currency a `*_set` object names, if any.
fn set_currency(v: &Value, path: &str, set: &str) -> Result<Option<String>, PayloadError> {
    match get(v, set).and_then(|s| get(s, "shop_money")) {
        Some(m) => opt_text(
            m,
            &join(path, &format!("{set}.shop_money")),
            "currency_code",
        ),
        None => Ok(None),
    }
}

/// `amount` rounded to the currency's minor unit (prorated discounts and taxes).
fn round(amount: Decimal, currency: &str) -> Decimal {
    amount.round_dp(exponent(currency))
}

/// The business day: the configured store zone if there is one, else the offset Shopify put in
/// the timestamp (the shop's own zone at that instant).
fn business_date(ctx: &Context, store: &str, t: DateTime<FixedOffset>) -> chrono::NaiveDate {
    if ctx.store_tz.contains_key(store) {
        ctx.business_date(store, utc(t))
    } else {
        ctx.business_date_as_written(store, t)
    }
}

/// The store of a POS sale is its `location_id` (when configured); online orders and unlisted
/// locations keep the shop's store.
fn store_of(ctx: &Context, location: Option<String>, shop_store: &str) -> String {
    location
        .and_then(|l| ctx.shopify_locations.get(&l).cloned())
        .unwrap_or_else(|| shop_store.to_string())
}

/// A tip is a line item with `tip_payment_gateway` (present only on tips, though it may be
/// null). It is the staff's money, not a sale of goods.
fn is_tip(li: &Value) -> bool {
    match li.get("tip_payment_gateway") {
        Some(Value::Null) => get(li, "product_id").is_none() && get(li, "variant_id").is_none(),
        Some(_) => true,
        None => false,
    }
}

/// A payment gateway's method. Shopify's own store credit is the `shopify_store_credit`
/// gateway (payments with it, and refunds to it: the default of many returns apps and of POS
/// exchanges); booked as card it would overstate card takings against the processor's
/// settlement and hide the store-credit liability. A POS exchange moves the returned goods'
/// value from the old order to the new one through the `exchange-credit` gateway (a `refund`
/// transaction on the old order, the payment of the new one): no card was charged or paid
/// back, it is a credit issued and spent at once, so store credit (as card, each exchange
/// inflated both card sales and card refunds against the processor's settlement). Shopify's
/// built-in manual payment methods (`Bank Deposit`, `Money Order`) are no card either, nor are
/// PayPal, Shop Pay Installments and the pay-later gateways (Klarna, Afterpay, Affirm, Sezzle):
/// wallets and pay-later plans that settle through their own accounts, not the card payouts
/// (Square's WALLET and BUY_NOW_PAY_LATER tenders are `other` alike).
fn tender_method(gateway: &str) -> TenderMethod {
    match gateway.to_ascii_lowercase().as_str() {
        "cash" | "cash on delivery (cod)" => TenderMethod::Cash,
        "gift_card" | "gift card" => TenderMethod::GiftCard,
        "store_credit"
        | "store credit"
        | "shopify_store_credit"
        | "exchange-credit"
        | "exchange_credit" => TenderMethod::StoreCredit,
        "manual" | "bank deposit" | "money order" | "" => TenderMethod::Other,
        "paypal" | "shopify_installments" | "klarna" | "afterpay" | "affirm" | "sezzle" => {
            TenderMethod::Other
        }
        _ => TenderMethod::Card,
    }
}

/// A payment or refund transaction's method: its gateway's, except that a transaction of a
/// manual payment method (`manual_payment_gateway: true`: a method the merchant named, such as
/// "Invoice", "Cheque" or "Bank transfer", never a card processor) that is not one we know
/// (cash, gift card, store credit) is `other`, not card.
fn transaction_method(x: &Value, gateway: &str) -> TenderMethod {
    match tender_method(gateway) {
        TenderMethod::Card if flag(x, "manual_payment_gateway") => TenderMethod::Other,
        m => m,
    }
}
