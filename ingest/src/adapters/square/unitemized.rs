//! A Square order paid without line items: the goods as one unitemized sale line.
//!
//! An order can hold only totals: a payment taken for a custom amount at the Point of Sale
//! keypad, or an order created through the API with a total and no `line_items`. Its money was
//! in its tenders and in no line, so it was in no net sales, no tax and no transaction count
//! (`pos.txn_has_lines`), though Square's own reports count it as a sale.
//!
//! The Order object (developer.squareup.com/reference/square/objects/Order) gives the totals:
//! `total_money` ("the total amount of money to collect for the order"), `total_tax_money`,
//! `total_discount_money`, `total_tip_money` and `total_service_charge_money`. This adapter
//! already reads `total_money` as holding the tip (the cash rounding of `rounding.rs`: lines +
//! `total_tip_money` ± the rounding = `total_money`, as a tender's `amount_money` holds its tip)
//! and books service charges that are not apportioned as lines of their own. So the goods are
//! `total_money` − `total_tip_money` − what the order's other lines (its service charges) come
//! to, net + tax; their tax is `total_tax_money` less the tax on those lines. A cash rounding
//! (`rounding_adjustment`) is taken out too: it stays the rounding tender it always was.

use super::OrderMoney;
use crate::adapters::json::{array, err, get, join};
use crate::adapters::PayloadError;
use pos_core::model::{Line, TxnStatus};
use rust_decimal::Decimal;
use serde_json::Value;

/// The unitemized sale line of a completed order with neither `line_items` nor `returns`,
/// numbered after `lines` (its service charges). None for an order with items or returns, one
/// not completed (open, draft, cancelled: nothing was sold yet), one without `total_money`
/// (nothing says what was sold), and one whose goods come to 0 or less (a service charge or a
/// tip alone is no goods). A tax above the goods, or below zero, is a 400 naming
/// `total_tax_money`.
pub(super) fn unitemized_line(
    o: &Value,
    path: &str,
    m: &OrderMoney,
    status: TxnStatus,
    lines: &[Line],
) -> Result<Option<Line>, PayloadError> {
    if status != TxnStatus::Completed
        || !array(o, path, "line_items")?.is_empty()
        || !array(o, path, "returns")?.is_empty()
    {
        return Ok(None);
    }
    let Some(total) = m.opt(o, path, "total_money")? else {
        return Ok(None);
    };
    let others: Decimal = lines.iter().map(|l| l.net_amount + l.tax).sum();
    let others_tax: Decimal = lines.iter().map(|l| l.tax).sum();
    let tip = m.or_zero(o, path, "total_tip_money")?;
    let goods = total - tip - others - rounding(o, path, m)?;
    if goods <= Decimal::ZERO {
        return Ok(None);
    }
    let tax = m.or_zero(o, path, "total_tax_money")? - others_tax;
    if tax < Decimal::ZERO || tax > goods {
        return Err(err(
            &join(path, "total_tax_money"),
            format!(
                "leaves a tax of {tax} on goods of {goods} (total_money less tips and service \
                 charges): an order without line items cannot be read with it"
            ),
        ));
    }
    let discount = m.or_zero(o, path, "total_discount_money")?;
    let net = goods - tax;
    let mut line = crate::adapters::unitemized_line(
        lines.len() as i32 + 1,
        (net + discount, net, tax),
        &join(path, "line_items"),
    )?;
    line.discount = discount;
    Ok(Some(line))
}

/// The order's `rounding_adjustment.amount_money` as signed (rounded down: negative), as
/// `rounding.rs` takes it when no line tells the sign; 0 when absent.
fn rounding(o: &Value, path: &str, m: &OrderMoney) -> Result<Decimal, PayloadError> {
    match get(o, "rounding_adjustment") {
        Some(adj) => m.or_zero(adj, &join(path, "rounding_adjustment"), "amount_money"),
        None => Ok(Decimal::ZERO),
    }
}
