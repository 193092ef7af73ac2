//! An order's line items as sale lines, priced as Clover's `OrderCalc` prices them (Clover
//! Android SDK, `com.clover.sdk.v3.order.OrderCalc`): `price` in minor units per unit,
//! `unitQty` in thousandths (1500 = 1.5 lb), modifications added to the price, line discounts
//! (`amount` in negative minor units, `percentage` in whole percent), then the order's discounts
//! spread over the lines, then tax: `taxRates[].rate` in hundred-thousandths of a percent
//! (1000000 = 10 %), computed per rate over the lines it applies to and spread back on them.

use super::read::{elements, flag, money, opt_int};
use super::tax::{add_tax, paid_tax, Taxed};
use crate::adapters::json::{err, get, join, opt_text};
use crate::adapters::money::{exponent, from_minor, negated, spread};
use crate::adapters::PayloadError;
use crate::sku::item_key;
use pos_core::model::*;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

/// A sale line with the Clover line item id it came from (refunds name line items by id).
#[derive(Debug, Clone)]
pub struct Sale {
    pub clover_id: Option<String>,
    /// The line item's `refund` reference: the refund that gave it back (`refunded: true`).
    pub refund_id: Option<String>,
    pub line: Line,
}

/// A line item read, before the order's discounts and tax.
struct Item {
    clover_id: Option<String>,
    refund_id: Option<String>,
    raw: String,
    name: Option<String>,
    qty: Decimal,
    unit_price: Decimal,
    gross: Decimal,
    discount: Decimal,
    /// `(tax rate id, fraction)` of its percentage taxes, and its flat taxes summed.
    rates: Vec<(String, Decimal)>,
    flat: Decimal,
    /// `isRevenue: false` (gift cards, donations, deposits): paid for, not revenue.
    non_revenue: bool,
    /// `exchanged: true`: swapped for another item, out of the order's total.
    exchanged: bool,
    /// `isOrderFee`: a service charge as a line item, never taxed.
    fee: bool,
    /// Its line number: its place among the order's line items, from 1.
    no: i32,
}

/// Rounds to the currency's minor unit, half away from zero as a till does.
pub fn round(x: Decimal, currency: &str) -> Decimal {
    x.round_dp_with_strategy(exponent(currency), RoundingStrategy::MidpointAwayFromZero)
}

/// The order's line items as sale lines numbered from 1, discounts and tax on each.
/// `paid_tax`: the approved payments' `taxAmount`, the tax when no line item's `taxRates`
/// were expanded (see `tax::paid_tax`).
///
/// An exchanged line item (`exchanged: true`) is not in what the order charged: Clover's
/// `OrderCalc.getTotal` and even `getTotalBeforeRefunds` leave it out ("If an item was
/// exchanged, then it does not appear in the total"), and the payments pay the item it was
/// exchanged for. It stays a sale line, priced alone (its line discounts and taxes, no share of
/// the order's discounts or tax), and a return line after the line items gives it back, so it
/// neither counts as sold nor takes from the other lines; it was booked as sold before, and
/// the lines came out above the payments by its price.
pub fn sale_lines(
    o: &Value,
    path: &str,
    currency: &str,
    paid_tax_amount: Decimal,
) -> Result<Vec<Sale>, PayloadError> {
    let (list, lp) = elements(o, path, "lineItems")?;
    let manual = flag(o, path, "manualTransaction")?;
    let mut items = Vec::with_capacity(list.len());
    for (i, li) in list.iter().enumerate() {
        let p = format!("{lp}[{i}]");
        let it = item(li, &p, currency, i)?;
        not_below_zero(&it, manual, &join(&p, "discounts"))?;
        items.push(it);
    }
    let (mut kept, exchanged): (Vec<Item>, Vec<Item>) =
        items.into_iter().partition(|it| !it.exchanged);
    let left = |items: &[Item]| -> Decimal { items.iter().map(|it| it.gross - it.discount).sum() };
    let before = left(&kept);
    order_discounts(o, path, currency, &mut kept)?;
    if !manual && before >= Decimal::ZERO && left(&kept) < Decimal::ZERO {
        return Err(err(
            &join(path, "discounts"),
            format!(
                "would take {} off line items of {}: below zero, which Clover allows only on a \
                 manual transaction",
                before - left(&kept),
                before
            ),
        ));
    }
    // `taxRates` absent from every line item: not expanded (an untaxed item expanded has an
    // empty list), so Clover's rates are unknown here.
    let rates_unknown = !list.iter().any(|li| get(li, "taxRates").is_some());
    let how = Taxing {
        vat: flag(o, path, "isVat")?,
        removed: flag(o, path, "taxRemoved")?,
        paid: if rates_unknown {
            paid_tax_amount
        } else {
            Decimal::ZERO
        },
        currency,
        lp: &lp,
    };
    let mut sales = taxed_sales(kept, &how)?;
    let mut returns = Vec::with_capacity(exchanged.len());
    let how = Taxing {
        paid: Decimal::ZERO,
        ..how
    };
    for it in exchanged {
        let sold = taxed_sales(vec![it], &how)?.remove(0);
        let no = list.len() as i32 + returns.len() as i32 + 1;
        returns.push(exchange_return(&sold, no, o, path)?);
        sales.push(sold);
    }
    sales.sort_by_key(|s| s.line.line_no);
    sales.extend(returns);
    Ok(sales)
}

