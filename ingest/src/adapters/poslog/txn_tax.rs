//! Transaction-level `Tax` line items that give only a rate (`Percent`, no `Amount`), as some
//! exports write a VAT summary per rate. The amount is computed only where the document says
//! what the rate applies to: a `TaxableAmount`, or a single rate that then covers every line.
//! Several rates without taxable amounts cannot be told apart (nothing says which line bears
//! which rate): that tax is left out, the transaction kept (docs/ingest.md says so).

use super::lines::rate;
use super::xml::{child, child_dec, flag};
use super::R;
use roxmltree::Node;
use rust_decimal::Decimal;

/// What the transaction-level line items (outside sales, returns and tenders) say.
#[derive(Debug, Default)]
pub(super) struct TxnLevel {
    /// The sum of `Tax/Amount`s.
    pub tax: Decimal,
    /// Each `Tax` with an `Amount`: the amount and its `TaxableAmount`, which tells the lines
    /// that bear it (see [`super::bearers`]).
    pub amounts: Vec<(Decimal, Option<Decimal>)>,
    /// The `Tax`es that give only a rate.
    pub rated: Vec<RatedTax>,
    /// Whether a `Discount`, loyalty reward or price modifier applies to the whole transaction.
    pub has_adjustment: bool,
    /// The `Amount`s those adjustments state (not voided), by absolute value: the most a
    /// transaction without a grand total can have been discounted by (see `reconcile`).
    pub stated_discounts: Decimal,
}

/// One transaction-level `Tax` with a rate and no amount.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RatedTax {
    percent: Decimal,
    taxable: Option<Decimal>,
    /// `TaxIncludedInPriceFlag` on the `Tax` (or its `TaxableAmount`).
    flagged: bool,
}

/// The rate of a transaction-level `Tax` without `Amount`; None when it has no `Percent`.
pub(super) fn rated_tax(x: Node) -> R<Option<RatedTax>> {
    let Some(p) = child_dec(x, "Percent")? else {
        return Ok(None);
    };
    let flagged = flag(x, "TaxIncludedInPriceFlag")
        || child(x, "TaxableAmount").is_some_and(|t| flag(t, "TaxIncludedInPriceFlag"));
    Ok(Some(RatedTax {
        percent: rate(p)?,
        taxable: child_dec(x, "TaxableAmount")?.map(|t| t.abs()),
        flagged,
    }))
}

/// The tax the rates give, and whether the lines' prices include it; None when it cannot be
/// computed (several rates, one without a taxable amount). `goods` is the lines' net sum,
/// `grand` the `TransactionGrandAmount`, `dp` the currency's minor unit.
pub(super) fn computed(
    rated: &[RatedTax],
    goods: Decimal,
    grand: Option<Decimal>,
    dp: u32,
) -> Option<(Decimal, bool)> {
    let hundred = Decimal::ONE_HUNDRED;
    let tolerance = Decimal::new(2, 2);
    let near = |a: Decimal, b: Decimal| (a - b).abs() <= tolerance;
    let flagged = rated.iter().any(|r| r.flagged);
    if rated.iter().all(|r| r.taxable.is_some()) {
        // The taxable amount is what the rate applies to (ARTS): taxable × p / 100 when it is
        // net of tax; a taxable amount that is the whole of goods whose prices include tax (the
        // grand total equals the goods, or the flag says so) holds taxable × p / (100 + p).
        let g = goods.abs();
        let taxable: Decimal = rated.iter().filter_map(|r| r.taxable).sum();
        let sum = |of: &dyn Fn(Decimal, Decimal) -> Decimal| -> Decimal {
            rated
                .iter()
                .map(|r| of(r.taxable.unwrap_or_default(), r.percent).round_dp(dp))
                .sum()
        };
        let on_top = sum(&|t, p| t * p / hundred);
        let inside = sum(&|t, p| t * p / (hundred + p));
        let inclusive_prices = flagged || grand.is_some_and(|x| near(x.abs(), g));
        let (tax, inclusive) = if near(taxable + on_top, g) {
            (on_top, true)
        } else if inclusive_prices && near(taxable, g) {
            (inside, true)
        } else {
            (on_top, inclusive_prices)
        };
        let signed = if goods < Decimal::ZERO { -tax } else { tax };
        return Some((signed, inclusive));
    }
    let [only] = rated else {
        return None;
    };
    // One rate and no taxable amount: it covers every line, whose prices include it when the
    // grand total equals the goods (or the flag says so), else it comes on top.
    let p = only.percent;
    let inclusive = match grand {
        Some(g) if near(g.abs(), goods.abs()) => true,
        Some(g) if near(g.abs(), goods.abs() * (hundred + p) / hundred) => false,
        _ => only.flagged,
    };
    let tax = if inclusive {
        goods * p / (hundred + p)
    } else {
        goods * p / hundred
    };
    Some((tax.round_dp(dp), inclusive))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn r(p: &str, taxable: Option<&str>, flagged: bool) -> RatedTax {
        RatedTax {
            percent: d(p),
            taxable: taxable.map(d),
            flagged,
        }
    }

    #[test]
    fn taxable_amounts_give_the_tax_and_tell_inclusive_prices() {
        // 19 % on 84.03 and 7 % on 9.35: 15.97 + 0.65; with prices 100.00 + 10.00 inclusive.
        let rates = [r("19", Some("84.03"), false), r("7", Some("9.35"), false)];
        assert_eq!(
            computed(&rates, d("110.00"), None, 2),
            Some((d("16.62"), true))
        );
        // Exclusive: the taxable amounts are the goods, the grand total adds the tax.
        let rates = [r("8.875", Some("20.00"), false)];
        assert_eq!(
            computed(&rates, d("20.00"), Some(d("21.78")), 2),
            Some((d("1.78"), false))
        );
        // The taxable amount holds the tax: it equals goods that are the grand total.
        assert_eq!(
            computed(
                &[r("19", Some("11.90"), false)],
                d("11.90"),
                Some(d("11.90")),
                2
            ),
            Some((d("1.90"), true))
        );
        // VAT-inclusive goods of which only part is taxable (84.03 net of tax, 100.00 with it;
        // 10.00 exempt): the tax is on top of the taxable amount, inside the prices.
        assert_eq!(
            computed(
                &[r("19", Some("84.03"), false)],
                d("110.00"),
                Some(d("110.00")),
                2
            ),
            Some((d("15.97"), true))
        );
        // A return: the tax has the goods' sign.
        assert_eq!(
            computed(&rates, d("-20.00"), None, 2),
            Some((d("-1.78"), false))
        );
    }

    #[test]
    fn one_rate_without_taxable_covers_the_lines_and_the_grand_total_tells_how() {
        let rate = [r("19", None, false)];
        assert_eq!(
            computed(&rate, d("11.90"), Some(d("11.90")), 2),
            Some((d("1.90"), true))
        );
        assert_eq!(
            computed(&rate, d("10.00"), Some(d("11.90")), 2),
            Some((d("1.90"), false))
        );
        assert_eq!(
            computed(&[r("10", None, true)], d("1000"), None, 0),
            Some((d("91"), true))
        );
    }

    #[test]
    fn several_rates_without_taxable_amounts_are_not_guessed() {
        let rates = [r("19", None, false), r("7", Some("10.00"), false)];
        assert_eq!(computed(&rates, d("30.00"), Some(d("30.00")), 2), None);
        let rates = [r("19", None, false), r("7", None, false)];
        assert_eq!(computed(&rates, d("30.00"), None, 2), None);
    }
}
