//! The one tender of a transaction whose export names how it was paid (a `Payment` column
//! with `Cash` / `Credit card` / `Ewallet`), so payment-mix reports see exports too.

use super::cells::{matches, Cols, Row};
use super::group::first;
use super::Mapping;
use chrono::{DateTime, Utc};
use pos_core::model::*;
use rust_decimal::Decimal;

/// The transaction's tender from the first row with a `tender_method` cell: its method
/// through `[tenders]`, its amount from `tender_amount` (on any row) or, without that column,
/// the lines' net plus tax (negative for a return: money paid back); always the lines' when
/// `from_lines` (a row-scoped rule took a row out: the amount written is for all of them).
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
    let amount = match first(rows, &cols.tender_amount) {
        Some((row, _)) if !from_lines => amount_cell(m, cols, row, currency)?,
        _ => lines.iter().map(|l| l.net_amount + l.tax).sum(),
    };
    Ok(Some(Tender::approved(1, method, amount, at)))
}

/// The `tender_amount` cell of `row` (found non-blank) as money, with its sign as written.
fn amount_cell(m: &Mapping, cols: &Cols, row: &Row, currency: &str) -> Result<Decimal, String> {
    Ok(row
        .money(m, &cols.tender_amount, currency)?
        .unwrap_or_default())
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
