//! Refunds and credits (manual refunds) of an order: negative tenders and return lines.
//!
//! A refund's `amount` is the total refunded, tax and tip included, with `taxAmount` and
//! `tipAmount` its parts (Android SDK `payments.Refund`). The goods returned are
//! `amount − taxAmount − tipAmount`: on the line items the refund names (`lineItems`, a
//! line-item refund; spread over them in proportion to their net), else on one line `refund`
//! (an amount refund). The tip goes back through the tender only, as tips are never in lines:
//! the refund tender's `tip` is `−tipAmount` (part of its `−amount`).
//! A credit is money given back without a sale (`credits`): a return line `credit`.
//! Amounts are turned negative with `money::negated`: a refund without tax (`taxAmount` 0 or
//! absent) gave its return lines a tax of "-0.00" (`-x` of a zero keeps a sign in `Decimal`).

use super::lines::spread_largest_last;
use super::lines::Sale;
use super::read::{elements, flag, millis, money, opt_positive_money};
use super::refund_charge::{charge_back, charge_return, ChargeBack};
use super::tenders::{how_paid, Paid};
use crate::adapters::json::{err, join, opt_text, text};
use crate::adapters::money::{exponent, negated, unsigned_zero};
use crate::adapters::{number_from_id, PayloadError};
use crate::sku::item_key;
use chrono::{DateTime, Utc};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashMap;

/// What refunds and credits read from the order around them.
pub struct Around<'a> {
    pub order_id: &'a str,
    pub currency: &'a str,
    pub created: DateTime<Utc>,
    pub sales: &'a [Sale],
    pub paid: &'a HashMap<String, Paid>,
}

#[derive(Debug, Default)]
pub struct Returned {
    pub lines: Vec<Line>,
    pub tenders: Vec<Tender>,
    /// Each refund or credit: its id, when it was made, and the numbers of its lines and its
    /// tender, so that one made on another day can land on that day (`order::split_refunds`).
    pub each: Vec<Refund>,
}

#[derive(Debug)]
pub struct Refund {
    pub id: String,
    /// Its `createdTime`; without one it stays with the order.
    pub at: Option<DateTime<Utc>>,
    pub line_nos: Vec<i32>,
    pub tender_no: i32,
}

pub fn refunds_and_credits(o: &Value, path: &str, a: &Around) -> Result<Returned, PayloadError> {
    let mut out = Returned::default();
    let mut seen = Vec::new();
    for (key, credit) in [("refunds", false), ("credits", true)] {
        let (list, lp) = elements(o, path, key)?;
        for (i, r) in list.iter().enumerate() {
            let rp = format!("{lp}[{i}]");
            seen.push(text(r, &rp, "id")?);
            one(&mut out, r, &rp, credit, None, a)?;
        }
    }
    nested_refunds(&mut out, o, path, &seen, a)?;
    Ok(out)
}

/// Refunds listed under their payment (`payments[].refunds`, the Payment object's own list,
/// there when an order is fetched with `expand=payments.refunds` instead of `refunds`): each
/// once, those already on the order skipped, the payment they sit under being the one refunded.
fn nested_refunds(
    out: &mut Returned,
    o: &Value,
    path: &str,
    seen: &[String],
    a: &Around,
) -> Result<(), PayloadError> {
    let (pays, pl) = elements(o, path, "payments")?;
    let mut seen = seen.to_vec();
    for (i, p) in pays.iter().enumerate() {
        let pp = format!("{pl}[{i}]");
        let parent = opt_text(p, &pp, "id")?;
        let (list, lp) = elements(p, &pp, "refunds")?;
        for (k, r) in list.iter().enumerate() {
            let rp = format!("{lp}[{k}]");
            let id = text(r, &rp, "id")?;
            if !seen.contains(&id) {
                seen.push(id);
                one(out, r, &rp, false, parent.as_deref(), a)?;
            }
        }
    }
    Ok(())
}

