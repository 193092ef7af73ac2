//! CSV exports with a declarative column mapping (TOML). One row is one line; rows with the
//! same store and transaction id form one transaction. The mapping names the columns and how
//! the export writes dates, numbers, money units and line kinds, so a new export needs a file,
//! not code. Example (also in docs/ingest.md):
//!
//! ```toml
//! source = "legacy-pos"
//! delimiter = ";"
//! decimal = ","            # decimal separator; group = "." for 1.234,50
//! datetime_format = "%d.%m.%Y %H:%M"   # chrono format; local store time unless it has %z
//! money_unit = "major"     # or "minor" (cents)
//! quantity_divisor = 1     # e.g. 1000 when quantities are grams and the product sells per kg
//! currency = "EUR"         # or a `currency` column; else the store's configured one
//! store_id = "S01"         # or a `store_id` column
//! [columns]
//! txn_id = "Bon"
//! datetime = "Zeit"        # or date = "Datum" + time = "Uhrzeit"
//! item_id = "EAN"
//! quantity = "Menge"
//! unit_price = "Preis"
//! [kinds]                  # values of the `kind` column
//! sale = ["V"]
//! return = ["R"]
//! void = ["S"]
//! ```
//!
//! Real exports differ from that: Square's item detail has no unit price (`gross_amount`), a
//! time-zone column in Rails names (`time_zone`) and refunds under the sale's id
//! (`split_returns`); Shopify's orders export writes order fields on the first row only (taken
//! from whichever row of the transaction has them); European tills write `1,50-` and
//! VAT-inclusive amounts (`prices_include_tax`). Store names become configured ids through
//! `[stores]`; Shopify's order `Discount Amount` and `Taxes` are spread over the lines
//! (`order_discount`, `order_tax`), and the order's `Total` against `Subtotal + Shipping`
//! tells whether its prices include that tax (`order_total`, `order_subtotal`,
//! `order_shipping`); columns older or online-only exports lack are listed in `optional`;
//! times written with an offset give the business day as written when no zone is given;
//! Square's `Modifiers Applied` joins the description (`description_extra`). Public datasets
//! (UCI Online Retail, Kaggle Supermarket sales) need the zone of a file (`time_zone`),
//! customer ids written as floats (`integer_ids`), fee and write-off rows that are no sale
//! (`[[reject_rows]]`) and a payment column (`tender_method`, `[tenders]`). Toast's item
//! selections flag an item voided on its check in the row itself (`[kinds] voided`), write
//! dates in the account's form (`datetime_format` as a list) and close the business day at
//! 04:00 (`business_day_start`); Loyverse's receipts by item need the list of date forms too.
//! Tableau's Superstore gives a line's discount as a fraction of the list price and its net
//! after it (`discount_rate`); the French bakery dataset writes prices `"0,90 €"` beside
//! quantities `1.0` (`money_decimal`); copies of Maven's Coffee Shop Sales differ in their
//! date form (`date_format` as a list). dunnhumby's Complete Journey counts days from no
//! stated date (`date_format = "day_number"`, refused without the analyst's `day_one`) and
//! writes times as `HHMM` integers (`time_format = "hhmm"`) and two store discounts beside a
//! net (`discount` as a list, the price from net + discount); files re-saved by Excel hold
//! serial dates (`"excel"`, `"excel1904"`). Shopify's checkout tip is told from a product
//! named "Tip" by its empty SKU and vendor (`[[reject_rows]] blank`). Lightspeed X-Series
//! (Vend) writes each sale's own `Sale` and `Payment` rows beside its item rows
//! (`[[transaction_rows]]`: their cells, no line, no reject) and reuses receipt numbers.
//! Ready mappings: `ingest/mappings/`.

mod cells;
mod chunks;
mod dates;
mod day_month;
mod group;
mod line;
mod marks;
mod number;
mod order;
mod rate;
mod serial;
mod stores;
mod tax_mark;
mod tender;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_cells;
#[cfg(test)]
mod tests_chunks;
#[cfg(test)]
mod tests_datasets;
#[cfg(test)]
mod tests_datasets_retail;
#[cfg(test)]
mod tests_day_month;
#[cfg(test)]
mod tests_dunnhumby;
#[cfg(test)]
mod tests_ids_times;
#[cfg(test)]
mod tests_keys;
#[cfg(test)]
mod tests_lightspeed;
#[cfg(test)]
mod tests_line_ends;
#[cfg(test)]
mod tests_orders;
#[cfg(test)]
mod tests_pos;
#[cfg(test)]
mod tests_redteam;
#[cfg(test)]
mod tests_redteam3;
#[cfg(test)]
mod tests_redteam4;
#[cfg(test)]
mod tests_serial;
#[cfg(test)]
mod tests_shapes;
#[cfg(test)]
mod tests_tax_marks;
#[cfg(test)]
mod tests_tips;
#[cfg(test)]
mod tests_txn_key;
#[cfg(test)]
mod tests_units;
mod txn_key;
mod txn_rows;
mod wrapped;
mod zone;

use super::money::NumberFormat;
use super::{Context, PayloadError};
use crate::envelope::{Record, Reject};
use cells::{Cols, Row};
use chrono::NaiveDate;
pub use chunks::{Chunk, Plan};
use group::{
    assemble, dropped_row, is_return_row, no_line_reject, return_txn_id, row_rejects, Dropped,
    Group, Out,
};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
pub use txn_rows::TransactionRows;
pub use zone::{parse_zone, Zone};

