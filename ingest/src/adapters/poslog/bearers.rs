//! Which lines bear a transaction-level `Tax` that states its `TaxableAmount`. Such a tax is
//! not due on every line: US sales tax spares groceries (an NCR ACS export taxes soup and
//! lemonade, not guacamole and bread), and the `TaxableAmount` is the taxed lines' total. The
//! lines are those the POS flags taxable when their nets make up that amount, else the one
//! set of lines whose nets do; when no set or several do, nothing tells them apart and the tax
//! is spread over every line, as a tax without a taxable amount is.

use super::xml::{attr, child, flag};
use crate::adapters::money::spread;
use roxmltree::Node;
use rust_decimal::Decimal;

/// Above this many lines the sets of lines are not searched (2^n of them); the flags still
/// count. 12 lines are 4 096 sets, tens of microseconds: a busy till's import stays bound by
/// the database, not by this search (16 would be a millisecond per basket).
const MAX_SEARCHED: usize = 12;

/// Whether a `Sale`/`Return` says it is taxable: ARTS `TaxableFlag` (attribute or element),
/// else NCR ACS `acs:Itemizers`, whose `Tax1`…`TaxN` attributes name the taxes that apply (an
/// itemizer with none of them true is an untaxed item). None when the item says neither.
pub(super) fn taxable_flag(item: Node) -> Option<bool> {
    let written = attr(item, "TaxableFlag").is_some() || child(item, "TaxableFlag").is_some();
    if written {
        return Some(flag(item, "TaxableFlag"));
    }
    let itemizers = child(item, "Itemizers")?;
    Some(itemizers.attributes().any(|a| {
        let n = a.name();
        n.len() > 3
            && n.starts_with("Tax")
            && n[3..].bytes().all(|b| b.is_ascii_digit())
            && matches!(a.value().trim(), "true" | "1" | "True" | "TRUE")
    }))
}

/// One line as a candidate bearer: its net (tax not taken out) and its taxable flag.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub net: Decimal,
    pub flag: Option<bool>,
}

/// The positions (into `lines`) of the lines that bear a tax of `amount` on `taxable`: those
/// flagged taxable if their nets add up to it, else the only set of lines not flagged untaxed
/// whose nets do. The
/// nets may also add up to taxable + amount (prices that include the tax). None: every line.
/// `dp` is the currency's minor unit, the tolerance of "add up".
pub(super) fn bearers(
    lines: &[Candidate],
    taxable: Decimal,
    amount: Decimal,
    dp: u32,
) -> Option<Vec<usize>> {
    let minor = Decimal::new(1, dp);
    let fits = |sum: Decimal| {
        let s = sum.abs();
        (s - taxable.abs()).abs() < minor || (s - taxable.abs() - amount.abs()).abs() < minor
    };
    if taxable.is_zero() || amount.is_zero() {
        return None;
    }
    let flagged: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].flag == Some(true))
        .collect();
    if !flagged.is_empty() && fits(flagged.iter().map(|i| lines[*i].net).sum()) {
        return Some(flagged);
    }
    // Lines of net zero take no share either way; searched, they would make every set twice.
    // A line the POS says is untaxed is no bearer.
    let priced: Vec<usize> = (0..lines.len())
        .filter(|i| !lines[*i].net.is_zero() && lines[*i].flag != Some(false))
        .collect();
    if priced.len() > MAX_SEARCHED {
        return None;
    }
    let members = |set: u32| {
        priced
            .iter()
            .enumerate()
            .filter(move |(bit, _)| set & (1 << bit) != 0)
            .map(|(_, i)| *i)
    };
    let mut found = None;
    for set in 1u32..(1 << priced.len()) {
        if fits(members(set).map(|i| lines[i].net).sum()) {
            if found.is_some() {
                return None; // two sets fit: nothing says which lines are taxed
            }
            found = Some(set);
        }
    }
    Some(members(found?).collect())
}

