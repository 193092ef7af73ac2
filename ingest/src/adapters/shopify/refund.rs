//! Shopify refunds: each a transaction of its own, with return lines, refund tenders and
//! `order_adjustments` (shipping refunds, discrepancies).

use super::duties::{duty_items, refunded_duties, refunded_fees};
use super::order::line_of;
use super::presentment;
use super::{
    amount, business_date, is_tip, line_amount, money, negated, plus, quantity, req_money, round,
    set_currency, store_of, transaction_method, OrderFacts, SOURCE,
};
use crate::adapters::json::{self, array, get, join, opt_text, text, time, utc};
use crate::adapters::money::{exponent, spread};
use crate::adapters::{tipped, Context, PayloadError};
use chrono::{DateTime, FixedOffset};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::Value;

/// One refund line before we know whether its subtotal holds tax.
struct Returned {
    line: Line,
    /// The Shopify line item it returns, for the duties given back with it.
    item_id: String,
    qty: Decimal,
    subtotal: Decimal,
    tax: Decimal,
    duty: Decimal,
    /// Units sold for money that come back with none (a `subtotal` of 0): see `return_line`.
    zero_value: bool,
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
    let qty = quantity(rl, rp, "quantity")?;
    let item_id = text(rl, rp, "line_item_id")?;
    let mut line = match get(rl, "line_item") {
        Some(li) if is_tip(li) => return Ok(None),
        Some(li) => line_of(li, &join(rp, "line_item"), no, false)?,
        None => match order.and_then(|o| o.lines.get(&item_id)) {
            Some(l) => l.clone(),
            None if order.is_some() => return Ok(None), // a tip of the order
            None => {
                return Err(json::err(
                    &join(rp, "line_item"),
                    format!("is missing and no order in this payload has line item `{item_id}`"),
                ))
            }
        },
    };
    let (discount, prorated_tax) = prorated(&line, qty, &join(rp, "quantity"))?;
    let sold_for = qty * line.unit_price - discount;
    let subtotal = money(rl, rp, "subtotal")?.unwrap_or(sold_for);
    let tax = money(rl, rp, "total_tax")?.unwrap_or(prorated_tax);
    let zero_value = subtotal.is_zero() && sold_for > Decimal::ZERO;
    line.line_no = no;
    line.original_line_no = order.and_then(|o| o.lines.get(&item_id)).map(|l| l.line_no);
    Ok(Some(Returned {
        line,
        item_id,
        qty,
        subtotal,
        tax,
        duty: Decimal::ZERO,
        zero_value,
    }))
}

/// What a refund line of a tip (one `returned` leaves out) gives back, and the field it was
/// read from: its `subtotal`, else its quantity × the tip's price (the nested `line_item`'s,
/// else the order's tip line's). `None` when that is not known, or when the line names no
/// line item of the order at all (no sale line, and no tip line either): then it is not known
/// to be a tip.
fn refunded_tip(
    rl: &Value,
    rp: &str,
    order: Option<&OrderFacts>,
) -> Result<Option<(Decimal, String)>, PayloadError> {
    let price = match get(rl, "line_item") {
        Some(li) => {
            let lp = join(rp, "line_item");
            money(li, &lp, "price")?.map(|p| (p, join(&lp, "price")))
        }
        None => {
            let item_id = text(rl, rp, "line_item_id")?;
            match order.and_then(|o| o.tips.get(&item_id)) {
                Some(p) => Some((*p, join(rp, "quantity"))),
                None => return Ok(None),
            }
        }
    };
    if let Some(subtotal) = money(rl, rp, "subtotal")? {
        return Ok(Some((subtotal, join(rp, "subtotal"))));
    }
    let qty = quantity(rl, rp, "quantity")?;
    Ok(price.map(|(p, field)| (qty * p, field)))
}

/// Puts the tip the refund gives back (`tips`: what its tip lines give back, `None` when one of
/// them is not known) on its refund tender, negative as the tender is. Only when the refund
/// has one approved tender: with several, which of them paid the tip back is not said, so
/// their tips stay 0. A tip beyond that tender's money is an error naming where it was read.
fn give_back_tip(
    tenders: &mut [Tender],
    tips: Option<(Decimal, String)>,
) -> Result<(), PayloadError> {
    let Some((tip, field)) = tips.filter(|(t, _)| !t.is_zero()) else {
        return Ok(());
    };
    let mut approved = tenders
        .iter_mut()
        .filter(|t| t.status == TenderStatus::Approved);
    let (Some(t), None) = (approved.next(), approved.next()) else {
        return Ok(());
    };
    t.tip = negated(tip);
    *t = tipped(t.clone(), &field)?;
    Ok(())
}

