//! Tax the way Clover's calculator reports it: per tax rate, over the sum of the amounts it
//! applies to, rounded once (`Calc.TaxSummary`), then spread back on those lines in proportion
//! to their amounts, so the lines' taxes add up to the order's tax to the cent.
//!
//! A tax rate is one `TaxRate` of the merchant, told apart by its `id` (the SDK's
//! `OrderCalc.TaxRateCalc` compares rates by id): a line item with state and city tax is in two
//! summaries, each rounded on its own, not in one of their summed rate; two rates of equal value
//! are two taxes. A flat tax (`rate` 0, `taxAmount` in minor units, `OrderCalcTest.newFlatTax`)
//! is that amount per line item, unrounded; with VAT it comes out of the price before the
//! percentage taxes (`OrderCalcTest`: 3.50 with 10 % + 20 % + a flat 0.20 is 2.54 without VAT).

use super::lines::{round, spread_largest_last};
use crate::adapters::money::{checked_sum, exponent};
use rust_decimal::Decimal;

/// A line's amount after discounts and the taxes on it.
pub struct Taxed {
    pub amount: Decimal,
    /// `(tax rate id, rate as a fraction: 0.0825)` of each percentage tax on the line.
    pub rates: Vec<(String, Decimal)>,
    /// The line's flat taxes summed (major units).
    pub flat: Decimal,
    /// Taxable goods: not a gift card sold (`isRevenue: false`) nor an order fee (`isOrderFee`,
    /// a service charge, untaxed). Only these take a share of tax known from the payments alone
    /// ([`paid_tax`]); with rates, the rates decide.
    pub revenue: bool,
}