/// The share of each line (`lines`) in the transaction-level tax `total`, which `taxes` (each
/// `Tax` with an `Amount`: the amount and its `TaxableAmount`) make up. Each tax goes to its
/// [`bearers`] by net, a tax without a taxable amount or without bearers to every line; when
/// the taxes do not make up `total` (a `TransactionTaxAmount` that differs, taxes given as a
/// rate), `total` goes to every line by net.
pub(super) fn shares(
    lines: &[Candidate],
    taxes: &[(Decimal, Option<Decimal>)],
    total: Decimal,
    dp: u32,
) -> Vec<Decimal> {
    let every: Vec<usize> = (0..lines.len()).collect();
    let by_net = |amount: Decimal, set: &[usize]| {
        let weights: Vec<Decimal> = set.iter().map(|i| lines[*i].net).collect();
        spread(amount, &weights, dp)
    };
    if taxes.is_empty() || taxes.iter().map(|t| t.0).sum::<Decimal>() != total {
        return by_net(total, &every);
    }
    let mut out = vec![Decimal::ZERO; lines.len()];
    for &(amount, taxable) in taxes {
        let set = taxable
            .and_then(|x| bearers(lines, x, amount, dp))
            .unwrap_or_else(|| every.clone());
        for (k, share) in by_net(amount, &set).into_iter().enumerate() {
            out[set[k]] += share;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(net: &str, flag: Option<bool>) -> Candidate {
        Candidate {
            net: net.parse().unwrap(),
            flag,
        }
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn the_one_set_of_lines_that_makes_up_the_taxable_amount_bears_the_tax() {
        let lines = [c("3.49", None), c("5.84", None), c("1.15", None)];
        assert_eq!(bearers(&lines, d("4.64"), d("0.47"), 2), Some(vec![0, 2]));
        // Prices that include the tax: the nets make up taxable + tax.
        assert_eq!(bearers(&lines, d("4.17"), d("0.47"), 2), Some(vec![0, 2]));
        // A return: negative nets, the taxable amount as written.
        let back = [c("-3.49", None), c("-5.84", None)];
        assert_eq!(bearers(&back, d("3.49"), d("-0.35"), 2), Some(vec![0]));
    }

    #[test]
    fn several_fitting_sets_or_none_leave_every_line() {
        let lines = [c("1.15", None), c("1.15", None), c("4.00", None)];
        assert_eq!(bearers(&lines, d("1.15"), d("0.12"), 2), None);
        assert_eq!(bearers(&lines, d("2.00"), d("0.20"), 2), None);
        assert_eq!(bearers(&lines, d("0"), d("0.20"), 2), None);
        // A free line (net 0) does not make a second set.
        let lines = [c("2.30", None), c("0", None), c("4.00", None)];
        assert_eq!(bearers(&lines, d("2.30"), d("0.23"), 2), Some(vec![0]));
    }

    #[test]
    fn each_tax_goes_to_its_lines_and_a_total_the_taxes_do_not_make_up_to_every_line() {
        let lines = [c("2.30", None), c("4.00", None), c("10.00", None)];
        let taxes = [(d("0.23"), Some(d("2.30"))), (d("0.70"), Some(d("10.00")))];
        assert_eq!(
            shares(&lines, &taxes, d("0.93"), 2),
            vec![d("0.23"), d("0"), d("0.70")]
        );
        // A tax without a taxable amount goes to every line by net.
        let taxes = [(d("0.23"), Some(d("2.30"))), (d("0.163"), None)];
        assert_eq!(
            shares(&lines, &taxes, d("0.393"), 3),
            vec![d("0.253"), d("0.040"), d("0.100")]
        );
        // The totals say 1.00 where the taxes say 0.93: 1.00 by net over every line.
        assert_eq!(
            shares(&lines, &taxes[..1], d("1.00"), 2),
            vec![d("0.14"), d("0.25"), d("0.61")]
        );
    }

    #[test]
    fn flags_tell_equal_lines_apart_when_they_make_up_the_taxable_amount() {
        let lines = [
            c("1.15", Some(false)),
            c("1.15", Some(true)),
            c("4.00", Some(false)),
        ];
        assert_eq!(bearers(&lines, d("1.15"), d("0.12"), 2), Some(vec![1]));
        // Flags that do not make up the taxable amount are not trusted: the search decides.
        let lines = [c("1.15", Some(true)), c("4.00", None)];
        assert_eq!(bearers(&lines, d("4.00"), d("0.40"), 2), Some(vec![1]));
        // A line flagged untaxed is no bearer: the other one of the same net is.
        let lines = [c("1.15", None), c("1.15", Some(false))];
        assert_eq!(bearers(&lines, d("1.15"), d("0.12"), 2), Some(vec![0]));
    }
}
