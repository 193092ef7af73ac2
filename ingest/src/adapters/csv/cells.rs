//! The mapping's columns found in one file's header, and the cells of a row read as text,
//! numbers and money (currency signs dropped, minor units scaled).

use super::marks::{check_currency_mark, check_money_words, undot};
use super::number::{check_plain_number, read_number};
use super::tax_mark::{check_tax_mark, Taxed};
use super::{Mapping, MoneyUnit};
use crate::adapters::money::exponent;
use crate::adapters::PayloadError;
use rust_decimal::Decimal;
use std::cell::RefCell;
use std::collections::HashMap;

/// A header name as compared: exports differ in case and spacing ("Lineitem SKU ",
/// "lineitem sku"), and Excel puts a BOM before the first name.
pub(super) fn header_key(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A column of the mapping found in the header: its name (for messages) and position.
#[derive(Debug, Clone)]
pub(super) struct Col {
    pub(super) name: String,
    at: usize,
}

/// The mapping's columns resolved against one file's header.
#[derive(Debug, Default)]
pub(super) struct Cols {
    pub(super) txn_id: Option<Col>,
    /// The columns that qualify `txn_id` (see `txn_key`).
    pub(super) txn_id_with: Vec<Col>,
    pub(super) datetime: Option<Col>,
    pub(super) date: Option<Col>,
    pub(super) time: Option<Col>,
    pub(super) time_zone: Option<Col>,
    pub(super) business_date: Option<Col>,
    pub(super) store_id: Option<Col>,
    pub(super) register_id: Option<Col>,
    pub(super) cashier_id: Option<Col>,
    pub(super) customer_id: Option<Col>,
    pub(super) line_no: Option<Col>,
    pub(super) kind: Option<Col>,
    pub(super) status: Option<Col>,
    pub(super) cancelled_at: Option<Col>,
    pub(super) item_id: Vec<Col>,
    pub(super) description: Option<Col>,
    pub(super) description_extra: Vec<Col>,
    pub(super) quantity: Option<Col>,
    pub(super) unit_price: Option<Col>,
    pub(super) gross_amount: Option<Col>,
    /// The line's discount columns, summed (dunnhumby: loyalty and coupon-match discounts).
    pub(super) discount: Vec<Col>,
    pub(super) discount_rate: Option<Col>,
    pub(super) order_discount: Option<Col>,
    pub(super) order_tax: Option<Col>,
    pub(super) order_total: Option<Col>,
    pub(super) order_subtotal: Option<Col>,
    pub(super) order_shipping: Option<Col>,
    pub(super) order_duties: Option<Col>,
    pub(super) net_amount: Option<Col>,
    pub(super) tax: Option<Col>,
    pub(super) currency: Option<Col>,
    pub(super) version: Option<Col>,
    pub(super) original_txn_id: Option<Col>,
    pub(super) non_revenue: Option<Col>,
    pub(super) tender_method: Option<Col>,
    pub(super) tender_amount: Option<Col>,
    pub(super) tender_tip: Option<Col>,
    /// The column of each `[[reject_rows]]` rule, in the mapping's order.
    pub(super) reject_rows: Vec<Col>,
    /// The `blank` columns of each `[[reject_rows]]` rule, in the mapping's order.
    pub(super) reject_blank: Vec<Vec<Col>>,
    /// The column of each `[[transaction_rows]]` rule, in the mapping's order.
    pub(super) transaction_rows: Vec<Col>,
}

impl Cols {
    /// Finds every column the mapping names; a missing one is a payload error naming it and
    /// the header. Of several `item_id` columns, those the file lacks are skipped (older
    /// exports lack some) as long as one is there; so are columns of the mapping's `optional`
    /// keys.
    pub(super) fn resolve(m: &Mapping, headers: &csv::StringRecord) -> Result<Cols, PayloadError> {
        let mut idx: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            idx.entry(header_key(h)).or_default().push(i);
        }
        // The first mapped name the header holds more than once (see `twice`).
        let ambiguous: RefCell<Option<PayloadError>> = RefCell::new(None);
        let missing = |name: &str| {
            PayloadError::new(
                Some(name),
                format!(
                    "column `{name}` named by the mapping is not in the header ({})",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
            )
        };
        let find = |name: &str| {
            let at = idx.get(&header_key(name))?;
            if at.len() > 1 {
                ambiguous
                    .borrow_mut()
                    .get_or_insert_with(|| twice(name, at));
            }
            Some(Col {
                name: name.to_string(),
                at: at[0],
            })
        };
        let req = |name: &str| find(name).ok_or_else(|| missing(name));
        let opt = |name: &Option<String>| name.as_deref().map(req).transpose();
        // A column the mapping lists in `optional`: absent from this file, it is unmapped.
        let may = |key: &str, name: &Option<String>| match name.as_deref() {
            Some(n) if m.is_optional(key) => Ok(find(n)),
            _ => opt(name),
        };
        let c = &m.columns;
        let item_names = c.item_id.names();
        let item_id: Vec<Col> = item_names.iter().filter_map(|n| find(n)).collect();
        if item_id.is_empty() {
            return Err(missing(item_names.first().copied().unwrap_or("item_id")));
        }
        let cols = Cols {
            txn_id: Some(req(&c.txn_id)?),
            txn_id_with: c
                .txn_id_with
                .iter()
                .map(|n| req(n))
                .collect::<Result<_, _>>()?,
            datetime: opt(&c.datetime)?,
            date: opt(&c.date)?,
            time: opt(&c.time)?,
            time_zone: opt(&c.time_zone)?,
            business_date: opt(&c.business_date)?,
            store_id: may("store_id", &c.store_id)?,
            register_id: may("register_id", &c.register_id)?,
            cashier_id: may("cashier_id", &c.cashier_id)?,
            customer_id: may("customer_id", &c.customer_id)?,
            line_no: may("line_no", &c.line_no)?,
            kind: may("kind", &c.kind)?,
            status: may("status", &c.status)?,
            cancelled_at: may("cancelled_at", &c.cancelled_at)?,
            item_id,
            description: may("description", &c.description)?,
            description_extra: c
                .description_extra
                .names()
                .into_iter()
                .map(req)
                .collect::<Result<_, _>>()?,
            quantity: opt(&c.quantity)?,
            unit_price: opt(&c.unit_price)?,
            gross_amount: opt(&c.gross_amount)?,
            discount: c.discount.as_ref().map_or(Ok(vec![]), |d| {
                let names = d.names().into_iter();
                if m.is_optional("discount") {
                    Ok(names.filter_map(find).collect())
                } else {
                    names.map(req).collect::<Result<Vec<_>, _>>()
                }
            })?,
            discount_rate: opt(&c.discount_rate)?,
            order_discount: may("order_discount", &c.order_discount)?,
            order_tax: may("order_tax", &c.order_tax)?,
            order_total: may("order_total", &c.order_total)?,
            order_subtotal: may("order_subtotal", &c.order_subtotal)?,
            order_shipping: may("order_shipping", &c.order_shipping)?,
            order_duties: may("order_duties", &c.order_duties)?,
            net_amount: opt(&c.net_amount)?,
            tax: may("tax", &c.tax)?,
            currency: may("currency", &c.currency)?,
            version: may("version", &c.version)?,
            original_txn_id: opt(&c.original_txn_id)?,
            non_revenue: may("non_revenue", &c.non_revenue)?,
            tender_method: opt(&c.tender_method)?,
            tender_amount: opt(&c.tender_amount)?,
            tender_tip: opt(&c.tender_tip)?,
            reject_rows: m
                .reject_rows
                .iter()
                .map(|r| req(&r.column))
                .collect::<Result<_, _>>()?,
            // A `blank` column the file lacks is blank on every row (nothing is written).
            reject_blank: m
                .reject_rows
                .iter()
                .map(|r| r.blank.iter().filter_map(|n| find(n)).collect())
                .collect(),
            transaction_rows: m
                .transaction_rows
                .iter()
                .map(|r| req(&r.column))
                .collect::<Result<_, _>>()?,
        };
        match ambiguous.into_inner() {
            Some(e) => Err(e),
            None => Ok(cols),
        }
    }
}

/// A mapped column the header names more than once (compared as [`header_key`] does): the
/// cells of either may be the ones meant, and reading the first without a word could read a
/// list price as the price paid. The file is refused naming the column and its positions.
fn twice(name: &str, at: &[usize]) -> PayloadError {
    let at: Vec<String> = at.iter().map(|i| (i + 1).to_string()).collect();
    PayloadError::new(
        Some(name),
        format!(
            "column `{name}` named by the mapping is in the header more than once (columns {}): \
             rename all but the one meant",
            at.join(", ")
        ),
    )
}

/// One data row: its line number in the file (quoted cells may span lines) and its cells.
pub(super) struct Row {
    pub(super) no: usize,
    pub(super) rec: csv::StringRecord,
}

impl Row {
    /// The trimmed cell of `col`, `None` when the column is not mapped or the cell is blank.
    pub(super) fn get(&self, col: &Option<Col>) -> Option<&str> {
        col.as_ref().and_then(|c| self.cell(c))
    }

    pub(super) fn cell(&self, c: &Col) -> Option<&str> {
        self.rec.get(c.at).map(str::trim).filter(|s| !s.is_empty())
    }

    pub(super) fn err(&self, c: &Col, what: impl std::fmt::Display) -> String {
        format!("row {}: column `{}`: {what}", self.no, c.name)
    }

    pub(super) fn req<'a>(&'a self, col: &'a Option<Col>) -> Result<(&'a Col, &'a str), String> {
        let c = col.as_ref().expect("required columns are resolved");
        self.cell(c)
            .map(|v| (c, v))
            .ok_or_else(|| self.err(c, "is empty"))
    }

    /// A number cell (a quantity, a discount rate): the number alone, no word or currency
    /// sign beside it (see [`check_plain_number`]).
    pub(super) fn num(&self, m: &Mapping, col: &Option<Col>) -> Result<Option<Decimal>, String> {
        let Some(c) = col else { return Ok(None) };
        let Some(v) = self.cell(c) else {
            return Ok(None);
        };
        let d = check_plain_number(v)
            .and_then(|()| read_number(v, m.number_format()))
            .map_err(|e| self.err(c, e))?;
        self.bounded(c, v, d).map(Some)
    }

    /// The sum of the money cells of `cols`, each read without its sign (exports write a
    /// discount as `0.60` or `-0.60`); 0 when all are blank.
    pub(super) fn money_sum(
        &self,
        m: &Mapping,
        cols: &[Col],
        currency: &str,
        taxed: Taxed,
    ) -> Result<Decimal, String> {
        let mut sum = Decimal::ZERO;
        for c in cols {
            let d = self
                .money(m, &Some(c.clone()), currency, taxed)?
                .unwrap_or_default();
            sum = sum
                .checked_add(d.abs())
                .ok_or_else(|| self.err(c, "adds up beyond the range of amounts"))?;
        }
        Ok(sum)
    }

    /// `d` when it is within ±[`MAX_NUMBER`], else an error naming the cell.
    fn bounded(&self, c: &Col, v: &str, d: Decimal) -> Result<Decimal, String> {
        if d.abs() > MAX_NUMBER {
            return Err(self.err(c, format!("`{v}` is out of range (beyond ±10^12)")));
        }
        Ok(d)
    }

    /// A money cell: currency symbols and codes around the number are dropped ("$1,234.50",
    /// "€ 3,50", "CHF 12.00", "3,50 EUR", "($5.00)", "5,00-"), read with the mapping's
    /// `money_decimal` where it has one. Any other word or mark (`12.50 kg`, `12.50/kg`,
    /// `12.50 (sale)`, `10%`) refuses the cell (see `marks::check_money_words`), and so does
    /// a `TTC` / `HT` mark that contradicts what the column holds (`taxed`) or the mapping's
    /// `prices_include_tax` (see `tax_mark::check_tax_mark`).
    pub(super) fn money(
        &self,
        m: &Mapping,
        col: &Option<Col>,
        currency: &str,
        taxed: Taxed,
    ) -> Result<Option<Decimal>, String> {
        let Some(c) = col else { return Ok(None) };
        let Some(v) = self.cell(c) else {
            return Ok(None);
        };
        let d = check_currency_mark(v, currency)
            .and_then(|()| strip_currency(v))
            .and_then(|n| check_money_words(v, currency).map(|()| n))
            .and_then(|n| check_tax_mark(v, taxed, m.prices_include_tax).map(|()| n))
            .and_then(|n| read_number(&n, m.money_format()))
            .map_err(|e| self.err(c, e))?;
        let d = match m.money_unit {
            MoneyUnit::Major => d,
            // A fraction of a cent is no minor unit: the file is in major units (`12.50`
            // read as cents was 0.125, a hundredth of the price, without a word).
            MoneyUnit::Minor if !d.fract().is_zero() => {
                return Err(self.err(
                    c,
                    format!(
                        "`{v}` has a fraction, but money_unit = \"minor\" reads whole minor \
                         units (cents): is the file in major units?"
                    ),
                ))
            }
            MoneyUnit::Minor => d / Decimal::from(10u64.pow(exponent(currency))),
        };
        self.bounded(c, v, d).map(Some)
    }
}

