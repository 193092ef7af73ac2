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
//! VAT-inclusive amounts (`prices_include_tax`). Ready mappings: `ingest/mappings/`.

mod zone;

use super::money::{exponent, parse_formatted, NumberFormat};
use super::{Context, PayloadError};
use crate::envelope::{Record, Reject};
use crate::sku::item_key;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;
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
    /// chrono format of a combined date-time column.
    pub datetime_format: Option<String>,
    #[serde(default = "iso_date")]
    pub date_format: String,
    #[serde(default = "iso_time")]
    pub time_format: String,
    #[serde(default)]
    pub money_unit: MoneyUnit,
    #[serde(default = "one")]
    pub quantity_divisor: Decimal,
    /// The export's currency; else the `currency` column; else the store's configured one.
    pub currency: Option<String>,
    pub store_id: Option<String>,
    /// Amounts include the tax (VAT-inclusive shelf prices, as European tills write them):
    /// net amounts are then the amount less the tax column, as the POSLog adapter does.
    #[serde(default)]
    pub prices_include_tax: bool,
    /// Return rows become a transaction of their own, `<txn id>/return/<date-time digits>`,
    /// linked to the sale by `original_txn_id`: for exports (Square) that list a refund under
    /// the id of the payment it refunds, days later.
    #[serde(default)]
    pub split_returns: bool,
    /// The file's character encoding when it is not UTF-8, as an encoding label
    /// (`"windows-1252"`, `"iso-8859-15"`, `"utf-16le"`…): spreadsheet tools on Windows still
    /// save CSV that way. A byte-order mark in the file wins over it.
    pub encoding: Option<String>,
    pub columns: Columns,
    #[serde(default)]
    pub kinds: Kinds,
    #[serde(default)]
    pub statuses: Statuses,
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
    pub item_id: OneOrMore,
    pub description: Option<String>,
    pub quantity: String,
    /// Price of one unit; or, when the export has none, `gross_amount`.
    pub unit_price: Option<String>,
    /// Line amount before discounts (Square "Gross Sales"): the unit price is gross / qty.
    pub gross_amount: Option<String>,
    pub discount: Option<String>,
    pub net_amount: Option<String>,
    pub tax: Option<String>,
    pub currency: Option<String>,
    pub version: Option<String>,
    pub original_txn_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kinds {
    pub sale: Vec<String>,
    #[serde(rename = "return")]
    pub ret: Vec<String>,
    pub void: Vec<String>,
}

