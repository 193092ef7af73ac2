//! Shopify orders: their sale lines (discounts, taxes, item codes), order edits, order-level
//! discounts spread over the lines, the order's status and its tender.

use super::duties::{duty_items, kept_share, line_duties, spread_order_duties};
use super::order_tax::spread_order_tax;
use super::rounding;
use super::{
    business_date, flag, is_tip, money, plus, quantity, req_money, round, set_currency, store_of,
    tender_method, OrderFacts, SOURCE,
};
use crate::adapters::json::{self, array, get, join, opt_text, text, time, utc};
use crate::adapters::money::{exponent, spread};
use crate::adapters::{tipped, Context, PayloadError};
use crate::config::ShopifyTenders;
use crate::sku::item_key;
use chrono::{DateTime, FixedOffset};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashMap;

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

/// The item code: the SKU, else the variant, else the product, else (a custom item rung up
/// without a product) its title. Shopify ids are prefixed so that an 8-, 12- or 13-digit id is
/// never taken for a barcode. A SKU with no item code in it (merchants type `-` or `.` for "no
/// SKU") is no SKU: the line falls through to its variant, rather than an error that would
/// reject the order (and in a REST page every order with it).
fn raw_item(li: &Value, path: &str) -> Result<String, PayloadError> {
    if let Some(s) = opt_text(li, path, "sku")?.filter(|s| item_key(s).is_some()) {
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
    Err(json::err(
        &join(path, "sku"),
        "is empty and the line has no variant_id, product_id or title",
    ))
}

/// A sale line. With `taxes_included` Shopify's prices hold the tax; our net amounts never do.
/// A `gift_card` line item is a gift card sold: not revenue (Shopify's sales reports leave it
/// out), though paid for.
pub(super) fn line_of(
    li: &Value,
    path: &str,
    line_no: i32,
    taxes_included: bool,
) -> Result<Line, PayloadError> {
    let qty = quantity(li, path, "quantity")?;
    let price = req_money(li, path, "price")?;
    let discount = allocations(li, path)?;
    let tax = taxes(li, path)?;
    let raw = raw_item(li, path)?;
    let key = item_key(&raw).ok_or_else(|| {
        json::err(
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
        // A gift card sold: Shopify counts it when it is spent, not here.
        non_revenue: flag(li, "gift_card"),
        original_txn_id: None,
        original_line_no: None,
    })
}

/// Quantities refunded per line item id, over the refunds nested in an order. `None` when a
/// refund cannot be read: that refund is rejected on its own, and without it a refund would be
/// taken for an edit.
fn refunded_quantities(o: &Value, path: &str) -> Option<HashMap<String, Decimal>> {
    let mut out = HashMap::new();
    for r in array(o, path, "refunds").ok()? {
        for rl in array(r, "", "refund_line_items").ok()? {
            let id = text(rl, "", "line_item_id").ok()?;
            *out.entry(id).or_default() += quantity(rl, "", "quantity").ok()?;
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
    if get(li, "current_quantity").is_none() {
        return Ok(());
    }
    let current = quantity(li, path, "current_quantity")?;
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
    let weights: Vec<Decimal> = lines.iter().map(|l| l.quantity * l.unit_price).collect();
    let field = join(path, "total_discounts");
    for (l, part) in lines
        .iter_mut()
        .zip(spread(rest, &weights, exponent(currency)))
    {
        l.discount = plus(l.discount, part, &field)?;
        l.net_amount = plus(l.net_amount, -part, &field)?;
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

/// The method of the order's one tender. `payment_gateway_names` lists every gateway the order
/// was paid through (a POS sale paid partly in cash and partly by card names both) but not how
/// much each took: when they are not all of one method the mix is unknown, so `other`, never
/// all the money as the first gateway's (a drawer counted short by the card's part). Without
/// the list, the older single `gateway`.
fn gateways_method(o: &Value, path: &str) -> Result<TenderMethod, PayloadError> {
    let methods: Vec<TenderMethod> = array(o, path, "payment_gateway_names")?
        .iter()
        .filter_map(Value::as_str)
        .filter(|g| !g.trim().is_empty())
        .map(tender_method)
        .collect();
    match methods.split_first() {
        None => Ok(tender_method(
            &opt_text(o, path, "gateway")?.unwrap_or_default(),
        )),
        Some((first, rest)) if rest.iter().all(|m| m == first) => Ok(*first),
        Some(_) => Ok(TenderMethod::Other),
    }
}

/// The money received for the order. The order object names the gateway and totals but not
/// its payment transactions: a paid order gets one tender for `total_price` (tips and shipping
/// included; its method from the gateways), a partially paid one for what is no longer
/// outstanding; refunds are tenders of the refunds. Pending and authorized orders have
/// received nothing yet. Only with `[shopify] tenders = "order"`: otherwise the order's
/// transactions are its tenders.
///
/// The tender of a paid order holds all the order's tips (`order_tips`), as `total_price`
/// does. A partially paid order's tender is only part of `total_price`, and whether its tip is
/// in that part is not said: its tip is 0.
fn order_tender(
    o: &Value,
    path: &str,
    financial: &str,
    at: DateTime<FixedOffset>,
) -> Result<Option<Tender>, PayloadError> {
    let (amount, tip) = match financial {
        "paid" | "partially_refunded" | "refunded" => {
            (req_money(o, path, "total_price")?, order_tips(o, path)?)
        }
        "partially_paid" => match money(o, path, "total_outstanding")? {
            Some(out) => (req_money(o, path, "total_price")? - out, None),
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    let tender = Tender {
        tender_no: 1,
        method: gateways_method(o, path)?,
        amount,
        status: TenderStatus::Approved,
        card_fingerprint: None,
        card_bin: None,
        card_entry: None,
        occurred_at: utc(at),
        tip: tip.as_ref().map_or(Decimal::ZERO, |(t, _)| *t),
    };
    match tip {
        Some((_, field)) => tipped(tender, &field).map(Some),
        None => Ok(Some(tender)),
    }
}

/// The order's tips and the field they were read from: its tip line items (`tip_payment_gateway`,
/// `price` × `quantity`; a tip is never discounted), else `total_tip_received` ("the sum of all
/// the tips in the order"), else none. The tip lines come first: they are what the order's
/// `total_price` was made of, and what its refunds give back.
fn order_tips(o: &Value, path: &str) -> Result<Option<(Decimal, String)>, PayloadError> {
    let mut sum = None;
    let mut field = String::new();
    for (i, li) in array(o, path, "line_items")?.iter().enumerate() {
        if !is_tip(li) {
            continue;
        }
        let lp = join(path, &format!("line_items[{i}]"));
        let tip = plus(
            sum.unwrap_or_default(),
            quantity(li, &lp, "quantity")? * req_money(li, &lp, "price")?,
            &join(&lp, "price"),
        )?;
        if sum.is_none() {
            field = join(&lp, "price");
        }
        sum = Some(tip);
    }
    if let Some(tip) = sum {
        return Ok(Some((tip, field)));
    }
    Ok(money(o, path, "total_tip_received")?.map(|t| (t, join(path, "total_tip_received"))))
}

/// The price of each tip line item, by its id, for the refunds that give a tip back. A tip
/// line without an id or a price is left out (its refund's tip is then not known).
fn tip_prices(o: &Value, path: &str) -> Result<HashMap<String, Decimal>, PayloadError> {
    let mut out = HashMap::new();
    for (i, li) in array(o, path, "line_items")?.iter().enumerate() {
        if !is_tip(li) {
            continue;
        }
        let lp = join(path, &format!("line_items[{i}]"));
        if let (Some(id), Some(price)) = (opt_text(li, &lp, "id")?, money(li, &lp, "price")?) {
            out.insert(id, price);
        }
    }
    Ok(out)
}

/// An order, and what its refunds need from it.
pub(super) fn order(
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
    let duties_included = flag(o, "duties_included");
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
    spread_order_tax(&mut lines, &sources, o, path, &currency, taxes_included)?;
    let mut by_id = HashMap::new();
    let mut any_duty = false;
    for (line, (li, lp)) in lines.iter_mut().zip(&sources) {
        let item_id = text(li, lp, "id")?;
        if let Some(r) = &refunded {
            let back = r.get(&item_id).copied();
            apply_edits(line, li, lp, back, taxes_included, &currency)?;
        }
        // Refunds read the line without its duty: they give duties back on their own.
        by_id.insert(item_id, line.clone());
        let (duty, _) = line_duties(li, lp)?;
        any_duty |= !duty.is_zero();
        let duty = kept_share(
            duty,
            line.quantity,
            quantity(li, lp, "quantity")?,
            &currency,
        );
        line.tax += duty;
        if duties_included {
            line.net_amount -= duty;
        }
    }
    if !any_duty {
        spread_order_duties(&mut lines, o, path, &currency, duties_included)?;
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
        currency: currency.clone(),
        taxes_included,
        duties_included,
        status,
        version: utc(updated).timestamp_millis(),
        lines: by_id,
        duty_items: duty_items(sources.iter().map(|(li, lp)| (*li, lp.clone())))?,
        tips: tip_prices(o, path)?,
    };
    let tenders = match ctx.shopify_tenders {
        ShopifyTenders::Order => rounding::order_tenders(
            order_tender(o, path, &financial, at)?,
            rounding::payment_adjustment(o, path, &currency)?,
            &id,
        ),
        // Its transactions are the tenders (transaction.rs): none here, so that a new
        // version of the order leaves them alone and nothing is counted twice. Its cash
        // rounding is written beside them (`order_payload`).
        ShopifyTenders::Transactions => vec![],
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
        tenders,
    };
    Ok((t, facts))
}
