//! Tax the way Clover's calculator reports it: per tax rate, over the sum of the amounts it
//! applies to, rounded once (`Calc.TaxSummary`), then spread back on those lines in proportion
//! to their amounts, so the lines' taxes add up to the order's tax to the cent.

use super::lines::round;
use crate::adapters::money::{checked_sum, exponent, spread};
use rust_decimal::Decimal;

/// A line's amount after discounts, and the sum of its tax rates as a fraction (0.0825).
pub struct Taxed {
    pub amount: Decimal,
    pub rate: Decimal,
    /// Revenue (not a gift card sold, `isRevenue: false`): only revenue lines take a share of
    /// tax known from the payments alone ([`paid_tax`]); with rates, the rates decide.
    pub revenue: bool,
}

/// `(net, tax)` per line. Without VAT the tax comes on top of the amount; with VAT (`isVat`:
/// prices include tax) it is taken out of it, `amount × rate / (1 + rate)`. `None` when the
/// amounts are too large to compute (a broken payload).
pub fn add_tax(lines: &[Taxed], vat: bool, currency: &str) -> Option<(Vec<Decimal>, Vec<Decimal>)> {
    let mut nets: Vec<Decimal> = lines.iter().map(|l| l.amount).collect();
    let mut taxes = vec![Decimal::ZERO; lines.len()];
    let mut rates: Vec<Decimal> = lines
        .iter()
        .map(|l| l.rate)
        .filter(|r| !r.is_zero())
        .collect();
    rates.sort();
    rates.dedup();
    for rate in rates {
        let idx: Vec<usize> = (0..lines.len())
            .filter(|&k| lines[k].rate == rate)
            .collect();
        let weights: Vec<Decimal> = idx.iter().map(|&k| lines[k].amount).collect();
        let base = checked_sum(weights.iter().copied())?;
        let tax = if vat {
            base.checked_mul(rate)?.checked_div(Decimal::ONE + rate)?
        } else {
            base.checked_mul(rate)?
        };
        let shares = spread(round(tax, currency), &weights, exponent(currency));
        for (&k, share) in idx.iter().zip(shares) {
            taxes[k] = share;
            if vat {
                nets[k] -= share;
            }
        }
    }
    Some((nets, taxes))
}

/// `(net, tax)` per line when the order's tax rates were not expanded (`GET …/orders` with
/// `expand=lineItems` only, as many exports fetch): the tax Clover charged is then known only
/// from the approved payments' `taxAmount` (Android SDK `payments.Payment`: "Tax amount
/// paid"), spread over the lines in proportion to their amounts; with VAT it is taken out of
/// them. Without it the tax would be lost: tenders above the lines by the whole tax. A gift
/// card sold is not taxed, so the revenue lines take it all (all lines, when none is revenue).
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
    let taxes = spread(tax, bearing, exponent(currency));
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
            rate: d("0.0825"),
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
                rate: d("0.19"),
                revenue: true,
            },
            Taxed {
                amount: d("5.00"),
                rate: Decimal::ZERO,
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
            rate: Decimal::ZERO,
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