/// The line's discount and tax on `qty` of its units, checked (`line_amount`): `qty` over a
/// line of a tiny quantity (quantities are bounded above, not below) is a share out of all
/// proportion, an error naming the refunded quantity rather than a panic.
fn prorated(line: &Line, qty: Decimal, field: &str) -> Result<(Decimal, Decimal), PayloadError> {
    if line.quantity.is_zero() {
        return Ok((Decimal::ZERO, Decimal::ZERO));
    }
    let share = qty.checked_div(line.quantity);
    let part = |x: Decimal| line_amount(share.and_then(|s| x.checked_mul(s)), field);
    Ok((part(line.discount)?, part(line.tax)?))
}

/// A refund transaction's amount as it is written: in the shop currency
/// (`amount_set.shop_money`, else `amount` when its `currency` is the shop's), or in the
/// customer's, as REST transactions are when the order was paid in another currency.
enum Paid {
    Shop(Decimal),
    Customer(Decimal, String),
}

fn refund_amount(x: &Value, xp: &str, shop_currency: &str) -> Result<Paid, PayloadError> {
    if let Some(m) = get(x, "amount_set").and_then(|s| get(s, "shop_money")) {
        return amount(m, &join(xp, "amount_set.shop_money"), "amount").map(Paid::Shop);
    }
    let a = amount(x, xp, "amount")?;
    Ok(match opt_text(x, xp, "currency")? {
        Some(c) if c != shop_currency => Paid::Customer(a, c),
        _ => Paid::Shop(a),
    })
}

/// Refund tenders (negative). Only `kind: refund` moves money back; a `void` releases an
/// authorization that was never captured. Transactions in the customer's currency get their
/// shop value from the refund's own parts (see `presentment`).
fn refund_tenders(
    r: &Value,
    path: &str,
    currency: &str,
    at: DateTime<FixedOffset>,
) -> Result<Vec<Tender>, PayloadError> {
    let mut tenders = Vec::new();
    let mut foreign = Vec::new();
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
        let amount = match refund_amount(x, &xp, currency)? {
            Paid::Shop(a) => a,
            Paid::Customer(a, c) => {
                foreign.push(Foreign {
                    at: tenders.len(),
                    approved: status == TenderStatus::Approved,
                    amount: a,
                    currency: c,
                    path: xp.clone(),
                });
                Decimal::ZERO // its shop value is set below
            }
        };
        tenders.push(Tender {
            tender_no: i as i32 + 1,
            method: transaction_method(x, opt_text(x, &xp, "gateway")?.as_deref().unwrap_or("")),
            amount: negated(amount),
            status,
            card_fingerprint: None,
            // The card the money went back to, as a payment transaction names it (a POS refund
            // to the MasterCard that paid: `credit_card_bin` 552490); never the masked number.
            card_bin: super::transaction::card_bin(x),
            card_entry: None,
            occurred_at: utc(at),
            tip: Decimal::ZERO,
        });
    }
    in_shop_money(r, path, currency, &mut tenders, &foreign)?;
    Ok(tenders)
}

/// A refund transaction written in the customer's currency: where its tender is, and what it
/// says.
struct Foreign {
    at: usize,
    approved: bool,
    amount: Decimal,
    currency: String,
    path: String,
}