impl Default for Kinds {
    fn default() -> Self {
        Kinds {
            sale: vec!["sale".into()],
            ret: vec!["return".into()],
            void: vec!["void".into()],
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
}

fn comma() -> char {
    ','
}
fn dot() -> char {
    '.'
}
fn iso_date() -> String {
    "%Y-%m-%d".into()
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
        if c.datetime.is_some() && self.datetime_format.is_none() {
            return Err(
                "columns.datetime needs datetime_format (chrono syntax, e.g. \"%d.%m.%Y %H:%M\")"
                    .into(),
            );
        }
        if self.store_id.is_none() && c.store_id.is_none() {
            return Err("name the store: store_id = \"…\" or columns.store_id".into());
        }
        if self.quantity_divisor <= Decimal::ZERO {
            return Err("quantity_divisor must be positive".into());
        }
        if c.item_id.names().is_empty() {
            return Err("columns.item_id names no column".into());
        }
        if c.unit_price.is_none() && c.gross_amount.is_none() {
            return Err("name the price: columns.unit_price or columns.gross_amount".into());
        }
        if self.decimal == self.delimiter || Some(self.decimal) == self.group {
            return Err("decimal must differ from delimiter and group".into());
        }
        if !self.delimiter.is_ascii() {
            return Err("delimiter must be one ASCII character".into());
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

    fn number_format(&self) -> NumberFormat {
        NumberFormat {
            decimal: self.decimal,
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

/// A header name as compared: exports differ in case and spacing ("Lineitem SKU ",
/// "lineitem sku"), and Excel puts a BOM before the first name.
fn header_key(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A column of the mapping found in the header: its name (for messages) and position.
#[derive(Debug, Clone)]
struct Col {
    name: String,
    at: usize,
}

/// The mapping's columns resolved against one file's header.
#[derive(Debug, Default)]
struct Cols {
    txn_id: Option<Col>,
    datetime: Option<Col>,
    date: Option<Col>,
    time: Option<Col>,
    time_zone: Option<Col>,
    business_date: Option<Col>,
    store_id: Option<Col>,
    register_id: Option<Col>,
    cashier_id: Option<Col>,
    customer_id: Option<Col>,
    line_no: Option<Col>,
    kind: Option<Col>,
    status: Option<Col>,
    item_id: Vec<Col>,
    description: Option<Col>,
    quantity: Option<Col>,
    unit_price: Option<Col>,
    gross_amount: Option<Col>,
    discount: Option<Col>,
    net_amount: Option<Col>,
    tax: Option<Col>,
    currency: Option<Col>,
    version: Option<Col>,
    original_txn_id: Option<Col>,
}

impl Cols {
    /// Finds every column the mapping names; a missing one is a payload error naming it and
    /// the header. Of several `item_id` columns, those the file lacks are skipped (older
    /// exports lack some) as long as one is there.
    fn resolve(m: &Mapping, headers: &csv::StringRecord) -> Result<Cols, PayloadError> {
        let mut idx: HashMap<String, usize> = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            idx.entry(header_key(h)).or_insert(i);
        }
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
            idx.get(&header_key(name)).map(|&at| Col {
                name: name.to_string(),
                at,
            })
        };
        let req = |name: &str| find(name).ok_or_else(|| missing(name));
        let opt = |name: &Option<String>| name.as_deref().map(req).transpose();
        let c = &m.columns;
        let item_names = c.item_id.names();
        let item_id: Vec<Col> = item_names.iter().filter_map(|n| find(n)).collect();
        if item_id.is_empty() {
            return Err(missing(item_names.first().copied().unwrap_or("item_id")));
        }
        Ok(Cols {
            txn_id: Some(req(&c.txn_id)?),
            datetime: opt(&c.datetime)?,
            date: opt(&c.date)?,
            time: opt(&c.time)?,
            time_zone: opt(&c.time_zone)?,
            business_date: opt(&c.business_date)?,
            store_id: opt(&c.store_id)?,
            register_id: opt(&c.register_id)?,
            cashier_id: opt(&c.cashier_id)?,
            customer_id: opt(&c.customer_id)?,
            line_no: opt(&c.line_no)?,
            kind: opt(&c.kind)?,
            status: opt(&c.status)?,
            item_id,
            description: opt(&c.description)?,
            quantity: Some(req(&c.quantity)?),
            unit_price: opt(&c.unit_price)?,
            gross_amount: opt(&c.gross_amount)?,
            discount: opt(&c.discount)?,
            net_amount: opt(&c.net_amount)?,
            tax: opt(&c.tax)?,
            currency: opt(&c.currency)?,
            version: opt(&c.version)?,
            original_txn_id: opt(&c.original_txn_id)?,
        })
    }
}

/// One data row: its line number in the file (quoted cells may span lines) and its cells.
struct Row {
    no: usize,
    rec: csv::StringRecord,
}

impl Row {
    /// The trimmed cell of `col`, `None` when the column is not mapped or the cell is blank.
    fn get(&self, col: &Option<Col>) -> Option<&str> {
        col.as_ref().and_then(|c| self.cell(c))
    }

    fn cell(&self, c: &Col) -> Option<&str> {
        self.rec.get(c.at).map(str::trim).filter(|s| !s.is_empty())
    }

    fn err(&self, c: &Col, what: impl std::fmt::Display) -> String {
        format!("row {}: column `{}`: {what}", self.no, c.name)
    }

    fn req<'a>(&'a self, col: &'a Option<Col>) -> Result<(&'a Col, &'a str), String> {
        let c = col.as_ref().expect("required columns are resolved");
        self.cell(c)
            .map(|v| (c, v))
            .ok_or_else(|| self.err(c, "is empty"))
    }

    fn num(&self, m: &Mapping, col: &Option<Col>) -> Result<Option<Decimal>, String> {
        let Some(c) = col else { return Ok(None) };
        let Some(v) = self.cell(c) else {
            return Ok(None);
        };
        parse_formatted(v, m.number_format())
            .map(Some)
            .map_err(|e| self.err(c, e))
    }

    /// A money cell: currency symbols and codes around the number are dropped ("$1,234.50",
    /// "€ 3,50", "CHF 12.00", "3,50 EUR", "($5.00)", "5,00-").
    fn money(
        &self,
        m: &Mapping,
        col: &Option<Col>,
        currency: &str,
    ) -> Result<Option<Decimal>, String> {
        let Some(c) = col else { return Ok(None) };
        let Some(v) = self.cell(c) else {
            return Ok(None);
        };
        let d =
            parse_formatted(&strip_currency(v), m.number_format()).map_err(|e| self.err(c, e))?;
        Ok(Some(match m.money_unit {
            MoneyUnit::Major => d,
            MoneyUnit::Minor => d / Decimal::from(10u64.pow(exponent(currency))),
        }))
    }
}

/// Drops currency signs anywhere and letters before the first or after the last digit, so
/// that `parse_formatted` sees only the number, its separators and its sign. Letters between
/// digits stay ("1e3" is still refused).
fn strip_currency(s: &str) -> String {
    let first = s.find(|c: char| c.is_ascii_digit());
    let last = s.rfind(|c: char| c.is_ascii_digit());
    let (Some(first), Some(last)) = (first, last) else {
        return s.to_string();
    };
    s.char_indices()
        .filter(|&(i, c)| {
            let sign = "$€£¥₹₩₽₺₪₫₱₦฿¢₴₸₲₡₵".contains(c);
            let edge_letter = c.is_alphabetic() && (i < first || i > last);
            !sign && !edge_letter
        })
        .map(|(_, c)| c)
        .collect()
}

/// Reads a CSV body with `m`. A missing header column is a payload error; a bad row rejects
/// its whole transaction (a transaction missing a line would misstate the sale), naming the
/// row and column, while the other transactions go on.
pub fn parse(ctx: &Context, m: &Mapping, body: &str) -> Result<Parsed, PayloadError> {
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    let body = skip_excel_sep_line(body);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(m.delimiter as u8)
        .flexible(true)
        .from_reader(body.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| PayloadError::new(None, format!("cannot read the CSV header: {e}")))?
        .clone();
    let cols = Cols::resolve(m, &headers)?;
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<(String, String), usize> = HashMap::new();
    let mut last: Option<(String, String)> = None;
    let mut rows = 0;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| PayloadError::new(None, format!("CSV: {e}")))?;
        // Exports end with blank rows, or rows of delimiters only (";;;;").
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let no = rec.position().map_or(0, |p| p.line() as usize);
        rows += 1;
        let row = Row { no, rec };
        let txn_id = row.get(&cols.txn_id).unwrap_or("").to_string();
        // Order-level cells often stand on the first row only (Shopify): a row without a
        // store continues the transaction above it.
        let store = match (row.get(&cols.store_id), &last) {
            (Some(s), _) => s.to_string(),
            (None, Some((st, id))) if cols.store_id.is_some() && *id == txn_id => st.clone(),
            (None, _) => m.store_id.clone().unwrap_or_default(),
        };
        last = Some((store.clone(), txn_id.clone()));
        let (key_id, original) = if m.split_returns && is_return_row(m, &cols, &row) {
            (return_txn_id(&cols, &row, &txn_id), Some(txn_id))
        } else {
            (txn_id, None)
        };
        let key = (store.clone(), key_id.clone());
        let g = *by_key.entry(key).or_insert_with(|| {
            groups.push(Group {
                store,
                txn_id: key_id,
                original,
                rows: vec![],
            });
            groups.len() - 1
        });
        groups[g].rows.push(row);
    }
    Ok(Parsed {
        rows,
        records: groups.iter().map(|g| assemble(ctx, m, &cols, g)).collect(),
    })
}

/// Excel writes `sep=;` above the header of a CSV it saves for another locale.
fn skip_excel_sep_line(body: &str) -> &str {
    match body.split_once('\n') {
        Some((first, rest)) if first.trim_end().to_ascii_lowercase().starts_with("sep=") => rest,
        _ => body,
    }
}

/// The rows of one transaction.
struct Group {
    store: String,
    txn_id: String,
    /// For a return split off its sale (`split_returns`): the sale's id.
    original: Option<String>,
    rows: Vec<Row>,
}

/// Whether a row is a return before it is read in full: its kind says so, or (without a
/// kind) its quantity is negative.
fn is_return_row(m: &Mapping, cols: &Cols, row: &Row) -> bool {
    match row.get(&cols.kind) {
        Some(k) if matches(&m.kinds.ret, k) => true,
        Some(k) if matches(&m.kinds.sale, k) || matches(&m.kinds.void, k) => {
            matches(&m.kinds.sale, k) && negative_quantity(m, cols, row)
        }
        _ => negative_quantity(m, cols, row),
    }
}

fn negative_quantity(m: &Mapping, cols: &Cols, row: &Row) -> bool {
    matches!(row.num(m, &cols.quantity), Ok(Some(q)) if q < Decimal::ZERO)
}

/// `<id>/return/<digits of the row's date and time>`: the same refund gets the same id in
/// every export, and two refunds of one sale at different times stay apart.
fn return_txn_id(cols: &Cols, row: &Row, txn_id: &str) -> String {
    let stamp: String = [&cols.datetime, &cols.date, &cols.time]
        .into_iter()
        .filter_map(|c| row.get(c))
        .flat_map(str::chars)
        .filter(char::is_ascii_digit)
        .collect();
    if stamp.is_empty() {
        format!("{txn_id}/return")
    } else {
        format!("{txn_id}/return/{stamp}")
    }
}

fn matches(values: &[String], cell: &str) -> bool {
    values.iter().any(|v| v.trim().eq_ignore_ascii_case(cell))
}

/// The transaction-level fields, each from the first row of the transaction that has it.
struct Header {
    at: DateTime<Utc>,
    business_date: NaiveDate,
    register: Option<String>,
    cashier: Option<String>,
    customer: Option<String>,
    currency: String,
    status: TxnStatus,
    version: i64,
}

/// The first non-blank cell of `col` among `rows`.
fn first<'a>(rows: &'a [Row], col: &Option<Col>) -> Option<(&'a Row, &'a str)> {
    rows.iter().find_map(|r| r.get(col).map(|v| (r, v)))
}

fn header_of(ctx: &Context, m: &Mapping, cols: &Cols, g: &Group) -> Result<Header, String> {
    let currency = match first(&g.rows, &cols.currency) {
        Some((row, c)) if !is_currency_code(c) => {
            return Err(row.err(
                cols.currency.as_ref().expect("a cell was found"),
                format!("`{c}` is not an ISO 4217 currency code (e.g. EUR)"),
            ))
        }
        Some((_, c)) => c.to_uppercase(),
        None => m
            .currency
            .clone()
            .unwrap_or_else(|| ctx.currency_of(&g.store)),
    };
    let zone = match first(&g.rows, &cols.time_zone) {
        Some((row, v)) => parse_zone(v).ok_or_else(|| {
            row.err(
                cols.time_zone.as_ref().expect("a cell was found"),
                format!(
                    "`{v}` is not a time zone this adapter reads (an IANA name such as \
                     America/Los_Angeles, an offset such as -08:00, or a Rails/Windows name \
                     such as Pacific Time (US & Canada))"
                ),
            )
        })?,
        None => Zone::Named(ctx.tz(&g.store)),
    };
    let at = when(m, cols, &g.rows, zone)?;
    let business_date = match first(&g.rows, &cols.business_date) {
        Some((row, s)) => NaiveDate::parse_from_str(s, &m.date_format).map_err(|_| {
            row.err(
                cols.business_date.as_ref().expect("a cell was found"),
                format!("`{s}` does not match `{}`", m.date_format),
            )
        })?,
        None => zone.date_at(at),
    };
    let status = match first(&g.rows, &cols.status) {
        Some((_, s)) if matches(&m.statuses.cancelled, s) => TxnStatus::Cancelled,
        Some((_, s)) if matches(&m.statuses.post_voided, s) => TxnStatus::PostVoided,
        _ => TxnStatus::Completed,
    };
    let version = match first(&g.rows, &cols.version) {
        Some((row, s)) => s.parse::<i64>().map_err(|_| {
            row.err(
                cols.version.as_ref().expect("a cell was found"),
                format!("`{s}` is not an integer"),
            )
        })?,
        None => 0,
    };
    let text = |col: &Option<Col>| first(&g.rows, col).map(|(_, v)| v.to_string());
    Ok(Header {
        at,
        business_date,
        register: text(&cols.register_id),
        cashier: text(&cols.cashier_id),
        customer: text(&cols.customer_id),
        currency,
        status,
        version,
    })
}

/// Three ASCII letters, as ISO 4217 codes are (case is forgiven: "usd").
fn is_currency_code(s: &str) -> bool {
    s.len() == 3 && s.chars().all(|c| c.is_ascii_alphabetic())
}

/// When the transaction happened: the first row with a date-time (or date) cell, read in
/// `zone` unless the cell carries its own offset (`%z`).
fn when(m: &Mapping, cols: &Cols, rows: &[Row], zone: Zone) -> Result<DateTime<Utc>, String> {
    let mismatch = |row: &Row, c: &Option<Col>, v: &str, f: &str| {
        row.err(
            c.as_ref().expect("a cell was found"),
            format!("`{v}` does not match the format `{f}`"),
        )
    };
    if let (Some(_), Some(f)) = (&cols.datetime, &m.datetime_format) {
        let (row, v) =
            first(rows, &cols.datetime).ok_or_else(|| empty_everywhere(&cols.datetime))?;
        if let Ok(t) = DateTime::parse_from_str(v, f) {
            return Ok(t.with_timezone(&Utc));
        }
        let local =
            NaiveDateTime::parse_from_str(v, f).map_err(|_| mismatch(row, &cols.datetime, v, f))?;
        return zone
            .to_utc(local)
            .map_err(|e| row.err(cols.datetime.as_ref().expect("mapped"), e));
    }
    let (row, v) = first(rows, &cols.date).ok_or_else(|| empty_everywhere(&cols.date))?;
    let date = NaiveDate::parse_from_str(v, &m.date_format)
        .map_err(|_| mismatch(row, &cols.date, v, &m.date_format))?;
    // The time cell of the same row: a date from one row and a time from another would be
    // no time at all.
    let time = match row.get(&cols.time) {
        Some(t) => parse_time(t, &m.time_format)
            .ok_or_else(|| mismatch(row, &cols.time, t, &m.time_format))?,
        None => NaiveTime::MIN,
    };
    zone.to_utc(date.and_time(time))
        .map_err(|e| row.err(cols.date.as_ref().expect("mapped"), e))
}

/// A time in `format`, or with seconds left out or added (exports differ between
/// `14:33` and `14:33:38`).
fn parse_time(s: &str, format: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, format)
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .ok()
}

