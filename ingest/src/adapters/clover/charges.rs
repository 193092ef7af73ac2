//! What a Clover order charges beyond its line items, as sale lines, so that tenders add up to
//! the lines plus tips (see PROVENANCE.md of the Clover fixtures for the sources).
//!
//! The order's service charge (`serviceCharge`: `percentageDecimal`, percent × 10 000, else the
//! older `percentage` in whole percent) is a percentage of the subtotal after line and order
//! discounts, not taxed (Clover, "multiple service charges" announcement; `OrderCalc`), and is
//! inside the payments' `amount`. It is booked as the Square adapter books a service charge: a
//! sale line `service_charge:<id or name>`, quantity 1, so reports agree across sources.
//!
//! A payment's `additionalCharges` (a card surcharge, Interac or convenience fee) are outside
//! its `amount`: the customer paid both. The tender carries them (tenders.rs), and each is a
//! sale line `surcharge:<type>`, untaxed (a percentage of the post-tax total): money the
//! customer paid the merchant for the order, not a tip.

use super::lines::{round, Sale};
use super::read::{flag, opt_int};
use super::tenders::Surcharge;
use crate::adapters::json::{err, get, join, opt_text};
use crate::adapters::{charge_line, PayloadError};
use rust_decimal::Decimal;
use serde_json::Value;

/// The order's service charge and the approved payments' surcharges as sale lines numbered
/// after `sales`. `paid_service`: what the approved payments recorded as service charge
/// (`payments[].serviceCharge`), used when the order does not give the percentage.
pub fn charge_lines(
    o: &Value,
    path: &str,
    currency: &str,
    sales: &[Sale],
    paid_service: Option<(Option<String>, Decimal)>,
    surcharges: &[Surcharge],
) -> Result<Vec<Sale>, PayloadError> {
    let mut out = Vec::new();
    let mut next = sales.len() as i32 + 1;
    if let Some((raw, name, amount)) = service_charge(o, path, currency, sales, paid_service)? {
        out.push(charge(
            next,
            raw,
            name,
            amount,
            &join(path, "serviceCharge.id"),
        )?);
        next += 1;
    }
    for s in surcharges {
        let raw = format!("surcharge:{}", s.kind);
        out.push(charge(next, raw, Some(s.kind.clone()), s.amount, &s.path)?);
        next += 1;
    }
    Ok(out)
}

/// `(raw item id, name, amount)` of the service charge, if the order has one.
fn service_charge(
    o: &Value,
    path: &str,
    currency: &str,
    sales: &[Sale],
    paid: Option<(Option<String>, Decimal)>,
) -> Result<Option<(String, Option<String>, Decimal)>, PayloadError> {
    let sp = join(path, "serviceCharge");
    let sc = match get(o, "serviceCharge") {
        None => None,
        // `{}` (the schema's empty object, as generated API examples write it) names no charge.
        Some(Value::Object(m)) if m.values().all(Value::is_null) => None,
        Some(sc @ Value::Object(_)) => Some(sc),
        Some(other) => return Err(err(&sp, format!("expected an object, got {other}"))),
    };
    let Some(sc) = sc else {
        // Order-fee line items are the service charges already: what the payments recorded
        // of them must not be booked twice.
        if sales.iter().any(is_service_charge) {
            return Ok(None);
        }
        return Ok(paid.map(|(id, amount)| (raw_id(id, None), None, amount)));
    };
    let id = opt_text(sc, &sp, "id")?;
    let name = opt_text(sc, &sp, "name")?;
    let amount =
        match (percent(sc, &sp)?, paid) {
            (Some(p), _) => round(
                subtotal(o, path, sales)? * p / Decimal::ONE_HUNDRED,
                currency,
            ),
            (None, Some((_, amount))) => amount,
            (None, None) => return Err(err(
                &join(&sp, "percentageDecimal"),
                "is missing (and `percentage` too), and no payment records the service charge: \
                 fetch the order with expand=serviceCharge",
            )),
        };
    if amount.is_zero() {
        return Ok(None);
    }
    Ok(Some((raw_id(id, name.clone()), name, amount)))
}

fn raw_id(id: Option<String>, name: Option<String>) -> String {
    let id = id
        .filter(|i| !i.is_empty())
        .or(name.filter(|n| !n.is_empty()));
    service_charge_item(id.as_deref())
}

/// The raw item id of a service charge's sale line, `service_charge:<id or name>`
/// (`service_charge:charge` without either): one name for the order's service charge, an order
/// fee line item and what a refund gives back of them, so each finds the others.
pub fn service_charge_item(id: Option<&str>) -> String {
    format!("{SERVICE_CHARGE}{}", id.unwrap_or("charge"))
}

/// Whether `s` is a service charge's sale line (see [`service_charge_item`]).
pub fn is_service_charge(s: &Sale) -> bool {
    s.line.raw_item_id.starts_with(SERVICE_CHARGE)
}

const SERVICE_CHARGE: &str = "service_charge:";

/// The percentage: `percentageDecimal` (12.5 % is 125000), else `percentage` (whole percent,
/// the field before `percentageDecimal`); beyond 100 % is a unit error.
fn percent(sc: &Value, sp: &str) -> Result<Option<Decimal>, PayloadError> {
    if let Some(p) = opt_int(sc, sp, "percentageDecimal")? {
        if !(0..=1_000_000).contains(&p) {
            return Err(err(
                &join(sp, "percentageDecimal"),
                format!("{p} is not a percentage between 0 and 100 % (1000000)"),
            ));
        }
        return Ok(Some(Decimal::new(p, 4)));
    }
    match opt_int(sc, sp, "percentage")? {
        None => Ok(None),
        Some(p @ 0..=100) => Ok(Some(Decimal::from(p))),
        Some(p) => Err(err(
            &join(sp, "percentage"),
            format!("{p} is not a whole percentage between 0 and 100"),
        )),
    }
}

/// The line items after line and order discounts, before tax: with VAT (`isVat`, prices
/// include tax) the amount as priced, tax included.
fn subtotal(o: &Value, path: &str, sales: &[Sale]) -> Result<Decimal, PayloadError> {
    let vat = flag(o, path, "isVat")?;
    Ok(sales
        .iter()
        .map(|s| s.line.net_amount + if vat { s.line.tax } else { Decimal::ZERO })
        .sum())
}

/// A charge line, untaxed; `field` names what the charge's id came from if it holds no
/// usable code.
fn charge(
    no: i32,
    raw: String,
    name: Option<String>,
    amount: Decimal,
    field: &str,
) -> Result<Sale, PayloadError> {
    let line = charge_line(no, raw, name, (amount, amount, Decimal::ZERO), field)?;
    Ok(Sale {
        clover_id: None,
        refund_id: None,
        line,
    })
}