/// How an order taxes its lines: `isVat`, `taxRemoved`, the payments' tax when the rates were
/// not expanded (zero otherwise), the currency, and the path of the line items for errors.
#[derive(Clone, Copy)]
struct Taxing<'a> {
    vat: bool,
    removed: bool,
    paid: Decimal,
    currency: &'a str,
    lp: &'a str,
}

/// `items` (discounted) as sale lines with their tax.
fn taxed_sales(items: Vec<Item>, how: &Taxing) -> Result<Vec<Sale>, PayloadError> {
    let taxed: Vec<Taxed> = items
        .iter()
        .map(|it| Taxed {
            amount: it.gross - it.discount,
            rates: it.rates.clone(),
            flat: it.flat,
            revenue: !it.non_revenue && !it.fee,
        })
        .collect();
    let (nets, taxes) = if how.removed {
        (
            taxed.iter().map(|t| t.amount).collect(),
            vec![Decimal::ZERO; taxed.len()],
        )
    } else if !how.paid.is_zero() {
        paid_tax(&taxed, how.paid, how.vat, how.currency)
    } else {
        add_tax(&taxed, how.vat, how.currency)
            .ok_or_else(|| err(how.lp, "the amounts are too large to compute the tax"))?
    };
    Ok(items
        .into_iter()
        .zip(nets.into_iter().zip(taxes))
        .map(|(it, (net, tax))| sale(it, net, tax))
        .collect())
}

/// The return line that gives an exchanged line item back: its quantity, net and tax negated.
fn exchange_return(sold: &Sale, no: i32, o: &Value, path: &str) -> Result<Sale, PayloadError> {
    let l = &sold.line;
    Ok(Sale {
        clover_id: None,
        refund_id: None,
        line: Line {
            line_no: no,
            kind: LineKind::Return,
            quantity: negated(l.quantity),
            discount: Decimal::ZERO,
            net_amount: negated(l.net_amount),
            tax: negated(l.tax),
            original_txn_id: Some(crate::adapters::json::text(o, path, "id")?),
            original_line_no: Some(l.line_no),
            ..l.clone()
        },
    })
}

fn sale(it: Item, net: Decimal, tax: Decimal) -> Sale {
    let key = item_key(&it.raw).expect("item ids are checked when read");
    Sale {
        clover_id: it.clover_id,
        refund_id: it.refund_id,
        line: Line {
            line_no: it.no,
            kind: LineKind::Sale,
            sku: key.sku,
            gtin: key.gtin,
            raw_item_id: it.raw,
            description: it.name,
            quantity: it.qty,
            unit_price: it.unit_price,
            discount: it.discount,
            net_amount: net,
            tax,
            entry_method: EntryMethod::Other,
            price_override: false,
            non_revenue: it.non_revenue,
            original_txn_id: None,
            original_line_no: None,
        },
    }
}