pub const CONTENT_TYPE: &str = "text/csv; format=csv-mapping";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub source: String,
    #[serde(default = "comma")]
    pub delimiter: char,
    #[serde(default = "dot")]
    pub decimal: char,
    pub group: Option<char>,
    /// The decimal separator of money cells, when it is not the one of quantities: the
    /// French "Bakery sales" dataset writes `Quantity` as `1.0` (pandas) and `unit_price` as
    /// `"0,90 €"` (a French till). Without it money cells use `decimal`. It may be the
    /// delimiter: such cells are quoted, as that file's are.
    pub money_decimal: Option<char>,
    /// chrono format of a combined date-time column; or several, tried in order, for an
    /// export whose date form depends on the account or report (Toast writes
    /// `10/8/26 5:18 PM` in one and `10/08/2026 17:18:00` in another).
    pub datetime_format: Option<OneOrMore>,
    /// chrono format of the `date` and `business_date` columns; or several, tried in order,
    /// for a dataset whose copies differ (Maven's Coffee Shop Sales circulates with
    /// `1/1/23`, `1/1/2023` and `2023-01-01`). The forms must not read one cell two ways:
    /// `%m/%d/%Y` and `%d/%m/%Y` together would take 3/4 as whichever comes first.
    /// Besides chrono formats, number forms: `"excel"` / `"excel1904"` (spreadsheet serial
    /// dates, a fraction being the time of day) and `"day_number"` (whole days counted from
    /// `day_one`), also in `datetime_format`.
    #[serde(default = "iso_date")]
    pub date_format: OneOrMore,
    /// The calendar date of day number 1 for `date_format = "day_number"` (dunnhumby's `DAY`
    /// 1 … 711): required with it, since the file gives none and any date would put the
    /// sales on weekdays, holidays and seasons of the analyst's choosing. `YYYY-MM-DD`.
    pub day_one: Option<String>,
    /// chrono format of the `time` column, read with seconds left out or added on the
    /// format's clock (a 12-hour one needs AM/PM in every cell); or `"hhmm"` (hours and
    /// minutes as one number, leading zeros dropped: `1631`, `946`, `5` = 00:05) or `"excel"`
    /// (a fraction of a day).
    #[serde(default = "iso_time")]
    pub time_format: String,
    #[serde(default)]
    pub money_unit: MoneyUnit,
    #[serde(default = "one")]
    pub quantity_divisor: Decimal,
    /// For exports without a quantity column, where each row is one item sold (a pizzeria's
    /// order lines, a bakery's ticket lines written once per unit): the quantity of every row,
    /// `row_quantity = 1`. Explicit, not a default: a mapping that merely forgot
    /// `columns.quantity` would otherwise misstate every line. Not with `columns.quantity`.
    pub row_quantity: Option<Decimal>,
    /// The export's currency; else the `currency` column; else the store's configured one.
    pub currency: Option<String>,
    pub store_id: Option<String>,
    /// Store column value (a display name such as Square's `Location` "Main Street") → the
    /// store id the API adapters use, so one store's sales from an export and from the API
    /// land under one id. Values not listed are taken as the id unless
    /// `reject_unknown_stores`.
    #[serde(default)]
    pub stores: BTreeMap<String, String>,
    /// A store column value not in `[stores]` rejects its transaction (naming the column and
    /// value) instead of becoming a store id of its own: a typo or a new location then shows
    /// up as a reject, not as sales of a store nobody configured.
    #[serde(default)]
    pub reject_unknown_stores: bool,
    /// Amounts include the tax (VAT-inclusive shelf prices, as European tills write them):
    /// net amounts are then the amount less the tax column, as the POSLog adapter does. Not
    /// set, amounts are before tax. Price cells marked `TTC` (tax included) need it true and
    /// cells marked `HT` (before tax) need it false, else they are refused (see `tax_mark`).
    #[serde(default)]
    pub prices_include_tax: bool,
    /// Return rows become a transaction of their own, `<txn id>/return/<date-time digits>`,
    /// linked to the sale by `original_txn_id`: for exports (Square) that list a refund under
    /// the id of the payment it refunds, days later.
    #[serde(default)]
    pub split_returns: bool,
    /// The `non_revenue` column's values that mark a line paid for but not revenue, when the
    /// export names a kind of item rather than saying yes or no (a type column holding
    /// `Gift Card`): compared without case or surrounding spaces, any other value a sale.
    /// Without it the column is read as yes/no.
    #[serde(default)]
    pub non_revenue_values: Vec<String>,
    /// The file's character encoding when it is not UTF-8, as an encoding label
    /// (`"windows-1252"`, `"iso-8859-15"`, `"utf-16le"`…): spreadsheet tools on Windows still
    /// save CSV that way. A byte-order mark in the file wins over it.
    pub encoding: Option<String>,
    /// The zone the file's local times are in, when the file says it and the store config
    /// may not (a public dataset of one UK shop: "Europe/London"). A `time_zone` column wins
    /// over it; without either, the store's configured zone is used.
    pub time_zone: Option<String>,
    /// When the business day starts, local time (`"04:00"`): a sale before it belongs to the
    /// day before, as restaurants and bars close their day after midnight (Toast's closeout
    /// hour, 04:00 by default). Without it the business day starts at midnight. A
    /// `business_date` column wins over it.
    pub business_day_start: Option<String>,
    /// Id columns that a spreadsheet or pandas wrote as floats (`17850.0`): their cells lose
    /// a `.0…` after the digits, so the same customer is one id in every export. Names of
    /// `[columns]` keys: `txn_id`, `customer_id`, `cashier_id`, `register_id`.
    #[serde(default)]
    pub integer_ids: Vec<String>,
    pub columns: Columns,
    #[serde(default)]
    pub kinds: Kinds,
    #[serde(default)]
    pub statuses: Statuses,
    /// Tender methods by the `tender_method` column's values (`cash = ["Cash"]`).
    #[serde(default)]
    pub tenders: Tenders,
    /// Rows that are no sale (fees the shop paid, bad-debt write-offs): a row whose cell in
    /// `column` is one of `values` rejects its transaction with `reason`, so the money shows
    /// up as a reject instead of as sales or returns.
    #[serde(default)]
    pub reject_rows: Vec<RejectRows>,
    /// Rows that describe their transaction and are no line of it (Lightspeed X-Series's
    /// `Sale` and `Payment` rows beside its `Sale Line` rows): they give the transaction the
    /// cells they carry (status, register, cashier…), no line and no reject. See `txn_rows`.
    #[serde(default)]
    pub transaction_rows: Vec<TransactionRows>,
    /// `[columns]` keys whose column an export may lack (`["store_id", "discount"]`): in a
    /// file without it the key counts as not mapped, instead of the file being a 400. Shopify
    /// leaves `Location` out of the export of a shop without POS and older exports have no
    /// `Lineitem discount`; a store then comes from the mapping's `store_id`, a discount is 0.
    /// Only the keys in `OPTIONAL_KEYS` may be named: a file without its ids, time, quantity
    /// or price is not readable.
    #[serde(default)]
    pub optional: Vec<String>,
}

