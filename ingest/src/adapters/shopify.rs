//! Shopify (REST Admin API, 2025-07): orders and refunds. Money is decimal strings in the shop
//! currency, times carry the shop's UTC offset, ids exceed 2^53 (kept as text, never floats).
//!
//! Mapping: an order is one transaction (its line items are sales; a cancelled order is
//! `post_voided`); each refund is a transaction of its own, `refund:<id>`, on the day it was
//! made, whose `refund_line_items` are return lines linked to the order. So an order with
//! nested refunds and the same refund delivered alone (the `refunds/create` webhook) land on
//! the same rows. `current_quantity` is what the order has left after refunds; we keep the
//! sold quantity and the returns separately, as the model's signed lines require.

use super::json::{array, decimal, get, join, opt_decimal, opt_text, req, text, time, utc};
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
    // REST responses wrap the object; webhooks send it bare.
    if let Some(o) = get(&v, "order") {
        return order_payload(ctx, o, "order", &store);
    }
    if let Some(r) = get(&v, "refund") {
        return refund_payload(ctx, r, "refund", &store, None);
    }
    if get(&v, "line_items").is_some() {
        return order_payload(ctx, &v, "", &store);
    }
    if get(&v, "refund_line_items").is_some() {
        return refund_payload(ctx, &v, "", &store, None);
    }
    Err(PayloadError::new(None, "not a Shopify payload: expected an order (with `line_items`) or a refund (with `refund_line_items`), bare or under `order` / `refund`"))
}

fn order_payload(
    ctx: &Context,
    o: &Value,
    path: &str,
    store: &str,
) -> Result<Parsed, PayloadError> {
    let (t, line_nos) = order(ctx, o, path, store)?;
    let event_id = format!("order/{}/v{}", t.key.source_txn_id, t.source_version);
    let mut records = vec![super::finish(ctx, t, Some(&event_id), &o.to_string())];
    for (i, r) in array(o, path, "refunds")?.iter().enumerate() {
        let p = refund_payload(
            ctx,
            r,
            &join(path, &format!("refunds[{i}]")),
            store,
            Some(&line_nos),
        )?;
        records.extend(p.records);
    }
    Ok(Parsed { event_id, records })
}

fn refund_payload(
    ctx: &Context,
    r: &Value,
    path: &str,
    store: &str,
    line_nos: Option<&HashMap<String, i32>>,
) -> Result<Parsed, PayloadError> {
    let t = refund(ctx, r, path, store, line_nos)?;
    let event_id = format!("refund/{}/v{}", t.key.source_txn_id, t.source_version);
    Ok(Parsed {
        records: vec![super::finish(ctx, t, Some(&event_id), &r.to_string())],
        event_id,
    })
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

fn allocations(li: &Value, path: &str) -> Result<Decimal, PayloadError> {
    let mut sum = Decimal::ZERO;
    for (i, a) in array(li, path, "discount_allocations")?.iter().enumerate() {
        sum += decimal(
            a,
            &join(path, &format!("discount_allocations[{i}]")),
            "amount",
        )?;
    }
    if sum.is_zero() {
        sum = opt_decimal(li, path, "total_discount")?.unwrap_or_default();
    }
    Ok(sum)
}

fn taxes(li: &Value, path: &str) -> Result<Decimal, PayloadError> {
    let mut sum = Decimal::ZERO;
    for (i, t) in array(li, path, "tax_lines")?.iter().enumerate() {
        sum += decimal(t, &join(path, &format!("tax_lines[{i}]")), "price")?;
    }
    Ok(sum)
}

fn raw_item(li: &Value, path: &str) -> Result<String, PayloadError> {
    for key in ["sku", "variant_id", "product_id"] {
        if let Some(s) = opt_text(li, path, key)?.filter(|s| !s.trim().is_empty()) {
            return Ok(s);
        }
    }
    Err(super::json::err(
        &join(path, "sku"),
        "is empty and the line has no variant_id or product_id",
    ))
}

fn line_of(li: &Value, path: &str, line_no: i32) -> Result<Line, PayloadError> {
    let qty = decimal(li, path, "quantity")?;
    let price = decimal(li, path, "price")?;
    let discount = allocations(li, path)?;
    let raw = raw_item(li, path)?;
    let key = item_key(&raw).ok_or_else(|| {
        super::json::err(
            &join(path, "sku"),
            format!("`{raw}` holds no usable item code"),
        )
    })?;
    Ok(Line {
        line_no,
        kind: LineKind::Sale,
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: raw,
        description: opt_text(li, path, "name")?,
        quantity: qty,
        unit_price: price,
        discount,
        net_amount: qty * price - discount,
        tax: taxes(li, path)?,
        entry_method: EntryMethod::Other,
        price_override: false,
        original_txn_id: None,
        original_line_no: None,
    })
}

fn tender_method(gateway: &str) -> TenderMethod {
    match gateway {
        "cash" | "Cash on Delivery (COD)" => TenderMethod::Cash,
        "gift_card" => TenderMethod::GiftCard,
        "manual" | "" => TenderMethod::Other,
        _ => TenderMethod::Card,
    }
}

/// An order and, per Shopify line item id, the line number it got (refunds link to it).
pub fn order(
    ctx: &Context,
    o: &Value,
    path: &str,
    store: &str,
) -> Result<(Transaction, HashMap<String, i32>), PayloadError> {
    let id = text(o, path, "id")?;
    let created = time(o, path, "created_at")?;
    let updated = if get(o, "updated_at").is_some() {
        time(o, path, "updated_at")?
    } else {
        created
    };
    let currency = text(o, path, "currency")?;
    let mut lines = Vec::new();
    let mut line_nos = HashMap::new();
    for (i, li) in array(o, path, "line_items")?.iter().enumerate() {
        let lp = join(path, &format!("line_items[{i}]"));
        let no = i as i32 + 1;
        line_nos.insert(text(li, &lp, "id")?, no);
        lines.push(line_of(li, &lp, no)?);
    }
    let status = if get(o, "cancelled_at").is_some() {
        TxnStatus::PostVoided
    } else {
        TxnStatus::Completed
    };
    let financial = opt_text(o, path, "financial_status")?.unwrap_or_default();
    let mut tenders = Vec::new();
    // The order object names the gateway and total but not its payment transactions; a paid
    // order gets one tender for its total so the header balances.
    if matches!(
        financial.as_str(),
        "paid" | "partially_refunded" | "refunded" | "partially_paid"
    ) {
        let gateway = array(o, path, "payment_gateway_names")?
            .first()
            .and_then(Value::as_str)
            .unwrap_or("");
        tenders.push(Tender {
            tender_no: 1,
            method: tender_method(gateway),
            amount: decimal(o, path, "total_price")?,
            status: TenderStatus::Approved,
            card_fingerprint: None,
            card_bin: None,
            card_entry: None,
            occurred_at: utc(created),
        });
    }
    let customer = get(o, "customer")
        .map(|c| opt_text(c, &join(path, "customer"), "id"))
        .transpose()?
        .flatten();
    let t = Transaction {
        key: TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: store.to_string(),
            source: SOURCE.into(),
            source_txn_id: id,
        },
        source_version: utc(updated).timestamp_millis(),
        occurred_at: utc(created),
        business_date: business_date(ctx, store, created),
        register_id: opt_text(o, path, "device_id")?,
        cashier_id: opt_text(o, path, "user_id")?,
        customer_id: customer,
        status,
        currency,
        lines,
        tenders,
    };
    Ok((t, line_nos))
}

