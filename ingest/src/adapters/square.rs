//! Square: orders (money in minor units, quantities as strings, `version`), payments and
//! refunds, and webhook notifications. Orders give the lines; payments and refunds give the
//! tenders, each on its own (`TenderRecord`) because Square reports them separately and a new
//! order version does not repeat them. `order.*` notifications carry only ids: the service
//! fetches the order (see `serve::fetch`).
//!
//! Order states: COMPLETED → completed; OPEN, DRAFT and CANCELED → cancelled (not a sale yet,
//! or never one); a later COMPLETED version replaces the row.

use super::json::{array, decimal, err, get, int, join, opt_text, req, text, time, utc};
use super::money::from_minor;
use super::{number_from_id, Context, PayloadError};
use crate::envelope::{Record, Reject, TenderRecord};
use crate::sku::item_key;
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::Value;

pub const SOURCE: &str = "square";
pub const CONTENT_TYPE: &str = "application/json; format=square";

/// What a Square payload holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    /// Dedup key: the notification's `event_id`, or the object id with its version.
    pub event_id: String,
    pub records: Vec<Result<Record, Reject>>,
    /// Orders named by a notification that must be fetched from the Square API.
    pub fetch_orders: Vec<String>,
    /// The notification type (or the object kind), for logs and metrics.
    pub kind: String,
}

pub fn parse(ctx: &Context, body: &str) -> Result<Parsed, PayloadError> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| PayloadError::new(None, format!("not JSON: {e}")))?;
    if let Some(o) = get(&v, "order") {
        let t = order(ctx, o, "order")?;
        let event_id = format!("order/{}/v{}", t.key.source_txn_id, t.source_version);
        return Ok(Parsed {
            event_id: event_id.clone(),
            records: vec![super::finish(ctx, t, Some(&event_id), body)],
            fetch_orders: vec![],
            kind: "order".into(),
        });
    }
    if let Some(Value::Array(orders)) = get(&v, "orders") {
        let mut p = Parsed {
            kind: "orders".into(),
            ..Parsed::default()
        };
        let mut ids = Vec::new();
        for (i, o) in orders.iter().enumerate() {
            let path = format!("orders[{i}]");
            match order(ctx, o, &path) {
                Ok(t) => {
                    ids.push(format!("{}:{}", t.key.source_txn_id, t.source_version));
                    let id = format!("order/{}/v{}", t.key.source_txn_id, t.source_version);
                    p.records
                        .push(super::finish(ctx, t, Some(&id), &o.to_string()));
                }
                Err(e) => p.records.push(Err(reject(ctx, None, &o.to_string(), e))),
            }
        }
        p.event_id = format!("orders/{}", short_hash(&ids.join(",")));
        return Ok(p);
    }
    if let Some(pay) = get(&v, "payment") {
        return Ok(single(ctx, "payment", payment(ctx, pay, "payment")?));
    }
    if let Some(r) = get(&v, "refund") {
        return Ok(single(ctx, "refund", refund(ctx, r, "refund")?));
    }
    if get(&v, "event_id").is_some() && get(&v, "type").is_some() {
        return notification(ctx, &v);
    }
    Err(PayloadError::new(None, "not a Square payload: expected an object with `order`, `orders`, `payment` or `refund`, or a webhook notification with `type` and `event_id`"))
}

fn single(ctx: &Context, kind: &str, (event_id, rec): (String, TenderRecord)) -> Parsed {
    let record = super::check_time(ctx, "created_at", rec.tender.occurred_at)
        .map(|_| Record::Tender(rec.clone()))
        .map_err(|reason| Reject {
            tenant_id: Some(ctx.tenant_id.clone()),
            source: SOURCE.into(),
            event_id: Some(event_id.clone()),
            payload: None,
            reason,
            detail: Value::Null,
        });
    Parsed {
        event_id,
        records: vec![record],
        fetch_orders: vec![],
        kind: kind.into(),
    }
}

fn short_hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(s.as_bytes())[..12])
}

fn reject(ctx: &Context, event_id: Option<&str>, raw: &str, e: PayloadError) -> Reject {
    Reject {
        tenant_id: Some(ctx.tenant_id.clone()),
        source: SOURCE.into(),
        event_id: event_id.map(str::to_string),
        payload: Some(raw.to_string()),
        reason: e.message,
        detail: serde_json::json!({ "field": e.field }),
    }
}

