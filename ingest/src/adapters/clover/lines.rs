//! An order's line items as sale lines, priced as Clover's `OrderCalc` prices them (Clover
//! Android SDK, `com.clover.sdk.v3.order.OrderCalc`): `price` in minor units per unit,
//! `unitQty` in thousandths (1500 = 1.5 lb), modifications added to the price, line discounts
//! (`amount` in negative minor units, `percentage` in whole percent), then the order's discounts
//! spread over the lines, then tax: `taxRates[].rate` in hundred-thousandths of a percent
//! (1000000 = 10 %), computed per rate over the lines it applies to and spread back on them.

use super::read::{elements, flag, money, opt_int};
use super::tax::{add_tax, paid_tax, Taxed};
use crate::adapters::json::{err, get, int, join, opt_text};
use crate::adapters::money::{exponent, from_minor, spread};
use crate::adapters::PayloadError;
use crate::sku::item_key;
use pos_core::model::*;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

/// A sale line with the Clover line item id it came from (refunds name line items by id).
#[derive(Debug, Clone)]
pub struct Sale {
    pub clover_id: Option<String>,
    /// The line item's `refund` reference: the refund that gave it back (`refunded: true`).
    pub refund_id: Option<String>,
    pub line: Line,
}

/// A line item read, before the order's discounts and tax.
struct Item {
    clover_id: Option<String>,
    refund_id: Option<String>,
    raw: String,
    name: Option<String>,
    qty: Decimal,
    unit_price: Decimal,
    gross: Decimal,
    discount: Decimal,
    rate: Decimal,
    /// `isRevenue: false` (gift cards, donations, deposits): paid for, not revenue.
    non_revenue: bool,
}

/// Rounds to the currency's minor unit, half away from zero as a till does.
pub fn round(x: Decimal, currency: &str) -> Decimal {
    x.round_dp_with_strategy(exponent(currency), RoundingStrategy::MidpointAwayFromZero)
}

/// The order's line items as sale lines numbered from 1, discounts and tax on each.
/// `paid_tax`: the approved payments' `taxAmount`, the tax when no line item's `taxRates`
/// were expanded (see `tax::paid_tax`).
pub fn sale_lines(
    o: &Value,
    path: &str,
    currency: &str,
    paid_tax_amount: Decimal,
) -> Result<Vec<Sale>, PayloadError> {
    let (list, lp) = elements(o, path, "lineItems")?;
    let mut items = Vec::with_capacity(list.len());
    for (i, li) in list.iter().enumerate() {
        items.push(item(li, &format!("{lp}[{i}]"), currency)?);
    }
    order_discounts(o, path, currency, &mut items)?;
    let taxed: Vec<Taxed> = items
        .iter()
        .map(|it| Taxed {
            amount: it.gross - it.discount,
            rate: it.rate,
            revenue: !it.non_revenue,
        })
        .collect();
    let vat = flag(o, path, "isVat")?;
    // `taxRates` absent from every line item: not expanded (an untaxed item expanded has an
    // empty list), so Clover's rates are unknown here.
    let rates_unknown = !list.iter().any(|li| get(li, "taxRates").is_some());
    let (nets, taxes) = if flag(o, path, "taxRemoved")? {
        (
            taxed.iter().map(|t| t.amount).collect(),
            vec![Decimal::ZERO; taxed.len()],
        )
    } else if rates_unknown && !paid_tax_amount.is_zero() {
        paid_tax(&taxed, paid_tax_amount, vat, currency)
    } else {
        add_tax(&taxed, vat, currency)
            .ok_or_else(|| err(&lp, "the amounts are too large to compute the tax"))?
    };
    Ok(items
        .into_iter()
        .zip(nets.into_iter().zip(taxes))
        .enumerate()
        .map(|(k, (it, (net, tax)))| sale(k, it, net, tax))
        .collect())
}

fn sale(k: usize, it: Item, net: Decimal, tax: Decimal) -> Sale {
    let key = item_key(&it.raw).expect("item ids are checked when read");
    Sale {
        clover_id: it.clover_id,
        refund_id: it.refund_id,
        line: Line {
            line_no: k as i32 + 1,
            kind: LineKind::Sale,
            sku: key.sku,
            gtin: key.gtin,
            raw_item_id: it.raw,
            description: it.name,
            quantity: it.qty,
            unit_price: it.unit_price,
            discount: it.discount,
            net_amount: net,
            tax,
            entry_method: EntryMethod::Other,
            price_override: false,
            non_revenue: it.non_revenue,
            original_txn_id: None,
            original_line_no: None,
        },
    }
}