/// A refund as its own transaction of return lines (negative) and refund tenders (negative).
pub fn refund(
    ctx: &Context,
    r: &Value,
    path: &str,
    store: &str,
    line_nos: Option<&HashMap<String, i32>>,
) -> Result<Transaction, PayloadError> {
    let id = text(r, path, "id")?;
    let order_id = text(r, path, "order_id")?;
    let created = time(r, path, "created_at")?;
    let at = if get(r, "processed_at").is_some() {
        time(r, path, "processed_at")?
    } else {
        created
    };
    let mut lines = Vec::new();
    let mut currency = None;
    for (i, rl) in array(r, path, "refund_line_items")?.iter().enumerate() {
        let rp = join(path, &format!("refund_line_items[{i}]"));
        let li = req(rl, &rp, "line_item")?;
        let qty = decimal(rl, &rp, "quantity")?;
        let mut line = line_of(li, &join(&rp, "line_item"), i as i32 + 1)?;
        // subtotal is what is refunded for the goods, after their share of discounts.
        let subtotal = decimal(rl, &rp, "subtotal")?;
        line.kind = LineKind::Return;
        line.quantity = -qty;
        line.discount = qty * line.unit_price - subtotal;
        line.net_amount = -subtotal;
        line.tax = -opt_decimal(rl, &rp, "total_tax")?.unwrap_or_default();
        line.original_txn_id = Some(order_id.clone());
        let item_id = text(rl, &rp, "line_item_id")?;
        line.original_line_no = line_nos.and_then(|m| m.get(&item_id).copied());
        if let Some(set) = get(rl, "subtotal_set").and_then(|s| get(s, "shop_money")) {
            currency = opt_text(set, &rp, "currency_code")?;
        }
        lines.push(line);
    }
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
        if currency.is_none() {
            currency = opt_text(x, &xp, "currency")?;
        }
        tenders.push(Tender {
            tender_no: i as i32 + 1,
            method: tender_method(opt_text(x, &xp, "gateway")?.as_deref().unwrap_or("")),
            amount: -decimal(x, &xp, "amount")?,
            status,
            card_fingerprint: None,
            card_bin: None,
            card_entry: None,
            occurred_at: utc(at),
        });
    }
    let currency = currency.ok_or_else(|| {
        super::json::err(
            &join(path, "refund_line_items"),
            "no currency found (subtotal_set.shop_money.currency_code or transactions[].currency)",
        )
    })?;
    Ok(Transaction {
        key: TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: store.to_string(),
            source: SOURCE.into(),
            source_txn_id: format!("refund:{id}"),
        },
        source_version: utc(created).timestamp_millis(),
        occurred_at: utc(at),
        business_date: business_date(ctx, store, at),
        register_id: None,
        cashier_id: opt_text(r, path, "user_id")?,
        customer_id: None,
        status: TxnStatus::Completed,
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
}