fn item(li: &Value, lp: &str, currency: &str, i: usize) -> Result<Item, PayloadError> {
    let qty = match opt_int(li, lp, "unitQty")? {
        Some(q) if q < 0 => return Err(err(&join(lp, "unitQty"), "is negative")),
        Some(q) => Decimal::new(q, 3),
        None => Decimal::ONE,
    };
    let mut unit_price = money(li, lp, "price", currency)?;
    let (mods, mp) = elements(li, lp, "modifications")?;
    for (i, m) in mods.iter().enumerate() {
        if opt_int(m, &format!("{mp}[{i}]"), "amount")?.is_some() {
            unit_price += money(m, &format!("{mp}[{i}]"), "amount", currency)?;
        }
    }
    let too_large = || err(&join(lp, "price"), "times the quantity is too large");
    let gross = round(unit_price.checked_mul(qty).ok_or_else(too_large)?, currency);
    // Far beyond any sale, and small enough that sums over the order cannot overflow.
    if gross.abs() > Decimal::from(1_000_000_000_000_000_000u64) {
        return Err(too_large());
    }
    let (amount_off, percent) = discounts(li, lp, currency)?;
    let off = gross
        .checked_mul(percent / Decimal::ONE_HUNDRED)
        .and_then(|x| round(x, currency).checked_add(amount_off))
        .ok_or_else(too_large)?;
    let (rates, flat) = tax_rates(li, lp, qty, currency)?;
    let (raw, name) = item_id(li, lp)?;
    Ok(Item {
        clover_id: opt_text(li, lp, "id")?,
        refund_id: super::read::ref_id(li, lp, "refund")?,
        raw,
        name,
        qty,
        unit_price,
        gross,
        discount: off,
        rates,
        flat,
        non_revenue: get(li, "isRevenue").is_some() && !flag(li, lp, "isRevenue")?,
        exchanged: flag(li, lp, "exchanged")?,
        fee: flag(li, lp, "isOrderFee")?,
        no: i as i32 + 1,
    })
}

/// The line item's `taxRates`: `(id, fraction)` of each percentage tax (`rate` in
/// hundred-thousandths of a percent; beyond 100 % is a unit error), keyed by the rate's `id`
/// (one without an id by its value, as before ids were read), and its flat taxes (`taxAmount`,
/// minor units per line item) summed. A flat tax on a weighed item (`unitQty` not 1) is refused
/// naming it: whether it is per line or per unit is not published.
fn tax_rates(
    li: &Value,
    lp: &str,
    qty: Decimal,
    currency: &str,
) -> Result<(Vec<(String, Decimal)>, Decimal), PayloadError> {
    let (list, rp) = elements(li, lp, "taxRates")?;
    let (mut rates, mut flat) = (Vec::with_capacity(list.len()), Decimal::ZERO);
    for (i, r) in list.iter().enumerate() {
        let p = format!("{rp}[{i}]");
        let amount = opt_int(r, &p, "taxAmount")?.unwrap_or(0);
        if amount < 0 {
            return Err(err(
                &join(&p, "taxAmount"),
                "is negative: Clover writes a flat tax as a positive amount",
            ));
        }
        if amount > 0 && qty != Decimal::ONE {
            return Err(err(
                &join(&p, "taxAmount"),
                format!("a flat tax on a quantity of {qty}: per unit or per line is not known"),
            ));
        }
        flat += from_minor(amount, currency);
        let x = match (opt_int(r, &p, "rate")?, amount) {
            (Some(x), _) => x,
            (None, 0) => return Err(err(&join(&p, "rate"), "is missing")),
            (None, _) => 0,
        };
        if !(0..=10_000_000).contains(&x) {
            // 100 % is 10 000 000: beyond it is a unit error, not a tax.
            return Err(err(
                &join(&p, "rate"),
                format!("{x} is not a rate between 0 and 100 % (10000000)"),
            ));
        }
        if x > 0 {
            let id = opt_text(r, &p, "id")?.filter(|id| !id.is_empty());
            rates.push((
                id.unwrap_or_else(|| format!("rate:{x}")),
                Decimal::new(x, 7),
            ));
        }
    }
    Ok((rates, flat))
}

/// The discounts of a line or order: the amount off (Clover's `amount` is negative minor
/// units; a positive one would raise the price and is refused) and the percentage, summed and
/// held within 0–100 as `OrderCalc` does.
fn discounts(v: &Value, path: &str, currency: &str) -> Result<(Decimal, Decimal), PayloadError> {
    let (list, dp) = elements(v, path, "discounts")?;
    let (mut amount, mut percent) = (Decimal::ZERO, Decimal::ZERO);
    for (i, d) in list.iter().enumerate() {
        let p = format!("{dp}[{i}]");
        if let Some(a) = opt_int(d, &p, "amount")? {
            if a > 0 {
                return Err(err(
                    &join(&p, "amount"),
                    "is positive: Clover writes a discount amount as negative minor units",
                ));
            }
            amount -= from_minor(a, currency);
        }
        percent = percent.saturating_add(discount_percent(d, &p)?);
    }
    Ok((amount, percent.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED)))
}

