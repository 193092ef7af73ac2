//! Square: orders (money in minor units, quantities as decimal strings, `version`), payments
//! and refunds, SearchOrders and ListPayments / ListPaymentRefunds pages, and webhook
//! notifications. Orders give the lines and, when they list them, their tenders and refunds;
//! payments and refunds sent on their own (or on a list page) are tenders too
//! (`TenderRecord`), keyed by the same payment / refund id so all land on one row.
//! `order.*` notifications carry only ids: the service fetches the order (see `serve::fetch`).
//! Cash drawer shifts give the drawer's float, paid-ins and paid-outs (`drawer`); their
//! ListCashDrawerShiftEvents pages give the no-sales (`shift_events`).
//!
//! Order states: COMPLETED, or OPEN and paid in full → completed; DRAFT, CANCELED and unpaid
//! OPEN → cancelled (not a sale yet, or never one); a later version replaces the row.

use super::json::{array, err, get, int, join, opt_text, req, text};
use super::money::from_minor;
use super::{Context, PayloadError};
use crate::envelope::{Record, Reject, TenderRecord};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashSet;

mod drawer;
mod order;
mod pages;
mod rounding;
mod shift_events;
mod tenders;
mod unitemized;

pub use order::{order, MappedOrder};
pub use tenders::{payment, refund};

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
        let m = order(ctx, o, "order")?;
        let event_id = m.event_id();
        return Ok(Parsed {
            records: m.records(ctx, &event_id, body),
            event_id,
            fetch_orders: vec![],
            kind: "order".into(),
        });
    }
    if is_search_response(&v) {
        return search_response(ctx, &v);
    }
    if pages::is_list_page(&v) {
        return pages::list_page(ctx, &v);
    }
    if let Some(key) = shift_events::events_key(&v) {
        return shift_events::events_page(ctx, &v, key);
    }
    if drawer::is_shift_payload(&v) {
        return drawer::shifts(ctx, &v);
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
    if let Some(errors) = get(&v, "errors") {
        return Err(square_errors(errors));
    }
    Err(PayloadError::new(None, "not a Square payload: expected an object with `order`, `orders`, `payment`, `payments`, `refund`, `refunds`, `cash_drawer_shift`, `cash_drawer_shifts` or `cash_drawer_shift_events`, or a webhook notification with `type` and `event_id`"))
}

/// SearchOrders / BatchRetrieveOrders answers: `orders`, `order_entries` (ids only, with
/// `return_entries`), a `cursor`, or nothing at all — Square answers `{}` when no order matches,
/// and an empty page is not an error.
fn is_search_response(v: &Value) -> bool {
    let Some(obj) = v.as_object() else {
        return false;
    };
    obj.contains_key("orders")
        || obj.contains_key("order_entries")
        || obj.keys().all(|k| k == "cursor")
}

fn search_response(ctx: &Context, v: &Value) -> Result<Parsed, PayloadError> {
    let mut p = Parsed {
        kind: "orders".into(),
        ..Parsed::default()
    };
    let mut ids = Vec::new();
    for (i, o) in array(v, "", "orders")?.iter().enumerate() {
        let path = format!("orders[{i}]");
        match order(ctx, o, &path) {
            Ok(m) => {
                let id = m.event_id();
                ids.push(format!("{}:{}", m.id, m.version));
                p.records.extend(m.records(ctx, &id, &o.to_string()));
            }
            Err(e) => p.records.push(Err(reject(ctx, None, &o.to_string(), e))),
        }
    }
    for (i, e) in array(v, "", "order_entries")?.iter().enumerate() {
        let ep = format!("order_entries[{i}]");
        let id = text(e, &ep, "order_id")?;
        ids.push(format!("entry:{id}"));
        p.fetch_orders.push(id);
    }
    p.event_id = format!("orders/{}", short_hash(&ids.join(",")));
    Ok(p)
}

/// Square's error answer (`{"errors":[{"category","code","detail","field"}]}`) stored by
/// mistake instead of the data: say what Square said rather than "not a Square payload".
fn square_errors(errors: &Value) -> PayloadError {
    let said: Vec<String> = errors
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|e| {
            let part = |k: &str| get(e, k).and_then(Value::as_str).unwrap_or("").to_string();
            format!("{} {}: {}", part("category"), part("code"), part("detail"))
        })
        .collect();
    PayloadError::new(
        Some("errors"),
        format!(
            "this is a Square error response, not data: {}",
            said.join("; ")
        ),
    )
}

fn single(ctx: &Context, kind: &str, (event_id, rec): (String, TenderRecord)) -> Parsed {
    Parsed {
        records: vec![tender_record(ctx, &event_id, "created_at", rec)],
        event_id,
        fetch_orders: vec![],
        kind: kind.into(),
    }
}

/// A payment or refund as a record, or a reject when its time is implausible (`field` names
/// the time in the payload).
fn tender_record(
    ctx: &Context,
    event_id: &str,
    field: &str,
    rec: TenderRecord,
) -> Result<Record, Reject> {
    match super::check_time(ctx, field, rec.tender.occurred_at) {
        Ok(()) => Ok(Record::Tender(rec)),
        Err(reason) => Err(Reject {
            tenant_id: Some(ctx.tenant_id.clone()),
            source: SOURCE.into(),
            event_id: Some(event_id.to_string()),
            payload: None,
            reason,
            detail: Value::Null,
        }),
    }
}