/// `(net, tax)` per line. Without VAT the tax comes on top of the amount; with VAT (`isVat`:
/// prices include tax) it is taken out of it: the flat taxes, then of the rest `× rate / (1 +
/// the line's rates)` per rate. `None` when the amounts are too large to compute (a broken
/// payload).
pub fn add_tax(lines: &[Taxed], vat: bool, currency: &str) -> Option<(Vec<Decimal>, Vec<Decimal>)> {
    let bases = lines
        .iter()
        .map(|l| taxable(l, vat))
        .collect::<Option<Vec<Decimal>>>()?;
    let mut taxes: Vec<Decimal> = lines.iter().map(|l| l.flat).collect();
    let mut ids: Vec<&str> = Vec::new();
    for (id, _) in lines.iter().flat_map(|l| &l.rates) {
        if !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    for id in ids {
        let on = |l: &Taxed| l.rates.iter().any(|r| r.0 == id);
        let idx: Vec<usize> = (0..lines.len()).filter(|&k| on(&lines[k])).collect();
        // Each line's unrounded tax of this rate: rounded once on their sum, spread by them.
        let parts = idx
            .iter()
            .map(|&k| {
                let rate = checked_sum(lines[k].rates.iter().filter(|r| r.0 == id).map(|r| r.1))?;
                bases[k].checked_mul(rate)
            })
            .collect::<Option<Vec<Decimal>>>()?;
        let tax = round(checked_sum(parts.iter().copied())?, currency);
        let shares = spread_largest_last(tax, &parts, exponent(currency));
        for (&k, share) in idx.iter().zip(shares) {
            taxes[k] = taxes[k].checked_add(share)?;
        }
    }
    let nets = if vat {
        lines
            .iter()
            .zip(&taxes)
            .map(|(l, t)| l.amount.checked_sub(*t))
            .collect::<Option<Vec<Decimal>>>()?
    } else {
        lines.iter().map(|l| l.amount).collect()
    };
    Some((nets, taxes))
}

/// What a line's percentage taxes are of: its amount; with VAT the amount less the flat taxes,
/// without the percentage taxes it includes (`÷ (1 + the line's rates)`).
fn taxable(l: &Taxed, vat: bool) -> Option<Decimal> {
    if !vat {
        return Some(l.amount);
    }
    let rates = checked_sum(l.rates.iter().map(|r| r.1))?;
    l.amount
        .checked_sub(l.flat)?
        .checked_div(Decimal::ONE.checked_add(rates)?)
}

/// `(net, tax)` per line when the order's tax rates were not expanded (`GET …/orders` with
/// `expand=lineItems` only, as many exports fetch): the tax Clover charged is then known only
/// from the approved payments' `taxAmount` (Android SDK `payments.Payment`: "Tax amount
/// paid"), spread over the lines in proportion to their amounts; with VAT it is taken out of
/// them. Without it the tax would be lost: tenders above the lines by the whole tax. A gift
/// card sold and an order fee are not taxed, so the goods take it all (all lines, when there
/// are none).
pub fn paid_tax(
    lines: &[Taxed],
    tax: Decimal,
    vat: bool,
    currency: &str,
) -> (Vec<Decimal>, Vec<Decimal>) {
    let weights: Vec<Decimal> = lines.iter().map(|l| l.amount).collect();
    let revenue: Vec<Decimal> = lines
        .iter()
        .map(|l| if l.revenue { l.amount } else { Decimal::ZERO })
        .collect();
    let bearing = if revenue.iter().any(|w| !w.is_zero()) {
        &revenue
    } else {
        &weights
    };
    let taxes = spread_largest_last(tax, bearing, exponent(currency));
    let nets = if vat {
        weights.iter().zip(&taxes).map(|(a, t)| a - t).collect()
    } else {
        weights
    };
    (nets, taxes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn one_rate_is_rounded_once_over_its_lines_and_spread_back() {
        // 3 × 0.33 at 8.25 %: per line 0.027225 → 0.03 each = 0.09; on the sum 0.99 → 0.08.
        let l = |a: &str| Taxed {
            amount: d(a),
            rates: vec![("TX".into(), d("0.0825"))],
            flat: Decimal::ZERO,
            revenue: true,
        };
        let (nets, taxes) = add_tax(&[l("0.33"), l("0.33"), l("0.33")], false, "USD").unwrap();
        assert_eq!(taxes.iter().copied().sum::<Decimal>(), d("0.08"));
        assert_eq!(nets, vec![d("0.33"); 3]);
    }

    #[test]
    fn vat_is_taken_out_of_the_price_and_untaxed_lines_stay_untaxed() {
        let lines = [
            Taxed {
                amount: d("11.90"),
                rates: vec![("VAT19".into(), d("0.19"))],
                flat: Decimal::ZERO,
                revenue: true,
            },
            Taxed {
                amount: d("5.00"),
                rates: vec![],
                flat: Decimal::ZERO,
                revenue: true,
            },
        ];
        let (nets, taxes) = add_tax(&lines, true, "EUR").unwrap();
        assert_eq!((nets[0], taxes[0]), (d("10.00"), d("1.90")));
        assert_eq!((nets[1], taxes[1]), (d("5.00"), Decimal::ZERO));
    }

    #[test]
    fn tax_known_from_the_payments_falls_on_revenue_lines_only() {
        let l = |a: &str, revenue| Taxed {
            amount: d(a),
            rates: vec![],
            flat: Decimal::ZERO,
            revenue,
        };
        // VAT: an item of 10.00 and a gift card of 50.00, 1.60 tax paid.
        let (nets, taxes) = paid_tax(
            &[l("10.00", true), l("50.00", false)],
            d("1.60"),
            true,
            "EUR",
        );
        assert_eq!((nets[0], taxes[0]), (d("8.40"), d("1.60")));
        assert_eq!((nets[1], taxes[1]), (d("50.00"), Decimal::ZERO));
        // Only non-revenue lines: the tax is not dropped, it is spread over them.
        let (_, taxes) = paid_tax(
            &[l("5.00", false), l("15.00", false)],
            d("0.40"),
            false,
            "USD",
        );
        assert_eq!(taxes, vec![d("0.10"), d("0.30")]);
    }
}
