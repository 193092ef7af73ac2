//! A line discount written as a fraction of the list amount (`columns.discount_rate`):
//! Tableau's Superstore writes `Discount` 0.2 and `Sales` after it, and no list price.

use super::cells::{Cols, Row};
use super::Mapping;
use crate::adapters::money::exponent;
use rust_decimal::Decimal;

/// A row's money cells as written (the price columns and the net amount).
pub(super) struct Amounts {
    pub(super) unit: Option<Decimal>,
    pub(super) gross: Option<Decimal>,
    pub(super) net: Option<Decimal>,
}

/// The discount a `discount_rate` cell gives the row, `None` when the mapping has no rate.
/// A blank rate is no discount. From a unit price or gross amount the discount is the list
/// amount × rate, rounded to the currency's minor unit; from a net amount alone the list
/// amount is net / (1 − rate), stored as the row's gross (with the net's sign, so the price
/// follows from it) and the discount is list − net, so the net stays exactly as written.
pub(super) fn rate_discount(
    m: &Mapping,
    cols: &Cols,
    row: &Row,
    currency: &str,
    qty: Decimal,
    a: &mut Amounts,
) -> Result<Option<Decimal>, String> {
    let Some(col) = &cols.discount_rate else {
        return Ok(None);
    };
    let rate = row.num(m, &cols.discount_rate)?.unwrap_or_default();
    if rate < Decimal::ZERO || rate > Decimal::ONE {
        return Err(row.err(
            col,
            format!("`{rate}` is not a fraction from 0 to 1 (0.2 is 20 % off the list price)"),
        ));
    }
    let too_big = || row.err(col, "gives a list amount beyond the range of amounts");
    let dp = exponent(currency);
    match (a.unit, a.gross, a.net) {
        (Some(p), _, _) => {
            let list = p.abs().checked_mul(qty.abs()).ok_or_else(too_big)?;
            Ok(Some((list * rate).round_dp(dp)))
        }
        (None, Some(g), _) => Ok(Some((g.abs() * rate).round_dp(dp))),
        (None, None, Some(n)) => {
            if rate == Decimal::ONE && !n.is_zero() {
                return Err(row.err(
                    col,
                    format!("is 1 (100 % off) on a line whose net is {n}: no list price fits both"),
                ));
            }
            let list = match n.abs().checked_div(Decimal::ONE - rate) {
                Some(l) => l.round_dp(dp + 2),
                None if n.is_zero() => Decimal::ZERO,
                None => return Err(too_big()),
            };
            a.gross = Some(if n < Decimal::ZERO { -list } else { list });
            Ok(Some(list - n.abs()))
        }
        (None, None, None) => Ok(None),
    }
}
