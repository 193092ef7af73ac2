//! One row read as a line: its kind, quantity, price, discount, net amount, tax and item.

use super::cells::{is_excel_scientific, matches, scientific_id, Col, Cols, Row};
use super::rate::{rate_discount, Amounts};
use super::tax_mark::Taxed;
use super::Mapping;
use crate::sku::item_key;
use pos_core::model::*;
use rust_decimal::Decimal;

/// One row read as a line (money in `currency`).
pub(super) fn line_of(
    m: &Mapping,
    cols: &Cols,
    row: &Row,
    currency: &str,
    original: &Option<String>,
) -> Result<Line, String> {
    let stated = match (&cols.kind, row.get(&cols.kind)) {
        (_, None) => None,
        (_, Some(k)) if matches(&m.kinds.sale, k) => Some(LineKind::Sale),
        (_, Some(k)) if matches(&m.kinds.ret, k) => Some(LineKind::Return),
        (_, Some(k)) if matches(&m.kinds.void, k) => Some(LineKind::Void),
        // Voided in place: the line as rung up; `assemble` adds its void.
        (_, Some(k)) if matches(&m.kinds.voided, k) => Some(LineKind::Sale),
        (Some(c), Some(k)) => {
            return Err(row.err(
                c,
                format!(
                    "kind `{k}` is none of the mapping's kinds (sale {:?}, return {:?}, void {:?}, \
                     voided {:?})",
                    m.kinds.sale, m.kinds.ret, m.kinds.void, m.kinds.voided
                ),
            ))
        }
        (None, Some(_)) => None,
    };
    let qty = match m.row_quantity {
        Some(q) => q,
        None => {
            let (qcol, _) = row.req(&cols.quantity)?;
            let qty = row
                .num(m, &cols.quantity)?
                .expect("checked non-empty")
                .checked_div(m.quantity_divisor)
                .ok_or_else(|| row.err(qcol, "divided by quantity_divisor is beyond range"))?;
            // A net with its discounts (no price column) carries its money without units.
            let net_priced = cols.unit_price.is_none()
                && cols.gross_amount.is_none()
                && !cols.discount.is_empty();
            if qty.is_zero() && cols.unit_price.is_none() && !net_priced {
                return Err(row.err(
                    qcol,
                    "is 0, so the unit price cannot be derived from the gross amount",
                ));
            }
            qty
        }
    };
    let mut amounts = Amounts {
        unit: row.money(m, &cols.unit_price, currency, Taxed::Price)?,
        gross: row.money(m, &cols.gross_amount, currency, Taxed::Price)?,
        net: row.money(m, &cols.net_amount, currency, Taxed::Price)?,
    };
    let rated = rate_discount(m, cols, row, currency, qty, &mut amounts)?;
    let Amounts {
        unit,
        gross,
        net: net_cell,
    } = amounts;
    // With a discount rate and only a net amount, the price follows from the net.
    let price_col = [&cols.unit_price, &cols.gross_amount, &cols.net_amount]
        .into_iter()
        .find_map(Option::as_ref);
    let Some(price_col) = price_col else {
        return Err("the mapping names neither columns.unit_price nor columns.gross_amount".into());
    };
    // The cell an arithmetic error names: the quantity's, or without one (`row_quantity`) the price's.
    let qcol = cols.quantity.as_ref().unwrap_or(price_col);
    let discount = match rated {
        Some(d) => d,
        None => row.money_sum(m, &cols.discount, currency, Taxed::Price)?,
    };
    let price = match (unit, gross, net_cell) {
        (Some(p), _, _) => p.abs(),
        (None, Some(g), _) => g
            .abs()
            .checked_div(qty.abs())
            .ok_or_else(|| row.err(qcol, "divides the gross amount beyond the range of prices"))?
            .round_dp(4),
        (None, None, Some(n)) if !cols.discount.is_empty() => {
            list_price(row, qcol, n, discount, qty)?
        }
        (None, None, _) => return Err(row.err(price_col, "is empty")),
    };
    // A return shows as a negative quantity or a negative amount: "5,00-" on a till line is
    // money paid out, not a sale, whether or not a kind column calls the row a sale (a coupon
    // or deposit refund rung up as an item at -2.00 under kind "sale" was +2.00 of sales).
    let negative_amount = [unit, gross, net_cell]
        .into_iter()
        .flatten()
        .any(|d| d < Decimal::ZERO);
    let kind = match stated {
        Some(LineKind::Void) => LineKind::Void,
        Some(LineKind::Return) => LineKind::Return,
        Some(LineKind::Sale) | None if qty < Decimal::ZERO || negative_amount => LineKind::Return,
        _ => LineKind::Sale,
    };
    let sign = if kind == LineKind::Sale {
        Decimal::ONE
    } else {
        -Decimal::ONE
    };
    let quantity = sign * qty.abs();
    let tax = row
        .money(m, &cols.tax, currency, Taxed::Tax)?
        .map(|t| sign * t.abs())
        .unwrap_or_default();
    let amount = match (net_cell, gross) {
        (Some(n), _) => sign * n.abs(),
        (None, Some(g)) => sign * (g.abs() - discount),
        (None, None) => quantity
            .checked_mul(price)
            .and_then(|a| a.checked_sub(sign * discount))
            .ok_or_else(|| row.err(qcol, "times the unit price is beyond the range of amounts"))?,
    };
    let net_amount = if m.prices_include_tax {
        amount
            .checked_sub(tax)
            .ok_or_else(|| "the amount less its tax is beyond the range of amounts".to_string())?
    } else {
        amount
    };

    let raw = cols
        .item_id
        .iter()
        .find_map(|c| row.cell(c))
        .ok_or_else(|| {
            let names: Vec<_> = cols
                .item_id
                .iter()
                .map(|c| format!("`{}`", c.name))
                .collect();
            format!(
                "row {}: item id: column {} is empty",
                row.no,
                names.join(" / ")
            )
        })?
        .to_string();
    let item_col = || {
        cols.item_id
            .iter()
            .find(|c| row.cell(c) == Some(raw.as_str()))
            .expect("found above")
    };
    if is_excel_scientific(&raw) {
        return Err(row.err(item_col(), scientific_id(&raw)));
    }
    let key = item_key(&raw)
        .ok_or_else(|| row.err(item_col(), format!("`{raw}` holds no usable item code")))?;
    let line_no = match (&cols.line_no, row.get(&cols.line_no)) {
        (Some(c), Some(s)) => s
            .parse()
            .map_err(|_| row.err(c, format!("line number `{s}` is not an integer")))?,
        _ => 0, // numbered in row order by `assemble`
    };
    Ok(Line {
        line_no,
        kind,
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: raw,
        description: description_of(cols, row),
        quantity,
        unit_price: price,
        discount,
        net_amount,
        tax,
        entry_method: EntryMethod::Other,
        price_override: false,
        non_revenue: non_revenue(m, cols, row)?,
        original_txn_id: row
            .get(&cols.original_txn_id)
            .map(str::to_string)
            .or_else(|| original.clone()),
        original_line_no: None,
    })
}