fn notification(ctx: &Context, v: &Value) -> Result<Parsed, PayloadError> {
    let event_id = text(v, "", "event_id")?;
    let kind = text(v, "", "type")?;
    let object = get(v, "data").and_then(|d| get(d, "object"));
    let mut p = Parsed {
        event_id: event_id.clone(),
        kind: kind.clone(),
        ..Parsed::default()
    };
    let Some(object) = object else {
        return Ok(p); // e.g. webhooks.test_notification: kept in the inbox, nothing to map
    };
    match kind.split('.').next() {
        Some("order") => {
            for key in [
                "order_created",
                "order_updated",
                "order_fulfillment_updated",
            ] {
                if let Some(o) = get(object, key) {
                    p.fetch_orders
                        .push(text(o, &format!("data.object.{key}"), "order_id")?);
                }
            }
            if let Some(o) = get(object, "order") {
                let t = order(ctx, o, "data.object.order")?;
                p.records
                    .push(super::finish(ctx, t, Some(&event_id), &o.to_string()));
            }
        }
        Some("payment") => {
            let pay = req(object, "data.object", "payment")?;
            p.records
                .extend(single(ctx, &kind, payment(ctx, pay, "data.object.payment")?).records);
        }
        Some("refund") => {
            let r = req(object, "data.object", "refund")?;
            p.records
                .extend(single(ctx, &kind, refund(ctx, r, "data.object.refund")?).records);
        }
        _ => {}
    }
    Ok(p)
}

/// `{"amount": 550, "currency": "USD"}` → 5.50 and "USD".
fn money(v: &Value, path: &str, key: &str) -> Result<(Decimal, String), PayloadError> {
    let m = req(v, path, key)?;
    let p = join(path, key);
    let cur = text(m, &p, "currency")?;
    Ok((from_minor(int(m, &p, "amount")?, &cur), cur))
}

fn money_or_zero(v: &Value, path: &str, key: &str) -> Result<Decimal, PayloadError> {
    if get(v, key).is_none() {
        return Ok(Decimal::ZERO);
    }
    Ok(money(v, path, key)?.0)
}

fn store_of(ctx: &Context, location: &str) -> String {
    ctx.square_locations
        .get(location)
        .cloned()
        .unwrap_or_else(|| location.to_string())
}

fn status_of(state: &str) -> TxnStatus {
    match state {
        "COMPLETED" => TxnStatus::Completed,
        _ => TxnStatus::Cancelled,
    }
}

/// A Square order as a transaction: line items are sales, return line items are returns.
pub fn order(ctx: &Context, o: &Value, path: &str) -> Result<Transaction, PayloadError> {
    let id = text(o, path, "id")?;
    let location = text(o, path, "location_id")?;
    let store = store_of(ctx, &location);
    let created = utc(time(o, path, "created_at")?);
    let version = if get(o, "version").is_some() {
        int(o, path, "version")?
    } else {
        0
    };
    let state = opt_text(o, path, "state")?.unwrap_or_else(|| "OPEN".into());
    let mut currency = None;
    let mut lines = Vec::new();
    for (i, li) in array(o, path, "line_items")?.iter().enumerate() {
        let lp = format!("{path}.line_items[{i}]");
        let (line, cur) = sale_line(li, &lp, lines.len() as i32 + 1)?;
        currency.get_or_insert(cur);
        lines.push(line);
    }
    for (r, ret) in array(o, path, "returns")?.iter().enumerate() {
        let rp = format!("{path}.returns[{r}]");
        let source_order = opt_text(ret, &rp, "source_order_id")?;
        for (i, li) in array(ret, &rp, "return_line_items")?.iter().enumerate() {
            let lp = format!("{rp}.return_line_items[{i}]");
            let (mut line, cur) = sale_line(li, &lp, lines.len() as i32 + 1)?;
            currency.get_or_insert(cur);
            line.kind = LineKind::Return;
            line.quantity = -line.quantity;
            line.net_amount = -line.net_amount;
            line.tax = -line.tax;
            line.original_txn_id = source_order.clone();
            lines.push(line);
        }
    }
    let currency = match (currency, get(o, "total_money")) {
        (Some(c), _) => c,
        (None, Some(_)) => money(o, path, "total_money")?.1,
        (None, None) => {
            return Err(err(
                &join(path, "total_money"),
                "is missing and there are no line items to take the currency from",
            ))
        }
    };
    Ok(Transaction {
        key: TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: store.clone(),
            source: SOURCE.into(),
            source_txn_id: id,
        },
        source_version: version,
        occurred_at: created,
        business_date: ctx.business_date(&store, created),
        register_id: None,
        cashier_id: None,
        customer_id: opt_text(o, path, "customer_id")?,
        status: status_of(&state),
        currency,
        lines,
        tenders: vec![],
    })
}