/// A discount's percentage: `percentageDecimal` (percent × 10 000: 125000 is 12.5 %, the SDK's
/// `OrderCalc.getPercentDiscounts` reads it first; beyond 100 % is a unit error), else the
/// whole-percent `percentage`. Without the first, a 12.5 % discount was dropped: the lines
/// came out above what was paid.
fn discount_percent(d: &Value, p: &str) -> Result<Decimal, PayloadError> {
    match opt_int(d, p, "percentageDecimal")? {
        Some(x @ 0..=1_000_000) => Ok(Decimal::new(x, 4)),
        Some(x) => Err(err(
            &join(p, "percentageDecimal"),
            format!("{x} is not a percentage between 0 and 100 % (1000000)"),
        )),
        None => Ok(opt_int(d, p, "percentage")?.map_or(Decimal::ZERO, Decimal::from)),
    }
}

/// Discounts that take a line item (or the order, for the order's discounts: their shares are
/// rounded) below zero are refused, naming them: Clover's calculator
/// allows a negative price only on a manual transaction (`OrderCalc.allowNegativePrice`), so
/// it does not charge what such discounts would make of the line, and how it caps them is not
/// published. Mapped as they were, they made negative sales the payments never showed. A line
/// priced below zero itself (a manual transaction, a deposit given back) is not checked.
fn not_below_zero(it: &Item, manual: bool, field: &str) -> Result<(), PayloadError> {
    if manual || it.gross < Decimal::ZERO || it.discount <= it.gross {
        return Ok(());
    }
    Err(err(
        field,
        format!(
            "would take {} off a line item of {} (`{}`): below zero, which Clover allows only on a \
             manual transaction",
            it.discount,
            it.gross,
            it.name.as_deref().unwrap_or(&it.raw)
        ),
    ))
}

/// The order's own discounts on its lines: the percentage on each line's discounted amount,
/// the amount spread over the lines in proportion to what is left of them, so the shares add
/// up to the amount exactly.
fn order_discounts(
    o: &Value,
    path: &str,
    currency: &str,
    items: &mut [Item],
) -> Result<(), PayloadError> {
    let (amount, percent) = discounts(o, path, currency)?;
    if items.is_empty() || (amount.is_zero() && percent.is_zero()) {
        return Ok(());
    }
    let fraction = percent / Decimal::ONE_HUNDRED;
    for it in items.iter_mut() {
        // |gross − discount| is below Decimal's limit, and the fraction at most 1.
        it.discount += round((it.gross - it.discount) * fraction, currency);
    }
    let left: Vec<Decimal> = items.iter().map(|it| it.gross - it.discount).collect();
    for (it, share) in items
        .iter_mut()
        .zip(spread_largest_last(amount, &left, exponent(currency)))
    {
        it.discount += share;
    }
    Ok(())
}

/// [`spread`], with the rounding remainder on the largest weight rather than on the last line:
/// a free line item rung last (a refill at 0.00) took a cent of an order discount or of the
/// tax, and became a negative sale or carried a negative tax.
pub fn spread_largest_last(amount: Decimal, weights: &[Decimal], dp: u32) -> Vec<Decimal> {
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&k| weights[k].abs());
    let sorted: Vec<Decimal> = order.iter().map(|&k| weights[k]).collect();
    let mut out = vec![Decimal::ZERO; weights.len()];
    for (&k, share) in order.iter().zip(spread(amount, &sorted, dp)) {
        out[k] = share;
    }
    out
}

/// The item: its `itemCode` (a barcode or product code, normalized to GTIN-14 when it is
/// one), else the inventory `item.id`, else the line's `name` (a custom item), else `custom`.
///
/// A line item with `isOrderFee` is a service charge of Clover's multiple-service-charges
/// feature (order fees are line items there, untaxed, priced by Clover): `service_charge:<fee
/// id or name>`, as the order's single `serviceCharge` and Square's service charges are named.
fn item_id(li: &Value, lp: &str) -> Result<(String, Option<String>), PayloadError> {
    let name = opt_text(li, lp, "name")?;
    let inventory = super::read::ref_id(li, lp, "item")?;
    if flag(li, lp, "isOrderFee")? {
        let id = inventory.clone().filter(|i| !i.is_empty()).or(name.clone());
        let raw = super::charges::service_charge_item(id.as_deref());
        if item_key(&raw).is_some() {
            return Ok((raw, name));
        }
    }
    let candidates = [opt_text(li, lp, "itemCode")?, inventory, name.clone()];
    let raw = candidates
        .into_iter()
        .flatten()
        .find(|r| item_key(r).is_some())
        .unwrap_or_else(|| "custom".to_string());
    Ok((raw, name))
}
