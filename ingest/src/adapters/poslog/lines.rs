//! Sale and return line items: item codes, quantities, prices, line discounts and tax, and
//! the reconciliation of lines with transaction-level tax and discounts.

use super::bearers::{shares, Candidate};
use super::orders::{order_of, Order};
use super::txn_tax::{computed, TxnLevel};
use super::xml::{attr, child, child_dec, child_text, children, dec, flag, text, MAX_NUMBER};
use super::{compose_id, total, Bad, Context, Head, R, VOID_LINE_OFFSET};
use crate::adapters::money::spread;
use crate::sku::item_key;
use pos_core::model::*;
use roxmltree::Node;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::str::FromStr;

/// Whether an `ItemID` `Type` (or `Name`, which some exports use the same way) names a
/// barcode: `GTIN`, `EAN13`, `EAN8`, `UPC`, `UPCA`, vendor-prefixed `X:EANNON`…
fn is_barcode_type(t: &str) -> bool {
    let t = t.rsplit(':').next().unwrap_or(t).to_ascii_uppercase();
    t.contains("GTIN") || t.contains("EAN") || t.contains("UPC") || t == "BARCODE"
}

/// The item codes of a `Sale`/`Return`: the POS's own id (`raw_item_id`) and the product key.
/// Several `ItemID`s may be sent (SKU and barcode, each with `Type`): the raw id is the first
/// that is not a barcode, the key a barcode when one is given (`SerialNumber Type="GTIN"`, an
/// `ItemID` of a barcode type, a `POSIdentity` whose `POSIDType` is one: Wincor Nixdorf / GK
/// TP.net send the article number as `ItemID` and the scanned EAN as
/// `POSIdentity POSIDType="EAN"`), as for the other sources where the GTIN is the product key.
/// FGL Sports' ARTS-derived EAI messages have no `ItemID`: the item is `Item/ItemNumber` with
/// its barcode in `Item/UPCNumber` (and its name in `Item/ItemName`), a service (repairs and
/// alterations) `NonSKUItem/ServiceItemTypeCode` (its name in `ServiceItemTypeDescriptionText`).
fn item_codes(item: Node) -> R<(String, crate::sku::ItemKey)> {
    let ids: Vec<(Option<&str>, &str)> = children(item, "ItemID")
        .map(|n| (attr(n, "Type").or_else(|| attr(n, "Name")), text(n)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let barcode = |t: &Option<&str>| t.is_some_and(is_barcode_type);
    let raw = ids
        .iter()
        .find(|(t, _)| !barcode(t))
        .or(ids.first())
        .map(|(_, v)| *v)
        .or_else(|| child(item, "POSIdentity").and_then(|p| child_text(p, "POSItemID")))
        .or_else(|| child(item, "Item").and_then(|i| child_text(i, "ItemNumber")))
        .or_else(|| child(item, "NonSKUItem").and_then(|i| child_text(i, "ServiceItemTypeCode")))
        .or_else(|| super::stored_value::fallback_id(item))
        .ok_or_else(|| Bad("no <ItemID> nor <POSIdentity><POSItemID>".into()))?;
    let gtin = children(item, "SerialNumber")
        .find(|s| s.attribute("Type") == Some("GTIN"))
        .map(text)
        .and_then(item_key)
        .or_else(|| {
            ids.iter()
                .filter(|(t, _)| barcode(t))
                .find_map(|(_, v)| item_key(v))
        })
        .or_else(|| {
            children(item, "POSIdentity")
                .filter(|p| attr(*p, "POSIDType").is_some_and(is_barcode_type))
                .filter_map(|p| child_text(p, "POSItemID"))
                .find_map(item_key)
        })
        .or_else(|| {
            child(item, "Item")
                .and_then(|i| child_text(i, "UPCNumber"))
                .and_then(item_key)
        });
    let key = gtin
        .or_else(|| item_key(raw))
        .ok_or_else(|| Bad(format!("<ItemID> `{raw}` holds no usable item code")))?;
    Ok((raw.to_string(), key))
}

/// Spellings of the regular (list) unit price: ARTS `RegularSalesUnitPrice`, then what other
/// exports write: `RegularSaleUnitPrice` (a public ticket-to-POSLog XSLT), `UnitListPrice`
/// (Wincor Nixdorf TP.net, beside the ARTS one), `UnitRetailPrice` (an ARTS 6.5 `KLog`).
const REGULAR_PRICE: [&str; 4] = [
    "RegularSalesUnitPrice",
    "RegularSaleUnitPrice",
    "UnitListPrice",
    "UnitRetailPrice",
];
/// Spellings of the price actually charged per unit: ARTS, then `ActualUnitPrice` (the XSLT).
const ACTUAL_PRICE: [&str; 2] = ["ActualSalesUnitPrice", "ActualUnitPrice"];

/// The first of `names` the item gives, as an unsigned amount.
fn price_of(item: Node, names: &[&str]) -> R<Option<Decimal>> {
    for n in names {
        if let Some(p) = child_dec(item, n)? {
            return Ok(Some(p.abs()));
        }
    }
    Ok(None)
}

/// Money of one line as the POS reported it, normalized: quantity (unsigned), gross (before
/// line discounts) and the line discount.
struct LineMoney {
    quantity: Decimal,
    gross: Decimal,
    discount: Decimal,
}

/// Sum of line-level price modifiers (`RetailPriceModifier`, `PriceDerivationResult`):
/// `Action="Subtract"` (or none) is a discount, `Action="Add"` a surcharge. A modifier that
/// gives only a `Percent` (ARTS makes its `Amount` optional) takes it of `base`, the line's list
/// amount (quantity × regular price) less the modifiers before it, rounded to the currency's
/// minor unit `dp`; without a list amount there is nothing to take it of and it is skipped.
/// `Action="Replace"` gives the new unit price, not an amount off (Wincor TP.net's customer
/// price: `Amount Action="Replace"` 0.50 with `PreviousPrice` 0.60 on a line of 2 whose
/// `ActualSalesUnitPrice` is 0.50 and `ExtendedAmount` 1.00): a price override, which the
/// actual price (else the extended amount, see [`deal_price`]) already carries, so no discount.
/// A modifier with `VoidFlag` true was taken back before the sale ended: no discount (ARTS
/// gives `RetailPriceModifier` the flag; Oracle MICROS writes it on every modifier, and readers
/// of its POSLog keep only `RetailPriceModifier[@VoidFlag='false']`).
fn modifiers(item: Node, base: Option<Decimal>, dp: u32) -> R<Option<Decimal>> {
    let mut sum: Option<Decimal> = None;
    for m in item.children().filter(|c| {
        c.is_element()
            && matches!(
                c.tag_name().name(),
                "RetailPriceModifier" | "PriceDerivationResult"
            )
            && !flag(*c, "VoidFlag")
    }) {
        let amount = child(m, "Amount").filter(|a| !text(*a).is_empty());
        let action = amount
            .and_then(|a| attr(a, "Action"))
            .or_else(|| attr(m, "Action"));
        if action.is_some_and(|x| x.eq_ignore_ascii_case("Replace")) {
            continue;
        }
        let v = match (amount, base) {
            (Some(a), _) => dec(a, "RetailPriceModifier/Amount")?.abs(),
            (None, Some(b)) => match child_dec(m, "Percent")? {
                Some(p) => {
                    let running: Decimal = b - sum.unwrap_or_default();
                    let p: Decimal = modifier_percent(p)?;
                    (running * p / Decimal::ONE_HUNDRED).round_dp(dp)
                }
                None => continue,
            },
            (None, None) => continue,
        };
        let add = action.is_some_and(|x| x.eq_ignore_ascii_case("Add"));
        *sum.get_or_insert(Decimal::ZERO) += if add { -v } else { v };
    }
    Ok(sum)
}

/// A price modifier's percentage: 0‥100 (a larger one would make the price negative).
fn modifier_percent(p: Decimal) -> R<Decimal> {
    let p = p.abs();
    if p > Decimal::ONE_HUNDRED {
        return Err(Bad(format!(
            "<RetailPriceModifier><Percent> `{p}` is not a percentage between 0 and 100"
        )));
    }
    Ok(p)
}

/// Quantity, gross and discount of a line. Vendors disagree on `ExtendedAmount`: NCR (ACS,
/// Emerald) and roqqio send it before the line discount (`ExtendedDiscountAmount` being the
/// discount), SAP and GK after it; which one is meant is told by the arithmetic against
/// quantity × unit price, see [`gross_of`]. A `Quantity` with a `Units` attribute other than 1
/// counts packages of `Units` each (weight, length) when that is what the extended amount was
/// priced on.
fn line_money(item: Node, dp: u32) -> R<LineMoney> {
    let q_node = child(item, "Quantity").filter(|q| !text(*q).is_empty());
    let qty_text = q_node
        .map(|q| dec(q, "Quantity"))
        .transpose()?
        .unwrap_or(Decimal::ONE)
        .abs();
    let units = q_node
        .and_then(|q| attr(q, "Units"))
        .and_then(|u| Decimal::from_str(u.trim()).ok())
        .map(|u| u.abs())
        .filter(|u| *u <= MAX_NUMBER)
        .filter(|u| !u.is_zero() && *u != Decimal::ONE);
    let prices = Prices {
        regular: price_of(item, &REGULAR_PRICE)?,
        actual: price_of(item, &ACTUAL_PRICE)?,
    };
    let extended = child_dec(item, "ExtendedAmount")?.map(|d| d.abs());
    let list = prices.regular.or(prices.actual);
    let near = |a: Decimal, b: Decimal| (a - b).abs();
    let quantity = match (units, extended, prices.actual.or(prices.regular)) {
        (Some(u), Some(e), Some(p)) => {
            let packages = packages(qty_text, u)?;
            if near(packages * p, e) < near(qty_text * p, e) {
                packages
            } else {
                qty_text
            }
        }
        _ => qty_text,
    };
    let discount = match line_discount(item, extended, quantity, dp)?
        .map(|d| d.abs())
        .filter(|d| !d.is_zero())
    {
        Some(d) => d,
        None => modifiers(item, list.map(|p| quantity * p), dp)?.unwrap_or_default(),
    };
    let gross = match (extended, list) {
        (Some(e), Some(_)) if !discount.is_zero() => gross_of(e, quantity, prices, discount, dp),
        (Some(e), _) => e,
        (None, _) => {
            let p = prices
                .actual
                .or(prices.regular)
                .ok_or_else(|| Bad("no unit price nor <ExtendedAmount>".into()))?;
            (quantity * p).round_dp(2)
        }
    };
    Ok(LineMoney {
        quantity,
        gross,
        discount,
    })
}

/// The line's stated discount: `ExtendedDiscountAmount`, else `DiscountAmount`. ARTS makes the
/// first the discount of the whole line (the second × quantity); NCR RES (2012, Japan) writes
/// the discount in `DiscountAmount` and the amount **after** it in `ExtendedDiscountAmount`
/// (`ExtendedAmount` 8800 for 20 × 440, `DiscountAmount` 1320, `ExtendedDiscountAmount` 7480,
/// paid 7480). Both given, when `ExtendedAmount` − `DiscountAmount` = `ExtendedDiscountAmount`
/// and `ExtendedDiscountAmount` ≠ `DiscountAmount` × quantity (which ARTS would have it be),
/// the discount is `DiscountAmount`: read the ARTS way, 7480 was taken off and 1320 booked.
fn line_discount(
    item: Node,
    extended: Option<Decimal>,
    quantity: Decimal,
    dp: u32,
) -> R<Option<Decimal>> {
    let ext_disc = child_dec(item, "ExtendedDiscountAmount")?.map(|d| d.abs());
    let unit_disc = child_dec(item, "DiscountAmount")?.map(|d| d.abs());
    let minor = Decimal::new(1, dp);
    if let (Some(x), Some(u), Some(e)) = (ext_disc, unit_disc, extended) {
        let net_after = (e - u - x).abs() < minor;
        let arts = quantity
            .checked_mul(u)
            .is_some_and(|per_line| (per_line - x).abs() < minor);
        if !u.is_zero() && net_after && !arts {
            return Ok(Some(u));
        }
    }
    Ok(ext_disc.or(unit_disc))
}

/// `Quantity` × `Units` (packages of a weight or length), refused by name when beyond
/// [`MAX_NUMBER`]: each factor is bounded alone, and their product times a unit price could
/// pass `Decimal`'s range and panic, which would lose the whole document instead of this one
/// transaction. Bounded so, quantity × price stays far inside it.
fn packages(quantity: Decimal, units: Decimal) -> R<Decimal> {
    quantity
        .checked_mul(units)
        .filter(|p| *p <= MAX_NUMBER)
        .ok_or_else(|| {
            Bad(format!(
                "<Quantity Units> `{units}` × <Quantity> `{quantity}` is out of range"
            ))
        })
}

/// The unit prices a line states.
#[derive(Clone, Copy)]
struct Prices {
    regular: Option<Decimal>,
    actual: Option<Decimal>,
}

/// The line's amount before its `discount`, from the `ExtendedAmount` `e`: `e` + discount when
/// `e` is after the discount, else `e`. ARTS makes `e` the actual price × quantity; with a
/// price override (actual < regular) plus a discount, `e` = quantity × actual is also close to
/// quantity × regular − discount, so comparing with the regular price alone would read it as
/// "after" and lose the discount (NCR Emerald, roqqio: before). Readings are tried in order,
/// the first within a minor unit (`dp`) wins: after against the regular price (the ticket XSLT,
/// SAP, GK: 18 = 2 × 10 − 2), before against the actual price, after against the actual price,
/// before against the regular price. None fitting: the nearer of the two against the list price.
fn gross_of(e: Decimal, quantity: Decimal, prices: Prices, discount: Decimal, dp: u32) -> Decimal {
    let minor = Decimal::new(1, dp);
    let fits = |p: Option<Decimal>, off: Decimal| {
        p.is_some_and(|p| (quantity * p - off - e).abs() < minor)
    };
    let readings = [
        (prices.regular, discount, true),
        (prices.actual, Decimal::ZERO, false),
        (prices.actual, discount, true),
        (prices.regular, Decimal::ZERO, false),
    ];
    let after = match readings.iter().find(|(p, off, _)| fits(*p, *off)) {
        Some((_, _, after)) => *after,
        None => {
            let base = quantity * prices.regular.or(prices.actual).unwrap_or_default();
            (e - (base - discount)).abs() < (e - base).abs()
        }
    };
    if after {
        e + discount
    } else {
        e
    }
}

/// The price actually charged per unit when the POS left out `ActualSalesUnitPrice` but the
/// `ExtendedAmount` is not quantity × the regular price and no discount explains the gap: NCR
/// ACS writes a deal ("2 for 6.00") so, with the regular price, the dealt `ExtendedAmount`
/// and zero discounts. ARTS makes `ExtendedAmount` the actual price × quantity, so the actual
/// price is `ExtendedAmount` ÷ quantity (4 places), and the line adds up as an overridden
/// price, as when the actual price is written. A gap below the currency's minor unit (`dp`)
/// is rounding of a weighed quantity, not a deal: None.
fn deal_price(regular: Option<Decimal>, money: &LineMoney, dp: u32) -> Option<Decimal> {
    let p = regular?;
    if !money.discount.is_zero() || money.quantity.is_zero() {
        return None;
    }
    let minor = Decimal::new(1, dp);
    let gap = (money.quantity * p - money.gross).abs();
    (gap >= minor).then(|| (money.gross / money.quantity).round_dp(4))
}

/// The tax of a line and whether its price includes it. Known from the amounts when the POS
/// gives a `TaxableAmount`: taxable + tax = net means VAT-inclusive, taxable = net exclusive
/// (vendors use `TaxIncludedInTaxableAmountFlag` in opposite senses, so the flag is not
/// trusted); otherwise `TaxIncludedInPriceFlag`. A `Tax` with a `Percent` but no `Amount`
/// (GK, TP.net, Xstore write such) gets its amount from the rate, see [`tax_from_percent`].
/// A `Tax` without a `TaxableAmount` (NCR RES adds the rounding part of the consumption tax
/// so, `NormalTaxType="Exceptional"`) still counts in the line's tax, but the taxable amount
/// may hold only the amounts of the `Tax`es that state it, see [`inclusive_by_amounts`].
/// When the amounts fit neither way against the net, they are compared with `gross`, the
/// line before its discount: some tills (a Chilean kiosk POSLog, IVA 19 %) compute the tax
/// on the regular price, so taxable + tax = the price before the discount, and the line is
/// still VAT-inclusive (its tax then comes out of the discounted price). Vendors that put
/// the tax inside `TaxableAmount` (taxable = net, which otherwise reads as exclusive) are
/// told by the `Percent`, see [`taxable_holds_tax`]. `Tax`es that give an `Amount` and a
/// `Percent` but no `TaxableAmount` at all (the Swedish digital receipt, ARTS 6: `Amount`
/// 2.67857 at 12 % on a 25.00 line) are told by the rate against the net: tax = net × p /
/// (100 + p) is a price that holds it (net 22.32), net × p / 100 one it goes on top of; without
/// this the VAT-inclusive line read as exclusive and its tax was counted twice (net 25.00 + tax
/// 2.68 against 25.00 paid). Several such `Tax`es on one line are read with their rates summed.
///
/// `held` says the transaction showed that the prices hold the tax of lines taxed only by a
/// rate (see [`rate_only`] and [`super::rated`]); it counts as the flag.
fn line_tax(item: Node, net: Decimal, gross: Decimal, dp: u32, held: bool) -> R<(Decimal, bool)> {
    let flagged = held || flag(item, "TaxIncludedInPriceFlag");
    let mut tax = Decimal::ZERO;
    let mut taxed = Decimal::ZERO;
    let mut taxable = None;
    let mut from_rate = None;
    let mut holds_tax = None;
    let mut rated = Some((Decimal::ZERO, Decimal::ZERO));
    for t in children(item, "Tax") {
        let x = child_dec(t, "TaxableAmount")?.map(|x| x.abs());
        if let Some(x) = x {
            *taxable.get_or_insert(Decimal::ZERO) += x;
        }
        match (child_dec(t, "Amount")?, child_dec(t, "Percent")?) {
            (Some(a), p) => {
                tax += a.abs();
                rated = match (rated, p) {
                    (Some((sum, rates)), Some(p)) if x.is_none() => {
                        Some((sum + a.abs(), rates + p))
                    }
                    _ => None,
                };
                if let Some(x) = x {
                    taxed += a.abs();
                    let held = p.and_then(|p| taxable_holds_tax(x, a.abs(), p, dp));
                    *holds_tax.get_or_insert(true) &= held == Some(true);
                }
            }
            (None, Some(p)) => {
                let (v, incl) = tax_from_percent(rate(p)?, x, net, flagged, dp);
                tax += v;
                *from_rate.get_or_insert(false) |= incl;
            }
            (None, None) => {}
        }
    }
    let inclusive = match (from_rate, taxable) {
        (Some(incl), _) => incl,
        (None, Some(x)) if holds_tax == Some(true) && (x - net).abs() <= minor_or_2c(dp) => true,
        (None, Some(x)) if !tax.is_zero() => inclusive_by_amounts(x, &[tax, taxed], net)
            .or_else(|| inclusive_by_amounts(x, &[tax, taxed], gross))
            .unwrap_or(flagged),
        (None, None) => rated
            .filter(|(sum, _)| !sum.is_zero())
            .and_then(|(sum, rates)| taxable_holds_tax(net.abs(), sum, rates, dp))
            .unwrap_or(flagged),
        _ => flagged,
    };
    // A tax amount finer than the currency (TP.net writes 5.2339 for the 5.23 printed) is
    // rounded to it, so that the lines' taxes add up to the receipt's tax total.
    Ok((tax.round_dp(dp), inclusive))
}

/// Whether a `Tax`'s taxable amount `x` already holds its tax amount `a`, told by its rate
/// `p`: `a` = x × p / (100 + p) → yes (Wincor TP.net at IKEA Portugal: `TaxableAmount` 27.99
/// = the VAT-inclusive price, `Amount` 5.2339 at 23 %), `a` = x × p / 100 → no. None when
/// the rate is 0, neither fits within a minor unit (or 0.02), or the two readings are too
/// close to tell apart (a small amount at a low rate: 0.30 at 7 % is 0.0196 or 0.021).
fn taxable_holds_tax(x: Decimal, a: Decimal, p: Decimal, dp: u32) -> Option<bool> {
    if p <= Decimal::ZERO || p > Decimal::ONE_HUNDRED {
        return None;
    }
    let hundred = Decimal::ONE_HUNDRED;
    let (held, added) = (x * p / (hundred + p), x * p / hundred);
    let tolerance = minor_or_2c(dp);
    if added - held <= tolerance {
        return None;
    }
    let (inside, on_top) = ((a - held).abs(), (a - added).abs());
    match inside.min(on_top) {
        m if m > tolerance => None,
        _ => Some(inside < on_top),
    }
}

/// One minor unit of the currency (`dp` places), at least 0.02: how far a vendor's rounded
/// tax or taxable amount may be from the exact one.
fn minor_or_2c(dp: u32) -> Decimal {
    Decimal::new(1, dp).max(Decimal::new(2, 2))
}

/// Whether a line's price includes its tax, from its `taxable` amount and `net`: the net is
/// the taxable amount plus one of the `taxes` (all of the line's tax, or only that of the
/// `Tax`es stating the taxable amount) → inclusive; the net is the taxable amount → exclusive.
/// The nearest of these within 0.02 wins (a tax of 0.01 on a 0.10 item is otherwise both);
/// None when none is near.
fn inclusive_by_amounts(taxable: Decimal, taxes: &[Decimal], net: Decimal) -> Option<bool> {
    let tolerance = Decimal::new(2, 2);
    let exclusive = (taxable - net).abs();
    let inclusive = taxes
        .iter()
        .filter(|t| !t.is_zero())
        .map(|t| (taxable + t - net).abs())
        .min()?;
    match inclusive.min(exclusive) {
        m if m > tolerance => None,
        _ => Some(inclusive < exclusive),
    }
}

/// Whether a line's tax is given only as rates, with nothing on the line to say whether its
/// price holds it: every `Tax` has a `Percent` and neither an `Amount` nor a `TaxableAmount`,
/// and there is no `TaxIncludedInPriceFlag` (an explicit `false` is an answer). The Swedish
/// digital receipt standard shows its sale lines so (`<Tax><Percent>25</Percent></Tax>`) on
/// prices that include the VAT; whether they do is then for the transaction to tell
/// ([`super::rated`]).
pub(super) fn rate_only(item: Node) -> bool {
    let taxes: Vec<Node> = children(item, "Tax").collect();
    let said = attr(item, "TaxIncludedInPriceFlag").is_some()
        || child(item, "TaxIncludedInPriceFlag").is_some();
    !said
        && !taxes.is_empty()
        && taxes.iter().all(|t| {
            child(*t, "Percent").is_some()
                && child(*t, "Amount").is_none()
                && child(*t, "TaxableAmount").is_none()
        })
}

/// A tax rate in percent as given in `Tax/Percent`. Outside 0‥100 it is no VAT or sales tax
/// rate (a fraction like 0.19 would still pass and is taken as 0.19 %, as written): refused
/// by name rather than turned into a tax larger than the sale.
pub(super) fn rate(p: Decimal) -> R<Decimal> {
    if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED {
        return Err(Bad(format!(
            "<Tax><Percent> `{p}` is not a tax rate between 0 and 100"
        )));
    }
    Ok(p)
}

/// The tax of one `Tax` that gives only a rate `p`, and whether the line's price includes it.
/// The base is the `TaxableAmount` when given, else the line's net. A taxable amount that
/// grows into the net by the rate (taxable × (100 + p) / 100 = net) is the price without tax
/// of a VAT-inclusive line; otherwise `TaxIncludedInPriceFlag` tells: inclusive takes
/// base × p / (100 + p), exclusive base × p / 100. Rounded to the currency's minor unit `dp`.
fn tax_from_percent(
    p: Decimal,
    taxable: Option<Decimal>,
    net: Decimal,
    flagged: bool,
    dp: u32,
) -> (Decimal, bool) {
    let hundred = Decimal::ONE_HUNDRED;
    let tolerance = Decimal::new(2, 2);
    let base = taxable.unwrap_or(net.abs());
    let grown = base * (hundred + p) / hundred;
    if taxable.is_some() && !p.is_zero() && (grown - net.abs()).abs() <= tolerance {
        return ((base * p / hundred).round_dp(dp), true);
    }
    let tax = if flagged {
        base * p / (hundred + p)
    } else {
        base * p / hundred
    };
    (tax.round_dp(dp), flagged)
}

/// The element of a line item that sells or returns goods: `Sale`, `Return`, the completion of
/// an earlier order or layaway ([`super::orders`]), or a sale whose goods leave the store later
/// (`SaleForDelivery`, `SaleForPickup`: ARTS 6, Xstore; `SaleForPickUp`: Wincor TP.net), which
/// is paid now and carries the item's money itself. A `SaleForDelivery` that carries no price but
/// groups `Item`s linked (`ItemLink`) to `Sale` lines of the same transaction (Decathlon's web
/// orders: the shipment of goods already sold) is no line; grouped `Item`s with money and no
/// link would be money we cannot place: refused, naming the element.
pub(super) fn goods_of<'a, 'i>(li: Node<'a, 'i>) -> R<Option<Node<'a, 'i>>> {
    if let Some(x) = child(li, "Sale").or_else(|| child(li, "Return")) {
        return Ok(Some(x));
    }
    // A gift card sold or reloaded: a line, not revenue (see `stored_value`).
    if let Some(x) = super::stored_value::fund_sale(li) {
        return Ok(Some(x));
    }
    match order_of(li) {
        Order::Sold(x) => return Ok(Some(x)),
        Order::NotSoldYet => return Ok(None),
        Order::None => {}
    }
    let later = ["SaleForDelivery", "SaleForPickup", "SaleForPickUp"];
    let Some(x) = later.iter().find_map(|n| child(li, n)) else {
        return Ok(None);
    };
    let mut priced = REGULAR_PRICE
        .iter()
        .chain(&ACTUAL_PRICE)
        .chain(&["ExtendedAmount"]);
    if priced.any(|n| child(x, n).is_some()) {
        return Ok(Some(x));
    }
    for i in children(x, "Item").filter(|i| child(*i, "ItemLink").is_none()) {
        if child_dec(i, "ExtendedAmount")?.is_some_and(|e| !e.is_zero()) {
            return Err(Bad(format!(
                "<{}> groups an <Item> with an <ExtendedAmount> but no <ItemLink> to a sale line",
                x.tag_name().name()
            )));
        }
    }
    Ok(None)
}

/// One Sale/Return element; the bool says whether its price includes tax. `dp` is the
/// currency's minor unit, for taxes computed from a rate; `held` that the transaction showed
/// prices holding the tax of lines taxed only by a rate ([`rate_only`]).
pub(super) fn item_line(
    ctx: &Context,
    h: &Head,
    li: Node,
    item: Node,
    seq: i32,
    (dp, held): (u32, bool),
) -> R<(Line, bool)> {
    let (item_id, key) = item_codes(item)?;
    let money = line_money(item, dp)?;
    let qty_signed = child_dec(item, "Quantity")?.unwrap_or(Decimal::ONE);
    let regular = price_of(item, &REGULAR_PRICE)?;
    let actual = price_of(item, &ACTUAL_PRICE)?.or_else(|| deal_price(regular, &money, dp));
    let price = actual.or(regular).unwrap_or_else(|| {
        if money.quantity.is_zero() {
            money.gross
        } else {
            (money.gross / money.quantity).round_dp(4)
        }
    });
    let extended_signed = child_dec(item, "ExtendedAmount")?.unwrap_or_default();
    let is_return = item.tag_name().name() == "Return"
        || qty_signed < Decimal::ZERO
        || extended_signed < Decimal::ZERO;
    let sign = if is_return {
        -Decimal::ONE
    } else {
        Decimal::ONE
    };
    let discount = money.discount;
    let held = held && rate_only(item);
    let (tax, inclusive) = line_tax(item, money.gross - discount, money.gross, dp, held)?;
    let net = if inclusive {
        money.gross - discount - tax
    } else {
        money.gross - discount
    };
    // GK POSLog (Structure v3) writes a return's link as `ReturnTransactionLink`.
    let link = child(item, "TransactionLink").or_else(|| child(item, "ReturnTransactionLink"));
    let (original_txn_id, original_line_no) = match link {
        Some(l) => (
            link_id(ctx, h, l),
            child_text(l, "LineItemSequenceNumber").and_then(|s| s.parse().ok()),
        ),
        None => (None, None),
    };
    let entry = entry_method(li);
    // `Description` first: some exports use `ItemID Name` as a label of the id kind ("SKU").
    let description = child_text(item, "Description")
        .or_else(|| child(item, "Item").and_then(|i| child_text(i, "ItemName")))
        .or_else(|| {
            child(item, "NonSKUItem").and_then(|i| child_text(i, "ServiceItemTypeDescriptionText"))
        })
        .or_else(|| {
            child(item, "ItemID")
                .and_then(|n| attr(n, "Name"))
                .filter(|n| !is_barcode_type(n) && !is_id_kind(n))
        })
        .map(str::to_string);
    let line = Line {
        line_no: seq,
        kind: if is_return {
            LineKind::Return
        } else {
            LineKind::Sale
        },
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: item_id,
        description,
        quantity: sign * money.quantity,
        unit_price: price,
        discount,
        net_amount: sign * net,
        tax: sign * tax,
        entry_method: entry,
        price_override: actual.zip(regular).is_some_and(|(a, r)| a < r),
        non_revenue: super::stored_value::is_fund_sale(item),
        original_txn_id,
        original_line_no,
    };
    Ok((line, inclusive))
}

/// How the item was entered, from `LineItem/@EntryMethod`: scanning vs keying matters to
/// loss prevention, anything else (`Automatic`, `acs:Auto`) is "other".
fn entry_method(li: Node) -> EntryMethod {
    let e = attr(li, "EntryMethod").unwrap_or("");
    match e
        .rsplit(':')
        .next()
        .unwrap_or(e)
        .to_ascii_lowercase()
        .as_str()
    {
        "keyed" | "manual" | "keyedin" | "keyboard" => EntryMethod::Keyed,
        "scanned" | "scan" | "rfid" | "barcode" | "scanner" => EntryMethod::Scanned,
        _ => EntryMethod::Other,
    }
}

/// Labels some exports put in `ItemID Name` to say what kind of id it is.
fn is_id_kind(name: &str) -> bool {
    matches!(
        name.to_ascii_uppercase().as_str(),
        "SKU" | "PLU" | "ITEMID" | "ITEM" | "ARTICLE" | "CODABAR" | "POSITEMID"
    )
}

/// The id the linked (original) transaction got when it was ingested. Its business day is the
/// link's `BusinessDayDate`, else the date of its `BeginDateTime` / `EndDateTime` (Wincor
/// TP.net links a return to its sale by store, workstation, sequence number and the sale's
/// begin time only). None when the link names no transaction at all: an empty id would
/// tie the return to nothing while claiming an original.
fn link_id(_ctx: &Context, h: &Head, l: Node) -> Option<String> {
    let store = child(l, "BusinessUnit")
        .and_then(|b| {
            child_text(b, "UnitID")
                .or_else(|| child_text(b, "BusinessUnitNumber"))
                .or(Some(text(b)).filter(|s| !s.is_empty()))
        })
        .or_else(|| child_text(l, "RetailStoreID"))
        .map(str::to_string)
        .unwrap_or_else(|| h.store.clone());
    let ws = child_text(l, "WorkstationID")
        .map(str::to_string)
        .or_else(|| h.workstation.clone());
    let day = child(l, "BusinessDayDate")
        .and_then(|d| child_text(d, "Date").or(Some(text(d)).filter(|s| !s.is_empty())))
        .or_else(|| {
            ["BeginDateTime", "EndDateTime"]
                .iter()
                .filter_map(|n| child_text(l, n))
                .filter_map(|t| t.get(..10))
                .find(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
        });
    match (day, child_text(l, "SequenceNumber")) {
        (Some(day), Some(seq)) => Some(compose_id(&store, ws.as_deref(), day, seq)),
        _ => child_text(l, "TransactionID").map(str::to_string),
    }
}

/// Brings lines in line with the transaction totals: a transaction-level tax when lines carry
/// none (VAT-inclusive prices lose it from net), and transaction-level discounts.
/// A transaction-level tax given only as a rate is computed where the document allows it
/// ([`computed`]); a tax with a `TaxableAmount` goes to the lines it covers ([`shares`]),
/// told by their nets and `taxable` (the taxable flag by line number). `dp` is the currency's
/// minor unit.
pub(super) fn reconcile(
    rt: Node,
    lines: &mut [Line],
    mut inclusive: bool,
    (level, paid): (&TxnLevel, Option<Decimal>),
    taxable: &HashMap<i32, bool>,
    dp: u32,
) -> R<()> {
    let line_tax: Decimal = lines.iter().map(|l| l.tax).sum();
    let grand = total(rt, "TransactionGrandAmount")?;
    let counted: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].kind != LineKind::Void && !voided_later(lines, *i))
        .collect();
    let goods: Decimal = counted.iter().map(|i| lines[*i].net_amount).sum();
    let rated = if level.rated.is_empty() {
        None
    } else {
        computed(&level.rated, goods, grand, dp)
    };
    let txn_tax = match total(rt, "TransactionTaxAmount")? {
        Some(t) => t,
        None => level.tax + rated.map_or(Decimal::ZERO, |(t, _)| t),
    };
    if line_tax.is_zero() && !txn_tax.is_zero() {
        // Tax only at transaction level: inclusive when the grand total is the goods less the
        // stated transaction discounts (or the rates said so).
        inclusive |= grand_holds_tax(grand, goods, level, dp) || rated.is_some_and(|(_, i)| i);
        let bearers = revenue_first(lines, &counted);
        let candidates: Vec<Candidate> = bearers
            .iter()
            .map(|i| Candidate {
                net: lines[*i].net_amount,
                flag: taxable.get(&lines[*i].line_no).copied(),
            })
            .collect();
        let taxes = if level.rated.is_empty() {
            &level.amounts[..]
        } else {
            &[]
        };
        for (k, share) in shares(&candidates, taxes, txn_tax, dp)
            .into_iter()
            .enumerate()
        {
            let l = &mut lines[bearers[k]];
            l.tax = share;
            if inclusive {
                l.net_amount -= share;
            }
        }
    }
    let tax_now: Decimal = counted.iter().map(|i| lines[*i].tax).sum();
    let net_now: Decimal = counted.iter().map(|i| lines[*i].net_amount).sum();
    if let Some(residual) = discounted(level, grand, paid, net_now + tax_now) {
        if residual > Decimal::ZERO {
            let sales: Vec<usize> = revenue_first(lines, &counted)
                .into_iter()
                .filter(|i| lines[*i].kind == LineKind::Sale)
                .collect();
            let weights: Vec<Decimal> = sales.iter().map(|i| lines[*i].net_amount).collect();
            for (k, share) in spread(residual, &weights, dp).into_iter().enumerate() {
                let l = &mut lines[sales[k]];
                l.discount += share;
                l.net_amount -= share;
            }
        } else if residual < Decimal::ZERO {
            let off = match grand {
                Some(_) => -residual,
                None => (-residual).min(level.stated_discounts),
            };
            give_back(lines, &counted, off, dp);
        }
    }
    Ok(())
}

/// A transaction-level discount on a return: the refund is the returned goods less `off` (a
/// basket discount given back pro rata), which comes off the return lines, their nets toward
/// zero, by net. Only when the transaction returns and sells nothing: a sale line could have
/// taken the gap. Left on the lines, a return of 40.00 refunded 36.00 booked −40.00. A gap as
/// large as the returns is no discount (a grand total written as a positive magnitude, −40.00
/// against 36.00): the lines keep their nets.
fn give_back(lines: &mut [Line], counted: &[usize], off: Decimal, dp: u32) {
    if counted.iter().any(|i| lines[*i].kind == LineKind::Sale) {
        return;
    }
    let returns: Vec<usize> = revenue_first(lines, counted)
        .into_iter()
        .filter(|i| lines[*i].kind == LineKind::Return)
        .collect();
    let weights: Vec<Decimal> = returns.iter().map(|i| -lines[*i].net_amount).collect();
    if off >= weights.iter().copied().sum::<Decimal>() {
        return;
    }
    for (k, share) in spread(off, &weights, dp).into_iter().enumerate() {
        let l = &mut lines[returns[k]];
        l.discount += share;
        l.net_amount += share;
    }
}

/// Whether the line prices already hold a tax stated only at transaction level: the grand
/// total is the goods less the transaction discounts the document states (within a minor unit,
/// `dp`). A discount makes the grand total smaller than the goods even when prices include the
/// VAT (roqqio writes no line tax, only `TransactionTaxAmount`); comparing with the goods alone
/// would put the tax on top and book it, with the discount, as the discount.
///
/// Without a grand total (NCR RES 2012 writes no `Total`), the taxes' own amounts tell it:
/// when every transaction-level `Tax` states its `TaxableAmount` and the taxable amounts plus
/// the taxes make up the goods (`TaxableAmount` 21371 + `Amount` 1069 = goods 22440 = cash
/// paid), or the goods less the stated transaction discounts, the prices hold the tax; read
/// as on top, the 1069 was booked twice over the till.
fn grand_holds_tax(grand: Option<Decimal>, goods: Decimal, level: &TxnLevel, dp: u32) -> bool {
    let minor = Decimal::new(1, dp);
    let off = if level.has_adjustment {
        level.stated_discounts
    } else {
        Decimal::ZERO
    };
    let Some(grand) = grand else {
        let stated: Option<Vec<(Decimal, Decimal)>> = level
            .amounts
            .iter()
            .map(|(tax, taxable)| taxable.map(|x| (*tax, x)))
            .collect();
        return match stated {
            Some(taxes) if !taxes.is_empty() && level.rated.is_empty() => {
                let taxable: Decimal = taxes.iter().map(|(_, x)| x.abs()).sum();
                let tax: Decimal = taxes.iter().map(|(t, _)| t.abs()).sum();
                let within = minor * Decimal::from(taxes.len());
                // The goods as sold, or less the transaction discounts the document states
                // (NCR RES: 377 + 19 = 396 = 440 − a `Discount` of 44).
                let holds = |due: Decimal| {
                    (taxable + tax - due).abs() < within && (taxable - due).abs() >= within
                };
                !tax.is_zero()
                    && (holds(goods.abs()) || (!off.is_zero() && holds(goods.abs() - off)))
            }
            _ => false,
        };
    };
    goods
        .checked_sub(off)
        .is_some_and(|due| (due - grand).abs() < minor)
}

/// What transaction-level adjustments took off the lines' `due` (net + tax), if any applies:
/// the gap to the grand total; without one (the ticket-to-POSLog stylesheets write
/// `TransactionNetAmount` and the discount totals, never `TransactionGrandAmount`), the gap
/// to what the tenders took in, up to the adjustments' stated amounts. Capped so, a deposit
/// or a rounding cannot pass for a discount, and lines whose prices already hold the discount
/// leave no gap to fill.
fn discounted(
    level: &TxnLevel,
    grand: Option<Decimal>,
    paid: Option<Decimal>,
    due: Decimal,
) -> Option<Decimal> {
    if !level.has_adjustment {
        return None;
    }
    match (grand, paid) {
        (Some(grand), _) => due.checked_sub(grand),
        (None, Some(paid)) if level.stated_discounts > Decimal::ZERO => {
            Some(due.checked_sub(paid)?.min(level.stated_discounts))
        }
        _ => None,
    }
}

/// The lines of `counted` that are revenue, to bear a transaction-level tax or discount: a gift
/// card sold (`non_revenue`) is money owed, neither taxed nor discounted as goods are; when
/// every counted line is non-revenue, all of them.
fn revenue_first(lines: &[Line], counted: &[usize]) -> Vec<usize> {
    let revenue: Vec<usize> = counted
        .iter()
        .copied()
        .filter(|i| !lines[*i].non_revenue)
        .collect();
    if revenue.is_empty() {
        counted.to_vec()
    } else {
        revenue
    }
}

fn voided_later(lines: &[Line], i: usize) -> bool {
    lines
        .iter()
        .any(|v| v.kind == LineKind::Void && v.line_no == VOID_LINE_OFFSET + lines[i].line_no)
}
