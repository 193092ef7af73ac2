//! Square: orders (money in minor units, quantities as decimal strings, `version`), payments
//! and refunds, SearchOrders pages, and webhook notifications. Orders give the lines and, when
//! they list them, their tenders and refunds; payments and refunds sent on their own are
//! tenders too (`TenderRecord`), keyed by the same payment / refund id so both land on one
//! row. `order.*` notifications carry only ids: the service fetches the order (see
//! `serve::fetch`).
//!
//! Order states: COMPLETED, or OPEN and paid in full → completed; DRAFT, CANCELED and unpaid
//! OPEN → cancelled (not a sale yet, or never one); a later version replaces the row.

use super::json::{array, decimal, err, get, int, join, opt_text, req, text, time, utc};
use super::money::{exponent, from_minor};
use super::{number_from_id, Context, PayloadError};
use crate::envelope::{Record, Reject, TenderRecord};
use crate::sku::item_key;
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashSet;

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
    Err(PayloadError::new(None, "not a Square payload: expected an object with `order`, `orders`, `payment` or `refund`, or a webhook notification with `type` and `event_id`"))
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

/// A mapped order: the transaction (none for a pure "no sale", which is a drawer event and not
/// a customer transaction) and the drawer openings its NO_SALE tenders stand for.
#[derive(Debug)]
pub struct MappedOrder {
    pub id: String,
    pub version: i64,
    pub txn: Option<Transaction>,
    pub drawer: Vec<DrawerEvent>,
}

impl MappedOrder {
    fn event_id(&self) -> String {
        format!("order/{}/v{}", self.id, self.version)
    }

    fn records(self, ctx: &Context, event_id: &str, raw: &str) -> Vec<Result<Record, Reject>> {
        let mut out: Vec<_> = self
            .drawer
            .into_iter()
            .map(|d| Ok(Record::Drawer(d)))
            .collect();
        if let Some(t) = self.txn {
            out.push(super::finish(ctx, t, Some(event_id), raw));
        }
        out
    }
}

/// A Square order as a transaction: line items and non-apportioned service charges are sale
/// lines, return line items and returned service charges are return lines, the order's
/// tenders and refunds are its tenders.
///
/// `occurred_at` is `created_at`, because it is part of the stored key and must not move when
/// a later version closes the order; `business_date` is the local day of `closed_at` when the
/// order has one (an open ticket paid after midnight belongs to the day it was paid).
pub fn order(ctx: &Context, o: &Value, path: &str) -> Result<MappedOrder, PayloadError> {
    let id = text(o, path, "id")?;
    let location = text(o, path, "location_id")?;
    let store = store_of(ctx, &location);
    let created = utc(time(o, path, "created_at")?);
    let closed = match get(o, "closed_at") {
        Some(_) => utc(time(o, path, "closed_at")?),
        None => created,
    };
    let version = if get(o, "version").is_some() {
        int(o, path, "version")?
    } else {
        0
    };
    let state = opt_text(o, path, "state")?.unwrap_or_else(|| "OPEN".into());
    let m = OrderMoney::read(o, path)?;
    let lines = order_lines(o, path, &m)?;
    let at = Where {
        ctx,
        store: &store,
        order_id: &id,
        created,
    };
    let (tenders, drawer) = order_tenders(o, path, &m, &at)?;
    let txn = if lines.is_empty() && tenders.is_empty() && !drawer.is_empty() {
        None
    } else {
        let status = status_of(o, path, &state, &tenders, &m)?;
        Some(Transaction {
            key: TxnKey {
                tenant_id: ctx.tenant_id.clone(),
                store_id: store.clone(),
                source: SOURCE.into(),
                source_txn_id: id.clone(),
            },
            source_version: version,
            occurred_at: created,
            business_date: ctx.business_date(&store, closed),
            register_id: None,
            cashier_id: None,
            customer_id: opt_text(o, path, "customer_id")?,
            status,
            currency: m.currency.clone(),
            lines,
            tenders,
        })
    };
    Ok(MappedOrder {
        id,
        version,
        txn,
        drawer,
    })
}

