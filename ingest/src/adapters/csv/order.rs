//! An order-level discount and an order-level tax spread over the order's lines.

use super::cells::{Col, Cols, Row};
use super::group::first;
use super::tax_mark::Taxed;
use super::Mapping;
use crate::adapters::money::{checked_sum, exponent, spread};
use pos_core::model::*;
use rust_decimal::Decimal;

/// Spreads the part of the `order_discount` cell that the lines' own discounts do not
/// already hold over the sale lines, by their gross (quantity × unit price); the last such
/// line takes the rounding rest, so the lines' discounts add up to the order's exactly.
/// Shopify's `Discount Amount` counts the line-item discounts too, hence "not already on the
/// lines". Shipping is not a line and gets none of it.
pub(super) fn spread_order_discount(
    m: &Mapping,
    cols: &Cols,
    rows: &[Row],
    currency: &str,
    lines: &mut [Line],
) -> Result<(), String> {
    let on_lines = || checked_sum(lines.iter().map(|l| l.discount));
    let Some((row, _, rest)) = not_on_lines(
        m,
        &cols.order_discount,
        rows,
        currency,
        on_lines,
        Taxed::Price,
    )?
    else {
        return Ok(());
    };
    let Some(shares) = by_gross(lines, rest, currency) else {
        let c = cols.order_discount.as_ref().expect("a cell was found");
        return Err(row.err(
            c,
            format!(
                "order discount {rest} not on the lines, but no sale line has a price to carry it"
            ),
        ));
    };
    for (i, share) in shares {
        take(&mut lines[i], share).ok_or(TOO_LARGE)?;
    }
    Ok(())
}

/// `amount` spread over the sale lines with a price, by their gross (quantity × unit price),
/// the last taking the rounding rest: `(line index, share)`. None when no sale line has a
/// price to carry it.
fn by_gross(lines: &[Line], amount: Decimal, currency: &str) -> Option<Vec<(usize, Decimal)>> {
    let gross = |l: &Line| {
        l.quantity
            .abs()
            .checked_mul(l.unit_price)
            .unwrap_or_default()
    };
    let sales: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].kind == LineKind::Sale && gross(&lines[i]) > Decimal::ZERO)
        .collect();
    if sales.is_empty() {
        return None;
    }
    let weights: Vec<Decimal> = sales.iter().map(|&i| gross(&lines[i])).collect();
    Some(
        sales
            .into_iter()
            .zip(spread(amount, &weights, exponent(currency)))
            .collect(),
    )
}

/// Why an order's amounts were refused: they overflow when added up (28-digit cells).
const TOO_LARGE: &str = "the order's amounts are too large to add up";

/// An order total (`col`, on the first row that has it) and the part of it the lines do not
/// already hold (`on_lines`), with that row; None when the column is empty everywhere or the
/// lines hold it all.
fn not_on_lines<'r>(
    m: &Mapping,
    col: &Option<Col>,
    rows: &'r [Row],
    currency: &str,
    on_lines: impl FnOnce() -> Option<Decimal>,
    taxed: Taxed,
) -> Result<Option<(&'r Row, Decimal, Decimal)>, String> {
    let Some((row, _)) = first(rows, col) else {
        return Ok(None);
    };
    let total = row
        .money(m, col, currency, taxed)?
        .unwrap_or_default()
        .abs();
    // Summed only for an order that has the cell: the lines' amounts may be too large to add.
    let rest = on_lines()
        .and_then(|on| total.checked_sub(on))
        .ok_or(TOO_LARGE)?;
    Ok((rest > Decimal::ZERO).then_some((row, total, rest)))
}

/// A sale line's share of the order discount: more discount, that much less net.
fn take(line: &mut Line, share: Decimal) -> Option<()> {
    line.discount = line.discount.checked_add(share)?;
    line.net_amount = line.net_amount.checked_sub(share)?;
    Some(())
}

