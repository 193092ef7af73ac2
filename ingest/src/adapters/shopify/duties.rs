//! Import duties (Shopify Markets, since API 2020-04): a tax the destination country levies on
//! the goods, collected from the customer at checkout and remitted to customs. Neither the
//! shop's revenue nor goods, and charged per line item, so it is part of that line's `tax`:
//! net sales stay what the goods sold for, tax collected includes the duty, and net plus tax
//! plus shipping, tips and additional fees is the order's `total_price`. A refund's `duties[]`
//! name the duty they give back: it is tax of the return line of that line item.

use super::{amount, money};
use crate::adapters::json::{self, array, get, join, text};
use crate::adapters::money::{exponent, spread};
use crate::adapters::PayloadError;
use pos_core::model::Line;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashMap;

/// The duties of one line item (`duties[]`: `price_set.shop_money`, or `shop_money` itself as
/// in the REST reference's example) with the taxes charged on them (their own `tax_lines`,
/// e.g. import VAT levied on the duty: money collected for an authority, so tax like the duty
/// itself), and their ids.
pub(super) fn line_duties(li: &Value, path: &str) -> Result<(Decimal, Vec<String>), PayloadError> {
    let mut sum = duty_taxes(li, path)?;
    let mut ids = Vec::new();
    for (i, du) in array(li, path, "duties")?.iter().enumerate() {
        let dp = join(path, &format!("duties[{i}]"));
        sum += match (money(du, &dp, "price")?, get(du, "shop_money")) {
            (Some(m), _) => m,
            (None, Some(m)) => amount(m, &join(&dp, "shop_money"), "amount")?,
            (None, None) => {
                return Err(json::err(
                    &join(&dp, "price_set"),
                    "is missing (and so are `price` and `shop_money`): the duty has no amount",
                ))
            }
        };
        if let Some(id) = get(du, "id") {
            ids.push(id.as_str().map(str::to_string).unwrap_or(id.to_string()));
        }
    }
    Ok((sum, ids))
}

/// The taxes charged on the duties of one line item: the `tax_lines[].price` (else
/// `price_set.shop_money`) of each of its `duties[]`.
pub(super) fn duty_taxes(li: &Value, path: &str) -> Result<Decimal, PayloadError> {
    let mut sum = Decimal::ZERO;
    for (i, du) in array(li, path, "duties")?.iter().enumerate() {
        let dp = join(path, &format!("duties[{i}]"));
        for (j, t) in array(du, &dp, "tax_lines")?.iter().enumerate() {
            sum += super::req_money(t, &join(&dp, &format!("tax_lines[{j}]")), "price")?;
        }
    }
    Ok(sum)
}

/// The duty of what was kept of a line (an order edit removes units): in proportion to the
/// quantity, rounded to the currency.
pub(super) fn kept_share(
    duty: Decimal,
    kept: Decimal,
    ordered: Decimal,
    currency: &str,
) -> Decimal {
    if ordered.is_zero() {
        return Decimal::ZERO;
    }
    (duty * kept / ordered).round_dp(exponent(currency))
}

/// Orders trimmed to their totals (no `duties` on the lines) still charged
/// `original_total_duties_set` (else `current_total_duties_set`): spread over the sale lines by
/// gross, the last taking the rounding rest, so that tax holds all of it. With `included`
/// (the order's `duties_included`) the prices hold the duties: each share leaves the net.
pub(super) fn spread_order_duties(
    lines: &mut [Line],
    o: &Value,
    path: &str,
    currency: &str,
    included: bool,
) -> Result<(), PayloadError> {
    let (total, key) = match money(o, path, "original_total_duties")? {
        Some(t) => (t, "original_total_duties_set"),
        None => (
            money(o, path, "current_total_duties")?.unwrap_or_default(),
            "current_total_duties_set",
        ),
    };
    let weights: Vec<Decimal> = lines.iter().map(|l| l.quantity * l.unit_price).collect();
    if total <= Decimal::ZERO || weights.iter().sum::<Decimal>() <= Decimal::ZERO {
        return Ok(());
    }
    let field = join(path, key);
    for (l, part) in lines
        .iter_mut()
        .zip(spread(total, &weights, exponent(currency)))
    {
        l.tax = super::plus(l.tax, part, &field)?;
        if included {
            l.net_amount = super::plus(l.net_amount, -part, &field)?;
        }
    }
    Ok(())
}

/// A refund's `duties[]` (`duty_id`, `amount_set.shop_money`, else `amount`), summed per duty id.
pub(super) fn refunded_duties(
    r: &Value,
    path: &str,
) -> Result<Vec<(String, Decimal)>, PayloadError> {
    let mut out = Vec::new();
    for (du, dp) in refund_duty_entries(r, path)? {
        out.push((text(du, &dp, "duty_id")?, refunded_amount(du, &dp)?));
    }
    Ok(out)
}

/// The entries of a refund's `duties[]`, with their paths. The REST Refund reference shows
/// them wrapped, `"duties": {"duties": […]}`; webhooks and SDK models send the list itself.
/// Both are read.
pub(super) fn refund_duty_entries<'a>(
    r: &'a Value,
    path: &str,
) -> Result<Vec<(&'a Value, String)>, PayloadError> {
    let (holder, hp) = match get(r, "duties") {
        Some(w @ Value::Object(_)) if get(w, "duties").is_some() => (w, join(path, "duties")),
        Some(Value::Object(_)) => {
            return Err(json::err(
                &join(path, "duties.duties"),
                "is missing: `duties` is an object without its list of refunded duties",
            ))
        }
        _ => (r, path.to_string()),
    };
    Ok(array(holder, &hp, "duties")?
        .iter()
        .enumerate()
        .map(|(i, du)| (du, join(&hp, &format!("duties[{i}]"))))
        .collect())
}

/// What a refund gives back of the order's additional fees (`additional_fees[]`, read as
/// GraphQL's `RefundAdditionalFee.amountSet`): money, not goods, like a shipping refund, so
/// no line; only the refund's tax-inclusive reading needs it.
pub(super) fn refunded_fees(r: &Value, path: &str) -> Result<Decimal, PayloadError> {
    let mut sum = Decimal::ZERO;
    for (i, f) in array(r, path, "additional_fees")?.iter().enumerate() {
        sum += refunded_amount(f, &join(path, &format!("additional_fees[{i}]")))?;
    }
    Ok(sum)
}

/// `amount_set.shop_money.amount`, else `amount`.
fn refunded_amount(v: &Value, path: &str) -> Result<Decimal, PayloadError> {
    match get(v, "amount_set").and_then(|s| get(s, "shop_money")) {
        Some(m) => amount(m, &join(path, "amount_set.shop_money"), "amount"),
        None => amount(v, path, "amount"),
    }
}

/// Duty id → line item id, from line items that list their duties.
pub(super) fn duty_items<'a>(
    items: impl Iterator<Item = (&'a Value, String)>,
) -> Result<HashMap<String, String>, PayloadError> {
    let mut out = HashMap::new();
    for (li, lp) in items {
        let (_, ids) = line_duties(li, &lp)?;
        if ids.is_empty() {
            continue;
        }
        let item = text(li, &lp, "id")?;
        for id in ids {
            out.insert(id, item.clone());
        }
    }
    Ok(out)
}