/// `[[reject_rows]]`: rows that reject their transaction, and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectRows {
    /// A header name, as in `[columns]`.
    pub column: String,
    /// Cell values (compared without case or surrounding spaces).
    pub values: Vec<String>,
    pub reason: String,
    /// Columns that must be blank too for the rule to match: Shopify's checkout tip is a
    /// line item named `Tip` with no `Lineitem sku` and no `Vendor`, which tells it from a
    /// product that happens to be called "Tip" (products carry the shop's vendor, and most a
    /// SKU). A column the file lacks counts as blank (an export without it writes none).
    #[serde(default)]
    pub blank: Vec<String>,
    /// What a matching row rejects: its whole transaction (the default: a fee row on an
    /// invoice of its own), or only itself, the rest of its transaction landing without it
    /// (a postage or fee row on an invoice that also sold goods).
    #[serde(default)]
    pub scope: RejectScope,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectScope {
    #[default]
    Transaction,
    Row,
}

/// Values of the `tender_method` column per tender method; a value in no list rejects the
/// transaction naming the column.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tenders {
    #[serde(default)]
    pub cash: Vec<String>,
    #[serde(default)]
    pub card: Vec<String>,
    #[serde(default)]
    pub gift_card: Vec<String>,
    #[serde(default)]
    pub store_credit: Vec<String>,
    #[serde(default)]
    pub other: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoneyUnit {
    #[default]
    Major,
    Minor,
}

/// One column, or several tried in order (the first non-empty cell wins): `item_id =
/// ["SKU", "Token", "Item"]` for exports whose SKU is often blank.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum OneOrMore {
    One(String),
    More(Vec<String>),
}