/// One line item: net = total − tax (right for additive and inclusive taxes alike).
fn sale_line(li: &Value, lp: &str, line_no: i32) -> Result<(Line, String), PayloadError> {
    let qty = decimal(li, lp, "quantity")?;
    let (price, cur) = money(li, lp, "base_price_money")?;
    let tax = money_or_zero(li, lp, "total_tax_money")?;
    let discount = money_or_zero(li, lp, "total_discount_money")?;
    let total = match get(li, "total_money") {
        Some(_) => money(li, lp, "total_money")?.0,
        None => qty * price - discount + tax,
    };
    let name = opt_text(li, lp, "name")?;
    let raw = match (opt_text(li, lp, "catalog_object_id")?, &name) {
        (Some(id), _) => id,
        (None, Some(n)) => n.clone(),
        (None, None) => {
            return Err(err(
                &join(lp, "catalog_object_id"),
                "is missing and the line has no name either",
            ))
        }
    };
    let key = item_key(&raw).ok_or_else(|| {
        err(
            &join(lp, "catalog_object_id"),
            format!("`{raw}` holds no usable item code"),
        )
    })?;
    let description = match (name, opt_text(li, lp, "variation_name")?) {
        (Some(n), Some(v)) if !v.is_empty() => Some(format!("{n} ({v})")),
        (n, _) => n,
    };
    let line = Line {
        line_no,
        kind: LineKind::Sale,
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: raw,
        description,
        quantity: qty,
        unit_price: price,
        discount,
        net_amount: total - tax,
        tax,
        entry_method: EntryMethod::Other,
        price_override: false,
        original_txn_id: None,
        original_line_no: None,
    };
    Ok((line, cur))
}

fn version_of(v: &Value, path: &str) -> Result<i64, PayloadError> {
    // Payments carry an opaque version_token; updated_at orders their versions.
    Ok(
        utc(time(v, path, "updated_at").or_else(|_| time(v, path, "created_at"))?)
            .timestamp_millis(),
    )
}