fn empty_everywhere(col: &Option<Col>) -> String {
    format!(
        "column `{}` is empty on every row of the transaction",
        col.as_ref().map_or("", |c| c.name.as_str())
    )
}

/// One row read as a line (money in `currency`).
fn line_of(
    m: &Mapping,
    cols: &Cols,
    row: &Row,
    currency: &str,
    original: &Option<String>,
) -> Result<Line, String> {
    let stated = match (&cols.kind, row.get(&cols.kind)) {
        (_, None) => None,
        (_, Some(k)) if matches(&m.kinds.sale, k) => Some(LineKind::Sale),
        (_, Some(k)) if matches(&m.kinds.ret, k) => Some(LineKind::Return),
        (_, Some(k)) if matches(&m.kinds.void, k) => Some(LineKind::Void),
        (Some(c), Some(k)) => {
            return Err(row.err(
                c,
                format!(
                    "kind `{k}` is none of the mapping's kinds (sale {:?}, return {:?}, void {:?})",
                    m.kinds.sale, m.kinds.ret, m.kinds.void
                ),
            ))
        }
        (None, Some(_)) => None,
    };
    let (qcol, _) = row.req(&cols.quantity)?;
    let qty = row.num(m, &cols.quantity)?.expect("checked non-empty") / m.quantity_divisor;
    if qty.is_zero() && cols.unit_price.is_none() {
        return Err(row.err(
            qcol,
            "is 0, so the unit price cannot be derived from the gross amount",
        ));
    }
    let unit = row.money(m, &cols.unit_price, currency)?;
    let gross = row.money(m, &cols.gross_amount, currency)?;
    let net_cell = row.money(m, &cols.net_amount, currency)?;
    let Some(price_col) = cols.unit_price.as_ref().or(cols.gross_amount.as_ref()) else {
        return Err("the mapping names neither columns.unit_price nor columns.gross_amount".into());
    };
    let price = match (unit, gross) {
        (Some(p), _) => p.abs(),
        (None, Some(g)) => (g.abs() / qty.abs()).round_dp(4),
        (None, None) => return Err(row.err(price_col, "is empty")),
    };
    // A return shows as a negative quantity, or (with no kind column) a negative amount:
    // "5,00-" on a till line is money paid out, not a sale.
    let negative_amount = [unit, gross, net_cell]
        .into_iter()
        .flatten()
        .any(|d| d < Decimal::ZERO);
    let kind = match stated {
        Some(LineKind::Void) => LineKind::Void,
        Some(LineKind::Return) => LineKind::Return,
        Some(LineKind::Sale) if qty < Decimal::ZERO => LineKind::Return,
        None if qty < Decimal::ZERO || negative_amount => LineKind::Return,
        _ => LineKind::Sale,
    };
    let sign = if kind == LineKind::Sale {
        Decimal::ONE
    } else {
        -Decimal::ONE
    };
    let discount = row
        .money(m, &cols.discount, currency)?
        .map(|d| d.abs())
        .unwrap_or_default();
    let quantity = sign * qty.abs();
    let tax = row
        .money(m, &cols.tax, currency)?
        .map(|t| sign * t.abs())
        .unwrap_or_default();
    let amount = match (net_cell, gross) {
        (Some(n), _) => sign * n.abs(),
        (None, Some(g)) => sign * (g.abs() - discount),
        (None, None) => quantity * price - sign * discount,
    };
    let net_amount = if m.prices_include_tax {
        amount - tax
    } else {
        amount
    };

    let raw = cols
        .item_id
        .iter()
        .find_map(|c| row.cell(c))
        .ok_or_else(|| {
            let names: Vec<_> = cols
                .item_id
                .iter()
                .map(|c| format!("`{}`", c.name))
                .collect();
            format!(
                "row {}: item id: column {} is empty",
                row.no,
                names.join(" / ")
            )
        })?
        .to_string();
    let key = item_key(&raw).ok_or_else(|| {
        let c = cols
            .item_id
            .iter()
            .find(|c| row.cell(c) == Some(raw.as_str()))
            .expect("found above");
        row.err(c, format!("`{raw}` holds no usable item code"))
    })?;
    let line_no = match (&cols.line_no, row.get(&cols.line_no)) {
        (Some(c), Some(s)) => s
            .parse()
            .map_err(|_| row.err(c, format!("line number `{s}` is not an integer")))?,
        _ => 0, // numbered in row order by `assemble`
    };
    Ok(Line {
        line_no,
        kind,
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: raw,
        description: row.get(&cols.description).map(str::to_string),
        quantity,
        unit_price: price,
        discount,
        net_amount,
        tax,
        entry_method: EntryMethod::Other,
        price_override: false,
        original_txn_id: row
            .get(&cols.original_txn_id)
            .map(str::to_string)
            .or_else(|| original.clone()),
        original_line_no: None,
    })
}