impl OneOrMore {
    pub fn names(&self) -> Vec<&str> {
        match self {
            OneOrMore::One(s) => vec![s.as_str()],
            OneOrMore::More(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

impl Default for OneOrMore {
    fn default() -> Self {
        OneOrMore::More(vec![])
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    pub txn_id: String,
    /// Columns whose cells, with `txn_id`'s, make the transaction id (`Datum/Kasse/Bon`): for
    /// tills that number receipts from 1 again every day or per register, whose receipt 1 of
    /// Monday and of Tuesday would otherwise be one transaction. A row with all of them blank
    /// takes those its number was last seen with (order-level cells on the first row only).
    #[serde(default)]
    pub txn_id_with: Vec<String>,
    pub datetime: Option<String>,
    pub date: Option<String>,
    pub time: Option<String>,
    /// Each row's time zone (IANA name, offset or Rails/Windows name); else the store's.
    pub time_zone: Option<String>,
    pub business_date: Option<String>,
    pub store_id: Option<String>,
    pub register_id: Option<String>,
    pub cashier_id: Option<String>,
    pub customer_id: Option<String>,
    pub line_no: Option<String>,
    pub kind: Option<String>,
    /// Transaction status, read through `[statuses]`.
    pub status: Option<String>,
    /// When the order was cancelled (Shopify `Cancelled at`), on any row of it: a non-empty
    /// cell means the order was called off after it was placed, whatever its payment status
    /// says (Shopify keeps `paid` or `refunded` there), so it is no sale: post-voided, or
    /// cancelled when the status is one of `[statuses] cancelled` or `unpaid` (never paid),
    /// as the Shopify API adapter books an order with `cancelled_at`.
    pub cancelled_at: Option<String>,
    pub item_id: OneOrMore,
    pub description: Option<String>,
    /// Columns whose non-empty cells are added to the description in parentheses, joined by
    /// ", " (Square's `Modifiers Applied`: "Latte (Oat Milk, Extra Shot)"), so the variant
    /// sold is not lost.
    #[serde(default)]
    pub description_extra: OneOrMore,
    /// The quantity column; may be left out with `row_quantity` (one row per unit sold).
    pub quantity: Option<String>,
    /// Price of one unit; or, when the export has none, `gross_amount`.
    pub unit_price: Option<String>,
    /// Line amount before discounts (Square "Gross Sales"): the unit price is gross / qty.
    pub gross_amount: Option<String>,
    /// The line's discount (read without its sign); several columns are added up
    /// (dunnhumby's loyalty `RETAIL_DISC` and `COUPON_MATCH_DISC`, both borne by the store).
    pub discount: Option<OneOrMore>,
    /// The line's discount as a fraction of its amount before discount (Tableau Superstore's
    /// `Discount`, `0.2` for 20 % off the list price). With a unit price or gross amount the
    /// discount is that amount × the rate; with only `net_amount` (Superstore's `Sales`,
    /// after discount) the list amount is net / (1 − rate) and the discount the difference,
    /// so the net stays as written and the list price is not lost.
    pub discount_rate: Option<String>,
    /// A discount of the whole order (Shopify `Discount Amount`), on any row of it. The part
    /// not already in the lines' `discount` cells is spread over the sale lines by their
    /// gross, so line nets add up to what the customer paid for the goods.
    pub order_discount: Option<String>,
    /// The tax of the whole order (Shopify `Taxes`, on any row of it), when the lines carry
    /// none: the part not already in the lines' `tax` cells is spread over the sale lines by
    /// their net amount, so line taxes add up to the order's.
    pub order_tax: Option<String>,
    /// The order's total, subtotal (goods after discounts) and shipping (Shopify `Total`,
    /// `Subtotal`, `Shipping`, on any row of it): they tell per order whether its prices
    /// include the tax (`Total = Subtotal + Shipping`) or not (`… + Taxes`), where
    /// `prices_include_tax` says it once for the whole mapping. Need `order_tax`; shipping
    /// may be left out (0).
    pub order_total: Option<String>,
    pub order_subtotal: Option<String>,
    pub order_shipping: Option<String>,
    /// The order's import duties (Shopify `Duties`, on any row of it): spread over the sale
    /// lines by gross into their tax, as the Shopify API adapter adds an order's duties to its
    /// lines' tax; and left out of `order_total` when the totals tell whether prices include
    /// the tax (`Total = Subtotal + Shipping + Taxes + Duties`).
    pub order_duties: Option<String>,
    pub net_amount: Option<String>,
    pub tax: Option<String>,
    pub currency: Option<String>,
    pub version: Option<String>,
    pub original_txn_id: Option<String>,
    /// Marks a line paid for but not revenue (Toast's `Deferred`: a gift card sold), which
    /// the sales views leave out: `true`, `yes`, `y` or `1` (any case) mark one; `false`,
    /// `no`, `n`, `0` or an empty cell do not; any other value rejects the transaction. With
    /// `non_revenue_values`, those values mark one and any other is a sale.
    pub non_revenue: Option<String>,
    /// How the transaction was paid (one tender per transaction, through `[tenders]`).
    pub tender_method: Option<String>,
    /// The amount paid (e.g. a `Total` column, on any row of the transaction); else the
    /// lines' net amounts plus tax.
    pub tender_amount: Option<String>,
    /// The tip paid with the tender (e.g. a `Tip` column, on any row of the transaction, read
    /// as `tender_amount` is): the tender's `tip`, inside its amount. With `tender_amount` the
    /// amount written is taken to hold it (map the amount charged, tip included); without,
    /// the tender is the lines' net plus tax plus the tip. Tips are no line.
    pub tender_tip: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kinds {
    pub sale: Vec<String>,
    #[serde(rename = "return")]
    pub ret: Vec<String>,
    pub void: Vec<String>,
    /// Values that mark a row as a line voided in place (Toast's `Void?` = `true`): the row
    /// is the item as rung up, taken back later on the same check. It lands as that line and
    /// its void beside it (as POSLog's `VoidFlag`), so the check's net leaves it out and the
    /// void still counts; a `void` value, by contrast, is a row of its own that reverses an
    /// earlier row.
    #[serde(default)]
    pub voided: Vec<String>,
}

impl Default for Kinds {
    fn default() -> Self {
        Kinds {
            sale: vec!["sale".into()],
            ret: vec!["return".into()],
            void: vec!["void".into()],
            voided: vec![],
        }
    }
}

/// Values of the `status` column that are not a completed sale; any other value is one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statuses {
    #[serde(default)]
    pub cancelled: Vec<String>,
    #[serde(default)]
    pub post_voided: Vec<String>,
    /// Values of an order not paid (Shopify `pending`, `authorized`): a sale like any other,
    /// but cancelled rather than post-voided when `cancelled_at` says it was called off.
    #[serde(default)]
    pub unpaid: Vec<String>,
}

/// The `[columns]` keys `integer_ids` may name.
const INTEGER_IDS: [&str; 4] = ["txn_id", "customer_id", "cashier_id", "register_id"];

/// The `[columns]` keys `optional` may name: none of them is needed to read a line.
const OPTIONAL_KEYS: [&str; 20] = [
    "store_id",
    "register_id",
    "cashier_id",
    "customer_id",
    "line_no",
    "kind",
    "status",
    "cancelled_at",
    "description",
    "discount",
    "order_discount",
    "order_tax",
    "order_total",
    "order_subtotal",
    "order_shipping",
    "order_duties",
    "tax",
    "currency",
    "version",
    "non_revenue",
];

/// `17850.0` → `17850`: an id cell a spreadsheet wrote as a float, when `key` is one of the
/// mapping's `integer_ids`. Anything but digits, a dot and zeros is left as written.
pub(crate) fn id_cell<'a>(m: &Mapping, key: &str, cell: &'a str) -> &'a str {
    if !m.integer_ids.iter().any(|k| k == key) {
        return cell;
    }
    match cell.split_once('.') {
        Some((int, frac))
            if !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b == b'0') =>
        {
            int
        }
        _ => cell,
    }
}

/// `"04:00"` → the time since midnight at which the business day starts.
pub(crate) fn day_start(s: &str) -> Option<chrono::Duration> {
    let t = chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()?;
    Some(t - chrono::NaiveTime::MIN)
}

fn comma() -> char {
    ','
}
fn dot() -> char {
    '.'
}
fn iso_date() -> OneOrMore {
    OneOrMore::One("%Y-%m-%d".into())
}
fn iso_time() -> String {
    "%H:%M:%S".into()
}
fn one() -> Decimal {
    Decimal::ONE
}

impl Mapping {
    /// Parses and checks a mapping: a time source, a store and a currency must be named.
    pub fn from_toml(text: &str) -> Result<Mapping, String> {
        let m: Mapping = toml::from_str(text).map_err(|e| format!("invalid CSV mapping: {e}"))?;
        m.check()?;
        Ok(m)
    }

    pub fn check(&self) -> Result<(), String> {
        let c = &self.columns;
        if c.datetime.is_none() && c.date.is_none() {
            return Err("the mapping needs columns.datetime or columns.date".into());
        }
        let no_formats = self
            .datetime_format
            .as_ref()
            .is_none_or(|f| f.names().is_empty());
        if c.datetime.is_some() && no_formats {
            return Err(
                "columns.datetime needs datetime_format (chrono syntax, e.g. \"%d.%m.%Y %H:%M\")"
                    .into(),
            );
        }
        if self.date_format.names().is_empty() {
            return Err("date_format names no format (e.g. \"%d.%m.%Y\")".into());
        }
        self.check_day_one()?;
        self.check_date_forms()?;
        self.check_clocks()?;
        if self.store_id.is_none() && c.store_id.is_none() {
            return Err("name the store: store_id = \"…\" or columns.store_id".into());
        }
        if self.quantity_divisor <= Decimal::ZERO {
            return Err("quantity_divisor must be positive".into());
        }
        match (&c.quantity, self.row_quantity) {
            (None, None) => {
                return Err(
                    "name the quantity: columns.quantity, or row_quantity = 1 for an \
                            export with one row per item sold"
                        .into(),
                )
            }
            (Some(_), Some(_)) => {
                return Err("row_quantity is for exports without columns.quantity: not both".into())
            }
            (None, Some(q)) if q <= Decimal::ZERO => {
                return Err("row_quantity must be positive".into())
            }
            _ => {}
        }
        if self.reject_unknown_stores && c.store_id.is_none() {
            return Err("reject_unknown_stores needs columns.store_id".into());
        }
        if c.item_id.names().is_empty() {
            return Err("columns.item_id names no column".into());
        }
        self.check_price()?;
        if self.decimal == self.delimiter || Some(self.decimal) == self.group {
            return Err("decimal must differ from delimiter and group".into());
        }
        if self.money_decimal.is_some() && self.money_decimal == self.group {
            return Err("money_decimal must differ from group".into());
        }
        if !self.delimiter.is_ascii() {
            return Err("delimiter must be one ASCII character".into());
        }
        if let Some(z) = &self.time_zone {
            if parse_zone(z).is_none() {
                return Err(format!(
                    "time_zone = \"{z}\" is not a zone (an IANA name such as \"Europe/London\")"
                ));
            }
        }
        if let Some(s) = &self.business_day_start {
            if day_start(s).is_none() {
                return Err(format!(
                    "business_day_start = \"{s}\" is not a time of day as HH:MM (e.g. \"04:00\")"
                ));
            }
        }
        if let Some(k) = self
            .integer_ids
            .iter()
            .find(|k| !INTEGER_IDS.contains(&k.as_str()))
        {
            return Err(format!(
                "integer_ids: `{k}` is none of {}",
                INTEGER_IDS.join(", ")
            ));
        }
        self.check_optional()?;
        txn_rows::check(self)?;
        self.check_order_totals()?;
        self.check_voided()?;
        if c.tender_amount.is_some() && c.tender_method.is_none() {
            return Err("columns.tender_amount needs columns.tender_method".into());
        }
        if c.tender_tip.is_some() && c.tender_method.is_none() {
            return Err("columns.tender_tip needs columns.tender_method".into());
        }
        if !self.non_revenue_values.is_empty() && c.non_revenue.is_none() {
            return Err(
                "non_revenue_values needs columns.non_revenue (the column they are in)".into(),
            );
        }
        if let Some(e) = &self.encoding {
            if encoding_rs::Encoding::for_label(e.as_bytes()).is_none() {
                return Err(format!(
                    "encoding = \"{e}\" is not an encoding label (e.g. \"windows-1252\")"
                ));
            }
        }
        Ok(())
    }

    /// Every chrono time form must be able to read a cell: a 12-hour hour needs its AM/PM.
    fn check_clocks(&self) -> Result<(), String> {
        let datetimes = self
            .datetime_format
            .as_ref()
            .map(OneOrMore::names)
            .unwrap_or_default();
        let forms = std::iter::once(("time_format", self.time_format.as_str()))
            .chain(datetimes.into_iter().map(|f| ("datetime_format", f)));
        for (key, f) in forms {
            if dates::hour12_without_am_pm(f) {
                return Err(format!(
                    "{key} \"{f}\" has a 12-hour hour (%I or %l) but no AM/PM (%p): it reads \
                     no time (05:18 may be 17:18); use %H for a 24-hour clock or add %p"
                ));
            }
        }
        Ok(())
    }

    /// The forms of a list must not read one cell two ways (see `dates::two_ways`): the
    /// first in the list would decide, without a word, every cell both read.
    fn check_date_forms(&self) -> Result<(), String> {
        let datetimes = self.datetime_format.as_ref().map(OneOrMore::names);
        let lists = [
            ("date_format", Some(self.date_format.names())),
            ("datetime_format", datetimes),
        ];
        for (key, formats) in lists {
            if let Some((a, b)) = formats.and_then(|f| dates::two_ways(&f)) {
                return Err(format!(
                    "{key}: \"{a}\" and \"{b}\" read one cell two ways (03/04 as March 4th \
                     or April 3rd; a number as a serial and as a day number): keep the form \
                     the file is written in"
                ));
            }
        }
        Ok(())
    }

    /// A day-number form needs the analyst's `day_one` (the file names no date); a `day_one`
    /// without that form would be read by nothing, a sign of a mapping not saying what it means.
    fn check_day_one(&self) -> Result<(), String> {
        let formats = self.date_format.names().into_iter().chain(
            self.datetime_format
                .as_ref()
                .map(OneOrMore::names)
                .unwrap_or_default(),
        );
        let day_numbers = formats
            .filter(|f| serial::Serial::of(f) == Some(serial::Serial::DayNumber))
            .count()
            > 0;
        match (&self.day_one, day_numbers) {
            (None, true) => Err(
                "date_format = \"day_number\" needs day_one = \"YYYY-MM-DD\", the \
                 calendar date of day number 1: the file gives none, so the mapping must name \
                 it (see docs/ingest.md, CSV)"
                    .into(),
            ),
            (Some(_), false) => {
                Err("day_one is read only with date_format = \"day_number\"".into())
            }
            (Some(d), true) if NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").is_err() => Err(
                format!("day_one = \"{d}\" is not a date as YYYY-MM-DD (e.g. \"2011-03-01\")"),
            ),
            _ => Ok(()),
        }
    }

    /// A price must be named: a unit price, a gross amount, or a net amount with the discount
    /// rate it is after (the list price follows from them). A rate and a discount amount
    /// would both be the line's discount.
    fn check_price(&self) -> Result<(), String> {
        let c = &self.columns;
        // A net after its discount (or its rate) names the list price: net + discount.
        let net_and_rate =
            c.net_amount.is_some() && (c.discount_rate.is_some() || c.discount.is_some());
        if c.unit_price.is_none() && c.gross_amount.is_none() && !net_and_rate {
            return Err(
                "name the price: columns.unit_price or columns.gross_amount (or net_amount \
                 with discount_rate or discount)"
                    .into(),
            );
        }
        if c.discount_rate.is_some() && c.discount.is_some() {
            return Err(
                "columns.discount_rate and columns.discount both name the line's discount: \
                 map one"
                    .into(),
            );
        }
        Ok(())
    }

    /// `optional` names only keys of `OPTIONAL_KEYS`; an optional store column needs the
    /// mapping's `store_id` to fall back on.
    fn check_optional(&self) -> Result<(), String> {
        if let Some(k) = self
            .optional
            .iter()
            .find(|k| !OPTIONAL_KEYS.contains(&k.as_str()))
        {
            return Err(format!(
                "optional: `{k}` is none of {}",
                OPTIONAL_KEYS.join(", ")
            ));
        }
        if self.is_optional("store_id") && self.store_id.is_none() {
            return Err(
                "optional = [\"store_id\"] needs a store_id = \"…\" for files without the column"
                    .into(),
            );
        }
        Ok(())
    }

    /// The order's totals only tell whether its `order_tax` is inside its prices: they need
    /// it, and a total without a subtotal (or the reverse) tells nothing.
    fn check_order_totals(&self) -> Result<(), String> {
        let c = &self.columns;
        let any = c.order_total.is_some() || c.order_shipping.is_some();
        if c.order_total.is_some() != c.order_subtotal.is_some() || any && c.order_tax.is_none() {
            return Err(
                "columns.order_total and order_subtotal go together, with order_tax \
                 (order_shipping is optional)"
                    .into(),
            );
        }
        Ok(())
    }

    /// `kinds.voided` is read from the kind column, and adds a line per voided row: numbered
    /// in row order, so a line number column could give the reversal a number already taken.
    /// A value in another kind's list too would be read as that kind and voided as well.
    fn check_voided(&self) -> Result<(), String> {
        let k = &self.kinds;
        if k.voided.is_empty() {
            return Ok(());
        }
        let others = || k.sale.iter().chain(&k.ret).chain(&k.void);
        if let Some(v) = k
            .voided
            .iter()
            .find(|v| others().any(|o| o.trim().eq_ignore_ascii_case(v.trim())))
        {
            return Err(format!(
                "kinds.voided: `{v}` is also a sale, return or void value"
            ));
        }
        if self.columns.kind.is_none() {
            return Err("kinds.voided needs columns.kind (the column that flags the row)".into());
        }
        if self.columns.line_no.is_some() {
            return Err(
                "kinds.voided adds a void line per voided row and cannot be used with \
                 columns.line_no"
                    .into(),
            );
        }
        Ok(())
    }

    /// Whether the column of `[columns]` key `key` may be missing from a file's header.
    pub(crate) fn is_optional(&self, key: &str) -> bool {
        self.optional.iter().any(|k| k == key)
    }

    fn number_format(&self) -> NumberFormat {
        NumberFormat {
            decimal: self.decimal,
            group: self.group,
        }
    }

    /// The format of money cells: `money_decimal` where the export sets one apart.
    fn money_format(&self) -> NumberFormat {
        NumberFormat {
            decimal: self.money_decimal.unwrap_or(self.decimal),
            group: self.group,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub records: Vec<Result<Record, Reject>>,
    /// Data rows read (blank rows not counted).
    pub rows: usize,
}

/// Reads a CSV body with `m`. A missing header column is a payload error, and so is a date
/// column written in the other day/month order than the mapping's (see `day_month`); a bad
/// row rejects its whole transaction (a transaction missing a line would misstate the sale),
/// naming the row and column, while the other transactions go on.
pub fn parse(ctx: &Context, m: &Mapping, body: &str) -> Result<Parsed, PayloadError> {
    parse_at(ctx, m, body, 0)
}

/// [`parse`] of a chunk of a larger file (see [`Plan`]): `line_offset` lines of the file
/// stand between its head and its first row, and row numbers name the file's lines.
pub fn parse_at(
    ctx: &Context,
    m: &Mapping,
    body: &str,
    line_offset: usize,
) -> Result<Parsed, PayloadError> {
    let (skipped, mut rdr) = open(m, body);
    // Row numbers are the file's: Excel's `sep=` line is a line of it too.
    let line_offset = line_offset + line_breaks(body, 0..skipped);
    let mut lines = LineCount::new(&body[skipped..]);
    let cols = columns(m, &mut rdr)?;
    let header = header_of(&mut rdr)?;
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<(String, String), usize> = HashMap::new();
    // The store cell each transaction id was last seen with.
    let mut store_of_id: HashMap<String, String> = HashMap::new();
    let mut rows = 0;
    let mut keys = txn_key::TxnKeys::default();
    let mut dates = day_month::DayMonth::new(m, &cols);
    for rec in rdr.records() {
        let rec = rec.map_err(|e| PayloadError::new(None, format!("CSV: {e}")))?;
        let rec = wrapped::unwrapped(m.delimiter as u8, &header, rec);
        if is_no_data(&header, &rec) {
            continue;
        }
        let no = rec.position().map_or(0, |p| lines.at(p.byte() as usize)) + line_offset;
        rows += 1;
        let row = Row { no, rec };
        dates.see(&row, || row.no);
        if dates.refused() {
            // The file is refused whatever follows (see `day_month`): its rows are no longer
            // kept, only read on for a cell of the mapped order, which changes the message.
            if dates.settled() {
                break;
            }
            continue;
        }
        let txn_id = keys.of(m, &cols, &row);
        // Order-level cells often stand on the first row only (Shopify): a row without a
        // store belongs to the store its transaction id was last seen with, whether that row
        // is just above or (in a file not sorted by transaction) further up. The key holds
        // the cell as written; `[stores]` turns it into the store id when the transaction
        // is first seen.
        let seen = cols.store_id.as_ref().and(store_of_id.get(&txn_id));
        let (store, from_column) = match (row.get(&cols.store_id), seen) {
            (Some(s), _) => (s.to_string(), true),
            (None, Some(st)) => (st.clone(), true),
            (None, None) => (m.store_id.clone().unwrap_or_default(), false),
        };
        if from_column {
            store_of_id.insert(txn_id.clone(), store.clone());
        }
        let (key_id, original) = if m.split_returns && is_return_row(m, &cols, &row) {
            (return_txn_id(&cols, &row, &txn_id), Some(txn_id))
        } else {
            (txn_id, None)
        };
        let key = (store.clone(), key_id.clone());
        let g = *by_key.entry(key).or_insert_with(|| {
            let (store, store_error) = if from_column {
                stores::store_of(m, &cols, &row, &store)
            } else {
                (store, None)
            };
            groups.push(Group {
                store,
                store_error,
                txn_id: key_id,
                original,
                rows: vec![],
                dropped: vec![],
            });
            groups.len() - 1
        });
        // A row a row-scoped rule takes out stays among the transaction's rows for its
        // order-level cells (Shopify writes status, totals and discount on the first row
        // only, and that row may be the one taken out); it just gives no line.
        // A row of the transaction itself (`[[transaction_rows]]`) is kept the same way, as
        // no line and no reject.
        let out = match dropped_row(m, &cols, &row) {
            Some(why) => Some(Out::Rejected(why)),
            None => txn_rows::described_by(m, &cols, &row).map(Out::Described),
        };
        if let Some(out) = out {
            let at = groups[g].rows.len();
            let no = row.no;
            groups[g].dropped.push(Dropped { at, no, out });
        }
        groups[g].rows.push(row);
    }
    dates.verdict()?;
    Ok(Parsed {
        rows,
        records: groups
            .iter()
            .flat_map(|g| {
                let rows = (g.rows.len() > g.dropped.len()).then(|| assemble(ctx, m, &cols, g));
                row_rejects(ctx, m, g)
                    .chain(rows)
                    .chain(no_line_reject(ctx, m, g))
            })
            .collect(),
    })
}

/// A CSV reader of `body` as the mapping writes it, after a byte-order mark and Excel's
/// `sep=` line, and the number of bytes those took.
fn open<'a>(m: &Mapping, body: &'a str) -> (usize, csv::Reader<&'a [u8]>) {
    let rest = body.strip_prefix('\u{feff}').unwrap_or(body);
    let rest = skip_excel_sep_line(rest);
    let rdr = csv::ReaderBuilder::new()
        .delimiter(m.delimiter as u8)
        .flexible(true)
        .from_reader(rest.as_bytes());
    (body.len() - rest.len(), rdr)
}

/// The mapping's columns in the reader's header.
fn columns(m: &Mapping, rdr: &mut csv::Reader<&[u8]>) -> Result<Cols, PayloadError> {
    let headers = rdr
        .headers()
        .map_err(|e| PayloadError::new(None, format!("cannot read the CSV header: {e}")))?;
    Cols::resolve(m, headers)
}

/// The header the reader read (after [`columns`]), for [`is_no_data`].
fn header_of(rdr: &mut csv::Reader<&[u8]>) -> Result<csv::StringRecord, PayloadError> {
    rdr.headers()
        .cloned()
        .map_err(|e| PayloadError::new(None, format!("cannot read the CSV header: {e}")))
}

/// Rows that hold no data and are skipped: blank ones, and copies of the header.
fn is_no_data(header: &csv::StringRecord, rec: &csv::StringRecord) -> bool {
    is_blank(rec) || is_header_again(header, rec)
}

/// Exports end with blank rows, or rows of delimiters only (";;;;").
fn is_blank(rec: &csv::StringRecord) -> bool {
    rec.iter().all(|f| f.trim().is_empty())
}

/// A row that repeats the header: a file made of several exports appended to one another
/// (`cat`, or a report tool writing its header on every page) has one at each join. It was
/// read as a transaction named after the id column and rejected, and in chunk planning its
/// id spanned the file, so the file could not be cut and was read whole.
fn is_header_again(header: &csv::StringRecord, rec: &csv::StringRecord) -> bool {
    rec.len() == header.len()
        && header
            .iter()
            .zip(rec.iter())
            .all(|(h, c)| cells::header_key(h) == cells::header_key(c))
}

/// Excel writes `sep=;` above the header of a CSV it saves for another locale (ended by
/// `\r` alone in a "CSV (Macintosh)" file).
fn skip_excel_sep_line(body: &str) -> &str {
    let Some(end) = body.find(['\n', '\r']) else {
        return body;
    };
    if !body[..end]
        .trim_end()
        .to_ascii_lowercase()
        .starts_with("sep=")
    {
        return body;
    }
    let rest = &body[end..];
    rest.strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))
        .or_else(|| rest.strip_prefix('\r'))
        .unwrap_or(rest)
}

