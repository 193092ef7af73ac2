//! Cash rounding: `rounding_adjustment` on an order (its sale) and on each of its returns.
//!
//! Where the smallest coin is larger than the currency's minor unit (Canada, Australia, New
//! Zealand: 0.05), Square rounds a cash total and records the difference. The convention is
//! the POSLog adapter's: the tenders stay the money that changed hands, and one tender `other`
//! per rounding carries the difference with its sign turned, so that the tenders add up to
//! the lines (plus tips) and the two reconcile.

use super::OrderMoney;
use crate::adapters::json::{array, get, join, opt_text};
use crate::adapters::{number_from_id, PayloadError};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::Value;

/// What the rounding tenders of an order need to know beyond the payload.
pub(super) struct Due<'a> {
    pub(super) order_id: &'a str,
    /// The sale lines' net + tax (what was due before rounding, without tips).
    pub(super) sale: Decimal,
    /// Per return, in `returns[]` order: its lines' net + tax as positive amounts.
    pub(super) returns: &'a [Decimal],
    pub(super) at: chrono::DateTime<chrono::Utc>,
}

impl<'a> Due<'a> {
    /// What the sale lines come to (net + tax); the returns' as `order_lines` summed them.
    pub(super) fn new(
        order_id: &'a str,
        lines: &[Line],
        returns: &'a [Decimal],
        at: chrono::DateTime<chrono::Utc>,
    ) -> Due<'a> {
        let sale = lines
            .iter()
            .filter(|l| l.kind == LineKind::Sale)
            .map(|l| l.net_amount + l.tax)
            .sum();
        Due {
            order_id,
            sale,
            returns,
            at,
        }
    }
}

/// Adds the rounding tenders to the order's own tenders, and returns those that cannot go
/// there: on an order version that lists no tenders, a tender list holding the rounding alone
/// would replace the payments reported on their own (an order's tender list replaces the
/// stored one, see `writer::upsert`). Those are written as tenders of their own, as payments
/// are, so the rounding is neither lost nor in the way.
pub(super) fn add_roundings(
    o: &Value,
    path: &str,
    m: &OrderMoney,
    due: &Due,
    tenders: &mut Vec<Tender>,
) -> Result<Vec<Tender>, PayloadError> {
    let roundings = rounding_tenders(o, path, m, due)?;
    if tenders.is_empty() {
        return Ok(roundings);
    }
    tenders.extend(roundings);
    Ok(Vec::new())
}

/// The rounding tenders of an order: one for the order's `rounding_adjustment` (the sale), one
/// for each return's. The sale's tender is the rounding with its sign turned (rounded down by
/// 0.02 → +0.02); a return's is the rounding of the refund as the model signs refunds (0.02
/// less handed back → −0.02), so that in both cases tenders + rounding = lines.
fn rounding_tenders(
    o: &Value,
    path: &str,
    m: &OrderMoney,
    due: &Due,
) -> Result<Vec<Tender>, PayloadError> {
    let mut out = Vec::new();
    let tip = m.or_zero(o, path, "total_tip_money")?;
    let total = m.opt(o, path, "total_money")?;
    if let Some((uid, r)) = adjustment(o, path, m, due.sale + tip, total)? {
        out.push(tender(due, &uid.unwrap_or_else(|| "sale".into()), -r));
    }
    for (i, ret) in array(o, path, "returns")?.iter().enumerate() {
        let rp = format!("{path}.returns[{i}]");
        let amounts = get(ret, "return_amounts");
        let ap = join(&rp, "return_amounts");
        let (tip, total) = match amounts {
            Some(a) => (
                m.or_zero(a, &ap, "tip_money")?,
                m.opt(a, &ap, "total_money")?,
            ),
            None => (Decimal::ZERO, None),
        };
        let before = due.returns.get(i).copied().unwrap_or_default() + tip;
        if let Some((uid, r)) = adjustment(ret, &rp, m, before, total)? {
            out.push(tender(due, &uid.unwrap_or_else(|| format!("return{i}")), r));
        }
    }
    Ok(out)
}

/// The `rounding_adjustment` of `v` (an order or a return) as what it added to the amount
/// that changed hands: negative when rounded down. Square does not document the sign of
/// `amount_money`, so when the rounded total is known (`before` ± the amount = `total`) the
/// total decides; otherwise the amount is taken as signed. None when absent or zero.
fn adjustment(
    v: &Value,
    path: &str,
    m: &OrderMoney,
    before: Decimal,
    total: Option<Decimal>,
) -> Result<Option<(Option<String>, Decimal)>, PayloadError> {
    let Some(adj) = get(v, "rounding_adjustment") else {
        return Ok(None);
    };
    let ap = join(path, "rounding_adjustment");
    let Some(a) = m.opt(adj, &ap, "amount_money")? else {
        return Ok(None);
    };
    if a.is_zero() {
        return Ok(None);
    }
    let signed = match total {
        Some(t) if before + a.abs() == t => a.abs(),
        Some(t) if before - a.abs() == t => -a.abs(),
        _ => a,
    };
    Ok(Some((opt_text(adj, &ap, "uid")?, signed)))
}

/// A rounding tender, keyed by the order and the adjustment's `uid` so that every version of
/// the order writes the same row.
fn tender(due: &Due, uid: &str, amount: Decimal) -> Tender {
    Tender::approved(
        number_from_id(&format!("{}/rounding/{uid}", due.order_id)),
        TenderMethod::Other,
        amount,
        due.at,
    )
}