/// One refund or credit: its tender and return lines, and a note of which they are (for
/// `order::split_refunds`).
fn one(
    out: &mut Returned,
    r: &Value,
    rp: &str,
    credit: bool,
    parent: Option<&str>,
    a: &Around,
) -> Result<(), PayloadError> {
    let id = text(r, rp, "id")?;
    let (tender, made, back) = tender_of(r, rp, &id, parent, a)?;
    let lines = if tender.status == TenderStatus::Approved {
        let first_no = a.sales.len() as i32 + out.lines.len() as i32 + 1;
        return_lines(r, rp, &id, credit, &back, first_no, a)?
    } else {
        vec![]
    };
    out.each.push(Refund {
        id,
        at: made,
        line_nos: lines.iter().map(|l| l.line_no).collect(),
        tender_no: tender.tender_no,
    });
    out.tenders.push(tender);
    out.lines.extend(lines);
    Ok(())
}

/// What a refund gave back beside its tip: goods, their tax, and a service charge.
struct Back {
    goods: Decimal,
    tax: Decimal,
    charge: Option<ChargeBack>,
}

/// A refund's tender, its own `createdTime`, and what it gave back.
type Given = (Tender, Option<DateTime<Utc>>, Back);

/// The negative tender of a refund or credit (at its `createdTime`, else the order's), that
/// `createdTime`, and what it gave back: the goods (`amount − taxAmount − tipAmount −
/// serviceChargeAmount.amount`), their tax, and the service charge (refund_charge.rs).
fn tender_of(
    r: &Value,
    rp: &str,
    id: &str,
    parent: Option<&str>,
    a: &Around,
) -> Result<Given, PayloadError> {
    let amount = money(r, rp, "amount", a.currency)?;
    if amount < Decimal::ZERO {
        return Err(err(
            &join(rp, "amount"),
            "is negative: Clover writes refunds as positive amounts",
        ));
    }
    let tax = opt_positive_money(r, rp, "taxAmount", a.currency)?;
    let tip = opt_positive_money(r, rp, "tipAmount", a.currency)?;
    if tax + tip > amount {
        // Parts of `amount`: more than it would return goods as a sale of them.
        return Err(err(
            &join(rp, "taxAmount"),
            format!("{tax} with the tip {tip} is more than the refund's amount {amount}"),
        ));
    }
    let charge = charge_back(r, rp, a.currency)?;
    let service = charge.as_ref().map_or(Decimal::ZERO, |c| c.amount);
    if tax + tip + service > amount {
        return Err(err(
            &join(rp, "serviceChargeAmount.amount"),
            format!(
                "{service} with the tax {tax} and the tip {tip} is more than the refund's \
                 amount {amount}"
            ),
        ));
    }
    let status = status(r, rp)?;
    let payment = super::read::ref_id(r, rp, "payment")?.or(parent.map(str::to_string));
    let (method, bin) = match payment.as_ref().and_then(|p| a.paid.get(p)) {
        Some(p) => (p.method, p.bin.clone()),
        None => {
            let (m, b, _) = how_paid(r, rp)?;
            (m, b)
        }
    };
    let made = millis(r, rp, "createdTime")?;
    let tender = Tender {
        tender_no: number_from_id(id),
        method,
        amount: negated(amount),
        status,
        card_fingerprint: None,
        card_bin: bin,
        card_entry: None,
        occurred_at: made.unwrap_or(a.created),
        tip: negated(tip),
    };
    let back = Back {
        goods: amount - tax - tip - service,
        tax,
        charge,
    };
    Ok((tender, made, back))
}

/// The return lines of an approved refund (numbered from `first_no`): on the line items it
/// names, spread by their net; else one line `refund` (or `credit`) for the amount (none when
/// the refund gave back only a service charge); then the service charge given back.
fn return_lines(
    r: &Value,
    rp: &str,
    id: &str,
    credit: bool,
    back: &Back,
    first_no: i32,
    a: &Around,
) -> Result<Vec<Line>, PayloadError> {
    let mut lines = goods_lines(r, rp, id, credit, back, first_no, a)?;
    if let Some(c) = &back.charge {
        let no = first_no + lines.len() as i32;
        lines.push(charge_return(c, no, a.sales, a.order_id));
    }
    Ok(lines)
}