fn item(li: &Value, lp: &str, currency: &str) -> Result<Item, PayloadError> {
    let qty = match opt_int(li, lp, "unitQty")? {
        Some(q) if q < 0 => return Err(err(&join(lp, "unitQty"), "is negative")),
        Some(q) => Decimal::new(q, 3),
        None => Decimal::ONE,
    };
    let mut unit_price = money(li, lp, "price", currency)?;
    let (mods, mp) = elements(li, lp, "modifications")?;
    for (i, m) in mods.iter().enumerate() {
        if opt_int(m, &format!("{mp}[{i}]"), "amount")?.is_some() {
            unit_price += money(m, &format!("{mp}[{i}]"), "amount", currency)?;
        }
    }
    let too_large = || err(&join(lp, "price"), "times the quantity is too large");
    let gross = round(unit_price.checked_mul(qty).ok_or_else(too_large)?, currency);
    // Far beyond any sale, and small enough that sums over the order cannot overflow.
    if gross.abs() > Decimal::from(1_000_000_000_000_000_000u64) {
        return Err(too_large());
    }
    let (amount_off, percent) = discounts(li, lp, currency)?;
    let off = gross
        .checked_mul(percent / Decimal::ONE_HUNDRED)
        .and_then(|x| round(x, currency).checked_add(amount_off))
        .ok_or_else(too_large)?;
    let (rates, rp) = elements(li, lp, "taxRates")?;
    let mut rate = Decimal::ZERO;
    for (i, r) in rates.iter().enumerate() {
        let p = format!("{rp}[{i}]");
        match int(r, &p, "rate")? {
            // 100 % is 10 000 000: beyond it is a unit error, not a tax.
            x @ 0..=10_000_000 => rate += Decimal::new(x, 7),
            x => {
                return Err(err(
                    &join(&p, "rate"),
                    format!("{x} is not a rate between 0 and 100 % (10000000)"),
                ))
            }
        }
    }
    let (raw, name) = item_id(li, lp)?;
    Ok(Item {
        clover_id: opt_text(li, lp, "id")?,
        refund_id: super::read::ref_id(li, lp, "refund")?,
        raw,
        name,
        qty,
        unit_price,
        gross,
        discount: off,
        rate,
        non_revenue: get(li, "isRevenue").is_some() && !flag(li, lp, "isRevenue")?,
    })
}

/// The discounts of a line or order: the amount off (Clover's `amount` is negative minor
/// units; a positive one would raise the price and is refused) and the percentage, summed and
/// held within 0–100 as `OrderCalc` does.
fn discounts(v: &Value, path: &str, currency: &str) -> Result<(Decimal, Decimal), PayloadError> {
    let (list, dp) = elements(v, path, "discounts")?;
    let (mut amount, mut percent) = (Decimal::ZERO, 0i64);
    for (i, d) in list.iter().enumerate() {
        let p = format!("{dp}[{i}]");
        if let Some(a) = opt_int(d, &p, "amount")? {
            if a > 0 {
                return Err(err(
                    &join(&p, "amount"),
                    "is positive: Clover writes a discount amount as negative minor units",
                ));
            }
            amount -= from_minor(a, currency);
        }
        percent = percent.saturating_add(opt_int(d, &p, "percentage")?.unwrap_or(0));
    }
    Ok((amount, Decimal::from(percent.clamp(0, 100))))
}

/// The order's own discounts on its lines: the percentage on each line's discounted amount,
/// the amount spread over the lines in proportion to what is left of them, so the shares add
/// up to the amount exactly.
fn order_discounts(
    o: &Value,
    path: &str,
    currency: &str,
    items: &mut [Item],
) -> Result<(), PayloadError> {
    let (amount, percent) = discounts(o, path, currency)?;
    if items.is_empty() || (amount.is_zero() && percent.is_zero()) {
        return Ok(());
    }
    let fraction = percent / Decimal::ONE_HUNDRED;
    for it in items.iter_mut() {
        // |gross − discount| is below Decimal's limit, and the fraction at most 1.
        it.discount += round((it.gross - it.discount) * fraction, currency);
    }
    let left: Vec<Decimal> = items.iter().map(|it| it.gross - it.discount).collect();
    for (it, share) in items
        .iter_mut()
        .zip(spread(amount, &left, exponent(currency)))
    {
        it.discount += share;
    }
    Ok(())
}

/// The item: its `itemCode` (a barcode or product code, normalized to GTIN-14 when it is
/// one), else the inventory `item.id`, else the line's `name` (a custom item), else `custom`.
///
/// A line item with `isOrderFee` is a service charge of Clover's multiple-service-charges
/// feature (order fees are line items there, untaxed, priced by Clover): `service_charge:<fee
/// id or name>`, as the order's single `serviceCharge` and Square's service charges are named.
fn item_id(li: &Value, lp: &str) -> Result<(String, Option<String>), PayloadError> {
    let name = opt_text(li, lp, "name")?;
    let inventory = super::read::ref_id(li, lp, "item")?;
    if flag(li, lp, "isOrderFee")? {
        let id = inventory.clone().filter(|i| !i.is_empty()).or(name.clone());
        let raw = format!("service_charge:{}", id.as_deref().unwrap_or("charge"));
        if item_key(&raw).is_some() {
            return Ok((raw, name));
        }
    }
    let candidates = [opt_text(li, lp, "itemCode")?, inventory, name.clone()];
    let raw = candidates
        .into_iter()
        .flatten()
        .find(|r| item_key(r).is_some())
        .unwrap_or_else(|| "custom".to_string());
    Ok((raw, name))
}