/// Gives the tenders of transactions in the customer's currency their shop value: the
/// refund's parts in shop money (`presentment::worth`), when the approved ones add up to those
/// parts in the customer's money, shared between them in proportion (the last taking the
/// rounding rest), and at the same rate for a declined one. Otherwise (parts without their
/// `*_set`, a part the refund does not list, two customer currencies) an error naming the
/// first such transaction's `amount`, as before: a number in the wrong currency would be
/// added into the shop's takings.
fn in_shop_money(
    r: &Value,
    path: &str,
    currency: &str,
    tenders: &mut [Tender],
    foreign: &[Foreign],
) -> Result<(), PayloadError> {
    let Some(first) = foreign.first() else {
        return Ok(());
    };
    let paid: Decimal = foreign
        .iter()
        .filter(|f| f.approved)
        .map(|f| f.amount)
        .sum();
    let one_currency = foreign.iter().all(|f| f.currency == first.currency);
    let total = match presentment::worth(r, path)? {
        Some(w) if one_currency => w.shop_total(&first.currency, paid),
        _ => None,
    };
    let Some(total) = total.filter(|_| !paid.is_zero()) else {
        return Err(json::err(
            &join(&first.path, "amount"),
            format!(
                "is in {}, not the shop currency {currency}, `amount_set.shop_money` is missing, and the refund's lines, duties, fees and adjustments do not add up to its transactions in {} (their `*_set` give both currencies)",
                first.currency, first.currency
            ),
        ));
    };
    let shares: Vec<&Foreign> = foreign.iter().filter(|f| f.approved).collect();
    let weights: Vec<Decimal> = shares.iter().map(|f| f.amount).collect();
    for (f, share) in shares
        .iter()
        .zip(spread(total, &weights, exponent(currency)))
    {
        tenders[f.at].amount = negated(share);
    }
    for f in foreign.iter().filter(|f| !f.approved) {
        tenders[f.at].amount = negated(round(f.amount * total / paid, currency));
    }
    Ok(())
}

/// Puts the refund's `duties[]` on the return lines of their line items (known from the order,
/// or from the refund's nested `line_item`s) and returns all the duty money given back. A
/// duty refunded without its goods has no return line: like a shipping refund, it is in the
/// refund's tenders only.
fn give_back_duties(
    items: &mut [Returned],
    r: &Value,
    path: &str,
    order: Option<&OrderFacts>,
) -> Result<Decimal, PayloadError> {
    let refunded = refunded_duties(r, path)?;
    if refunded.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let mut owner = order.map(|o| o.duty_items.clone()).unwrap_or_default();
    let list = array(r, path, "refund_line_items")?;
    let nested = list.iter().enumerate().filter_map(|(i, rl)| {
        let lp = join(path, &format!("refund_line_items[{i}].line_item"));
        get(rl, "line_item").map(|li| (li, lp))
    });
    owner.extend(duty_items(nested)?);
    let mut all = Decimal::ZERO;
    for (duty_id, amount) in refunded {
        all += amount;
        let item = owner.get(&duty_id);
        if let Some(x) = items.iter_mut().find(|x| Some(&x.item_id) == item) {
            x.duty += amount;
        }
    }
    Ok(all)
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

/// The entries of a refund's `refund_shipping_lines[]` (since 2024-10 the shipping it gives
/// back, `subtotal_amount_set` and `tax_amount_set`, as Shopify's 2025-04 and 2025-07 REST
/// Refund fixtures show; before, an `order_adjustments` entry of kind `shipping_refund`), with
/// their paths. None when the refund's `order_adjustments` name a `shipping_refund`: its
/// shipping is there already, and counted once.
pub(super) fn shipping_lines<'a>(
    r: &'a Value,
    path: &str,
) -> Result<Vec<(&'a Value, String)>, PayloadError> {
    for (i, a) in array(r, path, "order_adjustments")?.iter().enumerate() {
        let ap = join(path, &format!("order_adjustments[{i}]"));
        if opt_text(a, &ap, "kind")?.as_deref() == Some("shipping_refund") {
            return Ok(vec![]);
        }
    }
    Ok(array(r, path, "refund_shipping_lines")?
        .iter()
        .enumerate()
        .map(|(i, s)| (s, join(path, &format!("refund_shipping_lines[{i}]"))))
        .collect())
}

/// The shipping a refund gives back (`shipping_lines`), its subtotal and its tax in shop money.
fn refunded_shipping(r: &Value, path: &str) -> Result<(Decimal, Decimal), PayloadError> {
    let (mut subtotal, mut tax) = (Decimal::ZERO, Decimal::ZERO);
    for (s, sp) in shipping_lines(r, path)? {
        subtotal += money(s, &sp, "subtotal_amount")?.unwrap_or_default();
        tax += money(s, &sp, "tax_amount")?.unwrap_or_default();
    }
    Ok((subtotal, tax))
}