fn assemble(ctx: &Context, m: &Mapping, cols: &Cols, g: &Group) -> Result<Record, Reject> {
    let reject = |reason: String| Reject {
        tenant_id: Some(ctx.tenant_id.clone()),
        source: m.source.clone(),
        event_id: Some(g.txn_id.clone()),
        payload: None,
        reason,
        detail: serde_json::json!({
            "store_id": g.store,
            "txn_id": g.txn_id,
            "rows": g.rows.iter().map(|r| r.no).collect::<Vec<_>>(),
        }),
    };
    if g.txn_id.is_empty() {
        return Err(reject(format!(
            "{} row(s) without a transaction id (column `{}`), first at row {}",
            g.rows.len(),
            m.columns.txn_id,
            g.rows[0].no
        )));
    }
    if g.store.is_empty() {
        return Err(reject(format!(
            "transaction {}: column `{}` is empty and the mapping names no store_id",
            g.txn_id,
            m.columns.store_id.as_deref().unwrap_or_default()
        )));
    }
    let in_txn = |e: String| reject(format!("transaction {}: {e}", g.txn_id));
    let h = header_of(ctx, m, cols, g).map_err(in_txn)?;
    let mut lines = Vec::with_capacity(g.rows.len());
    for row in &g.rows {
        let mut line = line_of(m, cols, row, &h.currency, &g.original).map_err(in_txn)?;
        if line.line_no == 0 {
            line.line_no = lines.len() as i32 + 1;
        }
        lines.push(line);
    }
    let t = Transaction {
        key: TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: g.store.clone(),
            source: m.source.clone(),
            source_txn_id: g.txn_id.clone(),
        },
        source_version: h.version,
        occurred_at: h.at,
        business_date: h.business_date,
        register_id: h.register,
        cashier_id: h.cashier,
        customer_id: h.customer,
        status: h.status,
        currency: h.currency,
        lines,
        tenders: vec![],
    };
    super::finish(ctx, t, Some(&g.txn_id), "")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPPING: &str = include_str!("../../tests/data/kasse.toml");

    const BODY: &str = "Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art\n\
1001;05.01.2026 09:15;4011;Bananen;1.500;1,99;V\n\
1001;05.01.2026 09:15;4006381333931;Stift;1.000;1.234,50;V\n\
1001;05.01.2026 09:15;4011;Bananen;500;1,99;S\n\
1002;05.01.2026 23:30;4011;Bananen;1.000;1,99;R\n";

    fn ctx() -> Context {
        let mut c = Context::for_tenant("t");
        c.default_tz = chrono_tz::Europe::Berlin;
        c
    }

    #[test]
    fn grams_comma_decimals_kinds_and_local_times() {
        let m = Mapping::from_toml(MAPPING).unwrap();
        let p = parse(&ctx(), &m, BODY).unwrap();
        assert_eq!((p.rows, p.records.len()), (4, 2));
        let Ok(Record::Txn(t)) = &p.records[0] else {
            panic!("{:?}", p.records[0])
        };
        assert_eq!(t.lines.len(), 3);
        assert_eq!(t.lines[0].quantity, "1.5".parse::<Decimal>().unwrap());
        assert_eq!(t.lines[1].unit_price, "1234.50".parse::<Decimal>().unwrap());
        assert_eq!(t.lines[2].kind, LineKind::Void);
        assert_eq!(
            t.lines.iter().map(|l| l.net_amount).sum::<Decimal>(),
            "1236.49".parse::<Decimal>().unwrap()
        );
        assert_eq!(t.occurred_at.to_rfc3339(), "2026-01-05T08:15:00+00:00");
        let Ok(Record::Txn(r)) = &p.records[1] else {
            panic!()
        };
        assert_eq!(
            (r.lines[0].kind, r.lines[0].net_amount),
            (LineKind::Return, "-1.99".parse().unwrap())
        );
    }

    #[test]
    fn a_bad_row_rejects_its_transaction_only() {
        let m = Mapping::from_toml(MAPPING).unwrap();
        let body = BODY.replace("1.234,50", "12.5");
        let p = parse(&ctx(), &m, &body).unwrap();
        let e = p.records[0].as_ref().unwrap_err();
        assert!(
            e.reason.contains("row 3") && e.reason.contains("Preis"),
            "{}",
            e.reason
        );
        assert!(p.records[1].is_ok());
    }

    #[test]
    fn missing_columns_and_incomplete_mappings_are_named() {
        let m = Mapping::from_toml(MAPPING).unwrap();
        let e = parse(&ctx(), &m, "Bon;Zeit\n1;2\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("EAN"));
        let e = Mapping::from_toml(&MAPPING.replace("unit_price = \"Preis\"", "")).unwrap_err();
        assert!(
            e.contains("unit_price") && e.contains("gross_amount"),
            "{e}"
        );
    }

    #[test]
    fn without_a_currency_the_store_s_configured_one_is_used() {
        let m = Mapping::from_toml(&MAPPING.replace("currency = \"EUR\"", "")).unwrap();
        let mut c = ctx();
        c.store_currency.insert("B1".into(), "CHF".into());
        let p = parse(&c, &m, BODY).unwrap();
        assert_eq!(txn(&p.records[0]).currency, "CHF");
    }

    /// A fixture of tests/data/real (see PROVENANCE.md there), read at run time.
    fn real(name: &str) -> String {
        let dir = std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
        let p = format!("{dir}/tests/data/real/{name}");
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn txn(r: &Result<Record, Reject>) -> &Transaction {
        match r {
            Ok(Record::Txn(t)) => t,
            other => panic!("not a transaction: {other:?}"),
        }
    }

    /// (kind, quantity, unit price, discount, net, tax) of each line.
    fn lines(t: &Transaction) -> Vec<(LineKind, Decimal, Decimal, Decimal, Decimal, Decimal)> {
        t.lines
            .iter()
            .map(|l| {
                (
                    l.kind,
                    l.quantity,
                    l.unit_price,
                    l.discount,
                    l.net_amount,
                    l.tax,
                )
            })
            .collect()
    }

    #[test]
    fn square_item_detail_export() {
        let m = Mapping::from_toml(include_str!("../../mappings/square_item_sales.toml")).unwrap();
        let mut c = ctx();
        c.default_currency = "USD".into();
        let p = parse(&c, &m, &real("square/items-2026-07-18-2026-07-20.csv")).unwrap();
        // A BOM, CRLF, a quoted note with a comma and a newline, a row of commas and a blank
        // line at the end: six data rows.
        assert_eq!((p.rows, p.records.len()), (6, 5));

        let t = txn(&p.records[0]);
        assert_eq!(t.key.source_txn_id, "4S5oaeKrPyyWWst4wAvuQJ3qn6PZY");
        assert_eq!(t.key.store_id, "Main St");
        assert_eq!(t.currency, "USD");
        // 12:59:30 in New York in July is UTC-4, not the store's Berlin time.
        assert_eq!(t.occurred_at.to_rfc3339(), "2026-07-18T16:59:30+00:00");
        assert_eq!(t.business_date.to_string(), "2026-07-18");
        assert_eq!(
            lines(t),
            vec![
                (LineKind::Sale, d("1"), d("8"), d("0"), d("8"), d("0.62")),
                (LineKind::Sale, d("2"), d("2"), d("1"), d("3"), d("0.23")),
            ]
        );
        // No SKU: the catalog token is the item key.
        assert_eq!(t.lines[0].raw_item_id, "Y36H4C6V4YFFYACS3RIEFARY");
        assert_eq!(t.lines[1].raw_item_id, "WIKDKPJ6J74CB44HCJ6NMKSX");

        let t = txn(&p.records[1]);
        assert_eq!(t.lines[0].raw_item_id, "ESP-900");
        assert_eq!(
            lines(t),
            vec![(
                LineKind::Sale,
                d("1"),
                d("1234.50"),
                d("34.50"),
                d("1200.00"),
                d("96.00")
            )]
        );
        assert_eq!(t.customer_id.as_deref(), Some("GTY7JAA901CPDHWN4M3900J27W"));

        let t = txn(&p.records[2]);
        assert_eq!(t.key.store_id, "Pier 39");
        assert_eq!(t.occurred_at.to_rfc3339(), "2026-07-19T16:15:00+00:00");
        assert_eq!(
            lines(t),
            vec![(LineKind::Sale, d("3"), d("4"), d("0"), d("12"), d("0.93"))]
        );

        // The refund is its own transaction on its own day, linked to the sale.
        let r = txn(&p.records[3]);
        assert_eq!(
            r.key.source_txn_id,
            "4S5oaeKrPyyWWst4wAvuQJ3qn6PZY/return/20260720100000"
        );
        assert_eq!(r.business_date.to_string(), "2026-07-20");
        assert_eq!(
            lines(r),
            vec![(
                LineKind::Return,
                d("-1"),
                d("2"),
                d("0.50"),
                d("-1.50"),
                d("-0.12")
            )]
        );
        assert_eq!(
            r.lines[0].original_txn_id.as_deref(),
            Some("4S5oaeKrPyyWWst4wAvuQJ3qn6PZY")
        );

        let e = p.records[4].as_ref().unwrap_err();
        assert!(
            e.reason.contains("column `Time Zone`") && e.reason.contains("Mid-Atlantic Time"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn shopify_orders_export() {
        let m =
            Mapping::from_toml(include_str!("../../mappings/shopify_orders_export.toml")).unwrap();
        let p = parse(&ctx(), &m, &real("shopify/orders_export_1.csv")).unwrap();
        assert_eq!((p.rows, p.records.len()), (6, 4));

        // Order fields on the first row only: the second line still belongs to the order.
        let t = txn(&p.records[0]);
        assert_eq!(
            (t.key.source_txn_id.as_str(), t.key.store_id.as_str()),
            ("#1001", "online")
        );
        assert_eq!(t.occurred_at.to_rfc3339(), "2026-10-04T18:33:38+00:00");
        assert_eq!(
            (t.currency.as_str(), t.status),
            ("USD", TxnStatus::Completed)
        );
        assert_eq!(
            lines(t),
            vec![
                (
                    LineKind::Sale,
                    d("2"),
                    d("18.00"),
                    d("3.00"),
                    d("33.00"),
                    d("0")
                ),
                (
                    LineKind::Sale,
                    d("1"),
                    d("12.00"),
                    d("0.00"),
                    d("12.00"),
                    d("0")
                ),
            ]
        );
        // No SKU: the line item's name is the item key.
        assert_eq!(t.lines[1].raw_item_id, "Botanical Fern Print");

        let t = txn(&p.records[1]);
        assert_eq!(
            (t.currency.as_str(), t.status),
            ("EUR", TxnStatus::Cancelled)
        );
        assert_eq!(t.occurred_at.to_rfc3339(), "2026-10-05T07:00:00+00:00");
        assert_eq!(t.lines[0].unit_price, d("1234.50"));

        // A POS order: its location names the store, on the first row only.
        let t = txn(&p.records[2]);
        assert_eq!(t.key.store_id, "Main Street Store");
        assert_eq!(
            t.lines.iter().map(|l| l.quantity).collect::<Vec<_>>(),
            vec![d("1"), d("3")]
        );

        let e = p.records[3].as_ref().unwrap_err();
        assert!(
            e.reason.contains("#1004")
                && e.reason.contains("row 8")
                && e.reason.contains("column `Lineitem price`"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn german_till_journal_export() {
        let m = Mapping::from_toml(include_str!("../../mappings/de_kassenjournal.toml")).unwrap();
        let p = parse(&ctx(), &m, &real("de-kasse/kassenjournal.csv")).unwrap();
        assert_eq!((p.rows, p.records.len()), (6, 4));

        let t = txn(&p.records[0]);
        assert_eq!(
            (t.key.store_id.as_str(), t.key.source_txn_id.as_str()),
            ("B1", "4711")
        );
        assert_eq!(
            (t.register_id.as_deref(), t.cashier_id.as_deref()),
            (Some("K2"), Some("Anna"))
        );
        assert_eq!(t.occurred_at.to_rfc3339(), "2026-10-01T06:15:03+00:00");
        // VAT-inclusive amounts: net is the amount less the VAT.
        assert_eq!(
            lines(t),
            vec![
                (
                    LineKind::Sale,
                    d("2"),
                    d("1.50"),
                    d("0"),
                    d("2.52"),
                    d("0.48")
                ),
                (
                    LineKind::Sale,
                    d("1"),
                    d("1299.00"),
                    d("50.00"),
                    d("1049.58"),
                    d("199.42")
                ),
            ]
        );
        assert_eq!(
            t.lines[1].description.as_deref(),
            Some("Espressomaschine; Edelstahl")
        );

        // "1-" and "1,50-": a return, linked to the receipt it cancels.
        let r = txn(&p.records[1]);
        assert_eq!(
            lines(r),
            vec![(
                LineKind::Return,
                d("-1"),
                d("1.50"),
                d("0"),
                d("-1.26"),
                d("-0.24")
            )]
        );
        assert_eq!(r.lines[0].original_txn_id.as_deref(), Some("4711"));

        // A bottle deposit paid back inside a sale: negative price and amount, no kind column.
        let t = txn(&p.records[2]);
        assert_eq!(
            lines(t),
            vec![
                (
                    LineKind::Sale,
                    d("1.5"),
                    d("1.99"),
                    d("0"),
                    d("2.79"),
                    d("0.20")
                ),
                (
                    LineKind::Return,
                    d("-4"),
                    d("0.25"),
                    d("0"),
                    d("-0.84"),
                    d("-0.16")
                ),
            ]
        );

        let e = p.records[3].as_ref().unwrap_err();
        assert!(
            e.reason.contains("column `Datum`") && e.reason.contains("31.13.2026"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn header_names_differ_in_case_and_spacing() {
        let m = Mapping::from_toml(MAPPING).unwrap();
        let body = BODY.replacen("Bon;Zeit;EAN", " bon ;ZEIT;ean  ", 1);
        let p = parse(&ctx(), &m, &body).unwrap();
        assert_eq!(txn(&p.records[0]).lines.len(), 3);
    }

    #[test]
    fn money_with_currency_codes_and_symbols() {
        let m = Mapping::from_toml(MAPPING).unwrap();
        let body = "Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art\n\
1;05.01.2026 09:15;4011;A;1000;EUR 3,50;V\n\
2;05.01.2026 09:15;4011;A;1000;3,50 CHF;V\n\
3;05.01.2026 09:15;4011;A;1000;₹ 1.234,50;V\n\
4;05.01.2026 09:15;4011;A;1000;3e5;V\n";
        let p = parse(&ctx(), &m, body).unwrap();
        let prices: Vec<_> = p.records[..3]
            .iter()
            .map(|r| txn(r).lines[0].unit_price)
            .collect();
        assert_eq!(prices, vec![d("3.50"), d("3.50"), d("1234.50")]);
        let e = p.records[3].as_ref().unwrap_err();
        assert!(e.reason.contains("column `Preis`"), "{}", e.reason);
    }

    #[test]
    fn a_negative_quantity_is_a_return_whatever_the_kind_column_says() {
        let m = Mapping::from_toml(MAPPING).unwrap();
        let body = BODY.replace(
            "1002;05.01.2026 23:30;4011;Bananen;1.000;1,99;R",
            "1002;05.01.2026 23:30;4011;Bananen;-1.000;1,99;V",
        );
        let p = parse(&ctx(), &m, &body).unwrap();
        let r = txn(&p.records[1]);
        assert_eq!(
            (r.lines[0].kind, r.lines[0].quantity, r.lines[0].net_amount),
            (LineKind::Return, d("-1"), d("-1.99"))
        );
    }

    #[test]
    fn kinds_match_without_regard_to_case_and_unknown_kinds_name_the_column() {
        let m = Mapping::from_toml(MAPPING).unwrap();
        let body = BODY.replace(";R\n", ";r\n").replace(";S\n", ";X\n");
        let p = parse(&ctx(), &m, &body).unwrap();
        let e = p.records[0].as_ref().unwrap_err();
        assert!(
            e.reason.contains("column `Art`") && e.reason.contains("`X`"),
            "{}",
            e.reason
        );
        assert_eq!(txn(&p.records[1]).lines[0].kind, LineKind::Return);
    }

    #[test]
    fn minor_units_follow_the_currency() {
        let m = Mapping::from_toml(
            &MAPPING.replace("money_unit = \"major\"", "money_unit = \"minor\""),
        )
        .unwrap();
        let body = "Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art\n1;05.01.2026 09:15;4011;A;1000;123456789012345678901;V\n";
        let p = parse(&ctx(), &m, body).unwrap();
        // Larger than an i64 of cents would silently have become 0 before.
        assert_eq!(
            txn(&p.records[0]).lines[0].unit_price,
            d("1234567890123456789.01")
        );
    }

    #[test]
    fn a_currency_column_must_hold_codes() {
        let m = Mapping::from_toml(
            &MAPPING
                .replace("currency = \"EUR\"", "")
                .replace("[columns]\n", "[columns]\ncurrency = \"Whg\"\n"),
        )
        .unwrap();
        let body = "Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art;Whg\n\
1;05.01.2026 09:15;4011;A;1000;1,00;V;eur\n\
2;05.01.2026 09:15;4011;A;1000;1,00;V;Euro\n";
        let p = parse(&ctx(), &m, body).unwrap();
        assert_eq!(txn(&p.records[0]).currency, "EUR");
        let e = p.records[1].as_ref().unwrap_err();
        assert!(
            e.reason.contains("row 3: column `Whg`: `Euro`"),
            "{}",
            e.reason
        );
    }
}