/// Where an order's tenders happened: what a drawer event or a tender without its own time needs.
struct Where<'a> {
    ctx: &'a Context,
    store: &'a str,
    order_id: &'a str,
    created: chrono::DateTime<chrono::Utc>,
}

/// The order's `tenders[]` and `refunds[]` as tenders; NO_SALE tenders (the drawer opened with
/// nothing sold, a loss-prevention signal) become drawer events instead.
fn order_tenders(
    o: &Value,
    path: &str,
    m: &OrderMoney,
    w: &Where,
) -> Result<(Vec<Tender>, Vec<DrawerEvent>), PayloadError> {
    let mut tenders = Vec::new();
    let mut drawer = Vec::new();
    for (i, t) in array(o, path, "tenders")?.iter().enumerate() {
        let tp = format!("{path}.tenders[{i}]");
        let at = match get(t, "created_at") {
            Some(_) => utc(time(t, &tp, "created_at")?),
            None => w.created,
        };
        if opt_text(t, &tp, "type")?.as_deref() != Some("NO_SALE") {
            tenders.push(order_tender(t, &tp, m, at)?);
            continue;
        }
        let event =
            opt_text(t, &tp, "id")?.unwrap_or_else(|| format!("{}/no_sale/{i}", w.order_id));
        drawer.push(DrawerEvent {
            tenant_id: w.ctx.tenant_id.clone(),
            store_id: w.store.to_string(),
            source: SOURCE.into(),
            source_event_id: event,
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
        tenders.push(order_refund(r, &rp, m, w.created)?);
    }
    Ok((tenders, drawer))
}

/// COMPLETED is a sale; so is an OPEN order that is already paid in full (Square Online and
/// pickup orders stay OPEN until fulfilled, but the money was taken when they were paid, and
/// that is when Square's own sales reports count them). DRAFT, CANCELED and unpaid OPEN orders
/// are not sales: a later COMPLETED version replaces the row.
fn status_of(
    o: &Value,
    path: &str,
    state: &str,
    tenders: &[Tender],
    m: &OrderMoney,
) -> Result<TxnStatus, PayloadError> {
    if state == "COMPLETED" {
        return Ok(TxnStatus::Completed);
    }
    if state != "OPEN" {
        return Ok(TxnStatus::Cancelled);
    }
    let paid: Decimal = tenders
        .iter()
        .filter(|t| t.status == TenderStatus::Approved && t.amount > Decimal::ZERO)
        .map(|t| t.amount)
        .sum();
    if paid <= Decimal::ZERO {
        return Ok(TxnStatus::Cancelled);
    }
    let due = match m.opt(o, path, "net_amount_due_money")? {
        Some(due) => due,
        None => m.or_zero(o, path, "total_money")? - paid,
    };
    Ok(if due <= Decimal::ZERO {
        TxnStatus::Completed
    } else {
        TxnStatus::Cancelled
    })
}

/// Lines in Square's order: line items, service charges, then each return's items and charges.
fn order_lines(o: &Value, path: &str, m: &OrderMoney) -> Result<Vec<Line>, PayloadError> {
    let mut lines = Vec::new();
    let next = |lines: &Vec<Line>| lines.len() as i32 + 1;
    for (i, li) in array(o, path, "line_items")?.iter().enumerate() {
        let lp = format!("{path}.line_items[{i}]");
        let line = item_line(li, &lp, next(&lines), m, false)?;
        lines.push(line);
    }
    for (i, sc) in array(o, path, "service_charges")?.iter().enumerate() {
        let sp = format!("{path}.service_charges[{i}]");
        if let Some(line) = service_charge_line(sc, &sp, next(&lines), m)? {
            lines.push(line);
        }
    }
    for (r, ret) in array(o, path, "returns")?.iter().enumerate() {
        let rp = format!("{path}.returns[{r}]");
        let source_order = opt_text(ret, &rp, "source_order_id")?;
        let mut returned = Vec::new();
        for (i, li) in array(ret, &rp, "return_line_items")?.iter().enumerate() {
            let lp = format!("{rp}.return_line_items[{i}]");
            returned.push(item_line(
                li,
                &lp,
                next(&lines) + returned.len() as i32,
                m,
                true,
            )?);
        }
        for (i, sc) in array(ret, &rp, "return_service_charges")?
            .iter()
            .enumerate()
        {
            let sp = format!("{rp}.return_service_charges[{i}]");
            let no = next(&lines) + returned.len() as i32;
            returned.extend(service_charge_line(sc, &sp, no, m)?);
        }
        for mut line in returned {
            negate_as_return(&mut line);
            line.original_txn_id = source_order.clone();
            lines.push(line);
        }
    }
    Ok(lines)
}

/// Square reports returned quantities and money as positive numbers; the model signs them.
fn negate_as_return(line: &mut Line) {
    line.kind = LineKind::Return;
    line.quantity = -line.quantity;
    line.net_amount = -line.net_amount;
    line.tax = -line.tax;
}

/// One line item (or return line item).
///
/// Net = `total_money` − `total_tax_money`, right for ADDITIVE and INCLUSIVE taxes alike; a
/// line without `total_money` is gross − discount − its INCLUSIVE taxes. Apportioned service
/// charges stay inside the line's total, as Square counts them. The unit price includes the
/// modifiers (a latte with an oat-milk shot sells at base + shot).
fn item_line(
    li: &Value,
    lp: &str,
    line_no: i32,
    m: &OrderMoney,
    is_return: bool,
) -> Result<Line, PayloadError> {
    let qty = decimal(li, lp, "quantity")?;
    if qty < Decimal::ZERO {
        return Err(err(
            &join(lp, "quantity"),
            format!(
                "is {qty}: Square quantities are never negative (returns are return_line_items)"
            ),
        ));
    }
    let gross_key = if is_return {
        "gross_return_money"
    } else {
        "gross_sales_money"
    };
    let tax = m.or_zero(li, lp, "total_tax_money")?;
    let discount = m.or_zero(li, lp, "total_discount_money")?;
    let total = m.opt(li, lp, "total_money")?;
    let unit_price = unit_price(li, lp, qty, m, gross_key, total)?;
    let net = match total {
        Some(total) => total - tax,
        None => {
            let gross = match m.opt(li, lp, gross_key)? {
                Some(g) => g,
                None => checked(qty.checked_mul(unit_price), lp, "quantity")?,
            };
            gross - discount - m.inclusive_tax(li, lp)?
        }
    };
    let (raw, key) = item_id(li, lp)?;
    let name = opt_text(li, lp, "name")?;
    let description = match (name, opt_text(li, lp, "variation_name")?) {
        (Some(n), Some(v)) if !v.is_empty() => Some(format!("{n} ({v})")),
        (n, _) => n,
    };
    Ok(Line {
        line_no,
        kind: LineKind::Sale,
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: raw,
        description,
        quantity: qty,
        unit_price,
        discount,
        net_amount: net,
        tax,
        entry_method: EntryMethod::Other,
        price_override: false,
        original_txn_id: None,
        original_line_no: None,
    })
}

/// The price of one unit with its modifiers: `base_price_money` + each modifier's
/// `base_price_money` × its `quantity`. Without a base price (return line items often have
/// none), the gross, else the total, divided by the quantity.
fn unit_price(
    li: &Value,
    lp: &str,
    qty: Decimal,
    m: &OrderMoney,
    gross_key: &str,
    total: Option<Decimal>,
) -> Result<Decimal, PayloadError> {
    if let Some(base) = m.opt(li, lp, "base_price_money")? {
        return Ok(base + modifiers_per_unit(li, lp, qty, m)?);
    }
    let whole = match m.opt(li, lp, gross_key)? {
        Some(g) => Some(g),
        None => m.opt(li, lp, "variation_total_price_money")?.or(total),
    };
    match whole {
        Some(w) if !qty.is_zero() => Ok(checked(w.checked_div(qty), lp, "quantity")?
            .round_dp(exponent(&m.currency) + 4)
            .normalize()),
        _ => Ok(Decimal::ZERO),
    }
}

/// Modifier money per unit of the line (`modifiers` on sales, `return_modifiers` on returns).
fn modifiers_per_unit(
    li: &Value,
    lp: &str,
    qty: Decimal,
    m: &OrderMoney,
) -> Result<Decimal, PayloadError> {
    let mut sum = Decimal::ZERO;
    for key in ["modifiers", "return_modifiers"] {
        for (i, md) in array(li, lp, key)?.iter().enumerate() {
            let mp = format!("{lp}.{key}[{i}]");
            let per_unit = match m.opt(md, &mp, "base_price_money")? {
                Some(base) => {
                    let n = if get(md, "quantity").is_some() {
                        decimal(md, &mp, "quantity")?
                    } else {
                        Decimal::ONE
                    };
                    checked(base.checked_mul(n), &mp, "quantity")?
                }
                None => match m.opt(md, &mp, "total_price_money")? {
                    Some(t) if !qty.is_zero() => checked(t.checked_div(qty), lp, "quantity")?,
                    _ => Decimal::ZERO,
                },
            };
            sum += per_unit;
        }
    }
    Ok(sum)
}

/// Arithmetic on sender-chosen quantities can leave `Decimal`'s range (a quantity of 1e-28
/// divides a price into overflow): a 400 naming the field, never a panic.
fn checked(v: Option<Decimal>, path: &str, key: &str) -> Result<Decimal, PayloadError> {
    v.ok_or_else(|| {
        err(
            &join(path, key),
            "makes the amounts overflow: check the quantity",
        )
    })
}

/// The item: its catalog variation id, else its name (ad-hoc items), else its `item_type`
/// (a nameless custom amount is still money taken, not a reason to drop the whole order).
fn item_id(li: &Value, lp: &str) -> Result<(String, crate::sku::ItemKey), PayloadError> {
    let candidates = [
        opt_text(li, lp, "catalog_object_id")?,
        opt_text(li, lp, "name")?,
        opt_text(li, lp, "item_type")?,
        Some("CUSTOM_AMOUNT".to_string()),
    ];
    for raw in candidates.into_iter().flatten() {
        if let Some(key) = item_key(&raw) {
            return Ok((raw, key));
        }
    }
    Err(err(
        &join(lp, "catalog_object_id"),
        "holds no usable item code",
    ))
}

/// An order-level service charge (delivery fee, packaging, auto-gratuity) as a line of its
/// own, quantity 1; APPORTIONED ones are already inside the line items' totals and are skipped
/// so they are not counted twice.
fn service_charge_line(
    sc: &Value,
    sp: &str,
    line_no: i32,
    m: &OrderMoney,
) -> Result<Option<Line>, PayloadError> {
    if opt_text(sc, sp, "treatment_type")?.as_deref() == Some("APPORTIONED_TREATMENT") {
        return Ok(None);
    }
    let tax = m.or_zero(sc, sp, "total_tax_money")?;
    let charged = match m.opt(sc, sp, "applied_money")? {
        Some(a) => Some(a),
        None => m.opt(sc, sp, "amount_money")?,
    };
    let net = match (m.opt(sc, sp, "total_money")?, charged) {
        (Some(total), _) => total - tax,
        (None, Some(c)) => c,
        (None, None) => {
            return Err(err(
                &join(sp, "total_money"),
                "is missing, and so are applied_money and amount_money",
            ))
        }
    };
    let name = opt_text(sc, sp, "name")?;
    let id = opt_text(sc, sp, "catalog_object_id")?
        .or(name.clone())
        .or(opt_text(sc, sp, "uid")?)
        .unwrap_or_else(|| "charge".into());
    let raw = format!("service_charge:{id}");
    let key = item_key(&raw)
        .ok_or_else(|| err(&join(sp, "name"), format!("`{raw}` holds no usable code")))?;
    Ok(Some(Line {
        line_no,
        kind: LineKind::Sale,
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: raw,
        description: name,
        quantity: Decimal::ONE,
        unit_price: charged.unwrap_or(net),
        discount: Decimal::ZERO,
        net_amount: net,
        tax,
        entry_method: EntryMethod::Other,
        price_override: false,
        original_txn_id: None,
        original_line_no: None,
    }))
}

/// A tender of the order. `amount_money` already includes the tip and is net of the change
/// given back (`cash_details.buyer_tendered_money` is what the buyer handed over), so it is
/// taken as it is. `tender_no` comes from the payment id, as for payments sent on their own,
/// so both land on the same row.
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
    let status = match card_details
        .and_then(|c| get(c, "status"))
        .and_then(Value::as_str)
    {
        Some("VOIDED") => TenderStatus::Voided,
        Some("FAILED") => TenderStatus::Declined,
        _ => TenderStatus::Approved, // AUTHORIZED, CAPTURED, or no card
    };
    Ok(Tender {
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
    })
}

/// A refund listed on a (return) order: a negative tender keyed by the refund id, as
/// `refund()` keys the same refund sent on its own.
fn order_refund(
    r: &Value,
    rp: &str,
    m: &OrderMoney,
    order_created: chrono::DateTime<chrono::Utc>,
) -> Result<Tender, PayloadError> {
    let id = text(r, rp, "id")?;
    let amount = m
        .opt(r, rp, "amount_money")?
        .ok_or_else(|| err(&join(rp, "amount_money"), "is missing"))?;
    let at = match get(r, "created_at") {
        Some(_) => utc(time(r, rp, "created_at")?),
        None => order_created,
    };
    Ok(Tender {
        tender_no: number_from_id(&id),
        method: TenderMethod::Other,
        amount: -amount,
        status: refund_status(&text(r, rp, "status")?),
        card_fingerprint: None,
        card_bin: None,
        card_entry: None,
        occurred_at: at,
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
/// counts it.
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
        tender: Tender {
            tender_no: number_from_id(&id),
            method,
            amount,
            status,
            card_fingerprint: card_text(c, "fingerprint"),
            card_bin: card_text(c, "bin"),
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
    /// A fixture reproducing a real Square payload (see tests/data/real/square/PROVENANCE.md).
    fn real(name: &str) -> Parsed {
        let dir = std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
        let p = format!("{dir}/tests/data/real/square/{name}");
        let body = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
        parse(&Context::for_tenant("t"), &body).unwrap_or_else(|e| panic!("{name}: {e:?}"))
    }

    fn txns(p: &Parsed) -> Vec<&Transaction> {
        p.records
            .iter()
            .filter_map(|r| match r {
                Ok(Record::Txn(t)) => Some(&**t),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn completed_order_maps_modifiers_weights_adhoc_items_and_service_charges() {
        let p = real("retrieve_order_completed_mixed.json");
        let t = txn(&p);
        assert_eq!(t.status, TxnStatus::Completed);
        let got: Vec<_> = t
            .lines
            .iter()
            .map(|l| (l.quantity, l.unit_price, l.discount, l.net_amount, l.tax))
            .collect();
        assert_eq!(
            got,
            vec![
                (d("2"), d("5.25"), d("1.95"), d("8.55"), d("0.76")),
                (d("1.5"), d("24.00"), d("3.60"), d("32.40"), d("0")),
                (d("1"), d("3.00"), d("0.30"), d("2.70"), d("0.24")),
                (d("1"), d("5.00"), d("0"), d("5.00"), d("0.44")),
            ],
            "unit price includes the oat-milk modifier; 1.5 kg of beans; the delivery fee is a line"
        );
        assert_eq!(t.lines[0].description.as_deref(), Some("Latte (12 oz)"));
        assert_eq!(t.lines[2].raw_item_id, "Gift wrap");
        assert_eq!(t.lines[3].raw_item_id, "service_charge:Delivery fee");
        let net: Decimal = t.lines.iter().map(|l| l.net_amount + l.tax).sum();
        assert_eq!(net, d("50.09"), "order total 52.09 less the 2.00 tip");
    }

    #[test]
    fn order_tenders_keep_tips_ignore_cash_handed_over_and_share_the_payment_row() {
        let p = real("retrieve_order_completed_mixed.json");
        let t = txn(&p);
        let got: Vec<_> = t
            .tenders
            .iter()
            .map(|x| (x.method, x.amount, x.status, x.card_entry))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    TenderMethod::Card,
                    d("32.09"),
                    TenderStatus::Approved,
                    Some(CardEntry::Contactless)
                ),
                (TenderMethod::Cash, d("20.00"), TenderStatus::Approved, None),
            ]
        );
        assert_eq!(t.tenders[0].tender_no, number_from_id("PAY-CARD-1"));
        assert_eq!(t.tenders[0].card_bin.as_deref(), Some("411111"));
    }

    #[test]
    fn an_order_closed_after_midnight_belongs_to_the_closing_day_but_keeps_its_key_time() {
        let t = txn(&real("retrieve_order_completed_mixed.json")).clone();
        assert_eq!(t.occurred_at.to_rfc3339(), "2025-03-01T23:58:10.120+00:00");
        assert_eq!(t.business_date.to_string(), "2025-03-02");
    }

    #[test]
    fn return_order_gives_signed_return_lines_and_refund_tenders() {
        let p = real("return_order_with_refunds.json");
        let t = txn(&p);
        assert_eq!(t.status, TxnStatus::Completed);
        let got: Vec<_> = t
            .lines
            .iter()
            .map(|l| (l.kind, l.quantity, l.unit_price, l.net_amount, l.tax))
            .collect();
        assert_eq!(
            got,
            vec![
                (LineKind::Return, d("-1"), d("5.25"), d("-4.27"), d("-0.38")),
                (LineKind::Return, d("-0.5"), d("24"), d("-10.80"), d("0")),
                (LineKind::Return, d("-1"), d("5.00"), d("-5.00"), d("-0.44")),
            ],
            "a return line without base_price_money is priced from gross_return_money"
        );
        assert!(t
            .lines
            .iter()
            .all(|l| l.original_txn_id.as_deref() == Some("ORDER-MIXED-1")));
        let refunded: Decimal = t.lines.iter().map(|l| l.net_amount + l.tax).sum();
        assert_eq!(refunded, d("-20.89"), "matches return_amounts.total_money");
        let tenders: Vec<_> = t.tenders.iter().map(|x| (x.amount, x.status)).collect();
        assert_eq!(
            tenders,
            vec![
                (d("-20.89"), TenderStatus::Approved),
                (d("-1.00"), TenderStatus::Declined)
            ]
        );
        assert_eq!(t.tenders[0].tender_no, number_from_id("PAY-CARD-1_REF-A"));
    }

    #[test]
    fn search_page_maps_each_order_by_state_currency_and_tax_kind() {
        let p = real("search_orders_page.json");
        let ts = txns(&p);
        let by_id = |id: &str| *ts.iter().find(|t| t.key.source_txn_id == id).unwrap();
        let status: Vec<_> = ts
            .iter()
            .map(|t| (t.key.source_txn_id.as_str(), t.status))
            .collect();
        assert_eq!(
            status,
            vec![
                ("ORDER-JP-1", TxnStatus::Completed),
                ("ORDER-KW-1", TxnStatus::Completed),
                ("ORDER-ONLINE-1", TxnStatus::Completed),
                ("ORDER-TAB-1", TxnStatus::Cancelled),
                ("ORDER-DRAFT-1", TxnStatus::Cancelled),
                ("ORDER-CANCELED-1", TxnStatus::Cancelled),
            ],
            "a paid OPEN online order is a sale; an unpaid tab, a draft and a cancelled order are not; the no-sale is no transaction"
        );
        let jp = by_id("ORDER-JP-1");
        let jp_lines: Vec<_> = jp
            .lines
            .iter()
            .map(|l| (l.unit_price, l.net_amount, l.tax))
            .collect();
        assert_eq!(
            jp_lines,
            vec![(d("200"), d("545"), d("55")), (d("150"), d("136"), d("14"))],
            "yen have no minor unit; an INCLUSIVE tax is inside the price even without total_money"
        );
        assert_eq!(
            (jp.tenders[0].method, jp.tenders[0].amount),
            (TenderMethod::Cash, d("750")),
            "the cash tender is what was kept, not the 1000 handed over"
        );
        let kw = by_id("ORDER-KW-1");
        assert_eq!(
            (
                kw.currency.as_str(),
                kw.lines[0].unit_price,
                kw.tenders[0].method,
                kw.tenders[0].amount
            ),
            ("KWD", d("1.250"), TenderMethod::GiftCard, d("1.250"))
        );
        let cx = by_id("ORDER-CANCELED-1");
        assert_eq!(cx.tenders[0].status, TenderStatus::Voided);
        assert_eq!(by_id("ORDER-DRAFT-1").lines[0].net_amount, d("36.00"));
    }

    #[test]
    fn no_sale_order_is_a_drawer_event_not_a_transaction() {
        let p = real("search_orders_page.json");
        let drawers: Vec<_> = p
            .records
            .iter()
            .filter_map(|r| match r {
                Ok(Record::Drawer(d)) => Some(d),
                _ => None,
            })
            .collect();
        assert_eq!(drawers.len(), 1);
        assert_eq!(
            (
                drawers[0].kind,
                drawers[0].source_event_id.as_str(),
                drawers[0].store_id.as_str()
            ),
            (DrawerEventKind::NoSale, "NOSALE-T-1", "L1")
        );
        assert_eq!(p.records.len(), 7, "six transactions and one drawer event");
    }

    #[test]
    fn empty_search_pages_and_order_entries_are_not_errors() {
        let empty = real("search_orders_empty.json");
        assert!(empty.records.is_empty() && empty.fetch_orders.is_empty());
        assert_eq!(empty.kind, "orders");
        let entries = real("search_orders_entries.json");
        assert_eq!(entries.fetch_orders, vec!["ORDER-ENTRY-1", "ORDER-ENTRY-2"]);
    }

    #[test]
    fn a_square_error_answer_says_what_square_said() {
        let body = r#"{"errors":[{"category":"INVALID_REQUEST_ERROR","code":"NOT_FOUND","detail":"Order not found"}]}"#;
        let e = parse(&Context::for_tenant("t"), body).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("errors"));
        assert!(
            e.message.contains("NOT_FOUND: Order not found"),
            "{}",
            e.message
        );
    }

    #[test]
    fn cash_payment_counts_the_tip_and_not_the_cash_handed_over() {
        let r = tender(&real("payment_cash_tip.json")).clone();
        assert_eq!(
            (r.tender.method, r.tender.amount),
            (TenderMethod::Cash, d("1.50"))
        );
    }

    #[test]
    fn payment_and_refund_notifications_map_method_and_status() {
        let ext = tender(&real("webhook_payment_updated_external.json")).clone();
        assert_eq!(
            (
                ext.tender.method,
                ext.tender.amount,
                ext.currency.as_str(),
                ext.cashier_id.as_deref()
            ),
            (TenderMethod::GiftCard, d("25.00"), "EUR", Some("TM-42"))
        );
        let failed = tender(&real("webhook_payment_updated_failed.json")).clone();
        assert_eq!(
            (
                failed.tender.status,
                failed.tender.card_entry,
                failed.tender.card_bin.as_deref()
            ),
            (
                TenderStatus::Declined,
                Some(CardEntry::Swipe),
                Some("371263")
            )
        );
        let rejected = tender(&real("webhook_refund_updated_cash_rejected.json")).clone();
        assert_eq!(
            (
                rejected.tender.method,
                rejected.tender.amount,
                rejected.tender.status
            ),
            (TenderMethod::Cash, d("-7.00"), TenderStatus::Declined)
        );
    }

    #[test]
    fn order_created_notification_asks_for_the_order() {
        let p = real("webhook_order_created.json");
        assert_eq!(p.fetch_orders, vec!["eA3vssLHKJrv9H0IdJCM3gNqfdcZY"]);
        assert!(p.records.is_empty());
    }

    #[test]
    fn a_line_in_another_currency_names_the_field() {
        let body = r#"{"order":{"id":"O","location_id":"L","created_at":"2025-01-01T00:00:00Z","state":"COMPLETED",
            "total_money":{"amount":100,"currency":"USD"},
            "line_items":[{"name":"A","quantity":"1","base_price_money":{"amount":100,"currency":"EUR"}}]}}"#;
        let e = parse(&Context::for_tenant("t"), body).unwrap_err();
        assert_eq!(
            e.field.as_deref(),
            Some("order.line_items[0].base_price_money.currency")
        );
    }

    #[test]
    fn a_nameless_custom_amount_is_kept_not_rejected() {
        let body = r#"{"order":{"id":"O","location_id":"L","created_at":"2025-01-01T00:00:00Z","state":"COMPLETED",
            "line_items":[{"quantity":"1","item_type":"CUSTOM_AMOUNT","base_price_money":{"amount":700,"currency":"USD"},
            "total_money":{"amount":700,"currency":"USD"}}]}}"#;
        let p = parse(&Context::for_tenant("t"), body).unwrap();
        let t = txn(&p);
        assert_eq!(
            (t.lines[0].raw_item_id.as_str(), t.lines[0].net_amount),
            ("CUSTOM_AMOUNT", d("7.00"))
        );
    }

    #[test]
    fn apportioned_service_charges_are_not_counted_twice() {
        let body = r#"{"order":{"id":"O","location_id":"L","created_at":"2025-01-01T00:00:00Z","state":"COMPLETED",
            "line_items":[{"name":"A","quantity":"1","base_price_money":{"amount":1000,"currency":"USD"},
              "total_service_charge_money":{"amount":100,"currency":"USD"},"total_money":{"amount":1100,"currency":"USD"}}],
            "service_charges":[{"uid":"sc","name":"Large party","percentage":"10","treatment_type":"APPORTIONED_TREATMENT",
              "applied_money":{"amount":100,"currency":"USD"},"total_money":{"amount":100,"currency":"USD"}}]}}"#;
        let p = parse(&Context::for_tenant("t"), body).unwrap();
        let t = txn(&p);
        assert_eq!(t.lines.len(), 1);
        assert_eq!(t.lines[0].net_amount, d("11.00"));
    }
    #[test]
    fn a_fractional_minor_amount_names_the_field() {
        let body = sample("square_orders_RetrieveOrderResponse_example.json").replacen(
            "\"amount\": 500,",
            "\"amount\": 5.5,",
            1,
        );
        let e = parse(&Context::for_tenant("t"), &body).unwrap_err();
        assert_eq!(
            e.field.as_deref(),
            Some("order.line_items[0].base_price_money.amount")
        );
    }
    #[test]
    fn an_absurd_quantity_is_an_error_not_a_panic() {
        let body = r#"{"order":{"id":"O","location_id":"L","created_at":"2025-01-01T00:00:00Z",
            "line_items":[{"name":"A","quantity":"0.0000000000000000000000000001",
              "gross_sales_money":{"amount":9000000000000000000,"currency":"USD"}}]}}"#;
        let e = parse(&Context::for_tenant("t"), body).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("order.line_items[0].quantity"));
    }
}
