//! `TTC` and `HT` after a money cell: French tills and accounting exports write `12,50 € TTC`
//! ("toutes taxes comprises", tax included) and `10,42 € HT` ("hors taxes", before tax). The
//! mark says which of the two the number is, and the mapping says it too
//! (`prices_include_tax`, false when not set): the line's net is the amount less its tax only
//! when prices include it. A cell whose mark says the opposite of the mapping was read the
//! mapping's way without a word (`TTC` was accepted whatever the mapping said), so a file of
//! tax-inclusive prices under a mapping of prices before tax kept the VAT in net sales. Such a
//! cell is refused, naming the mark and the setting. Written with dots (`T.T.C.`, `H.T.`) they
//! are the same marks.

use super::marks::{undot, words};

/// What a money column's amounts are as far as tax goes, which decides what a mark may say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Taxed {
    /// A price or what follows from prices (unit price, gross and net amounts, discounts, an
    /// order's subtotal and shipping): tax inside as the mapping's `prices_include_tax` says.
    Price,
    /// Money paid (a tender amount, a tip, an order's total): tax inside whatever the prices,
    /// so `TTC` is what it is and `HT` is no amount paid.
    Paid,
    /// An amount of tax (a line's tax, an order's tax or duties): neither mark means anything
    /// there, and one says the column holds something else (a price or a total).
    Tax,
}

/// What a mark after the number says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// `TTC`: tax included.
    Included,
    /// `HT`: before tax.
    Excluded,
}

/// Whether `w`, a word after the number of a money cell, is a tax mark (any case: `ttc`).
pub(super) fn is_tax_mark(w: &str) -> bool {
    mark_of_word(w).is_some()
}

fn mark_of_word(w: &str) -> Option<Mark> {
    if w.eq_ignore_ascii_case("TTC") {
        Some(Mark::Included)
    } else if w.eq_ignore_ascii_case("HT") {
        Some(Mark::Excluded)
    } else {
        None
    }
}

/// The mark after the last digit of `cell`, if any; a cell marked both ways is refused.
fn mark_of(cell: &str) -> Result<Option<Mark>, String> {
    let Some(last) = cell.rfind(|c: char| c.is_ascii_digit()) else {
        return Ok(None);
    };
    let mut found = None;
    for (_, w) in words(&undot(&cell[last + 1..])) {
        match (found, mark_of_word(w)) {
            (Some(a), Some(b)) if a != b => {
                return Err(format!(
                    "`{cell}` is marked both TTC (tax included) and HT (before tax): write the \
                     amount with one of them or none"
                ))
            }
            (_, Some(m)) => found = Some(m),
            _ => {}
        }
    }
    Ok(found)
}

/// `Ok` unless the tax mark of the money cell `cell` contradicts what the column holds
/// (`taxed`) or, for prices, the mapping's `prices_include_tax` (`inclusive`). A cell without a
/// mark is read as the mapping says, as before.
pub(super) fn check_tax_mark(cell: &str, taxed: Taxed, inclusive: bool) -> Result<(), String> {
    let Some(mark) = mark_of(cell)? else {
        return Ok(());
    };
    match (taxed, mark) {
        (Taxed::Price, Mark::Included) if !inclusive => Err(format!(
            "`{cell}` is marked TTC (tax included), but the mapping reads prices as before tax \
             (`prices_include_tax` is false or not set): set `prices_include_tax = true` if the \
             file's prices include the tax"
        )),
        (Taxed::Price, Mark::Excluded) if inclusive => Err(format!(
            "`{cell}` is marked HT (before tax), but the mapping reads prices as including the \
             tax (`prices_include_tax = true`): set `prices_include_tax = false` if the file's \
             prices are before tax, or map the column of tax-inclusive amounts"
        )),
        (Taxed::Paid, Mark::Excluded) => Err(format!(
            "`{cell}` is marked HT (before tax), but an amount paid (tender, tip, order total) \
             includes its tax: map the column of the amount paid"
        )),
        (Taxed::Tax, _) => Err(format!(
            "`{cell}` is a tax amount marked {}: a tax is neither tax-included nor before tax, \
             so the column holds a price or a total: map the column of the tax",
            if mark == Mark::Included { "TTC" } else { "HT" }
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_read_after_the_number_in_any_case() {
        assert_eq!(mark_of("12,50 € TTC"), Ok(Some(Mark::Included)));
        assert_eq!(mark_of("12,50 ttc"), Ok(Some(Mark::Included)));
        assert_eq!(mark_of("10,42 € HT"), Ok(Some(Mark::Excluded)));
        assert_eq!(mark_of("10,42HT"), Ok(Some(Mark::Excluded)));
        assert_eq!(mark_of("12,50 €"), Ok(None));
        // Before the number a word is no tax mark (and `check_money_words` refuses it).
        assert_eq!(mark_of("TTC 12,50"), Ok(None));
        assert!(mark_of("12,50 HT TTC").unwrap_err().contains("both"));
        // With dots, as French receipts also write them.
        assert_eq!(mark_of("12,50 € T.T.C."), Ok(Some(Mark::Included)));
        assert_eq!(mark_of("12,50 t.t.c"), Ok(Some(Mark::Included)));
        assert_eq!(mark_of("10,42 € H.T."), Ok(Some(Mark::Excluded)));
        assert!(mark_of("12,50 H.T. T.T.C.").unwrap_err().contains("both"));
    }

    #[test]
    fn a_price_mark_must_agree_with_the_mapping() {
        for (cell, inclusive, ok) in [
            ("12,50 € TTC", true, true),
            ("12,50 € TTC", false, false),
            ("10,42 € HT", false, true),
            ("10,42 € HT", true, false),
            ("12,50 €", true, true),
            ("12,50 €", false, true),
        ] {
            let got = check_tax_mark(cell, Taxed::Price, inclusive);
            assert_eq!(got.is_ok(), ok, "{cell} {inclusive}: {got:?}");
        }
        let e = check_tax_mark("12,50 € TTC", Taxed::Price, false).unwrap_err();
        assert!(e.contains("set `prices_include_tax = true`"), "{e}");
        let e = check_tax_mark("10,42 € HT", Taxed::Price, true).unwrap_err();
        assert!(e.contains("set `prices_include_tax = false`"), "{e}");
    }

    /// An amount paid includes its tax whatever the prices; a tax amount takes no mark.
    #[test]
    fn paid_and_tax_amounts_have_marks_of_their_own() {
        for inclusive in [true, false] {
            assert!(check_tax_mark("15,00 TTC", Taxed::Paid, inclusive).is_ok());
            let e = check_tax_mark("15,00 HT", Taxed::Paid, inclusive).unwrap_err();
            assert!(e.contains("amount paid"), "{e}");
            for cell in ["2,08 TTC", "2,08 HT"] {
                let e = check_tax_mark(cell, Taxed::Tax, inclusive).unwrap_err();
                assert!(e.contains("tax amount marked"), "{e}");
            }
            assert!(check_tax_mark("2,08 €", Taxed::Tax, inclusive).is_ok());
        }
    }
}