/// A refund alone does not say whether the shop's prices include tax. Its transactions (less
/// the tips they give back) do: they add up to the refund's subtotals (tax-inclusive) or
/// subtotals plus tax, each with the money beyond the lines: `shipping`, the subtotal and tax
/// of the shipping it gives back (read as the lines' are), and `adjusted`, in Shopify's sign
/// (negative is money back), the `order_adjustments` less the duties and additional fees given
/// back.
fn infer_taxes_included(
    items: &[Returned],
    shipping: (Decimal, Decimal),
    adjusted: Decimal,
    tenders: &[Tender],
) -> bool {
    let subtotal: Decimal = items.iter().map(|x| x.subtotal).sum::<Decimal>() + shipping.0;
    let tax: Decimal = items.iter().map(|x| x.tax).sum::<Decimal>() + shipping.1;
    // Less the tips given back: a tip is no line.
    let paid: Decimal = -tenders
        .iter()
        .filter(|t| t.status == TenderStatus::Approved)
        .map(|t| t.amount - t.tip)
        .sum::<Decimal>();
    !tax.is_zero() && paid == subtotal - adjusted && paid != subtotal + tax - adjusted
}

/// The shop currency of a refund delivered alone: a `*_set.shop_money` in it (its lines', its
/// adjustments', its shipping lines'), else the store's configured currency, else its
/// transactions' currency, else the default one. The configured currency comes before the
/// transactions': a REST transaction's `currency` is the customer's (presentment) one, so a
/// refund with no shop money on its lines (duty or fee only) of a USD shop paid in CAD would be
/// booked in CAD, with CAD tenders added into the store's USD takings. Read against the
/// configured currency, the CAD transaction without `amount_set` is the error naming its
/// `amount` (`refund_amount`).
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
    for (s, sp) in shipping_lines(r, path)? {
        if let Some(c) = set_currency(s, &sp, "subtotal_amount_set")? {
            return Ok(c);
        }
    }
    if let Some(c) = ctx.store_currency.get(store) {
        return Ok(c.clone());
    }
    for (i, x) in array(r, path, "transactions")?.iter().enumerate() {
        if let Some(c) = opt_text(x, &join(path, &format!("transactions[{i}]")), "currency")? {
            return Ok(c);
        }
    }
    Ok(ctx.currency_of(store))
}

/// The refund's store: where its money moved, the first of its transactions' `location_id`
/// mapped through `[shopify] locations` (a POS return names its location there), else the
/// shop's store. It is read from the refund alone, never from its order, because the same
/// refund arrives both ways (`refunds/create`, and nested in the next `orders/updated`) and the
/// store is part of the transaction's key: falling back to the order's store when nested but to
/// the shop's when alone wrote a refund of a POS sale made in the admin (no location on its
/// transactions) as two rows, its return counted twice. So a POS sale refunded in the admin is
/// a return of the shop's store, where it was made, not of the till that sold it. The
/// `refund_line_items[].location_id` is not read: it is where the goods were restocked (often
/// a retail store fulfilling online orders), not where the refund was made.
fn refund_store(
    ctx: &Context,
    r: &Value,
    path: &str,
    shop_store: &str,
) -> Result<String, PayloadError> {
    let mut location = None;
    for (i, x) in array(r, path, "transactions")?.iter().enumerate() {
        location = opt_text(x, &join(path, &format!("transactions[{i}]")), "location_id")?;
        if location.is_some() {
            break;
        }
    }
    Ok(store_of(ctx, location, shop_store))
}

/// The refund's register: the till its money moved at, the first `device_id` of its
/// transactions (a POS return: the device the return was rung on, as an order's `device_id`
/// is its register); none for a refund made in the admin. Read from the refund alone, like its
/// store, so the refund nested in its order and delivered alone agree.
fn refund_register(r: &Value, path: &str) -> Result<Option<String>, PayloadError> {
    for (i, x) in array(r, path, "transactions")?.iter().enumerate() {
        let device = opt_text(x, &join(path, &format!("transactions[{i}]")), "device_id")?;
        if device.is_some() {
            return Ok(device);
        }
    }
    Ok(None)
}

