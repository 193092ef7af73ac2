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

use super::json::{array, decimal, get, join, opt_decimal, opt_text, text, time, utc};
use super::money::exponent;
use super::{Context, PayloadError};
use crate::envelope::{Record, Reject};
use crate::sku::item_key;
use chrono::{DateTime, FixedOffset};
use pos_core::model::*;
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

/// `shop` is the `X-Shopify-Shop-Domain` of a webhook, when known.
pub fn parse(ctx: &Context, body: &str, shop: Option<&str>) -> Result<Parsed, PayloadError> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| PayloadError::new(None, format!("not JSON: {e}")))?;
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
    Err(PayloadError::new(None, "not a Shopify payload: expected an order (with `line_items`) or a refund (with `refund_line_items` or `order_adjustments`), bare, under `order` / `refund`, or a page under `orders` / `refunds`"))
}

/// A REST page (`GET /orders.json`, `/orders/{id}/refunds.json`): every object in turn, under
/// one event id naming the first and last.
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
        let p = each(ctx, o, &format!("{key}[{i}]"), store)?;
        ids.push(p.event_id);
        out.records.extend(p.records);
    }
    out.event_id = match (ids.first(), ids.last()) {
        (Some(a), Some(b)) => format!("{key}[{}]:{a}..{b}", ids.len()),
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
    let mut records = vec![super::finish(ctx, t, Some(&event_id), &o.to_string())];
    for (i, r) in array(o, path, "refunds")?.iter().enumerate() {
        let rp = join(path, &format!("refunds[{i}]"));
        // One unreadable refund rejects itself, not the order and its other refunds.
        match refund(ctx, r, &rp, &facts.store, Some(&facts)) {
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
    let t = refund(ctx, r, path, store, order)?;
    let event_id = format!("refund/{}/v{}", t.key.source_txn_id, t.source_version);
    Ok(Parsed {
        records: vec![super::finish(ctx, t, Some(&event_id), &r.to_string())],
        event_id,
    })
}

/// What the refunds of an order need from it.
struct OrderFacts {
    id: String,
    store: String,
    currency: String,
    taxes_included: bool,
    status: TxnStatus,
    version: i64,
    /// The mapped sale line per Shopify line item id (tips are absent).
    lines: HashMap<String, Line>,
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
        return decimal(v, path, key).map(Some);
    }
    let set = format!("{key}_set");
    match get(v, &set).and_then(|s| get(s, "shop_money")) {
        Some(m) => decimal(m, &join(path, &format!("{set}.shop_money")), "amount").map(Some),
        None => Ok(None),
    }
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
        t.date_naive()
    }
}

/// The store of a POS sale is its `location_id` (when configured); online orders and unlisted
/// locations keep the shop's store.
fn store_of(ctx: &Context, location: Option<String>, shop_store: &str) -> String {
    location
        .and_then(|l| ctx.shopify_locations.get(&l).cloned())
        .unwrap_or_else(|| shop_store.to_string())
}

/// The line's discount: its `discount_allocations` (line- and order-level discounts spread by
/// Shopify since 2019), else the older `total_discount`.
fn allocations(li: &Value, path: &str) -> Result<Decimal, PayloadError> {
    let mut sum = Decimal::ZERO;
    for (i, a) in array(li, path, "discount_allocations")?.iter().enumerate() {
        sum += req_money(
            a,
            &join(path, &format!("discount_allocations[{i}]")),
            "amount",
        )?;
    }
    if sum.is_zero() {
        sum = money(li, path, "total_discount")?.unwrap_or_default();
    }
    Ok(sum)
}