/// Spreads the part of the `order_tax` cell (Shopify's `Taxes`, an order total only) that
/// the lines' own tax cells do not already hold over the sale lines, by their net amount;
/// the last such line takes the rounding rest, so the lines' taxes add up to the order's.
/// When the order's prices include the tax (`tax_included`, else `prices_include_tax`) the
/// share is inside the amount, so it leaves the net too. `taken_out` is money of rows a
/// row-scoped rule took out (a tip): in the order's total, not in its goods.
pub(super) fn spread_order_tax(
    m: &Mapping,
    cols: &Cols,
    rows: &[Row],
    currency: &str,
    lines: &mut [Line],
    taken_out: Decimal,
) -> Result<(), String> {
    let on_lines = || checked_sum(lines.iter().map(|l| l.tax.abs()));
    let Some((row, total, rest)) =
        not_on_lines(m, &cols.order_tax, rows, currency, on_lines, Taxed::Tax)?
    else {
        return Ok(());
    };
    let sales: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].kind == LineKind::Sale && lines[i].net_amount > Decimal::ZERO)
        .collect();
    if sales.is_empty() {
        let c = cols.order_tax.as_ref().expect("a cell was found");
        return Err(row.err(
            c,
            format!("order tax {rest} not on the lines, but no sale line has a net to carry it"),
        ));
    }
    let inclusive =
        tax_included(m, cols, rows, currency, total, taken_out)?.unwrap_or(m.prices_include_tax);
    let weights: Vec<Decimal> = sales.iter().map(|&i| lines[i].net_amount).collect();
    for (&i, share) in sales.iter().zip(spread(rest, &weights, exponent(currency))) {
        let l = &mut lines[i];
        l.tax = l.tax.checked_add(share).ok_or(TOO_LARGE)?;
        if inclusive {
            l.net_amount = l.net_amount.checked_sub(share).ok_or(TOO_LARGE)?;
        }
    }
    Ok(())
}

/// Whether the order's prices include its tax, as its totals tell: Shopify writes
/// `Total = Subtotal + Shipping` for a shop whose prices include tax (EU, UK, AU) and
/// `Total = Subtotal + Shipping + Taxes` otherwise. `None` when the columns are not mapped or
/// the totals fit neither (duties, tips): the mapping's `prices_include_tax` decides then.
fn tax_included(
    m: &Mapping,
    cols: &Cols,
    rows: &[Row],
    currency: &str,
    tax: Decimal,
    taken_out: Decimal,
) -> Result<Option<bool>, String> {
    let money = |col, taxed| -> Result<Option<Decimal>, String> {
        match first(rows, col) {
            Some((row, _)) => row.money(m, col, currency, taxed),
            None => Ok(None),
        }
    };
    let (Some(total), Some(subtotal)) = (
        money(&cols.order_total, Taxed::Paid)?,
        money(&cols.order_subtotal, Taxed::Price)?,
    ) else {
        return Ok(None);
    };
    let shipping = money(&cols.order_shipping, Taxed::Price)?.unwrap_or_default();
    let duties = money(&cols.order_duties, Taxed::Tax)?.unwrap_or_default();
    let goods = total
        .checked_sub(shipping)
        .and_then(|g| g.checked_sub(duties))
        .and_then(|g| g.checked_sub(taken_out));
    let (Some(goods), Some(taxed)) = (goods, subtotal.checked_add(tax)) else {
        return Err(TOO_LARGE.into());
    };
    Ok(if goods == taxed {
        Some(false)
    } else if goods == subtotal {
        Some(true)
    } else {
        None
    })
}

/// Spreads the order's import duties (`order_duties`, Shopify `Duties`) over the sale lines
/// by gross into their tax, the last line taking the rounding rest: duties are charged on
/// top of the goods, like a tax, and the Shopify API adapter books an order's duties in its
/// lines' tax, so export and API agree on what the customer paid beyond net sales. Run after
/// `spread_order_tax`, whose "not already on the lines" must not count duties.
pub(super) fn spread_order_duties(
    m: &Mapping,
    cols: &Cols,
    rows: &[Row],
    currency: &str,
    lines: &mut [Line],
) -> Result<(), String> {
    let Some((row, _)) = first(rows, &cols.order_duties) else {
        return Ok(());
    };
    let duties = row
        .money(m, &cols.order_duties, currency, Taxed::Tax)?
        .unwrap_or_default()
        .abs();
    if duties.is_zero() {
        return Ok(());
    }
    let Some(shares) = by_gross(lines, duties, currency) else {
        let c = cols.order_duties.as_ref().expect("a cell was found");
        return Err(row.err(
            c,
            format!("duties {duties}, but no sale line has a price to carry them"),
        ));
    };
    for (i, share) in shares {
        lines[i].tax = lines[i].tax.checked_add(share).ok_or(TOO_LARGE)?;
    }
    Ok(())
}