fn short_hash(s: &str) -> String {
    crate::adapters::json::hash_hex(s, 12)
}

fn reject(ctx: &Context, event_id: Option<&str>, raw: &str, e: PayloadError) -> Reject {
    crate::adapters::element_reject(ctx, SOURCE, event_id, raw, e)
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
                let m = order(ctx, o, "data.object.order")?;
                p.records.extend(m.records(ctx, &event_id, &o.to_string()));
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

fn store_of(ctx: &Context, location: &str) -> String {
    ctx.square_locations
        .get(location)
        .cloned()
        .unwrap_or_else(|| location.to_string())
}

/// How an order reads its money: every amount must be in the order's one currency (a mix is a
/// broken payload, not something to add up), and which taxes are included in prices.
struct OrderMoney {
    currency: String,
    /// `uid`s of the order's (and its returns') INCLUSIVE taxes.
    inclusive: HashSet<String>,
}

impl OrderMoney {
    fn read(o: &Value, path: &str) -> Result<OrderMoney, PayloadError> {
        let mut inclusive = HashSet::new();
        let mut taxes: Vec<(&Value, String)> = array(o, path, "taxes")?
            .iter()
            .enumerate()
            .map(|(i, t)| (t, format!("{path}.taxes[{i}]")))
            .collect();
        for (r, ret) in array(o, path, "returns")?.iter().enumerate() {
            let rp = format!("{path}.returns[{r}]");
            for (i, t) in array(ret, &rp, "return_taxes")?.iter().enumerate() {
                taxes.push((t, format!("{rp}.return_taxes[{i}]")));
            }
        }
        for (t, tp) in taxes {
            if opt_text(t, &tp, "type")?.as_deref() == Some("INCLUSIVE") {
                if let Some(uid) = opt_text(t, &tp, "uid")? {
                    inclusive.insert(uid);
                }
            }
        }
        Ok(OrderMoney {
            currency: order_currency(o, path)?,
            inclusive,
        })
    }

    /// An optional money field, checked against the order's currency.
    fn opt(&self, v: &Value, path: &str, key: &str) -> Result<Option<Decimal>, PayloadError> {
        if get(v, key).is_none() {
            return Ok(None);
        }
        let (amount, cur) = money(v, path, key)?;
        if cur != self.currency {
            return Err(err(
                &join(&join(path, key), "currency"),
                format!(
                    "is {cur} but the order is in {}: one order has one currency",
                    self.currency
                ),
            ));
        }
        Ok(Some(amount))
    }

    fn or_zero(&self, v: &Value, path: &str, key: &str) -> Result<Decimal, PayloadError> {
        Ok(self.opt(v, path, key)?.unwrap_or(Decimal::ZERO))
    }

    /// The part of `applied_taxes` that is already inside the price (INCLUSIVE taxes).
    fn inclusive_tax(&self, li: &Value, lp: &str) -> Result<Decimal, PayloadError> {
        let mut sum = Decimal::ZERO;
        for (i, t) in array(li, lp, "applied_taxes")?.iter().enumerate() {
            let tp = format!("{lp}.applied_taxes[{i}]");
            if let Some(uid) = opt_text(t, &tp, "tax_uid")? {
                if self.inclusive.contains(&uid) {
                    sum += self.or_zero(t, &tp, "applied_money")?;
                }
            }
        }
        Ok(sum)
    }
}

/// The order's currency: from its total, else from the first money of a line, a return or a
/// tender (a return order may carry no `total_money`, a draft no lines).
fn order_currency(o: &Value, path: &str) -> Result<String, PayloadError> {
    let mut candidates: Vec<&Value> = vec![o];
    for key in ["line_items", "service_charges", "tenders"] {
        candidates.extend(array(o, path, key)?.iter());
    }
    for (r, ret) in array(o, path, "returns")?.iter().enumerate() {
        let rp = format!("{path}.returns[{r}]");
        candidates.extend(array(ret, &rp, "return_line_items")?.iter());
        candidates.extend(array(ret, &rp, "return_service_charges")?.iter());
    }
    candidates.extend(get(o, "return_amounts"));
    for c in candidates {
        for key in [
            "total_money",
            "base_price_money",
            "amount_money",
            "applied_money",
            "gross_sales_money",
            "gross_return_money",
        ] {
            if let Some(cur) = get(c, key)
                .and_then(|m| get(m, "currency"))
                .and_then(Value::as_str)
            {
                return Ok(cur.to_string());
            }
        }
    }
    Err(err(
        &join(path, "total_money"),
        "is missing and no line, return or tender names a currency",
    ))
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_drawer;
#[cfg(test)]
mod tests_gaps;
#[cfg(test)]
mod tests_money;
#[cfg(test)]
mod tests_pages;
#[cfg(test)]
mod tests_prices;
#[cfg(test)]
mod tests_redteam;
#[cfg(test)]
mod tests_redteam_s33;
#[cfg(test)]
mod tests_shift_events;
#[cfg(test)]
mod tests_tips;
#[cfg(test)]
mod tests_unitemized;