/// Numbers beyond a trillion are never real quantities or amounts (the POSLog adapter refuses
/// them the same way); refusing them keeps the line and order arithmetic, products and sums of
/// many lines, far from `Decimal`'s limit of ~7.9 × 10^28, where it would overflow.
const MAX_NUMBER: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// Currency signs money cells are written with.
const CURRENCY_SIGNS: &str = "$€£¥₹₩₽₺₪₫₱₦฿₴₸₲₡₵";

/// The cents sign: `99¢` is 0.99, a hundredth of what the digits say, so it is no currency
/// sign to drop (dropped, `99¢` was 99.00).
const CENTS_SIGN: char = '¢';

/// Drops currency signs and letters before the first or after the last digit (words that
/// `marks::check_money_words` has checked to be currency marks), so that
/// `parse_formatted` sees only the number, its separators and its sign. Letters between
/// digits stay ("1e3" is still refused); a sign between digits is refused: `1€50` is how
/// French hands write 1.50 €, and dropping the sign read it as 150.
fn strip_currency(s: &str) -> Result<String, String> {
    if s.contains(CENTS_SIGN) {
        return Err(format!(
            "`{s}` is in cents (¢): write the amount in whole units (0.99 for 99¢)"
        ));
    }
    let first = s.find(|c: char| c.is_ascii_digit());
    let last = s.rfind(|c: char| c.is_ascii_digit());
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(s.to_string());
    };
    if s[first..last].contains(|c| CURRENCY_SIGNS.contains(c)) {
        return Err(format!(
            "`{s}` has a currency sign between its digits: write the amount as a number"
        ));
    }
    // Accounting reports mark credits and debits after the amount: dropped like a currency
    // code, `12.50 CR` (a credit, money going back) was +12.50.
    let after = s[last..]
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim();
    if ["CR", "DR"].iter().any(|m| after.eq_ignore_ascii_case(m)) {
        return Err(format!(
            "`{s}` is marked {after} (credit or debit), not a sign: write the amount as a \
             number with its sign"
        ));
    }
    // Reports shorten amounts as `1.5K` or `12M`: the letter is a multiplier, not a code.
    let attached = &s[last + 1..];
    if ["k", "m", "b", "mn", "bn"]
        .iter()
        .any(|m| attached.trim_end().eq_ignore_ascii_case(m))
    {
        return Err(format!(
            "`{s}` ends in a multiplier ({attached}), not a currency: write the whole amount"
        ));
    }
    // Signs and words around the number go, with the dots of abbreviations there (`T.T.C.`,
    // `kr.`, see `marks::undot`); between the digits only signs could stand, refused above.
    let edge = |e: &str| -> String {
        undot(e)
            .chars()
            .filter(|c| !c.is_alphabetic() && !CURRENCY_SIGNS.contains(*c))
            .collect()
    };
    Ok(format!(
        "{}{}{}",
        edge(&s[..first]),
        &s[first..=last],
        edge(&s[last + 1..])
    ))
}