/// Whether the row's `non_revenue` cell marks it as paid for but not revenue: one of the
/// mapping's `non_revenue_values`, else a yes/no; no column or an empty cell, no.
fn non_revenue(m: &Mapping, cols: &Cols, row: &Row) -> Result<bool, String> {
    let (Some(c), Some(v)) = (&cols.non_revenue, row.get(&cols.non_revenue)) else {
        return Ok(false);
    };
    if !m.non_revenue_values.is_empty() {
        return Ok(matches(&m.non_revenue_values, v));
    }
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        _ => Err(row.err(
            c,
            format!("`{v}` is not a yes/no value (true, yes, y, 1 or false, no, n, 0)"),
        )),
    }
}

/// The unit price of a line written as its net after discounts (dunnhumby's `SALES_VALUE`
/// beside its discount columns): the list amount, net plus discount, per unit. A row with no
/// units (quantity 0) has no price per unit: 0, its net and discount kept as written, so the
/// money it carries still counts.
fn list_price(
    row: &Row,
    qcol: &Col,
    net: Decimal,
    discount: Decimal,
    qty: Decimal,
) -> Result<Decimal, String> {
    if qty.is_zero() {
        return Ok(Decimal::ZERO);
    }
    net.abs()
        .checked_add(discount)
        .and_then(|list| list.checked_div(qty.abs()))
        .map(|p| p.round_dp(4))
        .ok_or_else(|| {
            row.err(
                qcol,
                "divides the net and discount beyond the range of prices",
            )
        })
}

/// The description cell with the `description_extra` cells after it in parentheses
/// ("Latte (Oat Milk, Extra Shot)"); the extras alone when the description is blank.
fn description_of(cols: &Cols, row: &Row) -> Option<String> {
    let extra: Vec<&str> = cols
        .description_extra
        .iter()
        .filter_map(|c| row.cell(c))
        .collect();
    let extra = (!extra.is_empty()).then(|| extra.join(", "));
    match (row.get(&cols.description), extra) {
        (Some(d), Some(e)) => Some(format!("{d} ({e})")),
        (d, e) => d.map(str::to_string).or(e),
    }
}
