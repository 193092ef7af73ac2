//! Whether the prices of lines taxed only by a rate hold that tax. A line `Tax` with only a
//! `Percent` (no `Amount`, no `TaxableAmount`) and no `TaxIncludedInPriceFlag` says nothing
//! on the line itself: the Swedish digital receipt standard shows its sale lines so, on prices
//! that include the VAT, while US-style tills add the tax on top. The transaction tells: its
//! grand total is the goods (inclusive) or the goods plus the tax (on top), or its summary
//! `Tax` line items state taxable amounts that with their taxes make up the goods.

use super::lines::rate_only;
use super::txn_tax::TxnLevel;
use super::{total, R, VOID_LINE_OFFSET};
use pos_core::model::Line;
use roxmltree::Node;
use rust_decimal::Decimal;
use std::collections::HashSet;

/// Whether the line item `item`, numbered `seq`, is taxed only by a rate: noted in `rated` for
/// [`prices_hold_tax`].
pub(super) fn note(rated: &mut HashSet<i32>, item: Node, seq: i32) {
    if rate_only(item) {
        rated.insert(seq);
    }
}

/// Whether the transaction `rt` shows that the prices of its `rated` lines (by number) hold
/// their tax, given its `lines` as first read (the rated ones with the tax on top: the net is
/// the price after discounts) and its transaction-level taxes and discounts (`level`). The
/// goods as priced are the lines' net plus the tax of the lines not rated (a void reversal
/// counts with the line it reverses). Inclusive when the grand total is those goods (less the
/// transaction discounts stated) and not the goods plus the rated tax; with no grand total
/// telling, when the summary `Tax`es all state a `TaxableAmount` and taxable amounts + taxes
/// = those goods while the taxable amounts alone do not (as NCR RES writes them, see
/// `grand_holds_tax` in `lines.rs`). Within a minor unit (`dp`) per amount summed.
pub(super) fn prices_hold_tax(
    rt: Node,
    lines: &[Line],
    rated: &HashSet<i32>,
    level: &TxnLevel,
    dp: u32,
) -> R<bool> {
    let is_rated = |l: &Line| {
        let no = if l.line_no > VOID_LINE_OFFSET {
            l.line_no - VOID_LINE_OFFSET
        } else {
            l.line_no
        };
        rated.contains(&no)
    };
    let on_top: Decimal = lines.iter().filter(|l| is_rated(l)).map(|l| l.tax).sum();
    if on_top.is_zero() {
        return Ok(false);
    }
    let goods: Decimal = lines
        .iter()
        .map(|l| l.net_amount + if is_rated(l) { Decimal::ZERO } else { l.tax })
        .sum();
    let minor = Decimal::new(1, dp);
    let off = if level.has_adjustment {
        level.stated_discounts
    } else {
        Decimal::ZERO
    };
    let near = |a: Decimal, b: Decimal, within: Decimal| (a - b).abs() < within;
    let due = |d: Decimal, within: Decimal| {
        near(d, goods, within) || (!off.is_zero() && near(d, goods - off, within))
    };
    if let Some(grand) = total(rt, "TransactionGrandAmount")? {
        if due(grand, minor) && !due(grand - on_top, minor) {
            return Ok(true);
        }
        if due(grand - on_top, minor) {
            return Ok(false);
        }
    }
    let stated: Option<Vec<(Decimal, Decimal)>> = level
        .amounts
        .iter()
        .map(|(tax, taxable)| taxable.map(|x| (tax.abs(), x.abs())))
        .collect();
    Ok(match stated {
        Some(taxes) if !taxes.is_empty() => {
            let tax: Decimal = taxes.iter().map(|(t, _)| *t).sum();
            let taxable: Decimal = taxes.iter().map(|(_, x)| *x).sum();
            let within = minor * Decimal::from(taxes.len());
            !tax.is_zero() && due(taxable + tax, within) && !due(taxable, within)
        }
        _ => false,
    })
}