/// Whether an id cell is a number Excel wrote in scientific notation (`1.23457E+12`, `4E+12`):
/// a long id (a receipt number, an EAN, a customer or cashier number) in a file opened and
/// re-saved in Excel keeps six significant digits, so different ids become one and their
/// transactions, items or customers would be merged without a word. Only Excel's shape (one digit, a `+` exponent of two or three
/// digits) counts: an item code such as `12E4` stays a code.
pub(super) fn is_excel_scientific(cell: &str) -> bool {
    let Some((mantissa, exp)) = cell.trim().split_once(['E', 'e']) else {
        return false;
    };
    let (lead, frac) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let exp_ok = exp
        .strip_prefix('+')
        .is_some_and(|e| digits(e) && (2..=3).contains(&e.len()));
    lead.len() == 1 && lead != "0" && digits(lead) && digits(frac) && exp_ok
}

/// The error of an id cell in scientific notation (see [`is_excel_scientific`]).
pub(super) fn scientific_id(cell: &str) -> String {
    format!(
        "`{cell}` is a number Excel wrote in scientific notation: the id's last digits are \
         lost, so different ids would be merged; export the column as text"
    )
}

pub(super) fn matches(values: &[String], cell: &str) -> bool {
    values.iter().any(|v| v.trim().eq_ignore_ascii_case(cell))
}
