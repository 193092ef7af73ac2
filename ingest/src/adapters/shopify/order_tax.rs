//! Order-level taxes. Shopify's Order reference: "tax lines can be specified on the order or
//! the line items but not both". Orders created that way (imports, apps, the API) carry their
//! tax in the order's `total_tax` / `tax_lines` and none on the lines; the tax is still in
//! `total_price`, so without it the lines fall short of what was paid.

use super::money;
use crate::adapters::json::{array, join};
use crate::adapters::money::{exponent, spread};
use crate::adapters::PayloadError;
use pos_core::model::Line;
use rust_decimal::Decimal;
use serde_json::Value;

/// The sum of the `tax_lines[].price` of `v`.
fn tax_lines(v: &Value, path: &str) -> Result<Decimal, PayloadError> {
    let mut sum = Decimal::ZERO;
    for (i, t) in array(v, path, "tax_lines")?.iter().enumerate() {
        sum += super::req_money(t, &join(path, &format!("tax_lines[{i}]")), "price")?;
    }
    Ok(sum)
}

/// Whether any line item names a tax of its own: then the lines hold the order's tax already.
fn lines_carry_tax(items: &[(&Value, String)]) -> Result<bool, PayloadError> {
    for (li, lp) in items {
        if !array(li, lp, "tax_lines")?.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The goods' part of the order's tax: `total_tax` (all taxes of the order, shipping's
/// included: `total_price` is subtotal plus shipping plus `total_tax`), else the sum of the
/// order's `tax_lines`, less the tax the `shipping_lines` name (shipping is money, not goods).
fn goods_tax(o: &Value, path: &str) -> Result<Decimal, PayloadError> {
    let all = match money(o, path, "total_tax")? {
        Some(t) => t,
        None => tax_lines(o, path)?,
    };
    let mut shipping = Decimal::ZERO;
    for (i, s) in array(o, path, "shipping_lines")?.iter().enumerate() {
        shipping += tax_lines(s, &join(path, &format!("shipping_lines[{i}]")))?;
    }
    Ok(all - shipping)
}

/// When no line item has `tax_lines`, puts the order's goods tax on the sale lines, by net,
/// over the taxable ones (`taxable` not false; all lines when none is), the last taking the
/// rounding rest. With `taxes_included` the tax is inside the prices: it leaves the nets.
/// `items` are the line items the `lines` were read from, in the same order.
pub(super) fn spread_order_tax(
    lines: &mut [Line],
    items: &[(&Value, String)],
    o: &Value,
    path: &str,
    currency: &str,
    taxes_included: bool,
) -> Result<(), PayloadError> {
    if lines_carry_tax(items)? {
        return Ok(());
    }
    // `total_tax` is all taxes of the order: the taxes on duties too, which go with their
    // duties onto the lines (`duties::line_duties`).
    let mut total = goods_tax(o, path)?;
    for (li, lp) in items {
        total -= super::duties::duty_taxes(li, lp)?;
    }
    if total <= Decimal::ZERO {
        return Ok(());
    }
    let taxable: Vec<usize> = (0..lines.len())
        .filter(|&i| items[i].0.get("taxable") != Some(&Value::Bool(false)))
        .collect();
    let chosen = if taxable.is_empty() {
        (0..lines.len()).collect()
    } else {
        taxable
    };
    let weights: Vec<Decimal> = chosen
        .iter()
        .map(|&i| lines[i].net_amount.max(Decimal::ZERO))
        .collect();
    if weights.iter().sum::<Decimal>() <= Decimal::ZERO {
        return Ok(());
    }
    for (&i, part) in chosen
        .iter()
        .zip(spread(total, &weights, exponent(currency)))
    {
        lines[i].tax += part;
        if taxes_included {
            lines[i].net_amount -= part;
        }
    }
    Ok(())
}
