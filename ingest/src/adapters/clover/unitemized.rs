//! A Clover order paid without line items: the goods as one unitemized sale line.
//!
//! A "manual transaction" (`manualTransaction`: an amount keyed in the Sale app, or charged from
//! the Virtual Terminal, with no item rung) is an order with payments and no `lineItems`. Its
//! money was in its tenders and in no line, so it was in no net sales, no tax and no
//! transaction count (`pos.txn_has_lines`), though Clover's reports count it as a sale.
//!
//! The goods are what the approved payments paid of the order: the REST `Payment` (SDK
//! `payments.Payment`) has `amount` ("Total amount paid", tax included, the tip apart in
//! `tipAmount`: `OrderCalc.getTotalWithTip` adds the tips to the total), `taxAmount` (the tax
//! inside it) and `serviceCharge.amount` (the service charge inside it, booked as a line of its
//! own by `charges.rs`). So the line is Σ `amount` − Σ `taxAmount` − the service charge, its
//! tax Σ `taxAmount`. Not the order's `total` ("Total price of the order in cents"): Clover
//! lowers it when a refund is made (a refunded order's `total` is what is left), and the refund
//! is a return line of its own already. `additionalCharges` and `cashbackAmount` are outside
//! `amount` (their own lines and tenders).

use super::charges::is_service_charge;
use super::lines::Sale;
use super::read::{elements, flag};
use super::tenders::Payments;
use crate::adapters::json::join;
use crate::adapters::{unitemized_line, PayloadError};
use rust_decimal::Decimal;
use serde_json::Value;

/// The unitemized sale of an order without line items, numbered after `charges` (the order's
/// service charge and surcharges, its only lines then). None for an order with line items, one
/// no approved payment paid (open, voided, a test order: nothing was sold), and one whose
/// payments come to 0 or less for goods (a service charge alone; a negative manual
/// transaction, money given back, which is no sale).
pub fn unitemized_sale(
    o: &Value,
    path: &str,
    charges: &[Sale],
    pays: &Payments,
) -> Result<Option<Sale>, PayloadError> {
    let (items, lp) = elements(o, path, "lineItems")?;
    if !items.is_empty() || pays.approved == 0 || flag(o, path, "testMode")? {
        return Ok(None);
    }
    let service: Decimal = charges
        .iter()
        .filter(|s| is_service_charge(s))
        .map(|s| s.line.net_amount)
        .sum();
    let goods = pays.paid - pays.tax - service;
    if goods <= Decimal::ZERO {
        return Ok(None);
    }
    let line = unitemized_line(
        charges.len() as i32 + 1,
        (goods, goods, pays.tax),
        &join(&lp, "id"),
    )?;
    Ok(Some(Sale {
        clover_id: None,
        refund_id: None,
        line,
    }))
}