/// A payment as a tender of its order (keyed by `order_id`).
pub fn payment(
    ctx: &Context,
    p: &Value,
    path: &str,
) -> Result<(String, TenderRecord), PayloadError> {
    let id = text(p, path, "id")?;
    let order_id = opt_text(p, path, "order_id")?.unwrap_or_else(|| format!("payment:{id}"));
    let store = store_of(ctx, &text(p, path, "location_id")?);
    let at = utc(time(p, path, "created_at")?);
    let status = match text(p, path, "status")?.as_str() {
        "APPROVED" | "COMPLETED" | "PENDING" => TenderStatus::Approved,
        "FAILED" => TenderStatus::Declined,
        _ => TenderStatus::Voided, // CANCELED
    };
    let (amount, currency) = if get(p, "total_money").is_some() {
        money(p, path, "total_money")?
    } else {
        money(p, path, "amount_money")?
    };
    let card = get(p, "card_details");
    let c = card.and_then(|c| get(c, "card"));
    let brand = c
        .and_then(|c| get(c, "card_brand"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let method = match (opt_text(p, path, "source_type")?.as_deref(), brand) {
        (Some("CARD"), "SQUARE_GIFT_CARD") => TenderMethod::GiftCard,
        (Some("CARD"), _) => TenderMethod::Card,
        (Some("CASH"), _) => TenderMethod::Cash,
        _ => TenderMethod::Other,
    };
    let entry = card
        .and_then(|c| get(c, "entry_method"))
        .and_then(Value::as_str)
        .map(|e| match e {
            "KEYED" => CardEntry::Keyed,
            "SWIPED" => CardEntry::Swipe,
            "EMV" => CardEntry::Chip,
            "CONTACTLESS" => CardEntry::Contactless,
            _ => CardEntry::Other,
        });
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
        tender: Tender {
            tender_no: number_from_id(&id),
            method,
            amount,
            status,
            card_fingerprint: c
                .and_then(|c| get(c, "fingerprint"))
                .and_then(Value::as_str)
                .map(str::to_string),
            card_bin: c
                .and_then(|c| get(c, "bin"))
                .and_then(Value::as_str)
                .map(str::to_string),
            card_entry: entry,
            occurred_at: at,
        },
    };
    Ok((format!("payment/{id}/{}", rec.source_version), rec))
}

/// A refund as a negative tender of the order it belongs to (Square creates a return order,
/// so `refund.order_id` is not the original payment's order).
pub fn refund(
    ctx: &Context,
    r: &Value,
    path: &str,
) -> Result<(String, TenderRecord), PayloadError> {
    let id = text(r, path, "id")?;
    let order_id = opt_text(r, path, "order_id")?.unwrap_or_else(|| format!("refund:{id}"));
    let store = store_of(ctx, &text(r, path, "location_id")?);
    let at = utc(time(r, path, "created_at")?);
    let (amount, currency) = money(r, path, "amount_money")?;
    let status = match text(r, path, "status")?.as_str() {
        "COMPLETED" | "PENDING" => TenderStatus::Approved,
        "REJECTED" | "FAILED" => TenderStatus::Declined,
        _ => TenderStatus::Voided,
    };
    let method = match opt_text(r, path, "destination_type")?.as_deref() {
        Some("CARD") => TenderMethod::Card,
        Some("CASH") => TenderMethod::Cash,
        _ => TenderMethod::Other,
    };
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
            method,
            amount: -amount,
            status,
            card_fingerprint: None,
            card_bin: None,
            card_entry: None,
            occurred_at: at,
        },
    };
    Ok((format!("refund/{id}/{}", rec.source_version), rec))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::testkit::sample;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn txn(p: &Parsed) -> &Transaction {
        match &p.records[0] {
            Ok(Record::Txn(t)) => t,
            other => panic!("expected a transaction, got {other:?}"),
        }
    }

    fn tender(p: &Parsed) -> &TenderRecord {
        match &p.records[0] {
            Ok(Record::Tender(t)) => t,
            other => panic!("expected a tender, got {other:?}"),
        }
    }

    #[test]
    fn order_sample_lines_and_totals() {
        let p = parse(
            &Context::for_tenant("t"),
            &sample("square_orders_RetrieveOrderResponse_example.json"),
        )
        .unwrap();
        let t = txn(&p);
        assert_eq!(p.event_id, "order/CAISENgvlJ6jLWAzERDzjyHVybY/v1");
        assert_eq!(t.key.store_id, "D7AVYMEAPJ3A3");
        assert_eq!(
            t.status,
            TxnStatus::Cancelled,
            "an OPEN order is not a sale yet"
        );
        assert_eq!(t.lines.len(), 2);
        assert_eq!(
            (
                t.lines[1].quantity,
                t.lines[1].unit_price,
                t.lines[1].discount,
                t.lines[1].net_amount
            ),
            (d("2"), d("3.00"), d("3.00"), d("3.00"))
        );
        let net: Decimal = t.lines.iter().map(|l| l.net_amount).sum();
        let discount: Decimal = t.lines.iter().map(|l| l.discount).sum();
        assert_eq!(
            (net, discount),
            (d("5.50"), d("5.50")),
            "matches net_amounts.total_money and discount_money"
        );
        assert_eq!(t.occurred_at.to_rfc3339(), "2020-05-18T16:30:49.614+00:00");
        assert_eq!(
            t.lines[0].sku, "ITEM1",
            "an ad-hoc item is keyed by its name (vendor key: case folded, separators dropped)"
        );
    }

    #[test]
    fn payment_sample_is_a_keyed_card_tender_of_its_order() {
        let p = parse(
            &Context::for_tenant("t"),
            &sample("square_payments_GetPaymentResponse_example.json"),
        )
        .unwrap();
        let r = tender(&p);
        assert_eq!(r.key.source_txn_id, "d7eKah653Z579f3gVtjlxpSlmUcZY");
        assert_eq!(r.tender.amount, d("5.55"));
        assert_eq!(r.tender.method, TenderMethod::Card);
        assert_eq!(r.tender.card_entry, Some(CardEntry::Keyed));
        assert_eq!(r.tender.card_bin.as_deref(), Some("411111"));
        assert_eq!(r.cashier_id.as_deref(), Some("TMoK_ogh6rH1o4dV"));
        assert_eq!(r.tender.status, TenderStatus::Approved);
    }

    #[test]
    fn refund_sample_is_negative_and_keyed_by_the_return_order() {
        let p = parse(
            &Context::for_tenant("t"),
            &sample("square_refunds_GetPaymentRefundResponse_example.json"),
        )
        .unwrap();
        let r = tender(&p);
        assert_eq!(r.key.source_txn_id, "9ltv0bx5PuvGXUYHYHxYSKEqC3IZY");
        assert_eq!(r.tender.amount, d("-5.55"));
    }

    #[test]
    fn test_notification_lands_with_nothing_to_map() {
        let p = parse(
            &Context::for_tenant("t"),
            &sample("square_webhook_test_notification.body.json"),
        )
        .unwrap();
        assert_eq!(p.event_id, "ac3ac95b-f97d-458c-a6e6-18981597e05f");
        assert!(p.records.is_empty() && p.fetch_orders.is_empty());
    }

    #[test]
    fn order_updated_notification_asks_for_a_fetch() {
        let body = r#"{"merchant_id":"M","type":"order.updated","event_id":"e1","created_at":"2026-01-01T00:00:00Z",
            "data":{"type":"order_updated","id":"O1","object":{"order_updated":{"order_id":"O1","version":3,"location_id":"L","state":"COMPLETED"}}}}"#;
        let p = parse(&Context::for_tenant("t"), body).unwrap();
        assert_eq!(p.fetch_orders, vec!["O1".to_string()]);
    }

    #[test]
    fn bad_quantity_names_the_field() {
        let body = sample("square_orders_RetrieveOrderResponse_example.json")
            .replace("\"quantity\": \"2\"", "\"quantity\": \"two\"");
        let e = parse(&Context::for_tenant("t"), &body).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("order.line_items[1].quantity"));
    }
}