/// Line ends in `text[range]` as the CSV reader ends rows: `\n`, `\r\n`, and a lone `\r`
/// (Excel's "CSV (Macintosh)"), each one line; a `\r` whose `\n` lies past the range is
/// counted with that `\n`, so counts of adjoining ranges add up to the count of both.
pub(crate) fn line_breaks(text: &str, range: std::ops::Range<usize>) -> usize {
    let b = text.as_bytes();
    range
        .filter(|&i| b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')))
        .count()
}

/// The file line of each row, counted forward through a text as rows are read. The reader's
/// own count knows `\n` only and starts a row after `\r\n` at its `\n`: rows of a Windows
/// (CRLF) export were named one line early ("row 1" for the first row under the header),
/// and every row of a `\r` file was "row 1".
struct LineCount<'a> {
    text: &'a str,
    /// Where the count stands, and the line there.
    byte: usize,
    line: usize,
}

impl<'a> LineCount<'a> {
    fn new(text: &'a str) -> Self {
        LineCount {
            text,
            byte: 0,
            line: 1,
        }
    }

    /// The line of the row the reader says starts at `byte` (at or after the last one asked
    /// for): that of its first character after any line ends.
    fn at(&mut self, byte: usize) -> usize {
        let b = self.text.as_bytes();
        let mut start = byte.min(b.len());
        while start < b.len() && (b[start] == b'\n' || b[start] == b'\r') {
            start += 1;
        }
        if start >= self.byte {
            self.line += line_breaks(self.text, self.byte..start);
            self.byte = start;
        }
        self.line
    }
}