/// The return lines of the goods a refund gave back (see [`return_lines`]).
fn goods_lines(
    r: &Value,
    rp: &str,
    id: &str,
    credit: bool,
    back: &Back,
    first_no: i32,
    a: &Around,
) -> Result<Vec<Line>, PayloadError> {
    let (goods, tax) = (back.goods, back.tax);
    let named = if credit {
        vec![]
    } else {
        named_lines(r, rp, id, a.sales)?
    };
    if named.is_empty() && goods.is_zero() && tax.is_zero() && back.charge.is_some() {
        return Ok(vec![]);
    }
    if named.is_empty() {
        let what = if credit { "credit" } else { "refund" };
        let mut line = amount_line(first_no, what, id, goods, tax, a.order_id);
        // Money given back on an order that sold only gift cards (or other non-revenue items)
        // gives those back; where revenue items were sold too, nothing says which, and a refund
        // is taken as of goods, as before.
        line.non_revenue = !a.sales.is_empty() && a.sales.iter().all(|s| s.line.non_revenue);
        return Ok(vec![line]);
    }
    let dp = exponent(a.currency);
    let weights: Vec<Decimal> = named.iter().map(|s| s.line.net_amount).collect();
    let nets = spread_largest_last(negated(goods), &weights, dp);
    let taxes = spread_largest_last(negated(tax), &weights, dp);
    let lines = named.iter().zip(nets.into_iter().zip(taxes)).enumerate();
    Ok(lines
        .map(|(k, (s, (net, tax)))| Line {
            line_no: first_no + k as i32,
            kind: LineKind::Return,
            quantity: negated(s.line.quantity),
            discount: Decimal::ZERO,
            net_amount: unsigned_zero(net),
            tax: unsigned_zero(tax),
            original_txn_id: Some(a.order_id.to_string()),
            original_line_no: Some(s.line.line_no),
            ..s.line.clone()
        })
        .collect())
}

/// `voided` refunds never happened; `status` FAIL (Android SDK `RefundStatus`) was declined.
fn status(r: &Value, rp: &str) -> Result<TenderStatus, PayloadError> {
    if flag(r, rp, "voided")? {
        return Ok(TenderStatus::Voided);
    }
    Ok(match opt_text(r, rp, "status")?.as_deref() {
        Some("FAIL" | "FAILED") => TenderStatus::Declined,
        _ => TenderStatus::Approved,
    })
}

/// The order's sale lines a refund names (`lineItems`: references by id), in its order; when
/// it names none, the line items that name it (`refunded: true` with `refund: {id}`, as Clover
/// writes a line-item refund on the order's line items while the refund carries no list).
fn named_lines<'s>(
    r: &Value,
    rp: &str,
    id: &str,
    sales: &'s [Sale],
) -> Result<Vec<&'s Sale>, PayloadError> {
    let (refs, lp) = elements(r, rp, "lineItems")?;
    if refs.is_empty() {
        return Ok(sales
            .iter()
            .filter(|s| s.refund_id.as_deref() == Some(id))
            .collect());
    }
    let mut out = Vec::new();
    for (i, li) in refs.iter().enumerate() {
        let id = text(li, &format!("{lp}[{i}]"), "id")?;
        if let Some(s) = sales.iter().find(|s| s.clover_id.as_deref() == Some(&id)) {
            out.push(s);
        }
    }
    Ok(out)
}

/// One return line for money given back without naming line items.
fn amount_line(no: i32, what: &str, id: &str, goods: Decimal, tax: Decimal, order: &str) -> Line {
    let key = item_key(what).expect("a word is an item id");
    Line {
        line_no: no,
        kind: LineKind::Return,
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: what.to_string(),
        description: Some(format!("{what} {id}")),
        quantity: -Decimal::ONE,
        unit_price: goods,
        discount: Decimal::ZERO,
        net_amount: negated(goods),
        tax: negated(tax),
        entry_method: EntryMethod::Other,
        price_override: false,
        non_revenue: false,
        original_txn_id: Some(order.to_string()),
        original_line_no: None,
    }
}