/// The return line (negative quantity, net and tax) of a refunded line item. Its discount is
/// what the returned units' price exceeds the refunded subtotal by (the sale's discount on
/// them). A `subtotal` of 0 for units that were sold for money (Shopify's reference example:
/// `no_restock`, the money refunded apart from the line) gives the goods back without money:
/// booked at a price of 0 (`price_override`), not as a discount of their whole price, which
/// would inflate the discounts given back. With `duties_included` (the order's prices held the
/// duties) the duty given back with the line comes out of its net, as its tax does with
/// `taxes_included`.
fn return_line(
    x: Returned,
    (taxes_included, duties_included): (bool, bool),
    order_id: &str,
) -> Line {
    let mut line = x.line;
    let mut net = if taxes_included {
        x.subtotal - x.tax
    } else {
        x.subtotal
    };
    if duties_included {
        net -= x.duty;
    }
    if x.zero_value {
        line.unit_price = Decimal::ZERO;
        line.price_override = true;
    }
    line.kind = LineKind::Return;
    line.quantity = negated(x.qty);
    line.discount = x.qty * line.unit_price - x.subtotal;
    line.net_amount = negated(net);
    line.tax = negated(x.tax + x.duty);
    line.original_txn_id = Some(order_id.to_string());
    line
}

/// The refund's `source_version`. Delivered alone it is its `created_at`. Nested in its order
/// it is one past the later of that and the order's `updated_at`, so it is strictly newer than
/// the same refund delivered alone (the writer replaces only a strictly newer version) even
/// when Shopify stamps the cancellation and its refund with the same instant: the order's
/// view (its cancellation, its `taxes_included`) replaces what the refund alone could not
/// know, whichever webhook came first. A refund does not change, so a later order version
/// rewriting it at a higher version writes the same content.
fn refund_version(created: DateTime<FixedOffset>, order: Option<&OrderFacts>) -> i64 {
    let created = utc(created).timestamp_millis();
    match order {
        Some(o) => created.max(o.version) + 1,
        None => created,
    }
}

/// A refund as its own transaction of return lines (negative) and refund tenders (negative).
/// The refunds of a cancelled order take its status: the order is out of the sales already, so
/// its refunds must not be subtracted again. That is the only way a refund leaves the sales:
/// `restock_type: cancel` says the refunded units were unfulfilled (Shopify's
/// `RefundLineItemRestockType`), not that the order was cancelled, so such a refund of a live
/// order is a return like any other (and the refund Shopify makes when it cancels an order is
/// `no_restock`).
pub(super) fn refund(
    ctx: &Context,
    r: &Value,
    path: &str,
    shop_store: &str,
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
    let store = refund_store(ctx, r, path, shop_store)?;
    let currency = match order {
        Some(o) => o.currency.clone(),
        None => refund_currency(ctx, r, path, &store)?,
    };
    let mut items = Vec::new();
    // The tips given back: none yet; `None` once one of them is not known.
    let mut tips = Some((Decimal::ZERO, String::new()));
    for (i, rl) in array(r, path, "refund_line_items")?.iter().enumerate() {
        let rp = join(path, &format!("refund_line_items[{i}]"));
        match returned(rl, &rp, i as i32 + 1, order)? {
            Some(x) => items.push(x),
            None => {
                tips = match (tips, refunded_tip(rl, &rp, order)?) {
                    (Some((sum, first)), Some((tip, field))) => {
                        let first = if first.is_empty() {
                            field.clone()
                        } else {
                            first
                        };
                        Some((plus(sum, tip, &field)?, first))
                    }
                    _ => None,
                }
            }
        }
    }
    let back = give_back_duties(&mut items, r, path, order)?;
    let mut tenders = refund_tenders(r, path, &currency, at)?;
    give_back_tip(&mut tenders, tips)?;
    let taxes_included = match order {
        Some(o) => o.taxes_included,
        None => {
            let other = adjustments(r, path)? - back - refunded_fees(r, path)?;
            infer_taxes_included(&items, refunded_shipping(r, path)?, other, &tenders)
        }
    };
    // A refund alone does not say whether the prices held the duties: added on top, as by
    // default; nested, its order says (`duties_included`).
    let duties_included = order.is_some_and(|o| o.duties_included);
    let lines = items
        .into_iter()
        .map(|x| return_line(x, (taxes_included, duties_included), &order_id))
        .collect::<Vec<_>>();
    let status = match order {
        Some(o) => o.status,
        None => TxnStatus::Completed,
    };
    let version = refund_version(created, order);
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
        register_id: refund_register(r, path)?,
        cashier_id: opt_text(r, path, "user_id")?,
        customer_id: None,
        status,
        currency,
        lines,
        tenders,
    })
}
