//! The one tender of a transaction whose export names how it was paid (a `Payment` column
//! with `Cash` / `Credit card` / `Ewallet`), so payment-mix reports see exports too.

use super::cells::{matches, Col, Cols, Row};
use super::group::first;
use super::tax_mark::Taxed;
use super::Mapping;
use crate::adapters::money::checked_sum;
use chrono::{DateTime, Utc};
use pos_core::model::*;
use rust_decimal::Decimal;

/// The transaction's tender from the first row with a `tender_method` cell: its method
/// through `[tenders]`, its amount from `tender_amount` (on any row) or, without that column,
/// the lines' net plus tax (negative for a return: money paid back); always the lines' when
/// `from_lines` (a row-scoped rule took a row out: the amount written is for all of them).
/// Its tip from `tender_tip` (on any row, as `tender_amount`): inside an amount written,
/// added to one made of the lines; of a refund (a negative tender) written without a sign, a
/// tip given back (negative). A tip of the other sign than the amount, or larger, is left as
/// written: the transaction is rejected naming it (`validate_tip`).
/// No method cell on any row: no tender (the export does not say how it was paid).
pub(super) fn tender_of(
    m: &Mapping,
    cols: &Cols,
    rows: &[Row],
    currency: &str,
    lines: &[Line],
    from_lines: bool,
    at: DateTime<Utc>,
) -> Result<Option<Tender>, String> {
    let Some((row, value)) = first(rows, &cols.tender_method) else {
        return Ok(None);
    };
    let col = cols.tender_method.as_ref().expect("a cell was found");
    let method = method_of(m, value).ok_or_else(|| {
        row.err(
            col,
            format!("`{value}` is in none of the mapping's [tenders] lists"),
        )
    })?;
    one_method(m, col, rows, value, method)?;
    let of_lines = checked_sum(lines.iter().map(|l| l.net_amount + l.tax))
        .ok_or("the lines' amounts are too large to add up")?;
    let written = match from_lines {
        false => amount_written(m, &cols.tender_amount, rows, currency)?,
        true => None,
    };
    let tip = amount_written(m, &cols.tender_tip, rows, currency)?.unwrap_or_default();
    let (amount, tip) = match written {
        Some(a) => {
            let amount = paid_out(a, of_lines);
            (amount, paid_out(tip, amount))
        }
        None => {
            let tip = paid_out(tip, of_lines);
            let amount = of_lines
                .checked_add(tip)
                .ok_or("the lines' amounts and the tip are too large to add up")?;
            (amount, tip)
        }
    };
    Ok(Some(Tender {
        tip,
        ..Tender::approved(1, method, amount, at)
    }))
}

/// The transaction's `tender_amount` (or `tender_tip`, column `col`), with its sign as
/// written: the one amount its rows write (an order total on the first row, or repeated on
/// every row; a 0 on some rows is none). Rows that write different amounts are refused naming
/// the column: the column then holds line totals, and the first row's was taken for the whole
/// payment.
fn amount_written(
    m: &Mapping,
    col: &Option<Col>,
    rows: &[Row],
    currency: &str,
) -> Result<Option<Decimal>, String> {
    let mut written: Option<Decimal> = None;
    for row in rows {
        let Some(a) = row.money(m, col, currency, Taxed::Paid)? else {
            continue;
        };
        match written {
            Some(w) if !a.is_zero() && !w.is_zero() && a != w => {
                let col = col.as_ref().expect("a cell was found");
                return Err(row.err(
                    col,
                    format!(
                        "{a} after {w} on another row of the transaction: map the \
                         transaction's total, not a line's"
                    ),
                ));
            }
            Some(w) if !w.is_zero() => {}
            _ => written = Some(a),
        }
    }
    Ok(written)
}

/// The tender of a refund is money paid back: negative, as the lines' net plus tax is,
/// though many exports write a refund's `Total` without a sign (its lines tell it is one).
/// A refund of 5.00 paid back in cash was a cash payment of +5.00 in the payment mix.
fn paid_out(amount: Decimal, of_lines: Decimal) -> Decimal {
    if of_lines < Decimal::ZERO && amount > Decimal::ZERO {
        -amount
    } else {
        amount
    }
}

/// Every method cell of the transaction names `method`, the first's: one tender is booked,
/// and rows naming another (a split payment, or a column holding each line's method) gave
/// all the money to the first row's method (10.00 cash and 3.00 card: 13.00 cash). Such a
/// transaction is refused naming the row and column, as differing tender amounts are.
fn one_method(
    m: &Mapping,
    col: &Col,
    rows: &[Row],
    first: &str,
    method: TenderMethod,
) -> Result<(), String> {
    for row in rows {
        let Some(v) = row.cell(col) else { continue };
        if method_of(m, v) != Some(method) {
            return Err(row.err(
                col,
                format!(
                    "`{v}` after `{first}` on another row of the transaction: one tender per \
                     transaction is read, so its rows must name one method"
                ),
            ));
        }
    }
    Ok(())
}

fn method_of(m: &Mapping, value: &str) -> Option<TenderMethod> {
    let t = &m.tenders;
    [
        (&t.cash, TenderMethod::Cash),
        (&t.card, TenderMethod::Card),
        (&t.gift_card, TenderMethod::GiftCard),
        (&t.store_credit, TenderMethod::StoreCredit),
        (&t.other, TenderMethod::Other),
    ]
    .into_iter()
    .find_map(|(values, method)| matches(values, value).then_some(method))
}