fn taxes(li: &Value, path: &str) -> Result<Decimal, PayloadError> {
    let mut sum = Decimal::ZERO;
    for (i, t) in array(li, path, "tax_lines")?.iter().enumerate() {
        sum += req_money(t, &join(path, &format!("tax_lines[{i}]")), "price")?;
    }
    Ok(sum)
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

/// The item code: the SKU, else the variant, else the product, else (a custom item rung up
/// without a product) its title. Shopify ids are prefixed so that an 8-, 12- or 13-digit id is
/// never taken for a barcode.
fn raw_item(li: &Value, path: &str) -> Result<String, PayloadError> {
    if let Some(s) = opt_text(li, path, "sku")?.filter(|s| !s.trim().is_empty()) {
        return Ok(s);
    }
    for (key, prefix) in [("variant_id", "variant"), ("product_id", "product")] {
        if let Some(id) = opt_text(li, path, key)?.filter(|s| !s.trim().is_empty()) {
            return Ok(format!("{prefix}:{id}"));
        }
    }
    for key in ["title", "name"] {
        if let Some(t) = opt_text(li, path, key)?.filter(|s| !s.trim().is_empty()) {
            return Ok(format!("custom:{t}"));
        }
    }
    Err(super::json::err(
        &join(path, "sku"),
        "is empty and the line has no variant_id, product_id or title",
    ))
}

/// A sale line. With `taxes_included` Shopify's prices hold the tax; our net amounts never do.
fn line_of(
    li: &Value,
    path: &str,
    line_no: i32,
    taxes_included: bool,
) -> Result<Line, PayloadError> {
    let qty = decimal(li, path, "quantity")?;
    let price = req_money(li, path, "price")?;
    let discount = allocations(li, path)?;
    let tax = taxes(li, path)?;
    let raw = raw_item(li, path)?;
    let key = item_key(&raw).ok_or_else(|| {
        super::json::err(
            &join(path, "sku"),
            format!("`{raw}` holds no usable item code"),
        )
    })?;
    let included = if taxes_included { tax } else { Decimal::ZERO };
    Ok(Line {
        line_no,
        kind: LineKind::Sale,
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: raw,
        description: opt_text(li, path, "name")?.or(opt_text(li, path, "title")?),
        quantity: qty,
        unit_price: price,
        discount,
        net_amount: qty * price - discount - included,
        tax,
        entry_method: EntryMethod::Other,
        price_override: false,
        original_txn_id: None,
        original_line_no: None,
    })
}

fn tender_method(gateway: &str) -> TenderMethod {
    match gateway.to_ascii_lowercase().as_str() {
        "cash" | "cash on delivery (cod)" => TenderMethod::Cash,
        "gift_card" | "gift card" => TenderMethod::GiftCard,
        "store_credit" | "store credit" => TenderMethod::StoreCredit,
        "manual" | "" => TenderMethod::Other,
        _ => TenderMethod::Card,
    }
}

/// Quantities refunded per line item id, over the refunds nested in an order. `None` when a
/// refund cannot be read: that refund is rejected on its own, and without it a refund would be
/// taken for an edit.
fn refunded_quantities(o: &Value, path: &str) -> Option<HashMap<String, Decimal>> {
    let mut out = HashMap::new();
    for r in array(o, path, "refunds").ok()? {
        for rl in array(r, "", "refund_line_items").ok()? {
            let id = text(rl, "", "line_item_id").ok()?;
            *out.entry(id).or_default() += decimal(rl, "", "quantity").ok()?;
        }
    }
    Some(out)
}

/// Shrinks a line to the quantity the customer was charged for: an order edit that removed
/// units leaves `current_quantity` below quantity less refunds. Discount and tax shrink in
/// proportion. Only when the order lists its refunds (else a refund looks like an edit).
fn apply_edits(
    line: &mut Line,
    li: &Value,
    path: &str,
    refunded: Option<Decimal>,
    taxes_included: bool,
    currency: &str,
) -> Result<(), PayloadError> {
    let Some(current) = opt_decimal(li, path, "current_quantity")? else {
        return Ok(());
    };
    let kept = (current + refunded.unwrap_or_default()).max(Decimal::ZERO);
    if kept >= line.quantity || line.quantity.is_zero() {
        return Ok(());
    }
    let share = kept / line.quantity;
    line.discount = round(line.discount * share, currency);
    line.tax = round(line.tax * share, currency);
    line.quantity = kept;
    let included = if taxes_included {
        line.tax
    } else {
        Decimal::ZERO
    };
    line.net_amount = kept * line.unit_price - line.discount - included;
    Ok(())
}

/// Older payloads (and some apps) give an order-level discount only as `total_discounts`,
/// without allocations on the lines: it is spread over the lines by their gross, the last line
/// taking the rounding rest, so that the lines add up to what the customer paid.
fn spread_order_discount(
    lines: &mut [Line],
    o: &Value,
    path: &str,
    currency: &str,
) -> Result<(), PayloadError> {
    let Some(total) = money(o, path, "total_discounts")? else {
        return Ok(());
    };
    let mut shipping = Decimal::ZERO;
    for (i, s) in array(o, path, "shipping_lines")?.iter().enumerate() {
        shipping += allocations(s, &join(path, &format!("shipping_lines[{i}]")))?;
    }
    let on_lines: Decimal = lines.iter().map(|l| l.discount).sum();
    let rest = total - shipping - on_lines;
    let gross: Decimal = lines.iter().map(|l| l.quantity * l.unit_price).sum();
    if rest <= Decimal::ZERO || gross <= Decimal::ZERO {
        return Ok(());
    }
    let mut left = rest;
    let n = lines.len();
    for (i, l) in lines.iter_mut().enumerate() {
        let part = if i + 1 == n {
            left
        } else {
            round(rest * l.quantity * l.unit_price / gross, currency)
        };
        left -= part;
        l.discount += part;
        l.net_amount -= part;
    }
    Ok(())
}

/// Whether the sale stands. A cancelled order that had been paid is post-voided; one never
/// paid (pending, authorized, voided, expired) is cancelled, as is a voided authorization.
fn order_status(cancelled: bool, financial: &str) -> TxnStatus {
    let paid = matches!(
        financial,
        "paid" | "partially_paid" | "partially_refunded" | "refunded"
    );
    match (cancelled, paid) {
        (true, true) => TxnStatus::PostVoided,
        (true, false) => TxnStatus::Cancelled,
        (false, _) if matches!(financial, "voided" | "expired") => TxnStatus::Cancelled,
        (false, _) => TxnStatus::Completed,
    }
}

/// The money received for the order. The order object names the gateway and totals but not
/// its payment transactions: a paid order gets one tender for `total_price` (tips and shipping
/// included), a partially paid one for what is no longer outstanding; refunds are tenders of
/// the refunds. Pending and authorized orders have received nothing yet.
fn order_tender(
    o: &Value,
    path: &str,
    financial: &str,
    at: DateTime<FixedOffset>,
) -> Result<Option<Tender>, PayloadError> {
    let amount = match financial {
        "paid" | "partially_refunded" | "refunded" => req_money(o, path, "total_price")?,
        "partially_paid" => match money(o, path, "total_outstanding")? {
            Some(out) => req_money(o, path, "total_price")? - out,
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    let gateway = array(o, path, "payment_gateway_names")?
        .first()
        .and_then(Value::as_str)
        .map(str::to_string)
        .or(opt_text(o, path, "gateway")?)
        .unwrap_or_default();
    Ok(Some(Tender {
        tender_no: 1,
        method: tender_method(&gateway),
        amount,
        status: TenderStatus::Approved,
        card_fingerprint: None,
        card_bin: None,
        card_entry: None,
        occurred_at: utc(at),
    }))
}

/// An order, and what its refunds need from it.
fn order(
    ctx: &Context,
    o: &Value,
    path: &str,
    shop_store: &str,
) -> Result<(Transaction, OrderFacts), PayloadError> {
    let id = text(o, path, "id")?;
    let created = time(o, path, "created_at")?;
    let updated = match get(o, "updated_at") {
        Some(_) => time(o, path, "updated_at")?,
        None => created,
    };
    // processed_at is when the sale happened (a POS sale synced late, an imported order).
    let at = match get(o, "processed_at") {
        Some(_) => time(o, path, "processed_at")?,
        None => created,
    };
    let store = store_of(ctx, opt_text(o, path, "location_id")?, shop_store);
    let currency = match opt_text(o, path, "currency")? {
        Some(c) => c,
        None => {
            set_currency(o, path, "total_price_set")?.unwrap_or_else(|| ctx.currency_of(&store))
        }
    };
    let taxes_included = flag(o, "taxes_included");
    let refunded = get(o, "refunds").and_then(|_| refunded_quantities(o, path));
    let mut lines = Vec::new();
    let mut sources = Vec::new();
    for (i, li) in array(o, path, "line_items")?.iter().enumerate() {
        if is_tip(li) {
            continue;
        }
        let lp = join(path, &format!("line_items[{i}]"));
        lines.push(line_of(li, &lp, i as i32 + 1, taxes_included)?);
        sources.push((li, lp));
    }
    spread_order_discount(&mut lines, o, path, &currency)?;
    let mut by_id = HashMap::new();
    for (line, (li, lp)) in lines.iter_mut().zip(&sources) {
        let item_id = text(li, lp, "id")?;
        if let Some(r) = &refunded {
            let back = r.get(&item_id).copied();
            apply_edits(line, li, lp, back, taxes_included, &currency)?;
        }
        by_id.insert(item_id, line.clone());
    }
    // Units all removed by edits were never sold.
    lines.retain(|l| !l.quantity.is_zero());
    let financial = opt_text(o, path, "financial_status")?.unwrap_or_default();
    let status = order_status(get(o, "cancelled_at").is_some(), &financial);
    let customer = get(o, "customer")
        .map(|c| opt_text(c, &join(path, "customer"), "id"))
        .transpose()?
        .flatten();
    let facts = OrderFacts {
        id: id.clone(),
        store: store.clone(),
        currency: currency.clone(),
        taxes_included,
        status,
        version: utc(updated).timestamp_millis(),
        lines: by_id,
    };
    let t = Transaction {
        key: TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: store.clone(),
            source: SOURCE.into(),
            source_txn_id: id,
        },
        source_version: facts.version,
        occurred_at: utc(at),
        business_date: business_date(ctx, &store, at),
        register_id: opt_text(o, path, "device_id")?,
        cashier_id: opt_text(o, path, "user_id")?,
        customer_id: customer,
        status,
        currency,
        lines,
        tenders: order_tender(o, path, &financial, at)?.into_iter().collect(),
    };
    Ok((t, facts))
}

/// One refund line before we know whether its subtotal holds tax.
struct Returned {
    line: Line,
    qty: Decimal,
    subtotal: Decimal,
    tax: Decimal,
}

/// A `refund_line_items[]` entry: the line item it refunds (nested, or the order's), how
/// many, and for how much. Older versions lack `subtotal` / `total_tax`: the line's own
/// discount and tax are prorated then. `None` for a refunded tip (money, not goods).
fn returned(
    rl: &Value,
    rp: &str,
    no: i32,
    order: Option<&OrderFacts>,
) -> Result<Option<Returned>, PayloadError> {
    let qty = decimal(rl, rp, "quantity")?;
    let item_id = text(rl, rp, "line_item_id")?;
    let mut line = match get(rl, "line_item") {
        Some(li) if is_tip(li) => return Ok(None),
        Some(li) => line_of(li, &join(rp, "line_item"), no, false)?,
        None => match order.and_then(|o| o.lines.get(&item_id)) {
            Some(l) => l.clone(),
            None if order.is_some() => return Ok(None), // a tip of the order
            None => {
                return Err(super::json::err(
                    &join(rp, "line_item"),
                    format!("is missing and no order in this payload has line item `{item_id}`"),
                ))
            }
        },
    };
    let share = if line.quantity.is_zero() {
        Decimal::ZERO
    } else {
        qty / line.quantity
    };
    let subtotal = match money(rl, rp, "subtotal")? {
        Some(s) => s,
        None => qty * line.unit_price - line.discount * share,
    };
    let tax = money(rl, rp, "total_tax")?.unwrap_or(line.tax * share);
    line.line_no = no;
    line.original_line_no = order.and_then(|o| o.lines.get(&item_id)).map(|l| l.line_no);
    Ok(Some(Returned {
        line,
        qty,
        subtotal,
        tax,
    }))
}

/// The refund's amount in the shop currency: `amount_set.shop_money`, else `amount` when the
/// transaction is in the shop currency. A refund paid out in the customer's currency without
/// its shop amount cannot be booked: an error naming the field, not a wrong number.
fn refund_amount(x: &Value, xp: &str, shop_currency: &str) -> Result<Decimal, PayloadError> {
    if let Some(m) = get(x, "amount_set").and_then(|s| get(s, "shop_money")) {
        return decimal(m, &join(xp, "amount_set.shop_money"), "amount");
    }
    match opt_text(x, xp, "currency")? {
        Some(c) if c != shop_currency => Err(super::json::err(
            &join(xp, "amount"),
            format!("is in {c}, not the shop currency {shop_currency}, and `amount_set.shop_money` is missing"),
        )),
        _ => decimal(x, xp, "amount"),
    }
}

/// Refund tenders (negative). Only `kind: refund` moves money back; a `void` releases an
/// authorization that was never captured.
fn refund_tenders(
    r: &Value,
    path: &str,
    currency: &str,
    at: DateTime<FixedOffset>,
) -> Result<Vec<Tender>, PayloadError> {
    let mut tenders = Vec::new();
    for (i, x) in array(r, path, "transactions")?.iter().enumerate() {
        let xp = join(path, &format!("transactions[{i}]"));
        if opt_text(x, &xp, "kind")?.as_deref() != Some("refund") {
            continue;
        }
        let status = match opt_text(x, &xp, "status")?.as_deref() {
            Some("success") | Some("pending") => TenderStatus::Approved,
            Some("failure") | Some("error") => TenderStatus::Declined,
            _ => TenderStatus::Voided,
        };
        tenders.push(Tender {
            tender_no: i as i32 + 1,
            method: tender_method(opt_text(x, &xp, "gateway")?.as_deref().unwrap_or("")),
            amount: -refund_amount(x, &xp, currency)?,
            status,
            card_fingerprint: None,
            card_bin: None,
            card_entry: None,
            occurred_at: utc(at),
        });
    }
    Ok(tenders)
}

/// The money of `order_adjustments` (shipping refunds, discrepancies): amount plus tax, in
/// Shopify's sign (negative is money back to the customer).
fn adjustments(r: &Value, path: &str) -> Result<Decimal, PayloadError> {
    let mut sum = Decimal::ZERO;
    for (i, a) in array(r, path, "order_adjustments")?.iter().enumerate() {
        let ap = join(path, &format!("order_adjustments[{i}]"));
        sum += req_money(a, &ap, "amount")? + money(a, &ap, "tax_amount")?.unwrap_or_default();
    }
    Ok(sum)
}

/// A refund alone does not say whether the shop's prices include tax. Its transactions do:
/// they add up to the refund's subtotals (tax-inclusive) or subtotals plus tax.
fn infer_taxes_included(items: &[Returned], adjusted: Decimal, tenders: &[Tender]) -> bool {
    let subtotal: Decimal = items.iter().map(|x| x.subtotal).sum();
    let tax: Decimal = items.iter().map(|x| x.tax).sum();
    let paid: Decimal = -tenders
        .iter()
        .filter(|t| t.status == TenderStatus::Approved)
        .map(|t| t.amount)
        .sum::<Decimal>();
    !tax.is_zero() && paid == subtotal - adjusted && paid != subtotal + tax - adjusted
}

/// The shop currency of a refund delivered alone: a `*_set.shop_money` in it, else its
/// transactions' currency, else the store's configured one.
fn refund_currency(
    ctx: &Context,
    r: &Value,
    path: &str,
    store: &str,
) -> Result<String, PayloadError> {
    for (i, rl) in array(r, path, "refund_line_items")?.iter().enumerate() {
        let rp = join(path, &format!("refund_line_items[{i}]"));
        if let Some(c) = set_currency(rl, &rp, "subtotal_set")? {
            return Ok(c);
        }
    }
    for (i, a) in array(r, path, "order_adjustments")?.iter().enumerate() {
        let ap = join(path, &format!("order_adjustments[{i}]"));
        if let Some(c) = set_currency(a, &ap, "amount_set")? {
            return Ok(c);
        }
    }
    for (i, x) in array(r, path, "transactions")?.iter().enumerate() {
        if let Some(c) = opt_text(x, &join(path, &format!("transactions[{i}]")), "currency")? {
            return Ok(c);
        }
    }
    Ok(ctx.currency_of(store))
}

/// Where the refund happened: a POS return names its location on the transactions or lines.
fn refund_location(r: &Value, path: &str) -> Result<Option<String>, PayloadError> {
    for key in ["transactions", "refund_line_items"] {
        for (i, x) in array(r, path, key)?.iter().enumerate() {
            if let Some(l) = opt_text(x, &join(path, &format!("{key}[{i}]")), "location_id")? {
                return Ok(Some(l));
            }
        }
    }
    Ok(None)
}

/// A refund as its own transaction of return lines (negative) and refund tenders (negative).
/// The refunds of a cancelled order take its status: the order is out of the sales already, so
/// its refunds must not be subtracted again. A refund alone whose lines are all
/// `restock_type: cancel` is such a refund too.
fn refund(
    ctx: &Context,
    r: &Value,
    path: &str,
    store: &str,
    order: Option<&OrderFacts>,
) -> Result<Transaction, PayloadError> {
    let id = text(r, path, "id")?;
    let order_id = match (opt_text(r, path, "order_id")?, order) {
        (Some(o), _) => o,
        (None, Some(o)) => o.id.clone(),
        (None, None) => text(r, path, "order_id")?,
    };
    let created = time(r, path, "created_at")?;
    let at = match get(r, "processed_at") {
        Some(_) => time(r, path, "processed_at")?,
        None => created,
    };
    let store = store_of(ctx, refund_location(r, path)?, store);
    let currency = match order {
        Some(o) => o.currency.clone(),
        None => refund_currency(ctx, r, path, &store)?,
    };
    let mut items = Vec::new();
    let mut all_cancel = true;
    for (i, rl) in array(r, path, "refund_line_items")?.iter().enumerate() {
        let rp = join(path, &format!("refund_line_items[{i}]"));
        all_cancel &= opt_text(rl, &rp, "restock_type")?.as_deref() == Some("cancel");
        items.extend(returned(rl, &rp, i as i32 + 1, order)?);
    }
    let tenders = refund_tenders(r, path, &currency, at)?;
    let taxes_included = match order {
        Some(o) => o.taxes_included,
        None => infer_taxes_included(&items, adjustments(r, path)?, &tenders),
    };
    let lines = items
        .into_iter()
        .map(|x| {
            let mut line = x.line;
            let net = if taxes_included {
                x.subtotal - x.tax
            } else {
                x.subtotal
            };
            line.kind = LineKind::Return;
            line.quantity = -x.qty;
            line.discount = x.qty * line.unit_price - x.subtotal;
            line.net_amount = -net;
            line.tax = -x.tax;
            line.original_txn_id = Some(order_id.clone());
            line
        })
        .collect::<Vec<_>>();
    let mut status = match order {
        Some(o) => o.status,
        None => TxnStatus::Completed,
    };
    if status == TxnStatus::Completed && all_cancel && !lines.is_empty() {
        status = TxnStatus::PostVoided;
    }
    // Nested in a cancelled order the refund is newer than the same refund delivered alone
    // before the cancellation was known, so it replaces that version.
    let mut version = utc(created).timestamp_millis();
    if let (Some(o), true) = (order, status != TxnStatus::Completed) {
        version = version.max(o.version);
    }
    Ok(Transaction {
        key: TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: store.clone(),
            source: SOURCE.into(),
            source_txn_id: format!("refund:{id}"),
        },
        source_version: version,
        occurred_at: utc(at),
        business_date: business_date(ctx, &store, at),
        register_id: None,
        cashier_id: opt_text(r, path, "user_id")?,
        customer_id: None,
        status,
        currency,
        lines,
        tenders,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::testkit::sample;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn txns(p: &Parsed) -> Vec<&Transaction> {
        p.records
            .iter()
            .map(|r| match r {
                Ok(Record::Txn(t)) => t.as_ref(),
                other => panic!("expected a transaction, got {other:?}"),
            })
            .collect()
    }

    #[test]
    fn order_with_nested_refund() {
        let p = parse(
            &Context::for_tenant("t"),
            &sample("shopify_rest_2025-07_order_with_refund_from_shopify-api-ruby_test.json"),
            None,
        )
        .unwrap();
        let t = txns(&p);
        assert_eq!(t.len(), 2, "the order and its refund");
        let (order, refund) = (t[0], t[1]);
        assert_eq!(order.key.source_txn_id, "450789469");
        assert_eq!(order.status, TxnStatus::PostVoided, "cancelled_at is set");
        assert_eq!(
            order.business_date.to_string(),
            "2008-01-10",
            "the shop's local day (-05:00)"
        );
        let net: Decimal = order.lines.iter().map(|l| l.net_amount).sum();
        let tax: Decimal = order.lines.iter().map(|l| l.tax).sum();
        assert_eq!(
            (order.lines.len(), net, tax),
            (3, d("587.00"), d("11.94")),
            "current_subtotal_price and total_tax"
        );
        assert_eq!(order.tenders[0].amount, d("598.94"));
        assert_eq!(refund.key.source_txn_id, "refund:929361465");
        assert_eq!(
            refund.lines.iter().map(|l| l.net_amount).sum::<Decimal>(),
            d("-587.00")
        );
        assert_eq!(refund.lines[0].quantity, d("-1"));
        assert_eq!(
            (
                refund.lines[1].original_txn_id.as_deref(),
                refund.lines[1].original_line_no
            ),
            (Some("450789469"), Some(2))
        );
        assert_eq!(refund.tenders[0].amount, d("-10.00"));
        assert_eq!(refund.business_date.to_string(), "2025-07-02");
    }

    #[test]
    fn refund_alone_matches_its_nested_shape() {
        let p = parse(
            &Context::for_tenant("t"),
            &sample("shopify_rest_2025-07_refund_from_shopify-api-ruby_test.json"),
            None,
        )
        .unwrap();
        let t = txns(&p)[0];
        assert_eq!(t.key.source_txn_id, "refund:509562969");
        assert_eq!(t.lines.len(), 2);
        assert_eq!(
            t.lines.iter().map(|l| l.net_amount).sum::<Decimal>(),
            d("-391.33")
        );
        assert_eq!(t.lines.iter().map(|l| l.tax).sum::<Decimal>(), d("-7.96"));
        assert_eq!(t.tenders[0].amount, d("-209.00"));
        assert_eq!(
            t.lines[0].original_line_no, None,
            "no order in this payload to number its lines"
        );
    }

    #[test]
    fn ids_beyond_2_pow_53_stay_exact() {
        let body = r#"{"id": 9007199254740993, "created_at": "2026-01-01T10:00:00+01:00", "currency": "EUR",
            "line_items": [{"id": 18014398509481985, "sku": "A-1", "quantity": 1, "price": "2.50"}]}"#;
        let p = parse(&Context::for_tenant("t"), body, None).unwrap();
        assert_eq!(txns(&p)[0].key.source_txn_id, "9007199254740993");
    }

    /// A fixture of ingest/tests/data/real/shopify (see PROVENANCE.md there).
    fn real(name: &str) -> String {
        let dir = std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
        let p = format!("{dir}/tests/data/real/shopify/{name}");
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn sums(t: &Transaction) -> (usize, Decimal, Decimal) {
        (
            t.lines.len(),
            t.lines.iter().map(|l| l.net_amount).sum(),
            t.lines.iter().map(|l| l.tax).sum(),
        )
    }

    #[test]
    fn test_orders_are_not_sales() {
        let body = real("webhook_orders_create_test_notification_2019.json");
        let p = parse(&Context::for_tenant("t"), &body, None).unwrap();
        assert!(p.records.is_empty(), "test: true maps to nothing");
        assert_eq!(p.event_id, "order/820982911946154508/v1559670786000");
        // The same shape as a real order: a voided authorization, cancelled, never paid.
        let live = body.replace("\"test\": true", "\"test\": false");
        let p = parse(&Context::for_tenant("t"), &live, None).unwrap();
        let t = txns(&p)[0];
        assert_eq!(t.key.source_txn_id, "820982911946154508");
        assert_eq!(t.status, TxnStatus::Cancelled, "voided, never paid");
        assert!(t.tenders.is_empty());
        assert_eq!(sums(t), (2, d("393.00"), d("0")));
        assert_eq!(t.lines[1].discount, d("5.00"));
        assert_eq!(t.occurred_at.to_rfc3339(), "2019-06-04T17:53:06+00:00");
    }

    #[test]
    fn pos_order_with_tax_included_prices_custom_item_gift_card_and_tip() {
        let mut ctx = Context::for_tenant("t");
        ctx.shopify_locations
            .insert("71234567890".into(), "BERLIN-1".into());
        let body = real("pos_order_tax_included_custom_giftcard_tip.json");
        let p = parse(&ctx, &body, Some("unlisted.myshopify.com")).unwrap();
        let t = txns(&p)[0];
        assert_eq!(t.key.source_txn_id, "5678901234567890123");
        assert_eq!(t.key.store_id, "BERLIN-1", "the POS location's store");
        assert_eq!(t.business_date.to_string(), "2024-12-31", "23:45 +01:00");
        assert_eq!(
            (t.register_id.as_deref(), t.cashier_id.as_deref()),
            (Some("4011"), Some("91000000001"))
        );
        // Net of the VAT inside the prices; the tip is no line; the gift card is.
        assert_eq!(sums(t), (3, d("48.00"), d("4.37")));
        assert_eq!(
            (
                t.lines[0].net_amount,
                t.lines[0].discount,
                t.lines[0].gtin.as_deref()
            ),
            (d("18.00"), d("2.38"), Some("04006381333931"))
        );
        assert_eq!(t.lines[1].raw_item_id, "custom:Custom sale");
        assert_eq!(
            (t.lines[2].raw_item_id.as_str(), t.lines[2].gtin.as_deref()),
            ("variant:40123456789012", None),
            "a 14-digit variant id is no barcode"
        );
        assert_eq!(
            (t.tenders[0].method, t.tenders[0].amount),
            (TenderMethod::Cash, d("55.37")),
            "the tender holds the tip"
        );
    }

    #[test]
    fn edited_order_with_line_shipping_and_goodwill_refunds() {
        let body = real("rest_order_edited_partial_refund_shipping_goodwill.json");
        let p = parse(&Context::for_tenant("t"), &body, None).unwrap();
        let t = txns(&p);
        assert_eq!(t.len(), 4, "the order and three refunds");
        let order = t[0];
        // 3 ordered, 1 removed by an edit, 1 refunded: 2 sold, at 2/3 of discount and tax.
        assert_eq!(order.lines[0].quantity, d("2"));
        assert_eq!(sums(order), (2, d("48.00"), d("3.84")));
        assert_eq!(order.tenders[0].amount, d("57.24"));
        let r = t[1];
        assert_eq!(sums(r), (1, d("-18.00"), d("-1.44")));
        assert_eq!(
            (r.lines[0].quantity, r.lines[0].original_line_no),
            (d("-1"), Some(1))
        );
        assert_eq!(r.tenders[0].amount, d("-19.44"));
        for (r, amount) in [(t[2], "-5.40"), (t[3], "-10.00")] {
            assert!(r.lines.is_empty(), "shipping and goodwill are no goods");
            assert_eq!(r.tenders[0].amount, d(amount));
            assert_eq!(r.status, TxnStatus::Completed);
        }
        assert_eq!(t[3].tenders[0].method, TenderMethod::Other, "manual");
    }

    #[test]
    fn current_quantity_without_listed_refunds_is_not_taken_for_an_edit() {
        let body = real("rest_order_edited_partial_refund_shipping_goodwill.json");
        let mut v: Value = serde_json::from_str(&body).unwrap();
        v["order"].as_object_mut().unwrap().remove("refunds");
        let p = parse(&Context::for_tenant("t"), &v.to_string(), None).unwrap();
        assert_eq!(txns(&p)[0].lines[0].quantity, d("3"));
    }

    #[test]
    fn refunds_of_a_cancelled_order_are_not_subtracted_again() {
        let p = parse(
            &Context::for_tenant("t"),
            &sample("shopify_rest_2025-07_order_with_refund_from_shopify-api-ruby_test.json"),
            None,
        )
        .unwrap();
        let t = txns(&p);
        assert_eq!(t[1].status, TxnStatus::PostVoided, "as its order");
        assert_eq!(
            t[1].source_version, t[0].source_version,
            "newer than the refund alone (created_at), so it replaces it"
        );
        let alone = r#"{"refund": {"id": 7, "order_id": 8, "created_at": "2026-01-02T10:00:00-05:00",
            "refund_line_items": [{"line_item_id": 9, "quantity": 1, "restock_type": "cancel", "subtotal": "5.00", "total_tax": "0.40",
              "subtotal_set": {"shop_money": {"amount": "5.00", "currency_code": "CAD"}},
              "line_item": {"id": 9, "sku": "A-1", "quantity": 1, "price": "5.00"}}],
            "transactions": []}}"#;
        let p = parse(&Context::for_tenant("t"), alone, None).unwrap();
        let t = txns(&p)[0];
        assert_eq!(
            (t.status, t.currency.as_str()),
            (TxnStatus::PostVoided, "CAD")
        );
    }

    #[test]
    fn a_refund_alone_learns_tax_included_prices_from_its_transactions() {
        let body = r#"{"id": 1, "order_id": 2, "created_at": "2026-03-01T12:00:00+01:00",
            "refund_line_items": [{"line_item_id": 3, "quantity": 1, "subtotal": "11.90", "total_tax": "1.90",
              "line_item": {"id": 3, "sku": "B-2", "quantity": 2, "price": "11.90"}}],
            "transactions": [{"kind": "refund", "status": "success", "amount": "11.90", "currency": "EUR", "gateway": "shopify_payments"}]}"#;
        let t = parse(&Context::for_tenant("t"), body, None).unwrap();
        let t = txns(&t)[0].clone();
        assert_eq!(sums(&t), (1, d("-10.00"), d("-1.90")));
        assert_eq!(t.currency, "EUR");
        let exclusive = body.replace("\"11.90\", \"currency\"", "\"13.80\", \"currency\"");
        let t = parse(&Context::for_tenant("t"), &exclusive, None).unwrap();
        assert_eq!(sums(txns(&t)[0]), (1, d("-11.90"), d("-1.90")));
    }

    #[test]
    fn refund_in_the_customers_currency_needs_its_shop_amount() {
        let body = r#"{"id": 1, "order_id": 2, "created_at": "2026-03-01T12:00:00+01:00",
            "refund_line_items": [{"line_item_id": 3, "quantity": 1, "subtotal": "10.00",
              "subtotal_set": {"shop_money": {"amount": "10.00", "currency_code": "EUR"}, "presentment_money": {"amount": "10.80", "currency_code": "USD"}},
              "line_item": {"id": 3, "sku": "B-2", "quantity": 1, "price": "10.00"}}],
            "transactions": [{"kind": "refund", "status": "success", "amount": "10.80", "currency": "USD"}]}"#;
        let e = parse(&Context::for_tenant("t"), body, None).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("transactions[0].amount"));
        assert!(e.message.contains("not the shop currency EUR"), "{e}");
        let with_shop = body.replace(
            "\"currency\": \"USD\"}",
            "\"currency\": \"USD\", \"amount_set\": {\"shop_money\": {\"amount\": \"10.00\", \"currency_code\": \"EUR\"}}}",
        );
        let p = parse(&Context::for_tenant("t"), &with_shop, None).unwrap();
        assert_eq!(txns(&p)[0].tenders[0].amount, d("-10.00"));
    }

    #[test]
    fn a_bad_nested_refund_rejects_itself_not_the_order() {
        let body = r#"{"id": 5, "created_at": "2026-01-01T10:00:00Z", "currency": "EUR", "financial_status": "partially_refunded",
            "total_price": "4.00",
            "line_items": [{"id": 6, "sku": "A-1", "quantity": 2, "current_quantity": 1, "price": "2.00"}],
            "refunds": [{"id": 7, "created_at": "2026-01-02T10:00:00Z",
              "refund_line_items": [{"line_item_id": 6, "quantity": "one", "subtotal": "2.00"}], "transactions": []}]}"#;
        let p = parse(&Context::for_tenant("t"), body, None).unwrap();
        let order = match &p.records[0] {
            Ok(Record::Txn(t)) => t,
            other => panic!("the order stands: {other:?}"),
        };
        assert_eq!(
            order.lines[0].quantity,
            d("2"),
            "an unreadable refund is no edit"
        );
        match &p.records[1] {
            Err(r) => assert_eq!(
                r.detail["field"], "refunds[0].refund_line_items[0].quantity",
                "{}",
                r.reason
            ),
            other => panic!("expected a reject, got {other:?}"),
        }
        let body = body.replace(
            "\"quantity\": \"one\", \"subtotal\": \"2.00\"}], \"transactions\": []",
            "\"quantity\": 1, \"subtotal\": \"2.00\"}], \"transactions\": [{\"kind\": \"refund\", \"status\": \"success\", \"amount\": \"2.00\"}]",
        );
        let p = parse(&Context::for_tenant("t"), &body, None).unwrap();
        let t = txns(&p);
        assert_eq!(
            (t[1].lines[0].original_line_no, t[1].lines[0].sku.as_str()),
            (Some(1), "A1"),
            "the order's line, when the refund omits line_item"
        );
        assert_eq!(t[1].tenders[0].amount, d("-2.00"));
    }

    #[test]
    fn order_discount_without_allocations_is_spread_over_the_lines() {
        let body = r#"{"id": 1, "created_at": "2018-05-01T10:00:00-04:00", "currency": "USD", "total_discounts": "10.00",
            "line_items": [{"id": 2, "sku": "A", "quantity": 2, "price": "30.00", "total_discount": "0.00"},
                           {"id": 3, "sku": "B", "quantity": 1, "price": "40.00", "total_discount": "0.00"}]}"#;
        let p = parse(&Context::for_tenant("t"), body, None).unwrap();
        let t = txns(&p)[0];
        assert_eq!(
            t.lines.iter().map(|l| l.discount).collect::<Vec<_>>(),
            vec![d("6.00"), d("4.00")]
        );
        assert_eq!(sums(t).1, d("90.00"));
    }

    #[test]
    fn financial_status_decides_status_and_tender() {
        let order = |fin: &str, cancelled: &str| {
            format!(
                r#"{{"id": 1, "created_at": "2026-01-01T10:00:00Z", "currency": "USD", "financial_status": "{fin}",
                "cancelled_at": {cancelled}, "total_price": "10.00", "total_outstanding": "4.00",
                "payment_gateway_names": ["shopify_payments"],
                "line_items": [{{"id": 2, "sku": "A", "quantity": 1, "price": "10.00"}}]}}"#
            )
        };
        let cases = [
            ("authorized", "null", TxnStatus::Completed, None),
            ("pending", "null", TxnStatus::Completed, None),
            ("partially_paid", "null", TxnStatus::Completed, Some("6.00")),
            ("paid", "null", TxnStatus::Completed, Some("10.00")),
            ("voided", "null", TxnStatus::Cancelled, None),
            (
                "authorized",
                "\"2026-01-01T11:00:00Z\"",
                TxnStatus::Cancelled,
                None,
            ),
            (
                "refunded",
                "\"2026-01-01T11:00:00Z\"",
                TxnStatus::PostVoided,
                Some("10.00"),
            ),
        ];
        for (fin, cancelled, status, tender) in cases {
            let p = parse(&Context::for_tenant("t"), &order(fin, cancelled), None).unwrap();
            let t = txns(&p)[0];
            assert_eq!(t.status, status, "{fin} {cancelled}");
            assert_eq!(
                t.tenders.first().map(|x| x.amount),
                tender.map(d),
                "{fin} {cancelled}"
            );
        }
    }

    #[test]
    fn a_rest_page_of_orders_maps_each() {
        let body = r#"{"orders": [
            {"id": 1, "created_at": "2026-01-01T10:00:00Z", "currency": "USD", "line_items": [{"id": 2, "sku": "A", "quantity": 1, "price": "1.00"}]},
            {"id": 3, "created_at": "2026-01-01T11:00:00Z", "currency": "USD", "line_items": [{"id": 4, "sku": "B", "quantity": 1, "price": "2.00"}]}]}"#;
        let p = parse(&Context::for_tenant("t"), body, None).unwrap();
        let ids: Vec<_> = txns(&p)
            .iter()
            .map(|t| t.key.source_txn_id.clone())
            .collect();
        assert_eq!(ids, vec!["1", "3"]);
        assert!(
            p.event_id.starts_with("orders[2]:order/1/"),
            "{}",
            p.event_id
        );
    }

    #[test]
    fn money_only_in_set_objects_and_bad_values_name_the_field() {
        let body = r#"{"id": 1, "created_at": "2026-01-01T10:00:00Z", "total_price_set": {"shop_money": {"amount": "3.00", "currency_code": "GBP"}},
            "line_items": [{"id": 2, "sku": "A", "quantity": 1, "price_set": {"shop_money": {"amount": "3.00", "currency_code": "GBP"}, "presentment_money": {"amount": "3.50", "currency_code": "EUR"}}}]}"#;
        let p = parse(&Context::for_tenant("t"), body, None).unwrap();
        let t = txns(&p)[0];
        assert_eq!(
            (t.currency.as_str(), t.lines[0].unit_price),
            ("GBP", d("3.00"))
        );
        let bad = body.replace(
            "\"amount\": \"3.00\", \"currency_code\": \"GBP\"}, \"presentment",
            "\"amount\": \"three\", \"currency_code\": \"GBP\"}, \"presentment",
        );
        let e = parse(&Context::for_tenant("t"), &bad, None).unwrap_err();
        assert_eq!(
            e.field.as_deref(),
            Some("line_items[0].price_set.shop_money.amount")
        );
        let nothing = r#"{"id": 1, "created_at": "2026-01-01T10:00:00Z", "currency": "USD",
            "line_items": [{"id": 2, "sku": null, "variant_id": null, "product_id": null, "title": " ", "quantity": 1, "price": "1.00"}]}"#;
        let e = parse(&Context::for_tenant("t"), nothing, None).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("line_items[0].sku"));
    }

    #[test]
    fn pos_locations_come_from_the_configuration() {
        let cfg = crate::config::Config::parse(
            "[shopify]\ndefault_store = \"WEB\"\nlocations = { \"655441491\" = \"S07\" }\n",
        )
        .unwrap();
        let ctx = Context::from_config(&cfg).unwrap();
        let order = |loc: &str| {
            format!(
                r#"{{"id": 1, "created_at": "2026-01-01T10:00:00Z", "currency": "USD", "location_id": {loc},
                "line_items": [{{"id": 2, "sku": "A", "quantity": 1, "price": "1.00"}}]}}"#
            )
        };
        let store = |loc: &str| {
            let p = parse(&ctx, &order(loc), None).unwrap();
            txns(&p)[0].key.store_id.clone()
        };
        assert_eq!(store("655441491"), "S07");
        assert_eq!(
            store("1"),
            "WEB",
            "an unlisted location keeps the shop's store"
        );
        assert_eq!(store("null"), "WEB");
    }
}
